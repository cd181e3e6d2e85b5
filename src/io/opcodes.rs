//! DNG opcode lists (DNG 1.4+, "Opcode List Processing"): big-endian, a
//! count, then each opcode's ID, the DNG version it needs, its flags and
//! its parameters. wisp applies FixBadPixelsConstant and FixBadPixelsList
//! of OpcodeList1 to the raw values as it reads them ([`fix_bad_pixels`]),
//! the GainMap opcodes of OpcodeList2 (lens shading, before the demosaic:
//! [`crate::ops::gainmap`]) and the WarpRectilinear of OpcodeList3 (lens
//! distortion, after it: [`crate::ops::warp`]); any other opcode is skipped
//! where its flags say it is optional, and refused by name otherwise. A
//! malformed list is an error, never a panic.

use crate::ops::gainmap::GainMap;
use crate::ops::warp::{Lens, Warp, TERMS};

/// Opcode IDs and names, for messages (DNG 1.6, table in "Opcode List
/// Processing").
const NAMES: &[(u32, &str)] = &[
    (1, "WarpRectilinear"),
    (2, "WarpFisheye"),
    (3, "FixVignetteRadial"),
    (4, "FixBadPixelsConstant"),
    (5, "FixBadPixelsList"),
    (6, "TrimBounds"),
    (7, "MapTable"),
    (8, "MapPolynomial"),
    (9, "GainMap"),
    (10, "DeltaPerRow"),
    (11, "DeltaPerColumn"),
    (12, "ScalePerRow"),
    (13, "ScalePerColumn"),
    (14, "WarpRectilinear2"),
];

const WARP_RECTILINEAR: u32 = 1;
const WARP_FISHEYE: u32 = 2;
const WARP_RECTILINEAR2: u32 = 14;
const FIX_BAD_PIXELS_CONSTANT: u32 = 4;
const FIX_BAD_PIXELS_LIST: u32 = 5;
const GAIN_MAP: u32 = 9;
/// Bad pixels one list may name (points, and photosites of rectangles).
const MOST_BAD_PIXELS: u64 = 1 << 22;
/// Flag bit 0: a reader that does not know the opcode may skip it.
const OPTIONAL: u32 = 1;
/// More opcodes than any camera writes: a list claiming more is damaged.
const MOST_OPCODES: u32 = 1024;
/// Grid points of one gain map (Android writes about 17 x 13).
const MOST_POINTS: u64 = 1 << 20;
/// Gain maps of one list (Android writes four): every photosite's gain is
/// the product of the maps that cover it.
const MOST_GAIN_MAPS: usize = 64;

fn name(id: u32) -> String {
    NAMES
        .iter()
        .find(|(i, _)| *i == id)
        .map_or_else(|| format!("opcode {id}"), |(_, n)| (*n).to_string())
}

/// A cursor over big-endian bytes that reports running out as an error.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if self.bytes.len() < n {
            return Err("the opcode list is truncated".into());
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_be_bytes(
            self.take(4)?.try_into().expect("4 bytes"),
        ))
    }

    fn f64(&mut self) -> Result<f64, String> {
        Ok(f64::from_be_bytes(
            self.take(8)?.try_into().expect("8 bytes"),
        ))
    }

    fn f32(&mut self) -> Result<f32, String> {
        Ok(f32::from_be_bytes(
            self.take(4)?.try_into().expect("4 bytes"),
        ))
    }
}

/// Bad photosites to interpolate from their same-colour neighbours.
#[derive(Clone, Debug, PartialEq)]
pub enum BadPixels {
    /// Every photosite whose raw value is `value`.
    Constant { value: u32, phase: u32 },
    /// These (row, column) points and (top, left, bottom, right) rectangles.
    List {
        phase: u32,
        points: Vec<[u32; 2]>,
        rects: Vec<[u32; 4]>,
    },
}

/// What wisp applies of a DNG's three opcode lists, and what it leaves out.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Opcodes {
    /// OpcodeList1's, on the raw values.
    pub bad_pixels: Vec<BadPixels>,
    /// OpcodeList2's.
    pub gain_maps: Vec<GainMap>,
    /// OpcodeList3's lens correction, unless it moves nothing.
    pub warp: Option<Warp>,
    /// The opcodes left out: optional ones, and required ones when asked to.
    pub skipped: Vec<Skipped>,
}

/// An opcode left out.
#[derive(Clone, Debug, PartialEq)]
pub struct Skipped {
    /// The file requires it (and `--ignore-opcodes` said to go on).
    pub required: bool,
    /// Its list and name: `OpcodeList3: WarpRectilinear`.
    pub what: String,
}

/// The opcodes of OpcodeList1, 2 and 3 (each where the file has it); an
/// error naming the list for a malformed one or, unless `ignore_required`,
/// a required opcode wisp does not apply.
pub fn read(lists: [Option<&[u8]>; 3], ignore_required: bool) -> Result<Opcodes, String> {
    let mut out = Opcodes::default();
    for (stage, list) in lists.into_iter().enumerate() {
        let Some(list) = list else { continue };
        let context = |e: String| format!("OpcodeList{}: {e}", stage + 1);
        let mut r = Reader { bytes: list };
        let count = r.u32().map_err(context)?;
        if count > MOST_OPCODES {
            return Err(context(format!("the list claims {count} opcodes")));
        }
        // DNG 1.6's rule: a WarpRectilinear or WarpFisheye right after an
        // optional WarpRectilinear2 is its stand-in for older readers.
        let mut after_optional_warp2 = false;
        for _ in 0..count {
            let (id, flags, params) = (|| {
                let id = r.u32()?;
                let _version = r.u32()?;
                let flags = r.u32()?;
                let size = r.u32()? as usize;
                Ok::<_, String>((id, flags, r.take(size)?))
            })()
            .map_err(context)?;
            let named = |e: String| context(format!("{}: {e}", name(id)));
            let stand_in = after_optional_warp2 && matches!(id, WARP_RECTILINEAR | WARP_FISHEYE);
            after_optional_warp2 = id == WARP_RECTILINEAR2 && flags & OPTIONAL != 0;
            if stand_in {
                out.skipped.push(Skipped {
                    required: false,
                    what: context(format!("{} (WarpRectilinear2's stand-in)", name(id))),
                });
                continue;
            }
            match (stage, id) {
                (0, FIX_BAD_PIXELS_CONSTANT | FIX_BAD_PIXELS_LIST) => {
                    out.bad_pixels.push(bad_pixels(id, params).map_err(named)?)
                }
                (1, GAIN_MAP) => {
                    if out.gain_maps.len() == MOST_GAIN_MAPS {
                        return Err(context(format!("more than {MOST_GAIN_MAPS} gain maps")));
                    }
                    out.gain_maps.push(gain_map(params).map_err(named)?);
                }
                (2, WARP_RECTILINEAR | WARP_RECTILINEAR2) => {
                    let warp = warp(params, id == WARP_RECTILINEAR2).map_err(named)?;
                    if out.warp.is_some() {
                        return Err(context("two warp opcodes".into()));
                    }
                    out.warp = (!warp.is_identity()).then_some(warp);
                }
                _ if flags & OPTIONAL != 0 || ignore_required => out.skipped.push(Skipped {
                    required: flags & OPTIONAL == 0,
                    what: context(name(id)),
                }),
                _ => {
                    return Err(context(format!(
                        "{} is required by the file but not supported \
                         (--ignore-opcodes develops without it)",
                        name(id)
                    )))
                }
            }
        }
    }
    Ok(out)
}

fn bad_pixels(id: u32, params: &[u8]) -> Result<BadPixels, String> {
    let mut r = Reader { bytes: params };
    let fixes = if id == FIX_BAD_PIXELS_CONSTANT {
        BadPixels::Constant {
            value: r.u32()?,
            phase: r.u32()?,
        }
    } else {
        let phase = r.u32()?;
        let (n_points, n_rects) = (r.u32()?, r.u32()?);
        if n_points as u64 + n_rects as u64 > MOST_BAD_PIXELS {
            return Err(format!("{n_points} points and {n_rects} rectangles"));
        }
        let points = (0..n_points)
            .map(|_| Ok([r.u32()?, r.u32()?]))
            .collect::<Result<_, String>>()?;
        let rects: Vec<[u32; 4]> = (0..n_rects)
            .map(|_| Ok([r.u32()?, r.u32()?, r.u32()?, r.u32()?]))
            .collect::<Result<_, String>>()?;
        let area: u64 = rects
            .iter()
            .map(|[t, l, b, rt]| b.saturating_sub(*t) as u64 * rt.saturating_sub(*l) as u64)
            .sum();
        if area > MOST_BAD_PIXELS {
            return Err(format!("rectangles of {area} photosites"));
        }
        BadPixels::List {
            phase,
            points,
            rects,
        }
    };
    if !r.bytes.is_empty() {
        return Err("its parameters are longer than the opcode's".into());
    }
    Ok(fixes)
}

/// Interpolate the bad photosites of the `width` x `height` raw image
/// `raw` from their same-colour neighbours that are not bad: two away in
/// the row and the column, and for green the four diagonal ones too. The
/// phase says the colour of photosite (0, 0): 0 red, 1 green in a red row,
/// 2 green in a blue row, 3 blue.
pub fn fix_bad_pixels(raw: &mut [u16], width: usize, height: usize, fixes: &[BadPixels]) {
    if fixes.is_empty() {
        return;
    }
    let mut bad = vec![false; width * height];
    let mut mark = |x: u32, y: u32| {
        if (x as usize) < width && (y as usize) < height {
            bad[y as usize * width + x as usize] = true;
        }
    };
    let mut phases = Vec::new();
    for fix in fixes {
        match fix {
            BadPixels::Constant { value, phase } => {
                phases.push(*phase);
                for (i, v) in raw.iter().enumerate() {
                    if u32::from(*v) == *value {
                        mark((i % width) as u32, (i / width) as u32);
                    }
                }
            }
            BadPixels::List {
                phase,
                points,
                rects,
            } => {
                phases.push(*phase);
                for &[row, col] in points {
                    mark(col, row);
                }
                for &[top, left, bottom, right] in rects {
                    let rows = top..bottom.min(height as u32);
                    for y in rows {
                        for x in left..right.min(width as u32) {
                            mark(x, y);
                        }
                    }
                }
            }
        }
    }
    let green_phase = phases.first().is_some_and(|p| *p == 1 || *p == 2);
    let fixed: Vec<(usize, u16)> = (0..width * height)
        .filter(|&i| bad[i])
        .filter_map(|i| {
            let (x, y) = ((i % width) as i64, (i / width) as i64);
            let green = ((x + y) % 2 == 0) == green_phase;
            let diagonal: &[(i64, i64)] = if green {
                &[(-1, -1), (1, -1), (-1, 1), (1, 1)]
            } else {
                &[]
            };
            let good: Vec<u32> = [(-2, 0), (2, 0), (0, -2), (0, 2)]
                .iter()
                .chain(diagonal)
                .map(|(dx, dy)| (x + dx, y + dy))
                .filter(|&(nx, ny)| nx >= 0 && ny >= 0 && nx < width as i64 && ny < height as i64)
                .map(|(nx, ny)| ny as usize * width + nx as usize)
                .filter(|&j| !bad[j])
                .map(|j| u32::from(raw[j]))
                .collect();
            let n = good.len() as u32;
            (n > 0).then(|| (i, ((good.iter().sum::<u32>() + n / 2) / n) as u16))
        })
        .collect();
    for (i, v) in fixed {
        raw[i] = v;
    }
}

/// Coefficients beyond this size move pixels by many times the image.
const MOST_WARP: f64 = 1e3;

/// WarpRectilinear's parameters, or with `second` WarpRectilinear2's (per
/// plane 15 radial and 2 tangential coefficients and the valid range of
/// r; then the centre and the reciprocal flag).
fn warp(params: &[u8], second: bool) -> Result<Warp, String> {
    let mut r = Reader { bytes: params };
    let planes = r.u32()?;
    if planes != 1 && planes != 3 {
        return Err(format!("{planes} planes (1 or 3)"));
    }
    let mut read = |n: usize| {
        (0..n)
            .map(|_| r.f64())
            .collect::<Result<Vec<f64>, String>>()
    };
    let planes = (0..planes)
        .map(|_| {
            if !second {
                let k = read(6)?;
                return Ok(Lens::rectilinear(std::array::from_fn(|i| k[i])));
            }
            let k = read(TERMS + 4)?;
            Ok(Lens {
                radial: std::array::from_fn(|i| k[i]),
                tangential: [k[TERMS], k[TERMS + 1]],
                valid: [k[TERMS + 2], k[TERMS + 3]],
            })
        })
        .collect::<Result<Vec<Lens>, String>>()?;
    let centre = [r.f64()?, r.f64()?];
    let reciprocal = second && r.u32()? != 0;
    let sane = |v: &f64| v.is_finite() && v.abs() <= MOST_WARP;
    let coefficients = planes
        .iter()
        .flat_map(|k| k.radial.iter().chain(&k.tangential).chain(&k.valid));
    if !coefficients.chain(&centre).all(sane) {
        return Err("a coefficient or the centre is not a number of sensible size".into());
    }
    if let Some(k) = planes
        .iter()
        .find(|k| !(0.0 <= k.valid[0] && k.valid[0] < k.valid[1] && k.valid[1] <= 1.0))
    {
        return Err(format!("valid radii {:?} (0 <= min < max <= 1)", k.valid));
    }
    if !r.bytes.is_empty() {
        return Err("its parameters are longer than a warp's".into());
    }
    Ok(Warp {
        planes,
        centre,
        reciprocal,
        area: None,
    })
}

fn gain_map(params: &[u8]) -> Result<GainMap, String> {
    let mut r = Reader { bytes: params };
    let mut area = [0u32; 4];
    for v in &mut area {
        *v = r.u32()?;
    }
    let (plane, planes, row_pitch, col_pitch) = (r.u32()?, r.u32()?, r.u32()?, r.u32()?);
    let points = [r.u32()?, r.u32()?];
    let spacing = [r.f64()?, r.f64()?];
    let origin = [r.f64()?, r.f64()?];
    let map_planes = r.u32()?;
    let [top, left, bottom, right] = area;
    if top > bottom || left > right {
        return Err(format!(
            "its area {top},{left}..{bottom},{right} is inverted"
        ));
    }
    if planes == 0 || row_pitch == 0 || col_pitch == 0 || map_planes == 0 {
        return Err("zero planes or pitch".into());
    }
    let n = points[0] as u64 * points[1] as u64 * map_planes as u64;
    if points.contains(&0) || n > MOST_POINTS {
        return Err(format!(
            "a grid of {} x {} x {map_planes} points",
            points[0], points[1]
        ));
    }
    let usable = |s: f64, p: u32| (s.is_finite() && s > 0.0) || p == 1;
    if !usable(spacing[0], points[0])
        || !usable(spacing[1], points[1])
        || !origin.iter().all(|o| o.is_finite())
    {
        return Err("its grid spacing or origin is not a positive number".into());
    }
    let gains = (0..n)
        .map(|_| r.f32())
        .collect::<Result<Vec<f32>, String>>()?;
    if let Some(g) = gains
        .iter()
        .find(|g| !(g.is_finite() && **g >= 0.0 && **g <= 1e3))
    {
        return Err(format!("a gain of {g}"));
    }
    if !r.bytes.is_empty() {
        return Err("its parameters are longer than a gain map's".into());
    }
    Ok(GainMap {
        area,
        plane,
        planes,
        pitch: [row_pitch, col_pitch],
        points,
        // A single point along an axis: spacing and origin do not matter.
        spacing: [0, 1].map(|i| {
            if points[i] == 1 {
                1.0
            } else {
                spacing[i] as f32
            }
        }),
        origin: [0, 1].map(|i| {
            if points[i] == 1 {
                0.0
            } else {
                origin[i] as f32
            }
        }),
        map_planes,
        gains,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An opcode list of (id, flags, parameters).
    fn list(opcodes: &[(u32, u32, Vec<u8>)]) -> Vec<u8> {
        let mut out = (opcodes.len() as u32).to_be_bytes().to_vec();
        for (id, flags, params) in opcodes {
            for v in [*id, 0x0103_0000, *flags, params.len() as u32] {
                out.extend(v.to_be_bytes());
            }
            out.extend(params);
        }
        out
    }

    /// GainMap parameters: plane 0, pitch 2, a 2 x 3 grid of `gains`.
    fn gain_map_params(gains: [f32; 6], pitch: u32) -> Vec<u8> {
        let mut p = Vec::new();
        for v in [0u32, 0, 100, 100, 0, 1, pitch, pitch, 2, 3] {
            p.extend(v.to_be_bytes());
        }
        for v in [1.0f64, 0.5, 0.0, 0.0] {
            p.extend(v.to_be_bytes());
        }
        p.extend(1u32.to_be_bytes());
        for g in gains {
            p.extend(g.to_be_bytes());
        }
        p
    }

    const GAINS: [f32; 6] = [1.0, 1.5, 2.0, 1.25, 1.5, 1.75];

    #[test]
    fn gain_maps_are_read_and_optional_opcodes_skipped() {
        let bytes = list(&[
            (9, 0, gain_map_params(GAINS, 2)),
            (3, OPTIONAL, vec![0; 8]),
            (9, 0, gain_map_params(GAINS, 1)),
        ]);
        let maps = read([None, Some(&bytes), None], false).unwrap().gain_maps;
        assert_eq!(maps.len(), 2);
        assert_eq!(maps[0].points, [2, 3]);
        assert_eq!(maps[0].pitch, [2, 2]);
        assert_eq!(maps[1].gains, GAINS);
        assert_eq!(maps[0].spacing, [1.0, 0.5]);
    }

    #[test]
    fn malformed_lists_and_required_opcodes_are_errors() {
        let good = gain_map_params(GAINS, 2);
        let mut nan = GAINS;
        nan[4] = f32::NAN;
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (list(&[(9, 0, good.clone())])[..30].to_vec(), "truncated"),
            (list(&[(1, 0, vec![0; 4])]), "WarpRectilinear is required"),
            (list(&[(9, 0, gain_map_params(nan, 2))]), "a gain of NaN"),
            (
                list(&[(9, 0, gain_map_params(GAINS, 0))]),
                "zero planes or pitch",
            ),
            (
                list(&[(9, 0, good[..good.len() - 4].to_vec())]),
                "truncated",
            ),
            (
                list(&[(9, 0, [good.clone(), vec![0; 4]].concat())]),
                "longer",
            ),
            (u32::MAX.to_be_bytes().to_vec(), "claims"),
        ];
        for (bytes, expect) in cases {
            let err = read([None, Some(&bytes), None], false).unwrap_err();
            assert!(err.starts_with("OpcodeList2: "), "{err}");
            assert!(err.contains(expect), "expected `{expect}`: {err}");
        }
        let many: Vec<_> = (0..=MOST_GAIN_MAPS).map(|_| (9, 0, good.clone())).collect();
        let err = read([None, Some(&list(&many)), None], false).unwrap_err();
        assert!(err.contains("more than"), "{err}");
        // A required opcode of OpcodeList3 that wisp does not apply.
        let fisheye = list(&[(2, 0, vec![0; 4])]);
        let err = read([None, None, Some(&fisheye)], false).unwrap_err();
        assert!(
            err.starts_with("OpcodeList3: WarpFisheye is required"),
            "{err}"
        );
        // Asked to, it is left out, and said so.
        let skipped = |required| Opcodes {
            skipped: vec![Skipped {
                required,
                what: "OpcodeList3: WarpFisheye".into(),
            }],
            ..Opcodes::default()
        };
        assert_eq!(
            read([None, None, Some(&fisheye)], true).unwrap(),
            skipped(true)
        );
        // Optional there: left out, and said so.
        let fisheye = list(&[(2, OPTIONAL, vec![0; 4])]);
        assert_eq!(
            read([None, None, Some(&fisheye)], false).unwrap(),
            skipped(false)
        );
    }

    /// WarpRectilinear parameters: `planes` sets of coefficients, a centre.
    fn warp_params(planes: &[[f64; 6]], centre: [f64; 2]) -> Vec<u8> {
        let mut p = (planes.len() as u32).to_be_bytes().to_vec();
        for v in planes.iter().flatten().chain(&centre) {
            p.extend(v.to_be_bytes());
        }
        p
    }

    #[test]
    fn warps_are_read_and_bad_ones_are_errors() {
        let barrel = [1.0, -0.05, 0.01, 0.0, 0.001, -0.002];
        let red = [1.001, -0.05, 0.01, 0.0, 0.0, 0.0];
        for (planes, centre) in [
            (vec![barrel], [0.5, 0.5]),
            (vec![red, barrel, red], [0.4, 0.6]),
        ] {
            let bytes = list(&[(1, OPTIONAL, warp_params(&planes, centre))]);
            let warp = read([None, None, Some(&bytes)], false).unwrap().warp;
            let area = None;
            assert_eq!(
                warp,
                Some(Warp {
                    planes: planes.into_iter().map(Lens::rectilinear).collect(),
                    centre,
                    reciprocal: false,
                    area
                })
            );
        }
        // One that moves nothing is left out.
        let identity = list(&[(
            1,
            0,
            warp_params(&[[1.0, 0.0, 0.0, 0.0, 0.0, 0.0]], [0.5; 2]),
        )]);
        let opcodes = read([None, None, Some(&identity)], false).unwrap();
        assert_eq!(opcodes, Opcodes::default());
        let good = warp_params(&[barrel], [0.5, 0.5]);
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (warp_params(&[barrel, barrel], [0.5; 2]), "2 planes"),
            (
                warp_params(&[[f64::NAN, 0.0, 0.0, 0.0, 0.0, 0.0]], [0.5; 2]),
                "not a number",
            ),
            (warp_params(&[barrel], [0.5, 1e9]), "not a number"),
            (good[..good.len() - 8].to_vec(), "truncated"),
            ([good.clone(), vec![0; 8]].concat(), "longer"),
        ];
        for (params, expect) in cases {
            let bytes = list(&[(1, OPTIONAL, params)]);
            let err = read([None, None, Some(&bytes)], false).unwrap_err();
            assert!(err.starts_with("OpcodeList3: WarpRectilinear: "), "{err}");
            assert!(err.contains(expect), "expected `{expect}`: {err}");
        }
        let twice = list(&[(1, 0, good.clone()), (1, 0, good)]);
        let err = read([None, None, Some(&twice)], false).unwrap_err();
        assert!(err.contains("two warp opcodes"), "{err}");
    }

    /// WarpRectilinear2 parameters: one plane's `radial` (15), `tangential`
    /// and `valid` range, a centre, the reciprocal flag.
    fn warp2_params(radial: [f64; TERMS], valid: [f64; 2], reciprocal: u32) -> Vec<u8> {
        let mut p = 1u32.to_be_bytes().to_vec();
        for v in radial
            .iter()
            .chain(&[0.001, -0.002])
            .chain(&valid)
            .chain(&[0.45, 0.55])
        {
            p.extend(v.to_be_bytes());
        }
        p.extend(reciprocal.to_be_bytes());
        p
    }

    #[test]
    fn warp_rectilinear2_is_read_and_its_stand_in_skipped() {
        let mut radial = [0.0; TERMS];
        (radial[0], radial[1], radial[5], radial[14]) = (1.0, 0.02, -0.03, 0.004);
        let v2 = warp2_params(radial, [0.0, 0.9], 1);
        let want = Warp {
            planes: vec![Lens {
                radial,
                tangential: [0.001, -0.002],
                valid: [0.0, 0.9],
            }],
            centre: [0.45, 0.55],
            reciprocal: true,
            area: None,
        };
        // Optional, followed by a WarpRectilinear for older readers: that
        // one is skipped, with a note; a GainMap after it would not be.
        let stand_in = warp_params(&[[1.0, -0.2, 0.0, 0.0, 0.0, 0.0]], [0.5; 2]);
        let bytes = list(&[(14, OPTIONAL, v2.clone()), (1, OPTIONAL, stand_in.clone())]);
        let read_ = read([None, None, Some(&bytes)], false).unwrap();
        assert_eq!(read_.warp, Some(want.clone()));
        assert_eq!(
            read_.skipped,
            vec![Skipped {
                required: false,
                what: "OpcodeList3: WarpRectilinear (WarpRectilinear2's stand-in)".into()
            }]
        );
        // Required, the rule does not apply: two warps.
        let bytes = list(&[(14, 0, v2.clone()), (1, OPTIONAL, stand_in)]);
        let err = read([None, None, Some(&bytes)], false).unwrap_err();
        assert!(err.contains("two warp opcodes"), "{err}");
        // Alone, required.
        let bytes = list(&[(14, 0, v2.clone())]);
        assert_eq!(
            read([None, None, Some(&bytes)], false).unwrap().warp,
            Some(want)
        );
        // A valid range outside [0, 1], or upside down; a short one.
        for (params, expect) in [
            (warp2_params(radial, [0.0, 1.5], 0), "valid radii"),
            (warp2_params(radial, [0.6, 0.2], 0), "valid radii"),
            (v2[..v2.len() - 4].to_vec(), "truncated"),
        ] {
            let bytes = list(&[(14, OPTIONAL, params)]);
            let err = read([None, None, Some(&bytes)], false).unwrap_err();
            assert!(err.starts_with("OpcodeList3: WarpRectilinear2: "), "{err}");
            assert!(err.contains(expect), "expected `{expect}`: {err}");
        }
    }

    fn u32s(values: &[u32]) -> Vec<u8> {
        values.iter().flat_map(|v| v.to_be_bytes()).collect()
    }

    #[test]
    fn bad_pixels_are_read_and_interpolated_from_their_colour() {
        // An 8x8 RGGB ramp: red 100s, greens 200s, blue 300s, by position.
        let (w, h) = (8, 8);
        let value = |x: usize, y: usize| -> u16 {
            let base = [100, 200, 200, 300][(x & 1) + 2 * (y & 1)];
            base + (x + y) as u16
        };
        let mut raw: Vec<u16> = (0..w * h).map(|i| value(i % w, i / w)).collect();
        let clean = raw.clone();
        // Dead photosites read 0 (FixBadPixelsConstant); a hot one and a
        // 1x2 rectangle are listed (FixBadPixelsList).
        raw[2 * w + 2] = 0; // red
        raw[3 * w + 3] = 0; // blue
        raw[w + 4] = 9999; // green in a blue row, listed
        raw[4 * w + 3] = 7777; // green in a red row, in the rectangle
        raw[4 * w + 4] = 7777; // red, in the rectangle
        let bytes = list(&[
            (4, 0, u32s(&[0, 0])),
            (5, 0, u32s(&[0, 1, 1, 1, 4, 4, 3, 5, 5])),
        ]);
        let fixes = read([Some(&bytes), None, None], false).unwrap().bad_pixels;
        assert_eq!(fixes.len(), 2);
        fix_bad_pixels(&mut raw, w, h, &fixes);
        // A ramp is linear, so same-colour neighbours average to the value.
        for (i, (got, want)) in raw.iter().zip(&clean).enumerate() {
            let (x, y) = (i % w, i / w);
            assert!(got.abs_diff(*want) <= 1, "({x}, {y}): {got} for {want}");
        }
        let odd = list(&[(5, 0, u32s(&[0, 0, 0, 7]))]);
        let err = read([Some(&odd), None, None], false).unwrap_err();
        assert!(
            err.contains("FixBadPixelsList: its parameters are longer"),
            "{err}"
        );
    }
}
