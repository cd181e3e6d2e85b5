//! Hald CLUT images: a level-L identity image is L^3 x L^3 pixels holding an
//! L^2-point 3D LUT, red varying fastest, read row by row. Film-simulation
//! packs for darktable and RawTherapee ship in this form (PNG or TIFF, 8 or
//! 16 bit).

use std::path::Path;

use super::Lut3d;
use crate::error::LutError;

pub const MIN_LEVEL: usize = 2;
pub const MAX_LEVEL: usize = 16;

pub fn load(path: &Path) -> Result<Lut3d, LutError> {
    let invalid = |reason: String| LutError::Invalid {
        path: path.to_path_buf(),
        reason,
    };
    let bytes =
        crate::io::read_regular(path, crate::io::limits::HALD).map_err(|source| LutError::Io {
            path: path.to_path_buf(),
            source,
        })?;
    let img = crate::io::image::reader(path, bytes)
        .map_err(|e| invalid(format!("cannot read image: {e}")))?
        .decode()
        .map_err(|e| invalid(format!("cannot read image: {e}")))?
        .into_rgb32f();
    let (w, h) = (img.width() as usize, img.height() as usize);
    let level = (MIN_LEVEL..=MAX_LEVEL).find(|l| l * l * l == w);
    let Some(level) = level.filter(|_| w == h) else {
        return Err(invalid(format!(
            "{w}x{h} is not a Hald CLUT (a level-L image is L^3 x L^3 pixels, L in {MIN_LEVEL}..={MAX_LEVEL})"
        )));
    };
    Ok(Lut3d {
        size: level * level,
        domain_min: [0.0; 3],
        domain_max: [1.0; 3],
        table: img.pixels().map(|p| [p[0], p[1], p[2]]).collect(),
    })
}

/// The level-`level` identity Hald image, 16-bit (for tests and users who
/// want to build their own).
pub fn identity_image(level: usize) -> image::ImageBuffer<image::Rgb<u16>, Vec<u16>> {
    let n = level * level;
    let side = (level * level * level) as u32;
    let scale = 65535.0 / (n - 1) as f32;
    image::ImageBuffer::from_fn(side, side, |x, y| {
        let i = y as usize * side as usize + x as usize;
        let (r, g, b) = (i % n, (i / n) % n, i / (n * n));
        image::Rgb([r, g, b].map(|v| (v as f32 * scale).round() as u16))
    })
}
