//! The steps of a simplification, read from egg's explanation of why the start and the result
//! are equal, and tidied into what a student would hand in: no step returns to an earlier
//! expression, bookkeeping (distributing, splitting sums, pulling out factors, folding
//! constants) goes into the line of the next rule that does real work, and each rule is named
//! in the direction it was used.

use super::analysis::MathGraph;
use super::convert::readable;
use super::lang::{self, Math};
use super::{connect, rule_set, rules, Assumption, Limits, Rules, Step};
use crate::defs::Definitions;
use crate::syntax::ast::{Expr, Func};
use egg::{FlatTerm, RecExpr, Symbol};

/// The largest pair of terms (in nodes) explained step by step: an explanation is read as a
/// tree, which grows with the size of every term it passes through.
const MAX_EXPLAINED_SIZE: usize = 2_000;

/// The most e-nodes a proof one rule at a time may take before the coarser one is tried: such
/// proofs of the catalog that succeed take up to a few thousand; one that cannot succeed (the
/// result needs a common denominator, which only collecting like terms finds) would go on to
/// the full limits, a hundred times the derivation's own time.
const ONE_AT_A_TIME_NODES: usize = 1_500;

/// Below [`ONE_AT_A_TIME_NODES`], a proof one rule at a time may take this many times the
/// e-nodes of the simplification it explains, and at least [`ONE_AT_A_TIME_FLOOR`]: the proofs
/// of the catalog that succeed take up to 15 times (those of small terms), most under 7; one
/// that fails spends all it may, which for a small derivation was 20 times its own time.
const ONE_AT_A_TIME_FACTOR: usize = 10;

/// See [`ONE_AT_A_TIME_FACTOR`].
const ONE_AT_A_TIME_FLOOR: usize = 500;

/// The largest simplification (in e-nodes) explained one rule at a time first: of the catalog's
/// larger ones, all but one need collecting like terms, and a failed try costs as much as the
/// proof that follows.
const ONE_AT_A_TIME_UP_TO: usize = 400;

/// The proofs to try for the steps of a simplification of `simplified_nodes` e-nodes, each with
/// its bounds: one rule at a time (the distributive law instead of collecting like terms) when
/// the simplification is small, bounded by its size; then one in coarser steps. They share the
/// time limit.
pub(super) fn proof_tries(simplified_nodes: usize, limits: &Limits) -> Vec<(Rules, Limits)> {
    let limits = Limits { time: limits.time / 2, ..limits.clone() };
    let mut tries = vec![];
    if simplified_nodes <= ONE_AT_A_TIME_UP_TO {
        let nodes = (ONE_AT_A_TIME_FACTOR * simplified_nodes).clamp(ONE_AT_A_TIME_FLOOR, ONE_AT_A_TIME_NODES);
        tries.push((Rules::OneAtATime, Limits { nodes: limits.nodes.min(nodes), ..limits.clone() }));
    }
    tries.push((Rules::Collecting, limits));
    tries
}

/// The steps from `start` to `best`: the first of the `tries` ([`proof_tries`]) that finds a
/// proof. The simplification itself runs without explanations, which would slow it down
/// several times.
pub(super) fn derivation_steps(
    start: &RecExpr<Math>,
    best: &RecExpr<Math>,
    tries: &[(Rules, Limits)],
    defs: &Definitions,
    assumptions: &[Assumption],
    hints: &[String],
    end: &Expr,
) -> Vec<Step> {
    let size = start.as_ref().len() + best.as_ref().len();
    if size > MAX_EXPLAINED_SIZE {
        let rule = format!("rewriting (not explained step by step: {size} nodes, more than {MAX_EXPLAINED_SIZE})");
        return vec![Step { rule, expr: end.clone() }];
    }
    for (rules, limits) in tries {
        if let Some(mut egraph) =
            connect(start, best, &rule_set(*rules, &[start, best], defs, assumptions, true), limits)
        {
            return steps(&mut egraph, start, best, hints, end);
        }
    }
    vec![Step { rule: "rewriting (no explanation found within the limits)".into(), expr: end.clone() }]
}

/// The steps from `from` to `to` (equal in `egraph`), tidied (see the module doc).
pub(super) fn steps(
    egraph: &mut MathGraph,
    from: &RecExpr<Math>,
    to: &RecExpr<Math>,
    hints: &[String],
    end: &Expr,
) -> Vec<Step> {
    let mut explanation = egraph.explain_equivalence(from, to);
    let flat = explanation.make_flat_explanation().clone();
    let start = readable(from, hints);
    let mut raw: Vec<Tidied> = vec![];
    for term in flat.iter().skip(1) {
        let Some((rule, forward)) = rule_of(term) else { continue };
        let name = rule.as_str().trim_end();
        if rules::rearranges(name) {
            continue;
        }
        let expr = readable(&term.get_recexpr(), hints);
        // Skip detours through a term with an unbound index (a proof may pass through
        // `x/x = 1` for an `x` taken from inside some sum).
        if expr.free_names().iter().any(|n| lang::is_binder(n)) {
            continue;
        }
        raw.push(Tidied { step: Step { rule: directed(name, forward), expr }, bookkeeping: is_bookkeeping(name) });
    }
    if raw.last().map_or(&start, |s| &s.step.expr) != end {
        raw.push(Tidied { step: Step { rule: "rearrange".into(), expr: end.clone() }, bookkeeping: true });
    }
    merge_bookkeeping(without_returns(&start, raw))
}

/// A step, and whether its rule is bookkeeping (decided on the rule, whatever its direction).
#[derive(Clone, Debug, PartialEq)]
struct Tidied {
    step: Step,
    bookkeeping: bool,
}

/// The steps with every return to an earlier expression (or to the start) cut out, with the
/// steps between: the proof went in a circle there.
fn without_returns(start: &Expr, steps: Vec<Tidied>) -> Vec<Tidied> {
    let mut out: Vec<Tidied> = vec![];
    for step in steps {
        if step.step.expr == *start {
            out.clear();
            continue;
        }
        match out.iter().position(|s| s.step.expr == step.step.expr) {
            Some(k) => out.truncate(k + 1),
            None => out.push(step),
        }
    }
    out
}

/// Runs of bookkeeping steps joined to the step after them (at the end, to the step before),
/// the line labelled with every rule it took; a rule used twice in a row makes one line.
fn merge_bookkeeping(steps: Vec<Tidied>) -> Vec<Step> {
    let mut out: Vec<Step> = vec![];
    let mut carried: Vec<String> = vec![];
    let mut last_bookkeeping: Option<Expr> = None;
    for Tidied { step, bookkeeping } in steps {
        if !carried.contains(&step.rule) {
            carried.push(step.rule.clone());
        }
        if bookkeeping {
            last_bookkeeping = Some(step.expr);
        } else {
            let rule = carried.join("; ");
            match out.last_mut() {
                // The same rule again at once (a definition folded in two places): one line.
                Some(last) if last.rule == rule => last.expr = step.expr,
                _ => out.push(Step { rule, expr: step.expr }),
            }
            carried.clear();
            last_bookkeeping = None;
        }
    }
    if let Some(expr) = last_bookkeeping {
        // Bookkeeping at the end goes into the last real step, when there is one.
        match out.last_mut() {
            Some(last) => {
                last.rule = join_rules(std::iter::once(last.rule.as_str()).chain(carried.iter().map(String::as_str)));
                last.expr = expr;
            }
            None => out.push(Step { rule: carried.join("; "), expr }),
        }
    }
    out
}

/// Rule labels joined into one, `; ` between rules, each rule once (a label may already hold
/// several).
pub fn join_rules<'a>(labels: impl IntoIterator<Item = &'a str>) -> String {
    let mut rules: Vec<&str> = vec![];
    for rule in labels.into_iter().flat_map(|label| label.split("; ")) {
        if !rules.contains(&rule) {
            rules.push(rule);
        }
    }
    rules.join("; ")
}

/// The rules that only put an expression in order, changing nothing a reader would call a step.
const ORDERING: &[&str] = &["fold constants", "rearrange"];

/// Whether a step labelled `label` only puts the expression in order.
pub fn only_orders(label: &str) -> bool {
    label.split("; ").all(|rule| ORDERING.contains(&rule))
}

/// Whether `rule` is bookkeeping: a law of arithmetic (distributing, splitting sums, pulling
/// out factors, powers, cancelling, folding constants), several of which a textbook does in one
/// line. Facts about functions (`exp(x)/(1 + exp(x)) = sigmoid(x)`), the Kronecker delta, the
/// definitions and the assumptions are steps of their own.
fn is_bookkeeping(rule: &str) -> bool {
    let own_step = ["assumption", "definition", "kronecker"].iter().any(|p| rule.starts_with(p));
    !own_step && !mentions_function(rule)
}

/// Whether `text` applies a built-in function (a name followed by `(`).
fn mentions_function(text: &str) -> bool {
    let mut word = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            word.push(c);
            continue;
        }
        if c == '(' && Func::from_name(&word).is_some() {
            return true;
        }
        word.clear();
    }
    false
}

/// The rules named the same whichever way they are used.
fn symmetric(rule: &str) -> bool {
    ORDERING.contains(&rule) || ["delta is symmetric", super::collect::COLLECT].contains(&rule)
}

/// The rules whose reverse has a name of its own.
const INVERSES: &[(&str, &str)] = &[
    ("distribute", "factor out"),
    ("factor out (x + x*b)", "distribute"),
    ("split the sum", "join the sums"),
    ("split the sum over 1..n", "join the sums"),
    ("pull a constant factor out of the sum", "move a constant factor into the sum"),
    ("pull a constant factor out of the sum over 1..n", "move a constant factor into the sum"),
];

/// The label of rule `name` used forward or backward: `lhs = rhs` turned round, or the name of
/// the inverse operation.
fn directed(name: &str, forward: bool) -> String {
    if forward || symmetric(name) {
        return name.to_string();
    }
    if let Some((_, inverse)) = INVERSES.iter().find(|(n, _)| *n == name) {
        return inverse.to_string();
    }
    if let Some((n, _)) = INVERSES.iter().find(|(_, inverse)| *inverse == name) {
        return n.to_string();
    }
    let (prefix, formula) = match name.split_once(": ") {
        Some((prefix, formula)) => (format!("{prefix}: "), formula),
        None => (String::new(), name),
    };
    match formula.split(" = ").collect::<Vec<_>>().as_slice() {
        [lhs, rhs] => format!("{prefix}{rhs} = {lhs}"),
        _ => format!("{name}, right to left"),
    }
}

/// The rule a flat explanation term was rewritten by (it may sit on a sub-term), and whether
/// it was used left to right.
fn rule_of(term: &FlatTerm<Math>) -> Option<(Symbol, bool)> {
    match (term.forward_rule, term.backward_rule) {
        (Some(rule), _) => Some((rule, true)),
        (None, Some(rule)) => Some((rule, false)),
        (None, None) => term.children.iter().find_map(rule_of),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse::parse_expr;

    fn step(rule: &str, e: &str) -> Step {
        Step { rule: rule.into(), expr: parse_expr(e).unwrap() }
    }

    fn tidied(rule: &str, e: &str) -> Tidied {
        Tidied { step: step(rule, e), bookkeeping: is_bookkeeping(rule) }
    }

    #[test]
    fn circles_are_cut_out() {
        let start = parse_expr("a*(b + c)").unwrap();
        let steps =
            vec![tidied("distribute", "a*b + a*c"), tidied("factor out", "a*(b + c)"), tidied("x*1 = x", "a*b + a*c")];
        assert_eq!(without_returns(&start, steps), vec![tidied("x*1 = x", "a*b + a*c")]);
        let steps = vec![tidied("r1", "x"), tidied("r2", "y"), tidied("r3", "x"), tidied("r4", "z")];
        assert_eq!(without_returns(&start, steps), vec![tidied("r1", "x"), tidied("r4", "z")]);
    }

    #[test]
    fn bookkeeping_joins_the_next_real_step() {
        let steps = vec![
            tidied("distribute", "a"),
            tidied("split the sum", "b"),
            tidied("kronecker: sum(i, delta(i, k)*f(i)) = f(k)", "c"),
            tidied("assumption s = 1", "d"),
            tidied("assumption s = 1", "d2"),
            tidied("distribute", "e"),
        ];
        assert_eq!(
            merge_bookkeeping(steps),
            vec![
                step("distribute; split the sum; kronecker: sum(i, delta(i, k)*f(i)) = f(k)", "c"),
                step("assumption s = 1; distribute", "e"),
            ]
        );
    }

    #[test]
    fn laws_of_arithmetic_are_bookkeeping_and_facts_about_functions_are_not() {
        for rule in
            ["distribute", "x/x = 1", "x^a*x^b = x^(a + b)", "delta is symmetric", super::super::collect::COLLECT]
        {
            assert!(is_bookkeeping(rule), "{rule}");
        }
        for rule in [
            "exp(x)/(1 + exp(x)) = sigmoid(x)",
            "delta(i, i) = 1",
            "assumption sum(i, y[i]) = 1",
            "definition yhat = softmax(z)",
        ] {
            assert!(!is_bookkeeping(rule), "{rule}");
        }
    }

    #[test]
    fn rules_used_backwards_are_named_backwards() {
        assert_eq!(directed("x*x = x^2", false), "x^2 = x*x");
        assert_eq!(
            directed("kronecker: sum(i, delta(i, k)*f(i)) = f(k)", false),
            "kronecker: f(k) = sum(i, delta(i, k)*f(i))"
        );
        assert_eq!(directed("distribute", false), "factor out");
        assert_eq!(directed("factor out", false), "distribute");
        assert_eq!(directed("distribute", true), "distribute");
    }
}
