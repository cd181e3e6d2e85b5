//! The darkroom loop: a photo opens with its sidecar's dials, Save keeps
//! the dials in its sidecar, Export develops it at full size through the
//! batch (as `wisp convert` would with that sidecar), and PageUp/PageDown
//! move to the other photos of its folder, each with its own sidecar.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use wisp::batch::{self, OutputOptions, Status};
use wisp::io::output::{Format, JpegOptions};
use wisp::preview::Preview;
use wisp::sidecar::{self, Resolver, Sidecars};
use wisp::{io, DevelopParams, Engine};

use crate::dials::Dials;
use crate::window::App;

impl App {
    /// Open `args.photo` with its sidecar's dials (or the `--look`'s).
    pub(crate) fn open(&mut self) {
        let Some(pipeline) = self.pipeline else {
            return;
        };
        let photo = PathBuf::from(&self.args.photo);
        self.dials = match sidecar::read(&photo) {
            Ok(found) => Dials::at(&self.args.look, &found.map(|f| f.1).unwrap_or_default()),
            Err(e) => {
                self.status = e.to_string();
                Dials::at(&self.args.look, &Default::default())
            }
        };
        self.shown = None;
        self.photo = io::load(&photo)
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
    }

    /// Keep the dials in the photo's sidecar.
    pub(crate) fn save(&mut self) -> Result<PathBuf, String> {
        sidecar::write(self.args.photo.as_ref(), &self.dials.settings()).map_err(|e| e.to_string())
    }

    /// Where Export writes: `--export DIR`, else `export/` beside the photo.
    fn export_dir(&self) -> PathBuf {
        match &self.args.export {
            Some(dir) => PathBuf::from(dir),
            None => Path::new(&self.args.photo)
                .parent()
                .unwrap_or(Path::new("."))
                .join("export"),
        }
    }

    /// Develop the photo at full size with the dials, through the batch,
    /// into a JPEG as `wisp convert` writes it.
    pub(crate) fn export(&self) -> Result<PathBuf, String> {
        let dir = self.export_dir();
        let jobs = batch::plan(
            &[PathBuf::from(&self.args.photo)],
            false,
            &dir,
            Format::Jpeg,
        )?
        .jobs;
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let develop = Resolver::new(
            self.dials.settings(),
            Sidecars::Ignore,
            DevelopParams::default(),
        );
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        let out = OutputOptions {
            format: Format::Jpeg,
            jpeg: JpegOptions {
                threads,
                ..JpegOptions::default()
            },
            overwrite: true,
        };
        let engines = || vec![Engine::gpu().unwrap_or(Engine::Cpu)];
        let stop = AtomicBool::new(false);
        let outcome = batch::run(&jobs, engines, &develop, &out, threads, &stop, &|_| {});
        let report = outcome
            .reports
            .into_iter()
            .next()
            .ok_or("nothing to export")?;
        match report.status {
            Status::Converted => Ok(report.output),
            _ => Err(report.error.unwrap_or_default()),
        }
    }

    /// Open the photo `by` places after this one in its folder (by name).
    pub(crate) fn step_photo(&mut self, by: isize) {
        let current = PathBuf::from(&self.args.photo);
        let dir = current.parent().unwrap_or(Path::new("."));
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        let mut photos: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && batch::EXTENSIONS.contains(&io::extension(p).as_str()))
            .collect();
        photos.sort();
        let Some(at) = photos
            .iter()
            .position(|p| p.file_name() == current.file_name())
        else {
            return;
        };
        let next = (at as isize + by).rem_euclid(photos.len() as isize) as usize;
        self.args.photo = photos[next].to_string_lossy().into_owned();
        self.open();
    }

    /// `--quit-after` with `--save` or `--export`: do them, and say so.
    pub(crate) fn finish_test_run(&mut self) -> Result<(), String> {
        if self.args.save {
            println!("saved {}", self.save()?.display());
        }
        if self.args.export.is_some() {
            println!("exported {}", self.export()?.display());
        }
        Ok(())
    }
}
