#!/usr/bin/env bash
# Noise reduction benchmark: Kodak images made into RGGB DNGs through the
# fixture camera (tests/fixtures/make_dngs.py) at each ISO, with Poisson-
# Gaussian noise and a NoiseProfile tag, and the same without the tag (the
# model is then measured); developed neutrally (--look none --tone none
# --vignette 0, PNG) with --denoise off and auto (or the modes in MODES,
# e.g. MODES="off auto 0.5 2"; off first), and any further options in
# OPTIONS (e.g. OPTIONS="--demosaic fast"). Prints CPSNR (8-bit, RGB, a
# 10 px border left out) against the clean scene (the noise-free DNG
# developed the same way) and against the original image, per image and
# the mean, and each mode's gain over off.
#
#   [MODES=...] [OPTIONS=...] bench/denoise.sh [KODAK_DIR] [IMAGES...]
#       (defaults: ../shared/datasets/kodak, kodim01 05 08 13 19 23)
#
# Needs python3 with pidng, numpy, pillow: pip install pidng numpy pillow
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/kodak-dngs.sh

# name, S, O (variance S x + O, x linear with white 1), and a tag flag.
cases=("iso3200 3e-3 5e-5 tag" "iso3200-untagged 3e-3 5e-5 none"
       "iso800 7e-4 1e-5 tag" "iso800-untagged 7e-4 1e-5 none")
for image in "${images[@]}"; do
    dir="$work/$image"
    mkdir -p "$dir"
    python3 tests/fixtures/make_dngs.py "$kodak" --image "$image.png" --out "$dir/clean.dng"
    for c in "${cases[@]}"; do
        read -r name s o tag <<<"$c"
        flag=""
        [ "$tag" = none ] && flag="--no-profile"
        python3 tests/fixtures/make_dngs.py "$kodak" --image "$image.png" \
            --noise "$s" "$o" $flag --out "$dir/$name.dng"
    done
    for mode in ${MODES:-off auto}; do
        "$wisp" convert "$dir"/*.dng -o "$dir/$mode" --look none --tone none --vignette 0 \
            --format png --denoise "$mode" ${OPTIONS:-} -q >/dev/null
    done
done

python3 - "$work" "$kodak" "${images[@]}" <<'EOF'
import os, sys
import numpy as np
from PIL import Image

work, kodak, images = sys.argv[1], sys.argv[2], sys.argv[3:]
load = lambda p: np.asarray(Image.open(p).convert("RGB"), dtype=np.float64)

def cpsnr(a, b, border=10):
    mse = np.mean(((a - b)[border:-border, border:-border]) ** 2)
    return float("inf") if mse == 0 else 10 * np.log10(255.0 ** 2 / mse)

names = ["clean", "iso3200", "iso3200-untagged", "iso800", "iso800-untagged"]
for against in ("the clean scene", "the original"):
    print(f"CPSNR (dB) against {against}")
    print(f"{'':22}" + "".join(f"{i[-2:]:>8}" for i in images) + f"{'mean':>8}{'gain':>7}")
    for name in names:
        rows = {}
        for mode in os.environ.get("MODES", "off auto").split():
            scores = []
            for image in images:
                ref = (load(f"{work}/{image}/off/clean.png") if against == "the clean scene"
                       else load(f"{kodak}/{image}.png"))
                scores.append(cpsnr(load(f"{work}/{image}/{mode}/{name}.png"), ref))
            rows[mode] = scores
        for mode, scores in rows.items():
            if name == "clean" and mode == "off" and against == "the clean scene":
                continue
            label = f"{name} {mode}"
            if all(np.isinf(scores)):
                print(f"{label:22} identical to the clean scene")
                continue
            gain = np.mean(scores) - np.mean(rows["off"])
            print(f"{label:22}" + "".join(f"{v:8.2f}" for v in scores)
                  + f"{np.mean(scores):8.2f}" + (f"{gain:+7.2f}" if mode != "off" and np.isfinite(gain) else ""))
    print()
EOF
