//! aws_elasticache_subnet_group and aws_elasticache_replication_group.

use crate::ec2::{comp, oc, opt, req, sset_t, with_tags, with_timeouts, B, N, S};
use crate::resource::{Cx, Resource};
use crate::util::{ae, err, sopt, sset, wait_for, Error, Fail, Obj, ObjExt, Poll, Res};
use girder_core::Value;
use girder_provider::schema::Schema;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// The ElastiCache resource types.
pub fn resources() -> Vec<(&'static str, Arc<dyn Resource>)> {
    vec![
        (
            "aws_elasticache_subnet_group",
            Arc::new(CacheSubnetGroup) as Arc<dyn Resource>,
        ),
        (
            "aws_elasticache_replication_group",
            Arc::new(ReplicationGroup),
        ),
    ]
}

fn ec_tags(tags: &BTreeMap<String, String>) -> Option<Vec<aws_sdk_elasticache::types::Tag>> {
    (!tags.is_empty()).then(|| {
        tags.iter()
            .map(|(k, v)| {
                aws_sdk_elasticache::types::Tag::builder()
                    .key(k)
                    .value(v)
                    .build()
            })
            .collect()
    })
}

async fn tags_for(cx: &Cx<'_>, arn: &str) -> Value {
    match cx
        .c
        .elasticache
        .list_tags_for_resource()
        .resource_name(arn)
        .send()
        .await
    {
        Ok(o) => crate::util::smap(&crate::util::tag_map(
            o.tag_list().iter().map(|t| (t.key(), t.value())),
        )),
        Err(_) => crate::util::smap(&BTreeMap::new()),
    }
}

async fn update_tags(cx: &Cx<'_>, arn: &str, prior: &Obj, p: &Obj) -> Res<()> {
    let (set, remove) = crate::util::tag_diff(&prior.smap("tags_all"), &p.smap("tags_all"));
    if !remove.is_empty() {
        cx.c.elasticache
            .remove_tags_from_resource()
            .resource_name(arn)
            .set_tag_keys(Some(remove))
            .send()
            .await
            .map_err(ae("ElastiCache RemoveTagsFromResource"))?;
    }
    if !set.is_empty() {
        cx.c.elasticache
            .add_tags_to_resource()
            .resource_name(arn)
            .set_tags(ec_tags(&set))
            .send()
            .await
            .map_err(ae("ElastiCache AddTagsToResource"))?;
    }
    Ok(())
}

// ===================================================================== subnet group

/// `aws_elasticache_subnet_group`
pub struct CacheSubnetGroup;

#[async_trait::async_trait]
impl Resource for CacheSubnetGroup {
    fn schema(&self) -> Schema {
        with_tags(
            Schema::new()
                .attr("id", comp(S))
                .attr("arn", comp(S))
                .attr("name", req(S).force_new())
                .attr("description", opt(S).default("Managed by Terraform"))
                .attr("subnet_ids", req(sset_t()))
                .attr("vpc_id", comp(S)),
        )
    }

    fn customize_plan(&self, _prior: Option<&Obj>, planned: &mut Obj, _replacing: bool) {
        if let Some(n) = planned.s("name") {
            planned.insert("name".into(), Value::string(n.to_lowercase()));
        }
    }

    async fn create(&self, cx: &Cx<'_>, p: &Obj) -> Result<Obj, Fail> {
        let name = p.s_or_empty("name").to_lowercase();
        cx.c.elasticache
            .create_cache_subnet_group()
            .cache_subnet_group_name(&name)
            .cache_subnet_group_description(
                p.s_nonempty("description")
                    .unwrap_or_else(|| "Managed by Terraform".into()),
            )
            .set_subnet_ids(Some(p.strs("subnet_ids")))
            .set_tags(ec_tags(&p.smap("tags_all")))
            .send()
            .await
            .map_err(|e| {
                Fail::from(
                    Error::from(ae("ElastiCache CreateCacheSubnetGroup")(e))
                        .diag("aws_elasticache_subnet_group"),
                )
            })?;
        Ok(Obj::from([("id".to_string(), Value::string(&name))]))
    }

    async fn read(&self, cx: &Cx<'_>, s: &Obj) -> Res<Option<Obj>> {
        let name = s.s_or_empty("id");
        let out = match cx
            .c
            .elasticache
            .describe_cache_subnet_groups()
            .cache_subnet_group_name(&name)
            .send()
            .await
        {
            Ok(o) => o,
            Err(e) => {
                let e = ae("ElastiCache DescribeCacheSubnetGroups")(e);
                if e.is_not_found() {
                    return Ok(None);
                }
                return Err(e.into());
            }
        };
        let Some(g) = out.cache_subnet_groups().first() else {
            return Ok(None);
        };
        let arn = g
            .arn()
            .map(str::to_string)
            .unwrap_or_else(|| cx.c.arn("elasticache", &format!("subnetgroup:{name}")));
        Ok(Some(Obj::from([
            ("id".into(), Value::string(&name)),
            ("name".into(), Value::string(&name)),
            ("arn".into(), Value::string(&arn)),
            (
                "description".into(),
                Value::string(g.cache_subnet_group_description().unwrap_or_default()),
            ),
            (
                "subnet_ids".into(),
                sset(
                    g.subnets()
                        .iter()
                        .filter_map(|s| s.subnet_identifier().map(str::to_string)),
                ),
            ),
            (
                "vpc_id".into(),
                Value::string(g.vpc_id().unwrap_or_default()),
            ),
            ("tags_all".into(), tags_for(cx, &arn).await),
        ])))
    }

    async fn update(&self, cx: &Cx<'_>, prior: &Obj, p: &Obj) -> Result<Obj, Fail> {
        let wrap =
            |e: Error| Fail::with_partial(prior.clone(), e.diag("aws_elasticache_subnet_group"));
        if prior.strs("subnet_ids") != p.strs("subnet_ids")
            || prior.s("description") != p.s("description")
        {
            cx.c.elasticache
                .modify_cache_subnet_group()
                .cache_subnet_group_name(prior.s_or_empty("id"))
                .set_cache_subnet_group_description(p.s("description"))
                .set_subnet_ids(Some(p.strs("subnet_ids")))
                .send()
                .await
                .map_err(|e| wrap(ae("ElastiCache ModifyCacheSubnetGroup")(e).into()))?;
        }
        update_tags(cx, &prior.s_or_empty("arn"), prior, p)
            .await
            .map_err(wrap)?;
        Ok(Obj::new())
    }

    async fn delete(&self, cx: &Cx<'_>, prior: &Obj) -> Res<()> {
        crate::util::retry_codes(
            cx.op,
            &cx.c.timing,
            &["DependencyViolation", "CacheSubnetGroupInUse"],
            None,
            "deleting cache subnet group",
            || async {
                cx.c.elasticache
                    .delete_cache_subnet_group()
                    .cache_subnet_group_name(prior.s_or_empty("id"))
                    .send()
                    .await
                    .map_err(ae("ElastiCache DeleteCacheSubnetGroup"))
            },
        )
        .await?;
        Ok(())
    }
}

// ===================================================================== replication group

/// `aws_elasticache_replication_group`
pub struct ReplicationGroup;

const RG_TYPICAL: Duration = Duration::from_secs(15 * 60);

async fn describe_rg(
    cx: &Cx<'_>,
    id: &str,
) -> Res<Option<aws_sdk_elasticache::types::ReplicationGroup>> {
    match cx
        .c
        .elasticache
        .describe_replication_groups()
        .replication_group_id(id)
        .send()
        .await
    {
        Ok(o) => Ok(o
            .replication_groups()
            .iter()
            .find(|g| g.replication_group_id() == Some(id))
            // a group being deleted is gone (moto keeps it in "deleting" forever)
            .filter(|g| g.status() != Some("deleting"))
            .cloned()),
        Err(e) => {
            let e = ae("ElastiCache DescribeReplicationGroups")(e);
            if e.is_not_found() {
                Ok(None)
            } else {
                Err(e.into())
            }
        }
    }
}

async fn rg_obj(cx: &Cx<'_>, g: &aws_sdk_elasticache::types::ReplicationGroup, prior: &Obj) -> Obj {
    let id = g.replication_group_id().unwrap_or_default().to_string();
    let ng = g.node_groups().first();
    let primary = ng.and_then(|n| n.primary_endpoint());
    let arn = g
        .arn()
        .map(str::to_string)
        .unwrap_or_else(|| cx.c.arn("elasticache", &format!("replicationgroup:{id}")));
    let mut o = Obj::from([
        ("id".into(), Value::string(&id)),
        ("replication_group_id".into(), Value::string(&id)),
        ("arn".into(), Value::string(&arn)),
        (
            "description".into(),
            Value::string(g.description().unwrap_or_default()),
        ),
        (
            "node_type".into(),
            Value::string(g.cache_node_type().unwrap_or_default()),
        ),
        (
            "member_clusters".into(),
            sset(g.member_clusters().iter().cloned()),
        ),
        (
            "num_cache_clusters".into(),
            Value::int(g.member_clusters().len() as i64),
        ),
        (
            "automatic_failover_enabled".into(),
            Value::bool(
                g.automatic_failover()
                    .is_some_and(|a| matches!(a.as_str(), "enabled" | "enabling")),
            ),
        ),
        (
            "multi_az_enabled".into(),
            Value::bool(g.multi_az().is_some_and(|a| a.as_str() == "enabled")),
        ),
        (
            "at_rest_encryption_enabled".into(),
            Value::bool(g.at_rest_encryption_enabled().unwrap_or(false)),
        ),
        (
            "transit_encryption_enabled".into(),
            Value::bool(g.transit_encryption_enabled().unwrap_or(false)),
        ),
        ("kms_key_id".into(), sopt(g.kms_key_id())),
        (
            "cluster_enabled".into(),
            Value::bool(g.cluster_enabled().unwrap_or(false)),
        ),
        (
            "snapshot_retention_limit".into(),
            Value::int(g.snapshot_retention_limit().unwrap_or(0) as i64),
        ),
        (
            "snapshot_window".into(),
            Value::string(g.snapshot_window().unwrap_or_default()),
        ),
        (
            "primary_endpoint_address".into(),
            Value::string(primary.and_then(|e| e.address()).unwrap_or_default()),
        ),
        (
            "reader_endpoint_address".into(),
            Value::string(
                ng.and_then(|n| n.reader_endpoint())
                    .and_then(|e| e.address())
                    .unwrap_or_default(),
            ),
        ),
        (
            "configuration_endpoint_address".into(),
            sopt(g.configuration_endpoint().and_then(|e| e.address())),
        ),
        (
            "engine".into(),
            Value::string(g.engine().unwrap_or("redis")),
        ),
        (
            "auto_minor_version_upgrade".into(),
            Value::bool(g.auto_minor_version_upgrade().unwrap_or(true)),
        ),
        ("tags_all".into(), tags_for(cx, &arn).await),
    ]);
    if let Some(p) = primary.and_then(|e| e.port()) {
        o.insert("port".into(), Value::int(p as i64));
    }
    // the settings of the member clusters
    if let Some(first) = g.member_clusters().first() {
        if let Ok(out) =
            cx.c.elasticache
                .describe_cache_clusters()
                .cache_cluster_id(first)
                .send()
                .await
        {
            if let Some(c) = out.cache_clusters().first() {
                let actual = c.engine_version().unwrap_or_default().to_string();
                let version = match prior.s("engine_version") {
                    Some(p)
                        if actual == p
                            || actual.starts_with(&format!("{p}."))
                            || (p.ends_with(".x")
                                && actual.starts_with(p.trim_end_matches('x'))) =>
                    {
                        p
                    }
                    _ => actual.clone(),
                };
                o.insert("engine_version".into(), Value::string(version));
                o.insert("engine_version_actual".into(), Value::string(actual));
                if let Some(pg) = c
                    .cache_parameter_group()
                    .and_then(|p| p.cache_parameter_group_name())
                {
                    o.insert("parameter_group_name".into(), Value::string(pg));
                }
                if let Some(sg) = c.cache_subnet_group_name() {
                    o.insert("subnet_group_name".into(), Value::string(sg));
                }
                o.insert(
                    "security_group_ids".into(),
                    sset(
                        c.security_groups()
                            .iter()
                            .filter_map(|s| s.security_group_id().map(str::to_string)),
                    ),
                );
                if let Some(w) = c.preferred_maintenance_window() {
                    o.insert("maintenance_window".into(), Value::string(w.to_lowercase()));
                }
            }
        }
    }
    o
}

async fn wait_rg(cx: &Cx<'_>, id: &str) -> Res<()> {
    wait_for(
        cx.op,
        &cx.c.timing,
        &format!("aws_elasticache_replication_group {id}"),
        "status available",
        Some(RG_TYPICAL),
        Duration::from_secs(30),
        Duration::from_secs(10),
        || async {
            Ok(match describe_rg(cx, id).await? {
                None => Poll::Pending("not visible yet".into()),
                Some(g) => match g.status().unwrap_or_default() {
                    "available" => Poll::Done(()),
                    "create-failed" => {
                        return Err(err(
                            "Replication group failed",
                            format!("replication group {id}: create-failed"),
                        ))
                    }
                    s => Poll::Pending(s.to_string()),
                },
            })
        },
    )
    .await
}

#[async_trait::async_trait]
impl Resource for ReplicationGroup {
    fn schema(&self) -> Schema {
        with_timeouts(
            with_tags(
                Schema::new()
                    .attr("id", comp(S))
                    .attr("arn", comp(S))
                    .attr("replication_group_id", req(S).force_new())
                    .attr("description", req(S))
                    .attr("node_type", oc(S))
                    .attr("num_cache_clusters", oc(N))
                    .attr("engine", opt(S).default("redis").force_new())
                    .attr("engine_version", oc(S))
                    .attr("engine_version_actual", comp(S))
                    .attr("parameter_group_name", oc(S))
                    .attr("port", oc(N).force_new())
                    .attr("subnet_group_name", oc(S).force_new())
                    .attr("security_group_ids", oc(sset_t()))
                    .attr("automatic_failover_enabled", opt(B).default(false))
                    .attr("multi_az_enabled", opt(B).default(false))
                    .attr("at_rest_encryption_enabled", oc(B).force_new())
                    .attr("transit_encryption_enabled", oc(B).force_new())
                    .attr("auth_token", opt(S).sensitive())
                    .attr("kms_key_id", opt(S).force_new())
                    .attr("snapshot_retention_limit", opt(N))
                    .attr("snapshot_window", oc(S))
                    .attr("maintenance_window", oc(S))
                    .attr("apply_immediately", oc(B))
                    .attr("auto_minor_version_upgrade", oc(B))
                    .attr("notification_topic_arn", opt(S))
                    .attr("cluster_enabled", comp(B))
                    .attr("member_clusters", comp(sset_t()))
                    .attr("primary_endpoint_address", comp(S))
                    .attr("reader_endpoint_address", comp(S))
                    .attr("configuration_endpoint_address", comp(S)),
            ),
            &["create", "update", "delete"],
        )
    }

    fn customize_plan(&self, prior: Option<&Obj>, planned: &mut Obj, replacing: bool) {
        if let Some(n) = planned.s("replication_group_id") {
            planned.insert(
                "replication_group_id".into(),
                Value::string(n.to_lowercase()),
            );
        }
        if let Some(w) = planned.s("maintenance_window") {
            planned.insert("maintenance_window".into(), Value::string(w.to_lowercase()));
        }
        if let Some(p) = prior {
            if !replacing && p.i("num_cache_clusters") != planned.i("num_cache_clusters") {
                planned.insert("member_clusters".into(), Value::unknown(sset_t()));
                planned.insert("reader_endpoint_address".into(), Value::unknown(S));
            }
            if let Some(new) = planned.s("engine_version") {
                if p.s("engine_version").as_deref() != Some(new.as_str()) {
                    planned.insert("engine_version_actual".into(), Value::unknown(S));
                }
            }
        }
    }

    async fn create(&self, cx: &Cx<'_>, p: &Obj) -> Result<Obj, Fail> {
        let id = p.s_or_empty("replication_group_id").to_lowercase();
        cx.c.elasticache
            .create_replication_group()
            .replication_group_id(&id)
            .replication_group_description(p.s_or_empty("description"))
            .set_cache_node_type(p.s_nonempty("node_type"))
            .set_num_cache_clusters(p.i("num_cache_clusters").map(|n| n as i32))
            .set_engine(p.s_nonempty("engine"))
            .set_engine_version(p.s_nonempty("engine_version"))
            .set_cache_parameter_group_name(p.s_nonempty("parameter_group_name"))
            .set_port(p.i("port").map(|n| n as i32))
            .set_cache_subnet_group_name(p.s_nonempty("subnet_group_name"))
            .set_security_group_ids(Some(p.strs("security_group_ids")).filter(|v| !v.is_empty()))
            .set_automatic_failover_enabled(p.b("automatic_failover_enabled"))
            .set_multi_az_enabled(p.b("multi_az_enabled"))
            .set_at_rest_encryption_enabled(p.b("at_rest_encryption_enabled"))
            .set_transit_encryption_enabled(p.b("transit_encryption_enabled"))
            .set_auth_token(p.s_nonempty("auth_token"))
            .set_kms_key_id(p.s_nonempty("kms_key_id"))
            .set_snapshot_retention_limit(p.i("snapshot_retention_limit").map(|n| n as i32))
            .set_snapshot_window(p.s_nonempty("snapshot_window"))
            .set_preferred_maintenance_window(p.s_nonempty("maintenance_window"))
            .set_auto_minor_version_upgrade(p.b("auto_minor_version_upgrade"))
            .set_notification_topic_arn(p.s_nonempty("notification_topic_arn"))
            .set_tags(ec_tags(&p.smap("tags_all")))
            .send()
            .await
            .map_err(|e| {
                Fail::from(
                    Error::from(ae("ElastiCache CreateReplicationGroup")(e))
                        .diag("aws_elasticache_replication_group"),
                )
            })?;
        let partial = Obj::from([("id".to_string(), Value::string(&id))]);
        cx.op.report(
            format!("aws_elasticache_replication_group {id}: creating"),
            Some(RG_TYPICAL),
        );
        wait_rg(cx, &id).await.map_err(|e| {
            Fail::with_partial(partial.clone(), e.diag("aws_elasticache_replication_group"))
        })?;
        Ok(partial)
    }

    async fn read(&self, cx: &Cx<'_>, s: &Obj) -> Res<Option<Obj>> {
        let id = s.s_or_empty("id");
        match describe_rg(cx, &id).await? {
            Some(g) => Ok(Some(rg_obj(cx, &g, s).await)),
            None => Ok(None),
        }
    }

    async fn update(&self, cx: &Cx<'_>, prior: &Obj, p: &Obj) -> Result<Obj, Fail> {
        let id = prior.s_or_empty("id");
        let wrap = |e: Error| {
            Fail::with_partial(prior.clone(), e.diag("aws_elasticache_replication_group"))
        };
        let ch = |k: &str| !prior.v(k).raw_equal(&p.v(k)) && p.get(k).is_some_and(|v| !v.is_null());
        let mut call =
            cx.c.elasticache
                .modify_replication_group()
                .replication_group_id(&id)
                .apply_immediately(p.b("apply_immediately").unwrap_or(false));
        let mut any = false;
        macro_rules! m {
            ($k:literal, $setter:ident, $val:expr) => {
                if ch($k) {
                    call = call.$setter($val);
                    any = true;
                }
            };
        }
        m!(
            "description",
            replication_group_description,
            p.s_or_empty("description")
        );
        m!("node_type", cache_node_type, p.s_or_empty("node_type"));
        m!(
            "engine_version",
            engine_version,
            p.s_or_empty("engine_version")
        );
        m!(
            "parameter_group_name",
            cache_parameter_group_name,
            p.s_or_empty("parameter_group_name")
        );
        m!(
            "security_group_ids",
            set_security_group_ids,
            Some(p.strs("security_group_ids"))
        );
        m!(
            "automatic_failover_enabled",
            automatic_failover_enabled,
            p.b("automatic_failover_enabled").unwrap_or(false)
        );
        m!(
            "multi_az_enabled",
            multi_az_enabled,
            p.b("multi_az_enabled").unwrap_or(false)
        );
        m!(
            "snapshot_retention_limit",
            snapshot_retention_limit,
            p.i("snapshot_retention_limit").unwrap_or(0) as i32
        );
        m!(
            "snapshot_window",
            snapshot_window,
            p.s_or_empty("snapshot_window")
        );
        m!(
            "maintenance_window",
            preferred_maintenance_window,
            p.s_or_empty("maintenance_window")
        );
        m!(
            "auto_minor_version_upgrade",
            auto_minor_version_upgrade,
            p.b("auto_minor_version_upgrade").unwrap_or(true)
        );
        m!(
            "notification_topic_arn",
            notification_topic_arn,
            p.s_or_empty("notification_topic_arn")
        );
        if any {
            call.send()
                .await
                .map_err(|e| wrap(ae("ElastiCache ModifyReplicationGroup")(e).into()))?;
            wait_rg(cx, &id).await.map_err(wrap)?;
        }
        if let (Some(old), Some(new)) = (prior.i("num_cache_clusters"), p.i("num_cache_clusters")) {
            if new > old {
                cx.c.elasticache
                    .increase_replica_count()
                    .replication_group_id(&id)
                    .new_replica_count((new - 1) as i32)
                    .apply_immediately(true)
                    .send()
                    .await
                    .map_err(|e| wrap(ae("ElastiCache IncreaseReplicaCount")(e).into()))?;
                wait_rg(cx, &id).await.map_err(wrap)?;
            } else if new < old {
                cx.c.elasticache
                    .decrease_replica_count()
                    .replication_group_id(&id)
                    .new_replica_count((new - 1) as i32)
                    .apply_immediately(true)
                    .send()
                    .await
                    .map_err(|e| wrap(ae("ElastiCache DecreaseReplicaCount")(e).into()))?;
                wait_rg(cx, &id).await.map_err(wrap)?;
            }
        }
        update_tags(cx, &prior.s_or_empty("arn"), prior, p)
            .await
            .map_err(wrap)?;
        Ok(Obj::new())
    }

    async fn delete(&self, cx: &Cx<'_>, prior: &Obj) -> Res<()> {
        let id = prior.s_or_empty("id");
        let r =
            cx.c.elasticache
                .delete_replication_group()
                .replication_group_id(&id)
                .send()
                .await;
        if let Err(e) = r {
            let e = ae("ElastiCache DeleteReplicationGroup")(e);
            if e.is_not_found() {
                return Ok(());
            }
            return Err(e.into());
        }
        cx.op.report(
            format!("aws_elasticache_replication_group {id}: deleting"),
            Some(RG_TYPICAL),
        );
        wait_for(
            cx.op,
            &cx.c.timing,
            &format!("aws_elasticache_replication_group {id}"),
            "deletion",
            Some(RG_TYPICAL),
            Duration::from_secs(30),
            Duration::from_secs(10),
            || async {
                Ok(match describe_rg(cx, &id).await? {
                    None => Poll::Done(()),
                    Some(g) => Poll::Pending(g.status().unwrap_or("deleting").to_string()),
                })
            },
        )
        .await
    }
}
