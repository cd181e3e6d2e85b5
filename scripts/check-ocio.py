#!/usr/bin/env python3
"""Cross-check wisp's exported looks with OpenColorIO.

    pip install opencolorio numpy pillow
    python3 scripts/check-ocio.py [path/to/wisp]

For every built-in look: `wisp looks export` writes a .cube; OpenColorIO
loads it and applies it (tetrahedral) to a random sRGB image; wisp applies
the same file to the same image (`--look FILE --tone none`, which is the
identity before the LUT). Prints the mean and largest difference in 8-bit
codes; wisp dithers its 8-bit output, so up to 1-2 codes are expected.
"""
import os
import subprocess
import sys
import tempfile

import numpy as np
import PyOpenColorIO as ocio
from PIL import Image

wisp = sys.argv[1] if len(sys.argv) > 1 else "target/release/wisp"
names = [l.split()[0] for l in subprocess.run([wisp, "looks", "list"], check=True, capture_output=True, text=True).stdout.splitlines()]
rng = np.random.default_rng(1)
img = rng.integers(0, 256, size=(64, 96, 3), dtype=np.uint8)
worst = 0
with tempfile.TemporaryDirectory() as tmp:
    src = os.path.join(tmp, "random.png")
    Image.fromarray(img).save(src)
    for name in names:
        cube = os.path.join(tmp, f"{name}.cube")
        subprocess.run([wisp, "looks", "export", name, cube], check=True, capture_output=True)
        config = ocio.Config.CreateRaw()
        t = ocio.FileTransform(src=cube, interpolation=ocio.INTERP_TETRAHEDRAL)
        cpu = config.getProcessor(t).getDefaultCPUProcessor()
        pixels = (img.astype(np.float32) / 255.0).copy()
        cpu.applyRGB(pixels)
        expect = np.clip(np.round(pixels * 255.0), 0, 255)
        # A folder per look: wisp skips outputs that already exist.
        out = os.path.join(tmp, f"out-{name}")
        subprocess.run([wisp, "convert", src, "-o", out, "--format", "png", "--look", cube, "--tone", "none", "--vignette", "0"],
                       check=True, capture_output=True)
        got = np.asarray(Image.open(os.path.join(out, "random.png")).convert("RGB")).astype(np.float64)
        diff = np.abs(got - expect)
        worst = max(worst, diff.max())
        print(f"{name:<10} OpenColorIO {ocio.__version__} vs wisp: mean {diff.mean():.3f}, max {diff.max():.0f} codes")
sys.exit(0 if worst <= 2 else 1)
