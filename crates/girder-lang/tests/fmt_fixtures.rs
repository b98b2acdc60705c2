//! Data-driven tests of `girder fmt` against outputs recorded with the real `terraform fmt`
//! (1.0.3) by `tests/fixtures/fmt/record.sh`:
//!
//! * every `tests/fixtures/fmt/<case>.tf` must format to `<case>.out.tf` byte for byte;
//! * every seed configuration `tests/fixtures/seed-configs/<dir>/<file>.tf` must format to
//!   `tests/fixtures/fmt/seeds/<dir>/<file>.out.tf`;
//! * every expected output is a fixed point (formatting it again changes nothing).
//!
//! Adding a case is adding a `.tf` file and running `record.sh`.

use girder_lang::fmt::{format_source, is_formatted};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// (input, expected output) pairs of all fixtures.
fn cases() -> Vec<(PathBuf, PathBuf)> {
    let mut v = Vec::new();
    let dir = root().join("tests/fixtures/fmt");
    for sub in [dir.clone(), dir.join("edge")] {
        for e in std::fs::read_dir(&sub).expect("fixture dir") {
            let p = e.expect("entry").path();
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            if name.ends_with(".tf") && !name.ends_with(".out.tf") {
                let out = sub.join(format!("{}.out.tf", name.trim_end_matches(".tf")));
                v.push((p, out));
            }
        }
    }
    let seeds = root().join("tests/fixtures/seed-configs");
    for d in std::fs::read_dir(&seeds).expect("seed dir") {
        let d = d.expect("entry").path();
        if !d.is_dir() {
            continue;
        }
        let dname = d.file_name().unwrap().to_string_lossy().to_string();
        for f in std::fs::read_dir(&d).expect("seed config dir") {
            let f = f.expect("entry").path();
            let fname = f.file_name().unwrap().to_string_lossy().to_string();
            if let Some(base) = fname.strip_suffix(".tf") {
                let out = dir
                    .join("seeds")
                    .join(&dname)
                    .join(format!("{base}.out.tf"));
                v.push((f, out));
            }
        }
    }
    v.sort();
    v
}

fn show_diff(expected: &str, actual: &str) -> String {
    let mut out = String::from("--- expected (terraform fmt)\n+++ actual (girder)\n");
    let al: Vec<&str> = expected.split_inclusive('\n').collect();
    let bl: Vec<&str> = actual.split_inclusive('\n').collect();
    for i in 0..al.len().max(bl.len()) {
        let x = al.get(i).copied().unwrap_or("<none>");
        let y = bl.get(i).copied().unwrap_or("<none>");
        if x != y {
            out.push_str(&format!("line {}:\n-{x:?}\n+{y:?}\n", i + 1));
        }
    }
    out
}

#[test]
fn fmt_fixtures_match_terraform() {
    let cases = cases();
    assert!(
        cases.len() >= 100,
        "expected the fixture cases, found {}",
        cases.len()
    );
    let mut failures = Vec::new();
    for (input, expected) in &cases {
        let src = std::fs::read_to_string(input).expect("read input");
        let want = std::fs::read_to_string(expected).unwrap_or_else(|_| {
            panic!(
                "missing {} (run tests/fixtures/fmt/record.sh)",
                expected.display()
            )
        });
        let name = input.file_name().unwrap().to_string_lossy().to_string();
        match format_source(&src, &name) {
            Ok(got) if got == want => {}
            Ok(got) => failures.push(format!("{}:\n{}", input.display(), show_diff(&want, &got))),
            Err(d) => failures.push(format!("{}: unexpected error {d:?}", input.display())),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn fmt_expected_outputs_are_fixed_points() {
    for (input, expected) in cases() {
        // Terraform unwraps one level of `"${...}"` per run, so its own output for nested
        // interpolation-only templates is not a fixed point; we match it there.
        if input.to_string_lossy().contains("unwrap_nested") {
            continue;
        }
        let want = std::fs::read_to_string(&expected).expect("read expected");
        assert!(
            is_formatted(&want, "x.tf").expect("expected output parses"),
            "{} is not a fixed point",
            expected.display()
        );
    }
}

#[test]
fn fmt_syntax_errors_give_located_diagnostics() {
    for (src, line) in [
        ("a = \n", 2),
        ("resource \"x\" \"y\" {\n  a = 1\n", 3),
        ("a = 1\nb = [1,\n", 3),
        ("f = a ...\n", 1),
        ("a = \"unterminated\n", 2),
    ] {
        let d = format_source(src, "bad.tf").expect_err(src);
        let span = d.span.expect("diagnostic has a location");
        assert_eq!(span.filename.as_ref(), "bad.tf");
        assert!(
            span.start.line >= 1 && span.start.line <= line,
            "{src:?}: line {}",
            span.start.line
        );
        assert!(!d.summary.is_empty());
    }
}

#[test]
fn fmt_invalid_fixtures_are_rejected_with_a_location() {
    let dir = root().join("tests/fixtures/fmt/invalid");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).expect("invalid dir") {
        let p = e.expect("entry").path();
        let src = std::fs::read_to_string(&p).expect("read");
        let d = format_source(&src, "bad.tf")
            .expect_err(&format!("{} must be rejected:\n{src}", p.display()));
        let span = d.span.expect("a location");
        assert_eq!(span.filename.as_ref(), "bad.tf");
        assert!(span.start.byte <= src.len());
        n += 1;
    }
    assert!(n >= 20, "only {n} invalid cases");
}
