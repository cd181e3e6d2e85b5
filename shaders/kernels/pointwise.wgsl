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

// The preview's clipping marks (src/pipeline.rs `Display`), a pipeline
// constant so that the unmarked display kernel is left as it was.
override MARK_CLIPPING: bool = false;

// For display (the preview): the 8-bit codes as unorm, so a window can
// sample the result directly. Marked, a code of 255 in any channel (a
// clipped highlight) shows red, 0 in all three (crushed shadow) blue.
@compute @workgroup_size(8, 8)
fn display(@builtin(global_invocation_id) gid: vec3<u32>) {
    if !inside(gid.xy) {
        return;
    }
    let c = codes(gid.xy);
    var shown = vec4<f32>(c) / 255.0;
    if MARK_CLIPPING {
        if any(c.rgb == vec3<u32>(255u)) {
            shown = vec4<f32>(1.0, 0.0, 0.0, 1.0);
        } else if all(c.rgb == vec3<u32>(0u)) {
            shown = vec4<f32>(0.0, 0.0, 1.0, 1.0);
        }
    }
    textureStore(out_display, gid.xy, shown);
}

@compute @workgroup_size(8, 8)
fn linear_main(@builtin(global_invocation_id) gid: vec3<u32>) {
    if !inside(gid.xy) {
        return;
    }
    let c = pointwise_linear(textureLoad(src, gid.xy, 0).rgb, tile_pixel(gid.xy, u.tile));
    textureStore(out_linear, gid.xy, vec4<f32>(c, 1.0));
}
