//! Printing the verdicts: compiler-style text with a caret into the document, the JSON tools
//! read, the document annotated in place for handing back, one CSV row per document.

use super::{Claim, Summary, Verdict};
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, NamedSource};
use serde_json::json;
use std::sync::Arc;

/// The verdicts on one document.
#[derive(Clone, Debug)]
pub struct DocumentReport {
    /// The path as given.
    pub path: String,
    /// The document's text.
    pub text: Arc<str>,
    /// Its claims, in document order.
    pub claims: Vec<Claim>,
}

impl DocumentReport {
    /// The counts of its verdicts.
    pub fn summary(&self) -> Summary {
        Summary::of(&self.claims)
    }

    /// Text: each wrong or unchecked claim with a caret under it, then the summary line.
    pub fn render_text(&self) -> String {
        let mut out = String::new();
        let handler = GraphicalReportHandler::new_themed(GraphicalTheme::none()).with_width(100);
        for claim in self.claims.iter().filter(|c| c.verdict != Verdict::Correct) {
            let (label, message) = match claim.verdict {
                Verdict::Wrong => ("wrong", format!("wrong: {}", claim.note.as_deref().unwrap_or("differs"))),
                _ => ("unchecked", format!("unchecked: {}", claim.note.as_deref().unwrap_or("not checked"))),
            };
            let mut diagnostic = MietteDiagnostic::new(message)
                .with_code(format!("deltaform::check::{label}"))
                .with_label(LabeledSpan::new_with_span(Some(label.to_string()), claim.range.clone()));
            if let (Some(expected), Some(got)) = (&claim.expected, &claim.got) {
                diagnostic = diagnostic.with_help(format!("expected {expected}\n   written {got}"));
            }
            let source = NamedSource::new(&self.path, Arc::clone(&self.text));
            let report = miette::Report::new(diagnostic).with_source_code(source);
            if handler.render_report(&mut out, report.as_ref()).is_err() {
                out.push_str(&format!("{}:{}:{}: {label}\n", self.path, claim.line, claim.column));
            }
        }
        out.push_str(&format!("{}: {}\n", self.path, self.summary()));
        out
    }

    /// JSON: `{"path", "claims": [{"line", "column", "text", "verdict", "expected", "got", "note"}], "summary"}`.
    pub fn to_json(&self) -> serde_json::Value {
        json!({ "path": self.path, "claims": self.claims, "summary": self.summary() })
    }

    /// The document with a mark after each judged claim: `✓`, or `✗` with the expected value
    /// and the note; unchecked claims get `?` and the reason. Ready to hand back.
    pub fn render_markdown(&self) -> String {
        let mut marks: Vec<(usize, String)> =
            self.claims.iter().map(|c| (end_of_math(&self.text, c.range.end), mark(c))).collect();
        marks.sort_by_key(|(at, _)| *at);
        let mut out = String::new();
        let mut from = 0;
        for (at, text) in marks {
            out.push_str(&self.text[from..at]);
            out.push(' ');
            out.push_str(&text);
            from = at;
        }
        out.push_str(&self.text[from..]);
        out.push_str(&format!("\n\n---\n**deltaform check:** {}\n", self.summary()));
        out
    }

    /// One CSV row: path, correct, wrong, unchecked.
    pub fn csv_row(&self) -> [String; 4] {
        let s = self.summary();
        [self.path.clone(), s.correct.to_string(), s.wrong.to_string(), s.unchecked.to_string()]
    }
}

/// The mark for a claim in the annotated document.
fn mark(claim: &Claim) -> String {
    match claim.verdict {
        Verdict::Correct => "✓".to_string(),
        Verdict::Wrong => format!(
            "**✗ (line {}: expected {}; {})**",
            claim.line,
            claim.expected.as_deref().unwrap_or("?"),
            claim.note.as_deref().unwrap_or("")
        ),
        Verdict::Unchecked => format!("*? ({})*", claim.note.as_deref().unwrap_or("not checked")),
    }
}

/// The position just after the math that contains `offset`: after its closing `$`, `$$`, `\]`
/// or `\)`, so a mark never lands inside the math.
fn end_of_math(text: &str, offset: usize) -> usize {
    let offset = offset.min(text.len());
    let rest = &text[offset..];
    let dollar = rest.find('$').map(|k| k + if rest[k + 1..].starts_with('$') { 2 } else { 1 });
    let bracket = ["\\]", "\\)"].iter().filter_map(|c| rest.find(c).map(|k| k + 2)).min();
    match (dollar, bracket) {
        (Some(d), Some(b)) => offset + d.min(b),
        (Some(k), None) | (None, Some(k)) => offset + k,
        (None, None) => text.len(),
    }
}
