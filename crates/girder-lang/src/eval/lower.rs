//! Lowering hcl-edit expressions into [`crate::eval::ast`].
//!
//! Besides the shape, this is where template strip markers (`~`) and the indentation of
//! `<<-` heredocs are applied, exactly as HCL's parser does it (HCL works on tokens: in a
//! heredoc each line is its own literal token, so a strip marker only reaches the adjacent
//! line).

use super::ast::*;
use girder_core::{Number, Value};
use hcl_edit::expr::{BinaryOperator, Expression, ObjectKey, TraversalOperator, UnaryOperator};
use hcl_edit::template::{Directive, Element, Strip, Template};
use hcl_edit::Span as _;
use std::sync::Arc;

/// Lowers `e`, whose spans are relative to `src`; `base` is added to every span (the offset
/// of `src` within the source file).
pub(crate) fn lower(e: &Expression, src: &str, base: usize) -> Node {
    Lowerer { src, base }.expr(e)
}

struct Lowerer<'a> {
    src: &'a str,
    base: usize,
}

fn strip_flags(s: Strip) -> (bool, bool) {
    match s {
        Strip::None => (false, false),
        Strip::Start => (true, false),
        Strip::End => (false, true),
        Strip::Both => (true, true),
    }
}

/// A flat template token (HCL's view of a template before it builds the tree).
enum Tok {
    Lit(String),
    Interp(Node, bool, bool),
    If(Node, Span, bool, bool),
    Else(bool, bool),
    EndIf(bool, bool),
    For(Option<Arc<str>>, Arc<str>, Node, Span, bool, bool),
    EndFor(bool, bool),
}

impl Tok {
    fn strips(&self) -> (bool, bool) {
        match self {
            Tok::Lit(_) => (false, false),
            Tok::Interp(_, a, b)
            | Tok::If(_, _, a, b)
            | Tok::Else(a, b)
            | Tok::EndIf(a, b)
            | Tok::For(_, _, _, _, a, b)
            | Tok::EndFor(a, b) => (*a, *b),
        }
    }
}

impl<'a> Lowerer<'a> {
    fn span_of(&self, r: Option<std::ops::Range<usize>>) -> Span {
        match r {
            Some(r) => Span::new(r.start + self.base, r.end + self.base),
            None => Span::new(self.base, self.base),
        }
    }

    fn node(&self, kind: NodeKind, r: Option<std::ops::Range<usize>>) -> Node {
        Node {
            kind,
            span: self.span_of(r),
        }
    }

    fn expr(&self, e: &Expression) -> Node {
        let r = e.span();
        match e {
            Expression::Null(_) => self.node(NodeKind::Literal(Box::new(Value::null_dynamic())), r),
            Expression::Bool(b) => {
                self.node(NodeKind::Literal(Box::new(Value::bool(*b.value()))), r)
            }
            Expression::Number(n) => {
                let num = r
                    .clone()
                    .and_then(|r| self.src.get(r))
                    .and_then(|text| {
                        let t = text.trim();
                        match t.strip_prefix('-') {
                            Some(rest) => Number::parse(rest.trim()).ok().map(|n| n.neg()),
                            None => Number::parse(t).ok(),
                        }
                    })
                    .or_else(|| {
                        let v = n.value();
                        if let Some(i) = v.as_i64() {
                            Some(Number::from_i64(i))
                        } else if let Some(u) = v.as_u64() {
                            Some(Number::from_u64(u))
                        } else {
                            v.as_f64().and_then(Number::from_f64)
                        }
                    })
                    .unwrap_or_else(Number::zero);
                self.node(NodeKind::Literal(Box::new(Value::number(num))), r)
            }
            Expression::String(s) => self.node(
                NodeKind::Literal(Box::new(Value::string(nfc(s.value().as_str())))),
                r,
            ),
            Expression::Array(a) => {
                let items: Vec<Node> = a.iter().map(|x| self.expr(x)).collect();
                self.node(NodeKind::Tuple(items.into()), r)
            }
            Expression::Object(o) => {
                let mut items = Vec::with_capacity(o.len());
                for (k, v) in o.iter() {
                    let key = match k {
                        ObjectKey::Ident(id) => {
                            ObjKey::Name(Arc::from(id.value().as_str()), self.span_of(id.span()))
                        }
                        ObjectKey::Expression(Expression::Null(n)) => {
                            ObjKey::Name(Arc::from("null"), self.span_of(n.span()))
                        }
                        ObjectKey::Expression(Expression::Bool(b)) => ObjKey::Name(
                            Arc::from(if *b.value() { "true" } else { "false" }),
                            self.span_of(b.span()),
                        ),
                        ObjectKey::Expression(Expression::Variable(v)) => {
                            ObjKey::Name(Arc::from(v.value().as_str()), self.span_of(v.span()))
                        }
                        ObjectKey::Expression(x) => ObjKey::Expr(self.expr(x)),
                    };
                    items.push((key, self.expr(v.expr())));
                }
                self.node(NodeKind::Object(items.into()), r)
            }
            Expression::StringTemplate(t) => self.template(t, false, r),
            Expression::HeredocTemplate(h) => {
                let indented = r
                    .clone()
                    .and_then(|r| self.src.get(r))
                    .is_some_and(|t| t.starts_with("<<-"));
                if indented {
                    if let Some(rr) = r.clone() {
                        // hcl-edit's dedent differs from HCL's in corner cases: parse the
                        // heredoc again as a flush one (one byte shorter: `<<` for `<<-`) and
                        // dedent here.
                        let text = &self.src[rr.clone()];
                        let flush = format!("<<{}", &text[3..]);
                        if let Ok(Expression::HeredocTemplate(h2)) = flush.parse::<Expression>() {
                            let sub = Lowerer {
                                src: &flush,
                                base: self.base + rr.start + 1,
                            };
                            let mut toks = sub.flatten(&h2.template, true);
                            apply_strips(&mut toks);
                            dedent(&mut toks);
                            return self.finish_template(toks, r);
                        }
                    }
                }
                let mut toks = self.flatten(&h.template, true);
                apply_strips(&mut toks);
                self.finish_template(toks, r)
            }
            Expression::Parenthesis(p) => {
                let inner = self.expr(p.inner());
                self.node(NodeKind::Paren(Box::new(inner)), r)
            }
            Expression::Variable(v) => self.node(NodeKind::Var(Arc::from(v.value().as_str())), r),
            Expression::Conditional(c) => {
                let parts = [
                    self.expr(&c.cond_expr),
                    self.expr(&c.true_expr),
                    self.expr(&c.false_expr),
                ];
                self.node(NodeKind::Cond(Box::new(parts)), r)
            }
            Expression::FuncCall(f) => {
                let mut name = String::new();
                for ns in &f.name.namespace {
                    name.push_str(ns.value().as_str());
                    name.push_str("::");
                }
                name.push_str(f.name.name.value().as_str());
                let name_span = match (f.name.namespace.first(), f.name.name.span()) {
                    (Some(first), Some(end)) => {
                        let s = first.span().map(|s| s.start).unwrap_or(end.start);
                        self.span_of(Some(s..end.end))
                    }
                    (_, end) => self.span_of(end),
                };
                let args: Vec<Node> = f.args.iter().map(|a| self.expr(a)).collect();
                let call = Call {
                    name: Arc::from(name),
                    name_span,
                    args,
                    expand_final: f.args.expand_final(),
                };
                self.node(NodeKind::Call(Box::new(call)), r)
            }
            Expression::Traversal(t) => {
                let base = self.expr(&t.expr);
                let steps = self.steps(&t.operators);
                self.node(NodeKind::Traversal(Box::new(base), steps.into()), r)
            }
            Expression::UnaryOp(u) => {
                let op = match u.operator.value() {
                    UnaryOperator::Neg => UnOp::Neg,
                    UnaryOperator::Not => UnOp::Not,
                };
                let inner = self.expr(&u.expr);
                self.node(NodeKind::Unary(op, Box::new(inner)), r)
            }
            Expression::BinaryOp(b) => {
                let op = match b.operator.value() {
                    BinaryOperator::Eq => BinOp::Eq,
                    BinaryOperator::NotEq => BinOp::NotEq,
                    BinaryOperator::LessEq => BinOp::LessEq,
                    BinaryOperator::GreaterEq => BinOp::GreaterEq,
                    BinaryOperator::Less => BinOp::Less,
                    BinaryOperator::Greater => BinOp::Greater,
                    BinaryOperator::Plus => BinOp::Add,
                    BinaryOperator::Minus => BinOp::Sub,
                    BinaryOperator::Mul => BinOp::Mul,
                    BinaryOperator::Div => BinOp::Div,
                    BinaryOperator::Mod => BinOp::Mod,
                    BinaryOperator::And => BinOp::And,
                    BinaryOperator::Or => BinOp::Or,
                };
                let l = self.expr(&b.lhs_expr);
                let rr = self.expr(&b.rhs_expr);
                self.node(NodeKind::Binary(op, Box::new(l), Box::new(rr)), r)
            }
            Expression::ForExpr(f) => {
                let node = ForNode {
                    key_var: f
                        .intro
                        .key_var
                        .as_ref()
                        .map(|k| Arc::from(k.value().as_str())),
                    value_var: Arc::from(f.intro.value_var.value().as_str()),
                    coll: self.expr(&f.intro.collection_expr),
                    key: f.key_expr.as_ref().map(|k| self.expr(k)),
                    value: self.expr(&f.value_expr),
                    cond: f.cond.as_ref().map(|c| self.expr(&c.expr)),
                    group: f.grouping,
                };
                self.node(NodeKind::For(Box::new(node)), r)
            }
        }
    }

    fn steps(&self, ops: &[hcl_edit::Decorated<TraversalOperator>]) -> Vec<Step> {
        let mut out = Vec::with_capacity(ops.len());
        let mut i = 0;
        while i < ops.len() {
            let op = &ops[i];
            let sp = self.span_of(op.span());
            match op.value() {
                TraversalOperator::GetAttr(id) => {
                    out.push(Step::Attr(Arc::from(id.value().as_str()), sp));
                }
                TraversalOperator::Index(e) => out.push(Step::Index(self.expr(e), sp)),
                TraversalOperator::LegacyIndex(n) => out.push(Step::LegacyIndex(*n.value(), sp)),
                TraversalOperator::FullSplat(_) => {
                    let body = self.steps(&ops[i + 1..]);
                    out.push(Step::Splat(body.into(), sp));
                    return out;
                }
                TraversalOperator::AttrSplat(_) => {
                    let mut j = i + 1;
                    while j < ops.len()
                        && matches!(
                            ops[j].value(),
                            TraversalOperator::GetAttr(_) | TraversalOperator::LegacyIndex(_)
                        )
                    {
                        j += 1;
                    }
                    let body = self.steps(&ops[i + 1..j]);
                    out.push(Step::AttrSplat(body.into(), sp));
                    i = j;
                    continue;
                }
            }
            i += 1;
        }
        out
    }

    fn template(&self, t: &Template, heredoc: bool, r: Option<std::ops::Range<usize>>) -> Node {
        let mut toks = self.flatten(t, heredoc);
        apply_strips(&mut toks);
        self.finish_template(toks, r)
    }

    fn finish_template(&self, toks: Vec<Tok>, r: Option<std::ops::Range<usize>>) -> Node {
        let mut it = toks.into_iter().peekable();
        let mut parts = build(&mut it);
        parts.retain(|p| !matches!(p, TPart::Lit(s) if s.is_empty()));
        nfc_parts(&mut parts);
        match parts.len() {
            0 => self.node(NodeKind::Literal(Box::new(Value::string(""))), r),
            1 => match parts.pop() {
                Some(TPart::Lit(s)) => self.node(NodeKind::Literal(Box::new(Value::string(s))), r),
                Some(TPart::Interp(n)) => self.node(NodeKind::TemplateWrap(Box::new(n)), r),
                Some(p) => self.node(NodeKind::Template(vec![p].into()), r),
                None => self.node(NodeKind::Literal(Box::new(Value::string(""))), r),
            },
            _ => self.node(NodeKind::Template(parts.into()), r),
        }
    }

    fn flatten(&self, t: &Template, heredoc: bool) -> Vec<Tok> {
        let mut out = Vec::new();
        self.flatten_into(t, heredoc, &mut out);
        out
    }

    fn flatten_into(&self, t: &Template, heredoc: bool, out: &mut Vec<Tok>) {
        for el in t.iter() {
            match el {
                Element::Literal(s) => {
                    if heredoc {
                        for line in s.value().split_inclusive('\n') {
                            out.push(Tok::Lit(line.to_string()));
                        }
                    } else {
                        out.push(Tok::Lit(s.value().to_string()));
                    }
                }
                Element::Interpolation(i) => {
                    let (a, b) = strip_flags(i.strip);
                    out.push(Tok::Interp(self.expr(&i.expr), a, b));
                }
                Element::Directive(d) => match &**d {
                    Directive::If(d) => {
                        let (a, b) = strip_flags(d.if_expr.strip);
                        out.push(Tok::If(
                            self.expr(&d.if_expr.cond_expr),
                            self.span_of(d.span()),
                            a,
                            b,
                        ));
                        self.flatten_into(&d.if_expr.template, heredoc, out);
                        if let Some(e) = &d.else_expr {
                            let (a, b) = strip_flags(e.strip);
                            out.push(Tok::Else(a, b));
                            self.flatten_into(&e.template, heredoc, out);
                        }
                        let (a, b) = strip_flags(d.endif_expr.strip);
                        out.push(Tok::EndIf(a, b));
                    }
                    Directive::For(d) => {
                        let f = &d.for_expr;
                        let (a, b) = strip_flags(f.strip);
                        out.push(Tok::For(
                            f.key_var.as_ref().map(|k| Arc::from(k.value().as_str())),
                            Arc::from(f.value_var.value().as_str()),
                            self.expr(&f.collection_expr),
                            self.span_of(d.span()),
                            a,
                            b,
                        ));
                        self.flatten_into(&f.template, heredoc, out);
                        let (a, b) = strip_flags(d.endfor_expr.strip);
                        out.push(Tok::EndFor(a, b));
                    }
                },
            }
        }
    }
}

/// Applies `~` markers: a control token with a leading `~` trims trailing whitespace of the
/// literal right before it, one with a trailing `~` trims leading whitespace of the literal
/// right after it.
fn apply_strips(toks: &mut [Tok]) {
    for i in 0..toks.len() {
        let (before, after) = toks[i].strips();
        if before && i > 0 {
            if let Tok::Lit(s) = &mut toks[i - 1] {
                let n = s.trim_end().len();
                s.truncate(n);
            }
        }
        if after && i + 1 < toks.len() {
            if let Tok::Lit(s) = &mut toks[i + 1] {
                let t = s.trim_start();
                *s = t.to_string();
            }
        }
    }
}

/// HCL's `flushHeredocTemplateParts`: removes the smallest indentation of all lines (lines
/// that are only whitespace do not count; a line starting with an interpolation counts as
/// zero) from every line.
fn dedent(toks: &mut [Tok]) {
    let mut min = usize::MAX;
    let mut newline = true;
    let mut adjust = Vec::new();
    for (i, t) in toks.iter().enumerate() {
        if newline {
            newline = false;
            let spaces = if let Tok::Lit(s) = t {
                let trimmed = s.trim_start();
                if trimmed.is_empty() && s.ends_with('\n') {
                    usize::MAX
                } else {
                    adjust.push(i);
                    s[..s.len() - trimmed.len()].chars().count()
                }
            } else {
                0
            };
            min = min.min(spaces);
        }
        if let Tok::Lit(s) = t {
            if s.ends_with('\n') {
                newline = true;
            }
        }
    }
    if min == usize::MAX || min == 0 {
        return;
    }
    for i in adjust {
        if let Tok::Lit(s) = &mut toks[i] {
            let cut: usize = s.chars().take(min).map(char::len_utf8).sum();
            s.drain(..cut);
        }
    }
}

/// A string literal in Unicode normal form C, as HCL gives every literal (so `"e\u0301"`
/// equals `"\u00e9"`).
pub(crate) fn nfc(s: &str) -> std::borrow::Cow<'_, str> {
    use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};
    if s.is_ascii() || is_nfc_quick(s.chars()) == IsNormalized::Yes {
        std::borrow::Cow::Borrowed(s)
    } else {
        std::borrow::Cow::Owned(s.nfc().collect())
    }
}

/// [`nfc`] of every literal part of a template.
fn nfc_parts(parts: &mut [TPart]) {
    for p in parts {
        match p {
            TPart::Lit(s) => {
                if let std::borrow::Cow::Owned(n) = nfc(s) {
                    *s = n.into_boxed_str();
                }
            }
            TPart::Interp(_) => {}
            TPart::If(i) => {
                nfc_parts(&mut i.then);
                nfc_parts(&mut i.otherwise);
            }
            TPart::For(f) => nfc_parts(&mut f.body),
        }
    }
}

/// Builds the template tree from flat tokens, joining adjacent literals.
fn build(it: &mut std::iter::Peekable<std::vec::IntoIter<Tok>>) -> Vec<TPart> {
    let mut out: Vec<TPart> = Vec::new();
    fn push_lit(out: &mut Vec<TPart>, s: String) {
        if s.is_empty() {
            return;
        }
        if let Some(TPart::Lit(prev)) = out.last_mut() {
            let mut p = prev.to_string();
            p.push_str(&s);
            *prev = p.into_boxed_str();
        } else {
            out.push(TPart::Lit(s.into_boxed_str()));
        }
    }
    while let Some(t) = it.peek() {
        if matches!(t, Tok::Else(..) | Tok::EndIf(..) | Tok::EndFor(..)) {
            return out;
        }
        let Some(t) = it.next() else { break };
        match t {
            Tok::Lit(s) => push_lit(&mut out, s),
            Tok::Interp(n, _, _) => out.push(TPart::Interp(n)),
            Tok::If(cond, span, _, _) => {
                let then = build(it);
                let mut otherwise = Vec::new();
                if matches!(it.peek(), Some(Tok::Else(..))) {
                    it.next();
                    otherwise = build(it);
                }
                if matches!(it.peek(), Some(Tok::EndIf(..))) {
                    it.next();
                }
                out.push(TPart::If(Box::new(TIf {
                    cond,
                    then,
                    otherwise,
                    span,
                })));
            }
            Tok::For(key_var, value_var, coll, span, _, _) => {
                let body = build(it);
                if matches!(it.peek(), Some(Tok::EndFor(..))) {
                    it.next();
                }
                out.push(TPart::For(Box::new(TFor {
                    key_var,
                    value_var,
                    coll,
                    body,
                    span,
                })));
            }
            Tok::Else(..) | Tok::EndIf(..) | Tok::EndFor(..) => {}
        }
    }
    out
}

/// Parses and lowers the text of a template file (`templatefile`): the whole text is the
/// template, as if it were the body of a heredoc.
pub(crate) fn lower_template_text(text: &str) -> Result<Node, String> {
    let t: Template = text
        .parse()
        .map_err(|e: hcl_edit::parser::Error| e.to_string())?;
    let l = Lowerer { src: text, base: 0 };
    let mut toks = l.flatten(&t, true);
    apply_strips(&mut toks);
    Ok(l.finish_template(toks, Some(0..text.len())))
}
