//! Data-driven drift fixtures: every directory under `tests/fixtures/drift/` is a case with
//! - `input.json`: `{workspace, generated_at, expect_exit, resources: [{address, type, state,
//!   refreshed (null when deleted), sensitive_paths?, set_paths?, ignore_changes? ([paths] or
//!   "all")}], unmanaged?: [{address, type}], pending?: [{address, action}]}`;
//! - `drift-ignore` (optional): a drift-ignore file (when there is no `input.json`, the case
//!   checks the file's parse errors);
//! - `secrets.txt` (optional): strings that must appear in no output;
//! - snapshots: `text.snap` (no colour), `markdown.snap`, `json.snap`.
//!
//! Every JSON output is validated against `docs/drift.schema.json`.

use girder_report::drift::{
    self, AttrPath, CompareInput, DriftReport, IgnoreChanges, IgnoreRules, TextOptions,
};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn cases() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/drift");
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    v.sort();
    v
}

fn paths(v: &Value) -> Vec<AttrPath> {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|p| AttrPath::parse(p.as_str().unwrap()).unwrap())
                .collect()
        })
        .unwrap_or_default()
}

fn build_report(input: &Value, rules: &IgnoreRules) -> DriftReport {
    let mut report = DriftReport::new(
        input["workspace"].as_str().unwrap(),
        input["generated_at"].as_str().unwrap(),
    );
    for r in input["resources"].as_array().unwrap() {
        let sensitive = paths(&r["sensitive_paths"]);
        let sets = paths(&r["set_paths"]);
        let ignore = match &r["ignore_changes"] {
            Value::String(s) if s == "all" => IgnoreChanges::All,
            Value::Array(_) => IgnoreChanges::Paths(paths(&r["ignore_changes"])),
            _ => IgnoreChanges::None,
        };
        let refreshed = match &r["refreshed"] {
            Value::Null => None,
            v => Some(v),
        };
        let c = drift::compare(
            &CompareInput {
                address: r["address"].as_str().unwrap(),
                type_name: r["type"].as_str().unwrap(),
                state_attrs: &r["state"],
                refreshed_attrs: refreshed,
                sensitive_paths: &sensitive,
                set_paths: &sets,
                ignore_changes: &ignore,
            },
            rules,
        );
        report.add(c);
    }
    for u in input["unmanaged"].as_array().into_iter().flatten() {
        report.add_unmanaged(
            u["address"].as_str().unwrap(),
            u["type"].as_str().unwrap(),
            rules,
        );
    }
    for p in input["pending"].as_array().into_iter().flatten() {
        report.add_pending(
            p["address"].as_str().unwrap(),
            p["action"].as_str().unwrap(),
        );
    }
    report.sort();
    report
}

// ---- a structural JSON Schema validator for the subset docs/drift.schema.json uses ----

const KEYWORDS: &[&str] = &[
    "$schema",
    "$id",
    "$defs",
    "$ref",
    "title",
    "description",
    "type",
    "required",
    "properties",
    "additionalProperties",
    "items",
    "enum",
    "minimum",
    "pattern",
];

/// Validates `v` against `schema`; `pattern` is checked by the caller (no regex engine here).
fn validate(root: &Value, schema: &Value, v: &Value, at: &str, errors: &mut Vec<String>) {
    let Some(s) = schema.as_object() else {
        return;
    };
    for k in s.keys() {
        assert!(
            KEYWORDS.contains(&k.as_str()),
            "schema keyword {k} at {at} is not understood by this validator"
        );
    }
    if let Some(r) = s.get("$ref").and_then(Value::as_str) {
        let name = r.strip_prefix("#/$defs/").expect("local $ref");
        let target = &root["$defs"][name];
        assert!(!target.is_null(), "dangling $ref {r}");
        validate(root, target, v, at, errors);
    }
    if let Some(t) = s.get("type").and_then(Value::as_str) {
        let ok = match t {
            "object" => v.is_object(),
            "array" => v.is_array(),
            "string" => v.is_string(),
            "boolean" => v.is_boolean(),
            "integer" => v.is_u64() || v.is_i64(),
            "number" => v.is_number(),
            "null" => v.is_null(),
            other => panic!("type {other}"),
        };
        if !ok {
            errors.push(format!("{at}: expected {t}, got {v}"));
            return;
        }
    }
    if let Some(e) = s.get("enum").and_then(Value::as_array) {
        if !e.contains(v) {
            errors.push(format!("{at}: {v} not in {e:?}"));
        }
    }
    if let Some(m) = s.get("minimum").and_then(Value::as_f64) {
        if v.as_f64().is_some_and(|x| x < m) {
            errors.push(format!("{at}: {v} < {m}"));
        }
    }
    if let Some(obj) = v.as_object() {
        for r in s
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let r = r.as_str().unwrap();
            if !obj.contains_key(r) {
                errors.push(format!("{at}: missing required {r}"));
            }
        }
        let props = s.get("properties").and_then(Value::as_object);
        for (k, child) in obj {
            match props.and_then(|p| p.get(k)) {
                Some(ps) => validate(root, ps, child, &format!("{at}.{k}"), errors),
                None => match s.get("additionalProperties") {
                    Some(Value::Bool(false)) => errors.push(format!("{at}: unexpected {k}")),
                    Some(a @ Value::Object(_)) => {
                        validate(root, a, child, &format!("{at}.{k}"), errors)
                    }
                    _ => {}
                },
            }
        }
    }
    if let (Some(items), Some(arr)) = (s.get("items"), v.as_array()) {
        for (i, e) in arr.iter().enumerate() {
            validate(root, items, e, &format!("{at}[{i}]"), errors);
        }
    }
}

fn schema() -> Value {
    let src = std::fs::read_to_string(root().join("docs/drift.schema.json")).unwrap();
    serde_json::from_str(&src).unwrap()
}

/// Schema validation plus the rules the schema cannot say in the subset used.
fn assert_valid(json: &Value, what: &str) {
    let schema = schema();
    let mut errors = Vec::new();
    validate(&schema, &schema, json, "$", &mut errors);
    assert!(errors.is_empty(), "{what}: {errors:#?}");
    let version = json["version"].as_str().unwrap();
    let (major, minor) = version.split_once('.').unwrap();
    assert_eq!(major, "1", "{what}");
    assert!(minor.parse::<u32>().is_ok(), "{what}");
    for r in json["resources"].as_array().unwrap() {
        for c in r["changes"].as_array().unwrap() {
            if c["sensitive"] == true {
                assert!(
                    c.get("before").is_none() && c.get("after").is_none(),
                    "{what}: {c}"
                );
            }
        }
        if r["kind"] != "changed" {
            assert!(r["changes"].as_array().unwrap().is_empty(), "{what}");
        }
    }
    assert_eq!(
        json["drift"],
        !json["resources"].as_array().unwrap().is_empty()
    );
}

fn check_case(dir: &Path) {
    let name = dir.file_name().unwrap().to_string_lossy().to_string();
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(dir);
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    let ignore_src = std::fs::read_to_string(dir.join("drift-ignore")).ok();
    let input = std::fs::read_to_string(dir.join("input.json")).ok();
    let Some(input) = input else {
        // A parse-error case: every error with FILE:LINE:COL.
        let src = ignore_src.expect("drift-ignore");
        let errs = IgnoreRules::parse(".girder-drift-ignore", &src).unwrap_err();
        let text: Vec<String> = errs
            .iter()
            .map(|d| {
                format!(
                    "{}: {}\n  detail: {}\n  help: {}",
                    d.span.as_ref().unwrap(),
                    d.summary,
                    d.detail,
                    d.help.clone().unwrap_or_default()
                )
            })
            .collect();
        settings.bind(|| insta::assert_snapshot!("errors", text.join("\n")));
        return;
    };
    let input: Value = serde_json::from_str(&input).unwrap();
    let rules = match &ignore_src {
        Some(src) => IgnoreRules::parse(".girder-drift-ignore", src)
            .unwrap_or_else(|e| panic!("{name}: {e:?}")),
        None => IgnoreRules::default(),
    };
    let report = build_report(&input, &rules);
    assert_eq!(
        i64::from(report.exit_code()),
        input["expect_exit"].as_i64().unwrap(),
        "{name}: exit code"
    );
    let text = drift::render_text(&report, &TextOptions { no_color: true });
    let colored = drift::render_text(&report, &TextOptions { no_color: false });
    assert!(!text.contains('\x1b'), "{name}: colour with no_color");
    assert!(
        colored.contains('\x1b') || !report.has_drift(),
        "{name}: no colour"
    );
    let md = drift::render_markdown(&report, &Default::default());
    let json = drift::render_json(&report);
    assert_valid(&json, &name);
    if let Ok(secrets) = std::fs::read_to_string(dir.join("secrets.txt")) {
        let json_text = json.to_string();
        for s in secrets.lines().filter(|l| !l.is_empty()) {
            for (what, out) in [("text", &text), ("markdown", &md), ("json", &json_text)] {
                assert!(!out.contains(s), "{name}: secret {s:?} in {what}");
            }
        }
    }
    settings.bind(|| {
        insta::assert_snapshot!("text", text);
        insta::assert_snapshot!("markdown", md);
        insta::assert_snapshot!("json", serde_json::to_string_pretty(&json).unwrap());
    });
}

#[test]
fn drift_fixtures() {
    let cases = cases();
    assert!(cases.len() >= 9, "{cases:?}");
    for dir in cases {
        check_case(&dir);
    }
}

#[test]
fn schema_validator_rejects_bad_documents() {
    let schema = schema();
    let mut errors = Vec::new();
    let bad = serde_json::json!({
        "version": "1.0", "generated_at": "x", "workspace": "w", "drift": "yes",
        "summary": {"changed": -1, "deleted": 0, "unmanaged": 0},
        "resources": [{"address": "a", "type": "t", "kind": "exploded", "changes": [{"path": "p"}]}],
        "ignored": []
    });
    validate(&schema, &schema, &bad, "$", &mut errors);
    let all = errors.join("\n");
    for want in [
        "$.drift: expected boolean",
        "missing required ignored",
        "$.summary.changed: -1 < 0",
        "\"exploded\" not in",
        "missing required action",
    ] {
        assert!(all.contains(want), "{want} not in {all}");
    }
}

#[test]
fn set_comparison_is_order_insensitive_only_for_sets() {
    let state = serde_json::json!({"ingress": [{"p": 1}, {"p": 2}], "list": [1, 2]});
    let refreshed = serde_json::json!({"ingress": [{"p": 2}, {"p": 1}], "list": [2, 1]});
    let sets = vec![AttrPath::parse("ingress").unwrap()];
    let c = drift::compare(
        &CompareInput {
            address: "x.y",
            type_name: "x",
            state_attrs: &state,
            refreshed_attrs: Some(&refreshed),
            sensitive_paths: &[],
            set_paths: &sets,
            ignore_changes: &IgnoreChanges::None,
        },
        &IgnoreRules::default(),
    );
    let d = c.drift.unwrap();
    let paths: Vec<String> = d.changes.iter().map(|c| c.path.to_string()).collect();
    assert_eq!(paths, vec!["list[0]", "list[1]"]);
}

#[test]
fn nested_sensitive_value_is_withheld_whole() {
    // A whole block added whose content holds a sensitive attribute.
    let state = serde_json::json!({"id": "x"});
    let refreshed = serde_json::json!({"id": "x", "auth": [{"user": "admin", "token": "tok-zzz"}]});
    let sens = vec![AttrPath::parse("auth[*].token").unwrap()];
    let c = drift::compare(
        &CompareInput {
            address: "x.y",
            type_name: "x",
            state_attrs: &state,
            refreshed_attrs: Some(&refreshed),
            sensitive_paths: &sens,
            set_paths: &[],
            ignore_changes: &IgnoreChanges::None,
        },
        &IgnoreRules::default(),
    );
    let mut report = DriftReport::new("default", "t");
    report.add(c);
    let json = drift::render_json(&report).to_string();
    assert!(!json.contains("tok-zzz"), "{json}");
    assert!(!drift::render_text(&report, &TextOptions::default()).contains("tok-zzz"));
    assert!(json.contains("\"sensitive\":true"));
}

#[test]
fn exit_codes() {
    assert_eq!(drift::exit_code(false), 0);
    assert_eq!(drift::exit_code(true), 2);
}

#[test]
fn huge_drift_markdown_stays_under_cap() {
    let mut report = DriftReport::new("default", "2026-12-03T03:17:00Z");
    for i in 0..3_000 {
        let state = serde_json::json!({"id": format!("i-{i}"), "tags": {"Env": "prod", "Name": format!("n{i}")}});
        let refreshed =
            serde_json::json!({"id": format!("i-{i}"), "tags": {"Name": format!("n{i}")}});
        report.add(drift::compare(
            &CompareInput {
                address: &format!("aws_instance.r{i}"),
                type_name: "aws_instance",
                state_attrs: &state,
                refreshed_attrs: Some(&refreshed),
                sensitive_paths: &[],
                set_paths: &[],
                ignore_changes: &IgnoreChanges::None,
            },
            &IgnoreRules::default(),
        ));
    }
    assert_eq!(report.summary().changed, 3_000);
    let md = drift::render_markdown(&report, &Default::default());
    assert!(md.len() <= 65_536, "{} bytes", md.len());
    assert!(md.contains("resources were left out"), "no left-out note");
    let small = drift::render_markdown(&report, &drift::MarkdownOptions { max_chars: 5_000 });
    assert!(small.len() <= 5_000, "{} bytes", small.len());
    assert_valid(&drift::render_json(&report), "huge");
}
