//! Dense matrices of [`Number`]s. A matrix whose entries are all f64 ([`Number::Approx`]) is
//! stored as an `ndarray::Array2<f64>` and computed on as one (products through `ndarray`'s
//! matrixmultiply, entry-wise operations as plain f64 loops): the f64 path for big networks.
//! Any other matrix is stored entry by entry and its arithmetic is exact while its entries are.
//! Both give the same numbers: f64 arithmetic is [`Number`]'s own on f64 entries.

use crate::eval::number::{NumError, Number};
use crate::eval::value::Value;
use ndarray::{Array2, Axis, Zip};

/// A `rows x cols` matrix.
#[derive(Clone, Debug)]
pub struct Matrix {
    repr: Repr,
}

#[derive(Clone, Debug)]
enum Repr {
    /// Entries of any kind, row by row.
    Numbers { rows: usize, cols: usize, data: Vec<Number> },
    /// Every entry a finite f64 (never -0.0, as [`Number::approx`] makes them).
    Floats(Array2<f64>),
}

type MatResult = Result<Matrix, NumError>;

fn shape_error(what: &str, a: &Matrix, b: &Matrix) -> NumError {
    NumError::Domain(format!("{what}: shapes {}x{} and {}x{} do not fit", a.rows(), a.cols(), b.rows(), b.cols()))
}

/// `x` as [`Number::approx`] keeps it: finite, and 0.0 for -0.0.
fn finite(x: f64) -> Result<f64, NumError> {
    if x.is_finite() {
        Ok(x + 0.0)
    } else {
        Err(NumError::Overflow)
    }
}

/// An f64 array whose entries are all finite (an overflow error otherwise), with -0.0 as 0.0.
fn floats(mut a: Array2<f64>) -> MatResult {
    for x in a.iter_mut() {
        *x = finite(*x)?;
    }
    Ok(Matrix { repr: Repr::Floats(a) })
}

impl PartialEq for Matrix {
    /// Equal shapes and equal entries (an f64 entry equals only an f64 entry).
    fn eq(&self, other: &Matrix) -> bool {
        match (&self.repr, &other.repr) {
            (Repr::Floats(a), Repr::Floats(b)) => a == b,
            _ => (self.rows(), self.cols()) == (other.rows(), other.cols()) && self.entries().eq(other.entries()),
        }
    }
}

impl Matrix {
    /// A matrix of `rows x cols` entries given row by row; stored as f64 when they all are.
    fn from_data(rows: usize, cols: usize, data: Vec<Number>) -> Matrix {
        if !data.is_empty() && data.iter().all(|n| matches!(n, Number::Approx(_))) {
            let values = data.iter().map(Number::to_f64).collect();
            let array = Array2::from_shape_vec((rows, cols), values).expect("rows * cols entries");
            return Matrix { repr: Repr::Floats(array) };
        }
        Matrix { repr: Repr::Numbers { rows, cols, data } }
    }

    /// A matrix with every entry equal to `value`.
    pub fn filled(rows: usize, cols: usize, value: &Number) -> Matrix {
        Matrix::from_data(rows, cols, vec![value.clone(); rows * cols])
    }

    /// A matrix from its rows; `None` when they are not all of the same length.
    pub fn from_rows(rows: Vec<Vec<Number>>) -> Option<Matrix> {
        let cols = rows.first().map_or(0, Vec::len);
        if rows.iter().any(|r| r.len() != cols) {
            return None;
        }
        Some(Matrix::from_data(rows.len(), cols, rows.into_iter().flatten().collect()))
    }

    /// A matrix from its columns (each of length `rows`); `None` when they differ in length.
    pub fn from_columns(rows: usize, columns: &[Vec<Number>]) -> Option<Matrix> {
        if columns.iter().any(|c| c.len() != rows) {
            return None;
        }
        let data = (0..rows).flat_map(|r| columns.iter().map(move |c| c[r].clone())).collect();
        Some(Matrix::from_data(rows, columns.len(), data))
    }

    /// A one-column matrix.
    pub fn column_vector(v: &[Number]) -> Matrix {
        Matrix::from_data(v.len(), 1, v.to_vec())
    }

    /// The number of rows.
    pub fn rows(&self) -> usize {
        match &self.repr {
            Repr::Numbers { rows, .. } => *rows,
            Repr::Floats(a) => a.nrows(),
        }
    }

    /// The number of columns.
    pub fn cols(&self) -> usize {
        match &self.repr {
            Repr::Numbers { cols, .. } => *cols,
            Repr::Floats(a) => a.ncols(),
        }
    }

    /// The entry in row `r`, column `c` (both from 0).
    pub fn get(&self, r: usize, c: usize) -> Number {
        match &self.repr {
            Repr::Numbers { cols, data, .. } => data[r * cols + c].clone(),
            Repr::Floats(a) => Number::Approx(a[(r, c)]),
        }
    }

    /// Row `r` (from 0).
    pub fn row(&self, r: usize) -> Vec<Number> {
        (0..self.cols()).map(|c| self.get(r, c)).collect()
    }

    /// Column `c` (from 0).
    pub fn column(&self, c: usize) -> Vec<Number> {
        (0..self.rows()).map(|r| self.get(r, c)).collect()
    }

    /// The rows, as vectors.
    pub fn to_rows(&self) -> Vec<Vec<Number>> {
        (0..self.rows()).map(|r| self.row(r)).collect()
    }

    /// Every entry, row by row.
    pub fn entries(&self) -> impl Iterator<Item = Number> + '_ {
        let cols = self.cols().max(1);
        (0..self.rows() * self.cols()).map(move |k| self.get(k / cols, k % cols))
    }

    /// The entries as f64 when every one is f64 (the f64 path), else `None`.
    pub fn floats(&self) -> Option<&Array2<f64>> {
        match &self.repr {
            Repr::Floats(a) => Some(a),
            Repr::Numbers { .. } => None,
        }
    }

    /// A matrix of f64 entries; an overflow error when one is not finite.
    pub fn from_floats(a: Array2<f64>) -> MatResult {
        floats(a)
    }

    /// `[column | self]`: `column` (one entry per row) before the first column.
    pub fn with_first_column(&self, column: &[Number]) -> Matrix {
        let rows = (0..self.rows()).map(|r| std::iter::once(column[r].clone()).chain(self.row(r)).collect());
        Matrix::from_rows(rows.collect()).expect("rows of equal length")
    }

    /// The first column, and the matrix without it (the inverse of [`Matrix::with_first_column`]).
    pub fn split_first_column(&self) -> (Vec<Number>, Matrix) {
        let rest = (0..self.rows()).map(|r| self.row(r)[1..].to_vec()).collect();
        (self.column(0), Matrix::from_rows(rest).expect("rows of equal length"))
    }

    /// The matrix as a value the evaluator can bind.
    pub fn to_value(&self) -> Value {
        Value::Matrix(self.to_rows())
    }

    /// A matrix value back as a matrix (a scalar fills the given shape); `None` for another shape.
    pub fn from_value(value: Value, rows: usize, cols: usize) -> Option<Matrix> {
        match value {
            Value::Scalar(n) => Some(Matrix::filled(rows, cols, &n)),
            Value::Matrix(r) => Matrix::from_rows(r).filter(|m| m.rows() == rows && m.cols() == cols),
            Value::Vector(_) => None,
        }
    }

    /// The transpose.
    pub fn transpose(&self) -> Matrix {
        match &self.repr {
            Repr::Floats(a) => Matrix { repr: Repr::Floats(a.t().as_standard_layout().into_owned()) },
            Repr::Numbers { rows, cols, .. } => {
                let data = (0..*cols).flat_map(|c| (0..*rows).map(move |r| self.get(r, c))).collect();
                Matrix { repr: Repr::Numbers { rows: *cols, cols: *rows, data } }
            }
        }
    }

    /// The matrix product `self * other`. Entries are summed left to right with [`Number`]
    /// arithmetic (exact when every term is exact); when neither matrix has an exact entry the
    /// product is computed in f64 by `ndarray` instead.
    pub fn matmul(&self, other: &Matrix) -> MatResult {
        self.product(other, None).map(|m| m.expect("an unbounded product always has a result"))
    }

    /// `self^T * other`, without copying `self` when both are f64.
    pub fn transpose_matmul(&self, other: &Matrix, max_bits: Option<u64>) -> Result<Option<Matrix>, NumError> {
        match (self.inexact(), other.inexact()) {
            (Some(a), Some(b)) if a.nrows() == b.nrows() => floats(a.t().dot(&*b)).map(Some),
            _ => self.transpose().product(other, max_bits),
        }
    }

    /// `self * other^T`, without copying `other` when both are f64.
    pub fn matmul_transpose(&self, other: &Matrix, max_bits: Option<u64>) -> Result<Option<Matrix>, NumError> {
        match (self.inexact(), other.inexact()) {
            (Some(a), Some(b)) if a.ncols() == b.ncols() => floats(a.dot(&b.t())).map(Some),
            _ => self.product(&other.transpose(), max_bits),
        }
    }

    /// [`Matrix::matmul`], giving up (`None`) when `max_bits` is given and an exact running sum
    /// or product has a numerator or denominator of more than `max_bits` bits: the cost of
    /// every exact operation stays bounded, however the denominators of the terms differ.
    pub fn product(&self, other: &Matrix, max_bits: Option<u64>) -> Result<Option<Matrix>, NumError> {
        if self.cols() != other.rows() {
            return Err(shape_error("matrix product", self, other));
        }
        if let (Some(a), Some(b)) = (self.inexact(), other.inexact()) {
            return floats(a.dot(&*b)).map(Some);
        }
        let outgrown = |n: &Number| max_bits.is_some_and(|bits| outgrows(n, bits));
        let (rows, cols) = (self.rows(), other.cols());
        let mut data = Vec::with_capacity(rows * cols);
        for r in 0..rows {
            for c in 0..cols {
                let mut total = Number::int(0);
                for k in 0..self.cols() {
                    let term = self.get(r, k).try_mul(&other.get(k, c))?;
                    total = total.try_add(&term)?;
                    if outgrown(&term) || outgrown(&total) {
                        return Ok(None);
                    }
                }
                data.push(total);
            }
        }
        Ok(Some(Matrix::from_data(rows, cols, data)))
    }

    /// The entries as f64 when none is exact (f64 or rounded ones, whose products are f64
    /// products: values are f64 after a transcendental function); `None` when one is exact.
    fn inexact(&self) -> Option<std::borrow::Cow<'_, Array2<f64>>> {
        match &self.repr {
            Repr::Floats(a) => Some(std::borrow::Cow::Borrowed(a)),
            Repr::Numbers { rows, cols, data } if !data.iter().any(Number::is_exact) => {
                Some(std::borrow::Cow::Owned(Array2::from_shape_fn((*rows, *cols), |(r, c)| {
                    data[r * cols + c].to_f64()
                })))
            }
            Repr::Numbers { .. } => None,
        }
    }

    /// Whether an exact entry has a numerator or denominator of more than `max_bits` bits.
    pub fn outgrows(&self, max_bits: u64) -> bool {
        match &self.repr {
            Repr::Numbers { data, .. } => data.iter().any(|n| outgrows(n, max_bits)),
            Repr::Floats(_) => false,
        }
    }

    /// The same matrix with every entry as f64 (an error for an exact entry too large for f64).
    pub fn approximate(&self) -> MatResult {
        match &self.repr {
            Repr::Floats(_) => Ok(self.clone()),
            Repr::Numbers { rows, cols, data } => {
                floats(Array2::from_shape_fn((*rows, *cols), |(r, c)| data[r * cols + c].to_f64()))
            }
        }
    }

    /// Combines two matrices of the same shape entry by entry with `f`. When both are f64 and
    /// `float` is given, they are combined by it instead: on two f64 entries `f(a, b)` must be
    /// `float(a, b)` (checked finite), as [`Number`]'s arithmetic is on f64 operands.
    fn combine(
        &self,
        other: &Matrix,
        f: impl Fn(Number, &Number) -> Result<Number, NumError>,
        float: Option<impl Fn(f64, f64) -> f64>,
    ) -> MatResult {
        if (self.rows(), self.cols()) != (other.rows(), other.cols()) {
            return Err(shape_error("entry-wise operation", self, other));
        }
        if let (Repr::Floats(a), Repr::Floats(b), Some(float)) = (&self.repr, &other.repr, float) {
            return floats(Zip::from(a).and(b).map_collect(|&x, &y| float(x, y)));
        }
        let data = self.entries().zip(other.entries()).map(|(a, b)| f(a, &b)).collect::<Result<_, _>>()?;
        Ok(Matrix::from_data(self.rows(), self.cols(), data))
    }

    /// The entry-wise product.
    pub fn hadamard(&self, other: &Matrix) -> MatResult {
        self.combine(other, Number::try_mul, Some(|a: f64, b: f64| a * b))
    }

    /// Every entry times `factor`.
    pub fn scaled(&self, factor: &Number) -> MatResult {
        if let (Repr::Floats(a), Some(f)) = (&self.repr, plain(factor)) {
            return floats(a.mapv(|x| x * f));
        }
        let data = self.entries().map(|x| x.try_mul(factor)).collect::<Result<_, _>>()?;
        Ok(Matrix::from_data(self.rows(), self.cols(), data))
    }

    /// Adds the vector `v` (one entry per row) to every column.
    pub fn add_to_columns(&self, v: &[Number]) -> MatResult {
        if v.len() != self.rows() {
            return Err(shape_error("adding a bias", self, &Matrix::column_vector(v)));
        }
        if let (Repr::Floats(a), Some(b)) = (&self.repr, v.iter().map(plain).collect::<Option<Vec<_>>>()) {
            let column = ndarray::Array1::from(b).insert_axis(Axis(1));
            return floats(a + &column);
        }
        let cols = self.cols().max(1);
        let data = self.entries().enumerate().map(|(k, x)| x.try_add(&v[k / cols])).collect::<Result<_, _>>()?;
        Ok(Matrix::from_data(self.rows(), self.cols(), data))
    }

    /// The sum of each row (left to right).
    pub fn row_sums(&self) -> Result<Vec<Number>, NumError> {
        if let Repr::Floats(a) = &self.repr {
            return a.rows().into_iter().map(|r| Number::approx(r.iter().fold(0.0, |acc, x| acc + x))).collect();
        }
        (0..self.rows()).map(|r| self.row(r).iter().try_fold(Number::int(0), |acc, x| acc.try_add(x))).collect()
    }

    /// `self - rate * step`, entry by entry.
    pub fn minus_scaled(&self, rate: &Number, step: &Matrix) -> MatResult {
        let float = plain(rate).map(|r| move |w: f64, g: f64| w - r * g);
        self.combine(step, |w, g| w.try_sub(&rate.clone().try_mul(g)?), float)
    }
}

/// `n` as the f64 that [`Number`]'s arithmetic uses for it beside an f64 operand, unless it is
/// rounded (rounded arithmetic keeps an enclosure).
fn plain(n: &Number) -> Option<f64> {
    match n {
        Number::Rounded(_) => None,
        _ => Some(n.to_f64()),
    }
}

/// Whether `n` is exact with a numerator or denominator of more than `max_bits` bits.
pub fn outgrows(n: &Number, max_bits: u64) -> bool {
    n.as_exact().is_some_and(|r| r.numer().bits() > max_bits || r.denom().bits() > max_bits)
}

/// Every entry of `v` as f64 (an error for an exact entry too large for f64).
pub fn approximate(v: &[Number]) -> Result<Vec<Number>, NumError> {
    v.iter().map(|n| Number::approx(n.to_f64())).collect()
}

/// `v - rate * step`, entry by entry (for bias vectors of equal length).
pub fn vector_minus_scaled(v: &[Number], rate: &Number, step: &[Number]) -> Result<Vec<Number>, NumError> {
    v.iter().zip(step).map(|(b, g)| b.clone().try_sub(&rate.clone().try_mul(g)?)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_rational::BigRational;

    fn q(n: i64, d: i64) -> Number {
        Number::Exact(BigRational::new(n.into(), d.into()))
    }

    fn m(rows: &[&[Number]]) -> Matrix {
        Matrix::from_rows(rows.iter().map(|r| r.to_vec()).collect()).unwrap()
    }

    #[test]
    fn exact_product_and_transpose() {
        let w = m(&[&[q(1, 10), q(1, 10)], &[q(1, 3), q(-1, 2)]]);
        let x = m(&[&[Number::int(1)], &[Number::int(2)]]);
        let z = w.matmul(&x).unwrap();
        assert_eq!(z.column(0), vec![q(3, 10), q(-2, 3)]);
        assert_eq!(w.transpose().row(0), &[q(1, 10), q(1, 3)]);
        assert!(w.matmul(&w.transpose().transpose().transpose()).is_ok());
        assert!(x.matmul(&x).is_err());
    }

    #[test]
    fn f64_product_agrees_with_number_loop() {
        let a = m(&[&[Number::Approx(0.5), Number::Approx(-1.25)], &[Number::Approx(2.0), Number::Approx(0.1)]]);
        let b = m(&[&[Number::Approx(3.0)], &[Number::Approx(0.7)]]);
        let fast = a.matmul(&b).unwrap();
        let slow =
            m(&[&[q(1, 2), Number::Approx(-1.25)], &[Number::Approx(2.0), Number::Approx(0.1)]]).matmul(&b).unwrap();
        for (x, y) in fast.entries().zip(slow.entries()) {
            assert!((x.to_f64() - y.to_f64()).abs() < 1e-15);
        }
    }

    #[test]
    fn bounded_products_give_up_when_an_exact_sum_outgrows_the_bound() {
        // 1/2 + 1/3 + 1/5 + ...: the denominator of the running sum grows with every prime.
        let primes = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37];
        let row = m(&[&primes.map(|p| q(1, p))]);
        let ones = Matrix::filled(primes.len(), 1, &Number::int(1));
        let exact = row.matmul(&ones).unwrap();
        let sum = exact.get(0, 0).as_exact().unwrap().clone();
        let bits = sum.numer().bits().max(sum.denom().bits());
        assert!(bits > 32, "{bits}");
        assert_eq!(row.product(&ones, Some(bits)).unwrap(), Some(exact.clone()));
        assert_eq!(row.product(&ones, Some(32)).unwrap(), None);
        assert!(exact.outgrows(32) && !exact.outgrows(bits));
        // f64 entries never outgrow anything.
        let approx = exact.approximate().unwrap();
        assert!(!approx.outgrows(1) && !approx.get(0, 0).is_exact());
        assert!(row.approximate().unwrap().product(&ones.approximate().unwrap(), Some(1)).unwrap().is_some());
    }

    #[test]
    fn broadcasting_sums_and_updates() {
        let z = m(&[&[Number::int(1), Number::int(2)], &[Number::int(3), Number::int(4)]]);
        let with_bias = z.add_to_columns(&[q(1, 2), Number::int(-1)]).unwrap();
        assert_eq!(with_bias.row(0), &[q(3, 2), q(5, 2)]);
        assert_eq!(z.row_sums().unwrap(), vec![Number::int(3), Number::int(7)]);
        let updated = z.minus_scaled(&q(1, 10), &z).unwrap();
        assert_eq!(updated.row(1), &[q(27, 10), q(36, 10)]);
        assert_eq!(vector_minus_scaled(&[Number::int(1)], &q(1, 2), &[Number::int(1)]).unwrap(), vec![q(1, 2)]);
        let cols =
            Matrix::from_columns(2, &[vec![Number::int(1), Number::int(3)], vec![Number::int(2), Number::int(4)]]);
        assert_eq!(cols.unwrap(), z);
    }
}
