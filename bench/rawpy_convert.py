#!/usr/bin/env python3
"""The rawpy + Pillow peer: LibRaw with linear demosaic, camera white
balance, sRGB 8-bit, JPEG quality 92; one process per core.

    python3 bench/rawpy_convert.py OUT_DIR FILE...
"""
import os
import sys
from multiprocessing import Pool

import rawpy
from PIL import Image


def convert(args):
    path, out_dir = args
    with rawpy.imread(path) as raw:
        rgb = raw.postprocess(demosaic_algorithm=rawpy.DemosaicAlgorithm.LINEAR, use_camera_wb=True, output_bps=8)
    name = os.path.splitext(os.path.basename(path))[0] + ".jpg"
    Image.fromarray(rgb).save(os.path.join(out_dir, name), quality=92)


if __name__ == "__main__":
    out_dir, files = sys.argv[1], sys.argv[2:]
    os.makedirs(out_dir, exist_ok=True)
    with Pool(os.cpu_count()) as pool:
        pool.map(convert, [(f, out_dir) for f in files])
