//! Camera profiles (DNG 1.6, chapter 6, "Mapping Camera Color Space to CIE
//! XYZ Space", and the profile tags): a camera's colour matrices and, on
//! top of them, the tables that give a raw converter its rendering:
//!
//! - **ProfileHueSatMap** (Data1/2, for the two calibration illuminants,
//!   interpolated like the colour matrices): a table over hue, saturation
//!   and value of the linear ProPhoto ("reference") RGB the matrices lead
//!   to, holding a hue shift in degrees and saturation and value scales;
//!   the profile's colorimetric correction;
//! - **ProfileLookTable**: a second table of the same kind, the look;
//! - **ProfileToneCurve**: a curve on [0, 1];
//! - **ProfileGainTableMap2** (and ProfileGainTableMap, the raw file's
//!   own): a grid of gain tables, the maker's local tone mapping
//!   ([`crate::ops::gain_table`]).
//!
//! They come from the DNG itself (its IFD 0, the embedded profile) or from
//! a `.dcp` file, a TIFF-structured file with the magic number 0x4352
//! ("IIRC") whose IFD holds the same tags; a `.dcp`'s matrices replace the
//! file's. [`crate::ops::profile`] applies the tables.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::colorimetry::{self, Mat3};
use crate::illuminants;
use crate::io::ifd::{self, Ifd, Value};
use crate::ops::gain_table::GainTable;

/// The tags read here (TIFF/DNG tag numbers).
pub mod tag {
    pub const UNIQUE_CAMERA_MODEL: u16 = 50708;
    /// The three calibrations' tags: the third from DNG 1.6.
    pub const COLOR_MATRIX: [u16; 3] = [50721, 50722, 52531];
    pub const CAMERA_CALIBRATION: [u16; 3] = [50723, 50724, 52530];
    pub const CALIBRATION_ILLUMINANT: [u16; 3] = [50778, 50779, 52529];
    pub const ILLUMINANT_DATA: [u16; 3] = [52533, 52534, 52535];
    pub const PROFILE_NAME: u16 = 50936;
    pub const HUE_SAT_MAP_DIMS: u16 = 50937;
    pub const HUE_SAT_MAP_DATA: [u16; 3] = [50938, 50939, 52537];
    pub const TONE_CURVE: u16 = 50940;
    pub const EMBED_POLICY: u16 = 50941;
    pub const FORWARD_MATRIX: [u16; 3] = [50964, 50965, 52532];
    pub const LOOK_TABLE_DIMS: u16 = 50981;
    pub const LOOK_TABLE_DATA: u16 = 50982;
    pub const HUE_SAT_MAP_ENCODING: u16 = 51107;
    pub const LOOK_TABLE_ENCODING: u16 = 51108;
    pub const BASELINE_EXPOSURE_OFFSET: u16 = 51109;
    pub use crate::ops::gain_table::{TAG as GAIN_TABLE_MAP, TAG2 as GAIN_TABLE_MAP2};
}

/// The most divisions a table may have along one axis, and in all.
pub const MAX_DIVISIONS: usize = 1024;
pub const MAX_ENTRIES: usize = 1 << 20;

/// A table over hue, saturation and value (HueSatMap or LookTable): for
/// each entry a hue shift in degrees, a saturation scale and a value
/// scale. Hue divisions split 0..360 degrees and wrap; saturation
/// divisions span 0..1 (at least two); value divisions span 0..1 of the
/// value axis, linear or, with `srgb_values`, sRGB-encoded (one division:
/// the same for every value).
#[derive(Clone, Debug, PartialEq)]
pub struct HsvMap {
    pub hues: usize,
    pub sats: usize,
    pub vals: usize,
    /// ProfileHueSatMapEncoding / ProfileLookTableEncoding 1: the value
    /// axis is sRGB-encoded.
    pub srgb_values: bool,
    /// `[hue shift, sat scale, val scale]`, the saturation index changing
    /// fastest, then hue, then value (the DNG order).
    pub data: Vec<[f32; 3]>,
}

impl HsvMap {
    /// The entry at divisions (hue, sat, val).
    pub fn at(&self, h: usize, s: usize, v: usize) -> [f32; 3] {
        self.data[(v * self.hues + h) * self.sats + s]
    }

    /// From the numbers of the Dims tag `names.0` and the Data tag
    /// `names.1`; `Err` names the tag and what is wrong with it.
    fn new(
        dims: &[f64],
        data: &[f64],
        srgb_values: bool,
        names: (&str, &str),
    ) -> Result<HsvMap, String> {
        let (hues, sats, vals) = Self::divisions(dims).map_err(|e| format!("{}: {e}", names.0))?;
        Self::with_data(hues, sats, vals, srgb_values, data)
            .map_err(|e| format!("{}: {e}", names.1))
    }

    /// The hue, saturation and value divisions of a Dims tag's numbers.
    fn divisions(dims: &[f64]) -> Result<(usize, usize, usize), String> {
        let [h, s, v] = dims else {
            return Err(format!("{} numbers, not 3", dims.len()));
        };
        let whole = |x: f64| x.fract() == 0.0 && (0.0..=MAX_DIVISIONS as f64).contains(&x);
        if !(whole(*h) && whole(*s) && whole(*v)) {
            return Err(format!(
                "divisions {h} x {s} x {v} are not whole numbers up to {MAX_DIVISIONS}"
            ));
        }
        let (hues, sats, vals) = (*h as usize, *s as usize, *v as usize);
        if hues < 1 || sats < 2 || vals < 1 {
            return Err(format!(
                "divisions {hues} x {sats} x {vals}: hue needs at least 1, saturation 2, value 1"
            ));
        }
        if hues * sats * vals > MAX_ENTRIES {
            return Err(format!(
                "{hues} x {sats} x {vals} entries, more than {MAX_ENTRIES}"
            ));
        }
        Ok((hues, sats, vals))
    }

    fn with_data(
        hues: usize,
        sats: usize,
        vals: usize,
        srgb_values: bool,
        data: &[f64],
    ) -> Result<HsvMap, String> {
        let n = hues * sats * vals;
        if data.len() != 3 * n {
            return Err(format!(
                "{} values where {hues} x {sats} x {vals} divisions need {}",
                data.len(),
                3 * n
            ));
        }
        if let Some(bad) = data.chunks(3).find(|e| {
            !(e.iter().all(|x| x.is_finite())
                && e[0].abs() <= 360.0
                && (0.0..=16.0).contains(&e[1])
                && (0.0..=16.0).contains(&e[2]))
        }) {
            return Err(format!(
                "entry {bad:?}: a hue shift within ±360 degrees and scales within 0..16 expected"
            ));
        }
        let data = data
            .chunks(3)
            .map(|e| [e[0] as f32, e[1] as f32, e[2] as f32])
            .collect();
        Ok(HsvMap {
            hues,
            sats,
            vals,
            srgb_values,
            data,
        })
    }

    /// `w * a + (1 - w) * b`, entry by entry, where both have the same divisions.
    fn mix(a: &HsvMap, b: &HsvMap, w: f32) -> HsvMap {
        HsvMap {
            data: a
                .data
                .iter()
                .zip(&b.data)
                .map(|(x, y)| [0, 1, 2].map(|c| w * x[c] + (1.0 - w) * y[c]))
                .collect(),
            ..a.clone()
        }
    }
}

/// ProfileToneCurve: points (x, y) on [0, 1], x increasing, y not
/// decreasing, joined by a natural cubic spline (the DNG specification
/// interpolates the curve with a cubic spline).
#[derive(Clone, Debug, PartialEq)]
pub struct ToneCurve {
    pub points: Vec<[f32; 2]>,
}

impl ToneCurve {
    /// Samples of the curve in a table, the GPU and the CPU twin
    /// interpolate linearly between.
    pub const TABLE: usize = 4096;

    fn new(values: &[f64]) -> Result<ToneCurve, String> {
        if values.len() < 4 || !values.len().is_multiple_of(2) {
            return Err(format!(
                "{} values: pairs of (input, output), at least two, expected",
                values.len()
            ));
        }
        let points: Vec<[f32; 2]> = values
            .chunks(2)
            .map(|p| [p[0] as f32, p[1] as f32])
            .collect();
        let on_unit = |v: f32| (0.0..=1.0).contains(&v);
        if let Some(p) = points.iter().find(|p| !(on_unit(p[0]) && on_unit(p[1]))) {
            return Err(format!("point {p:?} lies outside [0, 1]"));
        }
        if let Some(w) = points
            .windows(2)
            .find(|w| w[1][0] <= w[0][0] || w[1][1] < w[0][1])
        {
            return Err(format!(
                "points {:?} then {:?}: the curve must rise monotonically",
                w[0], w[1]
            ));
        }
        Ok(ToneCurve { points })
    }

    /// The curve at `x` (clamped to its points' span): a natural cubic
    /// spline through the points, clamped to [0, 1].
    pub fn eval(&self, x: f32) -> f32 {
        self.eval_with(&self.second_derivatives(), x)
    }

    fn eval_with(&self, m: &[f64], x: f32) -> f32 {
        let p = &self.points;
        let x = (x as f64).clamp(p[0][0] as f64, p[p.len() - 1][0] as f64);
        let i = p[..p.len() - 1]
            .iter()
            .rposition(|q| q[0] as f64 <= x)
            .unwrap_or(0);
        let (x0, y0, x1, y1) = (
            p[i][0] as f64,
            p[i][1] as f64,
            p[i + 1][0] as f64,
            p[i + 1][1] as f64,
        );
        let h = x1 - x0;
        let (a, b) = ((x1 - x) / h, (x - x0) / h);
        let y =
            a * y0 + b * y1 + ((a * a * a - a) * m[i] + (b * b * b - b) * m[i + 1]) * h * h / 6.0;
        y.clamp(0.0, 1.0) as f32
    }

    /// The spline's second derivatives at the points (0 at both ends).
    fn second_derivatives(&self) -> Vec<f64> {
        let p: Vec<[f64; 2]> = self.points.iter().map(|q| q.map(f64::from)).collect();
        let n = p.len();
        let mut m = vec![0.0; n];
        if n < 3 {
            return m;
        }
        // Tridiagonal system for m[1..n-1] (Thomas algorithm).
        let mut diag = vec![0.0; n];
        let mut rhs = vec![0.0; n];
        for i in 1..n - 1 {
            let (h0, h1) = (p[i][0] - p[i - 1][0], p[i + 1][0] - p[i][0]);
            diag[i] = 2.0 * (h0 + h1);
            rhs[i] = 6.0 * ((p[i + 1][1] - p[i][1]) / h1 - (p[i][1] - p[i - 1][1]) / h0);
            if i > 1 {
                let factor = h0 / diag[i - 1];
                diag[i] -= factor * h0;
                rhs[i] -= factor * rhs[i - 1];
            }
        }
        for i in (1..n - 1).rev() {
            let h1 = p[i + 1][0] - p[i][0];
            m[i] = (rhs[i] - h1 * m[i + 1]) / diag[i];
        }
        m
    }

    /// The curve sampled at [`Self::TABLE`] points evenly over [0, 1].
    pub fn table(&self) -> Vec<f32> {
        let m = self.second_derivatives();
        (0..Self::TABLE)
            .map(|i| self.eval_with(&m, i as f32 / (Self::TABLE - 1) as f32))
            .collect()
    }
}

/// A profile resolved for one photo: its tables for the photo's white
/// (HueSatMap1/2 interpolated), and, for a `.dcp`, its own matrix.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct CameraProfile {
    pub name: Option<String>,
    /// White-balanced camera RGB -> linear sRGB by the profile's own
    /// matrices (a `.dcp`'s), replacing the file's; `None`: the file's.
    pub cam_to_srgb: Option<Mat3>,
    pub hue_sat: Option<HsvMap>,
    pub look: Option<HsvMap>,
    pub tone: Option<ToneCurve>,
    /// The gain table map, placed on the photo.
    pub gain_table: Option<Arc<GainTable>>,
}

impl CameraProfile {
    /// Whether it has any table to apply.
    pub fn has_tables(&self) -> bool {
        self.hue_sat.is_some()
            || self.look.is_some()
            || self.tone.is_some()
            || self.gain_table.is_some()
    }
}

/// A camera's colour calibration, from a DNG or a `.dcp`: its XYZ ->
/// camera matrices (ColorMatrix1/2/3), forward matrices and camera
/// calibrations, each with the colour temperature of its illuminant.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Calibration {
    pub color: Vec<(Mat3, f32)>,
    pub forward: Vec<(Mat3, f32)>,
    pub camera: Vec<(Mat3, f32)>,
    /// With three calibrations (DNG 1.6), their illuminants' white points;
    /// `color`, `camera` and `forward` (or none of it) then hold three
    /// each, in tag order.
    pub lights: Option<[[f32; 2]; 3]>,
}

/// How a scene's white mixes calibrations made under different
/// illuminants.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Blend {
    /// Of two, the weight of the one of lower colour temperature (linear
    /// in inverse colour temperature, DNG 1.2 and later).
    Dual(f32),
    /// Of three, each one's ([`illuminants::triple_weights`]).
    Triple([f32; 3]),
}

impl Calibration {
    /// How the calibrations mix for a scene whose white the camera sees as
    /// `neutral`: for two, by [`colorimetry::weight`]; for three, by the
    /// white's chromaticity, found as the specification says (a guess, the
    /// XYZ -> camera matrix it weighs, the white that matrix gives, again
    /// until it settles). `None` with fewer than two colour matrices.
    pub fn weight(&self, neutral: [f32; 3]) -> Option<Blend> {
        let Some(lights) = self.lights else {
            let (a, b) = extremes(&self.color)?;
            return Some(Blend::Dual(colorimetry::weight(
                (&a.0, a.1),
                (&b.0, b.1),
                neutral,
            )));
        };
        let mut xy = [0.3457f32, 0.3585];
        for pass in 0..30 {
            let blend = Blend::Triple(illuminants::triple_weights(xy, lights));
            let Some(cam_to_xyz) = self
                .xyz_to_cam(Some(blend))
                .and_then(|m| colorimetry::invert(&m))
            else {
                break;
            };
            let xyz = colorimetry::apply(&cam_to_xyz, neutral);
            let sum = xyz[0] + xyz[1] + xyz[2];
            let next = [xyz[0] / sum, xyz[1] / sum];
            if !(next[0] > 0.0 && next[1] > 0.0 && next[0] + next[1] < 1.0) {
                break;
            }
            let step = (next[0] - xy[0]).abs() + (next[1] - xy[1]).abs();
            // An oscillation between two whites settles on their middle.
            xy = match pass {
                29 => [(xy[0] + next[0]) / 2.0, (xy[1] + next[1]) / 2.0],
                _ => next,
            };
            if step < 1e-7 {
                break;
            }
        }
        Some(Blend::Triple(illuminants::triple_weights(xy, lights)))
    }

    /// The camera's response to a white of chromaticity `xy` (AsShotWhiteXY),
    /// as DNG 1.6 (chapter 6) defines it: AnalogBalance x CameraCalibration
    /// x ColorMatrix of that white's colour temperature, times its XYZ;
    /// `None` without a colour matrix or for a response that is not
    /// positive.
    pub fn neutral_of_white(
        &self,
        [x, y]: [f32; 2],
        analog_balance: Option<[f32; 3]>,
    ) -> Option<[f32; 3]> {
        let weight = match self.lights {
            Some(lights) => Some(Blend::Triple(illuminants::triple_weights([x, y], lights))),
            None => extremes(&self.color).map(|(lo, hi)| {
                let cct = colorimetry::cct_from_xy(x, y).clamp(lo.1, hi.1);
                Blend::Dual(((1.0 / cct - 1.0 / hi.1) / (1.0 / lo.1 - 1.0 / hi.1)).clamp(0.0, 1.0))
            }),
        };
        let xyz_to_cam = self.xyz_to_cam(weight)?;
        let calibration =
            interpolate(&self.camera, weight, colorimetry::mix).unwrap_or(colorimetry::IDENTITY);
        let xyz = [x / y, 1.0, (1.0 - x - y) / y];
        let camera = colorimetry::apply(&colorimetry::mul(&calibration, &xyz_to_cam), xyz);
        let [a, b, c] = analog_balance.unwrap_or([1.0; 3]);
        let neutral = [a * camera[0], b * camera[1], c * camera[2]];
        let max = neutral.iter().cloned().fold(f32::MIN, f32::max);
        (neutral.iter().all(|v| v.is_finite() && *v > 0.0)).then(|| neutral.map(|v| v / max))
    }

    /// The XYZ -> camera matrix for the scene, by `weight`.
    pub fn xyz_to_cam(&self, weight: Option<Blend>) -> Option<Mat3> {
        interpolate(&self.color, weight, colorimetry::mix)
    }

    /// White-balanced camera RGB -> linear sRGB by the DNG colour model:
    /// the forward matrices where there are some (as the specification
    /// prefers), with CameraCalibration and AnalogBalance; else the colour
    /// matrices. `None` without a usable calibration.
    pub fn cam_to_srgb(&self, neutral: [f32; 3], analog_balance: Option<[f32; 3]>) -> Option<Mat3> {
        let weight = self.weight(neutral);
        let forward = || {
            let forward = interpolate(&self.forward, weight, colorimetry::mix)?;
            let calibration = interpolate(&self.camera, weight, colorimetry::mix)
                .unwrap_or(colorimetry::IDENTITY);
            let [a, b, c] = analog_balance.unwrap_or([1.0; 3]);
            let analog = [[a, 0.0, 0.0], [0.0, b, 0.0], [0.0, 0.0, c]];
            let balance = colorimetry::invert(&colorimetry::mul(&analog, &calibration))?;
            colorimetry::forward_to_srgb(&forward, &balance, neutral)
        };
        forward().or_else(|| colorimetry::cam_to_srgb(&self.xyz_to_cam(weight)?))
    }

    /// From IFD 0 of a DNG or a `.dcp`; unreadable matrices are left out.
    /// Three calibrations count only where the file has all the
    /// specification requires of them (three illuminants of distinct known
    /// white points, three colour matrices, and three forward matrices or
    /// none); otherwise the first two are read as a pair, as a reader
    /// before DNG 1.6 would.
    pub fn read(ifd: &Ifd) -> Calibration {
        let lights = Self::lights(ifd);
        let count = if lights.is_some() { 3 } else { 2 };
        let cct = |i: usize| match ifd.numbers(tag::CALIBRATION_ILLUMINANT[i]) {
            Some([code]) if *code == 255.0 => {
                Self::white(ifd, i).map(|[x, y]| colorimetry::cct_from_xy(x, y))
            }
            Some([code]) => illuminant_cct(*code as u16),
            // Without an illuminant, the first is taken for D65, as rawler does.
            _ => Some(6504.0),
        };
        let matrix = |tag: u16| -> Option<Mat3> {
            let v = ifd.numbers(tag)?;
            if v.len() != 9 || !v.iter().all(|x| x.is_finite()) {
                return None;
            }
            Some([0, 1, 2].map(|r| [0, 1, 2].map(|c| v[3 * r + c] as f32)))
        };
        let pairs = |tags: [u16; 3]| -> Vec<(Mat3, f32)> {
            (0..count)
                .filter_map(|i| Some((matrix(tags[i])?, cct(i)?)))
                .collect()
        };
        let mut calibration = Calibration {
            color: pairs(tag::COLOR_MATRIX),
            forward: pairs(tag::FORWARD_MATRIX),
            camera: pairs(tag::CAMERA_CALIBRATION),
            lights,
        };
        if lights.is_some() {
            // Positional: a missing camera calibration is the identity;
            // forward matrices for fewer than all three are not used.
            calibration.camera = (0..3)
                .map(|i| {
                    let m = matrix(tag::CAMERA_CALIBRATION[i]).unwrap_or(colorimetry::IDENTITY);
                    (m, cct(i).unwrap_or(6504.0))
                })
                .collect();
            if calibration.forward.len() != 3 {
                calibration.forward.clear();
            }
            if calibration.color.len() != 3 {
                calibration.lights = None;
            }
        }
        calibration
    }

    /// The white point of calibration illuminant `i` (0, 1, 2): its
    /// standard illuminant's, or for 255 ("Other") its IlluminantData's.
    fn white(ifd: &Ifd, i: usize) -> Option<[f32; 2]> {
        match ifd.numbers(tag::CALIBRATION_ILLUMINANT[i])? {
            [code] if *code == 255.0 => match ifd.entries.get(&tag::ILLUMINANT_DATA[i])? {
                Value::Bytes(b) => illuminants::data_xy(b, ifd.little).ok(),
                _ => None,
            },
            [code] => illuminants::code_xy(*code as u16),
            _ => None,
        }
    }

    /// The white points of three calibration illuminants, where IFD `ifd`
    /// names three of distinct known white points and has ColorMatrix3.
    fn lights(ifd: &Ifd) -> Option<[[f32; 2]; 3]> {
        if !ifd.has(tag::COLOR_MATRIX[2]) {
            return None;
        }
        let lights = [
            Self::white(ifd, 0)?,
            Self::white(ifd, 1)?,
            Self::white(ifd, 2)?,
        ];
        let distinct = (0..3).all(|i| {
            let (a, b) = (lights[i], lights[(i + 1) % 3]);
            (a[0] - b[0]).abs() + (a[1] - b[1]).abs() > 1e-4
        });
        distinct.then_some(lights)
    }
}

/// Of calibrations for several illuminants, those of the lowest and the
/// highest colour temperature; `None` for fewer than two.
/// A calibration and its illuminant's colour temperature.
type Calibrated<T> = (T, f32);

fn extremes<T>(all: &[Calibrated<T>]) -> Option<(&Calibrated<T>, &Calibrated<T>)> {
    if all.len() < 2 {
        return None;
    }
    let lo = all.iter().min_by(|a, b| a.1.total_cmp(&b.1))?;
    let hi = all.iter().max_by(|a, b| a.1.total_cmp(&b.1))?;
    Some((lo, hi))
}

/// Of calibrations for two (or more) illuminants, the mix by a dual
/// `weight` of those of the lowest and highest colour temperature
/// (`weight` is the lower's); of three, by a triple weight, in tag order;
/// of one, or without a weight, the one nearest D65.
pub fn interpolate<T: Clone>(
    all: &[(T, f32)],
    weight: Option<Blend>,
    mix: impl Fn(&T, &T, f32) -> T,
) -> Option<T> {
    match (extremes(all), weight) {
        (Some((lo, hi)), Some(Blend::Dual(w))) => Some(mix(&lo.0, &hi.0, w)),
        (_, Some(Blend::Triple([w0, w1, _]))) if all.len() == 3 => {
            // w0 a + w1 b + w2 c, as mixes of two.
            let first_two = w0 + w1;
            if first_two <= 0.0 {
                return Some(all[2].0.clone());
            }
            let ab = mix(&all[0].0, &all[1].0, w0 / first_two);
            Some(mix(&ab, &all[2].0, first_two))
        }
        _ => all
            .iter()
            .min_by(|a, b| (a.1 - 6504.0).abs().total_cmp(&(b.1 - 6504.0).abs()))
            .map(|m| m.0.clone()),
    }
}

/// The correlated colour temperature of an EXIF LightSource code (the
/// calibration illuminants), `None` for a code it does not define.
pub fn illuminant_cct(code: u16) -> Option<f32> {
    Some(match code {
        17 | 3 | 24 => 2856.0,
        2 | 14 => 4150.0,
        15 => 3450.0,
        13 => 5000.0,
        12 => 6400.0,
        23 => 5003.0,
        18 => 4874.0,
        20 | 1 | 4 | 9 => 5503.0,
        19 => 6774.0,
        22 | 11 => 7504.0,
        21 | 10 | 0 => 6504.0,
        _ => return None,
    })
}

/// A profile's tables as its file holds them, before they are resolved
/// for a photo's white.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ProfileTables {
    pub name: Option<String>,
    /// ProfileEmbedPolicy (0 allow copying, 1 embed if used, 2 never
    /// embed, 3 no restrictions); wisp only reports it.
    pub embed_policy: Option<u32>,
    /// HueSatMapData1/2 with their illuminant's colour temperature.
    pub hue_sat: Vec<(HsvMap, f32)>,
    pub look: Option<HsvMap>,
    pub tone: Option<ToneCurve>,
    /// ProfileGainTableMap2 (or, in a DNG without it, the raw IFD's
    /// ProfileGainTableMap), not yet placed on a photo.
    pub gain_table: Option<GainTable>,
}

impl ProfileTables {
    /// The profile tags of IFD 0 of a DNG or a `.dcp`. A malformed table
    /// is an error naming its tag.
    pub fn read(ifd: &Ifd) -> Result<ProfileTables, String> {
        let bad = |name: &str, e: String| format!("{name}: {e}");
        let encoding = |t: u16, name: &str| match ifd.numbers(t) {
            None | Some([0.0]) => Ok(false),
            Some([1.0]) => Ok(true),
            Some(v) => Err(bad(name, format!("{v:?}: 0 (linear) or 1 (sRGB) expected"))),
        };
        let hue_sat_srgb = encoding(tag::HUE_SAT_MAP_ENCODING, "ProfileHueSatMapEncoding")?;
        let look_srgb = encoding(tag::LOOK_TABLE_ENCODING, "ProfileLookTableEncoding")?;
        let mut hue_sat = Vec::new();
        let dims = ifd.numbers(tag::HUE_SAT_MAP_DIMS);
        // The third only for three calibrations.
        let count = if ifd.has(tag::CALIBRATION_ILLUMINANT[2]) {
            3
        } else {
            2
        };
        for i in 0..count {
            let name = format!("ProfileHueSatMapData{}", i + 1);
            let Some(data) = ifd.numbers(tag::HUE_SAT_MAP_DATA[i]) else {
                if ifd.has(tag::HUE_SAT_MAP_DATA[i]) {
                    return Err(bad(&name, "not numbers".into()));
                }
                continue;
            };
            let Some(dims) = dims else {
                return Err(bad(&name, "given without ProfileHueSatMapDims".into()));
            };
            let map = HsvMap::new(dims, data, hue_sat_srgb, ("ProfileHueSatMapDims", &name))?;
            let illuminant = match ifd.numbers(tag::CALIBRATION_ILLUMINANT[i]) {
                Some([code]) => illuminant_cct(*code as u16).unwrap_or(6504.0),
                _ => 6504.0,
            };
            hue_sat.push((map, illuminant));
        }
        let look = match (
            ifd.numbers(tag::LOOK_TABLE_DIMS),
            ifd.numbers(tag::LOOK_TABLE_DATA),
        ) {
            (_, None) if ifd.has(tag::LOOK_TABLE_DATA) => {
                return Err(bad("ProfileLookTableData", "not numbers".into()))
            }
            (None, Some(_)) => {
                return Err(bad(
                    "ProfileLookTableData",
                    "given without ProfileLookTableDims".into(),
                ))
            }
            (Some(dims), Some(data)) => Some(HsvMap::new(
                dims,
                data,
                look_srgb,
                ("ProfileLookTableDims", "ProfileLookTableData"),
            )?),
            _ => None,
        };
        let tone = match ifd.numbers(tag::TONE_CURVE) {
            Some(v) => Some(ToneCurve::new(v).map_err(|e| bad("ProfileToneCurve", e))?),
            None if ifd.has(tag::TONE_CURVE) => {
                return Err(bad("ProfileToneCurve", "not numbers".into()))
            }
            None => None,
        };
        let gain_table = match ifd.entries.get(&tag::GAIN_TABLE_MAP2) {
            Some(Value::Bytes(b)) => Some(
                GainTable::parse(b, ifd.little, true)
                    .map_err(|e| bad("ProfileGainTableMap2", e))?,
            ),
            Some(_) => return Err(bad("ProfileGainTableMap2", "not bytes".into())),
            None => None,
        };
        Ok(ProfileTables {
            name: ifd.text(tag::PROFILE_NAME).map(str::to_string),
            embed_policy: ifd.numbers(tag::EMBED_POLICY).and_then(|v| match v {
                [p] => Some(*p as u32),
                _ => None,
            }),
            hue_sat,
            look,
            tone,
            gain_table,
        })
    }

    /// Whether there is any table.
    pub fn is_empty(&self) -> bool {
        self.hue_sat.is_empty()
            && self.look.is_none()
            && self.tone.is_none()
            && self.gain_table.is_none()
    }

    /// The tables for a scene whose calibrations mix by `weight` (of the one
    /// with the lower colour temperature): HueSatMap1/2 interpolated like
    /// the colour matrices, where both have the same divisions; the gain
    /// table map placed where the photo lies in its active area (`area`,
    /// [`GainTable::area`]).
    pub fn resolve(&self, weight: Option<Blend>, area: [f32; 4]) -> CameraProfile {
        let dims = |m: &HsvMap| (m.hues, m.sats, m.vals);
        let same_dims = self
            .hue_sat
            .windows(2)
            .all(|w| dims(&w[0].0) == dims(&w[1].0));
        let hue_sat = if same_dims {
            interpolate(&self.hue_sat, weight, HsvMap::mix)
        } else {
            interpolate(&self.hue_sat, None, HsvMap::mix)
        };
        CameraProfile {
            name: self.name.clone(),
            cam_to_srgb: None,
            hue_sat,
            look: self.look.clone(),
            tone: self.tone.clone(),
            gain_table: self
                .gain_table
                .clone()
                .map(|g| Arc::new(GainTable { area, ..g })),
        }
    }
}

/// A `.dcp` camera profile file: its calibration and its tables.
#[derive(Clone, Debug, PartialEq)]
pub struct Dcp {
    pub path: PathBuf,
    pub camera_model: Option<String>,
    pub calibration: Calibration,
    /// Its BaselineExposureOffset in EV (0 without one), added to the raw
    /// file's BaselineExposure in place of the file's own offset.
    pub baseline_offset_ev: f32,
    pub tables: ProfileTables,
}

/// The most bytes a `.dcp` may have (real ones are well under 2 MB).
pub const DCP_LIMIT: u64 = 64 << 20;

impl Dcp {
    /// Read and check `path`; an error names the file and what is wrong
    /// (the tag, for a malformed table).
    pub fn load(path: &Path) -> Result<Dcp, String> {
        let at = |e: String| format!("{}: {e}", path.display());
        let bytes = crate::io::read_regular(path, DCP_LIMIT)
            .map_err(|e| at(format!("cannot read: {e}")))?;
        Self::parse(path, &bytes).map_err(at)
    }

    fn parse(path: &Path, bytes: &[u8]) -> Result<Dcp, String> {
        let ifd = Ifd::read(bytes, ifd::DCP_MAGIC)
            .map_err(|e| format!("not a DCP camera profile: {e}"))?;
        let calibration = Calibration::read(&ifd);
        if calibration.color.is_empty() && calibration.forward.is_empty() {
            return Err("no ColorMatrix1 (or ForwardMatrix1) of 9 values".into());
        }
        Ok(Dcp {
            path: path.to_path_buf(),
            camera_model: ifd.text(tag::UNIQUE_CAMERA_MODEL).map(str::to_string),
            calibration,
            baseline_offset_ev: match ifd.numbers(tag::BASELINE_EXPOSURE_OFFSET) {
                Some([ev]) if ev.abs() <= 10.0 => *ev as f32,
                Some(v) => {
                    return Err(format!(
                        "BaselineExposureOffset: {v:?}, one value within ±10 EV expected"
                    ))
                }
                None => 0.0,
            },
            tables: ProfileTables::read(&ifd)?,
        })
    }
}

/// What a raw file tells about its colour beyond its matrix, so that a
/// profile chosen later can be resolved for it: the camera's view of the
/// scene white, its analog balance and baseline exposure gain, and its own
/// (embedded) profile or what is wrong with it.
#[derive(Clone, Debug)]
pub struct RawColour {
    /// The camera's response to the scene white (1 / the white balance
    /// multipliers).
    pub neutral: [f32; 3],
    pub analog_balance: Option<[f32; 3]>,
    /// BaselineExposure in EV, without the offset: BaselineExposureOffset
    /// belongs to the profile (the file's to its embedded one, a `.dcp`'s
    /// to it).
    pub baseline_exposure_ev: f32,
    /// The embedded profile, `None` where the file has no tables; `Err`
    /// holds the message (naming the file and the tag) of a malformed one.
    pub embedded: Result<Option<Arc<CameraProfile>>, String>,
    /// The DNG's UniqueCameraModel, which a `.dcp` names as its camera.
    pub camera_model: Option<String>,
    /// Where the developed image lies in the active area
    /// ([`GainTable::area`]).
    pub area: [f32; 4],
}

impl RawColour {
    /// The file's gain table map, placed (its embedded profile's): a `.dcp`
    /// without one of its own keeps it, as DNG 1.7 orders them.
    pub fn gain_table(&self) -> Option<&Arc<GainTable>> {
        self.embedded.as_ref().ok()?.as_ref()?.gain_table.as_ref()
    }
}

/// Which camera profile develops a raw photo (`--profile`).
#[derive(Clone, Debug, Default, PartialEq)]
pub enum ProfileChoice {
    /// The one the file embeds, where it has one.
    #[default]
    Embedded,
    /// None: the file's matrices only.
    None,
    /// A `.dcp` file: its matrices and tables.
    File(Arc<Dcp>),
}

impl ProfileChoice {
    /// From `embedded`, `none` or a `.dcp` path (read and checked here).
    pub fn parse(spec: &str) -> Result<ProfileChoice, String> {
        match spec {
            "embedded" => Ok(ProfileChoice::Embedded),
            "none" => Ok(ProfileChoice::None),
            path => Ok(ProfileChoice::File(Arc::new(Dcp::load(Path::new(path))?))),
        }
    }

    /// As written on the command line and in sidecars.
    pub fn name(&self) -> String {
        match self {
            ProfileChoice::Embedded => "embedded".into(),
            ProfileChoice::None => "none".into(),
            ProfileChoice::File(dcp) => dcp.path.display().to_string(),
        }
    }

    /// A note where this choice is a `.dcp` made for another camera than
    /// the one of the photo whose colour is `raw` (both name their camera
    /// by UniqueCameraModel); the profile still applies, as asked.
    pub fn mismatch(&self, raw: Option<&RawColour>) -> Option<String> {
        let ProfileChoice::File(dcp) = self else {
            return None;
        };
        let (profile, photo) = (dcp.camera_model.as_deref()?, raw?.camera_model.as_deref()?);
        (profile.trim() != photo.trim()).then(|| {
            format!(
                "the camera profile {} is for the {profile}, this photo is from the {photo}",
                dcp.path.display()
            )
        })
    }

    /// The profile this choice gives a photo whose colour is `raw`
    /// (`None` for a developed image, which has no camera).
    pub fn resolve(&self, raw: Option<&RawColour>) -> Result<Option<Arc<CameraProfile>>, String> {
        let Some(raw) = raw else { return Ok(None) };
        match self {
            ProfileChoice::None => Ok(None),
            ProfileChoice::Embedded => raw.embedded.clone(),
            ProfileChoice::File(dcp) => {
                let cal = &dcp.calibration;
                let matrix = cal
                    .cam_to_srgb(raw.neutral, raw.analog_balance)
                    .ok_or_else(|| {
                        format!(
                            "{}: its matrices cannot develop this photo (singular)",
                            dcp.path.display()
                        )
                    })?;
                let mut profile = dcp.tables.resolve(cal.weight(raw.neutral), raw.area);
                if profile.gain_table.is_none() {
                    profile.gain_table = raw.gain_table().cloned();
                }
                let gain = (raw.baseline_exposure_ev + dcp.baseline_offset_ev).exp2();
                profile.cam_to_srgb = Some(matrix.map(|r| r.map(|v| v * gain)));
                if profile.name.is_none() {
                    profile.name = dcp.path.file_stem().map(|s| s.to_string_lossy().into());
                }
                Ok(Some(Arc::new(profile)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tone_curve_passes_through_its_points_and_rejects_bad_ones() {
        let c = ToneCurve::new(&[0.0, 0.0, 0.25, 0.4, 0.6, 0.8, 1.0, 1.0]).unwrap();
        for p in &c.points {
            assert!((c.eval(p[0]) - p[1]).abs() < 1e-6);
        }
        let t = c.table();
        assert_eq!(t.len(), ToneCurve::TABLE);
        assert!(t.windows(2).all(|w| w[1] >= w[0] - 1e-6));
        // Two points: a straight line.
        let line = ToneCurve::new(&[0.0, 0.1, 1.0, 0.9]).unwrap();
        assert!((line.eval(0.5) - 0.5).abs() < 1e-6);
        assert!(ToneCurve::new(&[0.0, 0.0, 0.5]).is_err());
        assert!(ToneCurve::new(&[0.0, 0.0, 0.5, 0.6, 0.4, 0.7, 1.0, 1.0]).is_err());
        assert!(ToneCurve::new(&[0.0, 0.5, 1.0, 0.4]).is_err());
        assert!(ToneCurve::new(&[0.0, 0.0, 1.5, 1.0]).is_err());
    }

    #[test]
    fn hue_sat_maps_interpolate_like_the_colour_matrices() {
        let uniform = |shift: f32| HsvMap {
            hues: 2,
            sats: 2,
            vals: 1,
            srgb_values: false,
            data: vec![[shift, 1.0, 1.0]; 4],
        };
        // Data1 for D65, Data2 for A: the weight is A's, the lower temperature.
        let tables = ProfileTables {
            hue_sat: vec![(uniform(10.0), 6504.0), (uniform(-30.0), 2856.0)],
            ..ProfileTables::default()
        };
        let shift = |w| {
            tables
                .resolve(w, [0.0, 0.0, 1.0, 1.0])
                .hue_sat
                .unwrap()
                .data[0][0]
        };
        assert!((shift(Some(Blend::Dual(0.25))) - (0.25 * -30.0 + 0.75 * 10.0)).abs() < 1e-5);
        assert!((shift(Some(Blend::Dual(1.0))) - -30.0).abs() < 1e-5);
        // Without a weight, the one nearest D65.
        assert_eq!(shift(None), 10.0);
        // Three (DNG 1.6's HueSatMapData3), by their weights in tag order.
        let tables = ProfileTables {
            hue_sat: vec![
                (uniform(10.0), 6504.0),
                (uniform(-30.0), 2856.0),
                (uniform(40.0), 4000.0),
            ],
            ..ProfileTables::default()
        };
        let shift = |w| {
            tables
                .resolve(Some(w), [0.0, 0.0, 1.0, 1.0])
                .hue_sat
                .unwrap()
                .data[0][0]
        };
        assert!((shift(Blend::Triple([0.0, 0.0, 1.0])) - 40.0).abs() < 1e-5);
        let mixed = 0.2 * 10.0 + 0.3 * -30.0 + 0.5 * 40.0;
        assert!((shift(Blend::Triple([0.2, 0.3, 0.5])) - mixed).abs() < 1e-4);
    }

    const NAMES: (&str, &str) = ("Dims", "Data");

    #[test]
    fn hsv_maps_check_their_sizes() {
        let data = [0.0, 1.0, 1.0].repeat(6 * 2);
        assert!(HsvMap::new(&[6.0, 2.0, 1.0], &data, false, NAMES).is_ok());
        assert!(HsvMap::new(&[6.0, 2.0, 2.0], &data, false, NAMES).is_err());
        assert!(HsvMap::new(&[6.0, 1.0, 2.0], &data, false, NAMES).is_err());
        assert!(HsvMap::new(&[0.0, 2.0, 1.0], &[], false, NAMES).is_err());
        let short = HsvMap::new(&[6.0, 2.0], &data, false, NAMES).unwrap_err();
        assert!(short.starts_with("Dims: "), "{short}");
        let long = HsvMap::new(&[6.0, 2.0, 2.0], &data, false, NAMES).unwrap_err();
        assert!(long.starts_with("Data: "), "{long}");
        assert!(HsvMap::new(&[6.5, 2.0, 1.0], &data, false, NAMES).is_err());
        let mut nan = data.clone();
        nan[4] = f64::NAN;
        assert!(HsvMap::new(&[6.0, 2.0, 1.0], &nan, false, NAMES).is_err());
    }
}
