//! The noise of a raw frame: a Poisson-Gaussian model per photosite,
//! variance = S x + O, with x the linearised value (0 at black, 1 at
//! white, before white balance), as a DNG's NoiseProfile tag states it
//! (DNG 1.6, tag 51041: one (S, O) pair, or one per colour plane).
//!
//! Where a file has no NoiseProfile the model is measured on the mosaic,
//! after A. Foi, M. Trimeche, V. Katkovnik, K. Egiazarian, "Practical
//! Poissonian-Gaussian noise modeling and fitting for single-image
//! raw-data", IEEE TIP 17(10), 2008: the diagonal Haar detail of 2x2
//! blocks of a CFA plane is noise alone where the image is smooth. Tiles
//! of 8x8 plane pixels give their mean and detail energy; the tiles of all
//! four planes are sorted into 12 bins of equal count by their mean; a
//! bin's noise variance is the 1 % quantile of its tiles' energies over
//! that quantile for noise alone (chi-squared, 16 degrees of freedom), as
//! texture only ever adds energy; a weighted least squares line through
//! the bins gives S and O.
//!
//! Measured on six Kodak images made into DNGs (`bench/denoise.sh`), the
//! standard deviation at mid grey reads 1.04-1.57 times the truth at ISO
//! 3200 and 1.15-1.84 times at ISO 800; clean files read 1.5-5.0 % of mid
//! grey, their fine texture taken for noise. The 5 % quantile read clean
//! files up to 7.1 %, the median of the energies 2-3 times the truth, the
//! same on the greens' difference (Gr - Gb) 1.1-2 times. So a measured
//! model is trusted only above [`MEASURED_NOISE_FLOOR`].

use std::fmt;

use rayon::prelude::*;

/// Below this standard deviation at mid grey (x = 0.18), about 1 % of the
/// signal, a frame whose file states its noise is clean: `--denoise auto`
/// leaves it alone.
pub const NEGLIGIBLE_STD: f32 = 0.002;

/// A measured model below this standard deviation at mid grey (6.1 % of
/// it) may be texture alone (clean Kodak images read up to 5 %):
/// `--denoise auto` leaves such a frame alone.
pub const MEASURED_NOISE_FLOOR: f32 = 0.011;

/// The share of a measured model's thresholds that `--denoise auto` uses:
/// the measurement reads the noise 1.04-1.84 times the truth (texture adds
/// to it), and smoothing by that much blurs detail. With `bench/denoise.sh`
/// (CPSNR gain over `off` against the clean scene, files without
/// NoiseProfile), with the garrote at every level: 1: +2.06 dB at ISO 3200
/// and -0.28 at ISO 800; 0.7: +2.42 / +0.29; 0.6: +2.46 / +0.54; 0.5:
/// +2.37 / +0.77. With the finest level's Wiener estimate
/// ([`crate::ops::denoise`]): 0.6: +2.61 / +1.39; 0.7: +2.87 / +1.24;
/// 0.8: +2.91 / +0.95. With levels 3 to 6 at half resolution, one
/// strength for the garrote's thresholds and another for the finest
/// level's Wiener estimate: (garrote, Wiener) (0.7, 0.7) +2.86 / +1.23;
/// (0.9, 0.7) +2.88 / +1.19; (1.2, 0.7) +2.85 / +1.12; (0.5, 0.7) +2.77
/// / +1.25; (0.7, 0.5) +2.29 / +1.38; (0.7, 0.9) +2.75 / +0.63: one
/// strength for both stays.
pub const MEASURED_STRENGTH: f32 = 0.7;

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

    /// The standard deviation at linear value `x` (the cells' mean variance).
    pub fn std_at(&self, x: f32) -> f32 {
        let var: f32 = self.cells.iter().map(|[s, o]| s * x + o).sum::<f32>() / 4.0;
        var.max(0.0).sqrt()
    }

    /// The strength `--denoise auto` gives it: 1 for the file's own
    /// model, [`MEASURED_STRENGTH`] for a measured one.
    pub fn auto_strength(&self) -> f32 {
        match self.source {
            NoiseSource::Profile => 1.0,
            NoiseSource::Estimated => MEASURED_STRENGTH,
        }
    }

    /// Whether the noise is too small to be worth removing, or, measured,
    /// could be the image's own texture.
    pub fn negligible(&self) -> bool {
        let floor = match self.source {
            NoiseSource::Profile => NEGLIGIBLE_STD,
            NoiseSource::Estimated => MEASURED_NOISE_FLOOR,
        };
        self.std_at(0.18) < floor
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
        // One model for every cell: photon and read noise in raw units
        // do not depend on the colour filter.
        let model = fit(tiles(mosaic, width, height, black, white));
        NoiseModel {
            cells: [model; 4],
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

/// Tiles are this many plane pixels a side: 16 diagonal details each.
const TILE: usize = 8;

/// About as many tiles as a measurement reads (a frame with fewer gives
/// all of its own): 12 MP has 750 thousand, and reading them all took 40
/// ms of its decode.
const TILES: usize = 24_000;

/// Equal-count bins of tiles by their mean.
const BINS: usize = 12;

/// The quantile of each bin's tile energies taken as its noise: texture
/// only adds energy, so a low quantile ignores most textured tiles.
const QUANTILE: f64 = 0.01;

/// The same quantile of a chi-squared variable of 16 degrees of freedom
/// over 16 (a tile's energy in noise alone, unit variance).
const CHI2_16_QUANTILE: f64 = 0.363_263_28;

/// The (mean, energy) of each tile of every CFA plane: the mean of its
/// linear values and the mean square of the diagonal Haar details of its
/// 2x2 blocks (the variance of white noise; constant and linear signal
/// cancel). Tiles whose mean is not within (0, 0.9) are left out, as
/// clipped ones would read no noise.
fn tiles(
    mosaic: &[u16],
    width: usize,
    height: usize,
    black: [f32; 4],
    white: f32,
) -> Vec<[f64; 2]> {
    let (pw, ph) = (width / 2, height / 2);
    let (tw, th) = (pw / TILE, ph / TILE);
    // Every `stride`-th tile of every `stride`-th row, so that a large
    // frame is measured on some tens of thousands of tiles and no more.
    let stride = ((4 * tw * th) as f64 / TILES as f64).sqrt().max(1.0) as usize;
    let rows: Vec<usize> = (0..th).step_by(stride).collect();
    let n = rows.len();
    (0..4 * n)
        .into_par_iter()
        .flat_map_iter(|row| {
            let (cell, ty) = (row / n, rows[row % n]);
            let range = (white - black[cell]).max(1.0) as f64;
            let at = move |x: usize, y: usize| {
                let raw = mosaic[(2 * y + (cell >> 1)) * width + 2 * x + (cell & 1)];
                (raw as f64 - black[cell] as f64) / range
            };
            (0..tw).step_by(stride).filter_map(move |tx| {
                let (mut sum, mut energy) = (0.0, 0.0);
                for by in 0..TILE / 2 {
                    for bx in 0..TILE / 2 {
                        let (x, y) = (tx * TILE + 2 * bx, ty * TILE + 2 * by);
                        let [a, b, c, d] = [at(x, y), at(x + 1, y), at(x, y + 1), at(x + 1, y + 1)];
                        sum += a + b + c + d;
                        energy += ((a - b - c + d) / 2.0).powi(2);
                    }
                }
                let mean = sum / (TILE * TILE) as f64;
                let blocks = (TILE / 2 * TILE / 2) as f64;
                (mean > 0.0 && mean < 0.9).then_some([mean, energy / blocks])
            })
        })
        .collect()
}

/// `[S, O]` of the line variance = S x + O through the bins' (median
/// mean, noise variance), weighted by each bin's precision (count /
/// variance^2), S and O kept non-negative (the other refitted alone where
/// one would be negative). Zero where there are too few tiles to tell.
fn fit(mut tiles: Vec<[f64; 2]>) -> [f32; 2] {
    if tiles.len() < BINS * 8 {
        return [0.0, 0.0];
    }
    tiles.sort_by(|a, b| a[0].total_cmp(&b[0]));
    let bins: Vec<[f64; 3]> = tiles
        .chunks(tiles.len().div_ceil(BINS))
        .map(|bin| {
            let mut energies: Vec<f64> = bin.iter().map(|t| t[1]).collect();
            let k = ((energies.len() - 1) as f64 * QUANTILE).round() as usize;
            let (_, low, _) = energies.select_nth_unstable_by(k, f64::total_cmp);
            let variance = *low / CHI2_16_QUANTILE;
            [bin[bin.len() / 2][0], variance, bin.len() as f64]
        })
        .collect();
    let weight = |b: &[f64; 3]| b[2] / b[1].max(1e-12).powi(2);
    // Weighted least squares of variance = s x + o.
    let (mut sw, mut sx, mut sy, mut sxx, mut sxy) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for b in &bins {
        let w = weight(b);
        sw += w;
        sx += w * b[0];
        sy += w * b[1];
        sxx += w * b[0] * b[0];
        sxy += w * b[0] * b[1];
    }
    let det = sw * sxx - sx * sx;
    let (mut slope, mut offset) = if det > 0.0 {
        ((sw * sxy - sx * sy) / det, (sxx * sy - sx * sxy) / det)
    } else {
        (0.0, sy / sw)
    };
    if slope < 0.0 {
        (slope, offset) = (0.0, sy / sw);
    } else if offset < 0.0 {
        (slope, offset) = (sxy / sxx, 0.0);
    }
    [slope as f32, offset.max(0.0) as f32]
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
    fn auto_smooths_a_measured_model_less() {
        use crate::params::Denoise;
        let profile = NoiseModel::from_profile(&[3e-3, 5e-5], [0, 1, 1, 2]).unwrap();
        let measured = NoiseModel {
            source: NoiseSource::Estimated,
            ..profile
        };
        assert_eq!(Denoise::Auto.strength(&profile), Some(1.0));
        assert_eq!(Denoise::Auto.strength(&measured), Some(MEASURED_STRENGTH));
        // A strength asked for is the strength used.
        assert_eq!(Denoise::Strength(1.5).strength(&measured), Some(1.5));
        let clean = NoiseModel::from_profile(&[1e-6, 1e-8], [0, 1, 1, 2]).unwrap();
        assert_eq!(Denoise::Auto.strength(&clean), None);
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
