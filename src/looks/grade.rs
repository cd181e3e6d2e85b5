//! The colour grade behind the built-in looks: a few documented parameters,
//! baked into a 3D LUT by code (`wisp looks bake`), never copied from a pack.
//!
//! The grade works on display-referred, sRGB-encoded values in [0, 1] (what
//! the LUT stage sees), in this order:
//! 1. In linear light: either a monochrome channel mix (`mono`, weights
//!    normalised to sum 1, every channel then equal), or saturation around
//!    Rec.709 luminance, `saturation + vibrance * (1 - chroma)`, so muted
//!    colours gain more than already vivid ones.
//! 2. Encoded again, per channel: a contrast curve through `pivot`,
//!    `p (x/p)^k` below it and `1 - (1-p) ((1-x)/(1-p))^k` above, slope `k =
//!    contrast` at the pivot, 0 and 1 fixed: a film-like toe and shoulder.
//! 3. `shadows`: `x (1 - s (1 - x)^3)` deepens the low end (negative lifts it).
//! 4. Split toning: `shadow_tint (1 - L)^2 + highlight_tint L^2` added, L the
//!    encoded luma (colour looks only; monochrome stays neutral).

use serde::{Deserialize, Serialize};

use crate::lut::Lut3d;
use crate::ops::common::{dot3, srgb_decode3, srgb_encode3};

const REC709_LUMA: [f32; 3] = [0.2126, 0.7152, 0.0722];

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Grade {
    /// Lattice points per axis of the baked LUT.
    pub size: usize,
    pub contrast: f32,
    pub pivot: f32,
    pub shadows: f32,
    pub saturation: f32,
    pub vibrance: f32,
    pub shadow_tint: [f32; 3],
    pub highlight_tint: [f32; 3],
    /// Monochrome channel mix (R, G, B weights in linear light).
    pub mono: Option<[f32; 3]>,
}

impl Default for Grade {
    fn default() -> Self {
        Grade {
            size: 33,
            contrast: 1.0,
            pivot: 0.45,
            shadows: 0.0,
            saturation: 1.0,
            vibrance: 0.0,
            shadow_tint: [0.0; 3],
            highlight_tint: [0.0; 3],
            mono: None,
        }
    }
}

impl Grade {
    pub fn validate(&self) -> Result<(), String> {
        let ok = |cond: bool, msg: &str| if cond { Ok(()) } else { Err(msg.to_string()) };
        ok(
            (Lut3d::MIN_SIZE..=Lut3d::MAX_SIZE).contains(&self.size),
            "grade.size must be 2..=256",
        )?;
        ok(
            self.contrast > 0.0 && self.contrast <= 4.0,
            "grade.contrast must be in (0, 4]",
        )?;
        ok(
            self.pivot > 0.0 && self.pivot < 1.0,
            "grade.pivot must be in (0, 1)",
        )?;
        ok(
            self.shadows.abs() <= 1.0,
            "grade.shadows must be in [-1, 1]",
        )?;
        ok(
            (0.0..=4.0).contains(&self.saturation),
            "grade.saturation must be in [0, 4]",
        )?;
        ok(
            (-1.0..=2.0).contains(&self.vibrance),
            "grade.vibrance must be in [-1, 2]",
        )?;
        let tints = self.shadow_tint.iter().chain(&self.highlight_tint);
        ok(
            tints.into_iter().all(|t| t.abs() <= 0.25),
            "grade tints must be within +-0.25",
        )?;
        if let Some(w) = self.mono {
            ok(
                w.iter().all(|v| *v >= 0.0) && w.iter().sum::<f32>() > 0.0,
                "grade.mono weights must be >= 0 and not all 0",
            )?;
        }
        Ok(())
    }

    /// The grade of one sRGB-encoded colour.
    pub fn apply(&self, encoded: [f32; 3]) -> [f32; 3] {
        let lin = srgb_decode3(encoded);
        let mixed = match self.mono {
            Some(w) => [dot3(w, lin) / (w[0] + w[1] + w[2]); 3],
            None => {
                let y = dot3(REC709_LUMA, lin);
                let max = lin[0].max(lin[1]).max(lin[2]);
                let min = lin[0].min(lin[1]).min(lin[2]);
                let chroma = if max > 1e-6 { (max - min) / max } else { 0.0 };
                let s = self.saturation + self.vibrance * (1.0 - chroma);
                lin.map(|v| (y + s * (v - y)).max(0.0))
            }
        };
        let (p, k) = (self.pivot, self.contrast);
        let curve = |x: f32| {
            let x = x.clamp(0.0, 1.0);
            let c = if x < p {
                p * (x / p).powf(k)
            } else {
                1.0 - (1.0 - p) * ((1.0 - x) / (1.0 - p)).powf(k)
            };
            c * (1.0 - self.shadows * (1.0 - c).powi(3))
        };
        let graded = srgb_encode3(mixed).map(curve);
        if self.mono.is_some() {
            return graded.map(|v| v.clamp(0.0, 1.0));
        }
        let l = dot3(REC709_LUMA, graded);
        [0, 1, 2].map(|c| {
            (graded[c] + self.shadow_tint[c] * (1.0 - l).powi(2) + self.highlight_tint[c] * l * l)
                .clamp(0.0, 1.0)
        })
    }

    pub fn bake(&self) -> Lut3d {
        Lut3d::from_fn(self.size, |c| self.apply(c))
    }
}
