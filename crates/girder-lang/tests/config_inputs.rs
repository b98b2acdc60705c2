//! Input variables: sources, precedence, parsing of string values, type errors, required and
//! undeclared variables.

use girder_core::{Diagnostics, Severity, Value};
use girder_lang::config::load_module_dir;
use girder_lang::inputs::{collect_inputs, InputOptions, Prompt, VarArg};
use std::collections::BTreeMap;
use std::path::PathBuf;

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str, files: &[(&str, &str)]) -> TempDir {
        let dir = std::env::temp_dir().join(format!("girder-inputs-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        for (n, t) in files {
            std::fs::write(dir.join(n), t).unwrap();
        }
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn run(
    dir: &TempDir,
    args: Vec<VarArg>,
    env: &[(&str, &str)],
) -> (BTreeMap<String, Value>, Diagnostics) {
    let (m, d) = load_module_dir(&dir.0);
    assert!(d.is_empty(), "{d:?}");
    collect_inputs(
        &m,
        &InputOptions {
            dir: dir.0.clone(),
            args,
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            prompt: None,
        },
    )
}

const VARS: &str = r#"
variable "a" {
  type    = string
  default = "default"
}
variable "b" {
  type    = string
  default = "default"
}
variable "c" {
  type    = string
  default = "default"
}
variable "d" {
  type    = string
  default = "default"
}
variable "e" {
  type    = string
  default = "default"
}
variable "f" {
  type    = string
  default = "default"
}
variable "g" {
  default = "default"
}
"#;

#[test]
fn precedence_follows_terraform() {
    let dir = TempDir::new(
        "precedence",
        &[
            ("main.tf", VARS),
            (
                "terraform.tfvars",
                "a = \"tfvars\"\nb = \"tfvars\"\nc = \"tfvars\"\nd = \"tfvars\"\ne = \"tfvars\"\n",
            ),
            (
                "terraform.tfvars.json",
                r#"{"b": "tfvars.json", "c": "tfvars.json", "d": "tfvars.json", "e": "tfvars.json"}"#,
            ),
            (
                "a.auto.tfvars",
                "c = \"a.auto\"\nd = \"a.auto\"\ne = \"a.auto\"\n",
            ),
            (
                "b.auto.tfvars.json",
                r#"{"d": "b.auto.json", "e": "b.auto.json"}"#,
            ),
            ("extra.tfvars", "e = \"var-file\"\nf = \"var-file\"\n"),
        ],
    );
    let (vals, d) = run(
        &dir,
        vec![
            VarArg::Var("f=cli-first".into()),
            VarArg::VarFile("extra.tfvars".into()),
            VarArg::Var("e=cli".into()),
        ],
        &[
            ("TF_VAR_a", "env"),
            ("TF_VAR_g", "env"),
            ("TF_VAR_undeclared", "x"),
        ],
    );
    assert!(d.is_empty(), "{d:?}");
    let s = |k: &str| vals[k].as_str().unwrap().to_string();
    assert_eq!(s("a"), "tfvars"); // tfvars beats env
    assert_eq!(s("b"), "tfvars.json"); // .json after terraform.tfvars
    assert_eq!(s("c"), "a.auto");
    assert_eq!(s("d"), "b.auto.json"); // lexical order of auto files
    assert_eq!(s("e"), "cli"); // -var after -var-file
    assert_eq!(s("f"), "var-file"); // -var-file after -var
    assert_eq!(s("g"), "env"); // env beats default
}

#[test]
fn string_values_are_parsed_for_complex_types() {
    let dir = TempDir::new(
        "complex",
        &[(
            "main.tf",
            r#"
variable "l" { type = list(string) }
variable "m" { type = map(number) }
variable "s" { type = string }
variable "n" { type = number }
variable "any" {}
"#,
        )],
    );
    let (vals, d) = run(
        &dir,
        vec![
            VarArg::Var(r#"l=["a", "b"]"#.into()),
            VarArg::Var("s=[not parsed]".into()),
            VarArg::Var("n=42".into()),
            VarArg::Var("any={x = 1}".into()),
        ],
        &[("TF_VAR_m", "{ a = 1, b = 2 }")],
    );
    assert!(d.is_empty(), "{d:?}");
    let l: Vec<&str> = vals["l"]
        .as_seq()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(l, ["a", "b"]);
    assert_eq!(
        vals["m"]
            .get_attr("b")
            .or_else(|| vals["m"].as_map().and_then(|m| m.get("b")))
            .unwrap(),
        &Value::int(2)
    );
    assert_eq!(vals["s"].as_str(), Some("[not parsed]"));
    assert_eq!(vals["n"], Value::int(42));
    assert_eq!(
        vals["any"].as_str(),
        Some("{x = 1}"),
        "untyped variables take the string as is"
    );
}

#[test]
fn type_errors_name_the_variable() {
    let dir = TempDir::new(
        "typeerr",
        &[
            ("main.tf", "variable \"count_of\" {\n  type = number\n}\nvariable \"o\" {\n  type = object({ a = string })\n}\n"),
            ("terraform.tfvars", "count_of = \"three\"\no = { b = 1 }\n"),
        ],
    );
    let (vals, d) = run(&dir, vec![], &[]);
    assert!(vals.is_empty());
    let msgs: Vec<String> = d
        .iter()
        .map(|d| {
            format!(
                "{}: {} @ {:?}",
                d.summary,
                d.detail,
                d.span.as_ref().map(|s| s.to_string())
            )
        })
        .collect();
    assert_eq!(msgs.len(), 2, "{msgs:#?}");
    assert!(msgs[0].starts_with("Invalid value for input variable: The given value is not suitable for var.count_of declared at main.tf:1,1-20: a number is required."), "{msgs:#?}");
    assert!(
        msgs[0].ends_with("@ Some(\"terraform.tfvars:1:12\")"),
        "{msgs:#?}"
    );
    assert!(
        msgs[1].contains("var.o declared at main.tf:4,1-13: attribute \"a\" is required."),
        "{msgs:#?}"
    );
}

#[test]
fn required_and_undeclared_variables() {
    let dir = TempDir::new(
        "required",
        &[
            ("main.tf", "variable \"needed\" {\n  type = string\n}\nvariable \"nn\" {\n  nullable = false\n}\n"),
            ("terraform.tfvars", "nn = null\nstray1 = 1\nstray2 = 2\nstray3 = 3\n"),
        ],
    );
    let (_, d) = run(
        &dir,
        vec![VarArg::Var("nope=1".into()), VarArg::Var("novalue".into())],
        &[("TF_VAR_ignored", "1")],
    );
    let got: Vec<(Severity, &str)> = d.iter().map(|d| (d.severity, d.summary.as_str())).collect();
    assert_eq!(
        got,
        [
            (Severity::Error, "Value for undeclared variable"),
            (Severity::Error, "Invalid -var option"),
            (Severity::Warning, "Value for undeclared variable"),
            (Severity::Warning, "Value for undeclared variable"),
            (Severity::Warning, "Values for undeclared variables"),
            (Severity::Error, "No value for required variable"),
            (Severity::Error, "Invalid value for input variable"),
        ]
    );
    assert!(d.0[0]
        .detail
        .contains("A variable named \"nope\" was assigned on the command line"));
    assert!(d.0[2]
        .detail
        .contains("a value was found in file \"terraform.tfvars\""));
    assert!(d.0[4].detail.contains("1 other variable(s)"));
    assert!(d.0[5].detail.contains(
        "The root module input variable \"needed\" is not set, and has no default value."
    ));
    assert_eq!(d.0[5].span.as_ref().unwrap().to_string(), "main.tf:1:1");
    assert!(d.0[6]
        .detail
        .contains("required variable may not be set to null"));
    assert!(d.iter().all(|d| d.help.is_some()));
}

#[test]
fn missing_var_file_and_bad_tfvars() {
    let dir = TempDir::new(
        "badfiles",
        &[
            ("main.tf", "variable \"a\" {\n  default = 1\n}\n"),
            ("terraform.tfvars", "a = var.b\nblock {}\n"),
        ],
    );
    let (_, d) = run(&dir, vec![VarArg::VarFile("nope.tfvars".into())], &[]);
    let got: Vec<&str> = d.iter().map(|d| d.summary.as_str()).collect();
    assert!(got.contains(&"Failed to read variables file"), "{got:?}");
    assert!(got.contains(&"Unexpected \"block\" block"), "{got:?}");
    assert!(
        d.iter().any(|d| d
            .span
            .as_ref()
            .is_some_and(|s| s.to_string() == "terraform.tfvars:1:5")),
        "{d:?}"
    );
}

#[test]
fn required_variables_without_value_are_asked_for_in_name_order() {
    let dir = TempDir::new(
        "prompt",
        &[(
            "main.tf",
            r#"
variable "zone" {
  type        = string
  description = "The zone"
}
variable "counts" { type = list(number) }
variable "given" { type = string }
variable "defaulted" {
  type    = string
  default = "d"
}
variable "skipped" { type = string }
"#,
        )],
    );
    let asked = std::sync::Arc::new(std::sync::Mutex::new(Vec::<(String, Option<String>)>::new()));
    let log = asked.clone();
    let prompt = Prompt(std::sync::Arc::new(
        move |v: &girder_lang::config::Variable| {
            log.lock()
                .unwrap()
                .push((v.name.clone(), v.description.clone()));
            match v.name.as_str() {
                "zone" => Some("eu-west-1a".to_string()),
                "counts" => Some("[1, 2]".to_string()),
                _ => None, // nothing could be read (EOF)
            }
        },
    ));
    let (m, d) = load_module_dir(&dir.0);
    assert!(d.is_empty(), "{d:?}");
    let (vals, d) = collect_inputs(
        &m,
        &InputOptions {
            dir: dir.0.clone(),
            args: vec![VarArg::Var("given=x".into())],
            env: vec![],
            prompt: Some(prompt),
        },
    );
    assert_eq!(
        *asked.lock().unwrap(),
        vec![
            ("counts".to_string(), None),
            ("skipped".to_string(), None),
            ("zone".to_string(), Some("The zone".to_string())),
        ]
    );
    assert_eq!(vals["zone"], Value::string("eu-west-1a"));
    assert_eq!(vals["counts"].ty().to_string(), "list(number)");
    assert_eq!(vals["counts"].len(), Some(2));
    assert_eq!(vals["given"], Value::string("x"));
    // the one with no answer is still the error it is without a prompt
    let errors: Vec<_> = d.iter().filter(|x| x.severity == Severity::Error).collect();
    assert_eq!(errors.len(), 1, "{d:?}");
    assert_eq!(errors[0].summary, "No value for required variable");
    assert!(errors[0].detail.contains("\"skipped\""));
}
