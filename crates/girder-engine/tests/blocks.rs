//! Configuration blocks beyond resources, through `ops` on real configuration files:
//! `timeouts` become the deadline of the provider operation, and checkov (PyPI) scans a
//! girder JSON plan (`girder show -json`) of an AWS-like configuration without errors.

mod support;

use girder_core::{Diagnostics, Type, Value};
use girder_engine::ops::{self, Request};
use girder_engine::testing::MemoryBackend;
use girder_engine::*;
use girder_provider::fake::FakeProvider;
use girder_provider::schema::{Attribute, Nesting, ProviderSchema, Schema};
use girder_provider::{
    ApplyRequest, ApplyResponse, ImportedResource, OpContext, PlanRequest, PlanResponse, Provider,
    ReadRequest, ReadResponse,
};
use girder_state::model::State;
use girder_state::Backend;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::*;

fn config_dir(name: &str, files: &[(&str, &str)]) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!(
        "girder-blocks-{name}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    std::fs::create_dir_all(&d).unwrap();
    for (f, text) in files {
        std::fs::write(d.join(f), text).unwrap();
    }
    d
}

/// The fake provider, recording how much time each operation was given.
struct Timed {
    inner: FakeProvider,
    seen: Mutex<Vec<(String, Option<Duration>)>>,
}

impl Timed {
    fn note(&self, what: &str, ctx: &OpContext) {
        let left = ctx
            .deadline
            .map(|d| d.saturating_duration_since(Instant::now()));
        self.seen.lock().unwrap().push((what.to_string(), left));
    }
    fn given(&self, what: &str) -> Option<Duration> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .rev()
            .find(|(w, _)| w == what)
            .and_then(|(_, d)| *d)
    }
}

#[async_trait::async_trait]
impl Provider for Timed {
    fn name(&self) -> &str {
        self.inner.name()
    }
    fn schema(&self) -> &ProviderSchema {
        self.inner.schema()
    }
    async fn configure(&self, config: Value, ctx: &OpContext) -> Result<(), Diagnostics> {
        self.inner.configure(config, ctx).await
    }
    async fn plan_resource(
        &self,
        req: PlanRequest,
        ctx: &OpContext,
    ) -> Result<PlanResponse, Diagnostics> {
        self.note("plan", ctx);
        self.inner.plan_resource(req, ctx).await
    }
    async fn apply_resource(&self, req: ApplyRequest, ctx: &OpContext) -> ApplyResponse {
        let what = match (req.prior_state.is_null(), req.planned_state.is_null()) {
            (true, _) => "create",
            (_, true) => "delete",
            _ => "update",
        };
        self.note(what, ctx);
        self.inner.apply_resource(req, ctx).await
    }
    async fn read_resource(
        &self,
        req: ReadRequest,
        ctx: &OpContext,
    ) -> Result<ReadResponse, Diagnostics> {
        self.inner.read_resource(req, ctx).await
    }
    async fn import_resource(
        &self,
        type_name: &str,
        id: &str,
        ctx: &OpContext,
    ) -> Result<Vec<ImportedResource>, Diagnostics> {
        self.inner.import_resource(type_name, id, ctx).await
    }
    async fn read_data_source(
        &self,
        type_name: &str,
        config: Value,
        ctx: &OpContext,
    ) -> Result<Value, Diagnostics> {
        self.note("read", ctx);
        self.inner.read_data_source(type_name, config, ctx).await
    }
}

const TIMEOUTS: &str = r#"
variable "value" {
  type    = string
  default = "one"
}

resource "fake_thing" "slow" {
  name  = "slow"
  value = var.value

  timeouts {
    create = "30m"
    update = "1h30m"
    delete = "90s"
  }
}

resource "fake_thing" "plain" {
  name = "plain"
}
"#;

fn within(given: Option<Duration>, want: Duration) -> bool {
    // The deadline is set when the operation starts: what is left is at most `want`, and
    // (the fake provider answering at once) far more than `want` minus a minute.
    given.is_some_and(|g| g <= want && g + Duration::from_secs(60) > want)
}

#[tokio::test]
async fn timeouts_become_the_deadline_of_each_operation() {
    let dir = config_dir("timeouts", &[("main.tf", TIMEOUTS)]);
    let p = Arc::new(Timed {
        inner: FakeProvider::new(),
        seen: Mutex::new(Vec::new()),
    });
    let mut reg: HashMap<String, Arc<dyn Provider>> = HashMap::new();
    reg.insert("fake".into(), p.clone());
    let (config, d) = girder_lang::config::load_config(&dir);
    assert!(!d.has_errors(), "{}", diag_text(&d));
    let backend: Arc<dyn Backend> = Arc::new(MemoryBackend::new());
    let serial = ApplyOptions {
        parallelism: 1,
        ..ApplyOptions::default()
    };
    let mut state = State::new("1.0.3");
    for (value, op, want) in [
        ("one", "create", Duration::from_secs(30 * 60)),
        ("two", "update", Duration::from_secs(90 * 60)),
    ] {
        let mut inputs = BTreeMap::new();
        inputs.insert("value".to_string(), Value::string(value));
        let req = Request {
            config: &config,
            inputs,
            workspace: "default".into(),
            base_dir: dir.clone(),
            providers: &reg,
        };
        let out = ops::plan(&req, &state, &PlanOptions::default()).await;
        assert!(
            !out.diagnostics.has_errors(),
            "{}",
            diag_text(&out.diagnostics)
        );
        // Planning has no deadline.
        assert_eq!(p.given("plan"), None);
        let plan = out.plan.unwrap();
        p.seen.lock().unwrap().clear();
        let applied = ops::apply(&req, &plan, backend.clone(), &serial).await;
        assert!(
            !applied.diagnostics.has_errors(),
            "{}",
            diag_text(&applied.diagnostics)
        );
        let seen = p.seen.lock().unwrap().clone();
        // slow got its timeout; plain got none.
        let with: Vec<_> = seen
            .iter()
            .filter(|(w, d)| w == op && d.is_some())
            .collect();
        assert_eq!(with.len(), 1, "{op}: {seen:?}");
        assert!(within(p.given(op).or(with[0].1), want), "{op}: {seen:?}");
        if op == "create" {
            assert!(
                seen.iter().any(|(w, d)| w == "create" && d.is_none()),
                "{seen:?}"
            );
        }
        state = applied.state.unwrap();
    }
    let req = Request {
        config: &config,
        inputs: BTreeMap::new(),
        workspace: "default".into(),
        base_dir: dir.clone(),
        providers: &reg,
    };
    let d = ops::plan_destroy(&req, &state, &PlanOptions::default())
        .await
        .plan
        .unwrap();
    p.seen.lock().unwrap().clear();
    let out = ops::apply(&req, &d, backend, &serial).await;
    assert!(
        !out.diagnostics.has_errors(),
        "{}",
        diag_text(&out.diagnostics)
    );
    let seen = p.seen.lock().unwrap().clone();
    let timed: Vec<_> = seen.iter().filter(|(_, d)| d.is_some()).collect();
    assert_eq!(timed.len(), 1, "{seen:?}");
    assert_eq!(timed[0].0, "delete");
    assert!(within(timed[0].1, Duration::from_secs(90)), "{seen:?}");
}

#[tokio::test]
async fn a_bad_timeout_is_a_located_error() {
    let dir = config_dir(
        "bad-timeouts",
        &[(
            "main.tf",
            "resource \"fake_thing\" \"a\" {\n  name = \"a\"\n  timeouts {\n    create = \"soon\"\n    erase  = \"1m\"\n  }\n}\n",
        )],
    );
    let p = Arc::new(FakeProvider::new());
    let reg = registry(p);
    let (config, _) = girder_lang::config::load_config(&dir);
    let req = Request {
        config: &config,
        inputs: BTreeMap::new(),
        workspace: "default".into(),
        base_dir: dir.clone(),
        providers: &reg,
    };
    let out = ops::plan(&req, &State::new("1.0.3"), &PlanOptions::default()).await;
    assert!(out.plan.is_none());
    let errs: Vec<_> = out.diagnostics.iter().collect();
    let bad = errs
        .iter()
        .find(|d| d.summary == "Invalid timeout")
        .expect("Invalid timeout");
    let at = bad.span.as_ref().unwrap();
    assert_eq!((at.start.line, at.start.column), (4, 14), "{at}");
    assert!(bad.detail.contains("create"));
    let unknown = errs
        .iter()
        .find(|d| d.summary == "Unsupported argument")
        .expect("Unsupported argument");
    assert_eq!(unknown.span.as_ref().unwrap().start.line, 5);
    assert!(unknown.detail.contains("erase"));
}

/// An AWS-like provider for planning only: the attributes checkov's AWS checks read.
struct AwsLike {
    schema: ProviderSchema,
}

impl AwsLike {
    fn new() -> AwsLike {
        let mut schema = ProviderSchema::default();
        schema.resources.insert(
            "aws_s3_bucket".into(),
            Schema::new()
                .attr("id", Attribute::computed(Type::String))
                .attr("arn", Attribute::computed(Type::String))
                .attr("bucket", Attribute::required(Type::String).force_new())
                .attr("acl", Attribute::optional(Type::String))
                .attr("tags", Attribute::optional(Type::map(Type::String))),
        );
        let rule = Schema::new()
            .attr("from_port", Attribute::required(Type::Number))
            .attr("to_port", Attribute::required(Type::Number))
            .attr("protocol", Attribute::required(Type::String))
            .attr("cidr_blocks", Attribute::optional(Type::list(Type::String)))
            .attr("description", Attribute::optional(Type::String));
        schema.resources.insert(
            "aws_security_group".into(),
            Schema::new()
                .attr("id", Attribute::computed(Type::String))
                .attr("name", Attribute::required(Type::String).force_new())
                .attr("description", Attribute::optional(Type::String))
                .block("ingress", Nesting::List, rule, 0, 0),
        );
        AwsLike { schema }
    }
}

#[async_trait::async_trait]
impl Provider for AwsLike {
    fn name(&self) -> &str {
        "aws"
    }
    fn schema(&self) -> &ProviderSchema {
        &self.schema
    }
    async fn configure(&self, _: Value, _: &OpContext) -> Result<(), Diagnostics> {
        Ok(())
    }
    async fn plan_resource(
        &self,
        req: PlanRequest,
        _: &OpContext,
    ) -> Result<PlanResponse, Diagnostics> {
        Ok(PlanResponse {
            planned_state: req.proposed_new_state,
            requires_replace: Vec::new(),
            planned_private: Vec::new(),
            diagnostics: Diagnostics::new(),
        })
    }
    async fn apply_resource(&self, _: ApplyRequest, _: &OpContext) -> ApplyResponse {
        unreachable!("plan only")
    }
    async fn read_resource(
        &self,
        req: ReadRequest,
        _: &OpContext,
    ) -> Result<ReadResponse, Diagnostics> {
        Ok(ReadResponse {
            new_state: Some(req.current_state),
            private: req.private,
            diagnostics: Diagnostics::new(),
        })
    }
    async fn import_resource(
        &self,
        _: &str,
        _: &str,
        _: &OpContext,
    ) -> Result<Vec<ImportedResource>, Diagnostics> {
        Ok(Vec::new())
    }
    async fn read_data_source(
        &self,
        _: &str,
        config: Value,
        _: &OpContext,
    ) -> Result<Value, Diagnostics> {
        Ok(config)
    }
}

const AWS_CONFIG: &str = r#"
resource "aws_s3_bucket" "logs" {
  bucket = "girder-logs"
  acl    = "public-read-write"
  tags = {
    env = "dev"
  }
}

resource "aws_security_group" "web" {
  name        = "web"
  description = "web servers"

  ingress {
    description = "ssh from anywhere"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"#;

fn checkov_bin() -> std::path::PathBuf {
    if let Some(b) = std::env::var_os("CHECKOV_BIN") {
        return b.into();
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let bin = root.join("target/tools/checkov/bin/checkov");
    assert!(
        bin.exists(),
        "checkov is not installed: run tests/tools/install-checkov (or make tools), or set CHECKOV_BIN"
    );
    bin
}

#[tokio::test]
async fn checkov_scans_a_girder_json_plan() {
    let dir = config_dir("checkov", &[("main.tf", AWS_CONFIG)]);
    let mut reg: HashMap<String, Arc<dyn Provider>> = HashMap::new();
    reg.insert("aws".into(), Arc::new(AwsLike::new()));
    let (config, d) = girder_lang::config::load_config(&dir);
    assert!(!d.has_errors(), "{}", diag_text(&d));
    let req = Request {
        config: &config,
        inputs: BTreeMap::new(),
        workspace: "default".into(),
        base_dir: dir.clone(),
        providers: &reg,
    };
    let out = ops::plan(&req, &State::new("1.0.3"), &PlanOptions::default()).await;
    assert!(
        !out.diagnostics.has_errors(),
        "{}",
        diag_text(&out.diagnostics)
    );
    // As `girder plan -out=plan.bin` then `girder show -json plan.bin`.
    let saved = planfile::save(&out.plan.unwrap());
    let plan = planfile::load(&saved, "plan.bin").unwrap();
    let j = json::plan_json(&plan, &reg);
    let path = dir.join("plan.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&j).unwrap()).unwrap();

    let run = std::process::Command::new(checkov_bin())
        .args(["-f"])
        .arg(&path)
        .args([
            "--framework",
            "terraform_plan",
            "-o",
            "json",
            "--quiet",
            "--compact",
            "--skip-download",
        ])
        .current_dir(&dir)
        .env("BC_SKIP_MAPPING", "TRUE")
        .env("CHECKOV_RUN_SCA_PACKAGE_SCAN_V2", "false")
        .output()
        .expect("run checkov");
    let stdout = String::from_utf8_lossy(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);
    // checkov exits 1 when checks fail (they should: the bucket is public, ssh is open).
    assert!(
        run.status.code() == Some(1) || run.status.code() == Some(0),
        "checkov failed: {stderr}"
    );
    let report: serde_json::Value = serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("checkov output is not JSON ({e}): {stdout}\n{stderr}"));
    assert_eq!(report["check_type"], "terraform_plan", "{report}");
    let summary = &report["summary"];
    assert_eq!(summary["parsing_errors"], 0, "{summary}");
    assert!(
        summary["resource_count"].as_u64().unwrap_or(0) >= 2,
        "{summary}"
    );
    let failed = report["results"]["failed_checks"].as_array().unwrap();
    let flagged: Vec<(String, String)> = failed
        .iter()
        .map(|c| {
            (
                c["check_id"].as_str().unwrap_or("").to_string(),
                c["resource"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    // The open ssh port and the public bucket are found on the right resources.
    assert!(
        flagged
            .iter()
            .any(|(id, r)| id == "CKV_AWS_24" && r == "aws_security_group.web"),
        "{flagged:?}"
    );
    assert!(
        flagged
            .iter()
            .any(|(id, r)| id == "CKV_AWS_20" && r == "aws_s3_bucket.logs"),
        "{flagged:?}"
    );
    // `--quiet` lists only failures; the summary counts the checks that passed.
    assert!(summary["passed"].as_u64().unwrap_or(0) > 0, "{summary}");
}
