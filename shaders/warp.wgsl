// Lens distortion and lateral chromatic aberration correction, the DNG
// WarpRectilinear opcode (src/ops/warp.rs has the model, the references
// and the CPU twin): each output pixel takes the input, resampled by cubic
// convolution, where the model maps it; each plane its own point where the
// planes' coefficients differ (WARP_PLANES 3), one for all otherwise.

struct WarpParams {
    // kr0..kr3 of red, green, blue.
    radial: array<vec4<f32>, 3>,
    // kt0, kt1 of red, green, blue.
    tangential: array<vec4<f32>, 3>,
    // The optical centre, and its distance to the farthest corner, in pixels.
    centre: vec2<f32>,
    radius: f32,
}

// 1: the planes share their coefficients; 3: each has its own.
override WARP_PLANES: u32 = 1u;

@group(0) @binding(_) var<uniform> warp: WarpParams;
@group(0) @binding(_) var warp_src: texture_2d<f32>;
@group(0) @binding(_) var warp_dst: texture_storage_2d<rgba32float, write>;

// Where output pixel p of `plane` takes its input.
fn warp_source(p: vec2<f32>, plane: u32) -> vec2<f32> {
    let kr = warp.radial[plane];
    let kt = warp.tangential[plane];
    let m = warp.radius;
    let d = (p - warp.centre) / m;
    let r2 = min(d.x * d.x + d.y * d.y, 1.0);
    let f = kr.x + r2 * (kr.y + r2 * (kr.z + r2 * kr.w));
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
