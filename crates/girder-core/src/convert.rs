//! Terraform's type conversions (cty's `convert` package): converting a value to a wanted type
//! (`string` from a number, `list(string)` from a tuple, objects to maps, ...) and finding the
//! common type of several values (for list literals, conditionals, `concat`, ...).
//!
//! Unknown and sensitive marks pass through: converting an unknown gives an unknown of the
//! target type; marks stay on the node they were on.

use crate::types::Type;
use crate::value::{Path, Value};

/// A failed conversion, with the path inside the value where it failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConvertError {
    /// Where inside the value (empty for the value itself).
    pub path: Path,
    /// What went wrong, in Terraform's words ("a number is required", "attribute \"x\" is
    /// required").
    pub message: String,
}

impl std::fmt::Display for ConvertError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.path.0.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// Converts `v` to type `want`, as Terraform does when a value meets a type constraint.
pub fn convert(v: &Value, want: &Type) -> Result<Value, ConvertError> {
    crate::convert_impl::convert(v, want)
}

/// The most specific type that all `types` convert to (cty's unify), or None if there is none.
pub fn unify(types: &[Type]) -> Option<Type> {
    crate::convert_impl::unify(types)
}
