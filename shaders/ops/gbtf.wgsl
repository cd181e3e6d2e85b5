// Gradient-based threshold-free demosaic, GBTF (Pekkucuksen & Altunbasak,
// ICIP 2010; src/ops/gbtf.rs). Five passes, each over the whole image,
// each reading the image the pass before wrote (`gbtf_PASS_tap`, borders
// mirrored) and the mosaic (`mosaic_tap`):
//   gradients    G - C along the row (h) and the column (v), C the other
//                colour there, from Hamilton-Adams estimates; and their
//                gradients |d(+1) - d(-1)|
//   runs         sums of five along the column upward and the row leftward
//   green        green at red and blue sites: the four directional colour
//                differences, weighted by 1 / (gradient sum of a 5x5
//                window in that direction)^2
//   differences  G - R and G - B at red and blue sites, the missing one
//                from the diagonal neighbours (the 7x7 `prb` filter)
//   rgb          camera RGB; at green sites from the four neighbours'
//                colour differences
// `kind` is the site's: 0 red, 1 green in a red row, 2 green in a blue
// row, 3 blue.

fn gbtf_is_green(kind: u32) -> bool {
    return kind == 1u || kind == 2u;
}

// G - C at (x, y) along direction d (along the row (1, 0), or the column
// (0, 1)), whose site is green or not.
fn gbtf_diff(x: i32, y: i32, d: vec2<i32>, green: bool) -> f32 {
    let c = mosaic_tap(x, y);
    let other = 0.5 * (mosaic_tap(x - d.x, y - d.y) + mosaic_tap(x + d.x, y + d.y))
        + 0.25 * (2.0 * c - mosaic_tap(x - 2 * d.x, y - 2 * d.y) - mosaic_tap(x + 2 * d.x, y + 2 * d.y));
    return select(other - c, c - other, green);
}

// (dh, dv, |dh(x+1) - dh(x-1)|, |dv(y+1) - dv(y-1)|); neighbours along a
// row or column alternate between green and not.
fn gbtf_gradients(x: i32, y: i32, kind: u32) -> vec4<f32> {
    let green = gbtf_is_green(kind);
    let h = vec2<i32>(1, 0);
    let v = vec2<i32>(0, 1);
    return vec4<f32>(
        gbtf_diff(x, y, h, green),
        gbtf_diff(x, y, v, green),
        abs(gbtf_diff(x + 1, y, h, !green) - gbtf_diff(x - 1, y, h, !green)),
        abs(gbtf_diff(x, y + 1, v, !green) - gbtf_diff(x, y - 1, v, !green)),
    );
}

// Sums over rows y-4..y of dv and its gradient, over columns x-4..x of dh
// and its gradient.
fn gbtf_runs(x: i32, y: i32, kind: u32) -> vec4<f32> {
    var up = vec2<f32>(0.0);
    var left = vec2<f32>(0.0);
    for (var k = 0; k < 5; k++) {
        up += gbtf_gradients_tap(x, y - k).yw;
        left += gbtf_gradients_tap(x - k, y).xz;
    }
    return vec4<f32>(up.x, up.y, left.x, left.y);
}

// Keeps a flat window's weight finite.
const GBTF_EPSILON: f32 = 1e-10;

fn gbtf_weight(gradient_sum: f32) -> f32 {
    let s = gradient_sum + GBTF_EPSILON;
    return 1.0 / (s * s);
}

// (G, G - C at red and blue sites (0 at green ones), the mosaic value).
fn gbtf_green(x: i32, y: i32, kind: u32) -> vec4<f32> {
    let m = mosaic_tap(x, y);
    if gbtf_is_green(kind) {
        return vec4<f32>(m, 0.0, m, 0.0);
    }
    let here = gbtf_runs_tap(x, y);
    let below = gbtf_runs_tap(x, y + 4);
    let right = gbtf_runs_tap(x + 4, y);
    var north = 0.0;
    var south = 0.0;
    var west = 0.0;
    var east = 0.0;
    for (var k = -2; k <= 2; k++) {
        north += gbtf_runs_tap(x + k, y).y;
        south += gbtf_runs_tap(x + k, y + 4).y;
        west += gbtf_runs_tap(x, y + k).w;
        east += gbtf_runs_tap(x + 4, y + k).w;
    }
    let w = vec4<f32>(gbtf_weight(north), gbtf_weight(south), gbtf_weight(west), gbtf_weight(east));
    let d = vec4<f32>(here.x, below.x, here.z, right.z) * 0.2;
    let diff = dot(w, d) / (w.x + w.y + w.z + w.w);
    return vec4<f32>(m + diff, diff, m, 0.0);
}

// The 7x7 `prb` filter over the colour differences of the sites diagonal
// to (x, y): 10/32 at distance (1, 1), -1/32 at (1, 3) and (3, 1).
fn gbtf_diagonal(x: i32, y: i32) -> f32 {
    var near = 0.0;
    var far = 0.0;
    for (var sy = -1; sy <= 1; sy += 2) {
        for (var sx = -1; sx <= 1; sx += 2) {
            near += gbtf_green_tap(x + sx, y + sy).y;
            far += gbtf_green_tap(x + sx, y + 3 * sy).y + gbtf_green_tap(x + 3 * sx, y + sy).y;
        }
    }
    return (10.0 * near - far) * (1.0 / 32.0);
}

// (G, G - R, G - B, mosaic value); the differences only at red and blue
// sites.
fn gbtf_differences(x: i32, y: i32, kind: u32) -> vec4<f32> {
    let here = gbtf_green_tap(x, y);
    switch kind {
        case 0u: {
            return vec4<f32>(here.x, here.y, gbtf_diagonal(x, y), here.z);
        }
        case 3u: {
            return vec4<f32>(here.x, gbtf_diagonal(x, y), here.y, here.z);
        }
        default: {
            return vec4<f32>(here.x, 0.0, 0.0, here.z);
        }
    }
}

fn gbtf_rgb(x: i32, y: i32, kind: u32) -> vec3<f32> {
    let here = gbtf_differences_tap(x, y);
    switch kind {
        case 0u: {
            return vec3<f32>(here.w, here.x, here.x - here.z);
        }
        case 3u: {
            return vec3<f32>(here.x - here.y, here.x, here.w);
        }
        default: {
            let around = gbtf_differences_tap(x - 1, y) + gbtf_differences_tap(x + 1, y)
                + gbtf_differences_tap(x, y - 1) + gbtf_differences_tap(x, y + 1);
            return vec3<f32>(here.w - 0.25 * around.y, here.w, here.w - 0.25 * around.z);
        }
    }
}
