//! Errors rendered for people (a caret under the offending source, via miette) and for tools
//! (JSON). Every stage's error type implements [`Problem`], so the CLI renders them alike.

use crate::syntax::ast::Span;
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, NamedSource};
use serde_json::json;

/// What a stage's error exposes for rendering.
pub trait Problem: std::fmt::Display {
    /// A stable machine-readable name for the kind of error (`unexpected_token`, ...).
    fn kind(&self) -> &'static str;
    /// Where in the source the problem is, if it is anywhere in particular.
    fn span(&self) -> Option<Span>;
    /// A hint for fixing it.
    fn help(&self) -> Option<String> {
        None
    }
}

impl Problem for crate::syntax::parse::ParseError {
    fn kind(&self) -> &'static str {
        crate::syntax::parse::ParseError::kind(self)
    }
    fn span(&self) -> Option<Span> {
        Some(crate::syntax::parse::ParseError::span(self))
    }
    fn help(&self) -> Option<String> {
        crate::syntax::parse::ParseError::help(self)
    }
}

/// An error ready to be shown: what went wrong, where, in which source text.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    /// The kind of error, as in [`Problem::kind`].
    pub kind: String,
    /// The one-line message.
    pub message: String,
    /// The byte span in `source`, if any.
    pub span: Option<Span>,
    /// A hint for fixing it.
    pub help: Option<String>,
    /// The name of the source (`EXPR`, `--at`, a file name).
    pub source_name: String,
    /// The source text the span points into.
    pub source: String,
}

impl Diagnostic {
    /// Wraps a stage's error with the source it refers to.
    pub fn new(problem: &dyn Problem, source_name: &str, source: &str) -> Diagnostic {
        Diagnostic {
            kind: problem.kind().to_string(),
            message: problem.to_string(),
            span: problem.span().map(|s| clamp(s, source.len())),
            help: problem.help(),
            source_name: source_name.to_string(),
            source: source.to_string(),
        }
    }

    /// An error that points at no source text (a usage error, say).
    pub fn plain(kind: &str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            kind: kind.to_string(),
            message: message.into(),
            span: None,
            help: None,
            source_name: String::new(),
            source: String::new(),
        }
    }

    /// One-based line and column (in characters) of the start of the span.
    pub fn line_column(&self) -> Option<(usize, usize)> {
        let span = self.span.as_ref()?;
        let before = &self.source[..span.start];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |k| k + 1);
        Some((line, before[line_start..].chars().count() + 1))
    }

    /// The human rendering: message, source line with a caret under the span, help. ASCII only.
    pub fn render_text(&self) -> String {
        let Some(span) = self.span.clone() else {
            let mut out = format!("error: {}\n", self.message);
            if let Some(help) = &self.help {
                out.push_str(&format!("help: {help}\n"));
            }
            return out;
        };
        // A zero-width span (the end of the input) gets one column of room for its caret.
        let mut source = self.source.clone();
        let (span, label) = if span.is_empty() {
            if span.start >= source.len() || source[span.start..].starts_with('\n') {
                source.insert(span.start, ' ');
            }
            (span.start..span.start + 1, "here")
        } else {
            (span, "this")
        };
        let mut diagnostic = MietteDiagnostic::new(self.message.clone())
            .with_code(format!("deltaform::{}", self.kind))
            .with_label(LabeledSpan::new_with_span(Some(label.to_string()), span));
        if let Some(help) = &self.help {
            diagnostic = diagnostic.with_help(help.clone());
        }
        let report =
            miette::Report::new(diagnostic).with_source_code(NamedSource::new(self.source_name.clone(), source));
        let mut out = String::new();
        let handler = GraphicalReportHandler::new_themed(GraphicalTheme::none()).with_width(100);
        if handler.render_report(&mut out, report.as_ref()).is_err() {
            out = format!("error: {}\n", self.message);
        }
        out
    }

    /// The tool rendering: `{"error": {"kind", "message", "source", "span", "line", "column", "help"}}`.
    pub fn to_json(&self) -> serde_json::Value {
        let (line, column) = self.line_column().map_or((None, None), |(l, c)| (Some(l), Some(c)));
        json!({
            "error": {
                "kind": self.kind,
                "message": self.message,
                "source": self.source_name,
                "span": self.span.as_ref().map(|s| json!({"start": s.start, "end": s.end})),
                "line": line,
                "column": column,
                "help": self.help,
            }
        })
    }
}

fn clamp(span: Span, len: usize) -> Span {
    span.start.min(len)..span.end.min(len).max(span.start.min(len))
}

impl std::fmt::Display for Diagnostic {
    /// The human rendering, caret and all.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.render_text())
    }
}

impl std::error::Error for Diagnostic {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caret_points_at_the_span() {
        let err = crate::syntax::parse::parse_expr("1 +* 2").unwrap_err();
        let d = Diagnostic::new(&err, "EXPR", "1 +* 2");
        assert_eq!(d.line_column(), Some((1, 4)));
        let text = d.render_text();
        assert!(text.contains("1 +* 2"), "{text}");
        assert!(text.contains('^') || text.contains('|'), "{text}");
        assert_eq!(d.to_json()["error"]["column"], 4);
    }

    #[test]
    fn line_and_column_on_later_lines() {
        let src = "1 +\n  2 +";
        let err = crate::syntax::parse::parse_expr(src).unwrap_err();
        let d = Diagnostic::new(&err, "EXPR", src);
        assert_eq!(d.line_column(), Some((2, 6)));
    }
}
