//! The `--at` binding list: `x=0.2, z=[1, 2, 3], W=[[1, 2], [3, 4]], k=1`. Values are constant
//! expressions of the language (`1/3`, `-2`, `sqrt(2)`), in vectors and matrices by brackets.

use crate::eval::number::Number;
use crate::eval::value::{Env, Value};
use crate::eval::{eval_scalar, EvalError};
use crate::syntax::ast::{Node, Span};
use crate::syntax::diagnostic::Problem;
use crate::syntax::parse::{parse_expr, ParseError};

/// Why a binding list cannot be read.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum BindingError {
    /// The list's own structure is wrong (a missing `=`, an unclosed bracket, a ragged matrix).
    #[error("{message}")]
    Syntax {
        /// What is wrong.
        message: String,
        /// Where.
        span: Span,
    },
    /// A value that does not parse.
    #[error(transparent)]
    Parse(ParseError),
    /// A value that does not evaluate to a number.
    #[error(transparent)]
    Eval(EvalError),
}

impl Problem for BindingError {
    fn kind(&self) -> &'static str {
        match self {
            BindingError::Syntax { .. } => "bad_binding",
            BindingError::Parse(e) => e.kind(),
            BindingError::Eval(e) => e.kind(),
        }
    }

    fn span(&self) -> Option<Span> {
        match self {
            BindingError::Syntax { span, .. } => Some(span.clone()),
            BindingError::Parse(e) => Some(e.span()),
            BindingError::Eval(e) => Problem::span(e),
        }
    }

    fn help(&self) -> Option<String> {
        match self {
            BindingError::Syntax { .. } => Some("write bindings like: x=0.2, z=[1, 2, 3], W=[[1, 2], [3, 4]]".into()),
            BindingError::Parse(e) => e.help(),
            BindingError::Eval(e) => e.help(),
        }
    }
}

/// Reads a binding list into an environment. An empty list gives an empty environment.
pub fn parse_bindings(src: &str) -> Result<Env, BindingError> {
    let mut env = Env::new();
    for piece in split_top_level(src, 0..src.len())? {
        let text = &src[piece.clone()];
        if text.trim().is_empty() {
            continue;
        }
        let Some(eq) = text.find('=') else {
            return Err(syntax("expected `name = value`", trimmed(src, piece)));
        };
        let name_span = trimmed(src, piece.start..piece.start + eq);
        let name = &src[name_span.clone()];
        match parse_expr(name).map(|e| e.node) {
            Ok(Node::Var(_)) => {}
            _ => return Err(syntax(format!("`{name}` is not a name"), name_span)),
        }
        let value = parse_value(src, trimmed(src, piece.start + eq + 1..piece.end))?;
        env.bind(name, value);
    }
    Ok(env)
}

fn syntax(message: impl Into<String>, span: Span) -> BindingError {
    BindingError::Syntax { message: message.into(), span }
}

/// The span without surrounding white space.
fn trimmed(src: &str, span: Span) -> Span {
    let text = &src[span.clone()];
    let start = span.start + (text.len() - text.trim_start().len());
    start..start + text.trim().len()
}

/// Splits `span` at commas that are not inside brackets or parentheses.
fn split_top_level(src: &str, span: Span) -> Result<Vec<Span>, BindingError> {
    let mut pieces = Vec::new();
    let mut depth: Vec<(char, usize)> = Vec::new();
    let mut start = span.start;
    for (k, c) in src[span.clone()].char_indices() {
        let at = span.start + k;
        match c {
            '[' | '(' => depth.push((c, at)),
            ']' | ')' => match depth.pop() {
                Some((open, _)) if (open == '[') == (c == ']') => {}
                _ => return Err(syntax(format!("unmatched `{c}`"), at..at + 1)),
            },
            ',' if depth.is_empty() => {
                pieces.push(start..at);
                start = at + 1;
            }
            _ => {}
        }
    }
    if let Some((open, at)) = depth.pop() {
        return Err(syntax(format!("unclosed `{open}`"), at..at + 1));
    }
    pieces.push(start..span.end);
    Ok(pieces)
}

/// A scalar expression, or a bracketed vector of scalars, or a bracketed list of equal vectors.
fn parse_value(src: &str, span: Span) -> Result<Value, BindingError> {
    let text = &src[span.clone()];
    if text.is_empty() {
        return Err(syntax("expected a value", span));
    }
    if !text.starts_with('[') {
        let expr = parse_expr(text).map_err(|e| BindingError::Parse(e.shifted(span.start)))?;
        let n = eval_scalar(&expr, &Env::new()).map_err(|e| BindingError::Eval(e.shifted(span.start)))?;
        return Ok(Value::Scalar(n));
    }
    if !text.ends_with(']') {
        return Err(syntax("expected `]` at the end of the list", span.end - 1..span.end));
    }
    let inner = span.start + 1..span.end - 1;
    let items = split_top_level(src, inner)?
        .into_iter()
        .map(|piece| parse_value(src, trimmed(src, piece)))
        .collect::<Result<Vec<_>, _>>()?;
    if items.iter().all(|v| matches!(v, Value::Scalar(_))) {
        return Ok(Value::Vector(items.into_iter().filter_map(|v| v.as_scalar().cloned()).collect()));
    }
    let rows: Vec<Vec<Number>> = items
        .into_iter()
        .map(|v| match v {
            Value::Vector(row) => Ok(row),
            _ => Err(syntax("a matrix is a list of rows of numbers: [[1, 2], [3, 4]]", span.clone())),
        })
        .collect::<Result<_, _>>()?;
    if rows.iter().any(|r| r.len() != rows[0].len()) {
        return Err(syntax("the rows of a matrix must have the same length", span));
    }
    Ok(Value::Matrix(rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_scalars_vectors_matrices() {
        let env = parse_bindings("x=0.2, z=[1, 2, 3], W=[[1, 2], [3, 4]], k=1, y = -1/3").unwrap();
        assert_eq!(env.get("x").unwrap().to_string(), "1/5");
        assert_eq!(env.get("z").unwrap().to_string(), "[1, 2, 3]");
        assert_eq!(env.get("W").unwrap().to_string(), "[[1, 2], [3, 4]]");
        assert_eq!(env.get("y").unwrap().to_string(), "-1/3");
        assert!(parse_bindings("").unwrap().get("x").is_none());
    }

    #[test]
    fn errors_point_into_the_list() {
        let err = parse_bindings("x=1, z=[1, 2").unwrap_err();
        assert_eq!(Problem::span(&err), Some(7..8));
        let err = parse_bindings("x=1, W=[[1, 2], [3]]").unwrap_err();
        assert_eq!(err.kind(), "bad_binding");
        let err = parse_bindings("x=1, y=1/0").unwrap_err();
        assert_eq!(Problem::span(&err), Some(7..10));
        let err = parse_bindings("x 1").unwrap_err();
        assert_eq!(err.kind(), "bad_binding");
        let err = parse_bindings("1 = 2").unwrap_err();
        assert_eq!(Problem::span(&err), Some(0..1));
    }
}
