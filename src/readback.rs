//! Copying GPU results back to the CPU. Texture rows must be copied in
//! multiples of 256 bytes (`COPY_BYTES_PER_ROW_ALIGNMENT`), so they are
//! padded on the GPU side and unpadded here. Staging buffers come from the
//! pipeline's [`BufferPool`] and are reused from frame to frame.

use crate::buffer_pool::BufferPool;
use crate::error::GpuError;
use crate::gpu::Gpu;

const STAGING: wgpu::BufferUsages =
    wgpu::BufferUsages::COPY_DST.union(wgpu::BufferUsages::MAP_READ);

pub fn padded_bytes_per_row(width: usize, bytes_per_pixel: usize) -> usize {
    let align = wgpu::COPY_BYTES_PER_ROW_ALIGNMENT as usize;
    (width * bytes_per_pixel).div_ceil(align) * align
}

/// Append a copy of `texture` to `encoder`, submit, wait, and return the
/// tightly packed bytes.
pub fn read_texture(
    gpu: &Gpu,
    pool: &BufferPool,
    mut encoder: wgpu::CommandEncoder,
    texture: &wgpu::Texture,
    bytes_per_pixel: usize,
) -> Result<Vec<u8>, GpuError> {
    let (width, height) = (texture.width() as usize, texture.height() as usize);
    let padded = padded_bytes_per_row(width, bytes_per_pixel);
    let staging = pool.take(gpu, STAGING, (padded * height) as u64);
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
        pool,
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

/// Append a copy of the first `len` bytes of `buffer` to `encoder`,
/// submit, wait, and hand those bytes to `read`.
pub fn read_buffer<T>(
    gpu: &Gpu,
    pool: &BufferPool,
    mut encoder: wgpu::CommandEncoder,
    buffer: &wgpu::Buffer,
    len: u64,
    read: impl FnOnce(&[u8]) -> T,
) -> Result<T, GpuError> {
    let staging = pool.take(gpu, STAGING, len);
    encoder.copy_buffer_to_buffer(buffer, 0, &staging, 0, len);
    finish(gpu, pool, encoder, staging, len, read)
}

/// Submit `encoder` (which copies into `staging`), map the first `len`
/// bytes, read them, and return `staging` to the pool.
fn finish<T>(
    gpu: &Gpu,
    pool: &BufferPool,
    encoder: wgpu::CommandEncoder,
    staging: wgpu::Buffer,
    len: u64,
    read: impl FnOnce(&[u8]) -> T,
) -> Result<T, GpuError> {
    gpu.queue.submit([encoder.finish()]);
    let slice = staging.slice(..len);
    gpu.map(&slice, wgpu::MapMode::Read)?;
    let out = {
        let mapped = slice
            .get_mapped_range()
            .map_err(|e| GpuError::Readback(e.to_string()))?;
        read(&mapped)
    };
    staging.unmap();
    pool.give_back(staging);
    Ok(out)
}
