//! `evaluate_root`: variables, locals in dependency order, outputs, sensitive outputs, unknown
//! resources.

use girder_core::{Diagnostics, Value};
use girder_lang::config::evaluate::{evaluate_root, RootValues};
use girder_lang::config::{load_config, validate};
use std::collections::BTreeMap;
use std::path::PathBuf;

fn eval_files(
    name: &str,
    files: &[(&str, &str)],
    inputs: &[(&str, Value)],
) -> (RootValues, Diagnostics) {
    let dir: PathBuf =
        std::env::temp_dir().join(format!("girder-evaluate-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (n, t) in files {
        std::fs::write(dir.join(n), t).unwrap();
    }
    let (cfg, mut d) = load_config(&dir);
    d.extend(validate(&cfg));
    let inputs: BTreeMap<String, Value> = inputs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    let (vals, d2) = evaluate_root(&cfg, &inputs, "staging", &dir);
    d.extend(d2);
    let _ = std::fs::remove_dir_all(&dir);
    (vals, d)
}

#[test]
fn locals_in_dependency_order_and_outputs() {
    let (v, d) = eval_files(
        "order",
        &[(
            "main.tf",
            r#"
variable "env" {
  default = "dev"
}
variable "n" {
  type = number
}
locals {
  # declared before what it depends on
  full   = "${local.prefix}-${var.n}"
  prefix = "app-${var.env}-${terraform.workspace}"
  names  = [for i in [1, 2] : "${local.full}-${i}"]
}
output "names" {
  value = local.names
}
output "vpc" {
  value = aws_vpc.main.id
}
resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}
"#,
        )],
        &[("n", Value::int(3))],
    );
    assert!(d.is_empty(), "{d:?}");
    assert_eq!(v.locals["full"], Value::string("app-dev-staging-3"));
    let names: Vec<&str> = v.outputs["names"]
        .as_seq()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap())
        .collect();
    assert_eq!(names, ["app-dev-staging-3-1", "app-dev-staging-3-2"]);
    assert!(
        !v.outputs["vpc"].is_known(),
        "resource attributes are unknown"
    );
    assert_eq!(v.variables["env"], Value::string("dev"));
}

#[test]
fn sensitive_values_need_sensitive_outputs() {
    let (v, d) = eval_files(
        "sensitive",
        &[(
            "main.tf",
            r#"
variable "password" {
  sensitive = true
  default   = "hunter2"
}
locals {
  conn = "postgres://u:${var.password}@db"
}
output "leak" {
  value = local.conn
}
output "ok" {
  value     = local.conn
  sensitive = true
}
"#,
        )],
        &[],
    );
    let errs: Vec<(&str, String)> = d
        .iter()
        .map(|d| (d.summary.as_str(), d.span.as_ref().unwrap().to_string()))
        .collect();
    assert_eq!(
        errs,
        [(
            "Output refers to sensitive values",
            "main.tf:9:1".to_string()
        )]
    );
    assert!(v.outputs["ok"].contains_sensitive());
    assert!(v.locals["conn"].contains_sensitive());
}
