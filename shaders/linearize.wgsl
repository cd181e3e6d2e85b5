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

fn linearize_value(raw: u32, cell: u32, lin: LinearizeParams) -> f32 {
    let v = f32(raw);
    return select(min((v - lin.black[cell]) * lin.scale[cell], 1.0), 1.0, v >= lin.white);
}
