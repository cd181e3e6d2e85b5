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

// Camera RGB at global pixel g -> linear display light, before encoding.
fn develop_linear(c: vec3<f32>, g: vec2<u32>, u: Develop, lut: texture_3d<f32>, shaper: texture_2d<f32>) -> vec3<f32> {
    let graded = lut_apply(tone_apply(color_apply(c, u.color), u.tone), lut, shaper, u.lut);
    return vignette_apply(graded, g, u.tile.full_size, u.vignette);
}
