//! Differential test against `terraform console` 1.0.3.
//!
//! Every `tests/fixtures/console/*.exprs` file (one expression per line; blank lines and lines
//! starting with `#` are ignored) is evaluated with girder's console and compared with the
//! matching `.expected` file, recorded from the real Terraform by `tests/tools/console-record
//! NAME` (see that script for the format). Values must match byte for byte; for errors the
//! summaries must match and the details must match with runs of whitespace collapsed
//! (Terraform word-wraps them at 78 columns).
//!
//! `tests/fixtures/console/known_differences.txt` lists expressions (one per line, exactly as
//! in the corpus) that are known not to match yet; they are reported, not failed. An entry that
//! matches now is reported too (remove it from the list); it does not fail the test, so work
//! landing elsewhere (functions, conversions) never turns this test red.

use girder_lang::console::{empty_context, eval_line};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/console")
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Parses an `.expected` file into (expression, output) records.
fn parse_expected(text: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, Vec<&str>)> = Vec::new();
    for line in text.strip_suffix('\n').unwrap_or(text).split('\n') {
        if let Some(e) = line.strip_prefix("== ") {
            out.push((e.to_string(), Vec::new()));
        } else if let Some((_, body)) = out.last_mut() {
            body.push(line);
        }
    }
    out.into_iter().map(|(e, b)| (e, b.join("\n"))).collect()
}

/// Normalizes an output for comparison: values verbatim; error blocks as
/// "Error: summary\n<collapsed detail>".
fn normalize(out: &str) -> String {
    if !out.starts_with("Error: ") {
        return out.to_string();
    }
    let mut blocks: Vec<(String, String)> = Vec::new();
    for line in out.split('\n') {
        if let Some(s) = line.strip_prefix("Error: ") {
            blocks.push((s.to_string(), String::new()));
        } else if let Some((_, d)) = blocks.last_mut() {
            d.push('\n');
            d.push_str(line);
        }
    }
    blocks
        .into_iter()
        .map(|(s, d)| format!("Error: {s}\n{}", collapse(&d)))
        .collect::<Vec<_>>()
        .join("\n")
}

fn girder_output(expr: &str, ctx: &girder_lang::eval::EvalContext) -> String {
    match eval_line(expr, ctx) {
        Ok(s) => s,
        Err(diags) => diags
            .iter()
            .filter(|d| d.is_error())
            .map(|d| format!("Error: {}\n{}", d.summary, d.detail))
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

#[test]
fn console_matches_terraform() {
    let dir = fixtures();
    let known: HashSet<String> = std::fs::read_to_string(dir.join("known_differences.txt"))
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect();
    let cwd = tempdir_path();
    let ctx = empty_context(&cwd);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "exprs"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no corpus files in {}", dir.display());
    let mut failures = Vec::new();
    let mut known_hit = Vec::new();
    let mut total = 0;
    for f in &files {
        let exprs: Vec<String> = std::fs::read_to_string(f)
            .unwrap()
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
            .map(str::to_string)
            .collect();
        let exp_path = f.with_extension("expected");
        let expected = std::fs::read_to_string(&exp_path).unwrap_or_else(|_| {
            panic!(
                "{} has no recording; run tests/tools/console-record {}",
                f.display(),
                f.file_stem().unwrap().to_string_lossy()
            )
        });
        let recs = parse_expected(&expected);
        assert_eq!(
            recs.iter().map(|r| r.0.clone()).collect::<Vec<_>>(),
            exprs,
            "{} is out of date with {}; re-record it",
            exp_path.display(),
            f.display()
        );
        for (expr, want) in recs {
            total += 1;
            let got = girder_output(&expr, &ctx);
            let ok = normalize(&got) == normalize(&want);
            if known.contains(&expr) {
                if ok {
                    eprintln!("known_differences.txt lists `{expr}`, which matches now: remove it");
                } else {
                    known_hit.push(expr);
                }
                continue;
            }
            if !ok {
                failures.push(format!(
                    "{}: {expr}\n--- terraform\n{want}\n--- girder\n{got}\n",
                    f.file_name().unwrap().to_string_lossy()
                ));
            }
        }
    }
    if !known_hit.is_empty() {
        eprintln!(
            "{} known differences (known_differences.txt):\n  {}",
            known_hit.len(),
            known_hit.join("\n  ")
        );
    }
    assert!(
        failures.is_empty(),
        "{} of {total} console expressions differ from Terraform 1.0.3:\n\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// A directory that stands for the console's working directory (`path.cwd`).
fn tempdir_path() -> PathBuf {
    std::env::temp_dir()
}
