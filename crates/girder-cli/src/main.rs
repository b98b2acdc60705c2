//! The `girder` command. The only crate that prints.
//!
//! Terraform's single-dash flags are accepted (see [`args`]); diagnostics are rendered with
//! miette (see [`diag`]).

mod args;
mod backend;
mod backend_block;
mod cmd_fmt;
mod cmd_import;
mod cmd_init;
mod cmd_lang;
mod cmd_output;
mod cmd_report;
mod cmd_run;
mod cmd_show;
mod cmd_state;
mod cmd_workspace;
mod diag;
mod lock;
mod prompt;
mod providers;
mod show;
mod ui;

use clap::{ArgAction, Args, Parser, Subcommand};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Parser, Debug)]
#[command(
    name = "girder",
    about = "girder: infrastructure as code in the Terraform language",
    disable_version_flag = true
)]
struct Cli {
    /// Switch to a different working directory before executing the given subcommand.
    #[arg(long, value_name = "DIR")]
    chdir: Option<PathBuf>,
    /// Print the version (same as `girder version`).
    #[arg(long)]
    version: bool,
    /// Disable colour in output.
    #[arg(long, global = true)]
    no_color: bool,
    #[command(subcommand)]
    cmd: Option<Cmd>,
}

#[derive(Args, Debug, Clone)]
pub struct LockArgs {
    /// Don't hold a state lock during the operation (dangerous if others might run commands concurrently).
    #[arg(long, action = ArgAction::Set, num_args = 0..=1, require_equals = true,
          default_value_t = true, default_missing_value = "true", value_name = "BOOL")]
    pub lock: bool,
    /// Duration to retry a state lock.
    #[arg(long, value_parser = args::parse_duration, default_value = "0s", value_name = "DURATION")]
    pub lock_timeout: Duration,
}

#[derive(Args, Debug, Clone)]
pub struct InputArg {
    /// Ask for input if necessary (false: fail instead).
    #[arg(long, action = ArgAction::Set, num_args = 0..=1, require_equals = true,
          default_value_t = true, default_missing_value = "true", value_name = "BOOL")]
    pub input: bool,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Show the current girder version.
    Version {
        /// Output the version information as a JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Reformat your configuration in the standard style.
    Fmt(cmd_fmt::FmtArgs),
    /// Prepare your working directory: set up the backend, migrate state.
    Init(cmd_init::InitArgs),
    /// Workspace management.
    #[command(subcommand)]
    Workspace(cmd_workspace::WorkspaceCmd),
    /// Advanced state management.
    #[command(subcommand)]
    State(cmd_state::StateCmd),
    /// Release a stuck lock on the current workspace.
    ForceUnlock {
        /// Don't ask for input for unlock confirmation.
        #[arg(long)]
        force: bool,
        /// The lock ID printed in the lock error.
        lock_id: String,
    },
    /// Associate existing infrastructure with a girder resource.
    Import(cmd_import::ImportArgs),
    /// Check whether the configuration is valid.
    Validate {
        /// Produce output in a machine-readable JSON format.
        #[arg(long)]
        json: bool,
    },
    /// Evaluate expressions, one per line of standard input.
    Console(cmd_lang::VarArgs),
    /// Show the current state or a saved plan in a human-readable form.
    Show {
        /// Print the plan as Terraform's JSON plan.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        report: cmd_report::FormatArgs,
        /// A plan file made by girder plan -out=FILE (the current state when absent).
        path: Option<String>,
    },
    /// Show changes required by the current configuration.
    Plan(cmd_run::PlanArgs),
    /// Create or update infrastructure.
    Apply(cmd_run::ApplyArgs),
    /// Destroy previously-created infrastructure.
    Destroy(cmd_run::DestroyArgs),
    /// The dependency graph of the configuration, as DOT.
    Graph,
    /// Report changes made outside girder (read-only unless -refresh-state).
    Drift(cmd_report::DriftArgs),
    /// Show output values from the state.
    Output {
        /// Print the outputs as JSON.
        #[arg(long)]
        json: bool,
        /// Print a string, number or bool output's value without quotes.
        #[arg(long)]
        raw: bool,
        /// The output's name (all outputs when absent).
        name: Option<String>,
    },
}

fn main() {
    use clap::{CommandFactory, FromArgMatches};
    let argv = args::normalise(std::env::args_os());
    let parsed = Cli::command()
        .try_get_matches_from(argv)
        .and_then(|m| Cli::from_arg_matches(&m).map(|c| (c, m)));
    let (cli, matches) = match parsed {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 1 } else { 0 };
            let _ = e.print();
            std::process::exit(code);
        }
    };
    let color = !cli.no_color && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    // `-input` of whichever command has it (commands without it may ask)
    let input = matches
        .subcommand()
        .and_then(|(_, m)| m.try_get_one::<bool>("input").ok().flatten().copied())
        .unwrap_or(true);
    prompt::configure(input, color);
    let mut ui = ui::Ui::new(color);
    if let Some(dir) = &cli.chdir {
        if let Err(e) = std::env::set_current_dir(dir) {
            ui.diags(&[girder_core::Diagnostic::error(
                "Error handling -chdir option",
                format!("chdir {}: {e}", dir.display()),
            )]);
            std::process::exit(1);
        }
    }
    let code = match run(cli, &mut ui) {
        Ok(code) => code,
        Err(diag::Fail(ds)) => {
            ui.diags(&ds);
            1
        }
    };
    std::process::exit(code);
}

fn run(cli: Cli, ui: &mut ui::Ui) -> diag::CmdResult {
    if cli.version {
        return version(false);
    }
    let Some(cmd) = cli.cmd else {
        use clap::CommandFactory;
        let _ = Cli::command().print_help();
        return Ok(1);
    };
    let dir = PathBuf::from(".");
    match cmd {
        Cmd::Version { json } => version(json),
        Cmd::Fmt(a) => cmd_fmt::run(a, ui),
        Cmd::Init(a) => cmd_init::run(&dir, a, ui),
        Cmd::Workspace(c) => cmd_workspace::run(&dir, c, ui),
        Cmd::State(c) => cmd_state::run(&dir, c, ui),
        Cmd::ForceUnlock { force, lock_id } => cmd_state::force_unlock(&dir, force, &lock_id, ui),
        Cmd::Import(a) => cmd_import::run(&dir, a, ui),
        Cmd::Validate { json } => cmd_lang::validate_cmd(&dir, json, ui),
        Cmd::Console(v) => cmd_lang::console_cmd(&dir, &v, ui),
        Cmd::Show { json, report, path } => {
            report.check()?;
            match path {
                Some(p) if json || report.is_markdown() || !p.ends_with(".tfstate") => {
                    cmd_run::show_plan(&dir, std::path::Path::new(&p), json, &report, ui)
                }
                path => cmd_show::run(&dir, path),
            }
        }
        Cmd::Plan(a) => cmd_run::plan(&dir, a, ui),
        Cmd::Apply(a) => cmd_run::apply(&dir, a, ui),
        Cmd::Destroy(a) => cmd_run::destroy(&dir, a, ui),
        Cmd::Graph => cmd_run::graph(&dir, ui),
        Cmd::Drift(a) => cmd_report::drift(&dir, a, ui),
        Cmd::Output { json, raw, name } => cmd_output::run(&dir, name, json, raw, ui),
    }
}

fn version(json: bool) -> diag::CmdResult {
    let v = env!("CARGO_PKG_VERSION");
    let platform = format!("{}_{}", std::env::consts::OS, goarch());
    if json {
        let doc = serde_json::json!({
            "terraform_version": v,
            "platform": platform,
            "provider_selections": {},
            "terraform_outdated": false,
        });
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
    } else {
        println!("girder v{v}\non {platform}");
    }
    Ok(0)
}

fn goarch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        other => other,
    }
}
