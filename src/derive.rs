//! A whole derivation: parse the inputs, differentiate, simplify in the e-graph, and check the
//! result against a central-difference derivative at random points. This is the library API
//! (`deltaform::derive`) and what `deltaform derive` prints.

use crate::ast::{Expr, Statement};
use crate::defs::Definitions;
use crate::diagnostic::Diagnostic;
use crate::diff::{differentiate_with_conditions, Condition, Wrt};
use crate::egraph::{simplify, Assumption, Limits, Simplified};
use crate::eval::{eval_within, EvalError};
use crate::parse::parse_statement;
use crate::sample::{close, numeric_derivative, Inputs, Rng};
use crate::warnings::{missing_variable, unused_assumptions, unused_definitions};
use std::fmt;

/// What to derive with, besides the expression and the variable.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Definitions, such as `yhat = softmax(z)` or `h[j] = sigmoid(z[j])`.
    pub lets: Vec<String>,
    /// Assumptions, such as `sum(i, y[i]) = 1`.
    pub assume: Vec<String>,
    /// Bounds on the e-graph.
    pub limits: Limits,
    /// Whether to record the simplification steps (implied by assumptions).
    pub steps: bool,
}

/// How the symbolic result compared with a numeric derivative.
#[derive(Clone, Debug, PartialEq)]
pub enum Check {
    /// They agreed at this many random points.
    Agreed(usize),
    /// No point could be checked, and why.
    Skipped(String),
    /// They disagreed: the point, the symbolic value, the numeric value.
    Disagreed(String, f64, f64),
}

/// A finished derivation. Its `Display` is the worked derivation, stable across runs, so it can
/// be pinned with a snapshot test.
#[derive(Clone, Debug)]
pub struct Derivation {
    /// The expression differentiated.
    pub expr: Expr,
    /// The variable.
    pub wrt: Wrt,
    /// The definitions in force.
    pub definitions: Definitions,
    /// The assumptions given.
    pub assumptions: Vec<Assumption>,
    /// The derivative straight from the chain rule.
    pub raw: Expr,
    /// Where the derivative holds (it has a value only there): `x > 0` for `x^y` by `y`.
    pub conditions: Vec<Condition>,
    /// The simplification of `raw`.
    pub simplified: Simplified,
    /// The numeric check of the result.
    pub check: Check,
    /// Likely typos: a variable that does not occur, a definition or assumption never used.
    pub warnings: Vec<String>,
}

impl Derivation {
    /// The simplified derivative.
    pub fn result(&self) -> &Expr {
        &self.simplified.expr
    }

    /// The note saying where the derivative holds, if it does not hold everywhere the
    /// expression has a value.
    pub fn conditions_note(&self) -> Option<String> {
        if self.conditions.is_empty() {
            return None;
        }
        let list: Vec<String> = self.conditions.iter().map(|c| c.to_string()).collect();
        Some(format!("note: the derivative holds where {}", list.join(" and ")))
    }
}

/// Derives `expr` with respect to `wrt` (`x`, `z[k]`, `W[p, q]`). Errors point into the input
/// at fault.
///
/// ```
/// let options = deltaform::derive::Options {
///     lets: vec!["yhat = softmax(z)".into()],
///     assume: vec!["sum(i, y[i]) = 1".into()],
///     ..Default::default()
/// };
/// let d = deltaform::derive("-sum(i, y[i]*log(softmax(z)[i]))", "z[k]", &options).unwrap();
/// assert_eq!(d.result().to_string(), "yhat[k] - y[k]");
/// ```
pub fn derive(expr: &str, wrt: &str, options: &Options) -> Result<Derivation, Box<Diagnostic>> {
    let parsed = match parse_statement(expr).map_err(|e| Box::new(Diagnostic::new(&e, "EXPR", expr)))? {
        Statement::Expr(e) => e,
        Statement::Equation(..) => {
            return Err(Box::new(Diagnostic::plain("not_an_expression", "derive takes an expression, not an equation")))
        }
    };
    let variable = Wrt::parse(wrt).map_err(|e| Box::new(Diagnostic::new(&e, "--wrt", wrt)))?;
    let (definitions, assumptions) = parse_context(&options.lets, &options.assume)?;
    derive_parsed(parsed, variable, definitions, assumptions, &options.limits, options.steps)
        .map_err(|e| Box::new(Diagnostic::new(&e, "EXPR", expr)))
}

/// Parses definitions (`--let`) and assumptions (`--assume`); errors point into the text at fault.
pub fn parse_context(lets: &[String], assume: &[String]) -> Result<(Definitions, Vec<Assumption>), Box<Diagnostic>> {
    let mut definitions = Definitions::default();
    for text in lets {
        let statement = parse_statement(text).map_err(|e| Box::new(Diagnostic::new(&e, "--let", text)))?;
        definitions.add(statement).map_err(|e| Box::new(Diagnostic::new(&e, "--let", text)))?;
    }
    let assumptions = assume
        .iter()
        .map(|text| Assumption::parse(text).map_err(|e| Box::new(Diagnostic::new(&e, "--assume", text))))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((definitions, assumptions))
}

/// [`derive`] on parsed inputs.
pub fn derive_parsed(
    expr: Expr,
    wrt: Wrt,
    definitions: Definitions,
    assumptions: Vec<Assumption>,
    limits: &Limits,
    steps: bool,
) -> Result<Derivation, crate::diff::DiffError> {
    let (raw, conditions) = differentiate_with_conditions(&expr, &wrt, &definitions)?;
    let started = std::time::Instant::now();
    let simplified = simplify(&raw, &definitions, &assumptions, limits, steps);
    let deadline = started + limits.time;
    let check = check(&expr, &wrt, &definitions, &assumptions, &simplified.expr, deadline);
    let mut warnings: Vec<String> = missing_variable(&expr, wrt.name(), &definitions).into_iter().collect();
    warnings.extend(unused_definitions(&expr, &simplified.expr, &definitions));
    warnings.extend(unused_assumptions(&expr, &assumptions, &simplified.assumptions_used, &definitions));
    Ok(Derivation { expr, wrt, definitions, assumptions, raw, conditions, simplified, check, warnings })
}

/// The most expression nodes one evaluation of the check visits: the check is a safeguard
/// that must not take longer than the derivation.
const CHECK_BUDGET: u64 = 2_000_000;

/// How many random points the numeric check tries.
const CHECK_POINTS: usize = 8;

/// Compares `result` with a central-difference derivative of `expr` at random points, until
/// `deadline` (a point started before it is finished).
fn check(
    expr: &Expr,
    wrt: &Wrt,
    defs: &Definitions,
    assumptions: &[Assumption],
    result: &Expr,
    deadline: std::time::Instant,
) -> Check {
    let inputs = Inputs::of([expr, result], defs);
    let mut rng = Rng::new(0x5eed);
    let mut agreed = 0;
    for attempt in 0..CHECK_POINTS * 4 {
        if agreed == CHECK_POINTS {
            break;
        }
        if std::time::Instant::now() > deadline {
            if agreed == 0 {
                return Check::Skipped("the time limit was reached before a point was checked".into());
            }
            break;
        }
        let n = 2 + attempt % 3;
        let Some(env) = inputs.point(&mut rng, n, assumptions) else {
            return Check::Skipped("an assumption cannot be made true at random points".into());
        };
        let Some(numeric) = numeric_derivative(expr, wrt, &inputs, &env, n) else { continue };
        let symbolic = match eval_within(result, &env, CHECK_BUDGET) {
            Err(EvalError::TooCostly { .. }) if agreed == 0 => {
                return Check::Skipped("evaluating the result at a point takes too long".into())
            }
            Err(EvalError::TooCostly { .. }) => break,
            other => other.ok().and_then(|v| v.as_scalar().cloned()),
        };
        let Some(symbolic) = symbolic else { continue };
        if !close(&symbolic, &crate::number::Number::Approx(numeric), 1e-4) {
            let point = env.iter().map(|(k, v)| format!("{k} = {}", v.format(6))).collect::<Vec<_>>().join(", ");
            return Check::Disagreed(point, symbolic.to_f64(), numeric);
        }
        agreed += 1;
    }
    if agreed == 0 {
        Check::Skipped("the expression has no value at the random points tried".into())
    } else {
        Check::Agreed(agreed)
    }
}

impl fmt::Display for Derivation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "d/d{} of {}", self.wrt, self.expr)?;
        for d in self.definitions.iter() {
            let lhs = if d.params.is_empty() { d.name.clone() } else { format!("{}[{}]", d.name, d.params.join(", ")) };
            writeln!(f, "  where {lhs} = {}", d.body)?;
        }
        for a in &self.assumptions {
            writeln!(f, "  assuming {a}")?;
        }
        writeln!(f, "= {}    (chain rule)", self.raw)?;
        for step in &self.simplified.steps {
            writeln!(f, "= {}    ({})", step.expr, step.rule)?;
        }
        if let Some(limit) = &self.simplified.limit_hit {
            writeln!(f, "{}", limit.note())?;
        }
        for (n, a) in self.assumptions.iter().enumerate() {
            if !self.simplified.assumptions_used.contains(&n) {
                writeln!(f, "note: the assumption {a} was not needed")?;
            }
        }
        if let Some(note) = self.conditions_note() {
            writeln!(f, "{note}")?;
        }
        write!(f, "{}", self.simplified.expr)
    }
}
