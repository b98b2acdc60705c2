//! `girder validate [-json]` and `girder console` over girder-lang.

use crate::diag::{CmdResult, Fail};
use crate::ui::Ui;
use clap::Args;
use girder_core::{Diagnostic, Diagnostics, Severity, Value};
use girder_lang::config::{evaluate::evaluate_root, load_config, validate};
use girder_lang::console::{empty_context, eval_line, CONSOLE_FILENAME};
use girder_lang::inputs::{collect_inputs, InputOptions, VarArg};
use serde_json::json;
use std::io::BufRead;
use std::path::{Path, PathBuf};

/// `-var` / `-var-file` options.
#[derive(Args, Debug, Clone, Default)]
pub struct VarArgs {
    /// Set a value for one of the input variables in the root module.
    #[arg(long, value_name = "NAME=VALUE")]
    pub var: Vec<String>,
    /// Load variable values from the given file.
    #[arg(long, value_name = "FILE")]
    pub var_file: Vec<PathBuf>,
}

impl VarArgs {
    /// The options for girder-lang (files first, then single values; required variables
    /// without a value are asked for when stdin is a terminal and `-input` is not false).
    pub fn input_options(&self, dir: &Path) -> InputOptions {
        let mut args: Vec<VarArg> = self.var_file.iter().cloned().map(VarArg::VarFile).collect();
        args.extend(self.var.iter().cloned().map(VarArg::Var));
        InputOptions {
            dir: dir.to_path_buf(),
            args,
            env: std::env::vars()
                .filter(|(k, _)| k.starts_with("TF_VAR_"))
                .collect(),
            prompt: crate::prompt::variable_prompt(),
        }
    }
}

/// Runs `girder validate`.
pub fn validate_cmd(dir: &Path, json_out: bool, ui: &mut Ui) -> CmdResult {
    let (cfg, mut diags) = load_config(dir);
    if !diags.has_errors() {
        diags.extend(validate(&cfg).0);
    }
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let warnings = diags.len() - errors;
    if json_out {
        let list: Vec<_> = diags.iter().map(diag_json).collect();
        let doc = json!({
            "format_version": "0.1",
            "valid": errors == 0,
            "error_count": errors,
            "warning_count": warnings,
            "diagnostics": list,
        });
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        return Ok(i32::from(errors > 0));
    }
    ui.diags(&diags.0);
    if errors > 0 {
        return Ok(1);
    }
    if warnings > 0 {
        println!(
            "{} The configuration is valid, but there were some validation warnings as shown above.",
            ui.green("Success!")
        );
    } else {
        println!("{} The configuration is valid.", ui.green("Success!"));
    }
    Ok(0)
}

fn diag_json(d: &Diagnostic) -> serde_json::Value {
    let mut o = json!({
        "severity": match d.severity { Severity::Error => "error", Severity::Warning => "warning" },
        "summary": d.summary,
        "detail": d.detail,
    });
    if let Some(s) = &d.span {
        let pos = |p: &girder_core::diag::Pos| json!({"line": p.line, "column": p.column, "byte": p.byte});
        o["range"] = json!({"filename": &*s.filename, "start": pos(&s.start), "end": pos(&s.end)});
    }
    o
}

/// Runs `girder console`: one expression per line of stdin, printed as `terraform console`
/// prints it; the first error ends the session (exit 1), as Terraform's piped mode does.
pub fn console_cmd(dir: &Path, vars: &VarArgs, ui: &mut Ui) -> CmdResult {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let workspace = crate::backend::current_workspace(dir);
    let mut ctx = empty_context(&cwd);
    ctx.set(
        "terraform",
        Value::object_from([("workspace", Value::string(workspace.clone()))]),
    );
    let has_config = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok()).any(|e| {
                let n = e.file_name().to_string_lossy().into_owned();
                n.ends_with(".tf") || n.ends_with(".tf.json")
            })
        })
        .unwrap_or(false);
    if has_config {
        let (cfg, diags) = load_config(dir);
        if diags.has_errors() {
            return Err(Fail(diags.0));
        }
        let (inputs, d) = collect_inputs(&cfg.module, &vars.input_options(dir));
        if d.has_errors() {
            return Err(Fail(d.0));
        }
        let (root, d) = evaluate_root(&cfg, &inputs, &workspace, dir);
        if d.has_errors() {
            return Err(Fail(d.0));
        }
        ctx.set("var", Value::object(root.variables.into()));
        ctx.set("local", Value::object(root.locals.into()));
    } else if !vars.var.is_empty() || !vars.var_file.is_empty() {
        let d: Diagnostics = Diagnostic::error(
            "Value for undeclared variable",
            "A variable was given with -var or -var-file, but there is no configuration declaring it in this directory.",
        )
        .into();
        return Err(Fail(d.0));
    }
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        let line = line.trim();
        if line == "exit" {
            break;
        }
        if line.is_empty() {
            println!();
            continue;
        }
        match eval_line(line, &ctx) {
            Ok(out) => println!("{out}"),
            Err(d) => {
                ui.add_source(CONSOLE_FILENAME, line);
                ui.diags(&d.0);
                return Ok(1);
            }
        }
    }
    Ok(0)
}
