//! Test support: the local AWS emulator (`tests/emulator/run`) and a small driver that plays
//! the engine's part (proposed new state, plan, apply, read, import) against the provider.

#![allow(dead_code)]

use girder_core::value::Kind;
use girder_core::{Type, Value};
use girder_provider::schema::{Nesting, Presence, Schema};
use girder_provider::{ApplyRequest, OpContext, PlanRequest, PlanResponse, Provider, ReadRequest};
use girder_provider_aws::util::Timing;
use girder_provider_aws::AwsProvider;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{mpsc, OnceLock};
use std::time::Duration;

pub const REGION: &str = "us-east-1";

/// A running emulator.
pub struct Emulator {
    child: Child,
    stdin: Option<ChildStdin>,
    /// `http://127.0.0.1:PORT`
    pub url: String,
}

pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root")
}

impl Emulator {
    /// The emulator shared by every test of this binary.
    pub fn shared() -> &'static Emulator {
        static EMU: OnceLock<Emulator> = OnceLock::new();
        EMU.get_or_init(Emulator::start)
    }

    /// Starts an emulator; it dies with the test process (its wrapper watches stdin).
    pub fn start() -> Emulator {
        let run = workspace_root().join("tests/emulator/run");
        let script = r#""$0" --port 0 </dev/null 2>/dev/null & pid=$!
trap 'kill $pid 2>/dev/null' EXIT
read -r _ || true
kill $pid 2>/dev/null
wait $pid 2>/dev/null"#;
        let mut child = Command::new("bash")
            .arg("-c")
            .arg(script)
            .arg(&run)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start tests/emulator/run");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(url) = line.strip_prefix("READY ") {
                    let _ = tx.send(url.trim().to_string());
                }
            }
        });
        let url = match rx.recv_timeout(Duration::from_secs(180)) {
            Ok(u) => u,
            Err(_) => {
                let _ = child.kill();
                panic!("the emulator did not print READY within 180 s");
            }
        };
        assert!(url.starts_with("http://127.0.0.1:"), "{url}");
        let stdin = child.stdin.take();
        Emulator { child, stdin, url }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.wait();
    }
}

/// A unique lower-case name.
pub fn unique(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!(
        "{prefix}-{:x}{}",
        (t % 0xffff_ffff) as u64,
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// The provider block for the emulator, plus extra JSON attributes.
pub fn provider_block(url: &str, extra: serde_json::Value) -> serde_json::Value {
    let mut endpoints = serde_json::Map::new();
    for s in ["ec2", "iam", "s3", "rds", "elasticache", "eks", "sts"] {
        endpoints.insert(s.into(), serde_json::Value::String(url.into()));
    }
    let mut o = serde_json::json!({
        "region": REGION,
        "access_key": "AKIAGIRDERTEST000000",
        "secret_key": "girder-test-secret",
        "skip_credentials_validation": true,
        "skip_metadata_api_check": "true",
        "s3_use_path_style": true,
        "endpoints": [serde_json::Value::Object(endpoints)],
    });
    if let (Some(m), Some(e)) = (o.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            m.insert(k.clone(), v.clone());
        }
    }
    o
}

/// A configured provider on the emulator.
pub async fn provider_with(extra: serde_json::Value) -> AwsProvider {
    let emu = Emulator::shared();
    let p = AwsProvider::new().with_timing(Timing::fast());
    let schema = p.schema().provider.clone();
    let cfg = config(&schema, provider_block(&emu.url, extra));
    p.configure(cfg, &OpContext::default())
        .await
        .unwrap_or_else(|d| panic!("configure: {d:?}"));
    p
}

/// A configured provider with default tags `{Suite = "girder"}`.
pub async fn provider() -> AwsProvider {
    provider_with(serde_json::json!({"default_tags": [{"tags": {"Suite": "girder"}}]})).await
}

/// A configuration value of a schema from JSON, as the engine would evaluate it: every
/// attribute present (null when not set), absent blocks as empty collections.
pub fn config(schema: &Schema, j: serde_json::Value) -> Value {
    let v = Value::from_json_typed(&j, &schema.object_type())
        .unwrap_or_else(|e| panic!("config does not fit the schema: {e}"));
    fill_blocks(schema, &v)
}

fn fill_blocks(schema: &Schema, v: &Value) -> Value {
    let Some(m) = v.as_map() else {
        return v.clone();
    };
    let mut out = m.clone();
    for (name, b) in &schema.blocks {
        let inner_t = b.block.object_type();
        let cur = out.get(name).cloned().unwrap_or_else(Value::null_dynamic);
        let new = match (b.nesting, cur.kind()) {
            (Nesting::List, Kind::Null(_)) => Value::empty_list(inner_t),
            (Nesting::Set, Kind::Null(_)) => Value::set(inner_t, vec![]),
            (Nesting::List, Kind::List(_, items)) => Value::list(
                inner_t,
                items.iter().map(|i| fill_blocks(&b.block, i)).collect(),
            ),
            (Nesting::Set, Kind::Set(_, items)) => Value::set(
                inner_t,
                items.iter().map(|i| fill_blocks(&b.block, i)).collect(),
            ),
            (Nesting::Single, Kind::Object(_)) => fill_blocks(&b.block, &cur),
            _ => cur,
        };
        out.insert(name.clone(), new);
    }
    Value::object(out)
}

/// Terraform's ProposedNewState: configured values, prior values for computed attributes
/// left unset (unknown when there is no prior object).
pub fn proposed(schema: &Schema, prior: &Value, config: &Value) -> Value {
    let cm = config.as_map().cloned().unwrap_or_default();
    let pm = prior.as_map().cloned();
    let mut out = BTreeMap::new();
    for (name, a) in &schema.attributes {
        let c = cm
            .get(name)
            .cloned()
            .unwrap_or_else(|| Value::null(a.ty.clone()));
        let computed = matches!(a.presence, Presence::Computed | Presence::OptionalComputed);
        let v = if computed && c.is_null() {
            match &pm {
                Some(p) => p
                    .get(name)
                    .cloned()
                    .unwrap_or_else(|| Value::null(a.ty.clone())),
                None => Value::unknown(a.ty.clone()),
            }
        } else {
            c
        };
        out.insert(name.clone(), v);
    }
    for (name, b) in &schema.blocks {
        let c = cm.get(name).cloned().unwrap_or_else(Value::null_dynamic);
        let v = match (b.nesting, &pm) {
            (Nesting::List, Some(p)) => {
                let prior_items = p
                    .get(name)
                    .and_then(|x| x.as_seq().map(<[Value]>::to_vec))
                    .unwrap_or_default();
                match c.as_seq() {
                    Some(items) => Value::list(
                        b.block.object_type(),
                        items
                            .iter()
                            .enumerate()
                            .map(|(i, it)| {
                                let pr = prior_items
                                    .get(i)
                                    .cloned()
                                    .unwrap_or_else(Value::null_dynamic);
                                proposed(&b.block, &pr, it)
                            })
                            .collect(),
                    ),
                    None => c,
                }
            }
            (Nesting::List, None) => match c.as_seq() {
                Some(items) => Value::list(
                    b.block.object_type(),
                    items
                        .iter()
                        .map(|it| proposed(&b.block, &Value::null_dynamic(), it))
                        .collect(),
                ),
                None => c,
            },
            _ => c,
        };
        out.insert(name.clone(), v);
    }
    Value::object(out.into())
}

pub fn ctx() -> OpContext {
    OpContext::default()
}

pub fn schema_of(p: &AwsProvider, ty: &str) -> Schema {
    p.schema()
        .resource(ty)
        .unwrap_or_else(|| panic!("no schema for {ty}"))
        .clone()
}

/// Plans `config` (JSON) against `prior` (null when creating).
pub async fn plan(
    p: &AwsProvider,
    ty: &str,
    prior: &Value,
    cfg: serde_json::Value,
) -> (PlanResponse, Value) {
    let schema = schema_of(p, ty);
    let config = config(&schema, cfg);
    let prop = proposed(&schema, prior, &config);
    let r = p
        .plan_resource(
            PlanRequest {
                type_name: ty.into(),
                prior_state: prior.clone(),
                proposed_new_state: prop,
                config: config.clone(),
                prior_private: vec![],
            },
            &ctx(),
        )
        .await
        .unwrap_or_else(|d| panic!("plan {ty}: {d:?}"));
    (r, config)
}

/// Plans and applies; returns the new state (panics on errors).
pub async fn apply(
    p: &AwsProvider,
    ty: &str,
    prior: &Value,
    cfg: serde_json::Value,
) -> (Value, PlanResponse) {
    let (plan, config) = plan(p, ty, prior, cfg).await;
    let replacing = !plan.requires_replace.is_empty();
    let mut prior = prior.clone();
    if replacing {
        let r = p
            .apply_resource(
                ApplyRequest {
                    type_name: ty.into(),
                    prior_state: prior.clone(),
                    planned_state: Value::null_dynamic(),
                    config: Value::null_dynamic(),
                    planned_private: vec![],
                },
                &ctx(),
            )
            .await;
        assert!(
            !r.diagnostics.has_errors(),
            "delete for replace {ty}: {:?}",
            r.diagnostics
        );
        prior = Value::null_dynamic();
        // re-plan as a create (the engine does the same)
        let (p2, _) = self::plan(p, ty, &prior, config.to_json().unwrap()).await;
        return (
            apply_planned(p, ty, &prior, p2.planned_state.clone(), &config).await,
            plan,
        );
    }
    (
        apply_planned(p, ty, &prior, plan.planned_state.clone(), &config).await,
        plan,
    )
}

pub async fn apply_planned(
    p: &AwsProvider,
    ty: &str,
    prior: &Value,
    planned: Value,
    config: &Value,
) -> Value {
    let r = p
        .apply_resource(
            ApplyRequest {
                type_name: ty.into(),
                prior_state: prior.clone(),
                planned_state: planned.clone(),
                config: config.clone(),
                planned_private: vec![],
            },
            &ctx(),
        )
        .await;
    assert!(
        !r.diagnostics.has_errors(),
        "apply {ty}: {:?}",
        r.diagnostics
    );
    let state = r.new_state.expect("a new state");
    assert!(
        state.is_wholly_known(),
        "apply {ty} left unknowns: {state:?}"
    );
    check_conforms(&planned, &state, ty);
    state
}

/// Known planned values must be what apply produced (Terraform's consistency check).
pub fn check_conforms(planned: &Value, state: &Value, ty: &str) {
    if let (Some(pm), Some(sm)) = (planned.as_map(), state.as_map()) {
        for (k, pv) in pm {
            if !pv.is_wholly_known() {
                continue;
            }
            let sv = sm
                .get(k)
                .unwrap_or_else(|| panic!("{ty}: {k} missing from the state"));
            assert!(
                pv.raw_equal(sv),
                "{ty}: provider produced inconsistent result: planned {k} = {pv:?}, got {sv:?}"
            );
        }
    }
}

/// Creates an object.
pub async fn create(p: &AwsProvider, ty: &str, cfg: serde_json::Value) -> Value {
    apply(p, ty, &Value::null_dynamic(), cfg).await.0
}

/// Deletes an object.
pub async fn destroy(p: &AwsProvider, ty: &str, state: &Value) {
    let r = p
        .apply_resource(
            ApplyRequest {
                type_name: ty.into(),
                prior_state: state.clone(),
                planned_state: Value::null_dynamic(),
                config: Value::null_dynamic(),
                planned_private: vec![],
            },
            &ctx(),
        )
        .await;
    assert!(
        !r.diagnostics.has_errors(),
        "destroy {ty}: {:?}",
        r.diagnostics
    );
    assert!(r.new_state.is_none());
}

/// Reads an object: Some(state) or None when gone.
pub async fn read(p: &AwsProvider, ty: &str, state: &Value) -> Option<Value> {
    p.read_resource(
        ReadRequest {
            type_name: ty.into(),
            current_state: state.clone(),
            private: vec![],
        },
        &ctx(),
    )
    .await
    .unwrap_or_else(|d| panic!("read {ty}: {d:?}"))
    .new_state
}

/// Asserts that planning `cfg` against `state` changes nothing.
pub async fn assert_noop(p: &AwsProvider, ty: &str, state: &Value, cfg: serde_json::Value) {
    let (plan, _) = plan(p, ty, state, cfg).await;
    assert!(
        plan.requires_replace.is_empty(),
        "{ty}: no-op plan wants replacement: {:?}",
        plan.requires_replace
    );
    if !plan.planned_state.raw_equal(state) {
        let (a, b) = (
            plan.planned_state.as_map().unwrap(),
            state.as_map().unwrap(),
        );
        let diffs: Vec<String> = a
            .iter()
            .filter(|(k, v)| !b.get(*k).is_some_and(|x| x.raw_equal(v)))
            .map(|(k, v)| format!("{k}: state {:?} -> planned {:?}", b.get(k), v))
            .collect();
        panic!("{ty}: perpetual diff after apply:\n{}", diffs.join("\n"));
    }
}

/// Imports by id and checks it matches `state` in the listed attributes.
pub async fn import(p: &AwsProvider, ty: &str, id: &str) -> Value {
    let r = p
        .import_resource(ty, id, &ctx())
        .await
        .unwrap_or_else(|d| panic!("import {ty} {id}: {d:?}"));
    assert_eq!(r.len(), 1);
    r[0].state.clone()
}

/// A string attribute.
pub fn s(v: &Value, k: &str) -> String {
    v.get_attr(k)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("{k} is not a string in {v:?}"))
        .to_string()
}

/// The attribute at `k`.
pub fn attr<'a>(v: &'a Value, k: &str) -> &'a Value {
    v.get_attr(k).unwrap_or_else(|| panic!("no {k}"))
}

/// The top-level attribute names in `requires_replace`.
pub fn replace_names(plan: &PlanResponse) -> Vec<String> {
    plan.requires_replace
        .iter()
        .filter_map(|p| match p.0.first() {
            Some(girder_core::value::PathStep::Attr(a)) => Some(a.clone()),
            _ => None,
        })
        .collect()
}

/// A `map(string)` value's entries.
pub fn smap(v: &Value) -> BTreeMap<String, String> {
    girder_provider_aws::util::smap_of(v)
}

pub fn string_type() -> Type {
    Type::String
}
