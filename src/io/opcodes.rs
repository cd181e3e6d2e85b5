//! DNG opcode lists (DNG 1.4+, "Opcode List Processing"): big-endian, a
//! count, then each opcode's ID, the DNG version it needs, its flags and
//! its parameters. wisp applies the GainMap opcodes of OpcodeList2 (lens
//! shading, before the demosaic: [`crate::ops::gainmap`]); another opcode
//! is skipped where its flags say it is optional, and refused otherwise.
//! A malformed list is an error, never a panic.

use crate::ops::gainmap::GainMap;

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

const GAIN_MAP: u32 = 9;
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

/// The gain maps of an opcode list; an error for a malformed list or a
/// required opcode wisp does not apply.
pub fn gain_maps(list: &[u8]) -> Result<Vec<GainMap>, String> {
    let mut r = Reader { bytes: list };
    let count = r.u32()?;
    if count > MOST_OPCODES {
        return Err(format!("the opcode list claims {count} opcodes"));
    }
    let mut maps = Vec::new();
    for _ in 0..count {
        let id = r.u32()?;
        let _version = r.u32()?;
        let flags = r.u32()?;
        let size = r.u32()? as usize;
        let params = r.take(size)?;
        if id == GAIN_MAP {
            if maps.len() == MOST_GAIN_MAPS {
                return Err(format!("more than {MOST_GAIN_MAPS} gain maps"));
            }
            maps.push(gain_map(params).map_err(|e| format!("GainMap: {e}"))?);
        } else if flags & OPTIONAL == 0 {
            return Err(format!(
                "{} is required by the file but not supported",
                name(id)
            ));
        }
    }
    Ok(maps)
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
        let maps = gain_maps(&bytes).unwrap();
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
            let err = gain_maps(&bytes).unwrap_err();
            assert!(err.contains(expect), "expected `{expect}`: {err}");
        }
        let many: Vec<_> = (0..=MOST_GAIN_MAPS).map(|_| (9, 0, good.clone())).collect();
        assert!(gain_maps(&list(&many)).unwrap_err().contains("more than"));
    }
}
