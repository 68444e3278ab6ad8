//! Benchmark of the matrix layer: the time of a matrix-form derivation (shapes, index form,
//! derivation with its numeric check, raising, the matrix form's check) for the textbook
//! entries, a 2-layer MLP's gradients among them; then `jacobian` of the seed's composition and
//! `graph` of the seed's ReLU network with a given sign.
//!
//! Before criterion's own figures it prints a table: the median time of each (in-process).
//!
//! Run with `cargo bench --bench matrix` (`-- --test` for the table and one run of each).

#[path = "../tests/common/networks.rs"]
mod networks;

use criterion::{criterion_group, criterion_main, Criterion};
use deltaform::derive::{parse_context, Context};
use deltaform::egraph::Limits;
use deltaform::graph::given::{zero_gradients, Given};
use deltaform::graph::Graph;
use deltaform::jacobian::function::{read_target, VectorFunction};
use deltaform::jacobian::jacobian;
use deltaform::matrix::derive_matrix;
use deltaform::matrix::shape::Shapes;
use deltaform::syntax::parse::parse_expr;
use networks::relu_network;
use std::hint::black_box;
use std::time::{Duration, Instant};

const MLP: &str = "1/2*norm2(W2*sigmoid(W1*x + b1) + b2 - y)^2";
const MLP_SHAPES: &str = "W1: 3x2, x: 2, b1: 3, W2: 2x3, b2: 2, y: 2";
const RESIDUAL: &str = "r^T*sigmoid(W1*x + b1) + 1/2*norm2(y)^2 - 1/2*norm2(y - softmax(W2*sigmoid(W1*x + b1) + x))^2";

/// Name, expression, variable, shapes.
const ENTRIES: &[(&str, &str, &str, &str)] = &[
    ("least_squares", "1/2*norm2(W*x - y)^2", "W", "W: 3x4, x: 4, y: 3"),
    ("quadratic_form", "x^T*A*x", "x", "A: 3x3, x: 3"),
    ("softmax_regression", "-y^T*log(softmax(W*x))", "W", "W: 3x4, x: 4, y: 3"),
    ("logistic_regression", "sum(log(1 + exp(-(y .* (X*w)))))", "w", "X: 5x3, w: 3, y: 5"),
    ("mlp_dW1", MLP, "W1", MLP_SHAPES),
    ("mlp_dW2", MLP, "W2", MLP_SHAPES),
    ("mlp_db1", MLP, "b1", MLP_SHAPES),
    ("mlp_dx", MLP, "x", MLP_SHAPES),
    ("residual_network_dx", RESIDUAL, "x", "W1: 3x2, x: 2, b1: 3, W2: 2x3, r: 3, y: 2"),
];

fn derive(expr: &str, wrt: &str, shapes: &str) {
    let shapes = Shapes::parse(shapes).expect("shapes");
    let expr = parse_expr(expr).expect("an expression");
    let d = derive_matrix(&expr, wrt, &shapes, Context { self_check: true, ..Default::default() });
    black_box(d.expect("a matrix derivation"));
}

fn jacobian_of_the_seed_composition() {
    let functions: Vec<VectorFunction> = ["F(x, y, z) = [3*x*y, y - z]", "G(x, y) = [x - 5*y, x*y, x*y - x^2]"]
        .iter()
        .map(|t| VectorFunction::parse(t).expect("a function"))
        .collect();
    let target = read_target("F(G)", &functions).expect("a composition");
    black_box(jacobian(&target, &["x".into(), "y".into()], &Limits::default()).expect("a Jacobian"));
}

fn graph_of_the_relu_network() {
    let lets: Vec<String> = relu_network().into_iter().map(String::from).collect();
    let (defs, _) = parse_context(&lets, &[]).expect("definitions");
    let limits = Limits::default();
    let graph = Graph::build(&parse_expr("1/2*(y - t)^2").expect("a loss"), "L", &defs, &limits).expect("a graph");
    let givens = [Given::parse("z1 < 0").expect("a given")];
    black_box(zero_gradients(&graph, &givens, &limits).expect("verdicts"));
}

fn median(runs: usize, mut f: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[runs / 2]
}

fn print_table() {
    const RUNS: usize = 11;
    println!("{:<28} {:>10}", "matrix derivation", "median ms");
    for (name, expr, wrt, shapes) in ENTRIES {
        let t = median(RUNS, || derive(expr, wrt, shapes));
        println!("{name:<28} {:>10.2}", t.as_secs_f64() * 1e3);
    }
    let t = median(RUNS, jacobian_of_the_seed_composition);
    println!("{:<28} {:>10.2}", "jacobian F(G) (seed)", t.as_secs_f64() * 1e3);
    let t = median(RUNS, graph_of_the_relu_network);
    println!("{:<28} {:>10.2}", "graph relu, z1 < 0 (seed)", t.as_secs_f64() * 1e3);
}

fn bench(c: &mut Criterion) {
    print_table();
    c.bench_function("matrix mlp_dW1", |b| b.iter(|| derive(MLP, "W1", MLP_SHAPES)));
    c.bench_function("jacobian F(G)", |b| b.iter(jacobian_of_the_seed_composition));
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10).measurement_time(Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
