//! aws_db_subnet_group and aws_db_instance.

use crate::ec2::{comp, oc, opt, req, sset_t, with_tags, with_timeouts, B, N, S};
use crate::resource::{Cx, Resource};
use crate::util::{ae, err, iopt, sopt, sset, wait_for, Error, Fail, Obj, ObjExt, Poll, Res};
use girder_core::Value;
use girder_provider::schema::Schema;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// The RDS resource types.
pub fn resources() -> Vec<(&'static str, Arc<dyn Resource>)> {
    vec![
        (
            "aws_db_subnet_group",
            Arc::new(DbSubnetGroup) as Arc<dyn Resource>,
        ),
        ("aws_db_instance", Arc::new(DbInstance)),
    ]
}

fn rds_tags(tags: &BTreeMap<String, String>) -> Option<Vec<aws_sdk_rds::types::Tag>> {
    (!tags.is_empty()).then(|| {
        tags.iter()
            .map(|(k, v)| aws_sdk_rds::types::Tag::builder().key(k).value(v).build())
            .collect()
    })
}

fn tags_of(t: &[aws_sdk_rds::types::Tag]) -> Value {
    crate::util::smap(&crate::util::tag_map(
        t.iter().map(|t| (t.key(), t.value())),
    ))
}

async fn update_rds_tags(cx: &Cx<'_>, arn: &str, prior: &Obj, p: &Obj) -> Res<()> {
    let (set, remove) = crate::util::tag_diff(&prior.smap("tags_all"), &p.smap("tags_all"));
    if !remove.is_empty() {
        cx.c.rds
            .remove_tags_from_resource()
            .resource_name(arn)
            .set_tag_keys(Some(remove))
            .send()
            .await
            .map_err(ae("RDS RemoveTagsFromResource"))?;
    }
    if !set.is_empty() {
        cx.c.rds
            .add_tags_to_resource()
            .resource_name(arn)
            .set_tags(rds_tags(&set))
            .send()
            .await
            .map_err(ae("RDS AddTagsToResource"))?;
    }
    Ok(())
}

async fn tags_for(cx: &Cx<'_>, arn: &str) -> Res<Value> {
    let out =
        cx.c.rds
            .list_tags_for_resource()
            .resource_name(arn)
            .send()
            .await
            .map_err(ae("RDS ListTagsForResource"))?;
    Ok(tags_of(out.tag_list()))
}

// ===================================================================== aws_db_subnet_group

/// `aws_db_subnet_group`
pub struct DbSubnetGroup;

#[async_trait::async_trait]
impl Resource for DbSubnetGroup {
    fn schema(&self) -> Schema {
        with_tags(
            Schema::new()
                .attr("id", comp(S))
                .attr("arn", comp(S))
                .attr("name", oc(S).force_new())
                .attr("name_prefix", oc(S).force_new())
                .attr("description", opt(S).default("Managed by Terraform"))
                .attr("subnet_ids", req(sset_t()))
                .attr("supported_network_types", comp(sset_t()))
                .attr("vpc_id", comp(S)),
        )
    }

    fn customize_plan(&self, prior: Option<&Obj>, planned: &mut Obj, _replacing: bool) {
        if let Some(n) = planned.s("name") {
            planned.insert("name".into(), Value::string(n.to_lowercase()));
        } else if prior.is_none() {
            planned.insert("name".into(), Value::unknown(S));
        }
        if planned
            .get("name_prefix")
            .is_none_or(|v| v.is_null() || !v.is_known())
        {
            planned.insert("name_prefix".into(), Value::string(""));
        }
    }

    async fn create(&self, cx: &Cx<'_>, p: &Obj) -> Result<Obj, Fail> {
        let name = match (p.s_nonempty("name"), p.s_nonempty("name_prefix")) {
            (Some(n), _) => n,
            (None, Some(pre)) => crate::ec2::sg::unique_name(&pre),
            (None, None) => crate::ec2::sg::unique_name("terraform-"),
        }
        .to_lowercase();
        cx.c.rds
            .create_db_subnet_group()
            .db_subnet_group_name(&name)
            .db_subnet_group_description(
                p.s_nonempty("description")
                    .unwrap_or_else(|| "Managed by Terraform".into()),
            )
            .set_subnet_ids(Some(p.strs("subnet_ids")))
            .set_tags(rds_tags(&p.smap("tags_all")))
            .send()
            .await
            .map_err(|e| {
                Fail::from(
                    Error::from(ae("RDS CreateDBSubnetGroup")(e)).diag("aws_db_subnet_group"),
                )
            })?;
        Ok(Obj::from([
            ("id".to_string(), Value::string(&name)),
            ("name".to_string(), Value::string(&name)),
        ]))
    }

    async fn read(&self, cx: &Cx<'_>, s: &Obj) -> Res<Option<Obj>> {
        let name = s.s_or_empty("id");
        let out = match cx
            .c
            .rds
            .describe_db_subnet_groups()
            .db_subnet_group_name(&name)
            .send()
            .await
        {
            Ok(o) => o,
            Err(e) => {
                let e = ae("RDS DescribeDBSubnetGroups")(e);
                if e.is_not_found() {
                    return Ok(None);
                }
                return Err(e.into());
            }
        };
        let Some(g) = out.db_subnet_groups().first() else {
            return Ok(None);
        };
        let arn = g.db_subnet_group_arn().unwrap_or_default().to_string();
        let arn = if arn.is_empty() {
            cx.c.arn("rds", &format!("subgrp:{name}"))
        } else {
            arn
        };
        Ok(Some(Obj::from([
            ("id".into(), Value::string(&name)),
            (
                "name".into(),
                Value::string(g.db_subnet_group_name().unwrap_or(&name)),
            ),
            ("arn".into(), Value::string(&arn)),
            // "" unless the name was made from a prefix (as after create; import too).
            (
                "name_prefix".into(),
                Value::string(
                    s.s_nonempty("name_prefix")
                        .filter(|p| name.starts_with(p.as_str()))
                        .unwrap_or_default(),
                ),
            ),
            (
                "description".into(),
                Value::string(g.db_subnet_group_description().unwrap_or_default()),
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
                "supported_network_types".into(),
                sset(if g.supported_network_types().is_empty() {
                    vec!["IPV4".to_string()]
                } else {
                    g.supported_network_types().to_vec()
                }),
            ),
            (
                "vpc_id".into(),
                Value::string(g.vpc_id().unwrap_or_default()),
            ),
            (
                "tags_all".into(),
                tags_for(cx, &arn)
                    .await
                    .unwrap_or_else(|_| crate::util::smap(&BTreeMap::new())),
            ),
        ])))
    }

    async fn update(&self, cx: &Cx<'_>, prior: &Obj, p: &Obj) -> Result<Obj, Fail> {
        let wrap = |e: Error| Fail::with_partial(prior.clone(), e.diag("aws_db_subnet_group"));
        if prior.strs("subnet_ids") != p.strs("subnet_ids")
            || prior.s("description") != p.s("description")
        {
            cx.c.rds
                .modify_db_subnet_group()
                .db_subnet_group_name(prior.s_or_empty("id"))
                .set_db_subnet_group_description(p.s("description"))
                .set_subnet_ids(Some(p.strs("subnet_ids")))
                .send()
                .await
                .map_err(|e| wrap(ae("RDS ModifyDBSubnetGroup")(e).into()))?;
        }
        update_rds_tags(cx, &prior.s_or_empty("arn"), prior, p)
            .await
            .map_err(wrap)?;
        Ok(Obj::new())
    }

    async fn delete(&self, cx: &Cx<'_>, prior: &Obj) -> Res<()> {
        crate::util::retry_codes(
            cx.op,
            &cx.c.timing,
            &["InvalidDBSubnetGroupStateFault"],
            None,
            "deleting DB subnet group",
            || async {
                cx.c.rds
                    .delete_db_subnet_group()
                    .db_subnet_group_name(prior.s_or_empty("id"))
                    .send()
                    .await
                    .map_err(ae("RDS DeleteDBSubnetGroup"))
            },
        )
        .await?;
        Ok(())
    }
}

// ===================================================================== aws_db_instance

/// `aws_db_instance` (id = the DB instance identifier).
pub struct DbInstance;

const DB_TYPICAL: Duration = Duration::from_secs(10 * 60);

fn db_obj(cx: &Cx<'_>, d: &aws_sdk_rds::types::DbInstance, prior: &Obj) -> Obj {
    let ident = d.db_instance_identifier().unwrap_or_default().to_string();
    let ep = d.endpoint();
    let address = ep.and_then(|e| e.address()).unwrap_or_default().to_string();
    let port = ep
        .and_then(|e| e.port())
        .or(d.db_instance_port())
        .unwrap_or(0) as i64;
    let actual = d.engine_version().unwrap_or_default().to_string();
    // "15" configured, "15.4" running: not a change (as Terraform's provider)
    let version = match prior.s("engine_version") {
        Some(p) if !p.is_empty() && (actual == p || actual.starts_with(&format!("{p}."))) => p,
        _ => actual.clone(),
    };
    let arn = d
        .db_instance_arn()
        .map(str::to_string)
        .unwrap_or_else(|| cx.c.arn("rds", &format!("db:{ident}")));
    Obj::from([
        ("id".into(), Value::string(&ident)),
        ("identifier".into(), Value::string(&ident)),
        ("arn".into(), Value::string(arn)),
        ("address".into(), Value::string(&address)),
        (
            "endpoint".into(),
            Value::string(if address.is_empty() {
                String::new()
            } else {
                format!("{address}:{port}")
            }),
        ),
        (
            "hosted_zone_id".into(),
            Value::string(ep.and_then(|e| e.hosted_zone_id()).unwrap_or_default()),
        ),
        ("port".into(), Value::int(port)),
        (
            "engine".into(),
            Value::string(d.engine().unwrap_or_default()),
        ),
        ("engine_version".into(), Value::string(version)),
        ("engine_version_actual".into(), Value::string(actual)),
        (
            "instance_class".into(),
            Value::string(d.db_instance_class().unwrap_or_default()),
        ),
        (
            "allocated_storage".into(),
            Value::int(d.allocated_storage().unwrap_or(0) as i64),
        ),
        (
            "max_allocated_storage".into(),
            iopt(d.max_allocated_storage().map(i64::from).filter(|n| *n > 0)),
        ),
        (
            "storage_type".into(),
            Value::string(d.storage_type().unwrap_or("gp2")),
        ),
        (
            "storage_encrypted".into(),
            Value::bool(d.storage_encrypted().unwrap_or(false)),
        ),
        (
            "kms_key_id".into(),
            Value::string(d.kms_key_id().unwrap_or_default()),
        ),
        ("iops".into(), Value::int(d.iops().unwrap_or(0) as i64)),
        ("db_name".into(), sopt(d.db_name())),
        (
            "username".into(),
            Value::string(d.master_username().unwrap_or_default()),
        ),
        (
            "parameter_group_name".into(),
            Value::string(
                d.db_parameter_groups()
                    .first()
                    .and_then(|g| g.db_parameter_group_name())
                    .unwrap_or_default(),
            ),
        ),
        (
            "db_subnet_group_name".into(),
            Value::string(
                d.db_subnet_group()
                    .and_then(|g| g.db_subnet_group_name())
                    .unwrap_or_default(),
            ),
        ),
        (
            "vpc_security_group_ids".into(),
            sset(
                d.vpc_security_groups()
                    .iter()
                    .filter_map(|g| g.vpc_security_group_id().map(str::to_string)),
            ),
        ),
        (
            "availability_zone".into(),
            Value::string(d.availability_zone().unwrap_or_default()),
        ),
        (
            "multi_az".into(),
            Value::bool(d.multi_az().unwrap_or(false)),
        ),
        (
            "publicly_accessible".into(),
            Value::bool(d.publicly_accessible().unwrap_or(false)),
        ),
        (
            "backup_retention_period".into(),
            Value::int(d.backup_retention_period().unwrap_or(0) as i64),
        ),
        (
            "backup_window".into(),
            Value::string(d.preferred_backup_window().unwrap_or_default()),
        ),
        (
            "maintenance_window".into(),
            Value::string(
                d.preferred_maintenance_window()
                    .unwrap_or_default()
                    .to_lowercase(),
            ),
        ),
        (
            "deletion_protection".into(),
            Value::bool(d.deletion_protection().unwrap_or(false)),
        ),
        (
            "auto_minor_version_upgrade".into(),
            Value::bool(d.auto_minor_version_upgrade().unwrap_or(true)),
        ),
        (
            "copy_tags_to_snapshot".into(),
            Value::bool(d.copy_tags_to_snapshot().unwrap_or(false)),
        ),
        (
            "monitoring_interval".into(),
            Value::int(d.monitoring_interval().unwrap_or(0) as i64),
        ),
        (
            "monitoring_role_arn".into(),
            Value::string(d.monitoring_role_arn().unwrap_or_default()),
        ),
        (
            "performance_insights_enabled".into(),
            Value::bool(d.performance_insights_enabled().unwrap_or(false)),
        ),
        (
            "iam_database_authentication_enabled".into(),
            Value::bool(d.iam_database_authentication_enabled().unwrap_or(false)),
        ),
        (
            "license_model".into(),
            Value::string(d.license_model().unwrap_or_default()),
        ),
        (
            "ca_cert_identifier".into(),
            Value::string(d.ca_certificate_identifier().unwrap_or_default()),
        ),
        (
            "resource_id".into(),
            Value::string(d.dbi_resource_id().unwrap_or_default()),
        ),
        (
            "status".into(),
            Value::string(d.db_instance_status().unwrap_or_default()),
        ),
        ("tags_all".into(), tags_of(d.tag_list())),
    ])
}

async fn describe_db(cx: &Cx<'_>, ident: &str) -> Res<Option<aws_sdk_rds::types::DbInstance>> {
    match cx
        .c
        .rds
        .describe_db_instances()
        .db_instance_identifier(ident)
        .send()
        .await
    {
        Ok(o) => Ok(o
            .db_instances()
            .iter()
            .find(|d| d.db_instance_identifier() == Some(ident))
            .cloned()),
        Err(e) => {
            let e = ae("RDS DescribeDBInstances")(e);
            if e.is(&["DBInstanceNotFound", "DBInstanceNotFoundFault"]) {
                Ok(None)
            } else {
                Err(e.into())
            }
        }
    }
}

async fn wait_db(cx: &Cx<'_>, ident: &str, what: &str) -> Res<()> {
    wait_for(
        cx.op,
        &cx.c.timing,
        &format!("aws_db_instance {ident}"),
        what,
        Some(DB_TYPICAL),
        Duration::from_secs(30),
        Duration::from_secs(10),
        || async {
            Ok(match describe_db(cx, ident).await? {
                None => Poll::Pending("not visible yet".into()),
                Some(d) => match d.db_instance_status().unwrap_or_default() {
                    "available" | "storage-optimization" => Poll::Done(()),
                    s @ ("failed"
                    | "incompatible-parameters"
                    | "incompatible-restore"
                    | "storage-full") => {
                        return Err(err(
                            "DB instance failed",
                            format!("DB instance {ident} is {s}"),
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
impl Resource for DbInstance {
    fn schema(&self) -> Schema {
        with_timeouts(
            with_tags(
                Schema::new()
                    .attr("id", comp(S))
                    .attr("arn", comp(S))
                    .attr("identifier", oc(S))
                    .attr("identifier_prefix", oc(S).force_new())
                    .attr("engine", oc(S).force_new())
                    .attr("engine_version", oc(S))
                    .attr("engine_version_actual", comp(S))
                    .attr("instance_class", req(S))
                    .attr("allocated_storage", oc(N))
                    .attr("max_allocated_storage", opt(N))
                    .attr("storage_type", oc(S))
                    .attr("storage_encrypted", opt(B).default(false).force_new())
                    .attr("kms_key_id", oc(S).force_new())
                    .attr("iops", oc(N))
                    .attr("db_name", oc(S).force_new())
                    .attr("username", oc(S).force_new())
                    .attr("password", opt(S).sensitive())
                    .attr("port", oc(N))
                    .attr("parameter_group_name", oc(S))
                    .attr("db_subnet_group_name", oc(S))
                    .attr("vpc_security_group_ids", oc(sset_t()))
                    .attr("availability_zone", oc(S).force_new())
                    .attr("multi_az", oc(B))
                    .attr("publicly_accessible", opt(B).default(false))
                    .attr("backup_retention_period", oc(N))
                    .attr("backup_window", oc(S))
                    .attr("maintenance_window", oc(S))
                    .attr("deletion_protection", opt(B))
                    .attr("skip_final_snapshot", opt(B).default(false))
                    .attr("final_snapshot_identifier", opt(S))
                    .attr("apply_immediately", opt(B))
                    .attr("auto_minor_version_upgrade", opt(B).default(true))
                    .attr("copy_tags_to_snapshot", opt(B).default(false))
                    .attr("monitoring_interval", opt(N).default(0i64))
                    .attr("monitoring_role_arn", oc(S))
                    .attr("performance_insights_enabled", opt(B).default(false))
                    .attr("iam_database_authentication_enabled", opt(B))
                    .attr("license_model", oc(S))
                    .attr("ca_cert_identifier", oc(S))
                    .attr("address", comp(S))
                    .attr("endpoint", comp(S))
                    .attr("hosted_zone_id", comp(S))
                    .attr("resource_id", comp(S))
                    .attr("status", comp(S)),
            ),
            &["create", "update", "delete"],
        )
    }

    fn customize_plan(&self, prior: Option<&Obj>, planned: &mut Obj, _replacing: bool) {
        if let Some(w) = planned.s("maintenance_window") {
            planned.insert("maintenance_window".into(), Value::string(w.to_lowercase()));
        }
        if let Some(i) = planned.s("identifier") {
            planned.insert("identifier".into(), Value::string(i.to_lowercase()));
        }
        if let Some(p) = prior {
            // the running version may be more precise than the configured one
            if let (Some(old), Some(new)) =
                (p.s("engine_version_actual"), planned.s("engine_version"))
            {
                if old == new || old.starts_with(&format!("{new}.")) {
                    if let Some(v) = p.s("engine_version") {
                        if v == new {
                            planned.insert("engine_version".into(), Value::string(v));
                        }
                    }
                } else {
                    planned.insert("engine_version_actual".into(), Value::unknown(S));
                }
            }
            // modifications can move endpoints and status
            let changed = [
                "instance_class",
                "allocated_storage",
                "engine_version",
                "port",
                "identifier",
            ]
            .iter()
            .any(|k| !p.v(k).raw_equal(&planned.v(k)));
            if changed {
                for k in ["status", "address", "endpoint"] {
                    planned.insert(k.into(), Value::unknown(S));
                }
            }
        }
    }

    async fn create(&self, cx: &Cx<'_>, p: &Obj) -> Result<Obj, Fail> {
        let ident = match (
            p.s_nonempty("identifier"),
            p.s_nonempty("identifier_prefix"),
        ) {
            (Some(i), _) => i,
            (None, Some(pre)) => crate::ec2::sg::unique_name(&pre),
            (None, None) => crate::ec2::sg::unique_name("terraform-"),
        }
        .to_lowercase();
        let call =
            cx.c.rds
                .create_db_instance()
                .db_instance_identifier(&ident)
                .db_instance_class(p.s_or_empty("instance_class"))
                .set_engine(p.s_nonempty("engine"))
                .set_engine_version(p.s_nonempty("engine_version"))
                .set_allocated_storage(p.i("allocated_storage").map(|n| n as i32))
                .set_max_allocated_storage(p.i("max_allocated_storage").map(|n| n as i32))
                .set_storage_type(p.s_nonempty("storage_type"))
                .set_storage_encrypted(p.b("storage_encrypted"))
                .set_kms_key_id(p.s_nonempty("kms_key_id"))
                .set_iops(p.i("iops").filter(|n| *n > 0).map(|n| n as i32))
                .set_db_name(p.s_nonempty("db_name"))
                .set_master_username(p.s_nonempty("username"))
                .set_master_user_password(p.s_nonempty("password"))
                .set_port(p.i("port").map(|n| n as i32))
                .set_db_parameter_group_name(p.s_nonempty("parameter_group_name"))
                .set_db_subnet_group_name(p.s_nonempty("db_subnet_group_name"))
                .set_vpc_security_group_ids(
                    Some(p.strs("vpc_security_group_ids")).filter(|v| !v.is_empty()),
                )
                .set_availability_zone(p.s_nonempty("availability_zone"))
                .set_multi_az(p.b("multi_az"))
                .set_publicly_accessible(p.b("publicly_accessible"))
                .set_backup_retention_period(p.i("backup_retention_period").map(|n| n as i32))
                .set_preferred_backup_window(p.s_nonempty("backup_window"))
                .set_preferred_maintenance_window(p.s_nonempty("maintenance_window"))
                .set_deletion_protection(p.b("deletion_protection"))
                .set_auto_minor_version_upgrade(p.b("auto_minor_version_upgrade"))
                .set_copy_tags_to_snapshot(p.b("copy_tags_to_snapshot"))
                .set_monitoring_interval(p.i("monitoring_interval").map(|n| n as i32))
                .set_monitoring_role_arn(p.s_nonempty("monitoring_role_arn"))
                .set_enable_performance_insights(p.b("performance_insights_enabled"))
                .set_enable_iam_database_authentication(p.b("iam_database_authentication_enabled"))
                .set_license_model(p.s_nonempty("license_model"))
                .set_ca_certificate_identifier(p.s_nonempty("ca_cert_identifier"))
                .set_tags(rds_tags(&p.smap("tags_all")));
        call.send().await.map_err(|e| {
            Fail::from(Error::from(ae("RDS CreateDBInstance")(e)).diag("aws_db_instance"))
        })?;
        let partial = Obj::from([
            ("id".to_string(), Value::string(&ident)),
            ("identifier".to_string(), Value::string(&ident)),
        ]);
        cx.op.report(
            format!("aws_db_instance {ident}: creating"),
            Some(DB_TYPICAL),
        );
        wait_db(cx, &ident, "status available")
            .await
            .map_err(|e| Fail::with_partial(partial.clone(), e.diag("aws_db_instance")))?;
        Ok(partial)
    }

    async fn read(&self, cx: &Cx<'_>, s: &Obj) -> Res<Option<Obj>> {
        let ident = s
            .s_nonempty("identifier")
            .unwrap_or_else(|| s.s_or_empty("id"));
        Ok(describe_db(cx, &ident).await?.map(|d| db_obj(cx, &d, s)))
    }

    /// One paginated listing for all instances, matched by identifier.
    async fn read_many(&self, cx: &Cx<'_>, states: &[Obj]) -> Vec<Res<Option<Obj>>> {
        if states.len() == 1 {
            return vec![self.read(cx, &states[0]).await];
        }
        let mut all: BTreeMap<String, aws_sdk_rds::types::DbInstance> = BTreeMap::new();
        let mut marker = None;
        loop {
            let out = match cx
                .c
                .rds
                .describe_db_instances()
                .set_marker(marker)
                .send()
                .await
            {
                Ok(o) => o,
                Err(e) => {
                    let d = Error::from(ae("RDS DescribeDBInstances")(e)).diag("reading");
                    return states.iter().map(|_| Err(Error::Diag(d.clone()))).collect();
                }
            };
            for d in out.db_instances() {
                if let Some(i) = d.db_instance_identifier() {
                    all.insert(i.to_string(), d.clone());
                }
            }
            marker = out.marker().filter(|m| !m.is_empty()).map(str::to_string);
            if marker.is_none() {
                break;
            }
        }
        states
            .iter()
            .map(|s| {
                let ident = s
                    .s_nonempty("identifier")
                    .unwrap_or_else(|| s.s_or_empty("id"));
                Ok(all.get(&ident).map(|d| db_obj(cx, d, s)))
            })
            .collect()
    }

    async fn update(&self, cx: &Cx<'_>, prior: &Obj, p: &Obj) -> Result<Obj, Fail> {
        let ident = prior.s_or_empty("id");
        let wrap = |e: Error| Fail::with_partial(prior.clone(), e.diag("aws_db_instance"));
        let ch = |k: &str| !prior.v(k).raw_equal(&p.v(k)) && p.get(k).is_some_and(|v| !v.is_null());
        let mut call =
            cx.c.rds
                .modify_db_instance()
                .db_instance_identifier(&ident)
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
            "identifier",
            new_db_instance_identifier,
            p.s_or_empty("identifier")
        );
        m!(
            "instance_class",
            db_instance_class,
            p.s_or_empty("instance_class")
        );
        m!(
            "allocated_storage",
            allocated_storage,
            p.i("allocated_storage").unwrap_or(0) as i32
        );
        m!(
            "max_allocated_storage",
            max_allocated_storage,
            p.i("max_allocated_storage").unwrap_or(0) as i32
        );
        m!("storage_type", storage_type, p.s_or_empty("storage_type"));
        m!("iops", iops, p.i("iops").unwrap_or(0) as i32);
        m!(
            "engine_version",
            engine_version,
            p.s_or_empty("engine_version")
        );
        m!("password", master_user_password, p.s_or_empty("password"));
        m!("port", db_port_number, p.i("port").unwrap_or(0) as i32);
        m!(
            "parameter_group_name",
            db_parameter_group_name,
            p.s_or_empty("parameter_group_name")
        );
        m!(
            "db_subnet_group_name",
            db_subnet_group_name,
            p.s_or_empty("db_subnet_group_name")
        );
        m!(
            "vpc_security_group_ids",
            set_vpc_security_group_ids,
            Some(p.strs("vpc_security_group_ids"))
        );
        m!("multi_az", multi_az, p.b("multi_az").unwrap_or(false));
        m!(
            "publicly_accessible",
            publicly_accessible,
            p.b("publicly_accessible").unwrap_or(false)
        );
        m!(
            "backup_retention_period",
            backup_retention_period,
            p.i("backup_retention_period").unwrap_or(0) as i32
        );
        m!(
            "backup_window",
            preferred_backup_window,
            p.s_or_empty("backup_window")
        );
        m!(
            "maintenance_window",
            preferred_maintenance_window,
            p.s_or_empty("maintenance_window")
        );
        m!(
            "deletion_protection",
            deletion_protection,
            p.b("deletion_protection").unwrap_or(false)
        );
        m!(
            "auto_minor_version_upgrade",
            auto_minor_version_upgrade,
            p.b("auto_minor_version_upgrade").unwrap_or(true)
        );
        m!(
            "copy_tags_to_snapshot",
            copy_tags_to_snapshot,
            p.b("copy_tags_to_snapshot").unwrap_or(false)
        );
        m!(
            "monitoring_interval",
            monitoring_interval,
            p.i("monitoring_interval").unwrap_or(0) as i32
        );
        m!(
            "monitoring_role_arn",
            monitoring_role_arn,
            p.s_or_empty("monitoring_role_arn")
        );
        m!(
            "performance_insights_enabled",
            enable_performance_insights,
            p.b("performance_insights_enabled").unwrap_or(false)
        );
        m!(
            "iam_database_authentication_enabled",
            enable_iam_database_authentication,
            p.b("iam_database_authentication_enabled").unwrap_or(false)
        );
        m!(
            "ca_cert_identifier",
            ca_certificate_identifier,
            p.s_or_empty("ca_cert_identifier")
        );
        if ch("engine_version") {
            call = call.allow_major_version_upgrade(true);
        }
        let new_ident = if ch("identifier") {
            p.s_or_empty("identifier")
        } else {
            ident.clone()
        };
        if any {
            call.send()
                .await
                .map_err(|e| wrap(ae("RDS ModifyDBInstance")(e).into()))?;
            cx.op.report(
                format!("aws_db_instance {ident}: modifying"),
                Some(DB_TYPICAL),
            );
            wait_db(cx, &new_ident, "status available")
                .await
                .map_err(wrap)?;
        }
        update_rds_tags(cx, &prior.s_or_empty("arn"), prior, p)
            .await
            .map_err(wrap)?;
        Ok(Obj::from([("id".to_string(), Value::string(&new_ident))]))
    }

    async fn delete(&self, cx: &Cx<'_>, prior: &Obj) -> Res<()> {
        let ident = prior.s_or_empty("id");
        let skip = prior.b("skip_final_snapshot") == Some(true);
        let snap = prior.s_nonempty("final_snapshot_identifier");
        if !skip && snap.is_none() {
            return Err(Error::Diag(
                girder_core::Diagnostic::error(
                    "DB Instance FinalSnapshotIdentifier is required when a final snapshot is required",
                    format!("Deleting aws_db_instance {ident} takes a final snapshot (skip_final_snapshot = false), but final_snapshot_identifier is not set."),
                )
                .with_help("Set final_snapshot_identifier, or skip_final_snapshot = true, and apply before destroying."),
            ));
        }
        let r =
            cx.c.rds
                .delete_db_instance()
                .db_instance_identifier(&ident)
                .skip_final_snapshot(skip)
                .set_final_db_snapshot_identifier(if skip { None } else { snap })
                .send()
                .await;
        if let Err(e) = r {
            let e = ae("RDS DeleteDBInstance")(e);
            if e.is(&["DBInstanceNotFound", "DBInstanceNotFoundFault"]) {
                return Ok(());
            }
            return Err(e.into());
        }
        cx.op.report(
            format!("aws_db_instance {ident}: deleting"),
            Some(DB_TYPICAL),
        );
        wait_for(
            cx.op,
            &cx.c.timing,
            &format!("aws_db_instance {ident}"),
            "deletion",
            Some(DB_TYPICAL),
            Duration::from_secs(30),
            Duration::from_secs(10),
            || async {
                Ok(match describe_db(cx, &ident).await? {
                    None => Poll::Done(()),
                    Some(d) => {
                        Poll::Pending(d.db_instance_status().unwrap_or("deleting").to_string())
                    }
                })
            },
        )
        .await
    }
}
