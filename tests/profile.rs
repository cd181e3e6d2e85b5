//! Camera profiles (DNG 1.6, chapter 6): the profile op on the GPU against
//! its CPU twin; the HueSatMap, LookTable and tone curve of
//! `tests/fixtures/chart_profile.dng` and the HueSatMap of
//! `tests/fixtures/chart.dcp` and the gain table map of
//! `tests/fixtures/chart_gain_table.dng` against values computed here from
//! the specification's math; `--profile none` against the development
//! before profiles; malformed tables.

mod common;

use std::sync::Arc;

use common::*;
use rand::Rng;
use wisp::io;
use wisp::ops::Pointwise;
use wisp::params::ProfileChoice;
use wisp::pipeline::Fusion;
use wisp::plan::{Chain, Tile};
use wisp::profile::{CameraProfile, HsvMap, ToneCurve};
use wisp::{cpu, DevelopParams, Pixels, Source};

fn random_map(rng: &mut rand::rngs::StdRng, dims: [usize; 3], srgb_values: bool) -> HsvMap {
    HsvMap {
        hues: dims[0],
        sats: dims[1],
        vals: dims[2],
        srgb_values,
        data: (0..dims[0] * dims[1] * dims[2])
            .map(|_| {
                [
                    rng.random_range(-40.0..40.0f32),
                    rng.random_range(0.5..1.5f32),
                    rng.random_range(0.7..1.3f32),
                ]
            })
            .collect(),
    }
}

/// The op named `name` of the chain `params` develop, on the GPU against
/// its CPU twin over random images of the odd sizes, each with a random
/// camera matrix near `diagonal`: the largest difference, after checking
/// that the op changed the larger images by more than `moved`.
fn op_twin_diff(
    rng: &mut rand::rngs::StdRng,
    params: &DevelopParams,
    name: &str,
    diagonal: f32,
    moved: f32,
) -> f32 {
    let mut worst = 0.0f32;
    for (w, h) in ODD_SIZES {
        let image = random_image(rng, w, h, -0.05, 1.6);
        let off = (1.0 - diagonal) / 2.0;
        let matrix = [0, 1, 2].map(|r| {
            [0, 1, 2]
                .map(|c| if r == c { diagonal } else { off } + rng.random_range(-0.05..0.05f32))
        });
        let op = || -> Box<dyn Pointwise> {
            Chain::new(params, &matrix, false)
                .ops
                .into_iter()
                .find(|op| op.wgsl().name == name)
                .expect("the op in the chain")
        };
        let tile = Tile::whole(w, h);
        let gpu = gpu().pointwise_op(&image, op(), tile).expect("GPU op");
        let cpu = cpu_pointwise(op().as_ref(), &image, tile);
        let diff = max_abs_diff(&rgb_of(&gpu), &cpu);
        eprintln!("{name} {w}x{h}: GPU vs CPU twin max diff {diff:.2e}");
        let changed = max_abs_diff(&rgb_of(&image), &cpu);
        assert!(
            w * h < 10 || changed > moved,
            "{name} {w}x{h}: changed at most {changed}"
        );
        worst = worst.max(diff);
    }
    worst
}

#[test]
fn profile_op_matches_cpu_on_random_colours_and_odd_sizes() {
    let mut rng = rng(13);
    let tone = ToneCurve {
        points: vec![[0.0, 0.0], [0.2, 0.3], [0.6, 0.75], [1.0, 1.0]],
    };
    let profile = Arc::new(CameraProfile {
        name: None,
        cam_to_srgb: None,
        hue_sat: Some(random_map(&mut rng, [7, 4, 5], true)),
        look: Some(random_map(&mut rng, [5, 3, 1], false)),
        tone: Some(tone),
        gain_table: None,
    });
    for profile_look in [false, true] {
        let params = DevelopParams {
            exposure: 0.3,
            white_balance_shift: [0.1, -0.05],
            camera_profile: Some(profile.clone()),
            profile_look,
            ..DevelopParams::default()
        };
        let diff = op_twin_diff(&mut rng, &params, "profile", 1.4, 0.01);
        assert!(
            diff <= 2e-5,
            "profile (look {profile_look}): max diff {diff}"
        );
    }
}

// The expected values, from the specification's math in f64, apart from
// wisp's code.

type M3 = [[f64; 3]; 3];

fn mul(a: &M3, b: &M3) -> M3 {
    std::array::from_fn(|i| std::array::from_fn(|j| (0..3).map(|k| a[i][k] * b[k][j]).sum()))
}

fn apply(m: &M3, v: [f64; 3]) -> [f64; 3] {
    std::array::from_fn(|i| (0..3).map(|k| m[i][k] * v[k]).sum())
}

fn inv(m: &M3) -> M3 {
    let [[a, b, c], [d, e, f], [g, h, i]] = *m;
    let det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
    let adj = [
        [e * i - f * h, c * h - b * i, b * f - c * e],
        [f * g - d * i, a * i - c * g, c * d - a * f],
        [d * h - e * g, b * g - a * h, a * e - b * d],
    ];
    adj.map(|r| r.map(|v| v / det))
}

/// Linear sRGB -> linear ProPhoto: sRGB (IEC 61966-2-1) to XYZ, Bradford
/// D65 -> D50, XYZ to ROMM RGB (ISO 22028-2).
fn srgb_to_prophoto() -> M3 {
    let srgb: M3 = [
        [0.4124564, 0.3575761, 0.1804375],
        [0.2126729, 0.7151522, 0.0721750],
        [0.0193339, 0.1191920, 0.9503041],
    ];
    let romm: M3 = [
        [0.7976749, 0.1351917, 0.0313534],
        [0.2880402, 0.7118741, 0.0000857],
        [0.0, 0.0, 0.8252100],
    ];
    let b: M3 = [
        [0.8951, 0.2664, -0.1614],
        [-0.7502, 1.7135, 0.0367],
        [0.0389, -0.0685, 1.0296],
    ];
    let (d65, d50) = ([0.95047, 1.0, 1.08883], [0.96422, 1.0, 0.82521]);
    let (s, d) = (apply(&b, d65), apply(&b, d50));
    let scale = [
        [d[0] / s[0], 0.0, 0.0],
        [0.0, d[1] / s[1], 0.0],
        [0.0, 0.0, d[2] / s[2]],
    ];
    let adapt = mul(&inv(&b), &mul(&scale, &b));
    mul(&inv(&romm), &mul(&adapt, &srgb))
}

fn decode(v: f64) -> f64 {
    if v <= 0.04045 {
        v / 12.92
    } else {
        ((v + 0.055) / 1.055).powf(2.4)
    }
}

fn encode(v: f64) -> f64 {
    let v = v.clamp(0.0, 1.0);
    if v <= 0.0031308 {
        v * 12.92
    } else {
        1.055 * v.powf(1.0 / 2.4) - 0.055
    }
}

/// HSV of the hexcone model, hue in degrees.
fn to_hsv([r, g, b]: [f64; 3]) -> [f64; 3] {
    let max = r.max(g).max(b);
    let min = r.min(g).min(b);
    let d = max - min;
    if d <= 0.0 {
        return [0.0, 0.0, max];
    }
    let h = if max == r {
        60.0 * ((g - b) / d)
    } else if max == g {
        60.0 * ((b - r) / d + 2.0)
    } else {
        60.0 * ((r - g) / d + 4.0)
    };
    [h.rem_euclid(360.0), d / max, max]
}

fn from_hsv([h, s, v]: [f64; 3]) -> [f64; 3] {
    let c = v * s;
    let hp = h.rem_euclid(360.0) / 60.0;
    let x = c * (1.0 - (hp % 2.0 - 1.0).abs());
    let (r, g, b) = match hp as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let m = v - c;
    [r + m, g + m, b + m]
}

/// A chart patch's 8-bit sRGB value after a uniform HSV change in linear
/// ProPhoto: hue + `dh` degrees, saturation x `ds`, then through `curve`.
fn expected(patch: [u8; 3], dh: f64, ds: f64, curve: impl Fn(f64) -> f64) -> [f64; 3] {
    let to_pp = srgb_to_prophoto();
    let lin = patch.map(|v| decode(v as f64 / 255.0));
    let [h, s, v] = to_hsv(apply(&to_pp, lin));
    let pp = from_hsv([h + dh, (s * ds).min(1.0), v]).map(curve);
    apply(&inv(&to_pp), pp).map(|v| encode(v) * 255.0)
}

/// The mean 8-bit code of the middle 8x8 of each 16x16 patch.
fn patch_means(image: &wisp::Rendered) -> Vec<[f64; 3]> {
    let Pixels::Eight(px) = &image.pixels else {
        panic!("8-bit output")
    };
    (0..24)
        .map(|i| {
            let (x0, y0) = ((i % 6) * 16 + 4, (i / 6) * 16 + 4);
            std::array::from_fn(|c| {
                let sum: f64 = (y0..y0 + 8)
                    .flat_map(|y| (x0..x0 + 8).map(move |x| (y, x)))
                    .map(|(y, x)| px[(y * image.width + x) * 3 + c] as f64)
                    .sum();
                sum / 64.0
            })
        })
        .collect()
}

fn load(name: &str) -> Source {
    io::load(&fixture(&format!("tests/fixtures/{name}"))).unwrap()
}

/// `source` developed with `params` (its profile resolved as
/// `Engine::develop` resolves it) on the GPU and on the CPU.
fn develop_both(source: &Source, params: &DevelopParams) -> Vec<(&'static str, wisp::Rendered)> {
    let params = source.profiled(params).unwrap();
    vec![
        (
            "GPU",
            gpu()
                .develop(&source.photo, &params, Fusion::Fused)
                .unwrap(),
        ),
        ("CPU", cpu::develop(&source.photo, &params).unwrap()),
    ]
}

fn check_patches(
    source: &Source,
    params: &DevelopParams,
    what: &str,
    want: impl Fn(usize, [u8; 3]) -> [f64; 3],
    tolerance: f64,
) {
    for (who, image) in develop_both(source, params) {
        let (mut worst, mut sum) = (0.0f64, 0.0);
        for (i, got) in patch_means(&image).iter().enumerate() {
            let want = want(i, CHART_SRGB[i]).map(|v| v.clamp(0.0, 255.0));
            for c in 0..3 {
                worst = worst.max((got[c] - want[c]).abs());
                sum += (got[c] - want[c]).abs() / 72.0;
            }
            for c in 0..3 {
                // Within `tolerance` codes, or, near black where the sRGB
                // curve is steep, within 0.001 in linear light: the 12-bit
                // photosites' steps after the matrices.
                let linear = (decode(got[c] / 255.0) - decode(want[c] / 255.0)).abs();
                assert!(
                    (got[c] - want[c]).abs() <= tolerance || linear <= 1e-3,
                    "{what}, {who}: patch {i} channel {c}: {:.2} for {:.2} (all: {got:?} for {want:?})",
                    got[c],
                    want[c]
                );
            }
        }
        eprintln!(
            "{what}, {who}: patch means off by {sum:.2} codes on average, {worst:.2} at most"
        );
    }
}

#[test]
fn the_embedded_hue_sat_map_moves_the_chart_by_its_known_amounts() {
    // chart_profile.dng's HueSatMap1 and 2: +20 degrees of hue, saturation
    // x 0.8, everywhere. A look other than `camera` applies only it.
    let source = load("chart_profile.dng");
    let neutral = DevelopParams::neutral();
    check_patches(
        &source,
        &neutral,
        "HueSatMap",
        |_, p| expected(p, 20.0, 0.8, |v| v),
        1.5,
    );
    // It did move: the chart without the profile is far from it.
    let none = DevelopParams {
        profile: ProfileChoice::None,
        ..DevelopParams::neutral()
    };
    let moved = develop_both(&source, &neutral);
    let plain = develop_both(&source, &none);
    let (a, b) = (patch_means(&moved[0].1), patch_means(&plain[0].1));
    let largest = a
        .iter()
        .zip(&b)
        .flat_map(|(x, y)| (0..3).map(move |c| (x[c] - y[c]).abs()))
        .fold(0.0, f64::max);
    assert!(
        largest > 20.0,
        "the HueSatMap moved patches by {largest:.1} codes at most"
    );
}

/// The natural cubic spline through (0, 0), (0.25, 0.4), (1, 1)
/// (`PROFILE_TONE` in `make_dngs.py`): one inner knot, whose second
/// derivative solves 2 (h0 + h1) m = 6 (slope1 - slope0).
fn chart_tone_curve(x: f64) -> f64 {
    let (x0, y0, x1, y1, x2, y2) = (0.0, 0.0, 0.25, 0.4, 1.0, 1.0);
    let (h0, h1) = (x1 - x0, x2 - x1);
    let m = 6.0 * ((y2 - y1) / h1 - (y1 - y0) / h0) / (2.0 * (h0 + h1));
    let x = x.clamp(0.0, 1.0);
    let (xa, ya, xb, yb, ma, mb, h) = if x <= x1 {
        (x0, y0, x1, y1, 0.0, m, h0)
    } else {
        (x1, y1, x2, y2, m, 0.0, h1)
    };
    let (a, b) = ((xb - x) / h, (x - xa) / h);
    a * ya + b * yb + ((a * a * a - a) * ma + (b * b * b - b) * mb) * h * h / 6.0
}

#[test]
fn the_camera_look_renders_the_profile_whole() {
    // The `camera` look: HueSatMap, LookTable (saturation x 1.25) and the
    // tone curve, no tone map of wisp's. The greys (the last row) are left
    // alone by both tables: each comes out as the curve of its value.
    let source = load("chart_profile.dng");
    let camera = wisp::looks::params("camera", &DevelopParams::default()).unwrap();
    assert!(camera.profile_look && camera.tone == wisp::ToneOp::None);
    for (who, image) in develop_both(&source, &camera) {
        let got = patch_means(&image);
        for i in 19..24 {
            let want = expected(CHART_SRGB[i], 0.0, 1.0, chart_tone_curve);
            for c in 0..3 {
                assert!(
                    (got[i][c] - want[c]).abs() <= 1.5,
                    "camera look, {who}: grey patch {i} channel {c}: {:.2} for {:.2}",
                    got[i][c],
                    want[c]
                );
            }
        }
    }
    // The colours: HueSatMap, then the LookTable's saturation (hue and
    // saturation as the tone curve leaves them in HSV terms).
    check_patches(
        &source,
        &camera,
        "camera look",
        |_, p| {
            let to_pp = srgb_to_prophoto();
            let lin = p.map(|v| decode(v as f64 / 255.0));
            let [h, s, v] = to_hsv(apply(&to_pp, lin));
            let [h, s, v] = [h + 20.0, (s * 0.8).min(1.0), v];
            let [h, s, v] = [h, (s * 1.25).min(1.0), v];
            // The tone curve on the largest and smallest channels, the
            // middle one in its place between them: same hue and HSV
            // saturation, the value through the curve... unless clipped.
            let rgb = from_hsv([h, s, v]);
            let (hi, lo) = (v, v * (1.0 - s));
            let (t_hi, t_lo) = (chart_tone_curve(hi), chart_tone_curve(lo));
            let pp = rgb.map(|x| t_lo + (t_hi - t_lo) * (x - lo) / (hi - lo).max(1e-30));
            apply(&inv(&to_pp), pp).map(|v| encode(v) * 255.0)
        },
        1.5,
    );
}

#[test]
fn profile_none_is_the_development_before_profiles() {
    // chart_profile.dng is chart_a.dng with a profile: without it, it
    // develops as chart_a.dng does, and as a plan without a profile.
    let with = load("chart_profile.dng");
    let without = load("chart_a.dng");
    let none = DevelopParams {
        profile: ProfileChoice::None,
        ..DevelopParams::default()
    };
    let a = develop_both(&with, &none);
    let b = develop_both(&without, &DevelopParams::default());
    for ((who, x), (_, y)) in a.iter().zip(&b) {
        assert_eq!(
            x, y,
            "{who}: --profile none differs from the file without a profile"
        );
    }
    assert_eq!(
        gpu()
            .develop(&with.photo, &DevelopParams::default(), Fusion::Fused)
            .unwrap(),
        a[0].1,
        "a plan without a resolved profile is the development without one"
    );
    // And on the command line.
    let dir = tempdir("profile-none");
    let p = fixture("tests/fixtures/chart_profile.dng");
    let a = fixture("tests/fixtures/chart_a.dng");
    let none = convert_png(&p, &dir.join("none"), &["--profile", "none"]);
    let plain = convert_png(&a, &dir.join("plain"), &[]);
    let embedded = convert_png(&p, &dir.join("embedded"), &[]);
    assert_eq!(
        none, plain,
        "--profile none differs from the file without a profile"
    );
    assert_ne!(embedded, plain, "the embedded profile changed nothing");
}

#[test]
fn a_dcp_replaces_the_embedded_profile() {
    // chart.dcp: chart_a's matrices and a HueSatMap of -30 degrees.
    let dcp_path = fixture("tests/fixtures/chart.dcp");
    let dcp = ProfileChoice::parse(dcp_path.to_str().unwrap()).unwrap();
    let ProfileChoice::File(file) = &dcp else {
        panic!("a file")
    };
    assert_eq!(file.camera_model.as_deref(), Some("wisp synthetic"));
    assert_eq!(file.tables.name.as_deref(), Some("wisp chart dcp"));
    let params = DevelopParams {
        profile: dcp.clone(),
        ..DevelopParams::neutral()
    };
    for name in ["chart_profile.dng", "chart_a.dng"] {
        let source = load(name);
        let resolved = source.profiled(&params).unwrap();
        let profile = resolved.camera_profile.as_ref().expect("a profile");
        assert!(profile.cam_to_srgb.is_some(), "the .dcp's matrix");
        check_patches(
            &source,
            &params,
            &format!("{name} with chart.dcp"),
            |_, p| expected(p, -30.0, 1.0, |v| v),
            1.5,
        );
    }
    // On the command line and in a sidecar, the same pixels.
    let dir = tempdir("profile-dcp");
    let photo = dir.join("chart.dng");
    std::fs::copy(fixture("tests/fixtures/chart_profile.dng"), &photo).unwrap();
    let dcp_path = fixture("tests/fixtures/chart.dcp");
    let out = |name: &str, extra: &[&str]| convert_png(&photo, &dir.join(name), extra);
    let flag = out("flag", &["--profile", dcp_path.to_str().unwrap()]);
    let embedded = out("embedded", &["--sidecars", "ignore"]);
    std::fs::write(
        dir.join("chart.dng.wisp.toml"),
        format!("profile = {:?}\n", dcp_path.to_str().unwrap()),
    )
    .unwrap();
    let sidecar = out("sidecar", &[]);
    assert_eq!(
        flag, sidecar,
        "the sidecar's profile differs from the flag's"
    );
    assert_ne!(flag, embedded, "the .dcp changed nothing");
}

#[test]
fn malformed_profiles_fail_cleanly_naming_the_file_and_the_tag() {
    let dir = tempdir("profile-bad");
    let bad_dng = fixture("tests/fixtures/bad_profile.dng");
    let o = wisp(&[
        "convert",
        bad_dng.to_str().unwrap(),
        "-o",
        dir.join("a").to_str().unwrap(),
    ]);
    assert_clean_failure(&o, "bad_profile.dng");
    let err = stderr(&o);
    assert!(
        err.contains("bad_profile.dng") && err.contains("ProfileHueSatMapData1"),
        "{err}"
    );
    // Without its profile, it develops.
    let o = wisp(&[
        "convert",
        bad_dng.to_str().unwrap(),
        "-o",
        dir.join("b").to_str().unwrap(),
        "--profile",
        "none",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));

    // .dcp files: dims that do not match the data, a truncated file, and
    // a file that is no DCP; each refused before any work, naming it.
    let good = std::fs::read(fixture("tests/fixtures/chart.dcp")).unwrap();
    let mut dims = good.clone();
    let e = ifd0_entry(&dims, 50937);
    let at = u32::from_le_bytes(dims[e + 8..e + 12].try_into().unwrap()) as usize;
    dims[at + 8..at + 12].copy_from_slice(&2u32.to_le_bytes());
    let mut tone = good.clone();
    // Turn ProfileEmbedPolicy (one LONG) into a one-value tone curve.
    let e = ifd0_entry(&tone, 50941);
    tone[e..e + 2].copy_from_slice(&50940u16.to_le_bytes());
    tone[e + 2..e + 4].copy_from_slice(&11u16.to_le_bytes());
    let cases: [(&str, Vec<u8>, &str); 4] = [
        ("dims.dcp", dims, "ProfileHueSatMapData1"),
        ("tone.dcp", tone, "ProfileToneCurve"),
        (
            "short.dcp",
            good[..good.len() / 2].to_vec(),
            "outside the file",
        ),
        ("tiff.dcp", std::fs::read(&bad_dng).unwrap(), "not a DCP"),
    ];
    let chart = fixture("tests/fixtures/chart_a.dng");
    for (name, bytes, what) in cases {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        let o = wisp(&[
            "convert",
            chart.to_str().unwrap(),
            "-o",
            dir.join("out").to_str().unwrap(),
            "--profile",
            path.to_str().unwrap(),
        ]);
        assert_clean_failure(&o, name);
        let err = stderr(&o);
        assert!(err.contains(name) && err.contains(what), "{name}: {err}");
        assert!(
            !dir.join("out").join("chart_a.jpg").exists(),
            "{name}: an output"
        );
    }
}

#[test]
fn the_report_names_the_camera_profile_that_developed_each_photo() {
    let dir = tempdir("profile_report");
    let report = dir.join("report.json");
    let run = |profile: &str| -> Vec<(String, Option<String>)> {
        let o = wisp(&[
            "convert",
            fixture("tests/fixtures/chart_profile.dng")
                .to_str()
                .unwrap(),
            fixture("tests/fixtures/chart_a.dng").to_str().unwrap(),
            "-o",
            dir.join("out").to_str().unwrap(),
            "--overwrite",
            "--profile",
            profile,
            "--report",
            report.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        let r: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
        let mut files: Vec<(String, Option<String>)> = r["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                let input = f["input"].as_str().unwrap();
                let name = input.rsplit('/').next().unwrap().to_string();
                (name, f["profile"].as_str().map(String::from))
            })
            .collect();
        files.sort();
        files
    };
    let dcp = fixture("tests/fixtures/chart.dcp");
    let dcp = dcp.to_str().unwrap();
    assert_eq!(
        run("embedded"),
        [
            ("chart_a.dng".into(), None),
            (
                "chart_profile.dng".into(),
                Some("wisp chart profile (embedded)".into())
            ),
        ]
    );
    assert_eq!(
        run("none"),
        [
            ("chart_a.dng".into(), None),
            ("chart_profile.dng".into(), None)
        ]
    );
    let named = Some(format!("wisp chart dcp ({dcp})"));
    assert_eq!(
        run(dcp),
        [
            ("chart_a.dng".into(), named.clone()),
            ("chart_profile.dng".into(), named)
        ]
    );
}

/// `wisp convert INPUT -o OUT --format png` with `extra` flags: the PNG's bytes.
fn convert_png(input: &std::path::Path, out: &std::path::Path, extra: &[&str]) -> Vec<u8> {
    let mut args = vec![
        "convert",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--format",
        "png",
        "-q",
    ];
    args.extend_from_slice(extra);
    let r = wisp(&args);
    assert!(r.status.success(), "{}", stderr(&r));
    let name = input.with_extension("png");
    std::fs::read(out.join(name.file_name().unwrap())).unwrap()
}

#[test]
fn a_profile_made_for_another_camera_is_noted() {
    // chart.dcp names the fixtures' camera; a copy that names another is
    // still applied, as asked, and the report says so.
    let dir = tempdir("profile-camera");
    let bytes = std::fs::read(fixture("tests/fixtures/chart.dcp")).unwrap();
    let at = bytes
        .windows(14)
        .position(|w| w == b"wisp synthetic")
        .expect("its UniqueCameraModel");
    let mut other = bytes.clone();
    other[at..at + 14].copy_from_slice(b"wisp elsewhere");
    let other_dcp = dir.join("other.dcp");
    std::fs::write(&other_dcp, other).unwrap();
    let input = fixture("tests/fixtures/chart_a.dng");
    for (dcp, noted) in [
        (fixture("tests/fixtures/chart.dcp"), false),
        (other_dcp, true),
    ] {
        let o = wisp(&[
            "convert",
            input.to_str().unwrap(),
            "-o",
            dir.join("out").to_str().unwrap(),
            "--overwrite",
            "-v",
            "--profile",
            dcp.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        let said = String::from_utf8_lossy(&o.stdout);
        let note = format!(
            "note: the camera profile {} is for the wisp elsewhere, this photo is from the wisp synthetic",
            dcp.display()
        );
        assert_eq!(said.contains(&note), noted, "{said}");
    }
}

#[test]
fn gain_table_op_matches_cpu_on_random_colours_and_odd_sizes() {
    let mut rng = rng(29);
    let mut profile = camera_profile();
    // Only the gain table map, so that the op is alone in its chain.
    (profile.hue_sat, profile.look, profile.tone) = (None, None, None);
    assert!(profile.gain_table.is_some(), "a gain table map");
    let params = DevelopParams {
        camera_profile: Some(Arc::new(profile)),
        ..DevelopParams::default()
    };
    // The gains span 0.6 to 1.5.
    let diff = op_twin_diff(&mut rng, &params, "gain_table", 1.2, 0.05);
    assert!(diff <= 2e-5, "gain table: max diff {diff}");
}

/// The gain `chart_gain_table.dng`'s map gives a pixel of column `x` and
/// linear sRGB `lin` (`gain_table_map` in `make_dngs.py`): the left table
/// 1.5, the right one 0.5 + 0.125 * min(5 t, 4) of the largest ProPhoto
/// channel t, mixed by where the pixel lies between a quarter and three
/// quarters of the width (the 16-bit gains' rounding is below 2e-5).
fn chart_gain(x: usize, lin: [f64; 3]) -> f64 {
    let t = apply(&srgb_to_prophoto(), lin)
        .into_iter()
        .fold(f64::MIN, f64::max)
        .clamp(0.0, 1.0);
    let right = 0.5 + 0.125 * (5.0 * t).min(4.0);
    let u = (x as f64 + 0.5) / 96.0;
    let s = ((u - 0.25) / 0.5).clamp(0.0, 1.0);
    (1.0 - s) * 1.5 + s * right
}

#[test]
fn the_gain_table_map_scales_each_patch_by_its_known_gain() {
    let neutral = DevelopParams::neutral();
    for name in ["chart_gain_table.dng", "chart_gain_table_linear.dng"] {
        let source = load(name);
        assert!(
            source
                .notes
                .iter()
                .any(|n| n.starts_with("gain table map: 2 x 1 tables of 5 entries")),
            "{:?}",
            source.notes
        );
        check_patches(
            &source,
            &neutral,
            name,
            |i, p| {
                // The mean code over the 8 columns `patch_means` takes.
                let lin = p.map(|v| decode(v as f64 / 255.0));
                let x0 = (i % 6) * 16 + 4;
                let mut sum = [0.0; 3];
                for x in x0..x0 + 8 {
                    let g = chart_gain(x, lin);
                    for c in 0..3 {
                        sum[c] += encode((lin[c] * g).min(1.0)) * 255.0 / 8.0;
                    }
                }
                sum
            },
            1.5,
        );
    }
    // `--profile none` leaves it out: the chart as it is.
    let none = DevelopParams {
        profile: ProfileChoice::None,
        ..DevelopParams::neutral()
    };
    let a = develop_both(&load("chart_gain_table.dng"), &none);
    let b = develop_both(&load("chart_a.dng"), &none);
    for ((who, x), (_, y)) in a.iter().zip(&b) {
        assert_eq!(x, y, "{who}: --profile none kept the gain table map");
    }
    // A .dcp without a map of its own keeps the file's.
    let dcp_path = fixture("tests/fixtures/chart.dcp");
    let dcp = ProfileChoice::parse(dcp_path.to_str().unwrap()).unwrap();
    let source = load("chart_gain_table.dng");
    let params = DevelopParams {
        profile: dcp,
        ..DevelopParams::neutral()
    };
    let profiled = source.profiled(&params).unwrap();
    let profile = profiled.camera_profile.as_ref().unwrap();
    assert!(
        profile.gain_table.is_some(),
        "the .dcp dropped the file's map"
    );
}

#[test]
fn a_malformed_gain_table_map_fails_naming_the_file_and_the_tag() {
    let dir = tempdir("gain-table-bad");
    let mut bytes = std::fs::read(fixture("tests/fixtures/chart_gain_table.dng")).unwrap();
    // Its DataType, Gamma, GainMin, GainMax: 1, 1.0, 0.5, 1.5; gamma 9 is
    // out of range.
    let mut tail = 1u32.to_le_bytes().to_vec();
    for v in [1.0f32, 0.5, 1.5] {
        tail.extend(v.to_le_bytes());
    }
    let at = bytes
        .windows(tail.len())
        .position(|w| w == tail.as_slice())
        .expect("the map's header");
    bytes[at + 4..at + 8].copy_from_slice(&9.0f32.to_le_bytes());
    let bad = dir.join("bad_gain_table.dng");
    std::fs::write(&bad, bytes).unwrap();
    let o = wisp(&[
        "convert",
        bad.to_str().unwrap(),
        "-o",
        dir.join("a").to_str().unwrap(),
    ]);
    assert_clean_failure(&o, "bad_gain_table.dng");
    let err = stderr(&o);
    assert!(
        err.contains("bad_gain_table.dng")
            && err.contains("ProfileGainTableMap2")
            && err.contains("gamma"),
        "{err}"
    );
    assert!(!dir.join("a").join("bad_gain_table.jpg").exists());
}
