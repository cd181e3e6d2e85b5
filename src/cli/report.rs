//! The end of a batch: its one-line summary and the `--report` JSON.

use std::path::Path;

use wisp::batch::{self, Status};
use wisp::io::output;

/// What a batch did.
pub(super) struct Summary {
    converted: usize,
    skipped: usize,
    pub(super) failed: usize,
    seconds: f64,
    megapixels: f64,
}

impl Summary {
    pub(super) fn of(reports: &[batch::FileReport], seconds: f64) -> Self {
        let count = |s: Status| reports.iter().filter(|r| r.status == s).count();
        Summary {
            converted: count(Status::Converted),
            skipped: count(Status::Skipped),
            failed: count(Status::Failed),
            seconds,
            megapixels: reports
                .iter()
                .filter(|r| r.status == Status::Converted)
                .map(|r| r.megapixels())
                .sum(),
        }
    }

    pub(super) fn line(&self) -> String {
        let line = format!(
            "converted {}, skipped {}, failed {} of {} in {:.2} s",
            self.converted,
            self.skipped,
            self.failed,
            self.converted + self.skipped + self.failed,
            self.seconds,
        );
        // A speed only for work done: nothing converted is no speed at all.
        if self.megapixels > 0.0 {
            format!(
                "{line} ({:.1} MP/s)",
                self.megapixels / self.seconds.max(1e-9)
            )
        } else {
            line
        }
    }

    /// Every file's report and this summary, as JSON at `path`.
    pub(super) fn write(&self, path: &Path, reports: &[batch::FileReport]) -> Result<(), String> {
        let json = serde_json::json!({
            "summary": {
                "converted": self.converted,
                "skipped": self.skipped,
                "failed": self.failed,
                "seconds": self.seconds,
                "megapixels": self.megapixels,
            },
            "files": reports,
        });
        let text = serde_json::to_string_pretty(&json).map_err(|e| e.to_string())?;
        output::write_text(path, &text).map_err(|e| e.to_string())
    }
}
