//! Sidecars: a photo's own develop settings, kept beside it as
//! `PHOTO.EXT.wisp.toml` (as darktable keeps `PHOTO.EXT.xmp`), so that what
//! is tuned in the preview is what `wisp convert` develops.
//!
//! A sidecar holds only what differs from the defaults, in a look preset's
//! keys where there is one:
//!
//! ```toml
//! look = "authentic"   # a built-in look, a .toml preset or a LUT file
//! tone = "aces"        # replaces the look's tone map
//! exposure = 0.3       # EV, added to the look's exposure bias
//! temperature = 0.1    # white balance on top of the as-shot one, EV
//! tint = -0.05
//! demosaic = "fast"
//! denoise = 1.5        # or "auto", "off"
//! denoise_quality = "high"
//! profile = "none"     # or "embedded", or a .dcp file
//! [vignette]           # each key replaces the look's
//! amount = -0.5
//! ```
//!
//! The same [`Settings`] carry the command line's explicit flags, which win
//! over a sidecar ([`Settings::or`]).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use crate::error::{LookError, OutputError};
use crate::looks;
use crate::params::{
    Demosaic, Denoise, DenoiseQuality, DevelopParams, ProfileChoice, ToneOp, Vignette,
};

/// What a sidecar's name adds to its photo's.
pub const SUFFIX: &str = ".wisp.toml";

/// The look of a development that names none.
pub const DEFAULT_LOOK: &str = "neutral";

/// Develop settings, each optional: unset ones come from a lower layer
/// (the command line's defaults, the look).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub look: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tone: Option<ToneOp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exposure: Option<f32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tint: Option<f32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub demosaic: Option<Demosaic>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub denoise: Option<Denoise>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub denoise_quality: Option<DenoiseQuality>,
    /// The camera profile: `embedded`, `none` or a `.dcp` file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// Last: TOML writes tables after plain keys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vignette: Option<VignetteSettings>,
}

/// A vignette's settings, each optional, over the look's vignette.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VignetteSettings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<f32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub midpoint: Option<f32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feather: Option<f32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roundness: Option<f32>,
}

impl VignetteSettings {
    fn or(self, under: Option<Self>) -> Self {
        let under = under.unwrap_or_default();
        VignetteSettings {
            amount: self.amount.or(under.amount),
            midpoint: self.midpoint.or(under.midpoint),
            feather: self.feather.or(under.feather),
            roundness: self.roundness.or(under.roundness),
        }
    }

    fn apply(self, v: Vignette) -> Vignette {
        Vignette {
            amount: self.amount.unwrap_or(v.amount),
            midpoint: self.midpoint.unwrap_or(v.midpoint),
            feather: self.feather.unwrap_or(v.feather),
            roundness: self.roundness.unwrap_or(v.roundness),
        }
    }
}

impl Settings {
    /// These settings over `under`: each one set here wins.
    pub fn or(&self, under: &Settings) -> Settings {
        Settings {
            look: self.look.clone().or_else(|| under.look.clone()),
            tone: self.tone.or(under.tone),
            exposure: self.exposure.or(under.exposure),
            temperature: self.temperature.or(under.temperature),
            tint: self.tint.or(under.tint),
            demosaic: self.demosaic.or(under.demosaic),
            denoise: self.denoise.or(under.denoise),
            denoise_quality: self.denoise_quality.or(under.denoise_quality),
            profile: self.profile.clone().or_else(|| under.profile.clone()),
            vignette: match self.vignette {
                Some(v) => Some(v.or(under.vignette)),
                None => under.vignette,
            },
        }
    }

    /// The development: `base` (for `wisp convert`, its output settings:
    /// bits, size, colour space) with these settings over it, the look's
    /// applied to them.
    pub fn params(&self, base: &DevelopParams) -> Result<DevelopParams, LookError> {
        let under_look = DevelopParams {
            exposure: self.exposure.unwrap_or(base.exposure),
            white_balance_shift: [
                self.temperature.unwrap_or(base.white_balance_shift[0]),
                self.tint.unwrap_or(base.white_balance_shift[1]),
            ],
            demosaic: self.demosaic.unwrap_or(base.demosaic),
            denoise: self.denoise.unwrap_or(base.denoise),
            denoise_quality: self.denoise_quality.unwrap_or(base.denoise_quality),
            profile: match &self.profile {
                Some(spec) => ProfileChoice::parse(spec).map_err(LookError::Profile)?,
                None => base.profile.clone(),
            },
            ..base.clone()
        };
        let mut params = looks::params(self.look(), &under_look)?;
        if let Some(tone) = self.tone {
            params.tone = tone;
        }
        if let Some(vignette) = self.vignette {
            params.vignette = vignette.apply(params.vignette);
        }
        Ok(params)
    }

    pub fn look(&self) -> &str {
        self.look.as_deref().unwrap_or(DEFAULT_LOOK)
    }

    /// As a sidecar's text.
    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("settings are plain TOML values")
    }
}

/// The sidecar of `photo`: `PHOTO.EXT.wisp.toml` beside it.
pub fn path_of(photo: &Path) -> PathBuf {
    let mut name = photo.as_os_str().to_owned();
    name.push(SUFFIX);
    PathBuf::from(name)
}

/// The sidecar of `photo` and its settings, `None` where it has none. A
/// sidecar that cannot be read (not a regular file, over 1 MB, not UTF-8)
/// or parsed is an error naming it.
pub fn read(photo: &Path) -> Result<Option<(PathBuf, Settings)>, LookError> {
    let path = path_of(photo);
    // A dangling link is a sidecar that cannot be read, not a missing one.
    if std::fs::symlink_metadata(&path).is_err() {
        return Ok(None);
    }
    let settings = looks::read_toml(&path)?;
    Ok(Some((path, settings)))
}

/// How `wisp convert` treats sidecars.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Sidecars {
    /// Each photo's sidecar, where it has one, under the command line's flags.
    #[default]
    Apply,
    Ignore,
}

impl std::str::FromStr for Sidecars {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "apply" => Ok(Sidecars::Apply),
            "ignore" => Ok(Sidecars::Ignore),
            _ => Err(format!("unknown sidecar mode `{s}` (apply, ignore)")),
        }
    }
}

/// The developments of a batch: each photo's settings are the command
/// line's `flags` over its sidecar (unless ignored) over the defaults, on
/// `base` (the output settings: bits, size, colour space). Each distinct
/// set of settings is made into parameters once, so a look's LUT is baked
/// and uploaded once per batch.
pub struct Resolver {
    pub flags: Settings,
    pub sidecars: Sidecars,
    pub base: DevelopParams,
    known: Mutex<Vec<(Settings, Arc<DevelopParams>)>>,
}

/// A photo's development and the sidecar it came from.
pub struct Resolved {
    pub params: Arc<DevelopParams>,
    pub sidecar: Option<PathBuf>,
}

impl Resolver {
    pub fn new(flags: Settings, sidecars: Sidecars, base: DevelopParams) -> Self {
        Resolver {
            flags,
            sidecars,
            base,
            known: Mutex::new(Vec::new()),
        }
    }

    /// Every photo developed with `params`, sidecars ignored.
    pub fn fixed(params: DevelopParams) -> Self {
        let flags = Settings {
            look: Some("none".into()),
            ..Settings::default()
        };
        Resolver::new(flags, Sidecars::Ignore, params)
    }

    /// The development of `photo`. A sidecar that cannot be read, or whose
    /// settings are not valid (an unknown look, an exposure out of range),
    /// is an error naming it.
    pub fn resolve(&self, photo: &Path) -> Result<Resolved, String> {
        let own = match self.sidecars {
            Sidecars::Apply => read(photo).map_err(|e| e.to_string())?,
            Sidecars::Ignore => None,
        };
        let (settings, sidecar) = match own {
            Some((path, own)) => (self.flags.or(&own), Some(path)),
            None => (self.flags.clone(), None),
        };
        let params = self.made(&settings).map_err(|e| match &sidecar {
            Some(path) => format!("{}: {e}", path.display()),
            None => e,
        })?;
        Ok(Resolved { params, sidecar })
    }

    /// The development of a photo without a sidecar.
    pub fn defaults(&self) -> Result<Arc<DevelopParams>, String> {
        self.made(&self.flags)
    }

    fn made(&self, settings: &Settings) -> Result<Arc<DevelopParams>, String> {
        let mut known = self.known.lock().expect("settings lock");
        if let Some((_, params)) = known.iter().find(|(s, _)| s == settings) {
            return Ok(Arc::clone(params));
        }
        let params = settings.params(&self.base).map_err(|e| e.to_string())?;
        params.validate().map_err(|e| e.to_string())?;
        let params = Arc::new(params);
        known.push((settings.clone(), Arc::clone(&params)));
        Ok(params)
    }
}

/// Write `settings` as the sidecar of `photo`, atomically; returns its path.
pub fn write(photo: &Path, settings: &Settings) -> Result<PathBuf, OutputError> {
    let path = path_of(photo);
    crate::io::output::write_text(&path, &settings.to_toml())?;
    Ok(path)
}
