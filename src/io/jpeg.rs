//! Baseline JPEG files through mozjpeg (libjpeg-turbo's SIMD code), encoded
//! in horizontal slices on several cores at once.
//!
//! In baseline JPEG only the DC predictor carries from one MCU to the next,
//! and a restart marker resets it. So an image cut at MCU-row boundaries
//! into slices of equal MCU count, each encoded as a JPEG of its own, joins
//! into the whole image encoded with a restart interval of one slice: the
//! first slice's headers (height raised to the whole image's, a DRI segment
//! added), each slice's entropy-coded data with RSTn markers between them,
//! one EOI. Decoded, it is the same pixels as the image encoded in one go
//! (tested). A batch's last file is encoded with nothing else left to run;
//! in slices it takes half the time on two cores.

use super::output::JpegOptions;

/// Markers (ITU T.81 table B.1).
const SOF0: u8 = 0xC0;
const SOF1: u8 = 0xC1;
const RST0: u8 = 0xD0;
const SOI: u8 = 0xD8;
const EOI: u8 = 0xD9;
const SOS: u8 = 0xDA;
const DRI: u8 = 0xDD;

/// A marker segment carries at most 65533 bytes after its length.
const SEGMENT: usize = 65533;

/// The most MCUs a restart interval can hold (DRI's field is 16 bits).
const MAX_INTERVAL: usize = 65535;

/// Fewer MCU rows than this per slice are not worth a thread.
const MIN_SLICE_ROWS: usize = 16;

/// A baseline JPEG of 8-bit RGB `rgb` with the EXIF block (if any) and the
/// ICC profile, encoded in `options.threads` slices at once. mozjpeg, set to
/// libjpeg-turbo's defaults (the standard IJG quality tables and Huffman
/// tables, no trellis, one scan): 12 MP at q92 4:4:4 in 43–64 ms on one
/// core here, where jpeg-encoder took 119–126.
pub(super) fn file(
    rgb: &[u8],
    width: u32,
    height: u32,
    options: JpegOptions,
    icc: &[u8],
    exif: &[u8],
) -> Result<Vec<u8>, String> {
    const MAX: u32 = 65535;
    if width > MAX || height > MAX {
        return Err(format!("{width}x{height} exceeds JPEG's {MAX}-pixel limit"));
    }
    // APP1 starts with "Exif\0\0".
    const EXIF_MAX: usize = SEGMENT - 6;
    if exif.len() > EXIF_MAX {
        return Err(format!(
            "the EXIF block ({} bytes) exceeds a JPEG segment ({EXIF_MAX} bytes)",
            exif.len()
        ));
    }
    let markers = app_markers(icc, exif);
    let image = Rgb {
        bytes: rgb,
        width,
        height,
    };
    in_slices(image, options, &markers)
}

/// 8-bit RGB pixels, row after row.
#[derive(Clone, Copy)]
struct Rgb<'a> {
    bytes: &'a [u8],
    width: u32,
    height: u32,
}

impl<'a> Rgb<'a> {
    fn rows(&self, rows: std::ops::Range<usize>) -> Rgb<'a> {
        let row = 3 * self.width as usize;
        Rgb {
            bytes: &self.bytes[rows.start * row..rows.end * row],
            width: self.width,
            height: rows.len() as u32,
        }
    }
}

/// The JPEG of `image` with the APPn `markers`, in slices for
/// `options.threads`.
fn in_slices(
    image: Rgb,
    options: JpegOptions,
    markers: &[(u8, Vec<u8>)],
) -> Result<Vec<u8>, String> {
    let (width, height) = (image.width as usize, image.height as usize);
    let chroma = options.chroma_pixel_size();
    let slices = Slices::new(width, height, chroma, options.threads);
    let encode_slice = |i: usize| {
        let markers = if i == 0 { markers } else { &[] };
        encode(image.rows(slices.pixel_rows(i, height)), options, markers)
    };
    if slices.count == 1 {
        return encode_slice(0);
    }
    let encoded: Vec<Result<Vec<u8>, String>> = std::thread::scope(|s| {
        let rest: Vec<_> = (1..slices.count)
            .map(|i| s.spawn(move || encode_slice(i)))
            .collect();
        let first = encode_slice(0);
        std::iter::once(first)
            .chain(rest.into_iter().map(|t| {
                t.join()
                    .unwrap_or_else(|_| Err("the JPEG encoder failed".into()))
            }))
            .collect()
    });
    let encoded = encoded.into_iter().collect::<Result<Vec<_>, _>>()?;
    join(&encoded, image.height as u16, slices.interval())
        .ok_or_else(|| "the JPEG encoder wrote an unexpected structure".into())
}

/// How an image is cut: `count` slices of `mcu_rows` MCU rows (the last
/// may be shorter).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Slices {
    count: usize,
    mcu_rows: usize,
    /// MCU width and height in pixels, and MCUs across.
    mcu: (usize, usize),
    across: usize,
}

impl Slices {
    /// At least one slice per thread, each within one restart interval;
    /// one slice for a single thread or a small image.
    fn new(width: usize, height: usize, (cx, cy): (u8, u8), threads: usize) -> Self {
        let mcu = (8 * cx as usize, 8 * cy as usize);
        let across = width.div_ceil(mcu.0).max(1);
        let total = height.div_ceil(mcu.1).max(1);
        // At least 8: a JPEG is at most 65535 pixels (8192 MCUs) wide.
        let most = MAX_INTERVAL / across;
        let wanted = threads.min(total / MIN_SLICE_ROWS);
        let count = if wanted < 2 {
            1
        } else {
            wanted.max(total.div_ceil(most))
        };
        let mcu_rows = total.div_ceil(count);
        Slices {
            count: total.div_ceil(mcu_rows),
            mcu_rows,
            mcu,
            across,
        }
    }

    /// Pixel rows of slice `i` of an image `height` rows tall.
    fn pixel_rows(&self, i: usize, height: usize) -> std::ops::Range<usize> {
        let rows = self.mcu_rows * self.mcu.1;
        (i * rows).min(height)..((i + 1) * rows).min(height)
    }

    /// The restart interval: MCUs per slice.
    fn interval(&self) -> u16 {
        (self.mcu_rows * self.across) as u16
    }
}

/// APP1 (EXIF) and APP2 (ICC profile) segments: (marker, payload).
fn app_markers(icc: &[u8], exif: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut markers = Vec::new();
    if !exif.is_empty() {
        markers.push((1, [b"Exif\0\0".as_slice(), exif].concat()));
    }
    // ICC.1 Annex B.4: APP2 chunks, numbered from 1 (mozjpeg's own
    // `write_icc_profile` numbers them from 0, which readers drop).
    const ICC_CHUNK: usize = SEGMENT - 14;
    let chunks = icc.chunks(ICC_CHUNK);
    let count = chunks.len() as u8;
    for (i, chunk) in chunks.enumerate() {
        let header = [b"ICC_PROFILE\0".as_slice(), &[i as u8 + 1, count]].concat();
        markers.push((2, [header.as_slice(), chunk].concat()));
    }
    markers
}

/// One JPEG file of `image`, with the APPn `markers`.
fn encode(image: Rgb, options: JpegOptions, markers: &[(u8, Vec<u8>)]) -> Result<Vec<u8>, String> {
    let (width, height) = (image.width as usize, image.height as usize);
    let chroma = options.chroma_pixel_size();
    // libjpeg reports errors by unwinding; with the checks made by `file`
    // and an in-memory destination none is expected, but one must not abort.
    let encode = || -> std::io::Result<Vec<u8>> {
        let mut c = mozjpeg::Compress::new(mozjpeg::ColorSpace::JCS_RGB);
        c.set_fastest_defaults();
        c.set_size(width, height);
        c.set_quality(options.quality.clamp(1, 100).into());
        c.set_chroma_sampling_pixel_sizes(chroma, chroma);
        // Room for 2 bits per pixel; q92 photos take about 1.5.
        let guess = width * height / 4;
        let mut c = c.start_compress(Vec::with_capacity(guess))?;
        for (n, payload) in markers {
            c.write_marker(mozjpeg::Marker::APP(*n), payload);
        }
        c.write_scanlines(image.bytes)?;
        c.finish()
    };
    match super::catch_quietly(encode) {
        Some(result) => result.map_err(|e| e.to_string()),
        None => Err("the JPEG encoder failed".into()),
    }
}

/// Offset of the first `marker` segment before the scan data of `jpeg`.
fn find_segment(jpeg: &[u8], marker: u8) -> Option<usize> {
    if jpeg.get(..2)? != [0xFF, SOI] {
        return None;
    }
    let mut at = 2;
    loop {
        let [0xFF, code, hi, lo] = *jpeg.get(at..at + 4)? else {
            return None;
        };
        if code == marker {
            return Some(at);
        }
        if code == SOS {
            return None;
        }
        at += 2 + u16::from_be_bytes([hi, lo]) as usize;
    }
}

/// The entropy-coded data of a one-scan `jpeg`: after the SOS segment, up
/// to the EOI.
fn scan_data(jpeg: &[u8]) -> Option<&[u8]> {
    let sos = find_segment(jpeg, SOS)?;
    let len = u16::from_be_bytes([*jpeg.get(sos + 2)?, *jpeg.get(sos + 3)?]) as usize;
    jpeg.strip_suffix(&[0xFF, EOI])?.get(sos + 2 + len..)
}

/// Slices encoded on their own, joined into one JPEG `height` rows tall
/// with a restart every `interval` MCUs.
fn join(slices: &[Vec<u8>], height: u16, interval: u16) -> Option<Vec<u8>> {
    let first = slices.first()?;
    // Below quality 24 some quantisation steps exceed 255 and libjpeg
    // writes 16-bit tables under SOF1 (extended sequential) instead of
    // SOF0; the frame header is laid out the same.
    let sof = find_segment(first, SOF0).or_else(|| find_segment(first, SOF1))?;
    let sos = find_segment(first, SOS)?;
    let mut out = Vec::with_capacity(slices.iter().map(Vec::len).sum::<usize>() + 16);
    out.extend_from_slice(&first[..sos]);
    // SOF0: marker, length, precision, then the number of lines.
    out.get_mut(sof + 5..sof + 7)?
        .copy_from_slice(&height.to_be_bytes());
    out.extend_from_slice(&[0xFF, DRI, 0, 4]);
    out.extend_from_slice(&interval.to_be_bytes());
    out.extend_from_slice(&first[sos..first.len() - 2]);
    for (i, slice) in slices[1..].iter().enumerate() {
        out.extend_from_slice(&[0xFF, RST0 + (i % 8) as u8]);
        out.extend_from_slice(scan_data(slice)?);
    }
    out.extend_from_slice(&[0xFF, EOI]);
    Some(out)
}

/// Whether the linked libjpeg-turbo encodes with its SIMD code. mozjpeg-sys
/// builds it only where its build script found nasm (x86) or an assembler
/// (ARM), and otherwise falls back to plain C with no more than a build
/// warning, which cargo hides. Asked of the library itself, so this is
/// what runs, not what a build script guessed (and it is false too where
/// the CPU lacks the instructions or `JSIMD_FORCENONE` is set).
pub(super) fn simd() -> bool {
    extern "C" {
        // libjpeg-turbo's dispatch (simd/*/jsimd.c, or jsimd_none.c when
        // built without SIMD, whose every `jsimd_can_*` returns 0).
        fn jsimd_can_fdct_islow() -> std::ffi::c_int;
    }
    // SAFETY: no arguments; it reads the CPU's features and the
    // environment once, under the library's own initialisation.
    unsafe { jsimd_can_fdct_islow() != 0 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::icc;
    use crate::io::output::Chroma;
    use crate::params::ColorSpace;

    /// A smooth image with some texture and noise, at a size that is not
    /// whole 8x8 or 16x16 blocks.
    fn test_image(w: u32, h: u32) -> Vec<u8> {
        (0..h)
            .flat_map(|y| (0..w).map(move |x| (x, y)))
            .flat_map(|(x, y)| {
                let t = ((x * 7 + y * 13) % 17) as f32;
                [
                    x as f32 / w as f32 * 220.0 + t,
                    y as f32 / h as f32 * 220.0 + t,
                    128.0 + 60.0 * ((x + y) as f32 * 0.2).sin(),
                ]
            })
            .map(|v| v as u8)
            .collect()
    }

    fn psnr(a: &[u8], b: &[u8]) -> f64 {
        let mse = a
            .iter()
            .zip(b)
            .map(|(&p, &q)| (p as f64 - q as f64).powi(2))
            .sum::<f64>()
            / a.len() as f64;
        10.0 * (255.0 * 255.0 / mse).log10()
    }

    fn decode(file: &[u8]) -> image::RgbImage {
        image::load_from_memory(file).expect("decodes").into_rgb8()
    }

    #[test]
    fn jpeg_keeps_the_pixels_at_each_chroma_setting() {
        let (w, h) = (67, 45);
        let rgb = test_image(w, h);
        for (quality, chroma, min_db) in [
            (92, Chroma::Auto, 35.0),
            (92, Chroma::Quarter, 34.5),
            (60, Chroma::Half, 32.0),
        ] {
            let options = JpegOptions {
                quality,
                chroma,
                ..JpegOptions::default()
            };
            let file =
                file(&rgb, w, h, options, &icc::profile(ColorSpace::Srgb), b"").expect("encodes");
            let back = decode(&file);
            assert_eq!(back.dimensions(), (w, h));
            let db = psnr(&rgb, back.as_raw());
            assert!(db > min_db, "q{quality} {chroma:?}: {db:.1} dB");
        }
    }

    #[test]
    fn slices_join_into_the_image_encoded_whole() {
        let icc = icc::profile(ColorSpace::Srgb);
        // Sizes that are not whole MCUs; 4000 across needs more restart
        // intervals than threads; 12 slices number their restarts past RST7.
        for (w, h, threads) in [
            (1001, 677, 2),
            (999, 1203, 3),
            (4000, 2213, 2),
            (333, 2600, 12),
        ] {
            let rgb = test_image(w, h);
            for chroma in [Chroma::Full, Chroma::Half, Chroma::Quarter] {
                let options = JpegOptions {
                    quality: 92,
                    chroma,
                    threads,
                };
                let one = JpegOptions {
                    threads: 1,
                    ..options
                };
                let markers = app_markers(&icc, b"exif");
                let image = Rgb {
                    bytes: &rgb,
                    width: w,
                    height: h,
                };
                let whole = in_slices(image, one, &markers).unwrap();
                let sliced = in_slices(image, options, &markers).unwrap();
                let slices =
                    Slices::new(w as usize, h as usize, options.chroma_pixel_size(), threads);
                assert!(
                    slices.count >= threads.min(2),
                    "{w}x{h} {chroma:?}: {slices:?}"
                );
                assert_eq!(find_segment(&whole, DRI), None);
                let dri = find_segment(&sliced, DRI).expect("a DRI segment");
                assert_eq!(sliced[dri + 4..dri + 6], slices.interval().to_be_bytes());
                // RST0, RST1, ... between the slices, nothing else.
                let scan = scan_data(&sliced).unwrap();
                let restarts: Vec<u8> = scan
                    .windows(2)
                    .filter(|p| p[0] == 0xFF && p[1] != 0)
                    .map(|p| p[1])
                    .collect();
                let want: Vec<u8> = (0..slices.count - 1)
                    .map(|i| RST0 + (i % 8) as u8)
                    .collect();
                assert_eq!(restarts, want, "{w}x{h} {chroma:?}");
                let (a, b) = (decode(&whole), decode(&sliced));
                assert_eq!(b.dimensions(), (w, h));
                assert!(a == b, "{w}x{h} {chroma:?}: sliced pixels differ");
                assert!(psnr(&rgb, b.as_raw()) > 34.0);
                // The metadata is in the first slice's headers only.
                assert_eq!(
                    sliced.windows(12).filter(|p| p == b"ICC_PROFILE\0").count(),
                    1
                );
            }
        }
    }

    #[test]
    fn every_quality_joins_into_the_image_encoded_whole() {
        // Tall enough for two slices at 4:2:0 (16 MCU rows each).
        let (w, h) = (40, 520);
        let rgb = test_image(w, h);
        let image = Rgb {
            bytes: &rgb,
            width: w,
            height: h,
        };
        for quality in 1..=100 {
            let options = JpegOptions {
                quality,
                chroma: Chroma::Auto,
                threads: 2,
            };
            let slices = Slices::new(w as usize, h as usize, options.chroma_pixel_size(), 2);
            assert_eq!(slices.count, 2, "q{quality}");
            let sliced =
                in_slices(image, options, &[]).unwrap_or_else(|e| panic!("q{quality}: {e}"));
            let whole = in_slices(
                image,
                JpegOptions {
                    threads: 1,
                    ..options
                },
                &[],
            )
            .unwrap();
            assert!(
                decode(&sliced) == decode(&whole),
                "q{quality}: sliced pixels differ"
            );
        }
    }

    #[test]
    fn small_images_and_single_threads_are_one_slice() {
        let chroma = (1, 1);
        assert_eq!(Slices::new(67, 45, chroma, 8).count, 1);
        assert_eq!(Slices::new(4000, 3000, chroma, 1).count, 1);
        // 375 MCU rows of 500 MCUs: at most 131 rows per interval.
        let s = Slices::new(4000, 3000, chroma, 2);
        assert_eq!((s.count, s.mcu_rows), (3, 125));
        assert_eq!(Slices::new(4000, 3000, (2, 2), 2).count, 2);
    }

    #[test]
    fn an_exif_block_too_large_for_jpeg_is_an_error() {
        let rgb = test_image(16, 16);
        let exif = vec![0u8; 70_000];
        let err = file(&rgb, 16, 16, JpegOptions::default(), &[1; 100], &exif).unwrap_err();
        assert!(err.contains("EXIF"), "{err}");
    }
}
