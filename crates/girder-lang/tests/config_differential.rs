//! Differential test of `validate` against the real Terraform 1.0.3 (`terraform validate
//! -json`) on every invalid fixture that needs no provider (Terraform cannot install providers
//! on these machines): the errors must agree on severity, summary, file, line and column, and on
//! the detail text. Intended differences are listed, with reasons, in
//! `tests/fixtures/invalid/terraform-differences.txt`.
//!
//! The binary is `$TERRAFORM_BIN`, else `<workspace>/target/tools/terraform`
//! (`tests/tools/install-terraform`); without it the test is skipped, unless `CI` is set.

use girder_core::Severity;
use girder_lang::config;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn terraform() -> Option<PathBuf> {
    let p = std::env::var_os("TERRAFORM_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target/tools/terraform"));
    p.is_file().then_some(p)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

fn needs_provider(dir: &Path) -> bool {
    std::fs::read_dir(dir).unwrap().any(|e| {
        let p = e.unwrap().path();
        if p.is_dir() {
            return needs_provider(&p);
        }
        let text = std::fs::read_to_string(&p).unwrap_or_default();
        text.lines().any(|l| {
            let t = l.trim_start();
            [
                "resource",
                "data",
                "module",
                "provider",
                "backend",
                "\"resource\"",
                "\"data\"",
            ]
            .iter()
            .any(|k| t.starts_with(k) && t[k.len()..].starts_with([' ', '"', ':']))
        })
    })
}

type Row = (String, String, String); // (case, "severity summary @ file:line:col", detail)

fn terraform_rows(tf: &Path, case: &str, dir: &Path) -> Vec<Row> {
    let work = std::env::temp_dir().join(format!("girder-tfdiff-{case}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    copy_dir(dir, &work);
    let run = |args: &[&str]| {
        Command::new(tf)
            .args(args)
            .current_dir(&work)
            .env("TF_IN_AUTOMATION", "1")
            .env("CHECKPOINT_DISABLE", "1")
            .output()
            .expect("run terraform")
    };
    let _ = run(&["init", "-backend=false", "-input=false", "-no-color"]);
    let out = run(&["validate", "-json", "-no-color"]);
    let _ = std::fs::remove_dir_all(&work);
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{case}: terraform validate output is not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    j["diagnostics"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|d| {
            let r = &d["range"];
            // the members of a cycle come in random order
            let mut summary = d["summary"].as_str().unwrap_or("").to_string();
            if let Some(members) = summary.strip_prefix("Cycle: ") {
                let mut m: Vec<&str> = members.split(", ").collect();
                m.sort_unstable();
                summary = format!("Cycle: {}", m.join(", "));
            }
            (
                case.to_string(),
                format!(
                    "{} {} @ {}:{}:{}",
                    d["severity"].as_str().unwrap_or(""),
                    summary,
                    r["filename"].as_str().unwrap_or(""),
                    r["start"]["line"],
                    r["start"]["column"]
                ),
                d["detail"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn girder_rows(case: &str, dir: &Path) -> Vec<Row> {
    let (cfg, mut d) = config::load_config(dir);
    d.extend(config::validate(&cfg));
    d.iter()
        .map(|d| {
            let sev = match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            };
            let at = d
                .span
                .as_ref()
                .map(|s| format!("{}:{}:{}", s.filename, s.start.line, s.start.column))
                .unwrap_or_else(|| ":null:null".into());
            (
                case.to_string(),
                format!("{sev} {} @ {at}", d.summary),
                d.detail.clone(),
            )
        })
        .collect()
}

#[test]
fn validate_agrees_with_terraform() {
    let Some(tf) = terraform() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "terraform binary missing in CI"
        );
        eprintln!("skipping: no terraform binary (run tests/tools/install-terraform)");
        return;
    };
    let known_text =
        std::fs::read_to_string(root().join("tests/fixtures/invalid/terraform-differences.txt"))
            .unwrap();
    let known: BTreeSet<String> = known_text
        .lines()
        .map(|l| l.split(" # ").next().unwrap_or("").trim().to_string())
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    let mut compared = 0;
    let mut problems = vec![];
    let mut used = BTreeSet::new();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root().join("tests/fixtures/invalid"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for dir in dirs {
        if needs_provider(&dir) || dir.join("girder-inputs.json").exists() {
            continue;
        }
        let case = dir.file_name().unwrap().to_string_lossy().into_owned();
        compared += 1;
        let theirs = terraform_rows(&tf, &case, &dir);
        let ours = girder_rows(&case, &dir);
        let key = |side: &str, r: &Row| format!("{}: {side} {}", r.0, r.1);
        for r in &theirs {
            match ours.iter().find(|o| o.1 == r.1) {
                Some(o) if o.2 == r.2 => {}
                Some(o) => {
                    let k = format!("{}: detail {}", r.0, r.1);
                    if known.contains(&k) {
                        used.insert(k);
                    } else {
                        problems.push(format!(
                            "{k}\n    terraform: {}\n    girder:    {}",
                            r.2, o.2
                        ));
                    }
                }
                None => {
                    let k = key("terraform-only", r);
                    if known.contains(&k) {
                        used.insert(k);
                    } else {
                        problems.push(format!("{k}\n    detail: {}", r.2));
                    }
                }
            }
        }
        for o in &ours {
            if !theirs.iter().any(|r| r.1 == o.1) {
                let k = key("girder-only", o);
                if known.contains(&k) {
                    used.insert(k);
                } else {
                    problems.push(format!("{k}\n    detail: {}", o.2));
                }
            }
        }
    }
    assert!(compared >= 15, "only {compared} fixtures compared");
    let stale: Vec<&String> = known.difference(&used).collect();
    assert!(
        problems.is_empty() && stale.is_empty(),
        "differences from terraform 1.0.3 validate:\n{}\nstale entries in terraform-differences.txt: {stale:#?}",
        problems.join("\n")
    );
}
