//! `wisp convert`: the developments from the flags, the sidecars and the
//! looks, the engines, and the batch.

use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use wisp::io::output;
use wisp::sidecar::{Resolver, Settings, VignetteSettings};
use wisp::{batch, io, Bits, DevelopParams, Engine};

use super::args::ConvertArgs;
use super::engine;
use super::progress::Progress;
use super::report::Summary;

/// The developments: the flags given over each photo's sidecar over the
/// defaults. The flags alone are checked here, before any file.
fn developments(args: &ConvertArgs) -> Result<Resolver, String> {
    let bits = if args.bits == 16 {
        Bits::Sixteen
    } else {
        Bits::Eight
    };
    if bits == Bits::Sixteen && !args.format.supports_16_bit() {
        return Err("--bits 16 needs --format png or tiff (JPEG is 8-bit)".into());
    }
    let base = DevelopParams {
        max_size: args.max_size,
        colorspace: args.colorspace,
        bits,
        ..DevelopParams::default()
    };
    let flags = Settings {
        look: args.look.clone(),
        tone: args.tone,
        exposure: args.exposure,
        demosaic: args.demosaic,
        denoise: args.denoise,
        denoise_quality: args.denoise_quality,
        profile: args.profile.clone(),
        vignette: args.vignette.map(|amount| VignetteSettings {
            amount: Some(amount),
            ..Default::default()
        }),
        ..Settings::default()
    };
    let resolver = Resolver::new(flags, args.sidecars, base);
    resolver.defaults()?;
    Ok(resolver)
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

pub(super) fn convert(args: ConvertArgs) -> Result<ExitCode, String> {
    io::set_max_pixels(args.max_pixels);
    io::set_ignore_opcodes(args.ignore_opcodes);
    io::set_lens_correction(args.lens_correction == "on");
    let developments = developments(&args)?;
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
    let batch::Outcome { reports, engines } = batch::run(
        &jobs,
        start_engines,
        &developments,
        &out,
        threads,
        &STOP,
        &|r| progress.file_done(r),
    );
    // The process ends here, and its memory goes back to the system in one
    // go; dropping a device first frees its buffers one at a time (30-40 ms
    // of a batch's wall time on lavapipe, with nothing left to overlap).
    std::mem::forget(engines);
    let elapsed = start.elapsed().as_secs_f64();
    progress.finish();

    let summary = Summary::of(&reports, elapsed);
    eprintln!("wisp: {}", summary.line());
    if let Some(path) = &args.report {
        summary.write(path, &reports)?;
    }
    if STOP.load(Ordering::SeqCst) {
        eprintln!("wisp: interrupted; run the same command again to convert the rest");
        return Ok(ExitCode::from(130));
    }
    Ok(if summary.failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
