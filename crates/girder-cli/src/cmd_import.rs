//! `girder import [-var ...] ADDR ID`: imports an existing object through its provider's
//! import and read, and writes it to the state under lock.

use crate::backend::{self, state_fail};
use crate::diag::{CmdResult, Fail};
use crate::lock::Guard;
use crate::ui::Ui;
use crate::{InputArg, LockArgs};
use clap::Args;
use girder_core::addr::{AbsResourceInstance, ResourceMode};
use girder_state::{InstanceState, ResourceState, State};
use std::path::Path;

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// Set a value for one of the input variables (the provider configuration may use them).
    #[arg(long, value_name = "NAME=VALUE")]
    var: Vec<String>,
    /// Load variable values from the given file.
    #[arg(long, value_name = "FILE")]
    var_file: Vec<String>,
    #[command(flatten)]
    lock: LockArgs,
    #[command(flatten)]
    input: InputArg,
    /// The address to import the resource to.
    addr: String,
    /// The resource-specific ID of the object to import.
    id: String,
}

/// Runs `girder import`.
pub fn run(dir: &Path, a: ImportArgs, ui: &mut Ui) -> CmdResult {
    for v in &a.var {
        if !v.contains('=') {
            return Err(Fail::help(
                "Invalid -var option",
                format!("The given -var option {v:?} is not correctly specified. It must be a variable name and value separated by an equals sign, like -var=\"key=value\"."),
                "Write it as -var 'name=value'.",
            ));
        }
    }
    let _ = (&a.var_file, &a.input);
    let addr = AbsResourceInstance::parse(&a.addr).map_err(|e| {
        Fail::help(
            "Invalid address",
            format!("Error parsing the import address {:?}: {e}", a.addr),
            "Use a resource instance address such as random_pet.p or random_pet.p[0].",
        )
    })?;
    if addr.resource.resource.mode == ResourceMode::Data {
        return Err(Fail::help(
            "Invalid address",
            "A managed resource address is required. Importing into a data resource is not allowed.",
            "Import into a resource block's address, e.g. random_pet.p.",
        ));
    }
    if !addr.resource.module.is_root() {
        return Err(Fail::help(
            "Import into modules is not supported yet",
            format!("girder can import only into resources of the root module for now; {} is in a module.", addr),
            "Import into a root module resource and move it with girder state mv.",
        ));
    }
    let ty = addr.resource.resource.type_name.clone();
    let name = addr.resource.resource.name.clone();
    let module = backend::load_root(dir)?;
    if module.resource(ResourceMode::Managed, &ty, &name).is_none() {
        return Err(Fail::help(
            format!("resource address {:?} does not exist in the configuration.", addr.resource.to_string()),
            format!(
                "Before importing this resource, please create its configuration in the root module. For example:\n\nresource {ty:?} {name:?} {{\n  # (resource arguments)\n}}"
            ),
            "Add the resource block, then run import again.",
        ));
    }
    let Some(found) = crate::providers::for_type(&ty) else {
        return Err(Fail::help(
            "Provider not available",
            format!("girder has no provider for resource type {ty:?}."),
            "girder's built-in providers are random, time and terraform.",
        ));
    };
    let Some(schema) = found.provider.schema().resource(&ty).cloned() else {
        return Err(Fail::help(
            "Invalid resource type",
            format!(
                "The provider {:?} does not support resource type {ty:?}.",
                found.provider.name()
            ),
            "Check the resource type's spelling.",
        ));
    };
    let settings = backend::resolve(dir)?;
    let b = backend::open(dir, &settings, &backend::current_workspace(dir))?;
    let b = b.as_ref();
    let g = Guard::acquire(b, &a.lock, "import")?;
    let cur = b
        .read()
        .map_err(|e| state_fail("Error loading the state", e))?;
    let (mut st, version) = match cur {
        Some((s, v)) => (s, Some(v)),
        None => (State::new(crate::cmd_workspace::STATE_TOOL_VERSION), None),
    };
    let exists = st
        .resource(&addr.resource.module, ResourceMode::Managed, &ty, &name)
        .is_some_and(|r| r.instance(addr.key.as_ref(), None).is_some());
    if exists {
        return Err(Fail::help(
            "Resource already managed by girder",
            format!("girder is already managing a remote object for {addr}. To import to this address you must first remove the existing object from the state."),
            &format!("Run girder state rm {addr} first if you mean to replace it."),
        ));
    }
    // The provider of the address, configured from its provider block (the aws provider
    // needs its region, credentials and endpoints before it can read anything).
    let config = crate::cmd_run::load(dir, ui)?;
    let vars = crate::cmd_lang::VarArgs {
        var: a.var.clone(),
        var_file: a.var_file.iter().map(std::path::PathBuf::from).collect(),
    };
    let (inputs, d) = girder_lang::inputs::collect_inputs(&config.module, &vars.input_options(dir));
    if d.has_errors() {
        return Err(Fail(d.0));
    }
    ui.diags(&d.0);
    let registry = crate::providers::Registry::default();
    let req = girder_engine::ops::Request {
        config: &config,
        inputs,
        workspace: backend::current_workspace(dir),
        base_dir: std::env::current_dir().unwrap_or_else(|_| dir.to_path_buf()),
        providers: &registry,
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Fail::new("Failed to start the provider runtime", e.to_string()))?;
    println!(
        "{}",
        ui.bold(&format!("{addr}: Importing from ID {:?}...", a.id))
    );
    let imported = rt
        .block_on(girder_engine::ops::import(&req, &addr, &a.id))
        .map_err(Fail::from)?;
    println!("{}", ui.green(&format!("{addr}: Import prepared!")));
    println!("{}", ui.green(&format!("  Prepared {ty} for import")));
    let id_attr = imported
        .value
        .get_attr("id")
        .and_then(|v| v.as_str())
        .unwrap_or(&a.id)
        .to_string();
    println!(
        "{}",
        ui.bold(&format!("{addr}: Refreshing state... [id={id_attr}]"))
    );
    let value = imported.value;
    let read_private = imported.private;
    let json = value.to_json().map_err(|e| {
        Fail::new(
            "Provider produced an invalid object",
            format!("The imported object for {addr} is not wholly known: {e}."),
        )
    })?;
    let mut inst = InstanceState::new(addr.key.clone(), &json);
    inst.schema_version = schema.version;
    if !read_private.is_empty() {
        inst.private = Some(base64_std(&read_private));
    }
    match st.resources.iter_mut().find(|r| {
        r.module == addr.resource.module
            && r.mode == ResourceMode::Managed
            && r.type_name == ty
            && r.name == name
    }) {
        Some(r) => r.instances.push(inst),
        None => st.resources.push(ResourceState {
            module: addr.resource.module.clone(),
            mode: ResourceMode::Managed,
            type_name: ty.to_string(),
            name: name.to_string(),
            provider: found.state_addr.clone(),
            instances: vec![inst],
        }),
    }
    b.write(&st, version.as_ref())
        .map_err(|e| state_fail("Error saving the state", e))?;
    g.release()?;
    println!(
        "\n{}\n\nThe resources that were imported are shown above. These resources are now in\n\
         your girder state and will henceforth be managed by girder.\n",
        ui.green("Import successful!")
    );
    Ok(0)
}

fn base64_std(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(T[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}
