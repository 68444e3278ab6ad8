//! `deltaform parse` and `deltaform eval`.

use super::{ExprFormat, Failure, Output};
use crate::ast::Statement;
use crate::bindings::parse_bindings;
use crate::diagnostic::Diagnostic;
use crate::latex::to_latex;
use crate::parse::parse_statement;
use crate::value::{Env, Value};
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
    /// Significant digits for inexact results.
    #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(u8).range(1..=17))]
    digits: u8,
    /// Output format (text or json).
    #[arg(long, value_enum, default_value_t)]
    format: ExprFormat,
}

/// Parses a statement, or fails with a diagnostic pointing into `source_name`.
pub(crate) fn parse_source(src: &str, source_name: &str, format: ExprFormat) -> Result<Statement, Failure> {
    parse_statement(src).map_err(|e| Failure::new(Diagnostic::new(&e, source_name, src), format))
}

/// Prints the canonical form.
pub fn parse(args: &ParseArgs) -> Result<Output, Failure> {
    let statement = parse_source(&args.expr, "EXPR", args.format)?;
    let latex = match &statement {
        Statement::Expr(e) => to_latex(e),
        Statement::Equation(l, r) => format!("{} = {}", to_latex(l), to_latex(r)),
    };
    Ok(Output::ok(match args.format {
        ExprFormat::Text => format!("{statement}\n"),
        ExprFormat::Latex => format!("{latex}\n"),
        ExprFormat::Json => format!("{}\n", json!({"canonical": statement.to_string(), "latex": latex})),
    }))
}

/// Prints the value.
pub fn eval(args: &EvalArgs) -> Result<Output, Failure> {
    let mut env = Env::new();
    for at in &args.at {
        let bound = parse_bindings(at).map_err(|e| Failure::new(Diagnostic::new(&e, "--at", at), args.format))?;
        for (name, value) in bound.iter() {
            env.bind(name, value.clone());
        }
    }
    let expr = match parse_source(&args.expr, "EXPR", args.format)? {
        Statement::Expr(e) => e,
        Statement::Equation(..) => {
            let d = Diagnostic::plain("not_an_expression", "eval takes an expression, not an equation");
            return Err(Failure::new(d, args.format));
        }
    };
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
    }))
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
