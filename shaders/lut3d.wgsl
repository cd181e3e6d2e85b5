// import: common
// Stage e: 3D LUT colour grading on sRGB-encoded values, tetrahedral
// interpolation from four exact texel loads. Hardware trilinear filtering
// is avoided on purpose: some GPUs quantise its weights to 8 bits.

struct LutParams {
    // Lattice points per axis (2..=256).
    size: u32,
    // 0: pass through, no texture access.
    enabled: u32,
    _pad0: u32,
    _pad1: u32,
    // Input domain mapping: u = x * scale + offset, then clamped to [0, 1].
    scale: vec4<f32>,
    offset: vec4<f32>,
}

fn lut_fetch(t: texture_3d<f32>, i: vec3<i32>) -> vec3<f32> {
    return textureLoad(t, i, 0).rgb;
}

// Branch-free: sort the fractions, walk the cube diagonal 000 -> 111 along
// the largest then the middle fraction's axis, and blend those 4 corners.
fn lut_tetrahedral(t: texture_3d<f32>, x: vec3<f32>, p: LutParams) -> vec3<f32> {
    let n = f32(p.size - 1u);
    let u = clamp(x * p.scale.xyz + p.offset.xyz, vec3<f32>(0.0), vec3<f32>(1.0)) * n;
    let base = min(floor(u), vec3<f32>(n - 1.0));
    let f = u - base;
    let i0 = vec3<i32>(base);

    // Axis of the largest fraction (ties to r, then g) and of the smallest
    // (ties to b, then g): always two different axes.
    let r_hi = f.x >= f.y && f.x >= f.z;
    let g_hi = !r_hi && f.y >= f.z;
    let b_lo = f.z <= f.x && f.z <= f.y;
    let g_lo = !b_lo && f.y <= f.x;
    let e_hi = vec3<i32>(select(0, 1, r_hi), select(0, 1, g_hi), select(0, 1, !r_hi && !g_hi));
    let e_lo = vec3<i32>(select(0, 1, !b_lo && !g_lo), select(0, 1, g_lo), select(0, 1, b_lo));
    let e_mid = vec3<i32>(1) - e_hi - e_lo;
    let f_hi = dot(f, vec3<f32>(e_hi));
    let f_mid = dot(f, vec3<f32>(e_mid));
    let f_lo = dot(f, vec3<f32>(e_lo));

    let c0 = lut_fetch(t, i0);
    let c1 = lut_fetch(t, i0 + e_hi);
    let c2 = lut_fetch(t, i0 + e_hi + e_mid);
    let c3 = lut_fetch(t, i0 + vec3<i32>(1));
    return (1.0 - f_hi) * c0 + (f_hi - f_mid) * c1 + (f_mid - f_lo) * c2 + f_lo * c3;
}

// Linear display light in, linear display light out; the LUT itself sees
// sRGB-encoded values, as LUTs made for photos expect.
fn lut_apply(c: vec3<f32>, t: texture_3d<f32>, p: LutParams) -> vec3<f32> {
    if p.enabled == 0u {
        return c;
    }
    let graded = lut_tetrahedral(t, srgb_encode(clamp(c, vec3<f32>(0.0), vec3<f32>(1.0))), p);
    return srgb_decode(graded);
}
