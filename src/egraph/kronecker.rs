//! Kronecker elimination, `sum(i, delta(i, k)*f(i)) = f(k)`: substitutes `k` for the bound
//! index. A pattern cannot substitute, so this applier extracts terms, substitutes
//! (capture-avoiding) on the AST and adds the result back.
//!
//! It looks at a sum's body two ways: every product in the body's class with a delta of the
//! bound index as one factor (whatever the best form of the body is), and the body's best term
//! and each sum in its class read as a sum of products, where each product with a delta factor is eliminated on its own
//! (`sum(i, a[i]*delta(i, k) + b[i]*delta(i, l)*c) = a[k] + b[l]*c`). Products without one stay
//! under the sum, which they must then tell the range of.

use super::analysis::{Facts, MathGraph};
use super::convert::{flatten, from_term, term_keeping_names, to_term};
use super::cost::best_term;
use super::lang::Math;
use super::rules::KRONECKER;
use crate::ast::{BinOp, Expr, Func, Node};
use crate::names::{substitute, Fresh};
use egg::{Applier, Id, PatternAst, Rewrite, SearchMatches, Subst, Symbol, Var};
use std::collections::HashMap;

/// The applier of [`KRONECKER`].
pub struct Kronecker {
    i: Var,
    body: Var,
}

impl Kronecker {
    /// The rewrite of `sum(?i, ?body)` by eliminating the deltas of `?i` in `?body`.
    pub fn rewrite() -> Rewrite<Math, Facts> {
        let lhs: egg::Pattern<Math> = "(sum ?i ?body)".parse().expect("a valid pattern");
        let applier = Kronecker { i: "?i".parse().expect("var"), body: "?body".parse().expect("var") };
        Rewrite::new(KRONECKER, lhs, applier).expect("a well-formed rule")
    }

    /// For one match, pairs of a sum (as read) and its elimination.
    fn eliminate(&self, egraph: &MathGraph, subst: &Subst) -> Vec<(Expr, Expr)> {
        let Some(binder) = egraph[subst[self.i]].data.symbol else { return vec![] };
        let index = binder.as_str();
        let sum = |body: Expr| Expr::new(Node::Sum(index.to_string(), Box::new(body)));
        let body = egraph.find(subst[self.body]);
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
            if let Some(eliminated) = eliminate_in_terms(&body, index) {
                found.push((sum(body), eliminated));
            }
        }
        found
    }
}

/// The `k` class of a class holding `delta(i, k)` or `delta(k, i)` (i the binder), when `k` does
/// not depend on `i`.
fn delta_of(egraph: &MathGraph, class: Id, binder: Symbol) -> Option<Id> {
    let is_binder = |id: &Id| egraph[*id].data.symbol == Some(binder);
    let lacks_binder = |id: &Id| !egraph[*id].data.free.contains(&binder);
    egraph[class].nodes.iter().find_map(|node| match node {
        Math::Delta([a, b]) if is_binder(a) && lacks_binder(b) => Some(*b),
        Math::Delta([a, b]) if is_binder(b) && lacks_binder(a) => Some(*a),
        _ => None,
    })
}

/// The body of `sum(index, body)` with each product that has a delta factor of `index`
/// eliminated, the other products left under a sum; `None` when there is no delta factor, or
/// when the products left over would not tell the sum's range.
fn eliminate_in_terms(body: &Expr, index: &str) -> Option<Expr> {
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
        if !indexes_by(&rest, index) {
            return None;
        }
        eliminated.push(Expr::new(Node::Sum(index.to_string(), Box::new(rest))));
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
            let lacks_index = |e: &Expr| !e.free_names().contains(index);
            match (&args[0], &args[1]) {
                (a, b) if is_index(a) && lacks_index(b) => Some((at, b.clone())),
                (a, b) if is_index(b) && lacks_index(a) => Some((at, a.clone())),
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

/// `e` with `k` for `index`, renaming binders of `e` that would capture a name of `k`.
fn replace_index(e: &Expr, index: &str, k: &Expr) -> Expr {
    let mut fresh = Fresh::avoiding([k, e]);
    substitute(e, &HashMap::from([(index.to_string(), k.clone())]), &mut fresh)
}

/// Whether `e` indexes a vector by `index` itself, outside any sum rebinding it (so a sum over
/// `index` can tell its range from `e`).
fn indexes_by(e: &Expr, index: &str) -> bool {
    match &e.node {
        Node::Index(_, idx) if idx.iter().any(|i| matches!(&i.node, Node::Var(v) if v == index)) => true,
        Node::Sum(i, _) if i == index => false,
        _ => e.children().into_iter().any(|c| indexes_by(c, index)),
    }
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
