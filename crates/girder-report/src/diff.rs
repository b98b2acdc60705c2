//! Terraform's plan diff style, rendered from JSON values and their mark trees.
//!
//! Terraform's JSON plan gives, for each change, `before`/`after` values and three trees of the
//! same shape: `after_unknown` (`true` where the value is known only after apply) and
//! `before_sensitive`/`after_sensitive` (`true` where the value is sensitive). A `true` at a node
//! covers everything below it. This module turns those into the lines Terraform prints
//! (`+`/`-`/`~`, `(known after apply)`, `(sensitive value)`, `# forces replacement`,
//! `# (N unchanged attributes hidden)`), with the action symbol moved to the first column so that a
//! markdown ```` ```diff ```` block colours additions and removals.
//!
//! Without a provider schema, two heuristics stand in for it (the same ones the drift module uses
//! for paths): a non-empty list whose elements are all objects is a list of nested blocks
//! (`ingress { ... }`), and an object that is the value of an attribute is a map (keys printed
//! quoted, like `tags`).
//!
//! Sensitive values are never printed, nor anything derived from them (length, line count, hash):
//! a sensitive node prints as `(sensitive value)` whatever it holds.

use serde_json::Value;
use similar::{capture_diff_slices, Algorithm, DiffOp};

/// A step of a path inside a resource's attributes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// An attribute name or map key.
    Key(String),
    /// A list index.
    Index(usize),
}

/// The symbol at the start of a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Sym {
    None,
    Create,
    Delete,
    Update,
    /// `-/+` destroy then create.
    DeleteCreate,
    /// `+/-` create then destroy.
    CreateDelete,
    /// `<=` read.
    Read,
}

impl Sym {
    fn as_str(self) -> &'static str {
        match self {
            Sym::None => "",
            Sym::Create => "+",
            Sym::Delete => "-",
            Sym::Update => "~",
            Sym::DeleteCreate => "-/+",
            Sym::CreateDelete => "+/-",
            Sym::Read => "<=",
        }
    }
}

/// One rendered line.
#[derive(Clone, Debug)]
pub(crate) struct Line {
    sym: Sym,
    depth: usize,
    /// An attribute name, aligned with the other names of its group before ` = `.
    key: Option<(usize, String)>,
    text: String,
}

/// The marks of one node: unknown-after, sensitive-before and sensitive-after subtrees.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Marks<'a> {
    pub unknown: Option<&'a Value>,
    pub before_sensitive: Option<&'a Value>,
    pub after_sensitive: Option<&'a Value>,
}

fn child_of<'a>(tree: Option<&'a Value>, step: &Step) -> Option<&'a Value> {
    match (tree?, step) {
        // `true` covers the whole subtree.
        (Value::Bool(true), _) => tree,
        (Value::Object(m), Step::Key(k)) => m.get(k),
        (Value::Array(a), Step::Index(i)) => a.get(*i),
        _ => None,
    }
}

fn is_true(tree: Option<&Value>) -> bool {
    matches!(tree, Some(Value::Bool(true)))
}

impl<'a> Marks<'a> {
    fn child(&self, step: &Step) -> Marks<'a> {
        Marks {
            unknown: child_of(self.unknown, step),
            before_sensitive: child_of(self.before_sensitive, step),
            after_sensitive: child_of(self.after_sensitive, step),
        }
    }
    fn unknown(&self) -> bool {
        is_true(self.unknown)
    }
    fn sensitive(&self) -> bool {
        is_true(self.before_sensitive) || is_true(self.after_sensitive)
    }
    /// Marks for the before side only (the after side of a removed element has no marks).
    fn before_only(&self) -> Marks<'a> {
        Marks {
            unknown: None,
            before_sensitive: self.before_sensitive,
            after_sensitive: None,
        }
    }
    fn after_only(&self) -> Marks<'a> {
        Marks {
            unknown: self.unknown,
            before_sensitive: None,
            after_sensitive: self.after_sensitive,
        }
    }
}

/// Whether keys of an object are printed quoted (maps in resources) or bare when they are
/// identifiers (objects in outputs and inside `jsonencode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum KeyStyle {
    Quoted,
    BareIdent,
}

/// Does this value hold anything sensitive anywhere (a `true` in the tree)?
fn any_true(tree: Option<&Value>) -> bool {
    match tree {
        Some(Value::Bool(b)) => *b,
        Some(Value::Array(a)) => a.iter().any(|v| any_true(Some(v))),
        Some(Value::Object(m)) => m.values().any(|v| any_true(Some(v))),
        _ => false,
    }
}

fn present(v: Option<&Value>) -> Option<&Value> {
    match v {
        None | Some(Value::Null) => None,
        Some(v) => Some(v),
    }
}

fn is_block_list(v: Option<&Value>) -> bool {
    matches!(present(v), Some(Value::Array(a)) if !a.is_empty() && a.iter().all(|e| e.is_object()))
}

fn is_ident(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// A string literal as Terraform prints it.
pub(crate) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn prim(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => quote(s),
        Value::Array(a) if a.is_empty() => "[]".into(),
        Value::Object(m) if m.is_empty() => "{}".into(),
        // Callers render non-empty collections as blocks of lines.
        _ => "...".into(),
    }
}

fn is_scalar(v: &Value) -> bool {
    match v {
        Value::Array(a) => a.is_empty(),
        Value::Object(m) => m.is_empty(),
        _ => true,
    }
}

/// A string that holds a JSON object or array (an IAM policy, a container definition).
fn as_json_doc(v: &Value) -> Option<Value> {
    let s = v.as_str()?;
    let t = s.trim_start();
    if !(t.starts_with('{') || t.starts_with('[')) {
        return None;
    }
    serde_json::from_str::<Value>(s)
        .ok()
        .filter(|j| j.is_object() || j.is_array())
}

fn multiline(v: &Value) -> Option<&str> {
    v.as_str().filter(|s| s.contains('\n'))
}

const UNKNOWN: &str = "(known after apply)";
const SENSITIVE: &str = "(sensitive value)";

/// Builds lines; formats them at the end.
#[derive(Default)]
pub(crate) struct Renderer {
    lines: Vec<Line>,
    groups: usize,
    /// Minimum name widths per group: Terraform aligns `=` over every non-null attribute or
    /// key, hidden ones included.
    min_width: Vec<(usize, usize)>,
}

/// Unchanged things hidden inside one body.
#[derive(Default)]
struct Hidden {
    attrs: usize,
    blocks: usize,
    elems: usize,
}

impl Hidden {
    fn emit(&self, r: &mut Renderer, depth: usize) {
        for (n, what) in [
            (self.attrs, "attribute"),
            (self.blocks, "block"),
            (self.elems, "element"),
        ] {
            if n > 0 {
                let s = if n == 1 { "" } else { "s" };
                r.push(
                    Sym::None,
                    depth,
                    None,
                    format!("# ({n} unchanged {what}{s} hidden)"),
                );
            }
        }
    }
}

/// Attribute names that Terraform always shows, changed or not, so a reader can tell which
/// object a diff is about.
const IDENTIFYING: &[&str] = &["id", "name", "tags"];

impl Renderer {
    pub(crate) fn new() -> Renderer {
        Renderer::default()
    }

    pub(crate) fn new_group(&mut self) -> usize {
        self.groups += 1;
        self.groups
    }

    pub(crate) fn push(
        &mut self,
        sym: Sym,
        depth: usize,
        key: Option<(usize, String)>,
        text: String,
    ) {
        self.lines.push(Line {
            sym,
            depth,
            key,
            text,
        });
    }

    fn widen(&mut self, group: usize, name: &str) {
        self.min_width.push((group, name.chars().count()));
    }

    /// Appends text to the last line (`-> null`, `# forces replacement`).
    fn append_last(&mut self, s: &str) {
        if let Some(l) = self.lines.last_mut() {
            l.text.push_str(s);
        }
    }

    /// The formatted lines, each `SYM` padded to four columns, then four spaces per depth.
    pub(crate) fn finish(self) -> Vec<String> {
        let mut width = vec![0usize; self.groups + 1];
        for (g, w) in &self.min_width {
            width[*g] = width[*g].max(*w);
        }
        for l in &self.lines {
            if let Some((g, k)) = &l.key {
                width[*g] = width[*g].max(k.chars().count());
            }
        }
        self.lines
            .into_iter()
            .map(|l| {
                let mut s = format!("{:<4}{}", l.sym.as_str(), "    ".repeat(l.depth));
                if let Some((g, k)) = &l.key {
                    s.push_str(k);
                    let pad = width[*g].saturating_sub(k.chars().count());
                    s.push_str(&" ".repeat(pad));
                    s.push_str(" = ");
                }
                s.push_str(&l.text);
                s.trim_end().to_string()
            })
            .collect()
    }

    /// The body of a resource (or nested block) whose attributes change from `before` to
    /// `after`. `sym` is the resource's own action: for a create every line is `+`, for a delete
    /// `-`, otherwise each attribute gets its own symbol.
    pub(crate) fn body(
        &mut self,
        before: Option<&Value>,
        after: Option<&Value>,
        marks: Marks<'_>,
        depth: usize,
        path: &mut Vec<Step>,
        replace_paths: &[Vec<Step>],
    ) {
        let empty = serde_json::Map::new();
        let b = present(before).and_then(Value::as_object).unwrap_or(&empty);
        let a = present(after).and_then(Value::as_object).unwrap_or(&empty);
        let unknown_keys = marks
            .unknown
            .and_then(Value::as_object)
            .map(|m| m.iter().filter(|(_, v)| is_true(Some(v))).map(|(k, _)| k))
            .into_iter()
            .flatten();
        let mut keys: Vec<&String> = b.keys().chain(a.keys()).chain(unknown_keys).collect();
        keys.sort();
        keys.dedup();
        let whole_create = present(before).is_none();
        let whole_delete = present(after).is_none() && !marks.unknown();
        let group = self.new_group();
        let mut hidden = Hidden::default();
        // Attributes first, then blocks, like Terraform.
        let (blocks, attrs): (Vec<&String>, Vec<&String>) = keys
            .into_iter()
            .partition(|k| is_block_list(b.get(*k)) || is_block_list(a.get(*k)));
        for k in attrs {
            let step = Step::Key(k.clone());
            let m = marks.child(&step);
            if present(b.get(k)).is_some() || present(a.get(k)).is_some() || m.unknown() {
                self.widen(group, k);
            }
            path.push(step);
            let forces = replace_paths.iter().any(|p| p == path);
            let first_line = self.lines.len();
            let shown = self.attr(
                group,
                k,
                b.get(k),
                a.get(k),
                m,
                depth,
                whole_create,
                whole_delete,
                IDENTIFYING.contains(&k.as_str()),
            );
            path.pop();
            match shown {
                Shown::Yes if forces => {
                    // On the attribute's first line, like Terraform (`~ tags = { # forces ...`).
                    if let Some(l) = self.lines.get_mut(first_line) {
                        l.text.push_str(" # forces replacement");
                    }
                }
                Shown::Yes | Shown::Absent => {}
                Shown::Hidden => hidden.attrs += 1,
            }
        }
        hidden.emit(self, depth);
        let mut hidden = Hidden::default();
        for k in blocks {
            let step = Step::Key(k.clone());
            let m = marks.child(&step);
            path.push(step);
            hidden.blocks += self.blocks(k, b.get(k), a.get(k), m, depth, path, replace_paths);
            path.pop();
        }
        hidden.emit(self, depth);
    }

    /// A list of nested blocks: paired by a longest-common-subsequence diff, so an element added
    /// to a set in the middle shows as one `+` block. Returns the count of unchanged blocks.
    fn blocks(
        &mut self,
        name: &str,
        before: Option<&Value>,
        after: Option<&Value>,
        marks: Marks<'_>,
        depth: usize,
        path: &mut Vec<Step>,
        replace_paths: &[Vec<Step>],
    ) -> usize {
        let none = Vec::new();
        let b = present(before).and_then(Value::as_array).unwrap_or(&none);
        let a = present(after).and_then(Value::as_array).unwrap_or(&none);
        let bs: Vec<String> = b.iter().map(|v| v.to_string()).collect();
        let as_: Vec<String> = a.iter().map(|v| v.to_string()).collect();
        let mut unchanged = 0;
        let forces = replace_paths.iter().any(|p| p == path);
        let suffix = if forces { " # forces replacement" } else { "" };
        let mut emit = |r: &mut Renderer, bi: Option<usize>, ai: Option<usize>| {
            let (sym, bv, av, m) = match (bi, ai) {
                (Some(i), Some(j)) => {
                    // Marks follow the after index; the before side by its own index.
                    let mb = marks.child(&Step::Index(i));
                    let ma = marks.child(&Step::Index(j));
                    let m = Marks {
                        unknown: ma.unknown,
                        before_sensitive: mb.before_sensitive,
                        after_sensitive: ma.after_sensitive,
                    };
                    (Sym::Update, b.get(i), a.get(j), m)
                }
                (Some(i), None) => (
                    Sym::Delete,
                    b.get(i),
                    None,
                    marks.child(&Step::Index(i)).before_only(),
                ),
                (None, Some(j)) => (
                    Sym::Create,
                    None,
                    a.get(j),
                    marks.child(&Step::Index(j)).after_only(),
                ),
                (None, None) => return,
            };
            path.push(Step::Index(ai.or(bi).unwrap_or(0)));
            // A wholly sensitive block: Terraform hides its contents.
            if m.sensitive() {
                r.push(sym, depth, None, format!("{name} {{"));
                r.push(
                    Sym::None,
                    depth + 1,
                    None,
                    "# At least one attribute in this block is (or was) sensitive,".into(),
                );
                r.push(
                    Sym::None,
                    depth + 1,
                    None,
                    "# so its contents will not be displayed.".into(),
                );
                r.push(Sym::None, depth, None, "}".into());
            } else {
                r.push(sym, depth, None, format!("{name} {{{suffix}"));
                r.body(bv, av, m, depth + 1, path, replace_paths);
                r.push(Sym::None, depth, None, "}".into());
            }
            path.pop();
        };
        for op in capture_diff_slices(Algorithm::Myers, &bs, &as_) {
            match op {
                DiffOp::Equal {
                    old_index,
                    new_index,
                    len,
                } => {
                    for k in 0..len {
                        // Equal JSON, but unknown or sensitivity may still differ.
                        let m = marks.child(&Step::Index(new_index + k));
                        if any_true(m.unknown) {
                            emit(self, Some(old_index + k), Some(new_index + k));
                        } else {
                            unchanged += 1;
                        }
                    }
                }
                DiffOp::Delete {
                    old_index, old_len, ..
                } => {
                    for k in 0..old_len {
                        emit(self, Some(old_index + k), None);
                    }
                }
                DiffOp::Insert {
                    new_index, new_len, ..
                } => {
                    for k in 0..new_len {
                        emit(self, None, Some(new_index + k));
                    }
                }
                DiffOp::Replace {
                    old_index,
                    old_len,
                    new_index,
                    new_len,
                } => {
                    let paired = old_len.min(new_len);
                    for k in 0..paired {
                        emit(self, Some(old_index + k), Some(new_index + k));
                    }
                    for k in paired..old_len {
                        emit(self, Some(old_index + k), None);
                    }
                    for k in paired..new_len {
                        emit(self, None, Some(new_index + k));
                    }
                }
            }
        }
        // An unknown list of blocks with nothing known in it.
        if a.is_empty() && marks.unknown() {
            self.push(Sym::Create, depth, None, format!("{name} {{"));
            self.push(Sym::None, depth + 1, None, UNKNOWN.to_string());
            self.push(Sym::None, depth, None, "}".into());
        }
        unchanged
    }

    /// One attribute line (or lines, for collections).
    fn attr(
        &mut self,
        group: usize,
        name: &str,
        before: Option<&Value>,
        after: Option<&Value>,
        marks: Marks<'_>,
        depth: usize,
        whole_create: bool,
        whole_delete: bool,
        identifying: bool,
    ) -> Shown {
        let key = Some((group, name.to_string()));
        self.value_change(
            key,
            before,
            after,
            marks,
            depth,
            whole_create,
            whole_delete,
            identifying,
            KeyStyle::Quoted,
            "",
        )
    }

    /// Renders the change of one value (an attribute, a map element, a list element). `key` is
    /// the attribute name or map key (None for list elements); `trailer` goes after the value
    /// (`,` for list elements).
    #[allow(clippy::too_many_arguments)]
    fn value_change(
        &mut self,
        key: Option<(usize, String)>,
        before: Option<&Value>,
        after: Option<&Value>,
        marks: Marks<'_>,
        depth: usize,
        whole_create: bool,
        whole_delete: bool,
        show_unchanged: bool,
        style: KeyStyle,
        trailer: &str,
    ) -> Shown {
        let b = present(before);
        let a = present(after);
        let unknown = marks.unknown();
        if b.is_none() && a.is_none() && !unknown {
            return Shown::Absent;
        }
        // Removed attributes and map elements read `-> null`; removed list elements do not.
        let null_arrow = if key.is_some() { " -> null" } else { "" };
        let b_sens = is_true(marks.before_sensitive);
        let a_sens = is_true(marks.after_sensitive);
        // Sensitive: never the value, never its length or shape.
        if b_sens || a_sens {
            let (sym, text) = match (b, a, unknown) {
                (None, _, _) => (
                    Sym::Create,
                    if unknown && !a_sens {
                        UNKNOWN
                    } else {
                        SENSITIVE
                    }
                    .to_string(),
                ),
                // Terraform prints no `-> null` after a removed sensitive value.
                (Some(_), None, false) => (Sym::Delete, SENSITIVE.to_string()),
                (Some(_), _, true) => (Sym::Update, SENSITIVE.to_string()),
                (Some(x), Some(y), false) => {
                    if x == y && b_sens == a_sens && !whole_create && !whole_delete {
                        if show_unchanged {
                            (Sym::None, SENSITIVE.to_string())
                        } else {
                            return Shown::Hidden;
                        }
                    } else {
                        (Sym::Update, SENSITIVE.to_string())
                    }
                }
            };
            let sym = self.outer(sym, whole_create, whole_delete);
            self.push(sym, depth, key, format!("{text}{trailer}"));
            return Shown::Yes;
        }
        if unknown {
            match b {
                None => {
                    let sym = self.outer(Sym::Create, whole_create, whole_delete);
                    self.push(sym, depth, key, format!("{UNKNOWN}{trailer}"));
                }
                Some(bv) => {
                    self.whole(Sym::Update, key, bv, marks.before_only(), depth, style, "");
                    self.append_last(&format!(" -> {UNKNOWN}{trailer}"));
                }
            }
            return Shown::Yes;
        }
        match (b, a) {
            (None, Some(av)) => {
                let sym = self.outer(Sym::Create, whole_create, whole_delete);
                self.whole(sym, key, av, marks.after_only(), depth, style, trailer);
            }
            (Some(bv), None) => {
                self.whole(Sym::Delete, key, bv, marks.before_only(), depth, style, "");
                self.append_last(&format!("{null_arrow}{trailer}"));
            }
            (Some(bv), Some(av)) if bv == av && !any_true(marks.unknown) => {
                if whole_create || whole_delete || show_unchanged {
                    let sym = self.outer(Sym::None, whole_create, whole_delete);
                    self.whole(sym, key, av, marks.after_only(), depth, style, trailer);
                } else {
                    return Shown::Hidden;
                }
            }
            (Some(bv), Some(av)) => {
                if let (Some(jb), Some(ja)) = (as_json_doc(bv), as_json_doc(av)) {
                    self.push(Sym::Update, depth, key, "jsonencode(".into());
                    self.value_change(
                        None,
                        Some(&jb),
                        Some(&ja),
                        Marks::default(),
                        depth + 1,
                        false,
                        false,
                        false,
                        KeyStyle::BareIdent,
                        "",
                    );
                    self.push(Sym::None, depth, None, format!("){trailer}"));
                } else if let (Some(sb), Some(sa)) = (multiline(bv), multiline(av)) {
                    self.heredoc_diff(key, sb, sa, depth, trailer);
                } else {
                    match (bv, av) {
                        (Value::Object(mb), Value::Object(ma))
                            if !mb.is_empty() || !ma.is_empty() =>
                        {
                            self.push(Sym::Update, depth, key, "{".into());
                            self.map_diff(mb, ma, marks, depth + 1, style);
                            self.push(Sym::None, depth, None, format!("}}{trailer}"));
                        }
                        (Value::Array(lb), Value::Array(la))
                            if !lb.is_empty() || !la.is_empty() =>
                        {
                            self.push(Sym::Update, depth, key, "[".into());
                            self.list_diff(lb, la, marks, depth + 1, style);
                            self.push(Sym::None, depth, None, format!("]{trailer}"));
                        }
                        _ if is_scalar(bv) && is_scalar(av) => {
                            self.push(
                                Sym::Update,
                                depth,
                                key,
                                format!("{} -> {}{trailer}", prim(bv), prim(av)),
                            );
                        }
                        _ => {
                            // The type changed: old value out, new value in.
                            self.whole(Sym::Update, key, bv, marks.before_only(), depth, style, "");
                            self.append_last(" ->");
                            self.whole_tail(av, marks.after_only(), depth, style, trailer);
                        }
                    }
                }
            }
            (None, None) => return Shown::Absent,
        }
        Shown::Yes
    }

    /// Inside a created (deleted) resource everything is `+` (`-`).
    fn outer(&self, sym: Sym, whole_create: bool, whole_delete: bool) -> Sym {
        if whole_create {
            Sym::Create
        } else if whole_delete {
            Sym::Delete
        } else {
            sym
        }
    }

    /// A whole value with one symbol on every line.
    #[allow(clippy::too_many_arguments)]
    fn whole(
        &mut self,
        sym: Sym,
        key: Option<(usize, String)>,
        v: &Value,
        marks: Marks<'_>,
        depth: usize,
        style: KeyStyle,
        trailer: &str,
    ) {
        if is_true(marks.before_sensitive) || is_true(marks.after_sensitive) {
            self.push(sym, depth, key, format!("{SENSITIVE}{trailer}"));
            return;
        }
        if marks.unknown() {
            self.push(sym, depth, key, format!("{UNKNOWN}{trailer}"));
            return;
        }
        if let Some(j) = as_json_doc(v) {
            self.push(sym, depth, key, "jsonencode(".into());
            let opener = self.lines.len();
            self.whole(
                sym,
                None,
                &j,
                Marks::default(),
                depth + 1,
                KeyStyle::BareIdent,
                "",
            );
            // Terraform prints the document's own opening bracket without a symbol.
            if !is_scalar(&j) {
                if let Some(l) = self.lines.get_mut(opener) {
                    l.sym = Sym::None;
                }
            }
            self.push(Sym::None, depth, None, format!("){trailer}"));
            return;
        }
        if let Some(s) = multiline(v) {
            self.push(sym, depth, key, "<<-EOT".into());
            for l in s.strip_suffix('\n').unwrap_or(s).split('\n') {
                self.push(sym, depth + 1, None, l.to_string());
            }
            self.push(Sym::None, depth, None, format!("EOT{trailer}"));
            return;
        }
        match v {
            Value::Object(m) if !m.is_empty() => {
                self.push(sym, depth, key, "{".into());
                let group = self.new_group();
                for (k, e) in m {
                    let step = Step::Key(k.clone());
                    let m2 = marks.child(&step);
                    if e.is_null() && !m2.unknown() {
                        continue;
                    }
                    let child_sym = if sym == Sym::Update { Sym::None } else { sym };
                    self.whole(
                        child_sym,
                        Some((group, fmt_key(k, style))),
                        e,
                        m2,
                        depth + 1,
                        style,
                        "",
                    );
                }
                self.push(Sym::None, depth, None, format!("}}{trailer}"));
            }
            Value::Array(a) if !a.is_empty() => {
                self.push(sym, depth, key, "[".into());
                for (i, e) in a.iter().enumerate() {
                    let m2 = marks.child(&Step::Index(i));
                    let child_sym = if sym == Sym::Update { Sym::None } else { sym };
                    self.whole(child_sym, None, e, m2, depth + 1, style, ",");
                }
                self.push(Sym::None, depth, None, format!("]{trailer}"));
            }
            _ => self.push(sym, depth, key, format!("{}{trailer}", prim(v))),
        }
    }

    /// The new value after `old ->` when the type changed: appended to the last line if scalar.
    fn whole_tail(
        &mut self,
        v: &Value,
        marks: Marks<'_>,
        depth: usize,
        style: KeyStyle,
        trailer: &str,
    ) {
        if is_scalar(v) && !marks.sensitive() && !marks.unknown() {
            self.append_last(&format!(" {}{trailer}", prim(v)));
        } else {
            self.whole(Sym::Create, None, v, marks, depth, style, trailer);
        }
    }

    fn map_diff(
        &mut self,
        b: &serde_json::Map<String, Value>,
        a: &serde_json::Map<String, Value>,
        marks: Marks<'_>,
        depth: usize,
        style: KeyStyle,
    ) {
        let unknown_keys = marks
            .unknown
            .and_then(Value::as_object)
            .map(|m| m.iter().filter(|(_, v)| is_true(Some(v))).map(|(k, _)| k))
            .into_iter()
            .flatten();
        let mut keys: Vec<&String> = b.keys().chain(a.keys()).chain(unknown_keys).collect();
        keys.sort();
        keys.dedup();
        let group = self.new_group();
        let mut hidden = Hidden::default();
        for k in keys {
            let step = Step::Key(k.clone());
            let m = marks.child(&step);
            let shown_key = fmt_key(k, style);
            self.widen(group, &shown_key);
            let shown = self.value_change(
                Some((group, shown_key)),
                b.get(k),
                a.get(k),
                m,
                depth,
                false,
                false,
                false,
                style,
                "",
            );
            if let Shown::Hidden = shown {
                hidden.elems += 1;
            }
        }
        hidden.emit(self, depth);
    }

    fn list_diff(
        &mut self,
        b: &[Value],
        a: &[Value],
        marks: Marks<'_>,
        depth: usize,
        style: KeyStyle,
    ) {
        let bs: Vec<String> = b.iter().map(|v| v.to_string()).collect();
        let as_: Vec<String> = a.iter().map(|v| v.to_string()).collect();
        let mut hidden = Hidden::default();
        let mut one = |r: &mut Renderer, bi: Option<usize>, ai: Option<usize>| {
            let mb = bi.map(|i| marks.child(&Step::Index(i))).unwrap_or_default();
            let ma = ai.map(|j| marks.child(&Step::Index(j))).unwrap_or_default();
            let m = Marks {
                unknown: ma.unknown,
                before_sensitive: mb.before_sensitive,
                after_sensitive: ma.after_sensitive,
            };
            let shown = r.value_change(
                None,
                bi.and_then(|i| b.get(i)),
                ai.and_then(|j| a.get(j)),
                m,
                depth,
                false,
                false,
                false,
                style,
                ",",
            );
            if let Shown::Hidden = shown {
                hidden.elems += 1;
            }
        };
        for op in capture_diff_slices(Algorithm::Myers, &bs, &as_) {
            match op {
                DiffOp::Equal {
                    old_index,
                    new_index,
                    len,
                } => {
                    for k in 0..len {
                        one(self, Some(old_index + k), Some(new_index + k));
                    }
                }
                DiffOp::Delete {
                    old_index, old_len, ..
                } => {
                    for k in 0..old_len {
                        one(self, Some(old_index + k), None);
                    }
                }
                DiffOp::Insert {
                    new_index, new_len, ..
                } => {
                    for k in 0..new_len {
                        one(self, None, Some(new_index + k));
                    }
                }
                DiffOp::Replace {
                    old_index,
                    old_len,
                    new_index,
                    new_len,
                } => {
                    // Collections pair up as in-place changes; scalars show as - then +.
                    let paired = if b[old_index..old_index + old_len].iter().all(is_scalar) {
                        0
                    } else {
                        old_len.min(new_len)
                    };
                    for k in 0..paired {
                        one(self, Some(old_index + k), Some(new_index + k));
                    }
                    for k in paired..old_len {
                        one(self, Some(old_index + k), None);
                    }
                    for k in paired..new_len {
                        one(self, None, Some(new_index + k));
                    }
                }
            }
        }
        hidden.emit(self, depth);
    }

    fn heredoc_diff(
        &mut self,
        key: Option<(usize, String)>,
        b: &str,
        a: &str,
        depth: usize,
        trailer: &str,
    ) {
        self.push(Sym::Update, depth, key, "<<-EOT".into());
        let bl: Vec<&str> = b.strip_suffix('\n').unwrap_or(b).split('\n').collect();
        let al: Vec<&str> = a.strip_suffix('\n').unwrap_or(a).split('\n').collect();
        for op in capture_diff_slices(Algorithm::Myers, &bl, &al) {
            for (tag, old, new) in op
                .iter_changes(&bl, &al)
                .map(|c| (c.tag(), c.old_index(), c.new_index()))
            {
                let (sym, text) = match tag {
                    similar::ChangeTag::Equal => (Sym::None, new.map(|j| al[j]).unwrap_or("")),
                    similar::ChangeTag::Delete => (Sym::Delete, old.map(|i| bl[i]).unwrap_or("")),
                    similar::ChangeTag::Insert => (Sym::Create, new.map(|j| al[j]).unwrap_or("")),
                };
                self.push(sym, depth + 1, None, text.to_string());
            }
        }
        self.push(Sym::None, depth, None, format!("EOT{trailer}"));
    }
}

/// What an attribute's rendering did.
pub(crate) enum Shown {
    Yes,
    Hidden,
    Absent,
}

fn fmt_key(k: &str, style: KeyStyle) -> String {
    match style {
        KeyStyle::BareIdent if is_ident(k) => k.to_string(),
        _ => quote(k),
    }
}

/// The change of an output value (outputs are objects, so keys print bare when they can).
pub(crate) fn output_change(
    r: &mut Renderer,
    group: usize,
    name: &str,
    before: Option<&Value>,
    after: Option<&Value>,
    marks: Marks<'_>,
    create: bool,
    delete: bool,
) {
    let shown = r.value_change(
        Some((group, name.to_string())),
        before,
        after,
        marks,
        0,
        create,
        delete,
        false,
        KeyStyle::BareIdent,
        "",
    );
    if let Shown::Absent = shown {
        let sym = if delete { Sym::Delete } else { Sym::Create };
        r.push(sym, 0, Some((group, name.to_string())), "null".into());
    }
}

/// Terraform-style lines for one changed value that reads better as a nested diff than as
/// `"old" -> "new"`: a JSON document in a string (`jsonencode(...)`) or a multi-line string
/// (heredoc). None for other values. Never called with sensitive values.
pub(crate) fn structured_change(name: &str, before: &Value, after: &Value) -> Option<Vec<String>> {
    let json = as_json_doc(before).is_some() && as_json_doc(after).is_some();
    let text = multiline(before).is_some() && multiline(after).is_some();
    if !json && !text {
        return None;
    }
    let mut r = Renderer::new();
    let g = r.new_group();
    r.value_change(
        Some((g, name.to_string())),
        Some(before),
        Some(after),
        Marks::default(),
        0,
        false,
        false,
        false,
        KeyStyle::Quoted,
        "",
    );
    Some(r.finish())
}

/// Parses a `replace_paths` entry (`["ingress", 0, "cidr_blocks"]`).
pub(crate) fn parse_path(v: &Value) -> Vec<Step> {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|s| match s {
                    Value::Number(n) => Step::Index(n.as_u64().unwrap_or(0) as usize),
                    Value::String(s) => Step::Key(s.clone()),
                    other => Step::Key(other.to_string()),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A path as Terraform prints it: `ingress[0].cidr_blocks`, `tags["Env"]`.
pub(crate) fn path_string(path: &[Step]) -> String {
    let mut s = String::new();
    for (i, step) in path.iter().enumerate() {
        match step {
            Step::Key(k) if i == 0 => s.push_str(k),
            Step::Key(k) => {
                s.push('.');
                s.push_str(k);
            }
            Step::Index(n) => s.push_str(&format!("[{n}]")),
        }
    }
    s
}
