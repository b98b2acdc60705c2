//! The s3 backend's credentials and endpoint from the environment and shared files: the
//! standard chain, `profile` + `shared_credentials_files`, and `AWS_ENDPOINT_URL`. One test
//! in its own binary, because it changes the process environment.

#[path = "support/emulator.rs"]
mod emulator;

use emulator::{unique, Emulator};
use girder_state::conformance::sample_state;
use girder_state::s3::{S3Backend, S3Config};
use girder_state::Backend;

#[test]
fn s3_credentials_and_endpoint_from_environment() {
    let emu = Emulator::start();
    let bucket = unique("env");
    emu.create_bucket(&bucket);
    // No credentials in the environment; the endpoint only from AWS_ENDPOINT_URL.
    std::env::remove_var("AWS_ACCESS_KEY_ID");
    std::env::remove_var("AWS_SECRET_ACCESS_KEY");
    std::env::remove_var("AWS_PROFILE");
    std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
    std::env::set_var("AWS_CONFIG_FILE", "/nonexistent/girder-config");
    std::env::set_var(
        "AWS_SHARED_CREDENTIALS_FILE",
        "/nonexistent/girder-credentials",
    );
    std::env::set_var("AWS_ENDPOINT_URL", &emu.url);
    let base = [
        ("bucket", bucket.clone()),
        ("key", "terraform.tfstate".to_string()),
        ("region", "us-east-1".to_string()),
        ("use_path_style", "true".to_string()),
    ];

    // Without any credentials the first request fails with a clear error.
    let b = S3Backend::new(S3Config::from_attrs(base.clone()).unwrap()).unwrap();
    let e = b.read().expect_err("no credentials").to_string();
    assert!(e.contains("s3://") && e.contains("credentials"), "{e}");

    // A named profile in a custom shared credentials file.
    let dir = std::env::temp_dir().join(unique("girder-creds"));
    std::fs::create_dir_all(&dir).unwrap();
    let creds = dir.join("credentials");
    std::fs::write(
        &creds,
        format!(
            "[girder]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
            emulator::ACCESS_KEY,
            emulator::SECRET_KEY
        ),
    )
    .unwrap();
    let mut attrs = base.to_vec();
    attrs.push(("profile", "girder".into()));
    attrs.push(("shared_credentials_files", creds.display().to_string()));
    let b = S3Backend::new(S3Config::from_attrs(attrs.clone()).unwrap()).unwrap();
    assert!(b.read().unwrap().is_none(), "reached the emulator");
    b.write(&sample_state(1), None).unwrap();
    assert_eq!(
        emu.list(&bucket, ""),
        vec!["terraform.tfstate"],
        "written through AWS_ENDPOINT_URL"
    );

    // The same without EC2 metadata (skip_metadata_api_check builds its own chain).
    attrs.push(("skip_metadata_api_check", "true".into()));
    let b = S3Backend::new(S3Config::from_attrs(attrs).unwrap()).unwrap();
    assert!(b.read().unwrap().is_some());

    // Static keys in the settings.
    let mut attrs = base.to_vec();
    attrs.push(("access_key", emulator::ACCESS_KEY.into()));
    attrs.push(("secret_key", emulator::SECRET_KEY.into()));
    let b = S3Backend::new(S3Config::from_attrs(attrs).unwrap()).unwrap();
    assert!(b.read().unwrap().is_some());
    let _ = std::fs::remove_dir_all(&dir);
}
