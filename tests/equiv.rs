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
