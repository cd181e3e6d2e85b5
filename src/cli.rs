//! Command-line interface: `wisp convert` and `wisp bench`.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use clap::{Args, Parser, Subcommand};
use wisp::io::output::{self, Format};
use wisp::params::ColorSpace;
use wisp::{batch, io, looks, lut, Bits, DevelopParams, Engine, ToneOp, Vignette};

#[derive(Parser)]
#[command(name = "wisp", version, about = "Develop camera raw photos on the GPU")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Develop raw files (and PNG/JPEG/TIFF images) into DIR/<stem>.<ext>.
    Convert(ConvertArgs),
    /// Built-in looks and presets: list, show, export, compare, rebuild.
    #[command(subcommand)]
    Looks(LooksCommand),
    /// Print quality figures.
    #[command(subcommand)]
    Bench(BenchCommand),
}

#[derive(Subcommand)]
enum LooksCommand {
    /// Name and one-line description of each built-in look.
    List,
    /// Every parameter of a look (built-in name or .toml preset).
    Show { look: String },
    /// Bake a whole look (tone map and grade, not the vignette) into one
    /// .cube for other tools; its input is a neutral development.
    Export {
        look: String,
        out: PathBuf,
        #[arg(long, default_value_t = 33, value_parser = clap::value_parser!(u16).range(2..=256))]
        size: u16,
    },
    /// Render one photo in several looks on one contact sheet (PNG).
    Book {
        input: PathBuf,
        #[arg(short, long)]
        output: PathBuf,
        /// Comma-separated looks (default: every built-in look).
        #[arg(long, value_delimiter = ',')]
        looks: Vec<String>,
        #[arg(long)]
        cpu: bool,
    },
    /// Rebuild the built-in looks' LUTs (<dir>/<name>.cube) from their grades.
    Bake {
        #[arg(long, default_value = "assets/looks")]
        dir: PathBuf,
    },
}

#[derive(Args)]
struct ConvertArgs {
    /// Raw files (DNG, CR2, NEF, ARW, ...), developed images, or folders of them.
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// Output folder (created if missing); sub-folders of inputs are mirrored.
    #[arg(short, long)]
    output: PathBuf,
    /// Search folders recursively.
    #[arg(short, long)]
    recursive: bool,
    /// Replace outputs that exist (otherwise they are skipped).
    #[arg(long)]
    overwrite: bool,
    /// CPU threads for decoding and encoding, and slices per JPEG [default: all cores].
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    jobs: Option<u16>,
    /// Process only shard K of N (e.g. 3/8), a deterministic part of the inputs.
    #[arg(long, value_parser = parse_shard)]
    shard: Option<(usize, usize)>,
    /// GPUs to use: 1, or `all` (one pipeline per adapter).
    #[arg(long, default_value = "1", value_parser = ["1", "all"])]
    gpus: String,
    /// Write a JSON report of every file (status, size, timings, error).
    #[arg(long)]
    report: Option<PathBuf>,
    /// Print only errors and the summary.
    #[arg(short, long, conflicts_with = "verbose")]
    quiet: bool,
    /// Print every file with its timings.
    #[arg(short, long)]
    verbose: bool,
    /// jpeg, png or tiff.
    #[arg(long, default_value = "jpeg")]
    format: Format,
    /// JPEG quality.
    #[arg(long, default_value_t = output::JpegOptions::default().quality, value_parser = clap::value_parser!(u8).range(1..=100))]
    quality: u8,
    /// JPEG chroma subsampling: auto (4:4:4 from quality 90 up, 4:2:0
    /// below), 444, 422 or 420.
    #[arg(long, default_value = "auto")]
    chroma: output::Chroma,
    /// Bits per channel: 8, or 16 (PNG and TIFF).
    #[arg(long, default_value_t = 8, value_parser = parse_bits)]
    bits: u8,
    /// A built-in look (see `wisp looks list`), a .toml preset, a LUT file
    /// (.cube, .3dl, Hald .png/.tif), or `none`.
    #[arg(long, default_value = "neutral")]
    look: String,
    /// Tone map: none (clip), aces, agx, filmic, reinhard [default: the look's].
    #[arg(long)]
    tone: Option<ToneOp>,
    /// Exposure compensation in EV, added to the look's.
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    exposure: f32,
    /// Vignette at the corners in EV, negative darkens [default: the look's].
    #[arg(long, allow_negative_numbers = true)]
    vignette: Option<f32>,
    /// Demosaic algorithm (Malvar-He-Cutler).
    #[arg(long, default_value = "mhc", value_parser = ["mhc"])]
    demosaic: String,
    /// Output colour space: srgb, or display-p3 (wider primaries; the P3 profile is embedded).
    #[arg(long, default_value = "srgb")]
    colorspace: ColorSpace,
    /// Downscale (on the GPU, area-average filter) so the long edge is at most PX.
    #[arg(long, value_name = "PX", value_parser = clap::value_parser!(u32).range(1..))]
    max_size: Option<u32>,
    /// Refuse photos of more pixels than N (samples, for raw data with
    /// several per pixel), before decoding them.
    #[arg(long, value_name = "N", default_value_t = io::DEFAULT_MAX_PIXELS, value_parser = clap::value_parser!(u64).range(1..))]
    max_pixels: u64,
    /// Develop on the CPU instead of the GPU.
    #[arg(long)]
    cpu: bool,
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Demosaic accuracy: CPSNR on a folder of 8-bit images (e.g. Kodak).
    Demosaic {
        #[arg(long)]
        dataset: PathBuf,
    },
    /// Time each phase of developing one photo: decode, develop (several
    /// runs), JPEG encode.
    Develop {
        photo: PathBuf,
        /// Development runs.
        #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
        runs: u32,
        /// Tone map [default: the neutral look's].
        #[arg(long)]
        tone: Option<ToneOp>,
        /// Develop on the CPU instead of the GPU.
        #[arg(long)]
        cpu: bool,
    },
}

fn parse_shard(s: &str) -> Result<(usize, usize), String> {
    let (k, n) = s.split_once('/').ok_or("expected K/N, e.g. 2/8")?;
    let k: usize = k.parse().map_err(|_| "K must be a number")?;
    let n: usize = n.parse().map_err(|_| "N must be a number")?;
    if n == 0 || k == 0 || k > n {
        return Err("need 1 <= K <= N".into());
    }
    Ok((k, n))
}

fn parse_bits(s: &str) -> Result<u8, String> {
    match s {
        "8" => Ok(8),
        "16" => Ok(16),
        _ => Err("must be 8 or 16".into()),
    }
}

pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Convert(args) => convert(args),
        Command::Looks(cmd) => looks_command(cmd),
        Command::Bench(BenchCommand::Demosaic { dataset }) => bench_demosaic(&dataset),
        Command::Bench(BenchCommand::Develop {
            photo,
            runs,
            tone,
            cpu,
        }) => bench_develop(&photo, runs as usize, tone, cpu),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("wisp: {message}");
            ExitCode::FAILURE
        }
    }
}

fn engine(cpu: bool) -> Engine {
    if cpu {
        return Engine::Cpu;
    }
    match Engine::gpu() {
        Ok(engine) => engine,
        Err(e) => {
            eprintln!("wisp: warning: {e}");
            eprintln!("wisp: warning: falling back to the CPU path (slower)");
            Engine::Cpu
        }
    }
}

fn params(args: &ConvertArgs) -> Result<DevelopParams, String> {
    let bits = if args.bits == 16 {
        Bits::Sixteen
    } else {
        Bits::Eight
    };
    if bits == Bits::Sixteen && !args.format.supports_16_bit() {
        return Err("--bits 16 needs --format png or tiff (JPEG is 8-bit)".into());
    }
    let base = DevelopParams {
        exposure: args.exposure,
        max_size: args.max_size,
        colorspace: args.colorspace,
        bits,
        ..DevelopParams::default()
    };
    let mut params = looks::params(&args.look, &base).map_err(|e| e.to_string())?;
    // Explicit flags win over the look.
    if let Some(tone) = args.tone {
        params.tone = tone;
    }
    if let Some(amount) = args.vignette {
        params.vignette = Vignette {
            amount,
            ..params.vignette
        };
    }
    params.validate().map_err(|e| e.to_string())?;
    Ok(params)
}

fn engines(args: &ConvertArgs) -> Vec<Engine> {
    if args.gpus == "all" && !args.cpu {
        match wisp::gpu::Gpu::all() {
            Ok(gpus) => return gpus.into_iter().map(Engine::on).collect(),
            Err(e) => eprintln!("wisp: warning: {e}"),
        }
    }
    vec![engine(args.cpu)]
}

/// Set on the first Ctrl-C; a second one removes partial files and exits.
static STOP: AtomicBool = AtomicBool::new(false);

fn convert(args: ConvertArgs) -> Result<ExitCode, String> {
    io::set_max_pixels(args.max_pixels);
    let params = params(&args)?;
    let plan = batch::plan(&args.inputs, args.recursive, &args.output, args.format)?;
    if !args.quiet {
        for note in &plan.skipped {
            eprintln!("wisp: skipped {note}");
        }
    }
    let mut jobs = plan.jobs;
    if jobs.is_empty() {
        let searched: Vec<String> = args
            .inputs
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        return Err(format!(
            "no input files in {} (folders are searched for raw and image extensions; -r searches sub-folders)",
            searched.join(", ")
        ));
    }
    if let Some((k, n)) = args.shard {
        jobs = batch::shard(jobs, &args.output, k, n);
        if jobs.is_empty() {
            // Not an error: with more shards than files some get none, and
            // a scheduler must not count that task as failed.
            if !args.quiet {
                eprintln!("wisp: shard {k}/{n} has no files");
            }
            return Ok(ExitCode::SUCCESS);
        }
    }
    std::fs::create_dir_all(&args.output)
        .map_err(|e| format!("{}: cannot create: {e}", args.output.display()))?;
    let _ = ctrlc::set_handler(|| {
        if STOP.swap(true, Ordering::SeqCst) {
            output::abort_writes(130);
        }
        eprintln!("\nwisp: stopping after the files in progress (Ctrl-C again to abort)");
    });
    let threads = args.jobs.map_or_else(
        || std::thread::available_parallelism().map_or(2, |n| n.get()),
        |j| j as usize,
    );
    let progress = Progress::new(jobs.len(), args.quiet, args.verbose);
    let start_engines = || {
        let engines = engines(&args);
        if !args.quiet {
            let on: Vec<String> = engines.iter().map(Engine::describe).collect();
            progress.say(format!(
                "wisp: {} file(s) on {}, {threads} CPU thread(s)",
                jobs.len(),
                on.join(" + ")
            ));
        }
        engines
    };
    let out = batch::OutputOptions {
        format: args.format,
        jpeg: output::JpegOptions {
            quality: args.quality,
            chroma: args.chroma,
            threads,
        },
        overwrite: args.overwrite,
    };
    let start = Instant::now();
    let batch::Outcome { reports, engines } =
        batch::run(&jobs, start_engines, &params, &out, threads, &STOP, &|r| {
            progress.file_done(r)
        });
    // The process ends here, and its memory goes back to the system in one
    // go; dropping a device first frees its buffers one at a time (30-40 ms
    // of a batch's wall time on lavapipe, with nothing left to overlap).
    std::mem::forget(engines);
    let elapsed = start.elapsed().as_secs_f64();
    progress.finish();

    let count = |s: batch::Status| reports.iter().filter(|r| r.status == s).count();
    let (converted, skipped, failed) = (
        count(batch::Status::Converted),
        count(batch::Status::Skipped),
        count(batch::Status::Failed),
    );
    let megapixels: f64 = reports
        .iter()
        .filter(|r| r.status == batch::Status::Converted)
        .map(|r| r.megapixels())
        .sum();
    let summary = format!(
        "converted {converted}, skipped {skipped}, failed {failed} of {} in {elapsed:.2} s ({:.1} MP/s)",
        reports.len(),
        megapixels / elapsed.max(1e-9)
    );
    eprintln!("wisp: {summary}");
    if let Some(path) = &args.report {
        let json = serde_json::json!({
            "summary": { "converted": converted, "skipped": skipped, "failed": failed, "seconds": elapsed, "megapixels": megapixels },
            "files": reports,
        });
        let text = serde_json::to_string_pretty(&json).map_err(|e| e.to_string())?;
        output::write_text(path, &text).map_err(|e| e.to_string())?;
    }
    if STOP.load(Ordering::SeqCst) {
        eprintln!("wisp: interrupted; run the same command again to convert the rest");
        return Ok(ExitCode::from(130));
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// A progress bar on a terminal, plain lines otherwise.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    quiet: bool,
    verbose: bool,
    start: Instant,
    megapixels: std::sync::Mutex<f64>,
}

impl Progress {
    fn new(total: usize, quiet: bool, verbose: bool) -> Self {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::new(total as u64);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{bar:32.cyan/blue} {pos}/{len} files  {msg}  ETA {eta}",
                )
                .expect("valid template"),
            );
            bar
        });
        Progress {
            bar,
            quiet,
            verbose,
            start: Instant::now(),
            megapixels: std::sync::Mutex::new(0.0),
        }
    }

    /// A line on stderr, above the bar if there is one.
    fn say(&self, line: String) {
        match &self.bar {
            Some(bar) => bar.println(line),
            None => eprintln!("{line}"),
        }
    }

    fn file_done(&self, r: &batch::FileReport) {
        let line = match (&r.status, &r.error) {
            (batch::Status::Failed, Some(e)) => Some(format!("wisp: failed: {e}")),
            (batch::Status::Skipped, e) if !self.quiet => Some(format!(
                "skipped {}: {}",
                r.output.display(),
                e.as_deref().unwrap_or("")
            )),
            (batch::Status::Converted, _) if self.verbose => Some(format!(
                "{} -> {} ({}x{}; decode {:.0} ms, develop {:.0} ms, encode {:.0} ms)",
                r.input.display(),
                r.output.display(),
                r.width.unwrap_or(0),
                r.height.unwrap_or(0),
                r.timings.decode_ms,
                r.timings.develop_ms,
                r.timings.encode_ms
            )),
            (batch::Status::Converted, _) if !self.quiet && self.bar.is_none() => {
                Some(format!("{} -> {}", r.input.display(), r.output.display()))
            }
            _ => None,
        };
        let mp = {
            let mut m = self.megapixels.lock().expect("progress lock");
            *m += r.megapixels();
            *m
        };
        match &self.bar {
            Some(bar) => {
                if let Some(l) = line {
                    bar.println(l);
                }
                bar.set_message(format!(
                    "{:.1} MP/s",
                    mp / self.start.elapsed().as_secs_f64().max(1e-9)
                ));
                bar.inc(1);
            }
            None => {
                if let Some(l) = line {
                    if r.status == batch::Status::Failed {
                        eprintln!("{l}");
                    } else {
                        println!("{l}");
                    }
                }
            }
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

fn bench_demosaic(dataset: &Path) -> Result<ExitCode, String> {
    let pipeline = match engine(false) {
        Engine::Gpu(p) => p,
        Engine::Cpu => {
            return Err("the demosaic benchmark runs on the GPU; no adapter was found".into())
        }
    };
    println!("demosaic: Malvar-He-Cutler on {}", pipeline.gpu().info.name);
    let mean = wisp::bench::demosaic_dataset(&pipeline, dataset, |name, db| {
        println!("{name}: {db:.2} dB")
    })
    .map_err(|e| e.to_string())?;
    println!("mean CPSNR: {mean:.2} dB");
    Ok(ExitCode::SUCCESS)
}

fn bench_develop(
    photo: &Path,
    runs: usize,
    tone: Option<ToneOp>,
    cpu: bool,
) -> Result<ExitCode, String> {
    let engine = engine(cpu);
    let mut params =
        looks::params("neutral", &DevelopParams::default()).map_err(|e| e.to_string())?;
    if let Some(tone) = tone {
        params.tone = tone;
    }
    let t = wisp::bench::phase_times(&engine, photo, &params, runs).map_err(|e| e.to_string())?;
    let mut sorted = t.develop.clone();
    sorted.sort_by(f64::total_cmp);
    println!(
        "{} ({}x{}) on {}, tone {:?}",
        photo.display(),
        t.width,
        t.height,
        engine.describe(),
        params.tone
    );
    println!("decode: {:.1} ms", t.decode);
    println!(
        "develop: best {:.1} ms, median {:.1} ms over {runs} runs; first run {:.1} ms",
        sorted[0],
        sorted[sorted.len() / 2],
        t.develop[0]
    );
    println!("encode (JPEG q92): {:.1} ms", t.encode);
    Ok(ExitCode::SUCCESS)
}

fn looks_command(cmd: LooksCommand) -> Result<ExitCode, String> {
    let load = |spec: &str| -> Result<looks::LoadedLook, String> {
        looks::load(spec)
            .map_err(|e| e.to_string())?
            .ok_or_else(|| "`none` is no look".to_string())
    };
    match cmd {
        LooksCommand::List => {
            for name in looks::builtin_names() {
                let look = load(name)?;
                println!("{name:<10} {}", look.look.description);
            }
        }
        LooksCommand::Show { look } => {
            let look = load(&look)?;
            let mut value = toml::Value::try_from(&look.look).map_err(|e| e.to_string())?;
            tidy_floats(&mut value);
            print!(
                "{}",
                toml::to_string_pretty(&value).map_err(|e| e.to_string())?
            );
        }
        LooksCommand::Export { look, out, size } => {
            let lut = load(&look)?.export(size as usize);
            let text = lut::cube::write(&lut)?;
            output::write_text(&out, &text).map_err(|e| e.to_string())?;
            println!("{look} -> {} ({size}^3)", out.display());
        }
        LooksCommand::Book {
            input,
            output: out,
            looks: names,
            cpu,
        } => {
            let names: Vec<String> = if names.is_empty() {
                looks::builtin_names().map(String::from).collect()
            } else {
                names
            };
            let loaded = names
                .iter()
                .map(|n| load(n))
                .collect::<Result<Vec<_>, _>>()?;
            let source = io::load(&input).map_err(|e| e.to_string())?;
            let engine = engine(cpu);
            let sheet =
                looks::book::contact_sheet(&engine, &source, &loaded, &DevelopParams::default())
                    .map_err(|e| e.to_string())?;
            output::write(
                &sheet,
                &out,
                Format::Png,
                output::JpegOptions::default(),
                &output::Metadata::for_source(&source, wisp::params::ColorSpace::Srgb),
            )
            .map_err(|e| e.to_string())?;
            println!(
                "{} looks -> {} ({}x{})",
                loaded.len(),
                out.display(),
                sheet.width,
                sheet.height
            );
        }
        LooksCommand::Bake { dir } => {
            for (name, _) in looks::BUILTIN {
                let look = load(name)?;
                if look.look.grade.is_none() {
                    continue;
                }
                let lut = lut::Lut {
                    title: Some(format!("wisp {name} grade")),
                    ..(*look.lut.expect("a grade bakes a LUT")).clone()
                };
                let path = dir.join(format!("{name}.cube"));
                output::write_text(&path, &lut::cube::write(&lut)?).map_err(|e| e.to_string())?;
                println!("{name} -> {}", path.display());
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Parameters are f32; print them as written (0.15, not 0.15000000596046448).
fn tidy_floats(v: &mut toml::Value) {
    match v {
        toml::Value::Float(f) => *f = (*f as f32).to_string().parse().unwrap_or(*f),
        toml::Value::Array(a) => a.iter_mut().for_each(tidy_floats),
        toml::Value::Table(t) => t.iter_mut().for_each(|(_, v)| tidy_floats(v)),
        _ => {}
    }
}
