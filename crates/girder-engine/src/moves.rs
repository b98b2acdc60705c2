//! `moved` blocks: renames in state, resolved before planning so that a renamed object is
//! planned at its new address (and not destroyed and re-created). Chains (`a` → `b`, `b` →
//! `c`) follow through; module calls move with everything in them; count / for_each keys
//! move with the instance or change (`a[0]` → `a["x"]`).

use crate::model::{MoveEndpoint, MoveStmt};
use girder_core::addr::{
    AbsResource, AbsResourceInstance, InstanceKey, ModuleInstance, ModuleStep,
};
use girder_core::{Diagnostic, Diagnostics};
use std::collections::{HashMap, HashSet};

/// Parses a `moved` / `removed` endpoint as written (`module.a["x"].fake_thing.b[0]`,
/// `module.a`, `fake_thing.b`).
pub fn parse_endpoint(text: &str) -> Result<MoveEndpoint, String> {
    let text = text.trim();
    let module_only = |m: ModuleInstance| MoveEndpoint {
        module: m.0.into_iter().map(|s| (s.name, s.key)).collect(),
        resource: None,
    };
    match AbsResourceInstance::parse(text) {
        Ok(i) => Ok(MoveEndpoint {
            module: i
                .resource
                .module
                .0
                .into_iter()
                .map(|s| (s.name, s.key))
                .collect(),
            resource: Some((i.resource.resource, i.key)),
        }),
        Err(e) => {
            if text.starts_with("module.") {
                if let Ok(i) = AbsResourceInstance::parse(&format!("{text}.x.y")) {
                    return Ok(module_only(i.resource.module));
                }
            }
            Err(e)
        }
    }
}

fn module_of(steps: &[(String, Option<InstanceKey>)]) -> ModuleInstance {
    ModuleInstance(
        steps
            .iter()
            .map(|(n, k)| ModuleStep {
                name: n.clone(),
                key: k.clone(),
            })
            .collect(),
    )
}

/// New key for an instance whose key is `have`, moving from key spec `from` to `to`
/// (`None` = not written). `None` when the statement does not apply.
fn move_key(
    have: &Option<InstanceKey>,
    from: &Option<InstanceKey>,
    to: &Option<InstanceKey>,
) -> Option<Option<InstanceKey>> {
    match (from, to) {
        (None, None) => Some(have.clone()),
        (Some(f), t) => (have.as_ref() == Some(f)).then(|| t.clone()),
        (None, Some(t)) => have.is_none().then(|| Some(t.clone())),
    }
}

/// Where statement `s` moves `a` (`None`: it does not apply to `a`).
pub fn apply_stmt(s: &MoveStmt, a: &AbsResourceInstance) -> Option<AbsResourceInstance> {
    let m = &a.resource.module.0;
    match (&s.from.resource, &s.to.resource) {
        (None, None) => {
            let k = s.from.module.len();
            if k == 0 || m.len() < k || s.to.module.is_empty() {
                return None;
            }
            if m[..k - 1]
                .iter()
                .zip(&s.from.module[..k - 1])
                .any(|(have, (n, key))| &have.name != n || &have.key != key)
            {
                return None;
            }
            let (fname, fkey) = &s.from.module[k - 1];
            if &m[k - 1].name != fname {
                return None;
            }
            let (tname, tkey) = s.to.module.last().expect("not empty");
            let key = move_key(&m[k - 1].key, fkey, tkey)?;
            let mut steps: Vec<ModuleStep> = s.to.module[..s.to.module.len() - 1]
                .iter()
                .map(|(n, k)| ModuleStep {
                    name: n.clone(),
                    key: k.clone(),
                })
                .collect();
            steps.push(ModuleStep {
                name: tname.clone(),
                key,
            });
            steps.extend(m[k..].iter().cloned());
            Some(AbsResourceInstance {
                resource: AbsResource {
                    module: ModuleInstance(steps),
                    resource: a.resource.resource.clone(),
                },
                key: a.key.clone(),
            })
        }
        (Some((fr, fk)), Some((tr, tk))) => {
            if a.resource.module != module_of(&s.from.module) || &a.resource.resource != fr {
                return None;
            }
            let key = move_key(&a.key, fk, tk)?;
            Some(AbsResourceInstance {
                resource: AbsResource {
                    module: module_of(&s.to.module),
                    resource: tr.clone(),
                },
                key,
            })
        }
        _ => None,
    }
}

fn at(d: Diagnostic, s: &MoveStmt) -> Diagnostic {
    d.with_span_opt(s.span.clone())
}

/// Static checks of the statements: endpoints of one kind, one type, no ambiguity.
pub fn validate(stmts: &[MoveStmt], diags: &mut Diagnostics) {
    for (i, s) in stmts.iter().enumerate() {
        match (&s.from.resource, &s.to.resource) {
            (Some((fr, _)), Some((tr, _))) => {
                if fr.mode != girder_core::addr::ResourceMode::Managed
                    || tr.mode != girder_core::addr::ResourceMode::Managed
                {
                    diags.push(at(
                        Diagnostic::error(
                            "Data source address is not allowed",
                            format!(
                                "The move from {} to {} names a data source; only managed resources can move.",
                                s.from, s.to
                            ),
                        )
                        .with_help("Data sources are not kept between runs: remove this moved block."),
                        s,
                    ));
                } else if fr.type_name != tr.type_name {
                    diags.push(at(
                        Diagnostic::error(
                            "Resource type mismatch",
                            format!(
                                "This statement declares a move from {} to {}, which is a resource of a different type.",
                                s.from, s.to
                            ),
                        )
                        .with_help("A moved block can only rename a resource; use import and removed blocks to change its type."),
                        s,
                    ));
                }
            }
            (None, None) => {}
            _ => diags.push(at(
                Diagnostic::error(
                    "Incompatible move endpoints",
                    format!(
                        "The move from {} to {} mixes a module call and a resource; both ends must be modules or both resources.",
                        s.from, s.to
                    ),
                )
                .with_help("Write both addresses as module calls (module.NAME) or both as resources (TYPE.NAME)."),
                s,
            )),
        }
        for t in &stmts[..i] {
            if t.from == s.from && t.to != s.to {
                diags.push(at(
                    Diagnostic::error(
                        "Ambiguous move statements",
                        format!(
                            "A statement {}declared that {} moved to {}, but this statement instead declares that it moved to {}.",
                            t.span.as_ref().map(|sp| format!("at {sp} ")).unwrap_or_default(),
                            s.from, t.to, s.to
                        ),
                    )
                    .with_help("Each object can move to only one new address: remove one of the moved blocks."),
                    s,
                ));
            } else if t.to == s.to && t.from != s.from {
                diags.push(at(
                    Diagnostic::error(
                        "Ambiguous move statements",
                        format!(
                            "A statement {}declared that {} moved to {}, but this statement instead declares that {} moved there.",
                            t.span.as_ref().map(|sp| format!("at {sp} ")).unwrap_or_default(),
                            t.from, s.to, s.from
                        ),
                    )
                    .with_help("Only one object can move to an address: remove one of the moved blocks."),
                    s,
                ));
            }
        }
    }
}

/// Resolves the statements against the addresses in state: old address → new address.
/// `declared` are the instances the configuration declares (a moved object's old address
/// must not be one of them).
pub fn resolve(
    stmts: &[MoveStmt],
    existing: &[AbsResourceInstance],
    declared: &HashSet<AbsResourceInstance>,
    diags: &mut Diagnostics,
) -> HashMap<AbsResourceInstance, AbsResourceInstance> {
    let mut out = HashMap::new();
    if stmts.is_empty() {
        return out;
    }
    validate(stmts, diags);
    if diags.has_errors() {
        return out;
    }
    for s in stmts {
        if let Some(d) = declared.iter().filter(|d| apply_stmt(s, d).is_some()).min() {
            diags.push(at(
                Diagnostic::error(
                    "Moved object still exists",
                    format!(
                        "This statement declares a move from {}, but that object ({d}) is still declared in the configuration.",
                        s.from
                    ),
                )
                .with_help("Change the moved block's from address, or remove the old resource from the configuration."),
                s,
            ));
        }
    }
    if diags.has_errors() {
        return out;
    }
    let mut cycle_reported = false;
    let present: HashSet<&AbsResourceInstance> = existing.iter().collect();
    let mut taken: HashSet<AbsResourceInstance> = HashSet::new();
    for a in existing {
        if out.contains_key(a) {
            continue;
        }
        let mut cur = a.clone();
        let mut seen = vec![a.clone()];
        let mut cyclic = false;
        for _ in 0..=stmts.len() {
            let Some(n) = stmts.iter().find_map(|s| apply_stmt(s, &cur)) else {
                break;
            };
            if seen.contains(&n) {
                cyclic = true;
                break;
            }
            seen.push(n.clone());
            cur = n;
        }
        if cyclic {
            if !cycle_reported {
                cycle_reported = true;
                let chain: Vec<String> = seen.iter().map(ToString::to_string).collect();
                diags.push(
                    Diagnostic::error(
                        "Cyclic dependency in move statements",
                        format!(
                            "The moved blocks form a cycle: {} -> {}.",
                            chain.join(" -> "),
                            seen[0]
                        ),
                    )
                    .with_span_opt(stmts.iter().find(|s| apply_stmt(s, a).is_some()).and_then(|s| s.span.clone()))
                    .with_help("A chain of moves must end at an address that does not move on: remove one of the moved blocks."),
                );
            }
            continue;
        }
        if &cur == a {
            continue;
        }
        if (present.contains(&cur) && !existing_moves(stmts, &cur)) || taken.contains(&cur) {
            diags.push(
                Diagnostic::warning(
                    "Move destination already exists",
                    format!(
                        "{a} was not moved to {cur}: an object is already tracked at {cur}."
                    ),
                )
                .with_span_opt(
                    stmts
                        .iter()
                        .find(|s| apply_stmt(s, a).is_some())
                        .and_then(|s| s.span.clone()),
                )
                .with_help(format!(
                    "Remove the object at one of the addresses (girder state rm {cur}) or the moved block."
                )),
            );
            continue;
        }
        taken.insert(cur.clone());
        out.insert(a.clone(), cur);
    }
    out
}

fn existing_moves(stmts: &[MoveStmt], a: &AbsResourceInstance) -> bool {
    stmts.iter().any(|s| apply_stmt(s, a).is_some())
}

/// The state's objects (current and deposed) at an address, with their resource.
fn objects_at<'s>(
    state: &'s girder_state::model::State,
    a: &'s AbsResourceInstance,
) -> impl Iterator<
    Item = (
        &'s girder_state::model::ResourceState,
        &'s girder_state::model::InstanceState,
    ),
> + 's {
    state
        .resources
        .iter()
        .filter(move |r| {
            r.module == a.resource.module
                && r.mode == a.resource.resource.mode
                && r.type_name == a.resource.resource.type_name
                && r.name == a.resource.resource.name
        })
        .flat_map(move |r| {
            r.instances
                .iter()
                .filter(move |i| i.index_key == a.key)
                .map(move |i| (r, i))
        })
}

/// `state` with the moves made, and the journal entries that make them (a removal at the old
/// address and an insertion at the new one, for the current and any deposed objects).
pub fn moved_state(
    state: &girder_state::model::State,
    moves: &[(AbsResourceInstance, AbsResourceInstance)],
    journal: &mut Vec<girder_state::InstanceChange>,
) -> girder_state::model::State {
    use girder_state::{InstanceChange, ResourceRef};
    let mut entries = Vec::new();
    let rref = |a: &AbsResourceInstance, provider: &str| ResourceRef {
        module: a.resource.module.clone(),
        mode: a.resource.resource.mode,
        type_name: a.resource.resource.type_name.to_string(),
        name: a.resource.resource.name.to_string(),
        provider: provider.to_string(),
    };
    // Removals first, so that renames in a chain or a swap do not remove what they add.
    for (old, _) in moves {
        for (r, i) in objects_at(state, old) {
            entries.push(InstanceChange::Remove {
                resource: rref(old, &r.provider),
                index_key: old.key.clone(),
                deposed: i.deposed.clone(),
            });
        }
    }
    for (old, new) in moves {
        for (r, i) in objects_at(state, old) {
            let mut o = i.clone();
            o.index_key = new.key.clone();
            entries.push(InstanceChange::Upsert {
                resource: rref(new, &r.provider),
                object: o,
            });
        }
    }
    let mut out = state.clone();
    girder_state::journal::apply(&mut out, &entries);
    journal.extend(entries);
    out
}
