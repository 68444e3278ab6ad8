//! Benchmarks of the checker:
//!
//! * each seed document (`../shared/seeds`, when present) and each bundled document
//!   (`examples/check/*.md`) checked in-process, without an exercise;
//! * a one-page submission (the worked solution `run --format markdown` prints for
//!   `examples/seed_ex1_sigmoid.toml`) checked against its exercise, and a class of 1,000 such
//!   submissions graded in parallel as `deltaform check --exercise` does.
//!
//! Run with `cargo bench --bench check`.

use criterion::{criterion_group, criterion_main, Criterion};
use deltaform::check::{check_markdown, CheckOptions};
use deltaform::exercise::{render, run};
use rayon::prelude::*;
use std::hint::black_box;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

fn documents() -> Vec<(String, String)> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut paths: Vec<PathBuf> = ["../shared/seeds", "examples/check"]
        .iter()
        .filter_map(|dir| std::fs::read_dir(root.join(dir)).ok())
        .flatten()
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt" || x == "md"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            (p.file_name().expect("a name").to_string_lossy().to_string(), std::fs::read_to_string(&p).expect("reads"))
        })
        .collect()
}

fn documents_alone(c: &mut Criterion) {
    let options = CheckOptions::default();
    for (name, text) in documents() {
        c.bench_function(&format!("check {name}"), |b| {
            b.iter(|| black_box(check_markdown(black_box(&text), &options)))
        });
    }
}

fn submissions_with_exercise(c: &mut Criterion) {
    let source = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/seed_ex1_sigmoid.toml"))
        .expect("the example");
    let trace = run(&source).expect("runs");
    let page = render::markdown(&trace, &render::Options::default());
    let options = CheckOptions { exercise: Some(Arc::new(trace)), ..Default::default() };
    c.bench_function("check one page --exercise", |b| b.iter(|| black_box(check_markdown(black_box(&page), &options))));
    let class: Vec<String> = (0..1000).map(|k| page.replace("Worked solution", &format!("Submission {k}"))).collect();
    let mut group = c.benchmark_group("class");
    group.sample_size(10).measurement_time(Duration::from_secs(20));
    group.bench_function("check 1000 pages --exercise", |b| {
        b.iter(|| class.par_iter().map(|page| check_markdown(page, &options).len()).sum::<usize>())
    });
    group.finish();
}

criterion_group!(benches, documents_alone, submissions_with_exercise);
criterion_main!(benches);
