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

const MOD_ROOT: &str = r#"
variable "env" {
  type    = string
  default = "dev"
}

module "net" {
  source = "./modules/net"
  name   = "net-${var.env}"
}

module "app" {
  source = "./modules/app"
  count  = 2
  name   = "app${count.index}"
  net_id = module.net.id
}

module "svc" {
  source   = "./modules/app"
  for_each = toset(["x", "y"])
  name     = "svc-${each.key}"
  net_id   = module.net.id
  settings = { size = 3 }
}

resource "fake_thing" "sg" {
  name  = "sg"
  value = module.net.id
}

output "app_ids" {
  value = module.app[*].id
}

output "svc_x" {
  value = module.svc["x"].id
}

output "inner" {
  value = module.app[1].inner_id
}
"#;

const MOD_NET: &str = r#"
variable "name" {
  type = string
}

resource "fake_thing" "vpc" {
  name = var.name
}

output "id" {
  value = fake_thing.vpc.id
}
"#;

const MOD_APP: &str = r#"
variable "name" {
  type = string
}

variable "net_id" {
  type = string
}

variable "settings" {
  type    = object({ size = optional(number, 1) })
  default = {}
}

resource "fake_thing" "b" {
  name  = var.name
  value = var.net_id
  tags = {
    size = tostring(var.settings.size)
    dir  = basename(path.module)
  }
}

module "inner" {
  source   = "../inner"
  name     = "${var.name}-inner"
  upstream = fake_thing.b.id
}

output "id" {
  value = fake_thing.b.id
}

output "inner_id" {
  value = module.inner.id
}
"#;

const MOD_INNER: &str = r#"
variable "name" {}
variable "upstream" {}

resource "fake_thing" "leaf" {
  name  = var.name
  value = var.upstream
}

output "id" {
  value = fake_thing.leaf.id
}
"#;

fn module_tree(root: &str) -> std::path::PathBuf {
    let dir = config_dir("modules", root);
    for (name, text) in [("net", MOD_NET), ("app", MOD_APP), ("inner", MOD_INNER)] {
        let d = dir.join("modules").join(name);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("main.tf"), text).unwrap();
    }
    dir
}

async fn apply_dir(
    dir: &std::path::Path,
    reg: &dyn plan::ProviderRegistry,
    inputs: BTreeMap<String, Value>,
    plan: &Plan,
    backend: Arc<dyn Backend>,
) -> State {
    let (config, diags) = girder_lang::config::load_config(dir);
    assert!(!diags.has_errors(), "{}", diag_text(&diags));
    let req = Request {
        config: &config,
        inputs,
        workspace: "default".into(),
        base_dir: dir.to_path_buf(),
        providers: reg,
    };
    let serial = ApplyOptions {
        parallelism: 1,
        ..ApplyOptions::default()
    };
    let out = ops::apply(&req, plan, backend, &serial).await;
    assert!(
        !out.diagnostics.has_errors(),
        "{}",
        diag_text(&out.diagnostics)
    );
    out.state.unwrap()
}

fn addrs(plan: &Plan) -> Vec<(String, String)> {
    plan.changes
        .iter()
        .map(|c| (c.display_addr(), format!("{:?}", c.action)))
        .collect()
}

#[tokio::test]
async fn module_calls_with_count_for_each_nesting_outputs_and_destroy() {
    let dir = module_tree(MOD_ROOT);
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
    assert_eq!(plan.counts(), (10, 0, 0), "{:?}", addrs(&plan));
    let names: Vec<String> = addrs(&plan).into_iter().map(|(a, _)| a).collect();
    for a in [
        "fake_thing.sg",
        "module.net.fake_thing.vpc",
        "module.app[0].fake_thing.b",
        "module.app[1].module.inner.fake_thing.leaf",
        "module.svc[\"x\"].fake_thing.b",
        "module.svc[\"y\"].module.inner.fake_thing.leaf",
    ] {
        assert!(names.contains(&a.to_string()), "{a} not in {names:?}");
    }
    // At plan, module.net.id is unknown in the callers.
    let sg = plan
        .changes
        .iter()
        .find(|c| c.display_addr() == "fake_thing.sg")
        .unwrap();
    assert!(!sg.after.get_attr("value").unwrap().is_known());
    let dep_names = |c: &ResourceChange| {
        c.depends_on
            .iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(dep_names(sg), vec!["module.net.fake_thing.vpc".to_string()]);
    let leaf = plan
        .changes
        .iter()
        .find(|c| c.display_addr() == "module.svc[\"y\"].module.inner.fake_thing.leaf")
        .unwrap();
    assert_eq!(
        dep_names(leaf),
        vec!["module.svc[\"y\"].fake_thing.b".to_string()]
    );
    let text = render_plan(&plan, &reg, RenderOptions { no_color: true });
    assert!(
        text.contains("# module.svc[\"x\"].fake_thing.b will be created"),
        "{text}"
    );

    let mem = Arc::new(MemoryBackend::new());
    let backend: Arc<dyn Backend> = mem.clone();
    let state = apply_dir(&dir, &reg, BTreeMap::new(), &plan, backend.clone()).await;
    assert_eq!(state.instance_count(), 10);
    // Addresses in state as Terraform writes them.
    let json: serde_json::Value =
        serde_json::from_slice(&girder_state::format::to_bytes(&state)).unwrap();
    let mods: Vec<String> = json["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["module"].as_str().map(str::to_string))
        .collect();
    for m in [
        "module.net",
        "module.app[0]",
        "module.app[1].module.inner",
        "module.svc[\"x\"]",
        "module.svc[\"y\"].module.inner",
    ] {
        assert!(mods.contains(&m.to_string()), "{m} not in {mods:?}");
    }
    // Apply order across module boundaries.
    let calls = p.calls();
    let pos = |op: Op, s: &str| {
        calls
            .iter()
            .position(|c| c.op == op && c.subject == s)
            .unwrap_or_else(|| panic!("{op:?} {s} not in {calls:?}"))
    };
    assert!(pos(Op::Create, "net-dev") < pos(Op::Create, "sg"));
    assert!(pos(Op::Create, "net-dev") < pos(Op::Create, "app0"));
    assert!(pos(Op::Create, "app1") < pos(Op::Create, "app1-inner"));
    assert!(pos(Op::Create, "svc-y") < pos(Op::Create, "svc-y-inner"));
    // Values flowed: net's id into sg and into the children; optional() defaults; path.module.
    let objs = p.objects();
    let by_name = |n: &str| {
        objs.values()
            .find(|o| {
                o.get_attr("name")
                    .and_then(|v| v.as_str().map(str::to_string))
                    == Some(n.into())
            })
            .unwrap_or_else(|| panic!("no object {n}"))
            .clone()
    };
    let attr = |n: &str, a: &str| by_name(n).get_attr(a).unwrap().clone();
    let net_id = attr("net-dev", "id");
    assert_eq!(attr("sg", "value"), net_id);
    assert_eq!(attr("app0", "value"), net_id);
    let app1_id = attr("app1", "id");
    assert_eq!(attr("app1-inner", "value"), app1_id);
    let tags = |n: &str| attr(n, "tags").to_json().unwrap();
    assert_eq!(tags("app0"), serde_json::json!({"size": "1", "dir": "app"}));
    assert_eq!(
        tags("svc-x"),
        serde_json::json!({"size": "3", "dir": "app"})
    );
    // Outputs.
    assert_eq!(state.outputs["app_ids"].value.as_array().unwrap().len(), 2);
    let svc_x_id = attr("svc-x", "id");
    assert_eq!(
        Some(state.outputs["svc_x"].value.as_str().unwrap()),
        svc_x_id.as_str()
    );
    let inner_id = attr("app1-inner", "id");
    assert_eq!(
        Some(state.outputs["inner"].value.as_str().unwrap()),
        inner_id.as_str()
    );

    // Nothing to do now.
    let again = run_plan(&dir, &reg, BTreeMap::new(), &state, &PlanOptions::default()).await;
    assert!(
        !again.diagnostics.has_errors(),
        "{}",
        diag_text(&again.diagnostics)
    );
    let again = again.plan.unwrap();
    assert!(
        !again.has_changes(),
        "{}",
        render_plan(&again, &reg, RenderOptions { no_color: true })
    );

    // A module input changes: the VPC updates in place, nothing else (its id stays).
    let mut inputs = BTreeMap::new();
    inputs.insert("env".to_string(), Value::string("prod"));
    let changed = run_plan(&dir, &reg, inputs.clone(), &state, &PlanOptions::default())
        .await
        .plan
        .unwrap();
    assert_eq!(changed.counts(), (0, 1, 0), "{:?}", addrs(&changed));
    assert_eq!(
        addrs(&changed)
            .into_iter()
            .filter(|(_, a)| a != "NoOp")
            .collect::<Vec<_>>(),
        vec![(
            "module.net.fake_thing.vpc".to_string(),
            "Update".to_string()
        )]
    );
    let state = apply_dir(&dir, &reg, inputs.clone(), &changed, backend.clone()).await;
    assert!(p
        .calls()
        .iter()
        .any(|c| c.op == Op::Update && c.subject == "net-prod"));

    // A module call removed from the configuration: its instances are destroyed.
    let fewer = MOD_ROOT.split("module \"svc\"").next().unwrap().to_string()
        + "resource \"fake_thing\" \"sg\" {\n  name  = \"sg\"\n  value = module.net.id\n}\n";
    std::fs::write(dir.join("main.tf"), &fewer).unwrap();
    let orphaned = run_plan(&dir, &reg, inputs.clone(), &state, &PlanOptions::default()).await;
    assert!(
        !orphaned.diagnostics.has_errors(),
        "{}",
        diag_text(&orphaned.diagnostics)
    );
    let orphaned = orphaned.plan.unwrap();
    assert_eq!(orphaned.counts(), (0, 0, 4), "{:?}", addrs(&orphaned));
    let deleted: Vec<String> = addrs(&orphaned)
        .into_iter()
        .filter(|(_, a)| a == "Delete")
        .map(|(a, _)| a)
        .collect();
    assert!(
        deleted.iter().all(|a| a.starts_with("module.svc[")),
        "{deleted:?}"
    );
    let state = apply_dir(&dir, &reg, inputs.clone(), &orphaned, backend.clone()).await;
    assert_eq!(state.instance_count(), 6);

    // Destroy the rest: dependents first.
    let before = p.calls().len();
    let d = run_plan(
        &dir,
        &reg,
        inputs.clone(),
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
    let st = apply_dir(&dir, &reg, inputs, &d, backend).await;
    assert_eq!(st.instance_count(), 0);
    assert!(p.objects().is_empty());
    let calls: Vec<_> = p.calls().into_iter().skip(before).collect();
    let del = |s: &str| {
        calls
            .iter()
            .position(|c| c.op == Op::Delete && c.subject == s)
            .unwrap_or_else(|| panic!("no delete of {s} in {calls:?}"))
    };
    assert!(del("sg") < del("net-prod"));
    assert!(del("app0") < del("net-prod"));
    assert!(del("app1-inner") < del("app1"));
}

#[tokio::test]
async fn module_depends_on_and_bad_module_arguments() {
    // depends_on on a module call, and on a module from a resource.
    let dir = module_tree(
        r#"
resource "fake_thing" "first" {
  name = "first"
}

module "net" {
  source     = "./modules/net"
  name       = "net"
  depends_on = [fake_thing.first]
}

resource "fake_thing" "last" {
  name       = "last"
  depends_on = [module.net]
}
"#,
    );
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
    let deps_of = |a: &str| {
        plan.changes
            .iter()
            .find(|c| c.display_addr() == a)
            .unwrap()
            .depends_on
            .iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        deps_of("module.net.fake_thing.vpc"),
        vec!["fake_thing.first"]
    );
    assert_eq!(
        deps_of("fake_thing.last"),
        vec!["module.net.fake_thing.vpc"]
    );
    let backend: Arc<dyn Backend> = Arc::new(MemoryBackend::new());
    apply_dir(&dir, &reg, BTreeMap::new(), &plan, backend).await;
    let calls = p.calls();
    let pos = |s: &str| {
        calls
            .iter()
            .position(|c| c.op == Op::Create && c.subject == s)
            .unwrap()
    };
    assert!(pos("first") < pos("net"));
    assert!(pos("net") < pos("last"));

    // A missing required argument and a value of the wrong type.
    let dir = module_tree(
        r#"
module "a" {
  source = "./modules/net"
}

module "b" {
  source   = "./modules/app"
  name     = "b"
  net_id   = "n"
  settings = { size = "big" }
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
    let text = diag_text(&out.diagnostics);
    assert!(out.plan.is_none());
    assert!(
        text.contains("The argument \"name\" is required, but no definition was found."),
        "{text}"
    );
    let out = run_plan(
        &module_tree(
            r#"
module "b" {
  source   = "./modules/app"
  name     = "b"
  net_id   = "n"
  settings = { size = "big" }
}
"#,
        ),
        &reg,
        BTreeMap::new(),
        &State::new("1.0.3"),
        &PlanOptions::default(),
    )
    .await;
    let text = diag_text(&out.diagnostics);
    assert!(out.plan.is_none(), "{text}");
    assert!(text.contains("Invalid value for module argument"), "{text}");
    assert!(
        text.contains("child module variable \"settings\""),
        "{text}"
    );
    assert!(
        text.contains(
            "defined at modules/app/main.tf:10,1-20: attribute \"size\": a number is required."
        ),
        "{text}"
    );
}

#[tokio::test]
async fn import_reads_through_the_configured_provider_of_the_address() {
    let dir = config_dir(
        "import",
        r#"
resource "fake_thing" "a" {
  name = "one"
}

resource "fake_thing" "n" {
  count = 2
  name  = "n-${count.index}"
}
"#,
    );
    let p = Arc::new(FakeProvider::new());
    let reg = registry(p.clone());
    let plan = run_plan(
        &dir,
        &reg,
        BTreeMap::new(),
        &State::new("1.0.3"),
        &PlanOptions::default(),
    )
    .await
    .plan
    .unwrap();
    let mem: Arc<dyn Backend> = Arc::new(MemoryBackend::new());
    let state = apply_dir(&dir, &reg, BTreeMap::new(), &plan, mem).await;
    let r = state
        .resources
        .iter()
        .find(|r| r.name == "a")
        .expect("fake_thing.a");
    let attrs: serde_json::Value =
        serde_json::from_str(r.instances[0].attributes.as_ref().unwrap().as_str()).unwrap();
    let id = attrs["id"].as_str().unwrap().to_string();

    let (config, _) = girder_lang::config::load_config(&dir);
    let req = Request {
        config: &config,
        inputs: BTreeMap::new(),
        workspace: "default".into(),
        base_dir: dir.clone(),
        providers: &reg,
    };
    let addr = |s: &str| girder_core::addr::AbsResourceInstance::parse(s).unwrap();
    // Into another address of the configuration (count index 1): the object as the provider
    // reads it, and the provider configuration that serves the address.
    let got = ops::import(&req, &addr("fake_thing.n[1]"), &id)
        .await
        .unwrap_or_else(|d| panic!("{}", diag_text(&d)));
    assert_eq!(got.value.to_json().unwrap(), attrs);
    assert_eq!(&*got.provider.name, "fake");
    assert!(p
        .calls()
        .iter()
        .any(|c| c.op == Op::Import && c.subject == id));

    // An address the configuration does not declare (index out of range, unknown name).
    for bad in ["fake_thing.n[2]", "fake_thing.b"] {
        let d = ops::import(&req, &addr(bad), &id).await.unwrap_err();
        let t = diag_text(&d);
        assert!(
            t.contains("Configuration for import target does not exist") && t.contains(bad),
            "{t}"
        );
    }
    // An id with no object behind it.
    let d = ops::import(&req, &addr("fake_thing.a"), "no-such-id")
        .await
        .unwrap_err();
    assert!(diag_text(&d).contains("non-existent"), "{}", diag_text(&d));
}
