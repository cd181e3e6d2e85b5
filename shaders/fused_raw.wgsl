// import: linearize demosaic_mhc develop
//
// The whole development in one dispatch, for batch conversion: raw
// photosites in, packed RGB code values out, no intermediate image
// (`raw_main`). `scene_main` stops after the demosaic and writes linear
// camera RGB, the scene the preview re-renders from.
//
// Pixels are developed in blocks of 4x2: two Bayer quads. The host
// (src/fused_raw.rs) lays the mosaic out so that every quad starts on a
// red photosite and the mirrored borders are already in memory (in column
// strips, so that neighbouring invocations stream through it), so the
// kernel knows each pixel's site, calls that site's filter alone and needs
// no bounds arithmetic. Each invocation walks down a strip of blocks with
// a window of the 8x6 photosites around the current one, loading only the
// two new rows per block, instead of 13 taps per pixel. The stage
// functions are those of the separate passes, so the pixels are the same
// (except where develop_codes joins AgX and the sRGB curve). A frame
// larger than the device's buffers is dispatched in bands of block rows;
// each band knows where it sits (`band_row`, and `u.tile.origin`).

struct RawLayout {
    // u32 words per column strip of the raw buffer (two photosites each).
    raw_strip: u32,
    // u32 words per row of the output.
    out_stride: u32,
    // Blocks across and down.
    blocks: vec2<u32>,
    // Output column and row of image pixel (0, 0): the red photosite's offset.
    red: vec2<u32>,
    // Output row where this band of rows starts.
    band_row: u32,
    // Always 0, a value the compiler cannot know (see `stored`).
    zero: u32,
}

@group(0) @binding(0) var<uniform> u: Develop;
@group(0) @binding(2) var lut_tex: texture_3d<f32>;
@group(0) @binding(6) var shaper_tex: texture_2d<f32>;
// Black and scale by site relative to the quad: red, green in a red row,
// green in a blue row, blue.
@group(0) @binding(8) var<uniform> lin: LinearizeParams;
@group(0) @binding(9) var<uniform> frame: RawLayout;
@group(0) @binding(11) var<storage, read> raw: array<u32>;
@group(0) @binding(12) var<storage, read_write> out: array<u32>;
@group(0) @binding(13) var scene_out: texture_storage_2d<rgba32float, write>;

// A block's photosites: rows -2..3 and columns -2..5 around it.
alias Window = array<array<f32, 8>, 6>;

// Block rows one invocation develops, walking down its column: a block
// shares four of its six photosite rows with the next one, and those stay
// in registers, so each photosite is loaded and linearised about twice
// instead of six times (loads are gathers on a CPU rasteriser).
override STRIP: u32 = 8u;

fn load_row(block: ptr<function, Window>, row: u32, word: u32) {
    load_pair(block, row, 0u, raw[word]);
    load_pair(block, row, 1u, raw[word + 1u]);
    load_pair(block, row, 2u, raw[word + 2u]);
    load_pair(block, row, 3u, raw[word + 3u]);
}

// Word k of a row: two photosites, first (low half) on an even column.
fn load_pair(block: ptr<function, Window>, row: u32, k: u32, pair: u32) {
    let site = 2u * (row & 1u);
    (*block)[row][2u * k] = linearize_value(pair & 0xffffu, site, lin);
    (*block)[row][2u * k + 1u] = linearize_value(pair >> 16u, site + 1u, lin);
}

fn at(block: ptr<function, Window>, x: u32, y: u32) -> f32 {
    return (*block)[y][x];
}

// The 13 MHC taps of block pixel (px, py), px in 0..4, py in 0..2.
fn taps(block: ptr<function, Window>, px: u32, py: u32) -> MhcTaps {
    let x = px + 2u;
    let y = py + 2u;
    var t: MhcTaps;
    t.c = at(block, x, y);
    t.h1 = at(block, x - 1u, y) + at(block, x + 1u, y);
    t.v1 = at(block, x, y - 1u) + at(block, x, y + 1u);
    t.h2 = at(block, x - 2u, y) + at(block, x + 2u, y);
    t.v2 = at(block, x, y - 2u) + at(block, x, y + 2u);
    t.d1 = at(block, x - 1u, y - 1u) + at(block, x + 1u, y - 1u) + at(block, x - 1u, y + 1u) + at(block, x + 1u, y + 1u);
    return t;
}

// Camera RGB of block pixel (px, py), by the filter of its site.
fn camera_rgb(block: ptr<function, Window>, px: u32, py: u32) -> vec3<f32> {
    let t = taps(block, px, py);
    switch (px & 1u) + 2u * py {
        case 0u: {
            return mhc_at_red(t);
        }
        case 1u: {
            return mhc_at_green_in_red_row(t);
        }
        case 2u: {
            return mhc_at_green_in_blue_row(t);
        }
        default: {
            return mhc_at_blue(t);
        }
    }
}

// Code values of block pixel (px, py), whose output position is `o`.
fn pixel(block: ptr<function, Window>, px: u32, py: u32, o: vec2<u32>) -> vec3<u32> {
    let c = camera_rgb(block, px, py);
    // Global image position; wraps for the padding pixels, which are dropped.
    let g = o - frame.red + u.tile.origin;
    return develop_codes(c, g, u, lut_tex, shaper_tex).rgb;
}

// XOR of every word the invocation stores. On a CPU rasteriser a store is
// a loop over the SIMD lanes; when the stored word has no other use, LLVM
// (in lavapipe) redoes its packing lane by lane inside that loop. This
// second use keeps the packing in vector registers (measured: kernel time
// per unit of JPEG work 3.48-3.53 -> 3.16-3.22 on a 12-file batch).
var<private> stored: u32;

fn put(i: u32, word: u32) {
    out[i] = word;
    stored ^= word;
}

fn store_row(y: u32, bx: u32, p0: vec3<u32>, p1: vec3<u32>, p2: vec3<u32>, p3: vec3<u32>) {
    if OUT_BITS == 8u {
        let w = y * frame.out_stride + 3u * bx;
        put(w, p0.r | (p0.g << 8u) | (p0.b << 16u) | (p1.r << 24u));
        put(w + 1u, p1.g | (p1.b << 8u) | (p2.r << 16u) | (p2.g << 24u));
        put(w + 2u, p2.b | (p3.r << 8u) | (p3.g << 16u) | (p3.b << 24u));
    } else {
        let w = y * frame.out_stride + 6u * bx;
        put(w, p0.r | (p0.g << 16u));
        put(w + 1u, p0.b | (p1.r << 16u));
        put(w + 2u, p1.g | (p1.b << 16u));
        put(w + 3u, p2.r | (p2.g << 16u));
        put(w + 4u, p2.b | (p3.r << 16u));
        put(w + 5u, p3.g | (p3.b << 16u));
    }
}

// One row of a block: its four pixels, developed and stored.
fn develop_row(block: ptr<function, Window>, b: vec2<u32>, py: u32) {
    let y = 2u * b.y + py;
    let x = 4u * b.x;
    store_row(
        y,
        b.x,
        pixel(block, 0u, py, vec2(x, y)),
        pixel(block, 1u, py, vec2(x + 1u, y)),
        pixel(block, 2u, py, vec2(x + 2u, y)),
        pixel(block, 3u, py, vec2(x + 3u, y)),
    );
}

// Blocks across one column strip of the raw buffer, which holds a strip's
// rows one after the other (see src/fused_raw.rs), and words per row of one.
const STRIP_BLOCKS: u32 = 8u;
const STRIP_WORDS: u32 = 2u * STRIP_BLOCKS + 2u;

// Word offset of photosite row `row` of block b's window.
fn row_word(b: vec2<u32>, row: u32) -> u32 {
    let strip = b.x / STRIP_BLOCKS;
    return strip * frame.raw_strip + (2u * b.y + row) * STRIP_WORDS + 2u * (b.x % STRIP_BLOCKS);
}

// The first four rows of the window of the strip's first block. Every
// index is a constant once inlined, so the window lives in registers and
// each pixel's filter is known at compile time.
fn load_top(block: ptr<function, Window>, b: vec2<u32>) {
    load_row(block, 0u, row_word(b, 0u));
    load_row(block, 1u, row_word(b, 1u));
    load_row(block, 2u, row_word(b, 2u));
    load_row(block, 3u, row_word(b, 3u));
}

// Complete block b's window with its last two rows.
fn load_bottom(block: ptr<function, Window>, b: vec2<u32>) {
    load_row(block, 4u, row_word(b, 4u));
    load_row(block, 5u, row_word(b, 5u));
}

// Move the window down one block: rows 2..5 become rows 0..3.
fn slide(block: ptr<function, Window>) {
    (*block)[0] = (*block)[2];
    (*block)[1] = (*block)[3];
    (*block)[2] = (*block)[4];
    (*block)[3] = (*block)[5];
}

// The block rows of invocation gid's strip in column gid.x (none past the
// band).
fn strip(gid: vec3<u32>) -> vec2<u32> {
    let first = gid.y * STRIP;
    if gid.x >= frame.blocks.x || first >= frame.blocks.y {
        return vec2(0u);
    }
    return vec2(first, min(first + STRIP, frame.blocks.y));
}

@compute @workgroup_size(64, 1)
fn raw_main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let rows = strip(gid);
    if rows.x >= rows.y {
        return;
    }
    var block: Window;
    load_top(&block, vec2(gid.x, rows.x));
    for (var by = rows.x; by < rows.y; by++) {
        let b = vec2(gid.x, by);
        load_bottom(&block, b);
        develop_row(&block, b, 0u);
        develop_row(&block, b, 1u);
        slide(&block);
    }
    // Never true; it makes `stored` count.
    if frame.zero != 0u {
        out[0] = stored;
    }
}

// Store block pixel (px, py) of block b into the scene, if it is in the image.
fn store_scene(block: ptr<function, Window>, b: vec2<u32>, px: u32, py: u32) {
    let o = vec2<i32>(vec2(4u * b.x + px, frame.band_row + 2u * b.y + py));
    let p = o - vec2<i32>(frame.red);
    if all(p >= vec2(0)) && all(p < vec2<i32>(textureDimensions(scene_out))) {
        textureStore(scene_out, p, vec4<f32>(camera_rgb(block, px, py), 1.0));
    }
}

@compute @workgroup_size(64, 1)
fn scene_main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let rows = strip(gid);
    if rows.x >= rows.y {
        return;
    }
    var block: Window;
    load_top(&block, vec2(gid.x, rows.x));
    for (var by = rows.x; by < rows.y; by++) {
        let b = vec2(gid.x, by);
        load_bottom(&block, b);
        store_scene(&block, b, 0u, 0u);
        store_scene(&block, b, 1u, 0u);
        store_scene(&block, b, 2u, 0u);
        store_scene(&block, b, 3u, 0u);
        store_scene(&block, b, 0u, 1u);
        store_scene(&block, b, 1u, 1u);
        store_scene(&block, b, 2u, 1u);
        store_scene(&block, b, 3u, 1u);
        slide(&block);
    }
}
