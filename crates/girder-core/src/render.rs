//! Values rendered the way `terraform console` (1.0.3) prints them: strings quoted with Go's
//! `strconv.Quote` (or as a heredoc when they contain newlines), collections one element per
//! line with two-space indentation and trailing commas, `tolist(...)` / `toset(...)` /
//! `tomap(...)` around collection types, typed nulls as `tostring(null)` etc., unknown values as
//! `(known after apply)` and sensitive values as `(sensitive)`.

use crate::types::Type;
use crate::value::{Kind, Value};
use std::fmt::Write as _;

/// The console rendering of `v`.
pub fn console(v: &Value) -> String {
    let mut out = String::new();
    format_value(v, 0, &mut out);
    out
}

fn format_value(v: &Value, indent: usize, out: &mut String) {
    if !v.is_known() {
        out.push_str("(known after apply)");
        return;
    }
    if !v.marks().is_empty() {
        out.push_str("(sensitive)");
        return;
    }
    match v.kind() {
        Kind::Null(ty) => out.push_str(&typed_null(ty)),
        Kind::Unknown(_) => out.push_str("(known after apply)"),
        Kind::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Kind::Number(n) => {
            let _ = write!(out, "{n}");
        }
        Kind::String(s) => {
            if !format_multiline(s, indent, out) {
                out.push_str(&go_quote(s));
            }
        }
        Kind::Tuple(items) => format_seq(items, indent, out),
        Kind::List(_, items) => {
            out.push_str("tolist(");
            format_seq(items, indent, out);
            out.push(')');
        }
        Kind::Set(_, items) => {
            out.push_str("toset(");
            format_seq(items, indent, out);
            out.push(')');
        }
        Kind::Object(m) => format_map(m, indent, out),
        Kind::Map(_, m) => {
            out.push_str("tomap(");
            format_map(m, indent, out);
            out.push(')');
        }
    }
}

fn typed_null(ty: &Type) -> String {
    match ty {
        Type::Dynamic => "null".into(),
        Type::String => "tostring(null)".into(),
        Type::Number => "tonumber(null)".into(),
        Type::Bool => "tobool(null)".into(),
        Type::List(e) => format!("tolist(null) /* of {} */", e.friendly_name()),
        Type::Set(e) => format!("toset(null) /* of {} */", e.friendly_name()),
        Type::Map(e) => format!("tomap(null) /* of {} */", e.friendly_name()),
        t => format!("null /* {} */", t.friendly_name()),
    }
}

fn format_multiline(s: &str, indent: usize, out: &mut String) -> bool {
    let lines: Vec<&str> = s.split('\n').collect();
    if lines.len() < 2 {
        return false;
    }
    let op = if indent > 0 { "<<-" } else { "<<" };
    let mut delim = String::from("EOT");
    while lines.iter().any(|l| l.trim() == delim) {
        delim.push('_');
    }
    let pad = " ".repeat(indent);
    out.push_str(op);
    out.push_str(&delim);
    for l in &lines {
        out.push('\n');
        out.push_str(&pad);
        out.push_str(l);
    }
    out.push('\n');
    out.push_str(&pad);
    out.push_str(&delim);
    true
}

fn format_seq(items: &[Value], indent: usize, out: &mut String) {
    out.push('[');
    let inner = indent + 2;
    for it in items {
        out.push('\n');
        out.push_str(&" ".repeat(inner));
        format_value(it, inner, out);
        out.push(',');
    }
    if !items.is_empty() {
        out.push('\n');
        out.push_str(&" ".repeat(indent));
    }
    out.push(']');
}

fn format_map(m: &crate::ValueMap, indent: usize, out: &mut String) {
    out.push('{');
    let inner = indent + 2;
    for (k, v) in m {
        out.push('\n');
        out.push_str(&" ".repeat(inner));
        if !format_multiline(k, inner, out) {
            out.push_str(&go_quote(k));
        }
        out.push_str(" = ");
        format_value(v, inner, out);
    }
    if !m.is_empty() {
        out.push('\n');
        out.push_str(&" ".repeat(indent));
    }
    out.push('}');
}

/// Is `c` printable by Go's `strconv.IsPrint` (letters, marks, numbers, punctuation, symbols
/// and the ASCII space)? An approximation of Unicode categories good for the characters that
/// appear in configurations: controls, non-ASCII spaces, format characters, private-use and
/// unassigned surrogate ranges are not printable.
fn is_go_print(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    let u = c as u32;
    !matches!(u,
        0xAD | 0x600..=0x605 | 0x61C | 0x6DD | 0x70F | 0x180E | 0x200B..=0x200F
        | 0x202A..=0x202E | 0x2060..=0x2064 | 0x2066..=0x206F | 0xFEFF | 0xFFF9..=0xFFFB
        | 0xE000..=0xF8FF | 0xF0000..=0x10FFFF | 0xFFFE | 0xFFFF)
}

/// Go's `strconv.Quote`.
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if is_go_print(c) => out.push(c),
            c if (c as u32) < 0x80 => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if (c as u32) < 0x10000 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => {
                let _ = write!(out, "\\U{:08x}", c as u32);
            }
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn primitives_and_nulls() {
        assert_eq!(console(&Value::string("a\"b\u{1}")), "\"a\\\"b\\x01\"");
        assert_eq!(console(&Value::null(Type::String)), "tostring(null)");
        assert_eq!(
            console(&Value::null(Type::list(Type::Number))),
            "tolist(null) /* of number */"
        );
        assert_eq!(
            console(&Value::null(Type::empty_object())),
            "null /* object */"
        );
        assert_eq!(
            console(&Value::unknown(Type::String)),
            "(known after apply)"
        );
        assert_eq!(console(&Value::int(3).mark_sensitive()), "(sensitive)");
    }

    #[test]
    fn nested_layout() {
        let v = Value::object_from([
            ("a", Value::list(Type::Number, vec![Value::int(1)])),
            (
                "m",
                Value::map(
                    Type::String,
                    BTreeMap::from([("x".to_string(), Value::string("p\nq"))]).into(),
                ),
            ),
            ("s", Value::set(Type::String, vec![])),
        ]);
        assert_eq!(
            console(&v),
            "{\n  \"a\" = tolist([\n    1,\n  ])\n  \"m\" = tomap({\n    \"x\" = <<-EOT\n    p\n    q\n    EOT\n  })\n  \"s\" = toset([])\n}"
        );
        assert_eq!(console(&Value::string("a\nEOT")), "<<EOT_\na\nEOT\nEOT_");
    }
}
