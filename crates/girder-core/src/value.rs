//! Terraform values (cty values) with unknown and sensitive marks.
//!
//! A [`Value`] is a [`Kind`] plus [`Marks`]. Marks sit on any node of a value tree, so a list can
//! be non-sensitive while one element is sensitive. Unknown values carry their type (or
//! [`Type::Dynamic`] when even the type is not known yet). Every operation in girder-lang
//! propagates both exactly as Terraform does: an operation on an unknown gives an unknown of
//! the result type, and the result of an operation carries the union of its operands' marks.

use crate::number::Number;
use crate::types::{ObjectType, Type};
pub use crate::valuemap::ValueMap;
use smol_str::SmolStr;
use std::cmp::Ordering;

use std::fmt;

/// Marks on a value. Currently only `sensitive`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Marks(u8);

impl Marks {
    /// No marks.
    pub const NONE: Marks = Marks(0);
    /// The value is sensitive: never printed, never logged.
    pub const SENSITIVE: Marks = Marks(1);

    /// Is the sensitive mark set?
    pub fn is_sensitive(self) -> bool {
        self.0 & 1 != 0
    }
    /// Union of two mark sets.
    pub fn union(self, other: Marks) -> Marks {
        Marks(self.0 | other.0)
    }
    /// No marks at all?
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

/// One step of a path into a value (`.name`, `["key"]`, `[0]`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PathStep {
    /// Object attribute.
    Attr(String),
    /// Map key (or string index).
    Key(String),
    /// List/tuple index (or numeric set key).
    Index(i64),
}

/// A path into a value, e.g. `settings.labels["x"]`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Path(pub Vec<PathStep>);

impl Path {
    /// The empty path (the value itself).
    pub fn root() -> Path {
        Path(Vec::new())
    }
    /// A new path with one more step.
    pub fn child(&self, step: PathStep) -> Path {
        let mut p = self.0.clone();
        p.push(step);
        Path(p)
    }
    /// Renders after a prefix, Terraform style: `var.settings.labels["x"]`.
    pub fn render_with_prefix(&self, prefix: &str) -> String {
        format!("{prefix}{self}")
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for s in &self.0 {
            match s {
                PathStep::Attr(a) => write!(f, ".{a}")?,
                PathStep::Key(k) => write!(f, "[{k:?}]")?,
                PathStep::Index(i) => write!(f, "[{i}]")?,
            }
        }
        Ok(())
    }
}

/// What a value is.
#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    /// `null` of a type (Dynamic for a literal `null`).
    Null(Type),
    /// Unknown ("known after apply") of a type (Dynamic when the type is unknown too).
    Unknown(Type),
    /// `true` / `false`
    Bool(bool),
    /// A number.
    Number(Number),
    /// A string (inline up to 23 bytes, else shared: clones never copy the text).
    String(SmolStr),
    /// `list(T)`: element type and elements (each converted to T already).
    List(Type, Vec<Value>),
    /// `set(T)`: element type and elements, deduplicated and in canonical order
    /// (see [`Value::set`]).
    Set(Type, Vec<Value>),
    /// `map(T)`: element type and entries (sorted by key).
    Map(Type, ValueMap),
    /// A tuple: elements of any types.
    Tuple(Vec<Value>),
    /// An object: attributes of any types (sorted by name).
    Object(ValueMap),
}

/// A Terraform value: a [`Kind`] plus [`Marks`].
#[derive(Clone, Debug, PartialEq)]
pub struct Value {
    kind: Kind,
    marks: Marks,
}

impl Value {
    // ----- constructors -----

    /// A value of a kind, no marks.
    pub fn new(kind: Kind) -> Value {
        Value {
            kind,
            marks: Marks::NONE,
        }
    }
    /// `null` of a type.
    pub fn null(ty: Type) -> Value {
        Value::new(Kind::Null(ty))
    }
    /// Untyped `null` (the literal).
    pub fn null_dynamic() -> Value {
        Value::null(Type::Dynamic)
    }
    /// Unknown of a type.
    pub fn unknown(ty: Type) -> Value {
        Value::new(Kind::Unknown(ty))
    }
    /// Unknown whose type is unknown too.
    pub fn unknown_dynamic() -> Value {
        Value::unknown(Type::Dynamic)
    }
    /// A bool.
    pub fn bool(b: bool) -> Value {
        Value::new(Kind::Bool(b))
    }
    /// A number.
    pub fn number(n: Number) -> Value {
        Value::new(Kind::Number(n))
    }
    /// An integer number.
    pub fn int(i: i64) -> Value {
        Value::number(Number::from_i64(i))
    }
    /// A string.
    pub fn string(s: impl Into<SmolStr>) -> Value {
        Value::new(Kind::String(s.into()))
    }
    /// A list whose elements already have type `elem` (not checked).
    pub fn list(elem: Type, items: Vec<Value>) -> Value {
        Value::new(Kind::List(elem, items))
    }
    /// An empty list of `elem`.
    pub fn empty_list(elem: Type) -> Value {
        Value::list(elem, Vec::new())
    }
    /// A set whose elements already have type `elem`; deduplicates and orders canonically.
    pub fn set(elem: Type, mut items: Vec<Value>) -> Value {
        items.sort_by(Value::set_order);
        items.dedup_by(|a, b| a.raw_equal(b));
        Value::new(Kind::Set(elem, items))
    }
    /// A map whose values already have type `elem` (not checked).
    pub fn map(elem: Type, entries: ValueMap) -> Value {
        Value::new(Kind::Map(elem, entries))
    }
    /// A tuple.
    pub fn tuple(items: Vec<Value>) -> Value {
        Value::new(Kind::Tuple(items))
    }
    /// An object.
    pub fn object(attrs: ValueMap) -> Value {
        Value::new(Kind::Object(attrs))
    }
    /// An object from pairs.
    pub fn object_from<K: Into<String>>(attrs: impl IntoIterator<Item = (K, Value)>) -> Value {
        Value::object(attrs.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }
    /// The empty object `{}`.
    pub fn empty_object() -> Value {
        Value::object(ValueMap::new())
    }

    // ----- inspection -----

    /// The kind.
    pub fn kind(&self) -> &Kind {
        &self.kind
    }
    /// The kind, by value.
    pub fn into_kind(self) -> Kind {
        self.kind
    }
    /// Marks on this node (not on nested values).
    pub fn marks(&self) -> Marks {
        self.marks
    }
    /// The type of this value.
    pub fn ty(&self) -> Type {
        match &self.kind {
            Kind::Null(t) | Kind::Unknown(t) => t.clone(),
            Kind::Bool(_) => Type::Bool,
            Kind::Number(_) => Type::Number,
            Kind::String(_) => Type::String,
            Kind::List(t, _) => Type::list(t.clone()),
            Kind::Set(t, _) => Type::set(t.clone()),
            Kind::Map(t, _) => Type::map(t.clone()),
            Kind::Tuple(items) => Type::Tuple(items.iter().map(Value::ty).collect()),
            Kind::Object(attrs) => Type::Object(Box::new(ObjectType {
                attrs: attrs.iter().map(|(k, v)| (k.clone(), v.ty())).collect(),
                optional: Default::default(),
            })),
        }
    }
    /// Is it null?
    pub fn is_null(&self) -> bool {
        matches!(self.kind, Kind::Null(_))
    }
    /// Is it known (this node; nested values may still be unknown)?
    pub fn is_known(&self) -> bool {
        !matches!(self.kind, Kind::Unknown(_))
    }
    /// Is everything in it known?
    pub fn is_wholly_known(&self) -> bool {
        match &self.kind {
            Kind::Unknown(_) => false,
            Kind::List(_, items) | Kind::Set(_, items) | Kind::Tuple(items) => {
                items.iter().all(Value::is_wholly_known)
            }
            Kind::Map(_, m) | Kind::Object(m) => m.values().all(Value::is_wholly_known),
            _ => true,
        }
    }
    /// Is this node marked sensitive?
    pub fn is_sensitive(&self) -> bool {
        self.marks.is_sensitive()
    }
    /// Is this node or anything in it sensitive?
    pub fn contains_sensitive(&self) -> bool {
        self.marks.is_sensitive()
            || match &self.kind {
                Kind::List(_, items) | Kind::Set(_, items) | Kind::Tuple(items) => {
                    items.iter().any(Value::contains_sensitive)
                }
                Kind::Map(_, m) | Kind::Object(m) => m.values().any(Value::contains_sensitive),
                _ => false,
            }
    }
    /// The bool, if this is a known bool.
    pub fn as_bool(&self) -> Option<bool> {
        match self.kind {
            Kind::Bool(b) => Some(b),
            _ => None,
        }
    }
    /// The string, if this is a known string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::String(s) => Some(s),
            _ => None,
        }
    }
    /// The number, if this is a known number.
    pub fn as_number(&self) -> Option<&Number> {
        match &self.kind {
            Kind::Number(n) => Some(n),
            _ => None,
        }
    }
    /// Elements of a known list, set or tuple.
    pub fn as_seq(&self) -> Option<&[Value]> {
        match &self.kind {
            Kind::List(_, v) | Kind::Set(_, v) | Kind::Tuple(v) => Some(v),
            _ => None,
        }
    }
    /// Entries of a known map or object.
    pub fn as_map(&self) -> Option<&ValueMap> {
        match &self.kind {
            Kind::Map(_, m) | Kind::Object(m) => Some(m),
            _ => None,
        }
    }
    /// Attribute of an object (None if absent or not an object).
    pub fn get_attr(&self, name: &str) -> Option<&Value> {
        match &self.kind {
            Kind::Object(m) => m.get(name),
            _ => None,
        }
    }
    /// Length of a known collection or structural value.
    pub fn len(&self) -> Option<usize> {
        match &self.kind {
            Kind::List(_, v) | Kind::Set(_, v) | Kind::Tuple(v) => Some(v.len()),
            Kind::Map(_, m) | Kind::Object(m) => Some(m.len()),
            _ => None,
        }
    }
    /// Is this a known, empty collection?
    pub fn is_empty(&self) -> bool {
        self.len() == Some(0)
    }

    // ----- marks -----

    /// Adds marks to this node.
    pub fn with_marks(mut self, marks: Marks) -> Value {
        self.marks = self.marks.union(marks);
        self
    }
    /// Marks this node sensitive.
    pub fn mark_sensitive(self) -> Value {
        self.with_marks(Marks::SENSITIVE)
    }
    /// Removes the marks of this node, returning them.
    pub fn unmark(mut self) -> (Value, Marks) {
        let m = self.marks;
        self.marks = Marks::NONE;
        (self, m)
    }
    /// Removes all marks everywhere, returning the paths that had marks.
    pub fn unmark_deep(self) -> (Value, Vec<(Path, Marks)>) {
        let mut paths = Vec::new();
        if !self.has_marks_deep() {
            return (self, paths);
        }
        let v = self.unmark_deep_at(&mut Vec::new(), &mut paths);
        (v, paths)
    }
    /// The marks inside the value with their paths, as [`Value::unmark_deep`] gives them
    /// (without copying an unmarked value).
    pub fn deep_marks(&self) -> Vec<(Path, Marks)> {
        if self.has_marks_deep() {
            self.clone().unmark_deep().1
        } else {
            Vec::new()
        }
    }
    /// Does the value or anything inside it carry a mark?
    pub fn has_marks_deep(&self) -> bool {
        !self.marks.is_empty()
            || match &self.kind {
                Kind::List(_, items) | Kind::Set(_, items) | Kind::Tuple(items) => {
                    items.iter().any(Value::has_marks_deep)
                }
                Kind::Map(_, m) | Kind::Object(m) => m.values().any(Value::has_marks_deep),
                _ => false,
            }
    }
    fn unmark_deep_at(self, at: &mut Vec<PathStep>, out: &mut Vec<(Path, Marks)>) -> Value {
        if !self.marks.is_empty() {
            out.push((Path(at.clone()), self.marks));
        }
        let kind = match self.kind {
            Kind::List(t, items) => Kind::List(
                t,
                items
                    .into_iter()
                    .enumerate()
                    .map(|(i, v)| v.unmark_child(at, PathStep::Index(i as i64), out))
                    .collect(),
            ),
            Kind::Tuple(items) => Kind::Tuple(
                items
                    .into_iter()
                    .enumerate()
                    .map(|(i, v)| v.unmark_child(at, PathStep::Index(i as i64), out))
                    .collect(),
            ),
            Kind::Set(t, items) => Kind::Set(
                t,
                items
                    .into_iter()
                    .map(|v| {
                        // Terraform records marks inside sets on the set itself.
                        let mut inner = Vec::new();
                        let v = v.unmark_deep_at(at, &mut inner);
                        for (_, m) in inner {
                            out.push((Path(at.clone()), m));
                        }
                        v
                    })
                    .collect(),
            ),
            Kind::Map(t, m) => Kind::Map(
                t,
                m.into_iter()
                    .map(|(k, v)| {
                        let v = v.unmark_child(at, PathStep::Key(k.clone()), out);
                        (k, v)
                    })
                    .collect(),
            ),
            Kind::Object(m) => Kind::Object(
                m.into_iter()
                    .map(|(k, v)| {
                        let v = v.unmark_child(at, PathStep::Attr(k.clone()), out);
                        (k, v)
                    })
                    .collect(),
            ),
            k => k,
        };
        Value::new(kind)
    }
    /// [`Value::unmark_deep_at`] one step below `at` (the step is only built into a path when
    /// a mark is found below it).
    fn unmark_child(
        self,
        at: &mut Vec<PathStep>,
        step: PathStep,
        out: &mut Vec<(Path, Marks)>,
    ) -> Value {
        if !self.has_marks_deep() {
            return self;
        }
        at.push(step);
        let v = self.unmark_deep_at(at, out);
        at.pop();
        v
    }
    /// Re-applies marks at paths (the inverse of [`Value::unmark_deep`]). Paths that do not
    /// exist in the value are ignored.
    pub fn mark_paths(mut self, paths: &[(Path, Marks)]) -> Value {
        for (p, m) in paths {
            if let Some(node) = self.get_path_mut(&p.0) {
                node.marks = node.marks.union(*m);
            }
        }
        self
    }
    fn get_path_mut(&mut self, steps: &[PathStep]) -> Option<&mut Value> {
        let Some((first, rest)) = steps.split_first() else {
            return Some(self);
        };
        let next = match (&mut self.kind, first) {
            (Kind::Object(m), PathStep::Attr(a)) | (Kind::Map(_, m), PathStep::Key(a)) => {
                m.get_mut(a)
            }
            (Kind::Object(m), PathStep::Key(a)) | (Kind::Map(_, m), PathStep::Attr(a)) => {
                m.get_mut(a)
            }
            (Kind::List(_, v) | Kind::Tuple(v), PathStep::Index(i)) => {
                usize::try_from(*i).ok().and_then(|i| v.get_mut(i))
            }
            _ => None,
        }?;
        next.get_path_mut(rest)
    }

    // ----- comparison -----

    /// Structural equality ignoring marks (cty's RawEquals without marks): unknowns are equal
    /// only to unknowns of the same type.
    pub fn raw_equal(&self, other: &Value) -> bool {
        match (&self.kind, &other.kind) {
            (Kind::List(t1, a), Kind::List(t2, b)) | (Kind::Set(t1, a), Kind::Set(t2, b)) => {
                t1 == t2 && a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.raw_equal(y))
            }
            (Kind::Tuple(a), Kind::Tuple(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.raw_equal(y))
            }
            (Kind::Map(t1, a), Kind::Map(t2, b)) => {
                t1 == t2
                    && (a.ptr_eq(b)
                        || a.len() == b.len()
                            && a.iter()
                                .zip(b)
                                .all(|((k1, v1), (k2, v2))| k1 == k2 && v1.raw_equal(v2)))
            }
            (Kind::Object(a), Kind::Object(b)) => {
                a.ptr_eq(b)
                    || a.len() == b.len()
                        && a.iter()
                            .zip(b)
                            .all(|((k1, v1), (k2, v2))| k1 == k2 && v1.raw_equal(v2))
            }
            (a, b) => a == b,
        }
    }

    /// The canonical order of set elements: numbers ascending, strings lexically (by bytes),
    /// false before true, unknowns last, then by type and structure.
    pub fn set_order(a: &Value, b: &Value) -> Ordering {
        fn rank(k: &Kind) -> u8 {
            match k {
                Kind::Bool(_) => 0,
                Kind::Number(_) => 1,
                Kind::String(_) => 2,
                Kind::List(..) | Kind::Set(..) | Kind::Tuple(_) => 3,
                Kind::Map(..) | Kind::Object(_) => 4,
                Kind::Null(_) => 5,
                Kind::Unknown(_) => 6,
            }
        }
        match (&a.kind, &b.kind) {
            (Kind::Bool(x), Kind::Bool(y)) => x.cmp(y),
            (Kind::Number(x), Kind::Number(y)) => x.cmp(y),
            (Kind::String(x), Kind::String(y)) => x.cmp(y),
            (
                Kind::List(_, x) | Kind::Set(_, x) | Kind::Tuple(x),
                Kind::List(_, y) | Kind::Set(_, y) | Kind::Tuple(y),
            ) => {
                for (p, q) in x.iter().zip(y) {
                    let o = Value::set_order(p, q);
                    if o != Ordering::Equal {
                        return o;
                    }
                }
                x.len().cmp(&y.len())
            }
            (Kind::Map(_, x) | Kind::Object(x), Kind::Map(_, y) | Kind::Object(y)) => {
                for ((k1, v1), (k2, v2)) in x.iter().zip(y) {
                    let o = k1.cmp(k2).then_with(|| Value::set_order(v1, v2));
                    if o != Ordering::Equal {
                        return o;
                    }
                }
                x.len().cmp(&y.len())
            }
            (ka, kb) => rank(ka).cmp(&rank(kb)),
        }
    }

    // ----- JSON -----

    /// The JSON form of a wholly known value (state attributes, `jsonencode`, outputs).
    /// Marks are ignored (callers decide what may be shown). Unknown values give `Err`.
    pub fn to_json(&self) -> Result<serde_json::Value, String> {
        use serde_json::Value as J;
        Ok(match &self.kind {
            Kind::Null(_) => J::Null,
            Kind::Unknown(_) => return Err("value is not known".into()),
            Kind::Bool(b) => J::Bool(*b),
            Kind::Number(n) => n.to_json(),
            Kind::String(s) => J::String(s.to_string()),
            Kind::List(_, v) | Kind::Set(_, v) | Kind::Tuple(v) => {
                J::Array(v.iter().map(Value::to_json).collect::<Result<_, _>>()?)
            }
            Kind::Map(_, m) | Kind::Object(m) => {
                let mut o = serde_json::Map::new();
                for (k, v) in m {
                    o.insert(k.clone(), v.to_json()?);
                }
                J::Object(o)
            }
        })
    }

    /// A value from JSON with its implied type (as `jsondecode` does: objects become objects,
    /// arrays become tuples).
    pub fn from_json_implied(j: &serde_json::Value) -> Value {
        use serde_json::Value as J;
        match j {
            J::Null => Value::null_dynamic(),
            J::Bool(b) => Value::bool(*b),
            J::Number(n) => Number::parse(&n.to_string())
                .map(Value::number)
                .unwrap_or_else(|_| Value::null(Type::Number)),
            J::String(s) => Value::string(s.clone()),
            J::Array(a) => Value::tuple(a.iter().map(Value::from_json_implied).collect()),
            J::Object(o) => Value::object(
                o.iter()
                    .map(|(k, v)| (k.clone(), Value::from_json_implied(v)))
                    .collect(),
            ),
        }
    }

    /// A value from JSON read as type `ty` (state attributes with a schema type, outputs with
    /// their recorded type).
    pub fn from_json_typed(j: &serde_json::Value, ty: &Type) -> Result<Value, String> {
        use serde_json::Value as J;
        if j.is_null() {
            return Ok(Value::null(ty.clone()));
        }
        Ok(match (ty, j) {
            (Type::Dynamic, _) => Value::from_json_implied(j),
            (Type::Bool, J::Bool(b)) => Value::bool(*b),
            (Type::Number, J::Number(n)) => {
                Value::number(Number::parse(&n.to_string()).map_err(|e| e.to_string())?)
            }
            (Type::Number, J::String(s)) => {
                Value::number(Number::parse(s).map_err(|e| e.to_string())?)
            }
            (Type::String, J::String(s)) => Value::string(s.clone()),
            (Type::String, J::Number(n)) => Value::string(n.to_string()),
            (Type::String, J::Bool(b)) => Value::string(b.to_string()),
            (Type::List(t), J::Array(a)) => Value::list(
                (**t).clone(),
                a.iter()
                    .map(|x| Value::from_json_typed(x, t))
                    .collect::<Result<_, _>>()?,
            ),
            (Type::Set(t), J::Array(a)) => Value::set(
                (**t).clone(),
                a.iter()
                    .map(|x| Value::from_json_typed(x, t))
                    .collect::<Result<_, _>>()?,
            ),
            (Type::Map(t), J::Object(o)) => Value::map(
                (**t).clone(),
                o.iter()
                    .map(|(k, x)| Ok((k.clone(), Value::from_json_typed(x, t)?)))
                    .collect::<Result<_, String>>()?,
            ),
            (Type::Tuple(ts), J::Array(a)) if ts.len() == a.len() => Value::tuple(
                a.iter()
                    .zip(ts.iter())
                    .map(|(x, t)| Value::from_json_typed(x, t))
                    .collect::<Result<_, _>>()?,
            ),
            (Type::Object(ot), J::Object(o)) => {
                let mut attrs = Vec::with_capacity(ot.attrs.len());
                for (k, t) in &ot.attrs {
                    let v = match o.get(k) {
                        Some(x) => Value::from_json_typed(x, t)?,
                        None => Value::null(t.clone()),
                    };
                    attrs.push((k.clone(), v));
                }
                Value::object(attrs.into_iter().collect())
            }
            (t, j) => return Err(format!("JSON {j} does not fit type {t}")),
        })
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::bool(b)
    }
}
impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::string(s)
    }
}
impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::string(s)
    }
}
impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::int(i)
    }
}
impl From<Number> for Value {
    fn from(n: Number) -> Self {
        Value::number(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_survive_unmark_and_remark() {
        let v = Value::object_from([
            ("a", Value::string("x").mark_sensitive()),
            (
                "b",
                Value::tuple(vec![Value::int(1), Value::int(2).mark_sensitive()]),
            ),
        ]);
        assert!(v.contains_sensitive());
        assert!(!v.is_sensitive());
        let (plain, paths) = v.clone().unmark_deep();
        assert!(!plain.contains_sensitive());
        assert_eq!(paths.len(), 2);
        assert_eq!(paths[0].0.to_string(), ".a");
        assert_eq!(paths[1].0.to_string(), ".b[1]");
        assert_eq!(plain.mark_paths(&paths), v);
    }

    #[test]
    fn sets_are_deduplicated_and_ordered() {
        let s = Value::set(
            Type::String,
            vec![Value::string("b"), Value::string("a"), Value::string("b")],
        );
        let items: Vec<_> = s
            .as_seq()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(items, ["a", "b"]);
    }

    #[test]
    fn json_round_trip_typed() {
        let ty = Type::list(Type::object(
            [
                ("n".to_string(), Type::Number),
                ("s".to_string(), Type::String),
            ]
            .into(),
        ));
        let j = serde_json::json!([{"n": 1, "s": "x"}, {"n": 2, "s": null}]);
        let v = Value::from_json_typed(&j, &ty).unwrap();
        assert_eq!(v.ty(), ty);
        assert_eq!(v.to_json().unwrap(), j);
        assert!(Value::unknown(Type::String).to_json().is_err());
    }
}
