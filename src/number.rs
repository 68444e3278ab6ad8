//! Numbers that stay exact (BigRational) through + − × ÷, integer powers, roots of perfect
//! powers and the exact cases of transcendental functions (exp(0), log(1), ...), and fall back
//! to f64 only where the value is irrational.

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, Signed, ToPrimitive, Zero};
use std::cmp::Ordering;
use std::fmt;

/// Largest size, in bits, of an exact result before it is refused as too large.
const MAX_EXACT_BITS: u64 = 1 << 16;

/// A number: exact where the math allows, f64 otherwise.
#[derive(Clone, Debug, PartialEq)]
pub enum Number {
    /// An exact rational.
    Exact(BigRational),
    /// A floating-point approximation (always finite).
    Approx(f64),
}

/// Why an arithmetic operation has no value.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NumError {
    /// Division by zero (also `0^-1`).
    #[error("division by zero")]
    DivisionByZero,
    /// An argument outside the function's domain.
    #[error("{0}")]
    Domain(String),
    /// A result too large to represent (f64 overflow or a huge exact power).
    #[error("the result is too large to represent")]
    Overflow,
}

type NumResult = Result<Number, NumError>;

impl Number {
    /// An exact integer.
    pub fn int(n: i64) -> Number {
        Number::Exact(BigRational::from_integer(BigInt::from(n)))
    }

    /// An f64, refusing NaN and infinities.
    pub fn approx(x: f64) -> NumResult {
        if x.is_finite() {
            Ok(Number::Approx(if x == 0.0 { 0.0 } else { x }))
        } else {
            Err(NumError::Overflow)
        }
    }

    /// The value as f64 (exact rationals are rounded).
    pub fn to_f64(&self) -> f64 {
        match self {
            Number::Exact(r) => r.to_f64().unwrap_or(f64::NAN),
            Number::Approx(x) => *x,
        }
    }

    /// The exact value, if this number is exact.
    pub fn as_exact(&self) -> Option<&BigRational> {
        match self {
            Number::Exact(r) => Some(r),
            Number::Approx(_) => None,
        }
    }

    /// Whether the number is exact.
    pub fn is_exact(&self) -> bool {
        matches!(self, Number::Exact(_))
    }

    /// Whether the value is zero.
    pub fn is_zero(&self) -> bool {
        match self {
            Number::Exact(r) => r.is_zero(),
            Number::Approx(x) => *x == 0.0,
        }
    }

    /// The value as an index (a positive exact integer that fits in usize), if it is one.
    pub fn as_index(&self) -> Option<usize> {
        match self {
            Number::Exact(r) if r.is_integer() && r.is_positive() => r.to_integer().to_usize(),
            _ => None,
        }
    }

    /// Compares two numbers (exactly when both are exact).
    pub fn compare(&self, other: &Number) -> Ordering {
        match (self, other) {
            (Number::Exact(a), Number::Exact(b)) => a.cmp(b),
            // `partial_cmp` takes -0.0 and 0.0 as equal; numbers are never NaN.
            _ => self.to_f64().partial_cmp(&other.to_f64()).unwrap_or(Ordering::Equal),
        }
    }

    fn exact_or(
        self,
        other: &Number,
        exact: impl Fn(&BigRational, &BigRational) -> BigRational,
        approx: impl Fn(f64, f64) -> f64,
    ) -> NumResult {
        match (&self, other) {
            (Number::Exact(a), Number::Exact(b)) => Ok(Number::Exact(exact(a, b))),
            _ => Number::approx(approx(self.to_f64(), other.to_f64())),
        }
    }

    /// `self + other`
    pub fn try_add(self, other: &Number) -> NumResult {
        self.exact_or(other, |a, b| a + b, |a, b| a + b)
    }

    /// `self - other`
    pub fn try_sub(self, other: &Number) -> NumResult {
        self.exact_or(other, |a, b| a - b, |a, b| a - b)
    }

    /// `self * other`
    pub fn try_mul(self, other: &Number) -> NumResult {
        self.exact_or(other, |a, b| a * b, |a, b| a * b)
    }

    /// `self / other`; an error when `other` is zero.
    pub fn try_div(self, other: &Number) -> NumResult {
        if other.is_zero() {
            return Err(NumError::DivisionByZero);
        }
        self.exact_or(other, |a, b| a / b, |a, b| a / b)
    }

    /// `self ^ exponent`: exact for exact bases with integer exponents, and for exact
    /// rational exponents `p/q` when the base is a perfect q-th power.
    pub fn pow(self, exponent: &Number) -> NumResult {
        if self.is_zero() && exponent.compare(&Number::int(0)) == Ordering::Less {
            return Err(NumError::DivisionByZero);
        }
        if let (Number::Exact(base), Number::Exact(e)) = (&self, exponent) {
            if let Some(root) = exact_root(base, e.denom()) {
                return exact_int_pow(&root, e.numer());
            }
            if base.is_negative() {
                return Err(NumError::Domain(format!("a negative number to the power {e} has no real value")));
            }
        }
        let (b, e) = (self.to_f64(), exponent.to_f64());
        if b < 0.0 && e.fract() != 0.0 {
            return Err(NumError::Domain("a negative number to a fractional power has no real value".into()));
        }
        Number::approx(b.powf(e))
    }

    /// The natural exponential; exact for 0.
    pub fn exp(self) -> NumResult {
        if self.is_exact() && self.is_zero() {
            return Ok(Number::int(1));
        }
        Number::approx(self.to_f64().exp())
    }

    /// The natural logarithm; exact for 1, an error for non-positive arguments.
    pub fn log(self) -> NumResult {
        if self.compare(&Number::int(0)) != Ordering::Greater {
            return Err(NumError::Domain(format!("log of a non-positive number ({self})")));
        }
        if self == Number::int(1) {
            return Ok(Number::int(0));
        }
        Number::approx(self.to_f64().ln())
    }

    /// The square root; exact for perfect squares, an error for negative arguments.
    pub fn sqrt(self) -> NumResult {
        if self.compare(&Number::int(0)) == Ordering::Less {
            return Err(NumError::Domain(format!("sqrt of a negative number ({self})")));
        }
        self.pow(&Number::Exact(BigRational::new(1.into(), 2.into())))
    }

    /// Applies an odd or even function that is exact (with the given value) at 0.
    pub fn at_zero_or(self, value_at_zero: i64, f: fn(f64) -> f64) -> NumResult {
        if self.is_exact() && self.is_zero() {
            return Ok(Number::int(value_at_zero));
        }
        Number::approx(f(self.to_f64()))
    }

    /// |self|
    pub fn abs(self) -> Number {
        if self.compare(&Number::int(0)) == Ordering::Less {
            -self
        } else {
            self
        }
    }

    /// -1, 0 or 1, exactly.
    pub fn sign(&self) -> Number {
        match self.compare(&Number::int(0)) {
            Ordering::Less => Number::int(-1),
            Ordering::Equal => Number::int(0),
            Ordering::Greater => Number::int(1),
        }
    }

    /// Formats the number: exact values as reduced fractions or integers, approximations with
    /// `digits` significant digits (like `%g`: `0.549834`, `1.5e-07`).
    pub fn format(&self, digits: usize) -> String {
        match self {
            Number::Exact(r) if r.is_integer() => r.numer().to_string(),
            Number::Exact(r) => format!("{}/{}", r.numer(), r.denom()),
            Number::Approx(x) => format_significant(*x, digits),
        }
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.format(6))
    }
}

impl std::ops::Neg for Number {
    type Output = Number;

    fn neg(self) -> Number {
        match self {
            Number::Exact(r) => Number::Exact(-r),
            // 0.0 - x rather than -x: a negated zero is 0.0, never -0.0.
            Number::Approx(x) => Number::Approx(0.0 - x),
        }
    }
}

impl From<BigRational> for Number {
    fn from(r: BigRational) -> Number {
        Number::Exact(r)
    }
}

/// The exact `q`-th root of `base`, if it is rational.
fn exact_root(base: &BigRational, q: &BigInt) -> Option<BigRational> {
    if q.is_one() {
        return Some(base.clone());
    }
    let q = q.to_u32().filter(|&q| q <= 64)?;
    if base.is_negative() && q % 2 == 0 {
        return None;
    }
    let root = |n: &BigInt| {
        let r = n.abs().nth_root(q);
        (num_traits::pow(r.clone(), q as usize) == n.abs()).then_some(r)
    };
    let (n, d) = (root(base.numer())?, root(base.denom())?);
    let magnitude = BigRational::new(n, d);
    Some(if base.is_negative() { -magnitude } else { magnitude })
}

/// `base ^ e` for an integer `e`, refusing results that would be absurdly large.
fn exact_int_pow(base: &BigRational, e: &BigInt) -> NumResult {
    if base.is_zero() || base.abs().is_one() {
        let even = (e % BigInt::from(2)).is_zero();
        return Ok(Number::Exact(if base.is_negative() && !even {
            -BigRational::one()
        } else if base.is_zero() && e.is_zero() {
            BigRational::one()
        } else {
            base.abs()
        }));
    }
    let bits = base.numer().bits().max(base.denom().bits());
    let magnitude = e.abs().to_u64().filter(|m| m.saturating_mul(bits) <= MAX_EXACT_BITS).ok_or(NumError::Overflow)?;
    let power = num_traits::pow(base.clone(), magnitude as usize);
    Ok(Number::Exact(if e.is_negative() { power.recip() } else { power }))
}

/// `%g`-style formatting with `digits` significant digits, trailing zeros removed.
pub fn format_significant(x: f64, digits: usize) -> String {
    if x == 0.0 {
        return "0".to_string();
    }
    let digits = digits.clamp(1, 17);
    let sci = format!("{:.*e}", digits - 1, x);
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    if exponent < -5 || exponent >= digits as i32 {
        let mantissa = trim_zeros(mantissa);
        let sign = if exponent < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exponent.abs())
    } else {
        let decimals = (digits as i32 - 1 - exponent).max(0) as usize;
        trim_zeros(&format!("{:.*}", decimals, x)).to_string()
    }
}

fn trim_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(n: i64, d: i64) -> Number {
        Number::Exact(BigRational::new(n.into(), d.into()))
    }

    #[test]
    fn exact_arithmetic() {
        assert_eq!(q(1, 10).try_add(&q(2, 10)).unwrap(), q(3, 10));
        assert_eq!(q(2, 3).pow(&Number::int(-2)).unwrap(), q(9, 4));
        assert_eq!(q(4, 9).sqrt().unwrap(), q(2, 3));
        assert_eq!(q(-8, 27).pow(&q(1, 3)).unwrap(), q(-2, 3));
        assert_eq!(Number::int(0).exp().unwrap(), Number::int(1));
        assert_eq!(Number::int(1).log().unwrap(), Number::int(0));
        assert!(!Number::int(2).sqrt().unwrap().is_exact());
    }

    #[test]
    fn errors_are_not_nan() {
        assert_eq!(Number::int(1).try_div(&Number::int(0)), Err(NumError::DivisionByZero));
        assert!(matches!(Number::int(0).log(), Err(NumError::Domain(_))));
        assert!(matches!(Number::int(-1).sqrt(), Err(NumError::Domain(_))));
        assert_eq!(Number::int(0).pow(&Number::int(-1)), Err(NumError::DivisionByZero));
        assert_eq!(Number::Approx(1e300).try_mul(&Number::Approx(1e300)), Err(NumError::Overflow));
        assert_eq!(Number::int(10).pow(&Number::int(1_000_000)), Err(NumError::Overflow));
    }

    #[test]
    fn a_negated_float_zero_is_zero() {
        let zero = -Number::Approx(0.0);
        assert_eq!(zero.sign(), Number::int(0));
        assert_eq!(zero.compare(&Number::int(0)), Ordering::Equal);
        assert_eq!(zero.to_f64().to_bits(), 0.0f64.to_bits());
        assert_eq!((-Number::Approx(0.5)).sign(), Number::int(-1));
    }

    #[test]
    fn formatting() {
        assert_eq!(format_significant(0.549833997312478, 6), "0.549834");
        assert_eq!(format_significant(0.00050575, 6), "0.00050575");
        assert_eq!(format_significant(1.5e-7, 6), "1.5e-07");
        assert_eq!(format_significant(123456789.0, 6), "1.23457e+08");
        assert_eq!(format_significant(-0.113937, 6), "-0.113937");
        assert_eq!(format_significant(2.0, 6), "2");
        assert_eq!(q(3, 10).format(6), "3/10");
        assert_eq!(Number::int(4).format(6), "4");
    }
}
