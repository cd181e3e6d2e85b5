//! The WGSL sources, embedded at build time, and their composition.
//!
//! WGSL has no include mechanism, so a file may start with
//! `// import: a b c` naming other files in `shaders/` (without `.wgsl`);
//! [`compose`] prepends them, each once, in dependency order. The pipeline and
//! the naga validation test both go through it, so what is tested is what runs.

use std::collections::HashSet;

/// Every file in `shaders/`, by name without the extension.
pub const SOURCES: &[(&str, &str)] = &[
    ("common", include_str!("../shaders/common.wgsl")),
    ("linearize", include_str!("../shaders/linearize.wgsl")),
    ("demosaic_mhc", include_str!("../shaders/demosaic_mhc.wgsl")),
    ("resize", include_str!("../shaders/resize.wgsl")),
    ("color", include_str!("../shaders/color.wgsl")),
    ("tone", include_str!("../shaders/tone.wgsl")),
    ("lut3d", include_str!("../shaders/lut3d.wgsl")),
    ("vignette", include_str!("../shaders/vignette.wgsl")),
    ("encode", include_str!("../shaders/encode.wgsl")),
    ("develop", include_str!("../shaders/develop.wgsl")),
    ("stencil", include_str!("../shaders/stencil.wgsl")),
    ("pointwise", include_str!("../shaders/pointwise.wgsl")),
    ("fused_raw", include_str!("../shaders/fused_raw.wgsl")),
];

fn source(name: &str) -> &'static str {
    SOURCES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, s)| *s)
        .unwrap_or_else(|| panic!("shader `{name}` is not in shaders::SOURCES"))
}

fn imports(src: &str) -> impl Iterator<Item = &str> {
    src.lines()
        .take_while(|l| l.starts_with("//"))
        .filter_map(|l| l.strip_prefix("// import:"))
        .flat_map(str::split_whitespace)
}

/// The full WGSL module for shader `name`: its imports first, then itself.
pub fn compose(name: &str) -> String {
    fn visit(name: &str, seen: &mut HashSet<String>, out: &mut String) {
        if !seen.insert(name.to_string()) {
            return;
        }
        let src = source(name);
        for dep in imports(src) {
            visit(dep, seen, out);
        }
        out.push_str(src);
        out.push('\n');
    }
    let mut out = String::new();
    visit(name, &mut HashSet::new(), &mut out);
    out
}
