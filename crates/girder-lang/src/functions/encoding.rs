//! Terraform's encoding functions: base64decode, base64encode, base64gzip, csvdecode,
//! jsondecode, jsonencode, textdecodebase64, textencodebase64, urlencode, yamldecode,
//! yamlencode.
//!
//! `jsonencode` writes exactly what Terraform writes: object keys sorted, `<`, `>`, `&`,
//! U+2028 and U+2029 escaped as `\u003c`..., numbers as their exact decimal.

use super::{FuncError, Function, Param};
use crate::fixed_return;
use base64::Engine as _;
use girder_core::{Number, Type, Value};
use std::collections::BTreeMap;

fn s(v: &Value) -> &str {
    v.as_str().expect("converted to string")
}

// ----- JSON -----

/// Go's `encoding/json` string escaping (HTML-safe).
fn json_quote(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn json_write(v: &Value, out: &mut String) -> Result<(), String> {
    use girder_core::value::Kind;
    match v.kind() {
        Kind::Null(_) => out.push_str("null"),
        Kind::Unknown(_) => return Err("value is not known".into()),
        Kind::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Kind::Number(n) => {
            if n.is_infinite() {
                return Err("cannot serialize infinity as JSON".into());
            }
            out.push_str(&n.to_string());
        }
        Kind::String(t) => json_quote(out, t),
        Kind::List(_, items) | Kind::Set(_, items) | Kind::Tuple(items) => {
            out.push('[');
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_write(x, out)?;
            }
            out.push(']');
        }
        Kind::Map(_, m) | Kind::Object(m) => {
            out.push('{');
            for (i, (k, x)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_quote(out, k);
                out.push(':');
                json_write(x, out)?;
            }
            out.push('}');
        }
    }
    Ok(())
}

/// Terraform's `jsonencode` of a known value.
pub(super) fn json_encode(v: &Value) -> Result<String, String> {
    let mut out = String::new();
    json_write(v, &mut out)?;
    Ok(out)
}

/// A small JSON reader that keeps numbers exact and reports Go's messages.
struct JsonReader<'a> {
    b: &'a [u8],
    src: &'a str,
    i: usize,
}

impl<'a> JsonReader<'a> {
    fn ws(&mut self) {
        while self.i < self.b.len() && matches!(self.b[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }
    fn err_char(&self, ctx: &str) -> String {
        if self.i >= self.b.len() {
            return "EOF".to_string();
        }
        let c = self.src[self.i..].chars().next().unwrap_or('?');
        format!("invalid character {} {ctx}", go_char(c))
    }
    fn value(&mut self) -> Result<Value, String> {
        self.ws();
        let Some(&c) = self.b.get(self.i) else {
            return Err("EOF".into());
        };
        match c {
            b'{' => {
                self.i += 1;
                let mut attrs = BTreeMap::new();
                self.ws();
                if self.b.get(self.i) == Some(&b'}') {
                    self.i += 1;
                    return Ok(Value::object(attrs));
                }
                loop {
                    self.ws();
                    if self.b.get(self.i) != Some(&b'"') {
                        return Err(self.err_char("looking for beginning of object key string"));
                    }
                    let k = self.string()?;
                    self.ws();
                    if self.b.get(self.i) != Some(&b':') {
                        return Err(self.err_char("after object key"));
                    }
                    self.i += 1;
                    let v = self.value()?;
                    attrs.insert(k, v);
                    self.ws();
                    match self.b.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b'}') => {
                            self.i += 1;
                            return Ok(Value::object(attrs));
                        }
                        _ => return Err(self.err_char("after object key:value pair")),
                    }
                }
            }
            b'[' => {
                self.i += 1;
                let mut items = Vec::new();
                self.ws();
                if self.b.get(self.i) == Some(&b']') {
                    self.i += 1;
                    return Ok(Value::tuple(items));
                }
                loop {
                    items.push(self.value()?);
                    self.ws();
                    match self.b.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b']') => {
                            self.i += 1;
                            return Ok(Value::tuple(items));
                        }
                        _ => return Err(self.err_char("after array element")),
                    }
                }
            }
            b'"' => self.string().map(Value::string),
            b't' => self.lit("true", Value::bool(true)),
            b'f' => self.lit("false", Value::bool(false)),
            b'n' => self.lit("null", Value::null_dynamic()),
            b'-' | b'0'..=b'9' => {
                let start = self.i;
                if self.b[self.i] == b'-' {
                    self.i += 1;
                }
                while self.i < self.b.len()
                    && matches!(
                        self.b[self.i],
                        b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-'
                    )
                {
                    self.i += 1;
                }
                let text = &self.src[start..self.i];
                Number::parse(text)
                    .map(Value::number)
                    .map_err(|_| format!("invalid number literal {}", go_quote_str(text)))
            }
            _ => Err(self.err_char("looking for beginning of value")),
        }
    }
    fn lit(&mut self, word: &str, v: Value) -> Result<Value, String> {
        if self.src[self.i..].starts_with(word) {
            self.i += word.len();
            Ok(v)
        } else {
            let ctx = format!(
                "in literal {word} (expecting {})",
                go_char(word.as_bytes()[1] as char)
            );
            self.i += 1;
            while self.i < self.b.len() && self.src[self.i..].starts_with(&word[..1]) {
                self.i += 1;
            }
            Err(self.err_char(&ctx))
        }
    }
    fn string(&mut self) -> Result<String, String> {
        self.i += 1;
        let mut out = String::new();
        loop {
            let Some(&c) = self.b.get(self.i) else {
                return Err("EOF".into());
            };
            match c {
                b'"' => {
                    self.i += 1;
                    return Ok(out);
                }
                b'\\' => {
                    self.i += 1;
                    let Some(&e) = self.b.get(self.i) else {
                        return Err("EOF".into());
                    };
                    self.i += 1;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let hex = |r: &mut Self| -> Option<u32> {
                                let h = r.src.get(r.i..r.i + 4)?;
                                let v = u32::from_str_radix(h, 16).ok()?;
                                r.i += 4;
                                Some(v)
                            };
                            let Some(u) = hex(self) else {
                                return Err(self.err_char("in \\u hexadecimal character escape"));
                            };
                            if (0xD800..0xDC00).contains(&u)
                                && self.src[self.i..].starts_with("\\u")
                            {
                                let save = self.i;
                                self.i += 2;
                                match hex(self) {
                                    Some(l) if (0xDC00..0xE000).contains(&l) => {
                                        let cp = 0x10000 + ((u - 0xD800) << 10) + (l - 0xDC00);
                                        out.push(char::from_u32(cp).unwrap_or('\u{fffd}'));
                                        continue;
                                    }
                                    _ => self.i = save,
                                }
                            }
                            out.push(char::from_u32(u).unwrap_or('\u{fffd}'));
                        }
                        _ => {
                            self.i -= 1;
                            return Err(self.err_char("in string escape code"));
                        }
                    }
                }
                c if c < 0x20 => return Err(self.err_char("in string literal")),
                _ => {
                    let ch = self.src[self.i..].chars().next().unwrap_or('\u{fffd}');
                    out.push(ch);
                    self.i += ch.len_utf8();
                }
            }
        }
    }
}

fn go_char(c: char) -> String {
    match c {
        '\'' => "'\\''".to_string(),
        '"' => "'\"'".to_string(),
        c if c.is_control() => format!("'\\x{:02x}'", c as u32),
        c => format!("'{c}'"),
    }
}

fn go_quote_str(t: &str) -> String {
    super::numeric::go_quote(t)
}

/// Terraform's `jsondecode`.
pub(super) fn json_decode(text: &str) -> Result<Value, String> {
    let mut r = JsonReader {
        b: text.as_bytes(),
        src: text,
        i: 0,
    };
    let v = r.value()?;
    r.ws();
    if r.i < r.b.len() {
        return Err("extraneous data after JSON object".into());
    }
    Ok(v)
}

// ----- CSV -----

fn csv_decode(text: &str) -> Result<Value, FuncError> {
    let records = csv_records(text)?;
    let mut it = records.into_iter();
    let Some((_, header)) = it.next() else {
        return Err(FuncError::new("missing header line"));
    };
    let mut seen = std::collections::BTreeSet::new();
    for h in &header {
        if !seen.insert(h.clone()) {
            return Err(FuncError::new(format!(
                "duplicate column name {}",
                go_quote_str(h)
            )));
        }
    }
    let obj_ty = Type::object(header.iter().map(|h| (h.clone(), Type::String)).collect());
    let mut rows = Vec::new();
    for (line, rec) in it {
        if rec.len() != header.len() {
            return Err(FuncError::new(format!(
                "CSV parse error on line {line}: wrong number of fields"
            )));
        }
        rows.push(Value::object(
            header
                .iter()
                .cloned()
                .zip(rec.into_iter().map(Value::string))
                .collect(),
        ));
    }
    Ok(Value::list(obj_ty, rows))
}

/// Go's `encoding/csv` (comma `,`, quotes, LazyQuotes off): records with their line numbers.
fn csv_records(text: &str) -> Result<Vec<(usize, Vec<String>)>, FuncError> {
    let text = text.replace("\r\n", "\n");
    let mut out = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    let mut line = 1;
    while i < chars.len() {
        // Skip empty lines.
        if chars[i] == '\n' {
            i += 1;
            line += 1;
            continue;
        }
        let rec_line = line;
        let mut fields = Vec::new();
        loop {
            let mut field = String::new();
            if i < chars.len() && chars[i] == '"' {
                let col_start = i;
                let _ = col_start;
                i += 1;
                loop {
                    if i >= chars.len() {
                        return Err(FuncError::new(format!(
                            "CSV parse error on line {rec_line}: extraneous or missing \" in \
                             quoted-field"
                        )));
                    }
                    let c = chars[i];
                    if c == '"' {
                        if i + 1 < chars.len() && chars[i + 1] == '"' {
                            field.push('"');
                            i += 2;
                            continue;
                        }
                        i += 1;
                        if i < chars.len() && chars[i] != ',' && chars[i] != '\n' {
                            return Err(FuncError::new(format!(
                                "CSV parse error on line {line}: extraneous or missing \" in \
                                 quoted-field"
                            )));
                        }
                        break;
                    }
                    if c == '\n' {
                        line += 1;
                    }
                    field.push(c);
                    i += 1;
                }
            } else {
                while i < chars.len() && chars[i] != ',' && chars[i] != '\n' {
                    if chars[i] == '"' {
                        return Err(FuncError::new(format!(
                            "CSV parse error on line {line}: bare \" in non-quoted-field"
                        )));
                    }
                    field.push(chars[i]);
                    i += 1;
                }
            }
            fields.push(field);
            if i < chars.len() && chars[i] == ',' {
                i += 1;
                continue;
            }
            if i < chars.len() {
                i += 1;
                line += 1;
            }
            break;
        }
        out.push((rec_line, fields));
    }
    Ok(out)
}

// ----- URL, base64, text encodings -----

/// Go's `url.QueryEscape`.
fn url_encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

fn base64_decode(text: &str) -> Result<Vec<u8>, FuncError> {
    b64()
        .decode(text)
        .map_err(|_| FuncError::new(format!("failed to decode base64 data '{text}'")))
}

/// Gzip with Go's header (no name, mtime 0, OS unknown).
fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut enc = flate2::GzBuilder::new()
        .operating_system(255)
        .mtime(0)
        .write(Vec::new(), flate2::Compression::default());
    // Writing to a Vec cannot fail.
    let _ = enc.write_all(data);
    enc.finish().unwrap_or_default()
}

/// Encodings `textencodebase64` supports: canonical IANA name by lower-cased alias.
fn text_encoding(name: &str) -> Option<&'static str> {
    let n = name.to_ascii_lowercase();
    Some(match n.as_str() {
        "utf-8" | "utf8" | "csutf8" => "UTF-8",
        "utf-16" | "csutf16" => "UTF-16",
        "utf-16le" | "csutf16le" => "UTF-16LE",
        "utf-16be" | "csutf16be" => "UTF-16BE",
        "iso-8859-1" | "iso_8859-1" | "latin1" | "l1" | "iso-ir-100" | "ibm819" | "cp819"
        | "csisolatin1" | "iso_8859-1:1987" => "ISO-8859-1",
        "windows-1252" | "cswindows1252" => "windows-1252",
        "shift_jis" | "ms_kanji" | "csshiftjis" => "Shift_JIS",
        "euc-jp" | "cseucpkdfmtjapanese" => "EUC-JP",
        "euc-kr" | "cseuckr" => "EUC-KR",
        "gbk" | "cp936" | "ms936" | "windows-936" => "GBK",
        "gb18030" | "csgb18030" => "GB18030",
        "big5" | "csbig5" => "Big5",
        "koi8-r" | "cskoi8r" => "KOI8-R",
        "koi8-u" | "cskoi8u" => "KOI8-U",
        _ => return None,
    })
}

fn encoding_error(name: &str) -> FuncError {
    FuncError::arg(
        1,
        format!(
            "Invalid value for \"encoding\" parameter: {} is not a supported IANA encoding name \
             or alias in this Terraform version.",
            go_quote_str(name)
        ),
    )
}

fn text_encode(text: &str, enc: &str) -> Result<Vec<u8>, FuncError> {
    let canon = text_encoding(enc).ok_or_else(|| encoding_error(enc))?;
    let cannot = || {
        FuncError::arg(
            0,
            format!(
                "Invalid value for \"string\" parameter: the given string contains characters \
                 that cannot be represented in {canon}."
            ),
        )
    };
    Ok(match canon {
        "UTF-8" => text.as_bytes().to_vec(),
        "UTF-16" | "UTF-16BE" => {
            let mut v = Vec::new();
            if canon == "UTF-16" {
                v.extend([0xFE, 0xFF]);
            }
            for u in text.encode_utf16() {
                v.extend(u.to_be_bytes());
            }
            v
        }
        "UTF-16LE" => text.encode_utf16().flat_map(u16::to_le_bytes).collect(),
        "ISO-8859-1" => {
            let mut v = Vec::new();
            for c in text.chars() {
                let u = c as u32;
                if u > 0xff {
                    return Err(cannot());
                }
                v.push(u as u8);
            }
            v
        }
        other => {
            let e = encoding_rs::Encoding::for_label(other.as_bytes())
                .ok_or_else(|| encoding_error(enc))?;
            let (bytes, _, bad) = e.encode(text);
            if bad {
                return Err(cannot());
            }
            bytes.into_owned()
        }
    })
}

fn text_decode(data: &[u8], enc: &str) -> Result<String, FuncError> {
    let canon = text_encoding(enc).ok_or_else(|| encoding_error(enc))?;
    let invalid = || {
        FuncError::arg(
            0,
            format!(
                "Invalid value for \"source\" parameter: the given value is has an invalid \
                 {canon} encoding."
            ),
        )
    };
    Ok(match canon {
        "UTF-8" => String::from_utf8_lossy(data).into_owned(),
        "ISO-8859-1" => data.iter().map(|&b| b as char).collect(),
        "UTF-16" | "UTF-16LE" | "UTF-16BE" => {
            let (mut le, mut body) = (canon == "UTF-16LE", data);
            if canon == "UTF-16" {
                if body.starts_with(&[0xFF, 0xFE]) {
                    le = true;
                    body = &body[2..];
                } else if body.starts_with(&[0xFE, 0xFF]) {
                    body = &body[2..];
                }
            }
            if body.len() % 2 != 0 {
                return Err(invalid());
            }
            let units: Vec<u16> = body
                .chunks(2)
                .map(|c| {
                    if le {
                        u16::from_le_bytes([c[0], c[1]])
                    } else {
                        u16::from_be_bytes([c[0], c[1]])
                    }
                })
                .collect();
            String::from_utf16_lossy(&units)
        }
        other => {
            let e = encoding_rs::Encoding::for_label(other.as_bytes())
                .ok_or_else(|| encoding_error(enc))?;
            let (text, _, bad) = e.decode(data);
            if bad {
                return Err(invalid());
            }
            text.into_owned()
        }
    })
}

pub(crate) fn functions() -> Vec<Function> {
    let str_to_str = |name: &'static str, p: &'static str, imp: super::ImplFn| Function {
        name,
        params: vec![Param::new(p, Type::String)],
        variadic: None,
        return_type: fixed_return!(Type::String),
        imp,
    };
    vec![
        str_to_str("base64encode", "str", |a, _| {
            Ok(Value::string(b64().encode(s(&a[0]))))
        }),
        str_to_str("base64decode", "str", |a, _| {
            let bytes = base64_decode(s(&a[0]))?;
            String::from_utf8(bytes).map(Value::string).map_err(|_| {
                FuncError::new("the result of decoding the provided string is not valid UTF-8")
            })
        }),
        str_to_str("base64gzip", "str", |a, _| {
            Ok(Value::string(b64().encode(gzip(s(&a[0]).as_bytes()))))
        }),
        str_to_str("urlencode", "str", |a, _| {
            Ok(Value::string(url_encode(s(&a[0]))))
        }),
        Function {
            name: "textencodebase64",
            params: vec![
                Param::new("string", Type::String),
                Param::new("encoding", Type::String),
            ],
            variadic: None,
            return_type: fixed_return!(Type::String),
            imp: |a, _| {
                Ok(Value::string(
                    b64().encode(text_encode(s(&a[0]), s(&a[1]))?),
                ))
            },
        },
        Function {
            name: "textdecodebase64",
            params: vec![
                Param::new("source", Type::String),
                Param::new("encoding", Type::String),
            ],
            variadic: None,
            return_type: fixed_return!(Type::String),
            imp: |a, _| {
                let src = s(&a[0]);
                let bytes = b64().decode(src).map_err(|_| {
                    FuncError::arg(
                        0,
                        "Invalid value for \"source\" parameter: the given value is not valid \
                         base64.",
                    )
                })?;
                text_decode(&bytes, s(&a[1])).map(Value::string)
            },
        },
        Function {
            name: "jsonencode",
            params: vec![Param::new("val", Type::Dynamic).nullable()],
            variadic: None,
            return_type: fixed_return!(Type::String),
            imp: |a, _| {
                json_encode(&a[0])
                    .map(Value::string)
                    .map_err(FuncError::new)
            },
        },
        Function {
            name: "jsondecode",
            params: vec![Param::new("str", Type::String)],
            variadic: None,
            return_type: fixed_return!(Type::Dynamic),
            imp: |a, _| json_decode(s(&a[0])).map_err(FuncError::new),
        },
        Function {
            name: "csvdecode",
            params: vec![Param::new("str", Type::String)],
            variadic: None,
            return_type: fixed_return!(Type::Dynamic),
            imp: |a, _| csv_decode(s(&a[0])),
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::super::numeric::test_support::{call, call_err};
    use girder_core::{Number, Type, Value};

    fn st(x: &str) -> Value {
        Value::string(x)
    }

    #[test]
    fn jsonencode_matches_terraform() {
        let v = Value::object_from([
            ("b", st("<a>&")),
            (
                "a",
                Value::tuple(vec![
                    Value::int(1),
                    Value::number(Number::parse("1.5").unwrap()),
                    Value::bool(true),
                    Value::null_dynamic(),
                ]),
            ),
            ("c", st("\u{2028}é\u{1}")),
        ]);
        assert_eq!(
            call("jsonencode", &[v]),
            st(r#"{"a":[1,1.5,true,null],"b":"\u003ca\u003e\u0026","c":"\u2028é\u0001"}"#)
        );
        assert_eq!(
            call(
                "jsonencode",
                &[Value::number(Number::parse("1e30").unwrap())]
            ),
            st("1000000000000000000000000000000")
        );
        assert_eq!(
            call_err("jsonencode", &[Value::number(Number::infinity())]).message,
            "cannot serialize infinity as JSON"
        );
        assert_eq!(call("jsonencode", &[Value::null_dynamic()]), st("null"));
    }

    #[test]
    fn jsondecode_cases() {
        let v = call("jsondecode", &[st(r#"{"b":1,"a":[1,"x",null,true,{}]}"#)]);
        assert_eq!(
            v,
            Value::object_from([
                (
                    "a",
                    Value::tuple(vec![
                        Value::number(Number::parse("1").unwrap()),
                        st("x"),
                        Value::null_dynamic(),
                        Value::bool(true),
                        Value::empty_object(),
                    ])
                ),
                ("b", Value::number(Number::parse("1").unwrap())),
            ])
        );
        assert_eq!(
            call("jsondecode", &[st(r#"{"a":1,"a":2}"#)])
                .get_attr("a")
                .unwrap()
                .as_number()
                .unwrap()
                .to_string(),
            "2"
        );
        for (text, msg) in [
            ("[1,", "EOF"),
            ("", "EOF"),
            ("1 2", "extraneous data after JSON object"),
            ("x", "invalid character 'x' looking for beginning of value"),
        ] {
            assert_eq!(call_err("jsondecode", &[st(text)]).message, msg, "{text}");
        }
    }

    #[test]
    fn base64_url_text() {
        assert_eq!(call("base64encode", &[st("héllo")]), st("aMOpbGxv"));
        assert_eq!(call("base64decode", &[st("aMOpbGxv")]), st("héllo"));
        assert_eq!(
            call_err("base64decode", &[st("!!")]).message,
            "failed to decode base64 data '!!'"
        );
        assert_eq!(
            call_err("base64decode", &[st("/w==")]).message,
            "the result of decoding the provided string is not valid UTF-8"
        );
        assert_eq!(
            call("urlencode", &[st("a b&c=d/é~-_.!*()")]),
            st("a+b%26c%3Dd%2F%C3%A9~-_.%21%2A%28%29")
        );
        assert_eq!(
            call("textencodebase64", &[st("hé"), st("UTF-16LE")]),
            st("aADpAA==")
        );
        assert_eq!(
            call("textencodebase64", &[st("hé"), st("ISO-8859-1")]),
            st("aOk=")
        );
        assert_eq!(
            call("textdecodebase64", &[st("aADpAA=="), st("UTF-16LE")]),
            st("hé")
        );
        assert_eq!(
            call_err("textencodebase64", &[st("hé"), st("nope")]).message,
            "Invalid value for \"encoding\" parameter: \"nope\" is not a supported IANA \
             encoding name or alias in this Terraform version."
        );
        // base64gzip round-trips through a gzip reader.
        let out = call("base64gzip", &[st("hello")]);
        let bytes = {
            use base64::Engine as _;
            base64::engine::general_purpose::STANDARD
                .decode(out.as_str().unwrap())
                .unwrap()
        };
        assert_eq!(&bytes[..10], &[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
        let mut text = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut text)
            .unwrap();
        assert_eq!(text, "hello");
    }

    #[test]
    fn csvdecode_cases() {
        let v = call("csvdecode", &[st("a,b\n1,2\n3,4\n")]);
        let row = |a: &str, b: &str| Value::object_from([("a", st(a)), ("b", st(b))]);
        let ty = Type::object(
            [
                ("a".to_string(), Type::String),
                ("b".to_string(), Type::String),
            ]
            .into(),
        );
        assert_eq!(
            v,
            Value::list(ty.clone(), vec![row("1", "2"), row("3", "4")])
        );
        assert_eq!(call("csvdecode", &[st("a,b")]), Value::list(ty, vec![]));
        let q = call("csvdecode", &[st("a\n\"x\"\"y\"\n")]);
        assert_eq!(q.as_seq().unwrap()[0].get_attr("a").unwrap(), &st("x\"y"));
        for (text, msg) in [
            (
                "a,b\n1\n",
                "CSV parse error on line 2: wrong number of fields",
            ),
            ("", "missing header line"),
            ("a,a\n1,2", "duplicate column name \"a\""),
        ] {
            assert_eq!(call_err("csvdecode", &[st(text)]).message, msg, "{text:?}");
        }
    }
}
