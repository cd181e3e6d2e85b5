//! The CPU twin of the whole pipeline: the same stage math in Rust, rows in
//! parallel with rayon. The reference for the GPU tests, and the fallback
//! when no GPU adapter exists.

use rayon::prelude::*;

use crate::colorimetry::IDENTITY;
use crate::error::Error;
use crate::frame::{Photo, Pixels, Rendered};
use crate::params::{Bits, DevelopParams};
use crate::pointwise::DevelopUniform;
use crate::stages::{demosaic, linearize, resize};

/// Develop a photo on the CPU; orientation is left to the caller.
pub fn develop(photo: &Photo, params: &DevelopParams) -> Result<Rendered, Error> {
    params.validate()?;
    let demosaiced;
    let (scene, matrix) = match photo {
        Photo::Raw(frame) => {
            let mosaic = linearize::cpu(frame);
            demosaiced = demosaic::cpu(&mosaic, frame.width, frame.height, frame.cfa);
            (&demosaiced, frame.cam_to_srgb)
        }
        Photo::Developed(image) => (image, IDENTITY),
    };
    let resized;
    let scene = match params
        .max_size
        .and_then(|m| resize::fit(scene.width, scene.height, m))
    {
        Some((w, h)) => {
            resized = resize::cpu(scene, w, h);
            &resized
        }
        None => scene,
    };
    let (w, h) = (scene.width, scene.height);
    let uniform = DevelopUniform::new(params, &matrix, [0, 0], [w as u32, h as u32]);
    let lut = params.lut.as_deref();
    let mut codes = vec![0u16; w * h * 3];
    codes
        .par_chunks_mut(w * 3)
        .enumerate()
        .for_each(|(y, row)| {
            for (x, out) in row.chunks_exact_mut(3).enumerate() {
                let p = scene.data[y * w + x];
                out.copy_from_slice(&uniform.develop(lut, [p[0], p[1], p[2]], x as u32, y as u32));
            }
        });
    let pixels = match params.bits {
        Bits::Eight => Pixels::Eight(codes.into_iter().map(|v| v as u8).collect()),
        Bits::Sixteen => Pixels::Sixteen(codes),
    };
    Ok(Rendered {
        width: w,
        height: h,
        pixels,
    })
}
