// import: linearize demosaic_mhc develop
//
// The whole development in one dispatch, for batch conversion: each pixel
// loads its 13 raw taps, linearises them, demosaics, runs the pointwise
// stages and encodes. No intermediate image is written; the same stage
// functions as the separate passes give the same pixels.

@group(0) @binding(0) var<uniform> u: Develop;
@group(0) @binding(2) var lut_tex: texture_3d<f32>;
@group(0) @binding(4) var out_8: texture_storage_2d<rgba8uint, write>;
@group(0) @binding(5) var out_16: texture_storage_2d<rgba16uint, write>;
@group(0) @binding(6) var shaper_tex: texture_2d<f32>;
@group(0) @binding(7) var raw: texture_2d<u32>;
@group(0) @binding(8) var<uniform> lin: LinearizeParams;
@group(0) @binding(9) var<uniform> dm: DemosaicParams;

fn raw_tap(p: vec2<i32>, dims: vec2<i32>) -> f32 {
    let q = mirror2(p, dims);
    // Mirroring keeps parity, so the tap's cell is that of p.
    let cell = u32(q.x & 1) + 2u * u32(q.y & 1);
    return linearize_value(textureLoad(raw, q, 0).r, cell, lin);
}

fn developed(p: vec2<i32>) -> vec3<f32> {
    let dims = vec2<i32>(textureDimensions(raw));
    var t: MhcTaps;
    t.c = raw_tap(p, dims);
    t.h1 = raw_tap(p + vec2(-1, 0), dims) + raw_tap(p + vec2(1, 0), dims);
    t.v1 = raw_tap(p + vec2(0, -1), dims) + raw_tap(p + vec2(0, 1), dims);
    t.h2 = raw_tap(p + vec2(-2, 0), dims) + raw_tap(p + vec2(2, 0), dims);
    t.v2 = raw_tap(p + vec2(0, -2), dims) + raw_tap(p + vec2(0, 2), dims);
    t.d1 = raw_tap(p + vec2(-1, -1), dims) + raw_tap(p + vec2(1, -1), dims) + raw_tap(p + vec2(-1, 1), dims) + raw_tap(p + vec2(1, 1), dims);
    let g = vec2<u32>(p) + u.tile.origin;
    return develop_linear(mhc_combine(t, p, dm), g, u, lut_tex, shaper_tex);
}

fn inside(p: vec2<u32>) -> bool {
    let dims = textureDimensions(raw);
    return p.x < dims.x && p.y < dims.y;
}

@compute @workgroup_size(8, 8)
fn raw_8(@builtin(global_invocation_id) gid: vec3<u32>) {
    if !inside(gid.xy) {
        return;
    }
    let c = developed(vec2<i32>(gid.xy));
    textureStore(out_8, gid.xy, encode_apply(c, gid.xy + u.tile.origin, u.encode));
}

@compute @workgroup_size(8, 8)
fn raw_16(@builtin(global_invocation_id) gid: vec3<u32>) {
    if !inside(gid.xy) {
        return;
    }
    let c = developed(vec2<i32>(gid.xy));
    textureStore(out_16, gid.xy, encode_apply(c, gid.xy + u.tile.origin, u.encode));
}
