//! Stage e: 3D LUT grading on sRGB-encoded values with tetrahedral
//! interpolation (`shaders/lut3d.wgsl`).
//!
//! The GPU reads the four lattice points with exact `textureLoad`s and
//! blends them in f32; hardware trilinear filtering is not used because some
//! GPUs quantise its weights to 8 bits.

use bytemuck::{Pod, Zeroable};

use super::common::{srgb_decode3, srgb_encode3};
use crate::lut::Lut3d;

#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable)]
pub struct LutUniform {
    pub size: u32,
    pub enabled: u32,
    pub _pad: [u32; 2],
    pub scale: [f32; 4],
    pub offset: [f32; 4],
}

impl LutUniform {
    pub fn new(lut: Option<&Lut3d>) -> Self {
        let Some(lut) = lut else {
            return LutUniform {
                size: 2,
                enabled: 0,
                _pad: [0; 2],
                scale: [1.0, 1.0, 1.0, 0.0],
                offset: [0.0; 4],
            };
        };
        let mut scale = [0.0; 4];
        let mut offset = [0.0; 4];
        for c in 0..3 {
            scale[c] = 1.0 / (lut.domain_max[c] - lut.domain_min[c]);
            offset[c] = -lut.domain_min[c] * scale[c];
        }
        LutUniform {
            size: lut.size as u32,
            enabled: 1,
            _pad: [0; 2],
            scale,
            offset,
        }
    }

    /// CPU twin of `lut_apply`: linear display light in and out.
    pub fn apply(&self, lut: Option<&Lut3d>, c: [f32; 3]) -> [f32; 3] {
        match lut {
            Some(lut) if self.enabled != 0 => {
                srgb_decode3(self.tetrahedral(lut, srgb_encode3(c.map(|v| v.clamp(0.0, 1.0)))))
            }
            _ => c,
        }
    }

    /// CPU twin of `lut_tetrahedral`.
    pub fn tetrahedral(&self, lut: &Lut3d, x: [f32; 3]) -> [f32; 3] {
        let n = (self.size - 1) as f32;
        let mut base = [0usize; 3];
        let mut f = [0.0f32; 3];
        for c in 0..3 {
            let u = (x[c] * self.scale[c] + self.offset[c]).clamp(0.0, 1.0) * n;
            let b = u.floor().min(n - 1.0);
            base[c] = b as usize;
            f[c] = u - b;
        }
        let r_hi = f[0] >= f[1] && f[0] >= f[2];
        let g_hi = !r_hi && f[1] >= f[2];
        let b_lo = f[2] <= f[0] && f[2] <= f[1];
        let g_lo = !b_lo && f[1] <= f[0];
        let e_hi = [r_hi, g_hi, !r_hi && !g_hi].map(usize::from);
        let e_lo = [!b_lo && !g_lo, g_lo, b_lo].map(usize::from);
        let e_mid = [0, 1, 2].map(|c| 1 - e_hi[c] - e_lo[c]);
        let pick = |e: [usize; 3]| f[0] * e[0] as f32 + f[1] * e[1] as f32 + f[2] * e[2] as f32;
        let (f_hi, f_mid, f_lo) = (pick(e_hi), pick(e_mid), pick(e_lo));
        let at = |d: [usize; 3]| lut.at(base[0] + d[0], base[1] + d[1], base[2] + d[2]);
        let c0 = at([0, 0, 0]);
        let c1 = at(e_hi);
        let c2 = at([0, 1, 2].map(|c| e_hi[c] + e_mid[c]));
        let c3 = at([1, 1, 1]);
        [0, 1, 2].map(|c| {
            (1.0 - f_hi) * c0[c] + (f_hi - f_mid) * c1[c] + (f_mid - f_lo) * c2[c] + f_lo * c3[c]
        })
    }
}

/// The LUT as an rgba32float 3D texture (exact values, no filtering).
pub fn upload(device: &wgpu::Device, queue: &wgpu::Queue, lut: &Lut3d) -> wgpu::Texture {
    let n = lut.size as u32;
    let texels: Vec<[f32; 4]> = lut.table.iter().map(|c| [c[0], c[1], c[2], 1.0]).collect();
    let texture = device.create_texture(&wgpu::TextureDescriptor {
        label: Some("lut3d"),
        size: wgpu::Extent3d {
            width: n,
            height: n,
            depth_or_array_layers: n,
        },
        mip_level_count: 1,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D3,
        format: wgpu::TextureFormat::Rgba32Float,
        usage: wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
        view_formats: &[],
    });
    queue.write_texture(
        texture.as_image_copy(),
        bytemuck::cast_slice(&texels),
        wgpu::TexelCopyBufferLayout {
            offset: 0,
            bytes_per_row: Some(16 * n),
            rows_per_image: Some(n),
        },
        texture.size(),
    );
    texture
}
