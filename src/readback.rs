//! Copying a texture back to the CPU. Buffer rows must be multiples of
//! 256 bytes (`COPY_BYTES_PER_ROW_ALIGNMENT`), so rows are padded on the GPU
//! side and unpadded here. Staging buffers are kept in a small ring and
//! reused from frame to frame instead of being allocated for each one.

use std::sync::Mutex;

use crate::error::GpuError;
use crate::gpu::Gpu;

/// How many idle staging buffers are kept for reuse.
const RING: usize = 3;

/// Reusable MAP_READ staging buffers.
#[derive(Default)]
pub struct StagingRing {
    free: Mutex<Vec<wgpu::Buffer>>,
}

impl StagingRing {
    fn take(&self, gpu: &Gpu, size: u64) -> wgpu::Buffer {
        let mut free = self.free.lock().expect("staging lock");
        match free.iter().position(|b| b.size() >= size) {
            Some(i) => free.swap_remove(i),
            None => gpu.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("readback"),
                size,
                usage: wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::MAP_READ,
                mapped_at_creation: false,
            }),
        }
    }

    fn give_back(&self, buffer: wgpu::Buffer) {
        let mut free = self.free.lock().expect("staging lock");
        free.push(buffer);
        if free.len() > RING {
            // Keep the largest: frames of one batch tend to share a size.
            free.sort_by_key(|b| std::cmp::Reverse(b.size()));
            free.truncate(RING);
        }
    }
}

pub fn padded_bytes_per_row(width: usize, bytes_per_pixel: usize) -> usize {
    let align = wgpu::COPY_BYTES_PER_ROW_ALIGNMENT as usize;
    (width * bytes_per_pixel).div_ceil(align) * align
}

/// Append a copy of `texture` to `encoder`, submit, wait, and return the
/// tightly packed bytes.
pub fn read_texture(
    gpu: &Gpu,
    ring: &StagingRing,
    mut encoder: wgpu::CommandEncoder,
    texture: &wgpu::Texture,
    bytes_per_pixel: usize,
) -> Result<Vec<u8>, GpuError> {
    let (width, height) = (texture.width() as usize, texture.height() as usize);
    let padded = padded_bytes_per_row(width, bytes_per_pixel);
    let staging = ring.take(gpu, (padded * height) as u64);
    encoder.copy_texture_to_buffer(
        texture.as_image_copy(),
        wgpu::TexelCopyBufferInfo {
            buffer: &staging,
            layout: wgpu::TexelCopyBufferLayout {
                offset: 0,
                bytes_per_row: Some(padded as u32),
                rows_per_image: Some(height as u32),
            },
        },
        texture.size(),
    );
    let row = width * bytes_per_pixel;
    finish(
        gpu,
        ring,
        encoder,
        staging,
        (padded * height) as u64,
        |mapped| {
            let mut out = Vec::with_capacity(row * height);
            for chunk in mapped.chunks(padded) {
                out.extend_from_slice(&chunk[..row]);
            }
            out
        },
    )
}

/// Append a copy of `buffer` to `encoder`, submit, wait, and hand its
/// bytes to `read`.
pub fn read_buffer<T>(
    gpu: &Gpu,
    ring: &StagingRing,
    mut encoder: wgpu::CommandEncoder,
    buffer: &wgpu::Buffer,
    read: impl FnOnce(&[u8]) -> T,
) -> Result<T, GpuError> {
    let staging = ring.take(gpu, buffer.size());
    encoder.copy_buffer_to_buffer(buffer, 0, &staging, 0, buffer.size());
    finish(gpu, ring, encoder, staging, buffer.size(), read)
}

/// Submit `encoder` (which copies into `staging`), map the first `len`
/// bytes, read them, and return `staging` to the ring.
fn finish<T>(
    gpu: &Gpu,
    ring: &StagingRing,
    encoder: wgpu::CommandEncoder,
    staging: wgpu::Buffer,
    len: u64,
    read: impl FnOnce(&[u8]) -> T,
) -> Result<T, GpuError> {
    gpu.queue.submit([encoder.finish()]);
    let slice = staging.slice(..len);
    let (tx, rx) = std::sync::mpsc::channel();
    slice.map_async(wgpu::MapMode::Read, move |r| {
        let _ = tx.send(r);
    });
    gpu.device
        .poll(wgpu::PollType::wait_indefinitely())
        .map_err(|e| GpuError::Readback(e.to_string()))?;
    rx.recv()
        .map_err(|e| GpuError::Readback(e.to_string()))?
        .map_err(|e| GpuError::Readback(e.to_string()))?;
    let out = {
        let mapped = slice
            .get_mapped_range()
            .map_err(|e| GpuError::Readback(e.to_string()))?;
        read(&mapped)
    };
    staging.unmap();
    ring.give_back(staging);
    Ok(out)
}
