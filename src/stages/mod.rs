//! The pipeline's stages. Each module owns its uniform block (laid out like
//! the WGSL struct of the same name), its CPU twin and its documentation.

pub mod color;
pub mod common;
pub mod demosaic;
pub mod encode;
pub mod linearize;
pub mod lut3d;
pub mod resize;
pub mod tone;
pub mod vignette;
