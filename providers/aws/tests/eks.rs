//! EKS cluster and node group against the emulator (with moto_plus.py's EKS calls).

mod support;

use serde_json::json;
use support::*;

const ASSUME: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"eks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eks_cluster_and_node_group() {
    let p = provider().await;
    let eks = p.clients().unwrap().eks.clone();
    let v = create(&p, "aws_vpc", json!({"cidr_block": "10.70.0.0/16"})).await;
    let mut subs = Vec::new();
    for (i, az) in ["us-east-1a", "us-east-1b"].iter().enumerate() {
        let sn = create(
            &p,
            "aws_subnet",
            json!({"vpc_id": s(&v, "id"), "cidr_block": format!("10.70.{i}.0/24"), "availability_zone": az}),
        )
        .await;
        subs.push(s(&sn, "id"));
    }
    let role = create(
        &p,
        "aws_iam_role",
        json!({"name": unique("eks"), "assume_role_policy": ASSUME}),
    )
    .await;
    let name = unique("p2p-cluster");
    let cfg = json!({
        "name": name, "role_arn": s(&role, "arn"), "version": "1.28",
        "vpc_config": [{"subnet_ids": subs, "endpoint_public_access": true}],
        "tags": {"Environment": "test"}
    });
    let c = create(&p, "aws_eks_cluster", cfg.clone()).await;
    assert_eq!(s(&c, "id"), name);
    assert_eq!(s(&c, "status"), "ACTIVE");
    assert!(!s(&c, "endpoint").is_empty());
    let vpc = &attr(&c, "vpc_config").as_seq().unwrap()[0];
    assert_eq!(
        vpc.get_attr("endpoint_private_access").unwrap().as_bool(),
        Some(false)
    );
    let out = eks.describe_cluster().name(&name).send().await.unwrap();
    assert_eq!(out.cluster().unwrap().version(), Some("1.28"));
    assert_noop(&p, "aws_eks_cluster", &c, cfg.clone()).await;

    // in place: version (UpdateClusterVersion), endpoint access (UpdateClusterConfig), tags
    let cfg2 = json!({
        "name": name, "role_arn": s(&role, "arn"), "version": "1.29",
        "vpc_config": [{"subnet_ids": subs, "endpoint_public_access": true, "endpoint_private_access": true}],
        "enabled_cluster_log_types": ["api", "audit"],
        "tags": {"Environment": "prod"}
    });
    let (c2, plan) = apply(&p, "aws_eks_cluster", &c, cfg2.clone()).await;
    assert!(
        plan.requires_replace.is_empty(),
        "{:?}",
        plan.requires_replace
    );
    let out = eks.describe_cluster().name(&name).send().await.unwrap();
    let cl = out.cluster().unwrap();
    assert_eq!(cl.version(), Some("1.29"));
    assert!(cl.resources_vpc_config().unwrap().endpoint_private_access());
    assert_eq!(
        cl.resources_vpc_config().unwrap().subnet_ids().len(),
        2,
        "the subnets survive a config update"
    );
    assert_noop(&p, "aws_eks_cluster", &c2, cfg2.clone()).await;

    // node group
    let ng_cfg = json!({
        "cluster_name": name, "node_group_name": "main", "node_role_arn": s(&role, "arn"),
        "subnet_ids": subs, "instance_types": ["t3.medium"], "disk_size": 50,
        "scaling_config": [{"desired_size": 3, "max_size": 10, "min_size": 1}]
    });
    let ng = create(&p, "aws_eks_node_group", ng_cfg.clone()).await;
    assert_eq!(s(&ng, "id"), format!("{name}:main"));
    assert_noop(&p, "aws_eks_node_group", &ng, ng_cfg.clone()).await;
    let ng_cfg2 = json!({
        "cluster_name": name, "node_group_name": "main", "node_role_arn": s(&role, "arn"),
        "subnet_ids": subs, "instance_types": ["t3.medium"], "disk_size": 50,
        "labels": {"role": "app"},
        "scaling_config": [{"desired_size": 2, "max_size": 10, "min_size": 1}]
    });
    let (ng2, plan) = apply(&p, "aws_eks_node_group", &ng, ng_cfg2.clone()).await;
    assert!(plan.requires_replace.is_empty());
    let out = eks
        .describe_nodegroup()
        .cluster_name(&name)
        .nodegroup_name("main")
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.nodegroup()
            .unwrap()
            .scaling_config()
            .unwrap()
            .desired_size(),
        Some(2)
    );
    assert_noop(&p, "aws_eks_node_group", &ng2, ng_cfg2.clone()).await;
    let imp = import(&p, "aws_eks_node_group", &format!("{name}:main")).await;
    assert_eq!(s(&imp, "node_role_arn"), s(&role, "arn"));
    // force-new: disk_size
    let mut ng_cfg3 = ng_cfg2.clone();
    ng_cfg3["disk_size"] = json!(100);
    let (plan3, _) = support::plan(&p, "aws_eks_node_group", &ng2, ng_cfg3).await;
    assert_eq!(replace_names(&plan3), ["disk_size"]);

    // drift on the cluster: tags changed outside
    eks.tag_resource()
        .resource_arn(s(&c2, "arn"))
        .tags("Environment", "drifted")
        .send()
        .await
        .unwrap();
    let rr = read(&p, "aws_eks_cluster", &c2).await.unwrap();
    assert_eq!(smap(attr(&rr, "tags"))["Environment"], "drifted");
    let imp = import(&p, "aws_eks_cluster", &name).await;
    assert_eq!(s(&imp, "version"), "1.29");
    // force-new: the cluster's subnets
    let (plan4, _) = support::plan(
        &p,
        "aws_eks_cluster",
        &rr,
        json!({"name": name, "role_arn": s(&role, "arn"), "version": "1.29", "vpc_config": [{"subnet_ids": [subs[0]]}]}),
    )
    .await;
    assert!(!plan4.requires_replace.is_empty());

    // node groups go before their cluster
    destroy(&p, "aws_eks_node_group", &ng2).await;
    assert!(read(&p, "aws_eks_node_group", &ng2).await.is_none());
    destroy(&p, "aws_eks_cluster", &rr).await;
    assert!(read(&p, "aws_eks_cluster", &rr).await.is_none());
}
