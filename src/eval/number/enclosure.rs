//! Rigorous enclosures of real numbers computed in f64. Every operation gives the ordinary
//! round-to-nearest result (what is shown) together with an interval `[lo, hi]` that certainly
//! holds the true value, so that signs, comparisons and poles are decided from the interval and
//! never from a rounded value.
//!
//! IEEE 754 rounds + − × ÷ and √ correctly, so one unit in the last place (ulp) outward is
//! enough for them. The transcendental functions come from the platform's libm, whose error is at
//! most a few ulps; their endpoints are widened by `LIBM_SLACK`, far more than that.

use super::NumError;
use std::cmp::Ordering;

/// Relative widening of a libm result: 2^-48, between 16 and 32 ulps.
const LIBM_SLACK: f64 = 1.0 / (1u64 << 48) as f64;
/// A function's enclosure is taken from its value and slope when that widens it by at most this
/// fraction of the value (2^-40); otherwise from its values at both ends, which is tighter.
const NARROW: f64 = 1.0 / (1u64 << 40) as f64;
/// Absolute widening of a libm result, for results near 0: 16 of the smallest subnormals.
const LIBM_SLACK_ABS: f64 = f64::from_bits(16);

/// How a power treats a negative base: `(-b)^e` is `b^e` for an exact exponent `p/q` with `q`
/// odd and `p` even, `-(b^e)` when both are odd, and has no real value otherwise.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NegativeBase {
    /// `(-b)^e = b^e`.
    Even,
    /// `(-b)^e = -(b^e)`.
    Odd,
    /// `(-b)^e` is not real.
    Undefined,
}

/// A real number known to lie in `[lo, hi]` (and not to be 0 when `nonzero`), with its f64
/// approximation `value`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Enclosure {
    value: f64,
    lo: f64,
    hi: f64,
    nonzero: bool,
    gave_up_exact: bool,
}

/// An f64 above `x` by one or two units in the last place (for finite `x`; 0 goes to the
/// smallest subnormal): an upper bound of any real number that rounds to `x`.
#[inline]
fn next_up(x: f64) -> f64 {
    // |x|·2^-52 is at least one ulp of x, and below two.
    x + (x.abs() * f64::EPSILON + f64::from_bits(1))
}

/// An f64 below `x` by one or two units in the last place: a lower bound of any real number
/// that rounds to `x`.
#[inline]
fn next_down(x: f64) -> f64 {
    x - (x.abs() * f64::EPSILON + f64::from_bits(1))
}

/// A lower bound of the exact value of a libm result `x`.
fn libm_down(x: f64) -> f64 {
    x - (x.abs() * LIBM_SLACK + LIBM_SLACK_ABS)
}

/// An upper bound of the exact value of a libm result `x`.
fn libm_up(x: f64) -> f64 {
    x + (x.abs() * LIBM_SLACK + LIBM_SLACK_ABS)
}

/// The sign of a sum of two numbers of the given signs, where it follows from them.
#[inline]
fn sum_sign(a: Option<Ordering>, b: Option<Ordering>) -> Option<Ordering> {
    match (a, b) {
        (Some(Ordering::Equal), s) | (s, Some(Ordering::Equal)) => s,
        (Some(x), Some(y)) if x == y => Some(x),
        _ => None,
    }
}

/// The sign of a product of two numbers of the given signs.
#[inline]
fn product_sign(a: Option<Ordering>, b: Option<Ordering>) -> Option<Ordering> {
    match (a?, b?) {
        (Ordering::Equal, _) | (_, Ordering::Equal) => Some(Ordering::Equal),
        (x, y) => Some(if x == y { Ordering::Greater } else { Ordering::Less }),
    }
}

/// The number of significant bits of a finite f64: from its leading to its trailing 1 bit.
#[inline]
fn significant_bits(x: f64) -> u32 {
    let bits = x.to_bits();
    let mantissa = bits & ((1u64 << 52) - 1);
    let significand = if (bits >> 52) & 0x7ff == 0 { mantissa } else { mantissa | (1u64 << 52) };
    if significand == 0 {
        0
    } else {
        64 - significand.leading_zeros() - significand.trailing_zeros()
    }
}

/// Whether the product of `a` and `b`, whose rounded value is `product`, is surely exact: both
/// have few enough significant bits for the product to fit 53, and it does not underflow.
#[inline]
fn exact_product(a: f64, b: f64, product: f64) -> bool {
    let zero_factor = a == 0.0 || b == 0.0;
    significant_bits(a) + significant_bits(b) <= 53 && (zero_factor || product.abs() >= f64::MIN_POSITIVE)
}

/// The smallest and largest of `f` at the four corners of `a × b`.
#[inline]
fn corners(a: &Enclosure, b: &Enclosure, f: impl Fn(f64, f64) -> f64) -> (f64, f64) {
    let values = [f(a.lo, b.lo), f(a.lo, b.hi), f(a.hi, b.lo), f(a.hi, b.hi)];
    values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v)))
}

/// Bounds of a correctly rounded result `value` whose exact rounding error `error` is known
/// (true value = value + error), when the error is trustworthy.
#[inline]
fn rounded_bounds(value: f64, error: Option<f64>) -> (f64, f64) {
    match error {
        Some(0.0) => (value, value),
        Some(e) if e > 0.0 => (value, next_up(value)),
        Some(_) => (next_down(value), value),
        None => (next_down(value), next_up(value)),
    }
}

impl Enclosure {
    /// The f64 `x` itself (every f64 is an exact binary fraction); an error when not finite.
    #[inline]
    pub fn point(x: f64) -> Result<Enclosure, NumError> {
        Enclosure::point_unchecked(x).checked()
    }

    /// The f64 `x` itself; an invalid enclosure when `x` is not finite.
    #[inline]
    pub fn point_unchecked(x: f64) -> Enclosure {
        let x = if x.is_finite() { x + 0.0 } else { f64::NAN };
        Enclosure { value: x, lo: x, hi: x, nonzero: x != 0.0, gave_up_exact: false }
    }

    /// The enclosure of a value `value` known to lie in `[lo, hi]` and to have the sign `sign`
    /// (when known): the value is clamped into the bounds and the bounds are narrowed by the
    /// sign. Anything not finite gives an invalid enclosure, which [`Enclosure::checked`] refuses.
    #[inline(always)]
    fn finish(value: f64, lo: f64, hi: f64, sign: Option<Ordering>, gave_up_exact: bool) -> Enclosure {
        if !(value.is_finite() && lo.is_finite() && hi.is_finite()) {
            return Enclosure { value: f64::NAN, lo: f64::NAN, hi: f64::NAN, nonzero: false, gave_up_exact };
        }
        let (lo, hi, nonzero) = match sign {
            Some(Ordering::Greater) => (lo.max(0.0), hi, true),
            Some(Ordering::Less) => (lo, hi.min(0.0), true),
            Some(Ordering::Equal) => (0.0, 0.0, false),
            None => (lo, hi, lo > 0.0 || hi < 0.0),
        };
        let value = value.max(lo).min(hi);
        // 0.0 + 0.0 turns a -0.0 into 0.0: a zero is always shown as 0.
        Enclosure { value: value + 0.0, lo, hi, nonzero, gave_up_exact }
    }

    /// The enclosure, or an overflow error when a result left f64's range on the way.
    #[inline]
    pub fn checked(self) -> Result<Enclosure, NumError> {
        if self.value.is_finite() {
            Ok(self)
        } else {
            Err(NumError::Overflow)
        }
    }

    /// The enclosure of a real number whose f64 rounding to nearest is `x` and whose sign is
    /// `sign`; `exact` when `x` is the number itself.
    pub fn rounded(x: f64, sign: Ordering, exact: bool) -> Result<Enclosure, NumError> {
        if exact {
            Enclosure::finish(x, x, x, Some(sign), false).checked()
        } else {
            Enclosure::finish(x, next_down(x), next_up(x), Some(sign), false).checked()
        }
    }

    /// The same enclosure, marked as coming from exact arithmetic that grew too large.
    pub fn marked_gave_up_exact(mut self) -> Enclosure {
        self.gave_up_exact = true;
        self
    }

    /// π.
    pub fn pi() -> Enclosure {
        // The f64 nearest to π lies below it, by less than one ulp.
        Enclosure {
            value: std::f64::consts::PI,
            lo: std::f64::consts::PI,
            hi: next_up(std::f64::consts::PI),
            nonzero: true,
            gave_up_exact: false,
        }
    }

    /// ln 2.
    pub fn ln_2() -> Enclosure {
        // The f64 nearest to ln 2 lies below it, by less than one ulp.
        Enclosure {
            value: std::f64::consts::LN_2,
            lo: std::f64::consts::LN_2,
            hi: next_up(std::f64::consts::LN_2),
            nonzero: true,
            gave_up_exact: false,
        }
    }

    /// The f64 approximation.
    pub fn value(&self) -> f64 {
        self.value
    }

    /// The lower bound.
    pub fn lo(&self) -> f64 {
        self.lo
    }

    /// The upper bound.
    pub fn hi(&self) -> f64 {
        self.hi
    }

    /// Whether exact arithmetic outgrew its size limit on the way to this number.
    pub fn gave_up_exact(&self) -> bool {
        self.gave_up_exact
    }

    /// The exact f64 `x`, keeping this enclosure's history.
    fn constant(&self, x: f64) -> Enclosure {
        Enclosure { value: x, lo: x, hi: x, nonzero: x != 0.0, gave_up_exact: self.gave_up_exact }
    }

    #[inline]
    fn is_point(&self) -> bool {
        self.lo == self.hi
    }

    /// The sign of the true value, where the enclosure decides it.
    #[inline]
    pub fn sign(&self) -> Option<Ordering> {
        if self.lo > 0.0 || (self.lo == 0.0 && self.nonzero) {
            Some(Ordering::Greater)
        } else if self.hi < 0.0 || (self.hi == 0.0 && self.nonzero) {
            Some(Ordering::Less)
        } else if self.lo == 0.0 && self.hi == 0.0 {
            Some(Ordering::Equal)
        } else {
            None
        }
    }

    /// The sign of the true value, or an error when rounding error leaves it open.
    pub fn decided_sign(&self) -> Result<Ordering, NumError> {
        self.sign().ok_or_else(|| self.undecidable())
    }

    /// The error saying that the sign of this number cannot be decided.
    pub fn undecidable(&self) -> NumError {
        NumError::Undecidable(Box::new(super::UndecidedSign {
            subject: "a number".into(),
            low: super::format_significant(self.lo, 6),
            high: super::format_significant(self.hi, 6),
        }))
    }

    /// Whether the two enclosures hold the same single value: both are the same point.
    pub fn same_point(&self, other: &Enclosure) -> bool {
        self.is_point() && other.is_point() && self.lo == other.lo
    }

    /// `-self`, exactly.
    #[inline]
    pub fn neg(&self) -> Enclosure {
        Enclosure {
            value: 0.0 - self.value,
            lo: 0.0 - self.hi,
            hi: 0.0 - self.lo,
            nonzero: self.nonzero,
            gave_up_exact: self.gave_up_exact,
        }
    }

    /// `self + other` (invalid on overflow: see [`Enclosure::checked`]).
    #[inline]
    pub fn add(&self, other: &Enclosure) -> Enclosure {
        let value = self.value + other.value;
        let (lo, hi) = if self.is_point() && other.is_point() {
            // Knuth's two-sum: the exact rounding error of the sum.
            let b = value - self.value;
            let error = (self.value - (value - b)) + (other.value - b);
            rounded_bounds(value, Some(error))
        } else {
            (next_down(self.lo + other.lo), next_up(self.hi + other.hi))
        };
        // Sign knowledge matters only when the bounds leave the sign open.
        let sign = if lo > 0.0 || hi < 0.0 { None } else { sum_sign(self.sign(), other.sign()) };
        Enclosure::finish(value, lo, hi, sign, self.gave_up_exact || other.gave_up_exact)
    }

    /// `self - other` (invalid on overflow).
    #[inline]
    pub fn sub(&self, other: &Enclosure) -> Enclosure {
        let value = self.value - other.value;
        let (lo, hi) = if self.is_point() && other.is_point() {
            // Knuth's two-sum of self and -other.
            let b = value - self.value;
            let error = (self.value - (value - b)) - (other.value + b);
            rounded_bounds(value, Some(error))
        } else {
            (next_down(self.lo - other.hi), next_up(self.hi - other.lo))
        };
        let sign = if lo > 0.0 || hi < 0.0 { None } else { sum_sign(self.sign(), other.sign().map(Ordering::reverse)) };
        Enclosure::finish(value, lo, hi, sign, self.gave_up_exact || other.gave_up_exact)
    }

    /// `self * other` (invalid on overflow).
    #[inline]
    pub fn mul(&self, other: &Enclosure) -> Enclosure {
        let value = self.value * other.value;
        let (lo, hi) = if self.is_point() && other.is_point() {
            if exact_product(self.value, other.value, value) {
                (value, value)
            } else {
                (next_down(value), next_up(value))
            }
        } else {
            let (lo, hi) = corners(self, other, |x, y| x * y);
            (next_down(lo), next_up(hi))
        };
        let sign = if lo > 0.0 || hi < 0.0 { None } else { product_sign(self.sign(), other.sign()) };
        Enclosure::finish(value, lo, hi, sign, self.gave_up_exact || other.gave_up_exact)
    }

    /// `self / other`; an error when `other` is 0 or may be.
    #[inline]
    pub fn div(&self, other: &Enclosure) -> Result<Enclosure, NumError> {
        match other.decided_sign().map_err(|e| e.about(|| "the divisor".into()))? {
            Ordering::Equal => return Err(NumError::DivisionByZero),
            Ordering::Greater | Ordering::Less => {}
        }
        let value = self.value / other.value;
        let (lo, hi) = if self.is_point() && other.is_point() {
            // The quotient is exact when multiplying it back (exactly) gives the dividend.
            if exact_product(value, other.value, self.value) && value * other.value == self.value {
                (value, value)
            } else {
                (next_down(value), next_up(value))
            }
        } else {
            let (lo, hi) = corners(self, other, |x, y| x / y);
            (next_down(lo), next_up(hi))
        };
        let sign = if lo > 0.0 || hi < 0.0 { None } else { product_sign(self.sign(), other.sign()) };
        Enclosure::finish(value, lo, hi, sign, self.gave_up_exact || other.gave_up_exact).checked()
    }

    /// |self| (continuous: no sign needs deciding).
    pub fn abs(&self) -> Enclosure {
        if self.lo >= 0.0 {
            *self
        } else if self.hi <= 0.0 {
            self.neg()
        } else {
            Enclosure {
                value: self.value.abs(),
                lo: 0.0,
                hi: self.hi.max(-self.lo),
                nonzero: self.nonzero,
                gave_up_exact: self.gave_up_exact,
            }
        }
    }

    /// The larger of two numbers (continuous: no comparison needs deciding).
    pub fn max(&self, other: &Enclosure) -> Enclosure {
        let sign = match (self.sign(), other.sign()) {
            (Some(Ordering::Greater), _) | (_, Some(Ordering::Greater)) => Some(Ordering::Greater),
            (Some(Ordering::Less), Some(Ordering::Less)) => Some(Ordering::Less),
            _ => None,
        };
        Enclosure {
            value: self.value.max(other.value),
            lo: self.lo.max(other.lo),
            hi: self.hi.max(other.hi),
            nonzero: sign.is_some(),
            gave_up_exact: self.gave_up_exact || other.gave_up_exact,
        }
    }

    /// The smaller of two numbers.
    pub fn min(&self, other: &Enclosure) -> Enclosure {
        self.neg().max(&other.neg()).neg()
    }

    /// `f(self)` for an increasing libm function `f` whose slope on the enclosure is at most
    /// `max_slope` (infinite when unknown), with the sign `sign` when known, clamped into
    /// `range`. A narrow enclosure costs one call of `f` (its value, widened by the slope times
    /// the radius); otherwise `f` is evaluated at both ends.
    fn increasing(
        &self,
        f: impl Fn(f64) -> f64,
        max_slope: f64,
        sign: Option<Ordering>,
        range: (f64, f64),
    ) -> Result<Enclosure, NumError> {
        let value = f(self.value);
        let (lo, hi) = if self.is_point() {
            (value, value)
        } else {
            let radius = next_up((self.value - self.lo).max(self.hi - self.value));
            let spread = next_up(max_slope * radius);
            if spread <= value.abs() * NARROW {
                (next_down(value - spread), next_up(value + spread))
            } else {
                (f(self.lo), f(self.hi))
            }
        };
        let (lo, hi) = (libm_down(lo).max(range.0), libm_up(hi).min(range.1));
        Enclosure::finish(value, lo, hi, sign, self.gave_up_exact).checked()
    }

    /// `f(self)` for a libm function `f` with |f'| ≤ 1 everywhere and values in [-1, 1].
    fn lipschitz_one(&self, f: fn(f64) -> f64) -> Result<Enclosure, NumError> {
        let value = f(self.value);
        let radius = if self.is_point() { 0.0 } else { next_up((self.value - self.lo).max(self.hi - self.value)) };
        let lo = next_down(libm_down(value) - radius).max(-1.0);
        let hi = next_up(libm_up(value) + radius).min(1.0);
        Enclosure::finish(value, lo, hi, None, self.gave_up_exact).checked()
    }

    /// e^self.
    pub fn exp(&self) -> Result<Enclosure, NumError> {
        if self.sign() == Some(Ordering::Equal) {
            return Ok(self.constant(1.0));
        }
        // exp' = exp <= 2 exp(x) within 1/2 of x.
        let radius = (self.value - self.lo).max(self.hi - self.value);
        let slope = if radius <= 0.5 { 2.0 * libm_up(self.value.exp()) } else { f64::INFINITY };
        self.increasing(f64::exp, slope, Some(Ordering::Greater), (0.0, f64::INFINITY))
    }

    /// The natural logarithm; a domain error for a non-positive number.
    pub fn ln(&self) -> Result<Enclosure, NumError> {
        match self.decided_sign().map_err(|e| e.about(|| "the argument of log".into()))? {
            Ordering::Greater => {}
            Ordering::Less | Ordering::Equal => {
                return Err(NumError::Domain(format!("log of a non-positive number ({})", self.show())))
            }
        }
        let sign = if self.lo > 1.0 {
            Some(Ordering::Greater)
        } else if self.hi < 1.0 {
            Some(Ordering::Less)
        } else if self.is_point() && self.lo == 1.0 {
            Some(Ordering::Equal)
        } else {
            None
        };
        self.increasing(f64::ln, next_up(1.0 / self.lo), sign, (f64::NEG_INFINITY, f64::INFINITY))
    }

    /// ln(1 + self), accurate for small arguments; `self` must be above -1.
    pub fn ln_1p(&self) -> Result<Enclosure, NumError> {
        if self.lo <= -1.0 {
            return Err(NumError::Domain(format!("log of a non-positive number (1 + {})", self.show())));
        }
        let slope = next_up(1.0 / next_down(1.0 + self.lo));
        self.increasing(f64::ln_1p, slope, self.sign(), (f64::NEG_INFINITY, f64::INFINITY))
    }

    /// The square root; a domain error for a negative number.
    pub fn sqrt(&self) -> Result<Enclosure, NumError> {
        if self.lo < 0.0 {
            match self.decided_sign().map_err(|e| e.about(|| "the argument of sqrt".into()))? {
                Ordering::Less => return Err(NumError::Domain(format!("sqrt of a negative number ({})", self.show()))),
                Ordering::Greater | Ordering::Equal => {}
            }
        }
        let value = self.value.max(0.0).sqrt();
        let (lo, hi) = if self.is_point() {
            if exact_product(value, value, self.value) && value * value == self.value {
                (value, value)
            } else {
                (next_down(value), next_up(value))
            }
        } else {
            (next_down(self.lo.max(0.0).sqrt()), next_up(self.hi.sqrt()))
        };
        let sign = self.sign();
        Enclosure::finish(value, lo.max(0.0), hi, sign, self.gave_up_exact).checked()
    }

    /// The sine.
    pub fn sin(&self) -> Result<Enclosure, NumError> {
        if self.sign() == Some(Ordering::Equal) {
            return Ok(*self);
        }
        self.lipschitz_one(f64::sin)
    }

    /// The cosine.
    pub fn cos(&self) -> Result<Enclosure, NumError> {
        if self.sign() == Some(Ordering::Equal) {
            return Ok(self.constant(1.0));
        }
        self.lipschitz_one(f64::cos)
    }

    /// The tangent; a domain error when the enclosure may hold a pole (π/2 + kπ).
    pub fn tan(&self) -> Result<Enclosure, NumError> {
        let (sin, cos) = (self.sin()?, self.cos()?);
        if !matches!(cos.sign(), Some(Ordering::Greater | Ordering::Less)) {
            return Err(NumError::Domain(format!(
                "tan has no value at pi/2 + k*pi, and its argument ({}) is within rounding error of such a pole",
                self.show()
            )));
        }
        let quotient = sin.div(&cos)?;
        Enclosure::finish(self.value.tan(), quotient.lo, quotient.hi, quotient.sign(), self.gave_up_exact).checked()
    }

    /// The hyperbolic sine.
    pub fn sinh(&self) -> Result<Enclosure, NumError> {
        self.increasing(f64::sinh, f64::INFINITY, self.sign(), (f64::NEG_INFINITY, f64::INFINITY))
    }

    /// The hyperbolic cosine.
    pub fn cosh(&self) -> Result<Enclosure, NumError> {
        if self.sign() == Some(Ordering::Equal) {
            return Ok(self.constant(1.0));
        }
        let value = self.value.cosh();
        let (lo, hi) = if self.is_point() {
            (value, value)
        } else if self.lo >= 0.0 || self.hi <= 0.0 {
            let (a, b) = (self.lo.cosh(), self.hi.cosh());
            (a.min(b), a.max(b))
        } else {
            (1.0, self.lo.cosh().max(self.hi.cosh()))
        };
        Enclosure::finish(value, libm_down(lo).max(1.0), libm_up(hi), Some(Ordering::Greater), self.gave_up_exact)
            .checked()
    }

    /// The hyperbolic tangent.
    pub fn tanh(&self) -> Result<Enclosure, NumError> {
        self.increasing(f64::tanh, 1.0, self.sign(), (-1.0, 1.0))
    }

    /// The logistic sigmoid 1/(1 + e^-x).
    pub fn sigmoid(&self) -> Result<Enclosure, NumError> {
        if self.sign() == Some(Ordering::Equal) {
            return Ok(self.constant(0.5));
        }
        self.increasing(sigmoid, 0.25, Some(Ordering::Greater), (0.0, 1.0))
    }

    /// softplus(x) = log(1 + e^x).
    pub fn softplus(&self) -> Result<Enclosure, NumError> {
        self.increasing(softplus, 1.0, Some(Ordering::Greater), (0.0, f64::INFINITY))
    }

    /// The error function (libm's, accurate to about an ulp); its slope is at most 2/sqrt(pi).
    pub fn erf(&self) -> Result<Enclosure, NumError> {
        self.increasing(libm::erf, std::f64::consts::FRAC_2_SQRT_PI, self.sign(), (-1.0, 1.0))
    }

    /// `self ^ exponent`, with `negative_base` telling what a negative base gives.
    pub fn pow(&self, exponent: &Enclosure, negative_base: NegativeBase) -> Result<Enclosure, NumError> {
        let base_sign = self.sign();
        if negative_base == NegativeBase::Undefined && self.lo < 0.0 {
            return Err(match base_sign {
                Some(Ordering::Less) => {
                    NumError::Domain("a negative number to a fractional power has no real value".into())
                }
                _ => self.undecidable().about(|| "the base of the power".into()),
            });
        }
        let magnitude = self.abs();
        if magnitude.sign() != Some(Ordering::Greater) && exponent.sign() != Some(Ordering::Greater) {
            // 0^e: 1 for e = 0, no value for e < 0.
            match (magnitude.sign(), exponent.sign()) {
                (_, Some(Ordering::Equal)) => {}
                (Some(Ordering::Equal), Some(Ordering::Less)) => return Err(NumError::DivisionByZero),
                (Some(Ordering::Equal), _) => return Err(exponent.undecidable().about(|| "the exponent".into())),
                _ => return Err(self.undecidable().about(|| "the base of the power".into())),
            }
        }
        let value = self.value.abs().powf(exponent.value);
        let small_integer = exponent.is_point() && exponent.value.fract() == 0.0 && exponent.value.abs() <= 64.0;
        let (lo, hi) = if small_integer {
            // Repeated multiplication, rounded outward: tighter than libm's pow with its slack.
            integer_power_bounds(magnitude.lo, magnitude.hi, exponent.value as i32)
        } else if magnitude.is_point() && exponent.is_point() {
            (libm_down(value), libm_up(value))
        } else {
            let (lo, hi) = corners(&magnitude, exponent, f64::powf);
            (libm_down(lo), libm_up(hi))
        };
        let power_sign = match magnitude.sign() {
            _ if exponent.sign() == Some(Ordering::Equal) => Some(Ordering::Greater),
            Some(Ordering::Greater) => Some(Ordering::Greater),
            Some(Ordering::Equal) if exponent.sign() == Some(Ordering::Greater) => Some(Ordering::Equal),
            _ => None,
        };
        let gave_up = self.gave_up_exact || exponent.gave_up_exact;
        let power = Enclosure::finish(value, lo.max(0.0), hi, power_sign, gave_up).checked()?;
        if negative_base != NegativeBase::Odd {
            return Ok(power);
        }
        match base_sign {
            Some(Ordering::Greater | Ordering::Equal) => Ok(power),
            Some(Ordering::Less) => Ok(power.neg()),
            None => {
                let value = if self.value < 0.0 { -power.value } else { power.value };
                Enclosure::finish(value, -power.hi, power.hi, None, gave_up).checked()
            }
        }
    }

    /// The value, for messages.
    fn show(&self) -> String {
        super::format_significant(self.value, 6)
    }
}

/// Bounds of `x^n` for every `x` in `[lo, hi]` (`0 <= lo`), by binary powering rounded outward.
fn integer_power_bounds(lo: f64, hi: f64, n: i32) -> (f64, f64) {
    let power = |x: f64, round: fn(f64) -> f64| {
        let (mut result, mut base, mut k) = (1.0f64, x, n.unsigned_abs());
        while k > 0 {
            if k & 1 == 1 {
                result = round(result * base).max(0.0);
            }
            base = round(base * base).max(0.0);
            k >>= 1;
        }
        result
    };
    if n >= 0 {
        (power(lo, next_down), power(hi, next_up))
    } else {
        (next_down(1.0 / power(hi, next_up)), next_up(1.0 / power(lo, next_down)))
    }
}

/// The logistic sigmoid in f64, without overflow for large |x|.
/// The logistic sigmoid of an f64, without overflow.
pub(super) fn sigmoid(x: f64) -> f64 {
    if x < 0.0 {
        let e = x.exp();
        e / (1.0 + e)
    } else {
        1.0 / (1.0 + (0.0 - x).exp())
    }
}

/// softplus in f64: max(x, 0) + log(1 + e^-|x|), without overflow for large x.
fn softplus(x: f64) -> f64 {
    x.max(0.0) + (-x.abs()).exp().ln_1p()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(x: f64) -> Enclosure {
        Enclosure::point(x).unwrap()
    }

    #[test]
    fn sums_of_points_stay_exact_when_f64_is() {
        let s = point(0.5).add(&point(0.25));
        assert_eq!((s.lo, s.hi), (0.75, 0.75));
        let t = point(0.1).add(&point(0.2));
        assert!(t.lo < t.hi && t.lo <= 0.3 && 0.3 <= t.hi);
        assert_eq!(point(0.1).sub(&point(0.1)).sign(), Some(Ordering::Equal));
    }

    #[test]
    fn significant_bits_of_f64() {
        assert_eq!(significant_bits(0.0), 0);
        assert_eq!(significant_bits(1.0), 1);
        assert_eq!(significant_bits(0.75), 2);
        assert_eq!(significant_bits(0.1), 52);
        assert_eq!(significant_bits(f64::from_bits(1)), 1);
        assert!(!exact_product(2f64.powi(-600), 2f64.powi(-600), 0.0));
        assert!(exact_product(0.0, 0.1, 0.0));
    }

    #[test]
    fn erf_holds_reference_values() {
        // erf(1/2), erf(1), erf(2), erf(-3), erf(1e-8) to 17 digits.
        let table = [
            (0.5, 0.520_499_877_813_046_5),
            (1.0, 0.842_700_792_949_714_9),
            (2.0, 0.995_322_265_018_952_7),
            (-3.0, -0.999_977_909_503_001_4),
            (1e-8, 1.128_379_167_095_512_6e-8),
        ];
        for (x, want) in table {
            let e = point(x).erf().unwrap();
            assert!(e.lo <= want && want <= e.hi, "erf({x}) = {want} outside [{}, {}]", e.lo, e.hi);
            assert!((e.value - want).abs() <= 1e-15 * want.abs(), "erf({x}) = {} vs {want}", e.value);
        }
        assert_eq!(point(-0.5).erf().unwrap().sign(), Some(Ordering::Less));
    }

    #[test]
    fn products_and_quotients_of_points() {
        assert_eq!(point(0.5).mul(&point(6.0)), point(3.0));
        assert_eq!(point(3.0).div(&point(4.0)).unwrap(), point(0.75));
        let third = point(1.0).div(&point(3.0)).unwrap();
        assert!(third.lo < third.hi && third.lo < 1.0 / 3.0 + 1e-16);
        assert_eq!(point(1.0).div(&point(0.0)), Err(NumError::DivisionByZero));
    }

    #[test]
    fn an_underflowed_positive_number_keeps_its_sign() {
        let tiny = point(-1000.0).exp().unwrap();
        assert_eq!(tiny.value, 0.0);
        assert_eq!(tiny.sign(), Some(Ordering::Greater));
        assert_eq!(tiny.mul(&tiny).sign(), Some(Ordering::Greater));
        assert_eq!(tiny.neg().sign(), Some(Ordering::Less));
        assert_eq!(point(-800.0).sigmoid().unwrap().sign(), Some(Ordering::Greater));
        // The difference of two underflowed numbers is undecided, not 0.
        assert_eq!(tiny.sub(&point(-1001.0).exp().unwrap()).sign(), None);
    }

    #[test]
    fn rounding_error_around_zero_is_undecided() {
        let two = point(2.0);
        let root = two.sqrt().unwrap();
        let diff = root.mul(&root).sub(&two);
        assert_eq!(diff.sign(), None);
        assert!(matches!(diff.decided_sign(), Err(NumError::Undecidable(_))));
        assert!(matches!(point(1.0).div(&diff), Err(NumError::Undecidable(_))));
        assert!(matches!(diff.sqrt(), Err(NumError::Undecidable(_))));
        assert!(matches!(diff.ln(), Err(NumError::Undecidable(_))));
        // abs, max and min are continuous: they need no decision.
        assert_eq!(diff.abs().lo, 0.0);
        assert_eq!(diff.max(&point(0.0)).lo, 0.0);
    }

    #[test]
    fn enclosures_hold_the_true_value() {
        let pi = Enclosure::pi();
        assert!(pi.lo < pi.hi);
        let e = point(1.0).exp().unwrap();
        assert!(e.lo < std::f64::consts::E && std::f64::consts::E < e.hi);
        // sin(π) = 0, while sin of the f64 nearest to π is 1.2e-16: undecided.
        let sin_pi = pi.sin().unwrap();
        assert!(sin_pi.value > 0.0 && sin_pi.sign().is_none());
        let cos_half_pi = pi.div(&point(2.0)).unwrap().cos().unwrap();
        assert_eq!(cos_half_pi.sign(), None);
        assert!(point(100.0).cosh().unwrap().lo >= 1.0);
        assert!(point(-3.0).tanh().unwrap().sign() == Some(Ordering::Less));
        assert!(point(0.5).softplus().unwrap().value > std::f64::consts::LN_2);
    }

    #[test]
    fn tan_refuses_a_pole() {
        let half_pi = Enclosure::pi().div(&point(2.0)).unwrap();
        assert!(matches!(half_pi.tan(), Err(NumError::Domain(_))));
        let near = point(1.5).tan().unwrap();
        assert!(near.lo <= 1.5f64.tan() && 1.5f64.tan() <= near.hi);
    }

    #[test]
    fn powers() {
        let cube_root = point(-2.0).pow(&point(1.0 / 3.0), NegativeBase::Odd).unwrap();
        assert!((cube_root.value + 2f64.powf(1.0 / 3.0)).abs() < 1e-15);
        assert_eq!(cube_root.sign(), Some(Ordering::Less));
        let square = point(-3.0).pow(&point(2.0), NegativeBase::Even).unwrap();
        assert_eq!(square.value, 9.0);
        assert!(matches!(point(-2.0).pow(&point(0.5), NegativeBase::Undefined), Err(NumError::Domain(_))));
        assert_eq!(point(0.0).pow(&point(-1.0), NegativeBase::Odd), Err(NumError::DivisionByZero));
        assert_eq!(point(0.0).pow(&point(2.0), NegativeBase::Even).unwrap().sign(), Some(Ordering::Equal));
        assert_eq!(point(1e300).pow(&point(2.0), NegativeBase::Even), Err(NumError::Overflow));
        assert_eq!(point(1e300).mul(&point(1e300)).checked(), Err(NumError::Overflow));
    }
}
