//! `deltaform run FILE`: runs a backprop exercise and prints its worked solution.

use super::{Failure, Output};
use crate::diagnostic::Diagnostic;
use crate::exercise::{render, run as run_exercise};
use clap::{Args, ValueEnum};
use std::path::PathBuf;

/// Output formats of `deltaform run`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum RunFormat {
    /// A readable trace for the terminal.
    #[default]
    Text,
    /// A worked solution in Markdown (bmatrix matrices in `$$`).
    Markdown,
    /// A worked solution as a standalone LaTeX document.
    Latex,
    /// The JSON contract for tools (full f64 precision).
    Json,
}

/// Arguments of `deltaform run`.
#[derive(Args, Debug)]
pub struct RunArgs {
    /// The exercise file (TOML; see grammar/exercise.md).
    file: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: RunFormat,
    /// Significant digits for numbers that are shown rounded (text, markdown, latex).
    #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(u8).range(1..=17))]
    digits: u8,
}

/// Runs the exercise and renders its trace.
pub fn run(args: &RunArgs) -> Result<Output, Failure> {
    let json = args.format == RunFormat::Json;
    let name = args.file.display().to_string();
    let source = std::fs::read_to_string(&args.file).map_err(|e| Failure {
        diagnostic: Box::new(Diagnostic::plain("unreadable_file", format!("cannot read {name}: {e}"))),
        json,
    })?;
    let trace = run_exercise(&source)
        .map_err(|e| Failure { diagnostic: Box::new(Diagnostic::new(&e, &name, &source)), json })?;
    let digits = args.digits as usize;
    Ok(Output::ok(match args.format {
        RunFormat::Text => render::text(&trace, digits),
        RunFormat::Markdown => render::markdown(&trace, digits),
        RunFormat::Latex => render::latex(&trace, digits),
        RunFormat::Json => format!("{}\n", render::json(&trace)),
    }))
}
