//! Input variable values for a root module, from every source Terraform reads, with its
//! precedence (later wins):
//!
//! 1. `TF_VAR_name` environment variables;
//! 2. `terraform.tfvars`, then `terraform.tfvars.json`;
//! 3. `*.auto.tfvars` / `*.auto.tfvars.json` in lexical order;
//! 4. `-var` and `-var-file` options, in command-line order;
//!
//! and the variable's default when none of them sets it. A required variable that none of them
//! sets is asked for through [`InputOptions::prompt`] when the caller gives one (the CLI does
//! when stdin is a terminal and `-input` is not false), else it is an error. Values given as strings (`-var`,
//! `TF_VAR_`) are taken literally for variables of primitive type (or no type) and parsed as
//! HCL expressions for variables of complex types. Each value is converted to the variable's
//! type, then its `validation` rules are checked.

use crate::config::{literal_value_in, Module, Variable};
use crate::eval::{eval, EvalContext};
use crate::source::{Expr, SourceFile};
use girder_core::convert::convert;
use girder_core::{Diagnostic, Diagnostics, SourceSpan, Type, Value};
use hcl_edit::Span;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A `-var` or `-var-file` option, in command-line order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VarArg {
    /// `-var 'name=value'`
    Var(String),
    /// `-var-file=path`
    VarFile(PathBuf),
}

/// Where the values come from.
#[derive(Clone, Debug, Default)]
pub struct InputOptions {
    /// The root module directory (where `terraform.tfvars` and `*.auto.tfvars` are looked for).
    pub dir: PathBuf,
    /// `-var` / `-var-file` options in order.
    pub args: Vec<VarArg>,
    /// The environment (only `TF_VAR_*` entries matter).
    pub env: Vec<(String, String)>,
    /// Asks the user for the value of a required variable that has none (None: don't ask).
    pub prompt: Option<Prompt>,
}

/// Asks for the value of a required variable (called once per such variable, in name order,
/// as Terraform asks). Returns the text entered, or None when nothing could be read (the
/// variable is then reported as not set).
#[derive(Clone)]
pub struct Prompt(pub std::sync::Arc<dyn Fn(&Variable) -> Option<String> + Send + Sync>);

impl std::fmt::Debug for Prompt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Prompt")
    }
}

/// Where a value came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ValueSource {
    /// The variable's default.
    Default,
    /// A `TF_VAR_` environment variable.
    Env,
    /// A variables file (its name).
    File(String),
    /// A `-var` option.
    Cli,
    /// Entered at the prompt.
    Input,
}

/// One input value as given, before conversion.
#[derive(Clone, Debug)]
enum Raw {
    /// A string that is interpreted according to the variable's type.
    Str(String),
    /// A value from a variables file.
    Val(Value),
}

#[derive(Clone, Debug)]
struct Given {
    raw: Raw,
    source: ValueSource,
    span: Option<SourceSpan>,
}

/// The value of each declared variable of `module` (converted to its type, unmarked; sensitive
/// marks are applied by the evaluator), and the problems found.
pub fn collect_inputs(
    module: &Module,
    opts: &InputOptions,
) -> (BTreeMap<String, Value>, Diagnostics) {
    let mut diags = Diagnostics::new();
    let mut given: BTreeMap<String, Given> = BTreeMap::new();

    for (k, v) in &opts.env {
        if let Some(name) = k.strip_prefix("TF_VAR_") {
            given.insert(
                name.to_string(),
                Given {
                    raw: Raw::Str(v.clone()),
                    source: ValueSource::Env,
                    span: None,
                },
            );
        }
    }
    let mut auto: Vec<String> = std::fs::read_dir(&opts.dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".auto.tfvars") || n.ends_with(".auto.tfvars.json"))
                .collect()
        })
        .unwrap_or_default();
    auto.sort();
    let mut files: Vec<String> = vec![];
    for n in ["terraform.tfvars", "terraform.tfvars.json"] {
        if opts.dir.join(n).is_file() {
            files.push(n.to_string());
        }
    }
    files.extend(auto);
    let mut undeclared_in_files: Vec<(String, String, Option<SourceSpan>)> = vec![];
    let mut file_values = |path: &Path,
                           display: &str,
                           given: &mut BTreeMap<String, Given>,
                           diags: &mut Diagnostics| {
        for (name, val, span) in read_vars_file(path, display, diags) {
            if module.variable(&name).is_none() {
                undeclared_in_files.push((name.clone(), display.to_string(), span.clone()));
            }
            given.insert(
                name,
                Given {
                    raw: Raw::Val(val),
                    source: ValueSource::File(display.to_string()),
                    span,
                },
            );
        }
    };
    for f in &files {
        file_values(&opts.dir.join(f), f, &mut given, &mut diags);
    }
    for a in &opts.args {
        match a {
            VarArg::Var(s) => match s.split_once('=') {
                Some((k, v)) if !k.trim().is_empty() => {
                    let k = k.trim().to_string();
                    if module.variable(&k).is_none() {
                        diags.push(
                            Diagnostic::error(
                                "Value for undeclared variable",
                                format!("A variable named \"{k}\" was assigned on the command line, but the root module does not declare a variable of that name. To use this value, add a \"variable\" block to the configuration."),
                            )
                            .with_help(format!("Declare variable \"{k}\" {{}} in the configuration, or remove the -var option.")),
                        );
                        continue;
                    }
                    given.insert(
                        k,
                        Given {
                            raw: Raw::Str(v.to_string()),
                            source: ValueSource::Cli,
                            span: None,
                        },
                    );
                }
                _ => diags.push(
                    Diagnostic::error(
                        "Invalid -var option",
                        format!("The given -var option {s:?} is not correctly specified. Must be a variable name and value separated by an equals sign, like -var=\"key=value\"."),
                    )
                    .with_help("Write -var 'name=value'."),
                ),
            },
            VarArg::VarFile(p) => {
                let display = p.to_string_lossy().into_owned();
                let full = if p.is_absolute() { p.clone() } else { opts.dir.join(p) };
                let full = if full.is_file() { full } else { p.clone() };
                if !full.is_file() {
                    diags.push(
                        Diagnostic::error(
                            "Failed to read variables file",
                            format!("Given variables file {display} does not exist."),
                        )
                        .with_help("Check the path given to -var-file."),
                    );
                    continue;
                }
                file_values(&full, &display, &mut given, &mut diags);
            }
        }
    }
    // warnings for undeclared names in files (as Terraform: two in full, then a summary)
    let mut shown = 0;
    for (name, file, span) in &undeclared_in_files {
        if !given
            .get(name)
            .is_some_and(|g| matches!(&g.source, ValueSource::File(f) if f == file))
        {
            continue;
        }
        shown += 1;
        if shown <= 2 {
            diags.push(
                Diagnostic::warning(
                    "Value for undeclared variable",
                    format!("The root module does not declare a variable named \"{name}\" but a value was found in file \"{file}\". If you meant to use this value, add a \"variable\" block to the configuration.\n\nTo silence these warnings, use TF_VAR_... environment variables to provide certain \"global\" settings to all configurations in your organization. To reduce the verbosity of these warnings, use the -compact-warnings option."),
                )
                .with_span_opt(span.clone())
                .with_help(format!("Declare variable \"{name}\" {{}} or remove it from {file}.")),
            );
        }
    }
    if shown > 2 {
        diags.push(
            Diagnostic::warning(
                "Values for undeclared variables",
                format!("In addition to the other similar warnings shown, {} other variable(s) defined without being declared.", shown - 2),
            )
            .with_help("Declare the variables or remove them from the variables files."),
        );
    }

    // required variables without a value: ask, in name order (as Terraform does)
    if let Some(prompt) = &opts.prompt {
        let mut missing: Vec<&Variable> = module
            .variables
            .iter()
            .filter(|v| v.default.is_none() && !given.contains_key(&v.name))
            .collect();
        missing.sort_by(|a, b| a.name.cmp(&b.name));
        missing.dedup_by(|a, b| a.name == b.name);
        for v in missing {
            if let Some(text) = (prompt.0)(v) {
                given.insert(
                    v.name.clone(),
                    Given {
                        raw: Raw::Str(text),
                        source: ValueSource::Input,
                        span: None,
                    },
                );
            }
        }
    }

    let mut out = BTreeMap::new();
    for v in &module.variables {
        if out.contains_key(&v.name) {
            continue;
        }
        let g = given.remove(&v.name);
        let (value, span, source) = match g {
            Some(g) => {
                let val = match g.raw {
                    Raw::Val(x) => x,
                    Raw::Str(s) => match parse_string_value(&s, v, &g.source) {
                        Ok(x) => x,
                        Err(d) => {
                            diags.push(d);
                            continue;
                        }
                    },
                };
                (val, g.span, g.source)
            }
            None => match &v.default {
                Some(d) => match &d.literal {
                    Some(x) => (x.clone(), d.expr.span(), ValueSource::Default),
                    None => continue, // reported by the loader
                },
                None => {
                    diags.push(
                        Diagnostic::error(
                            "No value for required variable",
                            format!("The root module input variable \"{}\" is not set, and has no default value. Use a -var or -var-file command line argument to provide a value for this variable.", v.name),
                        )
                        .with_span(v.span.clone())
                        .with_help(format!("Set it with -var '{}=...', a .tfvars file or TF_VAR_{}, or give the variable a default.", v.name, v.name)),
                    );
                    continue;
                }
            },
        };
        let decl = crate::config::range_text(&v.span);
        if value.is_null() && !v.nullable {
            diags.push(
                Diagnostic::error(
                    "Invalid value for input variable",
                    format!("The given value is not suitable for var.{} declared at {decl}: required variable may not be set to null.", v.name),
                )
                .with_span_opt(span.clone().or(Some(v.span.clone())))
                .with_help("Give the variable a non-null value."),
            );
            continue;
        }
        if let Err(e) = crate::config::conforms(&value, &v.ty) {
            let what = if source == ValueSource::Default {
                format!("The default value of var.{} declared at {decl} is not compatible with its type constraint: {e}.", v.name)
            } else {
                format!(
                    "The given value is not suitable for var.{} declared at {decl}: {e}.",
                    v.name
                )
            };
            diags.push(
                Diagnostic::error("Invalid value for input variable", what)
                    .with_span_opt(span.clone().or(Some(v.span.clone())))
                    .with_help(format!("Give a value of type {}.", v.ty)),
            );
            continue;
        }
        let value = convert(&value, &v.ty).unwrap_or(value);
        if check_validations(v, &value, &mut diags) {
            out.insert(v.name.clone(), value);
        }
    }
    crate::config::json::remap_diagnostics(&module.json_sources, &mut diags);
    (out, diags)
}

/// A string from `-var` or `TF_VAR_`: literal for primitive types, an HCL expression otherwise.
fn parse_string_value(s: &str, v: &Variable, source: &ValueSource) -> Result<Value, Diagnostic> {
    if v.ty.is_primitive() || v.ty == Type::Dynamic {
        return Ok(Value::string(s));
    }
    let name = match source {
        ValueSource::Env => format!("<value for var.{} from TF_VAR_{}>", v.name, v.name),
        _ => format!("<value for var.{}>", v.name),
    };
    let e: hcl_edit::expr::Expression = match crate::parse::parse_patched(s, str::parse) {
        Ok(e) => e,
        Err(err) => {
            let file = SourceFile::new(name, s);
            let off = err.location().offset().min(s.len());
            if let Some(d) = crate::parse::duplicate_key(err.message(), s, off, &file) {
                return Err(d);
            }
            return Err(Diagnostic::error("Invalid expression", err.message().to_string())
                .with_span(file.span(off..off))
                .with_help(format!("Values of complex types are written as HCL expressions, e.g. -var '{}=[\"a\", \"b\"]'.", v.name)));
        }
    };
    static_value(&e, &SourceFile::new(name, s))
}

/// The value of an expression in a variables file (no variables, no functions).
fn static_value(
    e: &hcl_edit::expr::Expression,
    file: &std::sync::Arc<SourceFile>,
) -> Result<Value, Diagnostic> {
    if let Some(v) = literal_value_in(e, Some(&file.text)) {
        return Ok(v);
    }
    let expr = Expr::lower(e, file.clone());
    let ctx = EvalContext {
        variables: Default::default(),
        functions: std::sync::Arc::new(crate::functions::FunctionTable::default()),
        base_dir: PathBuf::from("."),
    };
    eval(&expr, &ctx).map_err(|d| {
        let mut d = d.0.into_iter().next().unwrap_or_else(|| Diagnostic::error("Invalid expression", ""));
        if d.span.is_none() {
            d.span = Some(file.span(e.span().unwrap_or(0..0)));
        }
        if d.help.is_none() {
            d.help = Some("Values in variables files must be literal values; variables and functions may not be used.".into());
        }
        d
    })
}

/// Reads a `.tfvars` or `.tfvars.json` file: (name, value, span of the value).
fn read_vars_file(
    path: &Path,
    display: &str,
    diags: &mut Diagnostics,
) -> Vec<(String, Value, Option<SourceSpan>)> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            diags.push(
                Diagnostic::error(
                    "Failed to read variables file",
                    format!("Error reading {display}: {e}."),
                )
                .with_help("Check that the file exists and is readable UTF-8."),
            );
            return vec![];
        }
    };
    let file = SourceFile::new(display, text.as_str());
    let mut out = vec![];
    if display.ends_with(".json") {
        match serde_json::from_str::<serde_json::Value>(&text) {
            Ok(serde_json::Value::Object(m)) => {
                for (k, v) in m {
                    out.push((k, Value::from_json_implied(&v), None));
                }
            }
            Ok(_) => diags.push(
                Diagnostic::error(
                    "Invalid variables file",
                    format!("The root of {display} must be a JSON object."),
                )
                .with_help("Write the file as {\"name\": value, ...}."),
            ),
            Err(e) => diags.push(
                Diagnostic::error(
                    "Invalid variables file",
                    format!("{display} is not valid JSON: {e}."),
                )
                .with_help("Fix the JSON syntax."),
            ),
        }
        return out;
    }
    let body = match crate::parse::parse_patched(&text, hcl_edit::parser::parse_body) {
        Ok(b) => b,
        Err(e) => {
            let off = e.location().offset().min(text.len());
            if let Some(d) = crate::parse::duplicate_key(e.message(), &text, off, &file) {
                diags.push(d);
                return out;
            }
            diags.push(
                Diagnostic::error("Invalid syntax", e.message().to_string())
                    .with_span(file.span(off..off))
                    .with_help("A variables file holds name = value lines."),
            );
            return out;
        }
    };
    for b in body.blocks() {
        diags.push(
            Diagnostic::error(
                format!("Unexpected \"{}\" block", b.ident.as_str()),
                "Blocks are not allowed here.",
            )
            .with_span(file.span(b.ident.span().unwrap_or(0..0)))
            .with_help("A variables file holds only name = value assignments."),
        );
    }
    for a in body.attributes() {
        let span = file.span(a.value.span().unwrap_or(0..0));
        match static_value(&a.value, &file) {
            Ok(v) => out.push((a.key.as_str().to_string(), v, Some(span))),
            Err(d) => diags.push(d),
        }
    }
    out
}

/// Evaluates the variable's validation rules; false if one failed.
fn check_validations(v: &Variable, value: &Value, diags: &mut Diagnostics) -> bool {
    if v.validations.is_empty() || !value.is_wholly_known() {
        return true;
    }
    let mut ok = true;
    let mut ctx = EvalContext::new(".");
    let val = if v.sensitive {
        value.clone().mark_sensitive()
    } else {
        value.clone()
    };
    ctx.set("var", Value::object_from([(v.name.clone(), val)]));
    for rule in &v.validations {
        match eval(&rule.condition, &ctx) {
            Ok(c) => {
                let (c, _) = c.unmark();
                if c.as_bool() == Some(false) {
                    ok = false;
                    let msg = match eval(&rule.error_message, &ctx) {
                        Ok(m) if !m.is_sensitive() => m.as_str().unwrap_or_default().to_string(),
                        Ok(_) => "The error message is sensitive and is not shown.".to_string(),
                        Err(d) => {
                            diags.extend(crate::config::evaluate::with_context(
                                d,
                                &format!(
                                    "the error message of a validation rule of var.{}",
                                    v.name
                                ),
                            ));
                            String::new()
                        }
                    };
                    diags.push(
                        Diagnostic::error(
                            "Invalid value for variable",
                            format!(
                                "{msg}\n\nThis was checked by the validation rule at {}.",
                                crate::config::range_text(&rule.span)
                            ),
                        )
                        .with_span(v.span.clone())
                        .with_help(format!(
                            "Give var.{} a value that satisfies the rule.",
                            v.name
                        )),
                    );
                } else if !c.is_known() || c.is_null() {
                    // unknown: checked later; null: Terraform reports an invalid condition
                    if c.is_null() {
                        diags.push(
                            Diagnostic::error(
                                "Invalid variable validation result",
                                "The validation condition produced a null value.",
                            )
                            .with_span_opt(rule.condition.span())
                            .with_help("Make the condition return true or false."),
                        );
                    }
                }
            }
            Err(d) => {
                ok = false;
                diags.extend(crate::config::evaluate::with_context(
                    d,
                    &format!("the condition of a validation rule of var.{}", v.name),
                ));
            }
        }
    }
    ok
}
