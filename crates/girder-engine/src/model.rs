//! The engine's data: what is wanted (desired instances with their configuration), and what a
//! plan decided (changes with actions and reasons).

use girder_core::addr::{AbsResource, AbsResourceInstance, InstanceKey, ResourceMode};
use girder_core::value::Path;
use girder_core::{Diagnostics, SourceSpan, Value};
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

/// Which provider configuration serves an instance.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ProviderRef {
    /// The key in the provider registry (`aws`, `random`, `fake`; `aws.west` for an alias).
    /// (Shared: every instance of a resource, and each of its changes, refers to one copy.)
    pub name: Arc<str>,
    /// The provider configuration address as written in state
    /// (`provider["registry.terraform.io/hashicorp/aws"]`).
    pub addr: Arc<str>,
}

impl ProviderRef {
    /// A provider from the default registry namespace (`hashicorp/NAME`).
    pub fn hashicorp(name: &str) -> ProviderRef {
        ProviderRef {
            name: name.into(),
            addr: format!("provider[\"registry.terraform.io/hashicorp/{name}\"]").into(),
        }
    }
}

/// `lifecycle { ignore_changes = ... }`.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum IgnoreChanges {
    /// Nothing ignored.
    #[default]
    None,
    /// `ignore_changes = all`.
    All,
    /// The listed attribute paths.
    Paths(Vec<Path>),
}

/// The `lifecycle` block.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Lifecycle {
    /// Replace by creating the new object before destroying the old one.
    pub create_before_destroy: bool,
    /// Refuse any plan that destroys this object.
    pub prevent_destroy: bool,
    /// Attributes whose configured changes are ignored.
    pub ignore_changes: IgnoreChanges,
}

/// The values other instances have so far, as seen by a configuration being evaluated: their
/// planned values during plan (unknown where not yet known), their applied values during
/// apply.
pub struct Upstream<'a> {
    values: &'a HashMap<AbsResourceInstance, Value>,
    base: Option<&'a dyn UpstreamBase>,
}

/// Values an [`Upstream`] falls back on for instances its map does not have. A plan uses the
/// prior objects this way, so that the values of unchanged instances are not copied into a
/// second map.
pub(crate) trait UpstreamBase: Sync {
    /// The value of an instance, if the base has one.
    fn lookup(&self, addr: &AbsResourceInstance) -> Option<&Value>;
}

impl<'a> Upstream<'a> {
    /// The values of a map.
    pub(crate) fn new(values: &'a HashMap<AbsResourceInstance, Value>) -> Upstream<'a> {
        Upstream { values, base: None }
    }
    /// The values of a map, then those of `base`.
    pub(crate) fn layered(
        values: &'a HashMap<AbsResourceInstance, Value>,
        base: &'a dyn UpstreamBase,
    ) -> Upstream<'a> {
        Upstream {
            values,
            base: Some(base),
        }
    }
    /// The current value of an instance (`None` when it does not exist).
    pub fn get(&self, addr: &AbsResourceInstance) -> Option<&Value> {
        match self.values.get(addr) {
            Some(v) => Some(v),
            None => self.base.and_then(|b| b.lookup(addr)),
        }
    }
}

/// Computes an instance's configuration from the values of the instances it depends on.
pub type ConfigFn = Arc<dyn Fn(&Upstream<'_>) -> Result<Value, Diagnostics> + Send + Sync>;

/// Checks conditions (`precondition`, `postcondition`, `check` assertions) against the
/// upstream values and `self` (the instance's planned or applied value; null where `self` is
/// not available). Returns the failures as diagnostics (errors for pre/postconditions);
/// conditions whose result is not yet known pass.
pub type CondFn = Arc<dyn Fn(&Upstream<'_>, &Value) -> Diagnostics + Send + Sync>;

/// One `replace_triggered_by` reference, resolved to an instance.
#[derive(Clone, Debug, PartialEq)]
pub struct Trigger {
    /// The referenced instance.
    pub instance: AbsResourceInstance,
    /// The referenced attribute (`None`: any change of the instance triggers).
    pub path: Option<Path>,
}

/// The `timeouts` block: how long each operation may take.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Timeouts {
    /// Create (also the create half of a replacement).
    pub create: Option<std::time::Duration>,
    /// Update in place.
    pub update: Option<std::time::Duration>,
    /// Destroy.
    pub delete: Option<std::time::Duration>,
    /// Read (data sources).
    pub read: Option<std::time::Duration>,
}

/// One resource or data source instance the configuration wants.
#[derive(Clone)]
pub struct DesiredInstance {
    /// Its address.
    pub addr: AbsResourceInstance,
    /// Its provider.
    pub provider: ProviderRef,
    /// Its configuration (evaluated against upstream values; may contain unknowns).
    pub config: ConfigFn,
    /// The instances it depends on (references and `depends_on`), for ordering and for the
    /// state's `dependencies`.
    pub depends_on: Vec<AbsResourceInstance>,
    /// Its lifecycle options.
    pub lifecycle: Lifecycle,
    /// Where its block is (shared by the instances of the block).
    pub span: Option<Arc<SourceSpan>>,
    /// `lifecycle { replace_triggered_by = [...] }`, resolved to instances.
    pub triggers: Vec<Trigger>,
    /// `lifecycle { precondition { ... } }` (checked before planning the instance).
    pub preconditions: Option<CondFn>,
    /// `lifecycle { postcondition { ... } }` (checked against the planned value, and again
    /// against the applied value when the planned one left the result unknown).
    pub postconditions: Option<CondFn>,
    /// `timeouts { create = "30m" }`: the deadline given to the provider per operation
    /// (`None`: no block; shared by the instances of the resource).
    pub timeouts: Option<Arc<Timeouts>>,
}

impl fmt::Debug for DesiredInstance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DesiredInstance")
            .field("addr", &self.addr.to_string())
            .field("provider", &self.provider.name)
            .field("depends_on", &self.depends_on.len())
            .field("lifecycle", &self.lifecycle)
            .finish()
    }
}

/// One attribute copied from another instance into a configuration (programmatic wiring for
/// tests and benchmarks; the language layer evaluates expressions instead).
#[derive(Clone, Debug)]
pub struct Wire {
    /// Attribute of this instance's configuration to set.
    pub attr: String,
    /// The instance to read from.
    pub from: AbsResourceInstance,
    /// Its attribute to read.
    pub from_attr: String,
}

impl DesiredInstance {
    /// An instance with a fixed configuration.
    pub fn new(addr: &str, provider: ProviderRef, config: Value) -> DesiredInstance {
        let addr = AbsResourceInstance::parse(addr).expect("valid address");
        DesiredInstance {
            addr,
            provider,
            config: Arc::new(move |_| Ok(config.clone())),
            depends_on: Vec::new(),
            lifecycle: Lifecycle::default(),
            span: None,
            triggers: Vec::new(),
            preconditions: None,
            postconditions: None,
            timeouts: None,
        }
    }

    /// An instance whose configuration copies attributes from others (and depends on them).
    pub fn wired(
        addr: &str,
        provider: ProviderRef,
        base: Value,
        wires: Vec<Wire>,
    ) -> DesiredInstance {
        let mut d = DesiredInstance::new(addr, provider, Value::null_dynamic());
        d.depends_on = wires.iter().map(|w| w.from.clone()).collect();
        d.config = Arc::new(move |up| {
            let mut attrs = base.as_map().cloned().unwrap_or_default();
            for w in &wires {
                let v = up
                    .get(&w.from)
                    .and_then(|v| v.get_attr(&w.from_attr).cloned())
                    .unwrap_or_else(Value::null_dynamic);
                attrs.insert(w.attr.clone(), v);
            }
            Ok(Value::object(attrs))
        });
        d
    }

    /// Builder: lifecycle.
    pub fn with_lifecycle(mut self, l: Lifecycle) -> DesiredInstance {
        self.lifecycle = l;
        self
    }

    /// Builder: an extra dependency (`depends_on`).
    pub fn depending_on(mut self, addr: &str) -> DesiredInstance {
        self.depends_on
            .push(AbsResourceInstance::parse(addr).expect("valid address"));
        self
    }

    /// Is it a data source?
    pub fn is_data(&self) -> bool {
        self.addr.resource.resource.mode == ResourceMode::Data
    }
}

/// What will happen to one object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    /// Nothing.
    NoOp,
    /// Create a new object.
    Create,
    /// Read a data source during apply.
    Read,
    /// Update in place.
    Update,
    /// Destroy, then create a replacement.
    DeleteThenCreate,
    /// Create a replacement, then destroy the old object (create_before_destroy).
    CreateThenDelete,
    /// Destroy.
    Delete,
    /// Remove from state without destroying (`removed { lifecycle { destroy = false } }`).
    Forget,
}

impl Action {
    /// Terraform's JSON `actions` list.
    pub fn json_actions(self) -> &'static [&'static str] {
        match self {
            Action::NoOp => &["no-op"],
            Action::Create => &["create"],
            Action::Read => &["read"],
            Action::Update => &["update"],
            Action::DeleteThenCreate => &["delete", "create"],
            Action::CreateThenDelete => &["create", "delete"],
            Action::Delete => &["delete"],
            Action::Forget => &["forget"],
        }
    }
    /// Is this a replacement?
    pub fn is_replace(self) -> bool {
        matches!(self, Action::DeleteThenCreate | Action::CreateThenDelete)
    }
}

/// Why an action was chosen.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Reason {
    /// Replaced because these attribute changes cannot be made in place.
    ReplaceBecauseCannotUpdate(Vec<Path>),
    /// Replaced because the object is tainted.
    ReplaceBecauseTainted,
    /// Replaced because `-replace` asked for it.
    ReplaceByRequest,
    /// Destroyed because its resource is no longer in the configuration.
    DeleteBecauseNoResourceConfig,
    /// Destroyed because its count index is no longer in range.
    DeleteBecauseCountIndex,
    /// Destroyed because its for_each key is no longer in the map or set.
    DeleteBecauseEachKey,
    /// Destroyed because the resource switched between count, for_each and neither.
    DeleteBecauseWrongRepetition,
    /// Destroyed because `-destroy` / `girder destroy` was asked for.
    DeleteBecauseDestroy,
    /// Created because refresh found the object deleted outside girder.
    CreateBecauseGone,
    /// Read during apply because its configuration has unknown values.
    ReadBecauseConfigUnknown,
    /// Read during apply because a dependency has changes pending.
    ReadBecauseDependencyPending,
    /// Replaced because something named in `replace_triggered_by` changes.
    ReplaceByTriggers,
    /// Forgotten (or destroyed) because a `removed` block says so.
    BecauseRemovedBlock,
}

impl Reason {
    /// Terraform's JSON `action_reason` (None for girder's own reasons).
    pub fn json(&self) -> Option<&'static str> {
        Some(match self {
            Reason::ReplaceBecauseCannotUpdate(_) => "replace_because_cannot_update",
            Reason::ReplaceBecauseTainted => "replace_because_tainted",
            Reason::ReplaceByRequest => "replace_by_request",
            Reason::DeleteBecauseNoResourceConfig => "delete_because_no_resource_config",
            Reason::DeleteBecauseCountIndex => "delete_because_count_index",
            Reason::DeleteBecauseEachKey => "delete_because_each_key",
            Reason::DeleteBecauseWrongRepetition => "delete_because_wrong_repetition",
            Reason::ReadBecauseConfigUnknown => "read_because_config_unknown",
            Reason::ReadBecauseDependencyPending => "read_because_dependency_pending",
            Reason::ReplaceByTriggers => "replace_by_triggers",
            Reason::DeleteBecauseDestroy
            | Reason::CreateBecauseGone
            | Reason::BecauseRemovedBlock => return None,
        })
    }
}

/// The planned change of one object.
#[derive(Clone, Debug, PartialEq)]
pub struct ResourceChange {
    /// The instance.
    pub addr: AbsResourceInstance,
    /// For a deposed object: its deposed key.
    pub deposed: Option<String>,
    /// Its provider.
    pub provider: ProviderRef,
    /// What happens.
    pub action: Action,
    /// Why.
    pub reason: Option<Reason>,
    /// The object now (after refresh); null when creating. Marked sensitive where it is.
    pub before: Value,
    /// The planned object, unknown where decided at apply; null when deleting.
    pub after: Value,
    /// The configuration the plan was made from (null when deleting, and for a no-op other
    /// than its resource's first: nothing applies a no-op, and `show -json`'s configuration
    /// section reads each resource's first change that has one).
    pub config: Value,
    /// Provider private data for apply.
    pub private: Vec<u8>,
    /// The instances this one depends on (for ordering and the state's `dependencies`).
    pub depends_on: Vec<AbsResourceInstance>,
    /// Resources recorded in state as dependencies of the prior object (for destroy order).
    pub prior_dependencies: Vec<String>,
    /// create_before_destroy is in effect.
    pub create_before_destroy: bool,
    /// The address the object had in state before a `moved` block renamed it.
    pub moved_from: Option<Box<AbsResourceInstance>>,
    /// The id an `import` block imports the object from (the object is not in state yet).
    pub importing: Option<String>,
}

impl ResourceChange {
    /// `addr` and, for deposed objects, the deposed key, as Terraform prints them.
    pub fn display_addr(&self) -> String {
        match &self.deposed {
            Some(d) => format!("{} (deposed object {d})", self.addr),
            None => self.addr.to_string(),
        }
    }
    /// Is this a data source change?
    pub fn is_data(&self) -> bool {
        self.addr.resource.resource.mode == ResourceMode::Data
    }
    /// The resource (without key).
    pub fn resource(&self) -> &AbsResource {
        &self.addr.resource
    }
}

/// A change found by refresh (made outside girder).
#[derive(Clone, Debug, PartialEq)]
pub struct Drift {
    /// The instance.
    pub addr: AbsResourceInstance,
    /// Its provider.
    pub provider: ProviderRef,
    /// As recorded in state.
    pub before: Value,
    /// As it is now (null: deleted).
    pub after: Value,
}

/// The planned change of a root output.
#[derive(Clone, Debug, PartialEq)]
pub struct OutputChange {
    /// The output's name.
    pub name: String,
    /// Create, update, delete or no-op.
    pub action: Action,
    /// The value in state (null when new).
    pub before: Value,
    /// The planned value (may be unknown; null when removed).
    pub after: Value,
    /// `sensitive = true` on the output.
    pub sensitive: bool,
}

/// A root output the configuration wants.
#[derive(Clone)]
pub struct DesiredOutput {
    /// Name.
    pub name: String,
    /// Its value from the instances' values.
    pub value: ConfigFn,
    /// `sensitive = true`.
    pub sensitive: bool,
    /// The instances it refers to.
    pub depends_on: Vec<AbsResourceInstance>,
    /// `precondition { ... }` blocks of the output: checked at plan (unknown results pass)
    /// and again at apply against the applied values (a failure there is an error and the
    /// output is not written).
    pub preconditions: Option<CondFn>,
}

impl fmt::Debug for DesiredOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DesiredOutput")
            .field("name", &self.name)
            .finish()
    }
}

impl DesiredOutput {
    /// An output equal to one attribute of an instance.
    pub fn attr(name: &str, from: &str, attr: &str, sensitive: bool) -> DesiredOutput {
        let from = AbsResourceInstance::parse(from).expect("valid address");
        let f2 = from.clone();
        let attr = attr.to_string();
        DesiredOutput {
            name: name.to_string(),
            value: Arc::new(move |up| {
                Ok(up
                    .get(&f2)
                    .and_then(|v| v.get_attr(&attr).cloned())
                    .unwrap_or_else(Value::null_dynamic))
            }),
            sensitive,
            depends_on: vec![from],
            preconditions: None,
        }
    }
}

/// One end of a `moved` block: a module call (instance) or a resource (instance), relative to
/// the root module. `None` keys mean "not given" (the whole resource or every instance of the
/// module call).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MoveEndpoint {
    /// Module steps: call name and the key as written (`Some(None)` never occurs: a step
    /// without a key is `None`).
    pub module: Vec<(String, Option<InstanceKey>)>,
    /// The resource and its key as written (`None`: the endpoint is a module call).
    pub resource: Option<(girder_core::addr::Resource, Option<InstanceKey>)>,
}

impl fmt::Display for MoveEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        for (name, key) in &self.module {
            parts.push(match key {
                Some(k) => format!("module.{name}[{k}]"),
                None => format!("module.{name}"),
            });
        }
        if let Some((r, key)) = &self.resource {
            parts.push(match key {
                Some(k) => format!("{r}[{k}]"),
                None => r.to_string(),
            });
        }
        f.write_str(&parts.join("."))
    }
}

/// A `moved` block.
#[derive(Clone, Debug, PartialEq)]
pub struct MoveStmt {
    /// The old address.
    pub from: MoveEndpoint,
    /// The new address.
    pub to: MoveEndpoint,
    /// Where the block is.
    pub span: Option<SourceSpan>,
}

/// An `import` block.
#[derive(Clone, Debug, PartialEq)]
pub struct ImportStmt {
    /// The instance to import into.
    pub to: AbsResourceInstance,
    /// The provider's id of the object.
    pub id: String,
    /// Where the block is.
    pub span: Option<SourceSpan>,
}

/// A `removed` block.
#[derive(Clone, Debug, PartialEq)]
pub struct RemovedStmt {
    /// The resource or module call removed from the configuration.
    pub from: MoveEndpoint,
    /// `lifecycle { destroy = ... }` (default true: destroy as any orphan).
    pub destroy: bool,
    /// Where the block is.
    pub span: Option<SourceSpan>,
}

/// A `check` block: assertions reported as warnings. (The preconditions of child module
/// outputs are carried the same way; their failures are errors.)
#[derive(Clone)]
pub struct DesiredCheck {
    /// Its name.
    pub name: String,
    /// Evaluates its assertions (failures are warnings).
    pub asserts: CondFn,
    /// Its scoped `data` blocks (Terraform 1.5): read at plan (at apply when their
    /// configuration is unknown or a dependency has changes pending), visible to this check's
    /// assertions only, never in state; a failure to read one is a warning.
    pub data: Vec<DesiredInstance>,
}

impl fmt::Debug for DesiredCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DesiredCheck")
            .field("name", &self.name)
            .finish()
    }
}

/// The configuration's blocks that act on the plan beyond its resources: `moved`, `import`,
/// `removed` and `check`.
#[derive(Clone, Debug, Default)]
pub struct Blocks {
    /// `moved` blocks.
    pub moves: Vec<MoveStmt>,
    /// `import` blocks.
    pub imports: Vec<ImportStmt>,
    /// `removed` blocks.
    pub removed: Vec<RemovedStmt>,
    /// `check` blocks.
    pub checks: Vec<DesiredCheck>,
}
