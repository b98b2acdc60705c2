//! Implementation of [`crate::refs::references`].

use super::ast::*;
use crate::refs::{Reference, Subject};
use crate::source::Expr;
use girder_core::addr::ResourceMode;
use std::sync::Arc;

pub(crate) fn references(expr: &Expr) -> Vec<Reference> {
    let mut w = Walker {
        expr,
        bound: Vec::new(),
        out: Vec::new(),
        subjects: None,
    };
    w.node(expr.node());
    w.out
}

/// Only the subjects of the references (no spans or texts: cheaper, for evaluation).
pub(crate) fn subjects(expr: &Expr) -> Vec<Subject> {
    let mut w = Walker {
        expr,
        bound: Vec::new(),
        out: Vec::new(),
        subjects: Some(Vec::new()),
    };
    w.node(expr.node());
    w.subjects.unwrap_or_default()
}

struct Walker<'a> {
    expr: &'a Expr,
    bound: Vec<Arc<str>>,
    out: Vec<Reference>,
    /// Set when only subjects are wanted.
    subjects: Option<Vec<Subject>>,
}

/// A static key of an index step, if it is a literal.
fn literal_key(n: &Node) -> Option<String> {
    match &n.kind {
        NodeKind::Literal(v) => {
            if let Some(s) = v.as_str() {
                Some(format!("{s:?}"))
            } else {
                v.as_number().map(|n| n.to_string())
            }
        }
        _ => None,
    }
}

impl Walker<'_> {
    fn is_bound(&self, name: &str) -> bool {
        self.bound.iter().any(|b| &**b == name)
    }

    fn reference(&mut self, root: &Arc<str>, root_span: Span, steps: &[Step], whole: Span) {
        if self.is_bound(root) {
            return;
        }
        let attr = |i: usize| match steps.get(i) {
            Some(Step::Attr(a, s)) => Some((a.to_string(), *s)),
            _ => None,
        };
        let mut end = root_span;
        let subject = match &**root {
            "var" | "local" | "count" | "each" | "path" | "terraform" => match attr(0) {
                Some((a, s)) => {
                    end = s;
                    match &**root {
                        "var" => Subject::Var(a),
                        "local" => Subject::Local(a),
                        "count" => Subject::Count(a),
                        "each" => Subject::Each(a),
                        "path" => Subject::Path(a),
                        _ => Subject::Terraform(a),
                    }
                }
                None => Subject::Other(root.to_string()),
            },
            "self" => Subject::SelfRef,
            "module" => match attr(0) {
                Some((name, s)) => {
                    end = s;
                    let mut output = None;
                    let mut i = 1;
                    if let Some(Step::Index(k, ks)) = steps.get(1) {
                        if literal_key(k).is_some() {
                            i = 2;
                            end = *ks;
                        } else {
                            i = usize::MAX;
                        }
                    }
                    if i != usize::MAX {
                        if let Some((o, s)) = attr(i) {
                            output = Some(o);
                            end = s;
                        }
                    }
                    Subject::Module { name, output }
                }
                None => Subject::Other(root.to_string()),
            },
            "data" => match (attr(0), attr(1)) {
                (Some((t, _)), Some((n, s))) => {
                    end = s;
                    Subject::Resource {
                        mode: ResourceMode::Data,
                        type_name: t,
                        name: n,
                    }
                }
                _ => Subject::Other(root.to_string()),
            },
            _ => match attr(0) {
                Some((n, s)) => {
                    end = s;
                    Subject::Resource {
                        mode: ResourceMode::Managed,
                        type_name: root.to_string(),
                        name: n,
                    }
                }
                None => Subject::Other(root.to_string()),
            },
        };
        if let Some(out) = &mut self.subjects {
            out.push(subject);
            return;
        }
        let subject_span = root_span.to(end);
        let text = self
            .expr
            .file
            .text
            .get(root_span.to(whole).range())
            .unwrap_or(root)
            .to_string();
        self.out.push(Reference {
            subject,
            span: Some(self.expr.file.span(subject_span.range())),
            text,
        });
    }

    fn steps(&mut self, steps: &[Step]) {
        for s in steps {
            match s {
                Step::Index(n, _) => self.node(n),
                Step::Splat(body, _) | Step::AttrSplat(body, _) => self.steps(body),
                Step::Attr(..) | Step::LegacyIndex(..) => {}
            }
        }
    }

    fn bind<F: FnOnce(&mut Self)>(&mut self, names: &[&Arc<str>], f: F) {
        let n = self.bound.len();
        for name in names {
            self.bound.push((*name).clone());
        }
        f(self);
        self.bound.truncate(n);
    }

    fn node(&mut self, n: &Node) {
        match &n.kind {
            NodeKind::Literal(_) => {}
            NodeKind::Var(name) => self.reference(name, n.span, &[], n.span),
            NodeKind::Traversal(base, steps) => {
                if let NodeKind::Var(name) = &base.kind {
                    self.reference(name, base.span, steps, n.span);
                } else {
                    self.node(base);
                }
                self.steps(steps);
            }
            NodeKind::Template(parts) => self.parts(parts),
            NodeKind::TemplateWrap(inner) | NodeKind::Paren(inner) | NodeKind::Unary(_, inner) => {
                self.node(inner)
            }
            NodeKind::Tuple(items) => items.iter().for_each(|i| self.node(i)),
            NodeKind::Object(items) => {
                for (k, v) in items.iter() {
                    if let ObjKey::Expr(k) = k {
                        self.node(k);
                    }
                    self.node(v);
                }
            }
            NodeKind::Call(c) => c.args.iter().for_each(|a| self.node(a)),
            NodeKind::Binary(_, a, b) => {
                self.node(a);
                self.node(b);
            }
            NodeKind::Cond(parts) => parts.iter().for_each(|p| self.node(p)),
            NodeKind::For(f) => {
                self.node(&f.coll);
                let mut names = vec![&f.value_var];
                if let Some(k) = &f.key_var {
                    names.push(k);
                }
                self.bind(&names, |w| {
                    if let Some(k) = &f.key {
                        w.node(k);
                    }
                    w.node(&f.value);
                    if let Some(c) = &f.cond {
                        w.node(c);
                    }
                });
            }
        }
    }

    fn parts(&mut self, parts: &[TPart]) {
        for p in parts {
            match p {
                TPart::Lit(_) => {}
                TPart::Interp(n) => self.node(n),
                TPart::If(i) => {
                    self.node(&i.cond);
                    self.parts(&i.then);
                    self.parts(&i.otherwise);
                }
                TPart::For(f) => {
                    self.node(&f.coll);
                    let mut names = vec![&f.value_var];
                    if let Some(k) = &f.key_var {
                        names.push(k);
                    }
                    self.bind(&names, |w| w.parts(&f.body));
                }
            }
        }
    }
}

/// See [`Expr::static_traversal`].
pub(crate) fn static_traversal(n: &Node, _src: &str) -> Option<Vec<String>> {
    match &n.kind {
        NodeKind::Var(name) => Some(vec![name.to_string()]),
        NodeKind::Traversal(base, steps) => {
            let NodeKind::Var(name) = &base.kind else {
                return None;
            };
            let mut out = vec![name.to_string()];
            for s in steps.iter() {
                match s {
                    Step::Attr(a, _) => out.push(a.to_string()),
                    Step::LegacyIndex(i, _) => out.push(format!("[{i}]")),
                    Step::Index(k, _) => out.push(format!("[{}]", literal_key(k)?)),
                    Step::Splat(..) | Step::AttrSplat(..) => return None,
                }
            }
            Some(out)
        }
        _ => None,
    }
}
