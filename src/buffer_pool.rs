//! GPU buffers kept for reuse. A batch develops frame after frame of the
//! same size; allocating (and zero-filling) a few hundred MB of fresh
//! buffers for each costs more than some of the stages.

use std::sync::Mutex;

use crate::gpu::Gpu;

/// How many idle buffers are kept.
const KEEP: usize = 8;

/// Idle buffers, handed out by usage and size.
#[derive(Default)]
pub struct BufferPool {
    free: Mutex<Vec<wgpu::Buffer>>,
}

impl BufferPool {
    /// A buffer with exactly `usage` and at least `size` bytes.
    pub fn take(&self, gpu: &Gpu, usage: wgpu::BufferUsages, size: u64) -> wgpu::Buffer {
        let mut free = self.free.lock().expect("buffer pool lock");
        let fits = |b: &wgpu::Buffer| b.usage() == usage && b.size() >= size;
        match free.iter().position(fits) {
            Some(i) => free.swap_remove(i),
            None => gpu.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("pooled"),
                size,
                usage,
                mapped_at_creation: false,
            }),
        }
    }

    /// Return a buffer the GPU has finished with.
    pub fn give_back(&self, buffer: wgpu::Buffer) {
        let mut free = self.free.lock().expect("buffer pool lock");
        free.push(buffer);
        if free.len() > KEEP {
            // Keep the largest: frames of one batch tend to share a size.
            free.sort_by_key(|b| std::cmp::Reverse(b.size()));
            free.truncate(KEEP);
        }
    }
}
