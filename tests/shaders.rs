//! Every file in `shaders/` parses and validates with naga, no GPU needed,
//! exactly as the pipeline composes it.

use std::collections::BTreeSet;

use naga::valid::{Capabilities, ValidationFlags, Validator};

#[test]
fn every_shader_file_is_registered() {
    let on_disk: BTreeSet<String> =
        std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/shaders"))
            .expect("shaders/ exists")
            .map(|e| e.expect("readable entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "wgsl"))
            .map(|p| {
                p.file_stem()
                    .expect("a name")
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
    let registered: BTreeSet<String> = wisp::shaders::SOURCES
        .iter()
        .map(|(n, _)| n.to_string())
        .collect();
    assert_eq!(
        on_disk, registered,
        "shaders/ and shaders::SOURCES must list the same files"
    );
}

#[test]
fn every_shader_parses_and_validates() {
    for (name, _) in wisp::shaders::SOURCES {
        let source = wisp::shaders::compose(name);
        let module = naga::front::wgsl::parse_str(&source).unwrap_or_else(|e| {
            panic!("{name}.wgsl does not parse:\n{}", e.emit_to_string(&source))
        });
        Validator::new(ValidationFlags::all(), Capabilities::empty())
            .validate(&module)
            .unwrap_or_else(|e| {
                panic!(
                    "{name}.wgsl does not validate:\n{}",
                    e.emit_to_string(&source)
                )
            });
    }
}

#[test]
fn kernels_expose_their_entry_points() {
    let expect = [
        ("stencil", vec!["linearize_main", "demosaic_main"]),
        ("fused_raw", vec!["raw_main", "scene_main"]),
        (
            "pointwise",
            vec![
                "fused_8",
                "fused_16",
                "fused_display",
                "color_main",
                "tone_main",
                "lut_main",
                "vignette_main",
                "encode_8",
                "encode_16",
            ],
        ),
    ];
    for (name, entries) in expect {
        let module = naga::front::wgsl::parse_str(&wisp::shaders::compose(name)).expect("parses");
        let found: Vec<&str> = module
            .entry_points
            .iter()
            .map(|e| e.name.as_str())
            .collect();
        assert_eq!(found, entries, "{name}.wgsl entry points");
    }
}
