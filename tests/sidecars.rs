//! Sidecars (`PHOTO.EXT.wisp.toml`): `wisp convert` develops each photo
//! with its own, under the flags given; a bad one fails its photo alone,
//! with one line naming it.

mod common;

use common::*;

use std::path::{Path, PathBuf};

use wisp::sidecar::{self, Settings, VignetteSettings};
use wisp::{DevelopParams, ToneOp};

/// `names` copies of the bundled sample in `dir`.
fn photos(dir: &Path, names: &[&str]) -> Vec<PathBuf> {
    std::fs::create_dir_all(dir).unwrap();
    names
        .iter()
        .map(|n| {
            let p = dir.join(n);
            std::fs::copy(fixture("assets/samples/parrots.dng"), &p).unwrap();
            p
        })
        .collect()
}

fn convert(inputs: &[&Path], out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["convert"];
    args.extend(inputs.iter().map(|p| p.to_str().unwrap()));
    args.extend(["-o", out.to_str().unwrap(), "--format", "png"]);
    args.extend(extra);
    wisp(&args)
}

fn pixels(path: &Path) -> Vec<u8> {
    image::open(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .into_rgb8()
        .into_raw()
}

#[test]
fn settings_layer_flags_over_sidecar_over_look() {
    let sidecar = Settings {
        look: Some("authentic".into()),
        exposure: Some(0.5),
        tint: Some(0.2),
        vignette: Some(VignetteSettings {
            amount: Some(-0.3),
            ..Default::default()
        }),
        ..Settings::default()
    };
    let flags = Settings {
        exposure: Some(-0.25),
        tone: Some(ToneOp::Aces),
        ..Settings::default()
    };
    let both = flags.or(&sidecar);
    let p = both.params(&DevelopParams::default()).unwrap();
    let look = wisp::looks::params("authentic", &DevelopParams::default()).unwrap();
    // The flag's exposure replaces the sidecar's; the look's bias adds.
    assert_eq!(p.exposure, -0.25 + look.exposure);
    assert_eq!(p.tone, ToneOp::Aces);
    assert_eq!(p.white_balance_shift, [0.0, 0.2]);
    // The sidecar's vignette amount over the look's shape.
    assert_eq!(p.vignette.amount, -0.3);
    assert_eq!(p.vignette.midpoint, look.vignette.midpoint);
    assert!(p.lut.is_some(), "the look's grade");
    // Written and read back unchanged, with only the keys set.
    let text = sidecar.to_toml();
    assert!(
        !text.contains("tone") && !text.contains("temperature"),
        "{text}"
    );
    let dir = tempdir("sidecar-roundtrip");
    let photo = dir.join("a.dng");
    let written = sidecar::write(&photo, &sidecar).unwrap();
    assert_eq!(written, dir.join("a.dng.wisp.toml"));
    assert_eq!(sidecar::read(&photo).unwrap(), Some((written, sidecar)));
    assert_eq!(sidecar::read(&dir.join("b.dng")).unwrap(), None);
}

/// `photo` developed with the library, as 8-bit codes: the test's sidecar
/// (temperature 0.3, vignette -1) with `look` and `exposure`.
fn developed(photo: &Path, look: &str, exposure: f32) -> Vec<u8> {
    let source = wisp::io::load(photo).unwrap();
    let params = Settings {
        look: Some(look.into()),
        exposure: Some(exposure),
        temperature: Some(0.3),
        vignette: Some(VignetteSettings {
            amount: Some(-1.0),
            ..Default::default()
        }),
        ..Settings::default()
    }
    .params(&DevelopParams::default())
    .unwrap();
    let image = gpu()
        .develop(&source.photo, &params, wisp::pipeline::Fusion::Fused)
        .unwrap();
    codes(&image).into_iter().map(|c| c as u8).collect()
}

#[test]
fn convert_applies_each_photos_sidecar_under_the_flags() {
    let dir = tempdir("sidecar-convert");
    let shoot = dir.join("shoot");
    let [tuned, plain] = &photos(&shoot, &["tuned.dng", "plain.dng"])[..] else {
        unreachable!()
    };
    std::fs::write(
        sidecar::path_of(tuned),
        "look = \"mono\"\nexposure = 0.5\ntemperature = 0.3\n[vignette]\namount = -1.0\n",
    )
    .unwrap();
    let report = dir.join("report.json");
    let o = convert(
        &[&shoot],
        &dir.join("folder"),
        &["--report", report.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", stderr(&o));

    // The same settings given as flags, sidecars ignored.
    let o = convert(
        &[tuned],
        &dir.join("flags"),
        &[
            "--sidecars",
            "ignore",
            "--look",
            "mono",
            "--exposure",
            "0.5",
            "--vignette",
            "-1",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    // The temperature has no flag: develop it with the library.
    let folder = pixels(&dir.join("folder/tuned.png"));
    assert_eq!(folder, developed(tuned, "mono", 0.5));
    assert_ne!(
        folder,
        pixels(&dir.join("flags/tuned.png")),
        "temperature applied"
    );

    // The photo without a sidecar is developed as before.
    let o = convert(&[plain], &dir.join("default"), &["--sidecars", "ignore"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        pixels(&dir.join("folder/plain.png")),
        pixels(&dir.join("default/plain.png"))
    );
    // --sidecars ignore develops the tuned one as the plain one.
    let o = convert(&[tuned], &dir.join("ignored"), &["--sidecars", "ignore"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        pixels(&dir.join("ignored/tuned.png")),
        pixels(&dir.join("default/plain.png"))
    );

    // A flag wins over the sidecar: the sidecar's look and the flag's exposure.
    let o = convert(
        &[tuned],
        &dir.join("over"),
        &["--exposure", "-1", "--look", "neutral"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        pixels(&dir.join("over/tuned.png")),
        developed(tuned, "neutral", -1.0)
    );

    // The report names the sidecar of the photo that had one.
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let files = report["files"].as_array().unwrap();
    let of = |name: &str| {
        files
            .iter()
            .find(|f| f["input"].as_str().unwrap().ends_with(name))
            .unwrap()["sidecar"]
            .clone()
    };
    assert_eq!(
        of("tuned.dng").as_str(),
        Some(sidecar::path_of(tuned).to_str().unwrap())
    );
    assert!(of("plain.dng").is_null());
}

#[test]
fn a_bad_sidecar_fails_its_photo_alone_and_names_itself() {
    let dir = tempdir("sidecar-bad");
    let shoot = dir.join("shoot");
    let bad: &[(&str, &str)] = &[
        ("syntax.dng", "exposure = = 1\n"),
        ("unknown_key.dng", "brightness = 2\n"),
        ("unknown_look.dng", "look = \"sepia-dream\"\n"),
        ("out_of_range.dng", "exposure = 99.0\n"),
        ("wrong_type.dng", "tone = 3\n"),
        ("not_utf8.dng", "\u{0}"),
    ];
    let names: Vec<&str> = bad.iter().map(|(n, _)| *n).chain(["good.dng"]).collect();
    photos(&shoot, &names);
    for (name, text) in bad {
        let path = sidecar::path_of(&shoot.join(name));
        if *name == "not_utf8.dng" {
            std::fs::write(&path, [0xff, 0xfe, 0x00]).unwrap();
        } else {
            std::fs::write(&path, text).unwrap();
        }
    }
    // A folder where a sidecar would be is no sidecar either.
    photos(&shoot, &["folder.dng"]);
    std::fs::create_dir(sidecar::path_of(&shoot.join("folder.dng"))).unwrap();

    let out = dir.join("out");
    let o = convert(&[&shoot], &out, &[]);
    assert!(!o.status.success(), "bad sidecars fail the run");
    let err = stderr(&o);
    for name in names
        .iter()
        .filter(|n| **n != "good.dng")
        .chain(&["folder.dng"])
    {
        let sidecar_name = format!("{name}.wisp.toml");
        assert_clean_failure(&o, &sidecar_name);
        let lines: Vec<&str> = err.lines().filter(|l| l.contains(&sidecar_name)).collect();
        assert_eq!(lines.len(), 1, "one line for {sidecar_name}: {err}");
    }
    let mut written: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    written.sort();
    assert_eq!(written, vec!["good.png"], "{err}");
}

#[test]
fn a_successful_convert_prints_no_display_noise_and_an_idle_one_no_speed() {
    let dir = tempdir("quiet");
    let out = dir.join("out");
    let sample = fixture("tests/fixtures/grbg_64x48.dng");
    // As over ssh or from cron: no session, no XDG_RUNTIME_DIR.
    let run = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_wisp"))
            .args([
                "convert",
                sample.to_str().unwrap(),
                "-o",
                out.to_str().unwrap(),
            ])
            .env_remove("XDG_RUNTIME_DIR")
            .env_remove("NODEVICE_SELECT")
            .output()
            .unwrap()
    };
    let o = run();
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(!err.contains("XDG_RUNTIME_DIR"), "{err}");
    assert!(err.contains("MP/s"), "{err}");
    // Again: every output exists, nothing is converted, no speed.
    let o = run();
    assert!(o.status.success(), "{}", stderr(&o));
    let summary = stderr(&o);
    let summary = summary.lines().last().unwrap();
    assert!(
        summary.starts_with("wisp: converted 0, skipped 1"),
        "{summary}"
    );
    assert!(!summary.contains("MP/s"), "{summary}");
}
