//! Gain maps, a photosite op after linearize (`shaders/ops/gainmap.wgsl`):
//! the lens shading correction a DNG carries as GainMap opcodes in its
//! OpcodeList2 (DNG 1.4, "GainMap"; parsed by [`crate::io::opcodes`]).
//! Android's DngCreator writes four, one per CFA position (row and column
//! pitch 2), with a grid of about 17 x 13 points over the image.
//!
//! A map multiplies the photosites of its area at its pitch by a gain
//! interpolated bilinearly on its grid: a photosite at row r of an image
//! of height H sits at (r + 0.5) / H, the grid's point i at
//! origin + i * spacing, clamped at the grid's edges. As in the
//! specification's reference, the product is clipped at 1.
//!
//! Each photosite's gain is interpolated once per frame, when the file is
//! read ([`GainMaps::new`]); the op multiplies by it. Interpolating in the
//! kernels instead put the grid lookup into every photosite load of the
//! block kernel, and lavapipe took 90 s to compile it.

use rayon::prelude::*;

use bytemuck::{Pod, Zeroable};

use super::{Op, Photosite, Site, Wgsl};
use crate::frame::RawFrame;
use crate::gpu::Gpu;

pub const WGSL: Wgsl = Wgsl {
    name: "gainmap",
    source: include_str!("../../shaders/ops/gainmap.wgsl"),
    params: Some("GainmapParams"),
};

/// One GainMap opcode.
#[derive(Clone, Debug, PartialEq)]
pub struct GainMap {
    /// Top, left, bottom, right, in the image the opcode list refers to.
    pub area: [u32; 4],
    pub plane: u32,
    pub planes: u32,
    /// Row and column pitch.
    pub pitch: [u32; 2],
    /// Grid points down and across.
    pub points: [u32; 2],
    /// Spacing and origin down and across, as fractions of the image.
    pub spacing: [f32; 2],
    pub origin: [f32; 2],
    pub map_planes: u32,
    /// Row by row, point by point, plane by plane.
    pub gains: Vec<f32>,
}

impl GainMap {
    /// Where position `t` (a fraction of the image) falls on the grid
    /// along axis `i` (0 down, 1 across): the lower point, the next one and
    /// the fraction towards it, clamped to the grid.
    fn axis(&self, t: f32, i: usize) -> (u32, u32, f32) {
        let last = (self.points[i] - 1) as f32;
        let f = ((t - self.origin[i]) / self.spacing[i]).clamp(0.0, last);
        let lower = f.floor().min((last - 1.0).max(0.0));
        let next = (lower as u32 + 1).min(self.points[i] - 1);
        (lower as u32, next, f - lower)
    }

    /// Grid point (r, c) of map plane `p`.
    fn at(&self, r: u32, c: u32, p: u32) -> f32 {
        self.gains[((r * self.points[1] + c) * self.map_planes + p) as usize]
    }

    /// Multiply `gains`, the photosites of image row `row` from image
    /// column `first` on, by this map where it covers them; `across` holds
    /// the grid position of each of those columns.
    fn apply_row(
        &self,
        row: u32,
        height: u32,
        first: u32,
        across: &[(u32, u32, f32)],
        (plane, gains): (u32, &mut [f32]),
    ) {
        let [top, left, bottom, right] = self.area;
        // The image planes it applies to; a map with fewer planes than
        // those gives the rest its last one (DNG 1.6, GainMap).
        if !(self.plane..self.plane + self.planes).contains(&plane)
            || !(top..bottom).contains(&row)
            || !(row - top).is_multiple_of(self.pitch[0])
        {
            return;
        }
        let p = (plane - self.plane).min(self.map_planes - 1);
        let (r0, r1, fr) = self.axis((row as f32 + 0.5) / height as f32, 0);
        let start = left.max(first);
        // The first column at the map's pitch from its left edge.
        let start = start + (self.pitch[1] - (start - left) % self.pitch[1]) % self.pitch[1];
        let end = right.min(first + gains.len() as u32);
        for col in (start..end).step_by(self.pitch[1] as usize) {
            let (c0, c1, fc) = across[(col - first) as usize];
            let upper = self.at(r0, c0, p) + (self.at(r0, c1, p) - self.at(r0, c0, p)) * fc;
            let lower = self.at(r1, c0, p) + (self.at(r1, c1, p) - self.at(r1, c0, p)) * fc;
            gains[(col - first) as usize] *= upper + (lower - upper) * fr;
        }
    }
}

/// A frame's gain: every photosite's, from the maps that cover it.
#[derive(Clone, Debug, PartialEq)]
pub struct GainMaps {
    pub maps: Vec<GainMap>,
    /// The frame's width.
    pub width: usize,
    /// Row by row, the gain of each of the frame's photosites.
    pub gains: Vec<f32>,
}

impl GainMaps {
    /// The gains of image plane `plane` (0 for a mosaic; 0, 1 or 2 for a
    /// linear raw) of a `width` x `height` frame whose pixel (0, 0) lies at
    /// `offset` in the maps' image of `size` (width, height).
    pub fn new(
        maps: Vec<GainMap>,
        (width, height): (usize, usize),
        offset: [u32; 2],
        size: [u32; 2],
        plane: u32,
    ) -> Self {
        // Each map's grid position of each of the frame's columns, once.
        let across: Vec<Vec<(u32, u32, f32)>> = maps
            .iter()
            .map(|m| {
                (0..width as u32)
                    .map(|x| m.axis(((x + offset[0]) as f32 + 0.5) / size[0] as f32, 1))
                    .collect()
            })
            .collect();
        let mut gains = vec![1.0f32; width * height];
        gains
            .par_chunks_mut(width.max(1))
            .enumerate()
            .for_each(|(y, row)| {
                for (m, across) in maps.iter().zip(&across) {
                    let row = (plane, &mut *row);
                    m.apply_row(y as u32 + offset[1], size[1], offset[0], across, row);
                }
            });
        GainMaps { maps, width, gains }
    }
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable)]
struct GainmapUniform {
    width: u32,
    _pad: [u32; 3],
}

/// The op: a frame's gains.
pub struct GainmapOp {
    maps: std::sync::Arc<GainMaps>,
}

impl Op for GainmapOp {
    fn wgsl(&self) -> &'static Wgsl {
        &WGSL
    }

    fn uniform(&self) -> Vec<u8> {
        super::bytes_of(&GainmapUniform {
            width: self.maps.width as u32,
            _pad: [0; 3],
        })
    }
}

impl Photosite for GainmapOp {
    fn apply(&self, v: f32, site: Site) -> f32 {
        let at = site.xy[1] as usize * self.maps.width + site.xy[0] as usize;
        (v * self.maps.gains[at]).min(1.0)
    }

    fn buffers(&self, gpu: &Gpu) -> Vec<(&'static str, wgpu::Buffer)> {
        use wgpu::util::DeviceExt;
        let buffer = gpu
            .device
            .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some("gains"),
                contents: bytemuck::cast_slice(&self.maps.gains),
                usage: wgpu::BufferUsages::STORAGE,
            });
        vec![("gain_data", buffer)]
    }
}

/// Only for frames with gain maps.
pub fn step(frame: &RawFrame, _origin: [usize; 2]) -> Option<Box<dyn Photosite>> {
    let maps = frame.gain_maps.clone()?;
    Some(Box::new(GainmapOp { maps }))
}
