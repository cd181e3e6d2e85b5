// import: common
// LUT colour grading on sRGB-encoded values (src/ops/lut3d.rs): an optional 1D
// shaper (linear interpolation), then an optional 3D table (tetrahedral
// interpolation). Every value comes from exact texel loads; hardware
// filtering is avoided on purpose: some GPUs quantise its weights to 8 bits.

struct LutParams {
    // 3D lattice points per axis (2..=256); 0 when there is no 3D table.
    size: u32,
    // 1D shaper points (2..=65536); 0 when there is no shaper.
    shaper_size: u32,
    _pad0: u32,
    _pad1: u32,
    // Input domain mappings: u = x * scale + offset, then clamped to [0, 1].
    scale: vec4<f32>,
    offset: vec4<f32>,
    shaper_scale: vec4<f32>,
    shaper_offset: vec4<f32>,
}

@group(0) @binding(_) var lut_tex: texture_3d<f32>;
@group(0) @binding(_) var shaper_tex: texture_2d<f32>;

// The shaper is stored in rows of this many texels (1D textures are small).
const SHAPER_ROW: u32 = 4096u;

fn shaper_fetch(t: texture_2d<f32>, i: u32) -> vec3<f32> {
    return textureLoad(t, vec2<u32>(i % SHAPER_ROW, i / SHAPER_ROW), 0).rgb;
}

// Where x falls on a lattice of `points` per axis after the domain map
// x * scale + offset (clamped to [0, 1]): the lower lattice point of its
// cell and the fraction of the way to the next one.
struct LatticeCell {
    base: vec3<f32>,
    frac: vec3<f32>,
}

fn lattice_cell(x: vec3<f32>, scale: vec3<f32>, offset: vec3<f32>, points: u32) -> LatticeCell {
    let n = f32(points - 1u);
    let u = clamp(x * scale + offset, vec3<f32>(0.0), vec3<f32>(1.0)) * n;
    let base = min(floor(u), vec3<f32>(n - 1.0));
    return LatticeCell(base, u - base);
}

fn lut_shaper(t: texture_2d<f32>, x: vec3<f32>, p: LutParams) -> vec3<f32> {
    let cell = lattice_cell(x, p.shaper_scale.xyz, p.shaper_offset.xyz, p.shaper_size);
    let f = cell.frac;
    let i = vec3<u32>(cell.base);
    return vec3<f32>(
        mix(shaper_fetch(t, i.x).r, shaper_fetch(t, i.x + 1u).r, f.x),
        mix(shaper_fetch(t, i.y).g, shaper_fetch(t, i.y + 1u).g, f.y),
        mix(shaper_fetch(t, i.z).b, shaper_fetch(t, i.z + 1u).b, f.z),
    );
}

fn lut_fetch(t: texture_3d<f32>, i: vec3<i32>) -> vec3<f32> {
    return textureLoad(t, i, 0).rgb;
}

// Branch-free: sort the fractions, walk the cube diagonal 000 -> 111 along
// the largest then the middle fraction's axis, and blend those 4 corners.
fn lut_tetrahedral(t: texture_3d<f32>, x: vec3<f32>, p: LutParams) -> vec3<f32> {
    let cell = lattice_cell(x, p.scale.xyz, p.offset.xyz, p.size);
    let f = cell.frac;
    let i0 = vec3<i32>(cell.base);

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
fn lut3d_apply(c: vec3<f32>, px: Pixel, p: LutParams) -> vec3<f32> {
    var e = srgb_encode(clamp(c, vec3<f32>(0.0), vec3<f32>(1.0)));
    if p.shaper_size != 0u {
        e = lut_shaper(shaper_tex, e, p);
    }
    if p.size != 0u {
        e = lut_tetrahedral(lut_tex, e, p);
    }
    return srgb_decode(e);
}
