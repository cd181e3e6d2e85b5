//! The whole pipeline: GPU against the CPU twin end to end, fused against
//! separate dispatches, real DNGs written by a third-party writer, developed
//! image inputs, orientation, and errors as values.

mod common;

use common::*;
use wisp::frame::{CfaPattern, LinearImage, Orientation, Photo, Pixels, RawFrame, Rendered};
use wisp::params::{Bits, Demosaic, DevelopParams, ToneOp};
use wisp::pipeline::Fusion;
use wisp::{cpu, io};

#[test]
fn gpu_matches_cpu_end_to_end_on_random_raws() {
    let mut rng = rng(10);
    for (w, h) in ODD_SIZES {
        for cfa in CfaPattern::ALL {
            let photo = Photo::Raw(random_frame(&mut rng, w, h, cfa));
            for params in [DevelopParams::default(), DevelopParams::neutral(), graded()] {
                for bits in [Bits::Eight, Bits::Sixteen] {
                    let params = DevelopParams {
                        bits,
                        ..params.clone()
                    };
                    let g = gpu().develop(&photo, &params, Fusion::Fused).unwrap();
                    let c = cpu::develop(&photo, &params).unwrap();
                    let fraction = if bits == Bits::Eight { 0.003 } else { 0.02 };
                    // The noise reduction (on by default, and these frames
                    // are noisy) stores its smooth levels as f16, where a
                    // part in 10^7 between the two sides' exp() can round
                    // to the neighbouring f16 (tests/denoise.rs), and hands
                    // the demosaic 16-bit photosites; the colour matrix and
                    // the dark end of the sRGB curve amplify that to some
                    // 16-bit codes at under 1 % of the values (measured: up
                    // to 34 of 65535 with AgX, 80 without a tone curve).
                    let denoised = params.denoise != wisp::Denoise::Off;
                    let max = if denoised && bits == Bits::Sixteen {
                        160
                    } else {
                        1
                    };
                    assert_codes_close(
                        &g,
                        &c,
                        max,
                        fraction,
                        &format!("{w}x{h} {} {bits:?} {:?}", cfa.name(), params.tone),
                    );
                }
            }
        }
    }
}

#[test]
fn fused_and_separate_dispatches_give_the_same_pixels() {
    // The fused raw kernel is specialised per setting and develops blocks
    // of pixels laid out from the red photosite, so every Bayer phase,
    // sizes that are not whole blocks, and kernels with and without each
    // optional stage are compared with the stage-by-stage dispatches.
    let mut rng = rng(11);
    let mut settings: Vec<DevelopParams> = ToneOp::ALL
        .iter()
        .map(|&tone| DevelopParams { tone, ..graded() })
        .collect();
    settings.push(DevelopParams {
        bits: Bits::Sixteen,
        ..graded()
    });
    settings.push(DevelopParams::default());
    settings.push(DevelopParams {
        bits: Bits::Sixteen,
        ..DevelopParams::default()
    });
    settings.push(DevelopParams {
        bits: Bits::Sixteen,
        dither: false,
        ..DevelopParams::neutral()
    });
    for (w, h) in ODD_SIZES {
        for cfa in CfaPattern::ALL {
            let photo = Photo::Raw(random_frame(&mut rng, w, h, cfa));
            for params in &settings {
                let fused = gpu().develop(&photo, params, Fusion::Fused).unwrap();
                let separate = gpu().develop(&photo, params, Fusion::Separate).unwrap();
                let what = format!("{w}x{h} {} {:?} {:?}", cfa.name(), params.tone, params.bits);
                // The fused kernel takes AgX's last power and the sRGB
                // curve as one when nothing stands between them: the same
                // pixels up to float rounding, and at 8 bits up to the
                // error of the polynomials that replace the power.
                let joined = params.tone == ToneOp::Agx
                    && params.lut.is_none()
                    && params.vignette.amount == 0.0;
                if joined {
                    assert_codes_close(&fused, &separate, 1, 0.01, &what);
                } else {
                    assert!(fused == separate, "{what}: fused and separate differ");
                }
            }
        }
    }
}

/// The smallest band, in bytes, that the batch kernel can develop `frame`
/// in: one block row.
fn smallest_band(device: &wisp::gpu::Gpu, frame: &RawFrame, target: wisp::block::Target) -> u64 {
    (1..)
        .map(|k| 64 * k)
        .find(|&bytes| wisp::block::fits(device, frame, target, Some(bytes)))
        .unwrap()
}

#[test]
fn bands_join_without_a_seam() {
    // The batch kernel splits a frame into bands of rows when its buffers
    // would exceed the device's limits. Forced down to one block row per
    // band and up, the result must equal the stage-by-stage dispatches,
    // vignette and dither included (both depend on the global position).
    use wisp::block::{self, Target};
    use wisp::{kernels::Kernels, plan::Plan, pool::Pool};
    let mut rng = rng(12);
    let device = gpu().gpu();
    let (kernels, pool) = (Kernels::default(), Pool::default());
    for (cfa, demosaic) in CfaPattern::ALL
        .into_iter()
        .flat_map(|c| Demosaic::ALL.map(|d| (c, d)))
    {
        let frame = random_frame(&mut rng, 1001, 67, cfa);
        for bits in [Bits::Eight, Bits::Sixteen] {
            let params = DevelopParams {
                bits,
                demosaic,
                ..graded()
            };
            let separate = gpu()
                .develop(&Photo::Raw(frame.clone()), &params, Fusion::Separate)
                .unwrap();
            let photo = Photo::Raw(frame.clone());
            let plan = Plan::new(&photo, &params, true);
            let wisp::plan::Scene::Raw(raw) = &plan.scene else {
                unreachable!("a raw photo")
            };
            // With the images of a demosaic's first passes (GBTF's), over
            // the whole frame.
            let inputs = gpu().block_inputs(*raw).unwrap();
            let banded = |band_bytes| {
                block::develop(
                    device,
                    &kernels,
                    &pool,
                    &inputs,
                    &plan.pointwise,
                    Some(band_bytes),
                )
            };
            // Not even one block row fits: a clear error, no panic.
            assert!(!block::fits(device, &frame, Target::Codes(bits), Some(100)));
            let err = banded(100).unwrap_err();
            assert!(err.to_string().contains("buffer limit"), "{err}");
            // One block row per band (the smallest band that fits), a few,
            // and (almost) all at once.
            let smallest = smallest_band(device, &frame, Target::Codes(bits));
            for band_bytes in [smallest, 64_000, 1_000_000] {
                assert!(block::fits(
                    device,
                    &frame,
                    Target::Codes(bits),
                    Some(band_bytes)
                ));
                let banded = banded(band_bytes).unwrap();
                assert!(
                    banded == separate,
                    "{} {} {bits:?}, bands of {band_bytes} bytes: differs from the separate passes",
                    cfa.name(),
                    demosaic.name()
                );
            }
        }
    }
}

#[test]
fn the_block_scene_equals_the_stencil_passes() {
    // The preview's scene (and `--max-size`'s) comes from the batch
    // kernel's `scene_main`; the linearize and demosaic passes are the
    // reference. Every phase, odd sizes, and bands down to one block row.
    use wisp::block::{self, Target};
    use wisp::{kernels::Kernels, pool::Pool};
    let mut rng = rng(14);
    let device = gpu().gpu();
    let (kernels, pool) = (Kernels::default(), Pool::default());
    for (w, h) in ODD_SIZES {
        for (cfa, demosaic) in CfaPattern::ALL
            .into_iter()
            .flat_map(|c| Demosaic::ALL.map(|d| (c, d)))
        {
            let frame = random_frame(&mut rng, w, h, cfa);
            let mosaic = gpu().photosites(&frame).unwrap();
            let reference = gpu().demosaic(&mosaic, w, h, cfa, demosaic.op()).unwrap();
            let photo = Photo::Raw(frame.clone());
            let params = DevelopParams {
                demosaic,
                ..plain()
            };
            let scene = gpu().scene(&photo, &params).unwrap();
            let whole = gpu().read_scene(&scene).unwrap();
            assert!(
                whole == reference,
                "{w}x{h} {} {}: scene differs",
                cfa.name(),
                demosaic.name()
            );
            // One block row per band.
            let band = Some(smallest_band(device, &frame, Target::Scene));
            let raw = wisp::plan::RawScene {
                frame: &frame,
                denoise: None,
                demosaic: params.demosaic.op(),
            };
            let inputs = gpu().block_inputs(raw).unwrap();
            let texture = block::scene(device, &kernels, &pool, &inputs, band).unwrap();
            let banded = gpu()
                .read_scene(&wisp::pipeline::Scene {
                    texture,
                    matrix: frame.cam_to_srgb,
                })
                .unwrap();
            assert!(
                banded == reference,
                "{w}x{h} {}: banded scene differs",
                cfa.name()
            );
        }
    }
}

#[test]
fn staging_copies_and_buffers_mapped_in_place_give_the_same_pixels() {
    // A CPU device (lavapipe) fills and reads the kernels' storage buffers
    // in place; other GPUs go through staging buffers. Both paths, here on
    // one device.
    use wisp::gpu::Gpu;
    use wisp::pipeline::GpuPipeline;
    let mut device = Gpu::new().expect("an adapter");
    device.maps_storage = false;
    let staged = GpuPipeline::new(device);
    let mut rng = rng(15);
    for (w, h) in ODD_SIZES {
        let photo = Photo::Raw(random_frame(&mut rng, w, h, CfaPattern::Gbrg));
        for bits in [Bits::Eight, Bits::Sixteen] {
            let params = DevelopParams { bits, ..graded() };
            let a = gpu().develop(&photo, &params, Fusion::Fused).unwrap();
            let b = staged.develop(&photo, &params, Fusion::Fused).unwrap();
            assert!(a == b, "{w}x{h} {bits:?}: developments differ");
        }
        let params = DevelopParams::default();
        let a = gpu()
            .read_scene(&gpu().scene(&photo, &params).unwrap())
            .unwrap();
        let b = staged
            .read_scene(&staged.scene(&photo, &params).unwrap())
            .unwrap();
        assert!(a == b, "{w}x{h}: scenes differ");
    }
}

#[test]
fn the_batch_path_develops_frames_wider_than_a_texture() {
    // Only the stage-by-stage path is held to the texture limit; the batch
    // kernel works from buffers, in bands. GBTF keeps images of the whole
    // frame, which do not fit: such a frame is demosaiced with `fast`.
    let mut rng = rng(13);
    let width = gpu().gpu().max_side() as usize + 6;
    let photo = Photo::Raw(random_frame(&mut rng, width, 6, CfaPattern::Bggr));
    let fast = DevelopParams {
        demosaic: Demosaic::Fast,
        ..plain()
    };
    let g = gpu().develop(&photo, &fast, Fusion::Fused).unwrap();
    let c = cpu::develop(&photo, &fast).unwrap();
    assert_codes_close(&g, &c, 1, 0.003, &format!("{width}x6"));
    assert!(gpu().develop(&photo, &fast, Fusion::Separate).is_err());
    let gbtf = DevelopParams {
        demosaic: Demosaic::Gbtf,
        ..plain()
    };
    let by_default = gpu().develop(&photo, &gbtf, Fusion::Fused).unwrap();
    assert!(by_default == g, "{width}x6: not developed with fast");
}

#[test]
fn every_tone_operator_matches_cpu_on_the_sample() {
    let source = io::load(&fixture("assets/samples/parrots.dng")).expect("sample decodes");
    for tone in ToneOp::ALL {
        let params = DevelopParams {
            tone,
            ..DevelopParams::default()
        };
        let g = gpu()
            .develop(&source.photo, &params, Fusion::Fused)
            .unwrap();
        let c = cpu::develop(&source.photo, &params).unwrap();
        assert_codes_close(&g, &c, 1, 0.002, &format!("sample, {tone:?}"));
    }
}

#[test]
fn neutral_development_of_the_sample_reproduces_the_original() {
    // The sample was made from this PNG through a synthetic camera; the
    // neutral development undoes the camera exactly, so what remains is the
    // demosaic's error (measured with the benchmark's 10 px border crop:
    // 35.95 dB with the default GBTF, 33.83 dB with `fast`).
    let source = io::load(&fixture("assets/samples/parrots.dng")).unwrap();
    let out = gpu()
        .develop(&source.photo, &DevelopParams::neutral(), Fusion::Fused)
        .unwrap();
    let reference = image::open(fixture("assets/samples/parrots-reference.png"))
        .unwrap()
        .into_rgb8();
    assert_eq!(
        (out.width as u32, out.height as u32),
        reference.dimensions()
    );
    let Pixels::Eight(px) = &out.pixels else {
        panic!("8-bit output expected")
    };
    let reference8 = wisp::bench::Rgb8 {
        width: out.width,
        height: out.height,
        data: reference.as_raw().clone(),
    };
    let db = wisp::bench::cpsnr(&reference8, px, 10);
    assert!(db > 35.5, "neutral development vs original: {db:.2} dB");
    // The mean colour is right: no cast from white balance or matrix.
    for c in 0..3 {
        let mean = |v: &[u8]| {
            v.iter().skip(c).step_by(3).map(|&x| x as f64).sum::<f64>() / (v.len() / 3) as f64
        };
        let (got, want) = (mean(px), mean(reference.as_raw()));
        assert!(
            (got - want).abs() < 1.0,
            "channel {c}: mean {got:.2}, original {want:.2}"
        );
    }
}

#[test]
fn pidng_fixture_decodes_with_its_levels_and_phase() {
    let source = io::load(&fixture("tests/fixtures/grbg_64x48.dng")).expect("decodes");
    let Photo::Raw(frame) = &source.photo else {
        panic!("a raw frame")
    };
    assert_eq!((frame.width, frame.height), (64, 48));
    assert_eq!(frame.cfa, CfaPattern::Grbg);
    assert_eq!(frame.black, [60.0, 62.0, 64.0, 66.0]);
    assert_eq!(frame.white, 1023.0);
    // AsShotNeutral 0.5 1 0.8 -> multipliers 2, 1, 1.25.
    for (got, want) in frame.wb.iter().zip([2.0, 1.0, 1.25]) {
        assert!((got - want).abs() < 1e-3, "white balance {:?}", frame.wb);
    }
    for y in 0..48 {
        for x in 0..64 {
            assert_eq!(
                frame.mosaic[y * 64 + x] as usize,
                100 + (7 * x + 3 * y) % 900,
                "photosite ({x},{y})"
            );
        }
    }
    assert_eq!(source.orientation, Orientation::Normal);
    assert_eq!(source.camera.as_deref(), Some("wisp synthetic"));
}

#[test]
fn default_crop_moves_the_cfa_phase() {
    let source = io::load(&fixture("tests/fixtures/rggb_crop.dng")).expect("decodes");
    let Photo::Raw(frame) = &source.photo else {
        panic!("a raw frame")
    };
    assert_eq!((frame.width, frame.height), (64, 48));
    // RGGB seen from (1, 1) starts on blue.
    assert_eq!(frame.cfa, CfaPattern::Bggr);
    assert_eq!(frame.mosaic[0] as usize, 100 + 7 + 3);
    assert_eq!(frame.black, [64.0; 4]);
}

#[test]
fn unsupported_and_absurd_raws_are_clear_errors() {
    let err = io::load(&fixture("tests/fixtures/xtrans_6x6.dng")).unwrap_err();
    assert!(
        matches!(err, wisp::error::DecodeError::UnsupportedCfa { .. }),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("xtrans_6x6.dng: unsupported CFA pattern 6x6"),
        "{err}"
    );
    // The header claims 30 gigapixels; the decoder must refuse, not allocate.
    let err = io::load(&fixture("tests/fixtures/huge_dims.dng")).unwrap_err();
    assert!(err.to_string().contains("huge_dims.dng"), "{err}");
}

#[test]
fn developed_images_skip_the_raw_stages() {
    let dir = tempdir("developed");
    let mut rng = rng(12);
    let (w, h) = (37, 23);
    let px8: Vec<u8> = (0..w * h * 3)
        .map(|_| rand::Rng::random(&mut rng))
        .collect();
    let px16: Vec<u16> = (0..w * h * 3)
        .map(|_| rand::Rng::random(&mut rng))
        .collect();
    let p8 = dir.join("in8.png");
    let p16 = dir.join("in16.png");
    image::RgbImage::from_raw(w as u32, h as u32, px8.clone())
        .unwrap()
        .save(&p8)
        .unwrap();
    image::ImageBuffer::<image::Rgb<u16>, _>::from_raw(w as u32, h as u32, px16.clone())
        .unwrap()
        .save(&p16)
        .unwrap();
    let plain = |bits| DevelopParams {
        tone: ToneOp::None,
        dither: false,
        bits,
        ..DevelopParams::default()
    };
    // Decoded to linear light and encoded again, the codes come back.
    let out = gpu()
        .develop(
            &io::load(&p8).unwrap().photo,
            &plain(Bits::Eight),
            Fusion::Fused,
        )
        .unwrap();
    assert_eq!(out.pixels, Pixels::Eight(px8));
    let out = gpu()
        .develop(
            &io::load(&p16).unwrap().photo,
            &plain(Bits::Sixteen),
            Fusion::Fused,
        )
        .unwrap();
    let Pixels::Sixteen(got) = out.pixels else {
        panic!()
    };
    let worst = got
        .iter()
        .zip(&px16)
        .map(|(a, b)| a.abs_diff(*b))
        .max()
        .unwrap();
    assert!(worst <= 1, "16-bit round trip off by {worst}");
    // JPEG and TIFF inputs are read too.
    let jpg = dir.join("in.jpg");
    let tif = dir.join("in.tif");
    image::open(&p8).unwrap().save(&jpg).unwrap();
    image::open(&p16).unwrap().save(&tif).unwrap();
    for p in [jpg, tif] {
        let s = io::load(&p).unwrap();
        assert_eq!(s.size(), (w, h), "{}", p.display());
    }
}

#[test]
fn orientation_turns_the_pixels_upright() {
    // A 3x2 image whose pixels are numbered 0..6.
    let r = Rendered {
        width: 3,
        height: 2,
        pixels: Pixels::Eight((0..6u8).flat_map(|v| [v, v, v]).collect()),
    };
    let ids = |r: &Rendered| match &r.pixels {
        Pixels::Eight(p) => p.iter().step_by(3).copied().collect::<Vec<u8>>(),
        _ => unreachable!(),
    };
    // Stored:  0 1 2 / 3 4 5
    let cases = [
        (1, (3, 2), vec![0, 1, 2, 3, 4, 5]),
        (2, (3, 2), vec![2, 1, 0, 5, 4, 3]),
        (3, (3, 2), vec![5, 4, 3, 2, 1, 0]),
        (4, (3, 2), vec![3, 4, 5, 0, 1, 2]),
        (5, (2, 3), vec![0, 3, 1, 4, 2, 5]),
        (6, (2, 3), vec![3, 0, 4, 1, 5, 2]),
        (7, (2, 3), vec![5, 2, 4, 1, 3, 0]),
        (8, (2, 3), vec![2, 5, 1, 4, 0, 3]),
    ];
    for (exif, size, want) in cases {
        let o = r.clone().oriented(Orientation::from_exif(exif));
        assert_eq!((o.width, o.height), size, "orientation {exif}");
        assert_eq!(ids(&o), want, "orientation {exif}");
    }
}

#[test]
fn gpu_limits_are_errors_not_panics() {
    let side = gpu().gpu().max_side() as usize + 1;
    let photo = Photo::Developed(LinearImage {
        width: side,
        height: 2,
        data: vec![[0.5; 4]; side * 2],
    });
    let err = gpu()
        .develop(&photo, &DevelopParams::default(), Fusion::Fused)
        .unwrap_err();
    assert!(err.to_string().contains("texture limit"), "{err}");
    let bad = DevelopParams {
        exposure: f32::NAN,
        ..DevelopParams::default()
    };
    let small = Photo::Developed(LinearImage {
        width: 2,
        height: 2,
        data: vec![[0.5; 4]; 4],
    });
    assert!(gpu().develop(&small, &bad, Fusion::Fused).is_err());
}

#[test]
fn threads_sharing_one_gpu_get_their_own_frames() {
    // A batch develops on two threads per GPU, one uploading or reading
    // back while the device runs the other's frame, with buffers from one
    // pool. Frames of different sizes and patterns, developed at once,
    // must each come out exactly as when developed alone.
    let mut rng = rng(41);
    let sizes = [
        (640, 480),
        (333, 517),
        (1001, 667),
        (64, 2),
        (640, 480),
        (97, 301),
    ];
    let cfas = [
        CfaPattern::Rggb,
        CfaPattern::Gbrg,
        CfaPattern::Grbg,
        CfaPattern::Bggr,
    ];
    let photos: Vec<Photo> = sizes
        .iter()
        .zip(cfas.iter().cycle())
        .map(|(&(w, h), &cfa)| Photo::Raw(random_frame(&mut rng, w, h, cfa)))
        .collect();
    let params = DevelopParams::default();
    let develop = |p: &Photo| gpu().develop(p, &params, Fusion::Fused).unwrap();
    let alone: Vec<Rendered> = photos.iter().map(develop).collect();
    for _ in 0..3 {
        let together: Vec<Rendered> = std::thread::scope(|s| {
            let threads: Vec<_> = photos
                .chunks(2)
                .map(|pair| s.spawn(move || pair.iter().map(develop).collect::<Vec<_>>()))
                .collect();
            threads
                .into_iter()
                .flat_map(|t| t.join().unwrap())
                .collect()
        });
        for (i, (a, t)) in alone.iter().zip(&together).enumerate() {
            assert_eq!((a.width, a.height), (t.width, t.height), "frame {i}");
            assert!(
                codes(a) == codes(t),
                "frame {i} changed when developed beside others"
            );
        }
    }
}

/// A pointwise op defined here, outside the library: its WGSL and its
/// Rust twin, and nothing else. It swaps channels, scaled by a gain that
/// grows across the output (so it also sees where each pixel is).
mod outside_op {
    use bytemuck::{Pod, Zeroable};
    use wisp::ops::{Op, Pixel, Pointwise, Wgsl};

    pub static WGSL: Wgsl = Wgsl {
        name: "test_swap",
        source: "
struct SwapParams {
    gain: f32,
    _pad0: f32,
    _pad1: f32,
    _pad2: f32,
}

fn test_swap_apply(c: vec3<f32>, px: Pixel, p: SwapParams) -> vec3<f32> {
    let across = f32(px.xy.x) / f32(px.full_size.x);
    return c.gbr * (p.gain + across);
}
",
        params: Some("SwapParams"),
    };

    #[repr(C)]
    #[derive(Clone, Copy, Pod, Zeroable)]
    pub struct Swap {
        pub gain: f32,
        pub _pad: [f32; 3],
    }

    impl Op for Swap {
        fn wgsl(&self) -> &'static Wgsl {
            &WGSL
        }

        fn uniform(&self) -> Vec<u8> {
            bytemuck::bytes_of(self).to_vec()
        }
    }

    impl Pointwise for Swap {
        fn apply(&self, c: [f32; 3], px: Pixel) -> [f32; 3] {
            let across = px.xy[0] as f32 / px.full_size[0] as f32;
            [c[1], c[2], c[0]].map(|v| v * (self.gain + across))
        }
    }
}

#[test]
fn an_op_defined_outside_the_library_runs_in_every_kernel() {
    // The kernels hold no stage math: a new pointwise op is its WGSL and
    // its Rust twin. Put after the colour op, it runs fused into the block
    // kernel, in the pointwise kernel after `--max-size`, and as its own
    // pass, and equals its twin.
    use wisp::plan::Plan;
    let mut rng = rng(16);
    let swap = || {
        Box::new(outside_op::Swap {
            gain: 0.6,
            _pad: [0.0; 3],
        })
    };
    for (w, h) in [(37, 23), (1001, 67)] {
        let photo = Photo::Raw(random_frame(&mut rng, w, h, CfaPattern::Gbrg));
        for max_size in [None, Some(20)] {
            let params = DevelopParams {
                bits: Bits::Sixteen,
                max_size,
                ..graded()
            };
            let plain = Plan::new(&photo, &params, true);
            let plain = gpu().develop_plan(&plain, Fusion::Fused).unwrap();
            let mut plans: Vec<Plan> = [true, false]
                .map(|join| Plan::new(&photo, &params, join))
                .into();
            for plan in &mut plans {
                plan.pointwise.ops.insert(1, swap());
            }
            let fused = gpu().develop_plan(&plans[0], Fusion::Fused).unwrap();
            let separate = gpu().develop_plan(&plans[1], Fusion::Separate).unwrap();
            let twin = cpu::develop_plan(&plans[0]);
            let what = format!("{w}x{h}, max size {max_size:?}");
            assert!(fused != plain, "{what}: the op changed nothing");
            assert!(
                fused == separate,
                "{what}: fused and one pass per op differ"
            );
            assert_codes_close(&fused, &twin, 1, 0.01, &what);
        }
    }
}

#[test]
fn scene_tiles_join_without_a_seam() {
    // The texture passes develop a frame in tiles, each with the stencil's
    // reach around it. Tiles of 37 pixels (GBTF reaches 15) must give the
    // scene of one tile for the whole frame, for every demosaic and phase.
    use wisp::gpu::Gpu;
    use wisp::pipeline::GpuPipeline;
    let tiled = GpuPipeline::new(Gpu::new().expect("an adapter")).with_scene_tile(37);
    let mut rng = rng(17);
    for demosaic in wisp::Demosaic::ALL {
        for cfa in CfaPattern::ALL {
            let photo = Photo::Raw(random_frame(&mut rng, 301, 203, cfa));
            let params = DevelopParams {
                demosaic,
                bits: Bits::Sixteen,
                ..graded()
            };
            let what = format!("{} {}", demosaic.name(), cfa.name());
            let whole = gpu().develop(&photo, &params, Fusion::Separate).unwrap();
            let tiles = tiled.develop(&photo, &params, Fusion::Separate).unwrap();
            assert!(whole == tiles, "{what}: tiles differ from the whole frame");
            let whole = gpu().read_scene(&gpu().scene(&photo, &params).unwrap());
            let tiles = tiled.read_scene(&tiled.scene(&photo, &params).unwrap());
            assert!(
                whole.unwrap() == tiles.unwrap(),
                "{what}: tiled scene differs"
            );
        }
    }
}

#[test]
fn baseline_exposure_moves_the_zero_point_of_exposure() {
    // The same photosites with BaselineExposure 0.75 and
    // BaselineExposureOffset 0.25 develop as the plain file at +1 EV.
    let with = io::load(&fixture("tests/fixtures/baseline_exposure.dng")).unwrap();
    let plain = io::load(&fixture("tests/fixtures/grbg_64x48.dng")).unwrap();
    let params = DevelopParams {
        bits: Bits::Sixteen,
        ..DevelopParams::neutral()
    };
    let brighter = DevelopParams {
        exposure: 1.0,
        ..params.clone()
    };
    let got = gpu().develop(&with.photo, &params, Fusion::Fused).unwrap();
    let want = gpu()
        .develop(&plain.photo, &brighter, Fusion::Fused)
        .unwrap();
    let unchanged = gpu().develop(&plain.photo, &params, Fusion::Fused).unwrap();
    assert!(got == want, "BaselineExposure is not +1 EV");
    assert!(got != unchanged, "BaselineExposure changed nothing");
    assert!(
        cpu::develop(&with.photo, &params).unwrap()
            == cpu::develop(&plain.photo, &brighter).unwrap()
    );
}

#[test]
fn a_chart_lit_by_illuminant_a_develops_to_its_srgb_values() {
    // Forward matrices for A and D65, the colour matrices' interpolation
    // weight, Bradford from D50 to D65 and BaselineExposure: the DNG
    // colour model, whole. Each 16x16 patch's middle 8x8, averaged, must
    // be its sRGB value within a code (dither and 12-bit photosites).
    // The same chart as a linear raw (three samples a pixel, no mosaic)
    // goes through the same colour model, and so does the chart whose
    // white is given as AsShotWhiteXY, with a D65 colour matrix unlike A's
    // (the camera's response to that white comes from A's matrix).
    for name in [
        "chart_a.dng",
        "chart_a_linear.dng",
        "chart_a_xy.dng",
        "chart_a_linear_shaded.dng",
    ] {
        check_chart(
            &io::load(&fixture(&format!("tests/fixtures/{name}"))).unwrap(),
            name,
        );
    }
}

#[test]
fn a_chart_under_a_third_calibration_illuminant_develops_to_its_srgb_values() {
    // DNG 1.6's third calibration: the chart lit by a light off the
    // Planckian locus ("Other", its white in IlluminantData3), with
    // calibrations for A and D65 made for another camera and the third
    // made for this camera under this light. The white weighs the third
    // alone, and the chart comes out as it was, raw and linear.
    for name in ["chart_triple.dng", "chart_triple_linear.dng"] {
        let source = io::load(&fixture(&format!("tests/fixtures/{name}"))).unwrap();
        check_chart(&source, name);
        // `--verbose` says so.
        let note = "three calibrations, illuminants at (0.4476, 0.4074), (0.3127, 0.3290), \
                    (0.3900, 0.3700): weighted 0.00, 0.00, 1.00";
        assert!(source.notes.iter().any(|n| n == note), "{:?}", source.notes);
    }
    // The same file without the third calibration, as a reader before DNG
    // 1.6 sees it, does not.
    let dual = io::load(&fixture("tests/fixtures/chart_triple_dual.dng")).unwrap();
    let image = gpu()
        .develop(&dual.photo, &DevelopParams::neutral(), Fusion::Fused)
        .unwrap();
    let Pixels::Eight(px) = &image.pixels else {
        panic!("8-bit output")
    };
    let worst = CHART_SRGB
        .iter()
        .enumerate()
        .flat_map(|(i, want)| {
            let at = (((i / 6) * 16 + 8) * image.width + (i % 6) * 16 + 8) * 3;
            (0..3).map(move |c| (px[at + c] as f64 - want[c] as f64).abs())
        })
        .fold(0.0, f64::max);
    assert!(
        worst > 6.0,
        "the first two calibrations alone are off by {worst} at most"
    );
}

fn check_chart(source: &wisp::Source, name: &str) {
    let params = DevelopParams::neutral();
    for (who, image) in [
        (
            "GPU",
            gpu()
                .develop(&source.photo, &params, Fusion::Fused)
                .unwrap(),
        ),
        ("CPU", cpu::develop(&source.photo, &params).unwrap()),
    ] {
        let Pixels::Eight(px) = &image.pixels else {
            panic!("8-bit output")
        };
        for (i, want) in CHART_SRGB.iter().enumerate() {
            let (x0, y0) = ((i % 6) * 16 + 4, (i / 6) * 16 + 4);
            for c in 0..3 {
                let sum: f64 = (y0..y0 + 8)
                    .flat_map(|y| (x0..x0 + 8).map(move |x| (y, x)))
                    .map(|(y, x)| px[(y * image.width + x) * 3 + c] as f64)
                    .sum();
                let mean = sum / 64.0;
                assert!(
                    (mean - want[c] as f64).abs() <= 1.5,
                    "{name}, {who}: patch {i} channel {c}: {mean:.2} for {}",
                    want[c]
                );
            }
        }
    }
}

#[test]
fn gain_maps_flatten_a_shaded_flat_field() {
    // A flat grey field whose corners the lens darkens by 0.2-0.4 EV, per
    // CFA position differently (a colour cast), with the four GainMap
    // opcodes Android writes. Developed through the block kernel, the
    // texture passes and the CPU twin, every corner is within 0.05 EV of
    // the centre in every channel; without the maps it is not.
    let source = io::load(&fixture("tests/fixtures/shading.dng")).unwrap();
    let params = DevelopParams {
        bits: Bits::Sixteen,
        dither: false,
        ..DevelopParams::neutral()
    };
    let Photo::Raw(frame) = &source.photo else {
        panic!("a raw frame")
    };
    assert_eq!(frame.gain_maps.as_ref().map(|m| m.maps.len()), Some(4));
    let unshaded = Photo::Raw(RawFrame {
        gain_maps: None,
        noise: None,
        ..frame.clone()
    });
    // Corner-to-centre ratios in EV, per channel, of 8x8 patches.
    let falloff = |image: &Rendered| -> Vec<f32> {
        let Pixels::Sixteen(px) = &image.pixels else {
            panic!("16-bit output")
        };
        let w = image.width;
        let patch = |x0: usize, y0: usize, c: usize| -> f32 {
            let sum: f32 = (y0..y0 + 8)
                .flat_map(|y| (x0..x0 + 8).map(move |x| (y, x)))
                .map(|(y, x)| {
                    wisp::ops::common::srgb_decode(px[(y * w + x) * 3 + c] as f32 / 65535.0)
                })
                .sum();
            sum / 64.0
        };
        let (cx, cy) = (w / 2 - 4, image.height / 2 - 4);
        let corners = [
            (0, 0),
            (w - 8, 0),
            (0, image.height - 8),
            (w - 8, image.height - 8),
        ];
        corners
            .iter()
            .flat_map(|&(x, y)| (0..3).map(move |c| (x, y, c)))
            .map(|(x, y, c)| (patch(x, y, c) / patch(cx, cy, c)).log2())
            .collect()
    };
    let developed = [
        (
            "block kernel",
            gpu()
                .develop(&source.photo, &params, Fusion::Fused)
                .unwrap(),
        ),
        (
            "texture passes",
            gpu()
                .develop(&source.photo, &params, Fusion::Separate)
                .unwrap(),
        ),
        ("CPU", cpu::develop(&source.photo, &params).unwrap()),
    ];
    for (who, image) in &developed {
        let worst = falloff(image)
            .into_iter()
            .fold(0.0f32, |a, v| a.max(v.abs()));
        assert!(
            worst <= 0.05,
            "{who}: a corner is {worst} EV off the centre"
        );
    }
    assert_codes_close(
        &developed[0].1,
        &developed[2].1,
        1,
        0.01,
        "gain maps, GPU vs CPU",
    );
    let shaded = gpu().develop(&unshaded, &params, Fusion::Fused).unwrap();
    let worst = falloff(&shaded)
        .into_iter()
        .fold(0.0f32, |a, v| a.max(v.abs()));
    assert!(
        worst > 0.2,
        "without the maps the corners are only {worst} EV darker"
    );
}

#[test]
fn idle_textures_are_handed_out_again_by_size_and_format() {
    use wisp::pool::Pool;
    let device = gpu().gpu();
    let pool = Pool::default();
    let f32x4 = wgpu::TextureFormat::Rgba32Float;
    let a = pool.take_texture(device, "a", 33, 17, f32x4);
    let b = pool.take_texture(device, "b", 33, 17, f32x4);
    assert_ne!(a, b, "one texture handed out twice");
    pool.give_back_textures([a.clone()]);
    // Another size or format: a new one.
    let other = pool.take_texture(device, "c", 17, 33, f32x4);
    let half = pool.take_texture(device, "d", 33, 17, wgpu::TextureFormat::Rgba16Float);
    assert!(other != a && half != a);
    assert_eq!(pool.take_texture(device, "e", 33, 17, f32x4), a);
    assert_ne!(pool.take_texture(device, "f", 33, 17, f32x4), a);
    // Beyond the bytes kept, the oldest go.
    let big = |label| pool.take_texture(device, label, 4096, 4096, f32x4);
    let (first, second, third) = (big("1"), big("2"), big("3"));
    pool.give_back_textures([first.clone(), second.clone(), third.clone()]);
    let again = [big("4"), big("5"), big("6")];
    assert!(!again.contains(&first), "1 GiB of 3 kept: the oldest went");
    assert!(again.contains(&second) && again.contains(&third));
}

/// A random lens correction: barrel or pincushion, some tangential part, an
/// off-centre optical centre; each plane its own where `per_plane`, and
/// then in WarpRectilinear2's terms (odd and high powers, a valid range of
/// r, the reciprocal form).
fn random_warp(rng: &mut rand::rngs::StdRng, per_plane: bool) -> wisp::ops::warp::Warp {
    use rand::Rng;
    use wisp::ops::warp::{Lens, Warp, TERMS};
    let mut plane = || {
        let mut lens = Lens::rectilinear([
            rng.random_range(0.95..1.05),
            rng.random_range(-0.1..0.1),
            rng.random_range(-0.03..0.03),
            rng.random_range(-0.01..0.01),
            rng.random_range(-0.005..0.005),
            rng.random_range(-0.005..0.005),
        ]);
        if per_plane {
            for i in [1, 3, 9, TERMS - 1] {
                lens.radial[i] = rng.random_range(-0.02..0.02);
            }
            lens.valid = [rng.random_range(0.0..0.2), rng.random_range(0.7..1.0)];
        }
        lens
    };
    let planes = if per_plane {
        vec![plane(), plane(), plane()]
    } else {
        vec![plane()]
    };
    Warp {
        planes,
        centre: [rng.random_range(0.3..0.7), rng.random_range(0.3..0.7)],
        reciprocal: per_plane,
        area: None,
    }
}

#[test]
fn lens_corrections_on_the_gpu_equal_their_cpu_twin() {
    // Raw frames (through the texture passes: a warp is not fused) and
    // linear raws, odd sizes, one set of coefficients or one per plane.
    let mut rng = rng(13);
    let params = DevelopParams {
        denoise: wisp::Denoise::Off,
        ..DevelopParams::default()
    };
    for (w, h) in ODD_SIZES {
        for per_plane in [false, true] {
            let warp = Some(std::sync::Arc::new(random_warp(&mut rng, per_plane)));
            let frame = RawFrame {
                warp: warp.clone(),
                ..random_frame(&mut rng, w, h, CfaPattern::Grbg)
            };
            let image = LinearImage {
                width: w,
                height: h,
                data: (0..w * h)
                    .map(|i| [(i % 7) as f32 / 7.0, (i % 11) as f32 / 11.0, 0.5, 1.0])
                    .collect(),
            };
            let linear = Photo::LinearRaw {
                image,
                cam_to_srgb: wisp::colorimetry::IDENTITY,
                warp,
            };
            for photo in [Photo::Raw(frame), linear] {
                let g = gpu().develop(&photo, &params, Fusion::Fused).unwrap();
                let c = cpu::develop(&photo, &params).unwrap();
                let what = format!("{w}x{h} per plane {per_plane}");
                assert_codes_close(&g, &c, 1, 0.003, &what);
            }
        }
    }
}

#[test]
fn a_lens_correction_straightens_a_bent_grid() {
    // grid_warped.dng holds a grid of straight lines as a lens bent it
    // (the fixture script finds, for each photosite, the point that the
    // DNG's WarpRectilinear takes from it) and the opcode; grid.dng the
    // same grid straight. Developed, the two agree; without the opcode
    // they do not. grid_warped2.dng is bent by a WarpRectilinear2 of odd
    // and high powers, a valid range and the reciprocal form, followed by
    // a WarpRectilinear stand-in that must be skipped.
    let load = |name: &str| io::load(&fixture(&format!("tests/fixtures/{name}"))).unwrap();
    for name in ["grid_warped.dng", "grid_warped2.dng"] {
        let (straight, bent) = (load("grid.dng"), load(name));
        let Photo::Raw(frame) = &bent.photo else {
            panic!("a raw frame")
        };
        assert!(frame.warp.is_some(), "the opcode was read");
        let params = DevelopParams {
            denoise: wisp::Denoise::Off,
            dither: false,
            ..DevelopParams::neutral()
        };
        let unwarped = Photo::Raw(RawFrame {
            warp: None,
            ..frame.clone()
        });
        let reference = cpu::develop(&straight.photo, &params).unwrap();
        // Mean difference in 8-bit codes, 4 pixels from the edges.
        let distance = |image: &Rendered| -> f64 {
            let (a, b) = (codes(image), codes(&reference));
            let w = image.width * 3;
            let inner: Vec<f64> = (4..image.height - 4)
                .flat_map(|y| (12..w - 12).map(move |i| y * w + i))
                .map(|i| (a[i] as f64 - b[i] as f64).abs())
                .collect();
            inner.iter().sum::<f64>() / inner.len() as f64
        };
        let corrected = [
            gpu().develop(&bent.photo, &params, Fusion::Fused).unwrap(),
            cpu::develop(&bent.photo, &params).unwrap(),
        ];
        let not = distance(&cpu::develop(&unwarped, &params).unwrap());
        for image in &corrected {
            let d = distance(image);
            // Measured: 1.8 codes corrected (two resamplings of 2-pixel
            // lines), 8.4 without the opcode; 2.1 and 14.2 for the second.
            eprintln!("{name}: corrected {d:.2} codes, {not:.2} without");
            assert!(d < 2.5 && not > 4.0 * d, "{name}: corrected {d}, not {not}");
        }
        // The preview's scene is corrected too.
        let scene = gpu().scene(&bent.photo, &params).unwrap();
        let unwarped_scene = gpu().scene(&unwarped, &params).unwrap();
        let expect = wisp::ops::warp::cpu(
            &gpu().read_scene(&unwarped_scene).unwrap(),
            &frame
                .warp
                .as_ref()
                .unwrap()
                .uniform(frame.width, frame.height),
        );
        let got = gpu().read_scene(&scene).unwrap();
        assert!(max_abs_diff(&rgb_of(&got), &rgb_of(&expect)) < 1e-5);
    }
}
