//! The human-readable plan, as Terraform 1.0.3 prints it (`command/format/diff.go`,
//! `views/plan.go`): the action legend, one block per changed instance with attribute-level
//! diffs (`(known after apply)`, `(sensitive value)`, `# forces replacement`, nested
//! blocks, multi-line strings and JSON strings diffed line by line / structurally, unchanged
//! attributes hidden), the summary line and output changes. Colours are ANSI codes, off with
//! `no_color`.

use crate::model::*;
use crate::plan::{Plan, PlanMode};
use girder_core::value::{Kind, Path, PathStep};
use girder_core::{Type, Value};
use girder_provider::schema::{Nesting, Schema};
use std::collections::BTreeSet;
use std::fmt::Write as _;

/// Looks up the schema of a resource or data source type.
pub trait SchemaSource {
    /// The schema of `type_name` from `provider` (`data` for data sources).
    fn schema(&self, provider: &str, type_name: &str, data: bool) -> Option<Schema>;
}

impl<T: crate::plan::ProviderRegistry + ?Sized> SchemaSource for T {
    fn schema(&self, provider: &str, type_name: &str, data: bool) -> Option<Schema> {
        let p = self.get(provider)?;
        let s = p.schema();
        if data {
            s.data_source(type_name).cloned()
        } else {
            s.resource(type_name).cloned()
        }
    }
}

/// The width Terraform wraps its prose at when not on a terminal.
pub const COLUMNS: usize = 78;

struct Colors {
    on: bool,
}

impl Colors {
    /// Expands colorstring tags (`[bold]`, `[reset]`, `[red]`, ...).
    fn c(&self, s: &str) -> String {
        const TAGS: [(&str, &str); 7] = [
            ("[reset]", "\x1b[0m"),
            ("[bold]", "\x1b[1m"),
            ("[red]", "\x1b[31m"),
            ("[green]", "\x1b[32m"),
            ("[yellow]", "\x1b[33m"),
            ("[cyan]", "\x1b[36m"),
            ("[dark_gray]", "\x1b[90m"),
        ];
        let mut out = s.to_string();
        for (t, code) in TAGS {
            out = out.replace(t, if self.on { code } else { "" });
        }
        out
    }
}

/// Word-wraps prose at `width` columns (Terraform's `format.WordWrap`).
pub fn word_wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let mut len = 0;
        for (j, w) in line.split(' ').enumerate() {
            if j > 0 {
                if len + 1 + w.chars().count() > width {
                    out.push('\n');
                    len = 0;
                } else {
                    out.push(' ');
                    len += 1;
                }
            }
            out.push_str(w);
            len += w.chars().count();
        }
    }
    out
}

fn action_symbol(a: Action) -> &'static str {
    match a {
        Action::Create => "  [green]+[reset]",
        Action::Delete => "  [red]-[reset]",
        Action::Update => "  [yellow]~[reset]",
        Action::DeleteThenCreate => "[red]-[reset]/[green]+[reset]",
        Action::CreateThenDelete => "[green]+[reset]/[red]-[reset]",
        Action::Read => " [cyan]<=[reset]",
        Action::NoOp => "   ",
        Action::Forget => "  [dark_gray].[reset]",
    }
}

struct Printer<'a> {
    buf: String,
    col: &'a Colors,
    replace_paths: &'a [Path],
}

fn is_sens(v: &Value) -> bool {
    v.is_sensitive()
}

fn equal_known(a: &Value, b: &Value) -> bool {
    a.is_wholly_known() && b.is_wholly_known() && a.raw_equal(b) && {
        // marks matter for display
        a.contains_sensitive() == b.contains_sensitive()
    }
}

fn attr_action(old: &Value, new: &Value) -> (Action, bool) {
    if old.is_null() {
        (Action::Create, true)
    } else if new.is_null() {
        (Action::Delete, false)
    } else if equal_known(old, new) {
        (Action::NoOp, true)
    } else {
        (Action::Update, false)
    }
}

fn get<'v>(v: &'v Value, name: &str, null: &'v Value) -> &'v Value {
    match v.kind() {
        Kind::Object(m) => m.get(name).unwrap_or(null),
        _ => null,
    }
}

fn json_container(s: &str) -> Option<Value> {
    let t = s.trim_start();
    if !(t.starts_with('{') || t.starts_with('[')) {
        return None;
    }
    let j: serde_json::Value = serde_json::from_str(s).ok()?;
    Some(Value::from_json_implied(&j))
}

impl Printer<'_> {
    fn w(&mut self, s: &str) {
        self.buf.push_str(s);
    }
    fn wc(&mut self, s: &str) {
        let c = self.col.c(s);
        self.buf.push_str(&c);
    }
    fn indent(&mut self, n: usize) {
        for _ in 0..n {
            self.buf.push(' ');
        }
    }
    fn symbol(&mut self, a: Action) {
        match a {
            Action::Create => self.wc("[green]+[reset] "),
            Action::Delete => self.wc("[red]-[reset] "),
            Action::Update => self.wc("[yellow]~[reset] "),
            Action::NoOp => self.w("  "),
            _ => self.w("? "),
        }
    }
    fn forces(&self, path: &Path) -> bool {
        self.replace_paths.iter().any(|p| p == path)
    }
    fn forces_caption(&mut self, path: &Path) {
        if self.forces(path) {
            self.wc(" [red]# forces replacement[reset]");
        }
    }

    /// Returns (body written, ...).
    fn block_body(
        &mut self,
        schema: &Schema,
        old: &Value,
        new: &Value,
        indent: usize,
        path: &Path,
    ) -> bool {
        let null = Value::null_dynamic();
        let mut written = false;
        let mut names: Vec<&String> = Vec::new();
        let mut name_len = 0;
        for name in schema.attributes.keys() {
            if get(old, name, &null).is_null() && get(new, name, &null).is_null() {
                continue;
            }
            names.push(name);
            name_len = name_len.max(name.len());
        }
        let mut blank_before_blocks = !names.is_empty();
        let mut skipped = 0;
        for name in names {
            written = true;
            let a = &schema.attributes[name];
            let o = get(old, name, &null);
            let n = get(new, name, &null);
            let p = path.child(PathStep::Attr(name.clone()));
            let (action, just_new) = attr_action(o, n);
            let identifying = matches!(a.presence, girder_provider::schema::Presence::Required)
                || matches!(name.as_str(), "id" | "name" | "tags");
            if action == Action::NoOp && !identifying {
                skipped += 1;
                continue;
            }
            self.w("\n");
            self.indent(indent);
            self.symbol(action);
            self.wc("[bold]");
            self.w(name);
            self.wc("[reset]");
            self.indent(name_len - name.len());
            self.w(" = ");
            if a.sensitive || is_sens(o) || is_sens(n) {
                self.w("(sensitive value)");
                self.forces_caption(&p);
            } else if just_new {
                self.value(n, action, indent + 2);
                self.forces_caption(&p);
            } else {
                self.value_diff(o, n, indent + 2, &p);
            }
        }
        if skipped > 0 {
            self.w("\n");
            self.indent(indent + 2);
            let noun = if skipped == 1 {
                "attribute"
            } else {
                "attributes"
            };
            self.wc(&format!(
                "[dark_gray]# ({skipped} unchanged {noun} hidden)[reset]"
            ));
        }
        let mut skipped_blocks = 0;
        for (name, b) in &schema.blocks {
            let o = get(old, name, &null);
            let n = get(new, name, &null);
            let p = path.child(PathStep::Attr(name.clone()));
            if o.is_null() && n.is_null() {
                continue;
            }
            written = true;
            match b.nesting {
                Nesting::Single => {
                    let action = if o.is_null() {
                        Action::Create
                    } else if n.is_null() {
                        Action::Delete
                    } else if equal_known(o, n) {
                        Action::NoOp
                    } else {
                        Action::Update
                    };
                    if blank_before_blocks && action != Action::NoOp {
                        self.w("\n");
                    }
                    if self.nested_block(name, None, &b.block, action, o, n, indent, &p) {
                        skipped_blocks += 1;
                    }
                }
                Nesting::List | Nesting::Set => {
                    let oi = o.as_seq().unwrap_or(&[]);
                    let ni = n.as_seq().unwrap_or(&[]);
                    if blank_before_blocks && (!oi.is_empty() || !ni.is_empty()) {
                        self.w("\n");
                    }
                    if b.nesting == Nesting::List {
                        let common = oi.len().min(ni.len());
                        for i in 0..common {
                            let pi = p.child(PathStep::Index(i as i64));
                            let action = if equal_known(&oi[i], &ni[i]) {
                                Action::NoOp
                            } else {
                                Action::Update
                            };
                            if self.nested_block(
                                name, None, &b.block, action, &oi[i], &ni[i], indent, &pi,
                            ) {
                                skipped_blocks += 1;
                            }
                        }
                        for (i, x) in oi.iter().enumerate().skip(common) {
                            let pi = p.child(PathStep::Index(i as i64));
                            self.nested_block(
                                name,
                                None,
                                &b.block,
                                Action::Delete,
                                x,
                                &null,
                                indent,
                                &pi,
                            );
                        }
                        for (i, x) in ni.iter().enumerate().skip(common) {
                            let pi = p.child(PathStep::Index(i as i64));
                            self.nested_block(
                                name,
                                None,
                                &b.block,
                                Action::Create,
                                &null,
                                x,
                                indent,
                                &pi,
                            );
                        }
                    } else {
                        for x in oi {
                            if ni.iter().any(|y| equal_known(x, y)) {
                                skipped_blocks += 1;
                            } else {
                                self.nested_block(
                                    name,
                                    None,
                                    &b.block,
                                    Action::Delete,
                                    x,
                                    &null,
                                    indent,
                                    &p,
                                );
                            }
                        }
                        for y in ni {
                            if !oi.iter().any(|x| equal_known(x, y)) {
                                self.nested_block(
                                    name,
                                    None,
                                    &b.block,
                                    Action::Create,
                                    &null,
                                    y,
                                    indent,
                                    &p,
                                );
                            }
                        }
                    }
                }
                Nesting::Map => {
                    let empty = girder_core::ValueMap::new();
                    let om = o.as_map().unwrap_or(&empty);
                    let nm = n.as_map().unwrap_or(&empty);
                    if blank_before_blocks && (!om.is_empty() || !nm.is_empty()) {
                        self.w("\n");
                    }
                    let keys: BTreeSet<&String> = om.keys().chain(nm.keys()).collect();
                    for k in keys {
                        let ov = om.get(k).unwrap_or(&null);
                        let nv = nm.get(k).unwrap_or(&null);
                        let action = if ov.is_null() {
                            Action::Create
                        } else if nv.is_null() {
                            Action::Delete
                        } else if equal_known(ov, nv) {
                            Action::NoOp
                        } else {
                            Action::Update
                        };
                        let pk = p.child(PathStep::Key(k.clone()));
                        if self.nested_block(name, Some(k), &b.block, action, ov, nv, indent, &pk) {
                            skipped_blocks += 1;
                        }
                    }
                }
            }
            blank_before_blocks = true;
        }
        if skipped_blocks > 0 {
            let noun = if skipped_blocks == 1 {
                "block"
            } else {
                "blocks"
            };
            self.w("\n");
            self.indent(indent + 2);
            self.wc(&format!(
                "[dark_gray]# ({skipped_blocks} unchanged {noun} hidden)[reset]"
            ));
        }
        written
    }

    /// Returns true when skipped (unchanged).
    #[allow(clippy::too_many_arguments)]
    fn nested_block(
        &mut self,
        name: &str,
        label: Option<&str>,
        schema: &Schema,
        action: Action,
        old: &Value,
        new: &Value,
        indent: usize,
        path: &Path,
    ) -> bool {
        if action == Action::NoOp {
            return true;
        }
        self.w("\n");
        self.indent(indent);
        self.symbol(action);
        match label {
            Some(l) => self.w(&format!("{name} {l:?} {{")),
            None => self.w(&format!("{name} {{")),
        }
        let parent = Path(path.0[..path.0.len().saturating_sub(1)].to_vec());
        if self.forces(path) || self.forces(&parent) {
            self.wc(" [red]# forces replacement[reset]");
        }
        if old.is_sensitive() || new.is_sensitive() {
            self.w("\n");
            self.indent(indent + 4);
            self.w("# At least one attribute in this block is (or was) sensitive,\n");
            self.indent(indent + 4);
            self.w("# so its contents will not be displayed.");
            self.w("\n");
            self.indent(indent + 2);
            self.w("}");
            return false;
        }
        if self.block_body(schema, old, new, indent + 4, path) {
            self.w("\n");
            self.indent(indent + 2);
        }
        self.w("}");
        false
    }

    fn value(&mut self, v: &Value, action: Action, indent: usize) {
        if v.is_sensitive() {
            self.w("(sensitive)");
            return;
        }
        match v.kind() {
            Kind::Unknown(_) => self.w("(known after apply)"),
            Kind::Null(_) => self.wc("[dark_gray]null[reset]"),
            Kind::Bool(b) => self.w(if *b { "true" } else { "false" }),
            Kind::Number(n) => self.w(&n.to_string()),
            Kind::String(s) => {
                if let Some(j) = json_container(s) {
                    self.w("jsonencode(");
                    if j.len() == Some(0) {
                        self.value(&j, action, 0);
                    } else {
                        self.w("\n");
                        self.indent(indent + 4);
                        self.value(&j, action, indent + 4);
                        self.w("\n");
                        self.indent(indent);
                    }
                    self.w(")");
                } else if s.contains('\n') {
                    self.value_diff(v, v, indent, &Path::root());
                } else {
                    self.w(&go_quote(s));
                }
            }
            Kind::List(_, items) | Kind::Set(_, items) | Kind::Tuple(items) => {
                self.w("[");
                for x in items {
                    self.w("\n");
                    self.indent(indent + 2);
                    self.symbol(action);
                    self.value(x, action, indent + 4);
                    self.w(",");
                }
                if !items.is_empty() {
                    self.w("\n");
                    self.indent(indent);
                }
                self.w("]");
            }
            Kind::Map(_, m) => {
                self.w("{");
                let key_len = m.keys().map(|k| go_quote(k).len()).max().unwrap_or(0);
                for (k, x) in m {
                    self.w("\n");
                    self.indent(indent + 2);
                    self.symbol(action);
                    let q = go_quote(k);
                    self.w(&q);
                    self.indent(key_len - q.len());
                    self.w(" = ");
                    self.value(x, action, indent + 4);
                }
                if !m.is_empty() {
                    self.w("\n");
                    self.indent(indent);
                }
                self.w("}");
            }
            Kind::Object(m) => {
                self.w("{");
                let name_len = m.keys().map(|k| k.len()).max().unwrap_or(0);
                for (k, x) in m {
                    self.w("\n");
                    self.indent(indent + 2);
                    self.symbol(action);
                    self.w(k);
                    self.indent(name_len - k.len());
                    self.w(" = ");
                    self.value(x, action, indent + 4);
                }
                if !m.is_empty() {
                    self.w("\n");
                    self.indent(indent);
                }
                self.w("}");
            }
        }
    }

    fn value_diff(&mut self, old: &Value, new: &Value, indent: usize, path: &Path) {
        let comparable = old.is_known() && new.is_known() && !old.is_null() && !new.is_null();
        if comparable {
            if old.is_sensitive() || new.is_sensitive() {
                self.w("(sensitive)");
                self.forces_caption(path);
                return;
            }
            match (old.kind(), new.kind()) {
                (Kind::String(a), Kind::String(b)) => {
                    if let (Some(ja), Some(jb)) = (json_container(a), json_container(b)) {
                        self.w("jsonencode(");
                        if ja.raw_equal(&jb) {
                            self.w("\n");
                            self.indent(indent + 2);
                            self.symbol(Action::NoOp);
                            self.value(&jb, Action::NoOp, indent + 4);
                            self.w("\n");
                            self.indent(indent);
                            self.w(")");
                            self.wc(" [dark_gray]# whitespace changes[reset]");
                        } else {
                            self.w("\n");
                            self.indent(indent + 2);
                            self.symbol(Action::Update);
                            self.value_diff(&ja, &jb, indent + 4, path);
                            self.w("\n");
                            self.indent(indent);
                            self.w(")");
                        }
                        return;
                    }
                    if a.contains('\n') || b.contains('\n') {
                        self.w("<<-EOT");
                        self.forces_caption(path);
                        self.w("\n");
                        if a == b {
                            for line in b.lines() {
                                self.indent(indent + 4);
                                self.w(line);
                                self.w("\n");
                            }
                        } else {
                            let d = similar::TextDiff::from_lines(a.as_str(), b.as_str());
                            for ch in d.iter_all_changes() {
                                self.indent(indent + 2);
                                self.symbol(match ch.tag() {
                                    similar::ChangeTag::Equal => Action::NoOp,
                                    similar::ChangeTag::Delete => Action::Delete,
                                    similar::ChangeTag::Insert => Action::Create,
                                });
                                self.w(ch.value().trim_end_matches('\n'));
                                self.w("\n");
                            }
                        }
                        self.indent(indent);
                        self.w("EOT");
                        return;
                    }
                }
                (Kind::Map(..) | Kind::Object(_), Kind::Map(..) | Kind::Object(_))
                    if std::mem::discriminant(old.kind()) == std::mem::discriminant(new.kind()) =>
                {
                    let is_map = matches!(old.kind(), Kind::Map(..));
                    let om = old.as_map().expect("map");
                    let nm = new.as_map().expect("map");
                    self.w("{");
                    self.forces_caption(path);
                    let keys: BTreeSet<&String> = om.keys().chain(nm.keys()).collect();
                    let key_len = keys
                        .iter()
                        .map(|k| if is_map { go_quote(k).len() } else { k.len() })
                        .max()
                        .unwrap_or(0);
                    let null = Value::null_dynamic();
                    let mut suppressed = 0;
                    for k in keys {
                        let ov = om.get(k);
                        let nv = nm.get(k);
                        let action = match (ov, nv) {
                            (None, _) => Action::Create,
                            (_, None) => Action::Delete,
                            (Some(a), Some(b)) if equal_known(a, b) => Action::NoOp,
                            _ => Action::Update,
                        };
                        if action == Action::NoOp {
                            suppressed += 1;
                            continue;
                        }
                        let step = if is_map {
                            PathStep::Key(k.clone())
                        } else {
                            PathStep::Attr(k.clone())
                        };
                        let pk = path.child(step);
                        self.w("\n");
                        self.indent(indent + 2);
                        self.symbol(action);
                        let label = if is_map { go_quote(k) } else { k.clone() };
                        self.w(&label);
                        self.indent(key_len - label.len());
                        self.w(" = ");
                        match action {
                            Action::Create => {
                                let v = nv.unwrap_or(&null);
                                if v.is_sensitive() {
                                    self.w("(sensitive)");
                                } else {
                                    self.value(v, action, indent + 4);
                                }
                            }
                            Action::Delete => {
                                let v = ov.unwrap_or(&null);
                                self.value_diff(v, &Value::null(v.ty()), indent + 4, &pk);
                            }
                            _ => self.value_diff(
                                ov.unwrap_or(&null),
                                nv.unwrap_or(&null),
                                indent + 4,
                                &pk,
                            ),
                        }
                    }
                    if suppressed > 0 {
                        let noun = match (is_map, suppressed == 1) {
                            (true, true) => "element",
                            (true, false) => "elements",
                            (false, true) => "attribute",
                            (false, false) => "attributes",
                        };
                        self.w("\n");
                        self.indent(indent + 2);
                        self.wc(&format!(
                            "[dark_gray]# ({suppressed} unchanged {noun} hidden)[reset]"
                        ));
                    }
                    self.w("\n");
                    self.indent(indent);
                    self.w("}");
                    return;
                }
                (
                    Kind::List(..) | Kind::Tuple(_) | Kind::Set(..),
                    Kind::List(..) | Kind::Tuple(_) | Kind::Set(..),
                ) => {
                    let a = old.as_seq().expect("seq");
                    let b = new.as_seq().expect("seq");
                    self.w("[");
                    self.forces_caption(path);
                    let ra: Vec<String> = a.iter().map(|x| format!("{x:?}")).collect();
                    let rb: Vec<String> = b.iter().map(|x| format!("{x:?}")).collect();
                    let ops = similar::capture_diff_slices(similar::Algorithm::Myers, &ra, &rb);
                    let mut suppressed = 0;
                    for op in ops {
                        for ch in op.iter_changes(&ra, &rb) {
                            let _ = ch;
                        }
                        match op {
                            similar::DiffOp::Equal { len, .. } => suppressed += len,
                            similar::DiffOp::Delete {
                                old_index, old_len, ..
                            } => {
                                for x in &a[old_index..old_index + old_len] {
                                    self.w("\n");
                                    self.indent(indent + 2);
                                    self.symbol(Action::Delete);
                                    self.value(x, Action::Delete, indent + 4);
                                    self.w(",");
                                }
                            }
                            similar::DiffOp::Insert {
                                new_index, new_len, ..
                            } => {
                                for x in &b[new_index..new_index + new_len] {
                                    self.w("\n");
                                    self.indent(indent + 2);
                                    self.symbol(Action::Create);
                                    self.value(x, Action::Create, indent + 4);
                                    self.w(",");
                                }
                            }
                            similar::DiffOp::Replace {
                                old_index,
                                old_len,
                                new_index,
                                new_len,
                            } => {
                                for x in &a[old_index..old_index + old_len] {
                                    self.w("\n");
                                    self.indent(indent + 2);
                                    self.symbol(Action::Delete);
                                    self.value(x, Action::Delete, indent + 4);
                                    self.w(",");
                                }
                                for x in &b[new_index..new_index + new_len] {
                                    self.w("\n");
                                    self.indent(indent + 2);
                                    self.symbol(Action::Create);
                                    self.value(x, Action::Create, indent + 4);
                                    self.w(",");
                                }
                            }
                        }
                    }
                    if suppressed > 0 {
                        let noun = if suppressed == 1 {
                            "element"
                        } else {
                            "elements"
                        };
                        self.w("\n");
                        self.indent(indent + 2);
                        self.wc(&format!(
                            "[dark_gray]# ({suppressed} unchanged {noun} hidden)[reset]"
                        ));
                    }
                    self.w("\n");
                    self.indent(indent);
                    self.w("]");
                    return;
                }
                _ => {}
            }
        }
        self.value(old, Action::Delete, indent);
        if new.is_null() {
            self.wc(" [dark_gray]->[reset] ");
        } else {
            self.wc(" [yellow]->[reset] ");
        }
        self.value(new, Action::Create, indent);
        self.forces_caption(path);
    }
}

/// Go's `%q` for strings (what Terraform uses to print them).
pub fn go_quote(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 2);
    o.push('"');
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            '\r' => o.push_str("\\r"),
            '\t' => o.push_str("\\t"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(o, "\\x{:02x}", c as u32);
            }
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

fn header_line(c: &ResourceChange, drift: bool) -> String {
    let addr = c.display_addr();
    let mut s = format!("[bold]  # {addr}[reset]");
    if !drift && c.action == Action::NoOp {
        if let Some(from) = &c.moved_from {
            s = format!("[bold]  # {from}[reset] has moved to [bold]{addr}[reset]");
        }
        if c.importing.is_some() {
            s.push_str(if c.moved_from.is_some() {
                "\n  # (will be imported)"
            } else {
                " will be imported"
            });
        }
        s.push_str("[reset]\n");
        return s;
    }
    s.push_str(match (c.action, &c.reason) {
        (Action::Forget, _) => {
            " will be removed from the state but will [bold]not[reset] be destroyed"
        }
        (Action::Create, _) => " will be created",
        (Action::Read, _) => {
            " will be read during apply\n  # (config refers to values not yet known)"
        }
        (Action::Update, _) if drift => " has been changed",
        (Action::Update, _) => " will be updated in-place",
        (Action::Delete, _) if drift => " has been deleted",
        (Action::Delete, _) => " will be [bold][red]destroyed",
        (_, Some(Reason::ReplaceBecauseTainted)) => " is tainted, so must be [bold][red]replaced",
        (_, Some(Reason::ReplaceByRequest)) => " will be [bold][red]replaced[reset], as requested",
        (_, Some(Reason::ReplaceByTriggers)) => {
            " will be [bold][red]replaced[reset] due to changes in replace_triggered_by"
        }
        (_, _) => " must be [bold][red]replaced",
    });
    // girder's reasons beyond Terraform 1.0.3's (Terraform 1.1+ prints these lines).
    match (&c.reason, drift) {
        (Some(Reason::DeleteBecauseNoResourceConfig), false) => {
            let _ = write!(
                s,
                "[reset]\n  # (because {} is not in configuration)",
                c.addr.resource
            );
        }
        (Some(Reason::DeleteBecauseCountIndex), false) => {
            let _ = write!(
                s,
                "[reset]\n  # (because index {} is out of range for count)",
                c.addr
                    .key
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default()
            );
        }
        (Some(Reason::DeleteBecauseEachKey), false) => {
            let _ = write!(
                s,
                "[reset]\n  # (because key {} is not in for_each map)",
                c.addr
                    .key
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default()
            );
        }
        (Some(Reason::DeleteBecauseWrongRepetition), false) => {
            s.push_str("[reset]\n  # (because the resource now uses a different repetition: count, for_each or neither)");
        }
        (Some(Reason::CreateBecauseGone), false) => {
            s.push_str("[reset]\n  # (because it was deleted outside girder)");
        }
        (Some(Reason::ReadBecauseDependencyPending), false) => {
            s = s.replace(
                "(config refers to values not yet known)",
                "(depends on a resource or a module with changes pending)",
            );
        }
        _ => {}
    }
    if !drift {
        if let Some(from) = &c.moved_from {
            let _ = write!(s, "[reset]\n  # (moved from {from})");
        }
        if let Some(id) = &c.importing {
            let _ = write!(s, "[reset]\n  # (imported from {})", go_quote(id));
            if c.action.is_replace() {
                s.push_str(
                    "[reset]\n  # [reset][yellow]Warning: this will destroy the imported resource",
                );
            }
        }
    }
    s.push_str("[reset]\n");
    s
}

fn resource_block(
    c: &ResourceChange,
    schema: Option<&Schema>,
    col: &Colors,
    drift: bool,
) -> String {
    let mut out = col.c(&header_line(c, drift));
    let shown_action = if drift && c.action == Action::Update {
        Action::Update
    } else {
        c.action
    };
    out.push_str(&col.c(action_symbol(shown_action)));
    out.push(' ');
    let r = &c.addr.resource.resource;
    if c.is_data() {
        let _ = write!(
            out,
            "data {} {}  {{",
            go_quote(&r.type_name),
            go_quote(&r.name)
        );
    } else {
        let _ = write!(
            out,
            "resource {} {} {{",
            go_quote(&r.type_name),
            go_quote(&r.name)
        );
    }
    let replace_paths: Vec<Path> = match &c.reason {
        Some(Reason::ReplaceBecauseCannotUpdate(p)) => p.clone(),
        _ => Vec::new(),
    };
    let mut p = Printer {
        buf: String::new(),
        col,
        replace_paths: &replace_paths,
    };
    let fallback;
    let schema = match schema {
        Some(s) => s,
        None => {
            fallback = schema_from_values(&c.before, &c.after);
            &fallback
        }
    };
    let (before, after) = match c.action {
        Action::Delete | Action::Forget => (&c.before, &Value::null_dynamic()),
        Action::Create | Action::Read => (&Value::null_dynamic(), &c.after),
        _ if c.action.is_replace() => (&c.before, &c.after),
        _ => (&c.before, &c.after),
    };
    let written = p.block_body(schema, before, after, 6, &Path::root());
    out.push_str(&p.buf);
    if written {
        out.push_str("\n    ");
    }
    out.push_str("}\n");
    out
}

/// A schema guessed from values (when the provider's schema is not at hand).
fn schema_from_values(a: &Value, b: &Value) -> Schema {
    let mut s = Schema::new();
    for v in [a, b] {
        if let Some(m) = v.as_map() {
            for (k, x) in m {
                s.attributes
                    .entry(k.clone())
                    .or_insert_with(|| girder_provider::schema::Attribute::optional(x.ty()));
            }
        }
    }
    s
}

/// Options of the renderer.
#[derive(Clone, Copy, Debug, Default)]
pub struct RenderOptions {
    /// No ANSI colours (`-no-color`, `NO_COLOR`).
    pub no_color: bool,
}

/// Renders a plan as `girder plan` / `girder show PLANFILE` print it.
pub fn render_plan(plan: &Plan, schemas: &dyn SchemaSource, opts: RenderOptions) -> String {
    let col = Colors { on: !opts.no_color };
    let mut out = String::new();
    let schema_of = |c: &ResourceChange| {
        schemas.schema(
            &c.provider.name,
            &c.addr.resource.resource.type_name,
            c.is_data(),
        )
    };

    // Changes found by refresh.
    let mut drift_text = String::new();
    for d in &plan.drift {
        let c = ResourceChange {
            addr: d.addr.clone(),
            deposed: None,
            provider: d.provider.clone(),
            action: if d.after.is_null() {
                Action::Delete
            } else {
                Action::Update
            },
            reason: None,
            before: d.before.clone(),
            after: d.after.clone(),
            config: Value::null_dynamic(),
            private: Vec::new(),
            depends_on: Vec::new(),
            prior_dependencies: Vec::new(),
            create_before_destroy: false,
            moved_from: None,
            importing: None,
        };
        let (c, schema) = (c.clone(), schema_of(&c));
        drift_text.push_str(&resource_block(&c, schema.as_ref(), &col, true));
        drift_text.push('\n');
    }
    let have_drift = !drift_text.is_empty();
    if have_drift {
        out.push_str(&col.c(
            "[reset]\n[bold][cyan]Note:[reset][bold] Objects have changed outside of Terraform[reset]\n\n",
        ));
        out.push_str(&word_wrap(
            "Terraform detected the following changes made outside of Terraform since the last \"terraform apply\":\n\n",
            COLUMNS,
        ));
        out.push_str(&drift_text);
        if plan.mode == PlanMode::RefreshOnly {
            out.push_str(&word_wrap(
                "This is a refresh-only plan, so Terraform will not take any actions to undo these. If you were expecting these changes then you can apply this plan to record the updated values in the Terraform state without changing any remote objects.\n",
                COLUMNS,
            ));
        } else {
            out.push_str(&word_wrap(
            "Unless you have made equivalent changes to your configuration, or ignored the relevant attributes using ignore_changes, the following plan may include actions to undo or respond to these changes.\n\n",
            COLUMNS,
        ));
        }
    }
    if plan.mode == PlanMode::RefreshOnly {
        if !have_drift {
            out.push_str(&col.c("[reset][bold][green]No changes.[reset][bold] Your infrastructure still matches the configuration.[reset]\n\n"));
            out.push_str(&word_wrap("Terraform has checked that the real remote objects still match the result of your most recent changes, and found no differences.", COLUMNS));
            out.push('\n');
        }
        return out;
    }

    let changes: Vec<&ResourceChange> = plan
        .changes
        .iter()
        .filter(|c| !(c.action == Action::Delete && c.is_data()))
        .collect();
    let outputs: Vec<&OutputChange> = plan
        .outputs
        .iter()
        .filter(|o| o.action != Action::NoOp)
        .collect();
    let shown = |c: &ResourceChange| {
        c.action != Action::NoOp || c.moved_from.is_some() || c.importing.is_some()
    };
    let any_change = changes.iter().any(|c| shown(c));
    if !any_change && outputs.is_empty() {
        if have_drift {
            out.push_str(&col.c(&format!("[dark_gray]{}[reset]", "─".repeat(COLUMNS - 1))));
            out.push('\n');
        }
        if plan.mode == PlanMode::Destroy {
            out.push_str(&col.c("[reset][bold][green]No changes.[reset][bold] No objects need to be destroyed.[reset]\n\n"));
            out.push_str(&word_wrap("Either you have not created any objects yet or the existing objects were already deleted outside of Terraform.", COLUMNS));
        } else {
            out.push_str(&col.c("[reset][bold][green]No changes.[reset][bold] Your infrastructure matches the configuration.[reset]\n\n"));
            out.push_str(&word_wrap("Terraform has compared your real infrastructure against your configuration and found no differences, so no changes are needed.", COLUMNS));
        }
        out.push('\n');
        return out;
    }
    if have_drift {
        out.push_str(&col.c(&format!("[dark_gray]{}[reset]", "─".repeat(COLUMNS - 1))));
        out.push('\n');
    }
    let present: BTreeSet<Action> = changes.iter().map(|c| c.action).collect();
    if any_change {
        let legend = present.iter().any(|a| *a != Action::NoOp);
        let mut h = format!(
            "\n{}\n",
            word_wrap(
                "Terraform used the selected providers to generate the following execution plan. Resource actions are indicated with the following symbols:",
                COLUMNS
            )
        );
        for (a, text) in [
            (Action::Create, "create"),
            (Action::Update, "update in-place"),
            (Action::Delete, "destroy"),
            (
                Action::DeleteThenCreate,
                "destroy and then create replacement",
            ),
            (
                Action::CreateThenDelete,
                "create replacement and then destroy",
            ),
            (Action::Read, "read (data resources)"),
            (
                Action::Forget,
                "forget (remove from state without destroying)",
            ),
        ] {
            if present.contains(&a) {
                let _ = writeln!(h, "{} {text}", action_symbol(a));
            }
        }
        if legend {
            out.push_str(&col.c(&h));
            out.push('\n');
        } else {
            out.push('\n');
        }
        out.push_str("Terraform will perform the following actions:\n\n");
        for c in &changes {
            if !shown(c) {
                continue;
            }
            out.push_str(&resource_block(c, schema_of(c).as_ref(), &col, false));
            out.push('\n');
        }
        let (add, change, destroy) = plan.counts();
        let (import, forget) = plan.import_forget_counts();
        let mut line = String::new();
        if import > 0 {
            let _ = write!(line, "{import} to import, ");
        }
        let _ = write!(
            line,
            "{add} to add, {change} to change, {destroy} to destroy"
        );
        if forget > 0 {
            let _ = write!(line, ", {forget} to forget");
        }
        out.push_str(&col.c(&format!("[reset][bold]Plan:[reset] {line}.\n")));
    }
    if !outputs.is_empty() {
        out.push_str(&col.c("[reset]\n[bold]Changes to Outputs:[reset]"));
        let name_len = outputs.iter().map(|o| o.name.len()).max().unwrap_or(0);
        let rp: Vec<Path> = Vec::new();
        let mut p = Printer {
            buf: String::new(),
            col: &col,
            replace_paths: &rp,
        };
        for o in outputs {
            p.w("\n  ");
            p.symbol(o.action);
            p.w(&o.name);
            p.indent(name_len - o.name.len());
            p.w(" = ");
            if o.sensitive {
                p.w("(sensitive value)");
                continue;
            }
            match o.action {
                Action::Create => p.value(&o.after, Action::Create, 4),
                Action::Delete => {
                    p.value_diff(&o.before, &Value::null(o.before.ty()), 4, &Path::root())
                }
                _ => p.value_diff(&o.before, &o.after, 4, &Path::root()),
            }
        }
        out.push_str(&p.buf);
        out.push('\n');
    }
    out
}

/// Renders values for `girder output` / `show`: Terraform's HCL-ish value syntax.
pub fn render_value(v: &Value) -> String {
    let col = Colors { on: false };
    let rp: Vec<Path> = Vec::new();
    let mut p = Printer {
        buf: String::new(),
        col: &col,
        replace_paths: &rp,
    };
    p.value(v, Action::NoOp, 0);
    // The NoOp symbol indents elements by two more spaces than Terraform's output command
    // does; keep it (girder output uses its own formatter).
    let _ = Type::Dynamic;
    p.buf
}
