#!/usr/bin/env bash
# Peer benchmark: the same 12 MP DNGs through wisp and, where installed,
# rawtherapee-cli, darktable-cli and a rawpy + Pillow script; default
# settings, JPEG out; wisp once with each demosaic (`wisp-fast`,
# `wisp-gbtf`). Each tool converts the whole set RUNS times, the tools
# taking turns; prints each one's median time and MP/s, and each wisp's
# ratio to each peer.
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

# The tools take turns within each round, so a drift in the machine's speed
# falls on all of them alike.
tools=(wisp-fast wisp-gbtf)
command -v rawtherapee-cli >/dev/null && tools+=(rawtherapee-cli)
if command -v darktable-cli >/dev/null; then
    tools+=(darktable-cli)
    # darktable refuses to run as root: run it as `nobody` there, with its
    # own home and a folder it may write.
    as_user=()
    mkdir -p "$work/out-darktable-cli" "$work/dt"
    if [ "$(id -u)" = 0 ]; then
        as_user=(runuser -u nobody --)
        chmod 755 "$work"
        chown nobody "$work/out-darktable-cli" "$work/dt"
    fi
fi
python3 -c "import rawpy" 2>/dev/null && tools+=(rawpy+pillow)

convert_with() { # tool, output folder
    case $1 in
        wisp-*) target/release/wisp convert "$work/raws" -o "$2" -q --demosaic "${1#wisp-}" ;;
        rawtherapee-cli) rawtherapee-cli -o "$2" -d -j92 -Y -c "$work/raws" ;;
        darktable-cli) "${as_user[@]}" env HOME="$work/dt" darktable-cli "$work/raws" "$2/\$(FILE_NAME).jpg" \
            --core --configdir "$work/dt/conf" --library :memory: ;;
        rawpy+pillow) python3 bench/rawpy_convert.py "$2" "$work"/raws/*.dng ;;
    esac
}

declare -A times failed
time_once() { # tool
    local name=$1 out="$work/out-$1" t0 t1 written
    mkdir -p "$out"
    find "$out" -mindepth 1 -delete
    t0=$(date +%s.%N)
    if ! convert_with "$name" "$out" >"$work/$name.log" 2>&1; then
        failed[$name]="failed; see its log"
        return
    fi
    t1=$(date +%s.%N)
    written=$(find "$out" -name '*.jpg' | wc -l)
    if [ "$written" != "$count" ]; then
        failed[$name]="wrote $written of $count JPEGs; see its log"
        return
    fi
    times[$name]+="$(python3 -c "print($t1 - $t0)") "
}

for _ in $(seq 1 "$runs"); do
    for name in "${tools[@]}"; do
        [ -n "${failed[$name]:-}" ] || time_once "$name"
    done
done

declare -A rate
for name in "${tools[@]}"; do
    if [ -n "${failed[$name]:-}" ]; then
        echo "$name ${failed[$name]}:"; tail -5 "$work/$name.log"
        continue
    fi
    read -ra t <<<"${times[$name]}"
    median=$(printf '%s\n' "${t[@]}" | sort -g | sed -n "$(( (runs + 1) / 2 ))p")
    rate[$name]=$(python3 -c "print(f'{$mp / $median:.2f}')")
    printf '%-16s %8.2f s  %6s MP/s   (runs: %s s)\n' "$name" "$median" "${rate[$name]}" \
        "$(printf '%.2f ' "${t[@]}")"
done

for ours in wisp-fast wisp-gbtf; do
    for peer in "${tools[@]}"; do
        [[ $peer = wisp-* ]] && continue
        [ -n "${rate[$ours]:-}" ] && [ -n "${rate[$peer]:-}" ] || continue
        printf '%s / %-16s %6.2fx\n' "$ours" "$peer" "$(python3 -c "print(${rate[$ours]} / ${rate[$peer]})")"
    done
done
