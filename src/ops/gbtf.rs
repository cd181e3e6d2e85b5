//! The gradient-based threshold-free demosaic (GBTF), a stencil op of five
//! passes (`shaders/ops/gbtf.wgsl`), wisp's default demosaic.
//!
//! I. Pekkucuksen and Y. Altunbasak, "Gradient based threshold free color
//! filter array interpolation", ICIP 2010. Green is interpolated at red and
//! blue sites from colour differences (G - R, G - B) rather than from
//! green alone: Hamilton-Adams estimates give a colour difference along
//! each row and column; the four directions (north, south, west, east)
//! are blended with weights of 1 / (sum of the difference's gradients over
//! a 5x5 window on that side)^2, so an edge is interpolated along itself
//! and never across, without a threshold to tune. Red and blue at blue and
//! red sites follow from the diagonal neighbours' colour differences (the
//! paper's 7x7 `prb` filter), and at green sites from the four neighbours'.
//!
//! Measured on the Kodak set (`wisp bench demosaic`, RGGB, 10-pixel
//! crop): the paper's directional filter as a plain mean of five (this
//! one) gave 40.49 dB in a prototype, a tapered [0.56, 0.35, 0.09] 40.02;
//! Malvar-He-Cutler (`--demosaic fast`) 35.78.
//!
//! Borders are mirrored about the edge sample in every pass, which keeps
//! the CFA phase of every reflected tap. The passes reach 3 + 4 + 4 + 3 +
//! 1 = 15 photosites in all.

use rayon::prelude::*;

use super::common::mirror;
use super::{Op, Stencil, Wgsl};
use crate::frame::{CfaPattern, LinearImage};

pub const WGSL: Wgsl = Wgsl {
    name: "gbtf",
    source: include_str!("../../shaders/ops/gbtf.wgsl"),
    params: None,
};

/// The op (it has no parameters).
pub struct Gbtf;

/// `GBTF_EPSILON`.
const EPSILON: f32 = 1e-10;

type Image = Vec<[f32; 4]>;

impl Op for Gbtf {
    fn wgsl(&self) -> &'static Wgsl {
        &WGSL
    }
}

impl Stencil for Gbtf {
    fn reach(&self) -> usize {
        15
    }

    fn passes(&self) -> &'static [&'static str] {
        &["gradients", "runs", "green", "differences"]
    }

    fn cpu(&self, mosaic: &[f32], width: usize, height: usize, cfa: CfaPattern) -> LinearImage {
        assert_eq!(mosaic.len(), width * height);
        let frame = Frame {
            width,
            height,
            kinds: cfa.kinds(),
        };
        let m = |x: i64, y: i64| frame.read(mosaic, x, y);
        let gradients = frame.pass(|x, y, kind| gradients(&m, x, y, kind));
        let runs = frame.pass(|x, y, _| runs(&|x, y| frame.read(&gradients, x, y), x, y));
        let green = frame.pass(|x, y, kind| green(&m, &|x, y| frame.read(&runs, x, y), x, y, kind));
        let differences =
            frame.pass(|x, y, kind| differences(&|x, y| frame.read(&green, x, y), x, y, kind));
        let data = frame.pass(|x, y, kind| {
            let [r, g, b] = rgb(&|x, y| frame.read(&differences, x, y), x, y, kind);
            [r, g, b, 1.0]
        });
        LinearImage {
            width,
            height,
            data,
        }
    }
}

/// The image's size and its sites' kinds, by cell.
struct Frame {
    width: usize,
    height: usize,
    kinds: [u32; 4],
}

impl Frame {
    /// Pixel (x, y) of `image`, mirrored into the frame.
    fn read<T: Copy>(&self, image: &[T], x: i64, y: i64) -> T {
        let (w, h) = (self.width as i64, self.height as i64);
        image[mirror(y, h) * self.width + mirror(x, w)]
    }

    /// One pass: `f(x, y, kind)` at every pixel, rows in parallel.
    fn pass(&self, f: impl Fn(i64, i64, u32) -> [f32; 4] + Sync) -> Image {
        let mut out = vec![[0.0; 4]; self.width * self.height];
        out.par_chunks_mut(self.width)
            .enumerate()
            .for_each(|(y, row)| {
                for (x, o) in row.iter_mut().enumerate() {
                    let kind = self.kinds[(x & 1) + 2 * (y & 1)];
                    *o = f(x as i64, y as i64, kind);
                }
            });
        out
    }
}

fn is_green(kind: u32) -> bool {
    kind == 1 || kind == 2
}

/// CPU twin of `gbtf_diff`: G - C at (x, y) along (dx, dy).
fn diff(m: &impl Fn(i64, i64) -> f32, x: i64, y: i64, (dx, dy): (i64, i64), green: bool) -> f32 {
    let c = m(x, y);
    let other = 0.5 * (m(x - dx, y - dy) + m(x + dx, y + dy))
        + 0.25 * (2.0 * c - m(x - 2 * dx, y - 2 * dy) - m(x + 2 * dx, y + 2 * dy));
    if green {
        c - other
    } else {
        other - c
    }
}

fn gradients(m: &impl Fn(i64, i64) -> f32, x: i64, y: i64, kind: u32) -> [f32; 4] {
    let green = is_green(kind);
    let (h, v) = ((1, 0), (0, 1));
    [
        diff(m, x, y, h, green),
        diff(m, x, y, v, green),
        (diff(m, x + 1, y, h, !green) - diff(m, x - 1, y, h, !green)).abs(),
        (diff(m, x, y + 1, v, !green) - diff(m, x, y - 1, v, !green)).abs(),
    ]
}

fn runs(g: &impl Fn(i64, i64) -> [f32; 4], x: i64, y: i64) -> [f32; 4] {
    let (mut up, mut left) = ([0.0f32; 2], [0.0f32; 2]);
    for k in 0..5 {
        let (a, b) = (g(x, y - k), g(x - k, y));
        up = [up[0] + a[1], up[1] + a[3]];
        left = [left[0] + b[0], left[1] + b[2]];
    }
    [up[0], up[1], left[0], left[1]]
}

fn weight(gradient_sum: f32) -> f32 {
    let s = gradient_sum + EPSILON;
    1.0 / (s * s)
}

fn green(
    m: &impl Fn(i64, i64) -> f32,
    runs: &impl Fn(i64, i64) -> [f32; 4],
    x: i64,
    y: i64,
    kind: u32,
) -> [f32; 4] {
    let v = m(x, y);
    if is_green(kind) {
        return [v, 0.0, v, 0.0];
    }
    let (here, below, right) = (runs(x, y), runs(x, y + 4), runs(x + 4, y));
    let (mut north, mut south, mut west, mut east) = (0.0f32, 0.0f32, 0.0f32, 0.0f32);
    for k in -2..=2 {
        north += runs(x + k, y)[1];
        south += runs(x + k, y + 4)[1];
        west += runs(x, y + k)[3];
        east += runs(x + 4, y + k)[3];
    }
    let w = [north, south, west, east].map(weight);
    let d = [here[0], below[0], here[2], right[2]].map(|v| v * 0.2);
    let diff =
        (w[0] * d[0] + w[1] * d[1] + w[2] * d[2] + w[3] * d[3]) / (w[0] + w[1] + w[2] + w[3]);
    [v + diff, diff, v, 0.0]
}

/// `gbtf_diagonal`: the `prb` filter over the diagonal colour differences.
fn diagonal(g: &impl Fn(i64, i64) -> [f32; 4], x: i64, y: i64) -> f32 {
    let (mut near, mut far) = (0.0f32, 0.0f32);
    for sy in [-1, 1] {
        for sx in [-1, 1] {
            near += g(x + sx, y + sy)[1];
            far += g(x + sx, y + 3 * sy)[1] + g(x + 3 * sx, y + sy)[1];
        }
    }
    (10.0 * near - far) * (1.0 / 32.0)
}

fn differences(g: &impl Fn(i64, i64) -> [f32; 4], x: i64, y: i64, kind: u32) -> [f32; 4] {
    let here = g(x, y);
    match kind {
        0 => [here[0], here[1], diagonal(g, x, y), here[2]],
        3 => [here[0], diagonal(g, x, y), here[1], here[2]],
        _ => [here[0], 0.0, 0.0, here[2]],
    }
}

fn rgb(d: &impl Fn(i64, i64) -> [f32; 4], x: i64, y: i64, kind: u32) -> [f32; 3] {
    let here = d(x, y);
    match kind {
        0 => [here[3], here[0], here[0] - here[2]],
        3 => [here[0] - here[1], here[0], here[3]],
        _ => {
            let around = [d(x - 1, y), d(x + 1, y), d(x, y - 1), d(x, y + 1)];
            let sum = |c: usize| around[0][c] + around[1][c] + around[2][c] + around[3][c];
            [here[3] - 0.25 * sum(1), here[3], here[3] - 0.25 * sum(2)]
        }
    }
}
