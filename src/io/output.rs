//! Writing developed images. Files are written to a temporary name beside the
//! target and renamed into place, so a failure never leaves a partial file.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Mutex, MutexGuard, PoisonError};

use image::codecs::png::PngEncoder;
use image::{ExtendedColorType, ImageEncoder};

use super::exif::{self, ImageFacts, PhotoInfo};
use super::icc;
use crate::error::OutputError;
use crate::frame::{Pixels, Rendered, Source};
use crate::params::ColorSpace;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Jpeg,
    Png,
    Tiff,
}

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Format::Jpeg => "jpg",
            Format::Png => "png",
            Format::Tiff => "tif",
        }
    }

    pub fn supports_16_bit(self) -> bool {
        self != Format::Jpeg
    }
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "jpeg" | "jpg" => Ok(Format::Jpeg),
            "png" => Ok(Format::Png),
            "tiff" | "tif" => Ok(Format::Tiff),
            _ => Err(format!("unknown format `{s}` (jpeg, png, tiff)")),
        }
    }
}

/// JPEG chroma subsampling.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Chroma {
    /// 4:4:4 from quality 90 up, 4:2:0 below.
    #[default]
    Auto,
    /// 4:4:4: colour at full resolution.
    Full,
    /// 4:2:2: colour at half the horizontal resolution.
    Half,
    /// 4:2:0: colour at half resolution both ways; the smallest files.
    Quarter,
}

impl FromStr for Chroma {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "auto" => Ok(Chroma::Auto),
            "444" => Ok(Chroma::Full),
            "422" => Ok(Chroma::Half),
            "420" => Ok(Chroma::Quarter),
            _ => Err(format!(
                "unknown chroma subsampling `{s}` (auto, 444, 422, 420)"
            )),
        }
    }
}

/// How JPEG outputs are encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JpegOptions {
    /// 1-100.
    pub quality: u8,
    pub chroma: Chroma,
}

impl Default for JpegOptions {
    fn default() -> Self {
        JpegOptions {
            quality: 92,
            chroma: Chroma::Auto,
        }
    }
}

impl JpegOptions {
    /// Chroma sample size in luma pixels (horizontal, vertical).
    fn chroma_pixel_size(self) -> (u8, u8) {
        match self.chroma {
            Chroma::Auto if self.quality >= 90 => (1, 1),
            Chroma::Auto => (2, 2),
            Chroma::Full => (1, 1),
            Chroma::Half => (2, 1),
            Chroma::Quarter => (2, 2),
        }
    }
}

/// A baseline JPEG of 8-bit RGB `rgb` with the EXIF block (if any) and the
/// ICC profile. mozjpeg, set to libjpeg-turbo's defaults (the standard IJG
/// quality tables, no trellis, one scan), runs libjpeg-turbo's SIMD code:
/// 12 MP at q92 4:4:4 in 43–64 ms here, where jpeg-encoder took 119–126.
fn jpeg_file(
    rgb: &[u8],
    width: u32,
    height: u32,
    options: JpegOptions,
    icc: &[u8],
    exif: &[u8],
) -> Result<Vec<u8>, String> {
    const MAX: u32 = 65535;
    if width > MAX || height > MAX {
        return Err(format!("{width}x{height} exceeds JPEG's {MAX}-pixel limit"));
    }
    // A marker segment carries at most 65533 bytes after its length.
    const SEGMENT: usize = 65533;
    // APP1 starts with "Exif\0\0".
    const EXIF_MAX: usize = SEGMENT - 6;
    if exif.len() > EXIF_MAX {
        return Err(format!(
            "the EXIF block ({} bytes) exceeds a JPEG segment ({EXIF_MAX} bytes)",
            exif.len()
        ));
    }
    let chroma = options.chroma_pixel_size();
    // libjpeg reports errors by unwinding; with the checks above and an
    // in-memory destination none is expected, but one must not abort.
    let encode = || -> std::io::Result<Vec<u8>> {
        let mut c = mozjpeg::Compress::new(mozjpeg::ColorSpace::JCS_RGB);
        c.set_fastest_defaults();
        c.set_size(width as usize, height as usize);
        c.set_quality(options.quality.clamp(1, 100).into());
        c.set_chroma_sampling_pixel_sizes(chroma, chroma);
        // Room for 2 bits per pixel; q92 photos take about 1.5.
        let guess = (width as usize * height as usize) / 4;
        let mut c = c.start_compress(Vec::with_capacity(guess))?;
        if !exif.is_empty() {
            let mut app1 = b"Exif\0\0".to_vec();
            app1.extend_from_slice(exif);
            c.write_marker(mozjpeg::Marker::APP(1), &app1);
        }
        // ICC.1 Annex B.4: APP2 chunks, numbered from 1 (mozjpeg's own
        // `write_icc_profile` numbers them from 0, which readers drop).
        const ICC_CHUNK: usize = SEGMENT - 14;
        let chunks = icc.chunks(ICC_CHUNK);
        let count = chunks.len() as u8;
        for (i, chunk) in chunks.enumerate() {
            let mut app2 = b"ICC_PROFILE\0".to_vec();
            app2.extend_from_slice(&[i as u8 + 1, count]);
            app2.extend_from_slice(chunk);
            c.write_marker(mozjpeg::Marker::APP(2), &app2);
        }
        c.write_scanlines(rgb)?;
        c.finish()
    };
    match std::panic::catch_unwind(encode) {
        Ok(result) => result.map_err(|e| e.to_string()),
        Err(_) => Err("the JPEG encoder failed".into()),
    }
}

/// Temporary files being written right now, so an interrupted program can
/// remove them ([`abort_writes`]).
static IN_PROGRESS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn in_progress() -> MutexGuard<'static, Vec<PathBuf>> {
    IN_PROGRESS.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Delete every temporary file being written and end the process with
/// `code` (for a second Ctrl-C). The list stays locked until the end, and
/// temporary files are only created under that lock, so none can appear
/// after the removal.
pub fn abort_writes(code: i32) -> ! {
    let list = in_progress();
    for p in list.iter() {
        let _ = std::fs::remove_file(p);
    }
    std::process::exit(code)
}

/// Write through a temporary file beside `path`, renamed into place once
/// complete; on any failure the temporary file is removed.
fn atomically(
    path: &Path,
    write: impl FnOnce(File, &Path) -> Result<(), OutputError>,
) -> Result<(), OutputError> {
    let tmp = temp_path(path);
    let file = {
        let mut list = in_progress();
        let file = File::create(&tmp).map_err(|source| OutputError::Io {
            path: tmp.clone(),
            source,
        })?;
        list.push(tmp.clone());
        file
    };
    let result = write(file, &tmp).and_then(|()| {
        std::fs::rename(&tmp, path).map_err(|source| OutputError::Io {
            path: path.to_path_buf(),
            source,
        })
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    in_progress().retain(|p| p != &tmp);
    result
}

/// What goes into an output file besides pixels.
#[derive(Clone, Debug, Default)]
pub struct Metadata {
    /// ICC profile of the output colour space.
    pub icc: Vec<u8>,
    pub space: ColorSpace,
    /// The input's own EXIF block, passed through (developed images).
    pub exif: Option<Vec<u8>>,
    /// Capture facts, written as EXIF when there is no block to pass
    /// through, and always by TIFF, which carries them in its own fields.
    pub info: PhotoInfo,
}

impl Metadata {
    /// The metadata of an output developed from `source` into `space`.
    pub fn for_source(source: &Source, space: ColorSpace) -> Self {
        Metadata {
            icc: icc::profile(space),
            space,
            exif: source.exif.clone(),
            info: source.info.clone(),
        }
    }
}

/// Encode `image` into `path` atomically; `jpeg` applies to JPEG only.
pub fn write(
    image: &Rendered,
    path: &Path,
    format: Format,
    jpeg: JpegOptions,
    meta: &Metadata,
) -> Result<(), OutputError> {
    atomically(path, |file, tmp| {
        encode_to(image, file, tmp, format, jpeg, meta)
    })
}

/// Write text atomically (LUT files, presets).
pub fn write_text(path: &Path, text: &str) -> Result<(), OutputError> {
    atomically(path, |mut file, tmp| {
        file.write_all(text.as_bytes())
            .map_err(|source| OutputError::Io {
                path: tmp.to_path_buf(),
                source,
            })
    })
}

fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.{}.wisp-tmp", std::process::id()))
}

fn encode_to(
    image: &Rendered,
    file: File,
    tmp: &Path,
    format: Format,
    jpeg: JpegOptions,
    meta: &Metadata,
) -> Result<(), OutputError> {
    let io_err = |source| OutputError::Io {
        path: tmp.to_path_buf(),
        source,
    };
    let enc_err = |e: image::ImageError| OutputError::Encode {
        path: tmp.to_path_buf(),
        reason: e.to_string(),
    };
    let (w, h) = (image.width as u32, image.height as u32);
    let facts = ImageFacts {
        width: w,
        height: h,
        srgb: meta.space == ColorSpace::Srgb,
    };
    // For JPEG and PNG; TIFF writes the facts as its own fields.
    let exif = || {
        meta.exif
            .clone()
            .unwrap_or_else(|| meta.info.exif_block(facts))
    };
    let (bytes, color): (&[u8], ExtendedColorType) = match &image.pixels {
        Pixels::Eight(p) => (p, ExtendedColorType::Rgb8),
        Pixels::Sixteen(p) => (bytemuck::cast_slice(p), ExtendedColorType::Rgb16),
    };
    if color == ExtendedColorType::Rgb16 && !format.supports_16_bit() {
        return Err(OutputError::Encode {
            path: tmp.to_path_buf(),
            reason: "JPEG holds 8 bits per channel only".into(),
        });
    }
    let mut out = BufWriter::new(file);
    match format {
        Format::Jpeg => {
            let file = jpeg_file(bytes, w, h, jpeg, &meta.icc, &exif()).map_err(|reason| {
                OutputError::Encode {
                    path: tmp.to_path_buf(),
                    reason,
                }
            })?;
            out.write_all(&file).map_err(io_err)?;
        }
        Format::Png => {
            let mut e = PngEncoder::new(&mut out);
            let unsupported = |e: image::error::UnsupportedError| OutputError::Encode {
                path: tmp.to_path_buf(),
                reason: e.to_string(),
            };
            e.set_icc_profile(meta.icc.clone()).map_err(unsupported)?;
            e.set_exif_metadata(exif()).map_err(unsupported)?;
            e.write_image(bytes, w, h, color).map_err(enc_err)?;
        }
        Format::Tiff => {
            // Written here rather than by `image`, to carry EXIF fields and the profile.
            let (bits, samples) = match &image.pixels {
                Pixels::Eight(p) => (8, p.clone()),
                Pixels::Sixteen(p) => (16, p.iter().flat_map(|v| v.to_le_bytes()).collect()),
            };
            let file = exif::tiff_file(facts, bits, samples, &meta.icc, &meta.info);
            out.write_all(&file).map_err(io_err)?;
        }
    }
    let file = out.into_inner().map_err(|e| io_err(e.into_error()))?;
    file.sync_all().map_err(io_err)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A smooth image with some texture, at a size that is not whole
    /// 8x8 or 16x16 blocks.
    fn test_image(w: u32, h: u32) -> Vec<u8> {
        (0..h)
            .flat_map(|y| (0..w).map(move |x| (x, y)))
            .flat_map(|(x, y)| {
                let t = ((x * 7 + y * 13) % 17) as f32;
                [
                    x as f32 / w as f32 * 220.0 + t,
                    y as f32 / h as f32 * 220.0 + t,
                    128.0 + 60.0 * ((x + y) as f32 * 0.2).sin(),
                ]
            })
            .map(|v| v as u8)
            .collect()
    }

    fn psnr(a: &[u8], b: &[u8]) -> f64 {
        let mse = a
            .iter()
            .zip(b)
            .map(|(&p, &q)| (p as f64 - q as f64).powi(2))
            .sum::<f64>()
            / a.len() as f64;
        10.0 * (255.0 * 255.0 / mse).log10()
    }

    #[test]
    fn jpeg_keeps_the_pixels_at_each_chroma_setting() {
        let (w, h) = (67, 45);
        let rgb = test_image(w, h);
        for (quality, chroma, min_db) in [
            (92, Chroma::Auto, 35.0),
            (92, Chroma::Quarter, 34.5),
            (60, Chroma::Half, 32.0),
        ] {
            let options = JpegOptions { quality, chroma };
            let file = jpeg_file(&rgb, w, h, options, &icc::profile(ColorSpace::Srgb), b"")
                .expect("encodes");
            let back = image::load_from_memory(&file).expect("decodes").into_rgb8();
            assert_eq!(back.dimensions(), (w, h));
            let db = psnr(&rgb, back.as_raw());
            assert!(db > min_db, "q{quality} {chroma:?}: {db:.1} dB");
        }
    }

    #[test]
    fn an_exif_block_too_large_for_jpeg_is_an_error() {
        let rgb = test_image(16, 16);
        let exif = vec![0u8; 70_000];
        let err = jpeg_file(&rgb, 16, 16, JpegOptions::default(), &[1; 100], &exif).unwrap_err();
        assert!(err.contains("EXIF"), "{err}");
    }
}
