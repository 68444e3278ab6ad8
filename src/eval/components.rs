//! The value of a component formula over the indices it leaves free: `D[p, q] = (W*x - y)[p]*x[q]`
//! evaluated at every `p` and `q` is the whole matrix of the derivative.

use crate::eval::number::Number;
use crate::eval::value::{Env, Value};
use crate::eval::{eval_scalar, EvalError};
use crate::syntax::ast::Expr;

/// The value of `formula` with each of the (at most two) `axes` running from 1 to its length:
/// a scalar with no axes, a vector with one, a matrix (rows by the first axis) with two.
pub fn over_axes(formula: &Expr, axes: &[(&str, usize)], env: &Env) -> Result<Value, EvalError> {
    let mut env = env.clone();
    let mut entry = |at: &[usize]| -> Result<Number, EvalError> {
        for ((name, _), &k) in axes.iter().zip(at) {
            env.bind(name, Value::Scalar(Number::int(k as i64)));
        }
        eval_scalar(formula, &env)
    };
    match axes {
        [] => entry(&[]).map(Value::Scalar),
        [(_, n)] => (1..=*n).map(|i| entry(&[i])).collect::<Result<_, _>>().map(Value::Vector),
        [(_, rows), (_, cols)] => (1..=*rows)
            .map(|i| (1..=*cols).map(|j| entry(&[i, j])).collect::<Result<_, _>>())
            .collect::<Result<_, _>>()
            .map(Value::Matrix),
        _ => Err(EvalError::Shape {
            message: format!("a value has at most two axes, not {}", axes.len()),
            span: formula.span.clone(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::bindings::parse_bindings;
    use crate::syntax::parse::parse_expr;

    #[test]
    fn an_outer_product_is_a_matrix() {
        let env = parse_bindings("a=[1, 2], b=[3, 4, 5]").unwrap();
        let value = over_axes(&parse_expr("a[p]*b[q]").unwrap(), &[("p", 2), ("q", 3)], &env).unwrap();
        assert_eq!(value.to_string(), "[[3, 4, 5], [6, 8, 10]]");
    }

    #[test]
    fn no_axes_is_a_scalar_and_one_is_a_vector() {
        let env = parse_bindings("z=[1, 2, 3]").unwrap();
        assert_eq!(over_axes(&parse_expr("2*z[k]").unwrap(), &[("k", 3)], &env).unwrap().to_string(), "[2, 4, 6]");
        assert_eq!(over_axes(&parse_expr("z[2]").unwrap(), &[], &env).unwrap().to_string(), "2");
    }
}
