//! A matrix derivative's value at a point (`derive --shape ... --at 'W=[[...]], x=[...]'`):
//! the values are checked against the declared shapes (a named size takes its length from
//! them), names without a declaration take the shape of their value, and the derivative is
//! evaluated entry by entry from its index form, so a value exists even where no matrix form
//! does.

use super::shape::{Dim, Shape, Shapes};
use super::MatrixDerivation;
use crate::derive::{check_point, outside, value_at};
use crate::eval::number::Number;
use crate::eval::value::{Env, Value};
use crate::eval::EvalError;
use std::collections::BTreeMap;

/// Declares, for every name bound to a vector or matrix in `env` and not declared in `shapes`,
/// the shape of its value: a list is a (column) vector, a list of rows a matrix.
pub fn declare_from_values(env: &Env, shapes: &mut Shapes) -> Result<(), String> {
    for (name, value) in env.iter() {
        if shapes.get(name).is_some() || value.rank() == 0 {
            continue;
        }
        let dim = |n: usize| (n > 1).then_some(Dim::Known(n));
        let shape = match value.shape().as_slice() {
            [n] => Shape::vector(Dim::Known(*n)),
            [r, c] => Shape::new(dim(*r), dim(*c)),
            _ => Shape::SCALAR,
        };
        if value.numbers().len() < 2 {
            return Err(format!("`{name}` has a single entry: give it as a number, or declare its shape with --shape"));
        }
        shapes.insert(name, shape);
    }
    Ok(())
}

/// The length of every named size (`n` in `x: n`), read from the values in `env`, after
/// checking every declared name's value against its shape.
pub fn sizes(shapes: &Shapes, env: &Env) -> Result<BTreeMap<String, usize>, String> {
    let mut sizes: BTreeMap<String, usize> = BTreeMap::new();
    for (name, shape) in shapes.iter() {
        let Some(value) = env.get(name) else { continue };
        let expected: Vec<Option<&Dim>> = match (&shape.rows, &shape.cols) {
            (None, None) => vec![],
            (Some(r), None) => vec![Some(r)],
            (r, Some(c)) => vec![r.as_ref(), Some(c)],
        };
        let found = value.shape();
        let mismatch = || format!("`{name}` is declared a {shape}, but its value has shape {}", shape_text(&found));
        if found.len() != expected.len() {
            return Err(mismatch());
        }
        for (dim, &len) in expected.iter().zip(&found) {
            match dim {
                None if len != 1 => return Err(mismatch()),
                Some(Dim::Known(n)) if *n != len => return Err(mismatch()),
                Some(Dim::Named(size)) => {
                    let known = *sizes.entry(size.clone()).or_insert(len);
                    if known != len {
                        return Err(format!(
                            "`{name}` gives the size `{size}` the length {len}, another value gave it {known}"
                        ));
                    }
                }
                _ => {}
            }
        }
    }
    Ok(sizes)
}

fn shape_text(shape: &[usize]) -> String {
    match shape {
        [] => "scalar".into(),
        [n] => format!("vector of length {n}"),
        _ => shape.iter().map(usize::to_string).collect::<Vec<_>>().join("×"),
    }
}

impl MatrixDerivation {
    /// The derivative's value (a number, a vector or a matrix of its shape) with the names bound
    /// in `env`, checked against `shapes` (the declarations the derivative was taken under).
    pub fn value_at(&self, env: &Env, shapes: &Shapes) -> Result<Value, EvalError> {
        let shape_error = |message: String| EvalError::Shape { message, span: 0..0 };
        check_point(&self.index.definitions, &self.index.givens, &self.index.assumptions, &[], env)?;
        if let Some((name, _)) = self.named.iter().find(|(name, _)| env.get(name).is_some()) {
            let message = format!("`{name}` is defined by --let: give the values of what it is made of instead");
            return Err(EvalError::Domain { message, span: 0..0 });
        }
        let sizes = sizes(shapes, env).map_err(shape_error)?;
        let mut env = env.clone();
        for (size, len) in &sizes {
            if env.get(size).is_none() {
                env.bind(size, Value::Scalar(Number::int(*len as i64)));
            }
        }
        let length = |dim: &Option<Dim>| -> Result<usize, EvalError> {
            match dim {
                Some(Dim::Known(n)) => Ok(*n),
                Some(Dim::Named(size)) => sizes
                    .get(size)
                    .copied()
                    .ok_or_else(|| shape_error(format!("the size `{size}` is open: give a value of a name it sizes"))),
                None => Ok(1),
            }
        };
        let mut axes = Vec::new();
        for (name, dim) in [(&self.row, &self.shape.rows), (&self.col, &self.shape.cols)] {
            if let Some(name) = name {
                axes.push((name.as_str(), length(dim)?));
            }
        }
        // A derivative has a value only where the expression and the chain rule's derivative do.
        let mut named = env.clone();
        for (name, body) in &self.named {
            let value = crate::eval::eval(body, &env).map_err(outside("the expression"))?;
            named.bind(name, value);
        }
        crate::eval::eval(&self.expr, &named).map_err(outside("the expression"))?;
        value_at(&self.index.raw, &self.index.definitions, &axes, &env).map_err(outside("the derivative"))?;
        value_at(self.index_form(), &self.index.definitions, &axes, &env)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::derive::Context;
    use crate::eval::bindings::parse_bindings;
    use crate::matrix::derive_matrix;
    use crate::syntax::parse::parse_expr;

    fn value(src: &str, wrt: &str, shapes: &str, at: &str) -> Result<String, String> {
        let env = parse_bindings(at).unwrap();
        let mut shapes = Shapes::parse(shapes).unwrap();
        declare_from_values(&env, &mut shapes)?;
        let d = derive_matrix(&parse_expr(src).unwrap(), wrt, &shapes, Context::default()).unwrap();
        d.value_at(&env, &shapes).map(|v| v.to_string()).map_err(|e| e.to_string())
    }

    #[test]
    fn least_squares_gradient_at_a_point() {
        // (W x - y) x^T with W x = [3, 6], residual [2, 4].
        let at = "W=[[1, 1], [2, 2]], x=[1, 2], y=[1, 2]";
        assert_eq!(value("1/2*norm2(W*x - y)^2", "W", "", at).unwrap(), "[[2, 4], [4, 8]]");
    }

    #[test]
    fn named_sizes_take_their_length_from_the_values() {
        let at = "A=[[1, 2], [3, 4]], x=[1, 1]";
        // (A + A^T) x = [[2, 5], [5, 8]] [1, 1]
        assert_eq!(value("x^T*A*x", "x", "A: n x n, x: n", at).unwrap(), "[7, 13]");
    }

    #[test]
    fn values_must_fit_the_declared_shapes() {
        let err = value("x^T*A*x", "x", "A: 3x3, x: 3", "A=[[1, 2], [3, 4]], x=[1, 1, 1]").unwrap_err();
        assert!(err.contains("`A` is declared a 3×3 matrix, but its value has shape 2×2"), "{err}");
        let err = value("x^T*A*x", "x", "A: n x n, x: n", "A=[[1, 2], [3, 4]], x=[1, 1, 1]").unwrap_err();
        assert!(err.contains("the length 3, another value gave it 2"), "{err}");
    }
}
