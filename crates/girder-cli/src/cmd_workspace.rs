//! `girder workspace list|new|select|delete|show`, with Terraform's messages. The selected
//! workspace is stored in `.terraform/environment`.

use crate::backend::{self, state_fail};
use crate::diag::{CmdResult, Fail};
use crate::lock::Guard;
use crate::ui::Ui;
use crate::LockArgs;
use clap::Subcommand;
use girder_state::{validate_workspace_name, State, DEFAULT_WORKSPACE};
use std::path::Path;

/// The `terraform_version` written into states girder creates.
pub const STATE_TOOL_VERSION: &str = "1.0.3";

#[derive(Subcommand, Debug)]
pub enum WorkspaceCmd {
    /// List workspaces.
    List,
    /// Show the name of the current workspace.
    Show,
    /// Create a new workspace and select it.
    New {
        #[command(flatten)]
        lock: LockArgs,
        /// The workspace name.
        name: String,
    },
    /// Select a workspace.
    Select {
        /// The workspace name.
        name: String,
    },
    /// Delete a workspace.
    Delete {
        /// Delete even if the workspace's state is not empty.
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        lock: LockArgs,
        /// The workspace name.
        name: String,
    },
}

fn invalid_name(name: &str) -> Fail {
    Fail::help(
        "Invalid workspace name",
        format!(
            "The workspace name {name:?} is not allowed. The name must contain only URL safe\n\
             characters, and no path separators."
        ),
        "Use letters, digits, '-', '_' and '.' only.",
    )
}

/// Runs a workspace subcommand.
pub fn run(dir: &Path, cmd: WorkspaceCmd, ui: &mut Ui) -> CmdResult {
    let settings = backend::resolve(dir)?;
    let current = backend::current_workspace(dir);
    let root = backend::open(dir, &settings, DEFAULT_WORKSPACE)?;
    let list = || {
        root.workspaces()
            .map_err(|e| state_fail("Failed to get configured named states", e))
    };
    match cmd {
        WorkspaceCmd::Show => {
            println!("{current}");
            Ok(0)
        }
        WorkspaceCmd::List => {
            let mut out = String::new();
            for w in list()? {
                let mark = if w == current { "* " } else { "  " };
                out.push_str(&format!("{mark}{w}\n"));
            }
            println!("{out}");
            Ok(0)
        }
        WorkspaceCmd::New { lock, name } => {
            if validate_workspace_name(&name).is_err() {
                return Err(invalid_name(&name));
            }
            if list()?.contains(&name) {
                return Err(Fail::help(
                    format!("Workspace {name:?} already exists"),
                    "",
                    &format!("Select it with girder workspace select {name}."),
                ));
            }
            let b = root
                .select_workspace(&name)
                .map_err(|e| state_fail("Failed to create workspace", e))?;
            {
                let g = Guard::acquire(b.as_ref(), &lock, "workspace new")?;
                if b.read()
                    .map_err(|e| state_fail("Error loading state", e))?
                    .is_none()
                {
                    b.write(&State::new(STATE_TOOL_VERSION), None)
                        .map_err(|e| state_fail("Failed to create workspace", e))?;
                }
                g.release()?;
            }
            backend::set_workspace(dir, &name)?;
            println!(
                "{}\n\nYou're now on a new, empty workspace. Workspaces isolate their state,\n\
                 so if you run \"girder plan\" girder will not see any existing state\n\
                 for this configuration.",
                ui.green(&format!("Created and switched to workspace {name:?}!"))
            );
            Ok(0)
        }
        WorkspaceCmd::Select { name } => {
            if validate_workspace_name(&name).is_err() {
                return Err(invalid_name(&name));
            }
            if current == name {
                println!("You are already on workspace {name:?}!");
                return Ok(0);
            }
            if !list()?.contains(&name) {
                return Err(Fail::help(
                    format!("Workspace {name:?} doesn't exist."),
                    "You can create this workspace with the \"new\" subcommand.",
                    &format!("Run girder workspace new {name}."),
                ));
            }
            backend::set_workspace(dir, &name)?;
            println!("{}", ui.green(&format!("Switched to workspace {name:?}.")));
            Ok(0)
        }
        WorkspaceCmd::Delete { force, lock, name } => {
            if validate_workspace_name(&name).is_err() {
                return Err(invalid_name(&name));
            }
            if !list()?.contains(&name) {
                return Err(Fail::new(format!("Workspace {name:?} doesn't exist."), ""));
            }
            if name == current {
                return Err(Fail::help(
                    format!("Workspace {name:?} is your active workspace."),
                    "You cannot delete the currently active workspace. Please switch\n\
                     to another workspace and try again.",
                    "Run girder workspace select default first.",
                ));
            }
            if name == DEFAULT_WORKSPACE {
                return Err(Fail::new("Can't delete default state", ""));
            }
            let b = root
                .select_workspace(&name)
                .map_err(|e| state_fail("Failed to delete workspace", e))?;
            {
                let g = Guard::acquire(b.as_ref(), &lock, "workspace delete")?;
                let st = b.read().map_err(|e| state_fail("Error loading state", e))?;
                let non_empty = st.as_ref().is_some_and(|(s, _)| !s.resources.is_empty());
                if non_empty && !force {
                    return Err(Fail::help(
                        format!("Workspace {name:?} is not empty."),
                        format!(
                            "Deleting {name:?} can result in dangling resources: resources that\n\
                             exist but are no longer manageable by girder. Please destroy\n\
                             these resources first.  If you want to delete this workspace\n\
                             anyway and risk dangling resources, use the '-force' flag."
                        ),
                        "Destroy its resources, or pass -force.",
                    ));
                }
                // The lock must be released before the workspace's files go.
                g.release()?;
            }
            root.delete_workspace(&name)
                .map_err(|e| state_fail("Failed to delete workspace", e))?;
            println!("{}", ui.green(&format!("Deleted workspace {name:?}!")));
            Ok(0)
        }
    }
}
