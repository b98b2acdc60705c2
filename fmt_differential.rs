//! Differential test: runs the real `terraform fmt` (1.0.3) live on every fmt fixture input
//! and seed configuration and compares with girder, so that drift in the recorded expected
//! outputs is caught too.
//!
//! The binary is `$TERRAFORM_BIN`, else `<workspace>/target/tools/terraform`
//! (`tests/tools/install-terraform`). Without it the test says so and returns, except when
//! `CI` is set, where it fails.

use girder_lang::fmt::format_source;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn terraform() -> Option<PathBuf> {
    let p = match std::env::var_os("TERRAFORM_BIN") {
        Some(p) => PathBuf::from(p),
        None => root().join("target/tools/terraform"),
    };
    if p.is_file() {
        return Some(p);
    }
    if std::env::var_os("CI").is_some() {
        panic!("terraform binary not found at {} (CI is set)", p.display());
    }
    println!("terraform binary not found at {}; skipping the differential fmt test", p.display());
    None
}

fn inputs() -> Vec<PathBuf> {
    let mut v = Vec::new();
    for e in std::fs::read_dir(root().join("tests/fixtures/fmt")).expect("fixture dir") {
        let p = e.expect("entry").path();
        let n = p.file_name().unwrap().to_string_lossy().to_string();
        if n.ends_with(".tf") && !n.ends_with(".out.tf") {
            v.push(p);
        }
    }
    for d in std::fs::read_dir(root().join("tests/fixtures/seed-configs")).expect("seeds") {
        let d = d.expect("entry").path();
        if d.is_dir() {
            for f in std::fs::read_dir(&d).expect("seed dir") {
                let f = f.expect("entry").path();
                if f.extension().is_some_and(|e| e == "tf") {
                    v.push(f);
                }
            }
        }
    }
    v.sort();
    v
}

/// Formats `src` with the real terraform, in file mode (what `terraform fmt` writes).
pub fn terraform_fmt(tf: &Path, src: &str) -> Option<String> {
    let dir = std::env::temp_dir().join(format!("girder-fmt-diff-{}-{}", std::process::id(), rand_suffix()));
    std::fs::create_dir_all(&dir).ok()?;
    let file = dir.join("x.tf");
    std::fs::write(&file, src).ok()?;
    let ok = Command::new(tf)
        .args(["fmt", "-no-color", "-list=false"])
        .arg(&file)
        .current_dir(&dir)
        .output()
        .ok()?
        .status
        .success();
    let out = std::fs::read_to_string(&file).ok();
    let _ = std::fs::remove_dir_all(&dir);
    if ok {
        out
    } else {
        None
    }
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

#[test]
fn fmt_matches_live_terraform() {
    let Some(tf) = terraform() else { return };
    let mut failures = Vec::new();
    let inputs = inputs();
    assert!(inputs.len() >= 48);
    for input in &inputs {
        let src = std::fs::read_to_string(input).expect("read");
        let want = terraform_fmt(&tf, &src);
        let got = format_source(&src, "x.tf").ok();
        if want != got {
            failures.push(format!("{}:\n  terraform: {want:?}\n  girder:    {got:?}", input.display()));
        }
    }
    assert!(failures.is_empty(), "{} differ:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn fmt_stdin_mode_matches_terraform() {
    // `terraform fmt -` prints through its UI writer: one trailing newline is dropped and one
    // is added. girder's CLI must do the same; this checks our understanding on a few inputs.
    let Some(tf) = terraform() else { return };
    for src in ["a = 1", "a = 1\n", "", "a=1\n\n\n", "# c"] {
        let out = Command::new(&tf)
            .args(["fmt", "-no-color", "-"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .and_then(|mut c| {
                use std::io::Write;
                c.stdin.take().expect("stdin").write_all(src.as_bytes())?;
                c.wait_with_output()
            })
            .expect("run terraform");
        let formatted = format_source(src, "<stdin>").expect("formats");
        let ui = format!("{}\n", formatted.strip_suffix('\n').unwrap_or(&formatted));
        assert_eq!(String::from_utf8_lossy(&out.stdout), ui, "input {src:?}");
    }
}
