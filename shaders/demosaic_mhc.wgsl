// Stage b: Malvar-He-Cutler demosaic (ICASSP 2004), 5x5 gradient-corrected
// bilinear interpolation, for the four Bayer phases, borders mirrored.
//
// The caller loads the 13 taps (from a linear mosaic, or from the raw
// mosaic linearised on the fly) into sums. A kernel that knows each pixel's
// site calls that site's filter (fused_raw.wgsl); one that does not uses
// `mhc_combine`.

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
// Exact for the taps of a 5x5 filter, i in [-2, n + 1], for every n >= 1;
// no integer division, which CPU rasterisers run lane by lane.
fn mirror(i: i32, n: i32) -> i32 {
    let a = abs(i);
    return clamp(abs(select(a, 2 * (n - 1) - a, a >= n)), 0, n - 1);
}

fn mirror2(p: vec2<i32>, dims: vec2<i32>) -> vec2<i32> {
    return vec2<i32>(mirror(p.x, dims.x), mirror(p.y, dims.y));
}

// The filters, one per kind of site. "Row" is the colour whose samples sit
// left and right of a green site, "column" the one above and below.
fn green_at_rb(t: MhcTaps) -> f32 {
    return (4.0 * t.c + 2.0 * (t.h1 + t.v1) - (t.h2 + t.v2)) * 0.125;
}

fn row_at_green(t: MhcTaps) -> f32 {
    return (5.0 * t.c + 4.0 * t.h1 - t.h2 - t.d1 + 0.5 * t.v2) * 0.125;
}

fn column_at_green(t: MhcTaps) -> f32 {
    return (5.0 * t.c + 4.0 * t.v1 - t.v2 - t.d1 + 0.5 * t.h2) * 0.125;
}

// Red at a blue site, or blue at a red site.
fn br_at_rb(t: MhcTaps) -> f32 {
    return (6.0 * t.c + 2.0 * t.d1 - 1.5 * (t.h2 + t.v2)) * 0.125;
}

// Camera RGB at each kind of site.
fn mhc_at_red(t: MhcTaps) -> vec3<f32> {
    return vec3<f32>(t.c, green_at_rb(t), br_at_rb(t));
}

fn mhc_at_blue(t: MhcTaps) -> vec3<f32> {
    return vec3<f32>(br_at_rb(t), green_at_rb(t), t.c);
}

fn mhc_at_green_in_red_row(t: MhcTaps) -> vec3<f32> {
    return vec3<f32>(row_at_green(t), t.c, column_at_green(t));
}

fn mhc_at_green_in_blue_row(t: MhcTaps) -> vec3<f32> {
    return vec3<f32>(column_at_green(t), t.c, row_at_green(t));
}

// Camera RGB at pixel p from its taps, whatever the site: every filter is
// evaluated and `select` picks, which is cheaper than a branch that diverges.
fn mhc_combine(t: MhcTaps, p: vec2<i32>, dm: DemosaicParams) -> vec3<f32> {
    let cell = u32(p.x & 1) + 2u * u32(p.y & 1);
    let col = dm.pattern[cell];
    let row_col = dm.pattern[cell ^ 1u];
    let green = select(mhc_at_green_in_blue_row(t), mhc_at_green_in_red_row(t), row_col == 0u);
    let red_or_blue = select(mhc_at_blue(t), mhc_at_red(t), col == 0u);
    return select(red_or_blue, green, col == 1u);
}
