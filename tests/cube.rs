//! `.cube` parsing: the spec's features, and every malformed file named with
//! its line.

use std::path::Path;

use wisp::error::LutError;
use wisp::lut::cube::parse;

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

fn error_line(text: &str) -> (usize, String) {
    match parse(text, Path::new("look.cube")) {
        Err(LutError::Parse { line, reason, .. }) => (line, reason),
        other => panic!("expected a parse error, got {other:?}"),
    }
}

#[test]
fn reads_title_comments_domain_and_crlf() {
    let text = format!(
        "# made by hand\r\nTITLE \"Warm\"\r\nLUT_3D_SIZE 2\r\nDOMAIN_MIN 0 0 0\r\nDOMAIN_MAX 1 2 4\r\n\r\n{}",
        identity_text(2).replace('\n', "  # entry\r\n")
    );
    let lut = parse(&text, Path::new("warm.cube")).unwrap();
    assert_eq!(lut.title.as_deref(), Some("Warm"));
    assert_eq!(lut.size, 2);
    assert_eq!(lut.domain_max, [1.0, 2.0, 4.0]);
    // Red varies fastest.
    assert_eq!(lut.table[1], [1.0, 0.0, 0.0]);
    assert_eq!(lut.table[2], [0.0, 1.0, 0.0]);
    assert_eq!(lut.table[4], [0.0, 0.0, 1.0]);
}

#[test]
fn keeps_values_outside_zero_one_and_reads_resolve_input_range() {
    let text =
        "LUT_3D_SIZE 2\nLUT_3D_INPUT_RANGE -0.5 1.5\n".to_string() + &"-0.25 1.25 3e-1\n".repeat(8);
    let lut = parse(&text, Path::new("x.cube")).unwrap();
    assert_eq!(lut.domain_min, [-0.5; 3]);
    assert_eq!(lut.table[7], [-0.25, 1.25, 0.3]);
}

#[test]
fn identity_sizes_from_2_to_65_round_trip() {
    for n in [2, 3, 17, 33, 65] {
        let lut = parse(
            &format!("LUT_3D_SIZE {n}\n{}", identity_text(n)),
            Path::new("id.cube"),
        )
        .unwrap();
        assert_eq!(lut, wisp::lut::Lut3d::identity(n));
    }
}

#[test]
fn malformed_files_name_the_line() {
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
            "more than 8 entries",
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
            format!("LUT_3D_SIZE 2\n0 0\n{body}"),
            2,
            "expected 3 numbers",
        ),
        (
            format!("0 0 0\nLUT_3D_SIZE 2\n{body}"),
            1,
            "before LUT_3D_SIZE",
        ),
        (format!("LUT_3D_SIZE 1\n{body}"), 1, "out of range"),
        (format!("LUT_3D_SIZE 257\n{body}"), 1, "out of range"),
        (
            format!("LUT_3D_SIZE 2\nLUT_3D_SIZE 2\n{body}"),
            2,
            "duplicate",
        ),
        (
            format!("LUT_3D_SIZE 2\nDOMAIN_MIN 1 0 0\n{body}"),
            10,
            "DOMAIN_MIN must be below",
        ),
        (
            format!("LUT_3D_SIZE 2\nFROBNICATE 3\n{body}"),
            2,
            "unknown keyword",
        ),
        ("# nothing\n".to_string(), 1, "no LUT_3D_SIZE"),
    ];
    for (text, line, reason) in cases {
        let (got_line, got_reason) = error_line(&text);
        assert_eq!(got_line, line, "{reason}: wrong line ({got_reason})");
        assert!(
            got_reason.contains(reason),
            "expected `{reason}`, got `{got_reason}`"
        );
    }
    let err = parse("LUT_3D_SIZE x\n", Path::new("dir/look.cube")).unwrap_err();
    assert!(err.to_string().starts_with("dir/look.cube:1: "), "{err}");
}
