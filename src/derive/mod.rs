//! A whole derivation: parse the inputs, differentiate, simplify in the e-graph, and check the
//! result against a numeric derivative (extrapolated central differences) at sample points. This
//! is the library API (`deltaform::derive`) and what `deltaform derive` prints.

mod at;
mod given;
mod instances;
mod needed;
mod self_check;

pub use at::{check_point, outside, value_at};
pub use given::givens_hold;
pub use needed::refutes;

use crate::defs::Definitions;
use crate::diff::{differentiate_with_conditions, worked_chain_rule, Condition, WorkedChain, Wrt};
use crate::egraph::{join_rules, only_orders, simplify_shown, Assumption, Limits, Simplified};
use crate::signs::Given;
use crate::syntax::ast::{Expr, Node, Statement};
use crate::syntax::diagnostic::Diagnostic;
use crate::syntax::latex::{derivative_latex, to_latex_with, LatexStyle};
use crate::syntax::parse::parse_statement;
use crate::warnings::{missing_variable, unused_assumptions, unused_definitions};
use std::fmt;
use std::time::Instant;

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
    /// They agreed at this many sample points.
    Agreed(usize),
    /// No point could be checked, and why.
    Skipped(String),
    /// They disagreed: the point, the symbolic value, the numeric value.
    Disagreed(String, f64, f64),
    /// The check was not asked for.
    NotRun,
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
    /// The signs given (`z1 < 0`): the result holds where they do.
    pub givens: Vec<Given>,
    /// The derivative straight from the chain rule (what numbers are evaluated from).
    pub raw: Expr,
    /// The chain rule as a student writes it, line by line, and the derivative it gives (what
    /// is simplified).
    pub chain: WorkedChain,
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
    /// The internal error to report when the numeric check disagreed with the result (an
    /// engine bug: the result must not be printed as an answer).
    pub fn disagreement(&self) -> Option<String> {
        let Check::Disagreed(point, symbolic, numeric) = &self.check else { return None };
        Some(format!(
            "internal error: the derivative {} disagrees with a numeric derivative at {point} ({symbolic} vs {numeric}); please report this",
            self.result()
        ))
    }

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
    let (equations, givens) = split_givens(&options.assume)?;
    let (definitions, assumptions) = parse_context(&options.lets, &equations)?;
    let limits = options.limits.clone();
    let context = Context { definitions, assumptions, givens, limits, steps: options.steps, self_check: true };
    derive_parsed(parsed, variable, context).map_err(|e| Box::new(Diagnostic::new(&e, "EXPR", expr)))
}

/// Splits assumptions into equations (`sum(i, y[i]) = 1`) and signs (`z1 < 0`, read as givens).
pub fn split_givens(assume: &[String]) -> Result<(Vec<String>, Vec<Given>), Box<Diagnostic>> {
    let mut equations = vec![];
    let mut givens = vec![];
    for text in assume {
        if text.contains(['<', '>', '≤', '≥']) {
            let given = Given::parse(text)
                .map_err(|m| Box::new(Diagnostic::plain("bad_assumption", format!("--assume: {m}"))))?;
            givens.push(given);
        } else {
            equations.push(text.clone());
        }
    }
    crate::signs::consistent(&givens)
        .map_err(|m| Box::new(Diagnostic::plain("bad_assumption", format!("--assume: {m}"))))?;
    Ok((equations, givens))
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

/// Whether `e` uses a function that exists only in matrix form (`sum(v)`, `transpose`, ...).
fn in_matrix_form(e: &Expr) -> bool {
    matches!(&e.node, Node::Call(f, _) if f.is_matrix_form()) || e.children().into_iter().any(in_matrix_form)
}

/// What a derivation of parsed inputs takes besides the expression and the variable.
#[derive(Clone, Debug, Default)]
pub struct Context {
    /// Definitions the chain rule sees through and the simplifier folds back.
    pub definitions: Definitions,
    /// Assumptions the simplifier may use.
    pub assumptions: Vec<Assumption>,
    /// Signs known for names (`z1 < 0`), folded into the simplified derivative.
    pub givens: Vec<Given>,
    /// Bounds on the e-graph.
    pub limits: Limits,
    /// Whether to record the simplification steps.
    pub steps: bool,
    /// Whether to compare the result with a numeric derivative ([`Check::NotRun`] otherwise).
    pub self_check: bool,
}

/// [`derive()`] on parsed inputs: the one pipeline every derivation goes through (the CLI, the
/// exercise runner and the checker).
pub fn derive_parsed(expr: Expr, wrt: Wrt, context: Context) -> Result<Derivation, crate::diff::DiffError> {
    let Context { definitions, assumptions, givens, limits, steps, self_check } = context;
    if let Some(a) = assumptions.iter().find(|a| in_matrix_form(&a.lhs) || in_matrix_form(&a.rhs)) {
        let message = format!(
            "the assumption `{a}` is in matrix form: write it in index form (`sum(i, y[i]) = 1`), or declare the shapes with --shape"
        );
        return Err(crate::diff::DiffError::new(&message, a.lhs.span.clone()));
    }
    let (raw, conditions) = differentiate_with_conditions(&expr, &wrt, &definitions)?;
    let chain = worked_chain_rule(&expr, &wrt, &definitions)?;
    let started = Instant::now();
    let shown = chain.lines.last().map(|l| &l.expr).filter(|_| steps);
    let simplified =
        simplify_shown(&chain.derivative, shown, &definitions, &assumptions, &limits, &refutes(&definitions));
    let check = if !self_check {
        Check::NotRun
    } else if instances::applies_declared(&expr) || definitions.iter().any(|d| instances::applies_declared(&d.body)) {
        // Declared functions have no value: the check runs on a concrete instance of them.
        match (
            instances::concrete(&expr),
            instances::concrete(&simplified.expr),
            instances::concrete_definitions(&definitions),
        ) {
            (Some(e), Some(r), Some(defs)) => {
                self_check::check(&e, &wrt, &defs, &assumptions, &r, started + limits.time)
            }
            _ => Check::Skipped("a declared function's derivative has no instance to check it with".into()),
        }
    } else {
        self_check::check(&expr, &wrt, &definitions, &assumptions, &simplified.expr, started + limits.time)
    };
    let (simplified, fold_warning) = if givens.is_empty() {
        (simplified, None)
    } else {
        given::fold_givens(simplified, &expr, &givens, &definitions, &assumptions, &limits)
    };
    let mut warnings: Vec<String> = missing_variable(&expr, wrt.name(), &definitions).into_iter().collect();
    warnings.extend(fold_warning);
    warnings.extend(unused_definitions(&expr, &simplified.expr, &definitions));
    warnings.extend(unused_assumptions(&expr, &assumptions, &simplified.assumptions_used, &definitions));
    Ok(Derivation { expr, wrt, definitions, assumptions, givens, raw, chain, conditions, simplified, check, warnings })
}

/// One line of a worked derivation: the expression after a step, as text and as LaTeX, and
/// the rules the step used.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkedLine {
    /// The rules used, such as `linearity; power rule`.
    pub rule: String,
    /// The expression, pending derivatives written `∂/∂z[k](u)`.
    pub text: String,
    /// The expression in LaTeX.
    pub latex: String,
}

impl Derivation {
    /// The worked derivation: the chain rule line by line, then the simplification's steps;
    /// LaTeX in `style`.
    pub fn worked(&self, style: LatexStyle) -> Vec<WorkedLine> {
        let wrt = self.wrt.to_expr();
        let latex = |e: &Expr| to_latex_with(e, style);
        let partial = |of: &Expr| derivative_latex(of, &wrt, style);
        let chain = self.chain.lines.iter().map(|line| WorkedLine {
            rule: line.rule.clone(),
            text: line.render(&|e| e.to_string(), &|of| format!("∂/∂{}({of})", self.wrt)),
            latex: line.render(&latex, &partial),
        });
        let algebra = self.simplified.steps.iter().map(|step| WorkedLine {
            rule: step.rule.clone(),
            text: step.expr.to_string(),
            latex: latex(&step.expr),
        });
        let mut lines: Vec<WorkedLine> = chain.collect();
        for line in algebra {
            match lines.last_mut() {
                // Only putting the result in order: not a line of its own.
                Some(last) if only_orders(&line.rule) => {
                    last.rule = join_rules([last.rule.as_str(), line.rule.as_str()]);
                    (last.text, last.latex) = (line.text, line.latex);
                }
                _ => lines.push(line),
            }
        }
        lines
    }
}

impl fmt::Display for Derivation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "d/d{} of {}", self.wrt, self.expr)?;
        for d in self.definitions.iter() {
            writeln!(f, "  where {}", d.statement())?;
        }
        for a in &self.assumptions {
            writeln!(f, "  assuming {a}")?;
        }
        for g in &self.givens {
            writeln!(f, "  given {g}")?;
        }
        for line in self.worked(LatexStyle::default()) {
            writeln!(f, "= {}    ({})", line.text, line.rule)?;
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
