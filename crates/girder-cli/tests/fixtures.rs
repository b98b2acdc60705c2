//! Data-driven CLI fixtures: each `tests/fixtures/<case>/` holds configuration and state files
//! and a `cmd` file of commands, run in a temporary copy of the case directory. The transcript
//! (command, exit code, stdout, stderr) is compared with an insta snapshot.
//!
//! `cmd` lines:
//! * `[NAME=VALUE...] girder ARGS... [<<< INPUT | < FILE]`: runs the binary with those
//!   environment variables (arguments split on spaces; `'...'` quotes one argument);
//!   `<<< INPUT` feeds one line on stdin, `< FILE` a file of the case.
//! * `cat FILE`, `ls [DIR]`, `cp SRC DST`, `rm FILE`, `write FILE TEXT`: file operations,
//!   shown in the transcript (`cat` output is redacted like command output).
//! * `lock ID` / `unlock`: the harness itself takes (releases) the state lock of the current
//!   workspace of the local backend (or of the case's s3 backend) with lock ID `ID`, so the
//!   commands that follow see a live holder.
//! * `# ...`: a comment.
//!
//! After every command the harness checks that the command left no lock behind: the lock
//! files in the case directory are the ones there before it (a command may remove one).
//!
//! Cases under `tests/fixtures_s3/` run against the local AWS emulator; `@ENDPOINT@`,
//! `@BUCKET@` and `@TABLE@` in their files are replaced by the emulator's URL, a fresh bucket
//! and a lock table.

#[path = "../../girder-state/tests/support/emulator.rs"]
mod emulator;

use girder_state::s3::{S3Backend, S3Config};
use girder_state::{Backend, LocalBackend, LockInfo};
use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn copy_dir(from: &Path, to: &Path, subst: &[(String, String)]) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dst = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dst, subst);
        } else {
            let bytes = std::fs::read(e.path()).unwrap();
            let bytes = match String::from_utf8(bytes) {
                Ok(mut s) => {
                    for (k, v) in subst {
                        s = s.replace(k, v);
                    }
                    s.into_bytes()
                }
                Err(e) => e.into_bytes(),
            };
            std::fs::write(dst, bytes).unwrap();
        }
    }
}

/// Splits a command line on spaces, honouring single quotes.
fn split(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut any = false;
    for c in line.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                any = true;
            }
            ' ' if !quoted => {
                if any {
                    out.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            c => {
                cur.push(c);
                any = true;
            }
        }
    }
    if any {
        out.push(cur);
    }
    out
}

fn is_hex(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Replaces UUIDs, RFC 3339 times, bcrypt hashes, temporary file names and the given
/// strings with stable placeholders.
fn redact(text: &str, subst: &[(String, String)]) -> String {
    let mut s = text.to_string();
    for (from, to) in subst {
        if !from.is_empty() {
            s = s.replace(from, to);
        }
    }
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < b.len() {
        let rest = &s[i..];
        // UUID 8-4-4-4-12
        if rest.len() >= 36 && rest.is_char_boundary(36) {
            let c = &rest[..36];
            let parts: Vec<&str> = c.split('-').collect();
            if parts.len() == 5
                && [8, 4, 4, 4, 12]
                    .iter()
                    .zip(&parts)
                    .all(|(n, p)| p.len() == *n && is_hex(p))
            {
                out.push_str("<UUID>");
                i += 36;
                continue;
            }
        }
        // 2024-01-02T03:04:05[.frac](Z|+hh:mm)
        if rest.len() >= 20 && rest.is_char_boundary(19) {
            let c = &rest.as_bytes()[..19];
            let digits = |r: std::ops::Range<usize>| r.into_iter().all(|k| c[k].is_ascii_digit());
            if digits(0..4)
                && c[4] == b'-'
                && digits(5..7)
                && c[7] == b'-'
                && digits(8..10)
                && c[10] == b'T'
                && digits(11..13)
                && c[13] == b':'
                && digits(14..16)
                && c[16] == b':'
                && digits(17..19)
            {
                let mut j = 19;
                let rb = rest.as_bytes();
                if j < rb.len() && rb[j] == b'.' {
                    j += 1;
                    while j < rb.len() && rb[j].is_ascii_digit() {
                        j += 1;
                    }
                }
                if j < rb.len() && rb[j] == b'Z' {
                    j += 1;
                } else if j + 6 <= rb.len() && (rb[j] == b'+' || rb[j] == b'-') {
                    j += 6;
                }
                out.push_str("<TIME>");
                i += j;
                continue;
            }
        }
        if rest.starts_with("$2b$10$") && rest.len() >= 60 {
            out.push_str("<BCRYPT>");
            i += 60;
            continue;
        }
        if rest.starts_with("girder-state-") {
            let end = rest.find(".tfstate").unwrap_or(13);
            out.push_str("girder-state-<TMP>");
            i += end;
            continue;
        }
        let ch = rest.chars().next().unwrap();
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

/// `x.tfstate.1700000000.backup` -> `x.tfstate.<UNIX>.backup`.
fn redact_backup_name(n: &str) -> String {
    if let Some(rest) = n.strip_suffix(".backup") {
        if let Some((base, ts)) = rest.rsplit_once('.') {
            if !ts.is_empty() && ts.bytes().all(|b| b.is_ascii_digit()) {
                return format!("{base}.<UNIX>.backup");
            }
        }
    }
    n.to_string()
}

fn lock_files(dir: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.to_string_lossy().ends_with(".lock.info") {
                out.insert(p.strip_prefix(dir).unwrap().to_string_lossy().into_owned());
            }
        }
    }
    out
}

struct S3Env {
    config: S3Config,
}

fn run_case(
    case_dir: &Path,
    name: &str,
    s3: Option<&S3Env>,
    subst: &[(String, String)],
    redactions: &[(String, String)],
) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path().join("work");
    copy_dir(case_dir, &work, subst);
    let cmds = std::fs::read_to_string(work.join("cmd")).unwrap();
    std::fs::remove_file(work.join("cmd")).unwrap();
    let mut redactions = redactions.to_vec();
    redactions.insert(0, (work.to_string_lossy().into_owned(), "<DIR>".into()));
    let mut transcript = String::new();
    let mut held: Option<(Box<dyn Backend>, String)> = None;
    for line in cmds.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        transcript.push_str(&format!("$ {}\n", redact(line, &redactions)));
        let (line, input) = match line.split_once(" <<< ") {
            Some((l, i)) => (l, Some(format!("{i}\n"))),
            None => match line.split_once(" < ") {
                Some((l, f)) => (
                    l,
                    Some(std::fs::read_to_string(work.join(f.trim())).unwrap()),
                ),
                None => (line, None),
            },
        };
        let mut args = split(line);
        let mut envs = Vec::new();
        while args.len() > 1 && args[0].contains('=') {
            let a = args.remove(0);
            let (k, v) = a.split_once('=').unwrap();
            envs.push((k.to_string(), v.to_string()));
        }
        match args[0].as_str() {
            "girder" => {
                let before = lock_files(&work);
                let mut cmd = Command::new(env!("CARGO_BIN_EXE_girder"));
                cmd.args(&args[1..])
                    .current_dir(&work)
                    .env("NO_COLOR", "1")
                    .env("USER", "tester")
                    .env_remove("TF_WORKSPACE")
                    .env_remove("CI_JOB_URL")
                    .env_remove("GITHUB_SERVER_URL")
                    .env_remove("GIRDER_STATE_ENCRYPTION_KEY")
                    .env_remove("GIRDER_STATE_ENCRYPTION_PASSPHRASE")
                    .envs(envs.iter().map(|(k, v)| (k, v)))
                    .stdin(Stdio::piped())
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped());
                let mut child = cmd.spawn().unwrap();
                {
                    let mut stdin = child.stdin.take().unwrap();
                    if let Some(i) = &input {
                        let _ = stdin.write_all(i.as_bytes());
                    }
                }
                let out = child.wait_with_output().unwrap();
                let stdout = String::from_utf8_lossy(&out.stdout);
                let stderr = String::from_utf8_lossy(&out.stderr);
                assert!(
                    !stderr.contains("panicked"),
                    "{name}: `{line}` panicked:\n{stderr}"
                );
                let code = out.status.code();
                transcript.push_str(&format!(
                    "exit: {}\n",
                    code.map_or("signal".to_string(), |c| c.to_string())
                ));
                if !stdout.is_empty() {
                    transcript.push_str(&format!("--- stdout\n{}", redact(&stdout, &redactions)));
                    if !stdout.ends_with('\n') {
                        transcript.push_str("\n<no newline at end>\n");
                    }
                }
                if !stderr.is_empty() {
                    transcript.push_str(&format!("--- stderr\n{}", redact(&stderr, &redactions)));
                }
                let after = lock_files(&work);
                let leaked: Vec<_> = after.difference(&before).collect();
                assert!(
                    leaked.is_empty(),
                    "{name}: `{line}` left a lock behind: {leaked:?}"
                );
                if let Some(s3) = s3 {
                    if held.is_none() {
                        let b = S3Backend::new(s3.config.clone()).unwrap();
                        let ws = std::fs::read_to_string(work.join(".terraform/environment"))
                            .unwrap_or_else(|_| "default".into());
                        let b: Box<dyn Backend> = if ws == "default" {
                            Box::new(b)
                        } else {
                            b.select_workspace(&ws).unwrap()
                        };
                        assert!(
                            b.lock_info().unwrap().is_none(),
                            "{name}: `{line}` left an s3 lock behind"
                        );
                    }
                }
            }
            "cat" => {
                let text = std::fs::read_to_string(work.join(&args[1]))
                    .unwrap_or_else(|e| format!("<{e}>\n"));
                transcript.push_str(&redact(&text, &redactions));
                if !text.ends_with('\n') {
                    transcript.push_str("\n<no newline at end>\n");
                }
            }
            "ls" => {
                let dir = work.join(args.get(1).map(String::as_str).unwrap_or("."));
                let names: Vec<String> = std::fs::read_dir(dir)
                    .unwrap()
                    .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                    .collect();
                // Timestamped backups (`terraform.tfstate.<unix time>.backup`) are listed once.
                let mut shown: Vec<String> = names.iter().map(|n| redact_backup_name(n)).collect();
                shown.sort();
                shown.dedup();
                for n in shown {
                    transcript.push_str(&format!("{n}\n"));
                }
            }
            "cp" => {
                std::fs::copy(work.join(&args[1]), work.join(&args[2])).unwrap();
            }
            "rm" => {
                std::fs::remove_file(work.join(&args[1])).unwrap();
            }
            "write" => {
                std::fs::write(work.join(&args[1]), format!("{}\n", args[2..].join(" "))).unwrap();
            }
            "lock" => {
                let ws = std::fs::read_to_string(work.join(".terraform/environment"))
                    .unwrap_or_else(|_| "default".into());
                let b: Box<dyn Backend> = match s3 {
                    Some(s3) => Box::new(S3Backend::new(s3.config.clone()).unwrap()),
                    None => Box::new(LocalBackend::new(&work)),
                };
                let b = if ws == "default" {
                    b
                } else {
                    b.select_workspace(&ws).unwrap()
                };
                let mut info = LockInfo::new("OperationTypeApply");
                info.id = args[1].clone();
                info.who = "tester@host".into();
                info.created = "2026-01-02T03:04:05Z".into();
                info.version = "1.0.3".into();
                b.lock(&info, std::time::Duration::ZERO).unwrap();
                held = Some((b, args[1].clone()));
            }
            "unlock" => {
                if let Some((b, id)) = held.take() {
                    let _ = b.unlock(&id);
                }
            }
            other => panic!("{name}: unknown fixture command {other:?}"),
        }
    }
    if let Some((b, id)) = held.take() {
        let _ = b.unlock(&id);
    }
    transcript
}

fn cases(dir: &str) -> Vec<(String, PathBuf)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(dir);
    let mut out: Vec<(String, PathBuf)> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.path().join("cmd").is_file())
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .collect();
    out.sort();
    out
}

#[test]
fn cli_fixtures() {
    let all = cases("fixtures");
    assert!(all.len() >= 10, "fixtures missing");
    for (name, dir) in all {
        let t = run_case(&dir, &name, None, &[], &[]);
        insta::assert_snapshot!(name.as_str(), t);
    }
}

#[test]
fn cli_fixtures_s3() {
    let emu = emulator::Emulator::shared();
    let table = emulator::unique("locks");
    emu.create_table(&table);
    for (name, dir) in cases("fixtures_s3") {
        let bucket = emulator::unique("girder-cli");
        emu.create_bucket(&bucket);
        let subst = vec![
            ("@ENDPOINT@".to_string(), emu.url.clone()),
            ("@BUCKET@".to_string(), bucket.clone()),
            ("@TABLE@".to_string(), table.clone()),
        ];
        let mut config = S3Config::new(bucket.clone(), "env/terraform.tfstate");
        config.region = Some(emulator::REGION.into());
        config.dynamodb_table = Some(table.clone());
        config.endpoints.s3 = Some(emu.url.clone());
        config.endpoints.dynamodb = Some(emu.url.clone());
        config.use_path_style = true;
        config.skip_credentials_validation = true;
        let env = S3Env { config };
        let redactions = vec![
            (emu.url.clone(), "<ENDPOINT>".to_string()),
            (bucket.clone(), "<BUCKET>".to_string()),
            (table.clone(), "<TABLE>".to_string()),
        ];
        let t = run_case(&dir, &name, Some(&env), &subst, &redactions);
        insta::assert_snapshot!(format!("s3_{name}").as_str(), t);
    }
}

#[test]
fn redaction() {
    assert_eq!(
        redact(
            "lineage 6f1b8f5e-1b2c-4c3d-8e4f-5a6b7c8d9e0f at 2026-01-02T03:04:05.123Z.",
            &[]
        ),
        "lineage <UUID> at <TIME>."
    );
    assert_eq!(
        split("girder -var 'a=b c' x"),
        ["girder", "-var", "a=b c", "x"]
    );
}
