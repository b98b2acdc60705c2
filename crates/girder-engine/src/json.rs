//! Terraform's JSON plan representation (`terraform show -json PLANFILE`, format_version
//! "0.2" as Terraform 1.0.3 writes it): `planned_values`, `resource_drift`,
//! `resource_changes` (actions, before, after, after_unknown, before_sensitive,
//! after_sensitive, action_reason), `output_changes`, `prior_state`, `configuration`.

use crate::model::*;
use crate::plan::{provider_name_of, Plan};
use crate::render::SchemaSource;
use girder_core::addr::{AbsResourceInstance, InstanceKey, ModuleInstance, ResourceMode};
use girder_core::value::Kind;
use girder_core::Value;
use girder_state::model::State;
use serde_json::{json, Map, Value as J};
use std::collections::BTreeMap;

/// The Terraform version girder claims in JSON documents.
pub const TERRAFORM_VERSION: &str = "1.0.3";

/// A value without its unknown parts (object attributes dropped, sequence elements null), as
/// JSON.
pub fn omit_unknowns(v: &Value) -> J {
    match v.kind() {
        Kind::Null(_) | Kind::Unknown(_) => J::Null,
        Kind::List(_, items) | Kind::Set(_, items) | Kind::Tuple(items) => {
            J::Array(items.iter().map(omit_unknowns).collect())
        }
        Kind::Map(_, m) | Kind::Object(m) => J::Object(
            m.iter()
                .filter(|(_, x)| x.is_known())
                .map(|(k, x)| (k.clone(), omit_unknowns(x)))
                .collect(),
        ),
        _ => v.to_json().unwrap_or(J::Null),
    }
}

fn as_bool_tree(v: &Value, leaf: &dyn Fn(&Value) -> bool) -> J {
    if leaf(v) {
        return J::Bool(true);
    }
    match v.kind() {
        Kind::Null(_) => J::Bool(false),
        Kind::List(_, items) | Kind::Set(_, items) | Kind::Tuple(items) => {
            J::Array(items.iter().map(|x| as_bool_tree(x, leaf)).collect())
        }
        Kind::Map(_, m) | Kind::Object(m) => J::Object(
            m.iter()
                .map(|(k, x)| (k.clone(), as_bool_tree(x, leaf)))
                .filter(|(_, b)| b != &J::Bool(false))
                .collect(),
        ),
        _ => J::Bool(false),
    }
}

/// Terraform's `after_unknown`: `true` where unknown, known leaves omitted from objects.
pub fn unknown_as_bool(v: &Value) -> J {
    as_bool_tree(v, &|x| !x.is_known())
}

/// Terraform's `*_sensitive`: `true` where marked sensitive.
pub fn sensitive_as_bool(v: &Value) -> J {
    as_bool_tree(v, &Value::is_sensitive)
}

fn provider_source(addr: &str) -> String {
    let s = addr.rsplit_once("provider[").map_or(addr, |(_, r)| r);
    s.split_once(']')
        .map_or(s, |(a, _)| a)
        .trim_matches('"')
        .to_string()
}

fn addr_fields(addr: &AbsResourceInstance, o: &mut Map<String, J>) {
    let r = &addr.resource.resource;
    o.insert("address".into(), J::String(addr.to_string()));
    if !addr.resource.module.is_root() {
        o.insert(
            "module_address".into(),
            J::String(addr.resource.module.to_string()),
        );
    }
    o.insert(
        "mode".into(),
        J::String(match r.mode {
            ResourceMode::Managed => "managed".into(),
            ResourceMode::Data => "data".into(),
        }),
    );
    o.insert("type".into(), J::String(r.type_name.to_string()));
    o.insert("name".into(), J::String(r.name.to_string()));
    match &addr.key {
        Some(InstanceKey::Int(i)) => {
            o.insert("index".into(), json!(i));
        }
        Some(InstanceKey::Str(s)) => {
            o.insert("index".into(), json!(s));
        }
        None => {}
    }
}

/// Resources grouped into Terraform's module tree (`root_module` / `child_modules`).
fn module_tree(items: Vec<(ModuleInstance, J)>) -> J {
    let mut by_module: BTreeMap<String, (ModuleInstance, Vec<J>)> = BTreeMap::new();
    for (m, r) in items {
        by_module
            .entry(m.to_string())
            .or_insert_with(|| (m.clone(), Vec::new()))
            .1
            .push(r);
    }
    fn build(
        path: &ModuleInstance,
        by_module: &BTreeMap<String, (ModuleInstance, Vec<J>)>,
    ) -> Map<String, J> {
        let mut o = Map::new();
        if !path.is_root() {
            o.insert("address".into(), J::String(path.to_string()));
        }
        if let Some((_, rs)) = by_module.get(&path.to_string()) {
            o.insert("resources".into(), J::Array(rs.clone()));
        }
        // Direct children that have resources somewhere below.
        let mut children: BTreeMap<String, ModuleInstance> = BTreeMap::new();
        for (m, _) in by_module.values() {
            if m.0.len() > path.0.len() && m.0[..path.0.len()] == path.0[..] {
                let child = ModuleInstance(m.0[..=path.0.len()].to_vec());
                children.insert(child.to_string(), child);
            }
        }
        if !children.is_empty() {
            o.insert(
                "child_modules".into(),
                J::Array(
                    children
                        .values()
                        .map(|c| J::Object(build(c, by_module)))
                        .collect(),
                ),
            );
        }
        o
    }
    J::Object(build(&ModuleInstance::root(), &by_module))
}

fn resource_values(
    addr: &AbsResourceInstance,
    provider_addr: &str,
    schema_version: u64,
    v: &Value,
) -> J {
    let mut o = Map::new();
    addr_fields(addr, &mut o);
    o.insert(
        "provider_name".into(),
        J::String(provider_source(provider_addr)),
    );
    o.insert("schema_version".into(), json!(schema_version));
    o.insert("values".into(), omit_unknowns(v));
    o.insert("sensitive_values".into(), {
        let s = sensitive_as_bool(v);
        if s == J::Bool(false) {
            json!({})
        } else {
            s
        }
    });
    J::Object(o)
}

/// The `values` representation of a state (`prior_state`, `terraform show -json` of a state).
pub fn state_values(state: &State, schemas: &dyn SchemaSource) -> J {
    let mut items = Vec::new();
    for r in &state.resources {
        let pname = provider_name_of(&r.provider);
        let schema = schemas.schema(&pname, &r.type_name, r.mode == ResourceMode::Data);
        let resource = r.addr();
        for i in &r.instances {
            if i.deposed.is_some() {
                continue;
            }
            let addr = AbsResourceInstance {
                resource: resource.clone(),
                key: i.index_key.clone(),
            };
            let v = match &schema {
                Some(s) => {
                    crate::codec::instance_value(i, s).unwrap_or_else(|_| Value::null_dynamic())
                }
                None => i
                    .attributes
                    .as_ref()
                    .map(|a| Value::from_json_implied(&a.to_value()))
                    .unwrap_or_else(Value::null_dynamic),
            };
            items.push((
                r.module.clone(),
                resource_values(&addr, &r.provider, i.schema_version, &v),
            ));
        }
    }
    let outputs: Map<String, J> = state
        .outputs
        .iter()
        .map(|(k, o)| {
            (
                k.clone(),
                json!({"sensitive": o.sensitive, "value": o.value}),
            )
        })
        .collect();
    let mut values = Map::new();
    if !outputs.is_empty() {
        values.insert("outputs".into(), J::Object(outputs));
    }
    values.insert("root_module".into(), module_tree(items));
    json!({
        "format_version": "0.2",
        "terraform_version": TERRAFORM_VERSION,
        "values": values,
    })
}

fn change_json(
    actions: &[&str],
    before: &Value,
    after: &Value,
    output_sensitive: bool,
) -> Map<String, J> {
    let mut o = Map::new();
    o.insert("actions".into(), json!(actions));
    o.insert("before".into(), omit_unknowns(before));
    o.insert("after".into(), omit_unknowns(after));
    o.insert("after_unknown".into(), unknown_as_bool(after));
    let (bs, as_) = if output_sensitive {
        (J::Bool(true), J::Bool(true))
    } else {
        (sensitive_as_bool(before), sensitive_as_bool(after))
    };
    o.insert("before_sensitive".into(), bs);
    o.insert("after_sensitive".into(), as_);
    o
}

/// The JSON plan.
pub fn plan_json(plan: &Plan, schemas: &dyn SchemaSource) -> J {
    let mut doc = Map::new();
    doc.insert("format_version".into(), json!("0.2"));
    doc.insert("terraform_version".into(), json!(TERRAFORM_VERSION));
    if !plan.variables.is_empty() {
        let vars: Map<String, J> = plan
            .variables
            .iter()
            .map(|(k, v)| (k.clone(), json!({"value": omit_unknowns(v)})))
            .collect();
        doc.insert("variables".into(), J::Object(vars));
    }
    let schema_version = |c: &ResourceChange| {
        schemas
            .schema(
                &c.provider.name,
                &c.addr.resource.resource.type_name,
                c.is_data(),
            )
            .map_or(0, |s| s.version)
    };

    // planned_values
    let mut planned = Vec::new();
    for c in &plan.changes {
        if c.deposed.is_some() || c.after.is_null() {
            continue;
        }
        planned.push((
            c.addr.resource.module.clone(),
            resource_values(&c.addr, &c.provider.addr, schema_version(c), &c.after),
        ));
    }
    let mut pv = Map::new();
    let outs: Map<String, J> = plan
        .outputs
        .iter()
        .filter(|o| o.action != Action::Delete)
        .map(|o| {
            let mut m = Map::new();
            m.insert("sensitive".into(), J::Bool(o.sensitive));
            if o.after.is_wholly_known() {
                m.insert("value".into(), omit_unknowns(&o.after));
            }
            (o.name.clone(), J::Object(m))
        })
        .collect();
    if !outs.is_empty() {
        pv.insert("outputs".into(), J::Object(outs));
    }
    pv.insert("root_module".into(), module_tree(planned));
    doc.insert("planned_values".into(), J::Object(pv));

    let rc = |addr: &AbsResourceInstance,
              provider: &ProviderRef,
              deposed: &Option<String>,
              ch: Map<String, J>,
              reason: Option<&Reason>| {
        let mut o = Map::new();
        addr_fields(addr, &mut o);
        if let Some(d) = deposed {
            o.insert("deposed".into(), J::String(d.clone()));
        }
        o.insert(
            "provider_name".into(),
            J::String(provider_source(&provider.addr)),
        );
        o.insert("change".into(), J::Object(ch));
        if let Some(r) = reason.and_then(Reason::json) {
            o.insert("action_reason".into(), J::String(r.into()));
        }
        J::Object(o)
    };
    if !plan.drift.is_empty() {
        let drift: Vec<J> = plan
            .drift
            .iter()
            .map(|d| {
                let actions: &[&str] = if d.after.is_null() {
                    &["delete"]
                } else {
                    &["update"]
                };
                rc(
                    &d.addr,
                    &d.provider,
                    &None,
                    change_json(actions, &d.before, &d.after, false),
                    None,
                )
            })
            .collect();
        doc.insert("resource_drift".into(), J::Array(drift));
    }
    let changes: Vec<J> = plan
        .changes
        .iter()
        .filter(|c| !(c.is_data() && c.action == Action::Delete))
        .map(|c| {
            let before = if c.action == Action::Create || c.action == Action::Read {
                Value::null_dynamic()
            } else {
                c.before.clone()
            };
            let mut ch = change_json(c.action.json_actions(), &before, &c.after, false);
            if let Some(id) = &c.importing {
                ch.insert("importing".into(), json!({ "id": id }));
            }
            let mut j = rc(&c.addr, &c.provider, &c.deposed, ch, c.reason.as_ref());
            if let (Some(from), J::Object(o)) = (&c.moved_from, &mut j) {
                o.insert("previous_address".into(), J::String(from.to_string()));
            }
            j
        })
        .collect();
    doc.insert("resource_changes".into(), J::Array(changes));
    if !plan.outputs.is_empty() {
        let oc: Map<String, J> = plan
            .outputs
            .iter()
            .map(|o| {
                (
                    o.name.clone(),
                    J::Object(change_json(
                        o.action.json_actions(),
                        &o.before,
                        &o.after,
                        o.sensitive,
                    )),
                )
            })
            .collect();
        doc.insert("output_changes".into(), J::Object(oc));
    }
    doc.insert(
        "prior_state".into(),
        state_values(&plan.prior_state, schemas),
    );

    // configuration: provider configs and resources with their constant expressions.
    let mut providers = Map::new();
    let mut resources: BTreeMap<String, (ModuleInstance, J)> = BTreeMap::new();
    for c in &plan.changes {
        if c.deposed.is_some() || c.config.is_null() {
            continue;
        }
        let pname = c.provider.name.to_string();
        providers.insert(
            pname.clone(),
            json!({"name": pname.split('.').next().unwrap_or(&pname), "full_name": provider_source(&c.provider.addr)}),
        );
        let res = &c.addr.resource;
        let mut cfg_addr = res.resource.to_string();
        if !res.module.is_root() {
            let names: Vec<String> = res
                .module
                .0
                .iter()
                .map(|s| format!("module.{}", s.name))
                .collect();
            cfg_addr = format!("{}.{cfg_addr}", names.join("."));
        }
        if resources.contains_key(&cfg_addr) {
            continue;
        }
        let mut exprs = Map::new();
        if let Some(m) = c.config.as_map() {
            for (k, v) in m {
                if v.is_null() {
                    continue;
                }
                if v.is_wholly_known() && !v.contains_sensitive() {
                    exprs.insert(
                        k.clone(),
                        json!({"constant_value": v.to_json().unwrap_or(J::Null)}),
                    );
                } else {
                    exprs.insert(k.clone(), json!({}));
                }
            }
        }
        let mut o = Map::new();
        o.insert("address".into(), J::String(res.resource.to_string()));
        o.insert(
            "mode".into(),
            J::String(if c.is_data() { "data" } else { "managed" }.into()),
        );
        o.insert("type".into(), J::String(res.resource.type_name.to_string()));
        o.insert("name".into(), J::String(res.resource.name.to_string()));
        o.insert("provider_config_key".into(), J::String(pname));
        o.insert("expressions".into(), J::Object(exprs));
        o.insert("schema_version".into(), json!(schema_version(c)));
        let static_module = ModuleInstance(
            res.module
                .0
                .iter()
                .map(|s| girder_core::addr::ModuleStep {
                    name: s.name.clone(),
                    key: None,
                })
                .collect(),
        );
        resources.insert(cfg_addr, (static_module, J::Object(o)));
    }
    let tree = module_tree(resources.into_values().collect());
    // Terraform nests configuration child modules under "module_calls"; girder lists them as
    // child_modules of the static module tree.
    doc.insert(
        "configuration".into(),
        json!({"provider_config": providers, "root_module": tree}),
    );
    J::Object(doc)
}
