//! Terraform's hash and crypto functions: `base64sha256`, `base64sha512`, `bcrypt`, `md5`,
//! `sha1`, `sha256`, `sha512`, the `file*` hash variants, `rsadecrypt`, `uuid`, `uuidv5`.
//!
//! `uuid` is hashicorp/go-uuid's: 16 random bytes in UUID layout (no version bits), as
//! Terraform prints. `bcrypt` produces `$2a$` hashes with Go's cost rules (below 4 means
//! the default 10). `rsadecrypt` takes PEM PKCS#1 (`RSA PRIVATE KEY`) and PKCS#8
//! (`PRIVATE KEY`) RSA keys.

use super::filesystem::{errno_text, go_clean, home_expand, on_disk};
use super::ipnet::go_int;
use super::{CallContext, FuncError, Function, Param};
use crate::fixed_return;
use base64::Engine as _;
use girder_core::{Type, Value};
use sha2::Digest as _;
use std::io::Read as _;

pub(crate) fn functions() -> Vec<Function> {
    let string_fn = |name: &'static str, imp: super::ImplFn| Function {
        name,
        params: vec![Param::new("str", Type::String)],
        variadic: None,
        return_type: fixed_return!(Type::String),
        imp,
    };
    let file_fn = |name: &'static str, imp: super::ImplFn| Function {
        name,
        params: vec![Param::new("path", Type::String)],
        variadic: None,
        return_type: fixed_return!(Type::String),
        imp,
    };
    vec![
        string_fn("base64sha256", |a, _| Ok(b64(&sha256(&s(a))))),
        string_fn("base64sha512", |a, _| Ok(b64(&sha512(&s(a))))),
        string_fn("md5", |a, _| Ok(hex(&md5(&s(a))))),
        string_fn("sha1", |a, _| Ok(hex(&sha1(&s(a))))),
        string_fn("sha256", |a, _| Ok(hex(&sha256(&s(a))))),
        string_fn("sha512", |a, _| Ok(hex(&sha512(&s(a))))),
        file_fn("filebase64sha256", |a, c| {
            Ok(b64(&sha256(&read_for_hash(a, c)?)))
        }),
        file_fn("filebase64sha512", |a, c| {
            Ok(b64(&sha512(&read_for_hash(a, c)?)))
        }),
        file_fn("filemd5", |a, c| Ok(hex(&md5(&read_for_hash(a, c)?)))),
        file_fn("filesha1", |a, c| Ok(hex(&sha1(&read_for_hash(a, c)?)))),
        file_fn("filesha256", |a, c| Ok(hex(&sha256(&read_for_hash(a, c)?)))),
        file_fn("filesha512", |a, c| Ok(hex(&sha512(&read_for_hash(a, c)?)))),
        Function {
            name: "bcrypt",
            params: vec![Param::new("str", Type::String)],
            variadic: Some(Param::new("cost", Type::Number)),
            return_type: fixed_return!(Type::String),
            imp: bcrypt_fn,
        },
        Function {
            name: "rsadecrypt",
            params: vec![
                Param::new("ciphertext", Type::String),
                Param::new("privatekey", Type::String),
            ],
            variadic: None,
            return_type: fixed_return!(Type::String),
            imp: rsadecrypt,
        },
        Function {
            name: "uuid",
            params: vec![],
            variadic: None,
            return_type: fixed_return!(Type::String),
            imp: uuid_fn,
        },
        Function {
            name: "uuidv5",
            params: vec![
                Param::new("namespace", Type::String),
                Param::new("name", Type::String),
            ],
            variadic: None,
            return_type: fixed_return!(Type::String),
            imp: uuidv5,
        },
    ]
}

fn s(args: &[Value]) -> Vec<u8> {
    super::filesystem::text(&args[0]).as_bytes().to_vec()
}

fn b64(b: &[u8]) -> Value {
    Value::string(base64::engine::general_purpose::STANDARD.encode(b))
}

fn hex(b: &[u8]) -> Value {
    Value::string(b.iter().map(|x| format!("{x:02x}")).collect::<String>())
}

fn md5(b: &[u8]) -> Vec<u8> {
    md5::Md5::digest(b).to_vec()
}

fn sha1(b: &[u8]) -> Vec<u8> {
    sha1::Sha1::digest(b).to_vec()
}

fn sha256(b: &[u8]) -> Vec<u8> {
    sha2::Sha256::digest(b).to_vec()
}

fn sha512(b: &[u8]) -> Vec<u8> {
    sha2::Sha512::digest(b).to_vec()
}

/// Terraform's `openFile` + `io.Copy` for the file hash functions: Go's own error texts
/// (`open PATH: ...`, `read PATH: ...`), not argument errors.
fn read_for_hash(args: &[Value], ctx: &CallContext<'_>) -> Result<Vec<u8>, FuncError> {
    let path = &*super::filesystem::text(&args[0]);
    let expanded =
        home_expand(path).map_err(|e| FuncError::new(format!("failed to expand ~: {e}")))?;
    let shown = go_clean(&expanded);
    let mut f = std::fs::File::open(on_disk(ctx.base_dir, &expanded))
        .map_err(|e| FuncError::new(format!("open {shown}: {}", errno_text(&e))))?;
    let mut buf = Vec::new();
    f.read_to_end(&mut buf)
        .map_err(|e| FuncError::new(format!("read {shown}: {}", errno_text(&e))))?;
    Ok(buf)
}

fn bcrypt_fn(args: &[Value], _: &CallContext<'_>) -> Result<Value, FuncError> {
    let mut cost: i64 = 10;
    if args.len() > 1 {
        cost = go_int(args[1].as_number().expect("converted to number")).map_err(FuncError::new)?;
    }
    if args.len() > 2 {
        return Err(FuncError::new("bcrypt() takes no more than two arguments"));
    }
    // Go's GenerateFromPassword: below the minimum means the default.
    if cost < 4 {
        cost = 10;
    }
    if cost > 31 {
        return Err(FuncError::new(format!(
            "error occured generating password crypto/bcrypt: cost {cost} is outside allowed range (4,31)"
        )));
    }
    let hashed = bcrypt::hash_with_result(s(args), cost as u32)
        .map_err(|e| FuncError::new(format!("error occured generating password {e}")))?;
    Ok(Value::string(
        hashed.format_for_version(bcrypt::Version::TwoA),
    ))
}

fn uuid_fn(_: &[Value], _: &CallContext<'_>) -> Result<Value, FuncError> {
    let mut b = [0u8; 16];
    getrandom::getrandom(&mut b)
        .map_err(|e| FuncError::new(format!("failed to read random bytes: {e}")))?;
    Ok(Value::string(format_uuid(&b)))
}

fn format_uuid(b: &[u8; 16]) -> String {
    let h: Vec<String> = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        h[0..4].concat(),
        h[4..6].concat(),
        h[6..8].concat(),
        h[8..10].concat(),
        h[10..16].concat()
    )
}

/// google/uuid's `Parse`.
fn parse_uuid(s: &str) -> Result<[u8; 16], String> {
    let xtob = |a: u8, b: u8| -> Option<u8> {
        let h = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
        Some((h(a)? << 4) | h(b)?)
    };
    let bad = || "invalid UUID format".to_string();
    let mut out = [0u8; 16];
    let b = s.as_bytes();
    let b: &[u8] = match b.len() {
        36 => b,
        45 => {
            if !b[..9].eq_ignore_ascii_case(b"urn:uuid:") {
                return Err(format!(
                    "invalid urn prefix: {}",
                    super::datetime::go_quote(&String::from_utf8_lossy(&b[..9]))
                ));
            }
            &b[9..]
        }
        38 => &b[1..],
        32 => {
            for (i, o) in out.iter_mut().enumerate() {
                *o = xtob(b[i * 2], b[i * 2 + 1]).ok_or_else(bad)?;
            }
            return Ok(out);
        }
        n => return Err(format!("invalid UUID length: {n}")),
    };
    if b[8] != b'-' || b[13] != b'-' || b[18] != b'-' || b[23] != b'-' {
        return Err(bad());
    }
    let offsets = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];
    for (o, x) in out.iter_mut().zip(offsets) {
        *o = xtob(b[x], b[x + 1]).ok_or_else(bad)?;
    }
    Ok(out)
}

fn uuidv5(args: &[Value], _: &CallContext<'_>) -> Result<Value, FuncError> {
    let ns_str = &*super::filesystem::text(&args[0]);
    let ns = match ns_str {
        "dns" => uuid::Uuid::NAMESPACE_DNS,
        "url" => uuid::Uuid::NAMESPACE_URL,
        "oid" => uuid::Uuid::NAMESPACE_OID,
        "x500" => uuid::Uuid::NAMESPACE_X500,
        other => uuid::Uuid::from_bytes(parse_uuid(other).map_err(|e| {
            FuncError::new(format!("uuidv5() doesn't support namespace {other} ({e})"))
        })?),
    };
    let name = &*super::filesystem::text(&args[1]);
    Ok(Value::string(
        uuid::Uuid::new_v5(&ns, name.as_bytes())
            .hyphenated()
            .to_string(),
    ))
}

/// A PEM block: type, headers, body.
struct Pem {
    kind: String,
    headers: Vec<(String, String)>,
    der: Vec<u8>,
}

/// The first well-formed PEM block in `data` (Go's `pem.Decode` skips malformed ones).
fn pem_decode(data: &str) -> Option<Pem> {
    let mut rest = data;
    loop {
        let start = if rest.starts_with("-----BEGIN ") {
            0
        } else {
            rest.find("\n-----BEGIN ")? + 1
        };
        let block = &rest[start + "-----BEGIN ".len()..];
        let line_end = block.find('\n')?;
        let type_line = block[..line_end].trim_end_matches('\r');
        let after = &block[line_end + 1..];
        rest = after;
        let Some(kind) = type_line.strip_suffix("-----") else {
            continue;
        };
        let end_marker = format!("-----END {kind}-----");
        let Some(end) = after.find(&end_marker) else {
            continue;
        };
        let body = &after[..end];
        let mut headers = Vec::new();
        let mut lines = body.lines().peekable();
        // Headers: "Key: value" lines up to a blank line.
        if lines.peek().is_some_and(|l| l.contains(':')) {
            for l in lines.by_ref() {
                let l = l.trim_end_matches('\r');
                if l.is_empty() {
                    break;
                }
                if let Some((k, v)) = l.split_once(':') {
                    headers.push((k.trim().to_string(), v.trim().to_string()));
                }
            }
        }
        let b64: String = lines
            .flat_map(|l| l.chars())
            .filter(|c| !c.is_whitespace())
            .collect();
        match lenient_b64().decode(b64.as_bytes()) {
            Ok(der) => {
                return Some(Pem {
                    kind: kind.to_string(),
                    headers,
                    der,
                })
            }
            Err(_) => continue,
        }
    }
}

/// Go's `base64.StdEncoding` decoder: padding required, trailing bits ignored, CR/LF skipped.
fn lenient_b64() -> base64::engine::GeneralPurpose {
    base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::RequireCanonical),
    )
}

fn rsadecrypt(args: &[Value], _: &CallContext<'_>) -> Result<Value, FuncError> {
    let ct = &*super::filesystem::text(&args[0]);
    let key = &*super::filesystem::text(&args[1]);
    let stripped: String = ct.chars().filter(|c| *c != '\r' && *c != '\n').collect();
    let ciphertext = lenient_b64().decode(stripped.as_bytes()).map_err(|_| {
        FuncError::arg(
            0,
            format!(
                "Invalid value for \"ciphertext\" parameter: failed to decode input {}: cipher text must be base64-encoded.",
                super::datetime::go_quote(ct)
            ),
        )
    })?;
    let key_err = |m: String| {
        FuncError::arg(
            1,
            format!("Invalid value for \"privatekey\" parameter: {m}."),
        )
    };
    let pem =
        pem_decode(key).ok_or_else(|| key_err("invalid private key: ssh: no key found".into()))?;
    if pem
        .headers
        .iter()
        .any(|(k, v)| k == "Proc-Type" && v.contains("ENCRYPTED"))
    {
        return Err(key_err(
            "invalid private key: ssh: this private key is passphrase protected".into(),
        ));
    }
    let private = match pem.kind.as_str() {
        "RSA PRIVATE KEY" => parse_pkcs1(&pem.der).map_err(key_err)?,
        "PRIVATE KEY" => parse_pkcs8(&pem.der).map_err(key_err)?,
        "EC PRIVATE KEY" | "DSA PRIVATE KEY" | "OPENSSH PRIVATE KEY" => {
            return Err(key_err(
                "invalid private key type: not an RSA private key".into(),
            ))
        }
        other => {
            return Err(key_err(format!(
                "invalid private key: ssh: unsupported key type {}",
                super::datetime::go_quote(other)
            )))
        }
    };
    let out = private
        .decrypt(rsa::Pkcs1v15Encrypt, &ciphertext)
        .map_err(|_| FuncError::new("failed to decrypt: crypto/rsa: decryption error"))?;
    Ok(Value::string(super::filesystem::nfc(
        &String::from_utf8_lossy(&out),
    )))
}

// ----- Go's encoding/asn1 errors, as Terraform words them -----

/// An `encoding/asn1` error: a syntax error or a structural one.
enum Asn1Err {
    Syntax(String),
    Structure(String),
}

impl Asn1Err {
    /// Terraform's `rsadecrypt` wording: syntax errors are reworded, structure errors are
    /// Go's own text (Terraform's replacement for them has a typo and never applies).
    fn terraform_text(self) -> String {
        match self {
            Asn1Err::Syntax(m) => format!("invalid ASN1 data in the given private key: {m}"),
            Asn1Err::Structure(m) => format!("asn1: structure error: {m}"),
        }
    }
}

/// A DER tag and length (Go's `tagAndLength`).
struct TagLen {
    class: u8,
    tag: u64,
    compound: bool,
    len: usize,
}

/// Go's `parseTagAndLength`: the header at `off` and the offset after it.
fn tag_and_length(b: &[u8], mut off: usize) -> Result<(TagLen, usize), Asn1Err> {
    let syntax = |m: &str| Asn1Err::Syntax(m.into());
    let structure = |m: &str| Asn1Err::Structure(m.into());
    let first = b[off];
    off += 1;
    let mut t = TagLen {
        class: first >> 6,
        tag: u64::from(first & 0x1f),
        compound: first & 0x20 != 0,
        len: 0,
    };
    if t.tag == 0x1f {
        let mut v: u64 = 0;
        let mut shifted = 0;
        loop {
            if off >= b.len() {
                return Err(syntax("truncated base 128 integer"));
            }
            if shifted == 5 {
                return Err(structure("base 128 integer too large"));
            }
            let c = b[off];
            if shifted == 0 && c == 0x80 {
                return Err(syntax("integer is not minimally encoded"));
            }
            v = (v << 7) | u64::from(c & 0x7f);
            off += 1;
            shifted += 1;
            if c & 0x80 == 0 {
                break;
            }
        }
        if v > i32::MAX as u64 {
            return Err(structure("base 128 integer too large"));
        }
        if v < 0x1f {
            return Err(syntax("non-minimal tag"));
        }
        t.tag = v;
    }
    if off >= b.len() {
        return Err(syntax("truncated tag or length"));
    }
    let c = b[off];
    off += 1;
    if c & 0x80 == 0 {
        t.len = usize::from(c & 0x7f);
    } else {
        let n = usize::from(c & 0x7f);
        if n == 0 {
            return Err(syntax("indefinite length found (not DER)"));
        }
        for _ in 0..n {
            if off >= b.len() {
                return Err(syntax("truncated tag or length"));
            }
            if t.len >= 1 << 23 {
                return Err(structure("length too large"));
            }
            t.len = (t.len << 8) | usize::from(b[off]);
            off += 1;
            if t.len == 0 {
                return Err(structure("superfluous leading zeros in length"));
            }
        }
        if t.len < 0x80 {
            return Err(structure("non-minimal length"));
        }
    }
    Ok((t, off))
}

/// Go's checks of the outer SEQUENCE of a structure named `type_name`: the contents.
fn outer_sequence<'a>(der: &'a [u8], type_name: &str) -> Result<(&'a [u8], usize), Asn1Err> {
    if der.is_empty() {
        return Err(Asn1Err::Syntax("sequence truncated".into()));
    }
    let (t, off) = tag_and_length(der, 0)?;
    if t.class != 0 || t.tag != 16 || !t.compound {
        return Err(Asn1Err::Structure(format!(
            "tags don't match (16 vs {{class:{} tag:{} length:{} isCompound:{}}}) \
             {{optional:false explicit:false application:false private:false \
             defaultValue:<nil> tag:<nil> stringType:0 timeType:0 set:false omitEmpty:false}} \
             {type_name} @{off}",
            t.class, t.tag, t.len, t.compound
        )));
    }
    if off + t.len > der.len() {
        return Err(Asn1Err::Syntax("data truncated".into()));
    }
    Ok((&der[off..off + t.len], off + t.len))
}

/// The (class, tag, compound) of the elements of a SEQUENCE's contents, as far as they parse.
fn element_tags(mut contents: &[u8]) -> Vec<(u8, u64, bool)> {
    let mut out = Vec::new();
    while !contents.is_empty() {
        let Ok((t, off)) = tag_and_length(contents, 0) else {
            break;
        };
        if off + t.len > contents.len() {
            break;
        }
        out.push((t.class, t.tag, t.compound));
        contents = &contents[off + t.len..];
    }
    out
}

/// Go's `x509.ParsePKCS1PrivateKey` outcome for `der`, with Terraform's wording of errors.
fn parse_pkcs1(der: &[u8]) -> Result<rsa::RsaPrivateKey, String> {
    use rsa::pkcs1::DecodeRsaPrivateKey as _;
    let (contents, used) = match outer_sequence(der, "pkcs1PrivateKey") {
        Ok(x) => x,
        Err(e) => {
            if let Some(m) = other_format_hint(der, "pkcs1") {
                return Err(m);
            }
            return Err(e.terraform_text());
        }
    };
    let tags = element_tags(contents);
    if tags.len() >= 9 && tags.iter().take(9).all(|t| *t == (0, 2, false)) {
        let key = rsa::RsaPrivateKey::from_pkcs1_der(&der[..used])
            .map_err(|e| format!("invalid private key: {e}"))?;
        if used < der.len() {
            return Err("invalid ASN1 data in the given private key: trailing data".into());
        }
        return Ok(key);
    }
    if let Some(m) = other_format_hint(der, "pkcs1") {
        return Err(m);
    }
    if tags.iter().all(|t| *t == (0, 2, false)) {
        return Err("invalid ASN1 data in the given private key: sequence truncated".into());
    }
    Err("invalid private key: x509: failed to parse private key".into())
}

/// Go's `x509.ParsePKCS8PrivateKey` outcome for an RSA key, with Terraform's wording.
fn parse_pkcs8(der: &[u8]) -> Result<rsa::RsaPrivateKey, String> {
    use rsa::pkcs8::DecodePrivateKey as _;
    let contents = match outer_sequence(der, "pkcs8") {
        Ok((c, _)) => c,
        Err(e) => {
            if let Some(m) = other_format_hint(der, "pkcs8") {
                return Err(m);
            }
            return Err(e.terraform_text());
        }
    };
    let tags = element_tags(contents);
    let shaped = tags.len() >= 3 && tags[0] == (0, 2, false) && tags[1] == (0, 16, true);
    if !shaped {
        if let Some(m) = other_format_hint(der, "pkcs8") {
            return Err(m);
        }
        let want = [(0, 2, false), (0, 16, true), (0, 4, false)];
        if tags.len() < 3 && tags.iter().zip(want).all(|(t, w)| *t == w) {
            return Err("invalid ASN1 data in the given private key: sequence truncated".into());
        }
    }
    rsa::RsaPrivateKey::from_pkcs8_der(der).map_err(|e| match e {
        rsa::pkcs8::Error::KeyMalformed | rsa::pkcs8::Error::Asn1(_) if shaped => format!(
            "invalid private key: x509: failed to parse RSA private key embedded in PKCS#8: {e}"
        ),
        // A PKCS#8 key of another algorithm (EC, Ed25519): parsed, but not RSA.
        _ if shaped => "invalid private key type: not an RSA private key".into(),
        _ => format!("invalid private key: {e}"),
    })
}

/// Go's hints when a key is in another DER format than its PEM type says.
fn other_format_hint(der: &[u8], expected: &str) -> Option<String> {
    let (contents, _) = outer_sequence(der, "").ok()?;
    let tags = element_tags(contents);
    let is_ec = tags.len() >= 2 && tags[0] == (0, 2, false) && tags[1] == (0, 4, false);
    let is_pkcs8 = tags.len() >= 3
        && tags[0] == (0, 2, false)
        && tags[1] == (0, 16, true)
        && tags[2] == (0, 4, false);
    let is_pkcs1 = tags.len() >= 9 && tags.iter().take(9).all(|t| *t == (0, 2, false));
    let hint = if is_ec {
        "ParseECPrivateKey"
    } else if is_pkcs8 && expected != "pkcs8" {
        "ParsePKCS8PrivateKey"
    } else if is_pkcs1 && expected != "pkcs1" {
        "ParsePKCS1PrivateKey"
    } else {
        return None;
    };
    Some(format!(
        "invalid private key: x509: failed to parse private key (use {hint} instead for this key format)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_uuids_like_google_uuid() {
        let dns = "6ba7b810-9dad-11d1-80b4-00c04fd430c8";
        let want = parse_uuid(dns).unwrap();
        for form in [
            format!("{{{dns}}}"),
            format!("urn:uuid:{dns}"),
            format!("URN:UUID:{dns}"),
            dns.replace('-', ""),
        ] {
            assert_eq!(parse_uuid(&form), Ok(want), "{form}");
        }
        assert_eq!(parse_uuid("DNS"), Err("invalid UUID length: 3".into()));
        assert_eq!(
            parse_uuid("urn:uuix:6ba7b810-9dad-11d1-80b4-00c04fd430c8"),
            Err("invalid urn prefix: \"urn:uuix:\"".into())
        );
        assert_eq!(
            parse_uuid("6ba7b810x9dad-11d1-80b4-00c04fd430c8"),
            Err("invalid UUID format".into())
        );
        assert_eq!(format_uuid(&want), dns);
    }

    #[test]
    fn pem_blocks() {
        let p = pem_decode("junk\n-----BEGIN FOO-----\nQUJD\n-----END FOO-----\n").unwrap();
        assert_eq!(p.kind, "FOO");
        assert_eq!(p.der, b"ABC");
        let p = pem_decode(
            "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: x\n\nQUJD\n-----END RSA PRIVATE KEY-----",
        )
        .unwrap();
        assert_eq!(p.headers[0], ("Proc-Type".into(), "4,ENCRYPTED".into()));
        assert!(pem_decode("nokey").is_none());
        assert!(pem_decode("-----BEGIN X-----\n!!\n-----END X-----\n").is_none());
    }
}
