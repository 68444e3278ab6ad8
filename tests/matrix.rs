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
        "sigmoid(W1*x + b1) .* (1 - sigmoid(W1*x + b1)) .* (W2^T*(W2*sigmoid(W1*x + b1) + b2 - y))*x^T",
    ),
    entry(
        "mlp_hidden_bias",
        MLP,
        "b1",
        MLP_SHAPES,
        "sigmoid(W1*x + b1) .* (1 - sigmoid(W1*x + b1)) .* (W2^T*(W2*sigmoid(W1*x + b1) + b2 - y))",
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
    assert_eq!(json["index_form"], "(sum(k, W[p, k]*x[k]) - y[p])*x[q]");
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

#[test]
fn the_gradient_at_a_point_is_a_matrix_of_the_variables_shape() {
    // W x - y = [-1, -2, -3]; its outer product with x = [1, -1].
    let at = "W=[[1, 2], [3, 4], [5, 6]], x=[1, -1], y=[0, 1, 2]";
    deltaform()
        .args(["derive", "1/2*norm2(W*x - y)^2", "--wrt", "W", "--shape", "W: 3x2, x: 2, y: 3", "--at", at])
        .assert()
        .success()
        .stdout(format!("value at {at}: [[-1, 1], [-2, 2], [-3, 3]]\n(W*x - y)*x^T\n"));
    // Without --shape, the shapes are those of the values.
    let out = deltaform()
        .args(["derive", "1/2*norm2(W*x - y)^2", "--wrt", "W", "--at", at, "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["result"], "(W*x - y)*x^T");
    assert_eq!(json["value"], serde_json::json!([[-1.0, 1.0], [-2.0, 2.0], [-3.0, 3.0]]));
    // A value that does not fit its declaration.
    deltaform()
        .args(["derive", "x^T*A*x", "--wrt", "x", "--shape", "A: 3x3, x: 3", "--at", "A=[[1, 2], [3, 4]], x=[1, 1, 1]"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("`A` is declared a 3×3 matrix, but its value has shape 2×2"));
}

/// The MLP's dW1 at a point, against central differences of the loss (evaluated by the library,
/// entry by entry): the value printed is the gradient's.
#[test]
fn the_mlp_gradient_at_a_point_matches_central_differences() {
    use deltaform::eval::bindings::parse_bindings;
    use deltaform::eval::value::Value;
    let at = "W1=[[0.5, -1], [0.25, 2], [-0.75, 1]], x=[1, -2], b1=[0.1, 0, -0.1], W2=[[1, -1, 0.5], [0, 2, -1]], b2=[0.2, -0.3], y=[1, 0]";
    let out = deltaform()
        .args(["derive", MLP, "--wrt", "W1", "--shape", MLP_SHAPES, "--at", at, "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let loss = deltaform::syntax::parse::parse_expr(MLP).unwrap();
    let shapes = deltaform::matrix::shape::Shapes::parse(MLP_SHAPES).unwrap();
    let lowered = deltaform::matrix::elaborate::elaborate(&loss, &shapes).unwrap().expr;
    let env = parse_bindings(at).unwrap();
    let h = 1e-5;
    for r in 0..3 {
        for c in 0..2 {
            let shifted = |by: f64| {
                let mut env = env.clone();
                let Some(Value::Matrix(mut w)) = env.get("W1").cloned() else { unreachable!() };
                w[r][c] = deltaform::eval::number::Number::approx(w[r][c].to_f64() + by).unwrap();
                env.bind("W1", Value::Matrix(w));
                deltaform::eval::eval_scalar(&lowered, &env).unwrap().to_f64()
            };
            let numeric = (shifted(h) - shifted(-h)) / (2.0 * h);
            let printed = json["value"][r][c].as_f64().unwrap();
            assert!((numeric - printed).abs() < 1e-6, "dW1[{r}, {c}]: {printed} vs {numeric}");
        }
    }
}

/// A network given by whole definitions: the derivation goes through them, and the matrix form
/// is written with their names, as backprop is in a textbook.
#[test]
fn definitions_name_the_layers_of_the_matrix_form() {
    let derive = |wrt: &str| {
        let out = deltaform()
            .args(["derive", "1/2*norm2(yhat - y)^2", "--wrt", wrt, "--shape", MLP_SHAPES])
            .args(["--let", "z = W1*x + b1", "--let", "h = sigmoid(z)", "--let", "yhat = W2*h + b2"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{wrt}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    };
    assert_eq!(derive("W2"), "(yhat - y)*h^T");
    assert_eq!(derive("W1"), "h .* (1 - h) .* (W2^T*(yhat - y))*x^T");
    assert_eq!(derive("b1"), "h .* (1 - h) .* (W2^T*(yhat - y))");
    // At a point, the value of (yhat - y)*h^T with h = sigmoid(0) = 1/2 everywhere.
    let at = "W1=[[0, 0], [0, 0], [0, 0]], x=[1, 2], b1=[0, 0, 0], W2=[[1, 1, 1], [0, 0, 2]], b2=[0, 0], y=[1, 0]";
    let out = deltaform()
        .args(["derive", "1/2*norm2(yhat - y)^2", "--wrt", "W2", "--shape", MLP_SHAPES, "--at", at])
        .args(["--let", "z = W1*x + b1", "--let", "h = sigmoid(z)", "--let", "yhat = W2*h + b2"])
        .output()
        .unwrap();
    // yhat = [3/2, 1], yhat - y = [1/2, 1].
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains(": [[1/4, 1/4, 1/4], [1/2, 1/2, 1/2]]\n"), "{text}");
    deltaform()
        .args([
            "derive",
            "1/2*norm2(yhat - y)^2",
            "--wrt",
            "W2",
            "--shape",
            MLP_SHAPES,
            "--at",
            &format!("{at}, h=[1, 1, 1]"),
        ])
        .args(["--let", "z = W1*x + b1", "--let", "h = sigmoid(z)", "--let", "yhat = W2*h + b2"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("`h` is defined by --let"));
}
