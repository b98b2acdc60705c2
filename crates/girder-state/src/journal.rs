//! The state journal: one JSON line per applied change, appended beside the state so that
//! persisting an operation costs in proportion to the change, not to the whole state.
//!
//! Line 1 is a header naming the snapshot the journal applies to:
//! `{"girder_journal":1,"lineage":"...","base_serial":N}`. Every further line is one
//! [`InstanceChange`]. A journal is replayed only onto the snapshot it names; when the stored
//! serial is already past `base_serial`, the journal was folded in by a compaction that
//! crashed before removing it, and it is discarded. A torn last line (a crash in the middle
//! of an append, never acknowledged) is ignored.

use crate::backend::{InstanceChange, ResourceRef};
use crate::format::{self, write_go_compact};
use crate::model::{OutputValue, ResourceState, State};
use girder_core::addr::InstanceKey;
use serde::Deserialize;
use std::collections::HashMap;

/// The journal header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JournalHeader {
    /// Lineage of the base snapshot.
    pub lineage: String,
    /// Serial of the base snapshot.
    pub base_serial: u64,
}

/// Encodes the header line (with trailing newline).
pub fn encode_header(h: &JournalHeader) -> Vec<u8> {
    let mut v = serde_json::to_vec(&serde_json::json!({
        "girder_journal": 1,
        "lineage": h.lineage,
        "base_serial": h.base_serial,
    }))
    .unwrap_or_default();
    v.push(b'\n');
    v
}

fn resource_fields(w: &mut Vec<u8>, r: &ResourceRef) {
    w.extend_from_slice(b",\"module\":");
    let _ = write_go_compact(&mut *w, &r.module.to_string());
    w.extend_from_slice(b",\"mode\":\"");
    w.extend_from_slice(format::mode_str(r.mode).as_bytes());
    w.extend_from_slice(b"\",\"type\":");
    let _ = write_go_compact(&mut *w, &r.type_name);
    w.extend_from_slice(b",\"name\":");
    let _ = write_go_compact(&mut *w, &r.name);
    w.extend_from_slice(b",\"provider\":");
    let _ = write_go_compact(&mut *w, &r.provider);
}

/// Encodes one change as a journal line (with trailing newline).
pub fn encode_change(c: &InstanceChange) -> Vec<u8> {
    let mut w = Vec::with_capacity(256);
    match c {
        InstanceChange::Upsert { resource, object } => {
            w.extend_from_slice(b"{\"op\":\"upsert\"");
            resource_fields(&mut w, resource);
            w.extend_from_slice(b",\"object\":");
            format::write_instance_compact(&mut w, object);
        }
        InstanceChange::Remove {
            resource,
            index_key,
            deposed,
        } => {
            w.extend_from_slice(b"{\"op\":\"remove\"");
            resource_fields(&mut w, resource);
            w.extend_from_slice(b",\"index_key\":");
            let _ = write_go_compact(&mut w, index_key);
            w.extend_from_slice(b",\"deposed\":");
            let _ = write_go_compact(&mut w, deposed);
        }
        InstanceChange::SetOutput { name, value } => {
            w.extend_from_slice(b"{\"op\":\"set_output\",\"name\":");
            let _ = write_go_compact(&mut w, name);
            w.extend_from_slice(b",\"value\":");
            let _ = write_go_compact(&mut w, &value.value);
            w.extend_from_slice(b",\"type\":");
            let _ = write_go_compact(&mut w, &value.ty);
            w.extend_from_slice(if value.sensitive {
                b",\"sensitive\":true"
            } else {
                b",\"sensitive\":false"
            });
        }
        InstanceChange::RemoveOutput { name } => {
            w.extend_from_slice(b"{\"op\":\"remove_output\",\"name\":");
            let _ = write_go_compact(&mut w, name);
        }
    }
    w.extend_from_slice(b"}\n");
    w
}

#[derive(Deserialize)]
struct HeaderIn {
    girder_journal: u64,
    lineage: String,
    base_serial: u64,
}

#[derive(Deserialize)]
struct LineIn<'a> {
    op: String,
    #[serde(default)]
    module: String,
    #[serde(default)]
    mode: String,
    /// The resource type (a string), or the output's type (JSON) for `set_output`.
    #[serde(rename = "type", default)]
    type_json: serde_json::Value,
    #[serde(default)]
    name: String,
    #[serde(default)]
    provider: String,
    #[serde(borrow, default)]
    object: Option<&'a serde_json::value::RawValue>,
    #[serde(default)]
    index_key: Option<InstanceKey>,
    #[serde(default)]
    deposed: Option<String>,
}

/// A decoded journal: header and changes. `torn` says a partial last line was dropped.
#[derive(Debug)]
pub struct Journal {
    /// The header.
    pub header: JournalHeader,
    /// The changes, in order.
    pub changes: Vec<InstanceChange>,
    /// Whether a torn (incomplete) last line was ignored.
    pub torn: bool,
}

/// Decodes a journal. Errors carry the 1-based line number. An empty file gives `Ok(None)`.
pub fn decode(bytes: &[u8]) -> Result<Option<Journal>, (usize, String)> {
    let text = std::str::from_utf8(bytes).map_err(|e| (0, format!("not UTF-8: {e}")))?;
    if text.trim().is_empty() {
        return Ok(None);
    }
    // Only complete lines (ending in '\n') were acknowledged.
    let complete_end = text.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let torn = complete_end < text.len();
    let mut lines = text[..complete_end].lines().enumerate();
    let Some((_, first)) = lines.next() else {
        // Only a torn header: nothing was ever acknowledged.
        return Ok(None);
    };
    let h: HeaderIn =
        serde_json::from_str(first).map_err(|e| (1, format!("invalid header ({e})")))?;
    if h.girder_journal != 1 {
        return Err((
            1,
            format!(
                "journal format {} is not supported (girder writes 1)",
                h.girder_journal
            ),
        ));
    }
    let mut changes = Vec::new();
    for (i, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        changes.push(decode_line(line).map_err(|e| (i + 1, e))?);
    }
    Ok(Some(Journal {
        header: JournalHeader {
            lineage: h.lineage,
            base_serial: h.base_serial,
        },
        changes,
        torn,
    }))
}

fn decode_line(line: &str) -> Result<InstanceChange, String> {
    let l: LineIn<'_> = serde_json::from_str(line).map_err(|e| e.to_string())?;
    let resource = || -> Result<ResourceRef, String> {
        Ok(ResourceRef {
            module: format::parse_module(&l.module)?,
            mode: match l.mode.as_str() {
                "managed" => girder_core::addr::ResourceMode::Managed,
                "data" => girder_core::addr::ResourceMode::Data,
                m => return Err(format!("unknown mode {m:?}")),
            },
            type_name: l
                .type_json
                .as_str()
                .ok_or("the resource type is not a string")?
                .to_string(),
            name: l.name.clone(),
            provider: l.provider.clone(),
        })
    };
    Ok(match l.op.as_str() {
        "upsert" => {
            let raw = l.object.ok_or("upsert without object")?;
            InstanceChange::Upsert {
                resource: resource()?,
                object: format::parse_instance_json(raw.get())?,
            }
        }
        "remove" => InstanceChange::Remove {
            resource: resource()?,
            index_key: l.index_key.clone(),
            deposed: l.deposed.clone(),
        },
        "set_output" => {
            #[derive(Deserialize)]
            struct O {
                value: serde_json::Value,
                #[serde(rename = "type")]
                ty: serde_json::Value,
                #[serde(default)]
                sensitive: bool,
            }
            let o: O = serde_json::from_str(line).map_err(|e| e.to_string())?;
            InstanceChange::SetOutput {
                name: l.name.clone(),
                value: OutputValue {
                    value: o.value,
                    ty: o.ty,
                    sensitive: o.sensitive,
                },
            }
        }
        "remove_output" => InstanceChange::RemoveOutput {
            name: l.name.clone(),
        },
        other => return Err(format!("unknown operation {other:?}")),
    })
}

type ResKey = (String, girder_core::addr::ResourceMode, String, String);
type ObjKey = (usize, Option<InstanceKey>, Option<String>);

fn res_key(r: &ResourceRef) -> ResKey {
    (
        r.module.to_string(),
        r.mode,
        r.type_name.clone(),
        r.name.clone(),
    )
}

/// Applies changes to a state in memory (in order). Cost: one pass to index the state plus
/// constant work per change (instance order inside a resource may change; writing sorts).
pub fn apply(state: &mut State, changes: &[InstanceChange]) {
    if changes.is_empty() {
        return;
    }
    let mut index: HashMap<ResKey, usize> = HashMap::with_capacity(state.resources.len());
    let mut objects: HashMap<ObjKey, usize> = HashMap::new();
    for (ri, r) in state.resources.iter().enumerate() {
        index.insert(
            (
                r.module.to_string(),
                r.mode,
                r.type_name.clone(),
                r.name.clone(),
            ),
            ri,
        );
        for (ii, i) in r.instances.iter().enumerate() {
            objects.insert((ri, i.index_key.clone(), i.deposed.clone()), ii);
        }
    }
    let mut emptied: std::collections::HashSet<usize> = std::collections::HashSet::new();
    for c in changes {
        match c {
            InstanceChange::Upsert { resource, object } => {
                let ri = *index.entry(res_key(resource)).or_insert_with(|| {
                    state.resources.push(ResourceState {
                        module: resource.module.clone(),
                        mode: resource.mode,
                        type_name: resource.type_name.clone(),
                        name: resource.name.clone(),
                        provider: resource.provider.clone(),
                        instances: Vec::new(),
                    });
                    state.resources.len() - 1
                });
                let r = &mut state.resources[ri];
                r.provider = resource.provider.clone();
                let ok = (ri, object.index_key.clone(), object.deposed.clone());
                match objects.get(&ok) {
                    Some(&ii) if ii < r.instances.len() => r.instances[ii] = object.clone(),
                    _ => {
                        objects.insert(ok, r.instances.len());
                        r.instances.push(object.clone());
                    }
                }
            }
            InstanceChange::Remove {
                resource,
                index_key,
                deposed,
            } => {
                let Some(&ri) = index.get(&res_key(resource)) else {
                    continue;
                };
                let Some(ii) = objects.remove(&(ri, index_key.clone(), deposed.clone())) else {
                    continue;
                };
                let r = &mut state.resources[ri];
                if ii >= r.instances.len() {
                    continue;
                }
                r.instances.swap_remove(ii);
                if let Some(moved) = r.instances.get(ii) {
                    objects.insert((ri, moved.index_key.clone(), moved.deposed.clone()), ii);
                }
                if r.instances.is_empty() {
                    emptied.insert(ri);
                }
            }
            InstanceChange::SetOutput { name, value } => {
                state.outputs.insert(name.clone(), value.clone());
            }
            InstanceChange::RemoveOutput { name } => {
                state.outputs.remove(name);
            }
        }
    }
    if !emptied.is_empty() {
        let mut i = 0;
        state.resources.retain(|r| {
            let keep = !(r.instances.is_empty() && emptied.contains(&i));
            i += 1;
            keep
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{InstanceState, ObjectStatus, RawJson};
    use girder_core::addr::{ModuleInstance, ResourceMode};

    fn res() -> ResourceRef {
        ResourceRef {
            module: ModuleInstance::root().child("m", Some(InstanceKey::Str("a\"b".into()))),
            mode: ResourceMode::Data,
            type_name: "aws_ami".into(),
            name: "x".into(),
            provider: "provider[\"registry.terraform.io/hashicorp/aws\"]".into(),
        }
    }

    fn all_changes() -> Vec<InstanceChange> {
        let mut obj = InstanceState::new(
            Some(InstanceKey::Int(3)),
            &serde_json::json!({"id": "x<&>", "n": 1.50}),
        );
        obj.status = ObjectStatus::Tainted;
        obj.deposed = Some("0a1b2c3d".into());
        obj.private = Some("e30=".into());
        obj.dependencies = vec!["aws_vpc.a".into()];
        obj.create_before_destroy = true;
        obj.sensitive_attributes = Some(Box::new(
            serde_json::json!([[{"type": "get_attr", "value": "id"}]]),
        ));
        obj.attributes = Some(RawJson::new(r#"{"id":"x\u003c","n":1.50}"#).unwrap());
        vec![
            InstanceChange::Upsert {
                resource: res(),
                object: obj,
            },
            InstanceChange::Remove {
                resource: res(),
                index_key: Some(InstanceKey::Str("k".into())),
                deposed: Some("0a1b2c3d".into()),
            },
            InstanceChange::SetOutput {
                name: "o".into(),
                value: OutputValue {
                    value: serde_json::json!({"a": [1, 2]}),
                    ty: serde_json::json!(["object", {"a": ["list", "number"]}]),
                    sensitive: true,
                },
            },
            InstanceChange::RemoveOutput { name: "p".into() },
        ]
    }

    #[test]
    fn encode_decode_round_trip() {
        let header = JournalHeader {
            lineage: "L".into(),
            base_serial: 7,
        };
        let mut bytes = encode_header(&header);
        for c in all_changes() {
            bytes.extend(encode_change(&c));
        }
        let j = decode(&bytes).unwrap().unwrap();
        assert_eq!(j.header, header);
        assert!(!j.torn);
        assert_eq!(j.changes, all_changes());
    }

    #[test]
    fn torn_and_damaged_journals() {
        let header = JournalHeader {
            lineage: "L".into(),
            base_serial: 1,
        };
        // Only a torn header: nothing acknowledged.
        let h = encode_header(&header);
        assert!(decode(&h[..h.len() - 3]).unwrap().is_none());
        assert!(decode(b"").unwrap().is_none());
        // A torn last line is dropped.
        let mut bytes = h.clone();
        bytes.extend(encode_change(&all_changes()[3]));
        bytes.extend_from_slice(b"{\"op\":\"set_ou");
        let j = decode(&bytes).unwrap().unwrap();
        assert!(j.torn);
        assert_eq!(j.changes.len(), 1);
        // A bad complete line is an error with its line number.
        let mut bad = h.clone();
        bad.extend_from_slice(b"{\"op\":\"explode\"}\n");
        assert_eq!(decode(&bad).unwrap_err().0, 2);
        assert_eq!(
            decode(b"{\"girder_journal\":9,\"lineage\":\"L\",\"base_serial\":1}\n")
                .unwrap_err()
                .0,
            1
        );
        assert!(decode(&[0xff, 0xfe, b'\n']).is_err());
    }

    #[test]
    fn apply_keeps_its_index_right_after_removals() {
        let mut s = State::new("1.0.3");
        let r = res();
        let up = |k: i64, id: &str| InstanceChange::Upsert {
            resource: r.clone(),
            object: InstanceState::new(Some(InstanceKey::Int(k)), &serde_json::json!({"id": id})),
        };
        let rm = |k: i64| InstanceChange::Remove {
            resource: r.clone(),
            index_key: Some(InstanceKey::Int(k)),
            deposed: None,
        };
        // Remove from the middle (the last object moves), then update the moved one.
        apply(
            &mut s,
            &[
                up(0, "a"),
                up(1, "b"),
                up(2, "c"),
                rm(0),
                up(2, "c2"),
                rm(5),
                up(0, "a2"),
            ],
        );
        let mut got: Vec<(String, String)> = s.resources[0]
            .instances
            .iter()
            .map(|i| {
                (
                    i.index_key.as_ref().unwrap().to_string(),
                    i.attributes.as_ref().unwrap().as_str().to_string(),
                )
            })
            .collect();
        got.sort();
        assert_eq!(
            got,
            vec![
                ("[0]".to_string(), r#"{"id":"a2"}"#.to_string()),
                ("[1]".to_string(), r#"{"id":"b"}"#.to_string()),
                ("[2]".to_string(), r#"{"id":"c2"}"#.to_string()),
            ]
        );
    }

    #[test]
    fn apply_upserts_removes_and_drops_emptied_resources() {
        let mut s = State::new("1.0.3");
        let changes = all_changes();
        apply(&mut s, &changes[..1]);
        assert_eq!(s.instance_count(), 1);
        // Upserting the same key/deposed replaces.
        apply(&mut s, &changes[..1]);
        assert_eq!(s.instance_count(), 1);
        apply(
            &mut s,
            &[InstanceChange::Remove {
                resource: res(),
                index_key: Some(InstanceKey::Int(3)),
                deposed: Some("0a1b2c3d".into()),
            }],
        );
        assert!(s.resources.is_empty());
        apply(&mut s, &changes[2..]);
        assert!(s.outputs.contains_key("o"));
    }
}
