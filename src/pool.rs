//! GPU buffers and textures, and host memory for developed pixels, kept
//! for reuse. A batch develops frame after frame of the same size;
//! allocating (and zero-filling) a few hundred MB of fresh buffers for each
//! costs more than some of the stages. Fresh host memory is faulted in a
//! page at a time as it is first written: copying a 12 MP frame out took
//! 20-110 ms into fresh memory against 2 ms into reused memory (measured on
//! two cores). A fresh texture is filled with zeros before a shader first
//! writes it (WebGPU requires it of any texture not yet wholly written by a
//! copy), a write of the whole image; on a CPU device the noise reduction's
//! wavelet levels of a 12 MP frame took 380 ms more when fresh.

use std::sync::Mutex;

use crate::gpu::Gpu;

/// How many idle buffers are kept.
const KEEP: usize = 8;

/// How many bytes of idle textures are kept: a 12 MP frame's working set
/// with the noise reduction and GBTF.
const TEXTURE_BYTES: u64 = 640 << 20;

/// Idle buffers, handed out by usage and size; idle textures, by size and
/// format; idle pixel memory.
#[derive(Default)]
pub struct Pool {
    free: Mutex<Vec<wgpu::Buffer>>,
    textures: Mutex<Vec<wgpu::Texture>>,
    bytes: Mutex<Vec<Vec<u8>>>,
}

fn texture_bytes(t: &wgpu::Texture) -> u64 {
    let texel = t.format().block_copy_size(None).unwrap_or(16);
    t.width() as u64 * t.height() as u64 * texel as u64
}

impl Pool {
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

    /// A texture of `width` x `height` and `format` ([`Gpu::texture`]),
    /// idle or new: its contents are undefined.
    pub fn take_texture(
        &self,
        gpu: &Gpu,
        label: &str,
        width: usize,
        height: usize,
        format: wgpu::TextureFormat,
    ) -> wgpu::Texture {
        let mut free = self.textures.lock().expect("texture pool lock");
        let fits = |t: &wgpu::Texture| {
            (t.width() as usize, t.height() as usize, t.format()) == (width, height, format)
        };
        match free.iter().rposition(fits) {
            Some(i) => free.remove(i),
            None => gpu.texture(label, width, height, format),
        }
    }

    /// Return textures once the commands that use them are submitted (the
    /// queue runs a later use after them; a queued write would run
    /// before commands not yet submitted). The oldest go beyond
    /// `TEXTURE_BYTES`.
    pub fn give_back_textures(&self, textures: impl IntoIterator<Item = wgpu::Texture>) {
        let mut free = self.textures.lock().expect("texture pool lock");
        free.extend(textures);
        let mut total: u64 = free.iter().map(texture_bytes).sum();
        while total > TEXTURE_BYTES {
            total -= texture_bytes(&free.remove(0));
        }
    }

    /// An empty vector with room for `len` bytes, in memory handed back
    /// with [`Pool::give_back_bytes`] when some fits.
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
        let pool = Pool::default();
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
        let pool = Pool::default();
        for len in 1..=KEEP + 3 {
            pool.give_back_bytes(Vec::with_capacity(len * 100));
        }
        let kept = pool.bytes.lock().unwrap();
        assert_eq!(kept.len(), KEEP);
        assert!(kept.iter().all(|v| v.capacity() >= 400));
    }
}
