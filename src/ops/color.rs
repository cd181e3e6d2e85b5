//! Colour, the first pointwise op: white-balanced camera RGB -> linear
//! output RGB, then exposure (`shaders/ops/color.wgsl`). The camera matrix
//! is derived from the file's calibration in [`crate::colorimetry`]; the
//! output's primaries and the white balance fine-tuning are folded into it
//! here.

use bytemuck::{Pod, Zeroable};

use super::common::{mat3_mul, padded_row};
use super::{Development, Pixel, Pointwise, Wgsl};
use crate::colorimetry;

pub const WGSL: Wgsl = Wgsl {
    name: "color",
    source: include_str!("../../shaders/ops/color.wgsl"),
    params: Some("ColorParams"),
};

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
        ColorUniform {
            m0: padded_row(matrix[0]),
            m1: padded_row(matrix[1]),
            m2: padded_row(matrix[2]),
            gain: [exposure_ev.exp2(), 0.0, 0.0, 0.0],
        }
    }

    pub fn matrix(&self) -> [[f32; 3]; 3] {
        let row = |r: [f32; 4]| [r[0], r[1], r[2]];
        [row(self.m0), row(self.m1), row(self.m2)]
    }
}

uniform_op!(ColorUniform, WGSL);

impl Pointwise for ColorUniform {
    fn apply(&self, c: [f32; 3], _: Pixel) -> [f32; 3] {
        mat3_mul(&self.matrix(), c).map(|v| v * self.gain[0])
    }
}

/// Every development has one: the camera matrix, with the output's
/// primaries and the white balance shift (gains on camera RGB) folded in.
/// After a camera profile ([`super::profile`], which took the camera
/// matrix, the shift and the exposure) it takes linear ProPhoto to the
/// output's primaries.
pub fn step(d: &Development) -> Option<Box<dyn Pointwise>> {
    if super::profile::tables(d) != 0 {
        let matrix = colorimetry::mul(
            &colorimetry::from_srgb(d.params.colorspace),
            &colorimetry::prophoto_to_srgb(),
        );
        return Some(Box::new(ColorUniform::new(&matrix, 0.0)));
    }
    let gains = shift_gains(d.params.white_balance_shift);
    let cam = d.cam_to_srgb.map(|row| [0, 1, 2].map(|c| row[c] * gains[c]));
    let matrix = colorimetry::mul(&colorimetry::from_srgb(d.params.colorspace), &cam);
    Some(Box::new(ColorUniform::new(&matrix, d.params.exposure)))
}

/// The gains on white-balanced camera RGB of a white balance shift
/// (temperature, tint) in EV: half of each on either side, so a shift
/// moves colour and leaves brightness about where it was.
pub fn shift_gains([temperature, tint]: [f32; 2]) -> [f32; 3] {
    [0.5 * temperature, -0.5 * tint, -0.5 * temperature].map(f32::exp2)
}

/// The white balance shift that makes `rgb`, a patch's mean white-balanced
/// camera RGB (the scene), neutral: its gains ([`shift_gains`]) take all
/// three channels to `sqrt(r b)`. The temperature evens red and blue
/// (`log2(b / r)`), the tint brings green to them (`log2(g^2 / (r b))`).
/// `None` for a patch without light in every channel.
pub fn neutral_shift(rgb: [f32; 3]) -> Option<[f32; 2]> {
    let [r, g, b] = rgb;
    let lit = |v: f32| v.is_finite() && v > 0.0;
    (lit(r) && lit(g) && lit(b)).then(|| [(b / r).log2(), (g * g / (r * b)).log2()])
}
