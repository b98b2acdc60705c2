//! aws_vpn_gateway: a virtual private gateway, attached to at most one VPC.

use super::*;
use crate::util::Fail;
use aws_sdk_ec2::types::GatewayType;

fn oid(o: &Obj) -> String {
    o.s_or_empty("id")
}

/// `aws_vpn_gateway`
pub struct VpnGateway;

async fn describe_vgws(cx: &Cx<'_>, ids: Vec<String>) -> Res<Vec<(String, Obj)>> {
    let out =
        cx.c.ec2
            .describe_vpn_gateways()
            .filters(filter("vpn-gateway-id", ids))
            .send()
            .await
            .map_err(ae("EC2 DescribeVpnGateways"))?;
    Ok(out
        .vpn_gateways()
        .iter()
        // A deleted gateway stays visible for a while in state "deleted": it is gone.
        .filter(|g| g.state().is_none_or(|s| s.as_str() != "deleted"))
        .map(|g| {
            let id = id_of(g.vpn_gateway_id());
            let vpc = g
                .vpc_attachments()
                .iter()
                .find(|a| {
                    a.state()
                        .is_none_or(|s| matches!(s.as_str(), "attached" | "attaching"))
                })
                .and_then(|a| a.vpc_id());
            let asn = g
                .amazon_side_asn()
                .map_or_else(|| Value::null(S), |n| Value::string(n.to_string()));
            let o = Obj::from([
                ("id".into(), Value::string(&id)),
                (
                    "arn".into(),
                    Value::string(cx.c.arn("ec2", &format!("vpn-gateway/{id}"))),
                ),
                (
                    "vpc_id".into(),
                    vpc.map_or_else(|| Value::null(S), Value::string),
                ),
                ("amazon_side_asn".into(), asn),
                ("availability_zone".into(), sv(g.availability_zone())),
                ("tags_all".into(), tags_value(g.tags())),
            ]);
            (id, o)
        })
        .collect())
}

async fn vgw_attach(cx: &Cx<'_>, id: &str, vpc: &str) -> Res<()> {
    ec2_retry(cx, "attaching VPN gateway", || async {
        cx.c.ec2
            .attach_vpn_gateway()
            .vpn_gateway_id(id)
            .vpc_id(vpc)
            .send()
            .await
            .map_err(ae("EC2 AttachVpnGateway"))
    })
    .await?;
    Ok(())
}

async fn vgw_detach(cx: &Cx<'_>, id: &str, vpc: &str) -> Res<()> {
    let r = retry_dependency(cx, "detaching VPN gateway", || async {
        cx.c.ec2
            .detach_vpn_gateway()
            .vpn_gateway_id(id)
            .vpc_id(vpc)
            .send()
            .await
            .map_err(ae("EC2 DetachVpnGateway"))
    })
    .await;
    match r {
        Ok(_) => Ok(()),
        Err(Error::Api(e))
            if e.is(&["InvalidVpnGatewayAttachment.NotFound"]) || e.is_not_found() =>
        {
            Ok(())
        }
        Err(e) => Err(e),
    }
}

#[async_trait::async_trait]
impl Resource for VpnGateway {
    fn schema(&self) -> Schema {
        with_tags(
            Schema::new()
                .attr("id", comp(S))
                .attr("arn", comp(S))
                .attr("vpc_id", oc(S).describe("The VPC to attach the gateway to"))
                .attr(
                    "amazon_side_asn",
                    oc(S)
                        .force_new()
                        .describe("The private ASN for the Amazon side of a BGP session"),
                )
                .attr("availability_zone", opt(S).force_new()),
        )
    }

    async fn create(&self, cx: &Cx<'_>, p: &Obj) -> Result<Obj, Fail> {
        let asn = match p.s_nonempty("amazon_side_asn") {
            None => None,
            Some(s) => Some(s.parse::<i64>().map_err(|_| {
                Fail::from(Diagnostics::from(Diagnostic::error(
                    "Invalid amazon_side_asn",
                    format!("aws_vpn_gateway: amazon_side_asn \"{s}\" is not a number."),
                )))
            })?),
        };
        let out =
            cx.c.ec2
                .create_vpn_gateway()
                .r#type(GatewayType::Ipsec1)
                .set_amazon_side_asn(asn)
                .set_availability_zone(p.s_nonempty("availability_zone"))
                .set_tag_specifications(tag_spec(ResourceType::VpnGateway, &p.smap("tags_all")))
                .send()
                .await
                .map_err(|e| {
                    Fail::from(Error::from(ae("EC2 CreateVpnGateway")(e)).diag("aws_vpn_gateway"))
                })?;
        let id = id_of(out.vpn_gateway().and_then(|g| g.vpn_gateway_id()));
        let partial = Obj::from([
            ("id".to_string(), Value::string(&id)),
            ("vpc_id".to_string(), Value::null(S)),
        ]);
        if let Some(vpc) = p.s_nonempty("vpc_id") {
            vgw_attach(cx, &id, &vpc)
                .await
                .map_err(|e| Fail::with_partial(partial.clone(), e.diag("aws_vpn_gateway")))?;
        }
        Ok(Obj::from([("id".to_string(), Value::string(&id))]))
    }

    async fn read_many(&self, cx: &Cx<'_>, states: &[Obj]) -> Vec<Res<Option<Obj>>> {
        let ids: Vec<String> = states.iter().map(oid).collect();
        let found = batched(&ids, |chunk| describe_vgws(cx, chunk)).await;
        in_order(states, "id", found)
    }

    async fn update(&self, cx: &Cx<'_>, prior: &Obj, p: &Obj) -> Result<Obj, Fail> {
        let id = oid(prior);
        let wrap = |e: Error| Fail::with_partial(prior.clone(), e.diag("aws_vpn_gateway"));
        let (old, new) = (prior.s_nonempty("vpc_id"), p.s_nonempty("vpc_id"));
        if old != new {
            if let Some(o) = &old {
                vgw_detach(cx, &id, o).await.map_err(wrap)?;
            }
            if let Some(n) = &new {
                vgw_attach(cx, &id, n).await.map_err(wrap)?;
            }
        }
        update_tags(cx, &id, prior, p).await.map_err(wrap)?;
        Ok(Obj::new())
    }

    async fn delete(&self, cx: &Cx<'_>, prior: &Obj) -> Res<()> {
        let id = oid(prior);
        let now = describe_vgws(cx, vec![id.clone()]).await?;
        if let Some((_, o)) = now.first() {
            if let Some(vpc) = o.s_nonempty("vpc_id") {
                vgw_detach(cx, &id, &vpc).await?;
            }
        } else {
            return Ok(());
        }
        retry_dependency(cx, "deleting VPN gateway", || async {
            cx.c.ec2
                .delete_vpn_gateway()
                .vpn_gateway_id(&id)
                .send()
                .await
                .map_err(ae("EC2 DeleteVpnGateway"))
        })
        .await?;
        Ok(())
    }
}
