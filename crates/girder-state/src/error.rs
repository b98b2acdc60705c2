//! The one error type of girder-state. Every message says what happened and what to do.

use crate::lock::LockInfo;
use std::path::PathBuf;

/// Result alias for this crate.
pub type Result<T, E = StateError> = std::result::Result<T, E>;

/// Everything that can go wrong reading, writing or locking state.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// An IO error on a file or directory.
    #[error("cannot {action} {path}: {source}")]
    Io {
        /// What girder was doing ("read", "write", "rename", ...).
        action: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },

    /// The state file is not valid JSON or not a valid state. The file is left untouched.
    #[error(
        "the state at {location} is corrupt: {detail}. girder has not modified it; restore it \
         from the backup (e.g. terraform.tfstate.backup or the bucket's previous object version) \
         or repair it by hand, then retry"
    )]
    Corrupt {
        /// Where the state is (a path or a backend URL).
        location: String,
        /// What is wrong (JSON error with line and column, or the missing field).
        detail: String,
    },

    /// The state file has a format version this girder does not understand.
    #[error(
        "the state at {location} uses state format version {version}, which is newer than the \
         version girder supports (4); it was probably written by a newer Terraform. \
         girder has not modified it; upgrade girder or use the tool that wrote it"
    )]
    UnsupportedVersion {
        /// Where the state is.
        location: String,
        /// The `version` field found.
        version: u64,
    },

    /// The state file uses a format older than version 4 (Terraform 0.11 or earlier).
    #[error(
        "the state at {location} uses the old state format version {version} (Terraform 0.11 \
         or earlier), which girder does not read. girder has not modified it; upgrade it once \
         with Terraform 0.12 to 1.x (e.g. `terraform refresh`), which writes version 4"
    )]
    OldVersion {
        /// Where the state is.
        location: String,
        /// The `version` field found.
        version: u64,
    },

    /// Another process holds the lock.
    #[error(
        "the state at {location} is locked by {who} since {created} for operation {operation:?} \
         (lock ID {id}{ci}). Wait for that run to finish; if it is gone, break the lock with \
         `girder force-unlock {id}`",
        who = .info.who, created = .info.created, operation = .info.operation, id = .info.id,
        ci = .info.ci_job_url.as_deref().map(|u| format!(", job {u}")).unwrap_or_default()
    )]
    Locked {
        /// Where the state is.
        location: String,
        /// The holder's lock info.
        info: Box<LockInfo>,
    },

    /// A lock exists whose holder is gone or whose lease expired.
    #[error(
        "the state at {location} has a stale lock held by {who} since {created} for operation \
         {operation:?} (lock ID {id}): {reason}. If you are sure no other run is using this \
         state, break the lock with `girder force-unlock {id}`",
        who = .info.who, created = .info.created, operation = .info.operation, id = .info.id
    )]
    StaleLock {
        /// Where the state is.
        location: String,
        /// The holder's lock info.
        info: Box<LockInfo>,
        /// Why girder thinks it is stale ("its lease expired at ...", "its process is gone").
        reason: String,
    },

    /// Unlock with an ID that is not the holder's.
    #[error(
        "cannot unlock the state at {location}: the lock ID {requested} does not match the \
         current lock{held}; check the ID printed in the lock error",
        held = match .held { Some(i) => format!(" (ID {}, held by {} since {})", i.id, i.who, i.created), None => String::new() }
    )]
    LockIdMismatch {
        /// Where the state is.
        location: String,
        /// The ID given.
        requested: String,
        /// The current lock, if one could be read.
        held: Option<Box<LockInfo>>,
    },

    /// Unlock when no lock is held.
    #[error("the state at {location} is not locked; nothing to unlock")]
    NotLocked {
        /// Where the state is.
        location: String,
    },

    /// Timed out or gave up waiting for the lock for another reason than it being held.
    #[error("could not take the lock on the state at {location}: {detail}")]
    LockFailed {
        /// Where the state is.
        location: String,
        /// What went wrong.
        detail: String,
    },

    /// A write whose lineage differs from the stored state.
    #[error(
        "state was changed by someone else: the stored state at {location} has lineage \
         {stored}, but this run's state has lineage {given}, so it is a different state. \
         Refusing to overwrite it; check the backend configuration and workspace, or push \
         with -force if you really mean to replace it"
    )]
    LineageMismatch {
        /// Where the state is.
        location: String,
        /// Stored lineage.
        stored: String,
        /// Lineage of the state being written.
        given: String,
    },

    /// A write based on an older serial (or etag) than the stored one.
    #[error(
        "state was changed by someone else: the stored state at {location} is at serial \
         {stored}, newer than serial {expected} this run read. Refusing to overwrite it; \
         re-run the command (it will read the new state), or push with -force if you really \
         mean to replace it"
    )]
    StaleWrite {
        /// Where the state is.
        location: String,
        /// The stored serial.
        stored: u64,
        /// The serial the writer based its change on.
        expected: u64,
    },

    /// A workspace name that cannot be used.
    #[error(
        "invalid workspace name {name:?}: {reason}; use letters, digits, '-', '_' and '.' only"
    )]
    InvalidWorkspace {
        /// The name.
        name: String,
        /// Why.
        reason: &'static str,
    },

    /// The workspace does not exist.
    #[error("workspace {name:?} does not exist; list them with `girder workspace list`")]
    WorkspaceNotFound {
        /// The name.
        name: String,
    },

    /// Deleting the default workspace.
    #[error("the default workspace cannot be deleted")]
    CannotDeleteDefault,

    /// A journal line that cannot be read. The journal is left untouched.
    #[error(
        "the state journal {path} is damaged at line {line}: {detail}. girder has not modified \
         it or the state; inspect it, then remove the damaged lines and retry"
    )]
    Journal {
        /// The journal file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        detail: String,
    },

    /// The state is encrypted and no key was given, or the key is wrong.
    #[error("cannot decrypt the state at {location}: {detail}")]
    Decrypt {
        /// Where the state is.
        location: String,
        /// What is wrong and what to do.
        detail: String,
    },

    /// An invalid configuration or argument.
    #[error("{0}")]
    Config(String),

    /// Any other backend-specific failure (e.g. an S3 or DynamoDB error).
    #[error("{0}")]
    Backend(String),
}

impl StateError {
    /// Helper for IO errors.
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        StateError::Io {
            action,
            path: path.into(),
            source,
        }
    }
}
