//! Noise reduction: the noise model read or measured, the GPU passes
//! against their CPU twin, what they do to noise, edges and clean frames,
//! and the settings that choose them.

mod common;

use common::*;
use wisp::frame::{CfaPattern, LinearImage, Photo, RawFrame};
use wisp::noise::{NoiseModel, NoiseSource};
use wisp::ops::denoise;
use wisp::pipeline::Fusion;
use wisp::plan::RawScene;
use wisp::{cpu, io, Denoise, DenoiseQuality, DevelopParams};

/// ISO 3200 of the fixtures: variance S x + O.
const ISO3200: [f32; 2] = [3e-3, 5e-5];

fn model(cells: [f32; 2]) -> NoiseModel {
    NoiseModel {
        cells: [cells; 4],
        source: NoiseSource::Profile,
        noise_alike: 1.0,
    }
}

/// Neutral, with the fast demosaic: MHC is linear, so the scenes of the
/// GPU and the CPU twin differ only by what the noise reduction leaves
/// (GBTF's 1 / sum^2 weights carry rounding further; its own tests hold it
/// to its twin).
fn params(denoise: Denoise) -> DevelopParams {
    params_at(denoise, DenoiseQuality::Standard)
}

fn params_at(denoise: Denoise, denoise_quality: DenoiseQuality) -> DevelopParams {
    DevelopParams {
        denoise,
        denoise_quality,
        demosaic: wisp::Demosaic::Fast,
        ..DevelopParams::neutral()
    }
}

/// The scene (linear camera RGB) of `frame` on the CPU: photosite ops,
/// the CPU twin of the noise reduction at `strength` and `quality`, its
/// output as 16-bit photosites, their photosite ops, the demosaic of
/// [`params`].
fn cpu_scene(frame: &RawFrame, strength: f32, quality: DenoiseQuality) -> LinearImage {
    let p = params_at(Denoise::Strength(strength), quality);
    let raw = RawScene::new(frame, &p);
    let u = raw.denoise_uniform([0, 0]).expect("a strength denoises");
    let gains = frame.gain_maps.as_deref().map(|m| m.gains.as_slice());
    let mosaic = denoise::cpu(&cpu::photosites(&raw), frame.width, frame.height, &u, gains);
    let codes = mosaic.iter().map(|&v| denoise::encode(v)).collect();
    let encoded = denoise::encoded(frame, codes);
    let linear = cpu::photosites(&raw.denoised(&encoded));
    // The encoding keeps the denoised values within 1/61439, those from
    // -1/15 up to white (above it, they saturate).
    for (e, m) in linear.iter().zip(&mosaic) {
        let expect = m.clamp(-1.0 / 15.0, 1.0);
        assert!(
            (e - expect).abs() <= 0.5 / 61439.0 + 1e-6,
            "{m} came back as {e}"
        );
    }
    let demosaic = params(Denoise::Off).demosaic.op();
    demosaic.cpu(&linear, frame.width, frame.height, frame.cfa)
}

fn gpu_scene(frame: &RawFrame, denoise: Denoise) -> LinearImage {
    gpu_scene_at(frame, denoise, DenoiseQuality::Standard)
}

fn gpu_scene_at(frame: &RawFrame, denoise: Denoise, quality: DenoiseQuality) -> LinearImage {
    let photo = Photo::Raw(frame.clone());
    let p = params_at(denoise, quality);
    gpu().read_scene(&gpu().scene(&photo, &p).unwrap()).unwrap()
}

/// The GPU's denoised scene `g` equals the CPU twin's `c`, up to the f16
/// storage of the smooth levels: an f32 difference of a part in 10^7
/// between the two sides' exp() can round a level to the neighbouring f16
/// (2^-11 of a value away), which reaches the output where the details
/// are shrunk. Measured on 301x203 random frames: up to 0.9 % of the
/// values differ by more than 2e-5, by at most 1.8e-3, 8.5e-7 on average;
/// frames up to 37x29 within 2.4e-7 everywhere but two (37x29 BGGR with cycle
/// spinning: one level's value rounded the other way reaches 1.6 % of
/// the values, by up to 2.9e-4; GRBG 0.3 %). A wrong tap, weight or threshold moves
/// most values. The mean difference must stay below `mean_bound`.
fn assert_twins(g: &LinearImage, c: &LinearImage, what: &str, mean_bound: f32) {
    let (g, c) = (rgb_of(g), rgb_of(c));
    let diffs: Vec<f32> = g.iter().zip(&c).map(|(a, b)| (a - b).abs()).collect();
    let max = diffs.iter().cloned().fold(0.0, f32::max);
    let mean = diffs.iter().sum::<f32>() / diffs.len() as f32;
    let over = diffs.iter().filter(|d| **d > 2e-5).count() as f32 / diffs.len() as f32;
    assert!(
        max < 4e-3 && mean < mean_bound && over < 0.04,
        "{what}: GPU and CPU differ by up to {max}, {mean} on average, {:.2} % by more than 2e-5",
        100.0 * over
    );
}

#[test]
fn the_gpu_passes_equal_their_cpu_twin() {
    // Every phase, odd sizes (a half cell at the right and bottom), sizes
    // below and above the coarsest level's reach, one pass and two
    // (cycle spinning, whose shifted cells start a photosite out).
    let mut rng = rng(1600);
    for (w, h) in [(3, 5), (37, 29), (301, 203)] {
        for cfa in CfaPattern::ALL {
            let mut frame = random_frame(&mut rng, w, h, cfa);
            frame.noise = Some(model(ISO3200));
            let off = gpu_scene(&frame, Denoise::Off);
            let mut scenes = Vec::new();
            for quality in DenoiseQuality::ALL {
                let what = format!("{w}x{h} {} {}", cfa.name(), quality.name());
                let g = gpu_scene_at(&frame, Denoise::Strength(1.5), quality);
                let c = cpu_scene(&frame, 1.5, quality);
                assert_twins(&g, &c, &what, 4e-6);
                assert!(
                    max_abs_diff(&rgb_of(&g), &rgb_of(&off)) > 1e-3,
                    "{what}: nothing was denoised"
                );
                scenes.push(rgb_of(&g));
            }
            assert!(
                max_abs_diff(&scenes[0], &scenes[1]) > 1e-3,
                "{w}x{h} {}: high is standard",
                cfa.name()
            );
        }
    }
    // On random frames the coarse levels stop at every tap (their taps
    // differ by far more than the noise), so their details are 0: a grey
    // card with a soft gradient, where they smooth the noise, has some.
    // Measured: within 8.1e-5, 4.1e-8 on average; without the shrunk
    // details of levels 4 to 6 on the GPU, 1.5e-3 and 4.0e-6.
    let frame = frame_of(301, 203, ISO3200, |x, y| {
        let v = 0.15 + 0.0004 * x as f32 + 0.0002 * y as f32;
        [0.5 * v, v, 0.8 * v]
    });
    for quality in DenoiseQuality::ALL {
        let g = gpu_scene_at(&frame, Denoise::Strength(1.5), quality);
        let c = cpu_scene(&frame, 1.5, quality);
        assert_twins(&g, &c, &format!("card {}", quality.name()), 4e-7);
    }
}

#[test]
fn tiles_join_without_a_seam() {
    // The texture passes develop in tiles, each with the noise reduction's
    // reach (hundreds of photosites) and the demosaic's around it, on a
    // 2x2 cell of the frame: tiles of 61 must give the whole frame's scene.
    let tiled = wisp::pipeline::GpuPipeline::new(wisp::gpu::Gpu::new().expect("an adapter"))
        .with_scene_tile(61);
    let mut rng = rng(1601);
    for (cfa, quality) in [
        (CfaPattern::Rggb, DenoiseQuality::Standard),
        (CfaPattern::Gbrg, DenoiseQuality::Standard),
        (CfaPattern::Grbg, DenoiseQuality::High),
    ] {
        let mut frame = random_frame(&mut rng, 333, 211, cfa);
        frame.noise = Some(model(ISO3200));
        let photo = Photo::Raw(frame);
        let p = params_at(Denoise::Auto, quality);
        let whole = gpu().develop(&photo, &p, Fusion::Separate).unwrap();
        let tiles = tiled.develop(&photo, &p, Fusion::Separate).unwrap();
        assert!(
            whole == tiles,
            "{} {}: tiles differ from the whole frame",
            cfa.name(),
            quality.name()
        );
    }
}

/// A `w` x `h` RGGB frame of `scene(x, y)` (linear camera RGB, white 1,
/// before white balance) with Poisson-Gaussian noise of `noise`, 12-bit.
fn frame_of(
    w: usize,
    h: usize,
    noise: [f32; 2],
    scene: impl Fn(usize, usize) -> [f32; 3],
) -> RawFrame {
    use rand_distr::{Distribution, Normal, Poisson};
    let mut rng = rng(1602);
    let [s, o] = noise.map(f64::from);
    let gauss = Normal::new(0.0, o.sqrt()).unwrap();
    let cfa = CfaPattern::Rggb;
    let mosaic = (0..w * h)
        .map(|i| {
            let (x, y) = (i % w, i / w);
            let v = scene(x, y)[cfa.color_at(x, y) as usize] as f64;
            let noisy = if s > 0.0 {
                s * Poisson::new(v / s).unwrap().sample(&mut rng) + gauss.sample(&mut rng)
            } else {
                v
            };
            (256.0 + noisy * 3839.0).round().clamp(0.0, 4095.0) as u16
        })
        .collect();
    RawFrame {
        width: w,
        height: h,
        mosaic,
        cfa,
        black: [256.0; 4],
        white: 4095.0,
        wb: [2.0, 1.0, 1.25],
        cam_to_srgb: wisp::colorimetry::IDENTITY,
        gain_maps: None,
        noise: Some(model(noise)),
        warp: None,
    }
}

/// Mean and standard deviation of channel `c` over `image`'s pixels in
/// columns `xs`, rows `ys`.
fn stats(
    image: &LinearImage,
    c: usize,
    xs: std::ops::Range<usize>,
    ys: std::ops::Range<usize>,
) -> (f64, f64) {
    let values: Vec<f64> = ys
        .flat_map(|y| xs.clone().map(move |x| (x, y)))
        .map(|(x, y)| image.data[y * image.width + x][c] as f64)
        .collect();
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / values.len() as f64;
    (mean, var.sqrt())
}

#[test]
fn a_grey_card_loses_most_of_its_noise_and_keeps_its_level() {
    // 18 % grey at ISO 3200 (13 % noise): white balanced, every channel
    // of the scene is 0.18 with a standard deviation of about 0.024 per
    // photosite before the demosaic. Measured: 11.5-12.9 times less
    // noise, block means 5.6-8.5 times steadier; with cycle spinning,
    // whose finest level takes out less of the noise's variance
    // (`SPUN_WIENER`: texture keeps more of its detail), 7.8-8.5 and
    // 5.5-8.0.
    let (w, h) = (256, 256);
    let grey = [0.09, 0.18, 0.144];
    let frame = frame_of(w, h, ISO3200, |_, _| grey);
    let off = gpu_scene(&frame, Denoise::Off);
    for (quality, c) in DenoiseQuality::ALL
        .into_iter()
        .flat_map(|q| (0..3).map(move |c| (q, c)))
    {
        let auto = gpu_scene_at(&frame, Denoise::Auto, quality);
        let (m_off, s_off) = stats(&off, c, 16..w - 16, 16..h - 16);
        let (m, s) = stats(&auto, c, 16..w - 16, 16..h - 16);
        assert!(
            (m - 0.18).abs() < 0.001,
            "channel {c}: mean {m} (off {m_off})"
        );
        // Blotches would be noise left at low frequencies: the means of
        // 16 x 16 blocks must vary less than without noise reduction.
        let blocks = |img: &LinearImage| {
            let means: Vec<f64> = (1..15)
                .flat_map(|by| (1..15).map(move |bx| (bx, by)))
                .map(|(bx, by)| stats(img, c, 16 * bx..16 * bx + 16, 16 * by..16 * by + 16).0)
                .collect();
            let m = means.iter().sum::<f64>() / means.len() as f64;
            (means.iter().map(|v| (v - m).powi(2)).sum::<f64>() / means.len() as f64).sqrt()
        };
        let (b, b_off) = (blocks(&auto), blocks(&off));
        eprintln!(
            "GREY {} channel {c}: noise {:.1}x less, blocks {:.1}x",
            quality.name(),
            s_off / s,
            b_off / b
        );
        let less = match quality {
            DenoiseQuality::Standard => 8.0,
            DenoiseQuality::High => 6.0,
        };
        assert!(s < s_off / less, "channel {c}: std {s} against {s_off} off");
        assert!(
            b < b_off / 4.0,
            "channel {c}: block means vary by {b} against {b_off} off"
        );
    }
}

#[test]
fn high_quality_leaves_less_error_than_standard() {
    // A textured scene (colour edges, fine and coarse waves) at ISO 3200:
    // the mean of both phases' noise reduction must come nearer the
    // noise-free development than one phase's. Measured: a mean square
    // error of 6.30e-4 against 7.40e-4 (0.71 dB less).
    let (w, h) = (240, 176);
    let scene = |x: usize, y: usize| {
        let (fx, fy) = (x as f32, y as f32);
        let wave =
            0.5 + 0.25 * (fx * 0.9).sin() * (fy * 0.13).cos() + 0.2 * (fx * 0.05 + fy * 0.4).sin();
        let base = if (x / 40 + y / 30).is_multiple_of(2) {
            [0.6, 0.9, 0.4]
        } else {
            [0.3, 0.5, 0.8]
        };
        base.map(|b| 0.02 + 0.5 * b * wave)
    };
    let clean = gpu_scene(&frame_of(w, h, [0.0, 0.0], scene), Denoise::Off);
    let noisy = frame_of(w, h, ISO3200, scene);
    let error = |quality| {
        let g = gpu_scene_at(&noisy, Denoise::Auto, quality);
        let (a, b) = (rgb_of(&g), rgb_of(&clean));
        a.iter()
            .zip(&b)
            .map(|(a, b)| ((a - b) as f64).powi(2))
            .sum::<f64>()
            / a.len() as f64
    };
    let (standard, high) = (error(DenoiseQuality::Standard), error(DenoiseQuality::High));
    assert!(
        high < 0.9 * standard,
        "mean square error: high {high}, standard {standard}"
    );
}

#[test]
fn auto_leaves_clean_frames_alone() {
    // A clean frame (12-bit quantisation only): its measured model is
    // negligible, so auto develops exactly what off develops.
    let frame = frame_of(200, 150, [0.0, 0.0], |x, y| {
        let v = 0.05 + 0.8 * ((x as f32 * 0.07).sin() * (y as f32 * 0.05).cos()).abs();
        [v * 0.5, v, v * 0.8]
    });
    let frame = RawFrame {
        noise: None,
        ..frame
    };
    let measured = frame.estimate_noise();
    assert!(measured.negligible(), "{measured}");
    let photo = Photo::Raw(frame);
    let p = params(Denoise::Auto);
    let wisp::plan::Scene::Raw(raw) = wisp::plan::Plan::new(&photo, &p, true).scene else {
        unreachable!("a raw photo")
    };
    assert!(raw.denoise.is_none());
    let auto = gpu().develop(&photo, &p, Fusion::Fused).unwrap();
    let off = gpu()
        .develop(&photo, &params(Denoise::Off), Fusion::Fused)
        .unwrap();
    assert!(auto == off);
}

#[test]
fn a_colour_edge_keeps_its_colours() {
    // A clean edge between neutral grey and saturated red, denoised as if
    // at ISO 3200: a few pixels from the edge, the colour is what it was
    // (measured: within 0.02 %; without the edge stopping, red rose by
    // 2.4-4.9 % on the grey side).
    let (w, h) = (128, 64);
    let frame = frame_of(w, h, [0.0, 0.0], |x, _| {
        if x < w / 2 {
            [0.2, 0.4, 0.32]
        } else {
            [0.35, 0.04, 0.032]
        }
    });
    let frame = RawFrame {
        noise: Some(model(ISO3200)),
        ..frame
    };
    let off = gpu_scene(&frame, Denoise::Off);
    for quality in DenoiseQuality::ALL {
        let auto = gpu_scene_at(&frame, Denoise::Auto, quality);
        for (side, xs) in [
            ("grey", w / 2 - 12..w / 2 - 4),
            ("red", w / 2 + 4..w / 2 + 12),
        ] {
            for c in 0..3 {
                let (before, _) = stats(&off, c, xs.clone(), 8..h - 8);
                let (after, _) = stats(&auto, c, xs.clone(), 8..h - 8);
                assert!(
                    (after - before).abs() < 0.001 * before.max(0.1),
                    "{} {side} side, channel {c}: {after} against {before}",
                    quality.name()
                );
            }
        }
    }
}

#[test]
fn a_noise_profile_is_read_and_a_missing_one_measured() {
    let tagged = io::load(&fixture("tests/fixtures/noisy_card.dng")).unwrap();
    let Photo::Raw(frame) = &tagged.photo else {
        panic!("a raw photo")
    };
    let model = frame.noise.expect("a model");
    assert_eq!(model.source, NoiseSource::Profile);
    for [s, o] in model.cells {
        assert!((s - ISO3200[0]).abs() < 1e-9 && (o - ISO3200[1]).abs() < 1e-12);
    }
    assert!(
        tagged.notes.iter().any(|n| n.contains("NoiseProfile")),
        "{:?}",
        tagged.notes
    );

    let untagged = io::load(&fixture("tests/fixtures/noisy_card_untagged.dng")).unwrap();
    let Photo::Raw(frame) = &untagged.photo else {
        panic!("a raw photo")
    };
    let measured = frame.noise.expect("a model");
    assert_eq!(measured.source, NoiseSource::Estimated);
    for x in [0.05f32, 0.18, 0.5] {
        let truth = (ISO3200[0] * x + ISO3200[1]).sqrt();
        let std = measured.std_at(x);
        assert!(
            (std - truth).abs() < 0.15 * truth,
            "{std} at {x}, truth {truth}"
        );
    }
    assert!(untagged.notes.iter().any(|n| n.contains("estimated")));
}

#[test]
fn denoise_settings_are_parsed_and_checked() {
    assert_eq!("auto".parse::<Denoise>(), Ok(Denoise::Auto));
    assert_eq!("OFF".parse::<Denoise>(), Ok(Denoise::Off));
    assert_eq!("1.5".parse::<Denoise>(), Ok(Denoise::Strength(1.5)));
    for bad in ["5", "-1", "loud", "nan"] {
        let err = bad.parse::<Denoise>().unwrap_err();
        assert!(err.contains(bad) && err.contains("auto"), "{err}");
    }
    let sidecar: wisp::sidecar::Settings = toml::from_str("denoise = 2.0").unwrap();
    assert_eq!(sidecar.denoise, Some(Denoise::Strength(2.0)));
    let sidecar: wisp::sidecar::Settings = toml::from_str("denoise = \"off\"").unwrap();
    assert_eq!(sidecar.denoise, Some(Denoise::Off));
    assert!(toml::from_str::<wisp::sidecar::Settings>("denoise = 9.0").is_err());
    assert_eq!("High".parse(), Ok(DenoiseQuality::High));
    let sidecar: wisp::sidecar::Settings = toml::from_str("denoise_quality = \"high\"").unwrap();
    assert_eq!(sidecar.denoise_quality, Some(DenoiseQuality::High));
    assert!(toml::from_str::<wisp::sidecar::Settings>("denoise_quality = \"best\"").is_err());
    let out = wisp(&["convert", "x.dng", "-o", "out", "--denoise-quality", "best"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("unknown denoise quality `best`"),
        "{}",
        stderr(&out)
    );
    let out = wisp(&["convert", "x.dng", "-o", "out", "--denoise", "loud"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("unknown denoise `loud`"),
        "{}",
        stderr(&out)
    );
}

/// `wisp convert PHOTO -o OUT --format png EXTRA...`, which must succeed:
/// what it printed.
fn convert_png(photo: &std::path::Path, out: &std::path::Path, extra: &[&str]) -> String {
    let mut args = vec![
        "convert",
        photo.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ];
    args.extend(["--format", "png"]);
    args.extend(extra);
    let o = wisp(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    String::from_utf8_lossy(&o.stdout).into_owned() + &stderr(&o)
}

#[test]
fn convert_takes_the_quality_from_its_flag_and_from_a_sidecar() {
    let dir = tempdir("denoise-quality");
    let [flag, car] = ["flag.dng", "car.dng"].map(|n| {
        let p = dir.join(n);
        std::fs::copy(fixture("tests/fixtures/noisy_card.dng"), &p).unwrap();
        p
    });
    std::fs::write(wisp::sidecar::path_of(&car), "denoise_quality = \"high\"\n").unwrap();
    let out = dir.join("out");
    convert_png(&flag, &out, &["--denoise-quality", "high"]);
    convert_png(&car, &out, &[]);
    let library = |quality| {
        let source = io::load(&flag).unwrap();
        let params = wisp::sidecar::Settings {
            denoise_quality: Some(quality),
            ..Default::default()
        }
        .params(&DevelopParams::default())
        .unwrap();
        let image = gpu()
            .develop(&source.photo, &params, Fusion::Fused)
            .unwrap();
        codes(&image)
            .into_iter()
            .map(|c| c as u8)
            .collect::<Vec<_>>()
    };
    let high = library(DenoiseQuality::High);
    assert_ne!(high, library(DenoiseQuality::Standard));
    for name in ["flag.png", "car.png"] {
        let png = image::open(out.join(name)).unwrap().into_rgb8().into_raw();
        assert!(png == high, "{name} is not the high quality development");
    }
}

#[test]
fn verbose_says_what_the_noise_reduction_does() {
    let out = tempdir("denoise-verbose");
    let card = fixture("tests/fixtures/noisy_card.dng");
    let card = card.as_path();
    let untagged = fixture("tests/fixtures/noisy_card_untagged.dng");
    let sample = fixture("assets/samples/parrots.dng");
    // A flat card: noise alone fills it, so auto takes the full strength.
    let Photo::Raw(frame) = io::load(&untagged).unwrap().photo else {
        panic!("a raw photo")
    };
    let strength = frame.noise.expect("a model").auto_strength();
    assert_eq!(strength, 1.0);
    let measured = format!("strength {strength:.2}, standard");
    for (photo, extra, note) in [
        (
            card,
            &[][..],
            "noise reduction: strength 1.00, standard quality",
        ),
        (
            card,
            &["--denoise-quality", "high"][..],
            "strength 1.00, high quality",
        ),
        (untagged.as_path(), &[][..], &measured),
        (card, &["--denoise", "off"][..], "noise reduction: off"),
        (sample.as_path(), &[][..], "noise reduction: none (auto"),
    ] {
        let text = convert_png(photo, &out, &[extra, &["-v", "--overwrite"]].concat());
        assert!(text.contains(note), "{photo:?} {extra:?}: {text}");
    }
}

#[test]
fn an_unreadable_noise_profile_is_noted_and_the_noise_measured() {
    // noisy_card.dng with its NoiseProfile's S made negative.
    let mut dng = std::fs::read(fixture("tests/fixtures/noisy_card.dng")).unwrap();
    let entry = ifd0_entry(&dng, 51041);
    let at = u32::from_le_bytes(dng[entry + 8..entry + 12].try_into().unwrap()) as usize;
    dng[at..at + 8].copy_from_slice(&(-3e-3f64).to_le_bytes());
    let path = tempdir("bad_noise_profile").join("card.dng");
    std::fs::write(&path, &dng).unwrap();
    let source = io::load(&path).unwrap();
    let Photo::Raw(frame) = &source.photo else {
        panic!("a raw photo")
    };
    assert_eq!(frame.noise.expect("a model").source, NoiseSource::Estimated);
    assert!(
        source
            .notes
            .iter()
            .any(|n| n.contains("NoiseProfile unreadable")),
        "{:?}",
        source.notes
    );
}

#[test]
fn shaded_corners_are_denoised_nearly_as_much_as_the_centre() {
    // A flat grey behind a lens that darkens the corners to 40 %, and
    // gains (as a DNG's GainMap opcodes give them) that brighten them back:
    // there the photosites' noise is up to 2.5 times what the model says
    // of their brightness, and the noise reduction must see it.
    let (w, h) = (256, 192);
    let shade = |x: usize, y: usize| {
        let (dx, dy) = (x as f32 / w as f32 - 0.5, y as f32 / h as f32 - 0.5);
        1.0 - 1.2 * (dx * dx + dy * dy)
    };
    let grey = [0.09, 0.18, 0.144];
    let frame = frame_of(w, h, ISO3200, |x, y| grey.map(|v| v * shade(x, y)));
    let mut maps =
        wisp::ops::gainmap::GainMaps::new(Vec::new(), (w, h), [0, 0], [w as u32, h as u32], 0);
    maps.gains = (0..w * h).map(|i| 1.0 / shade(i % w, i / w)).collect();
    let frame = RawFrame {
        gain_maps: Some(std::sync::Arc::new(maps)),
        ..frame
    };
    let off = gpu_scene(&frame, Denoise::Off);
    let auto = gpu_scene(&frame, Denoise::Auto);
    // GPU and CPU twin agree with the gains too, with cycle spinning also.
    let c = cpu_scene(&frame, 1.0, DenoiseQuality::Standard);
    assert_twins(&auto, &c, "shaded", 4e-6);
    let high = gpu_scene_at(&frame, Denoise::Auto, DenoiseQuality::High);
    let c = cpu_scene(&frame, 1.0, DenoiseQuality::High);
    assert_twins(&high, &c, "shaded, high", 4e-6);
    let left = |image: &LinearImage, xs: std::ops::Range<usize>, ys: std::ops::Range<usize>| {
        stats(image, 1, xs, ys).1
    };
    let centre = left(&auto, 112..144, 80..112) / left(&off, 112..144, 80..112);
    let corner = left(&auto, 8..40, 8..40) / left(&off, 8..40, 8..40);
    // Measured: 0.183 of the noise left in the corner, 0.109 in the
    // centre; with the gains not undone, 0.208 and 0.106.
    assert!(
        corner < 1.8 * centre,
        "corner {corner} against centre {centre}"
    );
}
