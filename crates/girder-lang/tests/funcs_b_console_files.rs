//! The filesystem functions through girder's console, compared with Terraform 1.0.3's
//! `terraform console`, over the fixture tree `tests/fixtures/console/files/t/` (the shared
//! console differential runs in an empty directory, so it cannot cover them).
//!
//! `tests/fixtures/console/files/funcs_b_files.exprs` holds one expression per line;
//! `funcs_b_files.expected` holds Terraform's outputs in `tests/tools/console-record`'s
//! format. Both sides run with a fresh copy of `t/` (directories mode 755) in an otherwise
//! empty working directory. To re-record: `FUNCS_B_RECORD=1 cargo test -p girder-lang --test
//! funcs_b_console_files` with Terraform at `$TERRAFORM_BIN` or `<workspace>/target/tools/
//! terraform` (tests/tools/install-terraform).

use girder_lang::console::{empty_context, eval_line};
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/console/files")
}

/// A fresh working directory holding a copy of the tree as `t/`.
fn workdir() -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let root = std::env::temp_dir().join(format!(
        "girder-funcs-b-console-{}-{}",
        std::process::id(),
        N.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&root);
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        std::fs::set_permissions(to, std::fs::Permissions::from_mode(0o755)).unwrap();
        for e in std::fs::read_dir(from).unwrap() {
            let e = e.unwrap();
            let dst = to.join(e.file_name());
            if e.file_type().unwrap().is_dir() {
                copy(&e.path(), &dst);
            } else {
                std::fs::copy(e.path(), &dst).unwrap();
                std::fs::set_permissions(&dst, std::fs::Permissions::from_mode(0o644)).unwrap();
            }
        }
    }
    copy(&fixtures().join("t"), &root.join("t"));
    root
}

fn exprs() -> Vec<String> {
    std::fs::read_to_string(fixtures().join("funcs_b_files.exprs"))
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(str::to_string)
        .collect()
}

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

/// Values verbatim; errors as "Error: summary" plus the detail with whitespace collapsed.
fn normalize(out: &str) -> String {
    if !out.starts_with("Error: ") {
        return out.to_string();
    }
    let mut blocks: Vec<(String, String)> = Vec::new();
    for line in out.split('\n') {
        if let Some(s) = line.strip_prefix("Error: ") {
            blocks.push((s.to_string(), String::new()));
        } else if let Some((_, d)) = blocks.last_mut() {
            d.push(' ');
            d.push_str(line);
        }
    }
    blocks
        .into_iter()
        .map(|(s, d)| {
            format!(
                "Error: {s}\n{}",
                d.split_whitespace().collect::<Vec<_>>().join(" ")
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn terraform_bin() -> Option<PathBuf> {
    if let Ok(b) = std::env::var("TERRAFORM_BIN") {
        return Some(PathBuf::from(b));
    }
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/tools/terraform");
    p.exists().then_some(p)
}

/// Terraform's output for one expression, in console-record's format.
fn terraform_output(tf: &Path, expr: &str) -> String {
    use std::io::Write as _;
    let dir = workdir();
    let mut child = std::process::Command::new(tf)
        .args(["console", "-no-color"])
        .current_dir(&dir)
        .env("TF_IN_AUTOMATION", "1")
        .env("CHECKPOINT_DISABLE", "1")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{expr}\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let mut errs: Vec<(String, Vec<String>)> = Vec::new();
    let mut cur: Option<(String, Vec<String>)> = None;
    for line in stderr.split('\n') {
        if let Some(s) = line.strip_prefix("Error: ") {
            errs.extend(cur.take());
            cur = Some((s.to_string(), Vec::new()));
        } else if line.starts_with("Warning: ") {
            errs.extend(cur.take());
        } else if let Some((_, body)) = cur.as_mut() {
            body.push(line.to_string());
        }
    }
    errs.extend(cur);
    if !errs.is_empty() {
        return errs
            .into_iter()
            .map(|(s, mut body)| {
                // Drop the location block ("  on <console-input> line 1:" and its source).
                while body.first().is_some_and(|l| l.is_empty()) {
                    body.remove(0);
                }
                if body.first().is_some_and(|l| l.starts_with("  on ")) {
                    while body.first().is_some_and(|l| !l.is_empty()) {
                        body.remove(0);
                    }
                }
                while body.first().is_some_and(|l| l.is_empty()) {
                    body.remove(0);
                }
                while body.last().is_some_and(|l| l.is_empty()) {
                    body.pop();
                }
                if body.is_empty() {
                    format!("Error: {s}")
                } else {
                    format!("Error: {s}\n{}", body.join("\n"))
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
    }
    let s = String::from_utf8_lossy(&out.stdout).into_owned();
    s.strip_suffix('\n').unwrap_or(&s).to_string()
}

#[test]
fn file_functions_match_terraform_console() {
    let exp_path = fixtures().join("funcs_b_files.expected");
    if std::env::var_os("FUNCS_B_RECORD").is_some() {
        let tf = terraform_bin().expect("FUNCS_B_RECORD needs terraform");
        let recs: Vec<String> = exprs()
            .iter()
            .map(|e| format!("== {e}\n{}", terraform_output(&tf, e)))
            .collect();
        std::fs::write(&exp_path, recs.join("\n") + "\n").unwrap();
    }
    let expected = parse_expected(&std::fs::read_to_string(&exp_path).unwrap());
    assert_eq!(
        expected.iter().map(|r| r.0.clone()).collect::<Vec<_>>(),
        exprs(),
        "funcs_b_files.expected is out of date; re-record it (FUNCS_B_RECORD=1)"
    );
    let dir = workdir();
    let ctx = empty_context(&dir);
    let mut failures = Vec::new();
    for (expr, want) in &expected {
        let got = match eval_line(expr, &ctx) {
            Ok(s) => s,
            Err(diags) => diags
                .iter()
                .filter(|d| d.is_error())
                .map(|d| format!("Error: {}\n{}", d.summary, d.detail))
                .collect::<Vec<_>>()
                .join("\n"),
        };
        if normalize(&got) != normalize(want) {
            failures.push(format!(
                "{expr}\n--- terraform\n{want}\n--- girder\n{got}\n"
            ));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        failures.is_empty(),
        "{} of {} expressions differ from Terraform 1.0.3:\n\n{}",
        failures.len(),
        expected.len(),
        failures.join("\n")
    );
}
