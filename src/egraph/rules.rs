//! The rewrite rules, as a named table: each rule is `lhs => rhs` in the e-graph's language,
//! with side conditions decided by the analysis (never by syntax). The table is data so that
//! the soundness test can evaluate both sides of every rule at random points.

use super::analysis::{Facts, MathGraph};
use super::kronecker::Kronecker;
use super::lang::Math;
use egg::{Applier, ConditionalApplier, ENodeOrVar, Id, Pattern, PatternAst, Rewrite, Subst, Symbol, Var};
use num_traits::{One, Signed};
use std::collections::BTreeSet;
use std::sync::OnceLock;

/// A side condition on a rule's pattern variables.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Cond {
    /// The variable's value is never 0.
    NonZero(&'static str),
    /// The variable's value is always > 0.
    Positive(&'static str),
    /// The variable's value is always < 0.
    Negative(&'static str),
    /// The variable is an integer constant.
    Integer(&'static str),
    /// The variable is a constant > 0.
    PositiveConstant(&'static str),
    /// The variable is an integer constant < -1.
    NegativeInteger(&'static str),
    /// The term does not depend on the bound index (first name: the binder variable).
    Lacks(&'static str, &'static str),
    /// The term indexes a vector by the bound index (so the sum's range can be read from it).
    Has(&'static str, &'static str),
    /// The variable is an index name other than the bound index (first name): it stands for a
    /// component in the sum's range, which a number or a compound index need not.
    OtherIndex(&'static str, &'static str),
    /// The variable is the size of a vector or matrix axis (`len(v)`, `cols(W)`), so an index
    /// name stands for a component in the range 1..it (the convention of free index names).
    Size(&'static str),
}

/// Either all conditions hold, or any one of them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum When {
    /// No condition.
    Always,
    /// Every condition.
    All(&'static [Cond]),
    /// At least one condition.
    Any(&'static [Cond]),
}

/// One rule of the table.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RuleSpec {
    /// The rule's name, shown in derivation steps.
    pub name: &'static str,
    /// The left-hand pattern.
    pub lhs: &'static str,
    /// The right-hand pattern (for Kronecker rules: the term substituted into).
    pub rhs: &'static str,
    /// When the rule may fire.
    pub when: When,
    /// Whether the rule only rearranges (commutativity, associativity): steps fold these away.
    pub rearranges: bool,
    /// Whether the rule is an identity for proofs only: it rewrites into a different vocabulary
    /// (`sigmoid` into `tanh` or `exp`) and is left out when simplifying.
    pub proof_only: bool,
}

const fn rule(name: &'static str, lhs: &'static str, rhs: &'static str) -> RuleSpec {
    RuleSpec { name, lhs, rhs, when: When::Always, rearranges: false, proof_only: false }
}

const fn rule_if(name: &'static str, lhs: &'static str, rhs: &'static str, when: When) -> RuleSpec {
    RuleSpec { name, lhs, rhs, when, rearranges: false, proof_only: false }
}

const fn rearrange(name: &'static str, lhs: &'static str, rhs: &'static str) -> RuleSpec {
    RuleSpec { name, lhs, rhs, when: When::Always, rearranges: true, proof_only: false }
}

const fn identity(name: &'static str, lhs: &'static str, rhs: &'static str) -> RuleSpec {
    RuleSpec { name, lhs, rhs, when: When::Always, rearranges: false, proof_only: true }
}

/// The name of the Kronecker-elimination rule (`sum(i, delta(i, k)*f(i)) = f(k)`), which is
/// applied by the Kronecker applier rather than by a pattern.
pub const KRONECKER: &str = "kronecker: sum(i, delta(i, k)*f(i)) = f(k)";

/// Kronecker elimination in a sum over the components of a vector, `sum(i = 1..len(v), ...)`.
pub const KRONECKER_OVER_SIZE: &str = "kronecker: sum(i = 1..len(v), delta(i, k)*f(i)) = f(k)";

/// The name of the distributive law, which collecting like terms subsumes.
const DISTRIBUTE: &str = "distribute";

/// Every pattern rule, grouped by theory.
pub const RULES: &[RuleSpec] = &[
    // The ring.
    rearrange("commute +", "(+ ?a ?b)", "(+ ?b ?a)"),
    rearrange("associate +", "(+ ?a (+ ?b ?c))", "(+ (+ ?a ?b) ?c)"),
    rearrange("commute *", "(* ?a ?b)", "(* ?b ?a)"),
    rearrange("associate *", "(* ?a (* ?b ?c))", "(* (* ?a ?b) ?c)"),
    rule("x + 0 = x", "(+ ?a 0)", "?a"),
    rule("x*1 = x", "(* ?a 1)", "?a"),
    rule("x*0 = 0", "(* ?a 0)", "0"),
    rule(DISTRIBUTE, "(* ?a (+ ?b ?c))", "(+ (* ?a ?b) (* ?a ?c))"),
    rule("factor out", "(+ (* ?a ?b) (* ?a ?c))", "(* ?a (+ ?b ?c))"),
    rule("factor out (x + x*b)", "(+ ?a (* ?a ?b))", "(* ?a (+ 1 ?b))"),
    rule("x + x = 2*x", "(+ ?a ?a)", "(* 2 ?a)"),
    rule("x - x = 0", "(+ ?a (* -1 ?a))", "0"),
    rule("-(-x) = x", "(* -1 (* -1 ?a))", "?a"),
    rule("-(a - b) = b - a", "(* -1 (+ ?a (* -1 ?b)))", "(+ ?b (* -1 ?a))"),
    rule("x^1 = x", "(^ ?a 1)", "?a"),
    rule_if("x^0 = 1", "(^ ?a 0)", "1", When::All(&[Cond::NonZero("?a")])),
    rule("x*x = x^2", "(* ?a ?a)", "(^ ?a 2)"),
    rule("x^2 = x*x", "(^ ?a 2)", "(* ?a ?a)"),
    rule_if("x^-n = (1/x)^n", "(^ ?a ?n)", "(^ (^ ?a -1) (* -1 ?n))", When::All(&[Cond::NegativeInteger("?n")])),
    rule_if("x^n*y^n = (x*y)^n", "(* (^ ?a ?c) (^ ?b ?c))", "(^ (* ?a ?b) ?c)", When::All(&[Cond::Integer("?c")])),
    rule_if(
        "x^a*x^b = x^(a + b)",
        "(* (^ ?a ?b) (^ ?a ?c))",
        "(^ ?a (+ ?b ?c))",
        When::Any(&[Cond::NonZero("?a"), Cond::PositiveConstant("?b")]),
    ),
    rule_if(
        "x*x^b = x^(b + 1)",
        "(* ?a (^ ?a ?b))",
        "(^ ?a (+ ?b 1))",
        When::Any(&[Cond::NonZero("?a"), Cond::PositiveConstant("?b")]),
    ),
    rule_if("x^(b + 1) = x*x^b", "(^ ?a (+ ?b 1))", "(* ?a (^ ?a ?b))", When::All(&[Cond::Positive("?a")])),
    rule_if("x/x = 1", "(* ?a (^ ?a -1))", "1", When::All(&[Cond::NonZero("?a")])),
    rule_if("(x*y)^n = x^n*y^n", "(^ (* ?a ?b) ?c)", "(* (^ ?a ?c) (^ ?b ?c))", When::All(&[Cond::Integer("?c")])),
    rule_if(
        "(x^a)^b = x^(a*b)",
        "(^ (^ ?a ?b) ?c)",
        "(^ ?a (* ?b ?c))",
        When::All(&[Cond::Integer("?b"), Cond::Integer("?c")]),
    ),
    rule_if("(x^a)^b = x^(a*b) (x > 0)", "(^ (^ ?a ?b) ?c)", "(^ ?a (* ?b ?c))", When::All(&[Cond::Positive("?a")])),
    rule_if("x^-n = 1/x^n", "(^ ?a ?n)", "(^ (^ ?a (* -1 ?n)) -1)", When::All(&[Cond::NegativeInteger("?n")])),
    // Square roots.
    rule("sqrt(x)^2 = x", "(^ (sqrt ?a) 2)", "?a"),
    rule("sqrt(a)*sqrt(b) = sqrt(a*b)", "(* (sqrt ?a) (sqrt ?b))", "(sqrt (* ?a ?b))"),
    // exp and log.
    rule("log(exp(x)) = x", "(log (exp ?a))", "?a"),
    rule_if("exp(log(x)) = x", "(exp (log ?a))", "?a", When::All(&[Cond::Positive("?a")])),
    identity("exp(a + b) = exp(a)*exp(b)", "(exp (+ ?a ?b))", "(* (exp ?a) (exp ?b))"),
    rule("exp(a)*exp(b) = exp(a + b)", "(* (exp ?a) (exp ?b))", "(exp (+ ?a ?b))"),
    rule("1/exp(x) = exp(-x)", "(^ (exp ?a) -1)", "(exp (* -1 ?a))"),
    rule_if(
        "log(a*b) = log(a) + log(b)",
        "(log (* ?a ?b))",
        "(+ (log ?a) (log ?b))",
        When::All(&[Cond::Positive("?a"), Cond::Positive("?b")]),
    ),
    rule_if("log(x^b) = b*log(x)", "(log (^ ?a ?b))", "(* ?b (log ?a))", When::All(&[Cond::Positive("?a")])),
    rule_if(
        "log(prod(i, f)) = sum(i, log(f))",
        "(log (prod ?i ?f))",
        "(sum ?i (log ?f))",
        When::All(&[Cond::Positive("?f")]),
    ),
    rule_if(
        "log(prod(i = 1..n, f)) = sum(i = 1..n, log(f))",
        "(log (prod_to ?i ?n ?f))",
        "(sum_to ?i ?n (log ?f))",
        When::All(&[Cond::Positive("?f")]),
    ),
    // Hyperbolic functions.
    rule("sinh(x)/cosh(x) = tanh(x)", "(* (sinh ?x) (^ (cosh ?x) -1))", "(tanh ?x)"),
    rule("1/cosh(x)^2 = 1 - tanh(x)^2", "(^ (cosh ?x) -2)", "(+ 1 (* -1 (^ (tanh ?x) 2)))"),
    rule("cosh(x)^2 - sinh(x)^2 = 1", "(+ (^ (cosh ?x) 2) (* -1 (^ (sinh ?x) 2)))", "1"),
    rule(
        "(exp(x) - exp(-x))/(exp(x) + exp(-x)) = tanh(x)",
        "(* (+ (exp ?x) (* -1 (exp (* -1 ?x)))) (^ (+ (exp ?x) (exp (* -1 ?x))) -1))",
        "(tanh ?x)",
    ),
    // sigmoid, tanh, softplus, relu.
    rule("exp(x)/(1 + exp(x)) = sigmoid(x)", "(* (exp ?x) (^ (+ 1 (exp ?x)) -1))", "(sigmoid ?x)"),
    rule("1/(1 + exp(-x)) = sigmoid(x)", "(^ (+ 1 (exp (* -1 ?x))) -1)", "(sigmoid ?x)"),
    rule(
        "exp(a)/(exp(a) + exp(b)) = sigmoid(a - b)",
        "(* (exp ?a) (^ (+ (exp ?a) (exp ?b)) -1))",
        "(sigmoid (+ ?a (* -1 ?b)))",
    ),
    identity("sigmoid(x) = 1/(1 + exp(-x))", "(sigmoid ?x)", "(^ (+ 1 (exp (* -1 ?x))) -1)"),
    identity("1 - sigmoid(x) = sigmoid(-x)", "(+ 1 (* -1 (sigmoid ?x)))", "(sigmoid (* -1 ?x))"),
    rule("sigmoid(-x) = 1 - sigmoid(x)", "(sigmoid (* -1 ?x))", "(+ 1 (* -1 (sigmoid ?x)))"),
    rule("exp(-x)*sigmoid(x) = 1 - sigmoid(x)", "(* (exp (* -1 ?x)) (sigmoid ?x))", "(+ 1 (* -1 (sigmoid ?x)))"),
    identity("sigmoid(x) = tanh(x/2)/2 + 1/2", "(sigmoid ?x)", "(+ (* 1/2 (tanh (* 1/2 ?x))) 1/2)"),
    identity("tanh(x/2)/2 + 1/2 = sigmoid(x)", "(+ (* 1/2 (tanh (* 1/2 ?x))) 1/2)", "(sigmoid ?x)"),
    rule("tanh(-x) = -tanh(x)", "(tanh (* -1 ?x))", "(* -1 (tanh ?x))"),
    identity("softplus(x) = log(1 + exp(x))", "(softplus ?x)", "(log (+ 1 (exp ?x)))"),
    rule("log(1 + exp(x)) = softplus(x)", "(log (+ 1 (exp ?x)))", "(softplus ?x)"),
    rule("log(sigmoid(x)) = -softplus(-x)", "(log (sigmoid ?x))", "(* -1 (softplus (* -1 ?x)))"),
    rule("x*step(x) = relu(x)", "(* ?x (step ?x))", "(relu ?x)"),
    rule("step(x)*relu(x) = relu(x)", "(* (step ?x) (relu ?x))", "(relu ?x)"),
    rule("step(x)^2 = step(x)", "(^ (step ?x) 2)", "(step ?x)"),
    rule_if(
        "step(relu(x) + c) = step(x + c)",
        "(step (+ (relu ?x) ?c))",
        "(step (+ ?x ?c))",
        When::All(&[Cond::Negative("?c")]),
    ),
    rule_if(
        "step(x)*step(x + c) = step(x + c)",
        "(* (step ?x) (step (+ ?x ?c)))",
        "(step (+ ?x ?c))",
        When::All(&[Cond::Negative("?c")]),
    ),
    // sign and abs.
    rule("sign(x)*x = abs(x)", "(* (sign ?x) ?x)", "(abs ?x)"),
    rule("abs(x)*sign(x) = x", "(* (abs ?x) (sign ?x))", "?x"),
    // softmax and logsumexp.
    rule(
        "log(softmax(v)[i]) = v[i] - logsumexp(v)",
        "(log (idx (softmax ?v) ?i))",
        "(+ (idx ?v ?i) (* -1 (logsumexp ?v)))",
    ),
    rule_if("sum(i, softmax(v)[i]) = 1", "(sum ?i (idx (softmax ?v) ?i))", "1", When::All(&[Cond::Lacks("?i", "?v")])),
    rule_if(
        "exp(v[k])/sum(i, exp(v[i])) = softmax(v)[k]",
        "(* (exp (idx ?v ?k)) (^ (sum ?i (exp (idx ?v ?i))) -1))",
        "(idx (softmax ?v) ?k)",
        When::All(&[Cond::Lacks("?i", "?v")]),
    ),
    rule_if(
        "log(sum(i, exp(v[i]))) = logsumexp(v)",
        "(log (sum ?i (exp (idx ?v ?i))))",
        "(logsumexp ?v)",
        When::All(&[Cond::Lacks("?i", "?v")]),
    ),
    // Kronecker delta and sums.
    rearrange("delta is symmetric", "(delta ?a ?b)", "(delta ?b ?a)"),
    rule("delta(i, i) = 1", "(delta ?a ?a)", "1"),
    rule("delta(i, j)^2 = delta(i, j)", "(^ (delta ?a ?b) 2)", "(delta ?a ?b)"),
    rule_if("sum(i, delta(i, k)) = 1", "(sum ?i (delta ?i ?k))", "1", When::All(&[Cond::OtherIndex("?i", "?k")])),
    rule_if(
        "split the sum",
        "(sum ?i (+ ?a ?b))",
        "(+ (sum ?i ?a) (sum ?i ?b))",
        When::All(&[Cond::Has("?i", "?a"), Cond::Has("?i", "?b")]),
    ),
    rule_if(
        "pull a constant factor out of the sum",
        "(sum ?i (* ?c ?a))",
        "(* ?c (sum ?i ?a))",
        When::All(&[Cond::Lacks("?i", "?c"), Cond::Has("?i", "?a")]),
    ),
    rule("a sum of zeros is 0", "(sum ?i 0)", "0"),
    rule("a sum of zeros over 1..n is 0", "(sum_to ?i ?n 0)", "0"),
    // Sums over 1..n: their range is written, so no part needs to tell it.
    rule("split the sum over 1..n", "(sum_to ?i ?n (+ ?a ?b))", "(+ (sum_to ?i ?n ?a) (sum_to ?i ?n ?b))"),
    rule_if(
        "pull a constant factor out of the sum over 1..n",
        "(sum_to ?i ?n (* ?c ?a))",
        "(* ?c (sum_to ?i ?n ?a))",
        When::All(&[Cond::Lacks("?i", "?c")]),
    ),
    rule_if("sum(i = 1..n, c) = n*c", "(sum_to ?i ?n ?c)", "(* ?n ?c)", When::All(&[Cond::Lacks("?i", "?c")])),
    rule_if(
        "sum(i = 1..n, delta(i, k)) = 1",
        "(sum_to ?i ?n (delta ?i ?k))",
        "1",
        When::All(&[Cond::OtherIndex("?i", "?k"), Cond::Size("?n")]),
    ),
    rule("len(softmax(v)) = len(v)", "(len (softmax ?v))", "(len ?v)"),
    rule_if(
        "sum(i = 1..len(v), softmax(v)[i]) = 1",
        "(sum_to ?i (len ?v) (idx (softmax ?v) ?i))",
        "1",
        When::All(&[Cond::Lacks("?i", "?v")]),
    ),
];

impl Cond {
    /// Whether the condition holds for the match `subst`, by the analysis.
    pub fn holds(&self, egraph: &MathGraph, subst: &Subst) -> bool {
        let data = |v: &str| &egraph[subst[var(v)]].data;
        match *self {
            Cond::NonZero(v) => data(v).range.nonzero(),
            Cond::Positive(v) => data(v).range.positive(),
            Cond::Negative(v) => data(v).range.negative(),
            Cond::Integer(v) => data(v).constant.as_ref().is_some_and(|c| c.is_integer()),
            Cond::PositiveConstant(v) => data(v).constant.as_ref().is_some_and(|c| c.is_positive()),
            Cond::NegativeInteger(v) => {
                data(v).constant.as_ref().is_some_and(|c| c.is_integer() && c < &-num_rational::BigRational::one())
            }
            Cond::Lacks(i, t) => data(i).symbol.is_some_and(|s| !data(t).free.contains(&s)),
            Cond::Has(i, t) => data(i).symbol.is_some_and(|s| data(t).indexed.contains(&s)),
            Cond::OtherIndex(i, k) => data(k).symbol.is_some_and(|s| Some(s) != data(i).symbol),
            Cond::Size(n) => {
                egraph[subst[var(n)]].nodes.iter().any(|node| matches!(node, Math::Len(_) | Math::Cols(_)))
            }
        }
    }
}

impl When {
    /// Whether the rule may fire on the match `subst`.
    pub fn holds(&self, egraph: &MathGraph, subst: &Subst) -> bool {
        match self {
            When::Always => true,
            When::All(conds) => conds.iter().all(|c| c.holds(egraph, subst)),
            When::Any(conds) => conds.iter().any(|c| c.holds(egraph, subst)),
        }
    }
}

fn var(name: &str) -> Var {
    name.parse().expect("a pattern variable")
}

/// The rule as an egg rewrite.
pub fn rewrite(spec: &RuleSpec) -> Rewrite<Math, Facts> {
    let lhs: Pattern<Math> = spec.lhs.parse().expect("a valid left-hand pattern");
    let rhs = Template(spec.rhs.parse().expect("a valid right-hand pattern"));
    let when = spec.when;
    let condition = move |egraph: &mut MathGraph, _: Id, subst: &Subst| when.holds(egraph, subst);
    Rewrite::new(spec.name, lhs, ConditionalApplier { condition, applier: rhs }).expect("a well-formed rule")
}

/// A rule's right side: only ever instantiated, so kept as its syntax tree (an egg `Pattern`
/// would also compile a program to search with, which costs more than a small derivation's
/// saturation when every rule is read).
struct Template(PatternAst<Math>);

impl Applier<Math, Facts> for Template {
    fn apply_one(
        &self,
        egraph: &mut MathGraph,
        eclass: Id,
        subst: &Subst,
        searcher_ast: Option<&PatternAst<Math>>,
        rule: Symbol,
    ) -> Vec<Id> {
        match searcher_ast {
            // With explanations: the instantiated left side joined with the right, by the rule.
            Some(lhs) => {
                let (from, changed) = egraph.union_instantiations(lhs, &self.0, subst, rule);
                if changed {
                    vec![from]
                } else {
                    vec![]
                }
            }
            None => {
                let id = egraph.add_instantiation(&self.0, subst);
                if egraph.union(eclass, id) {
                    vec![eclass]
                } else {
                    vec![]
                }
            }
        }
    }

    fn get_pattern_ast(&self) -> Option<&PatternAst<Math>> {
        Some(&self.0)
    }

    fn vars(&self) -> Vec<Var> {
        let mut vars = vec![];
        for node in self.0.as_ref() {
            if let ENodeOrVar::Var(v) = node {
                if !vars.contains(v) {
                    vars.push(*v);
                }
            }
        }
        vars
    }
}

/// The rules for simplifying (`proofs`: also the identities for proving equivalence), plus
/// Kronecker elimination, and either collecting like terms (`collect`: fast, in coarse steps) or
/// the distributive law (fine steps, each one rule). Only the table rules that can match are
/// taken: those whose left side applies operators that `present` (the operators of the terms to
/// simplify) or another rule taken can bring into the e-graph.
pub fn rule_set(proofs: bool, collect: bool, present: &BTreeSet<String>) -> Vec<Rewrite<Math, Facts>> {
    let taken = reachable(proofs, collect, present);
    let mut rules: Vec<Rewrite<Math, Facts>> = taken.iter().map(|&k| parsed(k).clone()).collect();
    // The appliers that read whole terms remember what they wrote in the e-graph they ran on,
    // so each run gets its own.
    rules.push(Kronecker::rewrite());
    rules.push(Kronecker::rewrite_over_size());
    rules.push(super::pairs::rewrite(&taken));
    if collect {
        // Writing ranges only widens the search; proofs one rule at a time do without it.
        rules.extend(super::ranges::WriteRange::rewrites());
        rules.push(super::collect::Collect::rewrite());
        rules.push(super::linear::LinearSum::rewrite());
    }
    rules
}

/// The operators the appliers that read whole terms write (collecting like terms, summing term
/// by term, Kronecker elimination, writing a sum's range).
const WRITTEN_BY_APPLIERS: &[&str] = &["+", "*", "^", "sum", "sum_to", "len", "cols"];

/// The positions in [`RULES`] of the rules used for `proofs` and `collect` that can match,
/// starting from the operators `present`: a rule is taken when every operator of its left side
/// is present, and its right side's operators are then present too (until nothing changes).
fn reachable(proofs: bool, collect: bool, present: &BTreeSet<String>) -> Vec<usize> {
    let mut present: BTreeSet<&str> = present.iter().map(String::as_str).collect();
    present.extend(WRITTEN_BY_APPLIERS);
    let candidates: Vec<usize> = (0..RULES.len())
        .filter(|&k| (proofs || !RULES[k].proof_only) && !(collect && SUBSUMED_BY_COLLECTING.contains(&RULES[k].name)))
        .collect();
    let mut taken = vec![false; RULES.len()];
    loop {
        let before = present.len();
        for &k in &candidates {
            if !taken[k] && operators(RULES[k].lhs).all(|op| present.contains(op)) {
                taken[k] = true;
                present.extend(operators(RULES[k].rhs));
            }
        }
        if present.len() == before {
            break;
        }
    }
    candidates.into_iter().filter(|&k| taken[k]).collect()
}

/// The operators a pattern applies: the names after its opening parentheses.
pub fn operators(pattern: &str) -> impl Iterator<Item = &str> {
    pattern.split('(').skip(1).filter_map(|s| s.split_whitespace().next())
}

/// The rule at position `k` of [`RULES`] as an egg rewrite, read once per process: reading
/// the whole table costs more than a small derivation.
pub(super) fn parsed(k: usize) -> &'static Rewrite<Math, Facts> {
    static PARSED: OnceLock<Vec<OnceLock<Rewrite<Math, Facts>>>> = OnceLock::new();
    PARSED.get_or_init(|| RULES.iter().map(|_| OnceLock::new()).collect())[k].get_or_init(|| rewrite(&RULES[k]))
}

/// The rules that collecting like terms and summing term by term do in one step (the
/// distributive law; splitting sums): left out when those run, they would only grow the
/// e-graph. (Taking a constant factor out of a sum stays: summing term by term expands it.)
const SUBSUMED_BY_COLLECTING: &[&str] =
    &[DISTRIBUTE, "split the sum", "split the sum over 1..n", "sum(i = 1..n, c) = n*c"];

/// Commutativity and associativity, which the first phase of a simplification leaves out.
pub const REARRANGING: [&str; 4] = ["commute +", "associate +", "commute *", "associate *"];

/// Whether the rule named `name` only rearranges terms (writing a sum's range does too).
pub fn rearranges(name: &str) -> bool {
    super::ranges::WRITE_RANGE.contains(&name) || RULES.iter().any(|r| r.name == name && r.rearranges)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every_operator() -> BTreeSet<String> {
        RULES.iter().flat_map(|r| operators(r.lhs)).map(String::from).collect()
    }

    #[test]
    fn the_rules_left_out_when_collecting_are_in_the_table() {
        for name in SUBSUMED_BY_COLLECTING {
            assert!(RULES.iter().any(|r| r.name == *name), "{name}");
        }
        let all = every_operator();
        assert_eq!(
            reachable(false, true, &all).len() + SUBSUMED_BY_COLLECTING.len(),
            reachable(false, false, &all).len()
        );
    }

    #[test]
    fn rules_are_taken_when_their_operators_can_be_present() {
        let names = |present: &[&str]| -> Vec<&str> {
            let present: BTreeSet<String> = present.iter().map(|s| s.to_string()).collect();
            reachable(false, true, &present).into_iter().map(|k| RULES[k].name).collect()
        };
        let plain = names(&[]);
        assert!(plain.contains(&"x*x = x^2") && !plain.iter().any(|n| n.contains("sigmoid")));
        // exp can make a sigmoid (`1/(1 + exp(-x)) = sigmoid(x)`), and the sigmoid rules follow.
        let with_exp = names(&["exp"]);
        assert!(with_exp.contains(&"1/(1 + exp(-x)) = sigmoid(x)"));
        assert!(with_exp.contains(&"exp(-x)*sigmoid(x) = 1 - sigmoid(x)"));
        assert!(operators("(* (exp (* -1 ?x)) (sigmoid ?x))").eq(["*", "exp", "*", "sigmoid"]));
    }
}
