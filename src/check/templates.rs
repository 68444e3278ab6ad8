//! General formulas over a layer index, `z^{[\ell]} = w^{[\ell]}x^{[\ell-1]} + b^{[\ell]}` or
//! `\delta^{[L]} = (x^{[L]} - z) \circ ...`, instantiated at the layer a bare claim names
//! (`z^{[2]} = ...` with no work shown), so the claim can be checked.

use crate::eval::eval_scalar;
use crate::eval::value::{Env, Value};
use crate::syntax::ast::{Expr, Node};
use crate::syntax::parse::parse_expr;
use std::ops::Range;

/// A formula for every layer of a quantity.
#[derive(Clone, Debug)]
struct Template {
    /// The quantity (`z` of `z^[ℓ]`).
    base: String,
    /// The layer as written on the left (`ℓ`, `L`).
    layer: String,
    /// The right-hand sides, each with its range in the document.
    bodies: Vec<(Expr, Range<usize>)>,
}

/// The general formulas a document has stated so far.
#[derive(Clone, Debug, Default)]
pub struct Templates {
    list: Vec<Template>,
    /// The largest layer number seen in a name: the last layer `L`, as far as the document tells.
    last_layer: usize,
}

impl Templates {
    /// Notes the layer of a name the document uses (`z^[2]` tells that layer 2 exists).
    pub fn see(&mut self, name: &str) {
        if let Some((_, layer)) = split_layer(name) {
            if let Ok(k) = layer.parse::<usize>() {
                self.last_layer = self.last_layer.max(k);
            }
        }
    }

    /// Records `name = bodies...` when `name` has a layer that is not a number (`z^[ℓ]`).
    pub fn record(&mut self, name: &str, bodies: Vec<(Expr, Range<usize>)>) {
        let Some((base, layer)) = split_layer(name) else { return };
        if layer.parse::<usize>().is_ok() || bodies.is_empty() {
            return;
        }
        self.list.retain(|t| !(t.base == base && t.layer == layer));
        self.list.push(Template { base: base.to_string(), layer: layer.to_string(), bodies });
    }

    /// The formulas for the layered name `name` (`z^[2]`), instantiated at its layer, latest
    /// first, each with the range of the body in the document and the layer values used.
    pub fn instances(&self, name: &str) -> Vec<(Expr, Range<usize>, String)> {
        let Some((base, layer)) = split_layer(name) else { return vec![] };
        let Ok(k) = layer.parse::<usize>() else { return vec![] };
        let mut out = Vec::new();
        for template in self.list.iter().rev().filter(|t| t.base == base) {
            let Some(env) = self.layer_values(&template.layer, k) else { continue };
            let used = format!("{} = {k}", template.layer);
            for (body, range) in &template.bodies {
                if let Some(e) = instantiate(body, &env) {
                    out.push((e, range.clone(), used.clone()));
                }
            }
        }
        out
    }

    /// The values of the layer variables that put layer `k` where `written` is (`ℓ` = k, and
    /// `L`, the last layer); `None` when `written` cannot be layer `k`.
    fn layer_values(&self, written: &str, k: usize) -> Option<Env> {
        let mut env = Env::new();
        let number = |n: usize| Value::Scalar(crate::eval::number::Number::int(n as i64));
        env.bind("L", number(self.last_layer));
        match written {
            "L" => (k == self.last_layer).then_some(env),
            "ℓ" | "l" | "k" => {
                env.bind(&written.replace('ℓ', "l"), number(k));
                Some(env)
            }
            _ => None,
        }
    }
}

/// `body` with each layered name's layer worked out in `env` (`x^[ℓ-1]` at ℓ = 2 is `x^[1]`);
/// `None` when a layer is not a whole number there.
fn instantiate(body: &Expr, env: &Env) -> Option<Expr> {
    let mut failed = false;
    let renamed = rename(body, env, &mut failed);
    (!failed).then_some(renamed)
}

fn rename(e: &Expr, env: &Env, failed: &mut bool) -> Expr {
    let Node::Var(name) = &e.node else { return e.map_children(|c| rename(c, env, failed)) };
    match split_layer(name) {
        Some((base, layer)) if layer.parse::<usize>().is_err() => {
            // The text language spells `ℓ` as `l`.
            let value = parse_expr(&layer.replace('ℓ', "l")).ok().and_then(|l| eval_scalar(&l, env).ok());
            match value.and_then(|v| v.as_index().or_else(|| v.is_zero().then_some(0))) {
                Some(k) => Expr::spanned(Node::Var(format!("{base}^[{k}]")), e.span.clone()),
                None => {
                    *failed = true;
                    e.clone()
                }
            }
        }
        _ => e.clone(),
    }
}

/// `("z", "ℓ-1")` for `z^[ℓ-1]`.
fn split_layer(name: &str) -> Option<(&str, &str)> {
    name.strip_suffix(']')?.split_once("^[")
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
    fn a_layer_formula_is_instantiated() {
        let mut templates = Templates::default();
        templates.record("z^[ℓ]", vec![(side("w^{[\\ell]}x^{[\\ell-1]} + b^{[\\ell]}"), 0..0)]);
        let found = templates.instances("z^[2]");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0.to_string(), "matmul(w^[2], x^[1]) + b^[2]");
        assert!(templates.instances("x^[2]").is_empty() && templates.instances("z^[ℓ]").is_empty());
    }

    #[test]
    fn the_last_layer_is_the_largest_seen() {
        let mut templates = Templates::default();
        templates.record("δ^[L]", vec![(side("x^{[L]} - z"), 0..0)]);
        templates.see("z^[2]");
        assert_eq!(templates.instances("δ^[2]")[0].0.to_string(), "x^[2] - z");
        assert!(templates.instances("δ^[1]").is_empty(), "layer 1 is not the last");
    }
}
