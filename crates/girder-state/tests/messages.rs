//! The user-facing messages of lock and fencing errors (insta snapshots): they must say who
//! holds a lock, since when, for which operation, and how to break it.

use girder_state::{LockInfo, StateError};

fn held() -> LockInfo {
    LockInfo {
        id: "6f1c1f6e-3b7a-4f0e-9d2c-1a2b3c4d5e6f".into(),
        operation: "OperationTypeApply".into(),
        info: String::new(),
        who: "alice@build-7".into(),
        version: "1.0.3".into(),
        created: "2026-11-22T04:38:11.123456789Z".into(),
        path: "envs/prod/terraform.tfstate".into(),
        expires: Some("2021-01-01T00:00:00Z".into()),
        ci_job_url: Some("https://ci.example/jobs/42".into()),
    }
}

#[test]
fn error_messages() {
    let loc = "s3://bucket/envs/prod/terraform.tfstate".to_string();
    let cases: Vec<(&str, StateError)> = vec![
        (
            "locked",
            StateError::Locked {
                location: loc.clone(),
                info: Box::new(held()),
            },
        ),
        (
            "stale_lock",
            StateError::StaleLock {
                location: loc.clone(),
                info: Box::new(held()),
                reason: "its lease expired at 2026-11-22T05:38:11Z".into(),
            },
        ),
        (
            "lock_id_mismatch",
            StateError::LockIdMismatch {
                location: loc.clone(),
                requested: "00000000-0000-4000-8000-000000000000".into(),
                held: Some(Box::new(held())),
            },
        ),
        (
            "lineage_mismatch",
            StateError::LineageMismatch {
                location: loc.clone(),
                stored: "aaaa".into(),
                given: "bbbb".into(),
            },
        ),
        (
            "stale_write",
            StateError::StaleWrite {
                location: loc.clone(),
                stored: 12,
                expected: 11,
            },
        ),
    ];
    let text: Vec<String> = cases
        .into_iter()
        .map(|(name, e)| format!("{name}:\n{e}\n"))
        .collect();
    insta::assert_snapshot!(text.join("\n"));
}

#[test]
fn lock_info_json_uses_terraform_field_names() {
    let json = held().to_json();
    insta::assert_snapshot!(json);
    // Terraform's own lock info (no girder extras) parses.
    let tf = r#"{"ID":"x","Operation":"OperationTypePlan","Info":"","Who":"bob@h","Version":"1.0.3","Created":"2021-07-29T10:12:34.5Z","Path":"terraform.tfstate"}"#;
    let info = LockInfo::from_json(tf.as_bytes()).unwrap();
    assert_eq!(info.who, "bob@h");
    assert_eq!(info.expires, None);
    assert!(!info.lease_expired());
    assert!(held().lease_expired());
}
