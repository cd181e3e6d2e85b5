//! Stage c: white-balanced camera RGB -> linear sRGB, then exposure
//! (`shaders/color.wgsl`). The matrix itself is derived from the file's
//! calibration in [`crate::colorimetry`].

use bytemuck::{Pod, Zeroable};

use super::common::mat3_mul;

#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable)]
pub struct ColorUniform {
    pub m0: [f32; 4],
    pub m1: [f32; 4],
    pub m2: [f32; 4],
    pub gain: [f32; 4],
}

impl ColorUniform {
    pub fn new(matrix: &[[f32; 3]; 3], exposure_ev: f32) -> Self {
        let row = |r: [f32; 3]| [r[0], r[1], r[2], 0.0];
        ColorUniform {
            m0: row(matrix[0]),
            m1: row(matrix[1]),
            m2: row(matrix[2]),
            gain: [exposure_ev.exp2(), 0.0, 0.0, 0.0],
        }
    }

    pub fn matrix(&self) -> [[f32; 3]; 3] {
        let row = |r: [f32; 4]| [r[0], r[1], r[2]];
        [row(self.m0), row(self.m1), row(self.m2)]
    }

    /// CPU twin of `color_apply`.
    pub fn apply(&self, c: [f32; 3]) -> [f32; 3] {
        mat3_mul(&self.matrix(), c).map(|v| v * self.gain[0])
    }
}
