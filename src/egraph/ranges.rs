//! Writing a sum's range: `sum(i, body)` runs over the vectors its body indexes by `i`; the same
//! sum written `sum(i = 1..len(z), body)` keeps that range when a rewrite takes the indexed
//! vector out of the body (`sum(i, z[i]*(x - x)) = sum(i = 1..len(z), 0)`, not `sum(i, 0)`, which
//! has no value). Extraction prefers the unwritten form while its body tells the range
//! ([`super::cost::node_cost`]); [`super::convert::readable`] drops a written range the body tells.

use super::analysis::{Facts, MathGraph};
use super::lang::Math;
use egg::{Applier, Id, PatternAst, Rewrite, Subst, Symbol, Var};

/// The names of the rewrites, for sums and for products.
pub const WRITE_RANGE: [&str; 2] = ["write the sum's range", "write the product's range"];

/// The applier of [`WRITE_RANGE`].
pub struct WriteRange {
    i: Var,
    body: Var,
    written: fn([Id; 3]) -> Math,
}

impl WriteRange {
    /// `sum(?i, ?body) = sum(?i = 1..len(v), ?body)` for a vector `v` some form of `?body`
    /// indexes by `?i` (`cols(W)` for a matrix's second axis), and the same for `prod`.
    pub fn rewrites() -> [Rewrite<Math, Facts>; 2] {
        let var = |name: &str| name.parse().expect("a pattern variable");
        let make = |name: &str, lhs: &str, written: fn([Id; 3]) -> Math| {
            let lhs: egg::Pattern<Math> = lhs.parse().expect("a valid pattern");
            Rewrite::new(name, lhs, WriteRange { i: var("?i"), body: var("?body"), written })
                .expect("a well-formed rule")
        };
        [make(WRITE_RANGE[0], "(sum ?i ?body)", Math::SumTo), make(WRITE_RANGE[1], "(prod ?i ?body)", Math::ProdTo)]
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
        let written = egraph.add((self.written)([binder, size, body]));
        if egraph.union_trusted(sum, written, rule) {
            vec![written]
        } else {
            vec![]
        }
    }
}
