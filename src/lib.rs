//! wisp develops camera raw photos on the GPU.
//!
//! A raw file is decoded on the CPU ([`io::load`]), uploaded, and developed
//! on the GPU ([`pipeline`]) by the ops its [`plan`] lists: linearize and
//! white balance, noise reduction, demosaic, colour matrix and exposure, tone map, 3D LUT,
//! vignette, encode ([`ops`]). Every op has a CPU twin with the same math,
//! and [`cpu`] runs the same plan with them.
//!
//! ```no_run
//! use wisp::{io, DevelopParams, Engine};
//! let engine = Engine::gpu().unwrap_or(Engine::Cpu);
//! let source = io::load("photo.dng".as_ref())?;
//! let image = engine.develop(&source, &DevelopParams::default())?;
//! let meta = io::output::Metadata::for_source(&source, Default::default());
//! io::output::write(&image, "photo.jpg".as_ref(), io::output::Format::Jpeg, Default::default(), &meta)?;
//! # Ok::<(), wisp::Error>(())
//! ```

pub mod batch;
pub mod bench;
pub mod block;
pub mod colorimetry;
pub mod cpu;
pub mod develop;
pub mod error;
pub mod frame;
pub mod gpu;
pub mod histogram;
pub mod illuminants;
pub mod io;
pub mod kernels;
pub mod looks;
pub mod lut;
pub mod noise;
pub mod ops;
pub mod params;
pub mod pipeline;
pub mod plan;
pub mod pool;
pub mod preview;
pub mod profile;
pub mod readback;
pub mod shaders;
pub mod sidecar;
pub mod timer;

pub use develop::Engine;
pub use error::Error;
pub use frame::{CfaPattern, LinearImage, Orientation, Photo, Pixels, RawFrame, Rendered, Source};
pub use params::{Bits, Demosaic, Denoise, DenoiseQuality, DevelopParams, ToneOp, Vignette};
