//! `girder state list|show|rm|mv|pull|push` and `girder force-unlock`.

use crate::backend::{self, state_fail};
use crate::diag::{CmdResult, Fail};
use crate::lock::Guard;
use crate::ui::Ui;
use crate::LockArgs;
use clap::Subcommand;
use girder_core::addr::{AbsResource, AbsResourceInstance, InstanceKey, ModuleInstance};
use girder_core::Diagnostic;
use girder_state::{format, Backend, ResourceState, State, Version};
use std::io::Read;
use std::path::Path;

#[derive(Subcommand, Debug)]
pub enum StateCmd {
    /// List resources in the state.
    List {
        /// Filters the results to include only instances whose resource types have an id attribute matching the given value.
        #[arg(long, value_name = "ID")]
        id: Option<String>,
        /// Addresses to filter by (resources, instances or modules).
        addrs: Vec<String>,
    },
    /// Show a resource in the state.
    Show {
        /// The instance address.
        addr: String,
    },
    /// Remove instances from the state.
    Rm {
        /// Only print what would be removed.
        #[arg(long)]
        dry_run: bool,
        /// Local backend: where to write a backup of the state before changing it (default
        /// `<state>.<unix time>.backup`; `-` for none).
        #[arg(long, value_name = "PATH")]
        backup: Option<String>,
        #[command(flatten)]
        lock: LockArgs,
        /// Addresses of resources, instances or modules.
        #[arg(required = true)]
        addrs: Vec<String>,
    },
    /// Move an item in the state.
    Mv {
        /// Only print what would be moved.
        #[arg(long)]
        dry_run: bool,
        /// Local backend: where to write a backup of the state before changing it (default
        /// `<state>.<unix time>.backup`; `-` for none).
        #[arg(long, value_name = "PATH")]
        backup: Option<String>,
        #[command(flatten)]
        lock: LockArgs,
        /// Source address.
        src: String,
        /// Destination address.
        dst: String,
    },
    /// Pull the current state and output it to stdout.
    Pull,
    /// Update the remote state from a local state file.
    Push {
        /// Write the state even if lineages don't match or the remote serial is higher.
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        lock: LockArgs,
        /// The state file, or `-` for stdin.
        file: String,
    },
}

/// An address given to a state command.
#[derive(Clone, Debug, PartialEq)]
enum Target {
    Module(ModuleInstance),
    Resource(AbsResource),
    Instance(AbsResource, InstanceKey),
}

fn parse_target(s: &str) -> Result<Target, Fail> {
    match AbsResourceInstance::parse(s) {
        Ok(a) => Ok(match a.key {
            Some(k) => Target::Instance(a.resource, k),
            None => Target::Resource(a.resource),
        }),
        Err(e) => {
            if s.starts_with("module.") {
                if let Ok(a) = AbsResourceInstance::parse(&format!("{s}.x.y")) {
                    return Ok(Target::Module(a.resource.module));
                }
            }
            Err(Fail::help(
                "Error parsing instance address",
                format!("Error parsing instance address: {s}\n\n{e}"),
                "Use an address such as aws_instance.web, aws_instance.web[0], module.net.aws_vpc.main or module.net.",
            ))
        }
    }
}

fn instance_addr(r: &ResourceState, key: &Option<InstanceKey>) -> String {
    AbsResourceInstance {
        resource: r.addr(),
        key: key.clone(),
    }
    .to_string()
}

/// Does module path `m` lie within `prefix`? (`lenient`: a prefix step without key matches
/// any key, as `state list` filters do.)
fn within(prefix: &ModuleInstance, m: &ModuleInstance, lenient: bool) -> bool {
    prefix.0.len() <= m.0.len()
        && prefix
            .0
            .iter()
            .zip(&m.0)
            .all(|(p, s)| p.name == s.name && (p.key == s.key || (lenient && p.key.is_none())))
}

fn matches(t: &Target, r: &ResourceState, key: &Option<InstanceKey>, lenient: bool) -> bool {
    match t {
        Target::Module(m) => within(m, &r.module, lenient),
        Target::Resource(a) => *a == r.addr(),
        Target::Instance(a, k) => *a == r.addr() && key.as_ref() == Some(k),
    }
}

fn no_state() -> Fail {
    Fail::help(
        "No state file was found!",
        "State management commands require a state file. Run this command\n\
         in a directory where girder has been run, with the backend and\n\
         workspace that hold the state.",
        "Check the working directory, the backend configuration and the selected workspace.",
    )
}

/// The backend of the current workspace.
fn current(dir: &Path) -> Result<Box<dyn Backend>, Fail> {
    let settings = backend::resolve(dir)?;
    backend::open(dir, &settings, &backend::current_workspace(dir))
}

fn read(b: &dyn Backend) -> Result<Option<(State, Version)>, Fail> {
    b.read()
        .map_err(|e| state_fail("Error loading the state", e))
}

fn write(b: &dyn Backend, s: &State, v: &Version) -> Result<(), Fail> {
    b.write(s, Some(v))
        .map(|_| ())
        .map_err(|e| state_fail("Error saving the state", e))
}

/// Distinct instance keys of a resource, in state order (deposed objects share the key).
fn keys(r: &ResourceState) -> Vec<Option<InstanceKey>> {
    let mut out: Vec<Option<InstanceKey>> = Vec::new();
    for i in &r.instances {
        if !out.contains(&i.index_key) {
            out.push(i.index_key.clone());
        }
    }
    out
}

/// Runs a state subcommand.
pub fn run(dir: &Path, cmd: StateCmd, ui: &mut Ui) -> CmdResult {
    let _ = &ui;
    let b = current(dir)?;
    let b = b.as_ref();
    match cmd {
        StateCmd::List { id, addrs } => {
            let targets = addrs
                .iter()
                .map(|a| parse_target(a))
                .collect::<Result<Vec<_>, _>>()?;
            let Some((mut st, _)) = read(b)? else {
                return Err(no_state());
            };
            st.sort();
            let mut out = String::new();
            for r in &st.resources {
                for key in keys(r) {
                    if !targets.is_empty() && !targets.iter().any(|t| matches(t, r, &key, true)) {
                        continue;
                    }
                    if let Some(id) = &id {
                        let has = r.instances.iter().any(|i| {
                            i.index_key == key
                                && i.deposed.is_none()
                                && i.attributes.as_ref().is_some_and(|a| {
                                    a.to_value().get("id").and_then(|v| v.as_str()) == Some(id)
                                })
                        });
                        if !has {
                            continue;
                        }
                    }
                    out.push_str(&instance_addr(r, &key));
                    out.push('\n');
                }
            }
            print!("{out}");
            Ok(0)
        }
        StateCmd::Show { addr } => {
            let t = parse_target(&addr)?;
            let (res, key) = match &t {
                Target::Resource(a) => (a.clone(), None),
                Target::Instance(a, k) => (a.clone(), Some(k.clone())),
                Target::Module(_) => return Err(no_instance()),
            };
            let Some((st, _)) = read(b)? else {
                return Err(no_state());
            };
            let found = st.resources.iter().find(|r| r.addr() == res).and_then(|r| {
                r.instances
                    .iter()
                    .find(|i| i.index_key == key && i.deposed.is_none())
                    .map(|i| (r, i))
            });
            let Some((r, inst)) = found else {
                return Err(no_instance());
            };
            let sens = crate::providers::sensitive_attributes(&r.type_name);
            print!(
                "{}",
                crate::show::render(&instance_addr(r, &key), r, inst, &sens)
            );
            Ok(0)
        }
        StateCmd::Rm {
            dry_run,
            backup,
            lock,
            addrs,
        } => {
            let targets = addrs
                .iter()
                .map(|a| parse_target(a))
                .collect::<Result<Vec<_>, _>>()?;
            let g = Guard::acquire(b, &lock, "state rm")?;
            let Some((mut st, v)) = read(b)? else {
                return Err(no_state());
            };
            let mut removed = Vec::new();
            let mut unmatched = Vec::new();
            for (t, text) in targets.iter().zip(&addrs) {
                let mut any = false;
                for r in &st.resources {
                    for key in keys(r) {
                        if matches(t, r, &key, false) {
                            any = true;
                            let a = instance_addr(r, &key);
                            if !removed.contains(&a) {
                                removed.push(a);
                            }
                        }
                    }
                }
                if !any {
                    unmatched.push(text.clone());
                }
            }
            if !unmatched.is_empty() {
                return Err(Fail(
                    unmatched
                        .iter()
                        .map(|a| {
                            Diagnostic::error(
                                "Invalid target address",
                                format!("No matching objects found for {a}. To view the available instances, use \"girder state list\". Please modify the address to reference a specific instance."),
                            )
                        })
                        .collect(),
                ));
            }
            for r in &mut st.resources {
                let addr_of = |k: &Option<InstanceKey>| {
                    AbsResourceInstance {
                        resource: r.addr(),
                        key: k.clone(),
                    }
                    .to_string()
                };
                let keep: Vec<_> = r
                    .instances
                    .iter()
                    .filter(|i| !removed.contains(&addr_of(&i.index_key)))
                    .cloned()
                    .collect();
                r.instances = keep;
            }
            st.resources.retain(|r| !r.instances.is_empty());
            let verb = if dry_run { "Would remove" } else { "Removed" };
            for a in &removed {
                println!("{verb} {a}");
            }
            if !dry_run {
                timestamped_backup(dir, b, backup.as_deref())?;
                write(b, &st, &v)?;
                println!(
                    "Successfully removed {} resource instance(s).",
                    removed.len()
                );
            }
            g.release()?;
            Ok(0)
        }
        StateCmd::Mv {
            dry_run,
            backup,
            lock,
            src,
            dst,
        } => {
            let s = parse_target(&src)?;
            let d = parse_target(&dst)?;
            let g = Guard::acquire(b, &lock, "state mv")?;
            let Some((mut st, v)) = read(b)? else {
                return Err(no_state());
            };
            // Terraform reports one move per resource, instance or module instance.
            let moves = match move_in_state(&mut st, &s, &d, &src, &dst) {
                Ok(m) => m,
                // Terraform 1.0: a source that matches nothing is not an error.
                Err(Fail(ds)) if ds.first().is_some_and(|d| d.summary == NO_SOURCE) => {
                    println!("No matching objects found.");
                    g.release()?;
                    return Ok(0);
                }
                Err(e) => return Err(e),
            };
            let verb = if dry_run { "Would move" } else { "Move" };
            for (from, to) in &moves {
                println!("{verb} {from:?} to {to:?}");
            }
            if !dry_run {
                timestamped_backup(dir, b, backup.as_deref())?;
                write(b, &st, &v)?;
                println!("Successfully moved {} object(s).", moves.len());
            }
            g.release()?;
            Ok(0)
        }
        StateCmd::Pull => {
            if let Some((st, _)) = read(b)? {
                use std::io::Write;
                // Terraform's UI adds a newline after the state's own.
                let mut out = format::to_bytes(&st);
                out.push(b'\n');
                let _ = std::io::stdout().write_all(&out);
            }
            Ok(0)
        }
        StateCmd::Push { force, lock, file } => {
            let (bytes, name) = if file == "-" {
                let mut buf = Vec::new();
                std::io::stdin()
                    .read_to_end(&mut buf)
                    .map_err(|e| Fail::new("Error reading source state", e.to_string()))?;
                (buf, "<stdin>".to_string())
            } else {
                (
                    std::fs::read(&file).map_err(|e| {
                        Fail::new(
                            "Error reading source state",
                            format!("Error reading source state {file:?}: {e}"),
                        )
                    })?,
                    file.clone(),
                )
            };
            let src = format::parse(&bytes, &name)
                .map_err(|e| state_fail("Error reading source state", e))?;
            let g = Guard::acquire(b, &lock, "state push")?;
            let cur = read(b)?;
            if force {
                b.force_write(&src)
                    .map_err(|e| state_fail("Failed to write state", e))?;
            } else {
                match &cur {
                    Some((dst, v)) => {
                        if dst.lineage != src.lineage {
                            return Err(Fail::help(
                                "Failed to write state",
                                format!(
                                    "cannot import state with lineage {:?} over unrelated state with lineage {:?}",
                                    src.lineage, dst.lineage
                                ),
                                "Check that this is the right state file and workspace; push with -force to replace the stored state anyway.",
                            ));
                        }
                        if dst.serial > src.serial {
                            return Err(Fail::help(
                                "Failed to write state",
                                format!(
                                    "cannot import state with serial {} over newer state with serial {}",
                                    src.serial, dst.serial
                                ),
                                "Pull the newer state first; push with -force to replace it anyway.",
                            ));
                        }
                        b.write(&src, Some(v))
                            .map_err(|e| state_fail("Failed to write state", e))?;
                    }
                    None => {
                        b.write(&src, None)
                            .map_err(|e| state_fail("Failed to write state", e))?;
                    }
                }
            }
            g.release()?;
            Ok(0)
        }
    }
}

/// Before `state rm`/`state mv` change a local state, Terraform copies it to
/// `<state>.<unix time>.backup` (or `-backup=PATH`; `-backup=-` for none).
fn timestamped_backup(dir: &Path, b: &dyn Backend, backup: Option<&str>) -> Result<(), Fail> {
    if backup == Some("-") || backend::resolve(dir)?.ty != "local" {
        return Ok(());
    }
    let state = std::path::PathBuf::from(b.location());
    if !state.is_file() {
        return Ok(());
    }
    let to = match backup {
        Some(p) => std::path::PathBuf::from(p),
        None => {
            let secs = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0);
            std::path::PathBuf::from(format!("{}.{secs}.backup", state.display()))
        }
    };
    std::fs::copy(&state, &to).map(|_| ()).map_err(|e| {
        Fail::help(
            "Error writing the state backup",
            format!("Cannot copy {} to {}: {e}.", state.display(), to.display()),
            "Give a writable -backup=PATH, or -backup=- to skip the backup.",
        )
    })
}

/// The summary of "the source of state mv matches nothing".
const NO_SOURCE: &str = "Invalid source address";

fn no_instance() -> Fail {
    Fail::help(
        "No instance found for the given address!",
        "This command requires that the address references one specific instance.\n\
         To view the available instances, use \"girder state list\". Please modify \n\
         the address to reference a specific instance.",
        "Run girder state list to see the addresses.",
    )
}

fn invalid_target(detail: String) -> Fail {
    Fail::help(
        "Invalid target address",
        detail,
        "Run girder state list to see the addresses in the state.",
    )
}

/// Moves `s` to `d` within the state; returns the moves to report (from, to).
fn move_in_state(
    st: &mut State,
    s: &Target,
    d: &Target,
    src: &str,
    dst: &str,
) -> Result<Vec<(String, String)>, Fail> {
    let not_found = || {
        Fail::help(
            NO_SOURCE,
            format!("Cannot move {src}: does not match anything in the current state."),
            "Run girder state list to see the addresses in the state.",
        )
    };
    match (s, d) {
        (Target::Module(from), Target::Module(to)) => {
            if st.resources.iter().any(|r| within(to, &r.module, false)) {
                return Err(invalid_target(format!(
                    "Cannot move to {dst}: there is already a module instance at that address in the current state."
                )));
            }
            let mut moves: Vec<(String, String)> = Vec::new();
            for r in st
                .resources
                .iter_mut()
                .filter(|r| within(from, &r.module, false))
            {
                let rest = r.module.0[from.0.len()..].to_vec();
                let mut m = to.clone();
                m.0.extend(rest);
                let pair = (r.module.to_string(), m.to_string());
                if !moves.contains(&pair) {
                    moves.push(pair);
                }
                r.module = m;
            }
            if moves.is_empty() {
                return Err(not_found());
            }
            // Terraform reports each module instance (in map order; girder sorts them).
            moves.sort();
            Ok(moves)
        }
        (Target::Module(_), _) => Err(invalid_target(format!(
            "Cannot move {src} to {dst}: a module can only be moved to a module address."
        ))),
        (Target::Resource(_) | Target::Instance(..), Target::Module(_)) => Err(invalid_target(
            format!("Cannot move {src} to {dst}: the target must also be a resource instance."),
        )),
        (Target::Resource(from), Target::Resource(to)) => {
            let to = to.clone();
            let Some(i) = st.resources.iter().position(|r| r.addr() == *from) else {
                return Err(not_found());
            };
            check_types(from, &to, src, dst)?;
            if st.resources.iter().any(|r| r.addr() == to) {
                return Err(invalid_target(format!(
                    "Cannot move to {dst}: there is already a resource at that address in the current state."
                )));
            }
            let r = &mut st.resources[i];
            r.module = to.module.clone();
            r.name = to.resource.name.to_string();
            Ok(vec![(src.to_string(), dst.to_string())])
        }
        (Target::Resource(from), Target::Instance(to, key)) => {
            let Some(i) = st.resources.iter().position(|r| r.addr() == *from) else {
                return Err(not_found());
            };
            if st.resources[i]
                .instances
                .iter()
                .any(|o| o.index_key.is_some())
            {
                return Err(invalid_target(format!(
                    "Cannot move {src} to {dst}: the source has several instances; move them one by one with their keys."
                )));
            }
            move_instance(st, from, &None, to, &Some(key.clone()), src, dst)
                .map(|_| vec![(src.to_string(), dst.to_string())])
        }
        (Target::Instance(from, k), Target::Instance(to, dk)) => {
            move_instance(st, from, &Some(k.clone()), to, &Some(dk.clone()), src, dst)
                .map(|_| vec![(src.to_string(), dst.to_string())])
        }
        (Target::Instance(from, k), Target::Resource(to)) => {
            move_instance(st, from, &Some(k.clone()), to, &None, src, dst)
                .map(|_| vec![(src.to_string(), dst.to_string())])
        }
    }
}

fn check_types(from: &AbsResource, to: &AbsResource, src: &str, dst: &str) -> Result<(), Fail> {
    if from.resource.type_name != to.resource.type_name || from.resource.mode != to.resource.mode {
        return Err(invalid_target(format!(
            "Cannot move {src} to {dst}: resource types don't match."
        )));
    }
    Ok(())
}

fn move_instance(
    st: &mut State,
    from: &AbsResource,
    key: &Option<InstanceKey>,
    to: &AbsResource,
    dkey: &Option<InstanceKey>,
    src: &str,
    dst: &str,
) -> Result<usize, Fail> {
    check_types(from, to, src, dst)?;
    let Some(si) = st.resources.iter().position(|r| r.addr() == *from) else {
        return Err(Fail::help(
            NO_SOURCE,
            format!("Cannot move {src}: does not match anything in the current state."),
            "Run girder state list to see the addresses in the state.",
        ));
    };
    let objects: Vec<_> = st.resources[si]
        .instances
        .iter()
        .filter(|o| &o.index_key == key)
        .cloned()
        .collect();
    if objects.is_empty() {
        return Err(Fail::help(
            NO_SOURCE,
            format!("Cannot move {src}: does not match anything in the current state."),
            "Run girder state list to see the addresses in the state.",
        ));
    }
    if let Some(dr) = st.resources.iter().find(|r| r.addr() == *to) {
        if dr.instances.iter().any(|o| &o.index_key == dkey) {
            return Err(invalid_target(format!(
                "Cannot move to {dst}: there is already a resource instance at that address in the current state."
            )));
        }
    }
    let provider = st.resources[si].provider.clone();
    st.resources[si].instances.retain(|o| &o.index_key != key);
    let n = objects.len();
    let moved = objects.into_iter().map(|mut o| {
        o.index_key = dkey.clone();
        o
    });
    match st.resources.iter_mut().find(|r| r.addr() == *to) {
        Some(dr) => dr.instances.extend(moved),
        None => st.resources.push(ResourceState {
            module: to.module.clone(),
            mode: to.resource.mode,
            type_name: to.resource.type_name.to_string(),
            name: to.resource.name.to_string(),
            provider,
            instances: moved.collect(),
        }),
    }
    st.resources.retain(|r| !r.instances.is_empty());
    Ok(n)
}

/// `girder force-unlock [-force] LOCK_ID`.
pub fn force_unlock(dir: &Path, force: bool, id: &str, ui: &mut Ui) -> CmdResult {
    let b = current(dir)?;
    if !force {
        let answer = ui.ask(
            "Do you really want to force-unlock?",
            "girder will remove the lock on the remote state.\n\
             This will allow local girder commands to modify this state, even though it\n\
             may still be in use. Only 'yes' will be accepted to confirm.",
        );
        if answer.as_deref() != Some("yes") {
            println!("force-unlock cancelled.");
            return Ok(1);
        }
    }
    b.force_unlock(id)
        .map_err(|e| state_fail("Failed to unlock state", e))?;
    println!(
        "{}\n\nThe state has been unlocked, and girder commands should now be able to\n\
         obtain a new lock on the remote state.",
        ui.green("girder state has been successfully unlocked!")
    );
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use girder_state::InstanceState;

    fn res(module: &str, ty: &str, name: &str, keys: &[Option<InstanceKey>]) -> ResourceState {
        let module = if module.is_empty() {
            ModuleInstance::root()
        } else {
            match parse_target(module).ok() {
                Some(Target::Module(m)) => m,
                _ => panic!("module"),
            }
        };
        ResourceState {
            module,
            mode: girder_core::addr::ResourceMode::Managed,
            type_name: ty.into(),
            name: name.into(),
            provider: "provider[\"registry.terraform.io/hashicorp/random\"]".into(),
            instances: keys
                .iter()
                .map(|k| InstanceState::new(k.clone(), &serde_json::json!({"id": "x"})))
                .collect(),
        }
    }

    fn addrs(st: &State) -> Vec<String> {
        let mut st = st.clone();
        st.sort();
        let mut out = Vec::new();
        for r in &st.resources {
            for k in keys(r) {
                out.push(instance_addr(r, &k));
            }
        }
        out
    }

    fn mv(st: &mut State, a: &str, b: &str) -> Result<usize, Fail> {
        let s = parse_target(a)?;
        let d = parse_target(b)?;
        move_in_state(st, &s, &d, a, b).map(|m| m.len())
    }

    #[test]
    fn moves_resources_instances_and_modules() {
        let mut st = State::new("1.0.3");
        st.resources.push(res("", "random_pet", "a", &[None]));
        st.resources.push(res(
            "",
            "random_id",
            "c",
            &[Some(InstanceKey::Int(0)), Some(InstanceKey::Int(1))],
        ));
        st.resources
            .push(res("module.m", "random_pet", "x", &[None]));
        assert_eq!(mv(&mut st, "random_pet.a", "random_pet.b").unwrap(), 1);
        assert!(mv(&mut st, "random_pet.b", "module.n").is_err());
        assert_eq!(
            mv(&mut st, "random_pet.b", "module.n.random_pet.b").unwrap(),
            1
        );
        assert_eq!(mv(&mut st, "random_id.c[1]", "random_id.d").unwrap(), 1);
        assert_eq!(mv(&mut st, "module.m", "module.k[\"a\"]").unwrap(), 1);
        assert_eq!(
            addrs(&st),
            [
                "random_id.c[0]",
                "random_id.d",
                "module.k[\"a\"].random_pet.x",
                "module.n.random_pet.b",
            ]
        );
        assert!(mv(&mut st, "random_id.c[0]", "random_pet.q").is_err());
        assert!(mv(&mut st, "random_id.nope", "random_id.q").is_err());
        assert!(mv(&mut st, "random_id.c[0]", "random_id.d").is_err());
        assert!(mv(&mut st, "module.k[\"a\"]", "random_id.d").is_err());
    }
}
