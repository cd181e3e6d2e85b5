//! Stage a: black level, white level and white balance on the raw mosaic
//! (`shaders/linearize.wgsl`).
//!
//! Per 2x2 cell: `min((raw - black) * gain / (white - black), 1)`. The white
//! balance gains are normalised so the smallest is 1; a photosite at
//! saturation then reaches 1.0 in all three channels after white balance and
//! the clip keeps blown highlights neutral (no magenta skies). Photosites at
//! or above the white level are set to exactly 1.0.

use bytemuck::{Pod, Zeroable};
use rayon::prelude::*;

use crate::frame::RawFrame;

#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable)]
pub struct LinearizeUniform {
    pub black: [f32; 4],
    pub scale: [f32; 4],
    pub white: f32,
    pub _pad: [f32; 3],
}

impl LinearizeUniform {
    pub fn new(frame: &RawFrame) -> Self {
        let min_gain = frame.wb.iter().cloned().fold(f32::INFINITY, f32::min);
        let colors = frame.cfa.colors();
        let mut scale = [0.0; 4];
        for (i, s) in scale.iter_mut().enumerate() {
            let range = (frame.white - frame.black[i]).max(1.0);
            *s = frame.wb[colors[i] as usize] / min_gain / range;
        }
        LinearizeUniform {
            black: frame.black,
            scale,
            white: frame.white,
            _pad: [0.0; 3],
        }
    }

    pub fn apply(&self, raw: u16, x: usize, y: usize) -> f32 {
        let cell = (x & 1) + 2 * (y & 1);
        let v = raw as f32;
        if v >= self.white {
            1.0
        } else {
            ((v - self.black[cell]) * self.scale[cell]).min(1.0)
        }
    }
}

/// CPU twin: the linearised mosaic, row-major.
pub fn cpu(frame: &RawFrame) -> Vec<f32> {
    let u = LinearizeUniform::new(frame);
    let mut out = vec![0.0f32; frame.width * frame.height];
    out.par_chunks_mut(frame.width)
        .enumerate()
        .for_each(|(y, row)| {
            let src = &frame.mosaic[y * frame.width..][..frame.width];
            for (x, (o, &v)) in row.iter_mut().zip(src).enumerate() {
                *o = u.apply(v, x, y);
            }
        });
    out
}
