//! The histogram of a rendered 8-bit image: how many pixels have each code,
//! per channel. The preview draws it, and counts clipped highlights (code
//! 255) and crushed shadows (code 0) from it. The GPU kernel
//! (`shaders/histogram.wgsl`) counts a display texture where it lies;
//! [`Histogram::of_codes`] is its CPU twin.

use crate::error::Error;
use crate::gpu::{view, Gpu};
use crate::kernels::Kernels;
use crate::ops::glue::Glue;
use crate::pool::Pool;
use crate::readback::{read_buffer, readable_storage};

/// Bins per channel: one per 8-bit code.
pub const BINS: usize = 256;

/// Pixel counts per code: red, green, blue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Histogram {
    pub counts: [[u32; BINS]; 3],
}

impl Histogram {
    /// CPU twin of `histogram_main`: the histogram of interleaved 8-bit RGB.
    pub fn of_codes(rgb: &[u8]) -> Self {
        let mut counts = [[0; BINS]; 3];
        for pixel in rgb.chunks_exact(3) {
            for (c, &code) in pixel.iter().enumerate() {
                counts[c][code as usize] += 1;
            }
        }
        Histogram { counts }
    }

    /// Pixels counted (per channel; every channel counts every pixel).
    pub fn pixels(&self) -> u64 {
        self.counts[0].iter().map(|&n| n as u64).sum()
    }

    /// Per channel, the pixels at its highest code (clipped highlights)
    /// and at its lowest (crushed shadows).
    pub fn clipped(&self) -> ([u32; 3], [u32; 3]) {
        (self.counts.map(|c| c[BINS - 1]), self.counts.map(|c| c[0]))
    }
}

/// Counts histograms on a GPU: its kernel, built on first use, and a
/// staging buffer kept for reuse.
#[derive(Default)]
pub struct Histograms {
    kernels: Kernels,
    pool: Pool,
}

impl Histograms {
    /// The histogram of `image`, an rgba8unorm texture of codes (a
    /// [`crate::preview::Preview`] frame); waits for it.
    pub fn of(&self, gpu: &Gpu, image: &wgpu::Texture) -> Result<Histogram, Error> {
        gpu.scoped(|| {
            let len = (3 * BINS * 4) as u64;
            // New buffers start zeroed: the bins the kernel adds to.
            let bins = gpu.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("histogram"),
                size: len,
                usage: readable_storage(gpu),
                mapped_at_creation: false,
            });
            let kernel = self
                .kernels
                .get(gpu, "histogram", "histogram_main", &Glue::default());
            let mut encoder = gpu
                .device
                .create_command_encoder(&wgpu::CommandEncoderDescriptor::default());
            gpu.dispatch(
                &mut encoder,
                &kernel,
                &[
                    ("image", wgpu::BindingResource::TextureView(&view(image))),
                    ("bins", bins.as_entire_binding()),
                ],
                image.width() as usize,
                image.height() as usize,
            );
            let counts = read_buffer(gpu, &self.pool, encoder, &bins, len, |bytes| {
                let all: &[u32] = bytemuck::cast_slice(bytes);
                [0, 1, 2].map(|c| {
                    all[c * BINS..][..BINS]
                        .try_into()
                        .expect("256 bins a channel")
                })
            })?;
            Ok(Histogram { counts })
        })
    }
}
