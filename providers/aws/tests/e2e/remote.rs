//! What the AWS SDK sees of an object (a small JSON view per resource type, `None` when the
//! object does not exist), and the out-of-band changes the e2e fixtures make with the SDK.

use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use girder_provider_aws::config::Clients;
use serde_json::{json, Map, Value as J};

/// Resource types without a fixture folder (aliases of covered types).
pub const NOT_COVERED: &[&str] = &["aws_s3_bucket_encryption"];

fn st<'a>(s: &'a J, k: &str) -> &'a str {
    s[k].as_str()
        .unwrap_or_else(|| panic!("state has no string {k}: {s}"))
}

/// Whether an SDK error says the object does not exist; any other error fails the test.
fn missing<E: ProvideErrorMetadata + std::fmt::Debug>(what: &str, e: E) -> Option<J> {
    let code = e.code().unwrap_or_default().to_string();
    let gone = [
        "NotFound",
        "NoSuch",
        "ResourceNotFoundException",
        "NoSuchEntity",
        "NoSuchBucket",
    ];
    if gone.iter().any(|g| code.contains(g)) {
        return None;
    }
    panic!("{what}: unexpected SDK error {code:?}: {e:?}");
}

fn ec2_tags(tags: &[aws_sdk_ec2::types::Tag]) -> J {
    J::Object(
        tags.iter()
            .map(|t| {
                (
                    t.key().unwrap_or_default().to_string(),
                    json!(t.value().unwrap_or_default()),
                )
            })
            .collect(),
    )
}

macro_rules! tagmap {
    ($tags:expr) => {
        J::Object(
            $tags
                .iter()
                .map(|t| {
                    (
                        t.key().unwrap_or_default().to_string(),
                        json!(t.value().unwrap_or_default()),
                    )
                })
                .collect::<Map<String, J>>(),
        )
    };
}

fn sorted(mut v: Vec<String>) -> J {
    v.sort();
    json!(v)
}

/// The SDK's view of the object a state describes (`None`: it does not exist).
pub async fn view(c: &Clients, ty: &str, s: &J) -> Option<J> {
    match ty {
        "aws_vpc" => {
            let id = st(s, "id");
            let out = match c.ec2.describe_vpcs().vpc_ids(id).send().await {
                Ok(o) => o,
                Err(e) => return missing(ty, e.into_service_error()),
            };
            let v = out.vpcs().first()?;
            let hn = c
                .ec2
                .describe_vpc_attribute()
                .vpc_id(id)
                .attribute(aws_sdk_ec2::types::VpcAttributeName::EnableDnsHostnames)
                .send()
                .await
                .unwrap();
            Some(json!({
                "cidr_block": v.cidr_block(),
                "enable_dns_hostnames": hn.enable_dns_hostnames().and_then(|b| b.value()),
                "tags": ec2_tags(v.tags()),
            }))
        }
        "aws_subnet" => {
            let out = match c
                .ec2
                .describe_subnets()
                .subnet_ids(st(s, "id"))
                .send()
                .await
            {
                Ok(o) => o,
                Err(e) => return missing(ty, e.into_service_error()),
            };
            let v = out.subnets().first()?;
            Some(json!({
                "cidr_block": v.cidr_block(),
                "vpc_id": v.vpc_id(),
                "availability_zone": v.availability_zone(),
                "map_public_ip_on_launch": v.map_public_ip_on_launch(),
                "tags": ec2_tags(v.tags()),
            }))
        }
        "aws_internet_gateway" => {
            let out = match c
                .ec2
                .describe_internet_gateways()
                .internet_gateway_ids(st(s, "id"))
                .send()
                .await
            {
                Ok(o) => o,
                Err(e) => return missing(ty, e.into_service_error()),
            };
            let v = out.internet_gateways().first()?;
            Some(json!({
                "vpc_id": v.attachments().first().and_then(|a| a.vpc_id()),
                "tags": ec2_tags(v.tags()),
            }))
        }
        "aws_eip" => {
            let out = match c
                .ec2
                .describe_addresses()
                .allocation_ids(st(s, "id"))
                .send()
                .await
            {
                Ok(o) => o,
                Err(e) => return missing(ty, e.into_service_error()),
            };
            let v = out.addresses().first()?;
            Some(json!({
                "domain": v.domain().map(|d| d.as_str().to_string()),
                "public_ip": v.public_ip(),
                "tags": ec2_tags(v.tags()),
            }))
        }
        "aws_nat_gateway" => {
            let out = match c
                .ec2
                .describe_nat_gateways()
                .nat_gateway_ids(st(s, "id"))
                .send()
                .await
            {
                Ok(o) => o,
                Err(e) => return missing(ty, e.into_service_error()),
            };
            let v = out.nat_gateways().first()?;
            let state = v.state().map(|x| x.as_str().to_string());
            if matches!(state.as_deref(), Some("deleted") | Some("deleting")) {
                return None;
            }
            Some(json!({
                "subnet_id": v.subnet_id(),
                "allocation_id": v.nat_gateway_addresses().first().and_then(|a| a.allocation_id()),
                "state": state,
                "tags": ec2_tags(v.tags()),
            }))
        }
        "aws_vpn_gateway" => {
            let out = match c
                .ec2
                .describe_vpn_gateways()
                .vpn_gateway_ids(st(s, "id"))
                .send()
                .await
            {
                Ok(o) => o,
                Err(e) => return missing(ty, e.into_service_error()),
            };
            let v = out.vpn_gateways().first()?;
            if v.state().map(|x| x.as_str()) == Some("deleted") {
                return None;
            }
            let vpc = v
                .vpc_attachments()
                .iter()
                .find(|a| a.state().map(|x| x.as_str()) == Some("attached"))
                .and_then(|a| a.vpc_id());
            Some(json!({
                "vpc_id": vpc,
                "amazon_side_asn": v.amazon_side_asn().map(|n| n.to_string()),
                "tags": ec2_tags(v.tags()),
            }))
        }
        "aws_route_table" => {
            let out = match c
                .ec2
                .describe_route_tables()
                .route_table_ids(st(s, "id"))
                .send()
                .await
            {
                Ok(o) => o,
                Err(e) => return missing(ty, e.into_service_error()),
            };
            let v = out.route_tables().first()?;
            let routes: Vec<J> = v
                .routes()
                .iter()
                .filter(|r| r.gateway_id() != Some("local"))
                .map(|r| {
                    json!({
                        "cidr_block": r.destination_cidr_block(),
                        "gateway_id": r.gateway_id(),
                        "nat_gateway_id": r.nat_gateway_id(),
                    })
                })
                .collect();
            Some(json!({
                "vpc_id": v.vpc_id(),
                "routes": routes,
                "tags": ec2_tags(v.tags()),
            }))
        }
        "aws_route_table_association" => {
            let id = st(s, "id");
            let out = match c
                .ec2
                .describe_route_tables()
                .filters(
                    aws_sdk_ec2::types::Filter::builder()
                        .name("association.route-table-association-id")
                        .values(id)
                        .build(),
                )
                .send()
                .await
            {
                Ok(o) => o,
                Err(e) => return missing(ty, e.into_service_error()),
            };
            let rt = out.route_tables().first()?;
            let a = rt
                .associations()
                .iter()
                .find(|a| a.route_table_association_id() == Some(id))?;
            Some(json!({
                "route_table_id": a.route_table_id(),
                "subnet_id": a.subnet_id(),
            }))
        }
        "aws_security_group" => {
            let out = match c
                .ec2
                .describe_security_groups()
                .group_ids(st(s, "id"))
                .send()
                .await
            {
                Ok(o) => o,
                Err(e) => return missing(ty, e.into_service_error()),
            };
            let g = out.security_groups().first()?;
            Some(json!({
                "name": g.group_name(),
                "description": g.description(),
                "vpc_id": g.vpc_id(),
                "ingress": perms(g.ip_permissions()),
                "egress": perms(g.ip_permissions_egress()),
                "tags": ec2_tags(g.tags()),
            }))
        }
        "aws_security_group_rule" => {
            let out = match c
                .ec2
                .describe_security_groups()
                .group_ids(st(s, "security_group_id"))
                .send()
                .await
            {
                Ok(o) => o,
                Err(e) => return missing(ty, e.into_service_error()),
            };
            let g = out.security_groups().first()?;
            let list = if st(s, "type") == "ingress" {
                g.ip_permissions()
            } else {
                g.ip_permissions_egress()
            };
            let want_cidrs: Vec<&str> = s["cidr_blocks"]
                .as_array()
                .map(|a| a.iter().filter_map(J::as_str).collect())
                .unwrap_or_default();
            let p = list.iter().find(|p| {
                p.from_port().map(i64::from) == s["from_port"].as_i64()
                    && p.to_port().map(i64::from) == s["to_port"].as_i64()
                    && p.ip_protocol() == Some(st(s, "protocol"))
                    && want_cidrs
                        .iter()
                        .all(|w| p.ip_ranges().iter().any(|r| r.cidr_ip() == Some(*w)))
            })?;
            let cidr = p
                .ip_ranges()
                .iter()
                .find(|r| want_cidrs.contains(&r.cidr_ip().unwrap_or_default()));
            Some(json!({
                "from_port": p.from_port(),
                "to_port": p.to_port(),
                "protocol": p.ip_protocol(),
                "description": cidr.and_then(|r| r.description()),
            }))
        }
        "aws_iam_role" => {
            let out = match c.iam.get_role().role_name(st(s, "name")).send().await {
                Ok(o) => o,
                Err(e) => return missing(ty, e.into_service_error()),
            };
            let r = out.role()?;
            Some(json!({
                "name": r.role_name(),
                "path": r.path(),
                "description": r.description(),
                "max_session_duration": r.max_session_duration(),
                "tags": J::Object(r.tags().iter().map(|t| (t.key().to_string(), json!(t.value()))).collect()),
            }))
        }
        "aws_iam_role_policy_attachment" => {
            let out = match c
                .iam
                .list_attached_role_policies()
                .role_name(st(s, "role"))
                .send()
                .await
            {
                Ok(o) => o,
                Err(e) => return missing(ty, e.into_service_error()),
            };
            let arn = st(s, "policy_arn");
            let p = out
                .attached_policies()
                .iter()
                .find(|p| p.policy_arn() == Some(arn))?;
            Some(json!({"role": st(s, "role"), "policy_arn": p.policy_arn()}))
        }
        "aws_eks_cluster" => {
            let out = match c.eks.describe_cluster().name(st(s, "name")).send().await {
                Ok(o) => o,
                Err(e) => return missing(ty, e.into_service_error()),
            };
            let k = out.cluster()?;
            let tags: Map<String, J> = k
                .tags()
                .map(|m| m.iter().map(|(a, b)| (a.clone(), json!(b))).collect())
                .unwrap_or_default();
            Some(json!({
                "name": k.name(),
                "version": k.version(),
                "role_arn": k.role_arn(),
                "status": k.status().map(|x| x.as_str().to_string()),
                "tags": tags,
            }))
        }
        "aws_eks_node_group" => {
            let out = match c
                .eks
                .describe_nodegroup()
                .cluster_name(st(s, "cluster_name"))
                .nodegroup_name(st(s, "node_group_name"))
                .send()
                .await
            {
                Ok(o) => o,
                Err(e) => return missing(ty, e.into_service_error()),
            };
            let n = out.nodegroup()?;
            let tags: Map<String, J> = n
                .tags()
                .map(|m| m.iter().map(|(a, b)| (a.clone(), json!(b))).collect())
                .unwrap_or_default();
            let sc = n.scaling_config();
            Some(json!({
                "name": n.nodegroup_name(),
                "instance_types": n.instance_types(),
                "scaling_config": {
                    "min_size": sc.and_then(|x| x.min_size()),
                    "max_size": sc.and_then(|x| x.max_size()),
                    "desired_size": sc.and_then(|x| x.desired_size()),
                },
                "tags": tags,
            }))
        }
        "aws_db_subnet_group" => {
            let out = match c
                .rds
                .describe_db_subnet_groups()
                .db_subnet_group_name(st(s, "name"))
                .send()
                .await
            {
                Ok(o) => o,
                Err(e) => return missing(ty, e.into_service_error()),
            };
            let g = out.db_subnet_groups().first()?;
            let tags = rds_tags(c, g.db_subnet_group_arn().unwrap_or_default()).await;
            Some(json!({
                "name": g.db_subnet_group_name(),
                "description": g.db_subnet_group_description(),
                "subnet_ids": sorted(g.subnets().iter().filter_map(|x| x.subnet_identifier().map(str::to_string)).collect()),
                "tags": tags,
            }))
        }
        "aws_db_instance" => {
            let out = match c
                .rds
                .describe_db_instances()
                .db_instance_identifier(st(s, "identifier"))
                .send()
                .await
            {
                Ok(o) => o,
                Err(e) => return missing(ty, e.into_service_error()),
            };
            let d = out.db_instances().first()?;
            Some(json!({
                "identifier": d.db_instance_identifier(),
                "engine": d.engine(),
                "instance_class": d.db_instance_class(),
                "allocated_storage": d.allocated_storage(),
                "backup_retention_period": d.backup_retention_period(),
                "db_subnet_group_name": d.db_subnet_group().and_then(|g| g.db_subnet_group_name()),
                "tags": tagmap!(d.tag_list()),
            }))
        }
        "aws_elasticache_subnet_group" => {
            let out = match c
                .elasticache
                .describe_cache_subnet_groups()
                .cache_subnet_group_name(st(s, "name"))
                .send()
                .await
            {
                Ok(o) => o,
                Err(e) => return missing(ty, e.into_service_error()),
            };
            let g = out.cache_subnet_groups().first()?;
            Some(json!({
                "name": g.cache_subnet_group_name(),
                "description": g.cache_subnet_group_description(),
                "subnet_ids": sorted(g.subnets().iter().filter_map(|x| x.subnet_identifier().map(str::to_string)).collect()),
            }))
        }
        "aws_elasticache_replication_group" => {
            let out = match c
                .elasticache
                .describe_replication_groups()
                .replication_group_id(st(s, "replication_group_id"))
                .send()
                .await
            {
                Ok(o) => o,
                Err(e) => return missing(ty, e.into_service_error()),
            };
            let g = out.replication_groups().first()?;
            if g.status() == Some("deleting") {
                return None;
            }
            let tags = match c
                .elasticache
                .list_tags_for_resource()
                .resource_name(g.arn().unwrap_or_default())
                .send()
                .await
            {
                Ok(t) => tagmap!(t.tag_list()),
                Err(e) => panic!("ListTagsForResource: {e:?}"),
            };
            Some(json!({
                "description": g.description(),
                "node_type": g.cache_node_type(),
                "member_count": g.member_clusters().len(),
                "status": g.status(),
                "tags": tags,
            }))
        }
        "aws_s3_bucket" => {
            let b = st(s, "bucket");
            if let Err(e) = c.s3.head_bucket().bucket(b).send().await {
                let se = e.into_service_error();
                if se.is_not_found() {
                    return None;
                }
                panic!("HeadBucket {b}: {se:?}");
            }
            let tags = match c.s3.get_bucket_tagging().bucket(b).send().await {
                Ok(t) => J::Object(
                    t.tag_set()
                        .iter()
                        .map(|t| (t.key().to_string(), json!(t.value())))
                        .collect(),
                ),
                Err(e) => {
                    let se = e.into_service_error();
                    if se.code() == Some("NoSuchTagSet") {
                        json!({})
                    } else {
                        panic!("GetBucketTagging {b}: {se:?}");
                    }
                }
            };
            Some(json!({"bucket": b, "tags": tags}))
        }
        "aws_s3_bucket_versioning" => {
            let b = st(s, "bucket");
            let out = match c.s3.get_bucket_versioning().bucket(b).send().await {
                Ok(o) => o,
                Err(e) => return missing(ty, e.into_service_error()),
            };
            Some(json!({"status": out.status().map(|x| x.as_str().to_string())}))
        }
        "aws_s3_bucket_server_side_encryption_configuration" => {
            let b = st(s, "bucket");
            let out = match c.s3.get_bucket_encryption().bucket(b).send().await {
                Ok(o) => o,
                Err(e) => return missing(ty, e.into_service_error()),
            };
            let rule = out
                .server_side_encryption_configuration()
                .and_then(|x| x.rules().first())?;
            let d = rule.apply_server_side_encryption_by_default();
            Some(json!({
                "sse_algorithm": d.map(|x| x.sse_algorithm().as_str().to_string()),
                "kms_master_key_id": d.and_then(|x| x.kms_master_key_id()),
                "bucket_key_enabled": rule.bucket_key_enabled(),
            }))
        }
        "aws_s3_bucket_public_access_block" => {
            let b = st(s, "bucket");
            let out = match c.s3.get_public_access_block().bucket(b).send().await {
                Ok(o) => o,
                Err(e) => return missing(ty, e.into_service_error()),
            };
            let p = out.public_access_block_configuration()?;
            Some(json!({
                "block_public_acls": p.block_public_acls(),
                "block_public_policy": p.block_public_policy(),
                "ignore_public_acls": p.ignore_public_acls(),
                "restrict_public_buckets": p.restrict_public_buckets(),
            }))
        }
        other => panic!("remote::view: no SDK view for {other}"),
    }
}

fn perms(ps: &[aws_sdk_ec2::types::IpPermission]) -> J {
    let mut v: Vec<J> = ps
        .iter()
        .map(|p| {
            json!({
                "from_port": p.from_port(),
                "to_port": p.to_port(),
                "protocol": p.ip_protocol(),
                "cidr_blocks": sorted(p.ip_ranges().iter().filter_map(|r| r.cidr_ip().map(str::to_string)).collect()),
            })
        })
        .collect();
    v.sort_by_key(|x| x.to_string());
    json!(v)
}

async fn rds_tags(c: &Clients, arn: &str) -> J {
    match c
        .rds
        .list_tags_for_resource()
        .resource_name(arn)
        .send()
        .await
    {
        Ok(t) => tagmap!(t.tag_list()),
        Err(e) => panic!("RDS ListTagsForResource {arn}: {e:?}"),
    }
}

/// Makes an out-of-band change with the SDK: `tag` adds the tag `Drift = oob`; the other
/// kinds are type-specific (see the match).
pub async fn out_of_band(c: &Clients, ty: &str, kind: &str, s: &J) {
    match (ty, kind) {
        (
            "aws_vpc"
            | "aws_subnet"
            | "aws_internet_gateway"
            | "aws_eip"
            | "aws_nat_gateway"
            | "aws_route_table"
            | "aws_security_group"
            | "aws_vpn_gateway",
            "tag",
        ) => {
            c.ec2
                .create_tags()
                .resources(st(s, "id"))
                .tags(
                    aws_sdk_ec2::types::Tag::builder()
                        .key("Drift")
                        .value("oob")
                        .build(),
                )
                .send()
                .await
                .unwrap();
        }
        ("aws_iam_role", "tag") => {
            c.iam
                .tag_role()
                .role_name(st(s, "name"))
                .tags(
                    aws_sdk_iam::types::Tag::builder()
                        .key("Drift")
                        .value("oob")
                        .build()
                        .unwrap(),
                )
                .send()
                .await
                .unwrap();
        }
        ("aws_eks_cluster" | "aws_eks_node_group", "tag") => {
            c.eks
                .tag_resource()
                .resource_arn(st(s, "arn"))
                .tags("Drift", "oob")
                .send()
                .await
                .unwrap();
        }
        ("aws_db_instance" | "aws_db_subnet_group", "tag") => {
            c.rds
                .add_tags_to_resource()
                .resource_name(st(s, "arn"))
                .tags(
                    aws_sdk_rds::types::Tag::builder()
                        .key("Drift")
                        .value("oob")
                        .build(),
                )
                .send()
                .await
                .unwrap();
        }
        ("aws_elasticache_replication_group", "tag") => {
            c.elasticache
                .add_tags_to_resource()
                .resource_name(st(s, "arn"))
                .tags(
                    aws_sdk_elasticache::types::Tag::builder()
                        .key("Drift")
                        .value("oob")
                        .build(),
                )
                .send()
                .await
                .unwrap();
        }
        ("aws_elasticache_subnet_group", "description") => {
            c.elasticache
                .modify_cache_subnet_group()
                .cache_subnet_group_name(st(s, "name"))
                .cache_subnet_group_description("changed out of band")
                .send()
                .await
                .unwrap();
        }
        ("aws_s3_bucket", "tag") => {
            let tagging = aws_sdk_s3::types::Tagging::builder()
                .tag_set(
                    aws_sdk_s3::types::Tag::builder()
                        .key("Drift")
                        .value("oob")
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap();
            c.s3.put_bucket_tagging()
                .bucket(st(s, "bucket"))
                .tagging(tagging)
                .send()
                .await
                .unwrap();
        }
        ("aws_route_table_association", "disassociate") => {
            c.ec2
                .disassociate_route_table()
                .association_id(st(s, "id"))
                .send()
                .await
                .unwrap();
        }
        ("aws_security_group_rule", "revoke") => {
            let mut perm = aws_sdk_ec2::types::IpPermission::builder()
                .ip_protocol(st(s, "protocol"))
                .from_port(s["from_port"].as_i64().unwrap() as i32)
                .to_port(s["to_port"].as_i64().unwrap() as i32);
            for cidr in s["cidr_blocks"].as_array().into_iter().flatten() {
                perm = perm.ip_ranges(
                    aws_sdk_ec2::types::IpRange::builder()
                        .cidr_ip(cidr.as_str().unwrap())
                        .build(),
                );
            }
            let gid = st(s, "security_group_id");
            if st(s, "type") == "ingress" {
                c.ec2
                    .revoke_security_group_ingress()
                    .group_id(gid)
                    .ip_permissions(perm.build())
                    .send()
                    .await
                    .unwrap();
            } else {
                c.ec2
                    .revoke_security_group_egress()
                    .group_id(gid)
                    .ip_permissions(perm.build())
                    .send()
                    .await
                    .unwrap();
            }
        }
        ("aws_iam_role_policy_attachment", "detach") => {
            c.iam
                .detach_role_policy()
                .role_name(st(s, "role"))
                .policy_arn(st(s, "policy_arn"))
                .send()
                .await
                .unwrap();
        }
        ("aws_s3_bucket_versioning", "suspend") => {
            c.s3.put_bucket_versioning()
                .bucket(st(s, "bucket"))
                .versioning_configuration(
                    aws_sdk_s3::types::VersioningConfiguration::builder()
                        .status(aws_sdk_s3::types::BucketVersioningStatus::Suspended)
                        .build(),
                )
                .send()
                .await
                .unwrap();
        }
        ("aws_s3_bucket_server_side_encryption_configuration", "kms") => {
            let rule = aws_sdk_s3::types::ServerSideEncryptionRule::builder()
                .apply_server_side_encryption_by_default(
                    aws_sdk_s3::types::ServerSideEncryptionByDefault::builder()
                        .sse_algorithm(aws_sdk_s3::types::ServerSideEncryption::AwsKms)
                        .build()
                        .unwrap(),
                )
                .build();
            c.s3.put_bucket_encryption()
                .bucket(st(s, "bucket"))
                .server_side_encryption_configuration(
                    aws_sdk_s3::types::ServerSideEncryptionConfiguration::builder()
                        .rules(rule)
                        .build()
                        .unwrap(),
                )
                .send()
                .await
                .unwrap();
        }
        ("aws_s3_bucket_public_access_block", "open") => {
            c.s3.put_public_access_block()
                .bucket(st(s, "bucket"))
                .public_access_block_configuration(
                    aws_sdk_s3::types::PublicAccessBlockConfiguration::builder()
                        .block_public_acls(false)
                        .block_public_policy(false)
                        .ignore_public_acls(false)
                        .restrict_public_buckets(false)
                        .build(),
                )
                .send()
                .await
                .unwrap();
        }
        _ => panic!("remote::out_of_band: no change {kind:?} for {ty}"),
    }
}

/// Everything the p2p-lending example creates, by kind: the ids the emulator lists now
/// (NAT gateways that are deleted and ElastiCache groups being deleted do not count).
pub async fn inventory(c: &Clients) -> std::collections::BTreeMap<&'static str, Vec<String>> {
    let mut m = std::collections::BTreeMap::new();
    let ids = |v: Vec<Option<&str>>| -> Vec<String> {
        let mut v: Vec<String> = v.into_iter().flatten().map(str::to_string).collect();
        v.sort();
        v
    };
    let o = c.ec2.describe_vpcs().send().await.unwrap();
    m.insert("VPCs", ids(o.vpcs().iter().map(|x| x.vpc_id()).collect()));
    let o = c.ec2.describe_subnets().send().await.unwrap();
    m.insert(
        "subnets",
        ids(o.subnets().iter().map(|x| x.subnet_id()).collect()),
    );
    let o = c.ec2.describe_security_groups().send().await.unwrap();
    m.insert(
        "security groups",
        ids(o.security_groups().iter().map(|x| x.group_id()).collect()),
    );
    let o = c.ec2.describe_internet_gateways().send().await.unwrap();
    m.insert(
        "internet gateways",
        ids(o
            .internet_gateways()
            .iter()
            .map(|x| x.internet_gateway_id())
            .collect()),
    );
    let o = c.ec2.describe_nat_gateways().send().await.unwrap();
    m.insert(
        "NAT gateways",
        ids(o
            .nat_gateways()
            .iter()
            .filter(|x| {
                !matches!(
                    x.state().map(|s| s.as_str()),
                    Some("deleted") | Some("deleting")
                )
            })
            .map(|x| x.nat_gateway_id())
            .collect()),
    );
    let o = c.ec2.describe_addresses().send().await.unwrap();
    m.insert(
        "elastic IPs",
        ids(o.addresses().iter().map(|x| x.allocation_id()).collect()),
    );
    let o = c.ec2.describe_route_tables().send().await.unwrap();
    m.insert(
        "route tables",
        ids(o
            .route_tables()
            .iter()
            .map(|x| x.route_table_id())
            .collect()),
    );
    let o = c.ec2.describe_vpn_gateways().send().await.unwrap();
    m.insert(
        "VPN gateways",
        ids(o
            .vpn_gateways()
            .iter()
            .filter(|x| x.state().map(|s| s.as_str()) != Some("deleted"))
            .map(|x| x.vpn_gateway_id())
            .collect()),
    );
    let o = c.iam.list_roles().send().await.unwrap();
    m.insert(
        "IAM roles",
        ids(o.roles().iter().map(|x| Some(x.role_name())).collect()),
    );
    let o = c.eks.list_clusters().send().await.unwrap();
    m.insert(
        "EKS clusters",
        ids(o.clusters().iter().map(|x| Some(x.as_str())).collect()),
    );
    let o = c.rds.describe_db_instances().send().await.unwrap();
    m.insert(
        "RDS instances",
        ids(o
            .db_instances()
            .iter()
            .map(|x| x.db_instance_identifier())
            .collect()),
    );
    let o = c.rds.describe_db_subnet_groups().send().await.unwrap();
    m.insert(
        "RDS subnet groups",
        ids(o
            .db_subnet_groups()
            .iter()
            .map(|x| x.db_subnet_group_name())
            .collect()),
    );
    let o = c
        .elasticache
        .describe_replication_groups()
        .send()
        .await
        .unwrap();
    m.insert(
        "ElastiCache replication groups",
        ids(o
            .replication_groups()
            .iter()
            .filter(|x| x.status() != Some("deleting"))
            .map(|x| x.replication_group_id())
            .collect()),
    );
    let o = c
        .elasticache
        .describe_cache_subnet_groups()
        .send()
        .await
        .unwrap();
    m.insert(
        "ElastiCache subnet groups",
        ids(o
            .cache_subnet_groups()
            .iter()
            .map(|x| x.cache_subnet_group_name())
            .collect()),
    );
    let o = c.s3.list_buckets().send().await.unwrap();
    m.insert(
        "S3 buckets",
        ids(o.buckets().iter().map(|x| x.name()).collect()),
    );
    m
}
