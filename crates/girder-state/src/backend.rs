//! The storage interface every state backend implements (local, S3, ...).

use crate::error::{Result, StateError};
use crate::lock::{LockHandle, LockInfo};
use crate::model::{InstanceState, OutputValue, State};
use girder_core::addr::{InstanceKey, ModuleInstance, ResourceMode};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Identifies one stored snapshot: what a writer read, used as the compare-and-swap token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Version {
    /// The stored state's lineage.
    pub lineage: String,
    /// The stored state's serial.
    pub serial: u64,
    /// A backend-specific content token (a content hash for the local backend, the ETag for
    /// S3). `None` when the backend has none.
    pub etag: Option<String>,
}

/// The name of the default workspace.
pub const DEFAULT_WORKSPACE: &str = "default";

/// Which resource a journalled change is about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceRef {
    /// Module instance (root when empty).
    pub module: ModuleInstance,
    /// Managed or data.
    pub mode: ResourceMode,
    /// Resource type.
    pub type_name: String,
    /// Resource name.
    pub name: String,
    /// Provider configuration address (raw string as in the state file).
    pub provider: String,
}

/// One change to a state, persisted in the journal after each applied operation.
#[derive(Clone, Debug, PartialEq)]
pub enum InstanceChange {
    /// Create or replace the object with this key and deposed key.
    Upsert {
        /// The resource.
        resource: ResourceRef,
        /// The new object (its `index_key` and `deposed` say which one it replaces).
        object: InstanceState,
    },
    /// Remove the object with this key and deposed key (resources left with no instances
    /// are removed).
    Remove {
        /// The resource.
        resource: ResourceRef,
        /// The instance key.
        index_key: Option<InstanceKey>,
        /// The deposed key (`None` = the current object).
        deposed: Option<String>,
    },
    /// Set a root output.
    SetOutput {
        /// Output name.
        name: String,
        /// The new value.
        value: OutputValue,
    },
    /// Remove a root output.
    RemoveOutput {
        /// Output name.
        name: String,
    },
}

/// A state storage backend. Synchronous: the engine runs it on a blocking thread.
///
/// A backend instance is bound to one workspace; [`Backend::select_workspace`] gives one for
/// another workspace of the same storage.
///
/// Protocol of one run: `lock` → `read` → (`append_change` after each applied operation)* →
/// `compact` (or `write`) → `unlock`. A journal left by a crashed run is replayed by `read`
/// and folded into the state file by the next `lock`.
pub trait Backend: Send + Sync {
    /// A human-readable location of the state (path or URL), used in messages.
    fn location(&self) -> String;

    /// The workspace this instance is bound to.
    fn workspace(&self) -> &str;

    /// A backend for another workspace of the same storage (created on first write).
    fn select_workspace(&self, name: &str) -> Result<Box<dyn Backend>>;

    /// Reads the latest state (with any pending journal replayed in memory), or `None` if
    /// there is none yet. The returned [`Version`] is what `write` expects back.
    fn read(&self) -> Result<Option<(State, Version)>>;

    /// Writes `state` if the stored state is still `expected` (compare-and-swap). The written
    /// serial is `max(state.serial, stored serial) + 1`; the new version is returned.
    ///
    /// Refused with [`StateError::LineageMismatch`] when the stored lineage differs from
    /// `state.lineage`, and with [`StateError::StaleWrite`] when the stored snapshot is not
    /// `expected` (its serial or etag moved on), or when `expected` is `None` but a state
    /// with a newer serial than `state.serial` exists. Writing also clears the journal.
    fn write(&self, state: &State, expected: Option<&Version>) -> Result<Version>;

    /// Writes `state` without lineage and serial checks (`state push -force`). The serial
    /// still increases past the stored one.
    fn force_write(&self, state: &State) -> Result<Version>;

    /// Takes the lock, waiting up to `timeout` while someone else holds it. Fails with
    /// [`StateError::Locked`] (or [`StateError::StaleLock`] when the holder's lease expired
    /// or it is gone). On success, recovers a journal left by a crashed run.
    fn lock(&self, info: &LockInfo, timeout: Duration) -> Result<LockHandle>;

    /// Releases the lock held with `id`. Refused when `id` is not the current lock's ID.
    fn unlock(&self, id: &str) -> Result<()>;

    /// Breaks the lock with `id` even when another (possibly dead) process holds it.
    fn force_unlock(&self, id: &str) -> Result<()>;

    /// The current lock, if any (for messages and `force-unlock`).
    fn lock_info(&self) -> Result<Option<LockInfo>>;

    /// All workspace names, sorted, always including `default`.
    fn workspaces(&self) -> Result<Vec<String>>;

    /// Deletes a workspace's state. `default` cannot be deleted.
    fn delete_workspace(&self, name: &str) -> Result<()>;

    /// Appends one change to the journal beside the state (durably) so that a crash loses
    /// at most the operation in progress. Costs in proportion to the change.
    fn append_change(&self, change: &InstanceChange) -> Result<()>;

    /// Appends several changes made by operations that finished together (group commit):
    /// durable when it returns, like [`Backend::append_change`] for each, but a backend may
    /// make them durable at once (the local backend syncs once per batch).
    fn append_changes(&self, changes: &[InstanceChange]) -> Result<()> {
        changes.iter().try_for_each(|c| self.append_change(c))
    }

    /// Folds the journal into a new state snapshot and clears it. Returns the new version,
    /// or `None` when the journal was empty.
    fn compact(&self) -> Result<Option<Version>>;
}

/// The compare-and-swap check shared by backends. `stored` is the version currently in
/// storage. Returns the serial to write.
pub fn check_write(
    location: &str,
    stored: Option<&Version>,
    state: &State,
    expected: Option<&Version>,
) -> Result<u64> {
    let Some(stored) = stored else {
        return Ok(state.serial + 1);
    };
    if stored.lineage != state.lineage {
        return Err(StateError::LineageMismatch {
            location: location.to_string(),
            stored: stored.lineage.clone(),
            given: state.lineage.clone(),
        });
    }
    match expected {
        Some(exp) => {
            let etag_moved = matches!((&exp.etag, &stored.etag), (Some(a), Some(b)) if a != b);
            if stored.serial != exp.serial || exp.lineage != stored.lineage || etag_moved {
                return Err(StateError::StaleWrite {
                    location: location.to_string(),
                    stored: stored.serial,
                    expected: exp.serial,
                });
            }
        }
        None => {
            if stored.serial > state.serial {
                return Err(StateError::StaleWrite {
                    location: location.to_string(),
                    stored: stored.serial,
                    expected: state.serial,
                });
            }
        }
    }
    Ok(stored.serial.max(state.serial) + 1)
}

/// Checks a workspace name (Terraform allows URL-path-safe names; girder is stricter).
pub fn validate_workspace_name(name: &str) -> Result<()> {
    let bad = |reason| {
        Err(StateError::InvalidWorkspace {
            name: name.to_string(),
            reason,
        })
    };
    if name.is_empty() {
        return bad("it is empty");
    }
    if name.len() > 90 {
        return bad("it is longer than 90 characters");
    }
    if name == "." || name == ".." {
        return bad("it is a special directory name");
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return bad("it contains a character that is not allowed");
    }
    Ok(())
}
