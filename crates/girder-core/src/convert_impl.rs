//! Implementation of [`crate::convert`]: cty's conversions and unification (the `convert`
//! package as Terraform 1.0.3 uses it, plus Terraform 1.3's optional object attributes):
//! primitives, collections from collections and structural types, objects from objects (extra
//! attributes dropped, missing optional ones null) and from maps, tuples, unknowns, nulls and
//! marks (kept on the node they were on). Error messages are cty's (`MismatchMessage`).
//! (Written with girder-lang's evaluator, which exercises it: see girder-lang `eval::conv`.)

use crate::convert::ConvertError;
use crate::number::Number;
use crate::types::{ObjectType, Type};
use crate::value::{Kind, Path, PathStep, Value};
use std::collections::BTreeMap;

/// Converts `v` to `want`.
pub(crate) fn convert(v: &Value, want: &Type) -> Result<Value, ConvertError> {
    let mut path = Vec::new();
    conv(v, want, &mut path)
}

fn fail(path: &[PathStep], message: impl Into<String>) -> ConvertError {
    ConvertError {
        path: Path(path.to_vec()),
        message: message.into(),
    }
}

/// Terraform's `FriendlyNameForConstraint`: `any` for the dynamic type,
/// `list of any single type` for `list(any)`.
pub(crate) fn constraint_name(t: &Type) -> String {
    match t {
        Type::Dynamic => "any single type".into(),
        Type::List(e) => format!("list of {}", constraint_name(e)),
        Type::Set(e) => format!("set of {}", constraint_name(e)),
        Type::Map(e) => format!("map of {}", constraint_name(e)),
        t => t.friendly_name(),
    }
}

/// cty's `MismatchMessage`.
pub(crate) fn mismatch_message(got: &Type, want: &Type) -> String {
    match (got, want) {
        (Type::Object(g), Type::Object(w)) => {
            let mut missing = Vec::new();
            for (name, wt) in &w.attrs {
                if w.optional.contains(name) {
                    continue;
                }
                match g.attrs.get(name) {
                    None => missing.push(name.clone()),
                    Some(gt) => {
                        if !convertible(gt, wt) {
                            return format!("attribute {name:?}: {}", mismatch_message(gt, wt));
                        }
                    }
                }
            }
            match missing.len() {
                0 => "incorrect object attributes".into(),
                1 => format!("attribute {:?} is required", missing[0]),
                2 => format!(
                    "attributes {:?} and {:?} are required",
                    missing[0], missing[1]
                ),
                _ => {
                    let (last, rest) = missing.split_last().expect("non-empty");
                    let list: Vec<String> = rest.iter().map(|n| format!("{n:?}")).collect();
                    format!("attributes {}, and {last:?} are required", list.join(", "))
                }
            }
        }
        (Type::Tuple(_), Type::List(e)) if **e == Type::Dynamic => {
            "all list elements must have the same type".into()
        }
        (Type::Tuple(_), Type::Set(e)) if **e == Type::Dynamic => {
            "all set elements must have the same type".into()
        }
        (Type::Object(_), Type::Map(e)) if **e == Type::Dynamic => {
            "all map elements must have the same type".into()
        }
        (Type::Tuple(ts), Type::List(e) | Type::Set(e)) => {
            for (i, t) in ts.iter().enumerate() {
                if !convertible(t, e) {
                    return format!("element {i}: {}", mismatch_message(t, e));
                }
            }
            format!("{} required", constraint_name(want))
        }
        (Type::Object(o), Type::Map(e)) => {
            for (k, t) in &o.attrs {
                if !convertible(t, e) {
                    return format!("element {k:?}: {}", mismatch_message(t, e));
                }
            }
            format!("{} required", constraint_name(want))
        }
        (
            Type::List(g) | Type::Set(g) | Type::Map(g),
            Type::List(e) | Type::Set(e) | Type::Map(e),
        ) if std::mem::discriminant(got) == std::mem::discriminant(want) => {
            let kind = match want {
                Type::List(_) => "list",
                Type::Set(_) => "set",
                _ => "map",
            };
            format!("incorrect {kind} element type: {}", mismatch_message(g, e))
        }
        _ => format!("{} required", constraint_name(want)),
    }
}

/// Is there a (possibly unsafe) conversion from `from` to `to`?
pub(crate) fn convertible(from: &Type, to: &Type) -> bool {
    if from == to || *to == Type::Dynamic || *from == Type::Dynamic {
        return true;
    }
    match (from, to) {
        (Type::Number | Type::Bool, Type::String) => true,
        (Type::String, Type::Number | Type::Bool) => true,
        (Type::List(f) | Type::Set(f), Type::List(t) | Type::Set(t)) => convertible(f, t),
        (Type::Tuple(fs), Type::List(t) | Type::Set(t)) => {
            if **t == Type::Dynamic {
                fs.is_empty() || unify(fs).is_some()
            } else {
                fs.iter().all(|f| convertible(f, t))
            }
        }
        (Type::Map(f), Type::Map(t)) => convertible(f, t),
        (Type::Object(o), Type::Map(t)) => {
            let tys: Vec<Type> = o.attrs.values().cloned().collect();
            if **t == Type::Dynamic {
                tys.is_empty() || unify(&tys).is_some()
            } else {
                tys.iter().all(|f| convertible(f, t))
            }
        }
        (Type::Tuple(fs), Type::Tuple(ts)) => {
            fs.len() == ts.len() && fs.iter().zip(ts.iter()).all(|(f, t)| convertible(f, t))
        }
        (Type::List(f) | Type::Set(f), Type::Tuple(ts)) => ts.iter().all(|t| convertible(f, t)),
        (Type::Object(f), Type::Object(t)) => t.attrs.iter().all(|(n, at)| match f.attrs.get(n) {
            Some(ft) => convertible(ft, at),
            None => t.optional.contains(n),
        }),
        (Type::Map(f), Type::Object(t)) => t.attrs.values().all(|at| convertible(f, at)),
        _ => false,
    }
}

fn conv(v: &Value, want: &Type, path: &mut Vec<PathStep>) -> Result<Value, ConvertError> {
    if *want == Type::Dynamic {
        return Ok(v.clone());
    }
    // Fast path: a primitive that already has the wanted type (no type is built).
    match (v.kind(), want) {
        (Kind::String(_), Type::String)
        | (Kind::Number(_), Type::Number)
        | (Kind::Bool(_), Type::Bool) => return Ok(v.clone()),
        _ => {}
    }
    let ty = v.ty();
    if ty == *want {
        return Ok(v.clone());
    }
    if !convertible(&ty, want) {
        return Err(fail(path, mismatch_message(&ty, want)));
    }
    let marks = v.marks();
    let out = match v.kind() {
        Kind::Null(_) => Value::null(want.clone()),
        Kind::Unknown(_) => Value::unknown(want.clone()),
        Kind::Number(n) => match want {
            Type::String => Value::string(n.to_string()),
            _ => return Err(fail(path, mismatch_message(&ty, want))),
        },
        Kind::Bool(b) => match want {
            Type::String => Value::string(if *b { "true" } else { "false" }),
            _ => return Err(fail(path, mismatch_message(&ty, want))),
        },
        Kind::String(s) => match want {
            Type::Number => {
                Value::number(Number::parse(s).map_err(|_| fail(path, "a number is required"))?)
            }
            Type::Bool => match s.as_str() {
                "true" | "1" => Value::bool(true),
                "false" | "0" => Value::bool(false),
                _ => return Err(fail(path, "a bool is required")),
            },
            _ => return Err(fail(path, mismatch_message(&ty, want))),
        },
        Kind::List(_, items) | Kind::Set(_, items) | Kind::Tuple(items) => {
            seq_to(items, &ty, want, path)?
        }
        Kind::Map(_, m) | Kind::Object(m) => map_to(m, &ty, want, path)?,
    };
    Ok(out.with_marks(marks))
}

fn seq_to(
    items: &[Value],
    ty: &Type,
    want: &Type,
    path: &mut Vec<PathStep>,
) -> Result<Value, ConvertError> {
    match want {
        Type::List(et) | Type::Set(et) => {
            let et: Type = if **et == Type::Dynamic {
                if items.is_empty() {
                    match ty {
                        Type::List(e) | Type::Set(e) => (**e).clone(),
                        _ => Type::Dynamic,
                    }
                } else {
                    let tys: Vec<Type> = items.iter().map(Value::ty).collect();
                    unify(&tys).ok_or_else(|| fail(path, mismatch_message(ty, want)))?
                }
            } else {
                (**et).clone()
            };
            let mut out = Vec::with_capacity(items.len());
            for (i, it) in items.iter().enumerate() {
                path.push(PathStep::Index(i as i64));
                out.push(conv(it, &et, path)?);
                path.pop();
            }
            Ok(if matches!(want, Type::List(_)) {
                Value::list(et, out)
            } else {
                // Set elements cannot carry marks: cty moves them onto the set.
                let mut marks = crate::value::Marks::NONE;
                let out = out
                    .into_iter()
                    .map(|x| {
                        let (x, paths) = x.unmark_deep();
                        for (_, m) in paths {
                            marks = marks.union(m);
                        }
                        x
                    })
                    .collect();
                Value::set(et, out).with_marks(marks)
            })
        }
        Type::Tuple(ts) => {
            if ts.len() != items.len() {
                return Err(fail(
                    path,
                    format!("tuple required with exactly {} elements", ts.len()),
                ));
            }
            let mut out = Vec::with_capacity(items.len());
            for (i, (it, t)) in items.iter().zip(ts.iter()).enumerate() {
                path.push(PathStep::Index(i as i64));
                out.push(conv(it, t, path)?);
                path.pop();
            }
            Ok(Value::tuple(out))
        }
        _ => Err(fail(path, mismatch_message(ty, want))),
    }
}

fn map_to(
    m: &crate::ValueMap,
    ty: &Type,
    want: &Type,
    path: &mut Vec<PathStep>,
) -> Result<Value, ConvertError> {
    let to_object = matches!(want, Type::Object(_));
    let step = |k: &str| {
        if to_object {
            PathStep::Attr(k.to_string())
        } else {
            PathStep::Key(k.to_string())
        }
    };
    match want {
        Type::Map(et) => {
            let et: Type = if **et == Type::Dynamic {
                if m.is_empty() {
                    match ty {
                        Type::Map(e) => (**e).clone(),
                        _ => Type::Dynamic,
                    }
                } else {
                    let tys: Vec<Type> = m.values().map(Value::ty).collect();
                    unify(&tys).ok_or_else(|| fail(path, mismatch_message(ty, want)))?
                }
            } else {
                (**et).clone()
            };
            let mut out = BTreeMap::new();
            for (k, v) in m {
                path.push(step(k));
                out.insert(k.clone(), conv(v, &et, path)?);
                path.pop();
            }
            Ok(Value::map(et, out.into()))
        }
        Type::Object(o) => {
            let mut out = BTreeMap::new();
            for (k, at) in &o.attrs {
                match m.get(k) {
                    Some(v) => {
                        path.push(step(k));
                        out.insert(k.clone(), conv(v, at, path)?);
                        path.pop();
                    }
                    None if o.optional.contains(k) => {
                        out.insert(k.clone(), Value::null(at.clone()));
                    }
                    None => return Err(fail(path, format!("attribute {k:?} is required"))),
                }
            }
            Ok(Value::object(out.into()))
        }
        _ => Err(fail(path, mismatch_message(ty, want))),
    }
}

/// cty's `Unify` (unsafe mode): the type all `types` can be converted to, or None.
pub(crate) fn unify(types: &[Type]) -> Option<Type> {
    let first = types.first()?;
    if types.iter().all(|t| t == first) {
        return Some(first.clone());
    }
    if types.contains(&Type::Dynamic) {
        return Some(Type::Dynamic);
    }
    let n = types.len();
    let count = |f: fn(&Type) -> bool| types.iter().filter(|t| f(t)).count();
    let maps = count(|t| matches!(t, Type::Map(_)));
    let lists = count(|t| matches!(t, Type::List(_)));
    let sets = count(|t| matches!(t, Type::Set(_)));
    let objects = count(|t| matches!(t, Type::Object(_)));
    let tuples = count(|t| matches!(t, Type::Tuple(_)));
    let elems = |ts: &[Type]| -> Vec<Type> {
        ts.iter()
            .filter_map(|t| t.element_type().cloned())
            .collect()
    };
    if maps == n {
        return unify(&elems(types)).map(Type::map);
    }
    if maps > 0 && maps + objects == n {
        let mut all = Vec::new();
        for t in types {
            match t {
                Type::Map(e) => all.push((**e).clone()),
                Type::Object(o) => all.extend(o.attrs.values().cloned()),
                _ => {}
            }
        }
        if let Some(t) = unify(&all) {
            return Some(Type::map(t));
        }
    }
    if lists == n {
        return unify(&elems(types)).map(Type::list);
    }
    if sets == n {
        return unify(&elems(types)).map(Type::set);
    }
    if objects == n {
        let objs: Vec<&ObjectType> = types
            .iter()
            .filter_map(|t| match t {
                Type::Object(o) => Some(&**o),
                _ => None,
            })
            .collect();
        let same_names = objs.iter().all(|o| o.attrs.keys().eq(objs[0].attrs.keys()));
        if same_names {
            let mut attrs = BTreeMap::new();
            for name in objs[0].attrs.keys() {
                let tys: Vec<Type> = objs.iter().map(|o| o.attrs[name].clone()).collect();
                attrs.insert(name.clone(), unify(&tys)?);
            }
            return Some(Type::object(attrs));
        }
        let all: Vec<Type> = objs
            .iter()
            .flat_map(|o| o.attrs.values().cloned())
            .collect();
        return if all.is_empty() {
            Some(Type::map(Type::Dynamic))
        } else {
            unify(&all).map(Type::map)
        };
    }
    if tuples == n {
        let tups: Vec<&Box<Vec<Type>>> = types
            .iter()
            .filter_map(|t| match t {
                Type::Tuple(ts) => Some(ts),
                _ => None,
            })
            .collect();
        if tups.iter().all(|t| t.len() == tups[0].len()) {
            let mut out = Vec::new();
            for i in 0..tups[0].len() {
                let tys: Vec<Type> = tups.iter().map(|t| t[i].clone()).collect();
                out.push(unify(&tys)?);
            }
            return Some(Type::Tuple(out.into()));
        }
        let all: Vec<Type> = tups.iter().flat_map(|t| t.iter().cloned()).collect();
        return unify(&all).map(Type::list);
    }
    if objects > 0 && tuples > 0 {
        return None;
    }
    // The most general type that all convert to: strings before other primitives, collections
    // (lists before sets before maps) before structural types.
    let rank = |t: &Type| match t {
        Type::String => 0,
        Type::List(_) => 1,
        Type::Set(_) => 2,
        Type::Map(_) => 3,
        Type::Number | Type::Bool => 4,
        _ => 5,
    };
    let mut cands: Vec<&Type> = types.iter().collect();
    cands.sort_by_key(|t| rank(t));
    cands
        .into_iter()
        .find(|c| types.iter().all(|t| convertible(t, c)))
        .cloned()
}
