//! Implementation of [`crate::convert`]. INTERIM: primitive conversions only; being completed.

use crate::convert::ConvertError;
use crate::number::Number;
use crate::types::Type;
use crate::value::{Kind, Path, Value};

pub(crate) fn convert(v: &Value, want: &Type) -> Result<Value, ConvertError> {
    let err = |m: &str| ConvertError {
        path: Path::root(),
        message: m.to_string(),
    };
    if want == &Type::Dynamic || &v.ty() == want {
        return Ok(v.clone());
    }
    let marks = v.marks();
    let out = match (v.kind(), want) {
        (Kind::Null(_), t) => Value::null(t.clone()),
        (Kind::Unknown(_), t) => Value::unknown(t.clone()),
        (Kind::Number(n), Type::String) => Value::string(n.to_string()),
        (Kind::Bool(b), Type::String) => Value::string(b.to_string()),
        (Kind::String(s), Type::Number) => {
            Value::number(Number::parse(s).map_err(|_| err("a number is required"))?)
        }
        (Kind::String(s), Type::Bool) => match s.as_str() {
            "true" => Value::bool(true),
            "false" => Value::bool(false),
            _ => return Err(err("a bool is required")),
        },
        (_, t) => return Err(err(&format!("{} required", t.friendly_name()))),
    };
    Ok(out.with_marks(marks))
}

pub(crate) fn unify(types: &[Type]) -> Option<Type> {
    let first = types.first()?;
    if types.iter().all(|t| t == first) {
        Some(first.clone())
    } else {
        None
    }
}
