//! LUT files: `.cube` (1D, 3D, Resolve shaper + 3D) with its writer, Hald
//! CLUT images and `.3dl`; malformed files named with their line.

mod common;

use common::*;

use std::path::Path;

use wisp::error::LutError;
use wisp::lut::{cube, hald, threedl, Lut, Lut1d, Lut3d};

fn identity_text(n: usize) -> String {
    let mut s = String::new();
    let d = (n - 1) as f32;
    for b in 0..n {
        for g in 0..n {
            for r in 0..n {
                s += &format!("{} {} {}\n", r as f32 / d, g as f32 / d, b as f32 / d);
            }
        }
    }
    s
}

fn parse(text: &str) -> Result<Lut, LutError> {
    cube::parse(text, Path::new("look.cube"))
}

fn error_line(text: &str) -> (usize, String) {
    match parse(text) {
        Err(LutError::Parse { line, reason, .. }) => (line, reason),
        other => panic!("expected a parse error, got {other:?}"),
    }
}

#[test]
fn cube_reads_title_comments_domain_and_crlf() {
    let text = format!(
        "# made by hand\r\nTITLE \"Warm\"\r\nLUT_3D_SIZE 2\r\nDOMAIN_MIN -1 0 0.5\r\nDOMAIN_MAX 1 2 4\r\n\r\n{}",
        identity_text(2).replace('\n', "  # entry\r\n")
    );
    let lut = parse(&text).unwrap();
    assert_eq!(lut.title.as_deref(), Some("Warm"));
    let c = lut.cube.unwrap();
    assert_eq!(c.size, 2);
    assert_eq!(
        (c.domain_min, c.domain_max),
        ([-1.0, 0.0, 0.5], [1.0, 2.0, 4.0])
    );
    // Red varies fastest.
    assert_eq!(c.table[1], [1.0, 0.0, 0.0]);
    assert_eq!(c.table[2], [0.0, 1.0, 0.0]);
    assert_eq!(c.table[4], [0.0, 0.0, 1.0]);
}

#[test]
fn cube_reads_1d_tables_and_resolve_shaper_plus_3d() {
    let lut = parse("LUT_1D_SIZE 3\nDOMAIN_MAX 2 2 2\n0 0 0\n0.25 0.5 1.5\n1 1 1\n").unwrap();
    assert!(lut.cube.is_none());
    let s = lut.shaper.unwrap();
    assert_eq!(
        (s.size, s.domain_max, s.table[1]),
        (3, [2.0; 3], [0.25, 0.5, 1.5])
    );

    let text = format!("LUT_1D_SIZE 2\nLUT_1D_INPUT_RANGE -0.5 1.5\nLUT_3D_SIZE 2\nLUT_3D_INPUT_RANGE 0 1\n0 0 0\n1 1 1\n{}", identity_text(2));
    let lut = parse(&text).unwrap();
    assert_eq!(lut.shaper.as_ref().unwrap().domain_min, [-0.5; 3]);
    assert_eq!(lut.cube.as_ref().unwrap(), &Lut3d::identity(2));
}

#[test]
fn cube_keeps_values_outside_zero_one() {
    let text = "LUT_3D_SIZE 2\n".to_string() + &"-0.25 1.25 3e-1\n".repeat(8);
    assert_eq!(
        parse(&text).unwrap().cube.unwrap().table[7],
        [-0.25, 1.25, 0.3]
    );
}

#[test]
fn cube_writer_round_trips() {
    let mut cube3 = Lut3d::from_fn(5, |c| {
        [c[0] * 0.9 + 0.013, c[1].powf(1.3), 1.0 - c[2] * 1.2]
    });
    cube3.domain_min = [-0.1; 3];
    let mut shaper = Lut1d::identity(7);
    shaper
        .table
        .iter_mut()
        .for_each(|v| *v = v.map(|x| x.sqrt()));
    for lut in [
        Lut {
            title: Some("cube \"only\"".into()),
            shaper: None,
            cube: Some(cube3.clone()),
        },
        Lut {
            title: None,
            shaper: Some(shaper.clone()),
            cube: None,
        },
        Lut {
            title: Some("both".into()),
            shaper: Some(shaper),
            cube: Some(cube3),
        },
    ] {
        let text = cube::write(&lut).unwrap();
        let back = parse(&text).unwrap();
        assert_eq!(back.shaper, lut.shaper, "{text}");
        assert_eq!(back.cube, lut.cube);
        assert_eq!(back.title, lut.title.map(|t| t.replace('"', "'")));
    }
}

#[test]
fn cube_identity_sizes_round_trip() {
    for n in [2, 3, 17, 33, 65] {
        let lut = parse(&format!("LUT_3D_SIZE {n}\n{}", identity_text(n))).unwrap();
        assert_eq!(lut.cube.unwrap(), Lut3d::identity(n));
    }
}

#[test]
fn malformed_cube_files_name_the_line() {
    let body = identity_text(2);
    let cases: Vec<(String, usize, &str)> = vec![
        (
            format!("LUT_3D_SIZE 2\n{}", &body[..body.rfind("1 1 1").unwrap()]),
            8,
            "found 7 entries",
        ),
        (
            format!("LUT_3D_SIZE 2\n{body}0 0 0\n"),
            10,
            "more than the 8 entries",
        ),
        (
            format!("LUT_3D_SIZE 2\n0 0 zero\n{body}"),
            2,
            "`zero` is not a number",
        ),
        (
            format!("LUT_3D_SIZE 2\n0 nan 0\n{body}"),
            2,
            "not a finite number",
        ),
        (
            format!("LUT_3D_SIZE 2\n0 0 inf\n{body}"),
            2,
            "not a finite number",
        ),
        (
            format!("LUT_3D_SIZE 2\n0 0\n{body}"),
            2,
            "expected 3 numbers",
        ),
        (
            format!("0 0 0\nLUT_3D_SIZE 2\n{body}"),
            1,
            "before LUT_1D_SIZE or LUT_3D_SIZE",
        ),
        (format!("LUT_3D_SIZE 1\n{body}"), 1, "out of range"),
        (format!("LUT_3D_SIZE 257\n{body}"), 1, "out of range"),
        (format!("LUT_1D_SIZE 65537\n{body}"), 1, "out of range"),
        (
            format!("LUT_3D_SIZE 2\nLUT_3D_SIZE 2\n{body}"),
            2,
            "duplicate keyword `LUT_3D_SIZE`",
        ),
        (
            format!("TITLE \"a\"\nTITLE \"b\"\nLUT_3D_SIZE 2\n{body}"),
            2,
            "duplicate keyword `TITLE`",
        ),
        (
            format!("LUT_3D_SIZE 2\nDOMAIN_MIN 1 0 0\n{body}"),
            10,
            "minimum must be below",
        ),
        (
            format!("LUT_3D_SIZE 2\nDOMAIN_MIN 0 0 0\nDOMAIN_MAX 1 0 1\n{body}"),
            11,
            "minimum must be below",
        ),
        (
            format!("LUT_3D_SIZE 2\nFROBNICATE 3\n{body}"),
            2,
            "unknown keyword",
        ),
        (
            format!("LUT_3D_SIZE 2\n{body}LUT_1D_SIZE 2\n"),
            10,
            "after the table data",
        ),
        (
            "# nothing\n".to_string(),
            1,
            "no LUT_1D_SIZE or LUT_3D_SIZE",
        ),
    ];
    for (text, line, reason) in cases {
        let (got_line, got_reason) = error_line(&text);
        assert_eq!(got_line, line, "{reason}: wrong line ({got_reason})");
        assert!(
            got_reason.contains(reason),
            "expected `{reason}`, got `{got_reason}`"
        );
    }
    let err = cube::parse("LUT_3D_SIZE x\n", Path::new("dir/look.cube")).unwrap_err();
    assert!(err.to_string().starts_with("dir/look.cube:1: "), "{err}");
}

#[test]
fn hald_identity_images_read_back_as_identity_luts() {
    let dir = tempdir("hald");
    for level in [2, 4, 8] {
        for ext in ["png", "tif"] {
            let path = dir.join(format!("hald{level}.{ext}"));
            hald::identity_image(level).save(&path).unwrap();
            let lut = wisp::lut::load(&path).unwrap().cube.unwrap();
            assert_eq!(lut.size, level * level);
            let id = Lut3d::identity(level * level);
            let worst = lut
                .table
                .iter()
                .zip(&id.table)
                .flat_map(|(a, b)| (0..3).map(move |c| (a[c] - b[c]).abs()))
                .fold(0.0, f32::max);
            assert!(worst < 1e-4, "level {level} {ext}: {worst}");
        }
    }
    // 8-bit Hald images work too.
    let path = dir.join("hald8bit.png");
    image::DynamicImage::ImageRgb16(hald::identity_image(4))
        .into_rgb8()
        .save(&path)
        .unwrap();
    assert_eq!(wisp::lut::load(&path).unwrap().cube.unwrap().size, 16);
    // Not a Hald image.
    let path = dir.join("photo.png");
    image::RgbImage::new(100, 60).save(&path).unwrap();
    let err = wisp::lut::load(&path).unwrap_err().to_string();
    assert!(
        err.contains("photo.png") && err.contains("not a Hald CLUT"),
        "{err}"
    );
}

#[test]
fn threedl_reads_integer_tables_with_blue_fastest() {
    // A 2-point mesh, 12-bit output: entry k is (r, g, b) with b fastest.
    let mut text = String::from("# a test\n0 1023\n");
    for r in 0..2 {
        for g in 0..2 {
            for b in 0..2 {
                text += &format!("{} {} {}\n", r * 4095, g * 2000, b * 4095);
            }
        }
    }
    let lut = threedl::parse(&text, Path::new("x.3dl")).unwrap();
    assert_eq!(lut.size, 2);
    assert_eq!(lut.at(1, 0, 0), [1.0, 0.0, 0.0]);
    assert_eq!(lut.at(0, 1, 0), [0.0, 2000.0 / 4095.0, 0.0]);
    assert_eq!(lut.at(0, 0, 1), [0.0, 0.0, 1.0]);
    // A Mesh header sets the output depth.
    let with_mesh = format!("Mesh 1 16\n{text}");
    assert_eq!(
        threedl::parse(&with_mesh, Path::new("x.3dl"))
            .unwrap()
            .at(1, 1, 1)[0],
        4095.0 / 65535.0
    );
    for (bad, line) in [
        (text.replace("0 1023\n", "0 1023 7\n"), 2),
        (text.replacen("4095 0 0", "4095 x 0", 1), 7),
        (text.replacen("0 0 4095\n", "", 1), 9),
    ] {
        match threedl::parse(&bad, Path::new("bad.3dl")) {
            Err(LutError::Parse { line: l, .. }) => assert_eq!(l, line, "{bad}"),
            other => panic!("expected an error: {other:?}"),
        }
    }
}
