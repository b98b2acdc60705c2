//! Holding the state lock for the duration of a command. The lock is released when the guard
//! is dropped, so every exit path (errors included) releases it.

use crate::diag::Fail;
use crate::LockArgs;
use girder_core::Diagnostic;
use girder_state::{Backend, LockInfo};

/// A held lock (or none with `-lock=false`).
pub struct Guard<'a> {
    backend: &'a dyn Backend,
    id: Option<String>,
}

const LOCK_HELP: &str = "girder acquires a state lock to protect the state from being written \
by multiple users at the same time. Please resolve the issue above and try again. For most \
commands, you can disable locking with the \"-lock=false\" flag, but this is not recommended.";

impl<'a> Guard<'a> {
    /// Takes the lock for `operation` unless `-lock=false`.
    pub fn acquire(
        backend: &'a dyn Backend,
        args: &LockArgs,
        operation: &str,
    ) -> Result<Guard<'a>, Fail> {
        if !args.lock {
            return Ok(Guard { backend, id: None });
        }
        let info = LockInfo::new(operation);
        match backend.lock(&info, args.lock_timeout) {
            Ok(h) => Ok(Guard {
                backend,
                id: Some(h.id),
            }),
            Err(e) => Err(Fail(vec![Diagnostic::error(
                "Error acquiring the state lock",
                format!("Error message: {e}\n\n{LOCK_HELP}"),
            )
            .with_help("Wait for the other run to finish, raise -lock-timeout, or break a stale lock with girder force-unlock LOCK_ID.")])),
        }
    }

    /// Releases the lock, reporting a failure.
    pub fn release(mut self) -> Result<(), Fail> {
        match self.id.take() {
            Some(id) => self.backend.unlock(&id).map_err(|e| {
                Fail(vec![Diagnostic::error(
                    "Error releasing the state lock",
                    format!(
                        "Error message: {e}\n\ngirder acquired a lock on the state but could not \
                         release it. The lock ID is {id}."
                    ),
                )
                .with_help(format!(
                    "Once no girder run uses this state, run girder force-unlock {id}."
                ))])
            }),
            None => Ok(()),
        }
    }
}

impl Drop for Guard<'_> {
    fn drop(&mut self) {
        if let Some(id) = self.id.take() {
            if let Err(e) = self.backend.unlock(&id) {
                let mut ui = crate::ui::Ui::new(false);
                ui.diags(&[Diagnostic::error(
                    "Error releasing the state lock",
                    format!("Error message: {e}\n\nThe lock ID is {id}."),
                )
                .with_help(format!(
                    "Once no girder run uses this state, run girder force-unlock {id}."
                ))]);
            }
        }
    }
}
