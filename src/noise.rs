//! The noise of a raw frame: a Poisson-Gaussian model per photosite,
//! variance = S x + O, with x the linearised value (0 at black, 1 at
//! white, before white balance), as a DNG's NoiseProfile tag states it
//! (DNG 1.6, tag 51041: one (S, O) pair, or one per colour plane).
//!
//! Where a file has no NoiseProfile the model is estimated from the mosaic
//! itself, after A. Foi, M. Trimeche, V. Katkovnik, K. Egiazarian,
//! "Practical Poissonian-Gaussian noise modeling and fitting for
//! single-image raw-data", IEEE TIP 17(10), 2008: per CFA plane, the
//! diagonal Haar detail of 2x2 blocks of that plane is noise alone where
//! the block is smooth; blocks are binned by their mean, each bin gives a
//! robust variance (the median absolute deviation), and a weighted least
//! squares line through the bins gives S and O.

use std::fmt;

use rayon::prelude::*;

/// Below this standard deviation at mid grey (x = 0.18), about 1 % of the
/// signal, a frame is clean: `--denoise auto` leaves it alone.
pub const NEGLIGIBLE_STD: f32 = 0.002;

/// Where a model comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoiseSource {
    /// The file's NoiseProfile tag.
    Profile,
    /// Measured on the mosaic.
    Estimated,
}

/// A frame's noise: `variance = cells[c][0] x + cells[c][1]` for the
/// photosites of cell c ((0,0), (1,0), (0,1), (1,1) of the frame).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NoiseModel {
    pub cells: [[f32; 2]; 4],
    pub source: NoiseSource,
}

impl NoiseModel {
    /// From a NoiseProfile's values: one (S, O) pair for every plane, or a
    /// pair per colour plane (red, green, blue), `colors` the colour of
    /// each cell. `None` for a count or values the tag cannot have.
    pub fn from_profile(values: &[f64], colors: [u32; 4]) -> Option<Self> {
        let pairs: Vec<[f32; 2]> = values
            .chunks_exact(2)
            .map(|p| [p[0] as f32, p[1] as f32])
            .collect();
        let valid = |p: &[f32; 2]| p[0].is_finite() && p[1].is_finite() && p[0] >= 0.0;
        if !(pairs.len() == 1 || pairs.len() == 3) || !values.len().is_multiple_of(2) {
            return None;
        }
        if !pairs.iter().all(valid) {
            return None;
        }
        let cells = colors.map(|c| pairs[if pairs.len() == 1 { 0 } else { c as usize }]);
        Some(NoiseModel {
            cells,
            source: NoiseSource::Profile,
        })
    }

    /// The standard deviation at linear value `x`, the mean variance of the cells.
    pub fn std_at(&self, x: f32) -> f32 {
        let var: f32 = self.cells.iter().map(|[s, o]| s * x + o).sum::<f32>() / 4.0;
        var.max(0.0).sqrt()
    }

    /// Whether the noise is too small to be worth removing.
    pub fn negligible(&self) -> bool {
        self.std_at(0.18) < NEGLIGIBLE_STD
    }

    /// Measured on a mosaic of `width` x `height` raw values, with the
    /// black level of each cell and the white level.
    pub fn estimate(
        mosaic: &[u16],
        width: usize,
        height: usize,
        black: [f32; 4],
        white: f32,
    ) -> Self {
        let cells = [0usize, 1, 2, 3].map(|cell| {
            let (cx, cy) = (cell & 1, cell >> 1);
            let range = (white - black[cell]).max(1.0);
            let value = |x: usize, y: usize| -> Option<f32> {
                let raw = mosaic[(2 * y + cy) * width + 2 * x + cx];
                ((raw as f32) < white).then(|| (raw as f32 - black[cell]) / range)
            };
            fit(&blocks((width - cx) / 2, (height - cy) / 2, &value))
        });
        NoiseModel {
            cells,
            source: NoiseSource::Estimated,
        }
    }
}

impl fmt::Display for NoiseModel {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let source = match self.source {
            NoiseSource::Profile => "NoiseProfile",
            NoiseSource::Estimated => "estimated",
        };
        let [s, o] = self
            .cells
            .iter()
            .fold([0.0; 2], |a, c| [a[0] + c[0] / 4.0, a[1] + c[1] / 4.0]);
        write!(
            f,
            "noise ({source}): variance {s:.2e} x + {o:.2e}, {:.2} % at mid grey",
            100.0 * self.std_at(0.18) / 0.18
        )
    }
}

/// Bins of block means over [0, 1).
const BINS: usize = 32;

/// A bin speaks only with this many blocks in it.
const MIN_BLOCKS: usize = 64;

/// The (mean, detail) of every smooth 2x2 block of a plane of `w` x `h`
/// values, `value(x, y)` (`None` where saturated): a block is smooth when
/// its horizontal and vertical Haar details are within two standard
/// deviations of the first estimate of its bin, which noise alone passes
/// 91 % of the time and an edge or texture seldom.
fn blocks(w: usize, h: usize, value: &(impl Fn(usize, usize) -> Option<f32> + Sync)) -> Vec<Bin> {
    let all: Vec<[f32; 4]> = (0..h / 2)
        .into_par_iter()
        .flat_map_iter(|by| {
            (0..w / 2).filter_map(move |bx| {
                let (x, y) = (2 * bx, 2 * by);
                let [a, b, c, d] = [
                    value(x, y)?,
                    value(x + 1, y)?,
                    value(x, y + 1)?,
                    value(x + 1, y + 1)?,
                ];
                let mean = (a + b + c + d) / 4.0;
                let horizontal = (a - b + c - d) / 2.0;
                let vertical = (a + b - c - d) / 2.0;
                let diagonal = (a - b - c + d) / 2.0;
                Some([mean, horizontal, vertical, diagonal])
            })
        })
        .collect();
    let bin = |mean: f32| ((mean.max(0.0) * BINS as f32) as usize).min(BINS - 1);
    let mut first = vec![Vec::new(); BINS];
    for b in &all {
        first[bin(b[0])].push(b[3].abs());
    }
    let first: Vec<Option<f32>> = first.into_iter().map(|mut v| mad_std(&mut v)).collect();
    let mut kept = vec![(0.0f64, Vec::new()); BINS];
    for b in &all {
        let k = bin(b[0]);
        let Some(s) = first[k] else { continue };
        if b[1].abs() <= 2.0 * s && b[2].abs() <= 2.0 * s {
            kept[k].0 += b[0] as f64;
            kept[k].1.push(b[3].abs());
        }
    }
    kept.into_iter()
        .filter(|(_, d)| d.len() >= MIN_BLOCKS)
        .map(|(sum, mut d)| Bin {
            mean: (sum / d.len() as f64) as f32,
            count: d.len(),
            // The selection keeps 2-sigma blocks of noise alone, which does
            // not change the diagonal detail (independent of the other two).
            variance: mad_std(&mut d).unwrap_or(0.0).powi(2),
        })
        .collect()
}

/// A bin of smooth blocks: their mean value, count, and the variance of
/// their diagonal detail.
#[derive(Clone, Copy, Debug)]
struct Bin {
    mean: f32,
    count: usize,
    variance: f32,
}

/// The standard deviation of zero-mean Gaussian samples from their absolute
/// values: median / 0.6745. `None` for too few samples.
fn mad_std(abs: &mut [f32]) -> Option<f32> {
    if abs.len() < MIN_BLOCKS {
        return None;
    }
    let mid = abs.len() / 2;
    let (_, median, _) = abs.select_nth_unstable_by(mid, f32::total_cmp);
    Some(*median / 0.6745)
}

/// `[S, O]` of the line variance = S mean + O through the bins, weighted
/// by each bin's precision (count / variance^2, the inverse variance of a
/// variance estimate), S and O kept non-negative.
fn fit(bins: &[Bin]) -> [f32; 2] {
    let floor = bins
        .iter()
        .map(|b| b.variance)
        .fold(f32::INFINITY, f32::min);
    if bins.len() < 2 {
        return [0.0, if floor.is_finite() { floor } else { 0.0 }];
    }
    let (mut sw, mut sx, mut sy, mut sxx, mut sxy) = (0.0f64, 0.0, 0.0, 0.0, 0.0);
    for b in bins {
        let w = b.count as f64 / (b.variance as f64 + 1e-12).powi(2);
        let (x, y) = (b.mean as f64, b.variance as f64);
        sw += w;
        sx += w * x;
        sy += w * y;
        sxx += w * x * x;
        sxy += w * x * y;
    }
    let det = sw * sxx - sx * sx;
    let slope = if det > 0.0 {
        (sw * sxy - sx * sy) / det
    } else {
        0.0
    };
    let slope = slope.max(0.0);
    let offset = ((sy - slope * sx) / sw).max(0.0);
    [slope as f32, offset as f32]
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};
    use rand_distr::{Distribution, Normal, Poisson};

    /// A smooth ramp with Poisson-Gaussian noise of (s, o) per cell, 12-bit.
    fn noisy(s: f64, o: f64, w: usize, h: usize) -> Vec<u16> {
        let mut rng = StdRng::seed_from_u64(7);
        let gauss = Normal::new(0.0, o.sqrt()).unwrap();
        (0..w * h)
            .map(|i| {
                let (x, y) = (i % w, i / w);
                let v = 0.02 + 0.9 * (x as f64 / w as f64) * (0.5 + 0.5 * y as f64 / h as f64);
                let photons = Poisson::new(v / s).unwrap().sample(&mut rng);
                let noisy =
                    s * photons + gauss.sample(&mut rng) + rng.random_range(-0.5..0.5) / 4095.0;
                (256.0 + noisy * 3839.0).round().clamp(0.0, 4095.0) as u16
            })
            .collect()
    }

    #[test]
    fn estimates_a_poisson_gaussian_model() {
        let (w, h) = (640, 480);
        for (s, o) in [(3e-3, 5e-5), (7e-4, 1e-5)] {
            let m = NoiseModel::estimate(&noisy(s, o, w, h), w, h, [256.0; 4], 4095.0);
            // What the thresholds use: the standard deviation, from the
            // shadows to the highlights.
            for x in [0.05, 0.18, 0.5, 0.9] {
                let truth = (s * x + o).sqrt() as f32;
                let std = m.std_at(x as f32);
                assert!(
                    (std - truth).abs() < 0.1 * truth,
                    "{std} at {x}, truth {truth}: {m}"
                );
            }
            assert!(!m.negligible());
        }
    }

    #[test]
    fn a_clean_ramp_is_negligible() {
        let (w, h) = (320, 240);
        let clean: Vec<u16> = (0..w * h)
            .map(|i| (256.0 + 3839.0 * (0.1 + 0.8 * (i % w) as f32 / w as f32)) as u16)
            .collect();
        let m = NoiseModel::estimate(&clean, w, h, [256.0; 4], 4095.0);
        assert!(m.negligible(), "{m}");
    }

    #[test]
    fn reads_profiles_of_one_or_three_planes() {
        let one = NoiseModel::from_profile(&[1e-3, 2e-5], [0, 1, 1, 2]).unwrap();
        assert_eq!(one.cells, [[1e-3, 2e-5]; 4]);
        let three =
            NoiseModel::from_profile(&[1e-3, 1e-5, 2e-3, 2e-5, 3e-3, 3e-5], [1, 0, 2, 1]).unwrap();
        assert_eq!(three.cells[1], [1e-3, 1e-5]);
        assert_eq!(three.cells[2], [3e-3, 3e-5]);
        assert!(NoiseModel::from_profile(&[1e-3, 1e-5, 2e-3, 2e-5], [0, 1, 1, 2]).is_none());
        assert!(NoiseModel::from_profile(&[f64::NAN, 1e-5], [0, 1, 1, 2]).is_none());
        assert!(NoiseModel::from_profile(&[-1e-3, 1e-5], [0, 1, 1, 2]).is_none());
    }
}
