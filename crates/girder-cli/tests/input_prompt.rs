//! Required variables without a value: the real `girder` binary asks for them when stdin is a
//! terminal (a pseudo-terminal here) and `-input` is not false, with Terraform's prompt; with
//! `-input=false`, `TF_INPUT=0` or a stdin that is not a terminal it is the "No value for
//! required variable" error, and nothing is asked.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const CONFIG: &str = r#"
variable "region" {
  type        = string
  description = "The region to deploy into."
}

variable "zones" {
  type = list(string)
}

variable "tier" {
  type    = string
  default = "small"
}

output "summary" {
  value = "${var.region}: ${join(",", var.zones)} (${var.tier})"
}
"#;

fn config_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.tf"), CONFIG).unwrap();
    dir
}

fn girder(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_girder"));
    cmd.current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("TF_INPUT")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, _) in std::env::vars() {
        if k.starts_with("TF_VAR_") {
            cmd.env_remove(k);
        }
    }
    cmd
}

/// Runs `cmd` with a pseudo-terminal as stdin, typing `typed` into it; stdout and stderr are
/// pipes. A watchdog kills the child if it is still running after two minutes (so a
/// regression that waits for input fails instead of hanging).
fn run_with_tty(mut cmd: Command, typed: &str) -> Output {
    use rustix::pty::{grantpt, openpt, ptsname, unlockpt, OpenptFlags};
    let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY | OpenptFlags::CLOEXEC).unwrap();
    grantpt(&master).unwrap();
    unlockpt(&master).unwrap();
    let name = ptsname(&master, Vec::new()).unwrap();
    let slave = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(name.to_str().unwrap())
        .unwrap();
    let child = cmd.stdin(Stdio::from(slave)).spawn().unwrap();
    let pid = child.id();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let watchdog = {
        let done = done.clone();
        std::thread::spawn(move || {
            for _ in 0..1200 {
                if done.load(std::sync::atomic::Ordering::Relaxed) {
                    return;
                }
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
        })
    };
    let mut master = std::fs::File::from(master);
    master.write_all(typed.as_bytes()).unwrap();
    // the terminal echoes what was typed back to the master: drain it so the child never
    // blocks on a full buffer
    let mut echo = master.try_clone().unwrap();
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut echo, &mut std::io::sink());
    });
    let out = child.wait_with_output().unwrap();
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    watchdog.join().unwrap();
    out
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn console_asks_for_required_variables_on_a_terminal() {
    let dir = config_dir();
    let out = run_with_tty(
        girder(dir.path(), &["console"]),
        "eu-west-1\n[\"a\", \"b\"]\nvar.region\njoin(\",\", var.zones)\nvar.tier\nexit\n",
    );
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    // Terraform's prompt, variables in name order; the one with a default is not asked for
    assert_eq!(
        text(&out.stdout),
        "var.region\n  The region to deploy into.\n\n  Enter a value: \n\
         var.zones\n  Enter a value: \n\
         \"eu-west-1\"\n\"a,b\"\n\"small\"\n"
    );
}

#[test]
fn plan_asks_on_a_terminal_and_uses_the_answers() {
    let dir = config_dir();
    let out = run_with_tty(girder(dir.path(), &["plan"]), "us-east-2\n[\"x\"]\n");
    let stdout = text(&out.stdout);
    assert!(
        out.status.success(),
        "stdout: {stdout}\nstderr: {}",
        text(&out.stderr)
    );
    assert!(
        stdout.starts_with("var.region\n  The region to deploy into.\n\n  Enter a value: \nvar.zones\n  Enter a value: \n"),
        "{stdout}"
    );
    assert!(stdout.contains("us-east-2: x (small)"), "{stdout}");
}

#[test]
fn no_prompt_with_input_false_or_tf_input_0() {
    let dir = config_dir();
    let cases: Vec<(Command, &str)> = vec![
        (
            girder(dir.path(), &["plan", "-input=false"]),
            "plan -input=false",
        ),
        (
            {
                let mut c = girder(dir.path(), &["plan"]);
                c.env("TF_INPUT", "0");
                c
            },
            "TF_INPUT=0",
        ),
    ];
    for (cmd, what) in cases {
        let out = run_with_tty(cmd, "never-read\n[\"x\"]\n");
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{what}: {stderr}");
        assert!(!text(&out.stdout).contains("Enter a value"), "{what}");
        assert!(
            stderr.contains("No value for required variable"),
            "{what}: {stderr}"
        );
        assert!(stderr.contains("\"region\""), "{what}: {stderr}");
        assert!(stderr.contains("\"zones\""), "{what}: {stderr}");
    }
}

#[test]
fn no_prompt_when_stdin_is_not_a_terminal() {
    let dir = config_dir();
    let mut child = girder(dir.path(), &["console"])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"eu-west-1\nvar.region\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(!text(&out.stdout).contains("Enter a value"));
    assert!(
        stderr.contains("No value for required variable"),
        "{stderr}"
    );
    assert!(
        stderr.contains("main.tf:2:"),
        "the error points at the declaration: {stderr}"
    );
}
