//! Progress of a batch: a bar on a terminal, plain lines otherwise.

use std::io::IsTerminal;
use std::time::Instant;

use wisp::batch;

/// A progress bar on a terminal, plain lines otherwise.
pub(super) struct Progress {
    pub(super) bar: Option<indicatif::ProgressBar>,
    pub(super) quiet: bool,
    pub(super) verbose: bool,
    pub(super) start: Instant,
    pub(super) megapixels: std::sync::Mutex<f64>,
}

impl Progress {
    pub(super) fn new(total: usize, quiet: bool, verbose: bool) -> Self {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::new(total as u64);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{bar:32.cyan/blue} {pos}/{len} files  {msg}  ETA {eta}",
                )
                .expect("valid template"),
            );
            bar
        });
        Progress {
            bar,
            quiet,
            verbose,
            start: Instant::now(),
            megapixels: std::sync::Mutex::new(0.0),
        }
    }

    /// A line on stderr, above the bar if there is one.
    pub(super) fn say(&self, line: String) {
        match &self.bar {
            Some(bar) => bar.println(line),
            None => eprintln!("{line}"),
        }
    }

    pub(super) fn file_done(&self, r: &batch::FileReport) {
        let line = match (&r.status, &r.error) {
            (batch::Status::Failed, Some(e)) => Some(format!("wisp: failed: {e}")),
            (batch::Status::Skipped, e) if !self.quiet => Some(format!(
                "skipped {}: {}",
                r.output.display(),
                e.as_deref().unwrap_or("")
            )),
            (batch::Status::Converted, _) if self.verbose => Some(format!(
                "{} -> {} ({}x{}; decode {:.0} ms, develop {:.0} ms, encode {:.0} ms){}",
                r.input.display(),
                r.output.display(),
                r.width.unwrap_or(0),
                r.height.unwrap_or(0),
                r.timings.decode_ms,
                r.timings.develop_ms,
                r.timings.encode_ms,
                r.profile
                    .iter()
                    .map(|p| format!("\n  camera profile: {p}"))
                    .chain(r.notes.iter().map(|n| format!("\n  note: {n}")))
                    .collect::<String>()
            )),
            (batch::Status::Converted, _) if !self.quiet && self.bar.is_none() => {
                Some(format!("{} -> {}", r.input.display(), r.output.display()))
            }
            _ => None,
        };
        let mp = {
            let mut m = self.megapixels.lock().expect("progress lock");
            *m += r.megapixels();
            *m
        };
        match &self.bar {
            Some(bar) => {
                if let Some(l) = line {
                    bar.println(l);
                }
                bar.set_message(format!(
                    "{:.1} MP/s",
                    mp / self.start.elapsed().as_secs_f64().max(1e-9)
                ));
                bar.inc(1);
            }
            None => {
                if let Some(l) = line {
                    if r.status == batch::Status::Failed {
                        eprintln!("{l}");
                    } else {
                        println!("{l}");
                    }
                }
            }
        }
    }

    pub(super) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
