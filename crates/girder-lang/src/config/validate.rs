//! Static validation of a loaded configuration: every error at once, in Terraform's words.

use super::load::{is_identifier, range_text, suggest};
use super::*;
use crate::functions::FunctionTable;
use crate::refs::{references, Reference, Subject};
use girder_core::convert::convert;
use girder_core::Diagnostics;
use std::collections::{HashMap, HashSet};

/// Terraform 1.0.3's functions: name, positional parameters, variadic parameter. The authority
/// for "Call to unknown function" and the arity checks (stable, unlike girder's growing function
/// table, which is consulted for functions Terraform 1.0.3 does not have).
const TF_FUNCTIONS: &[(&str, &[&str], Option<&str>)] = &[
    ("abs", &["num"], None),
    ("abspath", &["path"], None),
    ("alltrue", &["list"], None),
    ("anytrue", &["list"], None),
    ("base64decode", &["str"], None),
    ("base64encode", &["str"], None),
    ("base64gzip", &["str"], None),
    ("base64sha256", &["str"], None),
    ("base64sha512", &["str"], None),
    ("basename", &["path"], None),
    ("bcrypt", &["str"], Some("cost")),
    ("can", &["expression"], None),
    ("ceil", &["num"], None),
    ("chomp", &["str"], None),
    ("chunklist", &["list", "size"], None),
    ("cidrhost", &["prefix", "hostnum"], None),
    ("cidrnetmask", &["prefix"], None),
    ("cidrsubnet", &["prefix", "newbits", "netnum"], None),
    ("cidrsubnets", &["prefix"], Some("newbits")),
    ("coalesce", &[], Some("vals")),
    ("coalescelist", &[], Some("vals")),
    ("compact", &["list"], None),
    ("concat", &[], Some("seqs")),
    ("contains", &["list", "value"], None),
    ("csvdecode", &["str"], None),
    ("defaults", &["input", "defaults"], None),
    ("dirname", &["path"], None),
    ("distinct", &["list"], None),
    ("element", &["list", "index"], None),
    ("file", &["path"], None),
    ("filebase64", &["path"], None),
    ("filebase64sha256", &["path"], None),
    ("filebase64sha512", &["path"], None),
    ("fileexists", &["path"], None),
    ("filemd5", &["path"], None),
    ("fileset", &["path", "pattern"], None),
    ("filesha1", &["path"], None),
    ("filesha256", &["path"], None),
    ("filesha512", &["path"], None),
    ("flatten", &["list"], None),
    ("floor", &["num"], None),
    ("format", &["format"], Some("args")),
    ("formatdate", &["format", "time"], None),
    ("formatlist", &["format"], Some("args")),
    ("indent", &["spaces", "str"], None),
    ("index", &["list", "value"], None),
    ("join", &["separator"], Some("lists")),
    ("jsondecode", &["str"], None),
    ("jsonencode", &["val"], None),
    ("keys", &["inputMap"], None),
    ("length", &["value"], None),
    ("log", &["num", "base"], None),
    ("lookup", &["inputMap", "key"], Some("default")),
    ("lower", &["str"], None),
    ("matchkeys", &["values", "keys", "searchset"], None),
    ("max", &[], Some("numbers")),
    ("md5", &["str"], None),
    ("merge", &[], Some("maps")),
    ("min", &[], Some("numbers")),
    ("nonsensitive", &["value"], None),
    ("one", &["list"], None),
    ("parseint", &["number", "base"], None),
    ("pathexpand", &["path"], None),
    ("pow", &["num", "power"], None),
    ("range", &[], Some("params")),
    ("regex", &["pattern", "string"], None),
    ("regexall", &["pattern", "string"], None),
    ("replace", &["str", "substr", "replace"], None),
    ("reverse", &["list"], None),
    ("rsadecrypt", &["ciphertext", "privatekey"], None),
    ("sensitive", &["value"], None),
    ("setintersection", &["first_set"], Some("other_sets")),
    ("setproduct", &[], Some("sets")),
    ("setsubtract", &["a", "b"], None),
    ("setunion", &["first_set"], Some("other_sets")),
    ("sha1", &["str"], None),
    ("sha256", &["str"], None),
    ("sha512", &["str"], None),
    ("signum", &["num"], None),
    ("slice", &["list", "start_index", "end_index"], None),
    ("sort", &["list"], None),
    ("split", &["separator", "str"], None),
    ("strrev", &["str"], None),
    ("substr", &["str", "offset", "length"], None),
    ("sum", &["list"], None),
    ("templatefile", &["path", "vars"], None),
    ("textdecodebase64", &["source", "encoding"], None),
    ("textencodebase64", &["string", "encoding"], None),
    ("timeadd", &["timestamp", "duration"], None),
    ("timestamp", &[], None),
    ("title", &["str"], None),
    ("tobool", &["v"], None),
    ("tolist", &["v"], None),
    ("tomap", &["v"], None),
    ("tonumber", &["v"], None),
    ("toset", &["v"], None),
    ("tostring", &["v"], None),
    ("transpose", &["values"], None),
    ("trim", &["str", "cutset"], None),
    ("trimprefix", &["str", "prefix"], None),
    ("trimspace", &["str"], None),
    ("trimsuffix", &["str", "suffix"], None),
    ("try", &[], Some("expressions")),
    ("upper", &["str"], None),
    ("urlencode", &["str"], None),
    ("uuid", &[], None),
    ("uuidv5", &["namespace", "name"], None),
    ("values", &["mapping"], None),
    ("yamldecode", &["src"], None),
    ("yamlencode", &["value"], None),
    ("zipmap", &["keys", "values"], None),
];

const RESERVED_VARIABLE_NAMES: &[&str] = &[
    "source",
    "version",
    "providers",
    "count",
    "for_each",
    "lifecycle",
    "depends_on",
    "locals",
];

const BAD_IDENTIFIER: &str =
    "A name must start with a letter or underscore and may contain only letters, digits, underscores, and dashes.";

/// Runs every static check on the configuration tree.
pub fn validate(config: &Config) -> Diagnostics {
    let funcs = FunctionTable::builtin();
    let mut d = Diagnostics::new();
    validate_tree(config, &funcs, &mut d);
    d.extend(child_module_imports(config));
    config.remap_json_spans(&mut d);
    d
}

/// `import` blocks are only allowed in the root module (their `to` may address any module
/// instance): one error per `import` block found in a child module.
pub fn child_module_imports(config: &Config) -> Diagnostics {
    let mut d = Diagnostics::new();
    for c in config.children.values() {
        let path = c.display_path();
        for im in &c.module.imports {
            d.push(
                Diagnostic::error(
                    "Invalid import configuration",
                    format!(
                        "An import block was detected in \"{path}\". Import blocks are only allowed in the root module."
                    ),
                )
                .with_span(im.span.clone())
                .with_help(format!(
                    "Move the import block to the root module and address the object through the module call: to = {path}.TYPE.NAME."
                )),
            );
        }
        d.extend(child_module_imports(c));
    }
    d
}

fn validate_tree(cfg: &Config, funcs: &FunctionTable, d: &mut Diagnostics) {
    let m = &cfg.module;
    Checker {
        cfg,
        var_names: m.variables.iter().map(|v| v.name.as_str()).collect(),
        local_names: m.locals.iter().map(|v| v.name.as_str()).collect(),
        resource_keys: m
            .resources
            .iter()
            .map(|r| (r.mode, r.type_name.as_str(), r.name.as_str()))
            .collect(),
        m,
        d,
        where_: cfg.display_path(),
        graph: Graph::default(),
        in_check: None,
    }
    .run(funcs);
    for c in cfg.children.values() {
        validate_tree(c, funcs, d);
    }
}

/// What an expression may reference.
#[derive(Clone, Default)]
struct Scope {
    count: bool,
    each: bool,
    self_ok: bool,
    iterators: Vec<String>,
    /// In a variable validation rule: the only variable that may be referenced.
    validation_of: Option<String>,
}

struct Checker<'a> {
    cfg: &'a Config,
    /// Declared names, for fast lookups.
    var_names: HashSet<&'a str>,
    local_names: HashSet<&'a str>,
    resource_keys: HashSet<(ResourceMode, &'a str, &'a str)>,
    m: &'a Module,
    d: &'a mut Diagnostics,
    where_: String,
    /// The reference graph, for the cycle check.
    graph: Graph<'a>,
    /// The `check` block whose data sources and assertions are being checked (its scoped data
    /// sources are visible there only).
    in_check: Option<&'a str>,
}

/// The reference graph of a module: nodes interned as numbers (a configuration of 10,000
/// `locals` blocks has 30,000 nodes, so no per-node sets or cloned spans).
#[derive(Default)]
struct Graph<'a> {
    ids: HashMap<Arc<str>, u32>,
    names: Vec<Arc<str>>,
    /// The declaration's span; None for a name that is only referenced.
    spans: Vec<Option<&'a SourceSpan>>,
    /// Referenced nodes (may repeat).
    out: Vec<Vec<u32>>,
}

impl<'a> Graph<'a> {
    fn id(&mut self, name: &str) -> u32 {
        if let Some(&i) = self.ids.get(name) {
            return i;
        }
        let i = self.names.len() as u32;
        let name: Arc<str> = Arc::from(name);
        self.ids.insert(name.clone(), i);
        self.names.push(name);
        self.spans.push(None);
        self.out.push(Vec::new());
        i
    }
    /// Declares a node (the first declaration's span wins).
    fn declare(&mut self, name: &str, span: &'a SourceSpan) -> u32 {
        let i = self.id(name);
        let s = &mut self.spans[i as usize];
        if s.is_none() {
            *s = Some(span);
        }
        i
    }
}

fn err(
    summary: impl Into<String>,
    detail: impl Into<String>,
    span: Option<SourceSpan>,
    help: impl Into<String>,
) -> Diagnostic {
    Diagnostic::error(summary, detail)
        .with_span_opt(span)
        .with_help(help)
}

impl<'a> Checker<'a> {
    fn run(mut self, funcs: &FunctionTable) {
        self.duplicates();
        self.variables();
        self.count_for_each();
        self.references();
        self.module_inputs();
        self.functions(funcs);
        self.d.extend(self.m.expr_problems.iter().cloned());
        self.cycles();
    }

    // ----- duplicates -----

    fn duplicates(&mut self) {
        let m = self.m;
        let mut seen: HashMap<&str, &SourceSpan> = HashMap::new();
        for v in &m.variables {
            if let Some(prev) = seen.get(v.name.as_str()) {
                self.d.push(
                    err(
                        "Duplicate variable declaration",
                        format!("A variable named \"{}\" was already declared at {}. Variable names must be unique within a module.", v.name, range_text(prev)),
                        Some(v.span.clone()),
                        "Rename or remove one of the declarations.",
                    )
                    .with_related("first declared here", (*prev).clone()),
                );
            } else {
                seen.insert(&v.name, &v.span);
            }
        }
        let mut seen: HashMap<&str, &SourceSpan> = HashMap::new();
        for l in &m.locals {
            if let Some(prev) = seen.get(l.name.as_str()) {
                self.d.push(
                    err(
                        "Duplicate local value definition",
                        format!("A local value named \"{}\" was already defined at {}. Local value names must be unique within a module.", l.name, range_text(prev)),
                        Some(l.span.clone()),
                        "Rename or remove one of the definitions.",
                    )
                    .with_related("first defined here", (*prev).clone()),
                );
            } else {
                seen.insert(&l.name, &l.span);
            }
        }
        let mut seen: HashMap<&str, &SourceSpan> = HashMap::new();
        for o in &m.outputs {
            if let Some(prev) = seen.get(o.name.as_str()) {
                self.d.push(
                    err(
                        "Duplicate output definition",
                        format!("An output named \"{}\" was already defined at {}. Output names must be unique within a module.", o.name, range_text(prev)),
                        Some(o.span.clone()),
                        "Rename or remove one of the outputs.",
                    )
                    .with_related("first defined here", (*prev).clone()),
                );
            } else {
                seen.insert(&o.name, &o.span);
            }
        }
        let mut seen: HashMap<(ResourceMode, &str, &str), &SourceSpan> = HashMap::new();
        // A check block's data sources share the module's namespace.
        for r in m
            .resources
            .iter()
            .chain(m.checks.iter().flat_map(|c| &c.data))
        {
            let key = (r.mode, r.type_name.as_str(), r.name.as_str());
            if let Some(prev) = seen.get(&key) {
                let (summary, detail) = match r.mode {
                    ResourceMode::Managed => (
                        format!("Duplicate resource \"{}\" configuration", r.type_name),
                        format!("A {} resource named \"{}\" was already declared at {}. Resource names must be unique per type in each module.", r.type_name, r.name, range_text(prev)),
                    ),
                    ResourceMode::Data => (
                        format!("Duplicate data \"{}\" configuration", r.type_name),
                        format!("A {} data resource named \"{}\" was already declared at {}. Resource names must be unique per type in each module.", r.type_name, r.name, range_text(prev)),
                    ),
                };
                self.d.push(
                    err(
                        summary,
                        detail,
                        Some(r.span.clone()),
                        "Rename or remove one of the blocks.",
                    )
                    .with_related("first declared here", (*prev).clone()),
                );
            } else {
                seen.insert(key, &r.span);
            }
        }
        let mut seen: HashMap<&str, &SourceSpan> = HashMap::new();
        for c in &m.module_calls {
            if let Some(prev) = seen.get(c.name.as_str()) {
                self.d.push(
                    err(
                        "Duplicate module call",
                        format!("A module call named \"{}\" was already defined at {}. Module calls must have unique names within a module.", c.name, range_text(prev)),
                        Some(c.span.clone()),
                        "Rename or remove one of the module blocks.",
                    )
                    .with_related("first defined here", (*prev).clone()),
                );
            } else {
                seen.insert(&c.name, &c.span);
            }
        }
        let mut seen: HashMap<(&str, Option<&str>), &SourceSpan> = HashMap::new();
        for p in &m.providers {
            let key = (p.name.as_str(), p.alias.as_deref());
            if let Some(prev) = seen.get(&key) {
                let detail = match &p.alias {
                    None => format!("A default (non-aliased) provider configuration for \"{}\" was already given at {}. If multiple configurations are required, set the \"alias\" argument for alternative configurations.", p.name, range_text(prev)),
                    Some(a) => format!("A provider configuration for \"{}\" with alias \"{}\" was already given at {}. Each configuration for the same provider must have a distinct alias.", p.name, a, range_text(prev)),
                };
                self.d.push(
                    err(
                        "Duplicate provider configuration",
                        detail,
                        Some(p.span.clone()),
                        "Give each additional configuration of the provider its own alias.",
                    )
                    .with_related("first configured here", (*prev).clone()),
                );
            } else {
                seen.insert(key, &p.span);
            }
        }
    }

    // ----- variables -----

    fn variables(&mut self) {
        for v in &self.m.variables {
            if !is_identifier(&v.name) {
                self.d.push(err(
                    "Invalid variable name",
                    BAD_IDENTIFIER,
                    Some(v.name_span.clone()),
                    "Rename the variable, e.g. with underscores instead of other punctuation.",
                ));
            } else if RESERVED_VARIABLE_NAMES.contains(&v.name.as_str()) {
                self.d.push(err(
                    "Invalid variable name",
                    format!("The variable name \"{}\" is reserved due to its special meaning inside module blocks.", v.name),
                    Some(v.name_span.clone()),
                    "Choose another name for the variable.",
                ));
            }
            if let Some(e) = &v.type_error {
                self.d.push(e.clone());
                continue;
            }
            if let Some(def) = &v.default {
                if let Some(lit) = &def.literal {
                    if lit.is_null() {
                        if !v.nullable {
                            self.d.push(err(
                                "Invalid default value for variable",
                                "A null default value is not valid when nullable=false.",
                                def.expr.span(),
                                "Give a non-null default or remove nullable = false.",
                            ));
                        }
                    } else if let Err(e) = conforms_message(lit, &v.ty) {
                        self.d.push(err(
                            "Invalid default value for variable",
                            format!("This default value is not compatible with the variable's type constraint: {e}."),
                            def.expr.span(),
                            format!("Make the default a value of type {}.", v.ty),
                        ));
                    }
                }
            }
        }
    }

    fn count_for_each(&mut self) {
        let mut both = vec![];
        for r in &self.m.resources {
            if let (Some(_), Some(fe)) = (&r.count, &r.for_each) {
                both.push(fe.span().unwrap_or_else(|| r.span.clone()));
            }
        }
        for c in &self.m.module_calls {
            if let (Some(_), Some(fe)) = (&c.count, &c.for_each) {
                both.push(fe.span().unwrap_or_else(|| c.span.clone()));
            }
        }
        for s in both {
            self.d.push(err(
                "Invalid combination of \"count\" and \"for_each\"",
                "The \"count\" and \"for_each\" meta-arguments are mutually-exclusive, only one should be used to be explicit about the number of resources to be created.",
                Some(s),
                "Remove either count or for_each.",
            ));
        }
    }

    // ----- references -----

    fn references(&mut self) {
        let m = self.m;
        for v in &m.variables {
            self.graph.declare(&format!("var.{}", v.name), &v.span);
            for rule in &v.validations {
                let self_ref = references(&rule.condition)
                    .iter()
                    .any(|r| matches!(&r.subject, Subject::Var(n) if *n == v.name));
                if !self_ref {
                    self.d.push(err(
                        "Invalid variable validation condition",
                        format!("The condition for variable \"{}\" must refer to var.{} in order to test incoming values.", v.name, v.name),
                        rule.condition.span(),
                        format!("Write the condition in terms of var.{}.", v.name),
                    ));
                }
                let scope = Scope {
                    validation_of: Some(v.name.clone()),
                    ..Scope::default()
                };
                self.expr(&rule.condition, &scope, None);
                self.expr(&rule.error_message, &scope, None);
            }
        }
        for l in &m.locals {
            let node = self.graph.declare(&format!("local.{}", l.name), &l.span);
            self.expr(&l.expr, &Scope::default(), Some(node));
        }
        for o in &m.outputs {
            let node = self.graph.declare(&format!("output.{}", o.name), &o.span);
            if let Some(v) = &o.value {
                self.expr(v, &Scope::default(), Some(node));
            }
            for e in &o.depends_on {
                self.depends_on(e);
                self.expr(e, &Scope::default(), Some(node));
            }
            for r in &o.preconditions {
                self.expr(&r.condition, &Scope::default(), Some(node));
                self.expr(&r.error_message, &Scope::default(), Some(node));
            }
        }
        for r in &m.resources {
            self.resource(r, None);
        }
        for c in &m.checks {
            self.in_check = Some(c.name.as_str());
            for r in &c.data {
                self.resource(r, None);
            }
            for a in &c.asserts {
                self.expr(&a.condition, &Scope::default(), None);
                self.expr(&a.error_message, &Scope::default(), None);
            }
            self.in_check = None;
        }
        for c in &m.module_calls {
            let node = self.graph.declare(&format!("module.{}", c.name), &c.span);
            let meta = Scope::default();
            if let Some(e) = &c.count {
                self.expr(e, &meta, Some(node));
            }
            if let Some(e) = &c.for_each {
                self.expr(e, &meta, Some(node));
            }
            for e in &c.depends_on {
                self.depends_on(e);
                self.expr(e, &meta, Some(node));
            }
            let scope = Scope {
                count: c.count.is_some(),
                each: c.for_each.is_some(),
                ..Scope::default()
            };
            for a in &c.inputs {
                self.expr(&a.expr, &scope, Some(node));
            }
        }
        for p in &m.providers {
            self.body(&p.body, &Scope::default(), None);
        }
        for i in &m.imports {
            self.expr(&i.id, &Scope::default(), None);
        }
    }

    /// A `depends_on` entry must name a whole resource, data source or module call.
    fn depends_on(&mut self, e: &Expr) {
        let Some(parts) = e.static_traversal() else {
            self.d.push(err(
                "Invalid expression",
                "A single static variable reference is required: only attribute access and indexing with constant keys. No calculations, function calls, template expressions, etc are allowed here.",
                e.span(),
                "List resources and modules by address, e.g. depends_on = [aws_iam_role.x, module.net].",
            ));
            return;
        };
        let is_index = |p: &String| p.starts_with('[');
        let names: Vec<&String> = parts.iter().filter(|p| !is_index(p)).collect();
        let whole = match parts[0].as_str() {
            "module" => names.len() == 2,
            "data" => names.len() == 3,
            "var" | "local" | "count" | "each" | "path" | "terraform" | "self" => {
                self.d.push(err(
                    "Invalid depends_on reference",
                    format!("The depends_on argument must refer to resources, data sources or module calls; {} is not one.", parts.join(".").replace(".[", "[")),
                    e.span(),
                    "Remove this entry: dependencies on values are implied by references to them.",
                ));
                return;
            }
            _ => names.len() == 2,
        };
        if !whole {
            self.d.push(err(
                "Invalid depends_on reference",
                "References in depends_on must be to a whole object (resource, etc), not to an attribute of an object.",
                e.span(),
                "Refer to the whole resource or module, without an attribute name.",
            ));
        }
    }

    fn resource(&mut self, r: &'a Resource, _parent: Option<&str>) {
        let node = self.graph.declare(&r.address(), &r.span);
        let meta = Scope::default();
        if let Some(e) = &r.count {
            self.expr(e, &meta, Some(node));
        }
        if let Some(e) = &r.for_each {
            self.expr(e, &meta, Some(node));
        }
        for e in &r.depends_on {
            self.depends_on(e);
            self.expr(e, &meta, Some(node));
        }
        let scope = Scope {
            count: r.count.is_some(),
            each: r.for_each.is_some(),
            ..Scope::default()
        };
        self.body(&r.body, &scope, Some(node));
        for e in &r.lifecycle.replace_triggered_by {
            self.expr(e, &scope, Some(node));
        }
        for rule in &r.lifecycle.preconditions {
            self.expr(&rule.condition, &scope, Some(node));
            self.expr(&rule.error_message, &scope, Some(node));
        }
        let post = Scope {
            self_ok: true,
            ..scope.clone()
        };
        for rule in &r.lifecycle.postconditions {
            self.expr(&rule.condition, &post, Some(node));
            self.expr(&rule.error_message, &post, Some(node));
        }
    }

    fn body(&mut self, b: &Body, scope: &Scope, node: Option<u32>) {
        for a in &b.attrs {
            self.expr(&a.expr, scope, node);
        }
        for nb in &b.blocks {
            match &nb.dynamic {
                Some(d) => {
                    self.expr(&d.for_each, scope, node);
                    let mut inner = scope.clone();
                    inner.iterators.push(d.iterator.clone());
                    if let Some(l) = &d.labels {
                        self.expr(l, &inner, node);
                    }
                    self.body(&nb.body, &inner, node);
                }
                None => self.body(&nb.body, scope, node),
            }
        }
    }

    fn expr(&mut self, e: &Expr, scope: &Scope, node: Option<u32>) {
        for r in references(e) {
            let span = r.span.clone().or_else(|| e.span());
            if let Some(target) = self.check_ref(&r, scope, span) {
                if let Some(n) = node {
                    let t = self.graph.id(&target);
                    self.graph.out[n as usize].push(t);
                }
            }
        }
    }

    /// Checks one reference; returns the graph node it names (for the cycle check).
    fn check_ref(
        &mut self,
        r: &Reference,
        scope: &Scope,
        span: Option<SourceSpan>,
    ) -> Option<String> {
        let m = self.m;
        let where_ = self.where_.clone();
        match &r.subject {
            Subject::Var(n) => {
                if let Some(only) = &scope.validation_of {
                    if only != n {
                        self.d.push(err(
                            "Invalid reference in variable validation",
                            format!("The condition for variable \"{only}\" can only refer to the variable itself, using var.{only}."),
                            span,
                            format!("Refer only to var.{only} in this validation rule."),
                        ));
                        return None;
                    }
                }
                if !self.var_names.contains(n.as_str()) {
                    let (detail, help) = match suggest(n, m.variables.iter().map(|v| v.name.as_str())) {
                        Some(s) => (
                            format!("An input variable with the name \"{n}\" has not been declared. Did you mean \"{s}\"?"),
                            format!("Correct the reference to var.{s}, or declare variable \"{n}\" {{}}."),
                        ),
                        None => (
                            format!("An input variable with the name \"{n}\" has not been declared. This variable can be declared with a variable \"{n}\" {{}} block."),
                            format!("Declare it with variable \"{n}\" {{}} or correct the name."),
                        ),
                    };
                    self.d.push(err(
                        "Reference to undeclared input variable",
                        detail,
                        span,
                        help,
                    ));
                    return None;
                }
                Some(format!("var.{n}"))
            }
            Subject::Local(n) => {
                if !self.local_names.contains(n.as_str()) {
                    let (detail, help) = match suggest(n, m.locals.iter().map(|v| v.name.as_str())) {
                        Some(s) => (
                            format!("A local value with the name \"{n}\" has not been declared. Did you mean \"{s}\"?"),
                            format!("Correct the reference to local.{s}, or define {n} in a locals block."),
                        ),
                        None => (
                            format!("A local value with the name \"{n}\" has not been declared."),
                            format!("Define it in a locals block (locals {{ {n} = ... }}) or correct the name."),
                        ),
                    };
                    self.d.push(err(
                        "Reference to undeclared local value",
                        detail,
                        span,
                        help,
                    ));
                    return None;
                }
                Some(format!("local.{n}"))
            }
            Subject::Resource {
                mode,
                type_name,
                name,
            } => {
                if *mode == ResourceMode::Managed && scope.iterators.iter().any(|i| i == type_name)
                {
                    return None;
                }
                let owns = |c: &&Check| {
                    c.data
                        .iter()
                        .any(|d| d.mode == *mode && &d.type_name == type_name && &d.name == name)
                };
                let owner = m.checks.iter().find(owns);
                let declared =
                    self.resource_keys
                        .contains(&(*mode, type_name.as_str(), name.as_str()));
                if let Some(owner) = owner.filter(|_| !declared) {
                    let here = m
                        .checks
                        .iter()
                        .filter(owns)
                        .any(|c| self.in_check == Some(c.name.as_str()));
                    if !here {
                        self.d.push(err(
                            "Reference to scoped resource",
                            format!("The referenced data resource \"{type_name}\" \"{name}\" is not available from this context: it is declared inside check \"{}\", and only that check's assertions may use it.", owner.name),
                            span,
                            format!("Declare the data block outside the check block to use it here, or move this reference into check \"{}\".", owner.name),
                        ));
                        return None;
                    }
                }
                if !declared && owner.is_none() {
                    let (what, addr, decl) = match mode {
                        ResourceMode::Managed => (
                            "managed resource",
                            format!("{type_name}.{name}"),
                            format!("resource \"{type_name}\" \"{name}\""),
                        ),
                        ResourceMode::Data => (
                            "data resource",
                            format!("data.{type_name}.{name}"),
                            format!("data \"{type_name}\" \"{name}\""),
                        ),
                    };
                    let candidates: Vec<String> = m
                        .resources
                        .iter()
                        .filter(|x| x.mode == *mode)
                        .map(|x| x.address())
                        .collect();
                    let help = match suggest(&addr, candidates.iter().map(String::as_str)) {
                        Some(s) => format!("Did you mean {s}?"),
                        None => format!(
                            "Declare it with a {decl} {{ ... }} block, or correct the reference."
                        ),
                    };
                    self.d.push(err(
                        "Reference to undeclared resource",
                        format!("A {what} \"{type_name}\" \"{name}\" has not been declared in {where_}."),
                        span,
                        help,
                    ));
                    return None;
                }
                Some(match mode {
                    ResourceMode::Managed => format!("{type_name}.{name}"),
                    ResourceMode::Data => format!("data.{type_name}.{name}"),
                })
            }
            Subject::Module { name, output } => {
                let Some(call) = m.module_call(name) else {
                    let help = match suggest(name, m.module_calls.iter().map(|c| c.name.as_str())) {
                        Some(s) => format!("Did you mean module.{s}?"),
                        None => format!("Declare it with a module \"{name}\" {{ source = ... }} block, or correct the reference."),
                    };
                    self.d.push(err(
                        "Reference to undeclared module",
                        format!("No module call named \"{name}\" is declared in {where_}."),
                        span,
                        help,
                    ));
                    return None;
                };
                if let (Some(o), Some(child)) = (output, self.cfg.children.get(&call.name)) {
                    if child.module.output(o).is_none() {
                        let help = match suggest(o, child.module.outputs.iter().map(|x| x.name.as_str())) {
                            Some(s) => format!("Did you mean module.{name}.{s}?"),
                            None => format!("Add output \"{o}\" {{ value = ... }} to the module, or correct the reference."),
                        };
                        self.d.push(err(
                            "Reference to undeclared output value",
                            format!("An output value with the name \"{o}\" has not been declared in {}.", child.display_path()),
                            span,
                            help,
                        ));
                    }
                }
                Some(format!("module.{name}"))
            }
            Subject::Count(attr) => {
                if !scope.count {
                    self.d.push(err(
                        "Reference to \"count\" in non-counted context",
                        "The \"count\" object can only be used in \"module\", \"resource\", and \"data\" blocks, and only when the \"count\" argument is set.",
                        span,
                        "Set count on this block, or remove the reference to count.",
                    ));
                } else if attr != "index" {
                    self.d.push(err(
                        "Invalid \"count\" attribute",
                        format!("The \"count\" object does not have an attribute named \"{attr}\". The only supported attribute is count.index, which is the index of each instance of a resource block that has the \"count\" argument set."),
                        span,
                        "Use count.index.",
                    ));
                }
                None
            }
            Subject::Each(attr) => {
                if !scope.each {
                    self.d.push(err(
                        "Reference to \"each\" in context without for_each",
                        "The \"each\" object can be used only in \"module\" or \"resource\" blocks, and only when the \"for_each\" argument is set.",
                        span,
                        "Set for_each on this block, or remove the reference to each.",
                    ));
                } else if attr != "key" && attr != "value" {
                    self.d.push(err(
                        "Invalid \"each\" attribute",
                        format!("The \"each\" object does not have an attribute named \"{attr}\". The supported attributes are each.key and each.value, the current key and value pair of the \"for_each\" attribute set."),
                        span,
                        "Use each.key or each.value.",
                    ));
                }
                None
            }
            Subject::Path(attr) => {
                if !matches!(attr.as_str(), "module" | "root" | "cwd") {
                    let detail = match suggest(attr, ["cwd", "module", "root"]) {
                        Some(s) => format!("The \"path\" object does not have an attribute named \"{attr}\". Did you mean \"{s}\"?"),
                        None => format!("The \"path\" object does not have an attribute named \"{attr}\". The supported attributes are path.cwd, path.module, and path.root."),
                    };
                    self.d.push(err(
                        "Invalid \"path\" attribute",
                        detail,
                        span,
                        "Use path.module, path.root or path.cwd.",
                    ));
                }
                None
            }
            Subject::Terraform(attr) => {
                if attr != "workspace" {
                    self.d.push(err(
                        "Invalid \"terraform\" attribute",
                        format!("The \"terraform\" object does not have an attribute named \"{attr}\". The only supported attribute is terraform.workspace, the name of the currently-selected workspace."),
                        span,
                        "Use terraform.workspace.",
                    ));
                }
                None
            }
            Subject::SelfRef => {
                if !scope.self_ok {
                    self.d.push(err(
                        "Invalid \"self\" reference",
                        "The \"self\" object is not available in this context. This object can be used only in resource provisioner, connection, and postcondition blocks.",
                        span,
                        "Refer to the resource by its address instead.",
                    ));
                }
                None
            }
            Subject::Other(name) => {
                if scope.iterators.iter().any(|i| i == name) {
                    return None;
                }
                self.d.push(err(
                    "Invalid reference",
                    format!("A reference to a resource type must be followed by at least one attribute access, specifying the resource name. (\"{name}\" is not a known object.)"),
                    span,
                    "References look like var.NAME, local.NAME, TYPE.NAME, data.TYPE.NAME or module.NAME.",
                ));
                None
            }
        }
    }

    // ----- module call arguments against the child's variables -----

    fn module_inputs(&mut self) {
        for c in &self.m.module_calls {
            let Some(child) = self.cfg.children.get(&c.name) else {
                continue;
            };
            let cm = &child.module;
            for a in &c.inputs {
                if cm.variable(&a.name).is_none() {
                    let mut detail =
                        format!("An argument named \"{}\" is not expected here.", a.name);
                    if let Some(s) = suggest(&a.name, cm.variables.iter().map(|v| v.name.as_str()))
                    {
                        detail.push_str(&format!(" Did you mean \"{s}\"?"));
                    }
                    self.d.push(err(
                        "Unsupported argument",
                        detail,
                        Some(a.name_span.clone()),
                        format!("Module \"{}\" declares no variable \"{}\"; add one to the module or remove the argument.", c.name, a.name),
                    ));
                }
            }
            for v in &cm.variables {
                if v.default.is_none() && !c.inputs.iter().any(|a| a.name == v.name) {
                    self.d.push(err(
                        "Missing required argument",
                        format!("The argument \"{}\" is required, but no definition was found.", v.name),
                        Some(c.span.clone()),
                        format!("Set {} = ... in this module block (the module's variable has no default).", v.name),
                    ));
                }
            }
        }
    }

    // ----- functions -----

    fn functions(&mut self, funcs: &FunctionTable) {
        for c in &self.m.calls {
            if c.name.contains("::") {
                continue;
            }
            // (positional parameter names, variadic?)
            let sig: Option<(Vec<&str>, bool)> =
                match TF_FUNCTIONS.iter().find(|(n, _, _)| *n == c.name) {
                    Some((_, ps, v)) => Some((ps.to_vec(), v.is_some())),
                    None => funcs.get(&c.name).map(|f| {
                        (
                            f.params.iter().map(|p| p.name).collect(),
                            f.variadic.is_some(),
                        )
                    }),
                };
            let Some((params, variadic)) = sig else {
                let names: Vec<&str> = TF_FUNCTIONS
                    .iter()
                    .map(|(n, _, _)| *n)
                    .chain(funcs.names())
                    .collect();
                let (detail, help) = match suggest(&c.name, names.iter().copied()) {
                    Some(s) => (
                        format!("There is no function named \"{}\". Did you mean \"{s}\"?", c.name),
                        format!("Correct the name to {s}."),
                    ),
                    None => (
                        format!("There is no function named \"{}\".", c.name),
                        "See Terraform's list of built-in functions; providers cannot add functions in Terraform 1.0.".into(),
                    ),
                };
                self.d.push(err(
                    "Call to unknown function",
                    detail,
                    Some(c.name_span.clone()),
                    help,
                ));
                continue;
            };
            if c.expand_final {
                continue;
            }
            let min = params.len();
            if c.nargs < min {
                self.d.push(err(
                    "Not enough function arguments",
                    format!(
                        "Function \"{}\" expects {} argument(s). Missing value for \"{}\".",
                        c.name, min, params[c.nargs]
                    ),
                    Some(c.close_span.clone()),
                    format!("Pass {min} argument(s) to {}.", c.name),
                ));
            } else if !variadic && c.nargs > min {
                self.d.push(err(
                    "Too many function arguments",
                    format!("Function \"{}\" expects only {} argument(s).", c.name, min),
                    c.arg_spans.get(min).cloned().or(Some(c.span.clone())),
                    format!("Remove the extra arguments of {}.", c.name),
                ));
            }
        }
    }

    // ----- cycles -----

    fn cycles(&mut self) {
        let g = &self.graph;
        // declared nodes in name order (deterministic output)
        let mut order: Vec<u32> = (0..g.names.len() as u32)
            .filter(|&i| g.spans[i as usize].is_some())
            .collect();
        order.sort_unstable_by(|&a, &b| g.names[a as usize].cmp(&g.names[b as usize]));
        let mut diags = vec![];
        // self references first
        for &i in &order {
            let k = &*g.names[i as usize];
            let Some(span) = g.spans[i as usize] else {
                continue;
            };
            if g.out[i as usize].contains(&i) {
                let is_block =
                    !k.starts_with("local.") && !k.starts_with("output.") && !k.starts_with("var.");
                if is_block {
                    diags.push(err(
                        "Self-referential block",
                        format!("Configuration for {k} may not refer to itself."),
                        Some(span.clone()),
                        "Remove the reference to the block itself (use self only in postconditions).",
                    ));
                } else {
                    diags.push(err(
                        format!("Cycle: {k}"),
                        format!("{k} refers to itself ({}).", range_text(span)),
                        Some(span.clone()),
                        "Break the cycle: a value cannot depend on itself.",
                    ));
                }
            }
        }
        for scc in tarjan(g, &order) {
            if scc.len() < 2 {
                continue;
            }
            let mut members: Vec<(&str, &SourceSpan)> = scc
                .iter()
                .filter_map(|&i| Some((&*g.names[i as usize], g.spans[i as usize]?)))
                .collect();
            members.sort_unstable();
            let first = members[0].1;
            let mut detail = String::from("The following objects depend on each other, so none of them can be evaluated first:");
            let mut d = err(
                format!(
                    "Cycle: {}",
                    members.iter().map(|m| m.0).collect::<Vec<_>>().join(", ")
                ),
                "",
                Some(first.clone()),
                "Break the cycle by removing one of the references.",
            );
            for (mname, sp) in &members {
                detail.push_str(&format!("\n  {mname} ({})", range_text(sp)));
                d = d.with_related(mname.to_string(), (*sp).clone());
            }
            d.detail = detail;
            diags.push(d);
        }
        self.d.extend(diags);
    }
}

/// Strongly connected components (iterative Tarjan) of the declared nodes `order` (sorted by
/// name; edges are followed in name order too, for deterministic output).
fn tarjan(g: &Graph<'_>, order: &[u32]) -> Vec<Vec<u32>> {
    // rank = position in name order; only declared nodes take part
    let mut rank = vec![u32::MAX; g.names.len()];
    for (r, &i) in order.iter().enumerate() {
        rank[i as usize] = r as u32;
    }
    let adj: Vec<Vec<u32>> = order
        .iter()
        .map(|&i| {
            let mut a: Vec<u32> = g.out[i as usize]
                .iter()
                .map(|&t| rank[t as usize])
                .filter(|&r| r != u32::MAX)
                .collect();
            a.sort_unstable();
            a.dedup();
            a
        })
        .collect();
    drop(rank);
    let n = order.len();
    let mut index = vec![usize::MAX; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = vec![];
    let mut next = 0;
    let mut out = vec![];
    for start in 0..n {
        if index[start] != usize::MAX {
            continue;
        }
        let mut work: Vec<(usize, usize)> = vec![(start, 0)];
        while let Some(&mut (v, ref mut ei)) = work.last_mut() {
            if *ei == 0 && index[v] == usize::MAX {
                index[v] = next;
                low[v] = next;
                next += 1;
                stack.push(v);
                on_stack[v] = true;
            }
            if *ei < adj[v].len() {
                let w = adj[v][*ei] as usize;
                *ei += 1;
                if index[w] == usize::MAX {
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
            } else {
                work.pop();
                if let Some(&(p, _)) = work.last() {
                    low[p] = low[p].min(low[v]);
                }
                if low[v] == index[v] {
                    let mut comp = vec![];
                    while let Some(w) = stack.pop() {
                        on_stack[w] = false;
                        comp.push(order[w]);
                        if w == v {
                            break;
                        }
                    }
                    if comp.len() > 1 {
                        out.push(comp);
                    }
                }
            }
        }
    }
    out
}

/// Does a value conform to a type constraint? (cty's conversion rules, structurally.) The error
/// is in cty's words, prefixed with the path inside the value (`element 0: attribute "a": a
/// number is required`), as Terraform shows it for input variables.
pub fn conforms(v: &Value, ty: &Type) -> Result<(), String> {
    conf(v, ty).map_err(|(path, msg)| {
        if path.is_empty() {
            msg
        } else {
            format!("{}: {msg}", path.join(": "))
        }
    })
}

/// Like [`conforms`], the message without the path (as Terraform 1.0 reports bad defaults).
pub(crate) fn conforms_message(v: &Value, ty: &Type) -> Result<(), String> {
    conf(v, ty).map_err(|(_, msg)| msg)
}

fn conf(v: &Value, ty: &Type) -> Result<(), (Vec<String>, String)> {
    use girder_core::value::Kind;
    if ty == &Type::Dynamic || v.is_null() || !v.is_known() {
        return Ok(());
    }
    let at = |step: String, (mut p, m): (Vec<String>, String)| {
        p.insert(0, step);
        (p, m)
    };
    let fail = |m: String| Err((vec![], m));
    match ty {
        Type::Bool | Type::Number | Type::String => match v.kind() {
            Kind::Bool(_) | Kind::Number(_) | Kind::String(_) => {
                if convert(v, ty).is_ok() {
                    return Ok(());
                }
                // a string that does not parse: "a number is required"; a value of another
                // primitive type with no conversion: "number required"
                if matches!(v.kind(), Kind::String(_)) {
                    fail(format!("a {} is required", ty.friendly_name()))
                } else {
                    fail(format!("{} required", ty.friendly_name()))
                }
            }
            _ => fail(format!("{} required", ty.friendly_name())),
        },
        Type::List(et) | Type::Set(et) => match v.kind() {
            Kind::List(_, items) | Kind::Set(_, items) | Kind::Tuple(items) => {
                for (i, x) in items.iter().enumerate() {
                    conf(x, et).map_err(|e| at(format!("element {i}"), e))?;
                }
                Ok(())
            }
            _ => fail(format!("{} required", ty.friendly_name())),
        },
        Type::Map(et) => match v.kind() {
            Kind::Map(_, m) | Kind::Object(m) => {
                for (k, x) in m {
                    conf(x, et).map_err(|e| at(format!("element {k:?}"), e))?;
                }
                Ok(())
            }
            _ => fail(format!("{} required", ty.friendly_name())),
        },
        Type::Tuple(ts) => match v.kind() {
            Kind::List(_, items) | Kind::Tuple(items) => {
                if items.len() != ts.len() {
                    return fail(format!("tuple required with {} elements", ts.len()));
                }
                for (i, (x, t)) in items.iter().zip(ts.iter()).enumerate() {
                    conf(x, t).map_err(|e| at(format!("element {i}"), e))?;
                }
                Ok(())
            }
            _ => fail("tuple required".into()),
        },
        Type::Object(ot) => match v.kind() {
            Kind::Map(_, m) | Kind::Object(m) => {
                for (k, t) in &ot.attrs {
                    match m.get(k) {
                        Some(x) => conf(x, t).map_err(|e| at(format!("attribute {k:?}"), e))?,
                        None if ot.optional.contains(k) => {}
                        None => return fail(format!("attribute {k:?} is required")),
                    }
                }
                Ok(())
            }
            _ => fail("object required".into()),
        },
        Type::Dynamic => Ok(()),
    }
}
