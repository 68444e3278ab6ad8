//! Benchmarks of the exercise runner:
//!
//! * one training step of a 784-128-10 network (sigmoid hidden, softmax + cross-entropy) on a
//!   batch of 64, on the f64 path (`arithmetic = "f64"`), against a plain nested-loop baseline
//!   that hard-codes the same network (delta^L = yhat - y), and against numpy: the same step in
//!   `benches/runner_numpy.py`, run on one thread when an interpreter with numpy is found
//!   (`DELTAFORM_PYTHON`, else `python3`), its median printed beside the runner's;
//! * every seed-sized example in `examples/` end to end (read, derive, train, render), on the
//!   exact path.
//!
//! Run with `cargo bench --bench runner`.

#[path = "../tests/common/mnist.rs"]
#[allow(dead_code)] // the test reads the parts of the reference the benchmark does not
mod mnist;

use criterion::{criterion_group, criterion_main, Criterion};
use deltaform::exercise::file::parse_exercise;
use deltaform::exercise::formulas::derive;
use deltaform::exercise::matrix::Matrix;
use deltaform::exercise::network::{backward, forward, train_step, Exactness, Where};
use deltaform::exercise::trace::Params;
use deltaform::exercise::{render, run};
use deltaform::Number;
use mnist::{problem, reference_step, Problem};
use std::hint::black_box;
use std::process::Command;
use std::time::{Duration, Instant};

fn approx_rows(rows: &[Vec<f64>]) -> Matrix {
    Matrix::from_rows(rows.iter().map(|r| r.iter().map(|&v| Number::Approx(v)).collect()).collect()).unwrap()
}

/// The runner's step: the formulas derived from the exercise, then forward/backward/update.
fn runner_step(c: &mut Criterion, p: &Problem) {
    let exercise = parse_exercise(&mnist::exercise_source()).expect("the benchmark exercise is valid");
    let formulas = derive(&exercise).expect("derivable");
    let params = Params {
        weights: p.w.iter().map(|m| approx_rows(m)).collect(),
        biases: p.b.iter().map(|v| v.iter().map(|&x| Number::Approx(x)).collect()).collect(),
    };
    let x = approx_rows(&p.x).transpose();
    let y = approx_rows(&p.y).transpose();
    let rate = Number::Approx(mnist::RATE);
    let step = || train_step(&formulas, &params, &x, &y, &rate, Exactness::Unbounded).unwrap();
    let (_, back, _) = step();
    let reference = reference_step(p);
    let worst = back.dw[0]
        .entries()
        .zip(reference.dw[0].iter().flatten())
        .map(|(a, b)| (a.to_f64() - b).abs())
        .fold(0.0, f64::max);
    println!("784-128-10 batch 64: runner vs baseline, largest difference in dW1 = {worst:.1e}");
    side_by_side_with_numpy(&step);
    c.bench_function("784-128-10 batch 64, f64 step (runner)", |bench| bench.iter(|| black_box(step())));
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

/// The median of 200 runs of `step`, in ms.
fn median_ms<T>(step: &impl Fn() -> T) -> f64 {
    (0..20).for_each(|_| drop(black_box(step())));
    let mut times: Vec<f64> = (0..200)
        .map(|_| {
            let start = Instant::now();
            black_box(step());
            start.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

/// Prints the runner's median step beside numpy's (one thread, OpenBLAS's core-type and cache
/// overrides unset for that command only), and their ratio; says so when numpy is not there.
fn side_by_side_with_numpy<T>(step: &impl Fn() -> T) {
    let ours = median_ms(step);
    let python = std::env::var("DELTAFORM_PYTHON").unwrap_or_else(|_| "python3".into());
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/runner_numpy.py");
    let output = Command::new(&python)
        .arg(script)
        .env_remove("OPENBLAS_CORETYPE")
        .env_remove("OPENBLAS_L2_SIZE")
        .env("OPENBLAS_NUM_THREADS", "1")
        .env("OMP_NUM_THREADS", "1")
        .output();
    let numpy = output
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|text| text.trim().strip_prefix("numpy step: ")?.strip_suffix(" ms")?.parse::<f64>().ok());
    match numpy {
        Some(numpy) => println!(
            "784-128-10 batch 64, one f64 step, median of 200: runner {ours:.3} ms, numpy {numpy:.3} ms \
             (one thread): {:.2}x numpy",
            ours / numpy
        ),
        None => println!(
            "784-128-10 batch 64, one f64 step, median of 200: runner {ours:.3} ms \
             (numpy not found with `{python}`: set DELTAFORM_PYTHON to an interpreter that has it)"
        ),
    }
}

fn baseline(c: &mut Criterion, p: &Problem) {
    c.bench_function("784-128-10 batch 64, f64 step (nested-loop baseline)", |bench| {
        bench.iter(|| reference_step(black_box(p)))
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
