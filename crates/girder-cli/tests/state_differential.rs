//! Differential test of the state and workspace commands against the real Terraform 1.0.3:
//! the same command sequence runs in two copies of a fixture directory, one with `terraform`,
//! one with `girder`; exit codes and stdout must agree (after replacing "terraform" /
//! "Terraform" by "girder"; `Move` lines compared as a set, as Terraform prints a module
//! move's instances in random order), and so must the final `state pull` byte for byte (serials,
//! ordering, formatting). Stderr is not compared: girder renders diagnostics with miette.
//!
//! The binary is `$TERRAFORM_BIN`, else `<workspace>/target/tools/terraform`
//! (`tests/tools/install-terraform`); without it the test is skipped, unless `CI` is set.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn terraform() -> Option<PathBuf> {
    let p = std::env::var_os("TERRAFORM_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target/tools/terraform"));
    p.is_file().then_some(p)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_file() && e.file_name() != "cmd" {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

/// Runs `bin WORDS... -no-color ARGS...` (`words` = the subcommand words) in `dir`.
fn run(bin: &Path, dir: &Path, words: &[&str], args: &[&str]) -> (i32, String) {
    let out = Command::new(bin)
        .args(words)
        .arg("-no-color")
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("TF_IN_AUTOMATION", "1")
        .env("CHECKPOINT_DISABLE", "1")
        .env_remove("TF_WORKSPACE")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout)
        .replace("terraform", "girder")
        .replace("Terraform", "girder");
    // Terraform reports the module instances of a module move in map order (random).
    let mut moves: Vec<&str> = stdout.lines().filter(|l| l.starts_with("Move ")).collect();
    moves.sort();
    let rest: Vec<&str> = stdout.lines().filter(|l| !l.starts_with("Move ")).collect();
    let stdout = format!("{}\n{}", moves.join("\n"), rest.join("\n"))
        + if stdout.ends_with("\n\n") { "\n" } else { "" };
    (out.status.code().unwrap_or(-1), stdout)
}

fn compare(fixture: &str, steps: &[(&[&str], &[&str])]) {
    let Some(tf) = terraform() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "terraform binary not found (set TERRAFORM_BIN or run tests/tools/install-terraform)"
        );
        eprintln!("skipping: no terraform binary (tests/tools/install-terraform installs it)");
        return;
    };
    let girder = PathBuf::from(env!("CARGO_BIN_EXE_girder"));
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(fixture);
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("terraform"), tmp.path().join("girder"));
    copy_dir(&src, &a);
    copy_dir(&src, &b);
    for (words, args) in steps {
        let want = run(&tf, &a, words, args);
        let got = run(&girder, &b, words, args);
        assert_eq!(
            got,
            want,
            "{fixture}: `{} {}` differs",
            words.join(" "),
            args.join(" ")
        );
    }
    let want = run(&tf, &a, &["state", "pull"], &[]);
    let got = run(&girder, &b, &["state", "pull"], &[]);
    assert_eq!(got, want, "{fixture}: final state differs");
}

#[test]
fn state_commands_agree_with_terraform() {
    const LIST: &[&str] = &["state", "list"];
    const MV: &[&str] = &["state", "mv"];
    const RM: &[&str] = &["state", "rm"];
    compare(
        "state_mv_rm",
        &[
            (LIST, &[]),
            (LIST, &["module.net"]),
            (LIST, &["random_pet.many"]),
            (LIST, &["-id=p_8B"]),
            (MV, &["random_pet.a", "random_pet.b"]),
            (MV, &["random_pet.many[1]", "random_pet.b"]),
            (MV, &["random_pet.many[1]", "random_pet.one"]),
            (MV, &["random_pet.b", "module.extra"]),
            (MV, &["random_pet.b", "module.extra.random_pet.b"]),
            (MV, &["module.extra.random_pet.b", "random_pet.many[7]"]),
            (MV, &["module.net", "module.network"]),
            (MV, &["random_pet.gone", "random_pet.other"]),
            (RM, &["random_pet.many[0]", "data.random_thing.lookup"]),
            (RM, &["module.network.module.inner"]),
            (RM, &["random_pet.notthere"]),
            (LIST, &[]),
        ],
    );
}

#[test]
fn push_and_workspaces_agree_with_terraform() {
    compare(
        "state_push",
        &[
            (&["state", "push"], &["other-lineage.tfstate"]),
            (&["state", "push"], &["older.tfstate"]),
            (&["state", "push"], &["newer.tfstate"]),
            (&["state", "list"], &[]),
            (&["workspace", "list"], &[]),
            (&["workspace", "new"], &["dev"]),
            (&["workspace", "list"], &[]),
            (&["workspace", "show"], &[]),
            (&["workspace", "select"], &["default"]),
            (&["workspace", "delete"], &["dev"]),
            (&["workspace", "list"], &[]),
            (&["workspace", "select"], &["nope"]),
            (&["workspace", "delete"], &["default"]),
            (&["force-unlock"], &["-force", "abc"]),
            (&["state", "show"], &["random_pet.nope"]),
            (&["state", "push"], &["-force", "other-lineage.tfstate"]),
        ],
    );
}

#[test]
fn output_agrees_with_terraform() {
    const OUT: &[&str] = &["output"];
    compare(
        "outputs",
        &[
            (OUT, &[]),
            (OUT, &["-json"]),
            (OUT, &["name"]),
            (OUT, &["-raw", "name"]),
            (OUT, &["-raw", "n"]),
            (OUT, &["-raw", "flag"]),
            (OUT, &["obj"]),
            (OUT, &["-raw", "obj"]),
            (OUT, &["secret"]),
            (OUT, &["-json", "obj"]),
            (OUT, &["multi"]),
            (OUT, &["tuple"]),
            (OUT, &["tags"]),
            (OUT, &["nope"]),
            (&["show"], &[]),
        ],
    );
    // (`output [NAME]` without outputs: Terraform prints its warning on stdout, girder on
    // stderr with every other diagnostic; the fixture `outputs_none` covers them.)
    compare("outputs_none", &[(OUT, &["-json"]), (&["show"], &[])]);
    // an empty directory: no state at all
    compare("version", &[(&["show"], &[])]);
}
