//! girder-core: the vocabulary every other girder crate speaks.
//!
//! * [`Value`] and [`Type`]: Terraform's (cty's) value model, including **unknown** values
//!   ("known after apply") and **sensitive** marks, which propagate through every operation.
//! * [`Number`]: arbitrary-precision numbers with Terraform's semantics (a 512-bit binary
//!   float, printed as the shortest decimal that round-trips).
//! * [`Diagnostic`]: errors and warnings with source spans; collected, never printed here.
//! * [`addr`]: resource, module and instance addresses in Terraform's syntax.
//!
//! Invariant: no IO, no async, no printing. Everything here is pure data and pure functions.

pub mod addr;
pub mod convert;
mod convert_impl;
pub mod diag;
pub mod number;
pub mod render;
pub mod types;
pub mod value;
pub mod valuemap;

pub use diag::{Diagnostic, Diagnostics, Severity, SourceSpan};
pub use number::Number;
pub use types::Type;
pub use value::{Marks, Value};
pub use valuemap::ValueMap;
