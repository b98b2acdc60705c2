//! Terraform's numeric functions: abs, ceil, floor, log, max, min, parseint, pow, signum.
//!
//! Numbers are exact (`girder_core::Number`); `log` and `pow` compute in float64 as cty does.
//! Where Terraform panics (a NaN result: `log(-1, 10)`, `pow(-8, 1/3)`) we return an error.

use super::{FuncError, Function, ImplFn, Param};
use crate::fixed_return;
use girder_core::{Number, Type, Value};

fn num(v: &Value) -> &Number {
    v.as_number().expect("converted to number")
}

fn unary(name: &'static str, imp: ImplFn) -> Function {
    Function {
        name,
        params: vec![Param::new("num", Type::Number)],
        variadic: None,
        return_type: fixed_return!(Type::Number),
        imp,
    }
}

/// The message gocty gives when a number does not fit a Go `int`.
pub(super) const WHOLE_NUMBER: &str =
    "value must be a whole number, between -9223372036854775808 and 9223372036854775807";

/// A number as a Go `int` (gocty's rule), or its error message.
pub(super) fn to_int(n: &Number) -> Result<i64, &'static str> {
    if n.is_integer() {
        n.to_i64().ok_or(WHOLE_NUMBER)
    } else {
        Err(WHOLE_NUMBER)
    }
}

fn signum(n: &Number) -> Result<Value, FuncError> {
    // cty 1.9 converts to a Go int first.
    to_int(n).map_err(FuncError::new)?;
    Ok(Value::int(i64::from(n.signum())))
}

fn float_result(f: f64) -> Result<Value, FuncError> {
    Number::from_f64(f)
        .map(Value::number)
        .ok_or_else(|| FuncError::new("the result is not a number (NaN)"))
}

fn extreme(args: &[Value], want_max: bool) -> Result<Value, FuncError> {
    let mut best: Option<&Value> = None;
    for a in args {
        let n = num(a);
        best = match best {
            None => Some(a),
            Some(b) => {
                let bn = num(b);
                if (want_max && n > bn) || (!want_max && n < bn) {
                    Some(a)
                } else {
                    Some(b)
                }
            }
        };
    }
    best.cloned()
        .ok_or_else(|| FuncError::new("must pass at least one number"))
}

pub(crate) fn functions() -> Vec<Function> {
    vec![
        unary("abs", |a, _| Ok(Value::number(num(&a[0]).abs()))),
        unary("ceil", |a, _| Ok(Value::number(num(&a[0]).ceil()))),
        unary("floor", |a, _| Ok(Value::number(num(&a[0]).floor()))),
        unary("signum", |a, _| signum(num(&a[0]))),
        Function {
            name: "log",
            params: vec![
                Param::new("num", Type::Number),
                Param::new("base", Type::Number),
            ],
            variadic: None,
            return_type: fixed_return!(Type::Number),
            imp: |a, _| {
                let x = num(&a[0]).to_f64();
                let b = num(&a[1]).to_f64();
                float_result(x.ln() / b.ln())
            },
        },
        Function {
            name: "pow",
            params: vec![
                Param::new("num", Type::Number),
                Param::new("power", Type::Number),
            ],
            variadic: None,
            return_type: fixed_return!(Type::Number),
            imp: |a, _| float_result(num(&a[0]).to_f64().powf(num(&a[1]).to_f64())),
        },
        Function {
            name: "max",
            params: vec![],
            variadic: Some(Param::new("numbers", Type::Number)),
            return_type: fixed_return!(Type::Number),
            imp: |a, _| extreme(a, true),
        },
        Function {
            name: "min",
            params: vec![],
            variadic: Some(Param::new("numbers", Type::Number)),
            return_type: fixed_return!(Type::Number),
            imp: |a, _| extreme(a, false),
        },
        Function {
            name: "parseint",
            params: vec![
                Param::new("number", Type::Dynamic),
                Param::new("base", Type::Number),
            ],
            variadic: None,
            return_type: |tys| {
                if tys[0] != Type::String && tys[0] != Type::Dynamic {
                    return Err(FuncError::arg(
                        0,
                        format!(
                            "Invalid value for \"number\" parameter: first argument must be a \
                             string, not {}.",
                            tys[0].friendly_name()
                        ),
                    ));
                }
                Ok(Type::Number)
            },
            imp: |a, _| {
                let Some(s) = a[0].as_str() else {
                    return Err(FuncError::arg(
                        0,
                        format!(
                            "Invalid value for \"number\" parameter: first argument must be a \
                             string, not {}.",
                            a[0].ty().friendly_name()
                        ),
                    ));
                };
                let base = to_int(num(&a[1])).map_err(|m| {
                    FuncError::arg(1, format!("Invalid value for \"base\" parameter: {m}."))
                })?;
                if !(2..=62).contains(&base) {
                    return Err(FuncError::arg(
                        1,
                        "Invalid value for \"base\" parameter: base must be a whole number \
                         between 2 and 62 inclusive.",
                    ));
                }
                Number::parse_radix(s, base as u32)
                    .map(Value::number)
                    .map_err(|_| {
                        FuncError::arg(
                            0,
                            format!(
                                "Invalid value for \"number\" parameter: cannot parse {} as a \
                                 base {base} integer.",
                                go_quote(s)
                            ),
                        )
                    })
            },
        },
    ]
}

/// Go's `%q` of a string (strconv.Quote): printable runes as they are, the rest escaped.
pub(super) fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if c.is_control() => {
                if (c as u32) < 0x10000 {
                    out.push_str(&format!("\\u{:04x}", c as u32));
                } else {
                    out.push_str(&format!("\\U{:08x}", c as u32));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use crate::functions::numeric::test_support::{call, call_err};
    use girder_core::{Number, Type, Value};

    fn n(s: &str) -> Value {
        Value::number(Number::parse(s).unwrap())
    }

    #[test]
    fn abs_propagates_unknown_and_marks() {
        assert_eq!(call("abs", &[Value::int(-3)]), Value::int(3));
        assert_eq!(
            call("abs", &[Value::unknown(Type::Number)]),
            Value::unknown(Type::Number)
        );
        assert!(call("abs", &[Value::int(-3).mark_sensitive()]).is_sensitive());
    }

    #[test]
    fn numeric_table() {
        let cases: &[(&str, Vec<Value>, &str)] = &[
            ("abs", vec![n("-1.5")], "1.5"),
            ("abs", vec![n("-0")], "0"),
            ("ceil", vec![n("1.2")], "2"),
            ("ceil", vec![n("-1.5")], "-1"),
            ("floor", vec![n("-1.5")], "-2"),
            ("floor", vec![n("1e400")], &format!("1{}", "0".repeat(400))),
            ("ceil", vec![n("Inf")], "+Inf"),
            ("signum", vec![n("-5")], "-1"),
            ("signum", vec![n("0")], "0"),
            ("signum", vec![n("7")], "1"),
            ("log", vec![n("8"), n("2")], "3"),
            ("log", vec![n("0"), n("10")], "-Inf"),
            ("log", vec![n("10"), n("1")], "+Inf"),
            ("log", vec![n("100000"), n("10")], "5"),
            ("pow", vec![n("2"), n("0.5")], "1.4142135623730951"),
            ("pow", vec![n("10"), n("20")], "100000000000000000000"),
            ("pow", vec![n("0"), n("-1")], "+Inf"),
            ("pow", vec![n("1.5"), n("2")], "2.25"),
            ("max", vec![n("1"), n("3"), n("2")], "3"),
            ("min", vec![n("1"), n("3"), n("-2")], "-2"),
            ("max", vec![n("1"), n("Inf")], "+Inf"),
            ("parseint", vec![Value::string("ff"), n("16")], "255"),
            ("parseint", vec![Value::string("aB"), n("16")], "171"),
            ("parseint", vec![Value::string("FF"), n("62")], "2583"),
            ("parseint", vec![Value::string("-1"), n("2")], "-1"),
            ("parseint", vec![Value::string("-0"), n("10")], "0"),
            (
                "parseint",
                vec![Value::string("10000000000000000000000000"), n("10")],
                "10000000000000000000000000",
            ),
        ];
        for (f, args, want) in cases {
            let got = call(f, args);
            assert_eq!(got.as_number().unwrap().to_string(), *want, "{f}({args:?})");
        }
    }

    #[test]
    fn numeric_errors() {
        let cases: &[(&str, Vec<Value>, Option<usize>, &str)] = &[
            ("max", vec![], None, "must pass at least one number"),
            (
                "min",
                vec![Value::string("a")],
                Some(0),
                "Invalid value for \"numbers\" parameter: a number is required.",
            ),
            (
                "abs",
                vec![Value::null_dynamic()],
                Some(0),
                "Invalid value for \"num\" parameter: argument must not be null.",
            ),
            (
                "signum",
                vec![n("-5.5")],
                None,
                "value must be a whole number, between -9223372036854775808 and \
                 9223372036854775807",
            ),
            (
                "parseint",
                vec![Value::string("12.5"), n("10")],
                Some(0),
                "Invalid value for \"number\" parameter: cannot parse \"12.5\" as a base 10 \
                 integer.",
            ),
            (
                "parseint",
                vec![Value::string("1"), n("63")],
                Some(1),
                "Invalid value for \"base\" parameter: base must be a whole number between 2 \
                 and 62 inclusive.",
            ),
            (
                "parseint",
                vec![Value::string("1"), n("1.5")],
                Some(1),
                "Invalid value for \"base\" parameter: value must be a whole number, between \
                 -9223372036854775808 and 9223372036854775807.",
            ),
            (
                "parseint",
                vec![Value::int(12), n("10")],
                Some(0),
                "Invalid value for \"number\" parameter: first argument must be a string, not \
                 number.",
            ),
        ];
        for (f, args, arg, msg) in cases {
            let e = call_err(f, args);
            assert_eq!(e.message, *msg, "{f}({args:?})");
            assert_eq!(e.arg, *arg, "{f}({args:?})");
        }
        // NaN results are errors, not panics.
        assert!(call_err("log", &[n("-1"), n("10")]).message.contains("NaN"));
    }

    #[test]
    fn max_keeps_marks() {
        assert!(call("max", &[Value::int(1).mark_sensitive(), Value::int(2)]).is_sensitive());
    }
}

/// Calling functions in unit tests.
#[cfg(test)]
pub(super) mod test_support {
    use crate::functions::{CallContext, FuncError, FunctionTable};
    use girder_core::Value;

    /// Calls a built-in function, returning its result or error.
    pub(crate) fn try_call(name: &str, args: &[Value]) -> Result<Value, FuncError> {
        let t = FunctionTable::builtin();
        let render = |_: &str, _: &str, _: &std::collections::BTreeMap<String, Value>| {
            Err("no templates here".to_string())
        };
        let ctx = CallContext {
            base_dir: std::path::Path::new("."),
            render_template: &render,
        };
        t.get(name)
            .unwrap_or_else(|| panic!("no function {name}"))
            .call(args, &ctx)
    }
    /// Calls a function that must succeed.
    pub(crate) fn call(name: &str, args: &[Value]) -> Value {
        try_call(name, args).unwrap_or_else(|e| panic!("{name}({args:?}) failed: {e:?}"))
    }
    /// Calls a function that must fail.
    pub(crate) fn call_err(name: &str, args: &[Value]) -> FuncError {
        match try_call(name, args) {
            Ok(v) => panic!("{name}({args:?}) succeeded with {v:?}"),
            Err(e) => e,
        }
    }
}
