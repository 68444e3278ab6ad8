//! Functions a document defines (`f(z) = \sigma(z)`, `f'(z) = 1 - \tanh^2(z)`) and the
//! derivatives of functions it uses (`f'(z)`, `\sigma'(z)`), written out where they are applied,
//! so `(w^{[2]})^T \delta^{[2]} \circ f'(z^{[1]})` can be computed.

use crate::derive::{derive_parsed, Context};
use crate::diff::Wrt;
use crate::syntax::ast::{Expr, Func, Node};
use crate::syntax::names::{substitute, Fresh};
use std::collections::{BTreeMap, HashMap};

/// One-argument functions by name: the parameter and the body.
#[derive(Clone, Debug, Default)]
pub struct Functions {
    defined: BTreeMap<String, (String, Expr)>,
}

impl Functions {
    /// Records `name(param) = body`; a name defined again keeps its first definition.
    pub fn define(&mut self, name: &str, param: &str, body: &Expr) {
        self.defined.entry(name.to_string()).or_insert_with(|| (param.to_string(), body.clone()));
    }

    /// Whether the document defines the function `name`.
    pub fn defines(&self, name: &str) -> bool {
        self.defined.contains_key(name)
    }

    /// `e` with every application `f(arg)` of a defined function, of the derivative `f'` of
    /// one, or of a built-in's derivative (`sigmoid'(arg)`) written out.
    pub fn expand(&self, e: &Expr) -> Expr {
        if let Node::Call(Func::MatMul, args) = &e.node {
            if let (Node::Var(name), [_, arg]) = (&args[0].node, args.as_slice()) {
                if let Some((param, body)) = self.body_of(name) {
                    let arg = self.expand(arg);
                    let map = HashMap::from([(param.clone(), arg.clone())]);
                    let mut fresh = Fresh::avoiding([&body, &arg]);
                    return substitute(&body, &map, &mut fresh);
                }
            }
        }
        e.map_children(|c| self.expand(c))
    }

    /// The parameter and body of `name`: a defined function, the derivative of one (`f'`), or
    /// the derivative of a built-in one-argument function (`sigmoid'`).
    fn body_of(&self, name: &str) -> Option<(String, Expr)> {
        if let Some(found) = self.defined.get(name) {
            return Some(found.clone());
        }
        let base = name.strip_suffix('\'')?;
        let (param, body) = match self.defined.get(base) {
            Some((param, body)) => (param.clone(), body.clone()),
            None => {
                let func = Func::from_name(base).filter(|f| f.arity() == 1 && !f.takes_vector())?;
                ("t".to_string(), Expr::call(func, vec![Expr::var("t")]))
            }
        };
        let derivative = derive_parsed(body, Wrt::Scalar(param.clone()), Context::default()).ok()?;
        Some((param, derivative.raw))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::read_latex::{read_side, Side};

    fn side(text: &str) -> Expr {
        match read_side(text) {
            Ok(Side::Expr(e)) => e,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn definitions_and_derivatives_are_written_out() {
        let mut functions = Functions::default();
        functions.define("f", "z", &side("\\tanh(z)"));
        let expanded = functions.expand(&side("f(a) + f'(b) + \\sigma'(c)"));
        let env = crate::eval::value::Env::new();
        let value = |e: &Expr, a: f64, b: f64, c: f64| {
            let mut env = env.clone();
            for (n, x) in [("a", a), ("b", b), ("c", c)] {
                env.bind(n, crate::eval::value::Value::Scalar(crate::eval::number::Number::approx(x).unwrap()));
            }
            crate::eval::eval_scalar(e, &env).unwrap().to_f64()
        };
        let s = 1.0 / (1.0 + (-0.3f64).exp());
        let want = 0.2f64.tanh() + (1.0 - 0.5f64.tanh().powi(2)) + s * (1.0 - s);
        assert!((value(&expanded, 0.2, 0.5, 0.3) - want).abs() < 1e-12, "{expanded}");
    }
}
