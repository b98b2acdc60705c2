//! The canonical format of `terraform fmt` (Terraform 1.0).
//!
//! Like Terraform, this works on tokens, not on a syntax tree:
//!
//! 1. it is split into the tokens of HCL's scanner (`lexer`), comments and newlines
//!    included, and checked against HCL's native-syntax grammar on those tokens (`validate`,
//!    linear and non-recursive beyond a nesting limit of 256); invalid input gives a
//!    [`Diagnostic`] (message from hcl-edit where it has one) and no output. A leading byte
//!    order mark is dropped, as Terraform does;
//! 2. Terraform's own normalisations are applied to the token stream: block labels are
//!    written as quoted strings (comments between them dropped), attribute values that are a
//!    single interpolation (`"${var.x}"`) are unwrapped (`var.x`, parenthesised if they span
//!    several lines), and in `variable` blocks the legacy type constraints `"string"`,
//!    `"list"`, `"map"` and the bare `list`, `map`, `set` become `string`, `list(string)`,
//!    `map(string)`, `list(any)`, `map(any)`, `set(any)`;
//! 3. the spaces before every token are recomputed with the rules of `hclwrite`: indentation
//!    by bracket nesting (two spaces), spacing between tokens, alignment of `=` in runs of
//!    consecutive single-line attributes and of trailing comments in runs of consecutive
//!    lines (widths in grapheme clusters). Newlines (LF or CRLF), blank lines, comments
//!    and heredoc contents are kept as they are; spaces before the end of the file too.
//!
//! `terraform fmt` does not format JSON files (`.tf.json`): [`format_source`] leaves a file
//! whose name ends in `.json` unchanged.
//!
//! Note: `terraform fmt -` (stdin) prints the result through its UI writer, which drops one
//! trailing newline and then adds one; [`format_source`] returns what `terraform fmt` writes
//! to a file.

mod format;
mod lexer;
mod validate;

use girder_core::{Diagnostic, SourceSpan};
use lexer::{Tok, K};
use std::borrow::Cow;

/// Formats `src` (the text of the file `filename`) in the canonical style of `terraform fmt`.
///
/// Returns an error diagnostic (with file:line:col) when the source is not valid HCL native
/// syntax; nothing is formatted in that case. JSON files (name ending in `.json`) are returned
/// unchanged, as Terraform does not format them.
pub fn format_source(src: &str, filename: &str) -> Result<String, Diagnostic> {
    if filename.ends_with(".json") {
        return Ok(src.to_string());
    }
    // Terraform drops a leading byte order mark.
    let src = src.strip_prefix('\u{feff}').unwrap_or(src);
    let (toks, trailing) = match lexer::lex(src) {
        Ok(v) => v,
        Err(e) => {
            // hcl-edit gives the better message; ours if it accepts the file
            check_syntax(src, filename)?;
            return Err(Diagnostic::error("Invalid syntax", e.message)
                .with_span(span_at(filename, src, e.at)));
        }
    };
    match validate::validate(&toks) {
        Ok(()) => {}
        Err(v) if v.too_deep => {
            let at = toks
                .get(v.tok)
                .map(|t| (t.text.as_ptr() as usize).saturating_sub(src.as_ptr() as usize))
                .unwrap_or(src.len());
            return Err(too_deep(src, filename, at));
        }
        // The token-level check follows HCL's grammar and is authoritative (hcl-edit is more
        // lenient in places, e.g. `[for x in1: x]`); hcl-edit gives the better message.
        Err(v) => {
            check_syntax(src, filename)?;
            let at = toks
                .get(v.tok)
                .map(|t| (t.text.as_ptr() as usize).saturating_sub(src.as_ptr() as usize))
                .unwrap_or(src.len());
            let what = toks
                .get(v.tok)
                .map(|t| format!("{:?}", t.text))
                .unwrap_or_else(|| "the end of the file".to_string());
            return Err(Diagnostic::error(
                "Invalid syntax",
                format!("The file is not valid HCL native syntax, so it was not formatted: unexpected {what} here."),
            )
            .with_span(span_at(filename, src, at))
            .with_help("fix the syntax error, then run fmt again"));
        }
    }
    check_tokens(src, filename, &toks)?;
    let mut toks = normalize(toks);
    format::format_tokens(&mut toks);
    Ok(format::write_tokens(&toks, trailing, src.len()))
}

/// Does `terraform fmt` process a file of this name? Only `.tf` and `.tfvars` files
/// (Terraform 1.0): in a directory, other files (including `.tf.json`) are skipped; named
/// explicitly, they are an error "Only .tf and .tfvars files can be processed with terraform
/// fmt".
pub fn is_fmt_file(name: &str) -> bool {
    name.ends_with(".tf") || name.ends_with(".tfvars")
}

/// What `terraform fmt -` prints for a formatted text: its UI writer drops one trailing
/// newline and then adds one (so an empty input prints a single newline).
pub fn stdin_output(formatted: &str) -> String {
    let body = formatted.strip_suffix('\n').unwrap_or(formatted);
    format!("{body}\n")
}

/// Is `src` already in canonical format? (`terraform fmt -check`). Errors as
/// [`format_source`].
pub fn is_formatted(src: &str, filename: &str) -> Result<bool, Diagnostic> {
    Ok(format_source(src, filename)? == src)
}

fn too_deep(src: &str, filename: &str, at: usize) -> Diagnostic {
    Diagnostic::error(
        "Nesting too deep",
        format!(
            "The file nests blocks or expressions more than {} levels deep, which fmt does not support.",
            validate::MAX_DEPTH
        ),
    )
    .with_span(span_at(filename, src, at))
    .with_help("split the deeply nested expression, e.g. with locals")
}

fn span_at(filename: &str, src: &str, byte: usize) -> SourceSpan {
    SourceSpan::from_bytes(filename.into(), src, byte, byte)
}

/// The byte offset of a 1-based line and (byte) column as hcl-edit reports them.
fn byte_of(src: &str, line: usize, column: usize) -> usize {
    let line_start: usize = src
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    // hcl-edit columns count bytes
    let mut b = (line_start + column.saturating_sub(1)).min(src.len());
    while !src.is_char_boundary(b) {
        b -= 1;
    }
    b
}

/// How many duplicate object keys [`check_syntax`] tolerates before giving up.
const MAX_DUPLICATE_KEY_RETRIES: usize = 64;

/// The same syntax check Terraform makes before formatting (the file must parse with HCL's
/// native syntax parser). hcl-edit also rejects duplicate object keys, which HCL's parser
/// accepts (they are an evaluation error): for those we rename the key in a scratch copy and
/// parse again.
fn check_syntax(src: &str, filename: &str) -> Result<(), Diagnostic> {
    // hcl-edit's parser is recursive: refuse input nested deeper than we support before
    // handing it over (an upper bound: brackets inside strings count too).
    let mut depth = 0usize;
    for (i, b) in src.bytes().enumerate() {
        match b {
            b'{' | b'[' | b'(' => {
                depth += 1;
                if depth > validate::MAX_DEPTH {
                    return Err(too_deep(src, filename, i));
                }
            }
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    let mut scratch: Cow<'_, str> = Cow::Borrowed(src);
    let mut retries = 0;
    let mut patches = 0;
    loop {
        let e = match hcl_edit::parser::parse_body(&scratch) {
            Ok(_) => return Ok(()),
            Err(e) => e,
        };
        let loc = e.location();
        let at = byte_of(&scratch, loc.line(), loc.column());
        // a number literal past f64's range: valid for Terraform (arbitrary precision)
        if let Some(r) = crate::parse::big_number_at(&scratch, at) {
            if patches < MAX_DUPLICATE_KEY_RETRIES {
                patches += 1; // same length: positions stay those of `src`
                let mut s = scratch.into_owned();
                s.replace_range(r.clone(), &"0".repeat(r.len()));
                scratch = Cow::Owned(s);
                continue;
            }
        }
        if e.message().contains("redefined object key") && retries < MAX_DUPLICATE_KEY_RETRIES {
            retries += 1;
            let mut s = scratch.into_owned();
            let at = duplicate_key_start(&s, at);
            let insert_at = match s.as_bytes().get(at) {
                Some(b'"') | Some(b'(') => at + 1,
                _ => at,
            };
            if !s.is_char_boundary(insert_at) {
                return Err(syntax_error(src, filename, &e, at));
            }
            s.insert_str(insert_at, &format!("girder_dup{retries}_"));
            scratch = Cow::Owned(s);
            continue;
        }
        // positions in the scratch copy are shifted only after the renamed keys, which come
        // before the error; report the original line (and the column when unchanged).
        let byte = if retries == 0 {
            at
        } else {
            byte_of(src, loc.line(), 1)
        };
        return Err(syntax_error(src, filename, &e, byte));
    }
}

/// hcl-edit reports a duplicate object key either at the key or at the last character of
/// the previous item's value (after a traversal): find the key.
pub(crate) fn duplicate_key_start(s: &str, at: usize) -> usize {
    let b = s.as_bytes();
    let mut k = at;
    while k > 0 && matches!(b[k - 1], b' ' | b'\t') {
        k -= 1;
    }
    if k == 0 || matches!(b[k - 1], b',' | b'{' | b'\n') {
        return at;
    }
    let mut j = at;
    while j < b.len() && !matches!(b[j], b',' | b'\n') {
        j += 1;
    }
    j += 1;
    while j < b.len() && matches!(b[j], b' ' | b'\t' | b'\r' | b'\n') {
        j += 1;
    }
    j.min(b.len())
}

fn syntax_error(src: &str, filename: &str, e: &hcl_edit::parser::Error, byte: usize) -> Diagnostic {
    {
        {
            Diagnostic::error(
                "Invalid syntax",
                format!(
                    "The file is not valid HCL native syntax, so it was not formatted: {}",
                    e.message()
                ),
            )
            .with_span(span_at(filename, src, byte))
            .with_help("fix the syntax error, then run fmt again")
        }
    }
}

/// Syntax that hcl-edit accepts but HCL 2.10 (Terraform 1.0) rejects.
fn check_tokens(src: &str, filename: &str, toks: &[Tok<'_>]) -> Result<(), Diagnostic> {
    let offset = |t: &Tok<'_>| (t.text.as_ptr() as usize).saturating_sub(src.as_ptr() as usize);
    if let Some(t) = toks.iter().find(|t| t.kind == K::Invalid) {
        return Err(Diagnostic::error(
            "Invalid character",
            format!(
                "This character is not used within the language: {:?}",
                t.text
            ),
        )
        .with_span(span_at(filename, src, offset(t))));
    }
    for w in toks.windows(2) {
        let (a, b) = (&w[0], &w[1]);
        if a.kind == K::Dot && b.kind == K::Number && b.text.contains(['.', 'e', 'E']) {
            return Err(Diagnostic::error(
                "Invalid attribute name",
                format!("\"{}\" is not a valid legacy index (a traversal step must be a name or a whole number)", b.text),
            )
            .with_span(span_at(filename, src, offset(b)))
            .with_help("use an index in brackets, like [1]"));
        }
        if a.kind == K::Colon && b.kind == K::Colon {
            return Err(Diagnostic::error(
                "Invalid syntax",
                "\"::\" is not valid in the Terraform 1.0 language (function namespaces came later)",
            )
            .with_span(span_at(filename, src, offset(a))));
        }
    }
    Ok(())
}

fn is_line_comment(t: &Tok<'_>) -> bool {
    t.kind == K::Comment && t.text.ends_with('\n')
}

fn bracket_change(k: K) -> i64 {
    match k {
        K::OBrace | K::OBrack | K::OParen | K::Control | K::Interp => 1,
        K::CBrace | K::CBrack | K::CParen | K::SeqEnd => -1,
        _ => 0,
    }
}

/// Applies Terraform's `fmt` normalisations (labels, interpolation unwrapping, type
/// constraints) to the token stream. Iterative: no recursion on input nesting.
fn normalize(toks: Vec<Tok<'_>>) -> Vec<Tok<'_>> {
    let n = toks.len();
    // (start, end, replacement) token ranges to replace, in order
    let mut edits: Vec<(usize, usize, Vec<Tok<'_>>)> = Vec::new();
    let mut blocks: Vec<Cow<'_, str>> = Vec::new();
    let mut i = 0;
    while i < n {
        let t = &toks[i];
        match t.kind {
            K::Newline | K::Comment => {
                i += 1;
            }
            K::CBrace => {
                blocks.pop();
                i += 1;
            }
            K::Ident => {
                let mut j = i + 1;
                while j < n && toks[j].kind == K::Comment && !is_line_comment(&toks[j]) {
                    j += 1;
                }
                if j < n && toks[j].kind == K::Equal {
                    // attribute
                    let mut k = j + 1;
                    let mut depth = 0i64;
                    while k < n {
                        let tk = &toks[k];
                        if depth <= 0
                            && (tk.kind == K::Newline
                                || is_line_comment(tk)
                                || tk.kind == K::CBrace)
                        {
                            break;
                        }
                        depth += bracket_change(tk.kind);
                        k += 1;
                    }
                    let mut es = j + 1;
                    let mut ee = k;
                    while es < ee && toks[es].kind == K::Comment {
                        es += 1;
                    }
                    while ee > es && toks[ee - 1].kind == K::Comment {
                        ee -= 1;
                    }
                    let expr = &toks[es..ee];
                    let is_type = blocks.len() == 1 && blocks[0] == "variable" && t.text == "type";
                    let new = if is_type {
                        format_type_expr(expr)
                    } else {
                        format_value_expr(expr)
                    };
                    if let Some(v) = new {
                        edits.push((es, ee, v));
                    }
                    i = k;
                } else {
                    // block header: type, labels, {
                    let mut k = i + 1;
                    let mut labels: Vec<String> = Vec::new();
                    let mut last_label_end = i + 1;
                    let mut ok = true;
                    while k < n && toks[k].kind != K::OBrace {
                        match toks[k].kind {
                            K::Comment => k += 1,
                            K::Ident => {
                                labels.push(toks[k].text.to_string());
                                k += 1;
                                last_label_end = k;
                            }
                            K::OQuote => {
                                let mut m = k + 1;
                                while m < n && toks[m].kind == K::QuotedLit {
                                    m += 1;
                                }
                                if m < n && toks[m].kind == K::CQuote {
                                    // Like hclwrite, only a label of at most one literal
                                    // token is kept (`"a$b"` is three tokens and is dropped).
                                    match m - (k + 1) {
                                        0 => labels.push(String::new()),
                                        1 => match unescape(&toks[k + 1].text) {
                                            Some(v) => labels.push(v),
                                            None => {
                                                ok = false;
                                                break;
                                            }
                                        },
                                        _ => {}
                                    }
                                    k = m + 1;
                                    last_label_end = k;
                                } else {
                                    ok = false;
                                    break;
                                }
                            }
                            _ => {
                                ok = false;
                                break;
                            }
                        }
                    }
                    if !ok || k >= n {
                        // not a block header we understand: leave the tokens as they are
                        i += 1;
                        continue;
                    }
                    let mut rep = Vec::with_capacity(labels.len() * 3);
                    for l in &labels {
                        rep.push(Tok::synth(K::OQuote, "\""));
                        let esc = escape(l);
                        if !esc.is_empty() {
                            rep.push(Tok::synth(K::QuotedLit, esc));
                        }
                        rep.push(Tok::synth(K::CQuote, "\""));
                    }
                    let orig = &toks[i + 1..last_label_end];
                    let same = orig.len() == rep.len()
                        && orig
                            .iter()
                            .zip(&rep)
                            .all(|(a, b)| a.kind == b.kind && a.text == b.text);
                    if !same {
                        edits.push((i + 1, last_label_end, rep));
                    }
                    blocks.push(t.text.clone());
                    i = k + 1;
                }
            }
            _ => {
                i += 1;
            }
        }
    }
    if edits.is_empty() {
        return toks;
    }
    let extra: usize = edits.iter().map(|e| e.2.len()).sum();
    let mut out: Vec<Tok<'_>> = Vec::with_capacity(n + extra);
    let mut edits = edits.into_iter().peekable();
    let mut skip_until = 0usize;
    for (idx, t) in toks.into_iter().enumerate() {
        while let Some((s, _, _)) = edits.peek() {
            if *s != idx {
                break;
            }
            if let Some((_, e, rep)) = edits.next() {
                out.extend(rep);
                skip_until = skip_until.max(e);
            }
        }
        if idx >= skip_until {
            out.push(t);
        }
    }
    out
}

/// Terraform's `formatValueExpr`: `"${ x }"` becomes `x`.
fn format_value_expr<'a>(toks: &[Tok<'a>]) -> Option<Vec<Tok<'a>>> {
    let len = toks.len();
    if len < 5 {
        return None;
    }
    if toks[0].kind != K::OQuote
        || toks[1].kind != K::Interp
        || toks[len - 2].kind != K::SeqEnd
        || toks[len - 1].kind != K::CQuote
    {
        return None;
    }
    let inside = &toks[2..len - 2];
    let mut quotes = 0i64;
    for t in inside {
        match t.kind {
            K::OQuote => quotes += 1,
            K::CQuote => quotes -= 1,
            _ if quotes > 0 => {}
            K::Interp | K::SeqEnd | K::QuotedLit => return None,
            _ => {}
        }
    }
    let mut s = 0;
    let mut e = inside.len();
    while s < e && inside[s].kind == K::Newline {
        s += 1;
    }
    while e > s && inside[e - 1].kind == K::Newline {
        e -= 1;
    }
    let trimmed = &inside[s..e];
    let mut multi = false;
    let mut lead_paren = false;
    let mut trail_paren = false;
    for (i, t) in trimmed.iter().enumerate() {
        if i == 0 && t.kind == K::OParen {
            lead_paren = true;
        } else if t.kind == K::Newline {
            multi = true;
        } else if i + 1 == trimmed.len() && t.kind == K::CParen {
            trail_paren = true;
        }
    }
    let mut v = Vec::with_capacity(trimmed.len() + 2);
    if multi && !(lead_paren && trail_paren) {
        v.push(Tok::synth(K::OParen, "("));
        v.extend(trimmed.iter().cloned());
        v.push(Tok::synth(K::CParen, ")"));
    } else {
        v.extend(trimmed.iter().cloned());
    }
    Some(v)
}

/// Terraform's `formatTypeExpr` for `type` in `variable` blocks.
fn format_type_expr<'a>(toks: &[Tok<'a>]) -> Option<Vec<Tok<'a>>> {
    let call = |name: &'static str, arg: &'static str| {
        vec![
            Tok::synth(K::Ident, name),
            Tok::synth(K::OParen, "("),
            Tok::synth(K::Ident, arg),
            Tok::synth(K::CParen, ")"),
        ]
    };
    match toks {
        [kw] if kw.kind == K::Ident => match kw.text.as_ref() {
            "list" => Some(call("list", "any")),
            "map" => Some(call("map", "any")),
            "set" => Some(call("set", "any")),
            _ => None,
        },
        [o, s, c] if o.kind == K::OQuote && s.kind == K::QuotedLit && c.kind == K::CQuote => {
            match s.text.as_ref() {
                "string" => Some(vec![Tok::synth(K::Ident, "string")]),
                "list" => Some(call("list", "string")),
                "map" => Some(call("map", "string")),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Decodes the escapes of a quoted string literal (`\n`, `\uXXXX`, `$${`, ...).
fn unescape(s: &str) -> Option<String> {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next()? {
                'n' => out.push('\n'),
                'r' => out.push('\r'),
                't' => out.push('\t'),
                '"' => out.push('"'),
                '\\' => out.push('\\'),
                u @ ('u' | 'U') => {
                    let len = if u == 'u' { 4 } else { 8 };
                    let mut hex = String::new();
                    for _ in 0..len {
                        hex.push(chars.next()?);
                    }
                    let v = u32::from_str_radix(&hex, 16).ok()?;
                    out.push(char::from_u32(v)?);
                }
                _ => return None,
            },
            '$' | '%' if chars.peek() == Some(&c) => {
                // `$${` is a literal `${`
                let mut look = chars.clone();
                look.next();
                if look.peek() == Some(&'{') {
                    chars.next();
                }
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    Some(out)
}

/// Escapes a string for a quoted literal the way `hclwrite` does.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '$' | '%' => {
                out.push(c);
                if chars.peek() == Some(&'{') {
                    out.push(c);
                }
            }
            _ if !is_print(c) => {
                let v = c as u32;
                if v < 0x10000 {
                    out.push_str(&format!("\\u{v:04x}"));
                } else {
                    out.push_str(&format!("\\U{v:08x}"));
                }
            }
            _ => out.push(c),
        }
    }
    out
}

/// An approximation of Go's `unicode.IsPrint`.
fn is_print(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    !matches!(c as u32, 0x00AD | 0x200B..=0x200F | 0x2028..=0x202E | 0x2060..=0x206F | 0xFEFF | 0xFFF9..=0xFFFB | 0xE000..=0xF8FF)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(s: &str) -> String {
        format_source(s, "t.tf").unwrap()
    }

    #[test]
    fn aligns_equals() {
        assert_eq!(f("a=1\nbbb = 2\n"), "a   = 1\nbbb = 2\n");
    }

    #[test]
    fn labels_quoted() {
        assert_eq!(f("resource a b {}\n"), "resource \"a\" \"b\" {}\n");
    }

    #[test]
    fn unwraps_interpolation() {
        assert_eq!(f("a = \"${var.x}\"\n"), "a = var.x\n");
        assert_eq!(f("a = \"x${var.x}\"\n"), "a = \"x${var.x}\"\n");
    }

    #[test]
    fn syntax_error_is_diagnostic() {
        let d = format_source("a = \n", "bad.tf").unwrap_err();
        assert!(d.span.is_some());
        let d = format_source("resource \"x\" {\n", "bad.tf").unwrap_err();
        assert_eq!(d.span.unwrap().filename.as_ref(), "bad.tf");
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        for n in [300usize, 100_000] {
            let deep = format!("a = {}{}\n", "[".repeat(n), "]".repeat(n));
            let d = format_source(&deep, "deep.tf").unwrap_err();
            assert_eq!(d.summary, "Nesting too deep");
            let unclosed = format!("a = {}\"x\n", "[".repeat(n));
            assert!(format_source(&unclosed, "deep.tf").is_err());
            let tmpl = format!("a = {}1{}\n", "\"${".repeat(n), "}\"".repeat(n));
            assert!(format_source(&tmpl, "deep.tf").is_err());
            let blocks = format!("{}{}", "b {\n".repeat(n), "}\n".repeat(n));
            assert!(format_source(&blocks, "deep.tf").is_err());
        }
        // within the limit it works
        let ok = format!("a = {}1{}\n", "[".repeat(100), "]".repeat(100));
        assert!(format_source(&ok, "ok.tf").is_ok());
    }

    #[test]
    fn fmt_files_and_stdin_output() {
        assert!(is_fmt_file("main.tf") && is_fmt_file("prod.tfvars"));
        assert!(!is_fmt_file("main.tf.json") && !is_fmt_file("x.hcl"));
        assert_eq!(stdin_output(""), "\n");
        assert_eq!(stdin_output("a = 1\n"), "a = 1\n");
        assert_eq!(stdin_output("a = 1"), "a = 1\n");
        assert_eq!(stdin_output("a = 1\n\n"), "a = 1\n\n");
    }

    #[test]
    fn json_untouched() {
        assert_eq!(
            format_source("{ \"a\":1 }", "x.tf.json").unwrap(),
            "{ \"a\":1 }"
        );
    }
}
