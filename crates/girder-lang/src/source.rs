//! Source files and expressions that remember where they came from.

use girder_core::SourceSpan;
use std::sync::Arc;

/// A loaded source file.
#[derive(Debug)]
pub struct SourceFile {
    /// The name as shown to users (relative path where possible).
    pub name: Arc<str>,
    /// The whole text.
    pub text: Arc<str>,
}

impl SourceFile {
    /// A new source file.
    pub fn new(name: impl Into<Arc<str>>, text: impl Into<Arc<str>>) -> Arc<SourceFile> {
        Arc::new(SourceFile {
            name: name.into(),
            text: text.into(),
        })
    }
    /// The span of a byte range of this file.
    pub fn span(&self, range: std::ops::Range<usize>) -> SourceSpan {
        SourceSpan::from_bytes(self.name.clone(), &self.text, range.start, range.end)
    }
}

/// An expression of the configuration together with its file, so that evaluation errors can
/// point at the source.
#[derive(Clone, Debug)]
pub struct Expr {
    /// The parsed expression (hcl-edit keeps byte spans into `file.text`).
    pub expr: hcl_edit::expr::Expression,
    /// The file it was parsed from.
    pub file: Arc<SourceFile>,
}

impl Expr {
    /// A new expression.
    pub fn new(expr: hcl_edit::expr::Expression, file: Arc<SourceFile>) -> Expr {
        Expr { expr, file }
    }
    /// Parses a standalone expression (console input, `-var` values of complex types,
    /// tests). The file name is used in diagnostics.
    pub fn parse(text: &str, filename: &str) -> Result<Expr, girder_core::Diagnostic> {
        let file = SourceFile::new(filename, text);
        match text.parse::<hcl_edit::expr::Expression>() {
            Ok(expr) => Ok(Expr { expr, file }),
            Err(e) => {
                let loc = e.location();
                let line_start: usize = text
                    .split_inclusive('\n')
                    .take(loc.line().saturating_sub(1))
                    .map(str::len)
                    .sum();
                let byte = (line_start + loc.column().saturating_sub(1)).min(text.len());
                Err(
                    girder_core::Diagnostic::error("Invalid expression", e.message().to_string())
                        .with_span(file.span(byte..byte)),
                )
            }
        }
    }
    /// The span of the whole expression.
    pub fn span(&self) -> Option<SourceSpan> {
        use hcl_edit::Span;
        self.expr.span().map(|r| self.file.span(r))
    }
    /// The span of a byte range within this expression's file.
    pub fn span_of(&self, range: std::ops::Range<usize>) -> SourceSpan {
        self.file.span(range)
    }
}
