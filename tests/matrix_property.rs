//! A property test of the matrix layer over generated expressions: random scalar losses built
//! from matrix-vector products, sums, entrywise products and entrywise functions, each
//! differentiated by a vector or a matrix. Whenever a matrix form is printed, its value at a
//! random point must equal central differences of the loss itself (evaluated in matrix form,
//! independently of the index form); the index form must never disagree with its numeric check.

use deltaform::derive::{Check, Context};
use deltaform::eval::number::Number;
use deltaform::eval::value::{Env, Value};
use deltaform::eval::{eval, eval_scalar};
use deltaform::matrix::derive_matrix;
use deltaform::matrix::elaborate::elaborate;
use deltaform::matrix::shape::Shapes;
use deltaform::sample::Rng;
use deltaform::syntax::parse::parse_expr;

const SHAPES: &str = "A: 3x2, B: 2x2, x: 2, y: 3, v: 2";
const CASES: u64 = 160;

/// A vector expression of length 2 (`n`) or 3 (`m`), of depth at most `depth`.
fn vector(rng: &mut Rng, long: bool, depth: u32) -> String {
    let leaf = |rng: &mut Rng| -> String {
        let options: &[&str] = if long { &["y", "A*x", "A*v"] } else { &["x", "v", "B*x"] };
        options[rng.below(options.len())].to_string()
    };
    if depth == 0 {
        return leaf(rng);
    }
    let inner = |rng: &mut Rng| format!("({})", vector(rng, long, depth - 1));
    match rng.below(8) {
        0 => leaf(rng),
        1 => format!("{}{}", ["sigmoid", "tanh", "exp", "sin"][rng.below(4)], inner(rng)),
        2 => format!("{} + {}", inner(rng), inner(rng)),
        3 => format!("{} .* {}", inner(rng), inner(rng)),
        4 => format!("{}*{}", ["2", "1/2", "-3"][rng.below(3)], inner(rng)),
        5 if long => format!("A*({})", vector(rng, false, depth - 1)),
        5 => format!("B*{}", inner(rng)),
        6 if !long => format!("A^T*({})", vector(rng, true, depth - 1)),
        6 => format!("{} - {}", inner(rng), inner(rng)),
        _ => format!("softmax{}", inner(rng)),
    }
}

/// A scalar loss over the vectors.
fn loss(rng: &mut Rng) -> String {
    let long = rng.below(2) == 0;
    let v = vector(rng, long, 2);
    let w = if long { "y" } else { "x" };
    match rng.below(4) {
        0 => format!("sum({v})"),
        1 => format!("1/2*norm2({v})^2"),
        2 => format!("{w}^T*({v})"),
        _ => format!("sum(log(sigmoid({v})))"),
    }
}

fn random_value(rng: &mut Rng, shape: &[usize]) -> Value {
    let mut number = || Number::approx(rng.uniform(-1.0, 1.0)).unwrap();
    match shape {
        [] => Value::Scalar(number()),
        [n] => Value::Vector((0..*n).map(|_| number()).collect()),
        [r, c] => Value::Matrix((0..*r).map(|_| (0..*c).map(|_| number()).collect()).collect()),
        _ => unreachable!(),
    }
}

/// `value` with entry `at` (row, col) moved by `by`.
fn nudged(value: &Value, at: (usize, usize), by: f64) -> Value {
    let shift = |n: &Number| Number::approx(n.to_f64() + by).unwrap();
    match value {
        Value::Vector(v) => {
            let mut v = v.clone();
            v[at.0] = shift(&v[at.0]);
            Value::Vector(v)
        }
        Value::Matrix(m) => {
            let mut m = m.clone();
            m[at.0][at.1] = shift(&m[at.0][at.1]);
            Value::Matrix(m)
        }
        Value::Scalar(n) => Value::Scalar(shift(n)),
    }
}

#[test]
fn matrix_forms_of_generated_losses_match_central_differences() {
    let shapes = Shapes::parse(SHAPES).unwrap();
    let sizes = [("A", vec![3, 2]), ("B", vec![2, 2]), ("x", vec![2]), ("y", vec![3]), ("v", vec![2])];
    let (mut with_matrix_form, mut compared) = (0, 0);
    for case in 0..CASES {
        let mut rng = Rng::new(1000 + case);
        let src = loss(&mut rng);
        let wrt = ["A", "B", "x", "v"][rng.below(4)];
        let expr = parse_expr(&src).unwrap();
        let context = Context { self_check: true, ..Default::default() };
        let d = match derive_matrix(&expr, wrt, &shapes, context) {
            Ok(d) => d,
            Err(e) => panic!("{src} by {wrt}: {e}"),
        };
        assert!(!matches!(d.index.check, Check::Disagreed(..)), "{src} by {wrt}: {:?}", d.index.check);
        let Ok(matrix) = &d.matrix else {
            eprintln!("no matrix form: {src} by {wrt}");
            continue;
        };
        with_matrix_form += 1;
        let mut env = Env::new();
        for (name, shape) in &sizes {
            env.bind(name, random_value(&mut rng, shape));
        }
        let loss = elaborate(&expr, &shapes).unwrap().expr;
        let Ok(gradient) = eval(matrix, &env) else { panic!("{src} by {wrt}: the matrix form {matrix} has no value") };
        let shape = env.get(wrt).unwrap().shape();
        let (rows, cols) = (shape[0], shape.get(1).copied().unwrap_or(1));
        for r in 0..rows {
            for c in 0..cols {
                let at = |by: f64| {
                    let mut e = env.clone();
                    e.bind(wrt, nudged(env.get(wrt).unwrap(), (r, c), by));
                    eval_scalar(&loss, &e).map(|n| n.to_f64())
                };
                let h = 1e-6;
                let (Ok(plus), Ok(minus)) = (at(h), at(-h)) else { continue };
                let numeric = (plus - minus) / (2.0 * h);
                let symbolic = match &gradient {
                    Value::Vector(v) => v[r].to_f64(),
                    Value::Matrix(m) => m[r][c].to_f64(),
                    Value::Scalar(n) => n.to_f64(),
                };
                let tolerance = 1e-5 * numeric.abs().max(1.0);
                assert!(
                    (symbolic - numeric).abs() < tolerance,
                    "{src} by {wrt}: entry [{r}, {c}] of {matrix} is {symbolic}, central differences give {numeric}"
                );
                compared += 1;
            }
        }
    }
    eprintln!("{with_matrix_form} of {CASES} generated losses answered in matrix form; {compared} entries compared");
    assert!(with_matrix_form * 4 >= CASES as usize * 3, "only {with_matrix_form} of {CASES} had a matrix form");
}
