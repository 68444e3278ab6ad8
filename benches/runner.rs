//! Benchmarks of the exercise runner:
//!
//! * one training step of a 784-128-10 network (sigmoid hidden, softmax + cross-entropy) on a
//!   batch of 64, on the f64 path (`arithmetic = "f64"`), against a plain nested-loop baseline
//!   that hard-codes the same network (delta^L = yhat - y);
//! * every seed-sized example in `examples/` end to end (read, derive, train, render), on the
//!   exact path.
//!
//! Run with `cargo bench --bench runner`.

// The baseline is plain index loops on purpose: that is what it measures against.
#![allow(clippy::needless_range_loop)]

use criterion::{criterion_group, criterion_main, Criterion};
use deltaform::exercise::file::parse_exercise;
use deltaform::exercise::formulas::derive;
use deltaform::exercise::matrix::Matrix;
use deltaform::exercise::network::{backward, forward, train_step, Exactness, Where};
use deltaform::exercise::trace::Params;
use deltaform::exercise::{render, run};
use deltaform::Number;
use std::hint::black_box;
use std::time::Duration;

const SIZES: [usize; 3] = [784, 128, 10];
const BATCH: usize = 64;

/// A deterministic pseudo-random sequence in [-0.5, 0.5) (no `rand` needed).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    }
}

struct Problem {
    w: Vec<Vec<Vec<f64>>>,
    b: Vec<Vec<f64>>,
    x: Vec<Vec<f64>>,
    y: Vec<Vec<f64>>,
}

fn problem() -> Problem {
    let mut rng = Lcg(7);
    let w = (1..3)
        .map(|l| (0..SIZES[l]).map(|_| (0..SIZES[l - 1]).map(|_| rng.next() * 0.1).collect()).collect())
        .collect();
    let b = (1..3).map(|l| (0..SIZES[l]).map(|_| rng.next() * 0.1).collect()).collect();
    let x = (0..BATCH).map(|_| (0..SIZES[0]).map(|_| rng.next() + 0.5).collect()).collect();
    let y = (0..BATCH).map(|s| (0..SIZES[2]).map(|k| if k == s % SIZES[2] { 1.0 } else { 0.0 }).collect()).collect();
    Problem { w, b, x, y }
}

fn approx_rows(rows: &[Vec<f64>]) -> Matrix {
    Matrix::from_rows(rows.iter().map(|r| r.iter().map(|&v| Number::Approx(v)).collect()).collect()).unwrap()
}

/// The runner's step: the formulas derived from the exercise, then forward/backward/update.
fn runner_step(c: &mut Criterion, p: &Problem) {
    let src = "[network]\nlayers = [784, 128, 10]\nactivation = \"sigmoid\"\noutput = \"softmax\"\n\
               loss = \"cross_entropy\"\n[init]\nweights = 0\n[train]\nrate = 0.01\narithmetic = \"f64\"\n\
               [[sample]]\nx = [0]\ny = [0]\n";
    let src = src
        .replace("x = [0]", &format!("x = [{}]", vec!["0"; 784].join(", ")))
        .replace("y = [0]", &format!("y = [{}]", ["0"; 10].join(", ")));
    let exercise = parse_exercise(&src).expect("the benchmark exercise is valid");
    let formulas = derive(&exercise).expect("derivable");
    let params = Params {
        weights: p.w.iter().map(|m| approx_rows(m)).collect(),
        biases: p.b.iter().map(|v| v.iter().map(|&x| Number::Approx(x)).collect()).collect(),
    };
    let x = approx_rows(&p.x).transpose();
    let y = approx_rows(&p.y).transpose();
    let rate = Number::Approx(0.01);
    let (_, back, _) = train_step(&formulas, &params, &x, &y, &rate, Exactness::Unbounded).unwrap();
    let reference = baseline_step(p);
    let worst = back.dw[0]
        .entries()
        .iter()
        .zip(reference.iter().flatten())
        .map(|(a, b)| (a.to_f64() - b).abs())
        .fold(0.0, f64::max);
    println!("784-128-10 batch 64: runner vs baseline, largest difference in dW1 = {worst:.1e}");
    c.bench_function("784-128-10 batch 64, f64 step (runner)", |bench| {
        bench
            .iter(|| train_step(black_box(&formulas), black_box(&params), &x, &y, &rate, Exactness::Unbounded).unwrap())
    });
    let fwd = forward(&formulas, &params, &x, Where::Step(1), Exactness::Unbounded).unwrap();
    c.bench_function("784-128-10 batch 64, f64 forward pass alone (runner)", |bench| {
        bench.iter(|| {
            forward(black_box(&formulas), black_box(&params), &x, Where::Step(1), Exactness::Unbounded).unwrap()
        })
    });
    c.bench_function("784-128-10 batch 64, f64 backward pass alone (runner)", |bench| {
        bench.iter(|| {
            backward(black_box(&formulas), black_box(&params), &fwd, &y, Where::Step(1), Exactness::Unbounded).unwrap()
        })
    });
}

/// A plain nested-loop step of the same network; returns dW1.
fn baseline_step(p: &Problem) -> Vec<Vec<f64>> {
    let (n0, n1, n2) = (SIZES[0], SIZES[1], SIZES[2]);
    let sig = |v: f64| 1.0 / (1.0 + (-v).exp());
    let mut dw1 = vec![vec![0.0; n0]; n1];
    let mut dw2 = vec![vec![0.0; n1]; n2];
    let (mut db1, mut db2) = (vec![0.0; n1], vec![0.0; n2]);
    for s in 0..BATCH {
        let x = &p.x[s];
        let mut a1 = vec![0.0; n1];
        for i in 0..n1 {
            let mut t = p.b[0][i];
            for j in 0..n0 {
                t += p.w[0][i][j] * x[j];
            }
            a1[i] = sig(t);
        }
        let mut z2 = vec![0.0; n2];
        for i in 0..n2 {
            let mut t = p.b[1][i];
            for j in 0..n1 {
                t += p.w[1][i][j] * a1[j];
            }
            z2[i] = t;
        }
        let m = z2.iter().cloned().fold(f64::MIN, f64::max);
        let e: Vec<f64> = z2.iter().map(|v| (v - m).exp()).collect();
        let total: f64 = e.iter().sum();
        let d2: Vec<f64> = (0..n2).map(|k| e[k] / total - p.y[s][k]).collect();
        let mut d1 = vec![0.0; n1];
        for j in 0..n1 {
            let mut t = 0.0;
            for i in 0..n2 {
                t += p.w[1][i][j] * d2[i];
            }
            d1[j] = t * a1[j] * (1.0 - a1[j]);
        }
        for i in 0..n2 {
            db2[i] += d2[i];
            for j in 0..n1 {
                dw2[i][j] += d2[i] * a1[j];
            }
        }
        for i in 0..n1 {
            db1[i] += d1[i];
            for j in 0..n0 {
                dw1[i][j] += d1[i] * x[j];
            }
        }
    }
    let mut w = p.w.clone();
    for (l, dw) in [&dw1, &dw2].into_iter().enumerate() {
        for i in 0..dw.len() {
            for j in 0..dw[i].len() {
                w[l][i][j] -= 0.01 * dw[i][j];
            }
        }
    }
    black_box((w, db1, db2));
    dw1
}

fn baseline(c: &mut Criterion, p: &Problem) {
    c.bench_function("784-128-10 batch 64, f64 step (nested-loop baseline)", |bench| {
        bench.iter(|| baseline_step(black_box(p)))
    });
}

fn network(c: &mut Criterion) {
    let p = problem();
    runner_step(c, &p);
    baseline(c, &p);
}

fn seed_examples(c: &mut Criterion) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut files: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.retain(|p| p.extension().is_some_and(|e| e == "toml"));
    files.sort();
    for path in files {
        let src = std::fs::read_to_string(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        c.bench_function(&format!("exact path, run + text: {name}"), |bench| {
            bench.iter(|| render::text(&run(black_box(&src)).unwrap(), &render::Options::default()))
        });
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10).warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2));
    targets = network, seed_examples
}
criterion_main!(benches);
