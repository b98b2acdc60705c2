//! girder-state: Terraform-compatible state.
//!
//! * [`State`] and friends: the in-memory model of a state snapshot.
//! * [`Backend`]: the synchronous storage interface (read, compare-and-swap write, lock,
//!   workspaces, journal), implemented by [`local::LocalBackend`] here and by the S3 backend
//!   elsewhere.
//! * [`LockInfo`]: Terraform's lock info, with girder's lease and CI extensions.
//! * [`StateError`]: one error type whose messages tell the user what to do.

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
pub use error::{Result, StateError};
pub use lock::{LockHandle, LockInfo};
pub use model::{InstanceState, ObjectStatus, OutputValue, RawJson, ResourceState, State};
