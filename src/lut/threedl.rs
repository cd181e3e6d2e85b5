//! `.3dl` files (Autodesk Lustre / Flame): a first row of input mesh points,
//! then integer output triplets with blue varying fastest. Output values are
//! scaled by their bit depth: the `Mesh IN OUT` header's, or else the
//! smallest of 8, 10, 12, 14, 16 bits that holds the largest value.

use std::path::Path;

use super::{content_lines, read_text, Lut3d};
use crate::error::LutError;

pub fn load(path: &Path) -> Result<Lut3d, LutError> {
    parse(&read_text(path)?, path)
}

pub fn parse(text: &str, path: &Path) -> Result<Lut3d, LutError> {
    let err = |line: usize, reason: String| LutError::Parse {
        path: path.to_path_buf(),
        line,
        reason,
    };
    let mut mesh: Option<Vec<f64>> = None;
    let mut out_bits: Option<u32> = None;
    let mut rows: Vec<(usize, [f64; 3])> = Vec::new();
    let last_line = text.lines().count().max(1);
    for (line_no, _, words) in content_lines(text) {
        if words[0].eq_ignore_ascii_case("mesh") {
            match words.as_slice() {
                [_, _, out] => {
                    out_bits = Some(
                        out.parse()
                            .ok()
                            .filter(|b| (8..=16).contains(b))
                            .ok_or_else(|| {
                                err(line_no, format!("output depth `{out}` is not 8..=16 bits"))
                            })?,
                    )
                }
                _ => return Err(err(line_no, "Mesh takes two numbers".into())),
            }
            continue;
        }
        if words[0].starts_with(|c: char| c.is_ascii_alphabetic()) {
            // Lustre headers (`LUT8`, `gamma 1.0`, ...) carry nothing wisp needs.
            continue;
        }
        let values = words
            .iter()
            .map(|w| match w.parse::<f64>() {
                Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
                _ => Err(err(line_no, format!("`{w}` is not a non-negative number"))),
            })
            .collect::<Result<Vec<f64>, _>>()?;
        if mesh.is_none() {
            if values.len() < Lut3d::MIN_SIZE || values.len() > Lut3d::MAX_SIZE {
                return Err(err(
                    line_no,
                    format!("input mesh of {} points (2..=256 expected)", values.len()),
                ));
            }
            let step = values[1] - values[0];
            if step <= 0.0
                || values
                    .windows(2)
                    .any(|w| ((w[1] - w[0]) - step).abs() > step * 0.02 + 1.0)
            {
                return Err(err(line_no, "the input mesh must be evenly spaced".into()));
            }
            mesh = Some(values);
            continue;
        }
        match values.as_slice() {
            [r, g, b] => rows.push((line_no, [*r, *g, *b])),
            _ => {
                return Err(err(
                    line_no,
                    format!("expected 3 numbers, found {}", values.len()),
                ))
            }
        }
    }
    let n = mesh
        .ok_or_else(|| err(last_line, "no input mesh row".into()))?
        .len();
    if rows.len() != n * n * n {
        return Err(err(
            last_line,
            format!(
                "found {} entries, a {n}-point mesh needs {}",
                rows.len(),
                n * n * n
            ),
        ));
    }
    let max = rows.iter().flat_map(|r| r.1).fold(0.0, f64::max);
    let bits = out_bits.unwrap_or_else(|| {
        [8, 10, 12, 14, 16]
            .into_iter()
            .find(|b| max <= ((1u32 << b) - 1) as f64)
            .unwrap_or(16)
    });
    let scale = ((1u32 << bits) - 1) as f64;
    if max > scale {
        let line = rows
            .iter()
            .find(|r| r.1.iter().any(|v| *v > scale))
            .map_or(last_line, |r| r.0);
        return Err(err(
            line,
            format!("value above the {bits}-bit output range"),
        ));
    }
    let mut table = vec![[0.0f32; 3]; n * n * n];
    for (k, (_, v)) in rows.iter().enumerate() {
        // File order: red slowest, blue fastest.
        let (r, g, b) = (k / (n * n), (k / n) % n, k % n);
        table[r + n * (g + n * b)] = v.map(|x| (x / scale) as f32);
    }
    Ok(Lut3d {
        size: n,
        domain_min: [0.0; 3],
        domain_max: [1.0; 3],
        table,
    })
}
