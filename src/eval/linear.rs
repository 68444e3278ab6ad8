//! Matrix form on values: array literals, the transpose and the matrix product.
//!
//! A [`Value::Vector`] is a column; a one-row [`Value::Matrix`] is a row. Results are kept in
//! that normal form: a product with one column is a vector, a 1×1 product is a scalar.

use crate::eval::number::{NumError, Number};
use crate::eval::value::Value;

/// Why two values do not fit together, with both shapes written out (`3×2`).
#[derive(Clone, Debug, PartialEq)]
pub enum ShapeError {
    /// An array literal mixes numbers and rows, or rows of different lengths.
    Ragged(String),
    /// The operands of a product have shapes that do not chain.
    Product(String),
    /// Arithmetic failed on an entry.
    Number(NumError),
}

impl std::fmt::Display for ShapeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ShapeError::Ragged(message) | ShapeError::Product(message) => f.write_str(message),
            ShapeError::Number(err) => write!(f, "{err}"),
        }
    }
}

impl From<NumError> for ShapeError {
    fn from(err: NumError) -> Self {
        ShapeError::Number(err)
    }
}

/// A value's shape as a reader writes it: `scalar`, `3×1` for a vector, `2×3` for a matrix.
pub fn shape_text(v: &Value) -> String {
    match grid(v) {
        None => "scalar".to_string(),
        Some((rows, cols, _)) => format!("{rows}×{cols}"),
    }
}

/// How the error for an array of numbers and vectors begins (`[1, x]` with a vector `x`).
pub const MIXED_ITEMS: &str = "an array's items are all numbers or all rows";

/// The value of an array literal: numbers make a vector, equal-length vectors (rows) a matrix;
/// one-column rows (`[[1], [2]]`) make a vector.
pub fn array(items: Vec<Value>) -> Result<Value, ShapeError> {
    if items.iter().all(|v| matches!(v, Value::Scalar(_))) {
        let numbers = items.into_iter().filter_map(|v| v.as_scalar().cloned()).collect();
        return Ok(Value::Vector(numbers));
    }
    let mut rows = Vec::with_capacity(items.len());
    for item in items {
        match item {
            Value::Vector(row) => rows.push(row),
            other => return Err(ShapeError::Ragged(format!("{MIXED_ITEMS}; found a {}", shape_text(&other)))),
        }
    }
    let width = rows[0].len();
    if let Some(bad) = rows.iter().find(|r| r.len() != width) {
        return Err(ShapeError::Ragged(format!(
            "the rows of a matrix have one length; found {width} and {}",
            bad.len()
        )));
    }
    Ok(normal(rows))
}

/// The transpose: a vector becomes a row, a row a vector; a scalar is its own transpose.
pub fn transpose(v: &Value) -> Value {
    match grid(v) {
        None => v.clone(),
        Some((rows, cols, entries)) => {
            normal((0..cols).map(|c| (0..rows).map(|r| entries[r][c].clone()).collect()).collect())
        }
    }
}

/// The matrix product `a b`; a scalar factor scales the other.
pub fn matmul(a: &Value, b: &Value) -> Result<Value, ShapeError> {
    match (a, b) {
        (Value::Scalar(x), other) | (other, Value::Scalar(x)) => Ok(other.try_map(&mut |y| x.clone().try_mul(y))?),
        _ => {
            let (Some((m, n, p)), Some((n2, k, q))) = (grid(a), grid(b)) else { unreachable!("scalars handled above") };
            if n != n2 {
                let hint = if n == 1 && k == 1 { " (two column vectors: transpose one of them)" } else { "" };
                return Err(ShapeError::Product(format!(
                    "a {m}×{n} times a {n2}×{k} does not chain: {n} column(s) against {n2} row(s){hint}"
                )));
            }
            let mut rows = Vec::with_capacity(m);
            for row in &p {
                let mut out = Vec::with_capacity(k);
                for c in 0..k {
                    let mut total = Number::int(0);
                    for (x, qrow) in row.iter().zip(&q) {
                        total = total.try_add(&x.clone().try_mul(&qrow[c])?)?;
                    }
                    out.push(total);
                }
                rows.push(out);
            }
            Ok(normal(rows))
        }
    }
}

/// The square matrix with `v` on its diagonal (a scalar is its own).
pub fn diag(v: &Value) -> Result<Value, ShapeError> {
    match v {
        Value::Scalar(_) => Ok(v.clone()),
        Value::Vector(items) => Ok(normal(
            (0..items.len())
                .map(|r| (0..items.len()).map(|c| if r == c { items[r].clone() } else { Number::int(0) }).collect())
                .collect(),
        )),
        Value::Matrix(_) => Err(ShapeError::Product("diag takes a vector, found a matrix".into())),
    }
}

/// The sum of a square matrix's diagonal.
pub fn trace(v: &Value) -> Result<Value, ShapeError> {
    let Some((rows, cols, entries)) = grid(v) else { return Ok(v.clone()) };
    if rows != cols {
        return Err(ShapeError::Product(format!("tr takes a square matrix, found a {rows}×{cols}")));
    }
    let mut total = Number::int(0);
    for (k, row) in entries.iter().enumerate() {
        total = total.try_add(&row[k])?;
    }
    Ok(Value::Scalar(total))
}

/// The sum of every entry.
pub fn sum_all(v: &Value) -> Result<Value, ShapeError> {
    let mut total = Number::int(0);
    for x in v.numbers() {
        total = total.try_add(x)?;
    }
    Ok(Value::Scalar(total))
}

/// The vector of `n` ones, or with `identity` the `n`×`n` identity matrix.
pub fn ones_or_identity(n: usize, identity: bool) -> Value {
    normal(
        (0..n)
            .map(|r| (0..if identity { n } else { 1 }).map(|c| Number::int(i64::from(!identity || r == c))).collect())
            .collect(),
    )
}

/// Rows, columns and entries of a vector (a column) or matrix; `None` for a scalar.
fn grid(v: &Value) -> Option<(usize, usize, Vec<Vec<Number>>)> {
    match v {
        Value::Scalar(_) => None,
        Value::Vector(items) => Some((items.len(), 1, items.iter().map(|x| vec![x.clone()]).collect())),
        Value::Matrix(rows) => Some((rows.len(), rows.first().map_or(0, Vec::len), rows.clone())),
    }
}

/// A grid in normal form: 1×1 a scalar, one column a vector, else a matrix.
fn normal(rows: Vec<Vec<Number>>) -> Value {
    match (rows.len(), rows.first().map_or(0, Vec::len)) {
        (1, 1) => Value::Scalar(rows[0][0].clone()),
        (_, 1) => Value::Vector(rows.into_iter().map(|mut r| r.remove(0)).collect()),
        _ => Value::Matrix(rows),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(x: i64) -> Number {
        Number::int(x)
    }

    fn column(xs: &[i64]) -> Value {
        Value::Vector(xs.iter().map(|&x| n(x)).collect())
    }

    fn matrix(rows: &[&[i64]]) -> Value {
        Value::Matrix(rows.iter().map(|r| r.iter().map(|&x| n(x)).collect()).collect())
    }

    #[test]
    fn a_matrix_times_a_vector_is_a_vector() {
        let w = matrix(&[&[1, 2], &[3, 4], &[5, 6]]);
        assert_eq!(matmul(&w, &column(&[1, 1])), Ok(column(&[3, 7, 11])));
    }

    #[test]
    fn a_column_times_a_row_is_the_outer_product() {
        let row = transpose(&column(&[1, 2, 3]));
        assert_eq!(row, matrix(&[&[1, 2, 3]]));
        assert_eq!(matmul(&column(&[1, 2]), &row), Ok(matrix(&[&[1, 2, 3], &[2, 4, 6]])));
        assert_eq!(matmul(&row, &column(&[1, 1, 1])), Ok(Value::Scalar(n(6))));
    }

    #[test]
    fn shapes_that_do_not_chain_are_named() {
        let err = matmul(&column(&[1, 2]), &column(&[1, 2])).unwrap_err();
        assert!(err.to_string().contains("2×1 times a 2×1") && err.to_string().contains("transpose"), "{err}");
        let w = matrix(&[&[1, 2, 3], &[4, 5, 6]]);
        assert!(matmul(&w, &column(&[1, 2])).is_err());
    }

    #[test]
    fn scalars_scale() {
        assert_eq!(matmul(&Value::Scalar(n(2)), &column(&[1, 2])), Ok(column(&[2, 4])));
        assert_eq!(transpose(&Value::Scalar(n(2))), Value::Scalar(n(2)));
    }

    #[test]
    fn arrays_are_vectors_or_matrices_by_rows() {
        let s = |x| Value::Scalar(n(x));
        assert_eq!(array(vec![s(1), s(2)]), Ok(column(&[1, 2])));
        assert_eq!(array(vec![column(&[1, 2]), column(&[3, 4])]), Ok(matrix(&[&[1, 2], &[3, 4]])));
        assert_eq!(array(vec![column(&[1]), column(&[2])]), Ok(column(&[1, 2])));
        assert!(array(vec![column(&[1, 2]), column(&[3])]).is_err());
        assert!(array(vec![s(1), column(&[3])]).is_err());
        assert_eq!(shape_text(&matrix(&[&[1, 2, 3]])), "1×3");
        assert_eq!(transpose(&matrix(&[&[1, 2], &[3, 4]])), matrix(&[&[1, 3], &[2, 4]]));
    }
}
