//! Seeded mutation fuzzing of the parsers wisp owns (`.cube`, `.3dl`, Hald
//! images, look presets) and of raw decoding through rawler behind wisp's
//! guards. Real inputs (the sample DNG, the shipped looks and their LUTs)
//! are mutated: bytes flipped or set, fields set to edge values (0, the
//! file's length, 2^31, ...), chunks cut or repeated, lines and words
//! swapped for hostile ones.
//!
//! Each case must end in `Ok` or in an error of one line that names the
//! file: a panic escaping the library fails the test. Memory is bounded by
//! capping this process's address space (`RLIMIT_AS`, 4 GiB) before the
//! first case, so a runaway allocation aborts the test binary instead of
//! eating the machine, and the peak resident memory is checked at the end.
//! A case that fails is written to the temporary folder to replay.
//!
//! About 20 s in all by default; `WISP_FUZZ_SECS=600 cargo test --release
//! --test fuzz -- --nocapture` runs ten minutes (split between the targets
//! in the same proportions), and `WISP_FUZZ_SEED` picks other mutations.

mod common;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::*;
use rand::rngs::StdRng;
use rand::Rng;

/// Address space allowed to this test binary.
const ADDRESS_SPACE: u64 = 4 << 30;
/// Peak resident memory allowed after all cases.
const PEAK_RSS: u64 = 2 << 30;

/// This target's share of the time, in seconds, out of 20 by default.
fn budget(share: f64) -> Duration {
    let total: f64 = std::env::var("WISP_FUZZ_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20.0);
    Duration::from_secs_f64(total * share)
}

fn seed() -> u64 {
    std::env::var("WISP_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(14)
}

fn cap_memory() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let limit = libc::rlimit {
            rlim_cur: ADDRESS_SPACE,
            rlim_max: ADDRESS_SPACE,
        };
        // SAFETY: setrlimit only reads the struct.
        assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_AS, &limit) }, 0);
    });
}

/// Peak resident memory of this process so far, in bytes.
fn peak_rss() -> u64 {
    // SAFETY: getrusage fills the zeroed struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    assert_eq!(unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) }, 0);
    usage.ru_maxrss as u64 * 1024
}

/// Mutate `seed_input` and run `case` on each mutant written to `path`
/// until the time is up: `case` returns the error message, if any.
fn fuzz(
    name: &str,
    seeds: &[Vec<u8>],
    share: f64,
    mutate: fn(&mut StdRng, &mut Vec<u8>),
    case: impl Fn(&Path) -> Option<String>,
) {
    cap_memory();
    let dir = tempdir(&format!("fuzz-{name}"));
    let mut rng = rng(seed() ^ name.len() as u64);
    let (start, time) = (Instant::now(), budget(share));
    let mut cases = 0;
    let file_name = |i: usize| format!("case{i}.{name}");
    while start.elapsed() < time || cases == 0 {
        let mut bytes = seeds[cases % seeds.len()].clone();
        for _ in 0..rng.random_range(1..=4) {
            mutate(&mut rng, &mut bytes);
        }
        let path = dir.join(file_name(cases % 2));
        std::fs::write(&path, &bytes).unwrap();
        let begun = Instant::now();
        let outcome = catch_unwind(AssertUnwindSafe(|| case(&path)));
        let problem = match outcome {
            Err(_) => Some("a panic escaped".to_string()),
            Ok(Some(e)) if e.contains('\n') => Some(format!("a message of several lines: {e}")),
            Ok(Some(e)) if !e.contains(&file_name(cases % 2)) => {
                Some(format!("the file is not named: {e}"))
            }
            _ if begun.elapsed() > Duration::from_secs(10) => Some(format!(
                "{:.1} s for one case",
                begun.elapsed().as_secs_f64()
            )),
            _ => None,
        };
        if let Some(problem) = problem {
            let keep = std::env::temp_dir().join(format!("wisp-fuzz-failure.{name}"));
            std::fs::write(&keep, &bytes).unwrap();
            panic!(
                "{name} case {cases}: {problem} (input kept in {})",
                keep.display()
            );
        }
        cases += 1;
    }
    let peak = peak_rss();
    eprintln!(
        "fuzz {name}: {cases} cases in {:.1} s, peak RSS {} MB",
        start.elapsed().as_secs_f64(),
        peak >> 20
    );
    assert!(peak < PEAK_RSS, "peak RSS {} MB", peak >> 20);
}

/// Values that break assumptions about sizes, counts and offsets.
fn edge_value(rng: &mut StdRng, len: usize) -> u32 {
    let len = len as u32;
    *[
        0,
        1,
        2,
        7,
        8,
        255,
        0xFFFF,
        0x7FFF_FFFF,
        0x8000_0000,
        u32::MAX,
        len,
        len.wrapping_sub(1),
        len.wrapping_sub(4),
        rng.random_range(0..=len),
        rng.random(),
    ]
    .get(rng.random_range(0..15))
    .unwrap()
}

/// Byte-level mutations, most of them in the first `hot` bytes (where a
/// TIFF keeps its IFDs and tag values).
fn mutate_bytes(rng: &mut StdRng, bytes: &mut Vec<u8>, hot: usize) {
    if bytes.is_empty() {
        bytes.push(rng.random());
        return;
    }
    let len = bytes.len();
    let at = if rng.random_bool(0.9) {
        rng.random_range(0..hot.min(len))
    } else {
        rng.random_range(0..len)
    };
    match rng.random_range(0..6) {
        0 => bytes[at] ^= 1 << rng.random_range(0..8),
        1 => bytes[at] = rng.random(),
        2 if at + 4 <= len => {
            let v = edge_value(rng, len);
            bytes[at..at + 4].copy_from_slice(&v.to_le_bytes());
        }
        3 if at + 2 <= len => {
            let v = edge_value(rng, len) as u16;
            bytes[at..at + 2].copy_from_slice(&v.to_le_bytes());
        }
        4 => bytes.truncate(at.max(1)),
        _ => {
            let end = (at + rng.random_range(1..64)).min(len);
            let chunk = bytes[at..end].to_vec();
            let to = rng.random_range(0..len);
            bytes.splice(to..to, chunk);
        }
    }
}

/// Line- and word-level mutations of text, and now and then a byte one.
fn mutate_text(rng: &mut StdRng, bytes: &mut Vec<u8>) {
    if rng.random_bool(0.2) {
        return mutate_bytes(rng, bytes, bytes.len().max(1));
    }
    let text = String::from_utf8_lossy(bytes).into_owned();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    if lines.is_empty() {
        lines.push(String::new());
    }
    const WORDS: [&str; 14] = [
        "0",
        "-1",
        "1e39",
        "-1e39",
        "nan",
        "inf",
        "65536",
        "257",
        "4294967296",
        "x",
        "\"",
        "LUT_3D_SIZE",
        "LUT_1D_SIZE 2",
        "[vignette]",
    ];
    let i = rng.random_range(0..lines.len());
    match rng.random_range(0..5) {
        0 => {
            let mut words: Vec<String> = lines[i].split(' ').map(String::from).collect();
            let w = rng.random_range(0..words.len());
            words[w] = WORDS[rng.random_range(0..WORDS.len())].to_string();
            lines[i] = words.join(" ");
        }
        1 => {
            lines.remove(i);
        }
        2 => {
            let copy = lines[i].clone();
            lines.insert(rng.random_range(0..=lines.len()), copy);
        }
        3 => lines.truncate(i.max(1)),
        _ => {
            let w = WORDS[rng.random_range(0..WORDS.len())];
            lines.insert(i, w.to_string());
        }
    }
    *bytes = lines.join("\n").into_bytes();
}

fn read(path: &str) -> Vec<u8> {
    std::fs::read(fixture(path)).unwrap()
}

#[test]
fn fuzz_raw_decoding() {
    let seeds = vec![
        read("assets/samples/parrots.dng"),
        read("tests/fixtures/rggb_crop.dng"),
    ];
    fuzz(
        "dng",
        &seeds,
        0.4,
        |rng, bytes| mutate_bytes(rng, bytes, 1024),
        |path| wisp::io::load(path).err().map(|e| e.to_string()),
    );
}

#[test]
fn fuzz_cube_files() {
    // Small ones for speed, and a shipped one now and then.
    let small = wisp::looks::load("authentic").unwrap().unwrap().export(5);
    let small = wisp::lut::cube::write(&small).unwrap().into_bytes();
    let mut seeds = vec![small; 15];
    seeds.push(read("assets/looks/vibrant.cube"));
    fuzz("cube", &seeds, 0.2, mutate_text, |path| {
        wisp::lut::load(path).err().map(|e| e.to_string())
    });
}

#[test]
fn fuzz_3dl_files() {
    let mut text = String::from("0 512 1023\n");
    for r in 0..3 {
        for g in 0..3 {
            for b in 0..3 {
                text += &format!("{} {} {}\n", r * 2047, g * 2047, b * 2047);
            }
        }
    }
    fuzz("3dl", &[text.into_bytes()], 0.1, mutate_text, |path| {
        wisp::lut::load(path).err().map(|e| e.to_string())
    });
}

#[test]
fn fuzz_hald_images() {
    let mut png = Vec::new();
    wisp::lut::hald::identity_image(2)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    fuzz(
        "png",
        &[png],
        0.15,
        |rng, bytes| mutate_bytes(rng, bytes, 256),
        |path| wisp::lut::load(path).err().map(|e| e.to_string()),
    );
}

#[test]
fn fuzz_presets() {
    let dir: PathBuf = tempdir("fuzz-preset-luts");
    let seeds: Vec<Vec<u8>> = ["authentic", "vibrant", "mono-hc", "neutral"]
        .iter()
        .map(|n| read(&format!("assets/looks/{n}.toml")))
        .chain([format!(
            "lut = \"{}\"\ntone = \"reinhard\"\n",
            dir.join("l.cube").display()
        )
        .into_bytes()])
        .collect();
    std::fs::write(
        dir.join("l.cube"),
        "LUT_3D_SIZE 2\n0 0 0\n1 0 0\n0 1 0\n1 1 0\n0 0 1\n1 0 1\n0 1 1\n1 1 1\n",
    )
    .unwrap();
    fuzz("toml", &seeds, 0.15, mutate_text, |path| {
        wisp::looks::load(path.to_str().unwrap())
            .err()
            .map(|e| e.to_string())
    });
}
