// The camera profile's gain table map (src/ops/gain_table.rs; DNG 1.6
// ProfileGainTableMap, 1.7 ProfileGainTableMap2): a gain for each pixel
// from a grid of 1-D tables, indexed by a weighted sum of its linear
// ProPhoto RGB.

// 1 where the map's gamma is not 1, fixed when the kernel is compiled:
// a CPU rasteriser runs both sides of a branch.
override GAIN_TABLE_POWER: u32 = 0u;

struct GainTableParams {
    // Camera -> ProPhoto rows (baseline exposure in); w unused.
    m0: vec4<f32>,
    m1: vec4<f32>,
    m2: vec4<f32>,
    // MapInputWeights of R, G, B, min; then of max, and gamma.
    weights: vec4<f32>,
    weights2: vec4<f32>,
    // MapOriginH/V, MapSpacingH/V, relative to the active area.
    grid: vec4<f32>,
    // Where the output lies in the active area: left, top, width, height.
    area: vec4<f32>,
    // MapPointsN, MapPointsH, MapPointsV.
    dims: vec4<u32>,
}

// The gains of entries n and n + 1 (the last repeated) at (n, h, v), in
// x and y: the two a pixel interpolates between, in one load.
@group(0) @binding(_) var gain_table_tex: texture_3d<f32>;

fn gain_table_entries(n: u32, h: u32, v: u32) -> vec2<f32> {
    return textureLoad(gain_table_tex, vec3<u32>(n, h, v), 0).xy;
}

fn gain_table_gain(rgb: vec3<f32>, px: Pixel, p: GainTableParams) -> f32 {
    let lo = min(rgb.r, min(rgb.g, rgb.b));
    let hi = max(rgb.r, max(rgb.g, rgb.b));
    var t = clamp(dot(p.weights, vec4<f32>(rgb, lo)) + p.weights2.x * hi, 0.0, 1.0);
    if GAIN_TABLE_POWER != 0u {
        t = select(t, pow(t, p.weights2.y), t > 0.0);
    }
    // The pixel's centre in the map's grid, edges replicated.
    let pos = p.area.xy + (vec2<f32>(px.xy) + 0.5) / vec2<f32>(px.full_size) * p.area.zw;
    let g = clamp((pos - p.grid.xy) / p.grid.zw, vec2<f32>(0.0), vec2<f32>(p.dims.yz - 1u));
    let base = floor(g);
    let f = g - base;
    let at = vec2<u32>(base);
    let next = min(at + 1u, p.dims.yz - 1u);
    let index = min(t * f32(p.dims.x), f32(p.dims.x - 1u));
    let n_base = floor(index);
    let n = u32(n_base);
    let top = mix(gain_table_entries(n, at.x, at.y), gain_table_entries(n, next.x, at.y), f.x);
    let bottom = mix(gain_table_entries(n, at.x, next.y), gain_table_entries(n, next.x, next.y), f.x);
    let table = mix(top, bottom, f.y);
    return mix(table.x, table.y, index - n_base);
}

fn gain_table_apply(c: vec3<f32>, px: Pixel, p: GainTableParams) -> vec3<f32> {
    let rgb = vec3<f32>(dot(p.m0.xyz, c), dot(p.m1.xyz, c), dot(p.m2.xyz, c));
    return c * gain_table_gain(rgb, px, p);
}
