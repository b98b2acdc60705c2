//! Conversions between girder values and their stored forms:
//!
//! * [`encode_value`] / [`decode_value`]: a lossless, self-describing JSON form of a
//!   [`Value`] (with unknowns, types and sensitive marks) used in saved plan files;
//! * [`instance_value`] / [`instance_object`]: a state object's attributes as a value of the
//!   schema's type (with `sensitive_attributes` as marks), and back.

use girder_core::value::{Kind, Marks, Path, PathStep};
use girder_core::{Number, Type, Value};
use girder_provider::schema::Schema;
use girder_state::model::{InstanceState, RawJson};
use serde_json::{json, Map, Value as J};

/// Encodes a value losslessly: `{"n":T}` null, `{"u":T}` unknown, `{"b":..}`, `{"d":"1.5"}`,
/// `{"s":".."}`, `{"l":T,"i":[..]}`, `{"S":T,"i":[..]}`, `{"m":T,"e":{..}}`, `{"t":[..]}`,
/// `{"o":{..}}`; `"!":1` marks sensitive.
pub fn encode_value(v: &Value) -> J {
    let mut o = Map::new();
    match v.kind() {
        Kind::Null(t) => {
            o.insert("n".into(), t.to_json());
        }
        Kind::Unknown(t) => {
            o.insert("u".into(), t.to_json());
        }
        Kind::Bool(b) => {
            o.insert("b".into(), J::Bool(*b));
        }
        Kind::Number(n) => {
            o.insert("d".into(), J::String(n.to_string()));
        }
        Kind::String(s) => {
            o.insert("s".into(), J::String(s.to_string()));
        }
        Kind::List(t, items) => {
            o.insert("l".into(), t.to_json());
            o.insert("i".into(), items.iter().map(encode_value).collect());
        }
        Kind::Set(t, items) => {
            o.insert("S".into(), t.to_json());
            o.insert("i".into(), items.iter().map(encode_value).collect());
        }
        Kind::Map(t, m) => {
            o.insert("m".into(), t.to_json());
            o.insert(
                "e".into(),
                J::Object(
                    m.iter()
                        .map(|(k, v)| (k.clone(), encode_value(v)))
                        .collect(),
                ),
            );
        }
        Kind::Tuple(items) => {
            o.insert("t".into(), items.iter().map(encode_value).collect());
        }
        Kind::Object(m) => {
            o.insert(
                "o".into(),
                J::Object(
                    m.iter()
                        .map(|(k, v)| (k.clone(), encode_value(v)))
                        .collect(),
                ),
            );
        }
    }
    if v.is_sensitive() {
        o.insert("!".into(), json!(1));
    }
    J::Object(o)
}

/// Decodes [`encode_value`]'s form.
pub fn decode_value(j: &J) -> Result<Value, String> {
    let o = j.as_object().ok_or("encoded value must be an object")?;
    let ty = |k: &str| Type::from_json(o.get(k).unwrap_or(&J::Null));
    let items = || -> Result<Vec<Value>, String> {
        o.get("i")
            .and_then(J::as_array)
            .ok_or("missing items")?
            .iter()
            .map(decode_value)
            .collect()
    };
    let entries = |k: &str| -> Result<std::collections::BTreeMap<String, Value>, String> {
        o.get(k)
            .and_then(J::as_object)
            .ok_or("missing entries")?
            .iter()
            .map(|(k, v)| Ok((k.clone(), decode_value(v)?)))
            .collect()
    };
    let v = if o.contains_key("n") {
        Value::null(ty("n")?)
    } else if o.contains_key("u") {
        Value::unknown(ty("u")?)
    } else if let Some(b) = o.get("b") {
        Value::bool(b.as_bool().ok_or("bad bool")?)
    } else if let Some(d) = o.get("d") {
        Value::number(Number::parse(d.as_str().ok_or("bad number")?).map_err(|e| e.to_string())?)
    } else if let Some(s) = o.get("s") {
        Value::string(s.as_str().ok_or("bad string")?)
    } else if o.contains_key("l") {
        Value::list(ty("l")?, items()?)
    } else if o.contains_key("S") {
        Value::set(ty("S")?, items()?)
    } else if o.contains_key("m") {
        Value::map(ty("m")?, entries("e")?.into())
    } else if let Some(t) = o.get("t") {
        Value::tuple(
            t.as_array()
                .ok_or("bad tuple")?
                .iter()
                .map(decode_value)
                .collect::<Result<_, _>>()?,
        )
    } else if o.contains_key("o") {
        Value::object(entries("o")?.into())
    } else {
        return Err("unrecognised encoded value".into());
    };
    Ok(if o.contains_key("!") {
        v.mark_sensitive()
    } else {
        v
    })
}

/// Terraform's `sensitive_attributes` path form: `[{"type":"get_attr","value":"x"}, ...]`.
pub fn path_to_json(p: &Path) -> J {
    J::Array(
        p.0.iter()
            .map(|s| match s {
                PathStep::Attr(a) => json!({"type": "get_attr", "value": a}),
                PathStep::Key(k) => {
                    json!({"type": "index", "value": {"value": k, "type": "string"}})
                }
                PathStep::Index(i) => {
                    json!({"type": "index", "value": {"value": i, "type": "number"}})
                }
            })
            .collect(),
    )
}

/// The inverse of [`path_to_json`].
pub fn path_from_json(j: &J) -> Option<Path> {
    let mut steps = Vec::new();
    for s in j.as_array()? {
        match s.get("type")?.as_str()? {
            "get_attr" => steps.push(PathStep::Attr(s.get("value")?.as_str()?.to_string())),
            "index" => {
                let v = s.get("value")?;
                match v.get("type")?.as_str()? {
                    "string" => steps.push(PathStep::Key(v.get("value")?.as_str()?.to_string())),
                    _ => steps.push(PathStep::Index(v.get("value")?.as_i64()?)),
                }
            }
            _ => return None,
        }
    }
    Some(Path(steps))
}

/// Marks the schema's sensitive attributes (top level and in nested blocks).
pub fn mark_schema_sensitive(v: Value, schema: &Schema) -> Value {
    let (kind, marks) = {
        let m = v.marks();
        (v.into_kind(), m)
    };
    let kind = match kind {
        Kind::Object(mut attrs) => {
            for (name, a) in &schema.attributes {
                if a.sensitive {
                    if let Some(x) = attrs.get_mut(name) {
                        *x = std::mem::replace(x, Value::null_dynamic()).mark_sensitive();
                    }
                }
            }
            for (name, b) in &schema.blocks {
                if let Some(x) = attrs.get_mut(name) {
                    let v = std::mem::replace(x, Value::null_dynamic());
                    *x = map_items(v, &|item| mark_schema_sensitive(item, &b.block));
                }
            }
            Kind::Object(attrs)
        }
        k => k,
    };
    Value::new(kind).with_marks(marks)
}

fn map_items(v: Value, f: &dyn Fn(Value) -> Value) -> Value {
    let marks = v.marks();
    let kind = match v.into_kind() {
        Kind::List(t, items) => Kind::List(t, items.into_iter().map(f).collect()),
        Kind::Set(t, items) => {
            return Value::set(t, items.into_iter().map(f).collect()).with_marks(marks)
        }
        Kind::Tuple(items) => Kind::Tuple(items.into_iter().map(f).collect()),
        Kind::Map(t, m) => Kind::Map(t, m.into_iter().map(|(k, x)| (k, f(x))).collect()),
        k @ Kind::Object(_) => return f(Value::new(k)).with_marks(marks),
        k => k,
    };
    Value::new(kind).with_marks(marks)
}

/// A state object's attributes as a value of the schema's type, marked sensitive where
/// `sensitive_attributes` or the schema says so.
pub fn instance_value(inst: &InstanceState, schema: &Schema) -> Result<Value, String> {
    instance_value_typed(inst, schema, &schema.object_type())
}

/// [`instance_value`] with the schema's object type computed once by the caller.
pub fn instance_value_typed(
    inst: &InstanceState,
    schema: &Schema,
    ty: &girder_core::Type,
) -> Result<Value, String> {
    let j = match &inst.attributes {
        Some(raw) => serde_json::from_str::<J>(raw.as_str()).map_err(|e| e.to_string())?,
        None => match &inst.attributes_flat {
            Some(_) => {
                return Err(
                    "the object has only legacy flat attributes (state from Terraform 0.11); \
                     upgrade it with Terraform 0.12 first"
                        .into(),
                )
            }
            None => J::Object(Map::new()),
        },
    };
    let mut v = Value::from_json_typed(&j, ty)?;
    if let Some(J::Array(paths)) = inst.sensitive_attributes.as_deref() {
        let marks: Vec<(Path, Marks)> = paths
            .iter()
            .filter_map(path_from_json)
            .map(|p| (p, Marks::SENSITIVE))
            .collect();
        v = v.mark_paths(&marks);
    }
    Ok(mark_schema_sensitive(v, schema))
}

/// A new state object from a value: attributes as JSON, value marks (those not implied by
/// the schema) as `sensitive_attributes`.
pub fn instance_object(
    v: &Value,
    schema: &Schema,
    index_key: Option<girder_core::addr::InstanceKey>,
) -> Result<InstanceState, String> {
    let (plain, marks) = v.clone().unmark_deep();
    let json = plain.to_json()?;
    let mut inst = InstanceState::new(index_key, &J::Null);
    inst.attributes = Some(RawJson::from_value(&json));
    inst.schema_version = schema.version;
    let mut paths: Vec<J> = marks
        .iter()
        .filter(|(p, _)| !schema.is_sensitive_path(p))
        .map(|(p, _)| path_to_json(p))
        .collect();
    paths.dedup();
    inst.sensitive_attributes = (!paths.is_empty()).then(|| Box::new(J::Array(paths)));
    Ok(inst)
}

#[cfg(test)]
mod tests {
    use super::*;
    use girder_provider::schema::Attribute;
    use std::collections::BTreeMap;

    #[test]
    fn encoded_values_round_trip() {
        let v = Value::object_from([
            ("a", Value::unknown(Type::String)),
            ("b", Value::string("x").mark_sensitive()),
            (
                "c",
                Value::list(Type::Number, vec![Value::int(1), Value::int(2)]),
            ),
            ("d", Value::null(Type::map(Type::String))),
            (
                "e",
                Value::map(
                    Type::Bool,
                    BTreeMap::from([("k".to_string(), Value::bool(true))]).into(),
                ),
            ),
            ("f", Value::set(Type::String, vec![Value::string("q")])),
            ("g", Value::tuple(vec![Value::unknown_dynamic()])),
        ]);
        let j = encode_value(&v);
        let back = decode_value(&j).unwrap();
        assert_eq!(back, v);
        assert!(decode_value(&json!({"zz": 1})).is_err());
    }

    #[test]
    fn state_objects_round_trip_with_marks() {
        let schema = Schema::new()
            .attr("id", Attribute::computed(Type::String))
            .attr("pw", Attribute::optional(Type::String).sensitive())
            .attr("tags", Attribute::optional(Type::map(Type::String)));
        let v = Value::object_from([
            ("id", Value::string("i-1")),
            ("pw", Value::string("hunter2").mark_sensitive()),
            (
                "tags",
                Value::map(
                    Type::String,
                    BTreeMap::from([("k".to_string(), Value::string("s").mark_sensitive())]).into(),
                ),
            ),
        ]);
        let inst = instance_object(&v, &schema, None).unwrap();
        assert_eq!(
            inst.sensitive_attributes.as_ref().unwrap().to_string(),
            r#"[[{"type":"get_attr","value":"tags"},{"type":"index","value":{"value":"k","type":"string"}}]]"#
        );
        let back = instance_value(&inst, &schema).unwrap();
        assert_eq!(back, v);
    }
}
