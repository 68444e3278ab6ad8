//! `deltaform run FILE`: runs a backprop exercise and prints its worked solution.

use super::latex_output::DeltaChoice;
use super::{Failure, Output};
use crate::exercise::render::{self, Precision};
use crate::exercise::{run_reporting, Keep};
use crate::syntax::ast::Span;
use crate::syntax::diagnostic::{Diagnostic, Problem};
use clap::{Args, ValueEnum};
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The largest exercise file `run` reads, in bytes (4 MiB): an exercise is a few kilobytes, and
/// a file (or a device such as `/dev/zero`) that goes on past this is refused after reading no
/// more than this.
pub const MAX_FILE_BYTES: u64 = 4 << 20;

/// Output formats of `deltaform run`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum RunFormat {
    /// A readable trace for the terminal.
    #[default]
    Text,
    /// A worked solution in Markdown (bmatrix matrices in `$$`).
    Markdown,
    /// A worked solution in LaTeX (its body; `--standalone` for a complete document).
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
    /// Decimal places instead of significant digits ("to 4 decimal places").
    #[arg(long, conflicts_with = "digits", value_parser = clap::value_parser!(u8).range(0..=17))]
    decimals: Option<u8>,
    /// With `--format latex`: a complete document (preamble and all), not only its body.
    #[arg(long)]
    standalone: bool,
    /// Only the final parameters and the queries, not every step's trace (JSON: `{"final",
    /// "queries"}`).
    #[arg(long, conflicts_with = "substitute")]
    summary: bool,
    /// Each step's formulas with the numbers plugged in, once per quantity (its first entry, of
    /// the step's first sample), as a student writes them (JSON: `substituted` in each step).
    #[arg(long)]
    substitute: bool,
    /// How the formulas of markdown and latex write `delta(i, k)`: the Iverson bracket
    /// `[i = k]`, the indicator `\mathbf{1}_{i = k}` or the Kronecker delta `\delta_{ik}`.
    #[arg(long, value_enum, default_value_t)]
    delta: DeltaChoice,
}

/// Runs the exercise and renders its trace.
pub fn run(args: &RunArgs) -> Result<Output, Failure> {
    let json = args.format == RunFormat::Json;
    let name = args.file.display().to_string();
    let source = read_exercise(&args.file, &name).map_err(|diagnostic| Failure { diagnostic, json })?;
    // A long run shows a progress bar on a terminal (100 steps or more).
    let mut bar: Option<indicatif::ProgressBar> = None;
    let mut progress = |done: usize, total: usize| {
        let bar = bar.get_or_insert_with(|| super::progress_bar(total, 100, "steps"));
        bar.set_position(done as u64);
    };
    let keep = if args.summary { Keep::FinalParameters } else { Keep::EveryStep };
    let traced = run_reporting(&source, keep, &mut progress);
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let trace = traced.map_err(|e| Failure { diagnostic: Box::new(Diagnostic::new(&e, &name, &source)), json })?;
    let precision = match args.decimals {
        Some(places) => Precision::Decimals(places as usize),
        None => Precision::Significant(args.digits as usize),
    };
    let options = render::Options {
        precision,
        style: args.delta.style(),
        standalone: args.standalone,
        summary: args.summary,
        substitute: args.substitute,
    };
    let mut output = Output::ok(match args.format {
        RunFormat::Text => render::text(&trace, &options),
        RunFormat::Markdown => render::markdown(&trace, &options),
        RunFormat::Latex => render::latex(&trace, &options),
        RunFormat::Json => format!("{}\n", render::json(&trace, &options)),
    });
    // A query that does not give what the file expects is a negative answer.
    if render::any_unmet(&trace) {
        output.code = super::EXIT_NEGATIVE;
    }
    Ok(output)
}

/// Reads an exercise file: at most [`MAX_FILE_BYTES`] (through [`Read::take`], so that nothing
/// past them is read), and UTF-8 text.
pub(super) fn read_exercise(path: &Path, name: &str) -> Result<String, Box<Diagnostic>> {
    let unreadable =
        |e: std::io::Error| Box::new(Diagnostic::plain("unreadable_file", format!("cannot read {name}: {e}")));
    let file = File::open(path).map_err(unreadable)?;
    let regular = file.metadata().map_err(unreadable)?.is_file();
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes).map_err(unreadable)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        let what = if regular { "" } else { " (not a regular file)" };
        let mut diagnostic = Diagnostic::plain(
            "file_too_large",
            format!("{name}{what} is larger than {MAX_FILE_BYTES} bytes (4 MiB), the most `run` reads"),
        );
        diagnostic.help = Some("an exercise file is a few kilobytes of TOML; see grammar/exercise.md".into());
        return Err(Box::new(diagnostic));
    }
    String::from_utf8(bytes).map_err(|e| {
        let bytes = e.as_bytes();
        let at = e.utf8_error().valid_up_to();
        let problem = NotUtf8 { at, byte: bytes[at] };
        Box::new(Diagnostic::new(&problem, name, &String::from_utf8_lossy(bytes)))
    })
}

/// A file that is not UTF-8 text: the first byte that is not valid, at byte `at` (which is also
/// where the replacement character is in the file's lossy text).
struct NotUtf8 {
    at: usize,
    byte: u8,
}

impl std::fmt::Display for NotUtf8 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the file is not UTF-8 text: byte {} (0x{:02x}) is not valid UTF-8", self.at, self.byte)
    }
}

impl Problem for NotUtf8 {
    fn kind(&self) -> &'static str {
        "not_utf8"
    }

    fn span(&self) -> Option<Span> {
        Some(self.at..self.at + char::REPLACEMENT_CHARACTER.len_utf8())
    }

    fn help(&self) -> Option<String> {
        Some("save the exercise file as UTF-8".into())
    }
}
