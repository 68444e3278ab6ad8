//! What can go wrong with an exercise: a file that is not valid TOML or not a valid exercise
//! (each error naming the key and pointing into the file), a formula that cannot be derived,
//! or a number that has no value while training.

use crate::syntax::ast::Span;
use crate::syntax::diagnostic::Problem;
use crate::syntax::parse::ParseError;

/// Why an exercise cannot be run.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ExerciseError {
    /// The file is not valid TOML, or a key is unknown, missing or of the wrong type
    /// (reported by the `toml` crate).
    #[error("{message}")]
    Toml {
        /// What is wrong.
        message: String,
        /// Where in the file, if the `toml` crate could tell.
        span: Option<Span>,
    },
    /// A value of the right type that is still wrong: a bad shape, a size that disagrees with the
    /// layers, a number out of range, an unknown name in a formula.
    #[error("`{key}`: {message}")]
    Invalid {
        /// The key, with its table (`init.W1`).
        key: String,
        /// What is wrong.
        message: String,
        /// Where in the file.
        span: Span,
        /// A hint for fixing it.
        help: Option<String>,
    },
    /// An activation or loss that does not parse; the span points into the file.
    #[error("`{key}`: {error}")]
    Expression {
        /// The key holding the expression (`network.activation`).
        key: String,
        /// The parse error, its span moved into the file.
        error: ParseError,
    },
    /// A formula the symbolic engine cannot differentiate.
    #[error("`{key}`: cannot differentiate: {message}")]
    Derive {
        /// The key whose formula is at fault.
        key: String,
        /// What the differentiator said.
        message: String,
        /// The key's value in the file.
        span: Span,
    },
    /// A number with no value while training (a log of zero, an overflow, ...).
    #[error("{context}: {message}")]
    Arithmetic {
        /// Where in the run (`step 1, delta2`).
        context: String,
        /// What went wrong.
        message: String,
    },
}

impl ExerciseError {
    /// An [`ExerciseError::Invalid`] without help.
    pub fn invalid(key: impl Into<String>, message: impl Into<String>, span: Span) -> ExerciseError {
        ExerciseError::Invalid { key: key.into(), message: message.into(), span, help: None }
    }

    /// The same error with a hint (only [`ExerciseError::Invalid`] carries one).
    pub fn with_help(mut self, text: impl Into<String>) -> ExerciseError {
        if let ExerciseError::Invalid { help, .. } = &mut self {
            *help = Some(text.into());
        }
        self
    }
}

impl Problem for ExerciseError {
    fn kind(&self) -> &'static str {
        match self {
            ExerciseError::Toml { .. } => "bad_toml",
            ExerciseError::Invalid { .. } => "bad_exercise",
            ExerciseError::Expression { error, .. } => error.kind(),
            ExerciseError::Derive { .. } => "cannot_differentiate",
            ExerciseError::Arithmetic { .. } => "no_value",
        }
    }

    fn span(&self) -> Option<Span> {
        match self {
            ExerciseError::Toml { span, .. } => span.clone(),
            ExerciseError::Invalid { span, .. } | ExerciseError::Derive { span, .. } => Some(span.clone()),
            ExerciseError::Expression { error, .. } => Some(error.span()),
            ExerciseError::Arithmetic { .. } => None,
        }
    }

    fn help(&self) -> Option<String> {
        match self {
            ExerciseError::Invalid { help, .. } => help.clone(),
            ExerciseError::Expression { error, .. } => error.help(),
            ExerciseError::Toml { .. } => Some("the exercise file format is described in grammar/exercise.md".into()),
            _ => None,
        }
    }
}
