//! The s3 backend against the local AWS emulator (moto): the conformance suite with
//! DynamoDB locking, with the lock file, and with both; the digest; Terraform's layout;
//! fencing; leases; client-side encryption; use from plain threads and `spawn_blocking`.

#[path = "support/emulator.rs"]
mod emulator;

use emulator::{unique, Emulator};
use girder_state::conformance::{self, sample_state};
use girder_state::crypto::Cipher;
use girder_state::s3::{S3Backend, S3Config};
use girder_state::{Backend, LockInfo, StateError};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

/// A config pointing at the emulator (Terraform 1.0's setting names).
fn config(
    emu: &Emulator,
    bucket: &str,
    key: &str,
    table: Option<&str>,
    lockfile: bool,
) -> S3Config {
    let mut attrs = vec![
        ("bucket", bucket.to_string()),
        ("key", key.to_string()),
        ("region", "us-east-1".to_string()),
        ("endpoint", emu.url.clone()),
        ("dynamodb_endpoint", emu.url.clone()),
        ("force_path_style", "true".to_string()),
        ("skip_credentials_validation", "true".to_string()),
        ("skip_metadata_api_check", "true".to_string()),
        ("use_lockfile", lockfile.to_string()),
        // Exercised with both locks on: S3 checksums only where required.
        (
            "skip_s3_checksum",
            (lockfile && table.is_some()).to_string(),
        ),
    ];
    if let Some(t) = table {
        attrs.push(("dynamodb_table", t.to_string()));
    }
    S3Config::from_attrs(attrs).expect("config")
}

fn backend(cfg: &S3Config) -> S3Backend {
    S3Backend::new(cfg.clone())
        .expect("backend")
        .with_consistency_timeout(Duration::from_secs(1))
}

fn md5_hex(b: &[u8]) -> String {
    use md5::Digest;
    md5::Md5::digest(b)
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect()
}

/// The conformance suites run alone (write lock); other tests share (read lock).
static EXCLUSIVE: RwLock<()> = RwLock::new(());

fn shared_slot() -> std::sync::RwLockReadGuard<'static, ()> {
    EXCLUSIVE.read().unwrap_or_else(|e| e.into_inner())
}

fn run_conformance(table: bool, lockfile: bool) {
    // One suite at a time: the suite has timing-sensitive cases (a 200 ms lease) and the
    // emulator is slow under load.
    let _alone = EXCLUSIVE.write().unwrap_or_else(|e| e.into_inner());
    let emu = Emulator::shared();
    let bucket = unique("conf");
    emu.create_bucket(&bucket);
    let t = table.then(|| unique("locks"));
    if let Some(t) = &t {
        emu.create_table(t);
    }
    // One connection per case (as one per process); every factory call is a new instance
    // (fresh lock state) on it, via select_workspace.
    let roots: Mutex<HashMap<String, Arc<S3Backend>>> = Mutex::new(HashMap::new());
    let started = std::time::Instant::now();
    conformance::run_all(&|case: &str| -> Box<dyn Backend> {
        let root = {
            let mut roots = roots.lock().unwrap();
            roots
                .entry(case.to_string())
                .or_insert_with(|| {
                    let key = format!("{case}/terraform.tfstate");
                    Arc::new(backend(&config(emu, &bucket, &key, t.as_deref(), lockfile)))
                })
                .clone()
        };
        root.select_workspace("default").expect("new instance")
    });
    eprintln!(
        "s3 conformance (table={table}, lockfile={lockfile}) took {:?}",
        started.elapsed()
    );
}

#[test]
fn s3_conformance_dynamodb_lock() {
    run_conformance(true, false);
}

#[test]
fn s3_conformance_lockfile() {
    run_conformance(false, true);
}

#[test]
fn s3_conformance_lockfile_and_dynamodb() {
    run_conformance(true, true);
}

/// The objects and items are where Terraform puts and looks for them.
#[test]
fn s3_layout_is_terraforms() {
    let _slot = shared_slot();
    let emu = Emulator::shared();
    let bucket = unique("layout");
    let table = unique("locks");
    emu.create_bucket(&bucket);
    emu.create_table(&table);
    let cfg = config(emu, &bucket, "app/terraform.tfstate", Some(&table), true);
    let b = backend(&cfg);
    assert_eq!(b.location(), format!("s3://{bucket}/app/terraform.tfstate"));
    b.write(&sample_state(1), None).unwrap();
    let dev = b.select_workspace("dev").unwrap();
    dev.write(&sample_state(1), None).unwrap();
    let keys = emu.list(&bucket, "");
    assert_eq!(
        keys,
        vec!["app/terraform.tfstate", "env:/dev/app/terraform.tfstate"],
        "default at <key>, others at env:/<ws>/<key>"
    );
    // Digest items: hex MD5 of the stored bytes.
    for key in ["app/terraform.tfstate", "env:/dev/app/terraform.tfstate"] {
        let (bytes, _) = emu.get_object(&bucket, key).unwrap();
        let digest = emu
            .item_attr(&table, &format!("{bucket}/{key}-md5"), "Digest")
            .expect("digest item");
        assert_eq!(digest, md5_hex(&bytes));
        // Terraform's format: pretty JSON with a trailing newline.
        assert!(bytes.starts_with(b"{\n  \"version\": 4,"), "{key}");
        assert!(bytes.ends_with(b"}\n"));
    }
    // Lock: DynamoDB item <bucket>/<key> with Terraform's lock info, and the .tflock file.
    let mut info = LockInfo::new("OperationTypeApply");
    info.info = "layout test".into();
    let h = dev.lock(&info, Duration::ZERO).unwrap();
    let raw = emu
        .item_attr(
            &table,
            &format!("{bucket}/env:/dev/app/terraform.tfstate"),
            "Info",
        )
        .expect("lock item");
    let stored = LockInfo::from_json(raw.as_bytes()).unwrap();
    assert_eq!(stored.id, h.id);
    assert_eq!(
        stored.path,
        format!("{bucket}/env:/dev/app/terraform.tfstate")
    );
    let (lf, _) = emu
        .get_object(&bucket, "env:/dev/app/terraform.tfstate.tflock")
        .expect("lock file");
    assert_eq!(LockInfo::from_json(&lf).unwrap().id, h.id);
    // Journal objects live under <key>.journal/ and do not look like workspaces.
    dev.append_change(&girder_state::InstanceChange::RemoveOutput {
        name: "region".into(),
    })
    .unwrap();
    let j = emu.list(&bucket, "env:/dev/app/terraform.tfstate.journal/");
    assert_eq!(j.len(), 2, "header and one change: {j:?}");
    assert_eq!(b.workspaces().unwrap(), vec!["default", "dev"]);
    dev.compact().unwrap().expect("compacted");
    assert!(emu
        .list(&bucket, "env:/dev/app/terraform.tfstate.journal/")
        .is_empty());
    dev.unlock(&h.id).unwrap();
    assert!(emu
        .item_attr(
            &table,
            &format!("{bucket}/env:/dev/app/terraform.tfstate"),
            "Info"
        )
        .is_none());
    assert!(emu
        .get_object(&bucket, "env:/dev/app/terraform.tfstate.tflock")
        .is_none());
    b.delete_workspace("dev").unwrap();
    assert_eq!(emu.list(&bucket, ""), vec!["app/terraform.tfstate"]);
    assert!(emu
        .item_attr(
            &table,
            &format!("{bucket}/env:/dev/app/terraform.tfstate-md5"),
            "Digest"
        )
        .is_none());
}

/// A crash between the state write and the digest write is detected on read: a girder write
/// is proven by its recorded previous MD5 and the digest repaired; a foreign one is reported
/// with the values to check and set.
#[test]
fn s3_digest_lost_write_detected() {
    let _slot = shared_slot();
    let emu = Emulator::shared();
    let bucket = unique("digest");
    let table = unique("locks");
    emu.create_bucket(&bucket);
    emu.create_table(&table);
    let key = "terraform.tfstate";
    let digest_id = format!("{bucket}/{key}-md5");
    let cfg = config(emu, &bucket, key, Some(&table), false);
    let w = backend(&cfg);
    let s = sample_state(1);
    w.write(&s, None).unwrap();
    let (s1, v1) = w.read().unwrap().unwrap();
    let d1 = emu.item_attr(&table, &digest_id, "Digest").unwrap();

    // Crash: the table is unreachable for the digest write (deleted for a moment), so the
    // state object is written but its digest is not.
    emu.delete_table(&table);
    let e = w.write(&s1, Some(&v1)).expect_err("digest write fails");
    assert!(e.to_string().contains("DynamoDB"), "{e}");
    emu.create_table(&table);
    emu.put_item(&table, &digest_id, "Digest", &d1);
    let (bytes, meta) = emu.get_object(&bucket, key).unwrap();
    assert_eq!(meta.get("girder-prev-md5"), Some(&d1), "{meta:?}");
    assert_ne!(
        md5_hex(&bytes),
        d1,
        "the new state is in place, the digest is old"
    );

    // The next reader proves the lost digest write and repairs the digest.
    let r = backend(&cfg);
    let (got, v2) = r.read().expect("recovered").expect("state");
    assert_eq!(v2.serial, v1.serial + 1);
    assert_eq!(got.lineage, s.lineage);
    assert_eq!(
        emu.item_attr(&table, &digest_id, "Digest").unwrap(),
        md5_hex(&bytes),
        "digest repaired"
    );

    // A foreign write (no girder metadata) whose digest is missing is reported, after the
    // consistency timeout, with both MD5s and what to do.
    let mut foreign = bytes.clone();
    foreign.extend_from_slice(b"\n");
    emu.put_object(&bucket, key, foreign.clone());
    let started = std::time::Instant::now();
    let e = backend(&cfg).read().expect_err("digest mismatch");
    assert!(started.elapsed() >= Duration::from_secs(1), "retried first");
    let msg = e.to_string();
    assert!(msg.contains("digest"), "{msg}");
    assert!(msg.contains(&md5_hex(&foreign)), "{msg}");
    assert!(msg.contains(&md5_hex(&bytes)), "{msg}");
    assert!(
        msg.contains(&format!("set the item's Digest to {}", md5_hex(&foreign))),
        "{msg}"
    );
    // Writes are refused too (they read first), so nothing builds on the unverified state.
    assert!(backend(&cfg).write(&got, None).is_err());
    // After the operator checked the object and set the digest, reads work again.
    emu.put_item(&table, &digest_id, "Digest", &md5_hex(&foreign));
    assert!(backend(&cfg).read().unwrap().is_some());
}

/// A holder that lost its lock (force-unlocked, someone else wrote) can never overwrite the
/// newer state: its write is conditional on the ETag it read.
#[test]
fn s3_fencing_lost_lock_cannot_overwrite() {
    let _slot = shared_slot();
    let emu = Emulator::shared();
    let bucket = unique("fence");
    let table = unique("locks");
    emu.create_bucket(&bucket);
    emu.create_table(&table);
    let cfg = config(emu, &bucket, "terraform.tfstate", Some(&table), false);
    backend(&cfg).write(&sample_state(1), None).unwrap();
    let a = backend(&cfg);
    let ha = a.lock(&LockInfo::new("apply"), Duration::ZERO).unwrap();
    let (sa, va) = a.read().unwrap().unwrap();
    // Someone breaks A's lock and writes.
    let b = backend(&cfg);
    b.force_unlock(&ha.id).unwrap();
    let hb = b.lock(&LockInfo::new("apply"), Duration::ZERO).unwrap();
    let (sb, vb) = b.read().unwrap().unwrap();
    let vb2 = b.write(&sb, Some(&vb)).unwrap();
    // A, unaware, writes with its (fast-path) expected version: refused.
    let e = a.write(&sa, Some(&va)).expect_err("fenced");
    assert!(matches!(e, StateError::StaleWrite { .. }), "{e}");
    let (_, now) = backend(&cfg).read().unwrap().unwrap();
    assert_eq!(now, vb2, "B's state is intact");
    let e = a.unlock(&ha.id).expect_err("A's lock is gone");
    assert!(
        matches!(
            e,
            StateError::LockIdMismatch { .. } | StateError::LockFailed { .. }
        ),
        "{e}"
    );
    b.unlock(&hb.id).unwrap();
}

/// A held lease is renewed by the heartbeat; when the holder dies, it expires and is
/// reported stale.
#[test]
fn s3_lease_renewed_while_held_and_stale_after_death() {
    let _slot = shared_slot();
    let emu = Emulator::shared();
    let bucket = unique("lease");
    let table = unique("locks");
    emu.create_bucket(&bucket);
    emu.create_table(&table);
    let cfg = config(emu, &bucket, "terraform.tfstate", Some(&table), true);
    let a = backend(&cfg);
    let h = a
        .lock(
            &LockInfo::new("apply").with_lease(Duration::from_millis(1500)),
            Duration::ZERO,
        )
        .unwrap();
    let first = h.info.expires_at().unwrap();
    std::thread::sleep(Duration::from_millis(2500));
    let other = backend(&cfg);
    match other.lock(&LockInfo::new("plan"), Duration::ZERO) {
        Err(StateError::Locked { info, .. }) => {
            assert_eq!(info.id, h.id);
            assert!(info.expires_at().unwrap() > first, "lease was renewed");
        }
        r => panic!("expected Locked while the holder lives, got {r:?}"),
    }
    drop(a); // the holder dies: no more renewals, the lock stays
    std::thread::sleep(Duration::from_millis(2000));
    let e = other
        .lock(&LockInfo::new("plan"), Duration::ZERO)
        .expect_err("stale");
    assert!(matches!(e, StateError::StaleLock { .. }), "{e}");
    assert!(
        e.to_string().contains(&format!("force-unlock {}", h.id)),
        "{e}"
    );
    other.force_unlock(&h.id).unwrap();
}

/// Client-side encryption: the object is an envelope; reading needs the key.
#[test]
fn s3_client_side_encryption() {
    let _slot = shared_slot();
    let emu = Emulator::shared();
    let bucket = unique("enc");
    emu.create_bucket(&bucket);
    let cfg = config(emu, &bucket, "terraform.tfstate", None, true);
    let cipher = Arc::new(Cipher::from_key([7; 32]));
    let b = backend(&cfg).with_cipher(Some(cipher.clone()));
    let s = sample_state(2);
    b.write(&s, None).unwrap();
    let (raw, _) = emu.get_object(&bucket, "terraform.tfstate").unwrap();
    assert!(girder_state::crypto::is_envelope(&raw));
    assert!(!String::from_utf8_lossy(&raw).contains(&s.lineage));
    let (got, _) = backend(&cfg)
        .with_cipher(Some(cipher))
        .read()
        .unwrap()
        .unwrap();
    assert_eq!(got.lineage, s.lineage);
    let e = backend(&cfg).read().expect_err("no key");
    assert!(matches!(e, StateError::Decrypt { .. }), "{e}");
}

/// The synchronous backend works inside another runtime's spawn_blocking, and can be
/// dropped inside an async task without a panic.
#[test]
fn s3_from_spawn_blocking_of_another_runtime() {
    let _slot = shared_slot();
    let emu = Emulator::shared();
    let bucket = unique("rt");
    emu.create_bucket(&bucket);
    let cfg = config(emu, &bucket, "terraform.tfstate", None, true);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let c = cfg.clone();
        let b = tokio::task::spawn_blocking(move || {
            let b = backend(&c);
            let h = b.lock(&LockInfo::new("apply"), Duration::ZERO).unwrap();
            let v = b.write(&sample_state(1), None).unwrap();
            let (_, got) = b.read().unwrap().unwrap();
            assert_eq!(got, v);
            b.unlock(&h.id).unwrap();
            b
        })
        .await
        .unwrap();
        // Dropped in an async context: must not panic (runtime shut down in background).
        drop(b);
        let c = cfg.clone();
        let n = tokio::task::spawn_blocking(move || backend(&c).workspaces().unwrap())
            .await
            .unwrap();
        assert_eq!(n, vec!["default"]);
    });
}

/// Errors from an unreachable or misconfigured service are clear, not panics.
#[test]
fn s3_missing_bucket_is_a_clear_error() {
    let _slot = shared_slot();
    let emu = Emulator::shared();
    let cfg = config(
        emu,
        "no-such-bucket-girder",
        "terraform.tfstate",
        None,
        true,
    );
    let e = backend(&cfg)
        .write(&sample_state(1), None)
        .expect_err("no bucket");
    let msg = e.to_string();
    assert!(
        msg.contains("s3://no-such-bucket-girder/terraform.tfstate"),
        "{msg}"
    );
    assert!(msg.contains("NoSuchBucket"), "{msg}");
}

/// assume_role: credentials come from STS AssumeRole at the configured STS endpoint.
#[test]
fn s3_assume_role_through_sts_endpoint() {
    let _slot = shared_slot();
    let emu = Emulator::shared();
    let bucket = unique("role");
    emu.create_bucket(&bucket);
    let with_sts = |sts: &str| {
        let mut c = config(emu, &bucket, "terraform.tfstate", None, true);
        let role = S3Config::from_attrs([
            ("bucket", serde_json::json!("x")),
            ("key", serde_json::json!("k")),
            ("region", serde_json::json!("us-east-1")),
            (
                "assume_role",
                serde_json::json!({
                    "role_arn": "arn:aws:iam::123456789012:role/girder-state",
                    "session_name": "girder-test",
                    "external_id": "ext-1",
                    "duration": "15m",
                }),
            ),
            ("endpoints", serde_json::json!({ "sts": sts })),
        ])
        .unwrap();
        assert_eq!(
            role.assume_role.as_ref().unwrap().duration_seconds,
            Some(900)
        );
        c.assume_role = role.assume_role;
        c.endpoints.sts = role.endpoints.sts;
        backend(&c)
    };
    let b = with_sts(&emu.url);
    b.write(&sample_state(1), None)
        .expect("write with assumed role");
    assert!(b.read().unwrap().is_some());
    // With an unreachable STS endpoint no credentials can be had: the role is really used.
    let e = with_sts("http://127.0.0.1:1")
        .read()
        .expect_err("STS unreachable");
    assert!(e.to_string().contains("s3://"), "{e}");
}

/// A crashed run's long journal (many objects) is replayed by read() and folded in by the
/// next lock(), which removes the journal objects.
#[test]
fn s3_long_journal_recovered_after_crash() {
    let _slot = shared_slot();
    let emu = Emulator::shared();
    let bucket = unique("journal");
    let table = unique("locks");
    emu.create_bucket(&bucket);
    emu.create_table(&table);
    let cfg = config(emu, &bucket, "terraform.tfstate", Some(&table), false);
    const N: usize = 60;
    let dead_id = {
        let b = backend(&cfg);
        let h = b.lock(&LockInfo::new("apply"), Duration::ZERO).unwrap();
        b.write(&sample_state(1), None).unwrap();
        for i in 0..N {
            b.append_change(&girder_state::InstanceChange::SetOutput {
                name: format!("out{i:03}"),
                value: girder_state::OutputValue {
                    value: serde_json::json!(i),
                    ty: serde_json::json!("number"),
                    sensitive: false,
                },
            })
            .unwrap();
        }
        h.id // the run dies here
    };
    assert_eq!(
        emu.list(&bucket, "terraform.tfstate.journal/").len(),
        N + 1,
        "header + one object per change"
    );
    let (s, v) = backend(&cfg).read().unwrap().unwrap();
    assert_eq!(s.outputs.len(), N + 1, "replayed in memory");
    assert_eq!(s.outputs["out059"].value, serde_json::json!(59));
    let b = backend(&cfg);
    b.force_unlock(&dead_id).unwrap();
    let h = b.lock(&LockInfo::new("apply"), Duration::ZERO).unwrap();
    assert!(emu.list(&bucket, "terraform.tfstate.journal/").is_empty());
    let (s2, v2) = b.read().unwrap().unwrap();
    assert_eq!(v2.serial, v.serial + 1, "folded into a new snapshot");
    assert_eq!(s2.outputs, s.outputs);
    b.unlock(&h.id).unwrap();
}
