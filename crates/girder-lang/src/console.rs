//! `terraform console`: one expression in, its rendering out.
//!
//! Before evaluating, the references of the expression are checked against what the context
//! declares, as Terraform does (so `var.x` in an empty configuration is "Reference to
//! undeclared input variable", not an evaluation error).

use crate::eval::{eval, EvalContext};
use crate::refs::{references, Subject};
use crate::source::Expr;
use girder_core::addr::ResourceMode;
use girder_core::{Diagnostic, Diagnostics, Value};

/// The file name console input is reported under.
pub const CONSOLE_FILENAME: &str = "<console-input>";

/// The context of a console in a configuration without anything declared: `var`, `local`,
/// `module` and `data` are empty objects, `path.module`/`path.root` are `"."`, `path.cwd` is
/// `cwd`, `terraform.workspace` is `"default"`.
pub fn empty_context(cwd: &std::path::Path) -> EvalContext {
    let mut ctx = EvalContext::new(cwd);
    for root in ["var", "local", "module", "data"] {
        ctx.set(root, Value::empty_object());
    }
    ctx.set(
        "path",
        Value::object_from([
            ("module", Value::string(".")),
            ("root", Value::string(".")),
            ("cwd", Value::string(cwd.to_string_lossy().to_string())),
        ]),
    );
    ctx.set(
        "terraform",
        Value::object_from([("workspace", Value::string("default"))]),
    );
    ctx
}

/// Evaluates one line of console input and renders the result like `terraform console`.
pub fn eval_line(line: &str, ctx: &EvalContext) -> Result<String, Diagnostics> {
    let expr = Expr::parse(line, CONSOLE_FILENAME)?;
    check_references(&expr, ctx)?;
    match eval(&expr, ctx) {
        Ok(v) => Ok(girder_core::render::console(&v)),
        Err(mut d) => {
            // Terraform prints diagnostics in source order.
            d.0.sort_by(|a, b| {
                let k = |x: &Diagnostic| x.span.as_ref().map(|s| (s.start.byte, s.end.byte));
                k(a).cmp(&k(b))
            });
            Err(d)
        }
    }
}

fn has_attr(ctx: &EvalContext, root: &str, name: &str) -> bool {
    ctx.variables
        .get(root)
        .and_then(|v| v.as_map())
        .is_some_and(|m| m.contains_key(name))
}

/// Terraform's static reference checks for the console.
pub fn check_references(expr: &Expr, ctx: &EvalContext) -> Result<(), Diagnostics> {
    let mut diags = Diagnostics::new();
    for r in references(expr) {
        let d = match &r.subject {
            Subject::Var(n) if !has_attr(ctx, "var", n) => Some((
                "Reference to undeclared input variable",
                format!("An input variable with the name {n:?} has not been declared. This variable can be declared with a variable {n:?} {{}} block."),
            )),
            Subject::Local(n) if !has_attr(ctx, "local", n) => Some((
                "Reference to undeclared local value",
                format!("A local value with the name {n:?} has not been declared."),
            )),
            Subject::Module { name, .. } if !has_attr(ctx, "module", name) => Some((
                "Reference to undeclared module",
                format!("No module call named {name:?} is declared in the root module."),
            )),
            Subject::Resource {
                mode: ResourceMode::Data,
                type_name,
                name,
            } if !ctx
                .variables
                .get("data")
                .and_then(|d| d.get_attr(type_name))
                .and_then(|t| t.as_map())
                .is_some_and(|m| m.contains_key(name)) =>
            {
                Some((
                    "Reference to undeclared resource",
                    format!("A data resource {type_name:?} {name:?} has not been declared in the root module."),
                ))
            }
            Subject::Resource {
                mode: ResourceMode::Managed,
                type_name,
                name,
            } if !has_attr(ctx, type_name, name) => Some((
                "Reference to undeclared resource",
                format!("A managed resource {type_name:?} {name:?} has not been declared in the root module."),
            )),
            Subject::Count(_) if !ctx.variables.contains_key("count") => Some((
                "Reference to \"count\" in non-counted context",
                "The \"count\" object can only be used in \"module\", \"resource\", and \"data\" blocks, and only when the \"count\" argument is set.".to_string(),
            )),
            Subject::Each(_) if !ctx.variables.contains_key("each") => Some((
                "Reference to \"each\" in context without for_each",
                "The \"each\" object can be used only in \"module\" or \"resource\" blocks, and only when the \"for_each\" argument is set.".to_string(),
            )),
            Subject::SelfRef if !ctx.variables.contains_key("self") => Some((
                "Invalid \"self\" reference",
                "The \"self\" object is not available in this context. This object can be used only in resource provisioner and connection blocks.".to_string(),
            )),
            Subject::Other(n) if !ctx.variables.contains_key(n.as_str()) => Some((
                "Invalid reference",
                "A reference to a resource type must be followed by at least one attribute access, specifying the resource name.".to_string(),
            )),
            _ => None,
        };
        if let Some((summary, detail)) = d {
            diags.push(Diagnostic::error(summary, detail).with_span_opt(r.span.clone()));
        }
    }
    if diags.is_empty() {
        Ok(())
    } else {
        Err(diags)
    }
}
