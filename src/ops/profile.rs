//! The camera profile, a pointwise op before [`super::color`]
//! (`shaders/ops/profile.wgsl`): white-balanced camera RGB -> linear
//! ProPhoto RGB (the DNG pipeline's reference space: XYZ D50 in ROMM
//! primaries), then, as the DNG specification (1.6, chapter 6) and Adobe's
//! reference pipeline order them:
//!
//! 1. the HueSatMap ([`crate::profile::HsvMap`]): the colour to HSV (hue in
//!    sixths of a turn, saturation `(max - min) / max`, value `max`), the
//!    table's entry there by trilinear interpolation, hue wrapping around
//!    (an sRGB-encoded value axis where its encoding says so), the hue
//!    shifted by the entry's degrees and saturation and value scaled;
//! 2. the exposure gain (`--exposure`; the file's baseline exposure is in
//!    the camera matrix already);
//! 3. the LookTable, the same way;
//! 4. the tone curve on RGB keeping hue: the largest and smallest channels
//!    (clipped to [0, 1]) go through the curve and the middle one keeps its
//!    place between them, so hue and HSV saturation stay as they were.
//!
//! Values above 1 keep their headroom through the tables (value scales are
//! not clipped; the lookup clamps its position to [0, 1]) for the tone map
//! after; only the tone curve clips, as it is the display rendering.
//! [`super::color`] then takes ProPhoto to the output's primaries.
//!
//! Which tables apply is the look's choice ([`tables`]): every look gets
//! the HueSatMap, the colorimetric part; the `camera` look
//! (`DevelopParams::profile_look`) also the LookTable and the tone curve,
//! and no tone map of wisp's.

use std::sync::Arc;

use bytemuck::{Pod, Zeroable};

use super::color::shift_gains;
use super::common::{mat3_mul, padded_row, srgb_encode};
use super::lut3d::texture;
use super::{bytes_of, Development, Op, Pixel, Pointwise, Wgsl};
use crate::colorimetry::{self, Mat3};
use crate::error::Error;
use crate::gpu::Gpu;
use crate::profile::{CameraProfile, HsvMap, ToneCurve};

pub const WGSL: Wgsl = Wgsl {
    name: "profile",
    source: include_str!("../../shaders/ops/profile.wgsl"),
    params: Some("ProfileParams"),
};

/// Bits of `PROFILE_TABLES`: the tables applied.
pub const HUE_SAT: u32 = 1;
pub const LOOK: u32 = 2;
pub const TONE: u32 = 4;
/// More bits of it, the kinds of table (fixed when the kernel is compiled,
/// so that a CPU rasteriser runs no more than a table needs): more than one
/// value division, for the HueSatMap and the LookTable ...
const HUE_SAT_PLANES: u32 = 8;
const LOOK_PLANES: u32 = 16;
/// ... and an sRGB-encoded value axis.
const HUE_SAT_SRGB: u32 = 32;
const LOOK_SRGB: u32 = 64;

#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable)]
pub struct ProfileUniform {
    pub m0: [f32; 4],
    pub m1: [f32; 4],
    pub m2: [f32; 4],
    pub gain: [f32; 4],
    pub hue_sat: [u32; 4],
    pub look: [u32; 4],
}

fn dims(map: Option<&HsvMap>) -> [u32; 4] {
    map.map_or([1, 2, 1, 0], |m| {
        [m.hues as u32, m.sats as u32, m.vals as u32, 0]
    })
}

/// The op: the uniform block, which tables it applies, and the profile.
pub struct ProfileOp {
    pub uniform: ProfileUniform,
    pub tables: u32,
    pub profile: Arc<CameraProfile>,
    /// The tone curve sampled ([`ToneCurve::table`]), where it has one.
    pub tone_table: Option<Vec<f32>>,
}

impl ProfileOp {
    /// Camera RGB -> ProPhoto by `cam_to_prophoto`, then `profile`'s
    /// `tables` (bits [`HUE_SAT`], [`LOOK`], [`TONE`]) with `exposure_ev`
    /// between the HueSatMap and the LookTable.
    pub fn new(
        cam_to_prophoto: &Mat3,
        exposure_ev: f32,
        profile: Arc<CameraProfile>,
        tables: u32,
    ) -> Self {
        ProfileOp {
            uniform: ProfileUniform {
                m0: padded_row(cam_to_prophoto[0]),
                m1: padded_row(cam_to_prophoto[1]),
                m2: padded_row(cam_to_prophoto[2]),
                gain: [exposure_ev.exp2(), 0.0, 0.0, 0.0],
                hue_sat: dims(profile.hue_sat.as_ref()),
                look: dims(profile.look.as_ref()),
            },
            tables,
            tone_table: profile.tone.as_ref().map(ToneCurve::table),
            profile,
        }
    }
}

impl Op for ProfileOp {
    fn wgsl(&self) -> &'static Wgsl {
        &WGSL
    }

    fn uniform(&self) -> Vec<u8> {
        bytes_of(&self.uniform)
    }

    fn constants(&self) -> Vec<(&'static str, f64)> {
        let kind = |map: &Option<HsvMap>, planes: u32, srgb: u32| {
            map.as_ref().map_or(0, |m| {
                (if m.vals > 1 { planes } else { 0 }) | (if m.srgb_values { srgb } else { 0 })
            })
        };
        let kinds = kind(&self.profile.hue_sat, HUE_SAT_PLANES, HUE_SAT_SRGB)
            | kind(&self.profile.look, LOOK_PLANES, LOOK_SRGB);
        vec![("PROFILE_TABLES", (self.tables | kinds) as f64)]
    }
}

/// CPU twin of `profile_rgb_to_hsv`: hue in [0, 6).
pub fn rgb_to_hsv(c: [f32; 3]) -> [f32; 3] {
    let hi = c[0].max(c[1]).max(c[2]);
    let lo = c[0].min(c[1]).min(c[2]);
    let d = (hi - lo).max(1e-30);
    let mut h = if c[0] == hi {
        (c[1] - c[2]) / d
    } else if c[1] == hi {
        2.0 + (c[2] - c[0]) / d
    } else {
        4.0 + (c[0] - c[1]) / d
    };
    if h < 0.0 {
        h += 6.0;
    }
    if hi - lo <= 0.0 {
        h = 0.0;
    }
    let s = if hi <= 0.0 { 0.0 } else { (hi - lo) / hi };
    [h, s, hi]
}

/// CPU twin of `profile_hsv_to_rgb`.
pub fn hsv_to_rgb([h, s, v]: [f32; 3]) -> [f32; 3] {
    [5.0, 3.0, 1.0].map(|n: f32| {
        let k = (n + h) % 6.0;
        v - v * s * k.min(4.0 - k).clamp(0.0, 1.0)
    })
}

fn lerp3(a: [f32; 3], b: [f32; 3], t: f32) -> [f32; 3] {
    [0, 1, 2].map(|c| a[c] + (b[c] - a[c]) * t)
}

/// CPU twin of `profile_lookup`.
pub fn lookup(map: &HsvMap, hsv: [f32; 3]) -> [f32; 3] {
    let hf = hsv[0] * map.hues as f32 / 6.0;
    let h_base = hf.floor();
    let fh = hf - h_base;
    let h0 = (h_base as usize) % map.hues;
    let h1 = (h0 + 1) % map.hues;
    let sats = (map.sats - 1) as f32;
    let sf = hsv[1].clamp(0.0, 1.0) * sats;
    let s_base = sf.floor().min(sats - 1.0);
    let fs = sf - s_base;
    let s0 = s_base as usize;
    let plane = |v: usize| {
        lerp3(
            lerp3(map.at(h0, s0, v), map.at(h0, s0 + 1, v), fs),
            lerp3(map.at(h1, s0, v), map.at(h1, s0 + 1, v), fs),
            fh,
        )
    };
    if map.vals == 1 {
        return plane(0);
    }
    let mut v = hsv[2].clamp(0.0, 1.0);
    if map.srgb_values {
        v = srgb_encode(v);
    }
    let vals = (map.vals - 1) as f32;
    let vf = v * vals;
    let v_base = vf.floor().min(vals - 1.0);
    let fv = vf - v_base;
    let v0 = v_base as usize;
    lerp3(plane(v0), plane(v0 + 1), fv)
}

/// CPU twin of `profile_map`.
pub fn map(table: &HsvMap, c: [f32; 3]) -> [f32; 3] {
    let hsv = rgb_to_hsv(c);
    if hsv[2] <= 0.0 {
        return c;
    }
    let e = lookup(table, hsv);
    let mut h = hsv[0] + e[0] / 60.0;
    h -= 6.0 * (h / 6.0).floor();
    let s = (hsv[1] * e[1]).min(hsv[1].max(1.0));
    hsv_to_rgb([h, s, hsv[2] * e[2]])
}

/// CPU twin of `profile_curve`, over the curve's table.
pub fn curve(table: &[f32], x: f32) -> f32 {
    let n = (table.len() - 1) as f32;
    let u = x.clamp(0.0, 1.0) * n;
    let base = u.floor().min(n - 1.0);
    let i = base as usize;
    table[i] + (table[i + 1] - table[i]) * (u - base)
}

/// CPU twin of `profile_tone`.
pub fn tone(table: &[f32], c: [f32; 3]) -> [f32; 3] {
    let x = c.map(|v| v.clamp(0.0, 1.0));
    let hi = x[0].max(x[1]).max(x[2]);
    let lo = x[0].min(x[1]).min(x[2]);
    let (t_hi, t_lo) = (curve(table, hi), curve(table, lo));
    x.map(|v| t_lo + (t_hi - t_lo) * (v - lo) / (hi - lo).max(1e-30))
}

impl Pointwise for ProfileOp {
    fn apply(&self, c: [f32; 3], _: Pixel) -> [f32; 3] {
        let u = &self.uniform;
        let row = |r: [f32; 4]| [r[0], r[1], r[2]];
        let mut rgb = mat3_mul(&[row(u.m0), row(u.m1), row(u.m2)], c);
        if let (true, Some(t)) = (self.tables & HUE_SAT != 0, &self.profile.hue_sat) {
            rgb = map(t, rgb);
        }
        rgb = rgb.map(|v| v * u.gain[0]);
        if let (true, Some(t)) = (self.tables & LOOK != 0, &self.profile.look) {
            rgb = map(t, rgb);
        }
        if let (true, Some(t)) = (self.tables & TONE != 0, &self.tone_table) {
            rgb = tone(t, rgb);
        }
        rgb
    }

    fn textures(&self, gpu: &Gpu) -> Result<Vec<(&'static str, wgpu::Texture)>, Error> {
        let (device, queue) = (&gpu.device, &gpu.queue);
        let table = |label: &str, map: Option<&HsvMap>| {
            let identity = HsvMap {
                hues: 1,
                sats: 2,
                vals: 1,
                srgb_values: false,
                data: vec![[0.0, 1.0, 1.0]; 2],
            };
            let map = map.unwrap_or(&identity);
            let texels: Vec<[f32; 4]> = map.data.iter().map(|e| [e[0], e[1], e[2], 0.0]).collect();
            let size = wgpu::Extent3d {
                width: map.sats as u32,
                height: map.hues as u32,
                depth_or_array_layers: map.vals as u32,
            };
            texture(
                device,
                queue,
                label,
                wgpu::TextureDimension::D3,
                size,
                &texels,
            )
        };
        let curve = self.tone_table.as_deref().unwrap_or(&[0.0; 2]);
        let texels: Vec<[f32; 4]> = curve.iter().map(|&v| [v, 0.0, 0.0, 0.0]).collect();
        let size = wgpu::Extent3d {
            width: texels.len() as u32,
            height: 1,
            depth_or_array_layers: 1,
        };
        Ok(vec![
            (
                "profile_hue_sat_tex",
                table("profile hue/sat map", self.profile.hue_sat.as_ref()),
            ),
            (
                "profile_look_tex",
                table("profile look table", self.profile.look.as_ref()),
            ),
            (
                "profile_tone_tex",
                texture(
                    device,
                    queue,
                    "profile tone curve",
                    wgpu::TextureDimension::D2,
                    size,
                    &texels,
                ),
            ),
        ])
    }
}

/// The tables a development applies of its profile: the HueSatMap with
/// every look; the LookTable and tone curve only with the `camera` look
/// (`profile_look`). 0 without a profile: the op is left out.
pub fn tables(d: &Development) -> u32 {
    let Some(p) = d.profile else { return 0 };
    let bit = |present: bool, bit: u32| if present { bit } else { 0 };
    bit(p.hue_sat.is_some(), HUE_SAT)
        | bit(d.params.profile_look && p.look.is_some(), LOOK)
        | bit(d.params.profile_look && p.tone.is_some(), TONE)
}

/// White-balanced camera RGB -> linear ProPhoto, the white balance shift
/// (gains on camera RGB) folded in.
pub fn cam_to_prophoto(d: &Development) -> Mat3 {
    let gains = shift_gains(d.params.white_balance_shift);
    let cam = d.cam_to_srgb.map(|row| [0, 1, 2].map(|c| row[c] * gains[c]));
    colorimetry::mul(&colorimetry::srgb_to_prophoto(), &cam)
}

/// Left out without a table to apply.
pub fn step(d: &Development) -> Option<Box<dyn Pointwise>> {
    let tables = tables(d);
    let profile = d.profile.filter(|_| tables != 0)?;
    Some(Box::new(ProfileOp::new(
        &cam_to_prophoto(d),
        d.params.exposure,
        profile.clone(),
        tables,
    )))
}
