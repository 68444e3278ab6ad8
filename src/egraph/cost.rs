//! The extraction cost: roughly what a reader counts. Operators and leaves cost 1; a minus
//! sign (`* -1`) and a division (`^ -1`) cost less than a full operator because they print as
//! `-` and `/`; names are cheaper than the definitions they stand for because they are smaller;
//! a term under a sum costs a little more than outside it.
//!
//! The analysis keeps each class's best cost up to date as the e-graph grows (see
//! [`super::analysis::FactsData::cost`]), so reading the best term is a walk down the classes,
//! not a fixpoint over the whole e-graph.

use super::analysis::MathGraph;
use super::lang::Math;
use egg::{Id, Language, RecExpr};
use num_traits::One;
use std::collections::{HashMap, HashSet};

/// The reader's cost of `enode`, given the best costs of its children's classes.
pub fn node_cost(egraph: &MathGraph, enode: &Math) -> f64 {
    let cost = |id: &Id| egraph[*id].data.cost;
    let is_minus_one = |id: &Id| egraph[*id].data.constant.as_ref().is_some_and(|c| (-c).is_one());
    match enode {
        Math::Mul([a, b]) if is_minus_one(a) => 0.3 + cost(b),
        Math::Mul([a, b]) if is_minus_one(b) => 0.3 + cost(a),
        Math::Pow([a, b]) if is_minus_one(b) => 0.6 + cost(a),
        Math::Num(c) if !c.0.is_integer() => 1.5,
        // Ties go to products of factors (`s*(1 - s)` over `s - s^2`) and to `x^2` over `x*x`.
        Math::Symbol(_) => 1.1,
        Math::Pow(_) => 1.05 + enode.children().iter().map(cost).sum::<f64>(),
        Math::Index(_) => 0.5 + enode.children().iter().map(cost).sum::<f64>(),
        // What stands under a sum costs a little more: factors that do not depend on the index
        // read better outside it (`c*sum(i, a[i])`).
        // A sum without a written range must tell it from its body in every form, or it would
        // print as a sum that cannot be evaluated (`sum(i, 1)`); its written-range form
        // (`sum(i = 1..len(z), 1)`) stands in.
        Math::Sum([i, body]) if !tells_range(egraph, *i, *body) => f64::INFINITY,
        Math::Sum([i, body]) => 1.0 + cost(i) + 1.05 * cost(body),
        Math::SumTo([i, n, body]) => 1.0 + cost(i) + cost(n) + 1.05 * cost(body),
        _ => 1.0 + enode.children().iter().map(cost).sum::<f64>(),
    }
}

/// Whether every form of class `body` indexes a vector by the bound index of class `binder`.
fn tells_range(egraph: &MathGraph, binder: Id, body: Id) -> bool {
    egraph[binder].data.symbol.is_some_and(|s| egraph[body].data.indexed.contains(&s))
}

/// The cheapest node of class `id` among those `allowed`.
pub fn cheapest_node(egraph: &MathGraph, id: Id, allowed: impl Fn(&Math) -> bool) -> Option<&Math> {
    egraph[id].nodes.iter().filter(|n| allowed(n)).min_by(|a, b| node_cost(egraph, a).total_cmp(&node_cost(egraph, b)))
}

/// The cheapest term of class `id`.
pub fn best_term(egraph: &MathGraph, id: Id) -> RecExpr<Math> {
    let mut term = RecExpr::default();
    build(egraph, egraph.find(id), &mut term, &mut HashMap::new(), &mut HashSet::new());
    term
}

/// Adds the cheapest term of class `id` to `term`. Each class's best node has children cheaper
/// than itself, so the walk cannot loop; `on_path` makes sure of it all the same.
fn build(
    egraph: &MathGraph,
    id: Id,
    term: &mut RecExpr<Math>,
    done: &mut HashMap<Id, Id>,
    on_path: &mut HashSet<Id>,
) -> Id {
    if let Some(&at) = done.get(&id) {
        return at;
    }
    on_path.insert(id);
    let node = cheapest_node(egraph, id, |n| n.children().iter().all(|c| !on_path.contains(&egraph.find(*c))))
        .expect("every class has a node whose children are cheaper than the class")
        .clone();
    let node = node.map_children(|c| build(egraph, egraph.find(c), term, done, on_path));
    on_path.remove(&id);
    let at = term.add(node);
    done.insert(id, at);
    at
}
