//! Provider configuration against the emulator: assume_role, shared credentials files with a
//! profile, AWS_ENDPOINT_URL through aws-config, default_tags in tags_all.

mod support;

use girder_provider::{OpContext, Provider};
use girder_provider_aws::util::Timing;
use girder_provider_aws::AwsProvider;
use serde_json::json;
use support::*;

async fn configured(block: serde_json::Value) -> Result<AwsProvider, girder_core::Diagnostics> {
    let p = AwsProvider::new().with_timing(Timing::fast());
    let schema = p.schema().provider.clone();
    p.configure(config(&schema, block), &OpContext::default())
        .await?;
    Ok(p)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assume_role_and_credentials_validation() {
    let emu = Emulator::shared();
    let p = configured(provider_block(
        &emu.url,
        json!({
            "skip_credentials_validation": false,
            "assume_role": [{"role_arn": "arn:aws:iam::123456789012:role/deployer", "session_name": "girder-test"}]
        }),
    ))
    .await
    .unwrap();
    let schema = p.schema().data_sources["aws_caller_identity"].clone();
    let me = p
        .read_data_source("aws_caller_identity", config(&schema, json!({})), &ctx())
        .await
        .unwrap();
    let arn = s(&me, "arn");
    assert!(arn.contains("assumed-role/deployer/girder-test"), "{arn}");
    assert_eq!(
        p.clients().unwrap().account_id.as_deref(),
        Some("123456789012")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profile_from_shared_credentials_file() {
    let emu = Emulator::shared();
    let dir = std::env::temp_dir().join(unique("girder-aws-creds"));
    std::fs::create_dir_all(&dir).unwrap();
    let creds = dir.join("credentials");
    std::fs::write(
        &creds,
        "[girder]\naws_access_key_id = AKIAPROFILE000000000\naws_secret_access_key = profile-secret\n",
    )
    .unwrap();
    std::fs::write(dir.join("config"), "[profile girder]\nregion = us-east-1\n").unwrap();
    let block_for = |profile: &str| {
        let mut block = provider_block(
            &emu.url,
            json!({
                "profile": profile,
                "shared_credentials_files": [creds.to_string_lossy()],
                "shared_config_files": [dir.join("config").to_string_lossy()],
                "skip_credentials_validation": false
            }),
        );
        let m = block.as_object_mut().unwrap();
        m.remove("access_key");
        m.remove("secret_key");
        block
    };
    if std::env::var_os("AWS_ACCESS_KEY_ID").is_some() {
        println!("skipping: AWS_ACCESS_KEY_ID is set in the environment");
        return;
    }
    // a profile that is not in the file: no credentials, validation fails
    let e = match configured(block_for("absent")).await {
        Ok(_) => panic!("a missing profile must fail credential validation"),
        Err(e) => e,
    };
    assert!(
        e.iter()
            .any(|d| d.summary == "No valid credential sources found"),
        "{e:?}"
    );
    // the profile in the file: signed requests, validation passes
    configured(block_for("girder")).await.unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_region_is_a_clear_error() {
    let emu = Emulator::shared();
    let mut block = provider_block(
        &emu.url,
        json!({"profile": "no-such-profile-girder", "shared_config_files": ["/nonexistent/girder/config"]}),
    );
    block.as_object_mut().unwrap().remove("region");
    // AWS_REGION may be set in the environment; only check when it is not
    if std::env::var_os("AWS_REGION").is_some() || std::env::var_os("AWS_DEFAULT_REGION").is_some()
    {
        println!("skipping: AWS_REGION is set in the environment");
        return;
    }
    let e = match configured(block).await {
        Ok(_) => panic!("configure without a region must fail"),
        Err(e) => e,
    };
    let d = e.iter().next().unwrap();
    assert_eq!(d.summary, "Missing AWS region");
    assert!(d.help.as_deref().unwrap().contains("region"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn default_tags_merge_into_tags_all() {
    let p = provider_with(
        json!({"default_tags": [{"tags": {"Project": "p2p", "Environment": "dev"}}]}),
    )
    .await;
    // a resource tag overrides a default tag of the same key
    let cfg = json!({"cidr_block": "10.90.0.0/16", "tags": {"Environment": "prod", "Name": "x"}});
    let (plan, _) = support::plan(
        &p,
        "aws_vpc",
        &girder_core::Value::null_dynamic(),
        cfg.clone(),
    )
    .await;
    let all = smap(attr(&plan.planned_state, "tags_all"));
    assert_eq!(all["Project"], "p2p");
    assert_eq!(all["Environment"], "prod");
    let v = create(&p, "aws_vpc", cfg.clone()).await;
    assert_eq!(smap(attr(&v, "tags")).len(), 2);
    assert_eq!(smap(attr(&v, "tags_all")).len(), 3);
    assert_noop(&p, "aws_vpc", &v, cfg).await;
    // changing only the provider's default tags is an in-place tag update
    let p2 = provider_with(json!({"default_tags": [{"tags": {"Project": "lending"}}]})).await;
    let (v2, plan) = apply(
        &p2,
        "aws_vpc",
        &v,
        json!({"cidr_block": "10.90.0.0/16", "tags": {"Environment": "prod", "Name": "x"}}),
    )
    .await;
    assert!(plan.requires_replace.is_empty());
    assert_eq!(smap(attr(&v2, "tags_all"))["Project"], "lending");
    destroy(&p2, "aws_vpc", &v2).await;
}
