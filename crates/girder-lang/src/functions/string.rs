//! Terraform's string functions: chomp, format, formatlist, indent, join, lower, regex,
//! regexall, replace, split, strrev, substr, title, trim, trimprefix, trimsuffix, trimspace,
//! upper, and the later `startswith`, `endswith`, `strcontains`.
//!
//! Strings are measured in grapheme clusters where cty does (`substr`, `strrev`); case
//! mapping is Go's rune-by-rune mapping (`upper("ß")` stays `ß`); regular expressions are
//! RE2 syntax, with Go's error texts.

use super::collection::cty::convert;
use super::numeric::{go_quote, to_int};
use super::{FuncError, Function, Param};
use crate::fixed_return;
use girder_core::{Number, Type, Value};
use unicode_segmentation::UnicodeSegmentation;

/// A value with every string in it (and every object key / map key) in Unicode NFC, as cty's
/// `StringVal` keeps all strings.
pub(super) fn nfc_value(v: Value) -> Value {
    use girder_core::value::Kind;
    use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};
    fn nfc(s: String) -> String {
        if is_nfc_quick(s.chars()) == IsNormalized::Yes {
            s
        } else {
            s.nfc().collect()
        }
    }
    let marks = v.marks();
    let out = match v.into_kind() {
        Kind::String(s) if is_nfc_quick(s.chars()) == IsNormalized::Yes => Value::string(s),
        Kind::String(s) => Value::string(nfc(s.to_string())),
        Kind::List(t, items) => Value::list(t, items.into_iter().map(nfc_value).collect()),
        Kind::Set(t, items) => Value::set(t, items.into_iter().map(nfc_value).collect()),
        Kind::Tuple(items) => Value::tuple(items.into_iter().map(nfc_value).collect()),
        Kind::Map(t, m) => Value::map(
            t,
            m.into_iter().map(|(k, x)| (nfc(k), nfc_value(x))).collect(),
        ),
        Kind::Object(m) => {
            Value::object(m.into_iter().map(|(k, x)| (nfc(k), nfc_value(x))).collect())
        }
        k => Value::new(k),
    };
    out.with_marks(marks)
}

/// Wraps an implementation so its result is in NFC (see [`nfc_value`]).
macro_rules! nfc {
    ($f:expr) => {{
        fn wrapped(
            a: &[girder_core::Value],
            c: &$crate::functions::CallContext<'_>,
        ) -> Result<girder_core::Value, $crate::functions::FuncError> {
            let f: $crate::functions::ImplFn = $f;
            f(a, c).map($crate::functions::string::nfc_value)
        }
        wrapped as $crate::functions::ImplFn
    }};
}
pub(super) use nfc;

fn s(v: &Value) -> &str {
    v.as_str().expect("converted to string")
}

fn str_fn(name: &'static str, params: &[&'static str], imp: super::ImplFn) -> Function {
    Function {
        name,
        params: params.iter().map(|p| Param::new(p, Type::String)).collect(),
        variadic: None,
        return_type: fixed_return!(Type::String),
        imp,
    }
}

fn bool_fn(name: &'static str, params: &[&'static str], imp: super::ImplFn) -> Function {
    Function {
        return_type: fixed_return!(Type::Bool),
        ..str_fn(name, params, imp)
    }
}

/// Go's `unicode.ToUpper` / `ToLower` per rune: one rune maps to one rune.
fn map_runes(input: &str, upper: bool) -> String {
    input
        .chars()
        .map(|c| {
            let mut it: Box<dyn Iterator<Item = char>> = if upper {
                Box::new(c.to_uppercase())
            } else {
                Box::new(c.to_lowercase())
            };
            let first = it.next().unwrap_or(c);
            match it.next() {
                None => first,
                // Multi-rune mappings are special casing, which Go does not apply; the one
                // exception Go maps simply is U+0130 -> 'i'.
                Some(_) if !upper && c == '\u{130}' => 'i',
                Some(_) => c,
            }
        })
        .collect()
}

/// Go's `unicode.ToTitle` of one rune.
fn to_title(c: char) -> char {
    match c {
        // Digraphs whose title case differs from upper case.
        '\u{1C4}'..='\u{1C6}' => '\u{1C5}',
        '\u{1C7}'..='\u{1C9}' => '\u{1C8}',
        '\u{1CA}'..='\u{1CC}' => '\u{1CB}',
        '\u{1F1}'..='\u{1F3}' => '\u{1F2}',
        _ => {
            let mut it = c.to_uppercase();
            let first = it.next().unwrap_or(c);
            if it.next().is_some() {
                c
            } else {
                first
            }
        }
    }
}

/// Go's `strings.Title`.
fn title(input: &str) -> String {
    fn is_separator(c: char) -> bool {
        if c.is_ascii() {
            return !(c.is_ascii_alphanumeric() || c == '_');
        }
        if c.is_alphanumeric() {
            return false;
        }
        c.is_whitespace()
    }
    let mut prev = ' ';
    input
        .chars()
        .map(|c| {
            let out = if is_separator(prev) { to_title(c) } else { c };
            prev = c;
            out
        })
        .collect()
}

fn substr(input: &str, offset: i64, length: i64) -> String {
    let graphemes: Vec<&str> = input.graphemes(true).collect();
    let total = graphemes.len() as i64;
    let mut offset = offset;
    if offset < 0 {
        offset = (offset + total).max(0);
    }
    if offset >= total {
        return String::new();
    }
    let rest = &graphemes[offset as usize..];
    if length < 0 {
        return rest.concat();
    }
    rest[..(length.min(rest.len() as i64)) as usize].concat()
}

fn int_arg(v: &Value) -> Result<i64, FuncError> {
    to_int(v.as_number().expect("converted to number")).map_err(FuncError::new)
}

// ----- regular expressions -----

/// Compiles an RE2 pattern, with Go's error texts ("invalid regexp pattern: missing closing )
/// in (").
pub(super) fn compile_regex(
    pattern: &str,
    arg: usize,
    param: &str,
) -> Result<regex::Regex, FuncError> {
    compile_regex_go(pattern).map_err(|(code, expr)| {
        FuncError::arg(
            arg,
            format!("Invalid value for \"{param}\" parameter: invalid regexp pattern: {code} in {expr}."),
        )
    })
}

/// Compiles an RE2 pattern; a failure is Go's (error code, offending expression).
fn compile_regex_go(pattern: &str) -> Result<regex::Regex, (String, String)> {
    let quoted = go_to_rust_pattern(pattern, false);
    use regex_syntax::ast::ErrorKind as K;
    if let Err(e) = regex_syntax::ast::parse::Parser::new().parse(&quoted) {
        let span = e.span();
        let frag = pattern
            .get(span.start.offset..span.end.offset)
            .unwrap_or(pattern);
        let (code, expr) = match e.kind() {
            K::GroupUnclosed => ("missing closing )", pattern),
            K::GroupUnopened => ("unexpected )", pattern),
            K::ClassUnclosed => ("missing closing ]", &pattern[span.start.offset..]),
            K::ClassRangeInvalid | K::ClassRangeLiteral => ("invalid character class range", frag),
            K::RepetitionCountInvalid
            | K::RepetitionCountUnclosed
            | K::RepetitionCountDecimalEmpty
            | K::DecimalInvalid
            | K::DecimalEmpty => ("invalid repeat count", frag),
            K::RepetitionMissing => ("missing argument to repetition operator", frag),
            K::EscapeUnexpectedEof => ("trailing backslash at end of expression", ""),
            K::EscapeUnrecognized
            | K::EscapeHexEmpty
            | K::EscapeHexInvalid
            | K::EscapeHexInvalidDigit
            | K::ClassEscapeInvalid
            | K::UnsupportedBackreference => ("invalid escape sequence", frag),
            K::GroupNameInvalid | K::GroupNameEmpty | K::GroupNameUnexpectedEof => {
                ("invalid named capture", frag)
            }
            K::GroupNameDuplicate { .. } => ("duplicate capture group name", frag),
            K::UnicodeClassInvalid => ("invalid character class range", frag),
            _ => ("invalid or unsupported Perl syntax", frag),
        };
        return Err((code.to_string(), expr.to_string()));
    }
    // Go rejects a repetition of a repetition ("a**"); Rust accepts it.
    if let Some(pos) = nested_repetition(pattern) {
        return Err((
            "invalid nested repetition operator".to_string(),
            pattern[pos..pos + 2].to_string(),
        ));
    }
    // Go (before 1.22) has no `(?<name>...)` groups.
    if let Some(at) = pattern.find("(?<") {
        let _ = at;
        return Err((
            "invalid or unsupported Perl syntax".to_string(),
            "(?<".to_string(),
        ));
    }
    regex::Regex::new(&go_to_rust_pattern(pattern, true))
        .map_err(|e| (e.to_string(), pattern.to_string()))
}

/// Rewrites RE2 syntax whose meaning differs in the regex crate: Go's `\d`, `\w`, `\s`, `\b`
/// are ASCII-only, and `\Q...\E` quotes literally.
fn go_to_rust_pattern(p: &str, classes: bool) -> String {
    let chars: Vec<char> = p.chars().collect();
    let mut out = String::with_capacity(p.len() + 8);
    let mut i = 0;
    let mut in_class = false;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' && i + 1 < chars.len() {
            let e = chars[i + 1];
            i += 2;
            if e == 'Q' {
                let mut lit = String::new();
                while i < chars.len() && !(chars[i] == '\\' && chars.get(i + 1) == Some(&'E')) {
                    lit.push(chars[i]);
                    i += 1;
                }
                i += 2;
                out.push_str(&regex::escape(&lit));
                continue;
            }
            if !classes {
                out.push('\\');
                out.push(e);
                continue;
            }
            let rep = match (in_class, e) {
                (false, 'd') => "[0-9]",
                (false, 'D') => "[^0-9]",
                (false, 'w') => "[0-9A-Za-z_]",
                (false, 'W') => "[^0-9A-Za-z_]",
                (false, 's') => "[\\t\\n\\x0C\\r ]",
                (false, 'S') => "[^\\t\\n\\x0C\\r ]",
                (false, 'b') => "(?-u:\\b)",
                (false, 'B') => "(?-u:\\B)",
                (true, 'd') => "0-9",
                (true, 'w') => "0-9A-Za-z_",
                (true, 's') => "\\t\\n\\x0C\\r ",
                _ => {
                    out.push('\\');
                    out.push(e);
                    continue;
                }
            };
            out.push_str(rep);
            continue;
        }
        if !in_class && c == '[' {
            in_class = true;
            out.push(c);
            i += 1;
            // A leading '^' and a leading ']' belong to the class.
            if chars.get(i) == Some(&'^') {
                out.push('^');
                i += 1;
            }
            if chars.get(i) == Some(&']') {
                out.push(']');
                i += 1;
            }
            continue;
        }
        if in_class && c == '[' && chars.get(i + 1) == Some(&':') {
            // A POSIX class like [:alpha:] inside a bracket expression.
            while i < chars.len() {
                out.push(chars[i]);
                if chars[i] == ']' && i > 0 && chars[i - 1] == ':' {
                    i += 1;
                    break;
                }
                i += 1;
            }
            continue;
        }
        if in_class && c == ']' {
            in_class = false;
        }
        out.push(c);
        i += 1;
    }
    out
}

/// Position of a `**`, `++`, `*+`, ... outside classes and escapes (Go's "invalid nested
/// repetition operator"); `*?` is a lazy quantifier and fine.
fn nested_repetition(p: &str) -> Option<usize> {
    let b = p.as_bytes();
    let mut i = 0;
    let mut in_class = false;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 1,
            b'[' if !in_class => in_class = true,
            b']' if in_class => in_class = false,
            b'*' | b'+' | b'?' if !in_class => {
                let mut j = i + 1;
                if j < b.len() && b[j] == b'?' && b[i] != b'?' {
                    j += 1;
                }
                if j < b.len() && matches!(b[j], b'*' | b'+') {
                    return Some(j - 1);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// The result type of `regex` for a pattern: string, tuple of strings or object of strings.
fn regex_type(re: &regex::Regex) -> Result<Type, FuncError> {
    let names: Vec<Option<&str>> = re.capture_names().skip(1).collect();
    if names.is_empty() {
        return Ok(Type::String);
    }
    let named = names.iter().filter(|n| n.is_some()).count();
    if named == 0 {
        Ok(Type::Tuple(vec![Type::String; names.len()].into()))
    } else if named == names.len() {
        Ok(Type::object(
            names
                .iter()
                .map(|n| (n.unwrap_or_default().to_string(), Type::String))
                .collect(),
        ))
    } else {
        Err(FuncError::arg(
            0,
            "Invalid value for \"pattern\" parameter: invalid regexp pattern: cannot mix both \
             named and unnamed capture groups.",
        ))
    }
}

fn regex_value(re: &regex::Regex, caps: &regex::Captures<'_>) -> Value {
    let names: Vec<Option<&str>> = re.capture_names().skip(1).collect();
    let get = |i: usize| match caps.get(i) {
        Some(m) => Value::string(m.as_str()),
        None => Value::null(Type::String),
    };
    if names.is_empty() {
        return get(0);
    }
    if names[0].is_some() {
        Value::object(
            names
                .iter()
                .enumerate()
                .map(|(i, n)| (n.unwrap_or_default().to_string(), get(i + 1)))
                .collect(),
        )
    } else {
        Value::tuple((1..=names.len()).map(get).collect())
    }
}

// ----- format -----

/// One parsed `%` verb.
#[derive(Clone, Debug, Default)]
struct Verb {
    raw: String,
    offset: usize,
    arg: usize,
    minus: bool,
    plus: bool,
    space: bool,
    zero: bool,
    sharp: bool,
    width: Option<usize>,
    prec: Option<usize>,
    mode: char,
}

/// Formats like cty's `format`: `args` are known, unmarked values.
pub(super) fn format_values(fmt: &str, args: &[Value]) -> Result<String, FuncError> {
    let b = fmt.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    let mut next_arg = 1usize;
    let mut max_used = 0usize;
    let mut any_verb = false;
    while i < b.len() {
        if b[i] != b'%' {
            let start = i;
            while i < b.len() && b[i] != b'%' {
                i += 1;
            }
            out.push_str(&fmt[start..i]);
            continue;
        }
        let start = i;
        i += 1;
        if i < b.len() && b[i] == b'%' {
            out.push('%');
            i += 1;
            continue;
        }
        let mut v = Verb {
            offset: start,
            ..Verb::default()
        };
        let eof =
            |p: usize| FuncError::new(format!("invalid format string starting at offset {p}"));
        let bad = |p: usize| {
            let c = fmt[p..].chars().next().unwrap_or('?');
            FuncError::new(format!("unrecognized format character '{c}' at offset {p}"))
        };
        // flags
        while i < b.len() && matches!(b[i], b'-' | b'+' | b' ' | b'0' | b'#') {
            match b[i] {
                b'-' => v.minus = true,
                b'+' => v.plus = true,
                b' ' => v.space = true,
                b'0' => v.zero = true,
                _ => v.sharp = true,
            }
            i += 1;
        }
        // explicit argument index
        if i < b.len() && b[i] == b'[' {
            i += 1;
            if i >= b.len() {
                return Err(eof(i));
            }
            if !(b'1'..=b'9').contains(&b[i]) {
                return Err(bad(i));
            }
            let ds = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            let n: usize = fmt[ds..i].parse().unwrap_or(usize::MAX);
            if i >= b.len() {
                return Err(eof(i));
            }
            if b[i] != b']' {
                return Err(bad(i));
            }
            i += 1;
            next_arg = n;
        }
        // width
        if i < b.len() && b[i].is_ascii_digit() {
            let ds = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            v.width = fmt[ds..i].parse().ok();
        }
        // precision
        if i < b.len() && b[i] == b'.' {
            i += 1;
            let ds = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            v.prec = Some(fmt[ds..i].parse().unwrap_or(0));
        }
        if i >= b.len() {
            return Err(eof(i));
        }
        let c = fmt[i..].chars().next().unwrap_or('?');
        if !c.is_ascii_alphabetic() {
            return Err(bad(i));
        }
        i += 1;
        v.mode = c;
        v.raw = fmt[start..i].to_string();
        if !"vtbdoxXeEfFgGsq".contains(c) {
            return Err(FuncError::new(format!(
                "unsupported format verb '{c}' in {} at offset {start}",
                go_quote(&v.raw)
            )));
        }
        any_verb = true;
        v.arg = next_arg;
        if v.arg > args.len() {
            return Err(FuncError::new(format!(
                "not enough arguments for {} at {}: need index {} but have {} total",
                go_quote(&v.raw),
                v.offset,
                v.arg,
                args.len()
            )));
        }
        next_arg += 1;
        max_used = max_used.max(v.arg);
        format_one(&v, &args[v.arg - 1], &mut out)?;
    }
    let used = max_used;
    if used < args.len() {
        let msg = if any_verb {
            format!("too many arguments; only {used} used by format string")
        } else {
            "too many arguments; no verbs in format string".to_string()
        };
        return Err(FuncError::arg(
            1,
            format!("Invalid value for \"args\" parameter: {msg}."),
        ));
    }
    Ok(out)
}

fn format_one(v: &Verb, arg: &Value, out: &mut String) -> Result<(), FuncError> {
    let unsupported = |msg: &str| {
        FuncError::new(format!(
            "unsupported value for {} at {}: {msg}",
            go_quote(&v.raw),
            v.offset
        ))
    };
    let conv = |ty: &Type| convert(arg, ty).map_err(|e| unsupported(&e.message));
    if arg.is_null() {
        if v.mode == 'v' {
            pad_str(v, "null", out);
            return Ok(());
        }
        return Err(unsupported("null value cannot be formatted"));
    }
    match v.mode {
        'v' => {
            let text = if v.sharp {
                super::encoding::json_encode(arg).map_err(|e| unsupported(&e))?
            } else {
                match arg.ty() {
                    Type::String => arg.as_str().unwrap_or_default().to_string(),
                    Type::Bool => arg.as_bool().unwrap_or_default().to_string(),
                    Type::Number => float_text(arg.as_number().expect("number"), 'g', None),
                    _ => super::encoding::json_encode(arg).map_err(|e| unsupported(&e))?,
                }
            };
            pad_str(v, &text, out);
        }
        't' => {
            let b = conv(&Type::Bool)?;
            pad_str(
                v,
                if b.as_bool() == Some(true) {
                    "true"
                } else {
                    "false"
                },
                out,
            );
        }
        'b' | 'd' | 'o' | 'x' | 'X' => {
            let n = conv(&Type::Number)?;
            let n = n.as_number().expect("number");
            if !n.is_integer() {
                return Err(unsupported("an integer is required"));
            }
            format_int(v, n, out);
        }
        'e' | 'E' | 'f' | 'F' | 'g' | 'G' => {
            let n = conv(&Type::Number)?;
            format_float(v, n.as_number().expect("number"), out);
        }
        's' | 'q' => {
            let sv = conv(&Type::String)?;
            let mut text: &str = sv.as_str().unwrap_or_default();
            if let Some(p) = v.prec {
                if let Some((idx, _)) = text.char_indices().nth(p) {
                    text = &text[..idx];
                }
            }
            if v.mode == 'q' {
                // cty quotes as JSON does (`\u0001`, `\u003c`).
                pad_str(v, &super::encoding::json_string(text), out);
            } else {
                pad_str(v, text, out);
            }
        }
        _ => unreachable!("checked verb"),
    }
    Ok(())
}

/// Go's fmt padding of a string: width in runes, `-` pads right, `0` pads with zeros.
fn pad_str(v: &Verb, text: &str, out: &mut String) {
    let n = text.chars().count();
    let pad = v.width.unwrap_or(0).saturating_sub(n);
    if v.minus {
        out.push_str(text);
        // Go pads on the right with zeros when both '-' and '0' are given to strings.
        out.extend(std::iter::repeat_n(if v.zero { '0' } else { ' ' }, pad));
    } else {
        out.extend(std::iter::repeat_n(if v.zero { '0' } else { ' ' }, pad));
        out.push_str(text);
    }
}

/// `big.Int.Format`.
fn format_int(v: &Verb, n: &Number, out: &mut String) {
    let base = match v.mode {
        'b' => 2,
        'o' => 8,
        'x' | 'X' => 16,
        _ => 10,
    };
    let text = n.to_string_radix(base).unwrap_or_default();
    let (neg, mut digits) = match text.strip_prefix('-') {
        Some(d) => (true, d.to_string()),
        None => (false, text),
    };
    if v.mode == 'X' {
        digits = digits.to_ascii_uppercase();
    }
    let prefix = if v.sharp {
        match v.mode {
            'b' => "0b",
            'o' => "0",
            'x' => "0x",
            'X' => "0X",
            _ => "",
        }
    } else {
        ""
    };
    let sign = if neg {
        "-"
    } else if v.plus {
        "+"
    } else if v.space {
        " "
    } else {
        ""
    };
    let mut zeros = 0;
    if let Some(p) = v.prec {
        if digits.len() < p {
            zeros = p - digits.len();
        } else if digits == "0" && p == 0 {
            // Go prints nothing at all, not even padding.
            return;
        }
    }
    let len = sign.len() + prefix.len() + zeros + digits.len();
    let (mut left, mut right) = (0, 0);
    if let Some(w) = v.width {
        if len < w {
            let d = w - len;
            if v.minus {
                right = d;
            } else if v.zero && v.prec.is_none() {
                zeros = d;
            } else {
                left = d;
            }
        }
    }
    out.extend(std::iter::repeat_n(' ', left));
    out.push_str(sign);
    out.push_str(prefix);
    out.extend(std::iter::repeat_n('0', zeros));
    out.push_str(&digits);
    out.extend(std::iter::repeat_n(' ', right));
}

/// `big.Float.Format`.
fn format_float(v: &Verb, n: &Number, out: &mut String) {
    let mode = match v.mode {
        'F' => 'f',
        m => m,
    };
    let prec = match mode {
        'g' | 'G' => v.prec,
        _ => Some(v.prec.unwrap_or(6)),
    };
    let text = float_text(n, mode, prec);
    let (sign, body) = if let Some(b) = text.strip_prefix('-') {
        ("-", b)
    } else if let Some(b) = text.strip_prefix('+') {
        (if v.space { " " } else { "+" }, b)
    } else if v.plus {
        ("+", text.as_str())
    } else if v.space {
        (" ", text.as_str())
    } else {
        ("", text.as_str())
    };
    let len = sign.len() + body.len();
    let pad = v.width.map(|w| w.saturating_sub(len)).unwrap_or(0);
    if v.zero && !n.is_infinite() && !v.minus {
        out.push_str(sign);
        out.extend(std::iter::repeat_n('0', pad));
        out.push_str(body);
    } else if v.minus {
        out.push_str(sign);
        out.push_str(body);
        out.extend(std::iter::repeat_n(' ', pad));
    } else {
        out.extend(std::iter::repeat_n(' ', pad));
        out.push_str(sign);
        out.push_str(body);
    }
}

/// A decimal `0.mant * 10^exp` (mant without trailing zeros; empty for zero).
struct Decimal {
    mant: Vec<u8>,
    exp: i64,
}

impl Decimal {
    /// The shortest decimal that identifies `n` at its precision (from its canonical text).
    fn shortest(n: &Number) -> Decimal {
        let text = n.abs().to_string();
        let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
        let mut mant: Vec<u8> = int.bytes().chain(frac.bytes()).collect();
        let mut exp = int.len() as i64;
        while mant.first() == Some(&b'0') {
            mant.remove(0);
            exp -= 1;
        }
        while mant.last() == Some(&b'0') {
            mant.pop();
        }
        if mant.is_empty() {
            exp = 0;
        }
        Decimal { mant, exp }
    }

    /// The exact decimal expansion of `n`.
    fn exact(n: &Number) -> Decimal {
        if n.is_zero() {
            return Decimal {
                mant: Vec::new(),
                exp: 0,
            };
        }
        let mut m = n.abs();
        let step = Number::parse("1p256").expect("valid literal");
        let mut k: usize = 0;
        while !m.is_integer() {
            m = m.mul(&step);
            k += 256;
        }
        let int_text = m.to_string_radix(10).unwrap_or_default();
        let i: dashu_int::UBig = int_text.parse().unwrap_or_default();
        let scaled = i * dashu_int::UBig::from(5u8).pow(k);
        let mut mant: Vec<u8> = scaled.to_string().into_bytes();
        let exp = mant.len() as i64 - k as i64;
        while mant.last() == Some(&b'0') {
            mant.pop();
        }
        Decimal { mant, exp }
    }

    fn at(&self, i: i64) -> u8 {
        if i >= 0 && (i as usize) < self.mant.len() {
            self.mant[i as usize]
        } else {
            b'0'
        }
    }

    fn round(&mut self, n: i64) {
        if n < 0 || n as usize >= self.mant.len() {
            return;
        }
        let n = n as usize;
        let up = if self.mant[n] == b'5' && n + 1 == self.mant.len() {
            n > 0 && (self.mant[n - 1] - b'0') & 1 != 0
        } else {
            self.mant[n] >= b'5'
        };
        if up {
            let mut i = n;
            loop {
                if i == 0 {
                    self.mant = vec![b'1'];
                    self.exp += 1;
                    return;
                }
                i -= 1;
                if self.mant[i] < b'9' {
                    self.mant[i] += 1;
                    self.mant.truncate(i + 1);
                    return;
                }
            }
        } else {
            self.mant.truncate(n);
            while self.mant.last() == Some(&b'0') {
                self.mant.pop();
            }
            if self.mant.is_empty() {
                self.exp = 0;
            }
        }
    }
}

fn fmt_e(buf: &mut String, e: char, prec: i64, d: &Decimal) {
    buf.push(d.mant.first().map(|&c| c as char).unwrap_or('0'));
    if prec > 0 {
        buf.push('.');
        let mut i = 1usize;
        let m = d.mant.len().min(prec as usize + 1);
        if i < m {
            buf.push_str(std::str::from_utf8(&d.mant[i..m]).unwrap_or_default());
            i = m;
        }
        while (i as i64) <= prec {
            buf.push('0');
            i += 1;
        }
    }
    buf.push(e);
    let exp = if d.mant.is_empty() { 0 } else { d.exp - 1 };
    buf.push(if exp < 0 { '-' } else { '+' });
    let a = exp.unsigned_abs();
    if a < 10 {
        buf.push('0');
    }
    buf.push_str(&a.to_string());
}

fn fmt_f(buf: &mut String, prec: i64, d: &Decimal) {
    if d.exp > 0 {
        let m = d.mant.len().min(d.exp as usize);
        buf.push_str(std::str::from_utf8(&d.mant[..m]).unwrap_or_default());
        for _ in m as i64..d.exp {
            buf.push('0');
        }
    } else {
        buf.push('0');
    }
    if prec > 0 {
        buf.push('.');
        for i in 0..prec {
            buf.push(d.at(d.exp + i) as char);
        }
    }
}

/// `big.Float.Text(mode, prec)` (prec None = shortest).
fn float_text(n: &Number, mode: char, prec: Option<usize>) -> String {
    if n.is_infinite() {
        return if n.is_negative() { "-Inf" } else { "+Inf" }.to_string();
    }
    let mut buf = String::new();
    if n.is_negative() || n.to_string().starts_with('-') {
        buf.push('-');
    }
    let (d, shortest, mut prec) = match prec {
        None => {
            let d = Decimal::shortest(n);
            let p = match mode {
                'e' | 'E' => d.mant.len() as i64 - 1,
                'f' => (d.mant.len() as i64 - d.exp).max(0),
                _ => d.mant.len() as i64,
            };
            (d, true, p)
        }
        Some(p) => {
            let mut p = p as i64;
            let mut d = Decimal::exact(n);
            match mode {
                'e' | 'E' => d.round(1 + p),
                'f' => d.round(d.exp + p),
                _ => {
                    if p == 0 {
                        p = 1;
                    }
                    d.round(p);
                }
            }
            (d, false, p)
        }
    };
    match mode {
        'e' | 'E' => fmt_e(&mut buf, mode, prec, &d),
        'f' => fmt_f(&mut buf, prec, &d),
        _ => {
            let mut eprec = prec;
            if eprec > d.mant.len() as i64 && d.mant.len() as i64 >= d.exp {
                eprec = d.mant.len() as i64;
            }
            if shortest {
                eprec = 6;
            }
            let exp = d.exp - 1;
            let e = if mode == 'G' { 'E' } else { 'e' };
            if exp < -4 || exp >= eprec {
                if prec > d.mant.len() as i64 {
                    prec = d.mant.len() as i64;
                }
                fmt_e(&mut buf, e, prec - 1, &d);
            } else {
                if prec > d.exp {
                    prec = d.mant.len() as i64;
                }
                fmt_f(&mut buf, (prec - d.exp).max(0), &d);
            }
        }
    }
    buf
}

fn formatlist(args: &[Value]) -> Result<Value, FuncError> {
    let fmt = s(&args[0]);
    let rest = &args[1..];
    let mut len: Option<(usize, usize)> = None;
    for (i, a) in rest.iter().enumerate() {
        if a.is_null() {
            continue;
        }
        if matches!(a.ty(), Type::List(_) | Type::Set(_) | Type::Tuple(_)) {
            let n = a.len().unwrap_or(0);
            match len {
                None => len = Some((n, i)),
                Some((m, j)) if m != n => {
                    return Err(FuncError::arg(
                        i + 1,
                        format!(
                            "Invalid value for \"args\" parameter: argument {} has length {n}, \
                             which is inconsistent with argument {} of length {m}.",
                            i + 1,
                            j + 1
                        ),
                    ));
                }
                _ => {}
            }
        }
    }
    let n = len.map(|(n, _)| n).unwrap_or(1);
    let mut items = Vec::with_capacity(n);
    for k in 0..n {
        let iter_args: Vec<Value> = rest
            .iter()
            .map(|a| match a.as_seq() {
                Some(seq) => seq[k].clone(),
                None => a.clone(),
            })
            .collect();
        let text = format_values(fmt, &iter_args)
            .map_err(|e| FuncError::new(format!("error on format iteration {k}: {}", e.message)))?;
        items.push(Value::string(text));
    }
    Ok(Value::list(Type::String, items))
}

fn join(args: &[Value]) -> Result<Value, FuncError> {
    let sep = s(&args[0]);
    if args.len() < 2 {
        return Err(FuncError::new("at least one list is required"));
    }
    let mut parts: Vec<String> = Vec::new();
    for (li, l) in args[1..].iter().enumerate() {
        let l = super::collection::param_conv(l, &Type::list(Type::String), li + 1, "lists")?;
        for (ei, e) in l.as_seq().unwrap_or_default().iter().enumerate() {
            if e.is_null() {
                return Err(FuncError::arg(
                    li + 1,
                    format!(
                        "Invalid value for \"lists\" parameter: element {ei} is null; cannot \
                         concatenate null values."
                    ),
                ));
            }
            parts.push(e.as_str().unwrap_or_default().to_string());
        }
    }
    Ok(Value::string(parts.join(sep)))
}

fn go_split(sep: &str, input: &str) -> Vec<String> {
    if sep.is_empty() {
        return input.chars().map(String::from).collect();
    }
    input.split(sep).map(String::from).collect()
}

fn replace(args: &[Value]) -> Result<Value, FuncError> {
    let (input, search, repl) = (s(&args[0]), s(&args[1]), s(&args[2]));
    if search.len() > 1 && search.starts_with('/') && search.ends_with('/') {
        let re = compile_regex_go(&search[1..search.len() - 1]).map_err(|(code, expr)| {
            FuncError::new(format!("error parsing regexp: {code}: `{expr}`"))
        })?;
        return Ok(Value::string(re.replace_all(input, repl).into_owned()));
    }
    Ok(Value::string(input.replace(search, repl)))
}

pub(crate) fn functions() -> Vec<Function> {
    vec![
        str_fn(
            "chomp",
            &["str"],
            nfc!(|a, _| { Ok(Value::string(s(&a[0]).trim_end_matches(['\r', '\n']))) }),
        ),
        str_fn(
            "lower",
            &["str"],
            nfc!(|a, _| { Ok(Value::string(map_runes(s(&a[0]), false))) }),
        ),
        str_fn(
            "upper",
            &["str"],
            nfc!(|a, _| { Ok(Value::string(map_runes(s(&a[0]), true))) }),
        ),
        str_fn(
            "title",
            &["str"],
            nfc!(|a, _| Ok(Value::string(title(s(&a[0]))))),
        ),
        str_fn(
            "strrev",
            &["str"],
            nfc!(|a, _| {
                Ok(Value::string(
                    s(&a[0]).graphemes(true).rev().collect::<String>(),
                ))
            }),
        ),
        str_fn(
            "trimspace",
            &["str"],
            nfc!(|a, _| { Ok(Value::string(s(&a[0]).trim_matches(char::is_whitespace))) }),
        ),
        str_fn(
            "trim",
            &["str", "cutset"],
            nfc!(|a, _| {
                let cut: Vec<char> = s(&a[1]).chars().collect();
                Ok(Value::string(s(&a[0]).trim_matches(cut.as_slice())))
            }),
        ),
        str_fn(
            "trimprefix",
            &["str", "prefix"],
            nfc!(|a, _| {
                let (x, p) = (s(&a[0]), s(&a[1]));
                Ok(Value::string(x.strip_prefix(p).unwrap_or(x)))
            }),
        ),
        str_fn(
            "trimsuffix",
            &["str", "suffix"],
            nfc!(|a, _| {
                let (x, p) = (s(&a[0]), s(&a[1]));
                Ok(Value::string(x.strip_suffix(p).unwrap_or(x)))
            }),
        ),
        bool_fn("startswith", &["str", "prefix"], |a, _| {
            Ok(Value::bool(s(&a[0]).starts_with(s(&a[1]))))
        }),
        bool_fn("endswith", &["str", "suffix"], |a, _| {
            Ok(Value::bool(s(&a[0]).ends_with(s(&a[1]))))
        }),
        bool_fn("strcontains", &["str", "substr"], |a, _| {
            Ok(Value::bool(s(&a[0]).contains(s(&a[1]))))
        }),
        str_fn(
            "replace",
            &["str", "substr", "replace"],
            nfc!(|a, _| replace(a)),
        ),
        Function {
            name: "indent",
            params: vec![
                Param::new("spaces", Type::Number),
                Param::new("str", Type::String),
            ],
            variadic: None,
            return_type: fixed_return!(Type::String),
            imp: nfc!(|a, _| {
                let n = int_arg(&a[0])?;
                if n < 0 {
                    return Err(FuncError::new("negative indentation count"));
                }
                let pad = " ".repeat(n as usize);
                Ok(Value::string(s(&a[1]).replace('\n', &format!("\n{pad}"))))
            }),
        },
        Function {
            name: "substr",
            params: vec![
                Param::new("str", Type::String),
                Param::new("offset", Type::Number),
                Param::new("length", Type::Number),
            ],
            variadic: None,
            return_type: fixed_return!(Type::String),
            imp: nfc!(|a, _| {
                let off = int_arg(&a[1])?;
                let len = int_arg(&a[2])?;
                Ok(Value::string(substr(s(&a[0]), off, len)))
            }),
        },
        Function {
            name: "split",
            params: vec![
                Param::new("separator", Type::String),
                Param::new("str", Type::String),
            ],
            variadic: None,
            return_type: fixed_return!(Type::list(Type::String)),
            imp: nfc!(|a, _| {
                Ok(Value::list(
                    Type::String,
                    go_split(s(&a[0]), s(&a[1]))
                        .into_iter()
                        .map(Value::string)
                        .collect(),
                ))
            }),
        },
        Function {
            name: "join",
            params: vec![Param::new("separator", Type::String)],
            variadic: Some(Param::new("lists", Type::Dynamic)),
            return_type: fixed_return!(Type::String),
            imp: nfc!(|a, _| join(a)),
        },
        Function {
            name: "format",
            params: vec![Param::new("format", Type::String)],
            variadic: Some(Param::new("args", Type::Dynamic).nullable()),
            return_type: fixed_return!(Type::String),
            imp: nfc!(|a, _| format_values(s(&a[0]), &a[1..]).map(Value::string)),
        },
        Function {
            name: "formatlist",
            params: vec![Param::new("format", Type::String)],
            variadic: Some(Param::new("args", Type::Dynamic).nullable()),
            return_type: fixed_return!(Type::list(Type::String)),
            imp: nfc!(|a, _| formatlist(a)),
        },
        Function {
            name: "regex",
            params: vec![
                Param::new("pattern", Type::String),
                Param::new("string", Type::String),
            ],
            variadic: None,
            return_type: fixed_return!(Type::Dynamic),
            imp: nfc!(|a, _| {
                let re = compile_regex(s(&a[0]), 0, "pattern")?;
                regex_type(&re)?;
                match re.captures(s(&a[1])) {
                    Some(c) => Ok(regex_value(&re, &c)),
                    None => Err(FuncError::new(
                        "pattern did not match any part of the given string",
                    )),
                }
            }),
        },
        Function {
            name: "regexall",
            params: vec![
                Param::new("pattern", Type::String),
                Param::new("string", Type::String),
            ],
            variadic: None,
            return_type: fixed_return!(Type::list(Type::Dynamic)),
            imp: nfc!(|a, _| {
                let re = compile_regex(s(&a[0]), 0, "pattern")?;
                let ty = regex_type(&re)?;
                let items: Vec<Value> = re
                    .captures_iter(s(&a[1]))
                    .map(|c| regex_value(&re, &c))
                    .collect();
                Ok(Value::list(ty, items))
            }),
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
    fn n(x: &str) -> Value {
        Value::number(Number::parse(x).unwrap())
    }
    fn slist(xs: &[&str]) -> Value {
        Value::list(Type::String, xs.iter().map(|x| st(x)).collect())
    }

    #[test]
    fn string_table() {
        let cases: Vec<(&str, Vec<Value>, Value)> = vec![
            ("chomp", vec![st("a\r\n\n")], st("a")),
            ("chomp", vec![st("a\r")], st("a")),
            ("chomp", vec![st("a\nb")], st("a\nb")),
            ("indent", vec![n("2"), st("a\nb\n")], st("a\n  b\n  ")),
            ("lower", vec![st("ÀB")], st("àb")),
            ("lower", vec![st("İ")], st("i")),
            ("upper", vec![st("straße")], st("STRAßE")),
            ("upper", vec![st("ǆ")], st("Ǆ")),
            (
                "title",
                vec![st("hello wORLD-foo_bar a.b")],
                st("Hello WORLD-Foo_bar A.B"),
            ),
            ("title", vec![st("ǆa élan")], st("ǅa Élan")),
            ("strrev", vec![st("héllo")], st("olléh")),
            ("strrev", vec![st("e\u{301}a")], st("a\u{e9}")),
            ("substr", vec![st("hello"), n("1"), n("3")], st("ell")),
            ("substr", vec![st("hello"), n("-3"), n("-1")], st("llo")),
            ("substr", vec![st("hello"), n("10"), n("1")], st("")),
            ("substr", vec![st("hello"), n("1"), n("10")], st("ello")),
            ("substr", vec![st("hello"), n("-10"), n("1")], st("h")),
            ("substr", vec![st("hello"), n("1"), n("0")], st("")),
            ("trim", vec![st("?!hi!?"), st("!?")], st("hi")),
            ("trim", vec![st("aaa"), st("")], st("aaa")),
            ("trimprefix", vec![st("ab"), st("a")], st("b")),
            ("trimsuffix", vec![st("ab"), st("b")], st("a")),
            ("trimspace", vec![st(" \t\na \n")], st("a")),
            ("startswith", vec![st("ab"), st("a")], Value::bool(true)),
            ("endswith", vec![st("ab"), st("a")], Value::bool(false)),
            ("strcontains", vec![st("abc"), st("b")], Value::bool(true)),
            ("replace", vec![st("hello"), st("l"), st("L")], st("heLLo")),
            (
                "replace",
                vec![st("hello"), st("/l+/"), st("$0$0")],
                st("hellllo"),
            ),
            (
                "replace",
                vec![st("abc"), st("/(b)/"), st("[$1]")],
                st("a[b]c"),
            ),
            ("replace", vec![st("abc"), st("/(b)/"), st("$1x")], st("ac")),
            ("replace", vec![st("abc"), st(""), st("-")], st("-a-b-c-")),
            ("replace", vec![st("aaa"), st("/a/"), st("$$")], st("$$$")),
            ("split", vec![st(","), st("a,,b")], slist(&["a", "", "b"])),
            ("split", vec![st(","), st("")], slist(&[""])),
            ("split", vec![st(""), st("abc")], slist(&["a", "b", "c"])),
            (
                "join",
                vec![st(","), slist(&["a"]), slist(&["b", "c"])],
                st("a,b,c"),
            ),
            ("join", vec![st(","), slist(&[])], st("")),
            ("regex", vec![st("[a-z]+"), st("123abc")], st("abc")),
            (
                "regex",
                vec![st("(\\d+)-(\\d+)"), st("1-2")],
                Value::tuple(vec![st("1"), st("2")]),
            ),
            (
                "regex",
                vec![st("(?P<a>\\d+)"), st("12")],
                Value::object_from([("a", st("12"))]),
            ),
            ("regex", vec![st("(?i)A"), st("a")], st("a")),
            ("regex", vec![st("\\d+"), st("a\u{663}1")], st("1")),
            ("regex", vec![st("\\w+"), st("\u{e9}1")], st("1")),
            ("regex", vec![st("[\\d]+"), st("x\u{663}12")], st("12")),
            ("regex", vec![st("\\Qa.b\\E"), st("a.b")], st("a.b")),
            ("regex", vec![st("\\s+"), st("a\u{a0} b")], st(" ")),
            (
                "regexall",
                vec![st("\\bx"), st("\u{e9}x x")],
                slist(&["x", "x"]),
            ),
            ("regexall", vec![st("\\d"), st("a1b2")], slist(&["1", "2"])),
            (
                "regexall",
                vec![st("(\\d)(x)?"), st("1")],
                Value::list(
                    Type::Tuple(vec![Type::String, Type::String].into()),
                    vec![Value::tuple(vec![st("1"), Value::null(Type::String)])],
                ),
            ),
            ("regexall", vec![st("z"), st("aa")], slist(&[])),
        ];
        for (f, args, want) in cases {
            assert_eq!(call(f, &args), want, "{f}({args:?})");
        }
    }

    #[test]
    fn string_errors() {
        let cases: Vec<(&str, Vec<Value>, &str)> = vec![
            ("join", vec![st(",")], "at least one list is required"),
            (
                "join",
                vec![
                    st(","),
                    Value::list(Type::String, vec![Value::null(Type::String)]),
                ],
                "Invalid value for \"lists\" parameter: element 0 is null; cannot concatenate \
                 null values.",
            ),
            (
                "regex",
                vec![st("x"), st("y")],
                "pattern did not match any part of the given string",
            ),
            (
                "regex",
                vec![st("("), st("y")],
                "Invalid value for \"pattern\" parameter: invalid regexp pattern: missing \
                 closing ) in (.",
            ),
            (
                "regex",
                vec![st("["), st("y")],
                "Invalid value for \"pattern\" parameter: invalid regexp pattern: missing \
                 closing ] in [.",
            ),
            (
                "regex",
                vec![st("a{2,1}"), st("y")],
                "Invalid value for \"pattern\" parameter: invalid regexp pattern: invalid \
                 repeat count in {2,1}.",
            ),
            (
                "regex",
                vec![st("a**"), st("y")],
                "Invalid value for \"pattern\" parameter: invalid regexp pattern: invalid \
                 nested repetition operator in **.",
            ),
            (
                "regex",
                vec![st("(a)(?P<x>b)"), st("ab")],
                "Invalid value for \"pattern\" parameter: invalid regexp pattern: cannot mix \
                 both named and unnamed capture groups.",
            ),
            (
                "substr",
                vec![st("hello"), n("1.5"), n("1")],
                "value must be a whole number, between -9223372036854775808 and \
                 9223372036854775807",
            ),
        ];
        for (f, args, want) in cases {
            assert_eq!(call_err(f, &args).message, want, "{f}({args:?})");
        }
    }

    fn fmt(f: &str, args: Vec<Value>) -> String {
        let mut all = vec![st(f)];
        all.extend(args);
        call("format", &all).as_str().unwrap().to_string()
    }
    fn fmt_err(f: &str, args: Vec<Value>) -> String {
        let mut all = vec![st(f)];
        all.extend(args);
        call_err("format", &all).message
    }

    #[test]
    fn format_matches_terraform() {
        let cases: Vec<(&str, Vec<Value>, &str)> = vec![
            (
                "%v %v %v",
                vec![st("a"), n("1"), Value::bool(true)],
                "a 1 true",
            ),
            ("%v", vec![Value::tuple(vec![n("1"), st("a")])], "[1,\"a\"]"),
            ("%v", vec![Value::object_from([("a", n("1"))])], "{\"a\":1}"),
            ("%#v", vec![st("a")], "\"a\""),
            ("%q", vec![st("a\"b")], "\"a\\\"b\""),
            (
                "%5.2f|%-6d|%06d|%+d",
                vec![n("3.14159"), n("42"), n("42"), n("5")],
                " 3.14|42    |000042|+5",
            ),
            (
                "%e %g %E %G",
                vec![n("1234.5678"), n("1234.5678"), n("0.000012"), n("1e21")],
                "1.234568e+03 1234.5678 1.200000E-05 1E+21",
            ),
            (
                "%x %X %o %b",
                vec![n("255"), n("255"), n("8"), n("5")],
                "ff FF 10 101",
            ),
            ("%t", vec![Value::bool(true)], "true"),
            ("%t", vec![st("true")], "true"),
            ("%s", vec![n("1")], "1"),
            ("%[2]s %[1]s", vec![st("a"), st("b")], "b a"),
            ("%v", vec![Value::null_dynamic()], "null"),
            ("%%", vec![], "%"),
            (
                "%.3s|%5s|%-5s|",
                vec![st("abcdef"), st("ab"), st("ab")],
                "abc|   ab|ab   |",
            ),
            ("%10.3q", vec![st("ab")], "      \"ab\""),
            ("%d", vec![n("1e30")], "1000000000000000000000000000000"),
            (
                "%f",
                vec![Value::number(
                    Number::parse("1")
                        .unwrap()
                        .div(&Number::parse("3").unwrap())
                        .unwrap(),
                )],
                "0.333333",
            ),
            ("%.20f", vec![n("0.1")], "0.10000000000000000000"),
            (
                "%v|%v|%v|%v",
                vec![n("1000000"), n("0.000001"), n("123456"), n("0.0001")],
                "1e+06|1e-06|123456|0.0001",
            ),
            ("%v", vec![n("1e30")], "1e+30"),
            ("%v", vec![n("1234567.5")], "1.2345675e+06"),
            ("%#v|%#v", vec![n("1"), Value::bool(true)], "1|true"),
            ("%5v|%-5v|", vec![st("a"), n("1")], "    a|1    |"),
            ("%10.4v", vec![n("3.14159265")], "3.14159265"),
            ("%q", vec![n("1")], "\"1\""),
            ("%x", vec![n("-255")], "-ff"),
            ("%+.2e", vec![n("1")], "+1.00e+00"),
            ("%.2d", vec![n("3")], "03"),
            (
                "%8.3f|%-8.3f|%08.3f",
                vec![n("-3.14159"), n("3.14159"), n("-3.14159")],
                "  -3.142|3.142   |-003.142",
            ),
            ("% d|% d", vec![n("5"), n("-5")], " 5|-5"),
            ("%5s|%.2s", vec![st("héllo"), st("héllo")], "héllo|hé"),
            ("%#x %#o", vec![n("255"), n("8")], "0xff 010"),
            (
                "%.0f %.0f %.0f",
                vec![n("0.5"), n("1.5"), n("2.5")],
                "0 2 2",
            ),
            ("%e", vec![n("0")], "0.000000e+00"),
            ("%g", vec![n("100000000")], "1e+08"),
            ("%v", vec![n("-0")], "-0"),
            ("%d", vec![n("-0")], "0"),
            ("%.3g", vec![n("1234.5678")], "1.23e+03"),
            ("%v|%f", vec![n("Inf"), n("Inf")], "+Inf|+Inf"),
            ("%-08.3f|", vec![n("1.5")], "1.500   |"),
            ("%05s|%-05s", vec![st("ab"), st("ab")], "000ab|ab000"),
            ("%.f|%.e", vec![n("1.5"), n("1.5")], "2|2e+00"),
            ("%d", vec![st("12")], "12"),
            (
                "%q",
                vec![st("<&>\t\u{1}")],
                "\"\\u003c\\u0026\\u003e\\t\\u0001\"",
            ),
            ("%5.0d|", vec![n("0")], "|"),
        ];
        for (f, args, want) in cases {
            assert_eq!(fmt(f, args.clone()), want, "format({f:?}, {args:?})");
        }
    }

    #[test]
    fn format_errors_match_terraform() {
        let cases: Vec<(&str, Vec<Value>, &str)> = vec![
            (
                "%d",
                vec![n("1.5")],
                "unsupported value for \"%d\" at 0: an integer is required",
            ),
            (
                "%x",
                vec![st("hi")],
                "unsupported value for \"%x\" at 0: a number is required",
            ),
            (
                "%d",
                vec![],
                "not enough arguments for \"%d\" at 0: need index 1 but have 0 total",
            ),
            (
                "%z",
                vec![n("1")],
                "unsupported format verb 'z' in \"%z\" at offset 0",
            ),
            (
                "%s",
                vec![Value::null_dynamic()],
                "unsupported value for \"%s\" at 0: null value cannot be formatted",
            ),
            (
                "a",
                vec![n("1")],
                "Invalid value for \"args\" parameter: too many arguments; no verbs in format \
                 string.",
            ),
            (
                "%s %s",
                vec![st("a"), st("b"), st("c")],
                "Invalid value for \"args\" parameter: too many arguments; only 2 used by \
                 format string.",
            ),
            (
                "%d %d",
                vec![n("1")],
                "not enough arguments for \"%d\" at 3: need index 2 but have 1 total",
            ),
            (
                "%[2]d %d",
                vec![n("1"), n("2")],
                "not enough arguments for \"%d\" at 6: need index 3 but have 2 total",
            ),
            (
                "%[0]d",
                vec![n("1")],
                "unrecognized format character '0' at offset 2",
            ),
            (
                "%",
                vec![n("1")],
                "invalid format string starting at offset 1",
            ),
            (
                "%5",
                vec![n("1")],
                "invalid format string starting at offset 2",
            ),
            (
                "%*d",
                vec![n("5"), n("1")],
                "unrecognized format character '*' at offset 1",
            ),
            (
                "%t",
                vec![n("1")],
                "unsupported value for \"%t\" at 0: bool required",
            ),
            (
                "%c",
                vec![n("65")],
                "unsupported format verb 'c' in \"%c\" at offset 0",
            ),
            (
                "%d",
                vec![n("Inf")],
                "unsupported value for \"%d\" at 0: an integer is required",
            ),
        ];
        for (f, args, want) in cases {
            assert_eq!(fmt_err(f, args.clone()), want, "format({f:?}, {args:?})");
        }
    }

    #[test]
    fn formatlist_cases() {
        let got = call("formatlist", &[st("%s-%s"), slist(&["a", "b"]), st("x")]);
        assert_eq!(got, slist(&["a-x", "b-x"]));
        assert_eq!(call("formatlist", &[st("%s"), st("a")]), slist(&["a"]));
        assert_eq!(
            call("formatlist", &[st("%s"), Value::tuple(vec![])]),
            slist(&[])
        );
        let e = call_err(
            "formatlist",
            &[st("%s-%s"), slist(&["a", "b"]), slist(&["x"])],
        );
        assert_eq!(
            e.message,
            "Invalid value for \"args\" parameter: argument 2 has length 1, which is \
             inconsistent with argument 1 of length 2."
        );
        let e = call_err("formatlist", &[st("%d"), slist(&["a"])]);
        assert_eq!(
            e.message,
            "error on format iteration 0: unsupported value for \"%d\" at 0: a number is \
             required"
        );
    }

    #[test]
    fn unknown_and_sensitive() {
        assert_eq!(
            call("upper", &[Value::unknown(Type::String)]),
            Value::unknown(Type::String)
        );
        assert!(call("format", &[st("%s"), st("x").mark_sensitive()]).is_sensitive());
    }
}
