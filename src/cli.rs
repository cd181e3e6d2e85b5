//! Command-line interface: `wisp convert` and `wisp bench`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use clap::{Args, Parser, Subcommand};
use wisp::io::output::{self, Format};
use wisp::{io, lut, Bits, DevelopParams, Engine, ToneOp, Vignette};

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
    /// Print quality figures.
    #[command(subcommand)]
    Bench(BenchCommand),
}

#[derive(Args)]
struct ConvertArgs {
    /// Raw files (DNG, CR2, NEF, ARW, ...) or developed images.
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// Output folder (created if missing).
    #[arg(short, long)]
    output: PathBuf,
    /// jpeg, png or tiff.
    #[arg(long, default_value = "jpeg")]
    format: Format,
    /// JPEG quality.
    #[arg(long, default_value_t = 92, value_parser = clap::value_parser!(u8).range(1..=100))]
    quality: u8,
    /// Bits per channel: 8, or 16 (PNG and TIFF).
    #[arg(long, default_value_t = 8, value_parser = parse_bits)]
    bits: u8,
    /// `none`, or a .cube 3D LUT file applied to the display-referred image.
    #[arg(long, default_value = "none")]
    look: String,
    /// Tone map: none (clip), aces, agx, filmic, reinhard.
    #[arg(long, default_value = "agx")]
    tone: ToneOp,
    /// Exposure compensation in EV.
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    exposure: f32,
    /// Vignette at the corners in EV (negative darkens).
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    vignette: f32,
    /// Demosaic algorithm (Malvar-He-Cutler).
    #[arg(long, default_value = "mhc", value_parser = ["mhc"])]
    demosaic: String,
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
        Command::Bench(BenchCommand::Demosaic { dataset }) => bench_demosaic(&dataset),
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
    let lut = match args.look.as_str() {
        "none" => None,
        file if Path::new(file)
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("cube")) =>
        {
            Some(Arc::new(
                lut::cube::load(Path::new(file)).map_err(|e| e.to_string())?,
            ))
        }
        other => {
            return Err(format!(
                "unknown look `{other}`: give `none` or a .cube file"
            ))
        }
    };
    let bits = if args.bits == 16 {
        Bits::Sixteen
    } else {
        Bits::Eight
    };
    if bits == Bits::Sixteen && !args.format.supports_16_bit() {
        return Err("--bits 16 needs --format png or tiff (JPEG is 8-bit)".into());
    }
    let params = DevelopParams {
        exposure: args.exposure,
        tone: args.tone,
        lut,
        vignette: Vignette {
            amount: args.vignette,
            ..Vignette::default()
        },
        bits,
        ..DevelopParams::default()
    };
    params.validate().map_err(|e| e.to_string())?;
    Ok(params)
}

/// Output path for each input; two inputs may not share one, and no output
/// may be an input.
fn plan(inputs: &[PathBuf], dir: &Path, format: Format) -> Result<Vec<(PathBuf, PathBuf)>, String> {
    let mut seen: HashMap<PathBuf, &Path> = HashMap::new();
    let canonical_inputs: Vec<PathBuf> = inputs
        .iter()
        .filter_map(|p| p.canonicalize().ok())
        .collect();
    let mut jobs = Vec::new();
    for input in inputs {
        let stem = input
            .file_stem()
            .ok_or_else(|| format!("{}: not a file name", input.display()))?;
        let out = dir.join(format!("{}.{}", stem.to_string_lossy(), format.extension()));
        if let Some(other) = seen.insert(out.clone(), input) {
            return Err(format!(
                "{} and {} would both be written to {}",
                other.display(),
                input.display(),
                out.display()
            ));
        }
        if out
            .canonicalize()
            .is_ok_and(|c| canonical_inputs.contains(&c))
        {
            return Err(format!(
                "{}: output would overwrite an input file",
                out.display()
            ));
        }
        jobs.push((input.clone(), out));
    }
    Ok(jobs)
}

fn convert(args: ConvertArgs) -> Result<ExitCode, String> {
    let params = params(&args)?;
    let jobs = plan(&args.inputs, &args.output, args.format)?;
    std::fs::create_dir_all(&args.output)
        .map_err(|e| format!("{}: cannot create: {e}", args.output.display()))?;
    let engine = engine(args.cpu);
    eprintln!(
        "wisp: developing {} file(s) on {}",
        jobs.len(),
        engine.describe()
    );
    let mut failed = 0;
    for (input, out) in &jobs {
        let start = Instant::now();
        let result = io::load(input)
            .map_err(wisp::Error::from)
            .and_then(|source| engine.develop(&source, &params))
            .and_then(|image| {
                output::write(&image, out, args.format, args.quality)?;
                Ok(image)
            });
        match result {
            Ok(image) => println!(
                "{} -> {} ({}x{}, {:.2} s)",
                input.display(),
                out.display(),
                image.width,
                image.height,
                start.elapsed().as_secs_f64()
            ),
            Err(e) => {
                eprintln!("wisp: {e}");
                failed += 1;
            }
        }
    }
    if failed > 0 {
        eprintln!("wisp: {failed} of {} file(s) failed", jobs.len());
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
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
