//! The expression evaluator.
//!
//! Evaluates expressions (lowered from hcl-edit into [`ast`]) to [`Value`]s in an [`EvalContext`] whose variables are
//! root names mapped to values, exactly as HCL does it: `var` is an object of input variables,
//! `local` an object of locals, `aws_vpc` an object of resources of that type (by name),
//! `data` an object of data sources by type, `module` an object of module calls, `count` /
//! `each` / `path` / `terraform` objects, plus any iterator names. The caller (the engine,
//! `console`, `validate`) builds those objects; unknown values stand for what is not yet
//! known.

pub mod ast;
pub mod conv;
pub(crate) mod interp;
pub(crate) mod lower;
pub(crate) mod ops;
pub(crate) mod refs_impl;
pub mod typeexpr;

use crate::functions::FunctionTable;
use crate::source::Expr;
use girder_core::{Diagnostics, Value};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

/// Everything an expression can see.
#[derive(Clone)]
pub struct EvalContext {
    /// Root names to values (`var`, `local`, resource types, `data`, `module`, `count`, ...).
    pub variables: HashMap<String, Value>,
    /// Built-in functions.
    pub functions: Arc<FunctionTable>,
    /// The directory that relative paths in `file()`, `templatefile()`, `fileset()`... are
    /// resolved against (the process's working directory; `path.module` is a variable).
    pub base_dir: PathBuf,
}

impl EvalContext {
    /// A context with Terraform's functions and no variables.
    pub fn new(base_dir: impl Into<PathBuf>) -> EvalContext {
        EvalContext {
            variables: HashMap::new(),
            functions: builtin_functions(),
            base_dir: base_dir.into(),
        }
    }
    /// Adds or replaces a root variable.
    pub fn set(&mut self, name: impl Into<String>, v: Value) {
        self.variables.insert(name.into(), v);
    }
}

/// Terraform's functions, built once per process.
pub fn builtin_functions() -> Arc<FunctionTable> {
    static TABLE: std::sync::OnceLock<Arc<FunctionTable>> = std::sync::OnceLock::new();
    TABLE
        .get_or_init(|| Arc::new(FunctionTable::builtin()))
        .clone()
}

/// Evaluates an expression. Errors are diagnostics pointing at the offending subexpression.
pub fn eval(expr: &Expr, ctx: &EvalContext) -> Result<Value, Diagnostics> {
    interp::Ev::new(ctx, &expr.file).eval(expr.node())
}

/// Renders a template (the contents of a template file, as `templatefile` reads it) with
/// `vars` as its only variables and the functions of a default context. `filename` is used in
/// messages. Errors are messages (`file:line,col: summary; detail`).
pub fn render_template(
    text: &str,
    filename: &str,
    vars: &std::collections::BTreeMap<String, Value>,
) -> Result<Value, String> {
    let ctx = EvalContext::new(".");
    render_template_in(&ctx, text, filename, vars)
}

/// [`render_template`] with the functions and base directory of `ctx`.
pub(crate) fn render_template_in(
    ctx: &EvalContext,
    text: &str,
    filename: &str,
    vars: &std::collections::BTreeMap<String, Value>,
) -> Result<Value, String> {
    let file = crate::source::SourceFile::new(filename, text);
    let node = lower::lower_template_text(text).map_err(|e| format!("{filename}: {e}"))?;
    let mut sub = EvalContext {
        variables: HashMap::with_capacity(vars.len()),
        functions: ctx.functions.clone(),
        base_dir: ctx.base_dir.clone(),
    };
    for (k, v) in vars {
        sub.variables.insert(k.clone(), v.clone());
    }
    interp::Ev::new(&sub, &file).eval(&node).map_err(|d| {
        d.iter()
            .map(|d| match &d.span {
                Some(s) => format!(
                    "{}:{},{}-{}: {}; {}",
                    s.filename, s.start.line, s.start.column, s.end.column, d.summary, d.detail
                ),
                None => format!("{}; {}", d.summary, d.detail),
            })
            .collect::<Vec<_>>()
            .join("\n")
    })
}
