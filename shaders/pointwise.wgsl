// import: develop
//
// The pointwise part of the pipeline (stages c-g) over a demosaiced image.
// `fused_8` / `fused_16` (and `fused_display`) run them all in one dispatch; the `*_main` entries
// run one stage each between rgba32float images, to inspect or debug. Both
// call the same stage functions, so they give the same pixels.

@group(0) @binding(0) var<uniform> u: Develop;
@group(0) @binding(1) var src: texture_2d<f32>;
@group(0) @binding(2) var lut_tex: texture_3d<f32>;
@group(0) @binding(3) var out_f32: texture_storage_2d<rgba32float, write>;
@group(0) @binding(4) var out_8: texture_storage_2d<rgba8uint, write>;
@group(0) @binding(5) var out_16: texture_storage_2d<rgba16uint, write>;
@group(0) @binding(6) var shaper_tex: texture_2d<f32>;
@group(0) @binding(10) var out_display: texture_storage_2d<rgba8unorm, write>;

fn inside(xy: vec2<u32>) -> bool {
    let dims = textureDimensions(src);
    return xy.x < dims.x && xy.y < dims.y;
}

fn load_rgb(xy: vec2<u32>) -> vec3<f32> {
    return textureLoad(src, xy, 0).rgb;
}

// Stages c-g at pixel xy: its code values.
fn fused_codes(xy: vec2<u32>) -> vec4<u32> {
    let g = xy + u.tile.origin;
    return develop_codes(load_rgb(xy), g, u, lut_tex, shaper_tex);
}

@compute @workgroup_size(8, 8)
fn fused_8(@builtin(global_invocation_id) gid: vec3<u32>) {
    if !inside(gid.xy) {
        return;
    }
    textureStore(out_8, gid.xy, fused_codes(gid.xy));
}

@compute @workgroup_size(8, 8)
fn fused_16(@builtin(global_invocation_id) gid: vec3<u32>) {
    if !inside(gid.xy) {
        return;
    }
    textureStore(out_16, gid.xy, fused_codes(gid.xy));
}

// For display (the preview): the 8-bit codes as unorm, so a window can
// sample the result directly.
@compute @workgroup_size(8, 8)
fn fused_display(@builtin(global_invocation_id) gid: vec3<u32>) {
    if !inside(gid.xy) {
        return;
    }
    textureStore(out_display, gid.xy, vec4<f32>(fused_codes(gid.xy)) / 255.0);
}

@compute @workgroup_size(8, 8)
fn color_main(@builtin(global_invocation_id) gid: vec3<u32>) {
    if !inside(gid.xy) {
        return;
    }
    textureStore(out_f32, gid.xy, vec4<f32>(color_apply(load_rgb(gid.xy), u.color), 1.0));
}

@compute @workgroup_size(8, 8)
fn tone_main(@builtin(global_invocation_id) gid: vec3<u32>) {
    if !inside(gid.xy) {
        return;
    }
    textureStore(out_f32, gid.xy, vec4<f32>(tone_apply(load_rgb(gid.xy), u.tone), 1.0));
}

@compute @workgroup_size(8, 8)
fn lut_main(@builtin(global_invocation_id) gid: vec3<u32>) {
    if !inside(gid.xy) {
        return;
    }
    textureStore(out_f32, gid.xy, vec4<f32>(lut_apply(load_rgb(gid.xy), lut_tex, shaper_tex, u.lut), 1.0));
}

@compute @workgroup_size(8, 8)
fn vignette_main(@builtin(global_invocation_id) gid: vec3<u32>) {
    if !inside(gid.xy) {
        return;
    }
    let g = gid.xy + u.tile.origin;
    textureStore(out_f32, gid.xy, vec4<f32>(vignette_apply(load_rgb(gid.xy), g, u.tile.full_size, u.vignette), 1.0));
}

@compute @workgroup_size(8, 8)
fn encode_8(@builtin(global_invocation_id) gid: vec3<u32>) {
    if !inside(gid.xy) {
        return;
    }
    textureStore(out_8, gid.xy, encode_apply(load_rgb(gid.xy), gid.xy + u.tile.origin, u.encode));
}

@compute @workgroup_size(8, 8)
fn encode_16(@builtin(global_invocation_id) gid: vec3<u32>) {
    if !inside(gid.xy) {
        return;
    }
    textureStore(out_16, gid.xy, encode_apply(load_rgb(gid.xy), gid.xy + u.tile.origin, u.encode));
}
