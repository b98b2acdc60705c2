//! Data-driven plan fixtures: `tests/fixtures/plan/<case>/case.json` describes a prior state,
//! the desired instances (configurations, wiring between them, lifecycle), drift made outside
//! girder and the plan options; the rendered plan (and diagnostics) is an insta snapshot, and
//! with `"json": true` so is the JSON plan.
//!
//! A case folder with a `main.tf` is driven through the configuration (`ops::plan`): its
//! `case.json` (optional) gives the prior state, drift, objects that exist only in the fake
//! provider (`"objects"`, for imports), provider operations that fail (`"failures"`:
//! `{"op": "Create", "name": NAME}`), the options, and `"apply": true` to apply the plan
//! and snapshot the operations, the diagnostics, the resulting state and the next plan (after
//! a failed apply too with `"next_plan": true`).

mod support;

use girder_engine::render::{render_plan, RenderOptions};
use girder_provider::fake::FakeProvider;
use serde_json::Value as J;
use std::sync::Arc;
use support::*;

fn diag_located(d: &girder_core::Diagnostics, dir: &std::path::Path) -> String {
    let mut s = String::new();
    for x in d.iter() {
        let sev = if x.is_error() { "Error" } else { "Warning" };
        s.push_str(&format!("{sev}: {}\n", x.summary));
        if let Some(sp) = &x.span {
            let at = sp.to_string();
            let base = format!("{}/", dir.display());
            s.push_str(&format!("  at {}\n", at.replace(&base, "")));
        }
        s.push_str(&format!("\n{}\n", x.detail));
        if let Some(h) = &x.help {
            s.push_str(&format!("help: {h}\n"));
        }
        s.push('\n');
    }
    s
}

/// The state as text; a deposed key made during the apply (random) prints as `NEW`.
fn state_text(st: &girder_state::model::State, prior: &girder_state::model::State) -> String {
    let known: std::collections::HashSet<&str> = prior
        .resources
        .iter()
        .flat_map(|r| &r.instances)
        .filter_map(|i| i.deposed.as_deref())
        .collect();
    let mut out = String::new();
    for r in &st.resources {
        for i in &r.instances {
            let addr = girder_core::addr::AbsResourceInstance {
                resource: r.addr(),
                key: i.index_key.clone(),
            };
            let attrs = i
                .attributes
                .as_ref()
                .map(|a| a.to_value())
                .unwrap_or_default();
            out.push_str(&format!(
                "{addr}{}: id={} name={}\n",
                i.deposed
                    .as_ref()
                    .map(|d| if known.contains(d.as_str()) {
                        format!(" (deposed {d})")
                    } else {
                        " (deposed NEW)".to_string()
                    })
                    .unwrap_or_default(),
                attrs["id"].as_str().unwrap_or("?"),
                attrs["name"].as_str().unwrap_or("?"),
            ));
        }
    }
    for (k, v) in &st.outputs {
        out.push_str(&format!("output {k} = {}\n", v.value));
    }
    out
}

fn run_config_case(dir: &std::path::Path) -> (String, Option<String>) {
    use girder_engine::ops;
    let case: J = match std::fs::read(dir.join("case.json")) {
        Ok(b) => serde_json::from_slice(&b).unwrap(),
        Err(_) => J::Object(Default::default()),
    };
    let p = Arc::new(FakeProvider::new());
    let empty = Vec::new();
    let state = build_state(
        case["state"].as_array().unwrap_or(&empty),
        case.get("state_outputs"),
        &p,
    );
    drift(case.get("drift"), &p);
    drift(case.get("objects"), &p);
    for f in case["failures"].as_array().unwrap_or(&empty) {
        use girder_provider::fake::Op;
        let op = match f["op"].as_str().unwrap_or_default() {
            "Create" => Op::Create,
            "Update" => Op::Update,
            "Delete" => Op::Delete,
            "DataRead" => Op::DataRead,
            other => panic!("{}: unknown failure op {other}", dir.display()),
        };
        p.fail(girder_provider::fake::Failure {
            op,
            name: f["name"].as_str().unwrap_or_default().to_string(),
            partial: false,
        });
    }
    let opts = options(case.get("options"));
    let reg = registry(p.clone());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (config, diags) = girder_lang::config::load_config(dir);
    assert!(
        !diags.has_errors(),
        "{}: {}",
        dir.display(),
        diag_text(&diags)
    );
    let req = ops::Request {
        config: &config,
        inputs: Default::default(),
        workspace: "default".into(),
        base_dir: dir.to_path_buf(),
        providers: &reg,
    };
    let outcome = rt.block_on(ops::plan(&req, &state, &opts));
    let mut text = String::new();
    let mut json = None;
    if let Some(plan) = &outcome.plan {
        text.push_str(&render_plan(plan, &reg, RenderOptions { no_color: true }));
        if case["json"].as_bool() == Some(true) {
            let j = girder_engine::json::plan_json(plan, &reg);
            json = Some(serde_json::to_string_pretty(&j).unwrap());
        }
        let bytes = girder_engine::planfile::save(plan);
        let back = girder_engine::planfile::load(&bytes, "plan.out").unwrap();
        assert_eq!(back.changes, plan.changes, "{}", dir.display());
        assert_eq!(back.moves, plan.moves);
        assert_eq!(back.mode, plan.mode);
        assert_eq!(back.check_data, plan.check_data);
    }
    if !outcome.diagnostics.is_empty() {
        text.push_str("\n--- diagnostics ---\n");
        text.push_str(&diag_located(&outcome.diagnostics, dir));
    }
    if case["apply"].as_bool() == Some(true) {
        let plan = outcome.plan.as_ref().expect("a plan to apply");
        let mem = Arc::new(girder_engine::testing::MemoryBackend::with_state(
            state.clone(),
        ));
        let backend: Arc<dyn girder_state::Backend> = mem.clone();
        let serial = girder_engine::ApplyOptions {
            parallelism: 1,
            ..Default::default()
        };
        let before_calls = p.calls().len();
        let applied = rt.block_on(ops::apply(&req, plan, backend, &serial));
        text.push_str("\n--- apply ---\n");
        for c in &p.calls()[before_calls..] {
            text.push_str(&format!("provider: {:?} {}\n", c.op, c.subject));
        }
        for r in &applied.reports {
            text.push_str(&format!("{} {:?}: {:?}\n", r.addr, r.op, r.status));
        }
        text.push_str(&applied.summary());
        text.push('\n');
        if !applied.diagnostics.is_empty() {
            text.push_str(&diag_located(&applied.diagnostics, dir));
        }
        let st = applied.state.expect("state after apply");
        text.push_str("\n--- state ---\n");
        text.push_str(&state_text(&st, &state));
        if !applied.diagnostics.has_errors() || case["next_plan"].as_bool() == Some(true) {
            let again = rt.block_on(ops::plan(&req, &st, &girder_engine::PlanOptions::default()));
            text.push_str("\n--- next plan ---\n");
            match &again.plan {
                Some(pl) => text.push_str(&render_plan(pl, &reg, RenderOptions { no_color: true })),
                None => text.push_str(&diag_located(&again.diagnostics, dir)),
            }
        }
    }
    (text, json)
}

fn run_case(dir: &std::path::Path) -> (String, Option<String>) {
    if dir.join("main.tf").exists() {
        return run_config_case(dir);
    }
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
        .filter(|p| p.join("case.json").exists() || p.join("main.tf").exists())
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
