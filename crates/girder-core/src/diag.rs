//! Diagnostics: errors and warnings with source locations. Collected, never printed here
//! (only girder-cli prints, through miette).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Arc;

/// Error or warning.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Stops the operation.
    Error,
    /// Reported, does not stop anything.
    Warning,
}

/// A line/column position (both 1-based; column counts Unicode scalar values, like Terraform)
/// and its byte offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Pos {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// 0-based byte offset.
    pub byte: usize,
}

/// A range of a source file.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SourceSpan {
    /// The file name as the user would type it (relative to the working directory where possible).
    pub filename: Arc<str>,
    /// Start position (inclusive).
    pub start: Pos,
    /// End position (exclusive).
    pub end: Pos,
}

impl SourceSpan {
    /// Builds a span from a byte range of `src`, computing lines and columns.
    pub fn from_bytes(filename: Arc<str>, src: &str, start: usize, end: usize) -> SourceSpan {
        SourceSpan {
            filename,
            start: pos_at(src, start),
            end: pos_at(src, end.max(start)),
        }
    }
}

/// The line/column of byte offset `byte` in `src` (clamped to the source length).
pub fn pos_at(src: &str, byte: usize) -> Pos {
    let mut byte = byte.min(src.len());
    while !src.is_char_boundary(byte) {
        byte -= 1;
    }
    let before = &src[..byte];
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let column = src[line_start..byte].chars().count() + 1;
    Pos { line, column, byte }
}

impl fmt::Display for SourceSpan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}",
            self.filename, self.start.line, self.start.column
        )
    }
}

/// One error or warning.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// One line: what is wrong ("Reference to undeclared input variable").
    pub summary: String,
    /// More detail: why, and which value.
    pub detail: String,
    /// What to do about it, if we know.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub help: Option<String>,
    /// Where, if it comes from a source file.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub span: Option<SourceSpan>,
    /// A secondary location, with a label ("previously declared here").
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub related: Vec<(String, SourceSpan)>,
}

impl Diagnostic {
    /// A new error.
    pub fn error(summary: impl Into<String>, detail: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            summary: summary.into(),
            detail: detail.into(),
            help: None,
            span: None,
            related: vec![],
        }
    }
    /// A new warning.
    pub fn warning(summary: impl Into<String>, detail: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(summary, detail)
        }
    }
    /// Sets the source location.
    pub fn with_span(mut self, span: SourceSpan) -> Diagnostic {
        self.span = Some(span);
        self
    }
    /// Sets the source location if there is one.
    pub fn with_span_opt(mut self, span: Option<SourceSpan>) -> Diagnostic {
        if self.span.is_none() {
            self.span = span;
        }
        self
    }
    /// Sets the help line.
    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }
    /// Adds a related location.
    pub fn with_related(mut self, label: impl Into<String>, span: SourceSpan) -> Diagnostic {
        self.related.push((label.into(), span));
        self
    }
    /// Is this an error?
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Error => "Error",
            Severity::Warning => "Warning",
        };
        if let Some(span) = &self.span {
            write!(f, "{span}: ")?;
        }
        write!(f, "{sev}: {}", self.summary)?;
        if !self.detail.is_empty() {
            write!(f, ": {}", self.detail)?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostic {}

/// A collection of diagnostics. Operations collect into this instead of stopping at the first
/// error, so the user sees every problem at once.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// Empty.
    pub fn new() -> Diagnostics {
        Diagnostics(Vec::new())
    }
    /// Adds one.
    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }
    /// Adds all of another collection.
    pub fn extend(&mut self, other: impl IntoIterator<Item = Diagnostic>) {
        self.0.extend(other);
    }
    /// Any errors?
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }
    /// No diagnostics at all?
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// Number of diagnostics.
    pub fn len(&self) -> usize {
        self.0.len()
    }
    /// Iterates.
    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.0.iter()
    }
    /// Sorts by file, position, then summary (stable output for snapshots).
    pub fn sort(&mut self) {
        self.0.sort_by(|a, b| {
            (a.span.as_ref(), &a.summary, &a.detail).cmp(&(b.span.as_ref(), &b.summary, &b.detail))
        });
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Self {
        Diagnostics(vec![d])
    }
}

impl FromIterator<Diagnostic> for Diagnostics {
    fn from_iter<I: IntoIterator<Item = Diagnostic>>(iter: I) -> Self {
        Diagnostics(iter.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_lines_and_chars() {
        let src = "a\nbé c\n";
        let p = pos_at(src, 6); // after "bé "
        assert_eq!((p.line, p.column), (2, 4));
        assert_eq!(pos_at(src, 0).line, 1);
        assert_eq!(pos_at(src, 999).line, 3);
    }
}
