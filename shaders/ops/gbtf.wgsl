// Gradient-based threshold-free demosaic, GBTF (Pekkucuksen & Altunbasak,
// ICIP 2010; src/ops/gbtf.rs). Four passes, each over the whole image,
// each reading the image the pass before wrote (`gbtf_PASS_tap`, borders
// mirrored) and the mosaic (`mosaic_tap`):
//   rows         walks along each pair of rows (`gbtf_rows_start`, then
//                one call per pixel, left to right), sliding: the colour
//                differences G - C along the row (dh) and the column (dv),
//                from Hamilton-Adams estimates, and centred sums of five
//                along the row of their gradients and of dh
//   green        walks down each column (`gbtf_green_start`, then one
//                call per pixel, top to bottom), sliding: green at red
//                and blue sites, from the four directional colour
//                differences weighted by 1 / (gradient sum of a 5x5
//                window in that direction)^2
//   differences  at red and blue sites, G - C and the other colour's
//                difference from the diagonal neighbours (the 7x7 `prb`
//                filter)
//   rgb          camera RGB; at green sites from the four neighbours'
//                colour differences. It reads only `differences` and its
//                own photosite, so the block kernel runs it, fused, over
//                the whole frame's `differences` image
// `kind` is the site's: 0 red, 1 green in a red row, 2 green in a blue
// row, 3 blue. Every sum is centred, hence even about a mirrored border:
// a pass's mirrored tap reads what the pass would compute there.

fn gbtf_is_green(kind: u32) -> bool {
    return kind == 1u || kind == 2u;
}

// G - C from five photosites along a row or column, centred on c, at a
// site that is green or not.
fn gbtf_diff(far0: f32, near0: f32, c: f32, near1: f32, far1: f32, green: bool) -> f32 {
    let other = 0.5 * (near0 + near1) + 0.25 * (2.0 * c - far0 - far1);
    return select(other - c, c - other, green);
}

// A row's window in the `rows` walk, for the pixel x it last returned:
// photosites m(x+1..x+5) of the row, dh(x-3..x+3), |dh(x+1) - dh(x-1)|
// at x-2..x+2 (gh), |dv(y+1) - dv(y-1)| at x-2..x+2 (gv), dv(x..x+2).
// Private, so in registers: every index is a constant.
struct GbtfRow {
    m: array<f32, 5>,
    dh: array<f32, 7>,
    gh: array<f32, 5>,
    gv: array<f32, 5>,
    dv: array<f32, 3>,
}

// The walk's two rows, and the second's value at the last x.
var<private> gbtf_first: GbtfRow;
var<private> gbtf_next: GbtfRow;
var<private> gbtf_second: vec4<f32>;

// Row window `r` moved one to the right, to pixel x (green or not), with
// the row's photosite at x + 5 and gv and dv at x + 2.
fn gbtf_row_step(r: GbtfRow, lead: f32, gv: f32, dv: f32, green: bool) -> GbtfRow {
    var n = r;
    for (var k = 0; k < 4; k++) {
        n.m[k] = r.m[k + 1];
        n.gh[k] = r.gh[k + 1];
        n.gv[k] = r.gv[k + 1];
    }
    for (var k = 0; k < 6; k++) {
        n.dh[k] = r.dh[k + 1];
    }
    n.m[4] = lead;
    // Column x + 3 is of the other kind.
    n.dh[6] = gbtf_diff(n.m[0], n.m[1], n.m[2], n.m[3], n.m[4], !green);
    n.gh[4] = abs(n.dh[6] - n.dh[4]);
    n.gv[4] = gv;
    n.dv = array(r.dv[1], r.dv[2], dv);
    return n;
}

// A row's value at the pixel x its window was moved to: (sum of gv, sum
// of gh, sum of dh over x-2..x+2, dv at x).
fn gbtf_row_value(r: GbtfRow) -> vec4<f32> {
    var sums = vec3<f32>(0.0);
    for (var k = 0; k < 5; k++) {
        sums += vec3<f32>(r.gv[k], r.gh[k], r.dh[k + 1]);
    }
    return vec4<f32>(sums, r.dv[0]);
}

// One step of the walk to pixel x of rows y and y + 1 ((x, y) green or
// not): row y's value; row y + 1's is kept in `gbtf_second`. The rows
// share column x + 2, whose photosites y-3..y+4 give dv at y-1..y+2.
fn gbtf_rows_step(x: i32, y: i32, green: bool) -> vec4<f32> {
    let c = x + 2;
    var t: array<f32, 8>;
    for (var k = 0; k < 8; k++) {
        t[k] = mosaic_tap(c, y + k - 3);
    }
    let dv_up = gbtf_diff(t[0], t[1], t[2], t[3], t[4], !green);
    let dv_here = gbtf_diff(t[1], t[2], t[3], t[4], t[5], green);
    let dv_down = gbtf_diff(t[2], t[3], t[4], t[5], t[6], !green);
    let dv_low = gbtf_diff(t[3], t[4], t[5], t[6], t[7], green);
    gbtf_first = gbtf_row_step(gbtf_first, mosaic_tap(x + 5, y), abs(dv_down - dv_up), dv_here, green);
    gbtf_next = gbtf_row_step(gbtf_next, mosaic_tap(x + 5, y + 1), abs(dv_low - dv_here), dv_down, !green);
    gbtf_second = gbtf_row_value(gbtf_next);
    return gbtf_row_value(gbtf_first);
}

// Fills the windows for a walk that starts at pixel x of rows y and y + 1:
// the steps to x - 11 .. x - 1 (the earliest value a window keeps,
// dh(x - 4), reads m(x - 6), which the step to x - 11 loads).
fn gbtf_rows_start(x: i32, y: i32, kind: u32) {
    var green = gbtf_is_green(kind);
    for (var k = 11; k >= 1; k--) {
        green = !green;
        _ = gbtf_rows_step(x - k, y, green);
    }
}

fn gbtf_rows(x: i32, y: i32, kind: u32, second: bool) -> vec4<f32> {
    if second {
        return gbtf_second;
    }
    return gbtf_rows_step(x, y, gbtf_is_green(kind));
}

// Keeps a flat window's weight finite.
const GBTF_EPSILON: f32 = 1e-10;

fn gbtf_weight(gradient_sum: f32) -> f32 {
    let s = gradient_sum + GBTF_EPSILON;
    return 1.0 / (s * s);
}

// The `green` walk's window, down column x, for the row y it last
// returned: from the `rows` image, the gv sums (A) and dv over rows
// y-4..y+4, the gh sums (C) of columns x-2 and x+2 over rows y-2..y+2,
// and their dh sums (D) over rows y..y+2.
var<private> gbtf_a: array<f32, 9>;
var<private> gbtf_v: array<f32, 9>;
var<private> gbtf_cw: array<f32, 5>;
var<private> gbtf_ce: array<f32, 5>;
var<private> gbtf_dw: array<f32, 3>;
var<private> gbtf_de: array<f32, 3>;

// G - C at red and blue sites (0 at green ones), one step down: north
// and south, the column's gv sums over rows y-4..y and y..y+4 and the
// mean of dv over them; west and east, the gh sums of rows y-2..y+2
// centred on x-2 and x+2 and the mean of dh there.
fn gbtf_green_step(x: i32, y: i32, green: bool) -> f32 {
    for (var k = 0; k < 8; k++) {
        gbtf_a[k] = gbtf_a[k + 1];
        gbtf_v[k] = gbtf_v[k + 1];
    }
    for (var k = 0; k < 4; k++) {
        gbtf_cw[k] = gbtf_cw[k + 1];
        gbtf_ce[k] = gbtf_ce[k + 1];
    }
    for (var k = 0; k < 2; k++) {
        gbtf_dw[k] = gbtf_dw[k + 1];
        gbtf_de[k] = gbtf_de[k + 1];
    }
    let here = gbtf_rows_tap(x, y + 4);
    let west = gbtf_rows_tap(x - 2, y + 2);
    let east = gbtf_rows_tap(x + 2, y + 2);
    gbtf_a[8] = here.x;
    gbtf_v[8] = here.w;
    gbtf_cw[4] = west.y;
    gbtf_ce[4] = east.y;
    gbtf_dw[2] = west.z;
    gbtf_de[2] = east.z;
    var north = vec2<f32>(0.0);
    var south = vec2<f32>(0.0);
    for (var k = 0; k < 5; k++) {
        north += vec2<f32>(gbtf_a[k], gbtf_v[k]);
        south += vec2<f32>(gbtf_a[k + 4], gbtf_v[k + 4]);
    }
    var sides = vec2<f32>(0.0);
    for (var k = 0; k < 5; k++) {
        sides += vec2<f32>(gbtf_cw[k], gbtf_ce[k]);
    }
    let w = vec4<f32>(gbtf_weight(north.x), gbtf_weight(south.x), gbtf_weight(sides.x), gbtf_weight(sides.y));
    let d = vec4<f32>(north.y, south.y, gbtf_dw[0], gbtf_de[0]) * 0.2;
    return select(dot(w, d) / (w.x + w.y + w.z + w.w), 0.0, green);
}

// Fills the window for a walk that starts at row y of column x: the
// steps to y - 8 .. y - 1 (the earliest value the window keeps).
fn gbtf_green_start(x: i32, y: i32, kind: u32) {
    var green = gbtf_is_green(kind);
    for (var k = 8; k >= 1; k--) {
        green = !green;
        _ = gbtf_green_step(x, y - k, green);
    }
}

fn gbtf_green(x: i32, y: i32, kind: u32) -> vec4<f32> {
    return vec4<f32>(gbtf_green_step(x, y, gbtf_is_green(kind)));
}

// At red and blue sites: (G - C from `green`, the other colour's
// difference (G - B at red sites, G - R at blue ones) by the 7x7 `prb`
// filter over the differences of the diagonal sites, which are of that
// other colour: 10/32 at distance (1, 1), -1/32 at (1, 3) and (3, 1)).
// 0 at green sites.
fn gbtf_differences(x: i32, y: i32, kind: u32) -> vec4<f32> {
    if gbtf_is_green(kind) {
        return vec4<f32>(0.0);
    }
    var near = 0.0;
    var far = 0.0;
    for (var sy = -1; sy <= 1; sy += 2) {
        for (var sx = -1; sx <= 1; sx += 2) {
            near += gbtf_green_tap(x + sx, y + sy).x;
            far += gbtf_green_tap(x + sx, y + 3 * sy).x + gbtf_green_tap(x + 3 * sx, y + sy).x;
        }
    }
    return vec4<f32>(gbtf_green_tap(x, y).x, (10.0 * near - far) * (1.0 / 32.0), 0.0, 0.0);
}

// Camera RGB. At a green site, red and blue are green less the mean of
// the four neighbours' differences: along a red row, the neighbours left
// and right are red sites (G - R, then G - B), those above and below blue
// ones (G - B, then G - R).
fn gbtf_rgb(x: i32, y: i32, kind: u32) -> vec3<f32> {
    let m = mosaic_tap(x, y);
    switch kind {
        case 0u: {
            let d = gbtf_differences_tap(x, y).xy;
            return vec3<f32>(m, m + d.x, m + d.x - d.y);
        }
        case 3u: {
            let d = gbtf_differences_tap(x, y).xy;
            return vec3<f32>(m + d.x - d.y, m + d.x, m);
        }
        default: {
            let row = gbtf_differences_tap(x - 1, y).xy + gbtf_differences_tap(x + 1, y).xy;
            let column = gbtf_differences_tap(x, y - 1).xy + gbtf_differences_tap(x, y + 1).xy;
            // (G - R, G - B) summed over the four.
            let sums = select(row.yx + column, row + column.yx, kind == 1u);
            return vec3<f32>(m - 0.25 * sums.x, m, m - 0.25 * sums.y);
        }
    }
}
