//! Shared helpers for the engine tests: data-driven cases on the fake provider.

#![allow(dead_code)]

use girder_core::addr::{AbsResourceInstance, InstanceKey};
use girder_core::value::{Path, PathStep};
use girder_core::{Type, Value};
use girder_engine::plan::ProviderRegistry;
use girder_engine::*;
use girder_provider::fake::FakeProvider;
use girder_provider::Provider;
use girder_state::model::{InstanceState, ObjectStatus, ResourceState, State};
use serde_json::Value as J;
use std::collections::HashMap;
use std::sync::Arc;

pub fn fake() -> ProviderRef {
    ProviderRef::hashicorp("fake")
}

pub fn registry(p: Arc<FakeProvider>) -> HashMap<String, Arc<dyn Provider>> {
    let mut m: HashMap<String, Arc<dyn Provider>> = HashMap::new();
    m.insert("fake".into(), p);
    m
}

/// JSON to a value: `{"$sensitive": x}` marks x sensitive, `{"$unknown": "string"}` is an
/// unknown string.
pub fn value(j: &J) -> Value {
    match j {
        J::Object(o) if o.len() == 1 && o.contains_key("$sensitive") => {
            value(&o["$sensitive"]).mark_sensitive()
        }
        J::Object(o) if o.len() == 1 && o.contains_key("$unknown") => {
            Value::unknown(Type::from_json(&o["$unknown"]).unwrap_or(Type::Dynamic))
        }
        J::Object(o) => Value::object(o.iter().map(|(k, v)| (k.clone(), value(v))).collect()),
        J::Array(a) => Value::tuple(a.iter().map(value).collect()),
        other => Value::from_json_implied(other),
    }
}

fn path(s: &str) -> Path {
    Path(
        s.split('.')
            .map(|p| PathStep::Attr(p.to_string()))
            .collect(),
    )
}

/// A state from `[{"addr", "attrs", "tainted", "dependencies", "deposed"}]`, and the fake
/// provider's objects to match.
pub fn build_state(objs: &[J], outputs: Option<&J>, p: &FakeProvider) -> State {
    let mut state = State::new("1.0.3");
    state.lineage = "00000000-0000-0000-0000-000000000000".into();
    state.serial = 3;
    let schema = p.schema().resource("fake_thing").unwrap().clone();
    for o in objs {
        let addr = AbsResourceInstance::parse(o["addr"].as_str().unwrap()).unwrap();
        let r = &addr.resource;
        let idx = match state.resources.iter().position(|x| {
            x.module == r.module
                && x.type_name == r.resource.type_name
                && x.name == r.resource.name
                && x.mode == r.resource.mode
        }) {
            Some(i) => i,
            None => {
                state.resources.push(ResourceState {
                    module: r.module.clone(),
                    mode: r.resource.mode,
                    type_name: r.resource.type_name.to_string(),
                    name: r.resource.name.to_string(),
                    provider: fake().addr.to_string(),
                    instances: Vec::new(),
                });
                state.resources.len() - 1
            }
        };
        let mut attrs = o["attrs"].clone();
        if r.resource.mode == girder_core::addr::ResourceMode::Managed {
            // Fill the schema's attributes so states look like the provider's.
            let full = Value::from_json_typed(&attrs, &schema.object_type()).unwrap();
            attrs = full.to_json().unwrap();
            if o.get("deposed").is_none() {
                let id = attrs["id"].as_str().unwrap().to_string();
                p.set_object(&id, Some(full));
            }
        }
        let mut inst = InstanceState::new(addr.key.clone(), &attrs);
        if o["tainted"].as_bool() == Some(true) {
            inst.status = ObjectStatus::Tainted;
        }
        if let Some(d) = o["deposed"].as_str() {
            inst.deposed = Some(d.to_string());
        }
        if let Some(deps) = o["dependencies"].as_array() {
            inst.dependencies = deps
                .iter()
                .map(|d| d.as_str().unwrap().to_string())
                .collect();
        }
        state.resources[idx].instances.push(inst);
    }
    if let Some(J::Object(outs)) = outputs {
        for (k, v) in outs {
            state.outputs.insert(
                k.clone(),
                girder_state::model::OutputValue::from_value(&value(v), false).unwrap(),
            );
        }
    }
    state
}

pub fn desired(ds: &[J]) -> Vec<DesiredInstance> {
    ds.iter()
        .map(|d| {
            let addr = d["addr"].as_str().unwrap();
            let config = value(&d["config"]);
            let wires: Vec<Wire> = d["wires"]
                .as_array()
                .map(|ws| {
                    ws.iter()
                        .map(|w| Wire {
                            attr: w["attr"].as_str().unwrap().into(),
                            from: AbsResourceInstance::parse(w["from"].as_str().unwrap()).unwrap(),
                            from_attr: w["from_attr"].as_str().unwrap().into(),
                        })
                        .collect()
                })
                .unwrap_or_default();
            let mut di = DesiredInstance::wired(addr, fake(), config, wires);
            for dep in d["depends_on"].as_array().into_iter().flatten() {
                di = di.depending_on(dep.as_str().unwrap());
            }
            if let Some(l) = d.get("lifecycle") {
                di.lifecycle = Lifecycle {
                    create_before_destroy: l["create_before_destroy"].as_bool().unwrap_or(false),
                    prevent_destroy: l["prevent_destroy"].as_bool().unwrap_or(false),
                    ignore_changes: match &l["ignore_changes"] {
                        J::String(s) if s == "all" => IgnoreChanges::All,
                        J::Array(a) => IgnoreChanges::Paths(
                            a.iter().map(|x| path(x.as_str().unwrap())).collect(),
                        ),
                        _ => IgnoreChanges::None,
                    },
                };
            }
            di
        })
        .collect()
}

pub fn outputs(os: &[J]) -> Vec<DesiredOutput> {
    os.iter()
        .map(|o| {
            DesiredOutput::attr(
                o["name"].as_str().unwrap(),
                o["from"].as_str().unwrap(),
                o["attr"].as_str().unwrap(),
                o["sensitive"].as_bool().unwrap_or(false),
            )
        })
        .collect()
}

pub fn options(o: Option<&J>) -> PlanOptions {
    let mut opts = PlanOptions::default();
    let Some(o) = o else { return opts };
    if o["destroy"].as_bool() == Some(true) {
        opts.mode = PlanMode::Destroy;
    }
    if o["refresh"].as_bool() == Some(false) {
        opts.refresh = false;
    }
    for t in o["targets"].as_array().into_iter().flatten() {
        opts.targets
            .push(Target::parse(t.as_str().unwrap()).unwrap());
    }
    if o["refresh_only"].as_bool() == Some(true) {
        opts.mode = PlanMode::RefreshOnly;
    }
    for t in o["excludes"].as_array().into_iter().flatten() {
        opts.excludes
            .push(Target::parse(t.as_str().unwrap()).unwrap());
    }
    for t in o["replace"].as_array().into_iter().flatten() {
        opts.replace
            .push(AbsResourceInstance::parse(t.as_str().unwrap()).unwrap());
    }
    opts
}

/// Applies drift to the fake provider: `{"thing-1": null | {attrs}}`.
pub fn drift(d: Option<&J>, p: &FakeProvider) {
    let Some(J::Object(m)) = d else { return };
    let schema = p.schema().resource("fake_thing").unwrap().object_type();
    for (id, v) in m {
        if v.is_null() {
            p.set_object(id, None);
        } else {
            p.set_object(id, Some(Value::from_json_typed(v, &schema).unwrap()));
        }
    }
}

pub fn diag_text(d: &girder_core::Diagnostics) -> String {
    let mut s = String::new();
    for x in d.iter() {
        let sev = if x.is_error() { "Error" } else { "Warning" };
        s.push_str(&format!("{sev}: {}\n\n{}\n", x.summary, x.detail));
        if let Some(h) = &x.help {
            s.push_str(&format!("help: {h}\n"));
        }
        s.push('\n');
    }
    s
}

pub fn key(i: i64) -> Option<InstanceKey> {
    Some(InstanceKey::Int(i))
}

pub fn reg_dyn(p: &Arc<FakeProvider>) -> impl ProviderRegistry {
    registry(p.clone())
}
