// import: common
//
// The block kernel: a whole development in one dispatch, for batch
// conversion: raw photosites in, packed RGB code values out, no
// intermediate image (`codes_main`). `scene_main` stops after the demosaic
// and writes linear camera RGB, the scene the preview re-renders from. It
// holds no stage math: it calls the chains of the plan's ops
// (`photosite_value`, `demosaic_rgb`, `pointwise_codes`; src/ops/glue.rs),
// which fuse in when the stencil's reach is at most the kernel's, 2.
//
// Pixels are developed in blocks of 4x2: two Bayer quads. The host
// (src/block.rs) lays the mosaic out so that every quad starts on a
// red photosite and the mirrored borders are already in memory (in column
// strips, so that neighbouring invocations stream through it), so the
// kernel knows each pixel's kind of site when it is compiled, the stencil
// op runs that site's filter alone and needs no bounds arithmetic. Each
// invocation walks down a strip of blocks with a window of the 8x6
// photosites around the current one (the block and the reach of 2 on
// every side), loading only the two new rows per block, instead of 13 taps
// per pixel. A frame larger than the device's buffers is dispatched in
// bands of block rows; each band knows where it sits (`band_row`, and
// `u.tile.origin`).

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
    // The frame's width and height.
    size: vec2<u32>,
}

// The photosite ops count cells from the red photosite (src/block.rs), so
// a photosite's cell is its kind of site.
@group(0) @binding(_) var<uniform> frame: RawLayout;
@group(0) @binding(_) var<storage, read> raw: array<u32>;
@group(0) @binding(_) var<storage, read_write> out: array<u32>;
@group(0) @binding(_) var scene_out: texture_storage_2d<rgba32float, write>;

// A block's photosites: rows -2..3 and columns -2..5 around it. Private:
// each invocation's own, and in registers once every index is a constant.
alias Window = array<array<f32, 8>, 6>;
var<private> window: Window;

// The frame position of the current block's window (0, 0): a stencil op
// whose first passes ran before reads their images, which cover the whole
// frame (`stencil_image_K`), at `stencil_xy` of its window coordinates.
var<private> window_origin: vec2<i32>;

fn stencil_xy(x: i32, y: i32) -> vec2<i32> {
    return window_origin + vec2(x, y);
}

fn enter(b: vec2<u32>) {
    window_origin = vec2<i32>(vec2(4u * b.x, frame.band_row + 2u * b.y)) - vec2<i32>(frame.red) - 2;
}

// The stencil op's view of the mosaic, in window coordinates.
fn mosaic_tap(x: i32, y: i32) -> f32 {
    return window[y][x];
}

// Block rows one invocation develops, walking down its column: a block
// shares four of its six photosite rows with the next one, and those stay
// in registers, so each photosite is loaded and linearised about twice
// instead of six times (loads are gathers on a CPU rasteriser).
override STRIP: u32 = 8u;

fn load_row(b: vec2<u32>, row: u32, word: u32) {
    load_pair(b, row, 0u, raw[word]);
    load_pair(b, row, 1u, raw[word + 1u]);
    load_pair(b, row, 2u, raw[word + 2u]);
    load_pair(b, row, 3u, raw[word + 3u]);
}

// Word k of a row of block b's window: two photosites, first (low half)
// on an even column.
fn load_pair(b: vec2<u32>, row: u32, k: u32, pair: u32) {
    window[row][2u * k] = photosite_value(pair & 0xffffu, site(b, row, 2u * k));
    window[row][2u * k + 1u] = photosite_value(pair >> 16u, site(b, row, 2u * k + 1u));
}

// The photosite at (col, row) of block b's window: where it was read from
// in the frame (the mirrored border included), and its cell.
fn site(b: vec2<u32>, row: u32, col: u32) -> Site {
    let padded = vec2<i32>(vec2(4u * b.x + col, frame.band_row + 2u * b.y + row));
    let xy = mirror2(padded - vec2<i32>(frame.red) - 2, vec2<i32>(frame.size));
    return Site(vec2<u32>(xy), (col & 1u) + 2u * (row & 1u));
}

// Camera RGB of block pixel (px, py): its kind of site is its cell.
fn camera_rgb(px: u32, py: u32) -> vec3<f32> {
    return demosaic_rgb(i32(px) + 2, i32(py) + 2, (px & 1u) + 2u * py);
}

// Code values of block pixel (px, py), whose output position is `o`.
fn pixel(px: u32, py: u32, o: vec2<u32>) -> vec3<u32> {
    // Image position; wraps for the padding pixels, which are dropped.
    return pointwise_codes(camera_rgb(px, py), tile_pixel(o - frame.red, u.tile)).rgb;
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
fn develop_row(b: vec2<u32>, py: u32) {
    let y = 2u * b.y + py;
    let x = 4u * b.x;
    store_row(
        y,
        b.x,
        pixel(0u, py, vec2(x, y)),
        pixel(1u, py, vec2(x + 1u, y)),
        pixel(2u, py, vec2(x + 2u, y)),
        pixel(3u, py, vec2(x + 3u, y)),
    );
}

// Blocks across one column strip of the raw buffer, which holds a strip's
// rows one after the other (see src/block.rs), and words per row of one.
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
fn load_top(b: vec2<u32>) {
    load_row(b, 0u, row_word(b, 0u));
    load_row(b, 1u, row_word(b, 1u));
    load_row(b, 2u, row_word(b, 2u));
    load_row(b, 3u, row_word(b, 3u));
}

// Complete block b's window with its last two rows.
fn load_bottom(b: vec2<u32>) {
    load_row(b, 4u, row_word(b, 4u));
    load_row(b, 5u, row_word(b, 5u));
}

// Move the window down one block: rows 2..5 become rows 0..3.
fn slide() {
    window[0] = window[2];
    window[1] = window[3];
    window[2] = window[4];
    window[3] = window[5];
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
fn codes_main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let rows = strip(gid);
    if rows.x >= rows.y {
        return;
    }
    load_top(vec2(gid.x, rows.x));
    for (var by = rows.x; by < rows.y; by++) {
        let b = vec2(gid.x, by);
        load_bottom(b);
        enter(b);
        develop_row(b, 0u);
        develop_row(b, 1u);
        slide();
    }
    // Never true; it makes `stored` count.
    if frame.zero != 0u {
        out[0] = stored;
    }
}

// Store block pixel (px, py) of block b into the scene, if it is in the image.
fn store_scene(b: vec2<u32>, px: u32, py: u32) {
    let o = vec2<i32>(vec2(4u * b.x + px, frame.band_row + 2u * b.y + py));
    let p = o - vec2<i32>(frame.red);
    if all(p >= vec2(0)) && all(p < vec2<i32>(textureDimensions(scene_out))) {
        textureStore(scene_out, p, vec4<f32>(camera_rgb(px, py), 1.0));
    }
}

@compute @workgroup_size(64, 1)
fn scene_main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let rows = strip(gid);
    if rows.x >= rows.y {
        return;
    }
    load_top(vec2(gid.x, rows.x));
    for (var by = rows.x; by < rows.y; by++) {
        let b = vec2(gid.x, by);
        load_bottom(b);
        enter(b);
        store_scene(b, 0u, 0u);
        store_scene(b, 1u, 0u);
        store_scene(b, 2u, 0u);
        store_scene(b, 3u, 0u);
        store_scene(b, 0u, 1u);
        store_scene(b, 1u, 1u);
        store_scene(b, 2u, 1u);
        store_scene(b, 3u, 1u);
        slide();
    }
}
