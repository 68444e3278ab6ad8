//! `--dim 'p=3, q=2'`: the fixed lengths of vectors for `deltaform equiv`'s numeric check.

use crate::sample::Sampler;
use crate::syntax::ast::{Node, Span};
use crate::syntax::diagnostic::Diagnostic;
use crate::syntax::parse::parse_expr;

/// The longest vector `--dim` may ask for (every sample point holds one such vector).
pub const MAX_LENGTH: usize = 1_000;

/// One fixed length, with where it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct Dim {
    /// The vector's name.
    pub name: String,
    /// Its length.
    pub len: usize,
    /// Which `--dim` text it came from.
    pub text: usize,
    /// Where the name is in that text.
    pub span: Span,
}

/// Reads every `--dim` text (`p=3`, or several: `p=3, q=2`); a name given twice is an error.
pub fn parse_dims(texts: &[String]) -> Result<Vec<Dim>, Box<Diagnostic>> {
    let mut dims: Vec<Dim> = vec![];
    for (k, text) in texts.iter().enumerate() {
        let error = |message: String, span: Span| bad_dim(message, span, text);
        let mut start = 0;
        for item in text.split(',') {
            let dim = parse_item(item, start, k).map_err(|(message, span)| error(message, span))?;
            if dims.iter().any(|d| d.name == dim.name) {
                return Err(error(format!("the length of `{}` is already fixed", dim.name), dim.span));
            }
            dims.push(dim);
            start += item.len() + 1;
        }
    }
    Ok(dims)
}

/// Fixes the lengths in `sampler`; an error points at a name that is not an input vector.
pub fn fix_lengths(sampler: &mut Sampler, dims: &[Dim], texts: &[String]) -> Result<(), Box<Diagnostic>> {
    for dim in dims {
        sampler
            .fix_length(&dim.name, dim.len)
            .map_err(|e| bad_dim(e.to_string(), dim.span.clone(), &texts[dim.text]))?;
    }
    Ok(())
}

/// Reads `name = length`, standing at byte `offset` of `--dim` text number `text`; an error
/// message with the span at fault (in the whole text).
fn parse_item(item: &str, offset: usize, text: usize) -> Result<Dim, (String, Span)> {
    let at = |part: &str| {
        let start = offset + part.as_ptr() as usize - item.as_ptr() as usize;
        start..start + part.len()
    };
    let whole = trimmed_span(item, offset);
    let Some((name, len)) = item.split_once('=') else {
        return Err(("expected `name=length`, such as `p=3`".to_string(), whole));
    };
    let (name, len) = (name.trim(), len.trim());
    let name_span = at(name);
    let Ok(Node::Var(var)) = parse_expr(name).map(|e| e.node) else {
        return Err((format!("`{name}` is not a name"), if name.is_empty() { whole } else { name_span }));
    };
    let len_span = if len.is_empty() { whole } else { at(len) };
    let len = match len.parse::<usize>() {
        Ok(0) | Err(_) => return Err((format!("the length must be a positive whole number, found `{len}`"), len_span)),
        Ok(n) if n > MAX_LENGTH => {
            return Err((format!("the length must be at most {MAX_LENGTH}, found {n}"), len_span))
        }
        Ok(n) => n,
    };
    Ok(Dim { name: var, len, text, span: name_span })
}

/// The span of `item` without its surrounding blanks, `item` starting at byte `offset`.
fn trimmed_span(item: &str, offset: usize) -> Span {
    let start = offset + item.len() - item.trim_start().len();
    start..start + item.trim().len()
}

fn bad_dim(message: String, span: Span, text: &str) -> Box<Diagnostic> {
    Box::new(Diagnostic {
        kind: "bad_dim".to_string(),
        message,
        span: Some(span),
        help: Some("--dim fixes the length of a vector the expressions index: `p=3`, or `p=3, q=2`".to_string()),
        source_name: "--dim".to_string(),
        source: text.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dims(texts: &[&str]) -> Result<Vec<(String, usize)>, (String, Span)> {
        let texts: Vec<String> = texts.iter().map(|s| s.to_string()).collect();
        parse_dims(&texts)
            .map(|d| d.into_iter().map(|d| (d.name, d.len)).collect())
            .map_err(|d| (d.message, d.span.unwrap()))
    }

    #[test]
    fn reads_one_or_several_lengths_per_text() {
        let want: Vec<(String, usize)> = vec![("p".into(), 3), ("q".into(), 2), ("W1".into(), 1)];
        assert_eq!(dims(&["p=3, q = 2", " W1=1 "]).unwrap(), want);
    }

    #[test]
    fn bad_lengths_point_at_the_text_at_fault() {
        let cases = [
            ("p=0", "positive whole number", 2..3),
            ("p=3, q=-1", "found `-1`", 7..9),
            ("p=3, q=2.5", "found `2.5`", 7..10),
            ("p=3, q=", "found ``", 5..7),
            ("p=1001", "at most 1000", 2..6),
            ("p3", "expected `name=length`", 0..2),
            ("p=3,", "expected `name=length`", 4..4),
            ("x+1=3", "`x+1` is not a name", 0..3),
            ("pi=3", "`pi` is not a name", 0..2),
            ("p=3, p=4", "already fixed", 5..6),
        ];
        for (text, message, span) in cases {
            let (got, at) = dims(&[text]).unwrap_err();
            assert!(got.contains(message), "{text}: {got}");
            assert_eq!(at, span, "{text}");
        }
    }
}
