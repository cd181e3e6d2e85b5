//! Compute kernels, built on first use and kept: one per kernel template,
//! entry point, glue (the ops it calls) and set of pipeline constants. A
//! batch or a preview session compiles only the kernels it runs, each once.
//!
//! Every kernel is parsed and reflected with naga when it is built (and
//! handed to wgpu as that naga module, so it is parsed once): its
//! resources are bound by the names of their variables, and only those its
//! entry point uses, so an op adds a texture or a uniform block without
//! anyone numbering bindings by hand.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use naga::valid::{Capabilities, ValidationFlags, Validator};

use crate::gpu::Gpu;
use crate::ops::glue::Glue;

/// A compiled kernel and the binding slots its entry point uses.
pub struct Kernel {
    pub pipeline: wgpu::ComputePipeline,
    reflection: Reflection,
}

/// What a kernel's entry point binds: the slots of the resources it uses,
/// by variable name, and the names of all its module declares.
pub struct Reflection {
    pub used: HashMap<String, u32>,
    pub declared: Vec<String>,
}

/// The WGSL `source` parsed and validated, and what its `entry` binds; an
/// error (with the source's context) where the module is not valid.
pub fn reflect(source: &str, entry: &str) -> Result<(naga::Module, Reflection), String> {
    let module = naga::front::wgsl::parse_str(source).map_err(|e| e.emit_to_string(source))?;
    let info = Validator::new(ValidationFlags::all(), Capabilities::empty())
        .validate(&module)
        .map_err(|e| e.emit_to_string(source))?;
    let index = module
        .entry_points
        .iter()
        .position(|e| e.name == entry)
        .ok_or_else(|| format!("no entry point `{entry}`"))?;
    let uses = info.get_entry_point(index);
    let mut used = HashMap::new();
    let mut declared = Vec::new();
    for (handle, global) in module.global_variables.iter() {
        let (Some(name), Some(binding)) = (&global.name, &global.binding) else {
            continue;
        };
        declared.push(name.clone());
        if !uses[handle].is_empty() {
            used.insert(name.clone(), binding.binding);
        }
    }
    Ok((module, Reflection { used, declared }))
}

impl Kernel {
    fn new(gpu: &Gpu, template: &str, entry: &str, glue: &Glue) -> Kernel {
        let source = crate::shaders::compose(template, glue);
        // The kernels are part of the program: an invalid one is a bug.
        let (module, reflection) = reflect(&source, entry)
            .unwrap_or_else(|e| panic!("kernel {template}/{entry} is not valid WGSL:\n{e}"));
        Kernel {
            pipeline: gpu.compute_pipeline(template, module, entry, &glue.constants),
            reflection,
        }
    }

    /// A bind group of `resources` by variable name. Resources the entry
    /// point does not use are left out; a name the kernel does not declare
    /// is a bug.
    pub fn bind_group(
        &self,
        device: &wgpu::Device,
        resources: &[(&str, wgpu::BindingResource<'_>)],
    ) -> wgpu::BindGroup {
        let entries: Vec<wgpu::BindGroupEntry> = resources
            .iter()
            .filter_map(|(name, resource)| {
                assert!(
                    self.reflection.declared.iter().any(|d| d == name),
                    "the kernel declares no resource `{name}`"
                );
                Some(wgpu::BindGroupEntry {
                    binding: *self.reflection.used.get(*name)?,
                    resource: resource.clone(),
                })
            })
            .collect();
        device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: None,
            layout: &self.pipeline.get_bind_group_layout(0),
            entries: &entries,
        })
    }
}

/// Template, entry point, glue, and the constants' names and values (as
/// bits, so the key can be hashed).
type Key = (&'static str, &'static str, String, Vec<(&'static str, u64)>);

#[derive(Default)]
pub struct Kernels {
    built: Mutex<HashMap<Key, Arc<Kernel>>>,
}

impl Kernels {
    /// Kernel template `template`'s entry point `entry`, running `glue`.
    pub fn get(
        &self,
        gpu: &Gpu,
        template: &'static str,
        entry: &'static str,
        glue: &Glue,
    ) -> Arc<Kernel> {
        let constants = glue.constants.iter().map(|&(n, v)| (n, v.to_bits()));
        let key = (template, entry, glue.text.clone(), constants.collect());
        let mut built = self.built.lock().expect("kernel cache lock");
        built
            .entry(key)
            .or_insert_with(|| Arc::new(Kernel::new(gpu, template, entry, glue)))
            .clone()
    }
}
