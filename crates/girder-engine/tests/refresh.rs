//! Refresh of a state bigger than one `read_many` chunk: every object is read once, in
//! chunks, and what changed outside girder is found wherever it sits.

mod support;

use girder_engine::plan::REFRESH_CHUNK;
use girder_engine::*;
use girder_provider::fake::{FakeProvider, Op};
use serde_json::json;
use std::sync::Arc;
use support::*;

#[tokio::test]
async fn big_state_is_refreshed_in_chunks_and_drift_is_found_in_each() {
    let n = 2 * REFRESH_CHUNK + REFRESH_CHUNK / 2;
    let p = Arc::new(FakeProvider::new());
    let objs: Vec<_> = (0..n)
        .map(|i| {
            json!({"addr": format!("fake_thing.t[{i}]"),
                   "attrs": {"id": format!("thing-{i}"), "name": format!("t{i}"), "value": "v",
                             "size": 1, "computed_at_apply": "c"}})
        })
        .collect();
    let state = build_state(&objs, None, &p);
    let want: Vec<_> = (0..n)
        .map(|i| {
            json!({"addr": format!("fake_thing.t[{i}]"),
                   "config": {"name": format!("t{i}"), "value": "v"}})
        })
        .collect();
    let last = n - 1;
    // One object deleted in the first chunk, one changed in the last.
    drift(
        Some(&json!({
            "thing-5": null,
            (format!("thing-{last}")): {"id": format!("thing-{last}"), "name": format!("t{last}"),
                                        "value": "changed", "size": 1, "computed_at_apply": "c"},
        })),
        &p,
    );
    for parallelism in [1, 10] {
        let before = p.calls().len();
        let opts = PlanOptions {
            parallelism,
            ..PlanOptions::default()
        };
        let out = plan(&desired(&want), &[], &state, &registry(p.clone()), &opts).await;
        assert!(
            !out.diagnostics.has_errors(),
            "{}",
            diag_text(&out.diagnostics)
        );
        let plan = out.plan.unwrap();

        let mut sizes: Vec<usize> = p.calls()[before..]
            .iter()
            .filter(|c| c.op == Op::ReadMany)
            .map(|c| c.subject.parse().unwrap())
            .collect();
        sizes.sort_unstable();
        assert_eq!(
            sizes,
            vec![REFRESH_CHUNK / 2, REFRESH_CHUNK, REFRESH_CHUNK],
            "one read_many per chunk, every object once"
        );

        // Drift in address order (t[5] before t[2499]), whatever order the chunks finished in.
        let drifted: Vec<String> = plan.drift.iter().map(|d| d.addr.to_string()).collect();
        assert_eq!(
            drifted,
            vec![
                "fake_thing.t[5]".to_string(),
                format!("fake_thing.t[{last}]")
            ]
        );
        assert!(plan.drift[0].after.is_null());

        let acted: Vec<(String, Action)> = plan
            .changes
            .iter()
            .filter(|c| c.action != Action::NoOp)
            .map(|c| (c.addr.to_string(), c.action))
            .take(10)
            .collect();
        assert_eq!(
            acted,
            vec![
                ("fake_thing.t[5]".to_string(), Action::Create),
                (format!("fake_thing.t[{last}]"), Action::Update),
            ]
        );
        assert_eq!(plan.changes.len(), n);
    }
}
