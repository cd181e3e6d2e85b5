//! Benchmarks: figures, not pass/fail tests. Demosaic quality on a
//! dataset, and the time each phase of a development takes.

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::error::{DecodeError, Error};
use crate::frame::CfaPattern;
use crate::io::output::{self, Format, JpegOptions, Metadata};
use crate::params::{Demosaic, DevelopParams};
use crate::pipeline::GpuPipeline;
use crate::Engine;

/// Wall times of one photo's phases, in milliseconds.
pub struct PhaseTimes {
    pub width: usize,
    pub height: usize,
    pub decode: f64,
    /// One per run; the first includes compiling the kernels it needs.
    pub develop: Vec<f64>,
    /// JPEG with the default options, metadata included, to a temporary file.
    pub encode: f64,
}

/// Decode `path` once, develop it `runs` times on `engine`, encode once.
pub fn phase_times(
    engine: &Engine,
    path: &Path,
    params: &DevelopParams,
    runs: usize,
) -> Result<PhaseTimes, Error> {
    let ms = |start: Instant| start.elapsed().as_secs_f64() * 1000.0;
    let start = Instant::now();
    let source = crate::io::load(path)?;
    let decode = ms(start);
    let mut develop = Vec::with_capacity(runs);
    let mut image = None;
    for _ in 0..runs.max(1) {
        let start = Instant::now();
        image = Some(engine.develop(&source, params)?);
        develop.push(ms(start));
    }
    let image = image.expect("at least one run");
    let out = std::env::temp_dir().join(format!("wisp-bench-{}.jpg", std::process::id()));
    let start = Instant::now();
    let meta = Metadata::for_source(&source, params.colorspace);
    let written = output::write(&image, &out, Format::Jpeg, JpegOptions::default(), &meta);
    let encode = ms(start);
    let _ = std::fs::remove_file(&out);
    written?;
    Ok(PhaseTimes {
        width: image.width,
        height: image.height,
        decode,
        develop,
        encode,
    })
}

/// An 8-bit RGB image, row-major.
pub struct Rgb8 {
    pub width: usize,
    pub height: usize,
    pub data: Vec<u8>,
}

pub fn load_rgb8(path: &Path) -> Result<Rgb8, Error> {
    let img = image::open(path)
        .map_err(|e| DecodeError::invalid(path, e.to_string()))?
        .into_rgb8();
    Ok(Rgb8 {
        width: img.width() as usize,
        height: img.height() as usize,
        data: img.into_raw(),
    })
}

/// Sample `img` through a Bayer filter: one channel per pixel, scaled to [0, 1].
pub fn mosaic(img: &Rgb8, cfa: CfaPattern) -> Vec<f32> {
    let mut out = Vec::with_capacity(img.width * img.height);
    for y in 0..img.height {
        for x in 0..img.width {
            let c = cfa.color_at(x, y) as usize;
            out.push(img.data[(y * img.width + x) * 3 + c] as f32 / 255.0);
        }
    }
    out
}

/// Colour PSNR in dB over all three channels, ignoring `border` pixels on each side.
pub fn cpsnr(reference: &Rgb8, test: &[u8], border: usize) -> f64 {
    let (w, h) = (reference.width, reference.height);
    let mut sum = 0.0f64;
    let mut n = 0usize;
    for y in border..h.saturating_sub(border) {
        for x in border..w.saturating_sub(border) {
            for c in 0..3 {
                let i = (y * w + x) * 3 + c;
                let d = reference.data[i] as f64 - test[i] as f64;
                sum += d * d;
                n += 1;
            }
        }
    }
    let mse = sum / n.max(1) as f64;
    if mse == 0.0 {
        f64::INFINITY
    } else {
        10.0 * (255.0f64 * 255.0 / mse).log10()
    }
}

/// Mosaic each image of `dataset` with RGGB, demosaic on the GPU with `demosaic`, round to
/// 8 bits and measure CPSNR with a 10-pixel border crop. Calls `report`
/// per image and returns the mean.
pub fn demosaic_dataset(
    pipeline: &GpuPipeline,
    dataset: &Path,
    demosaic: Demosaic,
    mut report: impl FnMut(&str, f64),
) -> Result<f64, Error> {
    let read_err = |source| DecodeError::Io {
        path: dataset.to_path_buf(),
        source,
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(dataset)
        .map_err(read_err)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let ext = crate::io::extension(p);
            matches!(ext.as_str(), "png" | "tif" | "tiff" | "bmp" | "ppm")
        })
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(
            DecodeError::invalid(dataset, "no images (png, tif, bmp, ppm) in this folder").into(),
        );
    }
    let mut total = 0.0;
    for file in &files {
        let img = load_rgb8(file)?;
        let mosaic = mosaic(&img, CfaPattern::Rggb);
        let rgb = pipeline.demosaic(
            &mosaic,
            img.width,
            img.height,
            CfaPattern::Rggb,
            demosaic.op(),
        )?;
        let out: Vec<u8> = rgb
            .data
            .iter()
            .flat_map(|p| [p[0], p[1], p[2]])
            .map(|v| (v.clamp(0.0, 1.0) * 255.0).round() as u8)
            .collect();
        let db = cpsnr(&img, &out, 10);
        report(&file.file_name().unwrap_or_default().to_string_lossy(), db);
        total += db;
    }
    Ok(total / files.len() as f64)
}
