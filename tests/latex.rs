//! Snapshot of the LaTeX printer over a catalog of typical neural-network expressions.

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
