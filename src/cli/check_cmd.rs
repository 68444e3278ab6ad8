//! `deltaform check`: grade worked solutions, many at once.

use super::run_cmd::read_exercise;
use super::{Failure, Output, EXIT_NEGATIVE, EXIT_OK};
use crate::check::answers::check_answers;
use crate::check::report::DocumentReport;
use crate::check::{check_markdown, CheckOptions, Summary, Tolerance};
use crate::syntax::diagnostic::Diagnostic;
use clap::{Args, ValueEnum};
use rayon::prelude::*;
use serde_json::json;
use std::sync::Arc;

/// The largest document read, in bytes.
const MAX_DOCUMENT: u64 = 16 * 1024 * 1024;

/// How the verdicts are printed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// Compiler-style: each wrong or unchecked claim with a caret, then a summary.
    #[default]
    Text,
    /// JSON for tools (described in grammar/check.md).
    Json,
    /// The document annotated in place.
    Markdown,
}

/// Arguments of `deltaform check`.
#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Worked solutions: Markdown with `$...$`, `$$...$$` or `\[...\]` math, or answers files
    /// (`.toml`: `[[step]]`, `[[query]]`, `[[formula]]` tables; see grammar/check.md).
    #[arg(required = true)]
    solutions: Vec<String>,
    /// How close a written number must be: written (one unit in the last digit written),
    /// abs=X, rel=X or sig=N.
    #[arg(long, default_value = "written", value_parser = parse_tolerance)]
    tol: Tolerance,
    /// The exercise the documents solve (TOML, as `deltaform run` reads it): the values they
    /// name (z^{[1]}, \delta^{[2]}, the gradients, the updated weights) are compared with its run.
    #[arg(long)]
    exercise: Option<std::path::PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: CheckFormat,
    /// Also write one CSV row per document (path, correct, wrong, unchecked) to this file.
    #[arg(long)]
    report: Option<String>,
}

fn parse_tolerance(s: &str) -> Result<Tolerance, String> {
    s.parse()
}

/// Grades every document; exit 1 when a claim is wrong.
pub fn check(args: &CheckArgs) -> Result<Output, Failure> {
    let texts = args.solutions.iter().map(|path| read_document(path)).collect::<Result<Vec<_>, _>>()?;
    let exercise = match &args.exercise {
        Some(path) => Some(Arc::new(run_exercise_file(path)?)),
        None => None,
    };
    let options = CheckOptions { tolerance: args.tol, exercise };
    let progress = super::progress_bar(texts.len(), 2, "documents");
    let reports: Vec<DocumentReport> = args
        .solutions
        .par_iter()
        .zip(texts)
        .map(|(path, text)| {
            let claims = if path.ends_with(".toml") {
                check_answers(&text, path, &options).map_err(|diagnostic| Failure { diagnostic, json: false })?
            } else {
                check_markdown(&text, &options)
            };
            progress.inc(1);
            Ok(DocumentReport { path: path.clone(), text, claims })
        })
        .collect::<Result<_, Failure>>()?;
    progress.finish_and_clear();
    if let Some(path) = &args.report {
        write_csv(path, &reports)?;
    }
    let total = reports.iter().fold(Summary::default(), |sum, r| sum + r.summary());
    let stdout = match args.format {
        CheckFormat::Text => {
            let mut out: String = reports.iter().map(DocumentReport::render_text).collect();
            if reports.len() > 1 {
                out.push_str(&format!("total: {total}\n"));
            }
            out
        }
        CheckFormat::Json => {
            let documents: Vec<_> = reports.iter().map(DocumentReport::to_json).collect();
            format!("{}\n", json!({ "documents": documents, "summary": total }))
        }
        CheckFormat::Markdown => reports.iter().map(DocumentReport::render_markdown).collect::<Vec<_>>().join("\n"),
    };
    let code = if total.wrong > 0 { EXIT_NEGATIVE } else { EXIT_OK };
    Ok(Output { stdout, warnings: vec![], code })
}

/// The run of the exercise file at `path`; its errors point into the file.
fn run_exercise_file(path: &std::path::Path) -> Result<crate::exercise::trace::Trace, Failure> {
    let name = path.display().to_string();
    let source = read_exercise(path, &name).map_err(|diagnostic| Failure { diagnostic, json: false })?;
    crate::exercise::run(&source)
        .map_err(|e| Failure { diagnostic: Box::new(Diagnostic::new(&e, &name, &source)), json: false })
}

/// The text of a document: a clear error for a missing, oversized or binary file.
fn read_document(path: &str) -> Result<Arc<str>, Failure> {
    let fail =
        |kind: &str, message: String| Failure { diagnostic: Box::new(Diagnostic::plain(kind, message)), json: false };
    let size = std::fs::metadata(path).map_err(|e| fail("unreadable", format!("{path}: {e}")))?.len();
    if size > MAX_DOCUMENT {
        return Err(fail(
            "too_large",
            format!("{path}: {size} bytes, more than the {MAX_DOCUMENT} a document may have"),
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| fail("unreadable", format!("{path}: {e}")))?;
    if bytes.contains(&0) {
        return Err(fail("binary", format!("{path}: a binary file, not a text document")));
    }
    String::from_utf8(bytes).map(Arc::from).map_err(|e| fail("not_utf8", format!("{path}: not UTF-8 text ({e})")))
}

fn write_csv(path: &str, reports: &[DocumentReport]) -> Result<(), Failure> {
    let fail = |e: &dyn std::fmt::Display| Failure {
        diagnostic: Box::new(Diagnostic::plain("unwritable", format!("{path}: {e}"))),
        json: false,
    };
    let mut writer = csv::Writer::from_path(path).map_err(|e| fail(&e))?;
    writer.write_record(["path", "correct", "wrong", "unchecked"]).map_err(|e| fail(&e))?;
    for report in reports {
        writer.write_record(report.csv_row()).map_err(|e| fail(&e))?;
    }
    writer.flush().map_err(|e| fail(&e))
}
