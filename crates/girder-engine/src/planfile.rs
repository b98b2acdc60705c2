//! Saved plans (`girder plan -out=FILE`, `girder apply FILE`).
//!
//! The file is JSON: `{"girder_plan":1, "config_hash", "lineage", "serial", "mode", "targets",
//! "variables", "changes", "drift", "outputs", "prior_state"}` with values in the lossless
//! encoding of [`crate::codec::encode_value`] (unknowns, types and sensitive marks kept) and
//! the prior state in state format v4. Applying checks the stored state's lineage and serial
//! against the plan's and refuses a stale plan.

use crate::codec::{decode_value, encode_value, path_from_json, path_to_json};
use crate::model::*;
use crate::plan::{Plan, PlanMode};
use base64::Engine as _;
use girder_core::addr::AbsResourceInstance;
use girder_core::{Diagnostic, Value};
use girder_state::model::State;
use serde_json::{json, Map, Value as J};
use sha2::{Digest, Sha256};

/// The format version written.
pub const FORMAT: u64 = 1;

/// A hash of configuration files (name and content, in the given order), to record which
/// configuration a saved plan was made from.
pub fn config_hash<'a>(files: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> String {
    let mut h = Sha256::new();
    for (name, bytes) in files {
        h.update((name.len() as u64).to_le_bytes());
        h.update(name.as_bytes());
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Refuses to apply a plan made against another state than `stored`.
pub fn check_fresh(plan: &Plan, stored: &State) -> Result<(), Diagnostic> {
    if stored.lineage != plan.prior_state.lineage {
        return Err(Diagnostic::error(
            "Saved plan does not match the given state",
            "The given plan file can not be applied because it was created from a different \
             state lineage.",
        )
        .with_help("Create a new plan against this state with girder plan -out=FILE."));
    }
    if stored.serial != plan.prior_state.serial {
        return Err(Diagnostic::error(
            "Saved plan is stale",
            format!(
                "The given plan file can no longer be applied because the state was changed by \
                 another operation after the plan was created (state serial {} when planned, {} \
                 now).",
                plan.prior_state.serial, stored.serial
            ),
        )
        .with_help("Run girder plan again and apply the new plan."));
    }
    Ok(())
}

fn action_str(a: Action) -> &'static str {
    match a {
        Action::NoOp => "no-op",
        Action::Create => "create",
        Action::Read => "read",
        Action::Update => "update",
        Action::DeleteThenCreate => "delete-create",
        Action::CreateThenDelete => "create-delete",
        Action::Delete => "delete",
        Action::Forget => "forget",
    }
}

fn action_from(s: &str) -> Result<Action, String> {
    Ok(match s {
        "no-op" => Action::NoOp,
        "create" => Action::Create,
        "read" => Action::Read,
        "update" => Action::Update,
        "delete-create" => Action::DeleteThenCreate,
        "create-delete" => Action::CreateThenDelete,
        "delete" => Action::Delete,
        "forget" => Action::Forget,
        o => return Err(format!("unknown action {o:?}")),
    })
}

fn reason_json(r: &Option<Reason>) -> J {
    let Some(r) = r else { return J::Null };
    let (k, paths) = match r {
        Reason::ReplaceBecauseCannotUpdate(p) => ("replace_because_cannot_update", Some(p)),
        Reason::ReplaceBecauseTainted => ("replace_because_tainted", None),
        Reason::ReplaceByRequest => ("replace_by_request", None),
        Reason::DeleteBecauseNoResourceConfig => ("delete_because_no_resource_config", None),
        Reason::DeleteBecauseCountIndex => ("delete_because_count_index", None),
        Reason::DeleteBecauseEachKey => ("delete_because_each_key", None),
        Reason::DeleteBecauseWrongRepetition => ("delete_because_wrong_repetition", None),
        Reason::DeleteBecauseDestroy => ("delete_because_destroy", None),
        Reason::CreateBecauseGone => ("create_because_gone", None),
        Reason::ReadBecauseConfigUnknown => ("read_because_config_unknown", None),
        Reason::ReadBecauseDependencyPending => ("read_because_dependency_pending", None),
        Reason::ReplaceByTriggers => ("replace_by_triggers", None),
        Reason::BecauseRemovedBlock => ("because_removed_block", None),
    };
    match paths {
        Some(p) => json!({"kind": k, "paths": p.iter().map(path_to_json).collect::<Vec<_>>()}),
        None => json!({"kind": k}),
    }
}

fn reason_from(j: &J) -> Result<Option<Reason>, String> {
    if j.is_null() {
        return Ok(None);
    }
    let k = j
        .get("kind")
        .and_then(J::as_str)
        .ok_or("reason without kind")?;
    Ok(Some(match k {
        "replace_because_cannot_update" => Reason::ReplaceBecauseCannotUpdate(
            j.get("paths")
                .and_then(J::as_array)
                .map(|a| a.iter().filter_map(path_from_json).collect())
                .unwrap_or_default(),
        ),
        "replace_because_tainted" => Reason::ReplaceBecauseTainted,
        "replace_by_request" => Reason::ReplaceByRequest,
        "delete_because_no_resource_config" => Reason::DeleteBecauseNoResourceConfig,
        "delete_because_count_index" => Reason::DeleteBecauseCountIndex,
        "delete_because_each_key" => Reason::DeleteBecauseEachKey,
        "delete_because_wrong_repetition" => Reason::DeleteBecauseWrongRepetition,
        "delete_because_destroy" => Reason::DeleteBecauseDestroy,
        "create_because_gone" => Reason::CreateBecauseGone,
        "read_because_config_unknown" => Reason::ReadBecauseConfigUnknown,
        "read_because_dependency_pending" => Reason::ReadBecauseDependencyPending,
        "replace_by_triggers" => Reason::ReplaceByTriggers,
        "because_removed_block" => Reason::BecauseRemovedBlock,
        o => return Err(format!("unknown reason {o:?}")),
    }))
}

fn provider_json(p: &ProviderRef) -> J {
    json!({"name": p.name, "addr": p.addr})
}

fn provider_from(j: &J) -> ProviderRef {
    ProviderRef {
        name: j.get("name").and_then(J::as_str).unwrap_or("").into(),
        addr: j.get("addr").and_then(J::as_str).unwrap_or("").into(),
    }
}

fn addrs_json(a: &[AbsResourceInstance]) -> J {
    J::Array(a.iter().map(|x| J::String(x.to_string())).collect())
}

/// Serialises a plan.
pub fn save(plan: &Plan) -> Vec<u8> {
    let changes: Vec<J> = plan
        .changes
        .iter()
        .map(|c| {
            json!({
                "addr": c.addr.to_string(),
                "deposed": c.deposed,
                "provider": provider_json(&c.provider),
                "action": action_str(c.action),
                "reason": reason_json(&c.reason),
                "before": encode_value(&c.before),
                "after": encode_value(&c.after),
                "config": encode_value(&c.config),
                "private": base64::engine::general_purpose::STANDARD.encode(&c.private),
                "depends_on": addrs_json(&c.depends_on),
                "prior_dependencies": c.prior_dependencies,
                "create_before_destroy": c.create_before_destroy,
                "moved_from": c.moved_from.as_ref().map(ToString::to_string),
                "importing": c.importing,
            })
        })
        .collect();
    let drift: Vec<J> = plan
        .drift
        .iter()
        .map(|d| {
            json!({
                "addr": d.addr.to_string(),
                "provider": provider_json(&d.provider),
                "before": encode_value(&d.before),
                "after": encode_value(&d.after),
            })
        })
        .collect();
    let outputs: Vec<J> = plan
        .outputs
        .iter()
        .map(|o| {
            json!({
                "name": o.name,
                "action": action_str(o.action),
                "before": encode_value(&o.before),
                "after": encode_value(&o.after),
                "sensitive": o.sensitive,
            })
        })
        .collect();
    let vars: Map<String, J> = plan
        .variables
        .iter()
        .map(|(k, v)| (k.clone(), encode_value(v)))
        .collect();
    let state_text =
        String::from_utf8(girder_state::format::to_bytes(&plan.prior_state)).unwrap_or_default();
    let doc = json!({
        "girder_plan": FORMAT,
        "config_hash": plan.config_hash,
        "lineage": plan.prior_state.lineage,
        "serial": plan.prior_state.serial,
        "mode": match plan.mode {
            PlanMode::Normal => "normal",
            PlanMode::Destroy => "destroy",
            PlanMode::RefreshOnly => "refresh-only",
        },
        "moves": plan.moves.iter().map(|(a, b)| json!([a.to_string(), b.to_string()])).collect::<Vec<_>>(),
        "check_data": plan.check_data.iter().map(|(a, v)| json!([a.to_string(), encode_value(v)])).collect::<Vec<_>>(),
        "targets": plan.targets,
        "variables": vars,
        "changes": changes,
        "drift": drift,
        "outputs": outputs,
        "prior_state": state_text,
    });
    let mut out = serde_json::to_vec(&doc).unwrap_or_default();
    out.push(b'\n');
    out
}

/// Reads a saved plan. `location` names the file in messages.
pub fn load(bytes: &[u8], location: &str) -> Result<Plan, Diagnostic> {
    let bad = |e: String| {
        Diagnostic::error(
            "Failed to load the plan file",
            format!("{location} is not a girder plan file: {e}."),
        )
        .with_help("Create one with girder plan -out=FILE.")
    };
    let doc: J = serde_json::from_slice(bytes).map_err(|e| bad(e.to_string()))?;
    match doc.get("girder_plan").and_then(J::as_u64) {
        Some(FORMAT) => {}
        Some(v) => return Err(bad(format!("format version {v} is not supported"))),
        None => return Err(bad("the format marker is missing".into())),
    }
    let s = |j: &J, k: &str| j.get(k).and_then(J::as_str).unwrap_or("").to_string();
    let val = |j: &J, k: &str| decode_value(j.get(k).unwrap_or(&J::Null)).map_err(&bad);
    let addr = |t: String| AbsResourceInstance::parse(&t).map_err(&bad);
    let addrs = |j: &J, k: &str| -> Result<Vec<AbsResourceInstance>, Diagnostic> {
        j.get(k)
            .and_then(J::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(J::as_str)
                    .map(|x| addr(x.to_string()))
                    .collect()
            })
            .unwrap_or(Ok(Vec::new()))
    };
    let state_text = s(&doc, "prior_state");
    let prior_state = girder_state::format::parse(state_text.as_bytes(), location)
        .map_err(|e| bad(e.to_string()))?;
    let mut changes = Vec::new();
    for c in doc
        .get("changes")
        .and_then(J::as_array)
        .into_iter()
        .flatten()
    {
        changes.push(ResourceChange {
            addr: addr(s(c, "addr"))?,
            deposed: c.get("deposed").and_then(J::as_str).map(str::to_string),
            provider: provider_from(c.get("provider").unwrap_or(&J::Null)),
            action: action_from(&s(c, "action")).map_err(&bad)?,
            reason: reason_from(c.get("reason").unwrap_or(&J::Null)).map_err(&bad)?,
            before: val(c, "before")?,
            after: val(c, "after")?,
            config: val(c, "config")?,
            private: base64::engine::general_purpose::STANDARD
                .decode(s(c, "private"))
                .map_err(|e| bad(e.to_string()))?,
            depends_on: addrs(c, "depends_on")?,
            prior_dependencies: c
                .get("prior_dependencies")
                .and_then(J::as_array)
                .map(|a| a.iter().filter_map(J::as_str).map(str::to_string).collect())
                .unwrap_or_default(),
            create_before_destroy: c
                .get("create_before_destroy")
                .and_then(J::as_bool)
                .unwrap_or(false),
            moved_from: match c.get("moved_from").and_then(J::as_str) {
                Some(a) => Some(Box::new(addr(a.to_string())?)),
                None => None,
            },
            importing: c.get("importing").and_then(J::as_str).map(str::to_string),
        });
    }
    let mut moves = Vec::new();
    for m in doc.get("moves").and_then(J::as_array).into_iter().flatten() {
        let pair = m.as_array().map(Vec::as_slice).unwrap_or(&[]);
        match pair {
            [J::String(a), J::String(b)] => moves.push((addr(a.clone())?, addr(b.clone())?)),
            _ => return Err(bad("a move is not a pair of addresses".into())),
        }
    }
    let mut drift = Vec::new();
    for d in doc.get("drift").and_then(J::as_array).into_iter().flatten() {
        drift.push(Drift {
            addr: addr(s(d, "addr"))?,
            provider: provider_from(d.get("provider").unwrap_or(&J::Null)),
            before: val(d, "before")?,
            after: val(d, "after")?,
        });
    }
    let mut outputs = Vec::new();
    for o in doc
        .get("outputs")
        .and_then(J::as_array)
        .into_iter()
        .flatten()
    {
        outputs.push(OutputChange {
            name: s(o, "name"),
            action: action_from(&s(o, "action")).map_err(&bad)?,
            before: val(o, "before")?,
            after: val(o, "after")?,
            sensitive: o.get("sensitive").and_then(J::as_bool).unwrap_or(false),
        });
    }
    let mut check_data = Vec::new();
    for m in doc
        .get("check_data")
        .and_then(J::as_array)
        .into_iter()
        .flatten()
    {
        match m.as_array().map(Vec::as_slice) {
            Some([J::String(a), v]) => {
                check_data.push((addr(a.clone())?, decode_value(v).map_err(&bad)?))
            }
            _ => return Err(bad("a check_data entry is not [address, value]".into())),
        }
    }
    let mut variables = std::collections::BTreeMap::new();
    if let Some(vs) = doc.get("variables").and_then(J::as_object) {
        for (k, v) in vs {
            variables.insert(k.clone(), decode_value(v).map_err(&bad)?);
        }
    }
    Ok(Plan {
        changes,
        drift,
        outputs,
        prior_state: prior_state.into(),
        mode: match s(&doc, "mode").as_str() {
            "destroy" => PlanMode::Destroy,
            "refresh-only" => PlanMode::RefreshOnly,
            _ => PlanMode::Normal,
        },
        targets: doc
            .get("targets")
            .and_then(J::as_array)
            .map(|a| a.iter().filter_map(J::as_str).map(str::to_string).collect())
            .unwrap_or_default(),
        variables,
        config_hash: s(&doc, "config_hash"),
        moves,
        check_data,
    })
}

/// A variable value as the plan file keeps it (for callers comparing `-var` values).
pub fn variable_json(v: &Value) -> J {
    encode_value(v)
}
