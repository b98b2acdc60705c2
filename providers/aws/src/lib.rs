//! girder's AWS provider, on the official AWS SDK for Rust.
//!
//! It implements [`girder_provider::Provider`] for the resource types and data sources of
//! Terraform's AWS provider that the seed configurations use, with the same schemas
//! (force-new, computed, sensitive, defaults) so configurations mean the same thing:
//!
//! * VPC family: `aws_vpc`, `aws_subnet`, `aws_internet_gateway`, `aws_eip`,
//!   `aws_nat_gateway`, `aws_route_table`, `aws_route_table_association`,
//!   `aws_security_group`, `aws_security_group_rule`;
//! * S3: `aws_s3_bucket`, `aws_s3_bucket_versioning`,
//!   `aws_s3_bucket_server_side_encryption_configuration` (also `aws_s3_bucket_encryption`),
//!   `aws_s3_bucket_public_access_block`;
//! * IAM: `aws_iam_role`, `aws_iam_role_policy_attachment`;
//! * RDS, ElastiCache, EKS (see the modules);
//! * data sources `aws_availability_zones`, `aws_caller_identity`, `aws_region`, `aws_ami`.
//!
//! `girder drift -unmanaged` lists subnets and security groups of managed VPCs and buckets
//! sharing a managed bucket's prefix that no state manages ([`discover`]).
//!
//! Refresh is batched: [`Provider::read_many`] reads EC2 objects with `Describe*` calls of up
//! to 200 ids each (as filters, so a deleted object does not fail the whole call).

pub mod config;
pub mod data;
pub mod discover;
pub mod ec2;
pub mod eks;
pub mod elasticache;
pub mod iam;
pub mod rds;
pub mod resource;
pub mod s3;
pub mod util;

use config::{AwsConfig, Clients, RequestCounter};
use girder_core::{Diagnostic, Diagnostics, Value};
use girder_provider::schema::ProviderSchema;
use girder_provider::{
    ApplyRequest, ApplyResponse, ImportedResource, ManagedObject, OpContext, PlanRequest,
    PlanResponse, Provider, ReadRequest, ReadResponse, UnmanagedObject,
};
use resource::{Cx, Resource};
use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};
use util::{obj, Obj, Timing};

/// The AWS provider.
pub struct AwsProvider {
    schema: ProviderSchema,
    resources: BTreeMap<String, Arc<dyn Resource>>,
    clients: RwLock<Option<Arc<Clients>>>,
    timing: Timing,
    counter: RequestCounter,
}

impl Default for AwsProvider {
    fn default() -> Self {
        AwsProvider::new()
    }
}

fn registry() -> Vec<(&'static str, Arc<dyn Resource>)> {
    let mut v: Vec<(&'static str, Arc<dyn Resource>)> = Vec::new();
    v.extend(ec2::resources());
    v.extend(s3::resources());
    v.extend(iam::resources());
    v.extend(rds::resources());
    v.extend(elasticache::resources());
    v.extend(eks::resources());
    v
}

impl AwsProvider {
    /// A provider with Terraform's default timing, not configured yet.
    pub fn new() -> AwsProvider {
        let mut schema = ProviderSchema {
            provider: config::provider_schema(),
            ..ProviderSchema::default()
        };
        let mut resources = BTreeMap::new();
        for (name, r) in registry() {
            schema.resources.insert(name.to_string(), r.schema());
            resources.insert(name.to_string(), r);
        }
        for (name, s) in data::schemas() {
            schema.data_sources.insert(name.to_string(), s);
        }
        let mut timing = Timing::default();
        if let Some(d) = env_duration("GIRDER_AWS_POLL_INTERVAL") {
            timing.poll = Some(d);
        }
        if let Some(d) = env_duration("GIRDER_AWS_INITIAL_DELAY") {
            timing.initial_delay = Some(d);
        }
        AwsProvider {
            schema,
            resources,
            clients: RwLock::new(None),
            timing,
            counter: RequestCounter::default(),
        }
    }

    /// Uses `timing` for retries and waiters (tests against an emulator use [`Timing::fast`]).
    pub fn with_timing(mut self, timing: Timing) -> AwsProvider {
        self.timing = timing;
        self
    }

    /// The number of HTTP requests sent so far (every attempt, retries included).
    pub fn request_count(&self) -> u64 {
        self.counter.get()
    }

    /// The configured clients (for tests and tools).
    pub fn clients(&self) -> Result<Arc<Clients>, Diagnostics> {
        self.clients.read().expect("lock").clone().ok_or_else(|| {
            Diagnostic::error(
                "Provider not configured",
                "The aws provider was used before it was configured.",
            )
            .into()
        })
    }

    fn resource(&self, type_name: &str) -> Result<(String, Arc<dyn Resource>), Diagnostics> {
        let name = self
            .schema
            .aliases
            .get(type_name)
            .cloned()
            .unwrap_or_else(|| type_name.to_string());
        match self.resources.get(&name) {
            Some(r) => Ok((name, r.clone())),
            None => {
                let mut d = Diagnostic::error(
                    "Invalid resource type",
                    format!("The provider hashicorp/aws does not support resource type \"{type_name}\"."),
                );
                if let Some(s) =
                    girder_provider::suggest(type_name, self.resources.keys().map(String::as_str))
                {
                    d = d.with_help(format!("Did you mean \"{s}\"?"));
                }
                Err(d.into())
            }
        }
    }

    /// Reads back after create/update, retrying briefly when the object is not visible yet.
    async fn read_back(
        &self,
        r: &dyn Resource,
        cx: &Cx<'_>,
        state: &Obj,
        what: &str,
    ) -> Result<Obj, Diagnostics> {
        let mut delay = cx.c.timing.retry_base;
        let start = std::time::Instant::now();
        loop {
            match r.read(cx, state).await {
                Ok(Some(o)) => return Ok(strip_unknown(&self.finish_read(r, cx.c, state, o))),
                Ok(None) if start.elapsed() < cx.c.timing.consistency_timeout => {}
                Ok(None) => {
                    return Err(Diagnostic::error(
                        format!("{what}: the new object cannot be found"),
                        "The object was created but reading it back found nothing.",
                    )
                    .into())
                }
                Err(e) if e.is_not_found() && start.elapsed() < cx.c.timing.consistency_timeout => {
                }
                Err(e) => return Err(e.diag(what).into()),
            }
            if let Err(e) = util::sleep(cx.op, delay, what).await {
                return Err(e.diag(what).into());
            }
            delay = (delay * 2).min(cx.c.timing.retry_max);
        }
    }

    /// The generic part of every read: start from the prior state (local-only attributes such
    /// as `force_destroy` survive), overlay what AWS says, derive `tags`, conform the type.
    fn finish_read(&self, r: &dyn Resource, c: &Clients, prior: &Obj, read: Obj) -> Obj {
        let schema = r.schema();
        let mut out = prior.clone();
        let mut read = read;
        let cfg = c.config.clone();
        resource::read_tags(&mut read, prior, &cfg.default_tags, &|k| cfg.ignores_tag(k));
        // SDKv2's equivalence of null and the zero value for optional arguments: AWS's ""
        // or [] where the configuration left the argument unset is no change.
        for (k, v) in read.iter_mut() {
            let Some(a) = schema.attributes.get(k) else {
                continue;
            };
            let prior_v = prior.get(k);
            let prior_unset = prior_v.is_none_or(|p| p.is_null() || !p.is_known());
            let optional = a.presence == girder_provider::schema::Presence::Optional;
            let zero = util::is_empty_value(v)
                || (optional
                    && (v.as_bool() == Some(false) || v.as_number().is_some_and(|n| n.is_zero())));
            if prior_unset && zero && (optional || prior_v.is_some_and(|p| p.is_null())) {
                *v = Value::null(a.ty.clone());
            }
        }
        out.extend(read);
        resource::apply_defaults(&schema, &mut out);
        obj(&resource::conform_obj(&schema, &out))
    }
}

fn env_duration(var: &str) -> Option<std::time::Duration> {
    let v = std::env::var(var).ok()?;
    if let Ok(ms) = v.parse::<u64>() {
        return Some(std::time::Duration::from_millis(ms));
    }
    config::parse_duration(&v)
}

#[async_trait::async_trait]
impl Provider for AwsProvider {
    fn name(&self) -> &str {
        "aws"
    }

    fn schema(&self) -> &ProviderSchema {
        &self.schema
    }

    async fn configure(&self, config: Value, _ctx: &OpContext) -> Result<(), Diagnostics> {
        let cfg = AwsConfig::from_value(&config)?;
        let clients = config::connect(cfg, self.timing, &self.counter).await?;
        *self.clients.write().expect("lock") = Some(Arc::new(clients));
        Ok(())
    }

    async fn validate_resource(&self, type_name: &str, config: &Value) -> Diagnostics {
        match self.resource(type_name) {
            Ok(_) => ec2::validate(type_name, &obj(config)),
            Err(d) => d,
        }
    }

    async fn plan_resource(
        &self,
        req: PlanRequest,
        _ctx: &OpContext,
    ) -> Result<PlanResponse, Diagnostics> {
        let (_, r) = self.resource(&req.type_name)?;
        let schema = r.schema();
        if req.proposed_new_state.is_null() {
            return Ok(PlanResponse {
                planned_state: Value::null(schema.object_type()),
                requires_replace: Vec::new(),
                planned_private: Vec::new(),
                diagnostics: Diagnostics::new(),
            });
        }
        let default_tags = self
            .clients
            .read()
            .expect("lock")
            .as_ref()
            .map(|c| c.config.default_tags.clone())
            .unwrap_or_default();
        let config = obj(&req.config);
        let mut planned = obj(&req.proposed_new_state);
        resource::apply_defaults(&schema, &mut planned);
        let prior = (!req.prior_state.is_null()).then(|| obj(&req.prior_state));
        let mut requires_replace = Vec::new();
        let mut replacing = prior.is_none();
        if let Some(p) = &prior {
            // normalise first so that a StateFunc-like change is not a diff
            r.customize_plan(Some(p), &mut planned, false);
            requires_replace = resource::replace_paths(&schema, p, &planned);
            requires_replace.extend(r.extra_replace(p, &planned));
            replacing = !requires_replace.is_empty();
        }
        resource::unknown_computed(&schema, &mut planned, &config, replacing);
        resource::plan_tags_all(&mut planned, &default_tags);
        r.customize_plan(prior.as_ref(), &mut planned, replacing);
        if let Some(p) = &prior {
            if !replacing {
                // Keep the prior value where nothing changed (no perpetual diff from types).
                for (k, v) in p {
                    if planned.get(k).is_some_and(|n| n.raw_equal(v)) {
                        planned.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        Ok(PlanResponse {
            planned_state: resource::conform_obj(&schema, &planned),
            requires_replace,
            planned_private: Vec::new(),
            diagnostics: Diagnostics::new(),
        })
    }

    async fn apply_resource(&self, req: ApplyRequest, ctx: &OpContext) -> ApplyResponse {
        let fail = |state: Option<Value>, d: Diagnostics| ApplyResponse {
            new_state: state,
            private: Vec::new(),
            diagnostics: d,
        };
        let (name, r) = match self.resource(&req.type_name) {
            Ok(x) => x,
            Err(d) => return fail(None, d),
        };
        let c = match self.clients() {
            Ok(c) => c,
            Err(d) => return fail((!req.prior_state.is_null()).then_some(req.prior_state), d),
        };
        let cx = Cx { c: &c, op: ctx };
        let schema = r.schema();
        let prior = obj(&req.prior_state);
        let planned = obj(&req.planned_state);
        if req.planned_state.is_null() {
            let what = format!(
                "deleting {name} {}",
                prior.get("id").and_then(Value::as_str).unwrap_or("")
            );
            return match r.delete(&cx, &prior).await {
                Ok(()) => fail(None, Diagnostics::new()),
                Err(e) if e.is_not_found() => fail(None, Diagnostics::new()),
                Err(e) => fail(Some(req.prior_state), e.diag(&what).into()),
            };
        }
        let creating = req.prior_state.is_null();
        let what = if creating {
            format!("creating {name}")
        } else {
            format!(
                "updating {name} {}",
                prior.get("id").and_then(Value::as_str).unwrap_or("")
            )
        };
        let result = if creating {
            r.create(&cx, &planned).await
        } else {
            r.update(&cx, &prior, &planned).await
        };
        match result {
            Ok(created) => {
                // What we know: the plan, what create/update returned; then AWS's view.
                let mut base = planned.clone();
                base.extend(created);
                match self.read_back(r.as_ref(), &cx, &base, &what).await {
                    Ok(o) => fail(Some(resource::conform_obj(&schema, &o)), Diagnostics::new()),
                    Err(d) => {
                        let partial = resource::conform_obj(&schema, &strip_unknown(&base));
                        fail(Some(partial), d)
                    }
                }
            }
            Err(f) => {
                let state = match f.partial {
                    Some(p) => {
                        let mut base = planned.clone();
                        base.extend(p);
                        Some(resource::conform_obj(&schema, &strip_unknown(&base)))
                    }
                    None if creating => None,
                    None => Some(req.prior_state),
                };
                let mut d = f.diags;
                for x in d.0.iter_mut() {
                    if !x.summary.contains(&name) {
                        x.summary = format!("{what}: {}", x.summary);
                    }
                }
                fail(state, d)
            }
        }
    }

    async fn read_resource(
        &self,
        req: ReadRequest,
        ctx: &OpContext,
    ) -> Result<ReadResponse, Diagnostics> {
        let t = req.type_name.clone();
        self.read_many(&t, vec![req], ctx)
            .await
            .pop()
            .unwrap_or_else(|| Err(Diagnostic::error("read failed", "no result").into()))
    }

    async fn read_many(
        &self,
        type_name: &str,
        reqs: Vec<ReadRequest>,
        ctx: &OpContext,
    ) -> Vec<Result<ReadResponse, Diagnostics>> {
        let (name, r) = match self.resource(type_name) {
            Ok(x) => x,
            Err(d) => return reqs.iter().map(|_| Err(d.clone())).collect(),
        };
        let c = match self.clients() {
            Ok(c) => c,
            Err(d) => return reqs.iter().map(|_| Err(d.clone())).collect(),
        };
        let cx = Cx { c: &c, op: ctx };
        let states: Vec<Obj> = reqs.iter().map(|q| obj(&q.current_state)).collect();
        let results = r.read_many(&cx, &states).await;
        let schema = r.schema();
        results
            .into_iter()
            .zip(reqs)
            .zip(&states)
            .map(|((res, q), prior)| match res {
                Ok(Some(o)) => Ok(ReadResponse {
                    new_state: Some(resource::conform_obj(
                        &schema,
                        &self.finish_read(r.as_ref(), &c, prior, o),
                    )),
                    private: q.private,
                    diagnostics: Diagnostics::new(),
                }),
                Ok(None) => Ok(ReadResponse {
                    new_state: None,
                    private: q.private,
                    diagnostics: Diagnostics::new(),
                }),
                Err(e) if e.is_not_found() => Ok(ReadResponse {
                    new_state: None,
                    private: q.private,
                    diagnostics: Diagnostics::new(),
                }),
                Err(e) => Err(e
                    .diag(&format!(
                        "reading {name} {}",
                        prior.get("id").and_then(Value::as_str).unwrap_or("")
                    ))
                    .into()),
            })
            .collect()
    }

    async fn import_resource(
        &self,
        type_name: &str,
        id: &str,
        ctx: &OpContext,
    ) -> Result<Vec<ImportedResource>, Diagnostics> {
        let (name, r) = self.resource(type_name)?;
        let c = self.clients()?;
        let cx = Cx { c: &c, op: ctx };
        let stub = r
            .import_state(id)
            .map_err(|e| Diagnostics::from(e.diag(&format!("importing {name} {id:?}"))))?;
        let not_found = || {
            Diagnostics::from(
                Diagnostic::error(
                    "Cannot import non-existent remote object",
                    format!(
                        "While attempting to import an existing object to \"{type_name}\", the provider detected that no object exists with the given id. Only pre-existing objects can be imported; check that the id is correct and that it is associated with the provider's configured region or endpoint, or use \"terraform apply\" to create a new remote object for this resource."
                    ),
                )
                .with_help(format!("Check the id {id:?}.")),
            )
        };
        match r.read(&cx, &stub).await {
            Ok(Some(o)) => {
                let state = self.finish_read(r.as_ref(), &c, &stub, o);
                Ok(vec![ImportedResource {
                    type_name: type_name.to_string(),
                    state: resource::conform_obj(&r.schema(), &state),
                    private: Vec::new(),
                }])
            }
            Ok(None) => Err(not_found()),
            Err(e) if e.is_not_found() => Err(not_found()),
            Err(e) => Err(e.diag(&format!("importing {name} {id:?}")).into()),
        }
    }

    /// Subnets and security groups of managed VPCs, buckets sharing a managed bucket's
    /// prefix: see [`discover`].
    async fn discover_unmanaged(
        &self,
        managed: &[ManagedObject],
        _ctx: &OpContext,
    ) -> Result<Option<Vec<UnmanagedObject>>, Diagnostics> {
        let c = self.clients()?;
        let m = discover::Managed::from_objects(managed);
        discover::discover(&c, &m)
            .await
            .map(Some)
            .map_err(|e| e.diag("discovering unmanaged objects").into())
    }

    async fn read_data_source(
        &self,
        type_name: &str,
        config: Value,
        ctx: &OpContext,
    ) -> Result<Value, Diagnostics> {
        let c = self.clients()?;
        let Some(schema) = self.schema.data_source(type_name) else {
            return Err(Diagnostic::error(
                "Invalid data source",
                format!("The provider hashicorp/aws does not support data source \"{type_name}\"."),
            )
            .into());
        };
        let out = data::read(type_name, &c, &obj(&config), ctx).await?;
        let mut full = obj(&config);
        full.extend(out);
        Ok(resource::conform_obj(schema, &full))
    }
}

fn strip_unknown(o: &Obj) -> Obj {
    o.iter()
        .map(|(k, v)| {
            if v.is_wholly_known() {
                (k.clone(), v.clone())
            } else {
                (k.clone(), Value::null(v.ty()))
            }
        })
        .collect()
}
