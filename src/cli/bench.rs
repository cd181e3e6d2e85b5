//! `wisp bench`: figures, not tests.

use std::path::Path;
use std::process::ExitCode;

use wisp::sidecar::Settings;
use wisp::{Demosaic, DevelopParams, Engine};

use super::engine;

pub(super) fn bench_demosaic(dataset: &Path, demosaic: Demosaic) -> Result<ExitCode, String> {
    let pipeline = match engine(false) {
        Engine::Gpu(p) => p,
        Engine::Cpu => {
            return Err("the demosaic benchmark runs on the GPU; no adapter was found".into())
        }
    };
    println!(
        "demosaic: {} on {}",
        demosaic.name(),
        pipeline.gpu().info.name
    );
    let mean = wisp::bench::demosaic_dataset(&pipeline, dataset, demosaic, |name, db| {
        println!("{name}: {db:.2} dB")
    })
    .map_err(|e| e.to_string())?;
    println!("mean CPSNR: {mean:.2} dB");
    Ok(ExitCode::SUCCESS)
}

pub(super) fn bench_develop(
    photo: &Path,
    runs: usize,
    settings: &Settings,
    cpu: bool,
) -> Result<ExitCode, String> {
    let engine = engine(cpu);
    let params = settings
        .params(&DevelopParams::default())
        .map_err(|e| e.to_string())?;
    let t = wisp::bench::phase_times(&engine, photo, &params, runs).map_err(|e| e.to_string())?;
    let mut sorted = t.develop.clone();
    sorted.sort_by(f64::total_cmp);
    println!(
        "{} ({}x{}) on {}, look {}, tone {:?}, demosaic {}, denoise {} ({}), profile {}",
        photo.display(),
        t.width,
        t.height,
        engine.describe(),
        settings.look(),
        params.tone,
        params.demosaic.name(),
        params.denoise.name(),
        params.denoise_quality.name(),
        params.profile.name()
    );
    println!("decode: {:.1} ms", t.decode);
    println!(
        "develop: best {:.1} ms, median {:.1} ms over {runs} runs; first run {:.1} ms",
        sorted[0],
        sorted[sorted.len() / 2],
        t.develop[0]
    );
    println!(
        "encode (JPEG q92): {:.1} ms (encoder: {})",
        t.encode,
        wisp::io::output::jpeg_encoder()
    );
    Ok(ExitCode::SUCCESS)
}
