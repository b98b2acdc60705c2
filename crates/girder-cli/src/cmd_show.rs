//! `girder show` (state only): every current resource instance as `state show` prints it,
//! then the root outputs, as `terraform show` prints a state. Plan files come with the engine.

use crate::backend;
use crate::diag::{CmdResult, Fail};
use girder_core::addr::AbsResourceInstance;
use std::path::Path;

/// Runs `girder show`.
pub fn run(dir: &Path, path: Option<String>) -> CmdResult {
    if let Some(p) = path {
        return Err(Fail::help(
            "Showing a file is not supported yet",
            format!("girder show reads the current state; showing {p:?} (a plan or state file) is not supported yet."),
            "Run girder show without arguments, or girder state pull for the raw state.",
        ));
    }
    let settings = backend::resolve(dir)?;
    let b = backend::open(dir, &settings, &backend::current_workspace(dir))?;
    let Some((mut st, _)) = b
        .read()
        .map_err(|e| backend::state_fail("Error loading the state", e))?
    else {
        println!("No state.");
        return Ok(0);
    };
    st.sort();
    let mut blocks = Vec::new();
    for r in &st.resources {
        let sens = crate::providers::sensitive_attributes(&r.type_name);
        for inst in r.instances.iter().filter(|i| i.deposed.is_none()) {
            let addr = AbsResourceInstance {
                resource: r.addr(),
                key: inst.index_key.clone(),
            };
            blocks.push(crate::show::render(&addr.to_string(), r, inst, &sens));
        }
    }
    let mut out = blocks.join("\n");
    if !st.outputs.is_empty() {
        out.push_str("\nOutputs:\n\n");
        for (name, o) in &st.outputs {
            let text = if o.sensitive {
                "(sensitive value)".to_string()
            } else {
                let plain = girder_state::OutputValue {
                    sensitive: false,
                    ..o.clone()
                };
                let v = plain.to_value().map_err(|e| {
                    Fail::new(
                        "Invalid output value in state",
                        format!("The output {name:?} in the state cannot be read: {e}."),
                    )
                })?;
                crate::show::typed_value(&v, 0)
            };
            out.push_str(&format!("{name} = {text}\n"));
        }
    }
    // An existing but empty state prints an empty line, as Terraform does.
    if out.is_empty() {
        println!();
    } else {
        print!("{out}");
    }
    Ok(0)
}
