//! `deltaform derive` and `deltaform simplify`, and the arguments they share with `deltaform
//! equiv`.

use super::at_value::{AtArgs, AtValue};
use super::expr_cmds::parse_source;
use super::latex_output::{self, LatexArgs};
use super::{ExprFormat, Failure, Output};
use crate::defs::Definitions;
use crate::derive::{derive, parse_context, Check, Derivation, Options};
use crate::domain;
use crate::egraph::{simplify_shown, Assumption, Limits, Simplified, Step};
use crate::syntax::ast::{Expr, Statement};
use crate::syntax::declared::{declare, Declaration};
use crate::syntax::diagnostic::Diagnostic;
use crate::syntax::latex::{to_latex_with, LatexStyle};
use crate::warnings::{unused_assumptions, unused_definitions};
use clap::Args;
use serde_json::json;
use std::time::Duration;

/// Bounds on the e-graph, shared by the commands that simplify.
#[derive(Args, Debug, Clone)]
pub struct LimitArgs {
    /// Most e-nodes before simplification stops.
    #[arg(long, default_value_t = Limits::default().nodes)]
    node_limit: usize,
    /// Most rewrite iterations.
    #[arg(long, default_value_t = Limits::default().iterations)]
    iter_limit: usize,
    /// Most milliseconds of rewriting.
    #[arg(long, default_value_t = Limits::default().time.as_millis() as u64)]
    time_limit_ms: u64,
}

impl LimitArgs {
    /// The bounds given.
    pub(super) fn limits(&self) -> Limits {
        Limits { nodes: self.node_limit, iterations: self.iter_limit, time: Duration::from_millis(self.time_limit_ms) }
    }
}

/// Definitions and assumptions, shared by `derive`, `simplify` and `equiv`.
#[derive(Args, Debug)]
pub struct ContextArgs {
    /// A definition, `yhat = softmax(z)` or `h[j] = sigmoid(z[j])`: seen through by the chain
    /// rule and folded back into its name in a result; `equiv` substitutes it on both sides
    /// (repeatable).
    #[arg(long = "let", allow_hyphen_values = true)]
    pub(super) lets: Vec<String>,
    /// An assumption, `sum(i, y[i]) = 1`, or a sign, `z1 < 0` (repeatable).
    #[arg(long, allow_hyphen_values = true)]
    pub(super) assume: Vec<String>,
    /// Functions without a definition, `f, g`: `f(x)` and `g(x, y)` are then read as applied,
    /// and their derivatives written `f'(x)` and `d_1 g(x, y)` (repeatable).
    #[arg(long = "fn")]
    pub(super) functions: Vec<String>,
}

impl ContextArgs {
    /// Declares `--fn`'s functions for the parser while the result lives.
    pub(super) fn declare(&self, format: ExprFormat) -> Result<Declaration, Failure> {
        declare(&self.functions)
            .map_err(|m| Failure::new(Diagnostic::plain("bad_function", format!("--fn: {m}")), format))
    }
}

/// Arguments of `deltaform derive`.
#[derive(Args, Debug)]
pub struct DeriveArgs {
    /// The expression to differentiate.
    #[arg(allow_hyphen_values = true)]
    pub(super) expr: String,
    /// The variable: a scalar `x` or a component with fresh index names, `z[k]`, `W[p, q]`;
    /// with `--shape`, a whole vector or matrix, `W`.
    #[arg(long)]
    pub(super) wrt: String,
    /// Shapes of vectors and matrices, `W: 3x4, x: 4, b: n` (repeatable): the expression is
    /// then a matrix expression (`W*x` the matrix product, `x^T` the transpose), and the
    /// derivative by a whole vector or matrix is answered in matrix form.
    #[arg(long = "shape", allow_hyphen_values = true)]
    pub(super) shapes: Vec<String>,
    #[command(flatten)]
    pub(super) context: ContextArgs,
    #[command(flatten)]
    pub(super) at: AtArgs,
    /// Print the derivation step by step before the result.
    #[arg(long)]
    pub(super) steps: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub(super) format: ExprFormat,
    #[command(flatten)]
    pub(super) latex: LatexArgs,
    #[command(flatten)]
    pub(super) limits: LimitArgs,
}

/// Arguments of `deltaform simplify`.
#[derive(Args, Debug)]
pub struct SimplifyArgs {
    /// The expression to simplify.
    #[arg(allow_hyphen_values = true)]
    expr: String,
    #[command(flatten)]
    context: ContextArgs,
    /// Print the rewrite steps before the result.
    #[arg(long)]
    steps: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: ExprFormat,
    #[command(flatten)]
    latex: LatexArgs,
    #[command(flatten)]
    limits: LimitArgs,
}

/// Prints the derivative, simplified; with `--steps`, the worked derivation first.
pub fn derive_cmd(args: &DeriveArgs) -> Result<Output, Failure> {
    args.latex.check(args.format)?;
    let _declared = args.context.declare(args.format)?;
    let env = args.at.env(args.format)?;
    let whole_value = env.as_ref().and_then(|env| env.get(&args.wrt)).is_some_and(|v| v.rank() > 0);
    if !args.shapes.is_empty() || whole_value {
        return super::matrix_cmd::derive_matrix_cmd(args, env);
    }
    let style = args.latex.style();
    let options = Options {
        lets: args.context.lets.clone(),
        assume: args.context.assume.clone(),
        limits: args.limits.limits(),
        steps: args.steps,
    };
    let d = derive(&args.expr, &args.wrt, &options).map_err(|e| Failure::new(*e, args.format))?;
    if let Some(message) = d.disagreement() {
        return Err(Failure::new(Diagnostic::plain("internal_error", message), args.format));
    }
    let value = env.map(|env| AtValue::new(&args.at, d.value_at(&env), args.format)).transpose()?;
    let stdout = match args.format {
        ExprFormat::Json => {
            let mut object = derivation_json(&d, style);
            if let Some(value) = &value {
                value.json(&mut object);
            }
            format!("{object}\n")
        }
        ExprFormat::Latex => {
            let mut blocks = latex_output::derivation(&d, args.steps, style);
            blocks.extend(value.iter().flat_map(|v| v.latex(style)));
            args.latex.print(&blocks)
        }
        ExprFormat::Text => {
            let value = value.map(|v| v.text()).unwrap_or_default();
            if args.steps {
                format!("{value}{d}\n")
            } else {
                let conditions = d.conditions_note().map(|n| format!("{n}\n")).unwrap_or_default();
                format!("{value}{}{conditions}{}\n", notes(&d.simplified), d.result())
            }
        }
    };
    Ok(Output::ok(stdout).with_warnings(d.warnings.clone()))
}

/// Lines saying a limit was hit, before a bare result.
fn notes(s: &Simplified) -> String {
    s.limit_hit.as_ref().map(|limit| format!("{}\n", limit.note())).unwrap_or_default()
}

/// Rewrite steps as JSON: rule, expression and its LaTeX.
pub(super) fn steps_json(steps: &[Step], style: LatexStyle) -> serde_json::Value {
    json!(steps
        .iter()
        .map(|s| json!({"rule": s.rule, "expr": s.expr.to_string(), "latex": to_latex_with(&s.expr, style)}))
        .collect::<Vec<_>>())
}

pub(super) fn derivation_json(d: &Derivation, style: LatexStyle) -> serde_json::Value {
    let steps: Vec<serde_json::Value> =
        d.worked(style).into_iter().map(|l| json!({"rule": l.rule, "expr": l.text, "latex": l.latex})).collect();
    let used: Vec<String> = d.simplified.assumptions_used.iter().map(|&i| d.assumptions[i].to_string()).collect();
    let used_at: Vec<serde_json::Value> = d
        .assumptions
        .iter()
        .map(|a| {
            let at: Vec<usize> = steps
                .iter()
                .enumerate()
                .filter(|(_, s)| names_rule(&s["rule"], &a.rule_name()))
                .map(|(n, _)| n)
                .collect();
            json!({"assumption": a.to_string(), "used_at_steps": at})
        })
        .collect();
    let check = match &d.check {
        Check::Agreed(n) => json!({"status": "agreed", "points": n}),
        Check::Skipped(why) => json!({"status": "skipped", "reason": why}),
        Check::Disagreed(p, s, n) => json!({"status": "disagreed", "point": p, "symbolic": s, "numeric": n}),
        Check::NotRun => json!({"status": "not run"}),
    };
    json!({
        "result": d.result().to_string(),
        "latex": to_latex_with(d.result(), style),
        "raw": d.raw.to_string(),
        "steps": steps,
        "limits_hit": d.simplified.limit_hit.as_ref().map(|l| l.to_string()),
        "assumptions_used": used,
        "assumptions": used_at,
        "conditions": d.conditions.iter().map(|c| c.to_string()).collect::<Vec<_>>(),
        "warnings": d.warnings,
        "numeric_check": check,
        "egraph": {"nodes": d.simplified.nodes, "classes": d.simplified.classes, "iterations": d.simplified.iterations},
    })
}

/// Whether a step's label (rules joined by `; `) names `rule`.
fn names_rule(label: &serde_json::Value, rule: &str) -> bool {
    label.as_str().is_some_and(|l| l.split("; ").any(|r| r == rule))
}

/// Parses the `--let` and `--assume` texts.
pub(super) fn context(
    lets: &[String],
    assume: &[String],
    format: ExprFormat,
) -> Result<(Definitions, Vec<Assumption>), Failure> {
    parse_context(lets, assume).map_err(|e| Failure::new(*e, format))
}

/// Parses an expression argument named `name`; an equation is an error.
pub(super) fn expression(src: &str, name: &str, format: ExprFormat) -> Result<Expr, Failure> {
    match parse_source(src, name, format)? {
        Statement::Expr(e) => Ok(e),
        Statement::Equation(..) => Err(Failure::new(
            Diagnostic::plain("not_an_expression", format!("{name} must be an expression, not an equation")),
            format,
        )),
    }
}

/// Prints the simplest equivalent expression found.
pub fn simplify_cmd(args: &SimplifyArgs) -> Result<Output, Failure> {
    args.latex.check(args.format)?;
    let _declared = args.context.declare(args.format)?;
    let style = args.latex.style();
    let expr = expression(&args.expr, "EXPR", args.format)?;
    let (defs, assumptions) = context(&args.context.lets, &args.context.assume, args.format)?;
    let explain = args.steps;
    let refutes = crate::derive::refutes(&defs);
    let s = simplify_shown(&expr, explain.then_some(&expr), &defs, &assumptions, &args.limits.limits(), &refutes);
    let mut warnings = unused_definitions(&expr, &s.expr, &defs);
    warnings.extend(unused_assumptions(&expr, &assumptions, &s.assumptions_used, &defs));
    let caveats: Vec<String> = domain::lost(&expr, &s.expr)
        .iter()
        .map(|c| {
            let caveat = c.caveat("the input", "the result");
            if c.only_if_nonempty.is_empty() {
                format!("note: {caveat}; the result equals it there")
            } else {
                format!("note: {caveat}")
            }
        })
        .collect();
    let stdout = match args.format {
        ExprFormat::Json => format!(
            "{}\n",
            json!({
                "result": s.expr.to_string(),
                "latex": to_latex_with(&s.expr, style),
                "steps": steps_json(&s.steps, style),
                "limits_hit": s.limit_hit.as_ref().map(|l| l.to_string()),
                "assumptions_used": s.assumptions_used.iter().map(|&i| assumptions[i].to_string()).collect::<Vec<_>>(),
                "caveats": caveats,
                "warnings": warnings,
            })
        ),
        ExprFormat::Latex => {
            let steps = args.steps.then_some(s.steps.as_slice());
            let notes: Vec<String> = caveats.iter().cloned().chain(s.limit_hit.as_ref().map(|l| l.note())).collect();
            args.latex.print(&latex_output::simplification(&expr, &s.expr, steps, &notes, style))
        }
        ExprFormat::Text => {
            let steps: String = if args.steps {
                s.steps.iter().map(|st| format!("= {}    ({})\n", st.expr, st.rule)).collect()
            } else {
                String::new()
            };
            let caveats: String = caveats.iter().map(|c| format!("{c}\n")).collect();
            format!("{steps}{}{caveats}{}\n", notes(&s), s.expr)
        }
    };
    Ok(Output::ok(stdout).with_warnings(warnings))
}
