//! The WGSL that joins a plan's ops for the kernels: each part's uniform
//! blocks gathered in one struct, and the chain functions the kernel
//! templates call, with the ops in the plan's order:
//!
//! - `photosite_value(raw: u32, site: Site) -> f32`: the photosite ops;
//! - `demosaic_rgb(x: i32, y: i32, kind: u32) -> vec3<f32>`: the stencil op;
//! - `pointwise_linear(c: vec3<f32>, px: Pixel) -> vec3<f32>` and
//!   `pointwise_codes(c, px) -> vec4<u32>`: the pointwise ops, then encode.
//!
//! A kernel is compiled from its template, the ops' files and this text
//! (see [`crate::kernels`]); the same text is the kernel's cache key.

use std::fmt::Write;

use super::encode::Encode;
use super::{Op, Photosite, Pointwise, Stencil, Walk, Wgsl};

/// Glue text, the op files it calls into, and their pipeline constants.
#[derive(Default)]
pub struct Glue {
    pub text: String,
    pub ops: Vec<&'static Wgsl>,
    pub constants: Vec<(&'static str, f64)>,
}

impl Glue {
    /// The photosite chain: the first op receives the raw value.
    pub fn photosites(mut self, ops: &[Box<dyn Photosite>]) -> Self {
        let ops: Vec<&dyn Op> = ops.iter().map(|o| o.as_ref() as &dyn Op).collect();
        self.uniform_block("photosites", "Photosites", &[], &ops);
        self.text
            .push_str("fn photosite_value(raw: u32, site: Site) -> f32 {\n    var v = f32(raw);\n");
        for op in &ops {
            let call = self.call(*op, "photosites", "site", "v, site");
            let _ = writeln!(self.text, "    v = {call};");
        }
        self.text.push_str("    return v;\n}\n");
        self
    }

    /// The stencil op: `demosaic_rgb`, its last pass, with a texture and
    /// a tap for each image its first passes write (at the image position
    /// `stencil_xy(x, y)`, which the kernel defines); `stencil_pass`, which
    /// runs its pass `pass` (the last one, as RGBA, after the others;
    /// `second` says which row of a pair a walk along the rows is at), and
    /// `stencil_walk_start`, which starts a run of it where it walks.
    pub fn stencil(mut self, op: &dyn Stencil, pass: usize) -> Self {
        self.uniform_block("stencil", "StencilParams", &[], &[op]);
        let call = self.call(op, "stencil", "rgb", "x, y, kind");
        let _ = writeln!(
            self.text,
            "fn demosaic_rgb(x: i32, y: i32, kind: u32) -> vec3<f32> {{\n    return {call};\n}}"
        );
        let name = op.wgsl().name;
        for (k, image) in op.passes().iter().enumerate() {
            let _ = writeln!(
                self.text,
                "@group(0) @binding(_) var stencil_image_{k}: texture_2d<f32>;\n\
                 fn {name}_{}_tap(x: i32, y: i32) -> vec4<f32> {{\n    \
                 let dims = vec2<i32>(textureDimensions(stencil_image_{k}));\n    \
                 return textureLoad(stencil_image_{k}, mirror2(stencil_xy(x, y), dims), 0);\n}}",
                image.image
            );
        }
        let current = op.passes().get(pass);
        let body = match current {
            Some(p) if p.walk == Walk::Rows => {
                self.call(op, "stencil", p.image, "x, y, kind, second")
            }
            Some(p) => self.call(op, "stencil", p.image, "x, y, kind"),
            None => "vec4<f32>(demosaic_rgb(x, y, kind), 1.0)".to_string(),
        };
        let start = match current {
            Some(p) if p.walk != Walk::No => {
                self.call(op, "stencil", &format!("{}_start", p.image), "x, y, kind")
            }
            _ => String::new(),
        };
        let format = current.map_or("rgba32float", |p| p.wgsl_format());
        let _ = writeln!(
            self.text,
            "@group(0) @binding(_) var stencil_out: texture_storage_2d<{format}, write>;\n\
             fn stencil_pass(x: i32, y: i32, kind: u32, second: bool) -> vec4<f32> {{\n    return {body};\n}}\n\
             fn stencil_walk_start(x: i32, y: i32, kind: u32) {{\n    {start};\n}}"
        );
        self
    }

    /// The pointwise chain and the encoding after it. Its uniform block
    /// starts with the tile: where the image sits in the full output.
    pub fn pointwise(mut self, ops: &[Box<dyn Pointwise>], encode: &Encode) -> Self {
        let mut all: Vec<&dyn Op> = ops.iter().map(|o| o.as_ref() as &dyn Op).collect();
        all.push(encode);
        self.uniform_block("u", "Develop", &[("tile", "Tile")], &all);
        self.text.push_str(
            "fn pointwise_linear(c_in: vec3<f32>, px: Pixel) -> vec3<f32> {\n    var c = c_in;\n",
        );
        for op in &all[..ops.len()] {
            let call = self.call(*op, "u", "apply", "c, px");
            let _ = writeln!(self.text, "    c = {call};");
        }
        let encode = self.call(encode, "u", "codes", "pointwise_linear(c, px), px");
        let _ = writeln!(
            self.text,
            "    return c;\n}}\nfn pointwise_codes(c: vec3<f32>, px: Pixel) -> vec4<u32> {{\n    return {encode};\n}}"
        );
        self
    }

    /// `NAME_SUFFIX(ARGS[, VAR.NAME])`, and the op's file and constants noted.
    fn call(&mut self, op: &dyn Op, var: &str, suffix: &str, args: &str) -> String {
        let wgsl = op.wgsl();
        if !self.ops.iter().any(|w| std::ptr::eq(*w, wgsl)) {
            self.ops.push(wgsl);
            self.constants.extend(op.constants());
        }
        match wgsl.params {
            Some(_) => format!("{}_{suffix}({args}, {var}.{})", wgsl.name, wgsl.name),
            None => format!("{}_{suffix}({args})", wgsl.name),
        }
    }

    /// `struct NAME { fixed fields, one field per op with a block }` and
    /// the uniform `VAR` of that type; nothing where there is no field.
    fn uniform_block(&mut self, var: &str, name: &str, fixed: &[(&str, &str)], ops: &[&dyn Op]) {
        let fields: Vec<(&str, &str)> = fixed
            .iter()
            .copied()
            .chain(
                ops.iter()
                    .filter_map(|op| Some((op.wgsl().name, op.wgsl().params?))),
            )
            .collect();
        if fields.is_empty() {
            return;
        }
        let _ = writeln!(self.text, "struct {name} {{");
        for (field, ty) in fields {
            let _ = writeln!(self.text, "    {field}: {ty},");
        }
        let _ = writeln!(
            self.text,
            "}}\n@group(0) @binding(_) var<uniform> {var}: {name};"
        );
    }
}

/// The bytes of a uniform block that [`Glue`] declared for `ops`, after
/// the `fixed` leading bytes.
pub fn uniform_bytes<'a>(fixed: &[u8], ops: impl IntoIterator<Item = &'a dyn Op>) -> Vec<u8> {
    let mut bytes = fixed.to_vec();
    for op in ops {
        let block = op.uniform();
        debug_assert!(
            block.len() % 16 == 0,
            "{}: a uniform block is whole 16-byte rows",
            op.wgsl().name
        );
        bytes.extend_from_slice(&block);
    }
    bytes
}
