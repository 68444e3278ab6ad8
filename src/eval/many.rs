//! An expression evaluated in f64 at many points: some names take one value per point, the
//! others one value for all (a plotted or vectorised function, `lambdify` in the Python
//! package). The batch evaluator does it in one pass where it can; otherwise each point is
//! evaluated by the evaluator, and a point without a value is NaN, with the first such error
//! kept to say why.

use super::batch::Samples;
use super::number::Number;
use super::value::{Env, Value};
use super::{eval_scalar, EvalError};
use crate::defs::{definition_value, Definitions};
use crate::syntax::ast::Expr;
use crate::syntax::names::Fresh;
use ndarray::{Array1, Array2, Axis};

/// The values at every point, and why some points have none.
#[derive(Debug)]
pub struct Many {
    /// One value per point; NaN where the expression has none.
    pub values: Vec<f64>,
    /// How many points have no value.
    pub failed: usize,
    /// The first point without a value, and why.
    pub first_failure: Option<(usize, EvalError)>,
}

/// `e`, with `defs` seen through, at `points` points: each name of `varying` takes one value per
/// point (its slice has `points` values), each name of `fixed` the same value at every point.
pub fn eval_many(e: &Expr, defs: &Definitions, fixed: &Env, varying: &[(String, Vec<f64>)], points: usize) -> Many {
    if let Some(values) = in_one_pass(e, defs, fixed, varying, points) {
        return Many { values: values.to_vec(), failed: 0, first_failure: None };
    }
    let mut many = Many { values: Vec::with_capacity(points), failed: 0, first_failure: None };
    for point in 0..points {
        match at_point(e, defs, fixed, varying, point) {
            Ok(x) => many.values.push(x),
            Err(error) => {
                many.values.push(f64::NAN);
                many.failed += 1;
                many.first_failure.get_or_insert((point, error));
            }
        }
    }
    many
}

/// All points at once by the batch evaluator, when it gives every value as a plain f64.
fn in_one_pass(
    e: &Expr,
    defs: &Definitions,
    fixed: &Env,
    varying: &[(String, Vec<f64>)],
    points: usize,
) -> Option<Array1<f64>> {
    let expanded = defs.expand(e, &mut Fresh::avoiding([e])).ok()?;
    let vectors: Vec<(&String, Array2<f64>)> = fixed
        .iter()
        .filter_map(|(name, value)| match value {
            Value::Vector(v) => {
                let column = Array1::from_iter(v.iter().map(Number::to_f64)).insert_axis(Axis(1));
                Some((name, column.broadcast((v.len(), points))?.to_owned()))
            }
            _ => None,
        })
        .collect();
    let mut samples = Samples::new(points);
    for (name, value) in fixed.iter() {
        match value {
            Value::Scalar(n) => match n.as_index() {
                Some(k) if n.is_exact() => samples.bind_index(name, k),
                _ => samples.bind_numbers(name, Array1::from_elem(points, n.to_f64())),
            },
            Value::Vector(_) => {}
            Value::Matrix(_) => return None,
        }
    }
    for (name, columns) in &vectors {
        samples.bind_vectors(name, columns.view());
    }
    for (name, values) in varying {
        samples.bind_numbers(name, Array1::from(values.clone()));
    }
    samples.eval(&expanded).filter(|values| values.iter().all(|x| x.is_finite()))
}

/// One point by the evaluator: the varying names bound as f64, then the definitions in order.
fn at_point(
    e: &Expr,
    defs: &Definitions,
    fixed: &Env,
    varying: &[(String, Vec<f64>)],
    point: usize,
) -> Result<f64, EvalError> {
    let mut env = fixed.clone();
    for (name, values) in varying {
        let x = Number::approx(values[point]).map_err(|_| EvalError::Domain {
            message: format!("`{name}` = {} is not a finite number", values[point]),
            span: 0..0,
        })?;
        env.bind(name, Value::Scalar(x));
    }
    for def in defs.iter() {
        let value = definition_value(def, &env, None)?;
        env.bind(&def.name, value);
    }
    Ok(eval_scalar(e, &env)?.to_f64())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::derive::parse_context;
    use crate::eval::bindings::parse_bindings;
    use crate::syntax::parse::parse_expr;

    fn many(expr: &str, lets: &[&str], fixed: &str, varying: &[(&str, Vec<f64>)]) -> Many {
        let lets: Vec<String> = lets.iter().map(|s| s.to_string()).collect();
        let (defs, _) = parse_context(&lets, &[]).unwrap();
        let varying: Vec<(String, Vec<f64>)> = varying.iter().map(|(n, v)| (n.to_string(), v.clone())).collect();
        let points = varying.first().map_or(1, |(_, v)| v.len());
        eval_many(&parse_expr(expr).unwrap(), &defs, &parse_bindings(fixed).unwrap(), &varying, points)
    }

    /// Each point's value is the evaluator's at that point.
    fn agrees_with_the_evaluator(expr: &str, lets: &[&str], fixed: &str, name: &str, xs: &[f64]) {
        let got = many(expr, lets, fixed, &[(name, xs.to_vec())]);
        for (x, value) in xs.iter().zip(&got.values) {
            let at = if fixed.is_empty() { format!("{name}={x:?}") } else { format!("{fixed}, {name}={x:?}") };
            let mut env = parse_bindings(&at).unwrap();
            env.bind(name, Value::Scalar(Number::approx(*x).unwrap()));
            let lets: Vec<String> = lets.iter().map(|s| s.to_string()).collect();
            let (defs, _) = parse_context(&lets, &[]).unwrap();
            for def in defs.iter() {
                let v = definition_value(def, &env, None).unwrap();
                env.bind(&def.name, v);
            }
            let want = eval_scalar(&parse_expr(expr).unwrap(), &env).unwrap().to_f64();
            assert!((value - want).abs() <= 1e-15 * want.abs().max(1.0), "{expr} at {x}: {value} vs {want}");
        }
    }

    #[test]
    fn one_pass_and_point_by_point_give_the_evaluators_values() {
        let xs = [-3.5, -0.25, 0.0, 0.1, 2.0, 40.0];
        agrees_with_the_evaluator("sigmoid(x)*(1 - sigmoid(x))", &[], "", "x", &xs);
        agrees_with_the_evaluator("log(1 + exp(-x))*w", &[], "w=3", "x", &xs);
        // softmax of a vector: the evaluator's, point by point.
        agrees_with_the_evaluator(
            "yhat[k] - y[k] + x",
            &["yhat = softmax(z)"],
            "z=[1, 2, 3], y=[0, 1, 0], k=2",
            "x",
            &xs,
        );
        agrees_with_the_evaluator("sum(i, z[i]*x)^2", &[], "z=[1, 2, 3]", "x", &xs);
    }

    #[test]
    fn a_point_without_a_value_is_nan_and_says_why() {
        let got = many("log(x)", &[], "", &[("x", vec![1.0, -1.0, 0.0, 2.0])]);
        assert_eq!(got.values[0], 0.0);
        assert!(got.values[1].is_nan() && got.values[2].is_nan());
        assert_eq!(got.failed, 2);
        let (point, error) = got.first_failure.unwrap();
        assert_eq!(point, 1);
        assert!(matches!(error, EvalError::Domain { .. }), "{error:?}");
        let got = many("x + y", &[], "", &[("x", vec![1.0])]);
        assert!(matches!(got.first_failure, Some((0, EvalError::Unbound { .. }))));
    }
}
