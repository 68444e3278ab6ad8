//! Exact rationals: their size limit, exact roots and powers, and f64 enclosures of them,
//! including logarithms and square roots of numbers far outside f64's range.

use super::enclosure::{Enclosure, NegativeBase};
use super::{NumError, Number, MAX_EXACT_BITS, MAX_EXACT_DENOMINATOR_BITS};
use num_bigint::BigInt;
use num_integer::Integer;
use num_rational::BigRational;
use num_traits::{One, Signed, ToPrimitive, Zero};
use std::cmp::Ordering;

/// The size of an exact number in bits: that of its larger part (numerator or denominator).
pub fn bits(r: &BigRational) -> u64 {
    r.numer().bits().max(r.denom().bits())
}

/// Whether a reduced fraction with parts of these sizes is kept exact.
fn fits(numer_bits: u64, denom: &BigInt) -> bool {
    numer_bits <= MAX_EXACT_BITS && (denom.is_one() || denom.bits() <= MAX_EXACT_DENOMINATOR_BITS)
}

/// The greatest common divisor, at the cost of a gcd of numbers the size of the smaller one.
fn gcd(a: &BigInt, b: &BigInt) -> BigInt {
    let (large, small) = if a.bits() >= b.bits() { (a, b) } else { (b, a) };
    if small.is_zero() {
        return large.abs();
    }
    small.gcd(&(large % small))
}

/// The exact result `n/d` (`d > 0`, not necessarily in lowest terms): reduced and kept exact when
/// it fits the size limits, else rounded to f64 from the exact fraction (correctly) and marked
/// as having given up exactness. A gcd is only taken when it is cheap.
pub fn settle(n: BigInt, d: BigInt) -> Result<Number, NumError> {
    if d.is_one() {
        return settle_reduced(n, d);
    }
    if n.bits().min(d.bits()) <= 2 * MAX_EXACT_DENOMINATOR_BITS {
        let g = gcd(&n, &d);
        return if g.is_one() { settle_reduced(n, d) } else { settle_reduced(n / &g, d / &g) };
    }
    // Both parts are large: the result can only fit when it is an integer.
    let (quotient, remainder) = n.div_rem(&d);
    if remainder.is_zero() {
        settle_reduced(quotient, BigInt::one())
    } else {
        give_up(n, d)
    }
}

/// The exact result `n/d` in lowest terms (`d > 0`), kept exact when it fits the size limits.
fn settle_reduced(n: BigInt, d: BigInt) -> Result<Number, NumError> {
    if fits(n.bits(), &d) {
        Ok(Number::Exact(BigRational::new_raw(n, d)))
    } else {
        give_up(n, d)
    }
}

/// `n/d` (`d > 0`) rounded to f64 because it is too large to keep exact.
fn give_up(n: BigInt, d: BigInt) -> Result<Number, NumError> {
    Ok(Number::Rounded(enclose(&BigRational::new_raw(n, d))?.marked_gave_up_exact()))
}

/// `a + b`, exact within the size limits.
pub fn add(a: &BigRational, b: &BigRational) -> Result<Number, NumError> {
    if a.denom() == b.denom() {
        return settle(a.numer() + b.numer(), a.denom().clone());
    }
    settle(a.numer() * b.denom() + b.numer() * a.denom(), a.denom() * b.denom())
}

/// `a - b`, exact within the size limits.
pub fn sub(a: &BigRational, b: &BigRational) -> Result<Number, NumError> {
    add(a, &-b)
}

/// `a * b`, exact within the size limits.
pub fn mul(a: &BigRational, b: &BigRational) -> Result<Number, NumError> {
    settle(a.numer() * b.numer(), a.denom() * b.denom())
}

/// `a / b` for `b != 0`, exact within the size limits.
pub fn div(a: &BigRational, b: &BigRational) -> Result<Number, NumError> {
    let (n, d) = (a.numer() * b.denom(), a.denom() * b.numer());
    if d.is_negative() {
        settle(-n, -d)
    } else {
        settle(n, d)
    }
}

/// The sign of `r` as an ordering against 0.
pub fn sign(r: &BigRational) -> Ordering {
    if r.is_positive() {
        Ordering::Greater
    } else if r.is_negative() {
        Ordering::Less
    } else {
        Ordering::Equal
    }
}

/// Whether `r` is an f64 exactly: a normal binary fraction with at most 53 significant bits.
fn is_f64(r: &BigRational) -> bool {
    let denom = r.denom();
    let power_of_two = denom.trailing_zeros() == Some(denom.bits() - 1);
    power_of_two && r.numer().bits() <= 53 && denom.bits() <= 1000
}

/// The enclosure of `r` (the f64 nearest to it, within one ulp); an overflow error beyond
/// f64's range. A number below f64's range keeps its sign.
pub fn enclose(r: &BigRational) -> Result<Enclosure, NumError> {
    const EXACT_INTS: u64 = 1 << 53;
    if let (Some(n), Some(d)) = (r.numer().to_i64(), r.denom().to_u64()) {
        if n.unsigned_abs() <= EXACT_INTS && d <= EXACT_INTS {
            // Both parts are f64 exactly: one correctly rounded division, exact when the
            // denominator is a power of two.
            return Enclosure::rounded(n as f64 / d as f64, n.cmp(&0), d.is_power_of_two());
        }
    }
    // num-rational rounds BigRational to f64 correctly (to nearest, ties to even).
    let x = r.to_f64().filter(|x| x.is_finite()).ok_or(NumError::Overflow)?;
    Enclosure::rounded(x, sign(r), is_f64(r))
}

/// Whether `r` is 0 or a normal f64 in magnitude (not overflowing, not subnormal).
fn in_normal_range(r: &BigRational) -> bool {
    let (n, d) = (r.numer().bits() as i64, r.denom().bits() as i64);
    // 2^(n - d - 1) < |r| < 2^(n - d + 1)
    r.is_zero() || (-1000..1000).contains(&(n - d))
}

/// `r / 2^k`, exactly.
fn shifted(r: &BigRational, k: i64) -> BigRational {
    let shift = k.unsigned_abs() as usize;
    if k >= 0 {
        BigRational::new(r.numer().clone(), r.denom() << shift)
    } else {
        BigRational::new(r.numer() << shift, r.denom().clone())
    }
}

/// `x · 2^k`, as an enclosure (exact unless it leaves f64's range).
fn scaled(mut x: Enclosure, mut k: i64) -> Result<Enclosure, NumError> {
    while k != 0 {
        let step = k.clamp(-1000, 1000);
        x = x.mul(&Enclosure::point(2f64.powi(step as i32))?).checked()?;
        k -= step;
    }
    Ok(x)
}

/// The binary exponent `k` with `r / 2^k` in (1/4, 4): the difference of the bit lengths.
fn binary_exponent(r: &BigRational) -> i64 {
    r.numer().bits() as i64 - r.denom().bits() as i64
}

/// The natural logarithm of a positive exact number, of any size.
pub fn ln(r: &BigRational) -> Result<Enclosure, NumError> {
    let half = BigRational::new(BigInt::one(), BigInt::from(2));
    let two = BigRational::from_integer(BigInt::from(2));
    if *r >= half && *r <= two {
        // Near 1, log(1 + (r - 1)) keeps every digit of a small logarithm.
        return enclose(&(r - BigRational::one()))?.ln_1p();
    }
    if in_normal_range(r) {
        return enclose(r)?.ln();
    }
    // r = m · 2^k with m near 1: log r = log m + k log 2.
    let k = binary_exponent(r);
    let log_m = enclose(&shifted(r, k))?.ln()?;
    log_m.add(&Enclosure::ln_2().mul(&Enclosure::point(k as f64)?)).checked()
}

/// The square root of a non-negative exact number, of any size.
pub fn sqrt(r: &BigRational) -> Result<Enclosure, NumError> {
    if in_normal_range(r) {
        return enclose(r)?.sqrt();
    }
    // r = m · 4^k with m near 1: sqrt r = sqrt m · 2^k.
    let k = binary_exponent(r).div_euclid(2);
    scaled(enclose(&shifted(r, 2 * k))?.sqrt()?, k)
}

/// `base ^ exponent` in rounded arithmetic, for an exact base of any size.
pub fn rounded_pow(base: &BigRational, exponent: &BigRational, gave_up_exact: bool) -> Result<Number, NumError> {
    let rule = negative_base(exponent);
    if base.is_negative() && rule == NegativeBase::Undefined {
        return Err(NumError::Domain(format!("a negative number to the power {exponent} has no real value")));
    }
    let e = enclose(exponent)?;
    let power = if in_normal_range(base) {
        enclose(base)?.pow(&e, rule)?
    } else {
        // |base|^e = exp(e · log |base|), then the sign.
        let magnitude = e.mul(&ln(&base.abs())?).checked()?.exp()?;
        if base.is_negative() && rule == NegativeBase::Odd {
            magnitude.neg()
        } else {
            magnitude
        }
    };
    Ok(Number::Rounded(if gave_up_exact { power.marked_gave_up_exact() } else { power }))
}

/// What a negative base to an exact exponent `p/q` gives: a real odd root when `q` is odd.
pub fn negative_base(exponent: &BigRational) -> NegativeBase {
    let even = |n: &BigInt| (n % BigInt::from(2)).is_zero();
    if even(exponent.denom()) {
        NegativeBase::Undefined
    } else if even(exponent.numer()) {
        NegativeBase::Even
    } else {
        NegativeBase::Odd
    }
}

/// The exact `q`-th root of `base`, if it is rational.
pub fn exact_root(base: &BigRational, q: &BigInt) -> Option<BigRational> {
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

/// `base ^ e` for an integer `e`: exact while the result stays within [`MAX_EXACT_BITS`]
/// (so that computing it costs little), in rounded arithmetic beyond.
pub fn int_pow(base: &BigRational, e: &BigInt) -> Result<Number, NumError> {
    if base.is_zero() || base.abs().is_one() {
        let odd = !(e % BigInt::from(2)).is_zero();
        return Ok(Number::Exact(if base.is_negative() && odd {
            -BigRational::one()
        } else if base.is_zero() && e.is_zero() {
            BigRational::one()
        } else {
            base.abs()
        }));
    }
    // |base| >= 2^(bits - 1) or |1/base| >= 2^(bits - 1), so the power has at least
    // (bits - 1)·|e| bits, and at most bits·|e| <= 2·(bits - 1)·|e|.
    let at_least = bits(base) - 1;
    let magnitude = e.abs().to_u64().filter(|m| m.saturating_mul(at_least) <= MAX_EXACT_BITS);
    let Some(magnitude) = magnitude else {
        return rounded_pow(base, &BigRational::from_integer(e.clone()), true);
    };
    // Powers of a fraction in lowest terms are in lowest terms.
    let (n, d) = (
        num_traits::pow(base.numer().clone(), magnitude as usize),
        num_traits::pow(base.denom().clone(), magnitude as usize),
    );
    match (e.is_negative(), n.is_negative()) {
        (false, _) => settle_reduced(n, d),
        (true, false) => settle_reduced(d, n),
        (true, true) => settle_reduced(-d, -n),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn big(src: &str) -> BigRational {
        BigRational::from_integer(src.parse().unwrap())
    }

    fn ten_to(k: usize) -> BigRational {
        BigRational::from_integer(num_traits::pow(BigInt::from(10), k))
    }

    fn close(e: &Enclosure, want: f64) -> bool {
        e.lo() <= want * (1.0 + 1e-12) && want * (1.0 - 1e-12) <= e.hi() && (e.value() - want).abs() <= want * 1e-12
    }

    #[test]
    fn logs_and_roots_of_huge_numbers() {
        assert!(close(&ln(&ten_to(400)).unwrap(), 400.0 * std::f64::consts::LN_10));
        assert!(close(&ln(&ten_to(400).recip()).unwrap().neg(), 400.0 * std::f64::consts::LN_10));
        assert!(close(&sqrt(&ten_to(401)).unwrap(), 10f64.sqrt() * 1e200));
        assert!(close(&sqrt(&ten_to(401).recip()).unwrap(), 1e-200 / 10f64.sqrt()));
        assert_eq!(sqrt(&ten_to(700)), Err(NumError::Overflow));
    }

    #[test]
    fn logs_near_one_keep_their_digits() {
        let r = BigRational::one() + ten_to(20).recip();
        let log = ln(&r).unwrap();
        assert_eq!(log.sign(), Some(Ordering::Greater));
        assert!((log.value() - 1e-20).abs() < 1e-34);
    }

    #[test]
    fn enclosures_of_exact_numbers() {
        let third = enclose(&BigRational::new(1.into(), 3.into())).unwrap();
        assert!(third.lo() < third.hi());
        let half = enclose(&BigRational::new(1.into(), 2.into())).unwrap();
        assert_eq!((half.lo(), half.hi()), (0.5, 0.5));
        let tiny = enclose(&ten_to(400).recip()).unwrap();
        assert_eq!((tiny.value(), tiny.sign()), (0.0, Some(Ordering::Greater)));
        assert_eq!(enclose(&ten_to(400)), Err(NumError::Overflow));
    }

    #[test]
    fn powers_stay_exact_until_the_size_limit() {
        assert!(int_pow(&big("2"), &BigInt::from(60000)).unwrap().is_exact());
        assert_eq!(int_pow(&big("10"), &BigInt::from(30000)), Err(NumError::Overflow));
        let tiny = int_pow(&BigRational::new(1.into(), 2.into()), &BigInt::from(100_000)).unwrap();
        assert!(!tiny.is_exact() && tiny.gave_up_exact());
        let near_e = int_pow(&BigRational::new(10001.into(), 10000.into()), &BigInt::from(100_000)).unwrap();
        assert!((near_e.to_f64() - 1.0001f64.powi(100_000)).abs() < 1e-6 * near_e.to_f64());
    }

    #[test]
    fn odd_roots_of_negative_numbers() {
        assert_eq!(negative_base(&BigRational::new(1.into(), 3.into())), NegativeBase::Odd);
        assert_eq!(negative_base(&BigRational::new(2.into(), 3.into())), NegativeBase::Even);
        assert_eq!(negative_base(&BigRational::new(1.into(), 2.into())), NegativeBase::Undefined);
        let root = rounded_pow(&big("-2"), &BigRational::new(1.into(), 3.into()), false).unwrap();
        assert!((root.to_f64() + 2f64.cbrt()).abs() < 1e-15);
        let huge_root = rounded_pow(&-ten_to(900), &BigRational::new(1.into(), 3.into()), false).unwrap();
        assert!((huge_root.to_f64() + 1e300).abs() < 1e288);
    }
}
