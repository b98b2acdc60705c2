//! Test support: the local AWS emulator (`tests/emulator/run`, moto) on a free loopback port.
//!
//! [`Emulator::shared`] starts one emulator per test binary. It runs under a small shell
//! wrapper that kills it when its stdin closes, i.e. when the test process exits (statics are
//! never dropped); [`Emulator::start`] gives a private one that is killed on drop.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{mpsc, OnceLock};
use std::time::Duration;

/// Dummy credentials and region for the emulator.
pub const REGION: &str = "us-east-1";
pub const ACCESS_KEY: &str = "AKIAGIRDERTEST000000";
pub const SECRET_KEY: &str = "girder-test-secret";

/// A running emulator.
pub struct Emulator {
    child: Child,
    stdin: Option<ChildStdin>,
    /// `http://127.0.0.1:PORT`
    pub url: String,
}

/// The workspace root (two levels above this crate).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root")
}

/// Sets the dummy credentials in the environment (once, before any client is built).
pub fn set_env() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        std::env::set_var("AWS_ACCESS_KEY_ID", ACCESS_KEY);
        std::env::set_var("AWS_SECRET_ACCESS_KEY", SECRET_KEY);
        std::env::set_var("AWS_REGION", REGION);
        std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
    });
}

impl Emulator {
    /// The emulator shared by every test of this binary.
    pub fn shared() -> &'static Emulator {
        static EMU: OnceLock<Emulator> = OnceLock::new();
        EMU.get_or_init(Emulator::start)
    }

    /// Starts a private emulator (killed on drop). Panics with the emulator's output when it
    /// does not come up within three minutes.
    pub fn start() -> Emulator {
        set_env();
        let run = workspace_root().join("tests/emulator/run");
        // The wrapper kills the emulator when its stdin reaches EOF (test process gone).
        let script = r#""$0" --port 0 </dev/null 2>/dev/null & pid=$!
trap 'kill $pid 2>/dev/null' EXIT
read -r _ || true
kill $pid 2>/dev/null
wait $pid 2>/dev/null"#;
        let mut child = Command::new("bash")
            .arg("-c")
            .arg(script)
            .arg(&run)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start tests/emulator/run");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(url) = line.strip_prefix("READY ") {
                    let _ = tx.send(url.trim().to_string());
                }
            }
        });
        let url = match rx.recv_timeout(Duration::from_secs(180)) {
            Ok(u) => u,
            Err(_) => {
                let _ = child.kill();
                panic!("the emulator did not print READY within 180 s");
            }
        };
        assert!(url.starts_with("http://127.0.0.1:"), "{url}");
        let stdin = child.stdin.take();
        Emulator { child, stdin, url }
    }

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
    }

    async fn sdk(&self) -> aws_config::SdkConfig {
        aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new(REGION))
            .endpoint_url(&self.url)
            .credentials_provider(aws_sdk_s3::config::Credentials::new(
                ACCESS_KEY, SECRET_KEY, None, None, "test",
            ))
            .http_client(
                aws_smithy_http_client::Builder::new()
                    .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
                        aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
                    ))
                    .build_https(),
            )
            .load()
            .await
    }

    /// Runs `f` with S3 and DynamoDB clients on the emulator.
    pub fn with_clients<T>(
        &self,
        f: impl AsyncFnOnce(aws_sdk_s3::Client, aws_sdk_dynamodb::Client) -> T,
    ) -> T {
        Self::rt().block_on(async {
            let sdk = self.sdk().await;
            let s3 = aws_sdk_s3::Client::from_conf(
                aws_sdk_s3::config::Builder::from(&sdk)
                    .force_path_style(true)
                    .build(),
            );
            let ddb = aws_sdk_dynamodb::Client::new(&sdk);
            f(s3, ddb).await
        })
    }

    /// Creates a bucket.
    pub fn create_bucket(&self, name: &str) {
        self.with_clients(async |s3, _| {
            s3.create_bucket()
                .bucket(name)
                .send()
                .await
                .expect("create bucket");
        });
    }

    /// Creates a lock table (hash key `LockID`, type S).
    pub fn create_table(&self, name: &str) {
        use aws_sdk_dynamodb::types::{
            AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
        };
        self.with_clients(async |_, ddb| {
            ddb.create_table()
                .table_name(name)
                .attribute_definitions(
                    AttributeDefinition::builder()
                        .attribute_name("LockID")
                        .attribute_type(ScalarAttributeType::S)
                        .build()
                        .unwrap(),
                )
                .key_schema(
                    KeySchemaElement::builder()
                        .attribute_name("LockID")
                        .key_type(KeyType::Hash)
                        .build()
                        .unwrap(),
                )
                .billing_mode(BillingMode::PayPerRequest)
                .send()
                .await
                .expect("create table");
        });
    }

    /// Deletes a table.
    pub fn delete_table(&self, name: &str) {
        self.with_clients(async |_, ddb| {
            ddb.delete_table()
                .table_name(name)
                .send()
                .await
                .expect("delete table");
        });
    }

    /// An object's bytes and metadata, if it exists.
    pub fn get_object(
        &self,
        bucket: &str,
        key: &str,
    ) -> Option<(Vec<u8>, std::collections::HashMap<String, String>)> {
        self.with_clients(async |s3, _| {
            let o = s3.get_object().bucket(bucket).key(key).send().await.ok()?;
            let meta = o.metadata().cloned().unwrap_or_default();
            let b = o.body.collect().await.ok()?.into_bytes().to_vec();
            Some((b, meta))
        })
    }

    /// Puts an object (no precondition, no metadata), as a foreign writer would.
    pub fn put_object(&self, bucket: &str, key: &str, body: Vec<u8>) {
        self.with_clients(async |s3, _| {
            s3.put_object()
                .bucket(bucket)
                .key(key)
                .body(body.into())
                .send()
                .await
                .expect("put object");
        });
    }

    /// All keys under a prefix.
    pub fn list(&self, bucket: &str, prefix: &str) -> Vec<String> {
        self.with_clients(async |s3, _| {
            let o = s3
                .list_objects_v2()
                .bucket(bucket)
                .prefix(prefix)
                .send()
                .await
                .expect("list");
            o.contents()
                .iter()
                .filter_map(|o| o.key().map(str::to_string))
                .collect()
        })
    }

    /// One string attribute of an item in a lock table.
    pub fn item_attr(&self, table: &str, lock_id: &str, attr: &str) -> Option<String> {
        use aws_sdk_dynamodb::types::AttributeValue;
        self.with_clients(async |_, ddb| {
            let o = ddb
                .get_item()
                .table_name(table)
                .key("LockID", AttributeValue::S(lock_id.into()))
                .consistent_read(true)
                .send()
                .await
                .expect("get item");
            o.item()
                .and_then(|i| i.get(attr))
                .and_then(|v| v.as_s().ok())
                .cloned()
        })
    }

    /// Puts an item `{LockID, attr = value}`.
    pub fn put_item(&self, table: &str, lock_id: &str, attr: &str, value: &str) {
        use aws_sdk_dynamodb::types::AttributeValue;
        self.with_clients(async |_, ddb| {
            ddb.put_item()
                .table_name(table)
                .item("LockID", AttributeValue::S(lock_id.into()))
                .item(attr, AttributeValue::S(value.into()))
                .send()
                .await
                .expect("put item");
        });
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        // Closing stdin makes the wrapper kill the emulator.
        drop(self.stdin.take());
        let _ = self.child.wait();
    }
}

/// A name unique to this test run (bucket and table names).
pub fn unique(prefix: &str) -> String {
    format!(
        "{prefix}-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    )
}
