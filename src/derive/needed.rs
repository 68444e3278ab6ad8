//! Whether a simplification needed an assumption, tested numerically before the e-graph is
//! asked (by simplifying once more without it).

use crate::defs::Definitions;
use crate::egraph::Assumption;
use crate::sample::compare::{compare_at, Verdict};
use crate::sample::Sampler;
use crate::syntax::ast::Expr;

/// Sample points tried. Where the result needs the assumption, the first random point (which
/// breaks it) already shows a difference; the constant points before it may not.
const POINTS: usize = 6;

/// The [`crate::egraph::Refutes`] test under `defs`: whether the result differs from the input
/// at one of a few sample points where the assumptions `kept` are made true (and no other).
pub fn refutes(defs: &Definitions) -> impl Fn(&Expr, &Expr, &[Assumption]) -> bool + '_ {
    move |input, result, kept| {
        let sampler = Sampler::new([input, result], defs, kept);
        matches!(compare_at(input, result, &sampler, POINTS), Verdict::Differ(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse::parse_expr;

    /// Whether `result` is refuted with the assumption at position `i` left out.
    fn refuted(input: &str, result: &str, assumptions: &[&str], i: usize) -> bool {
        let kept: Vec<Assumption> = assumptions
            .iter()
            .enumerate()
            .filter(|&(n, _)| n != i)
            .map(|(_, a)| Assumption::parse(a).unwrap())
            .collect();
        let defs = Definitions::default();
        let refutes = refutes(&defs);
        refutes(&parse_expr(input).unwrap(), &parse_expr(result).unwrap(), &kept)
    }

    #[test]
    fn a_result_that_holds_only_under_the_assumption_is_refuted_without_it() {
        assert!(refuted("sum(i, y[i])*a - y[k]", "a - y[k]", &["sum(i, y[i]) = 1"], 0));
    }

    #[test]
    fn a_result_that_holds_anyway_is_not_refuted() {
        assert!(!refuted("sum(i, y[i])*a - y[k]*a", "a*(sum(i, y[i]) - y[k])", &["sum(i, y[i]) = 1"], 0));
    }

    #[test]
    fn the_other_assumptions_stay_true() {
        let assumptions = ["b = 2*c", "c = 1"];
        // Without `c = 1`, `b = 2*c` still holds at every point.
        assert!(!refuted("b + a", "2*c + a", &assumptions, 1));
        assert!(refuted("b + a", "2 + a", &assumptions, 1));
        assert!(refuted("b + a", "2 + a", &assumptions, 0));
    }
}
