//! End-to-end tests of `deltaform eval`'s numerics: signs and poles decided soundly (never
//! from a rounded value), values that exist are given, and exact arithmetic stays cheap.

mod common;

use common::deltaform;
use std::time::{Duration, Instant};

/// The JSON answer of `deltaform eval EXPR --format json` and whether the command succeeded.
fn eval_json(expr: &str) -> (bool, serde_json::Value) {
    let out = deltaform().args(["eval", expr, "--format", "json"]).output().expect("runs");
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{expr}: not JSON ({e})"));
    (out.status.success(), json)
}

/// The value shown by `deltaform eval EXPR`, or the error kind.
fn shown(expr: &str) -> String {
    match eval_json(expr) {
        (true, v) => v["value"].as_str().expect("a value").to_string(),
        (false, v) => format!("error: {}", v["error"]["kind"].as_str().expect("an error kind")),
    }
}

#[test]
fn signs_are_not_taken_from_rounded_values() {
    let table = [
        // exp(-1000) underflows to 0.0 in f64, but it is positive.
        ("sign(exp(-1000))", "1"),
        ("step(exp(-1000))", "1"),
        ("sign(-exp(-1000)*exp(-1000))", "-1"),
        // sqrt(2)^2 - 2 is exactly 0; f64 gives 4.4e-16: no guess either way.
        ("step(sqrt(2)^2 - 2)", "error: undecidable"),
        ("sign(sqrt(2)^2 - 2)", "error: undecidable"),
        ("delta(sqrt(2)^2, 2)", "error: undecidable"),
        ("1/(sqrt(2)^2 - 2)", "error: undecidable"),
        ("sign(sin(pi))", "error: undecidable"),
        // Where the enclosure decides, the answer is exact.
        ("sign(pi - 355/113)", "-1"),
        ("step(exp(1) - 2.718281828)", "1"),
        ("delta(sqrt(2), 1.414)", "0"),
        // Within f64's precision of sqrt(2): not decided, rather than guessed.
        ("delta(sqrt(2), 1.4142135623730951)", "error: undecidable"),
        ("relu(-pi)", "0"),
        ("max(1/3, exp(-1))", "0.367879"),
        // Exact arguments are decided exactly.
        ("step(0)", "0"),
        ("sign(1/3 - 0.3333333333333333)", "1"),
    ];
    for (expr, want) in table {
        assert_eq!(shown(expr), want, "{expr}");
    }
}

#[test]
fn an_undecidable_sign_says_what_and_where() {
    let out = deltaform().args(["eval", "1 + step(sqrt(2)^2 - 2)"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot decide the sign of `sqrt(2)^2 - 2`"), "{stderr}");
    assert!(stderr.contains("within rounding error of 0"), "{stderr}");
    let (ok, v) = eval_json("1 + step(sqrt(2)^2 - 2)");
    assert!(!ok);
    assert_eq!(v["error"]["kind"], "undecidable");
    assert_eq!(v["error"]["span"]["start"], 4);
    assert_eq!(v["error"]["span"]["end"], 23);
}

#[test]
fn poles_are_domain_errors() {
    for expr in ["tan(pi/2)", "tan(3*pi/2)", "tan(-pi/2)"] {
        assert_eq!(shown(expr), "error: domain", "{expr}");
    }
    assert_eq!(shown("tan(pi/4)"), "1");
    assert_eq!(shown("tan(1.5)"), "14.1014");
}

#[test]
fn values_that_exist_are_given() {
    let table = [
        ("log(10^400)", "921.034"),
        ("log(10^-400)", "-921.034"),
        ("sqrt(10^401)", "3.16228e+200"),
        ("sqrt(10^-401)", "3.16228e-201"),
        ("log(sigmoid(-800))", "-800"),
        ("log(exp(1000))", "1000"),
        ("log(1 + 10^-20)", "1e-20"),
        ("(-2)^(1/3)", "-1.25992"),
        ("(-2)^(2/3)", "1.5874"),
        ("(-8)^(1/3)", "-2"),
        ("(-8)^(2/3)", "4"),
        ("(-1/27)^(-1/3)", "-3"),
        ("(-2)^(1/2)", "error: domain"),
        ("exp(-10^400)", "0"),
        ("sigmoid(10^400)", "1"),
    ];
    for (expr, want) in table {
        assert_eq!(shown(expr), want, "{expr}");
    }
    let at = deltaform().args(["eval", "log(softmax(z)[2])", "--at", "z=[1000, 0]"]).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&at.stdout).trim(), "-1000");
}

#[test]
fn exact_results_stay_exact() {
    let table = [
        ("1/10 + 0.2", "3/10"),
        ("sigmoid(0)", "1/2"),
        ("log(exp(0))", "0"),
        ("2^200 - 2^200 + 1/3", "1/3"),
        ("(2^60000 + 2^59999)/(3*2^59990)", "512"),
    ];
    for (expr, want) in table {
        let (ok, v) = eval_json(expr);
        assert!(ok, "{expr}");
        assert_eq!((v["value"].as_str(), v["exact"].as_bool()), (Some(want), Some(true)), "{expr}");
        assert_eq!(v["exact_given_up"], false, "{expr}");
    }
}

#[test]
fn huge_exact_arithmetic_is_bounded_and_says_so() {
    let product = |factor: &str, n: usize| vec![factor; n].join("*");
    let sum = |term: &str, n: usize| vec![term; n].join("+");
    let cases = [
        (product("(10^900)", 50), "error: overflow"),
        (product("2^60000", 50), "error: overflow"),
        (product("(3^41000/7^23000)", 30), "error: overflow"),
        (sum("(3^41000/7^23000)", 30), "1.56187e+126"),
        (sum("2^60000/3^37000", 25), "error: overflow"),
        ((0..20).map(|k| format!("sqrt(2^65000+{k})")).collect::<Vec<_>>().join("+"), "error: overflow"),
        ("(10001/10000)^100000".to_string(), "22015.5"),
    ];
    for (expr, want) in &cases {
        let start = Instant::now();
        assert_eq!(shown(expr), *want, "{expr}");
        assert!(start.elapsed() < Duration::from_secs(2), "{expr} took {:?}", start.elapsed());
    }
    let (ok, v) = eval_json(&sum("(3^41000/7^23000)", 30));
    assert!(ok);
    assert_eq!((v["exact"].as_bool(), v["exact_given_up"].as_bool()), (Some(false), Some(true)));
    let (ok, tiny) = eval_json("sign((1/3)^40000)");
    assert!(ok);
    assert_eq!(tiny["value"], "1");
}

/// The standard output of `deltaform eval` with `args`, expecting exit code `code`, and its
/// standard error.
fn eval_with(args: &[&str], code: i32) -> (String, String) {
    let out = deltaform().arg("eval").args(args).assert().code(code).get_output().clone();
    (String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

#[test]
fn delta_alone_is_a_variable_in_at_let_and_latex() {
    let huber = "step(delta - abs(r))*r^2/2 + (1 - step(delta - abs(r)))*delta*(abs(r) - delta/2)";
    assert_eq!(eval_with(&[huber, "--at", "r=3, delta=1"], 0), ("5/2\n".to_string(), String::new()));
    assert_eq!(eval_with(&[huber, "--at", "r=1/2, delta=1"], 0), ("1/8\n".to_string(), String::new()));
    let defined = ["delta*x", "--at", "x=3", "--let", "delta = 2"];
    assert_eq!(eval_with(&defined, 0), ("6\n".to_string(), String::new()));
    // Called, it is still the Kronecker delta.
    assert_eq!(eval_with(&["delta(1, 1) + delta", "--at", "delta=1/2"], 0), ("3/2\n".to_string(), String::new()));
    deltaform().args(["parse", "delta*x", "--format", "latex"]).assert().success().stdout("\\delta \\cdot x\n");
}

#[test]
fn definitions_take_the_value_of_their_right_side_in_order() {
    let cases: [(&[&str], &str); 6] = [
        (&["h", "--at", "z=0.2", "--let", "h = sigmoid(z)"], "0.549834\n"),
        (&["2*g", "--at", "x=1/3", "--let", "h = x + 1", "--let", "g = h^2"], "32/9\n"),
        // Component definitions: each index runs over the axis it indexes on the right.
        (&["h", "--at", "z=[1, 2, 3]", "--let", "h[j] = z[j]^2"], "[1, 4, 9]\n"),
        (&["sum(j, h[j]) + h[2]", "--at", "z=[1, 2, 3]", "--let", "h[j] = 2*z[j]"], "16\n"),
        (
            &["a", "--at", "W=[[1, 2], [3, 4]], v=[10, 100]", "--let", "a[i, j] = W[i, j]*v[j]"],
            "[[10, 200], [30, 400]]\n",
        ),
        (&["log(yhat[2])", "--at", "z=[0, 0]", "--let", "yhat = softmax(z)", "--digits", "4"], "-0.6931\n"),
    ];
    for (args, want) in cases {
        assert_eq!(eval_with(args, 0), (want.to_string(), String::new()), "{args:?}");
    }
    let (out, _) = eval_with(&["y", "--let", "y = 1/3", "--format", "json"], 0);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!((&json["value"], &json["exact"]), (&"1/3".into(), &true.into()));
}

#[test]
fn definitions_that_have_no_value_are_errors_pointing_into_them() {
    let cases: [(&[&str], &[&str]); 7] = [
        (
            &["a", "--let", "a = b + 1", "--let", "b = 2"],
            &["`b` has no value", "defined by a later --let", "1 | a = b + 1"],
        ),
        (
            &["h", "--at", "z=[1, 2], w=[1, 2, 3]", "--let", "h[j] = z[j] + w[j]"],
            &["`j` runs over 2 entries of `z` but 3 of `w`"],
        ),
        (&["h", "--at", "x=2", "--let", "h[j] = j*x"], &["cannot tell how many entries `h` has"]),
        (&["h", "--at", "x=0", "--let", "h = log(x)"], &["log of a non-positive number", "--let"]),
        (&["x", "--at", "x=1", "--let", "x = 2"], &["`x` has a value from --at and a definition", "1 | x = 2"]),
        (&["h", "--let", "h + 1 = 2"], &["the left-hand side must be a name", "--let"]),
        (&["h", "--let", "h = (1"], &["expected `)`", "--let"]),
    ];
    for (args, messages) in cases {
        let (out, err) = eval_with(args, 2);
        assert!(out.is_empty() && messages.iter().all(|m| err.contains(m)), "{args:?}: {err}");
    }
    let (out, _) = eval_with(&["h[1, 2]", "--at", "z=[1]", "--let", "h[j] = z[j]", "--format", "json"], 2);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!((&json["error"]["kind"], &json["error"]["source"]), (&"shape".into(), &"EXPR".into()));
}

#[test]
fn an_unused_definition_is_a_warning() {
    let (out, err) = eval_with(&["yhat + 1", "--at", "yhat=1", "--let", "yaht = 2"], 0);
    assert_eq!(
        (out.as_str(), err.as_str()),
        ("2\n", "warning: the definition of `yaht` is never used (did you mean `yhat`?)\n")
    );
}

#[test]
fn assumptions_refuse_a_point_where_they_do_not_hold() {
    let at = |y: &str| format!("z=[1, 2, 3], y={y}, k=1");
    let args = |y: &str| {
        vec!["yhat[k] - y[k]".to_string(), "--let".into(), "yhat = softmax(z)".into(), "--assume".into()]
            .into_iter()
            .chain(["sum(i, y[i]) = 1".to_string(), "--at".into(), at(y)])
            .collect::<Vec<String>>()
    };
    deltaform().arg("eval").args(args("[0.2, 0.3, 0.5]")).assert().success().stdout("-0.109969\n");
    deltaform()
        .arg("eval")
        .args(args("[0.5, 0.5, 0.5]"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("does not satisfy sum(i, y[i]) = 1"));
    deltaform()
        .args(["eval", "w2*x1", "--let", "z1 = w1*x1", "--assume", "z1 < 0", "--at", "w1=1, x1=1, w2=1"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("does not satisfy z1 < 0"));
    // A name the assumption needs without a value: nothing to refuse.
    deltaform().args(["eval", "x + 1", "--assume", "sum(i, y[i]) = 1", "--at", "x=1"]).assert().success().stdout("2\n");
}
