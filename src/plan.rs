//! A development's plan: its ops in journey order, from the parameters and
//! the photo. It is written once, here: the GPU records it
//! ([`crate::pipeline`], [`crate::block`]), the CPU twin runs it
//! ([`crate::cpu`]), and the preview splits it at the scene
//! ([`crate::preview`]).
//!
//! ```text
//! raw photosites --photosite ops--> mosaic [--denoise-->] --stencil op--> scene (linear camera RGB)
//!   [--resize--> the output size] --pointwise ops--> encode --> code values
//! ```
//!
//! The photosite ops are [`ops::PHOTOSITE`] (linearize and white balance),
//! the noise reduction ([`ops::denoise`]) runs where the parameters and the
//! frame's noise ask for it, the stencil op is the chosen demosaic, the pointwise ops are
//! [`ops::POINTWISE`] (camera profile, colour matrix and exposure, tone map, LUT,
//! vignette), each left out where it would be the identity. A developed
//! image (PNG, JPEG, TIFF) is its own scene.

use bytemuck::{Pod, Zeroable};

use crate::colorimetry::{Mat3, IDENTITY};
use crate::error::Error;
use crate::frame::{LinearImage, Photo, RawFrame};
use crate::gpu::Gpu;
use crate::noise::NoiseModel;
use crate::ops::denoise::DenoiseUniform;
use crate::ops::encode::Encode;
use crate::ops::glue::{uniform_bytes, Glue};
use crate::ops::warp::Warp;
use crate::ops::{self, resize, Development, Op, Photosite, Pixel, Pointwise, Stencil};
use crate::params::{Bits, Denoise, DenoiseQuality, DevelopParams};

/// Where the image being processed sits in the full output (`struct
/// Tile`): the preview renders parts, the batch kernel bands.
#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable, PartialEq, Eq)]
pub struct Tile {
    pub origin: [u32; 2],
    pub full_size: [u32; 2],
}

impl Tile {
    /// A whole image of `width` x `height`.
    pub fn whole(width: usize, height: usize) -> Self {
        Tile {
            origin: [0, 0],
            full_size: [width as u32, height as u32],
        }
    }

    /// Where local pixel (x, y) is.
    pub fn pixel(&self, x: u32, y: u32) -> Pixel {
        Pixel {
            xy: [x + self.origin[0], y + self.origin[1]],
            full_size: self.full_size,
        }
    }
}

/// The scene part of a raw development: its frame, the noise reduction
/// and the demosaic.
#[derive(Clone, Copy)]
pub struct RawScene<'a> {
    pub frame: &'a RawFrame,
    /// The frame's noise model, the strength to reduce it by and how
    /// thoroughly, where the development reduces noise.
    pub denoise: Option<(NoiseModel, f32, DenoiseQuality)>,
    pub demosaic: &'static dyn Stencil,
}

impl<'a> RawScene<'a> {
    /// The scene part of developing `frame` with `params`. Its noise model
    /// is measured here where the frame has none and one is needed.
    pub fn new(frame: &'a RawFrame, params: &DevelopParams) -> Self {
        let denoise = (params.denoise != Denoise::Off)
            .then(|| frame.noise.unwrap_or_else(|| frame.estimate_noise()))
            .and_then(|model| {
                let strength = params.denoise.strength(&model)?;
                Some((model, strength, params.denoise_quality))
            });
        RawScene {
            frame,
            denoise,
            demosaic: params.demosaic.op(),
        }
    }

    /// The noise reduction's uniform block for a tile at `origin`, if any.
    pub fn denoise_uniform(&self, origin: [usize; 2]) -> Option<DenoiseUniform> {
        let (model, strength, quality) = self.denoise.as_ref()?;
        Some(DenoiseUniform::new(
            self.frame, model, *strength, *quality, origin,
        ))
    }

    /// This scene on `frame`, the frame with its noise reduced
    /// ([`crate::ops::denoise::encoded`]): the demosaic alone is left to do.
    pub fn denoised<'b>(&self, frame: &'b RawFrame) -> RawScene<'b> {
        RawScene {
            frame,
            denoise: None,
            demosaic: self.demosaic,
        }
    }

    /// The photosite ops, their cells counted from `origin`.
    pub fn photosites(&self, origin: [usize; 2]) -> Vec<Box<dyn Photosite>> {
        ops::PHOTOSITE
            .iter()
            .filter_map(|step| step(self.frame, origin))
            .collect()
    }

    /// The bytes of the photosite ops' uniform block (`struct Photosites`).
    pub fn uniform(&self, origin: [usize; 2]) -> Vec<u8> {
        let ops = self.photosites(origin);
        uniform_bytes(&[], ops.iter().map(|op| op.as_ref() as &dyn Op))
    }

    /// The storage buffers the photosite ops read (gain maps), by binding name.
    pub fn buffers(&self, gpu: &Gpu) -> Vec<(&'static str, wgpu::Buffer)> {
        let ops = self.photosites([0, 0]);
        ops.iter().flat_map(|op| op.buffers(gpu)).collect()
    }

    /// The glue of the scene part, for a kernel that counts cells from `origin`.
    pub fn glue(&self, origin: [usize; 2]) -> Glue {
        Glue::default()
            .photosites(&self.photosites(origin))
            .stencil(self.demosaic, self.demosaic.passes().len())
    }
}

/// Where a plan's scene comes from.
#[derive(Clone, Copy)]
pub enum Scene<'a> {
    Raw(RawScene<'a>),
    Developed(&'a LinearImage),
}

/// The pointwise ops of a development, then its encoder.
pub struct Chain {
    pub ops: Vec<Box<dyn Pointwise>>,
    pub encode: Encode,
}

impl Chain {
    /// The pointwise ops for `params` over a scene whose camera RGB ->
    /// linear sRGB matrix is `cam_to_srgb`. With `join_powers`, an op that
    /// ends on a 2.2 power right before the encoder (AgX) leaves it to the
    /// encoder, which takes it and the sRGB curve as one: the same codes up
    /// to float rounding at 16 bits, within 0.033 of a code at 8.
    ///
    /// The camera profile is `params.camera_profile`: its tables, and its
    /// own matrix (a `.dcp`'s) in place of `cam_to_srgb`.
    pub fn new(params: &DevelopParams, cam_to_srgb: &Mat3, join_powers: bool) -> Self {
        let profile = params.camera_profile.as_ref();
        let development = Development {
            params,
            cam_to_srgb: profile
                .and_then(|p| p.cam_to_srgb.as_ref())
                .unwrap_or(cam_to_srgb),
            profile,
        };
        let mut ops: Vec<Box<dyn Pointwise>> = ops::POINTWISE
            .iter()
            .filter_map(|step| step(&development))
            .collect();
        let mut encode = Encode::new(params.bits, params.dither);
        if join_powers {
            if let Some(op) = ops.last().and_then(|op| op.without_final_gamma22()) {
                *ops.last_mut().expect("there is a last op") = op;
                encode = encode.after_gamma22();
            }
        }
        Chain { ops, encode }
    }

    /// The encoder alone: for kernels that must define the chain but do
    /// not run it, and for the last pass of a stepwise development.
    pub fn encode_only(encode: Encode) -> Self {
        Chain {
            ops: Vec::new(),
            encode,
        }
    }

    pub fn bits(&self) -> Bits {
        self.encode.bits
    }

    /// CPU twin of `pointwise_linear`.
    pub fn linear(&self, c: [f32; 3], px: Pixel) -> [f32; 3] {
        self.ops.iter().fold(c, |c, op| op.apply(c, px))
    }

    /// CPU twin of `pointwise_codes`.
    pub fn codes(&self, c: [f32; 3], px: Pixel) -> [u16; 3] {
        self.encode.codes(self.linear(c, px), px)
    }

    /// The glue of `ops`, some of this chain's, then its encoder.
    pub fn glue(&self, ops: &[Box<dyn Pointwise>]) -> Glue {
        Glue::default().pointwise(ops, &self.encode)
    }

    /// The bytes of the uniform block (`struct Develop`) of [`Self::glue`]
    /// for an image that sits at `tile`.
    pub fn uniform(&self, ops: &[Box<dyn Pointwise>], tile: Tile) -> Vec<u8> {
        let ops = ops.iter().map(|op| op.as_ref() as &dyn Op);
        uniform_bytes(
            bytemuck::bytes_of(&tile),
            ops.chain([&self.encode as &dyn Op]),
        )
    }

    /// The textures that `ops`, some of this chain's, read (a LUT's),
    /// uploaded, by binding name.
    pub fn textures(
        ops: &[Box<dyn Pointwise>],
        gpu: &Gpu,
    ) -> Result<Vec<(&'static str, wgpu::Texture)>, Error> {
        let mut all = Vec::new();
        for op in ops {
            all.extend(op.textures(gpu)?);
        }
        Ok(all)
    }
}

/// A development's ops, in journey order.
pub struct Plan<'a> {
    pub scene: Scene<'a>,
    /// The lens correction of the scene, where the photo has one.
    pub warp: Option<&'a Warp>,
    /// The size the scene is downscaled to (`--max-size`), if smaller.
    pub resize: Option<(usize, usize)>,
    pub pointwise: Chain,
}

impl<'a> Plan<'a> {
    /// The plan of developing `photo` with `params`; `join_powers` as in
    /// [`Chain::new`].
    pub fn new(photo: &'a Photo, params: &DevelopParams, join_powers: bool) -> Self {
        let (scene, (w, h)) = match photo {
            Photo::Raw(frame) => (
                Scene::Raw(RawScene::new(frame, params)),
                (frame.width, frame.height),
            ),
            Photo::Developed(image) | Photo::LinearRaw { image, .. } => {
                (Scene::Developed(image), (image.width, image.height))
            }
        };
        let warp = match photo {
            Photo::Raw(frame) => frame.warp.as_deref(),
            Photo::LinearRaw { warp, .. } => warp.as_deref(),
            Photo::Developed(_) => None,
        };
        Plan {
            scene,
            warp,
            resize: params.max_size.and_then(|m| resize::fit(w, h, m)),
            pointwise: Chain::new(params, &scene_matrix(photo), join_powers),
        }
    }
}

/// The camera RGB -> linear sRGB matrix of `photo`'s scene.
pub fn scene_matrix(photo: &Photo) -> Mat3 {
    match photo {
        Photo::Raw(frame) => frame.cam_to_srgb,
        Photo::LinearRaw { cam_to_srgb, .. } => *cam_to_srgb,
        Photo::Developed(_) => IDENTITY,
    }
}
