//! Lens distortion and lateral chromatic aberration correction: the
//! WarpRectilinear and WarpRectilinear2 opcodes of a DNG's OpcodeList3
//! (DNG 1.7.1, "Opcode List Processing", opcodes 1 and 14), applied after
//! the demosaic to linear camera RGB (`shaders/warp.wgsl`). Android writes
//! the first from the lens calibration of the camera (`LENS_DISTORTION`);
//! the second (DNG 1.6) adds odd and higher powers of the radius, a valid
//! range of the radius and a reciprocal form.
//!
//! Output pixel (x, y) of plane p (one set of coefficients for all planes,
//! or one for each of red, green and blue) takes the input at
//!
//! ```text
//! dx = (x - cx) / m,  dy = (y - cy) / m,  r2 = min(dx^2 + dy^2, 1)
//! f  = sum over i of kr_i clamp(r, r_min, r_max)^i    (i = 0..14)
//!      (its reciprocal 1 / f where the opcode says so)
//! x' = cx + m (f dx + kt1 (r2 + 2 dx^2) + 2 kt0 dx dy)
//! y' = cy + m (f dy + kt0 (r2 + 2 dy^2) + 2 kt1 dx dy)
//! ```
//!
//! where (cx, cy) is the optical centre in pixels (the opcode's relative
//! centre times the image's width and height) and m the distance from it
//! to the image's farthest corner; pixels are taken to be square.
//! WarpRectilinear is the case of even powers up to r^6, a valid range of
//! [0, 1] and no reciprocal ([`Lens::rectilinear`]). The
//! input is resampled there, the point clamped into the image, by cubic
//! convolution (R. Keys, "Cubic convolution interpolation for digital image
//! processing", IEEE TASSP 29(6), 1981; a = -1/2), the taps clamped to the
//! image's edges: at a whole-pixel point it returns that pixel.

use bytemuck::{Pod, Zeroable};
use rayon::prelude::*;

use crate::frame::LinearImage;

/// The most radial terms (WarpRectilinear2's r^0 to r^14).
pub const TERMS: usize = 15;

/// One plane's coefficients, in WarpRectilinear2's terms.
#[derive(Clone, Debug, PartialEq)]
pub struct Lens {
    /// kr0..kr14, of r^0 to r^14.
    pub radial: [f64; TERMS],
    /// kt0, kt1.
    pub tangential: [f64; 2],
    /// The range of r the radial polynomial is evaluated on (r is clamped
    /// into it).
    pub valid: [f64; 2],
}

impl Lens {
    /// WarpRectilinear's kr0..kr3 (of r^0, r^2, r^4, r^6), kt0, kt1.
    pub fn rectilinear(k: [f64; 6]) -> Lens {
        let mut radial = [0.0; TERMS];
        for (i, v) in k[..4].iter().enumerate() {
            radial[2 * i] = *v;
        }
        Lens {
            radial,
            tangential: [k[4], k[5]],
            valid: [0.0, 1.0],
        }
    }
}

/// A warp opcode's parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct Warp {
    /// One set for every plane, or red, green, blue.
    pub planes: Vec<Lens>,
    /// The optical centre relative to the image: (0.5, 0.5) is its middle.
    pub centre: [f64; 2],
    /// f is used as its reciprocal (WarpRectilinear2's reciprocalRadial).
    pub reciprocal: bool,
    /// The image the opcode describes, where the frame is a crop of it
    /// (a DNG's active area, cropped to its DefaultCrop): the frame's
    /// offset in it, and its size.
    pub area: Option<([usize; 2], [usize; 2])>,
}

impl Warp {
    /// Whether it moves nothing (kr0 = 1, every other coefficient 0).
    pub fn is_identity(&self) -> bool {
        self.planes.iter().all(|k| {
            k.radial[0] == 1.0 && k.radial[1..].iter().chain(&k.tangential).all(|v| *v == 0.0)
        })
    }

    /// How many radial terms the kernel evaluates (`WARP_TERMS`): up to the
    /// last that is not 0 in any plane.
    pub fn terms(&self) -> usize {
        self.planes
            .iter()
            .filter_map(|k| k.radial.iter().rposition(|v| *v != 0.0))
            .max()
            .map_or(1, |i| i + 1)
    }

    /// Its uniform block for a `width` x `height` frame.
    pub fn uniform(&self, width: usize, height: usize) -> WarpUniform {
        let (offset, [w, h]) = self.area.unwrap_or(([0, 0], [width, height]));
        let (w, h) = (w as f64, h as f64);
        let centre = [self.centre[0] * w, self.centre[1] * h];
        let radius = [(0.0, 0.0), (w, 0.0), (0.0, h), (w, h)]
            .iter()
            .map(|(x, y)| (x - centre[0]).hypot(y - centre[1]))
            .fold(0.0, f64::max)
            .max(1e-9);
        // In the frame's pixels.
        let centre = [centre[0] - offset[0] as f64, centre[1] - offset[1] as f64];
        let plane = |p: usize| &self.planes[p.min(self.planes.len() - 1)];
        WarpUniform {
            radial: std::array::from_fn(|i| {
                let k = &plane(i / 4).radial;
                std::array::from_fn(|j| k.get(4 * (i % 4) + j).map_or(0.0, |v| *v as f32))
            }),
            tangential: std::array::from_fn(|p| {
                let k = plane(p);
                let [kt0, kt1] = k.tangential.map(|v| v as f32);
                let [lo, hi] = k.valid.map(|v| v as f32);
                [kt0, kt1, lo, hi]
            }),
            centre: centre.map(|v| v as f32),
            radius: radius as f32,
            reciprocal: self.reciprocal as u32,
        }
    }

    /// Whether every plane has the same coefficients (`WARP_PLANES` 1).
    pub fn shared(&self) -> bool {
        self.planes.windows(2).all(|p| p[0] == p[1])
    }
}

/// `struct WarpParams`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable, PartialEq)]
pub struct WarpUniform {
    /// kr0..kr15 of red, then green, then blue, four to a row (kr15 0).
    pub radial: [[f32; 4]; 12],
    /// kt0, kt1 and the valid range of r, of red, green, blue.
    pub tangential: [[f32; 4]; 3],
    /// The optical centre in pixels.
    pub centre: [f32; 2],
    /// From the centre to the farthest corner, in pixels.
    pub radius: f32,
    /// 1 where f is used as its reciprocal.
    pub reciprocal: u32,
}

impl WarpUniform {
    /// Where output pixel (x, y) of `plane` takes its input (CPU twin of
    /// `warp_source`).
    pub fn source(&self, x: f32, y: f32, plane: usize) -> [f32; 2] {
        let [kt0, kt1, lo, hi] = self.tangential[plane];
        let m = self.radius;
        let (dx, dy) = ((x - self.centre[0]) / m, (y - self.centre[1]) / m);
        let r2 = (dx * dx + dy * dy).min(1.0);
        let r = r2.sqrt().clamp(lo, hi);
        let powers = [1.0, r, r * r, r * r * r];
        let r4 = powers[2] * powers[2];
        let four = |j: usize| {
            let k = self.radial[4 * plane + j];
            k[0] * powers[0] + k[1] * powers[1] + k[2] * powers[2] + k[3] * powers[3]
        };
        // Four at a time, as the kernel; the fours it leaves out
        // (`WARP_TERMS`) hold only zeros.
        let mut f = four(0) + r4 * four(1) + r4 * r4 * four(2) + r4 * r4 * r4 * four(3);
        if self.reciprocal != 0 {
            f = 1.0 / f;
        }
        [
            self.centre[0] + m * (f * dx + kt1 * (r2 + 2.0 * dx * dx) + 2.0 * kt0 * dx * dy),
            self.centre[1] + m * (f * dy + kt0 * (r2 + 2.0 * dy * dy) + 2.0 * kt1 * dx * dy),
        ]
    }
}

/// Keys' cubic convolution weights of the four taps about a point `t`
/// (0..1) past the second (CPU twin of `warp_cubic`).
fn cubic(t: f32) -> [f32; 4] {
    let (t2, t3) = (t * t, t * t * t);
    [
        -0.5 * t3 + t2 - 0.5 * t,
        1.5 * t3 - 2.5 * t2 + 1.0,
        -1.5 * t3 + 2.0 * t2 + 0.5 * t,
        0.5 * t3 - 0.5 * t2,
    ]
}

/// Channel `c` of `image` resampled at `s` (CPU twin of `warp_sample`).
fn sample(image: &LinearImage, s: [f32; 2], c: usize) -> f32 {
    let (w, h) = (image.width as i64, image.height as i64);
    let s = [
        s[0].clamp(0.0, (w - 1) as f32),
        s[1].clamp(0.0, (h - 1) as f32),
    ];
    let base = s.map(|v| v.floor());
    let (wx, wy) = (cubic(s[0] - base[0]), cubic(s[1] - base[1]));
    let mut total = 0.0;
    for (j, wy) in wy.iter().enumerate() {
        let y = (base[1] as i64 + j as i64 - 1).clamp(0, h - 1) as usize;
        let mut row = 0.0;
        for (i, wx) in wx.iter().enumerate() {
            let x = (base[0] as i64 + i as i64 - 1).clamp(0, w - 1) as usize;
            row += wx * image.data[y * image.width + x][c];
        }
        total += wy * row;
    }
    total
}

/// CPU twin of `warp_main`: `image` warped by `u`.
pub fn cpu(image: &LinearImage, u: &WarpUniform) -> LinearImage {
    let w = image.width;
    let data = (0..w * image.height)
        .into_par_iter()
        .map(|i| {
            let (x, y) = ((i % w) as f32, (i / w) as f32);
            let rgb: [f32; 3] = std::array::from_fn(|c| sample(image, u.source(x, y, c), c));
            [rgb[0], rgb[1], rgb[2], 1.0]
        })
        .collect();
    LinearImage {
        width: w,
        height: image.height,
        data,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn warp(k: [f64; 6], centre: [f64; 2]) -> WarpUniform {
        Warp {
            planes: vec![Lens::rectilinear(k)],
            centre,
            reciprocal: false,
            area: None,
        }
        .uniform(200, 100)
    }

    #[test]
    fn the_mapping_is_the_specifications() {
        // Centre (100, 50), farthest corner at sqrt(100^2 + 50^2).
        let m = 125f32.sqrt() * 10.0;
        let identity = warp([1.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.5, 0.5]);
        assert_eq!(identity.radius, m);
        assert_eq!(identity.source(37.0, 81.0, 1), [37.0, 81.0]);
        // Radial: r2 = (dx^2 + dy^2), f = 1 + 0.1 r2 - 0.02 r2^2.
        let u = warp([1.0, 0.1, -0.02, 0.0, 0.0, 0.0], [0.5, 0.5]);
        let (dx, dy) = (60.0 / m, -30.0 / m);
        let r2 = dx * dx + dy * dy;
        let f = 1.0 + 0.1 * r2 - 0.02 * r2 * r2;
        let [x, y] = u.source(160.0, 20.0, 0);
        assert!((x - (100.0 + m * f * dx)).abs() < 1e-4);
        assert!((y - (50.0 + m * f * dy)).abs() < 1e-4);
        // Tangential alone, about an off-centre optical centre (50, 25).
        let u = warp([1.0, 0.0, 0.0, 0.0, 0.01, -0.02], [0.25, 0.25]);
        let m = u.radius;
        assert_eq!(m, (150f32 * 150.0 + 75.0 * 75.0).sqrt());
        let (dx, dy) = (30.0 / m, 45.0 / m);
        let r2 = dx * dx + dy * dy;
        let [x, y] = u.source(80.0, 70.0, 2);
        let tx = -0.02 * (r2 + 2.0 * dx * dx) + 2.0 * 0.01 * dx * dy;
        let ty = 0.01 * (r2 + 2.0 * dy * dy) + 2.0 * -0.02 * dx * dy;
        assert!((x - (80.0 + m * tx)).abs() < 1e-4);
        assert!((y - (70.0 + m * ty)).abs() < 1e-4);
        // The farthest corner is at r = 1.
        let u = warp([1.0, 1.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0]);
        let [x, y] = u.source(200.0, 100.0, 0);
        assert!((x - 400.0).abs() < 1e-3 && (y - 200.0).abs() < 1e-3);
        // A frame cropped from the opcode's image: the same mapping, in
        // the frame's pixels.
        let whole = warp([1.0, 0.1, 0.0, 0.0, 0.01, 0.0], [0.4, 0.5]);
        let crop = Warp {
            planes: vec![Lens::rectilinear([1.0, 0.1, 0.0, 0.0, 0.01, 0.0])],
            centre: [0.4, 0.5],
            reciprocal: false,
            area: Some(([12, 6], [200, 100])),
        }
        .uniform(150, 80);
        let [x, y] = crop.source(30.0, 40.0, 0);
        let [wx, wy] = whole.source(42.0, 46.0, 0);
        assert!((x + 12.0 - wx).abs() < 1e-4 && (y + 6.0 - wy).abs() < 1e-4);
    }

    #[test]
    fn warp_rectilinear2_evaluates_every_power_in_its_range_and_reciprocal() {
        let mut radial = [0.0; TERMS];
        (radial[0], radial[1], radial[3], radial[14]) = (1.0, 0.05, -0.02, 0.01);
        let lens = Lens {
            radial,
            tangential: [0.0, 0.0],
            valid: [0.1, 0.6],
        };
        let m = 125f32.sqrt() * 10.0;
        let f = |r: f32| 1.0 + 0.05 * r - 0.02 * r.powi(3) + 0.01 * r.powi(14);
        for reciprocal in [false, true] {
            let u = Warp {
                planes: vec![lens.clone()],
                centre: [0.5, 0.5],
                reciprocal,
                area: None,
            }
            .uniform(200, 100);
            // r = 0.8 is evaluated at 0.6, r = 0.05 at 0.1, r = 0.3 as it is.
            for (x, at) in [
                (100.0 + 0.8 * m, 0.6),
                (100.0 + 0.05 * m, 0.1),
                (100.0 + 0.3 * m, 0.3),
            ] {
                let r = (x - 100.0) / m;
                let k = if reciprocal { 1.0 / f(at) } else { f(at) };
                let [sx, sy] = u.source(x, 50.0, 0);
                assert!(
                    (sx - (100.0 + m * k * r)).abs() < 1e-3,
                    "{reciprocal} {r}: {sx}"
                );
                assert!((sy - 50.0).abs() < 1e-4);
            }
        }
        // WarpRectilinear's coefficients are its even powers.
        let v1 = Lens::rectilinear([1.0, 0.1, -0.02, 0.003, 0.0, 0.0]);
        assert_eq!(
            &v1.radial[..8],
            &[1.0, 0.0, 0.1, 0.0, -0.02, 0.0, 0.003, 0.0]
        );
    }

    #[test]
    fn cubic_weights_sum_to_one_and_keep_whole_pixels() {
        for t in [0.0, 0.25, 0.5, 0.9] {
            let w = cubic(t);
            assert!((w.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        }
        assert_eq!(cubic(0.0), [0.0, 1.0, 0.0, 0.0]);
    }

    #[test]
    fn the_identity_leaves_an_image_as_it_is() {
        let image = LinearImage {
            width: 7,
            height: 5,
            data: (0..35).map(|i| [i as f32, 0.5, -(i as f32), 1.0]).collect(),
        };
        let w = Warp {
            planes: vec![Lens::rectilinear([1.0, 0.0, 0.0, 0.0, 0.0, 0.0])],
            centre: [0.3, 0.6],
            reciprocal: false,
            area: None,
        };
        assert!(w.is_identity() && w.shared());
        // To float rounding of (x - cx) / m * m + cx.
        let out = cpu(&image, &w.uniform(7, 5));
        for (a, b) in out.data.iter().zip(&image.data) {
            for c in 0..3 {
                assert!((a[c] - b[c]).abs() <= 1e-6 * b[c].abs().max(1.0));
            }
        }
    }
}
