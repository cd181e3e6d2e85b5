//! The look book: one photo rendered in several looks, side by side with
//! their names, because people choose looks by looking.

use crate::error::Error;
use crate::frame::{Pixels, Rendered, Source};
use crate::params::DevelopParams;
use crate::Engine;

use super::LoadedLook;

/// Longest side of each thumbnail, in pixels.
pub const THUMB: usize = 480;
const COLUMNS: usize = 3;
const GAP: usize = 12;
const LABEL: usize = 34;
const SCALE: usize = 3;
const BACKGROUND: u8 = 24;

/// Render `source` in every look of `looks` and lay the results out in a grid.
pub fn contact_sheet(
    engine: &Engine,
    source: &Source,
    looks: &[LoadedLook],
    base: &DevelopParams,
) -> Result<Rendered, Error> {
    let base = DevelopParams {
        bits: crate::params::Bits::Eight,
        ..base.clone()
    };
    let mut thumbs = Vec::with_capacity(looks.len());
    for look in looks {
        let full = engine.develop(source, &look.params(&base))?;
        thumbs.push((look.look.name.clone(), downscale(&full, THUMB)));
    }
    let (tw, th) = thumbs.first().map_or((1, 1), |(_, t)| (t.width, t.height));
    let cols = COLUMNS.min(thumbs.len()).max(1);
    let rows = thumbs.len().div_ceil(cols);
    let width = GAP + cols * (tw + GAP);
    let height = GAP + rows * (th + LABEL + GAP);
    let mut px = vec![BACKGROUND; width * height * 3];
    for (i, (name, thumb)) in thumbs.iter().enumerate() {
        let (x0, y0) = (
            GAP + (i % cols) * (tw + GAP),
            GAP + (i / cols) * (th + LABEL + GAP),
        );
        let Pixels::Eight(src) = &thumb.pixels else {
            unreachable!("thumbnails are 8-bit")
        };
        for y in 0..thumb.height {
            let dst = ((y0 + y) * width + x0) * 3;
            px[dst..dst + thumb.width * 3]
                .copy_from_slice(&src[y * thumb.width * 3..][..thumb.width * 3]);
        }
        draw_text(&mut px, width, x0, y0 + th + (LABEL - 7 * SCALE) / 2, name);
    }
    Ok(Rendered {
        width,
        height,
        pixels: Pixels::Eight(px),
    })
}

/// Box-filter an 8-bit image so its longest side is at most `max_side`
/// (averaging every source pixel, so nothing aliases).
pub fn downscale(img: &Rendered, max_side: usize) -> Rendered {
    let Pixels::Eight(src) = &img.pixels else {
        unreachable!("the look book renders 8-bit images")
    };
    let factor = img.width.max(img.height).div_ceil(max_side).max(1);
    let (w, h) = (img.width.div_ceil(factor), img.height.div_ceil(factor));
    let mut out = Vec::with_capacity(w * h * 3);
    for y in 0..h {
        for x in 0..w {
            let mut sum = [0u32; 3];
            let mut n = 0;
            for sy in y * factor..((y + 1) * factor).min(img.height) {
                for sx in x * factor..((x + 1) * factor).min(img.width) {
                    let p = &src[(sy * img.width + sx) * 3..][..3];
                    (0..3).for_each(|c| sum[c] += p[c] as u32);
                    n += 1;
                }
            }
            out.extend(sum.map(|s| ((s + n / 2) / n) as u8));
        }
    }
    Rendered {
        width: w,
        height: h,
        pixels: Pixels::Eight(out),
    }
}

/// 5x7 glyphs, one row per byte, bit 4 the leftmost pixel.
fn glyph(c: char) -> [u8; 7] {
    match c.to_ascii_uppercase() {
        'A' => [14, 17, 17, 31, 17, 17, 17],
        'B' => [30, 17, 17, 30, 17, 17, 30],
        'C' => [14, 17, 16, 16, 16, 17, 14],
        'D' => [28, 18, 17, 17, 17, 18, 28],
        'E' => [31, 16, 16, 30, 16, 16, 31],
        'F' => [31, 16, 16, 30, 16, 16, 16],
        'G' => [14, 17, 16, 23, 17, 17, 15],
        'H' => [17, 17, 17, 31, 17, 17, 17],
        'I' => [14, 4, 4, 4, 4, 4, 14],
        'J' => [7, 2, 2, 2, 2, 18, 12],
        'K' => [17, 18, 20, 24, 20, 18, 17],
        'L' => [16, 16, 16, 16, 16, 16, 31],
        'M' => [17, 27, 21, 21, 17, 17, 17],
        'N' => [17, 17, 25, 21, 19, 17, 17],
        'O' => [14, 17, 17, 17, 17, 17, 14],
        'P' => [30, 17, 17, 30, 16, 16, 16],
        'Q' => [14, 17, 17, 17, 21, 18, 13],
        'R' => [30, 17, 17, 30, 20, 18, 17],
        'S' => [15, 16, 16, 14, 1, 1, 30],
        'T' => [31, 4, 4, 4, 4, 4, 4],
        'U' => [17, 17, 17, 17, 17, 17, 14],
        'V' => [17, 17, 17, 17, 17, 10, 4],
        'W' => [17, 17, 17, 21, 21, 21, 10],
        'X' => [17, 17, 10, 4, 10, 17, 17],
        'Y' => [17, 17, 17, 10, 4, 4, 4],
        'Z' => [31, 1, 2, 4, 8, 16, 31],
        '0' => [14, 17, 19, 21, 25, 17, 14],
        '1' => [4, 12, 4, 4, 4, 4, 14],
        '2' => [14, 17, 1, 2, 4, 8, 31],
        '3' => [31, 2, 4, 2, 1, 17, 14],
        '4' => [2, 6, 10, 18, 31, 2, 2],
        '5' => [31, 16, 30, 1, 1, 17, 14],
        '6' => [6, 8, 16, 30, 17, 17, 14],
        '7' => [31, 1, 2, 4, 8, 8, 8],
        '8' => [14, 17, 17, 14, 17, 17, 14],
        '9' => [14, 17, 17, 15, 1, 2, 12],
        '-' => [0, 0, 0, 31, 0, 0, 0],
        '_' => [0, 0, 0, 0, 0, 0, 31],
        '.' => [0, 0, 0, 0, 0, 12, 12],
        _ => [0; 7],
    }
}

fn draw_text(px: &mut [u8], width: usize, x0: usize, y0: usize, text: &str) {
    for (i, c) in text.chars().enumerate() {
        let gx = x0 + i * 6 * SCALE;
        if gx + 5 * SCALE > width {
            break;
        }
        for (row, bits) in glyph(c).iter().enumerate() {
            for col in 0..5 {
                if bits & (16 >> col) == 0 {
                    continue;
                }
                for dy in 0..SCALE {
                    for dx in 0..SCALE {
                        let p = ((y0 + row * SCALE + dy) * width + gx + col * SCALE + dx) * 3;
                        if p + 3 <= px.len() {
                            px[p..p + 3].copy_from_slice(&[235; 3]);
                        }
                    }
                }
            }
        }
    }
}
