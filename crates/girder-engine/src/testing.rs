//! Test and benchmark support: an in-memory [`Backend`] that journals like a real one and
//! counts what it is asked to persist.

use girder_state::journal;
use girder_state::lock::{LockHandle, LockInfo};
use girder_state::model::State;
use girder_state::{check_write, Backend, InstanceChange, Result, StateError, Version};
use std::sync::Mutex;
use std::time::Duration;

#[derive(Default)]
struct Inner {
    state: Option<State>,
    journal: Vec<InstanceChange>,
    lock: Option<LockInfo>,
    appends: usize,
    batches: usize,
    bytes: usize,
}

/// An in-memory backend (one workspace). `append_change` stores the change and counts the
/// bytes its journal line would take; `compact` folds the journal into the snapshot.
#[derive(Default)]
pub struct MemoryBackend {
    inner: Mutex<Inner>,
}

impl MemoryBackend {
    /// An empty backend.
    pub fn new() -> MemoryBackend {
        MemoryBackend::default()
    }
    /// A backend holding `state`.
    pub fn with_state(state: State) -> MemoryBackend {
        let b = MemoryBackend::default();
        b.inner.lock().expect("lock").state = Some(state);
        b
    }
    /// (number of journal appends, bytes of journal lines) so far.
    pub fn journal_stats(&self) -> (usize, usize) {
        let i = self.inner.lock().expect("lock");
        (i.appends, i.bytes)
    }
    /// Number of `append_changes` calls (group commits) so far.
    pub fn journal_batches(&self) -> usize {
        self.inner.lock().expect("lock").batches
    }
    /// The changes journalled since the last compaction.
    pub fn pending(&self) -> Vec<InstanceChange> {
        self.inner.lock().expect("lock").journal.clone()
    }
}

fn version(s: &State) -> Version {
    Version {
        lineage: s.lineage.clone(),
        serial: s.serial,
        etag: None,
    }
}

impl Backend for MemoryBackend {
    fn location(&self) -> String {
        "memory".into()
    }
    fn workspace(&self) -> &str {
        girder_state::DEFAULT_WORKSPACE
    }
    fn select_workspace(&self, _name: &str) -> Result<Box<dyn Backend>> {
        Ok(Box::new(MemoryBackend::new()))
    }
    fn read(&self) -> Result<Option<(State, Version)>> {
        let i = self.inner.lock().expect("lock");
        Ok(i.state.as_ref().map(|s| {
            let v = version(s);
            let mut s = s.clone();
            journal::apply(&mut s, &i.journal);
            (s, v)
        }))
    }
    fn write(&self, state: &State, expected: Option<&Version>) -> Result<Version> {
        let mut i = self.inner.lock().expect("lock");
        let stored = i.state.as_ref().map(version);
        let serial = check_write("memory", stored.as_ref(), state, expected)?;
        let mut s = state.clone();
        s.serial = serial;
        let v = version(&s);
        i.state = Some(s);
        i.journal.clear();
        Ok(v)
    }
    fn force_write(&self, state: &State) -> Result<Version> {
        let mut i = self.inner.lock().expect("lock");
        let mut s = state.clone();
        s.serial = i.state.as_ref().map_or(0, |x| x.serial).max(s.serial) + 1;
        let v = version(&s);
        i.state = Some(s);
        i.journal.clear();
        Ok(v)
    }
    fn lock(&self, info: &LockInfo, _timeout: Duration) -> Result<LockHandle> {
        let mut i = self.inner.lock().expect("lock");
        if let Some(l) = &i.lock {
            return Err(StateError::Locked {
                location: "memory".into(),
                info: Box::new(l.clone()),
            });
        }
        i.lock = Some(info.clone());
        Ok(LockHandle {
            id: info.id.clone(),
            info: info.clone(),
        })
    }
    fn unlock(&self, _id: &str) -> Result<()> {
        self.inner.lock().expect("lock").lock = None;
        Ok(())
    }
    fn force_unlock(&self, id: &str) -> Result<()> {
        self.unlock(id)
    }
    fn lock_info(&self) -> Result<Option<LockInfo>> {
        Ok(self.inner.lock().expect("lock").lock.clone())
    }
    fn workspaces(&self) -> Result<Vec<String>> {
        Ok(vec![girder_state::DEFAULT_WORKSPACE.to_string()])
    }
    fn delete_workspace(&self, _name: &str) -> Result<()> {
        Err(StateError::CannotDeleteDefault)
    }
    fn append_change(&self, change: &InstanceChange) -> Result<()> {
        self.append_changes(std::slice::from_ref(change))
    }
    fn append_changes(&self, changes: &[InstanceChange]) -> Result<()> {
        let mut i = self.inner.lock().expect("lock");
        if i.state.is_none() {
            return Err(StateError::Config(
                "there is no stored state to journal changes against".into(),
            ));
        }
        i.batches += 1;
        for change in changes {
            i.appends += 1;
            i.bytes += journal::encode_change(change).len();
            i.journal.push(change.clone());
        }
        Ok(())
    }
    fn compact(&self) -> Result<Option<Version>> {
        let mut i = self.inner.lock().expect("lock");
        if i.journal.is_empty() {
            return Ok(None);
        }
        let changes = std::mem::take(&mut i.journal);
        let Some(s) = i.state.as_mut() else {
            return Ok(None);
        };
        journal::apply(s, &changes);
        s.serial += 1;
        s.sort();
        Ok(Some(version(s)))
    }
}
