//! Lens distortion and lateral chromatic aberration correction: the
//! WarpRectilinear opcode of a DNG's OpcodeList3 (DNG 1.4, "Opcode List
//! Processing", opcode 1), applied after the demosaic to linear camera RGB
//! (`shaders/warp.wgsl`). Android writes it from the lens calibration of
//! the camera (`LENS_DISTORTION`).
//!
//! Output pixel (x, y) of plane p (one set of coefficients for all planes,
//! or one for each of red, green and blue) takes the input at
//!
//! ```text
//! dx = (x - cx) / m,  dy = (y - cy) / m,  r2 = min(dx^2 + dy^2, 1)
//! f  = kr0 + kr1 r2 + kr2 r2^2 + kr3 r2^3
//! x' = cx + m (f dx + kt1 (r2 + 2 dx^2) + 2 kt0 dx dy)
//! y' = cy + m (f dy + kt0 (r2 + 2 dy^2) + 2 kt1 dx dy)
//! ```
//!
//! where (cx, cy) is the optical centre in pixels (the opcode's relative
//! centre times the image's width and height) and m the distance from it
//! to the image's farthest corner; pixels are taken to be square. The
//! input is resampled there, the point clamped into the image, by cubic
//! convolution (R. Keys, "Cubic convolution interpolation for digital image
//! processing", IEEE TASSP 29(6), 1981; a = -1/2), the taps clamped to the
//! image's edges: at a whole-pixel point it returns that pixel.

use bytemuck::{Pod, Zeroable};
use rayon::prelude::*;

use crate::frame::LinearImage;

/// A WarpRectilinear opcode's parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct Warp {
    /// kr0..kr3, kt0, kt1: one set for every plane, or red, green, blue.
    pub planes: Vec<[f64; 6]>,
    /// The optical centre relative to the image: (0.5, 0.5) is its middle.
    pub centre: [f64; 2],
    /// The image the opcode describes, where the frame is a crop of it
    /// (a DNG's active area, cropped to its DefaultCrop): the frame's
    /// offset in it, and its size.
    pub area: Option<([usize; 2], [usize; 2])>,
}

impl Warp {
    /// Whether it moves nothing (kr0 = 1, every other coefficient 0).
    pub fn is_identity(&self) -> bool {
        self.planes
            .iter()
            .all(|k| *k == [1.0, 0.0, 0.0, 0.0, 0.0, 0.0])
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
        let plane = |p: usize| self.planes[p.min(self.planes.len() - 1)];
        WarpUniform {
            radial: std::array::from_fn(|p| {
                let k = plane(p);
                [k[0], k[1], k[2], k[3]].map(|v| v as f32)
            }),
            tangential: std::array::from_fn(|p| {
                let k = plane(p);
                [k[4] as f32, k[5] as f32, 0.0, 0.0]
            }),
            centre: centre.map(|v| v as f32),
            radius: radius as f32,
            _pad: 0,
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
    /// kr0..kr3 of red, green, blue.
    pub radial: [[f32; 4]; 3],
    /// kt0, kt1 of red, green, blue.
    pub tangential: [[f32; 4]; 3],
    /// The optical centre in pixels.
    pub centre: [f32; 2],
    /// From the centre to the farthest corner, in pixels.
    pub radius: f32,
    pub _pad: u32,
}

impl WarpUniform {
    /// Where output pixel (x, y) of `plane` takes its input (CPU twin of
    /// `warp_source`).
    pub fn source(&self, x: f32, y: f32, plane: usize) -> [f32; 2] {
        let [kr0, kr1, kr2, kr3] = self.radial[plane];
        let [kt0, kt1, ..] = self.tangential[plane];
        let m = self.radius;
        let (dx, dy) = ((x - self.centre[0]) / m, (y - self.centre[1]) / m);
        let r2 = (dx * dx + dy * dy).min(1.0);
        let f = kr0 + r2 * (kr1 + r2 * (kr2 + r2 * kr3));
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
            planes: vec![k],
            centre,
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
            planes: vec![[1.0, 0.1, 0.0, 0.0, 0.01, 0.0]],
            centre: [0.4, 0.5],
            area: Some(([12, 6], [200, 100])),
        }
        .uniform(150, 80);
        let [x, y] = crop.source(30.0, 40.0, 0);
        let [wx, wy] = whole.source(42.0, 46.0, 0);
        assert!((x + 12.0 - wx).abs() < 1e-4 && (y + 6.0 - wy).abs() < 1e-4);
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
            planes: vec![[1.0, 0.0, 0.0, 0.0, 0.0, 0.0]],
            centre: [0.3, 0.6],
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
