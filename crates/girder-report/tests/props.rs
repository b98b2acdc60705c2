//! Properties over random plans and drift: rendering never panics, every document stays under
//! its cap, and a value marked sensitive never appears in any output.
//!
//! Every string leaf containing `SECRET` is marked sensitive (in the plan's
//! `before_sensitive`/`after_sensitive` trees, or as a drift sensitive path), sometimes through a
//! whole enclosing subtree.

use girder_report::drift::{
    self, AttrPath, CompareInput, DriftReport, IgnoreChanges, IgnoreRules, PathStep,
};
use girder_report::mr::{self, MarkdownOptions, SplitMode};
use proptest::prelude::*;
use serde_json::{json, Map, Value};

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (0u32..1000).prop_map(|n| json!(n)),
        "[a-z]{0,6}".prop_map(Value::String),
        (0u32..99).prop_map(|n| Value::String(format!("SECRET-{n}"))),
        (0u32..99).prop_map(|n| Value::String(format!("line1\nSECRET-{n}\nline3"))),
        (0u32..99).prop_map(|n| Value::String(format!("{{\"k\":\"SECRET-{n}\",\"x\":[1,2]}}"))),
        "[a-z]{1,4}\n[a-z]{1,4}".prop_map(Value::String),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z]{1,3}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn attrs() -> impl Strategy<Value = Value> {
    prop::collection::btree_map("[a-z]{1,3}", value(), 0..5)
        .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>()))
}

fn has_secret(v: &Value) -> bool {
    match v {
        Value::String(s) => s.contains("SECRET"),
        Value::Array(a) => a.iter().any(has_secret),
        Value::Object(m) => m.values().any(has_secret),
        _ => false,
    }
}

/// The sensitivity tree of `v`: `true` on secret leaves; when `whole`, `true` on the first
/// collection holding a secret.
fn sens_tree(v: &Value, whole: bool) -> Value {
    match v {
        Value::String(s) if s.contains("SECRET") => Value::Bool(true),
        Value::Array(a) if whole && has_secret(v) && !a.is_empty() => Value::Bool(true),
        Value::Object(_) if whole && has_secret(v) => Value::Bool(true),
        Value::Array(a) => Value::Array(a.iter().map(|e| sens_tree(e, whole)).collect()),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, e)| (k.clone(), sens_tree(e, whole)))
                .collect(),
        ),
        _ => Value::Bool(false),
    }
}

/// Top-level attributes are never wholly marked (Terraform marks attributes, not resources).
fn attr_sens(v: &Value, whole: bool) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, e)| (k.clone(), sens_tree(e, whole)))
                .collect(),
        ),
        _ => json!({}),
    }
}

fn secret_paths(v: &Value, at: &AttrPath, out: &mut Vec<AttrPath>) {
    match v {
        Value::String(s) if s.contains("SECRET") => out.push(at.clone()),
        Value::Array(a) => {
            for (i, e) in a.iter().enumerate() {
                secret_paths(e, &at.child(PathStep::Index(i as u64)), out);
            }
        }
        Value::Object(m) => {
            for (k, e) in m {
                let step = if at.is_root() {
                    PathStep::Attr(k.clone())
                } else {
                    PathStep::Key(k.clone())
                };
                secret_paths(e, &at.child(step), out);
            }
        }
        _ => {}
    }
}

fn plan(before: &Value, after: &Value, actions: &[&str], whole: bool) -> Value {
    let (b, a) = match actions {
        ["create"] => (Value::Null, after.clone()),
        ["delete"] => (before.clone(), Value::Null),
        _ => (before.clone(), after.clone()),
    };
    json!({
        "format_version": "0.2",
        "resource_changes": [{
            "address": "aws_x.y", "mode": "managed", "type": "aws_x", "name": "y",
            "change": {
                "actions": actions,
                "before": b, "after": a,
                "after_unknown": {},
                "before_sensitive": attr_sens(before, whole),
                "after_sensitive": attr_sens(after, whole),
                "replace_paths": [],
            }
        }],
        "output_changes": {
            "o": {"actions": ["update"], "before": before, "after": after, "after_unknown": false,
                  "before_sensitive": has_secret(before), "after_sensitive": has_secret(after)}
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    #[test]
    fn plans_never_leak_sensitive_values(before in attrs(), after in attrs(), kind in 0usize..4, whole in any::<bool>()) {
        let actions: &[&str] = match kind { 0 => &["create"], 1 => &["delete"], 2 => &["update"], _ => &["delete", "create"] };
        let p = plan(&before, &after, actions, whole);
        for split in [SplitMode::Parts, SplitMode::Truncate] {
            let opts = MarkdownOptions { max_chars: 2_000, split, ..MarkdownOptions::default() };
            let parts = mr::render_markdown(&p, &opts);
            for part in &parts {
                prop_assert!(part.len() <= 2_000, "part of {} bytes", part.len());
                prop_assert!(!part.contains("SECRET"), "leak:\n{}", part);
            }
        }
        let full = mr::render_markdown(&p, &MarkdownOptions::default()).join("\n");
        prop_assert!(!full.contains("SECRET"), "leak:\n{}", full);
        prop_assert!(!mr::render_text_summary(&p).contains("SECRET"));
    }

    #[test]
    fn drift_never_leaks_sensitive_values(state in attrs(), refreshed in attrs(), deleted in any::<bool>()) {
        let mut sens = Vec::new();
        secret_paths(&state, &AttrPath::root(), &mut sens);
        secret_paths(&refreshed, &AttrPath::root(), &mut sens);
        let c = drift::compare(
            &CompareInput {
                address: "aws_x.y",
                type_name: "aws_x",
                state_attrs: &state,
                refreshed_attrs: if deleted { None } else { Some(&refreshed) },
                sensitive_paths: &sens,
                set_paths: &[],
                ignore_changes: &IgnoreChanges::None,
            },
            &IgnoreRules::default(),
        );
        let mut r = DriftReport::new("default", "2026-01-01T00:00:00Z");
        r.add(c);
        let outs = [
            drift::render_text(&r, &drift::TextOptions { no_color: true }),
            drift::render_markdown(&r, &Default::default()),
            drift::render_json(&r).to_string(),
        ];
        for o in outs {
            prop_assert!(!o.contains("SECRET"), "leak:\n{}", o);
        }
        prop_assert_eq!(r.exit_code() == 2, r.has_drift());
        if state == refreshed && !deleted {
            prop_assert!(!r.has_drift());
        }
    }
}
