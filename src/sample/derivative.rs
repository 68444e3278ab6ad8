//! Numeric derivatives, for checking symbolic ones: Ridders' method (central differences whose
//! step shrinks by a constant factor, extrapolated to step 0 in a Richardson tableau, stopping
//! when rounding takes over), started from several first steps, each used only when no kink of
//! the function lies within it.

use super::kinks::{at_kink, crossed, Kink};
use super::{Point, Sampler, Slot};
use crate::eval::number::Number;

/// A numeric derivative and an estimate of its error.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    /// The derivative.
    pub value: f64,
    /// How far off it may be.
    pub error: f64,
}

/// What the numeric derivative at a point is.
#[derive(Clone, Debug, PartialEq)]
pub enum Numeric {
    /// Estimates from different first steps, in the order tried.
    Estimates(Vec<Estimate>),
    /// A kink of the function is at the point itself.
    NotDifferentiable,
    /// No estimate could be made (the function has no value near the point).
    Undefined,
}

/// First steps of the extrapolations, relative to the variable's magnitude (or absolute when it
/// is 0), in the order tried. The small ones are for functions that vary fast (`sin(1/x^2)`
/// near 0, `sin(1000*x)` at large x): a step over many of their periods averages the slope
/// away, consistently enough to look converged.
const FIRST_STEPS: [f64; 6] = [1e-3, 1e-1, 1e-5, 1e-7, 1e-9, 1e-11];
/// How much each step of the tableau shrinks.
const SHRINK: f64 = 1.4;
/// Most steps in one tableau.
const TABLEAU: usize = 10;

/// The derivative of `f` (the value of an expression at a point, `None` where it has none)
/// with respect to `slot` at `point`, from each first step that keeps every kink outside it;
/// `noise` bounds the rounding error of the values of `f`. `each` sees every estimate as it is
/// made and may stop the search early by returning true; `enough` may end a tableau early
/// (see [`ridders`]).
#[allow(clippy::too_many_arguments)]
pub fn derivative(
    f: &dyn Fn(&Point) -> Option<f64>,
    noise: f64,
    slot: &Slot,
    sampler: &Sampler,
    kinks: &[Kink],
    point: &Point,
    each: &mut dyn FnMut(&Estimate) -> bool,
    enough: &dyn Fn(f64) -> bool,
) -> Numeric {
    if at_kink(kinks, point) {
        return Numeric::NotDifferentiable;
    }
    let Some(x) = slot.get(&point.env).map(Number::to_f64) else { return Numeric::Undefined };
    let at = |t: f64| -> Option<Point> { sampler.moved(point, slot, Number::approx(t).ok()?) };
    let along = |t: f64| -> Option<f64> { f(&at(t)?) };
    let scale = if x == 0.0 { 1.0 } else { x.abs() };
    let mut estimates = Vec::new();
    for relative in FIRST_STEPS {
        let h = relative * scale;
        let (Some(below), Some(above)) = (at(x - h), at(x + h)) else { continue };
        if crossed(kinks, point, &below, &above) {
            continue;
        }
        if let Some(estimate) = ridders(&along, x, h, noise, enough) {
            estimates.push(estimate);
            if each(&estimate) {
                break;
            }
        }
    }
    if estimates.is_empty() {
        Numeric::Undefined
    } else {
        Numeric::Estimates(estimates)
    }
}

/// Ridders' extrapolation of central differences of `f` at `x`, from the step `h`: the
/// estimate whose neighbours in the tableau agree best, and that disagreement as its error (at
/// least `noise / h` for the step it came from, where `noise` bounds the rounding error of
/// each value of `f`: two values that differ by less cannot be told apart). The tableau ends
/// early once `enough` accepts its best value (a check that knows the value it expects).
pub fn ridders(
    f: &dyn Fn(f64) -> Option<f64>,
    x: f64,
    h: f64,
    noise: f64,
    enough: &dyn Fn(f64) -> bool,
) -> Option<Estimate> {
    let central = |h: f64| -> Option<f64> {
        let (below, above) = (x - h, x + h);
        // The step actually taken, after rounding x ± h.
        Some((f(above)? - f(below)?) / (above - below))
    };
    let mut h = h;
    let mut best = Estimate { value: central(h)?, error: f64::INFINITY };
    let mut previous = vec![best.value];
    for _ in 1..TABLEAU {
        h /= SHRINK;
        let mut row = vec![central(h)?];
        let mut factor = SHRINK * SHRINK;
        for j in 1..=previous.len() {
            let extrapolated = (row[j - 1] * factor - previous[j - 1]) / (factor - 1.0);
            let error = (extrapolated - row[j - 1]).abs().max((extrapolated - previous[j - 1]).abs());
            let error = error.max(noise / h);
            if error <= best.error {
                best = Estimate { value: extrapolated, error };
            }
            row.push(extrapolated);
            factor *= SHRINK * SHRINK;
        }
        if enough(best.value) {
            break;
        }
        let (last, before) = (row[row.len() - 1], previous[previous.len() - 1]);
        // Rounding has taken over once the highest order moves more than twice the best error.
        if (last - before).abs() >= 2.0 * best.error {
            break;
        }
        previous = row;
    }
    best.value.is_finite().then_some(best)
}

#[cfg(test)]
mod tests {
    use super::super::Style;
    use super::*;
    use crate::defs::Definitions;
    use crate::syntax::parse::parse_expr;

    #[test]
    fn ridders_is_accurate_for_smooth_functions() {
        let estimate = ridders(&|x: f64| Some(x.exp()), 1.0, 0.1, 0.0, &|_| false).unwrap();
        assert!((estimate.value - 1f64.exp()).abs() < 1e-12 && estimate.error < 1e-10, "{estimate:?}");
        let steep = ridders(&|x: f64| Some(x.tan()), 1.5, 1e-3, 0.0, &|_| false).unwrap();
        let want = 1.0 / 1.5f64.cos().powi(2);
        assert!((steep.value - want).abs() < 1e-8 * want, "{steep:?} vs {want}");
        // Values that round to the same f64 give a derivative of 0 within the noise.
        let flat = ridders(&|x: f64| Some(1.0 + 1e-300 * x), 0.5, 1e-3, 4.0 * f64::EPSILON, &|_| false).unwrap();
        assert!(flat.value.abs() <= flat.error && flat.error >= 1e-13, "{flat:?}");
    }

    fn numeric(src: &str, x: i64) -> Numeric {
        let e = parse_expr(src).unwrap();
        let defs = Definitions::default();
        let sampler = Sampler::new([&e], &defs, &[]);
        let point = sampler.point(&mut super::super::Rng::new(1), 1, Style::Constant(x)).unwrap();
        let slot = Slot { name: "x".into(), position: vec![] };
        let f = |p: &Point| Some(crate::eval::eval(&e, &p.env).ok()?.as_scalar()?.to_f64());
        derivative(&f, 0.0, &slot, &sampler, &super::super::kinks::kinks([&e], &defs), &point, &mut |_| false, &|_| {
            false
        })
    }

    #[test]
    fn steps_keep_kinks_outside() {
        // At x = 1 the kink of relu(x - 1.001) is within the larger first steps only.
        let Numeric::Estimates(estimates) = numeric("relu(x - 1.001)*x", 1) else { panic!("estimates") };
        assert!(estimates.len() >= 2 && estimates.iter().all(|e| e.value.abs() < 1e-9), "{estimates:?}");
        assert_eq!(numeric("abs(x - 1)", 1), Numeric::NotDifferentiable);
        assert_eq!(numeric("log(x)", -1), Numeric::Undefined);
    }
}
