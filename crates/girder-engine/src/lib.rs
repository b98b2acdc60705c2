//! girder-engine: plan and apply with Terraform 1.0.3's semantics.
//!
//! * [`model`]: desired instances (address, provider, a configuration computed from upstream
//!   values, dependencies, lifecycle) and planned changes (action + reason, before/after with
//!   unknown and sensitive marks).
//! * [`plan`](mod@plan): refresh batched per type through `read_many`, then per instance the
//!   provider's plan → create / update / replace / delete / read / no-op, honouring
//!   `ignore_changes`, `prevent_destroy`, `replace_triggered_by`, pre/postconditions, `check`
//!   blocks, `import` / `removed` blocks, `-target`, `-exclude`, `-replace`, `-destroy`,
//!   `-refresh-only`, `-refresh=false` ([`plan_with`] takes the configuration's [`Blocks`]).
//! * [`apply`](mod@apply): a tokio walk of the change graph with bounded parallelism; every
//!   completed operation goes to the state journal at once; failures skip dependents only;
//!   interruption stops new work and persists what finished.
//! * [`moves`]: `moved` blocks resolved against the state (renames before planning).
//! * [`planfile`]: saved plans, refused when stale. [`json`]: `show -json`.
//!   [`render`]: the human plan, as Terraform prints it.
//! * [`ops`]: the same driven by a loaded `girder_lang::config::Config` (what the CLI calls:
//!   `ops::plan`, `ops::plan_destroy`, `ops::apply`, `ops::graph_dot`).
//! * [`testing`]: an in-memory backend for tests and benchmarks.
//!
//! The engine knows providers only through `girder_provider::Provider`.

pub mod apply;
pub mod codec;
pub mod json;
pub mod model;
pub mod moves;
pub mod ops;
pub mod plan;
pub mod planfile;
pub mod render;
pub mod target;
pub mod testing;
pub mod values;

pub use apply::{apply, ApplyEvent, ApplyOptions, ApplyOutcome, OpKind, OpReport, OpStatus};
pub use model::{
    Action, Blocks, CondFn, DesiredCheck, DesiredInstance, DesiredOutput, Drift, IgnoreChanges,
    ImportStmt, Lifecycle, MoveEndpoint, MoveStmt, OutputChange, ProviderRef, Reason, RemovedStmt,
    ResourceChange, Timeouts, Trigger, Upstream, Wire,
};
pub use plan::{plan, plan_with, Plan, PlanMode, PlanOptions, PlanOutcome, ProviderRegistry};
pub use target::Target;
