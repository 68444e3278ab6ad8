//! Kronecker elimination, `sum(i, delta(i, k)*f(i)) = f(k)` for an index name `k`: substitutes
//! `k` for the bound index. A pattern cannot substitute, so this applier extracts terms, substitutes
//! (capture-avoiding) on the AST and adds the result back.
//!
//! It looks at a sum's body two ways: every product in the body's class with a delta of the
//! bound index as one factor (whatever the best form of the body is), and the body's best term
//! and each sum in its class read as a sum of products, where each product with a delta factor is eliminated on its own
//! (`sum(i, a[i]*delta(i, k) + b[i]*delta(i, l)*c) = a[k] + b[l]*c`). Products without one stay
//! under the sum, which they must then tell the range of.

use super::analysis::{Facts, MathGraph};
use super::collect::Written;
use super::convert::{flatten, from_term, term_keeping_names, to_term};
use super::cost::best_term;
use super::lang::Math;
use super::rules::{KRONECKER, KRONECKER_OVER_SIZE};
use crate::syntax::ast::{BinOp, Expr, Func, Node};
use crate::syntax::names::{substitute, Fresh};
use egg::{Applier, Id, PatternAst, Rewrite, SearchMatches, Subst, Symbol, Var};
use std::collections::HashMap;

/// The applier of [`KRONECKER`] and [`KRONECKER_OVER_SIZE`].
pub struct Kronecker {
    i: Var,
    body: Var,
    /// The `n` of `sum(i = 1..n, body)`, for a sum over a vector's size.
    size: Option<Var>,
    /// The body classes already eliminated in, with the bound index and how many forms the
    /// class had then: a sum matches again at every iteration, and reading its body again finds
    /// nothing new unless the class has new forms (what its children gain reaches the result
    /// through the e-graph).
    done: Written,
}

impl Kronecker {
    /// The rewrite of `sum(?i, ?body)` by eliminating the deltas of `?i` in `?body`.
    pub fn rewrite() -> Rewrite<Math, Facts> {
        let lhs: egg::Pattern<Math> = "(sum ?i ?body)".parse().expect("a valid pattern");
        let applier = Kronecker { i: var("?i"), body: var("?body"), size: None, done: Written::default() };
        Rewrite::new(KRONECKER, lhs, applier).expect("a well-formed rule")
    }

    /// The rewrite of `sum(?i = 1..?n, ?body)` for a size `?n` (`len(v)`, `cols(W)`).
    pub fn rewrite_over_size() -> Rewrite<Math, Facts> {
        let lhs: egg::Pattern<Math> = "(sum_to ?i ?n ?body)".parse().expect("a valid pattern");
        let applier = Kronecker { i: var("?i"), body: var("?body"), size: Some(var("?n")), done: Written::default() };
        Rewrite::new(KRONECKER_OVER_SIZE, lhs, applier).expect("a well-formed rule")
    }

    /// For one match, pairs of a sum (as read) and its elimination.
    fn eliminate(&self, egraph: &MathGraph, subst: &Subst) -> Vec<(Expr, Expr)> {
        let Some(binder) = egraph[subst[self.i]].data.symbol else { return vec![] };
        let count = match self.size {
            Some(n) if !is_size(egraph, subst[n]) => return vec![],
            Some(n) => Some(from_term(&best_term(egraph, subst[n]))),
            None => None,
        };
        let index = binder.as_str();
        let sum = |body: Expr| Expr::sum_over(index, count.clone(), body);
        let body = egraph.find(subst[self.body]);
        if !self.done.is_new(body, &(binder, egraph[body].nodes.len())) {
            return vec![];
        }
        let mut found: Vec<(Expr, Expr)> = egraph[body]
            .nodes
            .iter()
            .filter_map(|node| match node {
                Math::Mul([a, b]) => delta_of(egraph, *a, binder).map(|k| (*a, k, *b)),
                _ => None,
            })
            .map(|(delta, k, rest)| {
                let read = |id: Id| from_term(&best_term(egraph, id));
                let (delta, k, rest) = (read(delta), read(k), read(rest));
                (sum(Expr::binary(BinOp::Mul, delta, rest.clone())), replace_index(&rest, index, &k))
            })
            .collect();
        // The body as a sum of products: its best term, and, when that is a product with a
        // delta inside a factor (`(delta(i, k) - a[i])*b[i]`), each sum in its class (`a + b`
        // read as the best terms of `a` and `b`), since the expanded form is seldom the best.
        let read = |id: Id| from_term(&best_term(egraph, id));
        let best = read(body);
        let expanded: Vec<Expr> = if delta_inside_a_factor(&best, index) {
            egraph[body]
                .nodes
                .iter()
                .filter_map(|node| match node {
                    Math::Add([a, b]) => Some(Expr::binary(BinOp::Add, read(*a), read(*b))),
                    _ => None,
                })
                .collect()
        } else {
            vec![]
        };
        for body in std::iter::once(best).chain(expanded) {
            if let Some(eliminated) = eliminate_in_terms(&body, index, count.as_ref()) {
                found.push((sum(body), eliminated));
            }
        }
        found
    }
}

fn var(name: &str) -> Var {
    name.parse().expect("a pattern variable")
}

/// Whether class `id` holds a size, `len(v)` or `cols(W)`.
fn is_size(egraph: &MathGraph, id: Id) -> bool {
    egraph[id].nodes.iter().any(|node| matches!(node, Math::Len(_) | Math::Cols(_)))
}

/// The `k` class of a class holding `delta(i, k)` or `delta(k, i)` (i the binder), when `k` is
/// an index name other than `i` ([`in_range`]).
fn delta_of(egraph: &MathGraph, class: Id, binder: Symbol) -> Option<Id> {
    let is_binder = |id: &Id| egraph[*id].data.symbol == Some(binder);
    let other_index = |id: &Id| egraph[*id].data.symbol.is_some_and(|s| s != binder);
    egraph[class].nodes.iter().find_map(|node| match node {
        Math::Delta([a, b]) if is_binder(a) && other_index(b) => Some(*b),
        Math::Delta([a, b]) if is_binder(b) && other_index(a) => Some(*a),
        _ => None,
    })
}

/// The body of `sum(index, body)` (over 1..`count` when given) with each product that has a
/// delta factor of `index` eliminated, the other products left under a sum; `None` when there
/// is no delta factor, or when the products left over would not tell an unwritten range.
fn eliminate_in_terms(body: &Expr, index: &str, count: Option<&Expr>) -> Option<Expr> {
    let mut terms = vec![];
    flatten(body, BinOp::Add, &mut terms);
    let mut eliminated = vec![];
    let mut rest = vec![];
    for term in terms {
        match split_delta(term, index) {
            Some((k, others)) => eliminated.push(replace_index(&others, index, &k)),
            None => rest.push(term.clone()),
        }
    }
    if eliminated.is_empty() {
        return None;
    }
    if let Some(rest) = rest.into_iter().reduce(|a, b| Expr::binary(BinOp::Add, a, b)) {
        if count.is_none() && rest.indexed_by(index).is_none() {
            return None;
        }
        eliminated.push(Expr::sum_over(index, count.cloned(), rest));
    }
    eliminated.into_iter().reduce(|a, b| Expr::binary(BinOp::Add, a, b))
}

/// Whether `e` is a product with a factor that is a sum holding a delta of `index`.
fn delta_inside_a_factor(e: &Expr, index: &str) -> bool {
    let mut factors = vec![];
    flatten(e, BinOp::Mul, &mut factors);
    factors.len() > 1
        && factors.iter().any(|f| {
            let mut terms = vec![];
            flatten(f, BinOp::Add, &mut terms);
            terms.len() > 1 && terms.iter().any(|t| split_delta(t, index).is_some())
        })
}

/// A product's delta factor of `index` (its other side `k`, free of `index`) and the product of
/// the other factors.
fn split_delta(term: &Expr, index: &str) -> Option<(Expr, Expr)> {
    let mut factors = vec![];
    flatten(term, BinOp::Mul, &mut factors);
    let (at, k) = factors.iter().enumerate().find_map(|(at, f)| match &f.node {
        Node::Call(Func::Delta, args) => {
            let is_index = |e: &Expr| matches!(&e.node, Node::Var(v) if v == index);
            match (&args[0], &args[1]) {
                (a, b) if is_index(a) && in_range(b, index) => Some((at, b.clone())),
                (a, b) if is_index(b) && in_range(a, index) => Some((at, a.clone())),
                _ => None,
            }
        }
        _ => None,
    })?;
    let others = factors
        .iter()
        .enumerate()
        .filter(|(n, _)| *n != at)
        .map(|(_, f)| (*f).clone())
        .reduce(|a, b| Expr::binary(BinOp::Mul, a, b))
        .unwrap_or_else(|| Expr::num(num_traits::One::one()));
    Some((k, others))
}

/// Whether `k` may be substituted for the bound `index` of a sum: `k` is another index name (a
/// free index like the `k` of `--wrt 'z[k]'`, or the index of an enclosing sum), which stands for
/// a component of the vectors the sum runs over. A number (`delta(i, 7)`, `delta(i, 1/2)`) or a
/// compound index (`delta(i, k + 1)`) may lie outside the sum's range, where the sum is 0 but
/// the substituted term has no value: the sum is kept.
fn in_range(k: &Expr, index: &str) -> bool {
    matches!(&k.node, Node::Var(v) if v != index)
}

/// `e` with `k` for `index`, renaming binders of `e` that would capture a name of `k`.
fn replace_index(e: &Expr, index: &str, k: &Expr) -> Expr {
    let mut fresh = Fresh::avoiding([k, e]);
    substitute(e, &HashMap::from([(index.to_string(), k.clone())]), &mut fresh)
}

impl Applier<Math, Facts> for Kronecker {
    fn apply_matches(&self, egraph: &mut MathGraph, matches: &[SearchMatches<Math>], rule: Symbol) -> Vec<Id> {
        let found: Vec<(Expr, Expr)> =
            matches.iter().flat_map(|m| m.substs.iter()).flat_map(|subst| self.eliminate(egraph, subst)).collect();
        let mut changed = vec![];
        // Each step is justified from the sum as read, so that an explanation shows that term.
        for (sum, eliminated) in found {
            // The sum keeps the bound index it was matched with (its canonical name was chosen
            // for another form of the body, and renaming would make it another class).
            let from = egraph.add_expr_uncanonical(&term_keeping_names(&sum));
            let id = egraph.add_expr_uncanonical(&to_term(&eliminated));
            if egraph.union_trusted(from, id, rule) {
                changed.push(id);
            }
        }
        changed
    }

    fn apply_one(&self, _: &mut MathGraph, _: Id, _: &Subst, _: Option<&PatternAst<Math>>, _: Symbol) -> Vec<Id> {
        unreachable!("Kronecker elimination applies all matches at once")
    }
}
