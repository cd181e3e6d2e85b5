// import: common
//
// Noise reduction on the linear mosaic, before the demosaic
// (src/ops/denoise.rs has the references, the CPU twin and the choices):
//   pack_main    (shaders/denoise_pack.wgsl, which runs the photosite ops)
//                each 2x2 cell of the mosaic becomes one texel of four
//                components by an orthonormal Haar transform of its
//                photosites (R, Gr, Gb, B): luminance, green - magenta,
//                red - blue, and the greens' difference
//   rows_main,   one level of the a-trous wavelet transform: the B3-spline
//   columns_main filter along rows, then columns, its taps `step` texels
//                apart, each invocation walking a run of texels; stored
//                as f16 (level 0 stays f32). The levels after
//                DENOISE_FULL_LEVELS are at half resolution: the first
//                of them reads every other texel of every other row
//   coarse_main  the half-resolution levels after the first: their
//                details shrunk (as unpack_main does) and summed with the
//                coarsest level, at half resolution
//   unpack_main  every finer level's detail shrunk by a threshold from
//                the noise model at that level's local mean, added to
//                that sum, back to photosites; a half-resolution image is
//                interpolated between its texels
// With cycle spinning (`spun`), the passes first run on the cells one
// photosite on diagonally (pack_shifted_main .. unpack_shifted_main, into
// `shifted_out`), and unpack_main averages those photosites with its own.
// Borders are mirrored about the edge sample: photosites (which keeps
// their colour) when packing, texels in the levels.

// The number of wavelet levels (`LEVELS`).
const DENOISE_LEVELS: i32 = 6;
// Levels at the full resolution of the cells (`FULL_LEVELS`).
const DENOISE_FULL_LEVELS: i32 = 2;

struct DenoiseParams {
    // Kind of site of the cells (0,0), (1,0), (0,1), (1,1): 0 red, 1 green
    // in a red row, 2 green in a blue row, 3 blue.
    kinds: vec4<u32>,
    // Noise variance of a white-balanced photosite v, by kind:
    // scale * v + offset.
    scale: vec4<f32>,
    offset: vec4<f32>,
    // Threshold of each component, in standard deviations of its noise.
    k: vec4<f32>,
    // Standard deviation of level j's detail for unit white noise (j = 1..).
    beta: array<vec4<f32>, 2>,
    // Where the tile's photosite (0, 0) is in the frame, the frame's
    // width, and 1 where the frame has lens shading gains (`gain_data`).
    origin: vec2<u32>,
    width: u32,
    shaded: u32,
    // The strength, by which the finest level's Wiener estimate scales the
    // model's noise.
    strength: f32,
    // 1 where the output is the mean of both phases' (`shifted` holds the
    // shifted pass's photosites).
    spun: u32,
    pad: vec2<u32>,
}

struct DenoiseStep {
    // Texels of the output between taps: 2^(level - 1), half that at half
    // resolution.
    step: i32,
    // 1 along rows, 0 along columns.
    along_rows: u32,
    // The standard deviation of the level's input for unit white noise.
    gain: f32,
    // 2 where the pass halves the resolution, else 1: output texel p
    // reads the input about `scale` p, its taps `scale` step apart.
    scale: i32,
}

// Taps that differ from the centre by this many standard deviations of
// their noise weigh e^-1 of their share: the smoothing stops at edges.
const DENOISE_EDGE: f32 = 2.0;

@group(0) @binding(_) var<uniform> denoise: DenoiseParams;
@group(0) @binding(_) var<uniform> denoise_step: DenoiseStep;
// The tile's raw photosites.
@group(0) @binding(_) var raw: texture_2d<u32>;
@group(0) @binding(_) var level_in: texture_2d<f32>;
@group(0) @binding(_) var level_out: texture_storage_2d<rgba32float, write>;
@group(0) @binding(_) var smooth_out: texture_storage_2d<rgba16float, write>;
@group(0) @binding(_) var level_0: texture_2d<f32>;
@group(0) @binding(_) var level_1: texture_2d<f32>;
@group(0) @binding(_) var level_2: texture_2d<f32>;
@group(0) @binding(_) var level_3: texture_2d<f32>;
@group(0) @binding(_) var level_4: texture_2d<f32>;
@group(0) @binding(_) var level_5: texture_2d<f32>;
@group(0) @binding(_) var level_6: texture_2d<f32>;
// The denoised photosites as 16-bit codes, two to a word: (x, y) holds
// photosites (2x, y) and (2x + 1, y), the first in the low half.
@group(0) @binding(_) var mosaic_out: texture_storage_2d<r32uint, write>;
// The frame's lens shading gains (`shaded`).
@group(0) @binding(_) var<storage, read> denoise_gains: array<f32>;
// The shifted pass's denoised photosites (cycle spinning), their lens
// shading undone; a 1x1 stand-in where `spun` is 0.
@group(0) @binding(_) var shifted_out: texture_storage_2d<r32float, write>;
@group(0) @binding(_) var shifted: texture_2d<f32>;
// The half-resolution levels after the first, their details shrunk and
// summed with the coarsest level (`coarse_main`).
@group(0) @binding(_) var coarse_sum_out: texture_storage_2d<rgba32float, write>;
@group(0) @binding(_) var coarse_sum: texture_2d<f32>;
// The mean square of level 1's detail over 4x4 texels, at half
// resolution (`energy_main`).
@group(0) @binding(_) var energy_out: texture_storage_2d<rgba32float, write>;
@group(0) @binding(_) var energy: texture_2d<f32>;

const SQRT_HALF: f32 = 0.70710678;

// (R, Gr, Gb, B) -> (luminance, green - magenta, red - blue, Gr - Gb).
fn denoise_haar(q: vec4<f32>) -> vec4<f32> {
    return vec4<f32>(
        0.5 * (q.x + q.y + q.z + q.w),
        0.5 * (q.y + q.z - q.x - q.w),
        SQRT_HALF * (q.x - q.w),
        SQRT_HALF * (q.y - q.z),
    );
}

// Its inverse (the transform is orthonormal: its transpose).
fn denoise_haar_inverse(c: vec4<f32>) -> vec4<f32> {
    let rb = 0.5 * (c.x - c.y);
    let g = 0.5 * (c.x + c.y);
    return vec4<f32>(rb + SQRT_HALF * c.z, g + SQRT_HALF * c.w, g - SQRT_HALF * c.w, rb - SQRT_HALF * c.z);
}

// The lens shading gain of the tile's photosite xy: the photosites are
// denoised without it, where the model holds.
fn denoise_gain(xy: vec2<i32>) -> f32 {
    if denoise.shaded == 0u {
        return 1.0;
    }
    let at = vec2<u32>(xy) + denoise.origin;
    return denoise_gains[at.y * denoise.width + at.x];
}

// Texels a smoothing invocation walks (`RUN`).
const DENOISE_RUN: i32 = 64;

// The edge-stopping B3-spline filter about `centre`, its taps (two on each
// side) in `taps`.
fn denoise_smooth(centre: vec4<f32>, taps: array<vec4<f32>, 4>) -> vec4<f32> {
    // exp(-mean over the components of (difference / (EDGE sigma))^2 / 2),
    // sigma the noise of a difference of two taps.
    let s = DENOISE_EDGE * denoise_step.gain * denoise_sigma(centre);
    let inv = 0.125 / max(s * s, vec4<f32>(1e-30));
    // The B3 spline's taps 1 4 6 4 1, the centre's weight 6.
    let spline = vec4<f32>(1.0, 4.0, 4.0, 1.0);
    var sum = 6.0 * centre;
    var weight = 6.0;
    for (var k = 0; k < 4; k++) {
        let diff = taps[k] - centre;
        let w = spline[k] * exp(-dot(diff * diff, inv));
        sum += w * taps[k];
        weight += w;
    }
    return sum / weight;
}

// Smooths DENOISE_RUN output texels from `start`, `d` apart (a step along
// a row or a column), keeping the five taps in registers: one load a
// texel instead of five.
fn denoise_walk(start: vec2<i32>, d: vec2<i32>, dims: vec2<i32>) {
    let in_dims = vec2<i32>(textureDimensions(level_in));
    let scale = denoise_step.scale;
    let at = scale * start;
    let tap = scale * d;
    var w0 = textureLoad(level_in, mirror2(at - 2 * tap, in_dims), 0);
    var w1 = textureLoad(level_in, mirror2(at - tap, in_dims), 0);
    var w2 = textureLoad(level_in, at, 0);
    var w3 = textureLoad(level_in, mirror2(at + tap, in_dims), 0);
    var p = start;
    for (var k = 0; k < DENOISE_RUN; k++) {
        if !within(p, dims) {
            break;
        }
        let w4 = textureLoad(level_in, mirror2(scale * p + 2 * tap, in_dims), 0);
        textureStore(smooth_out, p, denoise_to_f16(denoise_smooth(w2, array(w0, w1, w3, w4))));
        w0 = w1;
        w1 = w2;
        w2 = w3;
        w3 = w4;
        p += d;
    }
}

// Along rows: an invocation per row, residue of the step and run of
// DENOISE_RUN steps; neighbouring invocations take neighbouring residues.
@compute @workgroup_size(64)
fn rows_main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let dims = vec2<i32>(textureDimensions(smooth_out));
    let s = denoise_step.step;
    let y = i32(gid.x) / s;
    let x = i32(gid.y) * s * DENOISE_RUN + i32(gid.x) % s;
    if y < dims.y && x < dims.x {
        denoise_walk(vec2<i32>(x, y), vec2<i32>(s, 0), dims);
    }
}

// Along columns: an invocation per column, residue and run; neighbouring
// invocations take neighbouring columns.
@compute @workgroup_size(64)
fn columns_main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let dims = vec2<i32>(textureDimensions(smooth_out));
    let s = denoise_step.step;
    let x = i32(gid.x) % dims.x;
    let residue = i32(gid.x) / dims.x;
    let y = i32(gid.y) * s * DENOISE_RUN + residue;
    if residue < s && y < dims.y {
        denoise_walk(vec2<i32>(x, y), vec2<i32>(0, s), dims);
    }
}

// v rounded to the nearest f16, ties to even: stored as f16 it converts
// exactly, where devices round differently (lavapipe towards zero, which
// darkened flat areas by a few f16 steps over the twelve passes).
fn denoise_to_f16(v: vec4<f32>) -> vec4<f32> {
    // Normal f16 values keep 10 of f32's 23 mantissa bits.
    let bits = bitcast<vec4<u32>>(v);
    let odd = (bits >> vec4(13u)) & vec4(1u);
    let normal = bitcast<vec4<f32>>((bits + vec4(0xfffu) + odd) & vec4(0xffffe000u));
    // Below the smallest normal one (2^-14), multiples of 2^-24.
    let tiny = round(v * 16777216.0) / 16777216.0;
    return select(normal, tiny, abs(v) < vec4(6.1035156e-5));
}

// Level 1's detail energy at half resolution: texel P holds the mean
// square of (level 0 - level 1) over the 4x4 texels from 2P - 1, borders
// mirrored; texel p of the levels takes that of p / 2.
@compute @workgroup_size(8, 8)
fn energy_main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let p = vec2<i32>(gid.xy);
    if !within(p, vec2<i32>(textureDimensions(energy_out))) {
        return;
    }
    let dims = vec2<i32>(textureDimensions(level_0));
    var e = vec4<f32>(0.0);
    for (var dy = -1; dy <= 2; dy++) {
        for (var dx = -1; dx <= 2; dx++) {
            let q = mirror2(2 * p + vec2<i32>(dx, dy), dims);
            let d = textureLoad(level_0, q, 0) - textureLoad(level_1, q, 0);
            e += d * d;
        }
    }
    textureStore(energy_out, p, e / 16.0);
}

// The finest level's Wiener estimate takes this many times the noise's
// variance from its neighbourhood's energy (`OVERSUBTRACT`).
const DENOISE_OVERSUBTRACT: f32 = 1.25;

// The empirical Wiener estimate of detail d: d scaled by the share of its
// neighbourhood's energy that is not noise (variance `noise`).
fn denoise_wiener(d: vec4<f32>, noise: vec4<f32>, e: vec4<f32>) -> vec4<f32> {
    return d * max(1.0 - noise / max(e, vec4<f32>(1e-30)), vec4<f32>(0.0));
}

// Shrinks detail d by the non-negative garrote of threshold t:
// d (1 - t^2 / d^2) where |d| > t, else 0; a large detail (an edge) stays
// nearly as it is.
fn denoise_shrink(d: vec4<f32>, t: vec4<f32>) -> vec4<f32> {
    return select(vec4<f32>(0.0), d - t * t / d, abs(d) > t);
}

// The standard deviation of each component's noise where the local
// means of the photosites (by kind) are `mean`.
fn denoise_sigma(coarse: vec4<f32>) -> vec4<f32> {
    let mean = denoise_haar_inverse(coarse);
    let v = max(denoise.scale * mean + denoise.offset, vec4<f32>(0.0));
    let all = 0.25 * (v.x + v.y + v.z + v.w);
    return sqrt(vec4<f32>(all, all, 0.5 * (v.x + v.w), 0.5 * (v.y + v.z)));
}

// Level j at texel p of the full resolution: a half-resolution level's
// texel p / 2 where p is even, else the mean of the two or four around it.
fn denoise_level(level: texture_2d<f32>, j: i32, p: vec2<i32>) -> vec4<f32> {
    if j <= DENOISE_FULL_LEVELS {
        return textureLoad(level, p, 0);
    }
    let dims = vec2<i32>(textureDimensions(level));
    let q = p / 2;
    let o = p & vec2<i32>(1);
    return 0.25 * (textureLoad(level, q, 0) + textureLoad(level, mirror2(q + vec2<i32>(o.x, 0), dims), 0)
        + textureLoad(level, mirror2(q + vec2<i32>(0, o.y), dims), 0) + textureLoad(level, mirror2(q + o, dims), 0));
}

// The half-resolution levels after the first, their details shrunk, at
// texel p of that resolution: the coarsest level plus those details.
@compute @workgroup_size(8, 8)
fn coarse_main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let p = vec2<i32>(gid.xy);
    if !within(p, vec2<i32>(textureDimensions(coarse_sum_out))) {
        return;
    }
    let levels = array(
        textureLoad(level_3, p, 0),
        textureLoad(level_4, p, 0),
        textureLoad(level_5, p, 0),
        textureLoad(level_6, p, 0),
    );
    var sum = vec4<f32>(0.0);
    var fine = levels[0];
    for (var i = 1; i < 4; i++) {
        let coarse = levels[i];
        let j = DENOISE_FULL_LEVELS + 1 + i;
        let beta = denoise.beta[(j - 1) / 4][(j - 1) % 4];
        sum += denoise_shrink(fine - coarse, denoise.k * beta * denoise_sigma(coarse));
        fine = coarse;
    }
    textureStore(coarse_sum_out, p, fine + sum);
}

// The photosite of cell `cell` (dx + 2 dy) of texel p, on the grid whose
// cells are counted from the tile's photosite (phase, phase).
fn denoise_site(p: vec2<i32>, cell: u32, phase: u32) -> vec2<i32> {
    return 2 * p + vec2<i32>(i32(cell & 1u), i32(cell >> 1u)) - i32(phase);
}

// Cell p's photosites (by kind) from the levels, their details shrunk.
fn denoise_cell(p: vec2<i32>) -> vec4<f32> {
    // Each level's texel loaded once, then indexed by the unrolled loop's
    // constants (a function switching over the textures in the loop cost
    // 279 ms a 12 MP frame on lavapipe, this 206 ms). The levels after the
    // first half-resolution one come summed (`coarse_main`).
    let levels = array(
        textureLoad(level_0, p, 0),
        denoise_level(level_1, 1, p),
        denoise_level(level_2, 2, p),
        denoise_level(level_3, 3, p),
    );
    // Level 1 by the Wiener estimate, the coarser ones by the garrote.
    let noise = denoise.strength * denoise.beta[0].x * denoise_sigma(levels[1]);
    var sum = denoise_wiener(levels[0] - levels[1], DENOISE_OVERSUBTRACT * noise * noise, textureLoad(energy, p / 2, 0));
    var fine = levels[1];
    for (var j = 2; j <= DENOISE_FULL_LEVELS + 1; j++) {
        let coarse = levels[j];
        let beta = denoise.beta[(j - 1) / 4][(j - 1) % 4];
        sum += denoise_shrink(fine - coarse, denoise.k * beta * denoise_sigma(coarse));
        fine = coarse;
    }
    return denoise_haar_inverse(denoise_level(coarse_sum, DENOISE_FULL_LEVELS + 1, p) + sum);
}

@compute @workgroup_size(8, 8)
fn unpack_main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let p = vec2<i32>(gid.xy);
    if !within(p, vec2<i32>(textureDimensions(level_0))) {
        return;
    }
    let q = denoise_cell(p);
    let dims = vec2<i32>(textureDimensions(raw));
    var codes = array<u32, 4>();
    for (var cell = 0u; cell < 4u; cell++) {
        let xy = denoise_site(p, cell, 0u);
        if within(xy, dims) {
            var v = q[denoise.kinds[cell]];
            if denoise.spun == 1u {
                v = 0.5 * (v + textureLoad(shifted, xy, 0).r);
            }
            codes[cell] = denoise_encode(v * denoise_gain(xy));
        }
    }
    for (var row = 0; row < 2; row++) {
        let y = 2 * p.y + row;
        if y < dims.y {
            textureStore(mosaic_out, vec2<i32>(p.x, y), vec4<u32>(codes[2 * row] | (codes[2 * row + 1] << 16u), 0u, 0u, 0u));
        }
    }
}

// The shifted pass's photosites, each from the cell one photosite on.
@compute @workgroup_size(8, 8)
fn unpack_shifted_main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let p = vec2<i32>(gid.xy);
    if !within(p, vec2<i32>(textureDimensions(level_0))) {
        return;
    }
    let q = denoise_cell(p);
    let dims = vec2<i32>(textureDimensions(shifted_out));
    for (var cell = 0u; cell < 4u; cell++) {
        let xy = denoise_site(p, cell, 1u);
        if within(xy, dims) {
            textureStore(shifted_out, xy, vec4<f32>(q[denoise.kinds[cell ^ 3u]], 0.0, 0.0, 0.0));
        }
    }
}

// The black and white codes of the denoised photosites (`ENCODED_BLACK`,
// `ENCODED_WHITE`).
const DENOISE_BLACK: f32 = 4096.0;
const DENOISE_WHITE: f32 = 65535.0;

// A denoised photosite as a 16-bit code (src/ops/denoise.rs: `encode`).
fn denoise_encode(v: f32) -> u32 {
    return u32(clamp(round(DENOISE_BLACK + v * (DENOISE_WHITE - DENOISE_BLACK)), 0.0, DENOISE_WHITE));
}
