//! `deltaform derive`, `deltaform simplify` and `deltaform equiv`.

use super::expr_cmds::parse_source;
use super::{ExprFormat, Failure, Output, EXIT_NEGATIVE};
use crate::ast::{Expr, Statement};
use crate::defs::Definitions;
use crate::derive::{derive, parse_context, Check, Derivation, Options};
use crate::diagnostic::Diagnostic;
use crate::domain;
use crate::egraph::{prove_equal, simplify, Assumption, Limits, Simplified, Step};
use crate::latex::to_latex;
use crate::number::format_significant;
use crate::sample::compare::{compare, satisfiable, Evidence, Unsatisfiable, Verdict};
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
    fn limits(&self) -> Limits {
        Limits { nodes: self.node_limit, iterations: self.iter_limit, time: Duration::from_millis(self.time_limit_ms) }
    }
}

/// Definitions and assumptions, shared by `derive` and `simplify`.
#[derive(Args, Debug)]
pub struct ContextArgs {
    /// A definition, `yhat = softmax(z)` or `h[j] = sigmoid(z[j])`: seen through by the chain
    /// rule, folded back into its name in the result (repeatable).
    #[arg(long = "let", allow_hyphen_values = true)]
    lets: Vec<String>,
    /// An assumption, `sum(i, y[i]) = 1` (repeatable).
    #[arg(long, allow_hyphen_values = true)]
    assume: Vec<String>,
}

/// Arguments of `deltaform derive`.
#[derive(Args, Debug)]
pub struct DeriveArgs {
    /// The expression to differentiate.
    #[arg(allow_hyphen_values = true)]
    expr: String,
    /// The variable: a scalar `x` or a component with fresh index names, `z[k]`, `W[p, q]`.
    #[arg(long)]
    wrt: String,
    #[command(flatten)]
    context: ContextArgs,
    /// Print the derivation step by step before the result.
    #[arg(long)]
    steps: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: ExprFormat,
    #[command(flatten)]
    limits: LimitArgs,
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
    limits: LimitArgs,
}

/// Arguments of `deltaform equiv`.
#[derive(Args, Debug)]
pub struct EquivArgs {
    /// The first expression.
    #[arg(allow_hyphen_values = true)]
    a: String,
    /// The second expression.
    #[arg(allow_hyphen_values = true)]
    b: String,
    /// Print the chain of rewrites from A to B, one per line, rule named.
    #[arg(long)]
    explain: bool,
    /// An assumption (repeatable).
    #[arg(long, allow_hyphen_values = true)]
    assume: Vec<String>,
    /// Output format (text or json).
    #[arg(long, value_enum, default_value_t)]
    format: ExprFormat,
    #[command(flatten)]
    limits: LimitArgs,
}

/// Prints the derivative, simplified; with `--steps`, the worked derivation first.
pub fn derive_cmd(args: &DeriveArgs) -> Result<Output, Failure> {
    let options = Options {
        lets: args.context.lets.clone(),
        assume: args.context.assume.clone(),
        limits: args.limits.limits(),
        steps: args.steps || args.format == ExprFormat::Json,
    };
    let d = derive(&args.expr, &args.wrt, &options).map_err(|e| Failure::new(*e, args.format))?;
    if let Check::Disagreed(point, symbolic, numeric) = &d.check {
        let message = format!(
            "internal error: the derivative {} disagrees with a numeric derivative at {point} ({symbolic} vs {numeric}); please report this",
            d.result()
        );
        return Err(Failure::new(Diagnostic::plain("internal_error", message), args.format));
    }
    let stdout = match args.format {
        ExprFormat::Json => format!("{}\n", derivation_json(&d)),
        ExprFormat::Latex => derivation_latex(&d, args.steps),
        ExprFormat::Text if args.steps => format!("{d}\n"),
        ExprFormat::Text => {
            let conditions = d.conditions_note().map(|n| format!("{n}\n")).unwrap_or_default();
            format!("{}{conditions}{}\n", notes(&d.simplified), d.result())
        }
    };
    Ok(Output::ok(stdout).with_warnings(d.warnings.clone()))
}

/// Lines saying a limit was hit, before a bare result.
fn notes(s: &Simplified) -> String {
    s.limit_hit.as_ref().map(|limit| format!("{}\n", limit.note())).unwrap_or_default()
}

fn steps_json(steps: &[Step]) -> serde_json::Value {
    json!(steps
        .iter()
        .map(|s| json!({"rule": s.rule, "expr": s.expr.to_string(), "latex": to_latex(&s.expr)}))
        .collect::<Vec<_>>())
}

fn derivation_json(d: &Derivation) -> serde_json::Value {
    let mut steps = vec![json!({"rule": "chain rule", "expr": d.raw.to_string(), "latex": to_latex(&d.raw)})];
    if let serde_json::Value::Array(rest) = steps_json(&d.simplified.steps) {
        steps.extend(rest);
    }
    let used: Vec<String> = d.simplified.assumptions_used.iter().map(|&i| d.assumptions[i].to_string()).collect();
    let used_at: Vec<serde_json::Value> = d
        .assumptions
        .iter()
        .map(|a| {
            let at: Vec<usize> =
                steps.iter().enumerate().filter(|(_, s)| s["rule"] == a.rule_name().as_str()).map(|(n, _)| n).collect();
            json!({"assumption": a.to_string(), "used_at_steps": at})
        })
        .collect();
    let check = match &d.check {
        Check::Agreed(n) => json!({"status": "agreed", "points": n}),
        Check::Skipped(why) => json!({"status": "skipped", "reason": why}),
        Check::Disagreed(p, s, n) => json!({"status": "disagreed", "point": p, "symbolic": s, "numeric": n}),
    };
    json!({
        "result": d.result().to_string(),
        "latex": to_latex(d.result()),
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

fn derivation_latex(d: &Derivation, steps: bool) -> String {
    let lhs =
        format!("\\frac{{\\partial}}{{\\partial {}}}\\left({}\\right)", to_latex(&d.wrt.to_expr()), to_latex(&d.expr));
    if !steps {
        return format!("{lhs} = {}\n", to_latex(d.result()));
    }
    let mut out = format!("\\begin{{aligned}}\n{lhs} &= {} && \\text{{chain rule}}", to_latex(&d.raw));
    for s in &d.simplified.steps {
        out.push_str(&format!(" \\\\\n&= {} && \\text{{{}}}", to_latex(&s.expr), s.rule.replace('_', "\\_")));
    }
    out.push_str("\n\\end{aligned}\n");
    out
}

/// Parses the `--let` and `--assume` texts.
fn context(lets: &[String], assume: &[String], format: ExprFormat) -> Result<(Definitions, Vec<Assumption>), Failure> {
    parse_context(lets, assume).map_err(|e| Failure::new(*e, format))
}

fn expression(src: &str, name: &str, format: ExprFormat) -> Result<Expr, Failure> {
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
    let expr = expression(&args.expr, "EXPR", args.format)?;
    let (defs, assumptions) = context(&args.context.lets, &args.context.assume, args.format)?;
    let explain = args.steps || args.format == ExprFormat::Json;
    let s = simplify(&expr, &defs, &assumptions, &args.limits.limits(), explain);
    let mut warnings = unused_definitions(&expr, &s.expr, &defs);
    warnings.extend(unused_assumptions(&expr, &assumptions, &s.assumptions_used, &defs));
    let caveats: Vec<String> = domain::lost(&expr, &s.expr)
        .iter()
        .map(|c| format!("note: the input has a value only where {c}; the result equals it there"))
        .collect();
    let stdout = match args.format {
        ExprFormat::Json => format!(
            "{}\n",
            json!({
                "result": s.expr.to_string(),
                "latex": to_latex(&s.expr),
                "steps": steps_json(&s.steps),
                "limits_hit": s.limit_hit.as_ref().map(|l| l.to_string()),
                "assumptions_used": s.assumptions_used.iter().map(|&i| assumptions[i].to_string()).collect::<Vec<_>>(),
                "caveats": caveats,
                "warnings": warnings,
            })
        ),
        ExprFormat::Latex => format!("{}\n", to_latex(&s.expr)),
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

/// Decides whether two expressions are equal: by proof, else numerically, with a
/// counterexample when they differ, the strength of the evidence when they agree, and a caveat
/// when they agree only where both are defined.
pub fn equiv_cmd(args: &EquivArgs) -> Result<Output, Failure> {
    let a = expression(&args.a, "A", args.format)?;
    let b = expression(&args.b, "B", args.format)?;
    let (_, assumptions) = context(&[], &args.assume, args.format)?;
    let limits = args.limits.limits();
    // Contradictory assumptions would let the rewriting prove anything.
    satisfiable(&a, &b, &assumptions).map_err(|e| Failure::new(unsatisfiable(e, &args.assume), args.format))?;
    if let Some(steps) = prove_equal(&a, &b, &assumptions, &limits) {
        let plural = if steps.len() == 1 { "" } else { "s" };
        let caveats: Vec<String> = [("A", &a, &b), ("B", &b, &a)]
            .iter()
            .flat_map(|(name, this, other)| {
                domain::lost(this, other).into_iter().map(move |c| format!("{name} has a value only where {c}"))
            })
            .collect();
        let scope = if caveats.is_empty() { "" } else { ", where both sides have a value" };
        let mut text = format!("equal: proved by rewriting ({} step{plural}){scope}\n", steps.len());
        for caveat in &caveats {
            text.push_str(&format!("caveat: {caveat}\n"));
        }
        if args.explain {
            text.push_str(&format!("  {a}\n"));
            for s in &steps {
                text.push_str(&format!("= {}    ({})\n", s.expr, s.rule));
            }
        }
        let out = match args.format {
            ExprFormat::Json => {
                format!("{}\n", json!({"equal": true, "how": "proof", "steps": steps_json(&steps), "caveats": caveats}))
            }
            _ => text,
        };
        return Ok(Output::ok(out));
    }
    let (json_value, text, code) = match compare(&a, &b, &assumptions) {
        Verdict::Differ(c) => (
            json!({"equal": false, "how": "numeric", "counterexample": c.point, "a": c.a, "b": c.b}),
            format!("not equal: at {}\n  A = {}\n  B = {}\n", c.point, c.a, c.b),
            EXIT_NEGATIVE,
        ),
        Verdict::Agree(evidence) => {
            let mut text = format!("equal: numerically (not proved): {}\n", strength(&evidence));
            if let Some(o) = &evidence.one_sided {
                text.push_str(&format!(
                    "caveat: equal only where both are defined: at {}, {} is undefined while the other is {}\n",
                    o.point, o.undefined, o.other
                ));
            }
            let caveat = evidence
                .one_sided
                .as_ref()
                .map(|o| json!({"point": o.point, "undefined": o.undefined, "other": o.other}));
            let json_value = json!({
                "equal": true, "how": "numeric", "points": evidence.points, "caveat": caveat, "evidence": evidence_json(&evidence),
            });
            (json_value, text, 0)
        }
        Verdict::Unknown(evidence) => {
            let why = if evidence.unreliable > 0 {
                format!(
                    "at every point tried one side has no value or f64 rounding could hide a difference ({} points)",
                    evidence.unreliable
                )
            } else {
                "no point tried gives both sides a value".to_string()
            };
            (
                json!({"equal": null, "how": "none", "evidence": evidence_json(&evidence)}),
                format!("unknown: not proved, and {why}\n"),
                super::EXIT_BAD_INPUT,
            )
        }
    };
    let stdout = if args.format == ExprFormat::Json { format!("{json_value}\n") } else { text };
    Ok(Output { stdout, warnings: vec![], code })
}

/// The evidence of a numeric "equal" in words: `600 points agree, 412 of them exactly,
/// including 14 at or beside breakpoints; largest relative difference 2e-16`.
fn strength(e: &Evidence) -> String {
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    let mut text = format!("{} point{} agree{}", e.points, plural(e.points), if e.points == 1 { "s" } else { "" });
    text.push_str(&match e.exact {
        n if n == e.points => ", all exactly".to_string(),
        0 => String::new(),
        n => format!(", {n} of them exactly"),
    });
    if e.breakpoints > 0 {
        text.push_str(&format!(", including {} at or beside breakpoints", e.breakpoints));
    }
    if e.exact < e.points {
        text.push_str(&format!("; largest relative difference {}", format_significant(e.max_relative_difference, 2)));
    }
    if e.unreliable > 0 {
        text.push_str(&format!(
            "; {} point{} skipped where f64 rounding could hide a difference",
            e.unreliable,
            plural(e.unreliable)
        ));
    }
    text
}

fn evidence_json(e: &Evidence) -> serde_json::Value {
    json!({
        "points": e.points,
        "exact": e.exact,
        "breakpoints": e.breakpoints,
        "unreliable": e.unreliable,
        "max_relative_difference": e.max_relative_difference,
    })
}

/// The error for assumptions that cannot be made true, pointing at the one to blame.
fn unsatisfiable(e: Unsatisfiable, texts: &[String]) -> Diagnostic {
    let (kind, k, message) = match e {
        Unsatisfiable::Alone(k) => {
            ("unsatisfiable_assumption", k, "this assumption cannot be made true at any point tried")
        }
        Unsatisfiable::Together(k) => (
            "contradictory_assumptions",
            k,
            "this assumption contradicts the others: no point tried satisfies them all",
        ),
    };
    let text = texts.get(k).cloned().unwrap_or_default();
    Diagnostic {
        kind: kind.to_string(),
        message: message.to_string(),
        span: Some(0..text.len()),
        help: Some("remove or correct one of the assumptions".to_string()),
        source_name: "--assume".to_string(),
        source: text,
    }
}
