//! Lock information, serialised with Terraform's field names.

use serde::{Deserialize, Serialize};
use std::time::Duration;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Who holds a lock and why. Serialised as Terraform's lock info JSON (`ID`, `Operation`,
/// `Info`, `Who`, `Version`, `Created`, `Path`) plus girder's optional extras (`Expires`,
/// `CIJobURL`), which Terraform ignores.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockInfo {
    /// A UUID v4 identifying this lock.
    #[serde(rename = "ID")]
    pub id: String,
    /// The operation, e.g. `OperationTypeApply` (Terraform's names) or `apply`.
    #[serde(rename = "Operation", default)]
    pub operation: String,
    /// Free text.
    #[serde(rename = "Info", default)]
    pub info: String,
    /// `user@host`.
    #[serde(rename = "Who", default)]
    pub who: String,
    /// The version of the tool holding the lock.
    #[serde(rename = "Version", default)]
    pub version: String,
    /// When the lock was taken (RFC 3339, UTC).
    #[serde(rename = "Created", default)]
    pub created: String,
    /// The path of the locked state (file path or `bucket/key`).
    #[serde(rename = "Path", default)]
    pub path: String,
    /// girder's extension: when the lock's lease expires (RFC 3339); after that the lock is
    /// reported as stale. `None` = no lease (Terraform's locks).
    #[serde(rename = "Expires", default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// girder's extension: the CI job that holds the lock, when known.
    #[serde(rename = "CIJobURL", default, skip_serializing_if = "Option::is_none")]
    pub ci_job_url: Option<String>,
}

impl LockInfo {
    /// A new lock info for `operation` with a fresh ID, `who` from the environment, the
    /// current time, and girder's version. `path` is filled in by the backend.
    pub fn new(operation: impl Into<String>) -> LockInfo {
        LockInfo {
            id: uuid::Uuid::new_v4().to_string(),
            operation: operation.into(),
            info: String::new(),
            who: who(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            created: now_rfc3339(),
            path: String::new(),
            expires: None,
            ci_job_url: std::env::var("CI_JOB_URL")
                .ok()
                .filter(|s| !s.is_empty())
                .or_else(github_job_url),
        }
    }

    /// Sets a lease of `ttl` from now.
    pub fn with_lease(mut self, ttl: Duration) -> LockInfo {
        let at = OffsetDateTime::now_utc() + ttl;
        self.expires = at.format(&Rfc3339).ok();
        self
    }

    /// The lease expiry, if set and parseable.
    pub fn expires_at(&self) -> Option<OffsetDateTime> {
        self.expires
            .as_deref()
            .and_then(|s| OffsetDateTime::parse(s, &Rfc3339).ok())
    }

    /// Whether the lease expired (false without a lease).
    pub fn lease_expired(&self) -> bool {
        self.expires_at()
            .is_some_and(|t| t < OffsetDateTime::now_utc())
    }

    /// The JSON form (compact, as Terraform writes it).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Parses lock info JSON.
    pub fn from_json(s: &[u8]) -> Result<LockInfo, String> {
        serde_json::from_slice(s).map_err(|e| e.to_string())
    }
}

/// The current time in RFC 3339 with nanoseconds, UTC (as Go's `time.Time` marshals).
pub fn now_rfc3339() -> String {
    OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .unwrap_or_default()
}

/// `user@host` from the environment.
fn who() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "unknown".to_string());
    let host = hostname();
    format!("{user}@{host}")
}

fn hostname() -> String {
    #[cfg(unix)]
    {
        let u = rustix::system::uname();
        let n = u.nodename().to_string_lossy().into_owned();
        if !n.is_empty() {
            return n;
        }
    }
    std::env::var("HOSTNAME").unwrap_or_else(|_| "localhost".to_string())
}

fn github_job_url() -> Option<String> {
    let server = std::env::var("GITHUB_SERVER_URL").ok()?;
    let repo = std::env::var("GITHUB_REPOSITORY").ok()?;
    let run = std::env::var("GITHUB_RUN_ID").ok()?;
    Some(format!("{server}/{repo}/actions/runs/{run}"))
}

/// A held lock, returned by [`crate::Backend::lock`]. Pass `id` to `unlock`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LockHandle {
    /// The lock ID (same as `info.id`).
    pub id: String,
    /// The lock info as stored.
    pub info: LockInfo,
}
