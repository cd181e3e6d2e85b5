#!/usr/bin/env bash
# Flat-field benchmark of the noise reduction: an 18 % grey card, 512x512,
# RGGB through the fixture camera (tests/fixtures/make_dngs.py), made into
# a DNG clean and one at ISO 3200 (variance 3e-3 x + 5e-5) with
# NoiseProfile, developed neutrally (--look none --tone none --vignette 0,
# 8-bit PNG) with --denoise off and auto, and any further options in
# OPTIONS (e.g. OPTIONS="--denoise-quality high"). Prints the residual of the
# noisy card against the clean card's development: RMS codes per channel,
# the share of the luma residual's power below 0.02 of Nyquist (blotches)
# and the largest share in any higher band 0.02 wide (worms would show as
# a peak there), and the pixels off by more than 8 codes.
#
#   [OPTIONS=...] bench/grey-card.sh
#
# Needs python3 with pidng, numpy, pillow: pip install pidng numpy pillow
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export WGPU_BACKEND="${WGPU_BACKEND:-vulkan}"
cargo build --release --quiet
python3 - "$work" <<'PY'
import os, sys
sys.path.insert(0, "tests/fixtures")
import numpy as np
import make_dngs as m

work = sys.argv[1]
size, grey = 512, 0.18
s, o = m.ISO3200
neutral = np.array([0.5, 1.0, 0.8])
y, x = np.mgrid[0:size, 0:size]
clean = grey * neutral[np.array([0, 1, 1, 2])[(y % 2) * 2 + (x % 2)]]
rng = np.random.default_rng(512)
noisy = s * rng.poisson(clean / s) + rng.normal(0.0, np.sqrt(o), clean.shape)
black, white = 256, 4095
for name, linear in (("clean", clean), ("noisy", noisy)):
    raw = np.clip(np.round(black + linear * (white - black)), 0, white)
    t = m.tags(size, size, m.CFAPattern.RGGB, black, white, neutral, bits=16)
    if name == "noisy":
        t.set(m.Tag.NoiseProfile, [s, o])
    m.write(os.path.join(work, name + ".dng"), raw, t)
PY
for mode in off auto; do
    target/release/wisp convert "$work"/clean.dng "$work"/noisy.dng -o "$work/$mode" \
        --look none --tone none --vignette 0 --format png --denoise "$mode" ${OPTIONS:-} -q >/dev/null
done
python3 - "$work" <<'PY'
import sys
import numpy as np
from PIL import Image

work = sys.argv[1]
load = lambda p: np.asarray(Image.open(p).convert("RGB"), dtype=np.float64)[8:-8, 8:-8]
clean = load(f"{work}/off/clean.png")
print("residual of the ISO 3200 card against the clean card's development (8-bit codes)")
for mode in ("off", "auto"):
    r = load(f"{work}/{mode}/noisy.png") - clean
    rms = np.sqrt((r ** 2).mean(axis=(0, 1)))
    luma = r.mean(axis=2)
    power = np.abs(np.fft.fft2(luma - luma.mean())) ** 2
    fy = np.fft.fftfreq(luma.shape[0])[:, None]
    fx = np.fft.fftfreq(luma.shape[1])[None, :]
    radius = np.hypot(fx, fy) / 0.5
    bands = [power[(radius >= a) & (radius < a + 0.02)].sum() for a in np.arange(0, 1, 0.02)]
    share = np.array(bands) / power.sum()
    off8 = (np.abs(r) > 8).any(axis=2).mean()
    print(f"{mode:4}  RMS R {rms[0]:.2f}  G {rms[1]:.2f}  B {rms[2]:.2f}   "
          f"power below 0.02 Nyquist {100 * share[0]:.1f} %, largest higher band "
          f"{100 * share[1:].max():.1f} %   pixels off by > 8 codes {100 * off8:.2f} %")
PY
