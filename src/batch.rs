//! Batch conversion: find the inputs, plan where each output goes, then
//! decode (CPU threads), develop (two threads per GPU) and encode (CPU
//! threads) with the three overlapping across files. Bounded queues keep
//! only a few frames in flight, so memory stays flat for any batch length.
//! A file that fails is reported and the rest carry on.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::sync_channel;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use serde::Serialize;

use crate::frame::{Photo, RawFrame, Rendered, Source};
use crate::io::output::{self, Format, JpegOptions, Metadata};
use crate::params::DevelopParams;
use crate::sidecar::Resolver;
use crate::{io, Engine};

/// Extensions picked up when a folder is given (compared case-insensitively).
pub const EXTENSIONS: &[&str] = &[
    "dng", "cr2", "cr3", "nef", "arw", "raf", "orf", "rw2", "pef", "srw", "png", "jpg", "jpeg",
    "tif", "tiff",
];

/// One file to convert.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Job {
    pub input: PathBuf,
    pub output: PathBuf,
}

/// What [`plan`] found: the jobs, and notes on what it left out.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    pub jobs: Vec<Job>,
    /// Links to folders already searched (a link loop, or the same folder
    /// twice), each named once.
    pub skipped: Vec<String>,
}

/// Every input file under `inputs` (folders searched for [`EXTENSIONS`],
/// recursively if asked, each folder once however many links lead to it),
/// each with its output path in `out_dir`; a file found in a sub-folder
/// keeps that sub-folder under `out_dir`.
///
/// A file found in a folder is no input when it is the output another input
/// of this run writes: with `out_dir` in the input folders, a re-run would
/// otherwise take the outputs of the last run for inputs and refuse every
/// file as overwriting one. Such a file stays an output (skipped as
/// existing, or replaced with `--overwrite`). Files named on the command
/// line are always inputs.
pub fn plan(
    inputs: &[PathBuf],
    recursive: bool,
    out_dir: &Path,
    format: Format,
) -> Result<Plan, String> {
    // (file, path relative to the output folder without extension, found in a folder)
    let mut found: Vec<(PathBuf, PathBuf, bool)> = Vec::new();
    let mut walker = Walker {
        recursive,
        visited: HashSet::new(),
        skipped: Vec::new(),
    };
    for input in inputs {
        let meta = std::fs::metadata(input).map_err(|e| format!("{}: {e}", input.display()))?;
        if meta.is_dir() {
            let before = found.len();
            if walker.first_visit(input, &meta) {
                walker.walk(input, input, &mut found)?;
            }
            found[before..].sort();
        } else {
            let stem = input
                .file_stem()
                .ok_or_else(|| format!("{}: not a file name", input.display()))?;
            found.push((input.clone(), PathBuf::from(stem), false));
        }
    }
    let output_of = |rel: &Path| {
        let mut output = out_dir.join(rel);
        output.set_extension(format.extension());
        output
    };
    // Outputs that exist already, by their canonical path, with the inputs
    // that write them.
    let mut outputs: HashMap<PathBuf, Vec<&Path>> = HashMap::new();
    for (f, rel, _) in &found {
        if let Ok(c) = output_of(rel).canonicalize() {
            outputs.entry(c).or_default().push(f);
        }
    }
    let earlier_output = |file: &Path| {
        file.canonicalize()
            .ok()
            .and_then(|c| outputs.get(&c))
            .is_some_and(|writers| writers.iter().any(|w| *w != file))
    };
    let found: Vec<(PathBuf, PathBuf)> = found
        .iter()
        .filter(|(f, _, in_folder)| !(*in_folder && earlier_output(f)))
        .map(|(f, rel, _)| (f.clone(), rel.clone()))
        .collect();
    let canonical_inputs: Vec<PathBuf> = found
        .iter()
        .filter_map(|(f, _)| f.canonicalize().ok())
        .collect();
    let mut seen: HashMap<PathBuf, PathBuf> = HashMap::new();
    let mut jobs = Vec::with_capacity(found.len());
    for (input, rel) in found {
        let output = output_of(&rel);
        if let Some(other) = seen.insert(output.clone(), input.clone()) {
            return Err(format!(
                "{} and {} would both be written to {}",
                other.display(),
                input.display(),
                output.display()
            ));
        }
        if output
            .canonicalize()
            .is_ok_and(|c| canonical_inputs.contains(&c))
        {
            return Err(format!(
                "{}: output would overwrite an input file",
                output.display()
            ));
        }
        jobs.push(Job { input, output });
    }
    Ok(Plan {
        jobs,
        skipped: walker.skipped,
    })
}

/// Searches folders, each once: a link back to a folder already searched
/// (`ln -s . d/loop`) would otherwise be followed without end.
struct Walker {
    recursive: bool,
    /// (device, inode) of every folder searched.
    visited: HashSet<(u64, u64)>,
    skipped: Vec<String>,
}

impl Walker {
    /// Whether the folder `dir` (with metadata `meta`, links followed) is
    /// new; if not, it is noted as skipped.
    fn first_visit(&mut self, dir: &Path, meta: &std::fs::Metadata) -> bool {
        #[cfg(unix)]
        let key = {
            use std::os::unix::fs::MetadataExt;
            (meta.dev(), meta.ino())
        };
        // Elsewhere, by the folder's canonical path.
        #[cfg(not(unix))]
        let key = {
            let _ = meta;
            let path = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
            (0, fnv1a(path.to_string_lossy().as_bytes()))
        };
        let new = self.visited.insert(key);
        if !new {
            self.skipped.push(format!(
                "{}: a link to a folder already searched",
                dir.display()
            ));
        }
        new
    }

    fn walk(
        &mut self,
        root: &Path,
        dir: &Path,
        found: &mut Vec<(PathBuf, PathBuf, bool)>,
    ) -> Result<(), String> {
        let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for entry in entries {
            let path = entry.map_err(|e| format!("{}: {e}", dir.display()))?.path();
            if let Some(meta) = std::fs::metadata(&path).ok().filter(|m| m.is_dir()) {
                if self.recursive && self.first_visit(&path, &meta) {
                    self.walk(root, &path, found)?;
                }
                continue;
            }
            let ext = io::extension(&path);
            if EXTENSIONS.contains(&ext.as_str()) {
                let rel = path.strip_prefix(root).unwrap_or(&path).with_extension("");
                found.push((path, rel, true));
            }
        }
        Ok(())
    }
}

/// Keep the jobs of shard `k` of `n` (1-based). A file's shard comes from
/// a hash of its output path inside `out_dir` (sub-folders and name), so it
/// depends neither on listing order, nor on which other files exist, nor on
/// where each machine mounts the shoot and the output.
pub fn shard(jobs: Vec<Job>, out_dir: &Path, k: usize, n: usize) -> Vec<Job> {
    let key = |j: &Job| {
        let relative = j.output.strip_prefix(out_dir).unwrap_or(&j.output);
        fnv1a(relative.to_string_lossy().as_bytes())
    };
    jobs.into_iter()
        .filter(|j| key(j) % n as u64 == (k - 1) as u64)
        .collect()
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf29ce484222325u64, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x100000001b3)
    })
}

/// How one file ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Converted,
    Skipped,
    Failed,
}

/// Milliseconds spent in each phase.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Timings {
    pub decode_ms: f64,
    pub develop_ms: f64,
    pub encode_ms: f64,
}

/// What happened to one file (one entry of `--report`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FileReport {
    pub input: PathBuf,
    pub output: PathBuf,
    pub status: Status,
    pub width: Option<usize>,
    pub height: Option<usize>,
    /// Which engine developed it (with several GPUs, which one).
    pub engine: Option<String>,
    /// The sidecar whose settings developed it.
    pub sidecar: Option<PathBuf>,
    /// The camera profile that developed it: its name, and where it came
    /// from (`embedded` or the `.dcp` file); none without one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// What the file says that was not applied (a DNG's optional opcodes).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    pub timings: Timings,
    pub error: Option<String>,
}

impl FileReport {
    fn new(job: &Job, status: Status) -> Self {
        FileReport {
            input: job.input.clone(),
            output: job.output.clone(),
            status,
            width: None,
            height: None,
            engine: None,
            sidecar: None,
            profile: None,
            notes: Vec::new(),
            timings: Timings::default(),
            error: None,
        }
    }

    fn failed(mut self, error: String) -> Self {
        self.status = Status::Failed;
        self.error = Some(error);
        self
    }

    pub fn megapixels(&self) -> f64 {
        match (self.width, self.height) {
            (Some(w), Some(h)) => (w * h) as f64 / 1e6,
            _ => 0.0,
        }
    }
}

/// How to write the outputs.
#[derive(Clone, Debug)]
pub struct OutputOptions {
    pub format: Format,
    pub jpeg: JpegOptions,
    pub overwrite: bool,
}

/// Convert `jobs`, each with the development `develop` resolves for it
/// (its sidecar's settings under the command line's): `threads` decode and as many encode CPU threads around
/// two develop threads per GPU engine (one for the CPU engine). `engines`
/// is called once, while the first files decode: starting a GPU takes as
/// long as decoding a raw.
/// `on_done` is called once per file as it finishes (from any thread);
/// `stop` ends the run early, between files.
pub fn run(
    jobs: &[Job],
    engines: impl FnOnce() -> Vec<Engine>,
    develop: &Resolver,
    out: &OutputOptions,
    threads: usize,
    stop: &AtomicBool,
    on_done: &(dyn Fn(&FileReport) + Sync),
) -> Outcome {
    let threads = threads.max(1);
    let reports: Mutex<Vec<Option<FileReport>>> = Mutex::new(vec![None; jobs.len()]);
    let finish = |i: usize, r: FileReport| {
        on_done(&r);
        reports.lock().expect("report lock")[i] = Some(r);
    };
    // Existing outputs are settled before any work starts.
    let mut todo = Vec::new();
    for (i, job) in jobs.iter().enumerate() {
        if !out.overwrite && job.output.exists() {
            let mut r = FileReport::new(job, Status::Skipped);
            r.error = Some("output exists (use --overwrite to replace it)".into());
            finish(i, r);
        } else {
            todo.push(i);
        }
    }
    let next = Mutex::new(todo.into_iter());
    // Frames in flight: one per decode thread, up to `threads` waiting in
    // this queue, one per develop thread; so memory stays flat.
    let (decoded_tx, decoded_rx) =
        sync_channel::<(usize, FileReport, Source, Arc<DevelopParams>)>(threads);
    let decoded_rx = Arc::new(Mutex::new(decoded_rx));
    let started: OnceLock<Vec<Engine>> = OnceLock::new();

    std::thread::scope(|s| {
        for _ in 0..threads {
            let tx = decoded_tx.clone();
            let (next, finish) = (&next, &finish);
            s.spawn(move || loop {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let Some(i) = next.lock().expect("queue lock").next() else {
                    break;
                };
                let job = &jobs[i];
                let start = Instant::now();
                let mut report = FileReport::new(job, Status::Converted);
                let params = match develop.resolve(&job.input) {
                    Ok(resolved) => {
                        report.sidecar = resolved.sidecar;
                        resolved.params
                    }
                    Err(e) => {
                        finish(i, report.failed(e));
                        continue;
                    }
                };
                match io::load(&job.input) {
                    Ok(source) => {
                        report.timings.decode_ms = ms(start);
                        report.notes.clone_from(&source.notes);
                        report
                            .notes
                            .extend(params.profile.mismatch(source.colour.as_deref()));
                        if let Photo::Raw(RawFrame {
                            noise: Some(model), ..
                        }) = &source.photo
                        {
                            let quality = params.denoise_quality;
                            report.notes.push(params.denoise.describe(quality, model));
                        }
                        if tx.send((i, report, source, params)).is_err() {
                            break;
                        }
                    }
                    Err(e) => finish(i, report.failed(e.to_string())),
                }
            });
        }
        drop(decoded_tx);
        let engines = started.get_or_init(engines);
        let (developed_tx, developed_rx) =
            sync_channel::<(usize, FileReport, Rendered, Metadata, &Engine)>(
                2 * engines.len().max(1),
            );
        let developed_rx = Arc::new(Mutex::new(developed_rx));
        // Two threads per GPU: while one uploads a frame and copies its
        // pixels out, the device develops the other's (on lavapipe a core
        // sat idle for 30-40 ms of every frame with one).
        let develop_threads = engines
            .iter()
            .flat_map(|e| std::iter::repeat_n(e, if e.is_gpu() { 2 } else { 1 }));
        for engine in develop_threads {
            let rx = Arc::clone(&decoded_rx);
            let tx = developed_tx.clone();
            let finish = &finish;
            s.spawn(move || {
                // Compiled while the first files decode; a photo with
                // other settings compiles its own kernels when it comes.
                if let Ok(params) = develop.defaults() {
                    engine.prepare(&params);
                }
                loop {
                    let Ok((i, mut report, source, params)) =
                        rx.lock().expect("decoded lock").recv()
                    else {
                        break;
                    };
                    let start = Instant::now();
                    // A bug must fail its photo, not stop the others.
                    let developed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        engine.develop(&source, &params).map_err(|e| e.to_string())
                    }))
                    .unwrap_or_else(|_| {
                        Err(
                            "internal error while developing (a bug in wisp: please report it)"
                                .to_string(),
                        )
                    });
                    let meta = Metadata::for_source(&source, params.colorspace);
                    report.profile = profile_used(&source, &params);
                    // The raw frame's memory is free for the next decode
                    // while this image waits for an encoder.
                    drop(source);
                    match developed {
                        Ok(image) => {
                            report.timings.develop_ms = ms(start);
                            report.width = Some(image.width);
                            report.height = Some(image.height);
                            report.engine = Some(engine.describe());
                            if tx.send((i, report, image, meta, engine)).is_err() {
                                break;
                            }
                        }
                        Err(e) => finish(i, report.failed(e)),
                    }
                }
            });
        }
        // The develop threads hold the queue's receiver alone: should they
        // all end, the decoders' sends fail instead of waiting forever.
        drop(decoded_rx);
        drop(developed_tx);
        for _ in 0..threads {
            let rx = Arc::clone(&developed_rx);
            let finish = &finish;
            s.spawn(move || loop {
                let Ok((i, mut report, image, meta, engine)) =
                    rx.lock().expect("developed lock").recv()
                else {
                    break;
                };
                let start = Instant::now();
                let written = report
                    .output
                    .parent()
                    .map_or(Ok(()), |dir| {
                        std::fs::create_dir_all(dir)
                            .map_err(|e| format!("{}: cannot create: {e}", dir.display()))
                    })
                    .and_then(|()| {
                        output::write(&image, &report.output, out.format, out.jpeg, &meta)
                            .map_err(|e| format!("{} -> {e}", report.input.display()))
                    });
                report.timings.encode_ms = ms(start);
                engine.recycle(image);
                finish(
                    i,
                    match written {
                        Ok(()) => report,
                        Err(e) => report.failed(e),
                    },
                );
            });
        }
        drop(developed_rx);
    });
    let reports = reports
        .into_inner()
        .expect("report lock")
        .into_iter()
        .enumerate()
        .filter_map(|(i, r)| {
            r.or_else(|| stop.load(Ordering::Relaxed).then(|| interrupted(&jobs[i])))
        })
        .collect();
    Outcome {
        reports,
        engines: started.into_inner().unwrap_or_default(),
    }
}

/// What [`run`] leaves: a report per job, in `jobs` order, and the engines
/// it started (none if every output already existed).
pub struct Outcome {
    pub reports: Vec<FileReport>,
    pub engines: Vec<Engine>,
}

/// How a report names the camera profile `params` develop `source` with.
fn profile_used(source: &Source, params: &DevelopParams) -> Option<String> {
    let profiled = source.profiled(params).ok()?;
    let profile = profiled.camera_profile.as_ref()?;
    let from = params.profile.name();
    Some(match &profile.name {
        Some(name) => format!("{name} ({from})"),
        None => from,
    })
}

fn interrupted(job: &Job) -> FileReport {
    let mut r = FileReport::new(job, Status::Skipped);
    r.error = Some("interrupted before it started".into());
    r
}

fn ms(start: Instant) -> f64 {
    start.elapsed().as_secs_f64() * 1000.0
}
