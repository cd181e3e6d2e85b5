// Malvar-He-Cutler demosaic (ICASSP 2004): 5x5 gradient-corrected bilinear
// interpolation (src/ops/mhc.rs). It reads the mosaic through the kernel's
// `mosaic_tap(x, y)`, borders mirrored; a kernel that knows each pixel's
// kind of site when it is compiled gets that site's filter alone.

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

fn mhc_taps(x: i32, y: i32) -> MhcTaps {
    var t: MhcTaps;
    t.c = mosaic_tap(x, y);
    t.h1 = mosaic_tap(x - 1, y) + mosaic_tap(x + 1, y);
    t.v1 = mosaic_tap(x, y - 1) + mosaic_tap(x, y + 1);
    t.h2 = mosaic_tap(x - 2, y) + mosaic_tap(x + 2, y);
    t.v2 = mosaic_tap(x, y - 2) + mosaic_tap(x, y + 2);
    t.d1 = mosaic_tap(x - 1, y - 1) + mosaic_tap(x + 1, y - 1) + mosaic_tap(x - 1, y + 1) + mosaic_tap(x + 1, y + 1);
    return t;
}

// The filters, one per kind of site. "Row" is the colour whose samples sit
// left and right of a green site, "column" the one above and below.
fn mhc_green_at_rb(t: MhcTaps) -> f32 {
    return (4.0 * t.c + 2.0 * (t.h1 + t.v1) - (t.h2 + t.v2)) * 0.125;
}

fn mhc_row_at_green(t: MhcTaps) -> f32 {
    return (5.0 * t.c + 4.0 * t.h1 - t.h2 - t.d1 + 0.5 * t.v2) * 0.125;
}

fn mhc_column_at_green(t: MhcTaps) -> f32 {
    return (5.0 * t.c + 4.0 * t.v1 - t.v2 - t.d1 + 0.5 * t.h2) * 0.125;
}

// Red at a blue site, or blue at a red site.
fn mhc_br_at_rb(t: MhcTaps) -> f32 {
    return (6.0 * t.c + 2.0 * t.d1 - 1.5 * (t.h2 + t.v2)) * 0.125;
}

// Camera RGB at (x, y), a site of `kind`: 0 red, 1 green in a red row,
// 2 green in a blue row, 3 blue.
fn mhc_rgb(x: i32, y: i32, kind: u32) -> vec3<f32> {
    let t = mhc_taps(x, y);
    switch kind {
        case 0u: {
            return vec3<f32>(t.c, mhc_green_at_rb(t), mhc_br_at_rb(t));
        }
        case 1u: {
            return vec3<f32>(mhc_row_at_green(t), t.c, mhc_column_at_green(t));
        }
        case 2u: {
            return vec3<f32>(mhc_column_at_green(t), t.c, mhc_row_at_green(t));
        }
        default: {
            return vec3<f32>(mhc_br_at_rb(t), mhc_green_at_rb(t), t.c);
        }
    }
}
