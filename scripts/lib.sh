# Helpers shared by the scripts: sourced, not run.

apt_install() { # why, packages...
    local why=$1 sudo=""
    shift
    echo "$(basename "$0"): installing $* ($why)"
    if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

has_vulkan_driver() {
    compgen -G "/usr/share/vulkan/icd.d/*.json" >/dev/null || compgen -G "/etc/vulkan/icd.d/*.json" >/dev/null
}

# Without a Vulkan driver wgpu finds no adapter; on a machine without a GPU
# the driver is Mesa's lavapipe (software Vulkan).
need_vulkan_driver() {
    if ! has_vulkan_driver; then
        apt_install "no Vulkan driver found: Mesa's lavapipe" mesa-vulkan-drivers
    fi
}

# The JPEG encoder's SIMD code is assembled with nasm; without it
# mozjpeg-sys builds plain C (the same files, several times slower to
# encode), warning only in output cargo hides. Its build script does not
# run again when nasm appears, so an encoder built before is removed here
# (cargo builds it again, with SIMD).
need_nasm() {
    if ! command -v nasm >/dev/null; then
        apt_install "for the JPEG encoder's SIMD code" nasm
        cargo clean --quiet --release --package mozjpeg-sys
        cargo clean --quiet --package mozjpeg-sys
    fi
}
