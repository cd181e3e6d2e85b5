//! The front door of the library: develop a decoded file on the GPU, or on
//! the CPU twin when asked or when no adapter exists.

use crate::error::{Error, GpuError};
use crate::frame::{Pixels, Rendered, Source};
use crate::gpu::Gpu;
use crate::params::DevelopParams;
use crate::pipeline::{Fusion, GpuPipeline};

pub enum Engine {
    Gpu(Box<GpuPipeline>),
    Cpu,
}

impl Engine {
    /// A GPU engine on the default (or `WGPU_ADAPTER_NAME`) adapter.
    pub fn gpu() -> Result<Engine, GpuError> {
        Ok(Self::on(Gpu::new()?))
    }

    /// An engine on an opened device (e.g. one of [`Gpu::all`]).
    pub fn on(gpu: Gpu) -> Engine {
        Engine::Gpu(Box::new(GpuPipeline::new(gpu)))
    }

    /// Whether this engine runs on a GPU (lavapipe included).
    pub fn is_gpu(&self) -> bool {
        matches!(self, Engine::Gpu(_))
    }

    /// Describes where the work runs, for logs.
    pub fn describe(&self) -> String {
        match self {
            Engine::Gpu(p) => {
                let info = &p.gpu().info;
                format!("GPU: {} ({:?})", info.name, info.backend)
            }
            Engine::Cpu => format!("CPU: {} threads", rayon::current_num_threads()),
        }
    }

    /// Get ready to develop with `params` (on a GPU: compile its kernel),
    /// so that the first file does not wait for it.
    pub fn prepare(&self, params: &DevelopParams) {
        if let Engine::Gpu(p) = self {
            p.prepare(params);
        }
    }

    /// Develop `source` and turn it upright.
    /// Its camera profile is resolved from `params.profile` here.
    pub fn develop(&self, source: &Source, params: &DevelopParams) -> Result<Rendered, Error> {
        let params = &*source.profiled(params)?;
        let rendered = match self {
            Engine::Gpu(p) => p.develop(&source.photo, params, Fusion::Fused)?,
            Engine::Cpu => crate::cpu::develop(&source.photo, params)?,
        };
        Ok(rendered.oriented(source.orientation))
    }

    /// Hand back the memory of an image that has been written out, for a
    /// later [`Engine::develop`] to reuse (see `pool`).
    pub fn recycle(&self, image: Rendered) {
        if let (Engine::Gpu(p), Pixels::Eight(bytes)) = (self, image.pixels) {
            p.recycle(bytes);
        }
    }
}
