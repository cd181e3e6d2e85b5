// import: linearize demosaic_mhc
//
// The stencil stages as separate passes: linearize the raw mosaic into an
// r32float image, then demosaic that into linear camera RGB. The batch path
// fuses both into `fused_raw.wgsl`; these keep each stage inspectable and
// serve float mosaics (the demosaic benchmark).

@group(0) @binding(0) var<uniform> lin: LinearizeParams;
@group(0) @binding(1) var raw: texture_2d<u32>;
@group(0) @binding(2) var mosaic_out: texture_storage_2d<r32float, write>;
@group(0) @binding(3) var<uniform> dm: DemosaicParams;
@group(0) @binding(4) var mosaic: texture_2d<f32>;
@group(0) @binding(5) var rgb_out: texture_storage_2d<rgba32float, write>;

@compute @workgroup_size(8, 8)
fn linearize_main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let dims = textureDimensions(raw);
    if gid.x >= dims.x || gid.y >= dims.y {
        return;
    }
    let cell = (gid.x & 1u) + 2u * (gid.y & 1u);
    let v = linearize_value(textureLoad(raw, gid.xy, 0).r, cell, lin);
    textureStore(mosaic_out, gid.xy, vec4<f32>(v, 0.0, 0.0, 1.0));
}

fn tap(p: vec2<i32>, dims: vec2<i32>) -> f32 {
    return textureLoad(mosaic, mirror2(p, dims), 0).r;
}

@compute @workgroup_size(8, 8)
fn demosaic_main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let dims = vec2<i32>(textureDimensions(mosaic));
    let p = vec2<i32>(gid.xy);
    if p.x >= dims.x || p.y >= dims.y {
        return;
    }
    var t: MhcTaps;
    t.c = tap(p, dims);
    t.h1 = tap(p + vec2(-1, 0), dims) + tap(p + vec2(1, 0), dims);
    t.v1 = tap(p + vec2(0, -1), dims) + tap(p + vec2(0, 1), dims);
    t.h2 = tap(p + vec2(-2, 0), dims) + tap(p + vec2(2, 0), dims);
    t.v2 = tap(p + vec2(0, -2), dims) + tap(p + vec2(0, 2), dims);
    t.d1 = tap(p + vec2(-1, -1), dims) + tap(p + vec2(1, -1), dims) + tap(p + vec2(-1, 1), dims) + tap(p + vec2(1, 1), dims);
    textureStore(rgb_out, p, vec4<f32>(mhc_combine(t, p, dm), 1.0));
}
