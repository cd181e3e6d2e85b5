//! Tone mapping, a pointwise op: scene-linear -> display-linear in [0, 1]
//! (`shaders/ops/tone.wgsl`).
//!
//! What each operator does to bright, saturated colours (a red tail light,
//! a sunset):
//! - `none`: clips each channel at 1. Saturated highlights keep full
//!   saturation but shift hue as channels clip one by one (orange turns yellow).
//! - `aces` (Stephen Hill's fit of the ACES RRT + sRGB ODT): a per-channel
//!   S-curve in a wider working space; punchy contrast, saturated highlights
//!   desaturate towards white with some hue skew (reds go orange).
//! - `agx` (Troy Sobotka's AgX): log encoding of insetted primaries and a
//!   sigmoid; the gentlest path to white, hues stay stable as highlights
//!   desaturate. The default.
//! - `filmic` (John Hable's curve): per-channel filmic shoulder and toe;
//!   highlights desaturate smoothly, less contrast than ACES.
//! - `reinhard` (extended, on luminance, with white point): compresses
//!   luminance only, so colours keep their saturation; very bright saturated
//!   colours then clip per channel like `none`.

// The constants are written as published, digit for digit like the WGSL twin.
#![allow(clippy::excessive_precision)]

use bytemuck::{Pod, Zeroable};

use super::common::{dot3, mat3_mul};
use super::{bytes_of, Development, Op, Pixel, Pointwise, Wgsl};
use crate::params::ToneOp;

pub const WGSL: Wgsl = Wgsl {
    name: "tone",
    source: include_str!("../../shaders/ops/tone.wgsl"),
    params: Some("ToneParams"),
};

#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable)]
pub struct ToneUniform {
    pub white: f32,
    pub _pad: [f32; 3],
}

/// A tone operator (`TONE_OP` in the shader) and its uniform block.
#[derive(Clone, Copy, Debug)]
pub struct Tone {
    op: u32,
    uniform: ToneUniform,
}

impl Tone {
    const AGX: u32 = 2;
    /// AgX without its final 2.2 power.
    const AGX_CURVE: u32 = 5;

    pub fn new(op: ToneOp, reinhard_white: f32) -> Self {
        let op = match op {
            ToneOp::None => 0,
            ToneOp::Aces => 1,
            ToneOp::Agx => Self::AGX,
            ToneOp::Filmic => 3,
            ToneOp::Reinhard => 4,
        };
        Tone {
            op,
            uniform: ToneUniform {
                white: reinhard_white,
                _pad: [0.0; 3],
            },
        }
    }

    /// CPU twin of `tone_apply`.
    pub fn map(&self, c: [f32; 3]) -> [f32; 3] {
        let c = c.map(|v| v.max(0.0));
        let out = match self.op {
            1 => aces(c),
            Self::AGX => agx(c),
            3 => filmic(c),
            4 => reinhard(c, self.uniform.white),
            Self::AGX_CURVE => agx_curve(c),
            _ => c,
        };
        out.map(|v| v.clamp(0.0, 1.0))
    }
}

impl Op for Tone {
    fn wgsl(&self) -> &'static Wgsl {
        &WGSL
    }

    fn uniform(&self) -> Vec<u8> {
        bytes_of(&self.uniform)
    }

    fn constants(&self) -> Vec<(&'static str, f64)> {
        vec![("TONE_OP", self.op as f64)]
    }
}

impl Pointwise for Tone {
    fn apply(&self, c: [f32; 3], _: Pixel) -> [f32; 3] {
        self.map(c)
    }

    /// AgX ends on a 2.2 power that the sRGB curve almost undoes.
    fn without_final_gamma22(&self) -> Option<Box<dyn Pointwise>> {
        (self.op == Self::AGX).then(|| {
            Box::new(Tone {
                op: Self::AGX_CURVE,
                ..*self
            }) as Box<dyn Pointwise>
        })
    }
}

/// Every development has one; `none` still clips to [0, 1].
pub fn step(d: &Development) -> Option<Box<dyn Pointwise>> {
    Some(Box::new(Tone::new(d.params.tone, d.params.reinhard_white)))
}

const ACES_IN: [[f32; 3]; 3] = [
    [0.59719, 0.35458, 0.04823],
    [0.07600, 0.90834, 0.01566],
    [0.02840, 0.13383, 0.83777],
];
const ACES_OUT: [[f32; 3]; 3] = [
    [1.60475, -0.53108, -0.07367],
    [-0.10208, 1.10813, -0.00605],
    [-0.00327, -0.07276, 1.07602],
];

fn aces(c: [f32; 3]) -> [f32; 3] {
    let a = mat3_mul(&ACES_IN, c);
    let b = a
        .map(|a| (a * (a + 0.0245786) - 0.000090537) / (a * (0.983729 * a + 0.4329510) + 0.238081));
    mat3_mul(&ACES_OUT, b)
}

const AGX_INSET: [[f32; 3]; 3] = [
    [0.842479062253094, 0.0784335999999992, 0.0792237451477643],
    [0.0423282422610123, 0.878468636469772, 0.0791661274605434],
    [0.0423756549057051, 0.0784336, 0.879142973793104],
];
const AGX_OUTSET: [[f32; 3]; 3] = [
    [1.19687900512017, -0.0980208811401368, -0.0990297440797205],
    [-0.0528968517574562, 1.15190312990417, -0.0989611768448433],
    [-0.0529716355144438, -0.0980434501171241, 1.15107367264116],
];

fn agx(c: [f32; 3]) -> [f32; 3] {
    agx_curve(c).map(|v| v.powf(2.2))
}

/// CPU twin of `agx_curve`: AgX before its last step, the 2.2 power.
pub fn agx_curve(c: [f32; 3]) -> [f32; 3] {
    const MIN_EV: f32 = -12.47393;
    const MAX_EV: f32 = 4.026069;
    let s = mat3_mul(&AGX_INSET, c).map(|v| {
        let x = ((v.max(1e-10).log2() - MIN_EV) / (MAX_EV - MIN_EV)).clamp(0.0, 1.0);
        -0.00232
            + x * (0.1191 + x * (0.4298 + x * (-6.868 + x * (31.96 + x * (-40.14 + x * 15.5)))))
    });
    mat3_mul(&AGX_OUTSET, s).map(|v| v.max(0.0))
}

fn hable(x: f32) -> f32 {
    let (a, b, c, d, e, f) = (0.15, 0.50, 0.10, 0.20, 0.02, 0.30);
    (x * (a * x + c * b) + d * e) / (x * (a * x + b) + d * f) - e / f
}

fn filmic(c: [f32; 3]) -> [f32; 3] {
    let white = hable(11.2);
    c.map(|v| hable(2.0 * v) / white)
}

fn reinhard(c: [f32; 3], white: f32) -> [f32; 3] {
    let l = dot3([0.2126, 0.7152, 0.0722], c);
    let ld = l * (1.0 + l / (white * white)) / (1.0 + l);
    let k = ld / l.max(1e-6);
    c.map(|v| v * k)
}
