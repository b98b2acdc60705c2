//! `girder plan`, `apply`, `destroy`, `show PLANFILE` and `graph`: the engine's operations
//! (`girder_engine::ops`) on the configured backend, under the state lock, with the providers
//! of [`crate::providers::Registry`].

use crate::backend::{self, state_fail};
use crate::cmd_lang::VarArgs;
use crate::diag::{CmdResult, Fail};
use crate::lock::Guard;
use crate::providers::Registry;
use crate::ui::Ui;
use crate::{InputArg, LockArgs};
use clap::{ArgAction, Args};
use girder_core::addr::AbsResourceInstance;
use girder_core::{Diagnostic, Diagnostics, Value};
use girder_engine::ops::{self, Request};
use girder_engine::render::{render_plan, RenderOptions};
use girder_engine::{
    planfile, ApplyEvent, ApplyOptions, ApplyOutcome, OpKind, Plan, PlanMode, PlanOptions, Target,
};
use girder_lang::config::{load_config, validate, Config};
use girder_state::{Backend, State};
use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Options shared by plan, apply and destroy.
#[derive(Args, Debug, Clone)]
pub struct OpArgs {
    #[command(flatten)]
    vars: VarArgs,
    /// Limit the operation to this resource (and what it depends on). Repeatable.
    #[arg(long, value_name = "ADDRESS")]
    target: Vec<String>,
    /// Leave this resource (and everything that depends on it) out of the operation.
    /// Repeatable.
    #[arg(long, value_name = "ADDRESS")]
    exclude: Vec<String>,
    /// Only update the state to match changes made outside girder; plan no other action.
    #[arg(long)]
    refresh_only: bool,
    /// Force replacement of this resource instance. Repeatable.
    #[arg(long, value_name = "ADDRESS")]
    replace: Vec<String>,
    /// Update the state from the real objects before planning (default true).
    #[arg(long, action = ArgAction::Set, num_args = 0..=1, require_equals = true,
          default_value_t = true, default_missing_value = "true", value_name = "BOOL")]
    refresh: bool,
    /// Limit the number of concurrent operations.
    #[arg(long, default_value_t = 10, value_name = "N")]
    parallelism: usize,
    #[command(flatten)]
    lock: LockArgs,
    #[command(flatten)]
    input: InputArg,
}

/// `girder plan` options.
#[derive(Args, Debug)]
pub struct PlanArgs {
    #[command(flatten)]
    op: OpArgs,
    /// Write the plan to this file, for `girder apply FILE`.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Make a plan that destroys every object in the state.
    #[arg(long)]
    destroy: bool,
    /// Exit 0 when there are no changes, 1 on errors, 2 when there are changes.
    #[arg(long)]
    detailed_exitcode: bool,
    #[command(flatten)]
    report: crate::cmd_report::FormatArgs,
}

/// `girder apply` options.
#[derive(Args, Debug)]
pub struct ApplyArgs {
    #[command(flatten)]
    op: OpArgs,
    /// Skip the interactive approval.
    #[arg(long)]
    auto_approve: bool,
    /// Apply only the resource destruction (like `girder destroy`).
    #[arg(long)]
    destroy: bool,
    /// A plan file made by `girder plan -out=FILE`.
    plan_file: Option<PathBuf>,
}

/// `girder destroy` options.
#[derive(Args, Debug)]
pub struct DestroyArgs {
    #[command(flatten)]
    op: OpArgs,
    /// Skip the interactive approval.
    #[arg(long)]
    auto_approve: bool,
}

/// The loaded configuration with its inputs and backend.
pub(crate) struct Session {
    config: Config,
    inputs: BTreeMap<String, Value>,
    pub(crate) workspace: String,
    base_dir: PathBuf,
    pub(crate) backend: Arc<dyn Backend>,
    pub(crate) registry: Registry,
}

/// A session for `girder drift` (and other read-mostly commands).
pub(crate) fn session_for(dir: &Path, vars: &VarArgs, ui: &mut Ui) -> Result<Session, Fail> {
    session(dir, vars, None, ui)
}

impl Session {
    /// The `lifecycle.ignore_changes` of a root resource, for the drift report.
    pub(crate) fn ignore_changes_of(
        &self,
        addr: &AbsResourceInstance,
    ) -> girder_report::drift::IgnoreChanges {
        use girder_lang::config::IgnoreChanges as C;
        use girder_report::drift::{AttrPath, IgnoreChanges as R};
        let r = &addr.resource.resource;
        let Some(res) = self
            .config
            .module
            .resources
            .iter()
            .find(|x| x.mode == r.mode && x.type_name == r.type_name && x.name == r.name)
        else {
            return R::None;
        };
        match &res.lifecycle.ignore_changes {
            C::None => R::None,
            C::All => R::All,
            C::Paths(p) => R::Paths(
                p.iter()
                    .filter_map(|(s, _)| AttrPath::parse(s).ok())
                    .collect(),
            ),
        }
    }

    fn request(&self) -> Request<'_> {
        Request {
            config: &self.config,
            inputs: self.inputs.clone(),
            workspace: self.workspace.clone(),
            base_dir: self.base_dir.clone(),
            providers: &self.registry,
        }
    }
}

fn fail_diags(d: Diagnostics) -> Fail {
    Fail(d.0)
}

/// Loads and validates the configuration; prints its warnings.
pub fn load(dir: &Path, ui: &mut Ui) -> Result<Config, Fail> {
    let (cfg, mut diags) = load_config(dir);
    if !diags.has_errors() {
        diags.extend(validate(&cfg).0);
    }
    if diags.has_errors() {
        return Err(fail_diags(diags));
    }
    ui.diags(&diags.0);
    Ok(cfg)
}

fn session(
    dir: &Path,
    vars: &VarArgs,
    given_inputs: Option<BTreeMap<String, Value>>,
    ui: &mut Ui,
) -> Result<Session, Fail> {
    let config = load(dir, ui)?;
    let inputs = match given_inputs {
        Some(i) => i,
        None => {
            let (inputs, d) =
                girder_lang::inputs::collect_inputs(&config.module, &vars.input_options(dir));
            if d.has_errors() {
                return Err(fail_diags(d));
            }
            ui.diags(&d.0);
            inputs
        }
    };
    let settings = backend::resolve(dir)?;
    let workspace = backend::current_workspace(dir);
    let backend: Arc<dyn Backend> = Arc::from(backend::open(dir, &settings, &workspace)?);
    let base_dir = std::env::current_dir().unwrap_or_else(|_| dir.to_path_buf());
    Ok(Session {
        config,
        inputs,
        workspace,
        base_dir,
        backend,
        registry: Registry::default(),
    })
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, Fail> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Fail::new("Failed to start the provider runtime", e.to_string()))
}

fn read_state(b: &dyn Backend) -> Result<State, Fail> {
    Ok(b.read()
        .map_err(|e| state_fail("Error loading the state", e))?
        .map(|(s, _)| s)
        .unwrap_or_else(|| State::new(crate::cmd_workspace::STATE_TOOL_VERSION)))
}

fn plan_options(a: &OpArgs, destroy: bool) -> Result<PlanOptions, Fail> {
    let mut targets = Vec::new();
    for t in &a.target {
        targets.push(Target::parse(t).map_err(|e| {
            Fail::help(
                "Invalid target address",
                format!("{t:?}: {e}"),
                "Use a resource address such as aws_vpc.main or aws_subnet.a[0].",
            )
        })?);
    }
    let mut excludes = Vec::new();
    for t in &a.exclude {
        excludes.push(Target::parse(t).map_err(|e| {
            Fail::help(
                "Invalid exclude address",
                format!("{t:?}: {e}"),
                "Use a resource or module address such as aws_vpc.main, aws_subnet.a[0] or module.net.",
            )
        })?);
    }
    if a.refresh_only && destroy {
        return Err(Fail::help(
            "Incompatible plan mode options",
            "The -destroy and -refresh-only options are mutually exclusive.",
            "Use one of them: -refresh-only only records changes made outside girder.",
        ));
    }
    if a.refresh_only && !a.refresh {
        return Err(Fail::help(
            "Incompatible refresh options",
            "It doesn't make sense to use -refresh-only at the same time as -refresh=false, because girder would have nothing to do.",
            "Remove -refresh=false.",
        ));
    }
    let mut replace = Vec::new();
    for r in &a.replace {
        replace.push(AbsResourceInstance::parse(r).map_err(|e| {
            Fail::help(
                "Invalid replace address",
                format!("{r:?}: {e}"),
                "Use a resource instance address such as aws_instance.web or aws_instance.web[0].",
            )
        })?);
    }
    if a.parallelism == 0 {
        return Err(Fail::help(
            "Invalid parallelism",
            "The -parallelism value must be at least 1.",
            "Use -parallelism=N with N >= 1 (default 10).",
        ));
    }
    Ok(PlanOptions {
        mode: if destroy {
            PlanMode::Destroy
        } else if a.refresh_only {
            PlanMode::RefreshOnly
        } else {
            PlanMode::Normal
        },
        refresh: a.refresh,
        targets,
        excludes,
        replace,
        parallelism: a.parallelism,
    })
}

/// Makes a plan; prints the diagnostics (errors make it fail).
pub(crate) fn make_plan(
    s: &Session,
    rt: &tokio::runtime::Runtime,
    state: State,
    opts: &PlanOptions,
    ui: &mut Ui,
) -> Result<Plan, Fail> {
    let req = s.request();
    let out = rt.block_on(ops::plan(&req, state, opts));
    match out.plan {
        Some(p) if !out.diagnostics.has_errors() => {
            ui.diags(&out.diagnostics.0);
            Ok(p)
        }
        _ => Err(fail_diags(out.diagnostics)),
    }
}

const RULE: &str = "─────────────────────────────────────────────────────────────────────────────";

fn render(plan: &Plan, s: &Registry, ui: &Ui) -> String {
    render_plan(
        plan,
        s,
        RenderOptions {
            no_color: !ui.color,
        },
    )
}

/// Runs `girder plan`.
pub fn plan(dir: &Path, a: PlanArgs, ui: &mut Ui) -> CmdResult {
    a.report.check()?;
    let opts = plan_options(&a.op, a.destroy)?;
    let s = session(dir, &a.op.vars, None, ui)?;
    let guard = Guard::acquire(&*s.backend, &a.op.lock, "OperationTypePlan")?;
    let state = read_state(&*s.backend)?;
    let rt = runtime()?;
    let plan = make_plan(&s, &rt, state, &opts, ui)?;
    guard.release()?;
    if a.report.is_markdown() {
        let j = girder_engine::json::plan_json(&plan, &s.registry);
        crate::cmd_report::print_markdown(&j, &a.report)?;
    } else {
        print!("{}", render(&plan, &s.registry, ui));
    }
    if let Some(out) = &a.out {
        std::fs::write(out, planfile::save(&plan)).map_err(|e| {
            Fail::help(
                "Failed to write plan file",
                format!("The plan file {} could not be written: {e}.", out.display()),
                "Check that the directory exists and is writable.",
            )
        })?;
        if !a.report.is_markdown() {
            println!(
                "\n{RULE}\n\nSaved the plan to: {0}\n\nTo perform exactly these actions, run the following command to apply:\n    girder apply \"{0}\"",
                out.display()
            );
        }
    } else if plan.has_changes() && !a.report.is_markdown() {
        println!(
            "\n{RULE}\n\nNote: You didn't use the -out option to save this plan, so girder can't\nguarantee to take exactly these actions if you run \"girder apply\" now."
        );
    }
    Ok(if a.detailed_exitcode && plan.has_changes() {
        2
    } else {
        0
    })
}

/// Asks for approval; `Err` when not given.
fn approve(ui: &mut Ui, destroy: bool, input: bool) -> Result<(), Fail> {
    if !input {
        return Err(Fail::help(
            "Plan file or auto-approve required",
            "girder cannot ask for interactive approval when -input=false. Either run the command with -auto-approve, or apply a saved plan file.",
            "Add -auto-approve, or run girder plan -out=FILE and girder apply FILE.",
        ));
    }
    let (q, d, cancelled) = if destroy {
        (
            "Do you really want to destroy all resources?",
            "girder will destroy all your managed infrastructure, as shown above.\nThere is no undo. Only 'yes' will be accepted to confirm.",
            "Destroy cancelled.",
        )
    } else {
        (
            "Do you want to perform these actions?",
            "girder will perform the actions described above.\nOnly 'yes' will be accepted to approve.",
            "Apply cancelled.",
        )
    };
    match ui.ask(q, d) {
        Some(v) if v == "yes" => Ok(()),
        _ => Err(Fail(vec![Diagnostic::error(cancelled, "")
            .with_help("Answer yes to go ahead, or use -auto-approve.")])),
    }
}

/// Runs `girder apply`.
pub fn apply(dir: &Path, a: ApplyArgs, ui: &mut Ui) -> CmdResult {
    match a.plan_file.clone() {
        Some(f) => apply_saved(dir, &a, &f, ui),
        None => plan_and_apply(dir, &a.op, a.auto_approve, a.destroy, ui),
    }
}

/// Runs `girder destroy`.
pub fn destroy(dir: &Path, a: DestroyArgs, ui: &mut Ui) -> CmdResult {
    plan_and_apply(dir, &a.op, a.auto_approve, true, ui)
}

fn plan_and_apply(
    dir: &Path,
    op: &OpArgs,
    auto_approve: bool,
    destroy: bool,
    ui: &mut Ui,
) -> CmdResult {
    let opts = plan_options(op, destroy)?;
    let s = session(dir, &op.vars, None, ui)?;
    let guard = Guard::acquire(&*s.backend, &op.lock, "OperationTypeApply")?;
    let state = read_state(&*s.backend)?;
    let rt = runtime()?;
    let plan = make_plan(&s, &rt, state, &opts, ui)?;
    print!("{}", render(&plan, &s.registry, ui));
    if !plan.has_changes() {
        let line = if destroy {
            "Destroy complete! Resources: 0 destroyed."
        } else {
            "Apply complete! Resources: 0 added, 0 changed, 0 destroyed."
        };
        println!("\n{}", ui.green(line));
        if !destroy {
            print_outputs(&plan.prior_state, ui);
        }
        guard.release()?;
        return Ok(0);
    }
    if !auto_approve {
        println!();
        approve(ui, destroy, op.input.input)?;
    } else {
        println!();
    }
    let code = run_apply(&s, &rt, &plan, op.parallelism, destroy, ui);
    guard.release()?;
    code
}

fn apply_saved(dir: &Path, a: &ApplyArgs, file: &Path, ui: &mut Ui) -> CmdResult {
    let bytes = std::fs::read(file).map_err(|e| {
        Fail::help(
            "Failed to load the plan file",
            format!("The plan file {} could not be read: {e}.", file.display()),
            "Create one with girder plan -out=FILE.",
        )
    })?;
    let plan = planfile::load(&bytes, &file.display().to_string()).map_err(|d| Fail(vec![d]))?;
    if !a.op.vars.var.is_empty() || !a.op.vars.var_file.is_empty() {
        return Err(Fail::help(
            "Can't set variables when applying a saved plan",
            "The -var and -var-file options cannot be used when applying a saved plan file, because a saved plan includes the variable values that were set when it was created.",
            "Drop the -var options, or make a new plan with them.",
        ));
    }
    let s = session(dir, &a.op.vars, Some(plan.variables.clone()), ui)?;
    let guard = Guard::acquire(&*s.backend, &a.op.lock, "OperationTypeApply")?;
    let rt = runtime()?;
    let destroy = plan.mode == PlanMode::Destroy;
    let code = run_apply(&s, &rt, &plan, a.op.parallelism, destroy, ui);
    guard.release()?;
    code
}

/// Formats a duration as Go does for whole seconds (`0s`, `2s`, `1m5s`, `1h0m3s`).
pub fn go_secs(d: Duration) -> String {
    let t = d.as_secs();
    let (h, m, s) = (t / 3600, (t / 60) % 60, t % 60);
    if h > 0 {
        format!("{h}h{m}m{s}s")
    } else if m > 0 {
        format!("{m}m{s}s")
    } else {
        format!("{s}s")
    }
}

fn past(op: OpKind) -> &'static str {
    match op {
        OpKind::Create => "Creation complete",
        OpKind::Update => "Modifications complete",
        OpKind::Destroy => "Destruction complete",
        OpKind::Read | OpKind::Record => "Read complete",
        OpKind::Import => "Import complete",
    }
}

fn still(op: OpKind) -> &'static str {
    match op {
        OpKind::Create => "Still creating...",
        OpKind::Update => "Still modifying...",
        OpKind::Destroy => "Still destroying...",
        OpKind::Read | OpKind::Record => "Still reading...",
        OpKind::Import => "Still importing...",
    }
}

/// Prints progress events as Terraform does, with a "Still creating..." line every 10s.
async fn progress(
    mut rx: tokio::sync::mpsc::UnboundedReceiver<ApplyEvent>,
    prior_ids: HashMap<String, String>,
    color: bool,
) {
    let bold = |s: String| {
        if color {
            format!("\x1b[1m{s}\x1b[0m")
        } else {
            s
        }
    };
    let mut running: BTreeMap<String, (OpKind, Instant)> = BTreeMap::new();
    let mut tick = tokio::time::interval(Duration::from_secs(10));
    tick.tick().await;
    loop {
        tokio::select! {
            ev = rx.recv() => {
                let Some(ev) = ev else { break };
                let line = match ev {
                    ApplyEvent::Started { addr, op } => {
                        running.insert(addr.clone(), (op, Instant::now()));
                        let id = match (op, prior_ids.get(&addr)) {
                            (OpKind::Update | OpKind::Destroy, Some(id)) => format!(" [id={id}]"),
                            _ => String::new(),
                        };
                        format!("{addr}: {}...{id}", op.verb())
                    }
                    ApplyEvent::Finished { addr, op, elapsed, ok } => {
                        running.remove(&addr);
                        if !ok {
                            continue;
                        }
                        format!("{addr}: {} after {}", past(op), go_secs(elapsed))
                    }
                };
                println!("{}", bold(line));
            }
            _ = tick.tick() => {
                for (addr, (op, started)) in &running {
                    let e = started.elapsed();
                    if e.as_secs() >= 10 {
                        println!("{}", bold(format!("{addr}: {} [{} elapsed]", still(*op), go_secs(Duration::from_secs(e.as_secs() / 10 * 10)))));
                    }
                }
            }
        }
        let _ = std::io::stdout().flush();
    }
}

fn run_apply(
    s: &Session,
    rt: &tokio::runtime::Runtime,
    plan: &Plan,
    parallelism: usize,
    destroy: bool,
    ui: &mut Ui,
) -> CmdResult {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let mut prior_ids = HashMap::new();
    for c in &plan.changes {
        if let Some(id) = c.before.get_attr("id").and_then(|v| v.as_str()) {
            let mut a = c.addr.to_string();
            if let Some(d) = &c.deposed {
                a = format!("{a} (deposed object {d})");
            }
            prior_ids.insert(a, id.to_string());
        }
    }
    let opts = ApplyOptions {
        parallelism,
        events: Some(tx),
        ..ApplyOptions::default()
    };
    let printer = rt.spawn(progress(rx, prior_ids, ui.color));
    let (stop, abandon) = (opts.stop.clone(), opts.abandon.clone());
    let signals = rt.spawn(async move {
        if tokio::signal::ctrl_c().await.is_err() {
            return;
        }
        println!("\nInterrupt received.\nPlease wait for girder to exit or data loss may occur.\nGracefully shutting down...\n");
        stop.cancel();
        if tokio::signal::ctrl_c().await.is_err() {
            return;
        }
        println!("\nTwo interrupts received. Exiting immediately. Note that data loss may have occurred.\n");
        abandon.cancel();
    });
    let req = s.request();
    let outcome: ApplyOutcome = rt.block_on(async {
        let o = ops::apply(&req, plan, s.backend.clone(), &opts).await;
        drop(opts);
        o
    });
    signals.abort();
    let _ = rt.block_on(printer);
    ui.diags(&outcome.diagnostics.0);
    if outcome.diagnostics.has_errors() || outcome.interrupted {
        if outcome.interrupted && !outcome.diagnostics.has_errors() {
            ui.diags(&[Diagnostic::error(
                "execution halted",
                "The apply was interrupted; operations in flight finished and their results are in the state.",
            )
            .with_help("Run girder plan to see what is left to do.")]);
        }
        return Ok(1);
    }
    if destroy {
        let n = outcome
            .reports
            .iter()
            .filter(|r| {
                r.op == OpKind::Destroy
                    && r.status == girder_engine::OpStatus::Succeeded
                    && !r.addr.starts_with("data.")
            })
            .count();
        println!(
            "\n{}",
            ui.green(&format!("Destroy complete! Resources: {n} destroyed."))
        );
    } else {
        println!("\n{}", ui.green(&outcome.summary()));
        if let Some(st) = &outcome.state {
            print_outputs(st, ui);
        }
    }
    Ok(0)
}

/// Terraform's `Outputs:` block after apply (sensitive ones as `<sensitive>`).
fn print_outputs(st: &State, ui: &Ui) {
    if st.outputs.is_empty() {
        return;
    }
    let mut out = format!("\n{}\n\n", ui.green("Outputs:"));
    for (k, o) in &st.outputs {
        let text = if o.sensitive {
            "<sensitive>".to_string()
        } else {
            let plain = girder_state::OutputValue {
                sensitive: false,
                ..o.clone()
            };
            match plain.to_value() {
                Ok(v) => girder_core::render::console(&v),
                Err(_) => o.value.to_string(),
            }
        };
        out.push_str(&format!("{k} = {text}\n"));
    }
    print!("{out}");
}

/// `girder show [-json] PLANFILE`.
pub fn show_plan(
    dir: &Path,
    file: &Path,
    json_out: bool,
    report: &crate::cmd_report::FormatArgs,
    ui: &mut Ui,
) -> CmdResult {
    let bytes = std::fs::read(file).map_err(|e| {
        Fail::help(
            "Failed to read the file",
            format!("{} could not be read: {e}.", file.display()),
            "Give the path of a plan file made by girder plan -out=FILE.",
        )
    })?;
    let plan = planfile::load(&bytes, &file.display().to_string()).map_err(|d| Fail(vec![d]))?;
    let _ = dir;
    let registry = Registry::default();
    if json_out || report.is_markdown() {
        let j = girder_engine::json::plan_json(&plan, &registry);
        if report.is_markdown() {
            return crate::cmd_report::print_markdown(&j, report);
        }
        println!("{}", serde_json::to_string(&j).unwrap_or_default());
        return Ok(0);
    }
    print!("{}", render(&plan, &registry, ui));
    Ok(0)
}

/// `girder graph`: the dependency graph as DOT.
pub fn graph(dir: &Path, ui: &mut Ui) -> CmdResult {
    let config = load(dir, ui)?;
    let dot = ops::graph_dot(&config).map_err(fail_diags)?;
    print!("{dot}");
    if !dot.ends_with('\n') {
        println!();
    }
    Ok(0)
}
