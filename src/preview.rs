//! The real-time preview engine: the development's plan split at the
//! scene. The photo is decoded, uploaded and taken to the scene once
//! (photosite ops, noise reduction and demosaic, as the batch would);
//! after that a change of a pointwise dial (exposure, tone map, look,
//! vignette) re-runs only the pointwise ops, at the size of the view, and
//! a change of the scene's own settings (denoise, demosaic) re-runs the
//! scene part ([`Preview::rescene`]). The image stays on the GPU
//! until the caller reads it back.
//!
//! The fit view renders from a copy of the demosaiced image downscaled to
//! the view (kept until the view size changes); the 1:1 view renders only
//! the visible part of the full-resolution image.

use crate::error::Error;
use crate::frame::{Orientation, Rendered, Source};
use crate::histogram::{Histogram, Histograms};
use crate::ops::resize;
use crate::params::{Demosaic, Denoise, DenoiseQuality, DevelopParams};
use crate::pipeline::{Display, GpuPipeline, Scene};
use crate::plan::Tile;

/// What part of the photo a frame shows, in display pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum View {
    /// The whole photo, as large as fits in `width` x `height`.
    Fit { width: usize, height: usize },
    /// Full resolution: a `width` x `height` window centred on `center`
    /// (a point of the stored image, in pixels), clamped to the photo.
    Actual {
        width: usize,
        height: usize,
        center: (f32, f32),
    },
}

pub struct Preview<'a> {
    gpu: &'a GpuPipeline,
    histograms: Histograms,
    full: Scene,
    /// The settings `full` was made with.
    scene_settings: (Demosaic, Denoise, DenoiseQuality),
    orientation: Orientation,
    /// The photo's colour facts, for resolving each frame's camera profile.
    colour: Option<std::sync::Arc<crate::profile::RawColour>>,
    fit: Option<Scene>,
    /// The last 1:1 window: origin and the copied part of the full image.
    actual: Option<((usize, usize), Scene)>,
}

impl<'a> Preview<'a> {
    /// Upload `source` and take it to the scene with `params` (their
    /// demosaic): the first full frame's work.
    pub fn new(
        gpu: &'a GpuPipeline,
        source: &Source,
        params: &DevelopParams,
    ) -> Result<Self, Error> {
        Ok(Preview {
            gpu,
            histograms: Histograms::default(),
            full: gpu.scene(&source.photo, params)?,
            scene_settings: (params.demosaic, params.denoise, params.denoise_quality),
            orientation: source.orientation,
            colour: source.colour.clone(),
            fit: None,
            actual: None,
        })
    }

    /// Take `source` (the one this preview was made from) to the scene
    /// again if `params` develop it differently from the scene held
    /// (another denoise, denoise quality or demosaic); true if it did.
    pub fn rescene(&mut self, source: &Source, params: &DevelopParams) -> Result<bool, Error> {
        let settings = (params.demosaic, params.denoise, params.denoise_quality);
        if settings == self.scene_settings {
            return Ok(false);
        }
        self.full = self.gpu.scene(&source.photo, params)?;
        self.scene_settings = settings;
        self.fit = None;
        self.actual = None;
        Ok(true)
    }

    /// The stored image size (before orientation).
    pub fn size(&self) -> (usize, usize) {
        self.full.size()
    }

    /// Render one frame of `view` with `params`: an rgba8unorm texture of
    /// sRGB-encoded 8-bit codes that stays on the GPU, in stored orientation.
    /// (`bits` and `max_size` do not apply: the view sets the size.)
    /// `display` marks it (clipping) without changing the development.
    pub fn frame(
        &mut self,
        params: &DevelopParams,
        view: View,
        display: Display,
    ) -> Result<wgpu::Texture, Error> {
        let params = &*params.profiled(self.colour.as_deref())?;
        let (w, h) = self.full.size();
        match view {
            View::Fit { width, height } => {
                // In stored coordinates the view is turned with the photo.
                let (vw, vh) = if self.orientation.swaps_axes() {
                    (height, width)
                } else {
                    (width, height)
                };
                let scale = (vw as f64 / w as f64).min(vh as f64 / h as f64);
                let long = ((w.max(h) as f64 * scale).floor() as u32).max(1);
                let Some(size) = resize::fit(w, h, long) else {
                    return self.gpu.render(&self.full, params, None, display);
                };
                if self.fit.as_ref().map(Scene::size) != Some(size) {
                    self.fit = Some(self.gpu.resized(&self.full, size)?);
                }
                self.gpu
                    .render(self.fit.as_ref().expect("just made"), params, None, display)
            }
            View::Actual {
                width,
                height,
                center,
            } => {
                let (vw, vh) = if self.orientation.swaps_axes() {
                    (height, width)
                } else {
                    (width, height)
                };
                let (cw, ch) = (vw.min(w), vh.min(h));
                let x0 = ((center.0 - cw as f32 / 2.0).round().max(0.0) as usize).min(w - cw);
                let y0 = ((center.1 - ch as f32 / 2.0).round().max(0.0) as usize).min(h - ch);
                // Panning copies a new window; turning a dial reuses it.
                let cached = self
                    .actual
                    .as_ref()
                    .is_some_and(|(o, c)| *o == (x0, y0) && c.size() == (cw, ch));
                if !cached {
                    self.actual = Some(((x0, y0), self.gpu.crop(&self.full, (x0, y0), (cw, ch))?));
                }
                let crop = &self.actual.as_ref().expect("just made").1;
                self.gpu.render(
                    crop,
                    params,
                    Some(Tile {
                        origin: [x0 as u32, y0 as u32],
                        full_size: [w as u32, h as u32],
                    }),
                    display,
                )
            }
        }
    }

    /// Wait for the GPU to finish the frames submitted so far.
    pub fn finish(&self) {
        let _ = self
            .gpu
            .gpu()
            .device
            .poll(wgpu::PollType::wait_indefinitely());
    }

    /// GPU time of the last frame's render in ms (timestamp queries), or
    /// `None` where the device cannot say; waits for the frame.
    pub fn gpu_time_ms(&self) -> Option<f64> {
        self.gpu.last_render_ms()
    }

    /// The mean scene colour (white-balanced linear camera RGB) of the
    /// square of side `2 radius + 1` around `(x, y)` of the stored image,
    /// clipped to it: what a click for white balance reads
    /// ([`crate::ops::color::neutral_shift`]).
    pub fn scene_mean(&self, (x, y): (usize, usize), radius: usize) -> Result<[f32; 3], Error> {
        let (w, h) = self.full.size();
        let (x0, y0) = (
            x.min(w - 1).saturating_sub(radius),
            y.min(h - 1).saturating_sub(radius),
        );
        let (x1, y1) = ((x + radius + 1).min(w), (y + radius + 1).min(h));
        let patch = self.gpu.crop(&self.full, (x0, y0), (x1 - x0, y1 - y0))?;
        let patch = self.gpu.read_scene(&patch)?;
        let n = patch.data.len() as f32;
        Ok(patch
            .data
            .iter()
            .fold([0.0; 3], |sum, p| [0, 1, 2].map(|c| sum[c] + p[c] / n)))
    }

    /// The histogram of a frame, counted on the GPU; waits for it.
    pub fn histogram(&self, frame: &wgpu::Texture) -> Result<Histogram, Error> {
        self.histograms.of(self.gpu.gpu(), frame)
    }

    /// Read a frame back, turned upright.
    pub fn read(&self, frame: &wgpu::Texture) -> Result<Rendered, Error> {
        Ok(self.gpu.read(frame)?.oriented(self.orientation))
    }
}
