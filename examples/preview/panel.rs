//! The side panel (look picker, dials, before/after, fit and 1:1) and the
//! keys.

use wisp::frame::Orientation;
use wisp::histogram::Histogram;
use wisp::ops::color::neutral_shift;
use wisp::params::{Denoise, DenoiseQuality, ToneOp};
use wisp::preview::View;

use crate::dials::{look_names, Dial};
use crate::window::App;

impl App {
    pub(crate) fn ui(&mut self, ui: &mut egui::Ui, ppp: f32) {
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
            pick(ui, &mut d.selected, Dial::Denoise, "Denoise (D)");
            ui.horizontal(|ui| {
                let mut auto = d.denoise == Denoise::Auto;
                if ui.checkbox(&mut auto, "auto").changed() {
                    d.denoise = if auto {
                        Denoise::Auto
                    } else {
                        Denoise::Strength(1.0)
                    };
                }
                if let Denoise::Strength(mut s) = d.denoise {
                    if ui
                        .add(egui::Slider::new(&mut s, 0.0..=Denoise::MAX))
                        .changed()
                    {
                        d.denoise = Denoise::Strength(s);
                    }
                }
            });
            let mut high = d.denoise_quality == DenoiseQuality::High;
            if ui
                .checkbox(&mut high, "High quality (twice the time)")
                .changed()
            {
                d.denoise_quality = if high {
                    DenoiseQuality::High
                } else {
                    DenoiseQuality::Standard
                };
            }
            ui.separator();
            ui.horizontal(|ui| {
                ui.selectable_value(&mut self.zoom_actual, false, "Fit (F)");
                ui.selectable_value(&mut self.zoom_actual, true, "1:1 (1)");
            });
            let mut split = self.split.is_some();
            if ui.checkbox(&mut split, "Before / after (S)").changed() {
                self.split = split.then_some(0.5);
            }
            ui.checkbox(&mut self.display.mark_clipping, "Clipping marks (K)");
            ui.separator();
            ui.horizontal(|ui| {
                if ui.button("Save (Ctrl+S)").clicked() {
                    self.run_save();
                }
                if ui.button("Export (Ctrl+E)").clicked() {
                    self.run_export();
                }
            });
            ui.horizontal(|ui| {
                if ui.button("< PageUp").clicked() {
                    self.step_photo(-1);
                }
                if ui.button("PageDown >").clicked() {
                    self.step_photo(1);
                }
            });
            if !self.status.is_empty() {
                ui.label(&self.status);
            }
            ui.label("Click the photo (fit view) on something neutral to white-balance on it.");
            if let Some(h) = &self.histogram {
                histogram(ui, h);
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
            let Some((_, _, _, after, before)) = self.shown.clone() else {
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
                    if !self.zoom_actual && response.clicked() {
                        if let Some(p) = response.interact_pointer_pos() {
                            let upright = (p - shown.min) / shown.size();
                            let [u, v] = stored_uv(source.orientation, upright.x, upright.y);
                            let (sw, sh) = preview.size();
                            let at = (
                                ((u * sw as f32) as usize).min(sw - 1),
                                ((v * sh as f32) as usize).min(sh - 1),
                            );
                            // A small patch: noise averages out, detail does not.
                            match preview.scene_mean(at, 4).map(neutral_shift) {
                                Ok(Some([t, i])) => {
                                    self.dials.temperature = t;
                                    self.dials.tint = i;
                                }
                                Ok(None) => self.status = "no light there to balance on".into(),
                                Err(e) => self.status = e.to_string(),
                            }
                        }
                    }
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

    pub(crate) fn keys(&mut self, ctx: &egui::Context) {
        use egui::Key;
        ctx.input(|i| {
            for (key, dial) in [
                (Key::E, Dial::Exposure),
                (Key::T, Dial::Tone),
                (Key::L, Dial::Look),
                (Key::V, Dial::Vignette),
                (Key::W, Dial::Temperature),
                (Key::I, Dial::Tint),
                (Key::D, Dial::Denoise),
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
            if i.modifiers.command && i.key_pressed(Key::S) {
                self.run_save();
                return;
            }
            if i.modifiers.command && i.key_pressed(Key::E) {
                self.run_export();
                return;
            }
            if i.key_pressed(Key::PageUp) {
                self.step_photo(-1);
            }
            if i.key_pressed(Key::PageDown) {
                self.step_photo(1);
            }
            if i.key_pressed(Key::K) {
                self.display.mark_clipping ^= true;
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
}

impl App {
    fn run_save(&mut self) {
        self.status = match self.save() {
            Ok(path) => format!("saved {}", path.display()),
            Err(e) => e,
        };
    }

    fn run_export(&mut self) {
        self.status = match self.export() {
            Ok(path) => format!("exported {}", path.display()),
            Err(e) => e,
        };
    }
}

/// The histogram, red, green and blue over each other, with the share of
/// pixels clipped (code 255) and crushed (code 0) in any channel's count.
fn histogram(ui: &mut egui::Ui, h: &Histogram) {
    let (rect, _) = ui.allocate_exact_size(egui::vec2(256.0, 80.0), egui::Sense::hover());
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 0.0, egui::Color32::from_gray(20));
    // The square root keeps small counts visible beside a tall peak.
    let peak = h
        .counts
        .iter()
        .flatten()
        .map(|&n| (n as f32).sqrt())
        .fold(1.0, f32::max);
    let colours = [
        egui::Color32::from_rgb(230, 60, 60),
        egui::Color32::from_rgb(60, 200, 60),
        egui::Color32::from_rgb(80, 120, 255),
    ];
    for (counts, colour) in h.counts.iter().zip(colours) {
        let points = counts
            .iter()
            .enumerate()
            .map(|(i, &n)| {
                egui::pos2(
                    rect.left() + i as f32 * rect.width() / 255.0,
                    rect.bottom() - (n as f32).sqrt() / peak * rect.height(),
                )
            })
            .collect();
        painter.add(egui::Shape::line(points, egui::Stroke::new(1.0, colour)));
    }
    let (clipped, crushed) = h.clipped();
    let share =
        |n: [u32; 3]| 100.0 * *n.iter().max().unwrap_or(&0) as f64 / h.pixels().max(1) as f64;
    ui.label(format!(
        "clipped {:.2} %, crushed {:.2} %",
        share(clipped),
        share(crushed)
    ));
}

/// Where a point of the upright view (0..1 each way) is in the stored
/// image, 0..1 each way: the corners' texture coordinates, interpolated.
fn stored_uv(o: Orientation, x: f32, y: f32) -> [f32; 2] {
    let [tl, tr, _, bl] = corner_uvs(o);
    [0, 1].map(|c| tl[c] + (tr[c] - tl[c]) * x + (bl[c] - tl[c]) * y)
}

/// Texture coordinates of the displayed rect's corners (top-left, top-right,
/// bottom-right, bottom-left) that show the stored image upright.
pub(crate) fn corner_uvs(o: Orientation) -> [[f32; 2]; 4] {
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
pub(crate) fn stored_delta(o: Orientation, dx: f32, dy: f32) -> (f32, f32) {
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
