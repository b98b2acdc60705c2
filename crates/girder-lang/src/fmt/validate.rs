//! A fast syntax check of the HCL native syntax on our tokens (the grammar of `hclsyntax`),
//! so that `fmt` does not need a full parse of large files.
//!
//! It decides whether a file is valid (checked against the real `terraform fmt` by the
//! differential tests); the hcl-edit parser is only used for a better error message.

use super::lexer::{Tok, K};

/// Deepest nesting we check; deeper input is reported as an error.
pub(crate) const MAX_DEPTH: usize = 256;

/// Why validation stopped: the token index, and whether the input is too deeply nested.
#[derive(Debug)]
pub(crate) struct Invalid {
    pub tok: usize,
    pub too_deep: bool,
}

type R<T = ()> = Result<T, Invalid>;

struct P<'t, 'a> {
    toks: &'t [Tok<'a>],
    /// Indices of the significant tokens (block comments dropped; line comments are kept and
    /// act as newlines).
    idx: Vec<u32>,
    pos: usize,
    nl: Vec<bool>,
    depth: usize,
}

/// Checks the whole token stream as a configuration file.
pub(crate) fn validate(toks: &[Tok<'_>]) -> R {
    let mut idx = Vec::with_capacity(toks.len());
    for (i, t) in toks.iter().enumerate() {
        if t.kind == K::Comment && !t.text.ends_with('\n') {
            continue;
        }
        idx.push(i as u32);
    }
    let mut p = P {
        toks,
        idx,
        pos: 0,
        nl: vec![true],
        depth: 0,
    };
    p.body(true)?;
    Ok(())
}

impl<'a> P<'_, 'a> {
    fn kind_at(&self, pos: usize) -> Option<K> {
        self.idx.get(pos).map(|&i| {
            let t = &self.toks[i as usize];
            if t.kind == K::Comment {
                K::Newline
            } else {
                t.kind
            }
        })
    }
    fn skip_nl_if_ignored(&mut self) {
        if !self.nl.last().copied().unwrap_or(true) {
            while self.kind_at(self.pos) == Some(K::Newline) {
                self.pos += 1;
            }
        }
    }
    fn peek(&mut self) -> Option<K> {
        self.skip_nl_if_ignored();
        self.kind_at(self.pos)
    }
    fn text(&self) -> &str {
        self.idx
            .get(self.pos)
            .map(|&i| self.toks[i as usize].text.as_ref())
            .unwrap_or("")
    }
    fn err<T>(&self) -> R<T> {
        let tok = self
            .idx
            .get(self.pos)
            .map(|&i| i as usize)
            .unwrap_or(self.toks.len());
        Err(Invalid {
            tok,
            too_deep: false,
        })
    }
    fn expect(&mut self, k: K) -> R {
        if self.peek() == Some(k) {
            self.pos += 1;
            Ok(())
        } else {
            self.err()
        }
    }
    fn enter(&mut self) -> R {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            let tok = self
                .idx
                .get(self.pos)
                .map(|&i| i as usize)
                .unwrap_or(self.toks.len());
            return Err(Invalid {
                tok,
                too_deep: true,
            });
        }
        Ok(())
    }
    fn leave(&mut self) {
        self.depth -= 1;
    }

    /// A body: until EOF (top level) or a `}` (left unconsumed).
    fn body(&mut self, top: bool) -> R {
        self.enter()?;
        let mut seen: std::collections::HashSet<&'a str> = std::collections::HashSet::new();
        loop {
            match self.peek() {
                None => {
                    if top {
                        break;
                    }
                    return self.err();
                }
                Some(K::Newline) => self.pos += 1,
                Some(K::CBrace) if !top => break,
                Some(K::Ident) => {
                    let name_pos = self.pos;
                    self.pos += 1;
                    if self.peek() == Some(K::Equal) {
                        let name = self.toks[self.idx[name_pos] as usize].text.clone();
                        if let std::borrow::Cow::Borrowed(s) = name {
                            if !seen.insert(s) {
                                self.pos = name_pos;
                                return self.err();
                            }
                        }
                        self.pos += 1;
                        self.expr()?;
                        self.end_of_item()?;
                    } else {
                        self.block_rest()?;
                    }
                }
                _ => return self.err(),
            }
        }
        self.leave();
        Ok(())
    }

    fn end_of_item(&mut self) -> R {
        match self.peek() {
            None => Ok(()),
            Some(K::Newline) => {
                self.pos += 1;
                Ok(())
            }
            _ => self.err(),
        }
    }

    /// After the block type: labels, `{`, body, `}`.
    fn block_rest(&mut self) -> R {
        loop {
            match self.peek() {
                Some(K::Ident) => self.pos += 1,
                Some(K::OQuote) => {
                    self.pos += 1;
                    while self.peek() == Some(K::QuotedLit) {
                        self.check_escapes()?;
                        self.pos += 1;
                    }
                    self.expect(K::CQuote)?;
                }
                Some(K::OBrace) => break,
                _ => return self.err(),
            }
        }
        self.pos += 1; // {
        match self.peek() {
            Some(K::CBrace) => self.pos += 1,
            Some(K::Newline) => {
                self.body(false)?;
                self.expect(K::CBrace)?;
            }
            Some(K::Ident) => {
                // single-line block: at most one attribute
                self.pos += 1;
                self.expect(K::Equal)?;
                self.expr()?;
                self.expect(K::CBrace)?;
            }
            _ => return self.err(),
        }
        self.end_of_item()
    }

    fn check_escapes(&self) -> R {
        let s = self.text();
        if !s.contains('\\') {
            return Ok(());
        }
        let mut chars = s.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                match chars.next() {
                    Some('n' | 'r' | 't' | '"' | '\\') => {}
                    Some(u @ ('u' | 'U')) => {
                        let n = if u == 'u' { 4 } else { 8 };
                        let mut v = 0u32;
                        for _ in 0..n {
                            let d = chars.next().and_then(|c| c.to_digit(16));
                            match d {
                                Some(d) => v = v.wrapping_mul(16).wrapping_add(d),
                                None => return self.err(),
                            }
                        }
                        if char::from_u32(v).is_none() {
                            return self.err();
                        }
                    }
                    _ => return self.err(),
                }
            }
        }
        Ok(())
    }

    fn expr(&mut self) -> R {
        self.enter()?;
        self.binary()?;
        if self.peek() == Some(K::Question) {
            self.pos += 1;
            self.expr()?;
            self.expect(K::Colon)?;
            self.expr()?;
        }
        self.leave();
        Ok(())
    }

    fn binary(&mut self) -> R {
        loop {
            self.unary()?;
            match self.peek() {
                Some(
                    K::Or
                    | K::And
                    | K::EqualOp
                    | K::NotEqual
                    | K::Lt
                    | K::Le
                    | K::Gt
                    | K::Ge
                    | K::Plus
                    | K::Minus
                    | K::Star
                    | K::Slash
                    | K::Percent,
                ) => self.pos += 1,
                _ => return Ok(()),
            }
        }
    }

    fn unary(&mut self) -> R {
        let mut n = 0;
        while matches!(self.peek(), Some(K::Minus | K::Bang)) {
            self.pos += 1;
            n += 1;
            if n > MAX_DEPTH {
                return self.err();
            }
        }
        self.term()?;
        self.postfix()
    }

    fn postfix(&mut self) -> R {
        loop {
            match self.peek() {
                Some(K::Dot) => {
                    self.pos += 1;
                    match self.peek() {
                        Some(K::Ident) | Some(K::Star) => self.pos += 1,
                        Some(K::Number) if self.text().bytes().all(|b| b.is_ascii_digit()) => {
                            self.pos += 1
                        }
                        _ => return self.err(),
                    }
                }
                Some(K::OBrack) => {
                    self.pos += 1;
                    self.nl.push(false);
                    if self.peek() == Some(K::Star) {
                        self.pos += 1;
                    } else {
                        self.expr()?;
                    }
                    self.expect(K::CBrack)?;
                    self.nl.pop();
                }
                _ => return Ok(()),
            }
        }
    }

    fn term(&mut self) -> R {
        match self.peek() {
            Some(K::Number) => {
                self.pos += 1;
                Ok(())
            }
            Some(K::Ident) => {
                self.pos += 1;
                if self.peek() == Some(K::OParen) {
                    self.call_args()
                } else {
                    Ok(())
                }
            }
            Some(K::OParen) => {
                self.pos += 1;
                self.nl.push(false);
                self.expr()?;
                self.expect(K::CParen)?;
                self.nl.pop();
                Ok(())
            }
            Some(K::OBrack) => self.tuple(),
            Some(K::OBrace) => self.object(),
            Some(K::OQuote) => {
                self.pos += 1;
                self.template(K::CQuote)
            }
            Some(K::OHeredoc) => {
                self.pos += 1;
                self.template(K::CHeredoc)
            }
            _ => self.err(),
        }
    }

    fn call_args(&mut self) -> R {
        self.pos += 1; // (
        self.nl.push(false);
        if self.peek() != Some(K::CParen) {
            loop {
                self.expr()?;
                match self.peek() {
                    Some(K::Comma) => {
                        self.pos += 1;
                        if self.peek() == Some(K::CParen) {
                            break;
                        }
                    }
                    Some(K::Ellipsis) => {
                        self.pos += 1;
                        break;
                    }
                    _ => break,
                }
            }
        }
        self.expect(K::CParen)?;
        self.nl.pop();
        Ok(())
    }

    fn is_kw(&mut self, kw: &str) -> bool {
        self.peek() == Some(K::Ident) && self.text() == kw
    }

    fn for_intro(&mut self) -> R {
        self.pos += 1; // for
        self.expect(K::Ident)?;
        if self.peek() == Some(K::Comma) {
            self.pos += 1;
            self.expect(K::Ident)?;
        }
        if !self.is_kw("in") {
            return self.err();
        }
        self.pos += 1;
        self.expr()?;
        self.expect(K::Colon)
    }

    fn tuple(&mut self) -> R {
        self.pos += 1; // [
        self.nl.push(false);
        if self.is_kw("for") {
            self.for_intro()?;
            self.expr()?;
            if self.is_kw("if") {
                self.pos += 1;
                self.expr()?;
            }
        } else if self.peek() != Some(K::CBrack) {
            loop {
                self.expr()?;
                if self.peek() == Some(K::Comma) {
                    self.pos += 1;
                    if self.peek() == Some(K::CBrack) {
                        break;
                    }
                } else {
                    break;
                }
            }
        }
        self.expect(K::CBrack)?;
        self.nl.pop();
        Ok(())
    }

    fn object(&mut self) -> R {
        self.pos += 1; // {
        self.nl.push(false);
        if self.is_kw("for") {
            self.for_intro()?;
            self.expr()?;
            self.expect(K::FatArrow)?;
            self.expr()?;
            if self.peek() == Some(K::Ellipsis) {
                self.pos += 1;
            }
            if self.is_kw("if") {
                self.pos += 1;
                self.expr()?;
            }
            self.expect(K::CBrace)?;
            self.nl.pop();
            return Ok(());
        }
        *self.nl.last_mut().expect("pushed above") = true;
        loop {
            match self.peek() {
                Some(K::Newline) => {
                    self.pos += 1;
                    continue;
                }
                Some(K::CBrace) => break,
                _ => {}
            }
            self.expr()?; // key
            match self.peek() {
                Some(K::Equal | K::Colon) => self.pos += 1,
                _ => return self.err(),
            }
            self.expr()?;
            match self.peek() {
                Some(K::Comma | K::Newline) => self.pos += 1,
                Some(K::CBrace) => break,
                _ => return self.err(),
            }
        }
        self.pos += 1; // }
        self.nl.pop();
        Ok(())
    }

    /// Template contents until `end`; checks `%{ }` directives nest properly.
    fn template(&mut self, end: K) -> R {
        self.enter()?;
        self.nl.push(true);
        // open directives: true = if (else allowed), false = for
        let mut open: Vec<(bool, bool)> = Vec::new();
        loop {
            let Some(k) = self.kind_at(self.pos) else {
                return self.err();
            };
            match k {
                K::QuotedLit => {
                    self.check_escapes()?;
                    self.pos += 1;
                }
                K::StringLit => self.pos += 1,
                K::Interp => {
                    self.pos += 1;
                    self.nl.push(false);
                    self.expr()?;
                    self.expect(K::SeqEnd)?;
                    self.nl.pop();
                }
                K::Control => {
                    self.pos += 1;
                    self.nl.push(false);
                    if self.is_kw("if") {
                        self.pos += 1;
                        self.expr()?;
                        open.push((true, false));
                    } else if self.is_kw("for") {
                        self.pos += 1;
                        self.expect(K::Ident)?;
                        if self.peek() == Some(K::Comma) {
                            self.pos += 1;
                            self.expect(K::Ident)?;
                        }
                        if !self.is_kw("in") {
                            return self.err();
                        }
                        self.pos += 1;
                        self.expr()?;
                        open.push((false, false));
                    } else if self.is_kw("else") {
                        match open.last_mut() {
                            Some((true, seen_else)) if !*seen_else => *seen_else = true,
                            _ => return self.err(),
                        }
                        self.pos += 1;
                    } else if self.is_kw("endif") {
                        if !matches!(open.pop(), Some((true, _))) {
                            return self.err();
                        }
                        self.pos += 1;
                    } else if self.is_kw("endfor") {
                        if !matches!(open.pop(), Some((false, _))) {
                            return self.err();
                        }
                        self.pos += 1;
                    } else {
                        return self.err();
                    }
                    self.expect(K::SeqEnd)?;
                    self.nl.pop();
                }
                _ if k == end => {
                    if !open.is_empty() {
                        return self.err();
                    }
                    self.pos += 1;
                    break;
                }
                _ => return self.err(),
            }
        }
        self.nl.pop();
        self.leave();
        Ok(())
    }
}
