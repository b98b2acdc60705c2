//! Applying a plan: a walk of the change graph on tokio with bounded parallelism.
//!
//! * Creates and updates wait for the instances they depend on; destroys wait for the
//!   destroys of the instances that depend on them (reverse order); a create_before_destroy
//!   replacement deposes the old object, creates the new one, updates dependents, then
//!   destroys the deposed object.
//! * Every completed operation is appended to the state journal at once
//!   ([`Backend::append_change`]), so a crash loses at most the operations in flight; the
//!   journal is folded into a new snapshot at the end ([`Backend::compact`]).
//! * A failed operation keeps whatever the provider returned (a partially created object is
//!   recorded as tainted); its dependents are skipped; independent branches go on.
//! * `stop` (first Ctrl-C): nothing new starts, in-flight operations finish and are
//!   persisted. `abandon` (second Ctrl-C) is passed to providers as their cancellation.

use crate::codec;
use crate::model::*;
use crate::plan::{resource_schema, Plan, ProviderRegistry};
use crate::values;
use base64::Engine as _;
use futures::stream::FuturesUnordered;
use futures::StreamExt;
use girder_core::addr::{AbsResourceInstance, ResourceMode};
use girder_core::{Diagnostic, Diagnostics, Value};
use girder_provider::{ApplyRequest, CancellationToken, OpContext, PlanRequest};
use girder_state::model::{InstanceState, ObjectStatus, OutputValue, State};
use girder_state::{Backend, InstanceChange, ResourceRef};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Options of an apply.
#[derive(Clone, Debug)]
pub struct ApplyOptions {
    /// How many operations may run at once (`-parallelism=N`, default 10).
    pub parallelism: usize,
    /// Cancelled on the first interrupt: start nothing new.
    pub stop: CancellationToken,
    /// Cancelled on the second interrupt: providers abandon what they are doing.
    pub abandon: CancellationToken,
    /// Progress events (operation started / finished), if anyone listens.
    pub events: Option<tokio::sync::mpsc::UnboundedSender<ApplyEvent>>,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        ApplyOptions {
            parallelism: 10,
            stop: CancellationToken::new(),
            abandon: CancellationToken::new(),
            events: None,
        }
    }
}

/// A progress event.
#[derive(Clone, Debug, PartialEq)]
pub enum ApplyEvent {
    /// An operation started (`aws_vpc.a: Creating...`).
    Started {
        /// Address (with deposed key, if any).
        addr: String,
        /// What it does.
        op: OpKind,
    },
    /// An operation finished.
    Finished {
        /// Address.
        addr: String,
        /// What it did.
        op: OpKind,
        /// How long it took.
        elapsed: Duration,
        /// Whether it succeeded.
        ok: bool,
    },
}

/// One operation of the walk.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OpKind {
    /// Create (also the create half of a replacement).
    Create,
    /// Update in place.
    Update,
    /// Read a data source.
    Read,
    /// Destroy (also the destroy half of a replacement).
    Destroy,
    /// Record a data source's result read during plan.
    Record,
    /// Take an existing object over (an `import` block).
    Import,
}

impl OpKind {
    /// Terraform's progress verb (`Creating`, `Modifying`, `Destroying`, `Reading`).
    pub fn verb(self) -> &'static str {
        match self {
            OpKind::Create => "Creating",
            OpKind::Update => "Modifying",
            OpKind::Read | OpKind::Record => "Reading",
            OpKind::Destroy => "Destroying",
            OpKind::Import => "Importing",
        }
    }
}

/// How an operation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpStatus {
    /// Done.
    Succeeded,
    /// The provider reported an error.
    Failed,
    /// Not attempted: something it depends on failed.
    Skipped,
    /// Not attempted: the apply was interrupted.
    Cancelled,
}

/// The result of one operation.
#[derive(Clone, Debug, PartialEq)]
pub struct OpReport {
    /// Address (with deposed key, if any).
    pub addr: String,
    /// The operation.
    pub op: OpKind,
    /// How it ended.
    pub status: OpStatus,
    /// How long it took (zero when not attempted).
    pub elapsed: Duration,
    /// The operation imported the object of an `import` block first (even if what followed
    /// failed).
    pub imported: bool,
}

/// What [`apply`] returns.
#[derive(Debug)]
pub struct ApplyOutcome {
    /// The state after the apply (as persisted).
    pub state: Option<State>,
    /// One report per operation, in completion order.
    pub reports: Vec<OpReport>,
    /// Errors and warnings.
    pub diagnostics: Diagnostics,
    /// Whether the apply was interrupted.
    pub interrupted: bool,
}

impl ApplyOutcome {
    /// Reports with a status.
    pub fn with_status(&self, s: OpStatus) -> Vec<&OpReport> {
        self.reports.iter().filter(|r| r.status == s).collect()
    }
    /// Terraform's closing line: `Apply complete! Resources: 1 added, 0 changed, 0 destroyed.`
    pub fn summary(&self) -> String {
        let ok = |k: OpKind| {
            self.reports
                .iter()
                .filter(|r| {
                    r.op == k && r.status == OpStatus::Succeeded && !r.addr.starts_with("data.")
                })
                .filter(|r| !r.addr.contains(".data."))
                .count()
        };
        let imported = self.reports.iter().filter(|r| r.imported).count();
        let line = format!(
            "Resources: {}{} added, {} changed, {} destroyed.",
            if imported > 0 {
                format!("{imported} imported, ")
            } else {
                String::new()
            },
            ok(OpKind::Create),
            ok(OpKind::Update),
            ok(OpKind::Destroy)
        );
        if self.diagnostics.has_errors() || self.interrupted {
            line
        } else {
            format!("Apply complete! {line}")
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum NodeKind {
    Apply,
    Destroy,
}

struct Node {
    change: usize,
    kind: NodeKind,
    waiting: usize,
    blocked: bool,
    dependents: Vec<usize>,
}

fn op_kind(c: &ResourceChange, kind: NodeKind) -> OpKind {
    match (kind, c.action) {
        (NodeKind::Destroy, _) => OpKind::Destroy,
        (_, Action::Update) => OpKind::Update,
        (_, Action::Read) => OpKind::Read,
        (_, Action::NoOp) if c.importing.is_some() => OpKind::Import,
        (_, Action::NoOp) => OpKind::Record,
        _ => OpKind::Create,
    }
}

/// Does this node import the object of an `import` block? (The apply node, except for a
/// replacement that destroys first: there the destroy node does.)
fn imports_in(c: &ResourceChange, kind: NodeKind) -> bool {
    c.importing.is_some() && (kind == NodeKind::Destroy) == (c.action == Action::DeleteThenCreate)
}

fn resource_ref(c: &ResourceChange) -> ResourceRef {
    let r = &c.addr.resource;
    ResourceRef {
        module: r.module.clone(),
        mode: r.resource.mode,
        type_name: r.resource.type_name.to_string(),
        name: r.resource.name.to_string(),
        provider: c.provider.addr.to_string(),
    }
}

/// Builds the operation graph of a plan.
fn build_graph(plan: &Plan, drifted: &std::collections::HashSet<AbsResourceInstance>) -> Vec<Node> {
    let mut nodes: Vec<Node> = Vec::new();
    let mut apply_of: HashMap<&AbsResourceInstance, usize> = HashMap::new();
    let mut destroy_of: HashMap<&AbsResourceInstance, usize> = HashMap::new();
    let mut destroys_by_resource: HashMap<String, Vec<usize>> = HashMap::new();
    let mut edges: Vec<(usize, usize)> = Vec::new(); // (dependent, dependency)
    let new = |nodes: &mut Vec<Node>, change, kind| {
        nodes.push(Node {
            change,
            kind,
            waiting: 0,
            blocked: false,
            dependents: Vec::new(),
        });
        nodes.len() - 1
    };
    for (i, c) in plan.changes.iter().enumerate() {
        match c.action {
            Action::Forget => {}
            Action::NoOp => {
                if c.is_data() || drifted.contains(&c.addr) || c.importing.is_some() {
                    apply_of.insert(&c.addr, new(&mut nodes, i, NodeKind::Apply));
                }
            }
            Action::Create | Action::Update | Action::Read => {
                apply_of.insert(&c.addr, new(&mut nodes, i, NodeKind::Apply));
            }
            Action::Delete => {
                let d = new(&mut nodes, i, NodeKind::Destroy);
                if c.deposed.is_none() {
                    destroy_of.insert(&c.addr, d);
                }
                destroys_by_resource
                    .entry(c.addr.resource.to_string())
                    .or_default()
                    .push(d);
            }
            Action::DeleteThenCreate => {
                let d = new(&mut nodes, i, NodeKind::Destroy);
                let a = new(&mut nodes, i, NodeKind::Apply);
                edges.push((a, d));
                destroy_of.insert(&c.addr, d);
                apply_of.insert(&c.addr, a);
                destroys_by_resource
                    .entry(c.addr.resource.to_string())
                    .or_default()
                    .push(d);
            }
            Action::CreateThenDelete => {
                let a = new(&mut nodes, i, NodeKind::Apply);
                let d = new(&mut nodes, i, NodeKind::Destroy);
                edges.push((d, a));
                apply_of.insert(&c.addr, a);
                destroy_of.insert(&c.addr, d);
            }
        }
    }
    let n = nodes.len();
    for x in 0..n {
        let c = &plan.changes[nodes[x].change];
        match nodes[x].kind {
            NodeKind::Apply => {
                for dep in &c.depends_on {
                    if let Some(&y) = apply_of.get(dep) {
                        edges.push((x, y));
                    }
                    // create_before_destroy: the deposed object of a dependency goes only
                    // after its dependents moved to the new one.
                    if let Some(&y) = destroy_of.get(dep) {
                        if plan.changes[nodes[y].change].action == Action::CreateThenDelete {
                            edges.push((y, x));
                        }
                    }
                }
            }
            NodeKind::Destroy => {
                // Whatever depended on this object is destroyed first.
                let deps = c
                    .prior_dependencies
                    .iter()
                    .map(String::as_str)
                    .chain(c.depends_on.iter().map(|_| ""))
                    .filter(|s| !s.is_empty());
                for dep_res in deps {
                    if let Some(ys) = destroys_by_resource.get(dep_res) {
                        for &y in ys {
                            if y != x {
                                edges.push((y, x));
                            }
                        }
                    }
                }
                for dep in &c.depends_on {
                    if let Some(&y) = destroy_of.get(dep) {
                        if y != x && nodes[y].kind == NodeKind::Destroy {
                            edges.push((y, x));
                        }
                    }
                }
            }
        }
    }
    edges.sort_unstable();
    edges.dedup();
    for (from, to) in edges {
        nodes[from].waiting += 1;
        nodes[to].dependents.push(from);
    }
    nodes
}

fn deposed_key() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    format!("{:08x}", h.finish() as u32)
}

/// What the operations of a walk share. Owned (not borrowed from the caller) so that each
/// operation runs as its own tokio task, in parallel on the runtime's threads; each task gets
/// a copy of its own change only.
struct Walk {
    desired: HashMap<AbsResourceInstance, DesiredInstance>,
    providers: HashMap<String, Arc<dyn girder_provider::Provider>>,
    values: Mutex<HashMap<AbsResourceInstance, Value>>,
    prior: HashMap<(AbsResourceInstance, Option<String>), InstanceState>,
    deposed: Mutex<HashMap<AbsResourceInstance, String>>,
    /// Objects of `import` blocks imported so far (counted even when what follows fails).
    imported: Mutex<std::collections::HashSet<AbsResourceInstance>>,
    abandon: CancellationToken,
}

async fn persist(
    backend: &Arc<dyn Backend>,
    changes: Vec<InstanceChange>,
) -> Result<(), Diagnostic> {
    if changes.is_empty() {
        return Ok(());
    }
    append_blocking(backend, changes)
        .await
        .map_err(persist_error)
}

/// Appends to the journal on a blocking thread (backends do blocking I/O).
async fn append_blocking(
    backend: &Arc<dyn Backend>,
    changes: Vec<InstanceChange>,
) -> Result<(), String> {
    let b = backend.clone();
    tokio::task::spawn_blocking(move || b.append_changes(&changes))
        .await
        .map_err(|e| e.to_string())
        .and_then(|r| r.map_err(|e| e.to_string()))
}

fn persist_error(e: String) -> Diagnostic {
    Diagnostic::error("Failed to persist state", e).with_help(
        "The operation completed but could not be recorded; run girder plan to see \
         what is tracked, and import anything missing.",
    )
}

type CommitRequest = (
    Vec<InstanceChange>,
    tokio::sync::oneshot::Sender<Result<(), String>>,
);

/// Group commit of the journal: operations hand their changes to one committer task, which
/// appends everything waiting in one backend call (one sync for the local backend) and then
/// acknowledges each operation. An operation counts as done only once acknowledged, so every
/// completed operation is durable before anything depends on it, at one backend round trip
/// per batch instead of per operation.
struct Committer {
    tx: tokio::sync::mpsc::UnboundedSender<CommitRequest>,
    task: tokio::task::JoinHandle<()>,
}

/// Makes the changes durable through the committer (waits for the batch they go in).
async fn commit(
    tx: &tokio::sync::mpsc::UnboundedSender<CommitRequest>,
    changes: Vec<InstanceChange>,
) -> Result<(), Diagnostic> {
    if changes.is_empty() {
        return Ok(());
    }
    let (ack, done) = tokio::sync::oneshot::channel();
    tx.send((changes, ack))
        .map_err(|_| persist_error("the state committer stopped".into()))?;
    done.await
        .unwrap_or_else(|_| Err("the state committer stopped".into()))
        .map_err(persist_error)
}

impl Committer {
    fn start(backend: Arc<dyn Backend>) -> Committer {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<CommitRequest>();
        let task = tokio::spawn(async move {
            while let Some(first) = rx.recv().await {
                let mut batch = vec![first];
                while batch.len() < 1024 {
                    match rx.try_recv() {
                        Ok(x) => batch.push(x),
                        Err(_) => break,
                    }
                }
                let mut changes = Vec::new();
                let mut acks = Vec::with_capacity(batch.len());
                for (c, ack) in batch {
                    changes.extend(c);
                    acks.push(ack);
                }
                let r = append_blocking(&backend, changes).await;
                for ack in acks {
                    let _ = ack.send(r.clone());
                }
            }
        });
        Committer { tx, task }
    }

    /// Waits until everything handed over is written.
    async fn finish(self) {
        drop(self.tx);
        let _ = self.task.await;
    }
}

impl Walk {
    fn state_object(
        &self,
        c: &ResourceChange,
        v: &Value,
        private: &[u8],
        tainted: bool,
        deposed: Option<String>,
    ) -> Result<InstanceState, Diagnostic> {
        let p = self.providers.get(&*c.provider.name).ok_or_else(|| {
            Diagnostic::error("Provider not available", c.provider.name.to_string())
        })?;
        let schema = resource_schema(p.as_ref(), &c.addr)?;
        let mut obj = codec::instance_object(v, schema, c.addr.key.clone()).map_err(|e| {
            Diagnostic::error(
                "Provider produced invalid object",
                format!("The new object of {} is not wholly known: {e}.", c.addr),
            )
        })?;
        obj.deposed = deposed;
        if tainted {
            obj.status = ObjectStatus::Tainted;
        }
        if !private.is_empty() {
            obj.private = Some(base64::engine::general_purpose::STANDARD.encode(private));
        }
        let mut deps: Vec<String> = c
            .depends_on
            .iter()
            .map(|d| d.resource.to_string())
            .collect();
        deps.sort();
        deps.dedup();
        obj.dependencies = deps;
        obj.create_before_destroy = c.create_before_destroy;
        Ok(obj)
    }

    /// Checks the instance's postconditions against its applied value (the object is
    /// recorded in state either way; a failure skips its dependents).
    fn postconditions(&self, c: &ResourceChange, v: &Value) -> Result<(), Diagnostics> {
        let Some(post) = self
            .desired
            .get(&c.addr)
            .and_then(|d| d.postconditions.clone())
        else {
            return Ok(());
        };
        let values = self.values.lock().expect("lock");
        let failed = post(&Upstream::new(&values), v);
        drop(values);
        if failed.has_errors() {
            return Err(failed);
        }
        Ok(())
    }

    /// Imports the object of an `import` block (`c.importing`): its value and its state
    /// object.
    async fn import_object(
        &self,
        c: &ResourceChange,
        p: &dyn girder_provider::Provider,
        ctx: &OpContext,
    ) -> Result<(Value, InstanceState), Diagnostics> {
        let type_name = &c.addr.resource.resource.type_name;
        let id = c.importing.as_deref().unwrap_or_default();
        let found = p.import_resource(type_name, id, ctx).await?;
        let Some(r) = found.into_iter().find(|r| &r.type_name == type_name) else {
            return Err(Diagnostic::error(
                "Import returned no object",
                format!(
                    "Importing {} with id {id:?} returned no {type_name} object.",
                    c.addr
                ),
            )
            .into());
        };
        let schema = resource_schema(p, &c.addr).map_err(Diagnostics::from)?;
        let v = codec::mark_schema_sensitive(r.state, schema);
        let obj = self
            .state_object(c, &v, &r.private, false, None)
            .map_err(Diagnostics::from)?;
        self.imported.lock().expect("lock").insert(c.addr.clone());
        Ok((v, obj))
    }

    /// The configuration at apply time: re-evaluated against applied values when the planned
    /// one had unknowns.
    fn final_config(&self, c: &ResourceChange) -> Result<Value, Diagnostics> {
        if c.config.is_wholly_known() {
            return Ok(c.config.clone());
        }
        let Some(d) = self.desired.get(&c.addr) else {
            return Ok(c.config.clone());
        };
        let values = self.values.lock().expect("lock");
        (d.config)(&Upstream::new(&values))
    }

    async fn run(
        &self,
        c: &ResourceChange,
        kind: NodeKind,
    ) -> (Result<(), Diagnostics>, Vec<InstanceChange>) {
        let mut journal = Vec::new();
        let r = self.run_inner(c, kind, &mut journal).await;
        (r, journal)
    }

    async fn run_inner(
        &self,
        c: &ResourceChange,
        kind: NodeKind,
        journal: &mut Vec<InstanceChange>,
    ) -> Result<(), Diagnostics> {
        let rref = resource_ref(c);
        let p = self.providers.get(&*c.provider.name).ok_or_else(|| {
            Diagnostic::error("Provider not available", c.provider.name.to_string())
        })?;
        let timeouts = self
            .desired
            .get(&c.addr)
            .and_then(|d| d.timeouts.as_deref().copied())
            .unwrap_or_default();
        let ctx_for = |t: Option<Duration>| {
            OpContext {
                cancel: self.abandon.clone(),
                ..OpContext::default()
            }
            .with_timeout(t)
        };
        let ctx = ctx_for(None);
        let type_name = c.addr.resource.resource.type_name.clone();
        let key = c.addr.key.clone();
        let with_addr = |d: Diagnostics| -> Diagnostics {
            d.into_iter()
                .map(|mut x| {
                    if !x.detail.contains(&c.addr.to_string()) {
                        x.detail = format!("{}: {}", c.display_addr(), x.detail);
                    }
                    x
                })
                .collect()
        };

        if kind == NodeKind::Destroy {
            if c.is_data() {
                journal.push(InstanceChange::Remove {
                    resource: rref,
                    index_key: key,
                    deposed: c.deposed.clone(),
                });
                return Ok(());
            }
            // Import then replace, destroying first: the object is imported (and recorded)
            // here, then destroyed.
            let mut before = c.before.clone();
            if imports_in(c, kind) {
                let (v, obj) = self
                    .import_object(c, p.as_ref(), &ctx_for(timeouts.read))
                    .await
                    .map_err(with_addr)?;
                journal.push(InstanceChange::Upsert {
                    resource: rref.clone(),
                    object: obj,
                });
                before = v;
            }
            // For create_before_destroy, the old object was deposed under a new key.
            let deposed = match c.action {
                Action::CreateThenDelete => {
                    self.deposed.lock().expect("lock").get(&c.addr).cloned()
                }
                _ => c.deposed.clone(),
            };
            let resp = p
                .apply_resource(
                    ApplyRequest {
                        type_name: type_name.to_string(),
                        prior_state: before.unmark_deep().0,
                        planned_state: Value::null_dynamic(),
                        config: Value::null_dynamic(),
                        planned_private: c.private.clone(),
                    },
                    &ctx_for(timeouts.delete),
                )
                .await;
            if resp.diagnostics.has_errors() {
                if let Some(v) = &resp.new_state {
                    let obj = self
                        .state_object(c, v, &resp.private, false, deposed)
                        .map_err(Diagnostics::from)?;
                    journal.push(InstanceChange::Upsert {
                        resource: rref,
                        object: obj,
                    });
                } else {
                    journal.push(InstanceChange::Remove {
                        resource: rref,
                        index_key: key,
                        deposed,
                    });
                }
                return Err(with_addr(resp.diagnostics));
            }
            if c.action == Action::Delete && c.deposed.is_none() {
                self.values.lock().expect("lock").remove(&c.addr);
            }
            journal.push(InstanceChange::Remove {
                resource: rref,
                index_key: key,
                deposed,
            });
            return Ok(());
        }

        // Apply node.
        let mut imported: Option<Value> = None;
        let mut imported_obj: Option<InstanceState> = None;
        // An import block: take the object over through the provider's import first (for a
        // replacement that destroys first, the destroy node did).
        if imports_in(c, kind) {
            let (v, obj) = self
                .import_object(c, p.as_ref(), &ctx_for(timeouts.read))
                .await
                .map_err(with_addr)?;
            self.values
                .lock()
                .expect("lock")
                .insert(c.addr.clone(), v.clone());
            journal.push(InstanceChange::Upsert {
                resource: rref.clone(),
                object: obj.clone(),
            });
            if c.action == Action::NoOp {
                return Ok(());
            }
            imported = Some(v);
            imported_obj = Some(obj);
        }
        if c.action == Action::NoOp {
            // A data source read during plan, or an object refresh found changed.
            let obj = self
                .state_object(c, &c.after, &c.private, false, None)
                .map_err(Diagnostics::from)?;
            journal.push(InstanceChange::Upsert {
                resource: rref,
                object: obj,
            });
            return Ok(());
        }
        let schema = resource_schema(p.as_ref(), &c.addr)
            .map_err(Diagnostics::from)?
            .clone();
        let config = self.final_config(c)?;
        let config = values::normalize_config(&config, &schema).map_err(Diagnostics::from)?;
        if c.action == Action::Read {
            if !config.is_wholly_known() {
                return Err(Diagnostic::error(
                    "Configuration is not known",
                    format!(
                        "The configuration of {} still has unknown values at apply time.",
                        c.addr
                    ),
                )
                .into());
            }
            let v = p
                .read_data_source(
                    &type_name,
                    config.clone().unmark_deep().0,
                    &ctx_for(timeouts.read),
                )
                .await
                .map_err(with_addr)?;
            let v = codec::mark_schema_sensitive(v.mark_paths(&config.deep_marks()), &schema);
            let obj = self
                .state_object(c, &v, &[], false, None)
                .map_err(Diagnostics::from)?;
            self.values
                .lock()
                .expect("lock")
                .insert(c.addr.clone(), v.clone());
            journal.push(InstanceChange::Upsert {
                resource: rref,
                object: obj,
            });
            return self.postconditions(c, &v);
        }
        let creating = c.action != Action::Update;
        let prior = if creating {
            Value::null_dynamic()
        } else {
            imported.unwrap_or_else(|| c.before.clone())
        };
        // Re-plan when the configuration changed since plan (unknowns now known).
        let (planned, private) = if config.raw_equal(&c.config) {
            (c.after.clone(), c.private.clone())
        } else {
            let config2 = match (&c.before, self.desired.get(&c.addr)) {
                (b, Some(d)) if !b.is_null() => {
                    values::apply_ignore_changes(&config, b, &d.lifecycle.ignore_changes)
                }
                _ => config.clone(),
            };
            let proposed = values::proposed_new(&schema, &prior, &config2);
            let resp = p
                .plan_resource(
                    PlanRequest {
                        type_name: type_name.to_string(),
                        prior_state: prior.clone().unmark_deep().0,
                        proposed_new_state: proposed.unmark_deep().0,
                        config: config2.clone().unmark_deep().0,
                        prior_private: c.private.clone(),
                    },
                    &ctx,
                )
                .await
                .map_err(with_addr)?;
            (
                codec::mark_schema_sensitive(
                    resp.planned_state.mark_paths(&config2.deep_marks()),
                    &schema,
                ),
                resp.planned_private,
            )
        };
        let mut deposed_now: Option<(String, InstanceState)> = None;
        if c.action == Action::CreateThenDelete {
            // Depose the current object first.
            if let Some(old) = imported_obj
                .as_ref()
                .or_else(|| self.prior.get(&(c.addr.clone(), None)))
            {
                let dk = deposed_key();
                let mut o = old.clone();
                o.deposed = Some(dk.clone());
                deposed_now = Some((dk.clone(), old.clone()));
                self.deposed
                    .lock()
                    .expect("lock")
                    .insert(c.addr.clone(), dk);
                journal.push(InstanceChange::Upsert {
                    resource: rref.clone(),
                    object: o,
                });
                journal.push(InstanceChange::Remove {
                    resource: rref.clone(),
                    index_key: key.clone(),
                    deposed: None,
                });
            }
        }
        let resp = p
            .apply_resource(
                ApplyRequest {
                    type_name: type_name.to_string(),
                    prior_state: prior.unmark_deep().0,
                    planned_state: planned.clone().unmark_deep().0,
                    config: config.clone().unmark_deep().0,
                    planned_private: private,
                },
                &ctx_for(if creating {
                    timeouts.create
                } else {
                    timeouts.update
                }),
            )
            .await;
        let failed = resp.diagnostics.has_errors();
        match &resp.new_state {
            Some(v) => {
                let v = codec::mark_schema_sensitive(
                    v.clone().mark_paths(&planned.deep_marks()),
                    &schema,
                );
                let obj = self
                    .state_object(c, &v, &resp.private, failed && creating, None)
                    .map_err(Diagnostics::from)?;
                self.values
                    .lock()
                    .expect("lock")
                    .insert(c.addr.clone(), v.clone());
                journal.push(InstanceChange::Upsert {
                    resource: rref,
                    object: obj,
                });
                if !failed {
                    self.postconditions(c, &v)?;
                }
            }
            None if c.action == Action::Update => {
                journal.push(InstanceChange::Remove {
                    resource: rref,
                    index_key: key,
                    deposed: None,
                });
            }
            None => {
                // create_before_destroy and nothing was created: the deposed object is
                // current again (as Terraform restores it).
                if let Some((dk, old)) = deposed_now {
                    self.deposed.lock().expect("lock").remove(&c.addr);
                    journal.push(InstanceChange::Remove {
                        resource: rref.clone(),
                        index_key: key,
                        deposed: Some(dk),
                    });
                    journal.push(InstanceChange::Upsert {
                        resource: rref,
                        object: old,
                    });
                }
            }
        }
        if failed {
            return Err(with_addr(resp.diagnostics));
        }
        let mut d = resp.diagnostics;
        d.0.retain(|x| !x.is_error());
        Ok(())
    }
}

/// Applies a plan. `desired` (optional: may be empty) re-evaluates configurations that had
/// unknown values at plan time; `outputs` are the root outputs to store. The backend must be
/// locked by the caller; a state is written first when none is stored yet. A saved plan
/// whose state moved on is refused ("Saved plan is stale").
pub async fn apply(
    plan: &Plan,
    desired: &[DesiredInstance],
    outputs: &[DesiredOutput],
    providers: &dyn ProviderRegistry,
    backend: Arc<dyn Backend>,
    opts: &ApplyOptions,
) -> ApplyOutcome {
    apply_with(plan, desired, outputs, &[], providers, backend, opts).await
}

/// Applies a plan, then evaluates the configuration's `check` blocks against the applied
/// values (failures are warnings).
pub async fn apply_with(
    plan: &Plan,
    desired: &[DesiredInstance],
    outputs: &[DesiredOutput],
    checks: &[DesiredCheck],
    providers: &dyn ProviderRegistry,
    backend: Arc<dyn Backend>,
    opts: &ApplyOptions,
) -> ApplyOutcome {
    let mut diags = Diagnostics::new();
    let fail = |d: Diagnostic| ApplyOutcome {
        state: None,
        reports: Vec::new(),
        diagnostics: d.into(),
        interrupted: false,
    };
    // The stored state must still be the one planned against.
    let b = backend.clone();
    let stored = tokio::task::spawn_blocking(move || b.read()).await;
    let stored = match stored {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => return fail(Diagnostic::error("Failed to read state", e.to_string())),
        Err(e) => return fail(Diagnostic::error("Failed to read state", e.to_string())),
    };
    match &stored {
        Some((s, _)) => {
            if let Err(d) = crate::planfile::check_fresh(plan, s) {
                return fail(d);
            }
        }
        None => {
            let b = backend.clone();
            let st = plan.prior_state.clone();
            match tokio::task::spawn_blocking(move || b.write(&st, None)).await {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => {
                    return fail(Diagnostic::error("Failed to write state", e.to_string()))
                }
                Err(e) => return fail(Diagnostic::error("Failed to write state", e.to_string())),
            }
        }
    }

    // State-only effects first: `moved` renames, `removed` forgets, and objects deleted
    // outside girder are forgotten.
    let mut pre = Vec::new();
    let prior_state = crate::moves::moved_state(&plan.prior_state, &plan.moves, &mut pre);
    for c in &plan.changes {
        if c.action == Action::Forget {
            pre.push(InstanceChange::Remove {
                resource: resource_ref(c),
                index_key: c.addr.key.clone(),
                deposed: None,
            });
        }
    }
    let planned_addrs: std::collections::HashSet<&AbsResourceInstance> =
        plan.changes.iter().map(|c| &c.addr).collect();
    let mut drifted = std::collections::HashSet::new();
    for d in &plan.drift {
        if d.after.is_null() {
            if !planned_addrs.contains(&d.addr) {
                pre.push(InstanceChange::Remove {
                    resource: ResourceRef {
                        module: d.addr.resource.module.clone(),
                        mode: d.addr.resource.resource.mode,
                        type_name: d.addr.resource.resource.type_name.to_string(),
                        name: d.addr.resource.resource.name.to_string(),
                        provider: d.provider.addr.to_string(),
                    },
                    index_key: d.addr.key.clone(),
                    deposed: None,
                });
            }
        } else {
            drifted.insert(d.addr.clone());
        }
    }
    if let Err(d) = persist(&backend, pre).await {
        return fail(d);
    }

    let mut prior_objects = HashMap::new();
    for r in &prior_state.resources {
        let resource = r.addr();
        for i in &r.instances {
            if r.mode == ResourceMode::Managed && i.deposed.is_none() {
                let addr = AbsResourceInstance {
                    resource: resource.clone(),
                    key: i.index_key.clone(),
                };
                prior_objects.insert((addr, None), i.clone());
            }
        }
    }
    let walk = Arc::new(Walk {
        desired: desired
            .iter()
            .map(|d| (d.addr.clone(), d.clone()))
            .collect(),
        providers: plan
            .changes
            .iter()
            .map(|c| &*c.provider.name)
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .filter_map(|n| providers.get(n).map(|p| (n.to_string(), p)))
            .collect(),
        values: Mutex::new(
            plan.changes
                .iter()
                .filter(|c| c.deposed.is_none() && !c.before.is_null())
                .map(|c| (c.addr.clone(), c.before.clone()))
                .collect(),
        ),
        prior: prior_objects,
        deposed: Mutex::new(HashMap::new()),
        imported: Mutex::new(Default::default()),
        abandon: opts.abandon.clone(),
    });

    let mut nodes = build_graph(plan, &drifted);
    let mut ready: VecDeque<usize> = (0..nodes.len())
        .filter(|&i| nodes[i].waiting == 0)
        .collect();
    let mut reports = Vec::with_capacity(nodes.len());
    let committer = Committer::start(backend.clone());
    let mut inflight = FuturesUnordered::new();
    let mut interrupted = false;
    let parallelism = opts.parallelism.max(1);
    let mut finished = 0usize;
    loop {
        while inflight.len() < parallelism && !opts.stop.is_cancelled() {
            let Some(i) = ready.pop_front() else { break };
            let node = &nodes[i];
            let c = &plan.changes[node.change];
            let op = op_kind(c, node.kind);
            if node.blocked {
                reports.push(OpReport {
                    addr: c.display_addr(),
                    op,
                    status: OpStatus::Skipped,
                    elapsed: Duration::ZERO,
                    imported: false,
                });
                finished += 1;
                for d in nodes[i].dependents.clone() {
                    nodes[d].blocked = true;
                    nodes[d].waiting -= 1;
                    if nodes[d].waiting == 0 {
                        ready.push_back(d);
                    }
                }
                continue;
            }
            if let Some(tx) = &opts.events {
                let _ = tx.send(ApplyEvent::Started {
                    addr: c.display_addr(),
                    op,
                });
            }
            let (change, kind) = (c.clone(), node.kind);
            let walk = walk.clone();
            let commits = committer.tx.clone();
            let task = tokio::spawn(async move {
                let start = Instant::now();
                let (r, journal) = walk.run(&change, kind).await;
                let persisted = commit(&commits, journal).await;
                (r, persisted, start.elapsed())
            });
            inflight.push(async move {
                let (r, persisted, elapsed) = task.await.unwrap_or_else(|e| {
                    let d = Diagnostic::error(
                        "Operation failed unexpectedly",
                        format!("The operation stopped without a result: {e}."),
                    );
                    (Err(d.into()), Ok(()), Duration::ZERO)
                });
                (i, op, r, persisted, elapsed)
            });
        }
        if inflight.is_empty() {
            break;
        }
        let next = tokio::select! {
            r = inflight.next() => r,
            _ = opts.stop.cancelled(), if !interrupted => {
                interrupted = true;
                continue;
            }
        };
        let Some((i, op, r, persisted, elapsed)) = next else {
            break;
        };
        finished += 1;
        let c = &plan.changes[nodes[i].change];
        let mut ok = r.is_ok();
        if let Err(d) = r {
            diags.extend(d);
        }
        if let Err(d) = persisted {
            diags.push(d);
            ok = false;
        }
        if let Some(tx) = &opts.events {
            let _ = tx.send(ApplyEvent::Finished {
                addr: c.display_addr(),
                op,
                elapsed,
                ok,
            });
        }
        reports.push(OpReport {
            addr: c.display_addr(),
            op,
            status: if ok {
                OpStatus::Succeeded
            } else {
                OpStatus::Failed
            },
            elapsed,
            imported: imports_in(c, nodes[i].kind)
                && walk.imported.lock().expect("lock").contains(&c.addr),
        });
        for d in nodes[i].dependents.clone() {
            if !ok {
                nodes[d].blocked = true;
            }
            nodes[d].waiting -= 1;
            if nodes[d].waiting == 0 {
                ready.push_back(d);
            }
        }
    }
    drop(inflight);
    committer.finish().await;
    if opts.stop.is_cancelled() {
        interrupted = true;
    }
    if finished < nodes.len() {
        let done: std::collections::HashSet<String> = reports
            .iter()
            .map(|r| format!("{}{:?}", r.addr, r.op))
            .collect();
        for n in &nodes {
            let c = &plan.changes[n.change];
            let op = op_kind(c, n.kind);
            if !done.contains(&format!("{}{:?}", c.display_addr(), op)) {
                reports.push(OpReport {
                    addr: c.display_addr(),
                    op,
                    status: if interrupted {
                        OpStatus::Cancelled
                    } else {
                        OpStatus::Skipped
                    },
                    elapsed: Duration::ZERO,
                    imported: false,
                });
            }
        }
    }
    if interrupted {
        diags.push(
            Diagnostic::error(
                "Operation interrupted",
                "The apply was interrupted: operations in progress finished and were recorded in \
             the state; nothing new was started.",
            )
            .with_help("Run girder plan to see what is left to do."),
        );
    }

    // Outputs, from the applied values.
    let mut out_changes = Vec::new();
    if !interrupted {
        let values = walk.values.lock().expect("lock").clone();
        let want: std::collections::HashSet<&str> = if plan.mode == crate::plan::PlanMode::Destroy {
            Default::default()
        } else {
            outputs.iter().map(|o| o.name.as_str()).collect()
        };
        if plan.mode != crate::plan::PlanMode::Destroy {
            for o in outputs {
                // Preconditions whose result was unknown at plan are decided now; a failure
                // is an error and the output keeps its previous value.
                if let Some(pre) = &o.preconditions {
                    let failed = pre(&Upstream::new(&values), &Value::null_dynamic());
                    if failed.has_errors() {
                        diags.extend(failed);
                        continue;
                    }
                }
                match (o.value)(&Upstream::new(&values)) {
                    Ok(v) if v.is_wholly_known() => {
                        match OutputValue::from_value(&v, o.sensitive) {
                            Ok(ov) => out_changes.push(InstanceChange::SetOutput {
                                name: o.name.clone(),
                                value: ov,
                            }),
                            Err(e) => diags.push(Diagnostic::error("Invalid output value", e)),
                        }
                    }
                    Ok(_) => {}
                    Err(d) => diags.extend(d),
                }
            }
        }
        for name in plan.prior_state.outputs.keys() {
            if !want.contains(name.as_str()) {
                out_changes.push(InstanceChange::RemoveOutput { name: name.clone() });
            }
        }
    }
    if let Err(d) = persist(&backend, out_changes).await {
        diags.push(d);
    }
    if !interrupted && plan.mode == crate::plan::PlanMode::Normal {
        let mut values = walk.values.lock().expect("lock").clone();
        for c in checks {
            // Scoped data sources: the value read at plan, else read now.
            for d in &c.data {
                let v = match plan.check_data.iter().find(|(a, _)| a == &d.addr) {
                    Some((_, v)) => v.clone(),
                    None => {
                        let r = crate::plan::read_check_data(
                            d,
                            &c.name,
                            &Upstream::new(&values),
                            false,
                            providers,
                        )
                        .await;
                        diags.extend(r.diagnostics);
                        r.value.unwrap_or_else(Value::unknown_dynamic)
                    }
                };
                values.insert(d.addr.clone(), v);
            }
            diags.extend((c.asserts)(&Upstream::new(&values), &Value::null_dynamic()));
            for d in &c.data {
                values.remove(&d.addr);
            }
        }
    }
    let b = backend.clone();
    let state = match tokio::task::spawn_blocking(move || {
        b.compact()?;
        b.read()
    })
    .await
    {
        Ok(Ok(s)) => s.map(|(s, _)| s),
        Ok(Err(e)) => {
            diags.push(Diagnostic::error("Failed to write state", e.to_string()));
            None
        }
        Err(e) => {
            diags.push(Diagnostic::error("Failed to write state", e.to_string()));
            None
        }
    };
    ApplyOutcome {
        state,
        reports,
        diagnostics: diags,
        interrupted,
    }
}
