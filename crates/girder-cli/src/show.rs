//! `state show`'s layout: a resource block with aligned attributes, nested blocks after a
//! blank line, sensitive attributes as `(sensitive value)`, as Terraform prints it.

use girder_core::addr::ResourceMode;
use girder_state::{InstanceState, ResourceState};
use serde_json::{Map, Value as J};
use std::collections::BTreeSet;

const IND: &str = "    ";

/// Renders one instance object of `r` as `state show` does (`addr` is the instance address).
pub fn render(
    addr: &str,
    r: &ResourceState,
    inst: &InstanceState,
    schema_sensitive: &BTreeSet<String>,
) -> String {
    let mut out = String::new();
    let kw = match r.mode {
        ResourceMode::Managed => "resource",
        ResourceMode::Data => "data",
    };
    out.push_str(&format!("# {addr}:\n"));
    out.push_str(&format!(
        "{kw} {} {} {{\n",
        quote(&r.type_name),
        quote(&r.name)
    ));
    let attrs = inst
        .attributes
        .as_ref()
        .map(|a| a.to_value())
        .and_then(|v| v.as_object().cloned())
        .or_else(|| {
            inst.attributes_flat.as_ref().map(|f| {
                f.iter()
                    .map(|(k, v)| (k.clone(), J::String(v.clone())))
                    .collect()
            })
        })
        .unwrap_or_default();
    let mut sensitive = schema_sensitive.clone();
    sensitive.extend(sensitive_roots(inst.sensitive_attributes.as_deref()));
    block(&mut out, 1, &attrs, &sensitive);
    out.push_str("}\n");
    out
}

/// Top-level attribute names with a sensitive path at or below them.
fn sensitive_roots(paths: Option<&J>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let Some(J::Array(paths)) = paths else {
        return out;
    };
    for p in paths {
        if let Some(first) = p.as_array().and_then(|steps| steps.first()) {
            if first.get("type").and_then(J::as_str) == Some("get_attr") {
                if let Some(name) = first.get("value").and_then(J::as_str) {
                    out.insert(name.to_string());
                }
            }
        }
    }
    out
}

fn is_block_list(v: &J) -> bool {
    matches!(v, J::Array(items) if !items.is_empty() && items.iter().all(J::is_object))
}

fn block(out: &mut String, depth: usize, attrs: &Map<String, J>, sensitive: &BTreeSet<String>) {
    let ind = IND.repeat(depth);
    let mut keys: Vec<&String> = attrs.keys().collect();
    keys.sort();
    let plain: Vec<&String> = keys
        .iter()
        .copied()
        .filter(|k| !attrs[*k].is_null() && (sensitive.contains(*k) || !is_block_list(&attrs[*k])))
        .collect();
    let width = plain.iter().map(|k| k.chars().count()).max().unwrap_or(0);
    for k in &plain {
        let v = &attrs[*k];
        let text = if sensitive.contains(*k) {
            "(sensitive value)".to_string()
        } else {
            value(v, depth)
        };
        out.push_str(&format!("{ind}{k:<width$} = {text}\n"));
    }
    let none = BTreeSet::new();
    for k in keys {
        let v = &attrs[k];
        if sensitive.contains(k) || !is_block_list(v) {
            continue;
        }
        for item in v.as_array().into_iter().flatten() {
            out.push_str(&format!("\n{ind}{k} {{\n"));
            if let Some(m) = item.as_object() {
                block(out, depth + 1, m, &none);
            }
            out.push_str(&format!("{ind}}}\n"));
        }
    }
}

fn value(v: &J, depth: usize) -> String {
    let ind = IND.repeat(depth);
    let inner = IND.repeat(depth + 1);
    match v {
        J::Null => "null".into(),
        J::Bool(b) => b.to_string(),
        J::Number(n) => n.to_string(),
        J::String(s) if s.contains('\n') => {
            let mut out = String::from("<<-EOT\n");
            let body = s.strip_suffix('\n').unwrap_or(s);
            for line in body.split('\n') {
                if line.is_empty() {
                    out.push('\n');
                } else {
                    out.push_str(&format!("{inner}{line}\n"));
                }
            }
            out.push_str(&format!("{ind}EOT"));
            out
        }
        J::String(s) => quote(s),
        J::Array(a) if a.is_empty() => "[]".into(),
        J::Array(a) => {
            let mut out = String::from("[\n");
            for x in a {
                out.push_str(&format!("{inner}{},\n", value(x, depth + 1)));
            }
            out.push_str(&format!("{ind}]"));
            out
        }
        J::Object(m) if m.is_empty() => "{}".into(),
        J::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let width = keys
                .iter()
                .map(|k| quote(k).chars().count())
                .max()
                .unwrap_or(0);
            let mut out = String::from("{\n");
            for k in keys {
                let q = quote(k);
                out.push_str(&format!(
                    "{inner}{q:<width$} = {}\n",
                    value(&m[k], depth + 1)
                ));
            }
            out.push_str(&format!("{ind}}}"));
            out
        }
    }
}

/// An output value as `terraform show` prints it (typed: object attributes unquoted, map keys
/// quoted, both aligned; four-space indentation; heredocs for multi-line strings).
pub fn typed_value(v: &girder_core::Value, depth: usize) -> String {
    use girder_core::value::Kind;
    let ind = IND.repeat(depth);
    let inner = IND.repeat(depth + 1);
    match v.kind() {
        Kind::Null(_) => "null".into(),
        Kind::Unknown(_) => "(known after apply)".into(),
        Kind::Bool(b) => b.to_string(),
        Kind::Number(n) => n.to_string(),
        Kind::String(s) => value(&J::String(s.to_string()), depth),
        Kind::List(_, items) | Kind::Set(_, items) | Kind::Tuple(items) => {
            if items.is_empty() {
                return "[]".into();
            }
            let mut out = String::from("[\n");
            for x in items {
                out.push_str(&format!("{inner}{},\n", typed_value(x, depth + 1)));
            }
            out.push_str(&format!("{ind}]"));
            out
        }
        Kind::Map(_, m) | Kind::Object(m) => {
            if m.is_empty() {
                return "{}".into();
            }
            let quoted = matches!(v.kind(), Kind::Map(..));
            let key = |k: &str| if quoted { quote(k) } else { k.to_string() };
            let width = m.keys().map(|k| key(k).chars().count()).max().unwrap_or(0);
            let mut out = String::from("{\n");
            for (k, x) in m {
                let kk = key(k);
                out.push_str(&format!(
                    "{inner}{kk:<width$} = {}\n",
                    typed_value(x, depth + 1)
                ));
            }
            out.push_str(&format!("{ind}}}"));
            out
        }
    }
}

/// An HCL quoted string.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use girder_core::addr::ModuleInstance;

    #[test]
    fn layout_alignment_blocks_and_sensitive() {
        let attrs = serde_json::json!({
            "id": "i-1",
            "ami": "ami-123",
            "tags": {"Name": "web", "a b": "c"},
            "list": ["x", 1],
            "empty": [],
            "nothing": null,
            "password": "hunter2",
            "user_data": "line1\nline2\n",
            "ebs": [{"size": 8, "type": "gp2"}],
        });
        let inst = InstanceState::new(None, &attrs);
        let r = ResourceState {
            module: ModuleInstance::root(),
            mode: ResourceMode::Managed,
            type_name: "aws_instance".into(),
            name: "web".into(),
            provider: String::new(),
            instances: vec![inst.clone()],
        };
        let sens: BTreeSet<String> = ["password".to_string()].into();
        let text = render("aws_instance.web", &r, &inst, &sens);
        assert_eq!(
            text,
            r#"# aws_instance.web:
resource "aws_instance" "web" {
    ami       = "ami-123"
    empty     = []
    id        = "i-1"
    list      = [
        "x",
        1,
    ]
    password  = (sensitive value)
    tags      = {
        "Name" = "web"
        "a b"  = "c"
    }
    user_data = <<-EOT
        line1
        line2
    EOT

    ebs {
        size = 8
        type = "gp2"
    }
}
"#
        );
        assert!(!text.contains("hunter2"));
    }

    #[test]
    fn quoting_escapes_templates() {
        assert_eq!(quote("a\"b${x}%{y}$z"), r#""a\"b$${x}%%{y}$z""#);
    }
}
