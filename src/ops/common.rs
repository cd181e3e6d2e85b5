//! CPU twins of `shaders/common.wgsl`.

/// IEC 61966-2-1 sRGB encoding of linear light; negatives map to 0.
pub fn srgb_encode(x: f32) -> f32 {
    let x = x.max(0.0);
    if x <= 0.0031308 {
        x * 12.92
    } else {
        1.055 * x.powf(1.0 / 2.4) - 0.055
    }
}

/// Where x^2.2 reaches 0.0031308, the end of the sRGB curve's linear toe
/// (`GAMMA22_TOE` in the shader).
const GAMMA22_TOE: f32 = 0.0727213;

/// `srgb_encode(x.powf(2.2))` for x >= 0 with one power instead of two
/// (AgX ends on a 2.2 power).
pub fn srgb_encode_gamma22(x: f32) -> f32 {
    if x <= GAMMA22_TOE {
        12.92 * x.powf(2.2)
    } else {
        1.055 * x.powf(2.2 / 2.4) - 0.055
    }
}

/// `srgb_encode_gamma22` within 0.033 of an 8-bit code, without a power:
/// a polynomial on each side of the toe, fitted by
/// `scripts/fit-srgb-gamma22.py`.
pub fn srgb_encode_gamma22_8bit(x: f32) -> f32 {
    if x <= GAMMA22_TOE {
        0.00007169313 + x * (-0.02711155 + x * (6.7106843 + x * 17.943254))
    } else {
        -0.04902666
            + x * (1.2765414
                + x * (-0.6901006
                    + x * (1.1942981 + x * (-1.3695574 + x * (0.863304 + x * -0.22550581)))))
    }
}

pub fn srgb_decode(x: f32) -> f32 {
    let x = x.max(0.0);
    if x <= 0.04045 {
        x / 12.92
    } else {
        ((x + 0.055) / 1.055).powf(2.4)
    }
}

pub fn srgb_encode3(c: [f32; 3]) -> [f32; 3] {
    c.map(srgb_encode)
}

pub fn srgb_decode3(c: [f32; 3]) -> [f32; 3] {
    c.map(srgb_decode)
}

pub fn hash_u32(v: u32) -> u32 {
    let mut x = v;
    x ^= x >> 16;
    x = x.wrapping_mul(0x7feb352d);
    x ^= x >> 15;
    x = x.wrapping_mul(0x846ca68b);
    x ^= x >> 16;
    x
}

/// Triangular-PDF noise in (-1, 1) for pixel (x, y): the sum of two
/// uniform variables, the two halves of one hash; shared by the three
/// channels so grey stays grey.
pub fn dither_tpdf(x: u32, y: u32) -> f32 {
    let seed = x
        .wrapping_mul(0x9e3779b1)
        .wrapping_add(y.wrapping_mul(0x85ebca77));
    let h = hash_u32(seed);
    let halves = (h & 0xffff) as f32 + (h >> 16) as f32;
    (halves + 1.0) * (1.0 / 65536.0) - 1.0
}

/// Whole-sample mirror of index `i` into `0..n` (`mirror` in WGSL).
pub fn mirror(i: i64, n: i64) -> usize {
    if n == 1 {
        return 0;
    }
    let period = 2 * (n - 1);
    let m = i.abs() % period;
    (if m >= n { period - m } else { m }) as usize
}

pub fn dot3(a: [f32; 3], b: [f32; 3]) -> f32 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

/// A matrix row as a uniform block's vec4 (w 0).
pub fn padded_row(r: [f32; 3]) -> [f32; 4] {
    [r[0], r[1], r[2], 0.0]
}

/// Rows of `m` applied to `c`.
pub fn mat3_mul(m: &[[f32; 3]; 3], c: [f32; 3]) -> [f32; 3] {
    [dot3(m[0], c), dot3(m[1], c), dot3(m[2], c)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn srgb_encode_gamma22_is_srgb_encode_of_the_power() {
        // Dense over [0, 1], through the toe and its boundary.
        for i in 0..=100_000 {
            let x = i as f32 / 100_000.0;
            let want = srgb_encode(x.powf(2.2));
            let got = srgb_encode_gamma22(x);
            assert!((got - want).abs() <= 2e-6, "x {x}: {got} vs {want}");
        }
    }

    #[test]
    fn dither_is_triangular_noise_around_zero() {
        let n: Vec<f64> = (0..512)
            .flat_map(|y| (0..512).map(move |x| dither_tpdf(x, y) as f64))
            .collect();
        let len = n.len() as f64;
        let mean = n.iter().sum::<f64>() / len;
        let variance = n.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / len;
        // A triangle on (-1, 1): mean 0, variance 1/6, three quarters of
        // the mass within +-0.5.
        let inner = n.iter().filter(|v| v.abs() < 0.5).count() as f64 / len;
        assert!(n.iter().all(|v| v.abs() < 1.0));
        assert!(mean.abs() < 0.005, "mean {mean}");
        assert!((variance - 1.0 / 6.0).abs() < 0.005, "variance {variance}");
        assert!((inner - 0.75).abs() < 0.005, "within 0.5: {inner}");
    }

    #[test]
    fn srgb_encode_gamma22_8bit_is_within_a_thirtieth_of_a_code() {
        let mut worst = 0.0f32;
        for i in 0..=100_000 {
            let x = i as f32 / 100_000.0;
            let err = (srgb_encode_gamma22_8bit(x) - srgb_encode(x.powf(2.2))).abs() * 255.0;
            worst = worst.max(err);
        }
        assert!(worst <= 0.034, "worst error {worst} codes");
    }
}
