//! The examples of `grammar/expr.ebnf`, checked against the parser and the printer.
//!
//! * every `grammar/valid/*.expr` parses as one statement; its canonical print is snapshotted,
//!   and printing is a fixed point (`parse(print(s)) == s`, `print(parse(print(s))) == print(s)`);
//! * every `grammar/invalid/*.expr` fails to parse; its diagnostic (the human rendering with the
//!   caret, then the JSON) is snapshotted.
//!
//! Each file holds one statement; its final line break, if any, is not part of it.
//! Snapshots are in the top-level `snapshots/` folder (`grammar__valid@NAME.expr.snap`,
//! `grammar__invalid@NAME.expr.snap`).

mod common;

use deltaform::syntax::diagnostic::Diagnostic;
use deltaform::syntax::parse::UNICODE_ALIASES;
use deltaform::{parse_statement, Func, ParseError};
use std::collections::BTreeSet;
use std::path::Path;

/// The statement in an example file: its text less one final line break.
fn read_example(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let text = text.strip_suffix('\n').map_or(text.as_str(), |t| t.strip_suffix('\r').unwrap_or(t));
    text.to_string()
}

fn file_name(path: &Path) -> String {
    path.file_name().expect("a file name").to_string_lossy().into_owned()
}

fn example_files(dir: &str) -> Vec<std::path::PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("grammar").join(dir);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "expr"))
        .collect();
    files.sort();
    files
}

/// Checks that an error's span lies inside `src`, on character boundaries.
fn assert_span_ok(err: &ParseError, src: &str, what: &str) {
    let span = err.span();
    assert!(span.start <= span.end && span.end <= src.len(), "{what}: span {span:?} outside {src:?}");
    assert!(
        src.is_char_boundary(span.start) && src.is_char_boundary(span.end),
        "{what}: span {span:?} not on char boundaries of {src:?}"
    );
}

#[test]
fn valid_examples() {
    common::snapshot_settings().bind(|| {
        insta::glob!("../grammar/valid", "*.expr", |path| {
            let src = read_example(path);
            let name = file_name(path);
            let parsed = parse_statement(&src).unwrap_or_else(|e| panic!("{name}: {src:?} should parse: {e}"));
            let printed = parsed.to_string();
            let reparsed =
                parse_statement(&printed).unwrap_or_else(|e| panic!("{name}: print {printed:?} should parse: {e}"));
            assert_eq!(reparsed, parsed, "{name}: parse(print) differs from the parsed statement");
            assert_eq!(reparsed.to_string(), printed, "{name}: printing is not a fixed point");
            insta::with_settings!({ description => src.as_str(), omit_expression => true }, {
                insta::assert_snapshot!("valid", printed);
            });
        });
    });
}

#[test]
fn invalid_examples() {
    common::snapshot_settings().bind(|| {
        insta::glob!("../grammar/invalid", "*.expr", |path| {
            let src = read_example(path);
            let name = file_name(path);
            let err = match parse_statement(&src) {
                Ok(s) => panic!("{name}: {src:?} should not parse, but gave `{s}`"),
                Err(err) => err,
            };
            assert_span_ok(&err, &src, &name);
            let diagnostic = Diagnostic::new(&err, &name, &src);
            let json = serde_json::to_string_pretty(&diagnostic.to_json()).expect("JSON");
            let report = format!("{}\n{json}", diagnostic.render_text());
            insta::with_settings!({ description => src.as_str(), omit_expression => true }, {
                insta::assert_snapshot!("invalid", report);
            });
        });
    });
}

/// Every kind of parse error has at least one invalid example.
#[test]
fn invalid_examples_cover_every_error_kind() {
    let kinds: BTreeSet<&str> = example_files("invalid")
        .iter()
        .filter_map(|p| parse_statement(&read_example(p)).err())
        .map(|e| e.kind())
        .collect();
    let all: BTreeSet<&str> = [
        "unexpected_end",
        "unexpected_token",
        "unknown_function",
        "wrong_arity",
        "reserved_name",
        "bad_number",
        "too_deep",
    ]
    .into();
    assert_eq!(kinds, all);
}

/// Every valid example holds exactly one statement and no file is empty of examples.
#[test]
fn example_folders_are_populated() {
    assert!(example_files("valid").len() >= 20);
    assert!(example_files("invalid").len() >= 20);
}

/// The grammar lists every built-in function and every Unicode alias the parser knows.
#[test]
fn grammar_names_every_function_and_alias() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("grammar/expr.ebnf");
    let ebnf = std::fs::read_to_string(&path).expect("grammar/expr.ebnf");
    for func in Func::ALL {
        assert!(ebnf.contains(&format!("\"{}\"", func.name())), "grammar lacks function {}", func.name());
    }
    assert!(ebnf.contains("\"ln\"") && ebnf.contains("\"sum\"") && ebnf.contains("\"pi\""));
    for (alias, ascii) in UNICODE_ALIASES {
        let codepoint = format!("U+{:04X}", alias.chars().next().expect("an alias") as u32);
        let line = ebnf
            .lines()
            .find(|l| l.contains(&format!("\"{alias}\"")))
            .unwrap_or_else(|| panic!("grammar lacks alias {alias}"));
        assert!(line.contains(&codepoint) && line.contains(&format!("-> {ascii} ")), "alias line {line:?}");
    }
}

/// The statements the grammar's prose uses as examples parse (or fail) as it says.
#[test]
fn grammar_prose_examples() {
    let same = |a: &str, b: &str| {
        assert_eq!(parse_statement(a).unwrap(), parse_statement(b).unwrap(), "{a} vs {b}");
    };
    same("-x^2", "-(x^2)");
    same("-a*b", "(-a)*b");
    same("a*-b", "a*(-b)");
    same("2^3^2", "2^(3^2)");
    same("2^-1", "2^(-1)");
    same("2^-x^2", "2^(-(x^2))");
    same("a/b*c", "(a/b)*c");
    same("a - b + c", "(a - b) + c");
    same("(x)[i]", "x[i]");
    same("ŷ_1 + η2 + xσ", "yhat_1 + eta2 + xsigmoid");
    for bad in [
        "x[1][2]",
        "pi[1]",
        "sum(i, x)[1]",
        "(x[1])[2]",
        "x (y)",
        "2x",
        "a = b = c",
        ".5",
        "1e10001",
        "10e10000",
        "0.01e-9999",
    ] {
        assert!(parse_statement(bad).is_err(), "{bad} should be an error");
    }
    assert!(parse_statement("1e10000").is_ok());
}
