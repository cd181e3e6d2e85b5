// import: common
// Encode, the end of the pointwise chain: the sRGB transfer curve and
// quantisation to 8 or 16 bits (src/ops/encode.rs). Triangular dither of
// +-1 code value breaks up banding in smooth skies at 8 bits; it is
// deterministic per pixel (see common.wgsl).

// Fixed when the kernel is compiled: bits per channel (8 or 16), dither on
// or off, and the curve: 0 sRGB, 1 a 2.2 power then sRGB as one power,
// 2 the same as two polynomials (8 bits).
override OUT_BITS: u32 = 16u;
override USE_DITHER: bool = true;
override ENCODE_CURVE: u32 = 0u;

struct EncodeParams {
    // 255 or 65535.
    max_value: f32,
    // Dither amplitude in code values (0 disables).
    dither: f32,
    _pad0: f32,
    _pad1: f32,
}

fn encode_codes(c: vec3<f32>, px: Pixel, p: EncodeParams) -> vec4<u32> {
    var e: vec3<f32>;
    switch ENCODE_CURVE {
        case 1u: {
            e = srgb_encode_gamma22(c);
        }
        case 2u: {
            e = srgb_encode_gamma22_8bit(c);
        }
        default: {
            e = srgb_encode(c);
        }
    }
    var q = p;
    if !USE_DITHER {
        q.dither = 0.0;
    }
    return quantize(e, px.xy, q);
}

// The quantisation alone, of values already on the sRGB curve.
fn quantize(e: vec3<f32>, xy: vec2<u32>, p: EncodeParams) -> vec4<u32> {
    let v = clamp(e, vec3<f32>(0.0), vec3<f32>(1.0)) * p.max_value;
    let n = dither_tpdf(xy.x, xy.y) * p.dither;
    let q = clamp(floor(v + 0.5 + n), vec3<f32>(0.0), vec3<f32>(p.max_value));
    return vec4<u32>(vec3<u32>(q), u32(p.max_value));
}
