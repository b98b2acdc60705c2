//! Apply on the fake provider: order, parallelism, failures, create_before_destroy, crash
//! recovery through the journal, interruption, stale saved plans.

mod support;

use girder_core::addr::AbsResourceInstance;
use girder_core::{Diagnostics, Type, Value};
use girder_engine::*;
use girder_provider::fake::{Failure, FakeProvider, Op};
use girder_provider::schema::ProviderSchema;
use girder_provider::*;
use girder_state::lock::LockInfo;
use girder_state::model::{ObjectStatus, State};
use girder_state::{Backend, LocalBackend};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use support::*;

fn tmpdir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!(
        "girder-engine-{name}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn locked(dir: &std::path::Path) -> Arc<dyn Backend> {
    let b = LocalBackend::new(dir);
    b.lock(&LockInfo::new("apply"), Duration::from_secs(5))
        .unwrap();
    Arc::new(b)
}

fn thing(addr: &str, name: &str) -> DesiredInstance {
    DesiredInstance::new(
        addr,
        fake(),
        Value::object_from([("name", Value::string(name))]),
    )
}

fn wired(addr: &str, name: &str, from: &str) -> DesiredInstance {
    DesiredInstance::wired(
        addr,
        fake(),
        Value::object_from([("name", Value::string(name))]),
        vec![Wire {
            attr: "value".into(),
            from: AbsResourceInstance::parse(from).unwrap(),
            from_attr: "id".into(),
        }],
    )
}

async fn plan_ok(
    desired: &[DesiredInstance],
    outputs: &[DesiredOutput],
    state: &State,
    reg: &HashMap<String, Arc<dyn Provider>>,
    opts: &PlanOptions,
) -> Plan {
    let out = girder_engine::plan(desired, outputs, state, reg, opts).await;
    assert!(
        !out.diagnostics.has_errors(),
        "{}",
        diag_text(&out.diagnostics)
    );
    out.plan.unwrap()
}

fn current(state: &State) -> State {
    state.clone()
}

fn created_order(p: &FakeProvider, op: Op) -> Vec<String> {
    p.calls()
        .into_iter()
        .filter(|c| c.op == op)
        .map(|c| c.subject)
        .collect()
}

fn attr(state: &State, addr: &str, name: &str) -> Option<serde_json::Value> {
    let a = AbsResourceInstance::parse(addr).unwrap();
    let r = state.resource(
        &a.resource.module,
        a.resource.resource.mode,
        &a.resource.resource.type_name,
        &a.resource.resource.name,
    )?;
    let i = r.instance(a.key.as_ref(), None)?;
    i.attributes.as_ref()?.to_value().get(name).cloned()
}

#[tokio::test]
async fn creates_follow_dependencies_and_unknowns_resolve_at_apply() {
    let p = Arc::new(FakeProvider::new());
    p.set_latency(Op::Create, Duration::from_millis(5));
    let reg = registry(p.clone());
    let desired = vec![
        wired("fake_thing.c", "c", "fake_thing.b"),
        wired("fake_thing.b", "b", "fake_thing.a"),
        thing("fake_thing.a", "a"),
    ];
    let outputs = vec![DesiredOutput::attr(
        "c_value",
        "fake_thing.c",
        "value",
        false,
    )];
    let dir = tmpdir("order");
    let backend = locked(&dir);
    let state = State::new("1.0.3");
    let plan = plan_ok(&desired, &outputs, &state, &reg, &PlanOptions::default()).await;
    assert_eq!(plan.counts(), (3, 0, 0));
    let out = apply(
        &plan,
        &desired,
        &outputs,
        &reg,
        backend.clone(),
        &ApplyOptions::default(),
    )
    .await;
    assert!(
        !out.diagnostics.has_errors(),
        "{}",
        diag_text(&out.diagnostics)
    );
    assert_eq!(created_order(&p, Op::Create), ["a", "b", "c"]);
    assert_eq!(
        out.summary(),
        "Apply complete! Resources: 3 added, 0 changed, 0 destroyed."
    );
    let st = out.state.unwrap();
    assert_eq!(st.instance_count(), 3);
    // b's value was unknown at plan time (a.id) and is a's id now.
    assert_eq!(
        attr(&st, "fake_thing.b", "value"),
        attr(&st, "fake_thing.a", "id")
    );
    let b = st.resources.iter().find(|r| r.name == "b").unwrap();
    assert_eq!(b.instances[0].dependencies, ["fake_thing.a"]);
    assert_eq!(
        st.outputs["c_value"].value,
        attr(&st, "fake_thing.b", "id").unwrap()
    );
    // Planning again finds nothing to do.
    let again = plan_ok(
        &desired,
        &outputs,
        &current(&st),
        &reg,
        &PlanOptions::default(),
    )
    .await;
    assert!(
        !again.has_changes(),
        "{:?}",
        again.changes.iter().map(|c| c.action).collect::<Vec<_>>()
    );
}

/// Counts concurrent apply calls of an inner provider.
struct Counting {
    inner: Arc<FakeProvider>,
    now: AtomicUsize,
    max: AtomicUsize,
}

#[async_trait::async_trait]
impl Provider for Counting {
    fn name(&self) -> &str {
        "fake"
    }
    fn schema(&self) -> &ProviderSchema {
        self.inner.schema()
    }
    async fn configure(&self, c: Value, ctx: &OpContext) -> Result<(), Diagnostics> {
        self.inner.configure(c, ctx).await
    }
    async fn plan_resource(
        &self,
        r: PlanRequest,
        ctx: &OpContext,
    ) -> Result<PlanResponse, Diagnostics> {
        self.inner.plan_resource(r, ctx).await
    }
    async fn apply_resource(&self, r: ApplyRequest, ctx: &OpContext) -> ApplyResponse {
        let n = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.max.fetch_max(n, Ordering::SeqCst);
        let out = self.inner.apply_resource(r, ctx).await;
        self.now.fetch_sub(1, Ordering::SeqCst);
        out
    }
    async fn read_resource(
        &self,
        r: ReadRequest,
        ctx: &OpContext,
    ) -> Result<ReadResponse, Diagnostics> {
        self.inner.read_resource(r, ctx).await
    }
    async fn import_resource(
        &self,
        t: &str,
        id: &str,
        ctx: &OpContext,
    ) -> Result<Vec<ImportedResource>, Diagnostics> {
        self.inner.import_resource(t, id, ctx).await
    }
    async fn read_data_source(
        &self,
        t: &str,
        c: Value,
        ctx: &OpContext,
    ) -> Result<Value, Diagnostics> {
        self.inner.read_data_source(t, c, ctx).await
    }
}

#[tokio::test]
async fn parallelism_is_bounded_and_used() {
    let inner = Arc::new(FakeProvider::new());
    inner.set_latency(Op::Create, Duration::from_millis(20));
    let counting = Arc::new(Counting {
        inner,
        now: AtomicUsize::new(0),
        max: AtomicUsize::new(0),
    });
    let mut reg: HashMap<String, Arc<dyn Provider>> = HashMap::new();
    reg.insert("fake".into(), counting.clone());
    let desired: Vec<_> = (0..24)
        .map(|i| thing(&format!("fake_thing.t[{i}]"), &format!("t{i}")))
        .collect();
    let backend: Arc<dyn Backend> = Arc::new(girder_engine::testing::MemoryBackend::new());
    let plan = plan_ok(
        &desired,
        &[],
        &State::new("1.0.3"),
        &reg,
        &PlanOptions::default(),
    )
    .await;
    let opts = ApplyOptions {
        parallelism: 4,
        ..ApplyOptions::default()
    };
    let out = apply(&plan, &desired, &[], &reg, backend, &opts).await;
    assert!(!out.diagnostics.has_errors());
    assert_eq!(out.with_status(OpStatus::Succeeded).len(), 24);
    assert_eq!(counting.max.load(Ordering::SeqCst), 4);
}

async fn applied_chain(
    p: &Arc<FakeProvider>,
    dir: &std::path::Path,
) -> (Vec<DesiredInstance>, State) {
    let reg = registry(p.clone());
    let desired = vec![
        thing("fake_thing.a", "a"),
        wired("fake_thing.b", "b", "fake_thing.a"),
        wired("fake_thing.c", "c", "fake_thing.b"),
    ];
    let backend = locked(dir);
    let plan = plan_ok(
        &desired,
        &[],
        &State::new("1.0.3"),
        &reg,
        &PlanOptions::default(),
    )
    .await;
    let out = apply(
        &plan,
        &desired,
        &[],
        &reg,
        backend,
        &ApplyOptions::default(),
    )
    .await;
    assert!(
        !out.diagnostics.has_errors(),
        "{}",
        diag_text(&out.diagnostics)
    );
    (desired, out.state.unwrap())
}

#[tokio::test]
async fn destroy_runs_in_reverse_dependency_order() {
    let p = Arc::new(FakeProvider::new());
    p.set_latency(Op::Delete, Duration::from_millis(5));
    let dir = tmpdir("destroy");
    let (desired, state) = applied_chain(&p, &dir).await;
    let reg = registry(p.clone());
    let opts = PlanOptions {
        mode: PlanMode::Destroy,
        ..PlanOptions::default()
    };
    let plan = plan_ok(&desired, &[], &state, &reg, &opts).await;
    assert_eq!(plan.counts(), (0, 0, 3));
    let backend: Arc<dyn Backend> = {
        let b = LocalBackend::new(&dir);
        b.lock(&LockInfo::new("destroy"), Duration::from_secs(5))
            .ok();
        Arc::new(b)
    };
    let out = apply(
        &plan,
        &desired,
        &[],
        &reg,
        backend,
        &ApplyOptions::default(),
    )
    .await;
    assert!(
        !out.diagnostics.has_errors(),
        "{}",
        diag_text(&out.diagnostics)
    );
    assert_eq!(created_order(&p, Op::Delete), ["c", "b", "a"]);
    assert_eq!(out.state.unwrap().instance_count(), 0);
    assert!(p.objects().is_empty());
}

#[tokio::test]
async fn failed_create_keeps_partial_object_and_skips_only_dependents() {
    let p = Arc::new(FakeProvider::new());
    p.fail(Failure {
        op: Op::Create,
        name: "a".into(),
        partial: true,
    });
    let reg = registry(p.clone());
    let desired = vec![
        thing("fake_thing.a", "a"),
        wired("fake_thing.b", "b", "fake_thing.a"),
        thing("fake_thing.c", "c"),
    ];
    let backend: Arc<dyn Backend> = Arc::new(girder_engine::testing::MemoryBackend::new());
    let plan = plan_ok(
        &desired,
        &[],
        &State::new("1.0.3"),
        &reg,
        &PlanOptions::default(),
    )
    .await;
    let out = apply(
        &plan,
        &desired,
        &[],
        &reg,
        backend,
        &ApplyOptions::default(),
    )
    .await;
    let status: HashMap<&str, OpStatus> = out
        .reports
        .iter()
        .map(|r| (r.addr.as_str(), r.status))
        .collect();
    assert_eq!(status["fake_thing.a"], OpStatus::Failed);
    assert_eq!(status["fake_thing.b"], OpStatus::Skipped);
    assert_eq!(status["fake_thing.c"], OpStatus::Succeeded);
    assert!(out
        .diagnostics
        .iter()
        .any(|d| d.summary == "Injected failure" && d.detail.contains("fake_thing.a")));
    let summary = out.summary();
    let st = out.state.unwrap();
    let a = st
        .resources
        .iter()
        .find(|r| r.name == "a")
        .expect("partial a kept");
    assert_eq!(a.instances[0].status, ObjectStatus::Tainted);
    assert!(st.resources.iter().all(|r| r.name != "b"));
    assert!(st.resources.iter().any(|r| r.name == "c"));
    assert_eq!(summary, "Resources: 1 added, 0 changed, 0 destroyed.");
    // The next plan replaces the tainted object.
    let again = plan_ok(&desired, &[], &st, &reg, &PlanOptions::default()).await;
    let a = again
        .changes
        .iter()
        .find(|c| c.addr.to_string() == "fake_thing.a")
        .unwrap();
    assert_eq!(a.reason, Some(Reason::ReplaceBecauseTainted));
}

async fn replace_with(cbd: bool) -> (Vec<(Op, String)>, State) {
    let p = Arc::new(FakeProvider::new());
    let reg = registry(p.clone());
    let mk = |zone: &str| {
        let a = DesiredInstance::new(
            "fake_thing.a",
            fake(),
            Value::object_from([("name", Value::string("a")), ("zone", Value::string(zone))]),
        )
        .with_lifecycle(Lifecycle {
            create_before_destroy: cbd,
            ..Lifecycle::default()
        });
        vec![a, wired("fake_thing.b", "b", "fake_thing.a")]
    };
    let backend: Arc<dyn Backend> = Arc::new(girder_engine::testing::MemoryBackend::new());
    let d1 = mk("z1");
    let plan = plan_ok(
        &d1,
        &[],
        &State::new("1.0.3"),
        &reg,
        &PlanOptions::default(),
    )
    .await;
    let st = apply(
        &plan,
        &d1,
        &[],
        &reg,
        backend.clone(),
        &ApplyOptions::default(),
    )
    .await
    .state
    .unwrap();
    let before = p.calls().len();
    let d2 = mk("z2");
    let plan = plan_ok(&d2, &[], &st, &reg, &PlanOptions::default()).await;
    let a = &plan.changes[0];
    assert_eq!(
        a.action,
        if cbd {
            Action::CreateThenDelete
        } else {
            Action::DeleteThenCreate
        }
    );
    let out = apply(&plan, &d2, &[], &reg, backend, &ApplyOptions::default()).await;
    assert!(
        !out.diagnostics.has_errors(),
        "{}",
        diag_text(&out.diagnostics)
    );
    let calls = p.calls()[before..]
        .iter()
        .filter(|c| matches!(c.op, Op::Create | Op::Update | Op::Delete))
        .map(|c| (c.op, c.subject.clone()))
        .collect();
    (calls, out.state.unwrap())
}

#[tokio::test]
async fn replacement_orders_as_terraform_does() {
    let (calls, st) = replace_with(false).await;
    assert_eq!(
        calls,
        [
            (Op::Delete, "a".into()),
            (Op::Create, "a".into()),
            (Op::Update, "b".into())
        ]
    );
    assert_eq!(
        attr(&st, "fake_thing.b", "value"),
        attr(&st, "fake_thing.a", "id")
    );

    let (calls, st) = replace_with(true).await;
    assert_eq!(
        calls,
        [
            (Op::Create, "a".into()),
            (Op::Update, "b".into()),
            (Op::Delete, "a".into())
        ]
    );
    // No deposed object is left behind, and b points at the new a.
    assert!(st
        .resources
        .iter()
        .all(|r| r.instances.iter().all(|i| i.deposed.is_none())));
    assert_eq!(
        attr(&st, "fake_thing.b", "value"),
        attr(&st, "fake_thing.a", "id")
    );
    let a = st.resources.iter().find(|r| r.name == "a").unwrap();
    assert!(a.instances[0].create_before_destroy);
}

/// A backend that journals but never compacts: what a crash before the end leaves behind.
struct NoCompact(LocalBackend);

impl Backend for NoCompact {
    fn location(&self) -> String {
        self.0.location()
    }
    fn workspace(&self) -> &str {
        self.0.workspace()
    }
    fn select_workspace(&self, n: &str) -> girder_state::Result<Box<dyn Backend>> {
        self.0.select_workspace(n)
    }
    fn read(&self) -> girder_state::Result<Option<(State, girder_state::Version)>> {
        self.0.read()
    }
    fn write(
        &self,
        s: &State,
        e: Option<&girder_state::Version>,
    ) -> girder_state::Result<girder_state::Version> {
        self.0.write(s, e)
    }
    fn force_write(&self, s: &State) -> girder_state::Result<girder_state::Version> {
        self.0.force_write(s)
    }
    fn lock(&self, i: &LockInfo, t: Duration) -> girder_state::Result<girder_state::LockHandle> {
        self.0.lock(i, t)
    }
    fn unlock(&self, id: &str) -> girder_state::Result<()> {
        self.0.unlock(id)
    }
    fn force_unlock(&self, id: &str) -> girder_state::Result<()> {
        self.0.force_unlock(id)
    }
    fn lock_info(&self) -> girder_state::Result<Option<LockInfo>> {
        self.0.lock_info()
    }
    fn workspaces(&self) -> girder_state::Result<Vec<String>> {
        self.0.workspaces()
    }
    fn delete_workspace(&self, n: &str) -> girder_state::Result<()> {
        self.0.delete_workspace(n)
    }
    fn append_change(&self, c: &girder_state::InstanceChange) -> girder_state::Result<()> {
        self.0.append_change(c)
    }
    fn compact(&self) -> girder_state::Result<Option<girder_state::Version>> {
        Ok(None)
    }
}

#[tokio::test]
async fn a_crash_after_any_operation_loses_nothing() {
    let p = Arc::new(FakeProvider::new());
    let reg = registry(p.clone());
    let desired: Vec<_> = (0..5)
        .map(|i| thing(&format!("fake_thing.t[{i}]"), &format!("t{i}")))
        .collect();
    let dir = tmpdir("crash");
    let plan = plan_ok(
        &desired,
        &[],
        &State::new("1.0.3"),
        &reg,
        &PlanOptions::default(),
    )
    .await;
    {
        let b = LocalBackend::new(&dir);
        b.lock(&LockInfo::new("apply"), Duration::from_secs(5))
            .unwrap();
        let backend: Arc<dyn Backend> = Arc::new(NoCompact(b));
        let out = apply(
            &plan,
            &desired,
            &[],
            &reg,
            backend,
            &ApplyOptions::default(),
        )
        .await;
        assert_eq!(out.with_status(OpStatus::Succeeded).len(), 5);
        // The process "dies" here: no compaction, no unlock.
    }
    // The state file alone does not have them; the journal does.
    let raw = std::fs::read(dir.join("terraform.tfstate")).unwrap();
    let snapshot = girder_state::format::parse(&raw, "terraform.tfstate").unwrap();
    assert_eq!(snapshot.instance_count(), 0);
    let next = LocalBackend::new(&dir);
    next.lock(&LockInfo::new("plan"), Duration::from_secs(5))
        .unwrap();
    let (st, _) = next.read().unwrap().unwrap();
    assert_eq!(st.instance_count(), 5);
    // Every created object is tracked: the next plan has nothing to do.
    let again = plan_ok(&desired, &[], &st, &reg, &PlanOptions::default()).await;
    assert!(!again.has_changes());
}

#[tokio::test]
async fn interrupt_finishes_in_flight_operations_and_persists_them() {
    let p = Arc::new(FakeProvider::new());
    p.set_latency(Op::Create, Duration::from_millis(30));
    let reg = registry(p.clone());
    let desired: Vec<_> = (0..10)
        .map(|i| thing(&format!("fake_thing.t[{i}]"), &format!("t{i}")))
        .collect();
    let dir = tmpdir("interrupt");
    let backend = locked(&dir);
    let plan = plan_ok(
        &desired,
        &[],
        &State::new("1.0.3"),
        &reg,
        &PlanOptions::default(),
    )
    .await;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let opts = ApplyOptions {
        parallelism: 2,
        events: Some(tx),
        ..ApplyOptions::default()
    };
    let stop = opts.stop.clone();
    let watcher = tokio::spawn(async move {
        let mut started = 0;
        while let Some(e) = rx.recv().await {
            if matches!(e, ApplyEvent::Started { .. }) {
                started += 1;
                if started == 3 {
                    stop.cancel();
                }
            }
        }
        started
    });
    let out = apply(&plan, &desired, &[], &reg, backend, &opts).await;
    drop(opts);
    let started = watcher.await.unwrap();
    assert!(out.interrupted);
    assert!(out
        .diagnostics
        .iter()
        .any(|d| d.summary == "Operation interrupted"));
    let ok = out.with_status(OpStatus::Succeeded).len();
    assert_eq!(ok, started);
    assert!(ok < 10);
    assert_eq!(out.with_status(OpStatus::Cancelled).len(), 10 - ok);
    assert_eq!(out.state.unwrap().instance_count(), ok);
    assert_eq!(p.objects().len(), ok);
}

#[tokio::test]
async fn stale_saved_plans_are_refused() {
    let p = Arc::new(FakeProvider::new());
    let reg = registry(p.clone());
    let dir = tmpdir("stale");
    let (desired, state) = applied_chain(&p, &dir).await;
    // Two plans against the same state; the first is applied, the second is then stale.
    let mut more = desired.clone();
    more.push(thing("fake_thing.d", "d"));
    let first = plan_ok(&more, &[], &state, &reg, &PlanOptions::default()).await;
    let second = plan_ok(&more, &[], &state, &reg, &PlanOptions::default()).await;
    let saved = girder_engine::planfile::save(&second);
    let backend: Arc<dyn Backend> = {
        let b = LocalBackend::new(&dir);
        b.lock(&LockInfo::new("apply"), Duration::from_secs(5)).ok();
        Arc::new(b)
    };
    let out = apply(
        &first,
        &more,
        &[],
        &reg,
        backend.clone(),
        &ApplyOptions::default(),
    )
    .await;
    assert!(!out.diagnostics.has_errors());
    let loaded = girder_engine::planfile::load(&saved, "tfplan").unwrap();
    let out = apply(
        &loaded,
        &more,
        &[],
        &reg,
        backend.clone(),
        &ApplyOptions::default(),
    )
    .await;
    let d = out.diagnostics.iter().next().unwrap();
    assert_eq!(d.summary, "Saved plan is stale");
    assert!(d.detail.contains("can no longer be applied"));
    assert!(out.reports.is_empty());
    // A fresh saved plan applies.
    let st = out
        .state
        .clone()
        .or_else(|| backend.read().unwrap().map(|x| x.0))
        .unwrap();
    let fresh = plan_ok(&more, &[], &st, &reg, &PlanOptions::default()).await;
    let loaded =
        girder_engine::planfile::load(&girder_engine::planfile::save(&fresh), "tfplan").unwrap();
    let out = apply(&loaded, &more, &[], &reg, backend, &ApplyOptions::default()).await;
    assert!(
        !out.diagnostics.has_errors(),
        "{}",
        diag_text(&out.diagnostics)
    );
}

#[tokio::test]
async fn data_sources_and_drift_reach_the_state() {
    let p = Arc::new(FakeProvider::new());
    let reg = registry(p.clone());
    let dir = tmpdir("data");
    let (_, state) = applied_chain(&p, &dir).await;
    // c disappears outside girder and is no longer configured either.
    let c_id = attr(&state, "fake_thing.c", "id").unwrap();
    p.set_object(c_id.as_str().unwrap(), None);
    let desired = vec![
        thing("fake_thing.a", "a"),
        wired("fake_thing.b", "b", "fake_thing.a"),
        DesiredInstance::new(
            "data.fake_lookup.l",
            fake(),
            Value::object_from([("name", Value::string("l"))]),
        ),
        DesiredInstance::wired(
            "data.fake_lookup.late",
            fake(),
            Value::object_from([("name", Value::unknown(Type::String))]),
            vec![],
        ),
    ];
    let plan = plan_ok(&desired, &[], &state, &reg, &PlanOptions::default()).await;
    assert_eq!(plan.drift.len(), 1);
    assert!(plan.changes.iter().any(|c| c.action == Action::Read));
    let backend: Arc<dyn Backend> = {
        let b = LocalBackend::new(&dir);
        b.lock(&LockInfo::new("apply"), Duration::from_secs(5)).ok();
        Arc::new(b)
    };
    let out = apply(
        &plan,
        &desired,
        &[],
        &reg,
        backend,
        &ApplyOptions::default(),
    )
    .await;
    // The late data source's config stays unknown (nothing resolves it): an error for it only.
    assert!(out
        .diagnostics
        .iter()
        .any(|d| d.summary == "Configuration is not known"));
    let st = out.state.unwrap();
    assert!(st.resources.iter().all(|r| r.name != "c"), "c forgotten");
    assert_eq!(
        attr(&st, "data.fake_lookup.l", "value"),
        Some(serde_json::json!("value-of-l"))
    );
}
