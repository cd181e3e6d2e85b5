//! Every WGSL file is used, and every kernel, composed with the ops a plan
//! can give it, parses and validates with naga (no GPU needed), exactly as
//! the pipeline composes it. The ops' uniform blocks are laid out in WGSL
//! as they are in Rust.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::{graded, random_frame, rng};
use naga::valid::{Capabilities, ValidationFlags, Validator};
use wisp::frame::CfaPattern;
use wisp::ops::glue::Glue;
use wisp::ops::{mhc::Mhc, Op, Stencil};
use wisp::params::ToneOp;
use wisp::plan::{Chain, RawScene};

fn wgsl_files(dir: &Path, out: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).expect("a readable folder") {
        let path = entry.expect("a readable entry").path();
        if path.is_dir() {
            wgsl_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "wgsl") {
            out.insert(std::fs::read_to_string(&path).expect("readable"));
        }
    }
}

#[test]
fn every_shader_file_is_a_kernel_an_op_or_common() {
    let mut on_disk = BTreeSet::new();
    wgsl_files(
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/shaders")),
        &mut on_disk,
    );
    let known: BTreeSet<String> = wisp::shaders::KERNELS
        .iter()
        .map(|(_, s)| s.to_string())
        .chain([wisp::shaders::COMMON.to_string()])
        .chain(wisp::ops::all_wgsl().map(|w| w.source.to_string()))
        .collect();
    assert_eq!(
        on_disk.len(),
        known.len(),
        "every file in shaders/ is a kernel, an op or common.wgsl"
    );
    assert_eq!(on_disk, known);
}

/// `frame` with (empty) gain maps, so that its plan has every photosite op.
fn with_gain_maps(frame: wisp::RawFrame) -> wisp::RawFrame {
    let (w, h) = (frame.width, frame.height);
    let size = [w as u32, h as u32];
    let maps = wisp::ops::gainmap::GainMaps::new(Vec::new(), (w, h), [0, 0], size, 0);
    wisp::RawFrame {
        gain_maps: Some(std::sync::Arc::new(maps)),
        ..frame
    }
}

/// The glue a plan with every op gives kernel `name`: the block kernel
/// runs the whole journey, the passes the scene part, the noise
/// reduction's first pass the photosite ops, the pointwise kernel the
/// rest; resize runs no op.
fn full_glue(name: &str, tone: ToneOp) -> Glue {
    full_glue_with(name, tone, &Mhc, 0)
}

/// The same with `stencil` as the demosaic, running its pass `pass` where
/// the kernel has a stencil pass.
fn full_glue_with(name: &str, tone: ToneOp, stencil: &'static dyn Stencil, pass: usize) -> Glue {
    let frame = with_gain_maps(random_frame(&mut rng(1), 6, 4, CfaPattern::Grbg));
    let scene = RawScene {
        frame: &frame,
        denoise: None,
        demosaic: stencil,
    };
    let params = wisp::DevelopParams { tone, ..graded() };
    let chain = Chain::new(&params, &frame.cam_to_srgb, true);
    assert_eq!(
        chain.ops.len(),
        wisp::ops::POINTWISE.len(),
        "every op is in"
    );
    match name {
        "block" => scene.glue([1, 0]).pointwise(&chain.ops, &chain.encode),
        "passes" => Glue::default()
            .photosites(&scene.photosites([0, 0]))
            .stencil(stencil, pass),
        "pointwise" => chain.glue(&chain.ops),
        "denoise_pack" => Glue::default().photosites(&scene.photosites([0, 0])),
        _ => Glue::default(),
    }
}

fn validate(name: &str, glue: &Glue) {
    let source = wisp::shaders::compose(name, glue);
    let module = naga::front::wgsl::parse_str(&source)
        .unwrap_or_else(|e| panic!("{name} does not parse:\n{}", e.emit_to_string(&source)));
    Validator::new(ValidationFlags::all(), Capabilities::empty())
        .validate(&module)
        .unwrap_or_else(|e| panic!("{name} does not validate:\n{}", e.emit_to_string(&source)));
}

#[test]
fn every_kernel_parses_and_validates_with_every_op() {
    for tone in ToneOp::ALL {
        for (name, _) in wisp::shaders::KERNELS {
            validate(name, &full_glue(name, tone));
        }
    }
    // Every demosaic, with each of its passes.
    for demosaic in wisp::Demosaic::ALL {
        let op = demosaic.op();
        for pass in 0..=op.passes().len() {
            for name in ["block", "passes"] {
                validate(name, &full_glue_with(name, ToneOp::Agx, op, pass));
            }
        }
    }
}

#[test]
fn kernels_expose_their_entry_points() {
    let denoise = vec![
        "rows_main",
        "columns_main",
        "energy_main",
        "coarse_main",
        "unpack_main",
        "unpack_shifted_main",
    ];
    let expect = [
        ("block", vec!["codes_main", "scene_main"]),
        (
            "passes",
            vec![
                "photosite_main",
                "stencil_pass_main",
                "stencil_rows_main",
                "stencil_columns_main",
            ],
        ),
        (
            "pointwise",
            vec!["codes_8", "codes_16", "display", "linear_main"],
        ),
        ("resize", vec!["resize_main"]),
        ("denoise", denoise.clone()),
        // It imports the others' file.
        (
            "denoise_pack",
            [denoise, vec!["pack_main", "pack_shifted_main"]].concat(),
        ),
        ("histogram", vec!["histogram_main"]),
        ("warp", vec!["warp_main"]),
    ];
    for (name, entries) in expect {
        let source = wisp::shaders::compose(name, &full_glue(name, ToneOp::Agx));
        let module = naga::front::wgsl::parse_str(&source).expect("parses");
        let found: Vec<&str> = module
            .entry_points
            .iter()
            .map(|e| e.name.as_str())
            .collect();
        assert_eq!(found, entries, "{name} entry points");
    }
}

#[test]
fn uniform_blocks_are_laid_out_as_in_wgsl() {
    // naga's layout of each op's WGSL struct against the bytes its Rust
    // twin writes: a field added on one side only fails here.
    let frame = with_gain_maps(random_frame(&mut rng(2), 6, 4, CfaPattern::Rggb));
    let scene = RawScene {
        frame: &frame,
        denoise: None,
        demosaic: &Mhc,
    };
    let chain = Chain::new(&graded(), &frame.cam_to_srgb, true);
    let photosites = scene.photosites([0, 0]);
    assert_eq!(
        photosites.len(),
        wisp::ops::PHOTOSITE.len(),
        "every op is in"
    );
    let ops: Vec<&dyn Op> = photosites
        .iter()
        .map(|o| o.as_ref() as &dyn Op)
        .chain(chain.ops.iter().map(|o| o.as_ref() as &dyn Op))
        .chain([&chain.encode as &dyn Op, &Mhc as &dyn Op])
        .collect();
    let source = wisp::shaders::compose("block", &full_glue("block", ToneOp::Agx));
    let module = naga::front::wgsl::parse_str(&source).expect("parses");
    let mut layouter = naga::proc::Layouter::default();
    layouter
        .update(module.to_ctx())
        .expect("the module lays out");
    for op in ops {
        let wgsl = op.wgsl();
        let Some(params) = wgsl.params else {
            assert!(
                op.uniform().is_empty(),
                "{}: bytes without a struct",
                wgsl.name
            );
            continue;
        };
        let (handle, _) = module
            .types
            .iter()
            .find(|(_, t)| t.name.as_deref() == Some(params))
            .unwrap_or_else(|| panic!("{}: no struct {params}", wgsl.name));
        let size = layouter[handle].size as usize;
        assert_eq!(
            op.uniform().len(),
            size,
            "{}: {params} is {size} bytes",
            wgsl.name
        );
        assert_eq!(size % 16, 0, "{}: whole 16-byte rows", wgsl.name);
    }
}

/// The size naga lays WGSL struct `name` of standalone kernel `kernel`
/// out at, in whole 16-byte rows (as the Rust side writes it).
fn struct_rows(kernel: &str, name: &str) -> usize {
    let source = wisp::shaders::compose(kernel, &wisp::ops::glue::Glue::default());
    let module = naga::front::wgsl::parse_str(&source).expect("parses");
    let mut layouter = naga::proc::Layouter::default();
    layouter
        .update(module.to_ctx())
        .expect("the module lays out");
    let (handle, _) = module
        .types
        .iter()
        .find(|(_, t)| t.name.as_deref() == Some(name))
        .unwrap_or_else(|| panic!("no struct {name}"));
    (layouter[handle].size as usize).next_multiple_of(16)
}

#[test]
fn the_noise_reductions_uniforms_are_laid_out_as_in_wgsl() {
    use wisp::ops::denoise::{steps, DenoiseUniform, StepUniform, LEVELS};
    let source = wisp::shaders::compose("denoise", &wisp::ops::glue::Glue::default());
    let rows = |name| struct_rows("denoise", name);
    assert_eq!(rows("DenoiseParams"), std::mem::size_of::<DenoiseUniform>());
    assert_eq!(rows("DenoiseStep"), std::mem::size_of::<StepUniform>());
    // The kernel's level count, and a texture for each level.
    assert!(source.contains(&format!("const DENOISE_LEVELS: i32 = {LEVELS};")));
    assert!(source.contains(&format!(
        "const DENOISE_FULL_LEVELS: i32 = {};",
        wisp::ops::denoise::FULL_LEVELS
    )));
    for j in 0..=LEVELS {
        assert!(
            source.contains(&format!("var level_{j}: texture_2d<f32>;")),
            "level_{j}"
        );
    }
    assert!(!source.contains(&format!("var level_{}:", LEVELS + 1)));
    // The codes of the denoised photosites, as the CPU twin encodes them,
    // and the constants both sides take.
    for (name, v) in [
        ("DENOISE_BLACK", wisp::ops::denoise::ENCODED_BLACK),
        ("DENOISE_WHITE", wisp::ops::denoise::ENCODED_WHITE),
        ("DENOISE_EDGE", wisp::ops::denoise::EDGE),
        ("DENOISE_OVERSUBTRACT", wisp::ops::denoise::OVERSUBTRACT),
    ] {
        assert!(
            source.contains(&format!("const {name}: f32 = {v:?};")),
            "{name}"
        );
    }
    assert_eq!(steps().count(), 2 * LEVELS);
}

#[test]
fn the_lens_corrections_uniform_is_laid_out_as_in_wgsl() {
    assert_eq!(
        struct_rows("warp", "WarpParams"),
        std::mem::size_of::<wisp::ops::warp::WarpUniform>()
    );
}
