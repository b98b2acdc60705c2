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

// ----- YAML -----

/// A parsed YAML node before resolution to values.
#[derive(Clone, Debug)]
enum YNode {
    Scalar {
        text: String,
        plain: bool,
        tag: Option<String>,
    },
    Seq(Vec<YNode>),
    Map(Vec<(YNode, YNode)>),
}

/// Builds nodes from yaml-rust2's events.
fn yaml_parse(text: &str) -> Result<YNode, String> {
    use yaml_rust2::parser::{Event, Parser};
    use yaml_rust2::scanner::TScalarStyle;
    let mut parser = Parser::new_from_str(text);
    let mut anchors: std::collections::HashMap<usize, YNode> = std::collections::HashMap::new();
    // Stack of open containers: (anchor id, items, is_map).
    let mut stack: Vec<(usize, Vec<YNode>, bool)> = Vec::new();
    let mut open_anchors: Vec<usize> = Vec::new();
    let mut root: Option<YNode> = None;
    let mut docs = 0;
    let pos =
        |m: &yaml_rust2::scanner::Marker| format!("on line {}, column {}", m.line(), m.col() + 1);
    loop {
        let (ev, mark) = parser
            .next_token()
            .map_err(|e| format!("{}: {}", pos(e.marker()), e.info()))?;
        let tag_name = |t: &Option<yaml_rust2::parser::Tag>| {
            t.as_ref().map(|t| {
                if t.handle == "tag:yaml.org,2002:" || t.handle == "!!" {
                    t.suffix.clone()
                } else {
                    format!("{}{}", t.handle, t.suffix)
                }
            })
        };
        let node = match ev {
            Event::StreamStart | Event::Nothing | Event::DocumentEnd => continue,
            Event::DocumentStart => {
                docs += 1;
                if docs > 1 {
                    return Err("on line 1, column 1: unexpected extra content after value".into());
                }
                continue;
            }
            Event::StreamEnd => break,
            Event::Alias(id) => {
                if open_anchors.contains(&id) {
                    return Err(format!(
                        "cannot refer to anchor {id} from inside its own definition"
                    ));
                }
                anchors
                    .get(&id)
                    .cloned()
                    .ok_or_else(|| format!("{}: unknown anchor", pos(&mark)))?
            }
            Event::Scalar(text, style, anchor, tag) => {
                let n = YNode::Scalar {
                    text,
                    plain: style == TScalarStyle::Plain,
                    tag: tag_name(&tag),
                };
                if anchor > 0 {
                    anchors.insert(anchor, n.clone());
                }
                n
            }
            Event::SequenceStart(anchor, _) => {
                stack.push((anchor, Vec::new(), false));
                open_anchors.push(anchor);
                continue;
            }
            Event::MappingStart(anchor, _) => {
                stack.push((anchor, Vec::new(), true));
                open_anchors.push(anchor);
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (anchor, items, is_map) = stack.pop().unwrap_or_default();
                open_anchors.pop();
                let n = if is_map {
                    let mut pairs = Vec::new();
                    let mut it = items.into_iter();
                    while let (Some(k), Some(v)) = (it.next(), it.next()) {
                        pairs.push((k, v));
                    }
                    YNode::Map(pairs)
                } else {
                    YNode::Seq(items)
                };
                if anchor > 0 {
                    anchors.insert(anchor, n.clone());
                }
                n
            }
        };
        match stack.last_mut() {
            Some((_, items, _)) => items.push(node),
            None => root = Some(node),
        }
    }
    root.ok_or_else(|| "on line 1, column 1: missing start of document".to_string())
}

fn yaml_timestamp(s: &str) -> Option<String> {
    let b = s.as_bytes();
    // YYYY-M-D
    let mut parts = s.splitn(2, ['T', 't', ' ']);
    let date = parts.next()?;
    let rest = parts.next();
    let d: Vec<&str> = date.split('-').collect();
    if d.len() != 3
        || d[0].len() != 4
        || !d
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 4 && p.bytes().all(|c| c.is_ascii_digit()))
    {
        return None;
    }
    let (y, mo, da): (u32, u32, u32) = (d[0].parse().ok()?, d[1].parse().ok()?, d[2].parse().ok()?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&da) || d[1].len() > 2 || d[2].len() > 2 {
        return None;
    }
    let _ = b;
    let Some(rest) = rest else {
        return Some(format!("{y:04}-{mo:02}-{da:02}T00:00:00Z"));
    };
    let rest = rest.trim_start();
    // time: H:M:S[.frac] then zone Z or ±hh:mm (or nothing = UTC)
    let tlen = rest
        .find(|c: char| !(c.is_ascii_digit() || c == ':' || c == '.'))
        .unwrap_or(rest.len());
    let (time, zone) = rest.split_at(tlen);
    let t: Vec<&str> = time.split(':').collect();
    if t.len() != 3 {
        return None;
    }
    let h: u32 = t[0].parse().ok()?;
    let mi: u32 = t[1].parse().ok()?;
    let sec: u32 = t[2].split('.').next()?.parse().ok()?;
    let zone = zone.trim_start();
    let z = match zone {
        "" | "Z" | "z" => "Z".to_string(),
        z if (z.starts_with('+') || z.starts_with('-')) => {
            let (sign, hm) = z.split_at(1);
            let (zh, zm) = hm.split_once(':').unwrap_or((hm, "0"));
            let zh: u32 = zh.parse().ok()?;
            let zm: u32 = zm.parse().ok()?;
            if zh == 0 && zm == 0 {
                "Z".to_string()
            } else {
                format!("{sign}{zh:02}:{zm:02}")
            }
        }
        _ => return None,
    };
    Some(format!("{y:04}-{mo:02}-{da:02}T{h:02}:{mi:02}:{sec:02}{z}"))
}

/// Resolves a plain scalar as cty's YAML decoder does (YAML 1.1 booleans, decimal numbers
/// exact, hex and 0o integers, timestamps as RFC 3339 strings).
fn yaml_resolve_plain(s: &str) -> Result<Value, String> {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Ok(Value::null_dynamic()),
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Ok(Value::bool(true))
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Ok(Value::bool(false))
        }
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Ok(Value::number(Number::infinity()))
        }
        "-.inf" | "-.Inf" | "-.INF" => return Ok(Value::number(Number::neg_infinity())),
        ".nan" | ".NaN" | ".NAN" => return Err("cannot represent NaN as a number".into()),
        _ => {}
    }
    let first = s.as_bytes()[0];
    if first.is_ascii_digit() || matches!(first, b'+' | b'-' | b'.') {
        if let Some(t) = yaml_timestamp(s) {
            return Ok(Value::string(t));
        }
        let plain = s.replace('_', "");
        if let Ok(n) = Number::parse(&plain) {
            if !n.is_infinite() || plain.ends_with("nf") {
                return Ok(Value::number(n));
            }
        }
        let (neg, body) = match plain.strip_prefix('-') {
            Some(b) => (true, b),
            None => (false, plain.strip_prefix('+').unwrap_or(&plain)),
        };
        let radix = if let Some(h) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
            Some((h, 16))
        } else {
            body.strip_prefix("0o")
                .or_else(|| body.strip_prefix("0O"))
                .map(|o| (o, 8))
        };
        if let Some((digits, base)) = radix {
            if let Ok(v) = i64::from_str_radix(digits, base) {
                return Ok(Value::int(if neg { -v } else { v }));
            }
        }
    }
    Ok(Value::string(s))
}

fn yaml_value(n: &YNode) -> Result<Value, String> {
    Ok(match n {
        YNode::Scalar { text, plain, tag } => match tag.as_deref() {
            Some("str") | Some("binary") => Value::string(text.clone()),
            Some("timestamp") => {
                Value::string(yaml_timestamp(text).unwrap_or_else(|| text.clone()))
            }
            Some(_) if !*plain => Value::string(text.clone()),
            _ if !*plain => Value::string(text.clone()),
            _ => yaml_resolve_plain(text)?,
        },
        YNode::Seq(items) => Value::tuple(items.iter().map(yaml_value).collect::<Result<_, _>>()?),
        YNode::Map(pairs) => {
            let mut attrs = BTreeMap::new();
            for (k, v) in pairs {
                let YNode::Scalar { text, .. } = k else {
                    return Err("only strings are allowed as mapping keys".into());
                };
                if text == "<<" {
                    // Merge key: merge the referenced mapping(s) without overriding.
                    let merged = yaml_value(v)?;
                    let maps: Vec<Value> = match merged.as_map() {
                        Some(_) => vec![merged.clone()],
                        None => merged.as_seq().unwrap_or_default().to_vec(),
                    };
                    for m in maps {
                        for (mk, mv) in m.as_map().cloned().unwrap_or_default() {
                            attrs.entry(mk).or_insert(mv);
                        }
                    }
                    continue;
                }
                attrs.insert(text.clone(), yaml_value(v)?);
            }
            Value::object(attrs)
        }
    })
}

fn yaml_decode(text: &str) -> Result<Value, String> {
    let root = yaml_parse(text)?;
    let v = yaml_value(&root)?;
    // cty's decoder gives an unknown for a document that is just null.
    if v.is_null() {
        return Ok(Value::unknown_dynamic());
    }
    Ok(v)
}

/// The YAML emitter state (go-yaml's, reduced to what `yamlencode` produces).
struct YEmit {
    out: String,
    column: usize,
    open_ended: bool,
}

fn yaml_printable(c: char) -> bool {
    let u = c as u32;
    u == 0x0A
        || (0x20..=0x7E).contains(&u)
        || u == 0x85
        || (0xA0..=0xD7FF).contains(&u)
        || ((0xE000..=0xFFFD).contains(&u) && u != 0xFEFF)
        || (0x10000..=0x10FFFF).contains(&u)
}

impl YEmit {
    fn put(&mut self, s: &str) {
        self.out.push_str(s);
        self.column += s.chars().count();
    }
    fn newline(&mut self) {
        self.out.push('\n');
        self.column = 0;
    }
    fn indent_to(&mut self, indent: usize) {
        self.newline();
        self.put(&" ".repeat(indent));
    }

    /// Can a string be written as a literal block (libyaml's analysis)?
    fn block_allowed(s: &str) -> bool {
        let chars: Vec<char> = s.chars().collect();
        if chars.iter().any(|&c| !yaml_printable(c) || c == '\u{FEFF}') {
            return false;
        }
        let is_break = |c: char| matches!(c, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}');
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                if i + 1 < chars.len() && is_break(chars[i + 1]) {
                    return false; // space_break
                }
                if i + 1 == chars.len() {
                    return false; // trailing space
                }
            }
        }
        true
    }

    fn double_quoted(&mut self, s: &str, indent: usize, allow_breaks: bool) {
        self.put("\"");
        let chars: Vec<char> = s.chars().collect();
        let mut spaces = false;
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            let is_break = matches!(c, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}');
            if !yaml_printable(c) || c == '\u{FEFF}' || is_break || c == '"' || c == '\\' {
                let esc = match c {
                    '\0' => "\\0".to_string(),
                    '\u{7}' => "\\a".to_string(),
                    '\u{8}' => "\\b".to_string(),
                    '\t' => "\\t".to_string(),
                    '\n' => "\\n".to_string(),
                    '\u{b}' => "\\v".to_string(),
                    '\u{c}' => "\\f".to_string(),
                    '\r' => "\\r".to_string(),
                    '\u{1b}' => "\\e".to_string(),
                    '"' => "\\\"".to_string(),
                    '\\' => "\\\\".to_string(),
                    '\u{85}' => "\\N".to_string(),
                    '\u{a0}' => "\\_".to_string(),
                    '\u{2028}' => "\\L".to_string(),
                    '\u{2029}' => "\\P".to_string(),
                    c if (c as u32) <= 0xFF => format!("\\x{:02X}", c as u32),
                    c if (c as u32) <= 0xFFFF => format!("\\u{:04X}", c as u32),
                    c => format!("\\U{:08X}", c as u32),
                };
                self.put(&esc);
                spaces = false;
            } else if c == ' ' {
                if allow_breaks && !spaces && self.column > 80 && i != 0 && i != chars.len() - 1 {
                    self.indent_to(indent);
                    if chars.get(i + 1) == Some(&' ') {
                        self.put("\\");
                    }
                } else {
                    self.put(" ");
                }
                spaces = true;
            } else {
                self.put(&c.to_string());
                spaces = false;
            }
            i += 1;
        }
        self.put("\"");
    }

    fn literal(&mut self, s: &str, indent: usize) {
        let mut hints = String::from("|");
        if s.starts_with(' ') || s.starts_with('\n') {
            hints.push('2');
        }
        let trailing = s.len() - s.trim_end_matches('\n').len();
        match trailing {
            0 => hints.push('-'),
            1 => {}
            _ => {
                hints.push('+');
                self.open_ended = true;
            }
        }
        self.put(&hints);
        let body = s.strip_suffix('\n').unwrap_or(s);
        for line in body.split('\n') {
            self.newline();
            if !line.is_empty() {
                self.put(&" ".repeat(indent));
                self.put(line);
            }
        }
    }

    fn string(&mut self, s: &str, indent: usize, root: bool) {
        if s.contains('\n') && Self::block_allowed(s) {
            self.literal(s, indent);
        } else {
            let _ = root;
            self.double_quoted(s, indent, true);
        }
    }

    /// Writes a value at the current position; `indent` is the block's indentation.
    fn node(&mut self, v: &Value, indent: usize, root: bool) -> Result<(), String> {
        use girder_core::value::Kind;
        match v.kind() {
            Kind::Unknown(_) => return Err("value is not known".into()),
            Kind::Null(_) => self.plain("null", root),
            Kind::Bool(b) => self.plain(if *b { "true" } else { "false" }, root),
            Kind::Number(n) => {
                if n.is_infinite() {
                    self.plain(if n.is_negative() { "-.inf" } else { "+.inf" }, root)
                } else {
                    self.plain(&n.to_string(), root)
                }
            }
            Kind::String(s) => self.string(s, indent + 2, root),
            Kind::List(_, items) | Kind::Set(_, items) | Kind::Tuple(items) => {
                if items.is_empty() {
                    self.put("[]");
                    return Ok(());
                }
                for (i, x) in items.iter().enumerate() {
                    if i > 0 {
                        self.indent_to(indent);
                    }
                    self.put("- ");
                    self.node(x, child_indent(x, indent), false)?;
                }
            }
            Kind::Map(_, m) | Kind::Object(m) => {
                if m.is_empty() {
                    self.put("{}");
                    return Ok(());
                }
                for (i, (k, x)) in m.iter().enumerate() {
                    if i > 0 {
                        self.indent_to(indent);
                    }
                    self.double_quoted(k, indent, false);
                    self.put(":");
                    match x.kind() {
                        Kind::List(_, xs) | Kind::Set(_, xs) | Kind::Tuple(xs)
                            if !xs.is_empty() =>
                        {
                            // Block sequences under a key are not indented (go-yaml style).
                            self.indent_to(indent);
                            self.node(x, indent, false)?;
                        }
                        Kind::Map(_, xm) | Kind::Object(xm) if !xm.is_empty() => {
                            self.indent_to(indent + 2);
                            self.node(x, indent + 2, false)?;
                        }
                        _ => {
                            self.put(" ");
                            self.node(x, indent, false)?;
                        }
                    }
                }
            }
        }
        Ok(())
    }

    fn plain(&mut self, s: &str, root: bool) {
        self.put(s);
        if root {
            self.open_ended = true;
        }
    }
}

/// The block indentation of a sequence item: containers nest 2 deeper, scalars indent from
/// the sequence's own level.
fn child_indent(x: &Value, indent: usize) -> usize {
    match x.len() {
        Some(n) if n > 0 => indent + 2,
        _ => indent,
    }
}

fn yaml_encode(v: &Value) -> Result<String, String> {
    let mut e = YEmit {
        out: String::new(),
        column: 0,
        open_ended: false,
    };
    e.node(v, 0, true)?;
    e.newline();
    if e.open_ended {
        e.out.push_str("...\n");
    }
    Ok(e.out)
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
            name: "yamlencode",
            params: vec![Param::new("value", Type::Dynamic).nullable()],
            variadic: None,
            return_type: fixed_return!(Type::String),
            imp: |a, _| {
                yaml_encode(&a[0])
                    .map(Value::string)
                    .map_err(FuncError::new)
            },
        },
        Function {
            name: "yamldecode",
            params: vec![Param::new("src", Type::String)],
            variadic: None,
            return_type: fixed_return!(Type::Dynamic),
            imp: |a, _| yaml_decode(s(&a[0])).map_err(FuncError::new),
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

    fn n(x: &str) -> Value {
        Value::number(Number::parse(x).unwrap())
    }

    #[test]
    fn yamlencode_matches_terraform() {
        let long = "word ".repeat(30);
        let cases: Vec<(Value, String)> = vec![
            (
                Value::object_from([
                    ("a", n("1")),
                    ("b", st("x")),
                    (
                        "c",
                        Value::tuple(vec![n("1"), st("y"), Value::bool(true), Value::null_dynamic()]),
                    ),
                    ("d", Value::object_from([("e", st("multi\nline"))])),
                    ("f", Value::tuple(vec![])),
                    ("g", Value::empty_object()),
                    ("h", st("")),
                    ("i", st("yes")),
                ]),
                "\"a\": 1\n\"b\": \"x\"\n\"c\":\n- 1\n- \"y\"\n- true\n- null\n\"d\":\n  \"e\": |-\n    multi\n    line\n\"f\": []\n\"g\": {}\n\"h\": \"\"\n\"i\": \"yes\"\n".to_string(),
            ),
            (st("hello"), "\"hello\"\n".to_string()),
            (n("1.5"), "1.5\n...\n".to_string()),
            (Value::bool(true), "true\n...\n".to_string()),
            (Value::null_dynamic(), "null\n...\n".to_string()),
            (Value::tuple(vec![]), "[]\n".to_string()),
            (st("a\nb"), "|-\n  a\n  b\n".to_string()),
            (st("a\nb\n"), "|\n  a\n  b\n".to_string()),
            (st(" a\n b"), "|2-\n   a\n   b\n".to_string()),
            (st("a\n\nb  \n"), "\"a\\n\\nb  \\n\"\n".to_string()),
            (st("é\t\u{1}\"\\"), "\"é\\t\\x01\\\"\\\\\"\n".to_string()),
            (
                Value::tuple(vec![
                    st("a\nb"),
                    Value::tuple(vec![n("1"), Value::tuple(vec![n("2")])]),
                    Value::tuple(vec![]),
                    Value::object_from([
                        ("x", n("1")),
                        ("y", Value::tuple(vec![Value::object_from([("z", n("1"))])])),
                    ]),
                ]),
                "- |-\n  a\n  b\n- - 1\n  - - 2\n- []\n- \"x\": 1\n  \"y\":\n  - \"z\": 1\n".to_string(),
            ),
            (
                st(&long),
                format!(
                    "\"{}\n  {}\"\n",
                    "word ".repeat(17).trim_end(),
                    "word ".repeat(13)
                ),
            ),
        ];
        for (v, want) in cases {
            assert_eq!(
                call("yamlencode", std::slice::from_ref(&v)),
                st(&want),
                "{v:?}"
            );
        }
    }

    #[test]
    fn yamldecode_matches_terraform() {
        let v = call(
            "yamldecode",
            &[st("a: 1\nb: [x, 2.5, true, null, ~]\nc: yes\nd: \"1\"\ne: 0x10\nf: 1e3\ng: .inf\nh: 2001-12-14\n")],
        );
        let want = Value::object_from([
            ("a", n("1")),
            (
                "b",
                Value::tuple(vec![
                    st("x"),
                    n("2.5"),
                    Value::bool(true),
                    Value::null_dynamic(),
                    Value::null_dynamic(),
                ]),
            ),
            ("c", Value::bool(true)),
            ("d", st("1")),
            ("e", Value::int(16)),
            ("f", n("1000")),
            ("g", Value::number(Number::infinity())),
            ("h", st("2001-12-14T00:00:00Z")),
        ]);
        assert_eq!(
            v.to_json().unwrap_or_default(),
            want.to_json().unwrap_or_default()
        );
        let cases: Vec<(&str, Value)> = vec![
            ("- 1\n- 2", Value::tuple(vec![n("1"), n("2")])),
            ("0o17", Value::int(15)),
            ("017", n("17")),
            ("on", Value::bool(true)),
            ("-.5", n("-0.5")),
            ("{1: 2}", Value::object_from([("1", n("2"))])),
            (
                "a: &x 1\nb: *x",
                Value::object_from([("a", n("1")), ("b", n("1"))]),
            ),
            ("a: !!str 1", Value::object_from([("a", st("1"))])),
            ("1_000", n("1000")),
            ("0b101", st("0b101")),
            (
                "2001-12-14T21:59:43.10-05:00",
                st("2001-12-14T21:59:43-05:00"),
            ),
            (
                "x: |\n  l1\n  l2\n",
                Value::object_from([("x", st("l1\nl2\n"))]),
            ),
            ("null", Value::unknown_dynamic()),
        ];
        for (text, want) in cases {
            let got = call("yamldecode", &[st(text)]);
            assert_eq!(got, want, "{text:?}");
        }
        for (text, msg) in [
            ("", "on line 1, column 1: missing start of document"),
            ("? [1]\n: 2", "only strings are allowed as mapping keys"),
            (
                "a: 1\n---\nb: 2",
                "on line 1, column 1: unexpected extra content after value",
            ),
        ] {
            assert_eq!(call_err("yamldecode", &[st(text)]).message, msg, "{text:?}");
        }
    }
}
