//! The tree-walking evaluator over [`crate::eval::ast`], with HCL's (hclsyntax 2.10) semantics
//! and diagnostics.

use super::ast::*;
use super::conv::{convert, unify};
use super::ops;
use super::EvalContext;
use crate::functions::CallContext;
use crate::source::SourceFile;
use girder_core::value::Kind;
use girder_core::{Diagnostic, Diagnostics, Marks, Number, Type, Value};
use std::collections::BTreeMap;
use std::sync::Arc;

pub(crate) type R = Result<Value, Diagnostics>;

pub(crate) struct Ev<'a> {
    pub(crate) ctx: &'a EvalContext,
    pub(crate) file: &'a SourceFile,
    pub(crate) scope: Vec<(Arc<str>, Value)>,
}

/// Joins two results' diagnostics, keeping the first value.
fn both(a: R, b: R) -> Result<(Value, Value), Diagnostics> {
    match (a, b) {
        (Ok(a), Ok(b)) => Ok((a, b)),
        (Err(mut e), Err(f)) => {
            e.extend(f);
            Err(e)
        }
        (Err(e), _) | (_, Err(e)) => Err(e),
    }
}

/// The unknown result of an operation on unknowns.
pub(crate) fn unknown(ty: Type, marks: Marks) -> Value {
    Value::unknown(ty).with_marks(marks)
}

impl<'a> Ev<'a> {
    pub(crate) fn new(ctx: &'a EvalContext, file: &'a SourceFile) -> Ev<'a> {
        Ev {
            ctx,
            file,
            scope: Vec::new(),
        }
    }

    pub(crate) fn diag(&self, span: Span, summary: &str, detail: impl Into<String>) -> Diagnostic {
        Diagnostic::error(summary, detail).with_span(self.file.span(span.range()))
    }

    pub(crate) fn err(&self, span: Span, summary: &str, detail: impl Into<String>) -> Diagnostics {
        self.diag(span, summary, detail).into()
    }

    fn lookup(&self, name: &str) -> Option<&Value> {
        for (n, v) in self.scope.iter().rev() {
            if &**n == name {
                return Some(v);
            }
        }
        self.ctx.variables.get(name)
    }

    fn unknown_variable(&self, name: &str, span: Span) -> Diagnostics {
        self.err(
            span,
            "Unknown variable",
            format!("There is no variable named {name:?}."),
        )
    }

    pub(crate) fn eval(&mut self, n: &Node) -> R {
        match &n.kind {
            NodeKind::Literal(v) => Ok((**v).clone()),
            NodeKind::Var(name) => match self.lookup(name) {
                Some(v) => Ok(v.clone()),
                None => Err(self.unknown_variable(name, n.span)),
            },
            NodeKind::Paren(inner) | NodeKind::TemplateWrap(inner) => self.eval(inner),
            NodeKind::Tuple(items) => {
                let mut out = Vec::with_capacity(items.len());
                let mut diags = Diagnostics::new();
                for i in items.iter() {
                    match self.eval(i) {
                        Ok(v) => out.push(v),
                        Err(d) => diags.extend(d),
                    }
                }
                if diags.is_empty() {
                    Ok(Value::tuple(out))
                } else {
                    Err(diags)
                }
            }
            NodeKind::Object(items) => self.object(items),
            NodeKind::Traversal(base, steps) => self.traversal(base, steps),
            NodeKind::Call(c) => self.call(c, n.span),
            NodeKind::Unary(op, inner) => {
                let v = match self.eval(inner) {
                    Ok(v) => v,
                    Err(mut d) => {
                        let want = match op {
                            UnOp::Neg => Type::Number,
                            UnOp::Not => Type::Bool,
                        };
                        if let Some(e) = ops::failed_operand(self, &want, inner, "unary") {
                            d.push(e);
                        }
                        return Err(d);
                    }
                };
                ops::unary(self, *op, v, inner.span)
            }
            NodeKind::Binary(op, l, r) => {
                let (lr, rr) = (self.eval(l), self.eval(r));
                if lr.is_err() || rr.is_err() {
                    let mut d = Diagnostics::new();
                    let want = ops::binary_operand_type(*op);
                    for (res, node, which) in [(&lr, l, "left"), (&rr, r, "right")] {
                        match (res, &want) {
                            (Err(e), Some(w)) => {
                                d.extend(e.clone());
                                if let Some(x) = ops::failed_operand(self, w, node, which) {
                                    d.push(x);
                                }
                            }
                            (Err(e), None) => d.extend(e.clone()),
                            (Ok(v), Some(w)) => {
                                if let Err(e) = convert(v, w) {
                                    d.push(self.diag(
                                        node.span,
                                        "Invalid operand",
                                        format!("Unsuitable value for {which} operand: {e}."),
                                    ));
                                }
                            }
                            (Ok(_), None) => {}
                        }
                    }
                    return Err(d);
                }
                let (lv, rv) = both(lr, rr)?;
                ops::binary(self, *op, lv, rv, l.span, r.span, n.span)
            }
            NodeKind::Cond(parts) => self.conditional(&parts[0], &parts[1], &parts[2]),
            NodeKind::For(f) => self.for_expr(f),
            NodeKind::Template(parts) => {
                let mut buf = String::new();
                let mut marks = Marks::NONE;
                let mut known = true;
                let mut diags = Diagnostics::new();
                self.template_parts(parts, &mut buf, &mut marks, &mut known, &mut diags);
                if !diags.is_empty() {
                    return Err(diags);
                }
                Ok(if known {
                    Value::string(buf).with_marks(marks)
                } else {
                    unknown(Type::String, marks)
                })
            }
        }
    }

    // ----- objects -----

    fn object(&mut self, items: &[(ObjKey, Node)]) -> R {
        let mut out = BTreeMap::new();
        let mut diags = Diagnostics::new();
        let mut known = true;
        let mut marks = Marks::NONE;
        for (k, v) in items {
            let key = match k {
                ObjKey::Name(name, _) => Some(name.to_string()),
                ObjKey::Expr(kn) => match self.eval(kn) {
                    Err(d) => {
                        diags.extend(d);
                        None
                    }
                    Ok(kv) => {
                        if kv.is_null() {
                            diags.push(self.diag(
                                kn.span,
                                "Null value as key",
                                "Can't use a null value as a key.",
                            ));
                            None
                        } else {
                            match convert(&kv, &Type::String) {
                                Err(e) => {
                                    diags.push(self.diag(
                                        kn.span,
                                        "Incorrect key type",
                                        format!("Can't use this value as a key: {e}."),
                                    ));
                                    None
                                }
                                Ok(s) => {
                                    marks = marks.union(s.marks());
                                    if !s.is_known() {
                                        known = false;
                                        None
                                    } else {
                                        s.as_str().map(str::to_string)
                                    }
                                }
                            }
                        }
                    }
                },
            };
            match self.eval(v) {
                Ok(val) => {
                    if let Some(key) = key {
                        out.insert(key, val);
                    }
                }
                Err(d) => diags.extend(d),
            }
        }
        if !diags.is_empty() {
            return Err(diags);
        }
        if !known {
            return Ok(unknown(Type::Dynamic, marks));
        }
        Ok(Value::object(out.into()).with_marks(marks))
    }

    // ----- traversals -----

    fn traversal(&mut self, base: &Node, steps: &[Step]) -> R {
        // Fast path: walk a root variable by reference as far as the steps are plain lookups
        // of existing elements, cloning only the result.
        if let NodeKind::Var(name) = &base.kind {
            let Some(root) = self.lookup(name) else {
                return Err(self.unknown_variable(name, base.span));
            };
            let mut cur = root;
            let mut marks = Marks::NONE;
            let mut i = 0;
            while i < steps.len() {
                let next = match (&steps[i], cur.kind()) {
                    (Step::Attr(a, _), Kind::Object(m)) => m.get(&**a),
                    (Step::Attr(a, _), Kind::Map(_, m)) => m.get(&**a),
                    (Step::Index(k, _), Kind::Object(m) | Kind::Map(_, m)) => match &k.kind {
                        NodeKind::Literal(kv) => kv.as_str().and_then(|s| m.get(s)),
                        _ => None,
                    },
                    (Step::Index(k, _), Kind::List(_, v) | Kind::Tuple(v)) => match &k.kind {
                        NodeKind::Literal(kv) => kv
                            .as_number()
                            .and_then(Number::to_i64)
                            .and_then(|i| usize::try_from(i).ok())
                            .and_then(|i| v.get(i)),
                        _ => None,
                    },
                    (Step::LegacyIndex(n, _), Kind::List(_, v) | Kind::Tuple(v)) => {
                        v.get(*n as usize)
                    }
                    _ => None,
                };
                match next {
                    Some(nx) => {
                        marks = marks.union(cur.marks());
                        cur = nx;
                        i += 1;
                    }
                    None => break,
                }
            }
            let v = cur.clone().with_marks(marks);
            return self.apply_steps(v, &steps[i..]);
        }
        let v = self.eval(base)?;
        self.apply_steps(v, steps)
    }

    pub(crate) fn apply_steps(&mut self, mut v: Value, steps: &[Step]) -> R {
        for s in steps {
            v = match s {
                Step::Attr(a, sp) => self.get_attr(v, a, *sp)?,
                Step::Index(k, sp) => {
                    let key = self.eval(k)?;
                    self.index(v, key, *sp)?
                }
                Step::LegacyIndex(n, sp) => self.index(v, Value::int(*n as i64), *sp)?,
                Step::Splat(body, sp) | Step::AttrSplat(body, sp) => self.splat(v, body, *sp)?,
            };
        }
        Ok(v)
    }

    fn splat(&mut self, v: Value, body: &[Step], sp: Span) -> R {
        let (v, marks) = v.unmark();
        let ty = v.ty();
        let seq = matches!(ty, Type::List(_) | Type::Set(_) | Type::Tuple(_));
        if v.is_null() {
            if !seq {
                return Ok(Value::tuple(Vec::new()).with_marks(marks));
            }
            return Err(self.err(
                sp,
                "Splat of null value",
                "Splat expressions (with the * symbol) cannot be applied to null sequences.",
            ));
        }
        if !v.is_known() {
            return Ok(unknown(Type::Dynamic, marks));
        }
        let (items, list_elem) = match v.into_kind() {
            Kind::List(t, items) | Kind::Set(t, items) => (items, Some(t)),
            Kind::Tuple(items) => (items, None),
            k => (vec![Value::new(k)], None),
        };
        let mut out = Vec::with_capacity(items.len());
        let mut diags = Diagnostics::new();
        let mut known = true;
        for item in items {
            match self.apply_steps(item, body) {
                Ok(r) => {
                    if !r.is_known() {
                        known = false;
                    }
                    out.push(r)
                }
                Err(d) => diags.extend(d),
            }
        }
        if !diags.is_empty() {
            return Err(diags);
        }
        if !known {
            return Ok(unknown(Type::Dynamic, marks));
        }
        Ok(match list_elem {
            Some(t) => {
                if out.is_empty() {
                    let et = if body.is_empty() { t } else { Type::Dynamic };
                    Value::list(et, out)
                } else {
                    let tys: Vec<Type> = out.iter().map(Value::ty).collect();
                    match unify(&tys) {
                        Some(et) => {
                            let conv: Result<Vec<Value>, _> =
                                out.iter().map(|x| convert(x, &et)).collect();
                            match conv {
                                Ok(items) => Value::list(et, items),
                                Err(_) => Value::tuple(out),
                            }
                        }
                        None => Value::tuple(out),
                    }
                }
            }
            None => Value::tuple(out),
        }
        .with_marks(marks))
    }

    pub(crate) fn get_attr(&mut self, v: Value, name: &str, sp: Span) -> R {
        if v.is_null() {
            return Err(self.err(
                sp,
                "Attempt to get attribute from null value",
                "This value is null, so it does not have any attributes.",
            ));
        }
        let (v, marks) = v.unmark();
        let ty = v.ty();
        let is_list = matches!(ty, Type::List(_));
        match ty {
            Type::Object(o) => {
                let Some(at) = o.attrs.get(name) else {
                    return Err(self.err(
                        sp,
                        "Unsupported attribute",
                        format!("This object does not have an attribute named {name:?}."),
                    ));
                };
                if !v.is_known() {
                    return Ok(unknown(at.clone(), marks));
                }
                let Kind::Object(mut m) = v.into_kind() else {
                    return Ok(unknown(at.clone(), marks));
                };
                Ok(m.remove(name)
                    .unwrap_or_else(Value::unknown_dynamic)
                    .with_marks(marks))
            }
            Type::Map(et) => {
                if !v.is_known() {
                    return Ok(unknown(*et, marks));
                }
                let Kind::Map(_, mut m) = v.into_kind() else {
                    return Ok(unknown(*et, marks));
                };
                match m.remove(name) {
                    Some(x) => Ok(x.with_marks(marks)),
                    None => Err(self.err(
                        sp,
                        "Missing map element",
                        format!("This map does not have an element with the key {name:?}."),
                    )),
                }
            }
            Type::Dynamic => Ok(unknown(Type::Dynamic, marks)),
            Type::List(et) | Type::Set(et) if matches!(*et, Type::Object(_)) => {
                let kind = if is_list { "list" } else { "set" };
                let has = matches!(&*et, Type::Object(o) if o.attrs.contains_key(name));
                let detail = if has {
                    format!("Can't access attributes on a {kind} of objects. Did you mean to access attribute {name:?} for a specific element of the {kind}, or across all elements of the {kind}?")
                } else {
                    format!("Can't access attributes on a {kind} of objects. Did you mean to access an attribute for a specific element of the {kind}, or across all elements of the {kind}?")
                };
                Err(self.err(sp, "Unsupported attribute", detail))
            }
            Type::List(_) | Type::Set(_) | Type::Tuple(_) => Err(self.err(
                sp,
                "Unsupported attribute",
                "This value does not have any attributes.",
            )),
            t => Err(self.err(
                sp,
                "Unsupported attribute",
                format!(
                    "Can't access attributes on a primitive-typed value ({}).",
                    t.friendly_name()
                ),
            )),
        }
    }

    pub(crate) fn index(&mut self, coll: Value, key: Value, sp: Span) -> R {
        const NOT_FOUND: &str =
            "The given key does not identify an element in this collection value";
        if coll.is_null() {
            return Err(self.err(
                sp,
                "Attempt to index null value",
                "This value is null, so it does not have any indices.",
            ));
        }
        if key.is_null() {
            return Err(self.err(
                sp,
                "Invalid index",
                "Can't use a null value as an indexing key.",
            ));
        }
        let (coll, cmarks) = coll.unmark();
        let (key, kmarks) = key.unmark();
        let marks = cmarks.union(kmarks);
        let ty = coll.ty();
        let kty = key.ty();
        if ty == Type::Dynamic || kty == Type::Dynamic {
            return Ok(unknown(Type::Dynamic, marks));
        }
        match &ty {
            Type::List(_) | Type::Tuple(_) | Type::Map(_) => {
                let want = if matches!(ty, Type::Map(_)) {
                    Type::String
                } else {
                    Type::Number
                };
                let key = convert(&key, &want).map_err(|e| {
                    self.err(sp, "Invalid index", format!("{NOT_FOUND}: {e}."))
                })?;
                if !coll.is_known() || !key.is_known() {
                    return Ok(match &ty {
                        Type::Tuple(_) => unknown(Type::Dynamic, marks),
                        Type::List(et) | Type::Map(et) => unknown((**et).clone(), marks),
                        _ => unknown(Type::Dynamic, marks),
                    });
                }
                let is_seq = !matches!(ty, Type::Map(_));
                let found = match (coll.into_kind(), &key) {
                    (Kind::Map(_, mut m), k) => k.as_str().and_then(|s| m.remove(s)),
                    (Kind::List(_, mut v) | Kind::Tuple(mut v), k) => {
                        let n = k.as_number();
                        let len = v.len();
                        let idx = n
                            .filter(|n| n.is_integer())
                            .and_then(Number::to_i64)
                            .and_then(|i| usize::try_from(i).ok())
                            .filter(|i| *i < len);
                        match idx {
                            Some(i) => Some(v.swap_remove(i)),
                            None if is_seq => {
                                let detail = match n {
                                    Some(n) if !n.is_integer() => format!("{NOT_FOUND}: indexing a sequence requires a whole number, but the given index has a fractional part."),
                                    Some(n) if n.is_negative() => format!("{NOT_FOUND}: a negative number is not a valid index for a sequence."),
                                    _ if len == 0 => format!("{NOT_FOUND}: the collection has no elements."),
                                    // HCL compares the key with the length for equality.
                                    Some(n) if n.to_i64() == Some(len as i64) => format!("{NOT_FOUND}: the given index is greater than or equal to the length of the collection."),
                                    _ => format!("{NOT_FOUND}."),
                                };
                                return Err(self.err(sp, "Invalid index", detail));
                            }
                            None => None,
                        }
                    }
                    _ => None,
                };
                match found {
                    Some(v) => Ok(v.with_marks(marks)),
                    None => Err(self.err(sp, "Invalid index", format!("{NOT_FOUND}."))),
                }
            }
            Type::Object(o) => {
                let was_number = kty == Type::Number;
                let key = convert(&key, &Type::String).map_err(|e| {
                    self.err(sp, "Invalid index", format!("{NOT_FOUND}: {e}."))
                })?;
                if !coll.is_known() || !key.is_known() {
                    return Ok(unknown(Type::Dynamic, marks));
                }
                let name = key.as_str().unwrap_or_default();
                if !o.attrs.contains_key(name) {
                    let hint = if was_number {
                        " An object only supports looking up attributes by name, not by numeric index."
                    } else {
                        ""
                    };
                    return Err(self.err(sp, "Invalid index", format!("{NOT_FOUND}.{hint}")));
                }
                let name = name.to_string();
                let Kind::Object(mut m) = coll.into_kind() else {
                    return Ok(unknown(Type::Dynamic, marks));
                };
                Ok(m.remove(&name)
                    .unwrap_or_else(Value::unknown_dynamic)
                    .with_marks(marks))
            }
            Type::Set(_) => Err(self.err(sp, "Invalid index", "Elements of a set are identified only by their value and don't have any separate index or key to select with, so it's only possible to perform operations across all elements of the set.")),
            _ => Err(self.err(sp, "Invalid index", "This value does not have any indices.")),
        }
    }

    // ----- conditional -----

    fn conditional(&mut self, c: &Node, t: &Node, f: &Node) -> R {
        let tr = self.eval(t);
        let fr = self.eval(f);
        let tv = tr
            .as_ref()
            .cloned()
            .unwrap_or_else(|_| Value::unknown_dynamic());
        let fv = fr
            .as_ref()
            .cloned()
            .unwrap_or_else(|_| Value::unknown_dynamic());
        let is_dyn_null = |v: &Value| matches!(v.kind(), Kind::Null(Type::Dynamic));
        let rty = if is_dyn_null(&tv) {
            Some(fv.ty())
        } else if is_dyn_null(&fv) {
            Some(tv.ty())
        } else if tv.ty() == Type::Dynamic || fv.ty() == Type::Dynamic {
            Some(Type::Dynamic)
        } else {
            unify(&[tv.ty(), fv.ty()])
        };
        let Some(rty) = rty else {
            return Err(self.err(
                t.span.to(f.span),
                "Inconsistent conditional result types",
                format!(
                    "The true and false result expressions must have consistent types. The given expressions are {} and {}, respectively.",
                    tv.ty().friendly_name(),
                    fv.ty().friendly_name()
                ),
            ));
        };
        let cv = self.eval(c)?;
        if cv.is_null() {
            return Err(self.err(
                c.span,
                "Null condition",
                "The condition value is null. Conditions must either be true or false.",
            ));
        }
        if !cv.is_known() {
            return Ok(Value::unknown(rty));
        }
        let Ok(cb) = convert(&cv, &Type::Bool) else {
            return Err(self.err(
                c.span,
                "Incorrect condition type",
                "The condition expression must be of type bool.",
            ));
        };
        let (chosen, which) = if cb.as_bool() == Some(true) {
            (tr, "true")
        } else {
            (fr, "false")
        };
        let v = chosen?;
        match convert(&v, &rty) {
            Ok(v) => Ok(v),
            Err(e) => Err(self.err(
                if which == "true" { t.span } else { f.span },
                "Inconsistent conditional result types",
                format!("The {which} result value has the wrong type: {e}."),
            )),
        }
    }

    // ----- for expressions -----

    /// The elements of an iterable value as (key, value) pairs; Err(diag) if not iterable.
    fn iterate(
        &self,
        coll: Value,
        span: Span,
    ) -> Result<Result<(Vec<(Value, Value)>, Marks), Marks>, Diagnostics> {
        if coll.is_null() {
            return Err(self.err(
                span,
                "Iteration over null value",
                "A null value cannot be used as the collection in a 'for' expression.",
            ));
        }
        let (coll, marks) = coll.unmark();
        let ty = coll.ty();
        let iterable = matches!(
            ty,
            Type::List(_) | Type::Set(_) | Type::Tuple(_) | Type::Map(_) | Type::Object(_)
        );
        if !iterable && ty != Type::Dynamic {
            return Err(self.err(
                span,
                "Iteration over non-iterable value",
                format!(
                    "A value of type {} cannot be used as the collection in a 'for' expression.",
                    ty.friendly_name()
                ),
            ));
        }
        if !coll.is_known() {
            return Ok(Err(marks));
        }
        let pairs = match coll.into_kind() {
            Kind::List(_, v) | Kind::Tuple(v) => v
                .into_iter()
                .enumerate()
                .map(|(i, x)| (Value::int(i as i64), x))
                .collect(),
            Kind::Set(_, v) => v.into_iter().map(|x| (x.clone(), x)).collect(),
            Kind::Map(_, m) | Kind::Object(m) => {
                m.into_iter().map(|(k, x)| (Value::string(k), x)).collect()
            }
            _ => Vec::new(),
        };
        Ok(Ok((pairs, marks)))
    }

    fn for_expr(&mut self, f: &ForNode) -> R {
        let coll = self.eval(&f.coll)?;
        let (pairs, marks) = match self.iterate(coll, f.coll.span)? {
            Ok(x) => x,
            Err(marks) => return Ok(unknown(Type::Dynamic, marks)),
        };
        let depth = self.scope.len();
        let mut diags = Diagnostics::new();
        let mut known = true;
        let mut tuple = Vec::new();
        let mut obj: BTreeMap<String, Value> = BTreeMap::new();
        let mut groups: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        for (k, v) in pairs {
            self.scope.truncate(depth);
            if let Some(kv) = &f.key_var {
                self.scope.push((kv.clone(), k));
            }
            self.scope.push((f.value_var.clone(), v));
            if let Some(c) = &f.cond {
                let cv = match self.eval(c) {
                    Ok(cv) => cv,
                    Err(d) => {
                        diags.extend(d);
                        break;
                    }
                };
                if cv.is_null() {
                    diags.push(self.diag(
                        c.span,
                        "Condition is null",
                        "The value of the 'if' clause must not be null.",
                    ));
                    break;
                }
                let cb = match convert(&cv, &Type::Bool) {
                    Ok(b) => b,
                    Err(e) => {
                        diags.push(self.diag(
                            c.span,
                            "Invalid 'for' condition",
                            format!("The 'if' clause value is invalid: {e}."),
                        ));
                        break;
                    }
                };
                if !cb.is_known() {
                    known = false;
                    continue;
                }
                if cb.as_bool() != Some(true) {
                    continue;
                }
            }
            match &f.key {
                None => match self.eval(&f.value) {
                    Ok(v) => tuple.push(v),
                    Err(d) => {
                        diags.extend(d);
                        break;
                    }
                },
                Some(kn) => {
                    let key = match self.eval(kn) {
                        Ok(k) => k,
                        Err(d) => {
                            diags.extend(d);
                            break;
                        }
                    };
                    if key.is_null() {
                        diags.push(self.diag(
                            kn.span,
                            "Invalid object key",
                            "Key expression in 'for' expression must not produce a null value.",
                        ));
                        break;
                    }
                    let key = match convert(&key, &Type::String) {
                        Ok(k) => k,
                        Err(e) => {
                            diags.push(self.diag(
                                kn.span,
                                "Invalid object key",
                                format!("The key expression produced an invalid result: {e}."),
                            ));
                            break;
                        }
                    };
                    let val = match self.eval(&f.value) {
                        Ok(v) => v,
                        Err(d) => {
                            diags.extend(d);
                            break;
                        }
                    };
                    if !key.is_known() {
                        known = false;
                        continue;
                    }
                    let ks = key.as_str().unwrap_or_default().to_string();
                    if f.group {
                        groups.entry(ks).or_default().push(val);
                    } else {
                        match obj.entry(ks) {
                            std::collections::btree_map::Entry::Occupied(e) => {
                                diags.push(self.diag(
                                    kn.span,
                                    "Duplicate object key",
                                    format!("Two different items produced the key {:?} in this 'for' expression. If duplicates are expected, use the ellipsis (...) after the value expression to enable grouping by key.", e.key()),
                                ));
                                break;
                            }
                            std::collections::btree_map::Entry::Vacant(e) => {
                                e.insert(val);
                            }
                        }
                    }
                }
            }
        }
        self.scope.truncate(depth);
        if !diags.is_empty() {
            return Err(diags);
        }
        if !known {
            return Ok(unknown(Type::Dynamic, marks));
        }
        let out = if f.key.is_none() {
            Value::tuple(tuple)
        } else if f.group {
            Value::object(
                groups
                    .into_iter()
                    .map(|(k, v)| (k, Value::tuple(v)))
                    .collect(),
            )
        } else {
            Value::object(obj.into())
        };
        Ok(out.with_marks(marks))
    }

    // ----- templates -----

    fn template_parts(
        &mut self,
        parts: &[TPart],
        buf: &mut String,
        marks: &mut Marks,
        known: &mut bool,
        diags: &mut Diagnostics,
    ) {
        for p in parts {
            match p {
                TPart::Lit(s) => buf.push_str(s),
                TPart::Interp(n) => {
                    let v = match self.eval(n) {
                        Ok(v) => v,
                        Err(d) => {
                            diags.extend(d);
                            continue;
                        }
                    };
                    self.interp_value(v, n.span, buf, marks, known, diags, false);
                }
                TPart::If(i) => {
                    let cv = match self.eval(&i.cond) {
                        Ok(v) => v,
                        Err(d) => {
                            diags.extend(d);
                            continue;
                        }
                    };
                    if cv.is_null() {
                        diags.push(self.diag(
                            i.cond.span,
                            "Null condition",
                            "The condition value is null. Conditions must either be true or false.",
                        ));
                        continue;
                    }
                    if !cv.is_known() {
                        *known = false;
                        continue;
                    }
                    let Ok(cb) = convert(&cv, &Type::Bool) else {
                        diags.push(self.diag(
                            i.cond.span,
                            "Incorrect condition type",
                            "The condition expression must be of type bool.",
                        ));
                        continue;
                    };
                    let arm = if cb.as_bool() == Some(true) {
                        &i.then
                    } else {
                        &i.otherwise
                    };
                    self.template_parts(arm, buf, marks, known, diags);
                }
                TPart::For(f) => {
                    let coll = match self.eval(&f.coll) {
                        Ok(v) => v,
                        Err(d) => {
                            diags.extend(d);
                            continue;
                        }
                    };
                    let (pairs, cmarks) = match self.iterate(coll, f.coll.span) {
                        Err(d) => {
                            diags.extend(d);
                            continue;
                        }
                        Ok(Err(m)) => {
                            *marks = marks.union(m);
                            *known = false;
                            continue;
                        }
                        Ok(Ok(x)) => x,
                    };
                    *marks = marks.union(cmarks);
                    let depth = self.scope.len();
                    for (k, v) in pairs {
                        self.scope.truncate(depth);
                        if let Some(kv) = &f.key_var {
                            self.scope.push((kv.clone(), k));
                        }
                        self.scope.push((f.value_var.clone(), v));
                        self.template_parts(&f.body, buf, marks, known, diags);
                    }
                    self.scope.truncate(depth);
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn interp_value(
        &self,
        v: Value,
        span: Span,
        buf: &mut String,
        marks: &mut Marks,
        known: &mut bool,
        diags: &mut Diagnostics,
        _iteration: bool,
    ) {
        if v.is_null() {
            diags.push(self.diag(
                span,
                "Invalid template interpolation value",
                "The expression result is null. Cannot include a null value in a string template.",
            ));
            return;
        }
        if !v.is_known() {
            *marks = marks.union(v.marks());
            *known = false;
            return;
        }
        if let Some(s) = v.as_str() {
            *marks = marks.union(v.marks());
            buf.push_str(s);
            return;
        }
        match convert(&v, &Type::String) {
            Ok(s) => {
                *marks = marks.union(s.marks());
                if let Some(s) = s.as_str() {
                    buf.push_str(s);
                }
            }
            Err(e) => diags.push(self.diag(
                span,
                "Invalid template interpolation value",
                format!("Cannot include the given value in a string template: {e}."),
            )),
        }
    }

    // ----- function calls -----

    fn call(&mut self, c: &Call, span: Span) -> R {
        match &*c.name {
            "try" => return self.try_call(c, span),
            "can" => return self.can_call(c, span),
            _ => {}
        }
        let ctx = self.ctx;
        let Some(func) = ctx.functions.get(&c.name) else {
            let mut detail = format!("There is no function named {:?}.", &*c.name);
            if let Some(s) = suggest(&c.name, &ctx.functions.names()) {
                detail = format!(
                    "There is no function named {:?}. Did you mean {s:?}?",
                    &*c.name
                );
            }
            return Err(self.err(c.name_span, "Call to unknown function", detail));
        };
        let mut args = Vec::with_capacity(c.args.len());
        let mut arg_spans = Vec::with_capacity(c.args.len());
        let mut diags = Diagnostics::new();
        for a in &c.args {
            match self.eval(a) {
                Ok(v) => args.push(v),
                Err(d) => {
                    diags.extend(d);
                    args.push(Value::unknown_dynamic());
                }
            }
            arg_spans.push(a.span);
        }
        if !diags.is_empty() {
            return Err(diags);
        }
        if c.expand_final {
            let last = args.pop().unwrap_or_else(Value::null_dynamic);
            let lspan = arg_spans.pop().unwrap_or(span);
            if last.is_null() {
                return Err(self.err(
                    lspan,
                    "Invalid expanding argument value",
                    "The expanding argument (indicated by ...) must not be null.",
                ));
            }
            let (last, marks) = last.unmark();
            if !matches!(last.ty(), Type::List(_) | Type::Set(_) | Type::Tuple(_)) {
                return Err(self.err(
                    lspan,
                    "Invalid expanding argument value",
                    "The expanding argument (indicated by ...) must be of a tuple, list, or set type.",
                ));
            }
            if !last.is_known() {
                return Ok(unknown(Type::Dynamic, marks));
            }
            if let Some(items) = last.as_seq() {
                for it in items {
                    args.push(it.clone().with_marks(marks));
                    arg_spans.push(lspan);
                }
            }
        }
        let (min, max) = func.arity();
        if args.len() < min {
            let missing = &func.params[args.len()];
            return Err(self.err(
                span,
                "Not enough function arguments",
                format!(
                    "Function {:?} expects {} argument(s). Missing value for {:?}.",
                    &*c.name,
                    func.params.len(),
                    missing.name
                ),
            ));
        }
        if let Some(max) = max {
            if args.len() > max {
                return Err(self.err(
                    arg_spans.get(max).copied().unwrap_or(span),
                    "Too many function arguments",
                    format!(
                        "Function {:?} expects only {} argument(s).",
                        &*c.name,
                        func.params.len()
                    ),
                ));
            }
        }
        let render = |text: &str, filename: &str, vars: &BTreeMap<String, Value>| {
            super::render_template_in(ctx, text, filename, vars)
        };
        let cc = CallContext {
            base_dir: &ctx.base_dir,
            render_template: &render,
        };
        match func.call(&args, &cc) {
            Ok(v) => Ok(v),
            Err(e) => match e.arg {
                Some(i) => {
                    let pname = func.param_for(i).map(|p| p.name).unwrap_or("?");
                    let detail = if e.message.starts_with("Invalid value for ") {
                        e.message.clone()
                    } else {
                        format!(
                            "Invalid value for {pname:?} parameter: {}.",
                            e.message.trim_end_matches('.')
                        )
                    };
                    Err(self.err(
                        arg_spans.get(i).copied().unwrap_or(span),
                        "Invalid function argument",
                        detail,
                    ))
                }
                None => Err(self.err(
                    span,
                    "Error in function call",
                    format!(
                        "Call to function {:?} failed: {}.",
                        &*c.name,
                        e.message.strip_suffix('.').unwrap_or(&e.message)
                    ),
                )),
            },
        }
    }

    fn try_call(&mut self, c: &Call, span: Span) -> R {
        if c.args.is_empty() {
            return Err(self.err(
                span,
                "Error in function call",
                "Call to function \"try\" failed: at least one argument is required.",
            ));
        }
        let mut all = Diagnostics::new();
        for a in &c.args {
            if self.depends_on_unknowns(a) {
                return Ok(Value::unknown_dynamic());
            }
            match self.eval(a) {
                Ok(v) => return Ok(v),
                Err(d) => all.extend(d),
            }
        }
        let mut msg = String::from("no expression succeeded:\n");
        for d in all.iter() {
            match &d.span {
                Some(s) => {
                    let at = if s.start.line == s.end.line {
                        format!(
                            "{}:{},{}-{}",
                            s.filename, s.start.line, s.start.column, s.end.column
                        )
                    } else {
                        format!(
                            "{}:{},{}-{},{}",
                            s.filename, s.start.line, s.start.column, s.end.line, s.end.column
                        )
                    };
                    msg.push_str(&format!("- {} (at {at})\n  {}\n", d.summary, d.detail));
                }
                None => msg.push_str(&format!("- {}\n  {}\n", d.summary, d.detail)),
            }
        }
        msg.push_str("\nAt least one expression must produce a successful result");
        Err(self.err(
            span,
            "Error in function call",
            format!("Call to function \"try\" failed: {msg}."),
        ))
    }

    fn can_call(&mut self, c: &Call, span: Span) -> R {
        if c.args.len() != 1 {
            if c.args.is_empty() {
                return Err(self.err(
                    span,
                    "Not enough function arguments",
                    "Function \"can\" expects 1 argument(s). Missing value for \"expression\".",
                ));
            }
            return Err(self.err(
                c.args[1].span,
                "Too many function arguments",
                "Function \"can\" expects only 1 argument(s).",
            ));
        }
        if self.depends_on_unknowns(&c.args[0]) {
            return Ok(Value::unknown(Type::Bool));
        }
        Ok(Value::bool(self.eval(&c.args[0]).is_ok()))
    }

    /// Terraform's `dependsOnUnknowns` for try/can: does a variable the expression refers to
    /// (as far as its traversal is static) hold an unknown value anywhere?
    fn depends_on_unknowns(&self, n: &Node) -> bool {
        let mut found = false;
        self.walk_vars(n, &mut Vec::new(), &mut found);
        found
    }

    fn walk_vars<'n>(&self, n: &'n Node, bound: &mut Vec<&'n str>, found: &mut bool) {
        if *found {
            return;
        }
        let check = |name: &str, steps: &[Step], bound: &Vec<&str>| -> bool {
            if bound.contains(&name) {
                return false;
            }
            let Some(mut v) = self.lookup(name) else {
                return false;
            };
            for s in steps {
                let next = match (s, v.kind()) {
                    (Step::Attr(a, _), Kind::Object(m) | Kind::Map(_, m)) => m.get(&**a),
                    (Step::Index(k, _), Kind::Object(m) | Kind::Map(_, m)) => match &k.kind {
                        NodeKind::Literal(kv) => kv.as_str().and_then(|s| m.get(s)),
                        _ => break,
                    },
                    (Step::Index(k, _), Kind::List(_, l) | Kind::Tuple(l)) => match &k.kind {
                        NodeKind::Literal(kv) => kv
                            .as_number()
                            .and_then(Number::to_i64)
                            .and_then(|i| usize::try_from(i).ok())
                            .and_then(|i| l.get(i)),
                        _ => break,
                    },
                    (
                        Step::Attr(..) | Step::Index(..) | Step::LegacyIndex(..),
                        Kind::Unknown(_),
                    ) => return true,
                    _ => break,
                };
                match next {
                    Some(x) => v = x,
                    None => return false,
                }
            }
            !v.is_wholly_known()
        };
        match &n.kind {
            NodeKind::Literal(_) => {}
            NodeKind::Var(name) => *found |= check(name, &[], bound),
            NodeKind::Traversal(base, steps) => {
                if let NodeKind::Var(name) = &base.kind {
                    *found |= check(name, steps, bound);
                } else {
                    self.walk_vars(base, bound, found);
                }
                self.walk_steps(steps, bound, found);
            }
            NodeKind::Paren(i) | NodeKind::TemplateWrap(i) | NodeKind::Unary(_, i) => {
                self.walk_vars(i, bound, found)
            }
            NodeKind::Tuple(items) => items.iter().for_each(|i| self.walk_vars(i, bound, found)),
            NodeKind::Object(items) => {
                for (k, v) in items.iter() {
                    if let ObjKey::Expr(k) = k {
                        self.walk_vars(k, bound, found);
                    }
                    self.walk_vars(v, bound, found);
                }
            }
            NodeKind::Call(c) => c.args.iter().for_each(|a| self.walk_vars(a, bound, found)),
            NodeKind::Binary(_, a, b) => {
                self.walk_vars(a, bound, found);
                self.walk_vars(b, bound, found);
            }
            NodeKind::Cond(p) => p.iter().for_each(|x| self.walk_vars(x, bound, found)),
            NodeKind::For(f) => {
                self.walk_vars(&f.coll, bound, found);
                let n0 = bound.len();
                bound.push(&f.value_var);
                if let Some(k) = &f.key_var {
                    bound.push(k);
                }
                if let Some(k) = &f.key {
                    self.walk_vars(k, bound, found);
                }
                self.walk_vars(&f.value, bound, found);
                if let Some(c) = &f.cond {
                    self.walk_vars(c, bound, found);
                }
                bound.truncate(n0);
            }
            NodeKind::Template(parts) => self.walk_parts(parts, bound, found),
        }
    }

    fn walk_steps<'n>(&self, steps: &'n [Step], bound: &mut Vec<&'n str>, found: &mut bool) {
        for s in steps {
            match s {
                Step::Index(k, _) => self.walk_vars(k, bound, found),
                Step::Splat(b, _) | Step::AttrSplat(b, _) => self.walk_steps(b, bound, found),
                _ => {}
            }
        }
    }

    fn walk_parts<'n>(&self, parts: &'n [TPart], bound: &mut Vec<&'n str>, found: &mut bool) {
        for p in parts {
            match p {
                TPart::Lit(_) => {}
                TPart::Interp(n) => self.walk_vars(n, bound, found),
                TPart::If(i) => {
                    self.walk_vars(&i.cond, bound, found);
                    self.walk_parts(&i.then, bound, found);
                    self.walk_parts(&i.otherwise, bound, found);
                }
                TPart::For(f) => {
                    self.walk_vars(&f.coll, bound, found);
                    let n0 = bound.len();
                    bound.push(&f.value_var);
                    if let Some(k) = &f.key_var {
                        bound.push(k);
                    }
                    self.walk_parts(&f.body, bound, found);
                    bound.truncate(n0);
                }
            }
        }
    }
}

/// HCL's name suggestion: the first candidate within Levenshtein distance 2.
pub(crate) fn suggest(given: &str, names: &[&str]) -> Option<String> {
    names
        .iter()
        .find(|n| levenshtein(given, n) < 3)
        .map(|s| s.to_string())
}

fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}
