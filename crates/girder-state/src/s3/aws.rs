//! The AWS calls the s3 backend makes (async), and building the SDK clients from an
//! [`S3Config`].

use super::config::S3Config;
use crate::error::{Result, StateError};
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream;
use std::collections::HashMap;

/// The metadata key (`x-amz-meta-girder-prev-md5`) on girder-written state objects: the hex
/// MD5 of the state object this one replaced. It lets a reader prove that a digest mismatch
/// is a digest write that never happened after this object's write (see `verify_digest`).
pub const PREV_MD5_META: &str = "girder-prev-md5";

/// The SDK clients plus the settings every call needs.
#[derive(Clone)]
pub struct Aws {
    pub s3: aws_sdk_s3::Client,
    pub ddb: Option<aws_sdk_dynamodb::Client>,
    pub bucket: String,
    pub table: Option<String>,
    pub encrypt: bool,
    pub kms_key_id: Option<String>,
    pub acl: Option<String>,
    /// (base64 key, base64 MD5 of the key)
    pub sse_c: Option<(String, String)>,
}

/// A fetched object.
pub struct Object {
    pub bytes: Vec<u8>,
    pub etag: Option<String>,
    pub metadata: HashMap<String, String>,
}

/// The precondition of a conditional PutObject.
#[derive(Clone, Debug)]
pub enum Cond {
    /// No precondition.
    None,
    /// Only if the object does not exist (`If-None-Match: *`).
    Absent,
    /// Only if the object's ETag is this (`If-Match`).
    Match(String),
}

/// The outcome of a conditional write.
pub enum Put {
    /// Written; the new ETag.
    Done(Option<String>),
    /// The precondition failed (412, or 409 for a concurrent conditional write).
    PreconditionFailed,
}

fn err<E, R>(service: &str, op: &str, target: &str, e: SdkError<E, R>) -> StateError
where
    E: std::error::Error + 'static,
    R: std::fmt::Debug,
{
    StateError::Backend(format!(
        "{service} {op} on {target} failed: {}; check the backend's bucket, region, endpoint \
         and credentials",
        DisplayErrorContext(&e)
    ))
}

fn status<E>(e: &SdkError<E, aws_sdk_s3::config::http::HttpResponse>) -> Option<u16> {
    e.raw_response().map(|r| r.status().as_u16())
}

impl Aws {
    fn s3_target(&self, key: &str) -> String {
        format!("s3://{}/{key}", self.bucket)
    }

    fn table_name(&self) -> Result<(&aws_sdk_dynamodb::Client, &str)> {
        match (&self.ddb, &self.table) {
            (Some(c), Some(t)) => Ok((c, t.as_str())),
            _ => Err(StateError::Config(
                "this operation needs the s3 backend's dynamodb_table".into(),
            )),
        }
    }

    /// GetObject; `None` when the key does not exist.
    pub async fn get(&self, key: &str) -> Result<Option<Object>> {
        let mut req = self.s3.get_object().bucket(&self.bucket).key(key);
        if let Some((k, md5)) = &self.sse_c {
            req = req
                .sse_customer_algorithm("AES256")
                .sse_customer_key(k)
                .sse_customer_key_md5(md5);
        }
        let out = match req.send().await {
            Ok(o) => o,
            Err(e) => {
                let missing = e.as_service_error().is_some_and(|s| s.is_no_such_key())
                    || status(&e) == Some(404) && e.code() != Some("NoSuchBucket");
                if missing {
                    return Ok(None);
                }
                return Err(err("S3", "GetObject", &self.s3_target(key), e));
            }
        };
        let etag = out.e_tag().map(str::to_string);
        let metadata = out.metadata().cloned().unwrap_or_default();
        let bytes = out
            .body
            .collect()
            .await
            .map_err(|e| {
                StateError::Backend(format!(
                    "S3 GetObject on {} failed while reading the body: {e}",
                    self.s3_target(key)
                ))
            })?
            .into_bytes()
            .to_vec();
        Ok(Some(Object {
            bytes,
            etag,
            metadata,
        }))
    }

    /// PutObject with a precondition. `state` applies the state settings (SSE, ACL, content
    /// type); other objects (journal, lock file) get SSE too but no ACL.
    pub async fn put(
        &self,
        key: &str,
        body: Vec<u8>,
        cond: Cond,
        meta: Option<(&str, String)>,
        state: bool,
    ) -> Result<Put> {
        let mut req = self
            .s3
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .body(ByteStream::from(body))
            .content_type(if state {
                "application/json"
            } else {
                "application/octet-stream"
            });
        match cond {
            Cond::None => {}
            Cond::Absent => req = req.if_none_match("*"),
            Cond::Match(etag) => req = req.if_match(etag),
        }
        if let Some((k, v)) = meta {
            req = req.metadata(k, v);
        }
        if let Some((k, md5)) = &self.sse_c {
            req = req
                .sse_customer_algorithm("AES256")
                .sse_customer_key(k)
                .sse_customer_key_md5(md5);
        } else if let Some(kms) = &self.kms_key_id {
            req = req
                .server_side_encryption(aws_sdk_s3::types::ServerSideEncryption::AwsKms)
                .ssekms_key_id(kms);
        } else if self.encrypt {
            req = req.server_side_encryption(aws_sdk_s3::types::ServerSideEncryption::Aes256);
        }
        if state {
            if let Some(acl) = &self.acl {
                req = req.acl(aws_sdk_s3::types::ObjectCannedAcl::from(acl.as_str()));
            }
        }
        match req.send().await {
            Ok(o) => Ok(Put::Done(o.e_tag().map(str::to_string))),
            Err(e) => {
                let code = e.code().unwrap_or_default().to_string();
                let st = status(&e);
                if st == Some(412)
                    || code == "PreconditionFailed"
                    || code == "ConditionalRequestConflict"
                {
                    return Ok(Put::PreconditionFailed);
                }
                Err(err("S3", "PutObject", &self.s3_target(key), e))
            }
        }
    }

    /// DeleteObject (absent keys are fine).
    pub async fn delete(&self, key: &str) -> Result<()> {
        self.s3
            .delete_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| err("S3", "DeleteObject", &self.s3_target(key), e))
    }

    /// Deletes many keys, a few requests at a time (journals are compacted at every run's
    /// end, so there are few).
    pub async fn delete_all(&self, keys: Vec<String>) -> Result<()> {
        let mut set = tokio::task::JoinSet::new();
        for k in keys {
            while set.len() >= PARALLEL {
                join_one(&mut set).await?;
            }
            let me = self.clone();
            set.spawn(async move { me.delete(&k).await });
        }
        while !set.is_empty() {
            join_one(&mut set).await?;
        }
        Ok(())
    }

    /// Gets many objects, a few requests at a time; results in the order of `keys`.
    pub async fn get_all(&self, keys: Vec<String>) -> Result<Vec<Option<Object>>> {
        let mut out: Vec<Option<Object>> = Vec::new();
        out.resize_with(keys.len(), || None);
        let mut set = tokio::task::JoinSet::new();
        for (i, k) in keys.into_iter().enumerate() {
            while set.len() >= PARALLEL {
                let (j, o) = join_one(&mut set).await?;
                out[j] = o;
            }
            let me = self.clone();
            set.spawn(async move { me.get(&k).await.map(|o| (i, o)) });
        }
        while !set.is_empty() {
            let (j, o) = join_one(&mut set).await?;
            out[j] = o;
        }
        Ok(out)
    }

    /// ListObjectsV2 of every key under `prefix`, in key order.
    pub async fn list(&self, prefix: &str) -> Result<Vec<String>> {
        let mut keys = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let out = self
                .s3
                .list_objects_v2()
                .bucket(&self.bucket)
                .prefix(prefix)
                .set_continuation_token(token.take())
                .send()
                .await
                .map_err(|e| err("S3", "ListObjectsV2", &self.s3_target(prefix), e))?;
            keys.extend(
                out.contents()
                    .iter()
                    .filter_map(|o| o.key().map(str::to_string)),
            );
            match out.next_continuation_token() {
                Some(t) if out.is_truncated() == Some(true) => token = Some(t.to_string()),
                _ => break,
            }
        }
        keys.sort();
        Ok(keys)
    }

    /// DynamoDB PutItem `{LockID, Info}` if no item with that LockID exists. `Ok(false)` when
    /// one does.
    pub async fn ddb_lock(&self, lock_id: &str, info: &str) -> Result<bool> {
        let (c, t) = self.table_name()?;
        let r = c
            .put_item()
            .table_name(t)
            .item("LockID", AttributeValue::S(lock_id.to_string()))
            .item("Info", AttributeValue::S(info.to_string()))
            .condition_expression("attribute_not_exists(LockID)")
            .send()
            .await;
        match r {
            Ok(_) => Ok(true),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
            {
                Ok(false)
            }
            Err(e) => Err(err("DynamoDB", "PutItem", &self.item(t, lock_id), e)),
        }
    }

    /// DynamoDB PutItem `{LockID, Info = new}` only if its Info is still `old` (lease
    /// renewal). `Ok(false)` when it is not.
    pub async fn ddb_replace_info(&self, lock_id: &str, old: &str, new: &str) -> Result<bool> {
        let (c, t) = self.table_name()?;
        let r = c
            .put_item()
            .table_name(t)
            .item("LockID", AttributeValue::S(lock_id.to_string()))
            .item("Info", AttributeValue::S(new.to_string()))
            .condition_expression("Info = :old")
            .expression_attribute_values(":old", AttributeValue::S(old.to_string()))
            .send()
            .await;
        match r {
            Ok(_) => Ok(true),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
            {
                Ok(false)
            }
            Err(e) => Err(err("DynamoDB", "PutItem", &self.item(t, lock_id), e)),
        }
    }

    /// Consistent GetItem of one string attribute.
    pub async fn ddb_get(&self, lock_id: &str, attr: &str) -> Result<Option<String>> {
        let (c, t) = self.table_name()?;
        let out = c
            .get_item()
            .table_name(t)
            .key("LockID", AttributeValue::S(lock_id.to_string()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| err("DynamoDB", "GetItem", &self.item(t, lock_id), e))?;
        Ok(out
            .item()
            .and_then(|i| i.get(attr))
            .and_then(|v| v.as_s().ok())
            .cloned())
    }

    /// DeleteItem; with `info`, only if the item's Info is still that (`Ok(false)` if not).
    pub async fn ddb_delete(&self, lock_id: &str, info: Option<&str>) -> Result<bool> {
        let (c, t) = self.table_name()?;
        let mut req = c
            .delete_item()
            .table_name(t)
            .key("LockID", AttributeValue::S(lock_id.to_string()));
        if let Some(i) = info {
            req = req
                .condition_expression("Info = :info")
                .expression_attribute_values(":info", AttributeValue::S(i.to_string()));
        }
        match req.send().await {
            Ok(_) => Ok(true),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
            {
                Ok(false)
            }
            Err(e) => Err(err("DynamoDB", "DeleteItem", &self.item(t, lock_id), e)),
        }
    }

    /// Writes the digest item `{LockID = <bucket>/<key>-md5, Digest}`; with `only_if`, only
    /// when the stored Digest is still that value (`Ok(false)` if not).
    pub async fn ddb_put_digest(
        &self,
        lock_id: &str,
        digest: &str,
        only_if: Option<&str>,
    ) -> Result<bool> {
        let (c, t) = self.table_name()?;
        let mut req = c
            .put_item()
            .table_name(t)
            .item("LockID", AttributeValue::S(lock_id.to_string()))
            .item("Digest", AttributeValue::S(digest.to_string()));
        if let Some(old) = only_if {
            req = req
                .condition_expression("Digest = :old")
                .expression_attribute_values(":old", AttributeValue::S(old.to_string()));
        }
        match req.send().await {
            Ok(_) => Ok(true),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
            {
                Ok(false)
            }
            Err(e) => Err(err("DynamoDB", "PutItem", &self.item(t, lock_id), e)),
        }
    }

    fn item(&self, table: &str, lock_id: &str) -> String {
        format!("table {table} item LockID={lock_id:?}")
    }
}

/// Requests in flight for bulk operations.
const PARALLEL: usize = 16;

async fn join_one<T: 'static>(set: &mut tokio::task::JoinSet<Result<T>>) -> Result<T> {
    match set.join_next().await {
        Some(Ok(r)) => r,
        Some(Err(e)) => Err(StateError::Backend(format!(
            "an S3 request task failed: {e}"
        ))),
        None => Err(StateError::Backend("no S3 request in flight".into())),
    }
}

/// Builds the SDK clients for `config` (the standard credential chain, `AWS_ENDPOINT_URL`,
/// profiles, assume-role, custom endpoints).
pub async fn connect(config: &S3Config) -> Result<Aws> {
    use aws_config::BehaviorVersion;
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
            aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https();
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .http_client(http.clone())
        .retry_config(
            aws_config::retry::RetryConfig::standard().with_max_attempts(config.max_retries.max(1)),
        );
    loader = loader.timeout_config(
        aws_config::timeout::TimeoutConfig::builder()
            .connect_timeout(std::time::Duration::from_secs(10))
            .read_timeout(std::time::Duration::from_secs(120))
            .build(),
    );
    if config.skip_s3_checksum {
        loader = loader
            .request_checksum_calculation(
                aws_sdk_s3::config::RequestChecksumCalculation::WhenRequired,
            )
            .response_checksum_validation(
                aws_sdk_s3::config::ResponseChecksumValidation::WhenRequired,
            );
    }
    if let Some(r) = &config.region {
        loader = loader.region(aws_config::Region::new(r.clone()));
    }
    if let Some(p) = &config.profile {
        loader = loader.profile_name(p);
    }
    #[allow(deprecated)]
    let profile_files =
        if config.shared_credentials_files.is_empty() && config.shared_config_files.is_empty() {
            None
        } else {
            use aws_config::profile::profile_file::{ProfileFileKind, ProfileFiles};
            let mut b = ProfileFiles::builder();
            if config.shared_config_files.is_empty() {
                b = b.include_default_config_file(true);
            }
            if config.shared_credentials_files.is_empty() {
                b = b.include_default_credentials_file(true);
            }
            for f in &config.shared_credentials_files {
                b = b.with_file(ProfileFileKind::Credentials, expand_home(f));
            }
            for f in &config.shared_config_files {
                b = b.with_file(ProfileFileKind::Config, expand_home(f));
            }
            Some(b.build())
        };
    if let Some(pf) = &profile_files {
        loader = loader.profile_files(pf.clone());
    }
    if let (Some(ak), Some(sk)) = (&config.access_key, &config.secret_key) {
        loader = loader.credentials_provider(aws_sdk_s3::config::Credentials::new(
            ak.0.clone(),
            sk.0.clone(),
            config.token.as_ref().map(|t| t.0.clone()),
            None,
            "girder-s3-backend-settings",
        ));
    } else if config.skip_metadata_api_check {
        // The standard chain without the EC2 instance metadata service.
        let pc = aws_config::provider_config::ProviderConfig::default()
            .with_http_client(http.clone())
            .with_region(config.region.clone().map(aws_config::Region::new));
        let mut profile =
            aws_config::profile::ProfileFileCredentialsProvider::builder().configure(&pc);
        if let Some(p) = &config.profile {
            profile = profile.profile_name(p);
        }
        if let Some(pf) = &profile_files {
            profile = profile.profile_files(pf.clone());
        }
        let chain = aws_config::meta::credentials::CredentialsProviderChain::first_try(
            "Environment",
            aws_config::environment::EnvironmentVariableCredentialsProvider::new(),
        )
        .or_else("Profile", profile.build());
        loader = loader.credentials_provider(chain);
    }
    let mut sdk = loader.load().await;
    if sdk.region().is_none() {
        return Err(StateError::Config(
            "the s3 backend needs a region: set \"region\" in the backend block, \
             -backend-config=region=NAME, or the AWS_REGION environment variable"
                .into(),
        ));
    }
    if let Some(role) = &config.assume_role {
        let mut sts_conf = sdk.clone();
        if let Some(ep) = &config.endpoints.sts {
            sts_conf = sts_conf.into_builder().endpoint_url(ep.clone()).build();
        }
        let mut b = aws_config::sts::AssumeRoleProvider::builder(role.role_arn.clone())
            .configure(&sts_conf);
        if let Some(s) = &role.session_name {
            b = b.session_name(s.clone());
        }
        if let Some(x) = &role.external_id {
            b = b.external_id(x.clone());
        }
        if let Some(d) = role.duration_seconds {
            b = b.session_length(std::time::Duration::from_secs(d));
        }
        if let Some(p) = &role.policy {
            b = b.policy(p.clone());
        }
        if !role.policy_arns.is_empty() {
            b = b.policy_arns(role.policy_arns.clone());
        }
        if !role.tags.is_empty() {
            b = b.tags(role.tags.clone());
        }
        let provider = b.build().await;
        sdk = sdk
            .into_builder()
            .credentials_provider(aws_sdk_s3::config::SharedCredentialsProvider::new(provider))
            .build();
    }
    let mut s3b = aws_sdk_s3::config::Builder::from(&sdk).force_path_style(config.use_path_style);
    if let Some(ep) = &config.endpoints.s3 {
        s3b = s3b.endpoint_url(ep.clone());
    }
    let s3 = aws_sdk_s3::Client::from_conf(s3b.build());
    let ddb = match &config.dynamodb_table {
        Some(_) => {
            let mut db = aws_sdk_dynamodb::config::Builder::from(&sdk);
            if let Some(ep) = &config.endpoints.dynamodb {
                db = db.endpoint_url(ep.clone());
            }
            Some(aws_sdk_dynamodb::Client::from_conf(db.build()))
        }
        None => None,
    };
    let sse_c = config.sse_customer_key.as_ref().map(|k| {
        use base64::Engine;
        use md5::Digest;
        let raw = base64::engine::general_purpose::STANDARD
            .decode(k.0.as_bytes())
            .unwrap_or_default();
        let md5 = md5::Md5::digest(&raw);
        (
            k.0.clone(),
            base64::engine::general_purpose::STANDARD.encode(md5),
        )
    });
    Ok(Aws {
        s3,
        ddb,
        bucket: config.bucket.clone(),
        table: config.dynamodb_table.clone(),
        encrypt: config.encrypt,
        kms_key_id: config.kms_key_id.clone(),
        acl: config.acl.clone(),
        sse_c,
    })
}

fn expand_home(p: &str) -> String {
    if let Some(rest) = p.strip_prefix("~/") {
        if let Ok(home) = std::env::var("HOME") {
            return format!("{home}/{rest}");
        }
    }
    p.to_string()
}
