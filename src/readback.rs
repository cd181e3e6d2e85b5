//! Copying a texture back to the CPU. Buffer rows must be multiples of
//! 256 bytes (`COPY_BYTES_PER_ROW_ALIGNMENT`), so rows are padded on the GPU
//! side and unpadded here.

use crate::error::GpuError;
use crate::gpu::Gpu;

pub fn padded_bytes_per_row(width: usize, bytes_per_pixel: usize) -> usize {
    let align = wgpu::COPY_BYTES_PER_ROW_ALIGNMENT as usize;
    (width * bytes_per_pixel).div_ceil(align) * align
}

/// Append a copy of `texture` to `encoder`, submit, wait, and return the
/// tightly packed bytes.
pub fn read_texture(
    gpu: &Gpu,
    mut encoder: wgpu::CommandEncoder,
    texture: &wgpu::Texture,
    bytes_per_pixel: usize,
) -> Result<Vec<u8>, GpuError> {
    let (width, height) = (texture.width() as usize, texture.height() as usize);
    let padded = padded_bytes_per_row(width, bytes_per_pixel);
    let buffer = gpu.device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("readback"),
        size: (padded * height) as u64,
        usage: wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::MAP_READ,
        mapped_at_creation: false,
    });
    encoder.copy_texture_to_buffer(
        texture.as_image_copy(),
        wgpu::TexelCopyBufferInfo {
            buffer: &buffer,
            layout: wgpu::TexelCopyBufferLayout {
                offset: 0,
                bytes_per_row: Some(padded as u32),
                rows_per_image: Some(height as u32),
            },
        },
        texture.size(),
    );
    gpu.queue.submit([encoder.finish()]);
    let slice = buffer.slice(..);
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
    let row = width * bytes_per_pixel;
    let mut out = Vec::with_capacity(row * height);
    {
        let mapped = slice
            .get_mapped_range()
            .map_err(|e| GpuError::Readback(e.to_string()))?;
        for chunk in mapped.chunks(padded) {
            out.extend_from_slice(&chunk[..row]);
        }
    }
    buffer.unmap();
    Ok(out)
}
