//! Development parameters: plain data with defaults, validated at the boundary.

use std::str::FromStr;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::lut::Lut;
use crate::ops::{gbtf, mhc, Stencil};
use crate::profile::CameraProfile;
pub use crate::profile::ProfileChoice;

/// Tone mapping operator (see [`crate::ops::tone`] for what each does).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ToneOp {
    /// Clip to [0, 1].
    None,
    Aces,
    #[default]
    Agx,
    Filmic,
    Reinhard,
}

impl ToneOp {
    pub const ALL: [ToneOp; 5] = [
        ToneOp::None,
        ToneOp::Aces,
        ToneOp::Agx,
        ToneOp::Filmic,
        ToneOp::Reinhard,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ToneOp::None => "none",
            ToneOp::Aces => "aces",
            ToneOp::Agx => "agx",
            ToneOp::Filmic => "filmic",
            ToneOp::Reinhard => "reinhard",
        }
    }
}

impl FromStr for ToneOp {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|t| t.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| format!("unknown tone map `{s}` (none, aces, agx, filmic, reinhard)"))
    }
}

/// The demosaic: which stencil op makes the scene from the mosaic.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Demosaic {
    /// Gradient-based threshold-free (see [`crate::ops::gbtf`]): the best
    /// quality, four passes (the last fused into the block kernel).
    #[default]
    Gbtf,
    /// Malvar-He-Cutler (see [`crate::ops::mhc`]): one pass, fused into
    /// the block kernel, the fastest.
    Fast,
}

impl Demosaic {
    pub const ALL: [Demosaic; 2] = [Demosaic::Gbtf, Demosaic::Fast];

    pub fn name(self) -> &'static str {
        match self {
            Demosaic::Gbtf => "gbtf",
            Demosaic::Fast => "fast",
        }
    }

    /// Its stencil op.
    pub fn op(self) -> &'static dyn Stencil {
        match self {
            Demosaic::Gbtf => &gbtf::Gbtf,
            Demosaic::Fast => &mhc::Mhc,
        }
    }
}

impl FromStr for Demosaic {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if s.eq_ignore_ascii_case("mhc") {
            return Ok(Demosaic::Fast);
        }
        Self::ALL
            .into_iter()
            .find(|d| d.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                let names: Vec<_> = Self::ALL.iter().map(|d| d.name()).collect();
                format!("unknown demosaic `{s}` ({})", names.join(", "))
            })
    }
}

/// Noise reduction (see [`crate::ops::denoise`]).
#[derive(Clone, Copy, Debug, PartialEq, Default, Serialize, Deserialize)]
#[serde(try_from = "DenoiseSetting", into = "DenoiseSetting")]
pub enum Denoise {
    /// As much as the frame's noise model asks for; nothing where the
    /// model says the frame is clean.
    #[default]
    Auto,
    Off,
    /// The model's thresholds times this, on every frame; 0 is off.
    Strength(f32),
}

impl Denoise {
    /// The strongest strength accepted.
    pub const MAX: f32 = 4.0;

    /// The thresholds' multiplier for a frame with noise `model`; `None`
    /// where nothing is to be done.
    pub fn strength(self, model: &crate::noise::NoiseModel) -> Option<f32> {
        match self {
            Denoise::Auto if !model.negligible() => Some(model.auto_strength()),
            Denoise::Strength(s) if s > 0.0 => Some(s),
            _ => None,
        }
    }

    /// What it does to a frame with noise `model` at `quality`, as
    /// `--verbose` notes it.
    pub fn describe(self, quality: DenoiseQuality, model: &crate::noise::NoiseModel) -> String {
        match self.strength(model) {
            Some(s) => format!("noise reduction: strength {s:.2}, {} quality", quality.name()),
            None if self == Denoise::Auto => {
                "noise reduction: none (auto: the noise is negligible, or may be the image's texture)"
                    .into()
            }
            None => "noise reduction: off".into(),
        }
    }

    pub fn name(self) -> String {
        match self {
            Denoise::Auto => "auto".into(),
            Denoise::Off => "off".into(),
            Denoise::Strength(s) => format!("{s}"),
        }
    }
}

impl FromStr for Denoise {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || {
            format!(
                "unknown denoise `{s}` (auto, off, or a strength from 0 to {})",
                Denoise::MAX
            )
        };
        match s.to_ascii_lowercase().as_str() {
            "auto" => Ok(Denoise::Auto),
            "off" => Ok(Denoise::Off),
            number => {
                let v: f32 = number.parse().map_err(|_| bad())?;
                Denoise::try_from(DenoiseSetting::Strength(v)).map_err(|_| bad())
            }
        }
    }
}

/// How a denoise setting is written in presets and sidecars: `"auto"`,
/// `"off"` or a strength.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(untagged)]
pub enum DenoiseSetting {
    Strength(f32),
    Name(String),
}

impl TryFrom<DenoiseSetting> for Denoise {
    type Error = String;
    fn try_from(s: DenoiseSetting) -> Result<Self, String> {
        match s {
            DenoiseSetting::Strength(v) if (0.0..=Denoise::MAX).contains(&v) => {
                Ok(Denoise::Strength(v))
            }
            DenoiseSetting::Strength(v) => Err(format!(
                "denoise strength {v} is not within 0..{}",
                Denoise::MAX
            )),
            DenoiseSetting::Name(n) => n.parse(),
        }
    }
}

impl From<Denoise> for DenoiseSetting {
    fn from(d: Denoise) -> Self {
        match d {
            Denoise::Strength(v) => DenoiseSetting::Strength(v),
            other => DenoiseSetting::Name(other.name()),
        }
    }
}

/// How thoroughly noise is reduced (see [`crate::ops::denoise`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DenoiseQuality {
    /// One pass over the mosaic's 2x2 cells.
    #[default]
    Standard,
    /// Cycle spinning: a second pass over the cells one photosite
    /// diagonally on, the two averaged. Cleaner (0.3-0.5 dB at ISO 3200),
    /// the noise reduction taking twice the time.
    High,
}

impl DenoiseQuality {
    pub const ALL: [DenoiseQuality; 2] = [DenoiseQuality::Standard, DenoiseQuality::High];

    pub fn name(self) -> &'static str {
        match self {
            DenoiseQuality::Standard => "standard",
            DenoiseQuality::High => "high",
        }
    }
}

impl FromStr for DenoiseQuality {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|q| q.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| format!("unknown denoise quality `{s}` (standard, high)"))
    }
}

/// Radial falloff, in linear light (see [`crate::ops::vignette`]).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Vignette {
    /// EV at the corners; negative darkens, 0 disables.
    pub amount: f32,
    /// Normalised radius (0 centre, 1 corner) where the falloff starts.
    pub midpoint: f32,
    /// Width of the transition, as a fraction of midpoint..corner (0, 1].
    pub feather: f32,
    /// 0 follows the frame's aspect, 1 is a circle.
    pub roundness: f32,
}

impl Default for Vignette {
    fn default() -> Self {
        Vignette {
            amount: 0.0,
            midpoint: 0.5,
            feather: 1.0,
            roundness: 0.0,
        }
    }
}

/// The output colour space: its primaries; both use the sRGB transfer curve.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum ColorSpace {
    #[default]
    Srgb,
    /// Wider primaries (DCI-P3 with a D65 white), what phones shoot and show.
    DisplayP3,
}

impl FromStr for ColorSpace {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "srgb" => Ok(ColorSpace::Srgb),
            "display-p3" | "p3" => Ok(ColorSpace::DisplayP3),
            _ => Err(format!("unknown colour space `{s}` (srgb, display-p3)")),
        }
    }
}

/// Output bit depth.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Bits {
    #[default]
    Eight,
    Sixteen,
}

impl Bits {
    pub fn max_value(self) -> f32 {
        match self {
            Bits::Eight => 255.0,
            Bits::Sixteen => 65535.0,
        }
    }
}

/// Everything a development needs. The defaults are wisp's standard
/// rendering: AgX tone map, no grading, no vignette, dithered 8-bit.
#[derive(Clone, Debug, PartialEq)]
pub struct DevelopParams {
    /// Exposure compensation in EV, applied in scene-linear light.
    pub exposure: f32,
    pub tone: ToneOp,
    /// Reinhard's white point: scene luminance mapped to display white.
    pub reinhard_white: f32,
    /// LUT applied to sRGB-encoded display values.
    pub lut: Option<Arc<Lut>>,
    pub vignette: Vignette,
    pub bits: Bits,
    /// Triangular dither of +-1 code value before quantising.
    pub dither: bool,
    /// Downscale so the long edge is at most this many pixels.
    pub max_size: Option<u32>,
    /// Primaries of the output.
    pub colorspace: ColorSpace,
    /// White balance fine-tuning on top of the as-shot one, in EV:
    /// temperature (+ warmer: red up, blue down) and tint (+ magenta: green down).
    pub white_balance_shift: [f32; 2],
    pub demosaic: Demosaic,
    pub denoise: Denoise,
    pub denoise_quality: DenoiseQuality,
    /// Which camera profile develops a raw photo (`--profile`).
    pub profile: ProfileChoice,
    /// What `profile` resolves to for the photo being developed: filled
    /// from the photo by [`crate::Engine::develop`] (see
    /// [`crate::frame::Source::profiled`]); `None` develops with the
    /// file's matrix alone.
    pub camera_profile: Option<Arc<CameraProfile>>,
    /// Render the profile's LookTable and tone curve too (the `camera`
    /// look); otherwise only its HueSatMap applies.
    pub profile_look: bool,
}

impl Default for DevelopParams {
    fn default() -> Self {
        DevelopParams {
            exposure: 0.0,
            tone: ToneOp::default(),
            reinhard_white: 4.0,
            lut: None,
            vignette: Vignette::default(),
            bits: Bits::default(),
            dither: true,
            max_size: None,
            colorspace: ColorSpace::Srgb,
            white_balance_shift: [0.0; 2],
            demosaic: Demosaic::default(),
            denoise: Denoise::default(),
            denoise_quality: DenoiseQuality::default(),
            profile: ProfileChoice::default(),
            camera_profile: None,
            profile_look: false,
        }
    }
}

impl DevelopParams {
    /// These parameters with their camera profile resolved
    /// ([`ProfileChoice::resolve`]) for a photo whose colour is `colour`
    /// (`None`: a developed image), unless already set. A malformed
    /// embedded profile, or a `.dcp` that cannot develop the photo, is an
    /// error naming the file.
    pub fn profiled(
        &self,
        colour: Option<&crate::profile::RawColour>,
    ) -> Result<std::borrow::Cow<'_, DevelopParams>, Error> {
        use std::borrow::Cow;
        if self.camera_profile.is_some() {
            return Ok(Cow::Borrowed(self));
        }
        Ok(
            match self.profile.resolve(colour).map_err(Error::Profile)? {
                None => Cow::Borrowed(self),
                some => Cow::Owned(DevelopParams {
                    camera_profile: some,
                    ..self.clone()
                }),
            },
        )
    }

    /// The neutral development used to measure accuracy: white balance,
    /// colour matrix and the sRGB curve only.
    pub fn neutral() -> Self {
        DevelopParams {
            tone: ToneOp::None,
            ..Self::default()
        }
    }

    pub fn validate(&self) -> Result<(), Error> {
        let v = &self.vignette;
        let check = |ok: bool, what: &str| {
            if ok {
                Ok(())
            } else {
                Err(Error::Param(what.to_string()))
            }
        };
        check(
            self.exposure.is_finite() && self.exposure.abs() <= 20.0,
            "exposure must be within -20..20 EV",
        )?;
        check(
            self.reinhard_white > 0.0 && self.reinhard_white <= 1e4,
            "the Reinhard white point must be a finite number in (0, 10000]",
        )?;
        check(
            v.amount.is_finite() && v.amount.abs() <= 10.0,
            "vignette amount must be within -10..10 EV",
        )?;
        check(
            (0.0..1.0).contains(&v.midpoint),
            "vignette midpoint must be in [0, 1)",
        )?;
        check(
            v.feather > 0.0 && v.feather <= 1.0,
            "vignette feather must be in (0, 1]",
        )?;
        check(
            (0.0..=1.0).contains(&v.roundness),
            "vignette roundness must be in [0, 1]",
        )?;
        check(
            self.max_size != Some(0),
            "the maximum size must be at least 1 pixel",
        )
    }
}
