//! Loading: files of a directory into a [`Module`]; local module calls into a [`Config`] tree.

use super::*;
use crate::source::{Expr, SourceFile};
use girder_core::convert::convert;
use girder_core::{Diagnostic, Diagnostics, Number, SourceSpan, Type, Value};
use hcl_edit::expr::{BinaryOperator, Expression, ObjectKey, UnaryOperator};
use hcl_edit::structure::{Attribute, Block, Body as HBody};
use hcl_edit::template::Element;
use hcl_edit::Span;
use std::path::Path;

/// Is this file ignored by Terraform (editor backups, hidden files)?
fn is_ignored(name: &str) -> bool {
    name.starts_with('.') || name.ends_with('~') || (name.starts_with('#') && name.ends_with('#'))
}

/// Is this an override file (`override.tf`, `x_override.tf`, and the `.tf.json` forms)?
fn is_override(name: &str) -> bool {
    let base = name
        .strip_suffix(".tf.json")
        .or_else(|| name.strip_suffix(".tf"))
        .unwrap_or(name);
    base == "override" || base.ends_with("_override")
}

/// Loads every `*.tf` and `*.tf.json` file of `dir` into one module. File names in spans are
/// the bare file names (the directory is the caller's working directory).
pub fn load_module_dir(dir: impl AsRef<Path>) -> (Module, Diagnostics) {
    load_module_dir_named(dir.as_ref(), "")
}

/// Like [`load_module_dir`], with file names shown as `prefix/file`.
pub(crate) fn load_module_dir_named(dir: &Path, prefix: &str) -> (Module, Diagnostics) {
    let mut diags = Diagnostics::new();
    let mut module = Module {
        dir: dir.to_path_buf(),
        ..Module::default()
    };
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            diags.push(
                Diagnostic::error(
                    "Failed to read module directory",
                    format!(
                        "Module directory {} does not exist or cannot be read: {e}.",
                        dir.display()
                    ),
                )
                .with_help("Check the path of the configuration directory."),
            );
            return (module, diags);
        }
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_type()
                .map(|t| t.is_file() || t.is_symlink())
                .unwrap_or(false)
        })
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| (n.ends_with(".tf") || n.ends_with(".tf.json")) && !is_ignored(n))
        .collect();
    names.sort();
    let (overrides, primaries): (Vec<String>, Vec<String>) =
        names.into_iter().partition(|n| is_override(n));
    let mut loader = Loader::new(&mut diags);
    for name in &primaries {
        if let Some(file) = read_file(dir, prefix, name, loader.diags, &mut module.json_sources) {
            loader.load_file(&SrcFile::new(file.clone()), &mut module);
            module.files.push(file);
        }
    }
    for name in &overrides {
        if let Some(file) = read_file(dir, prefix, name, loader.diags, &mut module.json_sources) {
            let mut over = Module::default();
            loader.override_mode = true;
            loader.load_file(&SrcFile::new(file.clone()), &mut over);
            loader.override_mode = false;
            module.files.push(file);
            super::merge::merge_override(&mut module, over, loader.diags);
        }
    }
    let Loader {
        calls, problems, ..
    } = loader;
    module.calls = calls;
    module.expr_problems = problems;
    (module, diags)
}

fn read_file(
    dir: &Path,
    prefix: &str,
    name: &str,
    diags: &mut Diagnostics,
    json_sources: &mut Vec<super::json::JsonSource>,
) -> Option<Arc<SourceFile>> {
    let display = if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}/{name}")
    };
    match std::fs::read(dir.join(name)) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => {
                if name.ends_with(".tf.json") {
                    let arc: Arc<str> = Arc::from(display.as_str());
                    match super::json::json_to_hcl(&arc, &text) {
                        Ok((hcl, src)) => {
                            json_sources.push(src);
                            Some(SourceFile::new(arc, hcl))
                        }
                        Err((msg, byte)) => {
                            let f = SourceFile::new(display, text);
                            let summary = if msg.contains("trailing comma after the final property")
                            {
                                "Trailing comma in object"
                            } else if msg.contains("trailing comma after the final element") {
                                "Trailing comma in array"
                            } else {
                                "Invalid JSON configuration"
                            };
                            diags.push(
                                Diagnostic::error(summary, msg)
                                    .with_span(f.span(byte..byte + 1))
                                    .with_help("A .tf.json file holds one JSON object whose properties are block types, as in Terraform's JSON syntax."),
                            );
                            None
                        }
                    }
                } else {
                    Some(SourceFile::new(display, text))
                }
            }
            Err(_) => {
                diags.push(
                    Diagnostic::error(
                        "Invalid file encoding",
                        format!("The file {display} is not valid UTF-8."),
                    )
                    .with_help("Save configuration files as UTF-8."),
                );
                None
            }
        },
        Err(e) => {
            diags.push(
                Diagnostic::error(
                    "Failed to read file",
                    format!("The file {display} could not be read: {e}."),
                )
                .with_help("Check the file's permissions."),
            );
            None
        }
    }
}

/// Loads the root module in `root_dir` and, recursively, every local module it calls.
pub fn load_config(root_dir: impl AsRef<Path>) -> (Config, Diagnostics) {
    let root_dir = root_dir.as_ref();
    let (module, mut diags) = load_module_dir(root_dir);
    let mut cfg = Config {
        module,
        path: vec![],
        children: BTreeMap::new(),
    };
    load_children(&mut cfg, root_dir, "", &mut diags, 0);
    (cfg, diags)
}

fn load_children(cfg: &mut Config, dir: &Path, rel: &str, diags: &mut Diagnostics, depth: usize) {
    let calls = cfg.module.module_calls.clone();
    for call in &calls {
        let ModuleSource::Local(src) = &call.source_kind else {
            continue;
        };
        if cfg.children.contains_key(&call.name) {
            continue;
        }
        let child_dir = dir.join(src);
        let child_rel = normalize_rel(&if rel.is_empty() {
            src.clone()
        } else {
            format!("{rel}/{src}")
        });
        if !child_dir.is_dir() {
            diags.push(
                Diagnostic::error(
                    "Unreadable module directory",
                    format!("The directory {child_rel} does not exist or cannot be read."),
                )
                .with_span(super::json::remap_span(
                    &cfg.module.json_sources,
                    &call.source_span,
                ))
                .with_help(format!(
                    "Create the directory or correct the source of module \"{}\".",
                    call.name
                )),
            );
            continue;
        }
        if depth >= 32 {
            diags.push(
                Diagnostic::error(
                    "Module recursion too deep",
                    format!("Module \"{}\" is nested more than 32 levels deep; a module probably calls itself.", call.name),
                )
                .with_span(super::json::remap_span(&cfg.module.json_sources, &call.source_span))
                .with_help("A module must not call itself, directly or through other modules."),
            );
            continue;
        }
        let (module, d) = load_module_dir_named(&child_dir, &child_rel);
        diags.extend(d);
        let mut path = cfg.path.clone();
        path.push(call.name.clone());
        let mut child = Config {
            module,
            path,
            children: BTreeMap::new(),
        };
        load_children(&mut child, &child_dir, &child_rel, diags, depth + 1);
        cfg.children.insert(call.name.clone(), child);
    }
}

/// `a/./b/../c` -> `a/c` (lexically; leading `..` kept).
fn normalize_rel(p: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if matches!(out.last(), Some(l) if *l != "..") {
                    out.pop();
                } else {
                    out.push("..");
                }
            }
            x => out.push(x),
        }
    }
    if out.is_empty() {
        ".".into()
    } else {
        out.join("/")
    }
}

// ---------------------------------------------------------------------------------------------
// literal values

/// The value of a literal expression (null, bool, number, string without interpolation, and
/// tuples/objects of those); None for anything that needs evaluation.
pub fn literal_value(e: &Expression) -> Option<Value> {
    literal_value_in(e, None)
}

/// [`literal_value`] of an expression parsed from `src`: numbers are read from the source text
/// (exact, also past `f64`'s range and precision), not from hcl-edit's `f64`.
pub(crate) fn literal_value_in(e: &Expression, src: Option<&str>) -> Option<Value> {
    let lit = |e: &Expression| literal_value_in(e, src);
    Some(match e {
        Expression::Null(_) => Value::null_dynamic(),
        Expression::Bool(b) => Value::bool(*b.value()),
        Expression::Number(n) => {
            let text = src.and_then(|s| s.get(e.span()?)).map(str::trim);
            match text.and_then(|t| Number::parse(t).ok()) {
                Some(num) => Value::number(num),
                None => Value::number(Number::parse(&n.value().to_string()).ok()?),
            }
        }
        Expression::String(s) => Value::string(crate::eval::lower::nfc(s.value().as_str())),
        Expression::StringTemplate(t) => {
            let mut s = String::new();
            for el in t.iter() {
                match el {
                    Element::Literal(l) => s.push_str(l.value()),
                    _ => return None,
                }
            }
            Value::string(crate::eval::lower::nfc(&s))
        }
        Expression::Array(a) => Value::tuple(a.iter().map(lit).collect::<Option<Vec<_>>>()?),
        Expression::Object(o) => {
            let mut m = BTreeMap::new();
            for (k, v) in o.iter() {
                let key = match k {
                    ObjectKey::Ident(i) => i.as_str().to_string(),
                    ObjectKey::Expression(e) => {
                        let kv = lit(e)?;
                        match convert(&kv, &Type::String).ok()?.as_str() {
                            Some(s) => s.to_string(),
                            None => return None,
                        }
                    }
                };
                m.insert(key, lit(v.expr())?);
            }
            Value::object(m.into())
        }
        Expression::Parenthesis(p) => lit(p.inner())?,
        _ => return None,
    })
}

/// Where `key = ...` was last set before `before` ends (start of the key).
fn previous_definition(before: &str, key: &str) -> Option<usize> {
    let mut end = before.len();
    while let Some(i) = before[..end].rfind(key) {
        let line_start = before[..i].rfind('\n').map(|x| x + 1).unwrap_or(0);
        let after = before[i + key.len()..].trim_start_matches([' ', '\t']);
        if before[line_start..i].trim().is_empty()
            && after.starts_with('=')
            && !after.starts_with("==")
        {
            return Some(i);
        }
        end = i;
    }
    None
}

/// The byte range of the first variable (traversal root) the expression references.
fn first_reference(e: &Expression) -> Option<std::ops::Range<usize>> {
    struct V(Option<std::ops::Range<usize>>);
    impl hcl_edit::visit::Visit for V {
        fn visit_expr(&mut self, e: &Expression) {
            if self.0.is_some() {
                return;
            }
            if let Expression::Variable(v) = e {
                self.0 = Some(v.span().unwrap_or(0..0));
            } else {
                hcl_edit::visit::visit_expr(self, e);
            }
        }
    }
    let mut v = V(None);
    hcl_edit::visit::Visit::visit_expr(&mut v, e);
    v.0
}

/// Does the expression call a function?
fn has_call(e: &Expression) -> bool {
    struct V(bool);
    impl hcl_edit::visit::Visit for V {
        fn visit_func_call(&mut self, _: &hcl_edit::expr::FuncCall) {
            self.0 = true;
        }
    }
    let mut v = V(false);
    hcl_edit::visit::Visit::visit_expr(&mut v, e);
    v.0
}

/// The source text of an expression with blanks removed (`aws.west`, `aws_instance.a[0]`).
fn expr_text(file: &SrcFile, e: &Expression) -> String {
    match e.span() {
        Some(r) => file.text[r]
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect(),
        None => String::new(),
    }
}

/// Strips one level of quotes from a traversal written as a string (`"aws.west"`).
fn unquote(s: &str) -> &str {
    s.strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(s)
}

pub(crate) fn suggest<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let mut sorted: Vec<&'a str> = candidates.into_iter().collect();
    sorted.sort_unstable();
    let mut best: Option<(usize, &str)> = None;
    for c in sorted {
        let d = levenshtein(name, c);
        if d < 3 && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
        }
        prev = cur;
    }
    prev[b.len()]
}

// ---------------------------------------------------------------------------------------------
// spans

/// A source file with a line index, so that spans cost O(log lines) instead of a scan from the
/// start of the file.
pub(crate) struct SrcFile {
    pub(crate) arc: Arc<SourceFile>,
    line_starts: Vec<usize>,
}

impl std::ops::Deref for SrcFile {
    type Target = SourceFile;
    fn deref(&self) -> &SourceFile {
        &self.arc
    }
}

impl SrcFile {
    pub(crate) fn new(arc: Arc<SourceFile>) -> SrcFile {
        let mut line_starts = vec![0];
        line_starts.extend(
            arc.text
                .bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        );
        SrcFile { arc, line_starts }
    }

    fn pos(&self, byte: usize) -> girder_core::diag::Pos {
        let text = &self.arc.text;
        let mut byte = byte.min(text.len());
        while !text.is_char_boundary(byte) {
            byte -= 1;
        }
        let line = self.line_starts.partition_point(|&s| s <= byte);
        let start = self.line_starts[line - 1];
        girder_core::diag::Pos {
            line,
            column: text[start..byte].chars().count() + 1,
            byte,
        }
    }

    /// The span of a byte range (same result as [`SourceFile::span`]).
    pub(crate) fn span(&self, range: std::ops::Range<usize>) -> SourceSpan {
        SourceSpan {
            filename: self.arc.name.clone(),
            start: self.pos(range.start),
            end: self.pos(range.end.max(range.start)),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// the loader

struct Loader<'d> {
    diags: &'d mut Diagnostics,
    /// Loading an override file: required arguments may be omitted.
    override_mode: bool,
    calls: Vec<CallSite>,
    problems: Vec<Diagnostic>,
}

/// Walks an expression for function calls and operator errors between literals.
struct ExprScan<'a> {
    file: &'a SrcFile,
    calls: &'a mut Vec<CallSite>,
    problems: &'a mut Vec<Diagnostic>,
}

impl ExprScan<'_> {
    fn span(&self, e: &impl Span) -> SourceSpan {
        self.file.span(e.span().unwrap_or(0..0))
    }
    fn operand(&mut self, e: &Expression, want: &Type, side: &str) {
        let Some(v) = literal_value_in(e, Some(&self.file.text)) else {
            return;
        };
        if v.is_null() {
            return;
        }
        if let Err(what) = super::validate::conforms_message(&v, want) {
            let detail = format!("Unsuitable value for {side} operand: {what}.");
            self.problems.push(
                Diagnostic::error("Invalid operand", detail)
                    .with_span(self.span(e))
                    .with_help(match (want, side) {
                        (Type::Number, "unary") => "Negation needs a number.",
                        (_, "unary") => "`!` needs true or false.",
                        (Type::Number, _) => "Arithmetic and comparison operators need numbers (or strings that hold numbers).",
                        _ => "Logical operators need true or false.",
                    }),
            );
        }
    }
}

impl hcl_edit::visit::Visit for ExprScan<'_> {
    fn visit_func_call(&mut self, node: &hcl_edit::expr::FuncCall) {
        let mut name = String::new();
        for ns in &node.name.namespace {
            name.push_str(ns.as_str());
            name.push_str("::");
        }
        name.push_str(node.name.name.as_str());
        let end = node.span().map(|r| r.end).unwrap_or(0);
        self.calls.push(CallSite {
            name,
            nargs: node.args.len(),
            // Terraform points at the start of an argument; for a quoted string, inside the quotes
            arg_spans: node
                .args
                .iter()
                .map(|a| match (a, a.span()) {
                    (Expression::String(_) | Expression::StringTemplate(_), Some(r))
                        if r.len() >= 2 =>
                    {
                        self.file.span(r.start + 1..r.end - 1)
                    }
                    _ => self.span(a),
                })
                .collect(),
            close_span: self.file.span(end.saturating_sub(1)..end),
            expand_final: node.args.expand_final(),
            name_span: self.span(&node.name.name),
            span: self.span(node),
        });
        hcl_edit::visit::visit_func_call(self, node);
    }
    fn visit_binary_op(&mut self, node: &hcl_edit::expr::BinaryOp) {
        use BinaryOperator::*;
        let want = match node.operator.value() {
            Plus | Minus | Mul | Div | Mod | Less | Greater | LessEq | GreaterEq => {
                Some(Type::Number)
            }
            And | Or => Some(Type::Bool),
            Eq | NotEq => None,
        };
        if let Some(want) = want {
            self.operand(&node.lhs_expr, &want, "left");
            self.operand(&node.rhs_expr, &want, "right");
        }
        hcl_edit::visit::visit_binary_op(self, node);
    }
    fn visit_unary_op(&mut self, node: &hcl_edit::expr::UnaryOp) {
        let want = match node.operator.value() {
            UnaryOperator::Neg => Type::Number,
            UnaryOperator::Not => Type::Bool,
        };
        self.operand(&node.expr, &want, "unary");
        hcl_edit::visit::visit_unary_op(self, node);
    }
}

/// The header span of a block: its type and labels.
fn header_span(file: &SrcFile, b: &Block) -> SourceSpan {
    let start = b
        .ident
        .span()
        .map(|r| r.start)
        .or(b.span().map(|r| r.start))
        .unwrap_or(0);
    let mut end = b.ident.span().map(|r| r.end).unwrap_or(start);
    for l in &b.labels {
        let r = match l {
            hcl_edit::structure::BlockLabel::Ident(i) => i.span(),
            hcl_edit::structure::BlockLabel::String(s) => s.span(),
        };
        if let Some(r) = r {
            end = end.max(r.end);
        }
    }
    file.span(start..end)
}

/// The span of a block's opening brace (where Terraform points at missing labels and arguments).
fn brace_span(file: &SrcFile, b: &Block) -> SourceSpan {
    let h = header_span(file, b);
    let from = h.end.byte;
    match file.text[from..].find('{') {
        Some(i) => file.span(from + i..from + i + 1),
        None => h,
    }
}

fn label_span(file: &SrcFile, b: &Block, i: usize) -> SourceSpan {
    match b.labels.get(i) {
        Some(hcl_edit::structure::BlockLabel::Ident(x)) => file.span(x.span().unwrap_or(0..0)),
        Some(hcl_edit::structure::BlockLabel::String(x)) => file.span(x.span().unwrap_or(0..0)),
        None => header_span(file, b),
    }
}

const TOP_BLOCKS: &[&str] = &[
    "terraform",
    "provider",
    "variable",
    "locals",
    "output",
    "resource",
    "data",
    "module",
    "moved",
    "import",
    "removed",
    "check",
];

impl<'d> Loader<'d> {
    fn new(diags: &'d mut Diagnostics) -> Loader<'d> {
        Loader {
            diags,
            override_mode: false,
            calls: Vec::new(),
            problems: Vec::new(),
        }
    }

    fn err(&mut self, summary: &str, detail: String, span: SourceSpan, help: &str) {
        self.diags.push(
            Diagnostic::error(summary, detail)
                .with_span(span)
                .with_help(help),
        );
    }

    fn load_file(&mut self, file: &SrcFile, m: &mut Module) {
        // An argument set twice is a parse error for hcl-edit; Terraform reports it and goes on.
        // So: report it, blank the repeated argument out (same byte length, so every span
        // stays valid) and parse again.
        let mut text: std::borrow::Cow<'_, str> = std::borrow::Cow::Borrowed(&file.text);
        let mut rounds = 0;
        let body = loop {
            match hcl_edit::parser::parse_body(&text) {
                Ok(b) => break b,
                Err(e) => {
                    let off = e.location().offset().min(text.len());
                    // a number literal past f64's range (Terraform's numbers have no limit)
                    if let Some(r) = crate::parse::big_number_at(&text, off) {
                        if rounds < 100 {
                            rounds += 1;
                            let mut t = text.into_owned();
                            t.replace_range(r.clone(), &"0".repeat(r.len()));
                            text = std::borrow::Cow::Owned(t);
                            continue;
                        }
                    }
                    if let Some(d) = crate::parse::duplicate_key(e.message(), &text, off, file) {
                        self.diags.push(d);
                        return;
                    }
                    if e.message().contains("redefined attribute") && rounds < 100 {
                        rounds += 1;
                        let key_end = off
                            + text[off..]
                                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
                                .unwrap_or(text.len() - off);
                        let key = text[off..key_end].to_string();
                        let mut d = Diagnostic::error("Attribute redefined", String::new())
                            .with_span(file.span(off..key_end))
                            .with_help("Remove one of the definitions.");
                        match previous_definition(&text[..off], &key) {
                            Some(p) => {
                                let prev = file.span(p..p + key.len());
                                d.detail = format!(
                                    "The argument \"{key}\" was already set at {}. Each argument may be set only once.",
                                    range_text(&prev)
                                );
                                d = d.with_related("previously set here", prev);
                            }
                            None => {
                                d.detail = format!("The argument \"{key}\" was already set. Each argument may be set only once.")
                            }
                        }
                        self.diags.push(d);
                        let eol = text[off..]
                            .find('\n')
                            .map(|i| off + i)
                            .unwrap_or(text.len());
                        let mut t = text.into_owned();
                        t.replace_range(off..eol, &" ".repeat(eol - off));
                        text = std::borrow::Cow::Owned(t);
                        continue;
                    }
                    let mut detail = e.message().to_string();
                    if detail.is_empty() {
                        detail = "The configuration could not be parsed.".into();
                    }
                    self.diags.push(
                        Diagnostic::error("Invalid syntax", detail)
                            .with_span(file.span(off..off))
                            .with_help("Fix the syntax at this position; the other files of the directory were still checked."),
                    );
                    return;
                }
            }
        };
        for attr in body.attributes() {
            let name = attr.key.as_str();
            self.err(
                "Unsupported argument",
                format!("An argument named \"{name}\" is not expected here."),
                file.span(attr.key.span().unwrap_or(0..0)),
                "At the top level of a configuration file only blocks (resource, variable, ...) are allowed.",
            );
        }
        for b in body.blocks() {
            let ty = b.ident.as_str();
            match ty {
                "terraform" => self.terraform(file, b, m),
                "provider" => {
                    if let Some(p) = self.provider(file, b) {
                        m.providers.push(p);
                    }
                }
                "variable" => {
                    if let Some(v) = self.variable(file, b) {
                        m.variables.push(v);
                    }
                }
                "locals" => self.locals(file, b, m),
                "output" => {
                    if let Some(o) = self.output(file, b) {
                        m.outputs.push(o);
                    }
                }
                "resource" => {
                    if let Some(r) = self.resource(file, b, ResourceMode::Managed) {
                        m.resources.push(r);
                    }
                }
                "data" => {
                    if let Some(r) = self.resource(file, b, ResourceMode::Data) {
                        m.resources.push(r);
                    }
                }
                "module" => {
                    if let Some(c) = self.module_call(file, b) {
                        m.module_calls.push(c);
                    }
                }
                "moved" => {
                    if self.labels(file, b, &[]) {
                        self.check_schema(file, &b.body, &["from", "to"], &[]);
                        if let (Some(from), Some(to)) = (
                            self.required_expr(file, b, "from"),
                            self.required_expr(file, b, "to"),
                        ) {
                            m.moved.push(Moved {
                                from,
                                to,
                                span: header_span(file, b),
                            });
                        }
                    }
                }
                "import" => {
                    if self.labels(file, b, &[]) {
                        self.check_schema(file, &b.body, &["to", "id", "provider"], &[]);
                        let provider = b
                            .body
                            .get_attribute("provider")
                            .map(|a| self.provider_ref(file, &a.value));
                        if let (Some(to), Some(id)) = (
                            self.required_expr(file, b, "to"),
                            self.required_expr(file, b, "id"),
                        ) {
                            m.imports.push(Import {
                                to,
                                id,
                                provider,
                                span: header_span(file, b),
                            });
                        }
                    }
                }
                "removed" => {
                    if self.labels(file, b, &[]) {
                        self.check_schema(file, &b.body, &["from"], &["lifecycle"]);
                        let mut destroy = None;
                        for lb in b.body.get_blocks("lifecycle") {
                            self.check_schema(file, &lb.body, &["destroy"], &[]);
                            if let Some(a) = lb.body.get_attribute("destroy") {
                                destroy = self.static_bool(file, a);
                            }
                        }
                        if let Some(from) = self.required_expr(file, b, "from") {
                            m.removed.push(Removed {
                                from,
                                destroy,
                                span: header_span(file, b),
                            });
                        }
                    }
                }
                "check" => {
                    if self.labels(file, b, &["name"]) {
                        self.check_schema(file, &b.body, &[], &["data", "assert"]);
                        let mut c = Check {
                            name: b.labels[0].as_str().to_string(),
                            data: vec![],
                            asserts: vec![],
                            span: header_span(file, b),
                        };
                        for nb in b.body.blocks() {
                            match nb.ident.as_str() {
                                "data" => {
                                    if let Some(r) = self.resource(file, nb, ResourceMode::Data) {
                                        c.data.push(r);
                                    }
                                }
                                "assert" => {
                                    if let Some(r) = self.check_rule(file, nb) {
                                        c.asserts.push(r);
                                    }
                                }
                                _ => {}
                            }
                        }
                        m.checks.push(c);
                    }
                }
                other => {
                    let mut detail = format!("Blocks of type \"{other}\" are not expected here.");
                    if let Some(s) = suggest(other, TOP_BLOCKS.iter().copied()) {
                        detail.push_str(&format!(" Did you mean \"{s}\"?"));
                    }
                    self.err(
                        "Unsupported block type",
                        detail,
                        header_span(file, b),
                        "Top-level blocks are terraform, provider, variable, locals, output, resource, data, module, moved, import, removed and check.",
                    );
                }
            }
        }
    }

    /// Checks the number of labels; false (with a diagnostic) when wrong.
    fn labels(&mut self, file: &SrcFile, b: &Block, names: &[&str]) -> bool {
        let ty = b.ident.as_str();
        if b.labels.len() < names.len() {
            let detail = format!(
                "All {ty} blocks must have {} labels ({}).",
                names.len(),
                names.join(", ")
            );
            self.err(
                &format!("Missing name for {ty}"),
                detail,
                brace_span(file, b),
                &format!(
                    "Write the block as {ty} {} {{ ... }}.",
                    names
                        .iter()
                        .map(|n| format!("\"{n}\""))
                        .collect::<Vec<_>>()
                        .join(" ")
                ),
            );
            return false;
        }
        if b.labels.len() > names.len() {
            let detail = if names.is_empty() {
                format!("No labels are expected for {ty} blocks.")
            } else {
                format!(
                    "Only {} labels ({}) are expected for {ty} blocks.",
                    names.len(),
                    names.join(", ")
                )
            };
            self.err(
                &format!("Extraneous label for {ty}"),
                detail,
                label_span(file, b, names.len()),
                "Remove the extra label.",
            );
            return false;
        }
        true
    }

    /// Reports arguments and blocks not in the lists, and arguments set twice.
    fn check_schema(&mut self, file: &SrcFile, body: &HBody, attrs: &[&str], blocks: &[&str]) {
        let mut seen: Vec<(&str, SourceSpan)> = Vec::new();
        for a in body.attributes() {
            let name = a.key.as_str();
            let span = file.span(a.key.span().unwrap_or(0..0));
            if let Some((_, prev)) = seen.iter().find(|(n, _)| *n == name) {
                let detail = format!(
                    "The argument \"{name}\" was already set at {}. Each argument may be set only once.",
                    range_text(prev)
                );
                self.diags.push(
                    Diagnostic::error("Attribute redefined", detail)
                        .with_span(span.clone())
                        .with_related("previously set here", prev.clone())
                        .with_help("Remove one of the definitions."),
                );
                continue;
            }
            seen.push((name, span.clone()));
            if !attrs.contains(&name) {
                let mut detail = format!("An argument named \"{name}\" is not expected here.");
                if let Some(s) = suggest(name, attrs.iter().copied()) {
                    detail.push_str(&format!(" Did you mean \"{s}\"?"));
                }
                let help = if attrs.is_empty() {
                    "This block takes no arguments.".to_string()
                } else {
                    format!("Arguments allowed here: {}.", attrs.join(", "))
                };
                self.err("Unsupported argument", detail, span, &help);
            }
        }
        for b in body.blocks() {
            let name = b.ident.as_str();
            if !blocks.contains(&name) {
                let mut detail = format!("Blocks of type \"{name}\" are not expected here.");
                if let Some(s) = suggest(name, blocks.iter().copied()) {
                    detail.push_str(&format!(" Did you mean \"{s}\"?"));
                }
                let help = if blocks.is_empty() {
                    "This block takes no nested blocks.".to_string()
                } else {
                    format!("Nested blocks allowed here: {}.", blocks.join(", "))
                };
                self.err(
                    "Unsupported block type",
                    detail,
                    header_span(file, b),
                    &help,
                );
            }
        }
    }

    fn expr(&mut self, file: &SrcFile, e: &Expression) -> Expr {
        let mut scan = ExprScan {
            file,
            calls: &mut self.calls,
            problems: &mut self.problems,
        };
        hcl_edit::visit::Visit::visit_expr(&mut scan, e);
        Expr::lower(e, file.arc.clone())
    }

    fn attr(&mut self, file: &SrcFile, a: &Attribute) -> Attr {
        Attr {
            name: a.key.as_str().to_string(),
            expr: self.expr(file, &a.value),
            literal: literal_value_in(&a.value, Some(&file.text)),
            name_span: file.span(a.key.span().unwrap_or(0..0)),
            span: file.span(a.span().unwrap_or(0..0)),
        }
    }

    fn required_expr(&mut self, file: &SrcFile, b: &Block, name: &str) -> Option<Expr> {
        match b.body.get_attribute(name) {
            Some(a) => Some(self.expr(file, &a.value)),
            None => {
                self.missing(file, b, name);
                None
            }
        }
    }

    /// Label `i` must be an identifier.
    fn check_name(&mut self, file: &SrcFile, b: &Block, i: usize, summary: &str) {
        if b.labels.get(i).is_some_and(|l| !is_identifier(l.as_str())) {
            self.err(
                summary,
                "A name must start with a letter or underscore and may contain only letters, digits, underscores, and dashes.".into(),
                label_span(file, b, i),
                "Rename it, e.g. with underscores instead of other punctuation.",
            );
        }
    }

    fn missing(&mut self, file: &SrcFile, b: &Block, name: &str) {
        self.err(
            "Missing required argument",
            format!("The argument \"{name}\" is required, but no definition was found."),
            brace_span(file, b),
            &format!("Add {name} = ... to this block."),
        );
    }

    /// A value that must be known when the configuration is loaded.
    fn static_value(&mut self, file: &SrcFile, a: &Attribute) -> Option<Value> {
        if let Some(v) = literal_value_in(&a.value, Some(&file.text)) {
            return Some(v);
        }
        let span = file.span(a.value.span().unwrap_or(0..0));
        if let Some(r) = first_reference(&a.value) {
            self.err(
                "Variables not allowed",
                "Variables may not be used here.".into(),
                file.span(r),
                &format!("The value of \"{}\" must be a literal.", a.key.as_str()),
            );
        } else if has_call(&a.value) {
            self.err(
                "Function calls not allowed",
                "Functions may not be called here.".into(),
                span.clone(),
                &format!("The value of \"{}\" must be a literal.", a.key.as_str()),
            );
        }
        self.err(
            "Unsuitable value type",
            "Unsuitable value: value must be known".into(),
            span,
            &format!("The value of \"{}\" must be a literal.", a.key.as_str()),
        );
        None
    }

    fn static_typed(&mut self, file: &SrcFile, a: &Attribute, ty: Type) -> Option<Value> {
        let v = self.static_value(file, a)?;
        match convert(&v, &ty) {
            Ok(v) if !v.is_null() => Some(v),
            Ok(_) => None,
            Err(_) => {
                let msg = super::validate::conforms_message(&v, &ty)
                    .err()
                    .unwrap_or_else(|| format!("{} required", ty.friendly_name()));
                // Terraform points inside the quotes of a string
                let span = match (&a.value, a.value.span()) {
                    (Expression::String(_) | Expression::StringTemplate(_), Some(r))
                        if r.len() >= 2 =>
                    {
                        file.span(r.start + 1..r.end - 1)
                    }
                    (_, r) => file.span(r.unwrap_or(0..0)),
                };
                self.err(
                    "Unsuitable value type",
                    format!("Unsuitable value: {msg}"),
                    span,
                    &format!(
                        "Give \"{}\" a {} value.",
                        a.key.as_str(),
                        ty.friendly_name()
                    ),
                );
                None
            }
        }
    }

    fn static_string(&mut self, file: &SrcFile, a: &Attribute) -> Option<String> {
        self.static_typed(file, a, Type::String)
            .and_then(|v| v.as_str().map(str::to_string))
    }

    fn static_bool(&mut self, file: &SrcFile, a: &Attribute) -> Option<bool> {
        self.static_typed(file, a, Type::Bool)
            .and_then(|v| v.as_bool())
    }

    fn provider_ref(&mut self, file: &SrcFile, e: &Expression) -> ProviderRef {
        let text = expr_text(file, e);
        let text = unquote(&text);
        let span = file.span(e.span().unwrap_or(0..0));
        let mut parts = text.splitn(2, '.');
        let name = parts.next().unwrap_or_default().to_string();
        let alias = parts.next().map(str::to_string);
        let valid = |s: &str| is_identifier(s);
        if !valid(&name) || alias.as_deref().is_some_and(|a| !valid(a)) {
            self.err(
                "Invalid provider reference",
                "Provider argument requires a provider name followed by an optional alias, like \"aws.foo\".".into(),
                span.clone(),
                "Write the provider as NAME or NAME.ALIAS, without quotes.",
            );
        }
        ProviderRef { name, alias, span }
    }

    fn expr_list(&mut self, file: &SrcFile, a: &Attribute) -> Vec<Expr> {
        match &a.value {
            Expression::Array(items) => items.iter().map(|e| self.expr(file, e)).collect(),
            other => {
                self.err(
                    "Invalid expression",
                    "A static list expression is required.".into(),
                    file.span(other.span().unwrap_or(0..0)),
                    &format!("Write \"{}\" as a list: [a.b, c.d].", a.key.as_str()),
                );
                vec![]
            }
        }
    }

    fn check_rule(&mut self, file: &SrcFile, b: &Block) -> Option<CheckRule> {
        if !self.labels(file, b, &[]) {
            return None;
        }
        self.check_schema(file, &b.body, &["condition", "error_message"], &[]);
        let condition = self.required_expr(file, b, "condition");
        let error_message = self.required_expr(file, b, "error_message");
        Some(CheckRule {
            condition: condition?,
            error_message: error_message?,
            span: header_span(file, b),
        })
    }

    // ----- generic bodies -----

    fn generic_body(
        &mut self,
        file: &SrcFile,
        body: &HBody,
        span: Option<SourceSpan>,
        skip: &[&str],
    ) -> Body {
        let mut out = Body {
            span,
            ..Body::default()
        };
        let mut seen: Vec<(String, SourceSpan)> = Vec::new();
        for a in body.attributes() {
            if skip.contains(&a.key.as_str()) {
                continue;
            }
            let attr = self.attr(file, a);
            if let Some((_, prev)) = seen.iter().find(|(n, _)| *n == attr.name) {
                let detail = format!(
                    "The argument \"{}\" was already set at {}. Each argument may be set only once.",
                    attr.name,
                    range_text(prev)
                );
                self.diags.push(
                    Diagnostic::error("Attribute redefined", detail)
                        .with_span(attr.name_span.clone())
                        .with_related("previously set here", prev.clone())
                        .with_help("Remove one of the definitions."),
                );
                continue;
            }
            seen.push((attr.name.clone(), attr.name_span.clone()));
            out.attrs.push(attr);
        }
        for b in body.blocks() {
            if skip.contains(&b.ident.as_str()) {
                continue;
            }
            if b.ident.as_str() == "dynamic" {
                if let Some(d) = self.dynamic_block(file, b) {
                    out.blocks.push(d);
                }
                continue;
            }
            let span = header_span(file, b);
            out.blocks.push(NestedBlock {
                type_name: b.ident.as_str().to_string(),
                labels: b.labels.iter().map(|l| l.as_str().to_string()).collect(),
                body: self.generic_body(file, &b.body, Some(span.clone()), &[]),
                dynamic: None,
                span,
            });
        }
        out
    }

    fn dynamic_block(&mut self, file: &SrcFile, b: &Block) -> Option<NestedBlock> {
        if !self.labels(file, b, &["type"]) {
            return None;
        }
        self.check_schema(
            file,
            &b.body,
            &["for_each", "iterator", "labels"],
            &["content"],
        );
        let type_name = b.labels[0].as_str().to_string();
        let for_each = self.required_expr(file, b, "for_each");
        let mut iterator = type_name.clone();
        if let Some(a) = b.body.get_attribute("iterator") {
            match &a.value {
                Expression::Variable(v) => iterator = v.as_str().to_string(),
                other => self.err(
                    "Invalid dynamic iterator name",
                    "Dynamic iterator must be a single variable name.".into(),
                    file.span(other.span().unwrap_or(0..0)),
                    "Write iterator = NAME without quotes.",
                ),
            }
        }
        let labels = b
            .body
            .get_attribute("labels")
            .map(|a| self.expr(file, &a.value));
        let contents: Vec<&Block> = b.body.get_blocks("content").collect();
        let span = header_span(file, b);
        let content = match contents.as_slice() {
            [c] => self.generic_body(file, &c.body, Some(header_span(file, c)), &[]),
            [] => {
                self.err(
                    "Missing dynamic content block",
                    "A dynamic block must have a nested block of type \"content\" to describe the body of each generated block.".into(),
                    span.clone(),
                    "Add a content { ... } block.",
                );
                return None;
            }
            [_, second, ..] => {
                self.err(
                    "Extraneous dynamic content block",
                    "Only one nested content block is allowed for each dynamic block.".into(),
                    header_span(file, second),
                    "Merge the content blocks into one.",
                );
                return None;
            }
        };
        Some(NestedBlock {
            type_name,
            labels: vec![],
            body: content,
            dynamic: Some(Box::new(DynamicSpec {
                for_each: for_each?,
                iterator,
                labels,
            })),
            span,
        })
    }

    // ----- top-level blocks -----

    fn terraform(&mut self, file: &SrcFile, b: &Block, m: &mut Module) {
        if !self.labels(file, b, &[]) {
            return;
        }
        self.check_schema(
            file,
            &b.body,
            &["required_version", "experiments"],
            &["required_providers", "backend", "provider_meta", "cloud"],
        );
        let t = &mut m.terraform;
        if let Some(a) = b.body.get_attribute("required_version") {
            if let Some(s) = self.static_string(file, a) {
                t.required_version
                    .push((s, file.span(a.value.span().unwrap_or(0..0))));
            }
        }
        if let Some(a) = b.body.get_attribute("experiments") {
            if let Expression::Array(items) = &a.value {
                for e in items.iter() {
                    t.experiments.push(expr_text(file, e));
                }
            }
        }
        for rp in b.body.get_blocks("required_providers") {
            for nb in rp.body.blocks() {
                self.err(
                    "Unsupported block type",
                    format!(
                        "Blocks of type \"{}\" are not expected here.",
                        nb.ident.as_str()
                    ),
                    header_span(file, nb),
                    "required_providers holds only NAME = { source = ..., version = ... } entries.",
                );
            }
            for a in rp.body.attributes() {
                let name = a.key.as_str().to_string();
                let span = file.span(a.span().unwrap_or(0..0));
                let mut req = RequiredProvider {
                    name: name.clone(),
                    source: None,
                    version: None,
                    span,
                };
                match literal_value_in(&a.value, Some(&file.text)) {
                    Some(v) if v.as_str().is_some() => req.version = v.as_str().map(str::to_string),
                    Some(v) if v.as_map().is_some() => {
                        let mm = v.as_map().cloned().unwrap_or_default();
                        for (k, val) in mm {
                            match k.as_str() {
                                "source" => req.source = val.as_str().map(str::to_string),
                                "version" => req.version = val.as_str().map(str::to_string),
                                "configuration_aliases" => {}
                                other => self.err(
                                    "Invalid required_providers object",
                                    format!("required_providers objects can only contain \"version\", \"source\" and \"configuration_aliases\" attributes. To configure a provider, use a \"provider\" block. (found \"{other}\")"),
                                    file.span(a.value.span().unwrap_or(0..0)),
                                    "Move provider settings into a provider block.",
                                ),
                            }
                        }
                    }
                    _ => {
                        // configuration_aliases holds references, so the object is not a
                        // literal; read source/version from its items.
                        if let Expression::Object(o) = &a.value {
                            for (k, v) in o.iter() {
                                let key = match k {
                                    ObjectKey::Ident(i) => i.as_str().to_string(),
                                    ObjectKey::Expression(e) => {
                                        unquote(&expr_text(file, e)).to_string()
                                    }
                                };
                                let val = literal_value_in(v.expr(), Some(&file.text))
                                    .and_then(|x| x.as_str().map(str::to_string));
                                match key.as_str() {
                                    "source" => req.source = val,
                                    "version" => req.version = val,
                                    _ => {}
                                }
                            }
                        } else {
                            self.err(
                                "Invalid required_providers object",
                                "required_providers entries must be objects with \"source\" and \"version\" attributes.".into(),
                                file.span(a.value.span().unwrap_or(0..0)),
                                "Write NAME = { source = \"hashicorp/NAME\", version = \"~> 1.0\" }.",
                            );
                        }
                    }
                }
                t.required_providers.insert(name, req);
            }
        }
        for bb in b.body.get_blocks("backend") {
            if !self.labels(file, bb, &["type"]) {
                continue;
            }
            let span = header_span(file, bb);
            if let Some(prev) = &t.backend {
                let detail = format!(
                    "A \"{}\" backend was already declared at {}. Only one backend configuration may be provided.",
                    prev.type_name,
                    range_text(&prev.span)
                );
                self.diags.push(
                    Diagnostic::error("Duplicate backend configuration", detail)
                        .with_span(span)
                        .with_help("Remove one of the backend blocks."),
                );
                continue;
            }
            let mut config = BTreeMap::new();
            for a in bb.body.attributes() {
                if let Some(v) = self.static_value(file, a) {
                    config.insert(a.key.as_str().to_string(), v);
                }
            }
            let body = self.generic_body(file, &bb.body, Some(span.clone()), &[]);
            t.backend = Some(Backend {
                type_name: bb.labels[0].as_str().to_string(),
                config,
                body,
                span,
            });
        }
    }

    fn provider(&mut self, file: &SrcFile, b: &Block) -> Option<ProviderConfig> {
        if !self.labels(file, b, &["name"]) {
            return None;
        }
        let alias = b
            .body
            .get_attribute("alias")
            .and_then(|a| self.static_string(file, a));
        let version = b
            .body
            .get_attribute("version")
            .and_then(|a| self.static_string(file, a));
        let span = header_span(file, b);
        let body = self.generic_body(file, &b.body, Some(span.clone()), &["alias", "version"]);
        Some(ProviderConfig {
            name: b.labels[0].as_str().to_string(),
            alias,
            version,
            body,
            span,
        })
    }

    fn variable(&mut self, file: &SrcFile, b: &Block) -> Option<Variable> {
        if !self.labels(file, b, &["name"]) {
            return None;
        }
        self.check_schema(
            file,
            &b.body,
            &["description", "default", "type", "sensitive", "nullable"],
            &["validation"],
        );
        let mut v = Variable {
            name: b.labels[0].as_str().to_string(),
            type_expr: None,
            ty: Type::Dynamic,
            type_error: None,
            default: None,
            description: None,
            sensitive: false,
            nullable: true,
            validations: vec![],
            name_span: label_span(file, b, 0),
            span: header_span(file, b),
        };
        if let Some(a) = b.body.get_attribute("type") {
            let te = Expr::lower(&a.value, file.arc.clone());
            match super::typecons::variable_type(&te) {
                Ok(t) => v.ty = t.ty,
                Err(ds) => {
                    v.type_error = ds.into_iter().next().map(|d| {
                        d.with_help("A type constraint is a primitive type (string, number, bool, any) or a constructor such as list(string), map(number), object({ name = string }).")
                    })
                }
            }
            v.type_expr = Some(te);
        }
        if let Some(a) = b.body.get_attribute("default") {
            let attr = self.attr(file, a);
            if attr.literal.is_none() {
                if let Some(r) = first_reference(&a.value) {
                    self.err(
                        "Variables not allowed",
                        "Variables may not be used here.".into(),
                        file.span(r),
                        "A variable's default must be a literal value.",
                    );
                } else if has_call(&a.value) {
                    self.err(
                        "Function calls not allowed",
                        "Functions may not be called here.".into(),
                        file.span(a.value.span().unwrap_or(0..0)),
                        "A variable's default must be a literal value; compute derived values in locals.",
                    );
                }
            }
            v.default = Some(attr);
        }
        if let Some(a) = b.body.get_attribute("description") {
            v.description = self.static_string(file, a);
        }
        if let Some(a) = b.body.get_attribute("sensitive") {
            v.sensitive = self.static_bool(file, a).unwrap_or(false);
        }
        if let Some(a) = b.body.get_attribute("nullable") {
            v.nullable = self.static_bool(file, a).unwrap_or(true);
        }
        for vb in b.body.get_blocks("validation") {
            if let Some(r) = self.check_rule(file, vb) {
                v.validations.push(r);
            }
        }
        Some(v)
    }

    fn locals(&mut self, file: &SrcFile, b: &Block, m: &mut Module) {
        if !self.labels(file, b, &[]) {
            return;
        }
        for nb in b.body.blocks() {
            self.err(
                "Unsupported block type",
                format!(
                    "Blocks of type \"{}\" are not expected here.",
                    nb.ident.as_str()
                ),
                header_span(file, nb),
                "A locals block holds only name = value definitions.",
            );
        }
        for a in b.body.attributes() {
            let expr = self.expr(file, &a.value);
            let start = a.key.span().map(|r| r.start).unwrap_or(0);
            let end = a.value.span().map(|r| r.end).unwrap_or(start);
            m.locals.push(Local {
                name: a.key.as_str().to_string(),
                expr,
                span: file.span(start..end),
            });
        }
    }

    fn output(&mut self, file: &SrcFile, b: &Block) -> Option<Output> {
        if !self.labels(file, b, &["name"]) {
            return None;
        }
        self.check_name(file, b, 0, "Invalid output name");
        self.check_schema(
            file,
            &b.body,
            &["value", "description", "sensitive", "depends_on"],
            &["precondition"],
        );
        let value = if self.override_mode {
            b.body
                .get_attribute("value")
                .map(|a| self.expr(file, &a.value))
        } else {
            self.required_expr(file, b, "value")
        };
        let description = b
            .body
            .get_attribute("description")
            .and_then(|a| self.static_string(file, a));
        let sensitive = b
            .body
            .get_attribute("sensitive")
            .and_then(|a| self.static_bool(file, a))
            .unwrap_or(false);
        let depends_on = b
            .body
            .get_attribute("depends_on")
            .map(|a| self.expr_list(file, a))
            .unwrap_or_default();
        let mut preconditions = vec![];
        for pb in b.body.get_blocks("precondition") {
            if let Some(r) = self.check_rule(file, pb) {
                preconditions.push(r);
            }
        }
        Some(Output {
            name: b.labels[0].as_str().to_string(),
            value,
            description,
            sensitive,
            depends_on,
            preconditions,
            span: header_span(file, b),
        })
    }

    fn resource(&mut self, file: &SrcFile, b: &Block, mode: ResourceMode) -> Option<Resource> {
        if !self.labels(file, b, &["type", "name"]) {
            return None;
        }
        self.check_name(
            file,
            b,
            1,
            match mode {
                ResourceMode::Managed => "Invalid resource name",
                ResourceMode::Data => "Invalid data resource name",
            },
        );
        let span = header_span(file, b);
        let mut r = Resource {
            mode,
            type_name: b.labels[0].as_str().to_string(),
            name: b.labels[1].as_str().to_string(),
            count: None,
            for_each: None,
            provider: None,
            depends_on: vec![],
            lifecycle: Lifecycle::default(),
            timeouts: None,
            body: Body::default(),
            span: span.clone(),
        };
        if let Some(a) = b.body.get_attribute("count") {
            r.count = Some(self.expr(file, &a.value));
        }
        if let Some(a) = b.body.get_attribute("for_each") {
            r.for_each = Some(self.expr(file, &a.value));
        }
        if let Some(a) = b.body.get_attribute("provider") {
            r.provider = Some(self.provider_ref(file, &a.value));
        }
        if let Some(a) = b.body.get_attribute("depends_on") {
            r.depends_on = self.expr_list(file, a);
        }
        let mut lifecycle_seen = false;
        for lb in b.body.get_blocks("lifecycle") {
            if lifecycle_seen {
                self.err(
                    "Duplicate lifecycle block",
                    "This resource already has a lifecycle block.".into(),
                    header_span(file, lb),
                    "Merge the lifecycle blocks into one.",
                );
                continue;
            }
            lifecycle_seen = true;
            if mode == ResourceMode::Data {
                self.check_schema(file, &lb.body, &[], &["precondition", "postcondition"]);
            } else {
                self.check_schema(
                    file,
                    &lb.body,
                    &[
                        "create_before_destroy",
                        "prevent_destroy",
                        "ignore_changes",
                        "replace_triggered_by",
                    ],
                    &["precondition", "postcondition"],
                );
            }
            r.lifecycle = self.lifecycle(file, lb);
        }
        for pb in b.body.blocks() {
            match pb.ident.as_str() {
                "provisioner" | "connection" if mode == ResourceMode::Managed => {
                    self.diags.push(
                        Diagnostic::warning(
                            format!("{} blocks are ignored", if pb.ident.as_str() == "provisioner" { "Provisioner" } else { "Connection" }),
                            format!(
                                "girder does not run provisioners; this \"{}\" block is ignored.",
                                pb.ident.as_str()
                            ),
                        )
                        .with_span(header_span(file, pb))
                        .with_help("Use user_data, a configuration-management tool or a separate step instead of provisioners."),
                    );
                }
                "timeouts" => {
                    let sp = header_span(file, pb);
                    r.timeouts = Some(self.generic_body(file, &pb.body, Some(sp), &[]));
                }
                _ => {}
            }
        }
        if mode == ResourceMode::Data {
            for pb in b.body.blocks() {
                if matches!(pb.ident.as_str(), "provisioner" | "connection") {
                    self.err(
                        "Unsupported block type",
                        format!(
                            "Blocks of type \"{}\" are not expected here.",
                            pb.ident.as_str()
                        ),
                        header_span(file, pb),
                        "Data sources do not support provisioners.",
                    );
                }
            }
        }
        r.body = self.generic_body(
            file,
            &b.body,
            Some(span),
            &[
                "count",
                "for_each",
                "provider",
                "depends_on",
                "lifecycle",
                "provisioner",
                "connection",
                "timeouts",
            ],
        );
        Some(r)
    }

    fn lifecycle(&mut self, file: &SrcFile, lb: &Block) -> Lifecycle {
        let mut l = Lifecycle::default();
        if let Some(a) = lb.body.get_attribute("create_before_destroy") {
            l.create_before_destroy = self.static_bool(file, a);
        }
        if let Some(a) = lb.body.get_attribute("prevent_destroy") {
            l.prevent_destroy = self.static_bool(file, a);
        }
        if let Some(a) = lb.body.get_attribute("ignore_changes") {
            match &a.value {
                Expression::Variable(v) if v.as_str() == "all" => {
                    l.ignore_changes = IgnoreChanges::All
                }
                Expression::String(s) if s.value() == "all" => {
                    l.ignore_changes = IgnoreChanges::All
                }
                Expression::Array(items) => {
                    let mut paths = vec![];
                    for e in items.iter() {
                        let text = expr_text(file, e);
                        let span = file.span(e.span().unwrap_or(0..0));
                        if text == "all" {
                            self.err(
                                "Invalid ignore_changes wildcard",
                                "The [\"*\"] form of ignore_changes wildcard is was deprecated and is now invalid. Use \"ignore_changes = all\" to ignore changes to all attributes.".into(),
                                span.clone(),
                                "Write ignore_changes = all (not in a list).",
                            );
                        }
                        paths.push((unquote(&text).to_string(), span));
                    }
                    l.ignore_changes = IgnoreChanges::Paths(paths);
                }
                other => self.err(
                    "Invalid ignore_changes",
                    "ignore_changes must be a list of attribute references or the keyword all."
                        .into(),
                    file.span(other.span().unwrap_or(0..0)),
                    "Write ignore_changes = [tags, ami] or ignore_changes = all.",
                ),
            }
        }
        if let Some(a) = lb.body.get_attribute("replace_triggered_by") {
            l.replace_triggered_by = self.expr_list(file, a);
        }
        for pb in lb.body.get_blocks("precondition") {
            if let Some(r) = self.check_rule(file, pb) {
                l.preconditions.push(r);
            }
        }
        for pb in lb.body.get_blocks("postcondition") {
            if let Some(r) = self.check_rule(file, pb) {
                l.postconditions.push(r);
            }
        }
        l
    }

    fn module_call(&mut self, file: &SrcFile, b: &Block) -> Option<ModuleCall> {
        if !self.labels(file, b, &["name"]) {
            return None;
        }
        self.check_name(file, b, 0, "Invalid module instance name");
        for nb in b.body.blocks() {
            self.err(
                "Unsupported block type",
                format!("Blocks of type \"{}\" are not expected here.", nb.ident.as_str()),
                header_span(file, nb),
                "Module calls take only arguments: the module's input variables and the meta-arguments source, version, count, for_each, providers and depends_on.",
            );
        }
        let span = header_span(file, b);
        let (source, source_span) = match b.body.get_attribute("source") {
            Some(a) => (
                self.static_string(file, a).unwrap_or_default(),
                file.span(a.value.span().unwrap_or(0..0)),
            ),
            None if self.override_mode => (String::new(), header_span(file, b)),
            None => {
                self.missing(file, b, "source");
                return None;
            }
        };
        let mut c = ModuleCall {
            name: b.labels[0].as_str().to_string(),
            source_kind: ModuleSource::parse(&source),
            source,
            source_span,
            version: b
                .body
                .get_attribute("version")
                .and_then(|a| self.static_string(file, a)),
            count: b
                .body
                .get_attribute("count")
                .map(|a| self.expr(file, &a.value)),
            for_each: b
                .body
                .get_attribute("for_each")
                .map(|a| self.expr(file, &a.value)),
            providers: vec![],
            depends_on: b
                .body
                .get_attribute("depends_on")
                .map(|a| self.expr_list(file, a))
                .unwrap_or_default(),
            inputs: vec![],
            span,
        };
        if let Some(a) = b.body.get_attribute("providers") {
            match &a.value {
                Expression::Object(o) => {
                    for (k, v) in o.iter() {
                        let child = match k {
                            ObjectKey::Ident(i) => ProviderRef {
                                name: i.as_str().to_string(),
                                alias: None,
                                span: file.span(i.span().unwrap_or(0..0)),
                            },
                            ObjectKey::Expression(e) => self.provider_ref(file, e),
                        };
                        let parent = self.provider_ref(file, v.expr());
                        c.providers.push((child, parent));
                    }
                }
                other => self.err(
                    "Invalid providers argument",
                    "The providers argument must be a map from provider addresses in the child module to provider addresses in this module.".into(),
                    file.span(other.span().unwrap_or(0..0)),
                    "Write providers = { aws = aws.west }.",
                ),
            }
        }
        let body = self.generic_body(
            file,
            &b.body,
            None,
            &[
                "source",
                "version",
                "count",
                "for_each",
                "providers",
                "depends_on",
            ],
        );
        c.inputs = body.attrs;
        Some(c)
    }
}

/// `main.tf:1,1-14` as Terraform writes a range in messages.
pub fn range_text(s: &SourceSpan) -> String {
    if s.start.line == s.end.line {
        format!(
            "{}:{},{}-{}",
            s.filename, s.start.line, s.start.column, s.end.column
        )
    } else {
        format!(
            "{}:{},{}-{},{}",
            s.filename, s.start.line, s.start.column, s.end.line, s.end.column
        )
    }
}

/// Is `s` a valid HCL identifier?
pub(crate) fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if c.is_alphabetic() || c == '_' => {}
        _ => return false,
    }
    chars.all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}
