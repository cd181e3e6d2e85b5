//! Noise reduction on the linear mosaic, before the demosaic
//! (`shaders/denoise.wgsl`): wavelet shrinkage of the Bayer mosaic with
//! thresholds from the frame's Poisson-Gaussian noise model
//! ([`crate::noise`]).
//!
//! - Each 2x2 cell is one texel of four components, an orthonormal Haar
//!   transform of its photosites (R, Gr, Gb, B): luminance, green -
//!   magenta, red - blue and the greens' difference. This is the
//!   luminance / chrominance split of a CFA image's wavelet transform
//!   (K. Hirakawa, X.-L. Meng, P. J. Wolfe, "A framework for wavelet-based
//!   analysis and processing of color filter array images with
//!   applications to denoising and demosaicing", ICASSP 2007); the
//!   transform is orthonormal, so white noise stays white in every
//!   component with the variance the model gives.
//! - Each component is decomposed by the undecimated ("a trous") wavelet
//!   transform with the B3-spline filter [1 4 6 4 1] / 16 (J.-L. Starck,
//!   F. Murtagh, "Image restoration with noise suppression using the
//!   wavelet transform", A&A 288, 1994), [`LEVELS`] levels, separable,
//!   made edge-stopping as in H. Dammertz, D. Sewtz, J. Hanika, H. Lensch,
//!   "Edge-avoiding a-trous wavelet transform for fast global illumination
//!   filtering", HPG 2010: a tap's weight falls as exp(-(difference /
//!   (2 sigma))^2 / 2), sigma the noise of that difference from the model,
//!   so that no level averages across an edge.
//! - Every detail coefficient of levels 2 and coarser is shrunk by the
//!   non-negative garrote (H.-Y. Gao, "Wavelet shrinkage denoising using
//!   the non-negative garrote", J. Comput. Graph. Stat. 7(4), 1998),
//!   threshold `k` standard deviations of its noise: the level's gain for
//!   white noise ([`gains`]) times the component's noise at the local mean
//!   of that level's smooth image, from the model (signal-dependent:
//!   shadows and highlights each get their own threshold).
//! - The finest level's details, where most of the noise and the fine
//!   texture are, by the empirical Wiener estimate of locally adaptive
//!   window-based denoising (M. K. Mihcak, I. Kozintsev, K. Ramchandran,
//!   P. Moulin, "Low-complexity image denoising based on statistical
//!   modeling of wavelet coefficients", IEEE Signal Process. Lett. 6(12),
//!   1999): each detail scaled by `1 - n / E`, clipped at 0, E the mean
//!   square of the details over a neighbourhood and n [`OVERSUBTRACT`]
//!   times their noise variance from the model (over-subtraction, as in
//!   M. Berouti, R. Schwartz, J. Makhoul, "Enhancement of speech corrupted
//!   by acoustic noise", ICASSP 1979, keeps flat areas as clean as the
//!   garrote left them). E is taken at half resolution: each texel of
//!   `energy_main` averages the 4x4 details from twice its position less
//!   one, and a level texel reads the one at half its position.
//!
//! Measured with `bench/denoise.sh` (six Kodak images made into DNGs, ISO
//! 3200 with NoiseProfile; CPSNR gain over `--denoise off`, against the
//! clean scene / the original image): plain B3 filter, garrote, k (2, 3,
//! 3, 3), five levels: +1.2 dB on kodim05 alone (against the original);
//! soft thresholding, k (1, 1.5, 1.5, 1.5): +1.57 / +2.78, but colour
//! bled across edges (red +4.9 % beside a grey / red edge) and clean
//! details shrank; the edge-stopping filter, garrote, six levels, k (1.5,
//! 2, 2, 2): +3.57 / +3.11, no measurable bleed, and k (2, 2.5, 2.5, 2.5)
//! (this one): +3.55 / +3.25 with a tenth of the isolated coloured specks
//! on a grey card (pixels off by more than 8 codes: 0.24 % against 2.1 %).
//! k from (1, 2, 2, 2) to (2.5, 3, 3, 3) and a heavier greens' difference
//! all gave 27.65-27.84 dB against the clean scene; an edge stop of 1 or
//! 4 sigma instead of 2 lost 0.9-1.3 dB. In a numpy
//! prototype: per-CFA-plane shrinkage without the Haar split lost 0.3 dB;
//! a generalised Anscombe transform instead of signal-dependent thresholds
//! 0.2 dB; locally adaptive (Wiener-like) shrinkage gained 0.4-0.7 dB over
//! soft thresholding without the edge stop, but bled colour the same way.
//! Five levels left low-frequency noise (blotches) of 0.32 of the noise
//! power below 0.02 of Nyquist on a grey card, six 0.14, seven 0.04.
//!
//! The finest level's Wiener estimate, measured the same way (ISO 3200
//! tagged / untagged, ISO 800 tagged / untagged, against the clean scene;
//! the garrote everywhere gave +2.84 / +2.46 / +1.27 / +0.54): over 3x3
//! texels at full resolution with the noise variance as it is, +3.12 /
//! +2.70 / +1.48 / +1.31, but a grey card kept twice the noise (5.5 times
//! less than `off` against 10.3-12.7); with 1.5 times the variance, +3.12
//! on the tagged set of three (an earlier run) and the card 11.4-13.0;
//! over 4x4 texels at half resolution (its pass 47 ms a 12 MP frame
//! against 97 for the full one): 1.0 times the variance +3.30 / +2.38 /
//! +1.68 (the card 7.4), 1.25 (this one) +3.21 / +2.61 / +1.55 / +1.39
//! (the card 11.7-13.2), 1.5 +3.07 / +2.76 / +1.42 / +1.33 (the card
//! 17.9-20.3). Tried and not kept, ISO 3200 tagged: the Wiener estimate on
//! every level (+3.20 at its best, against +3.26 for the finest alone,
//! the CPU twin); the parent level's detail in place of the neighbourhood
//! (bivariate, +2.87 at best); the garrote's threshold against the
//! neighbourhood's energy instead of the coefficient's (NeighShrink-like,
//! +2.61; it gains as that threshold falls towards the noise's variance,
//! which is the Wiener estimate); a 5x5 filter at level 1 instead of rows
//! and columns (+0.10 dB); edge-stopping weights from a B3-smoothed guide
//! (-0.5 to -1.3 dB). Non-local means on the developed image (7x7 search, 3x3
//! patches, luminance weights) gave +3.54 alone on three of the images
//! and +0.5 dB on top of the wavelets at half strength, at many times
//! their cost.
//!
//! The smooth levels (1 to [`LEVELS`], and the row pass between) are
//! stored as f16 ([`SMOOTH_FORMAT`]), level 0 as f32. Without shrinkage the
//! sum of the details telescopes back to level 0 exactly, so the rounding
//! (at most 2^-12 of a value) reaches the output only where details are
//! shrunk, where the noise is hundreds of times larger. On a 12 MP frame
//! on lavapipe the smoothing passes took 612 ms instead of 796 and the
//! unpacking 119 instead of 167, in 0.95 GB instead of 1.11; the benchmark
//! above gave the same figures to 0.01 dB.
//!
//! Levels 3 to [`LEVELS`] are at half the resolution of the cells
//! ([`FULL_LEVELS`]): level 2's filter passes at most 0.006 of any
//! frequency above half the cells' Nyquist frequency, so the even texels
//! of its even rows carry level 2 nearly without aliasing, and the a
//! trous filter with taps 2^(j-1) apart, evaluated there, reads only
//! those texels: each half-resolution texel is the full
//! transform's value at twice its position (up to the mirrored border),
//! computed on a quarter of the texels. Unpacking takes a half-resolution
//! level at an odd position as the mean of its two or four neighbours;
//! the details still add back up to level 0 exactly. On a 12 MP frame the
//! smoothing passes take 169 ms instead of 330 (unpacking, with the
//! interpolation, 132 instead of 90), one develop 0.96-1.00 s instead of
//! 1.08, peak memory in a batch 1.43 GB instead of 1.55; the benchmark
//! moved by -0.05 dB (ISO 3200 tagged) to -0.01 dB. From level 2 on
//! (levels 2 to 6 at half resolution) it lost 0.14 dB and gained 15 ms.
//! The details of levels 4 to 6 are shrunk where those levels are, at
//! half resolution, and summed with level 6 (`coarse_main`, 11 ms), so
//! that unpacking interpolates one image for them instead of three and
//! takes three noise estimates instead of six: unpacking 105 ms instead
//! of 135 (the shrinkage of an interpolated detail became the
//! interpolation of a shrunk one; the benchmark's figures stayed the same
//! to 0.001 dB).
//!
//! What bounds this design, measured on the same six images at ISO 3200
//! with NoiseProfile, against the clean scene (this design +3.16 dB on
//! the CPU twin; +3.21 with every level at full resolution, in a numpy
//! copy of it): the Wiener filter that knows the clean image's
//! coefficients (an oracle) reaches +4.60 in this transform (plain B3
//! spline, five levels). Putting the clean image's level-1 details of the
//! three components other than luminance into the denoised output gives
//! +6.00, of luminance +4.29, of every coarser level of those three at
//! most +0.7: the error left is in the finest details of green - magenta,
//! red - blue and the greens' difference, which in a 2x2 cell hold the
//! finest luminance texture as much as colour. There the signal is below
//! the noise: shrinking each of those details by the oracle's own Wiener
//! gain gives +3.59, by the clean image's energy over the same 4x4 texels
//! +3.20, so a better estimate of the local energy cannot win it back.
//! Tried and not kept on that account (numpy copy, against +3.21): the
//! four components' details at level 1 as one vector, shrunk by the
//! eigenvalues of their 4x4 covariance over the window (+3.03); each
//! component's signal-to-noise ratio pooled with the four's mean by a
//! quarter or a half (+3.20, +3.18); a second pass that shrinks the noisy
//! details by the Wiener gain of the first pass's output (CPU twin, one to
//! five plain B3 levels: +2.78 to +3.13); colour differences at the red
//! and blue photosites against the mean of their four greens (a lifting
//! step) instead of the Haar split (+2.92); the developed image's
//! chrominance blurred afterwards (at most +0.1); the luminance of what
//! the noise reduction took away added back to the developed image where
//! its local energy stands out of the noise's (at most +0.06); predicting
//! the first-order gradient that red - blue and the greens' difference
//! carry (their photosites sit a photosite apart) from the luminance's
//! central differences, and lifting it out before the shrinkage (-0.08
//! to -0.32 dB with either sign).
//!
//! What did gain is cycle spinning (R. R. Coifman, D. L. Donoho,
//! "Translation-invariant de-noising", 1995) over the cells' phase, the
//! `high` quality ([`DenoiseQuality::High`]): the passes run a second
//! time on the cells from photosite (1, 1) (`pack_shifted_main` to
//! `unpack_shifted_main`; the photosites before the border mirrored), and
//! each photosite is the mean of its two values. In the numpy copy, the
//! phases (0, 0) and (1, 1) gave +3.55, (0, 0) and (0, 1) +3.43, (0, 0) and
//! (1, 0) +3.43, all four +3.61; of the two phases' mean, the finest level
//! alone averaged +3.26, every coarser level alone +3.46 (level 2 needs
//! level 1's smoothing first, so no part of it comes cheap). On the CPU
//! twin and the GPU alike, with the finest level's Wiener estimate taking
//! the noise's standard deviation as `s` times the model's and the
//! garrote's thresholds `k` times theirs (ISO 3200 tagged against the
//! clean scene;
//! `bench/grey-card.sh`: RMS R / G / B codes, pixels off by more than 8
//! codes): s = k = 1: +3.53; 0.9: +3.65 (the card 1.43 / 1.10 / 1.18,
//! 0.11 %); 0.8: +3.58; 0.7: +3.24; s 0.9, k 1 (this one,
//! [`SPUN_WIENER`]): +3.65 (the card 1.32 / 1.05 / 1.12, 0.07 %); s 1, k
//! 0.9: +3.54 (1.05 / 0.72 / 0.81); s 0.8, k 1: +3.60 (2.05 / 1.70 /
//! 1.79, 0.44 %); s 0.9, k 1.1: +3.64. It costs a second noise reduction:
//! the batch takes 2.40-2.44 times the clean one's time, past the 2x
//! budget of the default, so it is an option.
//!
//! For reference, BM3D (K. Dabov, A. Foi, V. Katkovnik, K. Egiazarian,
//! "Image denoising by sparse 3-D transform-domain collaborative
//! filtering", IEEE TIP 16(8), 2007; the `bm3d` 4.0.3 Python package, not
//! part of wisp) on the same six images at ISO 3200 tagged: on the four
//! Haar components of the cells after a generalised Anscombe transform of
//! each CFA plane, its blocks matched on luminance, with the exact
//! unbiased inverse (M. Makitalo, A. Foi, "Optimal inversion of the
//! generalized Anscombe transformation for Poisson-Gaussian noise", IEEE
//! TIP 22(1), 2013): +3.65 (+3.54 with the algebraic inverse); on each CFA
//! plane alone, +3.09; CBM3D on the developed `off` image, one noise level
//! for the whole image: +1.51, +3.50, +3.17 at 0.04, 0.07, 0.1 (and +0.08
//! at most on top of this design's output). Block matching, at many
//! times the cost, reaches what cycle spinning reaches here; neither
//! reaches +4 dB on these six. On all 24 Kodak images the default
//! reaches +4.13 (11 of them below +4, from +1.21), cycle spinning +4.62.
//!
//! The mosaic here is white-balanced: a photosite v of a colour whose
//! white balance gain is g has the variance g S v + g^2 O when the model
//! says S x + O for its linear value x = v / g. Lens shading gains, where
//! a file has them, are undone while denoising (each photosite divided by
//! its gain, and multiplied back after), so the model holds in the corners
//! too.

use bytemuck::{Pod, Zeroable};
use rayon::prelude::*;

use super::common::mirror;
use crate::frame::RawFrame;
use crate::noise::NoiseModel;
use crate::params::DenoiseQuality;

/// Wavelet levels (`DENOISE_LEVELS`).
pub const LEVELS: usize = 6;

/// Texels a smoothing invocation walks (`DENOISE_RUN`).
pub const RUN: usize = 64;

/// The texture format of the smooth levels (`smooth_out`).
pub const SMOOTH_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba16Float;

/// Threshold of each component (luminance, green - magenta, red - blue,
/// greens' difference), in standard deviations of its noise, at strength 1.
const THRESHOLDS: [f32; 4] = [2.0, 2.5, 2.5, 2.5];

/// `struct DenoiseParams`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable, PartialEq)]
pub struct DenoiseUniform {
    pub kinds: [u32; 4],
    pub scale: [f32; 4],
    pub offset: [f32; 4],
    pub k: [f32; 4],
    pub beta: [f32; 8],
    /// Where the cells are counted from, the frame's width, and whether
    /// the frame has lens shading gains (undone while denoising).
    pub origin: [u32; 2],
    pub width: u32,
    pub shaded: u32,
    /// The finest level's Wiener estimate takes its noise as this many
    /// times the model's: the strength ([`SPUN_WIENER`] times it under
    /// cycle spinning).
    pub strength: f32,
    /// 1 where the noise reduction is the mean of two phases' (cycle
    /// spinning, [`DenoiseQuality::High`]).
    pub spun: u32,
    pub pad: [u32; 2],
}

impl DenoiseUniform {
    /// For `frame` with the noise `model`, at `strength` (1 = the model's
    /// thresholds) and `quality`, its cells counted from `origin` (a frame
    /// position).
    pub fn new(
        frame: &RawFrame,
        model: &NoiseModel,
        strength: f32,
        quality: DenoiseQuality,
        origin: [usize; 2],
    ) -> Self {
        let spun = quality == DenoiseQuality::High;
        let min_gain = frame.wb.iter().cloned().fold(f32::INFINITY, f32::min);
        let colors = frame.cfa.colors();
        let kinds = frame.cfa.shifted(origin[0], origin[1]).kinds();
        let mut scale = [0.0; 4];
        let mut offset = [0.0; 4];
        for (cell, &kind) in frame.cfa.kinds().iter().enumerate() {
            let gain = frame.wb[colors[cell] as usize] / min_gain;
            let [s, o] = model.cells[cell];
            scale[kind as usize] = gain * s;
            offset[kind as usize] = gain * gain * o;
        }
        let mut beta = [0.0; 8];
        beta[..LEVELS].copy_from_slice(&gains().detail);
        DenoiseUniform {
            kinds,
            scale,
            offset,
            k: THRESHOLDS.map(|k| k * strength),
            beta,
            origin: origin.map(|v| v as u32),
            width: frame.width as u32,
            shaded: frame.gain_maps.is_some() as u32,
            strength: if spun {
                SPUN_WIENER * strength
            } else {
                strength
            },
            spun: spun as u32,
            pad: [0; 2],
        }
    }
}

/// `struct DenoiseStep`: one smoothing pass.
#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable)]
pub struct StepUniform {
    /// Texels between taps, in the pass's output.
    pub step: i32,
    pub along_rows: u32,
    pub gain: f32,
    /// 2 where the pass halves the resolution (it reads every other
    /// texel of every other row), else 1.
    pub scale: i32,
}

/// Under cycle spinning, the finest level's Wiener estimate takes the
/// noise's standard deviation as this many times the strength's: the
/// mean of the two phases takes out some of the noise too (measured in
/// the module's notes).
pub const SPUN_WIENER: f32 = 0.9;

/// `DENOISE_EDGE`.
pub const EDGE: f32 = 2.0;

/// `DENOISE_OVERSUBTRACT`: the finest level's Wiener estimate takes this
/// many times the noise's variance from its neighbourhood's energy.
pub const OVERSUBTRACT: f32 = 1.25;

/// Levels kept at the full resolution of the cells; the coarser ones are
/// at half of it (`DENOISE_FULL_LEVELS`).
pub const FULL_LEVELS: usize = 2;

/// The smoothing passes in order: level j (1..) along rows, then columns,
/// taps 2^(j-1) texels of the cells apart. From level FULL_LEVELS + 1 on,
/// the levels are at half resolution: its pass along rows reads the even
/// texels of the even rows, and the taps are half as many texels apart.
pub fn steps() -> impl Iterator<Item = StepUniform> {
    let gains = gains().smooth;
    (0..LEVELS).flat_map(move |j| {
        // Level j + 1, from level j.
        let half = halved(j + 1);
        let halving = half && !halved(j);
        [1, 0].map(|along_rows| StepUniform {
            step: if half { 1 << (j - 1) } else { 1 << j },
            along_rows,
            gain: gains[j],
            scale: if halving && along_rows == 1 { 2 } else { 1 },
        })
    })
}

/// Whether wavelet level `j` (0 the cells) is at half resolution.
pub fn halved(j: usize) -> bool {
    j > FULL_LEVELS
}

/// How far from a photosite the denoised value reads, in photosites: two
/// taps of 2^(j-1) texels at each level, the half-resolution levels'
/// interpolation (two texels), a texel two photosites, the cell, and the
/// shifted pass's cell offset. Even, so that tiles start on a cell
/// boundary of the frame.
pub fn reach() -> usize {
    let texels: usize = (0..LEVELS).map(|j| 2 << j).sum();
    2 * (texels + 2) + 4
}

/// The B3-spline filter.
const B3: [f32; 5] = [1.0 / 16.0, 4.0 / 16.0, 6.0 / 16.0, 4.0 / 16.0, 1.0 / 16.0];

/// What the a trous transform does to unit white noise, by level: the
/// standard deviation of each smooth image and each detail.
pub struct Gains {
    /// Of smooth images 0 (the input) to LEVELS - 1.
    pub smooth: [f32; LEVELS],
    /// Of details 1 to LEVELS (smooth j-1 minus smooth j).
    pub detail: [f32; LEVELS],
}

/// With a_j the 1-D equivalent filter of level j (without the edge
/// stopping, which flat areas do not feel) and A(p, q) = sum a_p a_q:
/// smooth j has the standard deviation A(j, j), and detail j the energy
/// A(j-1, j-1)^2 - 2 A(j-1, j)^2 + A(j, j)^2.
pub fn gains() -> Gains {
    // The equivalent filters, centred, on a grid wide enough for all.
    let half = reach();
    let mut filters = vec![vec![0.0f64; 2 * half + 1]];
    filters[0][half] = 1.0;
    for j in 0..LEVELS {
        let prev = &filters[j];
        let mut next = vec![0.0; prev.len()];
        for (i, out) in next.iter_mut().enumerate() {
            for (t, &h) in B3.iter().enumerate() {
                let at = i as i64 + ((t as i64) - 2) * (1 << j);
                if let Some(&v) = usize::try_from(at).ok().and_then(|a| prev.get(a)) {
                    *out += h as f64 * v;
                }
            }
        }
        filters.push(next);
    }
    let dot = |p: usize, q: usize| -> f64 {
        filters[p].iter().zip(&filters[q]).map(|(a, b)| a * b).sum()
    };
    Gains {
        smooth: std::array::from_fn(|j| dot(j, j) as f32),
        detail: std::array::from_fn(|j| {
            let (p, q) = (j, j + 1);
            (dot(p, p).powi(2) - 2.0 * dot(p, q).powi(2) + dot(q, q).powi(2)).sqrt() as f32
        }),
    }
}

/// The black and white levels of a denoised frame's photosites
/// (`DENOISE_BLACK`, `DENOISE_WHITE`).
pub const ENCODED_BLACK: f32 = 4096.0;
pub const ENCODED_WHITE: f32 = 65535.0;

/// A denoised photosite as a 16-bit code (CPU twin of `denoise_encode`):
/// linearize takes it back to `v` within 1/61439; values from -1/15 up are
/// kept below black, 1 and above saturate.
pub fn encode(v: f32) -> u16 {
    (ENCODED_BLACK + v * (ENCODED_WHITE - ENCODED_BLACK))
        .round_ties_even()
        .clamp(0.0, ENCODED_WHITE) as u16
}

/// `frame` with `mosaic`, its photosite ops' output with the noise
/// reduced, as its photosites ([`encode`]): white balance and lens shading
/// are already in them, so gains of 1 and no gain maps. The block kernel
/// then develops the denoised frame as it develops any other, in one
/// dispatch.
pub fn encoded(frame: &RawFrame, mosaic: Vec<u16>) -> RawFrame {
    RawFrame {
        width: frame.width,
        height: frame.height,
        mosaic,
        cfa: frame.cfa,
        black: [ENCODED_BLACK; 4],
        white: ENCODED_WHITE,
        wb: [1.0; 3],
        cam_to_srgb: frame.cam_to_srgb,
        gain_maps: None,
        noise: None,
        warp: frame.warp.clone(),
    }
}

/// A wavelet level's texels, `width` x `height`.
struct Level {
    width: usize,
    height: usize,
    texels: Vec<[f32; 4]>,
}

impl Level {
    /// The level of `width` x `height` texels, each `f(x, y)`.
    fn new(width: usize, height: usize, f: &(dyn Fn(i64, i64) -> [f32; 4] + Sync)) -> Self {
        let texels = (0..width * height)
            .into_par_iter()
            .map(|i| f((i % width) as i64, (i / width) as i64))
            .collect();
        Level {
            width,
            height,
            texels,
        }
    }

    /// Texel (x, y), borders mirrored.
    fn at(&self, x: i64, y: i64) -> [f32; 4] {
        let (w, h) = (self.width as i64, self.height as i64);
        self.texels[mirror(y, h) * self.width + mirror(x, w)]
    }

    /// The level at texel p of the full resolution (`denoise_level`): a
    /// half-resolution level's texel p / 2 where p is even, else the mean
    /// of the two or four around it.
    fn full(&self, halved: bool, x: i64, y: i64) -> [f32; 4] {
        if !halved {
            return self.at(x, y);
        }
        let (qx, qy, ox, oy) = (x / 2, y / 2, x & 1, y & 1);
        let taps = [(0, 0), (ox, 0), (0, oy), (ox, oy)].map(|(dx, dy)| self.at(qx + dx, qy + dy));
        std::array::from_fn(|c| 0.25 * taps.iter().map(|t| t[c]).sum::<f32>())
    }
}

/// CPU twin of the passes: the denoised linear mosaic of `width` x `height`
/// (a whole frame: cells counted from its origin), `gains` its lens
/// shading gains where it has them. Where `u.spun` is 1, each photosite
/// is the mean of the two phases' values (taken before its gain is put
/// back, as on the GPU).
pub fn cpu(
    mosaic: &[f32],
    width: usize,
    height: usize,
    u: &DenoiseUniform,
    gains: Option<&[f32]>,
) -> Vec<f32> {
    let gain = |x: usize, y: usize| gains.map_or(1.0, |g| g[y * width + x]);
    let shaded: std::borrow::Cow<[f32]> = match gains {
        Some(g) => mosaic.par_iter().zip(g).map(|(v, g)| v / g).collect(),
        None => mosaic.into(),
    };
    let mut out = one_phase(&shaded, width, height, u, 0);
    if u.spun == 1 {
        let shifted = one_phase(&shaded, width, height, u, 1);
        out.par_iter_mut()
            .zip(shifted)
            .for_each(|(o, s)| *o = 0.5 * (*o + s));
    }
    out.par_chunks_mut(width).enumerate().for_each(|(y, row)| {
        for (x, o) in row.iter_mut().enumerate() {
            *o *= gain(x, y);
        }
    });
    out
}

/// One phase of the noise reduction (`pack_main` to `unpack_main`, or
/// their `_shifted` entries for phase 1) on `mosaic`, lens shading
/// already undone: its cells counted from photosite (phase, phase), the
/// photosites before the border mirrored.
fn one_phase(
    mosaic: &[f32],
    width: usize,
    height: usize,
    u: &DenoiseUniform,
    phase: u32,
) -> Vec<f32> {
    let shift = phase as i64;
    let (w, h) = (
        (width + phase as usize).div_ceil(2),
        (height + phase as usize).div_ceil(2),
    );
    // The kind of each cell of the pass's grid.
    let kinds: [usize; 4] =
        std::array::from_fn(|cell| u.kinds[cell ^ (3 * phase as usize)] as usize);
    let photosite = |x: i64, y: i64| {
        let (x, y) = (mirror(x, width as i64), mirror(y, height as i64));
        mosaic[y * width + x]
    };
    let mut levels = vec![Level::new(w, h, &|x, y| {
        let mut q = [0.0; 4];
        for (cell, &kind) in kinds.iter().enumerate() {
            q[kind] = photosite(
                2 * x + (cell & 1) as i64 - shift,
                2 * y + (cell >> 1) as i64 - shift,
            );
        }
        haar(q)
    })];
    for s in steps().collect::<Vec<_>>().chunks(2) {
        let fine = levels.last().expect("level 0");
        let mut image = None;
        for step in s {
            let input = image.as_ref().unwrap_or(fine);
            let (dx, dy) = if step.along_rows == 1 {
                (step.step as i64, 0)
            } else {
                (0, step.step as i64)
            };
            let scale = step.scale as i64;
            let (ow, oh) = (
                input.width.div_ceil(scale as usize),
                input.height.div_ceil(scale as usize),
            );
            image = Some(Level::new(ow, oh, &|x, y| {
                let (x, y) = (scale * x, scale * y);
                let centre = input.at(x, y);
                let sigma = sigma(u, centre);
                let inv: [f32; 4] = std::array::from_fn(|c| {
                    let s = EDGE * step.gain * sigma[c];
                    0.125 / (s * s).max(1e-30)
                });
                let mut sum = centre.map(|v| 6.0 * v);
                let mut weight = 6.0;
                for k in [-2i64, -1, 1, 2] {
                    let v = input.at(x + k * scale * dx, y + k * scale * dy);
                    let distance: f32 = (0..4).map(|c| (v[c] - centre[c]).powi(2) * inv[c]).sum();
                    let w = if k.abs() == 1 { 4.0 } else { 1.0 } * (-distance).exp();
                    for c in 0..4 {
                        sum[c] += w * v[c];
                    }
                    weight += w;
                }
                // Stored as f16 (`denoise_to_f16`).
                sum.map(|v| half::f16::from_f32(v / weight).to_f32())
            }));
        }
        levels.push(image.expect("two passes a level"));
    }
    // Level 1's detail energy at half resolution (`energy_main`).
    let energy = Level::new(w.div_ceil(2), h.div_ceil(2), &|x, y| {
        let mut e = [0.0f32; 4];
        for dy in -1..=2 {
            for dx in -1..=2 {
                let (a, b) = (
                    levels[0].at(2 * x + dx, 2 * y + dy),
                    levels[1].at(2 * x + dx, 2 * y + dy),
                );
                for c in 0..4 {
                    e[c] += (a[c] - b[c]).powi(2);
                }
            }
        }
        e.map(|v| v / 16.0)
    });
    // The half-resolution levels after the first: their shrunk details
    // and the coarsest level, summed where they are (`coarse_main`).
    let first = FULL_LEVELS + 1;
    let coarse = Level::new(levels[first].width, levels[first].height, &|x, y| {
        let mut fine = levels[first].at(x, y);
        let mut sum = [0.0f32; 4];
        for (j, level) in levels.iter().enumerate().skip(first + 1) {
            let coarse = level.at(x, y);
            let sigma = sigma(u, coarse);
            for c in 0..4 {
                sum[c] += shrink(fine[c] - coarse[c], u.k[c] * u.beta[j - 1] * sigma[c]);
            }
            fine = coarse;
        }
        std::array::from_fn(|c| fine[c] + sum[c])
    });
    let quads = Level::new(w, h, &|x, y| {
        let mut fine = levels[0].at(x, y);
        let mut sum = [0.0f32; 4];
        for (j, level) in levels.iter().enumerate().take(first + 1).skip(1) {
            let coarse = level.full(halved(j), x, y);
            let sigma = sigma(u, coarse);
            for c in 0..4 {
                let d = fine[c] - coarse[c];
                sum[c] += if j == 1 {
                    let noise = u.strength * u.beta[0] * sigma[c];
                    let e = energy.at(x / 2, y / 2)[c];
                    wiener(d, OVERSUBTRACT * noise * noise, e)
                } else {
                    shrink(d, u.k[c] * u.beta[j - 1] * sigma[c])
                };
            }
            fine = coarse;
        }
        let rest = coarse.full(true, x, y);
        haar_inverse(std::array::from_fn(|c| rest[c] + sum[c]))
    });
    let mut out = vec![0.0; width * height];
    out.par_chunks_mut(width).enumerate().for_each(|(y, row)| {
        for (x, o) in row.iter_mut().enumerate() {
            let (cx, cy) = (x + phase as usize, y + phase as usize);
            let q = quads.texels[(cy / 2) * w + cx / 2];
            *o = q[kinds[(cx & 1) + 2 * (cy & 1)]];
        }
    });
    out
}

const SQRT_HALF: f32 = std::f32::consts::FRAC_1_SQRT_2;

/// CPU twin of `denoise_haar`.
fn haar(q: [f32; 4]) -> [f32; 4] {
    [
        0.5 * (q[0] + q[1] + q[2] + q[3]),
        0.5 * (q[1] + q[2] - q[0] - q[3]),
        SQRT_HALF * (q[0] - q[3]),
        SQRT_HALF * (q[1] - q[2]),
    ]
}

/// CPU twin of `denoise_haar_inverse`.
fn haar_inverse(c: [f32; 4]) -> [f32; 4] {
    let rb = 0.5 * (c[0] - c[1]);
    let g = 0.5 * (c[0] + c[1]);
    [
        rb + SQRT_HALF * c[2],
        g + SQRT_HALF * c[3],
        g - SQRT_HALF * c[3],
        rb - SQRT_HALF * c[2],
    ]
}

/// CPU twin of `denoise_shrink`, one component.
fn shrink(d: f32, t: f32) -> f32 {
    if d.abs() > t {
        d - t * t / d
    } else {
        0.0
    }
}

/// CPU twin of `denoise_wiener`, one component: detail `d` scaled by the
/// share of its neighbourhood's `energy` that is not `noise` variance.
fn wiener(d: f32, noise: f32, energy: f32) -> f32 {
    d * (1.0 - noise / energy.max(1e-30)).max(0.0)
}

/// CPU twin of `denoise_sigma`.
fn sigma(u: &DenoiseUniform, coarse: [f32; 4]) -> [f32; 4] {
    let mean = haar_inverse(coarse);
    let v: [f32; 4] = std::array::from_fn(|i| (u.scale[i] * mean[i] + u.offset[i]).max(0.0));
    let all = 0.25 * (v[0] + v[1] + v[2] + v[3]);
    [all, all, 0.5 * (v[0] + v[3]), 0.5 * (v[1] + v[2])].map(f32::sqrt)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn haar_is_orthonormal() {
        let q = [0.3, -1.2, 2.5, 0.7];
        let c = haar(q);
        let back = haar_inverse(c);
        for i in 0..4 {
            assert!((back[i] - q[i]).abs() < 1e-6);
        }
        let energy = |v: [f32; 4]| v.iter().map(|x| x * x).sum::<f32>();
        assert!((energy(q) - energy(c)).abs() < 1e-5);
    }

    #[test]
    fn level_gains_are_the_b3_a_trous_ones() {
        // Starck & Murtagh's table for the 2-D B3-spline a trous transform.
        let table = [0.890, 0.201, 0.086, 0.042, 0.021, 0.010];
        for (g, t) in gains().detail.iter().zip(table) {
            assert!((g - t).abs() < 0.003, "{g} vs {t}");
        }
    }

    #[test]
    fn the_garrote_drops_small_details_and_keeps_large_ones_nearly() {
        assert_eq!(shrink(0.5, 1.0), 0.0);
        assert_eq!(shrink(-1.0, 1.0), 0.0);
        assert_eq!(shrink(2.0, 1.0), 1.5);
        assert_eq!(shrink(-10.0, 1.0), -9.9);
    }
}
