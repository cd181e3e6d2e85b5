//! Real-time preview: a window that develops a raw photo live as you turn
//! the dials. The photo is decoded, denoised and demosaiced once (again
//! when the denoise dial or its quality changes); another dial's change re-runs only the
//! pointwise stages, at the window's size (fit) or over
//! the visible part at full resolution (1:1), and the result is drawn
//! straight from the GPU texture.
//!
//!     cargo run --release --example preview -- PHOTO [--look NAME]
//!
//! Keys: E exposure, T tone map, L look, V vignette, W temperature, I tint,
//! D denoise select the dial that the mouse wheel and the arrow keys turn; F fit,
//! 1 full resolution (drag to pan), S before/after split (drag the line),
//! K clipping marks (clipped highlights red, crushed shadows blue).
//!
//! Headless, for tests and machines without a display: renders N frames
//! through the same engine into an offscreen texture, turning the exposure
//! dial every frame, and prints `frames: N, median: X ms, p95: Y ms` last.
//!
//!     preview PHOTO --frames N --size WxH [--actual] [--screenshot FILE.png]
//!
//! `--quit-after N` closes the window after N frames and prints the same line.

mod args;
mod darkroom;
mod dials;
mod headless;
mod panel;
mod window;

fn main() -> std::process::ExitCode {
    let result = args::parse().and_then(|args| match args.frames {
        Some(n) => headless::headless(&args, n),
        None => window::windowed(args),
    });
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("preview: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
