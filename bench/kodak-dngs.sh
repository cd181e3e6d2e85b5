# Shared by the benchmarks that develop Kodak images made into DNGs
# (sourced, not run; the caller runs `set -euo pipefail` and `cd`s to the
# repository first). Arguments: [KODAK_DIR] [IMAGES...]; sets `kodak`,
# `images` (default kodim01 05 08 13 19 23), a temporary `work` folder
# removed on exit, and `wisp`, the release build.
kodak="${1:-../shared/datasets/kodak}"
shift || true
images=("$@")
[ ${#images[@]} -gt 0 ] || images=(kodim01 kodim05 kodim08 kodim13 kodim19 kodim23)
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export WGPU_BACKEND="${WGPU_BACKEND:-vulkan}"
cargo build --release --quiet
wisp=target/release/wisp
