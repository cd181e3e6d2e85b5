//! Colour lookup tables and the file formats they come in: Adobe/Resolve
//! `.cube` (1D, 3D, or a 1D shaper followed by a 3D table), Hald CLUT images
//! and `.3dl`.

pub mod cube;
pub mod hald;
pub mod threedl;

use std::path::Path;

use crate::error::LutError;

/// A 3D LUT: `size`^3 output colours on a regular lattice over
/// [`domain_min`, `domain_max`], red varying fastest.
#[derive(Clone, Debug, PartialEq)]
pub struct Lut3d {
    pub size: usize,
    pub domain_min: [f32; 3],
    pub domain_max: [f32; 3],
    /// Entry for lattice point (r, g, b) is at `r + size * (g + size * b)`.
    pub table: Vec<[f32; 3]>,
}

impl Lut3d {
    pub const MIN_SIZE: usize = 2;
    pub const MAX_SIZE: usize = 256;

    /// The LUT that maps every colour to itself.
    pub fn identity(size: usize) -> Lut3d {
        Self::from_fn(size, |c| c)
    }

    /// Sample `f` on a `size`^3 lattice over [0, 1].
    pub fn from_fn(size: usize, f: impl Fn([f32; 3]) -> [f32; 3]) -> Lut3d {
        assert!((Self::MIN_SIZE..=Self::MAX_SIZE).contains(&size));
        let n = (size - 1) as f32;
        let mut table = Vec::with_capacity(size * size * size);
        for b in 0..size {
            for g in 0..size {
                for r in 0..size {
                    table.push(f([r as f32 / n, g as f32 / n, b as f32 / n]));
                }
            }
        }
        Lut3d {
            size,
            domain_min: [0.0; 3],
            domain_max: [1.0; 3],
            table,
        }
    }

    pub fn at(&self, r: usize, g: usize, b: usize) -> [f32; 3] {
        self.table[r + self.size * (g + self.size * b)]
    }
}

/// A 1D LUT (one curve per channel), sampled at `size` points over
/// [`domain_min`, `domain_max`] and interpolated linearly.
#[derive(Clone, Debug, PartialEq)]
pub struct Lut1d {
    pub size: usize,
    pub domain_min: [f32; 3],
    pub domain_max: [f32; 3],
    pub table: Vec<[f32; 3]>,
}

impl Lut1d {
    pub const MIN_SIZE: usize = 2;
    pub const MAX_SIZE: usize = 65536;

    pub fn identity(size: usize) -> Lut1d {
        assert!((Self::MIN_SIZE..=Self::MAX_SIZE).contains(&size));
        let n = (size - 1) as f32;
        Lut1d {
            size,
            domain_min: [0.0; 3],
            domain_max: [1.0; 3],
            table: (0..size).map(|i| [i as f32 / n; 3]).collect(),
        }
    }
}

/// What a LUT file holds: a 1D shaper, a 3D table, or a shaper followed by
/// a 3D table (applied in that order).
#[derive(Clone, Debug, PartialEq)]
pub struct Lut {
    pub title: Option<String>,
    pub shaper: Option<Lut1d>,
    pub cube: Option<Lut3d>,
}

impl From<Lut3d> for Lut {
    fn from(cube: Lut3d) -> Lut {
        Lut {
            title: None,
            shaper: None,
            cube: Some(cube),
        }
    }
}

/// Read a LUT file by its extension: `.cube`, `.3dl`, or a Hald CLUT image
/// (`.png`, `.tif`, `.tiff`).
pub fn load(path: &Path) -> Result<Lut, LutError> {
    let ext = crate::io::extension(path);
    match ext.as_str() {
        "cube" => cube::load(path),
        "3dl" => threedl::load(path).map(Lut::from),
        "png" | "tif" | "tiff" => hald::load(path).map(Lut::from),
        _ => Err(LutError::Invalid {
            path: path.to_path_buf(),
            reason: "unknown LUT format (.cube, .3dl, or a Hald CLUT .png/.tif)".into(),
        }),
    }
}

/// Each line of `text` that holds more than a `#` comment: its 1-based
/// number, its content, and its words.
pub(crate) fn content_lines(text: &str) -> impl Iterator<Item = (usize, &str, Vec<&str>)> {
    text.lines().enumerate().filter_map(|(i, raw)| {
        let line = raw.split('#').next().unwrap_or("").trim();
        (!line.is_empty()).then(|| (i + 1, line, line.split_whitespace().collect()))
    })
}

pub(crate) fn read_text(path: &Path) -> Result<String, LutError> {
    let bytes = crate::io::read_regular(path, crate::io::limits::TEXT_LUT).map_err(|source| {
        LutError::Io {
            path: path.to_path_buf(),
            source,
        }
    })?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}
