//! Develop every raw in a folder with the library, no CLI: how another
//! program embeds wisp.
//!
//!     cargo run --release --example batch -- IN_DIR OUT_DIR [LOOK]

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use wisp::batch::{self, OutputOptions, Status};
use wisp::io::output::{Format, JpegOptions};
use wisp::sidecar::{Resolver, Settings, Sidecars};
use wisp::{DevelopParams, Engine};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, output, rest @ ..] = args.as_slice() else {
        return Err("usage: batch IN_DIR OUT_DIR [LOOK]".into());
    };
    let look = rest.first().map_or("authentic", String::as_str);
    // The look, under each photo's sidecar where it has one.
    let develop = Resolver::new(
        Settings {
            look: Some(look.to_string()),
            ..Settings::default()
        },
        Sidecars::Apply,
        DevelopParams::default(),
    );
    develop.defaults()?;

    let jobs = batch::plan(&[PathBuf::from(input)], true, output.as_ref(), Format::Jpeg)?.jobs;
    let out = OutputOptions {
        format: Format::Jpeg,
        jpeg: JpegOptions {
            quality: 90,
            ..JpegOptions::default()
        },
        overwrite: true,
    };
    let threads = std::thread::available_parallelism()?.get();
    let reports = batch::run(
        &jobs,
        // A GPU when there is one, the CPU twin otherwise.
        || vec![Engine::gpu().unwrap_or(Engine::Cpu)],
        &develop,
        &out,
        threads,
        &AtomicBool::new(false),
        &|r| {
            println!(
                "{:?} {} {}",
                r.status,
                r.input.display(),
                r.error.as_deref().unwrap_or("")
            );
        },
    )
    .reports;
    let failed = reports
        .iter()
        .filter(|r| r.status == Status::Failed)
        .count();
    println!("{} of {} converted", reports.len() - failed, reports.len());
    Ok(())
}
