// Lens distortion and lateral chromatic aberration correction, the DNG
// WarpRectilinear(2) opcodes (src/ops/warp.rs has the model, the references
// and the CPU twin): each output pixel takes the input, resampled by cubic
// convolution, where the model maps it; each plane its own point where the
// planes' coefficients differ (WARP_PLANES 3), one for all otherwise.

struct WarpParams {
    // kr0..kr15 (of r^0 to r^15) of red, then green, then blue.
    radial: array<vec4<f32>, 12>,
    // kt0, kt1 and the valid range of r, of red, green, blue.
    tangential: array<vec4<f32>, 3>,
    // The optical centre, and its distance to the farthest corner, in pixels.
    centre: vec2<f32>,
    radius: f32,
    // 1: f is used as its reciprocal.
    reciprocal: u32,
}

// 1: the planes share their coefficients; 3: each has its own.
override WARP_PLANES: u32 = 1u;
// The radial terms evaluated (up to the last that is not 0).
override WARP_TERMS: u32 = 7u;

@group(0) @binding(_) var<uniform> warp: WarpParams;
@group(0) @binding(_) var warp_src: texture_2d<f32>;
@group(0) @binding(_) var warp_dst: texture_storage_2d<rgba32float, write>;

// Where output pixel p of `plane` takes its input.
fn warp_source(p: vec2<f32>, plane: u32) -> vec2<f32> {
    let kt = warp.tangential[plane];
    let m = warp.radius;
    let d = (p - warp.centre) / m;
    let r2 = min(d.x * d.x + d.y * d.y, 1.0);
    // The radial terms four at a time, as many fours as WARP_TERMS needs.
    let r = clamp(sqrt(r2), kt.z, kt.w);
    let powers = vec4<f32>(1.0, r, r * r, r * r * r);
    let r4 = powers.z * powers.z;
    let at = 4u * plane;
    var f = dot(warp.radial[at], powers);
    if WARP_TERMS > 4u {
        f += r4 * dot(warp.radial[at + 1u], powers);
    }
    if WARP_TERMS > 8u {
        f += r4 * r4 * dot(warp.radial[at + 2u], powers);
    }
    if WARP_TERMS > 12u {
        f += r4 * r4 * r4 * dot(warp.radial[at + 3u], powers);
    }
    f = select(f, 1.0 / f, warp.reciprocal != 0u);
    return warp.centre + m * vec2<f32>(
        f * d.x + kt.y * (r2 + 2.0 * d.x * d.x) + 2.0 * kt.x * d.x * d.y,
        f * d.y + kt.x * (r2 + 2.0 * d.y * d.y) + 2.0 * kt.y * d.x * d.y,
    );
}

// Keys' cubic convolution weights of the four taps about a point t (0..1)
// past the second.
fn warp_cubic(t: f32) -> vec4<f32> {
    let t2 = t * t;
    let t3 = t2 * t;
    return vec4<f32>(
        -0.5 * t3 + t2 - 0.5 * t,
        1.5 * t3 - 2.5 * t2 + 1.0,
        -1.5 * t3 + 2.0 * t2 + 0.5 * t,
        0.5 * t3 - 0.5 * t2,
    );
}

// The input resampled at s, clamped into the image, its taps clamped to
// the edges.
fn warp_sample(s: vec2<f32>) -> vec4<f32> {
    let last = vec2<i32>(textureDimensions(warp_src)) - 1;
    let at = clamp(s, vec2<f32>(0.0), vec2<f32>(last));
    let base = floor(at);
    let wx = warp_cubic(at.x - base.x);
    let wy = warp_cubic(at.y - base.y);
    let b = vec2<i32>(base) - 1;
    var total = vec4<f32>(0.0);
    for (var j = 0; j < 4; j++) {
        let y = clamp(b.y + j, 0, last.y);
        var row = vec4<f32>(0.0);
        for (var i = 0; i < 4; i++) {
            row += wx[i] * textureLoad(warp_src, vec2<i32>(clamp(b.x + i, 0, last.x), y), 0);
        }
        total += wy[j] * row;
    }
    return total;
}

@compute @workgroup_size(8, 8)
fn warp_main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let dims = textureDimensions(warp_dst);
    if gid.x >= dims.x || gid.y >= dims.y {
        return;
    }
    let p = vec2<f32>(gid.xy);
    var rgb: vec3<f32>;
    if WARP_PLANES == 1u {
        rgb = warp_sample(warp_source(p, 0u)).rgb;
    } else {
        rgb = vec3<f32>(
            warp_sample(warp_source(p, 0u)).r,
            warp_sample(warp_source(p, 1u)).g,
            warp_sample(warp_source(p, 2u)).b,
        );
    }
    textureStore(warp_dst, gid.xy, vec4<f32>(rgb, 1.0));
}
