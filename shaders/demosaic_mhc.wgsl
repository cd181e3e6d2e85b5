// Stage b: Malvar-He-Cutler demosaic (ICASSP 2004), 5x5 gradient-corrected
// bilinear interpolation, for the four Bayer phases, borders mirrored.
//
// All 13 taps are loaded once and the four candidate filters evaluated
// without branches; `select` then picks per pixel. On CPU rasterisers a
// divergent branch runs every side, so this is also the fast way there.

struct DemosaicParams {
    // Colour (0 = R, 1 = G, 2 = B) of cells (0,0), (1,0), (0,1), (1,1).
    pattern: vec4<u32>,
}

@group(0) @binding(0) var<uniform> dm: DemosaicParams;
@group(0) @binding(1) var mosaic: texture_2d<f32>;
@group(0) @binding(2) var rgb_out: texture_storage_2d<rgba32float, write>;

// Whole-sample mirror (-1 -> 1, n -> n - 2): keeps the CFA parity of the
// reflected index, so a mirrored tap always has the colour the filter expects.
fn mirror(i: i32, n: i32) -> i32 {
    if n == 1 {
        return 0;
    }
    let period = 2 * (n - 1);
    let m = abs(i) % period;
    return select(m, period - m, m >= n);
}

fn tap(p: vec2<i32>, dx: i32, dy: i32, dims: vec2<i32>) -> f32 {
    let q = vec2<i32>(mirror(p.x + dx, dims.x), mirror(p.y + dy, dims.y));
    return textureLoad(mosaic, q, 0).r;
}

@compute @workgroup_size(8, 8)
fn demosaic_main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let dims = vec2<i32>(textureDimensions(mosaic));
    let p = vec2<i32>(gid.xy);
    if p.x >= dims.x || p.y >= dims.y {
        return;
    }
    let c = tap(p, 0, 0, dims);
    let h1 = tap(p, -1, 0, dims) + tap(p, 1, 0, dims);
    let v1 = tap(p, 0, -1, dims) + tap(p, 0, 1, dims);
    let h2 = tap(p, -2, 0, dims) + tap(p, 2, 0, dims);
    let v2 = tap(p, 0, -2, dims) + tap(p, 0, 2, dims);
    let d1 = tap(p, -1, -1, dims) + tap(p, 1, -1, dims) + tap(p, -1, 1, dims) + tap(p, 1, 1, dims);

    // Green at a red or blue site.
    let g_at_rb = (4.0 * c + 2.0 * (h1 + v1) - (h2 + v2)) * 0.125;
    // At a green site: the colour whose samples sit left and right ...
    let along_row = (5.0 * c + 4.0 * h1 - h2 - d1 + 0.5 * v2) * 0.125;
    // ... and the colour whose samples sit above and below.
    let along_col = (5.0 * c + 4.0 * v1 - v2 - d1 + 0.5 * h2) * 0.125;
    // Red at a blue site, or blue at a red site.
    let rb_at_br = (6.0 * c + 2.0 * d1 - 1.5 * (h2 + v2)) * 0.125;

    let cell = u32(p.x & 1) + 2u * u32(p.y & 1);
    let col = dm.pattern[cell];
    let row_col = dm.pattern[cell ^ 1u];
    let is_g = col == 1u;
    let r = select(select(rb_at_br, c, col == 0u), select(along_col, along_row, row_col == 0u), is_g);
    let g = select(g_at_rb, c, is_g);
    let b = select(select(rb_at_br, c, col == 2u), select(along_col, along_row, row_col == 2u), is_g);
    textureStore(rgb_out, p, vec4<f32>(r, g, b, 1.0));
}
