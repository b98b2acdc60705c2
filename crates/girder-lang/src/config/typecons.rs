//! Type constraints of `variable` blocks (`string`, `list(string)`, `object({a = number})`,
//! `optional(T)` inside objects), read from the hcl-edit expression at load time.

use girder_core::types::ObjectType;
use girder_core::Type;
use hcl_edit::expr::{Expression, ObjectKey};
use hcl_edit::Span;
use std::ops::Range;

/// (summary, detail, span) of a bad type constraint.
pub(crate) type TypeErr = (&'static str, String, Option<Range<usize>>);

/// Parses a type constraint written as an expression (`list(string)`).
pub fn parse_type_constraint(text: &str) -> Result<Type, String> {
    let e: Expression = text
        .parse()
        .map_err(|e: hcl_edit::parser::Error| e.message().to_string())?;
    type_constraint(&e).map_err(|(_, d, _)| d)
}

pub(crate) fn type_constraint(e: &Expression) -> Result<Type, TypeErr> {
    tc(e)
}

fn bad(e: &Expression, detail: impl Into<String>) -> TypeErr {
    ("Invalid type specification", detail.into(), e.span())
}

fn tc(e: &Expression) -> Result<Type, TypeErr> {
    match e {
        Expression::Variable(v) => match v.as_str() {
            "string" => Ok(Type::String),
            "number" => Ok(Type::Number),
            "bool" => Ok(Type::Bool),
            "any" => Ok(Type::Dynamic),
            // Terraform 1.0 still accepts the bare legacy keywords: list = list(any), ...
            "list" => Ok(Type::list(Type::Dynamic)),
            "map" => Ok(Type::map(Type::Dynamic)),
            "set" => Ok(Type::set(Type::Dynamic)),
            "object" => Err(bad(
                e,
                "The object type constructor requires one argument specifying the attribute types as a map.",
            )),
            "tuple" => Err(bad(
                e,
                "The tuple type constructor requires one argument specifying the element types as a list.",
            )),
            other => Err(bad(e, format!("The keyword \"{other}\" is not a valid type specification."))),
        },
        Expression::String(s) => Err((
            "Invalid quoted type constraints",
            format!(
                "Terraform 0.11 and earlier required type constraints to be given in quotes, but that form is now deprecated and will be removed in a future version of Terraform. Remove the quotes around \"{}\".",
                s.value()
            ),
            e.span(),
        )),
        Expression::Parenthesis(p) => tc(p.inner()),
        Expression::FuncCall(call) => {
            let name = call.name.name.as_str();
            let args: Vec<&Expression> = call.args.iter().collect();
            let one = |what: &str| -> Result<&Expression, TypeErr> {
                match args.as_slice() {
                    [a] => Ok(*a),
                    _ => Err(bad(e, format!("The {name} type constructor requires one argument specifying {what}."))),
                }
            };
            match name {
                "list" => Ok(Type::list(tc(one("the element type")?)?)),
                "set" => Ok(Type::set(tc(one("the element type")?)?)),
                "map" => Ok(Type::map(tc(one("the element type")?)?)),
                "tuple" => {
                    let a = one("the element types as a list")?;
                    match a {
                        Expression::Array(items) => Ok(Type::Tuple(
                            items.iter().map(tc).collect::<Result<_, _>>()?,
                        )),
                        _ => Err(bad(a, "Tuple type constructor requires a list of element types.")),
                    }
                }
                "object" => {
                    let a = one("the attribute types as a map")?;
                    match a {
                        Expression::Object(o) => {
                            let mut ot = ObjectType::default();
                            for (k, v) in o.iter() {
                                let key = match k {
                                    ObjectKey::Ident(i) => i.as_str().to_string(),
                                    ObjectKey::Expression(Expression::String(s)) => s.value().to_string(),
                                    ObjectKey::Expression(Expression::Variable(i)) => i.as_str().to_string(),
                                    ObjectKey::Expression(other) => {
                                        return Err(bad(other, "Object constructor map keys must be attribute names."))
                                    }
                                };
                                let ve = v.expr();
                                let (ty, opt) = match ve {
                                    Expression::FuncCall(c) if c.name.name.as_str() == "optional" => {
                                        let inner: Vec<&Expression> = c.args.iter().collect();
                                        match inner.as_slice() {
                                            // Terraform 1.3's `optional(T, default)`: the
                                            // default is checked and applied by the evaluator's
                                            // typeexpr, which reads the same expression.
                                            [i] | [i, _] => (tc(i)?, true),
                                            _ => {
                                                return Err(bad(
                                                    ve,
                                                    "The optional modifier takes the attribute type and, optionally, a default value: optional(string) or optional(number, 1).",
                                                ))
                                            }
                                        }
                                    }
                                    other => (tc(other)?, false),
                                };
                                if opt {
                                    ot.optional.insert(key.clone());
                                }
                                ot.attrs.insert(key, ty);
                            }
                            Ok(Type::Object(ot))
                        }
                        _ => Err(bad(a, "Object type constructor requires a map whose keys are attribute names and whose values are the corresponding attribute types.")),
                    }
                }
                "optional" => Err(bad(
                    e,
                    "Keyword \"optional\" is valid only as a modifier for object type attributes.",
                )),
                other => Err(bad(e, format!("Keyword \"{other}\" is not a valid type constructor."))),
            }
        }
        _ => Err(bad(
            e,
            "A type specification is either a primitive type keyword (bool, number, string) or a complex type constructor call, like list(string).",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_constraints() {
        assert_eq!(
            parse_type_constraint("list(string)").unwrap(),
            Type::list(Type::String)
        );
        assert_eq!(parse_type_constraint("any").unwrap(), Type::Dynamic);
        let t = parse_type_constraint("object({a = number, b = optional(string)})").unwrap();
        let Type::Object(o) = t else { panic!() };
        assert!(o.optional.contains("b"));
        assert!(parse_type_constraint("strin")
            .unwrap_err()
            .contains("\"strin\""));
        assert_eq!(
            parse_type_constraint("list").unwrap(),
            Type::list(Type::Dynamic)
        );
        assert!(parse_type_constraint("\"string\"")
            .unwrap_err()
            .contains("quotes"));
    }
}
