//! Terraform's JSON syntax (`*.tf.json`), mapped to the equivalent native syntax and then loaded
//! by the same code as `.tf` files.
//!
//! The mapping follows Terraform's rules: the top-level object's properties are block types;
//! labelled block types nest one object per label; a block's body is an object (or an array of
//! objects for repeated blocks); strings are string templates (`"${var.x}"`) except where
//! Terraform reads them as expressions (`type`, `depends_on`, `provider`, `providers`,
//! `ignore_changes`, `replace_triggered_by`, moved/import/removed addresses); `"//"`
//! properties are comments. Without a provider schema, an array of objects in a resource or
//! provider body is taken as repeated nested blocks, a single object as a map argument, except
//! for the well-known nested blocks (`lifecycle`, `timeouts`, `default_tags`, ...).
//!
//! Spans of a JSON file point into the generated native text, which keeps one JSON property per
//! line in the same order.

use serde_json::Value as J;
use std::fmt::Write;

/// Converts a `.tf.json` text to native syntax. Errors: (message, byte offset).
pub(crate) fn json_to_hcl(text: &str) -> Result<String, (String, usize)> {
    let v: J = serde_json::from_str(text).map_err(|e| {
        let off = text
            .split_inclusive('\n')
            .take(e.line().saturating_sub(1))
            .map(str::len)
            .sum::<usize>()
            + e.column().saturating_sub(1);
        (
            format!("The JSON could not be parsed: {e}."),
            off.min(text.len()),
        )
    })?;
    let J::Object(top) = v else {
        return Err((
            "The root of a JSON configuration file must be an object.".into(),
            0,
        ));
    };
    let mut out = String::new();
    for (ty, val) in &top {
        if ty == "//" {
            continue;
        }
        let nlabels = match ty.as_str() {
            "resource" | "data" => 2,
            "variable" | "output" | "module" | "provider" | "check" => 1,
            _ => 0,
        };
        emit_labelled(&mut out, ty, &mut vec![], nlabels, val, 0)?;
    }
    Ok(out)
}

fn emit_labelled(
    out: &mut String,
    ty: &str,
    labels: &mut Vec<String>,
    left: usize,
    v: &J,
    depth: usize,
) -> Result<(), (String, usize)> {
    if left == 0 {
        match v {
            J::Array(items) => {
                for i in items {
                    emit_block(out, ty, labels, i, depth)?;
                }
                Ok(())
            }
            _ => emit_block(out, ty, labels, v, depth),
        }
    } else {
        let J::Object(m) = v else {
            return Err((
                format!("A JSON object is required for the labels of a \"{ty}\" block."),
                0,
            ));
        };
        for (label, inner) in m {
            if label == "//" {
                continue;
            }
            labels.push(label.clone());
            emit_labelled(out, ty, labels, left - 1, inner, depth)?;
            labels.pop();
        }
        Ok(())
    }
}

fn indent(out: &mut String, depth: usize) {
    for _ in 0..depth {
        out.push_str("  ");
    }
}

fn emit_block(
    out: &mut String,
    ty: &str,
    labels: &[String],
    v: &J,
    depth: usize,
) -> Result<(), (String, usize)> {
    let J::Object(body) = v else {
        return Err((
            format!("A JSON object is required for the body of a \"{ty}\" block."),
            0,
        ));
    };
    indent(out, depth);
    out.push_str(ty);
    for l in labels {
        let _ = write!(out, " {}", quote_literal(l));
    }
    out.push_str(" {\n");
    for (k, val) in body {
        if k == "//" {
            continue;
        }
        if ty == "locals" {
            emit_attr(out, k, val, false, depth + 1);
            continue;
        }
        if let Some(nl) = nested_block_labels(ty, k, val) {
            let mut ls = vec![];
            emit_labelled(out, k, &mut ls, nl, val, depth + 1)?;
            continue;
        }
        let raw = is_raw_expr(ty, k);
        emit_attr(out, k, val, raw, depth + 1);
    }
    indent(out, depth);
    out.push_str("}\n");
    Ok(())
}

/// If property `k` of a `ty` block is a nested block, its label count.
fn nested_block_labels(ty: &str, k: &str, v: &J) -> Option<usize> {
    match (ty, k) {
        ("terraform", "required_providers") => Some(0),
        ("terraform", "backend" | "provider_meta") => Some(1),
        ("variable", "validation") => Some(0),
        ("output", "precondition") => Some(0),
        ("resource" | "data", "lifecycle" | "connection" | "timeouts") => Some(0),
        ("resource" | "data", "provisioner" | "dynamic") => Some(1),
        ("lifecycle", "precondition" | "postcondition") => Some(0),
        ("dynamic", "content") => Some(0),
        ("removed", "lifecycle") => Some(0),
        ("check", "assert") => Some(0),
        ("check", "data") => Some(2),
        ("provider", "default_tags" | "assume_role" | "ignore_tags" | "endpoints") => Some(0),
        (
            "module" | "variable" | "output" | "terraform" | "locals" | "moved" | "import"
            | "removed",
            _,
        ) => None,
        (_, _) => match v {
            J::Array(items) if !items.is_empty() && items.iter().all(J::is_object) => Some(0),
            _ => None,
        },
    }
}

/// Properties whose strings Terraform reads as expressions, not templates.
fn is_raw_expr(ty: &str, k: &str) -> bool {
    matches!(
        (ty, k),
        ("variable", "type")
            | (_, "depends_on")
            | ("resource" | "data" | "import", "provider")
            | ("module", "providers")
            | ("lifecycle", "ignore_changes" | "replace_triggered_by")
            | ("moved", "from" | "to")
            | ("import", "to")
            | ("removed", "from")
            | ("terraform", "experiments")
            | ("dynamic", "iterator")
    )
}

fn emit_attr(out: &mut String, k: &str, v: &J, raw: bool, depth: usize) {
    indent(out, depth);
    if crate::config::load::is_identifier(k) {
        out.push_str(k);
    } else {
        // not representable as an argument name; keep it visible as a quoted (invalid) name
        out.push_str(&quote_literal(k));
    }
    out.push_str(" = ");
    emit_value(out, v, raw);
    out.push('\n');
}

fn emit_value(out: &mut String, v: &J, raw: bool) {
    match v {
        J::Null => out.push_str("null"),
        J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        J::Number(n) => out.push_str(&n.to_string()),
        J::String(s) => {
            if raw {
                out.push_str(s);
            } else {
                out.push_str(&quote_template(s));
            }
        }
        J::Array(items) => {
            out.push('[');
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                emit_value(out, x, raw);
            }
            out.push(']');
        }
        J::Object(m) => {
            out.push('{');
            let mut first = true;
            for (k, x) in m {
                if k == "//" {
                    continue;
                }
                if !first {
                    out.push_str(", ");
                }
                first = false;
                if raw {
                    out.push_str(k);
                } else {
                    out.push_str(&quote_template(k));
                }
                out.push_str(" = ");
                emit_value(out, x, raw);
            }
            out.push('}');
        }
    }
}

/// A quoted string with no interpolation.
fn quote_literal(s: &str) -> String {
    let mut o = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            '\r' => o.push_str("\\r"),
            '\t' => o.push_str("\\t"),
            c => o.push(c),
        }
    }
    o.replace("${", "$${").replace("%{", "%%{") + "\""
}

/// A quoted template: text outside `${...}` / `%{...}` is escaped; sequences inside are kept.
fn quote_template(s: &str) -> String {
    let mut o = String::from("\"");
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    let mut depth = 0usize;
    let mut in_str = false;
    while i < chars.len() {
        let c = chars[i];
        if depth == 0 {
            if (c == '$' || c == '%')
                && chars.get(i + 1) == Some(&c)
                && chars.get(i + 2) == Some(&'{')
            {
                // `$${` is the escape for a literal `${`: kept as it is
                o.push(c);
                o.push(c);
                o.push('{');
                i += 3;
                continue;
            }
            if (c == '$' || c == '%') && chars.get(i + 1) == Some(&'{') {
                o.push(c);
                o.push('{');
                depth = 1;
                i += 2;
                continue;
            }
            match c {
                '"' => o.push_str("\\\""),
                '\\' => o.push_str("\\\\"),
                '\n' => o.push_str("\\n"),
                '\r' => o.push_str("\\r"),
                '\t' => o.push_str("\\t"),
                c => o.push(c),
            }
        } else {
            o.push(c);
            if in_str {
                if c == '\\' {
                    if let Some(n) = chars.get(i + 1) {
                        o.push(*n);
                        i += 1;
                    }
                } else if c == '"' {
                    in_str = false;
                }
            } else if c == '"' {
                in_str = true;
            } else if c == '{' {
                depth += 1;
            } else if c == '}' {
                depth -= 1;
            }
        }
        i += 1;
    }
    o.push('"');
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_blocks_and_templates() {
        let j = r#"{
          "variable": {"region": {"type": "string", "default": "eu-west-1"}},
          "resource": {"aws_vpc": {"main": {"cidr_block": "${var.cidr}", "tags": {"Name": "a\"b"},
             "lifecycle": {"ignore_changes": ["tags"]}}}},
          "locals": {"x": "${lookup(var.m, \"k\")}-y"},
          "//": "comment"
        }"#;
        let h = json_to_hcl(j).unwrap();
        assert!(
            h.contains("variable \"region\" {\n  type = string\n"),
            "{h}"
        );
        assert!(h.contains("cidr_block = \"${var.cidr}\""), "{h}");
        assert!(h.contains("\"Name\" = \"a\\\"b\""), "{h}");
        assert!(
            h.contains("lifecycle {\n    ignore_changes = [tags]"),
            "{h}"
        );
        assert!(h.contains("x = \"${lookup(var.m, \"k\")}-y\""), "{h}");
        assert!(hcl_edit::parser::parse_body(&h).is_ok(), "{h}");
    }
}
