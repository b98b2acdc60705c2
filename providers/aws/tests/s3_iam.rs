//! S3 and IAM resources against the emulator.

mod support;

use girder_core::Value;
use girder_provider::Provider;
use serde_json::json;
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bucket_lifecycle_and_force_destroy() {
    let p = provider().await;
    let s3 = p.clients().unwrap().s3.clone();
    let name = unique("girder-bucket");
    let cfg = json!({"bucket": name, "tags": {"Env": "test"}});
    let b = create(&p, "aws_s3_bucket", cfg.clone()).await;
    assert_eq!(s(&b, "id"), name);
    assert_eq!(s(&b, "arn"), format!("arn:aws:s3:::{name}"));
    assert_eq!(s(&b, "region"), "us-east-1");
    assert_eq!(attr(&b, "force_destroy"), &Value::bool(false));
    assert_eq!(smap(attr(&b, "tags_all")).len(), 2);
    let tags = s3.get_bucket_tagging().bucket(&name).send().await.unwrap();
    assert_eq!(tags.tag_set().len(), 2);
    assert_noop(&p, "aws_s3_bucket", &b, cfg).await;

    // in place: tags and force_destroy (local only)
    let cfg2 = json!({"bucket": name, "force_destroy": true, "tags": {"Env": "prod"}});
    let (b2, plan) = apply(&p, "aws_s3_bucket", &b, cfg2.clone()).await;
    assert!(plan.requires_replace.is_empty());
    assert_eq!(attr(&b2, "force_destroy"), &Value::bool(true));
    assert_noop(&p, "aws_s3_bucket", &b2, cfg2.clone()).await;

    // drift: tags removed outside
    s3.delete_bucket_tagging()
        .bucket(&name)
        .send()
        .await
        .unwrap();
    let r = read(&p, "aws_s3_bucket", &b2).await.unwrap();
    assert!(smap(attr(&r, "tags_all")).is_empty());
    assert_eq!(
        attr(&r, "force_destroy"),
        &Value::bool(true),
        "local-only arguments survive a read"
    );
    let imp = import(&p, "aws_s3_bucket", &name).await;
    assert_eq!(
        attr(&imp, "force_destroy"),
        &Value::bool(false),
        "import takes the default"
    );

    // versioning + objects in several versions; force_destroy empties them all
    let vcfg = json!({"bucket": name, "versioning_configuration": [{"status": "Enabled"}]});
    let v = create(&p, "aws_s3_bucket_versioning", vcfg.clone()).await;
    assert_noop(&p, "aws_s3_bucket_versioning", &v, vcfg).await;
    for i in 0..3 {
        s3.put_object()
            .bucket(&name)
            .key("k")
            .body(format!("v{i}").into_bytes().into())
            .send()
            .await
            .unwrap();
    }
    s3.delete_object()
        .bucket(&name)
        .key("k")
        .send()
        .await
        .unwrap();
    let (b3, _) = apply(&p, "aws_s3_bucket", &r, cfg2).await;
    destroy(&p, "aws_s3_bucket", &b3).await;
    assert!(read(&p, "aws_s3_bucket", &b3).await.is_none());
    assert!(s3.head_bucket().bucket(&name).send().await.is_err());

    // force-new: bucket name
    let b4 = create(&p, "aws_s3_bucket", json!({"bucket": unique("girder-a")})).await;
    let (b5, plan) = apply(
        &p,
        "aws_s3_bucket",
        &b4,
        json!({"bucket": unique("girder-b")}),
    )
    .await;
    assert_eq!(replace_names(&plan), ["bucket"]);
    assert!(read(&p, "aws_s3_bucket", &b4).await.is_none());
    destroy(&p, "aws_s3_bucket", &b5).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bucket_not_empty_without_force_destroy() {
    let p = provider().await;
    let s3 = p.clients().unwrap().s3.clone();
    let name = unique("girder-full");
    let b = create(&p, "aws_s3_bucket", json!({"bucket": name})).await;
    s3.put_object()
        .bucket(&name)
        .key("x")
        .body(b"1".to_vec().into())
        .send()
        .await
        .unwrap();
    let r = p
        .apply_resource(
            girder_provider::ApplyRequest {
                type_name: "aws_s3_bucket".into(),
                prior_state: b.clone(),
                planned_state: Value::null_dynamic(),
                config: Value::null_dynamic(),
                planned_private: vec![],
            },
            &ctx(),
        )
        .await;
    assert!(r.diagnostics.has_errors());
    assert!(r.new_state.is_some(), "the bucket is still tracked");
    let d = r.diagnostics.iter().next().unwrap();
    assert!(
        d.help.as_deref().unwrap_or("").contains("force_destroy"),
        "{d:?}"
    );
    s3.delete_object()
        .bucket(&name)
        .key("x")
        .send()
        .await
        .unwrap();
    destroy(&p, "aws_s3_bucket", &b).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bucket_versioning_encryption_public_access_block() {
    let p = provider().await;
    let s3 = p.clients().unwrap().s3.clone();
    let name = unique("girder-conf");
    let b = create(
        &p,
        "aws_s3_bucket",
        json!({"bucket": name, "force_destroy": true}),
    )
    .await;

    // versioning: Enabled -> Suspended in place
    let v = create(
        &p,
        "aws_s3_bucket_versioning",
        json!({"bucket": name, "versioning_configuration": [{"status": "Enabled"}]}),
    )
    .await;
    let out = s3
        .get_bucket_versioning()
        .bucket(&name)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status().map(|s| s.as_str()), Some("Enabled"));
    let cfg = json!({"bucket": name, "versioning_configuration": [{"status": "Suspended"}]});
    let (v2, plan) = apply(&p, "aws_s3_bucket_versioning", &v, cfg.clone()).await;
    assert!(plan.requires_replace.is_empty());
    assert_noop(&p, "aws_s3_bucket_versioning", &v2, cfg).await;
    let imp = import(&p, "aws_s3_bucket_versioning", &name).await;
    assert_eq!(s(&imp, "bucket"), name);

    // encryption, and its seed alias with the nested block
    let ecfg = json!({"bucket": name, "rule": [{"apply_server_side_encryption_by_default": [{"sse_algorithm": "AES256"}]}]});
    let e = create(
        &p,
        "aws_s3_bucket_server_side_encryption_configuration",
        ecfg.clone(),
    )
    .await;
    assert_noop(
        &p,
        "aws_s3_bucket_server_side_encryption_configuration",
        &e,
        ecfg,
    )
    .await;
    let out = s3
        .get_bucket_encryption()
        .bucket(&name)
        .send()
        .await
        .unwrap();
    let rule = &out.server_side_encryption_configuration().unwrap().rules()[0];
    assert_eq!(
        rule.apply_server_side_encryption_by_default()
            .unwrap()
            .sse_algorithm()
            .as_str(),
        "AES256"
    );
    let ecfg2 = json!({"bucket": name, "rule": [{"apply_server_side_encryption_by_default": [{"sse_algorithm": "aws:kms", "kms_master_key_id": "alias/x"}]}]});
    let (e2, plan) = apply(
        &p,
        "aws_s3_bucket_server_side_encryption_configuration",
        &e,
        ecfg2.clone(),
    )
    .await;
    assert!(plan.requires_replace.is_empty());
    assert_noop(
        &p,
        "aws_s3_bucket_server_side_encryption_configuration",
        &e2,
        ecfg2,
    )
    .await;
    destroy(
        &p,
        "aws_s3_bucket_server_side_encryption_configuration",
        &e2,
    )
    .await;
    assert!(read(
        &p,
        "aws_s3_bucket_server_side_encryption_configuration",
        &e2
    )
    .await
    .is_none());

    let legacy = json!({"bucket": name, "server_side_encryption_configuration": [{"rule": [{"apply_server_side_encryption_by_default": [{"sse_algorithm": "AES256"}]}]}]});
    let l = create(&p, "aws_s3_bucket_encryption", legacy.clone()).await;
    assert_noop(&p, "aws_s3_bucket_encryption", &l, legacy).await;

    // public access block
    let pcfg = json!({"bucket": name, "block_public_acls": true, "block_public_policy": true});
    let pab = create(&p, "aws_s3_bucket_public_access_block", pcfg.clone()).await;
    assert_eq!(attr(&pab, "ignore_public_acls"), &Value::bool(false));
    assert_noop(&p, "aws_s3_bucket_public_access_block", &pab, pcfg).await;
    let pcfg2 = json!({"bucket": name, "block_public_acls": true, "block_public_policy": true, "restrict_public_buckets": true});
    let (pab2, plan) = apply(&p, "aws_s3_bucket_public_access_block", &pab, pcfg2).await;
    assert!(plan.requires_replace.is_empty());
    let out = s3
        .get_public_access_block()
        .bucket(&name)
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.public_access_block_configuration()
            .unwrap()
            .restrict_public_buckets(),
        Some(true)
    );
    s3.delete_public_access_block()
        .bucket(&name)
        .send()
        .await
        .unwrap();
    assert!(
        read(&p, "aws_s3_bucket_public_access_block", &pab2)
            .await
            .is_none(),
        "deleted outside: gone"
    );

    // bucket is force-new for all of them
    let (plan, _) = support::plan(
        &p,
        "aws_s3_bucket_versioning",
        &v2,
        json!({"bucket": "other", "versioning_configuration": [{"status": "Suspended"}]}),
    )
    .await;
    assert_eq!(replace_names(&plan), ["bucket"]);
    destroy(&p, "aws_s3_bucket_encryption", &l).await;
    destroy(&p, "aws_s3_bucket_versioning", &v2).await;
    destroy(&p, "aws_s3_bucket", &b).await;
}

const ASSUME: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"eks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn iam_role_and_attachment() {
    let p = provider().await;
    let iam = p.clients().unwrap().iam.clone();
    let name = unique("eks-role");
    // the same policy, formatted differently, is no change
    let pretty =
        serde_json::to_string_pretty(&serde_json::from_str::<serde_json::Value>(ASSUME).unwrap())
            .unwrap();
    let cfg = json!({"name": name, "assume_role_policy": pretty, "tags": {"Team": "a"}});
    let r = create(&p, "aws_iam_role", cfg.clone()).await;
    assert_eq!(s(&r, "id"), name);
    assert!(s(&r, "arn").ends_with(&format!(":role/{name}")));
    assert_eq!(s(&r, "path"), "/");
    assert_noop(&p, "aws_iam_role", &r, cfg).await;
    assert_noop(
        &p,
        "aws_iam_role",
        &r,
        json!({"name": name, "assume_role_policy": ASSUME, "tags": {"Team": "a"}}),
    )
    .await;
    let got = iam.get_role().role_name(&name).send().await.unwrap();
    assert_eq!(got.role().unwrap().tags().len(), 2);

    let cfg2 = json!({"name": name, "assume_role_policy": ASSUME, "description": "cluster", "max_session_duration": 7200, "tags": {"Team": "b"}});
    let (r2, plan) = apply(&p, "aws_iam_role", &r, cfg2.clone()).await;
    assert!(plan.requires_replace.is_empty());
    assert_noop(&p, "aws_iam_role", &r2, cfg2.clone()).await;
    let got = iam.get_role().role_name(&name).send().await.unwrap();
    assert_eq!(got.role().unwrap().max_session_duration(), Some(7200));

    // drift
    iam.update_role()
        .role_name(&name)
        .description("changed")
        .send()
        .await
        .unwrap();
    let rr = read(&p, "aws_iam_role", &r2).await.unwrap();
    assert_eq!(s(&rr, "description"), "changed");
    let imp = import(&p, "aws_iam_role", &name).await;
    assert_eq!(s(&imp, "description"), "changed");

    // two customer managed policies to attach
    let mut arns = Vec::new();
    for n in ["a", "b"] {
        let out = iam
            .create_policy()
            .policy_name(unique(&format!("pol-{n}")))
            .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"eks:Describe*","Resource":"*"}]}"#)
            .send()
            .await
            .unwrap();
        arns.push(out.policy().unwrap().arn().unwrap().to_string());
    }
    let acfg = json!({"role": name, "policy_arn": arns[0]});
    let a = create(&p, "aws_iam_role_policy_attachment", acfg.clone()).await;
    assert!(s(&a, "id").starts_with(&format!("{name}-")));
    assert_noop(&p, "aws_iam_role_policy_attachment", &a, acfg).await;
    let imp = import(
        &p,
        "aws_iam_role_policy_attachment",
        &format!("{name}/{}", arns[0]),
    )
    .await;
    assert_eq!(s(&imp, "policy_arn"), arns[0]);
    let (a2, plan) = apply(
        &p,
        "aws_iam_role_policy_attachment",
        &a,
        json!({"role": name, "policy_arn": arns[1]}),
    )
    .await;
    assert_eq!(replace_names(&plan), ["policy_arn"]);
    assert!(read(&p, "aws_iam_role_policy_attachment", &a)
        .await
        .is_none());
    destroy(&p, "aws_iam_role_policy_attachment", &a2).await;
    assert!(read(&p, "aws_iam_role_policy_attachment", &a2)
        .await
        .is_none());

    // force-new: name
    let (r3, plan) = apply(
        &p,
        "aws_iam_role",
        &rr,
        json!({"name": unique("eks-role2"), "assume_role_policy": ASSUME}),
    )
    .await;
    assert_eq!(replace_names(&plan), ["name"]);
    destroy(&p, "aws_iam_role", &r3).await;
    assert!(read(&p, "aws_iam_role", &r3).await.is_none());
    assert!(read(&p, "aws_iam_role", &rr).await.is_none());
}
