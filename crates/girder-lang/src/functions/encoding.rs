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

/// A string as JSON (Go's `encoding/json` escaping).
pub(super) fn json_string(text: &str) -> String {
    let mut out = String::new();
    json_quote(&mut out, text);
    out
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
                    return Ok(Value::object(attrs.into()));
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
                            return Ok(Value::object(attrs.into()));
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
            b'-' | b'0'..=b'9' => self.number(),
            _ => Err(self.err_char("looking for beginning of value")),
        }
    }
    /// A number by JSON's grammar, with Go's scanner messages.
    fn number(&mut self) -> Result<Value, String> {
        let start = self.i;
        let digit = |r: &Self, at: usize| r.b.get(at).is_some_and(u8::is_ascii_digit);
        if self.b[self.i] == b'-' {
            self.i += 1;
            match self.b.get(self.i) {
                None => return Err("unexpected EOF".into()),
                Some(c) if c.is_ascii_digit() => {}
                Some(_) => return Err(self.err_char("in numeric literal")),
            }
        }
        if self.b[self.i] == b'0' {
            self.i += 1;
        } else {
            while digit(self, self.i) {
                self.i += 1;
            }
        }
        if self.b.get(self.i) == Some(&b'.') {
            self.i += 1;
            if self.i >= self.b.len() {
                return Err("unexpected EOF".into());
            }
            if !digit(self, self.i) {
                return Err(self.err_char("after decimal point in numeric literal"));
            }
            while digit(self, self.i) {
                self.i += 1;
            }
        }
        if matches!(self.b.get(self.i), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.b.get(self.i), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if self.i >= self.b.len() {
                return Err("unexpected EOF".into());
            }
            if !digit(self, self.i) {
                return Err(self.err_char("in exponent of numeric literal"));
            }
            while digit(self, self.i) {
                self.i += 1;
            }
        }
        let text = &self.src[start..self.i];
        Number::parse(text)
            .map(Value::number)
            .map_err(|_| format!("invalid number literal {}", go_quote_str(text)))
    }

    fn lit(&mut self, word: &str, v: Value) -> Result<Value, String> {
        let wb = word.as_bytes();
        for (k, &want) in wb.iter().enumerate() {
            match self.b.get(self.i + k) {
                None => return Err("unexpected EOF".into()),
                Some(&c) if c == want => {}
                Some(_) => {
                    self.i += k;
                    return Err(self.err_char(&format!(
                        "in literal {word} (expecting {})",
                        go_char(want as char)
                    )));
                }
            }
        }
        self.i += wb.len();
        Ok(v)
    }
    fn string(&mut self) -> Result<String, String> {
        self.i += 1;
        let mut out = String::new();
        loop {
            let Some(&c) = self.b.get(self.i) else {
                return Err("unexpected EOF".into());
            };
            match c {
                b'"' => {
                    self.i += 1;
                    return Ok(out);
                }
                b'\\' => {
                    self.i += 1;
                    let Some(&e) = self.b.get(self.i) else {
                        return Err("unexpected EOF".into());
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
        c => {
            let q = super::numeric::go_quote(&c.to_string());
            format!("'{}'", &q[1..q.len() - 1])
        }
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
                        // Go's reader counts the read that hits the end of input as a line.
                        let lines = text.matches('\n').count() + usize::from(!text.ends_with('\n'));
                        return Err(FuncError::new(format!(
                            "CSV parse error on line {}: extraneous or missing \" in \
                             quoted-field",
                            lines + 1
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

/// Go's decoder skips line breaks.
fn strip_breaks(text: &str) -> String {
    text.chars().filter(|c| *c != '\n' && *c != '\r').collect()
}

fn base64_decode(text: &str) -> Result<Vec<u8>, FuncError> {
    b64()
        .decode(strip_breaks(text))
        .map_err(|_| FuncError::new(format!("failed to decode base64 data '{text}'")))
}

// ----- gzip exactly as Go's compress/gzip (default level) writes it -----

/// Go's `compress/flate` at the default level (6), reproduced so `base64gzip` gives the same
/// bytes as Terraform: the same LZ77 matching (hash chains, lazy matching) and the same
/// choice between stored, fixed and dynamic Huffman blocks, with Go's Huffman construction.
mod goflate {
    const WINDOW_SIZE: usize = 1 << 15;
    const WINDOW_MASK: usize = WINDOW_SIZE - 1;
    const MIN_MATCH: usize = 4;
    const MAX_MATCH: usize = 258;
    const MAX_BLOCK_TOKENS: usize = 1 << 14;
    const MAX_STORE_BLOCK: usize = 65535;
    const HASH_BITS: u32 = 17;
    const HASH_SIZE: usize = 1 << HASH_BITS;
    const HASH_MASK: u32 = (1 << HASH_BITS) - 1;
    const MAX_HASH_OFFSET: i64 = 1 << 24;
    const GOOD: usize = 8;
    const LAZY: usize = 16;
    const NICE: usize = 128;
    const CHAIN: usize = 128;
    const LENGTH_CODES_START: usize = 257;
    const BAD_CODE: u8 = 255;

    const LENGTH_EXTRA_BITS: [u8; 29] = [
        0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
    ];
    const LENGTH_BASE: [u32; 29] = [
        0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 20, 24, 28, 32, 40, 48, 56, 64, 80, 96, 112,
        128, 160, 192, 224, 255,
    ];
    const OFFSET_EXTRA_BITS: [u8; 30] = [
        0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12,
        13, 13,
    ];
    const OFFSET_BASE: [u32; 30] = [
        0, 1, 2, 3, 4, 6, 8, 0xc, 0x10, 0x18, 0x20, 0x30, 0x40, 0x60, 0x80, 0xc0, 0x100, 0x180,
        0x200, 0x300, 0x400, 0x600, 0x800, 0xc00, 0x1000, 0x1800, 0x2000, 0x3000, 0x4000, 0x6000,
    ];
    const CODEGEN_ORDER: [usize; 19] = [
        16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
    ];

    /// A token: a literal byte or a match (length - 3, offset - 1).
    #[derive(Clone, Copy)]
    enum Token {
        Lit(u8),
        End,
        Match(u32, u32),
    }

    fn length_code(len: u32) -> usize {
        // len is length - 3 (0..=255)
        let mut c = 0;
        while c + 1 < LENGTH_BASE.len() && LENGTH_BASE[c + 1] <= len {
            c += 1;
        }
        c
    }
    fn offset_code(off: u32) -> usize {
        // off is offset - 1
        let mut c = 0;
        while c + 1 < OFFSET_BASE.len() && OFFSET_BASE[c + 1] <= off {
            c += 1;
        }
        c
    }

    fn hash4(b: &[u8]) -> u32 {
        let v =
            u32::from(b[3]) | u32::from(b[2]) << 8 | u32::from(b[1]) << 16 | u32::from(b[0]) << 24;
        v.wrapping_mul(0x1e35a7bd) >> (32 - HASH_BITS)
    }

    fn reverse_bits(number: u16, bit_length: u16) -> u16 {
        number.reverse_bits() >> (16 - bit_length)
    }

    #[derive(Clone, Copy, Default)]
    struct HCode {
        code: u16,
        len: u16,
    }

    #[derive(Clone, Copy)]
    struct Node {
        literal: u16,
        freq: i32,
    }

    fn huffman_generate(freq: &[i32], max_bits: i32) -> Vec<HCode> {
        let mut codes = vec![HCode::default(); freq.len()];
        let mut list: Vec<Node> = freq
            .iter()
            .enumerate()
            .filter(|(_, &f)| f != 0)
            .map(|(i, &f)| Node {
                literal: i as u16,
                freq: f,
            })
            .collect();
        if list.len() <= 2 {
            for (i, n) in list.iter().enumerate() {
                codes[n.literal as usize] = HCode {
                    code: i as u16,
                    len: 1,
                };
            }
            return codes;
        }
        list.sort_by(|a, b| a.freq.cmp(&b.freq).then(a.literal.cmp(&b.literal)));
        let bit_count = bit_counts(&list, max_bits);
        // assignEncodingAndSize
        let mut code: u16 = 0;
        let mut rest: &mut [Node] = &mut list;
        for (n, &bits) in bit_count.iter().enumerate() {
            code <<= 1;
            if n == 0 || bits == 0 {
                continue;
            }
            let split = rest.len() - bits as usize;
            let (head, chunk) = rest.split_at_mut(split);
            chunk.sort_by_key(|x| x.literal);
            for node in chunk.iter() {
                codes[node.literal as usize] = HCode {
                    code: reverse_bits(code, n as u16),
                    len: n as u16,
                };
                code = code.wrapping_add(1);
            }
            rest = head;
        }
        codes
    }

    #[derive(Clone, Copy, Default)]
    struct Level {
        level: i32,
        last_freq: i32,
        next_char_freq: i32,
        next_pair_freq: i32,
        needed: i32,
    }

    fn bit_counts(list0: &[Node], mut max_bits: i32) -> Vec<i32> {
        let n = list0.len() as i32;
        let mut list: Vec<Node> = list0.to_vec();
        list.push(Node {
            literal: u16::MAX,
            freq: i32::MAX,
        });
        if max_bits > n - 1 {
            max_bits = n - 1;
        }
        let mut levels = [Level::default(); 16];
        let mut leaf_counts = [[0i32; 16]; 16];
        for level in 1..=max_bits {
            levels[level as usize] = Level {
                level,
                last_freq: list[1].freq,
                next_char_freq: list[2].freq,
                next_pair_freq: list[0].freq + list[1].freq,
                needed: 0,
            };
            leaf_counts[level as usize][level as usize] = 2;
            if level == 1 {
                levels[level as usize].next_pair_freq = i32::MAX;
            }
        }
        levels[max_bits as usize].needed = 2 * n - 4;
        let mut level = max_bits as usize;
        loop {
            let l = levels[level];
            if l.next_pair_freq == i32::MAX && l.next_char_freq == i32::MAX {
                levels[level].needed = 0;
                levels[level + 1].next_pair_freq = i32::MAX;
                level += 1;
                continue;
            }
            let prev_freq = l.last_freq;
            if l.next_char_freq < l.next_pair_freq {
                let nn = leaf_counts[level][level] + 1;
                levels[level].last_freq = l.next_char_freq;
                leaf_counts[level][level] = nn;
                levels[level].next_char_freq = list[nn as usize].freq;
            } else {
                levels[level].last_freq = l.next_pair_freq;
                let (lower, upper) = leaf_counts.split_at_mut(level);
                upper[0][..level].copy_from_slice(&lower[level - 1][..level]);
                levels[l.level as usize - 1].needed = 2;
            }
            levels[level].needed -= 1;
            if levels[level].needed == 0 {
                if levels[level].level == max_bits {
                    break;
                }
                levels[level + 1].next_pair_freq = prev_freq + levels[level].last_freq;
                level += 1;
            } else {
                while levels[level - 1].needed > 0 {
                    level -= 1;
                }
            }
        }
        let mut bit_count = vec![0i32; max_bits as usize + 1];
        let counts = &leaf_counts[max_bits as usize];
        for (bits, level) in (1..).zip((1..=max_bits as usize).rev()) {
            bit_count[bits] = counts[level] - counts[level - 1];
        }
        bit_count
    }

    fn fixed_literal() -> Vec<HCode> {
        (0u16..286)
            .map(|ch| {
                let (bits, size) = match ch {
                    0..=143 => (ch + 48, 8),
                    144..=255 => (ch + 400 - 144, 9),
                    256..=279 => (ch - 256, 7),
                    _ => (ch + 192 - 280, 8),
                };
                HCode {
                    code: reverse_bits(bits, size),
                    len: size,
                }
            })
            .collect()
    }
    fn fixed_offset() -> Vec<HCode> {
        (0u16..30)
            .map(|ch| HCode {
                code: reverse_bits(ch, 5),
                len: 5,
            })
            .collect()
    }

    fn bit_length(codes: &[HCode], freq: &[i32]) -> i64 {
        freq.iter()
            .zip(codes)
            .map(|(&f, c)| i64::from(f) * i64::from(c.len))
            .sum()
    }

    #[derive(Default)]
    struct BitWriter {
        out: Vec<u8>,
        bits: u64,
        nbits: u32,
    }

    impl BitWriter {
        fn write_bits(&mut self, b: u32, nb: u32) {
            self.bits |= u64::from(b) << self.nbits;
            self.nbits += nb;
            while self.nbits >= 8 {
                self.out.push(self.bits as u8);
                self.bits >>= 8;
                self.nbits -= 8;
            }
        }
        fn write_code(&mut self, c: HCode) {
            self.write_bits(u32::from(c.code), u32::from(c.len));
        }
        fn flush(&mut self) {
            if self.nbits > 0 {
                self.out.push(self.bits as u8);
            }
            self.bits = 0;
            self.nbits = 0;
        }
        fn stored_header(&mut self, len: usize, eof: bool) {
            self.write_bits(u32::from(eof), 3);
            self.flush();
            self.write_bits(len as u32, 16);
            self.write_bits(!(len as u16) as u32, 16);
        }

        fn write_block(&mut self, mut tokens: Vec<Token>, eof: bool, input: Option<&[u8]>) {
            tokens.push(Token::End);
            let mut lit_freq = vec![0i32; 286];
            let mut off_freq = vec![0i32; 30];
            for t in &tokens {
                match *t {
                    Token::Lit(b) => lit_freq[b as usize] += 1,
                    Token::End => lit_freq[256] += 1,
                    Token::Match(l, o) => {
                        lit_freq[LENGTH_CODES_START + length_code(l)] += 1;
                        off_freq[offset_code(o)] += 1;
                    }
                }
            }
            let mut num_lits = lit_freq.len();
            while lit_freq[num_lits - 1] == 0 {
                num_lits -= 1;
            }
            let mut num_offs = off_freq.len();
            while num_offs > 0 && off_freq[num_offs - 1] == 0 {
                num_offs -= 1;
            }
            if num_offs == 0 {
                off_freq[0] = 1;
                num_offs = 1;
            }
            let lit_enc = huffman_generate(&lit_freq, 15);
            let off_enc = huffman_generate(&off_freq, 15);

            let mut extra_bits: i64 = 0;
            let stored = input.filter(|i| i.len() <= MAX_STORE_BLOCK);
            if stored.is_some() {
                for lc in LENGTH_CODES_START + 8..num_lits {
                    extra_bits += i64::from(lit_freq[lc])
                        * i64::from(LENGTH_EXTRA_BITS[lc - LENGTH_CODES_START]);
                }
                for oc in 4..num_offs {
                    extra_bits += i64::from(off_freq[oc]) * i64::from(OFFSET_EXTRA_BITS[oc]);
                }
            }
            let fixed_lit = fixed_literal();
            let fixed_off = fixed_offset();
            let mut size = 3
                + bit_length(&fixed_lit, &lit_freq)
                + bit_length(&fixed_off, &off_freq)
                + extra_bits;

            // Codegen.
            let mut codegen: Vec<u8> = lit_enc[..num_lits]
                .iter()
                .chain(&off_enc[..num_offs])
                .map(|c| c.len as u8)
                .collect();
            codegen.push(BAD_CODE);
            let mut cg_freq = vec![0i32; 19];
            let mut out_cg: Vec<u8> = Vec::new();
            {
                let mut size_c = codegen[0];
                let mut count: i32 = 1;
                let mut in_index = 1;
                while size_c != BAD_CODE {
                    let next = codegen[in_index];
                    in_index += 1;
                    if next == size_c {
                        count += 1;
                        continue;
                    }
                    if size_c != 0 {
                        out_cg.push(size_c);
                        cg_freq[size_c as usize] += 1;
                        count -= 1;
                        while count >= 3 {
                            let n = count.min(6);
                            out_cg.push(16);
                            out_cg.push((n - 3) as u8);
                            cg_freq[16] += 1;
                            count -= n;
                        }
                    } else {
                        while count >= 11 {
                            let n = count.min(138);
                            out_cg.push(18);
                            out_cg.push((n - 11) as u8);
                            cg_freq[18] += 1;
                            count -= n;
                        }
                        if count >= 3 {
                            out_cg.push(17);
                            out_cg.push((count - 3) as u8);
                            cg_freq[17] += 1;
                            count = 0;
                        }
                    }
                    count -= 1;
                    while count >= 0 {
                        out_cg.push(size_c);
                        cg_freq[size_c as usize] += 1;
                        count -= 1;
                    }
                    size_c = next;
                    count = 1;
                }
            }
            let cg_enc = huffman_generate(&cg_freq, 7);
            let mut num_codegens = 19;
            while num_codegens > 4 && cg_freq[CODEGEN_ORDER[num_codegens - 1]] == 0 {
                num_codegens -= 1;
            }
            let header = 3
                + 5
                + 5
                + 4
                + 3 * num_codegens as i64
                + bit_length(&cg_enc, &cg_freq)
                + i64::from(cg_freq[16]) * 2
                + i64::from(cg_freq[17]) * 3
                + i64::from(cg_freq[18]) * 7;
            let dyn_size = header
                + bit_length(&lit_enc, &lit_freq)
                + bit_length(&off_enc, &off_freq)
                + extra_bits;
            let mut dynamic = false;
            if dyn_size < size {
                size = dyn_size;
                dynamic = true;
            }
            if let Some(inp) = stored {
                if (((inp.len() + 5) * 8) as i64) < size {
                    self.stored_header(inp.len(), eof);
                    self.out.extend_from_slice(inp);
                    return;
                }
            }
            let (le, oe) = if dynamic {
                self.write_bits(if eof { 5 } else { 4 }, 3);
                self.write_bits((num_lits - 257) as u32, 5);
                self.write_bits((num_offs - 1) as u32, 5);
                self.write_bits((num_codegens - 4) as u32, 4);
                for &o in CODEGEN_ORDER.iter().take(num_codegens) {
                    self.write_bits(u32::from(cg_enc[o].len), 3);
                }
                let mut i = 0;
                while i < out_cg.len() {
                    let cw = out_cg[i];
                    i += 1;
                    self.write_code(cg_enc[cw as usize]);
                    let extra = match cw {
                        16 => 2,
                        17 => 3,
                        18 => 7,
                        _ => 0,
                    };
                    if extra > 0 {
                        self.write_bits(u32::from(out_cg[i]), extra);
                        i += 1;
                    }
                }
                (lit_enc, off_enc)
            } else {
                self.write_bits(if eof { 3 } else { 2 }, 3);
                (fixed_lit, fixed_off)
            };
            for t in &tokens {
                match *t {
                    Token::Lit(b) => self.write_code(le[b as usize]),
                    Token::End => self.write_code(le[256]),
                    Token::Match(l, o) => {
                        let lc = length_code(l);
                        self.write_code(le[lc + LENGTH_CODES_START]);
                        let eb = u32::from(LENGTH_EXTRA_BITS[lc]);
                        if eb > 0 {
                            self.write_bits(l - LENGTH_BASE[lc], eb);
                        }
                        let oc = offset_code(o);
                        self.write_code(oe[oc]);
                        let eb = u32::from(OFFSET_EXTRA_BITS[oc]);
                        if eb > 0 {
                            self.write_bits(o - OFFSET_BASE[oc], eb);
                        }
                    }
                }
            }
        }
    }

    struct Compressor {
        w: BitWriter,
        window: Vec<u8>,
        window_end: usize,
        block_start: usize,
        index: usize,
        hash_head: Vec<u32>,
        hash_prev: Vec<u32>,
        hash_offset: i64,
        chain_head: i64,
        length: usize,
        offset: usize,
        byte_available: bool,
        sync: bool,
        tokens: Vec<Token>,
        max_insert_index: usize,
    }

    impl Compressor {
        fn new() -> Compressor {
            Compressor {
                w: BitWriter::default(),
                window: vec![0; 2 * WINDOW_SIZE],
                window_end: 0,
                block_start: 0,
                index: 0,
                hash_head: vec![0; HASH_SIZE],
                hash_prev: vec![0; WINDOW_SIZE],
                hash_offset: 1,
                chain_head: -1,
                length: MIN_MATCH - 1,
                offset: 0,
                byte_available: false,
                sync: false,
                tokens: Vec::new(),
                max_insert_index: 0,
            }
        }

        fn fill(&mut self, b: &[u8]) -> usize {
            if self.index >= 2 * WINDOW_SIZE - (MIN_MATCH + MAX_MATCH) {
                self.window.copy_within(WINDOW_SIZE..2 * WINDOW_SIZE, 0);
                self.index -= WINDOW_SIZE;
                self.window_end -= WINDOW_SIZE;
                if self.block_start >= WINDOW_SIZE {
                    self.block_start -= WINDOW_SIZE;
                } else {
                    self.block_start = usize::MAX;
                }
                self.hash_offset += WINDOW_SIZE as i64;
                if self.hash_offset > MAX_HASH_OFFSET {
                    let delta = self.hash_offset - 1;
                    self.hash_offset -= delta;
                    self.chain_head -= delta;
                    for v in self.hash_prev.iter_mut().chain(self.hash_head.iter_mut()) {
                        *v = if i64::from(*v) > delta {
                            (i64::from(*v) - delta) as u32
                        } else {
                            0
                        };
                    }
                }
            }
            let n = b.len().min(self.window.len() - self.window_end);
            self.window[self.window_end..self.window_end + n].copy_from_slice(&b[..n]);
            self.window_end += n;
            n
        }

        fn write_block_at(&mut self, index: usize) {
            if index > 0 {
                let tokens = std::mem::take(&mut self.tokens);
                let window = if self.block_start <= index {
                    Some(self.window[self.block_start..index].to_vec())
                } else {
                    None
                };
                self.block_start = index;
                self.w.write_block(tokens, false, window.as_deref());
            }
        }

        fn find_match(
            &self,
            pos: usize,
            prev_head: i64,
            prev_length: usize,
            lookahead: usize,
        ) -> Option<(usize, usize)> {
            let min_match_look = MAX_MATCH.min(lookahead);
            let win = &self.window[..pos + min_match_look];
            let nice = NICE.min(win.len() - pos);
            let mut tries = CHAIN;
            let mut length = prev_length;
            if length >= GOOD {
                tries >>= 2;
            }
            let mut w_end = win[pos + length];
            let min_index = pos as i64 - WINDOW_SIZE as i64;
            let mut found = None;
            let mut i = prev_head;
            while tries > 0 {
                let iu = i as usize;
                if w_end == win[iu + length] {
                    let n = win[iu..]
                        .iter()
                        .zip(&win[pos..])
                        .take(min_match_look)
                        .take_while(|(a, b)| a == b)
                        .count();
                    if n > length && (n > MIN_MATCH || pos - iu <= 4096) {
                        length = n;
                        found = Some((n, pos - iu));
                        if n >= nice {
                            break;
                        }
                        w_end = win[pos + n];
                    }
                }
                if i == min_index {
                    break;
                }
                i = i64::from(self.hash_prev[iu & WINDOW_MASK]) - self.hash_offset;
                if i < min_index || i < 0 {
                    break;
                }
                tries -= 1;
            }
            found
        }

        fn deflate(&mut self) {
            if self.window_end - self.index < MIN_MATCH + MAX_MATCH && !self.sync {
                return;
            }
            self.max_insert_index = self.window_end.saturating_sub(MIN_MATCH - 1);
            loop {
                let lookahead = self.window_end - self.index;
                if lookahead < MIN_MATCH + MAX_MATCH {
                    if !self.sync {
                        break;
                    }
                    if lookahead == 0 {
                        if self.byte_available {
                            self.tokens.push(Token::Lit(self.window[self.index - 1]));
                            self.byte_available = false;
                        }
                        if !self.tokens.is_empty() {
                            self.write_block_at(self.index);
                        }
                        break;
                    }
                }
                if self.index < self.max_insert_index {
                    let h = (hash4(&self.window[self.index..self.index + MIN_MATCH]) & HASH_MASK)
                        as usize;
                    self.chain_head = i64::from(self.hash_head[h]);
                    self.hash_prev[self.index & WINDOW_MASK] = self.chain_head as u32;
                    self.hash_head[h] = (self.index as i64 + self.hash_offset) as u32;
                }
                let prev_length = self.length;
                let prev_offset = self.offset;
                self.length = MIN_MATCH - 1;
                self.offset = 0;
                let min_index = (self.index as i64 - WINDOW_SIZE as i64).max(0);
                if self.chain_head - self.hash_offset >= min_index
                    && lookahead > prev_length
                    && prev_length < LAZY
                {
                    if let Some((l, o)) = self.find_match(
                        self.index,
                        self.chain_head - self.hash_offset,
                        MIN_MATCH - 1,
                        lookahead,
                    ) {
                        self.length = l;
                        self.offset = o;
                    }
                }
                if prev_length >= MIN_MATCH && self.length <= prev_length {
                    self.tokens.push(Token::Match(
                        (prev_length - 3) as u32,
                        (prev_offset - 1) as u32,
                    ));
                    let new_index = self.index + prev_length - 1;
                    let mut index = self.index + 1;
                    while index < new_index {
                        if index < self.max_insert_index {
                            let h = (hash4(&self.window[index..index + MIN_MATCH]) & HASH_MASK)
                                as usize;
                            self.hash_prev[index & WINDOW_MASK] = self.hash_head[h];
                            self.hash_head[h] = (index as i64 + self.hash_offset) as u32;
                        }
                        index += 1;
                    }
                    self.index = index;
                    self.byte_available = false;
                    self.length = MIN_MATCH - 1;
                    if self.tokens.len() == MAX_BLOCK_TOKENS {
                        self.write_block_at(self.index);
                    }
                } else {
                    if self.byte_available {
                        let i = self.index - 1;
                        self.tokens.push(Token::Lit(self.window[i]));
                        if self.tokens.len() == MAX_BLOCK_TOKENS {
                            self.write_block_at(i + 1);
                        }
                    }
                    self.index += 1;
                    self.byte_available = true;
                }
            }
        }

        fn write(&mut self, mut b: &[u8]) {
            while !b.is_empty() {
                self.deflate();
                let n = self.fill(b);
                b = &b[n..];
            }
        }

        fn sync_flush(&mut self) {
            self.sync = true;
            self.deflate();
            self.w.stored_header(0, false);
            self.w.flush();
            self.sync = false;
        }

        fn close(mut self) -> Vec<u8> {
            self.sync = true;
            self.deflate();
            self.w.stored_header(0, true);
            self.w.flush();
            self.w.out
        }
    }

    /// CRC-32 (IEEE), as gzip's trailer needs.
    fn crc32(data: &[u8]) -> u32 {
        let mut table = [0u32; 256];
        for (i, t) in table.iter_mut().enumerate() {
            let mut c = i as u32;
            for _ in 0..8 {
                c = if c & 1 != 0 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
            *t = c;
        }
        let mut crc = !0u32;
        for &b in data {
            crc = table[((crc ^ u32::from(b)) & 0xff) as usize] ^ (crc >> 8);
        }
        !crc
    }

    /// What Terraform's `base64gzip` compresses to: gzip header, Write, Flush, Close.
    pub(super) fn gzip(data: &[u8]) -> Vec<u8> {
        let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
        let mut c = Compressor::new();
        c.write(data);
        c.sync_flush();
        out.extend(c.close());
        out.extend(crc32(data).to_le_bytes());
        out.extend((data.len() as u32).to_le_bytes());
        out
    }
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
        "us-ascii" | "csascii" | "iso646-us" | "ansi_x3.4-1968" => "US-ASCII",
        // Labels where the WHATWG tables (encoding_rs) mean another charset than IANA.
        "ascii" | "us" | "iso-8859-9" | "latin5" | "tis-620" | "iso-8859-11" | "gb2312"
        | "x-user-defined" | "utf-16-le" | "utf-16-be" | "unicode" => return None,
        other => {
            // Single-byte and CJK charsets both registries know under the same name.
            let e = encoding_rs::Encoding::for_label_no_replacement(other.as_bytes())?;
            if e == encoding_rs::UTF_16LE || e == encoding_rs::UTF_16BE || e == encoding_rs::UTF_8 {
                return None;
            }
            e.name()
        }
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
        "US-ASCII" => {
            if !text.is_ascii() {
                return Err(cannot());
            }
            text.as_bytes().to_vec()
        }
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
        "US-ASCII" => {
            if !data.is_ascii() {
                return Err(invalid());
            }
            String::from_utf8_lossy(data).into_owned()
        }
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

/// go-yaml's wording of a yaml-rust2 error: scanner problems alone, parser problems with
/// the position ("on line 1, column 1: did not find expected ',' or ']'"), undefined aliases
/// by name. Positions follow yaml-rust2's marks, which can differ from go-yaml's.
fn yaml_error(
    text: &str,
    mark: &yaml_rust2::scanner::Marker,
    info: &str,
    pos: &dyn Fn(&yaml_rust2::scanner::Marker) -> String,
) -> String {
    if info.contains("unknown anchor") {
        let name: String = text
            .chars()
            .skip(mark.index())
            .skip_while(|c| *c != '*')
            .skip(1)
            .take_while(|c| !c.is_whitespace() && !matches!(c, ',' | ']' | '}'))
            .collect();
        return format!("reference to undefined anchor {}", go_quote_str(&name));
    }
    if let Some(rest) = info.strip_prefix("while scanning ") {
        return rest
            .split_once(", ")
            .map(|x| x.1)
            .unwrap_or(rest)
            .to_string();
    }
    if let Some(rest) = info.strip_prefix("while parsing ") {
        let problem = rest.split_once(", ").map(|x| x.1).unwrap_or(rest);
        let problem = if problem.starts_with("expected") {
            format!("did not find {problem}")
        } else {
            problem.to_string()
        };
        return format!("{}: {problem}", pos(mark));
    }
    info.to_string()
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
            .map_err(|e| yaml_error(text, e.marker(), e.info(), &pos))?;
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
                    // yaml-rust2 numbers anchors 1, 2, ... in the order they appear.
                    let name = text
                        .split('&')
                        .skip(1)
                        .nth(id.saturating_sub(1))
                        .map(|t| {
                            t.chars()
                                .take_while(|c| {
                                    !c.is_whitespace() && !matches!(c, ',' | '[' | ']' | '{' | '}')
                                })
                                .collect::<String>()
                        })
                        .unwrap_or_default();
                    return Err(format!(
                        "cannot refer to anchor {} from inside its own definition",
                        go_quote_str(&name)
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
    let sep_is_space = s.as_bytes().get(date.len()) == Some(&b' ');
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
    // Go's layouts: "2006-1-2T15:4:5.999999999Z07:00" (T or t) and "2006-1-2 15:4:5.999999999".
    if sep_is_space != zone.is_empty() {
        return None;
    }
    let z = match zone {
        "" | "Z" => "Z".to_string(),
        z if (z.starts_with('+') || z.starts_with('-')) && z.len() == 6 => {
            let (sign, hm) = z.split_at(1);
            let (zh, zm) = hm.split_once(':')?;
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
                let YNode::Scalar { text, plain, .. } = k else {
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
                // Keys resolve like values ("y" is true) and are then used as strings.
                let key = if *plain {
                    let kv = yaml_resolve_plain(text)?;
                    if kv.is_null() {
                        return Err("mapping key cannot be null".into());
                    }
                    match kv.kind() {
                        girder_core::value::Kind::Bool(b) => b.to_string(),
                        girder_core::value::Kind::Number(n) => n.to_string(),
                        _ => text.clone(),
                    }
                } else {
                    text.clone()
                };
                attrs.insert(key, yaml_value(v)?);
            }
            Value::object(attrs.into())
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
    /// The last thing written is a literal block with keep chomping (`|+`).
    keep_ended: bool,
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
        if !s.is_empty() {
            self.keep_ended = false;
        }
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
            _ => hints.push('+'),
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
        if trailing > 1 {
            self.keep_ended = true;
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
        keep_ended: false,
    };
    e.node(v, 0, true)?;
    e.newline();
    // A keep-chomping literal block ends the document itself; otherwise an open-ended
    // document (a plain scalar at the root) gets go-yaml's "..." marker.
    if e.open_ended && !e.keep_ended {
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
        str_to_str(
            "base64decode",
            "str",
            super::string::nfc!(|a, _| {
                let bytes = base64_decode(s(&a[0]))?;
                String::from_utf8(bytes).map(Value::string).map_err(|_| {
                    FuncError::new("the result of decoding the provided string is not valid UTF-8")
                })
            }),
        ),
        str_to_str("base64gzip", "str", |a, _| {
            Ok(Value::string(
                b64().encode(goflate::gzip(s(&a[0]).as_bytes())),
            ))
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
            imp: super::string::nfc!(|a, _| {
                let src = s(&a[0]);
                let bytes = b64().decode(strip_breaks(src)).map_err(|e| {
                    use base64::DecodeError as D;
                    let at = match e {
                        D::InvalidByte(i, _) | D::InvalidLastSymbol(i, _) => i,
                        D::InvalidLength(n) => n,
                        D::InvalidPadding => src.len(),
                    };
                    FuncError::arg(
                        0,
                        format!(
                            "Invalid value for \"source\" parameter: the given value is has an \
                             invalid base64 symbol at offset {at}."
                        ),
                    )
                })?;
                text_decode(&bytes, s(&a[1])).map(Value::string)
            }),
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
            imp: super::string::nfc!(|a, _| json_decode(s(&a[0])).map_err(FuncError::new)),
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
            imp: super::string::nfc!(|a, _| yaml_decode(s(&a[0])).map_err(FuncError::new)),
        },
        Function {
            name: "csvdecode",
            params: vec![Param::new("str", Type::String)],
            variadic: None,
            return_type: fixed_return!(Type::Dynamic),
            imp: super::string::nfc!(|a, _| csv_decode(s(&a[0]))),
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
            ("{\"a\" 1}", "invalid character '1' after object key"),
            ("[1 2]", "invalid character '2' after array element"),
            ("tru", "unexpected EOF"),
            ("\"\\x\"", "invalid character 'x' in string escape code"),
            ("01", "extraneous data after JSON object"),
            ("-", "unexpected EOF"),
            ("1.", "unexpected EOF"),
            (
                "{\"a\":1,}",
                "invalid character '}' looking for beginning of object key string",
            ),
            ("\"abc", "unexpected EOF"),
            ("[", "EOF"),
            ("{", "EOF"),
            ("1e", "unexpected EOF"),
            (" ", "EOF"),
            (
                "nax",
                "invalid character 'a' in literal null (expecting 'u')",
            ),
            ("\"a\nb\"", "invalid character '\\n' in string literal"),
        ] {
            assert_eq!(call_err("jsondecode", &[st(text)]).message, msg, "{text}");
        }
    }

    #[test]
    fn base64_url_text() {
        assert_eq!(call("base64encode", &[st("héllo")]), st("aMOpbGxv"));
        assert_eq!(call("base64decode", &[st("aMOpbGxv")]), st("héllo"));
        assert_eq!(call("base64decode", &[st("aGk=\n")]), st("hi"));
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
        for (input, want) in [
            ("hello", "H4sIAAAAAAAA/8pIzcnJBwAAAP//AQAA//+GphA2BQAAAA=="),
            ("hellohellohello", "H4sIAAAAAAAA/8pIzcnJRxAAAAAA//8BAAD//wu0IT4PAAAA"),
            ("", "H4sIAAAAAAAA/wAAAP//AQAA//8AAAAAAAAAAA=="),
            (
                "The quick brown fox jumps over the lazy dog. The quick brown fox jumps over the lazy dog.",
                "H4sIAAAAAAAA/wrJSFUoLM1MzlZIKsovz1NIy69QyCrNLShWyC9LLVIoyUhVyEmsqlRIyU/XUyBFMQAAAP//AQAA//+nCumaWQAAAA==",
            ),
        ] {
            assert_eq!(call("base64gzip", &[st(input)]), st(want), "{input:?}");
        }
        assert_eq!(
            call_err("textdecodebase64", &[st("!!"), st("UTF-8")]).message,
            "Invalid value for \"source\" parameter: the given value is has an invalid base64 \
             symbol at offset 0."
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
            (
                "a\n\"x",
                "CSV parse error on line 3: extraneous or missing \" in quoted-field",
            ),
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
            ("{y: 1}", Value::object_from([("true", n("1"))])),
            ("2001-12-14T21:59:43", st("2001-12-14T21:59:43")),
            ("2001-12-14t21:59:43Z", st("2001-12-14T21:59:43Z")),
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
            ("{~: 1}", "mapping key cannot be null"),
            ("a: *x", "reference to undefined anchor \"x\""),
            (
                "&a [1, *a]",
                "cannot refer to anchor \"a\" from inside its own definition",
            ),
            ("a: b: c", "mapping values are not allowed in this context"),
        ] {
            assert_eq!(call_err("yamldecode", &[st(text)]).message, msg, "{text:?}");
        }
    }

    /// Byte-for-byte against Terraform 1.0.3 (`base64gzip(file("tN.txt"))`): dynamic and fixed
    /// Huffman blocks, long matches, stored blocks.
    #[test]
    fn base64gzip_matches_terraform_fixtures() {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/base64gzip");
        let mut n = 0;
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "txt") {
                let input = std::fs::read_to_string(&p).unwrap();
                let want = std::fs::read_to_string(p.with_extension("expected")).unwrap();
                assert_eq!(call("base64gzip", &[st(&input)]), st(want.trim()), "{p:?}");
                n += 1;
            }
        }
        assert!(n >= 6);
    }
}
