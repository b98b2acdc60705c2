//! Every AWS resource type end to end through the engine (`girder_engine::ops`, as the CLI
//! drives it) against the emulator. Data-driven: one folder per type under
//! `tests/fixtures/e2e/<type>/` with the step configurations `main.tf`, `update.tf` and
//! `replace.tf` and a `steps.json`:
//!
//! ```json
//! {
//!   "address": "aws_vpc.this",            // the instance under test
//!   "remote": {                           // what the SDK must see after each step (subset)
//!     "main": {...}, "update": {...}, "replace": {...}
//!   },
//!   "update": true,                        // false: the type has no updatable argument
//!   "update_changes_id": false,            // true: an update gets a new id from AWS
//!   "replace": "config",                   // "config": replace.tf changes a force-new
//!                                          // argument; "request": -replace (no such argument)
//!   "out_of_band": {"change": "tag", "expect": "update"},  // an SDK change (remote.rs) and
//!                                          // the action the refreshed plan must take
//!   "import_id": "{id}",                   // from the state's attributes
//!   "import_ignore": ["force_destroy"]     // attributes import cannot know
//! }
//! ```
//!
//! The steps: create → SDK check → empty plan → update in place (no replace) → SDK check →
//! replace (the old object gone) → SDK check → out-of-band change found by refresh (drift +
//! the expected action), applied back → empty plan → import by id (`ops::import`) gives the
//! refreshed state →
//! destroy → the SDK finds nothing. `E2E_ONLY=aws_vpc,aws_eip` runs some folders only.

mod support;

#[path = "e2e/remote.rs"]
mod remote;

use girder_core::addr::AbsResourceInstance;
use girder_core::Value;
use girder_engine::ops::{self, Request};
use girder_engine::testing::MemoryBackend;
use girder_engine::{Action, ApplyOptions, Plan, PlanOptions, ProviderRegistry, Reason};
use girder_provider::Provider;
use girder_provider_aws::util::Timing;
use girder_provider_aws::AwsProvider;
use girder_state::model::State;
use girder_state::Backend;
use serde_json::{json, Value as J};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use support::*;

/// The root of the fixtures.
fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/e2e")
}

/// The generated file every step directory gets: the suffix variable and the provider block
/// pointing at the emulator.
pub fn harness_tf(url: &str) -> String {
    let eps: String = ["ec2", "iam", "s3", "rds", "elasticache", "eks", "sts"]
        .iter()
        .map(|s| format!("    {s} = \"{url}\"\n"))
        .collect();
    format!(
        r#"variable "suffix" {{
  type = string
}}

provider "aws" {{
  region                      = "{REGION}"
  access_key                  = "AKIAGIRDERTEST000000"
  secret_key                  = "girder-test-secret"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  s3_use_path_style           = true

  endpoints {{
{eps}  }}
}}
"#
    )
}

/// A provider registry with one AWS provider on fast timing (configured by the engine).
pub struct Reg(pub Arc<AwsProvider>);

impl ProviderRegistry for Reg {
    fn get(&self, name: &str) -> Option<Arc<dyn Provider>> {
        match name.split('.').next() {
            Some("aws") => Some(self.0.clone()),
            Some(other) => girder_provider::builtin::provider(other),
            None => None,
        }
    }
}

pub fn diag_text(d: &girder_core::Diagnostics) -> String {
    let mut s = String::new();
    for x in d.iter() {
        let sev = if x.is_error() { "Error" } else { "Warning" };
        s.push_str(&format!("{sev}: {}\n{}\n", x.summary, x.detail));
    }
    s
}

/// One configuration directory driven through the engine, with its state.
pub struct Run {
    pub name: String,
    pub dir: PathBuf,
    pub reg: Reg,
    pub inputs: BTreeMap<String, Value>,
    pub state: State,
    pub backend: Arc<MemoryBackend>,
}

impl Run {
    pub fn new(name: &str, inputs: BTreeMap<String, Value>) -> Run {
        let dir = std::env::temp_dir().join(unique(&format!("girder-e2e-{name}")));
        std::fs::create_dir_all(&dir).unwrap();
        Run {
            name: name.to_string(),
            dir,
            reg: Reg(Arc::new(AwsProvider::new().with_timing(Timing::fast()))),
            inputs,
            state: State::new("1.0.3"),
            backend: Arc::new(MemoryBackend::new()),
        }
    }

    pub fn provider(&self) -> &AwsProvider {
        &self.reg.0
    }

    /// Plans the directory as it is now.
    pub async fn plan(&self, opts: &PlanOptions) -> Plan {
        let (config, diags) = girder_lang::config::load_config(&self.dir);
        assert!(
            !diags.has_errors(),
            "{}: config: {}",
            self.name,
            diag_text(&diags)
        );
        let req = Request {
            config: &config,
            inputs: self.inputs.clone(),
            workspace: "default".into(),
            base_dir: self.dir.clone(),
            providers: &self.reg,
        };
        let out = if opts.mode == girder_engine::plan::PlanMode::Destroy {
            ops::plan_destroy(&req, &self.state, opts).await
        } else {
            ops::plan(&req, &self.state, opts).await
        };
        assert!(
            !out.diagnostics.has_errors(),
            "{}: plan: {}",
            self.name,
            diag_text(&out.diagnostics)
        );
        out.plan.expect("a plan")
    }

    /// Applies a plan of this directory; the state follows.
    pub async fn apply(&mut self, plan: &Plan) {
        let (config, _) = girder_lang::config::load_config(&self.dir);
        let req = Request {
            config: &config,
            inputs: self.inputs.clone(),
            workspace: "default".into(),
            base_dir: self.dir.clone(),
            providers: &self.reg,
        };
        let backend: Arc<dyn Backend> = self.backend.clone();
        let out = ops::apply(&req, plan, backend, &ApplyOptions::default()).await;
        if let Some(s) = out.state {
            self.state = s;
        }
        assert!(
            !out.diagnostics.has_errors(),
            "{}: apply: {}",
            self.name,
            diag_text(&out.diagnostics)
        );
    }

    /// Plans and applies.
    pub async fn plan_apply(&mut self, opts: &PlanOptions) -> Plan {
        let plan = self.plan(opts).await;
        self.apply(&plan).await;
        plan
    }

    /// Asserts that a refreshing plan has nothing to do; returns it.
    pub async fn assert_empty_plan(&self, step: &str) -> Plan {
        let plan = self.plan(&PlanOptions::default()).await;
        let changes: Vec<String> = plan
            .changes
            .iter()
            .filter(|c| c.action != Action::NoOp && !c.is_data())
            .map(|c| format!("{} {:?} {}", c.display_addr(), c.action, diff(c)))
            .collect();
        assert!(
            changes.is_empty(),
            "{}: {step}: the plan is not empty:\n{}",
            self.name,
            changes.join("\n")
        );
        plan
    }
}

/// The attributes a change changes (before → after), for messages.
pub fn diff(c: &girder_engine::ResourceChange) -> String {
    let b = json_of(&c.before);
    let a = json_of(&c.after);
    let mut out = Vec::new();
    if let (Some(bm), Some(am)) = (b.as_object(), a.as_object()) {
        for (k, av) in am {
            let bv = bm.get(k).unwrap_or(&J::Null);
            if bv != av {
                out.push(format!("{k}: {bv} -> {av}"));
            }
        }
    }
    if let Some(r) = &c.reason {
        out.push(format!("reason {r:?}"));
    }
    out.join("; ")
}

/// A value as JSON (sensitive marks dropped, unknowns as "(known after apply)").
pub fn json_of(v: &Value) -> J {
    let (v, _) = v.clone().unmark_deep();
    if v.is_null() {
        return J::Null;
    }
    if !v.is_wholly_known() {
        if let Some(m) = v.as_map() {
            return J::Object(m.iter().map(|(k, x)| (k.clone(), json_of(x))).collect());
        }
        return json!("(known after apply)");
    }
    v.to_json().unwrap_or(J::Null)
}

/// The change of an address.
fn change<'a>(plan: &'a Plan, addr: &str) -> &'a girder_engine::ResourceChange {
    plan.changes
        .iter()
        .find(|c| c.display_addr() == addr && c.deposed.is_none())
        .unwrap_or_else(|| panic!("no change for {addr} in the plan"))
}

/// `{attr}` placeholders filled from an object's attributes.
fn fill(template: &str, attrs: &J) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let j = rest[i..].find('}').expect("closing }") + i;
        let key = &rest[i + 1..j];
        let v = &attrs[key];
        out.push_str(
            v.as_str()
                .map(str::to_string)
                .unwrap_or_else(|| v.to_string())
                .as_str(),
        );
        rest = &rest[j + 1..];
    }
    out.push_str(rest);
    out
}

/// `expected` is a subset of `actual`: objects by key (recursively), the rest equal.
pub fn subset(expected: &J, actual: &J, path: &str) -> Result<(), String> {
    match (expected, actual) {
        (J::Object(e), J::Object(a)) => {
            for (k, ev) in e {
                let av = a.get(k).unwrap_or(&J::Null);
                subset(ev, av, &format!("{path}/{k}"))?;
            }
            Ok(())
        }
        (J::Array(e), J::Array(a)) if e.len() == a.len() => {
            for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                subset(ev, av, &format!("{path}/{i}"))?;
            }
            Ok(())
        }
        _ if expected == actual => Ok(()),
        _ => Err(format!(
            "{path}: expected {expected}, the SDK says {actual}"
        )),
    }
}

fn step_dir(run: &Run, case: &Path, file: &str) {
    std::fs::copy(case.join(file), run.dir.join("main.tf"))
        .unwrap_or_else(|e| panic!("{}: {file}: {e}", run.name));
}

async fn check_remote(run: &Run, ty: &str, state: &J, expected: Option<&J>, step: &str) {
    let clients = run.provider().clients().expect("configured");
    let got = remote::view(&clients, ty, state).await;
    let Some(got) = got else {
        panic!(
            "{}: {step}: the SDK does not find the object {state}",
            run.name
        );
    };
    // What the SDK sees agrees with the state: scalars of the same name, and tags_all.
    for (k, v) in got.as_object().into_iter().flatten() {
        let sk = if k == "tags" { "tags_all" } else { k.as_str() };
        let Some(sv) = state.get(sk) else { continue };
        if v.is_array() || (v.is_object() && k != "tags") {
            continue;
        }
        assert_eq!(
            sv, v,
            "{}: {step}: the state has {sk} = {sv}, the SDK says {v}",
            run.name
        );
    }
    if let Some(e) = expected {
        if let Err(m) = subset(e, &got, "") {
            panic!("{}: {step}: {m}\n(SDK view: {got})", run.name);
        }
    }
}

async fn assert_gone(run: &Run, ty: &str, state: &J, step: &str) {
    let clients = run.provider().clients().expect("configured");
    if let Some(v) = remote::view(&clients, ty, state).await {
        panic!(
            "{}: {step}: the SDK still finds {ty} {}: {v}",
            run.name, state["id"]
        );
    }
}

/// The state attributes of the instance under test, from a plan's refreshed value.
fn current(plan: &Plan, addr: &str) -> J {
    let c = change(plan, addr);
    json_of(&c.after)
}

/// Runs one fixture folder through every step.
async fn run_case(case: PathBuf) {
    let ty = case.file_name().unwrap().to_string_lossy().to_string();
    let steps: J = serde_json::from_str(
        &std::fs::read_to_string(case.join("steps.json"))
            .unwrap_or_else(|e| panic!("{ty}: steps.json: {e}")),
    )
    .unwrap_or_else(|e| panic!("{ty}: steps.json: {e}"));
    let addr = steps["address"].as_str().expect("address").to_string();
    let emu = Emulator::shared();
    let suffix = unique("e2e");
    let mut inputs = BTreeMap::new();
    inputs.insert("suffix".to_string(), Value::string(&suffix));
    let mut run = Run::new(&ty, inputs);
    std::fs::write(run.dir.join("harness.tf"), harness_tf(&emu.url)).unwrap();
    let none = PlanOptions::default();

    // create
    step_dir(&run, &case, "main.tf");
    let plan = run.plan_apply(&none).await;
    assert_eq!(change(&plan, &addr).action, Action::Create, "{ty}: create");
    let plan = run.assert_empty_plan("after create").await;
    let created = current(&plan, &addr);
    check_remote(&run, &ty, &created, steps["remote"].get("main"), "create").await;
    let mut known = vec![created.clone()];

    // update in place
    let mut now = created.clone();
    if steps["update"].as_bool() != Some(false) {
        step_dir(&run, &case, "update.tf");
        let plan = run.plan(&none).await;
        let c = change(&plan, &addr);
        assert_eq!(
            c.action,
            Action::Update,
            "{ty}: update.tf must update {addr} in place: {}",
            diff(c)
        );
        for other in &plan.changes {
            assert!(
                !other.action.is_replace(),
                "{ty}: update.tf replaces {}: {}",
                other.display_addr(),
                diff(other)
            );
        }
        run.apply(&plan).await;
        let plan = run.assert_empty_plan("after update").await;
        now = current(&plan, &addr);
        if steps["update_changes_id"].as_bool() != Some(true) {
            assert_eq!(now["id"], created["id"], "{ty}: the id changed on update");
        }
        check_remote(&run, &ty, &now, steps["remote"].get("update"), "update").await;
    }

    // replace
    match steps["replace"].as_str().unwrap_or("config") {
        "config" => {
            step_dir(&run, &case, "replace.tf");
            let plan = run.plan(&none).await;
            let c = change(&plan, &addr);
            assert!(
                c.action.is_replace(),
                "{ty}: replace.tf must replace {addr}, the plan has {:?}: {}",
                c.action,
                diff(c)
            );
            assert!(
                matches!(c.reason, Some(Reason::ReplaceBecauseCannotUpdate(_))),
                "{ty}: {:?}",
                c.reason
            );
            run.apply(&plan).await;
        }
        "request" => {
            let opts = PlanOptions {
                replace: vec![AbsResourceInstance::parse(&addr).unwrap()],
                ..PlanOptions::default()
            };
            let plan = run.plan(&opts).await;
            assert!(change(&plan, &addr).action.is_replace(), "{ty}: -replace");
            run.apply(&plan).await;
        }
        other => panic!("{ty}: replace: {other:?} is not config or request"),
    }
    let plan = run.assert_empty_plan("after replace").await;
    let replaced = current(&plan, &addr);
    assert_ne!(replaced, now, "{ty}: nothing changed on replace");
    check_remote(
        &run,
        &ty,
        &replaced,
        steps["remote"].get("replace"),
        "replace",
    )
    .await;
    if replaced["id"] != now["id"] {
        assert_gone(&run, &ty, &now, "the replaced object").await;
    }
    known.push(now);
    known.push(replaced.clone());

    // out-of-band change, found by refresh
    let oob = &steps["out_of_band"];
    let kind = oob["change"].as_str().expect("out_of_band.change");
    {
        let clients = run.provider().clients().expect("configured");
        remote::out_of_band(&clients, &ty, kind, &replaced).await;
    }
    let plan = run.plan(&none).await;
    let c = change(&plan, &addr);
    let want = match oob["expect"].as_str().unwrap_or("update") {
        "update" => Action::Update,
        "create" => Action::Create,
        other => panic!("{ty}: out_of_band.expect {other:?}"),
    };
    assert_eq!(
        c.action,
        want,
        "{ty}: after the out-of-band change {kind:?}: {}",
        diff(c)
    );
    let drift = plan.drift.iter().find(|d| d.addr.to_string() == addr);
    assert!(
        drift.is_some(),
        "{ty}: refresh did not report the out-of-band change {kind:?} as drift"
    );
    if want == Action::Create {
        assert_eq!(c.reason, Some(Reason::CreateBecauseGone), "{ty}");
    }
    run.apply(&plan).await;
    let plan = run
        .assert_empty_plan("after restoring the out-of-band change")
        .await;
    let restored = current(&plan, &addr);
    check_remote(
        &run,
        &ty,
        &restored,
        steps["remote"].get("replace"),
        "restored",
    )
    .await;
    known.push(restored.clone());

    // import by id
    let id = fill(steps["import_id"].as_str().unwrap_or("{id}"), &restored);
    let (config, _) = girder_lang::config::load_config(&run.dir);
    let req = Request {
        config: &config,
        inputs: run.inputs.clone(),
        workspace: "default".into(),
        base_dir: run.dir.clone(),
        providers: &run.reg,
    };
    let target = AbsResourceInstance::parse(&addr).unwrap();
    let imported = ops::import(&req, &target, &id)
        .await
        .unwrap_or_else(|d| panic!("{ty}: import {id}: {}", diag_text(&d)));
    assert_eq!(&*imported.provider.name, "aws");
    let got = json_of(&imported.value);
    let ignore: Vec<&str> = steps["import_ignore"]
        .as_array()
        .map(|a| a.iter().filter_map(J::as_str).collect())
        .unwrap_or_default();
    let mut diffs = Vec::new();
    for (k, v) in restored.as_object().unwrap() {
        if ignore.contains(&k.as_str()) {
            continue;
        }
        let g = got.get(k).unwrap_or(&J::Null);
        if g != v {
            diffs.push(format!("{k}: state {v}, import {g}"));
        }
    }
    assert!(
        diffs.is_empty(),
        "{ty}: import {id} differs from the state:\n{}",
        diffs.join("\n")
    );

    // destroy
    let all: Vec<(String, J)> = run
        .state
        .resources
        .iter()
        .flat_map(|r| {
            let t = r.type_name.clone();
            r.instances
                .iter()
                .filter_map(|i| i.attributes.as_ref())
                .map(move |a| {
                    (
                        t.clone(),
                        serde_json::from_str::<J>(a.as_str()).expect("state json"),
                    )
                })
        })
        .collect();
    let plan = run
        .plan(&PlanOptions {
            mode: girder_engine::plan::PlanMode::Destroy,
            ..PlanOptions::default()
        })
        .await;
    run.apply(&plan).await;
    assert_eq!(
        run.state.instance_count(),
        0,
        "{ty}: the state is not empty after destroy"
    );
    for (t, a) in &all {
        assert_gone(&run, t, a, "after destroy").await;
    }
    for k in &known {
        assert_gone(&run, &ty, k, "after destroy").await;
    }
    let _ = std::fs::remove_dir_all(&run.dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_resource_type_through_the_engine() {
    let only: Option<Vec<String>> = std::env::var("E2E_ONLY")
        .ok()
        .map(|s| s.split(',').map(str::to_string).collect());
    let mut cases: Vec<PathBuf> = std::fs::read_dir(fixtures())
        .expect("tests/fixtures/e2e")
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("steps.json").is_file())
        .filter(|p| {
            only.as_ref().is_none_or(|o| {
                o.iter()
                    .any(|n| p.file_name().is_some_and(|f| f.to_string_lossy() == *n))
            })
        })
        .collect();
    cases.sort();
    assert!(!cases.is_empty(), "no fixtures");
    // Every resource type of the provider has a folder.
    if only.is_none() {
        let p = AwsProvider::new();
        let names: Vec<String> = cases
            .iter()
            .map(|c| c.file_name().unwrap().to_string_lossy().to_string())
            .collect();
        for ty in p.schema().resources.keys() {
            assert!(
                names.contains(ty) || remote::NOT_COVERED.contains(&ty.as_str()),
                "{ty} has no folder in tests/fixtures/e2e"
            );
        }
    }
    Emulator::shared();
    let sem = Arc::new(tokio::sync::Semaphore::new(4));
    let mut tasks = Vec::new();
    for case in cases {
        let sem = sem.clone();
        let name = case.file_name().unwrap().to_string_lossy().to_string();
        tasks.push((
            name,
            tokio::spawn(async move {
                let _permit = sem.acquire_owned().await.unwrap();
                run_case(case).await
            }),
        ));
    }
    let mut failed = Vec::new();
    for (name, t) in tasks {
        if let Err(e) = t.await {
            let msg = e
                .try_into_panic()
                .ok()
                .and_then(|p| {
                    p.downcast_ref::<String>()
                        .cloned()
                        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                })
                .unwrap_or_else(|| "cancelled".into());
            failed.push(format!("== {name}\n{msg}"));
        }
    }
    assert!(
        failed.is_empty(),
        "{} types failed:\n{}",
        failed.len(),
        failed.join("\n\n")
    );
}

/// Copies a directory tree.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let p = e.path();
        if p.is_dir() {
            copy_tree(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

/// examples/p2p-lending (with its modules) planned and applied through the engine against an
/// emulator of its own, a second plan empty, destroyed, and then the emulator holds nothing
/// more than before the apply.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn p2p_lending_example_applies_replans_empty_and_destroys_clean() {
    let emu = Emulator::start();
    let mut inputs = BTreeMap::new();
    inputs.insert(
        "db_password".to_string(),
        Value::string("e2e-only-password-1").mark_sensitive(),
    );
    let mut run = Run::new("p2p-lending", inputs);
    copy_tree(
        &workspace_root().join("examples/p2p-lending"),
        &run.dir.clone(),
    );
    // The example's provider block, pointed at this emulator (an override file, as a user
    // would do it).
    let eps: String = ["ec2", "iam", "s3", "rds", "elasticache", "eks", "sts"]
        .iter()
        .map(|s| format!("    {s} = \"{}\"\n", emu.url))
        .collect();
    std::fs::write(
        run.dir.join("emulator_override.tf"),
        format!(
            "provider \"aws\" {{\n  access_key        = \"AKIAGIRDERTEST000000\"\n  secret_key        = \"girder-test-secret\"\n  s3_use_path_style = true\n\n  endpoints {{\n{eps}  }}\n}}\n"
        ),
    )
    .unwrap();

    // The provider is configured by the first plan; the inventory needs its clients.
    let plan = run.plan(&PlanOptions::default()).await;
    let clients = run.provider().clients().expect("configured");
    let before = remote::inventory(&clients).await;
    let (add, change, destroy) = plan.counts();
    assert!(add > 30, "the example plans {add} creates");
    assert_eq!((change, destroy), (0, 0));
    run.apply(&plan).await;
    assert_eq!(
        run.state.instance_count(),
        add,
        "every planned object is in the state"
    );
    let during = remote::inventory(&clients).await;
    for (kind, ids) in &during {
        let had = before.get(kind).map(Vec::len).unwrap_or(0);
        assert!(
            ids.len() > had,
            "after apply the emulator has no new {kind}: {ids:?}"
        );
    }
    run.assert_empty_plan("the second plan of p2p-lending")
        .await;

    let plan = run
        .plan(&PlanOptions {
            mode: girder_engine::plan::PlanMode::Destroy,
            ..PlanOptions::default()
        })
        .await;
    assert_eq!(plan.counts(), (0, 0, add));
    run.apply(&plan).await;
    assert_eq!(run.state.instance_count(), 0, "the state is empty");
    let after = remote::inventory(&clients).await;
    for (kind, ids) in &after {
        let had = before.get(kind).cloned().unwrap_or_default();
        let left: Vec<&String> = ids.iter().filter(|i| !had.contains(i)).collect();
        assert!(
            left.is_empty(),
            "after destroy the emulator still holds {kind}: {left:?}"
        );
    }
    let _ = std::fs::remove_dir_all(&run.dir);
}
