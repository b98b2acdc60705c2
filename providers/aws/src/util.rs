//! Helpers shared by every resource: object access, conforming values to schema types, API
//! errors, retries with backoff and jitter, waiters, tags.

use girder_core::convert::convert;
use girder_core::value::Kind;
use girder_core::{Diagnostic, Diagnostics, Number, Type, Value};
use girder_provider::OpContext;
use std::collections::BTreeMap;
use std::future::Future;
use std::time::{Duration, Instant};

/// An object's attributes.
pub type Obj = BTreeMap<String, Value>;

/// The attributes of an object value (empty for null/unknown).
pub fn obj(v: &Value) -> Obj {
    v.as_map()
        .map(girder_core::ValueMap::to_btree)
        .unwrap_or_default()
}

/// Read access to attributes, ignoring marks.
pub trait ObjExt {
    /// The string at `k`, if known and non-null.
    fn s(&self, k: &str) -> Option<String>;
    /// The string at `k`, or "" when null/absent/unknown.
    fn s_or_empty(&self, k: &str) -> String {
        self.s(k).unwrap_or_default()
    }
    /// The non-empty string at `k`.
    fn s_nonempty(&self, k: &str) -> Option<String> {
        self.s(k).filter(|s| !s.is_empty())
    }
    /// The bool at `k`.
    fn b(&self, k: &str) -> Option<bool>;
    /// The integer at `k`.
    fn i(&self, k: &str) -> Option<i64>;
    /// The strings of a list/set at `k`.
    fn strs(&self, k: &str) -> Vec<String>;
    /// The string map at `k`.
    fn smap(&self, k: &str) -> BTreeMap<String, String>;
    /// The objects of a block list/set at `k`.
    fn blocks(&self, k: &str) -> Vec<Obj>;
    /// The single nested block (first element of a list block) at `k`.
    fn block(&self, k: &str) -> Option<Obj> {
        self.blocks(k).into_iter().next()
    }
    /// The raw value at `k` (null dynamic when absent).
    fn v(&self, k: &str) -> Value;
    /// Is the value at `k` known (absent counts as known)?
    fn known(&self, k: &str) -> bool;
}

impl ObjExt for Obj {
    fn s(&self, k: &str) -> Option<String> {
        self.get(k).and_then(Value::as_str).map(str::to_string)
    }
    fn b(&self, k: &str) -> Option<bool> {
        self.get(k).and_then(Value::as_bool)
    }
    fn i(&self, k: &str) -> Option<i64> {
        self.get(k)
            .and_then(Value::as_number)
            .and_then(Number::to_i64)
    }
    fn strs(&self, k: &str) -> Vec<String> {
        self.get(k).map(strs_of).unwrap_or_default()
    }
    fn smap(&self, k: &str) -> BTreeMap<String, String> {
        self.get(k).map(smap_of).unwrap_or_default()
    }
    fn blocks(&self, k: &str) -> Vec<Obj> {
        match self.get(k).map(Value::kind) {
            Some(Kind::Object(m)) => vec![m.to_btree()],
            Some(_) => self
                .get(k)
                .and_then(Value::as_seq)
                .map(|s| s.iter().map(obj).collect())
                .unwrap_or_default(),
            None => Vec::new(),
        }
    }
    fn v(&self, k: &str) -> Value {
        self.get(k).cloned().unwrap_or_else(Value::null_dynamic)
    }
    fn known(&self, k: &str) -> bool {
        self.get(k).is_none_or(Value::is_wholly_known)
    }
}

/// The strings of a list/set value.
pub fn strs_of(v: &Value) -> Vec<String> {
    v.as_seq()
        .map(|s| {
            s.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// The string entries of a map value.
pub fn smap_of(v: &Value) -> BTreeMap<String, String> {
    v.as_map()
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

/// `list(string)` value.
pub fn slist<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> Value {
    Value::list(
        Type::String,
        items
            .into_iter()
            .map(|s| Value::string(s.as_ref()))
            .collect(),
    )
}

/// `set(string)` value.
pub fn sset<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> Value {
    Value::set(
        Type::String,
        items
            .into_iter()
            .map(|s| Value::string(s.as_ref()))
            .collect(),
    )
}

/// `map(string)` value.
pub fn smap(m: &BTreeMap<String, String>) -> Value {
    Value::map(
        Type::String,
        m.iter()
            .map(|(k, v)| (k.clone(), Value::string(v)))
            .collect(),
    )
}

/// A string or null.
pub fn sopt(s: Option<impl AsRef<str>>) -> Value {
    match s {
        Some(s) => Value::string(s.as_ref()),
        None => Value::null(Type::String),
    }
}

/// A bool or null.
pub fn bopt(b: Option<bool>) -> Value {
    b.map_or_else(|| Value::null(Type::Bool), Value::bool)
}

/// A number or null.
pub fn iopt(i: Option<i64>) -> Value {
    i.map_or_else(|| Value::null(Type::Number), Value::int)
}

/// Makes `v` exactly of type `ty`: objects get every attribute of the type (missing ones
/// null), collections are rebuilt with the element type, primitives are converted. Unknowns
/// and nulls take the type. Marks are kept.
pub fn conform(v: &Value, ty: &Type) -> Value {
    let marks = v.marks();
    let out = match (v.kind(), ty) {
        (Kind::Null(_), _) => Value::null(ty.clone()),
        (Kind::Unknown(_), _) => Value::unknown(ty.clone()),
        (_, Type::Dynamic) => v.clone(),
        (Kind::Object(m) | Kind::Map(_, m), Type::Object(ot)) => Value::object(
            ot.attrs
                .iter()
                .map(|(k, t)| {
                    let x = m
                        .get(k)
                        .map_or_else(|| Value::null(t.clone()), |x| conform(x, t));
                    (k.clone(), x)
                })
                .collect(),
        ),
        (Kind::Object(m) | Kind::Map(_, m), Type::Map(et)) => Value::map(
            (**et).clone(),
            m.iter().map(|(k, x)| (k.clone(), conform(x, et))).collect(),
        ),
        (Kind::List(_, s) | Kind::Set(_, s) | Kind::Tuple(s), Type::List(et)) => {
            Value::list((**et).clone(), s.iter().map(|x| conform(x, et)).collect())
        }
        (Kind::List(_, s) | Kind::Set(_, s) | Kind::Tuple(s), Type::Set(et)) => {
            Value::set((**et).clone(), s.iter().map(|x| conform(x, et)).collect())
        }
        // a single object where a list of blocks is expected
        (Kind::Object(_), Type::List(et)) => Value::list((**et).clone(), vec![conform(v, et)]),
        _ => match convert(v, ty) {
            Ok(c) => c,
            Err(_) => Value::null(ty.clone()),
        },
    };
    out.with_marks(marks)
}

/// Is `v` null or an empty collection?
pub fn is_empty_value(v: &Value) -> bool {
    v.is_null() || v.is_empty() || v.as_str() == Some("")
}

// ----- errors -----

/// An AWS API error, reduced to what the provider decides on.
#[derive(Clone, Debug)]
pub struct ApiError {
    /// `EC2 DescribeVpcs`.
    pub op: String,
    /// The AWS error code (`InvalidVpcID.NotFound`), if the service sent one.
    pub code: Option<String>,
    /// Human-readable message.
    pub message: String,
}

impl ApiError {
    /// Is the code one of `codes`?
    pub fn is(&self, codes: &[&str]) -> bool {
        self.code.as_deref().is_some_and(|c| codes.contains(&c))
    }
    /// Does the code end with `NotFound` / `NotFoundFault` / `NoSuch...`?
    pub fn is_not_found(&self) -> bool {
        self.code.as_deref().is_some_and(|c| {
            c.contains("NotFound")
                || c.starts_with("NoSuch")
                || c == "ResourceNotFoundException"
                || c == "NoSuchEntity"
        })
    }
    /// As a diagnostic.
    pub fn diag(&self, what: &str) -> Diagnostic {
        let code = self
            .code
            .as_deref()
            .map(|c| format!(" ({c})"))
            .unwrap_or_default();
        Diagnostic::error(
            format!("{what}: {} failed", self.op),
            format!("{}{code}: {}", self.op, self.message),
        )
        .with_help(
            "Check the provider's region, credentials and endpoints, and the arguments of this resource.",
        )
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.op, self.message)?;
        if let Some(c) = &self.code {
            write!(f, " ({c})")?;
        }
        Ok(())
    }
}

/// Turns an SDK error into an [`ApiError`].
pub fn api_err<E>(
    op: &str,
    e: aws_smithy_runtime_api::client::result::SdkError<
        E,
        aws_smithy_runtime_api::client::orchestrator::HttpResponse,
    >,
) -> ApiError
where
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata + std::error::Error + 'static,
{
    use aws_smithy_runtime_api::client::result::SdkError;
    use aws_smithy_types::error::metadata::ProvideErrorMetadata;
    match &e {
        SdkError::ServiceError(se) => {
            let inner = se.err();
            let status = se.raw().status().as_u16();
            let message = match inner.message() {
                Some(m) => m.to_string(),
                None => format!(
                    "{} (HTTP {status})",
                    aws_smithy_types::error::display::DisplayErrorContext(inner)
                ),
            };
            ApiError {
                op: op.to_string(),
                code: inner
                    .code()
                    .map(str::to_string)
                    .or_else(|| (status == 404).then(|| "NotFound".to_string())),
                message,
            }
        }
        _ => {
            let mut msg = e.to_string();
            let mut src: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(&e);
            while let Some(s) = src {
                msg.push_str(": ");
                msg.push_str(&s.to_string());
                src = s.source();
            }
            ApiError {
                op: op.to_string(),
                code: e.code().map(str::to_string),
                message: msg,
            }
        }
    }
}

/// `.map_err(ae("EC2 CreateVpc"))`
pub fn ae<E>(
    op: &'static str,
) -> impl FnOnce(
    aws_smithy_runtime_api::client::result::SdkError<
        E,
        aws_smithy_runtime_api::client::orchestrator::HttpResponse,
    >,
) -> ApiError
where
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata + std::error::Error + 'static,
{
    move |e| api_err(op, e)
}

/// A failed create/update: the error plus whatever now exists (to be tracked, not leaked).
#[derive(Debug)]
pub struct Fail {
    /// The object as it exists after the failure, if any.
    pub partial: Option<Obj>,
    /// What went wrong.
    pub diags: Diagnostics,
}

impl Fail {
    /// A failure that leaves `partial` behind.
    pub fn with_partial(partial: Obj, d: impl Into<Diagnostics>) -> Fail {
        Fail {
            partial: Some(partial),
            diags: d.into(),
        }
    }
}

impl From<Diagnostic> for Fail {
    fn from(d: Diagnostic) -> Fail {
        Fail {
            partial: None,
            diags: d.into(),
        }
    }
}

impl From<Diagnostics> for Fail {
    fn from(d: Diagnostics) -> Fail {
        Fail {
            partial: None,
            diags: d,
        }
    }
}

/// Error type used inside resource implementations.
#[derive(Debug)]
pub enum Error {
    /// An API error.
    Api(ApiError),
    /// Any other failure.
    Diag(Diagnostic),
}

impl From<ApiError> for Error {
    fn from(e: ApiError) -> Error {
        Error::Api(e)
    }
}

impl From<Diagnostic> for Error {
    fn from(d: Diagnostic) -> Error {
        Error::Diag(d)
    }
}

impl Error {
    /// As a diagnostic about `what`.
    pub fn diag(&self, what: &str) -> Diagnostic {
        match self {
            Error::Api(e) => e.diag(what),
            Error::Diag(d) => d.clone(),
        }
    }
    /// Is it an API "not found" error?
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::Api(e) if e.is_not_found())
    }
}

/// Result type of resource implementations.
pub type Res<T> = Result<T, Error>;

/// A plain error diagnostic.
pub fn err(summary: &str, detail: impl Into<String>) -> Error {
    Error::Diag(Diagnostic::error(summary, detail))
}

// ----- retries and waiting -----

/// Pseudo-random jitter factor in [0.5, 1.0) without a random-number crate.
fn jitter() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    0.5 + (h.finish() % 1000) as f64 / 2000.0
}

/// Timing of retries and waiters.
#[derive(Clone, Copy, Debug)]
pub struct Timing {
    /// First retry delay (doubled each attempt, with jitter).
    pub retry_base: Duration,
    /// Longest delay between retries.
    pub retry_max: Duration,
    /// How long eventual-consistency errors are retried.
    pub consistency_timeout: Duration,
    /// Poll interval of waiters (None: the resource's own, as Terraform's provider).
    pub poll: Option<Duration>,
    /// Delay before a waiter's first poll (None: the resource's own).
    pub initial_delay: Option<Duration>,
}

impl Default for Timing {
    fn default() -> Self {
        Timing {
            retry_base: Duration::from_millis(500),
            retry_max: Duration::from_secs(10),
            consistency_timeout: Duration::from_secs(120),
            poll: None,
            initial_delay: None,
        }
    }
}

impl Timing {
    /// Timing for a local emulator: no initial delays, fast polls.
    pub fn fast() -> Timing {
        Timing {
            retry_base: Duration::from_millis(20),
            retry_max: Duration::from_millis(200),
            consistency_timeout: Duration::from_secs(10),
            poll: Some(Duration::from_millis(50)),
            initial_delay: Some(Duration::ZERO),
        }
    }
}

/// Sleeps, waking early (with an error) when the operation is cancelled.
pub async fn sleep(ctx: &OpContext, d: Duration, what: &str) -> Res<()> {
    tokio::select! {
        _ = tokio::time::sleep(d) => Ok(()),
        _ = ctx.cancel.cancelled() => Err(Error::Diag(Diagnostic::error(
            "Operation cancelled",
            format!("{what} was interrupted."),
        ))),
    }
}

/// Runs `f`, retrying (exponential backoff with jitter) while it fails with one of `codes`,
/// up to the consistency timeout or the operation's deadline. Used for AWS's eventual
/// consistency (`InvalidVpcID.NotFound` right after create, `DependencyViolation` while
/// dependents are still going away).
pub async fn retry_codes<T, F, Fut>(
    ctx: &OpContext,
    timing: &Timing,
    codes: &[&str],
    timeout: Option<Duration>,
    what: &str,
    mut f: F,
) -> Res<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, ApiError>>,
{
    let start = Instant::now();
    let limit = timeout.unwrap_or(timing.consistency_timeout);
    let mut delay = timing.retry_base;
    loop {
        match f().await {
            Ok(v) => return Ok(v),
            Err(e) if e.is(codes) && start.elapsed() < limit => {
                ctx.check(what)?;
                let d = delay.mul_f64(jitter());
                sleep(ctx, d, what).await?;
                delay = (delay * 2).min(timing.retry_max);
            }
            Err(e) => return Err(Error::Api(e)),
        }
    }
}

/// What a waiter's poll found.
pub enum Poll<T> {
    /// Done, with the final object.
    Done(T),
    /// Still going; the current status.
    Pending(String),
}

/// Polls `f` until it says done, reporting progress with the typical duration. Honours the
/// operation's deadline (from `timeouts`) and cancellation.
pub async fn wait_for<T, F, Fut>(
    ctx: &OpContext,
    timing: &Timing,
    what: &str,
    target: &str,
    typical: Option<Duration>,
    default_delay: Duration,
    default_poll: Duration,
    mut f: F,
) -> Res<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Res<Poll<T>>>,
{
    let start = Instant::now();
    let delay = timing.initial_delay.unwrap_or(default_delay);
    if !delay.is_zero() {
        sleep(ctx, delay, what).await?;
    }
    let poll = timing.poll.unwrap_or(default_poll);
    let mut last = String::new();
    loop {
        match f().await? {
            Poll::Done(v) => return Ok(v),
            Poll::Pending(status) => {
                let elapsed = start.elapsed().as_secs();
                let msg = format!(
                    "{what}: waiting for {target} (status {status}, {}m{:02}s elapsed)",
                    elapsed / 60,
                    elapsed % 60
                );
                if status != last || elapsed.is_multiple_of(30) {
                    ctx.report(msg, typical);
                }
                last = status;
            }
        }
        ctx.check(what)?;
        sleep(ctx, poll, what).await?;
    }
}

// ----- tags -----

/// Tags as a sorted map, from AWS's key/value pairs.
pub fn tag_map<'a>(
    pairs: impl IntoIterator<Item = (Option<&'a str>, Option<&'a str>)>,
) -> BTreeMap<String, String> {
    pairs
        .into_iter()
        .filter_map(|(k, v)| k.map(|k| (k.to_string(), v.unwrap_or("").to_string())))
        .filter(|(k, _)| !k.starts_with("aws:"))
        .collect()
}

/// The changes from `old` tags to `new` tags: (to set, keys to remove).
pub fn tag_diff(
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) -> (BTreeMap<String, String>, Vec<String>) {
    let set = new
        .iter()
        .filter(|(k, v)| old.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let remove = old
        .keys()
        .filter(|k| !new.contains_key(*k))
        .cloned()
        .collect();
    (set, remove)
}

/// Lower-case hex SHA-256 prefix of `s` (synthetic ids).
pub fn short_hash(s: &str) -> String {
    use sha2::Digest;
    let d = sha2::Sha256::digest(s.as_bytes());
    d.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// Canonical JSON of a policy document (so whitespace and key order do not show as diffs).
pub fn normalize_json(s: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(s) {
        Ok(v) => sort_json(&v).to_string(),
        Err(_) => s.to_string(),
    }
}

fn sort_json(v: &serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Object(m) => {
            let mut keys: Vec<_> = m.keys().collect();
            keys.sort();
            let mut out = serde_json::Map::new();
            for k in keys {
                out.insert(k.clone(), sort_json(&m[k]));
            }
            serde_json::Value::Object(out)
        }
        serde_json::Value::Array(a) => serde_json::Value::Array(a.iter().map(sort_json).collect()),
        _ => v.clone(),
    }
}

/// Percent-decodes (IAM returns URL-encoded policy documents).
pub fn url_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(x) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(x);
                i += 3;
                continue;
            }
        }
        out.push(if b[i] == b'+' { b' ' } else { b[i] });
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}
