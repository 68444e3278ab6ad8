//! The numeric self-check of a derivation: the symbolic result against a numeric derivative
//! (extrapolated central differences) at sample points, avoiding kinks and poles.

use super::Check;
use crate::defs::Definitions;
use crate::diff::Wrt;
use crate::egraph::Assumption;
use crate::eval::number::Number;
use crate::eval::{eval_within, EvalError};
use crate::sample::derivative::{derivative, Estimate, Numeric};
use crate::sample::kinks::{kinks, Kink};
use crate::sample::rounding::{error_bound, Mode};
use crate::sample::{Miss, Point, Rng, Sampler, Slot};
use crate::syntax::ast::Expr;
use std::cell::OnceCell;
use std::time::Instant;

/// The most expression nodes one evaluation of the check visits: the check is a safeguard
/// that must not take longer than the derivation.
const CHECK_BUDGET: u64 = 2_000_000;

/// How many points the numeric check wants to agree.
const CHECK_POINTS: usize = 4;
/// How many points it tries.
const CHECK_TRIES: usize = 48;
/// A numeric derivative this close to the symbolic one, relative to the larger, agrees even
/// when its own error estimate is smaller.
const AGREE_RELATIVE: f64 = 1e-6;
/// An extrapolation this close to the symbolic value, relative to the larger, ends its tableau.
const SETTLED_RELATIVE: f64 = 1e-9;
/// Beyond this relative difference (and far beyond the error estimates), they disagree.
const DISAGREE_RELATIVE: f64 = 1e-3;
/// How many error estimates a difference must exceed to count as a disagreement.
const DISAGREE_MARGIN: f64 = 100.0;

/// Compares `result` with a numeric derivative of `expr` at sample points, until `deadline` (a
/// point started before it is finished): the constant points 0, 1 and -1, then random ones
/// over wide ranges, rounded to f64 (the numeric derivative is f64 anyway, and exact rationals
/// cost far more). Points at a kink are skipped; a point where they disagree is accused only
/// when extrapolations from two different first steps converge to the same numeric value, it
/// misses the symbolic one by far more than its error, and it misses it at two neighbouring
/// points as well.
pub(super) fn check(
    expr: &Expr,
    wrt: &Wrt,
    defs: &Definitions,
    assumptions: &[Assumption],
    result: &Expr,
    deadline: Instant,
) -> Check {
    let sampler = Sampler::new([expr, result], defs, assumptions);
    let checker = Checker { expr, wrt, result, sampler: &sampler, kinks: kinks([expr], defs), deadline };
    let mut rng = Rng::new(0x5eed);
    let (mut agreed, mut missed_assumption) = (0, None);
    for attempt in 0..CHECK_TRIES {
        if agreed == CHECK_POINTS {
            break;
        }
        if Instant::now() > deadline {
            if agreed == 0 {
                return Check::Skipped("the time limit was reached before a point was checked".into());
            }
            break;
        }
        let point = match sampler.nth(attempt, &mut rng) {
            Ok(point) => match sampler.in_f64(&point) {
                Some(point) => point,
                None => continue,
            },
            Err(Miss::Assumption(k)) => {
                missed_assumption = Some(k);
                continue;
            }
            Err(Miss::Definitions) => continue,
        };
        match checker.at(&point) {
            PointCheck::Agrees => agreed += 1,
            PointCheck::Skip => {}
            PointCheck::TooCostly if agreed == 0 => {
                return Check::Skipped("evaluating the result at a point takes too long".into())
            }
            PointCheck::TooCostly => break,
            PointCheck::Disagrees(symbolic, numeric) => {
                if checker.confirmed(&point) {
                    return Check::Disagreed(sampler.describe(&point), symbolic, numeric);
                }
            }
        }
    }
    match (agreed, missed_assumption) {
        (0, Some(k)) => {
            Check::Skipped(format!("the assumption {} cannot be made true at the points tried", assumptions[k]))
        }
        (0, None) => Check::Skipped("no point tried has a value and a derivative".into()),
        (n, _) => Check::Agreed(n),
    }
}

/// How the symbolic and the numeric derivative compare at one point.
enum PointCheck {
    /// Some numeric estimate agrees with the symbolic value.
    Agrees,
    /// Not differentiable, no value, or no convergent numeric derivative here.
    Skip,
    /// The symbolic value and the best numeric one.
    Disagrees(f64, f64),
    /// Evaluating the result takes more than [`CHECK_BUDGET`] steps.
    TooCostly,
}

/// What the check compares, and where it avoids kinks.
struct Checker<'a> {
    expr: &'a Expr,
    wrt: &'a Wrt,
    result: &'a Expr,
    sampler: &'a Sampler,
    kinks: Vec<Kink>,
    /// No evaluation starts after this.
    deadline: Instant,
}

impl Checker<'_> {
    /// The slot of the variable at `point` (its indices read from the point).
    fn slot(&self, point: &Point) -> Option<Slot> {
        let position = self
            .wrt
            .indices()
            .iter()
            .map(|i| point.env.get(i).and_then(|v| v.as_scalar()).and_then(Number::as_index))
            .collect::<Option<Vec<usize>>>()?;
        Some(Slot { name: self.wrt.name().to_string(), position })
    }

    /// The value of `e` at `point` within the budget and the deadline; `None` past either.
    fn value(&self, e: &Expr, point: &Point) -> Result<Option<f64>, EvalError> {
        if Instant::now() > self.deadline {
            return Ok(None);
        }
        match eval_within(e, &point.env, CHECK_BUDGET) {
            Err(too_costly @ EvalError::TooCostly { .. }) => Err(too_costly),
            other => Ok(other.ok().and_then(|v| v.as_scalar().map(Number::to_f64))),
        }
    }

    fn at(&self, point: &Point) -> PointCheck {
        let Some(slot) = self.slot(point) else { return PointCheck::Skip };
        let symbolic = match self.value(self.result, point) {
            Ok(Some(symbolic)) => symbolic,
            Ok(None) => return PointCheck::Skip,
            Err(_) => return PointCheck::TooCostly,
        };
        // How far rounding may move the values of `expr` near the point.
        let Some(noise) = error_bound(self.expr, &point.env, Mode::AllF64).and_then(|b| b.first().copied()) else {
            return PointCheck::Skip;
        };
        // The rounding error of the symbolic value, bounded only when it matters.
        let rounding = OnceCell::new();
        let rounding = || {
            *rounding.get_or_init(|| {
                let bound = error_bound(self.result, &point.env, Mode::AsEvaluated);
                bound.and_then(|b| b.first().copied()).unwrap_or(f64::INFINITY)
            })
        };
        let agrees = |e: &Estimate| {
            let difference = (symbolic - e.value).abs();
            difference <= 4.0 * e.error
                || difference <= AGREE_RELATIVE * symbolic.abs().max(e.value.abs())
                || difference <= 4.0 * (e.error + rounding())
        };
        let f = |p: &Point| self.value(self.expr, p).ok().flatten();
        // A tableau whose value meets the symbolic one to nine digits has said what it can.
        let enough = |v: f64| (symbolic - v).abs() <= SETTLED_RELATIVE * symbolic.abs().max(v.abs());
        let estimates =
            match derivative(&f, noise, &slot, self.sampler, &self.kinks, point, &mut |e| agrees(e), &enough) {
                Numeric::Estimates(estimates) => estimates,
                Numeric::NotDifferentiable | Numeric::Undefined => return PointCheck::Skip,
            };
        if estimates.iter().any(agrees) {
            return PointCheck::Agrees;
        }
        // A disagreement counts only if two extrapolations from different first steps agree on
        // the numeric value: a step over many periods of a fast oscillation can look converged.
        let close = |a: &Estimate, b: &Estimate| {
            let difference = (a.value - b.value).abs();
            difference <= 4.0 * (a.error + b.error) || difference <= AGREE_RELATIVE * a.value.abs().max(b.value.abs())
        };
        let mut by_error: Vec<&Estimate> = estimates.iter().collect();
        by_error.sort_by(|a, b| a.error.total_cmp(&b.error));
        let confirmed = by_error.iter().enumerate().find(|(k, a)| by_error[k + 1..].iter().any(|b| close(a, b)));
        let Some((_, best)) = confirmed else { return PointCheck::Skip };
        let difference = (symbolic - best.value).abs();
        let margin =
            DISAGREE_MARGIN * (best.error + rounding()) + DISAGREE_RELATIVE * symbolic.abs().max(best.value.abs());
        if difference > margin {
            PointCheck::Disagrees(symbolic, best.value)
        } else {
            PointCheck::Skip
        }
    }

    /// Whether a disagreement at `point` is robust: the derivatives disagree as well at the two
    /// points a relative 1e-3 to either side along the variable.
    fn confirmed(&self, point: &Point) -> bool {
        let Some(slot) = self.slot(point) else { return false };
        let Some(x) = slot.get(&point.env).map(Number::to_f64) else { return false };
        let step = if x == 0.0 { 1e-3 } else { x.abs() * 1e-3 };
        [x - step, x + step].into_iter().all(|t| {
            let Some(neighbour) = Number::approx(t).ok().and_then(|t| self.sampler.moved(point, &slot, t)) else {
                return false;
            };
            matches!(self.at(&neighbour), PointCheck::Disagrees(..))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::derive::parse_context;
    use crate::syntax::parse::parse_expr;

    fn check_of(expr: &str, wrt: &str, lets: &[&str], assume: &[&str], result: &str) -> Check {
        let lets: Vec<String> = lets.iter().map(|s| s.to_string()).collect();
        let assume: Vec<String> = assume.iter().map(|s| s.to_string()).collect();
        let (defs, assumptions) = parse_context(&lets, &assume).unwrap();
        let (expr, result) = (parse_expr(expr).unwrap(), parse_expr(result).unwrap());
        let deadline = Instant::now() + std::time::Duration::from_secs(60);
        check(&expr, &Wrt::parse(wrt).unwrap(), &defs, &assumptions, &result, deadline)
    }

    #[test]
    fn correct_derivatives_near_poles_and_kinks_agree() {
        let table = [
            ("tan(x)", "tan(x)^2 + 1"),
            ("tan(100*x)", "100*tan(100*x)^2 + 100"),
            ("tan(1/x)", "-(tan(1/x)^2 + 1)/x^2"),
            ("1/(x - 1)", "-1/(x - 1)^2"),
            ("log(abs(x))", "sign(x)/abs(x)"),
            ("sqrt(x)", "1/(2*sqrt(x))"),
            ("sin(1/x)", "-cos(1/x)/x^2"),
            ("relu(x - 1/3)*x", "step(x - 1/3)*x + relu(x - 1/3)"),
            ("abs(x^2 - 2)", "2*x*sign(x^2 - 2)"),
            ("exp(x)", "exp(x)"),
            // Fast oscillations: large steps average the slope away.
            ("sin(x^(-2))", "-2*cos(x^(-2))/x^3"),
            ("sin(1638*x)", "1638*cos(1638*x)"),
        ];
        for (expr, derivative) in table {
            let check = check_of(expr, "x", &[], &[], derivative);
            assert!(matches!(check, Check::Agreed(n) if n >= 4), "{expr}: {check:?}");
        }
        let softmax = check_of("softmax(z)[i]", "z[k]", &[], &[], "softmax(z)[i]*(delta(i, k) - softmax(z)[k])");
        assert!(matches!(softmax, Check::Agreed(n) if n >= 4), "{softmax:?}");
    }

    #[test]
    fn wrong_derivatives_are_caught() {
        let table = [
            ("sigmoid(x)", "sigmoid(x)"),
            ("relu(x)", "1"),
            ("abs(x)", "1"),
            ("tan(x)", "tan(x)^2"),
            ("x^3", "3*x^2 + 1"),
            ("log(x)", "1/x + 1/x^2"),
        ];
        for (expr, wrong) in table {
            let check = check_of(expr, "x", &[], &[], wrong);
            assert!(matches!(check, Check::Disagreed(..)), "{expr} vs {wrong}: {check:?}");
        }
        let ce = "-sum(i, y[i]*log(softmax(z)[i]))";
        let lets = ["yhat = softmax(z)"];
        let assume = ["sum(i, y[i]) = 1"];
        assert!(matches!(check_of(ce, "z[k]", &lets, &assume, "yhat[k] - y[k]"), Check::Agreed(n) if n >= 4));
        assert!(matches!(check_of(ce, "z[k]", &lets, &assume, "yhat[k]"), Check::Disagreed(..)));
    }

    #[test]
    fn assumptions_that_cannot_hold_skip_the_check_and_say_which() {
        let check = check_of("x", "x", &[], &["x = 1", "x = 2"], "1");
        assert_eq!(check, Check::Skipped("the assumption x = 1 cannot be made true at the points tried".into()));
    }
}
