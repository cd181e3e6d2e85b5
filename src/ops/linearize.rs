//! Linearize, the first photosite op: black level, white level and white
//! balance on the raw mosaic (`shaders/ops/linearize.wgsl`).
//!
//! Per 2x2 cell: `min((raw - black) * gain / (white - black), 1)`. The white
//! balance gains are normalised so the smallest is 1; a photosite at
//! saturation then reaches 1.0 in all three channels after white balance and
//! the clip keeps blown highlights neutral (no magenta skies). Photosites at
//! or above the white level are set to exactly 1.0.

use bytemuck::{Pod, Zeroable};

use super::{Photosite, Site, Wgsl};
use crate::frame::RawFrame;

pub const WGSL: Wgsl = Wgsl {
    name: "linearize",
    source: include_str!("../../shaders/ops/linearize.wgsl"),
    params: Some("LinearizeParams"),
};

#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable)]
pub struct LinearizeUniform {
    /// By cell, counted from the origin the block was built for.
    pub black: [f32; 4],
    pub scale: [f32; 4],
    pub white: f32,
    pub _pad: [f32; 3],
}

impl LinearizeUniform {
    /// For `frame`, with cell 0 at `origin` (a frame position): a kernel
    /// that starts its cells elsewhere than the frame's (0, 0) knows each
    /// photosite's cell when it is compiled.
    pub fn new(frame: &RawFrame, origin: [usize; 2]) -> Self {
        let min_gain = frame.wb.iter().cloned().fold(f32::INFINITY, f32::min);
        let colors = frame.cfa.colors();
        let mut black = [0.0; 4];
        let mut scale = [0.0; 4];
        for cell in 0..4 {
            let at = ((cell & 1) + origin[0]) % 2 + 2 * (((cell >> 1) + origin[1]) % 2);
            let range = (frame.white - frame.black[at]).max(1.0);
            black[cell] = frame.black[at];
            scale[cell] = frame.wb[colors[at] as usize] / min_gain / range;
        }
        LinearizeUniform {
            black,
            scale,
            white: frame.white,
            _pad: [0.0; 3],
        }
    }
}

uniform_op!(LinearizeUniform, WGSL);

impl Photosite for LinearizeUniform {
    fn apply(&self, v: f32, site: Site) -> f32 {
        let cell = site.cell as usize;
        if v >= self.white {
            1.0
        } else {
            ((v - self.black[cell]) * self.scale[cell]).min(1.0)
        }
    }
}

/// Every frame is linearised.
pub fn step(frame: &RawFrame, origin: [usize; 2]) -> Option<Box<dyn Photosite>> {
    Some(Box::new(LinearizeUniform::new(frame, origin)))
}
