//! Data-driven plan fixtures: `tests/fixtures/plan/<case>/case.json` describes a prior state,
//! the desired instances (configurations, wiring between them, lifecycle), drift made outside
//! girder and the plan options; the rendered plan (and diagnostics) is an insta snapshot, and
//! with `"json": true` so is the JSON plan.

mod support;

use girder_engine::render::{render_plan, RenderOptions};
use girder_provider::fake::FakeProvider;
use serde_json::Value as J;
use std::sync::Arc;
use support::*;

fn run_case(dir: &std::path::Path) -> (String, Option<String>) {
    let case: J = serde_json::from_slice(&std::fs::read(dir.join("case.json")).unwrap()).unwrap();
    let p = Arc::new(FakeProvider::new());
    let empty = Vec::new();
    let state = build_state(
        case["state"].as_array().unwrap_or(&empty),
        case.get("state_outputs"),
        &p,
    );
    drift(case.get("drift"), &p);
    let desired = desired(case["desired"].as_array().unwrap_or(&empty));
    let outs = outputs(case["outputs"].as_array().unwrap_or(&empty));
    let opts = options(case.get("options"));
    let reg = registry(p.clone());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let outcome = rt.block_on(girder_engine::plan(&desired, &outs, &state, &reg, &opts));
    let mut text = String::new();
    let mut json = None;
    if let Some(plan) = &outcome.plan {
        text.push_str(&render_plan(plan, &reg, RenderOptions { no_color: true }));
        if case["json"].as_bool() == Some(true) {
            let j = girder_engine::json::plan_json(plan, &reg);
            json = Some(serde_json::to_string_pretty(&j).unwrap());
        }
        // A saved plan round-trips exactly.
        let bytes = girder_engine::planfile::save(plan);
        let back = girder_engine::planfile::load(&bytes, "plan.out").unwrap();
        assert_eq!(back.changes, plan.changes, "{}", dir.display());
        assert_eq!(back.drift, plan.drift);
        assert_eq!(back.outputs, plan.outputs);
    }
    if !outcome.diagnostics.is_empty() {
        text.push_str("\n--- diagnostics ---\n");
        text.push_str(&diag_text(&outcome.diagnostics));
    }
    (text, json)
}

#[test]
fn plan_fixtures() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/plan");
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("case.json").exists())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 15, "fixtures missing");
    for dir in dirs {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let (text, json) = run_case(&dir);
        insta::with_settings!({
            snapshot_path => root.join("snapshots"),
            prepend_module_to_snapshot => false,
            description => name.clone(),
        }, {
            insta::assert_snapshot!(name.clone(), text);
            if let Some(j) = json {
                insta::assert_snapshot!(format!("{name}.json"), j);
            }
        });
    }
}
