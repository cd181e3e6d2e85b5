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

/// CIE XYZ of the D50 white point (Y = 1), the profile connection space
/// of DNG's forward matrices.
pub const D50_XYZ: [f32; 3] = [0.964_22, 1.0, 0.825_21];

/// Bradford chromatic adaptation of XYZ from white `from` to white `to`.
pub fn bradford(from: [f32; 3], to: [f32; 3]) -> Mat3 {
    const B: Mat3 = [
        [0.8951, 0.2664, -0.1614],
        [-0.7502, 1.7135, 0.0367],
        [0.0389, -0.0685, 1.0296],
    ];
    let (s, d) = (apply(&B, from), apply(&B, to));
    let scale = [
        [d[0] / s[0], 0.0, 0.0],
        [0.0, d[1] / s[1], 0.0],
        [0.0, 0.0, d[2] / s[2]],
    ];
    mul(
        &invert(&B).expect("Bradford's matrix is regular"),
        &mul(&scale, &B),
    )
}

/// White-balanced camera RGB -> linear sRGB from a DNG forward matrix
/// (white-balanced camera RGB -> XYZ D50; DNG 1.6, "Mapping Camera Color
/// Space to CIE XYZ Space"): then Bradford from D50 to D65 and XYZ to sRGB.
/// `balance` is `Inverse(AB * CC)` and `neutral` the camera neutral: the
/// specification's `FM * D * Inverse(AB * CC)`, `D` the inverse of the
/// reference neutral `Inverse(AB * CC) * neutral` as a diagonal, applied
/// to camera RGB that white balance has divided by `neutral`.
pub fn forward_to_srgb(forward: &Mat3, balance: &Mat3, neutral: [f32; 3]) -> Option<Mat3> {
    let reference = apply(balance, neutral);
    if reference.iter().any(|v| !(v.is_finite() && *v > 0.0)) {
        return None;
    }
    let diag = |v: [f32; 3]| [[v[0], 0.0, 0.0], [0.0, v[1], 0.0], [0.0, 0.0, v[2]]];
    let camera_to_d50 = mul(
        forward,
        &mul(
            &diag(reference.map(|v| 1.0 / v)),
            &mul(balance, &diag(neutral)),
        ),
    );
    let xyz_to_srgb = invert(&SRGB_TO_XYZ)?;
    Some(mul(
        &xyz_to_srgb,
        &mul(&bradford(D50_XYZ, D65_XYZ), &camera_to_d50),
    ))
}

/// Linear ProPhoto (ROMM) RGB -> CIE XYZ D50: the reference space of the
/// DNG pipeline, where a camera profile's tables apply.
pub const PROPHOTO_TO_XYZ_D50: Mat3 = [
    [0.797_674_9, 0.135_191_7, 0.031_353_4],
    [0.288_040_2, 0.711_874_1, 0.000_085_7],
    [0.0, 0.0, 0.825_210],
];

/// Linear sRGB -> linear ProPhoto: to XYZ, Bradford from D65 to D50, to
/// ProPhoto.
pub fn srgb_to_prophoto() -> Mat3 {
    let xyz_to_prophoto =
        invert(&PROPHOTO_TO_XYZ_D50).expect("ProPhoto's primaries span a triangle");
    mul(
        &xyz_to_prophoto,
        &mul(&bradford(D65_XYZ, D50_XYZ), &SRGB_TO_XYZ),
    )
}

/// Linear ProPhoto -> linear sRGB.
pub fn prophoto_to_srgb() -> Mat3 {
    invert(&srgb_to_prophoto()).expect("a regular matrix")
}

/// Correlated colour temperature (McCamy's approximation) of chromaticity (x, y).
pub fn cct_from_xy(x: f32, y: f32) -> f32 {
    let n = (x - 0.3320) / (0.1858 - y);
    449.0 * n.powi(3) + 3525.0 * n.powi(2) + 6823.3 * n + 5520.33
}

/// `w * lo + (1 - w) * hi`.
pub fn mix(lo: &Mat3, hi: &Mat3, w: f32) -> Mat3 {
    std::array::from_fn(|i| std::array::from_fn(|j| w * lo[i][j] + (1.0 - w) * hi[i][j]))
}

/// The weight of the calibration with the lower colour temperature when two
/// XYZ -> camera matrices are interpolated for the scene illuminant, by
/// inverse colour temperature as the DNG specification describes
/// ([`mix`] them with it). `neutral` is the camera's response to the scene
/// white (the reciprocal of the white-balance multipliers). The other
/// calibrations of the same two illuminants (forward matrices, camera
/// calibrations) take the same weight.
pub fn weight(a: (&Mat3, f32), b: (&Mat3, f32), neutral: [f32; 3]) -> f32 {
    let (lo, hi) = if a.1 <= b.1 { (a, b) } else { (b, a) };
    let mix = |w: f32| mix(lo.0, hi.0, w);
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
    w
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
