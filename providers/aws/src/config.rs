//! The `provider "aws" { ... }` block: its schema, its parsing, and the SDK clients it builds.

use crate::util::{Obj, ObjExt, Timing};
use girder_core::{Diagnostic, Diagnostics, Type, Value};
use girder_provider::schema::{Attribute, Nesting, Schema};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Services with a configurable endpoint.
pub const SERVICES: &[&str] = &["ec2", "iam", "s3", "rds", "elasticache", "eks", "sts"];

/// The provider block's schema (the subset of Terraform's AWS provider girder implements).
pub fn provider_schema() -> Schema {
    let s = || Attribute::optional(Type::String);
    let mut endpoints = Schema::new();
    for svc in SERVICES {
        endpoints = endpoints.attr(
            svc,
            Attribute::optional(Type::String)
                .describe(format!("Custom endpoint URL of the {svc} service")),
        );
    }
    // Terraform accepts endpoint keys of every service; girder uses these and accepts a few
    // more it does not call so that configurations written for Terraform still validate.
    for svc in [
        "dynamodb",
        "kms",
        "secretsmanager",
        "elb",
        "elbv2",
        "autoscaling",
        "route53",
    ] {
        endpoints = endpoints.attr(svc, Attribute::optional(Type::String));
    }
    Schema::new()
        .attr("region", s().describe("The AWS region (or AWS_REGION)"))
        .attr(
            "profile",
            s().describe("The profile of the shared config files"),
        )
        .attr("access_key", s())
        .attr("secret_key", s().sensitive())
        .attr("token", s().sensitive())
        .attr(
            "shared_config_files",
            Attribute::optional(Type::list(Type::String)),
        )
        .attr(
            "shared_credentials_files",
            Attribute::optional(Type::list(Type::String)),
        )
        .attr(
            "max_retries",
            Attribute::optional(Type::Number).describe("Default 25"),
        )
        .attr("retry_mode", s())
        .attr(
            "skip_credentials_validation",
            Attribute::optional(Type::Bool),
        )
        .attr("skip_metadata_api_check", s())
        .attr("skip_region_validation", Attribute::optional(Type::Bool))
        .attr(
            "skip_requesting_account_id",
            Attribute::optional(Type::Bool),
        )
        .attr("s3_use_path_style", Attribute::optional(Type::Bool))
        .attr(
            "s3_force_path_style",
            Attribute::optional(Type::Bool).deprecated("Use s3_use_path_style instead."),
        )
        .attr(
            "allowed_account_ids",
            Attribute::optional(Type::set(Type::String)),
        )
        .attr(
            "forbidden_account_ids",
            Attribute::optional(Type::set(Type::String)),
        )
        .attr("sts_region", s())
        .attr("insecure", Attribute::optional(Type::Bool))
        .block(
            "assume_role",
            Nesting::List,
            Schema::new()
                .attr("role_arn", s())
                .attr("session_name", s())
                .attr("external_id", s())
                .attr("duration", s())
                .attr("policy", s())
                .attr("policy_arns", Attribute::optional(Type::set(Type::String)))
                .attr("tags", Attribute::optional(Type::map(Type::String)))
                .attr(
                    "transitive_tag_keys",
                    Attribute::optional(Type::set(Type::String)),
                ),
            0,
            1,
        )
        .block(
            "default_tags",
            Nesting::List,
            Schema::new().attr("tags", Attribute::optional(Type::map(Type::String))),
            0,
            1,
        )
        .block(
            "ignore_tags",
            Nesting::List,
            Schema::new()
                .attr("keys", Attribute::optional(Type::set(Type::String)))
                .attr("key_prefixes", Attribute::optional(Type::set(Type::String))),
            0,
            1,
        )
        .block("endpoints", Nesting::Set, endpoints, 0, 0)
}

/// `assume_role { ... }`.
#[derive(Clone, Debug, Default)]
pub struct AssumeRole {
    /// Role to assume.
    pub role_arn: String,
    /// Session name.
    pub session_name: Option<String>,
    /// External id.
    pub external_id: Option<String>,
    /// Session length.
    pub duration: Option<std::time::Duration>,
    /// Inline session policy.
    pub policy: Option<String>,
    /// Managed session policies.
    pub policy_arns: Vec<String>,
    /// Session tags.
    pub tags: BTreeMap<String, String>,
}

/// The parsed provider block.
#[derive(Clone, Debug, Default)]
pub struct AwsConfig {
    /// Region.
    pub region: Option<String>,
    /// Profile.
    pub profile: Option<String>,
    /// Static credentials.
    pub access_key: Option<String>,
    /// Static credentials.
    pub secret_key: Option<String>,
    /// Session token.
    pub token: Option<String>,
    /// Shared config files.
    pub shared_config_files: Vec<String>,
    /// Shared credentials files.
    pub shared_credentials_files: Vec<String>,
    /// Role to assume.
    pub assume_role: Option<AssumeRole>,
    /// Tags merged into every taggable resource.
    pub default_tags: BTreeMap<String, String>,
    /// Tag keys ignored on read.
    pub ignore_tag_keys: Vec<String>,
    /// Tag key prefixes ignored on read.
    pub ignore_tag_prefixes: Vec<String>,
    /// Custom endpoints per service.
    pub endpoints: BTreeMap<String, String>,
    /// Retries of throttled and failed requests (Terraform's default 25).
    pub max_retries: u32,
    /// Skip the STS call that validates credentials.
    pub skip_credentials_validation: bool,
    /// Skip the EC2 instance metadata service in the credential chain.
    pub skip_metadata_api_check: bool,
    /// Do not look up the account id.
    pub skip_requesting_account_id: bool,
    /// Path-style S3 addressing.
    pub s3_use_path_style: bool,
    /// Accounts allowed.
    pub allowed_account_ids: Vec<String>,
    /// Accounts forbidden.
    pub forbidden_account_ids: Vec<String>,
    /// STS region.
    pub sts_region: Option<String>,
}

fn bad(attr: &str, detail: impl Into<String>) -> Diagnostic {
    Diagnostic::error(format!("Invalid provider configuration: {attr}"), detail)
        .with_help("Fix the argument in the provider \"aws\" block.")
}

/// Parses a duration like Terraform's (`1h`, `15m`, `900s`).
pub fn parse_duration(s: &str) -> Option<std::time::Duration> {
    let mut total = 0f64;
    let mut num = String::new();
    let mut any = false;
    for c in s.chars() {
        if c.is_ascii_digit() || c == '.' {
            num.push(c);
        } else {
            let n: f64 = num.parse().ok()?;
            num.clear();
            total += n * match c {
                'h' => 3600.0,
                'm' => 60.0,
                's' => 1.0,
                _ => return None,
            };
            any = true;
        }
    }
    if !num.is_empty() || !any {
        return None;
    }
    Some(std::time::Duration::from_secs_f64(total))
}

impl AwsConfig {
    /// Parses the evaluated provider block.
    pub fn from_value(v: &Value) -> Result<AwsConfig, Diagnostics> {
        let o: Obj = crate::util::obj(v);
        let mut diags = Diagnostics::new();
        let mut c = AwsConfig {
            region: o.s_nonempty("region"),
            profile: o.s_nonempty("profile"),
            access_key: o.s_nonempty("access_key"),
            secret_key: o.s_nonempty("secret_key"),
            token: o.s_nonempty("token"),
            shared_config_files: o.strs("shared_config_files"),
            shared_credentials_files: o.strs("shared_credentials_files"),
            max_retries: 25,
            skip_credentials_validation: o.b("skip_credentials_validation").unwrap_or(false),
            skip_requesting_account_id: o.b("skip_requesting_account_id").unwrap_or(false),
            s3_use_path_style: o.b("s3_use_path_style").unwrap_or(false)
                || o.b("s3_force_path_style").unwrap_or(false),
            allowed_account_ids: o.strs("allowed_account_ids"),
            forbidden_account_ids: o.strs("forbidden_account_ids"),
            sts_region: o.s_nonempty("sts_region"),
            ..AwsConfig::default()
        };
        for (k, v) in &o {
            if !v.is_wholly_known() {
                diags.push(bad(
                    k,
                    format!("The value of \"{k}\" is not known until apply; a provider configuration must be known at plan time."),
                ));
            }
        }
        match o.s("skip_metadata_api_check").as_deref() {
            None | Some("") | Some("false") => {}
            Some("true") => c.skip_metadata_api_check = true,
            Some(other) => diags.push(bad(
                "skip_metadata_api_check",
                format!("expected \"true\" or \"false\", got {other:?}"),
            )),
        }
        if let Some(n) = o.i("max_retries") {
            if n < 0 {
                diags.push(bad("max_retries", "max_retries must not be negative"));
            } else {
                c.max_retries = n as u32;
            }
        }
        if let Some(ar) = o.block("assume_role") {
            match ar.s_nonempty("role_arn") {
                Some(role_arn) => {
                    let duration = match ar.s_nonempty("duration") {
                        Some(d) => match parse_duration(&d) {
                            Some(d) => Some(d),
                            None => {
                                diags.push(bad(
                                    "assume_role.duration",
                                    format!("{d:?} is not a duration like \"1h\" or \"15m\""),
                                ));
                                None
                            }
                        },
                        None => None,
                    };
                    c.assume_role = Some(AssumeRole {
                        role_arn,
                        session_name: ar.s_nonempty("session_name"),
                        external_id: ar.s_nonempty("external_id"),
                        duration,
                        policy: ar.s_nonempty("policy"),
                        policy_arns: ar.strs("policy_arns"),
                        tags: ar.smap("tags"),
                    })
                }
                None => {
                    // An empty role_arn disables assume_role, as in Terraform.
                }
            }
        }
        if let Some(dt) = o.block("default_tags") {
            c.default_tags = dt.smap("tags");
        }
        if let Some(it) = o.block("ignore_tags") {
            c.ignore_tag_keys = it.strs("keys");
            c.ignore_tag_prefixes = it.strs("key_prefixes");
        }
        for ep in o.blocks("endpoints") {
            for (k, v) in &ep {
                if let Some(url) = v.as_str().filter(|s| !s.is_empty()) {
                    if !(url.starts_with("http://") || url.starts_with("https://")) {
                        diags.push(bad(
                            &format!("endpoints.{k}"),
                            format!("{url:?} is not a URL (http:// or https://)"),
                        ));
                    }
                    c.endpoints.insert(k.clone(), url.to_string());
                }
            }
        }
        if diags.has_errors() {
            Err(diags)
        } else {
            Ok(c)
        }
    }

    /// Is this tag key ignored (ignore_tags)?
    pub fn ignores_tag(&self, k: &str) -> bool {
        self.ignore_tag_keys.iter().any(|x| x == k)
            || self
                .ignore_tag_prefixes
                .iter()
                .any(|p| k.starts_with(p.as_str()))
    }
}

/// Counts HTTP requests (attempts, including retries) sent by every client.
#[derive(Debug, Clone, Default)]
pub struct RequestCounter(pub Arc<AtomicU64>);

impl RequestCounter {
    /// Requests so far.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

impl aws_smithy_runtime_api::client::interceptors::Intercept for RequestCounter {
    fn name(&self) -> &'static str {
        "girder-request-counter"
    }
    fn read_before_transmit(
        &self,
        _context: &aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &aws_smithy_runtime_api::client::runtime_components::RuntimeComponents,
        _cfg: &mut aws_smithy_types::config_bag::ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        self.0.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

/// The configured SDK clients and what resources need to know about the provider.
#[derive(Clone, Debug)]
pub struct Clients {
    /// EC2.
    pub ec2: aws_sdk_ec2::Client,
    /// IAM.
    pub iam: aws_sdk_iam::Client,
    /// S3.
    pub s3: aws_sdk_s3::Client,
    /// RDS.
    pub rds: aws_sdk_rds::Client,
    /// ElastiCache.
    pub elasticache: aws_sdk_elasticache::Client,
    /// EKS.
    pub eks: aws_sdk_eks::Client,
    /// STS.
    pub sts: aws_sdk_sts::Client,
    /// The region.
    pub region: String,
    /// The account id (unless skip_requesting_account_id).
    pub account_id: Option<String>,
    /// `aws`, `aws-cn`, `aws-us-gov`.
    pub partition: String,
    /// The parsed configuration.
    pub config: Arc<AwsConfig>,
    /// Retry and waiter timing.
    pub timing: Timing,
}

/// The partition of a region.
pub fn partition_of(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

/// The DNS suffix of a partition.
pub fn dns_suffix(partition: &str) -> &'static str {
    match partition {
        "aws-cn" => "amazonaws.com.cn",
        _ => "amazonaws.com",
    }
}

fn expand_home(p: &str) -> String {
    if let Some(rest) = p.strip_prefix("~/") {
        if let Ok(home) = std::env::var("HOME") {
            return format!("{home}/{rest}");
        }
    }
    p.to_string()
}

/// Builds the clients (the standard credential chain, AWS_ENDPOINT_URL, profiles and shared
/// files, assume_role, custom endpoints), then validates the credentials and finds the
/// account id with STS unless told to skip.
pub async fn connect(
    config: AwsConfig,
    timing: Timing,
    counter: &RequestCounter,
) -> Result<Clients, Diagnostics> {
    use aws_config::BehaviorVersion;
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
            aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https();
    let retry = aws_config::retry::RetryConfig::standard()
        .with_max_attempts(config.max_retries.saturating_add(1).max(1))
        .with_initial_backoff(std::time::Duration::from_millis(
            if timing.retry_base < std::time::Duration::from_millis(100) {
                10
            } else {
                1000
            },
        ));
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .http_client(http.clone())
        .retry_config(retry)
        .timeout_config(
            aws_config::timeout::TimeoutConfig::builder()
                .connect_timeout(std::time::Duration::from_secs(10))
                .read_timeout(std::time::Duration::from_secs(120))
                .build(),
        );
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
        loader = loader.credentials_provider(aws_sdk_sts::config::Credentials::new(
            ak.clone(),
            sk.clone(),
            config.token.clone(),
            None,
            "girder-aws-provider-settings",
        ));
    } else if config.skip_metadata_api_check {
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
    let Some(region) = sdk.region().map(|r| r.to_string()) else {
        return Err(Diagnostic::error(
            "Missing AWS region",
            "The AWS provider needs a region: none was set in the provider block, the AWS_REGION or AWS_DEFAULT_REGION environment variables, or the shared config file.",
        )
        .with_help("Add region = \"us-east-1\" (or your region) to the provider \"aws\" block.")
        .into());
    };
    let sts_conf = |sdk: &aws_config::SdkConfig| {
        let mut b = aws_sdk_sts::config::Builder::from(sdk).interceptor(counter.clone());
        if let Some(ep) = config.endpoints.get("sts") {
            b = b.endpoint_url(ep.clone());
        }
        if let Some(r) = &config.sts_region {
            b = b.region(aws_config::Region::new(r.clone()));
        }
        b.build()
    };
    if let Some(role) = &config.assume_role {
        let mut b =
            aws_config::sts::AssumeRoleProvider::builder(role.role_arn.clone()).configure(&{
                let mut s = sdk.clone().into_builder();
                if let Some(ep) = config.endpoints.get("sts") {
                    s = s.endpoint_url(ep.clone());
                }
                s.build()
            });
        b = b.session_name(
            role.session_name
                .clone()
                .unwrap_or_else(|| "girder".to_string()),
        );
        if let Some(x) = &role.external_id {
            b = b.external_id(x.clone());
        }
        if let Some(d) = role.duration {
            b = b.session_length(d);
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
            .credentials_provider(aws_sdk_sts::config::SharedCredentialsProvider::new(
                provider,
            ))
            .build();
    }
    macro_rules! client {
        ($krate:ident, $svc:literal) => {{
            let mut b = $krate::config::Builder::from(&sdk).interceptor(counter.clone());
            if let Some(ep) = config.endpoints.get($svc) {
                b = b.endpoint_url(ep.clone());
            }
            $krate::Client::from_conf(b.build())
        }};
    }
    let s3 = {
        let mut b = aws_sdk_s3::config::Builder::from(&sdk)
            .interceptor(counter.clone())
            .force_path_style(config.s3_use_path_style);
        if let Some(ep) = config.endpoints.get("s3") {
            b = b.endpoint_url(ep.clone());
        }
        aws_sdk_s3::Client::from_conf(b.build())
    };
    let sts = aws_sdk_sts::Client::from_conf(sts_conf(&sdk));
    let partition = partition_of(&region).to_string();
    let mut account_id = None;
    if !config.skip_credentials_validation || !config.skip_requesting_account_id {
        match sts.get_caller_identity().send().await {
            Ok(out) => account_id = out.account().map(str::to_string),
            Err(e) => {
                let e = crate::util::api_err("STS GetCallerIdentity", e);
                if !config.skip_credentials_validation {
                    return Err(Diagnostic::error(
                        "No valid credential sources found",
                        format!("Validating the AWS credentials failed: {e}"),
                    )
                    .with_help("Configure credentials (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a profile, or an instance role), or set skip_credentials_validation = true for an emulator.")
                    .into());
                }
            }
        }
    }
    if let Some(acct) = &account_id {
        if !config.allowed_account_ids.is_empty() && !config.allowed_account_ids.contains(acct) {
            return Err(Diagnostic::error(
                "AWS account ID not allowed",
                format!("AWS account ID not allowed: {acct}"),
            )
            .with_help("Check allowed_account_ids in the provider block.")
            .into());
        }
        if config.forbidden_account_ids.contains(acct) {
            return Err(Diagnostic::error(
                "AWS account ID not allowed",
                format!("AWS account ID not allowed: {acct} (forbidden_account_ids)"),
            )
            .into());
        }
    }
    Ok(Clients {
        ec2: client!(aws_sdk_ec2, "ec2"),
        iam: client!(aws_sdk_iam, "iam"),
        s3,
        rds: client!(aws_sdk_rds, "rds"),
        elasticache: client!(aws_sdk_elasticache, "elasticache"),
        eks: client!(aws_sdk_eks, "eks"),
        sts,
        region,
        account_id,
        partition,
        config: Arc::new(config),
        timing,
    })
}

impl Clients {
    /// The account id, or an empty string when it was not requested.
    pub fn account(&self) -> String {
        self.account_id.clone().unwrap_or_default()
    }
    /// `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`.
    pub fn arn(&self, service: &str, resource: &str) -> String {
        format!(
            "arn:{}:{service}:{}:{}:{resource}",
            self.partition,
            self.region,
            self.account()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use girder_core::Value;

    fn block(j: serde_json::Value) -> Value {
        Value::from_json_typed(&j, &provider_schema().object_type()).unwrap()
    }

    #[test]
    fn parses_the_provider_block() {
        let c = AwsConfig::from_value(&block(serde_json::json!({
            "region": "ap-southeast-1",
            "profile": "prod",
            "max_retries": 5,
            "skip_metadata_api_check": "true",
            "s3_use_path_style": true,
            "default_tags": [{"tags": {"Project": "p2p", "ManagedBy": "girder"}}],
            "ignore_tags": [{"key_prefixes": ["kubernetes.io/"]}],
            "endpoints": [{"ec2": "http://127.0.0.1:5000", "s3": "http://127.0.0.1:5001"}],
            "assume_role": [{"role_arn": "arn:aws:iam::123456789012:role/deploy", "duration": "1h30m", "session_name": "ci"}]
        })))
        .unwrap();
        assert_eq!(c.region.as_deref(), Some("ap-southeast-1"));
        assert_eq!(c.profile.as_deref(), Some("prod"));
        assert_eq!(c.max_retries, 5);
        assert!(c.skip_metadata_api_check && c.s3_use_path_style);
        assert_eq!(c.default_tags.len(), 2);
        assert!(c.ignores_tag("kubernetes.io/cluster/x"));
        assert!(!c.ignores_tag("Name"));
        assert_eq!(c.endpoints["ec2"], "http://127.0.0.1:5000");
        let ar = c.assume_role.unwrap();
        assert_eq!(ar.duration, Some(std::time::Duration::from_secs(5400)));
        assert_eq!(ar.session_name.as_deref(), Some("ci"));
    }

    #[test]
    fn defaults_and_errors() {
        let c = AwsConfig::from_value(&block(serde_json::json!({}))).unwrap();
        assert_eq!(c.max_retries, 25, "Terraform's default");
        assert!(c.assume_role.is_none());
        let e = AwsConfig::from_value(&block(serde_json::json!({
            "endpoints": [{"ec2": "localhost:5000"}],
            "skip_metadata_api_check": "maybe",
            "assume_role": [{"role_arn": "arn:aws:iam::1:role/x", "duration": "soon"}]
        })))
        .unwrap_err();
        let sums: Vec<&str> = e.iter().map(|d| d.summary.as_str()).collect();
        assert!(
            sums.contains(&"Invalid provider configuration: endpoints.ec2"),
            "{sums:?}"
        );
        assert!(sums.contains(&"Invalid provider configuration: skip_metadata_api_check"));
        assert!(sums.contains(&"Invalid provider configuration: assume_role.duration"));
        assert!(e.iter().all(|d| d.help.is_some()));
        // an empty role_arn disables assume_role, as in Terraform
        let c = AwsConfig::from_value(&block(
            serde_json::json!({"assume_role": [{"role_arn": ""}]}),
        ))
        .unwrap();
        assert!(c.assume_role.is_none());
    }

    #[test]
    fn durations() {
        assert_eq!(
            parse_duration("15m"),
            Some(std::time::Duration::from_secs(900))
        );
        assert_eq!(
            parse_duration("1h"),
            Some(std::time::Duration::from_secs(3600))
        );
        assert_eq!(
            parse_duration("90s"),
            Some(std::time::Duration::from_secs(90))
        );
        assert_eq!(parse_duration("10"), None);
        assert_eq!(parse_duration("1d"), None);
    }
}
