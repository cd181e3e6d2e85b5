//! Camera calibration: from a raw file's XYZ -> camera matrices to the
//! white-balanced camera -> linear sRGB matrix of the colour stage.

pub type Mat3 = [[f32; 3]; 3];

pub const IDENTITY: Mat3 = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];

/// CIE XYZ of the D65 white point (Y = 1).
pub const D65_XYZ: [f32; 3] = [0.950_47, 1.0, 1.088_83];

/// Linear sRGB (Rec.709 primaries, D65) -> CIE XYZ.
pub const SRGB_TO_XYZ: Mat3 = [
    [0.412_456_4, 0.357_576_1, 0.180_437_5],
    [0.212_672_9, 0.715_152_2, 0.072_175_0],
    [0.019_333_9, 0.119_192, 0.950_304_1],
];

pub fn mul(a: &Mat3, b: &Mat3) -> Mat3 {
    let mut m = [[0.0; 3]; 3];
    for (i, row) in m.iter_mut().enumerate() {
        for (j, v) in row.iter_mut().enumerate() {
            *v = (0..3).map(|k| a[i][k] * b[k][j]).sum();
        }
    }
    m
}

pub fn apply(m: &Mat3, v: [f32; 3]) -> [f32; 3] {
    crate::ops::common::mat3_mul(m, v)
}

/// Inverse of `m`, or `None` when it is singular.
pub fn invert(m: &Mat3) -> Option<Mat3> {
    let m64 = m.map(|r| r.map(f64::from));
    let [[a, b, c], [d, e, f], [g, h, i]] = m64;
    let det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
    if !det.is_finite() || det.abs() < 1e-12 {
        return None;
    }
    let inv = [
        [e * i - f * h, c * h - b * i, b * f - c * e],
        [f * g - d * i, a * i - c * g, c * d - a * f],
        [d * h - e * g, b * g - a * h, a * e - b * d],
    ];
    Some(inv.map(|r| r.map(|v| (v / det) as f32)))
}

/// White-balanced camera RGB -> linear sRGB from a file's XYZ -> camera
/// matrix. Rows of camera <- sRGB are normalised so sRGB white lands on
/// camera (1, 1, 1): after white balance the scene's neutral is (1, 1, 1),
/// and it must stay neutral.
pub fn cam_to_srgb(xyz_to_cam: &Mat3) -> Option<Mat3> {
    let mut cam_from_srgb = mul(xyz_to_cam, &SRGB_TO_XYZ);
    for row in cam_from_srgb.iter_mut() {
        let sum: f32 = row.iter().sum();
        if sum.abs() < 1e-6 {
            return None;
        }
        row.iter_mut().for_each(|v| *v /= sum);
    }
    invert(&cam_from_srgb)
}

/// Correlated colour temperature (McCamy's approximation) of chromaticity (x, y).
pub fn cct_from_xy(x: f32, y: f32) -> f32 {
    let n = (x - 0.3320) / (0.1858 - y);
    449.0 * n.powi(3) + 3525.0 * n.powi(2) + 6823.3 * n + 5520.33
}

/// The XYZ -> camera matrix for the scene illuminant, interpolated between
/// two calibrations by inverse colour temperature as the DNG specification
/// describes. `neutral` is the camera's response to the scene white
/// (the reciprocal of the white-balance multipliers).
pub fn interpolate(a: (&Mat3, f32), b: (&Mat3, f32), neutral: [f32; 3]) -> Mat3 {
    let (lo, hi) = if a.1 <= b.1 { (a, b) } else { (b, a) };
    let mix = |w: f32| -> Mat3 {
        std::array::from_fn(|i| std::array::from_fn(|j| w * lo.0[i][j] + (1.0 - w) * hi.0[i][j]))
    };
    let mut w = 0.5;
    for _ in 0..8 {
        let Some(cam_to_xyz) = invert(&mix(w)) else {
            break;
        };
        let xyz = apply(&cam_to_xyz, neutral);
        let sum = xyz[0] + xyz[1] + xyz[2];
        if sum.is_nan() || sum <= 0.0 {
            break;
        }
        let cct = cct_from_xy(xyz[0] / sum, xyz[1] / sum).clamp(lo.1, hi.1);
        let next = ((1.0 / cct - 1.0 / hi.1) / (1.0 / lo.1 - 1.0 / hi.1)).clamp(0.0, 1.0);
        if (next - w).abs() < 1e-4 {
            w = next;
            break;
        }
        w = next;
    }
    mix(w)
}

/// Linear RGB -> XYZ for primaries given as (x, y) chromaticities, white D65.
pub fn rgb_to_xyz(primaries: [[f64; 2]; 3]) -> Mat3 {
    let xyz = |[x, y]: [f64; 2]| [x / y, 1.0, (1.0 - x - y) / y];
    let p = primaries.map(xyz);
    let m: Mat3 = std::array::from_fn(|i| std::array::from_fn(|j| p[j][i] as f32));
    let w = D65_XYZ;
    let s = apply(&invert(&m).expect("primaries span a triangle"), w);
    std::array::from_fn(|i| std::array::from_fn(|j| m[i][j] * s[j]))
}

/// Linear sRGB -> the output colour space's linear RGB.
pub fn from_srgb(space: crate::params::ColorSpace) -> Mat3 {
    match space {
        crate::params::ColorSpace::Srgb => IDENTITY,
        crate::params::ColorSpace::DisplayP3 => {
            let p3_to_xyz = rgb_to_xyz(crate::io::icc::P3_PRIMARIES);
            mul(
                &invert(&p3_to_xyz).expect("P3 primaries span a triangle"),
                &rgb_to_xyz(crate::io::icc::SRGB_PRIMARIES),
            )
        }
    }
}
