//! Host side of the block kernel (`shaders/kernels/block.wgsl`): a plan's
//! raw photosites to packed RGB code values in one dispatch (the batch
//! path), or to the linear scene. It runs the plan's photosite ops, its
//! stencil op when that reaches no further than [`REACH`], and its
//! pointwise ops, fused.
//!
//! The kernel works on blocks of 4x2 pixels that start on a red photosite.
//! The mosaic is laid out for it here: shifted so that red photosites sit
//! at even columns and rows, with the mirrored border ([`REACH`]
//! photosites) written out, rounded up to whole blocks, and cut into
//! column strips of eight blocks stored one after the other.
//! The output rows come back packed (RGB, no alpha) in the same shifted
//! frame; the extra pixels are dropped while reading back. A frame whose
//! buffers would exceed the device's limits (on a CPU device, 8 MiB) goes
//! through in bands of block rows, each with its halo of [`REACH`] rows of
//! photosites above and below.

use std::ops::Range;
use std::sync::Arc;

use bytemuck::{Pod, Zeroable};

use crate::error::{Error, GpuError};
use crate::frame::{Pixels, RawFrame, Rendered};
use crate::gpu::Gpu;
use crate::kernels::{Kernel, Kernels};
use crate::ops::common::mirror;
use crate::ops::encode::Encode;
use crate::ops::glue::Glue;
use crate::params::Bits;
use crate::plan::{Chain, RawScene, Tile};
use crate::pool::Pool;
use crate::readback::{read_buffer, readable_storage};

/// How far a stencil op may read from its pixel to fuse into the kernel:
/// its window holds the block and this many photosites on every side.
pub const REACH: usize = 2;

/// Whether the scene part fuses into the block kernel: a demosaic within
/// its reach, and any noise reduction done before (its wavelet levels
/// reach far: [`crate::ops::denoise::encoded`]).
pub fn fuses(scene: &RawScene) -> bool {
    scene.denoise.is_none() && scene.demosaic.rgb_reach() <= REACH
}

/// A raw scene and what the kernel reads besides its photosites, each
/// uploaded or computed once for all the bands (see
/// [`crate::pipeline::GpuPipeline::block_inputs`]).
pub struct Inputs<'a> {
    pub scene: RawScene<'a>,
    /// The photosite ops' storage buffers ([`RawScene::buffers`]).
    pub buffers: Vec<(&'static str, wgpu::Buffer)>,
    /// The images of the stencil's first passes that its last pass reads
    /// ([`crate::ops::Pass::kept`]), each of the whole frame, by pass.
    pub images: Vec<(usize, wgpu::Texture)>,
}

impl Inputs<'_> {
    /// Bindings of the images (the views alongside, kept alive by the
    /// caller).
    fn image_views(&self) -> Vec<(String, wgpu::TextureView)> {
        self.images
            .iter()
            .map(|(k, t)| (format!("stencil_image_{k}"), crate::gpu::view(t)))
            .collect()
    }
}

/// Workgroup width of the kernel, in blocks.
const GROUP: usize = 64;
/// Block rows per invocation (`STRIP` in the shader).
const STRIP: usize = 8;
/// Blocks across one column strip of the raw buffer (`STRIP_BLOCKS` in
/// the shader), and photosites across a row of one: its blocks and the
/// filter's reach on either side.
const STRIP_BLOCKS: usize = 8;
const STRIP_SITES: usize = 4 * STRIP_BLOCKS + 2 * REACH;

/// Block rows developed by one dispatch.
type Band = Range<usize>;

/// Layout of `struct RawLayout` in `shaders/kernels/block.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable)]
struct LayoutUniform {
    raw_strip: u32,
    out_stride: u32,
    blocks: [u32; 2],
    red: [u32; 2],
    band_row: u32,
    /// Always 0 (see `stored` in the shader).
    zero: u32,
    size: [u32; 2],
    _pad: [u32; 2],
}

/// What the kernel writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// Packed code values (`codes_main`), read back.
    Codes(Bits),
    /// Linear camera RGB into an rgba32float texture (`scene_main`).
    Scene,
}

/// Where a frame's pixels sit in the kernel's buffers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Layout {
    width: usize,
    height: usize,
    /// Column and row of the red photosite in the frame's first 2x2 cell;
    /// also where image pixel (0, 0) lands in the output.
    red: [usize; 2],
    /// Blocks of 4x2 output pixels across and down.
    blocks: [usize; 2],
}

impl Layout {
    fn new(frame: &RawFrame) -> Self {
        let cell = frame.cfa.colors().iter().position(|&c| c == 0);
        let cell = cell.expect("every Bayer pattern has a red cell");
        let red = [cell & 1, cell >> 1];
        Layout {
            width: frame.width,
            height: frame.height,
            red,
            blocks: [
                (frame.width + red[0]).div_ceil(4),
                (frame.height + red[1]).div_ceil(2),
            ],
        }
    }

    /// Output pixels across and down (whole blocks).
    fn out_size(&self) -> [usize; 2] {
        [4 * self.blocks[0], 2 * self.blocks[1]]
    }

    /// Column strips of the raw buffer.
    fn strips(&self) -> usize {
        self.blocks[0].div_ceil(STRIP_BLOCKS)
    }

    /// Photosites across a row of the padded mosaic: whole strips and the
    /// reach on either side.
    fn raw_width(&self) -> usize {
        4 * STRIP_BLOCKS * self.strips() + 2 * REACH
    }

    /// Bytes of one photosite row in the raw buffer, over all its strips.
    fn raw_row_bytes(&self) -> usize {
        self.strips() * STRIP_SITES * 2
    }

    fn out_row_bytes(&self, bits: Bits) -> usize {
        self.out_size()[0] * 3 * bytes_per_channel(bits)
    }

    /// Block rows per band, so that a band's buffers fit in `max_bytes`: a
    /// band of n block rows reads 2n + 2 REACH rows of the padded mosaic
    /// and writes 2n output rows. `None` if not even one block row fits.
    fn band_rows(&self, target: Target, max_bytes: u64, max_groups: u32) -> Option<usize> {
        let halo = 2 * REACH as u64;
        let by_raw = (max_bytes / self.raw_row_bytes() as u64).saturating_sub(halo) / 2;
        let by_out = match target {
            Target::Codes(bits) => max_bytes / self.out_row_bytes(bits) as u64 / 2,
            Target::Scene => u64::MAX,
        };
        let rows = by_raw.min(by_out).min(max_groups as u64) as usize;
        (rows > 0 && self.blocks[0].div_ceil(GROUP) <= max_groups as usize)
            .then(|| rows.min(self.blocks[1]))
    }

    /// Workgroups of one band's dispatch: 64 block columns across, one
    /// strip of block rows down.
    fn groups(&self, band: &Band) -> [u32; 2] {
        [
            self.blocks[0].div_ceil(GROUP) as u32,
            band.len().div_ceil(STRIP) as u32,
        ]
    }

    fn raw_bytes(&self, band: &Band) -> u64 {
        (raw_rows(band) * self.raw_row_bytes()) as u64
    }

    fn out_bytes(&self, band: &Band, bits: Bits) -> u64 {
        (2 * band.len() * self.out_row_bytes(bits)) as u64
    }

    fn uniform(&self, band: &Band, target: Target) -> LayoutUniform {
        let out_row_bytes = match target {
            Target::Codes(bits) => self.out_row_bytes(bits),
            Target::Scene => 0,
        };
        LayoutUniform {
            raw_strip: (raw_rows(band) * STRIP_SITES / 2) as u32,
            out_stride: (out_row_bytes / 4) as u32,
            blocks: [self.blocks[0] as u32, band.len() as u32],
            red: self.red.map(|r| r as u32),
            band_row: 2 * band.start as u32,
            zero: 0,
            size: [self.width as u32, self.height as u32],
            _pad: [0; 2],
        }
    }

    /// Row `r` of the padded mosaic: frame pixel (x, y) lands at
    /// (x + red.x + REACH, y + red.y + REACH); everything around it is
    /// mirrored.
    fn padded_row(&self, frame: &RawFrame, r: usize, row: &mut [u16]) {
        let at =
            |i: usize, shift: usize, n: usize| mirror(i as i64 - (shift + REACH) as i64, n as i64);
        let src = &frame.mosaic[at(r, self.red[1], self.height) * self.width..][..self.width];
        let left = self.red[0] + REACH;
        row[left..left + self.width].copy_from_slice(src);
        for x in (0..left).chain(left + self.width..row.len()) {
            row[x] = src[at(x, self.red[0], self.width)];
        }
    }

    /// The padded mosaic rows that `band` reads into `dst`, two photosites
    /// per little-endian word, in column strips: strip s holds photosites
    /// 32 s to 32 s + 35 of every row, row after row. Neighbouring
    /// invocations walk down neighbouring block columns, so on a CPU device
    /// each SIMD batch of them reads one strip from top to bottom: a stream
    /// through memory, where rows of the whole mosaic would put a cache
    /// miss on every row (a fifth of the kernel's time on lavapipe).
    fn write_raw(&self, frame: &RawFrame, band: &Band, dst: &mut wgpu::BufferViewMut) {
        let rows = raw_rows(band);
        let strip_row = STRIP_SITES * 2;
        let mut row = vec![0u16; self.raw_width()];
        for (i, r) in (2 * band.start..).take(rows).enumerate() {
            self.padded_row(frame, r, &mut row);
            for s in 0..self.strips() {
                let at = (s * rows + i) * strip_row;
                let sites = &row[4 * STRIP_BLOCKS * s..][..STRIP_SITES];
                dst.slice(at..at + strip_row)
                    .copy_from_slice(bytemuck::cast_slice(sites));
            }
        }
    }

    /// Append the frame's pixels among `band`'s packed output rows to `out`.
    fn unpack(&self, packed: &[u8], band: &Band, bits: Bits, out: &mut Vec<u8>) {
        let stride = self.out_row_bytes(bits);
        let size = 3 * bytes_per_channel(bits);
        let (start, len) = (self.red[0] * size, self.width * size);
        let image_rows = self.red[1]..self.red[1] + self.height;
        for (i, row) in packed.chunks_exact(stride).enumerate() {
            if image_rows.contains(&(2 * band.start + i)) {
                out.extend_from_slice(&row[start..start + len]);
            }
        }
    }
}

/// Photosite rows that `band` reads: its own and the reach above and below.
fn raw_rows(band: &Band) -> usize {
    2 * band.len() + 2 * REACH
}

fn bytes_per_channel(bits: Bits) -> usize {
    match bits {
        Bits::Eight => 1,
        Bits::Sixteen => 2,
    }
}

/// The largest buffer a band uses on a CPU device. Its buffers are host
/// memory, faulted in page by page on first use, and a batch keeps a set
/// per develop thread: small bands keep those sets small (six 12 MP DNGs:
/// 92-103k page faults with whole frames, 85-88k with these).
const CPU_BAND_BYTES: u64 = 8 << 20;

/// The largest buffer a band may use on this device.
fn max_band_bytes(gpu: &Gpu) -> u64 {
    let limits = gpu.device.limits();
    let most = limits
        .max_buffer_size
        .min(limits.max_storage_buffer_binding_size);
    if gpu.maps_storage {
        most.min(CPU_BAND_BYTES)
    } else {
        most
    }
}

/// Whether this device can run the kernel on `frame` for `target`, in
/// bands of at most `max_band_bytes` (default: the device's buffer limits,
/// and 8 MiB on a CPU device).
pub fn fits(gpu: &Gpu, frame: &RawFrame, target: Target, max_band_bytes: Option<u64>) -> bool {
    let fits_texture = target != Target::Scene || gpu.check_size(frame.width, frame.height).is_ok();
    fits_texture && bands(gpu, &Layout::new(frame), target, max_band_bytes).is_ok()
}

/// The bands of block rows that the frame of `layout` is processed in for
/// `target`; an error if not even one block row fits.
fn bands(
    gpu: &Gpu,
    layout: &Layout,
    target: Target,
    max_band_bytes: Option<u64>,
) -> Result<impl Iterator<Item = Band>, GpuError> {
    let max = max_band_bytes.unwrap_or_else(|| self::max_band_bytes(gpu));
    let groups = gpu.device.limits().max_compute_workgroups_per_dimension;
    let rows = layout.band_rows(target, max, groups).ok_or_else(|| {
        GpuError::Failed(format!(
            "a {}-pixel row exceeds this GPU's buffer limit of {max} bytes",
            layout.width
        ))
    })?;
    let total = layout.blocks[1];
    Ok((0..total)
        .step_by(rows)
        .map(move |start| start..(start + rows).min(total)))
}

/// The band's photosites in a storage buffer, written in place where the
/// device maps storage, through a staging buffer (returned too, for the
/// pool) otherwise.
fn upload_band(
    gpu: &Gpu,
    pool: &Pool,
    layout: &Layout,
    frame: &RawFrame,
    band: &Band,
    encoder: &mut wgpu::CommandEncoder,
) -> Result<(wgpu::Buffer, Option<wgpu::Buffer>), Error> {
    use wgpu::BufferUsages as U;
    let len = layout.raw_bytes(band);
    let write = |buffer: &wgpu::Buffer| -> Result<(), Error> {
        gpu.map(&buffer.slice(..len), wgpu::MapMode::Write, None)?;
        layout.write_raw(
            frame,
            band,
            &mut buffer
                .slice(..len)
                .get_mapped_range_mut()
                .map_err(|e| GpuError::Failed(e.to_string()))?,
        );
        buffer.unmap();
        Ok(())
    };
    if gpu.maps_storage {
        let raw = pool.take(gpu, U::STORAGE | U::MAP_WRITE, len);
        write(&raw)?;
        return Ok((raw, None));
    }
    let upload = pool.take(gpu, U::MAP_WRITE | U::COPY_SRC, len);
    let raw = pool.take(gpu, U::STORAGE | U::COPY_DST, len);
    write(&upload)?;
    encoder.copy_buffer_to_buffer(&upload, 0, &raw, 0, len);
    Ok((raw, Some(upload)))
}

/// The photosite ops count cells from the frame's red photosite, so each
/// block photosite's cell is a constant of the kernel.
fn scene_glue(scene: &RawScene, layout: &Layout) -> Glue {
    let mut glue = scene.glue(layout.red);
    glue.constants.push(("STRIP", STRIP as f64));
    glue
}

/// The kernel that develops `scene` through `chain`, specialised for them
/// and compiled on first use.
fn codes_kernel(gpu: &Gpu, kernels: &Kernels, scene: &RawScene, chain: &Chain) -> Arc<Kernel> {
    let glue = scene_glue(scene, &Layout::new(scene.frame)).pointwise(&chain.ops, &chain.encode);
    kernels.get(gpu, "block", "codes_main", &glue)
}

/// Develop a raw scene through `chain`, one dispatch per band of rows: as
/// many rows as the device's buffer limits (8 MiB on a CPU device) or
/// `max_band_bytes` allow, so a frame of any height fits. Bands overlap by
/// the reach, and each is told its place in the frame, so they join
/// without a seam. A frame that does not [`fits`], or a stencil that does
/// not [`fuses`], is an error.
pub fn develop(
    gpu: &Gpu,
    kernels: &Kernels,
    pool: &Pool,
    inputs: &Inputs,
    chain: &Chain,
    max_band_bytes: Option<u64>,
) -> Result<Rendered, Error> {
    let scene = &inputs.scene;
    let frame = scene.frame;
    check_fuses(scene)?;
    let layout = Layout::new(frame);
    let bits = chain.bits();
    let target = Target::Codes(bits);
    let kernel = codes_kernel(gpu, kernels, scene, chain);
    let textures = Chain::textures(&chain.ops, gpu)?;
    let mut views: Vec<_> = textures
        .iter()
        .map(|(name, t)| (name.to_string(), crate::gpu::view(t)))
        .collect();
    views.extend(inputs.image_views());
    let photosites = gpu.uniform_bytes(&scene.uniform(layout.red));
    // Taken when the first band is read, not before its dispatch: by then
    // the encoder has often handed back an earlier frame's memory, where
    // fresh memory would be faulted in page by page.
    let mut pixels = None;
    let len = frame.width * frame.height * 3 * bytes_per_channel(bits);
    for band in bands(gpu, &layout, target, max_band_bytes)? {
        let mut encoder = gpu
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor::default());
        let (raw, upload) = upload_band(gpu, pool, &layout, frame, &band, &mut encoder)?;
        let out_len = layout.out_bytes(&band, bits);
        let out = pool.take(gpu, readable_storage(gpu), out_len);
        // The band's place in the frame, for vignette and dither.
        let tile = Tile {
            origin: [0, 2 * band.start as u32],
            full_size: [frame.width as u32, frame.height as u32],
        };
        let develop = gpu.uniform_bytes(&chain.uniform(&chain.ops, tile));
        let layout_buf = gpu.uniform(&layout.uniform(&band, target));
        let mut resources = vec![
            ("u", develop.as_entire_binding()),
            ("photosites", photosites.as_entire_binding()),
            ("frame", layout_buf.as_entire_binding()),
            ("raw", raw.as_entire_binding()),
            ("out", out.as_entire_binding()),
        ];
        for (name, buffer) in &inputs.buffers {
            resources.push((name, buffer.as_entire_binding()));
        }
        for (name, view) in &views {
            resources.push((name.as_str(), wgpu::BindingResource::TextureView(view)));
        }
        gpu.dispatch_groups(&mut encoder, &kernel, &resources, layout.groups(&band));
        let read = read_buffer(gpu, pool, encoder, &out, out_len, |bytes| {
            let pixels = pixels.get_or_insert_with(|| pool.take_bytes(len));
            layout.unpack(bytes, &band, bits, pixels)
        });
        for buffer in [Some(raw), upload, Some(out)].into_iter().flatten() {
            pool.give_back(buffer);
        }
        read?;
    }
    let pixels = pixels.unwrap_or_default();
    Ok(Rendered {
        width: frame.width,
        height: frame.height,
        pixels: match bits {
            Bits::Eight => Pixels::Eight(pixels),
            Bits::Sixteen => Pixels::Sixteen(bytemuck::pod_collect_to_vec(&pixels)),
        },
    })
}

fn check_fuses(scene: &RawScene) -> Result<(), Error> {
    if fuses(scene) {
        return Ok(());
    }
    Err(GpuError::Failed(format!(
        "the demosaic {}'s last pass reaches {} photosites{}, beyond the block kernel's {REACH}",
        scene.demosaic.wgsl().name,
        scene.demosaic.rgb_reach(),
        if scene.denoise.is_some() {
            " and the noise reduction is still to run"
        } else {
            ""
        },
    ))
    .into())
}

/// Run the photosite ops and the demosaic of `scene` into an rgba32float
/// texture of linear camera RGB (the scene the pointwise ops render
/// from), in bands like [`develop`]. Waits until it is written. A frame
/// that does not [`fits`], or a stencil that does not [`fuses`], is an
/// error.
pub fn scene(
    gpu: &Gpu,
    kernels: &Kernels,
    pool: &Pool,
    inputs: &Inputs,
    max_band_bytes: Option<u64>,
) -> Result<wgpu::Texture, Error> {
    let scene = &inputs.scene;
    let frame = scene.frame;
    check_fuses(scene)?;
    gpu.check_size(frame.width, frame.height)?;
    let layout = Layout::new(frame);
    let texture = gpu.texture(
        "scene",
        frame.width,
        frame.height,
        wgpu::TextureFormat::Rgba32Float,
    );
    let target_view = crate::gpu::view(&texture);
    // The kernel must define the pointwise chain that `codes_main` calls.
    let unused = Chain::encode_only(Encode::new(Bits::Eight, false));
    let glue = scene_glue(scene, &layout).pointwise(&unused.ops, &unused.encode);
    let kernel = kernels.get(gpu, "block", "scene_main", &glue);
    let photosites = gpu.uniform_bytes(&scene.uniform(layout.red));
    let views = inputs.image_views();
    for band in bands(gpu, &layout, Target::Scene, max_band_bytes)? {
        let mut encoder = gpu
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor::default());
        let (raw, upload) = upload_band(gpu, pool, &layout, frame, &band, &mut encoder)?;
        let layout_buf = gpu.uniform(&layout.uniform(&band, Target::Scene));
        let mut resources = vec![
            ("photosites", photosites.as_entire_binding()),
            ("frame", layout_buf.as_entire_binding()),
            ("raw", raw.as_entire_binding()),
            (
                "scene_out",
                wgpu::BindingResource::TextureView(&target_view),
            ),
        ];
        for (name, buffer) in &inputs.buffers {
            resources.push((name, buffer.as_entire_binding()));
        }
        for (name, view) in &views {
            resources.push((name.as_str(), wgpu::BindingResource::TextureView(view)));
        }
        gpu.dispatch_groups(&mut encoder, &kernel, &resources, layout.groups(&band));
        gpu.wait(gpu.queue.submit([encoder.finish()]))?;
        for buffer in [Some(raw), upload].into_iter().flatten() {
            pool.give_back(buffer);
        }
    }
    Ok(texture)
}
