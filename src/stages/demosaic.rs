//! Stage b: Malvar-He-Cutler demosaic (`shaders/demosaic_mhc.wgsl`).
//!
//! "High-quality linear interpolation for demosaicing of Bayer-patterned
//! color images" (Malvar, He, Cutler, ICASSP 2004): bilinear interpolation
//! corrected by the Laplacian of the colour sampled at the centre, on a 5x5
//! support. Borders are mirrored about the edge sample, which keeps the CFA
//! phase of every reflected tap.

use bytemuck::{Pod, Zeroable};
use rayon::prelude::*;

use crate::frame::{CfaPattern, LinearImage};

#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable)]
pub struct DemosaicUniform {
    pub pattern: [u32; 4],
}

impl DemosaicUniform {
    pub fn new(cfa: CfaPattern) -> Self {
        DemosaicUniform {
            pattern: cfa.colors(),
        }
    }
}

/// Whole-sample mirror of index `i` into `0..n`.
pub fn mirror(i: i64, n: i64) -> usize {
    if n == 1 {
        return 0;
    }
    let period = 2 * (n - 1);
    let m = i.abs() % period;
    (if m >= n { period - m } else { m }) as usize
}

/// CPU twin: demosaic a linear mosaic into linear camera RGB.
pub fn cpu(mosaic: &[f32], width: usize, height: usize, cfa: CfaPattern) -> LinearImage {
    assert_eq!(mosaic.len(), width * height);
    let pattern = cfa.colors();
    let (w, h) = (width as i64, height as i64);
    let mut data = vec![[0.0f32; 4]; width * height];
    data.par_chunks_mut(width).enumerate().for_each(|(y, row)| {
        let y = y as i64;
        let tap = |x: i64, dx: i64, dy: i64| mosaic[mirror(y + dy, h) * width + mirror(x + dx, w)];
        for (x, out) in row.iter_mut().enumerate() {
            let x = x as i64;
            let c = tap(x, 0, 0);
            let h1 = tap(x, -1, 0) + tap(x, 1, 0);
            let v1 = tap(x, 0, -1) + tap(x, 0, 1);
            let h2 = tap(x, -2, 0) + tap(x, 2, 0);
            let v2 = tap(x, 0, -2) + tap(x, 0, 2);
            let d1 = tap(x, -1, -1) + tap(x, 1, -1) + tap(x, -1, 1) + tap(x, 1, 1);
            let g_at_rb = (4.0 * c + 2.0 * (h1 + v1) - (h2 + v2)) * 0.125;
            let along_row = (5.0 * c + 4.0 * h1 - h2 - d1 + 0.5 * v2) * 0.125;
            let along_col = (5.0 * c + 4.0 * v1 - v2 - d1 + 0.5 * h2) * 0.125;
            let rb_at_br = (6.0 * c + 2.0 * d1 - 1.5 * (h2 + v2)) * 0.125;
            let cell = (x & 1) as usize + 2 * (y & 1) as usize;
            let col = pattern[cell];
            *out = if col == 1 {
                let row_col = pattern[cell ^ 1];
                let (r, b) = if row_col == 0 {
                    (along_row, along_col)
                } else {
                    (along_col, along_row)
                };
                [r, c, b, 1.0]
            } else if col == 0 {
                [c, g_at_rb, rb_at_br, 1.0]
            } else {
                [rb_at_br, g_at_rb, c, 1.0]
            };
        }
    });
    LinearImage {
        width,
        height,
        data,
    }
}
