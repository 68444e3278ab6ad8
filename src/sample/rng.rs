//! A small deterministic random generator, and the exact numbers sample points are made of:
//! log-uniform magnitudes from 1e-6 to 1e6 of either sign, decimals in [-2, 2], small integers
//! and small fractions. Every draw is an exact rational, so polynomial and rational expressions
//! evaluate exactly at sample points.

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, Zero};

/// A small deterministic random generator (xorshift), so checks are reproducible.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A uniform number in `[lo, hi)`.
    pub fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A uniform integer in `lo..=hi`.
    pub fn int(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % (hi - lo + 1) as u64) as i64
    }

    /// A uniform position in `0..len` (`len` > 0).
    pub fn below(&mut self, len: usize) -> usize {
        (self.next() % len as u64) as usize
    }

    /// The items in a random order.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for k in (1..items.len()).rev() {
            items.swap(k, self.below(k + 1));
        }
    }

    /// A random exact number for a sample point: half the time a log-uniform magnitude between
    /// 1e-6 and 1e6 of either sign (four significant digits), else a decimal in [-2, 2], a small
    /// integer (0 among them) or a small fraction.
    pub fn number(&mut self) -> BigRational {
        match self.below(20) {
            0..=9 => self.log_uniform(),
            10..=13 => decimal(self.int(-2000, 2000), 3),
            14..=16 => BigRational::from_integer(self.int(-3, 3).into()),
            _ => BigRational::new(self.int(-10, 10).into(), self.int(2, 7).into()),
        }
    }

    /// A magnitude log-uniform in [1e-6, 1e6], of either sign, rounded to four significant
    /// digits (so it prints, and reads back, as a short decimal).
    fn log_uniform(&mut self) -> BigRational {
        let magnitude = 10f64.powf(self.uniform(-6.0, 6.0));
        let places = 3 - magnitude.log10().floor() as i32;
        let mantissa = (magnitude * 10f64.powi(places)).round() as i64;
        let sign = if self.below(2) == 0 { 1 } else { -1 };
        decimal(sign * mantissa, places)
    }
}

/// `digits * 10^-places`, exactly.
fn decimal(digits: i64, places: i32) -> BigRational {
    let ten = BigInt::from(10);
    let scale = num_traits::pow(ten, places.unsigned_abs() as usize);
    if places >= 0 {
        BigRational::new(digits.into(), scale)
    } else {
        BigRational::from_integer(BigInt::from(digits) * scale)
    }
}

/// An exact number as text that reads back to it exactly: a decimal when it has one
/// (`0.001234`, `-2500`, `1e-300`, and every f64), else a fraction (`1/3`).
pub fn format_exact(r: &BigRational) -> String {
    match decimal_digits(r) {
        Some((digits, exponent)) => format_decimal(&digits, exponent),
        None => format!("{}/{}", r.numer(), r.denom()),
    }
}

/// `r` as `digits * 10^exponent` with no trailing zeros in `digits` (signed), if `r` is a
/// decimal of at most [`MAX_PLACES`] places.
fn decimal_digits(r: &BigRational) -> Option<(BigInt, i64)> {
    let (mut twos, mut fives, mut rest) = (0usize, 0usize, r.denom().clone());
    let (two, five, ten) = (BigInt::from(2), BigInt::from(5), BigInt::from(10));
    while (&rest % &two).is_zero() {
        rest /= &two;
        twos += 1;
    }
    while (&rest % &five).is_zero() {
        rest /= &five;
        fives += 1;
    }
    let places = twos.max(fives);
    if !rest.is_one() || places > MAX_PLACES {
        return None;
    }
    let mut digits = (r * BigRational::from_integer(num_traits::pow(ten.clone(), places))).to_integer();
    let mut exponent = -(places as i64);
    while !digits.is_zero() && (&digits % &ten).is_zero() {
        digits /= &ten;
        exponent += 1;
    }
    Some((digits, exponent))
}

/// Most decimal places of a number printed as a decimal (an f64 has at most 1074).
const MAX_PLACES: usize = 1100;

/// `digits * 10^exponent` in positional notation when its point falls within 24 places of its
/// digits, else in scientific notation (`1.5e-300`).
fn format_decimal(digits: &BigInt, exponent: i64) -> String {
    let sign = if digits < &BigInt::zero() { "-" } else { "" };
    let text = digits.magnitude().to_string();
    // Where the decimal point goes, counted from the first digit.
    let point = text.len() as i64 + exponent;
    let body = if exponent >= 0 && point <= 24 {
        format!("{text}{}", "0".repeat(exponent as usize))
    } else if exponent < 0 && point > 0 {
        let (whole, fraction) = text.split_at(point as usize);
        format!("{whole}.{fraction}")
    } else if exponent < 0 && point > -8 {
        format!("0.{}{text}", "0".repeat((-point) as usize))
    } else {
        let (first, rest) = text.split_at(1);
        let rest = if rest.is_empty() { String::new() } else { format!(".{rest}") };
        format!("{first}{rest}e{}", point - 1)
    };
    format!("{sign}{body}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(n: i64, d: i64) -> BigRational {
        BigRational::new(n.into(), d.into())
    }

    #[test]
    fn draws_cover_wide_magnitudes_both_signs_and_small_values() {
        let mut rng = Rng::new(7);
        let draws: Vec<f64> = (0..2000).map(|_| num_traits::ToPrimitive::to_f64(&rng.number()).unwrap()).collect();
        assert!(draws.iter().any(|x| x.abs() > 1e5) && draws.iter().any(|x| *x != 0.0 && x.abs() < 1e-5));
        assert!(draws.iter().any(|x| *x < -1e5) && draws.iter().any(|x| *x > 1e5));
        assert!(draws.contains(&0.0) && draws.iter().all(|x| x.abs() <= 1e6 * 1.001));
    }

    #[test]
    fn log_uniform_draws_have_four_significant_digits() {
        let mut rng = Rng::new(3);
        for _ in 0..200 {
            let text = format_exact(&rng.log_uniform());
            let digits: String = text.chars().filter(char::is_ascii_digit).collect();
            assert!(digits.trim_start_matches('0').trim_end_matches('0').len() <= 5, "{text}");
        }
    }

    #[test]
    fn exact_numbers_print_as_short_decimals_or_fractions() {
        assert_eq!(format_exact(&q(617, 500000)), "0.001234");
        assert_eq!(format_exact(&q(-5, 2)), "-2.5");
        assert_eq!(format_exact(&q(-1, 8)), "-0.125");
        assert_eq!(format_exact(&q(2500, 1)), "2500");
        assert_eq!(format_exact(&q(1, 3)), "1/3");
        assert_eq!(
            format_exact(&BigRational::from_float(0.1f64).unwrap()),
            "0.1000000000000000055511151231257827021181583404541015625"
        );
        assert_eq!(
            format_exact(&BigRational::from_float(2f64.powi(-40)).unwrap()),
            "9.094947017729282379150390625e-13"
        );
        assert_eq!(
            format_exact(&(q(1, 1) / BigRational::from_integer(num_traits::pow(BigInt::from(10), 300)))),
            "1e-300"
        );
        assert_eq!(format_exact(&BigRational::from_integer(num_traits::pow(BigInt::from(10), 30) * 15)), "1.5e31");
        assert_eq!(format_exact(&q(0, 1)), "0");
    }

    #[test]
    fn shuffles_are_permutations() {
        let mut rng = Rng::new(1);
        let mut items: Vec<usize> = (0..10).collect();
        rng.shuffle(&mut items);
        let mut sorted = items.clone();
        sorted.sort();
        assert_eq!(sorted, (0..10).collect::<Vec<_>>());
        assert_ne!(items, sorted);
    }
}
