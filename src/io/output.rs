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
use super::{icc, jpeg};
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

/// How the JPEG encoder was built, for `wisp --version` and `wisp bench`:
/// `SIMD`, or why it is several times slower and how to fix that.
pub fn jpeg_encoder() -> &'static str {
    if jpeg::simd() {
        "SIMD"
    } else if cfg!(debug_assertions) {
        // mozjpeg-sys's build script does not rerun when nasm appears.
        "no SIMD: install nasm, then run cargo clean -p mozjpeg-sys"
    } else {
        "no SIMD: install nasm, then run cargo clean --release -p mozjpeg-sys"
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
    /// Threads that encode one file, each a slice of it (default: one per
    /// core).
    pub threads: usize,
}

impl Default for JpegOptions {
    fn default() -> Self {
        JpegOptions {
            quality: 92,
            chroma: Chroma::Auto,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
        }
    }
}

impl JpegOptions {
    /// Chroma sample size in luma pixels (horizontal, vertical).
    pub(super) fn chroma_pixel_size(self) -> (u8, u8) {
        match self.chroma {
            Chroma::Auto if self.quality >= 90 => (1, 1),
            Chroma::Auto => (2, 2),
            Chroma::Full => (1, 1),
            Chroma::Half => (2, 1),
            Chroma::Quarter => (2, 2),
        }
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
/// complete; on any failure the temporary file is removed. Only a regular
/// file (or nothing) is replaced: a rename onto a device, a FIFO, a link or
/// a folder would put a file in its place. Errors name `path`, never the
/// hidden temporary file.
fn atomically(
    path: &Path,
    write: impl FnOnce(File) -> Result<(), OutputError>,
) -> Result<(), OutputError> {
    let io_err = |source| OutputError::Io {
        path: path.to_path_buf(),
        source,
    };
    if let Ok(meta) = std::fs::symlink_metadata(path) {
        if !meta.is_file() {
            return Err(io_err(std::io::Error::other(
                "exists and is not a regular file (a device, FIFO, link or folder)",
            )));
        }
    }
    let tmp = temp_path(path);
    let file = {
        let mut list = in_progress();
        let file = File::create(&tmp).map_err(io_err)?;
        list.push(tmp.clone());
        file
    };
    let result = write(file).and_then(|()| std::fs::rename(&tmp, path).map_err(io_err));
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
    atomically(path, |file| {
        encode_to(image, file, path, format, jpeg, meta)
    })
}

/// Write text atomically (LUT files, presets).
pub fn write_text(path: &Path, text: &str) -> Result<(), OutputError> {
    atomically(path, |mut file| {
        file.write_all(text.as_bytes())
            .map_err(|source| OutputError::Io {
                path: path.to_path_buf(),
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

/// Encode into `file`; errors name `path`, the output it becomes.
fn encode_to(
    image: &Rendered,
    file: File,
    path: &Path,
    format: Format,
    jpeg: JpegOptions,
    meta: &Metadata,
) -> Result<(), OutputError> {
    let io_err = |source| OutputError::Io {
        path: path.to_path_buf(),
        source,
    };
    let enc_err = |e: image::ImageError| OutputError::Encode {
        path: path.to_path_buf(),
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
            path: path.to_path_buf(),
            reason: "JPEG holds 8 bits per channel only".into(),
        });
    }
    let mut out = BufWriter::new(file);
    match format {
        Format::Jpeg => {
            let file = jpeg::file(bytes, w, h, jpeg, &meta.icc, &exif()).map_err(|reason| {
                OutputError::Encode {
                    path: path.to_path_buf(),
                    reason,
                }
            })?;
            out.write_all(&file).map_err(io_err)?;
        }
        Format::Png => {
            let mut e = PngEncoder::new(&mut out);
            let unsupported = |e: image::error::UnsupportedError| OutputError::Encode {
                path: path.to_path_buf(),
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
