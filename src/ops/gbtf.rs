//! The gradient-based threshold-free demosaic (GBTF), a stencil op of four
//! passes (`shaders/ops/gbtf.wgsl`), `--demosaic gbtf`.
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
//! Borders are mirrored about the edge sample, which keeps the CFA phase
//! of every reflected tap. The image each pass writes holds sums centred
//! on their pixel, even about a mirrored border like the mosaic, so a
//! mirrored read of it is what the pass computes there: the result is
//! GBTF on the mirrored extension of the mosaic. The passes reach 5 + 4 +
//! 3 + 1 = 13 photosites in all.
//!
//! Speed (12 MP on lavapipe, 2 cores): the `rows` pass walks along pairs
//! of rows ([`Walk::Rows`]) with its colour differences and gradients in
//! a sliding window, 5 loads a pixel where a pixel-by-pixel pass reads 45;
//! `green` walks down the columns, 3 taps a pixel instead of 19 at each
//! red and blue site; `differences` carries G - C along, so the block
//! kernel runs `rgb` from that one image (rg32float) with the pointwise
//! ops, fused. Develop time, as the design went: five pixel-by-pixel
//! passes of rgba32float 2.74 s; the first pass walking 2.12 s; passes by
//! 2x2 cells from the red photosite (no divergent per-kind branches)
//! 1.21 s; one-value images for `green` and `differences` 1.13 s; `rgb`
//! in the block kernel 0.79 s; `green` walking, `differences` rg32float
//! and photosite ops by cells 0.75-0.80 s; `rows` two rows at a time
//! (that pass 180 -> 150 ms). Tried and dropped: the vertical gradients
//! in a column walk of their own before `rows` (a fifth pass: batch 5.0 s
//! against 4.8), or computed in the `green` walk from five columns of
//! photosites (6.5 s: its window spilled from registers); tiles of 512,
//! 2048 or 4096 (0.88-1.1 s against 0.78); runs of 128 or 1024 pixels (no
//! change).

use rayon::prelude::*;

use super::common::mirror;
use super::{Op, Pass, Stencil, Walk, Wgsl};
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

impl Op for Gbtf {
    fn wgsl(&self) -> &'static Wgsl {
        &WGSL
    }
}

impl Stencil for Gbtf {
    fn reach(&self) -> usize {
        13
    }

    fn passes(&self) -> &'static [Pass] {
        const fn pass(image: &'static str, channels: u32, walk: Walk, kept: bool) -> Pass {
            Pass {
                image,
                channels,
                walk,
                kept,
            }
        }
        const PASSES: [Pass; 3] = [
            pass("rows", 4, Walk::Rows, false),
            pass("green", 1, Walk::Columns, false),
            pass("differences", 2, Walk::No, true),
        ];
        &PASSES
    }

    fn rgb_reach(&self) -> usize {
        0
    }

    fn cpu(&self, mosaic: &[f32], width: usize, height: usize, cfa: CfaPattern) -> LinearImage {
        assert_eq!(mosaic.len(), width * height);
        let frame = Frame {
            width,
            height,
            kinds: cfa.kinds(),
        };
        let m = |x: i64, y: i64| frame.read(mosaic, x, y);
        let along = |d| frame.pass(move |x, y, kind| [diff(&m, x, y, d, is_green(kind))]);
        let (dh, dv) = (along((1, 0)), along((0, 1)));
        let rows = frame.pass(|x, y, _| {
            rows(
                &|x, y| frame.read(&dh, x, y)[0],
                &|x, y| frame.read(&dv, x, y)[0],
                x,
                y,
            )
        });
        let green = frame.pass(|x, y, kind| [green(&|x, y| frame.read(&rows, x, y), x, y, kind)]);
        let differences =
            frame.pass(|x, y, kind| differences(&|x, y| frame.read(&green, x, y)[0], x, y, kind));
        let data = frame.pass(|x, y, kind| {
            let [r, g, b] = rgb(&m, &|x, y| frame.read(&differences, x, y), x, y, kind);
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
    fn pass<const N: usize>(&self, f: impl Fn(i64, i64, u32) -> [f32; N] + Sync) -> Vec<[f32; N]> {
        let mut out = vec![[0.0; N]; self.width * self.height];
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

/// CPU twin of `gbtf_diff`: G - C at (x, y) along (dx, dy), at a site
/// that is green or not.
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

/// CPU twin of the `rows` walk, from the colour differences along the
/// rows (dh) and the columns (dv) at each site: sums over x-2..x+2 of
/// |dv(y+1) - dv(y-1)|, of |dh(x+1) - dh(x-1)| and of dh, and dv at
/// (x, y).
fn rows(dh: &impl Fn(i64, i64) -> f32, dv: &impl Fn(i64, i64) -> f32, x: i64, y: i64) -> [f32; 4] {
    let mut sums = [0.0f32; 3];
    for x in x - 2..=x + 2 {
        sums[0] += (dv(x, y + 1) - dv(x, y - 1)).abs();
        sums[1] += (dh(x + 1, y) - dh(x - 1, y)).abs();
        sums[2] += dh(x, y);
    }
    [sums[0], sums[1], sums[2], dv(x, y)]
}

fn weight(gradient_sum: f32) -> f32 {
    let s = gradient_sum + EPSILON;
    1.0 / (s * s)
}

fn green(rows: &impl Fn(i64, i64) -> [f32; 4], x: i64, y: i64, kind: u32) -> f32 {
    if is_green(kind) {
        return 0.0;
    }
    let (mut north, mut south) = ([0.0f32; 2], [0.0f32; 2]);
    for k in 0..=4 {
        let (n, s) = (rows(x, y - k), rows(x, y + k));
        north = [north[0] + n[0], north[1] + n[3]];
        south = [south[0] + s[0], south[1] + s[3]];
    }
    let (mut west, mut east) = (0.0f32, 0.0f32);
    for k in -2..=2 {
        west += rows(x - 2, y + k)[1];
        east += rows(x + 2, y + k)[1];
    }
    let w = [north[0], south[0], west, east].map(weight);
    let d = [north[1], south[1], rows(x - 2, y)[2], rows(x + 2, y)[2]].map(|v| v * 0.2);
    (w[0] * d[0] + w[1] * d[1] + w[2] * d[2] + w[3] * d[3]) / (w[0] + w[1] + w[2] + w[3])
}

/// `gbtf_differences`: (G - C, the other colour's difference by the `prb`
/// filter over the diagonal sites') at red and blue sites.
fn differences(g: &impl Fn(i64, i64) -> f32, x: i64, y: i64, kind: u32) -> [f32; 2] {
    if is_green(kind) {
        return [0.0; 2];
    }
    let (mut near, mut far) = (0.0f32, 0.0f32);
    for sy in [-1, 1] {
        for sx in [-1, 1] {
            near += g(x + sx, y + sy);
            far += g(x + sx, y + 3 * sy) + g(x + 3 * sx, y + sy);
        }
    }
    [g(x, y), (10.0 * near - far) * (1.0 / 32.0)]
}

fn rgb(
    m: &impl Fn(i64, i64) -> f32,
    d: &impl Fn(i64, i64) -> [f32; 2],
    x: i64,
    y: i64,
    kind: u32,
) -> [f32; 3] {
    let v = m(x, y);
    let here = d(x, y);
    match kind {
        0 => [v, v + here[0], v + here[0] - here[1]],
        3 => [v + here[0] - here[1], v + here[0], v],
        _ => {
            let (l, r, u, b) = (d(x - 1, y), d(x + 1, y), d(x, y - 1), d(x, y + 1));
            let row = [l[0] + r[0], l[1] + r[1]];
            let column = [u[0] + b[0], u[1] + b[1]];
            // (G - R, G - B) summed over the four neighbours.
            let sums = if kind == 1 {
                [row[0] + column[1], row[1] + column[0]]
            } else {
                [row[1] + column[0], row[0] + column[1]]
            };
            [v - 0.25 * sums[0], v, v - 0.25 * sums[1]]
        }
    }
}
