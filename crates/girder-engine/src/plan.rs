//! Planning: refresh (batched by type through `read_many`), then per instance ask the provider
//! to plan and decide the action and its reason; orphans, deposed objects, `-destroy`,
//! `-target`, `-replace`, `ignore_changes`, `prevent_destroy`, outputs.

use crate::codec;
use crate::model::*;
use crate::target::{key_kind, Target};
use crate::values;
use base64::Engine as _;
use futures::StreamExt;
use girder_core::addr::{AbsResource, AbsResourceInstance, InstanceKey, ResourceMode};
use girder_core::value::Path;
use girder_core::{Diagnostic, Diagnostics, Value};
use girder_provider::schema::Schema;
use girder_provider::{OpContext, PlanRequest, Provider, ReadRequest};
use girder_state::model::{ObjectStatus, State};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

/// Maps provider names (`aws`, `random`, `aws.west`) to configured providers.
pub trait ProviderRegistry: Send + Sync {
    /// The provider, if available.
    fn get(&self, name: &str) -> Option<Arc<dyn Provider>>;
}

impl ProviderRegistry for HashMap<String, Arc<dyn Provider>> {
    fn get(&self, name: &str) -> Option<Arc<dyn Provider>> {
        HashMap::get(self, name).cloned()
    }
}

impl<F> ProviderRegistry for F
where
    F: Fn(&str) -> Option<Arc<dyn Provider>> + Send + Sync,
{
    fn get(&self, name: &str) -> Option<Arc<dyn Provider>> {
        self(name)
    }
}

/// Normal plan or destroy plan.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PlanMode {
    /// Make the infrastructure match the configuration.
    #[default]
    Normal,
    /// Destroy everything (`-destroy`, `girder destroy`).
    Destroy,
    /// Only accept changes made outside girder into the state (`-refresh-only`).
    RefreshOnly,
}

/// Options of a plan.
#[derive(Clone, Debug)]
pub struct PlanOptions {
    /// Normal or destroy.
    pub mode: PlanMode,
    /// Refresh before planning (`-refresh=false` turns it off).
    pub refresh: bool,
    /// `-target` addresses (empty: everything).
    pub targets: Vec<Target>,
    /// `-exclude` addresses: left out, with everything that depends on them.
    pub excludes: Vec<Target>,
    /// `-replace` addresses.
    pub replace: Vec<AbsResourceInstance>,
    /// How many provider calls may run at once.
    pub parallelism: usize,
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions {
            mode: PlanMode::Normal,
            refresh: true,
            targets: Vec::new(),
            excludes: Vec::new(),
            replace: Vec::new(),
            parallelism: 10,
        }
    }
}

/// A plan: the changes, what refresh found, the output changes, and the state it was made
/// against.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Resource changes (no-ops included), in a stable order (by address).
    pub changes: Vec<ResourceChange>,
    /// Changes made outside girder, found by refresh.
    pub drift: Vec<Drift>,
    /// Root output changes.
    pub outputs: Vec<OutputChange>,
    /// The state the plan was made against (as read, before refresh), shared.
    pub prior_state: Arc<State>,
    /// Normal or destroy.
    pub mode: PlanMode,
    /// The `-target` addresses.
    pub targets: Vec<String>,
    /// Root input variable values (for saved plans).
    pub variables: BTreeMap<String, Value>,
    /// A hash of the configuration the plan was made from (for saved plans).
    pub config_hash: String,
    /// State renames from `moved` blocks (old address, new address), made first at apply.
    pub moves: Vec<(AbsResourceInstance, AbsResourceInstance)>,
    /// Data sources scoped to `check` blocks that were read at plan, with their values (the
    /// others are read at apply, once their configuration is known).
    pub check_data: Vec<(AbsResourceInstance, Value)>,
}

impl Plan {
    /// (to add, to change, to destroy), as the summary line counts them.
    pub fn counts(&self) -> (usize, usize, usize) {
        let (mut add, mut change, mut destroy) = (0, 0, 0);
        for c in &self.changes {
            if c.is_data() {
                continue;
            }
            match c.action {
                Action::Create => add += 1,
                Action::Update => change += 1,
                Action::Delete => destroy += 1,
                Action::DeleteThenCreate | Action::CreateThenDelete => {
                    add += 1;
                    destroy += 1;
                }
                Action::NoOp | Action::Read | Action::Forget => {}
            }
        }
        (add, change, destroy)
    }

    /// (to import, to forget), as Terraform 1.5+ counts them in the summary line.
    pub fn import_forget_counts(&self) -> (usize, usize) {
        (
            self.changes
                .iter()
                .filter(|c| c.importing.is_some())
                .count(),
            self.changes
                .iter()
                .filter(|c| c.action == Action::Forget)
                .count(),
        )
    }

    /// Does applying it change anything (resources or outputs)?
    pub fn has_changes(&self) -> bool {
        self.changes.iter().any(|c| {
            (c.action != Action::NoOp && !(c.is_data() && c.action == Action::Delete))
                || c.moved_from.is_some()
                || c.importing.is_some()
        }) || self.outputs.iter().any(|o| o.action != Action::NoOp)
            || !self.moves.is_empty()
            || (self.mode == PlanMode::RefreshOnly && !self.drift.is_empty())
    }
}

/// What [`plan`] returns: the plan (absent when errors prevent one) and diagnostics.
#[derive(Debug)]
pub struct PlanOutcome {
    /// The plan, unless there were errors.
    pub plan: Option<Plan>,
    /// Errors and warnings.
    pub diagnostics: Diagnostics,
}

/// One object of the prior state, decoded.
#[derive(Clone, Debug)]
pub(crate) struct PriorObject {
    pub addr: AbsResourceInstance,
    pub deposed: Option<String>,
    pub provider: ProviderRef,
    pub value: Value,
    pub private: Vec<u8>,
    pub tainted: bool,
    pub dependencies: Vec<String>,
    pub create_before_destroy: bool,
}

/// The provider name (registry key) of a state provider address:
/// `provider["registry.terraform.io/hashicorp/aws"].west` -> `aws.west`.
pub fn provider_name_of(addr: &str) -> String {
    let s = addr.rsplit_once("provider[").map_or(addr, |(_, r)| r);
    let (inside, rest) = s.split_once("]").unwrap_or((s, ""));
    let source = inside.trim_matches('"');
    let ty = source.rsplit('/').next().unwrap_or(source);
    match rest.strip_prefix('.') {
        Some(alias) if !alias.is_empty() => format!("{ty}.{alias}"),
        _ => ty.to_string(),
    }
}

fn provider_ref(addr: &str) -> ProviderRef {
    ProviderRef {
        name: provider_name_of(addr).into(),
        addr: addr.into(),
    }
}

fn no_provider(name: &str, what: &str) -> Diagnostic {
    Diagnostic::error(
        "Provider not available",
        format!("{what} needs provider \"{name}\", which is not available."),
    )
    .with_help(format!(
        "Add a required_providers entry and a provider \"{name}\" block, then run girder init."
    ))
}

pub(crate) fn resource_schema<'a>(
    p: &'a dyn Provider,
    addr: &AbsResourceInstance,
) -> Result<&'a Schema, Diagnostic> {
    let r = &addr.resource.resource;
    let s = match r.mode {
        ResourceMode::Managed => p.schema().resource(&r.type_name),
        ResourceMode::Data => p.schema().data_source(&r.type_name),
    };
    s.ok_or_else(|| {
        let kind = match r.mode {
            ResourceMode::Managed => "resource type",
            ResourceMode::Data => "data source",
        };
        Diagnostic::error(
            "Invalid resource type",
            format!(
                "The provider {} does not support {kind} \"{}\".",
                p.name(),
                r.type_name
            ),
        )
    })
}

/// Decodes the objects of the state (managed and data, current and deposed).
pub(crate) fn decode_state(
    state: &State,
    providers: &dyn ProviderRegistry,
    diags: &mut Diagnostics,
) -> Vec<PriorObject> {
    let mut out = Vec::with_capacity(state.instance_count());
    let mut cache: HashMap<String, Option<Arc<dyn Provider>>> = HashMap::new();
    for r in &state.resources {
        let pref = provider_ref(&r.provider);
        let p = cache
            .entry(pref.name.to_string())
            .or_insert_with(|| providers.get(&pref.name))
            .clone();
        let mut ty_cache: Option<(*const Schema, girder_core::Type)> = None;
        let resource = r.addr();
        for inst in &r.instances {
            let addr = AbsResourceInstance {
                resource: resource.clone(),
                key: inst.index_key.clone(),
            };
            let Some(p) = &p else {
                diags.push(no_provider(&pref.name, &addr.to_string()));
                continue;
            };
            let schema = match resource_schema(p.as_ref(), &addr) {
                Ok(s) => s,
                Err(d) => {
                    diags.push(d);
                    continue;
                }
            };
            if ty_cache
                .as_ref()
                .is_none_or(|(s, _)| !std::ptr::eq(*s, schema))
            {
                ty_cache = Some((schema as *const Schema, schema.object_type()));
            }
            let ty = &ty_cache.as_ref().expect("set").1;
            let value = match codec::instance_value_typed(inst, schema, ty) {
                Ok(v) => v,
                Err(e) => {
                    diags.push(Diagnostic::error(
                        "Invalid state object",
                        format!("The state object of {addr} does not fit its schema: {e}"),
                    ));
                    continue;
                }
            };
            let private = inst
                .private
                .as_deref()
                .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
                .unwrap_or_default();
            out.push(PriorObject {
                addr,
                deposed: inst.deposed.clone(),
                provider: pref.clone(),
                value,
                private,
                tainted: inst.status == ObjectStatus::Tainted,
                dependencies: inst.dependencies.clone(),
                create_before_destroy: inst.create_before_destroy,
            });
        }
    }
    out
}

/// What refreshing one object found.
enum Refreshed {
    /// Deleted outside girder.
    Gone,
    /// Changed outside girder: the new value (marked as the prior was) and private data.
    Changed(Value, Vec<u8>),
    /// Unchanged, and the prior value carries no marks: the provider's copy, kept instead of
    /// the one decoded from state so that one copy of the object is held.
    Same(Value),
}

/// What the provider's answer `r` for prior object `o` means (`None`: nothing to do, or an
/// error, which goes to `diags`).
fn refreshed(
    o: &PriorObject,
    r: Result<girder_provider::ReadResponse, Diagnostics>,
    providers: &dyn ProviderRegistry,
    diags: &mut Diagnostics,
) -> Option<Refreshed> {
    let resp = match r {
        Err(d) => {
            diags.extend(d);
            return None;
        }
        Ok(resp) => resp,
    };
    diags.extend(resp.diagnostics);
    let v = match resp.new_state {
        None => return Some(Refreshed::Gone),
        Some(v) => v,
    };
    if v.raw_equal(&o.value) {
        return (!o.value.has_marks_deep()).then_some(Refreshed::Same(v));
    }
    let p = providers.get(&o.provider.name);
    let v = match p.as_ref().map(|p| resource_schema(p.as_ref(), &o.addr)) {
        Some(Ok(s)) => codec::mark_schema_sensitive(v.mark_paths(&o.value.deep_marks()), s),
        _ => v,
    };
    Some(Refreshed::Changed(v, resp.private))
}

/// How many objects one `read_many` call refreshes at most: a provider batches its API calls
/// within a call, and the requests and responses in flight stay bounded (`parallelism`
/// calls at a time) however big the state is.
pub const REFRESH_CHUNK: usize = 1000;

/// Refreshes managed current objects, batched per (provider, type) through `read_many`, in
/// chunks of [`REFRESH_CHUNK`], `parallelism` chunks at a time. Returns the refreshed objects
/// (gone ones removed) and the drift found, in address order.
async fn refresh(
    mut objects: Vec<PriorObject>,
    providers: &dyn ProviderRegistry,
    targets: &[Target],
    parallelism: usize,
    diags: &mut Diagnostics,
) -> (Vec<PriorObject>, Vec<Drift>) {
    let mut groups: BTreeMap<(&str, &str), Vec<usize>> = BTreeMap::new();
    for (i, o) in objects.iter().enumerate() {
        if o.deposed.is_some() || o.addr.resource.resource.mode != ResourceMode::Managed {
            continue;
        }
        if !targets.is_empty() && !targets.iter().any(|t| t.matches(&o.addr)) {
            continue;
        }
        groups
            .entry((&*o.provider.name, &*o.addr.resource.resource.type_name))
            .or_default()
            .push(i);
    }
    let ctx = OpContext::default();
    let mut found: Vec<(usize, Refreshed)> = Vec::new();
    {
        let objects = &objects;
        let ctx = &ctx;
        // (Chunks are named by indices, not slices: closures taking references would make
        // the plan future not `Send` for every lifetime.)
        let groups: Vec<((&str, &str), Vec<usize>)> = groups.into_iter().collect();
        let groups = &groups;
        let chunk = move |g: usize, start: usize| -> &[usize] {
            let idxs = &groups[g].1;
            &idxs[start..(start + REFRESH_CHUNK).min(idxs.len())]
        };
        let mut chunks: Vec<(usize, usize)> = Vec::new();
        for (g, (_, idxs)) in groups.iter().enumerate() {
            chunks.extend(
                (0..idxs.len())
                    .step_by(REFRESH_CHUNK)
                    .map(|start| (g, start)),
            );
        }
        let calls = chunks.into_iter().map(move |(g, start)| async move {
            let (pname, ty) = groups[g].0;
            let p = providers.get(pname)?;
            let reqs: Vec<ReadRequest> = chunk(g, start)
                .iter()
                .map(|&i| ReadRequest {
                    type_name: ty.to_string(),
                    current_state: objects[i].value.clone().unmark_deep().0,
                    private: objects[i].private.clone(),
                })
                .collect();
            Some((g, start, p.read_many(ty, reqs, ctx).await))
        });
        let (found, diags) = (&mut found, &mut *diags);
        futures::stream::iter(calls)
            .buffer_unordered(parallelism.max(1))
            .for_each(|res| {
                if let Some((g, start, res)) = res {
                    for (&i, r) in chunk(g, start).iter().zip(res) {
                        if let Some(f) = refreshed(&objects[i], r, providers, diags) {
                            found.push((i, f));
                        }
                    }
                }
                std::future::ready(())
            })
            .await;
    }
    let mut drift = Vec::new();
    let mut gone = vec![false; objects.len()];
    for (i, f) in found {
        let o = &mut objects[i];
        let (before, after) = match f {
            Refreshed::Same(v) => {
                o.value = v;
                continue;
            }
            Refreshed::Gone => {
                gone[i] = true;
                (o.value.clone(), Value::null_dynamic())
            }
            Refreshed::Changed(v, private) => {
                o.private = private;
                (std::mem::replace(&mut o.value, v.clone()), v)
            }
        };
        drift.push(Drift {
            addr: o.addr.clone(),
            provider: o.provider.clone(),
            before,
            after,
        });
    }
    // Chunks finish in any order: drift is reported in address order.
    drift.sort_by(|a, b| addr_cmp(&a.addr, &b.addr));
    let out = objects
        .into_iter()
        .zip(gone)
        .filter_map(|(o, gone)| (!gone).then_some(o))
        .collect();
    (out, drift)
}

/// Plans. `desired` are the instances the configuration wants (with configurations computed
/// from upstream values), `outputs` the root outputs; `state` the current state.
pub async fn plan(
    desired: &[DesiredInstance],
    outputs: &[DesiredOutput],
    state: impl Into<Arc<State>>,
    providers: &dyn ProviderRegistry,
    opts: &PlanOptions,
) -> PlanOutcome {
    plan_with(desired, outputs, &Blocks::default(), state, providers, opts).await
}

fn fail(diags: Diagnostics) -> PlanOutcome {
    PlanOutcome {
        plan: None,
        diagnostics: diags,
    }
}

/// Does a `removed` endpoint cover `a`?
fn removed_matches(e: &MoveEndpoint, a: &AbsResourceInstance) -> bool {
    let m = &a.resource.module.0;
    match &e.resource {
        None => {
            m.len() >= e.module.len()
                && e.module
                    .iter()
                    .zip(m)
                    .all(|((n, k), s)| n == &s.name && (k.is_none() || k == &s.key))
        }
        Some((r, k)) => {
            m.len() == e.module.len()
                && e.module
                    .iter()
                    .zip(m)
                    .all(|((n, k), s)| n == &s.name && (k.is_none() || k == &s.key))
                && &a.resource.resource == r
                && (k.is_none() || k == &a.key)
        }
    }
}

/// Plans with the configuration's `moved`, `import`, `removed` and `check` blocks.
pub async fn plan_with(
    desired: &[DesiredInstance],
    outputs: &[DesiredOutput],
    blocks: &Blocks,
    state: impl Into<Arc<State>>,
    providers: &dyn ProviderRegistry,
    opts: &PlanOptions,
) -> PlanOutcome {
    // The plan keeps the state it was made against: handed over as an `Arc`, it is shared
    // rather than copied (a reference is copied once).
    let state: Arc<State> = state.into();
    let state = &state;
    let mut diags = Diagnostics::new();
    let mut objects = decode_state(state, providers, &mut diags);
    if diags.has_errors() {
        return fail(diags);
    }

    // `moved` blocks: rename objects in state before anything else looks at them.
    let mut moved_from: HashMap<AbsResourceInstance, Box<AbsResourceInstance>> = HashMap::new();
    let mut moves = Vec::new();
    if opts.mode != PlanMode::RefreshOnly && !blocks.moves.is_empty() {
        let mut existing: Vec<AbsResourceInstance> = Vec::new();
        let mut seen = HashSet::new();
        for o in &objects {
            if o.addr.resource.resource.mode == ResourceMode::Managed && seen.insert(&o.addr) {
                existing.push(o.addr.clone());
            }
        }
        let declared: HashSet<AbsResourceInstance> =
            desired.iter().map(|d| d.addr.clone()).collect();
        let map = crate::moves::resolve(&blocks.moves, &existing, &declared, &mut diags);
        if diags.has_errors() {
            return fail(diags);
        }
        for o in &mut objects {
            if let Some(n) = map.get(&o.addr) {
                moved_from.insert(n.clone(), Box::new(o.addr.clone()));
                o.addr = n.clone();
            }
        }
        for a in &existing {
            if let Some(n) = map.get(a) {
                moves.push((a.clone(), n.clone()));
            }
        }
    }

    // `removed` blocks: the resource must be gone from the configuration.
    let mut forget: HashSet<AbsResourceInstance> = HashSet::new();
    if opts.mode != PlanMode::RefreshOnly {
        for r in &blocks.removed {
            if let Some(d) = desired.iter().find(|d| removed_matches(&r.from, &d.addr)) {
                diags.push(
                    Diagnostic::error(
                        "Removed resource still exists",
                        format!(
                            "This statement declares that {} was removed, but {} is still declared in the configuration.",
                            r.from, d.addr
                        ),
                    )
                    .with_span_opt(r.span.clone())
                    .with_help("Remove the resource block too, or remove this removed block."),
                );
                continue;
            }
            if !r.destroy {
                for o in &objects {
                    if o.deposed.is_none() && removed_matches(&r.from, &o.addr) {
                        forget.insert(o.addr.clone());
                    }
                }
            }
        }
        if diags.has_errors() {
            return fail(diags);
        }
    }

    let to_refresh: Vec<PriorObject>;
    let kept: Vec<PriorObject>;
    if forget.is_empty() {
        (to_refresh, kept) = (objects, Vec::new());
    } else {
        (to_refresh, kept) = objects.into_iter().partition(|o| !forget.contains(&o.addr));
    }
    let (mut objects, drift) = if opts.refresh {
        refresh(
            to_refresh,
            providers,
            &opts.targets,
            opts.parallelism,
            &mut diags,
        )
        .await
    } else {
        (to_refresh, Vec::new())
    };
    objects.extend(kept);
    if diags.has_errors() {
        return fail(diags);
    }

    // `import` blocks: objects not yet in state are read through the provider's import.
    let mut importing: HashMap<AbsResourceInstance, String> = HashMap::new();
    if opts.mode == PlanMode::Normal {
        let in_state: HashSet<AbsResourceInstance> = objects
            .iter()
            .filter(|o| o.deposed.is_none())
            .map(|o| o.addr.clone())
            .collect();
        for im in &blocks.imports {
            if in_state.contains(&im.to) || importing.contains_key(&im.to) {
                continue;
            }
            let Some(d) = desired.iter().find(|d| d.addr == im.to) else {
                diags.push(
                    Diagnostic::error(
                        "Configuration for import target does not exist",
                        format!(
                            "The configuration for the given import target {} does not exist. All target instances must have an associated configuration to be imported.",
                            im.to
                        ),
                    )
                    .with_span_opt(im.span.clone())
                    .with_help("Add a resource block for it (with the same count / for_each key), or fix the to address."),
                );
                continue;
            };
            if !opts.targets.is_empty() && !opts.targets.iter().any(|t| t.matches(&im.to)) {
                continue;
            }
            let Some(p) = providers.get(&d.provider.name) else {
                diags.push(no_provider(&d.provider.name, &im.to.to_string()));
                continue;
            };
            let schema = match resource_schema(p.as_ref(), &im.to) {
                Ok(s) => s,
                Err(e) => {
                    diags.push(e.with_span_opt(im.span.clone()));
                    continue;
                }
            };
            let ty = &im.to.resource.resource.type_name;
            match p.import_resource(ty, &im.id, &OpContext::default()).await {
                Ok(found) => match found.into_iter().find(|r| &r.type_name == ty) {
                    Some(r) => {
                        importing.insert(im.to.clone(), im.id.clone());
                        objects.push(PriorObject {
                            addr: im.to.clone(),
                            deposed: None,
                            provider: d.provider.clone(),
                            value: codec::mark_schema_sensitive(r.state, schema),
                            private: r.private,
                            tainted: false,
                            dependencies: Vec::new(),
                            create_before_destroy: false,
                        });
                    }
                    None => diags.push(
                        Diagnostic::error(
                            "Import returned no object",
                            format!(
                                "Importing {} with id {:?} returned no {ty} object.",
                                im.to, im.id
                            ),
                        )
                        .with_span_opt(im.span.clone()),
                    ),
                },
                Err(e) => diags.extend(
                    e.into_iter()
                        .map(|x| x.with_span_opt(im.span.clone()))
                        .collect::<Vec<_>>(),
                ),
            }
        }
        if diags.has_errors() {
            return fail(diags);
        }
    }

    if !opts.targets.is_empty() {
        diags.push(Diagnostic::warning(
            "Resource targeting is in effect",
            "You are creating a plan with the -target option, which means that the result of \
             this plan may not represent all of the changes requested by the current \
             configuration.\n\nThe -target option is not for routine use, and is provided only \
             for exceptional situations such as recovering from errors or mistakes, or when \
             Terraform specifically suggests to use it as part of an error message.",
        ));
    }
    if !opts.excludes.is_empty() {
        diags.push(Diagnostic::warning(
            "Resource exclusion is in effect",
            "You are creating a plan with the -exclude option: the excluded objects, and \
             everything that depends on them, are left as they are, so the result of this plan \
             may not represent all of the changes requested by the current configuration.",
        ));
    }

    let mut current: HashMap<&AbsResourceInstance, usize> = HashMap::with_capacity(objects.len());
    for (i, o) in objects.iter().enumerate() {
        if o.deposed.is_none() {
            current.insert(&o.addr, i);
        }
    }
    let desired_index: HashMap<&AbsResourceInstance, usize> = desired
        .iter()
        .enumerate()
        .map(|(i, d)| (&d.addr, i))
        .collect();

    let mut changes: Vec<ResourceChange> = Vec::with_capacity(desired.len().max(objects.len()));
    // The values configurations see: the current objects (not those being imported), with
    // `upstream` on top (planned values that differ from them) and `hidden` (instances
    // planned to be gone). An unchanged instance is looked up in `objects`, not copied.
    let mut upstream: HashMap<AbsResourceInstance, Value> = HashMap::new();
    let mut hidden: HashSet<AbsResourceInstance> = HashSet::new();

    let excluded_objects = excluded_objects(&objects, opts);
    match opts.mode {
        PlanMode::Destroy => plan_destroy(
            desired,
            &desired_index,
            &objects,
            &excluded_objects,
            opts,
            &mut changes,
            &mut diags,
        ),
        PlanMode::RefreshOnly => {
            for d in &drift {
                if d.after.is_null() {
                    continue;
                }
                if let Some(&i) = current.get(&d.addr) {
                    let o = &objects[i];
                    changes.push(ResourceChange {
                        action: Action::NoOp,
                        reason: None,
                        after: o.value.clone(),
                        config: Value::null_dynamic(),
                        ..delete_change(o, None)
                    });
                }
            }
        }
        PlanMode::Normal => {
            // Which desired instances are in scope.
            let order = match values::topo_order(desired) {
                Ok(o) => o,
                Err(d) => {
                    diags.extend(d);
                    return fail(diags);
                }
            };
            let gone: HashSet<AbsResourceInstance> = drift
                .iter()
                .filter(|d| d.after.is_null())
                .map(|d| d.addr.clone())
                .collect();
            let in_scope = targeted(desired, &desired_index, &opts.targets);
            let excluded = excluded_desired(desired, &opts.excludes);
            let mut pending: HashMap<AbsResourceInstance, (Action, Value, Value)> = HashMap::new();
            let mut noop_config: HashMap<AbsResource, usize> = HashMap::new();
            for level in order {
                let level: Vec<usize> = level
                    .into_iter()
                    .filter(|i| in_scope.as_ref().is_none_or(|s| s.contains(i)))
                    .filter(|i| !excluded.contains(i))
                    .collect();
                // Changes go straight into `changes` (no per-level copy of them), then the
                // level's values become visible to the next levels.
                let start = changes.len();
                let base = PriorValues {
                    objects: &objects,
                    current: &current,
                    importing: &importing,
                    hidden: &hidden,
                };
                {
                    let up = &Upstream::layered(&upstream, &base);
                    let pending = &pending;
                    let objects = &objects;
                    let current = &current;
                    let gone = &gone;
                    let (changes, diags) = (&mut changes, &mut diags);
                    let noop_config = &mut noop_config;
                    futures::stream::iter(level.into_iter().map(|i| async move {
                        let d = &desired[i];
                        let prior = current.get(&d.addr).map(|&j| &objects[j]);
                        plan_instance(d, prior, up, pending, gone, providers, opts).await
                    }))
                    .buffer_unordered(opts.parallelism.max(1))
                    .for_each(|r| {
                        match r {
                            Ok(mut c) => {
                                if c.action == Action::NoOp
                                    && !importing.contains_key(&c.addr)
                                    && !c.config.is_null()
                                {
                                    keep_first_noop_config(&mut c, changes, noop_config);
                                }
                                changes.push(c)
                            }
                            Err(d) => diags.extend(d),
                        }
                        std::future::ready(())
                    })
                    .await;
                }
                // (Instances of one level do not see each other, so what the level hides
                // takes effect after it.)
                let mut now_gone = Vec::new();
                for c in &mut changes[start..] {
                    let addr = &c.addr;
                    c.moved_from = moved_from.get(addr).cloned();
                    c.importing = importing.get(addr).cloned();
                    if c.action != Action::NoOp {
                        pending.insert(addr.clone(), (c.action, c.before.clone(), c.after.clone()));
                    }
                    if c.after.is_null() {
                        upstream.remove(addr);
                        now_gone.push(addr.clone());
                    } else if base.lookup(addr) != Some(&c.after) {
                        upstream.insert(addr.clone(), c.after.clone());
                    }
                }
                hidden.extend(now_gone);
            }
            // Objects in state the configuration no longer wants.
            let mut by_resource: HashMap<&AbsResource, u8> = HashMap::new();
            for d in desired {
                by_resource.insert(&d.addr.resource, key_kind(&d.addr.key));
            }
            for o in &objects {
                if !opts.targets.is_empty() && !opts.targets.iter().any(|t| t.matches(&o.addr)) {
                    continue;
                }
                if excluded_objects.contains(&o.addr) {
                    continue;
                }
                let orphan = o.deposed.is_some() || !desired_index.contains_key(&o.addr);
                if !orphan {
                    continue;
                }
                if o.deposed.is_none() && forget.contains(&o.addr) {
                    changes.push(ResourceChange {
                        action: Action::Forget,
                        reason: Some(Reason::BecauseRemovedBlock),
                        moved_from: moved_from.get(&o.addr).cloned(),
                        ..delete_change(o, None)
                    });
                    continue;
                }
                let reason = if o.deposed.is_some() {
                    None
                } else {
                    Some(match by_resource.get(&o.addr.resource) {
                        None => Reason::DeleteBecauseNoResourceConfig,
                        Some(&k) if k != key_kind(&o.addr.key) => {
                            Reason::DeleteBecauseWrongRepetition
                        }
                        Some(_) => match o.addr.key {
                            Some(InstanceKey::Int(_)) => Reason::DeleteBecauseCountIndex,
                            _ => Reason::DeleteBecauseEachKey,
                        },
                    })
                };
                let mut c = delete_change(o, reason);
                if o.deposed.is_none() {
                    c.moved_from = moved_from.get(&o.addr).cloned();
                }
                changes.push(c);
            }
        }
    }
    if diags.has_errors() {
        return fail(diags);
    }
    // (Address and deposed key identify a change, so an unstable sort gives one order; a
    // stable sort would take a scratch buffer of half the changes.)
    changes.sort_unstable_by(|a, b| {
        addr_cmp(&a.addr, &b.addr).then_with(|| a.deposed.cmp(&b.deposed))
    });

    let base = PriorValues {
        objects: &objects,
        current: &current,
        importing: &importing,
        hidden: &hidden,
    };
    let outputs = plan_outputs(
        outputs,
        state,
        &Upstream::layered(&upstream, &base),
        opts,
        &mut diags,
    );
    let mut check_data = Vec::new();
    if opts.mode == PlanMode::Normal {
        let pending: HashSet<&AbsResourceInstance> = changes
            .iter()
            .filter(|c| c.action != Action::NoOp)
            .map(|c| &c.addr)
            .collect();
        for c in &blocks.checks {
            let mut scoped = Vec::new();
            for d in &c.data {
                let deps_pending = d.depends_on.iter().any(|a| pending.contains(a));
                let up = Upstream::layered(&upstream, &base);
                let v = read_check_data(d, &c.name, &up, deps_pending, providers).await;
                diags.extend(v.diagnostics);
                let v = match v.value {
                    Some(v) => {
                        check_data.push((d.addr.clone(), v.clone()));
                        v
                    }
                    None => Value::unknown_dynamic(),
                };
                upstream.insert(d.addr.clone(), v);
                scoped.push(&d.addr);
            }
            diags.extend((c.asserts)(
                &Upstream::layered(&upstream, &base),
                &Value::null_dynamic(),
            ));
            for a in scoped {
                upstream.remove(a);
            }
        }
    }
    PlanOutcome {
        plan: Some(Plan {
            changes,
            drift,
            outputs,
            prior_state: Arc::clone(state),
            mode: opts.mode,
            targets: opts.targets.iter().map(ToString::to_string).collect(),
            variables: BTreeMap::new(),
            config_hash: String::new(),
            moves,
            check_data,
        }),
        diagnostics: diags,
    }
}

/// The prior objects as upstream values: the current ones, except those being imported
/// (not in state yet) and those the plan has already found gone.
struct PriorValues<'a> {
    objects: &'a [PriorObject],
    current: &'a HashMap<&'a AbsResourceInstance, usize>,
    importing: &'a HashMap<AbsResourceInstance, String>,
    hidden: &'a HashSet<AbsResourceInstance>,
}

impl UpstreamBase for PriorValues<'_> {
    fn lookup(&self, addr: &AbsResourceInstance) -> Option<&Value> {
        if self.hidden.contains(addr) || self.importing.contains_key(addr) {
            return None;
        }
        self.current.get(addr).map(|&i| &self.objects[i].value)
    }
}

/// Nothing applies a no-op's configuration; only the JSON plan's `configuration` section
/// reads it, from each resource's first change in address order. So of the no-ops of a
/// resource only the first keeps it (`first` maps each resource to that change's index in
/// `changes`; `c` is about to be pushed).
fn keep_first_noop_config(
    c: &mut ResourceChange,
    changes: &mut [ResourceChange],
    first: &mut HashMap<AbsResource, usize>,
) {
    match first.get_mut(&c.addr.resource) {
        None => {
            first.insert(c.addr.resource.clone(), changes.len());
        }
        Some(j) if addr_cmp(&c.addr, &changes[*j].addr).is_lt() => {
            changes[*j].config = Value::null_dynamic();
            *j = changes.len();
        }
        Some(_) => c.config = Value::null_dynamic(),
    }
}

/// The desired instances `-exclude` leaves out: those it names and everything that depends
/// on them (transitively).
fn excluded_desired(desired: &[DesiredInstance], excludes: &[Target]) -> HashSet<usize> {
    let mut out = HashSet::new();
    if excludes.is_empty() {
        return out;
    }
    let mut dependents: HashMap<&AbsResourceInstance, Vec<usize>> = HashMap::new();
    for (i, d) in desired.iter().enumerate() {
        for dep in &d.depends_on {
            dependents.entry(dep).or_default().push(i);
        }
    }
    let mut stack: Vec<usize> = desired
        .iter()
        .enumerate()
        .filter(|(_, d)| excludes.iter().any(|t| t.matches(&d.addr)))
        .map(|(i, _)| i)
        .collect();
    while let Some(i) = stack.pop() {
        if out.insert(i) {
            if let Some(ds) = dependents.get(&desired[i].addr) {
                stack.extend(ds.iter().copied());
            }
        }
    }
    out
}

/// The objects in state `-exclude` leaves alone. In a normal plan: those it names and those
/// recorded as depending on them; in a destroy plan: those it names and what they depend on
/// (which must outlive them).
fn excluded_objects(objects: &[PriorObject], opts: &PlanOptions) -> HashSet<AbsResourceInstance> {
    let mut out: HashSet<AbsResourceInstance> = HashSet::new();
    if opts.excludes.is_empty() {
        return out;
    }
    let mut res: HashSet<String> = HashSet::new();
    for o in objects {
        if opts.excludes.iter().any(|t| t.matches(&o.addr)) {
            out.insert(o.addr.clone());
            res.insert(o.addr.resource.to_string());
        }
    }
    loop {
        let before = (out.len(), res.len());
        for o in objects {
            if out.contains(&o.addr) {
                if opts.mode == PlanMode::Destroy {
                    for d in &o.dependencies {
                        res.insert(d.clone());
                    }
                }
                continue;
            }
            let hit = if opts.mode == PlanMode::Destroy {
                res.contains(&o.addr.resource.to_string())
            } else {
                o.dependencies.iter().any(|d| res.contains(d))
            };
            if hit {
                out.insert(o.addr.clone());
                res.insert(o.addr.resource.to_string());
            }
        }
        if (out.len(), res.len()) == before {
            break;
        }
    }
    out
}

/// Terraform's order of instance addresses: by module, data sources before managed
/// resources, type, name, key.
pub fn addr_order(a: &AbsResourceInstance) -> (String, bool, &str, &str, &Option<InstanceKey>) {
    let r = &a.resource.resource;
    (
        a.resource.module.to_string(),
        r.mode == ResourceMode::Managed,
        &r.type_name,
        &r.name,
        &a.key,
    )
}

/// Compares two addresses in [`addr_order`], without formatting module paths unless they
/// differ.
pub fn addr_cmp(a: &AbsResourceInstance, b: &AbsResourceInstance) -> std::cmp::Ordering {
    let module = if a.resource.module == b.resource.module {
        std::cmp::Ordering::Equal
    } else {
        a.resource
            .module
            .to_string()
            .cmp(&b.resource.module.to_string())
    };
    let (ra, rb) = (&a.resource.resource, &b.resource.resource);
    module
        .then_with(|| (ra.mode == ResourceMode::Managed).cmp(&(rb.mode == ResourceMode::Managed)))
        .then_with(|| ra.type_name.cmp(&rb.type_name))
        .then_with(|| ra.name.cmp(&rb.name))
        .then_with(|| a.key.cmp(&b.key))
}

fn targeted(
    desired: &[DesiredInstance],
    index: &HashMap<&AbsResourceInstance, usize>,
    targets: &[Target],
) -> Option<HashSet<usize>> {
    if targets.is_empty() {
        return None;
    }
    let mut set = HashSet::new();
    let mut stack: Vec<usize> = desired
        .iter()
        .enumerate()
        .filter(|(_, d)| targets.iter().any(|t| t.matches(&d.addr)))
        .map(|(i, _)| i)
        .collect();
    while let Some(i) = stack.pop() {
        if set.insert(i) {
            for dep in &desired[i].depends_on {
                if let Some(&j) = index.get(dep) {
                    stack.push(j);
                }
            }
        }
    }
    Some(set)
}

fn delete_change(o: &PriorObject, reason: Option<Reason>) -> ResourceChange {
    ResourceChange {
        addr: o.addr.clone(),
        deposed: o.deposed.clone(),
        provider: o.provider.clone(),
        action: Action::Delete,
        reason,
        before: o.value.clone(),
        after: Value::null_dynamic(),
        config: Value::null_dynamic(),
        private: o.private.clone(),
        depends_on: Vec::new(),
        prior_dependencies: o.dependencies.clone(),
        create_before_destroy: o.create_before_destroy,
        moved_from: None,
        importing: None,
    }
}

fn prevent_destroy_error(d: &DesiredInstance) -> Diagnostic {
    Diagnostic::error(
        "Instance cannot be destroyed",
        format!(
            "Resource {} has lifecycle.prevent_destroy set, but the plan calls for this \
             resource to be destroyed. To avoid this error and continue with the plan, either \
             disable lifecycle.prevent_destroy or reduce the scope of the plan using the \
             -target flag.",
            d.addr.resource
        ),
    )
    .with_span_opt(d.span.as_deref().cloned())
    .with_help("Remove prevent_destroy = true from its lifecycle block if it really must go.")
}

fn plan_destroy(
    desired: &[DesiredInstance],
    desired_index: &HashMap<&AbsResourceInstance, usize>,
    objects: &[PriorObject],
    excluded: &HashSet<AbsResourceInstance>,
    opts: &PlanOptions,
    changes: &mut Vec<ResourceChange>,
    diags: &mut Diagnostics,
) {
    // Targets select objects and everything that depends on them.
    let selected: Option<HashSet<String>> = if opts.targets.is_empty() {
        None
    } else {
        let mut sel: HashSet<String> = objects
            .iter()
            .filter(|o| opts.targets.iter().any(|t| t.matches(&o.addr)))
            .map(|o| o.addr.resource.to_string())
            .collect();
        loop {
            let before = sel.len();
            for o in objects {
                if o.dependencies.iter().any(|d| sel.contains(d)) {
                    sel.insert(o.addr.resource.to_string());
                }
            }
            if sel.len() == before {
                break;
            }
        }
        Some(sel)
    };
    for o in objects {
        if excluded.contains(&o.addr) {
            continue;
        }
        if let Some(sel) = &selected {
            let direct = opts.targets.iter().any(|t| t.matches(&o.addr));
            if !direct && !sel.contains(&o.addr.resource.to_string()) {
                continue;
            }
        }
        if let Some(&i) = desired_index.get(&o.addr) {
            if desired[i].lifecycle.prevent_destroy
                && o.addr.resource.resource.mode == ResourceMode::Managed
            {
                diags.push(prevent_destroy_error(&desired[i]));
                continue;
            }
        }
        changes.push(delete_change(
            o,
            (o.addr.resource.resource.mode == ResourceMode::Managed && o.deposed.is_none())
                .then_some(Reason::DeleteBecauseDestroy),
        ));
    }
}

/// Plans one desired instance.
async fn plan_instance(
    d: &DesiredInstance,
    prior: Option<&PriorObject>,
    up: &Upstream<'_>,
    pending: &HashMap<AbsResourceInstance, (Action, Value, Value)>,
    gone: &HashSet<AbsResourceInstance>,
    providers: &dyn ProviderRegistry,
    opts: &PlanOptions,
) -> Result<ResourceChange, Diagnostics> {
    let what = d.addr.to_string();
    let p = providers
        .get(&d.provider.name)
        .ok_or_else(|| Diagnostics::from(no_provider(&d.provider.name, &what)))?;
    let schema = resource_schema(p.as_ref(), &d.addr)
        .map_err(|e| e.with_span_opt(d.span.as_deref().cloned()))?;
    if let Some(pre) = &d.preconditions {
        let failed = pre(up, &Value::null_dynamic());
        if failed.has_errors() {
            return Err(failed);
        }
    }
    let raw_config = (d.config)(up)?;
    let config = values::normalize_config(&raw_config, schema)
        .map_err(|e| Diagnostics::from(e.with_span_opt(d.span.as_deref().cloned())))?;
    let mut diags = schema.validate_config(&config, &what);
    diags.extend(
        p.validate_resource(&d.addr.resource.resource.type_name, &config)
            .await,
    );
    if diags.has_errors() {
        return Err(diags
            .into_iter()
            .map(|x| x.with_span_opt(d.span.as_deref().cloned()))
            .collect());
    }
    let ctx = OpContext::default();
    let base = ResourceChange {
        addr: d.addr.clone(),
        deposed: None,
        provider: d.provider.clone(),
        action: Action::NoOp,
        reason: None,
        before: prior.map_or_else(Value::null_dynamic, |o| o.value.clone()),
        after: Value::null_dynamic(),
        config: config.clone(),
        private: Vec::new(),
        depends_on: d.depends_on.clone(),
        prior_dependencies: prior.map(|o| o.dependencies.clone()).unwrap_or_default(),
        create_before_destroy: d.lifecycle.create_before_destroy,
        moved_from: None,
        importing: None,
    };

    if d.is_data() {
        let deps_pending = d.depends_on.iter().any(|a| pending.contains_key(a));
        if config.is_wholly_known() && !deps_pending {
            let v = p
                .read_data_source(
                    &d.addr.resource.resource.type_name,
                    config.clone().unmark_deep().0,
                    &ctx,
                )
                .await
                .map_err(|e| -> Diagnostics {
                    e.into_iter()
                        .map(|x| x.with_span_opt(d.span.as_deref().cloned()))
                        .collect()
                })?;
            let v = codec::mark_schema_sensitive(v.mark_paths(&config.deep_marks()), schema);
            postconditions(d, up, &v)?;
            return Ok(ResourceChange { after: v, ..base });
        }
        let after = values::proposed_new(schema, &Value::null_dynamic(), &config);
        return Ok(ResourceChange {
            action: Action::Read,
            reason: Some(if deps_pending {
                Reason::ReadBecauseDependencyPending
            } else {
                Reason::ReadBecauseConfigUnknown
            }),
            after,
            ..base
        });
    }

    let prior_value = prior.map(|o| &o.value);
    let mut config = config;
    if let Some(pv) = prior_value {
        if !matches!(d.lifecycle.ignore_changes, IgnoreChanges::None) {
            config = values::apply_ignore_changes(&config, pv, &d.lifecycle.ignore_changes);
        }
    }
    let config_marks = config.deep_marks();
    let prior_private = prior.map(|o| o.private.clone()).unwrap_or_default();
    let plan_with = |prior_v: Value| {
        let proposed = values::proposed_new(schema, &prior_v, &config);
        let req = PlanRequest {
            type_name: d.addr.resource.resource.type_name.to_string(),
            prior_private: if prior_v.is_null() {
                Vec::new()
            } else {
                prior_private.clone()
            },
            prior_state: prior_v.unmark_deep().0,
            proposed_new_state: proposed.unmark_deep().0,
            config: config.clone().unmark_deep().0,
        };
        let p = p.clone();
        let ctx = ctx.clone();
        async move { p.plan_resource(req, &ctx).await }
    };
    let span_err = |e: Diagnostics| -> Diagnostics {
        e.into_iter()
            .map(|x| x.with_span_opt(d.span.as_deref().cloned()))
            .collect()
    };
    let mark = |v: Value| codec::mark_schema_sensitive(v.mark_paths(&config_marks), schema);

    let Some(pv) = prior_value else {
        let resp = plan_with(Value::null_dynamic()).await.map_err(span_err)?;
        let after = mark(resp.planned_state);
        postconditions(d, up, &after)?;
        return Ok(ResourceChange {
            action: Action::Create,
            reason: gone.contains(&d.addr).then_some(Reason::CreateBecauseGone),
            after,
            private: resp.planned_private,
            ..base
        });
    };
    let resp = plan_with(pv.clone()).await.map_err(span_err)?;
    let planned = mark(resp.planned_state);
    let replace_paths: Vec<Path> = resp
        .requires_replace
        .into_iter()
        .filter(|path| {
            let a = values::get_path(pv, path);
            let b = values::get_path(&planned, path);
            match (a, b) {
                (Some(a), Some(b)) => !(b.is_known() && a.raw_equal(b)),
                (None, None) => false,
                _ => true,
            }
        })
        .collect();
    let tainted = prior.is_some_and(|o| o.tainted);
    let requested = opts.replace.contains(&d.addr);
    let reason = if tainted {
        Some(Reason::ReplaceBecauseTainted)
    } else if requested {
        Some(Reason::ReplaceByRequest)
    } else if !replace_paths.is_empty() {
        Some(Reason::ReplaceBecauseCannotUpdate(replace_paths))
    } else if triggered(d, pending) {
        Some(Reason::ReplaceByTriggers)
    } else {
        None
    };
    if let Some(reason) = reason {
        if d.lifecycle.prevent_destroy {
            return Err(prevent_destroy_error(d).into());
        }
        let fresh = plan_with(Value::null_dynamic()).await.map_err(span_err)?;
        let after = mark(fresh.planned_state);
        postconditions(d, up, &after)?;
        return Ok(ResourceChange {
            action: if d.lifecycle.create_before_destroy {
                Action::CreateThenDelete
            } else {
                Action::DeleteThenCreate
            },
            reason: Some(reason),
            after,
            private: fresh.planned_private,
            ..base
        });
    }
    postconditions(d, up, &planned)?;
    if planned.raw_equal(pv) {
        return Ok(ResourceChange {
            // Share the prior object when nothing differs, marks included: a no-op plan of a
            // big state keeps one copy of each object.
            after: if planned == *pv { pv.clone() } else { planned },
            private: resp.planned_private,
            ..base
        });
    }
    Ok(ResourceChange {
        action: Action::Update,
        after: planned,
        private: resp.planned_private,
        ..base
    })
}

/// What reading a `check` block's data source gave: its value (`None`: not read, its
/// configuration is not known yet or a dependency has changes pending, or the read failed)
/// and warnings.
pub(crate) struct CheckRead {
    pub value: Option<Value>,
    pub diagnostics: Diagnostics,
}

/// Reads a data source scoped to the `check` block `check`. Every error becomes a warning
/// naming the check: such a data source never stops a run.
pub(crate) async fn read_check_data(
    d: &DesiredInstance,
    check: &str,
    up: &Upstream<'_>,
    deps_pending: bool,
    providers: &dyn ProviderRegistry,
) -> CheckRead {
    let warn = |e: Diagnostics| -> Diagnostics {
        e.into_iter()
            .map(|x| {
                let span = x.span.clone().or_else(|| d.span.as_deref().cloned());
                Diagnostic {
                    severity: girder_core::Severity::Warning,
                    detail: format!(
                        "{}\n\n(from {}, scoped to check block \"{check}\")",
                        x.detail, d.addr
                    ),
                    help: Some(
                        "A data source in a check block does not stop the run; its check's \
                         assertions that use it are not evaluated."
                            .into(),
                    ),
                    span,
                    ..x
                }
            })
            .collect()
    };
    let none = |diagnostics| CheckRead {
        value: None,
        diagnostics,
    };
    let what = d.addr.to_string();
    let Some(p) = providers.get(&d.provider.name) else {
        return none(warn(no_provider(&d.provider.name, &what).into()));
    };
    let schema = match resource_schema(p.as_ref(), &d.addr) {
        Ok(s) => s,
        Err(e) => return none(warn(e.into())),
    };
    let raw = match (d.config)(up) {
        Ok(v) => v,
        Err(e) => return none(warn(e)),
    };
    let config = match values::normalize_config(&raw, schema) {
        Ok(c) => c,
        Err(e) => return none(warn(e.into())),
    };
    let mut diags = schema.validate_config(&config, &what);
    diags.extend(
        p.validate_resource(&d.addr.resource.resource.type_name, &config)
            .await,
    );
    if diags.has_errors() {
        return none(warn(diags));
    }
    if deps_pending || !config.is_wholly_known() {
        return none(diags);
    }
    match p
        .read_data_source(
            &d.addr.resource.resource.type_name,
            config.clone().unmark_deep().0,
            &OpContext::default(),
        )
        .await
    {
        Ok(v) => CheckRead {
            value: Some(codec::mark_schema_sensitive(
                v.mark_paths(&config.deep_marks()),
                schema,
            )),
            diagnostics: diags,
        },
        Err(e) => {
            diags.extend(warn(e));
            none(diags)
        }
    }
}

/// Checks the instance's postconditions against its planned value (unknown results pass).
fn postconditions(d: &DesiredInstance, up: &Upstream<'_>, v: &Value) -> Result<(), Diagnostics> {
    if let Some(post) = &d.postconditions {
        let failed = post(up, v);
        if failed.has_errors() {
            return Err(failed);
        }
    }
    Ok(())
}

/// Does something named in `replace_triggered_by` change in this plan? A whole instance
/// triggers when it is created, updated or replaced; an attribute when its value changes
/// (or is not known until apply).
fn triggered(
    d: &DesiredInstance,
    pending: &HashMap<AbsResourceInstance, (Action, Value, Value)>,
) -> bool {
    d.triggers.iter().any(|t| {
        let Some((action, before, after)) = pending.get(&t.instance) else {
            return false;
        };
        if !matches!(
            action,
            Action::Create | Action::Update | Action::DeleteThenCreate | Action::CreateThenDelete
        ) {
            return false;
        }
        match &t.path {
            None => true,
            Some(p) => match (values::get_path(before, p), values::get_path(after, p)) {
                (Some(a), Some(b)) => !(b.is_wholly_known() && a.raw_equal(b)),
                (None, None) => false,
                _ => true,
            },
        }
    })
}

fn plan_outputs(
    outputs: &[DesiredOutput],
    state: &State,
    up: &Upstream<'_>,
    opts: &PlanOptions,
    diags: &mut Diagnostics,
) -> Vec<OutputChange> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    if opts.mode != PlanMode::Destroy {
        for o in outputs {
            seen.insert(o.name.clone());
            if let Some(pre) = &o.preconditions {
                let failed = pre(up, &Value::null_dynamic());
                if failed.has_errors() {
                    diags.extend(failed);
                    continue;
                }
            }
            let after = match (o.value)(up) {
                Ok(v) => v,
                Err(d) => {
                    diags.extend(d);
                    continue;
                }
            };
            let before = state.outputs.get(&o.name).and_then(|v| v.to_value().ok());
            if !o.sensitive && after.contains_sensitive() {
                diags.push(
                    Diagnostic::error(
                        "Output refers to sensitive values",
                        "To reduce the risk of accidentally exporting sensitive data that was \
                     intended to be only internal, Terraform requires that any root module \
                     output containing sensitive data be explicitly marked as sensitive, to \
                     confirm your intent.\n\nIf you do intend to export this data, annotate \
                     the output value as sensitive by adding the following argument:\n    \
                     sensitive = true",
                    )
                    .with_help(format!("Add sensitive = true to output \"{}\".", o.name)),
                );
                continue;
            }
            let sensitive = o.sensitive;
            let action = match &before {
                None => Action::Create,
                Some(b) if b.raw_equal(&after) => Action::NoOp,
                Some(_) => Action::Update,
            };
            out.push(OutputChange {
                name: o.name.clone(),
                action,
                before: before.unwrap_or_else(Value::null_dynamic),
                after,
                sensitive,
            });
        }
    }
    for (name, v) in &state.outputs {
        if seen.contains(name) {
            continue;
        }
        out.push(OutputChange {
            name: name.clone(),
            action: Action::Delete,
            before: v.to_value().unwrap_or_else(|_| Value::null_dynamic()),
            after: Value::null_dynamic(),
            sensitive: v.sensitive,
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}
