// import: common color tone lut3d vignette encode
//
// The pointwise part (stages c-g) as one function of a pixel, shared by the
// kernels that run it (`pointwise.wgsl`, `fused_raw.wgsl`).

struct Tile {
    // Where this image sits in the full output (for vignette and dither).
    origin: vec2<u32>,
    full_size: vec2<u32>,
}

struct Develop {
    tile: Tile,
    color: ColorParams,
    tone: ToneParams,
    lut: LutParams,
    vignette: VignetteParams,
    encode: EncodeParams,
}

// Specialisation. A CPU rasteriser such as lavapipe runs both sides of a
// branch, so a kernel built for one development (`Specialisation` in
// src/pointwise.rs) fixes these and leaves out the stages it does not use.
// The defaults read everything from the uniform.
const TONE_FROM_UNIFORM: u32 = 0xffffffffu;
override TONE_OP: u32 = TONE_FROM_UNIFORM;
override USE_LUT: bool = true;
override USE_VIGNETTE: bool = true;
override USE_DITHER: bool = true;
// Bits per channel of the code values, 8 or 16.
override OUT_BITS: u32 = 16u;

// Camera RGB at global pixel g -> linear display light, before encoding.
fn develop_linear(c: vec3<f32>, g: vec2<u32>, u: Develop, lut: texture_3d<f32>, shaper: texture_2d<f32>) -> vec3<f32> {
    var tone = u.tone;
    if TONE_OP != TONE_FROM_UNIFORM {
        tone.op = TONE_OP;
    }
    var out = tone_apply(color_apply(c, u.color), tone);
    if USE_LUT {
        out = lut_apply(out, lut, shaper, u.lut);
    }
    if USE_VIGNETTE {
        out = vignette_apply(out, g, u.tile.full_size, u.vignette);
    }
    return out;
}

// Stages c-g: camera RGB at global pixel g -> code values. AgX ends on a
// 2.2 power that the sRGB curve almost undoes; when no stage stands between
// them the two are taken as one power (a third of AgX's cost on a CPU
// rasteriser), or for 8-bit codes as two polynomials. The result differs
// from the stage-by-stage one by float rounding, or by the polynomials'
// error (at most 0.033 of a code).
fn develop_codes(c: vec3<f32>, g: vec2<u32>, u: Develop, lut: texture_3d<f32>, shaper: texture_2d<f32>) -> vec4<u32> {
    if TONE_OP == TONE_AGX && !USE_LUT && !USE_VIGNETTE {
        let d = min(agx_curve(max(color_apply(c, u.color), vec3<f32>(0.0))), vec3<f32>(1.0));
        if OUT_BITS == 8u {
            return develop_quantize(srgb_encode_gamma22_8bit(d), g, u);
        }
        return develop_quantize(srgb_encode_gamma22(d), g, u);
    }
    return develop_quantize(srgb_encode(develop_linear(c, g, u, lut, shaper)), g, u);
}

// Stage g's quantisation, with the dither specialised like the stages above.
fn develop_quantize(e: vec3<f32>, g: vec2<u32>, u: Develop) -> vec4<u32> {
    var p = u.encode;
    if !USE_DITHER {
        p.dither = 0.0;
    }
    return quantize(e, g, p);
}
