//! girder-state: Terraform-compatible state.
//!
//! * [`State`] and friends: the in-memory model of a state snapshot.
//! * [`Backend`]: the synchronous storage interface (read, compare-and-swap write, lock,
//!   workspaces, journal), implemented by [`local::LocalBackend`] here and by the S3 backend
//!   elsewhere.
//! * [`LockInfo`]: Terraform's lock info, with girder's lease and CI extensions.
//! * [`StateError`]: one error type whose messages tell the user what to do.
//! * [`format`](mod@format): state format v4, read and written byte-for-byte as Terraform 1.0.3 does
//!   (checked against the real binary in `tests/fixtures.rs`).
//! * [`journal`]: one line per applied change, so persisting costs in proportion to the
//!   change; folded into the state by `compact` and recovered after a crash.
//! * [`crypto`]: optional AES-256-GCM encryption of state and journal.
//! * [`conformance`]: the suite every backend runs (`conformance::run_all`).
//!
//! Backends are synchronous on purpose: the engine runs them on a blocking thread.

pub mod backend;
mod canon;
pub mod conformance;
pub mod crypto;
pub mod error;
pub mod format;
pub mod journal;
pub mod local;
pub mod lock;
pub mod model;
pub mod s3;

pub use backend::{
    check_write, validate_workspace_name, Backend, InstanceChange, ResourceRef, Version,
    DEFAULT_WORKSPACE,
};
pub use crypto::Cipher;
pub use error::{Result, StateError};
pub use local::LocalBackend;
pub use lock::{LockHandle, LockInfo};
pub use model::{InstanceState, ObjectStatus, OutputValue, RawJson, ResourceState, State};
