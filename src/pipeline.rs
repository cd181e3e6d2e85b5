//! The photo's journey on the GPU:
//!
//! ```text
//! RawFrame (u16 mosaic) --upload--> linearize + white balance --> demosaic   (stencil part)
//!   --> colour matrix --> exposure --> tone map --> 3D LUT --> vignette --> encode   (pointwise part)
//!   --> readback
//! ```
//! A developed image (PNG, JPEG, TIFF) is uploaded straight into the
//! demosaic's output and skips the stencil part.
//!
//! With [`Fusion::Fused`] a raw frame goes through the block kernel of
//! `fused_raw.rs`: the whole journey in one dispatch at full size, or the
//! stencil part in one dispatch (the scene) before a resize and for the
//! preview. [`Fusion::Separate`] runs one pass per stage: the reference
//! the tests hold the fused kernels to.

use crate::buffer_pool::BufferPool;
use crate::colorimetry::{Mat3, IDENTITY};
use crate::error::{Error, GpuError};
use crate::frame::{CfaPattern, LinearImage, Photo, Pixels, RawFrame, Rendered};
use crate::fused_raw::{self, Target};
use crate::gpu::{view, Gpu};
use crate::kernels::Kernels;
use crate::lut::Lut;
use crate::params::{Bits, DevelopParams};
use crate::pointwise::{DevelopUniform, Specialisation, Stage};
use crate::readback::read_texture;
use crate::stages::resize::{self, ResizeUniform};
use crate::stages::{demosaic::DemosaicUniform, linearize::LinearizeUniform, lut3d};

/// Run the pointwise stages fused into one dispatch, or one dispatch each.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Fusion {
    #[default]
    Fused,
    Separate,
}

/// What a pointwise kernel writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Output {
    /// 8- or 16-bit code values (rgba8uint / rgba16uint), for files.
    Codes(Bits),
    /// 8-bit codes as rgba8unorm, for a window to sample.
    Display,
}

/// The pointwise stages in one dispatch, or one dispatch each (codes only).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kernel {
    Fused(Output),
    Separate(Bits),
}

/// GPU timestamps around a render, where the device supports them.
struct Timer {
    queries: wgpu::QuerySet,
    resolved: wgpu::Buffer,
    readback: wgpu::Buffer,
}

impl Timer {
    fn new(gpu: &Gpu) -> Option<Timer> {
        if !gpu.device.features().contains(Gpu::TIMER_FEATURES) {
            return None;
        }
        let buffer = |usage| {
            gpu.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("timestamps"),
                size: 16,
                usage,
                mapped_at_creation: false,
            })
        };
        Some(Timer {
            queries: gpu.device.create_query_set(&wgpu::QuerySetDescriptor {
                label: Some("render time"),
                ty: wgpu::QueryType::Timestamp,
                count: 2,
            }),
            resolved: buffer(wgpu::BufferUsages::QUERY_RESOLVE | wgpu::BufferUsages::COPY_SRC),
            readback: buffer(wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::MAP_READ),
        })
    }
}

/// Linear camera RGB on the GPU, ready for the pointwise stages.
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
/// first use) and reusable buffers.
pub struct GpuPipeline {
    gpu: Gpu,
    kernels: Kernels,
    buffers: BufferPool,
    timer: Option<Timer>,
}

impl GpuPipeline {
    pub fn new(gpu: Gpu) -> Self {
        GpuPipeline {
            kernels: Kernels::default(),
            buffers: BufferPool::default(),
            timer: Timer::new(&gpu),
            gpu,
        }
    }

    fn kernel(&self, shader: &'static str, entry: &'static str) -> wgpu::ComputePipeline {
        self.kernels.get(&self.gpu, shader, entry, &[])
    }

    pub fn gpu(&self) -> &Gpu {
        &self.gpu
    }

    /// Compile the batch kernel for `params` ahead of the first frame.
    pub fn prepare(&self, params: &DevelopParams) {
        // A failure here shows again, as an error, when a frame develops.
        let _ = self.gpu.scoped(|| {
            fused_raw::prepare(&self.gpu, &self.kernels, params);
            Ok(())
        });
    }

    /// Keep the pixel memory of a developed image for the next frame.
    pub fn recycle(&self, bytes: Vec<u8>) {
        self.buffers.give_back_bytes(bytes);
    }

    /// Develop a photo; orientation is left to the caller.
    pub fn develop(
        &self,
        photo: &Photo,
        params: &DevelopParams,
        fusion: Fusion,
    ) -> Result<Rendered, Error> {
        params.validate()?;
        self.gpu
            .scoped(|| self.develop_unchecked(photo, params, fusion))
    }

    fn develop_unchecked(
        &self,
        photo: &Photo,
        params: &DevelopParams,
        fusion: Fusion,
    ) -> Result<Rendered, Error> {
        let (lut, shaper) = self.lut_textures(params.lut.as_deref())?;
        let luts = [&view(&lut), &view(&shaper)];
        if let Photo::Raw(frame) = photo {
            // The fast path: one dispatch from raw photosites to code values.
            let full_size = params
                .max_size
                .and_then(|m| resize::fit(frame.width, frame.height, m))
                .is_none();
            if fusion == Fusion::Fused
                && full_size
                && fused_raw::fits(&self.gpu, frame, Target::Codes(params.bits), None)
            {
                return fused_raw::develop(
                    &self.gpu,
                    &self.kernels,
                    &self.buffers,
                    frame,
                    params,
                    luts,
                    None,
                );
            }
        }
        let mut encoder = self.encoder();
        let Scene {
            texture: scene,
            matrix,
        } = self.record_scene(&mut encoder, photo, fusion)?;
        let (w, h) = (scene.width() as usize, scene.height() as usize);
        let scene = match params.max_size.and_then(|m| resize::fit(w, h, m)) {
            Some(size) => self.record_resize(&mut encoder, &scene, size),
            None => scene,
        };
        let kernel = match fusion {
            Fusion::Fused => Kernel::Fused(Output::Codes(params.bits)),
            Fusion::Separate => Kernel::Separate(params.bits),
        };
        let scene = Scene {
            texture: scene,
            matrix,
        };
        let output = self.record_pointwise(&mut encoder, scene, params, kernel, luts, None);
        self.read_encoded(encoder, &output, params.bits)
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
        let bytes = read_texture(&self.gpu, &self.buffers, encoder, output, bpp)?;
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

    /// Decode-side half of a development, kept on the GPU: the linear
    /// camera RGB image (demosaiced, or an uploaded developed image) and
    /// its colour matrix. Pointwise changes re-render from it (the preview).
    pub fn scene(&self, photo: &Photo) -> Result<Scene, Error> {
        self.gpu.scoped(|| {
            let mut encoder = self.encoder();
            let scene = self.record_scene(&mut encoder, photo, Fusion::Fused)?;
            self.gpu.queue.submit([encoder.finish()]);
            Ok(scene)
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

    /// The pointwise stages over `scene` into an 8-bit display texture
    /// (rgba8unorm holding the sRGB-encoded codes), submitted.
    /// `tile` places it in a larger output (origin, full size) for the
    /// vignette and dither.
    pub fn render(
        &self,
        scene: &Scene,
        params: &DevelopParams,
        tile: Option<([u32; 2], [u32; 2])>,
    ) -> Result<wgpu::Texture, Error> {
        params.validate()?;
        // The display texture holds 8-bit codes, whatever the caller's depth.
        let params = &DevelopParams {
            bits: Bits::Eight,
            ..params.clone()
        };
        self.gpu.scoped(|| {
            let (lut, shaper) = self.lut_textures(params.lut.as_deref())?;
            let mut encoder = self.encoder();
            if let Some(t) = &self.timer {
                encoder.write_timestamp(&t.queries, 0);
            }
            let out = self.record_pointwise(
                &mut encoder,
                Scene {
                    texture: scene.texture.clone(),
                    matrix: scene.matrix,
                },
                params,
                Kernel::Fused(Output::Display),
                [&view(&lut), &view(&shaper)],
                tile,
            );
            if let Some(t) = &self.timer {
                encoder.write_timestamp(&t.queries, 1);
                encoder.resolve_query_set(&t.queries, 0..2, &t.resolved, 0);
                encoder.copy_buffer_to_buffer(&t.resolved, 0, &t.readback, 0, 16);
            }
            self.gpu.queue.submit([encoder.finish()]);
            Ok(out)
        })
    }

    /// GPU time of the last [`Self::render`] in milliseconds, from
    /// timestamp queries; `None` where the device has none (time it on
    /// the CPU then). Waits for that render to finish.
    pub fn last_render_ms(&self) -> Option<f64> {
        let t = self.timer.as_ref()?;
        let slice = t.readback.slice(..);
        let (tx, rx) = std::sync::mpsc::channel();
        slice.map_async(wgpu::MapMode::Read, move |r| {
            let _ = tx.send(r);
        });
        self.gpu
            .device
            .poll(wgpu::PollType::wait_indefinitely())
            .ok()?;
        rx.recv().ok()?.ok()?;
        let ticks: Vec<u64> = bytemuck::pod_collect_to_vec(&slice.get_mapped_range().ok()?);
        t.readback.unmap();
        let ns =
            ticks[1].saturating_sub(ticks[0]) as f64 * self.gpu.queue.get_timestamp_period() as f64;
        Some(ns / 1e6)
    }

    /// Read a texture from [`Self::render`] (8-bit codes) back to the CPU.
    pub fn read(&self, texture: &wgpu::Texture) -> Result<Rendered, Error> {
        self.gpu
            .scoped(|| self.read_encoded(self.encoder(), texture, Bits::Eight))
    }

    /// The scene of `photo`. A raw frame is linearised and demosaiced by
    /// the batch kernel's `scene_main` when `fusion` allows it (submitted
    /// at once), otherwise by one pass each, recorded into `encoder`.
    fn record_scene(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        photo: &Photo,
        fusion: Fusion,
    ) -> Result<Scene, Error> {
        Ok(match photo {
            Photo::Raw(frame)
                if fusion == Fusion::Fused
                    && fused_raw::fits(&self.gpu, frame, Target::Scene, None) =>
            {
                Scene {
                    texture: fused_raw::scene(
                        &self.gpu,
                        &self.kernels,
                        &self.buffers,
                        frame,
                        None,
                    )?,
                    matrix: frame.cam_to_srgb,
                }
            }
            Photo::Raw(frame) => {
                let mosaic = self.record_linearize(encoder, frame)?;
                Scene {
                    texture: self.record_demosaic(encoder, &mosaic, frame.cfa),
                    matrix: frame.cam_to_srgb,
                }
            }
            Photo::Developed(image) => Scene {
                texture: self.upload_linear(image)?,
                matrix: IDENTITY,
            },
        })
    }

    /// The output texture of a kernel and its binding slot.
    fn output_texture(&self, w: usize, h: usize, out: Output) -> (wgpu::Texture, u32) {
        match out {
            Output::Codes(Bits::Eight) => (
                self.gpu
                    .texture("encoded", w, h, wgpu::TextureFormat::Rgba8Uint),
                4,
            ),
            Output::Codes(Bits::Sixteen) => (
                self.gpu
                    .texture("encoded", w, h, wgpu::TextureFormat::Rgba16Uint),
                5,
            ),
            // Written as unorm: a window samples the sRGB-encoded codes as they are.
            Output::Display => (
                self.gpu.device.create_texture(&wgpu::TextureDescriptor {
                    label: Some("display"),
                    size: wgpu::Extent3d {
                        width: w as u32,
                        height: h as u32,
                        depth_or_array_layers: 1,
                    },
                    mip_level_count: 1,
                    sample_count: 1,
                    dimension: wgpu::TextureDimension::D2,
                    format: wgpu::TextureFormat::Rgba8Unorm,
                    usage: wgpu::TextureUsages::TEXTURE_BINDING
                        | wgpu::TextureUsages::STORAGE_BINDING
                        | wgpu::TextureUsages::COPY_SRC,
                    view_formats: &[],
                }),
                10,
            ),
        }
    }

    /// Stages c-g over a demosaiced (or developed) image, fused or one dispatch each.
    fn record_pointwise(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        Scene {
            texture: scene,
            matrix,
        }: Scene,
        params: &DevelopParams,
        kernel: Kernel,
        [lut, shaper]: [&wgpu::TextureView; 2],
        tile: Option<([u32; 2], [u32; 2])>,
    ) -> wgpu::Texture {
        let (w, h) = (scene.width() as usize, scene.height() as usize);
        let (origin, full_size) = tile.unwrap_or(([0, 0], [w as u32, h as u32]));
        let uniform = DevelopUniform::new(params, &matrix, origin, full_size);
        let ubuf = self.gpu.uniform(&uniform);
        let (pipeline, src, out) = match kernel {
            Kernel::Fused(out) => {
                let entry = match out {
                    Output::Codes(Bits::Eight) => "fused_8",
                    Output::Codes(Bits::Sixteen) => "fused_16",
                    Output::Display => "fused_display",
                };
                let constants = Specialisation::of(&uniform).constants();
                let pipeline = self.kernels.get(&self.gpu, "pointwise", entry, &constants);
                (pipeline, scene, out)
            }
            Kernel::Separate(bits) => {
                let mut current = scene;
                for stage in Stage::ALL {
                    current = self.record_stage(encoder, &current, stage, &ubuf, [lut, shaper]);
                }
                let entry = match bits {
                    Bits::Eight => "encode_8",
                    Bits::Sixteen => "encode_16",
                };
                (
                    self.kernel("pointwise", entry),
                    current,
                    Output::Codes(bits),
                )
            }
        };
        let (output, out_slot) = self.output_texture(w, h, out);
        let (src_view, out_view) = (view(&src), view(&output));
        let mut bindings = vec![
            (0, ubuf.as_entire_binding()),
            (1, wgpu::BindingResource::TextureView(&src_view)),
            (out_slot, wgpu::BindingResource::TextureView(&out_view)),
        ];
        if let Kernel::Fused(_) = kernel {
            bindings.push((2, wgpu::BindingResource::TextureView(lut)));
            bindings.push((6, wgpu::BindingResource::TextureView(shaper)));
        }
        self.gpu.dispatch(encoder, &pipeline, &bindings, w, h);
        output
    }

    /// Stage a alone: the linearised mosaic.
    pub fn linearize(&self, frame: &RawFrame) -> Result<Vec<f32>, Error> {
        self.gpu.scoped(|| {
            let mut encoder = self.encoder();
            let mosaic = self.record_linearize(&mut encoder, frame)?;
            let bytes = read_texture(&self.gpu, &self.buffers, encoder, &mosaic, 4)?;
            Ok(bytemuck::pod_collect_to_vec(&bytes))
        })
    }

    /// Stage b alone: demosaic a linear mosaic.
    pub fn demosaic(
        &self,
        mosaic: &[f32],
        width: usize,
        height: usize,
        cfa: CfaPattern,
    ) -> Result<LinearImage, Error> {
        assert_eq!(mosaic.len(), width * height);
        self.gpu.check_size(width, height)?;
        self.gpu.scoped(|| {
            let input = self
                .gpu
                .texture("mosaic", width, height, wgpu::TextureFormat::R32Float);
            self.write(&input, bytemuck::cast_slice(mosaic), 4);
            let mut encoder = self.encoder();
            let rgb = self.record_demosaic(&mut encoder, &input, cfa);
            self.read_linear(encoder, &rgb)
        })
    }

    /// One pointwise stage alone, as its own dispatch.
    pub fn stage(
        &self,
        image: &LinearImage,
        stage: Stage,
        uniform: &DevelopUniform,
        lut: Option<&Lut>,
    ) -> Result<LinearImage, Error> {
        self.gpu.scoped(|| {
            let input = self.upload_linear(image)?;
            let (lut, shaper) = self.lut_textures(lut)?;
            let ubuf = self.gpu.uniform(uniform);
            let mut encoder = self.encoder();
            let out = self.record_stage(
                &mut encoder,
                &input,
                stage,
                &ubuf,
                [&view(&lut), &view(&shaper)],
            );
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

    fn upload_raw(&self, frame: &RawFrame) -> Result<wgpu::Texture, Error> {
        self.gpu.check_size(frame.width, frame.height)?;
        let raw = self.gpu.texture(
            "raw",
            frame.width,
            frame.height,
            wgpu::TextureFormat::R16Uint,
        );
        self.write(&raw, bytemuck::cast_slice(&frame.mosaic), 2);
        Ok(raw)
    }

    fn record_linearize(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        frame: &RawFrame,
    ) -> Result<wgpu::Texture, Error> {
        let (w, h) = (frame.width, frame.height);
        let raw = self.upload_raw(frame)?;
        let mosaic = self
            .gpu
            .texture("mosaic", w, h, wgpu::TextureFormat::R32Float);
        let ubuf = self.gpu.uniform(&LinearizeUniform::new(frame));
        self.gpu.dispatch(
            encoder,
            &self.kernel("stencil", "linearize_main"),
            &[
                (0, ubuf.as_entire_binding()),
                (1, wgpu::BindingResource::TextureView(&view(&raw))),
                (2, wgpu::BindingResource::TextureView(&view(&mosaic))),
            ],
            w,
            h,
        );
        Ok(mosaic)
    }

    fn record_demosaic(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        mosaic: &wgpu::Texture,
        cfa: CfaPattern,
    ) -> wgpu::Texture {
        let (w, h) = (mosaic.width() as usize, mosaic.height() as usize);
        let rgb = self
            .gpu
            .texture("camera rgb", w, h, wgpu::TextureFormat::Rgba32Float);
        let ubuf = self.gpu.uniform(&DemosaicUniform::new(cfa));
        self.gpu.dispatch(
            encoder,
            &self.kernel("stencil", "demosaic_main"),
            &[
                (3, ubuf.as_entire_binding()),
                (4, wgpu::BindingResource::TextureView(&view(mosaic))),
                (5, wgpu::BindingResource::TextureView(&view(&rgb))),
            ],
            w,
            h,
        );
        rgb
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
        let ubuf = self.gpu.uniform(&ResizeUniform::new(
            (src.width() as usize, src.height() as usize),
            (w, h),
        ));
        self.gpu.dispatch(
            encoder,
            &self.kernel("resize", "resize_main"),
            &[
                (0, ubuf.as_entire_binding()),
                (1, wgpu::BindingResource::TextureView(&view(src))),
                (2, wgpu::BindingResource::TextureView(&view(&out))),
            ],
            w,
            h,
        );
        out
    }

    fn record_stage(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        input: &wgpu::Texture,
        stage: Stage,
        ubuf: &wgpu::Buffer,
        [lut, shaper]: [&wgpu::TextureView; 2],
    ) -> wgpu::Texture {
        let (w, h) = (input.width() as usize, input.height() as usize);
        let out = self
            .gpu
            .texture("stage", w, h, wgpu::TextureFormat::Rgba32Float);
        let pipeline = &self.kernel("pointwise", stage.entry_point());
        let in_view = view(input);
        let out_view = view(&out);
        let mut bindings = vec![
            (0, ubuf.as_entire_binding()),
            (1, wgpu::BindingResource::TextureView(&in_view)),
            (3, wgpu::BindingResource::TextureView(&out_view)),
        ];
        if stage == Stage::Lut {
            bindings.push((2, wgpu::BindingResource::TextureView(lut)));
            bindings.push((6, wgpu::BindingResource::TextureView(shaper)));
        }
        self.gpu.dispatch(encoder, pipeline, &bindings, w, h);
        out
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
        let bytes = read_texture(&self.gpu, &self.buffers, encoder, texture, 16)?;
        Ok(LinearImage {
            width: texture.width() as usize,
            height: texture.height() as usize,
            data: bytemuck::pod_collect_to_vec(&bytes),
        })
    }

    fn lut_textures(&self, lut: Option<&Lut>) -> Result<(wgpu::Texture, wgpu::Texture), Error> {
        let limit = self.gpu.device.limits().max_texture_dimension_3d;
        if let Some(cube) = lut.and_then(|l| l.cube.as_ref()) {
            if cube.size as u32 > limit {
                return Err(GpuError::LutTooLarge {
                    size: cube.size,
                    limit,
                }
                .into());
            }
        }
        Ok(lut3d::upload(&self.gpu.device, &self.gpu.queue, lut))
    }
}
