// Vignette: radial falloff in linear light, centred on the full output
// image (src/ops/vignette.rs).
//
// d is the distance from the centre, 1.0 at the corners. roundness 0 follows
// the frame's aspect (an ellipse through the corners), 1 is a circle. The
// gain ramps smoothly from 1 at d = midpoint to 2^amount where
// d = midpoint + feather * (1 - midpoint); so with feather 1 the corners get
// exactly `amount` EV.

struct VignetteParams {
    amount: f32,
    midpoint: f32,
    feather: f32,
    roundness: f32,
}

fn vignette_gain(xy: vec2<u32>, full_size: vec2<u32>, p: VignetteParams) -> f32 {
    let size = vec2<f32>(full_size);
    let pos = (vec2<f32>(xy) + 0.5) / size * 2.0 - 1.0;
    let s = mix(vec2<f32>(1.0), size / max(size.x, size.y), p.roundness);
    let d = length(pos * s) / length(s);
    let t = clamp((d - p.midpoint) / max(p.feather * (1.0 - p.midpoint), 1e-4), 0.0, 1.0);
    let w = t * t * (3.0 - 2.0 * t);
    return exp2(p.amount * w);
}

fn vignette_apply(c: vec3<f32>, px: Pixel, p: VignetteParams) -> vec3<f32> {
    return c * vignette_gain(px.xy, px.full_size, p);
}
