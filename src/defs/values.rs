//! The value of a definition at given inputs: its body evaluated, or for `h[j] = sigmoid(z[j])`
//! the vector (or matrix) of its components, each index running over the axis it indexes on the
//! right (`j` over the entries of `z`).

use super::Definition;
use crate::eval::number::Number;
use crate::eval::value::{Env, Value};
use crate::eval::{eval, eval_scalar, EvalError};
use crate::syntax::ast::{Expr, Node, Span};

/// The value of `def` with the names bound in `env` (the definitions it uses among them).
///
/// A component index that indexes nothing on the right (`h[j] = j`) runs over `fallback`
/// entries; without one, that is an error.
pub fn definition_value(def: &Definition, env: &Env, fallback: Option<usize>) -> Result<Value, EvalError> {
    let mut env = env.clone();
    env.unbind(&def.name);
    let lengths = def.params.iter().map(|p| component_range(def, p, &env, fallback)).collect::<Result<Vec<_>, _>>()?;
    let mut component = |position: &[usize]| -> Result<Number, EvalError> {
        for (p, &i) in def.params.iter().zip(position) {
            env.bind(p, Value::Scalar(Number::int(i as i64)));
        }
        eval_scalar(&def.body, &env)
    };
    match lengths.as_slice() {
        [] => eval(&def.body, &env),
        [n] => Ok(Value::Vector((1..=*n).map(|i| component(&[i])).collect::<Result<_, _>>()?)),
        [rows, cols] => Ok(Value::Matrix(
            (1..=*rows)
                .map(|i| (1..=*cols).map(|j| component(&[i, j])).collect::<Result<_, _>>())
                .collect::<Result<_, _>>()?,
        )),
        _ => Err(shape_error(
            format!("`{}` has {} indices: a value has at most two (a matrix)", def.name, def.params.len()),
            &def.body.span,
        )),
    }
}

/// How far the index `param` of `def` runs: the length of every axis it indexes in the body,
/// which must all agree (as for a sum without a written range).
fn component_range(def: &Definition, param: &str, env: &Env, fallback: Option<usize>) -> Result<usize, EvalError> {
    let mut uses = Vec::new();
    axes_indexed_by(&def.body, param, &def.params, &mut uses);
    let mut lengths: Vec<(usize, &Expr)> = Vec::new();
    for (base, axis) in uses {
        if let Some(&len) = eval(base, env)?.shape().get(axis) {
            lengths.push((len, base));
        }
    }
    let Some(&(n, first)) = lengths.first() else {
        return fallback.ok_or_else(|| {
            shape_error(
                format!(
                    "cannot tell how many entries `{}` has: nothing on the right is indexed by `{param}`",
                    def.name
                ),
                &def.body.span,
            )
        });
    };
    match lengths.iter().find(|(m, _)| *m != n) {
        Some((m, other)) => Err(shape_error(
            format!("`{param}` runs over {n} entries of `{first}` but {m} of `{other}`"),
            &def.body.span,
        )),
        None => Ok(n),
    }
}

/// Every `(base, axis)` where `e` indexes `base` by the bare name `param` on `axis`, outside any
/// sum rebinding it; bases that depend on one of `params` have no length of their own and are
/// left out.
fn axes_indexed_by<'a>(e: &'a Expr, param: &str, params: &[String], out: &mut Vec<(&'a Expr, usize)>) {
    match &e.node {
        Node::Reduce(_, i, ..) if i == param => return,
        Node::Index(base, idx) if base.free_names().iter().all(|n| !params.contains(n)) => {
            let axes = idx.iter().enumerate().filter(|(_, i)| matches!(&i.node, Node::Var(v) if v == param));
            out.extend(axes.map(|(axis, _)| (base.as_ref(), axis)));
        }
        _ => {}
    }
    for child in e.children() {
        axes_indexed_by(child, param, params, out);
    }
}

fn shape_error(message: String, span: &Span) -> EvalError {
    EvalError::Shape { message, span: span.clone() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::defs::Definitions;
    use crate::eval::bindings::parse_bindings;
    use crate::syntax::parse::parse_statement;

    /// The values of `lets` in order at `at`, each shown, or the first error's message.
    fn values(lets: &[&str], at: &str, fallback: Option<usize>) -> Result<Vec<String>, String> {
        let mut env = Env::new();
        for (name, value) in parse_bindings(at).unwrap().iter() {
            env.bind(name, value.clone());
        }
        let mut defs = Definitions::default();
        let mut shown = vec![];
        for text in lets {
            defs.add(parse_statement(text).unwrap()).unwrap();
            let def = defs.iter().last().unwrap();
            let value = definition_value(def, &env, fallback).map_err(|e| e.to_string())?;
            shown.push(value.format(6));
            env.bind(&def.name, value);
        }
        Ok(shown)
    }

    #[test]
    fn whole_definitions_take_the_value_of_their_body() {
        assert_eq!(values(&["h = 2*x", "g = h + 1"], "x=1/3", None).unwrap(), ["2/3", "5/3"]);
        assert_eq!(values(&["s = z*2"], "z=[1, 2]", None).unwrap(), ["[2, 4]"]);
    }

    #[test]
    fn component_definitions_run_over_the_axes_they_index() {
        assert_eq!(values(&["h[j] = 2*z[j]"], "z=[1, 2, 3]", None).unwrap(), ["[2, 4, 6]"]);
        let out = values(&["a[i, j] = W[i, j]*v[j]"], "W=[[1, 2], [3, 4], [5, 6]], v=[10, 100]", None).unwrap();
        assert_eq!(out, ["[[10, 200], [30, 400], [50, 600]]"]);
        // Through softmax and an earlier component definition; a sum rebinding j is not a use.
        let out = values(&["h[j] = softmax(z)[j]", "g[j] = h[j]*sum(j, z[j])"], "z=[0, 0]", None).unwrap();
        assert_eq!(out, ["[1/2, 1/2]", "[0, 0]"]);
        assert_eq!(values(&["h[j] = j"], "", Some(3)).unwrap(), ["[1, 2, 3]"]);
    }

    #[test]
    fn ranges_that_cannot_be_told_are_errors() {
        let e = values(&["h[j] = j*x"], "x=1", None).unwrap_err();
        assert!(e.contains("cannot tell how many entries `h` has"), "{e}");
        let e = values(&["h[j] = z[j] + w[j]"], "z=[1, 2], w=[1, 2, 3]", Some(5)).unwrap_err();
        assert_eq!(e, "`j` runs over 2 entries of `z` but 3 of `w`");
        let e = values(&["t[i, j, k] = z[i]*z[j]*z[k]"], "z=[1]", None).unwrap_err();
        assert!(e.contains("at most two"), "{e}");
        let e = values(&["h[j] = z[j]*z"], "z=[1, 2]", None).unwrap_err();
        assert!(!e.is_empty());
    }
}
