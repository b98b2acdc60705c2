//! The s3 backend: state in an S3 bucket, laid out and locked exactly as Terraform's `s3`
//! backend does, so Terraform and girder can share a state and exclude each other.
//!
//! Objects (for a workspace whose state key is `K`; `K` = `key` for `default`, else
//! `<workspace_key_prefix>/<workspace>/<key>`):
//! * `K`: the state (Terraform's format). Written with `If-Match` on the ETag last read, or
//!   `If-None-Match: *` when creating, so a run that lost its lock never overwrites a newer
//!   state. girder adds the metadata `girder-prev-md5` (the MD5 of the state it replaced).
//! * `K.tflock`: the lock file (`use_lockfile`), created with `If-None-Match: *`; body = lock
//!   info JSON (Terraform 1.10's format).
//! * `K.journal/<base serial>/<seq>`: girder's journal of the running (or a crashed) run;
//!   object `0` is the header, every further object one change. Terraform ignores these keys
//!   (they are not `K` itself, so its workspace listing skips them).
//!
//! DynamoDB (`dynamodb_table`, hash key `LockID` of type S):
//! * `{LockID = "<bucket>/K", Info = <lock info JSON>}`: the lock, put with
//!   `attribute_not_exists(LockID)`; unlock is a consistent GetItem, an ID comparison and a
//!   DeleteItem.
//! * `{LockID = "<bucket>/K-md5", Digest = <hex MD5 of the state object>}`: written after
//!   every state write, checked on every read. A mismatch is retried for a while (S3 used to
//!   be eventually consistent), then reported, except when girder can prove that the digest
//!   write of a girder write was lost (the object's `girder-prev-md5` is the stored digest):
//!   then the digest is repaired (conditionally) and the read proceeds.
//!
//! The trait is synchronous: each backend family holds its own tokio runtime and waits on it
//! with a channel, so it works from plain threads, from `spawn_blocking`, and even (blocking)
//! from inside another runtime's task.

mod aws;
pub mod config;

pub use config::{AssumeRole, Endpoints, S3Config, Secret};

use crate::backend::{
    check_write, validate_workspace_name, Backend, InstanceChange, Version, DEFAULT_WORKSPACE,
};
use crate::crypto::Cipher;
use crate::error::{Result, StateError};
use crate::format;
use crate::journal::{self, JournalHeader};
use crate::lock::{LockHandle, LockInfo};
use crate::model::State;
use aws::{Aws, Cond, Put, PREV_MD5_META};
use md5::Digest;
use std::future::Future;
use std::path::PathBuf;
use std::sync::{mpsc, Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Terraform's default: how long a digest mismatch is retried before it is an error.
pub const DEFAULT_CONSISTENCY_TIMEOUT: Duration = Duration::from_secs(10);

/// Leases shorter than this are not renewed by the heartbeat (a renewal every few hundred
/// milliseconds would be a denial of service on the lock table, not a lease).
pub const MIN_RENEWED_LEASE: Duration = Duration::from_secs(1);

/// How many times a write retries when a concurrent writer moved the object between its
/// read and its conditional put (only for writes without an expected version).
const WRITE_ATTEMPTS: usize = 3;

/// A tokio runtime that is shut down without blocking when the last backend using it goes.
struct Rt(Option<tokio::runtime::Runtime>);

impl Drop for Rt {
    fn drop(&mut self) {
        if let Some(rt) = self.0.take() {
            rt.shutdown_background();
        }
    }
}

impl Rt {
    fn new() -> Result<Rt> {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("girder-s3")
            .enable_all()
            .build()
            .map(|rt| Rt(Some(rt)))
            .map_err(|e| StateError::Backend(format!("cannot start the S3 client runtime: {e}")))
    }

    /// Runs `f` on this runtime and waits for it from the calling thread (any thread).
    fn run<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: Future<Output = Result<T>> + Send + 'static,
    {
        let Some(rt) = &self.0 else {
            return Err(StateError::Backend("the S3 client runtime is gone".into()));
        };
        let (tx, rx) = mpsc::sync_channel(1);
        rt.spawn(async move {
            let _ = tx.send(f.await);
        });
        rx.recv().unwrap_or_else(|_| {
            Err(StateError::Backend(
                "an S3 request was aborted (its task panicked or the runtime stopped)".into(),
            ))
        })
    }
}

/// What all workspaces' backends of one configuration share.
struct Shared {
    // `aws` before `rt`: the clients are dropped before the runtime.
    aws: Aws,
    rt: Rt,
    config: S3Config,
    cipher: Option<Arc<Cipher>>,
    consistency_timeout: Duration,
    renew_leases: bool,
}

impl Shared {
    fn run<T, F, Fut>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(Aws) -> Fut,
        Fut: Future<Output = Result<T>> + Send + 'static,
    {
        self.rt.run(f(self.aws.clone()))
    }
}

/// The S3 backend bound to one workspace. See the module docs.
pub struct S3Backend {
    shared: Arc<Shared>,
    workspace: String,
    /// The state object's key.
    state_key: String,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    held: Option<Held>,
    /// The version and MD5 of the object last read or written by this instance.
    last: Option<Stored>,
    /// The journal being appended to by this run.
    journal: Option<Cursor>,
}

struct Held {
    id: String,
    lease: Arc<Mutex<LeaseState>>,
    /// Dropping it stops the heartbeat thread.
    _heartbeat: Option<mpsc::Sender<()>>,
}

/// The lock as stored, shared with the heartbeat thread.
struct LeaseState {
    info: LockInfo,
    /// The exact Info JSON stored in DynamoDB.
    json: String,
    /// The lock file's ETag.
    lockfile_etag: Option<String>,
    /// Set when a renewal found the lock taken over by someone else.
    lost: bool,
}

struct Cursor {
    header: JournalHeader,
    next_seq: u64,
}

#[derive(Clone)]
struct Stored {
    version: Version,
    md5: String,
}

/// Why a lock attempt did not succeed.
enum Busy {
    /// Someone holds it (their info, if readable).
    Held(Option<LockInfo>, Option<String>),
}

fn md5_hex(bytes: &[u8]) -> String {
    let d = md5::Md5::digest(bytes);
    let mut s = String::with_capacity(32);
    for b in d {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

impl S3Backend {
    /// Connects (builds the SDK clients; no request is made yet) and returns the backend
    /// for the default workspace.
    pub fn new(config: S3Config) -> Result<S3Backend> {
        config.validate()?;
        let rt = Rt::new()?;
        let cfg = config.clone();
        let aws = rt.run(async move { aws::connect(&cfg).await })?;
        let state_key = config.key.clone();
        Ok(S3Backend {
            shared: Arc::new(Shared {
                aws,
                rt,
                config,
                cipher: None,
                consistency_timeout: DEFAULT_CONSISTENCY_TIMEOUT,
                renew_leases: true,
            }),
            workspace: DEFAULT_WORKSPACE.to_string(),
            state_key,
            inner: Mutex::new(Inner::default()),
        })
    }

    /// Encrypts the state and journal client-side with this cipher (reads plain and
    /// encrypted states alike). Call before `select_workspace`.
    pub fn with_cipher(mut self, cipher: Option<Arc<Cipher>>) -> S3Backend {
        if let Some(sh) = Arc::get_mut(&mut self.shared) {
            sh.cipher = cipher;
        }
        self
    }

    /// How long a digest mismatch is retried before it is reported (default 10 s, as
    /// Terraform). Call before `select_workspace`.
    pub fn with_consistency_timeout(mut self, t: Duration) -> S3Backend {
        if let Some(sh) = Arc::get_mut(&mut self.shared) {
            sh.consistency_timeout = t;
        }
        self
    }

    /// Whether held leases are renewed by a heartbeat thread (default true). Call before
    /// `select_workspace`.
    pub fn with_lease_renewal(mut self, renew: bool) -> S3Backend {
        if let Some(sh) = Arc::get_mut(&mut self.shared) {
            sh.renew_leases = renew;
        }
        self
    }

    /// The settings.
    pub fn config(&self) -> &S3Config {
        &self.shared.config
    }

    /// The state object's key of this workspace.
    pub fn state_key(&self) -> &str {
        &self.state_key
    }

    /// The key of the state object of workspace `name` (Terraform's layout).
    pub fn key_for(config: &S3Config, name: &str) -> String {
        if name == DEFAULT_WORKSPACE {
            config.key.clone()
        } else {
            clean_path(&format!(
                "{}/{}/{}",
                config.workspace_key_prefix, name, config.key
            ))
        }
    }

    /// The DynamoDB `LockID` of the lock: `<bucket>/<state key>`.
    pub fn lock_id(&self) -> String {
        format!("{}/{}", self.shared.config.bucket, self.state_key)
    }

    /// The DynamoDB `LockID` of the digest item: `<bucket>/<state key>-md5`.
    pub fn digest_id(&self) -> String {
        format!("{}-md5", self.lock_id())
    }

    /// The lock file's key: `<state key>.tflock`.
    pub fn lockfile_key(&self) -> String {
        format!("{}.tflock", self.state_key)
    }

    /// The prefix of this workspace's journal objects: `<state key>.journal/`.
    pub fn journal_prefix(&self) -> String {
        format!("{}.journal/", self.state_key)
    }

    fn inner(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn table(&self) -> bool {
        self.shared.config.dynamodb_table.is_some()
    }

    fn lockfile(&self) -> bool {
        self.shared.config.lockfile_enabled()
    }

    // ----- objects -----

    fn get(&self, key: &str) -> Result<Option<aws::Object>> {
        let key = key.to_string();
        self.shared.run(|a| async move { a.get(&key).await })
    }

    fn put(
        &self,
        key: &str,
        body: Vec<u8>,
        cond: Cond,
        meta: Option<String>,
        state: bool,
    ) -> Result<Put> {
        let key = key.to_string();
        self.shared.run(|a| async move {
            a.put(&key, body, cond, meta.map(|m| (PREV_MD5_META, m)), state)
                .await
        })
    }

    fn delete(&self, key: &str) -> Result<()> {
        let key = key.to_string();
        self.shared.run(|a| async move { a.delete(&key).await })
    }

    fn list(&self, prefix: &str) -> Result<Vec<String>> {
        let prefix = prefix.to_string();
        self.shared.run(|a| async move { a.list(&prefix).await })
    }

    fn ddb_get(&self, id: &str, attr: &'static str) -> Result<Option<String>> {
        let id = id.to_string();
        self.shared
            .run(|a| async move { a.ddb_get(&id, attr).await })
    }

    fn decode(&self, bytes: Vec<u8>) -> Result<Vec<u8>> {
        if crate::crypto::is_envelope(&bytes) {
            match &self.shared.cipher {
                Some(c) => c.open(&bytes, &self.location()),
                None => Err(StateError::Decrypt {
                    location: self.location(),
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
        match &self.shared.cipher {
            Some(c) => c.seal(&plain),
            None => Ok(plain),
        }
    }

    /// Reads the state object and checks it against the digest item. Returns the plain
    /// bytes and the stored version.
    fn read_object(&self) -> Result<Option<(Vec<u8>, Stored)>> {
        let deadline = Instant::now() + self.shared.consistency_timeout;
        loop {
            let obj = self.get(&self.state_key)?;
            let md5 = obj.as_ref().map(|o| md5_hex(&o.bytes));
            if self.table() {
                let expected = self.ddb_get(&self.digest_id(), "Digest")?;
                if let Some(expected) = expected.filter(|d| !d.is_empty()) {
                    if md5.as_deref() != Some(expected.as_str()) {
                        if let (Some(o), Some(m)) = (&obj, &md5) {
                            if self.repair_digest(o, m, &expected)? {
                                return self.finish_read(obj, md5);
                            }
                        }
                        if Instant::now() < deadline {
                            std::thread::sleep(Duration::from_millis(500));
                            continue;
                        }
                        return Err(self.digest_error(md5.as_deref(), &expected));
                    }
                }
            }
            return self.finish_read(obj, md5);
        }
    }

    fn finish_read(
        &self,
        obj: Option<aws::Object>,
        md5: Option<String>,
    ) -> Result<Option<(Vec<u8>, Stored)>> {
        let Some(obj) = obj else {
            return Ok(None);
        };
        let plain = self.decode(obj.bytes)?;
        let (lineage, serial) = format::probe(&plain, &self.location())?;
        Ok(Some((
            plain,
            Stored {
                version: Version {
                    lineage,
                    serial,
                    etag: obj.etag,
                },
                md5: md5.unwrap_or_default(),
            },
        )))
    }

    /// A girder write records the MD5 of the object it replaced. When that is the stored
    /// digest, the digest write after this object's write was lost (a crash between the
    /// two): set the digest to this object's MD5, only if it is still the old one.
    fn repair_digest(&self, obj: &aws::Object, md5: &str, expected: &str) -> Result<bool> {
        let prev = obj.metadata.get(PREV_MD5_META).map(String::as_str);
        if prev != Some(expected) {
            return Ok(false);
        }
        let (id, new, old) = (self.digest_id(), md5.to_string(), expected.to_string());
        self.shared
            .run(|a| async move { a.ddb_put_digest(&id, &new, Some(&old)).await })?;
        // Whether or not our conditional put won, the digest is now this object's or a
        // newer writer's; re-reading settles it.
        let now = self.ddb_get(&self.digest_id(), "Digest")?;
        Ok(now.as_deref() == Some(md5))
    }

    fn digest_error(&self, actual: Option<&str>, expected: &str) -> StateError {
        let table = self
            .shared
            .config
            .dynamodb_table
            .clone()
            .unwrap_or_default();
        let what = match actual {
            Some(a) => format!("its MD5 is {a}"),
            None => "the object does not exist".to_string(),
        };
        StateError::Backend(format!(
            "the state at {} does not have the content its digest promises: {what}, but the \
             DynamoDB table {table} (item LockID = {:?}) says {expected}. Either a write is \
             still in progress or was interrupted between the state upload and the digest \
             update, or the object was changed outside Terraform and girder. Wait a minute and \
             retry; if this persists, check that the state object is the one you want (e.g. \
             compare it with its previous versions), then set the item's Digest to {} (or \
             delete the item) and retry",
            self.location(),
            self.digest_id(),
            actual.unwrap_or("the new object's MD5"),
        ))
    }

    fn read_full(&self) -> Result<Option<(State, Stored)>> {
        let Some((plain, stored)) = self.read_object()? else {
            return Ok(None);
        };
        let state = format::parse(&plain, &self.location())?;
        Ok(Some((state, stored)))
    }

    // ----- journal -----

    fn journal_location(&self, key: &str) -> PathBuf {
        PathBuf::from(format!("s3://{}/{key}", self.shared.config.bucket))
    }

    /// Parses `<prefix><base serial>/<seq>`.
    fn journal_key_parts(&self, key: &str) -> Option<(u64, u64)> {
        let rest = key.strip_prefix(&self.journal_prefix())?;
        let (base, seq) = rest.split_once('/')?;
        Some((base.parse().ok()?, seq.parse().ok()?))
    }

    fn journal_key(&self, base: u64, seq: u64) -> String {
        format!("{}{base:020}/{seq:08}", self.journal_prefix())
    }

    /// Reads the journal that applies to `stored`. Returns it (if any) and every journal key
    /// (to delete after folding it in).
    fn read_journal(&self, stored: &Version) -> Result<(Option<journal::Journal>, Vec<String>)> {
        let keys = self.list(&self.journal_prefix())?;
        let mut current: Vec<(u64, String)> = Vec::new();
        for k in &keys {
            let Some((base, seq)) = self.journal_key_parts(k) else {
                continue;
            };
            if base > stored.serial {
                return Err(StateError::Journal {
                    path: self.journal_location(k),
                    line: 1,
                    detail: format!(
                        "it continues serial {base}, but the stored state is at the older \
                         serial {}; the state object was replaced by an older one",
                        stored.serial
                    ),
                });
            }
            if base == stored.serial {
                current.push((seq, k.clone()));
            }
        }
        if current.is_empty() {
            return Ok((None, keys));
        }
        current.sort();
        let mut bytes = Vec::new();
        let wanted: Vec<String> = current.iter().map(|(_, k)| k.clone()).collect();
        let objects = self
            .shared
            .run(|a| async move { a.get_all(wanted).await })?;
        for ((_, k), obj) in current.iter().zip(objects) {
            let Some(obj) = obj else {
                continue; // deleted by a concurrent compaction
            };
            let part = match &self.shared.cipher {
                Some(c) => c.open_lines(&obj.bytes, &self.journal_location(k))?,
                None => {
                    if crate::crypto::is_envelope_lines(&obj.bytes) {
                        return Err(StateError::Decrypt {
                            location: self.journal_location(k).display().to_string(),
                            detail: "the journal is encrypted and no key is configured".into(),
                        });
                    }
                    obj.bytes
                }
            };
            bytes.extend_from_slice(&part);
        }
        let first = current
            .first()
            .map(|(_, k)| self.journal_location(k))
            .unwrap_or_default();
        let j = journal::decode(&bytes).map_err(|(line, detail)| StateError::Journal {
            path: first.clone(),
            line,
            detail,
        })?;
        if let Some(j) = &j {
            if j.header.lineage != stored.lineage {
                return Err(StateError::Journal {
                    path: first,
                    line: 1,
                    detail: format!(
                        "it belongs to a state with lineage {}, but the stored state has \
                         lineage {}",
                        j.header.lineage, stored.lineage
                    ),
                });
            }
        }
        Ok((j, keys))
    }

    fn delete_keys(&self, keys: Vec<String>) -> Result<()> {
        if keys.is_empty() {
            return Ok(());
        }
        self.shared.run(|a| async move { a.delete_all(keys).await })
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
        // Fast path: the caller's expected version is the one this instance last saw, so the
        // conditional put alone proves nothing moved.
        let mut cached = match (expected, &inner.last) {
            (Some(e), Some(l)) if !force && l.version == *e && e.etag.is_some() => Some(l.clone()),
            _ => None,
        };
        let mut attempt = 0;
        loop {
            attempt += 1;
            let stored = match cached.take() {
                Some(s) => Some(s),
                None => self.read_object()?.map(|(_, s)| s),
            };
            let serial = if force {
                stored
                    .as_ref()
                    .map_or(state.serial, |s| s.version.serial.max(state.serial))
                    + 1
            } else {
                check_write(
                    &location,
                    stored.as_ref().map(|s| &s.version),
                    state,
                    expected,
                )?
            };
            let plain = format::to_bytes_with_serial(state, serial);
            let bytes = self.encode(plain)?;
            let md5 = md5_hex(&bytes);
            let cond = match &stored {
                Some(s) => match &s.version.etag {
                    Some(e) => Cond::Match(e.clone()),
                    None => Cond::None,
                },
                None => Cond::Absent,
            };
            let prev = stored.as_ref().map(|s| s.md5.clone());
            match self.put(&self.state_key, bytes, cond, prev, true)? {
                Put::Done(etag) => {
                    if self.table() {
                        let (id, d) = (self.digest_id(), md5.clone());
                        self.shared
                            .run(|a| async move { a.ddb_put_digest(&id, &d, None).await })?;
                    }
                    // The new snapshot contains every journalled change.
                    inner.journal = None;
                    let keys = self.list(&self.journal_prefix())?;
                    self.delete_keys(keys)?;
                    let v = Version {
                        lineage: state.lineage.clone(),
                        serial,
                        etag,
                    };
                    inner.last = Some(Stored {
                        version: v.clone(),
                        md5,
                    });
                    return Ok(v);
                }
                Put::PreconditionFailed => {
                    // Someone wrote in between: re-read; check_write then reports the
                    // stale write (or, without an expected version, we try again).
                    if attempt >= WRITE_ATTEMPTS {
                        return Err(StateError::StaleWrite {
                            location,
                            stored: stored.map(|s| s.version.serial).unwrap_or(0),
                            expected: expected.map(|e| e.serial).unwrap_or(state.serial),
                        });
                    }
                }
            }
        }
    }

    /// Folds a pending journal into the state. Requires the lock.
    fn compact_locked(&self, inner: &mut Inner) -> Result<Option<Version>> {
        inner.journal = None;
        // Cheap when there is nothing to recover: one LIST, no state download.
        let keys = self.list(&self.journal_prefix())?;
        if keys.is_empty() {
            return Ok(None);
        }
        let Some((mut state, stored)) = self.read_full()? else {
            if let Some(k) = keys.first() {
                return Err(StateError::Journal {
                    path: self.journal_location(k),
                    line: 1,
                    detail: "there is no state object for it to apply to".into(),
                });
            }
            return Ok(None);
        };
        let (j, keys) = self.read_journal(&stored.version)?;
        let Some(j) = j else {
            self.delete_keys(keys)?;
            inner.last = Some(stored);
            return Ok(None);
        };
        journal::apply(&mut state, &j.changes);
        let expected = stored.version.clone();
        inner.last = Some(stored);
        let v = self.write_impl(inner, &state, Some(&expected), false)?;
        Ok(Some(v))
    }

    // ----- locking -----

    fn lockfile_info(&self) -> Result<Option<(LockInfo, Option<String>)>> {
        if !self.lockfile() {
            return Ok(None);
        }
        let Some(obj) = self.get(&self.lockfile_key())? else {
            return Ok(None);
        };
        let info = LockInfo::from_json(&obj.bytes).map_err(|e| {
            StateError::Backend(format!(
                "the lock file s3://{}/{} is not valid lock info ({e}); if no run is using \
                 the state, delete it",
                self.shared.config.bucket,
                self.lockfile_key()
            ))
        })?;
        Ok(Some((info, obj.etag)))
    }

    fn table_info(&self) -> Result<Option<(LockInfo, String)>> {
        if !self.table() {
            return Ok(None);
        }
        let Some(raw) = self.ddb_get(&self.lock_id(), "Info")? else {
            return Ok(None);
        };
        let info = LockInfo::from_json(raw.as_bytes()).map_err(|e| {
            StateError::Backend(format!(
                "the lock item LockID = {:?} in DynamoDB table {} has invalid Info ({e}); if \
                 no run is using the state, delete the item",
                self.lock_id(),
                self.shared
                    .config
                    .dynamodb_table
                    .clone()
                    .unwrap_or_default()
            ))
        })?;
        Ok(Some((info, raw)))
    }

    /// One attempt to take both locks. On `Err(Busy)` nothing is held.
    fn try_lock(&self, info: &LockInfo) -> Result<std::result::Result<LeaseState, Busy>> {
        let json = info.to_json();
        let mut lockfile_etag = None;
        if self.lockfile() {
            match self.put(
                &self.lockfile_key(),
                json.clone().into_bytes(),
                Cond::Absent,
                None,
                false,
            )? {
                Put::Done(etag) => lockfile_etag = etag,
                Put::PreconditionFailed => {
                    let holder = self.lockfile_info().ok().flatten().map(|(i, _)| i);
                    return Ok(Err(Busy::Held(holder, None)));
                }
            }
        }
        if self.table() {
            let (id, j) = (self.lock_id(), json.clone());
            let took = self
                .shared
                .run(|a| async move { a.ddb_lock(&id, &j).await });
            match took {
                Ok(true) => {}
                other => {
                    if lockfile_etag.is_some() {
                        let _ = self.delete(&self.lockfile_key());
                    }
                    other?;
                    let holder = self.table_info();
                    let (info, raw) = match holder {
                        Ok(Some((i, raw))) => (Some(i), Some(raw)),
                        Ok(None) => (None, None),
                        Err(e) => (None, Some(e.to_string())),
                    };
                    return Ok(Err(Busy::Held(info, raw)));
                }
            }
        }
        Ok(Ok(LeaseState {
            info: info.clone(),
            json,
            lockfile_etag,
            lost: false,
        }))
    }

    fn busy_error(&self, busy: Busy) -> StateError {
        let Busy::Held(info, raw) = busy;
        match info {
            Some(info) if info.lease_expired() => StateError::StaleLock {
                location: self.location(),
                reason: format!(
                    "its lease expired at {} and was not renewed, so the run holding it has \
                     probably died",
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
                detail: match raw {
                    Some(r) => format!("the lock is held, but its holder is unknown: {r}"),
                    None => "the lock is held by someone who released it while girder looked; \
                             retry"
                        .into(),
                },
            },
        }
    }

    fn start_heartbeat(&self, lease: &Arc<Mutex<LeaseState>>) -> Option<mpsc::Sender<()>> {
        if !self.shared.renew_leases {
            return None;
        }
        let info = lease.lock().ok()?.info.clone();
        let ttl = info
            .expires_at()
            .map(|t| t - time::OffsetDateTime::now_utc())
            .and_then(|d| Duration::try_from(d).ok())?;
        if ttl < MIN_RENEWED_LEASE {
            return None;
        }
        let interval = ttl / 3;
        let (tx, rx) = mpsc::channel::<()>();
        let shared = self.shared.clone();
        let lease = lease.clone();
        let (lock_id, lockfile_key) = (self.lock_id(), self.lockfile_key());
        let (table, lockfile) = (self.table(), self.lockfile());
        std::thread::Builder::new()
            .name("girder-s3-lease".into())
            .spawn(move || loop {
                match rx.recv_timeout(interval) {
                    Err(mpsc::RecvTimeoutError::Timeout) => {}
                    _ => return,
                }
                let (old_json, etag, mut info) = match lease.lock() {
                    Ok(l) if !l.lost => (l.json.clone(), l.lockfile_etag.clone(), l.info.clone()),
                    _ => return,
                };
                info = info.with_lease(ttl);
                let new_json = info.to_json();
                let mut ok = true;
                let mut new_etag = etag.clone();
                if lockfile {
                    let (k, body) = (lockfile_key.clone(), new_json.clone().into_bytes());
                    let cond = etag.map(Cond::Match).unwrap_or(Cond::None);
                    match shared.run(|a| async move { a.put(&k, body, cond, None, false).await }) {
                        Ok(Put::Done(e)) => new_etag = e,
                        Ok(Put::PreconditionFailed) => ok = false,
                        Err(_) => continue, // transient: try again next beat
                    }
                }
                if ok && table {
                    let (id, o, n) = (lock_id.clone(), old_json.clone(), new_json.clone());
                    match shared.run(|a| async move { a.ddb_replace_info(&id, &o, &n).await }) {
                        Ok(true) => {}
                        Ok(false) => ok = false,
                        Err(_) => continue,
                    }
                }
                if let Ok(mut l) = lease.lock() {
                    if ok {
                        l.info = info;
                        l.json = new_json;
                        l.lockfile_etag = new_etag;
                    } else {
                        l.lost = true;
                        return;
                    }
                }
            })
            .ok()?;
        Some(tx)
    }

    /// Removes the locks whose ID is `id`. Refuses (removing nothing) when a present lock
    /// has another ID. `Ok(false)` when there was no lock at all.
    fn remove_locks(&self, id: &str) -> Result<bool> {
        let table = self.table_info()?;
        let file = self.lockfile_info()?;
        if table.is_none() && file.is_none() {
            return Ok(false);
        }
        for info in [table.as_ref().map(|t| &t.0), file.as_ref().map(|f| &f.0)]
            .into_iter()
            .flatten()
        {
            if info.id != id {
                return Err(StateError::LockIdMismatch {
                    location: self.location(),
                    requested: id.to_string(),
                    held: Some(Box::new(info.clone())),
                });
            }
        }
        if let Some((_, raw)) = table {
            let lid = self.lock_id();
            let deleted = self
                .shared
                .run(|a| async move { a.ddb_delete(&lid, Some(&raw)).await })?;
            if !deleted {
                return Err(StateError::LockFailed {
                    location: self.location(),
                    detail: "the lock changed while it was being released; retry".into(),
                });
            }
        }
        if file.is_some() {
            self.delete(&self.lockfile_key())?;
        }
        Ok(true)
    }

    fn drop_held(inner: &mut Inner) {
        inner.journal = None;
        // Dropping the sender stops the heartbeat.
        inner.held = None;
    }

    fn sibling(&self, workspace: &str) -> S3Backend {
        S3Backend {
            shared: self.shared.clone(),
            workspace: workspace.to_string(),
            state_key: S3Backend::key_for(&self.shared.config, workspace),
            inner: Mutex::new(Inner::default()),
        }
    }
}

/// Terraform's `keyEnv`: the workspace a listed key belongs to, if any, for state key
/// `key_name` and workspace prefix `prefix`.
pub fn workspace_of_key(prefix: &str, key_name: &str, key: &str) -> Option<String> {
    let rest = if prefix.is_empty() {
        key
    } else {
        key.strip_prefix(prefix)?.strip_prefix('/')?
    };
    let (ws, rest) = rest.split_once('/')?;
    (rest == key_name && !ws.is_empty()).then(|| ws.to_string())
}

/// `path.Join` semantics for keys: no empty segments, no `.` segments.
fn clean_path(p: &str) -> String {
    p.split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .collect::<Vec<_>>()
        .join("/")
}

impl Drop for S3Backend {
    fn drop(&mut self) {
        // Stop the heartbeat; the lock stays (as after a crash) unless it was released.
        let mut inner = self.inner();
        inner.held = None;
    }
}

impl Backend for S3Backend {
    fn location(&self) -> String {
        format!("s3://{}/{}", self.shared.config.bucket, self.state_key)
    }

    fn workspace(&self) -> &str {
        &self.workspace
    }

    fn select_workspace(&self, name: &str) -> Result<Box<dyn Backend>> {
        validate_workspace_name(name)?;
        Ok(Box::new(self.sibling(name)))
    }

    fn read(&self) -> Result<Option<(State, Version)>> {
        let mut inner = self.inner();
        let Some((mut state, stored)) = self.read_full()? else {
            return Ok(None);
        };
        let version = stored.version.clone();
        let (j, _) = self.read_journal(&version)?;
        if let Some(j) = j {
            // In memory only: the journal may belong to a run in progress; the next lock()
            // folds in a crashed run's journal.
            journal::apply(&mut state, &j.changes);
        }
        inner.last = Some(stored);
        Ok(Some((state, version)))
    }

    fn write(&self, state: &State, expected: Option<&Version>) -> Result<Version> {
        let mut inner = self.inner();
        self.write_impl(&mut inner, state, expected, false)
    }

    fn force_write(&self, state: &State) -> Result<Version> {
        let mut inner = self.inner();
        self.write_impl(&mut inner, state, None, true)
    }

    fn lock(&self, info: &LockInfo, timeout: Duration) -> Result<LockHandle> {
        let mut inner = self.inner();
        if let Some(h) = &inner.held {
            return Err(StateError::LockFailed {
                location: self.location(),
                detail: format!("this run already holds the lock (ID {})", h.id),
            });
        }
        let mut info = info.clone();
        info.path = self.lock_id();
        let deadline = Instant::now() + timeout;
        let mut pause = Duration::from_millis(100);
        let lease = loop {
            match self.try_lock(&info)? {
                Ok(l) => break l,
                Err(busy) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return Err(self.busy_error(busy));
                    }
                    std::thread::sleep(pause.min(deadline - now));
                    pause = (pause * 2).min(Duration::from_secs(2));
                }
            }
        };
        let lease = Arc::new(Mutex::new(lease));
        let heartbeat = self.start_heartbeat(&lease);
        inner.held = Some(Held {
            id: info.id.clone(),
            lease,
            _heartbeat: heartbeat,
        });
        // Recover a journal left by a crashed run.
        if let Err(e) = self.compact_locked(&mut inner) {
            Self::drop_held(&mut inner);
            let _ = self.remove_locks(&info.id);
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
            Some(h) if h.id == id => {
                let lost = h.lease.lock().map(|l| l.lost).unwrap_or(false);
                Self::drop_held(&mut inner);
                let present = self.remove_locks(id)?;
                if !present || lost {
                    return Err(StateError::LockFailed {
                        location: self.location(),
                        detail: format!(
                            "the lock {id} was broken by someone else (force-unlock) while \
                             this run held it; check that the state is what you expect"
                        ),
                    });
                }
                Ok(())
            }
            Some(h) => {
                let held = h.lease.lock().map(|l| l.info.clone()).ok();
                Err(StateError::LockIdMismatch {
                    location: self.location(),
                    requested: id.to_string(),
                    held: held.map(Box::new),
                })
            }
            None => {
                drop(inner);
                self.force_unlock(id)
            }
        }
    }

    fn force_unlock(&self, id: &str) -> Result<()> {
        let mut inner = self.inner();
        if inner.held.as_ref().is_some_and(|h| h.id == id) {
            Self::drop_held(&mut inner);
        }
        if self.remove_locks(id)? {
            Ok(())
        } else {
            Err(StateError::NotLocked {
                location: self.location(),
            })
        }
    }

    fn lock_info(&self) -> Result<Option<LockInfo>> {
        if let Some((i, _)) = self.table_info()? {
            return Ok(Some(i));
        }
        Ok(self.lockfile_info()?.map(|(i, _)| i))
    }

    fn workspaces(&self) -> Result<Vec<String>> {
        let c = &self.shared.config;
        let prefix = if c.workspace_key_prefix.is_empty() {
            String::new()
        } else {
            format!("{}/", c.workspace_key_prefix)
        };
        let mut names: Vec<String> = self
            .list(&prefix)?
            .iter()
            .filter_map(|k| workspace_of_key(&c.workspace_key_prefix, &c.key, k))
            .filter(|n| n != DEFAULT_WORKSPACE && validate_workspace_name(n).is_ok())
            .collect();
        names.sort();
        names.dedup();
        names.insert(0, DEFAULT_WORKSPACE.to_string());
        Ok(names)
    }

    fn delete_workspace(&self, name: &str) -> Result<()> {
        if name == DEFAULT_WORKSPACE {
            return Err(StateError::CannotDeleteDefault);
        }
        validate_workspace_name(name)?;
        if !self.workspaces()?.iter().any(|n| n == name) {
            return Err(StateError::WorkspaceNotFound {
                name: name.to_string(),
            });
        }
        let other = self.sibling(name);
        if let Some(info) = other.lock_info()? {
            return Err(StateError::Locked {
                location: other.location(),
                info: Box::new(info),
            });
        }
        let keys = other.list(&other.journal_prefix())?;
        other.delete_keys(keys)?;
        other.delete(&other.state_key)?;
        if other.table() {
            let id = other.digest_id();
            other
                .shared
                .run(|a| async move { a.ddb_delete(&id, None).await })?;
        }
        Ok(())
    }

    fn append_change(&self, change: &InstanceChange) -> Result<()> {
        let mut inner = self.inner();
        if inner.held.is_none() {
            return Err(StateError::LockFailed {
                location: self.location(),
                detail: "journalling a change needs the state lock; lock the state first".into(),
            });
        }
        if inner.journal.is_none() {
            // Fold in anything left over, then start a journal on the current snapshot.
            self.compact_locked(&mut inner)?;
            let base = self.read_object()?.map(|(_, s)| s);
            let Some(base) = base else {
                return Err(StateError::Config(
                    "there is no stored state to journal changes against; write the initial \
                     state first"
                        .into(),
                ));
            };
            let header = JournalHeader {
                lineage: base.version.lineage.clone(),
                base_serial: base.version.serial,
            };
            inner.last = Some(base);
            let line = self.seal_line(journal::encode_header(&header))?;
            let key = self.journal_key(header.base_serial, 0);
            self.put_journal(&key, line)?;
            inner.journal = Some(Cursor {
                header,
                next_seq: 1,
            });
        }
        let line = self.seal_line(journal::encode_change(change))?;
        let (base, seq) = match &inner.journal {
            Some(c) => (c.header.base_serial, c.next_seq),
            None => return Err(StateError::Backend("journal cursor lost".into())),
        };
        let key = self.journal_key(base, seq);
        self.put_journal(&key, line)?;
        if let Some(c) = inner.journal.as_mut() {
            c.next_seq += 1;
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

impl S3Backend {
    fn seal_line(&self, line: Vec<u8>) -> Result<Vec<u8>> {
        match &self.shared.cipher {
            Some(c) => c.seal_line(&line),
            None => Ok(line),
        }
    }

    fn put_journal(&self, key: &str, body: Vec<u8>) -> Result<()> {
        match self.put(key, body, Cond::Absent, None, false)? {
            Put::Done(_) => Ok(()),
            Put::PreconditionFailed => Err(StateError::LockFailed {
                location: self.location(),
                detail: format!(
                    "the journal entry s3://{}/{key} already exists: another run is \
                     journalling changes to this state, so this run's lock was broken; stop \
                     and check the state",
                    self.shared.config.bucket
                ),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workspace_keys_as_terraform() {
        let mut c = S3Config::new("b", "app/terraform.tfstate");
        assert_eq!(S3Backend::key_for(&c, "default"), "app/terraform.tfstate");
        assert_eq!(
            S3Backend::key_for(&c, "dev"),
            "env:/dev/app/terraform.tfstate"
        );
        let ws = |k: &str| workspace_of_key("env:", "app/terraform.tfstate", k);
        assert_eq!(ws("env:/dev/app/terraform.tfstate").as_deref(), Some("dev"));
        assert_eq!(ws("env:/dev/app/terraform.tfstate.tflock"), None);
        assert_eq!(ws("env:/dev/app/terraform.tfstate.journal/1/0"), None);
        assert_eq!(ws("env:/dev/other.tfstate"), None);
        assert_eq!(ws("app/terraform.tfstate"), None);
        assert_eq!(ws("env:x/dev/app/terraform.tfstate"), None);
        c.workspace_key_prefix = String::new();
        assert_eq!(S3Backend::key_for(&c, "dev"), "dev/app/terraform.tfstate");
        assert_eq!(
            workspace_of_key("", "t.tfstate", "dev/t.tfstate").as_deref(),
            Some("dev")
        );
        c.workspace_key_prefix = "a//b".into();
        assert_eq!(S3Backend::key_for(&c, "x"), "a/b/x/app/terraform.tfstate");
    }

    #[test]
    fn md5_is_hex() {
        assert_eq!(md5_hex(b""), "d41d8cd98f00b204e9800998ecf8427e");
    }
}
