//! Engine benchmarks on the fake provider (`cargo bench -p girder-engine`):
//!
//! * no-op plan (refresh through read_many + plan) of states with N instances;
//! * apply of N creates at 20 ms per operation, at parallelism 10 and 100, compared with the
//!   critical-path bound N / parallelism × 20 ms; journal bytes written per operation.
//!
//! `GIRDER_BENCH_SIZES=1000,10000` picks the plan sizes (default 1000,10000,100000);
//! `GIRDER_BENCH_APPLY=N` the apply size (default 10000); `GIRDER_BENCH_REFRESH=true|false`
//! only the plans with or without refresh (default both).

use girder_core::addr::InstanceKey;
use girder_core::Value;
use girder_engine::testing::MemoryBackend;
use girder_engine::*;
use girder_provider::fake::{FakeProvider, Op};
use girder_provider::Provider;
use girder_state::model::{InstanceState, ResourceState, State};
use girder_state::Backend;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn peak_rss_mb() -> f64 {
    status_mb("VmHWM:")
}

/// A memory figure of this process from /proc/self/status, in MB (0 where unavailable).
fn status_mb(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1).map(str::to_string))
        })
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// `fake_thing.t[0..n]`, built as the configuration layer builds them: the instances of a
/// resource share its address parts and provider.
fn desired(n: usize) -> Vec<DesiredInstance> {
    let p = ProviderRef::hashicorp("fake");
    let resource = girder_core::addr::AbsResourceInstance::parse("fake_thing.t")
        .unwrap()
        .resource;
    (0..n)
        .map(|i| {
            let mut d = DesiredInstance::new(
                "fake_thing.t",
                p.clone(),
                Value::object_from([
                    ("name", Value::string(format!("t{i}"))),
                    ("value", Value::string("v")),
                ]),
            );
            d.addr.resource = resource.clone();
            d.addr.key = Some(InstanceKey::Int(i as i64));
            d
        })
        .collect()
}

/// The state of `n` instances and a fake provider holding their objects ("the cloud"), with
/// the RSS growth (MB) each took.
fn state_and_provider(n: usize) -> (State, Arc<FakeProvider>, f64, f64) {
    let p = Arc::new(FakeProvider::new().without_call_record());
    let schema = p.schema().resource("fake_thing").unwrap().object_type();
    let mut st = State::new("1.0.3");
    let mut r = ResourceState {
        module: Default::default(),
        mode: girder_core::addr::ResourceMode::Managed,
        type_name: "fake_thing".into(),
        name: "t".into(),
        provider: ProviderRef::hashicorp("fake").addr.to_string(),
        instances: Vec::with_capacity(n),
    };
    let json = |i: usize| {
        serde_json::json!({
            "id": format!("thing-{i}"), "name": format!("t{i}"), "value": "v", "size": 1,
            "computed_at_apply": "c", "zone": null, "tags": null, "secret": null,
        })
    };
    let rss0 = status_mb("VmRSS:");
    for i in 0..n {
        r.instances.push(InstanceState::new(
            Some(InstanceKey::Int(i as i64)),
            &json(i),
        ));
    }
    st.resources.push(r);
    let rss1 = status_mb("VmRSS:");
    for i in 0..n {
        p.set_object(
            &format!("thing-{i}"),
            Some(Value::from_json_typed(&json(i), &schema).unwrap()),
        );
    }
    let rss2 = status_mb("VmRSS:");
    (st, p, rss1 - rss0, rss2 - rss1)
}

fn registry(p: Arc<FakeProvider>) -> HashMap<String, Arc<dyn Provider>> {
    let mut m: HashMap<String, Arc<dyn Provider>> = HashMap::new();
    m.insert("fake".into(), p);
    m
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let sizes: Vec<usize> = std::env::var("GIRDER_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![1_000, 10_000, 100_000]);
    // GIRDER_BENCH_REFRESH=true|false: only plans with (or without) refresh (default both).
    let refreshes: Vec<bool> = match std::env::var("GIRDER_BENCH_REFRESH").ok().as_deref() {
        Some("true") => vec![true],
        Some("false") => vec![false],
        _ => vec![true, false],
    };
    println!("no-op plan (refresh via read_many + plan), fake provider, zero latency");
    for n in sizes {
        let (state, p, state_mb, fake_mb) = state_and_provider(n);
        // Shared with the plans (as the CLI hands its state over), not copied into each.
        let state = Arc::new(state);
        let before = status_mb("VmRSS:");
        let d = desired(n);
        let desired_mb = status_mb("VmRSS:") - before;
        let reg = registry(p);
        println!(
            "  {n:>7} instances: inputs built, RSS now {:.0} MB (grew by: state {state_mb:.0} MB, \
             desired instances {desired_mb:.0} MB, the fake provider's objects {fake_mb:.0} MB)",
            status_mb("VmRSS:")
        );
        for refresh in refreshes.iter().copied() {
            let opts = PlanOptions {
                refresh,
                ..PlanOptions::default()
            };
            let t = Instant::now();
            let out = rt.block_on(plan(&d, &[], state.clone(), &reg, &opts));
            let el = t.elapsed();
            let plan = out.plan.expect("plan");
            assert!(!plan.has_changes(), "no-op expected");
            drop(plan);
            println!(
                "  {n:>7} instances{}: {:>8.3} s  ({:.2} µs/instance, peak RSS so far {:.0} MB)",
                if refresh { "" } else { ", -refresh=false" },
                el.as_secs_f64(),
                el.as_secs_f64() * 1e6 / n as f64,
                peak_rss_mb()
            );
        }
    }

    let n: usize = std::env::var("GIRDER_BENCH_APPLY")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000);
    println!("apply of {n} creates, memory backend (group-committed journal)");
    // GIRDER_BENCH_LATENCY_MS: the fake provider's latency per create (default 20).
    let lat = Duration::from_millis(
        std::env::var("GIRDER_BENCH_LATENCY_MS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(20),
    );
    for par in [10usize, 100] {
        // Calibration: the same number of bare sleeps, `par` at a time, on this runtime: what
        // tokio's millisecond timer alone costs over the bound.
        let t = Instant::now();
        rt.block_on(async {
            use futures::StreamExt;
            futures::stream::iter((0..n).map(|_| tokio::time::sleep(lat)))
                .buffer_unordered(par)
                .for_each(|_| async {})
                .await;
        });
        let floor = t.elapsed().as_secs_f64();
        println!(
            "  parallelism {par:>3}: bare sleeps alone {floor:.3} s (ratio {:.3})",
            floor / (n as f64 / par as f64 * lat.as_secs_f64()).max(1e-9)
        );
        let p = Arc::new(FakeProvider::new().without_call_record());
        p.set_latency(Op::Create, lat);
        let reg = registry(p);
        let d = desired(n);
        let plan = rt
            .block_on(plan(
                &d,
                &[],
                &State::new("1.0.3"),
                &reg,
                &PlanOptions::default(),
            ))
            .plan
            .expect("plan");
        let mem = Arc::new(MemoryBackend::new());
        let backend: Arc<dyn Backend> = mem.clone();
        let opts = ApplyOptions {
            parallelism: par,
            ..ApplyOptions::default()
        };
        let t = Instant::now();
        let out = rt.block_on(apply(&plan, &d, &[], &reg, backend, &opts));
        let el = t.elapsed();
        assert!(!out.diagnostics.has_errors());
        let mut els: Vec<f64> = out
            .reports
            .iter()
            .map(|r| r.elapsed.as_secs_f64() * 1e3)
            .collect();
        els.sort_by(f64::total_cmp);
        println!(
            "  parallelism {par:>3}: per operation (provider call + commit) mean {:.2} ms, p50 {:.2} ms, p99 {:.2} ms",
            els.iter().sum::<f64>() / els.len().max(1) as f64,
            els[els.len() / 2],
            els[els.len() * 99 / 100]
        );
        let bound = n as f64 / par as f64 * lat.as_secs_f64();
        let (appends, bytes) = mem.journal_stats();
        println!(
            "  parallelism {par:>3}: {:>7.3} s (bound {:.2} s, ratio {:.3}); {appends} journal appends in {} group commits, {:.0} bytes/op",
            el.as_secs_f64(),
            bound,
            el.as_secs_f64() / bound,
            mem.journal_batches(),
            bytes as f64 / appends.max(1) as f64
        );
    }
}
