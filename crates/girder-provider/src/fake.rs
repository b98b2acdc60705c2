//! A fake provider for engine tests and benchmarks: an in-memory store of objects, with
//! configurable latency per operation, failure injection and a record of every call.
//!
//! It offers one managed type, `fake_thing`, and one data source, `fake_lookup`:
//!
//! | attribute | kind |
//! |---|---|
//! | `id` | computed (`thing-N`) |
//! | `name` | required |
//! | `value` | optional string |
//! | `zone` | optional string, force-new |
//! | `size` | optional number, default 1 |
//! | `tags` | optional map(string) |
//! | `secret` | optional string, sensitive |
//! | `computed_at_apply` | computed (unknown in plans) |
//!
//! `fake_lookup` takes `name` and returns `id = "lookup-<name>"` and `value`.

use crate::schema::{Attribute, ProviderSchema, Schema};
use crate::{
    ApplyRequest, ApplyResponse, ImportedResource, OpContext, PlanRequest, PlanResponse, Provider,
    ReadRequest, ReadResponse,
};
use girder_core::value::{Path, PathStep};
use girder_core::{Diagnostic, Diagnostics, Type, Value};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// An operation of the fake provider, for latency, failures and the call record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Op {
    /// plan_resource
    Plan,
    /// apply: create
    Create,
    /// apply: update
    Update,
    /// apply: delete
    Delete,
    /// read_resource / each item of read_many
    Read,
    /// one read_many call
    ReadMany,
    /// import_resource
    Import,
    /// read_data_source
    DataRead,
}

/// One recorded call.
#[derive(Clone, Debug, PartialEq)]
pub struct Call {
    /// Which operation.
    pub op: Op,
    /// The `name` attribute of the object involved (or the id for imports, the count for
    /// read_many).
    pub subject: String,
}

/// A failure to inject: operation `op` on objects whose `name` equals `name` fails.
#[derive(Clone, Debug, PartialEq)]
pub struct Failure {
    /// Which operation.
    pub op: Op,
    /// The `name` attribute to fail on.
    pub name: String,
    /// For creates: leave a partially created object behind (returned with the error).
    pub partial: bool,
}

/// The fake provider.
pub struct FakeProvider {
    schema: ProviderSchema,
    objects: Mutex<BTreeMap<String, Value>>,
    next_id: AtomicU64,
    latency: Mutex<BTreeMap<Op, Duration>>,
    failures: Mutex<Vec<Failure>>,
    calls: Mutex<Vec<Call>>,
    record_calls: bool,
}

impl Default for FakeProvider {
    fn default() -> Self {
        FakeProvider::new()
    }
}

impl FakeProvider {
    /// A fake provider with no latency, no failures, recording calls.
    pub fn new() -> FakeProvider {
        let thing = Schema::new()
            .attr("id", Attribute::computed(Type::String))
            .attr("name", Attribute::required(Type::String))
            .attr("value", Attribute::optional(Type::String))
            .attr("zone", Attribute::optional(Type::String).force_new())
            .attr(
                "size",
                Attribute::optional_computed(Type::Number).default(1i64),
            )
            .attr("tags", Attribute::optional(Type::map(Type::String)))
            .attr("secret", Attribute::optional(Type::String).sensitive())
            .attr("computed_at_apply", Attribute::computed(Type::String));
        let lookup = Schema::new()
            .attr("name", Attribute::required(Type::String))
            .attr("id", Attribute::computed(Type::String))
            .attr("value", Attribute::computed(Type::String));
        let mut schema = ProviderSchema::default();
        schema.resources.insert("fake_thing".into(), thing);
        schema.data_sources.insert("fake_lookup".into(), lookup);
        schema
            .aliases
            .insert("fake_old_thing".into(), "fake_thing".into());
        FakeProvider {
            schema,
            objects: Mutex::new(BTreeMap::new()),
            next_id: AtomicU64::new(1),
            latency: Mutex::new(BTreeMap::new()),
            failures: Mutex::new(Vec::new()),
            calls: Mutex::new(Vec::new()),
            record_calls: true,
        }
    }

    /// Turns the call record off (benchmarks with many operations).
    pub fn without_call_record(mut self) -> FakeProvider {
        self.record_calls = false;
        self
    }

    /// Sets the latency of an operation.
    pub fn set_latency(&self, op: Op, d: Duration) {
        self.latency.lock().expect("lock").insert(op, d);
    }

    /// Injects a failure.
    pub fn fail(&self, f: Failure) {
        self.failures.lock().expect("lock").push(f);
    }

    /// The calls made so far.
    pub fn calls(&self) -> Vec<Call> {
        self.calls.lock().expect("lock").clone()
    }

    /// The objects that exist now, by id.
    pub fn objects(&self) -> BTreeMap<String, Value> {
        self.objects.lock().expect("lock").clone()
    }

    /// Changes or removes an object behind the engine's back (drift), by id.
    pub fn set_object(&self, id: &str, v: Option<Value>) {
        let mut o = self.objects.lock().expect("lock");
        match v {
            Some(v) => o.insert(id.to_string(), v),
            None => o.remove(id),
        };
    }

    async fn enter(&self, op: Op, subject: &str) -> Result<(), Diagnostic> {
        if self.record_calls {
            self.calls.lock().expect("lock").push(Call {
                op,
                subject: subject.to_string(),
            });
        }
        let lat = self.latency.lock().expect("lock").get(&op).copied();
        if let Some(d) = lat {
            if !d.is_zero() {
                precise_sleep(d).await;
            }
        }
        let fails = self
            .failures
            .lock()
            .expect("lock")
            .iter()
            .any(|f| f.op == op && f.name == subject);
        if fails {
            return Err(Diagnostic::error(
                "Injected failure",
                format!("fake provider: {op:?} of {subject:?} fails (as asked by the test)"),
            ));
        }
        Ok(())
    }

    fn is_partial(&self, op: Op, subject: &str) -> bool {
        self.failures
            .lock()
            .expect("lock")
            .iter()
            .any(|f| f.op == op && f.name == subject && f.partial)
    }
}

fn name_of(v: &Value) -> String {
    v.get_attr("name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string()
}

fn with_attr(v: &Value, name: &str, new: Value) -> Value {
    let mut m = v.as_map().cloned().unwrap_or_default();
    m.insert(name.to_string(), new);
    Value::object(m)
}

#[async_trait::async_trait]
impl Provider for FakeProvider {
    fn name(&self) -> &str {
        "fake"
    }

    fn schema(&self) -> &ProviderSchema {
        &self.schema
    }

    async fn configure(&self, _config: Value, _ctx: &OpContext) -> Result<(), Diagnostics> {
        Ok(())
    }

    async fn plan_resource(
        &self,
        req: PlanRequest,
        _ctx: &OpContext,
    ) -> Result<PlanResponse, Diagnostics> {
        let subject = name_of(&req.config);
        self.enter(Op::Plan, &subject).await?;
        let creating = req.prior_state.is_null();
        let mut planned = req.proposed_new_state.clone();
        if planned.get_attr("size").is_none_or(Value::is_null) {
            planned = with_attr(&planned, "size", Value::int(1));
        }
        let mut requires_replace = Vec::new();
        if !creating {
            let before = req.prior_state.get_attr("zone");
            let after = planned.get_attr("zone");
            let same = match (before, after) {
                (Some(a), Some(b)) => a.raw_equal(b),
                (None, None) => true,
                _ => false,
            };
            if !same {
                requires_replace.push(Path(vec![PathStep::Attr("zone".into())]));
            }
        }
        if creating || !requires_replace.is_empty() {
            planned = with_attr(&planned, "id", Value::unknown(Type::String));
        }
        // computed_at_apply changes whenever anything else changes.
        let changed = !creating && !planned.raw_equal(&req.prior_state);
        if creating || changed {
            planned = with_attr(&planned, "computed_at_apply", Value::unknown(Type::String));
        }
        Ok(PlanResponse {
            planned_state: planned,
            requires_replace,
            planned_private: Vec::new(),
            diagnostics: Diagnostics::new(),
        })
    }

    async fn apply_resource(&self, req: ApplyRequest, _ctx: &OpContext) -> ApplyResponse {
        let deleting = req.planned_state.is_null();
        let creating = req.prior_state.is_null();
        let (op, subject) = if deleting {
            (Op::Delete, name_of(&req.prior_state))
        } else if creating {
            (Op::Create, name_of(&req.planned_state))
        } else {
            (Op::Update, name_of(&req.planned_state))
        };
        if let Err(d) = self.enter(op, &subject).await {
            let mut new_state = if deleting {
                Some(req.prior_state.clone())
            } else if creating {
                None
            } else {
                Some(req.prior_state.clone())
            };
            if creating && self.is_partial(op, &subject) {
                let id = format!("thing-{}", self.next_id.fetch_add(1, Ordering::SeqCst));
                let mut v = with_attr(&req.planned_state, "id", Value::string(id.clone()));
                v = with_attr(&v, "computed_at_apply", Value::string("partial"));
                self.objects.lock().expect("lock").insert(id, v.clone());
                new_state = Some(v);
            }
            return ApplyResponse {
                new_state,
                private: Vec::new(),
                diagnostics: d.into(),
            };
        }
        if deleting {
            if let Some(id) = req.prior_state.get_attr("id").and_then(Value::as_str) {
                self.objects.lock().expect("lock").remove(id);
            }
            return ApplyResponse {
                new_state: None,
                private: Vec::new(),
                diagnostics: Diagnostics::new(),
            };
        }
        let id = match req.planned_state.get_attr("id").and_then(Value::as_str) {
            Some(id) => id.to_string(),
            None => format!("thing-{}", self.next_id.fetch_add(1, Ordering::SeqCst)),
        };
        let mut v = with_attr(&req.planned_state, "id", Value::string(id.clone()));
        if !v.get_attr("computed_at_apply").is_some_and(Value::is_known) {
            let n = self.next_id.fetch_add(1, Ordering::SeqCst);
            v = with_attr(
                &v,
                "computed_at_apply",
                Value::string(format!("applied-{n}")),
            );
        }
        self.objects.lock().expect("lock").insert(id, v.clone());
        ApplyResponse {
            new_state: Some(v),
            private: Vec::new(),
            diagnostics: Diagnostics::new(),
        }
    }

    async fn read_resource(
        &self,
        req: ReadRequest,
        _ctx: &OpContext,
    ) -> Result<ReadResponse, Diagnostics> {
        let subject = name_of(&req.current_state);
        self.enter(Op::Read, &subject).await?;
        let id = req
            .current_state
            .get_attr("id")
            .and_then(Value::as_str)
            .unwrap_or("");
        let found = self.objects.lock().expect("lock").get(id).cloned();
        Ok(ReadResponse {
            new_state: found,
            private: req.private,
            diagnostics: Diagnostics::new(),
        })
    }

    async fn read_many(
        &self,
        _type_name: &str,
        reqs: Vec<ReadRequest>,
        ctx: &OpContext,
    ) -> Vec<Result<ReadResponse, Diagnostics>> {
        if let Err(d) = self.enter(Op::ReadMany, &reqs.len().to_string()).await {
            return reqs.iter().map(|_| Err(d.clone().into())).collect();
        }
        let objects = self.objects.lock().expect("lock");
        let _ = ctx;
        reqs.into_iter()
            .map(|r| {
                let id = r
                    .current_state
                    .get_attr("id")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                Ok(ReadResponse {
                    new_state: objects.get(id).cloned(),
                    private: r.private,
                    diagnostics: Diagnostics::new(),
                })
            })
            .collect()
    }

    async fn import_resource(
        &self,
        type_name: &str,
        id: &str,
        _ctx: &OpContext,
    ) -> Result<Vec<ImportedResource>, Diagnostics> {
        self.enter(Op::Import, id).await?;
        match self.objects.lock().expect("lock").get(id) {
            Some(v) => Ok(vec![ImportedResource {
                type_name: type_name.to_string(),
                state: v.clone(),
                private: Vec::new(),
            }]),
            None => Err(Diagnostic::error(
                "Cannot import non-existent remote object",
                format!("No {type_name} with id {id:?} exists."),
            )
            .into()),
        }
    }

    async fn read_data_source(
        &self,
        _type_name: &str,
        config: Value,
        _ctx: &OpContext,
    ) -> Result<Value, Diagnostics> {
        let name = name_of(&config);
        self.enter(Op::DataRead, &name).await?;
        let mut v = with_attr(&config, "id", Value::string(format!("lookup-{name}")));
        v = with_attr(&v, "value", Value::string(format!("value-of-{name}")));
        Ok(v)
    }
}

/// Sleeps for `d` with sub-millisecond accuracy, so that "20 ms per operation" means 20 ms.
/// tokio's timer rounds every deadline up to its next millisecond tick and fires late by
/// up to another one (a 20 ms `tokio::time::sleep` takes about 21.1 ms on average), which
/// would be charged to the engine in the apply benchmark. One timer thread serves all
/// sleeps; dropping the future cancels it.
async fn precise_sleep(d: Duration) {
    use std::sync::mpsc;
    use std::sync::OnceLock;
    use std::time::Instant;
    type Wake = (Instant, tokio::sync::oneshot::Sender<()>);
    static TIMER: OnceLock<Mutex<mpsc::Sender<Wake>>> = OnceLock::new();
    let tx = TIMER.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<Wake>();
        std::thread::Builder::new()
            .name("fake-provider-timer".into())
            .spawn(move || {
                let mut due: Vec<Wake> = Vec::new();
                loop {
                    let now = Instant::now();
                    let mut i = 0;
                    while i < due.len() {
                        if due[i].0 <= now {
                            let _ = due.swap_remove(i).1.send(());
                        } else {
                            i += 1;
                        }
                    }
                    let next = due.iter().map(|w| w.0).min();
                    let got = match next {
                        Some(t) => rx.recv_timeout(t.saturating_duration_since(Instant::now())),
                        None => rx.recv().map_err(|_| mpsc::RecvTimeoutError::Disconnected),
                    };
                    match got {
                        Ok(w) => due.push(w),
                        Err(mpsc::RecvTimeoutError::Timeout) => {}
                        Err(mpsc::RecvTimeoutError::Disconnected) => return,
                    }
                    while let Ok(w) = rx.try_recv() {
                        due.push(w);
                    }
                }
            })
            .expect("spawn the fake provider's timer thread");
        Mutex::new(tx)
    });
    let (wake, woken) = tokio::sync::oneshot::channel();
    let sent = tx
        .lock()
        .expect("lock")
        .send((Instant::now() + d, wake))
        .is_ok();
    if !sent || woken.await.is_err() {
        tokio::time::sleep(d).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(name: &str, zone: &str) -> Value {
        Value::object_from([
            ("name", Value::string(name)),
            ("zone", Value::string(zone)),
            ("id", Value::null(Type::String)),
        ])
    }

    #[tokio::test]
    async fn create_read_replace_delete_and_failures() {
        let p = FakeProvider::new();
        let ctx = OpContext::default();
        let plan = p
            .plan_resource(
                PlanRequest {
                    type_name: "fake_thing".into(),
                    prior_state: Value::null_dynamic(),
                    proposed_new_state: cfg("a", "z1"),
                    config: cfg("a", "z1"),
                    prior_private: vec![],
                },
                &ctx,
            )
            .await
            .unwrap();
        assert!(!plan.planned_state.get_attr("id").unwrap().is_known());
        let applied = p
            .apply_resource(
                ApplyRequest {
                    type_name: "fake_thing".into(),
                    prior_state: Value::null_dynamic(),
                    planned_state: plan.planned_state,
                    config: cfg("a", "z1"),
                    planned_private: vec![],
                },
                &ctx,
            )
            .await;
        let state = applied.new_state.unwrap();
        assert!(state.is_wholly_known());
        assert_eq!(p.objects().len(), 1);

        // zone is force-new
        let plan2 = p
            .plan_resource(
                PlanRequest {
                    type_name: "fake_thing".into(),
                    prior_state: state.clone(),
                    proposed_new_state: cfg("a", "z2"),
                    config: cfg("a", "z2"),
                    prior_private: vec![],
                },
                &ctx,
            )
            .await
            .unwrap();
        assert_eq!(plan2.requires_replace.len(), 1);

        // drift: deleted out of band -> read says gone
        let id = state.get_attr("id").unwrap().as_str().unwrap().to_string();
        p.set_object(&id, None);
        let read = p
            .read_many(
                "fake_thing",
                vec![ReadRequest {
                    type_name: "fake_thing".into(),
                    current_state: state,
                    private: vec![],
                }],
                &ctx,
            )
            .await;
        assert!(read[0].as_ref().unwrap().new_state.is_none());

        // injected partial failure leaves an object that is returned
        p.fail(Failure {
            op: Op::Create,
            name: "b".into(),
            partial: true,
        });
        let failed = p
            .apply_resource(
                ApplyRequest {
                    type_name: "fake_thing".into(),
                    prior_state: Value::null_dynamic(),
                    planned_state: cfg("b", "z1"),
                    config: cfg("b", "z1"),
                    planned_private: vec![],
                },
                &ctx,
            )
            .await;
        assert!(failed.diagnostics.has_errors());
        assert!(failed.new_state.is_some());
        let ops: Vec<Op> = p.calls().iter().map(|c| c.op).collect();
        assert_eq!(
            ops,
            [Op::Plan, Op::Create, Op::Plan, Op::ReadMany, Op::Create]
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn precise_sleep_never_wakes_early_with_many_at_once() {
        let tasks: Vec<_> = (0..50u64)
            .map(|i| {
                tokio::spawn(async move {
                    let d = Duration::from_millis(2 + i % 7);
                    let t = std::time::Instant::now();
                    precise_sleep(d).await;
                    (t.elapsed(), d)
                })
            })
            .collect();
        for t in tasks {
            let (took, asked) = t.await.unwrap();
            assert!(took >= asked, "woke after {took:?}, asked {asked:?}");
        }
    }
}
