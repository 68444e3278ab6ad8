//! `deltaform parse` and `deltaform eval`.

use super::latex_output::{self, LatexArgs};
use super::{ExprFormat, Failure, Output};
use crate::defs::{definition_value, Definitions};
use crate::derive::{check_point, parse_context, split_givens};
use crate::eval::bindings::parse_bindings;
use crate::eval::value::{Env, Value};
use crate::eval::EvalError;
use crate::syntax::ast::Statement;
use crate::syntax::diagnostic::Diagnostic;
use crate::syntax::diagnostic::Problem;
use crate::syntax::latex::statement_latex;
use crate::syntax::parse::parse_statement;
use crate::syntax::tree::{statement_arrays, statement_tree};
use crate::warnings::unused_definitions;
use clap::Args;
use serde_json::json;

/// Arguments of `deltaform parse`.
#[derive(Args, Debug)]
pub struct ParseArgs {
    /// The expression or equation to parse.
    #[arg(allow_hyphen_values = true)]
    expr: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: ExprFormat,
    #[command(flatten)]
    latex: LatexArgs,
}

/// Arguments of `deltaform eval`.
#[derive(Args, Debug)]
pub struct EvalArgs {
    /// The expression to evaluate.
    #[arg(allow_hyphen_values = true)]
    expr: String,
    /// Values for the names: 'x=0.2, z=[1, 2, 3], W=[[1, 2], [3, 4]], k=1' (repeatable).
    #[arg(long)]
    at: Vec<String>,
    /// A definition, `h = sigmoid(z)` or `h[j] = sigmoid(z[j])`: the name takes the value of the
    /// right side, evaluated in order after `--at` (repeatable).
    #[arg(long = "let", allow_hyphen_values = true)]
    lets: Vec<String>,
    /// An assumption the values must satisfy, `sum(i, y[i]) = 1` or `z1 < 0` (repeatable): a
    /// result derived under it is refused at a point where it does not hold.
    #[arg(long, allow_hyphen_values = true)]
    assume: Vec<String>,
    /// Significant digits for inexact results.
    #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(u8).range(1..=17))]
    digits: u8,
    /// Output format (text or json).
    #[arg(long, value_enum, default_value_t)]
    format: ExprFormat,
}

/// The names bound by the `--at` lists `texts` (a later list's value wins); an error points
/// into the list at fault.
pub(super) fn at_bindings(texts: &[String]) -> Result<Env, Box<Diagnostic>> {
    let mut env = Env::new();
    for text in texts {
        let bound = parse_bindings(text).map_err(|e| Box::new(Diagnostic::new(&e, "--at", text)))?;
        for (name, value) in bound.iter() {
            env.bind(name, value.clone());
        }
    }
    Ok(env)
}

/// Parses a statement, or fails with a diagnostic pointing into `source_name`.
pub(crate) fn parse_source(src: &str, source_name: &str, format: ExprFormat) -> Result<Statement, Failure> {
    parse_statement(src).map_err(|e| Failure::new(Diagnostic::new(&e, source_name, src), format))
}

/// Prints the canonical form.
pub fn parse(args: &ParseArgs) -> Result<Output, Failure> {
    args.latex.check(args.format)?;
    let statement = parse_source(&args.expr, "EXPR", args.format)?;
    let latex = statement_latex(&statement, args.latex.style());
    Ok(Output::ok(match args.format {
        ExprFormat::Text => format!("{statement}\n"),
        ExprFormat::Latex => args.latex.print(&latex_output::math(latex)),
        ExprFormat::Json => format!(
            "{}\n",
            json!({"canonical": statement.to_string(), "latex": latex, "tree": statement_tree(&statement), "arrays": statement_arrays(&statement)})
        ),
    }))
}

/// Prints the value.
pub fn eval(args: &EvalArgs) -> Result<Output, Failure> {
    let mut env = at_bindings(&args.at).map_err(|d| Failure::new(*d, args.format))?;
    let (equations, givens) = split_givens(&args.assume).map_err(|e| Failure::new(*e, args.format))?;
    let (defs, assumptions) = parse_context(&args.lets, &equations).map_err(|e| Failure::new(*e, args.format))?;
    if !args.assume.is_empty() {
        check_point(&defs, &givens, &assumptions, &[], &env)
            .map_err(|e| Failure::new(Diagnostic::plain(e.kind(), e.to_string()), args.format))?;
    }
    let expr = match parse_source(&args.expr, "EXPR", args.format)? {
        Statement::Expr(e) => e,
        Statement::Equation(..) => {
            let d = Diagnostic::plain("not_an_expression", "eval takes an expression, not an equation");
            return Err(Failure::new(d, args.format));
        }
    };
    bind_definitions(&defs, &args.lets, &mut env).map_err(|d| Failure::new(*d, args.format))?;
    let warnings = unused_definitions(&expr, &expr, &defs);
    let value = crate::eval::eval(&expr, &env)
        .map_err(|e| Failure::new(Diagnostic::new(&e, "EXPR", &args.expr), args.format))?;
    let digits = args.digits as usize;
    Ok(Output::ok(match args.format {
        ExprFormat::Json => format!(
            "{}\n",
            json!({
                "value": value.format(digits),
                "exact": value.numbers().iter().all(|n| n.is_exact()),
                "exact_given_up": value.numbers().iter().any(|n| n.gave_up_exact()),
                "shape": value.shape(),
                "numbers": numbers_json(&value),
            })
        ),
        _ => format!("{}\n", value.format(digits)),
    })
    .with_warnings(warnings))
}

/// Binds every definition (parsed from `texts`, in the same order) to its value, in order;
/// an error points into the definition at fault.
fn bind_definitions(defs: &Definitions, texts: &[String], env: &mut Env) -> Result<(), Box<Diagnostic>> {
    for (k, (def, text)) in defs.iter().zip(texts).enumerate() {
        if env.get(&def.name).is_some() {
            let span = match parse_statement(text) {
                Ok(Statement::Equation(lhs, _)) => Some(lhs.span),
                _ => None,
            };
            return Err(Box::new(Diagnostic {
                kind: "bad_definition".to_string(),
                message: format!("`{}` has a value from --at and a definition", def.name),
                span,
                help: Some("give it one or the other".to_string()),
                source_name: "--let".to_string(),
                source: text.to_string(),
            }));
        }
        let value = definition_value(def, env, None).map_err(|e| {
            let mut d = Diagnostic::new(&e, "--let", text);
            if let EvalError::Unbound { name, .. } = &e {
                if defs.iter().skip(k + 1).any(|later| &later.name == name) {
                    d.help = Some(format!("`{name}` is defined by a later --let: give the definitions in order"));
                }
            }
            Box::new(d)
        })?;
        env.bind(&def.name, value);
    }
    Ok(())
}

/// A value as JSON numbers (full f64 precision), nested like the value.
pub(crate) fn numbers_json(value: &Value) -> serde_json::Value {
    match value {
        Value::Scalar(n) => json!(n.to_f64()),
        Value::Vector(v) => json!(v.iter().map(|n| n.to_f64()).collect::<Vec<_>>()),
        Value::Matrix(rows) => {
            json!(rows.iter().map(|r| r.iter().map(|n| n.to_f64()).collect::<Vec<_>>()).collect::<Vec<_>>())
        }
    }
}
