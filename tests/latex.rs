//! Snapshots of the LaTeX printer over a catalog of typical neural-network expressions, of a
//! worked derivation in each `--delta` style, and of a `--standalone` document.

mod common;

use deltaform::parse_expr;
use deltaform::syntax::latex::to_latex;

/// Expressions a gradient exercise typically shows, in the input language.
const CATALOG: &[&str] = &[
    "sigmoid(x)*(1 - sigmoid(x))",
    "1 - tanh(x)^2",
    "1/2*tanh(x/2) + 1/2",
    "-sum(i, y[i]*log(softmax(z)[i]))",
    "softmax(z)[i] - y[i]",
    "yhat[i]*(delta(i, j) - yhat[j])",
    "(1 - a[m]^2)*sum(n, W[n, m]*(out[n] - t[n]))",
    "sum(j, W1[i, j]*x[j]) + b1[i]",
    "W1[i, j]",
    "x1 + x2",
    "step(z[k])*delta(k, m)*h[j]",
    "log(sum(k, exp(z[k]))) - z[i]",
    "2*(yhat - y)/n",
    "-y/yhat + (1 - y)/(1 - yhat)",
    "exp(x)/(1 + exp(x))^2",
    "sqrt(abs(x) + 1e-8)",
    "theta - eta*lambda*theta",
    "x^-1",
    "(-x)^2",
    "-x^2",
    "e^(x + 1)",
    "2^3^2",
    "(2^3)^2",
    "(a/b)^(1/2)",
];

#[test]
fn catalog() {
    let listing: Vec<String> = CATALOG
        .iter()
        .map(|input| {
            let e = parse_expr(input).unwrap_or_else(|err| panic!("{input}: {err}"));
            format!("{input}  =>  {}", to_latex(&e))
        })
        .collect();
    common::snapshot_settings().bind(|| {
        insta::assert_snapshot!(listing.join("\n"));
    });
}

/// The worked derivation of `d/dz[k] log(softmax(z)[i])` (a Kronecker delta in the chain rule and
/// in the result) in each `--delta` style.
#[test]
fn steps_in_each_delta_style() {
    for style in ["iverson", "indicator", "kronecker"] {
        let out = common::deltaform()
            .args(["derive", "log(softmax(z)[i])", "--wrt", "z[k]", "--steps", "--format", "latex", "--delta", style])
            .output()
            .expect("deltaform runs");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        common::snapshot_settings().bind(|| {
            insta::assert_snapshot!(format!("steps_{style}"), String::from_utf8(out.stdout).unwrap());
        });
    }
}

/// A standalone document: softmax with cross-entropy, its definition and assumption stated, the
/// steps labelled at the margin.
#[test]
fn standalone_document() {
    let out = common::deltaform()
        .args(["derive", "-sum(i, y[i]*log(softmax(z)[i]))", "--wrt", "z[k]"])
        .args(["--let", "yhat = softmax(z)", "--assume", "sum(i, y[i]) = 1", "--steps", "--format", "latex"])
        .arg("--standalone")
        .output()
        .expect("deltaform runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    common::snapshot_settings().bind(|| {
        insta::assert_snapshot!("standalone_document", String::from_utf8(out.stdout).unwrap());
    });
}

fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let out = common::deltaform().args(args).output().expect("deltaform runs");
    let text = |bytes: Vec<u8>| String::from_utf8(bytes).expect("UTF-8 output");
    (out.status.code(), text(out.stdout), text(out.stderr))
}

#[test]
fn standalone_needs_the_latex_format() {
    for command in [&["derive", "x^2", "--wrt", "x"][..], &["simplify", "x + 0"], &["equiv", "x", "x"], &["parse", "x"]]
    {
        let (code, _, stderr) = run(&[command, &["--standalone"]].concat());
        assert_eq!(code, Some(2), "{command:?}");
        assert!(stderr.contains("needs --format latex"), "{command:?}: {stderr}");
    }
}

#[test]
fn the_delta_style_reaches_every_latex() {
    let (_, json, _) = run(&["parse", "delta(i, j)", "--format", "json", "--delta", "indicator"]);
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["latex"], "\\mathbf{1}_{i = j}");
    let (_, json, _) =
        run(&["derive", "log(softmax(z)[i])", "--wrt", "z[k]", "--steps", "--format", "json", "--delta", "kronecker"]);
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["latex"], "\\delta_{ik} - \\operatorname{softmax}(z)_{k}");
    assert!(json["steps"].as_array().unwrap().iter().all(|s| !s["latex"].as_str().unwrap().contains('[')));
    let (code, latex, _) = run(&["simplify", "sum(i, delta(i, k)*z[i]) + delta(j, k)", "--format", "latex"]);
    assert_eq!((code, latex.as_str()), (Some(0), "z_{k} + [j = k]\n"));
}

#[test]
fn simplify_prints_its_chain_on_request() {
    let (_, latex, _) = run(&["simplify", "exp(x)/(1 + exp(x))", "--format", "latex", "--steps"]);
    assert_eq!(
        latex,
        "\\begin{aligned}\n&\\frac{\\exp(x)}{1 + \\exp(x)} \\\\\n&= \\sigma(x) && \\textstyle \
         (\\frac{\\exp(x)}{1 + \\exp(x)} = \\sigma(x))\n\\end{aligned}\n"
    );
    let (_, latex, _) = run(&["simplify", "x", "--format", "latex", "--steps"]);
    assert_eq!(latex, "x\n", "no step, no chain");
}

#[test]
fn equiv_answers_in_latex_with_its_exit_code() {
    let (code, latex, _) = run(&["equiv", "step(x)", "(sign(x) + 1)/2", "--format", "latex"]);
    assert_eq!(code, Some(1));
    assert!(latex.starts_with("\\operatorname{step}(x) \\neq \\frac{"), "{latex}");
    assert!(latex.contains("\\text{(not equal: at x = 0; A = 0; B = 0.5)}"), "{latex}");
    let (code, latex, _) = run(&["equiv", "log(-x^2 - 1)", "x", "--format", "latex"]);
    assert_eq!(code, Some(3));
    assert!(latex.contains("\\overset{?}{=} x"), "{latex}");
    let (code, latex, _) = run(&["equiv", "sigmoid(x)", "tanh(x/2)/2 + 1/2", "--format", "latex"]);
    assert_eq!(code, Some(0));
    assert!(latex.contains("\\sigma(x) = \\frac{") && latex.contains("(equal: proved by rewriting"), "{latex}");
    let (_, doc, _) =
        run(&["equiv", "sigmoid(x)", "tanh(x/2)/2 + 1/2", "--format", "latex", "--explain", "--standalone"]);
    assert!(
        doc.contains("\\begin{align*}\n&\\sigma(x) \\\\\n&= ") && doc.contains("\nequal: proved by rewriting"),
        "{doc}"
    );
}
