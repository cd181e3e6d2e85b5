//! The ops: every algorithm of the journey, each written once, as one WGSL
//! file in `shaders/ops/` (the math, nothing else) and one Rust module here
//! (its uniform block, its CPU twin, its documentation).
//!
//! Three kinds, by what they read:
//! - [`Photosite`] ops, before the demosaic: one photosite of the mosaic
//!   (linearize and white balance);
//! - [`Stencil`] ops: the demosaic, which reads the photosites within a
//!   declared reach of the pixel it computes;
//! - [`Pointwise`] ops, after it: one pixel's colour (gain table map,
//!   camera profile, matrix and exposure, tone map, LUT, vignette), and last the encoding to code values
//!   ([`encode::Encode`]).
//!
//! A [`crate::plan::Plan`] lists a development's ops in journey order. The
//! kernels (`shaders/kernels/`) hold no stage math: they call the chains
//! that [`glue`] writes for the plan's ops, so the GPU runs what the CPU
//! twins run, op for op.

/// `Op` for a uniform block that is its own op: its WGSL file `$wgsl`,
/// and its bytes as its uniform block.
macro_rules! uniform_op {
    ($ty:ty, $wgsl:expr) => {
        impl $crate::ops::Op for $ty {
            fn wgsl(&self) -> &'static $crate::ops::Wgsl {
                &$wgsl
            }

            fn uniform(&self) -> Vec<u8> {
                $crate::ops::bytes_of(self)
            }
        }
    };
}

pub mod common;
pub mod denoise;
pub mod encode;
pub mod gainmap;
pub mod gbtf;
pub mod glue;
pub mod linearize;
pub mod mhc;
pub mod resize;
pub mod warp;

use crate::error::Error;
use crate::frame::{CfaPattern, LinearImage, RawFrame};
use crate::gpu::Gpu;
use crate::params::DevelopParams;

/// An op's WGSL: the file with its math and the names the kernels call it by.
pub struct Wgsl {
    /// Its functions start with this name (`tone_apply`), and its uniform
    /// block is the field of this name in its chain's uniform.
    pub name: &'static str,
    /// The file's text; it may import `common` (`// import: common`).
    pub source: &'static str,
    /// The WGSL struct of its uniform block; `None` for an op without one.
    pub params: Option<&'static str>,
}

/// What every op gives the kernels.
pub trait Op: Send + Sync {
    fn wgsl(&self) -> &'static Wgsl;

    /// The bytes of its uniform block, laid out like [`Wgsl::params`]: whole
    /// rows of 16 bytes. Empty for an op without one.
    fn uniform(&self) -> Vec<u8> {
        Vec::new()
    }

    /// Pipeline constants (`override`s of its WGSL) that specialise the
    /// kernels for this development. A CPU rasteriser runs both sides of
    /// every branch, so settings known per development are fixed here.
    fn constants(&self) -> Vec<(&'static str, f64)> {
        Vec::new()
    }
}

/// Where a photosite is: its position in the frame and its cell, the
/// parity of that position relative to the origin its op was built for:
/// `(x & 1) + 2 (y & 1)` (`struct Site` in `common.wgsl`).
#[derive(Clone, Copy, Debug)]
pub struct Site {
    pub xy: [u32; 2],
    pub cell: u32,
}

/// A photosite op: `NAME_site(v: f32, site: Site, p) -> f32` in WGSL.
pub trait Photosite: Op {
    /// CPU twin of `NAME_site`. The first op receives the raw value.
    fn apply(&self, v: f32, site: Site) -> f32;

    /// The storage buffers its WGSL reads, by the names of their bindings.
    fn buffers(&self, _gpu: &Gpu) -> Vec<(&'static str, wgpu::Buffer)> {
        Vec::new()
    }
}

/// A stencil op, the demosaic: `NAME_rgb(x: i32, y: i32, kind: u32) ->
/// vec3<f32>` in WGSL, for the pixel at (x, y) of a site of `kind`
/// (0 red, 1 green in a red row, 2 green in a blue row, 3 blue). It reads
/// photosites with `mosaic_tap(x, y)`, which each kernel defines over its
/// own storage, borders mirrored.
///
/// An op of several passes names the images its first passes write
/// ([`Stencil::passes`]): pass `P` is `NAME_P(x, y, kind) -> vec4<f32>`,
/// and any later pass reads its image with `NAME_P_tap(x, y)`, borders
/// mirrored; `NAME_rgb` is the last pass.
pub trait Stencil: Op {
    /// How far from the pixel it reads, in photosites, over all its passes.
    fn reach(&self) -> usize;

    /// The passes before `rgb`, in order.
    fn passes(&self) -> &'static [Pass] {
        &[]
    }

    /// How far its last pass, `rgb`, reads the mosaic from its pixel: the
    /// block kernel runs that pass when this is within its window, reading
    /// the images of the passes before over the whole frame.
    fn rgb_reach(&self) -> usize {
        self.reach()
    }

    /// CPU twin: demosaic a linear mosaic into linear camera RGB.
    fn cpu(&self, mosaic: &[f32], width: usize, height: usize, cfa: CfaPattern) -> LinearImage;
}

/// A pass of a [`Stencil`] before its last, `rgb`: `NAME_IMAGE(x, y,
/// kind) -> vec4<f32>` writes the image that later passes read with
/// `NAME_IMAGE_tap(x, y)`.
pub struct Pass {
    pub image: &'static str,
    /// The values of the four that the image holds (1, 2 or 4: r32float,
    /// rg32float or rgba32float); the fewer, the less memory traffic.
    pub channels: u32,
    /// How the kernel runs it.
    pub walk: Walk,
    /// The last pass reads this image: a kernel that runs the last pass
    /// over the whole frame gets it for the whole frame.
    pub kept: bool,
}

/// How a [`Pass`] is run.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Walk {
    /// Pixel by pixel, in any order.
    No,
    /// Along the rows, two at a time, or down the columns: the kernel
    /// calls `NAME_IMAGE_start(x, y, kind)` for the first pixel of a run,
    /// then `NAME_IMAGE` for each pixel of the run in order (left to
    /// right, or top to bottom), so the pass may slide a window of sums in
    /// private variables. Along the rows, a run covers rows y and y + 1 (y
    /// even): at each x, `NAME_IMAGE(x, y, kind, false)`, then
    /// `NAME_IMAGE(x, y + 1, kind, true)`, so the pass may load what the
    /// two rows share once. Neighbouring invocations walk neighbouring rows
    /// (or columns), whose pixels are of different kinds: its code should
    /// not branch on the kind.
    Rows,
    Columns,
}

impl Pass {
    pub fn format(&self) -> wgpu::TextureFormat {
        match self.channels {
            1 => wgpu::TextureFormat::R32Float,
            2 => wgpu::TextureFormat::Rg32Float,
            _ => wgpu::TextureFormat::Rgba32Float,
        }
    }

    /// The format's name in WGSL.
    pub fn wgsl_format(&self) -> &'static str {
        match self.channels {
            1 => "r32float",
            2 => "rg32float",
            _ => "rgba32float",
        }
    }
}

/// Where a pixel is, for the pointwise ops that depend on it (vignette,
/// dither): its position in the full output and that output's size
/// (`struct Pixel` in `common.wgsl`).
#[derive(Clone, Copy, Debug)]
pub struct Pixel {
    pub xy: [u32; 2],
    pub full_size: [u32; 2],
}

/// A pointwise op: `NAME_apply(c: vec3<f32>, px: Pixel, p) -> vec3<f32>`
/// in WGSL (without `p` for an op without a uniform block).
pub trait Pointwise: Op {
    /// CPU twin of `NAME_apply`.
    fn apply(&self, c: [f32; 3], px: Pixel) -> [f32; 3];

    /// The textures its WGSL reads, by the names of their bindings.
    fn textures(&self, _gpu: &Gpu) -> Result<Vec<(&'static str, wgpu::Texture)>, Error> {
        Ok(Vec::new())
    }

    /// For an op that ends on a 2.2 power: the op without it, so that the
    /// encoder can take that power and the sRGB curve as one when nothing
    /// stands between them (see [`encode::Curve`]).
    fn without_final_gamma22(&self) -> Option<Box<dyn Pointwise>> {
        None
    }
}

/// What a pointwise op is built from: the development's parameters, the
/// scene's camera RGB -> linear sRGB matrix and its camera profile, if any.
pub struct Development<'a> {
    pub params: &'a DevelopParams,
    pub cam_to_srgb: &'a crate::colorimetry::Mat3,
    pub profile: Option<&'a std::sync::Arc<crate::profile::CameraProfile>>,
}

/// Builds an op's step for a development, or leaves the op out (`None`)
/// where it would be the identity.
pub type PointwiseStep = fn(&Development) -> Option<Box<dyn Pointwise>>;

/// Builds a photosite op for a frame, its cells counted from `origin`.
pub type PhotositeStep = fn(&RawFrame, [usize; 2]) -> Option<Box<dyn Photosite>>;

/// Registers pointwise ops: each module is declared, and its `step` joins
/// [`POINTWISE`] in the order written, which is the journey's order.
macro_rules! pointwise_ops {
    ($($op:ident),* $(,)?) => {
        $(pub mod $op;)*
        /// The pointwise ops in journey order.
        pub const POINTWISE: &[PointwiseStep] = &[$($op::step),*];
        /// Their WGSL files.
        pub const POINTWISE_WGSL: &[&Wgsl] = &[$(&$op::WGSL),*];
    };
}

pointwise_ops!(gain_table, profile, color, tone, lut3d, vignette);

/// The photosite ops in journey order.
pub const PHOTOSITE: &[PhotositeStep] = &[linearize::step, gainmap::step];

/// Every op's WGSL file, for the kernels' imports and the shader tests.
pub fn all_wgsl() -> impl Iterator<Item = &'static Wgsl> {
    [
        &linearize::WGSL,
        &gainmap::WGSL,
        &mhc::WGSL,
        &gbtf::WGSL,
        &encode::WGSL,
    ]
    .into_iter()
    .chain(POINTWISE_WGSL.iter().copied())
}

/// A uniform block's bytes.
pub fn bytes_of<T: bytemuck::Pod>(value: &T) -> Vec<u8> {
    bytemuck::bytes_of(value).to_vec()
}
