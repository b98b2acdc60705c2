//! A conformance suite every [`Backend`] must pass. Run it from a backend's tests:
//!
//! ```no_run
//! use girder_state::{Backend, LocalBackend};
//! let base = std::env::temp_dir().join("girder-conformance");
//! girder_state::conformance::run_all(&|case: &str| -> Box<dyn Backend> {
//!     Box::new(LocalBackend::new(base.join(case)))
//! });
//! ```
//!
//! The factory is called with a case name; calls with the same name must give backend
//! instances over the **same** storage (as separate processes would see it), and different
//! names independent storages. Each call must return a new instance (no shared lock state).

use crate::backend::{Backend, InstanceChange, ResourceRef};
use crate::error::StateError;
use crate::lock::LockInfo;
use crate::model::{InstanceState, OutputValue, ResourceState, State};
use girder_core::addr::{InstanceKey, ModuleInstance, ResourceMode};
use std::time::Duration;

/// The factory the suite is given: case name -> a new backend instance on that case's storage.
pub type Factory<'a> = dyn Fn(&str) -> Box<dyn Backend> + Sync + 'a;

/// One named check.
pub type Case = (&'static str, fn(&Factory<'_>));

/// All checks, in order.
pub const CASES: &[Case] = &[
    ("read_empty", read_empty),
    ("write_then_read", write_then_read),
    (
        "every_write_increments_serial",
        every_write_increments_serial,
    ),
    ("lineage_fencing", lineage_fencing),
    ("serial_fencing", serial_fencing),
    ("lock_excludes_second_locker", lock_excludes_second_locker),
    ("lock_waits_for_release", lock_waits_for_release),
    ("unlock_with_wrong_id_refused", unlock_with_wrong_id_refused),
    ("lock_info_visible", lock_info_visible),
    (
        "concurrent_writers_lose_no_update",
        concurrent_writers_lose_no_update,
    ),
    ("journal_append_and_compact", journal_append_and_compact),
    ("journal_needs_lock", journal_needs_lock),
    (
        "journal_batches_survive_crash",
        journal_batches_survive_crash,
    ),
    (
        "crash_before_compaction_recovered",
        crash_before_compaction_recovered,
    ),
    ("expired_lease_reported_stale", expired_lease_reported_stale),
    ("force_unlock_after_crash", force_unlock_after_crash),
    ("workspaces", workspaces),
];

/// Runs every case; panics naming the failing case.
pub fn run_all(factory: &Factory<'_>) {
    for (name, case) in CASES {
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| case(factory)));
        if let Err(e) = r {
            let msg = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            panic!("backend conformance case {name} failed: {msg}");
        }
    }
}

/// A realistic state with `n` instances of one counted resource plus a few others.
pub fn sample_state(n: usize) -> State {
    let mut s = State::new("1.0.3");
    let provider = "provider[\"registry.terraform.io/hashicorp/aws\"]".to_string();
    let mut instances = Vec::with_capacity(n);
    for i in 0..n {
        instances.push(sample_instance(Some(InstanceKey::Int(i as i64)), i));
    }
    s.resources.push(ResourceState {
        module: ModuleInstance::root().child("app", Some(InstanceKey::Str("prod".into()))),
        mode: ResourceMode::Managed,
        type_name: "aws_instance".into(),
        name: "web".into(),
        provider: provider.clone(),
        instances,
    });
    s.resources.push(ResourceState {
        module: ModuleInstance::root(),
        mode: ResourceMode::Data,
        type_name: "aws_ami".into(),
        name: "ubuntu".into(),
        provider,
        instances: vec![sample_instance(None, 0)],
    });
    s.outputs.insert(
        "region".into(),
        OutputValue {
            value: serde_json::json!("eu-west-1"),
            ty: serde_json::json!("string"),
            sensitive: false,
        },
    );
    s
}

/// One instance object with realistic attributes (about 600 bytes of JSON).
pub fn sample_instance(key: Option<InstanceKey>, i: usize) -> InstanceState {
    let attrs = serde_json::json!({
        "ami": "ami-0abcdef1234567890",
        "arn": format!("arn:aws:ec2:eu-west-1:123456789012:instance/i-{i:017x}"),
        "associate_public_ip_address": false,
        "availability_zone": "eu-west-1a",
        "id": format!("i-{i:017x}"),
        "instance_state": "running",
        "instance_type": "t3.micro",
        "private_dns": format!("ip-10-0-{}-{}.eu-west-1.compute.internal", i / 250 % 256, i % 250),
        "private_ip": format!("10.0.{}.{}", i / 250 % 256, i % 250),
        "root_block_device": [{"delete_on_termination": true, "encrypted": true, "volume_size": 8, "volume_type": "gp3"}],
        "subnet_id": "subnet-0123456789abcdef0",
        "tags": {"Name": format!("web-{i}"), "env": "prod"},
        "vpc_security_group_ids": ["sg-0123456789abcdef0"],
    });
    let mut inst = InstanceState::new(key, &attrs);
    inst.schema_version = 1;
    inst.private = Some("eyJzY2hlbWFfdmVyc2lvbiI6IjEifQ==".into());
    inst.dependencies = vec!["data.aws_ami.ubuntu".into()];
    inst
}

fn web() -> ResourceRef {
    ResourceRef {
        module: ModuleInstance::root().child("app", Some(InstanceKey::Str("prod".into()))),
        mode: ResourceMode::Managed,
        type_name: "aws_instance".into(),
        name: "web".into(),
        provider: "provider[\"registry.terraform.io/hashicorp/aws\"]".into(),
    }
}

fn info(op: &str) -> LockInfo {
    LockInfo::new(op)
}

fn no_wait() -> Duration {
    Duration::ZERO
}

fn instance_ids(s: &State) -> Vec<String> {
    s.resource(&web().module, ResourceMode::Managed, "aws_instance", "web")
        .map(|r| {
            let mut v: Vec<String> = r
                .instances
                .iter()
                .filter_map(|i| {
                    i.attributes.as_ref().and_then(|a| {
                        a.to_value()
                            .get("id")
                            .and_then(|x| x.as_str())
                            .map(String::from)
                    })
                })
                .collect();
            v.sort();
            v
        })
        .unwrap_or_default()
}

/// A fresh storage has no state.
pub fn read_empty(f: &Factory<'_>) {
    let b = f("read_empty");
    assert!(
        b.read().expect("read").is_none(),
        "fresh storage has a state"
    );
}

/// What is written is read back, by another instance.
pub fn write_then_read(f: &Factory<'_>) {
    let b = f("write_then_read");
    let s = sample_state(3);
    let v = b.write(&s, None).expect("first write");
    assert_eq!(v.serial, 1);
    assert_eq!(v.lineage, s.lineage);
    let (got, gv) = f("write_then_read").read().expect("read").expect("state");
    assert_eq!(gv, v);
    assert_eq!(got.serial, 1);
    assert_eq!(got.lineage, s.lineage);
    assert_eq!(got.outputs, s.outputs);
    assert_eq!(instance_ids(&got), instance_ids(&s));
    assert_eq!(got.instance_count(), s.instance_count());
}

/// Serial goes up by one on every write, even without changes.
pub fn every_write_increments_serial(f: &Factory<'_>) {
    let b = f("serial");
    let s = sample_state(1);
    let mut v = b.write(&s, None).expect("write");
    for expect in 2..5 {
        v = b.write(&s, Some(&v)).expect("write");
        assert_eq!(v.serial, expect);
    }
    let (got, _) = b.read().unwrap().unwrap();
    assert_eq!(got.serial, 4);
}

/// A state of another lineage is refused unless forced.
pub fn lineage_fencing(f: &Factory<'_>) {
    let b = f("lineage");
    let s = sample_state(1);
    let v = b.write(&s, None).expect("write");
    let other = sample_state(1); // new lineage
    let e = b
        .write(&other, None)
        .expect_err("other lineage must be refused");
    assert!(matches!(e, StateError::LineageMismatch { .. }), "{e}");
    assert!(
        e.to_string().contains("state was changed by someone else"),
        "{e}"
    );
    let e = b
        .write(&other, Some(&v))
        .expect_err("other lineage must be refused");
    assert!(matches!(e, StateError::LineageMismatch { .. }), "{e}");
    let fv = b.force_write(&other).expect("forced write");
    assert_eq!(fv.lineage, other.lineage);
    assert!(fv.serial > v.serial);
    let (got, _) = f("lineage").read().unwrap().unwrap();
    assert_eq!(got.lineage, other.lineage);
}

/// A write based on an older snapshot is refused.
pub fn serial_fencing(f: &Factory<'_>) {
    let a = f("serial_fencing");
    let b = f("serial_fencing");
    let s = sample_state(2);
    a.write(&s, None).expect("write");
    let (sa, va) = a.read().unwrap().unwrap();
    let (sb, vb) = b.read().unwrap().unwrap();
    a.write(&sa, Some(&va)).expect("first writer wins");
    let e = b
        .write(&sb, Some(&vb))
        .expect_err("second writer must be refused");
    assert!(matches!(e, StateError::StaleWrite { .. }), "{e}");
    assert!(
        e.to_string().contains("state was changed by someone else"),
        "{e}"
    );
    // Without an expected version, an older serial is refused too.
    let e = b
        .write(&sb, None)
        .expect_err("older serial must be refused");
    assert!(matches!(e, StateError::StaleWrite { .. }), "{e}");
    // Re-reading gives a version that works.
    let (sb, vb) = b.read().unwrap().unwrap();
    b.write(&sb, Some(&vb)).expect("write after re-read");
}

/// A second locker (another instance, as another process would be) is excluded and told
/// who holds the lock and how to break it.
pub fn lock_excludes_second_locker(f: &Factory<'_>) {
    let a = f("lock_excludes");
    let b = f("lock_excludes");
    let h = a
        .lock(&info("OperationTypeApply"), no_wait())
        .expect("lock");
    let e = b
        .lock(&info("OperationTypePlan"), no_wait())
        .expect_err("second lock must fail");
    match &e {
        StateError::Locked { info, .. } => assert_eq!(info.id, h.id),
        other => panic!("expected Locked, got {other}"),
    }
    let msg = e.to_string();
    assert!(msg.contains(&h.info.who), "{msg}");
    assert!(msg.contains(&h.info.created), "{msg}");
    assert!(msg.contains("OperationTypeApply"), "{msg}");
    assert!(msg.contains(&format!("force-unlock {}", h.id)), "{msg}");
    // A thread with yet another instance is excluded as well.
    std::thread::scope(|sc| {
        sc.spawn(|| {
            let c = f("lock_excludes");
            assert!(c.lock(&info("x"), no_wait()).is_err());
        });
    });
    a.unlock(&h.id).expect("unlock");
    let h2 = b
        .lock(&info("OperationTypePlan"), no_wait())
        .expect("lock after unlock");
    b.unlock(&h2.id).expect("unlock");
}

/// lock() waits up to its timeout for a release.
pub fn lock_waits_for_release(f: &Factory<'_>) {
    let a = f("lock_waits");
    let h = a.lock(&info("apply"), no_wait()).expect("lock");
    std::thread::scope(|sc| {
        sc.spawn(|| {
            std::thread::sleep(Duration::from_millis(300));
            a.unlock(&h.id).expect("unlock");
        });
        let b = f("lock_waits");
        let h2 = b
            .lock(&info("apply"), Duration::from_secs(20))
            .expect("lock after waiting");
        b.unlock(&h2.id).unwrap();
    });
}

/// Unlocking with an ID that is not the holder's is refused and leaves the lock in place.
pub fn unlock_with_wrong_id_refused(f: &Factory<'_>) {
    let a = f("unlock_wrong");
    let b = f("unlock_wrong");
    let h = a.lock(&info("apply"), no_wait()).expect("lock");
    let wrong = uuid::Uuid::new_v4().to_string();
    let e = a.unlock(&wrong).expect_err("wrong id");
    assert!(matches!(e, StateError::LockIdMismatch { .. }), "{e}");
    let e = b
        .unlock(&wrong)
        .expect_err("wrong id from another instance");
    assert!(matches!(e, StateError::LockIdMismatch { .. }), "{e}");
    let e = b.force_unlock(&wrong).expect_err("force with wrong id");
    assert!(matches!(e, StateError::LockIdMismatch { .. }), "{e}");
    assert!(
        b.lock(&info("plan"), no_wait()).is_err(),
        "lock must still be held"
    );
    a.unlock(&h.id).expect("unlock");
    let e = a.unlock(&h.id).expect_err("unlock twice");
    assert!(matches!(e, StateError::NotLocked { .. }), "{e}");
}

/// The holder's lock info is visible to others with Terraform's fields.
pub fn lock_info_visible(f: &Factory<'_>) {
    let a = f("lock_info");
    let mut i = info("OperationTypeApply");
    i.info = "girder apply".into();
    let h = a.lock(&i, no_wait()).expect("lock");
    let seen = f("lock_info")
        .lock_info()
        .expect("lock info")
        .expect("present");
    assert_eq!(seen.id, h.id);
    assert_eq!(seen.operation, "OperationTypeApply");
    assert_eq!(seen.info, "girder apply");
    assert_eq!(seen.who, i.who);
    assert!(!seen.path.is_empty(), "path is filled in");
    let json: serde_json::Value = serde_json::from_str(&seen.to_json()).unwrap();
    for k in [
        "ID",
        "Operation",
        "Info",
        "Who",
        "Version",
        "Created",
        "Path",
    ] {
        assert!(json.get(k).is_some(), "lock info JSON lacks {k}");
    }
    a.unlock(&h.id).unwrap();
    assert!(f("lock_info").lock_info().unwrap().is_none());
}

/// Writers that each lock, read, modify and write lose no update.
pub fn concurrent_writers_lose_no_update(f: &Factory<'_>) {
    const THREADS: usize = 4;
    const ROUNDS: usize = 5;
    f("concurrent")
        .write(&sample_state(0), None)
        .expect("initial write");
    std::thread::scope(|sc| {
        for t in 0..THREADS {
            sc.spawn(move || {
                let b = f("concurrent");
                for r in 0..ROUNDS {
                    let h = b
                        .lock(&info("apply"), Duration::from_secs(60))
                        .expect("lock");
                    let (mut s, v) = b.read().unwrap().unwrap();
                    let n = t * ROUNDS + r;
                    if let Some(res) = s.resources.iter_mut().find(|r| r.name == "web") {
                        res.instances
                            .push(sample_instance(Some(InstanceKey::Int(n as i64)), n));
                    }
                    b.write(&s, Some(&v)).expect("write under lock");
                    b.unlock(&h.id).expect("unlock");
                }
            });
        }
    });
    let (s, v) = f("concurrent").read().unwrap().unwrap();
    assert_eq!(
        instance_ids(&s).len(),
        THREADS * ROUNDS,
        "an update was lost"
    );
    assert_eq!(v.serial, 1 + (THREADS * ROUNDS) as u64);
}

fn changes() -> Vec<InstanceChange> {
    vec![
        InstanceChange::Upsert {
            resource: web(),
            object: sample_instance(Some(InstanceKey::Int(100)), 100),
        },
        InstanceChange::Upsert {
            resource: web(),
            object: sample_instance(Some(InstanceKey::Int(101)), 101),
        },
        InstanceChange::Remove {
            resource: web(),
            index_key: Some(InstanceKey::Int(0)),
            deposed: None,
        },
        InstanceChange::SetOutput {
            name: "count".into(),
            value: OutputValue {
                value: serde_json::json!(3),
                ty: serde_json::json!("number"),
                sensitive: false,
            },
        },
        InstanceChange::RemoveOutput {
            name: "region".into(),
        },
    ]
}

fn check_changes_applied(s: &State) {
    let ids = instance_ids(s);
    assert!(ids.contains(&format!("i-{:017x}", 100)), "{ids:?}");
    assert!(ids.contains(&format!("i-{:017x}", 101)), "{ids:?}");
    assert!(!ids.contains(&format!("i-{:017x}", 0)), "{ids:?}");
    assert!(s.outputs.contains_key("count"));
    assert!(!s.outputs.contains_key("region"));
}

/// Journalled changes are visible to read() and folded in by compact().
pub fn journal_append_and_compact(f: &Factory<'_>) {
    let b = f("journal");
    let h = b.lock(&info("apply"), no_wait()).expect("lock");
    let v0 = b.write(&sample_state(2), None).expect("initial write");
    for c in changes() {
        b.append_change(&c).expect("append");
    }
    let (s, v) = f("journal").read().unwrap().unwrap();
    assert_eq!(v.serial, v0.serial, "append must not rewrite the state");
    check_changes_applied(&s);
    let v1 = b.compact().expect("compact").expect("a new snapshot");
    assert_eq!(v1.serial, v0.serial + 1);
    assert!(b.compact().expect("compact again").is_none());
    let (s, v) = f("journal").read().unwrap().unwrap();
    assert_eq!(v.serial, v1.serial);
    check_changes_applied(&s);
    b.unlock(&h.id).unwrap();
}

/// Group commits (`append_changes`) are durable as a whole: a run that dies after two batches
/// (and an empty one) loses neither; batches without the lock are refused.
pub fn journal_batches_survive_crash(f: &Factory<'_>) {
    let all = changes();
    assert!(all.len() >= 2, "the sample changes make two batches");
    let (first, rest) = all.split_at(1);
    let dead_id;
    {
        let b = f("batches");
        b.write(&sample_state(2), None).expect("initial write");
        assert!(b.append_changes(first).is_err(), "batch without lock");
        let h = b.lock(&info("apply"), no_wait()).expect("lock");
        dead_id = h.id;
        b.append_changes(first).expect("first batch");
        b.append_changes(&[]).expect("empty batch");
        b.append_changes(rest).expect("second batch");
        // The process dies here: no compact, no unlock.
    }
    let (s, _) = f("batches").read().unwrap().unwrap();
    check_changes_applied(&s);
    let b = f("batches");
    let h = lock_after_crash(b.as_ref(), &dead_id);
    let (s, _) = f("batches").read().unwrap().unwrap();
    check_changes_applied(&s);
    b.unlock(&h.id).unwrap();
}

/// Journalling without the lock is refused.
pub fn journal_needs_lock(f: &Factory<'_>) {
    let b = f("journal_lock");
    b.write(&sample_state(1), None).unwrap();
    let c = &changes()[0];
    assert!(b.append_change(c).is_err(), "append without lock");
}

fn lock_after_crash(b: &dyn Backend, dead_id: &str) -> crate::lock::LockHandle {
    match b.lock(&info("apply"), no_wait()) {
        Ok(h) => h,
        Err(StateError::Locked { .. } | StateError::StaleLock { .. }) => {
            b.force_unlock(dead_id)
                .expect("force-unlock the dead run's lock");
            b.lock(&info("apply"), no_wait())
                .expect("lock after force-unlock")
        }
        Err(e) => panic!("lock after crash: {e}"),
    }
}

/// A run that dies after journalling (before compaction) loses nothing: read() shows the
/// changes and the next lock() folds them into the state.
pub fn crash_before_compaction_recovered(f: &Factory<'_>) {
    let dead_id;
    let v0;
    {
        let b = f("crash");
        let h = b.lock(&info("apply"), no_wait()).expect("lock");
        dead_id = h.id;
        v0 = b.write(&sample_state(2), None).expect("initial write");
        for c in changes() {
            b.append_change(&c).expect("append");
        }
        // The process dies here: no compact, no unlock.
    }
    let (s, _) = f("crash").read().unwrap().unwrap();
    check_changes_applied(&s);
    let b = f("crash");
    let h = lock_after_crash(b.as_ref(), &dead_id);
    b.unlock(&h.id).unwrap();
    let (s, v) = f("crash").read().unwrap().unwrap();
    check_changes_applied(&s);
    assert_eq!(
        v.serial,
        v0.serial + 1,
        "recovery compacts into a new snapshot"
    );
    // Recovering twice changes nothing.
    let h = f("crash").lock(&info("apply"), no_wait()).unwrap();
    let (_, v2) = f("crash").read().unwrap().unwrap();
    assert_eq!(v2.serial, v.serial);
    f("crash").force_unlock(&h.id).ok();
}

/// A lock whose lease expired is reported as stale, with the command to break it.
pub fn expired_lease_reported_stale(f: &Factory<'_>) {
    let a = f("lease");
    let h = a
        .lock(
            &info("apply").with_lease(Duration::from_millis(200)),
            no_wait(),
        )
        .expect("lock");
    assert!(h.info.expires.is_some());
    let b = f("lease");
    match b.lock(&info("plan"), no_wait()) {
        Err(StateError::Locked { .. }) => {}
        other => panic!("before expiry: expected Locked, got {other:?}"),
    }
    std::thread::sleep(Duration::from_millis(600));
    let e = b.lock(&info("plan"), no_wait()).expect_err("still held");
    assert!(matches!(e, StateError::StaleLock { .. }), "{e}");
    let msg = e.to_string();
    assert!(msg.contains("stale"), "{msg}");
    assert!(msg.contains(&h.id), "{msg}");
    a.unlock(&h.id).unwrap();
}

/// force_unlock breaks the lock of a run that died, and checks the ID.
pub fn force_unlock_after_crash(f: &Factory<'_>) {
    let id = {
        let a = f("force_unlock");
        a.lock(&info("apply"), no_wait()).expect("lock").id
    };
    let b = f("force_unlock");
    let e = b
        .force_unlock(&uuid::Uuid::new_v4().to_string())
        .expect_err("wrong id");
    assert!(matches!(e, StateError::LockIdMismatch { .. }), "{e}");
    b.force_unlock(&id).expect("force unlock");
    let h = b.lock(&info("apply"), no_wait()).expect("lock after force");
    b.unlock(&h.id).unwrap();
}

/// Workspaces are listed, independent, and deletable (except default).
pub fn workspaces(f: &Factory<'_>) {
    let b = f("workspaces");
    assert_eq!(b.workspace(), "default");
    assert_eq!(b.workspaces().unwrap(), vec!["default".to_string()]);
    b.write(&sample_state(1), None).unwrap();
    let dev = b.select_workspace("dev").unwrap();
    assert_eq!(dev.workspace(), "dev");
    assert!(dev.read().unwrap().is_none(), "new workspace is empty");
    let ds = sample_state(2);
    dev.write(&ds, None).unwrap();
    let prod = b.select_workspace("prod").unwrap();
    prod.write(&sample_state(3), None).unwrap();
    assert_eq!(
        f("workspaces").workspaces().unwrap(),
        vec!["default", "dev", "prod"]
    );
    let (got, _) = f("workspaces")
        .select_workspace("dev")
        .unwrap()
        .read()
        .unwrap()
        .unwrap();
    assert_eq!(got.lineage, ds.lineage);
    let (def, _) = b.read().unwrap().unwrap();
    assert_ne!(def.lineage, ds.lineage);
    assert!(matches!(
        b.delete_workspace("default"),
        Err(StateError::CannotDeleteDefault)
    ));
    assert!(b.select_workspace("../evil").is_err());
    assert!(b.select_workspace("").is_err());
    b.delete_workspace("dev").unwrap();
    assert_eq!(b.workspaces().unwrap(), vec!["default", "prod"]);
    assert!(matches!(
        b.delete_workspace("dev"),
        Err(StateError::WorkspaceNotFound { .. })
    ));
}
