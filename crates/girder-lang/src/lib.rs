//! girder-lang: the Terraform language.
//!
//! * [`source`]: source files and expressions with their spans.
//! * [`config`]: loading `.tf` / `.tf.json` files of a directory (and local modules) into a typed
//!   configuration model; static validation.
//! * [`refs`]: the references an expression makes (`var.x`, `aws_vpc.main.id`, ...).
//! * [`eval`]: our expression evaluator over the hcl-edit tree, with unknown and sensitive
//!   values; type constraints.
//! * [`functions`]: Terraform's built-in function library.
//! * [`fmt`]: the canonical format of `terraform fmt`.
//!
//! Invariant: pure. No tokio, and no IO except reading source files in [`config`] and the
//! filesystem functions (`file`, `templatefile`, ...), which read relative to a base directory
//! given by the caller.

pub mod config;
pub mod console;
pub mod eval;
pub mod fmt;
pub mod functions;
pub mod inputs;
mod parse;
pub mod refs;
pub mod source;
