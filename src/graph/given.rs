//! Givens (`z1 < 0`): what the sign of a node makes of the graph's gradients. Each input's
//! adjoint is folded with the signs (see [`crate::signs`]); one that simplifies to 0 is
//! identically zero wherever the givens hold, with the factor that vanishes as the reason. Both answers are checked at random inputs that satisfy the givens: a zero
//! must be zero at each, and a gradient not shown zero gets a point where it is not.

use super::Graph;
use crate::egraph::Limits;
use crate::eval::number::Number;
use crate::eval::value::{Env, Value};
use crate::sample::Rng;
pub use crate::signs::Given;
use crate::signs::Signs;
use crate::syntax::ast::Expr;
use num_rational::BigRational;
use num_traits::Zero;

/// What the givens make of one input's gradient.
#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    /// Zero wherever the givens hold, and why.
    Zero(String),
    /// Not zero at this point (inputs as `--at` reads them), where the givens hold: its value.
    NotZero {
        /// The inputs.
        point: String,
        /// The gradient's value there.
        value: String,
    },
    /// Neither shown: no fold gives 0, and no point tried (where the givens hold) gives
    /// another value.
    Unknown,
}

/// One input's gradient under the givens.
#[derive(Clone, Debug, PartialEq)]
pub struct ZeroGradient {
    /// The input.
    pub input: String,
    /// `∂L/∂input` with the givens folded in.
    pub folded: Expr,
    /// The verdict.
    pub verdict: Verdict,
}

/// The gradient of every input under `givens`; an `Err` if a verdict fails its check at the
/// random points (an internal error).
pub fn zero_gradients(graph: &Graph, givens: &[Given], limits: &Limits) -> Result<Vec<ZeroGradient>, String> {
    let nodes = graph.nodes.iter().filter_map(|n| Some((n.name.as_str(), n.body.as_ref()?)));
    let folder = Signs::new(givens, nodes, limits);
    let points = satisfying_points(graph, givens);
    let mut out = vec![];
    for node in graph.inputs() {
        let folded = folder.fold(&node.adjoint);
        // The first point (where the givens hold) at which the gradient is not zero.
        let nonzero = points.iter().find_map(|(point, forward)| {
            let value = graph.value(&node.adjoint, forward).ok()?.as_scalar()?.clone();
            (!value.is_zero()).then_some((point, value))
        });
        let verdict = match (folded.as_num().is_some_and(Zero::is_zero), nonzero) {
            (true, Some((point, value))) => {
                return Err(format!(
                    "internal error: dL/d{} folds to 0 under the givens but is {} at {point}; please report this",
                    node.name,
                    value.format(6)
                ))
            }
            (true, None) => Verdict::Zero(folder.reason(&node.adjoint)),
            (false, Some((point, value))) => Verdict::NotZero { point: point.clone(), value: value.format(6) },
            (false, None) => Verdict::Unknown,
        };
        out.push(ZeroGradient { input: node.name.clone(), folded, verdict });
    }
    Ok(out)
}

/// How many random inputs are drawn, and how many satisfying the givens are kept.
const TRIES: u64 = 400;
const KEPT: usize = 24;

/// Random exact inputs (each in [-2, 2], steps of 1/4, never 0) at which every given holds,
/// with every node's forward value: the point as `--at` text, and the forward environment.
fn satisfying_points(graph: &Graph, givens: &[Given]) -> Vec<(String, Env)> {
    let mut rng = Rng::new(0x9a7);
    let mut points = vec![];
    for _ in 0..TRIES {
        let mut env = Env::new();
        let mut text = vec![];
        for input in graph.inputs() {
            let k = rng.int(-8, 7);
            let r = BigRational::new(if k == 0 { 8 } else { k }.into(), 4.into());
            text.push(format!("{}={}", input.name, Expr::num(r.clone())));
            env.bind(&input.name, Value::Scalar(Number::Exact(r)));
        }
        let Ok(forward) = graph.forward(&env) else { continue };
        let holds = givens.iter().all(|g| forward.get(&g.name).and_then(Value::as_scalar).is_some_and(|v| g.holds(v)));
        if holds {
            points.push((text.join(", "), forward));
            if points.len() == KEPT {
                break;
            }
        }
    }
    points
}

#[cfg(test)]
mod tests {
    use super::super::tests::relu_network;
    use super::*;
    use std::collections::HashMap;

    fn verdicts(givens: &[&str]) -> HashMap<String, Verdict> {
        let givens: Vec<Given> = givens.iter().map(|g| Given::parse(g).unwrap()).collect();
        zero_gradients(&relu_network(), &givens, &Limits::default())
            .unwrap()
            .into_iter()
            .map(|z| (z.input, z.verdict))
            .collect()
    }

    /// The seed's question: with z1 < 0, dL/dw1 and dL/dw2 are zero, dL/dw3 need not be.
    #[test]
    fn a_dead_relu_zeroes_the_weights_into_and_out_of_it() {
        let v = verdicts(&["z1 < 0"]);
        assert_eq!(v["w1"], Verdict::Zero("step(z1) = 0 since z1 < 0".into()));
        assert_eq!(v["w2"], Verdict::Zero("h1 = relu(z1) = 0 since z1 < 0".into()));
        assert_eq!(v["w4"], Verdict::Zero("h1 = relu(z1) = 0 since z1 < 0".into()));
        assert!(matches!(v["w3"], Verdict::NotZero { .. }), "{:?}", v["w3"]);
        assert!(matches!(v["t"], Verdict::NotZero { .. }));
    }

    #[test]
    fn without_givens_nothing_is_zero() {
        let v = verdicts(&[]);
        assert!(v.values().all(|v| matches!(v, Verdict::NotZero { .. })), "{v:?}");
    }
}
