//! aws_eks_cluster and aws_eks_node_group.

use crate::ec2::{comp, oc, opt, req, slist_t, sset_t, with_tags, with_timeouts, B, N, S};
use crate::resource::{Cx, Resource};
use crate::util::{
    ae, err, retry_codes, slist, smap, sset, wait_for, Error, Fail, Obj, ObjExt, Poll, Res,
};
use girder_core::value::{Path, PathStep};
use girder_core::{Type, Value};
use girder_provider::schema::{Nesting, Schema};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// The EKS resource types.
pub fn resources() -> Vec<(&'static str, Arc<dyn Resource>)> {
    vec![
        ("aws_eks_cluster", Arc::new(Cluster) as Arc<dyn Resource>),
        ("aws_eks_node_group", Arc::new(NodeGroup)),
    ]
}

const CLUSTER_TYPICAL: Duration = Duration::from_secs(9 * 60);
const NODEGROUP_TYPICAL: Duration = Duration::from_secs(4 * 60);

fn hash_tags(t: Option<&std::collections::HashMap<String, String>>) -> Value {
    smap(&crate::util::tag_map(
        t.into_iter()
            .flatten()
            .map(|(k, v)| (Some(k.as_str()), Some(v.as_str()))),
    ))
}

async fn update_eks_tags(cx: &Cx<'_>, arn: &str, prior: &Obj, p: &Obj) -> Res<()> {
    let (set, remove) = crate::util::tag_diff(&prior.smap("tags_all"), &p.smap("tags_all"));
    if !remove.is_empty() {
        cx.c.eks
            .untag_resource()
            .resource_arn(arn)
            .set_tag_keys(Some(remove))
            .send()
            .await
            .map_err(ae("EKS UntagResource"))?;
    }
    if !set.is_empty() {
        cx.c.eks
            .tag_resource()
            .resource_arn(arn)
            .set_tags(Some(set.into_iter().collect()))
            .send()
            .await
            .map_err(ae("EKS TagResource"))?;
    }
    Ok(())
}

/// Waits for an update (UpdateClusterConfig, UpdateClusterVersion, ...) to succeed.
async fn wait_update(
    cx: &Cx<'_>,
    cluster: &str,
    nodegroup: Option<&str>,
    id: &str,
    typical: Duration,
) -> Res<()> {
    wait_for(
        cx.op,
        &cx.c.timing,
        &format!("EKS update {id} of {cluster}"),
        "status Successful",
        Some(typical),
        Duration::from_secs(30),
        Duration::from_secs(10),
        || async {
            let out =
                cx.c.eks
                    .describe_update()
                    .name(cluster)
                    .update_id(id)
                    .set_nodegroup_name(nodegroup.map(str::to_string))
                    .send()
                    .await
                    .map_err(ae("EKS DescribeUpdate"))?;
            let u = out.update();
            Ok(match u.and_then(|u| u.status()).map(|s| s.as_str()) {
                Some("Successful") => Poll::Done(()),
                Some(s @ ("Failed" | "Cancelled")) => {
                    let why: Vec<String> = u
                        .map(|u| {
                            u.errors()
                                .iter()
                                .map(|e| e.error_message().unwrap_or_default().to_string())
                                .collect()
                        })
                        .unwrap_or_default();
                    return Err(err(
                        "EKS update failed",
                        format!("update {id}: {s}: {}", why.join("; ")),
                    ));
                }
                Some(s) => Poll::Pending(s.to_string()),
                None => Poll::Pending("unknown".into()),
            })
        },
    )
    .await
}

// ===================================================================== cluster

/// `aws_eks_cluster` (id = name).
pub struct Cluster;

fn vpc_config_schema() -> Schema {
    Schema::new()
        .attr("subnet_ids", req(sset_t()).force_new())
        .attr("security_group_ids", opt(sset_t()).force_new())
        .attr("endpoint_private_access", opt(B).default(false))
        .attr("endpoint_public_access", opt(B).default(true))
        .attr("public_access_cidrs", oc(sset_t()))
        .attr("cluster_security_group_id", comp(S))
        .attr("vpc_id", comp(S))
}

fn knc_schema() -> Schema {
    Schema::new()
        .attr("service_ipv4_cidr", oc(S).force_new())
        .attr("ip_family", oc(S).force_new())
        .attr("service_ipv6_cidr", comp(S))
}

fn encryption_schema() -> Schema {
    Schema::new().attr("resources", req(sset_t())).block(
        "provider",
        Nesting::List,
        Schema::new().attr("key_arn", req(S)),
        1,
        1,
    )
}

fn ca_type() -> Type {
    Type::list(Type::object(BTreeMap::from([("data".to_string(), S)])))
}

fn identity_type() -> Type {
    Type::list(Type::object(BTreeMap::from([(
        "oidc".to_string(),
        Type::list(Type::object(BTreeMap::from([("issuer".to_string(), S)]))),
    )])))
}

#[allow(deprecated)] // `resources` is still part of Terraform's schema
fn cluster_obj(c: &aws_sdk_eks::types::Cluster) -> Obj {
    let name = c.name().unwrap_or_default().to_string();
    let vpc = c.resources_vpc_config();
    let vpc_v = Value::object(
        BTreeMap::from([
            (
                "subnet_ids".to_string(),
                sset(vpc.map(|v| v.subnet_ids().to_vec()).unwrap_or_default()),
            ),
            (
                // optional, not computed: none is null (as an unset argument)
                "security_group_ids".to_string(),
                match vpc
                    .map(|v| v.security_group_ids().to_vec())
                    .unwrap_or_default()
                {
                    ids if ids.is_empty() => Value::null(sset_t()),
                    ids => sset(ids),
                },
            ),
            (
                "endpoint_private_access".to_string(),
                Value::bool(vpc.is_some_and(|v| v.endpoint_private_access())),
            ),
            (
                "endpoint_public_access".to_string(),
                Value::bool(vpc.is_none_or(|v| v.endpoint_public_access())),
            ),
            (
                "public_access_cidrs".to_string(),
                sset(
                    vpc.map(|v| v.public_access_cidrs().to_vec())
                        .filter(|c| !c.is_empty())
                        .unwrap_or_else(|| vec!["0.0.0.0/0".to_string()]),
                ),
            ),
            (
                "cluster_security_group_id".to_string(),
                Value::string(
                    vpc.and_then(|v| v.cluster_security_group_id())
                        .unwrap_or_default(),
                ),
            ),
            (
                "vpc_id".to_string(),
                Value::string(vpc.and_then(|v| v.vpc_id()).unwrap_or_default()),
            ),
        ])
        .into(),
    );
    let logs: Vec<String> = c
        .logging()
        .map(|l| {
            l.cluster_logging()
                .iter()
                .filter(|s| s.enabled() == Some(true))
                .flat_map(|s| s.types().iter().map(|t| t.as_str().to_string()))
                .collect()
        })
        .unwrap_or_default();
    let knc = c.kubernetes_network_config().map(|k| {
        Value::object(
            BTreeMap::from([
                (
                    "service_ipv4_cidr".to_string(),
                    Value::string(k.service_ipv4_cidr().unwrap_or_default()),
                ),
                (
                    "ip_family".to_string(),
                    Value::string(k.ip_family().map_or("ipv4", |f| f.as_str())),
                ),
                (
                    "service_ipv6_cidr".to_string(),
                    Value::string(k.service_ipv6_cidr().unwrap_or_default()),
                ),
            ])
            .into(),
        )
    });
    let enc: Vec<Value> = c
        .encryption_config()
        .iter()
        .map(|e| {
            Value::object(
                BTreeMap::from([
                    ("resources".to_string(), sset(e.resources().to_vec())),
                    (
                        "provider".to_string(),
                        Value::tuple(vec![Value::object(
                            BTreeMap::from([(
                                "key_arn".to_string(),
                                Value::string(
                                    e.provider().and_then(|p| p.key_arn()).unwrap_or_default(),
                                ),
                            )])
                            .into(),
                        )]),
                    ),
                ])
                .into(),
            )
        })
        .collect();
    let ca = Value::tuple(vec![Value::object(
        BTreeMap::from([(
            "data".to_string(),
            Value::string(
                c.certificate_authority()
                    .and_then(|a| a.data())
                    .unwrap_or_default(),
            ),
        )])
        .into(),
    )]);
    let identity = Value::tuple(vec![Value::object(
        BTreeMap::from([(
            "oidc".to_string(),
            Value::tuple(vec![Value::object(
                BTreeMap::from([(
                    "issuer".to_string(),
                    Value::string(
                        c.identity()
                            .and_then(|i| i.oidc())
                            .and_then(|o| o.issuer())
                            .unwrap_or_default(),
                    ),
                )])
                .into(),
            )]),
        )])
        .into(),
    )]);
    Obj::from([
        ("id".into(), Value::string(&name)),
        ("name".into(), Value::string(&name)),
        ("arn".into(), Value::string(c.arn().unwrap_or_default())),
        (
            "role_arn".into(),
            Value::string(c.role_arn().unwrap_or_default()),
        ),
        (
            "version".into(),
            Value::string(c.version().unwrap_or_default()),
        ),
        (
            "endpoint".into(),
            Value::string(c.endpoint().unwrap_or_default()),
        ),
        (
            "platform_version".into(),
            Value::string(c.platform_version().unwrap_or_default()),
        ),
        (
            "status".into(),
            Value::string(c.status().map_or("", |s| s.as_str())),
        ),
        (
            "created_at".into(),
            Value::string(
                c.created_at()
                    .and_then(|d| d.fmt(aws_smithy_types::date_time::Format::DateTime).ok())
                    .unwrap_or_default(),
            ),
        ),
        (
            "cluster_id".into(),
            Value::string(c.id().unwrap_or_default()),
        ),
        ("vpc_config".into(), Value::tuple(vec![vpc_v])),
        ("enabled_cluster_log_types".into(), sset(logs)),
        (
            "kubernetes_network_config".into(),
            Value::tuple(knc.into_iter().collect()),
        ),
        ("encryption_config".into(), Value::tuple(enc)),
        ("certificate_authority".into(), ca),
        ("identity".into(), identity),
        ("tags_all".into(), hash_tags(c.tags())),
    ])
}

async fn describe_cluster(cx: &Cx<'_>, name: &str) -> Res<Option<aws_sdk_eks::types::Cluster>> {
    match cx.c.eks.describe_cluster().name(name).send().await {
        Ok(o) => Ok(o.cluster().cloned()),
        Err(e) => {
            let e = ae("EKS DescribeCluster")(e);
            if e.is_not_found() {
                Ok(None)
            } else {
                Err(e.into())
            }
        }
    }
}

async fn wait_cluster(cx: &Cx<'_>, name: &str, gone: bool) -> Res<()> {
    wait_for(
        cx.op,
        &cx.c.timing,
        &format!("aws_eks_cluster {name}"),
        if gone { "deletion" } else { "status ACTIVE" },
        Some(CLUSTER_TYPICAL),
        Duration::from_secs(30),
        Duration::from_secs(10),
        || async {
            Ok(match describe_cluster(cx, name).await? {
                None if gone => Poll::Done(()),
                None => Poll::Pending("not visible yet".into()),
                Some(c) => match c.status().map_or("", |s| s.as_str()) {
                    "ACTIVE" if !gone => Poll::Done(()),
                    "FAILED" => {
                        return Err(err(
                            "EKS cluster failed",
                            format!("cluster {name} is FAILED"),
                        ))
                    }
                    s => Poll::Pending(s.to_string()),
                },
            })
        },
    )
    .await
}

fn vpc_request(v: &Obj) -> aws_sdk_eks::types::VpcConfigRequest {
    let cidrs = v.strs("public_access_cidrs");
    aws_sdk_eks::types::VpcConfigRequest::builder()
        .set_subnet_ids(Some(v.strs("subnet_ids")))
        .set_security_group_ids(Some(v.strs("security_group_ids")).filter(|s| !s.is_empty()))
        .set_endpoint_private_access(v.b("endpoint_private_access"))
        .set_endpoint_public_access(v.b("endpoint_public_access"))
        .set_public_access_cidrs((!cidrs.is_empty()).then_some(cidrs))
        .build()
}

fn logging_request(types: &[String], enabled: bool) -> aws_sdk_eks::types::Logging {
    aws_sdk_eks::types::Logging::builder()
        .cluster_logging(
            aws_sdk_eks::types::LogSetup::builder()
                .set_types(Some(
                    types
                        .iter()
                        .map(|t| aws_sdk_eks::types::LogType::from(t.as_str()))
                        .collect(),
                ))
                .enabled(enabled)
                .build(),
        )
        .build()
}

#[allow(deprecated)] // `resources` is still part of Terraform's schema
fn encryption_request(e: &Obj) -> aws_sdk_eks::types::EncryptionConfig {
    aws_sdk_eks::types::EncryptionConfig::builder()
        .set_resources(Some(e.strs("resources")))
        .provider(
            aws_sdk_eks::types::Provider::builder()
                .set_key_arn(e.block("provider").and_then(|p| p.s_nonempty("key_arn")))
                .build(),
        )
        .build()
}

#[async_trait::async_trait]
impl Resource for Cluster {
    fn schema(&self) -> Schema {
        with_timeouts(
            with_tags(
                Schema::new()
                    .attr("id", comp(S))
                    .attr("arn", comp(S))
                    .attr("name", req(S).force_new())
                    .attr("role_arn", req(S).force_new())
                    .attr("version", oc(S))
                    .attr("enabled_cluster_log_types", opt(sset_t()))
                    .attr("endpoint", comp(S))
                    .attr("platform_version", comp(S))
                    .attr("status", comp(S))
                    .attr("created_at", comp(S))
                    .attr("cluster_id", comp(S))
                    .attr("certificate_authority", comp(ca_type()))
                    .attr("identity", comp(identity_type()))
                    .block("vpc_config", Nesting::List, vpc_config_schema(), 1, 1)
                    .block(
                        "kubernetes_network_config",
                        Nesting::List,
                        knc_schema(),
                        0,
                        1,
                    )
                    .block(
                        "encryption_config",
                        Nesting::List,
                        encryption_schema(),
                        0,
                        1,
                    ),
            ),
            &["create", "update", "delete"],
        )
    }

    fn customize_plan(&self, prior: Option<&Obj>, planned: &mut Obj, replacing: bool) {
        // kubernetes_network_config is optional + computed: no block keeps what AWS chose
        let knc_t = Type::list(knc_schema().object_type());
        if planned
            .get("kubernetes_network_config")
            .is_some_and(|v| v.is_known() && (v.is_null() || v.is_empty()))
        {
            match prior {
                Some(p) if !replacing => {
                    planned.insert(
                        "kubernetes_network_config".into(),
                        p.v("kubernetes_network_config"),
                    );
                }
                _ => {
                    planned.insert("kubernetes_network_config".into(), Value::unknown(knc_t));
                }
            }
        }
        if planned
            .get("enabled_cluster_log_types")
            .is_some_and(|v| v.is_null())
        {
            if let Some(p) = prior {
                if p.get("enabled_cluster_log_types")
                    .is_some_and(|v| v.is_empty())
                {
                    planned.insert(
                        "enabled_cluster_log_types".into(),
                        p.v("enabled_cluster_log_types"),
                    );
                }
            }
        }
        if let Some(p) = prior {
            if !replacing && p.s("version") != planned.s("version") {
                planned.insert("platform_version".into(), Value::unknown(S));
            }
        }
    }

    /// Removing the encryption configuration replaces the cluster (adding it does not).
    fn extra_replace(&self, prior: &Obj, planned: &Obj) -> Vec<Path> {
        let had = !prior.blocks("encryption_config").is_empty();
        let has = planned
            .get("encryption_config")
            .is_none_or(|v| !v.is_known() || !v.is_empty());
        if had && !has {
            vec![Path(vec![PathStep::Attr("encryption_config".into())])]
        } else {
            Vec::new()
        }
    }

    async fn create(&self, cx: &Cx<'_>, p: &Obj) -> Result<Obj, Fail> {
        let name = p.s_or_empty("name");
        let vpc = p.block("vpc_config").unwrap_or_default();
        let mut call =
            cx.c.eks
                .create_cluster()
                .name(&name)
                .role_arn(p.s_or_empty("role_arn"))
                .set_version(p.s_nonempty("version"))
                .resources_vpc_config(vpc_request(&vpc))
                .set_tags(
                    Some(
                        p.smap("tags_all")
                            .into_iter()
                            .collect::<std::collections::HashMap<_, _>>(),
                    )
                    .filter(|t| !t.is_empty()),
                );
        let logs = p.strs("enabled_cluster_log_types");
        if !logs.is_empty() {
            call = call.logging(logging_request(&logs, true));
        }
        if let Some(e) = p.block("encryption_config") {
            call = call.encryption_config(encryption_request(&e));
        }
        if let Some(k) = p.block("kubernetes_network_config") {
            let mut b = aws_sdk_eks::types::KubernetesNetworkConfigRequest::builder()
                .set_service_ipv4_cidr(k.s_nonempty("service_ipv4_cidr"));
            if let Some(f) = k.s_nonempty("ip_family") {
                b = b.ip_family(aws_sdk_eks::types::IpFamily::from(f.as_str()));
            }
            call = call.kubernetes_network_config(b.build());
        }
        // IAM is eventually consistent: a fresh role "cannot be assumed" for a while
        retry_codes(
            cx.op,
            &cx.c.timing,
            &["InvalidParameterException"],
            Some(Duration::from_secs(120).min(cx.c.timing.consistency_timeout * 12)),
            "creating EKS cluster",
            || {
                let call = call.clone();
                async move { call.send().await.map_err(ae("EKS CreateCluster")) }
            },
        )
        .await
        .map_err(|e| Fail::from(e.diag("aws_eks_cluster")))?;
        let partial = Obj::from([("id".to_string(), Value::string(&name))]);
        cx.op.report(
            format!("aws_eks_cluster {name}: creating"),
            Some(CLUSTER_TYPICAL),
        );
        wait_cluster(cx, &name, false)
            .await
            .map_err(|e| Fail::with_partial(partial.clone(), e.diag("aws_eks_cluster")))?;
        Ok(partial)
    }

    async fn read(&self, cx: &Cx<'_>, s: &Obj) -> Res<Option<Obj>> {
        let name = s.s_nonempty("name").unwrap_or_else(|| s.s_or_empty("id"));
        Ok(describe_cluster(cx, &name).await?.map(|c| cluster_obj(&c)))
    }

    /// ListClusters once; only listed clusters are described.
    async fn read_many(&self, cx: &Cx<'_>, states: &[Obj]) -> Vec<Res<Option<Obj>>> {
        if states.len() == 1 {
            return vec![self.read(cx, &states[0]).await];
        }
        let mut names = std::collections::BTreeSet::new();
        let mut token = None;
        loop {
            let out = match cx.c.eks.list_clusters().set_next_token(token).send().await {
                Ok(o) => o,
                Err(e) => {
                    let d = Error::from(ae("EKS ListClusters")(e)).diag("reading");
                    return states.iter().map(|_| Err(Error::Diag(d.clone()))).collect();
                }
            };
            names.extend(out.clusters().iter().cloned());
            token = out.next_token().map(str::to_string);
            if token.is_none() {
                break;
            }
        }
        let mut res = Vec::new();
        for s in states {
            let name = s.s_nonempty("name").unwrap_or_else(|| s.s_or_empty("id"));
            res.push(if names.contains(&name) {
                self.read(cx, s).await
            } else {
                Ok(None)
            });
        }
        res
    }

    async fn update(&self, cx: &Cx<'_>, prior: &Obj, p: &Obj) -> Result<Obj, Fail> {
        let name = prior.s_or_empty("id");
        let wrap = |e: Error| Fail::with_partial(prior.clone(), e.diag("aws_eks_cluster"));
        if let Some(v) = p.s_nonempty("version") {
            if prior.s("version").as_deref() != Some(v.as_str()) {
                let out =
                    cx.c.eks
                        .update_cluster_version()
                        .name(&name)
                        .version(&v)
                        .send()
                        .await
                        .map_err(|e| wrap(ae("EKS UpdateClusterVersion")(e).into()))?;
                let id = out
                    .update()
                    .and_then(|u| u.id())
                    .unwrap_or_default()
                    .to_string();
                cx.op.report(
                    format!("aws_eks_cluster {name}: upgrading to {v}"),
                    Some(Duration::from_secs(30 * 60)),
                );
                wait_update(cx, &name, None, &id, Duration::from_secs(30 * 60))
                    .await
                    .map_err(wrap)?;
                wait_cluster(cx, &name, false).await.map_err(wrap)?;
            }
        }
        let (ov, nv) = (
            prior.block("vpc_config").unwrap_or_default(),
            p.block("vpc_config").unwrap_or_default(),
        );
        let endpoint_changed = [
            "endpoint_private_access",
            "endpoint_public_access",
            "public_access_cidrs",
        ]
        .iter()
        .any(|k| !ov.v(k).raw_equal(&nv.v(k)) && nv.known(k));
        if endpoint_changed {
            let cidrs = nv.strs("public_access_cidrs");
            let req = aws_sdk_eks::types::VpcConfigRequest::builder()
                .set_endpoint_private_access(nv.b("endpoint_private_access"))
                .set_endpoint_public_access(nv.b("endpoint_public_access"))
                .set_public_access_cidrs((!cidrs.is_empty()).then_some(cidrs))
                .build();
            let out =
                cx.c.eks
                    .update_cluster_config()
                    .name(&name)
                    .resources_vpc_config(req)
                    .send()
                    .await
                    .map_err(|e| wrap(ae("EKS UpdateClusterConfig")(e).into()))?;
            let id = out
                .update()
                .and_then(|u| u.id())
                .unwrap_or_default()
                .to_string();
            wait_update(cx, &name, None, &id, CLUSTER_TYPICAL)
                .await
                .map_err(wrap)?;
        }
        let (ol, nl) = (
            prior.strs("enabled_cluster_log_types"),
            p.strs("enabled_cluster_log_types"),
        );
        if ol != nl {
            let disable: Vec<String> = ol.iter().filter(|t| !nl.contains(t)).cloned().collect();
            let mut logging = aws_sdk_eks::types::Logging::builder();
            if !nl.is_empty() {
                logging = logging
                    .cluster_logging(logging_request(&nl, true).cluster_logging()[0].clone());
            }
            if !disable.is_empty() {
                logging = logging
                    .cluster_logging(logging_request(&disable, false).cluster_logging()[0].clone());
            }
            let out =
                cx.c.eks
                    .update_cluster_config()
                    .name(&name)
                    .logging(logging.build())
                    .send()
                    .await
                    .map_err(|e| wrap(ae("EKS UpdateClusterConfig")(e).into()))?;
            let id = out
                .update()
                .and_then(|u| u.id())
                .unwrap_or_default()
                .to_string();
            wait_update(cx, &name, None, &id, CLUSTER_TYPICAL)
                .await
                .map_err(wrap)?;
        }
        if prior.blocks("encryption_config").is_empty() {
            if let Some(e) = p.block("encryption_config") {
                let out =
                    cx.c.eks
                        .associate_encryption_config()
                        .cluster_name(&name)
                        .encryption_config(encryption_request(&e))
                        .send()
                        .await
                        .map_err(|e| wrap(ae("EKS AssociateEncryptionConfig")(e).into()))?;
                let id = out
                    .update()
                    .and_then(|u| u.id())
                    .unwrap_or_default()
                    .to_string();
                wait_update(cx, &name, None, &id, CLUSTER_TYPICAL)
                    .await
                    .map_err(wrap)?;
            }
        }
        update_eks_tags(cx, &prior.s_or_empty("arn"), prior, p)
            .await
            .map_err(wrap)?;
        Ok(Obj::new())
    }

    async fn delete(&self, cx: &Cx<'_>, prior: &Obj) -> Res<()> {
        let name = prior.s_or_empty("id");
        match cx.c.eks.delete_cluster().name(&name).send().await {
            Ok(_) => {}
            Err(e) => {
                let e = ae("EKS DeleteCluster")(e);
                if e.is_not_found() {
                    return Ok(());
                }
                let mut d = e.diag(&format!("deleting aws_eks_cluster {name}"));
                if e.is(&["ResourceInUseException"]) {
                    d = d.with_help("Node groups must be deleted before their cluster: destroy the aws_eks_node_group resources first (girder orders this by the references between them).");
                }
                return Err(Error::Diag(d));
            }
        }
        cx.op.report(
            format!("aws_eks_cluster {name}: deleting"),
            Some(CLUSTER_TYPICAL),
        );
        wait_cluster(cx, &name, true).await
    }
}

// ===================================================================== node group

/// `aws_eks_node_group` (id = `cluster_name:node_group_name`).
pub struct NodeGroup;

fn ng_obj(n: &aws_sdk_eks::types::Nodegroup) -> Obj {
    let cluster = n.cluster_name().unwrap_or_default();
    let name = n.nodegroup_name().unwrap_or_default();
    let sc = n.scaling_config();
    let scaling = Value::object(
        BTreeMap::from([
            (
                "desired_size".to_string(),
                Value::int(sc.and_then(|s| s.desired_size()).unwrap_or(0) as i64),
            ),
            (
                "max_size".to_string(),
                Value::int(sc.and_then(|s| s.max_size()).unwrap_or(0) as i64),
            ),
            (
                "min_size".to_string(),
                Value::int(sc.and_then(|s| s.min_size()).unwrap_or(0) as i64),
            ),
        ])
        .into(),
    );
    let uc: Vec<Value> = n
        .update_config()
        .map(|u| {
            Value::object(
                BTreeMap::from([
                    (
                        "max_unavailable".to_string(),
                        crate::util::iopt(u.max_unavailable().map(i64::from)),
                    ),
                    (
                        "max_unavailable_percentage".to_string(),
                        crate::util::iopt(u.max_unavailable_percentage().map(i64::from)),
                    ),
                ])
                .into(),
            )
        })
        .into_iter()
        .collect();
    let resources = Value::tuple(
        n.resources()
            .map(|r| {
                Value::object(
                    BTreeMap::from([
                        (
                            "autoscaling_groups".to_string(),
                            Value::tuple(
                                r.auto_scaling_groups()
                                    .iter()
                                    .map(|g| {
                                        Value::object(
                                            BTreeMap::from([(
                                                "name".to_string(),
                                                Value::string(g.name().unwrap_or_default()),
                                            )])
                                            .into(),
                                        )
                                    })
                                    .collect(),
                            ),
                        ),
                        (
                            "remote_access_security_group_id".to_string(),
                            Value::string(r.remote_access_security_group().unwrap_or_default()),
                        ),
                    ])
                    .into(),
                )
            })
            .into_iter()
            .collect(),
    );
    let labels: BTreeMap<String, String> = n
        .labels()
        .map(|l| l.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    Obj::from([
        ("id".into(), Value::string(format!("{cluster}:{name}"))),
        ("cluster_name".into(), Value::string(cluster)),
        ("node_group_name".into(), Value::string(name)),
        (
            "arn".into(),
            Value::string(n.nodegroup_arn().unwrap_or_default()),
        ),
        (
            "node_role_arn".into(),
            Value::string(n.node_role().unwrap_or_default()),
        ),
        ("subnet_ids".into(), sset(n.subnets().to_vec())),
        (
            "ami_type".into(),
            Value::string(n.ami_type().map_or("", |a| a.as_str())),
        ),
        (
            "capacity_type".into(),
            Value::string(n.capacity_type().map_or("ON_DEMAND", |c| c.as_str())),
        ),
        (
            "disk_size".into(),
            Value::int(n.disk_size().unwrap_or(20) as i64),
        ),
        ("instance_types".into(), slist(n.instance_types().to_vec())),
        ("labels".into(), smap(&labels)),
        (
            "release_version".into(),
            Value::string(n.release_version().unwrap_or_default()),
        ),
        (
            "version".into(),
            Value::string(n.version().unwrap_or_default()),
        ),
        (
            "status".into(),
            Value::string(n.status().map_or("", |s| s.as_str())),
        ),
        ("scaling_config".into(), Value::tuple(vec![scaling])),
        ("update_config".into(), Value::tuple(uc)),
        ("resources".into(), resources),
        ("tags_all".into(), hash_tags(n.tags())),
    ])
}

fn ng_ids(s: &Obj) -> (String, String) {
    match (
        s.s_nonempty("cluster_name"),
        s.s_nonempty("node_group_name"),
    ) {
        (Some(c), Some(n)) => (c, n),
        _ => {
            let id = s.s_or_empty("id");
            match id.split_once(':') {
                Some((c, n)) => (c.to_string(), n.to_string()),
                None => (id, String::new()),
            }
        }
    }
}

async fn describe_ng(
    cx: &Cx<'_>,
    cluster: &str,
    name: &str,
) -> Res<Option<aws_sdk_eks::types::Nodegroup>> {
    match cx
        .c
        .eks
        .describe_nodegroup()
        .cluster_name(cluster)
        .nodegroup_name(name)
        .send()
        .await
    {
        Ok(o) => Ok(o.nodegroup().cloned()),
        Err(e) => {
            let e = ae("EKS DescribeNodegroup")(e);
            if e.is_not_found() {
                Ok(None)
            } else {
                Err(e.into())
            }
        }
    }
}

async fn wait_ng(cx: &Cx<'_>, cluster: &str, name: &str, gone: bool) -> Res<()> {
    wait_for(
        cx.op,
        &cx.c.timing,
        &format!("aws_eks_node_group {cluster}:{name}"),
        if gone { "deletion" } else { "status ACTIVE" },
        Some(NODEGROUP_TYPICAL),
        Duration::from_secs(30),
        Duration::from_secs(10),
        || async {
            Ok(match describe_ng(cx, cluster, name).await? {
                None if gone => Poll::Done(()),
                None => Poll::Pending("not visible yet".into()),
                Some(n) => match n.status().map_or("", |s| s.as_str()) {
                    "ACTIVE" if !gone => Poll::Done(()),
                    s @ ("CREATE_FAILED" | "DELETE_FAILED" | "DEGRADED")
                        if !gone || s == "DELETE_FAILED" =>
                    {
                        return Err(err(
                            "EKS node group failed",
                            format!("node group {cluster}:{name} is {s}"),
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
impl Resource for NodeGroup {
    fn schema(&self) -> Schema {
        let resources_t = Type::list(Type::object(BTreeMap::from([
            (
                "autoscaling_groups".to_string(),
                Type::list(Type::object(BTreeMap::from([("name".to_string(), S)]))),
            ),
            ("remote_access_security_group_id".to_string(), S),
        ])));
        with_timeouts(
            with_tags(
                Schema::new()
                    .attr("id", comp(S))
                    .attr("arn", comp(S))
                    .attr("cluster_name", req(S).force_new())
                    .attr("node_group_name", oc(S).force_new())
                    .attr("node_group_name_prefix", oc(S).force_new())
                    .attr("node_role_arn", req(S).force_new())
                    .attr("subnet_ids", req(sset_t()).force_new())
                    .attr("ami_type", oc(S).force_new())
                    .attr("capacity_type", oc(S).force_new())
                    .attr("disk_size", oc(N).force_new())
                    .attr("instance_types", oc(slist_t()).force_new())
                    .attr("labels", opt(Type::map(S)))
                    .attr("release_version", oc(S))
                    .attr("version", oc(S))
                    .attr("force_update_version", opt(B))
                    .attr("status", comp(S))
                    .attr("resources", comp(resources_t))
                    .block(
                        "scaling_config",
                        Nesting::List,
                        Schema::new()
                            .attr("desired_size", req(N))
                            .attr("max_size", req(N))
                            .attr("min_size", req(N)),
                        1,
                        1,
                    )
                    .block(
                        "update_config",
                        Nesting::List,
                        Schema::new()
                            .attr("max_unavailable", opt(N))
                            .attr("max_unavailable_percentage", opt(N)),
                        0,
                        1,
                    ),
            ),
            &["create", "update", "delete"],
        )
    }

    fn customize_plan(&self, prior: Option<&Obj>, planned: &mut Obj, replacing: bool) {
        // update_config is optional + computed (AWS sets max_unavailable = 1)
        let t = Type::list(self.schema().blocks["update_config"].block.object_type());
        if planned
            .get("update_config")
            .is_some_and(|v| v.is_known() && (v.is_null() || v.is_empty()))
        {
            match prior {
                Some(p) if !replacing => {
                    planned.insert("update_config".into(), p.v("update_config"));
                }
                _ => {
                    planned.insert("update_config".into(), Value::unknown(t));
                }
            }
        }
        if planned
            .get("node_group_name_prefix")
            .is_none_or(|v| v.is_null() || !v.is_known())
        {
            planned.insert("node_group_name_prefix".into(), Value::string(""));
        }
        if let Some(p) = prior {
            if !replacing && (p.s("version") != planned.s("version")) {
                planned.insert("release_version".into(), Value::unknown(S));
            }
            if !replacing
                && !p
                    .v("scaling_config")
                    .raw_equal(&planned.v("scaling_config"))
            {
                planned.insert("status".into(), Value::unknown(S));
            }
        }
    }

    async fn create(&self, cx: &Cx<'_>, p: &Obj) -> Result<Obj, Fail> {
        let cluster = p.s_or_empty("cluster_name");
        let name = match (
            p.s_nonempty("node_group_name"),
            p.s_nonempty("node_group_name_prefix"),
        ) {
            (Some(n), _) => n,
            (None, Some(pre)) => crate::ec2::sg::unique_name(&pre),
            (None, None) => crate::ec2::sg::unique_name("terraform-"),
        };
        let sc = p.block("scaling_config").unwrap_or_default();
        let mut call =
            cx.c.eks
                .create_nodegroup()
                .cluster_name(&cluster)
                .nodegroup_name(&name)
                .node_role(p.s_or_empty("node_role_arn"))
                .set_subnets(Some(p.strs("subnet_ids")))
                .scaling_config(
                    aws_sdk_eks::types::NodegroupScalingConfig::builder()
                        .set_desired_size(sc.i("desired_size").map(|n| n as i32))
                        .set_max_size(sc.i("max_size").map(|n| n as i32))
                        .set_min_size(sc.i("min_size").map(|n| n as i32))
                        .build(),
                )
                .set_disk_size(p.i("disk_size").map(|n| n as i32))
                .set_instance_types(Some(p.strs("instance_types")).filter(|v| !v.is_empty()))
                .set_labels(
                    Some(
                        p.smap("labels")
                            .into_iter()
                            .collect::<std::collections::HashMap<_, _>>(),
                    )
                    .filter(|l| !l.is_empty()),
                )
                .set_release_version(p.s_nonempty("release_version"))
                .set_version(p.s_nonempty("version"))
                .set_tags(
                    Some(
                        p.smap("tags_all")
                            .into_iter()
                            .collect::<std::collections::HashMap<_, _>>(),
                    )
                    .filter(|t| !t.is_empty()),
                );
        if let Some(a) = p.s_nonempty("ami_type") {
            call = call.ami_type(aws_sdk_eks::types::AmiTypes::from(a.as_str()));
        }
        if let Some(c) = p.s_nonempty("capacity_type") {
            call = call.capacity_type(aws_sdk_eks::types::CapacityTypes::from(c.as_str()));
        }
        if let Some(u) = p.block("update_config") {
            call = call.update_config(
                aws_sdk_eks::types::NodegroupUpdateConfig::builder()
                    .set_max_unavailable(u.i("max_unavailable").map(|n| n as i32))
                    .set_max_unavailable_percentage(
                        u.i("max_unavailable_percentage").map(|n| n as i32),
                    )
                    .build(),
            );
        }
        call.send().await.map_err(|e| {
            Fail::from(Error::from(ae("EKS CreateNodegroup")(e)).diag("aws_eks_node_group"))
        })?;
        let partial = Obj::from([
            ("id".to_string(), Value::string(format!("{cluster}:{name}"))),
            ("node_group_name".to_string(), Value::string(&name)),
        ]);
        cx.op.report(
            format!("aws_eks_node_group {cluster}:{name}: creating"),
            Some(NODEGROUP_TYPICAL),
        );
        wait_ng(cx, &cluster, &name, false)
            .await
            .map_err(|e| Fail::with_partial(partial.clone(), e.diag("aws_eks_node_group")))?;
        Ok(partial)
    }

    async fn read(&self, cx: &Cx<'_>, s: &Obj) -> Res<Option<Obj>> {
        let (c, n) = ng_ids(s);
        // "" unless the name was made from a prefix (as after create; import too).
        let prefix = s
            .s_nonempty("node_group_name_prefix")
            .filter(|p| n.starts_with(p.as_str()))
            .unwrap_or_default();
        Ok(describe_ng(cx, &c, &n).await?.map(|g| {
            let mut o = ng_obj(&g);
            o.insert("node_group_name_prefix".into(), Value::string(&prefix));
            o
        }))
    }

    async fn update(&self, cx: &Cx<'_>, prior: &Obj, p: &Obj) -> Result<Obj, Fail> {
        let (cluster, name) = ng_ids(prior);
        let wrap = |e: Error| Fail::with_partial(prior.clone(), e.diag("aws_eks_node_group"));
        let labels_changed = prior.smap("labels") != p.smap("labels");
        let scaling_changed = !prior.v("scaling_config").raw_equal(&p.v("scaling_config"));
        let uc_changed =
            p.known("update_config") && !prior.v("update_config").raw_equal(&p.v("update_config"));
        if labels_changed || scaling_changed || uc_changed {
            let mut call =
                cx.c.eks
                    .update_nodegroup_config()
                    .cluster_name(&cluster)
                    .nodegroup_name(&name);
            if labels_changed {
                let (old, new) = (prior.smap("labels"), p.smap("labels"));
                let remove: Vec<String> = old
                    .keys()
                    .filter(|k| !new.contains_key(*k))
                    .cloned()
                    .collect();
                call = call.labels(
                    aws_sdk_eks::types::UpdateLabelsPayload::builder()
                        .set_add_or_update_labels(Some(new.into_iter().collect()))
                        .set_remove_labels((!remove.is_empty()).then_some(remove))
                        .build(),
                );
            }
            if scaling_changed {
                let sc = p.block("scaling_config").unwrap_or_default();
                call = call.scaling_config(
                    aws_sdk_eks::types::NodegroupScalingConfig::builder()
                        .set_desired_size(sc.i("desired_size").map(|n| n as i32))
                        .set_max_size(sc.i("max_size").map(|n| n as i32))
                        .set_min_size(sc.i("min_size").map(|n| n as i32))
                        .build(),
                );
            }
            if uc_changed {
                if let Some(u) = p.block("update_config") {
                    call = call.update_config(
                        aws_sdk_eks::types::NodegroupUpdateConfig::builder()
                            .set_max_unavailable(u.i("max_unavailable").map(|n| n as i32))
                            .set_max_unavailable_percentage(
                                u.i("max_unavailable_percentage").map(|n| n as i32),
                            )
                            .build(),
                    );
                }
            }
            let out = call
                .send()
                .await
                .map_err(|e| wrap(ae("EKS UpdateNodegroupConfig")(e).into()))?;
            let id = out
                .update()
                .and_then(|u| u.id())
                .unwrap_or_default()
                .to_string();
            wait_update(cx, &cluster, Some(&name), &id, NODEGROUP_TYPICAL)
                .await
                .map_err(wrap)?;
            wait_ng(cx, &cluster, &name, false).await.map_err(wrap)?;
        }
        let version_changed =
            p.s_nonempty("version").is_some() && prior.s("version") != p.s("version");
        let release_changed = p.s_nonempty("release_version").is_some()
            && prior.s("release_version") != p.s("release_version");
        if version_changed || release_changed {
            let out =
                cx.c.eks
                    .update_nodegroup_version()
                    .cluster_name(&cluster)
                    .nodegroup_name(&name)
                    .set_version(if version_changed {
                        p.s_nonempty("version")
                    } else {
                        None
                    })
                    .set_release_version(if release_changed {
                        p.s_nonempty("release_version")
                    } else {
                        None
                    })
                    .set_force(p.b("force_update_version"))
                    .send()
                    .await
                    .map_err(|e| wrap(ae("EKS UpdateNodegroupVersion")(e).into()))?;
            let id = out
                .update()
                .and_then(|u| u.id())
                .unwrap_or_default()
                .to_string();
            wait_update(cx, &cluster, Some(&name), &id, NODEGROUP_TYPICAL)
                .await
                .map_err(wrap)?;
            wait_ng(cx, &cluster, &name, false).await.map_err(wrap)?;
        }
        update_eks_tags(cx, &prior.s_or_empty("arn"), prior, p)
            .await
            .map_err(wrap)?;
        Ok(Obj::new())
    }

    async fn delete(&self, cx: &Cx<'_>, prior: &Obj) -> Res<()> {
        let (cluster, name) = ng_ids(prior);
        match cx
            .c
            .eks
            .delete_nodegroup()
            .cluster_name(&cluster)
            .nodegroup_name(&name)
            .send()
            .await
        {
            Ok(_) => {}
            Err(e) => {
                let e = ae("EKS DeleteNodegroup")(e);
                if e.is_not_found() {
                    return Ok(());
                }
                return Err(e.into());
            }
        }
        cx.op.report(
            format!("aws_eks_node_group {cluster}:{name}: deleting"),
            Some(NODEGROUP_TYPICAL),
        );
        wait_ng(cx, &cluster, &name, true).await
    }

    fn import_state(&self, id: &str) -> Res<Obj> {
        let Some((c, n)) = id.split_once(':') else {
            return Err(err(
                "Invalid import id",
                format!("unexpected format of ID ({id}), expected cluster-name:node-group-name"),
            ));
        };
        Ok(Obj::from([
            ("id".to_string(), Value::string(id)),
            ("cluster_name".to_string(), Value::string(c)),
            ("node_group_name".to_string(), Value::string(n)),
        ]))
    }
}
