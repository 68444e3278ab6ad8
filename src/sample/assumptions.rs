//! Assumptions made true at a sample point: each assumption `lhs = rhs` moves one input slot
//! it involves to where `lhs - rhs` is zero (exactly when it is affine in the slot, as
//! `sum(i, y[i]) = 1` is in each `y[k]`), so the other slots keep their random values and
//! signs. Each assumption claims its own slot where it can, rounds repeat until all hold, and a
//! point is accepted only when every assumption holds there.

use super::rounding::{definition_errors, error_bound_given, Mode};
use super::solve::{zeros, Root};
use super::{Point, Rng, Sampler, Slot};
use crate::egraph::Assumption;
use crate::eval::eval;
use crate::eval::number::Number;
use crate::syntax::ast::{BinOp, Expr};
use num_rational::BigRational;
use num_traits::Signed;

/// Makes every assumption of `sampler` true at `point`, moving `pinned` only when an assumption
/// depends on nothing else; the position of an assumption that still fails.
pub fn enforce(sampler: &Sampler, point: &mut Point, pinned: Option<&Slot>, rng: &mut Rng) -> Result<(), usize> {
    let assumptions = sampler.assumptions();
    let candidates: Vec<Vec<Slot>> = assumptions
        .iter()
        .map(|a| {
            let mut slots = sampler.slots_of(&difference(a), point);
            rng.shuffle(&mut slots);
            // The pinned slot last: moved only when nothing else is.
            slots.sort_by_key(|s| Some(s) == pinned);
            slots
        })
        .collect();
    let mut claimed: Vec<Option<Slot>> = vec![None; assumptions.len()];
    for _round in 0..=assumptions.len() {
        let mut all_hold = true;
        for (k, a) in assumptions.iter().enumerate() {
            if holds(sampler, a, point) {
                continue;
            }
            all_hold = false;
            let taken = |s: &Slot| claimed.iter().enumerate().any(|(j, c)| j != k && c.as_ref() == Some(s));
            // Its own slot first, then the slots no other assumption moves, then the rest.
            let own = claimed[k].as_ref().filter(|s| !taken(s));
            let mut order: Vec<&Slot> = own.into_iter().collect();
            order.extend(candidates[k].iter().filter(|s| !taken(s) && Some(*s) != own));
            order.extend(candidates[k].iter().filter(|s| taken(s)));
            if let Some((slot, solved)) = order.into_iter().find_map(|s| solve(sampler, point, a, s).map(|p| (s, p))) {
                claimed[k] = Some(slot.clone());
                *point = solved;
            }
        }
        if all_hold {
            return Ok(());
        }
    }
    match assumptions.iter().position(|a| !holds(sampler, a, point)) {
        Some(k) => Err(k),
        None => Ok(()),
    }
}

/// `point` with `slot` moved to a zero of `lhs - rhs` (the one nearest its value) where the
/// assumption then holds.
fn solve(sampler: &Sampler, point: &Point, a: &Assumption, slot: &Slot) -> Option<Point> {
    let difference = difference(a);
    let phi = |t: &BigRational| -> Option<Number> {
        let moved = sampler.moved(point, slot, Number::Exact(t.clone()))?;
        eval(&difference, &moved.env).ok()?.as_scalar().cloned()
    };
    let current = slot.get(&point.env)?;
    let around = current.as_exact().cloned().or_else(|| BigRational::from_float(current.to_f64()))?;
    let mut candidates: Vec<(BigRational, bool)> = zeros(&phi, &around)
        .into_iter()
        .flat_map(|root| match root {
            Root::Exact(t) => vec![(t, false)],
            Root::Between(lo, hi) => vec![(lo, true), (hi, true)],
        })
        .collect();
    candidates.sort_by_key(|(s, _)| (s - &around).abs());
    candidates.into_iter().find_map(|(t, rounded)| {
        let mut moved = sampler.moved(point, slot, Number::Exact(t))?;
        moved.rounded |= rounded;
        holds(sampler, a, &moved).then_some(moved)
    })
}

/// `lhs - rhs` of an assumption.
fn difference(a: &Assumption) -> Expr {
    Expr::binary(BinOp::Sub, a.lhs.clone(), a.rhs.clone())
}

/// Whether `lhs = rhs` holds at `point`: exactly where both sides are exact and the point is
/// not [`Point::rounded`], else to within the rounding error of evaluating both sides in f64
/// (the definitions of `sampler` included).
pub fn holds(sampler: &Sampler, a: &Assumption, point: &Point) -> bool {
    let (Ok(l), Ok(r)) = (eval(&a.lhs, &point.env), eval(&a.rhs, &point.env)) else { return false };
    if l.shape() != r.shape() {
        return false;
    }
    let mode = if point.rounded { Mode::AllF64 } else { Mode::AsEvaluated };
    let Some(known) = definition_errors(sampler.definitions(), &[&a.lhs, &a.rhs], &point.env, mode) else {
        return false;
    };
    let bound = |e: &Expr| error_bound_given(e, &point.env, mode, &known);
    let (Some(el), Some(er)) = (bound(&a.lhs), bound(&a.rhs)) else {
        return false;
    };
    l.numbers().iter().zip(r.numbers()).enumerate().all(|(k, (x, y))| match (x.as_exact(), y.as_exact()) {
        (Some(p), Some(q)) if p == q => true,
        (Some(_), Some(_)) if !point.rounded => false,
        _ => (x.to_f64() - y.to_f64()).abs() <= el[k] + er[k],
    })
}

#[cfg(test)]
mod tests {
    use super::super::Style;
    use super::*;
    use crate::defs::Definitions;
    use crate::eval::value::Value;
    use crate::syntax::parse::parse_expr;

    fn sampler(expr: &str, assume: &[&str]) -> Sampler {
        let assumptions: Vec<Assumption> = assume.iter().map(|s| Assumption::parse(s).unwrap()).collect();
        Sampler::new([&parse_expr(expr).unwrap()], &Definitions::default(), &assumptions)
    }

    #[test]
    fn a_sum_is_made_exact_and_signs_stay_mixed() {
        let s = sampler("sum(i, y[i]*z[i])", &["sum(i, y[i]) = 1"]);
        let mut rng = Rng::new(4);
        let (mut negative, mut positive) = (false, false);
        for n in 1..=8 {
            let p = s.point(&mut rng, n, Style::Random).unwrap();
            let Some(Value::Vector(y)) = p.env.get("y") else { panic!("y is a vector") };
            let total = y.iter().fold(Number::int(0), |acc, x| acc.try_add(x).unwrap());
            assert_eq!(total, Number::int(1));
            negative |= y.iter().any(|x| x.to_f64() < 0.0);
            positive |= y.iter().any(|x| x.to_f64() > 0.0);
        }
        assert!(negative && positive);
    }

    #[test]
    fn assumptions_share_the_work() {
        // `x = y` is solved for y, `x = 1` for x, in whichever order they come.
        for assume in [["x = y", "x = 1"], ["x = 1", "x = y"]] {
            let s = sampler("x + y", &assume);
            let p = s.point(&mut Rng::new(5), 1, Style::Random).unwrap();
            assert_eq!(p.env.get("x"), Some(&Value::Scalar(Number::int(1))));
            assert_eq!(p.env.get("y"), Some(&Value::Scalar(Number::int(1))));
        }
    }

    #[test]
    fn irrational_solutions_hold_to_within_rounding() {
        let s = sampler("x", &["x^2 = 2"]);
        let p = s.point(&mut Rng::new(6), 1, Style::Random).unwrap();
        assert!(p.rounded);
        assert!((p.env.get("x").unwrap().as_scalar().unwrap().to_f64().abs() - 2f64.sqrt()).abs() < 1e-15);
    }

    #[test]
    fn contradictions_fail_and_name_the_assumption() {
        let mut rng = Rng::new(7);
        assert_eq!(
            sampler("x", &["x = 1", "x = 2"]).point(&mut rng, 1, Style::Random),
            Err(super::super::Miss::Assumption(0))
        );
        let sums = sampler("y[1]", &["sum(i, y[i]) = 1", "sum(i, y[i]) = 2"]);
        assert!(sums.point(&mut rng, 3, Style::Random).is_err());
        assert_eq!(
            sampler("x", &["exp(x) = -1"]).point(&mut rng, 1, Style::Random),
            Err(super::super::Miss::Assumption(0))
        );
    }

    #[test]
    fn a_pinned_slot_keeps_its_value_when_another_can_move() {
        let s = sampler("y[1]", &["sum(i, y[i]) = 1"]);
        let mut rng = Rng::new(8);
        let mut p = s.point(&mut rng, 3, Style::Random).unwrap();
        let pinned = Slot { name: "y".into(), position: vec![2] };
        pinned.set(&mut p.env, Number::int(5)).unwrap();
        let settled = s.settle(p, Some(&pinned), &mut rng).unwrap();
        assert_eq!(pinned.get(&settled.env), Some(&Number::int(5)));
    }
}
