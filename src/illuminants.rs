//! Calibration illuminants and how a scene's white weighs three of them
//! (DNG 1.6, chapter 6, "One, Two, or Three Color Calibrations"; the tags
//! CalibrationIlluminant3 and IlluminantData1/2/3).
//!
//! - An illuminant is an EXIF LightSource code, whose white point is the
//!   CIE chromaticity of its standard illuminant ([`code_xy`]), or 255
//!   ("Other") with IlluminantData: a chromaticity, or a spectral power
//!   distribution integrated against the CIE 1931 2-degree observer
//!   ([`data_xy`]; the observer by the multi-lobe Gaussian fit of C.
//!   Wyman, P.-P. Sloan, P. Shirley, "Simple analytic approximations to
//!   the CIE XYZ color matching functions", JCGT 2(2), 2013, within a few
//!   thousandths of the tabulated functions).
//! - A white's colour temperature and tint ([`temperature_tint`]): the
//!   nearest point of the Planckian locus in the CIE 1960 UCS diagram
//!   (M. Krystek's rational approximation of the locus, "An algorithm to
//!   calculate correlated colour temperature", Color Res. Appl. 10(1),
//!   1985, 1000 to 15000 K) and the signed distance from it.
//! - The specification leaves the three-way weighting to readers; wisp
//!   weighs them as Adobe's reference DNG SDK 1.6 does, so that a file
//!   develops as its writer expected ([`triple_weights`]): inverse squared
//!   distances between the white and each illuminant in a plane of
//!   1500 / temperature (capped at 1) and tint / 200 (tint being 3000 times
//!   the distance from the locus), normalised, eased by a smoothstep,
//!   weights under 0.02 dropped, normalised again.

/// The white point (CIE 1931 x, y) of an EXIF LightSource code's standard
/// illuminant; `None` for a code without one (255 "Other" takes
/// IlluminantData).
pub fn code_xy(code: u16) -> Option<[f32; 2]> {
    Some(match code {
        // A; tungsten.
        17 | 3 => [0.447_57, 0.407_45],
        // ISO studio tungsten: 3200 K on the Planckian locus.
        24 => [0.423_4, 0.399_0],
        18 => [0.348_42, 0.351_61],
        19 => [0.310_06, 0.316_16],
        23 => [0.345_67, 0.358_50],
        // D55; daylight, flash, fine weather.
        20 | 1 | 4 | 9 => [0.332_42, 0.347_43],
        // D65; cloudy; unknown.
        21 | 10 | 0 => [0.312_71, 0.329_02],
        // D75; shade.
        22 | 11 => [0.299_02, 0.314_85],
        // Fluorescents: daylight (F1), day white (F8), cool white and
        // plain fluorescent (F2), white (F3), warm white (F4).
        12 => [0.313_10, 0.337_27],
        13 => [0.345_88, 0.358_75],
        14 | 2 => [0.372_08, 0.375_29],
        15 => [0.409_10, 0.394_30],
        16 => [0.440_18, 0.403_29],
        _ => return None,
    })
}

/// The CIE 1931 2-degree colour matching functions at `nm` (Wyman, Sloan
/// and Shirley's multi-lobe fit).
fn observer(nm: f64) -> [f64; 3] {
    let g = |mu: f64, below: f64, above: f64| {
        let s = if nm < mu { below } else { above };
        (-0.5 * ((nm - mu) / s).powi(2)).exp()
    };
    [
        1.056 * g(599.8, 37.9, 31.0) + 0.362 * g(442.0, 16.0, 26.7) - 0.065 * g(501.1, 20.4, 26.2),
        0.821 * g(568.8, 46.9, 40.5) + 0.286 * g(530.9, 16.3, 31.1),
        1.217 * g(437.0, 11.8, 36.0) + 0.681 * g(459.0, 26.0, 13.8),
    ]
}

/// IlluminantData's white point: type 0, a chromaticity (two RATIONALs);
/// type 1, a spectrum (NumLambda, MinLambda, LambdaSpacing, then the
/// samples), integrated from 360 to 830 nm, held flat beyond its ends and
/// linear between samples. In the file's byte order; `Err` says what is
/// wrong.
pub fn data_xy(bytes: &[u8], little: bool) -> Result<[f32; 2], String> {
    let file = crate::io::ifd::File {
        data: bytes,
        little,
    };
    let short = || format!("{} bytes, too short for its data", bytes.len());
    let xy = match file.u16(0).ok_or_else(short)? {
        0 => [
            file.rational(2).ok_or_else(short)?,
            file.rational(10).ok_or_else(short)?,
        ],
        1 => {
            let n = file.u32(2).ok_or_else(short)? as usize;
            let (first, step) = (file.rational(6), file.rational(14));
            let (Some(first), Some(step)) = (first, step) else {
                return Err(short());
            };
            if !(2..=10_000).contains(&n) || step <= 0.0 {
                return Err(format!("{n} samples {step} nm apart (2 or more, apart)"));
            }
            let samples: Vec<f64> = (0..n)
                .map(|i| file.rational(22 + 8 * i).ok_or_else(short))
                .collect::<Result<_, _>>()?;
            let at = |nm: f64| {
                let f = ((nm - first) / step).clamp(0.0, (n - 1) as f64);
                let i = (f.floor() as usize).min(n - 2);
                samples[i] + (samples[i + 1] - samples[i]) * (f - i as f64)
            };
            let mut xyz = [0.0; 3];
            for nm in 360..=830 {
                let (power, cmf) = (at(nm as f64), observer(nm as f64));
                for c in 0..3 {
                    xyz[c] += power * cmf[c];
                }
            }
            let sum = xyz[0] + xyz[1] + xyz[2];
            if !(sum > 0.0 && xyz.iter().all(|v| *v > 0.0)) {
                return Err("a spectrum without light".into());
            }
            [xyz[0] / sum, xyz[1] / sum]
        }
        other => return Err(format!("data type {other} (0 or 1)")),
    };
    let [x, y] = xy;
    if !(x > 0.0 && y > 0.0 && x + y < 1.0) {
        return Err(format!(
            "white point ({x}, {y}) outside the chromaticity diagram"
        ));
    }
    Ok([x as f32, y as f32])
}

/// CIE 1960 UCS (u, v) of chromaticity (x, y).
fn uv([x, y]: [f64; 2]) -> [f64; 2] {
    let d = -2.0 * x + 12.0 * y + 3.0;
    [4.0 * x / d, 6.0 * y / d]
}

/// The Planckian locus at `t` kelvin in (u, v) (Krystek).
fn planck(t: f64) -> [f64; 2] {
    let t2 = t * t;
    [
        (0.860_117_757 + 1.541_182_54e-4 * t + 1.286_412_12e-7 * t2)
            / (1.0 + 8.424_202_35e-4 * t + 7.081_451_63e-7 * t2),
        (0.317_398_726 + 4.228_062_45e-5 * t + 4.204_816_91e-8 * t2)
            / (1.0 - 2.897_418_16e-5 * t + 1.614_560_53e-7 * t2),
    ]
}

/// The correlated colour temperature (K, 1000 to 15000) of white point
/// `xy` and its tint: 3000 times its signed distance from the Planckian
/// locus in (u, v), positive on the green side.
pub fn temperature_tint(xy: [f32; 2]) -> (f64, f64) {
    let p = uv(xy.map(f64::from));
    let dist = |mired: f64| {
        let q = planck(1e6 / mired);
        (p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2)
    };
    // The nearest point, by golden-section search over mireds (the locus
    // bends gently: the distance has one minimum in this range).
    let (mut lo, mut hi) = (1e6 / 15000.0, 1e6 / 1000.0);
    let r = 0.5 * (5f64.sqrt() - 1.0);
    for _ in 0..80 {
        let (a, b) = (hi - r * (hi - lo), lo + r * (hi - lo));
        if dist(a) < dist(b) {
            hi = b;
        } else {
            lo = a;
        }
    }
    let mired = 0.5 * (lo + hi);
    let t = 1e6 / mired;
    let (q, q2) = (planck(t), planck(1e6 / (mired + 1.0)));
    // Which side: the cross product with the locus's direction (towards
    // lower temperatures, up and to the right in (u, v)).
    let side = (q2[0] - q[0]) * (p[1] - q[1]) - (q2[1] - q[1]) * (p[0] - q[0]);
    (t, 3000.0 * dist(mired).sqrt() * side.signum())
}

/// The weights of three calibrations whose illuminants' white points are
/// `lights` for a scene whose white is `white` (summing to 1).
pub fn triple_weights(white: [f32; 2], lights: [[f32; 2]; 3]) -> [f32; 3] {
    let point = |xy: [f32; 2]| {
        let (t, tint) = temperature_tint(xy);
        [(1500.0 / t).min(1.0), tint / 200.0]
    };
    let p = point(white);
    let w = lights.map(|l| {
        let q = point(l);
        1.0 / ((p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2) + 1e-8)
    });
    let sum: f64 = w.iter().sum();
    let eased = w.map(|w| {
        let w = w / sum;
        let s = w * w * (3.0 - 2.0 * w);
        ((s - 0.02) / 0.98).clamp(0.0, 1.0)
    });
    let sum: f64 = eased.iter().sum();
    eased.map(|w| (w / sum) as f32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_whites_have_their_known_temperatures() {
        // A lies on the locus at 2856 K; D65 at 6504 K, above it (green).
        let (t, tint) = temperature_tint(code_xy(17).unwrap());
        assert!(
            (t - 2856.0).abs() < 15.0 && tint.abs() < 3.0,
            "A: {t} K, tint {tint}"
        );
        let (t, tint) = temperature_tint(code_xy(21).unwrap());
        assert!(
            (t - 6504.0).abs() < 30.0 && tint > 5.0 && tint < 15.0,
            "D65: {t} K, tint {tint}"
        );
        // Below the locus (magenta), the other sign.
        let (_, tint) = temperature_tint([0.3127, 0.31]);
        assert!(tint < -10.0, "{tint}");
    }

    #[test]
    fn a_spectrum_integrates_to_its_white() {
        // A flat spectrum is illuminant E: (1/3, 1/3).
        let mut b = vec![1, 0];
        b.extend(3u32.to_le_bytes());
        for (n, d) in [(380u32, 1u32), (200, 1), (1, 1), (1, 1), (1, 1)] {
            b.extend(n.to_le_bytes());
            b.extend(d.to_le_bytes());
        }
        let [x, y] = data_xy(&b, true).unwrap();
        assert!(
            (x - 1.0 / 3.0).abs() < 0.004 && (y - 1.0 / 3.0).abs() < 0.004,
            "{x} {y}"
        );
        // A chromaticity, big-endian.
        let mut b = vec![0, 0];
        for v in [38u32, 100, 36, 100] {
            b.extend(v.to_be_bytes());
        }
        assert_eq!(data_xy(&b, false).unwrap(), [0.38, 0.36]);
        assert!(data_xy(&b[..8], false).unwrap_err().contains("too short"));
        b[1] = 7;
        assert!(data_xy(&b, false).unwrap_err().contains("data type"));
    }

    #[test]
    fn a_white_on_an_illuminant_takes_its_calibration_alone() {
        let lights = [code_xy(17).unwrap(), code_xy(21).unwrap(), [0.38, 0.36]];
        for (i, &l) in lights.iter().enumerate() {
            let w = triple_weights(l, lights);
            assert!((w[i] - 1.0).abs() < 1e-6, "{i}: {w:?}");
        }
        // Between A and D65 on the locus, far from the third: A and D65
        // share it; the sum is 1.
        let w = triple_weights(
            code_xy(14).unwrap(),
            [code_xy(17).unwrap(), code_xy(21).unwrap(), [0.30, 0.36]],
        );
        assert!(w[0] > 0.2 && w[1] > 0.2 && w[2] < w[0], "{w:?}");
        assert!((w.iter().sum::<f32>() - 1.0).abs() < 1e-6);
    }
}
