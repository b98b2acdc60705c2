//! The local backend: `terraform.tfstate` in a directory (or a configured path), other
//! workspaces in `terraform.tfstate.d/<name>/terraform.tfstate`.
//!
//! Files beside a state file `F` in directory `D`:
//! * `F.backup`: the previous snapshot, replaced on every write (Terraform's name).
//! * `D/.F.lock.info`: the lock info JSON while a run holds the lock (Terraform's name).
//! * `D/.F.girder.lock`: an empty file that a running girder holds an exclusive OS lock
//!   (`flock`) on; the OS drops it when the process dies, so a crashed run never blocks the
//!   next one. Terraform instead locks the state file itself with `fcntl` for its whole
//!   run; girder checks for that lock and waits for (or reports) a running Terraform. The
//!   reverse is not covered: a Terraform started while girder runs does not see girder's
//!   lock.
//! * `D/.F.journal`: the change journal of the running (or a crashed) run.
//!
//! Writes are atomic: a temporary file is written and fsynced, the old state is hard-linked
//! to the backup, the temporary file is renamed over the state, and the directory fsynced.

use crate::backend::{
    check_write, validate_workspace_name, Backend, InstanceChange, Version, DEFAULT_WORKSPACE,
};
use crate::crypto::Cipher;
use crate::error::{Result, StateError};
use crate::format;
use crate::journal::{self, JournalHeader};
use crate::lock::{LockHandle, LockInfo};
use crate::model::State;
use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The default state file name.
pub const STATE_FILE: &str = "terraform.tfstate";
/// The directory holding non-default workspaces.
pub const WORKSPACE_DIR: &str = "terraform.tfstate.d";

/// How long a write outside a run lock waits for a concurrent run's lock.
const WRITE_LOCK_WAIT: Duration = Duration::from_secs(10);

/// A state stored in local files. See the module docs for the file layout.
pub struct LocalBackend {
    root: PathBuf,
    custom_path: Option<PathBuf>,
    workspace: String,
    state_path: PathBuf,
    cipher: Option<Arc<Cipher>>,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    /// The run lock held by this instance.
    held: Option<Held>,
    /// The version last read or written by this instance.
    last: Option<Version>,
    /// The open journal (append handle) and its header.
    journal: Option<(File, JournalHeader)>,
}

struct Held {
    /// The OS-locked file; closing it releases the lock.
    file: File,
    info: LockInfo,
}

impl LocalBackend {
    /// A backend for the default workspace of `dir` (`dir/terraform.tfstate`).
    pub fn new(dir: impl Into<PathBuf>) -> LocalBackend {
        let root = dir.into();
        let state_path = root.join(STATE_FILE);
        LocalBackend {
            root,
            custom_path: None,
            workspace: DEFAULT_WORKSPACE.to_string(),
            state_path,
            cipher: None,
            inner: Mutex::new(Inner::default()),
        }
    }

    /// Uses `path` for the default workspace's state (the backend's `path` setting); a
    /// relative path is taken from the directory.
    pub fn with_path(mut self, path: impl Into<PathBuf>) -> LocalBackend {
        let p = path.into();
        let p = if p.is_absolute() {
            p
        } else {
            self.root.join(p)
        };
        self.custom_path = Some(p);
        self.state_path = self.path_for(&self.workspace.clone());
        self
    }

    /// Encrypts the state (and journal) with this cipher; reads both encrypted and plain
    /// states.
    pub fn with_cipher(mut self, cipher: Option<Arc<Cipher>>) -> LocalBackend {
        self.cipher = cipher;
        self
    }

    /// The state file path of this workspace.
    pub fn state_path(&self) -> &Path {
        &self.state_path
    }

    fn path_for(&self, workspace: &str) -> PathBuf {
        if workspace == DEFAULT_WORKSPACE {
            match &self.custom_path {
                Some(p) => p.clone(),
                None => self.root.join(STATE_FILE),
            }
        } else {
            self.root
                .join(WORKSPACE_DIR)
                .join(workspace)
                .join(STATE_FILE)
        }
    }

    fn sibling(&self, prefix: &str, suffix: &str) -> PathBuf {
        let name = self
            .state_path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| STATE_FILE.to_string());
        self.dir().join(format!("{prefix}{name}{suffix}"))
    }

    fn dir(&self) -> PathBuf {
        self.state_path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."))
    }

    /// `terraform.tfstate.backup`.
    pub fn backup_path(&self) -> PathBuf {
        self.sibling("", ".backup")
    }

    /// `.terraform.tfstate.lock.info`.
    pub fn lock_info_path(&self) -> PathBuf {
        self.sibling(".", ".lock.info")
    }

    fn os_lock_path(&self) -> PathBuf {
        self.sibling(".", ".girder.lock")
    }

    /// `.terraform.tfstate.journal`.
    pub fn journal_path(&self) -> PathBuf {
        self.sibling(".", ".journal")
    }

    fn inner(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the mutex leaves plain data; keep going.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    // ----- bytes on disk -----

    /// Reads a file; a missing or empty file is `None` (Terraform treats an empty state
    /// file as no state).
    fn read_bytes(&self, path: &Path) -> Result<Option<Vec<u8>>> {
        match fs::read(path) {
            Ok(b) if b.is_empty() => Ok(None),
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(StateError::io("read", path, e)),
        }
    }

    /// Decrypts when the bytes are an encrypted envelope.
    fn decode(&self, bytes: Vec<u8>, location: &str) -> Result<Vec<u8>> {
        if crate::crypto::is_envelope(&bytes) {
            match &self.cipher {
                Some(c) => c.open(&bytes, location),
                None => Err(StateError::Decrypt {
                    location: location.to_string(),
                    detail: "the state is encrypted and no key is configured; set \
                             GIRDER_STATE_ENCRYPTION_KEY (or the passphrase) to the key it \
                             was written with"
                        .into(),
                }),
            }
        } else {
            Ok(bytes)
        }
    }

    fn encode(&self, plain: Vec<u8>) -> Result<Vec<u8>> {
        match &self.cipher {
            Some(c) => c.seal(&plain),
            None => Ok(plain),
        }
    }

    /// The stored snapshot's version. A snapshot this instance has not seen yet is parsed
    /// completely, so that a corrupt file is reported (and never overwritten).
    fn stored_version(&self, inner: &Inner) -> Result<Option<Version>> {
        let Some(bytes) = self.read_bytes(&self.state_path)? else {
            return Ok(None);
        };
        let etag = etag(&bytes);
        if let Some(last) = &inner.last {
            if last.etag.as_deref() == Some(etag.as_str()) {
                return Ok(Some(last.clone()));
            }
        }
        let location = self.location();
        let plain = self.decode(bytes, &location)?;
        let state = format::parse(&plain, &location)?;
        Ok(Some(Version {
            lineage: state.lineage,
            serial: state.serial,
            etag: Some(etag),
        }))
    }

    fn read_full(&self) -> Result<Option<(State, Version)>> {
        let Some(bytes) = self.read_bytes(&self.state_path)? else {
            return Ok(None);
        };
        let location = self.location();
        let etag = etag(&bytes);
        let plain = self.decode(bytes, &location)?;
        let state = format::parse(&plain, &location)?;
        let version = Version {
            lineage: state.lineage.clone(),
            serial: state.serial,
            etag: Some(etag),
        };
        Ok(Some((state, version)))
    }

    fn read_journal(&self) -> Result<Option<journal::Journal>> {
        let path = self.journal_path();
        let Some(bytes) = self.read_bytes(&path)? else {
            return Ok(None);
        };
        let bytes = match &self.cipher {
            Some(c) => c.open_lines(&bytes, &path)?,
            None => {
                if crate::crypto::is_envelope_lines(&bytes) {
                    return Err(StateError::Decrypt {
                        location: path.display().to_string(),
                        detail: "the journal is encrypted and no key is configured".into(),
                    });
                }
                bytes
            }
        };
        journal::decode(&bytes).map_err(|(line, detail)| StateError::Journal {
            path: path.clone(),
            line,
            detail,
        })
    }

    /// Replays a pending journal onto `state` if it applies to `version`. Returns whether
    /// the journal is obsolete (already folded in).
    fn replay(&self, j: &journal::Journal, state: &mut State, version: &Version) -> Result<bool> {
        if j.header.lineage != version.lineage {
            return Err(StateError::Journal {
                path: self.journal_path(),
                line: 1,
                detail: format!(
                    "it belongs to a state with lineage {}, but the stored state has lineage {}",
                    j.header.lineage, version.lineage
                ),
            });
        }
        if j.header.base_serial < version.serial {
            return Ok(true);
        }
        if j.header.base_serial > version.serial {
            return Err(StateError::Journal {
                path: self.journal_path(),
                line: 1,
                detail: format!(
                    "it continues serial {}, but the stored state is at the older serial {}; \
                     the state file was replaced by an older one",
                    j.header.base_serial, version.serial
                ),
            });
        }
        journal::apply(state, &j.changes);
        Ok(false)
    }

    // ----- locking -----

    fn open_os_lock(&self) -> Result<File> {
        let path = self.os_lock_path();
        let dir = self.dir();
        fs::create_dir_all(&dir).map_err(|e| StateError::io("create directory", &dir, e))?;
        OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| StateError::io("open lock file", &path, e))
    }

    /// Tries the OS lock once. `Ok(None)` when another holder has it.
    fn try_os_lock(&self) -> Result<Option<File>> {
        let file = self.open_os_lock()?;
        match os_try_lock(&file) {
            Ok(true) => {
                // Terraform locks the state file itself (fcntl): respect a running Terraform.
                if terraform_holds_lock(&self.state_path) {
                    return Ok(None);
                }
                Ok(Some(file))
            }
            Ok(false) => Ok(None),
            Err(e) => Err(StateError::io("lock", self.os_lock_path(), e)),
        }
    }

    fn read_lock_info(&self) -> Option<LockInfo> {
        let bytes = fs::read(self.lock_info_path()).ok()?;
        LockInfo::from_json(&bytes).ok()
    }

    fn busy_error(&self) -> StateError {
        match self.read_lock_info() {
            Some(info) if info.lease_expired() => StateError::StaleLock {
                location: self.location(),
                reason: format!(
                    "its lease expired at {}, but its process still holds the OS lock; stop \
                     that process (local state can only be unlocked by it or when it exits)",
                    info.expires.clone().unwrap_or_default()
                ),
                info: Box::new(info),
            },
            Some(info) => StateError::Locked {
                location: self.location(),
                info: Box::new(info),
            },
            None => StateError::LockFailed {
                location: self.location(),
                detail: format!(
                    "another process holds the OS lock on {} but has not written its lock \
                     info yet; retry in a moment",
                    self.os_lock_path().display()
                ),
            },
        }
    }

    /// Runs `f` holding the OS lock: the run lock if this instance holds it, else a
    /// temporary one (waiting up to [`WRITE_LOCK_WAIT`] for a run holding it).
    fn with_exclusive<T>(
        &self,
        inner: &mut Inner,
        f: impl FnOnce(&Self, &mut Inner) -> Result<T>,
    ) -> Result<T> {
        if inner.held.is_some() {
            return f(self, inner);
        }
        let deadline = Instant::now() + WRITE_LOCK_WAIT;
        let file = loop {
            if let Some(file) = self.try_os_lock()? {
                break file;
            }
            if Instant::now() >= deadline {
                return Err(self.busy_error());
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let r = f(self, inner);
        drop(file);
        r
    }

    // ----- writing -----

    fn write_impl(
        &self,
        inner: &mut Inner,
        state: &State,
        expected: Option<&Version>,
        force: bool,
    ) -> Result<Version> {
        let location = self.location();
        let stored = self.stored_version(inner)?;
        let serial = if force {
            stored
                .as_ref()
                .map_or(state.serial, |s| s.serial.max(state.serial))
                + 1
        } else {
            check_write(&location, stored.as_ref(), state, expected)?
        };
        let plain = format::to_bytes_with_serial(state, serial);
        let bytes = self.encode(plain)?;
        atomic_replace(&self.state_path, &bytes, Some(&self.backup_path()))?;
        // The new snapshot contains every journalled change: drop the journal.
        inner.journal = None;
        remove_if_exists(&self.journal_path())?;
        sync_dir(&self.dir())?;
        let v = Version {
            lineage: state.lineage.clone(),
            serial,
            etag: Some(etag(&bytes)),
        };
        inner.last = Some(v.clone());
        Ok(v)
    }

    /// Folds a pending journal into the state file. Requires exclusivity.
    fn compact_locked(&self, inner: &mut Inner) -> Result<Option<Version>> {
        inner.journal = None;
        let Some(j) = self.read_journal()? else {
            remove_if_exists(&self.journal_path())?;
            return Ok(None);
        };
        let Some((mut state, version)) = self.read_full()? else {
            return Err(StateError::Journal {
                path: self.journal_path(),
                line: 1,
                detail: "there is no state file for it to apply to".into(),
            });
        };
        if self.replay(&j, &mut state, &version)? {
            remove_if_exists(&self.journal_path())?;
            sync_dir(&self.dir())?;
            inner.last = Some(version);
            return Ok(None);
        }
        let v = self.write_impl(inner, &state, Some(&version), false)?;
        Ok(Some(v))
    }

    /// Test hook: the bytes of the pending journal, if any.
    pub fn journal_bytes(&self) -> Option<Vec<u8>> {
        fs::read(self.journal_path()).ok()
    }
}

impl Backend for LocalBackend {
    fn location(&self) -> String {
        self.state_path.display().to_string()
    }

    fn workspace(&self) -> &str {
        &self.workspace
    }

    fn select_workspace(&self, name: &str) -> Result<Box<dyn Backend>> {
        validate_workspace_name(name)?;
        let mut b = LocalBackend {
            root: self.root.clone(),
            custom_path: self.custom_path.clone(),
            workspace: name.to_string(),
            state_path: PathBuf::new(),
            cipher: self.cipher.clone(),
            inner: Mutex::new(Inner::default()),
        };
        b.state_path = b.path_for(name);
        Ok(Box::new(b))
    }

    fn read(&self) -> Result<Option<(State, Version)>> {
        let mut inner = self.inner();
        let Some((mut state, version)) = self.read_full()? else {
            return Ok(None);
        };
        if let Some(j) = self.read_journal()? {
            // Replayed in memory only: the journal may belong to a run in progress; the next
            // lock() folds in a crashed run's journal.
            self.replay(&j, &mut state, &version)?;
        }
        inner.last = Some(version.clone());
        Ok(Some((state, version)))
    }

    fn write(&self, state: &State, expected: Option<&Version>) -> Result<Version> {
        let mut inner = self.inner();
        self.with_exclusive(&mut inner, |b, inner| {
            b.write_impl(inner, state, expected, false)
        })
    }

    fn force_write(&self, state: &State) -> Result<Version> {
        let mut inner = self.inner();
        self.with_exclusive(&mut inner, |b, inner| {
            b.write_impl(inner, state, None, true)
        })
    }

    fn lock(&self, info: &LockInfo, timeout: Duration) -> Result<LockHandle> {
        let mut inner = self.inner();
        if let Some(h) = &inner.held {
            return Err(StateError::LockFailed {
                location: self.location(),
                detail: format!("this run already holds the lock (ID {})", h.info.id),
            });
        }
        let deadline = Instant::now() + timeout;
        let file = loop {
            if let Some(file) = self.try_os_lock()? {
                break file;
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(self.busy_error());
            }
            std::thread::sleep((deadline - now).min(Duration::from_millis(100)));
        };
        let mut info = info.clone();
        info.path = self.location();
        // A lock info file left here belongs to a holder that died (the OS released its
        // lock): replace it.
        atomic_replace(&self.lock_info_path(), info.to_json().as_bytes(), None)?;
        inner.held = Some(Held {
            file,
            info: info.clone(),
        });
        // Recover a journal left by a crashed run.
        if let Err(e) = self.compact_locked(&mut inner) {
            inner.held = None;
            let _ = fs::remove_file(self.lock_info_path());
            return Err(e);
        }
        Ok(LockHandle {
            id: info.id.clone(),
            info,
        })
    }

    fn unlock(&self, id: &str) -> Result<()> {
        let mut inner = self.inner();
        match &inner.held {
            Some(h) if h.info.id == id => {
                inner.journal = None;
                remove_if_exists(&self.lock_info_path())?;
                if let Some(h) = inner.held.take() {
                    let _ = os_unlock(&h.file);
                }
                Ok(())
            }
            Some(h) => Err(StateError::LockIdMismatch {
                location: self.location(),
                requested: id.to_string(),
                held: Some(Box::new(h.info.clone())),
            }),
            None => {
                drop(inner);
                self.force_unlock(id)
            }
        }
    }

    fn force_unlock(&self, id: &str) -> Result<()> {
        let mut inner = self.inner();
        if inner.held.as_ref().is_some_and(|h| h.info.id == id) {
            inner.journal = None;
            remove_if_exists(&self.lock_info_path())?;
            inner.held = None;
            return Ok(());
        }
        let current = self.read_lock_info();
        let Some(current) = current else {
            return Err(StateError::NotLocked {
                location: self.location(),
            });
        };
        if current.id != id {
            return Err(StateError::LockIdMismatch {
                location: self.location(),
                requested: id.to_string(),
                held: Some(Box::new(current)),
            });
        }
        match self.try_os_lock()? {
            Some(file) => {
                // The holder is gone: remove its stale lock info.
                remove_if_exists(&self.lock_info_path())?;
                drop(file);
                Ok(())
            }
            None => Err(StateError::LockFailed {
                location: self.location(),
                detail: format!(
                    "lock {id} is held by a running process ({} since {}); local state can \
                     only be unlocked by that process: stop it and retry",
                    current.who, current.created
                ),
            }),
        }
    }

    fn lock_info(&self) -> Result<Option<LockInfo>> {
        Ok(self.read_lock_info())
    }

    fn workspaces(&self) -> Result<Vec<String>> {
        let dir = self.root.join(WORKSPACE_DIR);
        let mut names = Vec::new();
        match fs::read_dir(&dir) {
            Ok(rd) => {
                for e in rd {
                    let e = e.map_err(|e| StateError::io("list", &dir, e))?;
                    if e.file_type().map(|t| t.is_dir()).unwrap_or(false) {
                        let name = e.file_name().to_string_lossy().into_owned();
                        if validate_workspace_name(&name).is_ok() && name != DEFAULT_WORKSPACE {
                            names.push(name);
                        }
                    }
                }
            }
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) => return Err(StateError::io("list", &dir, e)),
        }
        names.sort();
        names.insert(0, DEFAULT_WORKSPACE.to_string());
        Ok(names)
    }

    fn delete_workspace(&self, name: &str) -> Result<()> {
        if name == DEFAULT_WORKSPACE {
            return Err(StateError::CannotDeleteDefault);
        }
        validate_workspace_name(name)?;
        let dir = self.root.join(WORKSPACE_DIR).join(name);
        if !dir.is_dir() {
            return Err(StateError::WorkspaceNotFound {
                name: name.to_string(),
            });
        }
        let other = LocalBackend::new(self.root.clone()).select_workspace(name)?;
        if let Some(info) = other.lock_info()? {
            return Err(StateError::Locked {
                location: other.location(),
                info: Box::new(info),
            });
        }
        fs::remove_dir_all(&dir).map_err(|e| StateError::io("delete", &dir, e))
    }

    fn append_change(&self, change: &InstanceChange) -> Result<()> {
        self.append_changes(std::slice::from_ref(change))
    }

    fn append_changes(&self, changes: &[InstanceChange]) -> Result<()> {
        if changes.is_empty() {
            return Ok(());
        }
        let mut inner = self.inner();
        if inner.held.is_none() {
            return Err(StateError::LockFailed {
                location: self.location(),
                detail: "journalling a change needs the state lock; lock the state first".into(),
            });
        }
        if inner.journal.is_none() {
            // Fold in anything left over, then start a journal on the current snapshot.
            if self.journal_path().exists() {
                self.compact_locked(&mut inner)?;
            }
            let Some(base) = self.stored_version(&inner)? else {
                return Err(StateError::Config(
                    "there is no stored state to journal changes against; write the initial \
                     state first"
                        .into(),
                ));
            };
            let header = JournalHeader {
                lineage: base.lineage.clone(),
                base_serial: base.serial,
            };
            let path = self.journal_path();
            let mut f = OpenOptions::new()
                .create(true)
                .truncate(true)
                .write(true)
                .open(&path)
                .map_err(|e| StateError::io("create", &path, e))?;
            let line = self.seal_line(journal::encode_header(&header))?;
            f.write_all(&line)
                .and_then(|_| f.sync_data())
                .map_err(|e| StateError::io("write", &path, e))?;
            sync_dir(&self.dir())?;
            inner.last = Some(base);
            inner.journal = Some((f, header));
        }
        let mut lines = Vec::new();
        for change in changes {
            lines.extend(self.seal_line(journal::encode_change(change))?);
        }
        let path = self.journal_path();
        if let Some((f, _)) = inner.journal.as_mut() {
            f.write_all(&lines)
                .and_then(|_| f.sync_data())
                .map_err(|e| StateError::io("append to", &path, e))?;
        }
        Ok(())
    }

    fn compact(&self) -> Result<Option<Version>> {
        let mut inner = self.inner();
        if inner.held.is_none() {
            return Err(StateError::LockFailed {
                location: self.location(),
                detail: "compacting the journal needs the state lock; lock the state first".into(),
            });
        }
        self.compact_locked(&mut inner)
    }
}

impl LocalBackend {
    fn seal_line(&self, line: Vec<u8>) -> Result<Vec<u8>> {
        match &self.cipher {
            Some(c) => c.seal_line(&line),
            None => Ok(line),
        }
    }
}

/// A content token for a stored file: FNV-1a 64 of its bytes, in hex.
pub fn etag(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}-{}", bytes.len())
}

fn remove_if_exists(path: &Path) -> Result<()> {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
        Err(e) => Err(StateError::io("remove", path, e)),
    }
}

/// Makes a directory's entries durable (a no-op where directories cannot be opened).
fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        let d = File::open(dir).map_err(|e| StateError::io("open directory", dir, e))?;
        d.sync_all()
            .map_err(|e| StateError::io("sync directory", dir, e))?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Replaces `path` with `bytes` atomically: temp file + fsync + rename + directory fsync.
/// When `backup` is given and `path` exists, the old file becomes the backup.
pub fn atomic_replace(path: &Path, bytes: &[u8], backup: Option<&Path>) -> Result<()> {
    let dir = path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    fs::create_dir_all(&dir).map_err(|e| StateError::io("create directory", &dir, e))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(
        ".{name}.tmp-{}-{}",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    ));
    let result = (|| {
        let mut opts = OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts
            .open(&tmp)
            .map_err(|e| StateError::io("create", &tmp, e))?;
        if let Ok(meta) = fs::metadata(path) {
            let _ = f.set_permissions(meta.permissions());
        }
        f.write_all(bytes)
            .and_then(|_| f.sync_all())
            .map_err(|e| StateError::io("write", &tmp, e))?;
        drop(f);
        if let Some(backup) = backup {
            if path.exists() {
                let btmp = dir.join(format!(
                    ".{name}.backup-tmp-{}-{}",
                    std::process::id(),
                    uuid::Uuid::new_v4().simple()
                ));
                if fs::hard_link(path, &btmp).is_err() {
                    fs::copy(path, &btmp).map_err(|e| StateError::io("back up", path, e))?;
                }
                fs::rename(&btmp, backup).map_err(|e| {
                    let _ = fs::remove_file(&btmp);
                    StateError::io("rename", backup, e)
                })?;
            }
        }
        fs::rename(&tmp, path).map_err(|e| StateError::io("rename", &tmp, e))?;
        sync_dir(&dir)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

#[cfg(unix)]
fn os_try_lock(f: &File) -> std::io::Result<bool> {
    use rustix::fs::{flock, FlockOperation};
    match flock(f, FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => Ok(true),
        Err(e) if e == rustix::io::Errno::WOULDBLOCK || e == rustix::io::Errno::INTR => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Whether another process (a running Terraform) holds an fcntl write lock on the state
/// file, as Terraform's local backend takes for the whole run. Probes with a non-blocking
/// lock that is released at once; girder holds no fcntl locks, so closing the probe's file
/// descriptor cannot drop one of ours.
#[cfg(unix)]
fn terraform_holds_lock(state_path: &Path) -> bool {
    use rustix::fs::{fcntl_lock, FlockOperation};
    let Ok(f) = OpenOptions::new().read(true).write(true).open(state_path) else {
        return false;
    };
    match fcntl_lock(&f, FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => {
            let _ = fcntl_lock(&f, FlockOperation::NonBlockingUnlock);
            false
        }
        Err(e) => e == rustix::io::Errno::AGAIN || e == rustix::io::Errno::ACCESS,
    }
}

#[cfg(not(unix))]
fn terraform_holds_lock(_state_path: &Path) -> bool {
    false
}

#[cfg(unix)]
fn os_unlock(f: &File) -> std::io::Result<()> {
    rustix::fs::flock(f, rustix::fs::FlockOperation::Unlock).map_err(Into::into)
}

#[cfg(not(unix))]
fn os_try_lock(_f: &File) -> std::io::Result<bool> {
    Err(std::io::Error::other(
        "file locking is only implemented on Unix",
    ))
}

#[cfg(not(unix))]
fn os_unlock(_f: &File) -> std::io::Result<()> {
    Ok(())
}
