//! Kinks and jumps: the arguments of `step`, `relu`, `abs`, `sign` and the differences `a - b`
//! of `max(a, b)` and `min(a, b)`, whose zeros are where an expression is not smooth. Two
//! expressions that agree at random points may still differ there (`step(x)` and
//! `(sign(x) + 1)/2` differ only at 0), and a numeric derivative across one is meaningless.
//!
//! [`breakpoints`] moves one slot of a point at a time to where a kink's argument is zero
//! (exactly where the argument is affine in the slot, else bracketed by bisection), and to
//! neighbours on both sides and midpoints between neighbouring breakpoints.

use super::solve::{zeros, Root};
use super::{Point, Rng, Sampler, Slot};
use crate::defs::Definitions;
use crate::eval::eval;
use crate::eval::number::Number;
use crate::eval::value::{Env, Value};
use crate::syntax::ast::{BinOp, Expr, Func, Node};
use num_rational::BigRational;
use num_traits::Signed;
use std::cmp::Ordering;

/// The argument of a kink, with the names of the indices bound around it (by sums, or as the
/// parameters of a definition), which run over every component.
#[derive(Clone, Debug, PartialEq)]
pub struct Kink {
    /// The argument whose zeros are the kinks (`x - 2` in `step(x - 2)`).
    pub arg: Expr,
    /// The bound indices the argument uses.
    pub indices: Vec<String>,
}

/// Most assignments of a kink's indices looked at.
const MAX_ASSIGNMENTS: usize = 512;

/// The kinks of `exprs` and of the definitions' bodies, each argument once.
pub fn kinks<'a>(exprs: impl IntoIterator<Item = &'a Expr>, defs: &Definitions) -> Vec<Kink> {
    let mut found = Vec::new();
    for e in exprs {
        collect(e, &mut Vec::new(), &mut found);
    }
    for d in defs.iter() {
        collect(&d.body, &mut d.params.clone(), &mut found);
    }
    found
}

fn collect(e: &Expr, bound: &mut Vec<String>, found: &mut Vec<Kink>) {
    let arg = match &e.node {
        Node::Call(Func::Step | Func::Relu | Func::Abs | Func::Sign | Func::Heaviside, args) => args.first().cloned(),
        Node::Call(Func::Max | Func::Min, args) if args.len() == 2 => {
            Some(Expr::binary(BinOp::Sub, args[0].clone(), args[1].clone()))
        }
        _ => None,
    };
    if let Some(arg) = arg {
        let free = arg.free_names();
        let indices = bound.iter().filter(|i| free.contains(*i)).cloned().collect();
        let kink = Kink { arg, indices };
        if !found.contains(&kink) {
            found.push(kink);
        }
    }
    if let Node::Reduce(_, i, count, body) = &e.node {
        if let Some(count) = count {
            collect(count, bound, found);
        }
        bound.push(i.clone());
        collect(body, bound, found);
        bound.pop();
    } else {
        e.children().into_iter().for_each(|c| collect(c, bound, found));
    }
}

impl Kink {
    /// Every assignment of the kink's indices to `1..=n` (at most [`MAX_ASSIGNMENTS`]).
    fn assignments(&self, n: usize) -> Vec<Vec<usize>> {
        let mut all = vec![vec![]];
        for _ in &self.indices {
            all =
                all.into_iter().flat_map(|a: Vec<usize>| (1..=n).map(move |k| [a.clone(), vec![k]].concat())).collect();
            all.truncate(MAX_ASSIGNMENTS);
        }
        all
    }

    /// The argument's value with the indices assigned; `None` where it has no number.
    fn value(&self, env: &Env, assignment: &[usize]) -> Option<Number> {
        let mut env = env.clone();
        for (name, k) in self.indices.iter().zip(assignment) {
            env.bind(name, Value::Scalar(Number::int(*k as i64)));
        }
        eval(&self.arg, &env).ok()?.as_scalar().cloned()
    }

    /// The argument's sign at every assignment of its indices.
    fn signs(&self, point: &Point) -> Vec<Option<Ordering>> {
        let zero = Number::int(0);
        self.assignments(point.n).iter().map(|a| self.value(&point.env, a).map(|v| v.compare(&zero))).collect()
    }
}

/// Whether some kink's argument is 0 (or has no value) at `point`.
pub fn at_kink(kinks: &[Kink], point: &Point) -> bool {
    kinks.iter().any(|k| k.signs(point).iter().any(|s| *s != Some(Ordering::Less) && *s != Some(Ordering::Greater)))
}

/// Whether some kink's argument has another sign (or no value) at `a` or at `b` than at
/// `point`, so that a kink may lie between them.
pub fn crossed(kinks: &[Kink], point: &Point, a: &Point, b: &Point) -> bool {
    kinks.iter().any(|k| {
        let here = k.signs(point);
        [a, b].iter().any(|p| k.signs(p).iter().zip(&here).any(|(s, h)| s.is_none() || s != h))
    })
}

/// Most slots of a point moved to breakpoints.
const MAX_SLOTS: usize = 6;
/// Most index assignments per kink and slot.
const MAX_SOLVED_ASSIGNMENTS: usize = 4;
/// The neighbours of a breakpoint are 10^-k away for each k here: relative to its magnitude when
/// that is above 1, else absolutely.
const NEIGHBOUR_DIGITS: [usize; 2] = [12, 4];

/// Points at and beside the breakpoints of `kinks` around `point`: for each of (some of) its
/// slots, the zeros of every kink argument along that slot, points 1e-12 and 1e-4 (relative to
/// the zero's magnitude above 1) to both sides, and the midpoints between neighbouring zeros. The assumptions are made true
/// again at every point, keeping the moved slot where possible.
pub fn breakpoints(kinks: &[Kink], sampler: &Sampler, point: &Point, rng: &mut Rng) -> Vec<Point> {
    let mut slots = sampler.slots(point);
    rng.shuffle(&mut slots);
    slots.truncate(MAX_SLOTS);
    let mut points = Vec::new();
    for slot in &slots {
        let mut roots: Vec<(BigRational, BigRational)> = Vec::new();
        for kink in kinks.iter().filter(|k| sampler.definitions().mentions(&k.arg, &slot.name)) {
            let mut assignments = kink.assignments(point.n);
            rng.shuffle(&mut assignments);
            assignments.truncate(MAX_SOLVED_ASSIGNMENTS);
            for assignment in &assignments {
                roots.extend(zeros_along(kink, assignment, sampler, point, slot).into_iter().map(|root| match root {
                    Root::Exact(t) => (t.clone(), t),
                    Root::Between(lo, hi) => (lo, hi),
                }));
            }
        }
        roots.sort();
        roots.dedup();
        let two = BigRational::from_integer(2.into());
        let midpoints: Vec<BigRational> = roots.windows(2).map(|w| (&w[0].1 + &w[1].0) / &two).collect();
        let mut places: Vec<BigRational> = roots.iter().flat_map(|(lo, hi)| around(lo, hi)).chain(midpoints).collect();
        places.sort();
        places.dedup();
        for t in places {
            let Some(moved) = sampler.moved(point, slot, Number::Exact(t)) else { continue };
            if let Ok(settled) = sampler.settle(moved, Some(slot), rng) {
                points.push(settled);
            }
        }
    }
    points
}

/// The zeros of a kink's argument (its indices assigned) as `slot` moves.
fn zeros_along(kink: &Kink, assignment: &[usize], sampler: &Sampler, point: &Point, slot: &Slot) -> Vec<Root> {
    let Some(current) = slot.get(&point.env) else { return vec![] };
    let Some(around) = current.as_exact().cloned().or_else(|| BigRational::from_float(current.to_f64())) else {
        return vec![];
    };
    let phi = |t: &BigRational| {
        let moved = sampler.moved(point, slot, Number::Exact(t.clone()))?;
        kink.value(&moved.env, assignment)
    };
    zeros(&phi, &around)
}

/// A breakpoint (exact, or between `lo` and `hi`) and its neighbours on both sides.
fn around(lo: &BigRational, hi: &BigRational) -> Vec<BigRational> {
    let scale = lo.abs().max(hi.abs()).max(BigRational::from_integer(1.into()));
    let mut out = vec![lo.clone(), hi.clone()];
    for digits in NEIGHBOUR_DIGITS {
        let step = &scale / BigRational::from_integer(num_traits::pow(10.into(), digits));
        out.push(lo - &step);
        out.push(hi + &step);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::Style;
    use super::*;
    use crate::syntax::parse::parse_expr;

    fn kinks_of(src: &str) -> Vec<String> {
        kinks([&parse_expr(src).unwrap()], &Definitions::default()).iter().map(|k| k.arg.to_string()).collect()
    }

    #[test]
    fn kinks_are_the_arguments_of_functions_that_are_not_smooth() {
        assert_eq!(kinks_of("step(x - 2) + relu(x)*abs(2*x) - sign(y)"), ["x - 2", "x", "2*x", "y"]);
        assert_eq!(kinks_of("max(x, 1/2) + min(x^2, y)"), ["x - 1/2", "x^2 - y"]);
        assert_eq!(kinks_of("sigmoid(x)*exp(x)"), Vec::<String>::new());
        let summed = kinks([&parse_expr("sum(i, relu(z[i] - k))").unwrap()], &Definitions::default());
        assert_eq!(summed[0].indices, ["i"]);
    }

    fn breakpoint_values(src: &str, n: usize) -> Vec<String> {
        let e = parse_expr(src).unwrap();
        let sampler = Sampler::new([&e], &Definitions::default(), &[]);
        let mut rng = Rng::new(9);
        let point = sampler.point(&mut rng, n, Style::Random).unwrap();
        let found = breakpoints(&kinks([&e], &Definitions::default()), &sampler, &point, &mut rng);
        found.iter().map(|p| sampler.describe(p)).collect()
    }

    #[test]
    fn affine_breakpoints_are_exact_with_neighbours_on_both_sides() {
        let found = breakpoint_values("step(x - 2)", 1);
        for want in ["x = 2", "x = 1.999999999998", "x = 2.000000000002", "x = 1.9998", "x = 2.0002"] {
            assert!(found.contains(&want.to_string()), "{want} in {found:?}");
        }
    }

    #[test]
    fn breakpoints_between_two_kinks_include_the_midpoint() {
        let found = breakpoint_values("abs(x) + abs(x - 1)", 1);
        assert!(["x = 0", "x = 1", "x = 0.5"].iter().all(|w| found.contains(&w.to_string())), "{found:?}");
    }

    #[test]
    fn nonlinear_breakpoints_are_bracketed() {
        let found = breakpoint_values("step(x^2 - 2)", 1);
        assert!(found.iter().any(|p| p.starts_with("x = 1.41421356237309")), "{found:?}");
        assert!(found.iter().any(|p| p.starts_with("x = -1.41421356237309")), "{found:?}");
    }

    #[test]
    fn vector_components_reach_their_breakpoints() {
        let found = breakpoint_values("sum(i, relu(z[i] - 1))", 3);
        assert!(
            found.iter().any(|p| p.contains("z = [1, ") || p.contains(", 1, ") || p.ends_with(", 1]")),
            "{found:?}"
        );
    }

    #[test]
    fn kinks_tell_where_a_point_is_not_smooth() {
        let e = parse_expr("relu(x - 1)").unwrap();
        let ks = kinks([&e], &Definitions::default());
        let sampler = Sampler::new([&e], &Definitions::default(), &[]);
        let at = |v: i64| sampler.point(&mut Rng::new(1), 1, Style::Constant(v)).unwrap();
        assert!(at_kink(&ks, &at(1)) && !at_kink(&ks, &at(2)));
        assert!(crossed(&ks, &at(2), &at(0), &at(3)) && !crossed(&ks, &at(2), &at(3), &at(3)));
    }
}
