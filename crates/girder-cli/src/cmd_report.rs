//! Report formats for plans (`-format=markdown`, `-max-size`, `-split`) through
//! `girder_report::mr`, and `girder drift`.

use crate::diag::{CmdResult, Fail};
use clap::Args;

/// `-format=markdown [-max-size=N] [-split=parts|truncate]`.
#[derive(Args, Debug, Clone, Default)]
pub struct FormatArgs {
    /// Output format: `markdown` renders the plan for a merge-request comment.
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// With -format=markdown: the largest document in bytes (GitHub 65536, GitLab 1000000).
    #[arg(long, value_name = "N")]
    pub max_size: Option<String>,
    /// With -format=markdown: `truncate` (one document, default) or `parts` (numbered parts
    /// separated by a marker line).
    #[arg(long, value_name = "MODE")]
    pub split: Option<String>,
}

impl FormatArgs {
    /// Is `-format=markdown` given?
    pub fn is_markdown(&self) -> bool {
        self.format.as_deref() == Some("markdown")
    }

    /// Rejects unknown formats and report flags without `-format=markdown`.
    pub fn check(&self) -> Result<(), Fail> {
        match self.format.as_deref() {
            None | Some("markdown") => {}
            Some(other) => {
                return Err(Fail::help(
                    "Invalid value for -format",
                    format!("\"{other}\" is not an output format."),
                    "Use -format=markdown, or -json for the JSON plan.",
                ))
            }
        }
        if !self.is_markdown() && (self.max_size.is_some() || self.split.is_some()) {
            return Err(Fail::help(
                "Option requires -format=markdown",
                "The -max-size and -split options apply only to -format=markdown output.",
                "Add -format=markdown.",
            ));
        }
        self.options().map(|_| ())
    }

    fn options(&self) -> Result<girder_report::mr::MarkdownOptions, Fail> {
        girder_report::mr::MarkdownOptions::from_flags(
            self.max_size.as_deref(),
            self.split.as_deref(),
        )
        .map_err(|d| Fail(vec![d]))
    }
}

/// Prints the markdown rendering of a JSON plan.
pub fn print_markdown(plan_json: &serde_json::Value, f: &FormatArgs) -> CmdResult {
    let opts = f.options()?;
    girder_report::mr::check_plan(plan_json).map_err(|d| Fail(vec![d]))?;
    let parts = girder_report::mr::render_markdown(plan_json, &opts);
    let text = girder_report::mr::join_parts(&parts);
    print!("{text}");
    if !text.ends_with('\n') {
        println!();
    }
    Ok(0)
}

/// `girder drift` options.
#[derive(Args, Debug)]
pub struct DriftArgs {
    #[command(flatten)]
    vars: crate::cmd_lang::VarArgs,
    /// Print the drift report as JSON (schema version 1.0, docs/drift-json.md).
    #[arg(long)]
    json: bool,
    /// `markdown` renders the report for an issue or merge-request comment.
    #[arg(long, value_name = "FORMAT")]
    format: Option<String>,
    /// With -format=markdown: the largest document in bytes.
    #[arg(long, value_name = "N")]
    max_size: Option<String>,
    /// The drift-ignore file (default .girder-drift-ignore, if present).
    #[arg(long, value_name = "PATH")]
    ignore_file: Option<std::path::PathBuf>,
    /// Write the refreshed objects to the state (accept the drift). Off by default: drift
    /// never writes state otherwise, and takes no lock; with it the state is locked.
    #[arg(long)]
    refresh_state: bool,
    /// Also list objects of managed types in managed scopes that no state manages (subnets
    /// and security groups of a managed VPC, buckets sharing a managed bucket's prefix).
    #[arg(long)]
    unmanaged: bool,
    #[command(flatten)]
    lock: crate::LockArgs,
    #[command(flatten)]
    input: crate::InputArg,
}

/// Runs `girder drift`: refreshes every managed object (through a plan), compares each with
/// the state, and renders the report. Exit 0 no drift, 2 drift, 1 errors.
pub fn drift(dir: &std::path::Path, a: DriftArgs, ui: &mut crate::ui::Ui) -> CmdResult {
    use girder_engine::ProviderRegistry;
    use girder_report::drift::{self, AttrPath, CompareInput, DriftReport, IgnoreRules};
    let markdown = match a.format.as_deref() {
        None => false,
        Some("markdown") => true,
        Some(other) => {
            return Err(Fail::help(
                "Invalid value for -format",
                format!("\"{other}\" is not an output format."),
                "Use -format=markdown, or -json.",
            ))
        }
    };
    if markdown && a.json {
        return Err(Fail::help(
            "Invalid output format",
            "The -json and -format=markdown options are mutually exclusive.",
            "Use one of them.",
        ));
    }
    let mut md_opts = drift::MarkdownOptions::default();
    if let Some(m) = &a.max_size {
        md_opts.max_chars = girder_report::mr::MarkdownOptions::from_flags(Some(m), None)
            .map_err(|d| Fail(vec![d]))?
            .max_chars;
    }
    let ignore_path = a
        .ignore_file
        .clone()
        .unwrap_or_else(|| dir.join(drift::DRIFT_IGNORE_FILE));
    let rules = match std::fs::read_to_string(&ignore_path) {
        // Named as the user wrote it (diagnostics and `rule` say `.girder-drift-ignore:3`).
        Ok(src) => {
            let label = match &a.ignore_file {
                Some(p) => p.display().to_string(),
                None => drift::DRIFT_IGNORE_FILE.to_string(),
            };
            IgnoreRules::parse(&label, &src).map_err(Fail)?
        }
        Err(_) if a.ignore_file.is_none() => IgnoreRules::default(),
        Err(e) => {
            return Err(Fail::help(
                "Failed to read the drift-ignore file",
                format!("{} could not be read: {e}.", ignore_path.display()),
                "Check the -ignore-file path.",
            ))
        }
    };
    let s = crate::cmd_run::session_for(dir, &a.vars, ui)?;
    // Read-only unless -refresh-state: the state is only read (a consistent snapshot of
    // the file or object, journal replayed in memory), so no lock is taken and a lock held by
    // a running apply does not block the report. -refresh-state writes, so it locks.
    let no_lock = crate::LockArgs {
        lock: false,
        lock_timeout: a.lock.lock_timeout,
    };
    let lock_args = if a.refresh_state { &a.lock } else { &no_lock };
    let guard = crate::lock::Guard::acquire(&*s.backend, lock_args, "OperationTypeRefresh")?;
    let stored = s
        .backend
        .read()
        .map_err(|e| crate::backend::state_fail("Error loading the state", e))?;
    let (state, version) = match stored {
        Some((st, v)) => (st, Some(v)),
        None => (
            girder_state::State::new(crate::cmd_workspace::STATE_TOOL_VERSION),
            None,
        ),
    };
    let rt = crate::cmd_run::runtime()?;
    let opts = girder_engine::PlanOptions::default();
    let plan = crate::cmd_run::make_plan(&s, &rt, state, &opts, ui)?;
    let now = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let mut report = DriftReport::new(&s.workspace, &now);
    for d in &plan.drift {
        let ty = d.addr.resource.resource.type_name.clone();
        let addr = d.addr.to_string();
        let before = d.before.to_json().unwrap_or(serde_json::Value::Null);
        let after = if d.after.is_null() {
            None
        } else {
            Some(d.after.to_json().unwrap_or(serde_json::Value::Null))
        };
        let schema = s
            .registry
            .get(&d.provider.name)
            .and_then(|p| p.schema().resource(&ty).cloned());
        let sensitive: Vec<AttrPath> = schema
            .as_ref()
            .map(|sch| {
                sch.attributes
                    .iter()
                    .filter(|(_, at)| at.sensitive)
                    .filter_map(|(n, _)| AttrPath::parse(n).ok())
                    .collect()
            })
            .unwrap_or_default();
        let mut set_paths = Vec::new();
        if let Some(sch) = &schema {
            schema_set_paths(sch, &AttrPath::root(), &mut set_paths);
        }
        let ignore = s.ignore_changes_of(&d.addr);
        let c = drift::compare(
            &CompareInput {
                address: &addr,
                type_name: &ty,
                state_attrs: &before,
                refreshed_attrs: after.as_ref(),
                sensitive_paths: &sensitive,
                set_paths: &set_paths,
                ignore_changes: &ignore,
            },
            &rules,
        );
        report.add(c);
    }
    if a.unmanaged {
        add_unmanaged(&s, &rt, &plan, &rules, &mut report, ui)?;
    }
    // Where the configuration and real infrastructure differ: what a plan would do now.
    for c in &plan.changes {
        use girder_engine::Action;
        if c.is_data() {
            continue;
        }
        let action = match c.action {
            Action::NoOp | Action::Read if c.importing.is_some() => "import",
            Action::NoOp | Action::Read => continue,
            Action::Create => "create",
            Action::Update => "update",
            Action::DeleteThenCreate | Action::CreateThenDelete => "replace",
            Action::Delete => "delete",
            Action::Forget => "forget",
        };
        report.add_pending(&c.display_addr(), action);
    }
    report.sort();
    if a.refresh_state && !plan.drift.is_empty() {
        let mut st = (*plan.prior_state).clone();
        for d in &plan.drift {
            let r = &d.addr.resource;
            let Some(rs) = st.resources.iter_mut().find(|x| {
                x.module == r.module
                    && x.mode == r.resource.mode
                    && x.type_name == r.resource.type_name
                    && x.name == r.resource.name
            }) else {
                continue;
            };
            if d.after.is_null() {
                rs.instances
                    .retain(|i| !(i.index_key == d.addr.key && i.deposed.is_none()));
            } else if let Some(i) = rs
                .instances
                .iter_mut()
                .find(|i| i.index_key == d.addr.key && i.deposed.is_none())
            {
                if let Ok(j) = d.after.to_json() {
                    let fresh = girder_state::InstanceState::new(i.index_key.clone(), &j);
                    i.attributes = fresh.attributes;
                }
            }
        }
        st.resources.retain(|r| !r.instances.is_empty());
        s.backend
            .write(&st, version.as_ref())
            .map_err(|e| crate::backend::state_fail("Error saving the state", e))?;
    }
    guard.release()?;
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&drift::render_json(&report)).unwrap_or_default()
        );
    } else if markdown {
        let text = drift::render_markdown(&report, &md_opts);
        print!("{text}");
        if !text.ends_with('\n') {
            println!();
        }
    } else {
        print!(
            "{}",
            drift::render_text(
                &report,
                &drift::TextOptions {
                    no_color: !ui.color
                }
            )
        );
    }
    Ok(report.exit_code())
}

/// The index-free paths of the lists and blocks a schema declares as sets (compared
/// order-insensitively): `ingress`, `ingress.cidr_blocks`.
fn schema_set_paths(
    sch: &girder_provider::schema::Schema,
    at: &girder_report::drift::AttrPath,
    out: &mut Vec<girder_report::drift::AttrPath>,
) {
    use girder_report::drift::PathStep;
    for (name, a) in &sch.attributes {
        type_set_paths(&a.ty, &at.child(PathStep::Attr(name.clone())), out);
    }
    for (name, b) in &sch.blocks {
        let p = at.child(PathStep::Attr(name.clone()));
        if b.nesting == girder_provider::schema::Nesting::Set {
            out.push(p.clone());
        }
        if b.nesting != girder_provider::schema::Nesting::Map {
            schema_set_paths(&b.block, &p, out);
        }
    }
}

fn type_set_paths(
    ty: &girder_core::Type,
    at: &girder_report::drift::AttrPath,
    out: &mut Vec<girder_report::drift::AttrPath>,
) {
    use girder_core::Type;
    use girder_report::drift::PathStep;
    match ty {
        Type::Set(e) => {
            out.push(at.clone());
            type_set_paths(e, at, out);
        }
        Type::List(e) => type_set_paths(e, at, out),
        Type::Object(o) => {
            for (n, t) in &o.attrs {
                type_set_paths(t, &at.child(PathStep::Attr(n.clone())), out);
            }
        }
        _ => {}
    }
}

/// `-unmanaged`: asks each provider of the state's objects for the objects in their scopes
/// that no state manages ([`girder_provider::Provider::discover_unmanaged`]), named
/// `TYPE.ID`. Every provider configuration gets every object of its provider type, so an
/// object managed through an alias is not reported as unmanaged by another configuration.
fn add_unmanaged(
    s: &crate::cmd_run::Session,
    rt: &tokio::runtime::Runtime,
    plan: &girder_engine::Plan,
    rules: &girder_report::drift::IgnoreRules,
    report: &mut girder_report::drift::DriftReport,
    ui: &mut crate::ui::Ui,
) -> Result<(), Fail> {
    use girder_engine::ProviderRegistry;
    use girder_provider::ManagedObject;
    use std::collections::{BTreeMap, BTreeSet};
    let base = |name: &str| name.split('.').next().unwrap_or(name).to_string();
    let mut keys: BTreeSet<String> = BTreeSet::new();
    let mut objects: BTreeMap<String, Vec<ManagedObject>> = BTreeMap::new();
    for c in &plan.changes {
        if c.is_data() || c.before.is_null() {
            continue;
        }
        keys.insert(c.provider.name.to_string());
        objects
            .entry(base(&c.provider.name))
            .or_default()
            .push(ManagedObject {
                type_name: c.addr.resource.resource.type_name.to_string(),
                state: c.before.clone(),
            });
    }
    let mut seen = BTreeSet::new();
    let mut unsupported = BTreeSet::new();
    for key in &keys {
        let Some(p) = s.registry.get(key) else {
            continue;
        };
        let managed = objects.get(&base(key)).map(Vec::as_slice).unwrap_or(&[]);
        let ctx = girder_provider::OpContext::default();
        match rt.block_on(p.discover_unmanaged(managed, &ctx)) {
            Ok(Some(found)) => {
                for u in found {
                    let addr = format!("{}.{}", u.type_name, u.id);
                    if seen.insert(addr.clone()) {
                        report.add_unmanaged(&addr, &u.type_name, rules);
                    }
                }
            }
            Ok(None) => {
                unsupported.insert(base(key));
            }
            Err(d) => return Err(Fail(d.0)),
        }
    }
    let names: Vec<String> = unsupported.into_iter().collect();
    if let Some((last, init)) = names.split_last() {
        let who = if init.is_empty() {
            format!("The {last} provider cannot")
        } else {
            format!("The {} and {last} providers cannot", init.join(", "))
        };
        ui.diags(&[girder_core::Diagnostic::warning(
            "Unmanaged objects not checked for some providers",
            format!("{who} list unmanaged objects; -unmanaged checked the other providers only."),
        )]);
    }
    Ok(())
}
