//! The internal interface each resource type implements, and the generic plan logic that
//! makes every type behave like a Terraform AWS provider resource (defaults, force-new
//! replacement, unknown computed attributes, `tags_all`).

use crate::config::Clients;
use crate::util::{conform, Fail, Obj, ObjExt, Res};
use girder_core::value::{Path, PathStep};
use girder_core::{Type, Value};
use girder_provider::schema::{Nesting, Presence, Schema};
use girder_provider::OpContext;
use std::collections::BTreeMap;

/// What a resource operation may use.
pub struct Cx<'a> {
    /// SDK clients and provider settings.
    pub c: &'a Clients,
    /// Cancellation, deadline, progress.
    pub op: &'a OpContext,
}

/// One managed resource type.
#[async_trait::async_trait]
pub trait Resource: Send + Sync {
    /// The full schema.
    fn schema(&self) -> Schema;

    /// Adjusts a planned object after the generic logic (normalising arguments as Terraform's
    /// StateFuncs do, computed attributes that change with others). `prior` is None when
    /// creating; `replacing` is true when a force-new argument changed.
    fn customize_plan(&self, prior: Option<&Obj>, planned: &mut Obj, replacing: bool) {
        let _ = (prior, planned, replacing);
    }

    /// Extra force-new paths beyond the schema's (e.g. removing an encryption config).
    fn extra_replace(&self, prior: &Obj, planned: &Obj) -> Vec<Path> {
        let _ = (prior, planned);
        Vec::new()
    }

    /// Creates the object; returns its state (at least `id`). The generic layer reads it back.
    async fn create(&self, cx: &Cx<'_>, planned: &Obj) -> Result<Obj, Fail>;

    /// Reads one object; None when it is gone. By default a [`Resource::read_many`] of one:
    /// a type implements at least one of the two (batched types implement `read_many` only).
    async fn read(&self, cx: &Cx<'_>, state: &Obj) -> Res<Option<Obj>> {
        Ok(self
            .read_many(cx, std::slice::from_ref(state))
            .await
            .pop()
            .transpose()?
            .flatten())
    }

    /// Reads many objects (batched where the API allows); results in order. By default one
    /// [`Resource::read`] per object.
    async fn read_many(&self, cx: &Cx<'_>, states: &[Obj]) -> Vec<Res<Option<Obj>>> {
        let mut out = Vec::with_capacity(states.len());
        for s in states {
            out.push(self.read(cx, s).await);
        }
        out
    }

    /// Updates in place from `prior` to `planned`.
    async fn update(&self, cx: &Cx<'_>, prior: &Obj, planned: &Obj) -> Result<Obj, Fail>;

    /// Deletes the object (waiting until it is gone where Terraform does).
    async fn delete(&self, cx: &Cx<'_>, prior: &Obj) -> Res<()>;

    /// The state to read for `terraform import ID`.
    fn import_state(&self, id: &str) -> Res<Obj> {
        Ok(Obj::from([("id".to_string(), Value::string(id))]))
    }
}

/// Fills schema defaults for null settable attributes, inside nested blocks too.
pub fn apply_defaults(schema: &Schema, o: &mut Obj) {
    for (name, a) in &schema.attributes {
        if let Some(d) = &a.default {
            if a.is_settable() && o.get(name).is_none_or(|v| v.is_null() && v.is_known()) {
                o.insert(name.clone(), d.clone());
            }
        }
    }
    for (name, b) in &schema.blocks {
        if let Some(v) = o.get(name) {
            if let Some(nv) = map_block(b.nesting, &b.block, v, &mut |inner, x| {
                apply_defaults(inner, x);
            }) {
                o.insert(name.clone(), nv);
            }
        }
    }
}

/// Applies `f` to each element object of a nested block value (None if not known).
fn map_block(
    nesting: Nesting,
    block: &Schema,
    v: &Value,
    f: &mut dyn FnMut(&Schema, &mut Obj),
) -> Option<Value> {
    if !v.is_known() || v.is_null() {
        return None;
    }
    let t = block.object_type();
    let mut each = |x: &Value| -> Value {
        if !x.is_known() || x.is_null() {
            return x.clone();
        }
        let mut m = crate::util::obj(x);
        f(block, &mut m);
        Value::object(m.into())
    };
    Some(match nesting {
        Nesting::Single => each(v),
        Nesting::List => Value::list(t, v.as_seq()?.iter().map(&mut each).collect()),
        Nesting::Set => Value::set(t, v.as_seq()?.iter().map(&mut each).collect()),
        Nesting::Map => return None,
    })
}

/// Computes `tags_all` = default tags merged with `tags`.
pub fn plan_tags_all(planned: &mut Obj, default_tags: &BTreeMap<String, String>) {
    if !planned.contains_key("tags_all") {
        return;
    }
    let tags = planned
        .get("tags")
        .cloned()
        .unwrap_or_else(Value::null_dynamic);
    if !tags.is_wholly_known() {
        planned.insert("tags_all".into(), Value::unknown(Type::map(Type::String)));
        return;
    }
    let mut all = default_tags.clone();
    all.extend(crate::util::smap_of(&tags));
    planned.insert("tags_all".into(), crate::util::smap(&all));
}

/// Derives `tags` from the tags AWS reports (`tags_all`): default tags are left out unless
/// the prior state had them under `tags` too.
pub fn read_tags(
    read: &mut Obj,
    prior: &Obj,
    default_tags: &BTreeMap<String, String>,
    ignore: &dyn Fn(&str) -> bool,
) {
    let Some(all) = read.get("tags_all").cloned() else {
        return;
    };
    let mut all = crate::util::smap_of(&all);
    all.retain(|k, _| !ignore(k));
    let prior_tags = prior
        .get("tags")
        .map(crate::util::smap_of)
        .unwrap_or_default();
    let tags: BTreeMap<String, String> = all
        .iter()
        .filter(|(k, v)| prior_tags.contains_key(*k) || default_tags.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    read.insert("tags_all".into(), crate::util::smap(&all));
    let prior_null = prior.get("tags").is_none_or(Value::is_null);
    if tags.is_empty() && prior_null {
        read.insert("tags".into(), Value::null(Type::map(Type::String)));
    } else {
        read.insert("tags".into(), crate::util::smap(&tags));
    }
}

fn changed(a: Option<&Value>, b: Option<&Value>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => !a.raw_equal(b),
        (None, None) => false,
        (Some(x), None) | (None, Some(x)) => !x.is_null(),
    }
}

/// The force-new paths among the differences between `prior` and `planned`.
pub fn replace_paths(schema: &Schema, prior: &Obj, planned: &Obj) -> Vec<Path> {
    let mut out = Vec::new();
    diff_block(schema, prior, planned, &Path::root(), &mut out);
    out
}

fn diff_block(schema: &Schema, prior: &Obj, planned: &Obj, at: &Path, out: &mut Vec<Path>) {
    for (name, a) in &schema.attributes {
        if a.force_new && changed(prior.get(name), planned.get(name)) {
            out.push(at.child(PathStep::Attr(name.clone())));
        }
    }
    for (name, b) in &schema.blocks {
        let (p, n) = (prior.get(name), planned.get(name));
        if !changed(p, n) {
            continue;
        }
        let here = at.child(PathStep::Attr(name.clone()));
        if b.force_new {
            out.push(here);
            continue;
        }
        let any_force_new = b.block.attributes.values().any(|a| a.force_new)
            || b.block.blocks.values().any(|x| x.force_new);
        match b.nesting {
            Nesting::Single => {
                let (po, no) = (
                    p.map(crate::util::obj).unwrap_or_default(),
                    n.map(crate::util::obj).unwrap_or_default(),
                );
                diff_block(&b.block, &po, &no, &here, out);
            }
            Nesting::List => {
                let ps = p
                    .and_then(Value::as_seq)
                    .map(<[Value]>::to_vec)
                    .unwrap_or_default();
                let ns = n
                    .and_then(Value::as_seq)
                    .map(<[Value]>::to_vec)
                    .unwrap_or_default();
                if ps.len() != ns.len() && any_force_new {
                    out.push(here);
                    continue;
                }
                for (i, (x, y)) in ps.iter().zip(&ns).enumerate() {
                    diff_block(
                        &b.block,
                        &crate::util::obj(x),
                        &crate::util::obj(y),
                        &here.child(PathStep::Index(i as i64)),
                        out,
                    );
                }
            }
            Nesting::Set | Nesting::Map => {
                if any_force_new {
                    out.push(here);
                }
            }
        }
    }
}

/// Marks computed attributes unknown in a planned object: for creates (and replacements)
/// every computed attribute the configuration leaves null, in list and single nested blocks
/// too.
pub fn unknown_computed(schema: &Schema, planned: &mut Obj, config: &Obj, replacing: bool) {
    if replacing {
        for (name, b) in &schema.blocks {
            if !matches!(b.nesting, Nesting::List | Nesting::Single) {
                continue;
            }
            let cfg_items = config.blocks(name);
            let mut i = 0;
            if let Some(v) = planned.get(name) {
                if let Some(nv) = map_block(b.nesting, &b.block, v, &mut |inner, x| {
                    let c = cfg_items.get(i).cloned().unwrap_or_default();
                    unknown_computed(inner, x, &c, true);
                    i += 1;
                }) {
                    planned.insert(name.clone(), nv);
                }
            }
        }
    }
    unknown_computed_top(schema, planned, config, replacing);
}

fn unknown_computed_top(schema: &Schema, planned: &mut Obj, config: &Obj, replacing: bool) {
    for (name, a) in &schema.attributes {
        let cfg_null = config.get(name).is_none_or(Value::is_null);
        match a.presence {
            Presence::Computed if replacing => {
                planned.insert(name.clone(), Value::unknown(a.ty.clone()));
            }
            Presence::OptionalComputed if cfg_null && replacing => {
                planned.insert(name.clone(), Value::unknown(a.ty.clone()));
            }
            _ => {}
        }
    }
}

/// Makes an object exactly of the schema's type.
pub fn conform_obj(schema: &Schema, o: &Obj) -> Value {
    conform(&Value::object(o.clone().into()), &schema.object_type())
}
