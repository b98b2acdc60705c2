//! Data-driven tests of configuration loading and validation:
//!
//! * `tests/fixtures/valid/<case>/`: loads and validates with no diagnostics; the snapshot is a
//!   summary of the model;
//! * `tests/fixtures/invalid/<case>/`: the snapshot is every diagnostic of load + validate
//!   (file:line:col, summary, detail, help and the source line); a case may hold a
//!   `girder-inputs.json` (`{"vars": ["k=v"], "var_files": [..], "env": {..}}`) to also collect
//!   input variables and evaluate the root module;
//! * `tests/fixtures/seed-configs/<name>/`: the diagnostics of the seed configurations.
//!
//! Adding a case is adding a directory and accepting its snapshot (`cargo insta review`).

use girder_core::{Diagnostics, Severity, Value};
use girder_lang::config::evaluate::RootValues;
use girder_lang::config::{self, Config, IgnoreChanges, ModuleSource};
use girder_lang::inputs::{collect_inputs, InputOptions, VarArg};
use std::fmt::Write;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn cases(kind: &str) -> Vec<(String, PathBuf)> {
    let dir = root().join("tests/fixtures").join(kind);
    let mut v: Vec<(String, PathBuf)> = std::fs::read_dir(&dir)
        .expect("fixture dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir())
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), p))
        .collect();
    v.sort();
    v
}

/// Renders diagnostics as a user would read them, with the source line of each span.
fn render(dir: &Path, diags: &Diagnostics) -> String {
    let mut diags = diags.clone();
    diags.sort();
    let mut out = String::new();
    for d in diags.iter() {
        let sev = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        match &d.span {
            Some(s) => {
                let _ = writeln!(
                    out,
                    "{sev}: {}:{}:{}-{}:{}: {}",
                    s.filename, s.start.line, s.start.column, s.end.line, s.end.column, d.summary
                );
            }
            None => {
                let _ = writeln!(out, "{sev}: {}", d.summary);
            }
        }
        for l in d.detail.lines() {
            let _ = writeln!(out, "  | {l}");
        }
        if let Some(h) = &d.help {
            let _ = writeln!(out, "  help: {h}");
        }
        for (label, s) in &d.related {
            let _ = writeln!(
                out,
                "  related: {label}: {}:{}:{}",
                s.filename, s.start.line, s.start.column
            );
        }
        if let Some(s) = &d.span {
            if !s.filename.ends_with(".json") && !s.filename.starts_with('<') {
                if let Ok(text) = std::fs::read_to_string(dir.join(&*s.filename)) {
                    if let Some(line) = text.lines().nth(s.start.line - 1) {
                        let _ = writeln!(out, "  {:>3} | {line}", s.start.line);
                    }
                }
            }
        }
    }
    out
}

fn summary(cfg: &Config, out: &mut String) {
    let m = &cfg.module;
    let indent = "  ".repeat(cfg.path.len());
    let _ = writeln!(out, "{indent}module {}:", cfg.display_path());
    let files: Vec<&str> = m.files.iter().map(|f| &*f.name).collect();
    let _ = writeln!(out, "{indent}  files: {}", files.join(", "));
    let t = &m.terraform;
    for (v, _) in &t.required_version {
        let _ = writeln!(out, "{indent}  required_version {v}");
    }
    for (n, r) in &t.required_providers {
        let _ = writeln!(
            out,
            "{indent}  required_provider {n} source={:?} version={:?}",
            r.source, r.version
        );
    }
    if let Some(b) = &t.backend {
        let cfgs: Vec<String> = b
            .config
            .iter()
            .map(|(k, v)| format!("{k}={:?}", v.to_json().unwrap_or_default().to_string()))
            .collect();
        let _ = writeln!(
            out,
            "{indent}  backend {} {{{}}}",
            b.type_name,
            cfgs.join(", ")
        );
    }
    for p in &m.providers {
        let attrs: Vec<&str> = p.body.attrs.iter().map(|a| a.name.as_str()).collect();
        let blocks: Vec<&str> = p.body.blocks.iter().map(|b| b.type_name.as_str()).collect();
        let _ = writeln!(
            out,
            "{indent}  provider {} alias={:?} attrs=[{}] blocks=[{}]",
            p.name,
            p.alias,
            attrs.join(","),
            blocks.join(",")
        );
    }
    for v in &m.variables {
        let def = v
            .default
            .as_ref()
            .and_then(|d| d.literal.as_ref())
            .map(|l| l.to_json().map(|j| j.to_string()).unwrap_or_default());
        let _ = writeln!(
            out,
            "{indent}  variable {} type={} default={:?} sensitive={} nullable={} validations={} at {}",
            v.name, v.ty, def, v.sensitive, v.nullable, v.validations.len(), v.span
        );
    }
    for l in &m.locals {
        let _ = writeln!(out, "{indent}  local {} at {}", l.name, l.span);
    }
    for o in &m.outputs {
        let _ = writeln!(
            out,
            "{indent}  output {} sensitive={} description={:?} at {}",
            o.name, o.sensitive, o.description, o.span
        );
    }
    for r in &m.resources {
        let lc = &r.lifecycle;
        let ign = match &lc.ignore_changes {
            IgnoreChanges::None => "-".to_string(),
            IgnoreChanges::All => "all".to_string(),
            IgnoreChanges::Paths(p) => p
                .iter()
                .map(|(s, _)| s.as_str())
                .collect::<Vec<_>>()
                .join(","),
        };
        let attrs: Vec<&str> = r.body.attrs.iter().map(|a| a.name.as_str()).collect();
        let blocks: Vec<String> = r
            .body
            .blocks
            .iter()
            .map(|b| match &b.dynamic {
                Some(d) => format!("dynamic {} (iterator {})", b.type_name, d.iterator),
                None => b.type_name.clone(),
            })
            .collect();
        let _ = writeln!(
            out,
            "{indent}  {} count={} for_each={} provider={} depends_on={} cbd={:?} prevent_destroy={:?} ignore_changes={} replace_triggered_by={} post={} timeouts={} attrs=[{}] blocks=[{}] at {}",
            r.address(),
            r.count.is_some(),
            r.for_each.is_some(),
            r.provider.as_ref().map(|p| p.to_string()).unwrap_or_default(),
            r.depends_on.len(),
            lc.create_before_destroy,
            lc.prevent_destroy,
            ign,
            lc.replace_triggered_by.len(),
            lc.postconditions.len(),
            r.timeouts.is_some(),
            attrs.join(","),
            blocks.join(", "),
            r.span
        );
    }
    for c in &m.module_calls {
        let kind = match &c.source_kind {
            ModuleSource::Local(_) => "local",
            ModuleSource::Registry(_) => "registry",
            ModuleSource::Remote(_) => "remote",
        };
        let inputs: Vec<&str> = c.inputs.iter().map(|a| a.name.as_str()).collect();
        let _ = writeln!(
            out,
            "{indent}  module {} source={:?} ({kind}) version={:?} count={} inputs=[{}]",
            c.name,
            c.source,
            c.version,
            c.count.is_some(),
            inputs.join(",")
        );
    }
    for mv in &m.moved {
        let _ = writeln!(out, "{indent}  moved at {}", mv.span);
    }
    for i in &m.imports {
        let _ = writeln!(out, "{indent}  import at {}", i.span);
    }
    for r in &m.removed {
        let _ = writeln!(
            out,
            "{indent}  removed destroy={:?} at {}",
            r.destroy, r.span
        );
    }
    for c in &m.checks {
        let _ = writeln!(
            out,
            "{indent}  check {} data={} asserts={}",
            c.name,
            c.data.len(),
            c.asserts.len()
        );
    }
    let calls: Vec<String> = m
        .calls
        .iter()
        .map(|c| format!("{}/{}", c.name, c.nargs))
        .collect();
    let _ = writeln!(out, "{indent}  calls: [{}]", calls.join(", "));
    for child in cfg.children.values() {
        summary(child, out);
    }
}

fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots"));
    s.set_prepend_module_to_snapshot(false);
    s.set_omit_expression(true);
    s
}

#[derive(serde::Deserialize, Default)]
struct InputsSpec {
    #[serde(default)]
    vars: Vec<String>,
    #[serde(default)]
    var_files: Vec<String>,
    #[serde(default)]
    env: std::collections::BTreeMap<String, String>,
}

/// Load + validate (+ inputs and evaluation when the case has a `girder-inputs.json`).
fn check_dir(dir: &Path) -> (Config, Diagnostics) {
    let (c, d, _) = check_dir_values(dir);
    (c, d)
}

/// A value for snapshots: sensitive values are shown as `(sensitive value)`, unknown as
/// `(known after apply)`.
fn show(v: &Value) -> String {
    if v.is_sensitive() {
        return "(sensitive value)".into();
    }
    if !v.is_known() {
        return "(known after apply)".into();
    }
    if let Some(items) = v.as_seq() {
        return format!(
            "[{}]",
            items.iter().map(show).collect::<Vec<_>>().join(", ")
        );
    }
    if let Some(m) = v.as_map() {
        return format!(
            "{{{}}}",
            m.iter()
                .map(|(k, x)| format!("{k} = {}", show(x)))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    v.to_json().map(|j| j.to_string()).unwrap_or_else(|e| e)
}

fn check_dir_values(dir: &Path) -> (Config, Diagnostics, Option<RootValues>) {
    let (cfg, mut diags) = config::load_config(dir);
    diags.extend(config::validate(&cfg));
    let spec = dir.join("girder-inputs.json");
    if spec.is_file() {
        let spec: InputsSpec =
            serde_json::from_str(&std::fs::read_to_string(&spec).unwrap()).expect("inputs spec");
        let mut args: Vec<VarArg> = spec.vars.into_iter().map(VarArg::Var).collect();
        args.extend(
            spec.var_files
                .into_iter()
                .map(|f| VarArg::VarFile(f.into())),
        );
        let opts = InputOptions {
            dir: dir.to_path_buf(),
            args,
            env: spec.env.into_iter().collect(),
            prompt: None,
        };
        let (values, d) = collect_inputs(&cfg.module, &opts);
        diags.extend(d);
        if !diags.has_errors() {
            let (vals, d) = config::evaluate::evaluate_root(&cfg, &values, "default", dir);
            diags.extend(d);
            return (cfg, diags, Some(vals));
        }
    }
    (cfg, diags, None)
}

#[test]
fn valid_fixtures_load_clean() {
    let cases = cases("valid");
    assert!(cases.len() >= 10, "at least 10 valid cases");
    let mut failures = vec![];
    for (name, dir) in &cases {
        let (cfg, diags, values) = check_dir_values(dir);
        if !diags.is_empty() {
            failures.push(format!("{name}:\n{}", render(dir, &diags)));
            continue;
        }
        let mut s = String::new();
        summary(&cfg, &mut s);
        if let Some(v) = values {
            for (k, x) in &v.variables {
                let _ = writeln!(s, "value var.{k} = {}", show(x));
            }
            for (k, x) in &v.locals {
                let _ = writeln!(s, "value local.{k} = {}", show(x));
            }
            for (k, x) in &v.outputs {
                let _ = writeln!(s, "value output.{k} = {}", show(x));
            }
        }
        settings().bind(|| insta::assert_snapshot!(format!("valid__{name}"), s));
    }
    assert!(
        failures.is_empty(),
        "valid fixtures with diagnostics:\n{}",
        failures.join("\n")
    );
}

#[test]
fn invalid_fixtures_report_errors() {
    let cases = cases("invalid");
    assert!(cases.len() >= 25, "at least 25 invalid cases");
    for (name, dir) in &cases {
        let (_, diags) = check_dir(dir);
        assert!(
            diags.has_errors() || !diags.is_empty(),
            "{name}: expected diagnostics"
        );
        for d in diags.iter() {
            assert!(d.help.is_some(), "{name}: diagnostic without help: {d}");
        }
        let text = render(dir, &diags);
        settings().bind(|| insta::assert_snapshot!(format!("invalid__{name}"), text));
    }
}

#[test]
fn seed_configs_diagnostics() {
    for (name, dir) in cases("seed-configs") {
        let (_, diags) = check_dir(&dir);
        for d in diags.iter() {
            assert!(d.span.is_some(), "{name}: diagnostic without a span: {d}");
        }
        let text = render(&dir, &diags);
        settings().bind(|| insta::assert_snapshot!(format!("seed__{name}"), text));
    }
}
