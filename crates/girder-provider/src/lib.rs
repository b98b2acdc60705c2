//! girder-provider: the boundary between the engine and the providers.
//!
//! The engine knows providers only through the [`Provider`] trait and the [`schema`] types; it
//! never depends on a concrete provider. Operations follow Terraform's resource instance
//! lifecycle:
//!
//! 1. [`Provider::validate_resource`]: static checks of a configuration (may contain unknowns);
//! 2. [`Provider::plan_resource`]: given prior state and proposed new state, the provider
//!    returns the planned state (unknown where it will decide at apply time) and the paths
//!    that force replacement;
//! 3. [`Provider::apply_resource`]: create, update or delete, returning the new state — or an
//!    error together with whatever state did get created, so nothing is lost;
//! 4. [`Provider::read_resource`] / [`Provider::read_many`]: refresh; `None` means the object
//!    is gone. Refresh groups instances by type and calls `read_many`, so providers can batch
//!    `Describe*` calls; the default implementation reads one at a time;
//! 5. [`Provider::import_resource`] and [`Provider::read_data_source`].
//!
//! Every operation gets an [`OpContext`] with a cancellation token, a deadline from
//! `timeouts { create = "30m" }`, and a progress channel for long waits.

#![deny(missing_docs)]

pub mod builtin;
pub mod fake;
pub mod schema;

use girder_core::value::Path;
use girder_core::{Diagnostic, Diagnostics, Value};
use schema::ProviderSchema;
use std::time::{Duration, Instant};
pub use tokio_util::sync::CancellationToken;

/// What an operation may use besides its request.
#[derive(Clone, Debug)]
pub struct OpContext {
    /// Cancelled when the user interrupts for the second time (the first interrupt only stops
    /// new operations). Long waits must watch it.
    pub cancel: CancellationToken,
    /// When the operation must give up (from the resource's `timeouts` block or the
    /// provider's default).
    pub deadline: Option<Instant>,
    /// Progress notes for long waits ("waiting for cluster to become ACTIVE"). Optional.
    pub progress: Option<tokio::sync::mpsc::UnboundedSender<Progress>>,
}

impl Default for OpContext {
    fn default() -> Self {
        OpContext {
            cancel: CancellationToken::new(),
            deadline: None,
            progress: None,
        }
    }
}

impl OpContext {
    /// A context with a timeout from now.
    pub fn with_timeout(mut self, t: Option<Duration>) -> OpContext {
        self.deadline = t.map(|t| Instant::now() + t);
        self
    }
    /// Sends a progress note, if anyone listens.
    pub fn report(&self, message: impl Into<String>, typical: Option<Duration>) {
        if let Some(tx) = &self.progress {
            let _ = tx.send(Progress {
                message: message.into(),
                typical,
            });
        }
    }
    /// The error to return when cancelled or past the deadline, if so.
    pub fn check(&self, what: &str) -> Result<(), Diagnostic> {
        if self.cancel.is_cancelled() {
            return Err(Diagnostic::error(
                "Operation cancelled",
                format!("{what} was interrupted."),
            ));
        }
        if self.deadline.is_some_and(|d| Instant::now() >= d) {
            return Err(Diagnostic::error(
                "Operation timed out",
                format!("{what} did not finish within its timeout."),
            )
            .with_help("Raise the limit in the resource's timeouts { ... } block."));
        }
        Ok(())
    }
}

/// A progress note from a long-running operation.
#[derive(Clone, Debug, PartialEq)]
pub struct Progress {
    /// What it is doing.
    pub message: String,
    /// How long this usually takes on real infrastructure, if known.
    pub typical: Option<Duration>,
}

/// Request to plan a change of one resource instance.
#[derive(Clone, Debug)]
pub struct PlanRequest {
    /// Resource type.
    pub type_name: String,
    /// Current state (null object when creating).
    pub prior_state: Value,
    /// The configuration merged with the prior state's computed attributes, as Terraform's
    /// `ProposedNew` does: configured values where set, prior values for computed attributes
    /// left unset, unknown for computed attributes of new objects.
    pub proposed_new_state: Value,
    /// The configuration as written (may contain unknowns).
    pub config: Value,
    /// Provider-private data from the prior state.
    pub prior_private: Vec<u8>,
}

/// The provider's plan for one instance.
#[derive(Clone, Debug)]
pub struct PlanResponse {
    /// The planned new state, unknown where the provider decides at apply time.
    pub planned_state: Value,
    /// Attribute paths whose change forces replacement.
    pub requires_replace: Vec<Path>,
    /// Private data to pass to apply.
    pub planned_private: Vec<u8>,
    /// Warnings (errors go in the `Err` of the result).
    pub diagnostics: Diagnostics,
}

/// Request to apply a planned change.
#[derive(Clone, Debug)]
pub struct ApplyRequest {
    /// Resource type.
    pub type_name: String,
    /// Current state (null when creating).
    pub prior_state: Value,
    /// The planned state (null when deleting). Unknowns are filled in by apply.
    pub planned_state: Value,
    /// The configuration (null when deleting).
    pub config: Value,
    /// Private data from plan.
    pub planned_private: Vec<u8>,
}

/// The result of an apply.
#[derive(Clone, Debug)]
pub struct ApplyResponse {
    /// The new state: the created/updated object, `None` when deleted — or, on error, whatever
    /// exists now (a partially created object must be returned so it is tracked and not
    /// leaked).
    pub new_state: Option<Value>,
    /// Private data to store.
    pub private: Vec<u8>,
    /// Errors and warnings. Any error means the operation failed.
    pub diagnostics: Diagnostics,
}

/// Request to read one instance.
#[derive(Clone, Debug)]
pub struct ReadRequest {
    /// Resource type.
    pub type_name: String,
    /// The state as last recorded.
    pub current_state: Value,
    /// Private data.
    pub private: Vec<u8>,
}

/// The result of a read.
#[derive(Clone, Debug)]
pub struct ReadResponse {
    /// The object as it is now; `None` when it no longer exists.
    pub new_state: Option<Value>,
    /// Private data.
    pub private: Vec<u8>,
    /// Warnings.
    pub diagnostics: Diagnostics,
}

/// One object found by import.
#[derive(Clone, Debug)]
pub struct ImportedResource {
    /// Resource type (may differ from the requested one for composite imports).
    pub type_name: String,
    /// The object's state.
    pub state: Value,
    /// Private data.
    pub private: Vec<u8>,
}

/// One object a state manages, as refresh found it (input to
/// [`Provider::discover_unmanaged`]).
#[derive(Clone, Debug)]
pub struct ManagedObject {
    /// Resource type (`aws_vpc`).
    pub type_name: String,
    /// Its attributes (the refreshed object; marks may be present).
    pub state: Value,
}

/// An object that exists in a scope the state manages but that no state manages (output of
/// [`Provider::discover_unmanaged`]).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct UnmanagedObject {
    /// Resource type it would be managed as (`aws_security_group`).
    pub type_name: String,
    /// Its id, as `terraform import` takes it (`sg-0f00ba4`).
    pub id: String,
    /// Why it is in scope, for people (`in vpc-0123 of aws_vpc`, `bucket prefix "logs-"`).
    pub scope: String,
}

/// A provider: schemas and operations. Implementations must be cheap to share (`Arc`).
#[async_trait::async_trait]
pub trait Provider: Send + Sync {
    /// The provider's name (`aws`, `random`, `terraform`).
    fn name(&self) -> &str;

    /// The schemas of everything this provider offers.
    fn schema(&self) -> &ProviderSchema;

    /// Configures the provider from its `provider` block (evaluated).
    async fn configure(&self, config: Value, ctx: &OpContext) -> Result<(), Diagnostics>;

    /// Provider-specific static checks of a resource configuration (beyond the schema).
    async fn validate_resource(&self, type_name: &str, config: &Value) -> Diagnostics {
        let _ = (type_name, config);
        Diagnostics::new()
    }

    /// Plans a change.
    async fn plan_resource(
        &self,
        req: PlanRequest,
        ctx: &OpContext,
    ) -> Result<PlanResponse, Diagnostics>;

    /// Applies a planned change.
    async fn apply_resource(&self, req: ApplyRequest, ctx: &OpContext) -> ApplyResponse;

    /// Reads one instance.
    async fn read_resource(
        &self,
        req: ReadRequest,
        ctx: &OpContext,
    ) -> Result<ReadResponse, Diagnostics>;

    /// Reads many instances of one type, in as few API calls as the provider can manage.
    /// Results are in the order of `reqs`.
    async fn read_many(
        &self,
        type_name: &str,
        reqs: Vec<ReadRequest>,
        ctx: &OpContext,
    ) -> Vec<Result<ReadResponse, Diagnostics>> {
        let _ = type_name;
        let mut out = Vec::with_capacity(reqs.len());
        for r in reqs {
            out.push(self.read_resource(r, ctx).await);
        }
        out
    }

    /// Imports an existing object by its id.
    async fn import_resource(
        &self,
        type_name: &str,
        id: &str,
        ctx: &OpContext,
    ) -> Result<Vec<ImportedResource>, Diagnostics>;

    /// Reads a data source.
    async fn read_data_source(
        &self,
        type_name: &str,
        config: Value,
        ctx: &OpContext,
    ) -> Result<Value, Diagnostics>;

    /// Optional (`girder drift -unmanaged`): lists the objects that exist in the scopes that
    /// `managed` (every object of this provider in the state, refreshed) defines but that are
    /// not among them — e.g. security groups and subnets in a managed VPC. Only objects of a
    /// type that `managed` contains are reported, and objects the cloud creates by itself
    /// (a VPC's default security group) are left out. `Ok(None)` means the provider does not
    /// support discovery (the default); `Ok(Some(list))` is the answer, sorted, possibly empty.
    async fn discover_unmanaged(
        &self,
        managed: &[ManagedObject],
        ctx: &OpContext,
    ) -> Result<Option<Vec<UnmanagedObject>>, Diagnostics> {
        let _ = (managed, ctx);
        Ok(None)
    }
}

/// The closest of `candidates` to `name` by edit distance, if close enough to suggest
/// ("Did you mean ...?").
pub fn suggest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = levenshtein(name, c);
        if d <= 3.max(name.len() / 4) && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    #[test]
    fn suggestions() {
        let c = ["cidr_block", "tags", "instance_tenancy"];
        assert_eq!(
            super::suggest("cidr_blok", c.into_iter()),
            Some("cidr_block")
        );
        assert_eq!(super::suggest("zzzzzzzz", c.into_iter()), None);
    }

    #[tokio::test]
    async fn discovery_is_optional() {
        use super::{ManagedObject, OpContext};
        let p = crate::builtin::provider("random").expect("random");
        let managed = [ManagedObject {
            type_name: "random_pet".into(),
            state: girder_core::Value::string("x"),
        }];
        let got = p.discover_unmanaged(&managed, &OpContext::default()).await;
        assert!(matches!(got, Ok(None)), "{got:?}");
    }
}
