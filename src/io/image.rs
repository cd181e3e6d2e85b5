//! Developed images (PNG, JPEG, TIFF; 8 or 16 bit) as inputs: decoded to
//! linear sRGB, they skip the raw stages.

use std::path::Path;

use image::ImageDecoder;

use crate::error::DecodeError;
use crate::frame::{LinearImage, Orientation, Photo, Source};
use crate::ops::common::srgb_decode;

/// Decode the image `path`, whose content is `bytes`.
pub fn load(path: &Path, bytes: Vec<u8>) -> Result<Source, DecodeError> {
    let bad = |e: image::ImageError| DecodeError::invalid(path, e.to_string());
    let mut decoder = reader(path, bytes)
        .map_err(|source| DecodeError::Io {
            path: path.to_path_buf(),
            source,
        })?
        .into_decoder()
        .map_err(bad)?;
    let (w, h) = decoder.dimensions();
    super::check_dimensions(path, w as usize, h as usize)?;
    let orientation = decoder
        .orientation()
        .map(|o| Orientation::from_exif(o.to_exif() as u16))
        .unwrap_or_default();
    // The input's EXIF goes to the output as it is, but with orientation 1:
    // the pixels are turned upright here.
    let exif = decoder.exif_metadata().ok().flatten().map(|mut chunk| {
        let _ = image::metadata::Orientation::remove_from_exif_chunk(&mut chunk);
        chunk
    });
    let rgb = image::DynamicImage::from_decoder(decoder)
        .map_err(bad)?
        .into_rgb32f();
    let data = rgb
        .pixels()
        .map(|p| [srgb_decode(p[0]), srgb_decode(p[1]), srgb_decode(p[2]), 1.0])
        .collect();
    Ok(Source {
        photo: Photo::Developed(LinearImage {
            width: w as usize,
            height: h as usize,
            data,
        }),
        orientation,
        camera: None,
        info: Default::default(),
        exif,
        notes: Vec::new(),
        colour: None,
    })
}

/// A reader of the image file `path` whose content is `bytes`: the format
/// from the content, else from the extension (as `ImageReader::open`).
pub(crate) fn reader(
    path: &Path,
    bytes: Vec<u8>,
) -> std::io::Result<image::ImageReader<std::io::Cursor<Vec<u8>>>> {
    let mut reader = image::ImageReader::new(std::io::Cursor::new(bytes));
    if let Ok(format) = image::ImageFormat::from_path(path) {
        reader.set_format(format);
    }
    reader.with_guessed_format()
}
