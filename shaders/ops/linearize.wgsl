// Linearize: black level, white level and white balance on the raw mosaic
// (src/ops/linearize.rs).
//
// Per cell i of the site:
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

fn linearize_site(v: f32, site: Site, p: LinearizeParams) -> f32 {
    return select(min((v - p.black[site.cell]) * p.scale[site.cell], 1.0), 1.0, v >= p.white);
}
