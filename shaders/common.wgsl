// Helpers shared by the ops and kernels: the sRGB transfer curve, dither noise,
// the places ops see, and the mirrored border. The math has twins in src/ops/common.rs.

// IEC 61966-2-1 sRGB encoding of linear light; negatives map to 0.
fn srgb_encode(c: vec3<f32>) -> vec3<f32> {
    let x = max(c, vec3<f32>(0.0));
    let hi = 1.055 * pow(x, vec3<f32>(1.0 / 2.4)) - 0.055;
    return select(hi, x * 12.92, x <= vec3<f32>(0.0031308));
}

// Where x^2.2 reaches 0.0031308, the end of the sRGB curve's linear toe.
const GAMMA22_TOE: f32 = 0.0727213;

// srgb_encode(x^2.2) for x >= 0 with one power instead of two (AgX ends on a
// 2.2 power).
fn srgb_encode_gamma22(x: vec3<f32>) -> vec3<f32> {
    let toe = x <= vec3<f32>(GAMMA22_TOE);
    let p = pow(x, select(vec3<f32>(2.2 / 2.4), vec3<f32>(2.2), toe));
    return select(1.055 * p - 0.055, 12.92 * p, toe);
}

// srgb_encode_gamma22 without a power, within 0.033 of an 8-bit code: a
// polynomial on each side of the toe, fitted by scripts/fit-srgb-gamma22.py.
// On a CPU rasteriser a power is a log2 and an exp2, each several times
// the cost of this.
fn srgb_encode_gamma22_8bit(x: vec3<f32>) -> vec3<f32> {
    let toe = 0.00007169313 + x * (-0.02711155 + x * (6.7106843 + x * 17.943254));
    let upper = -0.04902666 + x * (1.2765414 + x * (-0.6901006 + x * (1.1942981
        + x * (-1.3695574 + x * (0.863304 + x * -0.22550581)))));
    return select(upper, toe, x <= vec3<f32>(GAMMA22_TOE));
}

fn srgb_decode(c: vec3<f32>) -> vec3<f32> {
    let x = max(c, vec3<f32>(0.0));
    let hi = pow((x + 0.055) / 1.055, vec3<f32>(2.4));
    return select(hi, x / 12.92, x <= vec3<f32>(0.04045));
}

// A well-mixed 32-bit integer hash, so dither is deterministic per pixel and
// identical on the CPU and every GPU (integer math only).
fn hash_u32(v: u32) -> u32 {
    var x = v;
    x = x ^ (x >> 16u);
    x = x * 0x7feb352du;
    x = x ^ (x >> 15u);
    x = x * 0x846ca68bu;
    x = x ^ (x >> 16u);
    return x;
}

// Triangular-PDF noise in (-1, 1) for pixel (x, y): the sum of two uniform
// variables, the two halves of one hash. The same value serves all three
// channels, so a grey pixel stays exactly grey.
fn dither_tpdf(x: u32, y: u32) -> f32 {
    let h = hash_u32(x * 0x9e3779b1u + y * 0x85ebca77u);
    let halves = f32(h & 0xffffu) + f32(h >> 16u);
    return (halves + 1.0) * (1.0 / 65536.0) - 1.0;
}

// Where a photosite is, for the photosite ops: its position in the frame
// and its cell, (x & 1) + 2 (y & 1) counted from the origin its op's
// uniform block was built for (src/ops/mod.rs).
struct Site {
    xy: vec2<u32>,
    cell: u32,
}

// Where a pixel is, for the pointwise ops: its position in the full output
// and that output's size.
struct Pixel {
    xy: vec2<u32>,
    full_size: vec2<u32>,
}

// Where the image a kernel writes sits in the full output.
struct Tile {
    origin: vec2<u32>,
    full_size: vec2<u32>,
}

fn tile_pixel(xy: vec2<u32>, t: Tile) -> Pixel {
    return Pixel(xy + t.origin, t.full_size);
}

// Whole-sample mirror (-1 -> 1, n -> n - 2, and on, periodically): keeps
// the CFA parity of the reflected index, so a mirrored tap always has the
// colour a filter expects. Branch-free, and the remainder by a float
// division (exact below 2^24 with the two corrections): a CPU rasteriser
// runs an integer division lane by lane, and both sides of a branch.
// Measured on a GBTF batch of six 12 MP DNGs: 4.56 s with `%` behind an
// inside-the-image test, 4.17 s this way (3.77 s with no mirroring at
// all, which is wrong at the borders); reflecting in a loop until inside
// never ends for the far-off taps of padding pixels.
fn mirror(i: i32, n: i32) -> i32 {
    let period = max(2 * (n - 1), 1);
    let a = abs(i);
    var m = a - period * i32(floor(f32(a) / f32(period)));
    m = select(m, m - period, m >= period);
    m = select(m, m + period, m < 0);
    return select(m, period - m, m >= n);
}

fn within(p: vec2<i32>, dims: vec2<i32>) -> bool {
    return all(p >= vec2<i32>(0)) && all(p < dims);
}

fn mirror2(p: vec2<i32>, dims: vec2<i32>) -> vec2<i32> {
    return vec2<i32>(mirror(p.x, dims.x), mirror(p.y, dims.y));
}
