//! The dials the panel and the keys turn, and the development they make.

use wisp::params::ToneOp;
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
}

pub(crate) struct Dials {
    pub(crate) look: usize,
    pub(crate) exposure: f32,
    pub(crate) tone: ToneOp,
    pub(crate) vignette: f32,
    pub(crate) temperature: f32,
    pub(crate) tint: f32,
    pub(crate) selected: Dial,
}

/// Where each look's name is in `looks::BUILTIN`, plus `none` at the end.
pub(crate) fn look_names() -> Vec<&'static str> {
    looks::builtin_names().chain(["none"]).collect()
}

impl Dials {
    pub(crate) fn params(&self) -> DevelopParams {
        let mut p = look_params(look_names()[self.look]).unwrap_or_default();
        p.exposure += self.exposure;
        p.tone = self.tone;
        p.vignette.amount = self.vignette;
        p.white_balance_shift = [self.temperature, self.tint];
        p
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
