//! Operators, with cty's conversion, null, unknown and mark rules.

use super::ast::{BinOp, Span, UnOp};
use super::conv::convert;
use super::interp::{unknown, Ev, R};
use girder_core::value::Kind;
use girder_core::{Number, Type, Value};

fn operand_type(op: BinOp) -> Option<Type> {
    match op {
        BinOp::Eq | BinOp::NotEq => None,
        BinOp::And | BinOp::Or => Some(Type::Bool),
        _ => Some(Type::Number),
    }
}

pub(crate) fn unary(ev: &Ev<'_>, op: UnOp, v: Value, span: Span) -> R {
    let want = match op {
        UnOp::Neg => Type::Number,
        UnOp::Not => Type::Bool,
    };
    let v = convert(&v, &want).map_err(|e| {
        ev.err(
            span,
            "Invalid operand",
            format!("Unsuitable value for unary operand: {e}."),
        )
    })?;
    let (v, marks) = v.unmark();
    if v.is_null() {
        return Err(ev.err(
            span,
            "Operation failed",
            "Error during operation: argument must not be null.",
        ));
    }
    if !v.is_known() {
        return Ok(unknown(want, marks));
    }
    Ok(match op {
        UnOp::Neg => Value::number(v.as_number().map(|n| n.neg()).unwrap_or_else(Number::zero)),
        UnOp::Not => Value::bool(!v.as_bool().unwrap_or(false)),
    }
    .with_marks(marks))
}

pub(crate) fn binary(
    ev: &Ev<'_>,
    op: BinOp,
    l: Value,
    r: Value,
    lspan: Span,
    rspan: Span,
    span: Span,
) -> R {
    let Some(want) = operand_type(op) else {
        // cty's Equals marks the result with every mark inside either operand.
        let deep = |v: &Value| {
            if v.contains_sensitive() {
                girder_core::Marks::SENSITIVE
            } else {
                v.marks()
            }
        };
        let marks = deep(&l).union(deep(&r));
        let (l, _) = l.unmark();
        let (r, _) = r.unmark();
        let eq = equals(&l, &r);
        return Ok(match eq {
            None => unknown(Type::Bool, marks),
            Some(b) => Value::bool(if op == BinOp::Eq { b } else { !b }).with_marks(marks),
        });
    };
    let lc = convert(&l, &want);
    let rc = convert(&r, &want);
    let mut diags = girder_core::Diagnostics::new();
    if let Err(e) = &lc {
        diags.push(ev.diag(
            lspan,
            "Invalid operand",
            format!("Unsuitable value for left operand: {e}."),
        ));
    }
    if let Err(e) = &rc {
        diags.push(ev.diag(
            rspan,
            "Invalid operand",
            format!("Unsuitable value for right operand: {e}."),
        ));
    }
    let (Ok(l), Ok(r)) = (lc, rc) else {
        return Err(diags);
    };
    let (l, lm) = l.unmark();
    let (r, rm) = r.unmark();
    let marks = lm.union(rm);
    if l.is_null() || r.is_null() {
        return Err(ev.err(
            span,
            "Operation failed",
            "Error during operation: argument must not be null.",
        ));
    }
    let result_ty = match op {
        BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Mod => Type::Number,
        _ => Type::Bool,
    };
    if !l.is_known() || !r.is_known() {
        return Ok(unknown(result_ty, marks));
    }
    let fail = |e: girder_core::number::NumberError| {
        ev.err(
            span,
            "Operation failed",
            format!("Error during operation: {e}."),
        )
    };
    let out = match (l.kind(), r.kind()) {
        (Kind::Number(a), Kind::Number(b)) => match op {
            BinOp::Add => Value::number(a.checked_add(b).map_err(fail)?),
            BinOp::Sub => Value::number(a.checked_sub(b).map_err(fail)?),
            BinOp::Mul => Value::number(a.checked_mul(b).map_err(fail)?),
            BinOp::Div => Value::number(a.div(b).map_err(fail)?),
            BinOp::Mod => Value::number(a.rem(b).map_err(fail)?),
            BinOp::Less => Value::bool(a < b),
            BinOp::LessEq => Value::bool(a <= b),
            BinOp::Greater => Value::bool(a > b),
            BinOp::GreaterEq => Value::bool(a >= b),
            _ => Value::unknown(result_ty),
        },
        (Kind::Bool(a), Kind::Bool(b)) => match op {
            BinOp::And => Value::bool(*a && *b),
            BinOp::Or => Value::bool(*a || *b),
            _ => Value::unknown(result_ty),
        },
        _ => Value::unknown(result_ty),
    };
    Ok(out.with_marks(marks))
}

/// cty's `Equals`: None when the answer is unknown. Marks below the top are ignored.
pub(crate) fn equals(a: &Value, b: &Value) -> Option<bool> {
    match (a.is_known(), b.is_known()) {
        (false, false) => return None,
        (true, false) => {
            return if a.is_null() || b.ty().has_dynamic() || a.ty() == b.ty() {
                None
            } else {
                Some(false)
            }
        }
        (false, true) => {
            return if b.is_null() || a.ty().has_dynamic() || a.ty() == b.ty() {
                None
            } else {
                Some(false)
            }
        }
        _ => {}
    }
    match (a.is_null(), b.is_null()) {
        (true, true) => return Some(true),
        (true, false) | (false, true) => return Some(false),
        _ => {}
    }
    let (ta, tb) = (a.ty(), b.ty());
    if ta.has_dynamic() || tb.has_dynamic() {
        return None;
    }
    if ta != tb {
        return Some(false);
    }
    deep_equal(a, b)
}

fn deep_equal(a: &Value, b: &Value) -> Option<bool> {
    if !a.is_known() || !b.is_known() {
        return None;
    }
    match (a.kind(), b.kind()) {
        (Kind::Null(_), Kind::Null(_)) => Some(true),
        (Kind::Null(_), _) | (_, Kind::Null(_)) => Some(false),
        (Kind::List(_, x), Kind::List(_, y))
        | (Kind::Set(_, x), Kind::Set(_, y))
        | (Kind::Tuple(x), Kind::Tuple(y)) => {
            if x.len() != y.len() {
                return Some(false);
            }
            let mut res = Some(true);
            for (p, q) in x.iter().zip(y) {
                match deep_equal(p, q) {
                    Some(false) => return Some(false),
                    None => res = None,
                    Some(true) => {}
                }
            }
            res
        }
        (Kind::Map(_, x), Kind::Map(_, y)) | (Kind::Object(x), Kind::Object(y)) => {
            if x.len() != y.len() || !x.keys().eq(y.keys()) {
                return Some(false);
            }
            let mut res = Some(true);
            for (p, q) in x.values().zip(y.values()) {
                match deep_equal(p, q) {
                    Some(false) => return Some(false),
                    None => res = None,
                    Some(true) => {}
                }
            }
            res
        }
        (Kind::Number(x), Kind::Number(y)) => Some(x == y),
        (Kind::String(x), Kind::String(y)) => Some(x == y),
        (Kind::Bool(x), Kind::Bool(y)) => Some(x == y),
        _ => Some(false),
    }
}

/// The type HCL gives the value of an expression that failed (an unknown of it), so that an
/// enclosing operator can still report its own conversion error.
pub(crate) fn error_type(n: &super::ast::Node) -> Type {
    use super::ast::NodeKind;
    match &n.kind {
        NodeKind::Binary(op, ..) => match op {
            BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Mod => Type::Number,
            _ => Type::Bool,
        },
        NodeKind::Unary(UnOp::Neg, _) => Type::Number,
        NodeKind::Unary(UnOp::Not, _) => Type::Bool,
        NodeKind::Template(_) => Type::String,
        NodeKind::Paren(inner) => error_type(inner),
        _ => Type::Dynamic,
    }
}

/// The operator's own error for an operand that failed to evaluate, if its error type does
/// not convert to what the operator wants.
pub(crate) fn failed_operand(
    ev: &Ev<'_>,
    want: &Type,
    operand: &super::ast::Node,
    which: &str,
) -> Option<girder_core::Diagnostic> {
    let t = error_type(operand);
    convert(&Value::unknown(t), want).err().map(|e| {
        ev.diag(
            operand.span,
            "Invalid operand",
            format!("Unsuitable value for {which} operand: {e}."),
        )
    })
}

/// The operand type of a binary operator (None for `==`/`!=`, which take anything).
pub(crate) fn binary_operand_type(op: BinOp) -> Option<Type> {
    operand_type(op)
}
