//! Benchmark of the symbolic engine over the whole catalog (`tests/catalog.toml`): for each
//! derivation, the time of `deltaform::derive` as `deltaform derive` runs it (chain rule,
//! e-graph simplification with the default limits, numeric check), with and without the steps.
//!
//! Before criterion's own figures it prints a table: the median time of each derivation, the
//! e-graph's size (e-nodes, e-classes, iterations), the number of steps shown against the lines
//! of algebra a textbook shows, the result's length in operators against the textbook form's
//! (`*`: known to be longer) and any limit hit, then the median and the largest time over the
//! catalog.
//!
//! Run with `cargo bench --bench catalog`.

#[path = "../tests/common/catalog.rs"]
mod catalog;

use catalog::{Entry, CATALOG};
use criterion::{criterion_group, criterion_main, Criterion};
use deltaform::derive::Options;
use deltaform::egraph::Limits;
use deltaform::Derivation;
use std::hint::black_box;
use std::time::{Duration, Instant};

fn options(entry: &Entry, steps: bool) -> Options {
    Options {
        lets: entry.lets.iter().map(|s| s.to_string()).collect(),
        assume: entry.assume.iter().map(|s| s.to_string()).collect(),
        limits: Limits::default(),
        steps,
    }
}

fn derive(entry: &Entry, options: &Options) -> Derivation {
    deltaform::derive(&entry.expr, &entry.wrt, options).expect("a catalog entry derives")
}

/// The median of `runs` timed derivations, and the last derivation.
fn median_time(entry: &Entry, steps: bool, runs: usize) -> (Duration, Derivation) {
    let options = options(entry, steps);
    let mut times = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs {
        let start = Instant::now();
        let d = derive(entry, &options);
        times.push(start.elapsed());
        last = Some(d);
    }
    times.sort();
    (times[runs / 2], last.expect("at least one run"))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// The summary table: one row per derivation, then the median and maximum.
fn print_table() {
    const RUNS: usize = 15;
    println!(
        "{:<34} {:>10} {:>10} {:>7} {:>7} {:>5} {:>6} {:>8} {:>4} {:>8}  limit",
        "derivation", "ms", "ms steps", "nodes", "classes", "iters", "steps", "textbook", "ops", "textbook"
    );
    let (mut plain, mut with_steps) = (vec![], vec![]);
    for entry in CATALOG.iter() {
        let (t, d) = median_time(entry, false, RUNS);
        let (ts, with_steps_d) = median_time(entry, true, RUNS);
        let s = &d.simplified;
        let limit = s.limit_hit.as_ref().map(|l| l.to_string()).unwrap_or_default();
        let textbook = deltaform::parse_expr(&entry.textbook).expect("a textbook form parses");
        let longer = if entry.known_longer.is_some() { "*" } else { "" };
        println!(
            "{:<34} {:>10.2} {:>10.2} {:>7} {:>7} {:>5} {:>6} {:>8} {:>4} {:>7}{longer:1}  {limit}",
            entry.name,
            ms(t),
            ms(ts),
            s.nodes,
            s.classes,
            s.iterations,
            with_steps_d.simplified.steps.len(),
            entry.textbook_steps,
            d.result().operator_count(),
            textbook.operator_count()
        );
        plain.push(t);
        with_steps.push(ts);
    }
    for (label, mut times) in [("without steps", plain), ("with steps", with_steps)] {
        times.sort();
        let (median, max) = (times[times.len() / 2], times[times.len() - 1]);
        println!("{label}: median {:.2} ms, max {:.2} ms over {} derivations", ms(median), ms(max), times.len());
    }
}

fn catalog(c: &mut Criterion) {
    print_table();
    let mut group = c.benchmark_group("derive");
    group.sample_size(10).warm_up_time(Duration::from_millis(300)).measurement_time(Duration::from_secs(1));
    for entry in CATALOG.iter() {
        let options = options(entry, false);
        group.bench_function(&entry.name, |b| b.iter(|| derive(black_box(entry), &options)));
    }
    group.finish();
}

criterion_group!(benches, catalog);
criterion_main!(benches);
