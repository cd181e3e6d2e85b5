//! Encode, the end of the pointwise chain (`shaders/ops/encode.wgsl`): the
//! sRGB transfer curve and quantisation to 8 or 16 bits, with optional
//! triangular dither of +-1 code value against banding in smooth gradients
//! (one noise value per pixel, shared by the channels, so neutral greys
//! stay neutral).

use bytemuck::{Pod, Zeroable};

use super::common::{dither_tpdf, srgb_encode, srgb_encode_gamma22, srgb_encode_gamma22_8bit};
use super::{bytes_of, Op, Pixel, Wgsl};
use crate::params::Bits;

pub const WGSL: Wgsl = Wgsl {
    name: "encode",
    source: include_str!("../../shaders/ops/encode.wgsl"),
    params: Some("EncodeParams"),
};

#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable)]
pub struct EncodeUniform {
    pub max_value: f32,
    pub dither: f32,
    pub _pad: [f32; 2],
}

/// The transfer curve the encoder applies (`ENCODE_CURVE`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Curve {
    /// IEC 61966-2-1 sRGB.
    Srgb,
    /// The op before ended on a 2.2 power and left it here: `x^2.2` then
    /// sRGB, as one power. The same codes as the two apart up to float
    /// rounding, a third of the cost on a CPU rasteriser.
    Gamma22,
    /// [`Curve::Gamma22`] as two polynomials, for 8-bit codes: within
    /// 0.033 of a code, without a power (`scripts/fit-srgb-gamma22.py`).
    Gamma22Polynomial,
}

/// The encoder of a development.
#[derive(Clone, Copy, Debug)]
pub struct Encode {
    pub uniform: EncodeUniform,
    pub bits: Bits,
    pub curve: Curve,
}

impl Encode {
    pub fn new(bits: Bits, dither: bool) -> Self {
        Encode {
            uniform: EncodeUniform {
                max_value: bits.max_value(),
                dither: if dither { 1.0 } else { 0.0 },
                _pad: [0.0; 2],
            },
            bits,
            curve: Curve::Srgb,
        }
    }

    /// Take over the 2.2 power that the op before left out.
    pub fn after_gamma22(self) -> Self {
        let curve = match self.bits {
            Bits::Eight => Curve::Gamma22Polynomial,
            Bits::Sixteen => Curve::Gamma22,
        };
        Encode { curve, ..self }
    }

    /// CPU twin of `encode_codes`.
    pub fn codes(&self, c: [f32; 3], px: Pixel) -> [u16; 3] {
        let curve = match self.curve {
            Curve::Srgb => srgb_encode,
            Curve::Gamma22 => srgb_encode_gamma22,
            Curve::Gamma22Polynomial => srgb_encode_gamma22_8bit,
        };
        self.quantize(c.map(curve), px.xy)
    }

    /// CPU twin of `quantize`: values already on the sRGB curve.
    pub fn quantize(&self, e: [f32; 3], [x, y]: [u32; 2]) -> [u16; 3] {
        let n = dither_tpdf(x, y) * self.uniform.dither;
        let max = self.uniform.max_value;
        e.map(|v| {
            let v = v.clamp(0.0, 1.0) * max;
            (v + 0.5 + n).floor().clamp(0.0, max) as u16
        })
    }
}

impl Op for Encode {
    fn wgsl(&self) -> &'static Wgsl {
        &WGSL
    }

    fn uniform(&self) -> Vec<u8> {
        bytes_of(&self.uniform)
    }

    fn constants(&self) -> Vec<(&'static str, f64)> {
        let bits = match self.bits {
            Bits::Eight => 8.0,
            Bits::Sixteen => 16.0,
        };
        let curve = match self.curve {
            Curve::Srgb => 0.0,
            Curve::Gamma22 => 1.0,
            Curve::Gamma22Polynomial => 2.0,
        };
        let dither = if self.uniform.dither != 0.0 { 1.0 } else { 0.0 };
        vec![
            ("OUT_BITS", bits),
            ("USE_DITHER", dither),
            ("ENCODE_CURVE", curve),
        ]
    }
}
