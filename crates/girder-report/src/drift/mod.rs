//! Drift: what changed in real infrastructure outside girder, resource by resource.
//!
//! `girder drift` refreshes every managed resource, then calls [`compare`] once per resource
//! instance with the attributes in state and the refreshed ones (None when the object is gone),
//! adds each [`Comparison`] to a [`DriftReport`], adds unmanaged objects with
//! [`DriftReport::add_unmanaged`], and renders the report with [`render_text`],
//! [`render_markdown`] or [`render_json`]. [`DriftReport::exit_code`] gives the process exit
//! code: 0 no drift, 2 drift (1, errors, is the caller's).
//!
//! The comparison is a deep diff of the two attribute trees. Paths print as Terraform writes
//! them (`tags["Env"]`, `ingress[1].cidr_blocks`). Without a schema, an object that is the
//! value of an attribute is read as a map (its keys print as `["key"]`), and objects in lists
//! (nested blocks) as attributes. Lists named by a [`CompareInput::set_paths`] hint are
//! compared as sets (order-insensitive): an element present on one side only is one `added` or
//! `removed` change at the set's path.
//!
//! A change at or below a sensitive path (or a change whose value holds one) is reported with
//! `sensitive: true` and without its values.

mod ignore;
mod path;
mod render;

pub use ignore::{
    glob_match, IgnoreChanges, IgnoreRule, IgnoreRules, RuleTarget, DRIFT_IGNORE_FILE,
};
pub use path::{AttrPath, PathStep};
pub use render::{render_json, render_markdown, render_text, MarkdownOptions, TextOptions};

use serde::Serialize;
use serde_json::Value;

/// The flags of `girder drift` this module's report supports: `-format=markdown` and `-json`
/// pick the renderer (human text otherwise), `-max-size=N` caps the markdown, `-no-color` the
/// text; `-unmanaged` adds unmanaged objects, `-ignore-file=PATH` names the drift-ignore file
/// (default [`DRIFT_IGNORE_FILE`]), `-refresh-state` accepts the drift into state, and `-lock`,
/// `-lock-timeout` govern the read lock. Exit codes: see [`exit_code`].
pub const CLI_FLAGS: &[&str] = &[
    "-format",
    "-json",
    "-max-size",
    "-no-color",
    "-unmanaged",
    "-ignore-file",
    "-refresh-state",
    "-lock",
    "-lock-timeout",
];

/// The version of the JSON drift schema ([`render_json`]); see `docs/drift-json.md`.
/// The minor version grows with additions, the major version with incompatible changes.
pub const JSON_VERSION: &str = "1.1";

/// What kind of drift a resource has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DriftKind {
    /// Attributes changed outside girder.
    Changed,
    /// The object was deleted outside girder.
    Deleted,
    /// The object exists in a managed scope but no state manages it.
    Unmanaged,
}

/// How one attribute changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeAction {
    /// It has a new value.
    Changed,
    /// It (a map key, a list or set element, an attribute) appeared.
    Added,
    /// It disappeared.
    Removed,
}

/// One attribute changed outside girder.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AttrChange {
    /// Where: `tags["Env"]`, `ingress[1].cidr_blocks`; for set elements, the set's path.
    pub path: AttrPath,
    /// Changed, added or removed.
    pub action: ChangeAction,
    /// The value in state (None when added or sensitive).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<Value>,
    /// The value in real infrastructure (None when removed or sensitive).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<Value>,
    /// Sensitive: values withheld.
    pub sensitive: bool,
}

/// One resource with drift.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ResourceDrift {
    /// Resource instance address (`module.net.aws_subnet.private[0]`); for unmanaged objects,
    /// `TYPE.ID` or whatever the caller names them by.
    pub address: String,
    /// Resource type (`aws_subnet`).
    #[serde(rename = "type")]
    pub type_name: String,
    /// Changed, deleted or unmanaged.
    pub kind: DriftKind,
    /// Attribute changes (empty unless `kind` is changed).
    pub changes: Vec<AttrChange>,
}

/// Where an ignore came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IgnoredChange {
    /// Resource address.
    pub address: String,
    /// The attribute path ignored, or `*` for the whole resource (a deletion, an unmanaged
    /// object).
    pub path: String,
    /// What was ignored: changed (an attribute), deleted or unmanaged.
    pub kind: DriftKind,
    /// `lifecycle.ignore_changes` or `FILE:LINE` of the drift-ignore rule.
    pub rule: String,
    /// The rule's reason (the drift-ignore file's comment; for `ignore_changes`, a fixed text).
    pub reason: String,
}

/// What [`compare`] needs about one resource instance.
#[derive(Clone, Copy, Debug)]
pub struct CompareInput<'a> {
    /// Resource instance address.
    pub address: &'a str,
    /// Resource type.
    pub type_name: &'a str,
    /// Attributes in state (the `attributes` of the state instance).
    pub state_attrs: &'a Value,
    /// Attributes after refresh; None when the object no longer exists.
    pub refreshed_attrs: Option<&'a Value>,
    /// Sensitive paths (state's `sensitive_attributes` and the schema's sensitive attributes).
    pub sensitive_paths: &'a [AttrPath],
    /// Paths (index-free, `ingress`, `ingress.cidr_blocks`) of lists that the schema says are
    /// sets.
    pub set_paths: &'a [AttrPath],
    /// The resource's `lifecycle.ignore_changes`.
    pub ignore_changes: &'a IgnoreChanges,
}

/// The result of [`compare`]: the drift (if any is left after ignore rules) and what the rules
/// ignored.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Comparison {
    /// The drift not ignored.
    pub drift: Option<ResourceDrift>,
    /// The changes ignore rules held back.
    pub ignored: Vec<IgnoredChange>,
}

const LIFECYCLE: &str = "lifecycle.ignore_changes";
const LIFECYCLE_REASON: &str = "listed in the resource's lifecycle.ignore_changes";

/// Compares a resource's state with its refreshed attributes.
pub fn compare(input: &CompareInput<'_>, rules: &IgnoreRules) -> Comparison {
    let mut out = Comparison::default();
    let Some(refreshed) = input.refreshed_attrs else {
        if let Some(r) = rules.for_whole(input.address) {
            out.ignored.push(IgnoredChange {
                address: input.address.to_string(),
                path: "*".into(),
                kind: DriftKind::Deleted,
                rule: r.origin.clone(),
                reason: r.reason.clone(),
            });
        } else {
            out.drift = Some(ResourceDrift {
                address: input.address.to_string(),
                type_name: input.type_name.to_string(),
                kind: DriftKind::Deleted,
                changes: vec![],
            });
        }
        return out;
    };
    let mut raw = Vec::new();
    let mut d = Differ {
        sensitive: input.sensitive_paths,
        sets: input.set_paths,
        out: &mut raw,
    };
    d.value(
        &AttrPath::root(),
        Some(input.state_attrs),
        Some(refreshed),
        Ctx::Attrs,
    );
    let mut kept = Vec::new();
    for c in raw {
        let by_lifecycle = match input.ignore_changes {
            IgnoreChanges::None => false,
            IgnoreChanges::All => true,
            IgnoreChanges::Paths(ps) => ps.iter().any(|p| p.covers(&c.path)),
        };
        if by_lifecycle {
            out.ignored.push(IgnoredChange {
                address: input.address.to_string(),
                path: c.path.to_string(),
                kind: DriftKind::Changed,
                rule: LIFECYCLE.into(),
                reason: LIFECYCLE_REASON.into(),
            });
        } else if let Some(r) = rules.for_change(input.address, &c.path) {
            out.ignored.push(IgnoredChange {
                address: input.address.to_string(),
                path: c.path.to_string(),
                kind: DriftKind::Changed,
                rule: r.origin.clone(),
                reason: r.reason.clone(),
            });
        } else {
            kept.push(c);
        }
    }
    if !kept.is_empty() {
        out.drift = Some(ResourceDrift {
            address: input.address.to_string(),
            type_name: input.type_name.to_string(),
            kind: DriftKind::Changed,
            changes: kept,
        });
    }
    out
}

/// How the keys of an object read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ctx {
    /// Attribute names (the resource, a nested block).
    Attrs,
    /// Map keys (an object that is an attribute's value).
    Map,
}

struct Differ<'a, 'o> {
    sensitive: &'a [AttrPath],
    sets: &'a [AttrPath],
    out: &'o mut Vec<AttrChange>,
}

fn present(v: Option<&Value>) -> Option<&Value> {
    v.filter(|v| !v.is_null())
}

impl Differ<'_, '_> {
    fn is_sensitive(&self, path: &AttrPath) -> bool {
        self.sensitive.iter().any(|s| s.covers(path))
    }
    /// Some sensitive path at or below `path` (its value holds a secret).
    fn holds_sensitive(&self, path: &AttrPath) -> bool {
        self.sensitive.iter().any(|s| s.overlaps(path))
    }

    fn push(
        &mut self,
        path: &AttrPath,
        action: ChangeAction,
        before: Option<&Value>,
        after: Option<&Value>,
    ) {
        let sensitive = self.holds_sensitive(path);
        self.out.push(AttrChange {
            path: path.clone(),
            action,
            before: if sensitive { None } else { before.cloned() },
            after: if sensitive { None } else { after.cloned() },
            sensitive,
        });
    }

    fn value(&mut self, path: &AttrPath, before: Option<&Value>, after: Option<&Value>, ctx: Ctx) {
        let (b, a) = (present(before), present(after));
        match (b, a) {
            (None, None) => {}
            (None, Some(av)) => {
                if !path.is_root() {
                    self.push(path, ChangeAction::Added, None, Some(av));
                }
            }
            (Some(bv), None) => {
                if !path.is_root() {
                    self.push(path, ChangeAction::Removed, Some(bv), None);
                }
            }
            (Some(bv), Some(av)) => {
                if bv == av {
                    return;
                }
                if !path.is_root() && self.is_sensitive(path) {
                    self.push(path, ChangeAction::Changed, None, None);
                    return;
                }
                match (bv, av) {
                    (Value::Object(mb), Value::Object(ma)) => {
                        let mut keys: Vec<&String> = mb.keys().chain(ma.keys()).collect();
                        keys.sort();
                        keys.dedup();
                        for k in keys {
                            let step = match ctx {
                                Ctx::Attrs => PathStep::Attr(k.clone()),
                                Ctx::Map => PathStep::Key(k.clone()),
                            };
                            let child = path.child(step);
                            // Values of attributes and of map keys read as maps.
                            self.value(&child, mb.get(k), ma.get(k), Ctx::Map);
                        }
                    }
                    (Value::Array(lb), Value::Array(la)) => {
                        if self.sets.iter().any(|s| s.shape() == path.shape()) {
                            self.set(path, lb, la);
                        } else {
                            for i in 0..lb.len().max(la.len()) {
                                let child = path.child(PathStep::Index(i as u64));
                                let ctx = if lb.get(i).or(la.get(i)).is_some_and(Value::is_object) {
                                    Ctx::Attrs
                                } else {
                                    Ctx::Map
                                };
                                self.value(&child, lb.get(i), la.get(i), ctx);
                            }
                        }
                    }
                    _ => self.push(path, ChangeAction::Changed, Some(bv), Some(av)),
                }
            }
        }
    }

    /// Multiset difference: each element of one side matched at most once on the other.
    fn set(&mut self, path: &AttrPath, b: &[Value], a: &[Value]) {
        let mut used = vec![false; a.len()];
        let mut removed = Vec::new();
        for bv in b {
            match a
                .iter()
                .enumerate()
                .position(|(j, av)| !used[j] && av == bv)
            {
                Some(j) => used[j] = true,
                None => removed.push(bv),
            }
        }
        for bv in removed {
            self.push(path, ChangeAction::Removed, Some(bv), None);
        }
        for (j, av) in a.iter().enumerate() {
            if !used[j] {
                self.push(path, ChangeAction::Added, None, Some(av));
            }
        }
    }
}

/// Counts by kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DriftSummary {
    /// Resources with attributes changed outside girder.
    pub changed: usize,
    /// Resources deleted outside girder.
    pub deleted: usize,
    /// Objects no state manages.
    pub unmanaged: usize,
    /// Changes held back by ignore rules.
    pub ignored: usize,
    /// Resources whose configuration differs from real infrastructure (schema 1.1).
    pub pending: usize,
}

/// A resource where the configuration and real infrastructure (as refreshed) differ: what
/// `girder plan` would do now. Not drift by itself (a merged change not applied yet is one),
/// so it does not change the exit code; drift that the configuration would undo shows here too.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PendingChange {
    /// Resource instance address.
    pub address: String,
    /// `create`, `update`, `replace`, `delete`, `forget` or `import`.
    pub action: String,
}

/// A whole drift report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DriftReport {
    /// [`JSON_VERSION`].
    pub version: String,
    /// When the refresh ran (RFC 3339, UTC), given by the caller (this crate reads no clock).
    pub generated_at: String,
    /// The workspace (`default`).
    pub workspace: String,
    /// Resources with drift, in the order added ([`DriftReport::sort`] sorts them by address).
    pub resources: Vec<ResourceDrift>,
    /// Changes ignore rules held back.
    pub ignored: Vec<IgnoredChange>,
    /// Where the configuration differs from real infrastructure (what a plan would do).
    pub pending: Vec<PendingChange>,
}

impl DriftReport {
    /// An empty report.
    pub fn new(workspace: &str, generated_at: &str) -> DriftReport {
        DriftReport {
            version: JSON_VERSION.to_string(),
            generated_at: generated_at.to_string(),
            workspace: workspace.to_string(),
            resources: vec![],
            ignored: vec![],
            pending: vec![],
        }
    }

    /// Adds a resource whose configuration differs from real infrastructure.
    pub fn add_pending(&mut self, address: &str, action: &str) {
        self.pending.push(PendingChange {
            address: address.to_string(),
            action: action.to_string(),
        });
    }

    /// Adds the result of one [`compare`].
    pub fn add(&mut self, c: Comparison) {
        self.resources.extend(c.drift);
        self.ignored.extend(c.ignored);
    }

    /// Adds an object of a managed type that exists in a managed scope but in no state
    /// (unless a `*` rule of the drift-ignore file covers `address`).
    pub fn add_unmanaged(&mut self, address: &str, type_name: &str, rules: &IgnoreRules) {
        if let Some(r) = rules.for_whole(address) {
            self.ignored.push(IgnoredChange {
                address: address.to_string(),
                path: "*".into(),
                kind: DriftKind::Unmanaged,
                rule: r.origin.clone(),
                reason: r.reason.clone(),
            });
        } else {
            self.resources.push(ResourceDrift {
                address: address.to_string(),
                type_name: type_name.to_string(),
                kind: DriftKind::Unmanaged,
                changes: vec![],
            });
        }
    }

    /// Sorts resources and ignored changes by address (renderers print in this order; call it
    /// once all resources are added).
    pub fn sort(&mut self) {
        self.resources.sort_by(|a, b| a.address.cmp(&b.address));
        self.ignored
            .sort_by(|a, b| a.address.cmp(&b.address).then(a.path.cmp(&b.path)));
        self.pending.sort_by(|a, b| a.address.cmp(&b.address));
    }

    /// Counts by kind.
    pub fn summary(&self) -> DriftSummary {
        let mut s = DriftSummary {
            ignored: self.ignored.len(),
            pending: self.pending.len(),
            ..DriftSummary::default()
        };
        for r in &self.resources {
            match r.kind {
                DriftKind::Changed => s.changed += 1,
                DriftKind::Deleted => s.deleted += 1,
                DriftKind::Unmanaged => s.unmanaged += 1,
            }
        }
        s
    }

    /// Any drift left after ignore rules?
    pub fn has_drift(&self) -> bool {
        !self.resources.is_empty()
    }

    /// `girder drift`'s exit code: 0 no drift, 2 drift. (1 is for errors, which never make a
    /// report.)
    pub fn exit_code(&self) -> i32 {
        exit_code(self.has_drift())
    }
}

/// 0 without drift, 2 with drift (`-detailed-exitcode` convention).
pub fn exit_code(drift: bool) -> i32 {
    if drift {
        2
    } else {
        0
    }
}
