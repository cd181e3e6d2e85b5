//! Looks: the built-in presets load, render distinctly, monochrome ones are
//! exactly grey, their LUT files are reproducible from their grades, exports
//! reproduce the look, and user presets resolve and fail clearly.

mod common;

use std::path::Path;

use common::*;
use wisp::looks::{self, LoadedLook};
use wisp::lut::{cube, Lut};
use wisp::params::{Bits, DevelopParams, ToneOp};
use wisp::pipeline::Fusion;
use wisp::{io, Pixels, Rendered};

fn builtin(name: &str) -> LoadedLook {
    looks::load(name).unwrap().unwrap()
}

fn render(look: &LoadedLook) -> Rendered {
    let source = io::load(&fixture("assets/samples/parrots.dng")).unwrap();
    gpu()
        .develop(
            &source.photo,
            &look.params(&DevelopParams::default()),
            Fusion::Fused,
        )
        .unwrap()
}

fn bytes(r: &Rendered) -> &[u8] {
    match &r.pixels {
        Pixels::Eight(p) => p,
        Pixels::Sixteen(_) => panic!("8-bit expected"),
    }
}

#[test]
fn builtin_looks_load_and_render_distinctly() {
    let names: Vec<&str> = looks::builtin_names().collect();
    assert_eq!(
        names,
        [
            "neutral",
            "authentic",
            "vibrant",
            "mono",
            "mono-hc",
            "camera"
        ]
    );
    let renders: Vec<(String, Rendered)> = names
        .iter()
        .map(|n| (n.to_string(), render(&builtin(n))))
        .collect();
    for (i, (a, ra)) in renders.iter().enumerate() {
        for (b, rb) in &renders[i + 1..] {
            let mean = bytes(ra)
                .iter()
                .zip(bytes(rb))
                .map(|(x, y)| x.abs_diff(*y) as f64)
                .sum::<f64>()
                / bytes(ra).len() as f64;
            assert!(
                mean > 2.0,
                "{a} and {b} look alike (mean difference {mean:.2} codes)"
            );
        }
    }
}

#[test]
fn monochrome_looks_are_exactly_grey() {
    for name in ["mono", "mono-hc"] {
        let r = render(&builtin(name));
        let colourful = bytes(&r)
            .chunks_exact(3)
            .filter(|p| p[0] != p[1] || p[1] != p[2])
            .count();
        assert_eq!(colourful, 0, "{name}: {colourful} pixels are not neutral");
        // And the same through the CPU twin, in 16 bits.
        let source = io::load(&fixture("assets/samples/parrots.dng")).unwrap();
        let params = DevelopParams {
            bits: Bits::Sixteen,
            ..builtin(name).params(&DevelopParams::default())
        };
        let Pixels::Sixteen(px) = wisp::cpu::develop(&source.photo, &params).unwrap().pixels else {
            panic!()
        };
        assert!(
            px.chunks_exact(3).all(|p| p[0] == p[1] && p[1] == p[2]),
            "{name}: CPU 16-bit not neutral"
        );
    }
}

#[test]
fn shipped_luts_are_exactly_what_the_grades_bake() {
    for name in looks::builtin_names() {
        let look = builtin(name);
        let Some(grade) = &look.look.grade else {
            continue;
        };
        let path = fixture(&format!("assets/looks/{name}.cube"));
        let shipped = cube::load(&path).unwrap_or_else(|e| panic!("{e} (run `wisp looks bake`)"));
        assert_eq!(
            shipped.cube.as_ref(),
            Some(&grade.bake()),
            "{name}.cube is stale: run `wisp looks bake`"
        );
        assert_eq!(
            look.lut.as_deref().and_then(|l| l.cube.as_ref()),
            shipped.cube.as_ref()
        );
    }
}

#[test]
fn exported_look_reproduces_the_look() {
    let look = builtin("authentic");
    let exported = cube::parse(
        &cube::write(&look.export(33)).unwrap(),
        Path::new("authentic-export.cube"),
    )
    .unwrap();
    let source = io::load(&fixture("assets/samples/parrots.dng")).unwrap();
    let plain = DevelopParams {
        tone: ToneOp::None,
        dither: false,
        ..DevelopParams::default()
    };
    // The look without its vignette (a LUT cannot hold one)...
    let mut no_vignette = look.params(&plain);
    no_vignette.vignette.amount = 0.0;
    let want = gpu()
        .develop(&source.photo, &no_vignette, Fusion::Fused)
        .unwrap();
    // ... against the exported LUT applied to the neutral development.
    let neutral = gpu().develop(&source.photo, &plain, Fusion::Fused).unwrap();
    let image = wisp::LinearImage {
        width: neutral.width,
        height: neutral.height,
        data: bytes(&neutral)
            .chunks_exact(3)
            .map(|p| {
                let l =
                    wisp::ops::common::srgb_decode3([p[0], p[1], p[2]].map(|v| v as f32 / 255.0));
                [l[0], l[1], l[2], 1.0]
            })
            .collect(),
    };
    let through_lut = DevelopParams {
        lut: Some(std::sync::Arc::new(exported)),
        ..plain.clone()
    };
    let got = gpu()
        .develop(&wisp::Photo::Developed(image), &through_lut, Fusion::Fused)
        .unwrap();
    let diffs: Vec<u8> = bytes(&got)
        .iter()
        .zip(bytes(&want))
        .map(|(a, b)| a.abs_diff(*b))
        .collect();
    let mean = diffs.iter().map(|&d| d as f64).sum::<f64>() / diffs.len() as f64;
    // Differences come from the neutral development's 8-bit quantisation and
    // its clip at white, which the look's tone map would have compressed.
    assert!(
        mean < 1.0,
        "exported LUT vs look: mean difference {mean:.3} codes"
    );
}

#[test]
fn presets_resolve_luts_relative_to_themselves() {
    let dir = tempdir("preset");
    std::fs::create_dir_all(dir.join("luts")).unwrap();
    let lut = Lut::from(wisp::lut::Lut3d::from_fn(5, |c| [c[1], c[2], c[0]]));
    std::fs::write(dir.join("luts/swap.cube"), cube::write(&lut).unwrap()).unwrap();
    std::fs::write(
        dir.join("mine.toml"),
        "description = \"test\"\ntone = \"reinhard\"\nreinhard_white = 6.0\nexposure = -0.5\nlut = \"luts/swap.cube\"\n[vignette]\namount = -2.0\n",
    )
    .unwrap();
    let look = looks::load(dir.join("mine.toml").to_str().unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(look.look.name, "mine");
    let p = look.params(&DevelopParams {
        exposure: 1.0,
        ..DevelopParams::default()
    });
    assert_eq!(
        (p.tone, p.reinhard_white, p.exposure, p.vignette.amount),
        (ToneOp::Reinhard, 6.0, 0.5, -2.0)
    );
    assert_eq!(p.lut.as_deref(), Some(&lut));
    // A LUT file is a look too.
    let direct = looks::load(dir.join("luts/swap.cube").to_str().unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(direct.lut.as_deref(), Some(&lut));
}

#[test]
fn bad_presets_say_which_file_and_what() {
    let dir = tempdir("bad");
    let cases = [
        (
            "missing-lut.toml",
            "lut = \"nowhere.cube\"\n",
            "nowhere.cube not found",
        ),
        ("syntax.toml", "tone = \"agx\"\nexposure = = 1\n", "line 2"),
        (
            "unknown-key.toml",
            "tone = \"agx\"\nsharpness = 3\n",
            "sharpness",
        ),
        ("bad-tone.toml", "tone = \"sepia\"\n", "sepia"),
        (
            "both.toml",
            "lut = \"x.cube\"\n[grade]\ncontrast = 1.2\n",
            "not both",
        ),
        (
            "bad-grade.toml",
            "[grade]\ncontrast = -1\n",
            "grade.contrast",
        ),
        ("bad-vignette.toml", "[vignette]\nfeather = 0\n", "feather"),
    ];
    std::fs::write(
        dir.join("x.cube"),
        cube::write(&Lut::from(wisp::lut::Lut3d::identity(2))).unwrap(),
    )
    .unwrap();
    for (file, text, expect) in cases {
        let path = dir.join(file);
        std::fs::write(&path, text).unwrap();
        let err = looks::load(path.to_str().unwrap()).unwrap_err().to_string();
        assert!(
            err.contains(file) && err.contains(expect),
            "{file}: `{err}` should name the file and `{expect}`"
        );
    }
    let err = looks::load("sepia-dreams").unwrap_err().to_string();
    assert!(
        err.contains("unknown look `sepia-dreams`") && err.contains("authentic"),
        "{err}"
    );
}

#[test]
fn look_commands_work_end_to_end() {
    let dir = tempdir("cli");
    let wisp = |args: &[&str]| {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_wisp"))
            .args(args)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let list = wisp(&["looks", "list"]);
    for name in looks::builtin_names() {
        assert!(
            list.lines()
                .any(|l| l.starts_with(name) && l.len() > name.len() + 10),
            "{name} in:\n{list}"
        );
    }
    assert!(wisp(&["looks", "show", "vibrant"]).contains("saturation = 1.25"));
    let out = dir.join("vibrant.cube");
    wisp(&[
        "looks",
        "export",
        "vibrant",
        out.to_str().unwrap(),
        "--size",
        "17",
    ]);
    assert_eq!(cube::load(&out).unwrap().cube.unwrap().size, 17);
    let baked = dir.join("baked");
    std::fs::create_dir_all(&baked).unwrap();
    wisp(&["looks", "bake", "--dir", baked.to_str().unwrap()]);
    for name in ["authentic", "vibrant", "mono", "mono-hc"] {
        let a = std::fs::read(baked.join(format!("{name}.cube"))).unwrap();
        let b = std::fs::read(fixture(&format!("assets/looks/{name}.cube"))).unwrap();
        assert!(
            a == b,
            "`wisp looks bake` must reproduce assets/looks/{name}.cube byte for byte"
        );
    }
    let book = dir.join("book.png");
    let sample = fixture("assets/samples/parrots.dng");
    wisp(&[
        "looks",
        "book",
        sample.to_str().unwrap(),
        "-o",
        book.to_str().unwrap(),
        "--looks",
        "neutral,mono",
    ]);
    let img = image::open(&book).unwrap().into_rgb8();
    assert!(
        img.width() > 2 * 400 && img.height() > 300,
        "{:?}",
        img.dimensions()
    );
}
