//! Terraform's type conversion functions: tobool, tolist, tomap, tonumber, toset, tostring,
//! sensitive, nonsensitive, the later `issensitive`, and `defaults` (which Terraform 1.0.3
//! only offers behind an experiment, so it gives that error).
//!
//! `try`, `can` and `type` are special forms of the evaluator, not functions.

use super::collection::cty::convert;
use super::collection::unify_known;
use super::numeric::go_quote;
use super::{FuncError, Function, Param};
use crate::fixed_return;
use girder_core::value::Kind;
use girder_core::{Type, Value};

/// cty's friendly name, with `any single type` for the dynamic element type.
fn friendly(t: &Type) -> String {
    match t {
        Type::Dynamic => "any single type".into(),
        Type::List(e) => format!("list of {}", friendly(e)),
        Type::Set(e) => format!("set of {}", friendly(e)),
        Type::Map(e) => format!("map of {}", friendly(e)),
        other => other.friendly_name(),
    }
}

fn err(msg: String) -> FuncError {
    FuncError::arg(0, format!("Invalid value for \"v\" parameter: {msg}."))
}

/// Converts a known, unmarked-at-top value to `want` (a primitive, or a collection of
/// `Dynamic` / primitive element type).
fn to_type(v: &Value, want: &Type) -> Result<Value, FuncError> {
    let cannot = || {
        err(format!(
            "cannot convert {} to {}",
            friendly(&v.ty()),
            friendly(want)
        ))
    };
    if v.is_null() {
        return Ok(Value::null(want.clone()));
    }
    match want {
        Type::Bool | Type::Number | Type::String => {
            if !v.ty().is_primitive() {
                return Err(cannot());
            }
            convert(v, want).map_err(|_| match (v.as_str(), want) {
                (Some(s), Type::Bool) => err(format!(
                    "cannot convert {} to bool; only the strings \"true\" or \"false\" are \
                     allowed",
                    go_quote(s)
                )),
                (Some(s), Type::Number) => err(format!(
                    "cannot convert {} to number; given string must be a decimal \
                     representation of a number",
                    go_quote(s)
                )),
                _ => cannot(),
            })
        }
        Type::List(et) | Type::Set(et) => {
            let items: Vec<Value> = match v.kind() {
                Kind::List(_, x) | Kind::Set(_, x) | Kind::Tuple(x) => x.clone(),
                _ => return Err(cannot()),
            };
            let target = if **et == Type::Dynamic {
                let tys: Vec<Type> = items.iter().map(Value::ty).collect();
                match v.ty() {
                    Type::List(t) | Type::Set(t) => *t,
                    _ => unify_known(&tys).ok_or_else(cannot)?,
                }
            } else {
                (**et).clone()
            };
            let items: Vec<Value> = items
                .iter()
                .map(|x| convert(x, &target))
                .collect::<Result<_, _>>()
                .map_err(|_| cannot())?;
            Ok(if matches!(want, Type::Set(_)) {
                Value::set(target, items)
            } else {
                Value::list(target, items)
            })
        }
        Type::Map(et) => {
            let entries = match v.kind() {
                Kind::Map(_, m) | Kind::Object(m) => m.clone(),
                _ => return Err(cannot()),
            };
            let target = if **et == Type::Dynamic {
                match v.ty() {
                    Type::Map(t) => *t,
                    _ => {
                        let tys: Vec<Type> = entries.values().map(Value::ty).collect();
                        unify_known(&tys).ok_or_else(cannot)?
                    }
                }
            } else {
                (**et).clone()
            };
            let entries = entries
                .into_iter()
                .map(|(k, x)| convert(&x, &target).map(|x| (k, x)))
                .collect::<Result<_, _>>()
                .map_err(|_| cannot())?;
            Ok(Value::map(target, entries))
        }
        _ => convert(v, want).map_err(|_| cannot()),
    }
}

fn to_func(name: &'static str) -> Function {
    Function {
        name,
        params: vec![Param::new("v", Type::Dynamic)
            .nullable()
            .unknowns()
            .marked()],
        variadic: None,
        return_type: match name {
            "tobool" => fixed_return!(Type::Bool),
            "tonumber" => fixed_return!(Type::Number),
            "tostring" => fixed_return!(Type::String),
            _ => fixed_return!(Type::Dynamic),
        },
        imp: match name {
            "tobool" => |a, _| to_impl(&a[0], &Type::Bool),
            "tonumber" => |a, _| to_impl(&a[0], &Type::Number),
            "tostring" => |a, _| to_impl(&a[0], &Type::String),
            "tolist" => |a, _| to_impl(&a[0], &Type::list(Type::Dynamic)),
            "toset" => |a, _| to_impl(&a[0], &Type::set(Type::Dynamic)),
            _ => |a, _| to_impl(&a[0], &Type::map(Type::Dynamic)),
        },
    }
}

fn to_impl(arg: &Value, want: &Type) -> Result<Value, FuncError> {
    // cty: an argument of unknown type (an untyped null) gives a result of unknown type,
    // so the value passes through as it is.
    if arg.ty() == Type::Dynamic {
        return Ok(arg.clone());
    }
    let (v, marks) = arg.clone().unmark();
    if !v.is_known() {
        let ty = v.ty();
        let out_ty = match (want, &ty) {
            (Type::List(_), Type::List(t) | Type::Set(t)) => Type::list((**t).clone()),
            (Type::Set(_), Type::List(t) | Type::Set(t)) => Type::set((**t).clone()),
            (Type::Map(_), Type::Map(t)) => Type::map((**t).clone()),
            _ => want.clone(),
        };
        return Ok(Value::unknown(out_ty).with_marks(marks));
    }
    // A partly unknown collection keeps its unknown elements.
    Ok(to_type(&v, want)?.with_marks(marks))
}

pub(crate) fn functions() -> Vec<Function> {
    let any = || {
        Param::new("value", Type::Dynamic)
            .nullable()
            .unknowns()
            .marked()
    };
    vec![
        to_func("tobool"),
        to_func("tonumber"),
        to_func("tostring"),
        to_func("tolist"),
        to_func("toset"),
        to_func("tomap"),
        Function {
            name: "sensitive",
            params: vec![any()],
            variadic: None,
            return_type: |t| Ok(t[0].clone()),
            imp: |a, _| Ok(a[0].clone().mark_sensitive()),
        },
        Function {
            name: "nonsensitive",
            params: vec![any()],
            variadic: None,
            return_type: |t| Ok(t[0].clone()),
            imp: |a, _| {
                if a[0].is_known() && !a[0].is_sensitive() {
                    return Err(FuncError::arg(
                        0,
                        "Invalid value for \"value\" parameter: the given value is not \
                         sensitive, so this call is redundant.",
                    ));
                }
                Ok(a[0].clone().unmark().0)
            },
        },
        Function {
            name: "issensitive",
            params: vec![any()],
            variadic: None,
            return_type: fixed_return!(Type::Bool),
            imp: |a, _| Ok(Value::bool(a[0].is_sensitive())),
        },
        Function {
            name: "defaults",
            params: vec![
                Param::new("input", Type::Dynamic)
                    .nullable()
                    .unknowns()
                    .marked(),
                Param::new("defaults", Type::Dynamic)
                    .nullable()
                    .unknowns()
                    .marked(),
            ],
            variadic: None,
            return_type: fixed_return!(Type::Dynamic),
            imp: |_, _| {
                Err(FuncError::new(
                    "this function is experimental and available only when the experiment \
                     keyword module_variable_optional_attrs is enabled for the current module",
                ))
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

    #[test]
    fn conversion_table() {
        let cases: Vec<(&str, Vec<Value>, Value)> = vec![
            ("tobool", vec![st("true")], Value::bool(true)),
            ("tobool", vec![Value::null_dynamic()], Value::null_dynamic()),
            (
                "tobool",
                vec![Value::null(Type::String)],
                Value::null(Type::Bool),
            ),
            ("tonumber", vec![st("1e3")], n("1000")),
            ("tostring", vec![n("1.5")], st("1.5")),
            ("tostring", vec![Value::bool(true)], st("true")),
            (
                "tostring",
                vec![Value::null_dynamic()],
                Value::null_dynamic(),
            ),
            (
                "tolist",
                vec![Value::set(Type::Number, vec![n("3"), n("1")])],
                Value::list(Type::Number, vec![n("1"), n("3")]),
            ),
            (
                "toset",
                vec![Value::list(Type::String, vec![st("b"), st("a"), st("b")])],
                Value::set(Type::String, vec![st("a"), st("b")]),
            ),
            (
                "tolist",
                vec![Value::tuple(vec![st("a"), st("b")])],
                Value::list(Type::String, vec![st("a"), st("b")]),
            ),
            (
                "tomap",
                vec![Value::object_from([("a", st("1")), ("b", st("x"))])],
                Value::map(
                    Type::String,
                    [("a".to_string(), st("1")), ("b".to_string(), st("x"))].into(),
                ),
            ),
            ("tolist", vec![Value::null_dynamic()], Value::null_dynamic()),
            ("issensitive", vec![n("1")], Value::bool(false)),
            (
                "issensitive",
                vec![n("1").mark_sensitive()],
                Value::bool(true),
            ),
            ("nonsensitive", vec![n("1").mark_sensitive()], n("1")),
        ];
        for (f, args, want) in cases {
            assert_eq!(call(f, &args), want, "{f}({args:?})");
        }
        assert!(call("sensitive", &[n("1")]).is_sensitive());
        assert!(call("tostring", &[n("1").mark_sensitive()]).is_sensitive());
        assert_eq!(
            call("tostring", &[Value::unknown(Type::Number)]),
            Value::unknown(Type::String)
        );
    }

    #[test]
    fn conversion_errors() {
        let cases: Vec<(&str, Vec<Value>, &str)> = vec![
            (
                "tobool",
                vec![st("yes")],
                "Invalid value for \"v\" parameter: cannot convert \"yes\" to bool; only the \
                 strings \"true\" or \"false\" are allowed.",
            ),
            (
                "tobool",
                vec![n("1")],
                "Invalid value for \"v\" parameter: cannot convert number to bool.",
            ),
            (
                "tonumber",
                vec![st("0x10")],
                "Invalid value for \"v\" parameter: cannot convert \"0x10\" to number; given \
                 string must be a decimal representation of a number.",
            ),
            (
                "tostring",
                vec![Value::tuple(vec![])],
                "Invalid value for \"v\" parameter: cannot convert tuple to string.",
            ),
            (
                "tolist",
                vec![Value::object_from([("a", n("1"))])],
                "Invalid value for \"v\" parameter: cannot convert object to list of any single \
                 type.",
            ),
            (
                "tomap",
                vec![Value::tuple(vec![n("1")])],
                "Invalid value for \"v\" parameter: cannot convert tuple to map of any single \
                 type.",
            ),
            (
                "nonsensitive",
                vec![n("1")],
                "Invalid value for \"value\" parameter: the given value is not sensitive, so \
                 this call is redundant.",
            ),
            (
                "defaults",
                vec![Value::empty_object(), Value::empty_object()],
                "this function is experimental and available only when the experiment keyword \
                 module_variable_optional_attrs is enabled for the current module",
            ),
        ];
        for (f, args, want) in cases {
            assert_eq!(call_err(f, &args).message, want, "{f}({args:?})");
        }
    }
}
