//! The CPU twin of the whole journey: the same [`Plan`] as the GPU runs,
//! each op by its twin, rows in parallel with rayon. The reference for the
//! GPU tests, and the fallback when no GPU adapter exists.

use rayon::prelude::*;

use crate::error::Error;
use crate::frame::{LinearImage, Photo, Pixels, Rendered};
use crate::ops::{denoise, resize, warp, Site};
use crate::params::{Bits, DevelopParams};
use crate::plan::{Plan, RawScene, Scene, Tile};

/// Develop a photo on the CPU; orientation is left to the caller.
pub fn develop(photo: &Photo, params: &DevelopParams) -> Result<Rendered, Error> {
    params.validate()?;
    Ok(develop_plan(&Plan::new(photo, params, true)))
}

/// Run `plan` with the ops' CPU twins.
pub fn develop_plan(plan: &Plan) -> Rendered {
    let demosaiced;
    let scene = match &plan.scene {
        Scene::Raw(raw) => {
            let frame = raw.frame;
            let denoised_frame;
            let raw = match raw.denoise_uniform([0, 0]) {
                Some(u) => {
                    let gains = frame.gain_maps.as_deref().map(|m| m.gains.as_slice());
                    let (w, h) = (frame.width, frame.height);
                    let mosaic = denoise::cpu(&photosites(raw), w, h, &u, gains);
                    let codes = mosaic.par_iter().map(|&v| denoise::encode(v)).collect();
                    denoised_frame = denoise::encoded(frame, codes);
                    raw.denoised(&denoised_frame)
                }
                None => *raw,
            };
            let mosaic = photosites(&raw);
            demosaiced = raw
                .demosaic
                .cpu(&mosaic, frame.width, frame.height, frame.cfa);
            &demosaiced
        }
        Scene::Developed(image) => *image,
    };
    let warped;
    let scene = match plan.warp {
        Some(w) => {
            warped = warp::cpu(scene, &w.uniform(scene.width, scene.height));
            &warped
        }
        None => scene,
    };
    let resized;
    let scene: &LinearImage = match plan.resize {
        Some((w, h)) => {
            resized = resize::cpu(scene, w, h);
            &resized
        }
        None => scene,
    };
    let (w, h) = (scene.width, scene.height);
    let tile = Tile::whole(w, h);
    let chain = &plan.pointwise;
    let mut codes = vec![0u16; w * h * 3];
    codes
        .par_chunks_mut(w * 3)
        .enumerate()
        .for_each(|(y, row)| {
            for (x, out) in row.chunks_exact_mut(3).enumerate() {
                let p = scene.data[y * w + x];
                let px = tile.pixel(x as u32, y as u32);
                out.copy_from_slice(&chain.codes([p[0], p[1], p[2]], px));
            }
        });
    let pixels = match chain.bits() {
        Bits::Eight => Pixels::Eight(codes.into_iter().map(|v| v as u8).collect()),
        Bits::Sixteen => Pixels::Sixteen(codes),
    };
    Rendered {
        width: w,
        height: h,
        pixels,
    }
}

/// The photosite ops over a raw frame: its linear mosaic, row-major.
pub fn photosites(raw: &RawScene) -> Vec<f32> {
    let frame = raw.frame;
    let ops = raw.photosites([0, 0]);
    let mut out = vec![0.0f32; frame.width * frame.height];
    out.par_chunks_mut(frame.width)
        .enumerate()
        .for_each(|(y, row)| {
            let src = &frame.mosaic[y * frame.width..][..frame.width];
            for (x, (o, &v)) in row.iter_mut().zip(src).enumerate() {
                let site = Site {
                    xy: [x as u32, y as u32],
                    cell: ((x & 1) + 2 * (y & 1)) as u32,
                };
                *o = ops.iter().fold(v as f32, |v, op| op.apply(v, site));
            }
        });
    out
}
