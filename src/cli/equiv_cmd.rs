//! `deltaform equiv`: whether two expressions are equal, by proof or else numerically, under
//! definitions, assumptions and fixed vector lengths.

use super::dims::{fix_lengths, parse_dims, Dim};
use super::engine_cmds::{context, expression, steps_json, ContextArgs, LimitArgs};
use super::latex_output::{self, LatexArgs, Relation};
use super::{ExprFormat, Failure, Output, EXIT_NEGATIVE, EXIT_UNDECIDED};
use crate::defs::Definitions;
use crate::domain;
use crate::egraph::{prove_equal, Assumption, Step};
use crate::eval::number::format_significant;
use crate::sample::compare::{compare, satisfiable, Evidence, Unsatisfiable, Verdict};
use crate::sample::Sampler;
use crate::syntax::ast::{BinOp, Expr};
use crate::syntax::diagnostic::Diagnostic;
use crate::syntax::names::Fresh;
use crate::warnings::unused_definitions;
use clap::Args;
use serde_json::json;

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
    #[command(flatten)]
    context: ContextArgs,
    /// The length of a vector at the numeric check's points, `p=3` or `p=3, q=2` (repeatable);
    /// other vectors take lengths 1 to 8.
    #[arg(long = "dim")]
    dims: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: ExprFormat,
    #[command(flatten)]
    latex: LatexArgs,
    #[command(flatten)]
    limits: LimitArgs,
}

/// The two sides and the assumptions with every definition substituted: what the rewriting
/// proves equal.
struct Expanded {
    a: Expr,
    b: Expr,
    assumptions: Vec<Assumption>,
}

/// Decides whether two expressions are equal: by proof, else numerically, with a
/// counterexample when they differ, the strength of the evidence when they agree, and a caveat
/// when they agree only where both are defined. Exit 1 when they differ, 3 when undecided.
pub fn equiv_cmd(args: &EquivArgs) -> Result<Output, Failure> {
    let fail = |d: Box<Diagnostic>| Failure::new(*d, args.format);
    args.latex.check(args.format)?;
    let _declared = args.context.declare(args.format)?;
    let a = expression(&args.a, "A", args.format)?;
    let b = expression(&args.b, "B", args.format)?;
    let (defs, assumptions) = context(&args.context.lets, &args.context.assume, args.format)?;
    let dims = parse_dims(&args.dims).map_err(fail)?;
    let x = expand(args, &defs, &a, &b, &assumptions).map_err(fail)?;
    // The definitions are written out for the numeric check too, where the evaluator sees
    // through them (`log(softmax(z)[i])` has a value where softmax(z)[i] underflows to 0);
    // the sampler evaluates those used whole (`softmax(h)` for `h[j] = ...`) into each point.
    let mut sampler = Sampler::new([&x.a, &x.b], &defs, &x.assumptions);
    fix_lengths(&mut sampler, &dims, &args.dims).map_err(fail)?;
    // Contradictory assumptions would let the rewriting prove anything.
    satisfiable(&sampler).map_err(|e| Failure::new(unsatisfiable(e, &args.context.assume), args.format))?;
    let all = everything(&a, &b, &assumptions);
    let warnings = unused_definitions(&all, &all, &defs);
    let output = match prove_equal(&x.a, &x.b, &x.assumptions, &args.limits.limits()) {
        Some(steps) => proved(args, (&a, &b), &x, steps),
        None if args.format == ExprFormat::Latex => {
            numeric_latex(args, (&a, &b), numeric(args.format, compare(&x.a, &x.b, &sampler), &dims))
        }
        None => numeric(args.format, compare(&x.a, &x.b, &sampler), &dims),
    };
    Ok(output.with_warnings(warnings))
}

/// The sides and assumptions with the definitions substituted; an error points at a defined
/// name used with the wrong number of indices.
fn expand(
    args: &EquivArgs,
    defs: &Definitions,
    a: &Expr,
    b: &Expr,
    assumptions: &[Assumption],
) -> Result<Expanded, Box<Diagnostic>> {
    let mut fresh = Fresh::avoiding([a, b].into_iter().chain(defs.iter().map(|d| &d.body)));
    for assumption in assumptions {
        fresh.reserve_all(&assumption.lhs);
        fresh.reserve_all(&assumption.rhs);
    }
    let mut side = |e: &Expr, name: &str, text: &str| {
        defs.expand(e, &mut fresh).map_err(|err| Box::new(Diagnostic::new(&err, name, text)))
    };
    let (xa, xb) = (side(a, "A", &args.a)?, side(b, "B", &args.b)?);
    let xassumptions = assumptions
        .iter()
        .zip(&args.context.assume)
        .map(|(assumption, text)| {
            Ok(Assumption {
                lhs: side(&assumption.lhs, "--assume", text)?,
                rhs: side(&assumption.rhs, "--assume", text)?,
            })
        })
        .collect::<Result<_, Box<Diagnostic>>>()?;
    Ok(Expanded { a: xa, b: xb, assumptions: xassumptions })
}

/// Both sides and the assumptions as one expression, for telling which definitions are used.
fn everything(a: &Expr, b: &Expr, assumptions: &[Assumption]) -> Expr {
    let sides = assumptions.iter().flat_map(|x| [&x.lhs, &x.rhs]);
    sides.fold(Expr::binary(BinOp::Add, a.clone(), b.clone()), |all, e| Expr::binary(BinOp::Add, all, e.clone()))
}

/// The answer when the rewriting proved the sides equal (with the definitions substituted
/// as the first and last steps where they change a side).
fn proved(args: &EquivArgs, (a, b): (&Expr, &Expr), expanded: &Expanded, proof: Vec<Step>) -> Output {
    let mut steps = vec![];
    if expanded.a != *a {
        steps.push(Step { rule: "definitions".into(), expr: expanded.a.clone() });
    }
    steps.extend(proof);
    if expanded.b != *b {
        steps.push(Step { rule: "definitions".into(), expr: b.clone() });
    }
    let plural = if steps.len() == 1 { "" } else { "s" };
    let lost: Vec<(&str, &str, domain::Condition)> =
        [("A", "B", &expanded.a, &expanded.b), ("B", "A", &expanded.b, &expanded.a)]
            .into_iter()
            .flat_map(|(name, other, this, that)| domain::lost(this, that).into_iter().map(move |c| (name, other, c)))
            .collect();
    let caveats: Vec<String> = lost.iter().map(|(name, other, c)| c.caveat(name, other)).collect();
    if args.format == ExprFormat::Json {
        let steps = steps_json(&steps, args.latex.style());
        return Output::ok(format!("{}\n", json!({"equal": true, "how": "proof", "steps": steps, "caveats": caveats})));
    }
    let scope = if caveats.is_empty() {
        ""
    } else if lost.iter().all(|(_, _, c)| c.only_if_nonempty.is_empty()) {
        ", where both sides have a value"
    } else {
        ", under the caveats below"
    };
    let mut text = format!("equal: proved by rewriting ({} step{plural}){scope}\n", steps.len());
    for caveat in &caveats {
        text.push_str(&format!("caveat: {caveat}\n"));
    }
    if args.format == ExprFormat::Latex {
        let proof = args.explain.then_some(steps.as_slice());
        let blocks = latex_output::equivalence((a, b), Relation::Equal, &text, proof, args.latex.style());
        return Output::ok(args.latex.print(&blocks));
    }
    if args.explain {
        text.push_str(&format!("  {a}\n"));
        for s in &steps {
            text.push_str(&format!("= {}    ({})\n", s.expr, s.rule));
        }
    }
    Output::ok(text)
}

/// The numeric answer in LaTeX, `A = B`, `A \neq B` or `A \overset{?}{=} B`, with the text
/// answer's words beside it.
fn numeric_latex(args: &EquivArgs, sides: (&Expr, &Expr), text: Output) -> Output {
    let relation = match text.code {
        EXIT_NEGATIVE => Relation::NotEqual,
        EXIT_UNDECIDED => Relation::Undecided,
        _ => Relation::Equal,
    };
    let blocks = latex_output::equivalence(sides, relation, &text.stdout, None, args.latex.style());
    Output { stdout: args.latex.print(&blocks), ..text }
}

/// The answer of the numeric comparison: exit 1 with a counterexample, 0 when the points agree,
/// 3 when no point could be compared.
fn numeric(format: ExprFormat, verdict: Verdict, dims: &[Dim]) -> Output {
    let lengths: serde_json::Map<String, serde_json::Value> =
        dims.iter().map(|d| (d.name.clone(), json!(d.len))).collect();
    let (json_value, text, code) = match verdict {
        Verdict::Differ(c) => (
            json!({"equal": false, "how": "numeric", "counterexample": c.point, "a": c.a, "b": c.b, "lengths": lengths}),
            format!("not equal: at {}\n  A = {}\n  B = {}\n", c.point, c.a, c.b),
            EXIT_NEGATIVE,
        ),
        Verdict::Agree(evidence) => {
            let mut text = format!("equal: numerically (not proved){}: {}\n", with_lengths(dims), strength(&evidence));
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
                "equal": true, "how": "numeric", "points": evidence.points, "caveat": caveat,
                "evidence": evidence_json(&evidence), "lengths": lengths,
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
                json!({"equal": null, "how": "none", "evidence": evidence_json(&evidence), "lengths": lengths}),
                format!("unknown: not proved, and {why}{}\n", with_lengths(dims)),
                EXIT_UNDECIDED,
            )
        }
    };
    let stdout = if format == ExprFormat::Json { format!("{json_value}\n") } else { text };
    Output { stdout, warnings: vec![], code }
}

/// `, with p of length 3 and q of length 2` for the fixed lengths, or nothing.
fn with_lengths(dims: &[Dim]) -> String {
    let each: Vec<String> = dims.iter().map(|d| format!("{} of length {}", d.name, d.len)).collect();
    match each.split_last() {
        None => String::new(),
        Some((last, [])) => format!(", with {last}"),
        Some((last, rest)) => format!(", with {} and {last}", rest.join(", ")),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn dim(name: &str, len: usize) -> Dim {
        Dim { name: name.into(), len, text: 0, span: 0..1 }
    }

    #[test]
    fn fixed_lengths_are_said_in_words() {
        assert_eq!(with_lengths(&[]), "");
        assert_eq!(with_lengths(&[dim("p", 3)]), ", with p of length 3");
        assert_eq!(
            with_lengths(&[dim("p", 3), dim("q", 2), dim("r", 1)]),
            ", with p of length 3, q of length 2 and r of length 1"
        );
    }

    #[test]
    fn an_undecided_comparison_exits_3() {
        let out = numeric(ExprFormat::Text, Verdict::Unknown(Evidence::default()), &[dim("p", 2)]);
        assert_eq!(out.code, EXIT_UNDECIDED);
        assert_eq!(
            out.stdout,
            "unknown: not proved, and no point tried gives both sides a value, with p of length 2\n"
        );
        let out = numeric(ExprFormat::Json, Verdict::Unknown(Evidence::default()), &[]);
        let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        assert!(json["equal"].is_null() && out.code == 3);
    }
}
