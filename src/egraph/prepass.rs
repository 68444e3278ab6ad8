//! Rewrites on the syntax tree before saturation, where the e-graph would make them anyway:
//! Kronecker elimination and pulling constant factors out of sums. Saturation then starts
//! from a smaller expression nearer its best form (a derivative by `W[p, q]` is full of deltas
//! under sums), which saves it iterations over large e-graphs.

use super::rules::KRONECKER;
use crate::syntax::ast::{flatten, BinOp, Expr, Func, Node, Reduce};
use crate::syntax::names::{substitute, Fresh};
use std::collections::HashMap;

/// The name of the rule that pulls constant factors out of a sum.
const PULL_OUT: &str = "pull a constant factor out of the sum";

/// `e` with the deltas eliminated, then the constant factors pulled out of every sum, and the
/// names of the rules that changed something (for the step that shows it).
pub fn prepare(e: &Expr) -> (Expr, Vec<&'static str>) {
    let mut rules = vec![];
    let eliminated = eliminate_deltas(e);
    if eliminated != *e {
        rules.push(KRONECKER);
    }
    let pulled = pull_out(&eliminated);
    if pulled != eliminated {
        rules.push(PULL_OUT);
    }
    if rules.is_empty() {
        return (pulled, rules);
    }
    (tidy_signs(&pulled), rules)
}

/// `a - -b` as `a + b` and `a + -b` as `a - b` (what an elimination leaves where a negated
/// product lost its sum).
fn tidy_signs(e: &Expr) -> Expr {
    let e = e.map_children(tidy_signs);
    match &e.node {
        Node::Binary(op @ (BinOp::Add | BinOp::Sub), a, b) => match &b.node {
            Node::Neg(inner) => {
                let flipped = if *op == BinOp::Add { BinOp::Sub } else { BinOp::Add };
                Expr::binary(flipped, (**a).clone(), (**inner).clone())
            }
            _ => e,
        },
        _ => e,
    }
}

/// Every `sum(i, a*f(i))` as `a*sum(i, f(i))`: the factors of a product body that do not
/// mention `i` go in front (a body with no factor mentioning `i` stays).
fn pull_out(e: &Expr) -> Expr {
    let e = e.map_children(pull_out);
    let Node::Reduce(Reduce::Sum, i, count, body) = &e.node else { return e };
    let mut factors = vec![];
    flatten(body, BinOp::Mul, &mut factors);
    let (inside, outside): (Vec<&Expr>, Vec<&Expr>) = factors.into_iter().partition(|f| f.free_names().contains(i));
    if inside.is_empty() || outside.is_empty() {
        return e;
    }
    let product = |fs: Vec<&Expr>| fs.into_iter().cloned().reduce(|a, b| Expr::binary(BinOp::Mul, a, b));
    let sum =
        Expr::new(Node::Reduce(Reduce::Sum, i.clone(), count.clone(), Box::new(product(inside).expect("a factor"))));
    Expr::binary(BinOp::Mul, product(outside).expect("a factor"), sum)
}

/// Kronecker elimination on the syntax tree, before saturation: every `sum(i, ...)` (without a
/// written range) whose body is a product with a factor `delta(i, k)` (or a sum of terms, one of
/// which is) becomes the product without it, `k` put for `i`; inner sums first. The same rule
/// as the applier ([`KRONECKER`]), applied where the e-graph would apply it anyway, so that
/// saturation starts from the smaller expression (a derivative by `W[p, q]` is full of them).
fn eliminate_deltas(e: &Expr) -> Expr {
    let e = e.map_children(eliminate_deltas);
    let Node::Reduce(Reduce::Sum, i, None, body) = &e.node else { return e };
    let mut terms = vec![];
    split_terms(body, false, &mut terms);
    let eliminated: Vec<(bool, Option<Expr>)> =
        terms.iter().map(|(negative, t)| (*negative, eliminate_in(i, t))).collect();
    // A term left under the sum must tell its range by indexing with `i` (`sum(i, c)` does not:
    // the e-graph's elimination writes its range out, or leaves the sum alone).
    let untold = terms.iter().zip(&eliminated).any(|((_, t), (_, done))| done.is_none() && t.indexed_by(i).is_none());
    if eliminated.iter().all(|(_, t)| t.is_none()) || untold {
        return e;
    }
    let mut parts = terms
        .iter()
        .zip(eliminated)
        .map(|((negative, term), (_, done))| (*negative, done.unwrap_or_else(|| Expr::sum(i, (*term).clone()))));
    let (negative, first) = parts.next().expect("a body has a term");
    let first = if negative { Expr::negate(first) } else { first };
    parts.fold(first, |acc, (negative, t)| Expr::binary(if negative { BinOp::Sub } else { BinOp::Add }, acc, t))
}

/// The terms of `e` with their signs (`true` for a subtracted term).
fn split_terms<'a>(e: &'a Expr, negative: bool, out: &mut Vec<(bool, &'a Expr)>) {
    match &e.node {
        Node::Binary(BinOp::Add, a, b) => {
            split_terms(a, negative, out);
            split_terms(b, negative, out);
        }
        Node::Binary(BinOp::Sub, a, b) => {
            split_terms(a, negative, out);
            split_terms(b, !negative, out);
        }
        _ => out.push((negative, e)),
    }
}

/// `sum(i, term)` without the sum, if `term` is a product with a factor `delta(i, k)`.
fn eliminate_in(i: &str, term: &Expr) -> Option<Expr> {
    let mut factors = vec![];
    flatten(term, BinOp::Mul, &mut factors);
    let position = factors.iter().position(|f| delta_partner(f, i).is_some())?;
    let k = delta_partner(factors[position], i)?;
    let rest = factors.iter().enumerate().filter(|(n, _)| *n != position).map(|(_, f)| (*f).clone());
    let product = rest.reduce(|a, b| Expr::binary(BinOp::Mul, a, b)).unwrap_or_else(|| Expr::int(1));
    let mut fresh = Fresh::avoiding([term]);
    Some(substitute(&product, &HashMap::from([(i.to_string(), Expr::var(&k))]), &mut fresh))
}

/// `k` of a factor `delta(i, k)` or `delta(k, i)`, `k` an index name other than `i`.
fn delta_partner(f: &Expr, i: &str) -> Option<String> {
    let Node::Call(Func::Delta, args) = &f.node else { return None };
    let name = |e: &Expr| if let Node::Var(v) = &e.node { Some(v.clone()) } else { None };
    match (name(&args[0])?, name(&args[1])?) {
        (a, b) if a == i && b != i => Some(b),
        (a, b) if b == i && a != i => Some(a),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse::parse_expr;

    fn eliminated(src: &str) -> String {
        eliminate_deltas(&parse_expr(src).unwrap()).to_string()
    }

    #[test]
    fn deltas_of_the_bound_index_are_eliminated_inner_sums_first() {
        assert_eq!(eliminated("sum(i, delta(i, k)*z[i])"), "z[k]");
        assert_eq!(eliminated("sum(j, w[j]*sum(k, delta(j, p)*delta(k, q)*x[k]))"), "w[p]*x[q]");
        assert_eq!(eliminated("sum(i, a[i]*delta(k, i) - b[i])"), "a[k] - sum(i, b[i])");
        assert_eq!(eliminated("sum(i, b[i] - a[i]*delta(k, i))"), "sum(i, b[i]) - a[k]");
        // `c` alone would lose the range the sum ran over: left to the e-graph.
        assert_eq!(eliminated("sum(i, c - a[i]*delta(k, i))"), "sum(i, c - a[i]*delta(k, i))");
        assert_eq!(eliminated("sum(i, -(delta(i, k)*a[i]))"), "sum(i, -(delta(i, k)*a[i]))");
    }

    #[test]
    fn sums_with_a_range_and_deltas_of_other_indices_stay() {
        assert_eq!(eliminated("sum(i = 1..n, delta(i, k)*z[i])"), "sum(i = 1..n, delta(i, k)*z[i])");
        assert_eq!(eliminated("sum(i, delta(j, k)*z[i])"), "sum(i, delta(j, k)*z[i])");
        assert_eq!(eliminated("sum(i, delta(i, i)*z[i])"), "sum(i, delta(i, i)*z[i])");
    }

    #[test]
    fn the_substitution_avoids_capture() {
        assert_eq!(eliminated("sum(i, delta(i, j)*sum(j, a[i, j]))"), "sum(l, a[j, l])");
    }

    #[test]
    fn constant_factors_come_out_of_sums() {
        let pulled = |src: &str| pull_out(&parse_expr(src).unwrap()).to_string();
        assert_eq!(pulled("sum(i, a*b[i]*c)"), "a*c*sum(i, b[i])");
        assert_eq!(pulled("sum(i, a*c)"), "sum(i, a*c)");
        assert_eq!(pulled("sum(i, sum(j, w[j]*x[i])*y[i])"), "sum(j, w[j])*sum(i, x[i]*y[i])");
        let (e, rules) = prepare(&parse_expr("2*sum(i, s*sum(k, delta(k, q)*x[k])*w[i])").unwrap());
        assert_eq!((e.to_string().as_str(), rules), ("2*(s*x[q]*sum(i, w[i]))", vec![KRONECKER, PULL_OUT]));
        let (e, _) = prepare(&parse_expr("a - sum(l, -y[l]*delta(l, k))").unwrap());
        assert_eq!(e.to_string(), "a + y[k]");
    }
}
