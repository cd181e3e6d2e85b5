//! Headless mode: frames rendered through the preview engine into an
//! offscreen texture, timed, with the exposure dial turning every frame.

use std::time::Instant;

use wisp::gpu::Gpu;
use wisp::io::output::{self, Format, Metadata};
use wisp::params::ColorSpace;
use wisp::pipeline::{Display, GpuPipeline};
use wisp::preview::{Preview, View};
use wisp::{io, DevelopParams};

use crate::args::{look_params, Args};

/// Median and 95th percentile of frame times, as the last line prints them.
pub(crate) fn timing_line(mut times: Vec<f64>) -> String {
    times.sort_by(f64::total_cmp);
    let pick = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    format!(
        "frames: {}, median: {:.1} ms, p95: {:.1} ms",
        times.len(),
        pick(0.5),
        pick(0.95)
    )
}

/// Exposure offset of frame `i` of `n`: a sweep that ends where it began.
pub(crate) fn sweep(i: usize, n: usize) -> f32 {
    0.5 * ((i % n) as f32 / n as f32 * std::f32::consts::TAU).sin()
}

pub(crate) fn headless(args: &Args, frames: usize) -> Result<(), String> {
    let gpu = GpuPipeline::new(Gpu::new().map_err(|e| e.to_string())?);
    let mut base = look_params(&args.look)?;
    base.demosaic = args.demosaic.unwrap_or(base.demosaic);
    base.denoise_quality = args.denoise_quality.unwrap_or(base.denoise_quality);
    // The first full frame: decode, upload, demosaic, render.
    let start = Instant::now();
    let source = io::load(args.photo.as_ref()).map_err(|e| e.to_string())?;
    let mut preview = Preview::new(&gpu, &source, &base).map_err(|e| e.to_string())?;
    let (w, h) = preview.size();
    let view = if args.actual {
        View::Actual {
            width: args.size.0,
            height: args.size.1,
            center: (w as f32 / 2.0, h as f32 / 2.0),
        }
    } else {
        View::Fit {
            width: args.size.0,
            height: args.size.1,
        }
    };
    let mut frame = preview
        .frame(&base, view, Display::default())
        .map_err(|e| e.to_string())?;
    preview.finish();
    println!(
        "first frame: {:.1} ms ({w}x{h} photo)",
        start.elapsed().as_secs_f64() * 1000.0
    );
    let mut times = Vec::with_capacity(frames);
    let mut gpu_times = Vec::with_capacity(frames);
    for i in 1..=frames {
        let params = DevelopParams {
            exposure: base.exposure + sweep(i, frames),
            ..base.clone()
        };
        let t = Instant::now();
        frame = preview
            .frame(&params, view, Display::default())
            .map_err(|e| e.to_string())?;
        preview.finish();
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        gpu_times.extend(preview.gpu_time_ms());
    }
    if !gpu_times.is_empty() {
        gpu_times.sort_by(f64::total_cmp);
        println!(
            "gpu (timestamp queries): median {:.1} ms",
            gpu_times[gpu_times.len() / 2]
        );
    }
    if let Some(path) = &args.screenshot {
        let image = preview.read(&frame).map_err(|e| e.to_string())?;
        let meta = Metadata::for_source(&source, ColorSpace::Srgb);
        output::write(
            &image,
            path.as_ref(),
            Format::Png,
            Default::default(),
            &meta,
        )
        .map_err(|e| e.to_string())?;
    }
    println!("{}", timing_line(times));
    Ok(())
}
