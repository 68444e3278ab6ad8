//! The extraction cost: roughly what a reader counts. Operators and leaves cost 1; a minus
//! sign (`* -1`) and a division (`^ -1`) cost less than a full operator because they print as
//! `-` and `/`; names are cheaper than the definitions they stand for because they are smaller.

use super::analysis::MathGraph;
use super::lang::Math;
use egg::{CostFunction, Id, Language};
use num_traits::One;

/// The reader's cost of a term in `egraph`.
pub struct ReaderCost<'a> {
    /// The e-graph, to see which children are the constant -1.
    pub egraph: &'a MathGraph,
}

impl ReaderCost<'_> {
    fn is_minus_one(&self, id: Id) -> bool {
        self.egraph[id].data.constant.as_ref().is_some_and(|c| (-c).is_one())
    }
}

impl CostFunction<Math> for ReaderCost<'_> {
    type Cost = f64;

    fn cost<C: FnMut(Id) -> f64>(&mut self, enode: &Math, mut costs: C) -> f64 {
        match enode {
            Math::Mul([a, b]) if self.is_minus_one(*a) => 0.3 + costs(*b),
            Math::Mul([a, b]) if self.is_minus_one(*b) => 0.3 + costs(*a),
            Math::Pow([a, b]) if self.is_minus_one(*b) => 0.6 + costs(*a),
            Math::Num(c) if !c.0.is_integer() => 1.5,
            // Ties go to products of factors (`s*(1 - s)` over `s - s^2`) and to `x^2` over `x*x`.
            Math::Symbol(_) => 1.1,
            Math::Pow(_) => 1.05 + enode.children().iter().map(|&c| costs(c)).sum::<f64>(),
            Math::Index(_) => 0.5 + enode.children().iter().map(|&c| costs(c)).sum::<f64>(),
            _ => 1.0 + enode.children().iter().map(|&c| costs(c)).sum::<f64>(),
        }
    }
}
