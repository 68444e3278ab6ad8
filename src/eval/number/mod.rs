//! Numbers that stay exact (BigRational) through + − × ÷, integer powers, roots of perfect
//! powers and the exact cases of transcendental functions (exp(0), log(1), ...), and otherwise
//! are f64 with a rigorous enclosure of the true value (see [`enclosure`]), so that a sign, a
//! comparison or a pole is decided soundly or reported as undecidable, never guessed from a
//! rounded value. Exact numbers are bounded in size ([`MAX_EXACT_BITS`],
//! [`MAX_EXACT_DENOMINATOR_BITS`]): past that the computation goes on in f64. Numbers that start
//! as plain f64 ([`Number::Approx`]) are taken at face value and computed in plain f64.

pub mod enclosure;
mod exact;

pub use enclosure::{Enclosure, NegativeBase};

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, Signed, ToPrimitive, Zero};
use std::cmp::Ordering;
use std::fmt;

/// Largest size, in bits, of an exact integer (or of the numerator of an exact fraction): past
/// it, arithmetic goes on in f64 (see [`Number::gave_up_exact`]).
pub const MAX_EXACT_BITS: u64 = 1 << 16;

/// Largest size, in bits, of the denominator of an exact fraction: past it, arithmetic goes on
/// in f64. Fractions are kept in lowest terms, at the cost of a gcd per operation; this bound
/// keeps that gcd, and so every exact operation, around a millisecond at most.
pub const MAX_EXACT_DENOMINATOR_BITS: u64 = 1 << 13;

/// Exact arguments beyond this magnitude are moved to it for functions that are monotone and
/// already at their f64 limit there (exp of a very negative number is 0 to f64, ...).
const SATURATION: f64 = 4096.0;

/// A number: exact where the math allows, f64 otherwise.
#[derive(Clone, Debug, PartialEq)]
pub enum Number {
    /// An exact rational.
    Exact(BigRational),
    /// An f64 taken at face value, as the exact binary fraction it is (always finite): a sampled
    /// point, a value of the runner's f64 mode. Arithmetic among such numbers (and exact ones) is
    /// plain f64, as fast as f64 and as trustworthy; with a rounded number it counts as a point.
    Approx(f64),
    /// The f64 result of rounded arithmetic, with an enclosure that certainly holds the true value.
    Rounded(Enclosure),
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
    /// A result too large to represent (f64 overflow).
    #[error("the result is too large to represent")]
    Overflow,
    /// A sign (of a divisor, an argument, a difference) that rounding error leaves open.
    #[error("{0}")]
    Undecidable(Box<UndecidedSign>),
}

/// A sign that rounding error leaves open: what it is the sign of, and the bounds of its
/// enclosure (which hold 0).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("cannot decide the sign of {subject}: it is within rounding error of 0 (between {low} and {high})")]
pub struct UndecidedSign {
    /// What the sign is of.
    pub subject: String,
    /// The lower bound of its enclosure, formatted.
    pub low: String,
    /// The upper bound of its enclosure, formatted.
    pub high: String,
}

impl NumError {
    /// The same error, saying what an undecidable sign is of (e.g. an expression's text).
    pub fn about(self, what: impl FnOnce() -> String) -> NumError {
        match self {
            NumError::Undecidable(mut sign) => {
                sign.subject = what();
                NumError::Undecidable(sign)
            }
            other => other,
        }
    }
}

/// A number, or why an operation has none.
pub type NumResult = Result<Number, NumError>;

impl Number {
    /// An exact integer.
    pub fn int(n: i64) -> Number {
        Number::Exact(BigRational::from_integer(BigInt::from(n)))
    }

    /// An f64 taken at face value, refusing NaN and infinities.
    pub fn approx(x: f64) -> NumResult {
        if x.is_finite() {
            Ok(Number::Approx(x + 0.0))
        } else {
            Err(NumError::Overflow)
        }
    }

    /// π (rounded, with its enclosure).
    pub fn pi() -> Number {
        Number::Rounded(Enclosure::pi())
    }

    /// The value as f64 (exact rationals are rounded to nearest).
    pub fn to_f64(&self) -> f64 {
        match self {
            Number::Exact(r) => r.to_f64().unwrap_or(f64::NAN),
            Number::Approx(x) => *x,
            Number::Rounded(e) => e.value(),
        }
    }

    /// The exact value, if this number is exact.
    pub fn as_exact(&self) -> Option<&BigRational> {
        match self {
            Number::Exact(r) => Some(r),
            _ => None,
        }
    }

    /// Whether the number is exact.
    pub fn is_exact(&self) -> bool {
        matches!(self, Number::Exact(_))
    }

    /// Whether the value is known to be exactly zero.
    pub fn is_zero(&self) -> bool {
        match self {
            Number::Exact(r) => r.is_zero(),
            Number::Approx(x) => *x == 0.0,
            Number::Rounded(e) => e.sign() == Some(Ordering::Equal),
        }
    }

    /// Whether an exact computation outgrew [`MAX_EXACT_BITS`] on the way to this number, so
    /// that it was finished in f64.
    pub fn gave_up_exact(&self) -> bool {
        matches!(self, Number::Rounded(e) if e.gave_up_exact())
    }

    /// The value as an index (a positive exact integer that fits in usize), if it is one.
    pub fn as_index(&self) -> Option<usize> {
        match self {
            Number::Exact(r) if r.is_integer() && r.is_positive() => r.numer().to_usize(),
            _ => None,
        }
    }

    /// The enclosure of the value; an overflow error for an exact number beyond f64's range.
    #[inline]
    pub fn enclosure(&self) -> Result<Enclosure, NumError> {
        match self {
            Number::Exact(r) => exact::enclose(r),
            Number::Approx(x) => Enclosure::point(*x),
            Number::Rounded(e) => Ok(*e),
        }
    }

    /// The sign of an exact number too large for f64 (which decides its order against any f64).
    fn sign_beyond_f64(&self) -> Option<Ordering> {
        match self {
            Number::Exact(r) if r.numer().bits() > r.denom().bits() + 1024 => Some(exact::sign(r)),
            _ => None,
        }
    }

    /// The sign of the value; an error when rounding error leaves it open.
    pub fn decided_sign(&self) -> Result<Ordering, NumError> {
        match self {
            Number::Exact(r) => Ok(exact::sign(r)),
            Number::Approx(x) => Ok(x.partial_cmp(&0.0).unwrap_or(Ordering::Equal)),
            Number::Rounded(e) => e.decided_sign(),
        }
    }

    /// Compares two numbers soundly: exactly when neither is rounded, else by their
    /// enclosures; an error when rounding error leaves the order open.
    pub fn try_compare(&self, other: &Number) -> Result<Ordering, NumError> {
        match (self, other) {
            (Number::Exact(a), Number::Exact(b)) => Ok(a.cmp(b)),
            (Number::Approx(x), Number::Approx(y)) => Ok(x.partial_cmp(y).unwrap_or(Ordering::Equal)),
            (Number::Exact(a), Number::Approx(y)) => Ok(compare_exact_to_f64(a, *y)),
            (Number::Approx(x), Number::Exact(b)) => Ok(compare_exact_to_f64(b, *x).reverse()),
            _ => {
                if let Some(sign) = self.sign_beyond_f64() {
                    return Ok(sign);
                }
                if let Some(sign) = other.sign_beyond_f64() {
                    return Ok(sign.reverse());
                }
                let (a, b) = (self.enclosure()?, other.enclosure()?);
                if a.same_point(&b) {
                    return Ok(Ordering::Equal);
                }
                let about = || "the difference".to_string();
                a.sub(&b).checked().and_then(|d| d.decided_sign()).map_err(|e| e.about(about))
            }
        }
    }

    /// Compares two numbers: soundly where [`Number::try_compare`] decides, and by the f64
    /// values where rounding error leaves the order open.
    pub fn compare(&self, other: &Number) -> Ordering {
        self.try_compare(other).unwrap_or_else(|_| {
            // `partial_cmp` takes -0.0 and 0.0 as equal; numbers are never NaN.
            self.to_f64().partial_cmp(&other.to_f64()).unwrap_or(Ordering::Equal)
        })
    }

    #[inline]
    fn exact_or(
        self,
        other: &Number,
        exact: impl Fn(&BigRational, &BigRational) -> NumResult,
        plain: impl Fn(f64, f64) -> f64,
        rounded: impl Fn(&Enclosure, &Enclosure) -> Enclosure,
    ) -> NumResult {
        let result = match (&self, other) {
            (Number::Exact(a), Number::Exact(b)) => return exact(a, b),
            (Number::Rounded(a), Number::Rounded(b)) => rounded(a, b),
            (Number::Rounded(a), _) => rounded(a, &other.enclosure()?),
            (_, Number::Rounded(b)) => rounded(&self.enclosure()?, b),
            _ => return Number::approx(plain(self.to_f64(), other.to_f64())),
        };
        Number::from_enclosure(result)
    }

    /// Whether a result of these operands is an f64 at face value: some operand is one, and
    /// none is rounded.
    fn at_face_value(&self, other: &Number) -> bool {
        let rounded = |n: &Number| matches!(n, Number::Rounded(_));
        let approx = |n: &Number| matches!(n, Number::Approx(_));
        (approx(self) || approx(other)) && !rounded(self) && !rounded(other)
    }

    /// A rounded number, or an overflow error for an invalid enclosure.
    #[inline]
    fn from_enclosure(e: Enclosure) -> NumResult {
        if e.value().is_finite() {
            Ok(Number::Rounded(e))
        } else {
            Err(NumError::Overflow)
        }
    }

    /// `self + other`
    #[inline]
    pub fn try_add(self, other: &Number) -> NumResult {
        self.exact_or(other, exact::add, |a, b| a + b, Enclosure::add)
    }

    /// `self - other`
    #[inline]
    pub fn try_sub(self, other: &Number) -> NumResult {
        self.exact_or(other, exact::sub, |a, b| a - b, Enclosure::sub)
    }

    /// `self * other`
    #[inline]
    pub fn try_mul(self, other: &Number) -> NumResult {
        self.exact_or(other, exact::mul, |a, b| a * b, Enclosure::mul)
    }

    /// `self / other`; an error when `other` is zero (or may be, within rounding error).
    #[inline]
    pub fn try_div(self, other: &Number) -> NumResult {
        if other.is_zero() {
            return Err(NumError::DivisionByZero);
        }
        match (&self, other) {
            (Number::Exact(a), Number::Exact(b)) => exact::div(a, b),
            _ if self.at_face_value(other) => Number::approx(self.to_f64() / other.to_f64()),
            _ => Ok(Number::Rounded(self.enclosure()?.div(&other.enclosure()?)?)),
        }
    }

    /// `self ^ exponent`: exact for exact bases with integer exponents, and for exact
    /// rational exponents `p/q` when the base is a perfect q-th power; a negative base has the
    /// real (odd) root when `q` is odd, and no value when it is even.
    pub fn pow(self, exponent: &Number) -> NumResult {
        let rule = match exponent {
            Number::Exact(e) => exact::negative_base(e),
            _ => NegativeBase::Undefined,
        };
        match (&self, exponent) {
            (Number::Exact(base), Number::Exact(e)) => {
                if base.is_zero() && e.is_negative() {
                    return Err(NumError::DivisionByZero);
                }
                match exact::exact_root(base, e.denom()) {
                    Some(root) => exact::int_pow(&root, e.numer()),
                    None => exact::rounded_pow(base, e, false),
                }
            }
            (Number::Approx(b), Number::Approx(e)) if *b < 0.0 && e.fract() == 0.0 => {
                // A negative f64 to an integral f64 power, at face value.
                Number::approx(b.powf(*e))
            }
            _ => {
                let power = self.enclosure()?.pow(&exponent.enclosure()?, rule)?;
                self.rounded_or_face_value(exponent, power)
            }
        }
    }

    /// A result computed through enclosures: rounded, or at face value when the operands are
    /// (see [`Number::at_face_value`]).
    fn rounded_or_face_value(&self, other: &Number, result: Enclosure) -> NumResult {
        if self.at_face_value(other) {
            Number::approx(result.value())
        } else {
            Ok(Number::Rounded(result))
        }
    }

    /// The enclosure of the argument of a function that is monotone and at its f64 limit beyond
    /// ±[`SATURATION`] (on the low side only, unless `both_sides`): an exact argument beyond is
    /// moved to the limit, where the function's enclosure still holds the true value.
    fn saturated_enclosure(&self, both_sides: bool) -> Result<Enclosure, NumError> {
        match self {
            Number::Exact(r) if r.numer().bits() > r.denom().bits() + 12 => {
                let limit = if r.is_negative() { -SATURATION } else { SATURATION };
                if r.is_negative() || both_sides {
                    Enclosure::point(limit)
                } else {
                    self.enclosure()
                }
            }
            _ => self.enclosure(),
        }
    }

    /// `f(self)` through the enclosure of `self`: rounded, or at face value for an f64 at face
    /// value.
    fn apply(self, enclosure: Enclosure, f: fn(&Enclosure) -> Result<Enclosure, NumError>) -> NumResult {
        self.rounded_or_face_value(&self, f(&enclosure)?)
    }

    /// `f(self)`, exact (`at_zero()`) when `self` is an exact 0.
    fn at_zero_or(self, at_zero: fn() -> Number, f: fn(&Enclosure) -> Result<Enclosure, NumError>) -> NumResult {
        if self.is_exact() && self.is_zero() {
            return Ok(at_zero());
        }
        let enclosure = self.enclosure()?;
        self.apply(enclosure, f)
    }

    /// The natural exponential; exact for 0.
    pub fn exp(self) -> NumResult {
        if self.is_exact() && self.is_zero() {
            return Ok(Number::int(1));
        }
        // An f64 at face value: its enclosure's value is the plain function's (tested).
        if let Number::Approx(x) = self {
            return Number::approx(x.exp());
        }
        let enclosure = self.saturated_enclosure(true)?;
        self.apply(enclosure, Enclosure::exp)
    }

    /// The natural logarithm; exact for 1, an error for non-positive arguments.
    pub fn log(self) -> NumResult {
        match &self {
            Number::Exact(r) if !r.is_positive() => {
                Err(NumError::Domain(format!("log of a non-positive number ({self})")))
            }
            Number::Exact(r) if r.is_one() => Ok(Number::int(0)),
            Number::Exact(r) => Ok(Number::Rounded(exact::ln(r)?)),
            _ => {
                let enclosure = self.enclosure()?;
                self.apply(enclosure, Enclosure::ln)
            }
        }
    }

    /// The square root; exact for perfect squares, an error for negative arguments.
    pub fn sqrt(self) -> NumResult {
        match &self {
            Number::Exact(r) if r.is_negative() => Err(NumError::Domain(format!("sqrt of a negative number ({self})"))),
            Number::Exact(r) => match exact::exact_root(r, &BigInt::from(2)) {
                Some(root) => Ok(Number::Exact(root)),
                None => Ok(Number::Rounded(exact::sqrt(r)?)),
            },
            _ => {
                let enclosure = self.enclosure()?;
                self.apply(enclosure, Enclosure::sqrt)
            }
        }
    }

    /// The sine; exact for 0.
    pub fn sin(self) -> NumResult {
        self.at_zero_or(|| Number::int(0), Enclosure::sin)
    }

    /// The cosine; exact for 0.
    pub fn cos(self) -> NumResult {
        self.at_zero_or(|| Number::int(1), Enclosure::cos)
    }

    /// The tangent; exact for 0, an error at (or within rounding error of) a pole.
    pub fn tan(self) -> NumResult {
        self.at_zero_or(|| Number::int(0), Enclosure::tan)
    }

    /// The hyperbolic sine; exact for 0.
    pub fn sinh(self) -> NumResult {
        self.at_zero_or(|| Number::int(0), Enclosure::sinh)
    }

    /// The hyperbolic cosine; exact for 0.
    pub fn cosh(self) -> NumResult {
        self.at_zero_or(|| Number::int(1), Enclosure::cosh)
    }

    /// The hyperbolic tangent; exact for 0.
    pub fn tanh(self) -> NumResult {
        if self.is_exact() && self.is_zero() {
            return Ok(Number::int(0));
        }
        // An f64 at face value: its enclosure's value is the plain function's (tested).
        if let Number::Approx(x) = self {
            return Number::approx(x.tanh());
        }
        let enclosure = self.saturated_enclosure(true)?;
        self.apply(enclosure, Enclosure::tanh)
    }

    /// The logistic sigmoid 1/(1 + e^-x); exact (1/2) for 0.
    pub fn sigmoid(self) -> NumResult {
        if self.is_exact() && self.is_zero() {
            return Ok(Number::Exact(BigRational::new(BigInt::from(1), BigInt::from(2))));
        }
        // An f64 at face value: its enclosure's value is the plain function's (tested).
        if let Number::Approx(x) = self {
            return Number::approx(enclosure::sigmoid(x));
        }
        let enclosure = self.saturated_enclosure(true)?;
        self.apply(enclosure, Enclosure::sigmoid)
    }

    /// softplus(x) = log(1 + e^x), without overflow for large x.
    pub fn softplus(self) -> NumResult {
        let enclosure = self.saturated_enclosure(false)?;
        self.apply(enclosure, Enclosure::softplus)
    }

    /// The error function; exact (0) for 0.
    pub fn erf(self) -> NumResult {
        if self.is_exact() && self.is_zero() {
            return Ok(Number::int(0));
        }
        let enclosure = self.saturated_enclosure(true)?;
        self.apply(enclosure, Enclosure::erf)
    }

    /// |self| (continuous: never undecidable).
    pub fn abs(self) -> Number {
        match self {
            Number::Exact(r) => Number::Exact(r.abs()),
            Number::Approx(x) => Number::Approx(x.abs()),
            Number::Rounded(e) => Number::Rounded(e.abs()),
        }
    }

    /// The larger of two numbers: the one that is larger when the order is decided, else
    /// (continuous) the enclosure of the larger.
    pub fn max(self, other: Number) -> NumResult {
        match self.try_compare(&other) {
            Ok(Ordering::Less) => Ok(other),
            // Equal values: the exact one, if either is.
            Ok(Ordering::Equal) if other.is_exact() => Ok(other),
            Ok(_) => Ok(self),
            Err(NumError::Undecidable(_)) => Ok(Number::Rounded(self.enclosure()?.max(&other.enclosure()?))),
            Err(e) => Err(e),
        }
    }

    /// The smaller of two numbers (see [`Number::max`]).
    pub fn min(self, other: Number) -> NumResult {
        Ok(-(-self).max(-other)?)
    }

    /// max(self, 0).
    pub fn relu(self) -> NumResult {
        self.max(Number::int(0))
    }

    /// -1, 0 or 1, exactly; an error when rounding error leaves the sign open.
    pub fn sign(&self) -> NumResult {
        Ok(Number::int(match self.decided_sign()? {
            Ordering::Less => -1,
            Ordering::Equal => 0,
            Ordering::Greater => 1,
        }))
    }

    /// 1 for a positive number, else 0, exactly; an error when the sign is open.
    pub fn step(&self) -> NumResult {
        Ok(Number::int((self.decided_sign()? == Ordering::Greater) as i64))
    }

    /// 1 when the two numbers are equal, else 0, exactly; an error when rounding error leaves
    /// it open.
    pub fn delta(&self, other: &Number) -> NumResult {
        Ok(Number::int((self.try_compare(other)? == Ordering::Equal) as i64))
    }

    /// Formats the number: exact values as reduced fractions or integers, approximations with
    /// `digits` significant digits (like `%g`: `0.549834`, `1.5e-07`).
    pub fn format(&self, digits: usize) -> String {
        match self {
            Number::Exact(r) if r.is_integer() => r.numer().to_string(),
            Number::Exact(r) => format!("{}/{}", r.numer(), r.denom()),
            _ => format_significant(self.to_f64(), digits),
        }
    }
}

/// The order of an exact number and an f64, exactly.
fn compare_exact_to_f64(a: &BigRational, y: f64) -> Ordering {
    if y == 0.0 {
        return exact::sign(a);
    }
    if a.is_zero() {
        return 0.0.partial_cmp(&y).unwrap_or(Ordering::Equal);
    }
    BigRational::from_float(y).map_or(Ordering::Equal, |b| a.cmp(&b))
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
            Number::Rounded(e) => Number::Rounded(e.neg()),
        }
    }
}

impl From<BigRational> for Number {
    fn from(r: BigRational) -> Number {
        Number::Exact(r)
    }
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

    /// exp, tanh and sigmoid of an f64 at face value are computed directly: the value is the
    /// one the enclosure would give, overflow included.
    #[test]
    fn face_value_functions_agree_with_their_enclosures() {
        let through_enclosure = |x: f64, f: fn(&Enclosure) -> Result<Enclosure, NumError>| {
            Enclosure::point(x).and_then(|e| f(&e)).and_then(|e| Number::approx(e.value()))
        };
        let mut xs =
            vec![0.0, -0.0, 1e-300, -1e-300, 0.5, -0.5, 20.0, -20.0, 40.0, -40.0, 709.0, 710.0, -745.0, -800.0];
        xs.extend((-2000..=2000).map(|k| k as f64 * 0.0137));
        for x in xs {
            assert_eq!(Number::Approx(x).exp(), through_enclosure(x, Enclosure::exp), "exp({x})");
            assert_eq!(Number::Approx(x).tanh(), through_enclosure(x, Enclosure::tanh), "tanh({x})");
            assert_eq!(Number::Approx(x).sigmoid(), through_enclosure(x, Enclosure::sigmoid), "sigmoid({x})");
        }
    }

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
        assert_eq!(zero.sign(), Ok(Number::int(0)));
        assert_eq!(zero.compare(&Number::int(0)), Ordering::Equal);
        assert_eq!(zero.to_f64().to_bits(), 0.0f64.to_bits());
        assert_eq!((-Number::Approx(0.5)).sign(), Ok(Number::int(-1)));
    }

    fn ten_to(k: u32) -> Number {
        Number::Exact(BigRational::from_integer(BigInt::from(10).pow(k)))
    }

    #[test]
    fn signs_come_from_enclosures_not_rounded_values() {
        let tiny = Number::int(-1000).exp().unwrap();
        assert_eq!(tiny.to_f64(), 0.0);
        assert_eq!(tiny.sign(), Ok(Number::int(1)));
        assert_eq!(tiny.step(), Ok(Number::int(1)));
        assert_eq!(tiny.clone().try_mul(&tiny).unwrap().sign(), Ok(Number::int(1)));
        assert_eq!(Number::int(1).try_div(&tiny), Err(NumError::Overflow));
        let root = Number::int(2).sqrt().unwrap();
        let zero_ish = root.clone().try_mul(&root).unwrap().try_sub(&Number::int(2)).unwrap();
        assert!(matches!(zero_ish.sign(), Err(NumError::Undecidable(_))));
        assert!(matches!(zero_ish.step(), Err(NumError::Undecidable(_))));
        assert!(matches!(zero_ish.delta(&Number::int(0)), Err(NumError::Undecidable(_))));
        assert!(matches!(Number::int(1).try_div(&zero_ish), Err(NumError::Undecidable(_))));
        // relu, abs, max and min are continuous: an enclosure instead of a decision.
        let relu = zero_ish.clone().relu().unwrap();
        assert!(!relu.is_exact() && relu.enclosure().unwrap().lo() == 0.0);
        assert_eq!(zero_ish.clone().abs().enclosure().unwrap().lo(), 0.0);
        // Decided signs keep exact results exact.
        assert_eq!(Number::pi().try_sub(&Number::int(3)).unwrap().relu().unwrap().sign(), Ok(Number::int(1)));
        assert_eq!((-Number::pi()).relu(), Ok(Number::int(0)));
    }

    #[test]
    fn poles_are_errors() {
        let half_pi = Number::pi().try_div(&Number::int(2)).unwrap();
        assert!(matches!(half_pi.tan(), Err(NumError::Domain(_))));
        assert!(Number::int(1).tan().is_ok());
        assert_eq!(Number::int(0).tan(), Ok(Number::int(0)));
    }

    #[test]
    fn comparisons_are_exact_or_refused() {
        let third = q(1, 3);
        assert_eq!(third.try_compare(&Number::Approx(1.0 / 3.0)), Ok(Ordering::Greater));
        assert_eq!(q(1, 2).try_compare(&Number::Approx(0.5)), Ok(Ordering::Equal));
        assert_eq!(Number::pi().try_compare(&q(314159, 100000)), Ok(Ordering::Greater));
        assert_eq!(ten_to(400).try_compare(&Number::pi()), Ok(Ordering::Greater));
        let e = Number::int(1).exp().unwrap();
        let e_again = Number::int(1).exp().unwrap().try_mul(&Number::int(3)).unwrap().try_div(&Number::int(3)).unwrap();
        assert!(matches!(e.try_compare(&e_again), Err(NumError::Undecidable(_))));
        // compare() falls back to the f64 values.
        assert_eq!(e.compare(&e_again), e.to_f64().partial_cmp(&e_again.to_f64()).unwrap());
    }

    #[test]
    fn huge_exact_arguments() {
        let log = ten_to(400).log().unwrap();
        assert!((log.to_f64() - 921.0340371976183).abs() < 1e-9);
        let root = ten_to(401).sqrt().unwrap();
        assert!((root.to_f64() / 3.1622776601683795e200 - 1.0).abs() < 1e-15);
        assert_eq!(ten_to(400).sqrt().unwrap(), ten_to(200));
        let tiny = (-ten_to(400)).exp().unwrap();
        assert_eq!(tiny.sign(), Ok(Number::int(1)));
        assert_eq!(ten_to(400).exp(), Err(NumError::Overflow));
        assert_eq!((-ten_to(400)).sigmoid().unwrap().sign(), Ok(Number::int(1)));
        assert!((ten_to(400).tanh().unwrap().to_f64() - 1.0).abs() < 1e-15);
    }

    #[test]
    fn real_odd_roots() {
        assert_eq!(Number::int(-8).pow(&q(1, 3)), Ok(Number::int(-2)));
        assert_eq!(Number::int(-8).pow(&q(2, 3)), Ok(Number::int(4)));
        let root = Number::int(-2).pow(&q(1, 3)).unwrap();
        assert!((root.to_f64() + 2f64.cbrt()).abs() < 1e-15);
        assert!((Number::int(-2).pow(&q(2, 3)).unwrap().to_f64() - 4f64.cbrt()).abs() < 1e-15);
        assert!(matches!(Number::int(-2).pow(&q(1, 2)), Err(NumError::Domain(_))));
        assert!(matches!(Number::int(-2).pow(&Number::pi()), Err(NumError::Domain(_))));
        let rounded = Number::Approx(-2.0).pow(&q(1, 3)).unwrap();
        assert!((rounded.to_f64() + 2f64.cbrt()).abs() < 1e-15);
    }

    #[test]
    fn exact_arithmetic_gives_up_past_the_size_limit() {
        let big = Number::int(2).pow(&Number::int(60000)).unwrap();
        assert!(big.is_exact());
        let start = std::time::Instant::now();
        let mut product = Number::int(1);
        for _ in 0..50 {
            product = match product.try_mul(&ten_to(900)) {
                Ok(p) => p,
                Err(e) => {
                    assert_eq!(e, NumError::Overflow);
                    break;
                }
            };
            assert!(product.as_exact().is_none_or(|r| exact::bits(r) <= MAX_EXACT_BITS));
        }
        let shrunk = ten_to(9000).try_mul(&ten_to(9000)).unwrap().try_div(&ten_to(9000).pow(&Number::int(2)).unwrap());
        assert_eq!(shrunk, Ok(Number::int(1)));
        let small = q(1, 3).pow(&Number::int(50000)).unwrap();
        assert!(small.gave_up_exact() && small.sign() == Ok(Number::int(1)));
        assert!(start.elapsed().as_secs_f64() < 1.0);
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
