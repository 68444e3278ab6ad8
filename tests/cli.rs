//! End-to-end tests of the `deltaform` command: every command, every error class, exit codes.

mod common;

use common::deltaform;
use predicates::prelude::*;

/// The last non-empty line of standard output.
fn last_line(args: &[&str]) -> String {
    let out = deltaform().args(args).output().expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    stdout.lines().rfind(|l| !l.trim().is_empty()).unwrap_or("").to_string()
}

#[test]
fn eval_is_exact_where_the_math_allows() {
    let table: &[(&[&str], &str)] = &[
        (&["eval", "1/10 + 0.2"], "3/10"),
        (&["eval", "relu(-3) + max(2, 1/3)^2"], "4"),
        (&["eval", "sigmoid(0.2)"], "0.549834"),
        (&["eval", "sigmoid(0.2)", "--digits", "3"], "0.55"),
        (&["eval", "sum(i, z[i]^2)", "--at", "z=[1, 2, 3]"], "14"),
        (&["eval", "-x^2", "--at", "x=3"], "-9"),
        (&["eval", "2^3^2"], "512"),
        (&["eval", "W[2, 1]*x", "--at", "W=[[1, 2], [3, 4]]", "--at", "x=1/2"], "3/2"),
        (&["eval", "softmax(z)[k]", "--at", "z=[2, 2, 2, 2], k=3"], "1/4"),
        (&["eval", "z*2", "--at", "z=[1, 2]"], "[2, 4]"),
        (&["eval", "pi"], "3.14159"),
        (&["eval", "σ(0) · 2 − 1"], "0"),
        (&["eval", "sign(-(0*exp(1)))"], "0"),
    ];
    for (args, want) in table {
        assert_eq!(last_line(args), *want, "{args:?}");
    }
}

#[test]
fn eval_json_is_structured() {
    let out = deltaform().args(["eval", "softmax(z)", "--at", "z=[1, 1]", "--format", "json"]).output().unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["value"], "[1/2, 1/2]");
    assert_eq!(v["exact"], true);
    assert_eq!(v["numbers"][1], 0.5);
}

#[test]
fn parse_prints_a_fixed_point() {
    for src in
        ["a - (b - c)", "-x^2", "(-x)^2", "a/(b*c)", "sum(i, y[i]*log(softmax(z)[i]))", "sigmoid(-(x + 1))*W[i, j]"]
    {
        let once = last_line(&["parse", src]);
        assert!(!once.is_empty(), "{src}");
        assert_eq!(last_line(&["parse", &once]), once, "{src}");
    }
    assert_eq!(last_line(&["parse", "yhat = softmax(z)"]), "yhat = softmax(z)");
    assert_eq!(last_line(&["parse", "σ(x)", "--format", "latex"]), "\\sigma(x)");
}

/// The note `deltaform` prints on standard error for an input that spells `^` as `**`.
fn starred_note(src: &str) -> String {
    format!("note: `**` read as `^` in `{src}`\n")
}

#[test]
fn double_star_reads_as_power_with_one_note_per_input() {
    deltaform()
        .args(["parse", "x**2 + y ** -1"])
        .assert()
        .success()
        .stdout("x^2 + y^-1\n")
        .stderr(starred_note("x**2 + y ** -1"));
    deltaform().args(["parse", "x^2 + y^-1"]).assert().success().stderr("");
    let json = deltaform().args(["parse", "x**2", "--format", "json"]).output().expect("runs");
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON on standard output");
    assert_eq!(
        (v["canonical"].as_str(), String::from_utf8_lossy(&json.stderr)),
        (Some("x^2"), starred_note("x**2").into())
    );
    deltaform()
        .args(["eval", "2**x", "--at", "x=3**2"])
        .assert()
        .success()
        .stdout("512\n")
        .stderr(starred_note("3**2") + &starred_note("2**x"));
    deltaform()
        .args(["derive", "h**2", "--wrt", "x", "--let", "h = x**3"])
        .assert()
        .success()
        .stderr(predicate::str::contains(starred_note("h**2")).and(predicate::str::contains(starred_note("h = x**3"))))
        .stderr(predicate::function(|err: &str| err.lines().count() == 2));
    deltaform().args(["equiv", "x**2", "x^2"]).assert().success().stderr(starred_note("x**2"));
}

#[test]
fn double_star_in_an_exercise_file_is_noted() {
    let base = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/seed_ex1_sigmoid.toml"))
        .expect("the example");
    assert!(base.contains("loss = \"squared_error\""));
    let starred = base.replace("loss = \"squared_error\"", "loss = \"1/2*(yhat[i] - y[i])**2\"");
    let path = std::env::temp_dir().join(format!("deltaform-starred-{}.toml", std::process::id()));
    std::fs::write(&path, starred).expect("a temporary file");
    let out = deltaform().arg("run").arg(&path).output().expect("runs");
    let _ = std::fs::remove_file(&path);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stderr), starred_note("1/2*(yhat[i] - y[i])**2"));
}

#[test]
fn parse_errors_exit_2_with_a_caret() {
    for (src, kind) in [
        ("exp(1 +", "unexpected end"),
        ("foo(1)", "unknown function `foo`"),
        ("1 +* 2", "unexpected `*`"),
        ("max(1)", "takes 2 arguments"),
        ("exp + 1", "is a function"),
        ("1.5.2", "malformed number"),
        ("(1 + 2", "expected `)`"),
    ] {
        deltaform()
            .args(["eval", src])
            .assert()
            .code(2)
            .stdout(predicate::str::is_empty())
            .stderr(predicate::str::contains(kind).and(predicate::str::contains(src)));
    }
}

#[test]
fn eval_errors_exit_2_naming_the_problem() {
    for (src, at, message) in [
        ("1/0", "", "division by zero"),
        ("log(x)", "x=0", "log of a non-positive number"),
        ("sqrt(x)", "x=-1", "sqrt of a negative number"),
        ("x + 1", "", "`x` has no value"),
        ("z[4]", "z=[1, 2, 3]", "index 4 is out of range"),
        ("z[0]", "z=[1, 2, 3]", "positive integer"),
        ("z + W", "z=[1, 2], W=[[1]]", "do not fit"),
        ("sum(i, 1)", "", "cannot tell how far"),
        ("exp(1000)", "", "too large"),
        ("x", "x=[1, 2", "unclosed `[`"),
        ("x", "x 1", "expected `name = value`"),
    ] {
        deltaform().args(["eval", src, "--at", at]).assert().code(2).stderr(predicate::str::contains(message));
    }
}

#[test]
fn errors_as_json_for_tools() {
    let out = deltaform().args(["eval", "1 +* 2", "--format", "json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["error"]["kind"], "unexpected_token");
    assert_eq!(v["error"]["line"], 1);
    assert_eq!(v["error"]["column"], 4);
    assert_eq!(v["error"]["span"]["start"], 3);
}

#[test]
fn usage_errors_exit_2_and_help_shows_examples() {
    deltaform().assert().code(2);
    deltaform().args(["frobnicate"]).assert().code(2);
    deltaform().args(["eval", "1", "--digits", "0"]).assert().code(2);
    deltaform().args(["--help"]).assert().code(0).stdout(predicate::str::contains("Examples:"));
    for command in ["parse", "eval"] {
        deltaform().args([command, "--help"]).assert().code(0).stdout(predicate::str::contains("Example:"));
    }
}

#[test]
fn help_lists_every_exit_code_and_the_new_options() {
    deltaform().args(["--help"]).assert().success().stdout(predicate::str::contains(
        "Exit codes: 0 success, 1 a negative answer, 2 bad input or usage, 3 undecided",
    ));
    deltaform().args(["eval", "--help"]).assert().success().stdout(predicate::str::contains("--let <LETS>"));
    deltaform()
        .args(["equiv", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("--let <LETS>").and(predicate::str::contains("--dim <DIMS>")));
}

#[test]
fn parse_json_gives_the_syntax_tree_and_the_names_used_as_arrays() {
    let out = deltaform()
        .args(["parse", "h[j] = sigmoid(sum(i, W[j, i]*x[i])) + c", "--format", "json"])
        .output()
        .expect("runs");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on standard output");
    assert_eq!(v["arrays"], serde_json::json!(["h", "W", "x"]));
    let rhs = &v["tree"]["="][1]["+"];
    assert_eq!(rhs[1], serde_json::json!({"var": "c"}));
    assert_eq!(rhs[0]["call"][0], "sigmoid");
    assert_eq!(rhs[0]["call"][1]["sum"][0], "i");
    assert_eq!(rhs[0]["call"][1]["sum"][2]["*"][0]["index"][0], serde_json::json!({"var": "W"}));
}
