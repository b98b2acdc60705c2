//! The backend block's settings as JSON (from `girder_lang::config`'s backend block) and the
//! `-backend-config` arguments: `KEY=VALUE` pairs and files of literal attributes, parsed here
//! with hcl-edit (nested blocks in a file become objects).

use girder_core::{Diagnostic, SourceSpan};
use hcl_edit::expr::{Expression, ObjectKey};
use hcl_edit::repr::Span;
use hcl_edit::structure::{Block, Body, Structure};
use serde_json::{Map, Value as J};
use std::sync::Arc;

/// One parsed configuration file.
pub struct File {
    /// Its name relative to the working directory.
    pub name: Arc<str>,
    /// Its text.
    pub src: String,
    /// Its syntax tree.
    pub body: Body,
}

/// The configuration's backend block.
#[derive(Clone, Debug)]
pub struct BackendBlock {
    /// `s3`, `local`, ...
    pub ty: String,
    /// Its attributes as JSON literals.
    pub attrs: Map<String, J>,
}

fn span_of(file: &File, range: Option<std::ops::Range<usize>>) -> SourceSpan {
    let r = range.unwrap_or(0..0);
    SourceSpan::from_bytes(file.name.clone(), &file.src, r.start, r.end)
}

fn block_to_json(f: &File, b: &Block) -> Result<Map<String, J>, Vec<Diagnostic>> {
    let mut out = Map::new();
    let mut errors = Vec::new();
    for s in b.body.iter() {
        match s {
            Structure::Attribute(a) => match literal(f, &a.value) {
                Ok(v) => {
                    out.insert(a.key.as_str().to_string(), v);
                }
                Err(d) => errors.push(d),
            },
            Structure::Block(inner) => match block_to_json(f, inner) {
                Ok(m) => {
                    out.insert(inner.ident.as_str().to_string(), J::Object(m));
                }
                Err(d) => errors.extend(d),
            },
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// The JSON value of a literal expression; anything else is Terraform's "Variables not
/// allowed" / "Invalid expression" error.
fn literal(f: &File, e: &Expression) -> Result<J, Diagnostic> {
    Ok(match e {
        Expression::Null(_) => J::Null,
        Expression::Bool(b) => J::Bool(*b.value()),
        Expression::Number(n) => {
            let text = n.value().to_string();
            serde_json::from_str(&text).unwrap_or(J::String(text))
        }
        Expression::String(s) => J::String(s.value().clone()),
        Expression::Array(a) => {
            J::Array(a.iter().map(|x| literal(f, x)).collect::<Result<_, _>>()?)
        }
        Expression::Object(o) => {
            let mut m = Map::new();
            for (k, v) in o.iter() {
                let key = match k {
                    ObjectKey::Ident(i) => i.as_str().to_string(),
                    ObjectKey::Expression(Expression::String(s)) => s.value().clone(),
                    ObjectKey::Expression(other) => return Err(not_literal(f, other)),
                };
                m.insert(key, literal(f, v.expr())?);
            }
            J::Object(m)
        }
        Expression::Parenthesis(p) => literal(f, p.inner())?,
        other => return Err(not_literal(f, other)),
    })
}

fn not_literal(f: &File, e: &Expression) -> Diagnostic {
    let (summary, detail) = match e {
        Expression::Variable(_) | Expression::Traversal(_) => (
            "Variables not allowed",
            "Variables may not be used here.",
        ),
        _ => (
            "Invalid expression",
            "A backend configuration allows only literal values: strings, numbers, bools, lists and objects of them.",
        ),
    };
    Diagnostic::error(summary, detail)
        .with_span(span_of(f, e.span()))
        .with_help("Use a literal value here, or pass the value with -backend-config=KEY=VALUE when running init.")
}

/// Parses a `-backend-config` argument: `KEY=VALUE`, or the name of a file of attributes
/// (literals, as in a backend block).
pub fn parse_backend_config_arg(arg: &str) -> Result<Vec<(String, J)>, Diagnostic> {
    if let Some((k, v)) = arg.split_once('=') {
        let k = k.trim();
        if k.is_empty() || !k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(Diagnostic::error(
                "Invalid backend configuration argument",
                format!("The backend configuration argument {k:?} given on the command line is not a valid argument name."),
            )
            .with_help("Use -backend-config=KEY=VALUE or -backend-config=FILE."));
        }
        return Ok(vec![(k.to_string(), J::String(v.to_string()))]);
    }
    let src = std::fs::read_to_string(arg).map_err(|e| {
        Diagnostic::error(
            "Failed to read file",
            format!("The backend configuration file {arg:?} given on the command line could not be read: {e}."),
        )
        .with_help("Use -backend-config=KEY=VALUE or the path of an existing file.")
    })?;
    let name: Arc<str> = Arc::from(arg);
    let body = hcl_edit::parser::parse_body(&src).map_err(|e| {
        let at = e.location().offset();
        Diagnostic::error("Invalid syntax", e.message().to_string())
            .with_span(SourceSpan::from_bytes(name.clone(), &src, at, at + 1))
    })?;
    let file = File { name, src, body };
    let mut out = Vec::new();
    for s in file.body.iter() {
        match s {
            Structure::Attribute(a) => {
                out.push((a.key.as_str().to_string(), literal(&file, &a.value)?))
            }
            Structure::Block(b) => {
                let m = block_to_json(&file, b).map_err(|mut d| d.remove(0))?;
                out.push((b.ident.as_str().to_string(), J::Object(m)));
            }
        }
    }
    Ok(out)
}
