//! The whitespace rules of `hclwrite`'s formatter: indentation by bracket nesting, spacing
//! between tokens, and vertical alignment of `=` and of trailing comments.

use super::lexer::{columns, Tok, K};

#[derive(Clone, Copy, Default)]
struct Line {
    /// Token index range of the "lead" cell.
    lead: (usize, usize),
    /// Token index range of the "assign" cell (from the `=`), if any.
    assign: Option<(usize, usize)>,
    /// Index of the trailing comment token, if any.
    comment: Option<usize>,
}

fn is_newline(t: &Tok<'_>) -> bool {
    match t.kind {
        K::Newline => true,
        K::Comment => t.text.ends_with('\n'),
        _ => false,
    }
}

fn bracket_change(k: K) -> i64 {
    match k {
        K::OBrace | K::OBrack | K::OParen | K::Control | K::Interp => 1,
        K::CBrace | K::CBrack | K::CParen | K::SeqEnd => -1,
        _ => 0,
    }
}

fn lines_for_format(toks: &[Tok<'_>]) -> Vec<Line> {
    let mut lines = Vec::with_capacity(toks.len() / 4 + 1);
    let mut start = 0;
    for (i, t) in toks.iter().enumerate() {
        if is_newline(t) {
            lines.push(Line {
                lead: (start, i + 1),
                ..Line::default()
            });
            start = i + 1;
        }
    }
    lines.push(Line {
        lead: (start, toks.len()),
        ..Line::default()
    });
    for line in &mut lines {
        let (s, mut e) = line.lead;
        if e == s {
            continue;
        }
        if e - s > 1 && toks[e - 1].kind == K::Comment {
            line.comment = Some(e - 1);
            e -= 1;
            line.lead = (s, e);
        }
        for i in s + 1..e {
            if toks[i].kind == K::Equal {
                let net: i64 = toks[i..e].iter().map(|t| bracket_change(t.kind)).sum();
                if net == 0 {
                    line.assign = Some((i, e));
                    line.lead = (s, i);
                }
                break;
            }
        }
    }
    lines
}

fn format_indent(toks: &mut [Tok<'_>], lines: &[Line]) {
    let mut indents: Vec<i64> = Vec::with_capacity(16);
    for line in lines {
        let (s, e) = line.lead;
        if s == e {
            continue;
        }
        if toks[s].kind == K::Newline {
            toks[s].spaces = 0;
            continue;
        }
        let mut net = 0i64;
        for t in &toks[s..e] {
            net += bracket_change(t.kind);
            if t.kind == K::OHeredoc {
                break;
            }
        }
        if let Some((a, b)) = line.assign {
            for t in &toks[a..b] {
                net += bracket_change(t.kind);
            }
        }
        if net > 0 {
            toks[s].spaces = 2 * indents.len();
            indents.push(net);
        } else {
            if net < 0 {
                let mut closed = -net;
                while closed > 0 {
                    let Some(top) = indents.last_mut() else { break };
                    if closed > *top {
                        closed -= *top;
                        indents.pop();
                    } else if closed < *top {
                        *top -= closed;
                        closed = 0;
                    } else {
                        indents.pop();
                        closed = 0;
                    }
                }
            }
            toks[s].spaces = 2 * indents.len();
        }
    }
}

fn is_in_keyword(t: &Tok<'_>) -> bool {
    t.kind == K::Ident && t.text == "in"
}

/// `spaceAfterToken` of hclwrite (as in the version used by Terraform 1.0).
fn space_after(subject: &Tok<'_>, before: Option<&Tok<'_>>, after: &Tok<'_>) -> bool {
    let sk = subject.kind;
    let ak = after.kind;
    let bk = before.map(|t| t.kind);
    if ak == K::Newline {
        return false;
    }
    if sk == K::Ident && ak == K::OParen {
        return false;
    }
    if sk == K::Dot || ak == K::Dot {
        return false;
    }
    if ak == K::Comma || ak == K::Ellipsis {
        return false;
    }
    if sk == K::Comma {
        return true;
    }
    if matches!(sk, K::QuotedLit | K::StringLit | K::OQuote | K::OHeredoc)
        || matches!(ak, K::QuotedLit | K::StringLit | K::CQuote | K::CHeredoc)
    {
        return false;
    }
    if is_in_keyword(subject) && bk == Some(K::Ident) {
        return true;
    }
    if ak == K::OBrack && (sk == K::Ident || sk == K::Number || bracket_change(sk) < 0) {
        return false;
    }
    if sk == K::Bang {
        return false;
    }
    if sk == K::Minus {
        return match bk {
            None => false,
            Some(
                K::OParen
                | K::OBrace
                | K::OBrack
                | K::Equal
                | K::Colon
                | K::Comma
                | K::Question
                | K::Plus
                | K::Star
                | K::Slash
                | K::Percent
                | K::Minus
                | K::EqualOp
                | K::NotEqual
                | K::Gt
                | K::Ge
                | K::Lt
                | K::Le
                | K::And
                | K::Or
                | K::Bang,
            ) => false,
            Some(_) => true,
        };
    }
    if sk == K::OBrace || ak == K::CBrace {
        return !(sk == K::OBrace && ak == K::CBrace);
    }
    if matches!(sk, K::Interp | K::Control) && ak == K::OBrace {
        return true;
    }
    if sk == K::CBrace && ak == K::SeqEnd {
        return true;
    }
    if sk == K::SeqEnd && matches!(ak, K::Interp | K::Control) {
        return false;
    }
    if bracket_change(sk) > 0 {
        return false;
    }
    if bracket_change(ak) < 0 {
        return false;
    }
    true
}

fn format_spaces_range(toks: &mut [Tok<'_>], s: usize, e: usize) {
    for i in s..e.saturating_sub(1) {
        let sp = {
            let before = if i > s { Some(&toks[i - 1]) } else { None };
            space_after(&toks[i], before, &toks[i + 1])
        };
        toks[i + 1].spaces = usize::from(sp);
    }
}

fn cols(toks: &[Tok<'_>], r: (usize, usize)) -> usize {
    toks[r.0..r.1]
        .iter()
        .map(|t| t.spaces + columns(&t.text))
        .sum()
}

fn format_cells(toks: &mut [Tok<'_>], lines: &[Line]) {
    // assign cells
    let mut chain_start: Option<usize> = None;
    let mut max_cols = 0usize;
    let close_assign = |toks: &mut [Tok<'_>], from: usize, to: usize, max_cols: usize| {
        for line in &lines[from..to] {
            if let Some((a, _)) = line.assign {
                let c = cols(toks, line.lead);
                toks[a].spaces = max_cols.saturating_sub(c) + 1;
            }
        }
    };
    for (i, line) in lines.iter().enumerate() {
        if line.assign.is_none() {
            if let Some(cs) = chain_start.take() {
                close_assign(toks, cs, i, max_cols);
                max_cols = 0;
            }
        } else {
            if chain_start.is_none() {
                chain_start = Some(i);
            }
            max_cols = max_cols.max(cols(toks, line.lead));
        }
    }
    if let Some(cs) = chain_start.take() {
        close_assign(toks, cs, lines.len(), max_cols);
    }

    // comment cells
    let line_cols = |toks: &[Tok<'_>], line: &Line| {
        cols(toks, line.lead) + line.assign.map(|r| cols(toks, r)).unwrap_or(0)
    };
    let mut max_cols = 0usize;
    let close_comment = |toks: &mut [Tok<'_>], from: usize, to: usize, max_cols: usize| {
        for line in &lines[from..to] {
            if let Some(c) = line.comment {
                let lc = line_cols(toks, line);
                toks[c].spaces = max_cols.saturating_sub(lc) + 1;
            }
        }
    };
    for (i, line) in lines.iter().enumerate() {
        if line.comment.is_none() {
            if let Some(cs) = chain_start.take() {
                close_comment(toks, cs, i, max_cols);
                max_cols = 0;
            }
        } else {
            if chain_start.is_none() {
                chain_start = Some(i);
            }
            max_cols = max_cols.max(line_cols(toks, line));
        }
    }
    if let Some(cs) = chain_start.take() {
        close_comment(toks, cs, lines.len(), max_cols);
    }
}

/// Rewrites the spaces before each token to the canonical layout (hclwrite's `format`).
pub(crate) fn format_tokens(toks: &mut [Tok<'_>]) {
    let lines = lines_for_format(toks);
    format_indent(toks, &lines);
    for line in &lines {
        format_spaces_range(toks, line.lead.0, line.lead.1);
        if let Some((a, b)) = line.assign {
            toks[a].spaces = 1;
            format_spaces_range(toks, a, b);
        }
    }
    format_cells(toks, &lines);
}

/// Writes the tokens with their spaces.
pub(crate) fn write_tokens(toks: &[Tok<'_>], trailing: usize, cap: usize) -> String {
    const SPACES: &str = "                                                                ";
    let push_spaces = |out: &mut String, mut n: usize| {
        while n > 0 {
            let k = n.min(SPACES.len());
            out.push_str(&SPACES[..k]);
            n -= k;
        }
    };
    let mut out = String::with_capacity(cap + cap / 8 + 16);
    for t in toks {
        push_spaces(&mut out, t.spaces);
        out.push_str(&t.text);
    }
    push_spaces(&mut out, trailing);
    out
}
