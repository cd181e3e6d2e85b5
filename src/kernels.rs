//! Compute pipelines, built on first use and kept: one per shader entry
//! point and set of pipeline constants. A batch or a preview session
//! compiles only the kernels it runs, and a kernel specialised for one
//! development (see `pointwise::Specialisation`) is compiled once.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::gpu::Gpu;

/// Shader, entry point, and the constants' names and values (as bits, so
/// the key can be hashed).
type Key = (&'static str, &'static str, Vec<(&'static str, u64)>);

#[derive(Default)]
pub struct Kernels {
    built: Mutex<HashMap<Key, wgpu::ComputePipeline>>,
}

impl Kernels {
    pub fn get(
        &self,
        gpu: &Gpu,
        shader: &'static str,
        entry: &'static str,
        constants: &[(&'static str, f64)],
    ) -> wgpu::ComputePipeline {
        let key = (
            shader,
            entry,
            constants.iter().map(|&(n, v)| (n, v.to_bits())).collect(),
        );
        let mut built = self.built.lock().expect("kernel cache lock");
        built
            .entry(key)
            .or_insert_with(|| gpu.compute_pipeline(shader, entry, constants))
            .clone()
    }
}
