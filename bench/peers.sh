#!/usr/bin/env bash
# Peer benchmark: the same 12 MP DNGs through wisp and, where installed,
# rawtherapee-cli, darktable-cli and a rawpy + Pillow script; default
# settings, JPEG out. Each tool converts the whole set RUNS times; prints
# its median time and MP/s, and wisp's ratio to each peer.
#
#   bench/peers.sh [KODAK_DIR] [FILES] [RUNS]   (defaults: ../shared/datasets/kodak, 6, 3)
#
# Needs python3 with pidng, numpy, pillow (and rawpy for that peer):
#   pip install pidng numpy pillow rawpy
# Peers from Debian: apt-get install rawtherapee darktable
set -euo pipefail
cd "$(dirname "$0")/.."
kodak="${1:-../shared/datasets/kodak}"
count="${2:-6}"
runs="${3:-3}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export WGPU_BACKEND="${WGPU_BACKEND:-vulkan}"

cargo build --release --quiet
mkdir -p "$work/raws"
images=(kodim01.png kodim05.png kodim08.png kodim13.png kodim19.png kodim23.png kodim03.png kodim15.png)
for i in $(seq 1 "$count"); do
    python3 tests/fixtures/make_dngs.py "$kodak" --size 4000x3000 --out "$work/raws/shot$i.dng" \
        --image "${images[$(( (i - 1) % ${#images[@]} ))]}"
done
# Written out before anything is timed, so no run pays for the flush.
sync
mp=$(python3 -c "print($count * 4000 * 3000 / 1e6)")
echo "$count DNGs, 4000x3000 (12 MP) each, $(nproc) cores, median of $runs runs"

declare -A rate
run() { # name, output folder, command...
    local name=$1 out=$2; shift 2
    local t0 t1 written times=()
    mkdir -p "$out"
    for _ in $(seq 1 "$runs"); do
        find "$out" -mindepth 1 -delete
        t0=$(date +%s.%N)
        if ! "$@" >"$work/$name.log" 2>&1; then
            echo "$name failed; see its log:"; tail -5 "$work/$name.log"
            return
        fi
        t1=$(date +%s.%N)
        written=$(find "$out" -name '*.jpg' | wc -l)
        if [ "$written" != "$count" ]; then
            echo "$name wrote $written of $count JPEGs; see its log:"; tail -5 "$work/$name.log"
            return
        fi
        times+=("$(python3 -c "print($t1 - $t0)")")
    done
    local median
    median=$(printf '%s\n' "${times[@]}" | sort -g | sed -n "$(( (runs + 1) / 2 ))p")
    rate[$name]=$(python3 -c "print(f'{$mp / $median:.2f}')")
    printf '%-16s %8.2f s  %6s MP/s   (runs: %s s)\n' "$name" "$median" "${rate[$name]}" \
        "$(printf '%.2f ' "${times[@]}")"
}

run wisp "$work/out-wisp" target/release/wisp convert "$work/raws" -o "$work/out-wisp" -q
if command -v rawtherapee-cli >/dev/null; then
    run rawtherapee-cli "$work/out-rt" rawtherapee-cli -o "$work/out-rt" -d -j92 -Y -c "$work/raws"
fi
if command -v darktable-cli >/dev/null; then
    # darktable refuses to run as root: run it as `nobody` there, with its
    # own home and a folder it may write.
    as_user=()
    mkdir -p "$work/out-dt" "$work/dt"
    if [ "$(id -u)" = 0 ]; then
        as_user=(runuser -u nobody --)
        chmod 755 "$work"
        chown nobody "$work/out-dt" "$work/dt"
    fi
    run darktable-cli "$work/out-dt" "${as_user[@]}" env HOME="$work/dt" darktable-cli "$work/raws" "$work/out-dt/\$(FILE_NAME).jpg" \
        --core --configdir "$work/dt/conf" --library :memory:
fi
if python3 -c "import rawpy" 2>/dev/null; then
    run rawpy+pillow "$work/out-rawpy" python3 bench/rawpy_convert.py "$work/out-rawpy" "$work"/raws/*.dng
fi

for peer in "${!rate[@]}"; do
    [ "$peer" = wisp ] && continue
    [ -n "${rate[wisp]:-}" ] || break
    printf 'wisp / %-16s %6.2fx\n' "$peer" "$(python3 -c "print(${rate[wisp]} / ${rate[$peer]})")"
done
