//! `girder drift -unmanaged`: objects in a managed scope that no state manages.
//!
//! Scopes, each only for a type the state manages:
//! * `aws_subnet`, `aws_security_group`: every subnet / security group of a managed VPC
//!   (`DescribeSubnets` / `DescribeSecurityGroups` filtered by `vpc-id`, 200 VPCs per call, 1000
//!   results per page). A VPC's `default` security group is left out: AWS creates it with the
//!   VPC, it cannot be deleted, and `aws_security_group` cannot manage it (that is
//!   `aws_default_security_group`). Subnets AWS made for a default VPC (`DefaultForAz`) are
//!   left out for the same reason.
//! * `aws_s3_bucket`: every bucket whose name starts with a managed bucket's prefix: its
//!   `bucket_prefix` when set, otherwise its name up to and including the last `-`
//!   (`acme-logs-prod` → `acme-logs-`); a name without `-` defines no prefix. One paginated
//!   `ListBuckets`.

use crate::config::Clients;
use crate::ec2::{filter, FILTER_VALUES};
use crate::util::{ae, obj, ObjExt, Res};
use girder_provider::{ManagedObject, UnmanagedObject};
use std::collections::{BTreeMap, BTreeSet};

/// What the state manages, by type: ids, and the scopes they define.
#[derive(Default, Debug)]
pub struct Managed {
    /// Types present in the state.
    pub types: BTreeSet<String>,
    /// Ids by type (`id` attribute).
    pub ids: BTreeMap<String, BTreeSet<String>>,
    /// Managed VPC ids.
    pub vpcs: BTreeSet<String>,
    /// Bucket name prefixes.
    pub bucket_prefixes: BTreeSet<String>,
}

/// The prefix a bucket name defines: `bucket_prefix` when set, else the name up to and
/// including its last `-` (None without one).
pub fn bucket_scope(name: &str, bucket_prefix: Option<&str>) -> Option<String> {
    if let Some(p) = bucket_prefix.filter(|p| !p.is_empty()) {
        return Some(p.to_string());
    }
    let i = name.rfind('-')?;
    (i > 0).then(|| name[..=i].to_string())
}

impl Managed {
    /// Collects ids and scopes from the managed objects.
    pub fn from_objects(managed: &[ManagedObject]) -> Managed {
        let mut m = Managed::default();
        for o in managed {
            if o.state.is_null() || !o.state.is_known() {
                continue;
            }
            let (attrs, _) = o.state.clone().unmark_deep();
            let a = obj(&attrs);
            m.types.insert(o.type_name.clone());
            let Some(id) = a.s("id").filter(|s| !s.is_empty()) else {
                continue;
            };
            m.ids
                .entry(o.type_name.clone())
                .or_default()
                .insert(id.clone());
            match o.type_name.as_str() {
                "aws_vpc" => {
                    m.vpcs.insert(id);
                }
                "aws_s3_bucket" => {
                    let name = a.s("bucket").unwrap_or(id);
                    if let Some(p) = bucket_scope(&name, a.s("bucket_prefix").as_deref()) {
                        m.bucket_prefixes.insert(p);
                    }
                }
                _ => {}
            }
        }
        m
    }

    fn is_managed(&self, type_name: &str, id: &str) -> bool {
        self.ids.get(type_name).is_some_and(|s| s.contains(id))
    }
}

/// Lists the unmanaged objects of the scopes `m` defines, sorted.
pub async fn discover(c: &Clients, m: &Managed) -> Res<Vec<UnmanagedObject>> {
    let mut out = Vec::new();
    let vpcs: Vec<String> = m.vpcs.iter().cloned().collect();
    if m.types.contains("aws_subnet") {
        for chunk in vpcs.chunks(FILTER_VALUES) {
            let mut token = None;
            loop {
                let r = c
                    .ec2
                    .describe_subnets()
                    .filters(filter("vpc-id", chunk.to_vec()))
                    .max_results(1000)
                    .set_next_token(token)
                    .send()
                    .await
                    .map_err(ae("EC2 DescribeSubnets"))?;
                for s in r.subnets() {
                    let id = s.subnet_id().unwrap_or_default();
                    if id.is_empty()
                        || s.default_for_az() == Some(true)
                        || m.is_managed("aws_subnet", id)
                    {
                        continue;
                    }
                    out.push(UnmanagedObject {
                        type_name: "aws_subnet".into(),
                        id: id.to_string(),
                        scope: format!("in {}", s.vpc_id().unwrap_or_default()),
                    });
                }
                token = r.next_token().filter(|t| !t.is_empty()).map(str::to_string);
                if token.is_none() {
                    break;
                }
            }
        }
    }
    if m.types.contains("aws_security_group") {
        for chunk in vpcs.chunks(FILTER_VALUES) {
            let mut token = None;
            loop {
                let r = c
                    .ec2
                    .describe_security_groups()
                    .filters(filter("vpc-id", chunk.to_vec()))
                    .max_results(1000)
                    .set_next_token(token)
                    .send()
                    .await
                    .map_err(ae("EC2 DescribeSecurityGroups"))?;
                for g in r.security_groups() {
                    let id = g.group_id().unwrap_or_default();
                    if id.is_empty()
                        || g.group_name() == Some("default")
                        || m.is_managed("aws_security_group", id)
                    {
                        continue;
                    }
                    out.push(UnmanagedObject {
                        type_name: "aws_security_group".into(),
                        id: id.to_string(),
                        scope: format!("in {}", g.vpc_id().unwrap_or_default()),
                    });
                }
                token = r.next_token().filter(|t| !t.is_empty()).map(str::to_string);
                if token.is_none() {
                    break;
                }
            }
        }
    }
    if m.types.contains("aws_s3_bucket") && !m.bucket_prefixes.is_empty() {
        let mut token = None;
        loop {
            let r =
                c.s3.list_buckets()
                    .set_continuation_token(token)
                    .send()
                    .await
                    .map_err(ae("S3 ListBuckets"))?;
            for b in r.buckets() {
                let name = b.name().unwrap_or_default();
                if name.is_empty() || m.is_managed("aws_s3_bucket", name) {
                    continue;
                }
                // The longest matching prefix names the scope.
                if let Some(p) = m
                    .bucket_prefixes
                    .iter()
                    .filter(|p| name.starts_with(p.as_str()))
                    .max_by_key(|p| p.len())
                {
                    out.push(UnmanagedObject {
                        type_name: "aws_s3_bucket".into(),
                        id: name.to_string(),
                        scope: format!("bucket prefix \"{p}\""),
                    });
                }
            }
            token = r
                .continuation_token()
                .filter(|t| !t.is_empty())
                .map(str::to_string);
            if token.is_none() {
                break;
            }
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use girder_core::Value;

    #[test]
    fn bucket_scopes() {
        assert_eq!(
            bucket_scope("acme-logs-prod", None).as_deref(),
            Some("acme-logs-")
        );
        assert_eq!(bucket_scope("acme", None), None);
        assert_eq!(bucket_scope("-x", None), None);
        assert_eq!(bucket_scope("tf-2024", Some("tf-")).as_deref(), Some("tf-"));
        assert_eq!(bucket_scope("a-b", Some("")).as_deref(), Some("a-"));
    }

    #[test]
    fn managed_scopes() {
        let o = |t: &str, j: serde_json::Value| ManagedObject {
            type_name: t.into(),
            state: Value::from_json_implied(&j),
        };
        let m = Managed::from_objects(&[
            o("aws_vpc", serde_json::json!({"id": "vpc-1"})),
            o(
                "aws_subnet",
                serde_json::json!({"id": "subnet-1", "vpc_id": "vpc-1"}),
            ),
            o(
                "aws_s3_bucket",
                serde_json::json!({"id": "app-logs-dev", "bucket": "app-logs-dev"}),
            ),
        ]);
        assert_eq!(m.vpcs, BTreeSet::from(["vpc-1".to_string()]));
        assert!(m.is_managed("aws_subnet", "subnet-1"));
        assert!(!m.is_managed("aws_subnet", "subnet-2"));
        assert!(!m.types.contains("aws_security_group"));
        assert_eq!(m.bucket_prefixes, BTreeSet::from(["app-logs-".to_string()]));
    }
}
