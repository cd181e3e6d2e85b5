//! Real-time preview of a raw photo, headless for now: renders frames
//! through the preview engine (demosaic once, pointwise stages per frame at
//! the view's size), turning the exposure dial every frame so each frame
//! does real work, and reports the frame times.
//!
//!     cargo run --release --example preview -- PHOTO [--look NAME] \
//!         --frames N --size WxH [--actual] [--screenshot FILE.png]
//!
//! The last line printed is `frames: N, median: X ms, p95: Y ms`.

use std::time::Instant;

use wisp::gpu::Gpu;
use wisp::io::output::{self, Format, Metadata};
use wisp::params::ColorSpace;
use wisp::pipeline::GpuPipeline;
use wisp::preview::{Preview, View};
use wisp::{io, looks, DevelopParams};

struct Args {
    photo: String,
    look: String,
    frames: usize,
    size: (usize, usize),
    actual: bool,
    screenshot: Option<String>,
}

fn parse() -> Result<Args, String> {
    let mut it = std::env::args().skip(1);
    let mut a = Args {
        photo: String::new(),
        look: "neutral".into(),
        frames: 0,
        size: (1280, 800),
        actual: false,
        screenshot: None,
    };
    while let Some(arg) = it.next() {
        let mut value = || it.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--look" => a.look = value()?,
            "--frames" => a.frames = value()?.parse().map_err(|_| "--frames takes a number")?,
            "--size" => {
                let v = value()?;
                let (w, h) = v.split_once('x').ok_or("--size takes WxH")?;
                a.size = (
                    w.parse().map_err(|_| "bad width")?,
                    h.parse().map_err(|_| "bad height")?,
                );
            }
            "--actual" => a.actual = true,
            "--screenshot" => a.screenshot = Some(value()?),
            _ if a.photo.is_empty() && !arg.starts_with('-') => a.photo = arg,
            _ => return Err(format!("unknown argument {arg}")),
        }
    }
    if a.photo.is_empty() || a.frames == 0 || a.size.0 == 0 || a.size.1 == 0 {
        return Err("usage: preview PHOTO [--look NAME] --frames N --size WxH [--actual] [--screenshot FILE.png]".into());
    }
    Ok(a)
}

fn run() -> Result<(), String> {
    let args = parse()?;
    let gpu = GpuPipeline::new(Gpu::new().map_err(|e| e.to_string())?);
    let base = match looks::load(&args.look).map_err(|e| e.to_string())? {
        Some(look) => look.params(&DevelopParams::default()),
        None => DevelopParams::default(),
    };
    // The first full frame: decode, upload, demosaic, render.
    let start = Instant::now();
    let source = io::load(args.photo.as_ref()).map_err(|e| e.to_string())?;
    let mut preview = Preview::new(&gpu, &source).map_err(|e| e.to_string())?;
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
    let mut frame = preview.frame(&base, view).map_err(|e| e.to_string())?;
    preview.finish();
    println!(
        "first frame: {:.1} ms ({w}x{h} photo)",
        start.elapsed().as_secs_f64() * 1000.0
    );

    let mut times = Vec::with_capacity(args.frames);
    for i in 1..=args.frames {
        // Sweep the exposure dial and come back to the start on the last frame.
        let phase = (i % args.frames) as f32 / args.frames as f32;
        let params = DevelopParams {
            exposure: base.exposure + 0.5 * (phase * std::f32::consts::TAU).sin(),
            ..base.clone()
        };
        let t = Instant::now();
        frame = preview.frame(&params, view).map_err(|e| e.to_string())?;
        preview.finish();
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    if let Some(path) = &args.screenshot {
        let image = preview.read(&frame).map_err(|e| e.to_string())?;
        let meta = Metadata::for_source(&source, ColorSpace::Srgb);
        output::write(&image, path.as_ref(), Format::Png, 100, &meta).map_err(|e| e.to_string())?;
    }
    times.sort_by(f64::total_cmp);
    let pick = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    println!(
        "frames: {}, median: {:.1} ms, p95: {:.1} ms",
        times.len(),
        pick(0.5),
        pick(0.95)
    );
    Ok(())
}

fn main() -> std::process::ExitCode {
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("preview: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
