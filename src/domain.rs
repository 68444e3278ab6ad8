//! Where an expression has a value: the conditions its partial operations put on their
//! arguments (`log(u)` needs `u > 0`, `a/b` needs `b != 0`, ...). A rewrite may keep the value
//! wherever its left side has one and still have a value elsewhere (`0*log(x) = 0`,
//! `x^(1/2)*x^(1/2) = x`); comparing the conditions of the two sides states that caveat.

use crate::egraph::range_of;
use crate::syntax::ast::{BinOp, Expr, Func, Node};
use num_traits::{Signed, Zero};
use std::fmt;

/// How an argument is restricted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Relation {
    /// `u > 0`
    Positive,
    /// `u >= 0`
    NonNegative,
    /// `u != 0`
    NonZero,
}

/// One condition: the argument, its restriction, the operation that needs it, and whether it
/// must hold for every value of an enclosing sum's index.
#[derive(Clone, Debug, PartialEq)]
pub struct Condition {
    /// The restricted argument.
    pub argument: Expr,
    /// The restriction.
    pub relation: Relation,
    /// The operation that needs it (`log(x)`).
    pub source: Expr,
    /// Whether the argument depends on the index of an enclosing sum.
    pub for_every_index: bool,
    /// The counts `n` of the ranges `1..n` that may be empty (of sums and products) under which
    /// alone the condition is met: the input needs it only where one of them is not empty, and
    /// may have a value elsewhere although it fails. Empty for a condition of the input itself.
    pub only_if_nonempty: Vec<Expr>,
}

impl Condition {
    /// The caveat of `whose` (the input, or a side) against `other` (the result, or the other
    /// side), which lost this condition: `whose` has a value only where it holds; or, under a
    /// range that may be empty, the two are equal where it holds (and may differ elsewhere).
    pub fn caveat(&self, whose: &str, other: &str) -> String {
        if self.only_if_nonempty.is_empty() {
            return format!("{whose} has a value only where {self}");
        }
        let ranges: Vec<String> = self.only_if_nonempty.iter().map(|n| format!("1..{n}")).collect();
        format!(
            "{whose} equals {other} only where {self}; {whose} needs that only where the range {} is not empty",
            ranges.join(" or ")
        )
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let relation = match self.relation {
            Relation::Positive => ">",
            Relation::NonNegative => ">=",
            Relation::NonZero => "!=",
        };
        write!(f, "{} {relation} 0", self.argument)?;
        if self.for_every_index {
            f.write_str(" for every index")?;
        }
        write!(f, " (for {})", self.source)
    }
}

/// The conditions under which `e` has a value, except those the interval analysis proves
/// always true (`exp(x) > 0`). Each condition once, in the order met.
pub fn conditions(e: &Expr) -> Vec<Condition> {
    let mut out = vec![];
    collect(e, &mut Scope::default(), &mut out);
    out
}

/// Where in the expression a condition is met: the bound indices, and the count of the
/// outermost enclosing range that may be empty.
#[derive(Default)]
struct Scope {
    bound: Vec<String>,
    may_be_empty: Option<Expr>,
}

/// The conditions of `from` that `to` does not have: where `from` may have no value although
/// `to` has one. A condition met only under ranges that may be empty is always one: the
/// simplification may have used it anywhere (an e-graph's facts hold in every context), although
/// `from` needs it only where those ranges are not empty, and `to` may keep it under a range.
pub fn lost(from: &Expr, to: &Expr) -> Vec<Condition> {
    let kept = conditions(to);
    conditions(from)
        .into_iter()
        .filter(|c| {
            !c.only_if_nonempty.is_empty() || !kept.iter().any(|k| k.argument == c.argument && k.relation == c.relation)
        })
        .collect()
}

fn collect(e: &Expr, scope: &mut Scope, out: &mut Vec<Condition>) {
    let mut need = |argument: &Expr, relation: Relation, scope: &Scope| {
        if proved(argument, relation) {
            return;
        }
        // Met again: needed wherever either is (a condition of the input itself wins).
        if let Some(c) = out.iter_mut().find(|c| &c.argument == argument && c.relation == relation) {
            match &scope.may_be_empty {
                None => c.only_if_nonempty.clear(),
                Some(n) if !c.only_if_nonempty.is_empty() && !c.only_if_nonempty.contains(n) => {
                    c.only_if_nonempty.push(n.clone())
                }
                Some(_) => {}
            }
            return;
        }
        let for_every_index = argument.free_names().iter().any(|n| scope.bound.contains(n));
        out.push(Condition {
            argument: argument.clone(),
            relation,
            source: e.clone(),
            for_every_index,
            only_if_nonempty: scope.may_be_empty.iter().cloned().collect(),
        });
    };
    match &e.node {
        Node::Call(Func::Log, args) => need(&args[0], Relation::Positive, scope),
        Node::Call(Func::Sqrt, args) => need(&args[0], Relation::NonNegative, scope),
        Node::Binary(BinOp::Div, _, b) => need(b, Relation::NonZero, scope),
        Node::Binary(BinOp::Pow, base, exponent) => match exact_constant(exponent).as_ref() {
            Some(p) if p.is_integer() && p.is_negative() => need(base, Relation::NonZero, scope),
            Some(p) if p.is_integer() => {}
            Some(p) => {
                let even_root = (p.denom() % 2u32).is_zero();
                match (even_root, p.is_negative()) {
                    (true, true) => need(base, Relation::Positive, scope),
                    (true, false) => need(base, Relation::NonNegative, scope),
                    (false, true) => need(base, Relation::NonZero, scope),
                    (false, false) => {}
                }
            }
            None => need(base, Relation::Positive, scope),
        },
        _ => {}
    }
    if let Node::Reduce(_, i, count, body) = &e.node {
        if let Some(count) = count {
            collect(count, scope, out);
        }
        // A range over 1..n with n not proved positive may be empty: its body is then never
        // evaluated.
        let outer = scope.may_be_empty.clone();
        if outer.is_none() {
            scope.may_be_empty = count.as_deref().filter(|n| !range_of(n).positive()).cloned();
        }
        scope.bound.push(i.clone());
        collect(body, scope, out);
        scope.bound.pop();
        scope.may_be_empty = outer;
        return;
    }
    for child in e.children() {
        collect(child, scope, out);
    }
}

/// The exact value of a constant expression (`1/2`, `-2`).
fn exact_constant(e: &Expr) -> Option<num_rational::BigRational> {
    crate::eval::eval_scalar(e, &crate::eval::value::Env::new()).ok()?.as_exact().cloned()
}

/// Whether the interval analysis proves the condition for every value of `argument`.
fn proved(argument: &Expr, relation: Relation) -> bool {
    let range = range_of(argument);
    match relation {
        Relation::Positive => range.positive(),
        Relation::NonNegative => range.nonnegative(),
        Relation::NonZero => range.nonzero(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse::parse_expr;

    fn shown(src: &str) -> Vec<String> {
        conditions(&parse_expr(src).unwrap()).iter().map(|c| c.to_string()).collect()
    }

    #[test]
    fn partial_operations_restrict_their_arguments() {
        assert_eq!(shown("0*log(x)"), ["x > 0 (for log(x))"]);
        assert_eq!(shown("x^(1/2)*x^(1/2)"), ["x >= 0 (for x^(1/2))"]);
        assert_eq!(shown("a/(b - 1)"), ["b - 1 != 0 (for a/(b - 1))"]);
        assert_eq!(shown("x^-2 + x^(1/3) + x^y"), ["x != 0 (for x^-2)", "x > 0 (for x^y)"]);
        assert_eq!(shown("sum(i, log(y[i]))"), ["y[i] > 0 for every index (for log(y[i]))"]);
        // Under a range that may be empty, the condition is needed only where it is not.
        let c = conditions(&parse_expr("sum(i = 1..n, sqrt(x)) + sum(i = 1..len(v), log(v[i]))").unwrap());
        assert_eq!(c[0].only_if_nonempty.iter().map(|n| n.to_string()).collect::<Vec<_>>(), ["n"]);
        assert!(c[1].only_if_nonempty.is_empty());
        // Met outside the range too: a condition of the input; under two ranges: either.
        let outside = conditions(&parse_expr("sum(i = 1..n, sqrt(x)) + sqrt(x)").unwrap());
        assert!(outside[0].only_if_nonempty.is_empty());
        let two = conditions(&parse_expr("sum(i = 1..n, sqrt(x)) + prod(j = 1..m, sqrt(x))").unwrap());
        assert_eq!(two[0].only_if_nonempty.len(), 2);
        assert!(two[0].caveat("A", "B").ends_with("the range 1..n or 1..m is not empty"));
        assert!(c[0].caveat("A", "B").starts_with("A equals B only where x >= 0"));
        // Proved by the interval analysis: no condition.
        assert!(shown("log(exp(x)) + 1/(1 + exp(x)) + sqrt(x^2)").is_empty());
    }

    #[test]
    fn a_condition_under_a_range_that_may_be_empty_is_always_stated() {
        // The e-graph may use x >= 0 outside the sum, even though the result keeps sqrt(x).
        let (a, b) = (parse_expr("sum(i = 1..n, sqrt(x))").unwrap(), parse_expr("sum(i = 1..n, sqrt(x))").unwrap());
        assert_eq!(lost(&a, &b).len(), 1);
    }

    #[test]
    fn lost_conditions_are_those_of_one_side_only() {
        let (a, b) = (parse_expr("0*log(x)").unwrap(), parse_expr("0").unwrap());
        assert_eq!(lost(&a, &b).len(), 1);
        assert!(lost(&b, &a).is_empty());
        let (a, b) = (parse_expr("log(x) + log(x)").unwrap(), parse_expr("2*log(x)").unwrap());
        assert!(lost(&a, &b).is_empty());
    }
}
