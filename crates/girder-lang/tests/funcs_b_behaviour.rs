//! Behaviour of the funcs-b functions that the console corpora cannot show: results that
//! differ per call (`uuid`, `bcrypt`, `timestamp`) checked by shape and verification, unknown
//! and sensitive propagation, `timecmp` (newer than Terraform 1.0.3), and `rsadecrypt` with
//! real keys (a throwaway 1024-bit test key generated for these tests, with a ciphertext that
//! Terraform 1.0.3 decrypts to "secret msg" with it in both PEM forms).

use girder_core::{Marks, Type, Value};
use girder_lang::functions::{CallContext, FuncError, FunctionTable};
use std::collections::BTreeMap;
use std::path::Path;

const TEST_KEY_PKCS1: &str = "-----BEGIN RSA PRIVATE KEY-----\nMIICXAIBAAKBgQDk4ParAfhR0gajGOhJ02tRKnZWAAiWTn9cNLJsaGWYJhsZIIbC\niEmy/AVztXl/M3ELPRtocGn8WjUR58O+9PffBVqcy5ewds77wvklLrHij6QGCc2g\nc9prjyFb97hY6pmiUxctvGL/Yr6z1ICSNiQADH1lemMVpn6Wlk83cIbwJQIDAQAB\nAoGAWfL/fh18FcvQx/BV+g2Ys4FYmFvTBB89dmNPa8NriewP4kQiMfmV3T2mdt7v\nLMputtgBGX50aLSa/rpy920WrFTELKA/UcqSAKCpFTH1F/v3BbE8094w8kwMWLtb\nOfBtur4xwJVscT3LKp0AbeqAdsR+ZrFlc/TGP43V02vpztECQQD/4yZC0LpIBvRE\nummYGblSzapPN5nC8exs3WMbHGsl2tGBlc/L+Wq3mVBmhBadU7QQHBKJAAqizlVc\njCjTFtYnAkEA5PrE2lIiGKNrncux+fdIMsnboHrcUa4qzD5HbQyhCiA6+OZ7pXV7\nR+geIVfG/Pq+1h8irdZJh/r0z3nPlOri0wJBAKe5byHKiN+fV0sZWQ9uhQ/maOSl\n0C58vniZIFXr6buVU0/6L4tGgBG5935KxDv5WoRYsjmEgnQ2hLM116iNRm8CQDqJ\naR2u9Yx66p4SXtNaRhjFxeHGxuASuFoyaawVGG4wQyMyONXZrMR7MIixmes+Zt7y\nYrkyGOYsX71SlKCrU4UCQHsGLiUA+ewVqUpLc8uuVbx9GKLDztmdqEH5IbK1bJJa\nFQhtCb/xqj52U/WMTjiptLbQv70fjvdMJhaTMXH0UjM=\n-----END RSA PRIVATE KEY-----\n";
const TEST_KEY_PKCS8: &str = "-----BEGIN PRIVATE KEY-----\nMIICdgIBADANBgkqhkiG9w0BAQEFAASCAmAwggJcAgEAAoGBAOTg9qsB+FHSBqMY\n6EnTa1EqdlYACJZOf1w0smxoZZgmGxkghsKISbL8BXO1eX8zcQs9G2hwafxaNRHn\nw770998FWpzLl7B2zvvC+SUuseKPpAYJzaBz2muPIVv3uFjqmaJTFy28Yv9ivrPU\ngJI2JAAMfWV6YxWmfpaWTzdwhvAlAgMBAAECgYBZ8v9+HXwVy9DH8FX6DZizgViY\nW9MEHz12Y09rw2uJ7A/iRCIx+ZXdPaZ23u8sym622AEZfnRotJr+unL3bRasVMQs\noD9RypIAoKkVMfUX+/cFsTzT3jDyTAxYu1s58G26vjHAlWxxPcsqnQBt6oB2xH5m\nsWVz9MY/jdXTa+nO0QJBAP/jJkLQukgG9ES6aZgZuVLNqk83mcLx7GzdYxscayXa\n0YGVz8v5areZUGaEFp1TtBAcEokACqLOVVyMKNMW1icCQQDk+sTaUiIYo2udy7H5\n90gyydugetxRrirMPkdtDKEKIDr45nuldXtH6B4hV8b8+r7WHyKt1kmH+vTPec+U\n6uLTAkEAp7lvIcqI359XSxlZD26FD+Zo5KXQLny+eJkgVevpu5VTT/ovi0aAEbn3\nfkrEO/lahFiyOYSCdDaEszXXqI1GbwJAOolpHa71jHrqnhJe01pGGMXF4cbG4BK4\nWjJprBUYbjBDIzI41dmsxHswiLGZ6z5m3vJiuTIY5ixfvVKUoKtThQJAewYuJQD5\n7BWpSktzy65VvH0YosPO2Z2oQfkhsrVskloVCG0Jv/GqPnZT9YxOOKm0ttC/vR+O\n90wmFpMxcfRSMw==\n-----END PRIVATE KEY-----\n";
const TEST_EC_KEY: &str = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEILByaWk8+YPEvRtqJsw4Eyclw7FHJ5OXfkFMQY5vzMVgoAoGCCqGSM49\nAwEHoUQDQgAEOZvlO6USTdqu/XKZXnXohJn91hdYNBA3/McdPgwdd5bb3UgTR/k0\nCdY6XO8fwTNJ0S++h39NgkycjKeBDvQTKA==\n-----END EC PRIVATE KEY-----\n";
const CIPHERTEXT: &str = "zLwSDud34R2rvxaSySOP7bxpXmc7XfeM6g0FD3WuaaXk7gu1xRr2CHCMn7AmZS6t6k7ifCwRbZAvVpQ1HfP3MttJE6V/ZJKxx1J6ZvnY89toP50JiSITj1ygPNqSY1E8NrACn4jbYG+pxqABUxw9UiI46HsQmMgO3Wb9dAl+HnA=";

fn no_render(_: &str, _: &str, _: &BTreeMap<String, Value>) -> Result<Value, String> {
    Err("no renderer".into())
}

fn call(name: &str, args: &[Value]) -> Result<Value, FuncError> {
    let funcs = FunctionTable::builtin();
    let f = funcs
        .get(name)
        .unwrap_or_else(|| panic!("no function {name}"));
    let ctx = CallContext {
        base_dir: Path::new("."),
        render_template: &no_render,
    };
    f.call(args, &ctx)
}

fn s(v: &str) -> Value {
    Value::string(v)
}

fn is_hex(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

#[test]
fn all_funcs_b_functions_are_registered() {
    let names = FunctionTable::builtin().names();
    for n in [
        "abspath",
        "basename",
        "dirname",
        "file",
        "filebase64",
        "fileexists",
        "fileset",
        "pathexpand",
        "templatefile",
        "formatdate",
        "timeadd",
        "timestamp",
        "timecmp",
        "base64sha256",
        "base64sha512",
        "bcrypt",
        "filebase64sha256",
        "filebase64sha512",
        "filemd5",
        "filesha1",
        "filesha256",
        "filesha512",
        "md5",
        "rsadecrypt",
        "sha1",
        "sha256",
        "sha512",
        "uuid",
        "uuidv5",
        "cidrhost",
        "cidrnetmask",
        "cidrsubnet",
        "cidrsubnets",
    ] {
        assert!(names.contains(&n), "{n} is not registered");
    }
}

#[test]
fn uuid_is_random_in_uuid_layout() {
    let a = call("uuid", &[]).unwrap();
    let b = call("uuid", &[]).unwrap();
    let a = a.as_str().unwrap();
    assert_ne!(Some(a), b.as_str());
    let groups: Vec<&str> = a.split('-').collect();
    assert_eq!(
        groups.iter().map(|g| g.len()).collect::<Vec<_>>(),
        [8, 4, 4, 4, 12],
        "{a}"
    );
    assert!(groups.iter().all(|g| is_hex(g)), "{a}");
}

#[test]
fn bcrypt_hashes_verify_and_use_go_cost_rules() {
    let h = call("bcrypt", &[s("hello")]).unwrap();
    let h = h.as_str().unwrap();
    assert!(h.starts_with("$2a$10$"), "{h}");
    assert_eq!(h.len(), 60);
    assert!(bcrypt::verify("hello", h).unwrap());
    assert!(!bcrypt::verify("hellO", h).unwrap());
    // Costs below Go's minimum fall back to the default.
    let h = call("bcrypt", &[s("x"), Value::int(3)]).unwrap();
    assert!(h.as_str().unwrap().starts_with("$2a$10$"));
    let h = call("bcrypt", &[s("x"), Value::int(5)]).unwrap();
    assert!(h.as_str().unwrap().starts_with("$2a$05$"));
    assert!(bcrypt::verify("x", h.as_str().unwrap()).unwrap());
    let e = call("bcrypt", &[s("x"), Value::int(32)]).unwrap_err();
    assert_eq!(
        e.message,
        "error occured generating password crypto/bcrypt: cost 32 is outside allowed range (4,31)"
    );
    let e = call("bcrypt", &[s("x"), Value::int(4), Value::int(5)]).unwrap_err();
    assert_eq!(e.message, "bcrypt() takes no more than two arguments");
}

#[test]
fn timestamp_is_now_in_rfc3339_utc() {
    let t = call("timestamp", &[]).unwrap();
    let t = t.as_str().unwrap().to_string();
    assert_eq!(t.len(), 20, "{t}");
    assert!(t.ends_with('Z') && t.as_bytes()[10] == b'T', "{t}");
    // It round-trips through the other functions.
    let back = call("timeadd", &[s(&t), s("0s")]).unwrap();
    assert_eq!(back.as_str(), Some(t.as_str()));
    let year = call("formatdate", &[s("YYYY"), s(&t)]).unwrap();
    assert!(year.as_str().unwrap() >= "2024");
}

#[test]
fn timecmp_orders_instants() {
    let cases = [
        ("2017-11-22T00:00:00Z", "2017-11-22T00:00:00Z", 0),
        ("2017-11-22T00:00:00Z", "2017-11-22T01:00:00Z", -1),
        ("2017-11-22T01:00:00Z", "2017-11-22T00:00:00Z", 1),
        ("2017-11-22T01:00:00+01:00", "2017-11-22T00:00:00Z", 0),
        ("2017-11-22T00:00:00.5Z", "2017-11-22T00:00:00Z", 1),
    ];
    for (a, b, want) in cases {
        let got = call("timecmp", &[s(a), s(b)]).unwrap();
        assert_eq!(
            got.as_number().and_then(|n| n.to_i64()),
            Some(want),
            "{a} {b}"
        );
        assert_eq!(got.ty(), Type::Number);
    }
    let e = call("timecmp", &[s("x"), s("2017-11-22T00:00:00Z")]).unwrap_err();
    assert_eq!(e.arg, Some(0));
    assert_eq!(
        e.message,
        "Invalid value for \"timestamp_a\" parameter: not a valid RFC3339 timestamp: cannot use \"x\" as year."
    );
    let e = call("timecmp", &[s("2017-11-22T00:00:00Z"), s("2017-11-22")]).unwrap_err();
    assert_eq!(e.arg, Some(1));
    assert_eq!(
        e.message,
        "Invalid value for \"timestamp_b\" parameter: not a valid RFC3339 timestamp: missing required time introducer 'T'."
    );
}

#[test]
fn rsadecrypt_with_pkcs1_and_pkcs8_keys() {
    for key in [TEST_KEY_PKCS1, TEST_KEY_PKCS8] {
        let got = call("rsadecrypt", &[s(CIPHERTEXT), s(key)]).unwrap();
        assert_eq!(got.as_str(), Some("secret msg"));
    }
    // Go's decoder skips line breaks in the base64 text.
    let wrapped = format!("{}\n{}\n", &CIPHERTEXT[..40], &CIPHERTEXT[40..]);
    let got = call("rsadecrypt", &[s(&wrapped), s(TEST_KEY_PKCS1)]).unwrap();
    assert_eq!(got.as_str(), Some("secret msg"));
    // A ciphertext for another key.
    let e = call("rsadecrypt", &[s("aGVsbG8="), s(TEST_KEY_PKCS1)]).unwrap_err();
    assert_eq!(
        (e.arg, e.message.as_str()),
        (None, "failed to decrypt: crypto/rsa: decryption error")
    );
    let e = call("rsadecrypt", &[s(CIPHERTEXT), s(TEST_EC_KEY)]).unwrap_err();
    assert_eq!(e.arg, Some(1));
    assert!(e
        .message
        .starts_with("Invalid value for \"privatekey\" parameter: invalid private key type"));
    let e = call("rsadecrypt", &[s(CIPHERTEXT), s("nokey")]).unwrap_err();
    assert_eq!(
        e.message,
        "Invalid value for \"privatekey\" parameter: invalid private key: ssh: no key found."
    );
}

#[test]
fn unknown_arguments_give_unknown_results_of_the_return_type() {
    let cases = [
        ("md5", vec![Value::unknown(Type::String)], Type::String),
        (
            "cidrsubnets",
            vec![s("10.0.0.0/8"), Value::unknown(Type::Number)],
            Type::list(Type::String),
        ),
        (
            "fileset",
            vec![s("."), Value::unknown(Type::String)],
            Type::set(Type::String),
        ),
        ("fileexists", vec![Value::unknown(Type::String)], Type::Bool),
        (
            "timecmp",
            vec![Value::unknown(Type::String), s("x")],
            Type::Number,
        ),
        (
            "formatdate",
            vec![s("YYYY"), Value::unknown_dynamic()],
            Type::String,
        ),
        (
            "templatefile",
            vec![s("x.tpl"), Value::unknown_dynamic()],
            Type::Dynamic,
        ),
    ];
    for (name, args, ty) in cases {
        let got = call(name, &args).unwrap();
        assert!(!got.is_known(), "{name}");
        assert_eq!(got.ty(), ty, "{name}");
    }
}

#[test]
fn sensitive_arguments_give_sensitive_results() {
    let secret = s("hello").mark_sensitive();
    for name in [
        "md5",
        "sha1",
        "sha256",
        "sha512",
        "base64sha256",
        "base64sha512",
        "bcrypt",
    ] {
        let got = call(name, std::slice::from_ref(&secret)).unwrap();
        assert!(got.is_sensitive(), "{name}");
    }
    let got = call("md5", &[secret]).unwrap();
    assert_eq!(got.marks(), Marks::SENSITIVE);
    let (plain, _) = got.unmark();
    assert_eq!(plain.as_str(), Some("5d41402abc4b2a76b9719d911017c592"));
    let got = call(
        "cidrhost",
        &[s("10.0.0.0/8"), Value::int(5).mark_sensitive()],
    )
    .unwrap();
    assert!(got.is_sensitive());
    let got = call(
        "rsadecrypt",
        &[s(CIPHERTEXT), s(TEST_KEY_PKCS1).mark_sensitive()],
    )
    .unwrap();
    assert!(got.is_sensitive());
}

#[test]
fn abspath_uses_the_working_directory() {
    let cwd = std::env::current_dir().unwrap();
    let got = call("abspath", &[s("a/../b/")]).unwrap();
    assert_eq!(got.as_str().unwrap(), format!("{}/b", cwd.display()));
    let got = call("abspath", &[s("")]).unwrap();
    assert_eq!(got.as_str().unwrap(), cwd.display().to_string());
    let got = call("abspath", &[s("/x/../y")]).unwrap();
    assert_eq!(got.as_str(), Some("/y"));
}

#[test]
fn pathexpand_uses_home() {
    let home = std::env::var("HOME").unwrap_or_default();
    if home.is_empty() {
        return;
    }
    let got = call("pathexpand", &[s("~/a/../b/")]).unwrap();
    assert_eq!(
        got.as_str().unwrap(),
        format!("{}/b", home.trim_end_matches('/'))
    );
    let got = call("pathexpand", &[s("~")]).unwrap();
    assert_eq!(got.as_str().unwrap(), home.trim_end_matches('/'));
}

#[test]
fn bcrypt_is_gos_algorithm() {
    // Hashes made by Terraform 1.0.3 (Go's x/crypto/bcrypt) verify with the same passwords,
    // including one past bcrypt's 72-byte limit (both truncate) and a non-ASCII one.
    let long = "a".repeat(80);
    let cases = [
        (
            "hello",
            "$2a$10$4vl0ulove6ibGEj.Un5SSOmCEvS8yV0XCC.K6WzwV8bPoIQ4wY8vy",
        ),
        (
            long.as_str(),
            "$2a$04$VZMQPgdU6HTbAbwZ1A7qz.vsWi8yRvohdrwj43o4ZEPxJQxcPgXyK",
        ),
        (
            "\u{fc}",
            "$2a$04$qh6K9oPoirPWCtzb77H41eWr7E.uRxfLUQmi2L0nwsvbLPsUxK3fm",
        ),
    ];
    for (pw, h) in cases {
        assert!(bcrypt::verify(pw, h).unwrap(), "{pw}");
    }
    assert!(bcrypt::verify("a".repeat(72), cases[1].1).unwrap());
    // And ours verify the same way.
    let ours = call("bcrypt", &[s(&long), Value::int(4)]).unwrap();
    assert!(bcrypt::verify("a".repeat(75), ours.as_str().unwrap()).unwrap());
}
