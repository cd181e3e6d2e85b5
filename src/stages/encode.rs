//! Stage g: sRGB transfer curve and quantisation to 8 or 16 bits
//! (`shaders/encode.wgsl`), with optional triangular dither of +-1 code
//! value against banding in smooth gradients (one noise value per pixel,
//! shared by the channels, so neutral greys stay neutral).

use bytemuck::{Pod, Zeroable};

use super::common::{dither_tpdf, srgb_encode};
use crate::params::Bits;

#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable)]
pub struct EncodeUniform {
    pub max_value: f32,
    pub dither: f32,
    pub _pad: [f32; 2],
}

impl EncodeUniform {
    pub fn new(bits: Bits, dither: bool) -> Self {
        EncodeUniform {
            max_value: bits.max_value(),
            dither: if dither { 1.0 } else { 0.0 },
            _pad: [0.0; 2],
        }
    }

    /// CPU twin of `encode_apply` for global pixel (x, y).
    pub fn apply(&self, c: [f32; 3], x: u32, y: u32) -> [u16; 3] {
        self.quantize(c.map(srgb_encode), x, y)
    }

    /// CPU twin of `quantize`: values already on the sRGB curve.
    pub fn quantize(&self, e: [f32; 3], x: u32, y: u32) -> [u16; 3] {
        let n = dither_tpdf(x, y) * self.dither;
        e.map(|v| {
            let v = v.clamp(0.0, 1.0) * self.max_value;
            (v + 0.5 + n).floor().clamp(0.0, self.max_value) as u16
        })
    }
}
