//! Batch conversion: folders and sub-folders, per-file isolation, skip and
//! overwrite, sharding, the JSON report, and a full disk.

mod common;

use common::*;

use std::path::{Path, PathBuf};
use std::process::Command;

/// A shoot: DNGs (upper- and lower-case extensions) in two folders, a PNG,
/// a corrupt raw and a file that is not a photo.
fn shoot(dir: &Path) {
    std::fs::create_dir_all(dir.join("day2/sub")).unwrap();
    std::fs::copy(fixture("tests/fixtures/grbg_64x48.dng"), dir.join("a.dng")).unwrap();
    std::fs::copy(fixture("tests/fixtures/rggb_crop.dng"), dir.join("B.DNG")).unwrap();
    std::fs::copy(
        fixture("tests/fixtures/grbg_64x48.dng"),
        dir.join("day2/c.dng"),
    )
    .unwrap();
    std::fs::copy(
        fixture("tests/fixtures/grbg_64x48.dng"),
        dir.join("day2/sub/d.Dng"),
    )
    .unwrap();
    image::RgbImage::from_pixel(10, 8, image::Rgb([90, 120, 200]))
        .save(dir.join("day2/e.png"))
        .unwrap();
    std::fs::write(dir.join("day2/broken.nef"), b"II*\0not really a raw").unwrap();
    std::fs::write(dir.join("notes.txt"), b"shot list").unwrap();
}

/// `folder` with `count` copies of the fixture `source`, named
/// `{stem}00.dng`, `{stem}01.dng`, ...
fn copies(folder: &Path, source: &str, stem: &str, count: usize) -> PathBuf {
    std::fs::create_dir_all(folder).unwrap();
    for i in 0..count {
        std::fs::copy(fixture(source), folder.join(format!("{stem}{i:02}.dng"))).unwrap();
    }
    folder.to_path_buf()
}

fn tree(dir: &Path) -> Vec<String> {
    fn go(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                go(root, &p, out);
            } else {
                out.push(
                    p.strip_prefix(root)
                        .unwrap()
                        .to_string_lossy()
                        .replace('\\', "/"),
                );
            }
        }
    }
    let mut out = Vec::new();
    if dir.exists() {
        go(dir, dir, &mut out);
    }
    out.sort();
    out
}

#[test]
fn a_folder_converts_recursively_with_bad_files_named() {
    let dir = tempdir("recursive");
    shoot(&dir.join("in"));
    let out = dir.join("out");
    let report = dir.join("report.json");
    let o = wisp(&[
        "convert",
        dir.join("in").to_str().unwrap(),
        "-r",
        "-o",
        out.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "one file failed: {stderr}");
    assert!(stderr.contains("broken.nef"), "{stderr}");
    assert!(
        stderr.contains("converted 5, skipped 0, failed 1 of 6"),
        "{stderr}"
    );
    assert_eq!(
        tree(&out),
        [
            "B.jpg",
            "a.jpg",
            "day2/c.jpg",
            "day2/e.jpg",
            "day2/sub/d.jpg"
        ]
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let files = json["files"].as_array().unwrap();
    assert_eq!(files.len(), 6);
    let broken = files
        .iter()
        .find(|f| f["input"].as_str().unwrap().ends_with("broken.nef"))
        .unwrap();
    assert_eq!(broken["status"], "failed");
    assert!(broken["error"].as_str().unwrap().contains("broken.nef"));
    let a = files
        .iter()
        .find(|f| f["input"].as_str().unwrap().ends_with("a.dng"))
        .unwrap();
    assert_eq!(
        (
            a["status"].as_str(),
            a["width"].as_u64(),
            a["height"].as_u64()
        ),
        (Some("converted"), Some(64), Some(48))
    );
    assert!(a["timings"]["develop_ms"].as_f64().unwrap() > 0.0);
    assert_eq!(json["summary"]["converted"], 5);

    // Without -r only the top folder.
    let flat = dir.join("flat");
    let o = wisp(&[
        "convert",
        dir.join("in").to_str().unwrap(),
        "-o",
        flat.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(tree(&flat), ["B.jpg", "a.jpg"]);
}

#[test]
fn existing_outputs_are_skipped_unless_overwrite() {
    let dir = tempdir("skip");
    shoot(&dir.join("in"));
    let out = dir.join("out");
    let input = dir.join("in").join("a.dng");
    assert!(wisp(&[
        "convert",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap()
    ])
    .status
    .success());
    std::fs::write(out.join("a.jpg"), b"an earlier edit").unwrap();
    let o = wisp(&[
        "convert",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("skipped 1"));
    assert_eq!(
        std::fs::read(out.join("a.jpg")).unwrap(),
        b"an earlier edit"
    );
    let o = wisp(&[
        "convert",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--overwrite",
    ]);
    assert!(o.status.success());
    assert!(
        image::open(out.join("a.jpg")).is_ok(),
        "replaced by a real JPEG"
    );
}

#[test]
fn shards_split_the_inputs_without_overlap() {
    let dir = tempdir("shard");
    let shoot = |root: &Path| copies(&root.join("in"), "tests/fixtures/grbg_64x48.dng", "f", 12);
    let convert = |input: &Path, out: &Path, shard: &str| {
        let o = wisp(&[
            "convert",
            input.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--shard",
            shard,
            "-q",
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    let input = shoot(&dir);
    let out = dir.join("out");
    let mut all = Vec::new();
    let mut first = Vec::new();
    for k in 1..=3 {
        convert(&input, &out, &format!("{k}/3"));
        let now = tree(&out);
        let new: Vec<String> = now.iter().filter(|f| !all.contains(*f)).cloned().collect();
        assert!(
            !new.is_empty() && new.len() < 12,
            "shard {k}/3 converted {} files",
            new.len()
        );
        if k == 1 {
            first = new;
        }
        all = now;
    }
    assert_eq!(
        all.len(),
        12,
        "the three shards together convert every file once"
    );
    // Another machine, with the shoot and the output mounted elsewhere,
    // takes the same files for the same shard.
    let elsewhere = dir.join("mnt/nas");
    convert(&shoot(&elsewhere), &elsewhere.join("exports"), "1/3");
    assert_eq!(tree(&elsewhere.join("exports")), first);
    // More shards than files: the empty ones succeed with nothing to do.
    let single = dir.join("single");
    std::fs::create_dir_all(&single).unwrap();
    std::fs::copy(
        fixture("tests/fixtures/grbg_64x48.dng"),
        single.join("only.dng"),
    )
    .unwrap();
    for k in 1..=2 {
        convert(&single, &dir.join("single-out"), &format!("{k}/2"));
    }
    assert_eq!(tree(&dir.join("single-out")), ["only.jpg"]);
    assert!(!wisp(&[
        "convert",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--shard",
        "4/3"
    ])
    .status
    .success());
}

#[test]
fn a_full_disk_fails_the_file_cleanly() {
    // A 96 KiB tmpfs in a private mount namespace: the small file fits, the
    // sample as a 16-bit PNG (2 MB) does not. One encode thread, so the
    // small file is written before the big one fills the disk (with two,
    // either may be the one that meets the full disk).
    let dir = tempdir("full");
    let out = dir.join("out");
    std::fs::create_dir_all(&out).unwrap();
    let small = fixture("tests/fixtures/grbg_64x48.dng");
    let big = fixture("assets/samples/parrots.dng");
    let script = format!(
        "mount -t tmpfs -o size=96k tmpfs {out} && echo kept > {out}/earlier.txt && \
         {wisp} convert {small} {big} -o {out} --format png --bits 16 --cpu --jobs 1; echo exit=$?; ls -a {out}; cat {out}/earlier.txt",
        out = out.display(),
        wisp = env!("CARGO_BIN_EXE_wisp"),
        small = small.display(),
        big = big.display(),
    );
    let o = Command::new("unshare")
        .args(["-rm", "sh", "-c", &script])
        .output()
        .expect("unshare (util-linux) runs");
    let stdout = String::from_utf8_lossy(&o.stdout);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stdout.contains("exit=1"),
        "the run must fail: {stdout}{stderr}"
    );
    assert!(
        stderr.contains("parrots.dng -> ")
            && stderr.contains("parrots.png: cannot")
            && stderr.contains("No space left on device"),
        "the input and the output are named: {stderr}"
    );
    assert!(
        !stderr.contains("wisp-tmp"),
        "not the temporary file: {stderr}"
    );
    let listing: Vec<&str> = stdout
        .lines()
        .filter(|l| {
            !l.starts_with("exit=") && !l.contains(" -> ") && !matches!(*l, "." | ".." | "kept")
        })
        .collect();
    assert_eq!(
        listing,
        ["earlier.txt", "grbg_64x48.png"],
        "no partial file, nothing lost: {stdout}"
    );
    assert!(stdout.contains("kept"));
}

#[test]
fn an_interrupted_run_leaves_no_partial_file_and_can_be_finished() {
    let dir = tempdir("interrupt");
    let input = copies(&dir.join("in"), "assets/samples/parrots.dng", "p", 8);
    let out = dir.join("out");
    let args = [
        "convert",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--format",
        "tiff",
        "--bits",
        "16",
        "--cpu",
        "-q",
    ];
    let mut child = Command::new(env!("CARGO_BIN_EXE_wisp"))
        .args(args)
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(400));
    // Once to stop after the files in progress, again to abort at once.
    for _ in 0..2 {
        let _ = Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status();
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let status = child.wait().unwrap();
    assert_ne!(
        status.code(),
        Some(1),
        "an interrupt is not a failure: {status:?}"
    );
    for f in tree(&out) {
        assert!(
            f.ends_with(".tif") && !f.starts_with('.'),
            "partial file left: {f}"
        );
        assert!(image::open(out.join(&f)).is_ok(), "{f} is incomplete");
    }
    let o = wisp(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(tree(&out).len(), 8);
}

#[test]
fn several_engines_share_a_batch_and_agree() {
    // What `--gpus all` does with several adapters, with two engines that
    // exist on every machine: lavapipe (or the real GPU) and the CPU twin.
    // Every file is developed once, by whichever engine is free, and the
    // report names it; both engines' outputs agree to a code value.
    use std::sync::atomic::AtomicBool;
    use wisp::batch::{self, OutputOptions, Status};
    use wisp::io::output::Format;
    use wisp::{DevelopParams, Engine};

    let dir = tempdir("engines");
    let input = copies(&dir.join("in"), "tests/fixtures/grbg_64x48.dng", "shot", 8);
    let out = dir.join("out");
    let jobs = batch::plan(&[input], false, &out, Format::Png)
        .unwrap()
        .jobs;
    let options = OutputOptions {
        format: Format::Png,
        jpeg: Default::default(),
        overwrite: false,
    };
    // The GPU compiles its kernel up front, or the CPU engine could take
    // every file of this small batch in the meantime.
    let engines = || {
        let gpu = Engine::gpu().expect("GPU tests need an adapter");
        gpu.prepare(&DevelopParams::default());
        vec![gpu, Engine::Cpu]
    };
    let stop = AtomicBool::new(false);
    let reports = batch::run(
        &jobs,
        engines,
        &wisp::sidecar::Resolver::fixed(DevelopParams::default()),
        &options,
        2,
        &stop,
        &|_| {},
    )
    .reports;
    assert_eq!(reports.len(), 8);
    assert!(
        reports.iter().all(|r| r.status == Status::Converted),
        "{reports:?}"
    );
    let by = |prefix: &str| {
        reports
            .iter()
            .filter(|r| r.engine.as_deref().is_some_and(|e| e.starts_with(prefix)))
            .count()
    };
    assert_eq!(by("GPU") + by("CPU"), 8, "{reports:?}");
    assert!(
        by("GPU") > 0 && by("CPU") > 0,
        "one engine sat idle: {reports:?}"
    );
    let pixels = |r: &batch::FileReport| image::open(&r.output).unwrap().into_rgb8().into_raw();
    let first = pixels(&reports[0]);
    for r in &reports[1..] {
        let worst = pixels(r)
            .iter()
            .zip(&first)
            .map(|(a, b)| a.abs_diff(*b))
            .max();
        assert!(
            worst <= Some(1),
            "{} differs by {worst:?}",
            r.output.display()
        );
    }
}

#[test]
fn link_loops_are_searched_once() {
    let dir = tempdir("links");
    let input = copies(&dir.join("in"), "tests/fixtures/grbg_64x48.dng", "g", 1);
    std::os::unix::fs::symlink(".", input.join("s1")).unwrap();
    std::os::unix::fs::symlink(".", input.join("s2")).unwrap();
    std::fs::create_dir_all(input.join("sub")).unwrap();
    std::os::unix::fs::symlink("..", input.join("sub/up")).unwrap();
    let out = dir.join("out");
    let o = wisp_capped(&[
        "convert",
        input.to_str().unwrap(),
        "-r",
        "-o",
        out.to_str().unwrap(),
        "--cpu",
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert_eq!(tree(&out), ["g00.jpg"]);
    for link in ["s1", "s2", "sub/up"] {
        assert!(
            err.contains(&format!(
                "{}: a link to a folder already searched",
                input.join(link).display()
            )),
            "{link} not named: {err}"
        );
    }
}

#[test]
fn a_rerun_into_the_input_folder_finishes_what_is_left() {
    let dir = tempdir("rerun-in-place");
    let input = copies(&dir.join("in"), "tests/fixtures/grbg_64x48.dng", "g", 2);
    std::fs::create_dir_all(input.join("day2")).unwrap();
    std::fs::copy(
        fixture("tests/fixtures/grbg_64x48.dng"),
        input.join("day2/h.dng"),
    )
    .unwrap();
    let run = |extra: &[&str]| {
        let mut args = vec![
            "convert",
            input.to_str().unwrap(),
            "-r",
            "-o",
            input.to_str().unwrap(),
            "--cpu",
        ];
        args.extend_from_slice(extra);
        let o = wisp(&args);
        (
            o.status.success(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let (ok, err) = run(&[]);
    assert!(ok, "{err}");
    let converted = [
        "day2/h.dng",
        "day2/h.jpg",
        "g00.dng",
        "g00.jpg",
        "g01.dng",
        "g01.jpg",
    ];
    assert_eq!(tree(&input), converted);
    // One output lost: the re-run writes it and skips the others.
    std::fs::remove_file(input.join("g01.jpg")).unwrap();
    let (ok, err) = run(&[]);
    assert!(ok, "{err}");
    assert!(
        err.contains("converted 1, skipped 2, failed 0 of 3"),
        "{err}"
    );
    assert_eq!(tree(&input), converted);
    let (ok, err) = run(&["--overwrite"]);
    assert!(ok, "{err}");
    assert!(
        err.contains("converted 3, skipped 0, failed 0 of 3"),
        "{err}"
    );
    assert_eq!(tree(&input), converted);
}
