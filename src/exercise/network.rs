//! The numbers of an exercise: forward pass, backward pass and parameter updates on matrices of
//! [`Number`]s (f64 arrays on the f64 path, see [`Matrix`]). Activations, f', delta^L and the
//! loss are evaluated from the formulas: for a whole layer or batch at once by the batched
//! evaluator ([`Samples`]) where it can, else by [`eval`], which gives the same numbers; so a
//! custom activation or loss needs no special case here.

use super::error::ExerciseError;
use super::file::{Arithmetic, Exercise, Expectation, Mode, OutputActivation, Reduction, Sample};
use super::formulas::{Formulas, Plan};
use super::matrix::{outgrows, vector_minus_scaled, Matrix};
use super::trace::{Backward, Forward, Keep, Note, Params, Query, Step, Trace};
use crate::eval::batch::Samples;
use crate::eval::number::{NumError, Number};
use crate::eval::value::{Env, Value};
use crate::eval::{eval, eval_scalar, EvalError};
use crate::syntax::ast::{Expr, Statement};
use ndarray::{Array1, Array2, ArrayView1};
use std::cmp::Ordering;

/// The largest size, in bits, of the numerator or the denominator of an exact number that a run
/// keeps. A pass whose exact numbers outgrow it is redone in f64, and the run goes on in f64
/// (with a [`Note`]): exact rationals whose size doubles with every step would otherwise make
/// a run of a few hundred steps take minutes.
pub const MAX_EXACT_BITS: u64 = 256;

/// How far a pass keeps numbers exact.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exactness {
    /// Exact numbers may grow without bound (f64 numbers stay f64).
    Unbounded,
    /// An exact numerator or denominator of more than this many bits stops the pass.
    UpTo(u64),
}

/// Why a pass stopped short.
#[derive(Clone, Debug, PartialEq)]
pub enum PassError {
    /// A number has no value: the run fails with this error.
    Failed(ExerciseError),
    /// An exact entry of the named matrix outgrew the [`Exactness`] bound: the pass can be
    /// redone in f64.
    Outgrown(String),
}

impl From<ExerciseError> for PassError {
    fn from(e: ExerciseError) -> PassError {
        PassError::Failed(e)
    }
}

impl Exactness {
    /// `m`, unless one of its exact entries outgrew the bound.
    fn keep(self, m: Matrix, what: &str) -> Result<Matrix, PassError> {
        match self {
            Exactness::UpTo(bits) if m.outgrows(bits) => Err(PassError::Outgrown(what.to_string())),
            _ => Ok(m),
        }
    }

    /// `v`, unless one of its exact entries outgrew the bound.
    fn keep_vector(self, v: Vec<Number>, what: &str) -> Result<Vec<Number>, PassError> {
        match self {
            Exactness::UpTo(bits) if v.iter().any(|n| outgrows(n, bits)) => Err(PassError::Outgrown(what.to_string())),
            _ => Ok(v),
        }
    }

    /// The product `a * b`, computed under the bound.
    fn matmul(self, a: &Matrix, b: &Matrix, at: Where, what: &str) -> Result<Matrix, PassError> {
        self.within(a.product(b, self.bits()), at, what)
    }

    /// The product `a^T * b`, computed under the bound.
    fn transpose_matmul(self, a: &Matrix, b: &Matrix, at: Where, what: &str) -> Result<Matrix, PassError> {
        self.within(a.transpose_matmul(b, self.bits()), at, what)
    }

    /// The product `a * b^T`, computed under the bound.
    fn matmul_transpose(self, a: &Matrix, b: &Matrix, at: Where, what: &str) -> Result<Matrix, PassError> {
        self.within(a.matmul_transpose(b, self.bits()), at, what)
    }

    fn bits(self) -> Option<u64> {
        match self {
            Exactness::Unbounded => None,
            Exactness::UpTo(bits) => Some(bits),
        }
    }

    fn within(self, product: Result<Option<Matrix>, NumError>, at: Where, what: &str) -> Result<Matrix, PassError> {
        product.map_err(at.num(what))?.ok_or_else(|| PassError::Outgrown(what.to_string()))
    }
}

/// The samples of one update, one column each.
struct Batch {
    samples: Vec<usize>,
    x: Matrix,
    y: Matrix,
}

impl Batch {
    fn new(exercise: &Exercise, samples: Vec<usize>) -> Batch {
        let columns = |f: fn(&Sample) -> &Vec<Number>| {
            samples.iter().map(|&k| f(&exercise.samples[k]).clone()).collect::<Vec<_>>()
        };
        let x = Matrix::from_columns(exercise.layers[0], &columns(|s| &s.x)).expect("sizes checked on reading");
        let y = Matrix::from_columns(exercise.layers[exercise.depth()], &columns(|s| &s.y))
            .expect("sizes checked on reading");
        Batch { samples, x, y }
    }

    fn approximate(&self) -> Result<Batch, NumError> {
        Ok(Batch { samples: self.samples.clone(), x: self.x.approximate()?, y: self.y.approximate()? })
    }
}

/// The state of a run between steps: the parameters, the rate and the samples in the
/// arithmetic the run is in now.
struct Run {
    exactness: Exactness,
    params: Params,
    rate: Number,
    batches: Vec<Batch>,
    notes: Vec<Note>,
}

impl Run {
    /// Goes on in f64: the parameters, the rate and the samples become f64.
    fn give_up_exactness(&mut self, at: Where) -> Result<(), ExerciseError> {
        let fail = at.num("switching to f64");
        self.params = self.params.approximate().map_err(&fail)?;
        self.rate = Number::approx(self.rate.to_f64()).map_err(&fail)?;
        self.batches = self.batches.iter().map(Batch::approximate).collect::<Result<_, _>>().map_err(&fail)?;
        self.exactness = Exactness::Unbounded;
        Ok(())
    }

    /// One update on batch `b`: exactly while the numbers stay within the bound, else (from this
    /// step on) in f64.
    fn step(&mut self, formulas: &Formulas, b: usize, pass: usize, step: usize) -> Result<Step, ExerciseError> {
        let at = Where::Step(step);
        match self.try_step(formulas, b, pass, at) {
            Err(PassError::Outgrown(matrix)) => {
                self.notes.push(Note::ExactGivenUp { step, matrix, bits: MAX_EXACT_BITS });
                self.give_up_exactness(at)?;
                Ok(self.try_step(formulas, b, pass, at)?)
            }
            done => Ok(done?),
        }
    }

    fn try_step(&mut self, formulas: &Formulas, b: usize, pass: usize, at: Where) -> Result<Step, PassError> {
        let batch = &self.batches[b];
        let forward = forward(formulas, &self.params, &batch.x, at, self.exactness)?;
        let loss = losses(formulas, &forward, &batch.y, at, self.exactness)?;
        let backward = backward(formulas, &self.params, &forward, &batch.y, at, self.exactness)?;
        let params = update(&self.params, &self.rate, &backward, at, self.exactness)?;
        self.params = params.clone();
        Ok(Step { pass, samples: batch.samples.clone(), loss, forward, backward, params })
    }

    /// A forward pass with the final parameters on query `k` (from 1): exactly while the
    /// numbers stay within the bound, else in f64 (with a note).
    fn query(&mut self, formulas: &Formulas, x: &[Number], k: usize) -> Result<Query, ExerciseError> {
        let at = Where::Query(k);
        let x = Matrix::column_vector(x);
        let forward = match forward(formulas, &self.params, &x, at, self.exactness) {
            Err(PassError::Outgrown(matrix)) => {
                self.notes.push(Note::QueryInF64 { query: k, matrix, bits: MAX_EXACT_BITS });
                let fail = at.num("switching to f64");
                let params = self.params.approximate().map_err(&fail)?;
                forward(formulas, &params, &x.approximate().map_err(&fail)?, at, Exactness::Unbounded)?
            }
            done => done?,
        };
        let output = forward.a.last().expect("a network has an output layer").column(0);
        let (class, tie) = classify(&output);
        Ok(Query { forward, output, class, tie, expected: None })
    }
}

impl From<PassError> for ExerciseError {
    /// The error of a pass that cannot be redone: a failure as it is; an outgrown entry (which
    /// only a bounded pass reports) as an arithmetic error.
    fn from(e: PassError) -> ExerciseError {
        match e {
            PassError::Failed(e) => e,
            PassError::Outgrown(matrix) => ExerciseError::Arithmetic {
                context: matrix,
                message: format!("an exact entry outgrew {MAX_EXACT_BITS} bits"),
            },
        }
    }
}

/// Trains the network as the exercise says, then answers its queries. Exact arithmetic is kept
/// while every exact numerator and denominator fits in [`MAX_EXACT_BITS`] bits; the first step
/// where one outgrows it is redone in f64, the run goes on in f64, and the trace says so.
pub fn train(
    exercise: Exercise,
    formulas: Formulas,
    keep: Keep,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Trace, ExerciseError> {
    let initial = Params { weights: exercise.weights.clone(), biases: exercise.biases.clone() };
    let n = exercise.samples.len();
    let groups: Vec<Vec<usize>> = match exercise.mode {
        Mode::Sgd => (0..n).map(|k| vec![k]).collect(),
        Mode::Batch => vec![(0..n).collect()],
    };
    let exactness = match exercise.arithmetic {
        Arithmetic::Exact => Exactness::UpTo(MAX_EXACT_BITS),
        Arithmetic::F64 => Exactness::Unbounded,
    };
    let batches = groups.into_iter().map(|g| Batch::new(&exercise, g)).collect();
    let mut run = Run { exactness, params: initial.clone(), rate: exercise.rate.clone(), batches, notes: vec![] };
    let mut steps = Vec::new();
    let total = exercise.steps * run.batches.len();
    let mut updates = 0;
    for pass in 1..=exercise.steps {
        for b in 0..run.batches.len() {
            updates += 1;
            let step = run.step(&formulas, b, pass, updates)?;
            if keep == Keep::EveryStep {
                steps.push(step);
            }
            progress(updates, total);
        }
    }
    let mut queries = Vec::new();
    for (k, x) in exercise.queries.iter().enumerate() {
        let mut query = run.query(&formulas, x, k + 1)?;
        query.expected = exercise.expectations[k].clone().map(|e| {
            let met = meets(&query, &e);
            (e, met)
        });
        queries.push(query);
    }
    Ok(Trace { exercise, formulas, initial, steps, updates, final_params: run.params, queries, notes: run.notes })
}

/// One step on the samples in the columns of `x` and `y`: forward, backward, update.
pub fn train_step(
    formulas: &Formulas,
    params: &Params,
    x: &Matrix,
    y: &Matrix,
    rate: &Number,
    exactness: Exactness,
) -> Result<(Forward, Backward, Params), PassError> {
    let forward = forward(formulas, params, x, Where::Step(1), exactness)?;
    let backward = backward(formulas, params, &forward, y, Where::Step(1), exactness)?;
    let params = update(params, rate, &backward, Where::Step(1), exactness)?;
    Ok((forward, backward, params))
}

/// Whether a query gives what is expected of it: the class, with no tie; the outputs, exactly
/// where both are exact, else to 1e-9 relative.
fn meets(query: &Query, expected: &Expectation) -> bool {
    match expected {
        Expectation::Class(c) => query.class == *c && !query.tie,
        Expectation::Output(want) => query.output.iter().zip(want).all(|(got, want)| match (got, want) {
            (Number::Exact(a), Number::Exact(b)) => a == b,
            _ => {
                let (a, b) = (got.to_f64(), want.to_f64());
                (a - b).abs() <= 1e-9 * b.abs().max(1.0)
            }
        }),
    }
}

/// The position of the largest output, from 1 (the first of equal largest ones), and whether
/// another output equals it.
pub fn classify(output: &[Number]) -> (usize, bool) {
    let mut best = 0;
    for (k, v) in output.iter().enumerate() {
        if v.compare(&output[best]) == Ordering::Greater {
            best = k;
        }
    }
    let tie = output.iter().enumerate().any(|(k, v)| k != best && v.compare(&output[best]) == Ordering::Equal);
    (best + 1, tie)
}

/// Where in the run a number is computed, for error messages.
#[derive(Clone, Copy, Debug)]
pub enum Where {
    /// Training step `n` (from 1).
    Step(usize),
    /// Query `n` (from 1).
    Query(usize),
}

impl Where {
    fn num(self, what: &str) -> impl Fn(NumError) -> ExerciseError {
        let context = self.context(what);
        move |e| ExerciseError::Arithmetic { context: context.clone(), message: e.to_string() }
    }

    fn eval(self, what: &str, formula: &Expr) -> impl Fn(EvalError) -> ExerciseError {
        let context = self.context(what);
        let formula = formula.to_string();
        move |e| ExerciseError::Arithmetic { context: context.clone(), message: format!("{e}, evaluating `{formula}`") }
    }

    fn context(self, what: &str) -> String {
        match self {
            Where::Step(n) => format!("step {n}, {what}"),
            Where::Query(n) => format!("query {n}, {what}"),
        }
    }
}

/// The forward pass over the inputs in the columns of `x`.
pub fn forward(
    formulas: &Formulas,
    params: &Params,
    x: &Matrix,
    at: Where,
    exactness: Exactness,
) -> Result<Forward, PassError> {
    let depth = params.weights.len();
    let mut a = vec![x.clone()];
    let mut z = Vec::with_capacity(depth);
    for l in 1..=depth {
        let name = format!("z{l}");
        let product = exactness.matmul(&params.weights[l - 1], &a[l - 1], at, &name)?;
        let zl = exactness.keep(product.add_to_columns(&params.biases[l - 1]).map_err(at.num(&name))?, &name)?;
        let what = format!("a{l}");
        let al = if l < depth {
            let f = formulas.activation.as_ref().expect("hidden layers have an activation");
            elementwise(f, &zl, at, &what)?
        } else {
            output(formulas, &zl, at, &what)?
        };
        let al = exactness.keep(al, &what)?;
        z.push(zl);
        a.push(al);
    }
    Ok(Forward { z, a })
}

/// Evaluates an expression in `x` on every entry of `z` at once (activations and their
/// derivatives are element-wise, which the file reader checks).
fn elementwise(f: &Expr, z: &Matrix, at: Where, what: &str) -> Result<Matrix, ExerciseError> {
    if let Some(xs) = z.floats() {
        let mut batch = Samples::new(xs.len());
        match xs.as_slice() {
            // Every entry, row by row, without a copy.
            Some(entries) => batch.bind_numbers("x", ArrayView1::from(entries)),
            None => batch.bind_numbers("x", xs.iter().copied().collect::<Array1<f64>>()),
        }
        if let Some(values) = batch.eval(f) {
            let values = values.into_shape_with_order(xs.dim()).expect("one value per entry");
            return Matrix::from_floats(values).map_err(at.num(what));
        }
    }
    let mut env = Env::new();
    env.bind("x", z.to_value());
    let value = eval(f, &env).map_err(at.eval(what, f))?;
    Matrix::from_value(value, z.rows(), z.cols()).ok_or_else(|| ExerciseError::Arithmetic {
        context: at.context(what),
        message: format!("`{f}` does not give one number per unit"),
    })
}

/// The output activation of the nets in the columns of `z`.
fn output(formulas: &Formulas, z: &Matrix, at: Where, what: &str) -> Result<Matrix, ExerciseError> {
    let body = match (&formulas.output, &formulas.output_definition) {
        (OutputActivation::Elementwise(g), _) => return elementwise(g, z, at, what),
        (OutputActivation::Softmax, Statement::Equation(_, body)) => body,
        (OutputActivation::Softmax, Statement::Expr(body)) => body,
    };
    let mut columns = Vec::with_capacity(z.cols());
    for c in 0..z.cols() {
        let mut env = Env::new();
        env.bind("z", Value::Vector(z.column(c)));
        match eval(body, &env).map_err(at.eval(what, body))? {
            Value::Vector(v) if v.len() == z.rows() => columns.push(v),
            _ => {
                return Err(ExerciseError::Arithmetic {
                    context: at.context(what),
                    message: format!("`{body}` does not give one number per output unit"),
                })
            }
        }
    }
    Ok(Matrix::from_columns(z.rows(), &columns).expect("columns of equal length"))
}

/// Binds `z`, `y` and `yhat` to column `c` of the output nets, targets and outputs.
fn output_env(forward: &Forward, y: &Matrix, c: usize) -> Env {
    let mut env = Env::new();
    env.bind("z", Value::Vector(forward.z.last().expect("an output layer").column(c)));
    env.bind("yhat", Value::Vector(forward.a.last().expect("an output layer").column(c)));
    env.bind("y", Value::Vector(y.column(c)));
    env
}

/// The loss of each sample.
pub fn losses(
    formulas: &Formulas,
    forward: &Forward,
    y: &Matrix,
    at: Where,
    exactness: Exactness,
) -> Result<Vec<Number>, PassError> {
    if let Some(loss) = output_in_f64(forward, y).and_then(|mut samples| samples.eval(&formulas.loss)) {
        return Ok(loss.into_iter().map(Number::Approx).collect());
    }
    let loss = (0..y.cols())
        .map(|c| eval_scalar(&formulas.loss, &output_env(forward, y, c)).map_err(at.eval("loss", &formulas.loss)))
        .collect::<Result<_, _>>()?;
    exactness.keep_vector(loss, "E")
}

/// The backward pass: delta^L from the derived formula, then the hidden deltas, then the
/// gradients summed over the samples.
pub fn backward(
    formulas: &Formulas,
    params: &Params,
    forward: &Forward,
    y: &Matrix,
    at: Where,
    exactness: Exactness,
) -> Result<Backward, PassError> {
    let depth = params.weights.len();
    let plan = &formulas.output_delta_plan;
    let what = format!("delta{depth}");
    let fail = at.eval(&what, &formulas.output_delta);
    if let Some(output_delta) = output_delta_in_f64(plan, forward, y) {
        return hidden_and_gradients(formulas, params, forward, y, output_delta, at, exactness);
    }
    let mut columns = Vec::with_capacity(y.cols());
    for c in 0..y.cols() {
        let mut env = output_env(forward, y, c);
        let mut column = Vec::with_capacity(y.rows());
        for k in 1..=y.rows() {
            env.bind("k", Value::Scalar(Number::int(k as i64)));
            for (name, e) in &plan.hoisted {
                let value = eval(e, &env).map_err(&fail)?;
                env.bind(name, value);
            }
            column.push(eval_scalar(&plan.body, &env).map_err(&fail)?);
        }
        columns.push(column);
    }
    let output_delta = Matrix::from_columns(y.rows(), &columns).expect("columns of equal length");
    hidden_and_gradients(formulas, params, forward, y, output_delta, at, exactness)
}

/// `z`, `yhat` and `y` bound to the output nets, outputs and targets of every sample, when they
/// are all f64.
fn output_in_f64<'a>(forward: &'a Forward, y: &'a Matrix) -> Option<Samples<'a>> {
    let mut samples = Samples::new(y.cols());
    samples.bind_vectors("z", forward.z.last()?.floats()?.view());
    samples.bind_vectors("yhat", forward.a.last()?.floats()?.view());
    samples.bind_vectors("y", y.floats()?.view());
    Some(samples)
}

/// delta^L for every sample at once on the f64 path (the outputs, nets and targets all f64);
/// `None` when some value is not a plain f64, or the plan is beyond the batched evaluator.
fn output_delta_in_f64(plan: &Plan, forward: &Forward, y: &Matrix) -> Option<Matrix> {
    let mut samples = output_in_f64(forward, y)?;
    let mut delta = Array2::zeros((y.rows(), y.cols()));
    for k in 1..=y.rows() {
        samples.bind_index("k", k);
        for (name, e) in &plan.hoisted {
            let values = samples.eval(e)?;
            samples.bind_numbers(name, values);
        }
        delta.row_mut(k - 1).assign(&samples.eval(&plan.body)?);
    }
    Matrix::from_floats(delta).ok()
}

/// The hidden layers' deltas (from `output_delta`) and every layer's gradients.
fn hidden_and_gradients(
    formulas: &Formulas,
    params: &Params,
    forward: &Forward,
    y: &Matrix,
    output_delta: Matrix,
    at: Where,
    exactness: Exactness,
) -> Result<Backward, PassError> {
    let depth = params.weights.len();
    let mut delta = vec![exactness.keep(output_delta, &format!("delta{depth}"))?];
    let (mut propagated, mut slopes) = (Vec::with_capacity(depth), Vec::with_capacity(depth));
    for l in (1..depth).rev() {
        let name = format!("delta{l}");
        let back = exactness.transpose_matmul(&params.weights[l], &delta[0], at, &name)?;
        let fprime = formulas.activation_derivative.as_ref().expect("hidden layers have an activation");
        let slope = elementwise(fprime, &forward.z[l - 1], at, &name)?;
        let product = back.hadamard(&slope).map_err(at.num(&name))?;
        delta.insert(0, exactness.keep(product, &name)?);
        propagated.insert(0, back);
        slopes.insert(0, slope);
    }
    let mut dw = Vec::with_capacity(depth);
    let mut db = Vec::with_capacity(depth);
    // The gradients sum over the step's samples, or average (`reduction = "mean"`).
    let share = match formulas.reduction {
        Reduction::Mean if y.cols() > 1 => {
            Some(Number::Exact(num_rational::BigRational::new(1.into(), y.cols().into())))
        }
        _ => None,
    };
    for l in 1..=depth {
        let (dw_name, db_name) = (format!("dW{l}"), format!("db{l}"));
        let mut gradient = exactness.matmul_transpose(&delta[l - 1], &forward.a[l - 1], at, &dw_name)?;
        let mut sums = delta[l - 1].row_sums().map_err(at.num(&db_name))?;
        if let Some(share) = &share {
            gradient = gradient.scaled(share).map_err(at.num(&dw_name))?;
            sums = sums.into_iter().map(|x| x.try_mul(share)).collect::<Result<_, _>>().map_err(at.num(&db_name))?;
        }
        dw.push(gradient);
        db.push(exactness.keep_vector(sums, &db_name)?);
    }
    Ok(Backward { delta, dw, db, propagated, slopes })
}

/// The parameters after one gradient step.
pub fn update(
    params: &Params,
    rate: &Number,
    backward: &Backward,
    at: Where,
    exactness: Exactness,
) -> Result<Params, PassError> {
    let mut weights = Vec::with_capacity(params.weights.len());
    let mut biases = Vec::with_capacity(params.biases.len());
    for l in 0..params.weights.len() {
        let (w_name, b_name) = (format!("W{}", l + 1), format!("b{}", l + 1));
        let w = params.weights[l].minus_scaled(rate, &backward.dw[l]).map_err(at.num(&w_name))?;
        weights.push(exactness.keep(w, &w_name)?);
        let b = vector_minus_scaled(&params.biases[l], rate, &backward.db[l]).map_err(at.num(&b_name))?;
        biases.push(exactness.keep_vector(b, &b_name)?);
    }
    Ok(Params { weights, biases })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exercise::file::parse_exercise;
    use crate::exercise::formulas::derive;
    use num_rational::BigRational;

    fn q(n: i64, d: i64) -> Number {
        Number::Exact(BigRational::new(n.into(), d.into()))
    }

    /// A 2-2-1 relu network with a linear output: every number stays exact, and is checked
    /// against a hand computation.
    #[test]
    fn relu_network_is_exact() {
        let src = "[network]\nlayers = [2, 2, 1]\nactivation = \"relu\"\noutput = \"identity\"\n\
                   loss = \"squared_error\"\n[init]\nW1 = [[0.1, -0.2], [0.3, 0.4]]\nW2 = [[0.5, -1]]\n\
                   b1 = [0, 0.1]\n[train]\nrate = 0.1\n[[sample]]\nx = [1, 2]\ny = [1]\n[[query]]\nx = [2, 0]\n";
        let ex = parse_exercise(src).unwrap();
        let formulas = derive(&ex).unwrap();
        let trace = train(ex, formulas, Keep::EveryStep, &mut |_, _| {}).unwrap();
        let s = &trace.steps[0];
        // z1 = [0.1 - 0.4, 0.3 + 0.8 + 0.1] = [-0.3, 1.2]; a1 = [0, 1.2]
        assert_eq!(s.forward.z[0].column(0), vec![q(-3, 10), q(6, 5)]);
        assert_eq!(s.forward.a[1].column(0), vec![q(0, 1), q(6, 5)]);
        // z2 = 0.5*0 - 1*1.2 = -1.2; delta2 = yhat - y = -2.2
        assert_eq!(s.backward.delta[1].column(0), vec![q(-11, 5)]);
        // delta1 = W2^T delta2 * step(z1) = [0, 2.2]
        assert_eq!(s.backward.delta[0].column(0), vec![q(0, 1), q(11, 5)]);
        assert_eq!(s.backward.dw[0].row(1), &[q(11, 5), q(22, 5)]);
        assert_eq!(s.params.weights[1].row(0), &[q(1, 2), q(-92, 125)]);
        assert_eq!(s.loss, vec![q(121, 50)]);
        assert!(s.params.weights.iter().all(|w| w.entries().all(|n| n.is_exact())));
        assert_eq!(trace.queries[0].output.len(), 1);
    }

    /// A 2-2 linear network on rational inputs: the exact numbers grow with every step.
    fn growing(steps: usize, arithmetic: &str) -> String {
        format!(
            "[network]\nlayers = [2, 2]\noutput = \"identity\"\nloss = \"squared_error\"\n[init]\n\
             weights = \"1/3\"\n[train]\nrate = 0.1\nsteps = {steps}\narithmetic = \"{arithmetic}\"\n\
             [[sample]]\nx = [\"1/3\", \"2/7\"]\ny = [\"1/5\", \"4/5\"]\n[[query]]\nx = [1, 2]\n"
        )
    }

    fn run(src: &str) -> Trace {
        let ex = parse_exercise(src).unwrap();
        let formulas = derive(&ex).unwrap();
        train(ex, formulas, Keep::EveryStep, &mut |_, _| {}).unwrap()
    }

    fn all_exact(p: &Params) -> bool {
        p.weights.iter().all(|w| w.entries().all(|n| n.is_exact())) && p.biases.iter().flatten().all(Number::is_exact)
    }

    #[test]
    fn exactness_is_given_up_at_the_step_where_an_entry_outgrows_the_bound() {
        let trace = run(&growing(30, "exact"));
        let [Note::ExactGivenUp { step, matrix, bits }] = trace.notes.as_slice() else {
            panic!("one note expected: {:?}", trace.notes)
        };
        assert_eq!(*bits, MAX_EXACT_BITS);
        assert!((2..30).contains(step), "{step}");
        // Before that step every number is exact and within the bound; from it on, f64.
        for s in &trace.steps[..step - 1] {
            assert!(all_exact(&s.params) && !s.params.weights[0].outgrows(MAX_EXACT_BITS));
        }
        for s in &trace.steps[step - 1..] {
            assert!(s.params.weights.iter().all(|w| w.entries().all(|n| !n.is_exact())));
            assert!(s.forward.a[0].entries().all(|n| !n.is_exact()), "the samples are f64 too");
        }
        // The step that outgrew the bound, done exactly, would have an entry of `matrix` that
        // large; the previous step's numbers were not.
        assert!(matches!(matrix.as_str(), "z1" | "a1" | "E" | "delta1" | "dW1" | "db1" | "W1" | "b1"), "{matrix}");
        // The numbers agree with a run in f64 all along.
        let f64_run = run(&growing(30, "f64"));
        assert!(f64_run.notes.is_empty());
        for (a, b) in trace.steps.iter().zip(&f64_run.steps) {
            for (x, y) in a.params.weights[0].entries().zip(b.params.weights[0].entries()) {
                assert!((x.to_f64() - y.to_f64()).abs() < 1e-14, "{x} vs {y}");
            }
        }
        assert!(trace.queries[0].output.iter().all(|n| !n.is_exact()));
    }

    #[test]
    fn a_run_that_stays_small_stays_exact_without_a_note() {
        let trace = run(&growing(3, "exact"));
        assert!(trace.notes.is_empty());
        assert!(trace.steps.iter().all(|s| all_exact(&s.params)));
    }

    #[test]
    fn a_query_that_outgrows_the_bound_is_computed_in_f64() {
        let src = growing(1, "exact")
            .replace("[[query]]\nx = [1, 2]", "[[query]]\nx = [1, 2]\n[[query]]\nx = [\"3^-200\", 1]");
        let trace = run(&src);
        assert_eq!(trace.notes, vec![Note::QueryInF64 { query: 2, matrix: "z1".into(), bits: MAX_EXACT_BITS }]);
        assert!(trace.queries[0].output.iter().all(Number::is_exact));
        assert!(trace.queries[1].output.iter().all(|n| !n.is_exact()));
        let expected = (1.0f64 / 3.0).powi(200);
        assert!((trace.queries[1].forward.a[0].get(0, 0).to_f64() / expected - 1.0).abs() < 1e-12);
    }

    #[test]
    fn classify_counts_from_one_and_reports_ties() {
        assert_eq!(classify(&[q(1, 3), q(1, 2), q(1, 6)]), (2, false));
        assert_eq!(classify(&[q(1, 2), q(1, 2)]), (1, true));
    }
}
