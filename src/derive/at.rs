//! A derivative's value at a point (`derive --at`): the definitions it uses are evaluated first,
//! and a component index left without a value runs over its axis, so `∂L/∂z[k]` at a `z` with
//! no `k` is the whole gradient vector.

use super::Derivation;
use crate::defs::{definition_value, Definitions};
use crate::diff::Wrt;
use crate::egraph::Assumption;
use crate::eval::components::over_axes;
use crate::eval::value::{Env, Value};
use crate::eval::EvalError;
use crate::signs::Given;
use crate::syntax::ast::Expr;
use std::collections::HashMap;

impl Derivation {
    /// The derivative's value with the names bound in `env`; component indices of the variable
    /// that `env` leaves unbound run over the variable's axes.
    pub fn value_at(&self, env: &Env) -> Result<Value, EvalError> {
        let mut axes = Vec::new();
        if let Wrt::Component(name, indices) = &self.wrt {
            let value = env.get(name).ok_or_else(|| EvalError::Unbound { name: name.clone(), span: 0..0 })?;
            for (axis, index) in indices.iter().enumerate() {
                let length = value.shape().get(axis).copied().ok_or_else(|| EvalError::Shape {
                    message: format!("`{name}` has {} axes, and the variable indexes {}", value.rank(), indices.len()),
                    span: 0..0,
                })?;
                match env.get(index) {
                    None => axes.push((index.as_str(), length)),
                    Some(k) => {
                        let k = k.as_scalar().and_then(|k| k.as_index()).filter(|k| (1..=length).contains(k));
                        if k.is_none() {
                            let message =
                                format!("`{index}` must be a whole number from 1 to {length} (an index of `{name}`)");
                            return Err(EvalError::Domain { message, span: 0..0 });
                        }
                    }
                }
            }
        }
        check_point(&self.definitions, &self.givens, &self.assumptions, &axes, env)?;
        // A derivative has a value only where the expression and the chain rule's derivative
        // do (`log(x)` has none at x = -1, though its simplified derivative `1/x` has).
        value_at(&self.expr, &self.definitions, &[], env).map_err(outside("the expression"))?;
        value_at(&self.raw, &self.definitions, &axes, env).map_err(outside("the derivative"))?;
        value_at(self.result(), &self.definitions, &axes, env)
    }
}

/// Refuses a point that gives a defined name a value of its own, or where a sign given for the
/// derivation (`z1 < 0`) or an assumption (`sum(i, y[i]) = 1`; one with an index left free
/// over `axes`, `y[k] = 1`, for every value of the index) does not hold.
pub fn check_point(
    definitions: &Definitions,
    givens: &[Given],
    equations: &[Assumption],
    axes: &[(&str, usize)],
    env: &Env,
) -> Result<(), EvalError> {
    if let Some(def) = definitions.iter().find(|d| env.get(&d.name).is_some()) {
        let message = format!("`{}` is defined by --let: give the values of what it is made of instead", def.name);
        return Err(EvalError::Domain { message, span: 0..0 });
    }
    let broken = |what: String| {
        let message = format!("the point does not satisfy {what}, which the result assumes");
        Err(EvalError::Domain { message, span: 0..0 })
    };
    if super::givens_hold(givens, definitions, env) == Some(false) {
        return broken(givens.iter().map(|g| g.to_string()).collect::<Vec<_>>().join(" and "));
    }
    match equations.iter().find(|a| equation_holds(a, definitions, axes, env) == Some(false)) {
        Some(a) => broken(a.to_string()),
        None => Ok(()),
    }
}

/// Whether an assumption `lhs = rhs` holds at `env` (with the definitions evaluated, indices
/// left free running over `axes`), to 1e-9 relative (values below 1 compared absolutely:
/// targets written as rounded decimals, or as the decimal text of floats, sum to 1 only that
/// closely); `None` where a side has no value there (a name without a value).
fn equation_holds(a: &Assumption, definitions: &Definitions, axes: &[(&str, usize)], env: &Env) -> Option<bool> {
    let side = |e: &Expr| -> Option<Vec<f64>> {
        Some(value_at(e, definitions, axes, env).ok()?.numbers().into_iter().map(|n| n.to_f64()).collect())
    };
    let (lhs, rhs) = (side(&a.lhs)?, side(&a.rhs)?);
    let close = |x: f64, y: f64| (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1.0);
    match (lhs.as_slice(), rhs.as_slice()) {
        ([x], many) | (many, [x]) => Some(many.iter().all(|y| close(*x, *y))),
        (xs, ys) if xs.len() == ys.len() => Some(xs.iter().zip(ys).all(|(x, y)| close(*x, *y))),
        _ => None,
    }
}

/// An error saying that `what` has no value at the point (an unbound name stays as it is).
pub fn outside(what: &'static str) -> impl Fn(EvalError) -> EvalError {
    move |e| match e {
        EvalError::Unbound { .. } => e,
        e => EvalError::Domain { message: format!("{what} has no value at this point ({e})"), span: 0..0 },
    }
}

/// The value of `formula` over `axes` (see [`over_axes`]) with the names bound in `env` and
/// every definition not given a value there evaluated from its body. When the formula misses a
/// definition's value, the error is why that definition has none (an input without a value).
pub fn value_at(
    formula: &Expr,
    definitions: &Definitions,
    axes: &[(&str, usize)],
    env: &Env,
) -> Result<Value, EvalError> {
    let mut env = env.clone();
    let mut failed = HashMap::new();
    for def in definitions.iter() {
        if env.get(&def.name).is_some() {
            continue;
        }
        match definition_value(def, &env, None) {
            Ok(value) => env.bind(&def.name, value),
            Err(e) => {
                failed.insert(def.name.clone(), e);
            }
        }
    }
    over_axes(formula, axes, &env).map_err(|e| match e {
        EvalError::Unbound { name, span } => failed.remove(&name).unwrap_or(EvalError::Unbound { name, span }),
        e => e,
    })
}

#[cfg(test)]
mod tests {
    use crate::derive::{derive, Options};
    use crate::eval::bindings::parse_bindings;

    fn value(expr: &str, wrt: &str, lets: &[&str], at: &str) -> String {
        let options = Options { lets: lets.iter().map(|s| s.to_string()).collect(), ..Default::default() };
        let d = derive(expr, wrt, &options).unwrap();
        match d.value_at(&parse_bindings(at).unwrap()) {
            Ok(v) => v.to_string(),
            Err(e) => format!("error: {e}"),
        }
    }

    #[test]
    fn a_scalar_derivative_at_a_point() {
        assert_eq!(value("sigmoid(x)", "x", &[], "x=0"), "1/4");
    }

    #[test]
    fn an_unbound_component_index_runs_over_its_axis() {
        let ce = "-sum(i, y[i]*log(yhat[i]))";
        let gradient = value(ce, "z[k]", &["yhat = softmax(z)"], "z=[0, 0], y=[1, 0]");
        assert_eq!(gradient, "[-1/2, 1/2]");
        assert_eq!(value(ce, "z[k]", &["yhat = softmax(z)"], "z=[0, 0], y=[1, 0], k=2"), "1/2");
    }

    #[test]
    fn a_definition_missing_its_input_names_the_input() {
        assert_eq!(value("yhat[1]", "z[k]", &["yhat = softmax(z)"], "k=1"), "error: `z` has no value");
    }
}
