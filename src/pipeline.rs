//! The photo's journey on the GPU: a [`Plan`] recorded.
//!
//! ```text
//! RawFrame (u16 mosaic) --upload--> photosite ops --> stencil op (demosaic) = the scene
//!   [--> resize] --> pointwise ops --> encode --> readback
//! ```
//!
//! [`Fusion::Fused`] records the fewest dispatches the plan allows: a raw
//! frame at full size goes through the block kernel (`src/block.rs`), one
//! dispatch per band from photosites to code values; otherwise the scene
//! comes from the block kernel's scene entry (or the texture passes, for a
//! stencil beyond its reach), then one pointwise kernel encodes it.
//! [`Fusion::Separate`] records one pass per op, the reference the tests
//! hold the fused kernels to. A developed image (PNG, JPEG, TIFF) is
//! uploaded as its own scene.

use crate::block::{self, Target};
use crate::colorimetry::Mat3;
use crate::error::Error;
use crate::frame::{CfaPattern, LinearImage, Photo, Pixels, RawFrame, Rendered};
use crate::gpu::{view, Gpu};
use crate::kernels::Kernels;
use crate::ops::denoise::{self, DenoiseUniform};
use crate::ops::glue::Glue;
use crate::ops::resize::ResizeUniform;
use crate::ops::warp::Warp;
use crate::ops::{Photosite, Pointwise, Stencil, Walk};
use crate::params::{Bits, DenoiseQuality, DevelopParams};
use crate::plan::{self, Chain, Plan, RawScene, Tile};
use crate::pool::Pool;
use crate::readback::read_texture;
use crate::timer::Timer;

/// How a plan is recorded: the fewest dispatches, or one pass per op.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Fusion {
    /// The block kernel where the plan allows, else one kernel for the
    /// scene and one for the pointwise ops; AgX's last power joined with
    /// the sRGB curve ([`Chain::new`]).
    #[default]
    Fused,
    /// One pass per op, from image to image: the reference.
    Separate,
}

/// What a pointwise kernel writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Output {
    /// 8- or 16-bit code values (rgba8uint / rgba16uint), for files.
    Codes(Bits),
    /// 8-bit codes as rgba8unorm, for a window to sample.
    Display(Display),
}

/// How a frame for a window is shown, apart from how it is developed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Display {
    /// Paint the clipped highlights (a code of 255 in any channel) pure
    /// red, and the crushed shadows (0 in all three) pure blue.
    pub mark_clipping: bool,
}

/// Linear camera RGB on the GPU, ready for the pointwise ops.
pub struct Scene {
    pub texture: wgpu::Texture,
    /// Camera RGB -> linear sRGB.
    pub matrix: Mat3,
}

impl Scene {
    pub fn size(&self) -> (usize, usize) {
        (
            self.texture.width() as usize,
            self.texture.height() as usize,
        )
    }
}

/// The GPU side of a development on one device: its kernels (compiled on
/// first use) and reusable buffers and textures.
pub struct GpuPipeline {
    gpu: Gpu,
    kernels: Kernels,
    pool: Pool,
    timer: Option<Timer>,
    /// The side of the texture passes' tiles; `None`: [`scene_tile`].
    scene_tile: Option<usize>,
}

/// Pixels of a row that one invocation of a walking stencil pass develops
/// (`WALK` in `shaders/kernels/passes.wgsl`): each run starts by filling
/// its window, a dozen pixels' work.
const WALK: usize = 256;

/// The side of the tiles that the texture passes develop a frame in, with
/// the stencil's reach around each: a few tens of MB of images each,
/// whatever the frame. At least eight times the reach, so that the overlap
/// costs at most half again.
fn scene_tile(reach: usize) -> usize {
    1024.max(8 * reach)
}

/// The side of the noise reduction's tiles, whose reach is 254 photosites:
/// a 12 MP frame in one, in 26 bytes of images a photosite (312 MB). In
/// four tiles of 2032 (eight times the reach) its smoothing passes did 1.3
/// times the work: 1025 ms against 800 on lavapipe.
const DENOISE_TILE: usize = 4096;

/// The format of cycle spinning's shifted photosites (`shifted_out`).
const SHIFTED_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::R32Float;

/// A rectangle of a frame, in pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Rect {
    x: usize,
    y: usize,
    width: usize,
    height: usize,
}

/// A tile that the noise reduction runs on: the raw scene (its photosite
/// ops and noise model), where the tile's cells count from, and the
/// storage buffers the photosite ops read.
struct DenoiseTile<'a> {
    raw: &'a RawScene<'a>,
    origin: [usize; 2],
    buffers: &'a [(&'static str, wgpu::Buffer)],
}

impl DenoiseTile<'_> {
    /// The noise reduction's uniform block for the tile.
    fn uniform(&self) -> DenoiseUniform {
        self.raw
            .denoise_uniform(self.origin)
            .expect("a scene that reduces noise")
    }
}

/// One of the noise reduction's passes over a tile.
#[derive(Clone, Copy)]
enum DenoisePass<'a> {
    /// Cycle spinning's: the cells one photosite on diagonally, their
    /// photosites into an r32float image of the tile.
    Shifted,
    /// The cells from the tile's origin, into the codes, averaged with the
    /// shifted pass's photosites where there are.
    Main(Option<&'a wgpu::Texture>),
}

/// `scene` with its frame replaced by `denoised`, where there is one.
fn with_denoised<'a>(scene: &plan::Scene<'a>, denoised: &'a Option<RawFrame>) -> plan::Scene<'a> {
    match (scene, denoised) {
        (plan::Scene::Raw(raw), Some(frame)) => plan::Scene::Raw(raw.denoised(frame)),
        _ => *scene,
    }
}

/// Copy the core of a tile's image (the tile covering `around`) into the
/// frame's image.
fn copy_core(
    encoder: &mut wgpu::CommandEncoder,
    tile: &wgpu::Texture,
    frame: &wgpu::Texture,
    core: Rect,
    around: Rect,
) {
    let at = |texture, x, y| wgpu::TexelCopyTextureInfo {
        texture,
        mip_level: 0,
        origin: wgpu::Origin3d { x, y, z: 0 },
        aspect: wgpu::TextureAspect::All,
    };
    encoder.copy_texture_to_texture(
        at(tile, (core.x - around.x) as u32, (core.y - around.y) as u32),
        at(frame, core.x as u32, core.y as u32),
        wgpu::Extent3d {
            width: core.width as u32,
            height: core.height as u32,
            depth_or_array_layers: 1,
        },
    );
}

/// The tiles of a `width` x `height` frame: cores of at most `side`
/// pixels a side, as even as the frame allows, each with what lies within
/// `reach` of it in the frame (or more, near the frame's edges), all of one
/// size, so that each tile reuses the images of the one before
/// ([`Pool::take_texture`]), and starting on an even row and column (on a
/// 2x2 cell of the mosaic, as the noise reduction needs).
fn tiles(width: usize, height: usize, side: usize, reach: usize) -> Vec<(Rect, Rect)> {
    // (core start, core end, tile start, tile length) along an axis of n.
    let spans = |n: usize| {
        let core = n.div_ceil(n.div_ceil(side.max(2))).next_multiple_of(2);
        // Two more for the even start; n - len even, so the last tile
        // starts on an even position and ends with the frame.
        let mut len = (core + 2 * reach + 2).min(n);
        len += (n - len) % 2;
        (0..n).step_by(core).map(move |start| {
            let at = start.saturating_sub(reach).min(n - len) & !1;
            (start, (start + core).min(n), at, len)
        })
    };
    let mut all = Vec::new();
    for (y0, y1, ay, ah) in spans(height) {
        for (x0, x1, ax, aw) in spans(width) {
            let core = Rect {
                x: x0,
                y: y0,
                width: x1 - x0,
                height: y1 - y0,
            };
            let around = Rect {
                x: ax,
                y: ay,
                width: aw,
                height: ah,
            };
            all.push((core, around));
        }
    }
    all
}

impl GpuPipeline {
    pub fn new(gpu: Gpu) -> Self {
        GpuPipeline {
            kernels: Kernels::default(),
            pool: Pool::default(),
            timer: Timer::new(&gpu),
            gpu,
            scene_tile: None,
        }
    }

    /// This pipeline with the texture passes' tiles at most `side` pixels
    /// a side (they join without a seam whatever their size).
    pub fn with_scene_tile(self, side: usize) -> Self {
        GpuPipeline {
            scene_tile: Some(side.max(1)),
            ..self
        }
    }

    pub fn gpu(&self) -> &Gpu {
        &self.gpu
    }

    /// Compile the kernels for `params` before the first frame needs them
    /// (lavapipe takes tens of milliseconds each): those of a small
    /// stand-in frame, which runs the same ops.
    pub fn prepare(&self, params: &DevelopParams) {
        let photo = Photo::Raw(RawFrame {
            width: 2,
            height: 2,
            mosaic: vec![0; 4],
            cfa: CfaPattern::Rggb,
            black: [0.0; 4],
            white: 1.0,
            wb: [1.0; 3],
            cam_to_srgb: crate::colorimetry::IDENTITY,
            gain_maps: None,
            noise: None,
            warp: None,
        });
        // A failure here shows again, as an error, when a frame develops.
        let _ = self.develop(&photo, params, Fusion::Fused);
    }

    /// Keep the pixel memory of a developed image for the next frame.
    pub fn recycle(&self, bytes: Vec<u8>) {
        self.pool.give_back_bytes(bytes);
    }

    /// Develop a photo; orientation is left to the caller.
    pub fn develop(
        &self,
        photo: &Photo,
        params: &DevelopParams,
        fusion: Fusion,
    ) -> Result<Rendered, Error> {
        params.validate()?;
        self.develop_plan(&Plan::new(photo, params, fusion == Fusion::Fused), fusion)
    }

    /// Record and run `plan`.
    pub fn develop_plan(&self, plan: &Plan, fusion: Fusion) -> Result<Rendered, Error> {
        let bits = plan.pointwise.bits();
        self.gpu.scoped(|| {
            let denoised = self.denoised(&plan.scene)?;
            let scene = with_denoised(&plan.scene, &denoised);
            let resampled = plan.resize.is_some() || plan.warp.is_some();
            if let (Fusion::Fused, plan::Scene::Raw(raw), false) = (fusion, &scene, resampled) {
                // The fast path: one dispatch from raw photosites to code values.
                let raw = self.within_textures(*raw);
                if self.block_fits(&raw, Target::Codes(bits)) {
                    let inputs = self.block_inputs(raw)?;
                    let developed = block::develop(
                        &self.gpu,
                        &self.kernels,
                        &self.pool,
                        &inputs,
                        &plan.pointwise,
                        None,
                    );
                    self.give_back(inputs);
                    return developed;
                }
            }
            let mut encoder = self.encoder();
            let mut scene = self.scene_of(&scene, fusion)?;
            if let Some(warp) = plan.warp {
                scene = self.record_warp(&mut encoder, &scene, warp);
            }
            if let Some(size) = plan.resize {
                scene = self.record_resize(&mut encoder, &scene, size);
            }
            let tile = Tile::whole(scene.width() as usize, scene.height() as usize);
            let out = Output::Codes(bits);
            let output =
                self.record_pointwise(&mut encoder, &scene, &plan.pointwise, fusion, out, tile)?;
            self.read_encoded(encoder, &output, bits)
        })
    }

    /// `raw`, with the fast demosaic where its own keeps images of the
    /// whole frame and the frame is larger than a texture (16384 pixels a
    /// side on lavapipe): the block kernel, which works in bands of rows,
    /// then develops it still.
    fn within_textures<'a>(&self, raw: RawScene<'a>) -> RawScene<'a> {
        if self.images_fit(&raw) {
            return raw;
        }
        RawScene {
            demosaic: crate::params::Demosaic::Fast.op(),
            ..raw
        }
    }

    /// Whether the images of the stencil's first passes, if any, fit in
    /// textures of the whole frame.
    fn images_fit(&self, raw: &RawScene) -> bool {
        let (w, h) = (raw.frame.width, raw.frame.height);
        raw.demosaic.passes().is_empty() || self.gpu.check_size(w, h).is_ok()
    }

    /// Whether the block kernel develops `raw`: it fuses, and the images
    /// of the stencil's first passes, if any, fit in textures.
    fn block_fits(&self, raw: &RawScene, target: Target) -> bool {
        block::fuses(raw) && block::fits(&self.gpu, raw.frame, target, None) && self.images_fit(raw)
    }

    /// The plan of `photo` with `params` up to the scene, kept on the GPU:
    /// linear camera RGB (demosaiced, or an uploaded developed image) and
    /// its colour matrix. The preview renders the pointwise rest from it.
    pub fn scene(&self, photo: &Photo, params: &DevelopParams) -> Result<Scene, Error> {
        self.gpu.scoped(|| {
            let plan = Plan::new(photo, params, true);
            let denoised = self.denoised(&plan.scene)?;
            let mut texture =
                self.scene_of(&with_denoised(&plan.scene, &denoised), Fusion::Fused)?;
            if let Some(warp) = plan.warp {
                let mut encoder = self.encoder();
                texture = self.record_warp(&mut encoder, &texture, warp);
                self.gpu.queue.submit([encoder.finish()]);
            }
            Ok(Scene {
                texture,
                matrix: plan::scene_matrix(photo),
            })
        })
    }

    /// The scene's linear camera RGB, read back.
    pub fn read_scene(&self, scene: &Scene) -> Result<LinearImage, Error> {
        self.gpu
            .scoped(|| self.read_linear(self.encoder(), &scene.texture))
    }

    /// `scene` downscaled (area average) to `size`.
    pub fn resized(&self, scene: &Scene, size: (usize, usize)) -> Result<Scene, Error> {
        self.gpu.scoped(|| {
            let mut encoder = self.encoder();
            let texture = self.record_resize(&mut encoder, &scene.texture, size);
            self.gpu.queue.submit([encoder.finish()]);
            Ok(Scene {
                texture,
                matrix: scene.matrix,
            })
        })
    }

    /// The `size` rectangle of `scene` at `origin`.
    pub fn crop(
        &self,
        scene: &Scene,
        origin: (usize, usize),
        size: (usize, usize),
    ) -> Result<Scene, Error> {
        self.gpu.scoped(|| {
            let texture =
                self.gpu
                    .texture("crop", size.0, size.1, wgpu::TextureFormat::Rgba32Float);
            let mut encoder = self.encoder();
            encoder.copy_texture_to_texture(
                wgpu::TexelCopyTextureInfo {
                    texture: &scene.texture,
                    mip_level: 0,
                    origin: wgpu::Origin3d {
                        x: origin.0 as u32,
                        y: origin.1 as u32,
                        z: 0,
                    },
                    aspect: wgpu::TextureAspect::All,
                },
                texture.as_image_copy(),
                texture.size(),
            );
            self.gpu.queue.submit([encoder.finish()]);
            Ok(Scene {
                texture,
                matrix: scene.matrix,
            })
        })
    }

    /// The pointwise ops over `scene` into an 8-bit display texture
    /// (rgba8unorm holding the sRGB-encoded codes, marked as `display`
    /// says), submitted. `tile` places it in a larger output (origin, full
    /// size) for the vignette and dither.
    pub fn render(
        &self,
        scene: &Scene,
        params: &DevelopParams,
        tile: Option<Tile>,
        display: Display,
    ) -> Result<wgpu::Texture, Error> {
        params.validate()?;
        // The display texture holds 8-bit codes, whatever the caller's depth.
        let params = &DevelopParams {
            bits: Bits::Eight,
            ..params.clone()
        };
        self.gpu.scoped(|| {
            let chain = Chain::new(params, &scene.matrix, true);
            let (w, h) = scene.size();
            let tile = tile.unwrap_or(Tile::whole(w, h));
            let mut encoder = self.encoder();
            if let Some(t) = &self.timer {
                t.start(&mut encoder);
            }
            let out = self.record_pointwise(
                &mut encoder,
                &scene.texture,
                &chain,
                Fusion::Fused,
                Output::Display(display),
                tile,
            )?;
            if let Some(t) = &self.timer {
                t.stop(&mut encoder);
            }
            self.gpu.queue.submit([encoder.finish()]);
            Ok(out)
        })
    }

    /// GPU time of the last [`Self::render`] in milliseconds, from
    /// timestamp queries; `None` where the device has none (time it on
    /// the CPU then). Waits for that render to finish.
    pub fn last_render_ms(&self) -> Option<f64> {
        self.timer.as_ref()?.last_ms(&self.gpu)
    }

    /// Read a texture from [`Self::render`] (8-bit codes) back to the CPU.
    pub fn read(&self, texture: &wgpu::Texture) -> Result<Rendered, Error> {
        self.gpu
            .scoped(|| self.read_encoded(self.encoder(), texture, Bits::Eight))
    }

    /// The photosite ops alone: the linear mosaic of `frame`.
    pub fn photosites(&self, frame: &RawFrame) -> Result<Vec<f32>, Error> {
        self.gpu.scoped(|| {
            let mut encoder = self.encoder();
            let raw = RawScene {
                frame,
                denoise: None,
                demosaic: crate::params::Demosaic::default().op(),
            };
            let whole = Rect {
                x: 0,
                y: 0,
                width: frame.width,
                height: frame.height,
            };
            let buffers = raw.buffers(&self.gpu);
            let mosaic =
                self.record_photosites(&mut encoder, &raw, whole, &buffers, &mut Vec::new())?;
            let bytes = read_texture(&self.gpu, &self.pool, encoder, &mosaic, 4)?;
            Ok(bytemuck::pod_collect_to_vec(&bytes))
        })
    }

    /// A stencil op alone: demosaic a linear mosaic.
    pub fn demosaic(
        &self,
        mosaic: &[f32],
        width: usize,
        height: usize,
        cfa: CfaPattern,
        stencil: &dyn Stencil,
    ) -> Result<LinearImage, Error> {
        assert_eq!(mosaic.len(), width * height);
        self.gpu.check_size(width, height)?;
        self.gpu.scoped(|| {
            let input = self
                .gpu
                .texture("mosaic", width, height, wgpu::TextureFormat::R32Float);
            self.write(&input, bytemuck::cast_slice(mosaic), 4);
            let mut encoder = self.encoder();
            let all = stencil.passes().len() + 1;
            let mut images = self.record_passes(&mut encoder, &input, cfa, stencil, &[], all);
            let rgb = images.pop().expect("the last pass's image");
            self.read_linear(encoder, &rgb)
        })
    }

    /// One pointwise op alone, as its own pass over `image`, which sits
    /// at `tile` in the output.
    pub fn pointwise_op(
        &self,
        image: &LinearImage,
        op: Box<dyn Pointwise>,
        tile: Tile,
    ) -> Result<LinearImage, Error> {
        self.gpu.scoped(|| {
            let input = self.upload_linear(image)?;
            let mut chain = Chain::encode_only(crate::ops::encode::Encode::new(Bits::Eight, false));
            chain.ops.push(op);
            let mut encoder = self.encoder();
            let out =
                self.record_pointwise_pass(&mut encoder, &input, &chain, &chain.ops, None, tile)?;
            self.read_linear(encoder, &out)
        })
    }

    fn encoder(&self) -> wgpu::CommandEncoder {
        self.gpu
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor::default())
    }

    fn write(&self, texture: &wgpu::Texture, bytes: &[u8], bytes_per_pixel: u32) {
        self.gpu.queue.write_texture(
            texture.as_image_copy(),
            bytes,
            wgpu::TexelCopyBufferLayout {
                offset: 0,
                bytes_per_row: Some(texture.width() * bytes_per_pixel),
                rows_per_image: None,
            },
            texture.size(),
        );
    }

    /// The scene of a plan, submitted: a raw frame through the block
    /// kernel's `scene_main` when `fusion` and the plan allow, otherwise
    /// through the texture passes; a developed image uploaded.
    fn scene_of(&self, scene: &plan::Scene, fusion: Fusion) -> Result<wgpu::Texture, Error> {
        match scene {
            plan::Scene::Raw(raw)
                if fusion == Fusion::Fused && self.block_fits(raw, Target::Scene) =>
            {
                let inputs = self.block_inputs(*raw)?;
                let scene = block::scene(&self.gpu, &self.kernels, &self.pool, &inputs, None);
                self.give_back(inputs);
                scene
            }
            plan::Scene::Raw(raw) => self.passes_scene(raw),
            plan::Scene::Developed(image) => self.upload_linear(image),
        }
    }

    /// The scene of a raw frame through the texture passes, tile by tile
    /// ([`Self::tiled_passes`]): the last pass's image.
    fn passes_scene(&self, raw: &RawScene) -> Result<wgpu::Texture, Error> {
        let frame = raw.frame;
        self.gpu.check_size(frame.width, frame.height)?;
        let scene = self.gpu.texture(
            "scene",
            frame.width,
            frame.height,
            wgpu::TextureFormat::Rgba32Float,
        );
        let last = raw.demosaic.passes().len();
        let buffers = raw.buffers(&self.gpu);
        self.tiled_passes(raw, &buffers, last + 1, &[(last, &scene)])?;
        Ok(scene)
    }

    /// What the block kernel reads for `raw` besides its photosites: the
    /// photosite ops' storage buffers, uploaded once, and the images of
    /// the stencil's first passes that its last pass reads
    /// ([`crate::ops::Pass::kept`]), each of the whole frame, through the
    /// texture passes tile by tile (`tiled_passes`); none for a
    /// stencil of one pass.
    pub fn block_inputs<'a>(&self, raw: RawScene<'a>) -> Result<block::Inputs<'a>, Error> {
        let buffers = raw.buffers(&self.gpu);
        let passes = raw.demosaic.passes();
        let (w, h) = (raw.frame.width, raw.frame.height);
        let images: Vec<(usize, wgpu::Texture)> = passes
            .iter()
            .enumerate()
            .filter(|(_, p)| p.kept)
            .map(|(k, p)| {
                let image = self
                    .pool
                    .take_texture(&self.gpu, "stencil image", w, h, p.format());
                (k, image)
            })
            .collect();
        if !images.is_empty() {
            let targets: Vec<_> = images.iter().map(|(k, t)| (*k, t)).collect();
            self.tiled_passes(&raw, &buffers, passes.len(), &targets)?;
        }
        Ok(block::Inputs {
            scene: raw,
            buffers,
            images,
        })
    }

    /// Keep the images of `inputs` for the next frame, the block kernel
    /// having been submitted.
    pub fn give_back(&self, inputs: block::Inputs) {
        self.pool
            .give_back_textures(inputs.images.into_iter().map(|(_, image)| image));
    }

    /// The photosite ops and the first `count` passes of the stencil over
    /// a raw frame, tile by tile: each tile's core with the stencil's reach
    /// around it (as far as the frame goes, so the frame's own borders are
    /// mirrored as a whole frame's), the core of pass K's image copied
    /// into the frame-sized `targets` (K, image). `buffers` are the
    /// photosite ops' ([`RawScene::buffers`]). At most two tiles are in
    /// flight, so the passes' images take a few tens of MB.
    fn tiled_passes(
        &self,
        raw: &RawScene,
        buffers: &[(&'static str, wgpu::Buffer)],
        count: usize,
        targets: &[(usize, &wgpu::Texture)],
    ) -> Result<(), Error> {
        let frame = raw.frame;
        let reach = raw.demosaic.reach();
        let side = self.scene_tile.unwrap_or(scene_tile(reach));
        let mut in_flight = std::collections::VecDeque::new();
        for (core, around) in tiles(frame.width, frame.height, side, reach) {
            let mut encoder = self.encoder();
            let mut spent = Vec::new();
            let mosaic = self.record_photosites(&mut encoder, raw, around, buffers, &mut spent)?;
            let photosites = raw.photosites([around.x, around.y]);
            let cfa = frame.cfa.shifted(around.x, around.y);
            let tile =
                self.record_passes(&mut encoder, &mosaic, cfa, raw.demosaic, &photosites, count);
            for (k, target) in targets {
                copy_core(&mut encoder, &tile[*k], target, core, around);
            }
            // Two tiles in flight: the next is uploaded while the device
            // runs one, into the images of the one before.
            in_flight.push_back(self.gpu.queue.submit([encoder.finish()]));
            spent.push(mosaic);
            spent.extend(tile);
            self.pool.give_back_textures(spent);
            if in_flight.len() > 2 {
                if let Some(oldest) = in_flight.pop_front() {
                    self.gpu.wait(oldest)?;
                }
            }
        }
        Ok(())
    }

    /// The photosite ops over the part `rect` of the raw mosaic: an
    /// r32float image. `buffers` are the ops' storage buffers
    /// ([`RawScene::buffers`]), uploaded once for all of a frame's tiles;
    /// the photosites' texture joins `spent`, for the pool once the
    /// commands are submitted.
    fn record_photosites(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        raw: &RawScene,
        rect: Rect,
        buffers: &[(&'static str, wgpu::Buffer)],
        spent: &mut Vec<wgpu::Texture>,
    ) -> Result<wgpu::Texture, Error> {
        let (w, h) = (rect.width, rect.height);
        let texture = self.upload_raw(raw.frame, rect)?;
        let mosaic =
            self.pool
                .take_texture(&self.gpu, "mosaic", w, h, wgpu::TextureFormat::R32Float);
        let origin = [rect.x, rect.y];
        let uniform = self.gpu.uniform_bytes(&raw.uniform(origin));
        let kernel = self
            .kernels
            .get(&self.gpu, "passes", "photosite_main", &raw.glue(origin));
        let (raw_view, mosaic_view) = (view(&texture), view(&mosaic));
        let mut resources = vec![
            ("photosites", uniform.as_entire_binding()),
            ("raw", wgpu::BindingResource::TextureView(&raw_view)),
            (
                "mosaic_out",
                wgpu::BindingResource::TextureView(&mosaic_view),
            ),
        ];
        for (name, buffer) in buffers {
            resources.push((name, buffer.as_entire_binding()));
        }
        // 2x2 cells (`photosite_main`).
        self.gpu
            .dispatch(encoder, &kernel, &resources, w.div_ceil(2), h.div_ceil(2));
        spent.push(texture);
        Ok(mosaic)
    }

    /// The photosites of `frame` within `rect`, uploaded into an r16uint
    /// texture.
    fn upload_raw(&self, frame: &RawFrame, rect: Rect) -> Result<wgpu::Texture, Error> {
        let (w, h) = (rect.width, rect.height);
        self.gpu.check_size(w, h)?;
        let texture = self
            .pool
            .take_texture(&self.gpu, "raw", w, h, wgpu::TextureFormat::R16Uint);
        let rows = frame.mosaic[rect.y * frame.width..]
            .chunks(frame.width)
            .take(h)
            .flat_map(|row| &row[rect.x..rect.x + w]);
        let sites: Vec<u16> = rows.copied().collect();
        self.write(&texture, bytemuck::cast_slice(&sites), 2);
        Ok(texture)
    }

    /// The frame of a raw scene that reduces noise, with its noise reduced
    /// ([`denoise::encoded`]), tile by tile: each tile's core, with the
    /// noise reduction's reach around it, through the photosite ops and
    /// the noise reduction, read back into the frame. `None` for a scene
    /// without noise reduction.
    fn denoised(&self, scene: &plan::Scene) -> Result<Option<RawFrame>, Error> {
        let plan::Scene::Raw(raw) = scene else {
            return Ok(None);
        };
        if raw.denoise.is_none() {
            return Ok(None);
        }
        let frame = raw.frame;
        let (w, h) = (frame.width, frame.height);
        let mut mosaic = vec![0u16; w * h];
        let side = self.scene_tile.unwrap_or(DENOISE_TILE);
        // The lens shading gains the photosite ops apply, or a stand-in
        // that the kernel does not read.
        let buffers = raw.buffers(&self.gpu);
        let gains = buffers
            .iter()
            .find_map(|(name, buffer)| (*name == "gain_data").then(|| buffer.clone()))
            .unwrap_or_else(|| {
                use wgpu::util::DeviceExt;
                let init = wgpu::util::BufferInitDescriptor {
                    label: Some("no gains"),
                    contents: &[0; 4],
                    usage: wgpu::BufferUsages::STORAGE,
                };
                self.gpu.device.create_buffer_init(&init)
            });
        for (core, around) in tiles(w, h, side, denoise::reach()) {
            let sites = self.upload_raw(frame, around)?;
            let tile = DenoiseTile {
                raw,
                origin: [around.x, around.y],
                buffers: &buffers,
            };
            // Cycle spinning's shifted pass, submitted first: the next
            // pass takes its levels from the pool again.
            let spun = matches!(raw.denoise, Some((_, _, DenoiseQuality::High)));
            let shifted = spun.then(|| {
                let mut encoder = self.encoder();
                let mut spent = Vec::new();
                let pass = DenoisePass::Shifted;
                let shifted =
                    self.record_denoise(&mut encoder, &sites, &tile, &gains, pass, &mut spent);
                self.gpu.queue.submit([encoder.finish()]);
                self.pool.give_back_textures(spent);
                shifted
            });
            let mut encoder = self.encoder();
            let mut spent = Vec::new();
            let pass = DenoisePass::Main(shifted.as_ref());
            let denoised =
                self.record_denoise(&mut encoder, &sites, &tile, &gains, pass, &mut spent);
            spent.extend(shifted);
            let read = read_texture(&self.gpu, &self.pool, encoder, &denoised, 4);
            spent.extend([sites, denoised]);
            self.pool.give_back_textures(spent);
            let bytes = read?;
            // Rows of words, two little-endian codes each; the tile starts
            // on an even column.
            let row = 2 * around.width.div_ceil(2);
            for y in core.y..core.y + core.height {
                let from = (y - around.y) * row + core.x - around.x;
                let codes = bytes[2 * from..].chunks_exact(2);
                for (o, c) in mosaic[y * w + core.x..][..core.width].iter_mut().zip(codes) {
                    *o = u16::from_le_bytes([c[0], c[1]]);
                }
            }
        }
        Ok(Some(denoise::encoded(frame, mosaic)))
    }

    /// The noise reduction over a tile of raw photosites
    /// (`shaders/denoise_pack.wgsl`, `shaders/denoise.wgsl`): the
    /// photosite ops run and the 2x2 cells packed into wavelet level 0 in
    /// one pass, each level smoothed from the one before (rows into a
    /// scratch image, then columns), and the shrunk
    /// details of all unpacked into the mosaic's 16-bit codes
    /// ([`denoise::encode`]), two to an r32uint texel; cycle spinning's
    /// shifted pass (`pass`) writes its photosites into an r32float image
    /// of the tile instead, which the main pass averages in. The levels
    /// join `spent`, for the pool once the commands are submitted.
    fn record_denoise(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        sites: &wgpu::Texture,
        tile: &DenoiseTile,
        gains: &wgpu::Buffer,
        pass: DenoisePass,
        spent: &mut Vec<wgpu::Texture>,
    ) -> wgpu::Texture {
        let phase = match pass {
            DenoisePass::Shifted => 1,
            DenoisePass::Main(_) => 0,
        };
        let (w, h) = (sites.width() as usize, sites.height() as usize);
        let (tw, th) = ((w + phase).div_ceil(2), (h + phase).div_ceil(2));
        let params = self.gpu.uniform(&tile.uniform());
        // Level 0 in f32, the smooth levels in f16 ([`denoise::SMOOTH_FORMAT`]),
        // the coarse ones at half resolution.
        let level = |halved: bool, format| {
            let (lw, lh) = if halved {
                (tw.div_ceil(2), th.div_ceil(2))
            } else {
                (tw, th)
            };
            self.pool
                .take_texture(&self.gpu, "wavelet level", lw, lh, format)
        };
        let smooth_level = |halved| level(halved, denoise::SMOOTH_FORMAT);
        let kernel = |entry| {
            self.kernels
                .get(&self.gpu, "denoise", entry, &Glue::default())
        };
        use wgpu::BindingResource::TextureView as Tv;
        let mut levels = vec![level(false, wgpu::TextureFormat::Rgba32Float)];
        let (sites_view, first) = (view(sites), view(&levels[0]));
        let uniform = self.gpu.uniform_bytes(&tile.raw.uniform(tile.origin));
        let mut resources = vec![
            ("denoise", params.as_entire_binding()),
            ("raw", Tv(&sites_view)),
            ("level_out", Tv(&first)),
            ("denoise_gains", gains.as_entire_binding()),
            ("photosites", uniform.as_entire_binding()),
        ];
        for (name, buffer) in tile.buffers {
            resources.push((name, buffer.as_entire_binding()));
        }
        let glue = Glue::default().photosites(&tile.raw.photosites(tile.origin));
        let entry = ["pack_main", "pack_shifted_main"][phase];
        let pack = self.kernels.get(&self.gpu, "denoise_pack", entry, &glue);
        self.gpu.dispatch(encoder, &pack, &resources, tw, th);
        // Each level along rows into a scratch image of its resolution
        // (one for the full levels, one for the halved), then along
        // columns, an invocation per run of RUN texels a step apart
        // (`rows_main`, `columns_main`).
        let mut rows = Vec::new();
        for (j, pair) in (1..).zip(denoise::steps().collect::<Vec<_>>().chunks(2)) {
            let fine = levels.last().expect("level 0");
            let coarse = smooth_level(denoise::halved(j));
            if rows.is_empty() || denoise::halved(j) && !denoise::halved(j - 1) {
                rows.push(smooth_level(denoise::halved(j)));
            }
            let row = rows.last().expect("a row image");
            for (step, input, output) in [(&pair[0], fine, row), (&pair[1], row, &coarse)] {
                let s = step.step as usize;
                let (ow, oh) = (output.width() as usize, output.height() as usize);
                let (entry, across, along) = match step.along_rows {
                    1 => ("rows_main", oh, ow),
                    _ => ("columns_main", ow, oh),
                };
                let groups = [(across * s).div_ceil(64), along.div_ceil(s * denoise::RUN)];
                let step = self.gpu.uniform(step);
                let (input, output) = (view(input), view(output));
                let resources = [
                    ("denoise", params.as_entire_binding()),
                    ("denoise_step", step.as_entire_binding()),
                    ("level_in", Tv(&input)),
                    ("smooth_out", Tv(&output)),
                ];
                self.gpu.dispatch_groups(
                    encoder,
                    &kernel(entry),
                    &resources,
                    groups.map(|n| n as u32),
                );
            }
            levels.push(coarse);
        }
        // Level 1's detail energy, at half resolution, for its Wiener
        // estimate.
        let (ew, eh) = (tw.div_ceil(2), th.div_ceil(2));
        let energy = self.pool.take_texture(
            &self.gpu,
            "detail energy",
            ew,
            eh,
            wgpu::TextureFormat::Rgba32Float,
        );
        let (fine, smooth, energy_view) = (view(&levels[0]), view(&levels[1]), view(&energy));
        let resources = [
            ("level_0", Tv(&fine)),
            ("level_1", Tv(&smooth)),
            ("energy_out", Tv(&energy_view)),
        ];
        self.gpu
            .dispatch(encoder, &kernel("energy_main"), &resources, ew, eh);
        let level_views: Vec<_> = (0..)
            .zip(&levels)
            .map(|(j, level)| (format!("level_{j}"), view(level)))
            .collect();
        let level_bindings = || level_views.iter().map(|(n, v)| (n.as_str(), Tv(v)));
        // The half-resolution levels after the first, shrunk and summed.
        let first = &levels[denoise::FULL_LEVELS + 1];
        let (cw, ch) = (first.width() as usize, first.height() as usize);
        let sum = self.pool.take_texture(
            &self.gpu,
            "coarse levels' sum",
            cw,
            ch,
            wgpu::TextureFormat::Rgba32Float,
        );
        let sum_view = view(&sum);
        let mut resources = vec![
            ("denoise", params.as_entire_binding()),
            ("coarse_sum_out", Tv(&sum_view)),
        ];
        resources.extend(level_bindings());
        self.gpu
            .dispatch(encoder, &kernel("coarse_main"), &resources, cw, ch);
        let mut resources = vec![
            ("denoise", params.as_entire_binding()),
            ("raw", Tv(&sites_view)),
            ("denoise_gains", gains.as_entire_binding()),
            ("energy", Tv(&energy_view)),
            ("coarse_sum", Tv(&sum_view)),
        ];
        resources.extend(level_bindings());
        let (out, entry, out_name) = match pass {
            DenoisePass::Shifted => (
                self.pool
                    .take_texture(&self.gpu, "shifted photosites", w, h, SHIFTED_FORMAT),
                "unpack_shifted_main",
                "shifted_out",
            ),
            DenoisePass::Main(_) => (
                self.pool.take_texture(
                    &self.gpu,
                    "denoised codes",
                    tw,
                    h,
                    wgpu::TextureFormat::R32Uint,
                ),
                "unpack_main",
                "mosaic_out",
            ),
        };
        // Without a shifted pass, a stand-in that `unpack_main` does not read.
        let shifted = match pass {
            DenoisePass::Main(Some(shifted)) => view(shifted),
            _ => {
                let none =
                    self.pool
                        .take_texture(&self.gpu, "no shifted pass", 1, 1, SHIFTED_FORMAT);
                let v = view(&none);
                spent.push(none);
                v
            }
        };
        let out_view = view(&out);
        resources.push((out_name, Tv(&out_view)));
        resources.push(("shifted", Tv(&shifted)));
        self.gpu
            .dispatch(encoder, &kernel(entry), &resources, tw, th);
        spent.extend(rows);
        spent.extend([energy, sum]);
        spent.extend(levels);
        out
    }

    /// The first `count` passes of the stencil op over a linear mosaic,
    /// and the images they write. The passes kernel also defines the
    /// photosite chain, `photosites` (which these entries do not run).
    fn record_passes(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        mosaic: &wgpu::Texture,
        cfa: CfaPattern,
        stencil: &dyn Stencil,
        photosites: &[Box<dyn Photosite>],
        count: usize,
    ) -> Vec<wgpu::Texture> {
        let (w, h) = (mosaic.width() as usize, mosaic.height() as usize);
        let kinds = self.gpu.uniform(&cfa.kinds());
        let mut images: Vec<wgpu::Texture> = Vec::new();
        let passes = stencil.passes();
        for pass in 0..count {
            let current = passes.get(pass);
            let (label, format) = match current {
                Some(p) => ("stencil image", p.format()),
                None => ("camera rgb", wgpu::TextureFormat::Rgba32Float),
            };
            let out = self.pool.take_texture(&self.gpu, label, w, h, format);
            let mut glue = Glue::default()
                .photosites(photosites)
                .stencil(stencil, pass);
            glue.constants.push(("WALK", WALK as f64));
            let walk = current.map_or(Walk::No, |p| p.walk);
            let entry = match walk {
                Walk::No => "stencil_pass_main",
                Walk::Rows => "stencil_rows_main",
                Walk::Columns => "stencil_columns_main",
            };
            let kernel = self.kernels.get(&self.gpu, "passes", entry, &glue);
            let views: Vec<_> = images.iter().map(view).collect();
            let names: Vec<String> = (0..views.len())
                .map(|k| format!("stencil_image_{k}"))
                .collect();
            let (mosaic_view, out_view) = (view(mosaic), view(&out));
            let mut resources = vec![
                ("cfa", kinds.as_entire_binding()),
                ("mosaic", wgpu::BindingResource::TextureView(&mosaic_view)),
                ("stencil_out", wgpu::BindingResource::TextureView(&out_view)),
            ];
            for (name, v) in names.iter().zip(&views) {
                resources.push((name, wgpu::BindingResource::TextureView(v)));
            }
            // Runs of WALK pixels, 64 pairs of rows (or columns) per
            // workgroup; or 2x2 cells from a red photosite, which may
            // start a pixel before the frame, a row of 64 per workgroup.
            let groups = match walk {
                Walk::Rows => [h.div_ceil(2).div_ceil(64) as u32, w.div_ceil(WALK) as u32],
                Walk::Columns => [w.div_ceil(64) as u32, h.div_ceil(WALK) as u32],
                Walk::No => [
                    (w + 1).div_ceil(2).div_ceil(64) as u32,
                    (h + 1).div_ceil(2) as u32,
                ],
            };
            self.gpu
                .dispatch_groups(encoder, &kernel, &resources, groups);
            images.push(out);
        }
        images
    }

    /// The lens correction of a scene (`shaders/warp.wgsl`), into a new
    /// image.
    fn record_warp(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        src: &wgpu::Texture,
        warp: &Warp,
    ) -> wgpu::Texture {
        let (w, h) = (src.width() as usize, src.height() as usize);
        let out = self
            .gpu
            .texture("warped", w, h, wgpu::TextureFormat::Rgba32Float);
        let uniform = self.gpu.uniform(&warp.uniform(w, h));
        let mut glue = Glue::default();
        let planes = if warp.shared() { 1.0 } else { 3.0 };
        glue.constants.push(("WARP_PLANES", planes));
        glue.constants.push(("WARP_TERMS", warp.terms() as f64));
        let kernel = self.kernels.get(&self.gpu, "warp", "warp_main", &glue);
        let (src_view, out_view) = (view(src), view(&out));
        self.gpu.dispatch(
            encoder,
            &kernel,
            &[
                ("warp", uniform.as_entire_binding()),
                ("warp_src", wgpu::BindingResource::TextureView(&src_view)),
                ("warp_dst", wgpu::BindingResource::TextureView(&out_view)),
            ],
            w,
            h,
        );
        out
    }

    fn record_resize(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        src: &wgpu::Texture,
        (w, h): (usize, usize),
    ) -> wgpu::Texture {
        let out = self
            .gpu
            .texture("resized", w, h, wgpu::TextureFormat::Rgba32Float);
        let uniform = self.gpu.uniform(&ResizeUniform::new(
            (src.width() as usize, src.height() as usize),
            (w, h),
        ));
        let kernel = self
            .kernels
            .get(&self.gpu, "resize", "resize_main", &Glue::default());
        self.gpu.dispatch(
            encoder,
            &kernel,
            &[
                ("rs", uniform.as_entire_binding()),
                ("src", wgpu::BindingResource::TextureView(&view(src))),
                ("dst", wgpu::BindingResource::TextureView(&view(&out))),
            ],
            w,
            h,
        );
        out
    }

    /// The pointwise ops and the encoder over `scene`: in one dispatch
    /// when fused, else one pass per op and one to encode.
    fn record_pointwise(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        scene: &wgpu::Texture,
        chain: &Chain,
        fusion: Fusion,
        out: Output,
        tile: Tile,
    ) -> Result<wgpu::Texture, Error> {
        if fusion == Fusion::Fused {
            return self.record_pointwise_pass(encoder, scene, chain, &chain.ops, Some(out), tile);
        }
        let mut current = scene.clone();
        for op in chain.ops.chunks(1) {
            current = self.record_pointwise_pass(encoder, &current, chain, op, None, tile)?;
        }
        self.record_pointwise_pass(encoder, &current, chain, &[], Some(out), tile)
    }

    /// One pass of the pointwise kernel running `ops` (some of `chain`'s):
    /// to code values with `Some(out)`, to linear light with `None`.
    fn record_pointwise_pass(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        src: &wgpu::Texture,
        chain: &Chain,
        ops: &[Box<dyn Pointwise>],
        out: Option<Output>,
        tile: Tile,
    ) -> Result<wgpu::Texture, Error> {
        let (w, h) = (src.width() as usize, src.height() as usize);
        let (entry, slot, format) = match out {
            Some(Output::Codes(Bits::Eight)) => {
                ("codes_8", "out_8", wgpu::TextureFormat::Rgba8Uint)
            }
            Some(Output::Codes(Bits::Sixteen)) => {
                ("codes_16", "out_16", wgpu::TextureFormat::Rgba16Uint)
            }
            Some(Output::Display(_)) => ("display", "out_display", wgpu::TextureFormat::Rgba8Unorm),
            None => (
                "linear_main",
                "out_linear",
                wgpu::TextureFormat::Rgba32Float,
            ),
        };
        // rgba8unorm is written as it is: a window samples the sRGB-encoded codes.
        let output = self.gpu.texture("pointwise", w, h, format);
        let mut glue = chain.glue(ops);
        // Only a marked display gets the constant: the plain kernel is
        // the one it always was.
        if let Some(Output::Display(Display {
            mark_clipping: true,
        })) = out
        {
            glue.constants.push(("MARK_CLIPPING", 1.0));
        }
        let kernel = self.kernels.get(&self.gpu, "pointwise", entry, &glue);
        let uniform = self.gpu.uniform_bytes(&chain.uniform(ops, tile));
        let textures = Chain::textures(ops, &self.gpu)?;
        let views: Vec<_> = textures.iter().map(|(n, t)| (*n, view(t))).collect();
        let (src_view, out_view) = (view(src), view(&output));
        let mut resources = vec![
            ("u", uniform.as_entire_binding()),
            ("src", wgpu::BindingResource::TextureView(&src_view)),
            (slot, wgpu::BindingResource::TextureView(&out_view)),
        ];
        for (name, v) in &views {
            resources.push((name, wgpu::BindingResource::TextureView(v)));
        }
        self.gpu.dispatch(encoder, &kernel, &resources, w, h);
        Ok(output)
    }

    /// Read an encoded texture back (after what `encoder` holds), alpha dropped.
    fn read_encoded(
        &self,
        encoder: wgpu::CommandEncoder,
        output: &wgpu::Texture,
        bits: Bits,
    ) -> Result<Rendered, Error> {
        let bpp = match bits {
            Bits::Eight => 4,
            Bits::Sixteen => 8,
        };
        let bytes = read_texture(&self.gpu, &self.pool, encoder, output, bpp)?;
        let pixels = match bits {
            Bits::Eight => Pixels::Eight(
                bytes
                    .chunks_exact(4)
                    .flat_map(|p| [p[0], p[1], p[2]])
                    .collect(),
            ),
            Bits::Sixteen => Pixels::Sixteen(
                bytemuck::cast_slice::<u8, u16>(&bytes)
                    .chunks_exact(4)
                    .flat_map(|p| [p[0], p[1], p[2]])
                    .collect(),
            ),
        };
        Ok(Rendered {
            width: output.width() as usize,
            height: output.height() as usize,
            pixels,
        })
    }

    fn upload_linear(&self, image: &LinearImage) -> Result<wgpu::Texture, Error> {
        self.gpu.check_size(image.width, image.height)?;
        let t = self.gpu.texture(
            "linear rgb",
            image.width,
            image.height,
            wgpu::TextureFormat::Rgba32Float,
        );
        self.write(&t, bytemuck::cast_slice(&image.data), 16);
        Ok(t)
    }

    fn read_linear(
        &self,
        encoder: wgpu::CommandEncoder,
        texture: &wgpu::Texture,
    ) -> Result<LinearImage, Error> {
        let bytes = read_texture(&self.gpu, &self.pool, encoder, texture, 16)?;
        Ok(LinearImage {
            width: texture.width() as usize,
            height: texture.height() as usize,
            data: bytemuck::pod_collect_to_vec(&bytes),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiles_cover_the_frame_with_their_reach_in_one_size() {
        for (w, h, side, reach) in [
            (4000, 3000, 1024, 10),
            (4001, 2999, 1024, 254),
            (4000, 3000, 4096, 254),
            (333, 211, 61, 254),
            (61, 7, 8, 3),
            (2, 2, 1024, 10),
        ] {
            let tiles = tiles(w, h, side, reach);
            let mut covered = vec![0u8; w * h];
            let size = (tiles[0].1.width, tiles[0].1.height);
            for (core, around) in tiles {
                assert!(core.width <= side.max(2) && core.height <= side.max(2));
                assert_eq!((around.width, around.height), size, "{w}x{h}: one size");
                assert_eq!((around.x % 2, around.y % 2), (0, 0), "on a 2x2 cell");
                assert!(around.x + around.width <= w && around.y + around.height <= h);
                // The core's reach, as far as the frame goes.
                assert!(around.x <= core.x.saturating_sub(reach));
                assert!(around.y <= core.y.saturating_sub(reach));
                assert!(around.x + around.width >= (core.x + core.width + reach).min(w));
                assert!(around.y + around.height >= (core.y + core.height + reach).min(h));
                for y in core.y..core.y + core.height {
                    for c in &mut covered[y * w + core.x..][..core.width] {
                        *c += 1;
                    }
                }
            }
            assert!(covered.iter().all(|&c| c == 1), "{w}x{h}: each pixel once");
        }
    }
}
