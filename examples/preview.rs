//! Real-time preview: a window that develops a raw photo live as you turn
//! the dials. The photo is decoded and demosaiced once; a dial change
//! re-runs only the pointwise stages, at the window's size (fit) or over
//! the visible part at full resolution (1:1), and the result is drawn
//! straight from the GPU texture.
//!
//!     cargo run --release --example preview -- PHOTO [--look NAME]
//!
//! Keys: E exposure, T tone map, L look, V vignette, W temperature, I tint
//! select the dial that the mouse wheel and the arrow keys turn; F fit,
//! 1 full resolution (drag to pan), S before/after split (drag the line).
//!
//! Headless, for tests and machines without a display: renders N frames
//! through the same engine into an offscreen texture, turning the exposure
//! dial every frame, and prints `frames: N, median: X ms, p95: Y ms` last.
//!
//!     preview PHOTO --frames N --size WxH [--actual] [--screenshot FILE.png]
//!
//! `--quit-after N` closes the window after N frames and prints the same line.

use std::sync::Arc;
use std::time::Instant;

use wisp::frame::{Orientation, Source};
use wisp::gpu::Gpu;
use wisp::io::output::{self, Format, Metadata};
use wisp::params::{ColorSpace, ToneOp};
use wisp::pipeline::GpuPipeline;
use wisp::preview::{Preview, View};
use wisp::{io, looks, DevelopParams};

struct Args {
    photo: String,
    look: String,
    frames: Option<usize>,
    size: (usize, usize),
    actual: bool,
    screenshot: Option<String>,
    quit_after: Option<usize>,
}

fn parse() -> Result<Args, String> {
    let mut it = std::env::args().skip(1);
    let mut a = Args {
        photo: String::new(),
        look: "neutral".into(),
        frames: None,
        size: (1280, 800),
        actual: false,
        screenshot: None,
        quit_after: None,
    };
    while let Some(arg) = it.next() {
        let mut value = || it.next().ok_or(format!("{arg} needs a value"));
        let number = |v: String| {
            v.parse::<usize>()
                .map_err(|_| format!("`{v}` is not a number"))
        };
        match arg.as_str() {
            "--look" => a.look = value()?,
            "--frames" => a.frames = Some(number(value()?)?),
            "--quit-after" => a.quit_after = Some(number(value()?)?),
            "--size" => {
                let v = value()?;
                let (w, h) = v.split_once('x').ok_or("--size takes WxH")?;
                a.size = (number(w.into())?, number(h.into())?);
            }
            "--actual" => a.actual = true,
            "--screenshot" => a.screenshot = Some(value()?),
            _ if a.photo.is_empty() && !arg.starts_with('-') => a.photo = arg,
            _ => return Err(format!("unknown argument {arg}")),
        }
    }
    if a.photo.is_empty() || a.frames == Some(0) || a.size.0 == 0 || a.size.1 == 0 {
        return Err("usage: preview PHOTO [--look NAME] [--frames N --size WxH [--actual] [--screenshot FILE.png]] [--quit-after N]".into());
    }
    Ok(a)
}

fn look_params(name: &str) -> Result<DevelopParams, String> {
    looks::params(name, &DevelopParams::default()).map_err(|e| e.to_string())
}

/// Median and 95th percentile of frame times, as the last line prints them.
fn timing_line(mut times: Vec<f64>) -> String {
    times.sort_by(f64::total_cmp);
    let pick = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    format!(
        "frames: {}, median: {:.1} ms, p95: {:.1} ms",
        times.len(),
        pick(0.5),
        pick(0.95)
    )
}

/// Exposure offset of frame `i` of `n`: a sweep that ends where it began.
fn sweep(i: usize, n: usize) -> f32 {
    0.5 * ((i % n) as f32 / n as f32 * std::f32::consts::TAU).sin()
}

fn headless(args: &Args, frames: usize) -> Result<(), String> {
    let gpu = GpuPipeline::new(Gpu::new().map_err(|e| e.to_string())?);
    let base = look_params(&args.look)?;
    // The first full frame: decode, upload, demosaic, render.
    let start = Instant::now();
    let source = io::load(args.photo.as_ref()).map_err(|e| e.to_string())?;
    let mut preview = Preview::new(&gpu, &source, &base).map_err(|e| e.to_string())?;
    let (w, h) = preview.size();
    let view = if args.actual {
        View::Actual {
            width: args.size.0,
            height: args.size.1,
            center: (w as f32 / 2.0, h as f32 / 2.0),
        }
    } else {
        View::Fit {
            width: args.size.0,
            height: args.size.1,
        }
    };
    let mut frame = preview.frame(&base, view).map_err(|e| e.to_string())?;
    preview.finish();
    println!(
        "first frame: {:.1} ms ({w}x{h} photo)",
        start.elapsed().as_secs_f64() * 1000.0
    );
    let mut times = Vec::with_capacity(frames);
    let mut gpu_times = Vec::with_capacity(frames);
    for i in 1..=frames {
        let params = DevelopParams {
            exposure: base.exposure + sweep(i, frames),
            ..base.clone()
        };
        let t = Instant::now();
        frame = preview.frame(&params, view).map_err(|e| e.to_string())?;
        preview.finish();
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        gpu_times.extend(preview.gpu_time_ms());
    }
    if !gpu_times.is_empty() {
        gpu_times.sort_by(f64::total_cmp);
        println!(
            "gpu (timestamp queries): median {:.1} ms",
            gpu_times[gpu_times.len() / 2]
        );
    }
    if let Some(path) = &args.screenshot {
        let image = preview.read(&frame).map_err(|e| e.to_string())?;
        let meta = Metadata::for_source(&source, ColorSpace::Srgb);
        output::write(
            &image,
            path.as_ref(),
            Format::Png,
            Default::default(),
            &meta,
        )
        .map_err(|e| e.to_string())?;
    }
    println!("{}", timing_line(times));
    Ok(())
}

// ---------------------------------------------------------------- window

/// The dials, as the panel and the keys turn them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dial {
    Exposure,
    Tone,
    Look,
    Vignette,
    Temperature,
    Tint,
}

struct Dials {
    look: usize,
    exposure: f32,
    tone: ToneOp,
    vignette: f32,
    temperature: f32,
    tint: f32,
    selected: Dial,
}

/// Where each look's name is in `looks::BUILTIN`, plus `none` at the end.
fn look_names() -> Vec<&'static str> {
    looks::builtin_names().chain(["none"]).collect()
}

impl Dials {
    fn params(&self) -> DevelopParams {
        let mut p = look_params(look_names()[self.look]).unwrap_or_default();
        p.exposure += self.exposure;
        p.tone = self.tone;
        p.vignette.amount = self.vignette;
        p.white_balance_shift = [self.temperature, self.tint];
        p
    }

    /// Turn the selected dial by `steps` notches.
    fn turn(&mut self, steps: f32) {
        let cycle =
            |i: usize, n: usize| (i as i64 + steps.signum() as i64).rem_euclid(n as i64) as usize;
        match self.selected {
            Dial::Exposure => self.exposure = (self.exposure + 0.1 * steps).clamp(-5.0, 5.0),
            Dial::Vignette => self.vignette = (self.vignette + 0.1 * steps).clamp(-3.0, 1.0),
            Dial::Temperature => {
                self.temperature = (self.temperature + 0.05 * steps).clamp(-2.0, 2.0)
            }
            Dial::Tint => self.tint = (self.tint + 0.05 * steps).clamp(-2.0, 2.0),
            Dial::Tone => {
                let i = ToneOp::ALL
                    .iter()
                    .position(|t| *t == self.tone)
                    .unwrap_or(0);
                self.tone = ToneOp::ALL[cycle(i, ToneOp::ALL.len())];
            }
            Dial::Look => {
                self.look = cycle(self.look, look_names().len());
                let p = self.params_of_look();
                self.tone = p.tone;
                self.vignette = p.vignette.amount;
            }
        }
    }

    fn params_of_look(&self) -> DevelopParams {
        look_params(look_names()[self.look]).unwrap_or_default()
    }
}

/// Texture coordinates of the displayed rect's corners (top-left, top-right,
/// bottom-right, bottom-left) that show the stored image upright.
fn corner_uvs(o: Orientation) -> [[f32; 2]; 4] {
    let (tl, tr, br, bl) = ([0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]);
    match o {
        Orientation::Normal => [tl, tr, br, bl],
        Orientation::FlipH => [tr, tl, bl, br],
        Orientation::Rotate180 => [br, bl, tl, tr],
        Orientation::FlipV => [bl, br, tr, tl],
        Orientation::Transpose => [tl, bl, br, tr],
        Orientation::Rotate90 => [bl, tl, tr, br],
        Orientation::Transverse => [br, tr, tl, bl],
        Orientation::Rotate270 => [tr, br, bl, tl],
    }
}

/// A displacement on screen as a displacement in the stored image.
fn stored_delta(o: Orientation, dx: f32, dy: f32) -> (f32, f32) {
    match o {
        Orientation::Normal => (dx, dy),
        Orientation::FlipH => (-dx, dy),
        Orientation::Rotate180 => (-dx, -dy),
        Orientation::FlipV => (dx, -dy),
        Orientation::Transpose => (dy, dx),
        Orientation::Rotate90 => (dy, -dx),
        Orientation::Transverse => (-dy, -dx),
        Orientation::Rotate270 => (-dy, dx),
    }
}

struct Gfx {
    instance: wgpu::Instance,
    window: Arc<winit::window::Window>,
    surface: wgpu::Surface<'static>,
    config: wgpu::SurfaceConfiguration,
    egui: egui_winit::State,
    renderer: egui_wgpu::Renderer,
}

struct App {
    args: Args,
    pipeline: Option<&'static GpuPipeline>,
    gfx: Option<Gfx>,
    photo: Result<(Source, Preview<'static>), String>,
    dials: Dials,
    zoom_actual: bool,
    center: (f32, f32),
    split: Option<f32>,
    shown: Option<(
        DevelopParams,
        View,
        egui::TextureId,
        Option<egui::TextureId>,
    )>,
    frame_ms: f64,
    gpu_timed: Option<f64>,
    last_frame: Instant,
    fps: f64,
    times: Vec<f64>,
}

impl App {
    fn view_for(&self, size: egui::Vec2, ppp: f32) -> View {
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
    fn update_frames(&mut self, view: View) -> Result<(), String> {
        let params = self.dials.params();
        let (Some(pipeline), Some(gfx), Ok((_, preview))) =
            (self.pipeline, self.gfx.as_mut(), self.photo.as_mut())
        else {
            return Ok(());
        };
        let unchanged = self
            .shown
            .as_ref()
            .is_some_and(|s| s.0 == params && s.1 == view && s.3.is_some() == self.split.is_some());
        if unchanged {
            return Ok(());
        }
        let t = Instant::now();
        let after = preview.frame(&params, view).map_err(|e| e.to_string())?;
        // "Before": the as-shot development, no look.
        let before = match self.split {
            Some(_) => Some(
                preview
                    .frame(&DevelopParams::default(), view)
                    .map_err(|e| e.to_string())?,
            ),
            None => None,
        };
        preview.finish();
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
            .map_or((None, None), |s| (Some(s.2), s.3));
        let after_id = register(old_after, &after);
        let before_id = before.as_ref().map(|b| register(old_before, b));
        self.shown = Some((params, view, after_id, before_id));
        Ok(())
    }

    fn ui(&mut self, ui: &mut egui::Ui, ppp: f32) {
        let names = look_names();
        egui::Panel::left("dials").show(ui, |ui| {
            ui.heading("wisp");
            let d = &mut self.dials;
            let pick = |ui: &mut egui::Ui, selected: &mut Dial, dial: Dial, label: &str| {
                if ui.selectable_label(*selected == dial, label).clicked() {
                    *selected = dial;
                }
            };
            pick(ui, &mut d.selected, Dial::Look, "Look (L)");
            let before = d.look;
            egui::ComboBox::from_id_salt("look")
                .selected_text(names[d.look])
                .show_ui(ui, |ui| {
                    for (i, n) in names.iter().enumerate() {
                        ui.selectable_value(&mut d.look, i, *n);
                    }
                });
            if d.look != before {
                let p = d.params_of_look();
                d.tone = p.tone;
                d.vignette = p.vignette.amount;
            }
            pick(ui, &mut d.selected, Dial::Exposure, "Exposure (E)");
            ui.add(egui::Slider::new(&mut d.exposure, -5.0..=5.0).suffix(" EV"));
            pick(ui, &mut d.selected, Dial::Tone, "Tone map (T)");
            egui::ComboBox::from_id_salt("tone")
                .selected_text(d.tone.name())
                .show_ui(ui, |ui| {
                    for t in ToneOp::ALL {
                        ui.selectable_value(&mut d.tone, t, t.name());
                    }
                });
            pick(ui, &mut d.selected, Dial::Vignette, "Vignette (V)");
            ui.add(egui::Slider::new(&mut d.vignette, -3.0..=1.0).suffix(" EV"));
            pick(ui, &mut d.selected, Dial::Temperature, "Temperature (W)");
            ui.add(egui::Slider::new(&mut d.temperature, -2.0..=2.0));
            pick(ui, &mut d.selected, Dial::Tint, "Tint (I)");
            ui.add(egui::Slider::new(&mut d.tint, -2.0..=2.0));
            ui.separator();
            ui.horizontal(|ui| {
                ui.selectable_value(&mut self.zoom_actual, false, "Fit (F)");
                ui.selectable_value(&mut self.zoom_actual, true, "1:1 (1)");
            });
            let mut split = self.split.is_some();
            if ui.checkbox(&mut split, "Before / after (S)").changed() {
                self.split = split.then_some(0.5);
            }
            ui.separator();
            match self.gpu_timed {
                Some(gpu) => ui.label(format!(
                    "frame: {gpu:.1} ms GPU, {:.1} ms in all",
                    self.frame_ms
                )),
                None => ui.label(format!("frame: {:.1} ms (CPU-timed)", self.frame_ms)),
            };
            ui.label(format!("{:.0} fps", self.fps));
            if let Err(e) = &self.photo {
                ui.colored_label(egui::Color32::LIGHT_RED, e);
            }
        });
        egui::CentralPanel::default().show(ui, |ui| {
            let rect = ui.available_rect_before_wrap();
            let view = self.view_for(rect.size(), ppp);
            if let Err(e) = self.update_frames(view) {
                self.photo = Err(e);
            }
            let response = ui.allocate_rect(rect, egui::Sense::click_and_drag());
            let Some((_, _, after, before)) = self.shown.clone() else {
                return;
            };
            let Ok((source, preview)) = &self.photo else {
                return;
            };
            // The frame's size in stored pixels, turned upright, in points.
            let (sw, sh) = preview.size();
            let (sw, sh) = if source.orientation.swaps_axes() {
                (sh as f32, sw as f32)
            } else {
                (sw as f32, sh as f32)
            };
            let (w, h) = match view {
                View::Fit { width, height } => {
                    let s = (width as f32 / sw).min(height as f32 / sh).min(1.0);
                    (sw * s, sh * s)
                }
                // A window larger than the photo shows all of it, unscaled.
                View::Actual { width, height, .. } => {
                    ((width as f32).min(sw), (height as f32).min(sh))
                }
            };
            let shown = egui::Rect::from_center_size(rect.center(), egui::vec2(w / ppp, h / ppp));
            let uvs = corner_uvs(source.orientation);
            let paint = |tex: egui::TextureId, x0: f32, x1: f32| {
                // A quad whose corners carry the oriented texture coordinates;
                // x0..x1 picks a vertical slice (the split).
                let mut mesh = egui::Mesh::with_texture(tex);
                let lerp = |a: [f32; 2], b: [f32; 2], t: f32| {
                    egui::pos2(a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)
                };
                let (tl, tr, br, bl) = (uvs[0], uvs[1], uvs[2], uvs[3]);
                let corners = [
                    (
                        egui::pos2(shown.lerp_inside(egui::vec2(x0, 0.0)).x, shown.top()),
                        lerp(tl, tr, x0),
                    ),
                    (
                        egui::pos2(shown.lerp_inside(egui::vec2(x1, 0.0)).x, shown.top()),
                        lerp(tl, tr, x1),
                    ),
                    (
                        egui::pos2(shown.lerp_inside(egui::vec2(x1, 0.0)).x, shown.bottom()),
                        lerp(bl, br, x1),
                    ),
                    (
                        egui::pos2(shown.lerp_inside(egui::vec2(x0, 0.0)).x, shown.bottom()),
                        lerp(bl, br, x0),
                    ),
                ];
                for (pos, uv) in corners {
                    mesh.vertices.push(egui::epaint::Vertex {
                        pos,
                        uv,
                        color: egui::Color32::WHITE,
                    });
                }
                mesh.add_triangle(0, 1, 2);
                mesh.add_triangle(0, 2, 3);
                ui.painter().add(egui::Shape::mesh(mesh));
            };
            match (self.split, before) {
                (Some(at), Some(before)) => {
                    paint(before, 0.0, at);
                    paint(after, at, 1.0);
                    let x = shown.lerp_inside(egui::vec2(at, 0.0)).x;
                    ui.painter().vline(
                        x,
                        shown.y_range(),
                        egui::Stroke::new(2.0, egui::Color32::WHITE),
                    );
                    if response.dragged() {
                        if let Some(p) = response.interact_pointer_pos() {
                            self.split =
                                Some(((p.x - shown.left()) / shown.width()).clamp(0.0, 1.0));
                        }
                    }
                }
                _ => {
                    paint(after, 0.0, 1.0);
                    if self.zoom_actual && response.dragged() {
                        // Dragging moves the photo with the pointer: the
                        // centre moves the other way, in stored pixels.
                        let d = response.drag_delta() * ppp;
                        let (dx, dy) = stored_delta(source.orientation, d.x, d.y);
                        let (sw, sh) = preview.size();
                        self.center = (
                            (self.center.0 - dx).clamp(0.0, sw as f32),
                            (self.center.1 - dy).clamp(0.0, sh as f32),
                        );
                    }
                }
            }
            let scroll = ui.input(|i| i.smooth_scroll_delta.y);
            if response.hovered() && scroll.abs() > 0.5 {
                self.dials.turn(scroll.signum());
            }
        });
    }

    fn keys(&mut self, ctx: &egui::Context) {
        use egui::Key;
        ctx.input(|i| {
            for (key, dial) in [
                (Key::E, Dial::Exposure),
                (Key::T, Dial::Tone),
                (Key::L, Dial::Look),
                (Key::V, Dial::Vignette),
                (Key::W, Dial::Temperature),
                (Key::I, Dial::Tint),
            ] {
                if i.key_pressed(key) {
                    self.dials.selected = dial;
                }
            }
            if i.key_pressed(Key::F) {
                self.zoom_actual = false;
            }
            if i.key_pressed(Key::Num1) {
                self.zoom_actual = true;
            }
            if i.key_pressed(Key::S) {
                self.split = if self.split.is_some() {
                    None
                } else {
                    Some(0.5)
                };
            }
            for (key, step) in [
                (Key::ArrowUp, 1.0),
                (Key::ArrowRight, 1.0),
                (Key::ArrowDown, -1.0),
                (Key::ArrowLeft, -1.0),
            ] {
                if i.key_pressed(key) {
                    self.dials.turn(step);
                }
            }
        });
    }

    fn redraw(&mut self, event_loop: &winit::event_loop::ActiveEventLoop) {
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
                event_loop.exit();
            }
        }
        gfx.window.request_redraw();
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
            self.photo = io::load(self.args.photo.as_ref())
                .map_err(|e| e.to_string())
                .and_then(|source| {
                    Preview::new(pipeline, &source, &self.dials.params())
                        .map(|p| (source, p))
                        .map_err(|e| e.to_string())
                });
            if let Ok((_, p)) = &self.photo {
                let (w, h) = p.size();
                self.center = (w as f32 / 2.0, h as f32 / 2.0);
            }
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

fn windowed(args: Args) -> Result<(), String> {
    let dials = {
        let p = look_params(&args.look)?;
        Dials {
            look: look_names()
                .iter()
                .position(|n| *n == args.look)
                .unwrap_or(0),
            exposure: 0.0,
            tone: p.tone,
            vignette: p.vignette.amount,
            temperature: 0.0,
            tint: 0.0,
            selected: Dial::Exposure,
        }
    };
    let mut app = App {
        args,
        pipeline: None,
        gfx: None,
        photo: Err("opening".into()),
        dials,
        zoom_actual: false,
        center: (0.0, 0.0),
        split: None,
        shown: None,
        frame_ms: 0.0,
        gpu_timed: None,
        last_frame: Instant::now(),
        fps: 0.0,
        times: Vec::new(),
    };
    let event_loop = winit::event_loop::EventLoop::new()
        .map_err(|e| format!("no display: {e} (use --frames N for headless mode)"))?;
    event_loop.run_app(&mut app).map_err(|e| e.to_string())?;
    if let Err(e) = &app.photo {
        return Err(e.clone());
    }
    Ok(())
}

fn main() -> std::process::ExitCode {
    let result = parse().and_then(|args| match args.frames {
        Some(n) => headless(&args, n),
        None => windowed(args),
    });
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("preview: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
