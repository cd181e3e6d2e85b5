//! Downscaling for `--max-size` (`shaders/resize.wgsl`): an area-average
//! (box) filter in linear light, between the demosaic and the pointwise
//! stages, so the pointwise work runs at the output size. Every source pixel
//! contributes by the area it shares with an output pixel: no aliasing.

use bytemuck::{Pod, Zeroable};
use rayon::prelude::*;

use crate::frame::LinearImage;

#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable)]
pub struct ResizeUniform {
    pub scale: [f32; 2],
    pub _pad: [f32; 2],
}

impl ResizeUniform {
    pub fn new(from: (usize, usize), to: (usize, usize)) -> Self {
        ResizeUniform {
            scale: [from.0 as f32 / to.0 as f32, from.1 as f32 / to.1 as f32],
            _pad: [0.0; 2],
        }
    }
}

/// The size with the long edge at most `max_side`, aspect kept; `None` when
/// the image already fits.
pub fn fit(width: usize, height: usize, max_side: u32) -> Option<(usize, usize)> {
    let long = width.max(height);
    let max_side = max_side.max(1) as usize;
    if long <= max_side {
        return None;
    }
    let k = max_side as f64 / long as f64;
    let scaled = |v: usize| ((v as f64 * k).round() as usize).max(1);
    Some((scaled(width), scaled(height)))
}

/// CPU twin of `resize_main`.
pub fn cpu(src: &LinearImage, width: usize, height: usize) -> LinearImage {
    let u = ResizeUniform::new((src.width, src.height), (width, height));
    let (sw, sh) = (src.width as f32, src.height as f32);
    let mut data = vec![[0.0f32; 4]; width * height];
    data.par_chunks_mut(width)
        .enumerate()
        .for_each(|(oy, row)| {
            for (ox, out) in row.iter_mut().enumerate() {
                let lo = [ox as f32 * u.scale[0], oy as f32 * u.scale[1]];
                let hi = [(lo[0] + u.scale[0]).min(sw), (lo[1] + u.scale[1]).min(sh)];
                let mut sum = [0.0f32; 3];
                let mut weight = 0.0f32;
                let mut y = lo[1].floor() as u32;
                while (y as f32) < hi[1] {
                    let wy = ((y + 1) as f32).min(hi[1]) - (y as f32).max(lo[1]);
                    let mut x = lo[0].floor() as u32;
                    while (x as f32) < hi[0] {
                        let w = (((x + 1) as f32).min(hi[0]) - (x as f32).max(lo[0])) * wy;
                        let p = src.data[y as usize * src.width + x as usize];
                        (0..3).for_each(|c| sum[c] += p[c] * w);
                        weight += w;
                        x += 1;
                    }
                    y += 1;
                }
                *out = [sum[0] / weight, sum[1] / weight, sum[2] / weight, 1.0];
            }
        });
    LinearImage {
        width,
        height,
        data,
    }
}
