//! Command-line interface: `wisp convert`, `wisp looks` and `wisp bench`.

mod args;
mod bench;
mod convert;
mod looks;
mod progress;
mod report;

use std::process::ExitCode;

use clap::Parser;
use wisp::Engine;

use args::{BenchCommand, Cli, Command};

pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Convert(args) => convert::convert(args),
        Command::Looks(cmd) => looks::looks_command(cmd),
        Command::Bench(BenchCommand::Demosaic { dataset, demosaic }) => {
            bench::bench_demosaic(&dataset, demosaic)
        }
        Command::Bench(BenchCommand::Develop {
            photo,
            runs,
            tone,
            demosaic,
            denoise,
            denoise_quality,
            look,
            profile,
            cpu,
        }) => {
            let settings = wisp::sidecar::Settings {
                look: Some(look),
                tone,
                demosaic: Some(demosaic),
                denoise: Some(denoise),
                denoise_quality: Some(denoise_quality),
                profile: Some(profile),
                ..Default::default()
            };
            bench::bench_develop(&photo, runs as usize, &settings, cpu)
        }
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("wisp: {message}");
            ExitCode::FAILURE
        }
    }
}

fn engine(cpu: bool) -> Engine {
    if cpu {
        return Engine::Cpu;
    }
    match Engine::gpu() {
        Ok(engine) => engine,
        Err(e) => {
            eprintln!("wisp: warning: {e}");
            eprintln!("wisp: warning: falling back to the CPU path (slower)");
            Engine::Cpu
        }
    }
}
