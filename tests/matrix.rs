//! Matrix-form derivatives end to end: a catalog of the matrix calculus homework and textbooks
//! ask for, each answered in matrix form through `deltaform derive --shape`, pinned by snapshot
//! (text and LaTeX), with the index form checked against a numeric derivative and the matrix
//! form checked against the index form at random values (both inside the pipeline: a
//! disagreement is an error, a matrix form that fails its check is not printed).

mod common;

use common::deltaform;

/// One entry: the expression, the variable, the shapes, and the matrix form expected.
struct Entry {
    name: &'static str,
    expr: &'static str,
    wrt: &'static str,
    shapes: &'static str,
    assume: &'static [&'static str],
    matrix_form: &'static str,
}

const fn entry(
    name: &'static str,
    expr: &'static str,
    wrt: &'static str,
    shapes: &'static str,
    matrix_form: &'static str,
) -> Entry {
    Entry { name, expr, wrt, shapes, assume: &[], matrix_form }
}

const MLP: &str = "1/2*norm2(W2*sigmoid(W1*x + b1) + b2 - y)^2";
const MLP_SHAPES: &str = "W1: 3x2, x: 2, b1: 3, W2: 2x3, b2: 2, y: 2";
const RESIDUAL: &str = "r^T*sigmoid(W1*x + b1) + 1/2*norm2(y)^2 - 1/2*norm2(y - softmax(W2*sigmoid(W1*x + b1) + x))^2";

const CATALOG: &[Entry] = &[
    entry("least_squares", "1/2*norm2(W*x - y)^2", "W", "W: 3x4, x: 4, y: 3", "(W*x - y)*x^T"),
    entry("least_squares_by_x", "1/2*norm2(W*x - y)^2", "x", "W: 3x4, x: 4, y: 3", "W^T*(W*x - y)"),
    entry("quadratic_form", "x^T*A*x", "x", "A: 3x3, x: 3", "A*x + A^T*x"),
    entry("trace_of_a_product", "tr(A*B)", "A", "A: 2x3, B: 3x2", "B^T"),
    entry("frobenius_norm", "sum(W .* W)", "W", "W: 2x3", "2*W"),
    entry("linear_layer_jacobian", "W*x + b", "x", "W: 3x4, x: 4, b: 3", "W"),
    entry(
        "sigmoid_layer_jacobian",
        "sigmoid(W*x + b)",
        "b",
        "W: 3x4, x: 4, b: 3",
        "diag(sigmoid(W*x + b) .* (1 - sigmoid(W*x + b)))",
    ),
    entry(
        "logistic_regression_over_a_data_matrix",
        "sum(log(1 + exp(-y .* (X*w))))",
        "w",
        "X: n x d, w: d, y: n",
        "-(X^T*(y .* sigmoid(-(y .* (X*w)))))",
    ),
    Entry {
        name: "softmax_regression",
        expr: "-y^T*log(softmax(W*x))",
        wrt: "W",
        shapes: "W: 3x4, x: 4, y: 3",
        assume: &["sum(i, y[i]) = 1"],
        matrix_form: "(softmax(W*x) - y)*x^T",
    },
    entry("mlp_output_weights", MLP, "W2", MLP_SHAPES, "(W2*sigmoid(W1*x + b1) + b2 - y)*sigmoid(W1*x + b1)^T"),
    entry(
        "mlp_hidden_weights",
        MLP,
        "W1",
        MLP_SHAPES,
        "(1 - sigmoid(W1*x + b1)) .* sigmoid(W1*x + b1) .* (W2^T*(W2*sigmoid(W1*x + b1) + b2 - y))*x^T",
    ),
    entry(
        "mlp_hidden_bias",
        MLP,
        "b1",
        MLP_SHAPES,
        "(1 - sigmoid(W1*x + b1)) .* sigmoid(W1*x + b1) .* (W2^T*(W2*sigmoid(W1*x + b1) + b2 - y))",
    ),
    entry(
        "mlp_input",
        MLP,
        "x",
        MLP_SHAPES,
        "W1^T*(sigmoid(W1*x + b1) .* (1 - sigmoid(W1*x + b1)) .* (W2^T*(W2*sigmoid(W1*x + b1) + b2 - y)))",
    ),
    entry("residual_network_input", RESIDUAL, "x", "W1: 3x2, x: 2, b1: 3, W2: 2x3, r: 3, y: 2", ""),
];

fn derive(e: &Entry, format: &str) -> String {
    let mut cmd = deltaform();
    cmd.args(["derive", e.expr, "--wrt", e.wrt, "--shape", e.shapes, "--format", format]);
    for a in e.assume {
        cmd.args(["--assume", a]);
    }
    let out = cmd.output().expect("deltaform runs");
    assert!(out.status.success(), "{}: {}", e.name, String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("UTF-8")
}

#[test]
fn matrix_catalog_answers_in_matrix_form() {
    for e in CATALOG {
        let text = derive(e, "text");
        if !e.matrix_form.is_empty() {
            assert_eq!(text.trim(), e.matrix_form, "{}", e.name);
        }
        let latex = derive(e, "latex");
        let json: serde_json::Value = serde_json::from_str(&derive(e, "json")).expect("JSON");
        assert_eq!(json["index_derivation"]["numeric_check"]["status"], "agreed", "{}", e.name);
        common::snapshot_settings().bind(|| {
            insta::assert_snapshot!(
                format!("matrix_{}", e.name),
                format!(
                    "d/d{} of {}  ({})\n{}\nindex form: {} = {}\nwhere {}\n\nLaTeX: {}",
                    e.wrt,
                    e.expr,
                    e.shapes,
                    text.trim(),
                    json["component"].as_str().unwrap_or(""),
                    json["index_form"].as_str().unwrap_or(""),
                    json["definitions"],
                    latex.trim()
                )
            );
        });
    }
}

#[test]
fn json_gives_the_result_its_index_form_and_shape() {
    let json: serde_json::Value = serde_json::from_str(&derive(&CATALOG[0], "json")).expect("JSON");
    assert_eq!(json["result"], "(W*x - y)*x^T");
    assert_eq!(json["matrix_form"], true);
    assert_eq!(json["shape"], "3×4 matrix");
    assert_eq!(json["component"], "D[p, q]");
    assert_eq!(json["index_form"], "x[q]*(sum(j, x[j]*W[p, j]) - y[p])");
}

#[test]
fn steps_show_the_index_form_derivation_then_the_matrix_form() {
    let out = deltaform()
        .args(["derive", "1/2*norm2(W*x - y)^2", "--wrt", "W", "--shape", "W: 3x4, x: 4, y: 3", "--steps"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("d/dW[p, q] of"), "{text}");
    assert!(text.contains("index form: D[p, q] ="), "{text}");
    assert!(text.trim_end().ends_with("(W*x - y)*x^T"), "{text}");
}

#[test]
fn shape_errors_name_both_shapes_and_exit_2() {
    for (expr, shapes, message) in [
        ("x*y", "x: 3, y: 3", "two column vectors"),
        ("W*x", "W: 3x4, x: 3", "cannot multiply a 3×4 matrix by a vector of length 3"),
        ("W + x", "W: 3x4, x: 3", "cannot add a 3×4 matrix and a vector of length 3"),
        ("tr(W)", "W: 3x4", "tr takes a square matrix"),
        ("f", "W: 3y", "is not a shape"),
    ] {
        let out = deltaform().args(["derive", expr, "--wrt", "x", "--shape", shapes]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{expr}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(message), "{expr}: {err}");
        assert!(err.contains('^') || err.contains('|'), "a caret under the fault: {err}");
    }
}

#[test]
fn a_result_without_matrix_form_prints_its_index_form_and_says_why() {
    // The derivative of a vector's squared entries by itself is diagonal; by a matrix it would
    // have three indices.
    let out = deltaform().args(["derive", "W*x", "--wrt", "W", "--shape", "W: 3x4, x: 4"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("more than two indices"));
}
