//! `girder init`: sets up the backend and migrates state between backends (all workspaces)
//! after confirmation, as `terraform init` does.

use crate::backend::{self, state_fail, Settings};
use crate::backend_block::parse_backend_config_arg;
use crate::diag::{CmdResult, Fail};
use crate::lock::Guard;
use crate::ui::Ui;
use crate::{InputArg, LockArgs};
use clap::{ArgAction, Args};
use girder_core::Diagnostic;
use girder_state::{format, Backend, State, DEFAULT_WORKSPACE};
use std::io::Write;
use std::path::Path;

#[derive(Args, Debug)]
pub struct InitArgs {
    /// Backend configuration: KEY=VALUE, or a file of attributes. May be repeated.
    #[arg(long, value_name = "KEY=VALUE|FILE")]
    backend_config: Vec<String>,
    /// Configure the backend (false: skip backend setup).
    #[arg(long, action = ArgAction::Set, num_args = 0..=1, require_equals = true,
          default_value_t = true, default_missing_value = "true", value_name = "BOOL")]
    backend: bool,
    /// Reconfigure the backend, ignoring any saved configuration (no state migration).
    #[arg(long)]
    reconfigure: bool,
    /// Reconfigure the backend and attempt to migrate any existing state.
    #[arg(long)]
    migrate_state: bool,
    /// Suppress prompts about copying state data: answer "yes" to migration prompts.
    #[arg(long)]
    force_copy: bool,
    /// Accepted for compatibility: built-in providers need no installation.
    #[arg(long)]
    upgrade: bool,
    #[command(flatten)]
    input: InputArg,
    #[command(flatten)]
    lock: LockArgs,
}

const INIT_DONE: &str = "You may now begin working with girder. Try running \"girder plan\" to see
any changes that are required for your infrastructure. All girder commands
should now work.

If you ever set or change modules or backend configuration for girder,
rerun this command to reinitialize your working directory. If you forget, other
commands will detect it and remind you to do so if necessary.";

/// Runs `girder init`.
pub fn run(dir: &Path, a: InitArgs, ui: &mut Ui) -> CmdResult {
    if a.reconfigure && a.migrate_state {
        return Err(Fail::help(
            "Invalid command-line options",
            "The -migrate-state and -reconfigure options are mutually-exclusive.",
            "Use -reconfigure to keep the state where it is, or -migrate-state to copy it.",
        ));
    }
    let block = backend::config_block(dir)?;
    let saved = backend::read_saved(dir)?;
    let mut overrides = Vec::new();
    for arg in &a.backend_config {
        overrides.extend(parse_backend_config_arg(arg)?);
    }
    if a.backend {
        if block.is_none() && !overrides.is_empty() {
            ui.diags(&[Diagnostic::warning(
                "Missing backend configuration",
                "-backend-config was used without a \"backend\" block in the configuration.\n\n\
                 If you intended to override the default local backend configuration,\n\
                 no action is required, but you may add an explicit backend block to your\n\
                 configuration to clear this warning:\n\n\
                 terraform {\n  backend \"local\" {}\n}\n\n\
                 However, if you intended to override a defined backend, please verify that\n\
                 the backend configuration is present and valid.",
            )]);
        }
        let new = block.as_ref().map(|b| Settings::from_block(b, &overrides));
        init_backend(dir, &a, saved, new, overrides.is_empty(), ui)?;
    }
    println!(
        "\n{}\n\n{INIT_DONE}",
        ui.green("girder has been successfully initialized!")
    );
    Ok(0)
}

fn init_backend(
    dir: &Path,
    a: &InitArgs,
    saved: Option<Settings>,
    new: Option<Settings>,
    no_overrides: bool,
    ui: &mut Ui,
) -> Result<(), Fail> {
    if saved.is_none() && new.is_none() {
        return Ok(());
    }
    println!("\n{}", ui.bold("Initializing the backend..."));
    let ws = backend::current_workspace(dir);
    match (saved, new) {
        (None, None) => Ok(()),
        (None, Some(n)) => {
            let to = open_checked(dir, &n)?;
            if !a.reconfigure {
                let from = backend::open(dir, &Settings::default_local(), DEFAULT_WORKSPACE)?;
                if !same_local(&n) {
                    migrate(ui, a, from.as_ref(), "local", to.as_ref(), &n.ty)?;
                }
            }
            backend::write_saved(dir, Some(&n))?;
            let _ = ws;
            configured(ui, &n.ty);
            Ok(())
        }
        (Some(s), None) => {
            println!(
                "girder has detected you're unconfiguring your previously set {:?} backend.",
                s.ty
            );
            let to = backend::open(dir, &Settings::default_local(), DEFAULT_WORKSPACE)?;
            if !a.reconfigure && !same_local(&s) {
                let from = open_checked(dir, &s)?;
                migrate(ui, a, from.as_ref(), &s.ty, to.as_ref(), "local")?;
            }
            backend::write_saved(dir, None)?;
            println!(
                "\n{}",
                ui.green(&format!(
                    "Successfully unset the backend {:?}. girder will now operate locally.",
                    s.ty
                ))
            );
            Ok(())
        }
        (Some(s), Some(n)) => {
            let unchanged =
                s.ty == n.ty && s.hash == n.hash && (no_overrides || s.config == n.config);
            if unchanged {
                // Still check that the backend can be reached.
                open_checked(dir, &s)?;
                return Ok(());
            }
            if !a.reconfigure && !a.migrate_state {
                return Err(Fail(vec![Diagnostic::error(
                    "Backend configuration changed",
                    "A change in the backend configuration has been detected, which may require \
                     migrating existing state.\n\nIf you wish to attempt automatic migration of \
                     the state, use \"girder init -migrate-state\".\nIf you wish to store the \
                     current configuration with no changes to the state, use \"girder init \
                     -reconfigure\".",
                )
                .with_help(
                    "Run girder init -migrate-state or girder init -reconfigure.",
                )]));
            }
            let to = open_checked(dir, &n)?;
            if a.migrate_state {
                let from = open_checked(dir, &s)?;
                migrate(ui, a, from.as_ref(), &s.ty, to.as_ref(), &n.ty)?;
            }
            backend::write_saved(dir, Some(&n))?;
            configured(ui, &n.ty);
            Ok(())
        }
    }
}

fn configured(ui: &Ui, ty: &str) {
    println!(
        "\n{}",
        ui.green(&format!(
            "Successfully configured the backend {ty:?}! girder will automatically\nuse this backend unless the backend configuration changes."
        ))
    );
}

/// A local backend with the default path stores where the implicit default does.
fn same_local(s: &Settings) -> bool {
    s.ty == "local"
        && s.config
            .get("path")
            .is_none_or(|p| p.as_str() == Some(girder_state::local::STATE_FILE))
}

/// Opens a backend and lists its workspaces, so a bad bucket or credentials fail init.
fn open_checked(dir: &Path, s: &Settings) -> Result<Box<dyn Backend>, Fail> {
    let b = backend::open(dir, s, DEFAULT_WORKSPACE)?;
    b.workspaces()
        .map_err(|e| state_fail("Failed to get existing workspaces", e))?;
    Ok(b)
}

fn is_empty(s: &State) -> bool {
    s.resources.is_empty() && s.outputs.is_empty()
}

fn in_ws(b: &dyn Backend, w: &str) -> Result<Box<dyn Backend>, Fail> {
    b.select_workspace(w)
        .map_err(|e| state_fail("Failed to select workspace", e))
}

enum Answer {
    Yes,
    No,
}

fn confirm(ui: &mut Ui, a: &InitArgs, question: &str, description: &str) -> Result<Answer, Fail> {
    if a.force_copy {
        return Ok(Answer::Yes);
    }
    if !a.input.input {
        return Err(Fail::help(
            "Error asking for state migration action",
            format!(
                "{question}\n\ngirder needs an answer to migrate the state, but input is \
                 disabled (-input=false)."
            ),
            "Run init with -force-copy to copy the state without asking, or without -input=false to answer.",
        ));
    }
    match ui.ask(question, description) {
        Some(s) if s == "yes" => Ok(Answer::Yes),
        Some(_) => Ok(Answer::No),
        None => Err(Fail::help(
            "Error asking for state migration action",
            format!("{question}\n\nNo answer was given (end of input)."),
            "Answer \"yes\" or \"no\", or run init with -force-copy.",
        )),
    }
}

/// Copies every non-empty workspace state of `from` into `to`, after confirmation.
fn migrate(
    ui: &mut Ui,
    a: &InitArgs,
    from: &dyn Backend,
    from_ty: &str,
    to: &dyn Backend,
    to_ty: &str,
) -> Result<(), Fail> {
    let names = from
        .workspaces()
        .map_err(|e| state_fail("Failed to get existing workspaces", e))?;
    let mut sources = Vec::new();
    for w in &names {
        let b = in_ws(from, w)?;
        let _g = Guard::acquire(b.as_ref(), &a.lock, "init")?;
        if let Some((st, _)) = b.read().map_err(|e| state_fail("Error loading state", e))? {
            if !is_empty(&st) {
                sources.push((w.clone(), st));
            }
        }
    }
    if sources.is_empty() {
        return Ok(());
    }
    let multi = names.len() > 1;
    let mut _tmp = Vec::new();
    let answer = if multi {
        confirm(
            ui,
            a,
            &format!("Do you want to migrate all workspaces to {to_ty:?}?"),
            &format!(
                "Both the existing {from_ty:?} backend and the newly configured {to_ty:?} backend\n\
                 support workspaces. When migrating between backends, girder will copy\n\
                 all workspaces (with the same names). THIS WILL OVERWRITE any conflicting\n\
                 states in the destination.\n\n\
                 girder initialization doesn't currently migrate only select workspaces.\n\
                 If you want to migrate a select number of workspaces, you must manually\n\
                 pull and push those states.\n\n\
                 If you answer \"yes\", girder will migrate all states. If you answer\n\
                 \"no\", girder will abort."
            ),
        )?
    } else {
        let existing = to
            .read()
            .map_err(|e| state_fail("Error loading state", e))?
            .map(|(s, _)| s)
            .filter(|s| !is_empty(s));
        let desc = match &existing {
            None => format!(
                "Pre-existing state was found while migrating the previous {from_ty:?} backend to the\n\
                 newly configured {to_ty:?} backend. No existing state was found in the newly\n\
                 configured {to_ty:?} backend. Do you want to copy this state to the new {to_ty:?}\n\
                 backend? Enter \"yes\" to copy and \"no\" to start with an empty state."
            ),
            Some(cur) => {
                let prev = temp_state(&sources[0].1)?;
                let new = temp_state(cur)?;
                let d = format!(
                    "Pre-existing state was found while migrating the previous {from_ty:?} backend to the\n\
                     newly configured {to_ty:?} backend. An existing non-empty state already exists in\n\
                     the new backend. The two states have been saved to temporary files that will be\n\
                     removed after responding to this query.\n\n\
                     Previous (type {from_ty:?}): {}\n\
                     New      (type {to_ty:?}): {}\n\n\
                     Do you want to overwrite the state in the new backend with the previous state?\n\
                     Enter \"yes\" to copy and \"no\" to start with the existing state in the newly\n\
                     configured {to_ty:?} backend.",
                    prev.path().display(),
                    new.path().display()
                );
                _tmp.push(prev);
                _tmp.push(new);
                d
            }
        };
        confirm(
            ui,
            a,
            "Do you want to copy existing state to the new backend?",
            &desc,
        )?
    };
    drop(_tmp);
    match answer {
        Answer::No if multi => {
            return Err(Fail::new(
                "Migration aborted by user.",
                "No state was copied; the backend configuration was not changed.",
            ))
        }
        Answer::No => return Ok(()),
        Answer::Yes => {}
    }
    for (w, st) in sources {
        let dest = in_ws(to, &w)?;
        let src = in_ws(from, &w)?;
        if dest.location() == src.location() {
            // Both configurations keep this workspace in the same place.
            continue;
        }
        let _gs = Guard::acquire(src.as_ref(), &a.lock, "init")?;
        let g = Guard::acquire(dest.as_ref(), &a.lock, "init")?;
        let current = dest
            .read()
            .map_err(|e| state_fail("Error loading state", e))?;
        let res = match current {
            Some(_) => dest.force_write(&st),
            None => dest.write(&st, None),
        };
        res.map_err(|e| {
            state_fail(
                &format!("Error copying state from the previous {from_ty:?} backend to the newly configured {to_ty:?} backend"),
                e,
            )
        })?;
        g.release()?;
    }
    Ok(())
}

fn temp_state(s: &State) -> Result<tempfile::NamedTempFile, Fail> {
    let mut f = tempfile::Builder::new()
        .prefix("girder-state-")
        .suffix(".tfstate")
        .tempfile()
        .map_err(|e| Fail::new("Failed to write a temporary file", e.to_string()))?;
    f.write_all(&format::to_bytes(s))
        .map_err(|e| Fail::new("Failed to write a temporary file", e.to_string()))?;
    Ok(f)
}
