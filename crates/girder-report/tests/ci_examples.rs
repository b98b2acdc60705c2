//! The CI recipes in `examples/ci/` parse as YAML, and every `girder show`, `plan` and `drift`
//! command they run uses only flags the report options support, with values
//! [`MarkdownOptions::from_flags`] accepts.

use girder_report::{drift, mr};
use std::path::{Path, PathBuf};
use yaml_rust2::{Yaml, YamlLoader};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn recipe_files() -> Vec<PathBuf> {
    let mut v = vec![root().join("examples/ci/gitlab/.gitlab-ci.yml")];
    let gh = root().join("examples/ci/github/workflows");
    let mut wf: Vec<PathBuf> = std::fs::read_dir(gh)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml" || e == "yaml"))
        .collect();
    wf.sort();
    assert!(wf.len() >= 3, "GitHub workflows missing: {wf:?}");
    v.extend(wf);
    v
}

/// Every string under a `script`, `before_script` or `run` key.
fn shell_strings(y: &Yaml, under_shell_key: bool, out: &mut Vec<String>) {
    match y {
        Yaml::String(s) if under_shell_key => out.push(s.clone()),
        Yaml::Array(a) => a
            .iter()
            .for_each(|e| shell_strings(e, under_shell_key, out)),
        Yaml::Hash(h) => {
            for (k, v) in h {
                let key = k.as_str().unwrap_or("");
                let shell = matches!(key, "script" | "before_script" | "after_script" | "run");
                shell_strings(v, shell, out);
            }
        }
        _ => {}
    }
}

/// One `girder` invocation: global flags, subcommand, its arguments (up to a redirection or
/// the end of the shell command).
#[derive(Debug)]
struct Invocation {
    sub: String,
    args: Vec<String>,
    line: String,
}

fn invocations(script: &str) -> Vec<Invocation> {
    let mut out = Vec::new();
    for line in script.lines() {
        for seg in line.split([';', '|', '&']) {
            let toks: Vec<&str> = seg.split_whitespace().collect();
            let Some(start) = toks.iter().position(|t| *t == "girder") else {
                continue;
            };
            let mut rest = toks[start + 1..].iter();
            let mut sub = String::new();
            for t in rest.by_ref() {
                if !t.starts_with('-') {
                    sub = t.to_string();
                    break;
                }
            }
            let args: Vec<String> = rest
                .take_while(|t| !t.starts_with('>') && !t.starts_with("2>"))
                .map(|t| t.to_string())
                .collect();
            out.push(Invocation {
                sub,
                args,
                line: line.trim().to_string(),
            });
        }
    }
    out
}

fn flag(arg: &str) -> (&str, Option<&str>) {
    match arg.split_once('=') {
        Some((k, v)) => (k, Some(v)),
        None => (arg, None),
    }
}

#[test]
fn ci_recipes_parse_and_use_supported_flags() {
    let mut seen_show_md_max = false;
    let mut seen_drift_md = false;
    let mut seen_drift_json = false;
    for file in recipe_files() {
        let src = std::fs::read_to_string(&file).unwrap();
        let docs = YamlLoader::load_from_str(&src)
            .unwrap_or_else(|e| panic!("{}: not YAML: {e}", file.display()));
        assert_eq!(docs.len(), 1, "{}", file.display());
        let doc = &docs[0];
        assert!(doc.as_hash().is_some(), "{}: not a mapping", file.display());
        let mut scripts = Vec::new();
        shell_strings(doc, false, &mut scripts);
        assert!(!scripts.is_empty(), "{}: no scripts", file.display());
        for inv in scripts.iter().flat_map(|s| invocations(s)) {
            let ctx = format!("{}: `{}`", file.display(), inv.line);
            let flags: Vec<(&str, Option<&str>)> = inv
                .args
                .iter()
                .filter(|a| a.starts_with('-'))
                .map(|a| flag(a))
                .collect();
            let get = |name: &str| flags.iter().find(|(k, _)| *k == name).and_then(|(_, v)| *v);
            match inv.sub.as_str() {
                "show" | "plan" if get("-format") == Some("markdown") => {
                    for (k, _) in &flags {
                        let report_flag = mr::MARKDOWN_FLAGS.contains(k);
                        let other_ok = inv.sub == "plan" || *k == "-no-color";
                        assert!(
                            report_flag || other_ok,
                            "{ctx}: {k} is not a markdown option"
                        );
                    }
                    let opts = mr::MarkdownOptions::from_flags(get("-max-size"), get("-split"))
                        .unwrap_or_else(|d| panic!("{ctx}: {d}"));
                    if let Some(m) = get("-max-size") {
                        assert_eq!(opts.max_chars.to_string(), m);
                        // A GitHub comment must stay under GitHub's cap.
                        if file.to_string_lossy().contains("github") {
                            assert!(opts.max_chars <= mr::GITHUB_MAX_CHARS, "{ctx}");
                        } else {
                            assert!(opts.max_chars <= mr::GITLAB_MAX_CHARS, "{ctx}");
                        }
                        seen_show_md_max |= inv.sub == "show";
                    }
                    // Output posted as one comment must be one document.
                    assert_eq!(opts.split, mr::SplitMode::Truncate, "{ctx}");
                }
                "show" => {
                    for (k, v) in &flags {
                        assert!(
                            *k == "-json"
                                || *k == "-no-color"
                                || (*k == "-format" && *v == Some("json")),
                            "{ctx}: unexpected {k}"
                        );
                    }
                }
                "drift" => {
                    for (k, v) in &flags {
                        assert!(
                            drift::CLI_FLAGS.contains(k),
                            "{ctx}: {k} is not a drift flag"
                        );
                        if *k == "-format" {
                            assert!(matches!(*v, Some("markdown" | "json")), "{ctx}");
                        }
                    }
                    if let Some(m) = get("-max-size") {
                        assert!(m.parse::<usize>().is_ok(), "{ctx}");
                    }
                    seen_drift_md |= get("-format") == Some("markdown");
                    seen_drift_json |= flags.iter().any(|(k, _)| *k == "-json");
                }
                _ => {}
            }
        }
    }
    assert!(
        seen_show_md_max,
        "no recipe runs `show -format=markdown -max-size=N`"
    );
    assert!(seen_drift_md, "no recipe runs `drift -format=markdown`");
    assert!(seen_drift_json, "no recipe runs `drift -json`");
}

#[test]
fn from_flags_rejects_bad_values() {
    assert!(mr::MarkdownOptions::from_flags(Some("abc"), None).is_err());
    assert!(mr::MarkdownOptions::from_flags(Some("0"), None).is_err());
    assert!(mr::MarkdownOptions::from_flags(None, Some("halves")).is_err());
    let o = mr::MarkdownOptions::from_flags(Some("1000000"), Some("parts")).unwrap();
    assert_eq!(o.max_chars, 1_000_000);
    assert_eq!(o.split, mr::SplitMode::Parts);
    assert_eq!(
        mr::MarkdownOptions::from_flags(None, None).unwrap().split,
        mr::SplitMode::Truncate
    );
}

#[test]
fn invocation_extraction() {
    let inv =
        invocations("set +e; girder -chdir=$D drift -format=markdown > drift.md; code=$?; set -e");
    assert_eq!(inv.len(), 1);
    assert_eq!(inv[0].sub, "drift");
    assert_eq!(inv[0].args, vec!["-format=markdown"]);
}
