//! Whether two expressions are equal, decided numerically (the fallback of `deltaform equiv`
//! when no proof is found): both are evaluated at a few hundred sample points — the constant
//! points 0, 1 and -1, random exact points over wide ranges with vectors of lengths 1 to 8, and
//! the breakpoints of their kinks with neighbours on both sides — and compared exactly where
//! both values are exact, else as tightly as f64 rounding allows.

use super::kinks::{breakpoints, kinks, Kink};
use super::rounding::{definition_errors, error_bound_given, Mode, UNIT};
use super::{format_value, Miss, Point, Rng, Sampler, Style};
use crate::eval::eval;
use crate::eval::value::Value;
use crate::syntax::ast::Expr;
use std::collections::HashSet;

/// Points compared (besides the breakpoints).
const RANDOM_POINTS: usize = 400;
/// Every this many random points, the breakpoints around the point are compared too.
const BREAKPOINTS_EVERY: usize = 40;
/// Points tried before assumptions that cannot be made true at any of them are an error.
const ASSUMPTION_TRIES: usize = 24;
/// Two f64 values this close, relative to the larger, agree without further analysis: any f64
/// evaluation beyond a single operation is off by a few units roundoff.
const FEW_UNITS: f64 = 8.0 * UNIT;
/// A comparison whose rounding error bound is larger than this, relative to the values, tells
/// nothing (f64 has lost all but three digits there), and a first-order bound may be too small.
const UNRELIABLE: f64 = 1e-3;

/// The outcome of a numeric comparison.
#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    /// A point where the values differ by more than rounding can explain.
    Differ(Counterexample),
    /// Every point where both have values agrees.
    Agree(Evidence),
    /// No point where both have values could be compared.
    Unknown(Evidence),
}

/// A point where two expressions differ.
#[derive(Clone, Debug, PartialEq)]
pub struct Counterexample {
    /// The inputs, as `--at` reads them.
    pub point: String,
    /// The first expression's value there.
    pub a: String,
    /// The second expression's value there.
    pub b: String,
}

/// How strong the evidence for equality is.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Evidence {
    /// Points where both have values and they agree.
    pub points: usize,
    /// Of those, points where both values are exact and equal.
    pub exact: usize,
    /// Of those, points at a breakpoint of a kink or beside one.
    pub breakpoints: usize,
    /// Points skipped because f64 rounding could hide a difference there.
    pub unreliable: usize,
    /// The largest difference between two f64 values that agree, relative to the larger.
    pub max_relative_difference: f64,
    /// A point where only one of them has a value.
    pub one_sided: Option<OneSided>,
}

/// A point where one expression has a value and the other has none.
#[derive(Clone, Debug, PartialEq)]
pub struct OneSided {
    /// The inputs.
    pub point: String,
    /// Which one has no value: `A` or `B`.
    pub undefined: &'static str,
    /// The value of the other.
    pub other: String,
}

/// Assumptions that cannot be made true.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unsatisfiable {
    /// The assumption at this position cannot be made true at any point tried.
    Alone(usize),
    /// The assumption at this position can be made true alone, but not together with the others.
    Together(usize),
}

/// Compares `a` and `b` numerically at points drawn by `sampler` (made for them, with the
/// definitions, assumptions and fixed lengths in force; check first that its assumptions are
/// [`satisfiable`]: points where they cannot be made true are skipped).
pub fn compare(a: &Expr, b: &Expr, sampler: &Sampler) -> Verdict {
    compare_at(a, b, sampler, RANDOM_POINTS)
}

/// [`compare`] at the first `points` of its points (and the breakpoints among them): a quick
/// search for a counterexample, whose `Agree` is weak evidence.
pub fn compare_at(a: &Expr, b: &Expr, sampler: &Sampler, points: usize) -> Verdict {
    let mut comparison = Comparison {
        a,
        b,
        sampler,
        kinks: kinks([a, b], sampler.definitions()),
        evidence: Evidence::default(),
        seen: HashSet::new(),
    };
    let mut rng = Rng::new(0xe9);
    for k in 0..points {
        let Ok(point) = sampler.nth(k, &mut rng) else { continue };
        if let Some(counterexample) = comparison.at(&point, false) {
            return Verdict::Differ(counterexample);
        }
        if k % BREAKPOINTS_EVERY == 0 {
            for near in breakpoints(&comparison.kinks, sampler, &point, &mut rng) {
                if let Some(counterexample) = comparison.at(&near, true) {
                    return Verdict::Differ(counterexample);
                }
            }
        }
    }
    let evidence = comparison.evidence;
    if evidence.points == 0 {
        Verdict::Unknown(evidence)
    } else {
        Verdict::Agree(evidence)
    }
}

/// Whether the assumptions of `sampler` can all be made true at once, at one of a few dozen
/// random points. If not, the one to blame is the one that failed most often, tried alone to
/// tell whether it cannot hold at all or only not with the others.
pub fn satisfiable(sampler: &Sampler) -> Result<(), Unsatisfiable> {
    let count = sampler.assumptions().len();
    let mut rng = Rng::new(0xa1);
    let mut misses = vec![0; count];
    for k in 0..ASSUMPTION_TRIES {
        match sampler.point(&mut rng, 1 + k % 8, Style::Random) {
            Ok(_) => return Ok(()),
            Err(Miss::Assumption(j)) => misses[j] += 1,
            Err(Miss::Definitions) => {}
        }
    }
    let Some(worst) = (0..misses.len()).filter(|&j| misses[j] > 0).max_by_key(|&j| (misses[j], std::cmp::Reverse(j)))
    else {
        return Ok(());
    };
    if count > 1 && satisfiable(&sampler.with_only_assumption(worst)).is_ok() {
        Err(Unsatisfiable::Together(worst))
    } else {
        Err(Unsatisfiable::Alone(worst))
    }
}

/// The running comparison.
struct Comparison<'a> {
    a: &'a Expr,
    b: &'a Expr,
    sampler: &'a Sampler,
    kinks: Vec<Kink>,
    evidence: Evidence,
    /// The breakpoints compared so far (several random points may share one).
    seen: HashSet<String>,
}

/// How two numbers compare.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Agreement {
    /// Both exact and equal.
    Exact,
    /// Equal to within rounding, with this relative difference.
    Close(f64),
    /// Rounding could hide a difference.
    Unreliable,
    /// Different.
    Differ,
}

impl Comparison<'_> {
    /// Compares at `point`; a counterexample if the values differ there.
    fn at(&mut self, point: &Point, at_breakpoint: bool) -> Option<Counterexample> {
        if at_breakpoint && !self.seen.insert(self.sampler.describe(point)) {
            return None;
        }
        let (va, vb) = (eval(self.a, &point.env).ok(), eval(self.b, &point.env).ok());
        let (va, vb) = match (va, vb) {
            (Some(va), Some(vb)) => (va, vb),
            (None, Some(v)) => return self.one_sided(point, "A", &v),
            (Some(v), None) => return self.one_sided(point, "B", &v),
            (None, None) => return None,
        };
        let agreements = self.agreements(&va, &vb, point);
        if agreements.contains(&Agreement::Differ) {
            let (a, b) = shown(&va, &vb);
            return Some(Counterexample { point: self.sampler.describe(point), a, b });
        }
        if agreements.contains(&Agreement::Unreliable) {
            self.evidence.unreliable += 1;
            return None;
        }
        let evidence = &mut self.evidence;
        evidence.points += 1;
        evidence.exact += agreements.iter().all(|x| *x == Agreement::Exact) as usize;
        evidence.breakpoints += at_breakpoint as usize;
        for agreement in agreements {
            if let Agreement::Close(relative) = agreement {
                evidence.max_relative_difference = evidence.max_relative_difference.max(relative);
            }
        }
        None
    }

    /// Notes the first point where only one side has a value.
    fn one_sided(&mut self, point: &Point, undefined: &'static str, other: &Value) -> Option<Counterexample> {
        if self.evidence.one_sided.is_none() {
            let point = self.sampler.describe(point);
            self.evidence.one_sided = Some(OneSided { point, undefined, other: format_value(other, 6) });
        }
        None
    }

    /// How each pair of numbers of the two values compares (shapes that differ: `Differ`).
    fn agreements(&self, va: &Value, vb: &Value, point: &Point) -> Vec<Agreement> {
        if va.shape() != vb.shape() {
            return vec![Agreement::Differ];
        }
        let mode = if point.rounded { Mode::AllF64 } else { Mode::AsEvaluated };
        let mut bounds: Option<Option<Vec<f64>>> = None;
        let mut bound = |k: usize| -> Option<f64> {
            let all = bounds.get_or_insert_with(|| {
                let known = definition_errors(self.sampler.definitions(), &[self.a, self.b], &point.env, mode)?;
                let bound = |e: &Expr| error_bound_given(e, &point.env, mode, &known);
                let (ea, eb) = (bound(self.a)?, bound(self.b)?);
                Some(ea.iter().zip(eb).map(|(x, y)| x + y).collect())
            });
            all.as_ref()?.get(k).copied()
        };
        let mut out = Vec::new();
        for (k, (x, y)) in va.numbers().into_iter().zip(vb.numbers()).enumerate() {
            if let (Some(p), Some(q), false) = (x.as_exact(), y.as_exact(), point.rounded) {
                out.push(if p == q { Agreement::Exact } else { Agreement::Differ });
                continue;
            }
            let (x, y) = (x.to_f64(), y.to_f64());
            let (difference, larger) = ((x - y).abs(), x.abs().max(y.abs()));
            if difference <= FEW_UNITS * larger {
                out.push(Agreement::Close(if larger == 0.0 { 0.0 } else { difference / larger }));
                continue;
            }
            out.push(match bound(k) {
                Some(rounding) if rounding <= UNRELIABLE * larger => {
                    if difference <= rounding {
                        Agreement::Close(difference / larger)
                    } else {
                        Agreement::Differ
                    }
                }
                _ => Agreement::Unreliable,
            });
        }
        out
    }
}

/// Two values as text: 6 significant digits, or all 17 when 6 would not tell them apart.
fn shown(a: &Value, b: &Value) -> (String, String) {
    let (short_a, short_b) = (format_value(a, 6), format_value(b, 6));
    if short_a != short_b {
        (short_a, short_b)
    } else {
        (format_value(a, 17), format_value(b, 17))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::defs::Definitions;
    use crate::egraph::Assumption;
    use crate::syntax::parse::{parse_expr, parse_statement};

    /// The verdict on `a` and `b` under the definitions `lets`, the assumptions `assume` and
    /// the vector lengths `lengths`.
    fn verdict_in(
        a: &str,
        b: &str,
        lets: &[&str],
        assume: &[&str],
        lengths: &[(&str, usize)],
    ) -> Result<Verdict, Unsatisfiable> {
        let assumptions: Vec<Assumption> = assume.iter().map(|s| Assumption::parse(s).unwrap()).collect();
        let mut defs = Definitions::default();
        for text in lets {
            defs.add(parse_statement(text).unwrap()).unwrap();
        }
        let (a, b) = (parse_expr(a).unwrap(), parse_expr(b).unwrap());
        let mut sampler = Sampler::new([&a, &b], &defs, &assumptions);
        for (name, len) in lengths {
            sampler.fix_length(name, *len).unwrap();
        }
        satisfiable(&sampler)?;
        Ok(compare(&a, &b, &sampler))
    }

    fn verdict(a: &str, b: &str, assume: &[&str]) -> Result<Verdict, Unsatisfiable> {
        verdict_in(a, b, &[], assume, &[])
    }

    fn differs(a: &str, b: &str) -> Counterexample {
        match verdict(a, b, &[]) {
            Ok(Verdict::Differ(c)) => c,
            other => panic!("{a} vs {b}: {other:?}"),
        }
    }

    fn agrees(a: &str, b: &str, assume: &[&str]) -> Evidence {
        match verdict(a, b, assume) {
            Ok(Verdict::Agree(e)) => e,
            other => panic!("{a} vs {b}: {other:?}"),
        }
    }

    #[test]
    fn tiny_differences_are_found() {
        differs("x", "x + 1e-12");
        differs("1e-10*x", "-1e-10*x");
        differs("sigmoid(x - 30)", "0");
        differs("exp(x)", "exp(x + 1e-12)");
    }

    #[test]
    fn differences_at_a_single_breakpoint_are_found() {
        let c = differs("step(x)", "(sign(x) + 1)/2");
        assert_eq!((c.point.as_str(), c.a.as_str(), c.b.as_str()), ("x = 0", "0", "0.5"));
        differs("x", "x + step(x - 2)");
        differs("relu(x - 1/3)", "max(x - 1/3, 0) + step(x - 1/3)*(1 - step(x - 1/3 - 1e-9))");
        // Only where an entry is exactly 1/11, which no random draw gives.
        let c = differs("sum(i, step(z[i] - 1/11))", "sum(i, (sign(z[i] - 1/11) + 1)/2)");
        assert!(c.point.contains("1/11"), "{c:?}");
        let c = differs("sum(i, sum(j, step(W[i, j] - 1/11)))", "sum(i, sum(j, (sign(W[i, j] - 1/11) + 1)/2))");
        assert!(c.point.contains("1/11"), "{c:?}");
    }

    #[test]
    fn equal_expressions_agree_with_the_evidence_counted() {
        let e = agrees("relu(x) - relu(-x)", "x", &[]);
        assert!(e.points >= RANDOM_POINTS && e.exact == e.points && e.breakpoints > 0, "{e:?}");
        let e = agrees("1 - sigmoid(x)", "sigmoid(-x)", &[]);
        // Where 1 - sigmoid(x) cancels to a few digits or to nothing, rounding hides the rest.
        assert!(e.points > RANDOM_POINTS / 2 && e.unreliable > 0 && e.max_relative_difference < UNRELIABLE, "{e:?}");
        let e = agrees("exp(x)*exp(y)", "exp(x + y)", &[]);
        assert!(e.exact < e.points && e.max_relative_difference > 0.0, "{e:?}");
        let e = agrees("max(a, b)", "(a + b + abs(a - b))/2", &[]);
        assert!(e.breakpoints > 0 && e.exact == e.points, "{e:?}");
        agrees("sum(i, W[k, i]*x[i])", "sum(j, x[j]*W[k, j])", &[]);
    }

    #[test]
    fn assumptions_hold_at_every_point() {
        agrees("sum(i, y[i]*2)", "2", &["sum(i, y[i]) = 1"]);
        agrees("x^2", "2", &["x^2 = 2"]);
        assert!(matches!(
            verdict("sum(i, y[i]*y[i])", "sum(i, abs(y[i])*y[i])", &["sum(i, y[i]) = 1"]),
            Ok(Verdict::Differ(_))
        ));
    }

    #[test]
    fn contradictory_assumptions_are_an_error() {
        assert_eq!(verdict("x", "1", &["x = 1", "x = 2"]), Err(Unsatisfiable::Together(0)));
        assert!(matches!(
            verdict("y[1]", "1", &["sum(i, y[i]) = 1", "sum(i, y[i]) = 2"]),
            Err(Unsatisfiable::Together(_))
        ));
        assert_eq!(verdict("x", "1", &["0 = 1"]), Err(Unsatisfiable::Alone(0)));
    }

    #[test]
    fn fixed_lengths_decide_sums_written_out() {
        let unrolled = "p[1] + p[2] + p[3]";
        let e = match verdict_in(unrolled, "sum(j, p[j])", &[], &[], &[("p", 3)]) {
            Ok(Verdict::Agree(e)) => e,
            other => panic!("{other:?}"),
        };
        assert!(e.points >= RANDOM_POINTS && e.exact == e.points, "{e:?}");
        let c = match verdict_in(unrolled, "sum(j, p[j])", &[], &[], &[("p", 4)]) {
            Ok(Verdict::Differ(c)) => c,
            other => panic!("{other:?}"),
        };
        assert!(c.point.starts_with("p = [") && c.point.matches(',').count() == 3, "{c:?}");
        // Without a fixed length, lengths 1 to 8 are drawn: no point has both sides defined and
        // equal except length 3, where they agree; other lengths either differ or are undefined.
        assert!(matches!(verdict(unrolled, "sum(j, p[j])", &[]), Ok(Verdict::Differ(_))));
    }

    #[test]
    fn definitions_are_evaluated_into_every_point() {
        let lets = ["h[j] = sigmoid(p[j])", "s = sum(j, h[j])"];
        let agree = verdict_in("h[1] + h[2]", "s", &lets, &[], &[("p", 2)]);
        assert!(matches!(agree, Ok(Verdict::Agree(_))), "{agree:?}");
        let differ = verdict_in("h[1] + h[2]", "s", &lets, &[], &[("p", 3)]);
        assert!(matches!(differ, Ok(Verdict::Differ(_))), "{differ:?}");
        let agree = verdict_in("yhat[k]", "exp(z[k])/sum(i, exp(z[i]))", &["yhat = softmax(z)"], &[], &[]);
        assert!(matches!(agree, Ok(Verdict::Agree(_))), "{agree:?}");
    }

    #[test]
    fn no_point_with_both_sides_defined_is_unknown() {
        assert!(matches!(verdict("log(-x^2 - 1)", "x", &[]), Ok(Verdict::Unknown(_))));
    }

    #[test]
    fn one_sided_values_are_noted() {
        let e = agrees("exp(log(x))", "x", &[]);
        assert_eq!(e.one_sided.map(|o| o.undefined), Some("A"));
    }
}
