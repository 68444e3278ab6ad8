//! Dense matrices of [`Number`]s. Arithmetic is exact while the entries are exact; a product of
//! two matrices whose entries are all f64 goes through `ndarray` (the f64 path for big networks).

use crate::eval::number::{NumError, Number};
use crate::eval::value::Value;
use ndarray::Array2;

/// A `rows x cols` matrix, stored row by row.
#[derive(Clone, Debug, PartialEq)]
pub struct Matrix {
    rows: usize,
    cols: usize,
    data: Vec<Number>,
}

type MatResult = Result<Matrix, NumError>;

fn shape_error(what: &str, a: &Matrix, b: &Matrix) -> NumError {
    NumError::Domain(format!("{what}: shapes {}x{} and {}x{} do not fit", a.rows, a.cols, b.rows, b.cols))
}

impl Matrix {
    /// A matrix with every entry equal to `value`.
    pub fn filled(rows: usize, cols: usize, value: &Number) -> Matrix {
        Matrix { rows, cols, data: vec![value.clone(); rows * cols] }
    }

    /// A matrix from its rows; `None` when they are not all of the same length.
    pub fn from_rows(rows: Vec<Vec<Number>>) -> Option<Matrix> {
        let cols = rows.first().map_or(0, Vec::len);
        if rows.iter().any(|r| r.len() != cols) {
            return None;
        }
        Some(Matrix { rows: rows.len(), cols, data: rows.into_iter().flatten().collect() })
    }

    /// A matrix from its columns (each of length `rows`); `None` when they differ in length.
    pub fn from_columns(rows: usize, columns: &[Vec<Number>]) -> Option<Matrix> {
        if columns.iter().any(|c| c.len() != rows) {
            return None;
        }
        let data = (0..rows).flat_map(|r| columns.iter().map(move |c| c[r].clone())).collect();
        Some(Matrix { rows, cols: columns.len(), data })
    }

    /// A one-column matrix.
    pub fn column_vector(v: &[Number]) -> Matrix {
        Matrix { rows: v.len(), cols: 1, data: v.to_vec() }
    }

    /// The number of rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The number of columns.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// The entry in row `r`, column `c` (both from 0).
    pub fn get(&self, r: usize, c: usize) -> &Number {
        &self.data[r * self.cols + c]
    }

    /// Row `r` (from 0).
    pub fn row(&self, r: usize) -> &[Number] {
        &self.data[r * self.cols..(r + 1) * self.cols]
    }

    /// Column `c` (from 0).
    pub fn column(&self, c: usize) -> Vec<Number> {
        (0..self.rows).map(|r| self.get(r, c).clone()).collect()
    }

    /// The rows, as vectors.
    pub fn to_rows(&self) -> Vec<Vec<Number>> {
        (0..self.rows).map(|r| self.row(r).to_vec()).collect()
    }

    /// Every entry, row by row.
    pub fn entries(&self) -> &[Number] {
        &self.data
    }

    /// The matrix as a value the evaluator can bind.
    pub fn to_value(&self) -> Value {
        Value::Matrix(self.to_rows())
    }

    /// A matrix value back as a matrix (a scalar fills the given shape); `None` for another shape.
    pub fn from_value(value: Value, rows: usize, cols: usize) -> Option<Matrix> {
        match value {
            Value::Scalar(n) => Some(Matrix::filled(rows, cols, &n)),
            Value::Matrix(r) => Matrix::from_rows(r).filter(|m| m.rows == rows && m.cols == cols),
            Value::Vector(_) => None,
        }
    }

    /// The transpose.
    pub fn transpose(&self) -> Matrix {
        let data = (0..self.cols).flat_map(|c| (0..self.rows).map(move |r| self.get(r, c).clone())).collect();
        Matrix { rows: self.cols, cols: self.rows, data }
    }

    fn all_approx(&self) -> bool {
        self.data.iter().all(|n| !n.is_exact())
    }

    fn to_ndarray(&self) -> Array2<f64> {
        Array2::from_shape_fn((self.rows, self.cols), |(r, c)| self.get(r, c).to_f64())
    }

    fn from_ndarray(a: &Array2<f64>) -> MatResult {
        let (rows, cols) = a.dim();
        let data = a.iter().map(|&x| Number::approx(x)).collect::<Result<_, _>>()?;
        Ok(Matrix { rows, cols, data })
    }

    /// The matrix product `self * other`. Entries are summed left to right with [`Number`]
    /// arithmetic (exact when every term is exact); when every entry of both matrices is f64 the
    /// product is computed by `ndarray` instead.
    pub fn matmul(&self, other: &Matrix) -> MatResult {
        self.product(other, None).map(|m| m.expect("an unbounded product always has a result"))
    }

    /// [`Matrix::matmul`], giving up (`None`) as soon as an exact running sum or product has a
    /// numerator or denominator of more than `max_bits` bits: the cost of every exact operation
    /// stays bounded, however the denominators of the terms differ.
    pub fn matmul_within(&self, other: &Matrix, max_bits: u64) -> Result<Option<Matrix>, NumError> {
        self.product(other, Some(max_bits))
    }

    fn product(&self, other: &Matrix, max_bits: Option<u64>) -> Result<Option<Matrix>, NumError> {
        if self.cols != other.rows {
            return Err(shape_error("matrix product", self, other));
        }
        if self.all_approx() && other.all_approx() {
            return Matrix::from_ndarray(&self.to_ndarray().dot(&other.to_ndarray())).map(Some);
        }
        let outgrown = |n: &Number| max_bits.is_some_and(|bits| outgrows(n, bits));
        let mut data = Vec::with_capacity(self.rows * other.cols);
        for r in 0..self.rows {
            for c in 0..other.cols {
                let mut total = Number::int(0);
                for k in 0..self.cols {
                    let term = self.get(r, k).clone().try_mul(other.get(k, c))?;
                    total = total.try_add(&term)?;
                    if outgrown(&term) || outgrown(&total) {
                        return Ok(None);
                    }
                }
                data.push(total);
            }
        }
        Ok(Some(Matrix { rows: self.rows, cols: other.cols, data }))
    }

    /// Whether an exact entry has a numerator or denominator of more than `max_bits` bits.
    pub fn outgrows(&self, max_bits: u64) -> bool {
        self.data.iter().any(|n| outgrows(n, max_bits))
    }

    /// The same matrix with every entry as f64 (an error for an exact entry too large for f64).
    pub fn approximate(&self) -> MatResult {
        let data = approximate(&self.data)?;
        Ok(Matrix { rows: self.rows, cols: self.cols, data })
    }

    /// Combines two matrices of the same shape entry by entry.
    pub fn zip_with(&self, other: &Matrix, f: impl Fn(&Number, &Number) -> Result<Number, NumError>) -> MatResult {
        if (self.rows, self.cols) != (other.rows, other.cols) {
            return Err(shape_error("entry-wise operation", self, other));
        }
        let data = self.data.iter().zip(&other.data).map(|(a, b)| f(a, b)).collect::<Result<_, _>>()?;
        Ok(Matrix { rows: self.rows, cols: self.cols, data })
    }

    /// Every entry times `factor`.
    pub fn scaled(&self, factor: &Number) -> MatResult {
        let data = self.data.iter().map(|x| x.clone().try_mul(factor)).collect::<Result<_, _>>()?;
        Ok(Matrix { rows: self.rows, cols: self.cols, data })
    }

    /// Adds the vector `v` (one entry per row) to every column.
    pub fn add_to_columns(&self, v: &[Number]) -> MatResult {
        if v.len() != self.rows {
            return Err(shape_error("adding a bias", self, &Matrix::column_vector(v)));
        }
        let data = self
            .data
            .iter()
            .enumerate()
            .map(|(k, x)| x.clone().try_add(&v[k / self.cols.max(1)]))
            .collect::<Result<_, _>>()?;
        Ok(Matrix { rows: self.rows, cols: self.cols, data })
    }

    /// The sum of each row (left to right).
    pub fn row_sums(&self) -> Result<Vec<Number>, NumError> {
        (0..self.rows).map(|r| self.row(r).iter().try_fold(Number::int(0), |acc, x| acc.try_add(x))).collect()
    }

    /// `self - rate * step`, entry by entry.
    pub fn minus_scaled(&self, rate: &Number, step: &Matrix) -> MatResult {
        self.zip_with(step, |w, g| w.clone().try_sub(&rate.clone().try_mul(g)?))
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
        for (x, y) in fast.entries().iter().zip(slow.entries()) {
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
        let sum = exact.get(0, 0).as_exact().unwrap();
        let bits = sum.numer().bits().max(sum.denom().bits());
        assert!(bits > 32, "{bits}");
        assert_eq!(row.matmul_within(&ones, bits).unwrap(), Some(exact.clone()));
        assert_eq!(row.matmul_within(&ones, 32).unwrap(), None);
        assert!(exact.outgrows(32) && !exact.outgrows(bits));
        // f64 entries never outgrow anything.
        let approx = exact.approximate().unwrap();
        assert!(!approx.outgrows(1) && !approx.entries()[0].is_exact());
        assert!(row.approximate().unwrap().matmul_within(&ones.approximate().unwrap(), 1).unwrap().is_some());
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
