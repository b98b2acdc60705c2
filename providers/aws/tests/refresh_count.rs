//! Measurement: how many API requests does refreshing 500 subnets and 100 security groups
//! take? Terraform's provider makes one (or more) per resource: 600. The target is at most 30.

mod support;

use girder_core::Value;
use girder_provider::{Provider, ReadRequest};
use serde_json::json;
use support::*;

fn reqs(ty: &str, states: &[Value]) -> Vec<ReadRequest> {
    states
        .iter()
        .map(|s| ReadRequest {
            type_name: ty.into(),
            current_state: s.clone(),
            private: vec![],
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_500_subnets_and_100_security_groups() {
    let p = provider().await;
    let ec2 = p.clients().unwrap().ec2.clone();
    let v = create(&p, "aws_vpc", json!({"cidr_block": "10.100.0.0/16"})).await;
    let vid = s(&v, "id");
    // made outside the provider (as a big existing configuration would have them)
    let mut subnets = Vec::new();
    for i in 0..500u32 {
        let cidr = format!("10.100.{}.{}/26", i / 4, (i % 4) * 64);
        let out = ec2
            .create_subnet()
            .vpc_id(&vid)
            .cidr_block(cidr)
            .send()
            .await
            .unwrap();
        let id = out.subnet().unwrap().subnet_id().unwrap().to_string();
        subnets.push(Value::object_from([("id", Value::string(id))]));
    }
    let mut groups = Vec::new();
    for i in 0..100 {
        let out = ec2
            .create_security_group()
            .group_name(unique(&format!("bulk{i}")))
            .description("bulk")
            .vpc_id(&vid)
            .send()
            .await
            .unwrap();
        groups.push(Value::object_from([(
            "id",
            Value::string(out.group_id().unwrap()),
        )]));
    }
    // a first refresh fills the states in (as after an import)
    let full_subnets: Vec<Value> = p
        .read_many("aws_subnet", reqs("aws_subnet", &subnets), &ctx())
        .await
        .into_iter()
        .map(|r| r.unwrap().new_state.expect("subnet exists"))
        .collect();
    let full_groups: Vec<Value> = p
        .read_many(
            "aws_security_group",
            reqs("aws_security_group", &groups),
            &ctx(),
        )
        .await
        .into_iter()
        .map(|r| r.unwrap().new_state.expect("group exists"))
        .collect();

    // one subnet deleted outside: reported gone, without failing the batch
    ec2.delete_subnet()
        .subnet_id(s(&full_subnets[7], "id"))
        .send()
        .await
        .unwrap();

    let before = p.request_count();
    let start = std::time::Instant::now();
    let rs = p
        .read_many("aws_subnet", reqs("aws_subnet", &full_subnets), &ctx())
        .await;
    let rg = p
        .read_many(
            "aws_security_group",
            reqs("aws_security_group", &full_groups),
            &ctx(),
        )
        .await;
    let elapsed = start.elapsed();
    let requests = p.request_count() - before;
    println!(
        "refresh of 500 subnets + 100 security groups: {requests} API requests (Terraform: 600), {:.0} ms against the emulator",
        elapsed.as_secs_f64() * 1000.0
    );
    assert_eq!(rs.len(), 500);
    assert_eq!(rg.len(), 100);
    for (i, r) in rs.iter().enumerate() {
        let st = &r.as_ref().unwrap().new_state;
        if i == 7 {
            assert!(st.is_none(), "the deleted subnet is gone");
        } else {
            assert_eq!(
                st.as_ref().unwrap(),
                &full_subnets[i],
                "subnet {i} unchanged"
            );
        }
    }
    assert!(rg.iter().all(|r| r.as_ref().unwrap().new_state.is_some()));
    // 3 DescribeSubnets (200 ids per call) + 1 DescribeSecurityGroups
    assert_eq!(requests, 4, "batched reads");
    assert!(requests <= 30);
}
