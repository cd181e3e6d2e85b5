// Stage b: Malvar-He-Cutler demosaic (ICASSP 2004), 5x5 gradient-corrected
// bilinear interpolation, for the four Bayer phases, borders mirrored.
//
// The caller loads the 13 taps (from a linear mosaic, or from the raw
// mosaic linearised on the fly) into sums; the four candidate filters are
// evaluated without branches and `select` picks per pixel. On CPU
// rasterisers a divergent branch runs every side, so this is also the fast
// way there.

struct DemosaicParams {
    // Colour (0 = R, 1 = G, 2 = B) of cells (0,0), (1,0), (0,1), (1,1).
    pattern: vec4<u32>,
}

// The taps around a pixel, summed by symmetry.
struct MhcTaps {
    c: f32,
    // Left + right, up + down, at distance 1 and 2; the four diagonals.
    h1: f32,
    v1: f32,
    h2: f32,
    v2: f32,
    d1: f32,
}

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

fn mirror2(p: vec2<i32>, dims: vec2<i32>) -> vec2<i32> {
    return vec2<i32>(mirror(p.x, dims.x), mirror(p.y, dims.y));
}

// Camera RGB at pixel p from its taps.
fn mhc_combine(t: MhcTaps, p: vec2<i32>, dm: DemosaicParams) -> vec3<f32> {
    // Green at a red or blue site.
    let g_at_rb = (4.0 * t.c + 2.0 * (t.h1 + t.v1) - (t.h2 + t.v2)) * 0.125;
    // At a green site: the colour whose samples sit left and right ...
    let along_row = (5.0 * t.c + 4.0 * t.h1 - t.h2 - t.d1 + 0.5 * t.v2) * 0.125;
    // ... and the colour whose samples sit above and below.
    let along_col = (5.0 * t.c + 4.0 * t.v1 - t.v2 - t.d1 + 0.5 * t.h2) * 0.125;
    // Red at a blue site, or blue at a red site.
    let rb_at_br = (6.0 * t.c + 2.0 * t.d1 - 1.5 * (t.h2 + t.v2)) * 0.125;

    let cell = u32(p.x & 1) + 2u * u32(p.y & 1);
    let col = dm.pattern[cell];
    let row_col = dm.pattern[cell ^ 1u];
    let is_g = col == 1u;
    let r = select(select(rb_at_br, t.c, col == 0u), select(along_col, along_row, row_col == 0u), is_g);
    let g = select(g_at_rb, t.c, is_g);
    let b = select(select(rb_at_br, t.c, col == 2u), select(along_col, along_row, row_col == 2u), is_g);
    return vec3<f32>(r, g, b);
}
