//! Vignette, a pointwise op: radial falloff in linear light, centred on
//! the full output image (`shaders/ops/vignette.wgsl`).
//!
//! `d` is the distance from the centre, 1 at the corners; roundness 0
//! follows the frame (an ellipse through the corners), 1 is a circle. The
//! gain eases (smoothstep) from 1 at `midpoint` to `2^amount` at
//! `midpoint + feather * (1 - midpoint)`; with feather 1 the corners get
//! exactly `amount` EV.

use bytemuck::{Pod, Zeroable};

use super::{Development, Pixel, Pointwise, Wgsl};
use crate::params::Vignette;

pub const WGSL: Wgsl = Wgsl {
    name: "vignette",
    source: include_str!("../../shaders/ops/vignette.wgsl"),
    params: Some("VignetteParams"),
};

#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable)]
pub struct VignetteUniform {
    pub amount: f32,
    pub midpoint: f32,
    pub feather: f32,
    pub roundness: f32,
}

impl VignetteUniform {
    pub fn new(v: &Vignette) -> Self {
        VignetteUniform {
            amount: v.amount,
            midpoint: v.midpoint,
            feather: v.feather,
            roundness: v.roundness,
        }
    }

    /// CPU twin of `vignette_gain` for global pixel (x, y).
    pub fn gain(&self, x: u32, y: u32, full_size: [u32; 2]) -> f32 {
        let size = [full_size[0] as f32, full_size[1] as f32];
        let longest = size[0].max(size[1]);
        let mut pos = [0.0f32; 2];
        let mut s = [0.0f32; 2];
        for (i, &p) in [x, y].iter().enumerate() {
            pos[i] = (p as f32 + 0.5) / size[i] * 2.0 - 1.0;
            s[i] = 1.0 + (size[i] / longest - 1.0) * self.roundness;
        }
        let d = (pos[0] * s[0]).hypot(pos[1] * s[1]) / s[0].hypot(s[1]);
        let t = ((d - self.midpoint) / (self.feather * (1.0 - self.midpoint)).max(1e-4))
            .clamp(0.0, 1.0);
        let w = t * t * (3.0 - 2.0 * t);
        (self.amount * w).exp2()
    }
}

uniform_op!(VignetteUniform, WGSL);

impl Pointwise for VignetteUniform {
    fn apply(&self, c: [f32; 3], px: Pixel) -> [f32; 3] {
        let g = self.gain(px.xy[0], px.xy[1], px.full_size);
        c.map(|v| v * g)
    }
}

/// Left out when it changes nothing (no amount).
pub fn step(d: &Development) -> Option<Box<dyn Pointwise>> {
    let v = &d.params.vignette;
    (v.amount != 0.0).then(|| Box::new(VignetteUniform::new(v)) as Box<dyn Pointwise>)
}
