//! The camera profile's gain table map, a pointwise op before
//! [`super::profile`] (`shaders/ops/gain_table.wgsl`): the maker's local
//! tone mapping that a phone DNG (Apple's ProRAW, for one) carries in
//! ProfileGainTableMap (DNG 1.6) or ProfileGainTableMap2 (DNG 1.7; the
//! specification 1.7.1, "Additional Tags for Version 1.6.0.0" and
//! "... 1.7.0.0").
//!
//! A grid of gain tables over the image, each a 1-D table of gains. At a
//! pixel:
//!
//! 1. the table input, `(R, G, B, min, max) . MapInputWeights` clamped to
//!    [0, 1] and raised to Gamma, of the pixel's linear ProPhoto RGB (RIMM)
//!    after BaselineExposure and before any exposure compensation;
//! 2. the four nearest tables of the grid, interpolated bilinearly at the
//!    pixel's centre in the map's coordinates (MapOrigin, MapSpacing,
//!    relative to the active area, whose width and height are 1), edges
//!    replicated outside the grid;
//! 3. that table read at index `t * MapPointsN`, linearly between entries
//!    and clamped to the last;
//! 4. the pixel's RGB times that gain. A gain is one number for the three
//!    channels, so it is applied here to camera RGB, which the profile's
//!    matrix then takes to ProPhoto: the same as in ProPhoto.
//!
//! The map covers the active area after the lens correction; wisp's frame
//! is its default crop, so the op knows where the output lies in the
//! active area ([`GainTable::area`]) and works at any output size.

use std::sync::Arc;

use bytemuck::{Pod, Zeroable};

use super::common::{mat3_mul, padded_row};
use super::lut3d::texture;
use super::profile::cam_to_prophoto;
use super::{bytes_of, Development, Op, Pixel, Pointwise, Wgsl};
use crate::colorimetry::Mat3;
use crate::error::Error;
use crate::gpu::Gpu;
use crate::io::ifd::File;

pub const WGSL: Wgsl = Wgsl {
    name: "gain_table",
    source: include_str!("../../shaders/ops/gain_table.wgsl"),
    params: Some("GainTableParams"),
};

/// The tags (in IFD 0; the first also in the raw IFD, where DNG 1.6
/// placed it by mistake).
pub const TAG: u16 = 52525;
pub const TAG2: u16 = 52544;

/// Most grid points along either axis and entries a table: a 2048-texel
/// 3-D texture is the least a GPU must offer.
pub const MAX_POINTS: usize = 1024;
/// Most gains in all: 64 MB of f32, far above what phones write (6 x 8
/// tables of 256).
pub const MAX_GAINS: usize = 1 << 24;

/// A gain table map, its gains as f32 (`[v][h][n]`).
#[derive(Clone, Debug, PartialEq)]
pub struct GainTable {
    /// MapPointsH, MapPointsV.
    pub points: [usize; 2],
    /// MapSpacingH/V and MapOriginH/V, relative to the active area.
    pub spacing: [f32; 2],
    pub origin: [f32; 2],
    /// MapPointsN.
    pub entries: usize,
    /// MapInputWeights: R, G, B, min, max.
    pub weights: [f32; 5],
    pub gamma: f32,
    pub gains: Vec<f32>,
    /// Where the developed image lies in the active area, relative to it:
    /// left, top, width, height (0, 0, 1, 1 for the whole area).
    pub area: [f32; 4],
}

impl GainTable {
    /// ProfileGainTableMap (`version2` false) or ProfileGainTableMap2, in
    /// the file's byte order. `Err` says what is wrong.
    pub fn parse(bytes: &[u8], little: bool, version2: bool) -> Result<GainTable, String> {
        let file = File { data: bytes, little };
        let short = || format!("{} bytes, too short for its header", bytes.len());
        let u32_at = |i| file.u32(i).ok_or_else(short);
        let f64_at = |i| file.f64(i).ok_or_else(short);
        let f32_at = |i| file.f32(i).ok_or_else(short);
        let points = [u32_at(4)? as usize, u32_at(0)? as usize];
        let (spacing, origin) = ([f64_at(16)?, f64_at(8)?], [f64_at(32)?, f64_at(24)?]);
        let entries = u32_at(40)? as usize;
        let mut weights = [0.0; 5];
        for (i, w) in weights.iter_mut().enumerate() {
            *w = f32_at(44 + 4 * i)?;
        }
        let (data_type, gamma, gain_min, gain_max, header) = if version2 {
            (u32_at(64)?, f32_at(68)?, f32_at(72)?, f32_at(76)?, 80)
        } else {
            (3, 1.0, 0.0, 1.0, 64)
        };
        if points.iter().chain([&entries]).any(|&n| n == 0 || n > MAX_POINTS) {
            return Err(format!(
                "{} x {} tables of {entries} entries (each from 1 to {MAX_POINTS})",
                points[1], points[0]
            ));
        }
        let count = points[0] * points[1] * entries;
        if count > MAX_GAINS {
            return Err(format!("{count} gains (at most {MAX_GAINS})"));
        }
        let finite = spacing.iter().chain(&origin).all(|v| v.is_finite())
            && weights.iter().all(|w| w.is_finite());
        let spaced = (0..2).all(|i| points[i] == 1 || spacing[i] > 0.0);
        if !finite || !spaced {
            return Err("a spacing, origin or input weight that is not a finite number (or a spacing not above 0)".into());
        }
        if !(0.25..=4.0).contains(&gamma) {
            return Err(format!("gamma {gamma} (from 0.25 to 4)"));
        }
        let size = match data_type {
            0 => 1,
            1 | 2 => 2,
            3 => 4,
            other => return Err(format!("data type {other} (0 to 3)")),
        };
        let want = header + size * count;
        if bytes.len() != want {
            return Err(format!(
                "{} bytes where its {} x {} tables of {entries} make {want}",
                bytes.len(),
                points[1],
                points[0]
            ));
        }
        let scaled = |v: f32, max: f32| gain_min + v / max * (gain_max - gain_min);
        let gains: Vec<f32> = (0..count)
            .map(|i| {
                let at = header + size * i;
                let u16_of = || file.u16(at).expect("within the checked length");
                match data_type {
                    0 => scaled(bytes[at] as f32, 255.0),
                    1 => scaled(u16_of() as f32, 65535.0),
                    2 => half::f16::from_bits(u16_of()).to_f32(),
                    _ => file.f32(at).expect("within the checked length"),
                }
            })
            .collect();
        if gains.iter().any(|g| !(g.is_finite() && *g >= 0.0)) {
            return Err("a gain that is negative or not a finite number".into());
        }
        Ok(GainTable {
            points,
            // One point along an axis: its spacing is never used.
            spacing: [0, 1].map(|i| if points[i] == 1 { 1.0 } else { spacing[i] as f32 }),
            origin: origin.map(|v| v as f32),
            entries,
            weights,
            gamma,
            gains,
            area: [0.0, 0.0, 1.0, 1.0],
        })
    }

    /// Whether every gain is 1: the map changes nothing.
    pub fn is_identity(&self) -> bool {
        self.gains.iter().all(|&g| g == 1.0)
    }

    fn at(&self, h: usize, v: usize, n: usize) -> f32 {
        self.gains[(v * self.points[0] + h) * self.entries + n]
    }

    /// CPU twin of `gain_table_gain`: the gain at output pixel `px` for a
    /// pixel of linear ProPhoto RGB `rgb`.
    pub fn gain(&self, rgb: [f32; 3], px: Pixel) -> f32 {
        let lo = rgb[0].min(rgb[1]).min(rgb[2]);
        let hi = rgb[0].max(rgb[1]).max(rgb[2]);
        let w = &self.weights;
        let mut t = (w[0] * rgb[0] + w[1] * rgb[1] + w[2] * rgb[2] + w[3] * lo + w[4] * hi)
            .clamp(0.0, 1.0);
        if t > 0.0 && self.gamma != 1.0 {
            t = t.powf(self.gamma);
        }
        let mut at = [0usize; 2];
        let mut next = [0usize; 2];
        let mut frac = [0.0f32; 2];
        for i in 0..2 {
            let pos = self.area[i]
                + (px.xy[i] as f32 + 0.5) / px.full_size[i] as f32 * self.area[2 + i];
            let last = (self.points[i] - 1) as f32;
            let g = ((pos - self.origin[i]) / self.spacing[i]).clamp(0.0, last);
            let base = g.floor();
            frac[i] = g - base;
            at[i] = base as usize;
            next[i] = (at[i] + 1).min(self.points[i] - 1);
        }
        let last = (self.entries - 1) as f32;
        let index = (t * self.entries as f32).min(last);
        let base = index.floor();
        let fn_ = index - base;
        let (n0, n1) = (base as usize, (base as usize + 1).min(self.entries - 1));
        let table = |n: usize| {
            let row = |v: usize| {
                self.at(at[0], v, n) + (self.at(next[0], v, n) - self.at(at[0], v, n)) * frac[0]
            };
            row(at[1]) + (row(next[1]) - row(at[1])) * frac[1]
        };
        table(n0) + (table(n1) - table(n0)) * fn_
    }
}

/// `struct GainTableParams`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable)]
pub struct GainTableUniform {
    pub m0: [f32; 4],
    pub m1: [f32; 4],
    pub m2: [f32; 4],
    pub weights: [f32; 4],
    /// x: the weight of max, y: gamma.
    pub weights2: [f32; 4],
    /// MapOriginH/V, MapSpacingH/V.
    pub grid: [f32; 4],
    pub area: [f32; 4],
    /// MapPointsN, MapPointsH, MapPointsV.
    pub dims: [u32; 4],
}

/// The op: the map, applied to camera RGB whose ProPhoto RGB the
/// uniform's matrix gives.
pub struct GainTableOp {
    pub uniform: GainTableUniform,
    pub table: Arc<GainTable>,
}

impl GainTableOp {
    pub fn new(cam_to_prophoto: &Mat3, table: Arc<GainTable>) -> Self {
        let w = table.weights;
        GainTableOp {
            uniform: GainTableUniform {
                m0: padded_row(cam_to_prophoto[0]),
                m1: padded_row(cam_to_prophoto[1]),
                m2: padded_row(cam_to_prophoto[2]),
                weights: [w[0], w[1], w[2], w[3]],
                weights2: [w[4], table.gamma, 0.0, 0.0],
                grid: [
                    table.origin[0],
                    table.origin[1],
                    table.spacing[0],
                    table.spacing[1],
                ],
                area: table.area,
                dims: [
                    table.entries as u32,
                    table.points[0] as u32,
                    table.points[1] as u32,
                    0,
                ],
            },
            table,
        }
    }
}

impl Op for GainTableOp {
    fn wgsl(&self) -> &'static Wgsl {
        &WGSL
    }

    fn uniform(&self) -> Vec<u8> {
        bytes_of(&self.uniform)
    }

    fn constants(&self) -> Vec<(&'static str, f64)> {
        vec![("GAIN_TABLE_POWER", (self.table.gamma != 1.0) as u32 as f64)]
    }
}

impl Pointwise for GainTableOp {
    fn apply(&self, c: [f32; 3], px: Pixel) -> [f32; 3] {
        let u = &self.uniform;
        let rows = [u.m0, u.m1, u.m2].map(|r| [r[0], r[1], r[2]]);
        let gain = self.table.gain(mat3_mul(&rows, c), px);
        c.map(|v| v * gain)
    }

    fn textures(&self, gpu: &Gpu) -> Result<Vec<(&'static str, wgpu::Texture)>, Error> {
        let t = &self.table;
        // Each entry with the next (the last with itself).
        let texels: Vec<[f32; 4]> = t
            .gains
            .chunks(t.entries)
            .flat_map(|table| {
                (0..t.entries).map(|n| [table[n], table[(n + 1).min(t.entries - 1)], 0.0, 0.0])
            })
            .collect();
        let size = wgpu::Extent3d {
            width: t.entries as u32,
            height: t.points[0] as u32,
            depth_or_array_layers: t.points[1] as u32,
        };
        Ok(vec![(
            "gain_table_tex",
            texture(
                &gpu.device,
                &gpu.queue,
                "gain table map",
                wgpu::TextureDimension::D3,
                size,
                &texels,
            ),
        )])
    }
}

/// With the profile's gain table map, where it has one (not under
/// `--profile none`, which leaves the profile out).
pub fn step(d: &Development) -> Option<Box<dyn Pointwise>> {
    let table = d.profile?.gain_table.clone()?;
    Some(Box::new(GainTableOp::new(&cam_to_prophoto(d), table)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A ProfileGainTableMap2 of float gains, big-endian.
    fn encode(points: [u32; 2], entries: u32, gains: &[f32], gamma: f32) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend(points[1].to_be_bytes());
        b.extend(points[0].to_be_bytes());
        for v in [0.5f64, 0.5, 0.25, 0.25] {
            b.extend(v.to_be_bytes());
        }
        b.extend(entries.to_be_bytes());
        for w in [0.0f32, 0.0, 0.0, 0.0, 1.0] {
            b.extend(w.to_be_bytes());
        }
        b.extend(3u32.to_be_bytes());
        for v in [gamma, 1.0, 1.0] {
            b.extend(v.to_be_bytes());
        }
        for g in gains {
            b.extend(g.to_be_bytes());
        }
        b
    }

    #[test]
    fn gains_interpolate_across_the_grid_and_along_the_table() {
        // 2 x 1 tables at h 0.25 and 0.75: gains 1..2 and 3 everywhere.
        let bytes = encode([2, 1], 2, &[1.0, 2.0, 3.0, 3.0], 1.0);
        let t = GainTable::parse(&bytes, false, true).unwrap();
        let px = |x: u32| Pixel {
            xy: [x, 0],
            full_size: [100, 1],
        };
        // Left of the first table's column: replicated; t = 0.25 reads
        // index 0.5 of 2 entries.
        assert!((t.gain([0.25, 0.1, 0.0], px(10)) - 1.5).abs() < 1e-6);
        // Half way between the columns (x = 0.5): the tables' mean.
        assert!((t.gain([0.25, 0.1, 0.0], px(49)) - (1.5 + 3.0) / 2.0).abs() < 0.03);
        // Beyond the last entry: clamped to it.
        assert!((t.gain([1.5, 0.0, 0.0], px(0)) - 2.0).abs() < 1e-6);
        // Gamma 2 squares the input first.
        let bytes = encode([2, 1], 2, &[1.0, 2.0, 3.0, 3.0], 2.0);
        let t = GainTable::parse(&bytes, false, true).unwrap();
        assert!((t.gain([0.25, 0.1, 0.0], px(0)) - 1.125).abs() < 1e-6);
    }

    #[test]
    fn malformed_maps_say_what_is_wrong() {
        let good = encode([2, 1], 2, &[1.0, 2.0, 3.0, 3.0], 1.0);
        let err = |b: &[u8]| GainTable::parse(b, false, true).unwrap_err();
        assert!(err(&good[..good.len() - 1]).contains("bytes where"));
        assert!(err(&good[..40]).contains("too short"));
        assert!(err(&encode([2, 1], 2, &[1.0, f32::NAN, 3.0, 3.0], 1.0)).contains("finite"));
        assert!(err(&encode([2, 1], 2, &[1.0, -2.0, 3.0, 3.0], 1.0)).contains("negative"));
        assert!(err(&encode([2, 1], 2, &[1.0, 2.0, 3.0, 3.0], 9.0)).contains("gamma"));
        assert!(err(&encode([0, 1], 2, &[], 1.0)).contains("tables of"));
        let mut huge = good.clone();
        huge[..4].copy_from_slice(&5000u32.to_be_bytes());
        assert!(err(&huge).contains("tables of"));
    }
}
