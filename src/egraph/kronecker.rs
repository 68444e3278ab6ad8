//! Kronecker elimination, `sum(i, delta(i, k)*f(i)) = f(k)`: substitutes `k` for the bound
//! index in a term of `f`'s class. A pattern cannot substitute, so this applier extracts the
//! term, substitutes (capture-avoiding) on the AST and adds the result back.

use super::analysis::{Facts, MathGraph};
use super::convert::{from_term, to_term};
use super::cost::ReaderCost;
use super::lang::Math;
use super::rules::KRONECKER;
use crate::names::{substitute, Fresh};
use egg::{Applier, Extractor, Id, PatternAst, Rewrite, SearchMatches, Subst, Symbol, Var};
use std::collections::HashMap;

/// The applier of [`KRONECKER`].
pub struct Kronecker {
    i: Var,
    k: Var,
    f: Var,
}

impl Kronecker {
    /// The rewrite `sum(?i, delta(?i, ?k)*?f) => ?f[?i := ?k]`, when `?k` does not depend on `?i`.
    pub fn rewrite() -> Rewrite<Math, Facts> {
        let lhs: egg::Pattern<Math> = "(sum ?i (* (delta ?i ?k) ?f))".parse().expect("a valid pattern");
        let applier =
            Kronecker { i: "?i".parse().expect("var"), k: "?k".parse().expect("var"), f: "?f".parse().expect("var") };
        Rewrite::new(KRONECKER, lhs, applier).expect("a well-formed rule")
    }

    /// The eliminated term for one match, if the match qualifies.
    fn eliminate(
        &self,
        egraph: &MathGraph,
        extractor: &Extractor<ReaderCost<'_>, Math, Facts>,
        subst: &Subst,
    ) -> Option<egg::RecExpr<Math>> {
        let binder: Symbol = egraph[subst[self.i]].data.symbol?;
        if egraph[subst[self.k]].data.free.contains(&binder) {
            return None;
        }
        let (_, k) = extractor.find_best(subst[self.k]);
        let (_, f) = extractor.find_best(subst[self.f]);
        let (k, f) = (from_term(&k), from_term(&f));
        let mut fresh = Fresh::avoiding([&k, &f]);
        let map = HashMap::from([(binder.to_string(), k)]);
        Some(to_term(&substitute(&f, &map, &mut fresh)))
    }
}

impl Applier<Math, Facts> for Kronecker {
    fn apply_matches(&self, egraph: &mut MathGraph, matches: &[SearchMatches<Math>], rule: Symbol) -> Vec<Id> {
        let found: Vec<(Id, egg::RecExpr<Math>)> = {
            let extractor = Extractor::new(&*egraph, ReaderCost { egraph });
            matches
                .iter()
                .flat_map(|m| m.substs.iter().map(move |s| (m.eclass, s)))
                .filter_map(|(class, subst)| self.eliminate(egraph, &extractor, subst).map(|t| (class, t)))
                .collect()
        };
        let mut changed = vec![];
        for (class, term) in found {
            let id = egraph.add_expr(&term);
            if egraph.union_trusted(class, id, rule) {
                changed.push(id);
            }
        }
        changed
    }

    fn apply_one(&self, _: &mut MathGraph, _: Id, _: &Subst, _: Option<&PatternAst<Math>>, _: Symbol) -> Vec<Id> {
        unreachable!("Kronecker elimination applies all matches at once")
    }
}
