//! The command line's words: subcommands, options and their parsers.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use wisp::io::output::{self, Format};
use wisp::params::ColorSpace;
use wisp::sidecar::Sidecars;
use wisp::{io, Demosaic, Denoise, DenoiseQuality, ToneOp};

#[derive(Parser)]
#[command(name = "wisp", version = version(), about = "Develop camera raw photos on the GPU")]
pub(super) struct Cli {
    #[command(subcommand)]
    pub(super) command: Command,
}

/// `0.1.0 (JPEG encoder: SIMD)`: a build without nasm is slow, and this
/// is where it shows.
fn version() -> &'static str {
    static LINE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    LINE.get_or_init(|| {
        format!(
            "{} (JPEG encoder: {})",
            env!("CARGO_PKG_VERSION"),
            output::jpeg_encoder()
        )
    })
}

#[derive(Subcommand)]
pub(super) enum Command {
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
pub(super) enum LooksCommand {
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
pub(super) struct ConvertArgs {
    /// Raw files (DNG, CR2, NEF, ARW, ...), developed images, or folders of them.
    #[arg(required = true)]
    pub(super) inputs: Vec<PathBuf>,
    /// Output folder (created if missing); sub-folders of inputs are mirrored.
    #[arg(short, long)]
    pub(super) output: PathBuf,
    /// Search folders recursively.
    #[arg(short, long)]
    pub(super) recursive: bool,
    /// Replace outputs that exist (otherwise they are skipped).
    #[arg(long)]
    pub(super) overwrite: bool,
    /// CPU threads for decoding and encoding, and slices per JPEG [default: all cores].
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    pub(super) jobs: Option<u16>,
    /// Process only shard K of N (e.g. 3/8), a deterministic part of the inputs.
    #[arg(long, value_parser = parse_shard)]
    pub(super) shard: Option<(usize, usize)>,
    /// GPUs to use: 1, or `all` (one pipeline per adapter).
    #[arg(long, default_value = "1", value_parser = ["1", "all"])]
    pub(super) gpus: String,
    /// Write a JSON report of every file (status, size, timings, error).
    #[arg(long)]
    pub(super) report: Option<PathBuf>,
    /// Print only errors and the summary.
    #[arg(short, long, conflicts_with = "verbose")]
    pub(super) quiet: bool,
    /// Print every file with its timings.
    #[arg(short, long)]
    pub(super) verbose: bool,
    /// jpeg, png or tiff.
    #[arg(long, default_value = "jpeg")]
    pub(super) format: Format,
    /// JPEG quality.
    #[arg(long, default_value_t = output::JpegOptions::default().quality, value_parser = clap::value_parser!(u8).range(1..=100))]
    pub(super) quality: u8,
    /// JPEG chroma subsampling: auto (4:4:4 from quality 90 up, 4:2:0
    /// below), 444, 422 or 420.
    #[arg(long, default_value = "auto")]
    pub(super) chroma: output::Chroma,
    /// Bits per channel: 8, or 16 (PNG and TIFF).
    #[arg(long, default_value_t = 8, value_parser = parse_bits)]
    pub(super) bits: u8,
    /// A built-in look (see `wisp looks list`), a .toml preset, a LUT file
    /// (.cube, .3dl, Hald .png/.tif), or `none` [default: the sidecar's, or neutral].
    #[arg(long)]
    pub(super) look: Option<String>,
    /// Tone map: none (clip), aces, agx, filmic, reinhard [default: the look's].
    #[arg(long)]
    pub(super) tone: Option<ToneOp>,
    /// Exposure compensation in EV, added to the look's [default: the sidecar's, or 0].
    #[arg(long, allow_negative_numbers = true)]
    pub(super) exposure: Option<f32>,
    /// Vignette at the corners in EV, negative darkens [default: the look's].
    #[arg(long, allow_negative_numbers = true)]
    pub(super) vignette: Option<f32>,
    /// Demosaic: gbtf (gradient-based threshold-free: far less false
    /// colour and fewer zippers) or fast (Malvar-He-Cutler, fused into one
    /// dispatch, some 4.5 times faster) [default: the sidecar's, or
    /// gbtf].
    #[arg(long)]
    pub(super) demosaic: Option<Demosaic>,
    /// Noise reduction: auto (from each raw's noise model: its
    /// NoiseProfile, or measured; clean raws are left alone), off, or a
    /// strength from 0 to 4 (1 is auto's) [default: the sidecar's, or auto].
    #[arg(long)]
    pub(super) denoise: Option<Denoise>,
    /// Noise reduction quality: standard, or high (cycle spinning: a
    /// second pass over the mosaic's cells one photosite on, the two
    /// averaged; 0.3-0.5 dB cleaner at ISO 3200, the noise reduction
    /// taking twice the time) [default: the sidecar's, or standard].
    #[arg(long)]
    pub(super) denoise_quality: Option<DenoiseQuality>,
    /// Camera profile: embedded (the raw file's own tables, where it has
    /// them), none (its colour matrices only), or a .dcp file (whose
    /// matrices and tables replace the file's) [default: the sidecar's, or embedded].
    #[arg(long)]
    pub(super) profile: Option<String>,
    /// Sidecars (PHOTO.EXT.wisp.toml, as the preview saves them): apply
    /// each photo's under the flags given here, or ignore them.
    #[arg(long, default_value = "apply")]
    pub(super) sidecars: Sidecars,
    /// Output colour space: srgb, or display-p3 (wider primaries; the P3 profile is embedded).
    #[arg(long, default_value = "srgb")]
    pub(super) colorspace: ColorSpace,
    /// Downscale (on the GPU, area-average filter) so the long edge is at most PX.
    #[arg(long, value_name = "PX", value_parser = clap::value_parser!(u32).range(1..))]
    pub(super) max_size: Option<u32>,
    /// Refuse photos of more pixels than N (samples, for raw data with
    /// several per pixel), before decoding them.
    #[arg(long, value_name = "N", default_value_t = io::DEFAULT_MAX_PIXELS, value_parser = clap::value_parser!(u64).range(1..))]
    pub(super) max_pixels: u64,
    /// Develop DNGs whose opcode lists require an opcode wisp does not
    /// apply, without it (with a warning), instead of refusing them.
    #[arg(long)]
    pub(super) ignore_opcodes: bool,
    /// Lens correction: on (a DNG's WarpRectilinear opcode straightens
    /// the lens's distortion), or off (the image as the sensor saw it).
    #[arg(long, default_value = "on", value_parser = ["on", "off"])]
    pub(super) lens_correction: String,
    /// Develop on the CPU instead of the GPU.
    #[arg(long)]
    pub(super) cpu: bool,
}

#[derive(Subcommand)]
pub(super) enum BenchCommand {
    /// Demosaic accuracy: CPSNR on a folder of 8-bit images (e.g. Kodak).
    Demosaic {
        #[arg(long)]
        dataset: PathBuf,
        /// The demosaic to measure: gbtf or fast.
        #[arg(long, default_value = "gbtf")]
        demosaic: Demosaic,
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
        /// Demosaic: gbtf or fast.
        #[arg(long, default_value = "gbtf")]
        demosaic: Demosaic,
        /// Noise reduction: auto, off or a strength.
        #[arg(long, default_value = "auto")]
        denoise: Denoise,
        /// Noise reduction quality: standard or high.
        #[arg(long, default_value = "standard")]
        denoise_quality: DenoiseQuality,
        /// The look.
        #[arg(long, default_value = "neutral")]
        look: String,
        /// Camera profile: embedded, none or a .dcp file.
        #[arg(long, default_value = "embedded")]
        profile: String,
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
