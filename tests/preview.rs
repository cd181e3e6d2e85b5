//! The preview engine: frames rendered from the cached demosaic match the
//! batch development pixel for pixel (fit, 1:1 crops, orientation), and the
//! headless example prints its timing line.

mod common;

use common::*;
use wisp::params::DevelopParams;
use wisp::pipeline::{Display, Fusion};
use wisp::preview::{Preview, View};
use wisp::{io, looks, Denoise, DenoiseQuality, Pixels, Rendered};

fn bytes(r: &Rendered) -> &[u8] {
    match &r.pixels {
        Pixels::Eight(p) => p,
        Pixels::Sixteen(_) => panic!("8-bit expected"),
    }
}

fn vibrant() -> DevelopParams {
    looks::load("vibrant")
        .unwrap()
        .unwrap()
        .params(&DevelopParams::default())
}

#[test]
fn fit_and_actual_views_match_the_batch_development() {
    let source = io::load(&fixture("assets/samples/parrots.dng")).unwrap();
    let params = vibrant();
    let full = gpu()
        .develop(&source.photo, &params, Fusion::Fused)
        .unwrap();
    let mut preview = Preview::new(gpu(), &source, &params).unwrap();

    // A view at least as large as the photo shows it at full resolution.
    let frame = preview
        .frame(
            &params,
            View::Fit {
                width: 2000,
                height: 1000,
            },
            Display::default(),
        )
        .unwrap();
    assert_eq!(preview.read(&frame).unwrap(), full);

    // A smaller fit view equals the batch path's --max-size.
    let frame = preview
        .frame(
            &params,
            View::Fit {
                width: 400,
                height: 400,
            },
            Display::default(),
        )
        .unwrap();
    let small = gpu()
        .develop(
            &source.photo,
            &DevelopParams {
                max_size: Some(400),
                ..params.clone()
            },
            Fusion::Fused,
        )
        .unwrap();
    assert_eq!(preview.read(&frame).unwrap(), small);

    // The frame's GPU time comes from timestamp queries where the device
    // has them (lavapipe does), and is absent otherwise.
    let timed = gpu()
        .gpu()
        .device
        .features()
        .contains(wisp::gpu::Gpu::TIMER_FEATURES);
    match preview.gpu_time_ms() {
        Some(ms) => assert!(timed && ms > 0.0 && ms < 10_000.0, "GPU time {ms} ms"),
        None => assert!(!timed, "the device has timestamps but no time was read"),
    }

    // 1:1 shows exactly that part of the full development: vignette and
    // dither follow the crop's place in the photo.
    let (cw, ch) = (200, 120);
    let mut actual = |center| {
        let frame = preview
            .frame(
                &params,
                View::Actual {
                    width: cw,
                    height: ch,
                    center,
                },
                Display::default(),
            )
            .unwrap();
        preview.read(&frame).unwrap()
    };
    let crop = actual((500.0, 300.0));
    assert_eq!((crop.width, crop.height), (cw, ch));
    let (x0, y0) = (400, 240);
    for y in 0..ch {
        let want = &bytes(&full)[((y0 + y) * full.width + x0) * 3..][..cw * 3];
        assert_eq!(&bytes(&crop)[y * cw * 3..][..cw * 3], want, "row {y}");
    }
    // Near a corner the window is clamped inside the photo.
    let corner = actual((0.0, 10_000.0));
    let want = &bytes(&full)[((512 - ch) * full.width) * 3..][..cw * 3];
    assert_eq!(&bytes(&corner)[..cw * 3], want);
}

#[test]
fn clipping_marks_paint_exactly_the_clipped_and_crushed_pixels() {
    let source = io::load(&fixture("assets/samples/parrots.dng")).unwrap();
    let mut preview = Preview::new(gpu(), &source, &DevelopParams::default()).unwrap();
    let view = View::Fit {
        width: 500,
        height: 400,
    };
    // Pushed up, the bright feathers clip; pulled down, the dark ones crush.
    for (exposure, highlights) in [(2.5, true), (-5.0, false)] {
        let params = DevelopParams {
            exposure,
            ..vibrant()
        };
        let mut read = |mark_clipping| {
            let frame = preview
                .frame(&params, view, Display { mark_clipping })
                .unwrap();
            preview.read(&frame).unwrap()
        };
        let (plain, marked) = (read(false), read(true));
        assert_eq!((plain.width, plain.height), (marked.width, marked.height));
        let (mut clipped, mut crushed) = (0, 0);
        for (p, m) in bytes(&plain)
            .chunks_exact(3)
            .zip(bytes(&marked).chunks_exact(3))
        {
            let want = if p.contains(&255) {
                clipped += 1;
                [255, 0, 0]
            } else if p == [0, 0, 0] {
                crushed += 1;
                [0, 0, 255]
            } else {
                [p[0], p[1], p[2]]
            };
            assert_eq!(m, want, "exposure {exposure}, unmarked {p:?}");
        }
        let n = plain.width * plain.height;
        let marks = if highlights { clipped } else { crushed };
        assert!(
            marks > n / 100 && marks < n,
            "exposure {exposure}: {clipped} clipped, {crushed} crushed of {n}"
        );
    }
}

#[test]
fn headless_example_matches_the_cli_and_prints_its_timing() {
    let dir = tempdir("preview");
    let sample = fixture("assets/samples/parrots.dng");
    let shot = dir.join("shot.png");
    let example = headless_example();
    let o = std::process::Command::new(&example)
        .args([
            sample.to_str().unwrap(),
            "--look",
            "authentic",
            "--frames",
            "12",
            "--size",
            "1024x768",
            "--screenshot",
            shot.to_str().unwrap(),
        ])
        // As over ssh: no session. Mesa's display probe stays quiet.
        .env_remove("XDG_RUNTIME_DIR")
        .env_remove("NODEVICE_SELECT")
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}", example.display()));
    let stdout = String::from_utf8_lossy(&o.stdout);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stdout}{stderr}");
    assert!(!stderr.contains("XDG_RUNTIME_DIR"), "{stderr}");
    let last = stdout.lines().last().unwrap_or("");
    let parts: Vec<&str> = last
        .split(&[' ', ','][..])
        .filter(|s| !s.is_empty())
        .collect();
    assert!(
        matches!(parts.as_slice(), ["frames:", "12", "median:", m, "ms", "p95:", p, "ms"] if m.parse::<f64>().is_ok() && p.parse::<f64>().is_ok()),
        "timing line: {last}"
    );
    // The final frame is back at the starting dial: the CLI's pixels.
    let out = dir.join("cli");
    let o = wisp(&[
        "convert",
        sample.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--look",
        "authentic",
        "--format",
        "png",
    ]);
    assert!(o.status.success());
    let a = image::open(&shot).unwrap().into_rgb8();
    let b = image::open(out.join("parrots.png")).unwrap().into_rgb8();
    assert_eq!(a.dimensions(), b.dimensions());
    assert!(
        a.as_raw() == b.as_raw(),
        "headless screenshot differs from `wisp convert`"
    );

    // A file that cannot be opened is an error, not a panic.
    let o = std::process::Command::new(&example)
        .args(["/nonexistent.dng", "--frames", "2", "--size", "64x64"])
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("nonexistent.dng"));
}

/// The headless example's path.
fn headless_example() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_BIN_EXE_wisp"))
        .parent()
        .unwrap()
        .join("examples/preview")
}

#[test]
fn headless_example_takes_the_noise_reductions_quality() {
    let dir = tempdir("preview-quality");
    let card = fixture("tests/fixtures/noisy_card.dng");
    let mut shots = Vec::new();
    for quality in ["standard", "high"] {
        let shot = dir.join(format!("{quality}.png"));
        let o = std::process::Command::new(headless_example())
            .args([card.to_str().unwrap(), "--frames", "2", "--size", "192x128"])
            .args(["--denoise-quality", quality, "--screenshot"])
            .arg(&shot)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let out = dir.join(quality);
        let o = wisp(&[
            "convert",
            card.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--denoise-quality",
            quality,
            "--format",
            "png",
        ]);
        assert!(o.status.success());
        let a = image::open(&shot).unwrap().into_rgb8();
        let b = image::open(out.join("noisy_card.png")).unwrap().into_rgb8();
        assert!(
            a == b,
            "{quality}: headless screenshot differs from `wisp convert`"
        );
        shots.push(a);
    }
    assert!(
        shots[0] != shots[1],
        "the quality did not reach the preview"
    );
}

#[test]
fn the_window_runs_under_xvfb() {
    let example = headless_example();
    let sample = fixture("assets/samples/parrots.dng");
    let run = |photo: &str| {
        std::process::Command::new("xvfb-run")
            .args([
                "-a",
                "-s",
                "-screen 0 1280x800x24",
                example.to_str().unwrap(),
                photo,
                "--look",
                "vibrant",
                "--size",
                "1024x700",
                "--quit-after",
                "8",
            ])
            .output()
            .expect("xvfb-run is installed (scripts/test installs it)")
    };
    let o = run(sample.to_str().unwrap());
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        stdout
            .lines()
            .last()
            .unwrap_or("")
            .starts_with("frames: 8, median: "),
        "{stdout}"
    );
    // A photo that cannot be opened: the error is shown and reported, no panic.
    let o = run("/nonexistent.dng");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success() && stderr.contains("nonexistent.dng") && !stderr.contains("panicked"),
        "{stderr}"
    );
}

#[test]
fn a_clicked_patch_develops_neutral() {
    use wisp::ops::color::neutral_shift;
    use wisp::ops::common::srgb_decode;
    use wisp::ToneOp;
    let source = io::load(&fixture("assets/samples/parrots.dng")).unwrap();
    let params = DevelopParams {
        tone: ToneOp::None,
        dither: false,
        ..DevelopParams::default()
    };
    let preview = Preview::new(gpu(), &source, &params).unwrap();
    // The mean colour of a developed patch, in linear light.
    let patch_of = |image: &Rendered, (x, y): (usize, usize), r: usize| {
        let mut sum = [0.0f64; 3];
        for py in y - r..=y + r {
            for px in x - r..=x + r {
                let at = (py * image.width + px) * 3;
                for (c, sum) in sum.iter_mut().enumerate() {
                    *sum += srgb_decode(bytes(image)[at + c] as f32 / 255.0) as f64;
                }
            }
        }
        sum
    };
    let before = gpu()
        .develop(&source.photo, &params, Fusion::Fused)
        .unwrap();
    for spot in [(300, 200), (600, 100), (120, 400)] {
        let scene = preview.scene_mean(spot, 3).unwrap();
        let shift = neutral_shift(scene).expect("a lit patch");
        let balanced = DevelopParams {
            white_balance_shift: shift,
            ..params.clone()
        };
        let after = gpu()
            .develop(&source.photo, &balanced, Fusion::Fused)
            .unwrap();
        let spread = |[r, g, b]: [f64; 3]| (r.max(g).max(b) - r.min(g).min(b)) / (r + g + b) * 3.0;
        let was = spread(patch_of(&before, spot, 3));
        let is = spread(patch_of(&after, spot, 3));
        assert!(
            is < 0.02,
            "{spot:?}: channels still {is:.3} apart (were {was:.3})"
        );
        assert!(was > 4.0 * is, "{spot:?}: the patch was neutral already");
    }
}

#[test]
fn the_window_saves_a_sidecar_that_convert_develops_like_its_export() {
    let example = headless_example();
    let dir = tempdir("darkroom");
    let shoot = dir.join("shoot");
    std::fs::create_dir_all(&shoot).unwrap();
    let photo = shoot.join("parrots.dng");
    std::fs::copy(fixture("assets/samples/parrots.dng"), &photo).unwrap();
    let sidecar = wisp::sidecar::path_of(&photo);
    std::fs::write(&sidecar, "look = \"mono\"\ntint = 0.1\n").unwrap();
    let export = dir.join("export");
    let o = std::process::Command::new("xvfb-run")
        .args(["-a", "-s", "-screen 0 1280x800x24"])
        .arg(&example)
        .arg(&photo)
        .args([
            "--size",
            "800x600",
            "--quit-after",
            "4",
            "--save",
            "--export",
        ])
        .arg(&export)
        .output()
        .expect("xvfb-run is installed (scripts/test installs it)");
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{stdout}{}", stderr(&o));
    assert!(
        stdout.contains(&format!("saved {}", sidecar.display())),
        "{stdout}"
    );
    // The photo opened with its sidecar, and the test mode turned the
    // exposure dial: both are kept.
    let saved = wisp::sidecar::read(&photo).unwrap().unwrap().1;
    assert_eq!(saved.look.as_deref(), Some("mono"));
    assert_eq!(saved.tint, Some(0.1));
    assert!(saved.exposure.is_some_and(|e| e != 0.0), "{saved:?}");
    // `wisp convert` on the folder develops what the preview exported.
    let out = dir.join("out");
    let o = wisp(&[
        "convert",
        shoot.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let a = image::open(export.join("parrots.jpg")).unwrap().into_rgb8();
    let b = image::open(out.join("parrots.jpg")).unwrap().into_rgb8();
    assert!(
        a.as_raw() == b.as_raw(),
        "the export differs from `wisp convert`"
    );
    // And not what it develops without the sidecar.
    let plain = dir.join("plain");
    let o = wisp(&[
        "convert",
        shoot.to_str().unwrap(),
        "-o",
        plain.to_str().unwrap(),
        "--sidecars",
        "ignore",
    ]);
    assert!(o.status.success());
    let c = image::open(plain.join("parrots.jpg")).unwrap().into_rgb8();
    assert!(a.as_raw() != c.as_raw());
}

#[test]
fn a_denoise_change_develops_the_scene_again_and_other_dials_do_not() {
    let source = io::load(&fixture("tests/fixtures/noisy_card.dng")).unwrap();
    let off = DevelopParams {
        denoise: Denoise::Off,
        ..DevelopParams::default()
    };
    let view = View::Fit {
        width: 2000,
        height: 1000,
    };
    let mut preview = Preview::new(gpu(), &source, &off).unwrap();
    let brighter = DevelopParams {
        exposure: 0.5,
        ..off.clone()
    };
    assert!(!preview.rescene(&source, &brighter).unwrap());
    for (denoise, denoise_quality) in [
        (Denoise::Auto, DenoiseQuality::Standard),
        (Denoise::Auto, DenoiseQuality::High),
        (Denoise::Strength(2.5), DenoiseQuality::High),
        (Denoise::Off, DenoiseQuality::High),
    ] {
        let params = DevelopParams {
            denoise,
            denoise_quality,
            ..brighter.clone()
        };
        let what = format!("{denoise:?} {denoise_quality:?}");
        assert!(preview.rescene(&source, &params).unwrap(), "{what}");
        assert!(!preview.rescene(&source, &params).unwrap());
        let frame = preview.frame(&params, view, Display::default()).unwrap();
        let batch = gpu()
            .develop(&source.photo, &params, Fusion::Fused)
            .unwrap();
        assert_eq!(preview.read(&frame).unwrap(), batch, "{what}");
    }
}

#[test]
fn the_preview_renders_a_camera_profile_as_the_batch_does() {
    // chart_profile.dng embeds a profile, chart_gain_table.dng a gain table
    // map, chart_triple.dng three calibrations: the preview resolves them
    // for each frame as `Engine::develop` does, in every look, and
    // `--profile none` leaves the profile out there too.
    for name in [
        "chart_profile.dng",
        "chart_gain_table.dng",
        "chart_triple.dng",
    ] {
        let source = io::load(&fixture(&format!("tests/fixtures/{name}"))).unwrap();
        for look in ["neutral", "camera"] {
            for profile in ["embedded", "none"] {
                let params = DevelopParams {
                    profile: wisp::params::ProfileChoice::parse(profile).unwrap(),
                    ..looks::params(look, &DevelopParams::default()).unwrap()
                };
                // What `Engine::develop` does: the profile resolved, then the plan.
                let resolved = source.profiled(&params).unwrap();
                let want = gpu()
                    .develop(&source.photo, &resolved, Fusion::Fused)
                    .unwrap();
                let mut preview = Preview::new(gpu(), &source, &params).unwrap();
                let frame = preview
                    .frame(
                        &params,
                        View::Fit {
                            width: 1000,
                            height: 1000,
                        },
                        Display::default(),
                    )
                    .unwrap();
                assert_eq!(
                    preview.read(&frame).unwrap(),
                    want,
                    "{name}: {look} look, profile {profile}"
                );
            }
        }
    }
}

#[test]
fn a_window_at_full_resolution_places_the_gain_table_map_as_the_batch_does() {
    // The map's grid lies on the whole photo: a 1:1 window is that part of
    // the full development, not the map squeezed into the window.
    let source = io::load(&fixture("tests/fixtures/chart_gain_table.dng")).unwrap();
    let params = DevelopParams::neutral();
    let full = gpu()
        .develop(
            &source.photo,
            &source.profiled(&params).unwrap(),
            Fusion::Fused,
        )
        .unwrap();
    let mut preview = Preview::new(gpu(), &source, &params).unwrap();
    let (cw, ch) = (40, 30);
    let frame = preview
        .frame(
            &params,
            View::Actual {
                width: cw,
                height: ch,
                center: (60.0, 35.0),
            },
            Display::default(),
        )
        .unwrap();
    let crop = preview.read(&frame).unwrap();
    let (x0, y0) = (40, 20);
    for y in 0..ch {
        let want = &bytes(&full)[((y0 + y) * full.width + x0) * 3..][..cw * 3];
        assert_eq!(&bytes(&crop)[y * cw * 3..][..cw * 3], want, "row {y}");
    }
}
