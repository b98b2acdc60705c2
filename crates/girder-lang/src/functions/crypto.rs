//! Terraform's crypto functions.

use super::Function;

pub(crate) fn functions() -> Vec<Function> {
    Vec::new()
}
