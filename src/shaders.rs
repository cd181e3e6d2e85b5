//! The WGSL sources, embedded at build time, and their composition into
//! kernels.
//!
//! `shaders/common.wgsl` holds helpers, `shaders/ops/` the ops' math (see
//! [`crate::ops`]), `shaders/kernels/` the kernel templates, which hold no
//! stage math, `shaders/resize.wgsl` the downscale kernel,
//! `shaders/denoise.wgsl` and `shaders/denoise_pack.wgsl` the noise
//! reduction's passes,
//! `shaders/warp.wgsl` the lens correction and `shaders/histogram.wgsl`
//! the display histogram's. A kernel is
//! its template, the files of the ops its [`Glue`] calls and the glue
//! itself. WGSL has no include mechanism, so a file may start with
//! `// import: a b` naming other sources; [`compose`] puts them in, each
//! once. Resources are declared `@binding(_)`: [`compose`] numbers them,
//! and the kernels are bound by the variables' names ([`crate::kernels`]).

use std::collections::HashSet;

use crate::ops::{self, glue::Glue};

/// The kernel templates and standalone kernels, by name.
pub const KERNELS: &[(&str, &str)] = &[
    ("block", include_str!("../shaders/kernels/block.wgsl")),
    ("passes", include_str!("../shaders/kernels/passes.wgsl")),
    (
        "pointwise",
        include_str!("../shaders/kernels/pointwise.wgsl"),
    ),
    ("resize", include_str!("../shaders/resize.wgsl")),
    ("denoise", include_str!("../shaders/denoise.wgsl")),
    ("denoise_pack", include_str!("../shaders/denoise_pack.wgsl")),
    ("histogram", include_str!("../shaders/histogram.wgsl")),
    ("warp", include_str!("../shaders/warp.wgsl")),
];

/// Helpers any file may import.
pub const COMMON: &str = include_str!("../shaders/common.wgsl");

/// A source by name: `common`, a kernel, or an op.
fn source(name: &str) -> &'static str {
    if name == "common" {
        return COMMON;
    }
    KERNELS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, s)| *s)
        .or_else(|| ops::all_wgsl().find(|w| w.name == name).map(|w| w.source))
        .unwrap_or_else(|| panic!("no WGSL source is named `{name}`"))
}

fn imports(src: &str) -> impl Iterator<Item = &str> {
    src.lines()
        .take_while(|l| l.starts_with("//"))
        .filter_map(|l| l.strip_prefix("// import:"))
        .flat_map(str::split_whitespace)
}

/// The full WGSL module of kernel `name` with `glue`: the kernel, the ops'
/// files and their imports, each once, then the glue; every `@binding(_)`
/// numbered in order.
pub fn compose(name: &str, glue: &Glue) -> String {
    fn visit(name: &str, src: &str, seen: &mut HashSet<String>, out: &mut String) {
        if !seen.insert(name.to_string()) {
            return;
        }
        for dep in imports(src) {
            visit(dep, source(dep), seen, out);
        }
        out.push_str(src);
        out.push('\n');
    }
    let mut seen = HashSet::new();
    let mut out = String::new();
    visit(name, source(name), &mut seen, &mut out);
    for op in &glue.ops {
        visit(op.name, op.source, &mut seen, &mut out);
    }
    out.push_str(&glue.text);
    let mut numbered = String::with_capacity(out.len());
    for (slot, piece) in out.split("@binding(_)").enumerate() {
        if slot > 0 {
            numbered.push_str(&format!("@binding({})", slot - 1));
        }
        numbered.push_str(piece);
    }
    numbered
}
