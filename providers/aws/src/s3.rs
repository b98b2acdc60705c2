//! aws_s3_bucket, aws_s3_bucket_versioning,
//! aws_s3_bucket_server_side_encryption_configuration (and the seeds' aws_s3_bucket_encryption),
//! aws_s3_bucket_public_access_block.

use crate::ec2::{comp, oc, opt, req, with_tags, B, S};
use crate::resource::{Cx, Resource};
use crate::util::{ae, err, sopt, ApiError, Error, Fail, Obj, ObjExt, Res};
use girder_core::{Type, Value};
use girder_provider::schema::{Nesting, Schema};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The S3 resource types.
pub fn resources() -> Vec<(&'static str, Arc<dyn Resource>)> {
    vec![
        ("aws_s3_bucket", Arc::new(Bucket) as Arc<dyn Resource>),
        ("aws_s3_bucket_versioning", Arc::new(Versioning)),
        (
            "aws_s3_bucket_server_side_encryption_configuration",
            Arc::new(Encryption { legacy: false }),
        ),
        (
            "aws_s3_bucket_encryption",
            Arc::new(Encryption { legacy: true }),
        ),
        (
            "aws_s3_bucket_public_access_block",
            Arc::new(PublicAccessBlock),
        ),
    ]
}

fn bucket_of(o: &Obj) -> String {
    o.s_nonempty("bucket").unwrap_or_else(|| o.s_or_empty("id"))
}

/// Route 53 hosted zone ids of the S3 website endpoints, by region.
fn hosted_zone_id(region: &str) -> &'static str {
    match region {
        "us-east-1" => "Z3AQBSTGFYJSTF",
        "us-east-2" => "Z2O1EMRO9K5GLX",
        "us-west-1" => "Z2F56UZL2M1ACD",
        "us-west-2" => "Z3BJ6K6RIION7M",
        "eu-west-1" => "Z1BKCTXD74EZPE",
        "eu-west-2" => "Z3GKZC51ZF0DB4",
        "eu-central-1" => "Z21DNDUVLTQW6Q",
        "ap-southeast-1" => "Z3O0J2DXBE1FTB",
        "ap-southeast-2" => "Z1WCIGYICN2BYD",
        "ap-northeast-1" => "Z2M4EHUR26P7ZW",
        "ap-south-1" => "Z11RGJOFQNVJUP",
        "sa-east-1" => "Z7KQH4QJS55SO",
        "ca-central-1" => "Z1QDHH18159H29",
        _ => "",
    }
}

fn is_gone(e: &ApiError) -> bool {
    e.is(&["NoSuchBucket", "NotFound", "404"]) || e.message.contains("404")
}

/// `aws_s3_bucket`
pub struct Bucket;

async fn bucket_exists(cx: &Cx<'_>, b: &str) -> Res<bool> {
    match cx.c.s3.head_bucket().bucket(b).send().await {
        Ok(_) => Ok(true),
        Err(e) => {
            let e = ae("S3 HeadBucket")(e);
            if is_gone(&e) {
                Ok(false)
            } else {
                Err(e.into())
            }
        }
    }
}

async fn bucket_tags(cx: &Cx<'_>, b: &str) -> Res<BTreeMap<String, String>> {
    match cx.c.s3.get_bucket_tagging().bucket(b).send().await {
        Ok(o) => Ok(crate::util::tag_map(
            o.tag_set().iter().map(|t| (Some(t.key()), Some(t.value()))),
        )),
        Err(e) => {
            let e = ae("S3 GetBucketTagging")(e);
            if e.is(&["NoSuchTagSet", "NoSuchTagSetError"]) {
                Ok(BTreeMap::new())
            } else {
                Err(e.into())
            }
        }
    }
}

async fn put_bucket_tags(cx: &Cx<'_>, b: &str, tags: &BTreeMap<String, String>) -> Res<()> {
    if tags.is_empty() {
        cx.c.s3
            .delete_bucket_tagging()
            .bucket(b)
            .send()
            .await
            .map_err(ae("S3 DeleteBucketTagging"))?;
        return Ok(());
    }
    let set: Vec<aws_sdk_s3::types::Tag> = tags
        .iter()
        .filter_map(|(k, v)| {
            aws_sdk_s3::types::Tag::builder()
                .key(k)
                .value(v)
                .build()
                .ok()
        })
        .collect();
    let tagging = aws_sdk_s3::types::Tagging::builder()
        .set_tag_set(Some(set))
        .build()
        .map_err(|e| err("S3 tagging", e.to_string()))?;
    cx.c.s3
        .put_bucket_tagging()
        .bucket(b)
        .tagging(tagging)
        .send()
        .await
        .map_err(ae("S3 PutBucketTagging"))?;
    Ok(())
}

/// Deletes every object version and delete marker (force_destroy).
async fn empty_bucket(cx: &Cx<'_>, b: &str) -> Res<u64> {
    use aws_sdk_s3::types::{Delete, ObjectIdentifier};
    let mut deleted = 0u64;
    loop {
        let out =
            cx.c.s3
                .list_object_versions()
                .bucket(b)
                .send()
                .await
                .map_err(ae("S3 ListObjectVersions"))?;
        let mut ids: Vec<ObjectIdentifier> = Vec::new();
        for v in out.versions() {
            if let Some(k) = v.key() {
                if let Ok(id) = ObjectIdentifier::builder()
                    .key(k)
                    .set_version_id(v.version_id().map(str::to_string))
                    .build()
                {
                    ids.push(id);
                }
            }
        }
        for m in out.delete_markers() {
            if let Some(k) = m.key() {
                if let Ok(id) = ObjectIdentifier::builder()
                    .key(k)
                    .set_version_id(m.version_id().map(str::to_string))
                    .build()
                {
                    ids.push(id);
                }
            }
        }
        if ids.is_empty() {
            return Ok(deleted);
        }
        for chunk in ids.chunks(1000) {
            let del = Delete::builder()
                .set_objects(Some(chunk.to_vec()))
                .quiet(true)
                .build()
                .map_err(|e| err("S3 DeleteObjects", e.to_string()))?;
            let r =
                cx.c.s3
                    .delete_objects()
                    .bucket(b)
                    .delete(del)
                    .bypass_governance_retention(true)
                    .send()
                    .await
                    .map_err(ae("S3 DeleteObjects"))?;
            if let Some(e) = r.errors().first() {
                return Err(err(
                    "Emptying the bucket failed",
                    format!(
                        "deleting {} (version {}): {}",
                        e.key().unwrap_or_default(),
                        e.version_id().unwrap_or_default(),
                        e.message().unwrap_or_default()
                    ),
                ));
            }
            deleted += chunk.len() as u64;
        }
    }
}

#[async_trait::async_trait]
impl Resource for Bucket {
    fn schema(&self) -> Schema {
        crate::ec2::with_timeouts(
            with_tags(
                Schema::new()
                    .attr("id", comp(S))
                    .attr("arn", comp(S))
                    .attr("bucket", oc(S).force_new())
                    .attr("bucket_prefix", oc(S).force_new())
                    .attr("force_destroy", opt(B).default(false))
                    .attr("object_lock_enabled", oc(B).force_new())
                    .attr("bucket_domain_name", comp(S))
                    .attr("bucket_regional_domain_name", comp(S))
                    .attr("hosted_zone_id", comp(S))
                    .attr("region", comp(S)),
            ),
            &["create", "read", "update", "delete"],
        )
    }

    fn customize_plan(&self, prior: Option<&Obj>, planned: &mut Obj, _replacing: bool) {
        if prior.is_none() {
            if planned.get("bucket").is_none_or(|v| v.is_null()) {
                planned.insert("bucket".into(), Value::unknown(S));
            }
            if planned.get("bucket_prefix").is_none_or(|v| v.is_null()) {
                planned.insert("bucket_prefix".into(), Value::null(S));
            }
            if planned
                .get("object_lock_enabled")
                .is_some_and(|v| !v.is_known())
            {
                planned.insert("object_lock_enabled".into(), Value::bool(false));
            }
        }
    }

    async fn create(&self, cx: &Cx<'_>, p: &Obj) -> Result<Obj, Fail> {
        let name = match (p.s_nonempty("bucket"), p.s_nonempty("bucket_prefix")) {
            (Some(b), _) => b,
            (None, Some(pre)) => crate::ec2::sg::unique_name(&pre),
            (None, None) => crate::ec2::sg::unique_name("terraform-"),
        };
        let mut call = cx.c.s3.create_bucket().bucket(&name);
        if cx.c.region != "us-east-1" {
            call = call.create_bucket_configuration(
                aws_sdk_s3::types::CreateBucketConfiguration::builder()
                    .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::from(
                        cx.c.region.as_str(),
                    ))
                    .build(),
            );
        }
        if p.b("object_lock_enabled") == Some(true) {
            call = call.object_lock_enabled_for_bucket(true);
        }
        call.send().await.map_err(|e| {
            let e = ae("S3 CreateBucket")(e);
            let mut d = e.diag("aws_s3_bucket");
            if e.is(&["BucketAlreadyExists", "BucketAlreadyOwnedByYou"]) {
                d = d.with_help(
                    "Bucket names are global: choose another name, or import the existing bucket.",
                );
            }
            Fail::from(d)
        })?;
        let partial = Obj::from([
            ("id".to_string(), Value::string(&name)),
            ("bucket".to_string(), Value::string(&name)),
        ]);
        let tags = p.smap("tags_all");
        if !tags.is_empty() {
            put_bucket_tags(cx, &name, &tags)
                .await
                .map_err(|e| Fail::with_partial(partial.clone(), e.diag("aws_s3_bucket")))?;
        }
        Ok(partial)
    }

    async fn read(&self, cx: &Cx<'_>, s: &Obj) -> Res<Option<Obj>> {
        let b = bucket_of(s);
        if !bucket_exists(cx, &b).await? {
            return Ok(None);
        }
        let region = match cx.c.s3.get_bucket_location().bucket(&b).send().await {
            Ok(o) => match o.location_constraint().map(|l| l.as_str().to_string()) {
                None => "us-east-1".to_string(),
                Some(l) if l.is_empty() => "us-east-1".to_string(),
                Some(l) if l == "EU" => "eu-west-1".to_string(),
                Some(l) => l,
            },
            Err(e) => {
                let e = ae("S3 GetBucketLocation")(e);
                if is_gone(&e) {
                    return Ok(None);
                }
                return Err(e.into());
            }
        };
        let lock = match cx
            .c
            .s3
            .get_object_lock_configuration()
            .bucket(&b)
            .send()
            .await
        {
            Ok(o) => o
                .object_lock_configuration()
                .and_then(|c| c.object_lock_enabled())
                .is_some_and(|e| e.as_str() == "Enabled"),
            Err(e) => {
                let e = ae("S3 GetObjectLockConfiguration")(e);
                if e.is(&["ObjectLockConfigurationNotFoundError"]) || e.is(&["NotImplemented"]) {
                    false
                } else if is_gone(&e) {
                    return Ok(None);
                } else {
                    return Err(e.into());
                }
            }
        };
        let tags = bucket_tags(cx, &b).await?;
        let suffix = crate::config::dns_suffix(&cx.c.partition);
        Ok(Some(Obj::from([
            ("id".into(), Value::string(&b)),
            ("bucket".into(), Value::string(&b)),
            (
                "arn".into(),
                Value::string(format!("arn:{}:s3:::{b}", cx.c.partition)),
            ),
            (
                "bucket_domain_name".into(),
                Value::string(format!("{b}.s3.{suffix}")),
            ),
            (
                "bucket_regional_domain_name".into(),
                Value::string(format!("{b}.s3.{region}.{suffix}")),
            ),
            (
                "hosted_zone_id".into(),
                Value::string(hosted_zone_id(&region)),
            ),
            ("region".into(), Value::string(&region)),
            ("object_lock_enabled".into(), Value::bool(lock)),
            ("tags_all".into(), crate::util::smap(&tags)),
        ])))
    }

    async fn update(&self, cx: &Cx<'_>, prior: &Obj, p: &Obj) -> Result<Obj, Fail> {
        if prior.smap("tags_all") != p.smap("tags_all") {
            put_bucket_tags(cx, &bucket_of(prior), &p.smap("tags_all"))
                .await
                .map_err(|e| Fail::with_partial(prior.clone(), e.diag("aws_s3_bucket")))?;
        }
        Ok(Obj::new())
    }

    async fn delete(&self, cx: &Cx<'_>, prior: &Obj) -> Res<()> {
        let b = bucket_of(prior);
        let force = prior.b("force_destroy") == Some(true);
        for attempt in 0..3 {
            match cx.c.s3.delete_bucket().bucket(&b).send().await {
                Ok(_) => return Ok(()),
                Err(e) => {
                    let e = ae("S3 DeleteBucket")(e);
                    if is_gone(&e) {
                        return Ok(());
                    }
                    if e.is(&["BucketNotEmpty"]) && force && attempt < 2 {
                        empty_bucket(cx, &b).await?;
                        continue;
                    }
                    if e.is(&["BucketNotEmpty"]) {
                        return Err(Error::Diag(
                            e.diag(&format!("deleting S3 Bucket ({b})"))
                                .with_help("The bucket is not empty. Set force_destroy = true (and apply) to delete every object and version with it, or empty it first."),
                        ));
                    }
                    return Err(e.into());
                }
            }
        }
        Ok(())
    }
}

// ===================================================================== versioning

/// `aws_s3_bucket_versioning`
pub struct Versioning;

#[async_trait::async_trait]
impl Resource for Versioning {
    fn schema(&self) -> Schema {
        Schema::new()
            .attr("id", comp(S))
            .attr("bucket", req(S).force_new())
            .attr("expected_bucket_owner", opt(S).force_new())
            .attr("mfa", opt(S))
            .block(
                "versioning_configuration",
                Nesting::List,
                Schema::new()
                    .attr("status", req(S))
                    .attr("mfa_delete", oc(S)),
                1,
                1,
            )
    }

    async fn create(&self, cx: &Cx<'_>, p: &Obj) -> Result<Obj, Fail> {
        let b = bucket_of(p);
        let vc = p.block("versioning_configuration").unwrap_or_default();
        let status = vc.s_or_empty("status");
        if status != "Disabled" {
            put_versioning(cx, p, &status)
                .await
                .map_err(|e| Fail::from(e.diag("aws_s3_bucket_versioning")))?;
        }
        Ok(Obj::from([("id".to_string(), Value::string(b))]))
    }

    async fn read(&self, cx: &Cx<'_>, s: &Obj) -> Res<Option<Obj>> {
        let b = bucket_of(s);
        let out = match cx
            .c
            .s3
            .get_bucket_versioning()
            .bucket(&b)
            .set_expected_bucket_owner(s.s_nonempty("expected_bucket_owner"))
            .send()
            .await
        {
            Ok(o) => o,
            Err(e) => {
                let e = ae("S3 GetBucketVersioning")(e);
                if is_gone(&e) {
                    return Ok(None);
                }
                return Err(e.into());
            }
        };
        let status = out.status().map_or("Disabled", |s| s.as_str()).to_string();
        let prior_status = s
            .block("versioning_configuration")
            .and_then(|v| v.s("status"));
        // never enabled and not configured as Disabled: nothing to manage
        if status == "Disabled" && prior_status.as_deref() != Some("Disabled") {
            return Ok(None);
        }
        let mfa = out
            .mfa_delete()
            .map_or("Disabled", |m| m.as_str())
            .to_string();
        let vc = Value::object(
            BTreeMap::from([
                ("status".to_string(), Value::string(status)),
                ("mfa_delete".to_string(), Value::string(mfa)),
            ])
            .into(),
        );
        Ok(Some(Obj::from([
            ("id".into(), Value::string(&b)),
            ("bucket".into(), Value::string(&b)),
            (
                "versioning_configuration".into(),
                Value::list(vc.ty(), vec![vc]),
            ),
        ])))
    }

    async fn update(&self, cx: &Cx<'_>, prior: &Obj, p: &Obj) -> Result<Obj, Fail> {
        let status = p
            .block("versioning_configuration")
            .unwrap_or_default()
            .s_or_empty("status");
        let status = if status == "Disabled" {
            "Suspended".to_string()
        } else {
            status
        };
        put_versioning(cx, p, &status)
            .await
            .map_err(|e| Fail::with_partial(prior.clone(), e.diag("aws_s3_bucket_versioning")))?;
        Ok(Obj::new())
    }

    async fn delete(&self, cx: &Cx<'_>, prior: &Obj) -> Res<()> {
        let status = prior
            .block("versioning_configuration")
            .unwrap_or_default()
            .s_or_empty("status");
        if status == "Disabled" {
            return Ok(());
        }
        match put_versioning(cx, prior, "Suspended").await {
            Err(Error::Api(e)) if is_gone(&e) => Ok(()),
            r => r,
        }
    }

    fn import_state(&self, id: &str) -> Res<Obj> {
        let (b, owner) = match id.split_once(',') {
            Some((b, o)) => (b, Some(o.to_string())),
            None => (id, None),
        };
        Ok(Obj::from([
            ("id".to_string(), Value::string(id)),
            ("bucket".to_string(), Value::string(b)),
            ("expected_bucket_owner".to_string(), sopt(owner)),
        ]))
    }
}

async fn put_versioning(cx: &Cx<'_>, p: &Obj, status: &str) -> Res<()> {
    let vc = p.block("versioning_configuration").unwrap_or_default();
    let mut conf = aws_sdk_s3::types::VersioningConfiguration::builder()
        .status(aws_sdk_s3::types::BucketVersioningStatus::from(status));
    if let Some(m) = vc.s_nonempty("mfa_delete") {
        conf = conf.mfa_delete(aws_sdk_s3::types::MfaDelete::from(m.as_str()));
    }
    cx.c.s3
        .put_bucket_versioning()
        .bucket(bucket_of(p))
        .set_expected_bucket_owner(p.s_nonempty("expected_bucket_owner"))
        .set_mfa(p.s_nonempty("mfa"))
        .versioning_configuration(conf.build())
        .send()
        .await
        .map_err(ae("S3 PutBucketVersioning"))?;
    Ok(())
}

// ===================================================================== encryption

/// `aws_s3_bucket_server_side_encryption_configuration`; with `legacy` the seeds'
/// `aws_s3_bucket_encryption`, which also accepts the rules inside a
/// `server_side_encryption_configuration { rule { ... } }` block (the shape of the old inline
/// argument of aws_s3_bucket).
pub struct Encryption {
    legacy: bool,
}

fn sse_rule_schema() -> Schema {
    Schema::new().attr("bucket_key_enabled", opt(B)).block(
        "apply_server_side_encryption_by_default",
        Nesting::List,
        Schema::new()
            .attr("sse_algorithm", req(S))
            .attr("kms_master_key_id", opt(S)),
        0,
        1,
    )
}

fn sse_rule_type() -> Type {
    sse_rule_schema().object_type()
}

fn rules_value(rules: &[aws_sdk_s3::types::ServerSideEncryptionRule], known: &[Obj]) -> Value {
    let def_t = sse_rule_schema().blocks["apply_server_side_encryption_by_default"]
        .block
        .object_type();
    let items = rules
        .iter()
        .map(|r| {
            let def: Vec<Value> = r
                .apply_server_side_encryption_by_default()
                .map(|d| {
                    Value::object(
                        BTreeMap::from([
                            (
                                "sse_algorithm".to_string(),
                                Value::string(d.sse_algorithm().as_str()),
                            ),
                            ("kms_master_key_id".to_string(), sopt(d.kms_master_key_id())),
                        ])
                        .into(),
                    )
                })
                .into_iter()
                .collect();
            // bucket_key_enabled: null when not configured and AWS says false
            let bke = match r.bucket_key_enabled() {
                Some(true) => Value::bool(true),
                other => {
                    if known
                        .iter()
                        .any(|k| k.b("bucket_key_enabled") == Some(false))
                    {
                        Value::bool(other.unwrap_or(false))
                    } else {
                        Value::null(B)
                    }
                }
            };
            crate::util::conform(
                &Value::object(
                    BTreeMap::from([
                        ("bucket_key_enabled".to_string(), bke),
                        (
                            "apply_server_side_encryption_by_default".to_string(),
                            Value::list(def_t.clone(), def),
                        ),
                    ])
                    .into(),
                ),
                &sse_rule_type(),
            )
        })
        .collect();
    Value::set(sse_rule_type(), items)
}

impl Encryption {
    fn rules_of(&self, o: &Obj) -> Vec<Obj> {
        let mut rules = o.blocks("rule");
        if self.legacy {
            for c in o.blocks("server_side_encryption_configuration") {
                rules.extend(c.blocks("rule"));
            }
        }
        rules
    }
}

#[async_trait::async_trait]
impl Resource for Encryption {
    fn schema(&self) -> Schema {
        let s = Schema::new()
            .attr("id", comp(S))
            .attr("bucket", req(S).force_new())
            .attr("expected_bucket_owner", opt(S).force_new());
        if self.legacy {
            s.block("rule", Nesting::Set, sse_rule_schema(), 0, 0)
                .block(
                    "server_side_encryption_configuration",
                    Nesting::List,
                    Schema::new().block("rule", Nesting::Set, sse_rule_schema(), 1, 0),
                    0,
                    1,
                )
        } else {
            s.block("rule", Nesting::Set, sse_rule_schema(), 1, 0)
        }
    }

    async fn create(&self, cx: &Cx<'_>, p: &Obj) -> Result<Obj, Fail> {
        let b = bucket_of(p);
        let rules = self.rules_of(p);
        if rules.is_empty() {
            return Err(Fail::from(girder_core::Diagnostic::error(
                "Insufficient rule blocks",
                "At least one rule block is required.",
            )));
        }
        put_encryption(cx, p, &rules).await.map_err(|e| {
            Fail::from(e.diag("aws_s3_bucket_server_side_encryption_configuration"))
        })?;
        Ok(Obj::from([("id".to_string(), Value::string(b))]))
    }

    async fn read(&self, cx: &Cx<'_>, s: &Obj) -> Res<Option<Obj>> {
        let b = bucket_of(s);
        let out = match cx
            .c
            .s3
            .get_bucket_encryption()
            .bucket(&b)
            .set_expected_bucket_owner(s.s_nonempty("expected_bucket_owner"))
            .send()
            .await
        {
            Ok(o) => o,
            Err(e) => {
                let e = ae("S3 GetBucketEncryption")(e);
                if is_gone(&e) || e.is(&["ServerSideEncryptionConfigurationNotFoundError"]) {
                    return Ok(None);
                }
                return Err(e.into());
            }
        };
        let rules = out
            .server_side_encryption_configuration()
            .map(|c| c.rules().to_vec())
            .unwrap_or_default();
        if rules.is_empty() {
            return Ok(None);
        }
        let known = self.rules_of(s);
        let rv = rules_value(&rules, &known);
        let mut o = Obj::from([
            ("id".into(), Value::string(&b)),
            ("bucket".into(), Value::string(&b)),
        ]);
        let nested = self.legacy
            && s.blocks("server_side_encryption_configuration")
                .first()
                .is_some_and(|c| !c.blocks("rule").is_empty());
        if nested {
            let inner = Value::object(BTreeMap::from([("rule".to_string(), rv)]).into());
            o.insert(
                "server_side_encryption_configuration".into(),
                Value::list(inner.ty(), vec![inner]),
            );
            o.insert("rule".into(), Value::set(sse_rule_type(), Vec::new()));
        } else {
            o.insert("rule".into(), rv);
            if self.legacy {
                o.insert(
                    "server_side_encryption_configuration".into(),
                    Value::null(Type::Dynamic),
                );
            }
        }
        Ok(Some(o))
    }

    async fn update(&self, cx: &Cx<'_>, prior: &Obj, p: &Obj) -> Result<Obj, Fail> {
        put_encryption(cx, p, &self.rules_of(p))
            .await
            .map_err(|e| {
                Fail::with_partial(
                    prior.clone(),
                    e.diag("aws_s3_bucket_server_side_encryption_configuration"),
                )
            })?;
        Ok(Obj::new())
    }

    async fn delete(&self, cx: &Cx<'_>, prior: &Obj) -> Res<()> {
        match cx
            .c
            .s3
            .delete_bucket_encryption()
            .bucket(bucket_of(prior))
            .set_expected_bucket_owner(prior.s_nonempty("expected_bucket_owner"))
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) => {
                let e = ae("S3 DeleteBucketEncryption")(e);
                if is_gone(&e) {
                    Ok(())
                } else {
                    Err(e.into())
                }
            }
        }
    }
}

async fn put_encryption(cx: &Cx<'_>, p: &Obj, rules: &[Obj]) -> Res<()> {
    use aws_sdk_s3::types::{
        ServerSideEncryption, ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration,
        ServerSideEncryptionRule,
    };
    let mut out = Vec::new();
    for r in rules {
        let mut rb =
            ServerSideEncryptionRule::builder().set_bucket_key_enabled(r.b("bucket_key_enabled"));
        if let Some(d) = r.block("apply_server_side_encryption_by_default") {
            let def = ServerSideEncryptionByDefault::builder()
                .sse_algorithm(ServerSideEncryption::from(
                    d.s_or_empty("sse_algorithm").as_str(),
                ))
                .set_kms_master_key_id(d.s_nonempty("kms_master_key_id"))
                .build()
                .map_err(|e| err("S3 encryption rule", e.to_string()))?;
            rb = rb.apply_server_side_encryption_by_default(def);
        }
        out.push(rb.build());
    }
    let conf = ServerSideEncryptionConfiguration::builder()
        .set_rules(Some(out))
        .build()
        .map_err(|e| err("S3 encryption configuration", e.to_string()))?;
    cx.c.s3
        .put_bucket_encryption()
        .bucket(bucket_of(p))
        .set_expected_bucket_owner(p.s_nonempty("expected_bucket_owner"))
        .server_side_encryption_configuration(conf)
        .send()
        .await
        .map_err(ae("S3 PutBucketEncryption"))?;
    Ok(())
}

// ===================================================================== public access block

/// `aws_s3_bucket_public_access_block`
pub struct PublicAccessBlock;

const PAB: &[&str] = &[
    "block_public_acls",
    "block_public_policy",
    "ignore_public_acls",
    "restrict_public_buckets",
];

async fn put_pab(cx: &Cx<'_>, p: &Obj) -> Res<()> {
    let conf = aws_sdk_s3::types::PublicAccessBlockConfiguration::builder()
        .block_public_acls(p.b("block_public_acls").unwrap_or(false))
        .block_public_policy(p.b("block_public_policy").unwrap_or(false))
        .ignore_public_acls(p.b("ignore_public_acls").unwrap_or(false))
        .restrict_public_buckets(p.b("restrict_public_buckets").unwrap_or(false))
        .build();
    cx.c.s3
        .put_public_access_block()
        .bucket(bucket_of(p))
        .public_access_block_configuration(conf)
        .send()
        .await
        .map_err(ae("S3 PutPublicAccessBlock"))?;
    Ok(())
}

#[async_trait::async_trait]
impl Resource for PublicAccessBlock {
    fn schema(&self) -> Schema {
        let mut s = Schema::new()
            .attr("id", comp(S))
            .attr("bucket", req(S).force_new())
            .attr("skip_destroy", opt(B));
        for a in PAB {
            s = s.attr(a, opt(B).default(false));
        }
        s
    }

    async fn create(&self, cx: &Cx<'_>, p: &Obj) -> Result<Obj, Fail> {
        put_pab(cx, p)
            .await
            .map_err(|e| Fail::from(e.diag("aws_s3_bucket_public_access_block")))?;
        Ok(Obj::from([("id".to_string(), Value::string(bucket_of(p)))]))
    }

    async fn read(&self, cx: &Cx<'_>, s: &Obj) -> Res<Option<Obj>> {
        let b = bucket_of(s);
        let out = match cx.c.s3.get_public_access_block().bucket(&b).send().await {
            Ok(o) => o,
            Err(e) => {
                let e = ae("S3 GetPublicAccessBlock")(e);
                if is_gone(&e) || e.is(&["NoSuchPublicAccessBlockConfiguration"]) {
                    return Ok(None);
                }
                return Err(e.into());
            }
        };
        let Some(c) = out.public_access_block_configuration() else {
            return Ok(None);
        };
        Ok(Some(Obj::from([
            ("id".into(), Value::string(&b)),
            ("bucket".into(), Value::string(&b)),
            (
                "block_public_acls".into(),
                Value::bool(c.block_public_acls().unwrap_or(false)),
            ),
            (
                "block_public_policy".into(),
                Value::bool(c.block_public_policy().unwrap_or(false)),
            ),
            (
                "ignore_public_acls".into(),
                Value::bool(c.ignore_public_acls().unwrap_or(false)),
            ),
            (
                "restrict_public_buckets".into(),
                Value::bool(c.restrict_public_buckets().unwrap_or(false)),
            ),
        ])))
    }

    async fn update(&self, cx: &Cx<'_>, prior: &Obj, p: &Obj) -> Result<Obj, Fail> {
        put_pab(cx, p).await.map_err(|e| {
            Fail::with_partial(prior.clone(), e.diag("aws_s3_bucket_public_access_block"))
        })?;
        Ok(Obj::new())
    }

    async fn delete(&self, cx: &Cx<'_>, prior: &Obj) -> Res<()> {
        if prior.b("skip_destroy") == Some(true) {
            return Ok(());
        }
        match cx
            .c
            .s3
            .delete_public_access_block()
            .bucket(bucket_of(prior))
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) => {
                let e = ae("S3 DeletePublicAccessBlock")(e);
                if is_gone(&e) {
                    Ok(())
                } else {
                    Err(e.into())
                }
            }
        }
    }
}
