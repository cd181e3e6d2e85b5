// import: common
// Stage g: sRGB transfer curve and quantisation to 8 or 16 bits.
// Triangular dither of +-1 code value breaks up banding in smooth skies at
// 8 bits; it is deterministic per pixel (see common.wgsl).

struct EncodeParams {
    // 255 or 65535.
    max_value: f32,
    // Dither amplitude in code values (0 disables).
    dither: f32,
    _pad0: f32,
    _pad1: f32,
}

fn encode_apply(c: vec3<f32>, xy: vec2<u32>, p: EncodeParams) -> vec4<u32> {
    return quantize(srgb_encode(c), xy, p);
}

// The quantisation alone, of values already on the sRGB curve.
fn quantize(e: vec3<f32>, xy: vec2<u32>, p: EncodeParams) -> vec4<u32> {
    let v = clamp(e, vec3<f32>(0.0), vec3<f32>(1.0)) * p.max_value;
    let n = dither_tpdf(xy.x, xy.y) * p.dither;
    let q = clamp(floor(v + 0.5 + n), vec3<f32>(0.0), vec3<f32>(p.max_value));
    return vec4<u32>(vec3<u32>(q), u32(p.max_value));
}
