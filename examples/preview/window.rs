//! The window: its wgpu surface and egui, the frames rendered for the
//! current view, and the events that drive them.

use std::sync::Arc;
use std::time::Instant;

use wisp::frame::Source;
use wisp::gpu::Gpu;
use wisp::histogram::Histogram;
use wisp::pipeline::{Display, GpuPipeline};
use wisp::preview::{Preview, View};
use wisp::DevelopParams;

use crate::args::{look_params, Args};
use crate::dials::Dials;
use crate::headless::{sweep, timing_line};

pub(crate) struct Gfx {
    pub(crate) instance: wgpu::Instance,
    pub(crate) window: Arc<winit::window::Window>,
    pub(crate) surface: wgpu::Surface<'static>,
    pub(crate) config: wgpu::SurfaceConfiguration,
    pub(crate) egui: egui_winit::State,
    pub(crate) renderer: egui_wgpu::Renderer,
}

pub(crate) struct App {
    pub(crate) args: Args,
    pub(crate) pipeline: Option<&'static GpuPipeline>,
    pub(crate) gfx: Option<Gfx>,
    pub(crate) photo: Result<(Source, Preview<'static>), String>,
    pub(crate) dials: Dials,
    pub(crate) zoom_actual: bool,
    pub(crate) center: (f32, f32),
    pub(crate) split: Option<f32>,
    /// Clipping marks (K) on the frames shown.
    pub(crate) display: Display,
    pub(crate) shown: Option<(
        DevelopParams,
        View,
        Display,
        egui::TextureId,
        Option<egui::TextureId>,
    )>,
    pub(crate) frame_ms: f64,
    pub(crate) gpu_timed: Option<f64>,
    pub(crate) last_frame: Instant,
    pub(crate) fps: f64,
    pub(crate) times: Vec<f64>,
    pub(crate) histogram: Option<Histogram>,
    /// The last save's or export's outcome.
    pub(crate) status: String,
}

impl App {
    pub(crate) fn view_for(&self, size: egui::Vec2, ppp: f32) -> View {
        let (w, h) = (
            ((size.x * ppp) as usize).max(1),
            ((size.y * ppp) as usize).max(1),
        );
        if self.zoom_actual {
            View::Actual {
                width: w,
                height: h,
                center: self.center,
            }
        } else {
            View::Fit {
                width: w,
                height: h,
            }
        }
    }

    /// Render what changed, and hand the textures to egui.
    pub(crate) fn update_frames(&mut self, view: View) -> Result<(), String> {
        let params = self.dials.params();
        let (Some(pipeline), Some(gfx), Ok((source, preview))) =
            (self.pipeline, self.gfx.as_mut(), self.photo.as_mut())
        else {
            return Ok(());
        };
        // A denoise (or denoise quality) change re-runs the scene part;
        // the other dials do not.
        if preview
            .rescene(source, &params)
            .map_err(|e| e.to_string())?
        {
            self.shown = None;
        }
        let unchanged = self.shown.as_ref().is_some_and(|s| {
            (&s.0, s.1, s.2) == (&params, view, self.display)
                && s.4.is_some() == self.split.is_some()
        });
        if unchanged {
            return Ok(());
        }
        let t = Instant::now();
        let after = preview
            .frame(&params, view, self.display)
            .map_err(|e| e.to_string())?;
        // "Before": the as-shot development, no look.
        let before = match self.split {
            Some(_) => Some(
                preview
                    .frame(&DevelopParams::default(), view, self.display)
                    .map_err(|e| e.to_string())?,
            ),
            None => None,
        };
        // The histogram counts the photo's codes, not the marks over them.
        let counted = if self.display.mark_clipping {
            preview
                .frame(&params, view, Display::default())
                .map_err(|e| e.to_string())?
        } else {
            after.clone()
        };
        preview.finish();
        self.histogram = preview.histogram(&counted).ok();
        // GPU timestamps where the device has them, else the CPU clock.
        self.gpu_timed = None;
        self.frame_ms = t.elapsed().as_secs_f64() * 1000.0;
        if before.is_none() {
            self.gpu_timed = preview.gpu_time_ms();
        }
        self.times.push(self.frame_ms);
        let device = &pipeline.gpu().device;
        // egui samples textures as gamma-encoded values, which is what the
        // frame holds.
        let sampled_view = |t: &wgpu::Texture| {
            t.create_view(&wgpu::TextureViewDescriptor {
                usage: Some(wgpu::TextureUsages::TEXTURE_BINDING),
                ..Default::default()
            })
        };
        let mut register = |old: Option<egui::TextureId>, tex: &wgpu::Texture| match old {
            Some(id) => {
                gfx.renderer.update_egui_texture_from_wgpu_texture(
                    device,
                    &sampled_view(tex),
                    wgpu::FilterMode::Linear,
                    id,
                );
                id
            }
            None => gfx.renderer.register_native_texture(
                device,
                &sampled_view(tex),
                wgpu::FilterMode::Linear,
            ),
        };
        let (old_after, old_before) = self
            .shown
            .as_ref()
            .map_or((None, None), |s| (Some(s.3), s.4));
        let after_id = register(old_after, &after);
        let before_id = before.as_ref().map(|b| register(old_before, b));
        self.shown = Some((params, view, self.display, after_id, before_id));
        Ok(())
    }

    pub(crate) fn redraw(&mut self, event_loop: &winit::event_loop::ActiveEventLoop) {
        let Some(gfx) = self.gfx.as_mut() else { return };
        if gfx.config.width == 0 || gfx.config.height == 0 {
            return; // minimised
        }
        let frame = match gfx.surface.get_current_texture() {
            wgpu::CurrentSurfaceTexture::Success(f)
            | wgpu::CurrentSurfaceTexture::Suboptimal(f) => f,
            status
            @ (wgpu::CurrentSurfaceTexture::Outdated | wgpu::CurrentSurfaceTexture::Lost) => {
                let pipeline = self.pipeline.expect("a device exists with a surface");
                // A lost surface is made anew; an outdated one reconfigured.
                if matches!(status, wgpu::CurrentSurfaceTexture::Lost) {
                    match gfx.instance.create_surface(gfx.window.clone()) {
                        Ok(surface) => gfx.surface = surface,
                        Err(e) => {
                            eprintln!("preview: the window's surface is gone: {e}");
                            event_loop.exit();
                            return;
                        }
                    }
                }
                gfx.surface.configure(&pipeline.gpu().device, &gfx.config);
                gfx.window.request_redraw();
                return;
            }
            _ => return,
        };
        let raw_input = gfx.egui.take_egui_input(&gfx.window);
        let ctx = gfx.egui.egui_ctx().clone();
        let ppp = gfx.window.scale_factor() as f32;
        self.keys(&ctx);
        let output = ctx.run_ui(raw_input, |ui| self.ui(ui, ppp));
        let Some(gfx) = self.gfx.as_mut() else { return };
        gfx.egui
            .handle_platform_output(&gfx.window, output.platform_output);
        let pipeline = self.pipeline.expect("a device exists with a surface");
        let (device, queue) = (&pipeline.gpu().device, &pipeline.gpu().queue);
        let jobs = ctx.tessellate(output.shapes, output.pixels_per_point);
        for (id, deltas) in &output.textures_delta.set {
            for delta in deltas {
                gfx.renderer.update_texture(device, queue, *id, delta);
            }
        }
        let screen = egui_wgpu::ScreenDescriptor {
            size_in_pixels: [gfx.config.width, gfx.config.height],
            pixels_per_point: output.pixels_per_point,
        };
        let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor::default());
        let extra = gfx
            .renderer
            .update_buffers(device, queue, &mut encoder, &jobs, &screen);
        let target = frame
            .texture
            .create_view(&wgpu::TextureViewDescriptor::default());
        {
            let pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
                label: Some("egui"),
                color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                    view: &target,
                    depth_slice: None,
                    resolve_target: None,
                    ops: wgpu::Operations {
                        load: wgpu::LoadOp::Clear(wgpu::Color {
                            r: 0.02,
                            g: 0.02,
                            b: 0.02,
                            a: 1.0,
                        }),
                        store: wgpu::StoreOp::Store,
                    },
                })],
                depth_stencil_attachment: None,
                timestamp_writes: None,
                occlusion_query_set: None,
                multiview_mask: None,
            });
            gfx.renderer
                .render(&mut pass.forget_lifetime(), &jobs, &screen);
        }
        queue.submit(extra.into_iter().chain([encoder.finish()]));
        queue.present(frame);
        for id in &output.textures_delta.free {
            gfx.renderer.free_texture(id);
        }
        let now = Instant::now();
        self.fps =
            0.9 * self.fps + 0.1 / now.duration_since(self.last_frame).as_secs_f64().max(1e-6);
        self.last_frame = now;
        if let Some(n) = self.args.quit_after {
            // Test mode: turn the exposure dial every frame, quit after n
            // (or at once when the photo could not be opened).
            self.dials.exposure = sweep(self.times.len() + 1, n);
            if self.photo.is_err() {
                event_loop.exit();
            } else if self.times.len() >= n {
                println!("{}", timing_line(std::mem::take(&mut self.times)));
                if let Err(e) = self.finish_test_run() {
                    eprintln!("preview: {e}");
                    self.photo = Err(e);
                }
                event_loop.exit();
            }
        }
        if let Some(gfx) = &self.gfx {
            gfx.window.request_redraw();
        }
    }
}

impl winit::application::ApplicationHandler for App {
    fn resumed(&mut self, event_loop: &winit::event_loop::ActiveEventLoop) {
        if self.gfx.is_some() {
            return;
        }
        let attrs = winit::window::Window::default_attributes()
            .with_title(format!("wisp - {}", self.args.photo))
            .with_inner_size(winit::dpi::LogicalSize::new(
                self.args.size.0 as f64,
                self.args.size.1 as f64,
            ));
        let window = match event_loop.create_window(attrs) {
            Ok(w) => Arc::new(w),
            Err(e) => {
                eprintln!("preview: cannot open a window: {e}");
                event_loop.exit();
                return;
            }
        };
        let instance =
            wgpu::Instance::new(wgpu::InstanceDescriptor::new_with_display_handle_from_env(
                Box::new(event_loop.owned_display_handle()),
            ));
        let started = (|| -> Result<Gfx, String> {
            let surface = instance
                .create_surface(window.clone())
                .map_err(|e| e.to_string())?;
            let gpu = Gpu::for_surface(&instance, &surface).map_err(|e| e.to_string())?;
            let size = window.inner_size();
            let caps = surface.get_capabilities(&gpu.adapter);
            // A non-sRGB target: egui blends in gamma space.
            let format = caps
                .formats
                .iter()
                .copied()
                .find(|f| !f.is_srgb())
                .unwrap_or(caps.formats[0]);
            let config = wgpu::SurfaceConfiguration {
                usage: wgpu::TextureUsages::RENDER_ATTACHMENT,
                format,
                width: size.width,
                height: size.height,
                present_mode: wgpu::PresentMode::AutoVsync,
                desired_maximum_frame_latency: 2,
                alpha_mode: caps.alpha_modes[0],
                view_formats: vec![],
                color_space: wgpu::SurfaceColorSpace::Auto,
            };
            if size.width > 0 && size.height > 0 {
                surface.configure(&gpu.device, &config);
            }
            let renderer = egui_wgpu::Renderer::new(
                &gpu.device,
                format,
                egui_wgpu::RendererOptions::default(),
            );
            let ctx = egui::Context::default();
            let egui = egui_winit::State::new(
                ctx,
                egui::ViewportId::ROOT,
                &window,
                Some(window.scale_factor() as f32),
                None,
                None,
            );
            let pipeline: &'static GpuPipeline = Box::leak(Box::new(GpuPipeline::new(gpu)));
            self.pipeline = Some(pipeline);
            // The photo opens once the device exists; an error is shown in the window.
            self.open();
            Ok(Gfx {
                instance: instance.clone(),
                window: window.clone(),
                surface,
                config,
                egui,
                renderer,
            })
        })();
        match started {
            Ok(gfx) => {
                gfx.window.request_redraw();
                self.gfx = Some(gfx);
            }
            Err(e) => {
                eprintln!("preview: {e}");
                event_loop.exit();
            }
        }
    }

    fn window_event(
        &mut self,
        event_loop: &winit::event_loop::ActiveEventLoop,
        _: winit::window::WindowId,
        event: winit::event::WindowEvent,
    ) {
        use winit::event::WindowEvent;
        if let Some(gfx) = self.gfx.as_mut() {
            let _ = gfx.egui.on_window_event(&gfx.window, &event);
        }
        match event {
            WindowEvent::CloseRequested => event_loop.exit(),
            WindowEvent::Resized(size) => {
                if let (Some(gfx), Some(pipeline)) = (self.gfx.as_mut(), self.pipeline) {
                    gfx.config.width = size.width;
                    gfx.config.height = size.height;
                    if size.width > 0 && size.height > 0 {
                        gfx.surface.configure(&pipeline.gpu().device, &gfx.config);
                    }
                    gfx.window.request_redraw();
                }
            }
            WindowEvent::RedrawRequested => self.redraw(event_loop),
            _ => {}
        }
    }
}

pub(crate) fn windowed(args: Args) -> Result<(), String> {
    look_params(&args.look)?;
    let dials = Dials::at(&args.look, &Default::default());
    let mut app = App {
        args,
        pipeline: None,
        gfx: None,
        photo: Err("opening".into()),
        dials,
        zoom_actual: false,
        center: (0.0, 0.0),
        split: None,
        display: Display::default(),
        shown: None,
        frame_ms: 0.0,
        gpu_timed: None,
        last_frame: Instant::now(),
        fps: 0.0,
        times: Vec::new(),
        histogram: None,
        status: String::new(),
    };
    let event_loop = winit::event_loop::EventLoop::new()
        .map_err(|e| format!("no display: {e} (use --frames N for headless mode)"))?;
    event_loop.run_app(&mut app).map_err(|e| e.to_string())?;
    if let Err(e) = &app.photo {
        return Err(e.clone());
    }
    Ok(())
}
