//! The noise of a raw frame: a Poisson-Gaussian model per photosite,
//! variance = S x + O, with x the linearised value (0 at black, 1 at
//! white, before white balance), as a DNG's NoiseProfile tag states it
//! (DNG 1.6, tag 51041: one (S, O) pair, or one per colour plane).
//!
//! Where a file has no NoiseProfile the model is measured on the mosaic:
//! 4x4 patches of each CFA plane, less their plane (mean and slopes), are
//! sorted into 12 bins of equal count by their mean; in each bin the
//! noise is read along the patches' directions of least variance, where
//! texture is weakest (principal component analysis, after Liu, Tanaka
//! and Okutomi 2013 and Pyatykh, Hesser and Zheng 2013: `bin_noise`);
//! a weighted least squares line through the bins gives S and O.
//!
//! Measured on six Kodak images made into DNGs (`bench/denoise.sh`), the
//! standard deviation at mid grey reads 1.04-1.22 times the truth at ISO
//! 3200 and 1.10-1.37 times at ISO 800 (texture still adds to it); clean
//! files read 1.1-2.5 % of mid grey. Upscaled to 12 MP, where the images
//! are smoother, the same six read 0.95-1.01 times the truth at ISO 3200.
//! Variants measured the same way (ISO 3200 / ISO 800 / clean):
//!
//! - Before: the diagonal Haar detail of 2x2 blocks, the 1 % quantile of
//!   8x8 tiles' energies (after A. Foi et al., "Practical
//!   Poissonian-Gaussian noise modeling and fitting for single-image
//!   raw-data", IEEE TIP 17(10), 2008): 1.04-1.57 / 1.15-1.84 / 1.5-5.0 %.
//!   Its 5 % quantile read clean files up to 7.1 %, the median of the
//!   energies 2-3 times the truth, the greens' difference 1.1-2 times.
//! - The least eigenvalue of the patches that its own level selects,
//!   iterated to a fixed point (Pyatykh et al.; in numpy, the mean taken
//!   out): 0.87-1.12 / 0.65-1.31, but it drifts: with 24 bins, started
//!   low, it fell to 0.51-0.66 of the truth.
//! - The readings below, in numpy, the mean taken out, with the 50 / 70
//!   / 90 % quantile as the selection (`SELECT`): 0.92-1.14 /
//!   1.01-1.24, 0.94-1.20 / 1.05-1.21, 0.99-1.24 / 1.01-1.29.
//! - The same here, in one pass, the mean taken out but not the slopes:
//!   0.98-1.19 / 1.03-1.38 / 1.0-2.7 %, but a ramp's shadows read up to
//!   27 % low.
//! - Cuts of 1/8 of a bin, then a bisection: 1.03-1.26 / 1.10-1.55 / up
//!   to 3.95 %; 1/32: 1.02-1.20 / 1.06-1.46 / 2.4 %; 1/64 with the
//!   directions found at every cut: 1.02-1.20 / 1.06-1.35 / 2.4 %; at
//!   every 8th (`REFRESH`, this one): the figures above.

use std::fmt;

use rayon::prelude::*;

/// Below this standard deviation at mid grey (x = 0.18), about 1 % of the
/// signal, a frame whose file states its noise is clean: `--denoise auto`
/// leaves it alone.
pub const NEGLIGIBLE_STD: f32 = 0.002;

/// A measured model below this standard deviation at mid grey (4 % of
/// it) may be texture alone: `--denoise auto` leaves such a frame alone.
/// Clean Kodak images made into DNGs read up to 2.5 %; with noise of 4.6
/// % (ISO 400, no NoiseProfile) they read 5.4-6.9 %, and `auto` gains
/// +0.70 dB on average over `off` at this floor (-1.23 to +2.74); with
/// [`MEASURED_STRENGTH`] for every frame, +0.76 at this floor and -0.08
/// at 6.1 % (only three of the six above it).
pub const MEASURED_NOISE_FLOOR: f32 = 0.0072;

/// The share of a measured model's thresholds that `--denoise auto` uses
/// where texture fills the frame: there the measurement reads the noise
/// up to 1.2-1.4 times the truth (the texture adds to it), and smoothing
/// by that much blurs detail. With `bench/denoise.sh` (CPSNR gain over
/// `off` against the clean scene, files without NoiseProfile, ISO 3200 /
/// ISO 800), this share for every frame: 0.7: +2.99 / +1.56 dB; 0.75:
/// +3.08 / +1.51; 0.8: +3.11 / +1.42; 0.9: +3.02 / +1.18. With the
/// earlier measurement (the module's list), 0.7 gave +2.86 / +1.23 and
/// 0.8 +2.91 / +0.95.
pub const MEASURED_STRENGTH: f32 = 0.75;

/// At most this share of noise-alike patches ([`NoiseModel::noise_alike`]),
/// a measured model gets [`MEASURED_STRENGTH`] from `--denoise auto`;
/// from [`SMOOTH`] on, the full strength; in between, a straight line.
/// Where the frame is smooth the measurement reads the truth: on the six
/// images of `bench/denoise.sh` upscaled to 12 MP at ISO 3200 it reads
/// 0.95-1.01 times the truth with 43-69 % of the frame noise-alike, and
/// 0.75 of it smoothed 2.2 dB less well than the full strength (+6.94
/// against +9.15 dB over `off`; +9.20 with NoiseProfile). The Kodak
/// images at their own size read 8-58 % noise-alike. Gains over `off`
/// (ISO 3200 / ISO 800 / ISO 400 on the benchmark's six images; ISO 3200
/// / ISO 800 on six others, kodim02, 04, 07, 15, 20, 22; ISO 3200 at 12
/// MP): 0.75 for every frame: +3.08 / +1.51 / +0.76, +4.34 / +2.72,
/// +6.94; the line from 0.2 to 0.45: +3.19 / +1.47 / +0.66, +4.48 /
/// +2.57, +9.15; from 0.3 to 0.5 (this one): +3.22 / +1.50 / +0.70, +4.51
/// / +2.70, +9.11. The six others chose between the two lines, so they
/// are no longer held out.
pub const TEXTURED: f32 = 0.3;

/// See [`TEXTURED`].
pub const SMOOTH: f32 = 0.5;

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
    /// Of a measured model, the share of the frame's patches that noise
    /// alone explains (`bin_noise`'s cut, averaged over the bins): about
    /// 0.7 on noise alone, less the more texture the frame holds, which
    /// lifts the measurement. 1 for a NoiseProfile.
    pub noise_alike: f32,
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
            noise_alike: 1.0,
        })
    }

    /// The standard deviation at linear value `x` (the cells' mean variance).
    pub fn std_at(&self, x: f32) -> f32 {
        let var: f32 = self.cells.iter().map(|[s, o]| s * x + o).sum::<f32>() / 4.0;
        var.max(0.0).sqrt()
    }

    /// The strength `--denoise auto` gives it: 1 for the file's own
    /// model; for a measured one, [`MEASURED_STRENGTH`] where texture
    /// fills the frame (at most [`TEXTURED`] of it noise-alike), rising to
    /// 1 where noise alone explains [`SMOOTH`] of it or more.
    pub fn auto_strength(&self) -> f32 {
        match self.source {
            NoiseSource::Profile => 1.0,
            NoiseSource::Estimated => {
                let smooth = ((self.noise_alike - TEXTURED) / (SMOOTH - TEXTURED)).clamp(0.0, 1.0);
                MEASURED_STRENGTH + (1.0 - MEASURED_STRENGTH) * smooth
            }
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
        let (model, noise_alike) = fit(patches(mosaic, width, height, black, white));
        NoiseModel {
            cells: [model; 4],
            source: NoiseSource::Estimated,
            noise_alike,
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
        )?;
        if self.source == NoiseSource::Estimated {
            write!(
                f,
                ", {:.0} % of the frame noise-alike",
                100.0 * self.noise_alike
            )?;
        }
        Ok(())
    }
}

/// Patches are this many plane pixels a side.
const PATCH: usize = 4;

/// The values of a patch.
const DIM: usize = PATCH * PATCH;

/// A measurement reads at least this many patches where the frame has
/// them: the grid's stride is the largest that leaves that many (a 12 MP
/// frame reads 120 thousand). Six 12 MP frames read the same within 1.5 %
/// with twice as many, which made a batch of them 4-5 % slower. A 768 x
/// 512 frame reads all its 390 thousand overlapping ones.
const PATCHES: usize = 100_000;

/// Equal-count bins of patches by their mean.
const BINS: usize = 12;

/// Each patch's plane (its mean and its slopes across and down) is taken
/// out: a smooth gradient is signal, and left in it would make a patch
/// of noise alone look louder than the noise.
const PLANE: usize = 3;

/// The directions of least variance whose energy is the noise: the
/// smallest [`PLANE`] covariance eigenvalues are the plane's, which each
/// patch has taken out; the next three carry the least texture.
const DIRECTIONS: usize = 3;

/// A patch is kept when its energy (the square of what is left without
/// its plane) is below this many times the noise variance: the 70 %
/// quantile of a chi-squared variable of DIM - PLANE degrees of freedom.
const SELECT: f64 = 15.118_722;

/// What that selection leaves of the noise variance along any one
/// direction: the mean of that chi-squared variable below its 70 %
/// quantile over its degrees of freedom, P(chi2(DIM - PLANE + 2) <
/// SELECT) / 0.7.
const SELECTED_SHARE: f64 = 0.795_857_49;

/// Patches a side of a block of the frame: patches are split into two
/// halves by a checkerboard of blocks, one half's directions measured on
/// the other's patches.
const BLOCK: usize = 16;

/// Cuts of a bin's patches, in order of energy, where the noise is read
/// (the first crossing found on coarser cuts lies further up: see the
/// module's list).
const CUTS: usize = 64;

/// Every this many cuts the directions of least variance are found
/// again; in between, a reading uses the last ones (still from the other
/// half, so still unbiased).
const REFRESH: usize = 8;

/// A patch of one CFA plane.
#[derive(Clone, Copy)]
struct Patch {
    mean: f32,
    /// The square of its residual ([`flattened`]), times `gain` squared.
    energy: f32,
    /// What the residual is scaled by: the noise of the bin's middle over
    /// the patch's own, by the first pass's model (1 in that pass).
    gain: f32,
    /// Its residual's index.
    index: u32,
    /// Which half of the checkerboard of [`BLOCK`]s it is in.
    half: bool,
}

/// A patch's values less their least-squares plane: the mean and the
/// slopes along x and y (orthogonal on the patch's grid).
fn flattened(v: &[f32; DIM]) -> [f32; DIM] {
    let centre = (PATCH - 1) as f32 / 2.0;
    let offset = |i: usize| [(i % PATCH) as f32 - centre, (i / PATCH) as f32 - centre];
    // The sum of (i - centre)^2 over the patch, either way.
    let norm = (0..DIM).map(|i| offset(i)[0].powi(2)).sum::<f32>();
    let (mut mean, mut slope) = (0.0, [0.0; 2]);
    for (i, &a) in v.iter().enumerate() {
        mean += a / DIM as f32;
        let [dx, dy] = offset(i);
        slope = [slope[0] + a * dx / norm, slope[1] + a * dy / norm];
    }
    std::array::from_fn(|i| {
        let [dx, dy] = offset(i);
        v[i] - mean - slope[0] * dx - slope[1] * dy
    })
}

/// The patches of every CFA plane on a grid of plane pixels ([`PATCHES`];
/// every patch, overlapping, on a small frame), and their residuals ([`flattened`]); but those with a
/// photosite at or above 0.9 (it may be clipped, and read no noise) or a
/// mean at or below black.
fn patches(
    mosaic: &[u16],
    width: usize,
    height: usize,
    black: [f32; 4],
    white: f32,
) -> (Vec<Patch>, Vec<[f32; DIM]>) {
    let (pw, ph) = (width / 2, height / 2);
    if pw < PATCH || ph < PATCH {
        return (Vec::new(), Vec::new());
    }
    let (nx, ny) = (pw - PATCH + 1, ph - PATCH + 1);
    let stride = ((4 * nx * ny) as f64 / PATCHES as f64).sqrt().max(1.0) as usize;
    let rows: Vec<usize> = (0..ny).step_by(stride).collect();
    // The linear values of the patch at (x, y) of a cell's plane.
    let values = |cell: usize, x: usize, y: usize| -> [f32; DIM] {
        let scale = 1.0 / (white - black[cell]).max(1.0);
        let at = (2 * y + (cell >> 1)) * width + 2 * x + (cell & 1);
        std::array::from_fn(|i| {
            let raw = mosaic[at + 2 * (i / PATCH) * width + 2 * (i % PATCH)];
            (raw as f32 - black[cell]) * scale
        })
    };
    let (mut patches, residuals): (Vec<Patch>, Vec<_>) = (0..4 * rows.len())
        .into_par_iter()
        .flat_map_iter(|row| {
            let (cell, y) = (row / rows.len(), rows[row % rows.len()]);
            (0..nx).step_by(stride).filter_map(move |x| {
                let v = values(cell, x, y);
                let mean = v.iter().sum::<f32>() / DIM as f32;
                let residual = flattened(&v);
                let clipped = v.iter().any(|&a| a >= 0.9);
                (mean > 0.0 && !clipped).then_some((
                    Patch {
                        mean,
                        energy: residual.iter().map(|r| r * r).sum(),
                        gain: 1.0,
                        index: 0,
                        half: (x / BLOCK + y / BLOCK).is_multiple_of(2),
                    },
                    residual,
                ))
            })
        })
        .unzip();
    for (i, p) in patches.iter_mut().enumerate() {
        p.index = i as u32;
    }
    (patches, residuals)
}

type Matrix = [[f64; DIM]; DIM];

fn identity() -> Matrix {
    std::array::from_fn(|i| std::array::from_fn(|j| (i == j) as u8 as f64))
}

/// The entries of a symmetric DIM x DIM matrix on and above its diagonal.
const PAIRS: usize = DIM * (DIM + 1) / 2;

/// Their (row, column), in order.
fn pairs() -> impl Iterator<Item = (usize, usize)> {
    (0..DIM).flat_map(|i| (i..DIM).map(move |j| (i, j)))
}

/// The second moments of the patches' residuals ([`flattened`]), of each
/// half.
struct Moments {
    sums: [[f64; PAIRS]; 2],
    counts: [usize; 2],
}

impl Moments {
    fn new() -> Self {
        Moments {
            sums: [[0.0; PAIRS]; 2],
            counts: [0; 2],
        }
    }

    fn add(&mut self, residuals: &[[f32; DIM]], patches: &[Patch]) {
        for p in patches {
            let v = residuals[p.index as usize].map(|r| r * p.gain);
            for (sum, (i, j)) in self.sums[p.half as usize].iter_mut().zip(pairs()) {
                *sum += (v[i] * v[j]) as f64;
            }
            self.counts[p.half as usize] += 1;
        }
    }

    /// The mean second moments of each half, as matrices.
    fn matrices(&self) -> [Matrix; 2] {
        [0, 1].map(|half| {
            let mut m = [[0.0; DIM]; DIM];
            let n = self.counts[half] as f64;
            for (&sum, (i, j)) in self.sums[half].iter().zip(pairs()) {
                (m[i][j], m[j][i]) = (sum / n, sum / n);
            }
            m
        })
    }

    /// Whether each half has enough patches to read.
    fn readable(&self) -> bool {
        self.counts.iter().all(|&n| n >= 4 * DIM)
    }
}

/// The noise variance that patches of second moments `[a, b]` (of each
/// half) read: the mean energy of each half along the other half's
/// directions of least variance (not its own, whose least variance is
/// biased low by the noise itself), over [`SELECTED_SHARE`].
fn reading([a, b]: &[Matrix; 2], directions: &[Matrix; 2]) -> f64 {
    let along = |directions: &Matrix, moments: &Matrix| {
        (PLANE..PLANE + DIRECTIONS)
            .map(|k| {
                let v: [f64; DIM] = std::array::from_fn(|i| directions[i][k]);
                (0..DIM)
                    .map(|i| v[i] * (0..DIM).map(|j| moments[i][j] * v[j]).sum::<f64>())
                    .sum::<f64>()
            })
            .sum::<f64>()
    };
    let energy = along(&directions[0], b) + along(&directions[1], a);
    energy / (2 * DIRECTIONS) as f64 / SELECTED_SHARE
}

/// The eigenvectors of a symmetric matrix, as columns, in order of
/// increasing eigenvalue: cyclic Jacobi rotations (G. H. Golub, C. F. Van
/// Loan, "Matrix Computations", 4th ed., section 8.5) of the matrix in the
/// orthonormal basis `start`, which a nearby matrix's eigenvectors make
/// nearly diagonal already.
fn eigenvectors(m: &Matrix, start: &Matrix) -> Matrix {
    let mut v = *start;
    // The matrix in that basis: start^T m start.
    let ms: Matrix = std::array::from_fn(|i| {
        std::array::from_fn(|j| (0..DIM).map(|k| m[i][k] * start[k][j]).sum())
    });
    let mut a: Matrix = std::array::from_fn(|i| {
        std::array::from_fn(|j| (0..DIM).map(|k| start[k][i] * ms[k][j]).sum())
    });
    let scale: f64 = a.iter().flatten().map(|x| x * x).sum();
    for _ in 0..50 {
        let off: f64 = pairs()
            .filter(|(p, q)| p != q)
            .map(|(p, q)| a[p][q].powi(2))
            .sum();
        if off <= 1e-20 * scale {
            break;
        }
        for p in 0..DIM {
            for q in p + 1..DIM {
                if a[p][q] == 0.0 {
                    continue;
                }
                // The rotation that zeroes a[p][q].
                let theta = (a[q][q] - a[p][p]) / (2.0 * a[p][q]);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                let rotate = |x: f64, y: f64| (c * x - s * y, s * x + c * y);
                for (ak, vk) in a.iter_mut().zip(v.iter_mut()) {
                    (ak[p], ak[q]) = rotate(ak[p], ak[q]);
                    (vk[p], vk[q]) = rotate(vk[p], vk[q]);
                }
                let (head, tail) = a.split_at_mut(q);
                for (x, y) in head[p].iter_mut().zip(tail[0].iter_mut()) {
                    (*x, *y) = rotate(*x, *y);
                }
            }
        }
    }
    let mut order: [usize; DIM] = std::array::from_fn(|i| i);
    order.sort_by(|&i, &j| a[i][i].total_cmp(&a[j][j]));
    std::array::from_fn(|i| order.map(|k| v[i][k]))
}

/// The noise variance of a bin of patches, after X. Liu, M. Tanaka, M.
/// Okutomi, "Single-image noise level estimation for blind denoising",
/// IEEE TIP 22(12), 2013, and S. Pyatykh, J. Hesser, L. Zheng, "Image
/// noise level estimation by principal component analysis", IEEE TIP
/// 22(2), 2013: texture has directions of its own, noise is in all of
/// them, so the patches' least-variance directions read the noise, on the
/// patches that noise alone could explain. Patches are taken in order of
/// energy; the level is where the noise read on those below a cut equals
/// the level the cut selects at ([`SELECT`]): below the noise the reading
/// stays above the cut's level, above it texture adds patches slower than
/// the cut rises. Each reading is unbiased for noise alone (the directions
/// come from the other half, the selection's share is known), so there is
/// no fixed-point drift. `None` where the bin is too small to read.
fn bin_noise(residuals: &[[f32; DIM]], bin: &mut [Patch]) -> Option<(f64, f64)> {
    bin.sort_unstable_by(|a, b| a.energy.total_cmp(&b.energy));
    let (mut moments, mut directions) = (Moments::new(), None);
    // The last cut's (level, reading).
    let mut last: Option<(f64, f64)> = None;
    let mut done = 0;
    for j in 1..=CUTS {
        let end = bin.len() * j / CUTS;
        moments.add(residuals, &bin[done..end]);
        done = end;
        if !moments.readable() {
            continue;
        }
        let matrices = moments.matrices();
        // Each half's eigenvectors, found from the last ones.
        let found = match directions {
            Some(found) if j % REFRESH != 0 => found,
            last => {
                let start = last.unwrap_or([identity(); 2]);
                [0, 1].map(|h| eigenvectors(&matrices[h], &start[h]))
            }
        };
        directions = Some(found);
        let level = bin[end - 1].energy as f64 / SELECT;
        let noise = reading(&matrices, &found);
        let share = j as f64 / CUTS as f64;
        if noise < level {
            // Where the reading crosses the level, between the two cuts.
            let crossing = last.map_or(noise, |(l0, n0)| {
                let (d0, d1) = (n0 - l0, noise - level);
                l0 + d0 / (d0 - d1) * (level - l0)
            });
            return Some((crossing, share));
        }
        last = Some((level, noise));
    }
    // Every cut reads at least its level: all the bin is noise alike.
    last.map(|(_, noise)| (noise, 1.0))
}

/// `[S, O]` of the noise of `patches`, in two passes: the bins' readings
/// on the patches as they are give a first model; by it, each patch is
/// then scaled to the noise of its bin's middle, and the bins are read
/// again. Within a bin the noise grows with the signal, so its quietest
/// patches are its darkest: in one pass the shadows' bins of a ramp read
/// 16-17 % low, in two 2-4 %.
fn fit((mut patches, residuals): (Vec<Patch>, Vec<[f32; DIM]>)) -> ([f32; 2], f32) {
    if patches.len() < BINS * 16 * DIM {
        return ([0.0, 0.0], 0.0);
    }
    patches.par_sort_unstable_by(|a, b| a.mean.total_cmp(&b.mean));
    let size = patches.len().div_ceil(BINS);
    // Each bin's median mean, before reading it sorts it by energy.
    let middles: Vec<f32> = patches
        .chunks(size)
        .map(|bin| bin[bin.len() / 2].mean)
        .collect();
    let first = line(&readings(&residuals, &mut patches, size, &middles));
    if first == [0.0, 0.0] {
        return ([0.0, 0.0], 0.0);
    }
    let variance = |x: f32| (first[0] * x as f64 + first[1]).max(1e-12);
    patches
        .par_chunks_mut(size)
        .zip(&middles)
        .for_each(|(bin, &middle)| {
            let middle = variance(middle);
            for p in bin {
                p.gain = (middle / variance(p.mean)).sqrt() as f32;
                p.energy *= p.gain * p.gain;
            }
        });
    let bins = readings(&residuals, &mut patches, size, &middles);
    let noise_alike = bins.iter().map(|b| b[3]).sum::<f64>() / bins.len().max(1) as f64;
    (line(&bins).map(|v| v as f32), noise_alike as f32)
}

/// The (median mean, noise variance, count, share of noise-alike patches)
/// of each bin of `size` patches (by their mean) that could be read.
fn readings(
    residuals: &[[f32; DIM]],
    patches: &mut [Patch],
    size: usize,
    middles: &[f32],
) -> Vec<[f64; 4]> {
    patches
        .par_chunks_mut(size)
        .zip(middles)
        .filter_map(|(bin, &mean)| {
            let (variance, share) = bin_noise(residuals, bin)?;
            Some([mean as f64, variance, bin.len() as f64, share])
        })
        .collect()
}

/// `[S, O]` of the line variance = S x + O through the bins' (mean,
/// variance), weighted by each bin's precision (count / variance^2), S
/// and O kept non-negative (the other refitted alone where one would be
/// negative). Zero without bins.
fn line(bins: &[[f64; 4]]) -> [f64; 2] {
    if bins.is_empty() {
        return [0.0, 0.0];
    }
    let weight = |b: &[f64; 4]| b[2] / b[1].max(1e-12).powi(2);
    // Weighted least squares of variance = s x + o.
    let (mut sw, mut sx, mut sy, mut sxx, mut sxy) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for b in bins {
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
    [slope, offset.max(0.0)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};
    use rand_distr::{Distribution, Normal, Poisson};

    /// A smooth ramp with Poisson-Gaussian noise of (s, o) per cell, 12-bit.
    fn noisy(s: f64, o: f64, w: usize, h: usize) -> Vec<u16> {
        textured(s, o, w, h, 0.0)
    }

    /// The same ramp with fine stripes of `amplitude` (relative to the
    /// ramp) across it, and the noise.
    fn textured(s: f64, o: f64, w: usize, h: usize, amplitude: f64) -> Vec<u16> {
        let mut rng = StdRng::seed_from_u64(7);
        let gauss = Normal::new(0.0, o.sqrt()).unwrap();
        (0..w * h)
            .map(|i| {
                let (x, y) = (i % w, i / w);
                let ramp = 0.02 + 0.9 * (x as f64 / w as f64) * (0.5 + 0.5 * y as f64 / h as f64);
                let phase = std::f64::consts::TAU * (x as f64 + 0.4 * y as f64) / 9.0;
                let v = ramp * (1.0 + amplitude * phase.sin());
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
            // Noise alone: the cut falls at the selection's own quantile.
            assert!((m.noise_alike - 0.7).abs() < 0.05, "{m}");
        }
    }

    #[test]
    fn reads_the_noise_under_texture() {
        // Stripes of +-20 %, at mid grey 3 times the noise's standard
        // deviation: the Haar detail's low quantile read 1.36 times the
        // noise here, this 0.93 times.
        let (w, h) = (640, 480);
        let (s, o) = (7e-4, 1e-5);
        let m = NoiseModel::estimate(&textured(s, o, w, h, 0.2), w, h, [256.0; 4], 4095.0);
        let truth = (s * 0.18 + o).sqrt() as f32;
        let std = m.std_at(0.18);
        assert!(
            (std - truth).abs() < 0.1 * truth,
            "{std}, truth {truth}: {m}"
        );
    }

    #[test]
    fn eigenvectors_diagonalise() {
        let mut rng = StdRng::seed_from_u64(3);
        let mut m: Matrix = [[0.0; DIM]; DIM];
        for (i, j) in pairs() {
            let x = rng.random_range(-1.0..1.0);
            (m[i][j], m[j][i]) = (x, x);
        }
        // From the identity and from another basis.
        let other = eigenvectors(&m.map(|row| row.map(|x| x * x)), &identity());
        for start in [identity(), other] {
            let v = eigenvectors(&m, &start);
            let columns: Matrix = std::array::from_fn(|k| std::array::from_fn(|i| v[i][k]));
            let mut last = f64::NEG_INFINITY;
            for col in columns {
                let mv = m.map(|row| row.iter().zip(col).map(|(a, b)| a * b).sum::<f64>());
                let lambda: f64 = col.iter().zip(mv).map(|(a, b)| a * b).sum();
                let norm: f64 = col.iter().map(|c| c * c).sum();
                assert!((norm - 1.0).abs() < 1e-9);
                assert!(mv
                    .iter()
                    .zip(col)
                    .all(|(a, b)| (a - lambda * b).abs() < 1e-8));
                assert!(lambda >= last, "eigenvalues in increasing order");
                last = lambda;
            }
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
    fn auto_smooths_a_measured_model_less_where_texture_fills_the_frame() {
        use crate::params::Denoise;
        let profile = NoiseModel::from_profile(&[3e-3, 5e-5], [0, 1, 1, 2]).unwrap();
        let measured = |noise_alike| NoiseModel {
            source: NoiseSource::Estimated,
            noise_alike,
            ..profile
        };
        assert_eq!(Denoise::Auto.strength(&profile), Some(1.0));
        for (share, strength) in [
            (0.1, MEASURED_STRENGTH),
            (TEXTURED, MEASURED_STRENGTH),
            ((TEXTURED + SMOOTH) / 2.0, (1.0 + MEASURED_STRENGTH) / 2.0),
            (SMOOTH, 1.0),
            (0.7, 1.0),
        ] {
            let auto = Denoise::Auto.strength(&measured(share)).unwrap();
            assert!((auto - strength).abs() < 1e-6, "{share}: {auto}");
        }
        // A strength asked for is the strength used.
        assert_eq!(Denoise::Strength(1.5).strength(&measured(0.1)), Some(1.5));
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
