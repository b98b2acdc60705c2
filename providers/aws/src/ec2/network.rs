//! aws_vpc, aws_subnet, aws_internet_gateway, aws_eip, aws_nat_gateway.

use super::*;
use crate::util::{err, wait_for, Fail, Poll};
use aws_sdk_ec2::types::{AttributeBooleanValue, DomainType, Tenancy, VpcAttributeName};
use std::time::Duration;

fn oid(o: &Obj) -> String {
    o.s_or_empty("id")
}

// ===================================================================== aws_vpc

/// `aws_vpc`
pub struct Vpc;

async fn vpc_attr(cx: &Cx<'_>, id: &str, a: VpcAttributeName) -> Res<Option<bool>> {
    let out =
        cx.c.ec2
            .describe_vpc_attribute()
            .vpc_id(id)
            .attribute(a.clone())
            .send()
            .await
            .map_err(ae("EC2 DescribeVpcAttribute"))?;
    Ok(match a {
        VpcAttributeName::EnableDnsSupport => out.enable_dns_support().and_then(|v| v.value()),
        VpcAttributeName::EnableDnsHostnames => out.enable_dns_hostnames().and_then(|v| v.value()),
        VpcAttributeName::EnableNetworkAddressUsageMetrics => out
            .enable_network_address_usage_metrics()
            .and_then(|v| v.value()),
        _ => None,
    })
}

async fn describe_vpcs(cx: &Cx<'_>, ids: Vec<String>) -> Res<Vec<(String, Obj)>> {
    let out =
        cx.c.ec2
            .describe_vpcs()
            .filters(filter("vpc-id", ids.clone()))
            .send()
            .await
            .map_err(ae("EC2 DescribeVpcs"))?;
    // main route tables, default security groups and network ACLs of all of them at once
    let rts =
        cx.c.ec2
            .describe_route_tables()
            .filters(filter("vpc-id", ids.clone()))
            .filters(filter("association.main", ["true".to_string()]))
            .send()
            .await
            .map_err(ae("EC2 DescribeRouteTables"))?;
    let sgs =
        cx.c.ec2
            .describe_security_groups()
            .filters(filter("vpc-id", ids.clone()))
            .filters(filter("group-name", ["default".to_string()]))
            .send()
            .await
            .map_err(ae("EC2 DescribeSecurityGroups"))?;
    let acls =
        cx.c.ec2
            .describe_network_acls()
            .filters(filter("vpc-id", ids.clone()))
            .filters(filter("default", ["true".to_string()]))
            .send()
            .await
            .map_err(ae("EC2 DescribeNetworkAcls"))?;
    let mut res = Vec::new();
    for v in out.vpcs() {
        let id = id_of(v.vpc_id());
        let main_rt = rts
            .route_tables()
            .iter()
            .find(|r| r.vpc_id() == Some(id.as_str()))
            .and_then(|r| r.route_table_id());
        let def_sg = sgs
            .security_groups()
            .iter()
            .find(|g| g.vpc_id() == Some(id.as_str()))
            .and_then(|g| g.group_id());
        let def_acl = acls
            .network_acls()
            .iter()
            .find(|a| a.vpc_id() == Some(id.as_str()))
            .and_then(|a| a.network_acl_id());
        let ipv6 = v.ipv6_cidr_block_association_set().iter().find(|a| {
            a.ipv6_cidr_block_state()
                .and_then(|s| s.state())
                .is_none_or(|s| s.as_str() == "associated")
        });
        let support = vpc_attr(cx, &id, VpcAttributeName::EnableDnsSupport).await?;
        let hostnames = vpc_attr(cx, &id, VpcAttributeName::EnableDnsHostnames).await?;
        let o = Obj::from([
            ("id".into(), Value::string(&id)),
            (
                "arn".into(),
                Value::string(cx.c.arn("ec2", &format!("vpc/{id}"))),
            ),
            ("cidr_block".into(), sv(v.cidr_block())),
            (
                "instance_tenancy".into(),
                Value::string(v.instance_tenancy().map_or("default", |t| t.as_str())),
            ),
            ("owner_id".into(), sv(v.owner_id())),
            ("dhcp_options_id".into(), sv(v.dhcp_options_id())),
            ("main_route_table_id".into(), sv(main_rt)),
            ("default_route_table_id".into(), sv(main_rt)),
            ("default_security_group_id".into(), sv(def_sg)),
            ("default_network_acl_id".into(), sv(def_acl)),
            (
                "ipv6_cidr_block".into(),
                sv(ipv6.and_then(|a| a.ipv6_cidr_block())),
            ),
            (
                "ipv6_association_id".into(),
                sv(ipv6.and_then(|a| a.association_id())),
            ),
            (
                "assign_generated_ipv6_cidr_block".into(),
                Value::bool(ipv6.is_some()),
            ),
            (
                "enable_dns_support".into(),
                Value::bool(support.unwrap_or(true)),
            ),
            (
                "enable_dns_hostnames".into(),
                Value::bool(hostnames.unwrap_or(false)),
            ),
            ("tags_all".into(), tags_value(v.tags())),
        ]);
        res.push((id, o));
    }
    Ok(res)
}

async fn set_vpc_bool(cx: &Cx<'_>, id: &str, attr: &str, v: bool) -> Res<()> {
    let b = AttributeBooleanValue::builder().value(v).build();
    let mut call = cx.c.ec2.modify_vpc_attribute().vpc_id(id);
    call = match attr {
        "enable_dns_support" => call.enable_dns_support(b),
        "enable_dns_hostnames" => call.enable_dns_hostnames(b),
        _ => call.enable_network_address_usage_metrics(b),
    };
    ec2_retry(cx, "modifying VPC attribute", || {
        let call = call.clone();
        async move { call.send().await.map_err(ae("EC2 ModifyVpcAttribute")) }
    })
    .await?;
    Ok(())
}

#[async_trait::async_trait]
impl Resource for Vpc {
    fn schema(&self) -> Schema {
        with_tags(
            Schema::new()
                .attr("id", comp(S))
                .attr("arn", comp(S))
                .attr(
                    "cidr_block",
                    oc(S).force_new().describe("The IPv4 CIDR block"),
                )
                .attr("instance_tenancy", opt(S).default("default"))
                .attr("enable_dns_support", opt(B).default(true))
                .attr("enable_dns_hostnames", oc(B))
                .attr("assign_generated_ipv6_cidr_block", opt(B).default(false))
                .attr("ipv6_cidr_block", oc(S))
                .attr("ipv6_association_id", comp(S))
                .attr("ipv4_ipam_pool_id", opt(S).force_new())
                .attr("ipv4_netmask_length", opt(N).force_new())
                .attr("main_route_table_id", comp(S))
                .attr("default_route_table_id", comp(S))
                .attr("default_security_group_id", comp(S))
                .attr("default_network_acl_id", comp(S))
                .attr("dhcp_options_id", comp(S))
                .attr("owner_id", comp(S)),
        )
    }

    async fn create(&self, cx: &Cx<'_>, p: &Obj) -> Result<Obj, Fail> {
        let mut call =
            cx.c.ec2
                .create_vpc()
                .set_cidr_block(p.s_nonempty("cidr_block"))
                .set_ipv4_ipam_pool_id(p.s_nonempty("ipv4_ipam_pool_id"))
                .set_ipv4_netmask_length(p.i("ipv4_netmask_length").map(|n| n as i32))
                .set_tag_specifications(tag_spec(ResourceType::Vpc, &p.smap("tags_all")));
        if let Some(t) = p.s_nonempty("instance_tenancy") {
            call = call.instance_tenancy(Tenancy::from(t.as_str()));
        }
        if p.b("assign_generated_ipv6_cidr_block") == Some(true) {
            call = call.amazon_provided_ipv6_cidr_block(true);
        }
        let out = call
            .send()
            .await
            .map_err(|e| Fail::from(Error::from(ae("EC2 CreateVpc")(e)).diag("aws_vpc")))?;
        let id = id_of(out.vpc().and_then(|v| v.vpc_id()));
        let partial = Obj::from([("id".to_string(), Value::string(&id))]);
        let wrap = |e: Error| Fail::with_partial(partial.clone(), e.diag("aws_vpc"));
        wait_for(
            cx.op,
            &cx.c.timing,
            &format!("aws_vpc {id}"),
            "state available",
            None,
            Duration::ZERO,
            Duration::from_secs(2),
            || async {
                let r =
                    cx.c.ec2
                        .describe_vpcs()
                        .filters(filter("vpc-id", [id.clone()]))
                        .send()
                        .await
                        .map_err(ae("EC2 DescribeVpcs"))?;
                Ok(match r.vpcs().first().and_then(|v| v.state()) {
                    Some(s) if s.as_str() == "available" => Poll::Done(()),
                    Some(s) => Poll::Pending(s.as_str().to_string()),
                    None => Poll::Pending("not visible yet".into()),
                })
            },
        )
        .await
        .map_err(wrap)?;
        if p.b("enable_dns_support") == Some(false) {
            set_vpc_bool(cx, &id, "enable_dns_support", false)
                .await
                .map_err(wrap)?;
        }
        if p.b("enable_dns_hostnames") == Some(true) {
            set_vpc_bool(cx, &id, "enable_dns_hostnames", true)
                .await
                .map_err(wrap)?;
        }
        Ok(partial)
    }

    async fn read_many(&self, cx: &Cx<'_>, states: &[Obj]) -> Vec<Res<Option<Obj>>> {
        let ids: Vec<String> = states.iter().map(oid).collect();
        let found = batched(&ids, |chunk| describe_vpcs(cx, chunk)).await;
        in_order(states, "id", found)
    }

    async fn update(&self, cx: &Cx<'_>, prior: &Obj, p: &Obj) -> Result<Obj, Fail> {
        let id = oid(prior);
        let wrap = |e: Error| Fail::with_partial(prior.clone(), e.diag("aws_vpc"));
        if prior.s("instance_tenancy") != p.s("instance_tenancy") {
            if let Some(t) = p.s_nonempty("instance_tenancy") {
                cx.c.ec2
                    .modify_vpc_tenancy()
                    .vpc_id(&id)
                    .instance_tenancy(aws_sdk_ec2::types::VpcTenancy::from(t.as_str()))
                    .send()
                    .await
                    .map_err(|e| wrap(ae("EC2 ModifyVpcTenancy")(e).into()))?;
            }
        }
        for a in ["enable_dns_support", "enable_dns_hostnames"] {
            if let Some(v) = p.b(a) {
                if prior.b(a) != Some(v) {
                    set_vpc_bool(cx, &id, a, v).await.map_err(wrap)?;
                }
            }
        }
        update_tags(cx, &id, prior, p).await.map_err(wrap)?;
        Ok(Obj::new())
    }

    async fn delete(&self, cx: &Cx<'_>, prior: &Obj) -> Res<()> {
        let id = oid(prior);
        retry_dependency(cx, "deleting VPC", || async {
            cx.c.ec2
                .delete_vpc()
                .vpc_id(&id)
                .send()
                .await
                .map_err(ae("EC2 DeleteVpc"))
        })
        .await?;
        Ok(())
    }
}

// ===================================================================== aws_subnet

/// `aws_subnet`
pub struct Subnet;

fn subnet_obj(cx: &Cx<'_>, s: &aws_sdk_ec2::types::Subnet) -> (String, Obj) {
    let id = id_of(s.subnet_id());
    let ipv6 = s.ipv6_cidr_block_association_set().iter().find(|a| {
        a.ipv6_cidr_block_state()
            .and_then(|s| s.state())
            .is_none_or(|s| s.as_str() == "associated")
    });
    let dns = s.private_dns_name_options_on_launch();
    let o = Obj::from([
        ("id".into(), Value::string(&id)),
        (
            "arn".into(),
            match s.subnet_arn() {
                Some(a) => Value::string(a),
                None => Value::string(cx.c.arn("ec2", &format!("subnet/{id}"))),
            },
        ),
        ("vpc_id".into(), sv(s.vpc_id())),
        ("cidr_block".into(), sv(s.cidr_block())),
        ("availability_zone".into(), sv(s.availability_zone())),
        ("availability_zone_id".into(), sv(s.availability_zone_id())),
        (
            "map_public_ip_on_launch".into(),
            Value::bool(s.map_public_ip_on_launch().unwrap_or(false)),
        ),
        (
            "assign_ipv6_address_on_creation".into(),
            Value::bool(s.assign_ipv6_address_on_creation().unwrap_or(false)),
        ),
        (
            "enable_dns64".into(),
            Value::bool(s.enable_dns64().unwrap_or(false)),
        ),
        (
            "ipv6_native".into(),
            Value::bool(s.ipv6_native().unwrap_or(false)),
        ),
        (
            "ipv6_cidr_block".into(),
            sv(ipv6.and_then(|a| a.ipv6_cidr_block())),
        ),
        (
            "ipv6_cidr_block_association_id".into(),
            sv(ipv6.and_then(|a| a.association_id())),
        ),
        (
            "private_dns_hostname_type_on_launch".into(),
            Value::string(
                dns.and_then(|d| d.hostname_type())
                    .map_or("ip-name", |h| h.as_str()),
            ),
        ),
        (
            "enable_resource_name_dns_a_record_on_launch".into(),
            Value::bool(
                dns.and_then(|d| d.enable_resource_name_dns_a_record())
                    .unwrap_or(false),
            ),
        ),
        (
            "enable_resource_name_dns_aaaa_record_on_launch".into(),
            Value::bool(
                dns.and_then(|d| d.enable_resource_name_dns_aaaa_record())
                    .unwrap_or(false),
            ),
        ),
        ("owner_id".into(), sv(s.owner_id())),
        ("tags_all".into(), tags_value(s.tags())),
    ]);
    (id, o)
}

/// Describes subnets by id with filters: 200 ids per call, 1000 results per page.
pub async fn describe_subnets(cx: &Cx<'_>, ids: Vec<String>) -> Res<Vec<(String, Obj)>> {
    let mut res = Vec::new();
    let mut token = None;
    loop {
        let out =
            cx.c.ec2
                .describe_subnets()
                .filters(filter("subnet-id", ids.clone()))
                .max_results(1000)
                .set_next_token(token)
                .send()
                .await
                .map_err(ae("EC2 DescribeSubnets"))?;
        for s in out.subnets() {
            res.push(subnet_obj(cx, s));
        }
        token = out
            .next_token()
            .filter(|t| !t.is_empty())
            .map(str::to_string);
        if token.is_none() {
            return Ok(res);
        }
    }
}

async fn modify_subnet(cx: &Cx<'_>, id: &str, attr: &str, p: &Obj) -> Res<()> {
    let mut call = cx.c.ec2.modify_subnet_attribute().subnet_id(id);
    let b = |k: &str| {
        AttributeBooleanValue::builder()
            .value(p.b(k).unwrap_or(false))
            .build()
    };
    call = match attr {
        "map_public_ip_on_launch" => call.map_public_ip_on_launch(b(attr)),
        "assign_ipv6_address_on_creation" => call.assign_ipv6_address_on_creation(b(attr)),
        "enable_dns64" => call.enable_dns64(b(attr)),
        "enable_resource_name_dns_a_record_on_launch" => {
            call.enable_resource_name_dns_a_record_on_launch(b(attr))
        }
        "enable_resource_name_dns_aaaa_record_on_launch" => {
            call.enable_resource_name_dns_aaaa_record_on_launch(b(attr))
        }
        _ => call.private_dns_hostname_type_on_launch(aws_sdk_ec2::types::HostnameType::from(
            p.s_or_empty(attr).as_str(),
        )),
    };
    ec2_retry(cx, "modifying subnet attribute", || {
        let call = call.clone();
        async move { call.send().await.map_err(ae("EC2 ModifySubnetAttribute")) }
    })
    .await?;
    Ok(())
}

const SUBNET_BOOLS: &[&str] = &[
    "map_public_ip_on_launch",
    "assign_ipv6_address_on_creation",
    "enable_dns64",
    "enable_resource_name_dns_a_record_on_launch",
    "enable_resource_name_dns_aaaa_record_on_launch",
];

#[async_trait::async_trait]
impl Resource for Subnet {
    fn schema(&self) -> Schema {
        with_timeouts(
            with_tags(
                Schema::new()
                    .attr("id", comp(S))
                    .attr("arn", comp(S))
                    .attr("vpc_id", req(S).force_new())
                    .attr("cidr_block", opt(S).force_new())
                    .attr("availability_zone", oc(S).force_new())
                    .attr("availability_zone_id", oc(S).force_new())
                    .attr("map_public_ip_on_launch", opt(B).default(false))
                    .attr("assign_ipv6_address_on_creation", opt(B).default(false))
                    .attr("enable_dns64", opt(B).default(false))
                    .attr("ipv6_native", opt(B).default(false).force_new())
                    .attr("ipv6_cidr_block", oc(S))
                    .attr("ipv6_cidr_block_association_id", comp(S))
                    .attr("private_dns_hostname_type_on_launch", oc(S))
                    .attr(
                        "enable_resource_name_dns_a_record_on_launch",
                        opt(B).default(false),
                    )
                    .attr(
                        "enable_resource_name_dns_aaaa_record_on_launch",
                        opt(B).default(false),
                    )
                    .attr("owner_id", comp(S)),
            ),
            &["create", "delete"],
        )
    }

    async fn create(&self, cx: &Cx<'_>, p: &Obj) -> Result<Obj, Fail> {
        let call =
            cx.c.ec2
                .create_subnet()
                .vpc_id(p.s_or_empty("vpc_id"))
                .set_cidr_block(p.s_nonempty("cidr_block"))
                .set_availability_zone(p.s_nonempty("availability_zone"))
                .set_availability_zone_id(p.s_nonempty("availability_zone_id"))
                .set_ipv6_cidr_block(p.s_nonempty("ipv6_cidr_block"))
                .set_ipv6_native(p.b("ipv6_native").filter(|b| *b))
                .set_tag_specifications(tag_spec(ResourceType::Subnet, &p.smap("tags_all")));
        let out = ec2_retry(cx, "creating subnet", || {
            let call = call.clone();
            async move { call.send().await.map_err(ae("EC2 CreateSubnet")) }
        })
        .await
        .map_err(|e| Fail::from(e.diag("aws_subnet")))?;
        let id = id_of(out.subnet().and_then(|s| s.subnet_id()));
        let partial = Obj::from([("id".to_string(), Value::string(&id))]);
        for a in SUBNET_BOOLS {
            if p.b(a) == Some(true) {
                modify_subnet(cx, &id, a, p)
                    .await
                    .map_err(|e| Fail::with_partial(partial.clone(), e.diag("aws_subnet")))?;
            }
        }
        if let Some(h) = p.s_nonempty("private_dns_hostname_type_on_launch") {
            if h != "ip-name" {
                modify_subnet(cx, &id, "private_dns_hostname_type_on_launch", p)
                    .await
                    .map_err(|e| Fail::with_partial(partial.clone(), e.diag("aws_subnet")))?;
            }
        }
        Ok(partial)
    }

    async fn read_many(&self, cx: &Cx<'_>, states: &[Obj]) -> Vec<Res<Option<Obj>>> {
        let ids: Vec<String> = states.iter().map(oid).collect();
        let found = batched(&ids, |chunk| describe_subnets(cx, chunk)).await;
        in_order(states, "id", found)
    }

    async fn update(&self, cx: &Cx<'_>, prior: &Obj, p: &Obj) -> Result<Obj, Fail> {
        let id = oid(prior);
        let wrap = |e: Error| Fail::with_partial(prior.clone(), e.diag("aws_subnet"));
        for a in SUBNET_BOOLS
            .iter()
            .copied()
            .chain(["private_dns_hostname_type_on_launch"])
        {
            if p.get(a).is_some_and(|v| !v.is_null()) && !prior.v(a).raw_equal(&p.v(a)) {
                modify_subnet(cx, &id, a, p).await.map_err(wrap)?;
            }
        }
        update_tags(cx, &id, prior, p).await.map_err(wrap)?;
        Ok(Obj::new())
    }

    async fn delete(&self, cx: &Cx<'_>, prior: &Obj) -> Res<()> {
        let id = oid(prior);
        retry_dependency(cx, "deleting subnet", || async {
            cx.c.ec2
                .delete_subnet()
                .subnet_id(&id)
                .send()
                .await
                .map_err(ae("EC2 DeleteSubnet"))
        })
        .await?;
        Ok(())
    }
}

// ===================================================================== aws_internet_gateway

/// `aws_internet_gateway`
pub struct InternetGateway;

async fn describe_igws(cx: &Cx<'_>, ids: Vec<String>) -> Res<Vec<(String, Obj)>> {
    let out =
        cx.c.ec2
            .describe_internet_gateways()
            .filters(filter("internet-gateway-id", ids))
            .send()
            .await
            .map_err(ae("EC2 DescribeInternetGateways"))?;
    Ok(out
        .internet_gateways()
        .iter()
        .map(|g| {
            let id = id_of(g.internet_gateway_id());
            let vpc = g
                .attachments()
                .iter()
                .find(|a| a.state().is_none_or(|s| s.as_str() != "detached"))
                .and_then(|a| a.vpc_id());
            let o = Obj::from([
                ("id".into(), Value::string(&id)),
                (
                    "arn".into(),
                    Value::string(cx.c.arn("ec2", &format!("internet-gateway/{id}"))),
                ),
                (
                    "vpc_id".into(),
                    vpc.map_or_else(|| Value::null(S), Value::string),
                ),
                ("owner_id".into(), sv(g.owner_id())),
                ("tags_all".into(), tags_value(g.tags())),
            ]);
            (id, o)
        })
        .collect())
}

async fn igw_attach(cx: &Cx<'_>, id: &str, vpc: &str) -> Res<()> {
    ec2_retry(cx, "attaching internet gateway", || async {
        cx.c.ec2
            .attach_internet_gateway()
            .internet_gateway_id(id)
            .vpc_id(vpc)
            .send()
            .await
            .map_err(ae("EC2 AttachInternetGateway"))
    })
    .await?;
    Ok(())
}

async fn igw_detach(cx: &Cx<'_>, id: &str, vpc: &str) -> Res<()> {
    let r = retry_dependency(cx, "detaching internet gateway", || async {
        cx.c.ec2
            .detach_internet_gateway()
            .internet_gateway_id(id)
            .vpc_id(vpc)
            .send()
            .await
            .map_err(ae("EC2 DetachInternetGateway"))
    })
    .await;
    match r {
        Ok(_) => Ok(()),
        Err(Error::Api(e)) if e.is(&["Gateway.NotAttached"]) || e.is_not_found() => Ok(()),
        Err(e) => Err(e),
    }
}

#[async_trait::async_trait]
impl Resource for InternetGateway {
    fn schema(&self) -> Schema {
        with_timeouts(
            with_tags(
                Schema::new()
                    .attr("id", comp(S))
                    .attr("arn", comp(S))
                    .attr("vpc_id", opt(S))
                    .attr("owner_id", comp(S)),
            ),
            &["create", "update", "delete"],
        )
    }

    async fn create(&self, cx: &Cx<'_>, p: &Obj) -> Result<Obj, Fail> {
        let out = cx
            .c
            .ec2
            .create_internet_gateway()
            .set_tag_specifications(tag_spec(ResourceType::InternetGateway, &p.smap("tags_all")))
            .send()
            .await
            .map_err(|e| {
                Fail::from(
                    Error::from(ae("EC2 CreateInternetGateway")(e)).diag("aws_internet_gateway"),
                )
            })?;
        let id = id_of(out.internet_gateway().and_then(|g| g.internet_gateway_id()));
        let partial = Obj::from([
            ("id".to_string(), Value::string(&id)),
            ("vpc_id".to_string(), Value::null(S)),
        ]);
        if let Some(vpc) = p.s_nonempty("vpc_id") {
            igw_attach(cx, &id, &vpc)
                .await
                .map_err(|e| Fail::with_partial(partial.clone(), e.diag("aws_internet_gateway")))?;
        }
        Ok(Obj::from([("id".to_string(), Value::string(&id))]))
    }

    async fn read_many(&self, cx: &Cx<'_>, states: &[Obj]) -> Vec<Res<Option<Obj>>> {
        let ids: Vec<String> = states.iter().map(oid).collect();
        let found = batched(&ids, |chunk| describe_igws(cx, chunk)).await;
        in_order(states, "id", found)
    }

    async fn update(&self, cx: &Cx<'_>, prior: &Obj, p: &Obj) -> Result<Obj, Fail> {
        let id = oid(prior);
        let wrap = |e: Error| Fail::with_partial(prior.clone(), e.diag("aws_internet_gateway"));
        let (old, new) = (prior.s_nonempty("vpc_id"), p.s_nonempty("vpc_id"));
        if old != new {
            if let Some(o) = &old {
                igw_detach(cx, &id, o).await.map_err(wrap)?;
            }
            if let Some(n) = &new {
                igw_attach(cx, &id, n).await.map_err(wrap)?;
            }
        }
        update_tags(cx, &id, prior, p).await.map_err(wrap)?;
        Ok(Obj::new())
    }

    async fn delete(&self, cx: &Cx<'_>, prior: &Obj) -> Res<()> {
        let id = oid(prior);
        // Detach from whatever VPC it is attached to now (AWS refuses to delete otherwise).
        let now = describe_igws(cx, vec![id.clone()]).await?;
        if let Some((_, o)) = now.first() {
            if let Some(vpc) = o.s_nonempty("vpc_id") {
                igw_detach(cx, &id, &vpc).await?;
            }
        }
        retry_dependency(cx, "deleting internet gateway", || async {
            cx.c.ec2
                .delete_internet_gateway()
                .internet_gateway_id(&id)
                .send()
                .await
                .map_err(ae("EC2 DeleteInternetGateway"))
        })
        .await?;
        Ok(())
    }
}

// ===================================================================== aws_eip

/// `aws_eip`
pub struct Eip;

async fn describe_eips(cx: &Cx<'_>, ids: Vec<String>) -> Res<Vec<(String, Obj)>> {
    let out =
        cx.c.ec2
            .describe_addresses()
            .filters(filter("allocation-id", ids))
            .send()
            .await
            .map_err(ae("EC2 DescribeAddresses"))?;
    Ok(out
        .addresses()
        .iter()
        .map(|a| {
            let id = id_of(a.allocation_id());
            let domain = a.domain().map_or("vpc", |d| d.as_str()).to_string();
            let public_ip = a.public_ip().unwrap_or_default().to_string();
            let private_ip = a.private_ip_address().unwrap_or_default().to_string();
            let dns = |ip: &str, private: bool| -> Value {
                if ip.is_empty() {
                    return Value::null(S);
                }
                let dashed = ip.replace('.', "-");
                if private {
                    Value::string(format!("ip-{dashed}.{}.compute.internal", cx.c.region))
                } else if cx.c.region == "us-east-1" {
                    Value::string(format!("ec2-{dashed}.compute-1.amazonaws.com"))
                } else {
                    Value::string(format!(
                        "ec2-{dashed}.{}.compute.amazonaws.com",
                        cx.c.region
                    ))
                }
            };
            let o = Obj::from([
                ("id".into(), Value::string(&id)),
                ("allocation_id".into(), Value::string(&id)),
                (
                    "arn".into(),
                    Value::string(cx.c.arn("ec2", &format!("elastic-ip/{id}"))),
                ),
                ("domain".into(), Value::string(&domain)),
                ("vpc".into(), Value::bool(domain == "vpc")),
                ("public_ip".into(), Value::string(&public_ip)),
                ("private_ip".into(), Value::string(&private_ip)),
                ("public_dns".into(), dns(&public_ip, false)),
                ("private_dns".into(), dns(&private_ip, true)),
                ("association_id".into(), sv(a.association_id())),
                ("instance".into(), sv(a.instance_id())),
                ("network_interface".into(), sv(a.network_interface_id())),
                ("public_ipv4_pool".into(), sv(a.public_ipv4_pool())),
                ("network_border_group".into(), sv(a.network_border_group())),
                ("carrier_ip".into(), sv(a.carrier_ip())),
                ("customer_owned_ip".into(), sv(a.customer_owned_ip())),
                (
                    "customer_owned_ipv4_pool".into(),
                    sv(a.customer_owned_ipv4_pool()),
                ),
                ("tags_all".into(), tags_value(a.tags())),
            ]);
            (id, o)
        })
        .collect())
}

#[async_trait::async_trait]
impl Resource for Eip {
    fn schema(&self) -> Schema {
        with_timeouts(
            with_tags(
                Schema::new()
                    .attr("id", comp(S))
                    .attr("allocation_id", comp(S))
                    .attr("arn", comp(S))
                    .attr("domain", oc(S).force_new())
                    .attr(
                        "vpc",
                        oc(B).force_new().deprecated("use domain attribute instead"),
                    )
                    .attr("address", opt(S).force_new())
                    .attr("instance", oc(S))
                    .attr("network_interface", oc(S))
                    .attr("associate_with_private_ip", opt(S))
                    .attr("public_ipv4_pool", oc(S).force_new())
                    .attr("network_border_group", oc(S).force_new())
                    .attr("customer_owned_ipv4_pool", opt(S).force_new())
                    .attr("public_ip", comp(S))
                    .attr("private_ip", comp(S))
                    .attr("public_dns", comp(S))
                    .attr("private_dns", comp(S))
                    .attr("association_id", comp(S))
                    .attr("carrier_ip", comp(S))
                    .attr("customer_owned_ip", comp(S)),
            ),
            &["read", "update", "delete"],
        )
    }

    async fn create(&self, cx: &Cx<'_>, p: &Obj) -> Result<Obj, Fail> {
        let out = cx
            .c
            .ec2
            .allocate_address()
            .domain(DomainType::Vpc)
            .set_address(p.s_nonempty("address"))
            .set_public_ipv4_pool(p.s_nonempty("public_ipv4_pool"))
            .set_network_border_group(p.s_nonempty("network_border_group"))
            .set_customer_owned_ipv4_pool(p.s_nonempty("customer_owned_ipv4_pool"))
            .set_tag_specifications(tag_spec(ResourceType::ElasticIp, &p.smap("tags_all")))
            .send()
            .await
            .map_err(|e| Fail::from(Error::from(ae("EC2 AllocateAddress")(e)).diag("aws_eip")))?;
        let id = id_of(out.allocation_id());
        let partial = Obj::from([("id".to_string(), Value::string(&id))]);
        if p.s_nonempty("instance").is_some() || p.s_nonempty("network_interface").is_some() {
            cx.c.ec2
                .associate_address()
                .allocation_id(&id)
                .set_instance_id(p.s_nonempty("instance"))
                .set_network_interface_id(p.s_nonempty("network_interface"))
                .set_private_ip_address(p.s_nonempty("associate_with_private_ip"))
                .send()
                .await
                .map_err(|e| {
                    Fail::with_partial(
                        partial.clone(),
                        Error::from(ae("EC2 AssociateAddress")(e)).diag("aws_eip"),
                    )
                })?;
        }
        Ok(partial)
    }

    async fn read_many(&self, cx: &Cx<'_>, states: &[Obj]) -> Vec<Res<Option<Obj>>> {
        let ids: Vec<String> = states.iter().map(oid).collect();
        let found = batched(&ids, |chunk| describe_eips(cx, chunk)).await;
        in_order(states, "id", found)
    }

    async fn update(&self, cx: &Cx<'_>, prior: &Obj, p: &Obj) -> Result<Obj, Fail> {
        let id = oid(prior);
        let wrap = |e: Error| Fail::with_partial(prior.clone(), e.diag("aws_eip"));
        let assoc_changed = prior.s("instance") != p.s("instance")
            || prior.s("network_interface") != p.s("network_interface")
            || prior.s("associate_with_private_ip") != p.s("associate_with_private_ip");
        if assoc_changed {
            if let Some(a) = prior.s_nonempty("association_id") {
                cx.c.ec2
                    .disassociate_address()
                    .association_id(a)
                    .send()
                    .await
                    .map_err(|e| wrap(ae("EC2 DisassociateAddress")(e).into()))?;
            }
            if p.s_nonempty("instance").is_some() || p.s_nonempty("network_interface").is_some() {
                cx.c.ec2
                    .associate_address()
                    .allocation_id(&id)
                    .set_instance_id(p.s_nonempty("instance"))
                    .set_network_interface_id(p.s_nonempty("network_interface"))
                    .set_private_ip_address(p.s_nonempty("associate_with_private_ip"))
                    .send()
                    .await
                    .map_err(|e| wrap(ae("EC2 AssociateAddress")(e).into()))?;
            }
        }
        update_tags(cx, &id, prior, p).await.map_err(wrap)?;
        Ok(Obj::new())
    }

    async fn delete(&self, cx: &Cx<'_>, prior: &Obj) -> Res<()> {
        let id = oid(prior);
        let now = describe_eips(cx, vec![id.clone()]).await?;
        if let Some(a) = now
            .first()
            .and_then(|(_, o)| o.s_nonempty("association_id"))
        {
            match cx
                .c
                .ec2
                .disassociate_address()
                .association_id(a)
                .send()
                .await
            {
                Ok(_) => {}
                Err(e) => {
                    let e = ae("EC2 DisassociateAddress")(e);
                    if !e.is_not_found() {
                        return Err(e.into());
                    }
                }
            }
        }
        retry_codes(
            cx.op,
            &cx.c.timing,
            &["AuthFailure", "InvalidIPAddress.InUse"],
            None,
            "releasing address",
            || async {
                cx.c.ec2
                    .release_address()
                    .allocation_id(&id)
                    .send()
                    .await
                    .map_err(ae("EC2 ReleaseAddress"))
            },
        )
        .await?;
        Ok(())
    }

    fn customize_plan(&self, _prior: Option<&Obj>, planned: &mut Obj, _replacing: bool) {
        // `vpc = true` is the old way to say domain = "vpc".
        if planned.get("domain").is_some_and(|v| !v.is_known()) && planned.b("vpc") == Some(true) {
            planned.insert("domain".into(), Value::string("vpc"));
        }
    }
}

// ===================================================================== aws_nat_gateway

/// `aws_nat_gateway`
pub struct NatGateway;

async fn describe_nats(cx: &Cx<'_>, ids: Vec<String>) -> Res<Vec<(String, Obj)>> {
    let out =
        cx.c.ec2
            .describe_nat_gateways()
            .filter(filter("nat-gateway-id", ids))
            .send()
            .await
            .map_err(ae("EC2 DescribeNatGateways"))?;
    Ok(out
        .nat_gateways()
        .iter()
        // deleted gateways stay listed for a while: they are gone
        .filter(|g| {
            g.state()
                .is_none_or(|s| !matches!(s.as_str(), "deleted" | "deleting"))
        })
        .map(|g| {
            let id = id_of(g.nat_gateway_id());
            let addr = g
                .nat_gateway_addresses()
                .iter()
                .find(|a| a.is_primary().unwrap_or(true))
                .or_else(|| g.nat_gateway_addresses().first());
            let o = Obj::from([
                ("id".into(), Value::string(&id)),
                ("subnet_id".into(), sv(g.subnet_id())),
                (
                    "connectivity_type".into(),
                    Value::string(g.connectivity_type().map_or("public", |c| c.as_str())),
                ),
                (
                    "allocation_id".into(),
                    addr.and_then(|a| a.allocation_id())
                        .map_or_else(|| Value::null(S), Value::string),
                ),
                (
                    "network_interface_id".into(),
                    sv(addr.and_then(|a| a.network_interface_id())),
                ),
                ("public_ip".into(), sv(addr.and_then(|a| a.public_ip()))),
                ("private_ip".into(), sv(addr.and_then(|a| a.private_ip()))),
                (
                    "association_id".into(),
                    sv(addr.and_then(|a| a.association_id())),
                ),
                ("state".into(), sv(g.state().map(|s| s.as_str()))),
                ("tags_all".into(), tags_value(g.tags())),
            ]);
            (id, o)
        })
        .collect())
}

#[async_trait::async_trait]
impl Resource for NatGateway {
    fn schema(&self) -> Schema {
        with_timeouts(
            with_tags(
                Schema::new()
                    .attr("id", comp(S))
                    .attr("allocation_id", opt(S).force_new())
                    .attr("subnet_id", req(S).force_new())
                    .attr("connectivity_type", opt(S).default("public").force_new())
                    .attr("private_ip", oc(S).force_new())
                    .attr("network_interface_id", comp(S))
                    .attr("public_ip", comp(S))
                    .attr("association_id", comp(S)),
            ),
            &["create", "update", "delete"],
        )
    }

    async fn create(&self, cx: &Cx<'_>, p: &Obj) -> Result<Obj, Fail> {
        let call =
            cx.c.ec2
                .create_nat_gateway()
                .subnet_id(p.s_or_empty("subnet_id"))
                .set_allocation_id(p.s_nonempty("allocation_id"))
                .set_private_ip_address(p.s_nonempty("private_ip"))
                .connectivity_type(aws_sdk_ec2::types::ConnectivityType::from(
                    p.s_nonempty("connectivity_type")
                        .unwrap_or_else(|| "public".into())
                        .as_str(),
                ))
                .set_tag_specifications(tag_spec(ResourceType::Natgateway, &p.smap("tags_all")));
        let out = ec2_retry(cx, "creating NAT gateway", || {
            let call = call.clone();
            async move { call.send().await.map_err(ae("EC2 CreateNatGateway")) }
        })
        .await
        .map_err(|e| Fail::from(e.diag("aws_nat_gateway")))?;
        let id = id_of(out.nat_gateway().and_then(|g| g.nat_gateway_id()));
        let partial = Obj::from([("id".to_string(), Value::string(&id))]);
        wait_nat(cx, &id, &["available"])
            .await
            .map_err(|e| Fail::with_partial(partial.clone(), e.diag("aws_nat_gateway")))?;
        Ok(partial)
    }

    async fn read_many(&self, cx: &Cx<'_>, states: &[Obj]) -> Vec<Res<Option<Obj>>> {
        let ids: Vec<String> = states.iter().map(oid).collect();
        let found = batched(&ids, |chunk| describe_nats(cx, chunk)).await;
        let mut out = in_order(states, "id", found);
        for o in out.iter_mut().flatten().flatten() {
            o.remove("state");
        }
        out
    }

    async fn update(&self, cx: &Cx<'_>, prior: &Obj, p: &Obj) -> Result<Obj, Fail> {
        let id = oid(prior);
        update_tags(cx, &id, prior, p)
            .await
            .map_err(|e| Fail::with_partial(prior.clone(), e.diag("aws_nat_gateway")))?;
        Ok(Obj::new())
    }

    async fn delete(&self, cx: &Cx<'_>, prior: &Obj) -> Res<()> {
        let id = oid(prior);
        cx.c.ec2
            .delete_nat_gateway()
            .nat_gateway_id(&id)
            .send()
            .await
            .map_err(ae("EC2 DeleteNatGateway"))?;
        wait_for(
            cx.op,
            &cx.c.timing,
            &format!("aws_nat_gateway {id}"),
            "deletion",
            Some(Duration::from_secs(60)),
            Duration::from_secs(10),
            Duration::from_secs(10),
            || async {
                let r =
                    cx.c.ec2
                        .describe_nat_gateways()
                        .filter(filter("nat-gateway-id", [id.clone()]))
                        .send()
                        .await
                        .map_err(ae("EC2 DescribeNatGateways"))?;
                Ok(match r.nat_gateways().first().and_then(|g| g.state()) {
                    None => Poll::Done(()),
                    Some(s) if s.as_str() == "deleted" => Poll::Done(()),
                    Some(s) => Poll::Pending(s.as_str().to_string()),
                })
            },
        )
        .await
    }
}

async fn wait_nat(cx: &Cx<'_>, id: &str, target: &[&str]) -> Res<()> {
    wait_for(
        cx.op,
        &cx.c.timing,
        &format!("aws_nat_gateway {id}"),
        "state available",
        Some(Duration::from_secs(120)),
        Duration::from_secs(10),
        Duration::from_secs(10),
        || async {
            let r =
                cx.c.ec2
                    .describe_nat_gateways()
                    .filter(filter("nat-gateway-id", [id.to_string()]))
                    .send()
                    .await
                    .map_err(ae("EC2 DescribeNatGateways"))?;
            let g = r.nat_gateways().first();
            Ok(match g.and_then(|g| g.state()) {
                Some(s) if target.contains(&s.as_str()) => Poll::Done(()),
                Some(s) if s.as_str() == "failed" => {
                    return Err(err(
                        "NAT gateway failed",
                        format!(
                            "NAT gateway {id} failed: {}",
                            g.and_then(|g| g.failure_message())
                                .unwrap_or("no reason given")
                        ),
                    ))
                }
                Some(s) => Poll::Pending(s.as_str().to_string()),
                None => Poll::Pending("not visible yet".into()),
            })
        },
    )
    .await
}
