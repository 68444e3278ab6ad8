//! Sample points for the numeric checks: the free names of some expressions with the roles
//! their use gives them (scalar, vector, matrix, index), drawn as exact rationals over wide
//! ranges, the assumptions made true at each point, the definitions evaluated into it.
//!
//! The checks built on them: [`compare`] (whether two expressions are equal, for
//! `deltaform equiv`) and [`derivative`] (numeric derivatives, for the self-check of `derive`),
//! with [`kinks`] placing points at the breakpoints of step, relu, abs, sign, max and min, and
//! [`rounding`] bounding the error of an f64 evaluation.

mod assumptions;
pub mod compare;
pub mod derivative;
pub mod kinks;
mod rng;
pub mod rounding;
mod slot;
mod solve;

pub use rng::{format_exact, Rng};
pub use slot::Slot;

use crate::defs::{definition_value, Definitions};
use crate::egraph::Assumption;
use crate::eval::number::{format_significant, Number};
use crate::eval::value::{Env, Value};
use crate::syntax::ast::{Expr, Func, Node};
use std::collections::{BTreeMap, BTreeSet};

/// How a free name is used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    /// A value with this many axes.
    Value(usize),
    /// An index (used inside `[...]` or `delta`).
    Index,
}

/// What the inputs of a point are: all the same small integer, or drawn at random.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// Every input (every entry of every vector and matrix) is this integer.
    Constant(i64),
    /// Every input is drawn by [`Rng::number`].
    Random,
}

/// A sample point: the inputs and the definitions bound, and the length of every axis.
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    /// The bindings.
    pub env: Env,
    /// The length of every vector and of both axes of every matrix.
    pub n: usize,
    /// Whether an assumption holds here only to within rounding (its solution was found by
    /// bisection, as for `x^2 = 2`), so that exact values at this point are not exactly right.
    pub rounded: bool,
}

/// Why no point could be made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Miss {
    /// A definition has no value at the point drawn.
    Definitions,
    /// The assumption at this position could not be made true.
    Assumption(usize),
}

/// Why the length of a name cannot be fixed: it is not an input vector.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NotAVector {
    /// The name occurs nowhere.
    #[error("`{0}` does not occur")]
    Absent(String),
    /// The name is defined: its value is computed, not drawn.
    #[error("`{0}` is a definition; fix the length of the vectors it is computed from")]
    Defined(String),
    /// The name is used as something else.
    #[error("`{name}` is used as {role}, not as a vector")]
    Other {
        /// The name.
        name: String,
        /// What it is used as: `a scalar`, `a matrix`, `an index`.
        role: &'static str,
    },
}

/// Draws sample points for some expressions under definitions and assumptions.
#[derive(Clone, Debug)]
pub struct Sampler {
    roles: BTreeMap<String, Role>,
    defs: Definitions,
    assumptions: Vec<Assumption>,
    /// Vectors whose length is fixed, whatever the point's `n`.
    lengths: BTreeMap<String, usize>,
}

impl Sampler {
    /// A sampler for the free names of `exprs`, of the definitions' bodies and of the
    /// assumptions (the defined names excluded).
    pub fn new<'a>(
        exprs: impl IntoIterator<Item = &'a Expr>,
        defs: &Definitions,
        assumptions: &[Assumption],
    ) -> Sampler {
        let mut roles = BTreeMap::new();
        for e in exprs {
            collect_roles(e, &mut Vec::new(), &mut roles);
        }
        for a in assumptions {
            collect_roles(&a.lhs, &mut Vec::new(), &mut roles);
            collect_roles(&a.rhs, &mut Vec::new(), &mut roles);
        }
        for d in defs.iter() {
            let mut bound = d.params.clone();
            collect_roles(&d.body, &mut bound, &mut roles);
        }
        for d in defs.iter() {
            roles.remove(&d.name);
        }
        Sampler { roles, defs: defs.clone(), assumptions: assumptions.to_vec(), lengths: BTreeMap::new() }
    }

    /// Fixes the length of the input vector `name` to `len` at every point (other vectors keep
    /// the length of the point).
    pub fn fix_length(&mut self, name: &str, len: usize) -> Result<(), NotAVector> {
        let role = match self.roles.get(name) {
            Some(Role::Value(1)) => {
                self.lengths.insert(name.to_string(), len);
                return Ok(());
            }
            Some(Role::Value(0)) => "a scalar",
            Some(Role::Value(_)) => "a matrix",
            Some(Role::Index) => "an index",
            None if self.defs.get(name).is_some() => return Err(NotAVector::Defined(name.to_string())),
            None => return Err(NotAVector::Absent(name.to_string())),
        };
        Err(NotAVector::Other { name: name.to_string(), role })
    }

    /// The vectors whose length is fixed, with their lengths.
    pub fn fixed_lengths(&self) -> &BTreeMap<String, usize> {
        &self.lengths
    }

    /// The same sampler with only the assumption at position `k` in force.
    pub fn with_only_assumption(&self, k: usize) -> Sampler {
        Sampler { assumptions: self.assumptions[k..=k].to_vec(), ..self.clone() }
    }

    /// The definitions in force.
    pub fn definitions(&self) -> &Definitions {
        &self.defs
    }

    /// The assumptions in force.
    pub fn assumptions(&self) -> &[Assumption] {
        &self.assumptions
    }

    /// A point: every axis `n` long, indices uniform in `1..=n`, the other inputs as `style`
    /// says; then the assumptions made true and the definitions evaluated.
    pub fn point(&self, rng: &mut Rng, n: usize, style: Style) -> Result<Point, Miss> {
        let mut env = Env::new();
        for (name, role) in &self.roles {
            let mut draw = || match style {
                Style::Constant(c) => Number::int(c),
                Style::Random => Number::Exact(rng.number()),
            };
            let value = match role {
                Role::Index => Value::Scalar(Number::int(rng.int(1, n as i64))),
                Role::Value(0) => Value::Scalar(draw()),
                Role::Value(1) => Value::Vector((0..*self.lengths.get(name).unwrap_or(&n)).map(|_| draw()).collect()),
                Role::Value(_) => Value::Matrix((0..n).map(|_| (0..n).map(|_| draw()).collect()).collect()),
            };
            env.bind(name, value);
        }
        self.settle(Point { env, n, rounded: false }, None, rng)
    }

    /// The `k`-th point of a check (counting from 0): every input 0, then 1, then -1, then
    /// random; vectors and matrices of lengths 1 to 8 in turn.
    pub fn nth(&self, k: usize, rng: &mut Rng) -> Result<Point, Miss> {
        let style = match k {
            0 => Style::Constant(0),
            1 => Style::Constant(1),
            2 => Style::Constant(-1),
            _ => Style::Random,
        };
        self.point(rng, 1 + k % 8, style)
    }

    /// Makes the assumptions true at `point` (moving the slot `pinned` only if nothing else
    /// does) and evaluates the definitions into it.
    pub fn settle(&self, mut point: Point, pinned: Option<&Slot>, rng: &mut Rng) -> Result<Point, Miss> {
        if !self.bind_definitions(&mut point) {
            return Err(Miss::Definitions);
        }
        assumptions::enforce(self, &mut point, pinned, rng).map_err(Miss::Assumption)?;
        Ok(point)
    }

    /// `point` with `x` in `slot` and the definitions evaluated again (the assumptions are not
    /// enforced); `None` where a definition has no value.
    pub fn moved(&self, point: &Point, slot: &Slot, x: Number) -> Option<Point> {
        let mut moved = point.clone();
        slot.set(&mut moved.env, x)?;
        self.bind_definitions(&mut moved).then_some(moved)
    }

    /// `point` with every input rounded to f64 and the definitions evaluated again: for checks
    /// whose other side is f64 anyway, since exact rationals cost far more to compute with.
    pub fn in_f64(&self, point: &Point) -> Option<Point> {
        let mut rounded = Point { env: Env::new(), n: point.n, rounded: true };
        for (name, value) in point.env.iter().filter(|(name, _)| self.roles.contains_key(*name)) {
            let value = match self.roles[name] {
                Role::Index => value.clone(),
                Role::Value(_) => value.try_map(&mut |x| Number::approx(x.to_f64())).ok()?,
            };
            rounded.env.bind(name, value);
        }
        self.bind_definitions(&mut rounded).then_some(rounded)
    }

    /// The slots of the inputs (not the indices) that `e` depends on, directly or through
    /// definitions.
    pub fn slots_of(&self, e: &Expr, point: &Point) -> Vec<Slot> {
        self.input_slots(point, |name| self.defs.mentions(e, name))
    }

    /// The slots of every input (not the indices).
    pub fn slots(&self, point: &Point) -> Vec<Slot> {
        self.input_slots(point, |_| true)
    }

    fn input_slots(&self, point: &Point, wanted: impl Fn(&str) -> bool) -> Vec<Slot> {
        let mut slots = Vec::new();
        for (name, role) in &self.roles {
            if let (Role::Value(_), Some(value)) = (role, point.env.get(name)) {
                if wanted(name) {
                    slots.extend(Slot::all_of(name, value));
                }
            }
        }
        slots
    }

    /// The inputs of `point` as text that `--at` reads back: `x = 0.25, z = [1, -1/3]`.
    pub fn describe(&self, point: &Point) -> String {
        let inputs = point.env.iter().filter(|(name, _)| self.roles.contains_key(*name));
        inputs.map(|(name, value)| format!("{name} = {}", format_value(value, 6))).collect::<Vec<_>>().join(", ")
    }

    /// Evaluates every definition into the point (in dependency order); false if one fails.
    fn bind_definitions(&self, point: &mut Point) -> bool {
        let mut pending: Vec<_> = self.defs.iter().collect();
        for d in &pending {
            point.env.unbind(&d.name);
        }
        while !pending.is_empty() {
            let before = pending.len();
            pending.retain(|d| match definition_value(d, &point.env, Some(point.n)) {
                Ok(v) => {
                    point.env.bind(&d.name, v);
                    false
                }
                Err(_) => true,
            });
            if pending.len() == before {
                return false;
            }
        }
        true
    }
}

/// A value as text: exact numbers by [`format_exact`] (so they read back exactly), others with
/// `digits` significant digits.
pub fn format_value(value: &Value, digits: usize) -> String {
    let list = |v: &[Number]| v.iter().map(|x| format_number(x, digits)).collect::<Vec<_>>().join(", ");
    match value {
        Value::Scalar(x) => format_number(x, digits),
        Value::Vector(v) => format!("[{}]", list(v)),
        Value::Matrix(rows) => {
            format!("[{}]", rows.iter().map(|r| format!("[{}]", list(r))).collect::<Vec<_>>().join(", "))
        }
    }
}

/// A number as text: exact by [`format_exact`], else with `digits` significant digits.
pub fn format_number(x: &Number, digits: usize) -> String {
    match x.as_exact() {
        Some(r) => format_exact(r),
        None => format_significant(x.to_f64(), digits),
    }
}

fn collect_roles(e: &Expr, bound: &mut Vec<String>, roles: &mut BTreeMap<String, Role>) {
    let mark = |name: &str, role: Role, roles: &mut BTreeMap<String, Role>, bound: &[String]| {
        if !bound.iter().any(|b| b == name) {
            let entry = roles.entry(name.to_string()).or_insert(role);
            if let (Role::Value(a), Role::Value(b)) = (*entry, role) {
                *entry = Role::Value(a.max(b));
            }
        }
    };
    match &e.node {
        Node::Var(n) => mark(n, Role::Value(0), roles, bound),
        Node::Index(base, idx) => {
            if let Node::Var(n) = &base.node {
                mark(n, Role::Value(idx.len()), roles, bound);
            } else {
                collect_roles(base, bound, roles);
            }
            for i in idx {
                index_roles(i, bound, roles);
            }
        }
        Node::Call(f, args) if f.takes_vector() => {
            let rank = if *f == Func::Cols { 2 } else { 1 };
            for a in args {
                match &a.node {
                    Node::Var(n) => mark(n, Role::Value(rank), roles, bound),
                    _ => collect_roles(a, bound, roles),
                }
            }
        }
        Node::Call(Func::Delta, args) => args.iter().for_each(|a| index_roles(a, bound, roles)),
        Node::Reduce(_, i, count, body) => {
            if let Some(count) = count {
                collect_roles(count, bound, roles);
            }
            bound.push(i.clone());
            collect_roles(body, bound, roles);
            bound.pop();
        }
        _ => e.children().into_iter().for_each(|c| collect_roles(c, bound, roles)),
    }
}

fn index_roles(e: &Expr, bound: &[String], roles: &mut BTreeMap<String, Role>) {
    let names: BTreeSet<String> = e.free_names();
    for name in names {
        if !bound.contains(&name) {
            roles.insert(name, Role::Index);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse::parse_expr;

    fn sampler(exprs: &[&str], assume: &[&str]) -> Sampler {
        let exprs: Vec<Expr> = exprs.iter().map(|s| parse_expr(s).unwrap()).collect();
        let assumptions: Vec<Assumption> = assume.iter().map(|s| Assumption::parse(s).unwrap()).collect();
        Sampler::new(&exprs, &Definitions::default(), &assumptions)
    }

    #[test]
    fn points_bind_every_input_with_its_shape() {
        let s = sampler(&["sum(j, W[k, j]*x[j]) + b"], &[]);
        let mut rng = Rng::new(1);
        for n in 1..=8 {
            let p = s.point(&mut rng, n, Style::Random).unwrap();
            assert_eq!(p.env.get("W").unwrap().shape(), vec![n, n]);
            assert_eq!(p.env.get("x").unwrap().shape(), vec![n]);
            assert_eq!(p.env.get("b").unwrap().shape(), Vec::<usize>::new());
            assert!(p.env.get("k").unwrap().as_scalar().unwrap().as_index().is_some_and(|k| (1..=n).contains(&k)));
            assert!(p.env.iter().all(|(_, v)| v.numbers().iter().all(|x| x.is_exact())));
        }
    }

    #[test]
    fn fixed_lengths_hold_at_every_point_and_only_for_input_vectors() {
        let mut s = sampler(&["sum(j, p[j]*q[j]) + x + W[k, 1]"], &[]);
        s.fix_length("p", 3).unwrap();
        let mut rng = Rng::new(4);
        for n in 1..=8 {
            let point = s.point(&mut rng, n, Style::Random).unwrap();
            assert_eq!(point.env.get("p").unwrap().shape(), vec![3]);
            assert_eq!(point.env.get("q").unwrap().shape(), vec![n]);
        }
        assert_eq!(s.fixed_lengths().iter().collect::<Vec<_>>(), [(&"p".to_string(), &3)]);
        let role = |name: &str| match s.clone().fix_length(name, 2) {
            Err(NotAVector::Other { role, .. }) => role.to_string(),
            other => format!("{other:?}"),
        };
        assert_eq!([role("x"), role("W"), role("k")], ["a scalar", "a matrix", "an index"]);
        assert_eq!(s.clone().fix_length("r", 2), Err(NotAVector::Absent("r".into())));
    }

    #[test]
    fn component_definitions_follow_the_fixed_lengths() {
        let mut defs = Definitions::default();
        defs.add(crate::syntax::parse::parse_statement("h[j] = 2*p[j]").unwrap()).unwrap();
        let e = parse_expr("sum(j, h[j])").unwrap();
        let mut s = Sampler::new([&e], &defs, &[]);
        assert_eq!(s.clone().fix_length("h", 2), Err(NotAVector::Defined("h".into())));
        s.fix_length("p", 3).unwrap();
        let point = s.point(&mut Rng::new(5), 6, Style::Constant(1)).unwrap();
        assert_eq!(point.env.get("h").unwrap().format(6), "[2, 2, 2]");
    }

    #[test]
    fn points_round_to_f64_with_their_indices_kept() {
        let s = sampler(&["z[k] + x"], &[]);
        let p = s.point(&mut Rng::new(3), 4, Style::Random).unwrap();
        let rounded = s.in_f64(&p).unwrap();
        assert!(rounded.rounded && rounded.env.get("k") == p.env.get("k"));
        for name in ["x", "z"] {
            let (exact, float) = (p.env.get(name).unwrap(), rounded.env.get(name).unwrap());
            assert!(float.numbers().iter().all(|x| !x.is_exact() || x.is_zero()));
            assert!(exact.numbers().iter().zip(float.numbers()).all(|(a, b)| a.to_f64() == b.to_f64()));
        }
    }

    #[test]
    fn points_describe_themselves_in_text_that_reads_back() {
        let s = sampler(&["x + z[1]"], &[]);
        let mut p = s.point(&mut Rng::new(2), 2, Style::Constant(0)).unwrap();
        Slot { name: "x".into(), position: vec![] }
            .set(&mut p.env, Number::Exact(num_rational::BigRational::new(1.into(), 3.into())))
            .unwrap();
        assert_eq!(s.describe(&p), "x = 1/3, z = [0, 0]");
    }
}
