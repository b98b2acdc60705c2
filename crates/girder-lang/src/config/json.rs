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
//! The generated text records, for every value, key and block it emits, where that came from in
//! the JSON text; [`JsonSource::remap`] maps spans of the generated text back to the JSON file,
//! so diagnostics point at the JSON as Terraform's do.

use girder_core::diag::{pos_at, Pos};
use girder_core::SourceSpan;
use std::sync::Arc;

/// A JSON value with the byte offset of its first character.
#[derive(Debug)]
struct JP {
    v: JV,
    pos: usize,
}

#[derive(Debug)]
enum JV {
    Null,
    Bool(bool),
    Num(String),
    Str(String),
    Arr(Vec<JP>),
    /// (key, offset of the key's opening quote, value), in source order
    Obj(Vec<(String, usize, JP)>),
}

struct Parser<'a> {
    s: &'a [u8],
    text: &'a str,
    i: usize,
}

type PErr = (String, usize);

impl Parser<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && matches!(self.s[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }
    fn err<T>(&self, m: &str) -> Result<T, PErr> {
        Err((m.to_string(), self.i.min(self.s.len())))
    }
    fn value(&mut self, depth: usize) -> Result<JP, PErr> {
        if depth > 200 {
            return self.err("The JSON is nested too deeply.");
        }
        self.ws();
        let pos = self.i;
        let Some(&c) = self.s.get(self.i) else {
            return self.err("Unexpected end of JSON input.");
        };
        let v = match c {
            b'{' => {
                self.i += 1;
                let mut items = vec![];
                self.ws();
                if self.s.get(self.i) == Some(&b'}') {
                    self.i += 1;
                } else {
                    loop {
                        self.ws();
                        let kpos = self.i;
                        if self.s.get(self.i) != Some(&b'"') {
                            return self.err("Missing property name: a JSON object's properties are quoted strings.");
                        }
                        let k = self.string()?;
                        self.ws();
                        if self.s.get(self.i) != Some(&b':') {
                            return self.err("Missing colon after the property name.");
                        }
                        self.i += 1;
                        let v = self.value(depth + 1)?;
                        items.push((k, kpos, v));
                        self.ws();
                        match self.s.get(self.i) {
                            Some(b',') => {
                                let comma = self.i;
                                self.i += 1;
                                self.ws();
                                if self.s.get(self.i) == Some(&b'}') {
                                    return Err((
                                        "JSON does not permit a trailing comma after the final property in an object.".into(),
                                        comma,
                                    ));
                                }
                            }
                            Some(b'}') => {
                                self.i += 1;
                                break;
                            }
                            _ => {
                                return self.err(
                                    "Missing comma or closing brace after an object property.",
                                )
                            }
                        }
                    }
                }
                JV::Obj(items)
            }
            b'[' => {
                self.i += 1;
                let mut items = vec![];
                self.ws();
                if self.s.get(self.i) == Some(&b']') {
                    self.i += 1;
                } else {
                    loop {
                        items.push(self.value(depth + 1)?);
                        self.ws();
                        match self.s.get(self.i) {
                            Some(b',') => {
                                let comma = self.i;
                                self.i += 1;
                                self.ws();
                                if self.s.get(self.i) == Some(&b']') {
                                    return Err((
                                        "JSON does not permit a trailing comma after the final element in an array.".into(),
                                        comma,
                                    ));
                                }
                            }
                            Some(b']') => {
                                self.i += 1;
                                break;
                            }
                            _ => {
                                return self.err(
                                    "Missing comma or closing bracket after an array element.",
                                )
                            }
                        }
                    }
                }
                JV::Arr(items)
            }
            b'"' => JV::Str(self.string()?),
            b't' if self.s[self.i..].starts_with(b"true") => {
                self.i += 4;
                JV::Bool(true)
            }
            b'f' if self.s[self.i..].starts_with(b"false") => {
                self.i += 5;
                JV::Bool(false)
            }
            b'n' if self.s[self.i..].starts_with(b"null") => {
                self.i += 4;
                JV::Null
            }
            b'-' | b'0'..=b'9' => {
                let start = self.i;
                self.i += 1;
                while self.i < self.s.len()
                    && matches!(
                        self.s[self.i],
                        b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-'
                    )
                {
                    self.i += 1;
                }
                let n = &self.text[start..self.i];
                if girder_core::Number::parse(n).is_err() {
                    self.i = start;
                    return self.err("Invalid JSON number.");
                }
                JV::Num(n.to_string())
            }
            _ => return self.err("Invalid JSON keyword or value."),
        };
        Ok(JP { v, pos })
    }
    fn string(&mut self) -> Result<String, PErr> {
        self.i += 1; // opening quote
        let mut out = String::new();
        loop {
            let Some(&c) = self.s.get(self.i) else {
                return self.err("Unterminated JSON string.");
            };
            match c {
                b'"' => {
                    self.i += 1;
                    return Ok(out);
                }
                b'\\' => {
                    let Some(&e) = self.s.get(self.i + 1) else {
                        return self.err("Unterminated JSON string.");
                    };
                    self.i += 2;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let hex = |p: &Self, at: usize| -> Option<u32> {
                                p.text
                                    .get(at..at + 4)
                                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                            };
                            let Some(mut cp) = hex(self, self.i) else {
                                return self.err("Invalid \\u escape in JSON string.");
                            };
                            self.i += 4;
                            if (0xD800..0xDC00).contains(&cp)
                                && self.s[self.i..].starts_with(b"\\u")
                            {
                                if let Some(lo) = hex(self, self.i + 2) {
                                    if (0xDC00..0xE000).contains(&lo) {
                                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                                        self.i += 6;
                                    }
                                }
                            }
                            out.push(char::from_u32(cp).unwrap_or('\u{fffd}'));
                        }
                        _ => {
                            self.i -= 1;
                            return self.err("Invalid escape sequence in JSON string.");
                        }
                    }
                }
                b if b < 0x20 => {
                    return self.err("Control characters must be escaped in JSON strings.")
                }
                _ => {
                    let ch = self.text[self.i..].chars().next().unwrap_or('\u{fffd}');
                    out.push(ch);
                    self.i += ch.len_utf8().max(1);
                }
            }
        }
    }
}

/// A `.tf.json` file converted to native syntax, with the way back.
#[derive(Clone, Debug)]
pub struct JsonSource {
    /// The file name (as in spans).
    pub name: Arc<str>,
    /// The JSON text.
    pub json: Arc<str>,
    /// (offset in the generated text, offset in the JSON), sorted by the first.
    points: Vec<(usize, usize)>,
}

impl JsonSource {
    fn map(&self, off: usize) -> usize {
        let i = self.points.partition_point(|(g, _)| *g <= off);
        if i == 0 {
            return 0;
        }
        let (g, j) = self.points[i - 1];
        let next_j = self.points.get(i).map(|p| p.1).unwrap_or(self.json.len());
        let out = j + (off - g);
        // stay inside the token this point starts (keys and values are short)
        if next_j > j {
            out.min(next_j.saturating_sub(1)).max(j)
        } else {
            out.min(self.json.len())
        }
    }
    fn pos(&self, off: usize) -> Pos {
        pos_at(&self.json, self.map(off))
    }
    /// Maps a span of the generated text back into the JSON file.
    pub fn remap(&self, s: &SourceSpan) -> SourceSpan {
        let start = self.pos(s.start.byte);
        let mut end = self.pos(s.end.byte);
        if end < start {
            end = start;
        }
        SourceSpan {
            filename: s.filename.clone(),
            start,
            end,
        }
    }
}

/// A span of a JSON file's generated text mapped back into the JSON (other spans unchanged).
pub(crate) fn remap_span(sources: &[JsonSource], s: &SourceSpan) -> SourceSpan {
    match sources.iter().find(|j| j.name == s.filename) {
        Some(j) => j.remap(s),
        None => s.clone(),
    }
}

/// Maps every span of `diags` that points into a JSON file's generated text back into the JSON.
pub(crate) fn remap_diagnostics(sources: &[JsonSource], diags: &mut girder_core::Diagnostics) {
    if sources.is_empty() {
        return;
    }
    for d in diags.0.iter_mut() {
        if let Some(s) = &d.span {
            d.span = Some(remap_span(sources, s));
        }
        for (_, s) in d.related.iter_mut() {
            *s = remap_span(sources, s);
        }
    }
}

struct Em {
    out: String,
    points: Vec<(usize, usize)>,
}

impl Em {
    fn mark(&mut self, json_pos: usize) {
        self.points.push((self.out.len(), json_pos));
    }
}

/// Converts a `.tf.json` text to native syntax. Errors: (message, byte offset).
pub(crate) fn json_to_hcl(
    name: &Arc<str>,
    text: &str,
) -> Result<(String, JsonSource), (String, usize)> {
    let mut p = Parser {
        s: text.as_bytes(),
        text,
        i: 0,
    };
    let top = p.value(0)?;
    p.ws();
    if p.i < text.len() {
        return p.err("Extraneous data after the JSON value.");
    }
    let JV::Obj(items) = top.v else {
        return Err((
            "The root of a JSON configuration file must be an object.".into(),
            top.pos,
        ));
    };
    let mut em = Em {
        out: String::new(),
        points: vec![],
    };
    for (ty, kpos, val) in &items {
        if ty == "//" {
            continue;
        }
        let nlabels = match ty.as_str() {
            "resource" | "data" => 2,
            "variable" | "output" | "module" | "provider" | "check" => 1,
            _ => 0,
        };
        em.labelled(ty, *kpos, &mut vec![], nlabels, val, 0)?;
    }
    let mut points = em.points;
    points.sort_by_key(|p| p.0);
    let src = JsonSource {
        name: name.clone(),
        json: Arc::from(text),
        points,
    };
    Ok((em.out, src))
}

impl Em {
    fn labelled(
        &mut self,
        ty: &str,
        ty_pos: usize,
        labels: &mut Vec<(String, usize)>,
        left: usize,
        v: &JP,
        depth: usize,
    ) -> Result<(), (String, usize)> {
        if left == 0 {
            match &v.v {
                JV::Arr(items) => {
                    for i in items {
                        self.block(ty, ty_pos, labels, i, depth)?;
                    }
                    Ok(())
                }
                _ => self.block(ty, ty_pos, labels, v, depth),
            }
        } else {
            let JV::Obj(m) = &v.v else {
                return Err((
                    format!("A JSON object is required here, whose property names are the labels of \"{ty}\" blocks."),
                    v.pos,
                ));
            };
            for (label, lpos, inner) in m {
                if label == "//" {
                    continue;
                }
                labels.push((label.clone(), *lpos));
                self.labelled(ty, ty_pos, labels, left - 1, inner, depth)?;
                labels.pop();
            }
            Ok(())
        }
    }

    fn block(
        &mut self,
        ty: &str,
        ty_pos: usize,
        labels: &[(String, usize)],
        v: &JP,
        depth: usize,
    ) -> Result<(), (String, usize)> {
        let JV::Obj(body) = &v.v else {
            return Err((
                format!("Either a JSON object or a JSON array is required, representing the contents of one or more \"{ty}\" blocks."),
                v.pos,
            ));
        };
        indent(&mut self.out, depth);
        self.mark(ty_pos + 1);
        self.out.push_str(ty);
        for (l, lpos) in labels {
            self.out.push(' ');
            self.mark(*lpos);
            self.out.push_str(&quote_literal(l));
        }
        self.out.push(' ');
        self.mark(v.pos);
        self.out.push_str("{\n");
        for (k, kpos, val) in body {
            if k == "//" {
                continue;
            }
            if ty == "locals" {
                self.attr(k, *kpos, val, false, depth + 1);
                continue;
            }
            if let Some(nl) = nested_block_labels(ty, k, val) {
                let mut ls = vec![];
                self.labelled(k, *kpos, &mut ls, nl, val, depth + 1)?;
                continue;
            }
            let raw = is_raw_expr(ty, k);
            self.attr(k, *kpos, val, raw, depth + 1);
        }
        indent(&mut self.out, depth);
        self.out.push_str("}\n");
        Ok(())
    }

    fn attr(&mut self, k: &str, kpos: usize, v: &JP, raw: bool, depth: usize) {
        indent(&mut self.out, depth);
        if crate::config::load::is_identifier(k) {
            self.mark(kpos + 1);
            self.out.push_str(k);
        } else {
            // not representable as an argument name; keep it visible as a quoted (invalid) name
            self.mark(kpos);
            self.out.push_str(&quote_literal(k));
        }
        self.out.push_str(" = ");
        self.value(v, raw);
        self.out.push('\n');
    }

    fn value(&mut self, v: &JP, raw: bool) {
        match &v.v {
            JV::Null => {
                self.mark(v.pos);
                self.out.push_str("null")
            }
            JV::Bool(b) => {
                self.mark(v.pos);
                self.out.push_str(if *b { "true" } else { "false" })
            }
            JV::Num(n) => {
                self.mark(v.pos);
                self.out.push_str(n)
            }
            JV::Str(s) => {
                if raw {
                    // the expression starts after the JSON string's quote
                    self.mark(v.pos + 1);
                    self.out.push_str(s);
                } else {
                    self.mark(v.pos);
                    self.out.push_str(&quote_template(s));
                }
            }
            JV::Arr(items) => {
                self.mark(v.pos);
                self.out.push('[');
                for (i, x) in items.iter().enumerate() {
                    if i > 0 {
                        self.out.push_str(", ");
                    }
                    self.value(x, raw);
                }
                self.out.push(']');
            }
            JV::Obj(m) => {
                self.mark(v.pos);
                self.out.push('{');
                let mut first = true;
                for (k, kpos, x) in m {
                    if k == "//" {
                        continue;
                    }
                    if !first {
                        self.out.push_str(", ");
                    }
                    first = false;
                    self.mark(*kpos);
                    if raw {
                        self.out.push_str(k);
                    } else {
                        self.out.push_str(&quote_template(k));
                    }
                    self.out.push_str(" = ");
                    self.value(x, raw);
                }
                self.out.push('}');
            }
        }
    }
}

fn indent(out: &mut String, depth: usize) {
    for _ in 0..depth {
        out.push_str("  ");
    }
}

/// If property `k` of a `ty` block is a nested block, its label count.
fn nested_block_labels(ty: &str, k: &str, v: &JP) -> Option<usize> {
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
        (_, _) => match &v.v {
            JV::Arr(items)
                if !items.is_empty() && items.iter().all(|i| matches!(i.v, JV::Obj(_))) =>
            {
                Some(0)
            }
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
        let (h, src) = json_to_hcl(&Arc::from("m.tf.json"), j).unwrap();
        assert!(!src.points.is_empty());
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
