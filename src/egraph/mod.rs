//! Simplification in an e-graph (egg): the rule table, definitions folded back into their
//! names, assumptions as rewrites, bounded saturation, extraction by reader cost, and the
//! rewrite steps taken (from egg's explanations) for a worked derivation.

mod analysis;
mod collect;
mod convert;
mod cost;
mod explain;
mod kronecker;
mod lang;
mod linear;
mod pairs;
mod prepass;
mod ranges;
pub mod rules;

pub use analysis::Interval;
pub use convert::{canonical_binders, from_term, readable, to_term};
pub use lang::Math;

use crate::defs::Definitions;
use crate::syntax::ast::{Expr, Node, Statement};
use crate::syntax::diagnostic::Problem;
use crate::syntax::parse::{parse_statement, ParseError};
use analysis::{Facts, MathGraph};
use cost::{best_term, term_cost};
use egg::{BackoffScheduler, ENodeOrVar, Id, Language, Pattern, RecExpr, Rewrite, Runner, StopReason, Symbol};
use explain::{derivation_steps, steps};
pub use explain::{join_rules, only_orders};
use std::collections::{BTreeSet, HashSet};
use std::fmt;
use std::time::Duration;

/// Bounds on saturation.
#[derive(Clone, Debug, PartialEq)]
pub struct Limits {
    /// The most e-nodes.
    pub nodes: usize,
    /// The most iterations.
    pub iterations: usize,
    /// The most time.
    pub time: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { nodes: 20_000, iterations: 12, time: Duration::from_secs(2) }
    }
}

/// What stopped saturation early.
#[derive(Clone, Debug, PartialEq)]
pub enum LimitHit {
    /// The e-node limit.
    Nodes(usize),
    /// The iteration limit.
    Iterations(usize),
    /// The time limit, in seconds.
    Time(f64),
    /// A part of the expression has no value anywhere (such as `0/0`), so the e-graph met two
    /// different constants in one class and can prove nothing: the input is kept unsimplified.
    Undefined,
}

impl LimitHit {
    /// The note printed with a result: what stopped, and what that means for the result.
    pub fn note(&self) -> String {
        match self {
            LimitHit::Undefined => {
                format!("note: simplification gave up: {self}; the result is the input, unsimplified")
            }
            _ => format!("note: simplification stopped at the {self}; the result is correct but may not be simplest"),
        }
    }
}

impl fmt::Display for LimitHit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LimitHit::Nodes(n) => write!(f, "node limit ({n} e-nodes)"),
            LimitHit::Iterations(n) => write!(f, "iteration limit ({n} iterations)"),
            LimitHit::Time(s) => write!(f, "time limit ({s} s)"),
            LimitHit::Undefined => f.write_str("a part of the expression has no value anywhere (such as 0/0)"),
        }
    }
}

/// An assumption `lhs = rhs` about the inputs (`sum(i, y[i]) = 1`), used left to right.
#[derive(Clone, Debug, PartialEq)]
pub struct Assumption {
    /// What is replaced.
    pub lhs: Expr,
    /// What replaces it.
    pub rhs: Expr,
}

/// Why a text is not an assumption.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum AssumptionError {
    /// It does not parse.
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// It is not an equation.
    #[error("an assumption is an equation, such as `sum(i, y[i]) = 1`")]
    NotEquation(crate::syntax::ast::Span),
}

impl Problem for AssumptionError {
    fn kind(&self) -> &'static str {
        match self {
            AssumptionError::Parse(e) => e.kind(),
            AssumptionError::NotEquation(_) => "bad_assumption",
        }
    }
    fn span(&self) -> Option<crate::syntax::ast::Span> {
        match self {
            AssumptionError::Parse(e) => Some(e.span()),
            AssumptionError::NotEquation(s) => Some(s.clone()),
        }
    }
}

impl Assumption {
    /// Reads `lhs = rhs`.
    pub fn parse(src: &str) -> Result<Assumption, AssumptionError> {
        match parse_statement(src)? {
            Statement::Equation(lhs, rhs) => Ok(Assumption { lhs, rhs }),
            Statement::Expr(e) => Err(AssumptionError::NotEquation(e.span)),
        }
    }

    /// The name its rewrite goes by in the steps.
    pub fn rule_name(&self) -> String {
        format!("assumption {self}")
    }
}

impl fmt::Display for Assumption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} = {}", self.lhs, self.rhs)
    }
}

/// One rewrite step of a simplification: the rule, and the whole expression after it.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// The rule's name.
    pub rule: String,
    /// The expression after the step.
    pub expr: Expr,
}

/// The outcome of [`simplify`].
#[derive(Clone, Debug)]
pub struct Simplified {
    /// The simplest equivalent expression found.
    pub expr: Expr,
    /// The steps from the input to `expr` (empty unless asked for).
    pub steps: Vec<Step>,
    /// The bound that stopped saturation, if one did.
    pub limit_hit: Option<LimitHit>,
    /// The assumptions (by position) the steps use.
    pub assumptions_used: Vec<usize>,
    /// E-graph size at the end: e-nodes.
    pub nodes: usize,
    /// E-graph size at the end: e-classes.
    pub classes: usize,
    /// Iterations run.
    pub iterations: usize,
}

/// Simplifies `e` using the rule table, folding definitions into their names and rewriting
/// with the assumptions. With `explain`, records the steps.
///
/// An assumption counts as used when a step names it, or else when simplifying without it
/// gives another result (a step that collects like terms may take in a value the assumption
/// gave without naming it), or when it is one of several that the result needs one of.
pub fn simplify(
    e: &Expr,
    defs: &Definitions,
    assumptions: &[Assumption],
    limits: &Limits,
    explain: bool,
) -> Simplified {
    simplify_shown(e, explain.then_some(e), defs, assumptions, limits, &|_, _, _| false)
}

/// A quick test of whether some assumptions were needed, decided outside the e-graph: called
/// with the input, the result and the assumptions kept, true when the result is shown to differ
/// from the input where those hold (and the others left out need not). Simplifying with only
/// those kept could then not give the result; false leaves the question to that simplification.
pub type Refutes<'a> = &'a dyn Fn(&Expr, &Expr, &[Assumption]) -> bool;

/// [`simplify`], with the steps (if asked for) explained from `shown`: `e` as the reader saw it
/// last, equal to it by the definitions (the chain rule's last line, written with the defined
/// names where `e` has their bodies). `refutes` decides first whether an assumption was needed.
pub fn simplify_shown(
    e: &Expr,
    shown: Option<&Expr>,
    defs: &Definitions,
    assumptions: &[Assumption],
    limits: &Limits,
    refutes: Refutes,
) -> Simplified {
    // What the e-graph would do first anyway is done on the syntax tree (deltas eliminated,
    // constant factors out of sums): saturation then starts from a smaller expression.
    let (prepared, rules) = prepass::prepare(e);
    if prepared != *e {
        let shown_prepared = shown.map(|s| prepass::prepare(s).0);
        let mut simplified = simplify_shown(&prepared, shown_prepared.as_ref(), defs, assumptions, limits, refutes);
        if let Some(step) = shown_prepared.filter(|s| Some(s) != shown) {
            simplified.steps.insert(0, Step { rule: rules.join("; "), expr: step });
        }
        return simplified;
    }
    let (mut simplified, applied) = saturate(e, shown, defs, assumptions, limits);
    if simplified.limit_hit == Some(LimitHit::Undefined) {
        return simplified;
    }
    let expr = &simplified.expr;
    // A step's label joins the rules it took with "; ".
    let named = |i: usize| simplified.steps.iter().any(|s| s.rule.split("; ").any(|r| r == assumptions[i].rule_name()));
    let rewrote = |i: usize| applied.iter().any(|rule| rule.as_str().trim_end() == assumptions[i].rule_name());
    // Whether the result needs one of the assumptions at positions `left_out`: `refutes` shows a
    // difference where they are left out, or one simplification without them gives another
    // result.
    let needs_one_of = |left_out: &[usize]| {
        let others: Vec<Assumption> =
            assumptions.iter().enumerate().filter(|(n, _)| !left_out.contains(n)).map(|(_, a)| a.clone()).collect();
        refutes(e, expr, &others) || saturate(e, None, defs, &others, limits).0.expr != *expr
    };
    // Each assumption that rewrote something (one that never did left the run as it would have
    // been without it) is left out alone: linear in their number (a recursive decision would be
    // factorial). The others are then left out together: when the result needs one of them
    // (`a = b` against `a = 1`, either does), none is reported as unneeded.
    let mut used: Vec<usize> =
        (0..assumptions.len()).filter(|&i| named(i) || (rewrote(i) && needs_one_of(&[i]))).collect();
    let spared: Vec<usize> = (0..assumptions.len()).filter(|i| !used.contains(i)).collect();
    if spared.len() > 1 && needs_one_of(&spared) {
        used.extend(spared);
        used.sort();
    }
    simplified.assumptions_used = used;
    simplified
}

/// [`simplify`] without deciding which assumptions were used, and the names of the rules that
/// rewrote something.
///
/// Saturation runs in two phases. The first leaves out commutativity and associativity:
/// collecting like terms puts sums and products in order without them, and the e-graph stays
/// small while Kronecker deltas are eliminated, quotients cancelled and definitions folded. The
/// second starts afresh from the best term of the first, with every rule: rearranging a small
/// term lets the rules that match one grouping only (folding into `sigmoid`, factoring) reach
/// it, without the blow-up of rearranging every intermediate form of the raw derivative.
fn saturate(
    e: &Expr,
    shown: Option<&Expr>,
    defs: &Definitions,
    assumptions: &[Assumption],
    limits: &Limits,
) -> (Simplified, HashSet<Symbol>) {
    let start = to_term(e);
    let deadline = std::time::Instant::now() + limits.time;
    let mut from = start.clone();
    let mut outcome = Outcome::default();
    for phase in [Phase::InOrder, Phase::Rearranging] {
        let mut rules = rule_set(Rules::Collecting, &[&from], defs, assumptions, false);
        if phase == Phase::InOrder {
            rules.retain(|r| !rules::REARRANGING.contains(&r.name.as_str()));
        }
        let left = Limits { time: deadline.saturating_duration_since(std::time::Instant::now()), ..limits.clone() };
        let runner = run(bounded_runner(&left, false).with_expr(&from).with_hook(stop_when_settled()), &rules);
        outcome.add(&runner, limits);
        if outcome.limit_hit == Some(LimitHit::Undefined) {
            let simplified = outcome.simplified(e.clone(), vec![]);
            return (simplified, outcome.applied);
        }
        // A start as cheap as the best term is kept: it is what the reader saw last.
        let best_cost = runner.egraph[runner.roots[0]].data.cost;
        from = match term_cost(&runner.egraph, &start) {
            Some(cost) if cost <= best_cost + 1e-9 => start.clone(),
            _ => best_term(&runner.egraph, runner.roots[0]),
        };
        if outcome.limit_hit.is_some() {
            break;
        }
    }
    let hints = binder_hints(e, defs);
    let expr = readable(&from, &hints);
    let steps = match shown {
        Some(shown) => {
            let tries = explain::proof_tries(outcome.nodes, limits);
            derivation_steps(&to_term(shown), &from, &tries, defs, assumptions, &hints, &expr)
        }
        None => vec![],
    };
    (outcome.simplified(expr, steps), outcome.applied)
}

/// The phases of [`saturate`].
#[derive(Clone, Copy, Debug, PartialEq)]
enum Phase {
    /// Every rule but commutativity and associativity.
    InOrder,
    /// Every rule.
    Rearranging,
}

/// What the phases of [`saturate`] add up to: the largest e-graph, the iterations, the rules
/// that rewrote something and the bound that stopped a phase.
#[derive(Default)]
struct Outcome {
    nodes: usize,
    classes: usize,
    iterations: usize,
    applied: HashSet<Symbol>,
    limit_hit: Option<LimitHit>,
}

impl Outcome {
    /// Counts in a finished phase (its bound, if one stopped it, is the one reported).
    fn add(&mut self, runner: &Runner<Math, Facts>, limits: &Limits) {
        self.nodes = self.nodes.max(runner.egraph.total_size());
        self.classes = self.classes.max(runner.egraph.number_of_classes());
        self.iterations += runner.iterations.len();
        self.applied.extend(runner.iterations.iter().flat_map(|i| i.applied.keys().copied()));
        self.limit_hit = if runner.egraph.analysis.contradiction {
            Some(LimitHit::Undefined)
        } else {
            match &runner.stop_reason {
                Some(StopReason::NodeLimit(n)) => Some(LimitHit::Nodes(*n)),
                Some(StopReason::IterationLimit(n)) => Some(LimitHit::Iterations(*n)),
                Some(StopReason::Other(reason)) if reason == TIME_LIMIT => {
                    Some(LimitHit::Time(limits.time.as_secs_f64()))
                }
                _ => None,
            }
        };
    }

    /// The outcome with its result and steps.
    fn simplified(&self, expr: Expr, steps: Vec<Step>) -> Simplified {
        Simplified {
            expr,
            steps,
            limit_hit: self.limit_hit.clone(),
            assumptions_used: vec![],
            nodes: self.nodes,
            classes: self.classes,
            iterations: self.iterations,
        }
    }
}

/// The e-graph, with explanations, in which `a` and `b` were proved equal by `rules` within
/// `limits`, if they were.
fn connect(a: &RecExpr<Math>, b: &RecExpr<Math>, rules: &[Rewrite<Math, Facts>], limits: &Limits) -> Option<MathGraph> {
    let runner = bounded_runner(limits, true).with_expr(a).with_expr(b).with_hook(|runner| {
        if runner.egraph.find(runner.roots[0]) == runner.egraph.find(runner.roots[1]) {
            Err("proved".into())
        } else {
            Ok(())
        }
    });
    let runner = run(runner, rules);
    let proved = runner.egraph.find(runner.roots[0]) == runner.egraph.find(runner.roots[1]);
    (proved && !runner.egraph.analysis.contradiction).then_some(runner.egraph)
}

/// How many iterations the best cost may stay the same before saturation stops: rules that
/// only rearrange could go on for long without making the result any simpler.
const SETTLE_ITERATIONS: usize = 3;

/// Past this many e-nodes, [`SETTLE_ITERATIONS_LARGE`] iterations without improvement are
/// enough: an iteration of a large e-graph costs more than the small folds it still finds.
const LARGE_EGRAPH: usize = 2_000;

/// See [`LARGE_EGRAPH`].
const SETTLE_ITERATIONS_LARGE: usize = 2;

/// A runner hook that stops once the extracted cost has not improved for [`SETTLE_ITERATIONS`].
fn stop_when_settled() -> impl FnMut(&mut Runner<Math, Facts>) -> Result<(), String> + 'static {
    let mut best = f64::INFINITY;
    let mut unchanged = 0;
    move |runner| {
        let cost = runner.egraph[runner.roots[0]].data.cost;
        // Costs are sums of floats: a difference in the last bits is no improvement.
        if !best.is_finite() || cost < best - COST_EPSILON * best.abs().max(1.0) {
            best = cost;
            unchanged = 0;
        } else {
            unchanged += 1;
        }
        let patience =
            if runner.egraph.total_size() > LARGE_EGRAPH { SETTLE_ITERATIONS_LARGE } else { SETTLE_ITERATIONS };
        if unchanged >= patience {
            Err(SETTLED.into())
        } else {
            Ok(())
        }
    }
}

/// The relative change in cost below which a run counts as not improving.
const COST_EPSILON: f64 = 1e-12;

/// The stop reason of a run ended by [`stop_when_settled`].
const SETTLED: &str = "settled";

/// Whether `a` and `b` are proved equal by the rules (within `limits`), with the steps from `a`
/// to `b` when they are.
pub fn prove_equal(a: &Expr, b: &Expr, assumptions: &[Assumption], limits: &Limits) -> Option<Vec<Step>> {
    let (ta, tb) = (to_term(a), to_term(b));
    let rules = rule_set(Rules::Proving, &[&ta, &tb], &Definitions::default(), assumptions, false);
    let mut egraph = connect(&ta, &tb, &rules, limits)?;
    let mut hints = vec![];
    collect_binder_names(a, &mut hints);
    let end = readable(&tb, &hints);
    Some(steps(&mut egraph, &ta, &tb, &hints, &end))
}

/// Which rules a run uses.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Rules {
    /// Simplifying: collecting like terms takes the place of the distributive law.
    Collecting,
    /// Explaining a simplification one rule at a time: the distributive law, no collecting.
    OneAtATime,
    /// Proving an equivalence: also the identities into another vocabulary.
    Proving,
}

/// The rule table for `rules`, the definitions' folds and the assumptions' rewrites.
/// With `unfold`, definitions are also unfolded (for explaining steps from a form written with
/// the defined names).
fn rule_set(
    rules: Rules,
    terms: &[&RecExpr<Math>],
    defs: &Definitions,
    assumptions: &[Assumption],
    unfold: bool,
) -> Vec<Rewrite<Math, Facts>> {
    let definitions = defs.iter().map(|d| to_term(&d.body));
    let sides = assumptions.iter().flat_map(|a| [to_term(&a.lhs), to_term(&a.rhs)]);
    let context: Vec<RecExpr<Math>> = definitions.chain(sides).collect();
    let mut present = BTreeSet::new();
    for term in terms.iter().copied().chain(&context) {
        present.extend(term.as_ref().iter().filter(|n| !n.is_leaf() || matches!(n, Math::Pi)).map(|n| n.to_string()));
    }
    let mut set = rules::rule_set(rules == Rules::Proving, rules != Rules::OneAtATime, &present);
    set.extend(defs.iter().flat_map(|d| definition_rules(d, unfold)));
    set.extend(assumptions.iter().flat_map(assumption_rules));
    set
}

/// A runner within `limits`, recording explanations when asked (constant classes are pruned
/// only when not, since pruning loses the nodes an explanation walks through).
fn bounded_runner(limits: &Limits, explain: bool) -> Runner<Math, Facts> {
    let mut egraph = MathGraph::new(Facts { prune: !explain, contradiction: false });
    if explain {
        egraph = egraph.with_explanations_enabled().with_explanation_length_optimization();
    }
    // The two appliers that read whole terms match every sum (or sum and product) class; the
    // default scheduler would ban them for matching so much, and they are what makes progress.
    let scheduler = BackoffScheduler::default()
        .do_not_ban(rules::KRONECKER)
        .do_not_ban(rules::KRONECKER_OVER_SIZE)
        .do_not_ban(collect::COLLECT)
        .do_not_ban(linear::LINEAR_SUM)
        .do_not_ban(ranges::WRITE_RANGE[0])
        .do_not_ban(ranges::WRITE_RANGE[1])
        .do_not_ban(pairs::PRODUCT_RULES);
    Runner::default()
        .with_scheduler(scheduler)
        .with_hook(|runner: &mut Runner<Math, Facts>| match runner.egraph.analysis.contradiction {
            true => Err(LimitHit::Undefined.to_string()),
            false => Ok(()),
        })
        .with_hook(past(std::time::Instant::now() + limits.time))
        .with_egraph(egraph)
        .with_node_limit(limits.nodes)
        .with_iter_limit(limits.iterations)
}

/// The stop reason of a run that reached its time limit (see [`past`]).
const TIME_LIMIT: &str = "time limit";

/// A runner hook that stops the run once `deadline` has passed. egg's own time limit reads
/// egg's clock, which [`run`] stops.
fn past(deadline: std::time::Instant) -> impl FnMut(&mut Runner<Math, Facts>) -> Result<(), String> + 'static {
    move |_| if std::time::Instant::now() > deadline { Err(TIME_LIMIT.into()) } else { Ok(()) }
}

/// Runs `runner` under a clock that needs no calibration. egg times its runs with quanta,
/// whose first clock spends milliseconds calibrating the processor's counter: more than a
/// whole small derivation, in every process. Time limits are kept by [`past`] instead.
fn run(runner: Runner<Math, Facts>, rules: &[Rewrite<Math, Facts>]) -> Runner<Math, Facts> {
    thread_local! {
        static STOPPED: quanta::Clock = quanta::Clock::mock().0;
    }
    STOPPED.with(|clock| quanta::with_clock(clock, || runner.run(rules)))
}

/// The pattern of `term` with each symbol in `vars` made the pattern variable `?name`.
fn pattern(term: &RecExpr<Math>, vars: &[Symbol]) -> Pattern<Math> {
    let ast: Vec<ENodeOrVar<Math>> = term
        .as_ref()
        .iter()
        .map(|node| match node {
            Math::Symbol(s) if vars.contains(s) => ENodeOrVar::Var(format!("?{s}").parse().expect("a variable")),
            other => ENodeOrVar::ENode(other.clone()),
        })
        .collect();
    Pattern::new(ast.into())
}

/// The rewrites of a definition: its body folded back into its name (`softmax(z) => yhat`,
/// `sigmoid(z[?j]) => h[?j]`), and with `unfold` the name unfolded into its body.
fn definition_rules(def: &crate::defs::Definition, unfold: bool) -> Vec<Rewrite<Math, Facts>> {
    let params: Vec<Symbol> = def.params.iter().map(Symbol::from).collect();
    let body = pattern(&to_term(&def.body), &params);
    let name = pattern(&to_term(&def.use_site()), &params);
    let statement = def.statement();
    let mut rules = vec![];
    if !matches!(body.ast.as_ref().last(), Some(ENodeOrVar::Var(_))) {
        rules.extend(Rewrite::new(format!("definition {statement}"), body.clone(), name.clone()).ok());
    }
    if unfold {
        rules.extend(Rewrite::new(format!("definition {statement}, unfolded"), name, body).ok());
    }
    rules
}

/// The rewrites of an assumption: its left side in canonical form, and with its outermost
/// bound index under the other names a sum can carry after rules moved it.
fn assumption_rules(a: &Assumption) -> Vec<Rewrite<Math, Facts>> {
    let lhs = canonical_binders(&a.lhs);
    let mut variants = vec![lhs.clone()];
    if let Node::Reduce(op, i, count, body) = &lhs.node {
        for n in 0..4 {
            let name = format!("%{n}");
            if &name != i && !body.free_names().contains(&name) {
                variants.push(Expr::reduce(*op, &name, count.as_deref().cloned(), body.rename_free(i, &name)));
            }
        }
    }
    let rhs = pattern(&to_term(&a.rhs), &[]);
    variants
        .iter()
        .enumerate()
        .filter_map(|(n, v)| {
            let term = convert::term_keeping_names(v);
            // Rule names must be unique; trailing spaces tell the variants apart.
            let name = format!("{}{}", a.rule_name(), " ".repeat(n));
            Rewrite::new(name, pattern(&term, &[]), rhs.clone()).ok()
        })
        .collect()
}

/// The user's bound-index names (in `e`, then in the definitions), for naming the result's sums.
fn binder_hints(e: &Expr, defs: &Definitions) -> Vec<String> {
    let mut hints = vec![];
    collect_binder_names(e, &mut hints);
    for d in defs.iter() {
        collect_binder_names(&d.body, &mut hints);
    }
    hints
}

fn collect_binder_names(e: &Expr, out: &mut Vec<String>) {
    if let Node::Reduce(_, i, ..) = &e.node {
        if !out.contains(i) {
            out.push(i.clone());
        }
    }
    e.children().into_iter().for_each(|c| collect_binder_names(c, out));
}

/// The exact value of `e` when the rules prove it constant (`x - x` is 0), within `limits`.
pub fn constant_value(e: &Expr, defs: &Definitions, limits: &Limits) -> Option<num_rational::BigRational> {
    let term = to_term(e);
    let rules = rule_set(Rules::Collecting, &[&term], defs, &[], false);
    let runner = run(bounded_runner(limits, false).with_expr(&term).with_hook(stop_when_settled()), &rules);
    if runner.egraph.analysis.contradiction {
        return None;
    }
    runner.egraph[runner.roots[0]].data.constant.clone()
}

/// The interval the analysis finds for the values of `e` (for tests of the analysis).
pub fn range_of(e: &Expr) -> Interval {
    let mut egraph = MathGraph::new(Facts::default());
    let id: Id = egraph.add_expr(&to_term(e));
    egraph.rebuild();
    egraph[id].data.range
}
