//! The numbers and tensors of an exercise file: a TOML number read exactly from its text
//! (`0.1` is 1/10), a string holding a constant expression (`"1/3"`), vectors and weight
//! matrices of the shapes the network needs, each error pointing at the entry at fault.

use super::error::ExerciseError;
use super::file::{plural, span_of, Bias, Reader};
use super::matrix::Matrix;
use crate::eval::eval_scalar;
use crate::eval::number::Number;
use crate::eval::value::Env;
use crate::syntax::ast::Span;
use crate::syntax::parse::{parse_expr, parse_number};
use num_bigint::BigInt;
use num_rational::BigRational;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::Deserialize;
use toml::Spanned;

/// A number (its text is read back from the file through its span), a string holding a
/// constant expression, or a list.
pub(super) enum RawTensor {
    /// A number, its text at its span.
    Number,
    /// A string holding a constant expression.
    Text(String),
    /// A list.
    List(Vec<Spanned<RawTensor>>),
}

impl<'de> Deserialize<'de> for RawTensor {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TensorVisitor;
        impl<'de> Visitor<'de> for TensorVisitor {
            type Value = RawTensor;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a number, a string like \"1/3\", or a list of them")
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<RawTensor, E> {
                Ok(RawTensor::Number)
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<RawTensor, E> {
                Ok(RawTensor::Number)
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<RawTensor, E> {
                Ok(RawTensor::Number)
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<RawTensor, E> {
                Ok(RawTensor::Text(s.to_string()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawTensor, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element::<Spanned<RawTensor>>()? {
                    items.push(item);
                }
                Ok(RawTensor::List(items))
            }
        }
        deserializer.deserialize_any(TensorVisitor)
    }
}

impl Reader<'_> {
    /// A scalar: a number, or a string holding a constant expression (`"1/3"`).
    pub(super) fn scalar(&self, t: &Spanned<RawTensor>, key: &str) -> Result<Number, ExerciseError> {
        let span = span_of(t);
        match t.get_ref() {
            RawTensor::Number => {
                let text = &self.src[span.clone()];
                toml_number(text).ok_or_else(|| {
                    ExerciseError::invalid(key, format!("`{text}` is not a finite number"), span.clone())
                })
            }
            RawTensor::Text(text) => {
                let offset = self.src.get(span.clone()).map_or(1, |raw| if raw.starts_with("\"\"\"") { 3 } else { 1 });
                let verbatim =
                    self.src.get(span.start + offset..span.start + offset + text.len()) == Some(text.as_str());
                let shift = |s: Span| {
                    if verbatim {
                        s.start + span.start + offset..s.end + span.start + offset
                    } else {
                        span.clone()
                    }
                };
                let e = parse_expr(text).map_err(|err| {
                    ExerciseError::invalid(key, format!("`{text}` is not a number: {err}"), shift(err.span()))
                })?;
                eval_scalar(&e, &Env::new())
                    .map_err(|err| ExerciseError::invalid(key, format!("`{text}` has no value: {err}"), span.clone()))
            }
            RawTensor::List(_) => Err(ExerciseError::invalid(key, "expected a number, found a list", span)),
        }
    }

    /// A vector of `len` numbers, one per `what`.
    pub(super) fn vector(
        &self,
        t: &Spanned<RawTensor>,
        key: &str,
        len: usize,
        what: &str,
    ) -> Result<Vec<Number>, ExerciseError> {
        let RawTensor::List(items) = t.get_ref() else {
            return Err(ExerciseError::invalid(
                key,
                format!("expected a list of {len} numbers, one per {what}"),
                span_of(t),
            ));
        };
        if items.len() != len {
            return Err(ExerciseError::invalid(
                key,
                format!(
                    "has {} but the network has {len} {what}",
                    plural(items.len(), "entry").replace("entrys", "entries")
                ),
                span_of(t),
            ));
        }
        items.iter().map(|item| self.scalar(item, key)).collect()
    }

    /// The weight matrix of layer `l`, its shape from `layers`.
    pub(super) fn matrix(
        &self,
        t: &Spanned<RawTensor>,
        key: &str,
        l: usize,
        layers: &[usize],
        bias: Bias,
    ) -> Result<Matrix, ExerciseError> {
        let (rows, cols) = match bias {
            Bias::Separate => (layers[l], layers[l - 1]),
            Bias::Folded => (layers[l], layers[l - 1] + 1),
        };
        let expected = match bias {
            Bias::Separate => format!(
                "W{l} must be {rows} x {cols} (units in layer {l} x units in layer {}, from layers = {layers:?})",
                l - 1
            ),
            Bias::Folded => format!(
                "W{l} must be {rows} x {cols} (units in layer {l} x a column of biases and the units in layer {}, \
                 from layers = {layers:?} and bias = \"folded\")",
                l - 1
            ),
        };
        let RawTensor::List(items) = t.get_ref() else {
            return Err(ExerciseError::invalid(
                key,
                format!("expected a matrix (a list of rows): {expected}"),
                span_of(t),
            ));
        };
        let found_cols = |item: &Spanned<RawTensor>| match item.get_ref() {
            RawTensor::List(r) => Some(r.len()),
            _ => None,
        };
        let shape = match items.first().map(found_cols) {
            Some(Some(c)) => format!("{} x {c}", items.len()),
            Some(None) => "a list of numbers, not of rows".to_string(),
            None => "an empty list".to_string(),
        };
        if items.len() != rows || items.iter().any(|r| found_cols(r) != Some(cols)) {
            let first = items.first().and_then(found_cols);
            let ragged = items.iter().enumerate().find(|(_, r)| found_cols(r) != first);
            let (message, span) = match ragged {
                Some((k, row)) => (
                    format!(
                        "row {} has {} entries, not {}, but {expected}",
                        k + 1,
                        found_cols(row).unwrap_or(1),
                        first.unwrap_or(0)
                    ),
                    span_of(row),
                ),
                None => (format!("found {shape}, but {expected}"), span_of(t)),
            };
            return Err(ExerciseError::invalid(key, message, span));
        }
        let mut out = Vec::with_capacity(rows);
        for row in items {
            out.push(self.vector(row, key, cols, &format!("unit in layer {}", l - 1))?);
        }
        Ok(Matrix::from_rows(out).expect("rows checked to be of equal length"))
    }
}

/// A TOML number's exact value from its text: decimal (`0.1`, `-2.5e-3`, `1_000`), or
/// hexadecimal/octal/binary integers. `None` for `inf` and `nan`.
pub fn toml_number(text: &str) -> Option<Number> {
    let clean: String = text.chars().filter(|&c| c != '_').collect();
    let (negative, body) = match clean.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, clean.strip_prefix('+').unwrap_or(&clean)),
    };
    let radix = [("0x", 16), ("0o", 8), ("0b", 2)].into_iter().find(|(p, _)| body.starts_with(p));
    let value = match radix {
        Some((prefix, r)) => BigRational::from_integer(BigInt::parse_bytes(&body.as_bytes()[prefix.len()..], r)?),
        None => parse_number(body)?,
    };
    Some(Number::Exact(if negative { -value } else { value }))
}
