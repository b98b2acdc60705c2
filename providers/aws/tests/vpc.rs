//! The VPC family against the emulator: create → checked with the SDK → no-op plan → update
//! in place → force-new replace → out-of-band change found by read → import → delete → gone.

mod support;

use girder_core::Value;
use serde_json::json;
use support::*;

async fn vpc(p: &girder_provider_aws::AwsProvider, cidr: &str) -> Value {
    create(p, "aws_vpc", json!({"cidr_block": cidr})).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vpc_lifecycle() {
    let p = provider().await;
    let ec2 = p.clients().unwrap().ec2.clone();
    let cfg = json!({"cidr_block": "10.1.0.0/16", "tags": {"Name": "main"}});
    let st = create(&p, "aws_vpc", cfg.clone()).await;
    let id = s(&st, "id");
    assert!(id.starts_with("vpc-"));
    // default tags merged into tags_all, not into tags
    assert_eq!(smap(attr(&st, "tags")).len(), 1);
    assert_eq!(smap(attr(&st, "tags_all"))["Suite"], "girder");
    assert!(s(&st, "main_route_table_id").starts_with("rtb-"));
    assert!(s(&st, "default_security_group_id").starts_with("sg-"));
    assert_eq!(attr(&st, "enable_dns_support"), &Value::bool(true));
    // the emulator has it, with both tags
    let out = ec2.describe_vpcs().vpc_ids(&id).send().await.unwrap();
    let v = &out.vpcs()[0];
    assert_eq!(v.cidr_block(), Some("10.1.0.0/16"));
    assert_eq!(v.tags().len(), 2);
    assert_noop(&p, "aws_vpc", &st, cfg).await;

    // update in place: DNS hostnames and tags
    let cfg2 = json!({"cidr_block": "10.1.0.0/16", "enable_dns_hostnames": true, "tags": {"Name": "renamed"}});
    let (st2, plan) = apply(&p, "aws_vpc", &st, cfg2.clone()).await;
    assert!(plan.requires_replace.is_empty());
    assert_eq!(s(&st2, "id"), id);
    let a = ec2
        .describe_vpc_attribute()
        .vpc_id(&id)
        .attribute(aws_sdk_ec2::types::VpcAttributeName::EnableDnsHostnames)
        .send()
        .await
        .unwrap();
    assert_eq!(a.enable_dns_hostnames().and_then(|b| b.value()), Some(true));
    assert_noop(&p, "aws_vpc", &st2, cfg2.clone()).await;

    // out-of-band change found by read
    ec2.create_tags()
        .resources(&id)
        .tags(
            aws_sdk_ec2::types::Tag::builder()
                .key("Name")
                .value("drifted")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let r = read(&p, "aws_vpc", &st2).await.expect("exists");
    assert_eq!(smap(attr(&r, "tags"))["Name"], "drifted");

    // import
    let imp = import(&p, "aws_vpc", &id).await;
    assert_eq!(s(&imp, "cidr_block"), "10.1.0.0/16");
    assert_eq!(attr(&imp, "enable_dns_hostnames"), &Value::bool(true));
    assert_eq!(smap(attr(&imp, "tags"))["Name"], "drifted");

    // force-new: cidr_block
    let cfg3 = json!({"cidr_block": "10.2.0.0/16", "tags": {"Name": "renamed"}});
    let (st3, plan) = apply(&p, "aws_vpc", &r, cfg3).await;
    assert_eq!(replace_names(&plan), ["cidr_block"]);
    assert_ne!(s(&st3, "id"), id);
    assert!(
        read(&p, "aws_vpc", &r).await.is_none(),
        "the old VPC is gone"
    );

    destroy(&p, "aws_vpc", &st3).await;
    assert!(read(&p, "aws_vpc", &st3).await.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subnet_lifecycle() {
    let p = provider().await;
    let ec2 = p.clients().unwrap().ec2.clone();
    let v = vpc(&p, "10.10.0.0/16").await;
    let vid = s(&v, "id");
    let cfg =
        json!({"vpc_id": vid, "cidr_block": "10.10.1.0/24", "availability_zone": "us-east-1a"});
    let st = create(&p, "aws_subnet", cfg.clone()).await;
    let id = s(&st, "id");
    assert_eq!(attr(&st, "map_public_ip_on_launch"), &Value::bool(false));
    assert_eq!(s(&st, "availability_zone"), "us-east-1a");
    let out = ec2.describe_subnets().subnet_ids(&id).send().await.unwrap();
    assert_eq!(out.subnets()[0].cidr_block(), Some("10.10.1.0/24"));
    assert_noop(&p, "aws_subnet", &st, cfg).await;

    // update in place
    let cfg2 = json!({"vpc_id": vid, "cidr_block": "10.10.1.0/24", "availability_zone": "us-east-1a", "map_public_ip_on_launch": true});
    let (st2, plan) = apply(&p, "aws_subnet", &st, cfg2.clone()).await;
    assert!(plan.requires_replace.is_empty());
    assert_eq!(s(&st2, "id"), id);
    let out = ec2.describe_subnets().subnet_ids(&id).send().await.unwrap();
    assert_eq!(out.subnets()[0].map_public_ip_on_launch(), Some(true));
    assert_noop(&p, "aws_subnet", &st2, cfg2).await;

    // drift
    ec2.modify_subnet_attribute()
        .subnet_id(&id)
        .map_public_ip_on_launch(
            aws_sdk_ec2::types::AttributeBooleanValue::builder()
                .value(false)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let r = read(&p, "aws_subnet", &st2).await.unwrap();
    assert_eq!(attr(&r, "map_public_ip_on_launch"), &Value::bool(false));

    let imp = import(&p, "aws_subnet", &id).await;
    assert_eq!(s(&imp, "vpc_id"), vid);
    assert_eq!(s(&imp, "cidr_block"), "10.10.1.0/24");

    // force-new: cidr
    let cfg3 = json!({"vpc_id": vid, "cidr_block": "10.10.2.0/24"});
    let (st3, plan) = apply(&p, "aws_subnet", &r, cfg3).await;
    assert!(replace_names(&plan).contains(&"cidr_block".to_string()));
    assert_ne!(s(&st3, "id"), id);
    destroy(&p, "aws_subnet", &st3).await;
    assert!(read(&p, "aws_subnet", &st3).await.is_none());
    destroy(&p, "aws_vpc", &v).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn internet_gateway_eip_nat() {
    let p = provider().await;
    let ec2 = p.clients().unwrap().ec2.clone();
    let v1 = vpc(&p, "10.20.0.0/16").await;
    let v2 = vpc(&p, "10.21.0.0/16").await;
    let cfg = json!({"vpc_id": s(&v1, "id"), "tags": {"Name": "igw"}});
    let igw = create(&p, "aws_internet_gateway", cfg.clone()).await;
    assert_noop(&p, "aws_internet_gateway", &igw, cfg).await;
    // moving to another VPC is an update (detach + attach)
    let cfg2 = json!({"vpc_id": s(&v2, "id"), "tags": {"Name": "igw"}});
    let (igw2, plan) = apply(&p, "aws_internet_gateway", &igw, cfg2.clone()).await;
    assert!(plan.requires_replace.is_empty());
    assert_eq!(s(&igw2, "vpc_id"), s(&v2, "id"));
    let out = ec2
        .describe_internet_gateways()
        .internet_gateway_ids(s(&igw2, "id"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.internet_gateways()[0].attachments()[0].vpc_id(),
        Some(s(&v2, "id").as_str())
    );
    // drift: detached outside
    ec2.detach_internet_gateway()
        .internet_gateway_id(s(&igw2, "id"))
        .vpc_id(s(&v2, "id"))
        .send()
        .await
        .unwrap();
    let r = read(&p, "aws_internet_gateway", &igw2).await.unwrap();
    assert!(attr(&r, "vpc_id").is_null());
    let imp = import(&p, "aws_internet_gateway", &s(&igw2, "id")).await;
    assert_eq!(smap(attr(&imp, "tags"))["Name"], "igw");
    let (igw3, _) = apply(&p, "aws_internet_gateway", &r, cfg2).await;
    assert_eq!(s(&igw3, "vpc_id"), s(&v2, "id"));

    // EIP + NAT gateway in a subnet of v2
    let sn = create(
        &p,
        "aws_subnet",
        json!({"vpc_id": s(&v2, "id"), "cidr_block": "10.21.1.0/24"}),
    )
    .await;
    let eip_cfg = json!({"domain": "vpc", "tags": {"Name": "nat"}});
    let eip = create(&p, "aws_eip", eip_cfg.clone()).await;
    assert!(s(&eip, "id").starts_with("eipalloc-"));
    assert!(!s(&eip, "public_ip").is_empty());
    assert_noop(&p, "aws_eip", &eip, eip_cfg).await;
    let eip_b = create(&p, "aws_eip", json!({"domain": "vpc"})).await;
    let nat_cfg =
        json!({"subnet_id": s(&sn, "id"), "allocation_id": s(&eip, "id"), "tags": {"Name": "nat"}});
    let nat = create(&p, "aws_nat_gateway", nat_cfg.clone()).await;
    assert!(s(&nat, "id").starts_with("nat-"));
    assert_eq!(s(&nat, "connectivity_type"), "public");
    assert_noop(&p, "aws_nat_gateway", &nat, nat_cfg).await;
    // tags in place
    let (nat2, plan) = apply(
        &p,
        "aws_nat_gateway",
        &nat,
        json!({"subnet_id": s(&sn, "id"), "allocation_id": s(&eip, "id"), "tags": {"Name": "nat2"}}),
    )
    .await;
    assert!(plan.requires_replace.is_empty());
    assert_eq!(s(&nat2, "id"), s(&nat, "id"));
    // allocation_id is force-new
    let (nat3, plan) = apply(
        &p,
        "aws_nat_gateway",
        &nat2,
        json!({"subnet_id": s(&sn, "id"), "allocation_id": s(&eip_b, "id")}),
    )
    .await;
    assert_eq!(replace_names(&plan), ["allocation_id"]);
    assert_ne!(s(&nat3, "id"), s(&nat, "id"));
    assert!(
        read(&p, "aws_nat_gateway", &nat2).await.is_none(),
        "deleted NAT gateways are gone"
    );
    let imp = import(&p, "aws_nat_gateway", &s(&nat3, "id")).await;
    assert_eq!(s(&imp, "allocation_id"), s(&eip_b, "id"));
    // deleted outside: gone
    ec2.delete_nat_gateway()
        .nat_gateway_id(s(&nat3, "id"))
        .send()
        .await
        .unwrap();
    assert!(read(&p, "aws_nat_gateway", &nat3).await.is_none());

    for (t, st) in [
        ("aws_eip", &eip),
        ("aws_eip", &eip_b),
        ("aws_subnet", &sn),
        ("aws_internet_gateway", &igw3),
    ] {
        destroy(&p, t, st).await;
        assert!(read(&p, t, st).await.is_none());
    }
    destroy(&p, "aws_vpc", &v1).await;
    destroy(&p, "aws_vpc", &v2).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn route_table_and_association() {
    let p = provider().await;
    let ec2 = p.clients().unwrap().ec2.clone();
    let v = vpc(&p, "10.30.0.0/16").await;
    let vid = s(&v, "id");
    let igw = create(&p, "aws_internet_gateway", json!({"vpc_id": vid})).await;
    let gw = s(&igw, "id");
    let cfg = json!({"vpc_id": vid, "route": [{"cidr_block": "0.0.0.0/0", "gateway_id": gw}]});
    let rt = create(&p, "aws_route_table", cfg.clone()).await;
    let rid = s(&rt, "id");
    assert_eq!(
        attr(&rt, "route").len(),
        Some(1),
        "the local route is not reported"
    );
    assert_noop(&p, "aws_route_table", &rt, cfg).await;
    // add a route in place
    let cfg2 = json!({"vpc_id": vid, "route": [
        {"cidr_block": "0.0.0.0/0", "gateway_id": gw},
        {"cidr_block": "192.168.0.0/16", "gateway_id": gw}
    ]});
    let (rt2, plan) = apply(&p, "aws_route_table", &rt, cfg2.clone()).await;
    assert!(plan.requires_replace.is_empty());
    assert_eq!(s(&rt2, "id"), rid);
    let out = ec2
        .describe_route_tables()
        .route_table_ids(&rid)
        .send()
        .await
        .unwrap();
    assert_eq!(out.route_tables()[0].routes().len(), 3);
    assert_noop(&p, "aws_route_table", &rt2, cfg2.clone()).await;
    // drift: a route deleted outside
    ec2.delete_route()
        .route_table_id(&rid)
        .destination_cidr_block("192.168.0.0/16")
        .send()
        .await
        .unwrap();
    let r = read(&p, "aws_route_table", &rt2).await.unwrap();
    assert_eq!(attr(&r, "route").len(), Some(1));
    let imp = import(&p, "aws_route_table", &rid).await;
    assert_eq!(attr(&imp, "route").len(), Some(1));
    let (rt3, _) = apply(&p, "aws_route_table", &r, cfg2.clone()).await;
    assert_eq!(attr(&rt3, "route").len(), Some(2));

    // association: route_table_id updates in place (new association id), subnet_id replaces
    let sn1 = create(
        &p,
        "aws_subnet",
        json!({"vpc_id": vid, "cidr_block": "10.30.1.0/24"}),
    )
    .await;
    let sn2 = create(
        &p,
        "aws_subnet",
        json!({"vpc_id": vid, "cidr_block": "10.30.2.0/24"}),
    )
    .await;
    let rt_b = create(&p, "aws_route_table", json!({"vpc_id": vid})).await;
    let acfg = json!({"subnet_id": s(&sn1, "id"), "route_table_id": rid});
    let a = create(&p, "aws_route_table_association", acfg.clone()).await;
    assert!(s(&a, "id").starts_with("rtbassoc-"));
    assert_noop(&p, "aws_route_table_association", &a, acfg).await;
    let (a2, plan) = apply(
        &p,
        "aws_route_table_association",
        &a,
        json!({"subnet_id": s(&sn1, "id"), "route_table_id": s(&rt_b, "id")}),
    )
    .await;
    assert!(plan.requires_replace.is_empty());
    assert_eq!(s(&a2, "route_table_id"), s(&rt_b, "id"));
    let imp = import(
        &p,
        "aws_route_table_association",
        &format!("{}/{}", s(&sn1, "id"), s(&rt_b, "id")),
    )
    .await;
    assert_eq!(s(&imp, "id"), s(&a2, "id"));
    let (a3, plan) = apply(
        &p,
        "aws_route_table_association",
        &a2,
        json!({"subnet_id": s(&sn2, "id"), "route_table_id": s(&rt_b, "id")}),
    )
    .await;
    assert_eq!(replace_names(&plan), ["subnet_id"]);
    destroy(&p, "aws_route_table_association", &a3).await;
    assert!(read(&p, "aws_route_table_association", &a3).await.is_none());

    // force-new: vpc_id
    let v2 = vpc(&p, "10.31.0.0/16").await;
    let (rt4, plan) = apply(
        &p,
        "aws_route_table",
        &rt_b,
        json!({"vpc_id": s(&v2, "id")}),
    )
    .await;
    assert_eq!(replace_names(&plan), ["vpc_id"]);
    for (t, st) in [
        ("aws_route_table", &rt4),
        ("aws_route_table", &rt3),
        ("aws_subnet", &sn1),
        ("aws_subnet", &sn2),
        ("aws_internet_gateway", &igw),
    ] {
        destroy(&p, t, st).await;
        assert!(read(&p, t, st).await.is_none());
    }
    destroy(&p, "aws_vpc", &v).await;
    destroy(&p, "aws_vpc", &v2).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn security_group_and_rules() {
    let p = provider().await;
    let ec2 = p.clients().unwrap().ec2.clone();
    let v = vpc(&p, "10.40.0.0/16").await;
    let vid = s(&v, "id");
    let name = unique("web");
    let cfg = json!({
        "name": name, "vpc_id": vid,
        "ingress": [
            {"from_port": 443, "to_port": 443, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"], "description": "https"},
            {"from_port": 0, "to_port": 0, "protocol": "-1", "self": true}
        ],
        "egress": [{"from_port": 0, "to_port": 0, "protocol": "all", "cidr_blocks": ["0.0.0.0/0"]}]
    });
    let sg = create(&p, "aws_security_group", cfg.clone()).await;
    let id = s(&sg, "id");
    assert_eq!(s(&sg, "description"), "Managed by Terraform");
    assert_eq!(attr(&sg, "ingress").len(), Some(2));
    assert_eq!(attr(&sg, "egress").len(), Some(1));
    let out = ec2
        .describe_security_groups()
        .group_ids(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(out.security_groups()[0].ip_permissions().len(), 2);
    assert_noop(&p, "aws_security_group", &sg, cfg.clone()).await;

    // without egress blocks, the default allow-all egress rule is removed
    let bare = create(
        &p,
        "aws_security_group",
        json!({"name": unique("bare"), "vpc_id": vid}),
    )
    .await;
    assert_eq!(attr(&bare, "egress").len(), Some(0));
    let out = ec2
        .describe_security_groups()
        .group_ids(s(&bare, "id"))
        .send()
        .await
        .unwrap();
    assert!(out.security_groups()[0].ip_permissions_egress().is_empty());

    // update in place: one more ingress rule, tags
    let mut cfg2 = cfg.clone();
    cfg2["ingress"].as_array_mut().unwrap().push(
        json!({"from_port": 22, "to_port": 22, "protocol": "tcp", "cidr_blocks": ["10.0.0.0/8"]}),
    );
    cfg2["tags"] = json!({"Name": "web"});
    let (sg2, plan) = apply(&p, "aws_security_group", &sg, cfg2.clone()).await;
    assert!(plan.requires_replace.is_empty());
    assert_eq!(s(&sg2, "id"), id);
    assert_eq!(attr(&sg2, "ingress").len(), Some(3));
    assert_noop(&p, "aws_security_group", &sg2, cfg2.clone()).await;

    // drift: a rule added outside shows up
    ec2.authorize_security_group_ingress()
        .group_id(&id)
        .ip_permissions(
            aws_sdk_ec2::types::IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(8080)
                .to_port(8080)
                .ip_ranges(
                    aws_sdk_ec2::types::IpRange::builder()
                        .cidr_ip("1.2.3.4/32")
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    let r = read(&p, "aws_security_group", &sg2).await.unwrap();
    assert_eq!(attr(&r, "ingress").len(), Some(4));
    // the next apply removes it again
    let (sg3, _) = apply(&p, "aws_security_group", &r, cfg2.clone()).await;
    assert_eq!(attr(&sg3, "ingress").len(), Some(3));
    let imp = import(&p, "aws_security_group", &id).await;
    assert_eq!(s(&imp, "name"), name);
    assert_eq!(attr(&imp, "ingress").len(), Some(3));

    // a standalone rule on the bare group
    let rule_cfg = json!({"type": "ingress", "security_group_id": s(&bare, "id"), "from_port": 5432, "to_port": 5432, "protocol": "tcp", "source_security_group_id": id, "description": "db"});
    let rule = create(&p, "aws_security_group_rule", rule_cfg.clone()).await;
    assert!(s(&rule, "id").starts_with("sgrule-"));
    assert_noop(&p, "aws_security_group_rule", &rule, rule_cfg).await;
    // the group with no ingress blocks leaves the rule alone (optional + computed rule sets)
    assert_noop(
        &p,
        "aws_security_group",
        &read(&p, "aws_security_group", &bare).await.unwrap(),
        json!({"name": s(&bare, "name"), "vpc_id": vid}),
    )
    .await;
    let imp = import(
        &p,
        "aws_security_group_rule",
        &format!("{}_ingress_tcp_5432_5432_{id}", s(&bare, "id")),
    )
    .await;
    assert_eq!(s(&imp, "id"), s(&rule, "id"));
    let (rule2, plan) = apply(
        &p,
        "aws_security_group_rule",
        &rule,
        json!({"type": "ingress", "security_group_id": s(&bare, "id"), "from_port": 5433, "to_port": 5433, "protocol": "tcp", "source_security_group_id": id}),
    )
    .await;
    assert!(replace_names(&plan).contains(&"from_port".to_string()));
    assert!(read(&p, "aws_security_group_rule", &rule).await.is_none());
    destroy(&p, "aws_security_group_rule", &rule2).await;
    assert!(read(&p, "aws_security_group_rule", &rule2).await.is_none());

    // force-new: name
    let mut cfg4 = cfg2.clone();
    cfg4["name"] = json!(unique("web2"));
    let (sg4, plan) = apply(&p, "aws_security_group", &sg3, cfg4).await;
    assert_eq!(replace_names(&plan), ["name"]);
    assert_ne!(s(&sg4, "id"), id);
    for st in [&sg4, &bare] {
        destroy(&p, "aws_security_group", st).await;
        assert!(read(&p, "aws_security_group", st).await.is_none());
    }
    destroy(&p, "aws_vpc", &v).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_sources() {
    use girder_provider::Provider;
    let p = provider().await;
    let schema = p.schema().data_sources.clone();
    let azs = p
        .read_data_source(
            "aws_availability_zones",
            config(
                &schema["aws_availability_zones"],
                json!({"state": "available"}),
            ),
            &ctx(),
        )
        .await
        .unwrap();
    let names = attr(&azs, "names").as_seq().unwrap().to_vec();
    assert!(names.len() >= 2, "{azs:?}");
    assert_eq!(names[0].as_str(), Some("us-east-1a"));
    assert_eq!(s(&azs, "id"), "us-east-1");
    let me = p
        .read_data_source(
            "aws_caller_identity",
            config(&schema["aws_caller_identity"], json!({})),
            &ctx(),
        )
        .await
        .unwrap();
    assert_eq!(s(&me, "account_id").len(), 12);
    let r = p
        .read_data_source(
            "aws_region",
            config(&schema["aws_region"], json!({})),
            &ctx(),
        )
        .await
        .unwrap();
    assert_eq!(s(&r, "name"), "us-east-1");
    assert_eq!(s(&r, "endpoint"), "ec2.us-east-1.amazonaws.com");
    let ami = p
        .read_data_source(
            "aws_ami",
            config(&schema["aws_ami"], json!({"most_recent": true, "owners": ["amazon"], "filter": [{"name": "name", "values": ["amzn*"]}]})),
            &ctx(),
        )
        .await
        .unwrap();
    assert!(s(&ami, "id").starts_with("ami-"), "{ami:?}");
    // no match is an error with Terraform's message
    let none = p
        .read_data_source(
            "aws_ami",
            config(
                &schema["aws_ami"],
                json!({"owners": ["amazon"], "name_regex": "^no-such-image$"}),
            ),
            &ctx(),
        )
        .await
        .unwrap_err();
    assert!(none
        .iter()
        .any(|d| d.summary.starts_with("Your query returned no results")));
}
