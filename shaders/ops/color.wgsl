// Colour: white-balanced camera RGB -> linear output RGB (sRGB or Display
// P3 primaries, D65 white), then exposure (src/ops/color.rs). The matrix
// comes from the file's calibration; exposure is a gain of 2^EV.

struct ColorParams {
    // Matrix rows; w unused.
    m0: vec4<f32>,
    m1: vec4<f32>,
    m2: vec4<f32>,
    // x = 2^exposure_ev.
    gain: vec4<f32>,
}

fn color_apply(c: vec3<f32>, px: Pixel, p: ColorParams) -> vec3<f32> {
    let rgb = vec3<f32>(dot(p.m0.xyz, c), dot(p.m1.xyz, c), dot(p.m2.xyz, c));
    return rgb * p.gain.x;
}
