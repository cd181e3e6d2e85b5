//! LUT grading, a pointwise op on sRGB-encoded values
//! (`shaders/ops/lut3d.wgsl`): an optional 1D shaper with linear
//! interpolation, then an optional 3D table with tetrahedral interpolation.
//!
//! The GPU reads every lattice value with exact `textureLoad`s and blends in
//! f32; hardware filtering is not used because some GPUs quantise its
//! weights to 8 bits.

use std::sync::Arc;

use bytemuck::{Pod, Zeroable};

use super::common::{srgb_decode3, srgb_encode3};
use super::{bytes_of, Development, Op, Pixel, Pointwise, Wgsl};
use crate::error::{Error, GpuError};
use crate::gpu::Gpu;
use crate::lut::{Lut, Lut1d, Lut3d};

pub const WGSL: Wgsl = Wgsl {
    name: "lut3d",
    source: include_str!("../../shaders/ops/lut3d.wgsl"),
    params: Some("LutParams"),
};

/// Shaper texels per texture row (`SHAPER_ROW` in the WGSL).
pub const SHAPER_ROW: usize = 4096;

#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable)]
pub struct LutUniform {
    pub size: u32,
    pub shaper_size: u32,
    pub _pad: [u32; 2],
    pub scale: [f32; 4],
    pub offset: [f32; 4],
    pub shaper_scale: [f32; 4],
    pub shaper_offset: [f32; 4],
}

/// Maps a domain onto [0, 1]: `x * scale + offset`.
fn domain_map(lo: [f32; 3], hi: [f32; 3]) -> ([f32; 4], [f32; 4]) {
    let mut scale = [0.0; 4];
    let mut offset = [0.0; 4];
    for c in 0..3 {
        scale[c] = 1.0 / (hi[c] - lo[c]);
        offset[c] = -lo[c] * scale[c];
    }
    (scale, offset)
}

impl LutUniform {
    pub fn new(lut: Option<&Lut>) -> Self {
        let cube = lut.and_then(|l| l.cube.as_ref());
        let shaper = lut.and_then(|l| l.shaper.as_ref());
        let (scale, offset) = cube.map_or(([0.0; 4], [0.0; 4]), |c| {
            domain_map(c.domain_min, c.domain_max)
        });
        let (shaper_scale, shaper_offset) = shaper.map_or(([0.0; 4], [0.0; 4]), |s| {
            domain_map(s.domain_min, s.domain_max)
        });
        LutUniform {
            size: cube.map_or(0, |c| c.size as u32),
            shaper_size: shaper.map_or(0, |s| s.size as u32),
            _pad: [0; 2],
            scale,
            offset,
            shaper_scale,
            shaper_offset,
        }
    }

    /// CPU twin of `lut3d_apply`: linear display light in and out.
    pub fn apply(&self, lut: Option<&Lut>, c: [f32; 3]) -> [f32; 3] {
        let Some(lut) = lut else { return c };
        if self.size == 0 && self.shaper_size == 0 {
            return c;
        }
        let mut e = srgb_encode3(c.map(|v| v.clamp(0.0, 1.0)));
        if let (Some(s), true) = (&lut.shaper, self.shaper_size != 0) {
            e = self.shaper(s, e);
        }
        if let (Some(cube), true) = (&lut.cube, self.size != 0) {
            e = self.tetrahedral(cube, e);
        }
        srgb_decode3(e)
    }

    /// CPU twin of `lut_shaper`.
    pub fn shaper(&self, s: &Lut1d, x: [f32; 3]) -> [f32; 3] {
        [0, 1, 2].map(|c| {
            let scale = self.shaper_scale[c];
            let (i, f) = lattice_cell(x[c], scale, self.shaper_offset[c], self.shaper_size);
            s.table[i][c] * (1.0 - f) + s.table[i + 1][c] * f
        })
    }

    /// CPU twin of `lut_tetrahedral`.
    pub fn tetrahedral(&self, lut: &Lut3d, x: [f32; 3]) -> [f32; 3] {
        let cells = [0, 1, 2].map(|c| lattice_cell(x[c], self.scale[c], self.offset[c], self.size));
        let base = cells.map(|(i, _)| i);
        let f = cells.map(|(_, f)| f);
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

/// CPU twin of `lattice_cell`, one axis: the index of the lower lattice
/// point of x's cell and the fraction of the way to the next one.
fn lattice_cell(x: f32, scale: f32, offset: f32, points: u32) -> (usize, f32) {
    let n = (points - 1) as f32;
    let u = (x * scale + offset).clamp(0.0, 1.0) * n;
    let base = u.floor().min(n - 1.0);
    (base as usize, u - base)
}

/// An rgba32float texture of `texels`, for reading with `textureLoad`.
pub(crate) fn texture(
    device: &wgpu::Device,
    queue: &wgpu::Queue,
    label: &str,
    dimension: wgpu::TextureDimension,
    size: wgpu::Extent3d,
    texels: &[[f32; 4]],
) -> wgpu::Texture {
    let texture = device.create_texture(&wgpu::TextureDescriptor {
        label: Some(label),
        size,
        mip_level_count: 1,
        sample_count: 1,
        dimension,
        format: wgpu::TextureFormat::Rgba32Float,
        usage: wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
        view_formats: &[],
    });
    queue.write_texture(
        texture.as_image_copy(),
        bytemuck::cast_slice(texels),
        wgpu::TexelCopyBufferLayout {
            offset: 0,
            bytes_per_row: Some(16 * size.width),
            rows_per_image: Some(size.height),
        },
        size,
    );
    texture
}

/// The op: a LUT and its uniform block.
pub struct LutOp {
    uniform: LutUniform,
    lut: Arc<Lut>,
}

impl Op for LutOp {
    fn wgsl(&self) -> &'static Wgsl {
        &WGSL
    }

    fn uniform(&self) -> Vec<u8> {
        bytes_of(&self.uniform)
    }
}

impl Pointwise for LutOp {
    fn apply(&self, c: [f32; 3], _: Pixel) -> [f32; 3] {
        self.uniform.apply(Some(&self.lut), c)
    }

    fn textures(&self, gpu: &Gpu) -> Result<Vec<(&'static str, wgpu::Texture)>, Error> {
        let limit = gpu.device.limits().max_texture_dimension_3d;
        if let Some(cube) = &self.lut.cube {
            if cube.size as u32 > limit {
                return Err(GpuError::LutTooLarge {
                    size: cube.size,
                    limit,
                }
                .into());
            }
        }
        let (cube, shaper) = upload(&gpu.device, &gpu.queue, Some(&self.lut));
        Ok(vec![("lut_tex", cube), ("shaper_tex", shaper)])
    }
}

/// Left out without a table.
pub fn step(d: &Development) -> Option<Box<dyn Pointwise>> {
    let lut = d.params.lut.as_ref()?;
    let uniform = LutUniform::new(Some(lut));
    (uniform.size != 0 || uniform.shaper_size != 0).then(|| {
        Box::new(LutOp {
            uniform,
            lut: lut.clone(),
        }) as Box<dyn Pointwise>
    })
}

/// The 3D table as an rgba32float 3D texture, and the shaper as rows of an
/// rgba32float 2D texture; a tiny placeholder stands in for a missing part,
/// so the kernel always has something bound.
pub fn upload(
    device: &wgpu::Device,
    queue: &wgpu::Queue,
    lut: Option<&Lut>,
) -> (wgpu::Texture, wgpu::Texture) {
    let placeholder = Lut3d::identity(2);
    let cube = lut.and_then(|l| l.cube.as_ref()).unwrap_or(&placeholder);
    let n = cube.size as u32;
    let texels: Vec<[f32; 4]> = cube.table.iter().map(|c| [c[0], c[1], c[2], 1.0]).collect();
    let extent = wgpu::Extent3d {
        width: n,
        height: n,
        depth_or_array_layers: n,
    };
    let cube_tex = texture(
        device,
        queue,
        "lut3d",
        wgpu::TextureDimension::D3,
        extent,
        &texels,
    );

    let placeholder = Lut1d::identity(2);
    let shaper = lut.and_then(|l| l.shaper.as_ref()).unwrap_or(&placeholder);
    let width = shaper.size.min(SHAPER_ROW);
    let rows = shaper.size.div_ceil(SHAPER_ROW);
    let mut texels: Vec<[f32; 4]> = shaper
        .table
        .iter()
        .map(|c| [c[0], c[1], c[2], 1.0])
        .collect();
    texels.resize(width * rows, [0.0; 4]);
    let extent = wgpu::Extent3d {
        width: width as u32,
        height: rows as u32,
        depth_or_array_layers: 1,
    };
    let shaper_tex = texture(
        device,
        queue,
        "lut shaper",
        wgpu::TextureDimension::D2,
        extent,
        &texels,
    );
    (cube_tex, shaper_tex)
}
