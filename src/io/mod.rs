//! Reading photos and writing developed images.

pub mod exif;
pub mod icc;
pub mod image;
mod jpeg;
pub mod output;
#[cfg(feature = "raw")]
pub mod raw;

use std::path::Path;

use crate::error::DecodeError;
use crate::frame::Source;

/// Extensions read as developed images; everything else goes to the raw decoder.
pub const IMAGE_EXTENSIONS: &[&str] = &["png", "jpg", "jpeg", "tif", "tiff"];

/// Images larger than this many pixels are refused as corrupt rather than
/// risking an allocation the machine cannot make.
pub const MAX_PIXELS: usize = 1 << 30;

/// Decode a raw file or a developed image.
pub fn load(path: &Path) -> Result<Source, DecodeError> {
    let meta = std::fs::metadata(path).map_err(|source| DecodeError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    if meta.is_dir() {
        return Err(DecodeError::invalid(path, "is a directory"));
    }
    if meta.len() == 0 {
        return Err(DecodeError::Empty {
            path: path.to_path_buf(),
        });
    }
    if IMAGE_EXTENSIONS.contains(&extension(path).as_str()) {
        return image::load(path);
    }
    load_raw(path)
}

#[cfg(feature = "raw")]
fn load_raw(path: &Path) -> Result<Source, DecodeError> {
    raw::load(path)
}

#[cfg(not(feature = "raw"))]
fn load_raw(path: &Path) -> Result<Source, DecodeError> {
    Err(DecodeError::invalid(
        path,
        "not a PNG, JPEG or TIFF, and this build of wisp has no raw support (cargo feature `raw`)",
    ))
}

/// A file's extension in lower case ("" when it has none).
pub fn extension(path: &Path) -> String {
    path.extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase()
}

pub(crate) fn check_dimensions(
    path: &Path,
    width: usize,
    height: usize,
) -> Result<(), DecodeError> {
    if width < 2 || height < 2 || width.saturating_mul(height) > MAX_PIXELS {
        return Err(DecodeError::invalid(
            path,
            format!("implausible image size {width}x{height}"),
        ));
    }
    Ok(())
}
