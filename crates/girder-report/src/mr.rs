//! Merge-request plans: Terraform's JSON plan representation (`show -json`) rendered as
//! markdown for a GitHub pull-request comment or a GitLab merge-request note.
//!
//! The input is the JSON plan as Terraform 1.0.3 prints it (`format_version` `"0.1"`/`"0.2"`;
//! later `"1.x"` versions are read the same way, since they only add fields). Fields this module
//! reads: `resource_changes[]` (`address`, `module_address`, `mode`, `type`, `name`, `deposed`,
//! `action_reason`, `change.{actions, before, after, after_unknown, before_sensitive,
//! after_sensitive, replace_paths}`), `output_changes`, `resource_drift` (addresses only) and
//! `configuration` (to tell a destroy request from a resource removed from the configuration).
//! Missing fields read as empty, so a partial plan still renders.
//!
//! The output ([`render_markdown`]) is a list of markdown documents, each under
//! [`MarkdownOptions::max_chars`]:
//! - a title with Terraform's counts (`Plan: 1 to add, 2 to change, 1 to destroy`) and a table of
//!   counts per action;
//! - a warning section listing every destroy and replace first;
//! - the other changes grouped by module (root module first);
//! - each resource as a collapsed `<details>` section whose summary names the action and its
//!   reason (`replace: `cidr_block` forces replacement`, `delete: no longer in configuration`,
//!   `update: changed outside girder (drift)`) and whose body is Terraform's plan diff in a
//!   ```` ```diff ```` block;
//! - output changes.
//!
//! Sensitive values never appear: they print as `(sensitive value)`, and nothing about them (not
//! their length, not a line count) is derived. Only the change's mark trees decide what is
//! sensitive, so a plan whose `variables` or `planned_values` hold secrets in clear (as
//! Terraform's do) is still safe to render.

use crate::diff::{self, Marks, Renderer, Step, Sym};
use crate::md;
use serde_json::Value;

/// GitHub's limit for an issue or pull-request comment body.
pub const GITHUB_MAX_CHARS: usize = 65_536;
/// GitLab's limit for a note (merge-request comment) body.
pub const GITLAB_MAX_CHARS: usize = 1_000_000;
/// The smallest cap honoured: smaller values are raised to this (a part must hold at least the
/// summary table and one truncated resource section).
pub const MIN_MAX_CHARS: usize = 2_000;

/// What to do when the rendering is longer than [`MarkdownOptions::max_chars`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum SplitMode {
    /// Split into numbered parts (`Plan (part 2/3)`), each under the cap, to be posted as
    /// separate comments. A resource section is never split across parts; one that alone
    /// exceeds a part is cut, with a note.
    #[default]
    Parts,
    /// One document under the cap; the resource sections that do not fit are left out and a
    /// final note names them.
    Truncate,
}

/// Options of [`render_markdown`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MarkdownOptions {
    /// The largest document, in bytes of UTF-8 (never fewer than characters or UTF-16 units, so
    /// a document under this cap is under it by GitHub's and GitLab's counts too).
    /// Default [`GITHUB_MAX_CHARS`]; values below [`MIN_MAX_CHARS`] are raised to it.
    pub max_chars: usize,
    /// Parts or truncation. Default [`SplitMode::Parts`].
    pub split: SplitMode,
    /// The word the title starts with. Default `Plan`.
    pub title: String,
}

impl Default for MarkdownOptions {
    fn default() -> Self {
        MarkdownOptions {
            max_chars: GITHUB_MAX_CHARS,
            split: SplitMode::Parts,
            title: "Plan".to_string(),
        }
    }
}

/// The flags of `girder show` / `girder plan` that map to [`MarkdownOptions`]:
/// `-format=markdown` selects this renderer, `-max-size=N` sets
/// [`MarkdownOptions::max_chars`], `-split=parts|truncate` sets [`MarkdownOptions::split`].
/// (`-format=json` is `-json`, Terraform's JSON plan, not this module.)
pub const MARKDOWN_FLAGS: &[&str] = &["-format", "-max-size", "-split"];

/// Printed between parts when [`SplitMode::Parts`] output goes to one stream (stdout), so a
/// script can split it (`csplit`, `awk`) and post one comment per part.
pub const PART_SEPARATOR: &str = "<!-- girder:part-break -->";

/// Joins parts for one stream: each part, then a [`PART_SEPARATOR`] line between parts.
pub fn join_parts(parts: &[String]) -> String {
    parts.join(&format!("\n{PART_SEPARATOR}\n"))
}

impl MarkdownOptions {
    /// Options from the command-line values of `-max-size` and `-split` (None when absent).
    ///
    /// On the command line the default split is [`SplitMode::Truncate`]: output to one stream
    /// is usually posted as one comment, which must stay under the cap. `-split=parts` gives
    /// numbered parts separated by [`PART_SEPARATOR`] lines.
    pub fn from_flags(
        max_size: Option<&str>,
        split: Option<&str>,
    ) -> Result<MarkdownOptions, girder_core::Diagnostic> {
        let mut o = MarkdownOptions {
            split: SplitMode::Truncate,
            ..MarkdownOptions::default()
        };
        if let Some(m) = max_size {
            let n: usize = m.trim().parse().map_err(|_| {
                girder_core::Diagnostic::error(
                    "Invalid value for -max-size",
                    format!("\"{m}\" is not a whole number of characters."),
                )
                .with_help(format!(
                    "Use {GITHUB_MAX_CHARS} for a GitHub comment or {GITLAB_MAX_CHARS} for a GitLab note."
                ))
            })?;
            if n == 0 {
                return Err(girder_core::Diagnostic::error(
                    "Invalid value for -max-size",
                    "The size cap must be positive.",
                )
                .with_help(format!("Use {GITHUB_MAX_CHARS} for a GitHub comment.")));
            }
            o.max_chars = n;
        }
        match split {
            None | Some("truncate") => {}
            Some("parts") => o.split = SplitMode::Parts,
            Some(other) => {
                return Err(girder_core::Diagnostic::error(
                    "Invalid value for -split",
                    format!("\"{other}\" is not a split mode."),
                )
                .with_help("Use -split=parts (numbered parts) or -split=truncate (one document)."))
            }
        }
        Ok(o)
    }
}

/// The action of one resource change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Action {
    /// Destroy and create again (either order).
    Replace,
    /// Destroy.
    Delete,
    /// Create.
    Create,
    /// Update in place.
    Update,
    /// Read a data source during apply.
    Read,
    /// Nothing to do.
    NoOp,
}

impl Action {
    /// Reads Terraform's `actions` list.
    pub fn from_actions(actions: &Value) -> Action {
        let a: Vec<&str> = actions
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        match a.as_slice() {
            ["create"] => Action::Create,
            ["read"] => Action::Read,
            ["update"] => Action::Update,
            ["delete"] => Action::Delete,
            ["delete", "create"] | ["create", "delete"] => Action::Replace,
            _ => Action::NoOp,
        }
    }

    /// The lower-case verb used in reasons (`replace`, `delete`, ...).
    pub fn verb(self) -> &'static str {
        match self {
            Action::Replace => "replace",
            Action::Delete => "delete",
            Action::Create => "create",
            Action::Update => "update",
            Action::Read => "read",
            Action::NoOp => "no-op",
        }
    }
}

/// Counts of resource changes per action, and of output changes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Resources created.
    pub create: usize,
    /// Resources updated in place.
    pub update: usize,
    /// Resources replaced (each also counts as one add and one destroy in Terraform's line).
    pub replace: usize,
    /// Resources destroyed.
    pub delete: usize,
    /// Data sources read during apply.
    pub read: usize,
    /// Output values created, changed or removed.
    pub outputs: usize,
}

impl Counts {
    /// Terraform's "to add" figure (creates and replaces).
    pub fn to_add(&self) -> usize {
        self.create + self.replace
    }
    /// Terraform's "to change" figure.
    pub fn to_change(&self) -> usize {
        self.update
    }
    /// Terraform's "to destroy" figure (deletes and replaces).
    pub fn to_destroy(&self) -> usize {
        self.delete + self.replace
    }
    /// No resource change at all (data reads and outputs aside).
    pub fn no_resource_changes(&self) -> bool {
        self.create + self.update + self.replace + self.delete == 0
    }
}

/// One resource change as read from the plan.
struct Change<'a> {
    address: String,
    module: String,
    mode: String,
    type_: String,
    name: String,
    deposed: Option<String>,
    action: Action,
    create_first: bool,
    reason: String,
    rc: &'a Value,
}

fn s(v: &Value, k: &str) -> String {
    v.get(k)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// Counts the changes of a JSON plan.
pub fn counts(plan_json: &Value) -> Counts {
    let mut c = Counts::default();
    for rc in arr(plan_json, "resource_changes") {
        match Action::from_actions(&rc["change"]["actions"]) {
            Action::Create => c.create += 1,
            Action::Update => c.update += 1,
            Action::Replace => c.replace += 1,
            Action::Delete => c.delete += 1,
            Action::Read => c.read += 1,
            Action::NoOp => {}
        }
    }
    if let Some(m) = plan_json.get("output_changes").and_then(Value::as_object) {
        c.outputs = m
            .values()
            .filter(|oc| !matches!(Action::from_actions(&oc["actions"]), Action::NoOp))
            .count();
    }
    c
}

fn arr<'a>(v: &'a Value, k: &str) -> &'a [Value] {
    v.get(k)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// Checks that `plan_json` looks like a JSON plan this module can read: an object with a
/// `format_version` of major version 0 or 1. [`render_markdown`] renders anything (missing
/// fields read as empty); callers that want to refuse a wrong file call this first.
pub fn check_plan(plan_json: &Value) -> Result<(), girder_core::Diagnostic> {
    let Some(obj) = plan_json.as_object() else {
        return Err(girder_core::Diagnostic::error(
            "Not a JSON plan",
            "The input is not a JSON object.",
        )
        .with_help(
            "Pass the output of `girder show -json PLANFILE` (or `terraform show -json`).",
        ));
    };
    let Some(v) = obj.get("format_version").and_then(Value::as_str) else {
        return Err(girder_core::Diagnostic::error(
            "Not a JSON plan",
            "The input has no \"format_version\" string.",
        )
        .with_help(
            "Pass the output of `girder show -json PLANFILE` (or `terraform show -json`).",
        ));
    };
    let major = v.split('.').next().unwrap_or_default();
    if major != "0" && major != "1" {
        return Err(girder_core::Diagnostic::error(
            "Unsupported JSON plan format version",
            format!("The plan has format_version \"{v}\"; girder reads versions 0.x and 1.x."),
        )
        .with_help("Render the plan with the same girder or Terraform version that made it."));
    }
    if obj.contains_key("values") && !obj.contains_key("planned_values") {
        return Err(girder_core::Diagnostic::error(
            "Not a JSON plan",
            "The input is a JSON state (it has \"values\" and no \"planned_values\").",
        )
        .with_help("Pass a plan file to `girder show -json`, not a state."));
    }
    Ok(())
}

/// Module names of a module instance address (`module.a["x"].module.b[0]` -> `[a, b]`).
fn module_names(module_address: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = module_address;
    while let Some(r) = rest.strip_prefix("module.") {
        let end = r.find(['.', '[']).unwrap_or(r.len());
        names.push(r[..end].to_string());
        let mut r = &r[end..];
        if r.starts_with('[') {
            // Skip the key, which may hold quoted brackets.
            let mut in_str = false;
            let mut esc = false;
            let mut close = r.len();
            for (i, c) in r.char_indices() {
                match c {
                    _ if esc => esc = false,
                    '\\' if in_str => esc = true,
                    '"' => in_str = !in_str,
                    ']' if !in_str => {
                        close = i + 1;
                        break;
                    }
                    _ => {}
                }
            }
            r = &r[close..];
        }
        rest = r.strip_prefix('.').unwrap_or(r);
    }
    names
}

/// Is `type.name` (or `data.type.name`) declared in the plan's configuration, in the module
/// at `module_address`? None when the plan has no configuration section.
fn in_configuration(
    plan: &Value,
    module_address: &str,
    mode: &str,
    type_: &str,
    name: &str,
) -> Option<bool> {
    let mut module = plan.get("configuration")?.get("root_module")?;
    for m in module_names(module_address) {
        match module
            .get("module_calls")
            .and_then(|c| c.get(&m))
            .and_then(|c| c.get("module"))
        {
            Some(next) => module = next,
            None => return Some(false),
        }
    }
    let want = if mode == "data" {
        format!("data.{type_}.{name}")
    } else {
        format!("{type_}.{name}")
    };
    Some(
        arr(module, "resources")
            .iter()
            .any(|r| s(r, "address") == want),
    )
}

/// The top-level attributes whose values differ (or become unknown).
fn changed_attrs(change: &Value) -> Vec<String> {
    let empty = serde_json::Map::new();
    let b = change["before"].as_object().unwrap_or(&empty);
    let a = change["after"].as_object().unwrap_or(&empty);
    let unknown = change.get("after_unknown");
    let mut out: Vec<String> = Vec::new();
    let mut keys: Vec<&String> = b.keys().chain(a.keys()).collect();
    keys.sort();
    keys.dedup();
    for k in keys {
        let bv = b.get(k).filter(|v| !v.is_null());
        let av = a.get(k).filter(|v| !v.is_null());
        let unk = unknown
            .and_then(|u| u.get(k.as_str()))
            .is_some_and(has_true);
        if bv != av || unk {
            out.push(k.clone());
        }
    }
    out
}

fn has_true(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::Array(a) => a.iter().any(has_true),
        Value::Object(m) => m.values().any(has_true),
        _ => false,
    }
}

fn list_code(items: &[String], max: usize) -> String {
    let shown: Vec<String> = items.iter().take(max).map(|i| md::code(i)).collect();
    let mut out = match shown.len() {
        0 => String::new(),
        1 => shown[0].clone(),
        n => format!("{} and {}", shown[..n - 1].join(", "), shown[n - 1]),
    };
    if items.len() > max {
        out = format!("{}, and {} more", shown.join(", "), items.len() - max);
    }
    out
}

/// Why this action: one line of markdown starting with the verb.
fn reason(plan: &Value, rc: &Value, action: Action, drifted: bool) -> String {
    let ar = s(rc, "action_reason");
    let change = &rc["change"];
    let verb = action.verb();
    let why = match action {
        Action::Replace => match ar.as_str() {
            "replace_because_tainted" => {
                "tainted (an earlier apply did not finish creating it)".to_string()
            }
            "replace_by_request" => "requested with `-replace`".to_string(),
            _ => {
                let paths: Vec<String> = arr(change, "replace_paths")
                    .iter()
                    .map(|p| diff::path_string(&diff::parse_path(p)))
                    .filter(|p| !p.is_empty())
                    .collect();
                match paths.len() {
                    0 => "the provider cannot update it in place".to_string(),
                    1 => format!("{} forces replacement", list_code(&paths, 5)),
                    _ => format!("{} force replacement", list_code(&paths, 5)),
                }
            }
        },
        Action::Delete => {
            if rc.get("deposed").and_then(Value::as_str).is_some() {
                "deposed object left by an earlier create-before-destroy replacement".to_string()
            } else {
                match ar.as_str() {
                    "delete_because_no_resource_config" => "no longer in configuration".to_string(),
                    "delete_because_no_module" => {
                        "its module is no longer in configuration".to_string()
                    }
                    "delete_because_wrong_repetition" => {
                        "the resource changed between `count`, `for_each` and neither".to_string()
                    }
                    "delete_because_count_index" => "index no longer within `count`".to_string(),
                    "delete_because_each_key" => "key no longer in `for_each`".to_string(),
                    _ => match in_configuration(
                        plan,
                        &s(rc, "module_address"),
                        &s(rc, "mode"),
                        &s(rc, "type"),
                        &s(rc, "name"),
                    ) {
                        Some(true) => "destroy requested".to_string(),
                        _ => "no longer in configuration".to_string(),
                    },
                }
            }
        }
        Action::Create => "not in state yet".to_string(),
        Action::Update => {
            let attrs = changed_attrs(change);
            let what = if attrs.is_empty() {
                "attributes change".to_string()
            } else if attrs.len() == 1 {
                format!("{} changes", list_code(&attrs, 4))
            } else {
                format!("{} change", list_code(&attrs, 4))
            };
            if drifted {
                format!("drift (changed outside girder); {what} back to the configuration")
            } else {
                what
            }
        }
        Action::Read => match ar.as_str() {
            "read_because_dependency_pending" => {
                "depends on a resource with pending changes".to_string()
            }
            _ => "configuration depends on values known only after apply".to_string(),
        },
        Action::NoOp => "no changes".to_string(),
    };
    format!("{verb}: {why}")
}

fn sym_of(c: &Change<'_>) -> Sym {
    match c.action {
        Action::Create => Sym::Create,
        Action::Update => Sym::Update,
        Action::Delete => Sym::Delete,
        Action::Read => Sym::Read,
        Action::Replace if c.create_first => Sym::CreateDelete,
        Action::Replace => Sym::DeleteCreate,
        Action::NoOp => Sym::None,
    }
}

/// Terraform's comment line above a resource diff.
fn header_comment(c: &Change<'_>) -> Vec<String> {
    let addr = &c.address;
    let ar = s(c.rc, "action_reason");
    match c.action {
        Action::Create => vec![format!("# {addr} will be created")],
        Action::Read => vec![
            format!("# {addr} will be read during apply"),
            "# (config refers to values not yet known)".to_string(),
        ],
        Action::Update => vec![format!("# {addr} will be updated in-place")],
        Action::Replace => match ar.as_str() {
            "replace_because_tainted" => vec![format!("# {addr} is tainted, so must be replaced")],
            "replace_by_request" => vec![format!("# {addr} will be replaced, as requested")],
            _ => vec![format!("# {addr} must be replaced")],
        },
        Action::Delete => match &c.deposed {
            Some(d) => vec![format!("# {addr} (deposed object {d}) will be destroyed")],
            None => vec![format!("# {addr} will be destroyed")],
        },
        Action::NoOp => vec![],
    }
}

/// The diff lines of one resource change, in Terraform's style.
fn resource_diff(c: &Change<'_>) -> Vec<String> {
    let ch = &c.rc["change"];
    let mut r = Renderer::new();
    let keyword = if c.mode == "data" { "data" } else { "resource" };
    r.push(
        sym_of(c),
        0,
        None,
        format!(
            "{keyword} {} {} {{",
            diff::quote(&c.type_),
            diff::quote(&c.name)
        ),
    );
    let marks = Marks {
        unknown: ch.get("after_unknown"),
        before_sensitive: ch.get("before_sensitive"),
        after_sensitive: ch.get("after_sensitive"),
    };
    let replace_paths: Vec<Vec<Step>> = arr(ch, "replace_paths")
        .iter()
        .map(diff::parse_path)
        .collect();
    let (before, after) = match c.action {
        Action::Create | Action::Read => (None, ch.get("after")),
        Action::Delete => (ch.get("before"), None),
        _ => (ch.get("before"), ch.get("after")),
    };
    let marks = match c.action {
        Action::Delete => Marks {
            unknown: None,
            ..marks
        },
        _ => marks,
    };
    r.body(before, after, marks, 1, &mut Vec::new(), &replace_paths);
    r.push(Sym::None, 0, None, "}".to_string());
    let mut lines = header_comment(c);
    lines.extend(r.finish());
    lines
}

/// A resource's collapsible section, possibly cut to `limit` bytes.
struct Section {
    address: String,
    text: String,
}

fn section(c: &Change<'_>, limit: usize) -> Section {
    let summary = format!(
        "<details><summary><code>{}</code> {}</summary>\n\n",
        md::html(&c.address),
        md::inline_md_to_html(&c.reason)
    );
    let lines = resource_diff(c);
    let body = lines.join("\n");
    let (open, close) = md::fence("diff", &body);
    let tail = "\n</details>\n\n";
    let full_len = summary.len() + open.len() + body.len() + 1 + close.len() + tail.len();
    if full_len <= limit {
        return Section {
            address: c.address.clone(),
            text: format!("{summary}{open}{body}\n{close}{tail}"),
        };
    }
    // Too big for one part: keep the lines that fit, then say how many were left out.
    let note_reserve = 200;
    let budget =
        limit.saturating_sub(summary.len() + open.len() + close.len() + tail.len() + note_reserve);
    let mut kept = String::new();
    let mut n_kept = 0;
    for l in &lines {
        if kept.len() + l.len() + 1 > budget {
            if n_kept == 0 {
                // Even the first line is too long: keep a prefix of it.
                kept.push_str(md::cut(l, budget.saturating_sub(1)));
                kept.push('\n');
            }
            break;
        }
        kept.push_str(l);
        kept.push('\n');
        n_kept += 1;
    }
    let left = lines.len() - n_kept;
    let note = format!(
        "\n_This diff was cut: {left} of its {} lines were left out to stay under the {limit}-character limit. Run `girder show` on the plan for the whole diff._\n",
        lines.len()
    );
    Section {
        address: c.address.clone(),
        text: format!("{summary}{open}{kept}{close}{note}{tail}"),
    }
}

fn outputs_section(plan: &Value) -> Option<String> {
    let m = plan.get("output_changes")?.as_object()?;
    let mut r = Renderer::new();
    let group = r.new_group();
    let mut any = false;
    let mut names: Vec<&String> = m.keys().collect();
    names.sort();
    for name in names {
        let oc = &m[name];
        let action = Action::from_actions(&oc["actions"]);
        let (create, delete) = match action {
            Action::NoOp => continue,
            Action::Create => (true, false),
            Action::Delete => (false, true),
            _ => (false, false),
        };
        any = true;
        let marks = Marks {
            unknown: oc.get("after_unknown"),
            before_sensitive: oc.get("before_sensitive"),
            after_sensitive: oc.get("after_sensitive"),
        };
        let (b, a) = match action {
            Action::Create => (None, oc.get("after")),
            Action::Delete => (oc.get("before"), None),
            _ => (oc.get("before"), oc.get("after")),
        };
        diff::output_change(&mut r, group, name, b, a, marks, create, delete);
    }
    if !any {
        return None;
    }
    let body = r.finish().join("\n");
    let (open, close) = md::fence("diff", &body);
    Some(format!("### Changes to outputs\n\n{open}{body}\n{close}\n"))
}

/// The objects the plan's refresh found changed outside girder (`resource_drift`), listed by
/// address: the diffs below already account for them.
fn drift_block(plan: &Value) -> Option<String> {
    let drift = arr(plan, "resource_drift");
    if drift.is_empty() {
        return None;
    }
    const SHOWN: usize = 50;
    let mut s = format!(
        "### Changed outside girder ({})\n\nThe refresh found these objects changed outside girder since the last apply; the changes below take that into account.\n\n",
        drift.len()
    );
    for d in drift.iter().take(SHOWN) {
        let what = match Action::from_actions(&d["change"]["actions"]) {
            Action::Delete => "deleted",
            _ => "changed",
        };
        s.push_str(&format!("- {} {what}\n", md::code(&self::s(d, "address"))));
    }
    if drift.len() > SHOWN {
        s.push_str(&format!("- and {} more\n", drift.len() - SHOWN));
    }
    s.push('\n');
    Some(s)
}

/// One line: Terraform's plan summary (`Plan: 1 to add, 2 to change, 0 to destroy.`), or
/// `No changes. Your infrastructure matches the configuration.`; replaces, data reads and output
/// changes, when there are any, follow in the same line (`... 1 replaced; 2 output changes.`).
pub fn render_text_summary(plan_json: &Value) -> String {
    let c = counts(plan_json);
    let mut line = if c.no_resource_changes() {
        if c.outputs == 0 && c.read == 0 {
            return "No changes. Your infrastructure matches the configuration.".to_string();
        }
        "No resource changes.".to_string()
    } else {
        format!(
            "Plan: {} to add, {} to change, {} to destroy.",
            c.to_add(),
            c.to_change(),
            c.to_destroy()
        )
    };
    let mut extra = Vec::new();
    if c.replace > 0 {
        extra.push(format!("{} replaced", c.replace));
    }
    if c.read > 0 {
        extra.push(format!(
            "{} data source{} read during apply",
            c.read,
            plural(c.read)
        ));
    }
    if c.outputs > 0 {
        extra.push(format!("{} output change{}", c.outputs, plural(c.outputs)));
    }
    if !extra.is_empty() {
        line.push_str(&format!(" {}.", extra.join("; ")));
    }
    line
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn read_changes(plan: &Value) -> Vec<Change<'_>> {
    let drifted: std::collections::HashSet<String> = arr(plan, "resource_drift")
        .iter()
        .map(|d| s(d, "address"))
        .collect();
    arr(plan, "resource_changes")
        .iter()
        .filter_map(|rc| {
            let actions = &rc["change"]["actions"];
            let action = Action::from_actions(actions);
            if action == Action::NoOp {
                return None;
            }
            let create_first = actions
                .as_array()
                .and_then(|a| a.first())
                .and_then(Value::as_str)
                == Some("create");
            let address = s(rc, "address");
            let reason = reason(plan, rc, action, drifted.contains(&address));
            Some(Change {
                module: s(rc, "module_address"),
                mode: s(rc, "mode"),
                type_: s(rc, "type"),
                name: s(rc, "name"),
                deposed: rc
                    .get("deposed")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                action,
                create_first,
                reason,
                address,
                rc,
            })
        })
        .collect()
}

/// The summary table and its heading text.
fn summary_block(c: &Counts) -> String {
    let mut t = String::new();
    t.push_str("| Action | Resources |\n| --- | ---: |\n");
    for (label, n) in [
        ("Create", c.create),
        ("Update in place", c.update),
        ("Replace (destroy and create)", c.replace),
        ("Destroy", c.delete),
        ("Read (data sources)", c.read),
    ] {
        t.push_str(&format!("| {label} | {n} |\n"));
    }
    if c.outputs > 0 {
        t.push_str(&format!(
            "\n{} output value{} will change.\n",
            c.outputs,
            plural(c.outputs)
        ));
    }
    t.push('\n');
    t
}

fn title_counts(c: &Counts) -> String {
    if c.no_resource_changes() {
        "no resource changes".to_string()
    } else {
        format!(
            "{} to add, {} to change, {} to destroy",
            c.to_add(),
            c.to_change(),
            c.to_destroy()
        )
    }
}

/// A piece of the document, in order: headings stick to the sections after them.
enum Piece {
    /// A group heading (`### Module ...`); repeated with "(continued)" at the top of a new part.
    Heading(String),
    /// A free block (the warning line, outputs).
    Block(String),
    /// A resource section.
    Resource(Section),
}

/// Renders the plan as one or more markdown documents, each at most `opts.max_chars` bytes.
///
/// With [`SplitMode::Parts`] the first document carries the title, the counts and the first
/// sections; each further one is titled `Plan (part N/M)`. With [`SplitMode::Truncate`] there is
/// exactly one document, ending with a note naming the resources left out (if any).
///
/// Never fails: anything missing from the plan reads as empty (see [`check_plan`]).
pub fn render_markdown(plan_json: &Value, opts: &MarkdownOptions) -> Vec<String> {
    let max = opts.max_chars.max(MIN_MAX_CHARS);
    let counts = counts(plan_json);
    let changes = read_changes(plan_json);
    let title = if opts.title.is_empty() {
        "Plan"
    } else {
        &opts.title
    };
    // Room for a part title and a "continued" footer.
    let head_reserve = format!(
        "## {title} (part 99999/99999): {}\n\n",
        title_counts(&counts)
    )
    .len()
        + "\n_Continued in part 99999/99999._\n".len()
        + 64;
    let section_limit = (max - head_reserve.min(max / 2))
        .saturating_sub(512)
        .max(256);

    let mut pieces = Vec::new();
    if let Some(d) = drift_block(plan_json) {
        pieces.push(Piece::Block(d));
    }
    let (danger, rest): (Vec<&Change<'_>>, Vec<&Change<'_>>) = changes
        .iter()
        .partition(|c| matches!(c.action, Action::Delete | Action::Replace));
    if !danger.is_empty() {
        let deletes = danger.iter().filter(|c| c.action == Action::Delete).count();
        let replaces = danger.len() - deletes;
        let mut what = Vec::new();
        if deletes > 0 {
            what.push(format!("destroys {deletes} resource{}", plural(deletes)));
        }
        if replaces > 0 {
            what.push(format!("replaces {replaces} resource{}", plural(replaces)));
        }
        pieces.push(Piece::Heading(format!(
            "### :warning: Destroyed or replaced ({})\n\n",
            danger.len()
        )));
        pieces.push(Piece::Block(format!(
            "> **Warning:** this plan {}. Check each one below before applying.\n\n",
            what.join(" and ")
        )));
        for c in &danger {
            pieces.push(Piece::Resource(section(c, section_limit)));
        }
    }
    // Group the rest by module: root first, then modules in address order.
    let mut modules: Vec<&str> = rest.iter().map(|c| c.module.as_str()).collect();
    modules.sort();
    modules.dedup();
    for m in modules {
        let in_module: Vec<&&Change<'_>> = rest.iter().filter(|c| c.module == m).collect();
        let heading = if m.is_empty() {
            format!("### Root module ({})\n\n", in_module.len())
        } else {
            format!("### Module {} ({})\n\n", md::code(m), in_module.len())
        };
        pieces.push(Piece::Heading(heading));
        for c in in_module {
            pieces.push(Piece::Resource(section(c, section_limit)));
        }
    }
    if let Some(o) = outputs_section(plan_json) {
        pieces.push(Piece::Block(o));
    }
    if changes.is_empty() && counts.outputs == 0 {
        pieces.push(Piece::Block(
            "No changes. Your infrastructure matches the configuration.\n".to_string(),
        ));
    }
    // A free block (outputs, the drift list) bigger than a part is cut like a section.
    let pieces: Vec<Piece> = pieces
        .into_iter()
        .map(|p| match p {
            Piece::Block(b) if b.len() > section_limit => Piece::Block(md::cut_block(
                &b,
                section_limit,
                "Run `girder show` on the plan for all of them.",
            )),
            p => p,
        })
        .collect();
    let summary = summary_block(&counts);
    match opts.split {
        SplitMode::Parts => pack_parts(title, &counts, &summary, pieces, max, head_reserve),
        SplitMode::Truncate => vec![pack_truncated(title, &counts, &summary, pieces, max)],
    }
}

fn pack_parts(
    title: &str,
    counts: &Counts,
    summary: &str,
    pieces: Vec<Piece>,
    max: usize,
    head_reserve: usize,
) -> Vec<String> {
    let budget = max.saturating_sub(head_reserve);
    let mut bodies: Vec<String> = vec![summary.to_string()];
    let mut heading: Option<String> = None;
    // Whether the current heading has been written in the current part.
    let mut heading_here = false;
    for p in pieces {
        match p {
            Piece::Heading(h) => {
                heading = Some(h);
                heading_here = false;
            }
            Piece::Block(b) | Piece::Resource(Section { text: b, .. }) => {
                let cur = bodies.last_mut().unwrap_or_else(|| unreachable!());
                let head = if heading_here { None } else { heading.clone() };
                let need = head.as_ref().map_or(0, String::len) + b.len();
                if cur.len() + need <= budget || cur.is_empty() {
                    if let Some(h) = head {
                        cur.push_str(&h);
                        heading_here = true;
                    }
                    cur.push_str(&b);
                } else {
                    let mut next = String::new();
                    if let Some(h) = &heading {
                        if heading_here {
                            next.push_str(&continued(h));
                        } else {
                            next.push_str(h);
                        }
                        heading_here = true;
                    }
                    next.push_str(&b);
                    bodies.push(next);
                }
            }
        }
    }
    let n = bodies.len();
    bodies
        .into_iter()
        .enumerate()
        .map(|(i, body)| {
            let mut doc = if n == 1 {
                format!("## {title}: {}\n\n", title_counts(counts))
            } else if i == 0 {
                format!("## {title} (part 1/{n}): {}\n\n", title_counts(counts))
            } else {
                format!("## {title} (part {}/{n})\n\n", i + 1)
            };
            doc.push_str(&body);
            if i + 1 < n {
                doc.push_str(&format!("\n_Continued in part {}/{n}._\n", i + 2));
            }
            doc
        })
        .collect()
}

fn continued(h: &str) -> String {
    let t = h.trim_end();
    format!("{t} (continued)\n\n")
}

fn pack_truncated(
    title: &str,
    counts: &Counts,
    summary: &str,
    pieces: Vec<Piece>,
    max: usize,
) -> String {
    let mut doc = format!("## {title}: {}\n\n{summary}", title_counts(counts));
    // Everything fits: no note needed.
    let total: usize = doc.len()
        + pieces
            .iter()
            .map(|p| match p {
                Piece::Heading(h) | Piece::Block(h) => h.len(),
                Piece::Resource(s) => s.text.len(),
            })
            .sum::<usize>();
    let note_cap = (max / 8).clamp(600, 8_000);
    let budget = if total <= max {
        max
    } else {
        max.saturating_sub(note_cap)
    };
    let mut pending_heading: Option<String> = None;
    let mut left_out: Vec<String> = Vec::new();
    let mut blocks_left_out = 0usize;
    let mut full = false;
    for p in pieces {
        match p {
            Piece::Heading(h) => pending_heading = Some(h),
            Piece::Block(b) => {
                let need = pending_heading.as_ref().map_or(0, String::len) + b.len();
                if !full && doc.len() + need <= budget {
                    if let Some(h) = pending_heading.take() {
                        doc.push_str(&h);
                    }
                    doc.push_str(&b);
                } else {
                    blocks_left_out += 1;
                }
            }
            Piece::Resource(s) => {
                let need = pending_heading.as_ref().map_or(0, String::len) + s.text.len();
                if !full && doc.len() + need <= budget {
                    if let Some(h) = pending_heading.take() {
                        doc.push_str(&h);
                    }
                    doc.push_str(&s.text);
                } else {
                    // Keep order: once one section is left out, the rest are too, so the note
                    // describes a suffix of the plan.
                    full = true;
                    left_out.push(s.address);
                }
            }
        }
    }
    if !left_out.is_empty() || blocks_left_out > 0 {
        let mut note = String::from("\n---\n\n");
        if !left_out.is_empty() {
            note.push_str(&format!(
                "**{} resource change{} left out** to stay under the {max}-character limit: ",
                left_out.len(),
                if left_out.len() == 1 {
                    " was"
                } else {
                    "s were"
                }
            ));
            let mut listed = 0;
            for a in &left_out {
                let item = md::code(a);
                if note.len() + item.len() + 80 > note_cap {
                    break;
                }
                if listed > 0 {
                    note.push_str(", ");
                }
                note.push_str(&item);
                listed += 1;
            }
            if listed < left_out.len() {
                note.push_str(&format!(" and {} more", left_out.len() - listed));
            }
            note.push_str(".\n");
        }
        if blocks_left_out > 0 {
            note.push_str("The output changes (or the list of objects changed outside girder) were left out too.\n");
        }
        note.push_str("Run `girder show` on the plan file for the whole plan.\n");
        doc.push_str(&note);
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_names_skip_keys() {
        assert_eq!(
            module_names(r#"module.a["x.y]"].module.b[0]"#),
            vec!["a".to_string(), "b".to_string()]
        );
        assert!(module_names("").is_empty());
    }

    #[test]
    fn actions_read() {
        assert_eq!(
            Action::from_actions(&serde_json::json!(["create", "delete"])),
            Action::Replace
        );
        assert_eq!(
            Action::from_actions(&serde_json::json!(["no-op"])),
            Action::NoOp
        );
        assert_eq!(Action::from_actions(&serde_json::json!(null)), Action::NoOp);
    }
}
