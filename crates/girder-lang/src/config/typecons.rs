//! Type constraints of `variable` blocks: HCL's `typeexpr` ([`crate::eval::typeexpr`], the one
//! parser, with `optional(T, default)`) plus what Terraform's configuration layer adds on top
//! of it: the bare legacy keywords `list`, `map` and `set` (of `any`), and a dedicated error for
//! the quoted constraints of Terraform 0.11 (`type = "string"`).

use crate::eval::ast::NodeKind;
use crate::eval::typeexpr::{self, TypeConstraint};
use crate::source::Expr;
use girder_core::{Diagnostic, Diagnostics, Type};

/// The type constraint of a variable's `type` expression, as Terraform reads it.
pub fn variable_type(expr: &Expr) -> Result<TypeConstraint, Diagnostics> {
    let n = expr.node();
    let plain = |ty| TypeConstraint { ty, defaults: None };
    match &n.kind {
        NodeKind::Var(name) if &**name == "list" => Ok(plain(Type::list(Type::Dynamic))),
        NodeKind::Var(name) if &**name == "map" => Ok(plain(Type::map(Type::Dynamic))),
        NodeKind::Var(name) if &**name == "set" => Ok(plain(Type::set(Type::Dynamic))),
        NodeKind::Literal(v) if v.as_str().is_some() => Err(Diagnostic::error(
            "Invalid quoted type constraints",
            format!(
                "Terraform 0.11 and earlier required type constraints to be given in quotes, but that form is now deprecated and will be removed in a future version of Terraform. Remove the quotes around \"{}\".",
                v.as_str().unwrap_or_default()
            ),
        )
        .with_span(expr.span_of(n.span.range()))
        .into()),
        _ => typeexpr::parse(expr),
    }
}

/// Parses a type constraint written as text (`list(string)`); the error's detail on failure.
pub fn parse_type_constraint(text: &str) -> Result<Type, String> {
    let e = Expr::parse(text, "<type>").map_err(|d| d.detail.clone())?;
    variable_type(&e).map(|t| t.ty).map_err(|ds| {
        ds.iter()
            .next()
            .map(|d| d.detail.clone())
            .unwrap_or_default()
    })
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
        assert!(parse_type_constraint("object({n = optional(number, 1)})").is_ok());
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
