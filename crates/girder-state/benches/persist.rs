//! Cost of persisting one applied operation, for states of 1,000 and 100,000 instances:
//! the journal (`append_change`: one fsynced line) against rewriting the whole state file
//! (`write`: what persisting without a journal costs), plus the end-of-run `compact`, and the
//! journal with group commit (`append_changes` of 10 operations that finished together: one
//! sync per batch, as apply does when operations finish while a sync is in flight).
//!
//! Run: `cargo bench -p girder-state`. Plain `std::time`; prints a table.

use girder_core::addr::{InstanceKey, ModuleInstance, ResourceMode};
use girder_state::conformance::{sample_instance, sample_state};
use girder_state::local::LocalBackend;
use girder_state::{Backend, InstanceChange, LockInfo, ResourceRef};
use std::time::{Duration, Instant};

fn main() {
    println!(
        "{:>9} | {:>22} | {:>17} | {:>22} | {:>12} | {:>14}",
        "instances",
        "journal: bytes, time/op",
        "batches of 10: /op",
        "full write: bytes, time",
        "ratio (time)",
        "compact (end)"
    );
    for &n in &[1_000usize, 100_000] {
        run(n);
    }
}

fn run(n: usize) {
    let dir = std::env::temp_dir().join(format!("girder-bench-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let b = LocalBackend::new(&dir);
    let state = sample_state(n);
    let h = b.lock(&LockInfo::new("bench"), Duration::ZERO).unwrap();
    let mut v = b.write(&state, None).unwrap();

    // Baseline: rewriting the whole state for one operation.
    let full_ops = if n >= 100_000 { 3 } else { 20 };
    let t = Instant::now();
    for _ in 0..full_ops {
        v = b.write(&state, Some(&v)).unwrap();
    }
    let full_time = t.elapsed() / full_ops;
    let full_bytes = std::fs::metadata(b.state_path()).unwrap().len();

    // Journal: one line per operation.
    let resource = ResourceRef {
        module: ModuleInstance::root().child("app", Some(InstanceKey::Str("prod".into()))),
        mode: ResourceMode::Managed,
        type_name: "aws_instance".into(),
        name: "web".into(),
        provider: "provider[\"registry.terraform.io/hashicorp/aws\"]".into(),
    };
    let ops = 200u32;
    // The first append creates the journal (header, directory fsync): not counted.
    b.append_change(&InstanceChange::Upsert {
        resource: resource.clone(),
        object: sample_instance(Some(InstanceKey::Int(0)), 0),
    })
    .unwrap();
    let before = std::fs::metadata(b.journal_path()).unwrap().len();
    let t = Instant::now();
    for i in 0..ops {
        let i = (i as usize * 7919) % n.max(1);
        b.append_change(&InstanceChange::Upsert {
            resource: resource.clone(),
            object: sample_instance(Some(InstanceKey::Int(i as i64)), i + 1),
        })
        .unwrap();
    }
    let journal_time = t.elapsed() / ops;
    let journal_bytes = (std::fs::metadata(b.journal_path()).unwrap().len() - before) / ops as u64;

    let batch_ops = 200usize;
    let t = Instant::now();
    for chunk in (0..batch_ops).collect::<Vec<_>>().chunks(10) {
        let batch: Vec<InstanceChange> = chunk
            .iter()
            .map(|&i| {
                let i = (i * 7919) % n.max(1);
                InstanceChange::Upsert {
                    resource: resource.clone(),
                    object: sample_instance(Some(InstanceKey::Int(i as i64)), i + 1),
                }
            })
            .collect();
        b.append_changes(&batch).unwrap();
    }
    let batched_time = t.elapsed() / batch_ops as u32;

    let t = Instant::now();
    b.compact().unwrap();
    let compact_time = t.elapsed();
    b.unlock(&h.id).unwrap();

    println!(
        "{:>9} | {:>9} B {:>10.3?} | {:>17.3?} | {:>9} B {:>10.3?} | {:>11.0}x | {:>14.3?}",
        n,
        journal_bytes,
        journal_time,
        batched_time,
        full_bytes,
        full_time,
        full_time.as_secs_f64() / journal_time.as_secs_f64().max(1e-9),
        compact_time
    );
    let _ = std::fs::remove_dir_all(&dir);
}
