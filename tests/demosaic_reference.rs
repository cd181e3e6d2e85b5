//! The GPU demosaic against an independent Malvar-He-Cutler implementation
//! (colour-demosaicing; see tests/fixtures/make_mhc_reference.py).

mod common;

use wisp::frame::CfaPattern;

#[test]
fn gpu_mhc_matches_colour_demosaicing_in_the_interior() {
    let (w, h) = (40usize, 30usize);
    for cfa in CfaPattern::ALL {
        let path = format!(
            "{}/tests/fixtures/mhc_{}_{w}x{h}.bin",
            env!("CARGO_MANIFEST_DIR"),
            cfa.name()
        );
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let floats: Vec<f32> = bytes
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        assert_eq!(floats.len(), w * h * 4, "{path}: size");
        let (mosaic, expected) = floats.split_at(w * h);
        let rgb = common::gpu()
            .demosaic(mosaic, w, h, cfa, &wisp::ops::mhc::Mhc)
            .expect("GPU demosaic");
        let mut worst = 0.0f32;
        for y in 2..h - 2 {
            for x in 2..w - 2 {
                for c in 0..3 {
                    worst =
                        worst.max((rgb.data[y * w + x][c] - expected[(y * w + x) * 3 + c]).abs());
                }
            }
        }
        assert!(
            worst < 1e-5,
            "{}: max difference {worst} from colour-demosaicing",
            cfa.name()
        );
    }
}
