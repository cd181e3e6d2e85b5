// Stage a: black level, white level and white balance on the raw mosaic.
//
// Per 2x2 CFA cell i = (x & 1) + 2 (y & 1):
//   out = min((raw - black[i]) * scale[i], 1.0),   scale[i] = gain[i] / (white - black[i])
// The gains are normalised so that the smallest is 1: a saturated photosite
// then reaches 1.0 in every channel after white balance, and the clip keeps
// blown highlights neutral instead of magenta. Values below black stay
// negative, so noise in the shadows averages to the right level.

struct LinearizeParams {
    black: vec4<f32>,
    scale: vec4<f32>,
    // Photosites at or above this are saturated: exactly 1.0, whatever the gain.
    white: f32,
}

@group(0) @binding(0) var<uniform> lin: LinearizeParams;
@group(0) @binding(1) var raw: texture_2d<u32>;
@group(0) @binding(2) var mosaic: texture_storage_2d<r32float, write>;

@compute @workgroup_size(8, 8)
fn linearize_main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let dims = textureDimensions(raw);
    if gid.x >= dims.x || gid.y >= dims.y {
        return;
    }
    let cell = (gid.x & 1u) + 2u * (gid.y & 1u);
    let v = f32(textureLoad(raw, gid.xy, 0).r);
    let out = select(min((v - lin.black[cell]) * lin.scale[cell], 1.0), 1.0, v >= lin.white);
    textureStore(mosaic, gid.xy, vec4<f32>(out, 0.0, 0.0, 1.0));
}
