//! Data-driven checks of `Number` against outputs recorded from Terraform 1.0.3's console
//! (`tests/fixtures/number/cases.txt`), and a re-check of those recordings against the real
//! binary when it is available.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use girder_core::Number;

struct Case {
    line: String,
    expr: String,
    expected: String,
}

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/number")
}

/// Every case of every `*.txt` file in the fixture folder.
fn load_cases() -> Vec<Case> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixture_dir())
        .expect("fixture folder is readable")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    let mut cases = Vec::new();
    for file in files {
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text = std::fs::read_to_string(&file).expect("fixture file is readable");
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (expr, expected) = line
                .split_once(" => ")
                .unwrap_or_else(|| panic!("{name}:{}: expected `expr => output`", i + 1));
            cases.push(Case {
                line: format!("{name}:{}", i + 1),
                expr: expr.trim().to_string(),
                expected: expected.trim().to_string(),
            });
        }
    }
    cases
}

/// An operand: `( expression )`, a literal with an optional leading unary minus, `tonumber("...")`,
/// `pow(x,1)` (a float64 result: 53-bit precision), `length(range(n))` (a Go int: 64 bits),
/// `floor(x)`, `ceil(x)` or `abs(x)`.
fn operand(s: &str) -> Result<Number, String> {
    if let Some(inner) = s.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
        return eval(inner);
    }
    if let Some(inner) = s
        .strip_prefix("tonumber(\"")
        .and_then(|r| r.strip_suffix("\")"))
    {
        return Number::parse(inner).map_err(|e| e.to_string());
    }
    if let Some(inner) = s.strip_prefix("pow(").and_then(|r| r.strip_suffix(",1)")) {
        // Terraform rejects an argument beyond the f64 range ("value must be between ...").
        let x = operand(inner)?.to_f64();
        if x.is_infinite() {
            return Err("value out of float64 range".to_string());
        }
        return Number::from_f64(x).ok_or_else(|| "NaN".to_string());
    }
    if let Some(inner) = s
        .strip_prefix("length(range(")
        .and_then(|r| r.strip_suffix("))"))
    {
        return Ok(Number::from_i64(
            inner.parse::<i64>().map_err(|e| e.to_string())?,
        ));
    }
    for (name, f) in [
        ("floor(", Number::floor as fn(&Number) -> Number),
        ("ceil(", Number::ceil),
        ("abs(", Number::abs),
    ] {
        if let Some(inner) = s.strip_prefix(name).and_then(|r| r.strip_suffix(')')) {
            return Ok(f(&operand(inner)?));
        }
    }
    match s.strip_prefix('-') {
        Some(rest) => Ok(Number::parse(rest).map_err(|e| e.to_string())?.neg()),
        None => Number::parse(s).map_err(|e| e.to_string()),
    }
}

fn apply(a: &Number, op: &str, b: &Number) -> Result<Number, String> {
    let r = match op {
        "+" => a.checked_add(b),
        "-" => a.checked_sub(b),
        "*" => a.checked_mul(b),
        "/" => a.div(b),
        "%" => a.rem(b),
        other => panic!("unknown operator {other}"),
    };
    r.map_err(|e| e.to_string())
}

/// Evaluates `a OP b OP c ...` (operands separated from operators by spaces) with HCL's
/// precedence: `* / %` before `+ -`, left to right.
fn eval(expr: &str) -> Result<Number, String> {
    if expr.starts_with("tonumber(") {
        return operand(expr);
    }
    // Words, with a parenthesised group kept together as one operand.
    let mut toks: Vec<String> = Vec::new();
    let mut depth = 0i32;
    for w in expr.split_whitespace() {
        if depth > 0 {
            if let Some(last) = toks.last_mut() {
                last.push(' ');
                last.push_str(w);
            }
        } else {
            toks.push(w.to_string());
        }
        depth += w.matches('(').count() as i32 - w.matches(')').count() as i32;
    }
    let toks: Vec<&str> = toks.iter().map(String::as_str).collect();
    assert!(toks.len() % 2 == 1, "can't parse test expression {expr:?}");
    // First pass: multiplicative operators.
    let mut terms: Vec<Number> = vec![operand(toks[0])?];
    let mut adds: Vec<&str> = Vec::new();
    for pair in toks[1..].chunks(2) {
        let (op, rhs) = (pair[0], operand(pair[1])?);
        if matches!(op, "*" | "/" | "%") {
            let lhs = terms.pop().expect("a term");
            terms.push(apply(&lhs, op, &rhs)?);
        } else {
            adds.push(op);
            terms.push(rhs);
        }
    }
    let mut acc = terms[0].clone();
    for (op, t) in adds.iter().zip(&terms[1..]) {
        acc = apply(&acc, op, t)?;
    }
    Ok(acc)
}

fn render(r: &Result<Number, String>) -> String {
    match r {
        Ok(n) => n.to_string(),
        Err(_) => "error".to_string(),
    }
}

#[test]
fn number_fixture_cases() {
    let cases = load_cases();
    assert!(cases.len() >= 60, "only {} cases", cases.len());
    let mut failures = Vec::new();
    for c in &cases {
        let got = render(&eval(&c.expr));
        if got != c.expected {
            failures.push(format!(
                "line {}: {}\n  expected {}\n  got      {}",
                c.line, c.expr, c.expected, got
            ));
        }
        // Printing and parsing back gives the same value (for finite 512-bit results).
        if let Ok(n) = eval(&c.expr) {
            let s = n.to_string();
            assert!(!s.contains('e'), "{s}");
            if let (512, Ok(back)) = (n.precision(), Number::parse(&s)) {
                assert_eq!(back, n, "round trip of {} ({s})", c.expr);
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn terraform_bin() -> Option<PathBuf> {
    let p = match std::env::var_os("TERRAFORM_BIN") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/tools/terraform"),
    };
    if p.is_file() {
        Some(p)
    } else {
        None
    }
}

fn console(bin: &PathBuf, input: &str) -> (bool, String) {
    static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "girder-number-{}-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut child = Command::new(bin)
        .args(["console", "-no-color"])
        .current_dir(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("terraform runs");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(input.as_bytes()).expect("write stdin");
    }
    let out = child.wait_with_output().expect("terraform finishes");
    let _ = std::fs::remove_dir_all(&dir);
    let stderr = String::from_utf8_lossy(&out.stderr);
    (
        out.status.success() && !stderr.contains("Error"),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn number_fixture_matches_terraform() {
    let Some(bin) = terraform_bin() else {
        if std::env::var_os("CI").is_some() {
            panic!("terraform binary not found (set TERRAFORM_BIN)");
        }
        println!("terraform binary not found; skipping number_fixture_matches_terraform");
        return;
    };
    let cases = load_cases();
    // All cases in one console run, as one tuple expression (piped console evaluates one
    // expression); the console prints one element a line. Cases expected to fail are wrapped in
    // `try(..., "error")` so that they yield the string "error" instead of ending the session.
    // (Only those: Terraform 1.0.3's floor/ceil write through a shallow copy into the literal's
    // mantissa, and try evaluates its argument twice, so `try(ceil(58e58), 0)` is off by one.)
    let input = format!(
        "[{}]\n",
        cases
            .iter()
            .map(|c| {
                if c.expected == "error" {
                    format!("try({}, \"error\")", c.expr)
                } else {
                    c.expr.clone()
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    );
    let (success, stdout) = console(&bin, &input);
    assert!(success, "terraform console failed:\n{stdout}");
    let lines: Vec<&str> = stdout
        .lines()
        .map(|l| l.trim().trim_end_matches(','))
        .filter(|l| *l != "[" && *l != "]" && !l.is_empty())
        .collect();
    assert_eq!(
        lines.len(),
        cases.len(),
        "one output line per case:\n{stdout}"
    );
    for (c, got) in cases.iter().zip(&lines) {
        let got = if *got == "\"error\"" { "error" } else { got };
        assert_eq!(got, c.expected, "{}: {}", c.line, c.expr);
    }
}
