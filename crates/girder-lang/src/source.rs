//! Source files and expressions that remember where they came from.

use crate::eval::ast::{Node, NodeKind};
use girder_core::SourceSpan;
use std::sync::Arc;

/// A loaded source file.
#[derive(Debug)]
pub struct SourceFile {
    /// The name as shown to users (relative path where possible).
    pub name: Arc<str>,
    /// The whole text.
    pub text: Arc<str>,
    /// Byte offsets of line starts, computed on first use (spans of references are made for
    /// every reference, so they must not scan the file from the start each time).
    lines: std::sync::OnceLock<Vec<u32>>,
}

impl SourceFile {
    /// A new source file.
    pub fn new(name: impl Into<Arc<str>>, text: impl Into<Arc<str>>) -> Arc<SourceFile> {
        Arc::new(SourceFile {
            name: name.into(),
            text: text.into(),
            lines: std::sync::OnceLock::new(),
        })
    }
    /// The span of a byte range of this file.
    pub fn span(&self, range: std::ops::Range<usize>) -> SourceSpan {
        let start = self.pos(range.start);
        let end = self.pos(range.end.max(range.start));
        SourceSpan {
            filename: self.name.clone(),
            start,
            end,
        }
    }
    /// The line/column of a byte offset (as [`girder_core::diag::pos_at`], in O(log n)).
    pub fn pos(&self, byte: usize) -> girder_core::diag::Pos {
        let text = &*self.text;
        let mut byte = byte.min(text.len());
        while !text.is_char_boundary(byte) {
            byte -= 1;
        }
        let lines = self.lines.get_or_init(|| {
            std::iter::once(0)
                .chain(
                    text.bytes()
                        .enumerate()
                        .filter(|(_, b)| *b == b'\n')
                        .map(|(i, _)| (i + 1) as u32),
                )
                .collect()
        });
        let line = lines.partition_point(|&s| s as usize <= byte);
        let line_start = lines[line - 1] as usize;
        girder_core::diag::Pos {
            line,
            column: text[line_start..byte].chars().count() + 1,
            byte,
        }
    }
}

/// An expression of the configuration together with its file, so that evaluation errors can
/// point at the source. The hcl-edit tree is lowered into girder's own compact tree
/// ([`crate::eval::ast`]) when the `Expr` is made and not kept; cloning an `Expr` is cheap.
#[derive(Clone, Debug)]
pub struct Expr {
    /// The lowered expression (spans are byte offsets into `file.text`).
    node: Arc<Node>,
    /// The file it was parsed from.
    pub file: Arc<SourceFile>,
}

impl Expr {
    /// A new expression. `expr`'s spans must be byte offsets into `file.text` (as they are
    /// when `expr` was parsed from that text).
    pub fn new(expr: hcl_edit::expr::Expression, file: Arc<SourceFile>) -> Expr {
        Expr::lower(&expr, file)
    }
    /// As [`Expr::new`], from a borrowed hcl-edit expression.
    pub fn lower(expr: &hcl_edit::expr::Expression, file: Arc<SourceFile>) -> Expr {
        let node = crate::eval::lower::lower(expr, &file.text, 0);
        Expr {
            node: Arc::new(node),
            file,
        }
    }
    /// An expression from an already lowered node of `file`.
    pub fn from_node(node: Node, file: Arc<SourceFile>) -> Expr {
        Expr {
            node: Arc::new(node),
            file,
        }
    }
    /// Parses a standalone expression (console input, `-var` values of complex types,
    /// tests). The file name is used in diagnostics.
    pub fn parse(text: &str, filename: &str) -> Result<Expr, girder_core::Diagnostic> {
        let file = SourceFile::new(filename, text);
        // Trailing whitespace (the newline after a heredoc's end marker) is not part of it.
        match crate::parse::parse_patched(text.trim_end(), |t| {
            t.parse::<hcl_edit::expr::Expression>()
        }) {
            Ok(expr) => Ok(Expr::new(expr, file)),
            Err(e) => {
                let loc = e.location();
                let line_start: usize = text
                    .split_inclusive('\n')
                    .take(loc.line().saturating_sub(1))
                    .map(str::len)
                    .sum();
                let byte = (line_start + loc.column().saturating_sub(1)).min(text.len());
                let msg = e.message().to_string();
                if let Some(d) = crate::parse::duplicate_key(&msg, text, byte, &file) {
                    return Err(d);
                }
                // HCL's words for a bad escape: name the character after the backslash.
                if msg.starts_with("invalid escape sequence") {
                    let before = text.get(..byte).unwrap_or("");
                    let sym = match before.rfind('\\') {
                        Some(i) => text[i + 1..].chars().next(),
                        None => text.get(byte..).and_then(|t| t.chars().next()),
                    };
                    if let Some(c) = sym {
                        return Err(girder_core::Diagnostic::error(
                            "Invalid escape sequence",
                            format!("The symbol \"{c}\" is not a valid escape sequence selector."),
                        )
                        .with_span(file.span(byte..byte)));
                    }
                }
                Err(girder_core::Diagnostic::error("Invalid expression", msg)
                    .with_span(file.span(byte..byte)))
            }
        }
    }
    /// The lowered tree.
    pub fn node(&self) -> &Node {
        &self.node
    }
    /// The span of the whole expression.
    pub fn span(&self) -> Option<SourceSpan> {
        Some(self.file.span(self.node.span.range()))
    }
    /// The span of a byte range within this expression's file.
    pub fn span_of(&self, range: std::ops::Range<usize>) -> SourceSpan {
        self.file.span(range)
    }
    /// The source text of the expression.
    pub fn text(&self) -> &str {
        self.file.text.get(self.node.span.range()).unwrap_or("")
    }
    /// Is this the literal `null`?
    pub fn is_null_literal(&self) -> bool {
        matches!(&self.node.kind, NodeKind::Literal(v) if v.is_null())
    }
    /// The string, if this is a plain string literal without interpolations.
    pub fn as_string_literal(&self) -> Option<&str> {
        match &self.node.kind {
            NodeKind::Literal(v) => v.as_str(),
            _ => None,
        }
    }
    /// The items, if this is a tuple constructor `[a, b]` (for `depends_on`,
    /// `ignore_changes`, ...).
    pub fn tuple_items(&self) -> Option<Vec<Expr>> {
        match &self.node.kind {
            NodeKind::Tuple(items) => Some(
                items
                    .iter()
                    .map(|n| Expr::from_node(n.clone(), self.file.clone()))
                    .collect(),
            ),
            _ => None,
        }
    }
    /// The names of a static traversal (`aws_vpc.main.id` gives `["aws_vpc", "main", "id"]`);
    /// literal indexes (`a[0]`, `a["k"]`) are rendered as `[0]` / `["k"]` elements.
    /// None if the expression is anything else (also for a bare keyword like `null`).
    pub fn static_traversal(&self) -> Option<Vec<String>> {
        crate::eval::refs_impl::static_traversal(&self.node, &self.file.text)
    }
}
