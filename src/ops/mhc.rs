//! The Malvar-He-Cutler demosaic, a stencil op of reach 2
//! (`shaders/ops/mhc.wgsl`).
//!
//! "High-quality linear interpolation for demosaicing of Bayer-patterned
//! color images" (Malvar, He, Cutler, ICASSP 2004): bilinear interpolation
//! corrected by the Laplacian of the colour sampled at the centre, on a 5x5
//! support. Borders are mirrored about the edge sample, which keeps the CFA
//! phase of every reflected tap.

use rayon::prelude::*;

use super::common::mirror;
use super::{Op, Stencil, Wgsl};
use crate::frame::{CfaPattern, LinearImage};

pub const WGSL: Wgsl = Wgsl {
    name: "mhc",
    source: include_str!("../../shaders/ops/mhc.wgsl"),
    params: None,
};

/// The op (it has no parameters).
pub struct Mhc;

/// The taps around a pixel, summed by symmetry (`MhcTaps`).
struct Taps {
    c: f32,
    h1: f32,
    v1: f32,
    h2: f32,
    v2: f32,
    d1: f32,
}

impl Taps {
    /// `tap(dx, dy)` reads the photosite at that offset.
    fn gather(tap: impl Fn(i64, i64) -> f32) -> Taps {
        Taps {
            c: tap(0, 0),
            h1: tap(-1, 0) + tap(1, 0),
            v1: tap(0, -1) + tap(0, 1),
            h2: tap(-2, 0) + tap(2, 0),
            v2: tap(0, -2) + tap(0, 2),
            d1: tap(-1, -1) + tap(1, -1) + tap(-1, 1) + tap(1, 1),
        }
    }

    /// CPU twin of `mhc_rgb`'s filters, for a site of `kind`.
    fn rgb(&self, kind: u32) -> [f32; 3] {
        let green_at_rb = (4.0 * self.c + 2.0 * (self.h1 + self.v1) - (self.h2 + self.v2)) * 0.125;
        let row_at_green =
            (5.0 * self.c + 4.0 * self.h1 - self.h2 - self.d1 + 0.5 * self.v2) * 0.125;
        let column_at_green =
            (5.0 * self.c + 4.0 * self.v1 - self.v2 - self.d1 + 0.5 * self.h2) * 0.125;
        let br_at_rb = (6.0 * self.c + 2.0 * self.d1 - 1.5 * (self.h2 + self.v2)) * 0.125;
        match kind {
            0 => [self.c, green_at_rb, br_at_rb],
            1 => [row_at_green, self.c, column_at_green],
            2 => [column_at_green, self.c, row_at_green],
            _ => [br_at_rb, green_at_rb, self.c],
        }
    }
}

impl Op for Mhc {
    fn wgsl(&self) -> &'static Wgsl {
        &WGSL
    }
}

impl Stencil for Mhc {
    fn reach(&self) -> usize {
        2
    }

    fn cpu(&self, mosaic: &[f32], width: usize, height: usize, cfa: CfaPattern) -> LinearImage {
        assert_eq!(mosaic.len(), width * height);
        let kinds = cfa.kinds();
        let (w, h) = (width as i64, height as i64);
        let mut data = vec![[0.0f32; 4]; width * height];
        data.par_chunks_mut(width).enumerate().for_each(|(y, row)| {
            let y = y as i64;
            for (x, out) in row.iter_mut().enumerate() {
                let x = x as i64;
                let taps =
                    Taps::gather(|dx, dy| mosaic[mirror(y + dy, h) * width + mirror(x + dx, w)]);
                let [r, g, b] = taps.rgb(kinds[(x & 1) as usize + 2 * (y & 1) as usize]);
                *out = [r, g, b, 1.0];
            }
        });
        LinearImage {
            width,
            height,
            data,
        }
    }
}
