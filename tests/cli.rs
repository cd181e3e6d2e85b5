//! The `wisp` command on good and bad input: clear errors naming the file,
//! a non-zero exit, and nothing partial left behind.

mod common;

use common::*;

use std::path::{Path, PathBuf};

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/samples/parrots.dng")
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|r| {
            r.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn converts_the_sample_on_gpu_and_cpu() {
    let out = tempdir("ok");
    let o = wisp(&[
        "convert",
        sample().to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("on GPU"),
        "the default path is the GPU: {}",
        stderr(&o)
    );
    let jpg = image::open(out.join("parrots.jpg"))
        .expect("a JPEG")
        .into_rgb8();
    assert_eq!(jpg.dimensions(), (768, 512));

    let o = wisp(&[
        "convert",
        sample().to_str().unwrap(),
        "-o",
        out.join("cpu").to_str().unwrap(),
        "--cpu",
        "--format",
        "png",
        "--bits",
        "16",
        "--tone",
        "aces",
        "--vignette",
        "-1",
        "--exposure",
        "0.5",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let png = image::open(out.join("cpu/parrots.png")).expect("a PNG");
    assert_eq!(png.color(), image::ColorType::Rgb16);
    assert_eq!(files_in(&out.join("cpu")), vec!["parrots.png"]);
}

#[test]
fn bad_inputs_are_named_and_leave_nothing_behind() {
    let dir = tempdir("bad");
    let out = dir.join("out");
    let bytes = std::fs::read(sample()).unwrap();
    std::fs::write(dir.join("empty.dng"), b"").unwrap();
    std::fs::write(dir.join("truncated.dng"), &bytes[..4000]).unwrap();
    std::fs::write(
        dir.join("garbage.nef"),
        (0..5000u32)
            .map(|i| (i * 7919 % 251) as u8)
            .collect::<Vec<u8>>(),
    )
    .unwrap();
    std::fs::write(dir.join("fake.png"), b"not a png at all").unwrap();
    for name in [
        "empty.dng",
        "truncated.dng",
        "garbage.nef",
        "fake.png",
        "missing.dng",
    ] {
        let path = dir.join(name);
        let o = wisp(&[
            "convert",
            path.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ]);
        assert!(!o.status.success(), "{name} must fail");
        let err = stderr(&o);
        assert!(
            err.contains(name),
            "{name}: the message must name the file: {err}"
        );
        assert!(!err.contains("panicked"), "{name}: no panic: {err}");
        assert!(
            files_in(&out).is_empty(),
            "{name}: nothing may be written: {:?}",
            files_in(&out)
        );
    }
}

#[test]
fn a_bad_file_does_not_stop_the_good_ones() {
    let dir = tempdir("mixed");
    std::fs::write(dir.join("broken.dng"), b"II*\0garbage").unwrap();
    let out = dir.join("out");
    let o = wisp(&[
        "convert",
        dir.join("broken.dng").to_str().unwrap(),
        sample().to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("broken.dng"));
    assert_eq!(files_in(&out), vec!["parrots.jpg"]);
}

#[test]
fn malformed_lut_gives_file_and_line() {
    let dir = tempdir("lut");
    let lut = dir.join("broken.cube");
    std::fs::write(&lut, "TITLE \"x\"\nLUT_3D_SIZE 2\n0 0 0\n1 0 oops\n").unwrap();
    let out = dir.join("out");
    let o = wisp(&[
        "convert",
        sample().to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--look",
        lut.to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("broken.cube:4: `oops` is not a number"),
        "{}",
        stderr(&o)
    );
    assert!(files_in(&out).is_empty());
}

#[test]
fn refuses_settings_that_cannot_work() {
    let dir = tempdir("refuse");
    let s = sample();
    let s = s.to_str().unwrap();
    let o = dir.to_str().unwrap();
    for args in [
        vec!["convert", s, "-o", o, "--bits", "16"],
        vec!["convert", s, "-o", o, "--look", "nonexistent-look"],
        vec!["convert", s, "-o", o, "--tone", "sepia"],
        vec!["convert", s, "-o", o, "--quality", "0"],
        vec!["convert", s, "-o", o, "--vignette", "nan"],
    ] {
        let out = wisp(&args);
        assert!(!out.status.success(), "{args:?} must fail");
        assert!(
            !stderr(&out).contains("panicked"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
    assert!(files_in(&dir).is_empty());
}

#[test]
fn never_overwrites_an_input_or_writes_one_output_twice() {
    let dir = tempdir("overwrite");
    let input = dir.join("shot.jpg");
    image::RgbImage::from_pixel(8, 6, image::Rgb([200, 100, 50]))
        .save(&input)
        .unwrap();
    let before = std::fs::read(&input).unwrap();
    let o = wisp(&[
        "convert",
        input.to_str().unwrap(),
        "-o",
        dir.to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("overwrite an input"), "{}", stderr(&o));
    assert_eq!(std::fs::read(&input).unwrap(), before);

    let png = dir.join("shot.png");
    image::RgbImage::from_pixel(8, 6, image::Rgb([1, 2, 3]))
        .save(&png)
        .unwrap();
    let out = dir.join("out");
    let o = wisp(&[
        "convert",
        input.to_str().unwrap(),
        png.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("would both be written"),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists(), "the collision is found before any work");
}

#[test]
fn bench_develop_times_every_phase() {
    let sample = sample();
    for extra in [&[][..], &["--cpu"][..]] {
        let mut args = vec!["bench", "develop", sample.to_str().unwrap(), "--runs", "2"];
        args.extend_from_slice(extra);
        let o = wisp(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        let text = String::from_utf8_lossy(&o.stdout);
        assert!(text.contains("(768x512) on "), "{text}");
        let figure = |prefix: &str| -> f64 {
            let line = text
                .lines()
                .find(|l| l.starts_with(prefix))
                .unwrap_or_else(|| panic!("no `{prefix}` line in:\n{text}"));
            let number = line[prefix.len()..].split_whitespace().next().unwrap();
            number.parse().unwrap_or_else(|_| panic!("{line}"))
        };
        for prefix in ["decode: ", "develop: best ", "encode (JPEG q92): "] {
            let ms = figure(prefix);
            assert!(ms > 0.0 && ms < 60_000.0, "{prefix}{ms}");
        }
    }
    let o = wisp(&["bench", "develop", "/nonexistent.dng"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("/nonexistent.dng"), "{}", stderr(&o));
}

#[test]
fn version_says_how_the_jpeg_encoder_was_built() {
    let o = wisp(&["--version"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let line = String::from_utf8_lossy(&o.stdout);
    let prefix = concat!("wisp ", env!("CARGO_PKG_VERSION"), " (JPEG encoder: ");
    let encoder = line
        .trim_end()
        .strip_prefix(prefix)
        .and_then(|rest| rest.strip_suffix(')'))
        .unwrap_or_else(|| panic!("version line: {line}"));
    assert!(
        encoder == "SIMD" || encoder.starts_with("no SIMD: install nasm, then run cargo clean"),
        "{line}"
    );
    // Where nasm is installed (./scripts/test installs it), a build
    // without SIMD is one made before it was: stale, and slow.
    let nasm = std::process::Command::new("nasm").arg("-v").output();
    if nasm.is_ok_and(|o| o.status.success()) {
        assert_eq!(encoder, "SIMD", "nasm is installed but {line}");
    }
    // `wisp bench develop` says the same beside the encode time.
    let o = wisp(&[
        "bench",
        "develop",
        sample().to_str().unwrap(),
        "--runs",
        "1",
    ]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains(&format!("(encoder: {encoder})")), "{text}");
}

/// Luma sampling factors (h, v) of a baseline JPEG: 1x1 is 4:4:4, 2x1
/// 4:2:2, 2x2 4:2:0 (the chroma components are 1x1).
fn luma_sampling(jpeg: &[u8]) -> (u8, u8) {
    let sof = jpeg
        .windows(2)
        .position(|w| w == [0xff, 0xc0])
        .expect("a baseline SOF0 marker");
    // Marker, length (2), precision (1), height (2), width (2), count (1), then id, sampling.
    let sampling = jpeg[sof + 2 + 2 + 1 + 2 + 2 + 1 + 1];
    (sampling >> 4, sampling & 0xf)
}

#[test]
fn chroma_subsampling_follows_quality_or_the_flag() {
    let out = tempdir("chroma");
    let sample = sample();
    for (extra, expected) in [
        (&[][..], (1, 1)),
        (&["--quality", "80"][..], (2, 2)),
        (&["--chroma", "422"][..], (2, 1)),
        (&["--chroma", "420", "--quality", "95"][..], (2, 2)),
        (&["--chroma", "444", "--quality", "60"][..], (1, 1)),
    ] {
        let mut args = vec![
            "convert",
            sample.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--overwrite",
        ];
        args.extend_from_slice(extra);
        let o = wisp(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        let jpeg = std::fs::read(out.join("parrots.jpg")).unwrap();
        assert_eq!(luma_sampling(&jpeg), expected, "{extra:?}");
        assert!(
            image::load_from_memory(&jpeg).is_ok(),
            "{extra:?}: does not decode"
        );
    }
    let o = wisp(&[
        "convert",
        sample.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--chroma",
        "411",
    ]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("411"), "{}", stderr(&o));
}

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0, "mkfifo");
}

#[test]
fn outputs_replace_only_regular_files() {
    let dir = tempdir("special-out");
    let out = dir.join("out");
    std::fs::create_dir_all(&out).unwrap();
    let s = sample();
    let s = s.to_str().unwrap();
    // A report onto a FIFO (as onto /dev/full) is an error, and the FIFO
    // stays; so does a link.
    let fifo = dir.join("report.json");
    mkfifo(&fifo);
    std::fs::write(dir.join("target.json"), "keep").unwrap();
    std::os::unix::fs::symlink("target.json", dir.join("link.json")).unwrap();
    for report in [&fifo, &dir.join("link.json")] {
        let o = wisp_capped(&[
            "convert",
            s,
            "-o",
            out.to_str().unwrap(),
            "--overwrite",
            "--report",
            report.to_str().unwrap(),
        ]);
        assert!(!o.status.success(), "{}", stderr(&o));
        assert!(stderr(&o).contains("not a regular file"), "{}", stderr(&o));
    }
    use std::os::unix::fs::FileTypeExt;
    assert!(std::fs::symlink_metadata(&fifo)
        .unwrap()
        .file_type()
        .is_fifo());
    assert!(std::fs::symlink_metadata(dir.join("link.json"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(
        std::fs::read_to_string(dir.join("target.json")).unwrap(),
        "keep"
    );
    // An output that is a FIFO, with --overwrite.
    let out2 = dir.join("out2");
    std::fs::create_dir_all(&out2).unwrap();
    mkfifo(&out2.join("parrots.jpg"));
    let o = wisp_capped(&["convert", s, "-o", out2.to_str().unwrap(), "--overwrite"]);
    assert_clean_failure(&o, "parrots.jpg");
    assert!(std::fs::symlink_metadata(out2.join("parrots.jpg"))
        .unwrap()
        .file_type()
        .is_fifo());
    assert_eq!(files_in(&out2), vec!["parrots.jpg"]);
}

#[test]
fn only_regular_files_are_read() {
    let dir = tempdir("special");
    let out = dir.join("out");
    std::os::unix::fs::symlink("/dev/zero", dir.join("zero.cube")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", dir.join("zero.dng")).unwrap();
    mkfifo(&dir.join("fifo.cube"));
    mkfifo(&dir.join("fifo.dng"));
    std::fs::write(dir.join("preset.toml"), "lut = \"fifo.cube\"\n").unwrap();
    let s = sample();
    let s = s.to_str().unwrap();
    let o = out.to_str().unwrap();
    for (args, named) in [
        (vec![s, "--look", "zero.cube"], vec!["zero.cube"]),
        (vec![s, "--look", "fifo.cube"], vec!["fifo.cube"]),
        (
            vec![s, "--look", "preset.toml"],
            vec!["preset.toml", "fifo.cube"],
        ),
        (vec!["fifo.dng"], vec!["fifo.dng"]),
        (vec!["zero.dng"], vec!["zero.dng"]),
    ] {
        let mut argv = vec!["convert"];
        argv.extend_from_slice(&args);
        argv.extend_from_slice(&["-o", o, "--cpu"]);
        let started = std::time::Instant::now();
        let result = capped_wisp()
            .args(&argv)
            .current_dir(&dir)
            .output()
            .unwrap();
        assert!(started.elapsed().as_secs() < 15, "{args:?} hung");
        let err = stderr(&result);
        assert_clean_failure(&result, named[0]);
        for name in named {
            assert!(err.contains(name), "{args:?}: {name} not named: {err}");
        }
        assert!(err.contains("not a regular file"), "{args:?}: {err}");
        assert!(files_in(&out).is_empty());
    }
}

/// Write each `(name, bytes)` into `dir` and convert it alone on the CPU,
/// capped; each must fail cleanly, naming the file.
fn each_fails_cleanly(dir: &Path, files: &[(&str, Vec<u8>)], extra: &[&str]) -> Vec<String> {
    let out = dir.join("out");
    files
        .iter()
        .map(|(name, bytes)| {
            let path = dir.join(name);
            std::fs::write(&path, bytes).unwrap();
            let mut args = vec![
                "convert",
                path.to_str().unwrap(),
                "-o",
                out.to_str().unwrap(),
                "--cpu",
            ];
            args.extend_from_slice(extra);
            let o = wisp_capped(&args);
            assert_clean_failure(&o, name);
            assert!(files_in(&out).is_empty(), "{name}: {:?}", files_in(&out));
            stderr(&o)
        })
        .collect()
}

#[test]
fn looping_tiff_structures_are_refused_before_decoding() {
    let dir = tempdir("ifd-loop");
    let sample = std::fs::read(sample()).unwrap();
    let next = ifd0_next(&sample);
    let at = |bytes: &mut Vec<u8>, offset: usize, value: u32| {
        bytes[offset..offset + 4].copy_from_slice(&value.to_le_bytes())
    };
    // The first IFD's next pointer to itself.
    let mut to_itself = sample.clone();
    at(&mut to_itself, next, 8);
    // Two IFDs pointing at each other: a copy of the first at the end.
    let mut pair = sample.clone();
    let copy = pair.len() as u32;
    pair.extend_from_slice(&sample[8..next + 4]);
    at(&mut pair, next, copy);
    let len = pair.len();
    at(&mut pair, len - 4, 8);
    // A SubIFD pointer back to the IFD that holds it.
    let sub = patched_sample(&[(254, 0, &[0x4a, 0x01, 4, 0, 1, 0, 0, 0, 8, 0, 0, 0])]);
    for err in each_fails_cleanly(
        &dir,
        &[
            ("self.dng", to_itself),
            ("pair.dng", pair),
            ("sub.dng", sub),
        ],
        &[],
    ) {
        assert!(err.contains("(a loop)"), "{err}");
    }
}

#[test]
fn claimed_dimensions_are_held_to_the_decode_budget() {
    let dir = tempdir("budget");
    let lj92 = |side: u32| {
        patched_sample(&[
            (256, 8, &side.to_le_bytes()),
            (257, 8, &side.to_le_bytes()),
            (259, 8, &7u16.to_le_bytes()),
        ])
    };
    let errs = each_fails_cleanly(&dir, &[("huge.dng", lj92(100_000))], &[]);
    assert!(
        errs[0].contains("100000x100000") && errs[0].contains("--max-pixels"),
        "{}",
        errs[0]
    );
    // Within a raised limit, 786 KB cannot hold 16384^2 pixels of lossless
    // JPEG (one bit each at least).
    let errs = each_fails_cleanly(
        &dir,
        &[("tall.dng", lj92(16384))],
        &["--max-pixels", "300000000"],
    );
    assert!(errs[0].contains("too short"), "{}", errs[0]);
    // The limit applies to the sample itself (768x512) when set below it.
    let out = dir.join("small");
    let s = sample();
    let o = wisp(&[
        "convert",
        s.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--max-pixels",
        "300000",
    ]);
    assert_clean_failure(&o, "parrots.dng");
    assert!(
        stderr(&o).contains("exceeds the limit of 300000 pixels"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn decoder_panics_leave_one_line_of_wisp() {
    let dir = tempdir("panics");
    let asshot = ifd0_entry(&std::fs::read(sample()).unwrap(), 50728);
    let sample_bytes = std::fs::read(sample()).unwrap();
    let neutral_at = u32::from_le_bytes(sample_bytes[asshot + 8..asshot + 12].try_into().unwrap());
    let mut white_xy = patched_sample(&[(50728, 0, &[0x29, 0xc6, 5, 0, 2, 0, 0, 0])]);
    // AsShotWhiteXY (two rationals, over AsShotNeutral's) whose y has a
    // zero denominator.
    let y_denominator = neutral_at as usize + 12;
    white_xy[y_denominator..y_denominator + 4].copy_from_slice(&[0; 4]);
    let files = [
        ("photometric0.dng", patched_sample(&[(262, 8, &[0, 0])])),
        ("tiletype0.dng", patched_sample(&[(322, 2, &[0, 0])])),
        ("cfa-ff.dng", patched_sample(&[(33422, 8, &[0xff])])),
        ("whitexy.dng", white_xy),
        ("spp255.dng", patched_sample(&[(277, 8, &[255, 0])])),
        (
            "bps.dng",
            patched_sample(&[(258, 2, &[4, 0, 1, 0, 0, 0, 0, 0, 0, 0x80])]),
        ),
    ];
    each_fails_cleanly(&dir, &files, &[]);
    // All at once with a good file, on the GPU: the batch carries on.
    let out = dir.join("batch");
    let mut args: Vec<String> = vec!["convert".into()];
    args.extend(files.iter().map(|(n, _)| dir.join(n).display().to_string()));
    args.extend([
        sample().display().to_string(),
        "-o".into(),
        out.display().to_string(),
    ]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = wisp_capped(&args);
    for (name, _) in &files {
        assert_clean_failure(&o, name);
    }
    assert_eq!(files_in(&out), vec!["parrots.jpg"]);
}

#[test]
fn messages_name_the_files_the_user_gave() {
    let dir = tempdir("names");
    let out = dir.join("out");
    // A folder with a raw file's name.
    std::fs::create_dir_all(dir.join("x.dng")).unwrap();
    let o = wisp(&[
        "convert",
        dir.join("x.dng").to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_clean_failure(&o, "x.dng");
    assert!(stderr(&o).contains("no input files in"), "{}", stderr(&o));
    // A preset whose LUT fails is named with the LUT.
    std::fs::write(dir.join("bad.cube"), "LUT_3D_SIZE 2\n0 0 x\n").unwrap();
    std::fs::write(dir.join("p.toml"), "lut = \"bad.cube\"\n").unwrap();
    // An out-of-range Reinhard white point says what is wanted.
    std::fs::write(
        dir.join("r.toml"),
        "tone = \"reinhard\"\nreinhard_white = 1e39\n",
    )
    .unwrap();
    let s = sample();
    for (preset, wanted) in [("p.toml", "bad.cube:2"), ("r.toml", "finite")] {
        let look = dir.join(preset);
        let o = wisp(&[
            "convert",
            s.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--look",
            look.to_str().unwrap(),
        ]);
        assert_clean_failure(&o, preset);
        assert!(stderr(&o).contains(wanted), "{}", stderr(&o));
    }
}

#[test]
fn opcodes_left_out_are_noted_in_the_report_and_verbose_output() {
    // shading.dng's OpcodeList2 holds four gain maps, which are applied,
    // and an optional FixVignetteRadial, which is not: the report and
    // `--verbose` say so; the run succeeds.
    let dir = tempdir("opcode-notes");
    let input = fixture("tests/fixtures/shading.dng");
    let report = dir.join("report.json");
    let out = wisp(&[
        "convert",
        input.to_str().unwrap(),
        "-o",
        dir.join("out").to_str().unwrap(),
        "-v",
        "--report",
        report.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    let said = String::from_utf8_lossy(&out.stdout);
    let note = "OpcodeList2: FixVignetteRadial (optional) not applied";
    assert!(said.contains(&format!("note: {note}")), "{said}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(json["files"][0]["notes"][0], note, "{json}");
}

#[test]
fn bad_pixel_opcodes_on_a_linear_raw_are_refused_naming_the_file() {
    // The DNG specification's FixBadPixels opcodes apply to CFA images.
    let dir = tempdir("linear-bad-pixels");
    let o = wisp(&[
        "convert",
        fixture("tests/fixtures/linear_bad_pixels.dng")
            .to_str()
            .unwrap(),
        "-o",
        dir.join("out").to_str().unwrap(),
    ]);
    assert_clean_failure(&o, "linear_bad_pixels.dng");
    assert!(stderr(&o).contains("FixBadPixels opcodes apply to CFA images only"));
}

#[test]
fn lens_correction_off_leaves_the_warp_out_and_says_so() {
    let dir = tempdir("lens-correction");
    let input = fixture("tests/fixtures/grid_warped.dng");
    let run = |switch: &str| {
        let out = dir.join(switch);
        let o = wisp(&[
            "convert",
            input.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--format",
            "png",
            "-v",
            "--lens-correction",
            switch,
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        let said = String::from_utf8_lossy(&o.stdout).to_string();
        (std::fs::read(out.join("grid_warped.png")).unwrap(), said)
    };
    let (on, said_on) = run("on");
    let (off, said_off) = run("off");
    let note =
        "note: OpcodeList3: lens correction (its warp opcode) not applied (--lens-correction off)";
    assert!(said_off.contains(note), "{said_off}");
    assert!(!said_on.contains(note), "{said_on}");
    assert_ne!(on, off, "the warp moved nothing");
}
