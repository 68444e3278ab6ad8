//! A derivative's value at a point (`derive --at`): the definitions it uses are evaluated first,
//! and a component index left without a value runs over its axis, so `∂L/∂z[k]` at a `z` with
//! no `k` is the whole gradient vector.

use super::Derivation;
use crate::defs::{definition_value, Definitions};
use crate::diff::Wrt;
use crate::eval::components::over_axes;
use crate::eval::value::{Env, Value};
use crate::eval::EvalError;
use crate::syntax::ast::Expr;
use std::collections::HashMap;

impl Derivation {
    /// The derivative's value with the names bound in `env`; component indices of the variable
    /// that `env` leaves unbound run over the variable's axes.
    pub fn value_at(&self, env: &Env) -> Result<Value, EvalError> {
        let mut axes = Vec::new();
        if let Wrt::Component(name, indices) = &self.wrt {
            for (axis, index) in indices.iter().enumerate() {
                if env.get(index).is_some() {
                    continue;
                }
                let value = env.get(name).ok_or_else(|| EvalError::Unbound { name: name.clone(), span: 0..0 })?;
                let length = value.shape().get(axis).copied().ok_or_else(|| EvalError::Shape {
                    message: format!("`{name}` has {} axes, and the variable indexes {}", value.rank(), indices.len()),
                    span: 0..0,
                })?;
                axes.push((index.as_str(), length));
            }
        }
        if super::givens_hold(&self.givens, &self.definitions, env) == Some(false) {
            let givens: Vec<String> = self.givens.iter().map(|g| g.to_string()).collect();
            let message = format!("the point does not satisfy {}, where the result holds", givens.join(" and "));
            return Err(EvalError::Domain { message, span: 0..0 });
        }
        value_at(self.result(), &self.definitions, &axes, env)
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
