//! The pointwise part (stages c-g) as one uniform block and one function per
//! pixel, on the GPU (`shaders/pointwise.wgsl`) and on the CPU.

use bytemuck::{Pod, Zeroable};

use crate::colorimetry::{self, Mat3};
use crate::lut::Lut;
use crate::params::{Bits, DevelopParams};
use crate::stages::common::{srgb_encode_gamma22, srgb_encode_gamma22_8bit};
use crate::stages::tone::{self, ToneUniform};
use crate::stages::{
    color::ColorUniform, encode::EncodeUniform, lut3d::LutUniform, vignette::VignetteUniform,
};

/// Where the image being processed sits in the full output.
#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable)]
pub struct TileUniform {
    pub origin: [u32; 2],
    pub full_size: [u32; 2],
}

/// Layout of `struct Develop` in `shaders/pointwise.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable)]
pub struct DevelopUniform {
    pub tile: TileUniform,
    pub color: ColorUniform,
    pub tone: ToneUniform,
    pub lut: LutUniform,
    pub vignette: VignetteUniform,
    pub encode: EncodeUniform,
}

/// One pointwise stage, for running the stages as separate dispatches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    Color,
    Tone,
    Lut,
    Vignette,
}

impl Stage {
    pub const ALL: [Stage; 4] = [Stage::Color, Stage::Tone, Stage::Lut, Stage::Vignette];

    pub fn entry_point(self) -> &'static str {
        match self {
            Stage::Color => "color_main",
            Stage::Tone => "tone_main",
            Stage::Lut => "lut_main",
            Stage::Vignette => "vignette_main",
        }
    }
}

/// What one development uses of the pointwise stages, fixed in a kernel
/// as pipeline constants (`override`s in `shaders/develop.wgsl`). A CPU
/// rasteriser runs both sides of every branch; a specialised kernel has
/// no branch to run. Skipping a stage here never changes a pixel: each
/// left-out stage is the identity for these settings. One shortcut changes
/// pixels, by float rounding at 16 bits and by at most 0.033 of a code at 8:
/// [`Specialisation::joins_agx_and_srgb`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Specialisation {
    tone: u32,
    lut: bool,
    vignette: bool,
    dither: bool,
    /// 8-bit code values (else 16).
    eight_bit: bool,
}

impl Specialisation {
    pub fn of(u: &DevelopUniform) -> Self {
        Specialisation {
            tone: u.tone.op,
            lut: u.lut.size != 0 || u.lut.shaper_size != 0,
            vignette: u.vignette.amount != 0.0,
            dither: u.encode.dither != 0.0,
            eight_bit: u.encode.max_value == Bits::Eight.max_value(),
        }
    }

    /// AgX's final 2.2 power and the sRGB curve are taken as one power
    /// when no stage stands between them, or for 8-bit codes as two
    /// polynomials (`develop_codes`).
    pub fn joins_agx_and_srgb(&self) -> bool {
        self.tone == ToneUniform::AGX && !self.lut && !self.vignette
    }

    pub fn constants(&self) -> [(&'static str, f64); 5] {
        let flag = |b: bool| if b { 1.0 } else { 0.0 };
        [
            ("TONE_OP", self.tone as f64),
            ("USE_LUT", flag(self.lut)),
            ("USE_VIGNETTE", flag(self.vignette)),
            ("USE_DITHER", flag(self.dither)),
            ("OUT_BITS", if self.eight_bit { 8.0 } else { 16.0 }),
        ]
    }
}

impl DevelopUniform {
    /// `full_size` is the whole output image; this one starts at `origin` in it.
    pub fn new(
        params: &DevelopParams,
        cam_to_srgb: &Mat3,
        origin: [u32; 2],
        full_size: [u32; 2],
    ) -> Self {
        // The output's primaries and the white balance shift (gains on
        // camera RGB) are folded into the camera matrix.
        let [temperature, tint] = params.white_balance_shift;
        let gains = [0.5 * temperature, -0.5 * tint, -0.5 * temperature].map(f32::exp2);
        let cam = cam_to_srgb.map(|row| [0, 1, 2].map(|c| row[c] * gains[c]));
        let matrix = colorimetry::mul(&colorimetry::from_srgb(params.colorspace), &cam);
        DevelopUniform {
            tile: TileUniform { origin, full_size },
            color: ColorUniform::new(&matrix, params.exposure),
            tone: ToneUniform::new(params.tone, params.reinhard_white),
            lut: LutUniform::new(params.lut.as_deref()),
            vignette: VignetteUniform::new(&params.vignette),
            encode: EncodeUniform::new(params.bits, params.dither),
        }
    }

    /// CPU twin of one stage entry point, at local pixel (x, y).
    pub fn stage(&self, stage: Stage, lut: Option<&Lut>, c: [f32; 3], x: u32, y: u32) -> [f32; 3] {
        let g = self.global(x, y);
        match stage {
            Stage::Color => self.color.apply(c),
            Stage::Tone => self.tone.apply(c),
            Stage::Lut => self.lut.apply(lut, c),
            Stage::Vignette => self.vignette.apply(c, g[0], g[1], self.tile.full_size),
        }
    }

    /// CPU twin of `develop_codes`: camera RGB in, code values out.
    pub fn develop(&self, lut: Option<&Lut>, c: [f32; 3], x: u32, y: u32) -> [u16; 3] {
        let g = self.global(x, y);
        let spec = Specialisation::of(self);
        if spec.joins_agx_and_srgb() {
            let d = tone::agx_curve(self.color.apply(c).map(|v| v.max(0.0))).map(|v| v.min(1.0));
            let encode = if spec.eight_bit {
                srgb_encode_gamma22_8bit
            } else {
                srgb_encode_gamma22
            };
            return self.encode.quantize(d.map(encode), g[0], g[1]);
        }
        let linear = Stage::ALL
            .iter()
            .fold(c, |c, &s| self.stage(s, lut, c, x, y));
        self.encode.apply(linear, g[0], g[1])
    }

    fn global(&self, x: u32, y: u32) -> [u32; 2] {
        [x + self.tile.origin[0], y + self.tile.origin[1]]
    }
}
