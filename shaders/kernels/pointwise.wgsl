// import: common
//
// The pointwise part over a scene texture. `codes_8`, `codes_16` and
// `display` run the plan's whole pointwise chain and its encoder in one
// dispatch (`pointwise_codes`); `linear_main` runs the chain without encoding,
// one op at a time for a stepwise development. It holds no stage math: it
// calls the plan's chain (src/ops/glue.rs).

@group(0) @binding(_) var src: texture_2d<f32>;
@group(0) @binding(_) var out_linear: texture_storage_2d<rgba32float, write>;
@group(0) @binding(_) var out_8: texture_storage_2d<rgba8uint, write>;
@group(0) @binding(_) var out_16: texture_storage_2d<rgba16uint, write>;
@group(0) @binding(_) var out_display: texture_storage_2d<rgba8unorm, write>;

fn inside(xy: vec2<u32>) -> bool {
    let dims = textureDimensions(src);
    return xy.x < dims.x && xy.y < dims.y;
}

fn codes(xy: vec2<u32>) -> vec4<u32> {
    return pointwise_codes(textureLoad(src, xy, 0).rgb, tile_pixel(xy, u.tile));
}

@compute @workgroup_size(8, 8)
fn codes_8(@builtin(global_invocation_id) gid: vec3<u32>) {
    if !inside(gid.xy) {
        return;
    }
    textureStore(out_8, gid.xy, codes(gid.xy));
}

@compute @workgroup_size(8, 8)
fn codes_16(@builtin(global_invocation_id) gid: vec3<u32>) {
    if !inside(gid.xy) {
        return;
    }
    textureStore(out_16, gid.xy, codes(gid.xy));
}

// For display (the preview): the 8-bit codes as unorm, so a window can
// sample the result directly.
@compute @workgroup_size(8, 8)
fn display(@builtin(global_invocation_id) gid: vec3<u32>) {
    if !inside(gid.xy) {
        return;
    }
    textureStore(out_display, gid.xy, vec4<f32>(codes(gid.xy)) / 255.0);
}

@compute @workgroup_size(8, 8)
fn linear_main(@builtin(global_invocation_id) gid: vec3<u32>) {
    if !inside(gid.xy) {
        return;
    }
    let c = pointwise_linear(textureLoad(src, gid.xy, 0).rgb, tile_pixel(gid.xy, u.tile));
    textureStore(out_linear, gid.xy, vec4<f32>(c, 1.0));
}
