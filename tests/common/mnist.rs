//! A 784-128-10 network (sigmoid hidden units, softmax + cross-entropy) on a batch of 64, with
//! pseudo-random parameters and inputs, and one training step of it written as plain nested
//! loops that share no code with the runner: the reference of the f64 path's test and
//! benchmark.

// The reference is plain index loops on purpose: it must read like the math.
#![allow(clippy::needless_range_loop)]

/// The layer sizes.
pub const SIZES: [usize; 3] = [784, 128, 10];
/// The samples per step.
pub const BATCH: usize = 64;
/// The learning rate.
pub const RATE: f64 = 0.01;

/// The exercise file of the network (its parameters are replaced by [`problem`]'s).
pub fn exercise_source() -> String {
    format!(
        "[network]\nlayers = [784, 128, 10]\nactivation = \"sigmoid\"\noutput = \"softmax\"\n\
         loss = \"cross_entropy\"\n[init]\nweights = 0\n[train]\nrate = {RATE}\narithmetic = \"f64\"\n\
         [[sample]]\nx = [{}]\ny = [{}]\n",
        vec!["0"; SIZES[0]].join(", "),
        vec!["0"; SIZES[2]].join(", ")
    )
}

/// A deterministic pseudo-random sequence in [-0.5, 0.5) (no `rand` needed).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    }
}

/// Parameters and one batch: `w[l][i][j]`, `b[l][i]`, and one row per sample in `x` and `y`.
pub struct Problem {
    pub w: Vec<Vec<Vec<f64>>>,
    pub b: Vec<Vec<f64>>,
    pub x: Vec<Vec<f64>>,
    pub y: Vec<Vec<f64>>,
}

/// The problem, the same at every call.
pub fn problem() -> Problem {
    let mut rng = Lcg(7);
    let w = (1..3)
        .map(|l| (0..SIZES[l]).map(|_| (0..SIZES[l - 1]).map(|_| rng.next() * 0.1).collect()).collect())
        .collect();
    let b = (1..3).map(|l| (0..SIZES[l]).map(|_| rng.next() * 0.1).collect()).collect();
    let x = (0..BATCH).map(|_| (0..SIZES[0]).map(|_| rng.next() + 0.5).collect()).collect();
    let y = (0..BATCH).map(|s| (0..SIZES[2]).map(|k| if k == s % SIZES[2] { 1.0 } else { 0.0 }).collect()).collect();
    Problem { w, b, x, y }
}

/// One step's gradients (summed over the batch) and updated parameters.
pub struct StepResult {
    pub dw: Vec<Vec<Vec<f64>>>,
    pub db: Vec<Vec<f64>>,
    pub w: Vec<Vec<Vec<f64>>>,
    pub b: Vec<Vec<f64>>,
}

/// One training step as nested loops (delta^L = softmax(z) - y, written by hand).
pub fn reference_step(p: &Problem) -> StepResult {
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
    let (dw, db) = (vec![dw1, dw2], vec![db1, db2]);
    let mut w = p.w.clone();
    let mut b = p.b.clone();
    for l in 0..2 {
        for i in 0..w[l].len() {
            b[l][i] -= RATE * db[l][i];
            for j in 0..w[l][i].len() {
                w[l][i][j] -= RATE * dw[l][i][j];
            }
        }
    }
    StepResult { dw, db, w, b }
}
