//! Writing a sum's range: `sum(i, body)` runs over the vectors its body indexes by `i`; the same
//! sum written `sum(i = 1..len(z), body)` keeps that range when a rewrite takes the indexed
//! vector out of the body (`sum(i, z[i]*(x - x)) = sum(i = 1..len(z), 0)`, not `sum(i, 0)`, which
//! has no value). Extraction prefers the unwritten form while its body tells the range
//! ([`super::cost::node_cost`]); [`super::convert::readable`] drops a written range the body tells.

use super::analysis::{Facts, MathGraph};
use super::lang::Math;
use egg::{Applier, Id, PatternAst, Rewrite, Subst, Symbol, Var};

/// The name of the rewrite.
pub const WRITE_RANGE: &str = "write the sum's range";

/// The applier of [`WRITE_RANGE`].
pub struct WriteRange {
    i: Var,
    body: Var,
}

impl WriteRange {
    /// `sum(?i, ?body) = sum(?i = 1..len(v), ?body)` for a vector `v` some form of `?body`
    /// indexes by `?i` (`cols(W)` for a matrix's second axis).
    pub fn rewrite() -> Rewrite<Math, Facts> {
        let lhs: egg::Pattern<Math> = "(sum ?i ?body)".parse().expect("a valid pattern");
        let var = |name: &str| name.parse().expect("a pattern variable");
        Rewrite::new(WRITE_RANGE, lhs, WriteRange { i: var("?i"), body: var("?body") }).expect("a well-formed rule")
    }
}

impl Applier<Math, Facts> for WriteRange {
    fn apply_one(
        &self,
        egraph: &mut MathGraph,
        sum: Id,
        subst: &Subst,
        _: Option<&PatternAst<Math>>,
        rule: Symbol,
    ) -> Vec<Id> {
        let (binder, body) = (subst[self.i], subst[self.body]);
        let Some(index) = egraph[binder].data.symbol else { return vec![] };
        let Some(&(vector, axis)) = egraph[body].data.witness.get(&index) else { return vec![] };
        let vector = egraph.find(vector);
        let size = egraph.add(if axis == 0 { Math::Len([vector]) } else { Math::Cols([vector]) });
        let written = egraph.add(Math::SumTo([binder, size, body]));
        if egraph.union_trusted(sum, written, rule) {
            vec![written]
        } else {
            vec![]
        }
    }
}
