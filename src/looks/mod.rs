//! Looks: a tone map, an exposure bias, a LUT (from a file, or baked from a
//! [`grade::Grade`]) and a vignette, kept together as a TOML preset that
//! users can read, change and share. The built-in ones live in
//! `assets/looks/`.

pub mod book;
pub mod grade;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::error::LookError;
use crate::lut::{self, Lut, Lut3d};
use crate::ops::common::{srgb_decode3, srgb_encode3};
use crate::ops::{lut3d::LutUniform, tone::Tone};
use crate::params::{DevelopParams, ToneOp, Vignette};
use grade::Grade;

/// The built-in looks, in the order they are listed.
pub const BUILTIN: &[(&str, &str)] = &[
    ("neutral", include_str!("../../assets/looks/neutral.toml")),
    (
        "authentic",
        include_str!("../../assets/looks/authentic.toml"),
    ),
    ("vibrant", include_str!("../../assets/looks/vibrant.toml")),
    ("mono", include_str!("../../assets/looks/mono.toml")),
    ("mono-hc", include_str!("../../assets/looks/mono-hc.toml")),
    ("camera", include_str!("../../assets/looks/camera.toml")),
];

/// A look preset as written in TOML. Every field but `name` may be left out.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Look {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub tone: ToneOp,
    #[serde(default = "default_reinhard_white")]
    pub reinhard_white: f32,
    /// EV added to the user's exposure.
    #[serde(default)]
    pub exposure: f32,
    /// A LUT file (.cube, .3dl, Hald image), relative to the preset.
    #[serde(default)]
    pub lut: Option<PathBuf>,
    #[serde(default)]
    pub vignette: Vignette,
    /// A grade to bake into the LUT (instead of `lut`).
    #[serde(default)]
    pub grade: Option<Grade>,
    /// Render the raw file's camera profile whole: its LookTable and tone
    /// curve too, not only its HueSatMap (the `camera` look).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub profile_look: bool,
}

fn default_reinhard_white() -> f32 {
    DevelopParams::default().reinhard_white
}

impl Default for Look {
    fn default() -> Self {
        Look {
            name: String::new(),
            description: String::new(),
            tone: ToneOp::default(),
            reinhard_white: default_reinhard_white(),
            exposure: 0.0,
            lut: None,
            vignette: Vignette::default(),
            grade: None,
            profile_look: false,
        }
    }
}

/// A look with its LUT loaded or baked, ready to develop with.
#[derive(Clone, Debug)]
pub struct LoadedLook {
    pub look: Look,
    pub lut: Option<Arc<Lut>>,
}

impl LoadedLook {
    /// `base` with this look's settings: tone map, LUT and vignette replace
    /// the base's; the exposure bias adds to it.
    pub fn params(&self, base: &DevelopParams) -> DevelopParams {
        DevelopParams {
            exposure: base.exposure + self.look.exposure,
            tone: self.look.tone,
            reinhard_white: self.look.reinhard_white,
            lut: self.lut.clone(),
            vignette: self.look.vignette,
            profile_look: self.look.profile_look,
            ..base.clone()
        }
    }

    /// The whole look except the vignette (which depends on position) as
    /// one 3D LUT for other tools: input is a neutral development
    /// (`--look none --tone none`, sRGB-encoded), output what this look
    /// renders, tone map included.
    pub fn export(&self, size: usize) -> Lut {
        let params = self.params(&DevelopParams::default());
        let tone = Tone::new(params.tone, params.reinhard_white);
        let lut = params.lut.as_deref();
        let lut_u = LutUniform::new(lut);
        let gain = params.exposure.exp2();
        let cube = Lut3d::from_fn(size, |encoded| {
            let linear = srgb_decode3(encoded).map(|v| v * gain);
            srgb_encode3(lut_u.apply(lut, tone.map(linear)))
        });
        Lut {
            title: Some(format!("wisp look {}", self.look.name)),
            shaper: None,
            cube: Some(cube),
        }
    }
}

pub fn builtin_names() -> impl Iterator<Item = &'static str> {
    BUILTIN.iter().map(|(n, _)| *n)
}

/// A built-in look, parsed (never fails for the shipped presets; a test
/// loads every one).
pub fn builtin(name: &str) -> Option<Result<LoadedLook, LookError>> {
    let (_, text) = BUILTIN.iter().find(|(n, _)| *n == name)?;
    let path = PathBuf::from(format!("assets/looks/{name}.toml"));
    Some(parse(text, &path).and_then(|look| finish(named(look, &path), &path, None)))
}

/// `base` with the look `spec` (see [`load`]) applied; `none` leaves it as
/// it is.
pub fn params(spec: &str, base: &DevelopParams) -> Result<DevelopParams, LookError> {
    Ok(match load(spec)? {
        Some(look) => look.params(base),
        None => base.clone(),
    })
}

/// Resolve `--look`: `none`, a built-in name, a `.toml` preset, or a LUT file.
pub fn load(spec: &str) -> Result<Option<LoadedLook>, LookError> {
    if spec == "none" {
        return Ok(None);
    }
    if let Some(found) = builtin(spec) {
        return found.map(Some);
    }
    let path = Path::new(spec);
    let ext = crate::io::extension(path);
    match ext.as_str() {
        "toml" => {
            let look = named(read_toml(path)?, path);
            finish(look, path, path.parent()).map(Some)
        }
        "cube" | "3dl" | "png" | "tif" | "tiff" => {
            let lut = lut::load(path)?;
            let name = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let look = Look {
                name,
                description: format!("LUT {}", path.display()),
                ..Look::default()
            };
            Ok(Some(LoadedLook {
                look,
                lut: Some(Arc::new(lut)),
            }))
        }
        _ => Err(LookError::Unknown {
            name: spec.to_string(),
            builtins: builtin_names().collect::<Vec<_>>().join(", "),
        }),
    }
}

/// A TOML file of settings (a preset, a sidecar): read as a regular file
/// of at most [`crate::io::limits::PRESET`] bytes, and parsed, each error
/// in one line naming `path`.
pub(crate) fn read_toml<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, LookError> {
    let text = crate::io::read_regular(path, crate::io::limits::PRESET)
        .and_then(|b| String::from_utf8(b).map_err(std::io::Error::other))
        .map_err(|e| LookError::Invalid {
            path: path.to_path_buf(),
            reason: format!("cannot read: {e}"),
        })?;
    parse(&text, path)
}

fn parse<T: serde::de::DeserializeOwned>(text: &str, path: &Path) -> Result<T, LookError> {
    // toml's own message quotes the line over several; one line here.
    toml::from_str(text).map_err(|e| {
        let line = e
            .span()
            .and_then(|s| text.get(..s.start))
            .map(|before| before.matches('\n').count() + 1);
        let message = e.message().lines().collect::<Vec<_>>().join(" ");
        LookError::Invalid {
            path: path.to_path_buf(),
            reason: match line {
                Some(line) => format!("line {line}: {message}"),
                None => message,
            },
        }
    })
}

/// A look without a name takes its file's.
fn named(mut look: Look, path: &Path) -> Look {
    if look.name.is_empty() {
        look.name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
    }
    look
}

/// Validate, and load or bake the LUT. `dir` is where relative LUT paths start.
fn finish(look: Look, path: &Path, dir: Option<&Path>) -> Result<LoadedLook, LookError> {
    let invalid = |reason: String| LookError::Invalid {
        path: path.to_path_buf(),
        reason,
    };
    let check = DevelopParams {
        exposure: look.exposure,
        tone: look.tone,
        reinhard_white: look.reinhard_white,
        vignette: look.vignette,
        ..DevelopParams::default()
    };
    check.validate().map_err(|e| invalid(e.to_string()))?;
    let lut = match (&look.lut, &look.grade) {
        (Some(_), Some(_)) => {
            return Err(invalid("give either `lut` or `[grade]`, not both".into()))
        }
        (Some(file), None) => {
            let file = dir.map(|d| d.join(file)).unwrap_or_else(|| file.clone());
            if !file.exists() {
                return Err(invalid(format!("LUT file {} not found", file.display())));
            }
            // Named with the preset that asked for it.
            Some(Arc::new(
                lut::load(&file).map_err(|e| invalid(format!("lut: {e}")))?,
            ))
        }
        (None, Some(grade)) => {
            grade.validate().map_err(invalid)?;
            Some(Arc::new(Lut::from(grade.bake())))
        }
        (None, None) => None,
    };
    Ok(LoadedLook { look, lut })
}
