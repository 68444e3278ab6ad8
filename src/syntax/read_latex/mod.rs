//! The LaTeX math reader: the math of a homework document (`z^{[1]} = W x + b = \begin{bmatrix}
//! 0.5 \\ 1.1 \end{bmatrix}`) read into chains of the expression language's AST.
//!
//! A block splits into equations at top-level `,`, `;`, `\quad` and line breaks `\\`; each
//! equation is a chain of sides joined by `=`, `\approx` (`&=` in `aligned`). Every side is read
//! on its own, so one side the reader does not know leaves the others checkable.

mod expr;
mod split;

pub use expr::{read_side, Side};
pub use split::{split_equations, Equation, Relation};

use crate::syntax::ast::Span;

/// Why a side could not be read, with the span (into the math text) of the offending part.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct LatexError {
    /// What went wrong.
    pub message: String,
    /// Where, as a byte range of the math text.
    pub span: Span,
}

impl LatexError {
    fn new(message: impl Into<String>, span: Span) -> LatexError {
        LatexError { message: message.into(), span }
    }
}

/// One equation of a block read: its sides (each read, or the reason it could not be) and the
/// relations between them.
#[derive(Clone, Debug)]
pub struct ReadEquation {
    /// The sides in order, each with its span in the math text.
    pub sides: Vec<(Span, Result<Side, LatexError>)>,
    /// `relations[i]` joins side `i` and side `i + 1`.
    pub relations: Vec<Relation>,
}

/// Reads every equation of a math block.
pub fn read_block(math: &str) -> Vec<ReadEquation> {
    split_equations(math)
        .into_iter()
        .map(|eq| ReadEquation {
            sides: eq
                .sides
                .iter()
                .map(|span| {
                    let side = read_side(&math[span.clone()]).map_err(|e| LatexError {
                        message: e.message,
                        span: e.span.start + span.start..e.span.end + span.start,
                    });
                    (span.clone(), side)
                })
                .collect(),
            relations: eq.relations,
        })
        .collect()
}
