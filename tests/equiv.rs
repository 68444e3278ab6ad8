//! `deltaform equiv` when no proof is found: the numeric comparison refutes differences that
//! are tiny, or confined to a breakpoint, or hidden by all-positive samples; its counterexamples
//! hold up when evaluated; its "equal" says how strong the evidence is; and assumptions that
//! cannot hold together are an error.

mod common;

use predicates::prelude::PredicateBooleanExt;
use predicates::str::contains;

/// Runs `equiv A B` with extra arguments, expecting exit code `code`; its standard output.
fn equiv(a: &str, b: &str, extra: &[&str], code: i32) -> String {
    let out = common::deltaform().args(["equiv", a, b]).args(extra).assert().code(code).get_output().stdout.clone();
    String::from_utf8(out).expect("UTF-8 output")
}

/// The value of `e` at the bindings `at`, with every digit.
fn eval_at(e: &str, at: &str) -> String {
    let out = common::deltaform()
        .args(["eval", e, "--at", at, "--digits", "17"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out).expect("UTF-8 output")
}

#[test]
fn differences_the_old_tolerance_hid_are_found_and_hold_up() {
    let pairs = [
        ("x", "x + 1e-12"),
        ("1e-10*x", "-1e-10*x"),
        ("sigmoid(x - 30)", "0"),
        ("x", "x + step(x - 2)"),
        ("step(x)", "(sign(x)+1)/2"),
        ("exp(x)", "exp(x)*(1 + 1e-10)"),
        ("x^2", "x^2 + 1e-300"),
    ];
    for (a, b) in pairs {
        let out = equiv(a, b, &[], 1);
        let point = out
            .strip_prefix("not equal: at ")
            .and_then(|rest| rest.lines().next())
            .unwrap_or_else(|| panic!("{a} vs {b}: {out}"));
        // The counterexample reads back exactly and the two sides really differ there.
        assert_ne!(eval_at(a, point), eval_at(b, point), "{a} vs {b} at {point}");
    }
}

#[test]
fn a_difference_at_one_point_is_found_at_that_point() {
    assert_eq!(equiv("step(x)", "(sign(x)+1)/2", &[], 1), "not equal: at x = 0\n  A = 0\n  B = 0.5\n");
    let out = equiv("relu(x - 1/3)", "max(x - 1/3, 0) + step(x - 1/3)*(1 - step(x - 1/3 - 1e-9))", &[], 1);
    assert!(out.starts_with("not equal: at x = "), "{out}");
}

#[test]
fn numeric_equality_says_how_strong_the_evidence_is() {
    let out = equiv("relu(x) + relu(-x)", "abs(x)", &[], 0);
    let re = regex_lite(
        &out,
        "equal: numerically (not proved): # points agree, all exactly, including # at or beside breakpoints\n",
    );
    assert!(re, "{out}");
    let out = equiv("sinh(x)", "(exp(x) - exp(-x))/2", &[], 0);
    let re = regex_lite(
        &out,
        "equal: numerically (not proved): # points agree, # of them exactly; largest relative difference #\n",
    );
    assert!(re, "{out}");
    let json: serde_json::Value =
        serde_json::from_str(&equiv("abs(x)", "sqrt(x^2)", &["--format", "json"], 0)).unwrap();
    assert_eq!((&json["equal"], &json["how"]), (&true.into(), &"numeric".into()));
    let evidence = &json["evidence"];
    assert!(json["points"].as_u64().is_some_and(|n| n >= 400) && json["points"] == evidence["points"]);
    assert_eq!(evidence["exact"], evidence["points"]);
    assert!(evidence["breakpoints"].as_u64().is_some_and(|n| n > 0));
    assert_eq!((&evidence["unreliable"], &evidence["max_relative_difference"]), (&0.into(), &0.0.into()));
    assert!(json["caveat"].is_null());
}

/// Whether `text` matches `pattern`, where each `#` stands for a number.
fn regex_lite(text: &str, pattern: &str) -> bool {
    let mut rest = text;
    for (k, part) in pattern.split('#').enumerate() {
        if k > 0 {
            let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-')).unwrap_or(rest.len());
            if end == 0 {
                return false;
            }
            rest = &rest[end..];
        }
        let Some(after) = rest.strip_prefix(part) else { return false };
        rest = after;
    }
    rest.is_empty()
}

#[test]
fn assumptions_leave_the_signs_mixed() {
    // Equal for vectors of positive entries only: the sum assumption must not force them positive.
    let out = equiv("sum(i, y[i]^2)", "sum(i, abs(y[i])*y[i])", &["--assume", "sum(i, y[i]) = 1"], 1);
    assert!(out.contains('-'), "{out}");
    equiv("sum(i, y[i]*log(softmax(z)[i]))", "sum(i, y[i]*z[i]) - logsumexp(z)", &["--assume", "sum(i, y[i]) = 1"], 0);
    equiv("sum(i, y[i]*log(softmax(z)[i]))", "sum(i, y[i]*z[i]) - logsumexp(z)", &[], 1);
}

#[test]
fn assumptions_that_cannot_hold_together_are_an_error() {
    common::deltaform()
        .args(["equiv", "x", "1", "--assume", "x = 1", "--assume", "x = 2"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(contains("contradicts the others").and(contains("1 | x = 1")));
    let out =
        equiv("y[1]", "1", &["--assume", "sum(i, y[i]) = 1", "--assume", "sum(i, y[i]) = 2", "--format", "json"], 2);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["error"]["kind"], "contradictory_assumptions");
    assert_eq!(json["error"]["source"], "--assume");
    common::deltaform()
        .args(["equiv", "x", "1", "--assume", "exp(x) = -1"])
        .assert()
        .code(2)
        .stderr(contains("cannot be made true").and(contains("exp(x) = -1")));
}

/// Runs `equiv A B` with extra arguments, expecting exit code 2; its standard error.
fn equiv_error(a: &str, b: &str, extra: &[&str]) -> String {
    let out =
        common::deltaform().args(["equiv", a, b]).args(extra).assert().code(2).stdout("").get_output().stderr.clone();
    String::from_utf8(out).expect("UTF-8 output")
}

#[test]
fn definitions_are_substituted_on_both_sides() {
    let softmax = ["--let", "yhat = softmax(z)"];
    equiv("yhat[k]", "exp(z[k])/sum(i, exp(z[i]))", &softmax, 0);
    let out = equiv("yhat[k]", "exp(z[k])", &softmax, 1);
    assert!(out.starts_with("not equal: at k = ") && !out.contains("yhat"), "{out}");
    // Without the definition, yhat is an input like any other.
    equiv("yhat[k]", "exp(z[k])/sum(i, exp(z[i]))", &[], 1);
    // The proof starts by writing the definitions out, and ends by folding them back.
    let out =
        equiv("yhat*(1 - yhat)", "g", &["--let", "yhat = sigmoid(x)", "--let", "g = sigmoid(-x)*yhat", "--explain"], 0);
    let (head, chain) = out.split_once('\n').unwrap();
    assert!(regex_lite(head, "equal: proved by rewriting (# steps)"), "{out}");
    assert!(chain.starts_with("  yhat*(1 - yhat)\n= sigmoid(x)*(1 - sigmoid(x))    (definitions)\n"), "{out}");
    assert!(out.ends_with("= g    (definitions)\n"), "{out}");
    // Component definitions, definitions in assumptions, and the order of definitions.
    let h = ["--let", "h[j] = sigmoid(p[j])", "--dim", "p=2"];
    equiv("h[1] + h[2]", "sum(j, h[j])", &h, 0);
    equiv("h[1] + h[2]", "sum(j, 2*h[j])", &h, 1);
    equiv("softmax(h)[1]", "1/(1 + exp(h[2] - h[1]))", &h, 0);
    let assumed = ["--let", "s = sum(i, y[i])", "--assume", "s = 1"];
    equiv("sum(i, y[i]*log(softmax(z)[i]))", "sum(i, y[i]*z[i]) - logsumexp(z)", &assumed, 0);
    equiv("2*q", "p + p", &["--let", "q = p", "--let", "p = x^2"], 0);
}

#[test]
fn unused_and_misused_definitions_are_reported() {
    common::deltaform()
        .args(["equiv", "x", "x", "--let", "xx = 1"])
        .assert()
        .success()
        .stderr(contains("warning: the definition of `xx` is never used"));
    let err = equiv_error("h[1, 2]", "x", &["--let", "h[j] = z[j]"]);
    assert!(err.contains("`h` is defined with 1 index but used with 2") && err.contains("1 | h[1, 2]"), "{err}");
    let err = equiv_error("x", "x", &["--let", "x + 1 = 2"]);
    assert!(err.contains("the left-hand side must be a name") && err.contains("--let"), "{err}");
    let err = equiv_error("a", "1", &["--let", "a = a + 1"]);
    assert!(err.contains("refers to itself"), "{err}");
}

#[test]
fn fixed_lengths_decide_sums_written_out() {
    let (unrolled, sum) = ("p[1] + p[2] + p[3]", "sum(j, p[j])");
    assert!(equiv(unrolled, sum, &[], 1).starts_with("not equal: at p = ["));
    let out = equiv(unrolled, sum, &["--dim", "p=3"], 0);
    assert!(
        regex_lite(&out, "equal: numerically (not proved), with p of length 3: # points agree, all exactly\n"),
        "{out}"
    );
    // Another length: a counterexample with that many entries, which reads back.
    let out = equiv(unrolled, sum, &["--dim", "p=4"], 1);
    let point = out.strip_prefix("not equal: at ").and_then(|r| r.lines().next()).unwrap();
    assert_eq!(point.matches(',').count(), 3, "{out}");
    assert_ne!(eval_at(unrolled, point), eval_at(sum, point));
    // Several at once, comma-separated or repeated; other vectors keep their lengths 1 to 8.
    let two = "sum(i, p[i]) + sum(i, q[i])";
    let written = "p[1] + p[2] + p[3] + q[1] + q[2]";
    equiv(two, written, &["--dim", "p=3, q=2"], 0);
    equiv(two, written, &["--dim", "p=3", "--dim", " q = 2 "], 0);
    let out = equiv(two, written, &["--dim", "p=3", "--format", "json"], 1);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!((&json["equal"], &json["lengths"]), (&false.into(), &serde_json::json!({"p": 3})));
    // A proof holds at every length.
    assert_eq!(
        equiv("sum(j, p[j]) - sum(j, p[j])", "0", &["--dim", "p=3"], 0),
        "equal: proved by rewriting (1 step)\n"
    );
}

#[test]
fn bad_fixed_lengths_are_errors_with_a_caret() {
    let cases = [
        ("p=0", "the length must be a positive whole number, found `0`", "1 | p=0"),
        ("p=-2", "found `-2`", "p=-2"),
        ("p=2.5", "found `2.5`", "p=2.5"),
        ("p=3, q", "expected `name=length`", "p=3, q"),
        ("2=3", "`2` is not a name", "2=3"),
        ("x=3", "`x` is used as a scalar, not as a vector", "x=3"),
        ("W=3", "`W` is used as a matrix, not as a vector", "W=3"),
        ("k=3", "`k` is used as an index, not as a vector", "k=3"),
        ("r=3", "`r` does not occur", "r=3"),
        ("h=3", "`h` is a definition", "h=3"),
        ("p=3, p=2", "the length of `p` is already fixed", "p=3, p=2"),
        ("p=100000", "at most 1000", "p=100000"),
    ];
    for (dim, message, source) in cases {
        let err = equiv_error("sum(j, p[j]) + x + W[k, 1] + h[1]", "0", &["--let", "h[j] = p[j]", "--dim", dim]);
        assert!(err.contains(message) && err.contains(source) && err.contains("--dim"), "{dim}: {err}");
        assert!(err.contains('^') || err.contains('|'), "{dim}: no caret in {err}");
    }
    let out = common::deltaform()
        .args(["equiv", "x", "x", "--dim", "x=2", "--format", "json"])
        .assert()
        .code(2)
        .get_output()
        .stdout
        .clone();
    let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!((&json["error"]["kind"], &json["error"]["source"]), (&"bad_dim".into(), &"--dim".into()));
    assert_eq!((&json["error"]["span"]["start"], &json["error"]["span"]["end"]), (&0.into(), &1.into()));
}

#[test]
fn an_undecided_comparison_exits_3() {
    let out = equiv("log(-x^2 - 1)", "x", &[], 3);
    assert_eq!(out, "unknown: not proved, and no point tried gives both sides a value\n");
    let json: serde_json::Value = serde_json::from_str(&equiv("log(-x^2 - 1)", "x", &["--format", "json"], 3)).unwrap();
    assert_eq!((&json["equal"], &json["how"]), (&serde_json::Value::Null, &"none".into()));
    // Also where the fixed lengths leave no point with both sides defined.
    let out = equiv("p[3]", "sum(j, p[j])", &["--dim", "p=2"], 3);
    assert!(out.ends_with(", with p of length 2\n"), "{out}");
    common::deltaform()
        .args(["equiv", "--help"])
        .assert()
        .success()
        .stdout(contains("3 undecided").and(contains("--dim")).and(contains("--let")));
}
