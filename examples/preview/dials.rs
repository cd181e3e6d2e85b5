//! The dials the panel and the keys turn, and the development they make.

use wisp::params::{Demosaic, Denoise, DenoiseQuality, ToneOp};
use wisp::sidecar::{Settings, VignetteSettings};
use wisp::{looks, DevelopParams};

use crate::args::look_params;

/// The dials, as the panel and the keys turn them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dial {
    Exposure,
    Tone,
    Look,
    Vignette,
    Temperature,
    Tint,
    Denoise,
}

pub(crate) struct Dials {
    pub(crate) look: usize,
    pub(crate) exposure: f32,
    pub(crate) tone: ToneOp,
    pub(crate) vignette: f32,
    pub(crate) temperature: f32,
    pub(crate) tint: f32,
    /// A change re-runs the scene part (the others only the pointwise ops).
    pub(crate) denoise: Denoise,
    /// Likewise.
    pub(crate) denoise_quality: DenoiseQuality,
    /// Kept from the photo's sidecar; no dial turns it.
    pub(crate) demosaic: Option<Demosaic>,
    /// The camera profile, kept from the photo's sidecar likewise.
    pub(crate) profile: Option<String>,
    pub(crate) selected: Dial,
}

/// Where each look's name is in `looks::BUILTIN`, plus `none` at the end.
pub(crate) fn look_names() -> Vec<&'static str> {
    looks::builtin_names().chain(["none"]).collect()
}

impl Dials {
    /// The dials at `settings` (a sidecar's, over the look `look`).
    pub(crate) fn at(look: &str, settings: &Settings) -> Self {
        // The photo's own settings win over the look it was opened with.
        let settings = settings.or(&Settings {
            look: Some(look.to_string()),
            ..Settings::default()
        });
        let p = settings
            .params(&DevelopParams::default())
            .unwrap_or_default();
        Dials {
            look: look_names()
                .iter()
                .position(|n| *n == settings.look())
                .unwrap_or(0),
            exposure: settings.exposure.unwrap_or(0.0),
            tone: p.tone,
            vignette: p.vignette.amount,
            temperature: p.white_balance_shift[0],
            tint: p.white_balance_shift[1],
            denoise: settings.denoise.unwrap_or_default(),
            denoise_quality: settings.denoise_quality.unwrap_or_default(),
            demosaic: settings.demosaic,
            profile: settings.profile.clone(),
            selected: Dial::Exposure,
        }
    }

    /// The settings the dials make, each left out where it is the look's
    /// or the default: what a sidecar keeps.
    pub(crate) fn settings(&self) -> Settings {
        let look = self.params_of_look();
        let set = |v: f32| (v != 0.0).then_some(v);
        let name = look_names()[self.look];
        Settings {
            look: (name != wisp::sidecar::DEFAULT_LOOK).then(|| name.to_string()),
            tone: (self.tone != look.tone).then_some(self.tone),
            exposure: set(self.exposure),
            temperature: set(self.temperature),
            tint: set(self.tint),
            demosaic: self.demosaic,
            denoise: (self.denoise != Denoise::Auto).then_some(self.denoise),
            denoise_quality: (self.denoise_quality != DenoiseQuality::Standard)
                .then_some(self.denoise_quality),
            profile: self.profile.clone(),
            vignette: (self.vignette != look.vignette.amount).then_some(VignetteSettings {
                amount: Some(self.vignette),
                ..VignetteSettings::default()
            }),
        }
    }

    /// The development the dials make: that of their settings, as
    /// `wisp convert` makes it from a sidecar.
    pub(crate) fn params(&self) -> DevelopParams {
        self.settings()
            .params(&DevelopParams::default())
            .unwrap_or_default()
    }

    /// Turn the selected dial by `steps` notches.
    pub(crate) fn turn(&mut self, steps: f32) {
        let cycle =
            |i: usize, n: usize| (i as i64 + steps.signum() as i64).rem_euclid(n as i64) as usize;
        match self.selected {
            Dial::Exposure => self.exposure = (self.exposure + 0.1 * steps).clamp(-5.0, 5.0),
            Dial::Vignette => self.vignette = (self.vignette + 0.1 * steps).clamp(-3.0, 1.0),
            Dial::Temperature => {
                self.temperature = (self.temperature + 0.05 * steps).clamp(-2.0, 2.0)
            }
            Dial::Tint => self.tint = (self.tint + 0.05 * steps).clamp(-2.0, 2.0),
            Dial::Denoise => {
                // From auto, the strength it stands for (1); 0 is off.
                let from = match self.denoise {
                    Denoise::Auto => 1.0,
                    Denoise::Off => 0.0,
                    Denoise::Strength(s) => s,
                };
                self.denoise = Denoise::Strength((from + 0.25 * steps).clamp(0.0, Denoise::MAX));
            }
            Dial::Tone => {
                let i = ToneOp::ALL
                    .iter()
                    .position(|t| *t == self.tone)
                    .unwrap_or(0);
                self.tone = ToneOp::ALL[cycle(i, ToneOp::ALL.len())];
            }
            Dial::Look => {
                self.look = cycle(self.look, look_names().len());
                let p = self.params_of_look();
                self.tone = p.tone;
                self.vignette = p.vignette.amount;
            }
        }
    }

    pub(crate) fn params_of_look(&self) -> DevelopParams {
        look_params(look_names()[self.look]).unwrap_or_default()
    }
}
