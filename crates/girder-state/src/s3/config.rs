//! The s3 backend's settings, as Terraform's `backend "s3"` block and `-backend-config` pairs
//! give them (Terraform 1.0's names and the newer ones).

use crate::error::{Result, StateError};
use serde_json::Value;
use std::fmt;

/// A secret setting (access key, token, SSE-C key): never shown by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(sensitive)")
    }
}

/// `assume_role { ... }` (or Terraform 1.0's top-level `role_arn`, `session_name`, ...).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AssumeRole {
    /// The role to assume.
    pub role_arn: String,
    /// The session name (default: chosen by the SDK).
    pub session_name: Option<String>,
    /// The external ID.
    pub external_id: Option<String>,
    /// Session duration in seconds.
    pub duration_seconds: Option<u64>,
    /// An inline session policy (JSON).
    pub policy: Option<String>,
    /// Managed session policy ARNs.
    pub policy_arns: Vec<String>,
    /// Session tags.
    pub tags: Vec<(String, String)>,
}

/// Custom endpoints (`endpoints { s3, dynamodb, sts }`, or Terraform 1.0's `endpoint`,
/// `dynamodb_endpoint`, `sts_endpoint`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Endpoints {
    /// S3 endpoint URL.
    pub s3: Option<String>,
    /// DynamoDB endpoint URL.
    pub dynamodb: Option<String>,
    /// STS endpoint URL (for `assume_role`).
    pub sts: Option<String>,
    /// IAM endpoint URL (accepted for compatibility; girder does not call IAM).
    pub iam: Option<String>,
}

/// The settings of the s3 backend. Build it with [`S3Config::from_attrs`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct S3Config {
    /// The bucket.
    pub bucket: String,
    /// The state object's key for the default workspace.
    pub key: String,
    /// The region (from the settings, else `AWS_REGION` / `AWS_DEFAULT_REGION`, else the
    /// profile).
    pub region: Option<String>,
    /// Server-side encryption of the state object.
    pub encrypt: bool,
    /// KMS key for server-side encryption (implies `aws:kms`).
    pub kms_key_id: Option<String>,
    /// Customer-provided SSE key (base64 of 32 bytes).
    pub sse_customer_key: Option<Secret>,
    /// Canned ACL for the state object.
    pub acl: Option<String>,
    /// Prefix of non-default workspaces' keys (default `env:`).
    pub workspace_key_prefix: String,
    /// The DynamoDB lock table (hash key `LockID`, type S).
    pub dynamodb_table: Option<String>,
    /// Whether to lock with the `<key>.tflock` object. `None` = not set: girder then uses the
    /// lock file when no `dynamodb_table` is set (Terraform 1.0 would not lock at all).
    pub use_lockfile: Option<bool>,
    /// The shared config/credentials profile.
    pub profile: Option<String>,
    /// Shared credentials files (instead of `~/.aws/credentials`).
    pub shared_credentials_files: Vec<String>,
    /// Shared config files (instead of `~/.aws/config`).
    pub shared_config_files: Vec<String>,
    /// Static credentials.
    pub access_key: Option<Secret>,
    /// Static credentials.
    pub secret_key: Option<Secret>,
    /// Static session token.
    pub token: Option<Secret>,
    /// The role to assume.
    pub assume_role: Option<AssumeRole>,
    /// Custom endpoints.
    pub endpoints: Endpoints,
    /// Path-style addressing (`force_path_style` / `use_path_style`).
    pub use_path_style: bool,
    /// Accepted for compatibility: girder never calls STS to validate credentials up front;
    /// bad credentials fail the first request with the service's message.
    pub skip_credentials_validation: bool,
    /// Do not use the EC2 instance metadata service for credentials.
    pub skip_metadata_api_check: bool,
    /// Do not check the region name's form.
    pub skip_region_validation: bool,
    /// Do not compute or validate S3 payload checksums beyond what S3 requires (for
    /// S3-compatible stores that do not support them).
    pub skip_s3_checksum: bool,
    /// Maximum attempts per request (Terraform's `max_retries`, default 5).
    pub max_retries: u32,
}

impl S3Config {
    /// A config with the given bucket and key and every other setting at its default.
    pub fn new(bucket: impl Into<String>, key: impl Into<String>) -> S3Config {
        S3Config {
            bucket: bucket.into(),
            key: key.into(),
            region: None,
            encrypt: false,
            kms_key_id: None,
            sse_customer_key: None,
            acl: None,
            workspace_key_prefix: DEFAULT_WORKSPACE_KEY_PREFIX.to_string(),
            dynamodb_table: None,
            use_lockfile: None,
            profile: None,
            shared_credentials_files: Vec::new(),
            shared_config_files: Vec::new(),
            access_key: None,
            secret_key: None,
            token: None,
            assume_role: None,
            endpoints: Endpoints::default(),
            use_path_style: false,
            skip_credentials_validation: false,
            skip_metadata_api_check: false,
            skip_region_validation: false,
            skip_s3_checksum: false,
            max_retries: 5,
        }
    }

    /// Builds the config from a backend block's attributes and `-backend-config=KEY=VALUE`
    /// pairs alike: values may be JSON values (`true`, `3`, `["a"]`, `{"s3": "..."}`) or
    /// strings (`"true"`, `"3"`), as `-backend-config` gives them. `null` means unset. Later
    /// pairs override earlier ones. Unknown keys and values of the wrong type are errors that
    /// name the key.
    pub fn from_attrs<I, K, V>(attrs: I) -> Result<S3Config>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: Into<Value>,
    {
        let mut c = S3Config::new("", "");
        let mut top_role = AssumeRole::default();
        let mut top_role_set = false;
        let mut region_set = false;
        for (k, v) in attrs {
            let key = k.as_ref();
            let v: Value = v.into();
            if v.is_null() {
                continue;
            }
            match key {
                "bucket" => c.bucket = string(key, &v)?,
                "key" => c.key = string(key, &v)?,
                "region" => {
                    c.region = Some(string(key, &v)?);
                    region_set = true;
                }
                "encrypt" => c.encrypt = boolean(key, &v)?,
                "kms_key_id" => c.kms_key_id = Some(string(key, &v)?),
                "sse_customer_key" => c.sse_customer_key = Some(Secret(string(key, &v)?)),
                "acl" => c.acl = Some(string(key, &v)?),
                "workspace_key_prefix" => c.workspace_key_prefix = string(key, &v)?,
                "dynamodb_table" | "lock_table" => c.dynamodb_table = Some(string(key, &v)?),
                "use_lockfile" => c.use_lockfile = Some(boolean(key, &v)?),
                "profile" => c.profile = Some(string(key, &v)?),
                "shared_credentials_file" => c.shared_credentials_files = vec![string(key, &v)?],
                "shared_credentials_files" => c.shared_credentials_files = list(key, &v)?,
                "shared_config_files" => c.shared_config_files = list(key, &v)?,
                "access_key" => c.access_key = Some(Secret(string(key, &v)?)),
                "secret_key" => c.secret_key = Some(Secret(string(key, &v)?)),
                "token" => c.token = Some(Secret(string(key, &v)?)),
                "role_arn" => {
                    top_role.role_arn = string(key, &v)?;
                    top_role_set = true;
                }
                "session_name" => top_role.session_name = Some(string(key, &v)?),
                "external_id" => top_role.external_id = Some(string(key, &v)?),
                "assume_role_duration_seconds" => {
                    top_role.duration_seconds = Some(number(key, &v)?)
                }
                "assume_role_policy" => top_role.policy = Some(string(key, &v)?),
                "assume_role_policy_arns" => top_role.policy_arns = list(key, &v)?,
                "assume_role_tags" => top_role.tags = string_map(key, &v)?,
                "assume_role_transitive_tag_keys" => {
                    list(key, &v)?;
                }
                "assume_role" => c.assume_role = Some(assume_role(&v)?),
                "endpoint" => c.endpoints.s3 = Some(string(key, &v)?),
                "dynamodb_endpoint" => c.endpoints.dynamodb = Some(string(key, &v)?),
                "sts_endpoint" => c.endpoints.sts = Some(string(key, &v)?),
                "iam_endpoint" => c.endpoints.iam = Some(string(key, &v)?),
                "endpoints" => endpoints(&v, &mut c.endpoints)?,
                "force_path_style" | "use_path_style" => c.use_path_style = boolean(key, &v)?,
                "skip_credentials_validation" => c.skip_credentials_validation = boolean(key, &v)?,
                "skip_metadata_api_check" => c.skip_metadata_api_check = boolean(key, &v)?,
                "skip_region_validation" => c.skip_region_validation = boolean(key, &v)?,
                "skip_s3_checksum" => c.skip_s3_checksum = boolean(key, &v)?,
                "skip_requesting_account_id" => {
                    boolean(key, &v)?;
                }
                "max_retries" => {
                    c.max_retries = u32::try_from(number(key, &v)?).map_err(|_| {
                        StateError::Config(
                            "invalid value for the s3 backend setting \"max_retries\": it is \
                             too large"
                                .into(),
                        )
                    })?
                }
                other => return Err(unknown_key(other)),
            }
        }
        if top_role_set {
            if c.assume_role.is_some() {
                return Err(StateError::Config(
                    "the s3 backend settings \"role_arn\" and \"assume_role\" conflict; use only \
                     the assume_role block"
                        .into(),
                ));
            }
            c.assume_role = Some(top_role);
        } else if top_role != AssumeRole::default() {
            return Err(StateError::Config(
                "the s3 backend settings session_name, external_id and assume_role_* need \
                 \"role_arn\"; set role_arn (or use an assume_role block)"
                    .into(),
            ));
        }
        if !region_set {
            c.region = std::env::var("AWS_REGION")
                .or_else(|_| std::env::var("AWS_DEFAULT_REGION"))
                .ok()
                .filter(|r| !r.is_empty());
        }
        c.validate()?;
        Ok(c)
    }

    /// Checks the settings' values (also called by [`S3Config::from_attrs`]).
    pub fn validate(&self) -> Result<()> {
        let bad = |msg: String| Err(StateError::Config(msg));
        if self.bucket.is_empty() {
            return bad(
                "the s3 backend needs \"bucket\": set it in the backend block or with \
                 -backend-config=bucket=NAME"
                    .into(),
            );
        }
        if self.key.is_empty() {
            return bad(
                "the s3 backend needs \"key\" (the state object's key, e.g. \
                 \"path/terraform.tfstate\"): set it in the backend block or with \
                 -backend-config=key=PATH"
                    .into(),
            );
        }
        if self.key.starts_with('/') || self.key.ends_with('/') {
            return bad(format!(
                "invalid s3 backend \"key\" {:?}: it must not start or end with '/'",
                self.key
            ));
        }
        if self.workspace_key_prefix.starts_with('/') || self.workspace_key_prefix.ends_with('/') {
            return bad(format!(
                "invalid s3 backend \"workspace_key_prefix\" {:?}: it must not start or end \
                 with '/'",
                self.workspace_key_prefix
            ));
        }
        if let Some(r) = &self.region {
            if !self.skip_region_validation && !plausible_region(r) {
                return bad(format!(
                    "invalid s3 backend \"region\" {r:?}: it does not look like an AWS region \
                     (e.g. \"eu-west-1\"); for S3-compatible services with other region names \
                     set skip_region_validation = true"
                ));
            }
        }
        if self.access_key.is_some() != self.secret_key.is_some() {
            return bad(
                "the s3 backend settings \"access_key\" and \"secret_key\" must be set together"
                    .into(),
            );
        }
        if let Some(k) = &self.sse_customer_key {
            use base64::Engine;
            let ok = base64::engine::general_purpose::STANDARD
                .decode(k.0.as_bytes())
                .map(|b| b.len() == 32)
                .unwrap_or(false);
            if !ok {
                return bad(
                    "invalid s3 backend \"sse_customer_key\": it must be the base64 encoding \
                     of 32 bytes"
                        .into(),
                );
            }
            if self.kms_key_id.is_some() {
                return bad(
                    "the s3 backend settings \"sse_customer_key\" and \"kms_key_id\" conflict"
                        .into(),
                );
            }
        }
        if let Some(a) = &self.assume_role {
            if a.role_arn.is_empty() {
                return bad("the s3 backend's assume_role needs \"role_arn\"".into());
            }
        }
        for (name, url) in [
            ("endpoints.s3", &self.endpoints.s3),
            ("endpoints.dynamodb", &self.endpoints.dynamodb),
            ("endpoints.sts", &self.endpoints.sts),
        ] {
            if let Some(u) = url {
                if !(u.starts_with("http://") || u.starts_with("https://")) {
                    return bad(format!(
                        "invalid s3 backend endpoint {name} = {u:?}: it must be a URL starting \
                         with http:// or https://"
                    ));
                }
            }
        }
        Ok(())
    }

    /// Whether the `<key>.tflock` object is used for locking.
    pub fn lockfile_enabled(&self) -> bool {
        self.use_lockfile.unwrap_or(self.dynamodb_table.is_none())
    }
}

/// Terraform's default `workspace_key_prefix`.
pub const DEFAULT_WORKSPACE_KEY_PREFIX: &str = "env:";

/// Every setting name the s3 backend accepts.
pub const KNOWN_KEYS: &[&str] = &[
    "bucket",
    "key",
    "region",
    "encrypt",
    "kms_key_id",
    "sse_customer_key",
    "acl",
    "workspace_key_prefix",
    "dynamodb_table",
    "lock_table",
    "use_lockfile",
    "profile",
    "shared_credentials_file",
    "shared_credentials_files",
    "shared_config_files",
    "access_key",
    "secret_key",
    "token",
    "role_arn",
    "session_name",
    "external_id",
    "assume_role_duration_seconds",
    "assume_role_policy",
    "assume_role_policy_arns",
    "assume_role_tags",
    "assume_role_transitive_tag_keys",
    "assume_role",
    "endpoint",
    "dynamodb_endpoint",
    "sts_endpoint",
    "iam_endpoint",
    "endpoints",
    "force_path_style",
    "use_path_style",
    "skip_credentials_validation",
    "skip_metadata_api_check",
    "skip_region_validation",
    "skip_requesting_account_id",
    "skip_s3_checksum",
    "max_retries",
];

fn plausible_region(r: &str) -> bool {
    // e.g. us-east-1, eu-central-2, us-gov-west-1, cn-north-1, ap-southeast-4
    let parts: Vec<&str> = r.split('-').collect();
    parts.len() >= 3
        && parts
            .first()
            .is_some_and(|p| p.len() == 2 && p.chars().all(|c| c.is_ascii_lowercase()))
        && parts
            .last()
            .is_some_and(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
        && parts[1..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a bool",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn type_error(key: &str, want: &str, v: &Value) -> StateError {
    StateError::Config(format!(
        "invalid value for the s3 backend setting {key:?}: expected {want}, got {}",
        kind(v)
    ))
}

fn string(key: &str, v: &Value) -> Result<String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        _ => Err(type_error(key, "a string", v)),
    }
}

fn boolean(key: &str, v: &Value) -> Result<bool> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::String(s) => match s.trim() {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(StateError::Config(format!(
                "invalid value for the s3 backend setting {key:?}: expected true or false, \
                 got {s:?}"
            ))),
        },
        _ => Err(type_error(key, "a bool", v)),
    }
}

fn number(key: &str, v: &Value) -> Result<u64> {
    let parsed = match v {
        Value::Number(n) => n.to_string().parse::<u64>().ok(),
        Value::String(s) => s.trim().parse::<u64>().ok(),
        _ => return Err(type_error(key, "a whole number", v)),
    };
    parsed.ok_or_else(|| {
        StateError::Config(format!(
            "invalid value for the s3 backend setting {key:?}: expected a whole number \
             (0 or more)"
        ))
    })
}

fn list(key: &str, v: &Value) -> Result<Vec<String>> {
    match v {
        Value::Array(items) => items
            .iter()
            .map(|i| match i {
                Value::String(s) => Ok(s.clone()),
                other => Err(type_error(key, "a list of strings", other)),
            })
            .collect(),
        // A single string from -backend-config=KEY=VALUE, or a JSON list in a string.
        Value::String(s) => {
            let t = s.trim();
            if t.starts_with('[') {
                let parsed: Value = serde_json::from_str(t).map_err(|e| {
                    StateError::Config(format!(
                        "invalid value for the s3 backend setting {key:?}: not a list of \
                         strings ({e})"
                    ))
                })?;
                list(key, &parsed)
            } else {
                Ok(vec![s.clone()])
            }
        }
        _ => Err(type_error(key, "a list of strings", v)),
    }
}

fn string_map(key: &str, v: &Value) -> Result<Vec<(String, String)>> {
    let v = object_or_json(key, v)?;
    let Value::Object(m) = &v else {
        return Err(type_error(key, "a map of strings", &v));
    };
    m.iter()
        .map(|(k, x)| Ok((k.clone(), string(&format!("{key}.{k}"), x)?)))
        .collect()
}

/// An object, or a string holding a JSON object (from `-backend-config`).
fn object_or_json(key: &str, v: &Value) -> Result<Value> {
    match v {
        Value::Object(_) => Ok(v.clone()),
        Value::String(s) if s.trim_start().starts_with('{') => serde_json::from_str(s.trim())
            .map_err(|e| {
                StateError::Config(format!(
                    "invalid value for the s3 backend setting {key:?}: not an object ({e}); \
                     write it as JSON, e.g. {key}='{{\"name\":\"value\"}}'"
                ))
            }),
        _ => Err(type_error(key, "an object", v)),
    }
}

fn assume_role(v: &Value) -> Result<AssumeRole> {
    let v = object_or_json("assume_role", v)?;
    let Value::Object(m) = &v else {
        return Err(type_error("assume_role", "an object", &v));
    };
    let mut a = AssumeRole::default();
    for (k, x) in m {
        if x.is_null() {
            continue;
        }
        let key = format!("assume_role.{k}");
        match k.as_str() {
            "role_arn" => a.role_arn = string(&key, x)?,
            "session_name" => a.session_name = Some(string(&key, x)?),
            "external_id" => a.external_id = Some(string(&key, x)?),
            "duration" => a.duration_seconds = Some(duration_secs(&key, x)?),
            "policy" => a.policy = Some(string(&key, x)?),
            "policy_arns" => a.policy_arns = list(&key, x)?,
            "tags" => a.tags = string_map(&key, x)?,
            "transitive_tag_keys" | "source_identity" => {
                string_or_list(&key, x)?;
            }
            other => {
                return Err(StateError::Config(format!(
                    "unknown setting {other:?} in the s3 backend's assume_role; known: \
                     role_arn, session_name, external_id, duration, policy, policy_arns, tags, \
                     transitive_tag_keys, source_identity"
                )))
            }
        }
    }
    Ok(a)
}

fn string_or_list(key: &str, v: &Value) -> Result<()> {
    match v {
        Value::Array(_) => list(key, v).map(|_| ()),
        _ => string(key, v).map(|_| ()),
    }
}

/// `"1h"`, `"15m"`, `"900s"` or a number of seconds.
fn duration_secs(key: &str, v: &Value) -> Result<u64> {
    if let Value::String(s) = v {
        let s = s.trim();
        let (num, mult) = if let Some(n) = s.strip_suffix('h') {
            (n, 3600)
        } else if let Some(n) = s.strip_suffix('m') {
            (n, 60)
        } else if let Some(n) = s.strip_suffix('s') {
            (n, 1)
        } else {
            (s, 1)
        };
        return num
            .parse::<u64>()
            .ok()
            .and_then(|n| n.checked_mul(mult))
            .ok_or_else(|| {
                StateError::Config(format!(
                    "invalid value for the s3 backend setting {key:?}: expected a duration \
                     such as \"1h\" or \"900s\", got {s:?}"
                ))
            });
    }
    number(key, v)
}

fn endpoints(v: &Value, e: &mut Endpoints) -> Result<()> {
    let v = object_or_json("endpoints", v)?;
    let Value::Object(m) = &v else {
        return Err(type_error("endpoints", "an object", &v));
    };
    for (k, x) in m {
        if x.is_null() {
            continue;
        }
        let key = format!("endpoints.{k}");
        let s = Some(string(&key, x)?);
        match k.as_str() {
            "s3" => e.s3 = s,
            "dynamodb" => e.dynamodb = s,
            "sts" => e.sts = s,
            "iam" => e.iam = s,
            "sso" => {}
            other => {
                return Err(StateError::Config(format!(
                    "unknown endpoint {other:?} in the s3 backend's endpoints; known: s3, \
                     dynamodb, sts, iam, sso"
                )))
            }
        }
    }
    Ok(())
}

fn unknown_key(key: &str) -> StateError {
    let best = KNOWN_KEYS
        .iter()
        .map(|k| (edit_distance(key, k), *k))
        .min()
        .filter(|(d, _)| *d <= 3);
    let hint = match best {
        Some((_, k)) => format!("; did you mean {k:?}?"),
        None => String::new(),
    };
    StateError::Config(format!(
        "unknown setting {key:?} for the s3 backend{hint} (see the s3 backend documentation \
         for the settings it accepts)"
    ))
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().take(64).collect();
    let b: Vec<char> = b.chars().take(64).collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn backend_block_and_backend_config_pairs_agree() {
        let block = S3Config::from_attrs([
            ("bucket", json!("b")),
            ("key", json!("a/terraform.tfstate")),
            ("region", json!("eu-west-1")),
            ("encrypt", json!(true)),
            ("dynamodb_table", json!("locks")),
            ("force_path_style", json!(true)),
            ("max_retries", json!(3)),
            ("shared_credentials_files", json!(["/x/creds"])),
        ])
        .unwrap();
        let pairs = S3Config::from_attrs([
            ("bucket", "b"),
            ("key", "a/terraform.tfstate"),
            ("region", "eu-west-1"),
            ("encrypt", "true"),
            ("dynamodb_table", "locks"),
            ("use_path_style", "true"),
            ("max_retries", "3"),
            ("shared_credentials_file", "/x/creds"),
        ])
        .unwrap();
        assert_eq!(block, pairs);
        assert!(block.encrypt && block.use_path_style);
        assert_eq!(block.workspace_key_prefix, "env:");
        assert!(
            !block.lockfile_enabled(),
            "DynamoDB only when a table is set"
        );
    }

    #[test]
    fn old_and_new_endpoint_and_role_names() {
        let old = S3Config::from_attrs([
            ("bucket", json!("b")),
            ("key", json!("k")),
            ("region", json!("us-east-1")),
            ("endpoint", json!("http://127.0.0.1:1")),
            ("dynamodb_endpoint", json!("http://127.0.0.1:2")),
            ("sts_endpoint", json!("http://127.0.0.1:3")),
            ("role_arn", json!("arn:aws:iam::1:role/r")),
            ("external_id", json!("x")),
        ])
        .unwrap();
        let new = S3Config::from_attrs([
            ("bucket", json!("b")),
            ("key", json!("k")),
            ("region", json!("us-east-1")),
            (
                "endpoints",
                json!({"s3": "http://127.0.0.1:1", "dynamodb": "http://127.0.0.1:2", "sts": "http://127.0.0.1:3"}),
            ),
            (
                "assume_role",
                json!({"role_arn": "arn:aws:iam::1:role/r", "external_id": "x"}),
            ),
        ])
        .unwrap();
        assert_eq!(old, new);
        assert_eq!(
            old.endpoints.dynamodb.as_deref(),
            Some("http://127.0.0.1:2")
        );
        // -backend-config=endpoints={...} as JSON text
        let pairs = S3Config::from_attrs([
            ("bucket", "b"),
            ("key", "k"),
            ("region", "us-east-1"),
            ("endpoints", r#"{"s3":"http://127.0.0.1:1"}"#),
        ])
        .unwrap();
        assert_eq!(pairs.endpoints.s3.as_deref(), Some("http://127.0.0.1:1"));
    }

    #[test]
    fn errors_name_the_key() {
        let e = S3Config::from_attrs([("bucket", "b"), ("key", "k"), ("dynamodb_tabel", "t")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("\"dynamodb_tabel\""), "{e}");
        assert!(e.contains("did you mean \"dynamodb_table\""), "{e}");
        let e = S3Config::from_attrs([("bucket", json!("b")), ("encrypt", json!("yes"))])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("\"encrypt\"") && e.contains("true or false"),
            "{e}"
        );
        let e = S3Config::from_attrs([("bucket", json!(["b"]))])
            .unwrap_err()
            .to_string();
        assert!(e.contains("expected a string, got a list"), "{e}");
        let e = S3Config::from_attrs([("bucket", "b")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("needs \"key\""), "{e}");
        let e = S3Config::from_attrs([("bucket", "b"), ("key", "/k"), ("region", "us-east-1")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("must not start or end with '/'"), "{e}");
        let e = S3Config::from_attrs([("bucket", "b"), ("key", "k"), ("region", "mars")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("skip_region_validation"), "{e}");
        assert!(S3Config::from_attrs([
            ("bucket", "b"),
            ("key", "k"),
            ("region", "mars"),
            ("skip_region_validation", "true")
        ])
        .is_ok());
        let e = S3Config::from_attrs([
            ("bucket", json!("b")),
            ("key", json!("k")),
            ("region", json!("us-east-1")),
            ("assume_role", json!({"role": "x"})),
        ])
        .unwrap_err()
        .to_string();
        assert!(e.contains("\"role\"") && e.contains("assume_role"), "{e}");
    }

    #[test]
    fn secrets_are_not_shown() {
        let c = S3Config::from_attrs([
            ("bucket", "b"),
            ("key", "k"),
            ("region", "us-east-1"),
            ("access_key", "AKIASECRETVALUE"),
            ("secret_key", "verysecretvalue"),
        ])
        .unwrap();
        let d = format!("{c:?}");
        assert!(
            !d.contains("AKIASECRETVALUE") && !d.contains("verysecretvalue"),
            "{d}"
        );
    }

    #[test]
    fn lockfile_default() {
        let c =
            S3Config::from_attrs([("bucket", "b"), ("key", "k"), ("region", "us-east-1")]).unwrap();
        assert!(
            c.lockfile_enabled(),
            "no table: girder locks with the lock file"
        );
        let c = S3Config::from_attrs([
            ("bucket", "b"),
            ("key", "k"),
            ("region", "us-east-1"),
            ("use_lockfile", "false"),
        ])
        .unwrap();
        assert!(!c.lockfile_enabled());
    }
}
