//! The engine driven by real configuration files (girder_lang's loader and evaluator) on the
//! fake provider: plan, apply, re-plan, change, destroy, graph.

mod support;

use girder_core::Value;
use girder_engine::ops::{self, Request};
use girder_engine::render::{render_plan, RenderOptions};
use girder_engine::testing::MemoryBackend;
use girder_engine::*;
use girder_provider::fake::{FakeProvider, Op};
use girder_state::model::State;
use girder_state::Backend;
use std::collections::BTreeMap;
use std::sync::Arc;
use support::*;

fn config_dir(name: &str, main_tf: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!(
        "girder-ops-{name}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("main.tf"), main_tf).unwrap();
    d
}

const MAIN: &str = r#"
variable "env" {
  type    = string
  default = "dev"
}

variable "zones" {
  type    = set(string)
  default = ["z1", "z2"]
}

locals {
  prefix = "app-${var.env}"
}

resource "fake_thing" "base" {
  name = local.prefix
  tags = {
    env = var.env
  }
}

resource "fake_thing" "node" {
  count = 2
  name  = "${local.prefix}-${count.index}"
  value = fake_thing.base.id
}

resource "fake_thing" "zonal" {
  for_each = var.zones
  name     = "zonal-${each.key}"
  zone     = each.value
  lifecycle {
    create_before_destroy = true
  }
}

data "fake_lookup" "l" {
  name = "x"
}

resource "fake_thing" "late" {
  name       = "late"
  value      = data.fake_lookup.l.value
  depends_on = [fake_thing.node]
}

output "node_ids" {
  value = fake_thing.node[*].id
}

output "base_value" {
  value = fake_thing.base.tags["env"]
}
"#;

async fn run_plan(
    dir: &std::path::Path,
    reg: &dyn plan::ProviderRegistry,
    inputs: BTreeMap<String, Value>,
    state: &State,
    opts: &PlanOptions,
) -> PlanOutcome {
    let (config, diags) = girder_lang::config::load_config(dir);
    assert!(!diags.has_errors(), "{}", diag_text(&diags));
    let req = Request {
        config: &config,
        inputs,
        workspace: "default".into(),
        base_dir: dir.to_path_buf(),
        providers: reg,
    };
    ops::plan(&req, state, opts).await
}

#[tokio::test]
async fn plan_apply_replan_change_destroy_from_configuration() {
    let dir = config_dir("full", MAIN);
    let p = Arc::new(FakeProvider::new());
    let reg = registry(p.clone());
    let out = run_plan(
        &dir,
        &reg,
        BTreeMap::new(),
        &State::new("1.0.3"),
        &PlanOptions::default(),
    )
    .await;
    assert!(
        !out.diagnostics.has_errors(),
        "{}",
        diag_text(&out.diagnostics)
    );
    let plan = out.plan.unwrap();
    let text = render_plan(&plan, &reg, RenderOptions { no_color: true });
    insta::assert_snapshot!("ops_first_plan", text);
    assert_eq!(plan.counts(), (6, 0, 0));
    assert!(!plan.config_hash.is_empty());

    // Apply.
    let (config, _) = girder_lang::config::load_config(&dir);
    let req = Request {
        config: &config,
        inputs: BTreeMap::new(),
        workspace: "default".into(),
        base_dir: dir.clone(),
        providers: &reg,
    };
    let mem = Arc::new(MemoryBackend::new());
    let backend: Arc<dyn Backend> = mem.clone();
    // One at a time, so the fake provider's ids (and the snapshots) are deterministic.
    let serial = ApplyOptions {
        parallelism: 1,
        ..ApplyOptions::default()
    };
    let applied = ops::apply(&req, &plan, backend.clone(), &serial).await;
    assert!(
        !applied.diagnostics.has_errors(),
        "{}",
        diag_text(&applied.diagnostics)
    );
    let state = applied.state.unwrap();
    assert_eq!(state.instance_count(), 7); // 6 managed + the data source
    let node_ids = &state.outputs["node_ids"].value;
    assert_eq!(node_ids.as_array().unwrap().len(), 2);
    assert_eq!(state.outputs["base_value"].value, serde_json::json!("dev"));
    // node[*].value resolved to base's id at apply time.
    let calls = p.calls();
    let pos = |op: Op, s: &str| {
        calls
            .iter()
            .position(|c| c.op == op && c.subject == s)
            .unwrap()
    };
    assert!(pos(Op::Create, "app-dev") < pos(Op::Create, "app-dev-0"));
    assert!(pos(Op::Create, "app-dev-1") < pos(Op::Create, "late"));

    // Nothing to do now.
    let again = run_plan(&dir, &reg, BTreeMap::new(), &state, &PlanOptions::default()).await;
    let again = again.plan.unwrap();
    assert!(
        !again.has_changes(),
        "{}",
        render_plan(&again, &reg, RenderOptions { no_color: true })
    );

    // A variable change: base updates in place, a zone set change replaces/destroys.
    let mut inputs = BTreeMap::new();
    inputs.insert("env".to_string(), Value::string("prod"));
    let changed = run_plan(&dir, &reg, inputs, &state, &PlanOptions::default()).await;
    let changed = changed.plan.unwrap();
    insta::assert_snapshot!(
        "ops_changed_env",
        render_plan(&changed, &reg, RenderOptions { no_color: true })
    );

    // Destroy everything.
    let d = run_plan(
        &dir,
        &reg,
        BTreeMap::new(),
        &state,
        &PlanOptions {
            mode: PlanMode::Destroy,
            ..PlanOptions::default()
        },
    )
    .await
    .plan
    .unwrap();
    assert_eq!(d.counts(), (0, 0, 6));
    let out = ops::apply(&req, &d, backend, &ApplyOptions::default()).await;
    assert!(
        !out.diagnostics.has_errors(),
        "{}",
        diag_text(&out.diagnostics)
    );
    let st = out.state.unwrap();
    assert_eq!(st.instance_count(), 0);
    assert!(st.outputs.is_empty());
    assert!(p.objects().is_empty());

    // The graph.
    let dot = ops::graph_dot(&config).unwrap();
    assert!(dot.contains("\"[root] fake_thing.node\" -> \"[root] fake_thing.base\""));
    assert!(dot.contains("\"[root] fake_thing.late\" -> \"[root] fake_thing.node\""));
    assert!(dot.contains("\"[root] fake_thing.base\" -> \"[root] local.prefix\""));
}

#[tokio::test]
async fn unknown_count_names_the_expression_and_offers_target() {
    let dir = config_dir(
        "unknown-count",
        r#"
resource "fake_thing" "a" {
  name = "a"
}
resource "fake_thing" "b" {
  count = length(fake_thing.a.id)
  name  = "b"
}
"#,
    );
    let p = Arc::new(FakeProvider::new());
    let reg = registry(p);
    let out = run_plan(
        &dir,
        &reg,
        BTreeMap::new(),
        &State::new("1.0.3"),
        &PlanOptions::default(),
    )
    .await;
    assert!(out.plan.is_none());
    let d = out.diagnostics.iter().next().unwrap();
    assert_eq!(d.summary, "Invalid count argument");
    assert!(
        d.detail.contains("count = length(fake_thing.a.id)"),
        "{}",
        d.detail
    );
    assert!(d.detail.contains("-target"));
    assert_eq!(d.span.as_ref().unwrap().start.line, 6);
}

#[tokio::test]
async fn missing_required_variable_and_reference_cycles_are_errors() {
    let dir = config_dir(
        "errors",
        r#"
variable "needed" {
  type = string
}
resource "fake_thing" "a" {
  name = var.needed
}
"#,
    );
    let p = Arc::new(FakeProvider::new());
    let reg = registry(p);
    let out = run_plan(
        &dir,
        &reg,
        BTreeMap::new(),
        &State::new("1.0.3"),
        &PlanOptions::default(),
    )
    .await;
    assert_eq!(
        out.diagnostics.iter().next().unwrap().summary,
        "No value for required variable"
    );

    let dir = config_dir(
        "cycle",
        r#"
resource "fake_thing" "a" {
  name  = "a"
  value = fake_thing.b.id
}
resource "fake_thing" "b" {
  name  = "b"
  value = fake_thing.a.id
}
"#,
    );
    let out = run_plan(
        &dir,
        &reg,
        BTreeMap::new(),
        &State::new("1.0.3"),
        &PlanOptions::default(),
    )
    .await;
    let d = out.diagnostics.iter().next().unwrap();
    assert_eq!(d.summary, "Cycle: fake_thing.a, fake_thing.b");
    assert!(d.detail.contains("main.tf:2:1"), "{}", d.detail);
    let (config, _) = girder_lang::config::load_config(&dir);
    assert!(ops::graph_dot(&config).is_err());
}
