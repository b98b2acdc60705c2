//! Terraform's collection functions: alltrue, anytrue, chunklist, coalesce, coalescelist,
//! compact, concat, contains, distinct, element, flatten, index, keys, length, lookup,
//! matchkeys, merge, one, range, reverse, setintersection, setproduct, setsubtract, setunion,
//! slice, sort, sum, transpose, values, zipmap; `list` and `map` give Terraform's "removed"
//! errors.
//!
//! Result types follow cty: `concat` of lists is a list but a tuple as soon as one argument is
//! a tuple; `merge` of maps of one element type is a map, otherwise an object; `keys` and
//! `values` of an object are tuples.

use super::numeric::to_int;
use super::{FuncError, Function, Param};
use crate::fixed_return;
use girder_core::value::Kind;
use girder_core::{Marks, Number, Type, Value};
use std::collections::BTreeMap;
use unicode_segmentation::UnicodeSegmentation;

/// The conversion rules the functions use: cty's `convert` package in full (the evaluator's
/// `eval::conv`; girder-core's `convert` is interim).
pub(super) mod cty {
    pub(crate) use crate::eval::conv::{convert, unify};
}
use cty::{convert, unify};

/// Converts argument `i` to a parameter type as `Function::call` would, with Terraform's
/// message ("Invalid value for \"lists\" parameter: list of string required.").
pub(super) fn param_conv(v: &Value, ty: &Type, i: usize, pname: &str) -> Result<Value, FuncError> {
    if v.is_null() {
        return Err(FuncError::arg(
            i,
            format!("Invalid value for \"{pname}\" parameter: argument must not be null."),
        ));
    }
    convert(v, ty)
        .map_err(|e| FuncError::arg(i, format!("Invalid value for \"{pname}\" parameter: {e}.")))
}

/// Removes the top-level marks of each argument (cty's `Unmark` for parameters with
/// `AllowMarked`): nested marks stay where they are, the union goes on the result.
fn shallow_unmark(args: &[Value]) -> (Vec<Value>, Marks) {
    let mut marks = Marks::NONE;
    let plain = args
        .iter()
        .map(|a| {
            let (v, m) = a.clone().unmark();
            marks = marks.union(m);
            v
        })
        .collect();
    (plain, marks)
}

/// Runs `f` on the arguments without their top-level marks and marks its result with them.
fn with_shallow_marks(
    args: &[Value],
    f: fn(&[Value]) -> Result<Value, FuncError>,
) -> Result<Value, FuncError> {
    let (plain, marks) = shallow_unmark(args);
    f(&plain).map(|v| v.with_marks(marks))
}

/// Elements of a known list, set or tuple.
fn seq(v: &Value) -> &[Value] {
    v.as_seq().unwrap_or_default()
}

fn int_of(v: &Value) -> Result<i64, FuncError> {
    to_int(v.as_number().expect("converted to number")).map_err(FuncError::new)
}

/// cty's unification, with untyped nulls (dynamic) left out.
pub(super) fn unify_known(types: &[Type]) -> Option<Type> {
    let real: Vec<Type> = types
        .iter()
        .filter(|t| **t != Type::Dynamic)
        .cloned()
        .collect();
    if real.is_empty() {
        return Some(Type::Dynamic);
    }
    unify(&real)
}

fn is_seq_type(t: &Type) -> bool {
    matches!(t, Type::List(_) | Type::Set(_) | Type::Tuple(_))
}

fn conv(v: &Value, t: &Type) -> Result<Value, FuncError> {
    convert(v, t).map_err(|e| FuncError::new(e.to_string()))
}

/// A list of `items` (converted to their unified type), or a tuple if they do not unify.
fn list_or_tuple(items: Vec<Value>) -> Value {
    let tys: Vec<Type> = items.iter().map(Value::ty).collect();
    match unify_known(&tys) {
        Some(t) if !items.is_empty() => {
            let conv: Result<Vec<Value>, _> = items.iter().map(|x| convert(x, &t)).collect();
            match conv {
                Ok(c) => Value::list(t, c),
                Err(_) => Value::tuple(items),
            }
        }
        _ => Value::tuple(items),
    }
}

/// Converts an argument to `list(any)` / `set(any)` as cty does for such parameters: a list or
/// set keeps its element type, a tuple's elements are unified.
fn to_seq_any(v: &Value, i: usize, pname: &str, set: bool) -> Result<Value, FuncError> {
    let what = if set { "set" } else { "list" };
    let fail = || {
        FuncError::arg(
            i,
            format!("Invalid value for \"{pname}\" parameter: {what} of any single type required."),
        )
    };
    let items = seq(v).to_vec();
    let et = match v.ty() {
        Type::List(t) | Type::Set(t) => *t,
        Type::Tuple(ts) => unify_known(&ts).ok_or_else(fail)?,
        _ => {
            return Err(FuncError::arg(
                i,
                format!(
                    "Invalid value for \"{pname}\" parameter: {what} of any single type required."
                ),
            ))
        }
    };
    let items: Vec<Value> = items
        .iter()
        .map(|x| convert(x, &et))
        .collect::<Result<_, _>>()
        .map_err(|_| fail())?;
    Ok(if set {
        Value::set(et, items)
    } else {
        Value::list(et, items)
    })
}

fn removed(name: &'static str, hint: &'static str) -> Function {
    Function {
        name,
        params: vec![],
        variadic: Some(Param::new("vals", Type::Dynamic).nullable().unknowns()),
        return_type: fixed_return!(Type::Dynamic),
        imp: match hint {
            "list" => |_, _| {
                Err(FuncError::new(
                    "the \"list\" function was deprecated in Terraform v0.12 and is no longer \
                     available; use tolist([ ... ]) syntax to write a literal list",
                ))
            },
            _ => |_, _| {
                Err(FuncError::new(
                    "the \"map\" function was deprecated in Terraform v0.12 and is no longer \
                     available; use tomap({ ... }) syntax to write a literal map",
                ))
            },
        },
    }
}

fn length(args: &[Value]) -> Result<Value, FuncError> {
    let (v, marks) = args[0].clone().unmark();
    let ty = v.ty();
    let out = match v.kind() {
        Kind::Unknown(_) => match &ty {
            Type::Tuple(ts) => Value::int(ts.len() as i64),
            Type::Object(o) => Value::int(o.attrs.len() as i64),
            Type::String | Type::List(_) | Type::Set(_) | Type::Map(_) | Type::Dynamic => {
                Value::unknown(Type::Number)
            }
            _ => {
                return Err(FuncError::new(
                    "argument must be a string, a collection type, or a structural type",
                ))
            }
        },
        Kind::String(s) => Value::int(s.graphemes(true).count() as i64),
        _ => match v.len() {
            Some(n) => Value::int(n as i64),
            None => {
                return Err(FuncError::new(
                    "argument must be a string, a collection type, or a structural type",
                ))
            }
        },
    };
    Ok(out.with_marks(marks))
}

fn bools(args: &[Value], all: bool) -> Result<Value, FuncError> {
    let mut unknown = false;
    for v in seq(&args[0]) {
        if !v.is_known() {
            unknown = true;
            continue;
        }
        match v.as_bool() {
            None if all => return Ok(Value::bool(false)),
            Some(b) if b != all => return Ok(Value::bool(!all)),
            _ => {}
        }
    }
    if unknown {
        return Ok(Value::unknown(Type::Bool));
    }
    Ok(Value::bool(all))
}

fn coalesce(args: &[Value]) -> Result<Value, FuncError> {
    if args.is_empty() {
        // cty's unification of no types fails.
        return Err(FuncError::new("all arguments must have the same type"));
    }
    let tys: Vec<Type> = args.iter().map(Value::ty).collect();
    let Some(rt) = unify_known(&tys) else {
        return Err(FuncError::new("all arguments must have the same type"));
    };
    for a in args {
        let a =
            convert(a, &rt).map_err(|_| FuncError::new("all arguments must have the same type"))?;
        if !a.is_known() {
            return Ok(Value::unknown(rt));
        }
        if a.is_null() {
            continue;
        }
        if a.as_str() == Some("") {
            continue;
        }
        return Ok(a);
    }
    Err(FuncError::new("no non-null, non-empty-string arguments"))
}

fn concat(args: &[Value]) -> Result<Value, FuncError> {
    if args.is_empty() {
        return Err(FuncError::new("at least one argument is required"));
    }
    let mut all_lists = true;
    let mut elem_tys = Vec::new();
    for (i, a) in args.iter().enumerate() {
        match a.ty() {
            Type::List(t) => elem_tys.push(*t),
            Type::Tuple(_) => all_lists = false,
            Type::Dynamic => {}
            other => {
                return Err(FuncError::arg(
                    i,
                    format!(
                        "Invalid value for \"seqs\" parameter: all arguments must be lists or \
                         tuples; got {}.",
                        other.friendly_name()
                    ),
                ))
            }
        }
    }
    let mut items = Vec::new();
    for a in args {
        if !a.is_known() {
            return Ok(Value::unknown(Type::Dynamic));
        }
        items.extend(seq(a).iter().cloned());
    }
    if all_lists && !args.is_empty() {
        if let Some(t) = unify_known(&elem_tys) {
            let conv: Result<Vec<Value>, _> = items.iter().map(|x| convert(x, &t)).collect();
            if let Ok(c) = conv {
                return Ok(Value::list(t, c));
            }
        }
        return Err(FuncError::new("all arguments must be lists or tuples"));
    }
    Ok(Value::tuple(items))
}

fn contains(args: &[Value]) -> Result<Value, FuncError> {
    if !is_seq_type(&args[0].ty()) {
        return Err(FuncError::new("argument must be list, tuple, or set"));
    }
    let want = &args[1];
    Ok(Value::bool(seq(&args[0]).iter().any(|x| x.raw_equal(want))))
}

fn flatten_into(v: &Value, out: &mut Vec<Value>) {
    for x in seq(v) {
        if is_seq_type(&x.ty()) && x.is_known() && !x.is_null() {
            let (inner, m) = x.clone().unmark();
            let mut items = Vec::new();
            flatten_into(&inner, &mut items);
            out.extend(items.into_iter().map(|i| i.with_marks(m)));
        } else {
            out.push(x.clone());
        }
    }
}

fn lookup(args: &[Value]) -> Result<Value, FuncError> {
    let m = &args[0];
    let key = args[1].as_str().unwrap_or_default();
    let default = args.get(2);
    match m.ty() {
        Type::Object(o) => {
            if o.attrs.contains_key(key) {
                return Ok(m.get_attr(key).cloned().unwrap_or_else(Value::null_dynamic));
            }
            match default {
                Some(d) => Ok(d.clone()),
                None => Err(FuncError::arg(
                    0,
                    format!(
                        "Invalid value for \"inputMap\" parameter: the given object has no \
                         attribute {}.",
                        super::numeric::go_quote(key)
                    ),
                )),
            }
        }
        Type::Map(et) => {
            if let Some(d) = default {
                if d.ty() != *et {
                    if convert(d, &et).is_err() {
                        return Err(FuncError::arg(
                            2,
                            "Invalid value for \"default\" parameter: the default value must \
                             have the same type as the map elements.",
                        ));
                    }
                    if d.ty() != Type::Dynamic {
                        return Err(FuncError::arg(
                            2,
                            "Invalid value for \"default\" parameter: the default value must \
                             have the same type as the map elements.",
                        ));
                    }
                }
            }
            if let Some(v) = m.as_map().and_then(|mm| mm.get(key)) {
                return Ok(v.clone());
            }
            match default {
                Some(d) => conv(d, &et),
                None => Err(FuncError::new(format!("lookup failed to find '{key}'"))),
            }
        }
        _ => Err(FuncError::arg(
            0,
            "Invalid value for \"inputMap\" parameter: the first argument must be a map or \
             object.",
        )),
    }
}

fn merge(args: &[Value]) -> Result<Value, FuncError> {
    let mut all_maps = true;
    let mut elem_tys = Vec::new();
    for a in args {
        match a.ty() {
            Type::Map(t) => elem_tys.push(*t),
            Type::Object(_) => all_maps = false,
            Type::Dynamic => {}
            other => {
                return Err(FuncError::new(format!(
                    "arguments must be maps or objects, got {:?}",
                    other.friendly_name()
                )))
            }
        }
    }
    let mut out: BTreeMap<String, Value> = BTreeMap::new();
    for a in args {
        if a.is_null() {
            continue;
        }
        if let Some(m) = a.as_map() {
            for (k, v) in m {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    if all_maps && !elem_tys.is_empty() {
        if let Some(t) = unify_known(&elem_tys) {
            let conv: Result<BTreeMap<String, Value>, _> = out
                .iter()
                .map(|(k, v)| convert(v, &t).map(|v| (k.clone(), v)))
                .collect();
            if let Ok(c) = conv {
                return Ok(Value::map(t, c.into()));
            }
        }
    }
    Ok(Value::object(out.into()))
}

fn range(args: &[Value]) -> Result<Value, FuncError> {
    let nums: Vec<&Number> = args
        .iter()
        .map(|a| a.as_number().expect("number"))
        .collect();
    let zero = Number::from_i64(0);
    let one = Number::from_i64(1);
    let (start, end, step) = match nums.len() {
        1 => (zero.clone(), nums[0].clone(), one),
        2 => (nums[0].clone(), nums[1].clone(), one),
        3 => (nums[0].clone(), nums[1].clone(), nums[2].clone()),
        _ => return Err(FuncError::new("must have one, two, or three arguments")),
    };
    if step < zero && start < end {
        return Err(FuncError::arg(
            0,
            "Invalid value for \"params\" parameter: end must be less than start when step is \
             negative.",
        ));
    }
    if step > zero && end < start {
        return Err(FuncError::arg(
            0,
            "Invalid value for \"params\" parameter: start must be less than or equal to end \
             when step is positive.",
        ));
    }
    let mut out = Vec::new();
    let mut i = start;
    loop {
        let more = if step < zero { i > end } else { i < end };
        if !more {
            break;
        }
        if out.len() >= 1024 {
            return Err(FuncError::new(
                "more than 1024 values were generated; either decrease the difference between \
                 start and end or use a smaller step",
            ));
        }
        out.push(Value::number(i.clone()));
        i = i.add(&step);
    }
    Ok(Value::list(Type::Number, out))
}

fn set_op(args: &[Value], op: &str) -> Result<Value, FuncError> {
    let names = ["first_set", "other_sets", "a", "b"];
    let args: Vec<Value> = args
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let pname = if op == "subtract" {
                names[2 + i.min(1)]
            } else {
                names[i.min(1)]
            };
            to_seq_any(a, i, pname, true)
        })
        .collect::<Result<_, _>>()?;
    let tys: Vec<Type> = args
        .iter()
        .map(|a| a.ty().element_type().cloned().unwrap_or(Type::Dynamic))
        .collect();
    let et = unify_known(&tys)
        .ok_or_else(|| FuncError::new("given sets must all have compatible element types"))?;
    let sets: Vec<Vec<Value>> = args
        .iter()
        .map(|a| {
            seq(a)
                .iter()
                .map(|x| conv(x, &et))
                .collect::<Result<Vec<_>, _>>()
        })
        .collect::<Result<_, _>>()?;
    let has = |s: &[Value], x: &Value| s.iter().any(|y| y.raw_equal(x));
    let mut out: Vec<Value> = Vec::new();
    match op {
        "union" => {
            for s in &sets {
                out.extend(s.iter().cloned());
            }
        }
        "intersection" => {
            if let Some((first, rest)) = sets.split_first() {
                out = first
                    .iter()
                    .filter(|x| rest.iter().all(|s| has(s, x)))
                    .cloned()
                    .collect();
            }
        }
        _ => {
            out = sets[0]
                .iter()
                .filter(|x| !has(&sets[1], x))
                .cloned()
                .collect();
        }
    }
    Ok(Value::set(et, out))
}

fn setproduct(args: &[Value]) -> Result<Value, FuncError> {
    if args.len() < 2 {
        return Err(FuncError::new("at least two arguments are required"));
    }
    let all_sets = args.iter().all(|a| matches!(a.ty(), Type::Set(_)));
    let mut rows: Vec<Vec<Value>> = vec![Vec::new()];
    for a in args {
        if !is_seq_type(&a.ty()) {
            return Err(FuncError::new(
                "all arguments must be collections or tuples",
            ));
        }
        let mut next = Vec::new();
        for r in &rows {
            for x in seq(a) {
                let mut r2 = r.clone();
                r2.push(x.clone());
                next.push(r2);
            }
        }
        rows = next;
    }
    let tuples: Vec<Value> = rows.into_iter().map(Value::tuple).collect();
    let elem_ty = Type::Tuple(
        args.iter()
            .map(|a| match a.ty() {
                Type::List(t) | Type::Set(t) => *t,
                _ => Type::Dynamic,
            })
            .collect(),
    );
    if tuples.is_empty() {
        return Ok(if all_sets {
            Value::set(elem_ty, vec![])
        } else {
            Value::list(elem_ty, vec![])
        });
    }
    let ty = tuples[0].ty();
    if tuples.iter().all(|t| t.ty() == ty) {
        return Ok(if all_sets {
            Value::set(ty, tuples)
        } else {
            Value::list(ty, tuples)
        });
    }
    Ok(list_or_tuple(tuples))
}

fn slice(args: &[Value]) -> Result<Value, FuncError> {
    let list = &args[0];
    let start = int_of(&args[1])?;
    let end = int_of(&args[2])?;
    let items = seq(list);
    if start < 0 {
        return Err(FuncError::arg(
            1,
            "Invalid value for \"start_index\" parameter: start index must not be less than \
             zero.",
        ));
    }
    if end > items.len() as i64 {
        return Err(FuncError::arg(
            2,
            "Invalid value for \"end_index\" parameter: end index must not be greater than the \
             length of the list.",
        ));
    }
    if start > end {
        return Err(FuncError::arg(
            1,
            "Invalid value for \"start_index\" parameter: start index must not be greater than \
             end index.",
        ));
    }
    let part = items[start as usize..end as usize].to_vec();
    Ok(match list.ty() {
        Type::List(t) => Value::list(*t, part),
        _ => Value::tuple(part),
    })
}

fn sum(args: &[Value]) -> Result<Value, FuncError> {
    let items = seq(&args[0]);
    if items.is_empty() {
        return Err(FuncError::arg(
            0,
            "Invalid value for \"list\" parameter: cannot sum an empty list.",
        ));
    }
    let mut acc: Option<Number> = None;
    for (i, x) in items.iter().enumerate() {
        if x.is_null() {
            return Err(FuncError::arg(
                0,
                "Invalid value for \"list\" parameter: argument must be list, set, or tuple of \
                 number values.",
            ));
        }
        let n = convert(x, &Type::Number)
            .ok()
            .and_then(|v| v.as_number().cloned())
            .ok_or_else(|| {
                FuncError::new(format!(
                    "type mismatch: want number but value {i} is {}",
                    x.ty().friendly_name()
                ))
            })?;
        acc = Some(match acc {
            None => n,
            Some(a) => a
                .checked_add(&n)
                .map_err(|e| FuncError::new(e.to_string()))?,
        });
    }
    Ok(Value::number(acc.unwrap_or_else(Number::zero)))
}

fn transpose(args: &[Value]) -> Result<Value, FuncError> {
    let mut out: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for (k, list) in args[0].as_map().cloned().unwrap_or_default() {
        for v in seq(&list) {
            let Some(s) = v.as_str() else {
                return Err(FuncError::arg(
                    0,
                    "Invalid value for \"values\" parameter: input lists must not contain null \
                     values.",
                ));
            };
            out.entry(s.to_string())
                .or_default()
                .push(Value::string(k.clone()));
        }
    }
    Ok(Value::map(
        Type::list(Type::String),
        out.into_iter()
            .map(|(k, v)| (k, Value::list(Type::String, v)))
            .collect(),
    ))
}

fn zipmap(args: &[Value]) -> Result<Value, FuncError> {
    let keys = seq(&args[0]);
    let vals = &args[1];
    if !is_seq_type(&vals.ty()) {
        return Err(FuncError::arg(
            1,
            "Invalid value for \"values\" parameter: values must be a list or tuple value.",
        ));
    }
    let vs = seq(vals);
    if keys.len() != vs.len() {
        return Err(FuncError::new(format!(
            "number of keys ({}) does not match number of values ({})",
            keys.len(),
            vs.len()
        )));
    }
    let mut out = BTreeMap::new();
    for (k, v) in keys.iter().zip(vs) {
        let Some(k) = k.as_str() else {
            return Err(FuncError::arg(
                0,
                "Invalid value for \"keys\" parameter: keys list must not contain null values.",
            ));
        };
        out.insert(k.to_string(), v.clone());
    }
    Ok(match vals.ty() {
        Type::List(t) => Value::map(*t, out.into()),
        _ => Value::object(out.into()),
    })
}

fn elem_type_of(t: &Type) -> Type {
    t.element_type().cloned().unwrap_or(Type::Dynamic)
}

// ----- result types for unknown results (cty's Type functions) -----

/// The element type of a list, set or tuple type (tuples unify; `Dynamic` if unknown).
fn seq_elem(t: &Type) -> Type {
    match t {
        Type::List(e) | Type::Set(e) => (**e).clone(),
        Type::Tuple(ts) => unify_known(ts).unwrap_or(Type::Dynamic),
        _ => Type::Dynamic,
    }
}

fn rt_chunklist(t: &[Type]) -> Result<Type, FuncError> {
    Ok(match &t[0] {
        Type::Dynamic => Type::Dynamic,
        other => Type::list(Type::list(seq_elem(other))),
    })
}
fn rt_list_of_elem(t: &[Type]) -> Result<Type, FuncError> {
    Ok(match &t[0] {
        Type::Dynamic => Type::Dynamic,
        other => Type::list(seq_elem(other)),
    })
}
fn rt_element(t: &[Type]) -> Result<Type, FuncError> {
    Ok(match &t[0] {
        Type::List(e) => (**e).clone(),
        _ => Type::Dynamic,
    })
}
fn rt_keys(t: &[Type]) -> Result<Type, FuncError> {
    Ok(match &t[0] {
        Type::Map(_) => Type::list(Type::String),
        Type::Object(o) => Type::Tuple(vec![Type::String; o.attrs.len()].into()),
        _ => Type::Dynamic,
    })
}
fn rt_values(t: &[Type]) -> Result<Type, FuncError> {
    Ok(match &t[0] {
        Type::Map(e) => Type::list((**e).clone()),
        Type::Object(o) => Type::Tuple(o.attrs.values().cloned().collect()),
        _ => Type::Dynamic,
    })
}
fn rt_lookup(t: &[Type]) -> Result<Type, FuncError> {
    Ok(match &t[0] {
        Type::Map(e) => (**e).clone(),
        _ => Type::Dynamic,
    })
}
fn rt_concat(t: &[Type]) -> Result<Type, FuncError> {
    if t.iter().all(|x| matches!(x, Type::List(_))) && !t.is_empty() {
        let es: Vec<Type> = t.iter().map(seq_elem).collect();
        if let Some(e) = unify_known(&es) {
            return Ok(Type::list(e));
        }
    }
    if t.iter().all(|x| matches!(x, Type::Tuple(_))) {
        return Ok(Type::Tuple(
            t.iter()
                .flat_map(|x| match x {
                    Type::Tuple(ts) => ts.to_vec(),
                    _ => Vec::new(),
                })
                .collect(),
        ));
    }
    Ok(Type::Dynamic)
}
fn rt_merge(t: &[Type]) -> Result<Type, FuncError> {
    if !t.is_empty() && t.iter().all(|x| matches!(x, Type::Map(_))) {
        let es: Vec<Type> = t.iter().filter_map(|x| x.element_type().cloned()).collect();
        if let Some(e) = unify_known(&es) {
            return Ok(Type::map(e));
        }
    }
    if t.iter().all(|x| matches!(x, Type::Object(_))) {
        let mut attrs = BTreeMap::new();
        for x in t {
            if let Type::Object(o) = x {
                for (k, v) in &o.attrs {
                    attrs.insert(k.clone(), v.clone());
                }
            }
        }
        return Ok(Type::object(attrs));
    }
    Ok(Type::Dynamic)
}
fn rt_one(t: &[Type]) -> Result<Type, FuncError> {
    Ok(match &t[0] {
        Type::List(e) | Type::Set(e) => (**e).clone(),
        Type::Tuple(ts) if ts.len() == 1 => ts[0].clone(),
        _ => Type::Dynamic,
    })
}
fn rt_reverse(t: &[Type]) -> Result<Type, FuncError> {
    Ok(match &t[0] {
        Type::List(e) | Type::Set(e) => Type::list((**e).clone()),
        Type::Tuple(ts) => Type::Tuple(ts.iter().rev().cloned().collect()),
        _ => Type::Dynamic,
    })
}
fn rt_slice(t: &[Type]) -> Result<Type, FuncError> {
    Ok(match &t[0] {
        Type::List(e) => Type::list((**e).clone()),
        _ => Type::Dynamic,
    })
}
fn rt_set(t: &[Type]) -> Result<Type, FuncError> {
    let es: Vec<Type> = t.iter().map(seq_elem).collect();
    Ok(Type::set(unify_known(&es).unwrap_or(Type::Dynamic)))
}
fn rt_zipmap(t: &[Type]) -> Result<Type, FuncError> {
    Ok(match &t[1] {
        Type::List(e) => Type::map((**e).clone()),
        _ => Type::Dynamic,
    })
}

pub(crate) fn functions() -> Vec<Function> {
    vec![
        removed("list", "list"),
        removed("map", "map"),
        Function {
            name: "length",
            params: vec![Param::new("value", Type::Dynamic).unknowns().marked()],
            variadic: None,
            return_type: fixed_return!(Type::Number),
            imp: |a, _| length(a),
        },
        Function {
            name: "alltrue",
            params: vec![Param::new("list", Type::Dynamic).unknowns()],
            variadic: None,
            return_type: fixed_return!(Type::Bool),
            imp: |a, _| {
                bools(
                    &[param_conv(&a[0], &Type::list(Type::Bool), 0, "list")?],
                    true,
                )
            },
        },
        Function {
            name: "anytrue",
            params: vec![Param::new("list", Type::Dynamic).unknowns()],
            variadic: None,
            return_type: fixed_return!(Type::Bool),
            imp: |a, _| {
                bools(
                    &[param_conv(&a[0], &Type::list(Type::Bool), 0, "list")?],
                    false,
                )
            },
        },
        Function {
            name: "chunklist",
            params: vec![
                Param::new("list", Type::Dynamic).marked(),
                Param::new("size", Type::Number),
            ],
            variadic: None,
            return_type: rt_chunklist,
            imp: |a0, _| {
                with_shallow_marks(a0, |a| {
                    let list = to_seq_any(&a[0], 0, "list", false)?;
                    let a = [list, a[1].clone()];
                    let size = to_int(a[1].as_number().expect("number"))
                        .map_err(|m| FuncError::new(format!("invalid size: {m}")))?;
                    if size < 0 {
                        return Err(FuncError::new("the size argument must be positive"));
                    }
                    let et = elem_type_of(&a[0].ty());
                    let items = seq(&a[0]);
                    let chunks: Vec<Value> = if size == 0 {
                        vec![a[0].clone()]
                    } else {
                        items
                            .chunks(size as usize)
                            .map(|c| Value::list(et.clone(), c.to_vec()))
                            .collect()
                    };
                    Ok(Value::list(Type::list(et), chunks))
                })
            },
        },
        Function {
            name: "coalesce",
            params: vec![],
            variadic: Some(Param::new("vals", Type::Dynamic).nullable().unknowns()),
            return_type: |t| {
                unify_known(t)
                    .ok_or_else(|| FuncError::new("all arguments must have the same type"))
            },
            imp: |a, _| coalesce(a),
        },
        Function {
            name: "coalescelist",
            params: vec![],
            variadic: Some(Param::new("vals", Type::Dynamic).nullable().unknowns()),
            return_type: fixed_return!(Type::Dynamic),
            imp: |a, _| {
                for x in a {
                    if !matches!(x.ty(), Type::List(_) | Type::Tuple(_) | Type::Dynamic) {
                        return Err(FuncError::new(
                            "coalescelist arguments must be lists or tuples",
                        ));
                    }
                }
                for x in a {
                    if !x.is_known() {
                        return Ok(Value::unknown_dynamic());
                    }
                    if !x.is_null() && !x.is_empty() {
                        return Ok(x.clone());
                    }
                }
                Err(FuncError::new("no non-null arguments"))
            },
        },
        Function {
            name: "compact",
            params: vec![Param::new("list", Type::Dynamic)],
            variadic: None,
            return_type: fixed_return!(Type::list(Type::String)),
            imp: |a, _| {
                let a = [param_conv(&a[0], &Type::list(Type::String), 0, "list")?];
                Ok(Value::list(
                    Type::String,
                    seq(&a[0])
                        .iter()
                        .filter(|x| !x.is_null() && x.as_str() != Some(""))
                        .cloned()
                        .collect(),
                ))
            },
        },
        Function {
            name: "concat",
            params: vec![],
            variadic: Some(Param::new("seqs", Type::Dynamic).marked()),
            return_type: rt_concat,
            imp: |a0, _| with_shallow_marks(a0, concat),
        },
        Function {
            name: "contains",
            params: vec![
                Param::new("list", Type::Dynamic),
                Param::new("value", Type::Dynamic),
            ],
            variadic: None,
            return_type: fixed_return!(Type::Bool),
            imp: |a, _| contains(a),
        },
        Function {
            name: "distinct",
            params: vec![Param::new("list", Type::Dynamic)],
            variadic: None,
            return_type: rt_list_of_elem,
            imp: |a, _| {
                let a = [to_seq_any(&a[0], 0, "list", false)?];
                let mut out: Vec<Value> = Vec::new();
                for x in seq(&a[0]) {
                    if !out.iter().any(|y| y.raw_equal(x)) {
                        out.push(x.clone());
                    }
                }
                Ok(Value::list(elem_type_of(&a[0].ty()), out))
            },
        },
        Function {
            name: "element",
            params: vec![
                Param::new("list", Type::Dynamic).marked(),
                Param::new("index", Type::Number),
            ],
            variadic: None,
            return_type: rt_element,
            imp: |a0, _| {
                with_shallow_marks(a0, |a| {
                    if !matches!(a[0].ty(), Type::List(_) | Type::Tuple(_)) {
                        return Err(FuncError::new(format!(
                            "cannot read elements from {}",
                            a[0].ty().friendly_name()
                        )));
                    }
                    let items = seq(&a[0]);
                    let i = int_of(&a[1])?;
                    if items.is_empty() {
                        return Err(FuncError::new(
                            "cannot use element function with an empty list",
                        ));
                    }
                    if i < 0 {
                        return Err(FuncError::new(
                            "cannot use element function with a negative index",
                        ));
                    }
                    Ok(items[(i as usize) % items.len()].clone())
                })
            },
        },
        Function {
            name: "flatten",
            params: vec![Param::new("list", Type::Dynamic).marked()],
            variadic: None,
            return_type: fixed_return!(Type::Dynamic),
            imp: |a0, _| {
                with_shallow_marks(a0, |a| {
                    if !is_seq_type(&a[0].ty()) {
                        return Err(FuncError::arg(
                        0,
                        "Invalid value for \"list\" parameter: can only flatten lists, sets and \
                         tuples.",
                    ));
                    }
                    let mut out = Vec::new();
                    flatten_into(&a[0], &mut out);
                    Ok(Value::tuple(out))
                })
            },
        },
        Function {
            name: "index",
            params: vec![
                Param::new("list", Type::Dynamic),
                Param::new("value", Type::Dynamic),
            ],
            variadic: None,
            return_type: fixed_return!(Type::Number),
            imp: |a, _| {
                if !matches!(a[0].ty(), Type::List(_) | Type::Tuple(_)) {
                    return Err(FuncError::arg(
                        0,
                        "Invalid value for \"list\" parameter: argument must be a list or \
                         tuple.",
                    ));
                }
                for (i, x) in seq(&a[0]).iter().enumerate() {
                    if a[1].raw_equal(x) {
                        return Ok(Value::int(i as i64));
                    }
                }
                Err(FuncError::new("item not found"))
            },
        },
        Function {
            name: "keys",
            params: vec![Param::new("inputMap", Type::Dynamic)],
            variadic: None,
            return_type: rt_keys,
            imp: |a, _| {
                let Some(m) = a[0].as_map() else {
                    return Err(FuncError::arg(
                        0,
                        "Invalid value for \"inputMap\" parameter: must have map or object \
                         type.",
                    ));
                };
                let ks: Vec<Value> = m.keys().map(|k| Value::string(k.clone())).collect();
                Ok(match a[0].ty() {
                    Type::Map(_) => Value::list(Type::String, ks),
                    _ => Value::tuple(ks),
                })
            },
        },
        Function {
            name: "values",
            params: vec![Param::new("mapping", Type::Dynamic).marked()],
            variadic: None,
            return_type: rt_values,
            imp: |a0, _| {
                with_shallow_marks(a0, |a| {
                    let Some(m) = a[0].as_map() else {
                        return Err(FuncError::new(
                            "values() requires a map as the first argument",
                        ));
                    };
                    let vs: Vec<Value> = m.values().cloned().collect();
                    Ok(match a[0].ty() {
                        Type::Map(t) => Value::list(*t, vs),
                        _ => Value::tuple(vs),
                    })
                })
            },
        },
        Function {
            name: "lookup",
            params: vec![
                Param::new("inputMap", Type::Dynamic),
                Param::new("key", Type::String),
            ],
            variadic: Some(Param::new("default", Type::Dynamic)),
            return_type: rt_lookup,
            imp: |a, _| {
                if a.len() > 3 {
                    return Err(FuncError::new("lookup() takes two arguments, got more"));
                }
                lookup(a)
            },
        },
        Function {
            name: "matchkeys",
            params: vec![
                Param::new("values", Type::Dynamic),
                Param::new("keys", Type::Dynamic),
                Param::new("searchset", Type::Dynamic),
            ],
            variadic: None,
            return_type: rt_list_of_elem,
            imp: |a, _| {
                let a = [
                    to_seq_any(&a[0], 0, "values", false)?,
                    to_seq_any(&a[1], 1, "keys", false)?,
                    to_seq_any(&a[2], 2, "searchset", false)?,
                ];
                let (vals, keys, search) = (seq(&a[0]), seq(&a[1]), seq(&a[2]));
                if vals.len() != keys.len() {
                    return Err(FuncError::new("length of keys and values should be equal"));
                }
                let kt = elem_type_of(&a[1].ty());
                let search: Vec<Value> = search
                    .iter()
                    .map(|s| convert(s, &kt))
                    .collect::<Result<_, _>>()
                    .map_err(|_| FuncError::new("keys and searchset must be of the same type"))?;
                let out: Vec<Value> = vals
                    .iter()
                    .zip(keys)
                    .filter(|(_, k)| search.iter().any(|s| s.raw_equal(k)))
                    .map(|(v, _)| v.clone())
                    .collect();
                Ok(Value::list(elem_type_of(&a[0].ty()), out))
            },
        },
        Function {
            name: "merge",
            params: vec![],
            variadic: Some(Param::new("maps", Type::Dynamic).marked().nullable()),
            return_type: rt_merge,
            imp: |a0, _| with_shallow_marks(a0, merge),
        },
        Function {
            name: "one",
            params: vec![Param::new("list", Type::Dynamic)],
            variadic: None,
            return_type: rt_one,
            imp: |a, _| {
                let ty = a[0].ty();
                if !is_seq_type(&ty) {
                    return Err(FuncError::arg(
                        0,
                        "Invalid value for \"list\" parameter: must be a list, set, or tuple \
                         value with either zero or one elements.",
                    ));
                }
                let items = seq(&a[0]);
                match items.len() {
                    0 => Ok(Value::null(elem_type_of(&ty))),
                    1 => Ok(items[0].clone()),
                    _ => Err(FuncError::arg(
                        0,
                        "Invalid value for \"list\" parameter: must be a list, set, or tuple \
                         value with either zero or one elements.",
                    )),
                }
            },
        },
        Function {
            name: "range",
            params: vec![],
            variadic: Some(Param::new("params", Type::Number)),
            return_type: fixed_return!(Type::list(Type::Number)),
            imp: |a, _| range(a),
        },
        Function {
            name: "reverse",
            params: vec![Param::new("list", Type::Dynamic).marked()],
            variadic: None,
            return_type: rt_reverse,
            imp: |a0, _| {
                with_shallow_marks(a0, |a| {
                    let mut items = seq(&a[0]).to_vec();
                    items.reverse();
                    match a[0].ty() {
                        Type::List(t) | Type::Set(t) => Ok(Value::list(*t, items)),
                        Type::Tuple(_) => Ok(Value::tuple(items)),
                        other => Err(FuncError::arg(0, format!("Invalid value for \"list\" parameter: can only reverse list or tuple values, not {}.", other.friendly_name()))),
                    }
                })
            },
        },
        Function {
            name: "setunion",
            params: vec![Param::new("first_set", Type::Dynamic)],
            variadic: Some(Param::new("other_sets", Type::Dynamic)),
            return_type: rt_set,
            imp: |a, _| set_op(a, "union"),
        },
        Function {
            name: "setintersection",
            params: vec![Param::new("first_set", Type::Dynamic)],
            variadic: Some(Param::new("other_sets", Type::Dynamic)),
            return_type: rt_set,
            imp: |a, _| set_op(a, "intersection"),
        },
        Function {
            name: "setsubtract",
            params: vec![
                Param::new("a", Type::Dynamic),
                Param::new("b", Type::Dynamic),
            ],
            variadic: None,
            return_type: rt_set,
            imp: |a, _| set_op(a, "subtract"),
        },
        Function {
            name: "setproduct",
            params: vec![],
            variadic: Some(Param::new("sets", Type::Dynamic)),
            return_type: fixed_return!(Type::Dynamic),
            imp: |a, _| setproduct(a),
        },
        Function {
            name: "slice",
            params: vec![
                Param::new("list", Type::Dynamic).marked(),
                Param::new("start_index", Type::Number),
                Param::new("end_index", Type::Number),
            ],
            variadic: None,
            return_type: rt_slice,
            imp: |a0, _| {
                with_shallow_marks(a0, |a| {
                    if !matches!(a[0].ty(), Type::List(_) | Type::Tuple(_)) {
                        return Err(FuncError::arg(
                            0,
                            "Invalid value for \"list\" parameter: must be a list or tuple value.",
                        ));
                    }
                    slice(a)
                })
            },
        },
        Function {
            name: "sort",
            params: vec![Param::new("list", Type::Dynamic)],
            variadic: None,
            return_type: fixed_return!(Type::list(Type::String)),
            imp: |a, _| {
                let a = [param_conv(&a[0], &Type::list(Type::String), 0, "list")?];
                let mut items: Vec<String> = Vec::new();
                for (i, x) in seq(&a[0]).iter().enumerate() {
                    match x.as_str() {
                        Some(s) => items.push(s.to_string()),
                        None => {
                            return Err(FuncError::new(format!(
                                "given list element {i} is null; a null string cannot be sorted"
                            )))
                        }
                    }
                }
                items.sort();
                Ok(Value::list(
                    Type::String,
                    items.into_iter().map(Value::string).collect(),
                ))
            },
        },
        Function {
            name: "sum",
            params: vec![Param::new("list", Type::Dynamic)],
            variadic: None,
            return_type: fixed_return!(Type::Number),
            imp: |a, _| {
                if !is_seq_type(&a[0].ty()) {
                    return Err(FuncError::arg(
                        0,
                        "Invalid value for \"list\" parameter: argument must be list, set, or \
                         tuple. Received number.",
                    ));
                }
                sum(a)
            },
        },
        Function {
            name: "transpose",
            params: vec![Param::new("values", Type::Dynamic)],
            variadic: None,
            return_type: fixed_return!(Type::map(Type::list(Type::String))),
            imp: |a, _| {
                let want = Type::map(Type::list(Type::String));
                // An object converts attribute by attribute (its tuples may differ in length).
                let arg = match (a[0].kind(), a[0].as_map()) {
                    (Kind::Object(_), Some(m)) => {
                        let mut out = BTreeMap::new();
                        for (k, v) in m {
                            let l = convert(v, &Type::list(Type::String)).map_err(|_| {
                                FuncError::arg(
                                    0,
                                    "Invalid value for \"values\" parameter: map of list of \
                                     string required.",
                                )
                            })?;
                            out.insert(k.clone(), l);
                        }
                        Value::map(Type::list(Type::String), out.into())
                    }
                    _ => param_conv(&a[0], &want, 0, "values")?,
                };
                transpose(&[arg])
            },
        },
        Function {
            name: "zipmap",
            params: vec![
                Param::new("keys", Type::Dynamic).marked(),
                Param::new("values", Type::Dynamic).marked(),
            ],
            variadic: None,
            return_type: rt_zipmap,
            imp: |a0, _| {
                with_shallow_marks(a0, |a| {
                    zipmap(&[
                        param_conv(&a[0], &Type::list(Type::String), 0, "keys")?,
                        a[1].clone(),
                    ])
                })
            },
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::super::numeric::test_support::{call, call_err};
    use girder_core::{Number, Type, Value};

    fn st(x: &str) -> Value {
        Value::string(x)
    }
    fn n(x: &str) -> Value {
        Value::number(Number::parse(x).unwrap())
    }
    fn nlist(xs: &[&str]) -> Value {
        Value::list(Type::Number, xs.iter().map(|x| n(x)).collect())
    }
    fn slist(xs: &[&str]) -> Value {
        Value::list(Type::String, xs.iter().map(|x| st(x)).collect())
    }
    fn tup(xs: Vec<Value>) -> Value {
        Value::tuple(xs)
    }

    #[test]
    fn collection_table() {
        let cases: Vec<(&str, Vec<Value>, Value)> = vec![
            ("length", vec![st("e\u{301}a")], Value::int(2)),
            ("length", vec![tup(vec![n("1"), st("a")])], Value::int(2)),
            ("length", vec![Value::empty_object()], Value::int(0)),
            (
                "length",
                vec![Value::unknown(Type::Tuple(vec![Type::String].into()))],
                Value::int(1),
            ),
            (
                "length",
                vec![Value::unknown(Type::list(Type::String))],
                Value::unknown(Type::Number),
            ),
            (
                "alltrue",
                vec![Value::list(
                    Type::Bool,
                    vec![Value::bool(true), Value::null(Type::Bool)],
                )],
                Value::bool(false),
            ),
            (
                "alltrue",
                vec![Value::list(Type::Bool, vec![])],
                Value::bool(true),
            ),
            (
                "anytrue",
                vec![Value::list(
                    Type::Bool,
                    vec![Value::null(Type::Bool), Value::bool(false)],
                )],
                Value::bool(false),
            ),
            (
                "anytrue",
                vec![Value::list(
                    Type::Bool,
                    vec![Value::unknown(Type::Bool), Value::bool(true)],
                )],
                Value::bool(true),
            ),
            (
                "chunklist",
                vec![nlist(&["1", "2", "3"]), n("2")],
                Value::list(
                    Type::list(Type::Number),
                    vec![nlist(&["1", "2"]), nlist(&["3"])],
                ),
            ),
            (
                "chunklist",
                vec![nlist(&["1", "2"]), n("0")],
                Value::list(Type::list(Type::Number), vec![nlist(&["1", "2"])]),
            ),
            ("coalesce", vec![st(""), st("b")], st("b")),
            ("coalesce", vec![Value::null_dynamic(), n("1")], n("1")),
            (
                "coalescelist",
                vec![tup(vec![]), tup(vec![n("1")])],
                tup(vec![n("1")]),
            ),
            (
                "compact",
                vec![Value::list(
                    Type::String,
                    vec![st("a"), st(""), Value::null(Type::String)],
                )],
                slist(&["a"]),
            ),
            (
                "concat",
                vec![tup(vec![n("1")]), tup(vec![st("a")])],
                tup(vec![n("1"), st("a")]),
            ),
            (
                "concat",
                vec![nlist(&["1"]), nlist(&["2"])],
                nlist(&["1", "2"]),
            ),
            (
                "concat",
                vec![nlist(&["1"]), tup(vec![st("a")])],
                tup(vec![n("1"), st("a")]),
            ),
            (
                "contains",
                vec![tup(vec![n("1"), n("2")]), st("1")],
                Value::bool(false),
            ),
            (
                "contains",
                vec![tup(vec![n("1"), n("2")]), n("2")],
                Value::bool(true),
            ),
            (
                "distinct",
                vec![slist(&["1", "2", "1"])],
                slist(&["1", "2"]),
            ),
            (
                "element",
                vec![tup(vec![n("1"), n("2"), n("3")]), n("5")],
                n("3"),
            ),
            (
                "flatten",
                vec![tup(vec![
                    tup(vec![n("1"), tup(vec![n("2")])]),
                    n("3"),
                    tup(vec![]),
                ])],
                tup(vec![n("1"), n("2"), n("3")]),
            ),
            (
                "index",
                vec![tup(vec![st("a"), st("b")]), st("b")],
                Value::int(1),
            ),
            (
                "keys",
                vec![Value::object_from([("b", n("1")), ("a", st("x"))])],
                tup(vec![st("a"), st("b")]),
            ),
            (
                "keys",
                vec![Value::map(Type::Number, [("b".to_string(), n("1"))].into())],
                slist(&["b"]),
            ),
            (
                "values",
                vec![Value::object_from([("b", n("1")), ("a", st("x"))])],
                tup(vec![st("x"), n("1")]),
            ),
            (
                "lookup",
                vec![Value::object_from([("a", n("1"))]), st("a")],
                n("1"),
            ),
            (
                "lookup",
                vec![Value::object_from([("a", n("1"))]), st("b"), st("x")],
                st("x"),
            ),
            (
                "matchkeys",
                vec![
                    slist(&["a", "b", "c"]),
                    nlist(&["1", "2", "3"]),
                    nlist(&["1", "3"]),
                ],
                slist(&["a", "c"]),
            ),
            (
                "merge",
                vec![
                    Value::object_from([("a", n("1"))]),
                    Value::object_from([("b", st("x"))]),
                ],
                Value::object_from([("a", n("1")), ("b", st("x"))]),
            ),
            (
                "merge",
                vec![
                    Value::map(Type::Number, [("a".to_string(), n("1"))].into()),
                    Value::map(Type::Number, [("b".to_string(), n("2"))].into()),
                ],
                Value::map(
                    Type::Number,
                    [("a".to_string(), n("1")), ("b".to_string(), n("2"))].into(),
                ),
            ),
            (
                "merge",
                vec![Value::null_dynamic(), Value::object_from([("a", n("1"))])],
                Value::object_from([("a", n("1"))]),
            ),
            ("merge", vec![], Value::empty_object()),
            ("one", vec![tup(vec![])], Value::null_dynamic()),
            ("one", vec![tup(vec![n("1")])], n("1")),
            ("one", vec![nlist(&[])], Value::null(Type::Number)),
            ("range", vec![n("3")], nlist(&["0", "1", "2"])),
            ("range", vec![n("3"), n("1"), n("-1")], nlist(&["3", "2"])),
            (
                "range",
                vec![n("0"), n("1"), n("0.25")],
                nlist(&["0", "0.25", "0.5", "0.75"]),
            ),
            (
                "reverse",
                vec![tup(vec![n("1"), st("a")])],
                tup(vec![st("a"), n("1")]),
            ),
            (
                "setintersection",
                vec![
                    Value::set(Type::Number, vec![n("1"), n("2")]),
                    Value::set(Type::Number, vec![n("2"), n("3")]),
                ],
                Value::set(Type::Number, vec![n("2")]),
            ),
            (
                "setsubtract",
                vec![
                    Value::set(Type::Number, vec![n("1"), n("2")]),
                    Value::set(Type::Number, vec![n("2")]),
                ],
                Value::set(Type::Number, vec![n("1")]),
            ),
            (
                "setunion",
                vec![
                    Value::set(Type::String, vec![st("1")]),
                    Value::set(Type::String, vec![st("a")]),
                ],
                Value::set(Type::String, vec![st("1"), st("a")]),
            ),
            (
                "setproduct",
                vec![slist(&["a", "b"]), nlist(&["1"])],
                Value::list(
                    Type::Tuple(vec![Type::String, Type::Number].into()),
                    vec![tup(vec![st("a"), n("1")]), tup(vec![st("b"), n("1")])],
                ),
            ),
            (
                "slice",
                vec![tup(vec![n("1"), n("2"), n("3")]), n("1"), n("2")],
                tup(vec![n("2")]),
            ),
            (
                "slice",
                vec![nlist(&["1", "2", "3"]), n("0"), n("1")],
                nlist(&["1"]),
            ),
            (
                "sort",
                vec![slist(&["b", "a", "1"])],
                slist(&["1", "a", "b"]),
            ),
            ("sum", vec![tup(vec![n("1"), n("2.5")])], n("3.5")),
            (
                "transpose",
                vec![Value::map(
                    Type::list(Type::String),
                    [
                        ("a".to_string(), slist(&["1", "2"])),
                        ("b".to_string(), slist(&["2"])),
                    ]
                    .into(),
                )],
                Value::map(
                    Type::list(Type::String),
                    [
                        ("1".to_string(), slist(&["a"])),
                        ("2".to_string(), slist(&["a", "b"])),
                    ]
                    .into(),
                ),
            ),
            (
                "zipmap",
                vec![slist(&["a", "b"]), tup(vec![n("1"), st("x")])],
                Value::object_from([("a", n("1")), ("b", st("x"))]),
            ),
            (
                "zipmap",
                vec![slist(&["a", "b"]), nlist(&["1", "2"])],
                Value::map(
                    Type::Number,
                    [("a".to_string(), n("1")), ("b".to_string(), n("2"))].into(),
                ),
            ),
            (
                "zipmap",
                vec![slist(&["a", "a"]), tup(vec![n("1"), n("2")])],
                Value::object_from([("a", n("2"))]),
            ),
        ];
        for (f, args, want) in cases {
            assert_eq!(call(f, &args), want, "{f}({args:?})");
        }
    }

    #[test]
    fn collection_errors() {
        let cases: Vec<(&str, Vec<Value>, &str)> = vec![
            (
                "list",
                vec![n("1")],
                "the \"list\" function was deprecated in Terraform v0.12 and is no longer \
                 available; use tolist([ ... ]) syntax to write a literal list",
            ),
            (
                "map",
                vec![st("a"), n("1")],
                "the \"map\" function was deprecated in Terraform v0.12 and is no longer \
                 available; use tomap({ ... }) syntax to write a literal map",
            ),
            (
                "length",
                vec![n("1")],
                "argument must be a string, a collection type, or a structural type",
            ),
            (
                "length",
                vec![Value::null_dynamic()],
                "Invalid value for \"value\" parameter: argument must not be null.",
            ),
            (
                "chunklist",
                vec![nlist(&["1"]), n("-1")],
                "the size argument must be positive",
            ),
            ("coalesce", vec![], "all arguments must have the same type"),
            (
                "coalesce",
                vec![Value::null_dynamic(), st("")],
                "no non-null, non-empty-string arguments",
            ),
            (
                "coalescelist",
                vec![tup(vec![]), tup(vec![])],
                "no non-null arguments",
            ),
            (
                "coalescelist",
                vec![n("1")],
                "coalescelist arguments must be lists or tuples",
            ),
            (
                "concat",
                vec![n("1")],
                "Invalid value for \"seqs\" parameter: all arguments must be lists or tuples; \
                 got number.",
            ),
            (
                "contains",
                vec![n("1"), n("2")],
                "argument must be list, tuple, or set",
            ),
            (
                "element",
                vec![tup(vec![]), n("0")],
                "cannot use element function with an empty list",
            ),
            (
                "element",
                vec![tup(vec![n("1")]), n("-1")],
                "cannot use element function with a negative index",
            ),
            ("index", vec![tup(vec![st("a")]), st("z")], "item not found"),
            (
                "lookup",
                vec![Value::object_from([("a", n("1"))]), st("b")],
                "Invalid value for \"inputMap\" parameter: the given object has no attribute \
                 \"b\".",
            ),
            (
                "lookup",
                vec![
                    Value::map(Type::String, [("a".to_string(), st("1"))].into()),
                    st("b"),
                ],
                "lookup failed to find 'b'",
            ),
            (
                "matchkeys",
                vec![slist(&["a"]), nlist(&["1", "2"]), nlist(&["1"])],
                "length of keys and values should be equal",
            ),
            (
                "merge",
                vec![n("1")],
                "arguments must be maps or objects, got \"number\"",
            ),
            (
                "one",
                vec![tup(vec![n("1"), n("2")])],
                "Invalid value for \"list\" parameter: must be a list, set, or tuple value with \
                 either zero or one elements.",
            ),
            ("range", vec![], "must have one, two, or three arguments"),
            (
                "range",
                vec![n("0"), n("5"), n("-1")],
                "Invalid value for \"params\" parameter: end must be less than start when step \
                 is negative.",
            ),
            (
                "range",
                vec![n("0"), n("1"), n("0")],
                "more than 1024 values were generated; either decrease the difference between \
                 start and end or use a smaller step",
            ),
            (
                "setproduct",
                vec![nlist(&["1"])],
                "at least two arguments are required",
            ),
            (
                "slice",
                vec![tup(vec![n("1"), n("2"), n("3")]), n("2"), n("1")],
                "Invalid value for \"start_index\" parameter: start index must not be greater \
                 than end index.",
            ),
            (
                "slice",
                vec![tup(vec![n("1"), n("2"), n("3")]), n("1"), n("4")],
                "Invalid value for \"end_index\" parameter: end index must not be greater than \
                 the length of the list.",
            ),
            (
                "sort",
                vec![Value::list(Type::String, vec![Value::null(Type::String)])],
                "given list element 0 is null; a null string cannot be sorted",
            ),
            (
                "sum",
                vec![tup(vec![])],
                "Invalid value for \"list\" parameter: cannot sum an empty list.",
            ),
            (
                "zipmap",
                vec![slist(&["a"]), tup(vec![n("1"), n("2")])],
                "number of keys (1) does not match number of values (2)",
            ),
        ];
        for (f, args, want) in cases {
            assert_eq!(call_err(f, &args).message, want, "{f}({args:?})");
        }
    }

    #[test]
    fn unknown_results_have_ctys_types() {
        let u = |t: Type| Value::unknown(t);
        let cases: Vec<(&str, Vec<Value>, Type)> = vec![
            (
                "keys",
                vec![u(Type::map(Type::Number))],
                Type::list(Type::String),
            ),
            (
                "values",
                vec![u(Type::map(Type::Number))],
                Type::list(Type::Number),
            ),
            (
                "concat",
                vec![u(Type::list(Type::String)), nlist(&["1"])],
                Type::list(Type::String),
            ),
            (
                "merge",
                vec![
                    u(Type::map(Type::String)),
                    Value::map(Type::String, Default::default()),
                ],
                Type::map(Type::String),
            ),
            (
                "element",
                vec![u(Type::list(Type::Bool)), n("0")],
                Type::Bool,
            ),
            (
                "reverse",
                vec![u(Type::set(Type::Number))],
                Type::list(Type::Number),
            ),
            (
                "setunion",
                vec![u(Type::set(Type::String)), slist(&["a"])],
                Type::set(Type::String),
            ),
            ("one", vec![u(Type::list(Type::Number))], Type::Number),
            (
                "zipmap",
                vec![slist(&["a"]), u(Type::list(Type::Bool))],
                Type::map(Type::Bool),
            ),
        ];
        for (f, args, want) in cases {
            assert_eq!(call(f, &args), Value::unknown(want), "{f}");
        }
    }

    #[test]
    fn element_marks_stay_in_place() {
        let l = tup(vec![n("1").mark_sensitive(), n("2")]);
        let c = call("concat", &[l.clone(), tup(vec![n("3")])]);
        assert!(!c.is_sensitive());
        assert!(c.as_seq().unwrap()[0].is_sensitive());
        assert!(!call("element", &[l.clone(), n("1")]).is_sensitive());
        let r = call("reverse", &[l]);
        assert!(r.as_seq().unwrap()[1].is_sensitive() && !r.is_sensitive());
        // A sensitive collection makes the whole result sensitive.
        assert!(call(
            "values",
            &[Value::object_from([("a", n("1"))]).mark_sensitive()]
        )
        .is_sensitive());
    }

    #[test]
    fn length_keeps_marks_and_unknowns() {
        let v = call("length", &[slist(&["a"]).mark_sensitive()]);
        assert!(v.is_sensitive());
        assert_eq!(v.unmark().0, Value::int(1));
        // An unknown element does not make the length unknown.
        let l = Value::list(Type::String, vec![Value::unknown(Type::String)]);
        assert_eq!(call("length", &[l]), Value::int(1));
    }
}
