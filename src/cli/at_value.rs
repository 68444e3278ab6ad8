//! `derive --at`: the derivative's value at a point, beside its formula, in every format.

use super::expr_cmds::{at_bindings, numbers_json};
use super::{ExprFormat, Failure};
use crate::eval::value::{Env, Value};
use crate::eval::EvalError;
use crate::syntax::diagnostic::{Diagnostic, Problem};
use crate::syntax::latex::{to_latex_with, LatexStyle};
use crate::syntax::latex_document::{escape_text, Block, Display};
use crate::syntax::parse::parse_expr;
use clap::Args;
use serde_json::json;

/// The point to evaluate at, and how to print the value.
#[derive(Args, Debug)]
pub struct AtArgs {
    /// Values for the names, 'x=0.2, z=[1, 2, 3], W=[[1, 2], [3, 4]]' (repeatable): the
    /// derivative's value there is printed as well. A component index left without a value
    /// (`k` of `--wrt 'z[k]'`) runs over its axis, giving the whole gradient.
    #[arg(long)]
    pub(super) at: Vec<String>,
    /// Significant digits for an inexact value (default 6).
    #[arg(long, requires = "at", value_parser = clap::value_parser!(u8).range(1..=17))]
    pub(super) digits: Option<u8>,
}

impl AtArgs {
    /// The names bound by `--at`; `None` without it.
    pub(super) fn env(&self, format: ExprFormat) -> Result<Option<Env>, Failure> {
        if self.at.is_empty() {
            return Ok(None);
        }
        at_bindings(&self.at).map(Some).map_err(|d| Failure::new(*d, format))
    }

    fn digits(&self) -> usize {
        self.digits.unwrap_or(6) as usize
    }

    /// The point as the user wrote it.
    fn point(&self) -> String {
        self.at.join(", ")
    }
}

/// A value worked out at the `--at` point.
pub(super) struct AtValue<'a> {
    args: &'a AtArgs,
    value: Value,
}

impl<'a> AtValue<'a> {
    /// The value, or a diagnostic saying why the derivative has none at the point.
    pub(super) fn new(args: &'a AtArgs, value: Result<Value, EvalError>, format: ExprFormat) -> Result<Self, Failure> {
        let value = value.map_err(|e| {
            let message = match &e {
                EvalError::Unbound { name, .. } => format!("--at gives no value for `{name}`"),
                e => format!("the derivative has no value at {}: {e}", args.point()),
            };
            let mut d = Diagnostic::plain(e.kind(), message);
            d.help = e.help();
            Failure::new(d, format)
        })?;
        Ok(AtValue { args, value })
    }

    /// The line of text output: `value at x=0: 1/4`.
    pub(super) fn text(&self) -> String {
        format!("value at {}: {}\n", self.args.point(), self.value.format(self.args.digits()))
    }

    /// The JSON fields: `value` (a number or nested lists, full precision), `value_text` (as
    /// text prints it) and `value_exact`.
    pub(super) fn json(&self, object: &mut serde_json::Value) {
        object["at"] = json!(self.args.point());
        object["value"] = numbers_json(&self.value);
        object["value_text"] = json!(self.value.format(self.args.digits()));
        object["value_exact"] = json!(self.value.numbers().iter().all(|n| n.is_exact()));
    }

    /// The LaTeX blocks: the point in words, and the value as a number or a `bmatrix`.
    pub(super) fn latex(&self, style: LatexStyle) -> Vec<Block> {
        let text = self.value.format(self.args.digits());
        let value = parse_expr(&text)
            .map_or_else(|_| format!("\\text{{{}}}", escape_text(&text)), |e| to_latex_with(&e, style));
        vec![Block::Paragraph(format!("At {}:", escape_text(&self.args.point()))), Block::Display(Display::Math(value))]
    }
}
