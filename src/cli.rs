//! Command-line interface: `wisp convert` and `wisp bench`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::{Args, Parser, Subcommand};
use wisp::io::output::{self, Format};
use wisp::{io, looks, lut, Bits, DevelopParams, Engine, ToneOp, Vignette};

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
        Command::Looks(cmd) => looks_command(cmd),
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
        bits,
        ..DevelopParams::default()
    };
    let mut params = match looks::load(&args.look).map_err(|e| e.to_string())? {
        Some(look) => look.params(&base),
        None => base,
    };
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
            output::write(&sheet, &out, Format::Png, 100).map_err(|e| e.to_string())?;
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
