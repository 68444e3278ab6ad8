//! Walking a document's equations in order: names bind to values as they are computed, and
//! each pair of neighbouring sides becomes a claim, judged.
//!
//! Two environments are kept: the values as written (rounded, perhaps wrong) and the best
//! values known (computed from the given numbers). A written number is accepted when it
//! matches what either gives, so a slip is flagged once, not again in every line after it.

use super::document::{line_column, squeeze};
use super::exercise::Kind;
use super::exercise::Timeline;
use super::functions::Functions;
use super::layers::{self, Activations, Known, Quantity, Samples};
use super::numeric::{format_value, judge, Expected, Judgement, Tolerance};
use super::rounding;
use super::symbolic::{Outcome, Symbols};
use super::templates::Templates;
use super::{CheckOptions, Claim, Verdict};
use crate::eval::linear::MIXED_ITEMS;
use crate::eval::number::Number;
use crate::eval::value::{Env, Value};
use crate::eval::{eval_within, EvalError};
use crate::syntax::ast::{Expr, Func, Node};
use crate::syntax::read_latex::{read_block, Relation, Side};
use std::ops::Range;

/// The most expression nodes one evaluation of a side may visit (a tenth of the CLI's budget:
/// a document has many sides).
const EVAL_BUDGET: u64 = 2_000_000;

fn eval(e: &Expr, env: &Env) -> Result<Value, EvalError> {
    eval_within(e, env, EVAL_BUDGET)
}

/// What a side of an equation turned out to be.
#[derive(Clone, Debug)]
enum Reading {
    /// Numbers as written, and the unit of each one's last written digit.
    Literal { value: Value, units: Value },
    /// A computation from bound names: its value from the written numbers (and how far their
    /// rounding can move it), and from the best values known when those differ.
    Computed { expr: Expr, range: Range<usize>, written: Value, spread: Option<Value>, best: Option<Value> },
    /// A computation whose shapes do not fit (a wrong claim in itself).
    Invalid(String),
    /// A formula over free names.
    Symbolic(Side),
    /// Not judged, and why.
    Unknown(String),
}

impl Reading {
    fn value(&self) -> Option<&Value> {
        match self {
            Reading::Literal { value, .. } => Some(value),
            Reading::Computed { written, .. } => Some(written),
            _ => None,
        }
    }
}

/// The state of a walk through one document.
pub struct Walker<'a> {
    text: &'a str,
    options: &'a CheckOptions,
    written: Env,
    best: Env,
    /// For names bound to written numbers: how far each entry may be from the value it
    /// stands for (what it differs from the value computed, else half its last digit's unit).
    deviations: Env,
    symbols: Symbols,
    /// The exercise's values, when one is given.
    timeline: Option<Timeline>,
    /// The general formulas over a layer index stated so far.
    templates: Templates,
    /// The functions the document has defined (`f(z) = \sigma(z)`).
    functions: Functions,
    /// The activations of the layers whose forward pass the document wrote.
    activations: Activations,
    /// The engine's derivations of layer quantities so far.
    derivations: layers::Derivations,
    claims: Vec<Claim>,
}

impl<'a> Walker<'a> {
    /// A walk through `text` with nothing bound yet.
    pub fn new(text: &'a str, options: &'a CheckOptions) -> Walker<'a> {
        Walker {
            text,
            options,
            written: Env::new(),
            best: Env::new(),
            deviations: Env::new(),
            symbols: Symbols::default(),
            timeline: options.exercise.as_deref().map(Timeline::new),
            templates: Templates::default(),
            functions: Functions::default(),
            activations: Activations::default(),
            derivations: Default::default(),
            claims: Vec::new(),
        }
    }

    /// Forgets every name: a new exercise begins.
    pub fn new_section(&mut self) {
        self.written = Env::new();
        self.best = Env::new();
        self.deviations = Env::new();
        self.templates = Templates::default();
        self.functions = Functions::default();
        self.activations = self.activations.new_part();
        self.symbols = Symbols::default();
    }

    /// The claims found, in document order.
    pub fn finish(self) -> Vec<Claim> {
        self.claims
    }

    /// Walks the equations of the math block at `range` of the document.
    pub fn block(&mut self, range: Range<usize>) {
        let math = &self.text[range.clone()];
        for equation in read_block(math) {
            let sides: Vec<(Range<usize>, Result<Side, String>)> = equation
                .sides
                .into_iter()
                .map(|(span, side)| {
                    let doc = range.start + span.start..range.start + span.end;
                    (doc, side.map_err(|e| format!("unsupported LaTeX: {e}")))
                })
                .collect();
            self.equation(&sides, &equation.relations);
        }
    }

    fn equation(&mut self, sides: &[(Range<usize>, Result<Side, String>)], relations: &[Relation]) {
        if sides.len() < 2 {
            return;
        }
        let target = sides[0].1.as_ref().ok().and_then(target_name);
        let defines_function = target.is_none() && is_function_definition(&sides[0].1, &self.written);
        if let (true, Ok(Side::Expr(lhs)), Ok(Side::Expr(body))) = (defines_function, &sides[0].1, &sides[1].1) {
            if let Node::Call(Func::MatMul, args) = &lhs.node {
                if let (Node::Var(f), Node::Var(param)) = (&args[0].node, &args[1].node) {
                    self.functions.define(f, param, body);
                }
            }
        }
        // The variable of a derivative (`x` in `\frac{d}{dx}\sigma(x) = ...`) belongs to the
        // equation, whatever the document bound to that name before.
        let local: Vec<String> = sides
            .iter()
            .filter_map(|(_, side)| match side {
                Ok(Side::Derivative { of, wrt })
                    if gradient_name(of, wrt).is_none_or(|n| self.written.get(&n).is_none()) =>
                {
                    Some(wrt.free_names())
                }
                _ => None,
            })
            .flatten()
            .collect();
        let readings: Vec<Reading> = sides.iter().map(|(range, side)| self.read(range, side, &local)).collect();
        // A chain of a layer's delta or gradient (`\delta^{[\ell]} = \frac{\partial E}{\partial
        // z^{[\ell]}} = ...`): its formulas are judged by the chain rule through the layer.
        // Each side's formula is of the quantity the sides before it name (all the same one: a
        // side naming another, or something else, ends the judging).
        let mut in_effect: Vec<Option<Quantity>> = Vec::with_capacity(sides.len());
        let mut state = Some(None::<Quantity>);
        for (_, side) in sides {
            if let Ok(side) = side {
                if layers::names_something(side) {
                    state = match (state, Quantity::of(side)) {
                        (Some(None), Some(q)) => Some(Some(q)),
                        (Some(Some(p)), Some(q)) if p == q => Some(Some(p)),
                        _ => None,
                    };
                }
            }
            in_effect.push(state.clone().flatten());
        }
        let runner = match &target {
            Some(name) => self.judge_against_exercise(name, sides, relations, &readings),
            None => None,
        };
        for (k, relation) in relations.iter().enumerate() {
            if *relation == Relation::Other || sides[k].0.is_empty() || sides[k + 1].0.is_empty() {
                continue;
            }
            if k == 0 && defines_function {
                // `\sigma(x) = \frac{1}{1 + e^{-x}}`: the definition; the steps after it are claims.
                continue;
            }
            // `\frac{\partial E}{\partial o_k} = o_k - t_k` is a derivative claim, not a name.
            let derivative_claim =
                matches!(sides[0].1, Ok(Side::Derivative { .. })) && matches!(readings[1], Reading::Symbolic(_));
            let defines = k == 0 && target.is_some() && !derivative_claim;
            let layer_formula = in_effect[k].as_ref().and_then(|q| self.judge_layer_formula(q, &sides[k + 1].1));
            if let (Some(layer), false) = (layer_formula, matches!(readings[k + 1], Reading::Literal { .. })) {
                // A wrong formula is wrong even where the numbers happen to agree; a right one
                // leaves the numbers to be judged, when they can be.
                let outcome = if defines || matches!(layer, Outcome::Wrong { .. }) {
                    layer
                } else {
                    match self.judge(&readings[k], &readings[k + 1], *relation) {
                        Outcome::Unchecked(_) => layer,
                        judged => judged,
                    }
                };
                self.record(&sides[k].0, &sides[k + 1].0, outcome);
                continue;
            }
            if defines && (runner.is_some() || !matches!(readings[1], Reading::Literal { .. })) {
                // `z = W x + b`: what the name stands for, not a claim.
                continue;
            }
            let assumption = match (&readings[k], &readings[k + 1]) {
                (Reading::Symbolic(Side::Expr(lhs)), Reading::Literal { value: Value::Scalar(n), .. })
                    if sides.len() == 2 && target.is_none() =>
                {
                    Some(self.symbols.assume(lhs, n))
                }
                _ => None,
            };
            let outcome = if let Some(recorded) = assumption {
                Outcome::Unchecked(if recorded {
                    "an assumption: the formulas after it are judged under it".to_string()
                } else {
                    "a formula set equal to a number".to_string()
                })
            } else if defines {
                self.judge_bare_claim(target.as_deref().unwrap_or_default(), &readings[1])
            } else {
                self.judge(&readings[k], &readings[k + 1], *relation)
            };
            self.record(&sides[k].0, &sides[k + 1].0, outcome);
        }
        for (_, side) in sides {
            if let Ok(Side::Expr(e)) = side {
                e.free_names().iter().for_each(|n| self.templates.see(n));
            }
        }
        if let Some(name) = &target {
            let bodies: Vec<(Expr, Range<usize>)> = sides[1..]
                .iter()
                .filter_map(|(range, side)| match side {
                    Ok(Side::Expr(e)) => Some((e.clone(), range.clone())),
                    _ => None,
                })
                .collect();
            let exprs: Vec<Expr> = bodies.iter().map(|(e, _)| e.clone()).collect();
            self.activations.learn(name, &exprs, &self.functions);
            self.templates.see(name);
            self.templates.record(name, bodies);
        }
        if let Some(name) = target {
            self.bind(&name, sides, &readings);
            if let Some(truth) = runner {
                self.best.bind(&name, truth);
            }
        }
    }

    /// How many samples `formula` is about. A general formula (its layers symbolic, `\ell`) is
    /// read per sample, as they are written. A numbered one: a batch when the part's input
    /// (`x^{[0]}`, or the exercise's batch) has several columns and every quantity of it written
    /// has as many; one sample
    /// when the input is one column and so is every quantity written; unclear otherwise (a row
    /// vector, a 1-unit layer?).
    fn samples(&self, formula: &Expr) -> Samples {
        let columns = |name: &str| match self.written.get(name) {
            Some(Value::Matrix(rows)) => Some(rows.first().map_or(1, Vec::len)),
            Some(_) => Some(1),
            None => None,
        };
        let names = formula.free_names();
        if !names.iter().any(|n| layers::numbered(n)) {
            return Samples::One;
        }
        // The input's columns: as the part writes them, else the exercise's batch.
        let batch = self.options.exercise.as_deref().and_then(|trace| {
            let ex = &trace.exercise;
            (ex.mode == crate::exercise::file::Mode::Batch && ex.trains).then_some(ex.samples.len())
        });
        let input = ["x^[0]", "a^[0]", "h^[0]"].into_iter().find_map(columns).or(batch).unwrap_or(1);
        let written: Vec<usize> = names.iter().filter_map(|n| columns(n)).collect();
        match input {
            1 if written.iter().all(|&w| w == 1) => Samples::One,
            n if n > 1 && written.iter().all(|&w| w == n) => Samples::Batch(n),
            _ => Samples::Unclear,
        }
    }

    /// Judges `side` as a formula for a layer's `quantity` (see [`layers`]), when it is one.
    fn judge_layer_formula(&self, quantity: &Quantity, side: &Result<Side, String>) -> Option<Outcome> {
        let Ok(Side::Expr(formula)) = side else { return None };
        let exercise = self.options.exercise.as_deref().and_then(|trace| {
            let network = &trace.exercise;
            Some((network.activation.as_ref()?, network.layers.len() - 1))
        });
        let samples = self.samples(formula);
        let known = Known { exercise, document: &self.activations, samples, derivations: &self.derivations };
        layers::judge(quantity, formula, &known, &self.functions)
    }

    /// Judges the value a chain gives its name against the exercise's: the last value written,
    /// at the precision written, against each value the quantity may have here (the first that
    /// matches, else the next one). Returns the exercise's value, when the name is a quantity
    /// and the chain gives a value.
    fn judge_against_exercise(
        &mut self,
        name: &str,
        sides: &[(Range<usize>, Result<Side, String>)],
        relations: &[Relation],
        readings: &[Reading],
    ) -> Option<Value> {
        let last = (1..readings.len()).rev().find(|&k| readings[k].value().is_some())?;
        // `≈` before the value: its last digit is rounded, whole numbers too.
        let tolerance = match (self.options.tolerance, relations.get(last - 1)) {
            (Tolerance::Written, Some(Relation::Approx)) => Tolerance::Approximately,
            (tolerance, _) => tolerance,
        };
        let (value, units) = match &readings[last] {
            Reading::Literal { value, units } => (value, Some(units)),
            Reading::Computed { written, .. } => (written, None),
            _ => return None,
        };
        // `w^{[2]} = w^{[2]} - \eta ...`: the value after the one it had.
        let update = sides[1..].iter().any(|(_, side)| match side {
            Ok(Side::Expr(e)) => e.free_names().contains(name),
            _ => false,
        });
        let (key, candidates) = self.timeline.as_ref()?.candidates_after(name, update)?;
        let verdict = |truth: &Value| judge(&[Expected { value: truth, spread: None }], value, units, tolerance);
        let correct = |v: &Value| verdict(v) == Judgement::Correct;
        // A quantity with one value per sample (a batch step's nets, activations, deltas,
        // targets and losses), given for one sample: one of theirs, or the loss's total or mean.
        let samples_of = |truth: &Value| one_sample_of(truth, value).filter(|_| Kind::of(&key) == Kind::PerSample);
        let totals_of = |truth: &Value| if key == "loss" { loss_totals(truth) } else { vec![] };
        // How a value of the quantity accepts what is written, if it does.
        let accepted = |truth: &Value| -> Option<String> {
            if correct(truth) {
                return Some(format!("the exercise's {key}"));
            }
            let samples = samples_of(truth)?;
            if let Some(s) = samples.iter().position(correct) {
                return Some(format!("the exercise's {key}, sample {} of the step", s + 1));
            }
            totals_of(truth).iter().any(correct).then(|| "the exercise's loss, over the step's samples".into())
        };
        // The nearest value that accepts it (a later phase's is not preferred to this one's
        // sample).
        let matching = candidates.iter().position(|(_, truth)| accepted(truth).is_some());
        let (position, truth) = candidates.into_iter().nth(matching.unwrap_or(0))?;
        let outcome = match (accepted(&truth), verdict(&truth)) {
            (Some(how), _) => Outcome::Correct(how),
            (None, Judgement::Correct) => Outcome::Correct(format!("the exercise's {key}")),
            (None, Judgement::Wrong { expected, got, note }) => match samples_of(&truth) {
                Some(samples) => {
                    let totals = totals_of(&truth);
                    Outcome::Wrong {
                        expected: samples.iter().chain(&totals).map(format_value).collect::<Vec<_>>().join(" or "),
                        got,
                        note: format!(
                            "not the exercise's {key} of any of the step's {} samples{}",
                            samples.len(),
                            if totals.is_empty() { "" } else { ", nor their total or mean" }
                        ),
                    }
                }
                None => Outcome::Wrong { expected, got, note: format!("not the exercise's {key}: {note}") },
            },
        };
        if let Some(timeline) = self.timeline.as_mut() {
            timeline.advance(position, &key);
        }
        self.record(&sides[0].0, &sides[last].0, outcome);
        Some(truth)
    }

    /// A bare claim `NAME = value`: checked by a general formula the document stated for the
    /// quantity (`z^{[\ell]} = ...` for `z^{[2]}`), else unchecked.
    fn judge_bare_claim(&self, name: &str, written: &Reading) -> Outcome {
        // `x_2 = 3` with a vector `x` bound: entry 2 of `x`.
        let (resolved, unknown) = resolve(&Expr::var(name), &self.written, &[]);
        if unknown.is_empty() && matches!(resolved.node, Node::Index(..)) {
            let computed = self.read(&(0..0), &Ok(Side::Expr(resolved.clone())), &[]);
            if matches!(computed, Reading::Computed { .. }) {
                return match self.judge_numbers(&computed, written, Relation::Equals) {
                    Outcome::Correct(how) => Outcome::Correct(format!("as `{resolved}`: {how}")),
                    Outcome::Wrong { expected, got, note } => {
                        Outcome::Wrong { expected, got, note: format!("as `{resolved}`: {note}") }
                    }
                    other => other,
                };
            }
        }
        for (body, range, layers) in self.templates.instances(name) {
            let computed = self.read(&range, &Ok(Side::Expr(body.clone())), &[]);
            if !matches!(computed, Reading::Computed { .. }) {
                continue;
            }
            let by = format!("by the formula `{}` ({layers})", squeeze(&self.text[range]));
            // A per-sample formula (`\delta^{[l]}` for a bias gradient) over a batch: the value
            // written is its sum over the samples, the columns.
            if let (Reading::Computed { written: Value::Matrix(rows), spread, .. }, Some(Value::Vector(_))) =
                (&computed, written.value())
            {
                let row_sums = |rows: &[Vec<Number>]| {
                    Value::Vector(
                        rows.iter()
                            .map(|r| r.iter().try_fold(Number::int(0), |t, x| t.try_add(x)).unwrap_or(Number::int(0)))
                            .collect(),
                    )
                };
                let spread = match spread {
                    Some(Value::Matrix(widths)) => Some(row_sums(widths)),
                    _ => None,
                };
                let summed = Reading::Computed {
                    expr: Expr::var(name),
                    range: 0..0,
                    written: row_sums(rows),
                    spread,
                    best: None,
                };
                if let Outcome::Correct(how) = self.judge_numbers(&summed, written, Relation::Equals) {
                    return Outcome::Correct(format!("{by}, summed over the samples: {how}"));
                }
            }
            return match self.judge_numbers(&computed, written, Relation::Equals) {
                Outcome::Correct(how) => Outcome::Correct(format!("{by}: {how}")),
                Outcome::Wrong { expected, got, note } => {
                    Outcome::Wrong { expected, got, note: format!("{by}: {note}") }
                }
                other => other,
            };
        }
        if self.written.get(name).is_some() {
            return Outcome::Unchecked(format!(
                "a new value for `{name}`, which had one before: nothing determines it"
            ));
        }
        Outcome::Unchecked(format!(
            "nothing in the document determines `{name}` (a given, or a result without its work)"
        ))
    }

    fn record(&mut self, left: &Range<usize>, right: &Range<usize>, outcome: Outcome) {
        let (line, column) = line_column(self.text, right.start);
        let text = format!("{} = {}", squeeze(&self.text[left.clone()]), squeeze(&self.text[right.clone()]));
        let (verdict, expected, got, note) = match outcome {
            Outcome::Correct(how) => (Verdict::Correct, None, None, Some(how)),
            Outcome::Wrong { expected, got, note } => (Verdict::Wrong, Some(expected), Some(got), Some(note)),
            Outcome::Invalid(why) => (Verdict::Wrong, None, None, Some(why)),
            Outcome::Unchecked(why) => (Verdict::Unchecked, None, None, Some(why)),
        };
        self.claims.push(Claim { line, column, text, verdict, expected, got, note, range: right.clone() });
    }

    /// Binds the chain's name: to the last value written, and the first value computed.
    fn bind(&mut self, name: &str, sides: &[(Range<usize>, Result<Side, String>)], readings: &[Reading]) {
        let last = readings[1..].iter().rev().find(|r| r.value().is_some());
        let best = readings[1..].iter().find_map(|r| match r {
            Reading::Computed { written, best, .. } => Some(best.clone().unwrap_or_else(|| written.clone())),
            _ => None,
        });
        let Some(last) = last else {
            if let (Ok(Side::Expr(lhs)), Some((_, Ok(Side::Expr(body))))) = (&sides[0].1, sides.get(1)) {
                self.symbols.define(lhs, body);
            }
            return;
        };
        let written = last.value().cloned().unwrap_or_else(|| Value::Scalar(crate::eval::number::Number::int(0)));
        // How far the written value may be from the one it stands for: what it differs from the
        // value computed in the chain, else half a unit of its last digit.
        match last {
            Reading::Literal { value, units } => {
                let computed = readings[1..].iter().find_map(|r| match r {
                    Reading::Computed { written, .. } => Some(written),
                    _ => None,
                });
                let deviation = match computed {
                    Some(c) => rounding::difference(value, c),
                    // A given: data (`5`, `0.1`) is exact, a longer number may be a rounding.
                    None => rounding::rounding_of_given(value, units),
                };
                self.deviations.bind(name, deviation.unwrap_or_else(|| units.clone()));
            }
            _ => {
                self.deviations.unbind(name);
            }
        }
        self.best.bind(name, best.unwrap_or_else(|| written.clone()));
        self.written.bind(name, written);
    }

    fn read(&self, range: &Range<usize>, side: &Result<Side, String>, local: &[String]) -> Reading {
        let side = match side {
            Err(why) => return Reading::Unknown(why.clone()),
            Ok(side) => side,
        };
        let e = match side {
            Side::Derivative { of, wrt } => match gradient_name(of, wrt) {
                Some(name) if self.written.get(&name).is_some() => Expr::var(&name),
                _ => return Reading::Symbolic(side.clone()),
            },
            Side::Expr(e) => self.functions.expand(e),
        };
        let side = &match side {
            Side::Expr(_) => Side::Expr(e.clone()),
            other => other.clone(),
        };
        if rounding::is_numbers(&e) {
            let source = &self.text[range.clone()];
            return match (eval(&e, &Env::new()), eval(&rounding::units(&e, source), &Env::new())) {
                (Ok(value), Ok(units)) => Reading::Literal { value, units },
                (Err(err), _) | (_, Err(err)) => Reading::Invalid(err.to_string()),
            };
        }
        let (resolved, unknown) = resolve(&e, &self.written, local);
        if !unknown.is_empty() {
            let bound_any = e.free_names().len() > unknown.len();
            return if bound_any || unknown.iter().any(|n| n.contains("^[") || n.starts_with('∂')) {
                Reading::Unknown(format!("unknown name(s): {}", unknown.join(", ")))
            } else {
                Reading::Symbolic(side.clone())
            };
        }
        if has_matrix_power(&resolved, &self.written) {
            return Reading::Unknown("a power of a matrix (`W^2`, `W^{-1}`) is not read".into());
        }
        match eval(&resolved, &self.written) {
            Ok(written) => {
                let best = eval(&resolved, &self.best).ok().filter(|b| *b != written);
                let source = &self.text[range.clone()];
                let spread = rounding::spread(&resolved, source, &self.written, &self.deviations, &written);
                Reading::Computed { expr: resolved, range: range.clone(), written, spread, best }
            }
            Err(EvalError::Shape { message, .. })
                if message.contains("two column vectors") && self.text[range.clone()].contains("\\cdot") =>
            {
                Reading::Unknown("`a \\cdot b` of two column vectors (a dot product) is not read: write a^T b".into())
            }
            // `[1; x]` with a vector `x`: a block vector or matrix, which the reader does not
            // tell from a ragged array; not read rather than judged.
            Err(EvalError::Shape { message, .. }) if message.starts_with(MIXED_ITEMS) => {
                Reading::Unknown("a block vector or matrix (`[1; x]` with a vector x) is not read".into())
            }
            Err(err @ EvalError::Shape { .. }) => Reading::Invalid(err.to_string()),
            Err(err) => Reading::Unknown(format!("cannot evaluate: {err}")),
        }
    }

    fn judge(&self, a: &Reading, b: &Reading, relation: Relation) -> Outcome {
        use Reading::*;
        match (a, b) {
            (Unknown(why), _) | (_, Unknown(why)) => Outcome::Unchecked(why.clone()),
            (Invalid(why), _) | (_, Invalid(why)) => Outcome::Invalid(format!("does not compute: {why}")),
            (Symbolic(x), Symbolic(y)) => match (x, y) {
                (Side::Derivative { of, wrt }, Side::Expr(e)) | (Side::Expr(e), Side::Derivative { of, wrt }) => {
                    self.symbols.derivative_claim(of, wrt, e)
                }
                (Side::Expr(p), Side::Expr(q)) => self.symbols.equality_claim(p, q),
                _ => Outcome::Unchecked("two derivatives side by side (chain-rule notation)".into()),
            },
            (Symbolic(_), _) | (_, Symbolic(_)) => Outcome::Unchecked("a formula set equal to numbers".into()),
            _ => self.judge_numbers(a, b, relation),
        }
    }

    fn judge_numbers(&self, a: &Reading, b: &Reading, relation: Relation) -> Outcome {
        // The written side is the literal one (the right one when both are).
        let literal = |r: &Reading| matches!(r, Reading::Literal { .. });
        let (computed, written) = if literal(a) && !literal(b) { (b, a) } else { (a, b) };
        let (value, units, own_spread) = match written {
            Reading::Literal { value, units } => (value, Some(units), None),
            Reading::Computed { written, spread, .. } => (written, None, spread.as_ref()),
            _ => return Outcome::Unchecked("nothing to compare".into()),
        };
        // The candidates, each with its spread; a computed written side adds its own.
        let candidates: Vec<(&Value, Option<Value>)> = match computed {
            Reading::Computed { written, spread, best: Some(best), .. } => vec![
                (best, rounding::add_spreads(None, own_spread)),
                (written, rounding::add_spreads(spread.as_ref(), own_spread)),
            ],
            Reading::Computed { written, spread, best: None, .. } => {
                vec![(written, rounding::add_spreads(spread.as_ref(), own_spread))]
            }
            Reading::Literal { value, .. } => vec![(value, own_spread.cloned())],
            _ => return Outcome::Unchecked("nothing to compare".into()),
        };
        let expected: Vec<Expected> =
            candidates.iter().map(|(value, spread)| Expected { value, spread: spread.as_ref() }).collect();
        // A number put in place of a part of the step before must be that part's value.
        let slips = match (computed, written) {
            (Reading::Computed { expr: x, range: rx, .. }, Reading::Computed { expr: y, range: ry, .. }) => {
                rounding::slips(x, &self.text[rx.clone()], y, &self.text[ry.clone()], &self.written)
            }
            _ => vec![],
        };
        let tolerance = match (self.options.tolerance, relation) {
            (Tolerance::Written, Relation::Approx) => Tolerance::Approximately,
            (tolerance, _) => tolerance,
        };
        match judge(&expected, value, units, tolerance) {
            Judgement::Correct if slips.is_empty() => Outcome::Correct("equal at the precision written".into()),
            Judgement::Correct => Outcome::Wrong {
                expected: format_value(expected[0].value),
                got: format_value(value),
                note: format!("{} (the result is within rounding all the same)", slips.join("; ")),
            },
            Judgement::Wrong { expected, got, note } => {
                let note = if slips.is_empty() { note } else { format!("{}; {note}", slips.join("; ")) };
                Outcome::Wrong { expected, got, note }
            }
        }
    }
}

/// The name a chain starting with `side` binds: a name, or a gradient `∂E/∂w`.
fn target_name(side: &Side) -> Option<String> {
    match side {
        Side::Expr(Expr { node: Node::Var(name), .. }) => Some(name.clone()),
        Side::Derivative { of, wrt } => gradient_name(of, wrt),
        Side::Expr(_) => None,
    }
}

/// `∂E/∂w^[2]` for the derivative of a name by a name, the name the reader gives such a
/// fraction inside an expression.
fn gradient_name(of: &Expr, wrt: &Expr) -> Option<String> {
    match (&of.node, &wrt.node) {
        (Node::Var(_), Node::Var(_)) => Some(format!("∂{of}/∂{wrt}")),
        _ => None,
    }
}

/// `f(z) = \sigma(z)`, `\sigma(x) = \frac{1}{1 + e^{-x}}`: a function of unbound names,
/// defined; not a claim.
fn is_function_definition(side: &Result<Side, String>, env: &Env) -> bool {
    let unbound = |e: &Expr| matches!(&e.node, Node::Var(n) if env.get(n).is_none());
    match side {
        // `f(z)`: the parameter is a name, bound or not (it stands for any value here).
        Ok(Side::Expr(Expr { node: Node::Call(Func::MatMul, args), .. })) => {
            unbound(&args[0]) && matches!(args[1].node, Node::Var(_))
        }
        Ok(Side::Expr(Expr { node: Node::Call(_, args), .. })) => args.iter().all(unbound),
        _ => false,
    }
}

/// `e` with each free name replaced by the bound name it stands for (`w_1` for `w^[1]`, `x`
/// for `x^[0]`, a component `x_2` of a bound vector `x`); and the names nothing binds.
fn resolve(e: &Expr, env: &Env, local: &[String]) -> (Expr, Vec<String>) {
    let mut unknown = Vec::new();
    let mut bound = Vec::new();
    let resolved = resolve_in(e, env, local, &mut bound, &mut unknown);
    unknown.sort();
    unknown.dedup();
    (resolved, unknown)
}

fn resolve_in(e: &Expr, env: &Env, local: &[String], bound: &mut Vec<String>, unknown: &mut Vec<String>) -> Expr {
    let node = match &e.node {
        Node::Var(name) if bound.contains(name) => return e.clone(),
        Node::Var(name) if local.contains(name) => {
            unknown.push(name.clone());
            return e.clone();
        }
        Node::Var(name) if env.get(name).is_some() => return e.clone(),
        Node::Var(name) => match alias(name, env, bound) {
            Some(found) => return Expr::spanned(found.node, e.span.clone()),
            None => {
                unknown.push(name.clone());
                return e.clone();
            }
        },
        Node::Reduce(op, i, count, body) => {
            let count = count.as_ref().map(|c| Box::new(resolve_in(c, env, local, bound, unknown)));
            bound.push(i.clone());
            let body = resolve_in(body, env, local, bound, unknown);
            bound.pop();
            Node::Reduce(*op, i.clone(), count, Box::new(body))
        }
        _ => return e.map_children(|c| resolve_in(c, env, local, bound, unknown)),
    };
    Expr::spanned(node, e.span.clone())
}

/// What an unbound name may stand for: `w_1` ↔ `w^[1]`, `x^[0]` → `x`, `x_2` → `x[2]`, and
/// `w_i` → `w[i]` under a sum over `i`.
fn alias(name: &str, env: &Env, sum_indices: &[String]) -> Option<Expr> {
    let known = |n: &str| env.get(n).is_some().then(|| Expr::var(n));
    if let Some((base, layer)) = name.strip_suffix(']').and_then(|n| n.split_once("^[")) {
        // Layer 0 is the input, whatever the letter: `x^{[0]}`, `a^{[0]}`, `h^{[0]}` are `x`.
        let input = || (layer == "0").then(|| known(base).or_else(|| known("x"))).flatten();
        return known(&format!("{base}_{layer}")).or_else(input);
    }
    let (base, sub) = name.rsplit_once('_')?;
    if let Some(found) = known(&format!("{base}^[{sub}]")) {
        return Some(found);
    }
    if sum_indices.iter().any(|i| i == sub) && matches!(env.get(base), Some(Value::Vector(_))) {
        // `\sum_{i} w_i x_i`: component i of the vector w.
        return Some(Expr::index(Expr::var(base), vec![Expr::var(sub)]));
    }
    let k: i64 = sub.parse().ok()?;
    match env.get(base) {
        Some(Value::Vector(_)) => Some(Expr::index(Expr::var(base), vec![Expr::int(k)])),
        _ => None,
    }
}

/// Whether `e` raises a matrix written as such (a name, an array, a transpose) to a power:
/// LaTeX means a matrix power or an inverse there (`W^2`, `W^{-1}`), which the evaluator
/// (entrywise) does not compute. A function's power (`\tanh^2(Z)`) stays entrywise.
fn has_matrix_power(e: &Expr, env: &Env) -> bool {
    if let Node::Binary(crate::syntax::ast::BinOp::Pow, base, _) = &e.node {
        let plain = matches!(&base.node, Node::Var(_) | Node::Array(_) | Node::Call(Func::Transpose, _));
        let known = base.free_names().iter().all(|n| env.get(n).is_some());
        if plain && known && matches!(eval(base, env), Ok(v) if v.rank() == 2) {
            return true;
        }
    }
    e.children().into_iter().any(|c| has_matrix_power(c, env))
}

/// The values of each sample, when `truth` has one column per sample of a batch step (more
/// than one) and `written` has the shape of one of them (a number for a row, a vector for a
/// matrix).
fn one_sample_of(truth: &Value, written: &Value) -> Option<Vec<Value>> {
    let Value::Matrix(rows) = truth else { return None };
    let samples = rows.first().map_or(0, Vec::len);
    if samples < 2 {
        return None;
    }
    let column = |c: usize| match rows.len() {
        1 => Value::Scalar(rows[0][c].clone()),
        _ => Value::Vector(rows.iter().map(|r| r[c].clone()).collect()),
    };
    let fits = match written {
        Value::Scalar(_) => rows.len() == 1,
        Value::Vector(v) => v.len() == rows.len() && rows.len() > 1,
        Value::Matrix(_) => false,
    };
    fits.then(|| (0..samples).map(column).collect())
}

/// The total and the mean of a row of per-sample losses.
fn loss_totals(truth: &Value) -> Vec<Value> {
    let Value::Matrix(rows) = truth else { return vec![] };
    let [row] = rows.as_slice() else { return vec![] };
    let Ok(total) = row.iter().try_fold(Number::int(0), |t, x| t.try_add(x)) else { return vec![] };
    let mean = total.clone().try_div(&Number::int(row.len() as i64));
    std::iter::once(total).chain(mean.ok()).map(Value::Scalar).collect()
}
