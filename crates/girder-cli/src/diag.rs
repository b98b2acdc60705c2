//! Diagnostics rendered with miette: summary, source snippet with file:line:col, detail and
//! help. Colour unless `-no-color` or `NO_COLOR`.

use girder_core::{Diagnostic, Severity};
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource};
use std::collections::HashMap;
use std::fmt;

/// A command failure: the diagnostics to print (exit code 1).
#[derive(Debug)]
pub struct Fail(pub Vec<Diagnostic>);

impl Fail {
    /// One error with a detail and no help.
    pub fn new(summary: impl Into<String>, detail: impl Into<String>) -> Fail {
        Fail(vec![Diagnostic::error(summary, detail)])
    }
    /// One error with a help line.
    pub fn help(summary: impl Into<String>, detail: impl Into<String>, help: &str) -> Fail {
        Fail(vec![Diagnostic::error(summary, detail).with_help(help)])
    }
}

impl From<Diagnostic> for Fail {
    fn from(d: Diagnostic) -> Fail {
        Fail(vec![d])
    }
}

impl From<girder_core::Diagnostics> for Fail {
    fn from(d: girder_core::Diagnostics) -> Fail {
        Fail(d.0)
    }
}

/// The result of a command: its exit code, or diagnostics.
pub type CmdResult = Result<i32, Fail>;

#[derive(Debug)]
struct Detail(String);

impl fmt::Display for Detail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Detail {}

#[derive(Debug)]
struct Report {
    summary: String,
    detail: Option<Detail>,
    help: Option<String>,
    severity: miette::Severity,
    source: Option<NamedSource<String>>,
    labels: Vec<LabeledSpan>,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.summary)
    }
}

impl std::error::Error for Report {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.detail
            .as_ref()
            .map(|d| d as &(dyn std::error::Error + 'static))
    }
}

impl miette::Diagnostic for Report {
    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display + 'a>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            None
        } else {
            Some(Box::new(self.labels.iter().cloned()))
        }
    }
}

/// Renders diagnostics to text. Source files named by spans are read from disk (relative to
/// the working directory) once each.
pub struct Renderer {
    color: bool,
    sources: HashMap<String, Option<String>>,
}

impl Renderer {
    /// A renderer; `color` false for `-no-color` / `NO_COLOR`.
    pub fn new(color: bool) -> Renderer {
        Renderer {
            color,
            sources: HashMap::new(),
        }
    }

    /// Registers the text of a source that is not a file.
    pub fn add_source(&mut self, name: &str, text: &str) {
        self.sources
            .insert(name.to_string(), Some(text.to_string()));
    }

    fn source(&mut self, file: &str) -> Option<String> {
        self.sources
            .entry(file.to_string())
            .or_insert_with(|| std::fs::read_to_string(file).ok())
            .clone()
    }

    /// One diagnostic as text (ends with a newline).
    pub fn render(&mut self, d: &Diagnostic) -> String {
        let mut source = None;
        let mut labels = Vec::new();
        let mut add = |this: &mut Renderer,
                       span: &girder_core::SourceSpan,
                       label: Option<String>,
                       source: &mut Option<NamedSource<String>>| {
            let Some(text) = this.source(&span.filename) else {
                return;
            };
            if source.is_none() {
                *source = Some(NamedSource::new(&span.filename, text.clone()));
            }
            let start = span.start.byte.min(text.len());
            let end = span.end.byte.clamp(start, text.len());
            labels.push(LabeledSpan::new(label, start, end - start));
        };
        if let Some(span) = &d.span {
            add(self, span, Some("here".to_string()), &mut source);
        }
        for (label, span) in &d.related {
            if d.span
                .as_ref()
                .is_some_and(|s| *s.filename == *span.filename)
            {
                add(self, span, Some(label.clone()), &mut source);
            }
        }
        // A span whose file cannot be read still names its location.
        let mut detail = d.detail.clone();
        if source.is_none() {
            if let Some(span) = &d.span {
                detail = if detail.is_empty() {
                    format!("at {span}")
                } else {
                    format!("{detail}\n(at {span})")
                };
            }
        }
        let report = Report {
            summary: d.summary.clone(),
            detail: (!detail.is_empty()).then_some(Detail(detail)),
            help: d.help.clone(),
            severity: match d.severity {
                Severity::Error => miette::Severity::Error,
                Severity::Warning => miette::Severity::Warning,
            },
            source,
            labels,
        };
        let theme = if self.color {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        let handler = GraphicalReportHandler::new_themed(theme).with_width(100);
        let mut out = String::new();
        if handler.render_report(&mut out, &report).is_err() {
            out = format!("{d}\n");
        }
        if !out.ends_with('\n') {
            out.push('\n');
        }
        out
    }
}
