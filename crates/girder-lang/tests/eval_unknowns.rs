//! Unknown values and sensitive marks through every construct, and diagnostics with spans.
//! (Unknowns cannot be reached from `terraform console`, so these follow cty's rules as read
//! from its source; sensitive cases mirror what Terraform 1.0.3's console prints.)

use girder_core::{Type, Value};
use girder_lang::eval::{eval, EvalContext};
use girder_lang::source::Expr;

fn ctx() -> EvalContext {
    let mut c = EvalContext::new(".");
    c.set(
        "var",
        Value::object_from([
            ("u", Value::unknown(Type::String)),
            ("un", Value::unknown(Type::Number)),
            ("ub", Value::unknown(Type::Bool)),
            ("ud", Value::unknown_dynamic()),
            ("ul", Value::unknown(Type::list(Type::String))),
            (
                "obj",
                Value::object_from([
                    ("known", Value::int(1)),
                    ("later", Value::unknown(Type::String)),
                ]),
            ),
            ("s", Value::string("secret").mark_sensitive()),
            (
                "sl",
                Value::tuple(vec![Value::int(1), Value::int(2)]).mark_sensitive(),
            ),
            ("n", Value::int(5)),
        ]),
    );
    c
}

fn ev(src: &str) -> Value {
    let e = Expr::parse(src, "t.tf").unwrap();
    eval(&e, &ctx()).unwrap_or_else(|d| panic!("{src}: {d:?}"))
}

fn err(src: &str) -> girder_core::Diagnostic {
    let e = Expr::parse(src, "t.tf").unwrap();
    let d = eval(&e, &ctx()).expect_err(src);
    d.0.into_iter().next().unwrap()
}

#[test]
fn operators_on_unknowns_are_typed_unknowns() {
    assert_eq!(ev("var.un + 1"), Value::unknown(Type::Number));
    assert_eq!(ev("var.un < 1"), Value::unknown(Type::Bool));
    assert_eq!(ev("var.ub && false"), Value::unknown(Type::Bool));
    assert_eq!(ev("!var.ub"), Value::unknown(Type::Bool));
    assert_eq!(ev("-var.un"), Value::unknown(Type::Number));
    assert_eq!(ev("var.u == \"a\""), Value::unknown(Type::Bool));
    // different known types never compare equal, even with an unknown
    assert_eq!(ev("var.u == 1"), Value::bool(false));
    assert_eq!(ev("var.ud == 1"), Value::unknown(Type::Bool));
    assert_eq!(ev("null == var.u"), Value::unknown(Type::Bool));
}

#[test]
fn unknowns_through_templates_conditionals_and_access() {
    assert_eq!(ev("\"x-${var.u}\""), Value::unknown(Type::String));
    assert_eq!(ev("var.ub ? 1 : 2"), Value::unknown(Type::Number));
    assert_eq!(ev("var.ul[0]"), Value::unknown(Type::String));
    assert_eq!(ev("var.ud.anything"), Value::unknown_dynamic());
    assert_eq!(ev("var.obj.known"), Value::int(1));
    assert_eq!(ev("[for x in var.ul : x]"), Value::unknown_dynamic());
    assert_eq!(ev("var.ul[*]"), Value::unknown_dynamic());
    assert_eq!(ev("abs(var.un)"), Value::unknown(Type::Number));
    assert!(ev("abs(var.un)").ty() == Type::Number);
    assert_eq!(
        ev("[for x in [1, 2] : x if var.ub]"),
        Value::unknown_dynamic()
    );
    assert_eq!(
        ev("{for x in [\"a\"] : var.u => x}"),
        Value::unknown_dynamic()
    );
}

#[test]
fn try_and_can_wait_for_unknowns() {
    assert_eq!(ev("try(var.obj.later, \"x\")"), Value::unknown_dynamic());
    assert_eq!(ev("try(var.obj.known, \"x\")"), Value::int(1));
    assert_eq!(ev("can(var.ul[3])"), Value::unknown(Type::Bool));
    assert_eq!(ev("can(var.n + 1)"), Value::bool(true));
    assert_eq!(ev("can(var.nope)"), Value::bool(false));
    assert_eq!(ev("try(var.nope, var.n)"), Value::int(5));
}

#[test]
fn sensitive_marks_propagate() {
    assert!(ev("var.s").is_sensitive());
    assert!(ev("\"${var.s}!\"").is_sensitive());
    assert!(ev("var.s == \"x\"").is_sensitive());
    assert!(ev("var.sl[0]").is_sensitive());
    assert!(ev("[for x in var.sl : x]").is_sensitive());
    assert!(ev("var.sl[*]").is_sensitive());
    assert!(ev("abs(var.sl[1]) + 1").is_sensitive());
    assert!(!ev("var.n + 1").is_sensitive());
    assert!(ev("true ? var.s : \"b\"").is_sensitive());
    assert!(ev("[var.s]").contains_sensitive());
}

#[test]
fn diagnostics_point_at_the_offending_subexpression() {
    let d = err("1 + {a = 1}.b");
    assert_eq!(d.summary, "Unsupported attribute");
    let sp = d.span.unwrap();
    assert_eq!((sp.start.column, sp.end.column), (12, 14));
    let d = err("var.n + \"x\"");
    assert_eq!(d.summary, "Invalid operand");
    assert_eq!(d.span.unwrap().start.column, 9);
    let d = err("abs(1, 2)");
    assert_eq!(d.summary, "Too many function arguments");
    assert_eq!(d.span.unwrap().start.column, 8);
    let d = err("nope");
    assert_eq!(
        (d.summary.as_str(), d.detail.as_str()),
        ("Unknown variable", "There is no variable named \"nope\".")
    );
    let d = err("[for x in [1] : y]");
    assert_eq!(d.summary, "Unknown variable");
    assert_eq!(d.span.unwrap().start.column, 17);
}

#[test]
fn for_iterators_shadow_and_unwind() {
    assert_eq!(
        ev("[for n in [1, 2] : n * var.n]"),
        Value::tuple(vec![Value::int(5), Value::int(10)])
    );
    let e = Expr::parse("[[for x in [1] : x], x]", "t.tf").unwrap();
    assert!(eval(&e, &ctx()).is_err());
}
