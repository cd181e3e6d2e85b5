//! Shared by the integration tests: one GPU pipeline per test binary, seeded
//! random inputs, and comparisons.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use wisp::frame::{CfaPattern, LinearImage, RawFrame};
use wisp::gpu::Gpu;
use wisp::lut::{Lut, Lut3d};
use wisp::pipeline::GpuPipeline;
use wisp::{Denoise, DevelopParams, Pixels, Rendered, ToneOp, Vignette};

/// The GPU under test. There is no skipping: without an adapter (install
/// Mesa's lavapipe: `apt-get install mesa-vulkan-drivers`) the test fails.
pub fn gpu() -> &'static GpuPipeline {
    static PIPELINE: OnceLock<GpuPipeline> = OnceLock::new();
    PIPELINE.get_or_init(|| {
        let gpu = Gpu::new().unwrap_or_else(|e| panic!("GPU tests need an adapter: {e}"));
        eprintln!("GPU tests on {} ({:?})", gpu.info.name, gpu.info.backend);
        GpuPipeline::new(gpu)
    })
}

pub fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

/// Sizes that catch edge cases: the smallest mosaic, odd sides, a
/// non-multiple of the 8x8 workgroup, and a very wide strip.
pub const ODD_SIZES: [(usize, usize); 4] = [(2, 2), (3, 5), (1001, 667), (4099, 2)];

/// A random raw frame: noise around a smooth scene, per-cell black levels,
/// some clipped photosites, a random white balance and colour matrix.
pub fn random_frame(rng: &mut StdRng, width: usize, height: usize, cfa: CfaPattern) -> RawFrame {
    let white = 4095.0;
    let black = [0; 4].map(|_| rng.random_range(60.0..260.0f32).round());
    let mosaic = (0..width * height)
        .map(|i| {
            let (x, y) = ((i % width) as f32, (i / width) as f32);
            let smooth = 0.5 + 0.45 * ((x * 0.05).sin() * (y * 0.07).cos());
            let v = smooth * 4400.0 + rng.random_range(-200.0..200.0f32);
            v.clamp(0.0, white) as u16
        })
        .collect();
    let cam_to_srgb = [0, 1, 2].map(|r| {
        [0, 1, 2].map(|c| {
            if r == c {
                rng.random_range(1.2..1.8f32)
            } else {
                rng.random_range(-0.45..0.05f32)
            }
        })
    });
    RawFrame {
        width,
        height,
        mosaic,
        cfa,
        black,
        white,
        wb: [
            rng.random_range(1.3..2.6f32),
            1.0,
            rng.random_range(1.1..2.2f32),
        ],
        cam_to_srgb,
        gain_maps: None,
        noise: None,
        warp: None,
    }
}

/// A random linear image with values in `lo..hi`.
pub fn random_image(
    rng: &mut StdRng,
    width: usize,
    height: usize,
    lo: f32,
    hi: f32,
) -> LinearImage {
    LinearImage {
        width,
        height,
        data: (0..width * height)
            .map(|_| {
                [
                    rng.random_range(lo..hi),
                    rng.random_range(lo..hi),
                    rng.random_range(lo..hi),
                    1.0,
                ]
            })
            .collect(),
    }
}

/// Largest absolute difference between two float slices, after checking lengths.
pub fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len(), "lengths differ");
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

pub fn rgb_of(image: &LinearImage) -> Vec<f32> {
    image.data.iter().flat_map(|p| [p[0], p[1], p[2]]).collect()
}

pub fn codes(r: &Rendered) -> Vec<u16> {
    match &r.pixels {
        Pixels::Eight(p) => p.iter().map(|&v| v as u16).collect(),
        Pixels::Sixteen(p) => p.clone(),
    }
}

/// GPU and CPU code values agree: at most `max_diff` apart, and no more than
/// `max_fraction` of them (or 2, for tiny images) differ at all: float
/// rounding near a code boundary.
pub fn assert_codes_close(
    gpu: &Rendered,
    cpu: &Rendered,
    max_diff: u16,
    max_fraction: f64,
    what: &str,
) {
    assert_eq!(
        (gpu.width, gpu.height),
        (cpu.width, cpu.height),
        "{what}: size"
    );
    let (g, c) = (codes(gpu), codes(cpu));
    let worst = g
        .iter()
        .zip(&c)
        .map(|(a, b)| a.abs_diff(*b))
        .max()
        .unwrap_or(0);
    let differing = g.iter().zip(&c).filter(|(a, b)| a != b).count();
    let fraction = differing as f64 / g.len() as f64;
    let allowed = ((max_fraction * g.len() as f64).ceil() as usize).max(2);
    assert!(
        worst <= max_diff && differing <= allowed,
        "{what}: max code difference {worst} (allowed {max_diff}), {differing} of {} values differ ({:.4}%, allowed {:.4}%)",
        g.len(),
        fraction * 100.0,
        max_fraction * 100.0
    );
}

/// A fresh, empty folder for one test.
pub fn tempdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wisp-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A file of the repository, e.g. `assets/samples/parrots.dng`.
pub fn fixture(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// Run the `wisp` command.
pub fn wisp(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wisp"))
        .args(args)
        .output()
        .expect("wisp runs")
}

/// A camera profile with every table: a HueSatMap of 6 x 3 x 2 entries
/// (sRGB value axis), a LookTable of 4 x 2 x 1, a tone curve and a gain
/// table map of 3 x 2 tables of 6 entries placed on part of an active
/// area.
pub fn camera_profile() -> wisp::profile::CameraProfile {
    use wisp::profile::{HsvMap, ToneCurve};
    let map = |hues: usize, sats: usize, vals: usize, srgb_values: bool, seed: f32| HsvMap {
        hues,
        sats,
        vals,
        srgb_values,
        data: (0..hues * sats * vals)
            .map(|i| {
                let t = (i as f32 * 0.73 + seed).sin();
                [6.0 * t, 1.0 - 0.08 * t, 1.0 + 0.03 * t]
            })
            .collect(),
    };
    wisp::profile::CameraProfile {
        name: Some("test".into()),
        cam_to_srgb: None,
        hue_sat: Some(map(6, 3, 2, true, 0.3)),
        look: Some(map(4, 2, 1, false, 1.1)),
        tone: Some(ToneCurve {
            points: vec![[0.0, 0.0], [0.3, 0.4], [0.7, 0.8], [1.0, 1.0]],
        }),
        gain_table: Some(std::sync::Arc::new(wisp::ops::gain_table::GainTable {
            points: [3, 2],
            spacing: [0.4, 0.8],
            origin: [0.1, 0.1],
            entries: 6,
            weights: [0.2, 0.5, 0.1, 0.1, 0.1],
            gamma: 0.7,
            gains: (0..36)
                .map(|i| 0.6 + 0.9 * (i as f32 * 0.37).sin().abs())
                .collect(),
            area: [0.05, 0.1, 0.9, 0.8],
        })),
    }
}

/// Every optional op on: a camera profile, a LUT, a vignette, a tone map
/// other than AgX.
pub fn graded() -> DevelopParams {
    let mut lut = Lut3d::identity(17);
    for e in lut.table.iter_mut() {
        // A gentle warm, contrasty grade.
        *e = [e[0] * 1.05 - 0.02, e[1], e[2] * 0.92 + 0.01].map(|v| v.clamp(0.0, 1.0));
    }
    DevelopParams {
        exposure: 0.4,
        tone: ToneOp::Filmic,
        lut: Some(Lut::from(lut).into()),
        vignette: Vignette {
            amount: -1.2,
            ..Vignette::default()
        },
        // The random frames are noisy: left as they are here, so that the
        // block kernel runs; tests/denoise.rs holds the noise reduction.
        denoise: Denoise::Off,
        camera_profile: Some(camera_profile().into()),
        profile_look: true,
        ..DevelopParams::default()
    }
}

/// The defaults without noise reduction (see [`graded`]).
pub fn plain() -> DevelopParams {
    DevelopParams {
        denoise: Denoise::Off,
        ..DevelopParams::default()
    }
}

/// The `wisp` command with its address space capped at 4 GB and a 60 s
/// time limit, for hostile inputs: a runaway allocation fails (and the
/// test with it) instead of taking the machine.
pub fn capped_wisp() -> Command {
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg("ulimit -v 4000000; exec timeout 60 \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_wisp"));
    command
}

/// Run [`capped_wisp`] with `args`.
pub fn wisp_capped(args: &[&str]) -> Output {
    capped_wisp().args(args).output().expect("sh runs")
}

/// The bundled sample DNG with `patches` applied: (tag of an entry of its
/// first IFD, byte offset from the entry's start, little-endian bytes).
/// Offset 0 rewrites the tag itself, 2 the type, 4 the count, 8 the value.
pub fn patched_sample(patches: &[(u16, usize, &[u8])]) -> Vec<u8> {
    let mut dng = std::fs::read(fixture("assets/samples/parrots.dng")).unwrap();
    for &(tag, at, bytes) in patches {
        let e = ifd0_entry(&dng, tag);
        dng[e + at..e + at + bytes.len()].copy_from_slice(bytes);
    }
    dng
}

/// Offset of the entry for `tag` in the first IFD of the little-endian
/// TIFF `tiff`.
pub fn ifd0_entry(tiff: &[u8], tag: u16) -> usize {
    let ifd = u32::from_le_bytes(tiff[4..8].try_into().unwrap()) as usize;
    let count = u16::from_le_bytes([tiff[ifd], tiff[ifd + 1]]) as usize;
    (0..count)
        .map(|i| ifd + 2 + 12 * i)
        .find(|&e| u16::from_le_bytes([tiff[e], tiff[e + 1]]) == tag)
        .unwrap_or_else(|| panic!("no tag {tag} in the first IFD"))
}

/// Offset of the next-IFD pointer of the first IFD of `tiff`.
pub fn ifd0_next(tiff: &[u8]) -> usize {
    let ifd = u32::from_le_bytes(tiff[4..8].try_into().unwrap()) as usize;
    ifd + 2 + 12 * u16::from_le_bytes([tiff[ifd], tiff[ifd + 1]]) as usize
}

/// The standard error of a command, as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// stderr holds no panic message, backtrace hint or request to report a
/// bug elsewhere, and the lines naming `name` are single wisp lines.
pub fn assert_clean_failure(o: &Output, name: &str) {
    let err = stderr(o);
    assert!(!o.status.success(), "{name} must fail: {err}");
    for bad in ["panicked", "backtrace", "file a bug", "github"] {
        assert!(!err.contains(bad), "{name}: `{bad}` in: {err}");
    }
    let lines: Vec<&str> = err.lines().filter(|l| l.contains(name)).collect();
    assert!(!lines.is_empty(), "{name} is not named: {err}");
    for l in lines {
        assert!(l.starts_with("wisp: "), "{name}: not a wisp line: {l}");
    }
}

/// The chart of `tests/fixtures/chart_a.dng`, 8-bit sRGB, row by row
/// (`CHART_SRGB` in `tests/fixtures/make_dngs.py`).
pub const CHART_SRGB: [[u8; 3]; 24] = [
    [115, 82, 68],
    [194, 150, 130],
    [98, 122, 157],
    [87, 108, 67],
    [133, 128, 177],
    [103, 189, 170],
    [214, 126, 44],
    [80, 91, 166],
    [193, 90, 99],
    [94, 60, 108],
    [157, 188, 64],
    [224, 163, 46],
    [56, 61, 150],
    [70, 148, 73],
    [175, 54, 60],
    [231, 199, 31],
    [187, 86, 149],
    [8, 133, 161],
    [243, 243, 242],
    [200, 200, 200],
    [160, 160, 160],
    [122, 122, 121],
    [85, 85, 85],
    [52, 52, 52],
];

/// CPU twin of a pointwise op over `image`, which sits at `tile`: its RGB.
pub fn cpu_pointwise(
    op: &dyn wisp::ops::Pointwise,
    image: &LinearImage,
    tile: wisp::plan::Tile,
) -> Vec<f32> {
    let w = image.width;
    (0..image.data.len())
        .flat_map(|i| {
            let p = image.data[i];
            op.apply(
                [p[0], p[1], p[2]],
                tile.pixel((i % w) as u32, (i / w) as u32),
            )
        })
        .collect()
}
