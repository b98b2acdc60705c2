//! A lexer for the HCL native syntax that produces the same token kinds as HCL's `hclsyntax`
//! scanner (the tokens `hclwrite` formats), keeping comments and newlines as tokens.

use std::borrow::Cow;

/// The kind of a token (mirrors `hclsyntax.TokenType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum K {
    OBrace,
    CBrace,
    OBrack,
    CBrack,
    OParen,
    CParen,
    OQuote,
    CQuote,
    OHeredoc,
    CHeredoc,
    Star,
    Slash,
    Plus,
    Minus,
    Percent,
    Equal,
    EqualOp,
    NotEqual,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
    Bang,
    Dot,
    Comma,
    Ellipsis,
    FatArrow,
    Question,
    Colon,
    /// `${` or `${~`
    Interp,
    /// `%{` or `%{~`
    Control,
    /// `}` or `~}` closing an interpolation or directive.
    SeqEnd,
    QuotedLit,
    StringLit,
    Number,
    Ident,
    Comment,
    Newline,
    Invalid,
}

/// One token: its kind, its text and the spaces to print before it.
#[derive(Clone, Debug)]
pub(crate) struct Tok<'a> {
    pub kind: K,
    pub text: Cow<'a, str>,
    pub spaces: usize,
}

impl<'a> Tok<'a> {
    /// A synthetic token (not from the source).
    pub fn synth(kind: K, text: impl Into<Cow<'a, str>>) -> Tok<'a> {
        Tok {
            kind,
            text: text.into(),
            spaces: 0,
        }
    }
}

/// A lexing error: byte offset and message.
#[derive(Debug)]
pub(crate) struct LexError {
    pub at: usize,
    pub message: String,
}

enum Mode {
    /// Expression / body context. `template` is true inside `${ }` / `%{ }`, where `braces`
    /// counts the `{` opened inside.
    Normal { template: bool, braces: usize },
    /// Inside a quoted template.
    Quoted,
    /// Inside a heredoc template with the given marker.
    Heredoc { marker: String, line_start: bool },
}

/// Lexes the whole source. Returns the tokens and the number of bytes of trailing
/// whitespace after the last token (hclwrite keeps those as spaces before EOF).
pub(crate) fn lex(src: &str) -> Result<(Vec<Tok<'_>>, usize), LexError> {
    let b = src.as_bytes();
    let mut toks: Vec<Tok<'_>> = Vec::with_capacity(src.len() / 4 + 4);
    let mut stack: Vec<Mode> = vec![Mode::Normal {
        template: false,
        braces: 0,
    }];
    let mut i = 0usize;
    let mut last_end = 0usize;
    macro_rules! push {
        ($kind:expr, $s:expr, $e:expr) => {{
            let (s, e) = ($s, $e);
            toks.push(Tok {
                kind: $kind,
                text: Cow::Borrowed(&src[s..e]),
                spaces: s.saturating_sub(last_end),
            });
            last_end = e;
        }};
    }
    while i < b.len() {
        let Some(mode) = stack.last_mut() else {
            return Err(LexError {
                at: i,
                message: "internal lexer state error".into(),
            });
        };
        match mode {
            Mode::Normal { template, braces } => {
                let c = b[i];
                match c {
                    b' ' | b'\t' => {
                        i += 1;
                    }
                    b'\n' => {
                        push!(K::Newline, i, i + 1);
                        i += 1;
                    }
                    b'\r' if b.get(i + 1) == Some(&b'\n') => {
                        push!(K::Newline, i, i + 2);
                        i += 2;
                    }
                    b'#' => {
                        let e = line_end(b, i);
                        push!(K::Comment, i, e);
                        i = e;
                    }
                    b'/' if b.get(i + 1) == Some(&b'/') => {
                        let e = line_end(b, i);
                        push!(K::Comment, i, e);
                        i = e;
                    }
                    b'/' if b.get(i + 1) == Some(&b'*') => {
                        match find(b, i + 2, b"*/") {
                            Some(p) => {
                                push!(K::Comment, i, p + 2);
                                i = p + 2;
                            }
                            None => {
                                return Err(LexError {
                                    at: i,
                                    message: "Unterminated template string / comment: a /* comment is not closed with */".into(),
                                })
                            }
                        }
                    }
                    b'{' => {
                        *braces += 1;
                        push!(K::OBrace, i, i + 1);
                        i += 1;
                    }
                    b'~' if *template && *braces == 0 && b.get(i + 1) == Some(&b'}') => {
                        push!(K::SeqEnd, i, i + 2);
                        i += 2;
                        stack.pop();
                    }
                    b'}' => {
                        if *template && *braces == 0 {
                            push!(K::SeqEnd, i, i + 1);
                            stack.pop();
                        } else {
                            *braces = braces.saturating_sub(1);
                            push!(K::CBrace, i, i + 1);
                        }
                        i += 1;
                    }
                    b'"' => {
                        push!(K::OQuote, i, i + 1);
                        i += 1;
                        stack.push(Mode::Quoted);
                    }
                    b'<' if b.get(i + 1) == Some(&b'<') => {
                        // heredoc introducer: <<MARKER or <<-MARKER then newline
                        let mut j = i + 2;
                        if b.get(j) == Some(&b'-') {
                            j += 1;
                        }
                        let ms = j;
                        while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_' || b[j] == b'-' || b[j] >= 0x80) {
                            j += 1;
                        }
                        let me = j;
                        let nl = if b.get(j) == Some(&b'\n') {
                            Some(j + 1)
                        } else if b.get(j) == Some(&b'\r') && b.get(j + 1) == Some(&b'\n') {
                            Some(j + 2)
                        } else {
                            None
                        };
                        match nl {
                            Some(e) if me > ms && src.is_char_boundary(ms) && src.is_char_boundary(me) => {
                                let marker = src[ms..me].to_string();
                                push!(K::OHeredoc, i, e);
                                i = e;
                                stack.push(Mode::Heredoc {
                                    marker,
                                    line_start: true,
                                });
                            }
                            _ => {
                                push!(K::Lt, i, i + 1);
                                i += 1;
                            }
                        }
                    }
                    b'0'..=b'9' => {
                        let e = number_end(b, i);
                        push!(K::Number, i, e);
                        i = e;
                    }
                    _ => {
                        let two = if i + 1 < b.len() { &b[i..i + 2] } else { &b[i..i + 1] };
                        let (kind, len) = match two {
                            b"==" => (K::EqualOp, 2),
                            b"!=" => (K::NotEqual, 2),
                            b"<=" => (K::Le, 2),
                            b">=" => (K::Ge, 2),
                            b"&&" => (K::And, 2),
                            b"||" => (K::Or, 2),
                            b"=>" => (K::FatArrow, 2),
                            _ => match c {
                                b'[' => (K::OBrack, 1),
                                b']' => (K::CBrack, 1),
                                b'(' => (K::OParen, 1),
                                b')' => (K::CParen, 1),
                                b'*' => (K::Star, 1),
                                b'/' => (K::Slash, 1),
                                b'+' => (K::Plus, 1),
                                b'-' => (K::Minus, 1),
                                b'%' => (K::Percent, 1),
                                b'=' => (K::Equal, 1),
                                b'<' => (K::Lt, 1),
                                b'>' => (K::Gt, 1),
                                b'!' => (K::Bang, 1),
                                b'.' if b.get(i + 1) == Some(&b'.') && b.get(i + 2) == Some(&b'.') => {
                                    (K::Ellipsis, 3)
                                }
                                b'.' => (K::Dot, 1),
                                b',' => (K::Comma, 1),
                                b'?' => (K::Question, 1),
                                b':' => (K::Colon, 1),
                                _ => (K::Invalid, 0),
                            },
                        };
                        if kind != K::Invalid {
                            push!(kind, i, i + len);
                            i += len;
                            continue;
                        }
                        // identifier or invalid character
                        let ch = src[i..].chars().next().unwrap_or('\u{fffd}');
                        if ch == '_' || ch.is_alphabetic() {
                            let mut j = i + ch.len_utf8();
                            for c2 in src[j..].chars() {
                                if c2 == '_' || c2 == '-' || c2.is_alphanumeric() || is_combining(c2) {
                                    j += c2.len_utf8();
                                } else {
                                    break;
                                }
                            }
                            push!(K::Ident, i, j);
                            i = j;
                        } else {
                            let e = i + ch.len_utf8();
                            push!(K::Invalid, i, e);
                            i = e;
                        }
                    }
                }
            }
            Mode::Quoted => {
                let c = b[i];
                match c {
                    b'"' => {
                        push!(K::CQuote, i, i + 1);
                        i += 1;
                        stack.pop();
                    }
                    b'$' | b'%' if b.get(i + 1) == Some(&b'{') => {
                        let mut e = i + 2;
                        if b.get(e) == Some(&b'~') {
                            e += 1;
                        }
                        push!(if c == b'$' { K::Interp } else { K::Control }, i, e);
                        i = e;
                        stack.push(Mode::Normal {
                            template: true,
                            braces: 0,
                        });
                    }
                    b'\n' | b'\r' => {
                        return Err(LexError {
                            at: i,
                            message: "Unterminated template string".into(),
                        })
                    }
                    b'$' | b'%' => {
                        // hclsyntax makes a `$` or `%` its own literal token, and `$${` /
                        // `%%{` (an escaped introducer, with its optional `~`) one token.
                        let mut e = i + 1;
                        if b.get(i + 1) == Some(&c) && b.get(i + 2) == Some(&b'{') {
                            e = i + 3;
                            if b.get(e) == Some(&b'~') {
                                e += 1;
                            }
                        }
                        push!(K::QuotedLit, i, e);
                        i = e;
                    }
                    _ => {
                        let mut j = i;
                        while j < b.len() {
                            match b[j] {
                                b'"' | b'\n' | b'\r' | b'$' | b'%' => break,
                                b'\\' => j += 2,
                                _ => j += 1,
                            }
                        }
                        let mut j = j.min(b.len());
                        while !src.is_char_boundary(j) {
                            j += 1;
                        }
                        push!(K::QuotedLit, i, j);
                        i = j;
                    }
                }
            }
            Mode::Heredoc { marker, line_start } => {
                if *line_start {
                    // closing marker?
                    let mut j = i;
                    while j < b.len() && (b[j] == b' ' || b[j] == b'\t') {
                        j += 1;
                    }
                    let m = marker.as_bytes();
                    if b[j..].starts_with(m) {
                        let mut k = j + m.len();
                        // trailing spaces are part of the closing marker token
                        while k < b.len() && (b[k] == b' ' || b[k] == b'\t') {
                            k += 1;
                        }
                        if k == b.len()
                            || b[k] == b'\n'
                            || (b[k] == b'\r' && b.get(k + 1) == Some(&b'\n'))
                        {
                            push!(K::CHeredoc, i, k);
                            i = k;
                            stack.pop();
                            continue;
                        }
                    }
                }
                let c = b[i];
                if (c == b'$' || c == b'%') && b.get(i + 1) == Some(&b'{') {
                    let mut e = i + 2;
                    if b.get(e) == Some(&b'~') {
                        e += 1;
                    }
                    push!(if c == b'$' { K::Interp } else { K::Control }, i, e);
                    i = e;
                    *line_start = false;
                    stack.push(Mode::Normal {
                        template: true,
                        braces: 0,
                    });
                    continue;
                }
                let mut j = i;
                let mut ended_line = false;
                while j < b.len() {
                    match b[j] {
                        b'\n' => {
                            j += 1;
                            ended_line = true;
                            break;
                        }
                        b'$' | b'%' if b.get(j + 1) == Some(&b'{') => break,
                        b'$' | b'%'
                            if b.get(j + 1) == Some(&b[j]) && b.get(j + 2) == Some(&b'{') =>
                        {
                            j += 3
                        }
                        _ => j += 1,
                    }
                }
                let j = j.min(b.len());
                push!(K::StringLit, i, j);
                i = j;
                *line_start = ended_line;
            }
        }
    }
    match stack.last() {
        Some(Mode::Normal {
            template: false, ..
        }) if stack.len() == 1 => {}
        Some(Mode::Heredoc { marker, .. }) => {
            return Err(LexError {
                at: b.len(),
                message: format!(
                    "Unterminated template string: the heredoc has no closing marker \"{marker}\""
                ),
            })
        }
        _ => {
            return Err(LexError {
                at: b.len(),
                message: "Unterminated template string or interpolation".into(),
            })
        }
    }
    let trailing = b.len() - last_end;
    Ok((toks, trailing))
}

fn line_end(b: &[u8], from: usize) -> usize {
    match b[from..].iter().position(|&c| c == b'\n') {
        Some(p) => from + p + 1,
        None => b.len(),
    }
}

fn find(b: &[u8], from: usize, pat: &[u8]) -> Option<usize> {
    if from > b.len() {
        return None;
    }
    b[from..]
        .windows(pat.len())
        .position(|w| w == pat)
        .map(|p| p + from)
}

fn number_end(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    if b.get(i) == Some(&b'.') && b.get(i + 1).is_some_and(|c| c.is_ascii_digit()) {
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
    }
    if matches!(b.get(i), Some(b'e') | Some(b'E')) {
        let mut j = i + 1;
        if matches!(b.get(j), Some(b'+') | Some(b'-')) {
            j += 1;
        }
        if b.get(j).is_some_and(|c| c.is_ascii_digit()) {
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            i = j;
        }
    }
    i
}

/// Combining marks and joiners that do not start a new grapheme cluster (approximation of
/// Unicode grapheme segmentation, enough for column alignment).
pub(crate) fn is_combining(c: char) -> bool {
    matches!(c as u32,
        0x0300..=0x036F | 0x0483..=0x0489 | 0x0591..=0x05BD | 0x0610..=0x061A | 0x064B..=0x065F
        | 0x0900..=0x0903 | 0x093A..=0x094F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x200C..=0x200D
        | 0x20D0..=0x20FF | 0xFE00..=0xFE0F | 0xFE20..=0xFE2F | 0x1F3FB..=0x1F3FF | 0xE0100..=0xE01EF
        | 0x0E31 | 0x0E33..=0x0E3A | 0x0EB1 | 0x0EB3..=0x0EBC | 0x0E47..=0x0E4E | 0x3099..=0x309A | 0xE0020..=0xE007F)
}

fn is_regional_indicator(c: char) -> bool {
    matches!(c as u32, 0x1F1E6..=0x1F1FF)
}

fn is_ext_pict(c: char) -> bool {
    matches!(c as u32, 0x00A9 | 0x00AE | 0x203C | 0x2049 | 0x2122 | 0x2139 | 0x2194..=0x21AA
        | 0x231A..=0x23FF | 0x24C2 | 0x25AA..=0x27BF | 0x2934 | 0x2935 | 0x2B05..=0x2B55
        | 0x3030 | 0x303D | 0x3297 | 0x3299 | 0x1F000..=0x1FAFF)
}

/// Hangul syllable type: L, V, T, LV, LVT (for the grapheme rules GB6-GB8).
fn hangul(c: char) -> Option<u8> {
    let v = c as u32;
    match v {
        0x1100..=0x115F | 0xA960..=0xA97C => Some(b'L'),
        0x1160..=0x11A7 | 0xD7B0..=0xD7C6 => Some(b'V'),
        0x11A8..=0x11FF | 0xD7CB..=0xD7FB => Some(b'T'),
        0xAC00..=0xD7A3 => Some(if v.wrapping_sub(0xAC00).rem_euclid(28) == 0 {
            b'P'
        } else {
            b'Q'
        }), // LV, LVT
        _ => None,
    }
}

/// The number of columns (grapheme clusters, as hclwrite counts them) of a token's text.
/// Implements the main rules of Unicode grapheme segmentation: combining marks and
/// joiners, emoji ZWJ sequences, regional-indicator pairs and Hangul syllables.
pub(crate) fn columns(s: &str) -> usize {
    if s.is_ascii() {
        return s.len();
    }
    let mut n = 0;
    let mut prev: Option<char> = None;
    let mut ri_run = 0usize;
    for c in s.chars() {
        let join = match prev {
            None => false,
            Some(p) => {
                if is_combining(c) || (p == '\u{200D}' && is_ext_pict(c)) {
                    true
                } else if is_regional_indicator(c) && is_regional_indicator(p) {
                    ri_run % 2 == 1
                } else {
                    matches!(
                        (hangul(p), hangul(c)),
                        (Some(b'L'), Some(b'L' | b'V' | b'P' | b'Q'))
                            | (Some(b'P' | b'V'), Some(b'V' | b'T'))
                            | (Some(b'Q' | b'T'), Some(b'T'))
                    )
                }
            }
        };
        if is_regional_indicator(c) {
            ri_run += 1;
        } else {
            ri_run = 0;
        }
        if !join {
            n += 1;
        }
        prev = Some(c);
    }
    n
}
