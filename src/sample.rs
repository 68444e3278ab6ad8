//! Random points for numeric checks: shapes inferred from how names are used, definitions
//! evaluated into the point, assumptions of the form `sum(i, v[i]) = c` enforced by rescaling,
//! and the central-difference derivative that every symbolic derivative is checked against.

use crate::ast::{Expr, Func, Node};
use crate::defs::Definitions;
use crate::diff::Wrt;
use crate::egraph::Assumption;
use crate::eval::eval;
use crate::number::Number;
use crate::value::{Env, Value};
use std::collections::BTreeMap;

/// How a free name is used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    /// A value with this many axes.
    Value(usize),
    /// An index (used inside `[...]` or `delta`).
    Index,
}

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
    pub fn int(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next() % (hi - lo + 1) as u64) as usize
    }
}

/// The inputs of some expressions: each free name with its role, and the vector length.
#[derive(Clone, Debug)]
pub struct Inputs {
    roles: BTreeMap<String, Role>,
    defs: Definitions,
}

impl Inputs {
    /// The free names of `exprs` and of the definitions' bodies (the defined names excluded).
    pub fn of<'a>(exprs: impl IntoIterator<Item = &'a Expr>, defs: &Definitions) -> Inputs {
        let mut roles = BTreeMap::new();
        for e in exprs {
            collect_roles(e, &mut Vec::new(), &mut roles);
        }
        for d in defs.iter() {
            let mut bound = d.params.clone();
            collect_roles(&d.body, &mut bound, &mut roles);
        }
        for d in defs.iter() {
            roles.remove(&d.name);
        }
        Inputs { roles, defs: defs.clone() }
    }

    /// A random point: scalars and entries uniform in `[-2, 2]`, every axis `n` long, indices in
    /// `1..=n`, the assumptions made true (or `None` if one cannot be), definitions evaluated.
    pub fn point(&self, rng: &mut Rng, n: usize, assumptions: &[Assumption]) -> Option<Env> {
        let mut env = Env::new();
        for (name, role) in &self.roles {
            let mut draw = || Number::Approx(rng.uniform(-2.0, 2.0));
            let value = match role {
                Role::Index => Value::Scalar(Number::int(rng.int(1, n) as i64)),
                Role::Value(0) => Value::Scalar(draw()),
                Role::Value(1) => Value::Vector((0..n).map(|_| draw()).collect()),
                Role::Value(_) => Value::Matrix((0..n).map(|_| (0..n).map(|_| draw()).collect()).collect()),
            };
            env.bind(name, value);
        }
        for a in assumptions {
            enforce(a, &mut env)?;
        }
        self.bind_definitions(&mut env, n).then_some(env)
    }

    /// Evaluates every definition into `env` (in dependency order); false if one fails.
    pub fn bind_definitions(&self, env: &mut Env, n: usize) -> bool {
        let mut pending: Vec<_> = self.defs.iter().collect();
        for d in &pending {
            env.unbind(&d.name);
        }
        while !pending.is_empty() {
            let before = pending.len();
            pending.retain(|d| match definition_value(d, env, n) {
                Some(v) => {
                    env.bind(&d.name, v);
                    false
                }
                None => true,
            });
            if pending.len() == before {
                return false;
            }
        }
        true
    }
}

/// The value of a definition at `env`: its body, or for `h[j] = ...` the vector (or matrix) of
/// its components.
fn definition_value(d: &crate::defs::Definition, env: &Env, n: usize) -> Option<Value> {
    let mut env = env.clone();
    let mut component = |idx: &[usize]| -> Option<Number> {
        for (p, i) in d.params.iter().zip(idx) {
            env.bind(p, Value::Scalar(Number::int(*i as i64)));
        }
        eval(&d.body, &env).ok()?.as_scalar().cloned()
    };
    match d.params.len() {
        0 => {
            let mut env = env.clone();
            env.unbind(&d.name);
            eval(&d.body, &env).ok()
        }
        1 => Some(Value::Vector((1..=n).map(|i| component(&[i])).collect::<Option<_>>()?)),
        2 => Some(Value::Matrix(
            (1..=n).map(|i| (1..=n).map(|j| component(&[i, j])).collect::<Option<_>>()).collect::<Option<_>>()?,
        )),
        _ => None,
    }
}

/// Makes `sum(i, v[i]) = c` true by rescaling the vector `v`; `None` for other assumptions.
fn enforce(a: &Assumption, env: &mut Env) -> Option<()> {
    let Node::Sum(i, None, body) = &a.lhs.node else { return None };
    let Node::Index(base, idx) = &body.node else { return None };
    let (Node::Var(v), [index]) = (&base.node, idx.as_slice()) else { return None };
    if index.node != Node::Var(i.clone()) {
        return None;
    }
    let target = eval(&a.rhs, env).ok()?.as_scalar()?.to_f64();
    let Some(Value::Vector(values)) = env.get(v) else { return None };
    let values: Vec<f64> = values.iter().map(|x| x.to_f64().abs() + 0.05).collect();
    let total: f64 = values.iter().sum();
    let scaled = values.iter().map(|x| Number::Approx(x * target / total)).collect();
    env.bind(v, Value::Vector(scaled));
    Some(())
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
        Node::Sum(i, count, body) => {
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
    for name in e.free_names() {
        if !bound.contains(&name) {
            roles.insert(name, Role::Index);
        }
    }
}

/// Whether two numbers agree to a relative tolerance (exactly, when both are exact).
pub fn close(a: &Number, b: &Number, tolerance: f64) -> bool {
    if let (Some(x), Some(y)) = (a.as_exact(), b.as_exact()) {
        return x == y;
    }
    let (x, y) = (a.to_f64(), b.to_f64());
    (x - y).abs() <= tolerance * (1.0 + x.abs().max(y.abs()))
}

/// The central-difference derivative of `e` with respect to `wrt` at `env` (definitions are
/// re-evaluated after each nudge), or `None` where `e` has no value nearby.
pub fn numeric_derivative(e: &Expr, wrt: &Wrt, inputs: &Inputs, env: &Env, n: usize) -> Option<f64> {
    let position: Vec<usize> = wrt
        .indices()
        .iter()
        .map(|i| env.get(i).and_then(|v| v.as_scalar()).and_then(|x| x.as_index()))
        .collect::<Option<_>>()?;
    let base = env.get(wrt.name())?.component(&position)?.to_f64();
    let h = 1e-5 * base.abs().max(1.0);
    let at = |x: f64| -> Option<f64> {
        let mut env = env.clone();
        let value = env.get(wrt.name())?.clone();
        env.bind(wrt.name(), with_component(value, &position, Number::Approx(x))?);
        if !inputs.bind_definitions(&mut env, n) {
            return None;
        }
        Some(eval(e, &env).ok()?.as_scalar()?.to_f64())
    };
    Some((at(base + h)? - at(base - h)?) / (2.0 * h))
}

fn with_component(value: Value, position: &[usize], x: Number) -> Option<Value> {
    Some(match (value, position) {
        (Value::Scalar(_), []) => Value::Scalar(x),
        (Value::Vector(mut v), [i]) => {
            *v.get_mut(i.checked_sub(1)?)? = x;
            Value::Vector(v)
        }
        (Value::Matrix(mut rows), [i, j]) => {
            *rows.get_mut(i.checked_sub(1)?)?.get_mut(j.checked_sub(1)?)? = x;
            Value::Matrix(rows)
        }
        _ => return None,
    })
}
