//! Every LaTeX deltaform prints renders with KaTeX: each catalog derivation (with and without
//! `--steps`, the steps in each `--delta` style, one of them as a `--standalone` document), `simplify`,
//! `equiv`, `parse`, matrix-form `derive --shape`, `derive --at` and `jacobian` of representative inputs, and the worked solutions of `run` (LaTeX and
//! Markdown). The snippets go through the CLI binary to `tests/katex/render.js`, which renders
//! them with the KaTeX pinned in `tests/katex/package-lock.json` (`npm ci --prefix tests/katex`).

mod common;

use common::catalog::{Entry, CATALOG};
use serde_json::json;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const DELTA_STYLES: [&str; 3] = ["iverson", "indicator", "kronecker"];

/// A piece of LaTeX math to render, named for the failure message.
struct Snippet {
    name: String,
    latex: String,
    display: bool,
}

impl Snippet {
    fn display(name: String, latex: &str) -> Snippet {
        Snippet { name, latex: latex.trim().to_string(), display: true }
    }
}

fn katex_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/katex")
}

/// Renders every snippet with KaTeX; panics with each failure's message and snippet.
fn render(snippets: &[Snippet]) {
    let (rendered, report) = katex_report(snippets);
    assert!(rendered, "KaTeX rejected some of deltaform's LaTeX:\n{report}");
    eprint!("{report}");
}

/// Whether KaTeX rendered every snippet, and its report (each failure with its snippet, then
/// the count).
fn katex_report(snippets: &[Snippet]) -> (bool, String) {
    assert!(
        katex_dir().join("node_modules/katex").is_dir(),
        "KaTeX is not installed for the LaTeX check: run `npm ci --prefix tests/katex`"
    );
    let mut node = Command::new("node")
        .arg(katex_dir().join("render.js"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("node runs (the LaTeX check needs Node.js)");
    let mut input = String::new();
    for s in snippets {
        input.push_str(&json!({"name": s.name, "latex": s.latex, "display": s.display}).to_string());
        input.push('\n');
    }
    node.stdin.take().expect("node's stdin").write_all(input.as_bytes()).expect("snippets written");
    let out = node.wait_with_output().expect("node finishes");
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The standard output of a CLI run that succeeds (exit 0; `equiv` may answer 1 or 3).
fn stdout_of(args: &[String]) -> String {
    let out = common::deltaform().args(args).output().expect("deltaform runs");
    let code = out.status.code();
    let answered = code == Some(0) || (args[0] == "equiv" && matches!(code, Some(1 | 3)));
    assert!(answered, "deltaform {args:?} exited with {code:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}

/// `deltaform derive` of a catalog entry, in LaTeX, with `extra` arguments.
fn derive_args(entry: &Entry, extra: &[&str]) -> Vec<String> {
    let mut args = strings(&["derive", &entry.expr, "--wrt", &entry.wrt, "--format", "latex"]);
    for l in &entry.lets {
        args.extend(strings(&["--let", l.as_str()]));
    }
    for a in &entry.assume {
        args.extend(strings(&["--assume", a.as_str()]));
    }
    args.extend(strings(extra));
    args
}

/// The math of a standalone document: each display (`\[ ... \]`, `align*`) and each inline
/// `$...$` of its paragraphs, after checking that it is a whole document.
fn document_math(name: &str, doc: &str) -> Vec<Snippet> {
    for part in ["\\documentclass{article}", "\\usepackage{amsmath}", "\\begin{document}"] {
        assert!(doc.contains(part), "{name}: no {part} in\n{doc}");
    }
    assert!(doc.trim_end().ends_with("\\end{document}"), "{name}: not ended:\n{doc}");
    let body = &doc[doc.find("\\begin{document}").unwrap() + "\\begin{document}".len()..];
    let body = body.trim_end().strip_suffix("\\end{document}").unwrap();
    let mut snippets = vec![];
    for block in body.split("\n\n").map(str::trim).filter(|b| !b.is_empty()) {
        let named = |latex: &str, display: bool| Snippet { name: name.to_string(), latex: latex.to_string(), display };
        if let Some(math) = block.strip_prefix("\\[").and_then(|b| b.strip_suffix("\\]")) {
            snippets.push(named(math.trim(), true));
        } else if block.starts_with("\\begin{align*}") {
            snippets.push(named(block, true));
        } else {
            snippets.extend(block.split('$').skip(1).step_by(2).map(|math| named(math, false)));
        }
    }
    assert!(!snippets.is_empty(), "{name}: no math in\n{doc}");
    snippets
}

/// Each catalog derivation: its result, and its steps in the Iverson and the Kronecker style
/// (the indicator style is in the documents).
#[test]
fn catalog_derivations_render() {
    let mut snippets = vec![];
    for entry in CATALOG.iter() {
        snippets.push(Snippet::display(format!("{} (result)", entry.name), &stdout_of(&derive_args(entry, &[]))));
        for style in ["iverson", "kronecker"] {
            let latex = stdout_of(&derive_args(entry, &["--steps", "--delta", style]));
            snippets.push(Snippet::display(format!("{} (steps, {style})", entry.name), &latex));
        }
    }
    assert_eq!(snippets.len(), 3 * CATALOG.len());
    render(&snippets);
}

/// Each catalog derivation with its steps as a standalone document, in the indicator style.
#[test]
fn catalog_documents_render() {
    let mut snippets = vec![];
    for entry in CATALOG.iter() {
        let doc = stdout_of(&derive_args(entry, &["--steps", "--standalone", "--delta", "indicator"]));
        snippets.extend(document_math(&entry.name, &doc));
    }
    render(&snippets);
}

#[test]
fn simplify_equiv_parse_and_run_render() {
    let commands: Vec<Vec<&str>> = vec![
        vec!["simplify", "exp(x)/(1 + exp(x))", "--steps"],
        vec!["simplify", "exp(x)/(1 + exp(x))"],
        vec!["simplify", "sum(i, delta(i, k)*z[i]) + 0*log(x)", "--steps"],
        vec!["simplify", "x"],
        vec!["simplify", "exp(z[k])/sum(i, exp(z[i]))", "--let", "yhat = softmax(z)", "--steps"],
        vec!["equiv", "sigmoid(x)", "tanh(x/2)/2 + 1/2", "--explain"],
        vec!["equiv", "sigmoid(x)", "tanh(x/2)/2 + 1/2"],
        vec!["equiv", "exp(log(x))", "x", "--explain"],
        vec!["equiv", "yhat[k]", "exp(z[k])/sum(i, exp(z[i]))", "--let", "yhat = softmax(z)", "--explain"],
        vec!["equiv", "step(x)", "(sign(x) + 1)/2"],
        vec!["equiv", "relu(x) + relu(-x)", "abs(x)"],
        vec!["equiv", "log(-x^2 - 1)", "x"],
        vec!["equiv", "p[1] + p[2] + p[3]", "sum(j, p[j])", "--dim", "p=3"],
        vec!["parse", "learning_rate_2 + W1[i, j]*x[j] - delta(i, j + 1)"],
        vec!["parse", "h[j] = sigmoid(sum(i, W1[j, i]*x[i]) + b1[j])"],
        vec!["parse", "[[delta(i, j), 1], [delta(j, i), sqrt(2)/2]]"],
        vec!["parse", "sum(i = 1..len(z), abs(z[i])^(1/3))*1.5e-12"],
        vec!["derive", "1/2*norm2(W*x - y)^2", "--wrt", "W", "--shape", "W: 3x4, x: 4, y: 3", "--steps"],
        vec!["derive", "-y^T*log(softmax(W*x))", "--wrt", "W", "--shape", "W: 3x4, x: 4, y: 3"],
        vec!["derive", "1/2*norm2(W*x - y)^2", "--wrt", "W", "--at", "W=[[1, 2], [3, 4]], x=[1, -1], y=[0, 1/3]"],
        vec!["derive", "sigmoid(x)", "--wrt", "x", "--at", "x=1"],
        vec!["jacobian", "[3*x*y, y - z]", "--wrt", "x, y, z", "--at", "x=1, y=2, z=3"],
        vec![
            "jacobian",
            "F(G)",
            "--wrt",
            "x, y",
            "--let",
            "F(x, y, z) = [3*x*y, y - z]",
            "--let",
            "G(x, y) = [x - 5*y, x*y, x*y - x^2]",
        ],
    ];
    let mut snippets = vec![];
    for command in &commands {
        for style in DELTA_STYLES {
            let mut args = strings(command);
            args.extend(strings(&["--format", "latex", "--delta", style]));
            snippets.push(Snippet::display(format!("{command:?} {style}"), &stdout_of(&args)));
            args.push("--standalone".into());
            snippets.extend(document_math(&format!("{command:?} {style} standalone"), &stdout_of(&args)));
        }
    }
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut exercises: Vec<PathBuf> = std::fs::read_dir(&examples)
        .expect("examples/")
        .map(|f| f.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    exercises.sort();
    assert!(!exercises.is_empty());
    for exercise in &exercises {
        let path = exercise.to_str().expect("a UTF-8 path").to_string();
        let run = |format: &str| stdout_of(&strings(&["run", &path, "--format", format]));
        // The standalone document with each step's numbers plugged into its formulas.
        let document = stdout_of(&strings(&["run", &path, "--format", "latex", "--standalone", "--substitute"]));
        snippets.extend(document_math(&path, &document));
        let markdown = run("markdown");
        snippets
            .extend(markdown.split("$$").skip(1).step_by(2).map(|m| Snippet::display(format!("{path} markdown"), m)));
    }
    render(&snippets);
}

/// The check itself can fail: KaTeX rejects broken LaTeX and what strict mode forbids (and
/// only those), and a document without its end is no document.
#[test]
fn the_check_rejects_broken_latex() {
    let snippets = [
        Snippet::display("unclosed".into(), "\\frac{1}{"),
        Snippet::display("fine".into(), "[i = k] - \\mathbf{1}_{i = k}"),
        Snippet::display("unknown command".into(), "\\mathbbm{1}"),
        // Accepted with a warning outside strict mode.
        Snippet { name: "strict".into(), latex: "x é".into(), display: false },
    ];
    let (rendered, report) = katex_report(&snippets);
    assert!(!rendered, "{report}");
    for name in ["unclosed", "unknown command", "strict"] {
        assert!(report.contains(&format!("FAILED {name}:")), "{name}: {report}");
    }
    assert!(!report.contains("FAILED fine") && report.contains("1 of 4 snippets rendered"), "{report}");
    let cut = std::panic::catch_unwind(|| document_math("cut", "\\documentclass{article}\n\\begin{document}\n\\[x\\]"));
    assert!(cut.is_err());
}
