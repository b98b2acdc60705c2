//! EC2 networking resources (the VPC family) and their shared helpers.

pub mod network;
pub mod routes;
pub mod sg;
pub mod vpn;

use crate::resource::{Cx, Resource};
use crate::util::{ae, retry_codes, smap, ApiError, Error, Obj, ObjExt, Res};
use aws_sdk_ec2::types::{Filter, ResourceType, Tag, TagSpecification};
use girder_core::{Diagnostic, Diagnostics, Type, Value};
use girder_provider::schema::{Attribute, Nesting, Schema};
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;

/// The EC2 resource types.
pub fn resources() -> Vec<(&'static str, Arc<dyn Resource>)> {
    vec![
        ("aws_vpc", Arc::new(network::Vpc) as Arc<dyn Resource>),
        ("aws_subnet", Arc::new(network::Subnet)),
        ("aws_internet_gateway", Arc::new(network::InternetGateway)),
        ("aws_eip", Arc::new(network::Eip)),
        ("aws_nat_gateway", Arc::new(network::NatGateway)),
        ("aws_route_table", Arc::new(routes::RouteTable)),
        (
            "aws_route_table_association",
            Arc::new(routes::RouteTableAssociation),
        ),
        ("aws_security_group", Arc::new(sg::SecurityGroup)),
        ("aws_security_group_rule", Arc::new(sg::SecurityGroupRule)),
        ("aws_vpn_gateway", Arc::new(vpn::VpnGateway)),
    ]
}

// ----- schema shorthands -----

/// Required.
pub fn req(t: Type) -> Attribute {
    Attribute::required(t)
}
/// Optional.
pub fn opt(t: Type) -> Attribute {
    Attribute::optional(t)
}
/// Computed.
pub fn comp(t: Type) -> Attribute {
    Attribute::computed(t)
}
/// Optional + computed.
pub fn oc(t: Type) -> Attribute {
    Attribute::optional_computed(t)
}
/// `string`
pub const S: Type = Type::String;
/// `bool`
pub const B: Type = Type::Bool;
/// `number`
pub const N: Type = Type::Number;
/// `set(string)`
pub fn sset_t() -> Type {
    Type::set(Type::String)
}
/// `list(string)`
pub fn slist_t() -> Type {
    Type::list(Type::String)
}

/// Adds `tags` and `tags_all`.
pub fn with_tags(s: Schema) -> Schema {
    s.attr(
        "tags",
        opt(Type::map(S)).describe("Tags; merged with the provider's default_tags"),
    )
    .attr(
        "tags_all",
        comp(Type::map(S)).describe("All tags, the provider's default_tags included"),
    )
}

/// Adds a `timeouts` block with the given operations.
pub fn with_timeouts(s: Schema, ops: &[&str]) -> Schema {
    let mut t = Schema::new();
    for o in ops {
        t = t.attr(o, opt(S));
    }
    s.block("timeouts", Nesting::Single, t, 0, 1)
}

// ----- tags -----

/// Tag specifications for a create call (None when there are no tags).
pub fn tag_spec(
    rt: ResourceType,
    tags: &BTreeMap<String, String>,
) -> Option<Vec<TagSpecification>> {
    if tags.is_empty() {
        return None;
    }
    Some(vec![TagSpecification::builder()
        .resource_type(rt)
        .set_tags(Some(ec2_tags(tags)))
        .build()])
}

/// EC2 tags from a map.
pub fn ec2_tags(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

/// `tags_all` value from EC2 tags.
pub fn tags_value(tags: &[Tag]) -> Value {
    smap(&crate::util::tag_map(
        tags.iter().map(|t| (t.key(), t.value())),
    ))
}

/// Updates tags from the prior `tags_all` to the planned one.
pub async fn update_tags(cx: &Cx<'_>, id: &str, prior: &Obj, planned: &Obj) -> Res<()> {
    let old = prior.smap("tags_all");
    let new = planned.smap("tags_all");
    let (set, remove) = crate::util::tag_diff(&old, &new);
    if !remove.is_empty() {
        cx.c.ec2
            .delete_tags()
            .resources(id)
            .set_tags(Some(
                remove
                    .iter()
                    .map(|k| Tag::builder().key(k).build())
                    .collect(),
            ))
            .send()
            .await
            .map_err(ae("EC2 DeleteTags"))?;
    }
    if !set.is_empty() {
        ec2_retry(cx, "tagging", || async {
            cx.c.ec2
                .create_tags()
                .resources(id)
                .set_tags(Some(ec2_tags(&set)))
                .send()
                .await
                .map_err(ae("EC2 CreateTags"))
        })
        .await?;
    }
    Ok(())
}

/// Error codes of EC2's eventual consistency right after a create.
pub const NOT_YET: &[&str] = &[
    "InvalidVpcID.NotFound",
    "InvalidSubnetID.NotFound",
    "InvalidGroup.NotFound",
    "InvalidRouteTableID.NotFound",
    "InvalidInternetGatewayID.NotFound",
    "InvalidAllocationID.NotFound",
    "InvalidNatGatewayID.NotFound",
];

/// Retries `f` on the eventual-consistency errors of a fresh object.
pub async fn ec2_retry<T, F, Fut>(cx: &Cx<'_>, what: &str, f: F) -> Res<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, ApiError>>,
{
    retry_codes(cx.op, &cx.c.timing, NOT_YET, None, what, f).await
}

/// Retries `f` while AWS reports a dependency still in use (deletes).
pub async fn retry_dependency<T, F, Fut>(cx: &Cx<'_>, what: &str, f: F) -> Res<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, ApiError>>,
{
    retry_codes(
        cx.op,
        &cx.c.timing,
        &["DependencyViolation", "InvalidGroup.InUse"],
        None,
        what,
        f,
    )
    .await
}

/// A filter.
pub fn filter(name: &str, values: impl IntoIterator<Item = String>) -> Filter {
    Filter::builder()
        .name(name)
        .set_values(Some(values.into_iter().collect()))
        .build()
}

/// Most values per filter that EC2 accepts.
pub const FILTER_VALUES: usize = 200;

/// Runs a batched describe: `ids` in chunks of [`FILTER_VALUES`]; `f` returns (id, object)
/// pairs for one chunk. Ids absent from the answer are gone.
pub async fn batched<F, Fut>(ids: &[String], mut f: F) -> Res<BTreeMap<String, Obj>>
where
    F: FnMut(Vec<String>) -> Fut,
    Fut: Future<Output = Res<Vec<(String, Obj)>>>,
{
    let mut uniq: Vec<String> = ids.iter().filter(|s| !s.is_empty()).cloned().collect();
    uniq.sort();
    uniq.dedup();
    let mut out = BTreeMap::new();
    for chunk in uniq.chunks(FILTER_VALUES) {
        out.extend(f(chunk.to_vec()).await?);
    }
    Ok(out)
}

/// Maps batched results back to the request order.
pub fn in_order(
    states: &[Obj],
    key: &str,
    found: Res<BTreeMap<String, Obj>>,
) -> Vec<Res<Option<Obj>>> {
    match found {
        Ok(m) => states
            .iter()
            .map(|s| Ok(s.s(key).and_then(|id| m.get(&id).cloned())))
            .collect(),
        Err(e) => {
            let d = e.diag("reading");
            states
                .iter()
                .map(|_| Err(crate::util::Error::Diag(d.clone())))
                .collect()
        }
    }
}

/// Resource-specific static checks (beyond the schema).
pub fn validate(type_name: &str, c: &Obj) -> Diagnostics {
    let mut d = Diagnostics::new();
    let conflict = |a: &str, b: &str, d: &mut Diagnostics| {
        let set = |k: &str| c.get(k).is_some_and(|v| !v.is_null());
        if set(a) && set(b) {
            d.push(
                Diagnostic::error(
                    "Conflicting configuration arguments",
                    format!("\"{a}\": conflicts with {b}"),
                )
                .with_help(format!("Set only one of \"{a}\" and \"{b}\".")),
            );
        }
    };
    match type_name {
        "aws_security_group" => conflict("name", "name_prefix", &mut d),
        "aws_s3_bucket" => conflict("bucket", "bucket_prefix", &mut d),
        "aws_iam_role" => conflict("name", "name_prefix", &mut d),
        "aws_route_table_association" => {
            conflict("subnet_id", "gateway_id", &mut d);
            let set = |k: &str| c.get(k).is_some_and(|v| !v.is_null());
            if !set("subnet_id") && !set("gateway_id") {
                d.push(
                    Diagnostic::error(
                        "Invalid combination of arguments",
                        "\"subnet_id\": one of `gateway_id,subnet_id` must be specified",
                    )
                    .with_help("Set subnet_id or gateway_id."),
                );
            }
        }
        "aws_security_group_rule" => {
            if let Some(t) = c.s("type") {
                if t != "ingress" && t != "egress" {
                    d.push(Diagnostic::error(
                        "Invalid value for type",
                        format!("expected type to be one of [\"ingress\" \"egress\"], got {t}"),
                    ));
                }
            }
            conflict("self", "source_security_group_id", &mut d);
            conflict("cidr_blocks", "source_security_group_id", &mut d);
        }
        _ => {}
    }
    d
}

/// An id string from a describe result.
pub fn id_of(s: Option<&str>) -> String {
    s.unwrap_or_default().to_string()
}

/// `Value::string` of an optional &str ("" when absent, as Terraform's provider stores it).
pub fn sv(s: Option<&str>) -> Value {
    Value::string(s.unwrap_or_default())
}
