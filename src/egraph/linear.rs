//! Sums by linearity in one step: a sum's body is read as a polynomial (as collecting like terms
//! reads it), its terms are summed one by one, and each term's factors that do not depend on the
//! bound index are taken out: `sum(i, (a*y[i] + b)*(delta(i, k) - c))` becomes
//! `a*sum(i, y[i]*delta(i, k)) - a*c*sum(i, y[i]) + b*sum(i = 1..len(y), delta(i, k)) -
//! b*c*len(y)`, on which Kronecker elimination and the assumptions (`sum(i, y[i]) = 1`) act.
//!
//! The rules `split the sum` and `pull a constant factor out of the sum` get there a step at a
//! time, and on a loss's derivative that takes many iterations of a growing e-graph. A term
//! left without the index is summed over the sum's range (`n*c`); a sum whose body no longer
//! tells its range gets it written (`sum(i = 1..len(y), ...)`, as [`super::ranges`] does).

use super::analysis::{Facts, MathGraph};
use super::collect::{added_atoms, atom_terms, read, write, write_monomial, AtomTerms, Memo, Monomial, Poly, Written};
use super::cost::SharedTerms;
use super::lang::Math;
use egg::{Id, PatternAst, Rewrite, SearchMatches, Searcher, Subst, Symbol, Var};
use num_rational::BigRational;
use num_traits::One;
use std::collections::{BTreeMap, HashMap};

/// The rule's name, shown in derivation steps.
pub const LINEAR_SUM: &str = "sum term by term, constant factors taken out";

/// A sum as read: its binder, how its range is known, and its body's terms grouped by the
/// factors that depend on the index (each with the polynomial of the factors that do not).
struct Plan {
    /// The class of the sum.
    sum: Id,
    /// The node of the shared terms the sum was read as (with explanations only).
    source: Option<Id>,
    binder: Id,
    range: Range,
    groups: BTreeMap<Monomial, Poly>,
    /// The nodes of the shared terms its atoms were read as (with explanations only).
    atoms: HashMap<Id, Id>,
}

/// Where a sum's range comes from.
#[derive(Clone, Copy, Hash)]
enum Range {
    /// `sum(i = 1..n, ...)`: the class of `n`.
    Written(Id),
    /// `sum(i, ...)`: a vector class the body indexes by `i`, and the axis.
    Told(Id, usize),
}

/// The searcher of [`LINEAR_SUM`]: every class holding a sum.
pub struct LinearSum;

impl LinearSum {
    /// The rewrite.
    pub fn rewrite() -> Rewrite<Math, Facts> {
        Rewrite::new(LINEAR_SUM, LinearSum, Summing::default()).expect("a well-formed rule")
    }
}

impl Searcher<Math, Facts> for LinearSum {
    fn search_eclass_with_limit(&self, egraph: &MathGraph, eclass: Id, _: usize) -> Option<SearchMatches<'_, Math>> {
        let has = egraph[eclass].nodes.iter().any(|n| matches!(n, Math::Sum(_) | Math::SumTo(_)));
        (has && egraph[eclass].data.constant.is_none()).then(|| SearchMatches {
            eclass,
            substs: vec![Subst::default()],
            ast: None,
        })
    }

    fn vars(&self) -> Vec<Var> {
        vec![]
    }
}

/// The plan for the sum node `node` of class `sum`, if splitting it changes anything.
fn plan(egraph: &MathGraph, sum: Id, node: &Math, memo: &mut Memo, terms: &mut SharedTerms) -> Option<Plan> {
    let (binder, body, range) = match *node {
        Math::Sum([binder, body]) => {
            let index = egraph[binder].data.symbol?;
            let &(vector, axis) = egraph[body].data.witness.get(&index)?;
            (binder, body, Range::Told(vector, axis))
        }
        Math::SumTo([binder, n, body]) => (binder, body, Range::Written(n)),
        _ => return None,
    };
    let index = egraph[binder].data.symbol?;
    let poly = read(egraph, body, 0, memo)?;
    let depends = |id: Id| egraph[id].data.free.contains(&index);
    let mut groups: BTreeMap<Monomial, Poly> = BTreeMap::new();
    for (monomial, c) in &poly.0 {
        let (inside, outside): (Monomial, Monomial) = monomial.iter().partition(|((atom, _), _)| depends(*atom));
        let term = Poly(BTreeMap::from([(outside, c.clone())]));
        let group = groups.remove(&inside).unwrap_or_else(|| Poly::constant(BigRational::from_integer(0.into())));
        groups.insert(inside, group.add(term));
    }
    let one = Poly::constant(BigRational::one());
    let unchanged = groups.len() == 1 && groups.iter().all(|(inside, outside)| !inside.is_empty() && *outside == one);
    if unchanged || groups.is_empty() {
        return None;
    }
    let atoms = atom_terms(egraph, &poly, terms);
    let source = egraph.are_explanations_enabled().then(|| terms.read(egraph, sum));
    Some(Plan { sum, source, binder, range, groups, atoms })
}

/// The size of a sum's range: `n`, or the length of the vector (the columns of the matrix) the
/// body indexes.
fn size(egraph: &mut MathGraph, range: Range) -> Id {
    match range {
        Range::Written(n) => n,
        Range::Told(vector, 0) => egraph.add(Math::Len([vector])),
        Range::Told(vector, _) => egraph.add(Math::Cols([vector])),
    }
}

/// Adds the planned sum, term by term (its atoms as `atoms`), and returns its class.
fn write_plan(egraph: &mut MathGraph, plan: &Plan, atoms: &AtomTerms) -> Id {
    let index = egraph[plan.binder].data.symbol.expect("a bound index");
    let mut terms = vec![];
    for (inside, outside) in &plan.groups {
        let outside = write(egraph, outside, atoms);
        let summed = if inside.is_empty() {
            size(egraph, plan.range)
        } else {
            let body = write_monomial(egraph, inside, &BigRational::one(), atoms);
            match plan.range {
                Range::Told(..) if egraph[body].data.indexed.contains(&index) => {
                    egraph.add(Math::Sum([plan.binder, body]))
                }
                range => {
                    let n = size(egraph, range);
                    egraph.add(Math::SumTo([plan.binder, n, body]))
                }
            }
        };
        let one = egraph[outside].data.constant.as_ref().is_some_and(|c| c.is_one());
        terms.push(if one { summed } else { egraph.add(Math::Mul([outside, summed])) });
    }
    terms.into_iter().reduce(|a, b| egraph.add(Math::Add([a, b]))).expect("a sum with terms")
}

/// The applier of [`LINEAR_SUM`], with what it wrote.
#[derive(Default)]
struct Summing(Written);

impl egg::Applier<Math, Facts> for Summing {
    fn apply_matches(&self, egraph: &mut MathGraph, matches: &[SearchMatches<Math>], rule: Symbol) -> Vec<Id> {
        // Everything is read before anything is added (as collecting like terms does).
        let mut memo = Memo::new();
        let mut terms = SharedTerms::default();
        let plans: Vec<Plan> = matches
            .iter()
            .flat_map(|m| {
                let sums: Vec<Math> = egraph[m.eclass]
                    .nodes
                    .iter()
                    .filter(|n| matches!(n, Math::Sum(_) | Math::SumTo(_)))
                    .cloned()
                    .collect();
                sums.into_iter()
                    .filter_map(|node| plan(egraph, m.eclass, &node, &mut memo, &mut terms))
                    .collect::<Vec<_>>()
            })
            // A sum read the same as before is not written again (without explanations).
            .filter(|p| p.source.is_some() || self.0.is_new(egraph.find(p.sum), &(p.binder, p.range, &p.groups)))
            .collect();
        let added = terms.add_to(egraph);
        let mut changed = vec![];
        for plan in &plans {
            let source = plan.source.map_or(plan.sum, |node| added[usize::from(node)]);
            let id = write_plan(egraph, plan, &added_atoms(&plan.atoms, &added));
            if egraph.union_trusted(source, id, rule) {
                changed.push(id);
            }
        }
        changed
    }

    fn apply_one(&self, _: &mut MathGraph, _: Id, _: &Subst, _: Option<&PatternAst<Math>>, _: Symbol) -> Vec<Id> {
        unreachable!("summing term by term applies all matches at once")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::egraph::convert::{from_term, to_term};
    use crate::egraph::cost::best_term;
    use crate::syntax::parse::parse_expr;

    /// The sum `src` written term by term (from an e-graph holding `src` only), printed.
    fn split(src: &str) -> Option<String> {
        let mut egraph = MathGraph::new(Facts::default());
        let id = egraph.add_expr(&to_term(&parse_expr(src).unwrap()));
        egraph.rebuild();
        let node = egraph[id].nodes[0].clone();
        let plan = plan(&egraph, id, &node, &mut Memo::new(), &mut SharedTerms::default())?;
        let out = write_plan(&mut egraph, &plan, &AtomTerms::new());
        egraph.rebuild();
        Some(from_term(&best_term(&egraph, out)).to_string())
    }

    #[test]
    fn terms_are_summed_one_by_one_with_constant_factors_out() {
        assert_eq!(split("sum(i, c*y[i] + d)").as_deref(), Some("d*len(y) + c*sum(%0, y[%0])"));
        assert_eq!(
            split("sum(i, y[i]*(delta(i, k) + c))").as_deref(),
            Some("c*sum(%0, y[%0]) + sum(%0, y[%0]*delta(%0, k))")
        );
        // A term that no longer tells the range gets it written.
        assert_eq!(
            split("sum(i, delta(i, k) + y[i])").as_deref(),
            Some("sum(%0 = 1..len(y), delta(%0, k)) + sum(%0, y[%0])")
        );
        assert_eq!(split("sum(i = 1..n, c)").as_deref(), Some("c*n"));
        // Nothing to take out.
        assert_eq!(split("sum(i, y[i]*z[i])"), None);
    }
}
