//! What girder does about hcl-edit's parse errors that Terraform does not make.
//!
//! * Number literals whose exponent overflows an `f64` (`1e400`, `-1.5e+4000`): Terraform's
//!   numbers are arbitrary precision and accepts them; hcl-edit does not. The literal is replaced
//!   by zeros of the same length in the text given to hcl-edit (so every span stays valid) and
//!   parsing is retried; the lowering ([`crate::eval::lower`]) and [`literal_value_in`] read
//!   numbers from the original text, so the value is exact.
//! * Duplicate keys in an object constructor (`{a = 1, a = 2}`): hcl-edit rejects them with a
//!   terse message; [`duplicate_key`] turns that into a diagnostic that names the key and both
//!   places.

use crate::source::SourceFile;
use girder_core::{Diagnostic, Number};
use std::borrow::Cow;
use std::ops::Range;

/// How many literals are patched in one text before giving up (each costs a parse).
const MAX_PATCHES: usize = 64;

/// The byte range of a number literal around `off` (where hcl-edit stopped) that hcl-edit can't
/// parse because its value overflows an `f64`, and that girder's numbers can represent.
pub(crate) fn big_number_at(text: &str, off: usize) -> Option<Range<usize>> {
    let b = text.as_bytes();
    let off = off.min(b.len());
    let is_num = |c: u8| c.is_ascii_digit() || c == b'.' || c == b'e' || c == b'E';
    // back to the start of the literal: digits, '.', exponent letters and an exponent sign
    let mut start = off;
    while start > 0 {
        let c = b[start - 1];
        let sign_of_exp =
            (c == b'+' || c == b'-') && start >= 2 && matches!(b[start - 2], b'e' | b'E');
        if is_num(c) || sign_of_exp {
            start -= 1;
        } else {
            break;
        }
    }
    // a literal starts with a digit and is not the tail of an identifier (`a1e400`)
    if start >= b.len() || !b[start].is_ascii_digit() {
        return None;
    }
    if start > 0 && (b[start - 1].is_ascii_alphanumeric() || b[start - 1] == b'_') {
        return None;
    }
    let mut end = start;
    while end < b.len() {
        let c = b[end];
        let sign_of_exp = (c == b'+' || c == b'-') && matches!(b[end - 1], b'e' | b'E');
        if is_num(c) || sign_of_exp {
            end += 1;
        } else {
            break;
        }
    }
    if end < b.len() && (b[end].is_ascii_alphanumeric() || b[end] == b'_') {
        return None;
    }
    if end <= off && off != end {
        return None;
    }
    let lit = &text[start..end];
    if !is_number_literal(lit) {
        return None;
    }
    let overflows = lit.parse::<f64>().map(|f| !f.is_finite()).unwrap_or(true);
    (overflows && Number::parse(lit).is_ok()).then_some(start..end)
}

/// HCL's number literal: digits, an optional fraction, an optional exponent.
fn is_number_literal(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    let digits = |i: &mut usize| {
        let s = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i > s
    };
    if !digits(&mut i) {
        return false;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        if !digits(&mut i) {
            return false;
        }
    }
    if i < b.len() && matches!(b[i], b'e' | b'E') {
        i += 1;
        if i < b.len() && matches!(b[i], b'+' | b'-') {
            i += 1;
        }
        if !digits(&mut i) {
            return false;
        }
    }
    i == b.len()
}

/// Parses `text` with `parse`, patching number literals that overflow an `f64` (see the module
/// docs). The error, if any, is for the (patched) text, whose offsets are those of `text`.
pub(crate) fn parse_patched<T>(
    text: &str,
    parse: impl Fn(&str) -> Result<T, hcl_edit::parser::Error>,
) -> Result<T, hcl_edit::parser::Error> {
    let mut t: Cow<'_, str> = Cow::Borrowed(text);
    let mut n = 0;
    loop {
        match parse(&t) {
            Ok(v) => return Ok(v),
            Err(e) => {
                let off = e.location().offset();
                match big_number_at(&t, off) {
                    Some(r) if n < MAX_PATCHES => {
                        n += 1;
                        let mut s = t.into_owned();
                        s.replace_range(r.clone(), &"0".repeat(r.len()));
                        t = Cow::Owned(s);
                    }
                    _ => return Err(e),
                }
            }
        }
    }
}

/// The diagnostic for hcl-edit's "redefined object key" error at `off` in `text` (None for any
/// other error).
pub(crate) fn duplicate_key(
    message: &str,
    text: &str,
    off: usize,
    file: &SourceFile,
) -> Option<Diagnostic> {
    if !message.contains("redefined object key") {
        return None;
    }
    // hcl-edit points at the key, or at the end of the previous item's value
    let off = crate::fmt::duplicate_key_start(text, off.min(text.len()));
    let rest = &text[off..];
    // the key as written: an identifier or a quoted string
    let key_len = if let Some(inner) = rest.strip_prefix('"') {
        let mut esc = false;
        inner
            .char_indices()
            .find(|&(_, c)| {
                let end = c == '"' && !esc;
                esc = c == '\\' && !esc;
                end
            })
            .map(|(i, _)| i + 2)
            .unwrap_or(rest.len())
    } else {
        rest.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(rest.len())
    };
    let written = &rest[..key_len];
    let key = written.trim_matches('"');
    let mut d = Diagnostic::error(
        "Duplicate object key",
        format!("The key \"{key}\" is set more than once in this object constructor. Each key may be given only once."),
    )
    .with_span(file.span(off..off + key_len))
    .with_help("Remove one of the definitions, or give them different keys.");
    if let Some(p) = previous_key(&text[..off], written, key) {
        let prev = file.span(p.clone());
        d.detail = format!(
            "The key \"{key}\" was already set at {}. Each key may be given only once in an object constructor.",
            crate::config::range_text(&prev)
        );
        d = d.with_related("first set here", prev);
    }
    Some(d)
}

/// The last `key =` / `key :` (or `"key" =`) before `before` ends.
fn previous_key(before: &str, written: &str, key: &str) -> Option<Range<usize>> {
    let quoted = format!("\"{key}\"");
    let mut best: Option<Range<usize>> = None;
    for cand in [written, key, quoted.as_str()] {
        let mut end = before.len();
        while let Some(i) = before[..end].rfind(cand) {
            let prev_ok = before[..i]
                .chars()
                .next_back()
                .is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == '-' || c == '"'));
            let after = before[i + cand.len()..].trim_start_matches([' ', '\t', '\n', '\r']);
            let sep_ok =
                (after.starts_with('=') && !after.starts_with("==")) || after.starts_with(':');
            if prev_ok && sep_ok {
                if best.as_ref().is_none_or(|b| b.start < i) {
                    best = Some(i..i + cand.len());
                }
                break;
            }
            end = i;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_overflowing_literals_only() {
        assert_eq!(big_number_at("a = 1e400\n", 5), Some(4..9));
        assert_eq!(big_number_at("a = -1.5e+4000 ", 7), Some(5..14));
        assert_eq!(big_number_at("[1E999, 2]", 2), Some(1..6));
        assert_eq!(big_number_at("a = 1e10\n", 5), None); // fits: not ours
        assert_eq!(big_number_at("a = x1e400\n", 6), None); // an identifier
        assert_eq!(big_number_at("a = 1e\n", 5), None); // not a literal
    }

    #[test]
    fn patched_parse_keeps_offsets() {
        let text = "a = [1e400, 2]\n";
        let body = parse_patched(text, hcl_edit::parser::parse_body).unwrap();
        let attr = body.get_attribute("a").unwrap();
        assert_eq!(hcl_edit::Span::span(&attr.value), Some(4..14));
    }
}
