//! `deltaform derive --shape ...`: the derivative of a matrix expression by a whole vector or
//! matrix, in matrix form, with the index form beside it.

use super::at_value::AtValue;
use super::engine_cmds::{context, derivation_json, expression, DeriveArgs};
use super::latex_output;
use super::{ExprFormat, Failure, Output};
use crate::derive::{split_givens, Context};
use crate::eval::value::Env;
use crate::matrix::at::declare_from_values;
use crate::matrix::shape::Shapes;
use crate::matrix::{derive_matrix, surface, MatrixDerivation};
use crate::syntax::diagnostic::Diagnostic;
use crate::syntax::latex::{to_latex_with, LatexStyle};
use crate::syntax::latex_document::{Block, Display};
use serde_json::json;

/// Runs `derive` on a matrix expression (`--shape` given).
pub(super) fn derive_matrix_cmd(args: &DeriveArgs, env: Option<Env>) -> Result<Output, Failure> {
    let format = args.format;
    let style = args.latex.style();
    let mut shapes = Shapes::default();
    for text in &args.shapes {
        shapes.add(text).map_err(|e| Failure::new(Diagnostic::new(&e, "--shape", text), format))?;
    }
    if let Some(env) = &env {
        declare_from_values(env, &mut shapes).map_err(|m| Failure::new(Diagnostic::plain("bad_shape", m), format))?;
    }
    let expr = expression(&args.expr, "EXPR", format)?;
    if args.wrt.contains('[') {
        let message = "with --shape, --wrt names a whole vector or matrix (`W`); its component's index form is shown beside the result";
        return Err(Failure::new(Diagnostic::plain("bad_usage", message), format));
    }
    let (equations, givens) = split_givens(&args.context.assume).map_err(|d| Failure::new(*d, format))?;
    let (definitions, assumptions) = context(&args.context.lets, &equations, format)?;
    let steps = args.steps;
    let ctx = Context { definitions, assumptions, givens, limits: args.limits.limits(), steps, self_check: true };
    let d = derive_matrix(&expr, &args.wrt, &shapes, ctx)
        .map_err(|e| Failure::new(Diagnostic::new(&e, "EXPR", &args.expr), format))?;
    if let Some(message) = d.index.disagreement() {
        return Err(Failure::new(Diagnostic::plain("internal_error", message), format));
    }
    let value = env.map(|env| AtValue::new(&args.at, d.value_at(&env, &shapes), format)).transpose()?;
    let stdout = match format {
        ExprFormat::Json => {
            let mut object = json(&d, style);
            if let Some(value) = &value {
                value.json(&mut object);
            }
            format!("{object}\n")
        }
        ExprFormat::Latex => {
            let mut blocks = latex(&d, args.steps, style);
            blocks.extend(value.iter().flat_map(|v| v.latex(style)));
            args.latex.print(&blocks)
        }
        ExprFormat::Text => {
            let value = value.map(|v| v.text()).unwrap_or_default();
            match &d.matrix {
                _ if args.steps => format!("{value}{}\n{d}\n", d.index),
                Ok(m) => format!("{value}{}\n", surface(m)),
                Err(why) => format!(
                    "{value}note: no matrix form ({why}); the component {}:\n{}\n",
                    d.component(),
                    d.index_form()
                ),
            }
        }
    };
    Ok(Output::ok(stdout).with_warnings(d.index.warnings.clone()))
}

fn json(d: &MatrixDerivation, style: LatexStyle) -> serde_json::Value {
    let (result, latex, note) = match &d.matrix {
        Ok(m) => (surface(m).to_string(), to_latex_with(m, style), None),
        Err(why) => (d.index_form().to_string(), to_latex_with(d.index_form(), style), Some(why.clone())),
    };
    json!({
        "result": result,
        "latex": latex,
        "matrix_form": d.matrix.is_ok(),
        "note": note,
        "shape": d.shape.to_string(),
        "component": d.component(),
        "index_form": d.index_form().to_string(),
        "definitions": d.index.definitions.iter().map(|def| def.statement().to_string()).collect::<Vec<_>>(),
        "index_derivation": derivation_json(&d.index, style),
    })
}

fn latex(d: &MatrixDerivation, steps: bool, style: LatexStyle) -> Vec<Block> {
    let mut blocks = if steps { latex_output::derivation(&d.index, true, style) } else { vec![] };
    let lhs = format!("\\frac{{\\partial}}{{\\partial {}}} {}", d.wrt, to_latex_with(&d.expr, style));
    match &d.matrix {
        Ok(m) => blocks.push(Block::Display(Display::Math(format!("{lhs} = {}", to_latex_with(m, style))))),
        Err(why) => {
            blocks.push(Block::Paragraph(format!(
                "No matrix form: {}.",
                crate::syntax::latex_document::escape_text(why)
            )));
            blocks.push(Block::Display(Display::Math(to_latex_with(d.index_form(), style))));
        }
    }
    blocks
}
