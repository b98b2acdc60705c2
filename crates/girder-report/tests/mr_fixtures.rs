//! Data-driven merge-request plan fixtures: every directory under `tests/fixtures/mr/` is a
//! case with
//! - `plan.json`: a JSON plan (hand-written after Terraform's documented format, or printed by a
//!   real Terraform 1.0.3 `show -json`), or `generate.json` (`{"resources": N}`): a plan of N
//!   resources built by this test;
//! - `options.json` (optional): `{"max_chars": N, "split": "parts" | "truncate"}`;
//! - `secrets.txt` (optional): strings (one a line) that must appear nowhere in the output;
//! - `*.snap`: the accepted insta snapshots (markdown parts and the text summary).
//!
//! Every case also checks that each document is under the cap and that every resource change
//! is either rendered exactly once or named as left out.

use girder_report::mr::{self, MarkdownOptions, SplitMode};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mr")
}

fn cases() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(fixtures())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    v.sort();
    v
}

/// A plan of `n` AWS-like resources across 10 modules: creates, updates (tags), a few replaces.
pub fn generated_plan(n: usize) -> Value {
    let mut changes = Vec::new();
    for i in 0..n {
        let module = format!("module.svc{}", i % 10);
        let (actions, before, after, unknown, replace) = match i % 50 {
            0 => (
                json!(["delete", "create"]),
                json!({"id": format!("subnet-{i:08x}"), "cidr_block": format!("10.{}.{}.0/24", i / 256 % 256, i % 256), "vpc_id": "vpc-1"}),
                json!({"cidr_block": format!("10.{}.{}.0/24", (i / 256 + 1) % 256, i % 256), "vpc_id": "vpc-1"}),
                json!({"id": true}),
                json!([["cidr_block"]]),
            ),
            1..=20 => (
                json!(["update"]),
                json!({"id": format!("i-{i:08x}"), "instance_type": "t3.micro", "tags": {"Name": format!("app-{i}"), "Env": "staging"}}),
                json!({"id": format!("i-{i:08x}"), "instance_type": "t3.micro", "tags": {"Name": format!("app-{i}"), "Env": "prod"}}),
                json!({}),
                json!([]),
            ),
            _ => (
                json!(["create"]),
                Value::Null,
                json!({"ami": "ami-0c55b159cbfafe1f0", "instance_type": "t3.micro", "tags": {"Name": format!("app-{i}")}}),
                json!({"id": true, "arn": true, "private_ip": true}),
                json!([]),
            ),
        };
        let type_ = if i % 50 == 0 {
            "aws_subnet"
        } else {
            "aws_instance"
        };
        changes.push(json!({
            "address": format!("{module}.{type_}.r{i}"),
            "module_address": module,
            "mode": "managed",
            "type": type_,
            "name": format!("r{i}"),
            "change": {
                "actions": actions,
                "before": before,
                "after": after,
                "after_unknown": unknown,
                "before_sensitive": {},
                "after_sensitive": {},
                "replace_paths": replace,
            }
        }));
    }
    json!({"format_version": "0.2", "terraform_version": "1.0.3", "resource_changes": changes})
}

fn load_plan(dir: &Path) -> Value {
    if let Ok(g) = std::fs::read_to_string(dir.join("generate.json")) {
        let g: Value = serde_json::from_str(&g).unwrap();
        return generated_plan(g["resources"].as_u64().unwrap() as usize);
    }
    let src = std::fs::read_to_string(dir.join("plan.json")).unwrap();
    serde_json::from_str(&src).unwrap()
}

fn load_options(dir: &Path) -> MarkdownOptions {
    let mut o = MarkdownOptions::default();
    if let Ok(src) = std::fs::read_to_string(dir.join("options.json")) {
        let v: Value = serde_json::from_str(&src).unwrap();
        if let Some(n) = v["max_chars"].as_u64() {
            o.max_chars = n as usize;
        }
        match v["split"].as_str() {
            Some("truncate") => o.split = SplitMode::Truncate,
            Some("parts") | None => {}
            Some(other) => panic!("unknown split {other}"),
        }
    }
    o
}

/// The addresses of the resource changes that are not no-ops.
fn addresses(plan: &Value) -> Vec<String> {
    plan["resource_changes"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|rc| mr::Action::from_actions(&rc["change"]["actions"]) != mr::Action::NoOp)
                .map(|rc| rc["address"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// How many times each address is rendered as a section summary.
fn rendered(all: &str) -> std::collections::HashMap<String, usize> {
    let mut m = std::collections::HashMap::new();
    for piece in all.split("<summary><code>").skip(1) {
        if let Some(end) = piece.find("</code>") {
            *m.entry(piece[..end].to_string()).or_insert(0) += 1;
        }
    }
    m
}

fn check_case(dir: &Path) {
    let name = dir.file_name().unwrap().to_string_lossy().to_string();
    let plan = load_plan(dir);
    mr::check_plan(&plan).unwrap_or_else(|d| panic!("{name}: {d}"));
    let opts = load_options(dir);
    let parts = mr::render_markdown(&plan, &opts);
    assert!(!parts.is_empty(), "{name}: no output");
    for (i, p) in parts.iter().enumerate() {
        assert!(
            p.len() <= opts.max_chars,
            "{name}: part {} is {} bytes, over the {} cap",
            i + 1,
            p.len(),
            opts.max_chars
        );
        if parts.len() > 1 {
            let want = format!("## Plan (part {}/{})", i + 1, parts.len());
            assert!(
                p.starts_with(&want),
                "{name}: part {} starts {:?}",
                i + 1,
                &p[..40.min(p.len())]
            );
        }
        // Fences and details are balanced in every part.
        assert_eq!(
            p.matches("<details>").count(),
            p.matches("</details>").count(),
            "{name}"
        );
        assert_eq!(
            p.lines().filter(|l| l.starts_with("```")).count() % 2,
            0,
            "{name}: fences"
        );
    }
    if opts.split == SplitMode::Truncate {
        assert_eq!(parts.len(), 1, "{name}: truncate gives one document");
    }
    // Every resource is rendered exactly once, or named in the left-out note.
    let all = parts.join("\n");
    let seen = rendered(&all);
    for a in addresses(&plan) {
        let n = seen.get(&a).copied().unwrap_or(0);
        if n == 0 {
            assert!(
                all.contains("left out"),
                "{name}: {a} neither rendered nor reported left out"
            );
        } else {
            assert_eq!(n, 1, "{name}: {a} rendered {n} times");
        }
    }
    if let Ok(secrets) = std::fs::read_to_string(dir.join("secrets.txt")) {
        let summary = mr::render_text_summary(&plan);
        for s in secrets.lines().filter(|l| !l.is_empty()) {
            assert!(
                !all.contains(s),
                "{name}: secret {s:?} leaked into the markdown"
            );
            assert!(
                !summary.contains(s),
                "{name}: secret leaked into the summary"
            );
        }
    }

    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(dir);
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| {
        insta::assert_snapshot!("summary", mr::render_text_summary(&plan));
        if plan
            .get("resource_changes")
            .and_then(Value::as_array)
            .is_some_and(|a| a.len() > 200)
        {
            // Big plans: the shape of the parts, not their text.
            let shape: Vec<String> = parts
                .iter()
                .map(|p| {
                    format!(
                        "{} | {} resources | under cap: {}",
                        p.lines().next().unwrap_or(""),
                        p.matches("<details>").count(),
                        p.len() <= opts.max_chars
                    )
                })
                .collect();
            insta::assert_snapshot!("parts", shape.join("\n"));
        } else {
            let joined: Vec<String> = parts
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    format!(
                        "<!-- ===== document {} of {} ===== -->\n{p}",
                        i + 1,
                        parts.len()
                    )
                })
                .collect();
            insta::assert_snapshot!("markdown", joined.join("\n"));
        }
    });
}

#[test]
fn mr_fixtures() {
    let cases = cases();
    assert!(cases.len() >= 6, "fixtures missing: {cases:?}");
    for dir in cases {
        check_case(&dir);
    }
}

#[test]
fn five_thousand_resources_split_under_github_cap() {
    let plan = generated_plan(5_000);
    let opts = MarkdownOptions::default();
    let parts = mr::render_markdown(&plan, &opts);
    assert!(parts.len() > 1, "5,000 resources must not fit one comment");
    for p in &parts {
        assert!(p.len() < 65_536, "a part is {} bytes", p.len());
    }
    let all = parts.join("\n");
    let seen = rendered(&all);
    let want = addresses(&plan);
    assert_eq!(want.len(), 5_000);
    for a in want {
        assert_eq!(seen.get(&a), Some(&1), "{a}");
    }
    // Replaces come first, under the warning, before any other section.
    let first_warning = all.find(":warning: Destroyed or replaced").unwrap();
    let first_root = all.find("### Module").unwrap();
    assert!(first_warning < first_root);
    // Continued module headings in later parts.
    assert!(parts[1..].iter().any(|p| p.contains("(continued)")));
}

#[test]
fn one_huge_resource_is_cut_with_a_note() {
    // A single policy document far bigger than the cap.
    let statements: Vec<Value> = (0..3_000)
        .map(|i| json!({"Sid": format!("S{i}"), "Effect": "Allow", "Action": ["s3:GetObject"], "Resource": format!("arn:aws:s3:::bucket-{i}/*")}))
        .collect();
    let policy = json!({"Version": "2012-10-17", "Statement": statements}).to_string();
    let plan = json!({
        "format_version": "0.2",
        "resource_changes": [{
            "address": "aws_iam_policy.huge", "mode": "managed", "type": "aws_iam_policy", "name": "huge",
            "change": {"actions": ["create"], "before": null, "after": {"policy": policy},
                       "after_unknown": {"id": true}, "before_sensitive": false, "after_sensitive": {}}
        }]
    });
    for split in [SplitMode::Parts, SplitMode::Truncate] {
        let opts = MarkdownOptions {
            split,
            ..MarkdownOptions::default()
        };
        let parts = mr::render_markdown(&plan, &opts);
        assert_eq!(parts.len(), 1);
        assert!(parts[0].len() <= opts.max_chars);
        assert!(parts[0].contains("This diff was cut"), "{split:?}");
        assert!(parts[0].contains("</details>"));
    }
}

#[test]
fn tiny_cap_still_bounded() {
    let plan = generated_plan(40);
    for max in [2_000, 3_000, 10_000] {
        for split in [SplitMode::Parts, SplitMode::Truncate] {
            let parts = mr::render_markdown(
                &plan,
                &MarkdownOptions {
                    max_chars: max,
                    split,
                    ..MarkdownOptions::default()
                },
            );
            for p in &parts {
                assert!(p.len() <= max, "{split:?} {max}: {}", p.len());
            }
        }
    }
}

#[test]
fn check_plan_rejects_wrong_input() {
    assert!(mr::check_plan(&json!([])).is_err());
    assert!(mr::check_plan(&json!({"format_version": "2.0"})).is_err());
    assert!(mr::check_plan(&json!({"format_version": "0.1", "values": {}})).is_err());
    assert!(mr::check_plan(&json!({"format_version": "0.2"})).is_ok());
    // Rendering garbage never panics.
    let out = mr::render_markdown(&json!("nonsense"), &MarkdownOptions::default());
    assert!(out[0].contains("No changes"));
}

fn terraform_bin() -> Option<PathBuf> {
    let p = match std::env::var_os("TERRAFORM_BIN") {
        Some(p) => PathBuf::from(p),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/tools/terraform"),
    };
    if p.is_file() {
        return Some(p);
    }
    if std::env::var_os("CI").is_some() {
        panic!(
            "Terraform not found at {} (CI is set); run tests/tools/install-terraform",
            p.display()
        );
    }
    eprintln!(
        "skipping: Terraform not found at {} (set TERRAFORM_BIN or run tests/tools/install-terraform)",
        p.display()
    );
    None
}

/// Renders the JSON plans a real Terraform 1.0.3 prints (outputs only: it has no providers
/// offline): create, update (with a sensitive output, a JSON string and a map), destroy.
#[test]
fn real_terraform_plans_render() {
    let Some(tf) = terraform_bin() else { return };
    let dir = std::env::temp_dir().join(format!("girder-report-tf-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let run = |args: &[&str]| -> std::process::Output {
        let out = std::process::Command::new(&tf)
            .args(args)
            .current_dir(&dir)
            .env("CHECKPOINT_DISABLE", "1")
            .env("HOME", &dir)
            .env_remove("TF_CLI_ARGS")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "terraform {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    };
    let config = |cidr: &str, secret: &str| {
        format!(
            r#"
variable "pw" {{
  type      = string
  default   = "{secret}"
  sensitive = true
}}
output "cidr" {{ value = "{cidr}" }}
output "pw" {{
  value     = var.pw
  sensitive = true
}}
output "policy" {{ value = jsonencode({{ Statement = [{{ Action = "{cidr}" }}] }}) }}
output "tags" {{ value = {{ Env = "{cidr}" }} }}
"#
        )
    };
    // Renders a saved plan both ways: (our markdown, Terraform's outputs section).
    let both = |file: &str| -> (Value, String, Vec<String>) {
        let plan: Value = serde_json::from_slice(&run(&["show", "-json", file]).stdout).unwrap();
        let human = String::from_utf8(run(&["show", "-no-color", file]).stdout).unwrap();
        let md = mr::render_markdown(&plan, &MarkdownOptions::default()).join("\n");
        (plan, md, terraform_outputs_section(&human))
    };
    let ours_of = |md: &str| -> Vec<String> {
        md.split("### Changes to outputs\n\n```diff\n")
            .nth(1)
            .unwrap_or_default()
            .split("\n```")
            .next()
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    };
    std::fs::write(dir.join("main.tf"), config("10.0.0.0/16", "zq-secret-one")).unwrap();
    run(&["init", "-input=false", "-no-color"]);
    // First plan: every output created.
    run(&["plan", "-out=p0.bin", "-input=false", "-no-color"]);
    let (_, md0, theirs0) = both("p0.bin");
    assert!(!md0.contains("zq-secret"), "{md0}");
    assert!(theirs0.len() >= 6, "{theirs0:?}");
    assert_eq!(ours_of(&md0), theirs0, "create:\n{md0}");
    run(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    std::fs::write(dir.join("main.tf"), config("10.1.0.0/16", "zq-secret-two")).unwrap();
    run(&["plan", "-out=p.bin", "-input=false", "-no-color"]);
    let json_out = run(&["show", "-json", "p.bin"]);
    let human = String::from_utf8(run(&["show", "-no-color", "p.bin"]).stdout).unwrap();
    let plan: Value = serde_json::from_slice(&json_out.stdout).unwrap();
    mr::check_plan(&plan).unwrap();
    assert_eq!(plan["terraform_version"], "1.0.3");
    let md = mr::render_markdown(&plan, &MarkdownOptions::default()).join("\n");
    assert!(!md.contains("zq-secret"), "sensitive output leaked:\n{md}");
    assert!(md.contains("pw     = (sensitive value)"), "{md}");
    assert!(
        md.contains(r#"cidr   = "10.0.0.0/16" -> "10.1.0.0/16""#),
        "{md}"
    );
    assert!(md.contains("jsonencode("), "{md}");
    assert_eq!(
        mr::render_text_summary(&plan),
        "No resource changes. 4 output changes."
    );
    // Differential: the output diff lines equal Terraform's own, with the action symbol moved to
    // the first column.
    let theirs = terraform_outputs_section(&human);
    assert!(theirs.len() >= 8, "no outputs section in:\n{human}");
    let ours: Vec<&str> = md
        .split("### Changes to outputs\n\n```diff\n")
        .nth(1)
        .unwrap()
        .split("\n```")
        .next()
        .unwrap()
        .lines()
        .collect();
    assert_eq!(
        ours,
        theirs,
        "ours:\n{}\n\nTerraform's:\n{human}",
        ours.join("\n")
    );
    // Destroy plan: every output removed.
    run(&[
        "apply",
        "-auto-approve",
        "-input=false",
        "-no-color",
        "p.bin",
    ]);
    run(&[
        "plan",
        "-destroy",
        "-out=p3.bin",
        "-input=false",
        "-no-color",
    ]);
    let (plan3, md3, theirs3) = both("p3.bin");
    assert!(!md3.contains("zq-secret"), "{md3}");
    assert_eq!(ours_of(&md3), theirs3, "destroy:\n{md3}");
    assert_eq!(mr::counts(&plan3).outputs, 4);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The lines of Terraform's "Changes to Outputs:" section, in our layout: the symbol padded to
/// four columns, then four spaces per level.
fn terraform_outputs_section(human: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut inside = false;
    for line in human.lines() {
        if line.starts_with("Changes to Outputs:") {
            inside = true;
            continue;
        }
        if !inside {
            continue;
        }
        if line.trim().is_empty() {
            break;
        }
        let trimmed = line.trim_start();
        // Terraform 1.0.3 warns about sensitivity changes in comments we do not print.
        if trimmed.starts_with("# Warning:") || trimmed.starts_with("# display in UI output") {
            continue;
        }
        let n = line.len() - trimmed.len();
        let sym = ["~ ", "+ ", "- "].iter().find(|p| trimmed.starts_with(**p));
        match sym {
            Some(p) => {
                let depth = n.saturating_sub(2) / 4;
                out.push(format!(
                    "{:<4}{}{}",
                    p.trim(),
                    "    ".repeat(depth),
                    &trimmed[2..]
                ));
            }
            None => {
                let depth = n.saturating_sub(4) / 4;
                out.push(format!("    {}{}", "    ".repeat(depth), trimmed));
            }
        }
    }
    out
}

#[test]
fn thousands_of_outputs_stay_under_cap() {
    let mut outputs = serde_json::Map::new();
    for i in 0..3_000 {
        outputs.insert(
            format!("out_{i}"),
            json!({"actions": ["create"], "before": null, "after": format!("value-{i}"),
                   "after_unknown": false, "before_sensitive": false, "after_sensitive": false}),
        );
    }
    let plan = json!({"format_version": "0.2", "output_changes": outputs});
    for split in [SplitMode::Parts, SplitMode::Truncate] {
        for max in [5_000, 65_536] {
            let parts = mr::render_markdown(
                &plan,
                &MarkdownOptions {
                    max_chars: max,
                    split,
                    ..MarkdownOptions::default()
                },
            );
            for p in &parts {
                assert!(p.len() <= max, "{split:?} {max}: {}", p.len());
                assert_eq!(p.lines().filter(|l| l.starts_with("```")).count() % 2, 0);
            }
            assert!(
                parts.join("").contains("lines were left out"),
                "{split:?} {max}"
            );
        }
    }
}
