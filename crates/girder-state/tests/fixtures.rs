//! Data-driven tests over `state-fixtures/`:
//!
//! * `roundtrip/NAME.in.tfstate` is read and written; the result must equal
//!   `roundtrip/NAME.out.tfstate` byte for byte (and writing the `.out` again must not change
//!   it). Set `GIRDER_BLESS=1` to create missing `.out` files (then read them!).
//! * `errors/NAME.tfstate` must be rejected; the error message is an insta snapshot.
//! * With a real Terraform, every `.in` file is also rewritten by `terraform state rm`
//!   and must equal girder's output (after the changes Terraform 1.0.3 makes: serial + 1,
//!   its own version, no `check_results`).

use girder_state::format;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../state-fixtures")
}

fn files(dir: &str, suffix: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(fixtures().join(dir))
        .expect("fixture dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(suffix))
        .collect();
    v.sort();
    v
}

fn stem(p: &Path, suffix: &str) -> String {
    let name = p.file_name().unwrap().to_string_lossy().into_owned();
    name.strip_suffix(suffix).unwrap_or(&name).to_string()
}

#[test]
fn roundtrip_fixtures() {
    let ins = files("roundtrip", ".in.tfstate");
    assert!(ins.len() >= 8, "expected at least 8 round-trip fixtures");
    let bless = std::env::var("GIRDER_BLESS").is_ok();
    let mut failures = Vec::new();
    for input in &ins {
        let name = stem(input, ".in.tfstate");
        let bytes = std::fs::read(input).unwrap();
        let state = match format::parse(&bytes, &input.display().to_string()) {
            Ok(s) => s,
            Err(e) => {
                failures.push(format!("{name}: parse failed: {e}"));
                continue;
            }
        };
        let written = format::to_bytes(&state);
        let out_path = input.with_file_name(format!("{name}.out.tfstate"));
        let expected = match std::fs::read(&out_path) {
            Ok(b) => b,
            Err(_) if bless => {
                std::fs::write(&out_path, &written).unwrap();
                written.clone()
            }
            Err(e) => {
                failures.push(format!("{name}: missing {}: {e}", out_path.display()));
                continue;
            }
        };
        if written != expected {
            let diff = similar_lines(&expected, &written);
            failures.push(format!("{name}: output differs from .out:\n{diff}"));
            continue;
        }
        // Idempotence: reading and writing the output again changes nothing.
        let again = format::to_bytes(&format::parse(&expected, "out").unwrap());
        if again != expected {
            failures.push(format!("{name}: writing the .out file again changed it"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn similar_lines(a: &[u8], b: &[u8]) -> String {
    let a = String::from_utf8_lossy(a);
    let b = String::from_utf8_lossy(b);
    for (i, (x, y)) in a.lines().zip(b.lines()).enumerate() {
        if x != y {
            return format!("line {}:\n  expected: {x}\n  got:      {y}", i + 1);
        }
    }
    format!(
        "lengths differ: expected {} lines, got {}",
        a.lines().count(),
        b.lines().count()
    )
}

#[test]
fn error_fixtures() {
    let errs = files("errors", ".tfstate");
    assert!(errs.len() >= 5);
    for path in &errs {
        let name = stem(path, ".tfstate");
        let bytes = std::fs::read(path).unwrap();
        let location = format!("errors/{name}.tfstate");
        match format::parse(&bytes, &location) {
            Ok(_) => panic!("{name}: expected an error, parsed fine"),
            Err(e) => {
                let mut settings = insta::Settings::clone_current();
                settings.set_snapshot_suffix(name.clone());
                settings.set_prepend_module_to_snapshot(false);
                settings.set_input_file(path);
                settings.bind(|| insta::assert_snapshot!("state_error", e.to_string()));
            }
        }
    }
}

/// The real Terraform binary, or `None` (with a message) when it is not installed.
pub fn terraform_bin() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("TERRAFORM_BIN") {
        return Some(PathBuf::from(p));
    }
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/tools/terraform");
    if p.exists() {
        return Some(p);
    }
    if std::env::var("CI").is_ok() {
        panic!(
            "terraform binary not found (set TERRAFORM_BIN or run tests/tools/install-terraform)"
        );
    }
    eprintln!("terraform binary not found; skipping the Terraform comparison test");
    None
}

#[test]
fn terraform_writes_what_girder_writes() {
    let Some(tf) = terraform_bin() else { return };
    let tmp = std::env::temp_dir().join(format!("girder-state-tf-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let mut failures = Vec::new();
    for input in files("roundtrip", ".in.tfstate") {
        let name = stem(&input, ".in.tfstate");
        let bytes = std::fs::read(&input).unwrap();
        // Add a dummy resource for Terraform to remove, which makes it rewrite the file. The
        // text is spliced in so that everything else reaches Terraform byte for byte.
        let dummy = r#"{"mode": "managed", "type": "null_resource", "name": "girder_dummy", "provider": "provider[\"registry.terraform.io/hashicorp/null\"]", "instances": [{"schema_version": 0, "attributes": {"id": "1"}}]}"#;
        let text = String::from_utf8(bytes.clone()).unwrap();
        let at = text.find("\"resources\"").expect("fixture has resources");
        let open = at + text[at..].find('[').expect("resources array");
        let empty = text[open + 1..].trim_start().starts_with(']');
        let spliced = format!(
            "{}{}{}{}",
            &text[..=open],
            dummy,
            if empty { "" } else { "," },
            &text[open + 1..]
        );
        let path = tmp.join(format!("{name}.tfstate"));
        std::fs::write(&path, spliced).unwrap();
        let out = std::process::Command::new(&tf)
            .current_dir(&tmp)
            .args(["state", "rm", "-no-color", "-backup=-"])
            .arg(format!("-state={}", path.display()))
            .arg("null_resource.girder_dummy")
            .output()
            .expect("run terraform");
        if !out.status.success() {
            failures.push(format!(
                "{name}: terraform failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
            continue;
        }
        let tf_bytes = std::fs::read(&path).unwrap();
        let mut state = format::parse(&bytes, "in").unwrap();
        state.serial += 1;
        state.terraform_version = "1.0.3".into();
        state.check_results = None;
        let ours = format::to_bytes(&state);
        if ours != tf_bytes {
            failures.push(format!(
                "{name}: differs from Terraform:\n{}",
                similar_lines(&tf_bytes, &ours)
            ));
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
