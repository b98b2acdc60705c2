//! Evaluation of a root module's variables, locals and outputs (for `validate`, `console` and
//! the benchmarks). Resources, data sources and module calls are not evaluated here: a
//! reference to one is an unknown value of dynamic type.

use super::validate::conforms;
use super::{Config, Module};
use crate::eval::{eval, EvalContext};
use crate::functions::FunctionTable;
use crate::refs::{subjects, Reference, Subject};
use crate::source::Expr;
use girder_core::convert::convert;
use girder_core::{Diagnostic, Diagnostics, Value};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The values of a root module.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RootValues {
    /// Input variables (sensitive ones marked).
    pub variables: BTreeMap<String, Value>,
    /// Local values.
    pub locals: BTreeMap<String, Value>,
    /// Outputs (sensitive ones marked).
    pub outputs: BTreeMap<String, Value>,
}

/// Builds the minimal evaluation context for expressions: only the objects they refer to.
pub struct Scope<'a> {
    /// The variables' values.
    pub variables: &'a BTreeMap<String, Value>,
    /// The locals evaluated so far.
    pub locals: &'a BTreeMap<String, Value>,
    /// `path`.
    pub path: Value,
    /// `terraform`.
    pub terraform: Value,
    /// Shared function table.
    pub functions: Arc<FunctionTable>,
    /// Base directory for filesystem functions.
    pub base_dir: PathBuf,
}

impl Scope<'_> {
    /// The context for one expression.
    pub fn context_for(&self, e: &Expr) -> EvalContext {
        self.context_from_subjects(subjects(e).iter())
    }

    /// The context for an expression whose references are known.
    pub fn context_from_refs(&self, refs: &[Reference]) -> EvalContext {
        self.context_from_subjects(refs.iter().map(|r| &r.subject))
    }

    /// The context for an expression that refers to these subjects.
    pub fn context_from_subjects<'s>(
        &self,
        subjects: impl Iterator<Item = &'s Subject>,
    ) -> EvalContext {
        let mut vars: BTreeMap<String, Value> = BTreeMap::new();
        let mut locals: BTreeMap<String, Value> = BTreeMap::new();
        let mut ctx = EvalContext {
            variables: HashMap::new(),
            functions: self.functions.clone(),
            base_dir: self.base_dir.clone(),
        };
        for subject in subjects {
            match subject {
                Subject::Var(n) => {
                    if let Some(v) = self.variables.get(n) {
                        vars.insert(n.clone(), v.clone());
                    }
                }
                Subject::Local(n) => {
                    if let Some(v) = self.locals.get(n) {
                        locals.insert(n.clone(), v.clone());
                    }
                }
                Subject::Resource {
                    mode, type_name, ..
                } => {
                    let root = match mode {
                        girder_core::addr::ResourceMode::Managed => type_name.clone(),
                        girder_core::addr::ResourceMode::Data => "data".to_string(),
                    };
                    ctx.variables.insert(root, Value::unknown_dynamic());
                }
                Subject::Module { .. } => {
                    ctx.variables
                        .insert("module".into(), Value::unknown_dynamic());
                }
                Subject::Path(_) => {
                    ctx.variables.insert("path".into(), self.path.clone());
                }
                Subject::Terraform(_) => {
                    ctx.variables
                        .insert("terraform".into(), self.terraform.clone());
                }
                _ => {}
            }
        }
        ctx.variables
            .insert("var".into(), Value::object(vars.into()));
        ctx.variables
            .insert("local".into(), Value::object(locals.into()));
        ctx
    }
}

/// Gives evaluation errors without a help line one that names what was being evaluated (as
/// Terraform's "with local.x" line does).
pub(crate) fn with_context(d: Diagnostics, what: &str) -> Diagnostics {
    d.into_iter()
        .map(|mut x| {
            if x.help.is_none() {
                x.help = Some(format!(
                    "While evaluating {what}; correct the expression or the values it uses."
                ));
            }
            x
        })
        .collect()
}

/// The final value of each declared variable: the given input (already converted), else the
/// default, else an unknown of the variable's type. Sensitive variables are marked.
pub fn variable_values(
    module: &Module,
    inputs: &BTreeMap<String, Value>,
) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for v in &module.variables {
        if out.contains_key(&v.name) {
            continue;
        }
        let val = match inputs.get(&v.name) {
            Some(x) => x.clone(),
            None => match v.default.as_ref().and_then(|d| d.literal.clone()) {
                Some(d) if conforms(&d, &v.ty).is_ok() => convert(&d, &v.ty).unwrap_or(d),
                Some(_) => Value::unknown(v.ty.clone()),
                None => Value::unknown(v.ty.clone()),
            },
        };
        out.insert(
            v.name.clone(),
            if v.sensitive {
                val.mark_sensitive()
            } else {
                val
            },
        );
    }
    out
}

/// Evaluates the root module's variables, locals (in dependency order) and outputs.
pub fn evaluate_root(
    config: &Config,
    inputs: &BTreeMap<String, Value>,
    workspace: &str,
    base_dir: &Path,
) -> (RootValues, Diagnostics) {
    let m = &config.module;
    let mut diags = Diagnostics::new();
    let variables = variable_values(m, inputs);
    let module_dir = m.dir.to_string_lossy().into_owned();
    let module_dir = if module_dir.is_empty() {
        ".".to_string()
    } else {
        module_dir
    };
    let path = Value::object_from([
        ("module", Value::string(module_dir.clone())),
        ("root", Value::string(module_dir)),
        (
            "cwd",
            Value::string(base_dir.to_string_lossy().into_owned()),
        ),
    ]);
    let terraform = Value::object_from([("workspace", Value::string(workspace))]);
    let functions = Arc::new(FunctionTable::builtin());

    // locals in dependency order (Kahn); the first definition of a name wins. Only the
    // dependency indexes are kept between the passes (a configuration of 10,000 `locals`
    // blocks has 30,000 locals): the references are found again when a local is evaluated.
    let mut index: HashMap<&str, u32> = HashMap::with_capacity(m.locals.len());
    for (i, l) in m.locals.iter().enumerate() {
        index.entry(l.name.as_str()).or_insert(i as u32);
    }
    let n = m.locals.len();
    let mut dependents: Vec<Vec<u32>> = vec![vec![]; n];
    let mut indeg = vec![0u32; n];
    let mut seen: Vec<u32> = Vec::new();
    for (i, l) in m.locals.iter().enumerate() {
        if index[l.name.as_str()] as usize != i {
            continue;
        }
        seen.clear();
        for subject in subjects(&l.expr) {
            if let Subject::Local(dep) = &subject {
                if let Some(&j) = index.get(dep.as_str()) {
                    if !seen.contains(&j) {
                        seen.push(j);
                        dependents[j as usize].push(i as u32);
                        indeg[i] += 1;
                    }
                }
            }
        }
    }
    let mut ready: Vec<u32> = (0..n)
        .filter(|&i| indeg[i] == 0 && index[m.locals[i].name.as_str()] as usize == i)
        .rev()
        .map(|i| i as u32)
        .collect();
    let mut locals: BTreeMap<String, Value> = BTreeMap::new();
    let mut done = 0usize;
    while let Some(i) = ready.pop() {
        done += 1;
        let l = &m.locals[i as usize];
        let v = {
            let scope = Scope {
                variables: &variables,
                locals: &locals,
                path: path.clone(),
                terraform: terraform.clone(),
                functions: functions.clone(),
                base_dir: base_dir.to_path_buf(),
            };
            let ctx = scope.context_for(&l.expr);
            match eval(&l.expr, &ctx) {
                Ok(v) => v,
                Err(d) => {
                    diags.extend(with_context(d, &format!("local.{}", l.name)));
                    Value::unknown_dynamic()
                }
            }
        };
        locals.insert(l.name.clone(), v);
        for &j in &std::mem::take(&mut dependents[i as usize]) {
            indeg[j as usize] -= 1;
            if indeg[j as usize] == 0 {
                ready.push(j);
            }
        }
    }
    let unique = index.len();
    if done < unique {
        let mut stuck: Vec<&str> = m
            .locals
            .iter()
            .enumerate()
            .filter(|(i, l)| index[l.name.as_str()] as usize == *i && !locals.contains_key(&l.name))
            .map(|(_, l)| l.name.as_str())
            .collect();
        stuck.sort_unstable();
        let first = m.local(stuck[0]).map(|l| l.span.clone());
        diags.push(
            Diagnostic::error(
                format!(
                    "Cycle: {}",
                    stuck
                        .iter()
                        .map(|s| format!("local.{s}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                "These local values depend on each other, so none of them can be evaluated.",
            )
            .with_span_opt(first)
            .with_help("Break the cycle by removing one of the references."),
        );
        for s in stuck {
            locals.insert(s.to_string(), Value::unknown_dynamic());
        }
    }

    let mut outputs = BTreeMap::new();
    for o in &m.outputs {
        if outputs.contains_key(&o.name) {
            continue;
        }
        let Some(e) = &o.value else { continue };
        let scope = Scope {
            variables: &variables,
            locals: &locals,
            path: path.clone(),
            terraform: terraform.clone(),
            functions: functions.clone(),
            base_dir: base_dir.to_path_buf(),
        };
        let ctx = scope.context_for(e);
        let v = match eval(e, &ctx) {
            Ok(v) => v,
            Err(d) => {
                diags.extend(with_context(d, &format!("output.{}", o.name)));
                continue;
            }
        };
        if !o.sensitive && v.contains_sensitive() {
            diags.push(
                Diagnostic::error(
                    "Output refers to sensitive values",
                    "To reduce the risk of accidentally exporting sensitive data that was intended to be only internal, Terraform requires that any root module output containing sensitive data be explicitly marked as sensitive, to confirm your intent.\n\nIf you do intend to export this data, annotate the output value as sensitive by adding the following argument:\n    sensitive = true",
                )
                .with_span(o.span.clone())
                .with_help("Add sensitive = true to the output block, or wrap the value in nonsensitive() if it is not secret."),
            );
        }
        for rule in &o.preconditions {
            let ctx = scope.context_for(&rule.condition);
            if let Ok(c) = eval(&rule.condition, &ctx) {
                if c.as_bool() == Some(false) {
                    let ctx = scope.context_for(&rule.error_message);
                    let msg = eval(&rule.error_message, &ctx)
                        .ok()
                        .and_then(|m| m.as_str().map(str::to_string))
                        .unwrap_or_default();
                    diags.push(
                        Diagnostic::error("Module output value precondition failed", msg)
                            .with_span_opt(rule.condition.span())
                            .with_help(
                                "The output's precondition is false for the current values.",
                            ),
                    );
                }
            }
        }
        let v = if o.sensitive { v.mark_sensitive() } else { v };
        outputs.insert(o.name.clone(), v);
    }
    super::json::remap_diagnostics(&m.json_sources, &mut diags);
    (
        RootValues {
            variables,
            locals,
            outputs,
        },
        diags,
    )
}
