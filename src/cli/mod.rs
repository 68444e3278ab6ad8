//! The command-line interface (clap, derive API). The only layer that prints: every command
//! returns an [`Output`] or a [`Diagnostic`], and [`run`] writes them and picks the exit code.

mod at_value;
mod check_cmd;
mod dims;
mod engine_cmds;
mod equiv_cmd;
mod expr_cmds;
mod graph_cmd;
mod jacobian_cmd;
mod latex_output;
mod matrix_cmd;
mod run_cmd;

use crate::syntax::diagnostic::Diagnostic;
use crate::syntax::parse::{Note, NoteCollector};
use clap::{Parser, Subcommand, ValueEnum};
use std::ffi::OsString;

/// Exit code of a successful run.
pub const EXIT_OK: u8 = 0;
/// Exit code of a negative answer (not equivalent, wrong answers found).
pub const EXIT_NEGATIVE: u8 = 1;
/// Exit code of bad input or usage.
pub const EXIT_BAD_INPUT: u8 = 2;
/// Exit code of a question left open (`equiv` found no point where both sides have a value).
pub const EXIT_UNDECIDED: u8 = 3;

#[derive(Parser, Debug)]
#[command(
    name = "deltaform",
    version,
    about = "Symbolic gradients for neural-network math: parse, differentiate, simplify, evaluate exactly.",
    after_help = "Examples:\n  deltaform parse 'sigmoid(-(x + 1))*W[i, j]'\n  deltaform eval 'sum(i, z[i]^2)' --at 'z=[1, 2, 3]'\n\nExit codes: 0 success, 1 a negative answer, 2 bad input or usage, 3 undecided (equiv: no proof, and no point where both sides have a value)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Parse an expression (or a definition `a = b`) and print its canonical form.
    #[command(
        after_help = "Example:\n  deltaform parse '-sum(i, y[i]*log(softmax(z)[i]))'\n  deltaform parse 'σ(x)·(1 − σ(x))' --format latex"
    )]
    Parse(expr_cmds::ParseArgs),
    /// Evaluate an expression, exactly where the math allows.
    #[command(
        after_help = "Example:\n  deltaform eval '1/10 + 0.2'                      # 3/10\n  deltaform eval 'sigmoid(0.2)'                    # 0.549834\n  deltaform eval 'sum(i, z[i]^2)' --at 'z=[1, 2, 3]'  # 14"
    )]
    Eval(expr_cmds::EvalArgs),
    /// Run a backprop exercise file (TOML) and print the worked solution.
    #[command(
        after_help = "Example:\n  deltaform run examples/seed_ex1_sigmoid.toml\n  deltaform run examples/seed_ex1_sigmoid.toml --format markdown\n  deltaform run examples/seed_ex1_sigmoid.toml --format json\n\nThe file format is described in grammar/exercise.md."
    )]
    Run(run_cmd::RunArgs),
    /// Differentiate symbolically and simplify: the delta formula a textbook would print.
    #[command(
        after_help = "Examples:\n  deltaform derive 'sigmoid(x)' --wrt x\n  deltaform derive '-sum(i, y[i]*log(softmax(z)[i]))' --wrt 'z[k]' --let 'yhat = softmax(z)' --assume 'sum(i, y[i]) = 1' --steps\n\nThe last line of text output is the result, in the input language."
    )]
    Derive(engine_cmds::DeriveArgs),
    /// The Jacobian matrix of a vector function; for a composition F(G), the chain rule both ways.
    #[command(
        after_help = "Examples:\n  deltaform jacobian '[3*x*y, y - z]' --wrt 'x, y, z'\n  deltaform jacobian 'F(G)' --wrt 'x, y' --let 'F(x, y, z) = [3*x*y, y - z]' --let 'G(x, y) = [x - 5*y, x*y, x*y - x^2]'\n  deltaform jacobian '[x^2*y, sin(y)]' --wrt 'x, y' --at 'x=1, y=0'\n\nThe last line of text output is the Jacobian, in the input language."
    )]
    Jacobian(jacobian_cmd::JacobianArgs),
    /// The computation graph of a loss over scalar definitions: local gradients, adjoints, values, zero gradients.
    #[command(
        after_help = "Examples:\n  deltaform graph '1/2*(y - t)^2' --let 'z = w*x + b' --let 'y = sigmoid(z)' --at 'w=1, x=2, b=-1, t=1'\n  deltaform graph '1/2*(y - t)^2' --let 'z1 = w1*x1' --let 'h1 = relu(z1)' --let 'z = w2*h1 + w3*x2' --let 'y = relu(z)' --given 'z1 < 0'\n  deltaform graph ... --format dot | dot -Tsvg > graph.svg"
    )]
    Graph(graph_cmd::GraphArgs),
    /// Simplify an expression in the e-graph.
    #[command(after_help = "Example:\n  deltaform simplify 'exp(x)/(1 + exp(x))'   # sigmoid(x)")]
    Simplify(engine_cmds::SimplifyArgs),
    /// Decide whether two expressions are equal: by proof, else numerically (exit 1 if not).
    #[command(
        after_help = "Examples:\n  deltaform equiv 'sigmoid(x)' 'tanh(x/2)/2 + 1/2' --explain\n  deltaform equiv 'exp(log(x))' 'x'   # equal only where log(x) is defined\n  deltaform equiv 'yhat[k]' 'exp(z[k])/sum(i, exp(z[i]))' --let 'yhat = softmax(z)'\n  deltaform equiv 'p[1] + p[2] + p[3]' 'sum(j, p[j])' --dim p=3\n\nExit codes: 0 equal, 1 not equal (with a counterexample), 2 bad input or usage, 3 undecided (not proved, and no point where both sides have a value)."
    )]
    Equiv(equiv_cmd::EquivArgs),
    /// Check a worked solution: every claim of a Markdown + LaTeX document judged (exit 1 if one is wrong).
    #[command(
        after_help = "Examples:\n  deltaform check solution.md\n  deltaform check a.md b.md --format json --report grades.csv\n  deltaform check solution.md --format markdown > annotated.md\n\nExit codes: 0 nothing wrong, 1 a claim is wrong, 2 bad input or usage."
    )]
    Check(check_cmd::CheckArgs),
}

/// Output formats for commands that print expressions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum ExprFormat {
    /// The input language (re-parseable).
    #[default]
    Text,
    /// LaTeX.
    Latex,
    /// JSON for tools.
    Json,
}

/// What a command produced: the text for standard output, warnings for standard error, and
/// the exit code.
#[derive(Debug)]
pub struct Output {
    /// Everything for standard output.
    pub stdout: String,
    /// Warnings, one per line, for standard error.
    pub warnings: Vec<String>,
    /// The exit code.
    pub code: u8,
}

impl Output {
    /// A successful output.
    pub fn ok(stdout: String) -> Output {
        Output { stdout, warnings: vec![], code: EXIT_OK }
    }

    /// The output with `warnings` for standard error.
    pub fn with_warnings(self, warnings: Vec<String>) -> Output {
        Output { warnings, ..self }
    }
}

/// A failed command: the diagnostic and whether to render it as JSON.
#[derive(Debug)]
pub struct Failure {
    /// What went wrong.
    pub diagnostic: Box<Diagnostic>,
    /// Render as JSON on standard output (for `--format json`).
    pub json: bool,
}

impl Failure {
    /// A failure rendered in the given format.
    pub fn new(diagnostic: Diagnostic, format: ExprFormat) -> Failure {
        Failure { diagnostic: Box::new(diagnostic), json: format == ExprFormat::Json }
    }
}

/// What one command line gave, before anything is printed: the command's output, or the
/// failure (with its exit code), or clap's own text (help, version, a usage error).
#[derive(Debug)]
pub enum Invocation {
    /// The command ran; the parser's notes come first among the warnings.
    Done(Output),
    /// The command refused its input; the parser's notes beside it.
    Failed(Failure, Vec<String>),
    /// Help, the version, or a usage error, as clap gives them.
    Usage(clap::Error),
}

/// Runs the CLI on `args` (the first being the program name) without printing: the library
/// form of the `deltaform` command, used by [`run`] and by the Python bindings.
pub fn invoke<I: IntoIterator<Item = T>, T: Into<OsString> + Clone>(args: I) -> Invocation {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(err) => return Invocation::Usage(err),
    };
    let notes = NoteCollector::start();
    let result = match cli.command {
        Command::Parse(args) => expr_cmds::parse(&args),
        Command::Eval(args) => expr_cmds::eval(&args),
        Command::Derive(args) => engine_cmds::derive_cmd(&args),
        Command::Simplify(args) => engine_cmds::simplify_cmd(&args),
        Command::Jacobian(args) => jacobian_cmd::jacobian_cmd(&args),
        Command::Graph(args) => graph_cmd::graph_cmd(&args),
        Command::Equiv(args) => equiv_cmd::equiv_cmd(&args),
        Command::Run(args) => run_cmd::run(&args),
        Command::Check(args) => check_cmd::check(&args),
    };
    let notes: Vec<String> = notes.finish().iter().map(note_line).collect();
    match result {
        Ok(output) => Invocation::Done(Output { warnings: [notes, output.warnings].concat(), ..output }),
        Err(failure) => Invocation::Failed(failure, notes),
    }
}

/// Runs the CLI on `args` (the first being the program name), printing the results, and
/// returns the exit code.
pub fn run<I: IntoIterator<Item = T>, T: Into<OsString> + Clone>(args: I) -> u8 {
    match invoke(args) {
        Invocation::Usage(err) => {
            let _ = err.print();
            if err.use_stderr() {
                EXIT_BAD_INPUT
            } else {
                EXIT_OK
            }
        }
        Invocation::Done(output) => {
            for warning in &output.warnings {
                eprintln!("{warning}");
            }
            // A closed pipe (`deltaform run FILE | head -1`) is not an error of ours.
            let _ = std::io::Write::write_all(&mut std::io::stdout(), output.stdout.as_bytes());
            output.code
        }
        Invocation::Failed(failure, notes) => {
            for note in notes {
                eprintln!("{note}");
            }
            if failure.json {
                let _ = std::io::Write::write_all(
                    &mut std::io::stdout(),
                    format!("{}\n", failure.diagnostic.to_json()).as_bytes(),
                );
            } else {
                eprint!("{}", failure.diagnostic.render_text());
            }
            EXIT_BAD_INPUT
        }
    }
}

/// A parser note as one line for standard error, naming the input it is about.
fn note_line(note: &Note) -> String {
    let source: Vec<&str> = note.source.split_whitespace().collect();
    format!("note: {} in `{}`", note.message, source.join(" "))
}

/// A progress bar on standard error for `total` things, when it is a terminal and there are at
/// least `least` of them (hidden otherwise, so pipes and tests see nothing).
pub(crate) fn progress_bar(total: usize, least: usize, things: &str) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if total < least || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(total as u64);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template(&format!("{{bar:40}} {{pos}}/{{len}} {things} ({{eta}} left)"))
    {
        bar.set_style(style);
    }
    bar
}

#[cfg(test)]
mod tests {
    #[test]
    fn progress_bars_stay_off_pipes_and_short_runs() {
        // Under the test harness standard error is not a terminal.
        assert!(super::progress_bar(100_000, 100, "steps").is_hidden());
        assert!(super::progress_bar(3, 100, "steps").is_hidden());
    }
}
