//! `.cube` files: the Adobe Cube LUT Specification 1.0 (a 1D or a 3D table)
//! and Resolve's variant (a 1D shaper followed by a 3D table in one file).
//!
//! Keywords: `TITLE`, `LUT_1D_SIZE` (2..=65536), `LUT_3D_SIZE` (2..=256),
//! `DOMAIN_MIN`, `DOMAIN_MAX`, `LUT_1D_INPUT_RANGE`, `LUT_3D_INPUT_RANGE`;
//! `#` starts a comment; data lines hold three numbers, red varying fastest
//! in 3D tables, the 1D table first when there are both. Values outside
//! [0, 1] are kept. Every error gives the file and line.

use std::fmt::Write as _;
use std::path::Path;

use super::{content_lines, read_text, Lut, Lut1d, Lut3d};
use crate::error::LutError;

/// Read and parse a `.cube` file.
pub fn load(path: &Path) -> Result<Lut, LutError> {
    parse(&read_text(path)?, path)
}

#[derive(Default)]
struct Header {
    title: Option<String>,
    size_1d: Option<usize>,
    size_3d: Option<usize>,
    domain_min: Option<[f32; 3]>,
    domain_max: Option<[f32; 3]>,
    range_1d: Option<(f32, f32)>,
    range_3d: Option<(f32, f32)>,
}

/// Parse `.cube` text; `path` only names the file in errors.
pub fn parse(text: &str, path: &Path) -> Result<Lut, LutError> {
    let err = |line: usize, reason: String| LutError::Parse {
        path: path.to_path_buf(),
        line,
        reason,
    };
    let mut h = Header::default();
    let mut data: Vec<[f32; 3]> = Vec::new();
    let last_line = text.lines().count().max(1);

    for (line_no, line, words) in content_lines(text) {
        let head = words[0];
        if head.starts_with(|c: char| c.is_ascii_alphabetic()) && head.parse::<f32>().is_err() {
            if !data.is_empty() {
                return Err(err(
                    line_no,
                    format!("keyword `{head}` after the table data"),
                ));
            }
            keyword(&mut h, head, &words[1..], line, line_no, &err)?;
            continue;
        }
        let expected = h.size_1d.unwrap_or(0) + h.size_3d.map_or(0, |n| n * n * n);
        if expected == 0 {
            return Err(err(
                line_no,
                "table data before LUT_1D_SIZE or LUT_3D_SIZE".into(),
            ));
        }
        if data.len() == expected {
            return Err(err(
                line_no,
                format!("more than the {expected} entries the sizes call for"),
            ));
        }
        data.push(triple(&words, line_no, &err)?);
    }

    let expected = h.size_1d.unwrap_or(0) + h.size_3d.map_or(0, |n| n * n * n);
    if expected == 0 {
        return Err(err(last_line, "no LUT_1D_SIZE or LUT_3D_SIZE".into()));
    }
    if data.len() != expected {
        return Err(err(
            last_line,
            format!(
                "found {} entries, the sizes call for {expected}",
                data.len()
            ),
        ));
    }
    let both = h.size_1d.is_some() && h.size_3d.is_some();
    // DOMAIN_* belongs to the first table; *_INPUT_RANGE names its table.
    let domain_first = (
        h.domain_min.unwrap_or([0.0; 3]),
        h.domain_max.unwrap_or([1.0; 3]),
    );
    let range = |r: Option<(f32, f32)>, fallback: ([f32; 3], [f32; 3])| {
        r.map(|(lo, hi)| ([lo; 3], [hi; 3])).unwrap_or(fallback)
    };
    let unit = ([0.0; 3], [1.0; 3]);
    let d1 = range(h.range_1d, domain_first);
    let d3 = range(h.range_3d, if both { unit } else { domain_first });
    for (lo, hi) in [d1, d3] {
        if (0..3).any(|c| lo[c] >= hi[c]) {
            return Err(err(
                last_line,
                "the domain minimum must be below its maximum in every channel".into(),
            ));
        }
    }
    let mut rest = data.as_slice();
    let shaper = h.size_1d.map(|n| {
        let (table, tail) = rest.split_at(n);
        rest = tail;
        Lut1d {
            size: n,
            domain_min: d1.0,
            domain_max: d1.1,
            table: table.to_vec(),
        }
    });
    let cube = h.size_3d.map(|n| Lut3d {
        size: n,
        domain_min: d3.0,
        domain_max: d3.1,
        table: rest.to_vec(),
    });
    Ok(Lut {
        title: h.title,
        shaper,
        cube,
    })
}

fn keyword(
    h: &mut Header,
    head: &str,
    args: &[&str],
    line: &str,
    line_no: usize,
    err: &impl Fn(usize, String) -> LutError,
) -> Result<(), LutError> {
    let duplicate = || err(line_no, format!("duplicate keyword `{head}`"));
    let size = |lo: usize, hi: usize| -> Result<usize, LutError> {
        let n: usize = match args {
            [n] => n
                .parse()
                .map_err(|_| err(line_no, format!("{head} `{n}` is not an integer")))?,
            _ => return Err(err(line_no, format!("{head} takes one integer"))),
        };
        if !(lo..=hi).contains(&n) {
            return Err(err(
                line_no,
                format!("{head} {n} is out of range ({lo}..={hi})"),
            ));
        }
        Ok(n)
    };
    let pair = || -> Result<(f32, f32), LutError> {
        match args {
            [a, b] => Ok((number(a, line_no, err)?, number(b, line_no, err)?)),
            _ => Err(err(line_no, format!("{head} takes two numbers"))),
        }
    };
    fn set<T>(slot: &mut Option<T>, v: T, dup: impl Fn() -> LutError) -> Result<(), LutError> {
        match slot.replace(v) {
            Some(_) => Err(dup()),
            None => Ok(()),
        }
    }
    match head {
        "TITLE" => set(
            &mut h.title,
            line["TITLE".len()..].trim().trim_matches('"').to_string(),
            duplicate,
        ),
        "LUT_1D_SIZE" => set(
            &mut h.size_1d,
            size(Lut1d::MIN_SIZE, Lut1d::MAX_SIZE)?,
            duplicate,
        ),
        "LUT_3D_SIZE" => set(
            &mut h.size_3d,
            size(Lut3d::MIN_SIZE, Lut3d::MAX_SIZE)?,
            duplicate,
        ),
        "DOMAIN_MIN" => set(&mut h.domain_min, triple(args, line_no, err)?, duplicate),
        "DOMAIN_MAX" => set(&mut h.domain_max, triple(args, line_no, err)?, duplicate),
        "LUT_1D_INPUT_RANGE" => set(&mut h.range_1d, pair()?, duplicate),
        "LUT_3D_INPUT_RANGE" => set(&mut h.range_3d, pair()?, duplicate),
        _ => Err(err(line_no, format!("unknown keyword `{head}`"))),
    }
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

/// The `.cube` text for `lut`; [`parse`] reads it back to the same values.
/// A shaper with a 3D table is written the Resolve way, which can only give
/// each table one input range for all three channels.
pub fn write(lut: &Lut) -> Result<String, String> {
    if let (Some(_), Some(c)) = (&lut.shaper, &lut.cube) {
        let uniform = |v: [f32; 3]| v.iter().all(|x| *x == v[0]);
        if !uniform(c.domain_min) || !uniform(c.domain_max) {
            return Err(
                "a per-channel 3D domain behind a 1D shaper cannot be written as .cube".into(),
            );
        }
    }
    let mut s = String::new();
    if let Some(t) = &lut.title {
        let _ = writeln!(s, "TITLE \"{}\"", t.replace('"', "'"));
    }
    let domain = |s: &mut String, lo: [f32; 3], hi: [f32; 3], key: &str| {
        if lo != [0.0; 3] || hi != [1.0; 3] {
            let uniform = lo.iter().all(|v| *v == lo[0]) && hi.iter().all(|v| *v == hi[0]);
            if lut.shaper.is_some() && lut.cube.is_some() && uniform {
                let _ = writeln!(s, "{key}_INPUT_RANGE {} {}", lo[0], hi[0]);
            } else {
                let _ = writeln!(
                    s,
                    "DOMAIN_MIN {} {} {}\nDOMAIN_MAX {} {} {}",
                    lo[0], lo[1], lo[2], hi[0], hi[1], hi[2]
                );
            }
        }
    };
    if let Some(sh) = &lut.shaper {
        let _ = writeln!(s, "LUT_1D_SIZE {}", sh.size);
        domain(&mut s, sh.domain_min, sh.domain_max, "LUT_1D");
    }
    if let Some(c) = &lut.cube {
        let _ = writeln!(s, "LUT_3D_SIZE {}", c.size);
        domain(&mut s, c.domain_min, c.domain_max, "LUT_3D");
    }
    let tables = lut
        .shaper
        .iter()
        .flat_map(|t| &t.table)
        .chain(lut.cube.iter().flat_map(|t| &t.table));
    for v in tables {
        // `{}` prints the shortest text that reads back to the same f32.
        let _ = writeln!(s, "{} {} {}", v[0], v[1], v[2]);
    }
    Ok(s)
}
