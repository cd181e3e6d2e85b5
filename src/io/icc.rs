//! ICC v4 display profiles for the output colour spaces, built from their
//! primaries: sRGB (Rec.709 primaries) and Display P3, both with the sRGB
//! transfer curve and a D65 white, colorants adapted to the D50 PCS with
//! Bradford.

use crate::colorimetry::{self, Mat3};
use crate::params::ColorSpace;

/// The profile embedded in every output of `space`.
pub fn profile(space: ColorSpace) -> Vec<u8> {
    let (name, primaries) = match space {
        ColorSpace::Srgb => ("sRGB (wisp)", SRGB_PRIMARIES),
        ColorSpace::DisplayP3 => ("Display P3 (wisp)", P3_PRIMARIES),
    };
    build(name, &colorimetry::rgb_to_xyz(primaries))
}

/// (x, y) chromaticities of red, green, blue.
pub const SRGB_PRIMARIES: [[f64; 2]; 3] = [[0.64, 0.33], [0.30, 0.60], [0.15, 0.06]];
pub const P3_PRIMARIES: [[f64; 2]; 3] = [[0.680, 0.320], [0.265, 0.690], [0.150, 0.060]];

const D50: [f64; 3] = [0.9642, 1.0, 0.8249];
const BRADFORD: [[f64; 3]; 3] = [
    [0.8951, 0.2664, -0.1614],
    [-0.7502, 1.7135, 0.0367],
    [0.0389, -0.0685, 1.0296],
];

fn s15(v: f64) -> [u8; 4] {
    ((v * 65536.0).round() as i32).to_be_bytes()
}

fn mul3(a: &[[f64; 3]; 3], b: &[[f64; 3]; 3]) -> [[f64; 3]; 3] {
    std::array::from_fn(|i| std::array::from_fn(|j| (0..3).map(|k| a[i][k] * b[k][j]).sum()))
}

fn inv3(m: &[[f64; 3]; 3]) -> [[f64; 3]; 3] {
    let f = colorimetry::invert(&m.map(|r| r.map(|v| v as f32))).expect("Bradford is invertible");
    // Refine in f64 with one Newton step so the profile's numbers are exact to s15.16.
    let x: [[f64; 3]; 3] = f.map(|r| r.map(f64::from));
    let mx = mul3(m, &x);
    let residual: [[f64; 3]; 3] = std::array::from_fn(|i| {
        std::array::from_fn(|j| f64::from(u8::from(i == j)) * 2.0 - mx[i][j])
    });
    mul3(&x, &residual)
}

/// Bradford chromatic adaptation from the D65 white to D50.
fn d65_to_d50() -> [[f64; 3]; 3] {
    let d65 = colorimetry::D65_XYZ.map(f64::from);
    let src = BRADFORD.map(|r| r[0] * d65[0] + r[1] * d65[1] + r[2] * d65[2]);
    let dst = BRADFORD.map(|r| r[0] * D50[0] + r[1] * D50[1] + r[2] * D50[2]);
    let scale: [[f64; 3]; 3] = std::array::from_fn(|i| {
        std::array::from_fn(|j| if i == j { dst[i] / src[i] } else { 0.0 })
    });
    mul3(&inv3(&BRADFORD), &mul3(&scale, &BRADFORD))
}

fn tag_xyz(v: [f64; 3]) -> Vec<u8> {
    let mut t = b"XYZ \0\0\0\0".to_vec();
    v.iter().for_each(|c| t.extend(s15(*c)));
    t
}

fn tag_text(text: &str) -> Vec<u8> {
    let utf16: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    let mut t = b"mluc\0\0\0\0".to_vec();
    t.extend(1u32.to_be_bytes());
    t.extend(12u32.to_be_bytes());
    t.extend(b"enUS");
    t.extend((utf16.len() as u32).to_be_bytes());
    t.extend(28u32.to_be_bytes());
    t.extend(utf16);
    t
}

/// The sRGB transfer curve as parametric curve type 3.
fn tag_srgb_curve() -> Vec<u8> {
    let mut t = b"para\0\0\0\0".to_vec();
    t.extend(3u16.to_be_bytes());
    t.extend([0, 0]);
    for v in [2.4, 1.0 / 1.055, 0.055 / 1.055, 1.0 / 12.92, 0.04045] {
        t.extend(s15(v));
    }
    t
}

fn build(name: &str, rgb_to_xyz: &Mat3) -> Vec<u8> {
    let adapt = d65_to_d50();
    let m = mul3(&adapt, &rgb_to_xyz.map(|r| r.map(f64::from)));
    let column = |c: usize| [m[0][c], m[1][c], m[2][c]];
    let mut chad = b"sf32\0\0\0\0".to_vec();
    adapt.iter().flatten().for_each(|v| chad.extend(s15(*v)));
    let curve = tag_srgb_curve();
    let tags: Vec<(&[u8; 4], Vec<u8>)> = vec![
        (b"desc", tag_text(name)),
        (b"cprt", tag_text("No copyright, use freely")),
        (b"wtpt", tag_xyz(D50)),
        (b"chad", chad),
        (b"rXYZ", tag_xyz(column(0))),
        (b"gXYZ", tag_xyz(column(1))),
        (b"bXYZ", tag_xyz(column(2))),
        (b"rTRC", curve.clone()),
        (b"gTRC", curve.clone()),
        (b"bTRC", curve),
    ];
    let table_len = 4 + 12 * tags.len();
    let mut data: Vec<u8> = Vec::new();
    let mut table: Vec<u8> = (tags.len() as u32).to_be_bytes().to_vec();
    for (sig, body) in &tags {
        let offset = 128 + table_len + data.len();
        table.extend(*sig);
        table.extend((offset as u32).to_be_bytes());
        table.extend((body.len() as u32).to_be_bytes());
        data.extend(body);
        while !data.len().is_multiple_of(4) {
            data.push(0);
        }
    }
    let size = 128 + table.len() + data.len();
    let mut h = Vec::with_capacity(size);
    h.extend((size as u32).to_be_bytes());
    h.extend([0; 4]); // preferred CMM
    h.extend([4, 0x30, 0, 0]); // version 4.3
    h.extend(b"mntrRGB XYZ ");
    h.extend([0x07, 0xea, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0]); // 2026-01-01
    h.extend(b"acsp");
    h.extend([0; 4 + 4 + 4 + 4 + 8 + 4]); // platform, flags, manufacturer, model, attributes, intent
    D50.iter().for_each(|v| h.extend(s15(*v)));
    h.extend(b"wisp");
    h.extend([0; 16 + 28]); // profile ID (not computed), reserved
    debug_assert_eq!(h.len(), 128);
    h.extend(table);
    h.extend(data);
    h
}
