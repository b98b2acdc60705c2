//! The `time` provider: `time_static` (a timestamp fixed at creation) and `time_sleep` (waits
//! `create_duration` on create and `destroy_duration` on destroy, honouring cancellation and
//! the operation's deadline).

use super::{
    get_str, no_data_sources, object, parse_duration, plan_by_schema, string_map_force_new,
    unknown_type, with,
};
use crate::schema::{Attribute, ProviderSchema, Schema};
use crate::{
    ApplyRequest, ApplyResponse, ImportedResource, OpContext, PlanRequest, PlanResponse, Provider,
    ReadRequest, ReadResponse,
};
use girder_core::{Diagnostic, Diagnostics, Type, Value};
use std::collections::BTreeMap;
use std::time::Duration;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// The time provider.
pub struct TimeProvider {
    schema: ProviderSchema,
}

impl Default for TimeProvider {
    fn default() -> Self {
        TimeProvider::new()
    }
}

impl TimeProvider {
    /// The provider with its schemas.
    pub fn new() -> TimeProvider {
        let mut schema = ProviderSchema::default();
        let num = |d: &str| Attribute::computed(Type::Number).describe(d);
        schema.resources.insert(
            "time_static".into(),
            Schema::new()
                .attr("rfc3339", Attribute::optional_computed(Type::String).force_new().describe("Base timestamp in RFC3339 format; defaults to the time of creation."))
                .attr("triggers", string_map_force_new("Arbitrary map of values that, when changed, will trigger a new base timestamp value to be saved."))
                .attr("year", num("Number year of timestamp."))
                .attr("month", num("Number month of timestamp."))
                .attr("day", num("Number day of timestamp."))
                .attr("hour", num("Number hour of timestamp."))
                .attr("minute", num("Number minute of timestamp."))
                .attr("second", num("Number second of timestamp."))
                .attr("unix", num("Number of seconds since epoch time."))
                .attr("id", Attribute::computed(Type::String).describe("RFC3339 format of the timestamp.")),
        );
        schema.resources.insert(
            "time_sleep".into(),
            Schema::new()
                .attr("create_duration", Attribute::optional(Type::String).describe("Time duration to delay resource creation, e.g. \"30s\"."))
                .attr("destroy_duration", Attribute::optional(Type::String).describe("Time duration to delay resource destroy, e.g. \"30s\"."))
                .attr("triggers", string_map_force_new("Arbitrary map of values that, when changed, will run any creation or destroy delays again."))
                .attr("id", Attribute::computed(Type::String).describe("RFC3339 format of the creation timestamp.")),
        );
        TimeProvider { schema }
    }

    fn schema_of(&self, type_name: &str) -> Result<&Schema, Diagnostics> {
        self.schema
            .resources
            .get(type_name)
            .ok_or_else(|| unknown_type("time", type_name))
    }
}

fn now() -> OffsetDateTime {
    let t = OffsetDateTime::now_utc();
    t.replace_nanosecond(0).unwrap_or(t)
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

fn static_values(v: &Value, t: OffsetDateTime) -> Value {
    let s = rfc3339(t);
    let mut out = with(v, "rfc3339", Value::string(s.clone()));
    out = with(&out, "id", Value::string(s));
    for (k, n) in [
        ("year", i64::from(t.year())),
        ("month", i64::from(u8::from(t.month()))),
        ("day", i64::from(t.day())),
        ("hour", i64::from(t.hour())),
        ("minute", i64::from(t.minute())),
        ("second", i64::from(t.second())),
        ("unix", t.unix_timestamp()),
    ] {
        out = with(&out, k, Value::int(n));
    }
    out
}

fn parse_time(s: &str) -> Result<OffsetDateTime, Diagnostic> {
    OffsetDateTime::parse(s, &Rfc3339).map_err(|e| {
        Diagnostic::error(
            "Invalid RFC3339 timestamp",
            format!("{s:?} is not an RFC3339 timestamp (e.g. \"2020-02-12T06:36:13Z\"): {e}."),
        )
    })
}

fn duration_of(v: &Value, name: &str) -> Result<Option<Duration>, Diagnostic> {
    match get_str(v, name) {
        None => Ok(None),
        Some(s) => parse_duration(s).map(Some).ok_or_else(|| {
            Diagnostic::error(
                "Invalid duration",
                format!("{name} = {s:?} is not a duration: use a number with a unit, e.g. \"30s\", \"5m\" or \"1h30m\"."),
            )
        }),
    }
}

fn check(type_name: &str, v: &Value) -> Diagnostics {
    let mut d = Diagnostics::new();
    match type_name {
        "time_static" => {
            if let Some(s) = get_str(v, "rfc3339") {
                if let Err(e) = parse_time(s) {
                    d.push(e);
                }
            }
        }
        "time_sleep" => {
            for k in ["create_duration", "destroy_duration"] {
                if let Err(e) = duration_of(v, k) {
                    d.push(e);
                }
            }
        }
        _ => {}
    }
    d
}

/// Sleeps for `d`, giving up on cancellation or at the operation's deadline.
async fn sleep(d: Duration, ctx: &OpContext, what: &str) -> Result<(), Diagnostic> {
    ctx.check(what)?;
    let deadline = async {
        match ctx.deadline {
            Some(dl) => tokio::time::sleep_until(tokio::time::Instant::from_std(dl)).await,
            None => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::time::sleep(d) => Ok(()),
        _ = ctx.cancel.cancelled() => Err(Diagnostic::error("Operation cancelled", format!("{what} was interrupted."))),
        _ = deadline => Err(Diagnostic::error("Operation timed out", format!("{what} did not finish within its timeout."))
            .with_help("Raise the limit in the resource's timeouts { ... } block.")),
    }
}

#[async_trait::async_trait]
impl Provider for TimeProvider {
    fn name(&self) -> &str {
        "time"
    }

    fn schema(&self) -> &ProviderSchema {
        &self.schema
    }

    async fn configure(&self, _config: Value, _ctx: &OpContext) -> Result<(), Diagnostics> {
        Ok(())
    }

    async fn validate_resource(&self, type_name: &str, config: &Value) -> Diagnostics {
        check(type_name, config)
    }

    async fn plan_resource(
        &self,
        req: PlanRequest,
        _ctx: &OpContext,
    ) -> Result<PlanResponse, Diagnostics> {
        let schema = self.schema_of(&req.type_name)?;
        let d = check(&req.type_name, &req.config);
        if d.has_errors() {
            return Err(d);
        }
        Ok(plan_by_schema(schema, &req, &[]))
    }

    async fn apply_resource(&self, req: ApplyRequest, ctx: &OpContext) -> ApplyResponse {
        let done = |v: Option<Value>| ApplyResponse {
            new_state: v,
            private: Vec::new(),
            diagnostics: Diagnostics::new(),
        };
        let failed = |d: Diagnostic, v: Option<Value>| ApplyResponse {
            new_state: v,
            private: Vec::new(),
            diagnostics: d.into(),
        };
        let prior = (!req.prior_state.is_null()).then(|| req.prior_state.clone());
        if req.planned_state.is_null() {
            if req.type_name == "time_sleep" {
                match duration_of(&req.prior_state, "destroy_duration") {
                    Ok(Some(d)) => {
                        if let Err(e) = sleep(d, ctx, "Waiting for destroy_duration").await {
                            return failed(e, prior);
                        }
                    }
                    Ok(None) => {}
                    Err(e) => return failed(e, prior),
                }
            }
            return done(None);
        }
        let creating = req.prior_state.is_null();
        if !creating {
            return done(Some(req.planned_state));
        }
        match req.type_name.as_str() {
            "time_static" => {
                let t = match get_str(&req.planned_state, "rfc3339") {
                    Some(s) => match parse_time(s) {
                        Ok(t) => t,
                        Err(e) => return failed(e, None),
                    },
                    None => now(),
                };
                done(Some(static_values(&req.planned_state, t)))
            }
            "time_sleep" => {
                match duration_of(&req.planned_state, "create_duration") {
                    Ok(Some(d)) => {
                        if let Err(e) = sleep(d, ctx, "Waiting for create_duration").await {
                            return failed(e, None);
                        }
                    }
                    Ok(None) => {}
                    Err(e) => return failed(e, None),
                }
                done(Some(with(
                    &req.planned_state,
                    "id",
                    Value::string(rfc3339(now())),
                )))
            }
            other => failed(unknown_type("time", other).0.remove(0), None),
        }
    }

    async fn read_resource(
        &self,
        req: ReadRequest,
        _ctx: &OpContext,
    ) -> Result<ReadResponse, Diagnostics> {
        Ok(ReadResponse {
            new_state: Some(req.current_state),
            private: req.private,
            diagnostics: Diagnostics::new(),
        })
    }

    async fn import_resource(
        &self,
        type_name: &str,
        id: &str,
        _ctx: &OpContext,
    ) -> Result<Vec<ImportedResource>, Diagnostics> {
        let schema = self.schema_of(type_name)?;
        let state = match type_name {
            "time_static" => static_values(&object(schema, BTreeMap::new()), parse_time(id)?),
            _ => {
                let Some((c, d)) = id.split_once(',') else {
                    return Err(Diagnostic::error(
                        "Invalid import ID",
                        format!("The import ID {id:?} is not valid for time_sleep: expected \"CREATE_DURATION,DESTROY_DURATION\" (either may be empty), e.g. \"30s,\"."),
                    )
                    .into());
                };
                let mut m = BTreeMap::new();
                for (k, s) in [("create_duration", c), ("destroy_duration", d)] {
                    if !s.is_empty() {
                        m.insert(k.to_string(), Value::string(s));
                    }
                }
                m.insert("id".to_string(), Value::string(rfc3339(now())));
                let v = object(schema, m);
                let d = check(type_name, &v);
                if d.has_errors() {
                    return Err(d);
                }
                v
            }
        };
        Ok(vec![ImportedResource {
            type_name: type_name.to_string(),
            state,
            private: Vec::new(),
        }])
    }

    async fn read_data_source(
        &self,
        type_name: &str,
        _config: Value,
        _ctx: &OpContext,
    ) -> Result<Value, Diagnostics> {
        Err(no_data_sources("time", type_name))
    }
}

#[cfg(test)]
mod tests {
    use super::super::get;
    use super::super::testutil::{create, import, obj, plan};
    use super::*;
    use crate::CancellationToken;

    #[tokio::test]
    async fn time_static_fields_and_import() {
        let p = TimeProvider::new();
        let v = create(
            &p,
            "time_static",
            obj(&[("rfc3339", Value::string("2020-02-12T06:36:13Z"))]),
        )
        .await
        .unwrap();
        assert_eq!(
            get(&v, "year").unwrap().as_number().unwrap().to_i64(),
            Some(2020)
        );
        assert_eq!(
            get(&v, "month").unwrap().as_number().unwrap().to_i64(),
            Some(2)
        );
        assert_eq!(
            get(&v, "second").unwrap().as_number().unwrap().to_i64(),
            Some(13)
        );
        assert_eq!(
            get(&v, "unix").unwrap().as_number().unwrap().to_i64(),
            Some(1581489373)
        );
        assert_eq!(get_str(&v, "id"), Some("2020-02-12T06:36:13Z"));
        let now = create(&p, "time_static", obj(&[])).await.unwrap();
        assert!(parse_time(get_str(&now, "rfc3339").unwrap()).is_ok());
        let trig = plan(
            &p,
            "time_static",
            &now,
            obj(&[(
                "triggers",
                Value::map(Type::String, [("a".to_string(), Value::string("x"))].into()),
            )]),
        )
        .await;
        assert_eq!(trig.requires_replace.len(), 1);
        let i = import(&p, "time_static", "2020-02-12T06:36:13Z")
            .await
            .unwrap();
        assert!(i.raw_equal(&v));
        assert!(import(&p, "time_static", "yesterday").await.is_err());
        assert!(create(
            &p,
            "time_static",
            obj(&[("rfc3339", Value::string("nope"))])
        )
        .await
        .is_err());
    }

    #[tokio::test(start_paused = true)]
    async fn time_sleep_waits_and_honours_cancellation() {
        let p = TimeProvider::new();
        let before = tokio::time::Instant::now();
        let v = create(
            &p,
            "time_sleep",
            obj(&[("create_duration", Value::string("90s"))]),
        )
        .await
        .unwrap();
        assert!(before.elapsed() >= Duration::from_secs(90));
        assert!(get_str(&v, "id").is_some());
        let schema = p.schema().resources["time_sleep"].clone();
        let planned = object(
            &schema,
            BTreeMap::from([("create_duration".to_string(), Value::string("1h"))]),
        );
        let ctx = OpContext {
            cancel: CancellationToken::new(),
            deadline: None,
            progress: None,
        };
        let cancel = ctx.cancel.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(5)).await;
            cancel.cancel();
        });
        let r = p
            .apply_resource(
                ApplyRequest {
                    type_name: "time_sleep".into(),
                    prior_state: Value::null(schema.object_type()),
                    planned_state: planned.clone(),
                    config: planned,
                    planned_private: vec![],
                },
                &ctx,
            )
            .await;
        assert!(r.diagnostics.has_errors());
        assert_eq!(r.diagnostics.0[0].summary, "Operation cancelled");
        assert!(r.new_state.is_none());
        let bad = create(
            &p,
            "time_sleep",
            obj(&[("create_duration", Value::string("soon"))]),
        )
        .await
        .unwrap_err();
        assert_eq!(bad.0[0].summary, "Invalid duration");
        let i = import(&p, "time_sleep", "30s,").await.unwrap();
        assert_eq!(get_str(&i, "create_duration"), Some("30s"));
        assert!(get(&i, "destroy_duration").unwrap().is_null());
        assert!(import(&p, "time_sleep", "30s").await.is_err());
    }
}
