// import: common
//
// The scene part as texture passes: the photosite ops over the raw mosaic
// into an r32float image (`photosite_main`), then the stencil op's passes
// (`stencil_pass_main`, or `stencil_rows_main` and `stencil_columns_main`
// for those that walk), each into an image of its own (`stencil_out`,
// declared with its format by the glue): the last one's is linear camera
// RGB. The reference the
// block kernel is held to, the path for float mosaics (the demosaic
// benchmark) and for stencils that do not fit the block kernel. It holds
// no stage math: it calls the plan's chains (src/ops/glue.rs).

struct Cfa {
    // Kind of site of cells (0,0), (1,0), (0,1), (1,1): 0 red, 1 green in
    // a red row, 2 green in a blue row, 3 blue.
    kinds: vec4<u32>,
}

@group(0) @binding(_) var<uniform> cfa: Cfa;
@group(0) @binding(_) var raw: texture_2d<u32>;
@group(0) @binding(_) var mosaic_out: texture_storage_2d<r32float, write>;
@group(0) @binding(_) var mosaic: texture_2d<f32>;

// A photosite at (x, y), of `cell`, if it is in the image.
fn photosite(x: u32, y: u32, cell: u32, dims: vec2<u32>) {
    if x < dims.x && y < dims.y {
        let v = photosite_value(textureLoad(raw, vec2(x, y), 0).r, Site(vec2(x, y), cell));
        textureStore(mosaic_out, vec2(x, y), vec4<f32>(v, 0.0, 0.0, 1.0));
    }
}

// A 2x2 cell per invocation: each photosite's cell is then a constant,
// and so is every per-cell choice of the ops.
@compute @workgroup_size(8, 8)
fn photosite_main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let dims = textureDimensions(raw);
    let o = 2u * gid.xy;
    photosite(o.x, o.y, 0u, dims);
    photosite(o.x + 1u, o.y, 1u, dims);
    photosite(o.x, o.y + 1u, 2u, dims);
    photosite(o.x + 1u, o.y + 1u, 3u, dims);
}

// Where the stencil's images hold pixel (x, y): these images are the
// mosaic's size.
fn stencil_xy(x: i32, y: i32) -> vec2<i32> {
    return vec2(x, y);
}

// The stencil op's view of the mosaic, borders mirrored.
fn mosaic_tap(x: i32, y: i32) -> f32 {
    let dims = vec2<i32>(textureDimensions(mosaic));
    return textureLoad(mosaic, mirror2(vec2(x, y), dims), 0).r;
}

// The stencil passes develop a 2x2 cell of the mosaic per invocation,
// from its red photosite: each of the cell's pixels then has a kind of
// site known when the kernel is compiled, so a pass runs that kind's
// filter alone (a CPU rasteriser runs every side of a branch that its
// lanes might take differently). Cells start one pixel left of or above
// the frame where its first column or row is not red; such pixels are
// skipped.
fn red_offset() -> vec2<i32> {
    var red = 0;
    for (var c = 1; c < 4; c++) {
        red = select(red, c, cfa.kinds[c] == 0u);
    }
    return vec2<i32>(red & 1, red >> 1u);
}

fn store_pass(x: i32, y: i32, kind: u32, dims: vec2<i32>) {
    if within(vec2(x, y), dims) {
        textureStore(stencil_out, vec2(x, y), stencil_pass(x, y, kind, false));
    }
}

@compute @workgroup_size(64, 1)
fn stencil_pass_main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let dims = vec2<i32>(textureDimensions(mosaic));
    let o = 2 * vec2<i32>(gid.xy) - red_offset();
    if o.x >= dims.x || o.y >= dims.y {
        return;
    }
    store_pass(o.x, o.y, 0u, dims);
    store_pass(o.x + 1, o.y, 1u, dims);
    store_pass(o.x, o.y + 1, 2u, dims);
    store_pass(o.x + 1, o.y + 1, 3u, dims);
}

// A pass that walks (`Walk` in src/ops/mod.rs): an invocation per run of
// WALK pixels of a pair of rows, left to right (`stencil_rows_main`), or
// of a column, top to bottom (`stencil_columns_main`); neighbouring pairs
// or columns side by side in a workgroup (set by src/pipeline.rs).
override WALK: i32;

fn kind_at(p: vec2<i32>) -> u32 {
    return cfa.kinds[(p.x & 1) + 2 * (p.y & 1)];
}

@compute @workgroup_size(64, 1)
fn stencil_rows_main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let dims = vec2<i32>(textureDimensions(mosaic));
    let y = 2 * i32(gid.x);
    let start = i32(gid.y) * WALK;
    if y >= dims.y || start >= dims.x {
        return;
    }
    stencil_walk_start(start, y, kind_at(vec2(start, y)));
    for (var x = start; x < min(start + WALK, dims.x); x++) {
        textureStore(stencil_out, vec2(x, y), stencil_pass(x, y, kind_at(vec2(x, y)), false));
        let below = stencil_pass(x, y + 1, kind_at(vec2(x, y + 1)), true);
        if y + 1 < dims.y {
            textureStore(stencil_out, vec2(x, y + 1), below);
        }
    }
}

@compute @workgroup_size(64, 1)
fn stencil_columns_main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let dims = vec2<i32>(textureDimensions(mosaic));
    let x = i32(gid.x);
    let start = i32(gid.y) * WALK;
    if x >= dims.x || start >= dims.y {
        return;
    }
    stencil_walk_start(x, start, kind_at(vec2(x, start)));
    for (var y = start; y < min(start + WALK, dims.y); y++) {
        textureStore(stencil_out, vec2(x, y), stencil_pass(x, y, kind_at(vec2(x, y)), false));
    }
}
