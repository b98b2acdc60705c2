//! aws_route_table (inline routes) and aws_route_table_association.

use super::*;
use crate::util::Fail;

/// The destination attributes of a route.
const DESTS: &[&str] = &[
    "cidr_block",
    "ipv6_cidr_block",
    "destination_prefix_list_id",
];
/// The target attributes of a route.
const TARGETS: &[&str] = &[
    "carrier_gateway_id",
    "core_network_arn",
    "egress_only_gateway_id",
    "gateway_id",
    "local_gateway_id",
    "nat_gateway_id",
    "network_interface_id",
    "transit_gateway_id",
    "vpc_endpoint_id",
    "vpc_peering_connection_id",
];

fn route_schema() -> Schema {
    let mut s = Schema::new();
    for a in DESTS.iter().chain(TARGETS) {
        s = s.attr(a, opt(S));
    }
    s
}

/// Fills every route attribute ("" when unset), as Terraform's provider stores them.
fn norm_route(r: &Obj) -> Value {
    Value::object(
        DESTS
            .iter()
            .chain(TARGETS)
            .map(|a| {
                let v = match r.get(*a) {
                    Some(v) if !v.is_known() => v.clone(),
                    _ => Value::string(r.s_or_empty(a)),
                };
                (a.to_string(), v)
            })
            .collect(),
    )
}

fn route_obj(r: &aws_sdk_ec2::types::Route) -> Option<Obj> {
    if r.gateway_id() == Some("local") {
        return None;
    }
    if r.origin()
        .is_some_and(|o| o.as_str() == "EnableVgwRoutePropagation")
    {
        return None;
    }
    // routes created by gateway VPC endpoints are managed by the endpoint
    if r.destination_prefix_list_id().is_some()
        && r.gateway_id().is_some_and(|g| g.starts_with("vpce-"))
    {
        return None;
    }
    let mut o = Obj::new();
    let put = |o: &mut Obj, k: &str, v: Option<&str>| {
        o.insert(k.to_string(), Value::string(v.unwrap_or_default()));
    };
    put(&mut o, "cidr_block", r.destination_cidr_block());
    put(&mut o, "ipv6_cidr_block", r.destination_ipv6_cidr_block());
    put(
        &mut o,
        "destination_prefix_list_id",
        r.destination_prefix_list_id(),
    );
    put(&mut o, "carrier_gateway_id", r.carrier_gateway_id());
    put(&mut o, "core_network_arn", r.core_network_arn());
    put(
        &mut o,
        "egress_only_gateway_id",
        r.egress_only_internet_gateway_id(),
    );
    let gw = r.gateway_id().unwrap_or_default();
    if gw.starts_with("vpce-") {
        put(&mut o, "vpc_endpoint_id", Some(gw));
        put(&mut o, "gateway_id", None);
    } else {
        put(&mut o, "gateway_id", Some(gw));
        put(&mut o, "vpc_endpoint_id", None);
    }
    put(&mut o, "local_gateway_id", r.local_gateway_id());
    put(&mut o, "nat_gateway_id", r.nat_gateway_id());
    put(&mut o, "network_interface_id", r.network_interface_id());
    put(&mut o, "transit_gateway_id", r.transit_gateway_id());
    put(
        &mut o,
        "vpc_peering_connection_id",
        r.vpc_peering_connection_id(),
    );
    Some(o)
}

fn route_type() -> Type {
    route_schema().object_type()
}

/// Destination key of a route.
fn dest_of(r: &Obj) -> (String, String) {
    for d in DESTS {
        if let Some(v) = r.s_nonempty(d) {
            return (d.to_string(), v);
        }
    }
    (String::new(), String::new())
}

async fn create_route(cx: &Cx<'_>, rtb: &str, r: &Obj, replace: bool) -> Res<()> {
    macro_rules! fill {
        ($call:expr) => {{
            let (dk, dv) = dest_of(r);
            let mut c = $call.route_table_id(rtb);
            c = match dk.as_str() {
                "cidr_block" => c.destination_cidr_block(dv),
                "ipv6_cidr_block" => c.destination_ipv6_cidr_block(dv),
                _ => c.destination_prefix_list_id(dv),
            };
            c.set_carrier_gateway_id(r.s_nonempty("carrier_gateway_id"))
                .set_core_network_arn(r.s_nonempty("core_network_arn"))
                .set_egress_only_internet_gateway_id(r.s_nonempty("egress_only_gateway_id"))
                .set_gateway_id(r.s_nonempty("gateway_id"))
                .set_local_gateway_id(r.s_nonempty("local_gateway_id"))
                .set_nat_gateway_id(r.s_nonempty("nat_gateway_id"))
                .set_network_interface_id(r.s_nonempty("network_interface_id"))
                .set_transit_gateway_id(r.s_nonempty("transit_gateway_id"))
                .set_vpc_endpoint_id(r.s_nonempty("vpc_endpoint_id"))
                .set_vpc_peering_connection_id(r.s_nonempty("vpc_peering_connection_id"))
        }};
    }
    if replace {
        let call = fill!(cx.c.ec2.replace_route());
        ec2_retry(cx, "replacing route", || {
            let call = call.clone();
            async move { call.send().await.map_err(ae("EC2 ReplaceRoute")) }
        })
        .await?;
    } else {
        let call = fill!(cx.c.ec2.create_route());
        ec2_retry(cx, "creating route", || {
            let call = call.clone();
            async move { call.send().await.map_err(ae("EC2 CreateRoute")) }
        })
        .await?;
    }
    Ok(())
}

async fn delete_route(cx: &Cx<'_>, rtb: &str, r: &Obj) -> Res<()> {
    let (dk, dv) = dest_of(r);
    let mut c = cx.c.ec2.delete_route().route_table_id(rtb);
    c = match dk.as_str() {
        "cidr_block" => c.destination_cidr_block(dv),
        "ipv6_cidr_block" => c.destination_ipv6_cidr_block(dv),
        _ => c.destination_prefix_list_id(dv),
    };
    match c.send().await {
        Ok(_) => Ok(()),
        Err(e) => {
            let e = ae("EC2 DeleteRoute")(e);
            if e.is_not_found() {
                Ok(())
            } else {
                Err(e.into())
            }
        }
    }
}

/// `aws_route_table`
pub struct RouteTable;

async fn describe_rtbs(cx: &Cx<'_>, ids: Vec<String>) -> Res<Vec<(String, Obj)>> {
    let out =
        cx.c.ec2
            .describe_route_tables()
            .filters(filter("route-table-id", ids))
            .send()
            .await
            .map_err(ae("EC2 DescribeRouteTables"))?;
    Ok(out
        .route_tables()
        .iter()
        .map(|t| {
            let id = id_of(t.route_table_id());
            let routes: Vec<Value> = t
                .routes()
                .iter()
                .filter_map(route_obj)
                .map(|r| norm_route(&r))
                .collect();
            let vgws: Vec<String> = t
                .propagating_vgws()
                .iter()
                .filter_map(|v| v.gateway_id().map(str::to_string))
                .collect();
            let o = Obj::from([
                ("id".into(), Value::string(&id)),
                (
                    "arn".into(),
                    Value::string(cx.c.arn("ec2", &format!("route-table/{id}"))),
                ),
                ("vpc_id".into(), sv(t.vpc_id())),
                ("owner_id".into(), sv(t.owner_id())),
                ("route".into(), Value::set(route_type(), routes)),
                ("propagating_vgws".into(), crate::util::sset(vgws)),
                ("tags_all".into(), tags_value(t.tags())),
            ]);
            (id, o)
        })
        .collect())
}

#[async_trait::async_trait]
impl Resource for RouteTable {
    fn schema(&self) -> Schema {
        with_timeouts(
            with_tags(
                Schema::new()
                    .attr("id", comp(S))
                    .attr("arn", comp(S))
                    .attr("vpc_id", req(S).force_new())
                    .attr("propagating_vgws", oc(sset_t()))
                    .attr("owner_id", comp(S))
                    .block("route", Nesting::Set, route_schema(), 0, 0),
            ),
            &["create", "update", "delete"],
        )
    }

    fn customize_plan(&self, _prior: Option<&Obj>, planned: &mut Obj, _replacing: bool) {
        if let Some(v) = planned.get("route") {
            if v.is_known() && !v.is_null() {
                let routes: Vec<Value> = planned.blocks("route").iter().map(norm_route).collect();
                planned.insert("route".into(), Value::set(route_type(), routes));
            }
        }
    }

    async fn create(&self, cx: &Cx<'_>, p: &Obj) -> Result<Obj, Fail> {
        let call =
            cx.c.ec2
                .create_route_table()
                .vpc_id(p.s_or_empty("vpc_id"))
                .set_tag_specifications(tag_spec(ResourceType::RouteTable, &p.smap("tags_all")));
        let out = ec2_retry(cx, "creating route table", || {
            let call = call.clone();
            async move { call.send().await.map_err(ae("EC2 CreateRouteTable")) }
        })
        .await
        .map_err(|e| Fail::from(e.diag("aws_route_table")))?;
        let id = id_of(out.route_table().and_then(|t| t.route_table_id()));
        let partial = Obj::from([("id".to_string(), Value::string(&id))]);
        for r in p.blocks("route") {
            create_route(cx, &id, &r, false)
                .await
                .map_err(|e| Fail::with_partial(partial.clone(), e.diag("aws_route_table")))?;
        }
        for vgw in p.strs("propagating_vgws") {
            cx.c.ec2
                .enable_vgw_route_propagation()
                .route_table_id(&id)
                .gateway_id(vgw)
                .send()
                .await
                .map_err(|e| {
                    Fail::with_partial(
                        partial.clone(),
                        Error::from(ae("EC2 EnableVgwRoutePropagation")(e)).diag("aws_route_table"),
                    )
                })?;
        }
        Ok(partial)
    }

    async fn read_many(&self, cx: &Cx<'_>, states: &[Obj]) -> Vec<Res<Option<Obj>>> {
        let ids: Vec<String> = states.iter().map(|s| s.s_or_empty("id")).collect();
        let found = batched(&ids, |chunk| describe_rtbs(cx, chunk)).await;
        in_order(states, "id", found)
    }

    async fn update(&self, cx: &Cx<'_>, prior: &Obj, p: &Obj) -> Result<Obj, Fail> {
        let id = prior.s_or_empty("id");
        let wrap = |e: Error| Fail::with_partial(prior.clone(), e.diag("aws_route_table"));
        let old: BTreeMap<(String, String), Obj> = prior
            .blocks("route")
            .into_iter()
            .map(|r| (dest_of(&r), r))
            .collect();
        let new: BTreeMap<(String, String), Obj> = p
            .blocks("route")
            .into_iter()
            .map(|r| (dest_of(&r), r))
            .collect();
        for (k, r) in &old {
            if !new.contains_key(k) {
                delete_route(cx, &id, r).await.map_err(wrap)?;
            }
        }
        for (k, r) in &new {
            match old.get(k) {
                None => create_route(cx, &id, r, false).await.map_err(wrap)?,
                Some(o) if !norm_route(o).raw_equal(&norm_route(r)) => {
                    create_route(cx, &id, r, true).await.map_err(wrap)?
                }
                Some(_) => {}
            }
        }
        let (ov, nv) = (prior.strs("propagating_vgws"), p.strs("propagating_vgws"));
        if p.known("propagating_vgws") {
            for g in ov.iter().filter(|g| !nv.contains(g)) {
                cx.c.ec2
                    .disable_vgw_route_propagation()
                    .route_table_id(&id)
                    .gateway_id(g)
                    .send()
                    .await
                    .map_err(|e| wrap(ae("EC2 DisableVgwRoutePropagation")(e).into()))?;
            }
            for g in nv.iter().filter(|g| !ov.contains(g)) {
                cx.c.ec2
                    .enable_vgw_route_propagation()
                    .route_table_id(&id)
                    .gateway_id(g)
                    .send()
                    .await
                    .map_err(|e| wrap(ae("EC2 EnableVgwRoutePropagation")(e).into()))?;
            }
        }
        update_tags(cx, &id, prior, p).await.map_err(wrap)?;
        Ok(Obj::new())
    }

    async fn delete(&self, cx: &Cx<'_>, prior: &Obj) -> Res<()> {
        let id = prior.s_or_empty("id");
        // disassociate whatever is still associated (Terraform does the same)
        let out =
            cx.c.ec2
                .describe_route_tables()
                .filters(filter("route-table-id", [id.clone()]))
                .send()
                .await
                .map_err(ae("EC2 DescribeRouteTables"))?;
        if let Some(t) = out.route_tables().first() {
            for a in t.associations() {
                if a.main() == Some(true) {
                    continue;
                }
                if let Some(aid) = a.route_table_association_id() {
                    let r =
                        cx.c.ec2
                            .disassociate_route_table()
                            .association_id(aid)
                            .send()
                            .await;
                    if let Err(e) = r {
                        let e = ae("EC2 DisassociateRouteTable")(e);
                        if !e.is_not_found() {
                            return Err(e.into());
                        }
                    }
                }
            }
        } else {
            return Ok(());
        }
        retry_dependency(cx, "deleting route table", || async {
            cx.c.ec2
                .delete_route_table()
                .route_table_id(&id)
                .send()
                .await
                .map_err(ae("EC2 DeleteRouteTable"))
        })
        .await?;
        Ok(())
    }
}

/// `aws_route_table_association`
pub struct RouteTableAssociation;

async fn describe_assocs(cx: &Cx<'_>, ids: Vec<String>) -> Res<Vec<(String, Obj)>> {
    let out =
        cx.c.ec2
            .describe_route_tables()
            .filters(filter(
                "association.route-table-association-id",
                ids.clone(),
            ))
            .send()
            .await
            .map_err(ae("EC2 DescribeRouteTables"))?;
    let mut res = Vec::new();
    for t in out.route_tables() {
        for a in t.associations() {
            let Some(aid) = a.route_table_association_id() else {
                continue;
            };
            if !ids.iter().any(|i| i == aid) {
                continue;
            }
            if a.association_state()
                .and_then(|s| s.state())
                .is_some_and(|s| matches!(s.as_str(), "disassociated" | "disassociating"))
            {
                continue;
            }
            let o = Obj::from([
                ("id".into(), Value::string(aid)),
                ("route_table_id".into(), sv(t.route_table_id())),
                (
                    "subnet_id".into(),
                    a.subnet_id().map_or_else(|| Value::null(S), Value::string),
                ),
                (
                    "gateway_id".into(),
                    a.gateway_id().map_or_else(|| Value::null(S), Value::string),
                ),
            ]);
            res.push((aid.to_string(), o));
        }
    }
    Ok(res)
}

#[async_trait::async_trait]
impl Resource for RouteTableAssociation {
    fn schema(&self) -> Schema {
        with_timeouts(
            Schema::new()
                .attr("id", comp(S))
                .attr("subnet_id", opt(S).force_new())
                .attr("gateway_id", opt(S).force_new())
                .attr("route_table_id", req(S)),
            &["create", "update", "delete"],
        )
    }

    fn customize_plan(&self, prior: Option<&Obj>, planned: &mut Obj, replacing: bool) {
        // ReplaceRouteTableAssociation gives a new association id.
        if let Some(p) = prior {
            if !replacing && p.s("route_table_id") != planned.s("route_table_id") {
                planned.insert("id".into(), Value::unknown(S));
            }
        }
    }

    async fn create(&self, cx: &Cx<'_>, p: &Obj) -> Result<Obj, Fail> {
        let call =
            cx.c.ec2
                .associate_route_table()
                .route_table_id(p.s_or_empty("route_table_id"))
                .set_subnet_id(p.s_nonempty("subnet_id"))
                .set_gateway_id(p.s_nonempty("gateway_id"));
        let out = ec2_retry(cx, "associating route table", || {
            let call = call.clone();
            async move { call.send().await.map_err(ae("EC2 AssociateRouteTable")) }
        })
        .await
        .map_err(|e| Fail::from(e.diag("aws_route_table_association")))?;
        Ok(Obj::from([("id".to_string(), sv(out.association_id()))]))
    }

    async fn read_many(&self, cx: &Cx<'_>, states: &[Obj]) -> Vec<Res<Option<Obj>>> {
        // imports arrive as "subnet-.../rtb-..." and are resolved here
        let mut resolved = Vec::with_capacity(states.len());
        for s in states {
            let id = s.s_or_empty("id");
            if let Some((target, rtb)) = id.split_once('/') {
                match find_assoc(cx, target, rtb).await {
                    Ok(Some(aid)) => {
                        let mut s = s.clone();
                        s.insert("id".into(), Value::string(aid));
                        resolved.push(s);
                    }
                    Ok(None) => resolved.push(s.clone()),
                    Err(e) => {
                        return states
                            .iter()
                            .map(|_| Err(Error::Diag(e.diag("reading"))))
                            .collect()
                    }
                }
            } else {
                resolved.push(s.clone());
            }
        }
        let ids: Vec<String> = resolved.iter().map(|s| s.s_or_empty("id")).collect();
        let found = batched(&ids, |chunk| describe_assocs(cx, chunk)).await;
        in_order(&resolved, "id", found)
    }

    async fn update(&self, cx: &Cx<'_>, prior: &Obj, p: &Obj) -> Result<Obj, Fail> {
        let out =
            cx.c.ec2
                .replace_route_table_association()
                .association_id(prior.s_or_empty("id"))
                .route_table_id(p.s_or_empty("route_table_id"))
                .send()
                .await
                .map_err(|e| {
                    Fail::with_partial(
                        prior.clone(),
                        Error::from(ae("EC2 ReplaceRouteTableAssociation")(e))
                            .diag("aws_route_table_association"),
                    )
                })?;
        Ok(Obj::from([(
            "id".to_string(),
            sv(out.new_association_id()),
        )]))
    }

    async fn delete(&self, cx: &Cx<'_>, prior: &Obj) -> Res<()> {
        retry_dependency(cx, "disassociating route table", || async {
            cx.c.ec2
                .disassociate_route_table()
                .association_id(prior.s_or_empty("id"))
                .send()
                .await
                .map_err(ae("EC2 DisassociateRouteTable"))
        })
        .await?;
        Ok(())
    }
}

async fn find_assoc(cx: &Cx<'_>, target: &str, rtb: &str) -> Res<Option<String>> {
    let out =
        cx.c.ec2
            .describe_route_tables()
            .filters(filter("route-table-id", [rtb.to_string()]))
            .send()
            .await
            .map_err(ae("EC2 DescribeRouteTables"))?;
    Ok(out.route_tables().first().and_then(|t| {
        t.associations()
            .iter()
            .find(|a| a.subnet_id() == Some(target) || a.gateway_id() == Some(target))
            .and_then(|a| a.route_table_association_id().map(str::to_string))
    }))
}
