//! The display histogram: the GPU kernel counts what its CPU twin counts,
//! on random codes of odd sizes and on a real preview frame.

mod common;

use common::*;

use rand::Rng;
use wisp::histogram::{Histogram, Histograms};
use wisp::pipeline::Display;
use wisp::preview::{Preview, View};
use wisp::{io, DevelopParams, Pixels, ToneOp};

/// An rgba8unorm texture holding interleaved RGB `codes`.
fn display_texture(width: usize, height: usize, codes: &[u8]) -> wgpu::Texture {
    let gpu = gpu().gpu();
    let texture = gpu.texture("codes", width, height, wgpu::TextureFormat::Rgba8Unorm);
    let rgba: Vec<u8> = codes
        .chunks_exact(3)
        .flat_map(|p| [p[0], p[1], p[2], 255])
        .collect();
    gpu.queue.write_texture(
        texture.as_image_copy(),
        &rgba,
        wgpu::TexelCopyBufferLayout {
            offset: 0,
            bytes_per_row: Some(4 * width as u32),
            rows_per_image: None,
        },
        texture.size(),
    );
    texture
}

#[test]
fn gpu_histogram_matches_its_cpu_twin_on_random_codes() {
    let histograms = Histograms::default();
    let mut rng = rng(15);
    for (w, h) in ODD_SIZES.into_iter().chain([(1, 1), (257, 129)]) {
        let codes: Vec<u8> = (0..w * h * 3).map(|_| rng.random()).collect();
        let texture = display_texture(w, h, &codes);
        let got = histograms.of(gpu().gpu(), &texture).unwrap();
        let want = Histogram::of_codes(&codes);
        assert_eq!(got, want, "{w}x{h}");
        assert_eq!(got.pixels(), (w * h) as u64);
    }
    // Every pixel in one bin: the workgroup counts add up across groups.
    let (w, h) = (333, 97);
    let codes = vec![255u8; w * h * 3];
    let got = histograms
        .of(gpu().gpu(), &display_texture(w, h, &codes))
        .unwrap();
    assert_eq!(got.clipped(), ([(w * h) as u32; 3], [0; 3]));
}

#[test]
fn gpu_histogram_of_a_preview_frame_matches_its_codes() {
    let source = io::load(&fixture("assets/samples/parrots.dng")).unwrap();
    let params = DevelopParams {
        exposure: 1.5,
        tone: ToneOp::None,
        ..DevelopParams::default()
    };
    let mut preview = Preview::new(gpu(), &source, &params).unwrap();
    let frame = preview
        .frame(
            &params,
            View::Fit {
                width: 601,
                height: 397,
            },
            Display::default(),
        )
        .unwrap();
    let got = preview.histogram(&frame).unwrap();
    let read = preview.read(&frame).unwrap();
    let Pixels::Eight(codes) = &read.pixels else {
        panic!("8-bit frame")
    };
    assert_eq!(got, Histogram::of_codes(codes));
    // Pushed 1.5 EV without a tone map's shoulder, the parrots clip.
    assert!(
        got.clipped().0.iter().any(|&n| n > 0),
        "{:?}",
        got.clipped()
    );
}
