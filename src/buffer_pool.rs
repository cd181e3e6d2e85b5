//! GPU buffers, and host memory for developed pixels, kept for reuse. A
//! batch develops frame after frame of the same size; allocating (and
//! zero-filling) a few hundred MB of fresh buffers for each costs more than
//! some of the stages. Fresh host memory is faulted in a page at a time as
//! it is first written: copying a 12 MP frame out took 20-110 ms into fresh
//! memory against 2 ms into reused memory (measured on two cores).

use std::sync::Mutex;

use crate::gpu::Gpu;

/// How many idle buffers are kept.
const KEEP: usize = 8;

/// Idle buffers, handed out by usage and size; idle pixel memory.
#[derive(Default)]
pub struct BufferPool {
    free: Mutex<Vec<wgpu::Buffer>>,
    bytes: Mutex<Vec<Vec<u8>>>,
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

    /// An empty vector with room for `len` bytes, in memory handed back
    /// with [`BufferPool::give_back_bytes`] when some fits.
    pub fn take_bytes(&self, len: usize) -> Vec<u8> {
        let mut bytes = self.bytes.lock().expect("buffer pool lock");
        match bytes.iter().position(|v| v.capacity() >= len) {
            Some(i) => bytes.swap_remove(i),
            None => Vec::with_capacity(len),
        }
    }

    /// Return pixel memory (of an image written out) for reuse.
    pub fn give_back_bytes(&self, mut v: Vec<u8>) {
        v.clear();
        let mut bytes = self.bytes.lock().expect("buffer pool lock");
        bytes.push(v);
        if bytes.len() > KEEP {
            bytes.sort_by_key(|v| std::cmp::Reverse(v.capacity()));
            bytes.truncate(KEEP);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pixel_memory_is_reused_empty_when_it_fits() {
        let pool = BufferPool::default();
        let mut v = pool.take_bytes(1000);
        assert!(v.capacity() >= 1000);
        v.extend_from_slice(&[7; 1000]);
        let at = v.as_ptr();
        pool.give_back_bytes(v);
        // Too big for what was given back: fresh memory.
        let big = pool.take_bytes(2000);
        assert!(big.capacity() >= 2000);
        assert_ne!(big.as_ptr(), at);
        // Fits: the same memory, emptied.
        let again = pool.take_bytes(800);
        assert_eq!(again.as_ptr(), at);
        assert!(again.is_empty());
    }

    #[test]
    fn the_largest_idle_pixel_buffers_are_kept() {
        let pool = BufferPool::default();
        for len in 1..=KEEP + 3 {
            pool.give_back_bytes(Vec::with_capacity(len * 100));
        }
        let kept = pool.bytes.lock().unwrap();
        assert_eq!(kept.len(), KEEP);
        assert!(kept.iter().all(|v| v.capacity() >= 400));
    }
}
