//! Type constraints: parsing, optional attributes with defaults (Terraform 1.3 semantics),
//! conversion with paths.

use girder_core::{Type, Value};
use girder_lang::eval::typeexpr::{parse, parse_type};
use girder_lang::eval::{eval, EvalContext};
use girder_lang::source::Expr;

fn ty(src: &str) -> Type {
    parse_type(&Expr::parse(src, "v.tf").unwrap()).unwrap_or_else(|d| panic!("{src}: {d:?}"))
}

fn val(src: &str) -> Value {
    eval(&Expr::parse(src, "v.tf").unwrap(), &EvalContext::new(".")).unwrap()
}

#[test]
fn primitive_and_collection_types() {
    assert_eq!(ty("string"), Type::String);
    assert_eq!(ty("any"), Type::Dynamic);
    assert_eq!(ty("list(number)"), Type::list(Type::Number));
    assert_eq!(ty("map(set(bool))"), Type::map(Type::set(Type::Bool)));
    assert_eq!(
        ty("tuple([string, number])"),
        Type::Tuple(vec![Type::String, Type::Number].into())
    );
    let o = ty("object({name = string, size = optional(number)})");
    let Type::Object(o) = o else { panic!() };
    assert_eq!(o.attrs.len(), 2);
    assert!(o.optional.contains("size"));
}

#[test]
fn invalid_type_specifications() {
    for (src, detail) in [
        ("list", "The list type constructor requires one argument specifying the element type."),
        ("strin", "The keyword \"strin\" is not a valid type specification."),
        ("foo(string)", "Keyword \"foo\" is not a valid type constructor."),
        ("optional(string)", "Keyword \"optional\" is valid only as a modifier for object type attributes."),
        ("\"string\"", "A type specification is either a primitive type keyword (bool, number, string) or a complex type constructor call, like list(string)."),
        ("object({a = optional(string, 1, 2)})", "Optional attribute modifier expects at most two arguments: the attribute type, and a default value."),
    ] {
        let d = parse(&Expr::parse(src, "v.tf").unwrap()).unwrap_err();
        assert_eq!(d.0[0].summary, "Invalid type specification", "{src}");
        assert_eq!(d.0[0].detail, detail, "{src}");
        assert!(d.0[0].span.is_some());
    }
    let d =
        parse(&Expr::parse("object({a = optional(number, \"x\")})", "v.tf").unwrap()).unwrap_err();
    assert_eq!(
        d.0[0].summary,
        "Invalid default value for optional attribute"
    );
}

#[test]
fn defaults_fill_missing_and_null_attributes() {
    let tc = parse(
        &Expr::parse(
            "object({name = string, size = optional(number, 3), tags = optional(map(string), {}), nested = optional(list(object({x = optional(bool, true)})), [])})",
            "v.tf",
        )
        .unwrap(),
    )
    .unwrap();
    let v = tc
        .convert(
            &val("{name = \"a\", size = null, nested = [{}, {x = false}]}"),
            "var.s",
        )
        .unwrap();
    assert_eq!(v.get_attr("size"), Some(&Value::int(3)));
    assert_eq!(v.get_attr("tags").unwrap().len(), Some(0));
    let nested = v.get_attr("nested").unwrap().as_seq().unwrap();
    assert_eq!(nested[0].get_attr("x"), Some(&Value::bool(true)));
    assert_eq!(nested[1].get_attr("x"), Some(&Value::bool(false)));
    // missing optional attributes without defaults are null
    let tc = parse(&Expr::parse("object({a = optional(string)})", "v.tf").unwrap()).unwrap();
    let v = tc.convert(&val("{}"), "var.o").unwrap();
    assert_eq!(v.get_attr("a"), Some(&Value::null(Type::String)));
}

#[test]
fn conversion_errors_name_the_path() {
    let tc = parse(&Expr::parse("object({labels = map(number), name = string})", "v.tf").unwrap())
        .unwrap();
    let e = tc
        .convert(
            &val("{labels = {x = \"nope\"}, name = \"n\"}"),
            "var.settings",
        )
        .unwrap_err();
    assert_eq!(e.path, "var.settings.labels[\"x\"]");
    assert_eq!(e.message, "a number is required");
    let e = tc
        .convert(&val("{labels = {}}"), "var.settings")
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "var.settings: attribute \"name\" is required"
    );
    let e = parse(&Expr::parse("list(string)", "v.tf").unwrap())
        .unwrap()
        .convert(&val("[\"a\", [1]]"), "var.l")
        .unwrap_err();
    assert_eq!(e.to_string(), "var.l: element 1: string required");
}
