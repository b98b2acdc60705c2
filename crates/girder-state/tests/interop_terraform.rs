//! Interoperability of the s3 backend with a real Terraform 1.0.3 on the local AWS emulator:
//! both read and write the same state (Terraform accepts girder's digest), see each other's
//! workspaces, and exclude each other with the DynamoDB lock.
//!
//! Terraform is found through `TERRAFORM_BIN`, else `<workspace>/target/tools/terraform`
//! (install it with `tests/tools/install-terraform`). Without it the test says so and
//! returns, except when `CI` is set, where it fails.

#[path = "support/emulator.rs"]
mod emulator;

use emulator::{unique, Emulator};
use girder_state::s3::{S3Backend, S3Config};
use girder_state::{Backend, LockInfo, OutputValue, StateError};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn terraform_bin() -> Option<PathBuf> {
    let p = match std::env::var_os("TERRAFORM_BIN") {
        Some(p) => PathBuf::from(p),
        None => emulator::workspace_root().join("target/tools/terraform"),
    };
    if p.is_file() {
        return Some(p);
    }
    if std::env::var_os("CI").is_some() {
        panic!(
            "Terraform not found at {} (CI is set); install it with tests/tools/install-terraform",
            p.display()
        );
    }
    eprintln!(
        "skipping: Terraform not found at {} (set TERRAFORM_BIN or run tests/tools/install-terraform)",
        p.display()
    );
    None
}

struct Tf {
    bin: PathBuf,
    dir: PathBuf,
}

impl Tf {
    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(&self.bin);
        c.args(args)
            .current_dir(&self.dir)
            .env("AWS_ACCESS_KEY_ID", emulator::ACCESS_KEY)
            .env("AWS_SECRET_ACCESS_KEY", emulator::SECRET_KEY)
            .env("AWS_REGION", emulator::REGION)
            .env("HOME", &self.dir)
            .env("CHECKPOINT_DISABLE", "1")
            .env_remove("TF_CLI_ARGS")
            .env_remove("TF_WORKSPACE");
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd(args)
            .stdin(Stdio::null())
            .output()
            .expect("run terraform")
    }

    fn ok(&self, args: &[&str]) -> String {
        let o = self.run(args);
        assert!(
            o.status.success(),
            "terraform {args:?} failed:\n{}\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    }
}

fn write_config(dir: &Path, attrs: &[(&str, String)]) {
    let mut backend = String::new();
    for (k, v) in attrs {
        let val = if v == "true" || v == "false" {
            v.clone()
        } else {
            format!("{v:?}")
        };
        backend.push_str(&format!("    {k} = {val}\n"));
    }
    let tf = format!(
        "terraform {{\n  backend \"s3\" {{\n{backend}  }}\n}}\n\n\
         variable \"greeting\" {{\n  default = \"hello\"\n}}\n\n\
         output \"greeting\" {{\n  value = var.greeting\n}}\n"
    );
    std::fs::write(dir.join("main.tf"), tf).unwrap();
}

#[test]
fn interop_terraform_s3_backend() {
    let Some(bin) = terraform_bin() else { return };
    let emu = Emulator::start();
    let bucket = unique("interop");
    let table = unique("locks");
    emu.create_bucket(&bucket);
    emu.create_table(&table);
    let key = "app/terraform.tfstate";
    // The backend block, exactly as a Terraform 1.0 user writes it for a custom endpoint.
    let attrs: Vec<(&str, String)> = vec![
        ("bucket", bucket.clone()),
        ("key", key.into()),
        ("region", "us-east-1".into()),
        ("endpoint", emu.url.clone()),
        ("dynamodb_endpoint", emu.url.clone()),
        ("dynamodb_table", table.clone()),
        ("force_path_style", "true".into()),
        ("skip_credentials_validation", "true".into()),
        ("skip_metadata_api_check", "true".into()),
        ("skip_region_validation", "true".into()),
    ];
    let dir = std::env::temp_dir().join(unique("girder-interop"));
    std::fs::create_dir_all(&dir).unwrap();
    write_config(&dir, &attrs);
    let tf = Tf { bin, dir };

    // 1. Terraform writes the state.
    tf.ok(&["init", "-input=false", "-no-color"]);
    tf.ok(&["apply", "-auto-approve", "-input=false", "-no-color"]);

    // 2. girder reads Terraform's state (and checks Terraform's digest).
    let cfg = S3Config::from_attrs(attrs.iter().map(|(k, v)| (*k, v.clone()))).unwrap();
    let g = S3Backend::new(cfg.clone()).unwrap();
    let (mut state, v) = g.read().unwrap().expect("Terraform's state");
    assert_eq!(state.outputs["greeting"].value, serde_json::json!("hello"));

    // 3. girder writes a new output; Terraform reads it (accepting girder's digest: a
    //    mismatch would make `terraform output` fail after 10 s).
    state.outputs.insert(
        "from_girder".into(),
        OutputValue {
            value: serde_json::json!("written by girder"),
            ty: serde_json::json!("string"),
            sensitive: false,
        },
    );
    let v2 = g.write(&state, Some(&v)).unwrap();
    assert_eq!(v2.serial, v.serial + 1);
    let started = Instant::now();
    let out = tf.ok(&["output", "-json", "-no-color"]);
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "no digest retries"
    );
    let outs: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(outs["from_girder"]["value"], "written by girder", "{out}");
    assert_eq!(outs["greeting"]["value"], "hello", "{out}");

    // 4. While girder holds the lock, Terraform is refused.
    let mut info = LockInfo::new("OperationTypeApply");
    info.info = "girder interop test".into();
    let h = g.lock(&info, Duration::ZERO).unwrap();
    let o = tf.run(&["plan", "-lock-timeout=1s", "-input=false", "-no-color"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "terraform plan must be refused");
    assert!(err.contains("Error acquiring the state lock"), "{err}");
    assert!(
        err.contains(&h.id),
        "Terraform shows girder's lock ID: {err}"
    );
    assert!(err.contains("girder interop test"), "{err}");
    g.unlock(&h.id).unwrap();
    tf.ok(&["plan", "-lock-timeout=1s", "-input=false", "-no-color"]);

    // 5. While Terraform holds the lock (an apply waiting for its approval), girder is
    //    refused with a message naming the holder.
    let mut apply = tf
        .cmd(&["apply", "-var", "greeting=changed", "-no-color"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lock_id = format!("{bucket}/{key}");
    let deadline = Instant::now() + Duration::from_secs(60);
    let tf_info = loop {
        if let Some(i) = emu.item_attr(&table, &lock_id, "Info") {
            break LockInfo::from_json(i.as_bytes()).unwrap();
        }
        assert!(
            Instant::now() < deadline,
            "terraform apply never took the lock"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let g2 = S3Backend::new(cfg.clone()).unwrap();
    let e = g2
        .lock(
            &LockInfo::new("OperationTypePlan"),
            Duration::from_millis(500),
        )
        .expect_err("Terraform holds the lock");
    match &e {
        StateError::Locked { info, .. } => assert_eq!(info.id, tf_info.id),
        other => panic!("expected Locked, got {other}"),
    }
    let msg = e.to_string();
    assert!(msg.contains(&tf_info.who), "{msg}");
    assert!(msg.contains(&tf_info.created), "{msg}");
    assert!(msg.contains("OperationTypeApply"), "{msg}");
    assert!(
        msg.contains(&format!("force-unlock {}", tf_info.id)),
        "{msg}"
    );
    assert_eq!(tf_info.version, "1.0.3");
    // Decline the apply; Terraform releases the lock and girder can take it.
    apply.stdin.take().unwrap().write_all(b"no\n").unwrap();
    let out = apply.wait_with_output().unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("Apply cancelled"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let h = g2
        .lock(&LockInfo::new("OperationTypePlan"), Duration::ZERO)
        .unwrap();
    g2.unlock(&h.id).unwrap();

    // 6. Workspaces: each sees the other's.
    let dev = g.select_workspace("dev").unwrap();
    dev.write(&girder_state::conformance::sample_state(0), None)
        .unwrap();
    let list = tf.ok(&["workspace", "list", "-no-color"]);
    assert!(list.lines().any(|l| l.trim() == "dev"), "{list}");
    tf.ok(&["workspace", "new", "-no-color", "staging"]);
    assert_eq!(g.workspaces().unwrap(), vec!["default", "dev", "staging"]);
    // Terraform writes the new workspace's state where girder reads it.
    tf.ok(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    let (st, _) = g
        .select_workspace("staging")
        .unwrap()
        .read()
        .unwrap()
        .expect("staging state");
    assert_eq!(st.outputs["greeting"].value, serde_json::json!("hello"));

    let _ = std::fs::remove_dir_all(&tf.dir);
}
