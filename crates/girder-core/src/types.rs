//! Terraform's type system (cty types).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// A Terraform type. `Dynamic` is cty's `DynamicPseudoType` (`any` in a type constraint, and the
/// type of an unknown value whose type is not yet known).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Type {
    /// `any` / cty.DynamicPseudoType.
    Dynamic,
    /// `bool`
    Bool,
    /// `number`
    Number,
    /// `string`
    String,
    /// `list(T)`
    List(Box<Type>),
    /// `set(T)`
    Set(Box<Type>),
    /// `map(T)`
    Map(Box<Type>),
    /// `tuple([T, ...])` (boxed: keeps `Type` at 16 bytes, so `Value` at 56)
    Tuple(Box<Vec<Type>>),
    /// `object({name = T, ...})`; `optional` names attributes that may be omitted (only used in
    /// type constraints; values' types never carry optional attributes).
    Object(Box<ObjectType>),
}

/// The attribute types of an object type.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct ObjectType {
    /// Attribute name to type.
    pub attrs: BTreeMap<String, Type>,
    /// Attributes declared with `optional(...)` in a type constraint.
    pub optional: BTreeSet<String>,
}

impl Type {
    /// `list(T)`
    pub fn list(t: Type) -> Type {
        Type::List(Box::new(t))
    }
    /// `set(T)`
    pub fn set(t: Type) -> Type {
        Type::Set(Box::new(t))
    }
    /// `map(T)`
    pub fn map(t: Type) -> Type {
        Type::Map(Box::new(t))
    }
    /// An object type without optional attributes.
    pub fn object(attrs: BTreeMap<String, Type>) -> Type {
        Type::Object(Box::new(ObjectType {
            attrs,
            optional: BTreeSet::new(),
        }))
    }
    /// The empty object type `object({})`.
    pub fn empty_object() -> Type {
        Type::object(BTreeMap::new())
    }

    /// Is this a primitive (bool, number, string)?
    pub fn is_primitive(&self) -> bool {
        matches!(self, Type::Bool | Type::Number | Type::String)
    }
    /// list, set or map.
    pub fn is_collection(&self) -> bool {
        matches!(self, Type::List(_) | Type::Set(_) | Type::Map(_))
    }
    /// The element type of a list, set or map.
    pub fn element_type(&self) -> Option<&Type> {
        match self {
            Type::List(t) | Type::Set(t) | Type::Map(t) => Some(t),
            _ => None,
        }
    }
    /// Does this type contain `Dynamic` anywhere?
    pub fn has_dynamic(&self) -> bool {
        match self {
            Type::Dynamic => true,
            Type::List(t) | Type::Set(t) | Type::Map(t) => t.has_dynamic(),
            Type::Tuple(ts) => ts.iter().any(Type::has_dynamic),
            Type::Object(o) => o.attrs.values().any(Type::has_dynamic),
            _ => false,
        }
    }

    /// Terraform's friendly name, as used in error messages ("string", "list of string",
    /// "object", "tuple").
    pub fn friendly_name(&self) -> String {
        match self {
            Type::Dynamic => "dynamic".into(),
            Type::Bool => "bool".into(),
            Type::Number => "number".into(),
            Type::String => "string".into(),
            Type::List(t) => format!("list of {}", t.friendly_name()),
            Type::Set(t) => format!("set of {}", t.friendly_name()),
            Type::Map(t) => format!("map of {}", t.friendly_name()),
            Type::Tuple(_) => "tuple".into(),
            Type::Object(_) => "object".into(),
        }
    }

    /// The JSON type representation used in state files and `show -json`
    /// (`"string"`, `["list","string"]`, `["object",{"a":"number"}]`, `"dynamic"`).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::{json, Value as J};
        match self {
            Type::Dynamic => json!("dynamic"),
            Type::Bool => json!("bool"),
            Type::Number => json!("number"),
            Type::String => json!("string"),
            Type::List(t) => json!(["list", t.to_json()]),
            Type::Set(t) => json!(["set", t.to_json()]),
            Type::Map(t) => json!(["map", t.to_json()]),
            Type::Tuple(ts) => J::Array(vec![
                json!("tuple"),
                J::Array(ts.iter().map(Type::to_json).collect()),
            ]),
            Type::Object(o) => {
                let attrs: serde_json::Map<String, J> = o
                    .attrs
                    .iter()
                    .map(|(k, t)| (k.clone(), t.to_json()))
                    .collect();
                if o.optional.is_empty() {
                    J::Array(vec![json!("object"), J::Object(attrs)])
                } else {
                    J::Array(vec![
                        json!("object"),
                        J::Object(attrs),
                        J::Array(o.optional.iter().map(|s| json!(s)).collect()),
                    ])
                }
            }
        }
    }

    /// Parse the JSON type representation (inverse of [`Type::to_json`]).
    pub fn from_json(j: &serde_json::Value) -> Result<Type, String> {
        use serde_json::Value as J;
        match j {
            J::String(s) => match s.as_str() {
                "dynamic" => Ok(Type::Dynamic),
                "bool" => Ok(Type::Bool),
                "number" => Ok(Type::Number),
                "string" => Ok(Type::String),
                other => Err(format!("unknown primitive type {other:?}")),
            },
            J::Array(parts) if parts.len() >= 2 => {
                let kind = parts[0].as_str().ok_or("type kind must be a string")?;
                match kind {
                    "list" => Ok(Type::list(Type::from_json(&parts[1])?)),
                    "set" => Ok(Type::set(Type::from_json(&parts[1])?)),
                    "map" => Ok(Type::map(Type::from_json(&parts[1])?)),
                    "tuple" => {
                        let elems = parts[1].as_array().ok_or("tuple types must be an array")?;
                        Ok(Type::Tuple(
                            elems
                                .iter()
                                .map(Type::from_json)
                                .collect::<Result<_, _>>()?,
                        ))
                    }
                    "object" => {
                        let attrs = parts[1].as_object().ok_or("object types must be a map")?;
                        let mut o = ObjectType::default();
                        for (k, v) in attrs {
                            o.attrs.insert(k.clone(), Type::from_json(v)?);
                        }
                        if let Some(J::Array(opt)) = parts.get(2) {
                            for n in opt {
                                if let Some(n) = n.as_str() {
                                    o.optional.insert(n.to_string());
                                }
                            }
                        }
                        Ok(Type::Object(Box::new(o)))
                    }
                    other => Err(format!("unknown type kind {other:?}")),
                }
            }
            _ => Err("invalid type representation".into()),
        }
    }
}

/// Displays the type in Terraform's type-constraint syntax, as `type()` and `console` print it
/// (`list(string)`, `object({a=number})` is printed multi-line by the console; this is the
/// compact form).
impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Dynamic => write!(f, "dynamic"),
            Type::Bool => write!(f, "bool"),
            Type::Number => write!(f, "number"),
            Type::String => write!(f, "string"),
            Type::List(t) => write!(f, "list({t})"),
            Type::Set(t) => write!(f, "set({t})"),
            Type::Map(t) => write!(f, "map({t})"),
            Type::Tuple(ts) => {
                write!(f, "tuple([")?;
                for (i, t) in ts.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{t}")?;
                }
                write!(f, "])")
            }
            Type::Object(o) => {
                write!(f, "object({{")?;
                for (i, (k, t)) in o.attrs.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    if o.optional.contains(k) {
                        write!(f, "{k}=optional({t})")?;
                    } else {
                        write!(f, "{k}={t}")?;
                    }
                }
                write!(f, "}})")
            }
        }
    }
}

/// Collects the element types of a tuple type (`Type::Tuple(iter.collect())`).
impl FromIterator<Type> for Box<Vec<Type>> {
    fn from_iter<I: IntoIterator<Item = Type>>(iter: I) -> Box<Vec<Type>> {
        Box::new(iter.into_iter().collect())
    }
}
