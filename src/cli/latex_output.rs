//! What `--format latex` prints for `parse`, `derive`, `simplify` and `equiv`: display math for
//! KaTeX or Markdown (one display a line, a worked chain as an `aligned` block), or with
//! `--standalone` a whole document; and `--delta`, the notation of the Kronecker delta.

use super::{ExprFormat, Failure};
use crate::derive::Derivation;
use crate::diff::Condition;
use crate::egraph::Step;
use crate::syntax::ast::{Expr, Statement};
use crate::syntax::diagnostic::Diagnostic;
use crate::syntax::latex::{derivative_latex, statement_latex, to_latex_with, DeltaStyle, LatexStyle};
use crate::syntax::latex_document::{escape_text, standalone, Block, Chain, Display};
use clap::{Args, ValueEnum};

/// The notations of `delta(i, k)` that `--delta` offers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum DeltaChoice {
    /// The Iverson bracket `[i = k]`.
    #[default]
    Iverson,
    /// The indicator `\mathbf{1}_{i = k}`.
    Indicator,
    /// The Kronecker delta `\delta_{ik}` (which looks like backprop's δ).
    Kronecker,
}

impl DeltaChoice {
    /// The LaTeX style with this notation.
    pub(super) fn style(self) -> LatexStyle {
        let delta = match self {
            DeltaChoice::Iverson => DeltaStyle::Iverson,
            DeltaChoice::Indicator => DeltaStyle::Indicator,
            DeltaChoice::Kronecker => DeltaStyle::Kronecker,
        };
        LatexStyle { delta }
    }
}

/// The LaTeX options of the commands that print expressions.
#[derive(Args, Debug, Clone)]
pub struct LatexArgs {
    /// How LaTeX writes `delta(i, k)` (in `--format latex` and the `latex` of JSON): the
    /// Iverson bracket `[i = k]`, the indicator `\mathbf{1}_{i = k}` or the Kronecker delta
    /// `\delta_{ik}`.
    #[arg(long, value_enum, default_value_t)]
    delta: DeltaChoice,
    /// With `--format latex`: print a complete document that pdflatex compiles.
    #[arg(long)]
    standalone: bool,
}

impl LatexArgs {
    /// The LaTeX style asked for.
    pub(super) fn style(&self) -> LatexStyle {
        self.delta.style()
    }

    /// An error for `--standalone` without `--format latex`.
    pub(super) fn check(&self, format: ExprFormat) -> Result<(), Failure> {
        if self.standalone && format != ExprFormat::Latex {
            let message = "--standalone prints a LaTeX document: it needs --format latex";
            return Err(Failure::new(Diagnostic::plain("bad_usage", message), format));
        }
        Ok(())
    }

    /// The blocks as standard output: a standalone document, or each display on its own
    /// lines (paragraphs are for documents only).
    pub(super) fn print(&self, blocks: &[Block]) -> String {
        if self.standalone {
            return standalone(blocks);
        }
        blocks
            .iter()
            .filter_map(|b| match b {
                Block::Display(d) => Some(format!("{}\n", d.snippet())),
                Block::Paragraph(_) => None,
            })
            .collect()
    }
}

/// A derivation: its definitions and assumptions (`Let ...`, `Assume ...`), the derivative, and
/// any condition, limit hit or assumption not needed. With `steps`, the derivative is the worked chain from the chain
/// rule through every rewrite, each labelled with its rule.
pub(super) fn derivation(d: &Derivation, steps: bool, style: LatexStyle) -> Vec<Block> {
    let mut blocks = givens(d, style);
    let lhs = derivative_latex(&d.expr, &d.wrt.to_expr(), style);
    blocks.push(Block::Display(if steps {
        let mut chain = Chain::new(lhs, style);
        let wrt = d.wrt.to_expr();
        let render = |e: &Expr| to_latex_with(e, style);
        let partial = |of: &Expr| derivative_latex(of, &wrt, style);
        for line in &d.chain.lines {
            chain.push_filled(&line.expr, &line.rule, &|text| line.fill(text, &render, &partial));
        }
        for s in &d.simplified.steps {
            chain.push(&s.expr, &s.rule);
        }
        Display::Chain(chain)
    } else {
        Display::Math(format!("{lhs} = {}", to_latex_with(d.result(), style)))
    }));
    if !d.conditions.is_empty() {
        let each: Vec<String> = d.conditions.iter().map(|c| format!("${}$", condition(c, style))).collect();
        blocks.push(Block::Paragraph(format!("The derivative holds where {}.", each.join(" and "))));
    }
    blocks.extend(d.simplified.limit_hit.as_ref().map(|limit| note(&limit.note())));
    let unused = d.assumptions.iter().enumerate().filter(|(n, _)| !d.simplified.assumptions_used.contains(n));
    blocks.extend(unused.map(|(_, a)| {
        let equation = Statement::Equation(a.lhs.clone(), a.rhs.clone());
        Block::Paragraph(format!("The assumption ${}$ was not needed.", statement_latex(&equation, style)))
    }));
    blocks
}

/// `Let $\hat{y} = \operatorname{softmax}(z)$.` and `Assume $\sum_i y_i = 1$.`, where there are any.
fn givens(d: &Derivation, style: LatexStyle) -> Vec<Block> {
    let definitions = d.definitions.iter().map(|def| def.statement());
    let assumptions = d.assumptions.iter().map(|a| Statement::Equation(a.lhs.clone(), a.rhs.clone()));
    [("Let", definitions.collect::<Vec<_>>()), ("Assume", assumptions.collect())]
        .into_iter()
        .filter(|(_, statements)| !statements.is_empty())
        .map(|(verb, statements)| {
            let each: Vec<String> = statements.iter().map(|s| format!("${}$", statement_latex(s, style))).collect();
            Block::Paragraph(format!("{verb} {}.", each.join(", ")))
        })
        .collect()
}

fn condition(c: &Condition, style: LatexStyle) -> String {
    match c {
        Condition::Positive(e) => format!("{} > 0", to_latex_with(e, style)),
    }
}

/// A note in words, as a paragraph.
fn note(text: &str) -> Block {
    Block::Paragraph(escape_text(text))
}

/// A simplification: the result alone, or with `steps` the chain from the input (the result
/// alone when no step was needed); the notes in words follow in a document.
pub(super) fn simplification(
    input: &Expr,
    result: &Expr,
    steps: Option<&[Step]>,
    notes: &[String],
    style: LatexStyle,
) -> Vec<Block> {
    let display = match steps {
        Some(steps) if !steps.is_empty() => Display::Chain(chain(input, steps, style)),
        _ => Display::Math(to_latex_with(result, style)),
    };
    let mut blocks = vec![Block::Display(display)];
    blocks.extend(notes.iter().map(|n| note(n)));
    blocks
}

/// The chain from `first` through `steps`.
fn chain(first: &Expr, steps: &[Step], style: LatexStyle) -> Chain {
    let mut chain = Chain::new(to_latex_with(first, style), style);
    for s in steps {
        chain.push(&s.expr, &s.rule);
    }
    chain
}

/// The answer of `equiv`: `A = B`, `A \neq B` or `A \overset{?}{=} B` with the verdict in words
/// beside it (`verdict`, the text answer's lines); a proof asked to be explained is the chain of
/// its steps instead, the verdict following in a document.
pub(super) fn equivalence(
    (a, b): (&Expr, &Expr),
    relation: Relation,
    verdict: &str,
    proof: Option<&[Step]>,
    style: LatexStyle,
) -> Vec<Block> {
    let words: Vec<&str> = verdict.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let words = words.join("; ");
    match proof {
        Some(steps) if !steps.is_empty() => vec![Block::Display(Display::Chain(chain(a, steps, style))), note(&words)],
        _ => {
            let symbol = match relation {
                Relation::Equal => "=",
                Relation::NotEqual => "\\neq",
                Relation::Undecided => "\\overset{?}{=}",
            };
            let (a, b) = (to_latex_with(a, style), to_latex_with(b, style));
            vec![Block::Display(Display::Math(format!("{a} {symbol} {b} \\qquad \\text{{({})}}", escape_text(&words))))]
        }
    }
}

/// What `equiv` found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Relation {
    /// The sides are equal (proved or numerically).
    Equal,
    /// They differ at a point.
    NotEqual,
    /// Undecided.
    Undecided,
}

/// One display of math, for `parse`.
pub(super) fn math(latex: String) -> Vec<Block> {
    vec![Block::Display(Display::Math(latex))]
}
