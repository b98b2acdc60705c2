//! `girder output [-json] [-raw] [NAME]`: root module outputs from the state, as
//! `terraform output` (1.0.3) prints them.

use crate::backend;
use crate::diag::{CmdResult, Fail};
use crate::ui::Ui;
use girder_core::Diagnostic;
use girder_state::OutputValue;
use serde_json::{Map, Value as J};
use std::path::Path;

fn value_of(name: &str, o: &OutputValue) -> Result<girder_core::Value, Fail> {
    let plain = OutputValue {
        sensitive: false,
        ..o.clone()
    };
    plain.to_value().map_err(|e| {
        Fail::new(
            "Invalid output value in state",
            format!("The output {name:?} in the state cannot be read: {e}."),
        )
    })
}

/// Runs `girder output`.
pub fn run(dir: &Path, name: Option<String>, json_out: bool, raw: bool, ui: &mut Ui) -> CmdResult {
    if json_out && raw {
        return Err(Fail::help(
            "Invalid output format",
            "The -raw and -json options are mutually-exclusive.",
            "Use one of -raw and -json.",
        ));
    }
    let settings = backend::resolve(dir)?;
    let b = backend::open(dir, &settings, &backend::current_workspace(dir))?;
    let outputs = b
        .read()
        .map_err(|e| backend::state_fail("Error loading the state", e))?
        .map(|(s, _)| s.outputs)
        .unwrap_or_default();
    let Some(name) = name else {
        if raw {
            return Err(Fail::help(
                "Output name required",
                "You must give the name of a single output value when using the -raw option.",
                "Run girder output -raw NAME.",
            ));
        }
        if json_out {
            let mut all = Map::new();
            for (k, o) in &outputs {
                let mut m = Map::new();
                m.insert("sensitive".into(), J::Bool(o.sensitive));
                m.insert("type".into(), o.ty.clone());
                m.insert("value".into(), o.value.clone());
                all.insert(k.clone(), J::Object(m));
            }
            println!(
                "{}",
                serde_json::to_string_pretty(&J::Object(all)).unwrap_or_default()
            );
            return Ok(0);
        }
        if outputs.is_empty() {
            return no_outputs(ui);
        }
        let mut out = String::new();
        for (k, o) in &outputs {
            let text = if o.sensitive {
                "<sensitive>".to_string()
            } else {
                girder_core::render::console(&value_of(k, o)?)
            };
            out.push_str(&format!("{k} = {text}\n"));
        }
        print!("{out}");
        return Ok(0);
    };
    if outputs.is_empty() && !json_out {
        return no_outputs(ui);
    }
    let Some(o) = outputs.get(&name) else {
        return Err(Fail::help(
            format!("Output {name:?} not found"),
            "The output variable requested could not be found in the state file. If you \
             recently added this to your configuration, be sure to run `girder apply`, since \
             the state won't be updated with new output variables until that command is run.",
            "Run girder output to list the outputs.",
        ));
    };
    if json_out {
        println!("{}", serde_json::to_string(&o.value).unwrap_or_default());
        return Ok(0);
    }
    let v = value_of(&name, o)?;
    if raw {
        return match &o.value {
            J::String(s) => {
                print!("{s}");
                Ok(0)
            }
            J::Number(_) | J::Bool(_) => {
                print!("{}", o.value);
                Ok(0)
            }
            _ => Err(Fail::help(
                "Unsupported value for raw output",
                format!(
                    "The -raw option only supports strings, numbers, and boolean values, but \
                     output value {name:?} is {}.",
                    v.ty().friendly_name()
                ),
                "Use the -json option for machine-readable representations of output values \
                 that have complex types.",
            )),
        };
    }
    println!("{}", girder_core::render::console(&v));
    Ok(0)
}

/// Terraform's warning when the state has no outputs (exit 0).
fn no_outputs(ui: &mut Ui) -> CmdResult {
    ui.diags(&[Diagnostic::warning(
        "No outputs found",
        "The state file either has no outputs defined, or all the defined outputs are \
         empty. Please define an output in your configuration with the `output` keyword \
         and run `girder refresh` for it to become available. If you are using \
         interpolation, please verify the interpolated value is not empty. You can use \
         the `girder console` command to assist.",
    )]);
    Ok(0)
}
