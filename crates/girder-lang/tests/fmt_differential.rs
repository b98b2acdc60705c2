//! Differential test: runs the real `terraform fmt` (1.0.3) live on every fmt fixture input
//! and seed configuration and compares with girder, so that drift in the recorded expected
//! outputs is caught too.
//!
//! The binary is `$TERRAFORM_BIN`, else `<workspace>/target/tools/terraform`
//! (`tests/tools/install-terraform`). Without it the test says so and returns, except when
//! `CI` is set, where it fails.

mod fmt_gen;

use girder_lang::fmt::format_source;
use proptest::prelude::Rng;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;
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
    println!(
        "terraform binary not found at {}; skipping the differential fmt test",
        p.display()
    );
    None
}

fn inputs() -> Vec<PathBuf> {
    let mut v = Vec::new();
    let fixtures = root().join("tests/fixtures/fmt");
    for sub in ["", "edge", "invalid"] {
        for e in std::fs::read_dir(fixtures.join(sub)).expect("fixture dir") {
            let p = e.expect("entry").path();
            let n = p.file_name().unwrap().to_string_lossy().to_string();
            if n.ends_with(".tf") && !n.ends_with(".out.tf") {
                v.push(p);
            }
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
    // Extra inputs to compare (e.g. real-world configurations):
    // GIRDER_FMT_EXTRA_DIR=/path/to/dir (all *.tf files below it).
    if let Some(extra) = std::env::var_os("GIRDER_FMT_EXTRA_DIR") {
        let mut stack = vec![PathBuf::from(extra)];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|e| e == "tf") {
                    v.push(p);
                }
            }
        }
    }
    v.sort();
    v
}

/// Formats each source with the real terraform in one `terraform fmt <dir>` run (file mode:
/// what `terraform fmt` writes). `None` for the sources terraform rejects. Also returns the
/// scratch directory, which keeps the inputs (`.in`) and terraform's outputs (`.tf`); the
/// caller removes it when everything matched.
fn terraform_fmt_batch(tf: &Path, tag: &str, srcs: &[String]) -> (Vec<Option<String>>, PathBuf) {
    let dir = std::env::temp_dir().join(format!("girder-fmt-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let name = |i: usize| format!("c{i:05}.tf");
    for (i, src) in srcs.iter().enumerate() {
        std::fs::write(dir.join(name(i)), src).expect("write");
        std::fs::write(dir.join(format!("c{i:05}.in")), src).expect("write");
    }
    let out = Command::new(tf)
        .args(["fmt", "-no-color", "-list=false", "."])
        .current_dir(&dir)
        .output()
        .expect("run terraform");
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let res = (0..srcs.len())
        .map(|i| {
            if stderr.contains(&name(i)) {
                None
            } else {
                Some(std::fs::read_to_string(dir.join(name(i))).expect("read back"))
            }
        })
        .collect();
    (res, dir)
}

/// Compares girder with terraform on `srcs`; returns the differences.
fn compare(tf: &Path, tag: &str, labels: &[String], srcs: &[String]) -> (usize, Vec<String>) {
    let (wants, dir) = terraform_fmt_batch(tf, tag, srcs);
    let mut failures = Vec::new();
    let mut compared = 0;
    for ((label, src), want) in labels.iter().zip(srcs).zip(wants) {
        let got = format_source(src, "x.tf");
        let Some(want) = want else {
            if got.is_ok() {
                failures.push(format!(
                    "{label}: terraform rejects it, girder formats it:\n{src}"
                ));
            }
            continue;
        };
        compared += 1;
        match got {
            Ok(g) if g == want => {}
            Ok(g) => failures.push(format!(
                "{label}:\n--- input\n{src}\n--- terraform\n{want}\n--- girder\n{g}"
            )),
            Err(d) => failures.push(format!("{label}: girder error {d:?}\n{src}")),
        }
    }
    if failures.is_empty() {
        let _ = std::fs::remove_dir_all(&dir);
    } else {
        println!(
            "inputs (.in) and terraform outputs (.tf) kept in {}",
            dir.display()
        );
    }
    (compared, failures)
}

#[test]
fn fmt_matches_live_terraform() {
    let Some(tf) = terraform() else { return };
    let inputs = inputs();
    assert!(inputs.len() >= 100, "only {} inputs", inputs.len());
    let labels: Vec<String> = inputs.iter().map(|p| p.display().to_string()).collect();
    let mut srcs: Vec<String> = inputs
        .iter()
        .map(|p| std::fs::read_to_string(p).expect("read"))
        .collect();
    // variants: CRLF line endings, and tabs for indentation
    let mut labels = labels;
    for i in 0..srcs.len() {
        let crlf = srcs[i].replace('\n', "\r\n");
        let tabs: String = srcs[i]
            .split_inclusive('\n')
            .map(|l| match l.strip_prefix("  ") {
                Some(rest) => format!("\t{rest}"),
                None => l.to_string(),
            })
            .collect();
        labels.push(format!("{} (CRLF)", labels[i]));
        srcs.push(crlf);
        labels.push(format!("{} (tabs)", labels[i]));
        srcs.push(tabs);
    }
    let (compared, failures) = compare(&tf, "fixtures", &labels, &srcs);
    assert!(compared >= 240, "only {compared} valid inputs");
    assert!(
        failures.is_empty(),
        "{} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Generated configurations (deterministic seed; `GIRDER_FMT_DIFF_CASES`, default 300;
/// `GIRDER_FMT_DIFF_SEED`), plus broken variants of half of them.
#[test]
fn fmt_matches_live_terraform_on_generated_configs() {
    let Some(tf) = terraform() else { return };
    let n: usize = std::env::var("GIRDER_FMT_DIFF_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    // GIRDER_FMT_DIFF_SEED=<n> explores other configurations (default: proptest's fixed seed)
    let mut runner = match std::env::var("GIRDER_FMT_DIFF_SEED")
        .ok()
        .and_then(|v| v.parse::<u8>().ok())
    {
        Some(seed) => TestRunner::new_with_rng(
            proptest::test_runner::Config::default(),
            proptest::test_runner::TestRng::from_seed(
                proptest::test_runner::RngAlgorithm::ChaCha,
                &[seed; 32],
            ),
        ),
        None => TestRunner::deterministic(),
    };
    let strategy = fmt_gen::config();
    let mut srcs: Vec<String> = (0..n)
        .map(|_| strategy.new_tree(&mut runner).expect("generate").current())
        .collect();
    // Also broken variants (a character deleted or inserted), to compare what is rejected.
    let junk = b"{}[]()\"=,.:?\n#$%~<-*!";
    for i in 0..n / 2 {
        let mut s = srcs[i].clone().into_bytes();
        if s.is_empty() {
            continue;
        }
        let pos = runner.rng().next_u32() as usize % s.len();
        if runner.rng().next_u32() & 1 == 0 {
            s.remove(pos);
        } else {
            s.insert(pos, junk[runner.rng().next_u32() as usize % junk.len()]);
        }
        if let Ok(s) = String::from_utf8(s) {
            srcs.push(s);
        }
    }
    let n = srcs.len();
    let labels: Vec<String> = (0..n).map(|i| format!("generated config {i}")).collect();
    let (compared, failures) = compare(&tf, "gen", &labels, &srcs);
    assert!(
        compared * 3 >= n,
        "too few generated configs were valid: {compared} of {n}"
    );
    assert!(
        failures.is_empty(),
        "{} of {n} differ:\n{}",
        failures.len(),
        failures
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn fmt_stdin_mode_matches_terraform() {
    // `terraform fmt -` prints through its UI writer: one trailing newline is dropped and one
    // is added. girder's CLI must do the same; this checks that understanding on a few inputs.
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
        let ui = girder_lang::fmt::stdin_output(&formatted);
        assert_eq!(String::from_utf8_lossy(&out.stdout), ui, "input {src:?}");
    }
}
