//! girder-report: pure renderers for the two reports girder posts from CI.
//!
//! - [`mr`]: a merge-request plan — Terraform's JSON plan representation (`girder show -json`,
//!   also what `terraform show -json` prints) rendered as markdown for a GitHub pull-request
//!   comment or a GitLab merge-request note, size-capped and split into parts or truncated.
//! - [`drift`]: the drift report of `girder drift` — the model, the per-resource comparison of
//!   state with refreshed attributes, ignore rules (`lifecycle.ignore_changes` and the
//!   `.girder-drift-ignore` file), and renderers (human text, versioned JSON, markdown).
//!
//! **Invariants:** no IO, no async, no printing: data in, strings out. Sensitive values never
//! reach an output, not even their length.

#![deny(missing_docs)]

mod diff;
pub mod drift;
mod md;
pub mod mr;
