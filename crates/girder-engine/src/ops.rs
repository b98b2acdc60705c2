//! The engine driven by a loaded configuration: `plan`, `apply`, `destroy` and `graph` for
//! the CLI.
//!
//! ```text
//! let (config, diags) = girder_lang::config::load_config(dir);
//! let (inputs, diags) = girder_lang::inputs::collect_inputs(&config.module, &input_opts);
//! let req = ops::Request { config: &config, inputs, workspace: "default", base_dir, providers: &registry };
//! let outcome = ops::plan(&req, &state, &PlanOptions::default()).await;       // PlanOutcome
//! let applied = ops::apply(&req, &plan, backend, &ApplyOptions::default()).await;
//! ```
//!
//! What is evaluated: the root module's variables, locals, outputs, `resource` and `data`
//! blocks with `count` / `for_each` (`count.index`, `each.key`, `each.value`), nested and
//! `dynamic` blocks (shaped by the provider's schema), `depends_on`, `lifecycle`
//! (`create_before_destroy`, `prevent_destroy`, `ignore_changes`), the `provider`
//! meta-argument, and `provider` blocks (evaluated and passed to `configure`). Each
//! resource's body is evaluated against the planned values of what it refers to (unknown
//! where not yet known) and again at apply time against the applied values.
//!
//! Module calls (local sources, loaded by `load_config`), with `count` / `for_each` and
//! nesting: each call instance gets its own scope (`module.NAME[KEY]`); its arguments are
//! evaluated lazily in the caller's scope and converted by the child's variable type
//! constraints (`optional(T, default)` defaults applied) to become the child's `var.*`;
//! `module.NAME` is the object of the child's outputs (a tuple of those for `count`, an
//! object by key for `for_each`), evaluated against the same upstream values as everything
//! else, so unknown at plan where the child's resources are not yet known and real at
//! apply. Dependencies cross module boundaries instance by instance: a reference to
//! `var.x` in a child depends on what the caller's argument `x` refers to, a reference to
//! `module.NAME.OUT` on what that output refers to, `depends_on = [module.NAME]` and a
//! module call's own `depends_on` on every instance in the module. Providers are
//! inherited from the root module's `provider` blocks; a module call's `providers` map is
//! not yet honoured (the child's resources use the default or `provider =`-named
//! configuration of the root). Instances of module calls removed from the configuration
//! are orphans like any other and are destroyed.
//!
//! The root module's `moved`, `import`, `removed` and `check` blocks become [`Blocks`];
//! `replace_triggered_by`, pre/postconditions (resources, data sources, outputs) and
//! `timeouts` become fields of the desired instances; `moved` blocks of child modules apply
//! inside each instance of the module, and so do their `check` blocks. Data sources scoped to
//! a `check` block are read for that check only (see [`DesiredCheck::data`]).
//! `count` / `for_each` may refer to variables, locals and data sources read at plan time; a
//! reference to a managed resource makes them unknown (Terraform's "Invalid count argument",
//! which offers -target).

use crate::model::{
    Blocks, CondFn, ConfigFn, DesiredCheck, DesiredInstance, DesiredOutput, IgnoreChanges,
    ImportStmt, Lifecycle, MoveEndpoint, MoveStmt, ProviderRef, RemovedStmt, Timeouts, Trigger,
    Upstream,
};
use crate::plan::{PlanOptions, PlanOutcome, ProviderRegistry};
use crate::{ApplyOptions, ApplyOutcome, Plan};
use girder_core::addr::{
    AbsResource, AbsResourceInstance, InstanceKey, ModuleInstance, Resource, ResourceMode,
};
use girder_core::value::{Path as VPath, PathStep};
use girder_core::{Diagnostic, Diagnostics, Value};
use girder_graph::expand::{self, Expansion};
use girder_graph::{DepGraph, EdgeKind, VertexKind};
use girder_lang::config::evaluate::variable_values;
use girder_lang::config::{self, Body, Config};
use girder_lang::eval::typeexpr::TypeConstraint;
use girder_lang::eval::{eval, EvalContext};
use girder_lang::functions::FunctionTable;
use girder_lang::refs::{references, Subject};
use girder_lang::source::Expr;
use girder_provider::schema::{Nesting, Schema};
use girder_state::model::State;
use girder_state::Backend;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

/// What every operation needs.
pub struct Request<'a> {
    /// The loaded configuration (root module).
    pub config: &'a Config,
    /// Input variable values (from `girder_lang::inputs::collect_inputs`).
    pub inputs: BTreeMap<String, Value>,
    /// The workspace (`terraform.workspace`).
    pub workspace: String,
    /// The working directory (for `path.cwd` and filesystem functions).
    pub base_dir: PathBuf,
    /// The providers by name (`aws`, `random`, `aws.west`), not yet configured.
    pub providers: &'a dyn ProviderRegistry,
}

/// The evaluation scope of one module instance.
struct Scope {
    /// Which module instance (root: empty).
    module: ModuleInstance,
    vars: Vars,
    locals: Vec<(String, Expr)>,
    path: Value,
    terraform: Value,
    functions: Arc<FunctionTable>,
    base_dir: PathBuf,
    /// How each resource expands (for building `TYPE.NAME` values).
    expansions: HashMap<AbsResource, Expansion>,
    /// The module calls of this module, set once their child scopes are built.
    calls: OnceLock<BTreeMap<String, CallInfo>>,
}

/// Where a module instance's `var.*` come from.
enum Vars {
    /// The root module: the input values, already converted.
    Fixed(Value),
    /// A child module: the call's arguments, evaluated in the caller's scope.
    Inputs(ChildVars),
}

struct ChildVars {
    parent: Arc<Scope>,
    /// `count` / `each` of the module call instance.
    extra: Vec<(String, Value)>,
    decls: Vec<VarDecl>,
}

struct VarDecl {
    name: String,
    arg: Option<Expr>,
    default: Option<Value>,
    constraint: Option<TypeConstraint>,
    ty: girder_core::Type,
    sensitive: bool,
    /// Where the variable is declared (for messages).
    at: String,
}

/// One module call as seen by its caller.
struct CallInfo {
    expansion: Expansion,
    instances: Vec<(Option<InstanceKey>, Arc<Scope>)>,
    /// Output name, value, `sensitive`, `depends_on`.
    outputs: Vec<(String, Expr, bool, Vec<Expr>)>,
}

impl Scope {
    /// The `var` object of this module instance.
    fn vars_value(&self, up: &Upstream<'_>) -> Result<Value, Diagnostics> {
        let cv = match &self.vars {
            Vars::Fixed(v) => return Ok(v.clone()),
            Vars::Inputs(cv) => cv,
        };
        let mut out = BTreeMap::new();
        let mut diags = Diagnostics::new();
        for d in &cv.decls {
            let raw = match (&d.arg, &d.default) {
                (Some(e), _) => match cv.parent.eval(e, up, &cv.extra) {
                    Ok(v) => v,
                    Err(x) => {
                        diags.extend(x);
                        continue;
                    }
                },
                (None, Some(v)) => v.clone(),
                (None, None) => Value::unknown(d.ty.clone()),
            };
            let v = match &d.constraint {
                Some(c) => match c.convert(&raw, &format!("var.{}", d.name)) {
                    Ok(v) => v,
                    Err(f) => {
                        let mut diag = Diagnostic::error(
                            "Invalid value for module argument",
                            format!(
                                "The given value is not suitable for child module variable \"{}\" defined at {}: {}.",
                                d.name,
                                d.at,
                                match f.path.strip_prefix(&format!("var.{}", d.name)) {
                                    None | Some("") => f.message.clone(),
                                    Some(rest) => match rest.strip_prefix('.') {
                                        Some(attr) if !attr.contains(['.', '[']) => {
                                            format!("attribute \"{attr}\": {}", f.message)
                                        }
                                        _ => format!("{}: {}", f.path, f.message),
                                    },
                                }
                            ),
                        )
                        .with_help("Change the argument in the module block to a value of the variable's type.");
                        if let Some(sp) = d.arg.as_ref().and_then(|e| e.span()) {
                            diag = diag.with_span(sp);
                        }
                        diags.push(diag);
                        continue;
                    }
                },
                None => crate::values::conform(&raw, &d.ty).unwrap_or(raw),
            };
            out.insert(
                d.name.clone(),
                if d.sensitive { v.mark_sensitive() } else { v },
            );
        }
        if diags.has_errors() {
            return Err(diags);
        }
        Ok(Value::object(out.into()))
    }

    /// The value of `module.NAME`: an object of outputs per instance, a tuple of those
    /// for `count`, an object of those by key for `for_each`.
    fn module_value(&self, name: &str, up: &Upstream<'_>) -> Result<Value, Diagnostics> {
        let Some(call) = self.calls.get().and_then(|c| c.get(name)) else {
            return Ok(Value::unknown_dynamic());
        };
        let mut per = Vec::new();
        for (key, child) in &call.instances {
            let mut obj = BTreeMap::new();
            for (oname, e, sensitive, _) in &call.outputs {
                let v = child.eval(e, up, &[])?;
                obj.insert(
                    oname.clone(),
                    if *sensitive { v.mark_sensitive() } else { v },
                );
            }
            per.push((key.clone(), Value::object(obj.into())));
        }
        Ok(match &call.expansion {
            Expansion::Single => per
                .into_iter()
                .next()
                .map(|(_, v)| v)
                .unwrap_or_else(Value::unknown_dynamic),
            Expansion::Count(_) => Value::tuple(per.into_iter().map(|(_, v)| v).collect()),
            Expansion::ForEach(_) => Value::object(
                per.into_iter()
                    .filter_map(|(k, v)| match k {
                        Some(InstanceKey::Str(s)) => Some((s, v)),
                        _ => None,
                    })
                    .collect(),
            ),
        })
    }

    /// The instances of a resource of this module.
    fn instances_of(&self, r: &AbsResource) -> Vec<AbsResourceInstance> {
        let e = self.expansions.get(r).cloned().unwrap_or(Expansion::Single);
        e.keys()
            .into_iter()
            .map(|k| AbsResourceInstance {
                resource: r.clone(),
                key: k,
            })
            .collect()
    }

    /// Every resource instance of this module instance and the modules below it.
    fn all_instances(&self, out: &mut Vec<AbsResourceInstance>) {
        for r in self.expansions.keys() {
            out.extend(self.instances_of(r));
        }
        if let Some(calls) = self.calls.get() {
            for c in calls.values() {
                for (_, child) in &c.instances {
                    child.all_instances(out);
                }
            }
        }
    }

    /// The resource instances (in any module) an expression depends on: its references,
    /// through locals, module variables (into the caller's arguments) and module outputs.
    /// `whole_modules`: `module.NAME` without an output means every instance in it (for
    /// `depends_on`).
    fn deps(
        &self,
        e: &Expr,
        whole_modules: bool,
        out: &mut Vec<AbsResourceInstance>,
        depth: usize,
    ) {
        if depth > 64 {
            return;
        }
        for r in references(e) {
            match &r.subject {
                Subject::Resource {
                    mode,
                    type_name,
                    name,
                } => out.extend(self.instances_of(&AbsResource {
                    module: self.module.clone(),
                    resource: Resource {
                        mode: *mode,
                        type_name: type_name.as_str().into(),
                        name: name.as_str().into(),
                    },
                })),
                Subject::Local(n) => {
                    if let Some((_, le)) = self.locals.iter().find(|(x, _)| x == n) {
                        self.deps(le, whole_modules, out, depth + 1);
                    }
                }
                Subject::Var(n) => {
                    if let Vars::Inputs(cv) = &self.vars {
                        if let Some(arg) = cv
                            .decls
                            .iter()
                            .find(|d| &d.name == n)
                            .and_then(|d| d.arg.as_ref())
                        {
                            cv.parent.deps(arg, false, out, depth + 1);
                        }
                    }
                }
                Subject::Module { name, output } => {
                    let Some(call) = self.calls.get().and_then(|c| c.get(name)) else {
                        continue;
                    };
                    for (_, child) in &call.instances {
                        if whole_modules && output.is_none() {
                            child.all_instances(out);
                            continue;
                        }
                        for (oname, oe, _, odeps) in &call.outputs {
                            if output.as_ref().is_some_and(|o| o != oname) {
                                continue;
                            }
                            child.deps(oe, false, out, depth + 1);
                            for d in odeps {
                                child.deps(d, true, out, depth + 1);
                            }
                        }
                    }
                }
                _ => {}
            }
        }
    }

    fn resource_value(&self, r: &AbsResource, up: &Upstream<'_>) -> Value {
        let inst = |key: Option<InstanceKey>| {
            up.get(&AbsResourceInstance {
                resource: r.clone(),
                key,
            })
            .cloned()
            .unwrap_or_else(Value::unknown_dynamic)
        };
        match self.expansions.get(r) {
            None | Some(Expansion::Single) => inst(None),
            Some(Expansion::Count(n)) => {
                Value::tuple((0..*n).map(|i| inst(Some(InstanceKey::Int(i)))).collect())
            }
            Some(Expansion::ForEach(m)) => Value::object(
                m.iter()
                    .map(|(k, _)| (k.clone(), inst(Some(InstanceKey::Str(k.clone())))))
                    .collect(),
            ),
        }
    }

    /// An evaluation context for `expr` with `extra` root names (count, each, iterators).
    fn context(
        &self,
        expr: &Expr,
        up: &Upstream<'_>,
        extra: &[(String, Value)],
        depth: usize,
    ) -> Result<EvalContext, Diagnostics> {
        let mut ctx = EvalContext {
            variables: HashMap::new(),
            functions: self.functions.clone(),
            base_dir: self.base_dir.clone(),
        };
        let mut locals = BTreeMap::new();
        let mut by_type: BTreeMap<String, BTreeMap<String, Value>> = BTreeMap::new();
        let mut data: BTreeMap<String, BTreeMap<String, Value>> = BTreeMap::new();
        let mut modules: BTreeMap<String, Value> = BTreeMap::new();
        let mut vars = None;
        for r in references(expr) {
            match &r.subject {
                Subject::Local(n) => {
                    if depth > 64 || locals.contains_key(n) {
                        continue;
                    }
                    if let Some((_, e)) = self.locals.iter().find(|(name, _)| name == n) {
                        let c = self.context(e, up, &[], depth + 1)?;
                        locals.insert(n.clone(), eval(e, &c)?);
                    }
                }
                Subject::Resource {
                    mode,
                    type_name,
                    name,
                } => {
                    let ar = AbsResource {
                        module: self.module.clone(),
                        resource: Resource {
                            mode: *mode,
                            type_name: type_name.as_str().into(),
                            name: name.as_str().into(),
                        },
                    };
                    let v = self.resource_value(&ar, up);
                    match mode {
                        ResourceMode::Managed => by_type.entry(type_name.clone()),
                        ResourceMode::Data => data.entry(type_name.clone()),
                    }
                    .or_default()
                    .insert(name.clone(), v);
                }
                Subject::Module { name, .. } if !modules.contains_key(name) => {
                    let v = self.module_value(name, up)?;
                    modules.insert(name.clone(), v);
                }
                Subject::Var(_) if vars.is_none() => {
                    vars = Some(self.vars_value(up)?);
                }
                _ => {}
            }
        }
        if !modules.is_empty() {
            ctx.variables
                .insert("module".into(), Value::object(modules.into()));
        }
        ctx.variables.insert(
            "var".into(),
            vars.unwrap_or_else(|| match &self.vars {
                Vars::Fixed(v) => v.clone(),
                Vars::Inputs(_) => Value::empty_object(),
            }),
        );
        ctx.variables
            .insert("local".into(), Value::object(locals.into()));
        ctx.variables.insert("path".into(), self.path.clone());
        ctx.variables
            .insert("terraform".into(), self.terraform.clone());
        for (t, m) in by_type {
            ctx.variables.insert(t, Value::object(m.into()));
        }
        if !data.is_empty() {
            ctx.variables.insert(
                "data".into(),
                Value::object(
                    data.into_iter()
                        .map(|(t, m)| (t, Value::object(m.into())))
                        .collect(),
                ),
            );
        }
        for (k, v) in extra {
            ctx.variables.insert(k.clone(), v.clone());
        }
        Ok(ctx)
    }

    fn eval(
        &self,
        e: &Expr,
        up: &Upstream<'_>,
        extra: &[(String, Value)],
    ) -> Result<Value, Diagnostics> {
        let ctx = self.context(e, up, extra, 0)?;
        eval(e, &ctx)
    }

    /// Evaluates a block body into an object shaped by `schema` (nested and dynamic blocks
    /// become lists, sets, maps or objects by their nesting mode).
    fn body(
        &self,
        body: &Body,
        schema: Option<&Schema>,
        up: &Upstream<'_>,
        extra: &[(String, Value)],
    ) -> Result<Value, Diagnostics> {
        let mut out = BTreeMap::new();
        let mut diags = Diagnostics::new();
        for a in &body.attrs {
            match self.eval(&a.expr, up, extra) {
                Ok(v) => {
                    out.insert(a.name.clone(), v);
                }
                Err(d) => diags.extend(d),
            }
        }
        let mut blocks: BTreeMap<String, Vec<(Option<String>, Value)>> = BTreeMap::new();
        for b in &body.blocks {
            let inner = schema.and_then(|s| s.blocks.get(&b.type_name));
            let inner_schema = inner.map(|x| &x.block);
            match &b.dynamic {
                None => match self.body(&b.body, inner_schema, up, extra) {
                    Ok(v) => blocks
                        .entry(b.type_name.clone())
                        .or_default()
                        .push((b.labels.first().cloned(), v)),
                    Err(d) => diags.extend(d),
                },
                Some(spec) => {
                    let fe = match self.eval(&spec.for_each, up, extra) {
                        Ok(v) => v,
                        Err(d) => {
                            diags.extend(d);
                            continue;
                        }
                    };
                    if !fe.is_known() {
                        blocks.entry(b.type_name.clone()).or_default();
                        out.insert(b.type_name.clone(), Value::unknown_dynamic());
                        continue;
                    }
                    let items: Vec<(Value, Value)> = match fe.kind() {
                        girder_core::value::Kind::Map(_, m)
                        | girder_core::value::Kind::Object(m) => m
                            .iter()
                            .map(|(k, v)| (Value::string(k.clone()), v.clone()))
                            .collect(),
                        _ => fe
                            .as_seq()
                            .unwrap_or(&[])
                            .iter()
                            .enumerate()
                            .map(|(i, v)| {
                                let key = if matches!(fe.kind(), girder_core::value::Kind::Set(..))
                                {
                                    v.clone()
                                } else {
                                    Value::int(i as i64)
                                };
                                (key, v.clone())
                            })
                            .collect(),
                    };
                    for (k, v) in items {
                        let mut ex = extra.to_vec();
                        ex.push((
                            spec.iterator.clone(),
                            Value::object_from([("key", k), ("value", v)]),
                        ));
                        let label = match &spec.labels {
                            Some(l) => self
                                .eval(l, up, &ex)
                                .ok()
                                .and_then(|x| x.as_seq().and_then(|s| s.first().cloned()))
                                .and_then(|x| x.as_str().map(str::to_string)),
                            None => None,
                        };
                        match self.body(&b.body, inner_schema, up, &ex) {
                            Ok(val) => blocks
                                .entry(b.type_name.clone())
                                .or_default()
                                .push((label, val)),
                            Err(d) => diags.extend(d),
                        }
                    }
                }
            }
        }
        for (name, items) in blocks {
            if out.contains_key(&name) {
                continue;
            }
            let nesting = schema
                .and_then(|s| s.blocks.get(&name))
                .map_or(Nesting::List, |b| b.nesting);
            let v = match nesting {
                Nesting::Single => items
                    .into_iter()
                    .next()
                    .map(|(_, v)| v)
                    .unwrap_or_else(Value::null_dynamic),
                Nesting::Map => Value::object(
                    items
                        .into_iter()
                        .map(|(l, v)| (l.unwrap_or_default(), v))
                        .collect(),
                ),
                Nesting::List | Nesting::Set => {
                    Value::tuple(items.into_iter().map(|(_, v)| v).collect())
                }
            };
            out.insert(name, v);
        }
        if diags.has_errors() {
            return Err(diags);
        }
        Ok(Value::object(out.into()))
    }
}

fn provider_of(config: &Config, r: &config::Resource) -> ProviderRef {
    let (name, alias) = match &r.provider {
        Some(p) => (p.name.clone(), p.alias.clone()),
        None => (
            r.type_name
                .split('_')
                .next()
                .unwrap_or(&r.type_name)
                .to_string(),
            None,
        ),
    };
    let source = config
        .module
        .terraform
        .required_providers
        .get(&name)
        .and_then(|p| p.source.clone())
        .unwrap_or_else(|| format!("hashicorp/{name}"));
    let source = if source.matches('/').count() == 1 {
        format!("registry.terraform.io/{source}")
    } else {
        source
    };
    let mut addr = format!("provider[\"{source}\"]");
    let mut key = name;
    if let Some(a) = alias {
        addr.push('.');
        addr.push_str(&a);
        key = format!("{key}.{a}");
    }
    ProviderRef {
        name: key.into(),
        addr: addr.into(),
    }
}

/// Parses an `ignore_changes` path as written (`tags["Name"]`, `a.b[0]`).
fn parse_path(s: &str) -> VPath {
    let mut steps = Vec::new();
    let mut rest = s.trim();
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            rest = r;
            continue;
        }
        if let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']').unwrap_or(r.len());
            let inner = r[..end].trim();
            if let Some(q) = inner.strip_prefix('"') {
                steps.push(PathStep::Key(q.trim_end_matches('"').to_string()));
            } else if let Ok(i) = inner.parse::<i64>() {
                steps.push(PathStep::Index(i));
            }
            rest = r.get(end + 1..).unwrap_or("");
            continue;
        }
        let end = rest.find(['.', '[']).unwrap_or(rest.len());
        steps.push(PathStep::Attr(rest[..end].to_string()));
        rest = &rest[end..];
    }
    VPath(steps)
}

/// The source text of an expression.
fn expr_text(e: &Expr) -> String {
    e.span()
        .and_then(|s| {
            e.file
                .text
                .get(s.start.byte..s.end.byte)
                .map(str::to_string)
        })
        .unwrap_or_default()
}

/// Variable values converted to their declared types.
fn typed_variables(m: &config::Module, inputs: &BTreeMap<String, Value>) -> Value {
    let vars = variable_values(m, inputs);
    Value::object(
        vars.into_iter()
            .map(|(k, v)| {
                let ty = m.variable(&k).map(|d| d.ty.clone());
                let v = match ty {
                    Some(t) => crate::values::conform(&v, &t).unwrap_or(v),
                    None => v,
                };
                (k, v)
            })
            .collect(),
    )
}

fn body_exprs<'b>(b: &'b Body, out: &mut Vec<&'b Expr>) {
    for a in &b.attrs {
        out.push(&a.expr);
    }
    for nb in &b.blocks {
        if let Some(d) = &nb.dynamic {
            out.push(&d.for_each);
            if let Some(l) = &d.labels {
                out.push(l);
            }
        }
        body_exprs(&nb.body, out);
    }
}

/// The configuration as the engine's desired instances and outputs (the root module's
/// outputs; child modules' resources carry `module.NAME[KEY].` addresses).
pub fn desired(
    req: &Request<'_>,
) -> Result<(Vec<DesiredInstance>, Vec<DesiredOutput>), Diagnostics> {
    desired_with_blocks(req).map(|(d, o, _)| (d, o))
}

/// [`desired`], and the root module's `moved`, `import`, `removed` and `check` blocks.
#[allow(clippy::type_complexity)]
pub fn desired_with_blocks(
    req: &Request<'_>,
) -> Result<(Vec<DesiredInstance>, Vec<DesiredOutput>, Blocks), Diagnostics> {
    let m = &req.config.module;
    let mut diags = Diagnostics::new();
    for v in &m.variables {
        if v.default.is_none() && !req.inputs.contains_key(&v.name) {
            diags.push(
                Diagnostic::error(
                    "No value for required variable",
                    format!(
                        "The root module input variable \"{}\" is not set, and has no default value. Use a -var or -var-file command line argument to provide a value for this variable.",
                        v.name
                    ),
                )
                .with_span(v.span.clone()),
            );
        }
    }
    if diags.has_errors() {
        return Err(diags);
    }
    let dir = m.dir.to_string_lossy().into_owned();
    let root_dir = if dir.is_empty() { ".".into() } else { dir };
    let mut out = Vec::new();
    let mut pending = Vec::new();
    let scope = build_module(
        req,
        req.config,
        &root_dir,
        ModuleInstance::root(),
        Vars::Fixed(typed_variables(m, &req.inputs)),
        &[],
        &mut out,
        &mut pending,
        &mut diags,
    );
    let Some(scope) = scope else {
        return Err(diags);
    };
    if diags.has_errors() {
        return Err(diags);
    }
    // Dependencies, now that every module instance's scope (and its calls) exists.
    for p in pending {
        let mut deps = Vec::new();
        for (s, e) in &p.call_deps {
            s.deps(e, true, &mut deps, 0);
        }
        for e in &p.refs {
            p.scope.deps(e, false, &mut deps, 0);
        }
        for e in &p.depends_on {
            p.scope.deps(e, true, &mut deps, 0);
        }
        deps.retain(|d| d.resource != p.resource);
        deps.sort();
        deps.dedup();
        for d in &mut out[p.range] {
            d.depends_on = deps.clone();
        }
    }
    let mut outputs = Vec::new();
    for o in &m.outputs {
        let Some(e) = o.value.clone() else { continue };
        let mut deps = Vec::new();
        scope.deps(&e, false, &mut deps, 0);
        for d in &o.depends_on {
            scope.deps(d, true, &mut deps, 0);
        }
        deps.sort();
        deps.dedup();
        let scope2 = scope.clone();
        let e2 = e.clone();
        outputs.push(DesiredOutput {
            name: o.name.clone(),
            value: Arc::new(move |up| scope2.eval(&e2, up, &[])),
            sensitive: o.sensitive,
            depends_on: deps,
            preconditions: cond_fn(&scope, &o.preconditions, &[], CondKind::OutputPre),
        });
    }
    diags.extend(config::child_module_imports(req.config));
    let mut blocks = root_blocks(req, &scope, m, &mut diags);
    child_moves(&scope, req.config, &mut blocks.moves, &mut diags);
    child_checks(req, &scope, req.config, &mut blocks.checks, &mut diags);
    if diags.has_errors() {
        return Err(diags);
    }
    Ok((out, outputs, blocks))
}

/// Which kind of condition (for messages and severity).
#[derive(Clone, Copy, PartialEq, Eq)]
enum CondKind {
    ResourcePre,
    ResourcePost,
    OutputPre,
    Check,
}

/// A [`CondFn`] evaluating `rules` in `scope` (with `count` / `each` from `extra`, and
/// `self`). Failures are errors located at the condition, with its `error_message` as
/// detail; for `check` blocks they are warnings. Unknown results pass.
fn cond_fn(
    scope: &Arc<Scope>,
    rules: &[config::CheckRule],
    extra: &[(String, Value)],
    kind: CondKind,
) -> Option<CondFn> {
    if rules.is_empty() {
        return None;
    }
    let scope = scope.clone();
    let rules = rules.to_vec();
    let extra = extra.to_vec();
    Some(Arc::new(move |up, self_value| {
        let mut diags = Diagnostics::new();
        let mut ex = extra.clone();
        if !self_value.is_null() {
            ex.push(("self".into(), self_value.clone()));
        }
        let summary = match kind {
            CondKind::ResourcePre => "Resource precondition failed",
            CondKind::ResourcePost => "Resource postcondition failed",
            CondKind::OutputPre => "Module output value precondition failed",
            CondKind::Check => "Check block assertion failed",
        };
        let severity = |d: Diagnostic| {
            if kind == CondKind::Check {
                Diagnostic {
                    severity: girder_core::Severity::Warning,
                    ..d
                }
            } else {
                d
            }
        };
        for rule in &rules {
            let at = rule.condition.span().unwrap_or_else(|| rule.span.clone());
            let v = match scope.eval(&rule.condition, up, &ex) {
                Ok(v) => v.unmark_deep().0,
                Err(d) => {
                    for x in d {
                        diags.push(severity(x));
                    }
                    continue;
                }
            };
            if !v.is_known() {
                continue;
            }
            let ok = match v.as_bool() {
                Some(b) => b,
                None => {
                    diags.push(severity(
                        Diagnostic::error(
                            "Invalid condition result",
                            "The condition expression must produce true or false, not null or another type.",
                        )
                        .with_span(at.clone())
                        .with_help("Write the condition as a bool expression, e.g. length(x) > 0."),
                    ));
                    continue;
                }
            };
            if ok {
                continue;
            }
            let mut message = match scope.eval(&rule.error_message, up, &ex) {
                Ok(m) if m.contains_sensitive() => {
                    "The error message refers to sensitive values (hidden).".to_string()
                }
                Ok(m) => m
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| "The condition failed.".into()),
                Err(_) => "The condition failed (its error_message could not be evaluated).".into(),
            };
            if !scope.module.is_root() {
                // The span is the module's source, shared by its instances: name this one.
                message = format!("{message}\n\n(in {})", scope.module);
            }
            diags.push(severity(
                Diagnostic::error(summary, message)
                    .with_span(at)
                    .with_help(match kind {
                    CondKind::Check => "This check does not stop the run; fix what it reports.",
                    CondKind::ResourcePost => {
                        "The object was planned or created, but does not meet this postcondition."
                    }
                    _ => "Change the configuration or the input values so the condition holds.",
                }),
            ));
        }
        diags
    }))
}

/// `replace_triggered_by` references resolved to instances of this module instance:
/// `TYPE.NAME`, `TYPE.NAME[count.index]`, `TYPE.NAME[each.key]`, `TYPE.NAME[0].attr`.
fn triggers_of(scope: &Scope, exprs: &[Expr], key: &Option<InstanceKey>) -> Vec<Trigger> {
    let mut out = Vec::new();
    for e in exprs {
        for r in references(e) {
            let Subject::Resource {
                mode: ResourceMode::Managed,
                type_name,
                name,
            } = &r.subject
            else {
                continue;
            };
            let ar = AbsResource {
                module: scope.module.clone(),
                resource: Resource {
                    mode: ResourceMode::Managed,
                    type_name: type_name.as_str().into(),
                    name: name.as_str().into(),
                },
            };
            let prefix = format!("{type_name}.{name}");
            let rest = r.text.trim().strip_prefix(&prefix).unwrap_or("").trim();
            let (index, rest) = match rest.strip_prefix('[') {
                Some(x) => match x.find(']') {
                    Some(end) => (Some(x[..end].trim().to_string()), &x[end + 1..]),
                    None => (None, ""),
                },
                None => (None, rest),
            };
            let path = (!rest.trim().is_empty()).then(|| parse_path(rest));
            let keys: Vec<Option<InstanceKey>> = match index.as_deref() {
                None => scope.instances_of(&ar).into_iter().map(|i| i.key).collect(),
                Some("count.index") | Some("each.key") => vec![key.clone()],
                Some(lit) => match lit.strip_prefix('"') {
                    Some(q) => vec![Some(InstanceKey::Str(q.trim_end_matches('"').to_string()))],
                    None => match lit.parse::<i64>() {
                        Ok(i) => vec![Some(InstanceKey::Int(i))],
                        Err(_) => scope.instances_of(&ar).into_iter().map(|i| i.key).collect(),
                    },
                },
            };
            for k in keys {
                out.push(Trigger {
                    instance: AbsResourceInstance {
                        resource: ar.clone(),
                        key: k,
                    },
                    path: path.clone(),
                });
            }
        }
    }
    out
}

/// A Go duration as `timeouts` take it: `30m`, `1h30m`, `90s`, `2.5h`, `500ms`.
fn parse_duration(s: &str) -> Option<std::time::Duration> {
    let mut rest = s.trim();
    if rest.is_empty() {
        return None;
    }
    let mut total = 0f64;
    while !rest.is_empty() {
        let n = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let num: f64 = rest[..n].parse().ok()?;
        rest = &rest[n..];
        let u = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit = match &rest[..u] {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 0.001,
            "us" | "µs" => 0.000_001,
            "ns" => 0.000_000_001,
            _ => return None,
        };
        rest = &rest[u..];
        total += num * unit;
    }
    Some(std::time::Duration::from_secs_f64(total))
}

/// The `timeouts` block of a resource.
fn parse_timeouts(b: Option<&Body>) -> Result<Timeouts, Diagnostics> {
    let mut t = Timeouts::default();
    let Some(b) = b else { return Ok(t) };
    let mut diags = Diagnostics::new();
    for a in &b.attrs {
        let slot = match a.name.as_str() {
            "create" => &mut t.create,
            "update" => &mut t.update,
            "delete" => &mut t.delete,
            "read" => &mut t.read,
            other => {
                diags.push(
                    Diagnostic::error(
                        "Unsupported argument",
                        format!(
                            "An argument named \"{other}\" is not expected in a timeouts block."
                        ),
                    )
                    .with_span(a.name_span.clone())
                    .with_help("Use create, update, delete or read."),
                );
                continue;
            }
        };
        let text = a
            .literal
            .as_ref()
            .and_then(|v| v.as_str().map(str::to_string));
        match text.as_deref().and_then(parse_duration) {
            Some(d) => *slot = Some(d),
            None => diags.push(
                Diagnostic::error(
                    "Invalid timeout",
                    format!(
                        "The {} timeout must be a duration string such as \"30m\", \"1h30m\" or \"90s\".",
                        a.name
                    ),
                )
                .with_span(a.expr.span().unwrap_or_else(|| a.span.clone()))
                .with_help("Write a number followed by h, m or s, e.g. create = \"30m\"."),
            ),
        }
    }
    if diags.has_errors() {
        return Err(diags);
    }
    Ok(t)
}

/// An endpoint of a `moved` / `removed` block, from its expression's text.
fn endpoint(e: &Expr, what: &str, diags: &mut Diagnostics) -> Option<MoveEndpoint> {
    match crate::moves::parse_endpoint(&expr_text(e)) {
        Ok(x) => Some(x),
        Err(err) => {
            diags.push(
                Diagnostic::error(
                    "Invalid address",
                    format!("The {what} address is not a resource or module address: {err}."),
                )
                .with_span_opt(e.span())
                .with_help("Write an address such as fake_thing.a, fake_thing.a[0] or module.net."),
            );
            None
        }
    }
}

/// The `check` blocks of child modules, once per module instance (named by their address,
/// `module.net.check.health`), evaluated in that instance's scope; and the preconditions of
/// their outputs, as checks whose failures are errors (`module.net.output.id`).
fn child_checks(
    req: &Request<'_>,
    scope: &Scope,
    cfg: &Config,
    out: &mut Vec<DesiredCheck>,
    diags: &mut Diagnostics,
) {
    let Some(calls) = scope.calls.get() else {
        return;
    };
    for (name, call) in calls {
        let Some(child_cfg) = cfg.children.get(name) else {
            continue;
        };
        for (_, child) in &call.instances {
            for c in &child_cfg.module.checks {
                let data = c
                    .data
                    .iter()
                    .filter_map(|r| check_data(req, child_cfg, child, r, diags))
                    .collect();
                let asserts = cond_fn(child, &c.asserts, &[], CondKind::Check)
                    .unwrap_or_else(|| Arc::new(|_, _| Diagnostics::new()));
                out.push(DesiredCheck {
                    name: format!("{}.check.{}", child.module, c.name),
                    asserts,
                    data,
                });
            }
            // The preconditions of the module's outputs: errors, checked like the checks at
            // plan (unknown results pass) and at apply.
            for o in &child_cfg.module.outputs {
                if let Some(asserts) = cond_fn(child, &o.preconditions, &[], CondKind::OutputPre) {
                    out.push(DesiredCheck {
                        name: format!("{}.output.{}", child.module, o.name),
                        asserts,
                        data: Vec::new(),
                    });
                }
            }
            child_checks(req, child, child_cfg, out, diags);
        }
    }
}

/// The `moved` blocks of child modules, once per module instance, with addresses made
/// absolute (a statement in a module moves objects inside each of its instances).
fn child_moves(scope: &Scope, cfg: &Config, out: &mut Vec<MoveStmt>, diags: &mut Diagnostics) {
    let Some(calls) = scope.calls.get() else {
        return;
    };
    for (name, call) in calls {
        let Some(child_cfg) = cfg.children.get(name) else {
            continue;
        };
        for (_, child) in &call.instances {
            let prefix: Vec<(String, Option<InstanceKey>)> = child
                .module
                .0
                .iter()
                .map(|s| (s.name.clone(), s.key.clone()))
                .collect();
            for mv in &child_cfg.module.moved {
                let (Some(mut from), Some(mut to)) = (
                    endpoint(&mv.from, "moved block's from", diags),
                    endpoint(&mv.to, "moved block's to", diags),
                ) else {
                    continue;
                };
                from.module.splice(0..0, prefix.iter().cloned());
                to.module.splice(0..0, prefix.iter().cloned());
                out.push(MoveStmt {
                    from,
                    to,
                    span: Some(mv.span.clone()),
                });
            }
            child_moves(child, child_cfg, out, diags);
        }
    }
}

/// The root module's `moved`, `import`, `removed` and `check` blocks.
fn root_blocks(
    req: &Request<'_>,
    scope: &Arc<Scope>,
    m: &config::Module,
    diags: &mut Diagnostics,
) -> Blocks {
    let mut b = Blocks::default();
    for mv in &m.moved {
        let (Some(from), Some(to)) = (
            endpoint(&mv.from, "moved block's from", diags),
            endpoint(&mv.to, "moved block's to", diags),
        ) else {
            continue;
        };
        b.moves.push(MoveStmt {
            from,
            to,
            span: Some(mv.span.clone()),
        });
    }
    for r in &m.removed {
        let Some(from) = endpoint(&r.from, "removed block's from", diags) else {
            continue;
        };
        b.removed.push(RemovedStmt {
            from,
            destroy: r.destroy.unwrap_or(true),
            span: Some(r.span.clone()),
        });
    }
    let empty = HashMap::new();
    let up = Upstream::new(&empty);
    for im in &m.imports {
        let to = match AbsResourceInstance::parse(&expr_text(&im.to)) {
            Ok(a) => a,
            Err(err) => {
                diags.push(
                    Diagnostic::error(
                        "Invalid import address",
                        format!(
                            "The import block's to must be a resource instance address: {err}."
                        ),
                    )
                    .with_span_opt(im.to.span())
                    .with_help("Write an address such as fake_thing.a or fake_thing.a[\"key\"]."),
                );
                continue;
            }
        };
        let module = module_instance_exists(scope, &to.resource.module);
        if let Ok(ms) = module {
            let declared = to.resource.resource.mode == ResourceMode::Managed
                && ms.expansions.contains_key(&to.resource)
                && ms.instances_of(&to.resource).contains(&to);
            if !declared {
                diags.push(
                    Diagnostic::error(
                        "Configuration for import target does not exist",
                        format!(
                            "The configuration for the given import target {to} does not exist. All target instances must have an associated configuration to be imported."
                        ),
                    )
                    .with_span_opt(im.to.span())
                    .with_help("Add a resource block for it (with the same count / for_each key), or fix the to address."),
                );
                continue;
            }
        }
        if let Err(detail) = module {
            diags.push(
                Diagnostic::error(
                    "Import target module instance does not exist",
                    format!("The import block's to address {to} is in {detail}."),
                )
                .with_span_opt(im.to.span())
                .with_help("Fix the module part of to (the call's name and its count / for_each key), or declare that module instance."),
            );
            continue;
        }
        let id = match scope.eval(&im.id, &up, &[]) {
            Ok(v) if v.is_wholly_known() && v.as_str().is_some() => {
                v.as_str().unwrap_or_default().to_string()
            }
            Ok(_) => {
                diags.push(
                    Diagnostic::error(
                        "Invalid import id argument",
                        "The import ID must be a known string; it may refer to variables and locals only.",
                    )
                    .with_span_opt(im.id.span())
                    .with_help("Use a literal string or a variable for id."),
                );
                continue;
            }
            Err(d) => {
                diags.extend(d);
                continue;
            }
        };
        b.imports.push(ImportStmt {
            to,
            id,
            span: Some(im.span.clone()),
        });
    }
    for c in &m.checks {
        let data = c
            .data
            .iter()
            .filter_map(|r| check_data(req, req.config, scope, r, diags))
            .collect();
        let asserts = cond_fn(scope, &c.asserts, &[], CondKind::Check)
            .unwrap_or_else(|| Arc::new(|_, _| Diagnostics::new()));
        b.checks.push(DesiredCheck {
            name: c.name.clone(),
            asserts,
            data,
        });
    }
    b
}

/// Does the module instance `path` exist in the configuration below `scope`? Err: where it
/// goes wrong, for a message ("module.m[\"c\"], which ...").
fn module_instance_exists<'s>(
    scope: &'s Scope,
    path: &ModuleInstance,
) -> Result<&'s Scope, String> {
    let mut cur = scope;
    for step in &path.0 {
        let here = cur.module.child(step.name.clone(), step.key.clone());
        let Some(call) = cur.calls.get().and_then(|c| c.get(&step.name)) else {
            let within = if cur.module.0.is_empty() {
                "the root module".to_string()
            } else {
                cur.module.to_string()
            };
            return Err(format!(
                "{here}, but {within} has no module call named \"{}\"",
                step.name
            ));
        };
        let Some((_, child)) = call.instances.iter().find(|(k, _)| k == &step.key) else {
            let have: Vec<String> = call
                .instances
                .iter()
                .map(|(_, c)| c.module.to_string())
                .collect();
            return Err(format!(
                "{here}, which the configuration does not declare (module \"{}\" has {})",
                step.name,
                if have.is_empty() {
                    "no instances".to_string()
                } else {
                    format!("the instances {}", have.join(", "))
                }
            ));
        };
        cur = child;
    }
    Ok(cur)
}

/// A data source scoped to a `check` block, as a desired instance (one instance: `count`
/// and `for_each` are refused).
fn check_data(
    req: &Request<'_>,
    cfg: &Config,
    scope: &Arc<Scope>,
    r: &config::Resource,
    diags: &mut Diagnostics,
) -> Option<DesiredInstance> {
    if let Some(e) = r.count.as_ref().or(r.for_each.as_ref()) {
        diags.push(
            Diagnostic::error(
                "Unsupported argument in a check block's data source",
                format!(
                    "{} is scoped to a check block; girder reads such a data source once, so count and for_each are not supported here.",
                    r.address()
                ),
            )
            .with_span_opt(e.span())
            .with_help("Remove count / for_each, or move the data block out of the check block."),
        );
        return None;
    }
    let provider = provider_of(cfg, r);
    let schema = req
        .providers
        .get(&provider.name)
        .and_then(|p| p.schema().data_source(&r.type_name).cloned())
        .map(Arc::new);
    let mut exprs = Vec::new();
    body_exprs(&r.body, &mut exprs);
    let mut deps = Vec::new();
    for e in exprs {
        scope.deps(e, false, &mut deps, 0);
    }
    for e in &r.depends_on {
        scope.deps(e, true, &mut deps, 0);
    }
    deps.sort();
    deps.dedup();
    let scope2 = scope.clone();
    let body = r.body.clone();
    Some(DesiredInstance {
        addr: AbsResourceInstance {
            resource: AbsResource {
                module: scope.module.clone(),
                resource: Resource {
                    mode: ResourceMode::Data,
                    type_name: r.type_name.as_str().into(),
                    name: r.name.as_str().into(),
                },
            },
            key: None,
        },
        provider,
        config: Arc::new(move |up| scope2.body(&body, schema.as_deref(), up, &[])),
        depends_on: deps,
        lifecycle: Lifecycle::default(),
        span: Some(Arc::new(r.span.clone())),
        triggers: Vec::new(),
        preconditions: None,
        postconditions: None,
        timeouts: None,
    })
}

/// The `count` / `each` objects of an instance key.
fn key_extra(key: &Option<InstanceKey>, exp: &Expansion) -> Vec<(String, Value)> {
    match key {
        Some(InstanceKey::Int(i)) => vec![(
            "count".into(),
            Value::object_from([("index", Value::int(*i))]),
        )],
        Some(InstanceKey::Str(k)) => vec![(
            "each".into(),
            Value::object_from([
                ("key", Value::string(k.clone())),
                (
                    "value",
                    exp.each_value(k)
                        .cloned()
                        .unwrap_or_else(Value::null_dynamic),
                ),
            ]),
        )],
        None => Vec::new(),
    }
}

/// The dependencies of one resource's instances, resolved once the whole tree is built.
struct PendingDeps {
    range: std::ops::Range<usize>,
    scope: Arc<Scope>,
    resource: AbsResource,
    refs: Vec<Expr>,
    depends_on: Vec<Expr>,
    call_deps: Vec<(Arc<Scope>, Expr)>,
}

/// Builds the scope of one module instance (and, recursively, of its module calls), and
/// pushes its resources' desired instances onto `out`. `call_deps`: what every resource of
/// this module instance depends on (the module calls' `depends_on`, outermost first).
#[allow(clippy::too_many_arguments)]
fn build_module(
    req: &Request<'_>,
    cfg: &Config,
    root_dir: &str,
    module: ModuleInstance,
    vars: Vars,
    call_deps: &[(Arc<Scope>, Expr)],
    out: &mut Vec<DesiredInstance>,
    pending: &mut Vec<PendingDeps>,
    diags: &mut Diagnostics,
) -> Option<Arc<Scope>> {
    let m = &cfg.module;
    let dir = m.dir.to_string_lossy().into_owned();
    let dir = if dir.is_empty() { ".".into() } else { dir };
    let mut scope = Scope {
        module: module.clone(),
        vars,
        locals: m
            .locals
            .iter()
            .map(|l| (l.name.clone(), l.expr.clone()))
            .collect(),
        path: Value::object_from([
            ("module", Value::string(dir)),
            ("root", Value::string(root_dir.to_string())),
            (
                "cwd",
                Value::string(req.base_dir.to_string_lossy().into_owned()),
            ),
        ]),
        terraform: Value::object_from([("workspace", Value::string(req.workspace.clone()))]),
        functions: Arc::new(FunctionTable::builtin()),
        base_dir: req.base_dir.clone(),
        expansions: HashMap::new(),
        calls: OnceLock::new(),
    };
    // Expand count / for_each (against variables, locals and unknown resources).
    let empty: HashMap<AbsResourceInstance, Value> = HashMap::new();
    let up = Upstream::new(&empty);
    let mut per_resource: Vec<(&config::Resource, AbsResource, Expansion)> = Vec::new();
    let mut failed = false;
    for r in &m.resources {
        let ar = AbsResource {
            module: module.clone(),
            resource: Resource {
                mode: r.mode,
                type_name: r.type_name.as_str().into(),
                name: r.name.as_str().into(),
            },
        };
        let exp = expansion_of(&scope, r.count.as_ref(), r.for_each.as_ref(), &up);
        match exp {
            Ok(e) => per_resource.push((r, ar, e)),
            Err(d) => {
                failed = true;
                diags.extend(d);
            }
        }
    }
    if failed {
        return None;
    }
    for (_, ar, e) in &per_resource {
        scope.expansions.insert(ar.clone(), e.clone());
    }
    let scope = Arc::new(scope);
    // Module calls.
    let mut calls = BTreeMap::new();
    for c in &m.module_calls {
        let Some(child_cfg) = cfg.children.get(&c.name) else {
            diags.push(
                Diagnostic::error(
                    "Module not installed",
                    format!(
                        "This module is not yet installed (module \"{}\", source \"{}\"); girder loads only local module sources.",
                        c.name, c.source
                    ),
                )
                .with_help("Use a local path (\"./modules/NAME\") as the module source.")
                .with_span(c.span.clone()),
            );
            continue;
        };
        let exp = match expansion_of(&scope, c.count.as_ref(), c.for_each.as_ref(), &up) {
            Ok(e) => e,
            Err(d) => {
                diags.extend(d);
                continue;
            }
        };
        let mut deps = call_deps.to_vec();
        for d in &c.depends_on {
            deps.push((scope.clone(), d.clone()));
        }
        let cm = &child_cfg.module;
        for v in &cm.variables {
            if v.default.is_none() && !c.inputs.iter().any(|a| a.name == v.name) {
                diags.push(
                    Diagnostic::error(
                        "Missing required argument",
                        format!(
                            "The argument \"{}\" is required, but no definition was found.",
                            v.name
                        ),
                    )
                    .with_help(format!("Set {} = ... in module \"{}\".", v.name, c.name))
                    .with_span(c.span.clone()),
                );
            }
        }
        let mut instances = Vec::new();
        for key in exp.keys() {
            let decls = cm
                .variables
                .iter()
                .map(|v| VarDecl {
                    name: v.name.clone(),
                    arg: c
                        .inputs
                        .iter()
                        .find(|a| a.name == v.name)
                        .map(|a| a.expr.clone()),
                    default: v.default.as_ref().and_then(|d| d.literal.clone()),
                    constraint: v
                        .type_expr
                        .as_ref()
                        .and_then(|t| config::variable_type(t).ok()),
                    ty: v.ty.clone(),
                    sensitive: v.sensitive,
                    at: config::range_text(&v.span),
                })
                .collect();
            let vars = Vars::Inputs(ChildVars {
                parent: scope.clone(),
                extra: key_extra(&key, &exp),
                decls,
            });
            let child_mod = module.child(c.name.clone(), key.clone());
            // Arguments that do not fit the child's types are reported once, here.
            let probe = Scope {
                module: child_mod.clone(),
                vars,
                locals: Vec::new(),
                path: Value::null_dynamic(),
                terraform: Value::null_dynamic(),
                functions: scope.functions.clone(),
                base_dir: req.base_dir.clone(),
                expansions: HashMap::new(),
                calls: OnceLock::new(),
            };
            if let Err(d) = probe.vars_value(&up) {
                diags.extend(d);
                continue;
            }
            let vars = probe.vars;
            if let Some(child) = build_module(
                req, child_cfg, root_dir, child_mod, vars, &deps, out, pending, diags,
            ) {
                instances.push((key, child));
            }
        }
        calls.insert(
            c.name.clone(),
            CallInfo {
                expansion: exp,
                instances,
                outputs: cm
                    .outputs
                    .iter()
                    .filter_map(|o| {
                        o.value
                            .clone()
                            .map(|e| (o.name.clone(), e, o.sensitive, o.depends_on.clone()))
                    })
                    .collect(),
            },
        );
    }
    let _ = scope.calls.set(calls);
    for (r, ar, exp) in per_resource {
        let provider = provider_of(cfg, r);
        let schema = req.providers.get(&provider.name).and_then(|p| {
            let s = p.schema();
            match r.mode {
                ResourceMode::Managed => s.resource(&r.type_name).cloned(),
                ResourceMode::Data => s.data_source(&r.type_name).cloned(),
            }
        });
        let schema = schema.map(Arc::new);
        let mut exprs = Vec::new();
        body_exprs(&r.body, &mut exprs);
        // Conditions and replace_triggered_by order the instance after what they name.
        for rule in r
            .lifecycle
            .preconditions
            .iter()
            .chain(&r.lifecycle.postconditions)
        {
            exprs.push(&rule.condition);
            exprs.push(&rule.error_message);
        }
        exprs.extend(r.lifecycle.replace_triggered_by.iter());
        let timeouts = match parse_timeouts(r.timeouts.as_ref()) {
            Ok(t) if t == Timeouts::default() => None,
            Ok(t) => Some(Arc::new(t)),
            Err(d) => {
                diags.extend(d);
                None
            }
        };
        let span = Some(Arc::new(r.span.clone()));
        let start = out.len();
        let lifecycle = Lifecycle {
            create_before_destroy: r.lifecycle.create_before_destroy.unwrap_or(false),
            prevent_destroy: r.lifecycle.prevent_destroy.unwrap_or(false),
            ignore_changes: match &r.lifecycle.ignore_changes {
                config::IgnoreChanges::None => IgnoreChanges::None,
                config::IgnoreChanges::All => IgnoreChanges::All,
                config::IgnoreChanges::Paths(p) => {
                    IgnoreChanges::Paths(p.iter().map(|(s, _)| parse_path(s)).collect())
                }
            },
        };
        for key in exp.keys() {
            let addr = AbsResourceInstance {
                resource: ar.clone(),
                key: key.clone(),
            };
            let extra = key_extra(&key, &exp);
            let triggers = triggers_of(&scope, &r.lifecycle.replace_triggered_by, &key);
            let preconditions = cond_fn(
                &scope,
                &r.lifecycle.preconditions,
                &extra,
                CondKind::ResourcePre,
            );
            let postconditions = cond_fn(
                &scope,
                &r.lifecycle.postconditions,
                &extra,
                CondKind::ResourcePost,
            );
            let scope2 = scope.clone();
            let body = r.body.clone();
            let schema2 = schema.clone();
            let config: ConfigFn =
                Arc::new(move |up| scope2.body(&body, schema2.as_deref(), up, &extra));
            out.push(DesiredInstance {
                addr,
                provider: provider.clone(),
                config,
                depends_on: Vec::new(),
                lifecycle: lifecycle.clone(),
                span: span.clone(),
                triggers,
                preconditions,
                postconditions,
                timeouts: timeouts.clone(),
            });
        }
        pending.push(PendingDeps {
            range: start..out.len(),
            scope: scope.clone(),
            resource: ar,
            refs: exprs.into_iter().cloned().collect(),
            depends_on: r.depends_on.clone(),
            call_deps: call_deps.to_vec(),
        });
    }
    Some(scope)
}

/// How a resource or module call expands.
fn expansion_of(
    scope: &Scope,
    count: Option<&Expr>,
    for_each: Option<&Expr>,
    up: &Upstream<'_>,
) -> Result<Expansion, Diagnostics> {
    if let Some(c) = count {
        scope
            .eval(c, up, &[])
            .and_then(|v| expand::count(&v, &expr_text(c), c.span()).map_err(Diagnostics::from))
    } else if let Some(f) = for_each {
        scope
            .eval(f, up, &[])
            .and_then(|v| expand::for_each(&v, &expr_text(f), f.span()).map_err(Diagnostics::from))
    } else {
        Ok(Expansion::Single)
    }
}

/// Configures every provider the configuration uses from its `provider` block (evaluated
/// against variables and locals).
pub async fn configure_providers(req: &Request<'_>, desired: &[DesiredInstance]) -> Diagnostics {
    configure_named(req, desired.iter().map(|d| &*d.provider.name).collect()).await
}

/// [`configure_providers`] for the desired instances and the data sources of `check` blocks.
async fn configure_all(
    req: &Request<'_>,
    desired: &[DesiredInstance],
    blocks: &Blocks,
) -> Diagnostics {
    let names = desired
        .iter()
        .chain(blocks.checks.iter().flat_map(|c| &c.data))
        .map(|d| &*d.provider.name)
        .collect();
    configure_named(req, names).await
}

async fn configure_named(req: &Request<'_>, mut names: Vec<&str>) -> Diagnostics {
    let mut diags = Diagnostics::new();
    names.sort_unstable();
    names.dedup();
    let m = &req.config.module;
    let scope = Scope {
        module: ModuleInstance::root(),
        vars: Vars::Fixed(typed_variables(m, &req.inputs)),
        locals: m
            .locals
            .iter()
            .map(|l| (l.name.clone(), l.expr.clone()))
            .collect(),
        path: Value::null_dynamic(),
        terraform: Value::object_from([("workspace", Value::string(req.workspace.clone()))]),
        functions: Arc::new(FunctionTable::builtin()),
        base_dir: req.base_dir.clone(),
        expansions: HashMap::new(),
        calls: OnceLock::new(),
    };
    let empty = HashMap::new();
    let up = Upstream::new(&empty);
    for name in names {
        let Some(p) = req.providers.get(name) else {
            continue;
        };
        let (pname, alias) = match name.split_once('.') {
            Some((a, b)) => (a, Some(b)),
            None => (name, None),
        };
        let block = m
            .providers
            .iter()
            .find(|b| b.name == pname && b.alias.as_deref() == alias);
        let cfg = match block {
            Some(b) => match scope.body(&b.body, Some(&p.schema().provider), &up, &[]) {
                Ok(v) => v,
                Err(d) => {
                    diags.extend(d);
                    continue;
                }
            },
            None => Value::empty_object(),
        };
        let cfg = crate::values::normalize_config(&cfg, &p.schema().provider).unwrap_or(cfg);
        if let Err(d) = p
            .configure(cfg, &girder_provider::OpContext::default())
            .await
        {
            diags.extend(d);
        }
    }
    diags
}

/// The source files of the whole module tree (for the saved plan's configuration hash).
fn config_files(config: &Config) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = config
        .module
        .files
        .iter()
        .map(|f| {
            let name = if config.path.is_empty() {
                f.name.to_string()
            } else {
                format!("{}/{}", config.path.join("/"), f.name)
            };
            (name, f.text.as_bytes().to_vec())
        })
        .collect();
    for c in config.children.values() {
        out.extend(config_files(c));
    }
    out
}

/// Plans the configuration against `state`.
pub async fn plan(
    req: &Request<'_>,
    state: impl Into<std::sync::Arc<State>>,
    opts: &PlanOptions,
) -> PlanOutcome {
    let (desired, outputs, blocks) = match desired_with_blocks(req) {
        Ok(x) => x,
        Err(d) => {
            return PlanOutcome {
                plan: None,
                diagnostics: d,
            }
        }
    };
    let cd = configure_all(req, &desired, &blocks).await;
    if cd.has_errors() {
        return PlanOutcome {
            plan: None,
            diagnostics: cd,
        };
    }
    let mut out =
        crate::plan::plan_with(&desired, &outputs, &blocks, state, req.providers, opts).await;
    if let Some(p) = out.plan.as_mut() {
        p.variables = req.inputs.clone();
        let files = config_files(req.config);
        p.config_hash =
            crate::planfile::config_hash(files.iter().map(|(n, b)| (n.as_str(), b.as_slice())));
    }
    let mut d = cd;
    d.extend(out.diagnostics);
    out.diagnostics = d;
    out
}

/// A destroy plan (`girder destroy`, `plan -destroy`).
pub async fn plan_destroy(
    req: &Request<'_>,
    state: impl Into<std::sync::Arc<State>>,
    opts: &PlanOptions,
) -> PlanOutcome {
    let opts = PlanOptions {
        mode: crate::plan::PlanMode::Destroy,
        ..opts.clone()
    };
    plan(req, state, &opts).await
}

/// Applies a plan made from this configuration (the backend locked by the caller). A saved
/// plan made from another configuration is refused.
pub async fn apply(
    req: &Request<'_>,
    plan: &Plan,
    backend: Arc<dyn Backend>,
    opts: &ApplyOptions,
) -> ApplyOutcome {
    let (desired, outputs, blocks) = match desired_with_blocks(req) {
        Ok(x) => x,
        Err(d) => {
            return ApplyOutcome {
                state: None,
                reports: Vec::new(),
                diagnostics: d,
                interrupted: false,
            }
        }
    };
    let files = config_files(req.config);
    let hash = crate::planfile::config_hash(files.iter().map(|(n, b)| (n.as_str(), b.as_slice())));
    if !plan.config_hash.is_empty() && plan.config_hash != hash {
        return ApplyOutcome {
            state: None,
            reports: Vec::new(),
            diagnostics: Diagnostic::error(
                "Saved plan does not match the configuration",
                "The configuration changed since the plan was made.",
            )
            .with_help("Run girder plan again.")
            .into(),
            interrupted: false,
        };
    }
    let cd = configure_all(req, &desired, &blocks).await;
    if cd.has_errors() {
        return ApplyOutcome {
            state: None,
            reports: Vec::new(),
            diagnostics: cd,
            interrupted: false,
        };
    }
    crate::apply::apply_with(
        plan,
        &desired,
        &outputs,
        &blocks.checks,
        req.providers,
        backend,
        opts,
    )
    .await
}

/// An object imported by [`import`].
#[derive(Clone, Debug)]
pub struct Imported {
    /// The object as the provider read it after import.
    pub value: Value,
    /// The provider's private data.
    pub private: Vec<u8>,
    /// The provider configuration that serves the address (for the state).
    pub provider: ProviderRef,
}

/// `girder import ADDR ID`: imports the object `id` through the provider of `addr`, configured
/// from its `provider` block as for a plan, and reads it. The address must be an instance the
/// configuration declares.
pub async fn import(
    req: &Request<'_>,
    addr: &AbsResourceInstance,
    id: &str,
) -> Result<Imported, Diagnostics> {
    let (desired, _) = desired(req)?;
    let Some(d) = desired.iter().find(|d| &d.addr == addr && !d.is_data()) else {
        return Err(Diagnostic::error(
            "Configuration for import target does not exist",
            format!("The configuration for the given import target {addr} does not exist. All target instances must have an associated configuration to be imported."),
        )
        .with_help("Add the resource block (with a matching count or for_each key), then import again.")
        .into());
    };
    let diags = configure_providers(req, std::slice::from_ref(d)).await;
    if diags.has_errors() {
        return Err(diags);
    }
    let Some(p) = req.providers.get(&d.provider.name) else {
        return Err(Diagnostic::error(
            "Provider not available",
            format!("No provider {:?} serves {addr}.", d.provider.name),
        )
        .into());
    };
    let ty = &addr.resource.resource.type_name;
    let ctx = girder_provider::OpContext::default();
    let mut objs = p.import_resource(ty, id, &ctx).await?;
    let Some(pos) = objs.iter().position(|o| &o.type_name == ty) else {
        return Err(Diagnostic::error(
            "Import returned no resources",
            format!("The provider returned no object of type {ty:?} for ID {id:?}."),
        )
        .into());
    };
    let obj = objs.swap_remove(pos);
    let read = p
        .read_resource(
            girder_provider::ReadRequest {
                type_name: ty.to_string(),
                current_state: obj.state,
                private: obj.private,
            },
            &ctx,
        )
        .await?;
    match read.new_state {
        Some(value) => Ok(Imported {
            value,
            private: read.private,
            provider: d.provider.clone(),
        }),
        None => Err(Diagnostic::error(
            "Cannot import non-existent remote object",
            format!("While attempting to import an existing object to {addr:?}, the provider detected that no object exists with the given id. Only pre-existing objects can be imported; check that the id is correct.", addr = addr.to_string()),
        )
        .with_help("Check the ID, or create the object with girder apply.")
        .into()),
    }
}

/// The dependency graph of the root module as DOT (`girder graph`).
pub fn graph_dot(config: &Config) -> Result<String, Diagnostics> {
    let m = &config.module;
    let mut g: DepGraph<()> = DepGraph::new();
    let locals: Vec<(String, Expr)> = m
        .locals
        .iter()
        .map(|l| (l.name.clone(), l.expr.clone()))
        .collect();
    for v in &m.variables {
        g.add(
            format!("var.{}", v.name),
            VertexKind::Variable,
            Some(v.span.clone()),
            (),
        );
    }
    for l in &m.locals {
        g.add(
            format!("local.{}", l.name),
            VertexKind::Local,
            Some(l.span.clone()),
            (),
        );
    }
    for r in &m.resources {
        let kind = if r.mode == ResourceMode::Data {
            VertexKind::Data
        } else {
            VertexKind::Resource
        };
        let id = g.add(r.address(), kind, Some(r.span.clone()), ());
        let p = provider_of(config, r);
        let pid = g.add(p.addr.to_string(), VertexKind::Provider, None, ());
        g.depend(id, pid, EdgeKind::Provider);
    }
    for o in &m.outputs {
        g.add(
            format!("output.{}", o.name),
            VertexKind::Output,
            Some(o.span.clone()),
            (),
        );
    }
    let edge_for = |g: &mut DepGraph<()>, from: &str, e: &Expr, kind: EdgeKind| {
        let Some(fid) = g.get(from) else { return };
        for r in references(e) {
            let key = match &r.subject {
                Subject::Var(n) => format!("var.{n}"),
                Subject::Local(n) => format!("local.{n}"),
                Subject::Resource {
                    mode,
                    type_name,
                    name,
                } => match mode {
                    ResourceMode::Managed => format!("{type_name}.{name}"),
                    ResourceMode::Data => format!("data.{type_name}.{name}"),
                },
                _ => continue,
            };
            if let Some(tid) = g.get(&key) {
                g.depend(fid, tid, kind);
            }
        }
    };
    for (name, e) in &locals {
        edge_for(&mut g, &format!("local.{name}"), e, EdgeKind::Reference);
    }
    for r in &m.resources {
        let mut exprs = Vec::new();
        body_exprs(&r.body, &mut exprs);
        exprs.extend(r.count.iter());
        exprs.extend(r.for_each.iter());
        for e in exprs {
            edge_for(&mut g, &r.address(), e, EdgeKind::Reference);
        }
        for e in &r.depends_on {
            edge_for(&mut g, &r.address(), e, EdgeKind::DependsOn);
        }
    }
    for o in &m.outputs {
        if let Some(e) = &o.value {
            edge_for(
                &mut g,
                &format!("output.{}", o.name),
                e,
                EdgeKind::Reference,
            );
        }
    }
    g.topo_order().map_err(Diagnostics::from_iter)?;
    Ok(g.to_dot())
}
