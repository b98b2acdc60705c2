//! The canonical format of `terraform fmt`.
