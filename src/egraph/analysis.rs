//! What the e-graph knows about each class: its exact constant value (folded, never a float),
//! the names it depends on (for the side conditions of sum rules) and an interval containing its
//! values (for domain conditions such as `x != 0`, decided by analysis, never by syntax).

use super::cost::node_cost;
use super::lang::{Constant, Math};
use crate::eval::apply_unary;
use crate::eval::number::Number;
use egg::{merge_option, Analysis, DidMerge, EGraph, Id, Language, Symbol};
use num_rational::BigRational;
use num_traits::{Signed, ToPrimitive, Zero};
use std::collections::{BTreeMap, BTreeSet};

/// The e-graph type deltaform simplifies in.
pub type MathGraph = EGraph<Math, Facts>;

/// Facts about one e-class.
#[derive(Clone, Debug, PartialEq)]
pub struct FactsData {
    /// The class's exact value, when it is a constant.
    pub constant: Option<BigRational>,
    /// The names the class's value may depend on.
    pub free: BTreeSet<Symbol>,
    /// The names used as an index of a vector or matrix in every form of the class (a sum over
    /// one of them can tell its range from the class).
    pub indexed: BTreeSet<Symbol>,
    /// For a name used as a bare index in some form of the class, one vector (or matrix) class
    /// it indexes and the axis: what a sum over that name runs over.
    pub witness: BTreeMap<Symbol, (Id, usize)>,
    /// An interval holding every value of the class.
    pub range: Interval,
    /// The symbol, when the class holds one (a variable or a bound index).
    pub symbol: Option<Symbol>,
    /// The reader's cost of the class's cheapest term ([`super::cost::node_cost`]).
    pub cost: f64,
}

/// The analysis computing [`FactsData`]. `prune` drops the other nodes of a class found to be
/// constant (only when no explanation is wanted).
#[derive(Clone, Debug, Default)]
pub struct Facts {
    /// Whether constant classes lose their other nodes.
    pub prune: bool,
    /// Whether two different constants met in one class, or a class is 0 to a negative power.
    /// Each rule keeps the value wherever the term has one, so this only happens through a part
    /// that has no value anywhere (such as `0/0`): from then on the e-graph proves nothing.
    pub contradiction: bool,
}

/// A real interval with open or closed ends (infinite ends are open).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Interval {
    lo: f64,
    hi: f64,
    lo_open: bool,
    hi_open: bool,
}

impl Interval {
    /// Every real number.
    pub const ALL: Interval = Interval { lo: f64::NEG_INFINITY, hi: f64::INFINITY, lo_open: true, hi_open: true };

    fn new(lo: f64, hi: f64, lo_open: bool, hi_open: bool) -> Interval {
        Interval { lo, hi, lo_open: lo_open || lo.is_infinite(), hi_open: hi_open || hi.is_infinite() }
    }

    fn open(lo: f64, hi: f64) -> Interval {
        Interval::new(lo, hi, true, true)
    }

    fn closed(lo: f64, hi: f64) -> Interval {
        Interval::new(lo, hi, false, false)
    }

    fn point(x: &BigRational) -> Interval {
        match x.to_f64() {
            Some(v) if v.is_finite() => {
                // Widen by rounding so the exact value is surely inside.
                let exact = BigRational::from_float(v).is_some_and(|r| &r == x);
                if exact {
                    Interval::closed(v, v)
                } else {
                    Interval::open(v - v.abs() * 1e-12 - 1e-300, v + v.abs() * 1e-12 + 1e-300)
                }
            }
            _ => Interval::ALL,
        }
    }

    /// Whether every value is > 0.
    pub fn positive(&self) -> bool {
        self.lo > 0.0 || (self.lo == 0.0 && self.lo_open)
    }

    /// Whether every value is < 0.
    pub fn negative(&self) -> bool {
        self.hi < 0.0 || (self.hi == 0.0 && self.hi_open)
    }

    /// Whether every value is >= 0.
    pub fn nonnegative(&self) -> bool {
        self.lo >= 0.0
    }

    /// Whether 0 is outside the interval.
    pub fn nonzero(&self) -> bool {
        self.positive() || self.negative()
    }

    fn add(self, o: Interval) -> Interval {
        let (lo, hi) = (outward(self.lo, o.lo, Sum).0, outward(self.hi, o.hi, Sum).1);
        Interval::new(lo, hi, self.lo_open || o.lo_open, self.hi_open || o.hi_open)
    }

    fn scale(self, c: f64) -> Interval {
        match c {
            c if c > 0.0 => Interval::new(
                outward(self.lo, c, Product).0,
                outward(self.hi, c, Product).1,
                self.lo_open,
                self.hi_open,
            ),
            c if c < 0.0 => Interval::new(
                outward(self.hi, c, Product).0,
                outward(self.lo, c, Product).1,
                self.hi_open,
                self.lo_open,
            ),
            _ => Interval::closed(0.0, 0.0),
        }
    }

    fn mul(self, o: Interval) -> Interval {
        if self.lo == self.hi && self.lo.is_finite() {
            return o.scale(self.lo);
        }
        if o.lo == o.hi && o.lo.is_finite() {
            return self.scale(o.lo);
        }
        let signed = |a: &Interval, b: &Interval| match (a.positive(), b.positive(), a.negative(), b.negative()) {
            (true, true, ..) | (_, _, true, true) => Interval::open(0.0, f64::INFINITY),
            (true, _, _, true) | (_, true, true, _) => Interval::open(f64::NEG_INFINITY, 0.0),
            _ if a.nonnegative() && b.nonnegative() => Interval::new(0.0, f64::INFINITY, false, true),
            _ => Interval::ALL,
        };
        let bounded = [self.lo, self.hi, o.lo, o.hi].iter().all(|x| x.is_finite());
        let guess = signed(&self, &o);
        if !bounded {
            return guess;
        }
        let products =
            [(self.lo, o.lo), (self.lo, o.hi), (self.hi, o.lo), (self.hi, o.hi)].map(|(a, b)| outward(a, b, Product));
        let lo = products.iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
        let hi = products.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
        guess.intersect(Interval::closed(lo, hi))
    }

    fn pow(self, exponent: &Option<BigRational>) -> Interval {
        let Some(n) = exponent else {
            return if self.positive() { Interval::open(0.0, f64::INFINITY) } else { Interval::ALL };
        };
        if !n.is_integer() {
            return if self.positive() { Interval::open(0.0, f64::INFINITY) } else { Interval::ALL };
        }
        let even = n.numer() % 2 == 0.into();
        match (n.is_positive(), even) {
            (_, true) if n.is_zero() => Interval::closed(1.0, 1.0),
            (_, true) if self.nonzero() => Interval::open(0.0, f64::INFINITY),
            (true, true) => Interval::new(0.0, f64::INFINITY, false, true),
            _ if self.positive() => Interval::open(0.0, f64::INFINITY),
            _ if self.negative() => Interval::open(f64::NEG_INFINITY, 0.0),
            (true, false) if self.nonnegative() => Interval::new(0.0, f64::INFINITY, false, true),
            _ => Interval::ALL,
        }
    }

    /// The values in both intervals.
    /// The intersection, or `self` when that is empty (the two ranges were bounded in floating
    /// point, or the class has no value anywhere): each range holds the class's values, so either
    /// is sound, and never widening keeps the analysis terminating.
    fn meet(self, o: Interval) -> Interval {
        let both = self.intersect(o);
        let empty = both.lo > both.hi || (both.lo == both.hi && (both.lo_open || both.hi_open));
        if empty {
            self
        } else {
            both
        }
    }

    fn intersect(self, o: Interval) -> Interval {
        let (lo, lo_open) = match self.lo.partial_cmp(&o.lo) {
            Some(std::cmp::Ordering::Greater) => (self.lo, self.lo_open),
            Some(std::cmp::Ordering::Less) => (o.lo, o.lo_open),
            _ => (self.lo, self.lo_open || o.lo_open),
        };
        let (hi, hi_open) = match self.hi.partial_cmp(&o.hi) {
            Some(std::cmp::Ordering::Less) => (self.hi, self.hi_open),
            Some(std::cmp::Ordering::Greater) => (o.hi, o.hi_open),
            _ => (self.hi, self.hi_open || o.hi_open),
        };
        Interval::new(lo, hi, lo_open, hi_open)
    }
}

/// An operation on two bounds of intervals.
#[derive(Clone, Copy)]
enum Op {
    Sum,
    Product,
}
use Op::{Product, Sum};

/// `a + b` or `a * b` rounded down and up: the exact value lies between the two (its rounding
/// error is known exactly: two-sum, fused multiply-add), so that a range stays sound when f64
/// rounds (`x^2 + 2^53 + 3 - 2^53 - 7/2` is not ≥ 1/2).
fn outward(a: f64, b: f64, op: Op) -> (f64, f64) {
    let (value, error) = match op {
        Sum => {
            let s = a + b;
            let b_part = s - a;
            (s, (a - (s - b_part)) + (b - b_part))
        }
        Product => {
            let p = a * b;
            (p, a.mul_add(b, -p))
        }
    };
    if !value.is_finite() || !error.is_finite() {
        return (value, value);
    }
    // A sum's error term is always exact; a product's may itself round near underflow (where a
    // nonzero product can even round to 0): both ways then.
    let underflow = value.abs() < f64::MIN_POSITIVE * 2f64.powi(54) && (value != 0.0 || a != 0.0 && b != 0.0);
    if matches!(op, Product) && underflow {
        return (next_down(value), next_up(value));
    }
    let down = if error < 0.0 { next_down(value) } else { value };
    let up = if error > 0.0 { next_up(value) } else { value };
    (down, up)
}

/// The least f64 above `x` (finite `x`).
fn next_up(x: f64) -> f64 {
    match x {
        0.0 => f64::from_bits(1),
        x if x > 0.0 => f64::from_bits(x.to_bits() + 1),
        x => f64::from_bits(x.to_bits() - 1),
    }
}

/// The greatest f64 below `x` (finite `x`).
fn next_down(x: f64) -> f64 {
    -next_up(-x)
}

/// The range of a one-argument function's values, given its argument's range.
fn function_range(node: &Math, arg: &Interval) -> Interval {
    let positive = Interval::open(0.0, f64::INFINITY);
    let nonneg = Interval::new(0.0, f64::INFINITY, false, true);
    match node {
        Math::Exp(_) | Math::Softplus(_) => positive,
        Math::Sigmoid(_) => Interval::open(0.0, 1.0),
        Math::Tanh(_) | Math::Erf(_) if arg.positive() => Interval::open(0.0, 1.0),
        Math::Tanh(_) | Math::Erf(_) if arg.negative() => Interval::open(-1.0, 0.0),
        Math::Tanh(_) | Math::Erf(_) => Interval::open(-1.0, 1.0),
        Math::Sin(_) | Math::Cos(_) | Math::Sign(_) => Interval::closed(-1.0, 1.0),
        Math::Step(_) | Math::Delta(_) => Interval::closed(0.0, 1.0),
        Math::Cosh(_) => Interval::new(1.0, f64::INFINITY, false, true),
        Math::Abs(_) | Math::Sqrt(_) if arg.nonzero() => positive,
        // A vector or matrix has at least one component.
        Math::Len(_) | Math::Cols(_) => Interval::new(1.0, f64::INFINITY, false, true),
        Math::Abs(_) | Math::Sqrt(_) | Math::Relu(_) => nonneg,
        Math::Sinh(_) if arg.positive() => positive,
        Math::Log(_) if arg.lo > 1.0 || (arg.lo == 1.0 && arg.lo_open) => positive,
        _ => Interval::ALL,
    }
}

impl Analysis<Math> for Facts {
    type Data = FactsData;

    fn make(egraph: &mut MathGraph, enode: &Math, _id: Id) -> FactsData {
        if let Math::Pow([a, b]) = enode {
            // 0 to a negative power has no value anywhere: such a part proves anything.
            let zero_base = egraph[*a].data.constant.as_ref().is_some_and(Zero::is_zero);
            egraph.analysis.contradiction |=
                zero_base && egraph[*b].data.constant.as_ref().is_some_and(Signed::is_negative);
        }
        let data = |id: &Id| &egraph[*id].data;
        let constant = fold_constant(enode, &|id| data(&id).constant.clone());
        let symbol = match enode {
            Math::Symbol(s) => Some(*s),
            _ => None,
        };
        let binding = enode.binding();
        let free = match (enode, binding) {
            (Math::Symbol(s), _) => BTreeSet::from([*s]),
            (_, Some((b, count, body))) => {
                let mut free = data(&body).free.clone();
                if let Some(s) = data(&b).symbol {
                    free.remove(&s);
                }
                if let Some(n) = count {
                    free.extend(data(&n).free.iter().copied());
                }
                free
            }
            _ => enode.children().iter().flat_map(|c| data(c).free.iter().copied()).collect(),
        };
        let indexed = match (enode, binding) {
            (_, Some((b, count, body))) => {
                let mut indexed = data(&body).indexed.clone();
                if let Some(s) = data(&b).symbol {
                    indexed.remove(&s);
                }
                if let Some(n) = count {
                    indexed.extend(data(&n).indexed.iter().copied());
                }
                indexed
            }
            (Math::Index(ids), _) => {
                let mut indexed: BTreeSet<Symbol> = ids.iter().flat_map(|c| data(c).indexed.iter().copied()).collect();
                // Only a bare index (`v[i]`, not `v[m + 1 - i]`) tells a sum over `i` its range.
                indexed.extend(ids[1..].iter().filter_map(|c| data(c).symbol));
                indexed
            }
            _ => enode.children().iter().flat_map(|c| data(c).indexed.iter().copied()).collect(),
        };
        let witness = match binding {
            Some((b, count, body)) => {
                let mut witness = data(&body).witness.clone();
                if let Some(s) = data(&b).symbol {
                    witness.remove(&s);
                }
                if let Some(n) = count {
                    data(&n).witness.iter().for_each(|(s, w)| {
                        witness.entry(*s).or_insert(*w);
                    });
                }
                witness
            }
            _ => {
                let mut witness = BTreeMap::new();
                if let Math::Index(ids) = enode {
                    for (axis, c) in ids[1..].iter().enumerate() {
                        if let Some(s) = data(c).symbol {
                            witness.entry(s).or_insert((ids[0], axis));
                        }
                    }
                }
                for c in enode.children() {
                    data(c).witness.iter().for_each(|(s, w)| {
                        witness.entry(*s).or_insert(*w);
                    });
                }
                witness
            }
        };
        let range = match (&constant, enode) {
            (Some(c), _) => Interval::point(&c.0),
            (_, Math::Add([a, b])) => data(a).range.add(data(b).range),
            (_, Math::Mul([a, b])) => data(a).range.mul(data(b).range),
            (_, Math::Pow([a, b])) => data(a).range.pow(&data(b).constant),
            (_, Math::Index(ids)) if egraph[ids[0]].nodes.iter().any(|n| matches!(n, Math::Softmax(_))) => {
                Interval::open(0.0, 1.0)
            }
            (_, Math::Pi) => Interval::open(std::f64::consts::PI - 1e-9, std::f64::consts::PI + 1e-9),
            (_, Math::Max([a, b])) if data(a).range.positive() || data(b).range.positive() => {
                Interval::open(0.0, f64::INFINITY)
            }
            // A product of positive (non-negative) factors, the empty one included, is too.
            (_, Math::Prod([_, body]) | Math::ProdTo([_, _, body])) if data(body).range.positive() => {
                Interval::open(0.0, f64::INFINITY)
            }
            (_, Math::Prod([_, body]) | Math::ProdTo([_, _, body])) if data(body).range.nonnegative() => {
                Interval::new(0.0, f64::INFINITY, false, true)
            }
            (_, node) => match node.children() {
                [a] => function_range(node, &data(a).range),
                _ => function_range(node, &Interval::ALL),
            },
        };
        let cost = node_cost(egraph, enode);
        FactsData { constant: constant.map(|c| c.0), free, indexed, witness, range, symbol, cost }
    }

    fn merge(&mut self, to: &mut FactsData, from: FactsData) -> DidMerge {
        let mut did = merge_option(&mut to.constant, from.constant.clone(), |a, b| {
            self.contradiction |= *a != b;
            DidMerge(false, false)
        });
        let free: BTreeSet<Symbol> = to.free.intersection(&from.free).copied().collect();
        did = did | DidMerge(free != to.free, free != from.free);
        to.free = free;
        let indexed: BTreeSet<Symbol> = to.indexed.intersection(&from.indexed).copied().collect();
        did = did | DidMerge(indexed != to.indexed, indexed != from.indexed);
        to.indexed = indexed;
        let from_has_more = from.witness.keys().any(|s| !to.witness.contains_key(s));
        let to_has_more = to.witness.keys().any(|s| !from.witness.contains_key(s));
        for (s, w) in &from.witness {
            to.witness.entry(*s).or_insert(*w);
        }
        did = did | DidMerge(from_has_more, to_has_more);
        let range = to.range.meet(from.range);
        did = did | DidMerge(range != to.range, range != from.range);
        to.range = range;
        did = did | merge_option(&mut to.symbol, from.symbol, |_, _| DidMerge(false, false));
        did = did | DidMerge(from.cost < to.cost, to.cost < from.cost);
        to.cost = to.cost.min(from.cost);
        did
    }

    fn modify(egraph: &mut MathGraph, id: Id) {
        if let Some(c) = egraph[id].data.constant.clone() {
            let added = egraph.add_uncanonical(Math::Num(Constant(c.clone())));
            // Fold a node over its children's numbers (`-1*1`, not `-1*sum(i, y[i])`), so that
            // an explanation shows how the children became numbers before the fold.
            let folded = folded_node(egraph, id, &c);
            let from = match folded {
                Some(node) => {
                    let node = node.map_children(|child| {
                        let value = egraph[child].data.constant.clone().expect("a constant child");
                        egraph.add_uncanonical(Math::Num(Constant(value)))
                    });
                    egraph.add_uncanonical(node)
                }
                None => id,
            };
            egraph.union_trusted(from, added, "fold constants");
            // Pruning keeps the number; where the union with it is still pending (the class
            // holds no leaf yet), the class keeps its nodes, so that it is never empty.
            if egraph.analysis.prune && egraph[id].nodes.iter().any(|n| n.is_leaf()) {
                egraph[id].nodes.retain(|n| n.is_leaf());
                let cost = egraph[id].nodes.iter().map(|n| node_cost(egraph, n)).fold(f64::INFINITY, f64::min);
                egraph[id].data.cost = cost;
            }
        }
    }
}

/// A node of class `id` that folds to `c` from its children's constants (not a number itself).
fn folded_node(egraph: &MathGraph, id: Id, c: &BigRational) -> Option<Math> {
    let constant = |child: Id| egraph[child].data.constant.clone();
    egraph[id].nodes.iter().find(|n| !n.is_leaf() && fold_constant(n, &constant).is_some_and(|v| &v.0 == c)).cloned()
}

/// The exact value of `node` when its children are constants and the value is rational.
fn fold_constant(node: &Math, child: &dyn Fn(Id) -> Option<BigRational>) -> Option<Constant> {
    let exact = |n: Number| n.as_exact().cloned();
    let value = match node {
        Math::Num(c) => return Some(c.clone()),
        Math::Add([a, b]) => child(*a)? + child(*b)?,
        Math::Mul([a, b]) => {
            // 0*x is 0 only when x has a value: leave that to the rules, which check.
            child(*a)? * child(*b)?
        }
        Math::Pow([a, b]) => exact(Number::Exact(child(*a)?).pow(&Number::Exact(child(*b)?)).ok()?)?,
        Math::Delta([a, b]) => {
            let (a, b) = (child(*a)?, child(*b)?);
            BigRational::from_integer(((a == b) as i64).into())
        }
        Math::Max([a, b]) => child(*a)?.max(child(*b)?),
        Math::Min([a, b]) => child(*a)?.min(child(*b)?),
        _ => {
            let func = super::convert::node_func(node)?;
            let [a] = node.children() else { return None };
            if func.takes_vector() {
                return None;
            }
            exact(apply_unary(func, &Number::Exact(child(*a)?)).ok()?)?
        }
    };
    Some(Constant(value))
}
