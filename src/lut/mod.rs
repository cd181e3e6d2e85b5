//! 3D colour lookup tables and the file formats they come in.

pub mod cube;

/// A 3D LUT: `size`^3 output colours on a regular lattice over
/// [`domain_min`, `domain_max`], red varying fastest.
#[derive(Clone, Debug, PartialEq)]
pub struct Lut3d {
    pub title: Option<String>,
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
        assert!((Self::MIN_SIZE..=Self::MAX_SIZE).contains(&size));
        let n = (size - 1) as f32;
        let mut table = Vec::with_capacity(size * size * size);
        for b in 0..size {
            for g in 0..size {
                for r in 0..size {
                    table.push([r as f32 / n, g as f32 / n, b as f32 / n]);
                }
            }
        }
        Lut3d {
            title: None,
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
