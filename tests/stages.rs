//! Each stage on the GPU against its CPU twin, on random data, odd sizes and
//! all four CFA phases; the LUT stage also against an independent
//! tetrahedral reference.

mod common;

use common::*;
use rand::Rng;
use wisp::colorimetry::{Mat3, IDENTITY};
use wisp::frame::CfaPattern;
use wisp::lut::{Lut, Lut3d};
use wisp::ops::common::{srgb_decode3, srgb_encode3};
use wisp::ops::{gbtf::Gbtf, mhc::Mhc, Pointwise, Stencil};
use wisp::params::{Bits, DevelopParams, ToneOp, Vignette};
use wisp::plan::{Chain, RawScene, Tile};

#[test]
fn linearize_matches_cpu_on_odd_sizes_and_all_phases() {
    let mut rng = rng(1);
    for (w, h) in ODD_SIZES {
        for cfa in CfaPattern::ALL {
            let frame = random_frame(&mut rng, w, h, cfa);
            let gpu = gpu().photosites(&frame).expect("GPU photosite ops");
            let cpu = wisp::cpu::photosites(&raw_scene(&frame));
            let diff = max_abs_diff(&gpu, &cpu);
            assert!(diff <= 1e-6, "{w}x{h} {}: max diff {diff}", cfa.name());
        }
    }
}

#[test]
fn linearize_keeps_clipped_highlights_neutral() {
    let mut rng = rng(2);
    let mut frame = random_frame(&mut rng, 8, 8, CfaPattern::Rggb);
    frame.mosaic.iter_mut().for_each(|v| *v = 4095);
    let cpu = wisp::cpu::photosites(&raw_scene(&frame));
    for out in [gpu().photosites(&frame).unwrap(), cpu] {
        assert!(
            out.iter().all(|&v| v == 1.0),
            "saturated photosites must all reach exactly 1.0: {out:?}"
        );
    }
}

/// `op` on the GPU against its CPU twin on random mosaics, odd sizes and
/// all four phases, within `tolerance`.
fn check_demosaic_against_cpu(op: &dyn Stencil, seed: u64, tolerance: f32) {
    let mut rng = rng(seed);
    for (w, h) in ODD_SIZES {
        for cfa in CfaPattern::ALL {
            let mosaic: Vec<f32> = (0..w * h)
                .map(|_| rng.random_range(-0.05..1.0f32))
                .collect();
            let gpu = gpu()
                .demosaic(&mosaic, w, h, cfa, op)
                .expect("GPU demosaic");
            let cpu = op.cpu(&mosaic, w, h, cfa);
            let diff = max_abs_diff(&rgb_of(&gpu), &rgb_of(&cpu));
            assert!(diff <= tolerance, "{w}x{h} {}: max diff {diff}", cfa.name());
        }
    }
}

/// `op` keeps every photosite's own channel exactly and a grey card grey.
fn check_sampled_channel_and_flat_field(op: &dyn Stencil, w: usize, h: usize) {
    for cfa in CfaPattern::ALL {
        let mosaic: Vec<f32> = (0..w * h).map(|i| (i % 13) as f32 / 13.0).collect();
        let rgb = gpu().demosaic(&mosaic, w, h, cfa, op).unwrap();
        for y in 0..h {
            for x in 0..w {
                let c = cfa.color_at(x, y) as usize;
                assert_eq!(
                    rgb.data[y * w + x][c],
                    mosaic[y * w + x],
                    "{} ({x},{y})",
                    cfa.name()
                );
            }
        }
        // A grey card stays grey, up to the border.
        let flat = vec![0.25f32; w * h];
        let rgb = gpu().demosaic(&flat, w, h, cfa, op).unwrap();
        assert!(rgb
            .data
            .iter()
            .all(|p| p[..3].iter().all(|v| (v - 0.25).abs() < 1e-6)));
    }
}

#[test]
fn demosaic_matches_cpu_on_odd_sizes_and_all_phases() {
    check_demosaic_against_cpu(&Mhc, 3, 2e-6);
}

#[test]
fn demosaic_keeps_the_sampled_channel_and_flat_fields() {
    check_sampled_channel_and_flat_field(&Mhc, 9, 7);
}

fn raw_scene(frame: &wisp::RawFrame) -> RawScene<'_> {
    RawScene {
        frame,
        denoise: None,
        demosaic: &Mhc,
    }
}

/// The pointwise op called `name` (its WGSL name) in the chain of `params`
/// over a scene whose camera matrix is `matrix`.
fn op(name: &str, params: &DevelopParams, matrix: &Mat3) -> Box<dyn Pointwise> {
    Chain::new(params, matrix, false)
        .ops
        .into_iter()
        .find(|op| op.wgsl().name == name)
        .unwrap_or_else(|| panic!("no {name} op in the chain"))
}

/// `image` through the op called `name` alone, on the GPU.
fn gpu_op(
    image: &wisp::LinearImage,
    name: &str,
    params: &DevelopParams,
    matrix: &Mat3,
    tile: Tile,
) -> wisp::LinearImage {
    gpu()
        .pointwise_op(image, op(name, params, matrix), tile)
        .expect("GPU op")
}

fn check_stage(name: &str, params: &DevelopParams, lo: f32, hi: f32, tolerance: f32) {
    let mut rng = rng(4);
    for (w, h) in ODD_SIZES {
        let image = random_image(&mut rng, w, h, lo, hi);
        let matrix = [0, 1, 2].map(|r| {
            [0, 1, 2].map(|c| if r == c { 1.4 } else { -0.2 } + rng.random_range(-0.05..0.05f32))
        });
        // A tile in the middle of a bigger image, so vignette and dither see global coordinates.
        let tile = Tile {
            origin: [17, 5],
            full_size: [w as u32 + 40, h as u32 + 13],
        };
        let gpu = gpu_op(&image, name, params, &matrix, tile);
        let cpu = cpu_pointwise(op(name, params, &matrix).as_ref(), &image, tile);
        let diff = max_abs_diff(&rgb_of(&gpu), &cpu);
        assert!(diff <= tolerance, "{name} {w}x{h}: max diff {diff}");
    }
}

#[test]
fn color_stage_matches_cpu() {
    let params = DevelopParams {
        exposure: 0.7,
        ..DevelopParams::default()
    };
    check_stage("color", &params, -0.1, 4.0, 2e-5);
}

#[test]
fn every_tone_operator_matches_cpu() {
    for tone in ToneOp::ALL {
        let params = DevelopParams {
            tone,
            ..DevelopParams::default()
        };
        // Scene-linear input spans deep shadows to 16x over white.
        check_stage("tone", &params, -0.05, 16.0, 1e-4);
    }
}

#[test]
fn tone_operators_map_black_to_black_and_stay_in_range() {
    for tone in ToneOp::ALL {
        let u = wisp::ops::tone::Tone::new(tone, 4.0);
        let black = u.map([0.0; 3]);
        assert!(
            black.iter().all(|v| *v < 2e-3),
            "{tone:?} black -> {black:?}"
        );
        let mut last = -1.0;
        for i in 0..200 {
            let v = u.map([i as f32 * 0.1; 3])[1];
            assert!(
                (0.0..=1.0).contains(&v) && v >= last - 1e-6,
                "{tone:?} not monotonic in [0, 1] at {i}"
            );
            last = v;
        }
    }
}

fn random_lut(rng: &mut rand::rngs::StdRng, size: usize) -> Lut3d {
    let mut lut = Lut3d::identity(size);
    for e in lut.table.iter_mut() {
        *e = e.map(|v| (v + rng.random_range(-0.2..0.2f32)).clamp(-0.1, 1.1));
    }
    lut
}

#[test]
fn lut_stage_matches_cpu_on_random_luts() {
    let mut rng = rng(5);
    for size in [2, 5, 17, 33] {
        let params = DevelopParams {
            lut: Some(Lut::from(random_lut(&mut rng, size)).into()),
            ..DevelopParams::default()
        };
        check_stage("lut3d", &params, -0.1, 1.2, 2e-5);
    }
}

/// Textbook tetrahedral interpolation (one explicit case per tetrahedron),
/// written independently of the branch-free version under test.
fn reference_tetrahedral(lut: &Lut3d, x: [f32; 3]) -> [f32; 3] {
    let n = (lut.size - 1) as f64;
    let mut i = [0usize; 3];
    let mut f = [0f64; 3];
    for c in 0..3 {
        let t = ((x[c] - lut.domain_min[c]) / (lut.domain_max[c] - lut.domain_min[c]))
            .clamp(0.0, 1.0) as f64
            * n;
        i[c] = (t.floor() as usize).min(lut.size - 2);
        f[c] = t - i[c] as f64;
    }
    let v =
        |dr: usize, dg: usize, db: usize| lut.at(i[0] + dr, i[1] + dg, i[2] + db).map(f64::from);
    let (fr, fg, fb) = (f[0], f[1], f[2]);
    let (c000, c111) = (v(0, 0, 0), v(1, 1, 1));
    let out = |a: [f64; 3], b: [f64; 3], wa: f64, wb: f64, w0: f64, w1: f64| {
        [0, 1, 2].map(|k| (w0 * c000[k] + wa * a[k] + wb * b[k] + w1 * c111[k]) as f32)
    };
    if fr > fg {
        if fg > fb {
            out(v(1, 0, 0), v(1, 1, 0), fr - fg, fg - fb, 1.0 - fr, fb)
        } else if fr > fb {
            out(v(1, 0, 0), v(1, 0, 1), fr - fb, fb - fg, 1.0 - fr, fg)
        } else {
            out(v(0, 0, 1), v(1, 0, 1), fb - fr, fr - fg, 1.0 - fb, fg)
        }
    } else if fb > fg {
        out(v(0, 0, 1), v(0, 1, 1), fb - fg, fg - fr, 1.0 - fb, fr)
    } else if fb > fr {
        out(v(0, 1, 0), v(0, 1, 1), fg - fb, fb - fr, 1.0 - fg, fr)
    } else {
        out(v(0, 1, 0), v(1, 1, 0), fg - fr, fr - fb, 1.0 - fg, fb)
    }
}

#[test]
fn lut_stage_matches_an_independent_tetrahedral_reference() {
    let mut rng = rng(6);
    let lut = random_lut(&mut rng, 9);
    check_against_reference(lut.clone(), &mut rng);
    // A smaller domain: part of [0, 1] now lies outside it and clamps.
    let mut narrow = lut;
    narrow.domain_min = [0.1, 0.05, 0.2];
    narrow.domain_max = [0.9, 0.8, 1.0];
    check_against_reference(narrow, &mut rng);
}

fn check_against_reference(lut: Lut3d, rng: &mut rand::rngs::StdRng) {
    let n = (lut.size - 1) as f32;
    // Random points, lattice points, and points on faces and edges of cells,
    // placed through the LUT's domain.
    let to_domain = |u: [f32; 3]| {
        [0, 1, 2].map(|c| lut.domain_min[c] + u[c] * (lut.domain_max[c] - lut.domain_min[c]))
    };
    let mut points: Vec<[f32; 3]> = (0..3000)
        .map(|_| [0; 3].map(|_| rng.random_range(0.0..1.0f32)))
        .collect();
    for _ in 0..500 {
        let lattice = |rng: &mut rand::rngs::StdRng| rng.random_range(0..=lut.size - 1) as f32 / n;
        let free = |rng: &mut rand::rngs::StdRng| rng.random_range(0.0..1.0f32);
        points.push(to_domain([lattice(rng), lattice(rng), lattice(rng)]));
        points.push(to_domain([lattice(rng), lattice(rng), free(rng)]));
        points.push(to_domain([free(rng), lattice(rng), free(rng)]));
        let t = free(rng);
        points.push(to_domain([t, t, free(rng)]));
    }
    let points: Vec<[f32; 3]> = points
        .into_iter()
        .map(|p| p.map(|v| v.clamp(0.0, 1.0)))
        .collect();
    // The stage takes linear light and hands the LUT sRGB-encoded values.
    let image = wisp::LinearImage {
        width: points.len(),
        height: 1,
        data: points
            .iter()
            .map(|p| {
                let l = srgb_decode3(*p);
                [l[0], l[1], l[2], 1.0]
            })
            .collect(),
    };
    let params = DevelopParams {
        lut: Some(Lut::from(lut.clone()).into()),
        ..DevelopParams::default()
    };
    let tile = Tile::whole(points.len(), 1);
    let gpu = gpu_op(&image, "lut3d", &params, &IDENTITY, tile);
    for (i, p) in image.data.iter().enumerate() {
        let encoded_in = srgb_encode3([p[0], p[1], p[2]]);
        let expect = reference_tetrahedral(&lut, encoded_in);
        let got = srgb_encode3([gpu.data[i][0], gpu.data[i][1], gpu.data[i][2]]);
        for c in 0..3 {
            // Compared in the LUT's own (encoded) space; negative outputs
            // are clamped by the decode, so compare from 0 up.
            let e = expect[c].max(0.0);
            assert!(
                (got[c] - e).abs() <= 1e-4,
                "point {:?}: got {got:?}, expected {expect:?}",
                points[i]
            );
        }
    }
}

#[test]
fn identity_luts_are_exact() {
    let mut rng = rng(7);
    let image = random_image(&mut rng, 257, 31, 0.0, 1.0);
    for size in [2, 3, 17, 33, 64, 65] {
        let lut = Lut3d::identity(size);
        let params = DevelopParams {
            lut: Some(Lut::from(lut.clone()).into()),
            ..DevelopParams::default()
        };
        let out = gpu_op(&image, "lut3d", &params, &IDENTITY, Tile::whole(257, 31));
        let diff = max_abs_diff(&rgb_of(&out), &rgb_of(&image));
        assert!(diff <= 2e-6, "identity LUT of size {size}: max diff {diff}");
        // And in the encoded result: an identity LUT changes no 16-bit code.
        let with = DevelopParams {
            bits: Bits::Sixteen,
            dither: false,
            ..params.clone()
        };
        let without = DevelopParams {
            lut: None,
            ..with.clone()
        };
        let photo = wisp::Photo::Developed(image.clone());
        let a = gpu().develop(&photo, &with, Default::default()).unwrap();
        let b = gpu().develop(&photo, &without, Default::default()).unwrap();
        assert_codes_close(&a, &b, 1, 0.01, &format!("identity LUT {size} vs none"));
    }
}

#[test]
fn vignette_stage_matches_cpu() {
    for (amount, roundness) in [(-1.5, 0.0), (0.8, 1.0), (-3.0, 0.4)] {
        let params = DevelopParams {
            vignette: Vignette {
                amount,
                midpoint: 0.3,
                feather: 0.8,
                roundness,
            },
            ..DevelopParams::default()
        };
        check_stage("vignette", &params, 0.0, 1.0, 2e-5);
    }
}

#[test]
fn vignette_reaches_its_amount_at_the_corners_only() {
    let v = wisp::ops::vignette::VignetteUniform::new(&Vignette {
        amount: -1.0,
        ..Vignette::default()
    });
    let size = [3000, 2000];
    let corner = v.gain(0, 0, size);
    assert!((corner - 0.5).abs() < 2e-3, "corner gain {corner}");
    assert_eq!(v.gain(1500, 1000, size), 1.0);
    // Symmetric about the centre.
    assert!((v.gain(10, 20, size) - v.gain(2989, 1979, size)).abs() < 1e-6);
}

#[test]
fn encode_matches_cpu_in_8_and_16_bits() {
    let mut rng = rng(8);
    for bits in [Bits::Eight, Bits::Sixteen] {
        for dither in [true, false] {
            for (w, h) in ODD_SIZES {
                let image = random_image(&mut rng, w, h, -0.1, 1.1);
                let params = DevelopParams {
                    tone: ToneOp::None,
                    bits,
                    dither,
                    ..DevelopParams::default()
                };
                let photo = wisp::Photo::Developed(image);
                let g = gpu().develop(&photo, &params, Default::default()).unwrap();
                let c = wisp::cpu::develop(&photo, &params).unwrap();
                // At 16 bits one code is 1.5e-5: float rounding of pow() shows.
                let fraction = if bits == Bits::Eight { 0.002 } else { 0.01 };
                assert_codes_close(
                    &g,
                    &c,
                    1,
                    fraction,
                    &format!("encode {bits:?} dither {dither} {w}x{h}"),
                );
            }
        }
    }
}

#[test]
fn dither_is_unbiased_and_breaks_up_flat_areas() {
    let u = wisp::ops::encode::Encode::new(Bits::Eight, true);
    // A flat value between two codes: dithered pixels mix both, averaging to it.
    let target = 100.3f32 / 255.0;
    let linear = wisp::ops::common::srgb_decode(target);
    let codes: Vec<u16> = (0..10_000)
        .map(|i| {
            let px = wisp::ops::Pixel {
                xy: [i % 100, i / 100],
                full_size: [100, 100],
            };
            u.codes([linear; 3], px)[0]
        })
        .collect();
    let mean = codes.iter().map(|&c| c as f64).sum::<f64>() / codes.len() as f64;
    assert!((mean - 100.3).abs() < 0.05, "mean code {mean}");
    assert!(codes.contains(&100) && codes.contains(&101));
}

fn random_shaper(rng: &mut rand::rngs::StdRng, size: usize) -> wisp::lut::Lut1d {
    let mut s = wisp::lut::Lut1d::identity(size);
    let gamma = [0; 3].map(|_| rng.random_range(0.5..2.0f32));
    s.table
        .iter_mut()
        .for_each(|v| *v = [0, 1, 2].map(|c| v[c].powf(gamma[c])));
    s.domain_min = [-0.05, 0.0, 0.02];
    s.domain_max = [1.0, 1.1, 0.97];
    s
}

#[test]
fn lut_shapers_match_cpu_at_every_size() {
    let mut rng = rng(9);
    // 5000 and 65536 points span several texture rows.
    for size in [2, 1000, 5000, 65536] {
        let lut = Lut {
            title: None,
            shaper: Some(random_shaper(&mut rng, size)),
            cube: None,
        };
        let params = DevelopParams {
            lut: Some(lut.into()),
            ..DevelopParams::default()
        };
        check_stage("lut3d", &params, 0.0, 1.0, 2e-5);
    }
}

#[test]
fn shaper_plus_cube_equals_applying_them_in_sequence() {
    let mut rng = rng(10);
    let shaper = random_shaper(&mut rng, 257);
    let mut cube = random_lut(&mut rng, 17);
    cube.domain_min = [-0.1, 0.0, 0.05];
    cube.domain_max = [1.2, 1.0, 0.9];
    let image = random_image(&mut rng, 301, 7, 0.0, 1.0);
    let run = |lut: Lut, image: &wisp::LinearImage| {
        let params = DevelopParams {
            lut: Some(lut.into()),
            ..DevelopParams::default()
        };
        gpu_op(image, "lut3d", &params, &IDENTITY, Tile::whole(301, 7))
    };
    let both = run(
        Lut {
            title: None,
            shaper: Some(shaper.clone()),
            cube: Some(cube.clone()),
        },
        &image,
    );
    let first = run(
        Lut {
            title: None,
            shaper: Some(shaper),
            cube: None,
        },
        &image,
    );
    let then = run(Lut::from(cube), &first);
    let diff = max_abs_diff(&rgb_of(&both), &rgb_of(&then));
    assert!(diff <= 1e-5, "shaper+cube vs in sequence: {diff}");
}

#[test]
fn resize_matches_cpu_and_does_not_alias() {
    let mut rng = rng(11);
    for ((w, h), max) in [
        ((1001, 667), 300),
        ((4099, 2), 1000),
        ((37, 23), 7),
        ((3, 5), 2),
    ] {
        let image = random_image(&mut rng, w, h, 0.0, 1.0);
        let params = DevelopParams {
            tone: ToneOp::None,
            dither: false,
            bits: Bits::Sixteen,
            max_size: Some(max),
            ..DevelopParams::default()
        };
        let photo = wisp::Photo::Developed(image);
        let g = gpu().develop(&photo, &params, Default::default()).unwrap();
        let c = wisp::cpu::develop(&photo, &params).unwrap();
        assert_eq!(
            g.width.max(g.height),
            max as usize,
            "{w}x{h} -> long edge {max}"
        );
        assert_codes_close(&g, &c, 1, 0.01, &format!("resize {w}x{h} to {max}"));
    }
    // A one-pixel checkerboard shrunk 4x (and by a non-integer 3.3x) is flat
    // grey: every source pixel is averaged in, none skipped.
    let (w, h) = (400, 300);
    let board = wisp::LinearImage {
        width: w,
        height: h,
        data: (0..w * h)
            .map(|i| {
                if (i % w + i / w) % 2 == 0 {
                    [1.0; 4]
                } else {
                    [0.0, 0.0, 0.0, 1.0]
                }
            })
            .collect(),
    };
    for max in [100, 121] {
        let (ow, oh) = wisp::ops::resize::fit(w, h, max as u32).unwrap();
        let out = wisp::ops::resize::cpu(&board, ow, oh);
        let params = DevelopParams {
            max_size: Some(max as u32),
            ..DevelopParams::neutral()
        };
        let g = gpu()
            .develop(
                &wisp::Photo::Developed(board.clone()),
                &params,
                Default::default(),
            )
            .unwrap();
        assert_eq!((g.width, g.height), (out.width, out.height));
        let worst = out
            .data
            .iter()
            .flat_map(|p| p[..3].to_vec())
            .map(|v| (v - 0.5).abs())
            .fold(0.0, f32::max);
        // Integer factors average to exactly 0.5; fractional windows hold at
        // most one partial row and column more of one colour.
        let bound = if w % max == 0 { 1e-6 } else { 0.05 };
        assert!(worst <= bound, "checkerboard at {max}: off grey by {worst}");
    }
}

#[test]
fn gbtf_matches_cpu_on_odd_sizes_and_all_phases() {
    check_demosaic_against_cpu(&Gbtf, 12, 2e-5);
}

#[test]
fn gbtf_keeps_the_sampled_channel_and_flat_fields() {
    check_sampled_channel_and_flat_field(&Gbtf, 23, 17);
}

/// Mean and largest chroma (|R - G| + |B - G|) of demosaicing the neutral
/// image `grey` (w x h), away from a 16-pixel border: on a grey subject
/// every bit of colour is false colour.
fn false_colour(grey: &[f32], w: usize, h: usize, op: &dyn Stencil) -> (f32, f32) {
    let rgb = gpu()
        .demosaic(grey, w, h, CfaPattern::Rggb, op)
        .expect("demosaic");
    let mut sum = 0.0;
    let mut worst = 0.0f32;
    let mut n = 0;
    for y in 16..h - 16 {
        for x in 16..w - 16 {
            let p = rgb.data[y * w + x];
            let chroma = (p[0] - p[1]).abs() + (p[2] - p[1]).abs();
            sum += chroma;
            worst = worst.max(chroma);
            n += 1;
        }
    }
    (sum / n as f32, worst)
}

#[test]
fn gbtf_makes_less_false_colour_than_mhc_on_a_zone_plate() {
    // Circular zone plate: frequency rising from 0 at the centre to about
    // half the sampling rate at the edges, in every direction.
    let (w, h) = (256, 256);
    let k = std::f32::consts::PI / (4.0 * w as f32);
    let grey: Vec<f32> = (0..w * h)
        .map(|i| {
            let (x, y) = ((i % w) as f32 - 128.0, (i / w) as f32 - 128.0);
            0.5 + 0.4 * (k * (x * x + y * y)).cos()
        })
        .collect();
    let (mhc, mhc_worst) = false_colour(&grey, w, h, &Mhc);
    let (gbtf, gbtf_worst) = false_colour(&grey, w, h, &Gbtf);
    eprintln!("zone plate false colour: MHC mean {mhc} max {mhc_worst}, GBTF mean {gbtf} max {gbtf_worst}");
    assert!(gbtf < 0.2 * mhc, "mean chroma: GBTF {gbtf}, MHC {mhc}");
}

#[test]
fn gbtf_has_no_zippers_on_a_slanted_edge() {
    // A sharp grey step, slanted by about 5 degrees: MHC interpolates
    // across it and leaves coloured zippers along it.
    let (w, h) = (128, 128);
    let grey: Vec<f32> = (0..w * h)
        .map(|i| {
            let (x, y) = ((i % w) as f32, (i / w) as f32);
            if x - 64.0 > 0.09 * (y - 64.0) {
                0.8
            } else {
                0.1
            }
        })
        .collect();
    let (mhc, mhc_worst) = false_colour(&grey, w, h, &Mhc);
    let (gbtf, gbtf_worst) = false_colour(&grey, w, h, &Gbtf);
    eprintln!("slanted edge false colour: MHC mean {mhc} max {mhc_worst}, GBTF mean {gbtf} max {gbtf_worst}");
    assert!(
        gbtf_worst < 0.4 * mhc_worst,
        "largest chroma: GBTF {gbtf_worst}, MHC {mhc_worst}"
    );
}
