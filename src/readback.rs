//! Copying GPU results back to the CPU. Texture rows must be copied in
//! multiples of 256 bytes (`COPY_BYTES_PER_ROW_ALIGNMENT`), so they are
//! padded on the GPU side and unpadded here. Staging buffers come from the
//! pipeline's [`Pool`] and are reused from frame to frame; on a CPU
//! device storage buffers are read in place, without one.

use crate::error::GpuError;
use crate::gpu::Gpu;
use crate::pool::Pool;

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
    pool: &Pool,
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
    let out = finish(gpu, encoder, &staging, (padded * height) as u64, |mapped| {
        let mut out = Vec::with_capacity(row * height);
        for chunk in mapped.chunks(padded) {
            out.extend_from_slice(&chunk[..row]);
        }
        out
    });
    pool.give_back(staging);
    out
}

/// Usage for a storage buffer that [`read_buffer`] will read: mapped in
/// place where the device maps storage, copied out otherwise.
pub fn readable_storage(gpu: &Gpu) -> wgpu::BufferUsages {
    wgpu::BufferUsages::STORAGE
        | if gpu.maps_storage {
            wgpu::BufferUsages::MAP_READ
        } else {
            wgpu::BufferUsages::COPY_SRC
        }
}

/// Submit `encoder`, wait, and hand the first `len` bytes of `buffer`
/// (made with [`readable_storage`]) to `read`.
pub fn read_buffer<T>(
    gpu: &Gpu,
    pool: &Pool,
    mut encoder: wgpu::CommandEncoder,
    buffer: &wgpu::Buffer,
    len: u64,
    read: impl FnOnce(&[u8]) -> T,
) -> Result<T, GpuError> {
    if buffer.usage().contains(wgpu::BufferUsages::MAP_READ) {
        return finish(gpu, encoder, buffer, len, read);
    }
    let staging = pool.take(gpu, STAGING, len);
    encoder.copy_buffer_to_buffer(buffer, 0, &staging, 0, len);
    let out = finish(gpu, encoder, &staging, len, read);
    pool.give_back(staging);
    out
}

/// Submit `encoder` (which fills `buffer`), map the first `len` bytes of
/// `buffer`, and read them.
fn finish<T>(
    gpu: &Gpu,
    encoder: wgpu::CommandEncoder,
    buffer: &wgpu::Buffer,
    len: u64,
    read: impl FnOnce(&[u8]) -> T,
) -> Result<T, GpuError> {
    let submitted = gpu.queue.submit([encoder.finish()]);
    let slice = buffer.slice(..len);
    gpu.map(&slice, wgpu::MapMode::Read, Some(submitted))?;
    let out = {
        let mapped = slice
            .get_mapped_range()
            .map_err(|e| GpuError::Readback(e.to_string()))?;
        read(&mapped)
    };
    buffer.unmap();
    Ok(out)
}
