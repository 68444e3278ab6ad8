//! A bound on the rounding error of evaluating an expression in f64, so that two values are
//! compared as tightly as f64 allows and no tighter: `1 - sigmoid(40)` comes out as 0 while
//! `sigmoid(-40)` is 4e-18, and their difference is rounding, not a counterexample.
//!
//! The bound is a first-order forward error analysis, node by node: an operation whose result
//! is exact adds nothing; one whose result is f64 passes on its operands' errors times its
//! partial derivatives (`d(a*b) = b da + a db`, `d exp(x) = exp(x) dx`, ...), plus the rounding
//! of each exact operand converted to f64 (one unit roundoff of it) and its own rounding
//! (a few units roundoff of the result). Functions that jump (`step`, `sign`) have
//! an error of the whole jump when the error of their argument reaches 0.

use crate::defs::{Definition, Definitions};
use crate::eval::eval;
use crate::eval::number::Number;
use crate::eval::value::{Env, Value};
use crate::syntax::ast::{BinOp, Expr, Func, Node, Reduce};
use num_traits::ToPrimitive;
use std::collections::BTreeMap;

/// The unit roundoff of f64: a correctly rounded operation is off by at most this, relatively.
pub const UNIT: f64 = f64::EPSILON / 2.0;
/// The spacing of the smallest f64 numbers: a result that underflows into them (`exp(-740)`)
/// is off by up to this much absolutely, however small its relative precision has become.
const TINY: f64 = f64::from_bits(1);
/// Roundings charged to each f64 operation, in units roundoff of its result: a correctly
/// rounded operation needs 1; `exp`, `ln`, `sin`, `powf` are within 2; the extra covers the few
/// operations inside `sigmoid`, `softplus`, `softmax` and `logsumexp`.
const PER_OPERATION: f64 = 4.0;
/// Factor of safety on the total, for the second-order terms the analysis leaves out.
const SAFETY: f64 = 4.0;

/// Which numbers count as exact.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// As the evaluator computes them: exact rationals are exact.
    AsEvaluated,
    /// Every number as if computed in f64 (for points whose inputs are themselves rounded).
    AllF64,
}

/// The rounding errors of named values that were themselves computed in f64 (the values of
/// definitions), number by number, row by row; before the factor of safety.
pub type Known = BTreeMap<String, Vec<f64>>;

/// A bound on the absolute error of each number of `e`'s value at `env` (row by row, as
/// [`Value::numbers`] lists them); `None` where `e` has no value. The names bound in `env` count
/// as given, without error.
pub fn error_bound(e: &Expr, env: &Env, mode: Mode) -> Option<Vec<f64>> {
    error_bound_given(e, env, mode, &Known::new())
}

/// [`error_bound`] where the names in `known` carry the errors of their computation (see
/// [`definition_errors`]).
pub fn error_bound_given(e: &Expr, env: &Env, mode: Mode, known: &Known) -> Option<Vec<f64>> {
    let (_, errors) = Bounds { mode, known }.walk(e, env)?;
    Some(errors.into_iter().map(|x| x * SAFETY).collect())
}

/// The errors of the values of the definitions that `exprs` use (directly or through other
/// definitions), bound in `env`: each definition's body bounded at `env` after the definitions
/// it uses, so that their errors pass on; `None` where one has no value.
pub fn definition_errors(defs: &Definitions, exprs: &[&Expr], env: &Env, mode: Mode) -> Option<Known> {
    let mut known = Known::new();
    let mut pending: Vec<&Definition> =
        defs.iter().filter(|d| exprs.iter().any(|e| defs.mentions(e, &d.name))).collect();
    while !pending.is_empty() {
        let ready = pending
            .iter()
            .position(|d| d.body.free_names().iter().all(|n| known.contains_key(n) || defs.get(n).is_none()))?;
        let d = pending.remove(ready);
        let errors = Bounds { mode, known: &known }.definition(d, env)?;
        known.insert(d.name.clone(), errors);
    }
    Some(known)
}

struct Bounds<'a> {
    mode: Mode,
    known: &'a Known,
}

/// A value, and the error bound of each of its numbers.
type Bounded = (Value, Vec<f64>);

impl Bounds<'_> {
    /// The errors of the value of `d` bound in `env`, number by number.
    fn definition(&self, d: &Definition, env: &Env) -> Option<Vec<f64>> {
        if d.params.is_empty() {
            return Some(self.walk(&d.body, env)?.1);
        }
        let shape = env.get(&d.name)?.shape();
        let positions: Vec<Vec<usize>> = match shape.as_slice() {
            [n] => (1..=*n).map(|i| vec![i]).collect(),
            [rows, cols] => (1..=*rows).flat_map(|i| (1..=*cols).map(move |j| vec![i, j])).collect(),
            _ => return None,
        };
        let mut inner = env.clone();
        let mut errors = Vec::with_capacity(positions.len());
        for position in positions {
            for (p, i) in d.params.iter().zip(position) {
                inner.bind(p, Value::Scalar(Number::int(i as i64)));
            }
            errors.push(*self.walk(&d.body, &inner)?.1.first()?);
        }
        Some(errors)
    }

    fn walk(&self, e: &Expr, env: &Env) -> Option<Bounded> {
        let value = eval(e, env).ok()?;
        let rounded = self.rounded(&value);
        let errors = match &e.node {
            Node::Var(name) if self.known.contains_key(name) => self.known[name].clone(),
            Node::Num(_) | Node::Var(_) => vec![0.0; rounded.len()],
            Node::Pi => vec![UNIT * std::f64::consts::PI],
            Node::Neg(inner) => self.walk(inner, env)?.1,
            Node::Index(base, indices) => self.index(base, indices, env)?,
            Node::Binary(op, a, b) => binary(*op, self.walk(a, env)?, self.walk(b, env)?, &value, &rounded),
            Node::Call(f, args) => {
                let args = args.iter().map(|a| self.walk(a, env)).collect::<Option<Vec<_>>>()?;
                call(*f, &args, &value, &rounded)
            }
            Node::Reduce(Reduce::Sum, index, count, body) => self.sum(index, count.as_deref(), body, env, &rounded)?,
            Node::Reduce(Reduce::Prod, index, count, body) => {
                self.product(index, count.as_deref(), body, env, &rounded)?
            }
            // Matrix form is bounded when it is analysed; until then, no bound.
            Node::Array(_) => vec![f64::INFINITY; rounded.len()],
            // A declared function has no value, so `eval` above has already failed.
            Node::Apply(..) => return None,
        };
        Some((value, errors))
    }

    /// Whether each number of a value was computed in f64 (and so rounded).
    fn rounded(&self, value: &Value) -> Vec<bool> {
        value.numbers().iter().map(|x| self.mode == Mode::AllF64 || !x.is_exact()).collect()
    }

    fn index(&self, base: &Expr, indices: &[Expr], env: &Env) -> Option<Vec<f64>> {
        if matches!(&base.node, Node::Var(name) if !self.known.contains_key(name)) {
            return Some(vec![0.0]);
        }
        let (value, errors) = self.walk(base, env)?;
        let position =
            indices.iter().map(|i| eval(i, env).ok()?.as_scalar()?.as_index()).collect::<Option<Vec<usize>>>()?;
        let offset = match (value.shape().as_slice(), position.as_slice()) {
            ([], []) => 0,
            ([_], [i]) => i - 1,
            ([_, cols], [i, j]) => (i - 1) * cols + (j - 1),
            _ => return None,
        };
        Some(vec![*errors.get(offset)?])
    }

    /// The terms of a sum or product over `index`, each with its errors, its exact operands'
    /// conversion to f64 counted where the result is rounded.
    fn terms(&self, index: &str, count: Option<&Expr>, body: &Expr, env: &Env) -> Option<Vec<(Vec<f64>, Vec<f64>)>> {
        let range = sum_range(index, count, body, env)?;
        let mut terms = Vec::with_capacity(range);
        for k in 1..=range {
            let mut inner = env.clone();
            inner.bind(index, Value::Scalar(Number::int(k as i64)));
            let (term, e) = self.walk(body, &inner)?;
            terms.push((floats(&term), e));
        }
        Some(terms)
    }

    /// A product of n terms: d(prod t) = sum_k dt_k prod_{j != k} t_j, and n + 1 roundings of
    /// the product's magnitude.
    fn product(&self, index: &str, count: Option<&Expr>, body: &Expr, env: &Env, rounded: &[bool]) -> Option<Vec<f64>> {
        let terms = self.terms(index, count, body, env)?;
        let per_term = (terms.len() as f64 + 1.0) * PER_OPERATION;
        let component = |c: usize| {
            let value = |t: &Vec<f64>| t[at(t, c)].abs();
            let error = |(t, e): &(Vec<f64>, Vec<f64>)| e[at(e, c)] + if rounded[c] { UNIT * value(t) } else { 0.0 };
            let others = |k: usize| terms.iter().enumerate().filter(move |(j, _)| *j != k).map(|(_, (t, _))| value(t));
            let passed: f64 = terms.iter().enumerate().map(|(k, term)| error(term) * others(k).product::<f64>()).sum();
            let magnitude: f64 = terms.iter().map(|(t, _)| value(t)).product();
            let own = if rounded[c] { per_term * (UNIT * magnitude + TINY) } else { 0.0 };
            let err = passed + own;
            if err.is_nan() {
                f64::INFINITY
            } else {
                err
            }
        };
        Some((0..rounded.len()).map(component).collect())
    }

    fn sum(&self, index: &str, count: Option<&Expr>, body: &Expr, env: &Env, rounded: &[bool]) -> Option<Vec<f64>> {
        let range = sum_range(index, count, body, env)?;
        let mut errors = vec![0.0; rounded.len()];
        let mut magnitudes = vec![0.0; rounded.len()];
        for k in 1..=range {
            let mut inner = env.clone();
            inner.bind(index, Value::Scalar(Number::int(k as i64)));
            let (term, e) = self.walk(body, &inner)?;
            let term = floats(&term);
            for (j, err) in errors.iter_mut().enumerate() {
                *err += e[at(&e, j)];
                magnitudes[j] += term[at(&term, j)].abs();
            }
        }
        // Summing n terms in f64 rounds each term and each partial sum: at most n + 1 units of
        // the terms' total magnitude.
        let per_term = (range as f64 + 1.0) * PER_OPERATION;
        let summed = |(e, m): (&f64, f64)| e + per_term * (UNIT * m + TINY);
        Some(errors.iter().zip(magnitudes).zip(rounded).map(|(em, r)| if *r { summed(em) } else { *em.0 }).collect())
    }
}

/// The error of an arithmetic operation's result, component by component.
fn binary(op: BinOp, (a, ea): Bounded, (b, eb): Bounded, result: &Value, rounded: &[bool]) -> Vec<f64> {
    let (a, b) = (floats(&a), floats(&b));
    let exact_integer_exponent = |k: usize| {
        let y = &b[at(&b, k)];
        op == BinOp::Pow && y.fract() == 0.0 && eb[at(&eb, k)] == 0.0
    };
    floats(result)
        .iter()
        .enumerate()
        .map(|(k, &r)| {
            let (x, y) = (a[at(&a, k)], b[at(&b, k)]);
            let (mut dx, mut dy) = (ea[at(&ea, k)], eb[at(&eb, k)]);
            let mut own = 0.0;
            if rounded[k] {
                // Exact operands are rounded to f64 first, and the result is rounded.
                dx += UNIT * x.abs();
                dy += if exact_integer_exponent(k) { 0.0 } else { UNIT * y.abs() };
                own = PER_OPERATION * (UNIT * r.abs() + TINY);
            }
            let err = match op {
                BinOp::Add | BinOp::Sub => dx + dy + own,
                BinOp::Mul => y.abs() * dx + x.abs() * dy + own,
                BinOp::Div => dx / y.abs() + x.abs() * dy / (y * y) + own,
                BinOp::Pow => {
                    // d(x^y) = y x^(y-1) dx + x^y ln|x| dy; powf rounds relative to |y| too.
                    let by_base = if dx == 0.0 { 0.0 } else { (y * r / x).abs() * dx };
                    let by_exponent = if dy == 0.0 { 0.0 } else { (r * x.abs().ln()).abs() * dy };
                    by_base + by_exponent + own * (1.0 + y.abs())
                }
            };
            if err.is_nan() {
                f64::INFINITY
            } else {
                err
            }
        })
        .collect()
}

/// The error of a function's result, component by component.
fn call(f: Func, args: &[Bounded], result: &Value, rounded: &[bool]) -> Vec<f64> {
    let r = floats(result);
    match (f, args) {
        (Func::Max | Func::Min, [(_, ea), (_, eb)]) => {
            // Both are 1-Lipschitz in each argument and select a number without rounding it.
            (0..r.len()).map(|k| ea[at(ea, k)].max(eb[at(eb, k)])).collect()
        }
        (Func::Delta | Func::Len | Func::Cols, _) => vec![0.0; r.len()],
        (Func::Heaviside, [(x, ex), (h, eh)]) => {
            // A jump of up to 1 (or to the value at 0) when the argument's error reaches 0.
            let (xs, hs) = (floats(x), floats(h));
            (0..r.len())
                .map(|k| {
                    let (x, dx) = (xs[at(&xs, k)], ex[at(ex, k)] + UNIT * xs[at(&xs, k)].abs());
                    let jump = 1f64.max(hs[at(&hs, k)].abs()).max((1.0 - hs[at(&hs, k)]).abs());
                    if x.abs() <= dx && (dx > 0.0 || x == 0.0) {
                        if dx > 0.0 {
                            jump
                        } else {
                            eh[at(eh, k)]
                        }
                    } else {
                        0.0
                    }
                })
                .collect()
        }
        (Func::Softmax, [(z, ez)]) => {
            // d s_i = s_i (dz_i - sum_j s_j dz_j), at most 2 s_i max_j |dz_j|.
            let dz = input_error(z, ez);
            let n = r.len() as f64;
            r.iter()
                .zip(rounded)
                .map(|(s, &q)| if q { 2.0 * s * dz + PER_OPERATION * (n + 1.0) * (UNIT * s + TINY) } else { 0.0 })
                .collect()
        }
        (Func::Logsumexp, [(z, ez)]) if rounded[0] => {
            // d lse = sum_j s_j dz_j; the n exponentials and their sum round relative to 1.
            let n = z.numbers().len() as f64;
            vec![input_error(z, ez) + PER_OPERATION * UNIT * (r[0].abs() + n)]
        }
        (Func::Logsumexp, _) => vec![0.0],
        (f, _) if f.is_matrix_form() => vec![f64::INFINITY; r.len()],
        (_, [(x, ex)]) => {
            let xs = floats(x);
            (0..r.len())
                .map(|k| {
                    let conversion = if rounded[k] { UNIT * xs[k].abs() } else { 0.0 };
                    let own = if rounded[k] { PER_OPERATION * (UNIT * r[k].abs() + TINY) } else { 0.0 };
                    unary(f, xs[k], ex[k] + conversion, r[k]) + own
                })
                .collect()
        }
        _ => vec![f64::INFINITY; r.len()],
    }
}

/// The error that the error `dx` of its argument causes in `f(x) = r`: `|f'| dx` (the slope
/// taken at its steepest within `dx` where that matters), or the whole jump of a function that
/// jumps when `dx` reaches across 0.
fn unary(f: Func, x: f64, dx: f64, r: f64) -> f64 {
    if dx == 0.0 {
        return 0.0;
    }
    let slope = match f {
        Func::Step | Func::Sign => {
            let jump = if f == Func::Step { 1.0 } else { 2.0 };
            return if x.abs() <= dx { jump } else { 0.0 };
        }
        Func::Relu | Func::Abs => 1.0,
        Func::Exp => r.abs() * dx.exp(),
        Func::Log => 1.0 / (x.abs() - dx).max(0.0),
        Func::Sqrt => 0.5 / (x.abs() - dx).max(0.0).sqrt(),
        Func::Sin | Func::Cos | Func::Softplus => 1.0,
        Func::Tan => 1.0 + r * r,
        Func::Sinh => x.cosh(),
        Func::Cosh => x.sinh().abs(),
        Func::Tanh => 1.0 - r * r,
        Func::Sigmoid => r * (1.0 - r),
        Func::Erf => std::f64::consts::FRAC_2_SQRT_PI,
        _ => f64::INFINITY,
    };
    let err = slope * dx;
    if err.is_nan() {
        f64::INFINITY
    } else {
        err
    }
}

/// The largest error of an argument vector's entries, their own rounding included.
fn input_error(z: &Value, ez: &[f64]) -> f64 {
    floats(z).iter().zip(ez).map(|(x, e)| e + UNIT * x.abs()).fold(0.0, f64::max)
}

/// Every number of a value as f64.
fn floats(v: &Value) -> Vec<f64> {
    v.numbers().iter().map(|x| x.to_f64()).collect()
}

/// The position in a list of `k`, broadcasting a list of one (a scalar) to every position.
fn at<T>(list: &[T], k: usize) -> usize {
    if list.len() == 1 {
        0
    } else {
        k
    }
}

/// How far the index of a sum runs: its written range, or the length of the axis of the first
/// value that the body indexes with it.
fn sum_range(index: &str, count: Option<&Expr>, body: &Expr, env: &Env) -> Option<usize> {
    if let Some(count) = count {
        let n = eval(count, env).ok()?.as_scalar()?.as_exact()?.clone();
        return n.is_integer().then(|| n.to_integer().to_usize()).flatten();
    }
    let (base, axis) = body.indexed_by(index)?;
    let shape = match &base.node {
        Node::Var(name) => env.get(name)?.shape(),
        _ => eval(base, env).ok()?.shape(),
    };
    shape.get(axis).copied()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse::parse_expr;

    fn bound(src: &str, x: f64) -> (f64, f64) {
        let mut env = Env::new();
        env.bind("x", Value::Scalar(Number::approx(x).unwrap()));
        env.bind("z", Value::Vector(vec![Number::int(1), Number::approx(x).unwrap(), Number::int(-2)]));
        let e = parse_expr(src).unwrap();
        let value = eval(&e, &env).unwrap().numbers()[0].to_f64();
        (value, error_bound(&e, &env, Mode::AsEvaluated).unwrap()[0])
    }

    #[test]
    fn exact_values_have_no_error() {
        let mut env = Env::new();
        env.bind("x", Value::Scalar(Number::int(3)));
        assert_eq!(error_bound(&parse_expr("x^2/7 - 1").unwrap(), &env, Mode::AsEvaluated), Some(vec![0.0]));
        assert!(error_bound(&parse_expr("x^2/7 - 1").unwrap(), &env, Mode::AllF64).unwrap()[0] > 0.0);
    }

    #[test]
    fn well_conditioned_values_have_errors_of_a_few_units() {
        for (src, x) in [("sigmoid(x)", 0.3), ("exp(x)*sin(x)", 1.7), ("sum(i, z[i]^2)", 0.25), ("softmax(z)[2]", 3.0)]
        {
            let (value, err) = bound(src, x);
            assert!(err > 0.0 && err <= 200.0 * UNIT * value.abs(), "{src}: {err} for {value}");
        }
    }

    #[test]
    fn cancellation_and_steep_functions_widen_the_bound() {
        // 1 - sigmoid(40) is 0 in f64; the true value is 4.2e-18, well within the bound.
        let (value, err) = bound("1 - sigmoid(x)", 40.0);
        assert!(value.abs() <= 1e-16 && err >= 4.3e-18, "{value} {err}");
        // exp(x) carries the rounding of x times x.
        let (value, err) = bound("exp(x)", 30.0);
        assert!(err >= 30.0 * UNIT * value, "{err}");
        let (value, err) = bound("1/(1 - sigmoid(x))", 30.0);
        assert!(err > 1e-4 * value, "{value} {err}");
        // Where the rounding of x reaches across 0 under sign or step, the evaluator itself
        // refuses to decide (an `undecidable` error), so no bound is asked for.
    }

    #[test]
    fn underflow_loses_precision_absolutely() {
        // 2*exp(-740) is a subnormal with three significant digits; its log is off by 1e-3 or so
        // (log(exp(u)) alone is evaluated as u, exactly).
        let (value, err) = bound("log(2*exp(-x))", 740.0);
        let truth = 2f64.ln() - 740.0;
        assert!((value - truth).abs() > 1e-6 && err >= (value - truth).abs(), "{value} {err}");
    }

    #[test]
    fn errors_of_definitions_pass_on_to_their_uses() {
        let mut defs = Definitions::default();
        for text in ["s = softmax(z)", "h[j] = 3*s[j]", "t = sum(j, h[j])"] {
            defs.add(crate::syntax::parse::parse_statement(text).unwrap()).unwrap();
        }
        let mut env = Env::new();
        env.bind("z", Value::Vector(vec![Number::int(1), Number::approx(0.5).unwrap()]));
        for d in defs.iter() {
            let value = crate::defs::definition_value(d, &env, None).unwrap();
            env.bind(&d.name, value);
        }
        let uses = [parse_expr("t").unwrap(), parse_expr("s[1]").unwrap()];
        let known = definition_errors(&defs, &[&uses[0]], &env, Mode::AsEvaluated).unwrap();
        assert_eq!(known.keys().collect::<Vec<_>>(), ["h", "s", "t"]);
        let only_s = definition_errors(&defs, &[&uses[1]], &env, Mode::AsEvaluated).unwrap();
        assert_eq!(only_s.keys().collect::<Vec<_>>(), ["s"]);
        // As if the definitions were written out, and more than nothing.
        for (name, written) in
            [("s[2]", "softmax(z)[2]"), ("h[1]", "3*softmax(z)[1]"), ("t", "sum(j, 3*softmax(z)[j])")]
        {
            let through = error_bound_given(&parse_expr(name).unwrap(), &env, Mode::AsEvaluated, &known).unwrap()[0];
            let direct = error_bound(&parse_expr(written).unwrap(), &env, Mode::AsEvaluated).unwrap()[0];
            assert!(
                through > 0.0 && through >= direct / 2.0 && through <= direct * 2.0,
                "{name}: {through} vs {direct}"
            );
        }
        assert_eq!(error_bound(&parse_expr("t").unwrap(), &env, Mode::AsEvaluated), Some(vec![0.0]));
    }

    #[test]
    fn every_component_of_a_vector_has_a_bound() {
        let mut env = Env::new();
        env.bind("z", Value::Vector(vec![Number::approx(0.5).unwrap(), Number::int(2)]));
        let bounds = error_bound(&parse_expr("exp(z) + z").unwrap(), &env, Mode::AsEvaluated).unwrap();
        assert_eq!(bounds.len(), 2);
        assert!(bounds.iter().all(|b| *b > 0.0));
    }
}
