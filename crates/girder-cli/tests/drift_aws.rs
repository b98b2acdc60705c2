//! `girder drift` end to end against the local AWS emulator (`tests/emulator/run`, started by
//! the test on 127.0.0.1):
//!
//! 1. the commands the CI recipes in `examples/ci/` run (extracted from the YAML files: init,
//!    `plan -out=plan.bin -detailed-exitcode`, `show -format=markdown`, `show -json`, apply of
//!    the saved plan, `drift -format=markdown`, `drift -json -lock=false`) create a small VPC,
//!    security groups, a versioned bucket and an RDS instance, with the exit codes the recipes
//!    rely on;
//! 2. out-of-band changes made with the AWS SDK (a tag removed, an ingress rule added, bucket
//!    versioning suspended, the RDS instance class changed, a subnet deleted) are each
//!    reported by `girder drift` (exit 2, `-json` content), while an ingress rule under
//!    `lifecycle.ignore_changes` and a tag named in `.girder-drift-ignore` are listed as
//!    ignored; `-refresh-state` accepts the drift and the next `girder drift` exits 0;
//! 3. `-unmanaged` lists a security group and a subnet made in the managed VPC and a bucket
//!    sharing the managed bucket's prefix, and nothing else (not the VPC's default security
//!    group, not a bucket outside the prefix).

#[path = "../../girder-state/tests/support/emulator.rs"]
mod emulator;

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn girder(dir: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_girder"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("GIRDER_AWS_POLL_INTERVAL", "10")
        .env("GIRDER_AWS_INITIAL_DELAY", "0")
        .env_remove("TF_WORKSPACE")
        .output()
        .expect("run girder");
    let r = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(
        !r.stderr.contains("panicked"),
        "girder {args:?} panicked:\n{}",
        r.stderr
    );
    r
}

/// Runs girder and checks the exit code.
fn expect(dir: &Path, args: &[&str], code: i32) -> Run {
    let r = girder(dir, args);
    assert_eq!(
        r.code, code,
        "girder {args:?}: exit {} (expected {code})\n--- stdout\n{}\n--- stderr\n{}",
        r.code, r.stdout, r.stderr
    );
    r
}

fn json(r: &Run) -> Value {
    serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\n{}", r.stdout, r.stderr))
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The girder invocations of the CI recipes, as argument lists (global `-chdir` dropped),
/// in file order, without duplicates.
fn recipe_invocations() -> Vec<Vec<String>> {
    let mut files = vec![root().join("examples/ci/gitlab/.gitlab-ci.yml")];
    let mut gh: Vec<PathBuf> = std::fs::read_dir(root().join("examples/ci/github/workflows"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    gh.sort();
    files.extend(gh);
    let mut out: Vec<Vec<String>> = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        for line in text.lines() {
            let t = line.trim().trim_start_matches("- ").trim();
            if t.starts_with('#') || t.starts_with("name:") {
                continue;
            }
            for seg in t.split([';', '|', '&']) {
                let toks: Vec<&str> = seg.split_whitespace().collect();
                let Some(start) = toks.iter().position(|t| *t == "girder") else {
                    continue;
                };
                let args: Vec<String> = toks[start + 1..]
                    .iter()
                    .take_while(|t| !t.starts_with('>') && !t.starts_with("2>"))
                    .filter(|t| !t.starts_with("-chdir="))
                    .map(|t| t.to_string())
                    .collect();
                if !args.is_empty() && !out.contains(&args) {
                    out.push(args);
                }
            }
        }
    }
    out
}

/// The emulator's SDK clients.
struct Cloud {
    rt: tokio::runtime::Runtime,
    ec2: aws_sdk_ec2::Client,
    rds: aws_sdk_rds::Client,
    s3: aws_sdk_s3::Client,
}

impl Cloud {
    fn new(url: &str) -> Cloud {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let cfg = rt.block_on(
            aws_config::defaults(aws_config::BehaviorVersion::latest())
                .region(aws_config::Region::new(emulator::REGION))
                .endpoint_url(url)
                .credentials_provider(aws_sdk_s3::config::Credentials::new(
                    emulator::ACCESS_KEY,
                    emulator::SECRET_KEY,
                    None,
                    None,
                    "test",
                ))
                .http_client(
                    aws_smithy_http_client::Builder::new()
                        .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
                            aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
                        ))
                        .build_https(),
                )
                .load(),
        );
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&cfg)
                .force_path_style(true)
                .build(),
        );
        Cloud {
            ec2: aws_sdk_ec2::Client::new(&cfg),
            rds: aws_sdk_rds::Client::new(&cfg),
            s3,
            rt,
        }
    }
}

const PASSWORD: &str = "Drift-s3cret-pw";

fn main_tf(url: &str, name: &str) -> String {
    format!(
        r#"provider "aws" {{
  region                      = "{region}"
  access_key                  = "{ak}"
  secret_key                  = "{sk}"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  s3_use_path_style           = true
  endpoints {{
    ec2 = "{url}"
    s3  = "{url}"
    rds = "{url}"
    sts = "{url}"
    iam = "{url}"
  }}
}}

resource "aws_vpc" "main" {{
  cidr_block = "10.40.0.0/16"
  tags = {{
    Name = "{name}"
    Env  = "test"
  }}
}}

resource "aws_subnet" "a" {{
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.40.1.0/24"
  availability_zone = "us-east-1a"
  tags = {{
    Name = "{name}-a"
  }}
}}

resource "aws_subnet" "b" {{
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.40.2.0/24"
  availability_zone = "us-east-1b"
}}

resource "aws_subnet" "c" {{
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.40.3.0/24"
  availability_zone = "us-east-1c"
}}

resource "aws_security_group" "web" {{
  name   = "{name}-web"
  vpc_id = aws_vpc.main.id
  ingress {{
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }}
  egress {{
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }}
}}

resource "aws_security_group" "db" {{
  name   = "{name}-db"
  vpc_id = aws_vpc.main.id
  ingress {{
    from_port       = 5432
    to_port         = 5432
    protocol        = "tcp"
    security_groups = [aws_security_group.web.id]
  }}
  lifecycle {{
    ignore_changes = [ingress]
  }}
}}

resource "aws_s3_bucket" "logs" {{
  bucket = "{name}-logs"
}}

resource "aws_s3_bucket_versioning" "logs" {{
  bucket = aws_s3_bucket.logs.id
  versioning_configuration {{
    status = "Enabled"
  }}
}}

resource "aws_db_subnet_group" "db" {{
  name       = "{name}-db"
  subnet_ids = [aws_subnet.a.id, aws_subnet.b.id]
}}

resource "aws_db_instance" "db" {{
  identifier             = "{name}-db"
  engine                 = "postgres"
  engine_version         = "15.4"
  instance_class         = "db.t3.micro"
  allocated_storage      = 20
  username               = "app"
  password               = "{PASSWORD}"
  db_subnet_group_name   = aws_db_subnet_group.db.name
  vpc_security_group_ids = [aws_security_group.db.id]
  skip_final_snapshot    = true
}}
"#,
        region = emulator::REGION,
        ak = emulator::ACCESS_KEY,
        sk = emulator::SECRET_KEY,
    )
}

/// `id` of each root resource instance in the local state, by address.
fn state_ids(dir: &Path) -> std::collections::BTreeMap<String, Value> {
    let st: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("terraform.tfstate")).unwrap())
            .unwrap();
    let mut out = std::collections::BTreeMap::new();
    for r in st["resources"].as_array().unwrap() {
        for i in r["instances"].as_array().unwrap() {
            let addr = format!(
                "{}.{}",
                r["type"].as_str().unwrap(),
                r["name"].as_str().unwrap()
            );
            out.insert(addr, i["attributes"].clone());
        }
    }
    out
}

fn addresses(report: &Value) -> BTreeSet<String> {
    report["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["address"].as_str().unwrap().to_string())
        .collect()
}

fn resource<'a>(report: &'a Value, address: &str) -> &'a Value {
    report["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["address"] == address)
        .unwrap_or_else(|| panic!("{address} not in the report:\n{report:#}"))
}

/// The change at `path` of `address`.
fn change<'a>(report: &'a Value, address: &str, path: &str) -> &'a Value {
    let r = resource(report, address);
    r["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["path"] == path)
        .unwrap_or_else(|| panic!("no change at {path} of {address}:\n{r:#}"))
}

fn has_ignored(report: &Value, address: &str, path: &str, rule_prefix: &str) -> bool {
    report["ignored"].as_array().unwrap().iter().any(|i| {
        i["address"] == address
            && i["path"] == path
            && i["rule"].as_str().unwrap().starts_with(rule_prefix)
    })
}

#[test]
fn drift_ci_recipes_and_unmanaged_against_the_emulator() {
    let emu = emulator::Emulator::shared();
    let cloud = Cloud::new(&emu.url);
    let name = emulator::unique("drift");
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("main.tf"), main_tf(&emu.url, &name)).unwrap();
    // Known noise: the patching job's tag on subnet a; a scratch bucket made by hand.
    std::fs::write(
        dir.join(".girder-drift-ignore"),
        format!(
            "# known noise\n\
             aws_subnet.a  tags[\"LastPatched\"]      # set by the patching job\n\
             aws_subnet.a  tags_all[\"LastPatched\"]  # set by the patching job\n\
             aws_s3_bucket.{name}-scratch  *  # scratch space, made by hand\n"
        ),
    )
    .unwrap();

    // 1. The CI recipes' commands, in the order a pipeline runs them.
    let inv = recipe_invocations();
    let subs: BTreeSet<&str> = inv.iter().map(|a| a[0].as_str()).collect();
    assert_eq!(
        subs,
        BTreeSet::from(["apply", "drift", "init", "plan", "show", "version"]),
        "{inv:?}"
    );
    let of = |sub: &str| -> Vec<Vec<&str>> {
        inv.iter()
            .filter(|a| a[0] == sub)
            .map(|a| a.iter().map(String::as_str).collect())
            .collect()
    };
    for a in of("version").into_iter().chain(of("init")) {
        expect(dir, &a, 0);
    }
    let plans = of("plan");
    assert!(plans
        .iter()
        .any(|a| a.contains(&"-detailed-exitcode") && a.contains(&"-out=plan.bin")));
    for a in &plans {
        let code = if a.contains(&"-detailed-exitcode") {
            2
        } else {
            0
        };
        expect(dir, a, code);
        assert!(dir.join("plan.bin").is_file(), "{a:?} saved no plan");
    }
    for a in of("show") {
        let r = expect(dir, &a, 0);
        if a.contains(&"-json") {
            let j = json(&r);
            assert_eq!(j["resource_changes"].as_array().unwrap().len(), 10, "{a:?}");
        } else {
            assert!(a.contains(&"-format=markdown"), "{a:?}");
            assert!(
                r.stdout.contains("aws_db_instance.db"),
                "{a:?}:\n{}",
                r.stdout
            );
            assert!(r.stdout.contains("10 to add"), "{a:?}:\n{}", r.stdout);
            assert!(!r.stdout.contains(PASSWORD), "{a:?} printed the password");
        }
    }
    let applies = of("apply");
    assert!(!applies.is_empty());
    for (i, a) in applies.iter().enumerate() {
        if i > 0 {
            expect(dir, &plans[0], 0); // a fresh plan.bin for the next recipe's apply
        }
        assert!(
            a.contains(&"plan.bin"),
            "{a:?} does not apply the saved plan"
        );
        expect(dir, a, 0);
    }
    expect(dir, &["plan", "-detailed-exitcode"], 0);
    let drifts = of("drift");
    assert!(drifts.iter().any(|a| a.contains(&"-format=markdown")));
    for a in &drifts {
        let r = expect(dir, a, 0);
        if a.contains(&"-json") {
            assert_eq!(json(&r)["drift"], false);
        }
    }

    // 2. Out-of-band changes.
    let ids = state_ids(dir);
    let id = |addr: &str| ids[addr]["id"].as_str().unwrap().to_string();
    let (vpc, web, db_sg) = (
        id("aws_vpc.main"),
        id("aws_security_group.web"),
        id("aws_security_group.db"),
    );
    let default_sg = ids["aws_vpc.main"]["default_security_group_id"]
        .as_str()
        .unwrap()
        .to_string();
    cloud.rt.block_on(async {
        use aws_sdk_ec2::types::{IpPermission, IpRange, Tag};
        let ec2 = &cloud.ec2;
        ec2.delete_tags()
            .resources(&vpc)
            .tags(Tag::builder().key("Env").build())
            .send()
            .await
            .unwrap();
        let perm = |port: i32, cidr: &str, desc: &str| {
            IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(port)
                .to_port(port)
                .ip_ranges(IpRange::builder().cidr_ip(cidr).description(desc).build())
                .build()
        };
        ec2.authorize_security_group_ingress()
            .group_id(&web)
            .ip_permissions(perm(22, "0.0.0.0/0", "debug ssh"))
            .send()
            .await
            .unwrap();
        ec2.authorize_security_group_ingress()
            .group_id(&db_sg)
            .ip_permissions(perm(5432, "10.0.0.0/8", "ops"))
            .send()
            .await
            .unwrap();
        ec2.create_tags()
            .resources(id("aws_subnet.a"))
            .tags(
                Tag::builder()
                    .key("LastPatched")
                    .value("2026-12-01")
                    .build(),
            )
            .send()
            .await
            .unwrap();
        ec2.delete_subnet()
            .subnet_id(id("aws_subnet.c"))
            .send()
            .await
            .unwrap();
        cloud
            .s3
            .put_bucket_versioning()
            .bucket(format!("{name}-logs"))
            .versioning_configuration(
                aws_sdk_s3::types::VersioningConfiguration::builder()
                    .status(aws_sdk_s3::types::BucketVersioningStatus::Suspended)
                    .build(),
            )
            .send()
            .await
            .unwrap();
        cloud
            .rds
            .modify_db_instance()
            .db_instance_identifier(format!("{name}-db"))
            .db_instance_class("db.t3.small")
            .apply_immediately(true)
            .send()
            .await
            .unwrap();
    });

    // The recipes' drift commands now fail the job (exit 2).
    for a in &drifts {
        let r = expect(dir, a, 2);
        assert!(!r.stdout.contains(PASSWORD), "{a:?} printed the password");
        if a.contains(&"-format=markdown") {
            for addr in ["aws_vpc.main", "aws_subnet.c", "aws_db_instance.db"] {
                assert!(r.stdout.contains(addr), "{a:?} lacks {addr}:\n{}", r.stdout);
            }
        }
    }
    let r = expect(dir, &["drift", "-json"], 2);
    let rep = json(&r);
    assert_eq!(
        addresses(&rep),
        BTreeSet::from(
            [
                "aws_db_instance.db",
                "aws_s3_bucket_versioning.logs",
                "aws_security_group.web",
                "aws_subnet.c",
                "aws_vpc.main",
            ]
            .map(String::from)
        ),
        "{rep:#}"
    );
    assert_eq!(rep["drift"], true);
    assert_eq!(rep["summary"]["changed"], 4, "{rep:#}");
    assert_eq!(rep["summary"]["deleted"], 1, "{rep:#}");
    // a tag removed
    let c = change(&rep, "aws_vpc.main", "tags[\"Env\"]");
    assert_eq!(
        (&c["action"], &c["before"]),
        (&"removed".into(), &"test".into())
    );
    // an ingress rule added (a set element: reported at the set's path)
    let ing = resource(&rep, "aws_security_group.web")["changes"]
        .as_array()
        .unwrap();
    assert_eq!(ing.len(), 1, "only the new rule: {ing:#?}");
    assert_eq!(ing[0]["path"], "ingress");
    assert_eq!(ing[0]["action"], "added");
    assert_eq!(ing[0]["after"]["from_port"], 22);
    assert_eq!(
        ing[0]["after"]["cidr_blocks"],
        serde_json::json!(["0.0.0.0/0"])
    );
    // bucket versioning suspended
    let c = change(
        &rep,
        "aws_s3_bucket_versioning.logs",
        "versioning_configuration[0].status",
    );
    assert_eq!(
        (&c["before"], &c["after"]),
        (&"Enabled".into(), &"Suspended".into())
    );
    // the RDS instance class changed
    let c = change(&rep, "aws_db_instance.db", "instance_class");
    assert_eq!(
        (&c["before"], &c["after"]),
        (&"db.t3.micro".into(), &"db.t3.small".into())
    );
    // a subnet deleted
    assert_eq!(resource(&rep, "aws_subnet.c")["kind"], "deleted");
    // ignore rules: lifecycle.ignore_changes and the drift-ignore file
    assert!(
        has_ignored(
            &rep,
            "aws_security_group.db",
            "ingress",
            "lifecycle.ignore_changes"
        ),
        "{rep:#}"
    );
    assert!(
        has_ignored(
            &rep,
            "aws_subnet.a",
            "tags[\"LastPatched\"]",
            ".girder-drift-ignore:2"
        ),
        "{rep:#}"
    );
    assert!(!r.stdout.contains(PASSWORD));

    // Accepting the drift: -refresh-state writes it to the state; then no drift is left.
    let before = std::fs::read_to_string(dir.join("terraform.tfstate")).unwrap();
    expect(dir, &["drift", "-refresh-state"], 2);
    assert_ne!(
        before,
        std::fs::read_to_string(dir.join("terraform.tfstate")).unwrap()
    );
    let r = expect(dir, &["drift", "-json"], 0);
    let rep = json(&r);
    assert_eq!(rep["drift"], false, "{rep:#}");
    assert!(rep["ignored"].as_array().unwrap().is_empty(), "{rep:#}");
    let ids = state_ids(dir);
    assert!(!ids.contains_key("aws_subnet.c"));
    assert_eq!(ids["aws_db_instance.db"]["instance_class"], "db.t3.small");
    // ... while the configuration still differs: the report lists what a plan would do (not
    // drift: exit 0), and a plan puts it back.
    let pending: std::collections::BTreeMap<String, String> = rep["pending"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["address"].as_str().unwrap().to_string(),
                p["action"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        pending.get("aws_subnet.c").map(String::as_str),
        Some("create"),
        "{rep:#}"
    );
    assert_eq!(
        pending.get("aws_db_instance.db").map(String::as_str),
        Some("update"),
        "{rep:#}"
    );
    assert_eq!(rep["summary"]["pending"], pending.len(), "{rep:#}");
    expect(dir, &["plan", "-detailed-exitcode"], 2);

    // 3. -unmanaged: objects in the managed scopes that no state manages.
    let (extra_sg, extra_subnet) = cloud.rt.block_on(async {
        let sg = cloud
            .ec2
            .create_security_group()
            .group_name(format!("{name}-handmade"))
            .description("made by hand")
            .vpc_id(&vpc)
            .send()
            .await
            .unwrap()
            .group_id()
            .unwrap()
            .to_string();
        let sn = cloud
            .ec2
            .create_subnet()
            .vpc_id(&vpc)
            .cidr_block("10.40.9.0/24")
            .send()
            .await
            .unwrap()
            .subnet()
            .unwrap()
            .subnet_id()
            .unwrap()
            .to_string();
        for b in [
            format!("{name}-extra"),
            format!("{name}-scratch"),
            format!("other-{name}"),
        ] {
            cloud.s3.create_bucket().bucket(b).send().await.unwrap();
        }
        (sg, sn)
    });
    expect(dir, &["drift"], 0);
    let r = expect(dir, &["drift", "-unmanaged", "-json"], 2);
    let rep = json(&r);
    assert_eq!(
        addresses(&rep),
        BTreeSet::from([
            format!("aws_s3_bucket.{name}-extra"),
            format!("aws_security_group.{extra_sg}"),
            format!("aws_subnet.{extra_subnet}"),
        ]),
        "{rep:#}"
    );
    assert!(rep["resources"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["kind"] == "unmanaged" && r["changes"] == serde_json::json!([])));
    assert_eq!(rep["summary"]["unmanaged"], 3);
    assert!(!r.stdout.contains(&default_sg), "the default SG is noise");
    assert!(
        has_ignored(
            &rep,
            &format!("aws_s3_bucket.{name}-scratch"),
            "*",
            ".girder-drift-ignore:4"
        ),
        "{rep:#}"
    );
    let r = expect(dir, &["drift", "-unmanaged"], 2);
    assert!(r.stdout.contains(&extra_sg), "{}", r.stdout);
}
