//! The headless GPU context, and small helpers every pass uses.

use crate::error::{Error, GpuError};
use crate::kernels::Kernel;

/// A wgpu device and queue for compute work.
pub struct Gpu {
    pub device: wgpu::Device,
    pub queue: wgpu::Queue,
    pub info: wgpu::AdapterInfo,
    pub adapter: wgpu::Adapter,
    /// The device is the CPU (a software rasteriser such as lavapipe): its
    /// buffers are host memory, so the kernels' storage buffers are mapped
    /// and filled or read in place rather than through staging copies.
    pub maps_storage: bool,
}

/// A wgpu instance for work without a window: no display, and no probe
/// for one (below).
fn headless_instance() -> wgpu::Instance {
    no_display_probe_without_a_session();
    wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env())
}

/// Mesa's implicit Vulkan layer VK_LAYER_MESA_device_select looks for a
/// Wayland display when an instance starts, to put the GPU driving it
/// first; without a session (no `XDG_RUNTIME_DIR`: ssh, cron, a batch job,
/// a test run) libwayland prints `error: XDG_RUNTIME_DIR is invalid or not
/// set in the environment.`, twice per instance, and there is no display
/// to find. Headless work picks its adapter itself (`WGPU_ADAPTER_NAME`,
/// [`Gpu::all`]), so there the layer is turned off (`NODEVICE_SELECT=1`,
/// the switch in its manifest), unless the user asked it for a device
/// (`MESA_VK_DEVICE_SELECT`, `DRI_PRIME`) or set the switch. A window's
/// instance ([`Gpu::for_surface`]) does not come here: it has a display.
///
/// Set once for the whole process, before its first headless instance.
/// Setting the environment races only with C code reading it on another
/// thread at that moment (Rust's own reads take a lock). Its readers here
/// are Vulkan loaders starting an instance, and every headless one waits
/// for this [`Once`](std::sync::Once). The one other instance, the preview
/// window's, is started first, and the window's thread is the one that
/// later exports through a headless instance, waiting meanwhile.
fn no_display_probe_without_a_session() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let unset = |var: &str| std::env::var_os(var).is_none();
        if [
            "XDG_RUNTIME_DIR",
            "NODEVICE_SELECT",
            "MESA_VK_DEVICE_SELECT",
            "DRI_PRIME",
        ]
        .into_iter()
        .all(unset)
        {
            std::env::set_var("NODEVICE_SELECT", "1");
        }
    });
}

impl Gpu {
    /// Open a headless device. Honours `WGPU_BACKEND` (e.g. `vulkan`),
    /// `WGPU_ADAPTER_NAME` (a substring of the adapter's name) and
    /// `WGPU_POWER_PREF`.
    pub fn new() -> Result<Gpu, GpuError> {
        pollster::block_on(Self::new_async())
    }

    /// One device per GPU (for `--gpus all`); see [`distinct_devices`].
    pub fn all() -> Result<Vec<Gpu>, GpuError> {
        pollster::block_on(async {
            let instance = headless_instance();
            let adapters = instance.enumerate_adapters(wgpu::Backends::all()).await;
            let infos: Vec<_> = adapters.iter().map(|a| a.get_info()).collect();
            let keep = distinct_devices(&infos);
            let mut gpus = Vec::new();
            for (i, adapter) in adapters.into_iter().enumerate() {
                if keep.contains(&i) {
                    gpus.push(Self::open(adapter).await?);
                }
            }
            if gpus.is_empty() {
                return Err(GpuError::NoAdapter {
                    reason: "no adapters".into(),
                });
            }
            Ok(gpus)
        })
    }

    async fn new_async() -> Result<Gpu, GpuError> {
        let instance = headless_instance();
        let adapter = match std::env::var("WGPU_ADAPTER_NAME") {
            Ok(wanted) => {
                let wanted = wanted.to_lowercase();
                let adapters = instance.enumerate_adapters(wgpu::Backends::all()).await;
                let names: Vec<String> = adapters.iter().map(|a| a.get_info().name).collect();
                adapters
                    .into_iter()
                    .find(|a| a.get_info().name.to_lowercase().contains(&wanted))
                    .ok_or_else(|| GpuError::NoAdapter {
                        reason: format!(
                            "WGPU_ADAPTER_NAME={wanted} matches none of: {}",
                            if names.is_empty() {
                                "no adapters".to_string()
                            } else {
                                names.join(", ")
                            }
                        ),
                    })?
            }
            Err(_) => instance
                .request_adapter(&wgpu::RequestAdapterOptions {
                    power_preference: wgpu::PowerPreference::from_env()
                        .unwrap_or(wgpu::PowerPreference::HighPerformance),
                    ..Default::default()
                })
                .await
                .map_err(|e| GpuError::NoAdapter {
                    reason: e.to_string(),
                })?,
        };
        Self::open(adapter).await
    }

    /// A device that can present to `surface` (a window), from `instance`.
    pub fn for_surface(
        instance: &wgpu::Instance,
        surface: &wgpu::Surface<'_>,
    ) -> Result<Gpu, GpuError> {
        pollster::block_on(async {
            let adapter = instance
                .request_adapter(&wgpu::RequestAdapterOptions {
                    power_preference: wgpu::PowerPreference::from_env()
                        .unwrap_or(wgpu::PowerPreference::HighPerformance),
                    compatible_surface: Some(surface),
                    ..Default::default()
                })
                .await
                .map_err(|e| GpuError::NoAdapter {
                    reason: e.to_string(),
                })?;
            Self::open(adapter).await
        })
    }

    async fn open(adapter: wgpu::Adapter) -> Result<Gpu, GpuError> {
        let info = adapter.get_info();
        // The defaults cap textures at 8192 px a side and storage buffers at
        // 128 MiB; raws are often larger.
        let supported = adapter.limits();
        let limits = wgpu::Limits {
            max_texture_dimension_2d: supported.max_texture_dimension_2d,
            max_texture_dimension_3d: supported.max_texture_dimension_3d,
            max_buffer_size: supported.max_buffer_size,
            max_storage_buffer_binding_size: supported.max_storage_buffer_binding_size,
            ..wgpu::Limits::default()
        };
        // Not for integrated GPUs: memory the GPU writes may be uncached for
        // the CPU, and reading a frame from it slower than a copy.
        let mappable = wgpu::Features::MAPPABLE_PRIMARY_BUFFERS;
        let maps_storage =
            info.device_type == wgpu::DeviceType::Cpu && adapter.features().contains(mappable);
        // Timestamps inside encoders time the preview's frames on the GPU.
        let mut features = adapter.features() & Self::TIMER_FEATURES;
        if maps_storage {
            features |= mappable;
        }
        let (device, queue) = adapter
            .request_device(&wgpu::DeviceDescriptor {
                label: Some("wisp"),
                required_features: features,
                required_limits: limits,
                experimental_features: wgpu::ExperimentalFeatures::disabled(),
                memory_hints: wgpu::MemoryHints::Performance,
                trace: wgpu::Trace::Off,
            })
            .await
            .map_err(|e| GpuError::Device {
                adapter: info.name.clone(),
                reason: e.to_string(),
            })?;
        Ok(Gpu {
            device,
            queue,
            info,
            adapter,
            maps_storage,
        })
    }

    /// What timing GPU work needs; optional.
    pub const TIMER_FEATURES: wgpu::Features =
        wgpu::Features::TIMESTAMP_QUERY.union(wgpu::Features::TIMESTAMP_QUERY_INSIDE_ENCODERS);

    /// Largest image side this device can hold in one texture.
    pub fn max_side(&self) -> u32 {
        self.device.limits().max_texture_dimension_2d
    }

    pub fn check_size(&self, width: usize, height: usize) -> Result<(), GpuError> {
        let limit = self.max_side();
        if width as u64 > limit as u64 || height as u64 > limit as u64 {
            return Err(GpuError::TooLarge {
                width: width as u32,
                height: height as u32,
                limit,
            });
        }
        Ok(())
    }

    /// A pipeline for `entry` of `module` (parsed from WGSL), with the
    /// module's `override` constants named in `constants` fixed.
    pub fn compute_pipeline(
        &self,
        label: &str,
        module: naga::Module,
        entry: &str,
        constants: &[(&str, f64)],
    ) -> wgpu::ComputePipeline {
        let module = self
            .device
            .create_shader_module(wgpu::ShaderModuleDescriptor {
                label: Some(label),
                source: wgpu::ShaderSource::Naga(std::borrow::Cow::Owned(module)),
            });
        self.device
            .create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some(entry),
                layout: None,
                module: &module,
                entry_point: Some(entry),
                compilation_options: wgpu::PipelineCompilationOptions {
                    constants,
                    ..Default::default()
                },
                cache: None,
            })
    }

    pub fn uniform<T: bytemuck::Pod>(&self, value: &T) -> wgpu::Buffer {
        self.uniform_bytes(bytemuck::bytes_of(value))
    }

    /// A uniform buffer holding `bytes`.
    pub fn uniform_bytes(&self, bytes: &[u8]) -> wgpu::Buffer {
        use wgpu::util::DeviceExt;
        self.device
            .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some("uniforms"),
                contents: bytes,
                usage: wgpu::BufferUsages::UNIFORM,
            })
    }

    /// Run `f`, turning any wgpu validation or out-of-memory error it causes
    /// into an error value instead of a panic.
    pub fn scoped<T>(&self, f: impl FnOnce() -> Result<T, Error>) -> Result<T, Error> {
        let oom = self.device.push_error_scope(wgpu::ErrorFilter::OutOfMemory);
        let validation = self.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let result = f();
        let first = pollster::block_on(validation.pop());
        let second = pollster::block_on(oom.pop());
        match first.or(second) {
            Some(e) => Err(GpuError::Failed(e.to_string()).into()),
            None => result,
        }
    }

    /// A 2D image texture: a shader input, a copy source and target, and
    /// (for formats that allow it) a storage output.
    pub fn texture(
        &self,
        label: &str,
        width: usize,
        height: usize,
        format: wgpu::TextureFormat,
    ) -> wgpu::Texture {
        let storage = if format == wgpu::TextureFormat::R16Uint {
            wgpu::TextureUsages::empty()
        } else {
            wgpu::TextureUsages::STORAGE_BINDING
        };
        self.device.create_texture(&wgpu::TextureDescriptor {
            label: Some(label),
            size: wgpu::Extent3d {
                width: width as u32,
                height: height as u32,
                depth_or_array_layers: 1,
            },
            mip_level_count: 1,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D2,
            format,
            usage: wgpu::TextureUsages::TEXTURE_BINDING
                | storage
                | wgpu::TextureUsages::COPY_SRC
                | wgpu::TextureUsages::COPY_DST,
            view_formats: &[],
        })
    }

    /// Wait until the submission `index` has run.
    pub fn wait(&self, index: wgpu::SubmissionIndex) -> Result<(), GpuError> {
        self.device
            .poll(wgpu::PollType::Wait {
                submission_index: Some(index),
                timeout: None,
            })
            .map(|_| ())
            .map_err(|e| GpuError::Failed(e.to_string()))
    }

    /// Map `slice` and wait until it is mapped. `after` is the submission
    /// that last used the buffer; `None` for an idle one (new, or from a
    /// pool), which maps without waiting on the device. Only that
    /// submission is waited for, not whatever other threads have submitted
    /// since: a batch uploads and reads back one frame while the device
    /// develops another.
    pub fn map(
        &self,
        slice: &wgpu::BufferSlice,
        mode: wgpu::MapMode,
        after: Option<wgpu::SubmissionIndex>,
    ) -> Result<(), GpuError> {
        let fail = |e: String| match mode {
            wgpu::MapMode::Read => GpuError::Readback(e),
            wgpu::MapMode::Write => GpuError::Failed(e),
        };
        let (tx, rx) = std::sync::mpsc::channel();
        slice.map_async(mode, move |r| {
            let _ = tx.send(r);
        });
        let poll = |how| self.device.poll(how).map_err(|e| fail(e.to_string()));
        let mapped = match after {
            Some(index) => {
                poll(wgpu::PollType::Wait {
                    submission_index: Some(index),
                    timeout: None,
                })?;
                rx.recv().ok()
            }
            None => {
                poll(wgpu::PollType::Poll)?;
                // An idle buffer maps on that poll. Should its callback be
                // late (another thread's poll running it), waiting for the
                // device is always enough.
                match rx.try_recv() {
                    Ok(result) => Some(result),
                    Err(_) => {
                        poll(wgpu::PollType::wait_indefinitely())?;
                        rx.recv().ok()
                    }
                }
            }
        };
        mapped
            .ok_or_else(|| fail("the mapping was cancelled".into()))?
            .map_err(|e| fail(e.to_string()))
    }

    /// Record one dispatch of `kernel` over a `width` x `height` image
    /// (8x8 workgroups), binding resources by name.
    pub fn dispatch(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        kernel: &Kernel,
        resources: &[(&str, wgpu::BindingResource<'_>)],
        width: usize,
        height: usize,
    ) {
        let groups = [(width as u32).div_ceil(8), (height as u32).div_ceil(8)];
        self.dispatch_groups(encoder, kernel, resources, groups);
    }

    /// Record one dispatch of `groups` workgroups (x, y).
    pub fn dispatch_groups(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        kernel: &Kernel,
        resources: &[(&str, wgpu::BindingResource<'_>)],
        [x, y]: [u32; 2],
    ) {
        let bind_group = kernel.bind_group(&self.device, resources);
        let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor::default());
        pass.set_pipeline(&kernel.pipeline);
        pass.set_bind_group(0, &bind_group, &[]);
        pass.dispatch_workgroups(x, y, 1);
    }
}

/// Which of `adapters` to open for `--gpus all`. The same GPU shows up once
/// per API that reaches it (Vulkan and GL, say), so only the adapters of
/// one backend are kept: the first of Vulkan, Metal, DX12 and GL that has
/// any. A software rasteriser is left out when a hardware adapter exists:
/// it would take the CPU from decoding and encoding.
pub fn distinct_devices(adapters: &[wgpu::AdapterInfo]) -> Vec<usize> {
    use wgpu::Backend;
    let Some(backend) = [Backend::Vulkan, Backend::Metal, Backend::Dx12, Backend::Gl]
        .into_iter()
        .find(|b| adapters.iter().any(|a| a.backend == *b))
    else {
        return Vec::new();
    };
    let software = |a: &wgpu::AdapterInfo| a.device_type == wgpu::DeviceType::Cpu;
    let of_backend = |a: &&wgpu::AdapterInfo| a.backend == backend;
    let hardware = adapters.iter().filter(of_backend).any(|a| !software(a));
    (0..adapters.len())
        .filter(|&i| of_backend(&&adapters[i]) && !(hardware && software(&adapters[i])))
        .collect()
}

pub fn view(texture: &wgpu::Texture) -> wgpu::TextureView {
    texture.create_view(&wgpu::TextureViewDescriptor::default())
}

#[cfg(test)]
mod tests {
    use super::distinct_devices;
    use wgpu::{AdapterInfo, Backend, DeviceType};

    fn adapter(name: &str, device_type: DeviceType, backend: Backend) -> AdapterInfo {
        AdapterInfo {
            name: name.into(),
            ..AdapterInfo::new(device_type, backend)
        }
    }

    #[test]
    fn every_gpu_once_and_software_only_alone() {
        use {Backend::*, DeviceType::*};
        let lavapipe_vk = adapter("llvmpipe", Cpu, Vulkan);
        let lavapipe_gl = adapter("llvmpipe", Cpu, Gl);
        let gpu_a = adapter("GPU A", DiscreteGpu, Vulkan);
        let gpu_b = adapter("GPU B", DiscreteGpu, Vulkan);
        let gpu_a_gl = adapter("GPU A/PCIe/SSE2", DiscreteGpu, Gl);
        // Two GPUs, each also seen through GL, and lavapipe: the two GPUs.
        let all = [
            lavapipe_gl.clone(),
            gpu_a.clone(),
            gpu_a_gl.clone(),
            lavapipe_vk.clone(),
            gpu_b,
        ];
        assert_eq!(distinct_devices(&all), vec![1, 4]);
        // lavapipe alone, through two APIs: once.
        assert_eq!(
            distinct_devices(&[lavapipe_gl.clone(), lavapipe_vk]),
            vec![1]
        );
        // Only GL: what GL offers, hardware first.
        assert_eq!(distinct_devices(&[lavapipe_gl, gpu_a_gl]), vec![1]);
        assert!(distinct_devices(&[]).is_empty());
    }
}
