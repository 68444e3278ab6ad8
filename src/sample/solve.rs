//! Where a number that depends on one slot is zero: solved exactly when it is affine in the
//! slot (a secant through two exact values, confirmed by evaluating at the root), else
//! bracketed by bisection after a scan for sign changes over magnitudes from 1e-6 to 1e6.

use crate::eval::number::Number;
use num_rational::BigRational;
use num_traits::{One, ToPrimitive, Zero};
use std::cmp::Ordering;

/// A zero of a function of one slot.
#[derive(Clone, Debug, PartialEq)]
pub enum Root {
    /// The function is exactly 0 here.
    Exact(BigRational),
    /// The function changes sign between these two adjacent (or nearly adjacent) floats, both
    /// given exactly.
    Between(BigRational, BigRational),
}

/// Most zeros reported by one scan.
const MAX_ROOTS: usize = 8;
/// Most bisection steps for one sign change (enough to reach adjacent floats from 1e6 apart).
const MAX_BISECTIONS: usize = 200;

/// The zeros of `phi` (a function of the slot's value, `None` where it has no value), the
/// value `around` the slot has now taken into account.
pub fn zeros(phi: &dyn Fn(&BigRational) -> Option<Number>, around: &BigRational) -> Vec<Root> {
    match secant(phi, around) {
        Secant::Zero(root) => return vec![Root::Exact(root)],
        Secant::Constant => return vec![],
        Secant::Unknown => {}
    }
    let mut grid: Vec<BigRational> = vec![BigRational::zero(), around.clone()];
    for k in -6..=6 {
        let power = BigRational::from_integer(10.into()).pow(k);
        grid.push(-power.clone());
        grid.push(power);
    }
    grid.sort();
    grid.dedup();
    let signs: Vec<Option<Ordering>> = grid.iter().map(|t| sign(phi, t)).collect();
    let mut roots = Vec::new();
    for k in 0..grid.len() {
        if signs[k] == Some(Ordering::Equal) {
            roots.push(Root::Exact(grid[k].clone()));
        } else if k + 1 < grid.len() && opposite(signs[k], signs[k + 1]) {
            roots.extend(bisect(phi, &grid[k], &grid[k + 1], signs[k]));
        }
        if roots.len() >= MAX_ROOTS {
            break;
        }
    }
    roots
}

/// What secants through exact values of `phi` tell.
enum Secant {
    /// `phi` is exactly 0 where a secant crosses 0 (as it is when `phi` is affine).
    Zero(BigRational),
    /// `phi` takes the same value at both ends of both secants: taken to be constant (the slot
    /// does not matter to it).
    Constant,
    /// Neither.
    Unknown,
}

/// Secants of `phi` through 0 and 1, and through `around` and `around + 1`.
fn secant(phi: &dyn Fn(&BigRational) -> Option<Number>, around: &BigRational) -> Secant {
    let one = BigRational::one();
    let mut flat = 0;
    for (t0, t1) in [(BigRational::zero(), one.clone()), (around.clone(), around + &one)] {
        let (Some(p0), Some(p1)) = (phi(&t0), phi(&t1)) else { continue };
        let (Some(p0), Some(p1)) = (p0.as_exact(), p1.as_exact()) else { continue };
        if p0 == p1 {
            flat += 1;
            continue;
        }
        let root = &t0 - p0 * (&t1 - &t0) / (p1 - p0);
        if phi(&root).is_some_and(|v| v.is_exact() && v.is_zero()) {
            return Secant::Zero(root);
        }
    }
    if flat == 2 {
        Secant::Constant
    } else {
        Secant::Unknown
    }
}

fn sign(phi: &dyn Fn(&BigRational) -> Option<Number>, t: &BigRational) -> Option<Ordering> {
    phi(t).map(|v| v.compare(&Number::int(0)))
}

fn opposite(a: Option<Ordering>, b: Option<Ordering>) -> bool {
    matches!((a, b), (Some(Ordering::Less), Some(Ordering::Greater)) | (Some(Ordering::Greater), Some(Ordering::Less)))
}

/// Bisects a sign change of `phi` between `lo` and `hi` (where its sign is `lo_sign`) in
/// floating point, evaluating at exact conversions of the midpoints.
fn bisect(
    phi: &dyn Fn(&BigRational) -> Option<Number>,
    lo: &BigRational,
    hi: &BigRational,
    lo_sign: Option<Ordering>,
) -> Option<Root> {
    let (mut lo, mut hi) = (lo.to_f64()?, hi.to_f64()?);
    for _ in 0..MAX_BISECTIONS {
        let mid = lo + (hi - lo) / 2.0;
        if mid <= lo || mid >= hi {
            break;
        }
        let exact = BigRational::from_float(mid)?;
        match sign(phi, &exact) {
            Some(Ordering::Equal) => return Some(Root::Exact(exact)),
            s if s == lo_sign => lo = mid,
            Some(_) => hi = mid,
            // No value at the midpoint: a gap in the domain, not a zero.
            None => return None,
        }
    }
    Some(Root::Between(BigRational::from_float(lo)?, BigRational::from_float(hi)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(n: i64, d: i64) -> BigRational {
        BigRational::new(n.into(), d.into())
    }

    fn exact(f: fn(&BigRational) -> BigRational) -> impl Fn(&BigRational) -> Option<Number> {
        move |t| Some(Number::Exact(f(t)))
    }

    #[test]
    fn affine_functions_are_solved_exactly() {
        let phi = exact(|t| t * q(3, 1) - q(2, 1));
        assert_eq!(zeros(&phi, &q(5, 1)), vec![Root::Exact(q(2, 3))]);
        let step_argument = exact(|t| t - q(2, 1));
        assert_eq!(zeros(&step_argument, &q(-1, 7)), vec![Root::Exact(q(2, 1))]);
    }

    #[test]
    fn other_functions_are_bracketed_by_bisection() {
        let phi = exact(|t| t * t - q(2, 1));
        let roots = zeros(&phi, &q(1, 2));
        assert_eq!(roots.len(), 2);
        for root in roots {
            let Root::Between(lo, hi) = root else { panic!("sqrt(2) is irrational") };
            let (lo, hi) = (lo.to_f64().unwrap(), hi.to_f64().unwrap());
            assert!(hi - lo <= 2.0 * f64::EPSILON * 2.0 && (lo.abs() - 2f64.sqrt()).abs() < 1e-15, "{lo} {hi}");
        }
        let cubic = exact(|t| t * t * t - t);
        let found: Vec<Root> = zeros(&cubic, &q(3, 1));
        for r in [-1, 0, 1] {
            assert!(found.contains(&Root::Exact(q(r, 1))), "{found:?}");
        }
    }

    #[test]
    fn constants_and_gaps_have_no_zeros() {
        assert!(zeros(&exact(|_| q(1, 1)), &q(0, 1)).is_empty());
        let reciprocal = |t: &BigRational| (!t.is_zero()).then(|| Number::Exact(t.recip()));
        assert!(zeros(&reciprocal, &q(1, 1)).is_empty());
    }
}
