//! RDS and ElastiCache resources against the emulator.

mod support;

use girder_core::Value;
use girder_provider::Progress;
use serde_json::json;
use support::*;

/// A VPC with two subnets in two zones; returns (vpc, [subnet ids]).
async fn network(p: &girder_provider_aws::AwsProvider, n: u8) -> (Value, Vec<Value>) {
    let v = create(
        p,
        "aws_vpc",
        json!({"cidr_block": format!("10.{n}.0.0/16")}),
    )
    .await;
    let mut subs = Vec::new();
    for (i, az) in ["us-east-1a", "us-east-1b", "us-east-1c"]
        .iter()
        .enumerate()
    {
        subs.push(
            create(
                p,
                "aws_subnet",
                json!({"vpc_id": s(&v, "id"), "cidr_block": format!("10.{n}.{i}.0/24"), "availability_zone": az}),
            )
            .await,
        );
    }
    (v, subs)
}

fn ids(subs: &[Value], n: usize) -> Vec<String> {
    subs.iter().take(n).map(|x| s(x, "id")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn db_subnet_group_and_instance() {
    let p = provider().await;
    let rds = p.clients().unwrap().rds.clone();
    let (_v, subs) = network(&p, 50).await;
    let gname = unique("DB-Subnets");
    let gcfg = json!({"name": gname, "subnet_ids": ids(&subs, 2)});
    let g = create(&p, "aws_db_subnet_group", gcfg.clone()).await;
    assert_eq!(s(&g, "id"), gname.to_lowercase(), "names are lower-cased");
    assert_eq!(s(&g, "description"), "Managed by Terraform");
    assert_noop(&p, "aws_db_subnet_group", &g, gcfg).await;
    let gcfg2 = json!({"name": gname, "subnet_ids": ids(&subs, 3), "description": "three"});
    let (g2, plan) = apply(&p, "aws_db_subnet_group", &g, gcfg2.clone()).await;
    assert!(plan.requires_replace.is_empty());
    assert_eq!(attr(&g2, "subnet_ids").len(), Some(3));
    assert_noop(&p, "aws_db_subnet_group", &g2, gcfg2).await;
    let imp = import(&p, "aws_db_subnet_group", &s(&g2, "id")).await;
    assert_eq!(s(&imp, "description"), "three");

    // the instance: progress reported, password sensitive, modify with apply_immediately
    let ident = unique("p2p-db");
    let cfg = json!({
        "identifier": ident, "engine": "postgres", "engine_version": "15.4",
        "instance_class": "db.t3.micro", "allocated_storage": 20, "db_name": "p2plending",
        "username": "postgres", "password": "s3cret-pass", "db_subnet_group_name": s(&g2, "id"),
        "backup_retention_period": 7, "backup_window": "03:00-04:00",
        "maintenance_window": "Mon:04:00-Mon:05:00", "skip_final_snapshot": true
    });
    let schema = schema_of(&p, "aws_db_instance");
    assert!(schema.attributes["password"].sensitive);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Progress>();
    let octx = girder_provider::OpContext {
        progress: Some(tx),
        ..Default::default()
    };
    let (plan0, config) =
        support::plan(&p, "aws_db_instance", &Value::null_dynamic(), cfg.clone()).await;
    let r = {
        use girder_provider::Provider;
        p.apply_resource(
            girder_provider::ApplyRequest {
                type_name: "aws_db_instance".into(),
                prior_state: Value::null_dynamic(),
                planned_state: plan0.planned_state.clone(),
                config,
                planned_private: vec![],
            },
            &octx,
        )
        .await
    };
    assert!(!r.diagnostics.has_errors(), "{:?}", r.diagnostics);
    let db = r.new_state.unwrap();
    check_conforms(&plan0.planned_state, &db, "aws_db_instance");
    let note = rx.try_recv().expect("a progress note");
    assert_eq!(note.typical, Some(std::time::Duration::from_secs(600)));
    assert_eq!(s(&db, "id"), ident);
    assert_eq!(s(&db, "maintenance_window"), "mon:04:00-mon:05:00");
    assert!(
        s(&db, "endpoint").ends_with(":5432"),
        "{}",
        s(&db, "endpoint")
    );
    assert_eq!(s(&db, "status"), "available");
    let out = rds
        .describe_db_instances()
        .db_instance_identifier(&ident)
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.db_instances()[0].db_instance_class(),
        Some("db.t3.micro")
    );
    assert_noop(&p, "aws_db_instance", &db, cfg.clone()).await;

    // in place: class, storage, backup retention with apply_immediately
    let mut cfg2 = cfg.clone();
    cfg2["instance_class"] = json!("db.t3.small");
    cfg2["allocated_storage"] = json!(30);
    cfg2["apply_immediately"] = json!(true);
    let (db2, plan) = apply(&p, "aws_db_instance", &db, cfg2.clone()).await;
    assert!(plan.requires_replace.is_empty());
    let out = rds
        .describe_db_instances()
        .db_instance_identifier(&ident)
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.db_instances()[0].db_instance_class(),
        Some("db.t3.small")
    );
    assert_eq!(out.db_instances()[0].allocated_storage(), Some(30));
    assert_noop(&p, "aws_db_instance", &db2, cfg2.clone()).await;

    // drift
    rds.modify_db_instance()
        .db_instance_identifier(&ident)
        .backup_retention_period(3)
        .apply_immediately(true)
        .send()
        .await
        .unwrap();
    let rr = read(&p, "aws_db_instance", &db2).await.unwrap();
    assert_eq!(attr(&rr, "backup_retention_period"), &Value::int(3));
    assert_eq!(
        s(&rr, "password"),
        "s3cret-pass",
        "the password is kept from the state"
    );
    let imp = import(&p, "aws_db_instance", &ident).await;
    assert_eq!(s(&imp, "engine"), "postgres");
    assert!(attr(&imp, "password").is_null());

    // force-new: db_name
    let mut cfg3 = cfg2.clone();
    cfg3["db_name"] = json!("other");
    let (plan3, _) = support::plan(&p, "aws_db_instance", &rr, cfg3).await;
    assert_eq!(replace_names(&plan3), ["db_name"]);

    // a second instance, and read_many lists once for both
    let ident2 = unique("p2p-db2");
    let db3 = create(
        &p,
        "aws_db_instance",
        json!({"identifier": ident2, "engine": "postgres", "instance_class": "db.t3.micro", "allocated_storage": 20, "username": "u", "password": "password1", "skip_final_snapshot": true}),
    )
    .await;
    let before = p.request_count();
    let res = {
        use girder_provider::Provider;
        p.read_many(
            "aws_db_instance",
            [&rr, &db3]
                .iter()
                .map(|st| girder_provider::ReadRequest {
                    type_name: "aws_db_instance".into(),
                    current_state: (*st).clone(),
                    private: vec![],
                })
                .collect(),
            &ctx(),
        )
        .await
    };
    assert!(res.iter().all(|r| r.as_ref().unwrap().new_state.is_some()));
    assert!(p.request_count() - before <= 2, "one paginated listing");

    // delete without skip_final_snapshot needs a snapshot identifier
    let mut no_skip = db3.as_map().unwrap().clone();
    no_skip.insert("skip_final_snapshot".into(), Value::bool(false));
    let r = {
        use girder_provider::Provider;
        p.apply_resource(
            girder_provider::ApplyRequest {
                type_name: "aws_db_instance".into(),
                prior_state: Value::object(no_skip),
                planned_state: Value::null_dynamic(),
                config: Value::null_dynamic(),
                planned_private: vec![],
            },
            &ctx(),
        )
        .await
    };
    assert!(r
        .diagnostics
        .iter()
        .any(|d| d.summary.contains("FinalSnapshotIdentifier")));

    for (t, st) in [
        ("aws_db_instance", &rr),
        ("aws_db_instance", &db3),
        ("aws_db_subnet_group", &g2),
    ] {
        destroy(&p, t, st).await;
        assert!(read(&p, t, st).await.is_none(), "{t} gone");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn elasticache_subnet_group_and_replication_group() {
    let p = provider().await;
    let ec = p.clients().unwrap().elasticache.clone();
    let (v, subs) = network(&p, 60).await;
    let name = unique("Cache-Subnet");
    let gcfg = json!({"name": name, "subnet_ids": ids(&subs, 2)});
    let g = create(&p, "aws_elasticache_subnet_group", gcfg.clone()).await;
    assert_eq!(s(&g, "id"), name.to_lowercase());
    assert_noop(&p, "aws_elasticache_subnet_group", &g, gcfg).await;
    let gcfg2 = json!({"name": name, "subnet_ids": ids(&subs, 3), "description": "more"});
    let (g2, plan) = apply(&p, "aws_elasticache_subnet_group", &g, gcfg2.clone()).await;
    assert!(plan.requires_replace.is_empty());
    assert_eq!(attr(&g2, "subnet_ids").len(), Some(3));
    assert_noop(&p, "aws_elasticache_subnet_group", &g2, gcfg2).await;
    let imp = import(&p, "aws_elasticache_subnet_group", &s(&g2, "id")).await;
    assert_eq!(s(&imp, "description"), "more");

    let sg = create(
        &p,
        "aws_security_group",
        json!({"name": unique("redis"), "vpc_id": s(&v, "id")}),
    )
    .await;
    let rid = unique("P2P-Redis");
    let cfg = json!({
        "replication_group_id": rid, "description": "Redis cluster for P2P Lending",
        "node_type": "cache.t3.micro", "port": 6379, "parameter_group_name": "default.redis7",
        "num_cache_clusters": 2, "automatic_failover_enabled": true, "multi_az_enabled": true,
        "subnet_group_name": s(&g2, "id"), "security_group_ids": [s(&sg, "id")],
        "at_rest_encryption_enabled": true, "transit_encryption_enabled": true,
        "tags": {"Environment": "test"}
    });
    let rg = create(&p, "aws_elasticache_replication_group", cfg.clone()).await;
    assert_eq!(s(&rg, "id"), rid.to_lowercase());
    assert_eq!(attr(&rg, "member_clusters").len(), Some(2));
    assert!(!s(&rg, "primary_endpoint_address").is_empty());
    let out = ec
        .describe_replication_groups()
        .replication_group_id(s(&rg, "id"))
        .send()
        .await
        .unwrap();
    assert_eq!(out.replication_groups()[0].member_clusters().len(), 2);
    assert_noop(&p, "aws_elasticache_replication_group", &rg, cfg.clone()).await;

    // in place: description, node type, replica count
    let mut cfg2 = cfg.clone();
    cfg2["description"] = json!("changed");
    cfg2["num_cache_clusters"] = json!(3);
    cfg2["apply_immediately"] = json!(true);
    let (rg2, plan) = apply(&p, "aws_elasticache_replication_group", &rg, cfg2.clone()).await;
    assert!(plan.requires_replace.is_empty());
    assert_eq!(s(&rg2, "description"), "changed");
    assert_eq!(attr(&rg2, "member_clusters").len(), Some(3));
    assert_noop(&p, "aws_elasticache_replication_group", &rg2, cfg2.clone()).await;

    // drift
    ec.modify_replication_group()
        .replication_group_id(s(&rg, "id"))
        .replication_group_description("drifted")
        .send()
        .await
        .unwrap();
    let rr = read(&p, "aws_elasticache_replication_group", &rg2)
        .await
        .unwrap();
    assert_eq!(s(&rr, "description"), "drifted");
    let imp = import(&p, "aws_elasticache_replication_group", &s(&rg, "id")).await;
    assert_eq!(s(&imp, "description"), "drifted");

    // force-new: port
    let mut cfg3 = cfg2.clone();
    cfg3["port"] = json!(6380);
    let (plan3, _) = support::plan(&p, "aws_elasticache_replication_group", &rr, cfg3).await;
    assert_eq!(replace_names(&plan3), ["port"]);

    destroy(&p, "aws_elasticache_replication_group", &rr).await;
    assert!(read(&p, "aws_elasticache_replication_group", &rr)
        .await
        .is_none());
    destroy(&p, "aws_elasticache_subnet_group", &g2).await;
    assert!(read(&p, "aws_elasticache_subnet_group", &g2)
        .await
        .is_none());
}
