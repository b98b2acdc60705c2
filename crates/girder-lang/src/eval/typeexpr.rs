//! Type constraints (`type = ...` of variables, `object({...})` with `optional`), as HCL's
//! `typeexpr` package parses them, with Terraform 1.3's `optional(T, default)` semantics:
//! defaults are applied to missing or null attributes before the value is converted.

use super::ast::{Node, NodeKind, ObjKey};
use super::conv;
use crate::source::Expr;
use girder_core::types::ObjectType;
use girder_core::value::Kind;
use girder_core::{Diagnostic, Diagnostics, Type, Value};
use std::collections::BTreeMap;

/// A parsed type constraint: the type and the defaults of its optional attributes.
#[derive(Clone, Debug, PartialEq)]
pub struct TypeConstraint {
    /// The type (object types carry their optional attribute names).
    pub ty: Type,
    /// Defaults, when any `optional(T, default)` appears.
    pub defaults: Option<Defaults>,
}

/// Defaults for a value of type `ty` (Terraform's `typeexpr.Defaults`).
#[derive(Clone, Debug, PartialEq)]
pub struct Defaults {
    /// The type these defaults apply to.
    pub ty: Type,
    /// Default values of attributes of this object type.
    pub values: BTreeMap<String, Value>,
    /// Defaults deeper down: by attribute name for objects, by element index for tuples, under
    /// `""` for the elements of lists, sets and maps.
    pub children: BTreeMap<String, Defaults>,
}

/// A value that does not fit its type constraint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConvertFailure {
    /// Where, rendered after the root the caller named (`var.settings.labels["x"]`).
    pub path: String,
    /// What is wrong ("a number is required", "attribute \"name\" is required").
    pub message: String,
}

impl std::fmt::Display for ConvertFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl TypeConstraint {
    /// Applies the defaults, then converts `v` to the type. `root` names the value in errors
    /// (`var.settings`).
    pub fn convert(&self, v: &Value, root: &str) -> Result<Value, ConvertFailure> {
        let applied;
        let v = match &self.defaults {
            Some(d) => {
                applied = d.apply(v.clone());
                &applied
            }
            None => v,
        };
        conv::convert(v, &self.ty).map_err(|e| ConvertFailure {
            path: e.path.render_with_prefix(root),
            message: e.message,
        })
    }
}

impl Defaults {
    /// Fills missing or null attributes that have defaults, recursively. Null and unknown
    /// values are left alone.
    pub fn apply(&self, v: Value) -> Value {
        if v.is_null() || !v.is_known() {
            return v;
        }
        let (v, marks) = v.unmark();
        let out = match (v.into_kind(), &self.ty) {
            (Kind::Object(mut m), Type::Object(_)) | (Kind::Map(_, mut m), Type::Object(_)) => {
                for (k, d) in &self.values {
                    if m.get(k).is_none_or(Value::is_null) {
                        m.insert(k.clone(), d.clone());
                    }
                }
                for (k, child) in &self.children {
                    if let Some(x) = m.remove(k) {
                        m.insert(k.clone(), child.apply(x));
                    }
                }
                Value::object(m)
            }
            (Kind::Tuple(items), Type::Tuple(_)) => Value::tuple(
                items
                    .into_iter()
                    .enumerate()
                    .map(|(i, x)| match self.children.get(&i.to_string()) {
                        Some(c) => c.apply(x),
                        None => x,
                    })
                    .collect(),
            ),
            (kind, Type::List(_) | Type::Set(_) | Type::Map(_)) => {
                let Some(c) = self.children.get("") else {
                    return Value::new(kind).with_marks(marks);
                };
                match kind {
                    Kind::Tuple(items) => {
                        Value::tuple(items.into_iter().map(|x| c.apply(x)).collect())
                    }
                    Kind::List(t, items) => {
                        Value::list(t, items.into_iter().map(|x| c.apply(x)).collect())
                    }
                    Kind::Set(t, items) => {
                        Value::set(t, items.into_iter().map(|x| c.apply(x)).collect())
                    }
                    Kind::Object(m) => {
                        Value::object(m.into_iter().map(|(k, x)| (k, c.apply(x))).collect())
                    }
                    Kind::Map(t, m) => {
                        Value::map(t, m.into_iter().map(|(k, x)| (k, c.apply(x))).collect())
                    }
                    k => Value::new(k),
                }
            }
            (kind, _) => Value::new(kind),
        };
        out.with_marks(marks)
    }
}

/// Parses a type constraint expression.
pub fn parse(expr: &Expr) -> Result<TypeConstraint, Diagnostics> {
    let p = Parser { expr };
    let (ty, defaults) = p.ty(expr.node(), false)?;
    Ok(TypeConstraint { ty, defaults })
}

/// Parses a type constraint that may not have defaults (`optional(T)` is still allowed).
pub fn parse_type(expr: &Expr) -> Result<Type, Diagnostics> {
    parse(expr).map(|t| t.ty)
}

struct Parser<'a> {
    expr: &'a Expr,
}

type Parsed = (Type, Option<Defaults>);

impl Parser<'_> {
    fn err(&self, n: &Node, detail: impl Into<String>) -> Diagnostics {
        Diagnostic::error("Invalid type specification", detail)
            .with_span(self.expr.span_of(n.span.range()))
            .into()
    }

    fn ty(&self, n: &Node, in_object_attr: bool) -> Result<Parsed, Diagnostics> {
        let _ = in_object_attr;
        match &n.kind {
            NodeKind::Paren(inner) => self.ty(inner, false),
            NodeKind::Var(name) => match &**name {
                "string" => Ok((Type::String, None)),
                "number" => Ok((Type::Number, None)),
                "bool" => Ok((Type::Bool, None)),
                "any" => Ok((Type::Dynamic, None)),
                "list" | "map" | "set" => Err(self.err(
                    n,
                    format!("The {name} type constructor requires one argument specifying the element type."),
                )),
                "object" => Err(self.err(
                    n,
                    "The object type constructor requires one argument specifying the attribute types as a map.",
                )),
                "tuple" => Err(self.err(
                    n,
                    "The tuple type constructor requires one argument specifying the element types as a list.",
                )),
                "optional" => Err(self.err(
                    n,
                    "Keyword \"optional\" is valid only as a modifier for object type attributes.",
                )),
                other => Err(self.err(
                    n,
                    format!("The keyword {other:?} is not a valid type specification."),
                )),
            },
            NodeKind::Call(c) => {
                let name = &*c.name;
                match name {
                    "list" | "set" | "map" => {
                        if c.args.len() != 1 {
                            return Err(self.err(
                                n,
                                format!("The {name} type constructor requires one argument specifying the element type."),
                            ));
                        }
                        let (et, d) = self.ty(&c.args[0], false)?;
                        let ty = match name {
                            "list" => Type::list(et),
                            "set" => Type::set(et),
                            _ => Type::map(et),
                        };
                        let defaults = d.map(|d| Defaults {
                            ty: ty.clone(),
                            values: BTreeMap::new(),
                            children: BTreeMap::from([(String::new(), d)]),
                        });
                        Ok((ty, defaults))
                    }
                    "object" => {
                        let attrs = match c.args.as_slice() {
                            [a] => match &a.kind {
                                NodeKind::Object(items) => items,
                                _ => return Err(self.err(a, "Object type constructor requires a map whose keys are attribute names and whose values are the corresponding attribute types.")),
                            },
                            _ => return Err(self.err(n, "The object type constructor requires one argument specifying the attribute types as a map.")),
                        };
                        let mut o = ObjectType::default();
                        let mut values = BTreeMap::new();
                        let mut children = BTreeMap::new();
                        for (k, v) in attrs.iter() {
                            let key = match k {
                                ObjKey::Name(name, _) => name.to_string(),
                                ObjKey::Expr(kn) => match &kn.kind {
                                    NodeKind::Literal(lv) if lv.as_str().is_some() => {
                                        lv.as_str().unwrap_or_default().to_string()
                                    }
                                    _ => return Err(self.err(kn, "Object constructor map keys must be attribute names.")),
                                },
                            };
                            let (at, d) = match &v.kind {
                                NodeKind::Call(oc) if &*oc.name == "optional" => {
                                    if oc.args.is_empty() {
                                        return Err(self.err(v, "Optional attribute modifier requires the attribute type as its first argument."));
                                    }
                                    if oc.args.len() > 2 {
                                        return Err(self.err(v, "Optional attribute modifier expects at most two arguments: the attribute type, and a default value."));
                                    }
                                    o.optional.insert(key.clone());
                                    let (at, d) = self.ty(&oc.args[0], true)?;
                                    if let Some(dn) = oc.args.get(1) {
                                        let dv = self.default_value(dn, &at)?;
                                        values.insert(key.clone(), dv);
                                    }
                                    (at, d)
                                }
                                _ => self.ty(v, true)?,
                            };
                            if let Some(d) = d {
                                children.insert(key.clone(), d);
                            }
                            o.attrs.insert(key, at);
                        }
                        let ty = Type::Object(Box::new(o));
                        let defaults = (!values.is_empty() || !children.is_empty()).then(|| {
                            Defaults {
                                ty: ty.clone(),
                                values,
                                children,
                            }
                        });
                        Ok((ty, defaults))
                    }
                    "tuple" => {
                        let elems = match c.args.as_slice() {
                            [a] => match &a.kind {
                                NodeKind::Tuple(items) => items,
                                _ => return Err(self.err(a, "Tuple type constructor requires a list of element types.")),
                            },
                            _ => return Err(self.err(n, "The tuple type constructor requires one argument specifying the element types as a list.")),
                        };
                        let mut tys = Vec::new();
                        let mut children = BTreeMap::new();
                        for (i, e) in elems.iter().enumerate() {
                            let (t, d) = self.ty(e, false)?;
                            if let Some(d) = d {
                                children.insert(i.to_string(), d);
                            }
                            tys.push(t);
                        }
                        let ty = Type::Tuple(tys.into());
                        let defaults = (!children.is_empty()).then(|| Defaults {
                            ty: ty.clone(),
                            values: BTreeMap::new(),
                            children,
                        });
                        Ok((ty, defaults))
                    }
                    "optional" => Err(self.err(
                        n,
                        "Keyword \"optional\" is valid only as a modifier for object type attributes.",
                    )),
                    other => Err(self.err(
                        n,
                        format!("Keyword {other:?} is not a valid type constructor."),
                    )),
                }
            }
            _ => Err(self.err(
                n,
                "A type specification is either a primitive type keyword (bool, number, string) or a complex type constructor call, like list(string).",
            )),
        }
    }

    fn default_value(&self, n: &Node, ty: &Type) -> Result<Value, Diagnostics> {
        let ctx = super::EvalContext::new(".");
        let v = super::interp::Ev::new(&ctx, &self.expr.file).eval(n)?;
        conv::convert(&v, ty).map_err(|e| {
            Diagnostic::error(
                "Invalid default value for optional attribute",
                format!("This default value is not compatible with the attribute's type constraint: {e}."),
            )
            .with_span(self.expr.span_of(n.span.range()))
            .into()
        })
    }
}
