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
use num_traits::{One, Signed};
use std::collections::{HashMap, HashSet};

/// The reader's cost of `enode`, given the best costs of its children's classes.
pub fn node_cost(egraph: &MathGraph, enode: &Math) -> f64 {
    cost_with(egraph, enode, |id| egraph[id].data.cost)
}

/// The reader's cost of `enode`, given a cost for each child class.
fn cost_with(egraph: &MathGraph, enode: &Math, child: impl Fn(Id) -> f64) -> f64 {
    let cost = |id: &Id| child(*id);
    // (Compared without building `-c`: costs are computed for every node at every change.)
    let is_minus_one = |id: &Id| {
        egraph[*id]
            .data
            .constant
            .as_ref()
            .is_some_and(|c| c.numer().is_negative() && c.numer().magnitude().is_one() && c.denom().is_one())
    };
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
        // (A large finite cost, so that a class's cost still exceeds its children's.)
        Math::Sum([i, body]) | Math::Prod([i, body]) if !tells_range(egraph, *i, *body) => {
            UNTOLD_RANGE + cost(i) + cost(body)
        }
        Math::Sum([i, body]) | Math::Prod([i, body]) => 1.0 + cost(i) + 1.05 * cost(body),
        Math::SumTo([i, n, body]) | Math::ProdTo([i, n, body]) => 1.0 + cost(i) + cost(n) + 1.05 * cost(body),
        _ => 1.0 + enode.children().iter().map(cost).sum::<f64>(),
    }
}

/// The cost of a sum whose range no form of its body tells: any other form is preferred.
const UNTOLD_RANGE: f64 = 1e6;

/// Whether every form of class `body` indexes a vector by the bound index of class `binder`.
fn tells_range(egraph: &MathGraph, binder: Id, body: Id) -> bool {
    egraph[binder].data.symbol.is_some_and(|s| egraph[body].data.indexed.contains(&s))
}

/// The cheapest node of class `id` among those `allowed`.
pub fn cheapest_node(egraph: &MathGraph, id: Id, allowed: impl Fn(&Math) -> bool) -> Option<&Math> {
    egraph[id].nodes.iter().filter(|n| allowed(n)).min_by(|a, b| node_cost(egraph, a).total_cmp(&node_cost(egraph, b)))
}

/// The cheapest term of class `id`: a walk down the classes' kept costs, or, where those went
/// stale (a sum whose body stopped telling its range costs more than when it was costed), egg's
/// fixpoint extraction with fresh costs.
pub fn best_term(egraph: &MathGraph, id: Id) -> RecExpr<Math> {
    let mut term = RecExpr::default();
    match build(egraph, egraph.find(id), &mut term, &mut HashMap::new(), &mut HashSet::new()) {
        Some(_) => term,
        None => egg::Extractor::new(egraph, FreshCost(egraph)).find_best(id).1,
    }
}

/// The best terms of several classes read into one term, so that what they share is read
/// once: each class's best term is a node of it (for the appliers that, with explanations,
/// join what they write with the very terms they read).
#[derive(Default)]
pub struct SharedTerms {
    term: RecExpr<Math>,
    done: HashMap<Id, Id>,
}

impl SharedTerms {
    /// The node of the shared term that is class `id`'s best term (read now if it was not).
    pub fn read(&mut self, egraph: &MathGraph, id: Id) -> Id {
        let id = egraph.find(id);
        if let Some(at) = build(egraph, id, &mut self.term, &mut self.done, &mut HashSet::new()) {
            return at;
        }
        // Stale kept costs: egg's extraction, appended.
        let alone = egg::Extractor::new(egraph, FreshCost(egraph)).find_best(id).1;
        let offset = self.term.as_ref().len();
        for node in alone.as_ref() {
            self.term.add(node.clone().map_children(|c| Id::from(usize::from(c) + offset)));
        }
        Id::from(self.term.as_ref().len() - 1)
    }

    /// Adds the shared term to `egraph` node by node as it stands (uncanonical, so that an
    /// explanation shows the terms as read); the e-graph id of each of its nodes.
    pub fn add_to(&self, egraph: &mut MathGraph) -> Vec<Id> {
        let mut ids: Vec<Id> = Vec::with_capacity(self.term.as_ref().len());
        for node in self.term.as_ref() {
            let node = node.clone().map_children(|c| ids[usize::from(c)]);
            ids.push(egraph.add_uncanonical(node));
        }
        ids
    }
}

/// The reader's cost of `term` itself (not of the best term of its class), when every one of
/// its sub-terms is in `egraph`.
pub fn term_cost(egraph: &MathGraph, term: &RecExpr<Math>) -> Option<f64> {
    let mut classes: Vec<Id> = Vec::with_capacity(term.as_ref().len());
    let mut costs: Vec<f64> = Vec::with_capacity(term.as_ref().len());
    for node in term.as_ref() {
        let children: HashMap<Id, f64> =
            node.children().iter().map(|c| (egraph.find(classes[usize::from(*c)]), costs[usize::from(*c)])).collect();
        let in_graph = node.clone().map_children(|c| classes[usize::from(c)]);
        classes.push(egraph.lookup(in_graph.clone())?);
        costs.push(cost_with(egraph, &in_graph, |id| children[&egraph.find(id)]));
    }
    costs.last().copied()
}

/// [`node_cost`] over costs computed afresh, for egg's extractor.
struct FreshCost<'a>(&'a MathGraph);

impl egg::CostFunction<Math> for FreshCost<'_> {
    type Cost = f64;

    fn cost<C: FnMut(Id) -> Self::Cost>(&mut self, enode: &Math, mut costs: C) -> Self::Cost {
        let children: HashMap<Id, f64> = enode.children().iter().map(|c| (*c, costs(*c))).collect();
        cost_with(self.0, enode, |id| children[&id])
    }
}

/// Adds the cheapest term of class `id` to `term`. Each class's best node has children cheaper
/// than itself, so the walk cannot loop (`on_path` makes sure of it); `None` where the kept
/// costs say otherwise.
fn build(
    egraph: &MathGraph,
    id: Id,
    term: &mut RecExpr<Math>,
    done: &mut HashMap<Id, Id>,
    on_path: &mut HashSet<Id>,
) -> Option<Id> {
    if let Some(&at) = done.get(&id) {
        return Some(at);
    }
    on_path.insert(id);
    let node = cheapest_node(egraph, id, |n| n.children().iter().all(|c| !on_path.contains(&egraph.find(*c))))?.clone();
    let mut children = HashMap::new();
    for c in node.children() {
        children.insert(*c, build(egraph, egraph.find(*c), term, done, on_path)?);
    }
    let node = node.map_children(|c| children[&c]);
    on_path.remove(&id);
    let at = term.add(node);
    done.insert(id, at);
    Some(at)
}
