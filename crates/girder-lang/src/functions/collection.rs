//! Terraform's collection functions.

use super::Function;

pub(crate) fn functions() -> Vec<Function> {
    Vec::new()
}
