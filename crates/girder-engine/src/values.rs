//! Value helpers of the planner: configuration normalised to the schema, Terraform's
//! `ProposedNew`, `ignore_changes`, paths, and the order of desired instances.

use crate::model::{DesiredInstance, IgnoreChanges};
use girder_core::addr::AbsResourceInstance;
use girder_core::value::{Kind, Path, PathStep};
use girder_core::{Diagnostic, Diagnostics, Type, Value};
use girder_graph::{DepGraph, EdgeKind, VertexKind};
use girder_provider::schema::{Nesting, Schema};
use std::collections::{BTreeMap, HashMap};

/// The desired instances in dependency levels: every instance comes after all instances it
/// depends on (dependencies outside `desired` are ignored). A cycle is an error listing it.
pub fn topo_order(desired: &[DesiredInstance]) -> Result<Vec<Vec<usize>>, Diagnostics> {
    let index: HashMap<&AbsResourceInstance, usize> = desired
        .iter()
        .enumerate()
        .map(|(i, d)| (&d.addr, i))
        .collect();
    let mut waiting = vec![0usize; desired.len()];
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); desired.len()];
    for (i, d) in desired.iter().enumerate() {
        for dep in &d.depends_on {
            if let Some(&j) = index.get(dep) {
                waiting[i] += 1;
                dependents[j].push(i);
            }
        }
    }
    let mut level: Vec<usize> = (0..desired.len()).filter(|&i| waiting[i] == 0).collect();
    let mut levels = Vec::new();
    let mut done = 0;
    while !level.is_empty() {
        done += level.len();
        let mut next = Vec::new();
        for &i in &level {
            for &j in &dependents[i] {
                waiting[j] -= 1;
                if waiting[j] == 0 {
                    next.push(j);
                }
            }
        }
        levels.push(std::mem::take(&mut level));
        next.sort_unstable();
        level = next;
    }
    if done == desired.len() {
        return Ok(levels);
    }
    // Explain the cycle(s) with the graph crate.
    let mut g: DepGraph<()> = DepGraph::new();
    for (i, d) in desired.iter().enumerate() {
        if waiting[i] > 0 {
            g.add(
                d.addr.to_string(),
                VertexKind::Resource,
                d.span.as_deref().cloned(),
                (),
            );
        }
    }
    for (i, d) in desired.iter().enumerate() {
        if waiting[i] == 0 {
            continue;
        }
        let from = g.get(&d.addr.to_string()).expect("added");
        for dep in &d.depends_on {
            if let Some(to) = g.get(&dep.to_string()) {
                g.depend(from, to, EdgeKind::Reference);
            }
        }
    }
    Err(g.cycles().iter().map(|c| g.cycle_diagnostic(c)).collect())
}

/// The value at a path.
pub fn get_path<'a>(v: &'a Value, path: &Path) -> Option<&'a Value> {
    let mut cur = v;
    for step in &path.0 {
        cur = match (cur.kind(), step) {
            (Kind::Object(m) | Kind::Map(_, m), PathStep::Attr(a) | PathStep::Key(a)) => {
                m.get(a)?
            }
            (Kind::List(_, items) | Kind::Tuple(items), PathStep::Index(i)) => {
                items.get(usize::try_from(*i).ok()?)?
            }
            _ => return None,
        };
    }
    Some(cur)
}

/// `v` with the value at `path` replaced (no change when the path does not exist).
pub fn set_path(v: &Value, path: &[PathStep], new: &Value) -> Value {
    let Some((first, rest)) = path.split_first() else {
        return new.clone();
    };
    let marks = v.marks();
    let out = match (v.kind(), first) {
        (Kind::Object(m), PathStep::Attr(a) | PathStep::Key(a)) if m.contains_key(a) => {
            let mut m = m.clone();
            let inner = set_path(&m[a], rest, new);
            m.insert(a.clone(), inner);
            Value::object(m)
        }
        (Kind::Map(t, m), PathStep::Attr(a) | PathStep::Key(a)) if m.contains_key(a) => {
            let mut m = m.clone();
            let inner = set_path(&m[a], rest, new);
            m.insert(a.clone(), inner);
            Value::map(t.clone(), m)
        }
        (Kind::List(t, items), PathStep::Index(i)) => {
            let mut items = items.clone();
            if let Some(x) = usize::try_from(*i).ok().and_then(|i| items.get_mut(i)) {
                *x = set_path(x, rest, new);
            }
            Value::list(t.clone(), items)
        }
        _ => return v.clone(),
    };
    out.with_marks(marks)
}

/// Applies `ignore_changes`: the ignored parts of the configuration take the prior values.
pub fn apply_ignore_changes(config: &Value, prior: &Value, ic: &IgnoreChanges) -> Value {
    match ic {
        IgnoreChanges::None => config.clone(),
        IgnoreChanges::All => {
            let (Some(c), Some(p)) = (config.as_map(), prior.as_map()) else {
                return config.clone();
            };
            let mut out = c.clone();
            for (k, v) in p {
                if out.contains_key(k) {
                    out.insert(k.clone(), v.clone());
                }
            }
            Value::object(out).with_marks(config.marks())
        }
        IgnoreChanges::Paths(paths) => {
            let mut out = config.clone();
            for p in paths {
                if let Some(pv) = get_path(prior, p) {
                    out = set_path(&out, &p.0, pv);
                }
            }
            out
        }
    }
}

/// Converts a value to a type, structurally for collections (tuples to lists and sets,
/// objects to maps) and with girder-core's conversion for the rest.
pub fn conform(v: &Value, ty: &Type) -> Result<Value, String> {
    if ty == &Type::Dynamic || &v.ty() == ty {
        return Ok(v.clone());
    }
    let marks = v.marks();
    let out = match (v.kind(), ty) {
        (Kind::Null(_), t) => Value::null(t.clone()),
        (Kind::Unknown(_), t) => Value::unknown(t.clone()),
        (Kind::List(_, items) | Kind::Tuple(items) | Kind::Set(_, items), Type::List(et)) => {
            Value::list(
                (**et).clone(),
                items
                    .iter()
                    .map(|x| conform(x, et))
                    .collect::<Result<_, _>>()?,
            )
        }
        (Kind::List(_, items) | Kind::Tuple(items) | Kind::Set(_, items), Type::Set(et)) => {
            Value::set(
                (**et).clone(),
                items
                    .iter()
                    .map(|x| conform(x, et))
                    .collect::<Result<_, _>>()?,
            )
        }
        (Kind::Map(_, m) | Kind::Object(m), Type::Map(et)) => Value::map(
            (**et).clone(),
            m.iter()
                .map(|(k, x)| Ok((k.clone(), conform(x, et)?)))
                .collect::<Result<BTreeMap<_, _>, String>>()?
                .into(),
        ),
        (Kind::Map(_, m) | Kind::Object(m), Type::Object(ot)) => {
            let mut out = BTreeMap::new();
            for (k, t) in &ot.attrs {
                let x = match m.get(k) {
                    Some(x) => conform(x, t).map_err(|e| format!("attribute {k:?}: {e}"))?,
                    None => Value::null(t.clone()),
                };
                out.insert(k.clone(), x);
            }
            Value::object(out.into())
        }
        (Kind::Tuple(items), Type::Tuple(ts)) if items.len() == ts.len() => Value::tuple(
            items
                .iter()
                .zip(ts.iter())
                .map(|(x, t)| conform(x, t))
                .collect::<Result<_, _>>()?,
        ),
        _ => girder_core::convert::convert(v, ty).map_err(|e| e.to_string())?,
    };
    Ok(out.with_marks(marks))
}

/// The configuration as an object of the schema's type: missing attributes null, missing
/// blocks empty, values converted to the attribute types. Unsupported arguments are kept (so
/// validation reports them).
pub fn normalize_config(config: &Value, schema: &Schema) -> Result<Value, Diagnostic> {
    let marks = config.marks();
    let empty = girder_core::ValueMap::new();
    let attrs = match config.kind() {
        Kind::Object(m) | Kind::Map(_, m) => m,
        Kind::Null(_) => &empty,
        Kind::Unknown(_) => return Ok(Value::unknown(schema.object_type())),
        _ => {
            return Err(Diagnostic::error(
                "Invalid configuration",
                "A resource configuration must be an object.",
            ))
        }
    };
    // Built in a BTreeMap (a ValueMap insert of a new key rebuilds the map).
    let mut out: BTreeMap<String, Value> = attrs.to_btree();
    for (name, a) in &schema.attributes {
        let v = match attrs.get(name) {
            Some(v) => conform(v, &a.ty).map_err(|e| {
                Diagnostic::error(
                    "Incorrect attribute value type",
                    format!("Inappropriate value for attribute \"{name}\": {e}."),
                )
            })?,
            None => Value::null(a.ty.clone()),
        };
        match out.get_mut(name) {
            Some(slot) => *slot = v,
            None => {
                out.insert(name.clone(), v);
            }
        }
    }
    for (name, b) in &schema.blocks {
        let inner_ty = b.block.object_type();
        let v = match attrs.get(name) {
            None => match b.nesting {
                Nesting::Single => Value::null(inner_ty),
                Nesting::List => Value::empty_list(inner_ty),
                Nesting::Set => Value::set(inner_ty, Vec::new()),
                Nesting::Map => Value::map(inner_ty, BTreeMap::new().into()),
            },
            Some(v) => {
                let norm = |x: &Value| normalize_config(x, &b.block);
                let m = v.marks();
                match (v.kind(), b.nesting) {
                    (Kind::Null(_), Nesting::Single) => Value::null(inner_ty),
                    (Kind::Unknown(_), _) => Value::unknown(Type::Dynamic),
                    (_, Nesting::Single) => norm(v)?,
                    (Kind::List(_, items) | Kind::Tuple(items) | Kind::Set(_, items), n) => {
                        let items: Vec<Value> = items.iter().map(norm).collect::<Result<_, _>>()?;
                        if n == Nesting::Set {
                            Value::set(inner_ty, items)
                        } else {
                            Value::list(inner_ty, items)
                        }
                    }
                    (Kind::Map(_, mm) | Kind::Object(mm), Nesting::Map) => Value::map(
                        inner_ty,
                        mm.iter()
                            .map(|(k, x)| Ok((k.clone(), norm(x)?)))
                            .collect::<Result<_, Diagnostic>>()?,
                    ),
                    (Kind::Null(_), _) => Value::list(inner_ty, Vec::new()),
                    (Kind::Object(_), _) => Value::list(inner_ty, vec![norm(v)?]),
                    _ => {
                        return Err(Diagnostic::error(
                            "Unsupported block type",
                            format!("Blocks of type \"{name}\" have an unexpected value."),
                        ))
                    }
                }
                .with_marks(m)
            }
        };
        out.insert(name.clone(), v);
    }
    Ok(Value::object(out.into()).with_marks(marks))
}

/// Terraform's `ProposedNew`: configured values where set, prior values for computed
/// attributes left unset (unknown when there is no prior object), defaults for unset optional
/// attributes; nested blocks recursively.
pub fn proposed_new(schema: &Schema, prior: &Value, config: &Value) -> Value {
    if config.is_null() || !config.is_known() {
        return config.clone();
    }
    let Some(cattrs) = config.as_map() else {
        return config.clone();
    };
    let pattrs = prior.as_map().filter(|_| !prior.is_null());
    let mut out = cattrs.clone();
    for (name, a) in &schema.attributes {
        // `out` starts as a copy of the configuration: only attributes whose value differs
        // from it are written.
        let c = cattrs.get(name);
        let v = match (&a.default, c.is_none_or(Value::is_null)) {
            (Some(d), true) if a.is_settable() => d.clone(),
            (_, true) if a.is_computed() => match pattrs.and_then(|p| p.get(name)) {
                Some(p) => p.clone(),
                None => Value::unknown(a.ty.clone()),
            },
            _ if c.is_some() => continue,
            _ => Value::null(a.ty.clone()),
        };
        match out.get_mut(name) {
            Some(slot) => *slot = v,
            None => {
                out.insert(name.clone(), v);
            }
        }
    }
    for (name, b) in &schema.blocks {
        let Some(c) = cattrs.get(name) else { continue };
        let p = pattrs.and_then(|p| p.get(name));
        let null = Value::null_dynamic();
        let v = match (b.nesting, c.kind()) {
            (Nesting::Single, _) => proposed_new(&b.block, p.unwrap_or(&null), c),
            (Nesting::List, Kind::List(t, items)) => {
                let prior_items = p.and_then(Value::as_seq).unwrap_or(&[]);
                Value::list(
                    t.clone(),
                    items
                        .iter()
                        .enumerate()
                        .map(|(i, x)| {
                            proposed_new(&b.block, prior_items.get(i).unwrap_or(&null), x)
                        })
                        .collect(),
                )
            }
            (Nesting::Map, Kind::Map(t, m)) => {
                let pm = p.and_then(Value::as_map);
                Value::map(
                    t.clone(),
                    m.iter()
                        .map(|(k, x)| {
                            let pv = pm.and_then(|pm| pm.get(k)).unwrap_or(&null);
                            (k.clone(), proposed_new(&b.block, pv, x))
                        })
                        .collect(),
                )
            }
            (Nesting::Set, Kind::Set(t, items)) => Value::set(
                t.clone(),
                items
                    .iter()
                    .map(|x| proposed_new(&b.block, &null, x))
                    .collect(),
            ),
            _ => c.clone(),
        };
        out.insert(name.clone(), v.with_marks(c.marks()));
    }
    Value::object(out).with_marks(config.marks())
}

#[cfg(test)]
mod tests {
    use super::*;
    use girder_provider::schema::Attribute;

    fn schema() -> Schema {
        Schema::new()
            .attr("id", Attribute::computed(Type::String))
            .attr("name", Attribute::required(Type::String))
            .attr("size", Attribute::optional(Type::Number).default(1i64))
            .attr("tags", Attribute::optional(Type::map(Type::String)))
            .attr("arn", Attribute::optional_computed(Type::String))
            .block(
                "rule",
                Nesting::List,
                Schema::new()
                    .attr("port", Attribute::required(Type::Number))
                    .attr("rid", Attribute::computed(Type::String)),
                0,
                0,
            )
    }

    #[test]
    fn normalise_then_propose() {
        let s = schema();
        let cfg = Value::object_from([
            ("name", Value::string("a")),
            ("size", Value::string("3")),
            ("tags", Value::object_from([("k", Value::string("v"))])),
            (
                "rule",
                Value::tuple(vec![Value::object_from([("port", Value::int(80))])]),
            ),
        ]);
        let n = normalize_config(&cfg, &s).unwrap();
        assert_eq!(n.ty(), s.object_type());
        let created = proposed_new(&s, &Value::null_dynamic(), &n);
        assert!(!created.get_attr("id").unwrap().is_known());
        assert!(!created.get_attr("arn").unwrap().is_known());
        assert_eq!(created.get_attr("size"), Some(&Value::int(3)));
        let rule = &created.get_attr("rule").unwrap().as_seq().unwrap()[0];
        assert!(!rule.get_attr("rid").unwrap().is_known());

        let prior = Value::object_from([
            ("id", Value::string("i-1")),
            ("arn", Value::string("arn:1")),
            ("name", Value::string("a")),
        ]);
        let updated = proposed_new(&s, &prior, &n);
        assert_eq!(updated.get_attr("id"), Some(&Value::string("i-1")));
        assert_eq!(updated.get_attr("arn"), Some(&Value::string("arn:1")));

        let bad = Value::object_from([("size", Value::string("big"))]);
        let e = normalize_config(&bad, &s).unwrap_err();
        assert_eq!(e.summary, "Incorrect attribute value type");
    }

    #[test]
    fn ignore_changes_takes_prior_values() {
        let prior = Value::object_from([("a", Value::string("old")), ("b", Value::string("x"))]);
        let cfg = Value::object_from([("a", Value::string("new")), ("b", Value::string("y"))]);
        let p = Path(vec![PathStep::Attr("a".into())]);
        let out = apply_ignore_changes(&cfg, &prior, &IgnoreChanges::Paths(vec![p]));
        assert_eq!(out.get_attr("a"), Some(&Value::string("old")));
        assert_eq!(out.get_attr("b"), Some(&Value::string("y")));
        let all = apply_ignore_changes(&cfg, &prior, &IgnoreChanges::All);
        assert!(all.raw_equal(&prior));
    }
}
