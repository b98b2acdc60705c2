//! The local backend: conformance suite plus local-only behaviour (second process, atomic
//! writes and backups, corrupt files never overwritten, journal edge cases, encryption).

use girder_state::conformance::{self, sample_state};
use girder_state::crypto::Cipher;
use girder_state::local::LocalBackend;
use girder_state::{Backend, LockInfo, StateError};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "girder-state-{name}-{}-{}",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn local_backend_conformance() {
    let base = tmpdir("conformance");
    conformance::run_all(&|case: &str| -> Box<dyn Backend> {
        Box::new(LocalBackend::new(base.join(case)))
    });
    let _ = std::fs::remove_dir_all(&base);
}

#[test]
fn local_backend_conformance_encrypted() {
    let base = tmpdir("conformance-enc");
    let cipher = Arc::new(Cipher::from_key([42; 32]));
    conformance::run_all(&|case: &str| -> Box<dyn Backend> {
        Box::new(LocalBackend::new(base.join(case)).with_cipher(Some(cipher.clone())))
    });
    let _ = std::fs::remove_dir_all(&base);
}

/// The child half of `second_process_is_excluded`: holds the lock until killed.
fn child_hold_lock(dir: &Path) {
    let b = LocalBackend::new(dir);
    let h = b
        .lock(
            &LockInfo::new("OperationTypeApply"),
            Duration::from_secs(10),
        )
        .expect("child lock");
    println!("LOCKED {}", h.id);
    use std::io::Write;
    std::io::stdout().flush().unwrap();
    let mut buf = String::new();
    // Wait until the parent closes stdin or kills us.
    let _ = std::io::stdin().read_line(&mut buf);
}

#[test]
fn second_process_is_excluded() {
    if let Ok(dir) = std::env::var("GIRDER_STATE_CHILD_DIR") {
        child_hold_lock(Path::new(&dir));
        return;
    }
    let dir = tmpdir("process");
    LocalBackend::new(&dir)
        .write(&sample_state(1), None)
        .unwrap();
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "second_process_is_excluded",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("GIRDER_STATE_CHILD_DIR", &dir)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn child");
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut id = None;
    let mut line = String::new();
    use std::io::BufRead;
    while out.read_line(&mut line).unwrap() > 0 {
        // The harness prints "test NAME ... " before the child's own line.
        if let Some(at) = line.find("LOCKED ") {
            id = Some(line[at + 7..].trim().to_string());
            break;
        }
        line.clear();
    }
    let Some(id) = id else {
        let _ = child.kill();
        let _ = child.wait();
        panic!("the child did not report its lock");
    };
    let b = LocalBackend::new(&dir);
    let e = b
        .lock(
            &LockInfo::new("OperationTypePlan"),
            Duration::from_millis(300),
        )
        .expect_err("the child holds the lock");
    match &e {
        StateError::Locked { info, .. } => assert_eq!(info.id, id),
        other => panic!("expected Locked, got {other}"),
    }
    assert!(e.to_string().contains(&format!("girder force-unlock {id}")));
    // A live holder cannot be broken from outside.
    let e = b.force_unlock(&id).expect_err("live holder");
    assert!(e.to_string().contains("running process"), "{e}");
    // A write outside the lock is refused too while the child runs.
    let (s, v) = b.read().unwrap().unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    // The OS released the dead child's lock: the next run proceeds.
    let h = b
        .lock(&LockInfo::new("OperationTypeApply"), Duration::from_secs(5))
        .expect("lock after the holder died");
    b.write(&s, Some(&v)).unwrap();
    b.unlock(&h.id).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn write_is_atomic_and_keeps_a_backup() {
    let dir = tmpdir("backup");
    let b = LocalBackend::new(&dir);
    let s = sample_state(2);
    let v1 = b.write(&s, None).unwrap();
    let first = std::fs::read(dir.join("terraform.tfstate")).unwrap();
    assert!(!dir.join("terraform.tfstate.backup").exists());
    b.write(&s, Some(&v1)).unwrap();
    let backup = std::fs::read(dir.join("terraform.tfstate.backup")).unwrap();
    assert_eq!(backup, first, "backup holds the previous snapshot");
    let now = std::fs::read(dir.join("terraform.tfstate")).unwrap();
    assert!(String::from_utf8_lossy(&now).contains("\"serial\": 2,"));
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn corrupt_and_future_states_are_never_overwritten() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../state-fixtures/errors");
    let mut n = 0;
    for e in std::fs::read_dir(&fixtures).unwrap() {
        let path = e.unwrap().path();
        if path.ends_with("empty_file.tfstate") {
            // An empty file is "no state" for a backend, as in Terraform (tested below).
            continue;
        }
        let original = std::fs::read(&path).unwrap();
        let dir = tmpdir("corrupt");
        std::fs::write(dir.join("terraform.tfstate"), &original).unwrap();
        let b = LocalBackend::new(&dir);
        assert!(b.read().is_err(), "{}", path.display());
        assert!(
            b.write(&sample_state(1), None).is_err(),
            "{}",
            path.display()
        );
        assert!(
            b.force_write(&sample_state(1)).is_err(),
            "{}",
            path.display()
        );
        assert_eq!(
            std::fs::read(dir.join("terraform.tfstate")).unwrap(),
            original,
            "{} was modified",
            path.display()
        );
        let _ = std::fs::remove_dir_all(&dir);
        n += 1;
    }
    assert!(n >= 5);
}

#[test]
fn empty_state_file_is_no_state() {
    let dir = tmpdir("empty");
    std::fs::write(dir.join("terraform.tfstate"), b"").unwrap();
    let b = LocalBackend::new(&dir);
    assert!(b.read().unwrap().is_none());
    let v = b.write(&sample_state(1), None).unwrap();
    assert_eq!(v.serial, 1);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn obsolete_journal_is_discarded_not_applied_twice() {
    let dir = tmpdir("obsolete");
    let b = LocalBackend::new(&dir);
    let h = b.lock(&LockInfo::new("apply"), Duration::ZERO).unwrap();
    b.write(&sample_state(2), None).unwrap();
    let obj = conformance::sample_instance(Some(girder_core::addr::InstanceKey::Int(7)), 7);
    let res = girder_state::ResourceRef {
        module: girder_core::addr::ModuleInstance::root().child(
            "app",
            Some(girder_core::addr::InstanceKey::Str("prod".into())),
        ),
        mode: girder_core::addr::ResourceMode::Managed,
        type_name: "aws_instance".into(),
        name: "web".into(),
        provider: "provider[\"registry.terraform.io/hashicorp/aws\"]".into(),
    };
    b.append_change(&girder_state::InstanceChange::Upsert {
        resource: res.clone(),
        object: obj,
    })
    .unwrap();
    let journal = b.journal_bytes().expect("journal exists");
    let v = b.compact().unwrap().expect("compacted");
    // Crash between the state write and the journal removal: the journal is back.
    std::fs::write(b.journal_path(), &journal).unwrap();
    b.unlock(&h.id).unwrap();
    let b2 = LocalBackend::new(&dir);
    let (s, v2) = b2.read().unwrap().unwrap();
    assert_eq!(v2.serial, v.serial);
    assert_eq!(
        s.instance_count(),
        4,
        "2 + data source + 1 upserted, not duplicated"
    );
    let h = b2.lock(&LockInfo::new("apply"), Duration::ZERO).unwrap();
    assert!(!b2.journal_path().exists(), "obsolete journal removed");
    let (_, v3) = b2.read().unwrap().unwrap();
    assert_eq!(v3.serial, v.serial, "nothing rewritten");
    // A torn last line (crash mid-append) is ignored; earlier lines are kept.
    b2.append_change(&girder_state::InstanceChange::Remove {
        resource: res,
        index_key: Some(girder_core::addr::InstanceKey::Int(7)),
        deposed: None,
    })
    .unwrap();
    let mut bytes = b2.journal_bytes().unwrap();
    bytes.extend_from_slice(b"{\"op\":\"remove\",\"modu");
    std::fs::write(b2.journal_path(), &bytes).unwrap();
    drop(b2); // crash
    let _ = h;
    let b3 = LocalBackend::new(&dir);
    let h = b3.lock(&LockInfo::new("apply"), Duration::ZERO).unwrap();
    let (s, v4) = b3.read().unwrap().unwrap();
    assert_eq!(
        s.instance_count(),
        3,
        "the complete remove line was applied"
    );
    assert_eq!(v4.serial, v.serial + 1);
    b3.unlock(&h.id).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn damaged_journal_is_reported_with_its_line() {
    let dir = tmpdir("damaged");
    let b = LocalBackend::new(&dir);
    b.write(&sample_state(1), None).unwrap();
    let state_before = std::fs::read(dir.join("terraform.tfstate")).unwrap();
    let (_, v) = b.read().unwrap().unwrap();
    std::fs::write(
        b.journal_path(),
        format!(
            "{{\"girder_journal\":1,\"lineage\":\"{}\",\"base_serial\":{}}}\nnot json\n{{\"op\":\"remove_output\",\"name\":\"region\"}}\n",
            v.lineage, v.serial
        ),
    )
    .unwrap();
    let e = b.lock(&LockInfo::new("apply"), Duration::ZERO).unwrap_err();
    assert!(matches!(e, StateError::Journal { line: 2, .. }), "{e}");
    assert!(e.to_string().contains("line 2"), "{e}");
    assert_eq!(
        std::fs::read(dir.join("terraform.tfstate")).unwrap(),
        state_before
    );
    assert!(b.lock_info().unwrap().is_none(), "failed lock released");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn encrypted_state_and_journal() {
    let dir = tmpdir("enc");
    let key = Arc::new(Cipher::from_key([9; 32]));
    let b = LocalBackend::new(&dir).with_cipher(Some(key.clone()));
    let h = b.lock(&LockInfo::new("apply"), Duration::ZERO).unwrap();
    b.write(&sample_state(3), None).unwrap();
    let raw = std::fs::read(dir.join("terraform.tfstate")).unwrap();
    let text = String::from_utf8_lossy(&raw);
    assert!(text.starts_with("{\"girder_encrypted\":1"), "{text}");
    assert!(!text.contains("aws_instance"), "plaintext leaked");
    b.append_change(&girder_state::InstanceChange::RemoveOutput {
        name: "region".into(),
    })
    .unwrap();
    let j = b.journal_bytes().unwrap();
    assert!(
        !String::from_utf8_lossy(&j).contains("region"),
        "journal plaintext leaked"
    );
    // Readable with the key (journal replayed), not without or with another key.
    let (s, _) = LocalBackend::new(&dir)
        .with_cipher(Some(key.clone()))
        .read()
        .unwrap()
        .unwrap();
    assert!(!s.outputs.contains_key("region"));
    let e = LocalBackend::new(&dir).read().unwrap_err();
    assert!(e.to_string().contains("GIRDER_STATE_ENCRYPTION_KEY"), "{e}");
    let e = LocalBackend::new(&dir)
        .with_cipher(Some(Arc::new(Cipher::from_key([1; 32]))))
        .read()
        .unwrap_err();
    assert!(e.to_string().contains("the key is wrong"), "{e}");
    b.compact().unwrap();
    b.unlock(&h.id).unwrap();
    // A plain state is read with a key configured, and written back encrypted.
    let dir2 = tmpdir("enc-migrate");
    LocalBackend::new(&dir2)
        .write(&sample_state(1), None)
        .unwrap();
    let b2 = LocalBackend::new(&dir2).with_cipher(Some(key));
    let (s, v) = b2.read().unwrap().unwrap();
    b2.write(&s, Some(&v)).unwrap();
    assert!(girder_state::crypto::is_envelope(
        &std::fs::read(dir2.join("terraform.tfstate")).unwrap()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&dir2);
}

#[test]
fn custom_path_and_workspace_layout() {
    let dir = tmpdir("layout");
    let b = LocalBackend::new(&dir).with_path("states/main.tfstate");
    b.write(&sample_state(1), None).unwrap();
    assert!(dir.join("states/main.tfstate").exists());
    let h = b.lock(&LockInfo::new("apply"), Duration::ZERO).unwrap();
    assert!(dir.join("states/.main.tfstate.lock.info").exists());
    b.unlock(&h.id).unwrap();
    assert!(!dir.join("states/.main.tfstate.lock.info").exists());
    let ws = b.select_workspace("staging").unwrap();
    ws.write(&sample_state(1), None).unwrap();
    assert!(dir
        .join("terraform.tfstate.d/staging/terraform.tfstate")
        .exists());
    assert_eq!(b.workspaces().unwrap(), vec!["default", "staging"]);
    let _ = std::fs::remove_dir_all(&dir);
}

fn terraform_bin() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("TERRAFORM_BIN") {
        return Some(PathBuf::from(p));
    }
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/tools/terraform");
    if p.exists() {
        return Some(p);
    }
    assert!(
        std::env::var("CI").is_err(),
        "terraform binary missing in CI"
    );
    eprintln!("terraform binary not found; skipping");
    None
}

#[test]
fn a_running_terraform_holds_off_girder() {
    let Some(tf) = terraform_bin() else { return };
    let dir = tmpdir("tf-lock");
    std::fs::write(dir.join("main.tf"), "output \"a\" { value = 1 }\n").unwrap();
    let st = std::process::Command::new(&tf)
        .current_dir(&dir)
        .env("CHECKPOINT_DISABLE", "1")
        .args(["apply", "-auto-approve", "-no-color"])
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    std::fs::write(dir.join("main.tf"), "output \"a\" { value = 2 }\n").unwrap();
    // This apply waits for approval on stdin, holding its lock.
    let mut child = std::process::Command::new(&tf)
        .current_dir(&dir)
        .env("CHECKPOINT_DISABLE", "1")
        .args(["apply", "-no-color"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let info_path = dir.join(".terraform.tfstate.lock.info");
    let start = std::time::Instant::now();
    while !info_path.exists() && start.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(100));
    }
    let b = LocalBackend::new(&dir);
    let r = b.lock(&LockInfo::new("apply"), Duration::from_millis(500));
    // Close stdin (no approval) and let Terraform exit before asserting.
    drop(child.stdin.take());
    let _ = child.wait();
    let e = r.expect_err("Terraform holds the lock");
    match &e {
        StateError::Locked { info, .. } => {
            assert_eq!(info.operation, "OperationTypeApply");
            assert_eq!(info.version, "1.0.3");
        }
        other => panic!("expected Locked, got {other}"),
    }
    let h = b
        .lock(&LockInfo::new("apply"), Duration::from_secs(10))
        .expect("lock after Terraform exited");
    b.unlock(&h.id).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn terraform_reads_what_the_local_backend_writes() {
    let Some(tf) = terraform_bin() else { return };
    let dir = tmpdir("tf-read");
    let b = LocalBackend::new(&dir);
    b.write(&sample_state(3), None).unwrap();
    let out = std::process::Command::new(&tf)
        .current_dir(&dir)
        .args(["state", "list", "-no-color", "-state=terraform.tfstate"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let list = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        list.lines().collect::<Vec<_>>(),
        vec![
            "data.aws_ami.ubuntu",
            "module.app[\"prod\"].aws_instance.web[0]",
            "module.app[\"prod\"].aws_instance.web[1]",
            "module.app[\"prod\"].aws_instance.web[2]",
        ]
    );
    let _ = std::fs::remove_dir_all(&dir);
}
