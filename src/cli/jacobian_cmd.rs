//! `deltaform jacobian`: the Jacobian matrix of a vector function, and for a composition `F(G)`
//! the chain rule shown both ways.

use super::at_value::{AtArgs, AtValue};
use super::engine_cmds::LimitArgs;
use super::latex_output::LatexArgs;
use super::{ExprFormat, Failure, Output};
use crate::derive::outside;
use crate::eval::value::Env;
use crate::jacobian::function::{read_target, VectorFunction};
use crate::jacobian::{jacobian, Agreement, ChainRule, Jacobian, Matrix};
use crate::syntax::ast::{Expr, Node};
use crate::syntax::diagnostic::Diagnostic;
use crate::syntax::latex::{to_latex_with, LatexStyle};
use crate::syntax::latex_document::{escape_text, Block, Display};
use crate::syntax::names::is_name;
use clap::Args;
use serde_json::json;

/// Arguments of `deltaform jacobian`.
#[derive(Args, Debug)]
pub struct JacobianArgs {
    /// The vector function: `[3*x*y, y - z]`, a defined name `G`, or a composition `F(G)`,
    /// `F(G(x, y))`, `F(x - 5*y, x*y, x*y - x^2)`.
    #[arg(allow_hyphen_values = true)]
    function: String,
    /// The variables, in column order: `x, y`.
    #[arg(long)]
    wrt: String,
    /// A vector function, `F(x, y, z) = [3*x*y, y - z]` (parameters named, to be applied) or
    /// `G = [x - 5*y, x*y]` (entries in the variables) (repeatable).
    #[arg(long = "let", allow_hyphen_values = true)]
    lets: Vec<String>,
    #[command(flatten)]
    at: AtArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: ExprFormat,
    #[command(flatten)]
    latex: LatexArgs,
    #[command(flatten)]
    limits: LimitArgs,
}

/// Prints the Jacobian (last line: the matrix, in the input language), after the chain rule for
/// a composition and the value at `--at`.
pub fn jacobian_cmd(args: &JacobianArgs) -> Result<Output, Failure> {
    let format = args.format;
    args.latex.check(format)?;
    let style = args.latex.style();
    let mut functions = vec![];
    for text in &args.lets {
        let f = VectorFunction::parse(text).map_err(|e| Failure::new(Diagnostic::new(&e, "--let", text), format))?;
        functions.push(f);
    }
    let wrt: Vec<String> = args.wrt.split(',').map(|v| v.trim().to_string()).collect();
    if let Some(bad) = wrt.iter().find(|v| !is_name(v)) {
        let message = format!("`{bad}` is not a variable: --wrt lists names, `x, y`");
        return Err(Failure::new(Diagnostic::plain("bad_usage", message), format));
    }
    // `F(G)` with `G(a, b) = ...` is in G's parameters: they must be the variables.
    if let Some((_, rest)) = args.function.split_once('(') {
        let inside = rest.trim_end().trim_end_matches(')').trim();
        if let Some(g) = functions.iter().find(|f| f.name == inside && !f.params.is_empty() && f.params != wrt) {
            let message = format!(
                "`{}` is a function of ({}), and --wrt lists ({}): write `{}({})` or differentiate by its parameters",
                g.name,
                g.params.join(", "),
                wrt.join(", "),
                g.name,
                wrt.join(", ")
            );
            return Err(Failure::new(Diagnostic::plain("bad_composition", message), format));
        }
    }
    let target = read_target(&args.function, &functions)
        .map_err(|e| Failure::new(Diagnostic::new(&e, "FUNCTION", &args.function), format))?;
    let j = jacobian(&target, &wrt, &args.limits.limits())
        .map_err(|e| Failure::new(Diagnostic::new(&e, "FUNCTION", &args.function), format))?;
    let env = args.at.env(format)?;
    // The Jacobian has a value only where the function does.
    let at = |env: Env| {
        let function = Expr::new(Node::Array(j.entries.clone()));
        crate::eval::eval(&function, &env).map_err(outside("the function")).and_then(|_| {
            // Entry by entry, so a single column stays a matrix (rows of one).
            let row = |r: &Vec<Expr>| r.iter().map(|e| crate::eval::eval_scalar(e, &env)).collect();
            j.matrix.0.iter().map(row).collect::<Result<_, _>>().map(crate::eval::value::Value::Matrix)
        })
    };
    let value = env.map(|env| AtValue::new(&args.at, at(env), format)).transpose()?;
    let names = Names::of(&args.function, &functions, &wrt);
    let stdout = match format {
        ExprFormat::Text => text(&j, &names, value.as_ref()),
        ExprFormat::Json => {
            let mut object = json_of(&j, &names, style);
            if let Some(value) = &value {
                value.json(&mut object);
            }
            format!("{object}\n")
        }
        ExprFormat::Latex => {
            let mut blocks = latex(&j, &names, style);
            blocks.extend(value.iter().flat_map(|v| v.latex(style)));
            args.latex.print(&blocks)
        }
    };
    Ok(Output::ok(stdout))
}

/// How the pieces are named in the output: `F`, `G` (or `g` for an argument written out) and
/// the variable list `(x, y)`.
struct Names {
    outer: String,
    inner: String,
    vars: String,
}

impl Names {
    fn of(text: &str, functions: &[VectorFunction], wrt: &[String]) -> Names {
        let (outer, rest) = text.trim().split_once('(').unwrap_or((text.trim(), ""));
        let inside = rest.split(['(', ')']).next().unwrap_or("").trim();
        let inner = if functions.iter().any(|f| f.name == inside) { inside } else { "g" };
        Names { outer: outer.trim().to_string(), inner: inner.to_string(), vars: wrt.join(", ") }
    }
}

fn text(j: &Jacobian, names: &Names, value: Option<&AtValue>) -> String {
    let mut out = String::new();
    let (f, g, vars) = (&names.outer, &names.inner, &names.vars);
    if let Some(chain) = &j.chain {
        out += &format!("{f}({g}({vars})) = {}\n", vector(&j.entries));
        out += &format!("chain rule: J_{f}({g}) J_{g}\n");
        out += &format!("  J_{g}({vars}) = {}\n", chain.inner_jacobian);
        out += &format!("  J_{f}({}) = {}\n", chain.outer.params.join(", "), chain.outer_jacobian);
        out += &format!("  J_{f}({g}({vars})) = {}\n", chain.outer_at_inner);
        out += &format!("  J_{f}({g}) J_{g} = {}\n", chain.product);
        out += &format!("equal to the direct Jacobian: {}\n", agreement(chain));
    }
    if let Some(value) = value {
        out += &value.text();
    }
    out += &format!("{}\n", j.matrix);
    out
}

fn vector(entries: &[Expr]) -> Expr {
    Expr::new(Node::Array(entries.to_vec()))
}

/// How the chain rule's product agrees with the direct Jacobian: `every entry proved by the
/// rules` (or how many were checked numerically instead).
fn agreement(chain: &ChainRule) -> String {
    let all: Vec<&Agreement> = chain.agreement.iter().flatten().collect();
    let proved = all.iter().filter(|a| ***a == Agreement::Proved).count();
    let numeric: Vec<usize> =
        all.iter().filter_map(|a| if let Agreement::Numeric(n) = a { Some(*n) } else { None }).collect();
    let unknown = all.len() - proved - numeric.len();
    let mut parts = vec![];
    if proved > 0 {
        parts.push(if proved == all.len() {
            "every entry proved by the rules".to_string()
        } else {
            format!("{proved} entries proved by the rules")
        });
    }
    if let Some(fewest) = numeric.iter().min() {
        parts.push(format!("{} equal numerically (at {fewest} or more random points; no proof found)", numeric.len()));
    }
    if unknown > 0 {
        parts.push(format!("{unknown} not compared (no point where both have a value)"));
    }
    parts.join(", ")
}

fn agreement_json(a: &Agreement) -> serde_json::Value {
    match a {
        Agreement::Proved => json!({"status": "proved"}),
        Agreement::Numeric(n) => json!({"status": "numeric", "points": n}),
        Agreement::Unknown => json!({"status": "unknown"}),
    }
}

fn rows(m: &Matrix) -> serde_json::Value {
    json!(m.0.iter().map(|r| r.iter().map(Expr::to_string).collect::<Vec<_>>()).collect::<Vec<_>>())
}

fn json_of(j: &Jacobian, names: &Names, style: LatexStyle) -> serde_json::Value {
    let chain = j.chain.as_ref().map(|c| {
        json!({
            "outer": names.outer,
            "outer_params": c.outer.params,
            "inner": c.inner.iter().map(Expr::to_string).collect::<Vec<_>>(),
            "inner_jacobian": rows(&c.inner_jacobian),
            "outer_jacobian": rows(&c.outer_jacobian),
            "outer_at_inner": rows(&c.outer_at_inner),
            "product": rows(&c.product),
            "agreement": c.agreement.iter().map(|r| r.iter().map(agreement_json).collect::<Vec<_>>()).collect::<Vec<_>>(),
        })
    });
    json!({
        "function": j.entries.iter().map(Expr::to_string).collect::<Vec<_>>(),
        "wrt": j.wrt,
        "jacobian": rows(&j.matrix),
        "result": j.matrix.to_string(),
        "latex": to_latex_with(&j.matrix.to_expr(), style),
        "chain_rule": chain,
    })
}

fn latex(j: &Jacobian, names: &Names, style: LatexStyle) -> Vec<Block> {
    let m = |m: &Matrix| to_latex_with(&m.to_expr(), style);
    let (f, g, vars) = (&names.outer, &names.inner, &names.vars);
    let mut blocks = vec![];
    match &j.chain {
        None => blocks.push(Block::Display(Display::Math(format!("J({vars}) = {}", m(&j.matrix))))),
        Some(chain) => {
            let params = chain.outer.params.join(", ");
            blocks.push(Block::Display(Display::Math(format!("J_{{{g}}}({vars}) = {}", m(&chain.inner_jacobian)))));
            blocks.push(Block::Display(Display::Math(format!("J_{{{f}}}({params}) = {}", m(&chain.outer_jacobian)))));
            blocks.push(Block::Display(Display::Math(format!(
                "J_{{{f} \\circ {g}}}({vars}) = J_{{{f}}}({g}({vars}))\\, J_{{{g}}}({vars}) = {} {} = {}",
                m(&chain.outer_at_inner),
                m(&chain.inner_jacobian),
                m(&chain.product)
            ))));
            let both = format!("The product equals the direct Jacobian: {}.", agreement(chain));
            blocks.push(Block::Paragraph(escape_text(&both)));
            blocks.push(Block::Display(Display::Math(format!("J_{{{f} \\circ {g}}}({vars}) = {}", m(&j.matrix)))));
        }
    }
    blocks
}
