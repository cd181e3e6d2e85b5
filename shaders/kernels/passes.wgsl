// import: common
//
// The scene part as texture passes: the photosite ops over the raw mosaic
// into an r32float image (`photosite_main`), then the stencil op's passes
// (`stencil_pass_main`), each into an image of its own: the last one's is
// linear camera RGB. The reference the
// block kernel is held to, the path for float mosaics (the demosaic
// benchmark) and for stencils that do not fit the block kernel. It holds
// no stage math: it calls the plan's chains (src/ops/glue.rs).

struct Cfa {
    // Kind of site of cells (0,0), (1,0), (0,1), (1,1): 0 red, 1 green in
    // a red row, 2 green in a blue row, 3 blue.
    kinds: vec4<u32>,
}

@group(0) @binding(_) var<uniform> cfa: Cfa;
@group(0) @binding(_) var raw: texture_2d<u32>;
@group(0) @binding(_) var mosaic_out: texture_storage_2d<r32float, write>;
@group(0) @binding(_) var mosaic: texture_2d<f32>;
@group(0) @binding(_) var stencil_out: texture_storage_2d<rgba32float, write>;

@compute @workgroup_size(8, 8)
fn photosite_main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let dims = textureDimensions(raw);
    if gid.x >= dims.x || gid.y >= dims.y {
        return;
    }
    let cell = (gid.x & 1u) + 2u * (gid.y & 1u);
    let v = photosite_value(textureLoad(raw, gid.xy, 0).r, Site(gid.xy, cell));
    textureStore(mosaic_out, gid.xy, vec4<f32>(v, 0.0, 0.0, 1.0));
}

// The stencil op's view of the mosaic, borders mirrored.
fn mosaic_tap(x: i32, y: i32) -> f32 {
    let dims = vec2<i32>(textureDimensions(mosaic));
    return textureLoad(mosaic, mirror2(vec2(x, y), dims), 0).r;
}

// The stencil passes develop two neighbouring pixels per invocation, one
// row per workgroup: every invocation's pixels then have the same kinds of
// site, so a pass's per-kind branches do not diverge (a CPU rasteriser
// would run every side of a divergent branch for every lane).
fn pair(gid: vec3<u32>, k: u32) -> vec3<i32> {
    let p = vec2<i32>(vec2(2u * gid.x + k, gid.y));
    return vec3<i32>(p, i32(cfa.kinds[(2u * (gid.y & 1u)) + k]));
}

@compute @workgroup_size(64, 1)
fn stencil_pass_main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let dims = vec2<i32>(textureDimensions(mosaic));
    for (var k = 0u; k < 2u; k++) {
        let p = pair(gid, k);
        if within(p.xy, dims) {
            textureStore(stencil_out, p.xy, stencil_pass(p.x, p.y, u32(p.z)));
        }
    }
}
