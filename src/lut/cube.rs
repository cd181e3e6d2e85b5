//! Adobe Cube LUT Specification 1.0 (`.cube`), 3D tables.
//!
//! Keywords: `TITLE`, `LUT_3D_SIZE` (2..=256), `DOMAIN_MIN`, `DOMAIN_MAX`,
//! and Resolve's `LUT_3D_INPUT_RANGE min max`; `#` starts a comment; data
//! lines hold three numbers with red varying fastest. Every error gives the
//! file and line.

use std::path::Path;

use super::Lut3d;
use crate::error::LutError;

/// Read and parse a `.cube` file.
pub fn load(path: &Path) -> Result<Lut3d, LutError> {
    let bytes = std::fs::read(path).map_err(|source| LutError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let text = String::from_utf8_lossy(&bytes);
    parse(&text, path)
}

/// Parse `.cube` text; `path` only names the file in errors.
pub fn parse(text: &str, path: &Path) -> Result<Lut3d, LutError> {
    let err = |line: usize, reason: String| LutError::Parse {
        path: path.to_path_buf(),
        line,
        reason,
    };
    let mut title: Option<String> = None;
    let mut size: Option<usize> = None;
    let mut domain_min: Option<[f32; 3]> = None;
    let mut domain_max: Option<[f32; 3]> = None;
    let mut table: Vec<[f32; 3]> = Vec::new();
    let mut last_line = 0;

    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        last_line = line_no;
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let mut words = line.split_whitespace();
        let head = words.next().unwrap_or("");
        let first_char = head.chars().next().unwrap_or('0');
        if first_char.is_ascii_alphabetic() && !is_number_word(head) {
            if !table.is_empty() {
                return Err(err(
                    line_no,
                    format!("keyword `{head}` after the table data"),
                ));
            }
            let rest: Vec<&str> = words.collect();
            let set_once = |slot: &mut Option<[f32; 3]>, v: [f32; 3]| {
                if slot.replace(v).is_some() {
                    Err(err(line_no, format!("duplicate keyword `{head}`")))
                } else {
                    Ok(())
                }
            };
            match head {
                "TITLE" => {
                    let t = line["TITLE".len()..].trim().trim_matches('"').to_string();
                    if title.replace(t).is_some() {
                        return Err(err(line_no, "duplicate keyword `TITLE`".into()));
                    }
                }
                "LUT_3D_SIZE" => {
                    let n: usize = match rest.as_slice() {
                        [n] => n.parse().map_err(|_| {
                            err(line_no, format!("LUT_3D_SIZE `{n}` is not an integer"))
                        })?,
                        _ => return Err(err(line_no, "LUT_3D_SIZE takes one integer".into())),
                    };
                    if !(Lut3d::MIN_SIZE..=Lut3d::MAX_SIZE).contains(&n) {
                        return Err(err(
                            line_no,
                            format!("LUT_3D_SIZE {n} is out of range (2..=256)"),
                        ));
                    }
                    if size.replace(n).is_some() {
                        return Err(err(line_no, "duplicate keyword `LUT_3D_SIZE`".into()));
                    }
                }
                "LUT_1D_SIZE" => {
                    return Err(err(
                        line_no,
                        "1D LUTs are not supported; a 3D LUT is needed".into(),
                    ))
                }
                "DOMAIN_MIN" => set_once(&mut domain_min, triple(&rest, line_no, &err)?)?,
                "DOMAIN_MAX" => set_once(&mut domain_max, triple(&rest, line_no, &err)?)?,
                "LUT_3D_INPUT_RANGE" => {
                    let [lo, hi] = match rest.as_slice() {
                        [a, b] => [number(a, line_no, &err)?, number(b, line_no, &err)?],
                        _ => {
                            return Err(err(line_no, "LUT_3D_INPUT_RANGE takes two numbers".into()))
                        }
                    };
                    set_once(&mut domain_min, [lo; 3])?;
                    set_once(&mut domain_max, [hi; 3])?;
                }
                _ => return Err(err(line_no, format!("unknown keyword `{head}`"))),
            }
            continue;
        }
        let n = size.ok_or_else(|| err(line_no, "table data before LUT_3D_SIZE".into()))?;
        let values: Vec<&str> = line.split_whitespace().collect();
        let entry = triple(&values, line_no, &err)?;
        if table.len() == n * n * n {
            return Err(err(
                line_no,
                format!("more than {} entries for LUT_3D_SIZE {n}", n * n * n),
            ));
        }
        table.push(entry);
    }

    let size = size.ok_or_else(|| err(last_line, "no LUT_3D_SIZE".into()))?;
    if table.len() != size * size * size {
        return Err(err(
            last_line,
            format!(
                "found {} entries, LUT_3D_SIZE {size} needs {}",
                table.len(),
                size * size * size
            ),
        ));
    }
    let domain_min = domain_min.unwrap_or([0.0; 3]);
    let domain_max = domain_max.unwrap_or([1.0; 3]);
    if (0..3).any(|c| domain_min[c] >= domain_max[c]) {
        return Err(err(
            last_line,
            "DOMAIN_MIN must be below DOMAIN_MAX in every channel".into(),
        ));
    }
    Ok(Lut3d {
        title,
        size,
        domain_min,
        domain_max,
        table,
    })
}

/// Words like `nan`, `inf` or `e5` start with a letter but are meant as numbers.
fn is_number_word(w: &str) -> bool {
    w.parse::<f32>().is_ok()
}

fn number(w: &str, line: usize, err: &impl Fn(usize, String) -> LutError) -> Result<f32, LutError> {
    let v: f32 = w
        .parse()
        .map_err(|_| err(line, format!("`{w}` is not a number")))?;
    if !v.is_finite() {
        return Err(err(line, format!("`{w}` is not a finite number")));
    }
    Ok(v)
}

fn triple(
    words: &[&str],
    line: usize,
    err: &impl Fn(usize, String) -> LutError,
) -> Result<[f32; 3], LutError> {
    match words {
        [a, b, c] => Ok([
            number(a, line, err)?,
            number(b, line, err)?,
            number(c, line, err)?,
        ]),
        _ => Err(err(
            line,
            format!("expected 3 numbers, found {}", words.len()),
        )),
    }
}
