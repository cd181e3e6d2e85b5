#!/usr/bin/env python3
"""Reads wisp's DNG fixtures and the bundled sample with Adobe's DNG SDK
(through dngpy), an independent reader, and checks that it finds in each
what tests/fixtures/make_dngs.py meant to write: the raw pixels, the CFA
phase, the white balance, the baseline exposure, and the first gain map of
shading.dng. Prints the SDK's own warnings and one line per check.

    pip install dngpy pidng numpy pillow
    python3 scripts/check-fixtures-sdk.py
"""
import glob
import os
import sys
import tempfile

import numpy as np

import dngpy

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "fixtures"))
import make_dngs  # noqa: E402

# Files that are broken on purpose (huge_dims: its size is a lie) or that
# the SDK reads by other rules (xtrans: a 6x6 CFA).
SKIP = {"huge_dims.dng", "xtrans_6x6.dng"}

# name: (CFA phase, white balance (AsShotNeutral), baseline exposure)
EXPECT = {
    "grbg_64x48.dng": ("GRBG", [0.5, 1.0, 0.8], 0.0),
    "exif_rot90.dng": ("GRBG", [0.5, 1.0, 0.8], 0.0),
    "baseline_exposure.dng": ("GRBG", [0.5, 1.0, 0.8], 0.75),
    "rggb_crop.dng": ("RGGB", [0.5, 1.0, 0.8], 0.0),
    "shading.dng": ("RGGB", [0.5, 1.0, 0.8], 0.0),
    "noisy_card.dng": ("RGGB", [0.5, 1.0, 0.8], 0.0),
    "noisy_card_untagged.dng": ("RGGB", [0.5, 1.0, 0.8], 0.0),
    "chart_a.dng": ("RGGB", None, 0.5),
    "chart_a_xy.dng": ("RGGB", [], 0.5),  # AsShotWhiteXY: no AsShotNeutral
    "chart_profile.dng": ("RGGB", None, 0.5),
    "bad_profile.dng": ("GRBG", [0.5, 1.0, 0.8], 0.0),
    "chart_gain_table.dng": ("RGGB", None, 0.5),
    "chart_triple.dng": ("RGGB", None, 0.0),
    "chart_triple_dual.dng": ("RGGB", None, 0.0),
    "grid_warped2.dng": ("RGGB", [0.5, 1.0, 0.8], 0.0),
}


def read(path):
    """The SDK's reading of `path` and the warnings it printed."""
    with tempfile.TemporaryFile(mode="w+") as log:
        saved = os.dup(2)
        os.dup2(log.fileno(), 2)
        try:
            dng = dngpy.Dng(path)
            result = {
                "pixels": dng.raw_pixels,
                "cfa": dng.get_bayer_pattern(),
                "wb": list(dng.get_white_balance()),
                "baseline": dng.get_baseline_exposure(),
                "gainmap": dng.get_gainmap(),
            }
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        log.seek(0)
        warnings = [line.strip() for line in log if line.strip()]
    return result, warnings


def main():
    files = sorted(glob.glob(os.path.join(ROOT, "tests", "fixtures", "*.dng")))
    files.append(os.path.join(ROOT, "assets", "samples", "parrots.dng"))
    failures = 0
    for path in files:
        name = os.path.basename(path)
        if name in SKIP:
            continue
        got, warnings = read(path)
        problems = []
        for w in warnings:
            # DefaultCrop is advice on interpolation margins; the fixtures
            # are small on purpose.
            if "Too little padding" not in w:
                problems.append(f"SDK: {w}")
        expect = EXPECT.get(name)
        if expect is not None:
            cfa, wb, baseline = expect
            if got["cfa"] != cfa:
                problems.append(f"CFA {got['cfa']}, meant {cfa}")
            if wb is not None and not np.allclose(got["wb"], wb, atol=1e-4):
                problems.append(f"white balance {got['wb']}, meant {wb}")
            if abs(got["baseline"] - baseline) > 1e-6:
                problems.append(f"baseline exposure {got['baseline']}, meant {baseline}")
        if name == "shading.dng":
            v, u = np.mgrid[0:13, 0:17]
            d2 = (u / 16 - 0.5) ** 2 + (v / 12 - 0.5) ** 2
            meant = 1 / (1 - make_dngs.SHADING[0] * d2)
            gains = got["gainmap"].to_numpy()[..., 0]
            if gains.shape != meant.shape or not np.allclose(gains, meant, rtol=1e-5):
                problems.append("first gain map differs from the R plane's shading")
        shape = got["pixels"].shape
        print(f"{'FAIL' if problems else 'ok  '} {name}: {shape[1]}x{shape[0]}x{shape[2]}, "
              f"{got['cfa']}, wb {np.round(got['wb'], 4).tolist()}, baseline {got['baseline']}")
        for p in problems:
            print(f"       {p}")
        failures += bool(problems)
    print(f"{failures} of {len(files) - len(SKIP)} files with problems")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
