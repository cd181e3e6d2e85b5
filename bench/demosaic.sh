#!/usr/bin/env bash
# Demosaic benchmark on raws: Kodak images made into DNGs through three
# synthetic cameras (tests/fixtures/make_dngs.py --camera: their colour
# matrices differ) in all four Bayer phases, developed neutrally (--look
# none --tone none --vignette 0, PNG) with each demosaic. Prints CPSNR
# (8-bit, RGB, a 10 px border left out) against the original image: per
# camera and phase, and the mean, for each demosaic.
#
#   bench/demosaic.sh [KODAK_DIR] [IMAGES...]   (defaults: ../shared/datasets/kodak,
#                                                kodim01 05 08 13 19 23)
#
# Needs python3 with pidng, numpy, pillow: pip install pidng numpy pillow
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/kodak-dngs.sh
cameras=(synthetic phone dslr)
phases=(RGGB BGGR GRBG GBRG)
demosaics=(fast gbtf)

mkdir -p "$work/raws"
for image in "${images[@]}"; do
    for camera in "${cameras[@]}"; do
        for phase in "${phases[@]}"; do
            python3 tests/fixtures/make_dngs.py "$kodak" --image "$image.png" \
                --camera "$camera" --cfa "$phase" --out "$work/raws/$image-$camera-$phase.dng"
        done
    done
done
for demosaic in "${demosaics[@]}"; do
    "$wisp" convert "$work/raws" -o "$work/$demosaic" --look none --tone none --vignette 0 \
        --format png --demosaic "$demosaic" -q >/dev/null
done

python3 - "$work" "$kodak" "${demosaics[*]}" "${cameras[*]}" "${phases[*]}" "${images[@]}" <<'PY'
import sys
import numpy as np
from PIL import Image

work, kodak, demosaics, cameras, phases = sys.argv[1:6]
demosaics, cameras, phases = demosaics.split(), cameras.split(), phases.split()
images = sys.argv[6:]
B = 10


def cpsnr(a, b):
    a = a[B:-B, B:-B].astype(np.float64)
    b = b[B:-B, B:-B].astype(np.float64)
    return 10 * np.log10(255.0 ** 2 / np.mean((a - b) ** 2))


def load(path):
    return np.asarray(Image.open(path).convert("RGB"))


scores = {d: {} for d in demosaics}
for image in images:
    original = load(f"{kodak}/{image}.png")
    for camera in cameras:
        for phase in phases:
            for d in demosaics:
                got = load(f"{work}/{d}/{image}-{camera}-{phase}.png")
                scores[d].setdefault((camera, phase), []).append(cpsnr(got, original))

print(f"{len(images)} images: {' '.join(images)}; CPSNR (dB) against the original, mean over the images")
print(f"{'camera':10} {'phase':5} " + " ".join(f"{d:>7}" for d in demosaics))
for camera in cameras:
    for phase in phases:
        row = [np.mean(scores[d][(camera, phase)]) for d in demosaics]
        print(f"{camera:10} {phase:5} " + " ".join(f"{v:7.2f}" for v in row))
means = {d: np.mean([v for vs in scores[d].values() for v in vs]) for d in demosaics}
print("mean             " + " ".join(f"{means[d]:7.2f}" for d in demosaics))
base = demosaics[0]
for d in demosaics[1:]:
    gains = [np.mean(scores[d][k]) - np.mean(scores[base][k]) for k in scores[d]]
    print(f"{d} - {base}: {means[d] - means[base]:+.2f} dB (per camera and phase {min(gains):+.2f} to {max(gains):+.2f})")
PY
