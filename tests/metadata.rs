//! What travels with the pixels: EXIF (JPEG, PNG, TIFF), orientation applied
//! and reset, ICC profiles, Display P3 output.

mod common;

use common::*;

use std::path::Path;
use std::process::Command;

use wisp::colorimetry;
use wisp::io::icc;
use wisp::params::ColorSpace;

fn convert(input: &Path, out: &Path, extra: &[&str]) {
    let o = Command::new(env!("CARGO_BIN_EXE_wisp"))
        .args([
            "convert",
            input.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--overwrite",
        ])
        .args(extra)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// An image decoder for `path`, to read its profile and EXIF.
fn decoder(path: &Path) -> impl image::ImageDecoder {
    image::ImageReader::open(path)
        .unwrap()
        .with_guessed_format()
        .unwrap()
        .into_decoder()
        .unwrap()
}

/// Tag values from a TIFF/EXIF structure: (tag, type, count, value-or-offset) per IFD entry.
fn ifd_entries(tiff: &[u8], offset: usize) -> Vec<(u16, u16, u32, u32)> {
    let u16_at = |o: usize| u16::from_le_bytes([tiff[o], tiff[o + 1]]);
    let u32_at = |o: usize| u32::from_le_bytes([tiff[o], tiff[o + 1], tiff[o + 2], tiff[o + 3]]);
    (0..u16_at(offset) as usize)
        .map(|i| {
            let e = offset + 2 + 12 * i;
            (u16_at(e), u16_at(e + 2), u32_at(e + 4), u32_at(e + 8))
        })
        .collect()
}

fn ascii(tiff: &[u8], entry: (u16, u16, u32, u32)) -> String {
    let (_, _, count, at) = entry;
    let bytes = if count <= 4 {
        at.to_le_bytes()[..count as usize].to_vec()
    } else {
        tiff[at as usize..][..count as usize].to_vec()
    };
    String::from_utf8_lossy(&bytes)
        .trim_end_matches('\0')
        .to_string()
}

fn find(entries: &[(u16, u16, u32, u32)], tag: u16) -> (u16, u16, u32, u32) {
    *entries
        .iter()
        .find(|e| e.0 == tag)
        .unwrap_or_else(|| panic!("tag {tag:#x} missing"))
}

/// The capture facts of `exif_rot90.dng`, and the output's own: its upright
/// size and EXIF colour space (1 sRGB, 0xffff uncalibrated).
fn check_exif(tiff: &[u8], size: (u32, u32), color_space: u32) {
    assert_eq!(&tiff[..4], b"II*\0");
    let main = ifd_entries(tiff, 8);
    assert_eq!(ascii(tiff, find(&main, 0x010f)), "wisp");
    assert_eq!(ascii(tiff, find(&main, 0x0110)), "synthetic");
    assert_eq!(find(&main, 0x0112).3 & 0xffff, 1, "orientation reset to 1");
    let exif = ifd_entries(tiff, find(&main, 0x8769).3 as usize);
    assert_eq!(ascii(tiff, find(&exif, 0x9003)), "2026:05:17 18:42:07");
    assert_eq!(ascii(tiff, find(&exif, 0xa434)), "wisp 5.6mm f/2.8");
    let rational = |tag| {
        let at = find(&exif, tag).3 as usize;
        (
            u32::from_le_bytes(tiff[at..at + 4].try_into().unwrap()),
            u32::from_le_bytes(tiff[at + 4..at + 8].try_into().unwrap()),
        )
    };
    assert_eq!(rational(0x829a), (1, 125), "exposure time");
    assert_eq!(rational(0x829d), (28, 10), "f-number");
    assert_eq!(rational(0x920a), (56, 10), "focal length");
    assert_eq!(find(&exif, 0xa002).3, size.0, "pixel x dimension");
    assert_eq!(find(&exif, 0xa003).3, size.1, "pixel y dimension");
    assert_eq!(find(&exif, 0xa001).3 & 0xffff, color_space, "colour space");
}

#[test]
fn exif_and_profile_reach_jpeg_png_and_tiff_with_the_pixels_upright() {
    let out = tempdir("exif");
    let input = fixture("tests/fixtures/exif_rot90.dng");
    for (format, ext) in [("jpeg", "jpg"), ("png", "png"), ("tiff", "tif")] {
        convert(&input, &out, &["--format", format]);
        let path = out.join(format!("exif_rot90.{ext}"));
        let mut decoder = decoder(&path);
        use image::ImageDecoder;
        // Stored 64x48 with orientation 6: developed upright as 48x64.
        assert_eq!(decoder.dimensions(), (48, 64), "{format}");
        let bytes = std::fs::read(&path).unwrap();
        let (icc_bytes, tiff) = match format {
            // `image` does not read TIFF profiles: take tag 34675 directly.
            "tiff" => {
                let (_, _, len, at) = find(&ifd_entries(&bytes, 8), 0x8773);
                (bytes[at as usize..][..len as usize].to_vec(), bytes)
            }
            _ => (
                decoder
                    .icc_profile()
                    .unwrap()
                    .unwrap_or_else(|| panic!("{format}: no ICC profile")),
                decoder.exif_metadata().unwrap().expect("an EXIF block"),
            ),
        };
        assert_eq!(icc_bytes, icc::profile(ColorSpace::Srgb), "{format}");
        check_exif(&tiff, (48, 64), 1);
    }
}

#[test]
fn exif_describes_a_resized_display_p3_output() {
    let out = tempdir("exif-p3");
    let input = fixture("tests/fixtures/exif_rot90.dng");
    convert(
        &input,
        &out,
        &["--max-size", "32", "--colorspace", "display-p3"],
    );
    let mut decoder = decoder(&out.join("exif_rot90.jpg"));
    use image::ImageDecoder;
    assert_eq!(decoder.dimensions(), (24, 32));
    let tiff = decoder.exif_metadata().unwrap().expect("an EXIF block");
    check_exif(&tiff, (24, 32), 0xffff);
}

fn s15(b: &[u8]) -> f64 {
    i32::from_be_bytes(b.try_into().unwrap()) as f64 / 65536.0
}

/// Colorant (rXYZ, gXYZ, bXYZ) of an ICC profile.
fn colorant(profile: &[u8], sig: &[u8; 4]) -> [f64; 3] {
    let count = u32::from_be_bytes(profile[128..132].try_into().unwrap()) as usize;
    for i in 0..count {
        let e = 132 + 12 * i;
        if &profile[e..e + 4] == sig {
            let at = u32::from_be_bytes(profile[e + 4..e + 8].try_into().unwrap()) as usize;
            assert_eq!(&profile[at..at + 4], b"XYZ ");
            return [0, 1, 2].map(|c| s15(&profile[at + 8 + 4 * c..at + 12 + 4 * c]));
        }
    }
    panic!("no {sig:?}")
}

#[test]
fn icc_profiles_are_well_formed_and_white_balanced() {
    for space in [ColorSpace::Srgb, ColorSpace::DisplayP3] {
        let p = icc::profile(space);
        assert_eq!(
            u32::from_be_bytes(p[..4].try_into().unwrap()) as usize,
            p.len()
        );
        assert_eq!(&p[36..40], b"acsp");
        assert_eq!(&p[12..24], b"mntrRGB XYZ ");
        // The colorants of a D65 display, adapted to the D50 PCS, add up to D50.
        let sum: Vec<f64> = (0..3)
            .map(|c| {
                [b"rXYZ", b"gXYZ", b"bXYZ"]
                    .iter()
                    .map(|s| colorant(&p, s)[c])
                    .sum()
            })
            .collect();
        for (got, want) in sum.iter().zip([0.9642, 1.0, 0.8249]) {
            assert!(
                (got - want).abs() < 2e-3,
                "{space:?}: colorants sum to {sum:?}"
            );
        }
    }
    // sRGB's red colorant as published for D50 (0.4361, 0.2225, 0.0139).
    let red = colorant(&icc::profile(ColorSpace::Srgb), b"rXYZ");
    for (got, want) in red.iter().zip([0.4361, 0.2225, 0.0139]) {
        assert!((got - want).abs() < 2e-3, "sRGB red colorant {red:?}");
    }
}

#[test]
fn display_p3_output_renders_into_p3_primaries() {
    // Linear sRGB -> linear Display P3, as published.
    let published = [
        [0.8225, 0.1774, 0.0],
        [0.0332, 0.9669, 0.0],
        [0.0171, 0.0724, 0.9108],
    ];
    let m = colorimetry::from_srgb(ColorSpace::DisplayP3);
    for r in 0..3 {
        for c in 0..3 {
            assert!((m[r][c] as f64 - published[r][c]).abs() < 1e-3, "{m:?}");
        }
    }
    // A pure sRGB red image comes out as sRGB red expressed in P3.
    let dir = tempdir("p3");
    let input = dir.join("red.png");
    image::RgbImage::from_pixel(16, 16, image::Rgb([255, 0, 0]))
        .save(&input)
        .unwrap();
    convert(
        &input,
        &dir.join("out"),
        &[
            "--format",
            "png",
            "--colorspace",
            "display-p3",
            "--look",
            "none",
            "--tone",
            "none",
        ],
    );
    let path = dir.join("out/red.png");
    let img = image::open(&path).unwrap().into_rgb8();
    let encode = |v: f64| {
        255.0
            * if v <= 0.0031308 {
                v * 12.92
            } else {
                1.055 * v.powf(1.0 / 2.4) - 0.055
            }
    };
    let want = [published[0][0], published[1][0], published[2][0]].map(encode);
    for p in img.pixels() {
        for c in 0..3 {
            assert!(
                (p[c] as f64 - want[c]).abs() <= 1.5,
                "pixel {p:?}, expected {want:?}"
            );
        }
    }
    use image::ImageDecoder;
    let mut decoder = decoder(&path);
    assert_eq!(
        decoder.icc_profile().unwrap().unwrap(),
        icc::profile(ColorSpace::DisplayP3)
    );
}
