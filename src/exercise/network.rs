//! The numbers of an exercise: forward pass, backward pass and parameter updates on matrices of
//! [`Number`]s. Activations, f' and delta^L are evaluated from the formulas with [`eval`], so a
//! custom activation or loss needs no special case here.

use super::error::ExerciseError;
use super::file::{Exercise, Mode, OutputActivation};
use super::formulas::Formulas;
use super::matrix::{vector_minus_scaled, Matrix};
use super::trace::{Backward, Forward, Params, Query, Step, Trace};
use crate::ast::{Expr, Statement};
use crate::eval::{eval, eval_scalar, EvalError};
use crate::number::{NumError, Number};
use crate::value::{Env, Value};
use std::cmp::Ordering;

/// Trains the network as the exercise says, then answers its queries.
pub fn train(exercise: Exercise, formulas: Formulas) -> Result<Trace, ExerciseError> {
    let initial = Params { weights: exercise.weights.clone(), biases: exercise.biases.clone() };
    let mut params = initial.clone();
    let n = exercise.samples.len();
    let batches: Vec<Vec<usize>> = match exercise.mode {
        Mode::Sgd => (0..n).map(|k| vec![k]).collect(),
        Mode::Batch => vec![(0..n).collect()],
    };
    let mut steps = Vec::new();
    for pass in 1..=exercise.steps {
        for samples in &batches {
            let at = Where::Step(steps.len() + 1);
            let columns = |f: fn(&super::file::Sample) -> &Vec<Number>| {
                samples.iter().map(|&k| f(&exercise.samples[k]).clone()).collect::<Vec<_>>()
            };
            let x = Matrix::from_columns(exercise.layers[0], &columns(|s| &s.x)).expect("sizes checked on reading");
            let y = Matrix::from_columns(exercise.layers[exercise.depth()], &columns(|s| &s.y))
                .expect("sizes checked on reading");
            let forward = forward(&formulas, &params, &x, at)?;
            let loss = losses(&formulas, &forward, &y, at)?;
            let backward = backward(&formulas, &params, &forward, &y, at)?;
            params = update(&params, &exercise.rate, &backward, at)?;
            steps.push(Step { pass, samples: samples.clone(), loss, forward, backward, params: params.clone() });
        }
    }
    let mut queries = Vec::new();
    for (k, x) in exercise.queries.iter().enumerate() {
        let forward = forward(&formulas, &params, &Matrix::column_vector(x), Where::Query(k + 1))?;
        let output = forward.a.last().expect("a network has an output layer").column(0);
        let (class, tie) = classify(&output);
        queries.push(Query { forward, output, class, tie });
    }
    Ok(Trace { exercise, formulas, initial, steps, queries })
}

/// One step on the samples in the columns of `x` and `y`: forward, backward, update.
pub fn train_step(
    formulas: &Formulas,
    params: &Params,
    x: &Matrix,
    y: &Matrix,
    rate: &Number,
) -> Result<(Forward, Backward, Params), ExerciseError> {
    let forward = forward(formulas, params, x, Where::Step(1))?;
    let backward = backward(formulas, params, &forward, y, Where::Step(1))?;
    let params = update(params, rate, &backward, Where::Step(1))?;
    Ok((forward, backward, params))
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
pub fn forward(formulas: &Formulas, params: &Params, x: &Matrix, at: Where) -> Result<Forward, ExerciseError> {
    let depth = params.weights.len();
    let mut a = vec![x.clone()];
    let mut z = Vec::with_capacity(depth);
    for l in 1..=depth {
        let name = format!("z{l}");
        let zl = params.weights[l - 1]
            .matmul(&a[l - 1])
            .and_then(|m| m.add_to_columns(&params.biases[l - 1]))
            .map_err(at.num(&name))?;
        let what = format!("a{l}");
        let al = if l < depth {
            let f = formulas.activation.as_ref().expect("hidden layers have an activation");
            elementwise(f, &zl, at, &what)?
        } else {
            output(formulas, &zl, at, &what)?
        };
        z.push(zl);
        a.push(al);
    }
    Ok(Forward { z, a })
}

/// Evaluates an expression in `x` on every entry of `z` at once (activations and their
/// derivatives are element-wise, which the file reader checks).
fn elementwise(f: &Expr, z: &Matrix, at: Where, what: &str) -> Result<Matrix, ExerciseError> {
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
pub fn losses(formulas: &Formulas, forward: &Forward, y: &Matrix, at: Where) -> Result<Vec<Number>, ExerciseError> {
    (0..y.cols())
        .map(|c| eval_scalar(&formulas.loss, &output_env(forward, y, c)).map_err(at.eval("loss", &formulas.loss)))
        .collect()
}

/// The backward pass: delta^L from the derived formula, then the hidden deltas, then the
/// gradients summed over the samples.
pub fn backward(
    formulas: &Formulas,
    params: &Params,
    forward: &Forward,
    y: &Matrix,
    at: Where,
) -> Result<Backward, ExerciseError> {
    let depth = params.weights.len();
    let plan = &formulas.output_delta_plan;
    let what = format!("delta{depth}");
    let fail = at.eval(&what, &formulas.output_delta);
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
    let mut delta = vec![Matrix::from_columns(y.rows(), &columns).expect("columns of equal length")];
    for l in (1..depth).rev() {
        let name = format!("delta{l}");
        let back = params.weights[l].transpose().matmul(&delta[0]).map_err(at.num(&name))?;
        let fprime = formulas.activation_derivative.as_ref().expect("hidden layers have an activation");
        let slope = elementwise(fprime, &forward.z[l - 1], at, &name)?;
        delta.insert(0, back.zip_with(&slope, |a, b| a.clone().try_mul(b)).map_err(at.num(&name))?);
    }
    let mut dw = Vec::with_capacity(depth);
    let mut db = Vec::with_capacity(depth);
    for l in 1..=depth {
        dw.push(delta[l - 1].matmul(&forward.a[l - 1].transpose()).map_err(at.num(&format!("dW{l}")))?);
        db.push(delta[l - 1].row_sums().map_err(at.num(&format!("db{l}")))?);
    }
    Ok(Backward { delta, dw, db })
}

/// The parameters after one gradient step.
pub fn update(params: &Params, rate: &Number, backward: &Backward, at: Where) -> Result<Params, ExerciseError> {
    let mut weights = Vec::with_capacity(params.weights.len());
    let mut biases = Vec::with_capacity(params.biases.len());
    for l in 0..params.weights.len() {
        weights.push(params.weights[l].minus_scaled(rate, &backward.dw[l]).map_err(at.num(&format!("W{}", l + 1)))?);
        biases.push(
            vector_minus_scaled(&params.biases[l], rate, &backward.db[l]).map_err(at.num(&format!("b{}", l + 1)))?,
        );
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
        let trace = train(ex, formulas).unwrap();
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
        assert!(s.params.weights.iter().all(|w| w.entries().iter().all(Number::is_exact)));
        assert_eq!(trace.queries[0].output.len(), 1);
    }

    #[test]
    fn classify_counts_from_one_and_reports_ties() {
        assert_eq!(classify(&[q(1, 3), q(1, 2), q(1, 6)]), (2, false));
        assert_eq!(classify(&[q(1, 2), q(1, 2)]), (1, true));
    }
}
