//! girder-report: pure renderers for the two reports girder posts from CI.
//!
//! - [`mr`]: a merge-request plan — Terraform's JSON plan representation (`girder show -json`,
//!   also what `terraform show -json` prints) rendered as markdown for a GitHub pull-request
//!   comment or a GitLab merge-request note, size-capped and split into parts or truncated.
//! - [`drift`]: the drift report of `girder drift` — the model, the per-resource comparison of
//!   state with refreshed attributes, ignore rules (`lifecycle.ignore_changes` and the
//!   `.girder-drift-ignore` file), and renderers (human text, versioned JSON, markdown).
//!
//! **Invariants:** no IO, no async, no printing: data in, strings out. Sensitive values never
//! reach an output, not even their length.
//!
//! # A merge-request comment from a JSON plan
//!
//! ```
//! use girder_report::mr::{render_markdown, render_text_summary, MarkdownOptions};
//! let plan = serde_json::json!({
//!     "format_version": "0.2",
//!     "resource_changes": [{
//!         "address": "aws_subnet.a", "mode": "managed", "type": "aws_subnet", "name": "a",
//!         "change": {
//!             "actions": ["delete", "create"],
//!             "before": {"id": "subnet-1", "cidr_block": "10.0.1.0/24"},
//!             "after": {"cidr_block": "10.0.2.0/24"},
//!             "after_unknown": {"id": true},
//!             "before_sensitive": {}, "after_sensitive": {},
//!             "replace_paths": [["cidr_block"]]
//!         }
//!     }]
//! });
//! let parts = render_markdown(&plan, &MarkdownOptions::default());
//! assert_eq!(parts.len(), 1);
//! assert!(parts[0].contains("replace: <code>cidr_block</code> forces replacement"));
//! assert!(parts[0].contains(r#"cidr_block = "10.0.1.0/24" -> "10.0.2.0/24" # forces replacement"#));
//! assert_eq!(render_text_summary(&plan), "Plan: 1 to add, 0 to change, 1 to destroy. 1 replaced.");
//! ```
//!
//! # A drift report
//!
//! ```
//! use girder_report::drift::{self, CompareInput, DriftReport, IgnoreChanges, IgnoreRules};
//! let rules = IgnoreRules::parse(".girder-drift-ignore", "aws_instance.* tags[\"LastPatched\"] # patch job\n").unwrap();
//! let state = serde_json::json!({"id": "i-1", "tags": {"Env": "prod", "LastPatched": "a"}});
//! let real = serde_json::json!({"id": "i-1", "tags": {"LastPatched": "b"}});
//! let mut report = DriftReport::new("default", "2026-12-03T03:17:00Z");
//! report.add(drift::compare(
//!     &CompareInput {
//!         address: "aws_instance.web",
//!         type_name: "aws_instance",
//!         state_attrs: &state,
//!         refreshed_attrs: Some(&real),
//!         sensitive_paths: &[],
//!         set_paths: &[],
//!         ignore_changes: &IgnoreChanges::None,
//!     },
//!     &rules,
//! ));
//! report.sort();
//! assert_eq!(report.exit_code(), 2);
//! let json = drift::render_json(&report);
//! assert_eq!(json["resources"][0]["changes"][0]["path"], r#"tags["Env"]"#);
//! assert_eq!(json["ignored"][0]["rule"], ".girder-drift-ignore:1");
//! ```

#![deny(missing_docs)]

mod diff;
pub mod drift;
mod md;
pub mod mr;
