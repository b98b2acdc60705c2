//! Templates and heredocs. Expected values were taken from Terraform 1.0.3 (`terraform console`
//! on `local.hN` of a configuration holding these heredocs), since the console itself reads
//! one line at a time.

use girder_core::Value;
use girder_lang::eval::{eval, render_template, EvalContext};
use girder_lang::source::Expr;
use std::collections::BTreeMap;

fn ctx() -> EvalContext {
    let mut c = EvalContext::new(".");
    c.set("var", Value::object_from([("x", Value::string("X"))]));
    c
}

fn s(src: &str) -> String {
    let e = Expr::parse(src, "t.tf").unwrap_or_else(|d| panic!("{src}: {d}"));
    let v = eval(&e, &ctx()).unwrap_or_else(|d| panic!("{src}: {d:?}"));
    v.as_str()
        .unwrap_or_else(|| panic!("{src}: not a string: {v:?}"))
        .to_string()
}

#[test]
fn flush_heredoc() {
    assert_eq!(s("<<EOT\nhello\nworld\nEOT\n"), "hello\nworld\n");
    assert_eq!(s("<<EOT\nEOT\n"), "");
}

#[test]
fn indented_heredoc_strips_the_smallest_indent() {
    assert_eq!(s("<<-EOT\n    a\n      b\n    EOT\n"), "a\n  b\n");
    // empty lines do not count
    assert_eq!(s("<<-EOT\n  a\n\n  b\nEOT\n"), "a\n\nb\n");
    // a line of only spaces does not count and is kept as it is
    assert_eq!(s("<<-EOT\n    a\n  \n    b\n    EOT\n"), "a\n  \nb\n");
    // the literal before an interpolation counts
    assert_eq!(s("<<-EOT\n    a\n   ${var.x}\n    EOT\n"), " a\nX\n");
    // an interpolation at the start of a line means no indent at all
    assert_eq!(s("<<-EOT\n${var.x}\n  a\n  EOT\n"), "X\n  a\n");
    // tabs are whitespace too
    assert_eq!(s("<<-EOT\n\ttab\n\t  tab2\n\tEOT\n"), "tab\n  tab2\n");
}

#[test]
fn strip_markers_in_heredocs_reach_one_line() {
    let src = "<<EOT\n  a ${var.x} ~\n  %{~ if true ~}\n  yes\n  %{~ endif ~}\n  tail\nEOT\n";
    assert_eq!(s(src), "  a X ~\n  yes\n  tail\n");
    // stripping happens before dedenting: the stripped newline no longer starts a line
    assert_eq!(
        s("<<-EOT\n    x ${var.x ~}\n      y\n    EOT\n"),
        "x X      y\n"
    );
    assert_eq!(
        s("<<-EOT\n    %{ for i in [1,2] ~}\n    item ${i}\n    %{ endfor ~}\n    EOT\n"),
        "    item 1\n    item 2\n"
    );
}

#[test]
fn quoted_templates() {
    assert_eq!(s(r#""a\u00e9 $${lit} %%{lit}""#), "a\u{e9} ${lit} %{lit}");
    assert_eq!(s(r#""a ${~ "b" ~} c""#), "abc");
    assert_eq!(
        s(r#""%{for k, v in {a = 1, b = 2}}${k}=${v};%{endfor}""#),
        "a=1;b=2;"
    );
    assert_eq!(s(r#""%{if var.x == "X"}yes%{else}no%{endif}""#), "yes");
}

#[test]
fn single_interpolation_passes_the_value_through() {
    let e = Expr::parse(r#""${[1, 2]}""#, "t.tf").unwrap();
    let v = eval(&e, &ctx()).unwrap();
    assert_eq!(v, Value::tuple(vec![Value::int(1), Value::int(2)]));
}

#[test]
fn template_files() {
    let vars = BTreeMap::from([
        ("name".to_string(), Value::string("web")),
        (
            "ports".to_string(),
            Value::tuple(vec![Value::int(80), Value::int(443)]),
        ),
    ]);
    let out = render_template(
        "host ${name}\n%{ for p in ports ~}\nport ${p}\n%{ endfor ~}\n",
        "t.tpl",
        &vars,
    )
    .unwrap();
    assert_eq!(out.as_str().unwrap(), "host web\nport 80\nport 443\n");
    let err = render_template("${nope}", "t.tpl", &vars).unwrap_err();
    assert!(err.contains("t.tpl:1,3-7"), "{err}");
    assert!(err.contains("Unknown variable"), "{err}");
}
