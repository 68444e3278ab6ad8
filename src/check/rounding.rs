//! What the rounding of written numbers carries into a computation, and which substituted
//! number was wrong.
//!
//! A document computes with its own rounded numbers (`\sigma(z)` with `z` written to 6 digits,
//! `\frac{0.6752}{0.6752 + 2.4182}`). The result may differ from the exact one by what that
//! rounding carries, so it is recomputed with each rounded input moved up, and down, by its
//! deviation, one at a time: the larger changes, added up entry by entry, are the *spread* a
//! judge allows (a first-order bound). A bound name's
//! deviation is what its written value differs from the value its chain computed (0 for a
//! `0.5` that is exactly `W x + b`), else half a unit of its last digit; a number written inline
//! deviates by half a unit when it has four significant digits or more (`0.1`, `2`, `0.125` are
//! data, not roundings).

use super::numeric::{format_value, judge, Expected, Judgement, Tolerance};
use crate::eval::eval;
use crate::eval::number::Number;
use crate::eval::value::{Env, Value};
use crate::syntax::ast::{BinOp, Expr, Func, Node};
use num_bigint::BigInt;
use num_rational::BigRational;

/// The unit of the last digit of a decimal literal as written (`0.5498` gives `0.0001`, `3` gives
/// 1, `2.46e-5` gives `1e-7`).
pub fn unit_of(text: &str) -> BigRational {
    let (mantissa, exponent) = text.split_once(['e', 'E']).unwrap_or((text, "0"));
    let decimals = mantissa.split_once('.').map_or(0, |(_, f)| f.len()) as i64 - exponent.parse::<i64>().unwrap_or(0);
    let power = BigRational::from_integer(num_traits::pow(BigInt::from(10), decimals.unsigned_abs() as usize));
    if decimals >= 0 {
        power.recip()
    } else {
        power
    }
}

/// The literal `e` with each number replaced by the unit of its last written digit, so that
/// evaluating it lines the units up with the entries of the literal's value.
pub fn units(e: &Expr, source: &str) -> Expr {
    match &e.node {
        Node::Num(_) => Expr::spanned(Node::Num(unit_of(source.get(e.span.clone()).unwrap_or(""))), e.span.clone()),
        Node::Neg(a) => units(a, source),
        // An exact fraction has no rounding.
        Node::Binary(BinOp::Div, ..) => Expr::spanned(Node::Num(BigRational::from_integer(0.into())), e.span.clone()),
        // `1.37916 \times 10^{-17}`: the mantissa's unit, scaled.
        Node::Call(Func::MatMul, args) if is_power_of_ten(&args[1]) => {
            Expr::spanned(Node::Call(Func::MatMul, vec![units(&args[0], source), args[1].clone()]), e.span.clone())
        }
        Node::Array(_) | Node::Call(..) => e.map_children(|c| units(c, source)),
        _ => e.clone(),
    }
}

/// How far `e` (whose value in `env` is `center`) can move when each rounded input moves by its
/// deviation: the bound names with one in `deviations` (unless it is 0), and the rounded
/// literals of `e` itself (`source` is the text its spans point into). `None` when nothing in
/// it is rounded.
pub fn spread(e: &Expr, source: &str, env: &Env, deviations: &Env, center: &Value) -> Option<Value> {
    let moves = |n: &String| deviations.get(n).is_some_and(|d| floats(d).iter().any(|x| *x != 0.0));
    let names: Vec<String> = e.free_names().into_iter().filter(moves).collect();
    let c = floats(center);
    let mut widths = vec![0.0; c.len()];
    // The change in each entry when some inputs move: added up over inputs moved one at a time
    // (a first-order bound, so opposite signs cannot cancel), up and down, the larger.
    let mut add = |moved: &[(Expr, Env)]| -> Option<()> {
        let mut largest = vec![0.0f64; c.len()];
        for (expr, env) in moved {
            let shifted = floats(&eval(expr, env).ok()?);
            if shifted.len() != c.len() {
                return None;
            }
            for k in 0..c.len() {
                largest[k] = largest[k].max((shifted[k] - c[k]).abs());
            }
        }
        widths.iter_mut().zip(largest).for_each(|(w, l)| *w += l);
        Some(())
    };
    for name in &names {
        let (value, deviation) = (env.get(name)?, deviations.get(name)?);
        let count = value.numbers().len();
        // Entry by entry for small values; the whole value at once for large ones.
        let groups: Vec<Option<usize>> = if count <= 64 { (0..count).map(Some).collect() } else { vec![None] };
        for entry in groups {
            let moved: Vec<(Expr, Env)> = [1.0, -1.0]
                .iter()
                .map(|sign| {
                    let mut env = env.clone();
                    env.bind(name, shift(value, deviation, *sign, entry)?);
                    Some((e.clone(), env))
                })
                .collect::<Option<_>>()?;
            add(&moved)?;
        }
    }
    // The rounded literals one at a time (so that opposite signs cannot cancel), or all at once
    // when there are many.
    let mut count = 0;
    shift_literals(e, source, 1.0, None, &mut count);
    let targets: Vec<Option<usize>> = if count <= 64 { (0..count).map(Some).collect() } else { vec![None] };
    for target in targets {
        let moved = |sign: f64| (shift_literals(e, source, sign, target, &mut 0), env.clone());
        add(&[moved(1.0), moved(-1.0)])?;
    }
    if names.is_empty() && count == 0 {
        return None;
    }
    Some(like(center, &widths))
}

/// The substituted numbers that are wrong: where `written` (a step of a computation) has a
/// number in place of a part of `before` (the step before it) and the number is not that
/// part's value at the precision written. Each as "`e^{0.8832}` is 2.4186, written 2.4182".
pub fn slips(before: &Expr, before_source: &str, written: &Expr, written_source: &str, env: &Env) -> Vec<String> {
    let mut out = Vec::new();
    find_slips(before, before_source, written, written_source, env, &mut out);
    out
}

fn find_slips(a: &Expr, a_src: &str, b: &Expr, b_src: &str, env: &Env, out: &mut Vec<String>) {
    match (&a.node, &b.node) {
        _ if is_numbers(a) => {}
        (_, Node::Array(_)) if is_numbers(b) => {
            let (Ok(value), Ok(written), Ok(units)) =
                (eval(a, env), eval(b, &Env::new()), eval(&units(b, b_src), &Env::new()))
            else {
                return;
            };
            let expected = [Expected { value: &value, spread: None }];
            if let Judgement::Wrong { note, .. } = judge(&expected, &written, Some(&units), Tolerance::Written) {
                let part = a_src.get(a.span.clone()).unwrap_or("").trim();
                out.push(format!("`{part}` put in as {}: {note}", format_value(&written)));
            }
        }
        (_, Node::Num(written)) => {
            let Ok(Value::Scalar(value)) = eval(a, env) else { return };
            let text = b_src.get(b.span.clone()).unwrap_or("");
            let unit = unit_of(text);
            let exact = Number::Exact(written.clone());
            let diff = (value.to_f64() - exact.to_f64()).abs();
            if diff > Number::Exact(unit.clone()).to_f64() * (1.0 + 1e-9) {
                let decimals = text.split_once('.').map_or(0, |(_, f)| f.len()).min(17);
                let part = a_src.get(a.span.clone()).unwrap_or("").trim();
                out.push(format!("`{part}` is {:.*}, written {text}", decimals, value.to_f64()));
            }
        }
        (Node::Binary(p, x1, y1), Node::Binary(q, x2, y2)) if p == q => {
            find_slips(x1, a_src, x2, b_src, env, out);
            find_slips(y1, a_src, y2, b_src, env, out);
        }
        (Node::Neg(x1), Node::Neg(x2)) => find_slips(x1, a_src, x2, b_src, env, out),
        (Node::Call(f, xs), Node::Call(g, ys)) if f == g && xs.len() == ys.len() => {
            xs.iter().zip(ys).for_each(|(x, y)| find_slips(x, a_src, y, b_src, env, out));
        }
        (Node::Array(xs), Node::Array(ys)) if xs.len() == ys.len() => {
            xs.iter().zip(ys).for_each(|(x, y)| find_slips(x, a_src, y, b_src, env, out));
        }
        _ => {}
    }
}

/// Whether `e` is numbers as written: a number (also `1.5 \times 10^{-3}` and `\frac{2}{15}`),
/// an array of them, negated or transposed.
pub fn is_numbers(e: &Expr) -> bool {
    match &e.node {
        Node::Num(_) => true,
        Node::Neg(a) => is_numbers(a),
        Node::Array(items) => items.iter().all(is_numbers),
        Node::Call(Func::Transpose, args) => args.iter().all(is_numbers),
        Node::Call(Func::MatMul, args) => is_numbers(&args[0]) && is_power_of_ten(&args[1]),
        // An exact fraction, `\frac{2}{15}`.
        Node::Binary(BinOp::Div, p, q) => [p, q].iter().all(|x| matches!(&x.node, Node::Num(n) if n.is_integer())),
        _ => false,
    }
}

/// `10^{k}` with `k` a whole number, possibly negative.
fn is_power_of_ten(e: &Expr) -> bool {
    let Node::Binary(BinOp::Pow, base, exponent) = &e.node else { return false };
    let whole = |x: &Expr| matches!(&x.node, Node::Num(n) if n.is_integer());
    matches!(&base.node, Node::Num(n) if *n == BigRational::from_integer(10.into()))
        && (whole(exponent) || matches!(&exponent.node, Node::Neg(k) if whole(k)))
}

/// `e` with each rounded literal (four significant digits or more) moved by half its unit, up
/// (`sign` 1) or down (-1).
/// `e` with its rounded literals (four significant digits or more) moved by half a unit of
/// their last digit in the direction of `sign`: only the one counted `target` (from 0, in
/// reading order), or every one without a target; `seen` counts the rounded literals.
fn shift_literals(e: &Expr, source: &str, sign: f64, target: Option<usize>, seen: &mut usize) -> Expr {
    match &e.node {
        Node::Num(n) => {
            let text = source.get(e.span.clone()).unwrap_or("");
            let significant = text.trim_start_matches(['0', '.']).chars().filter(char::is_ascii_digit).count();
            if significant < 4 {
                return e.clone();
            }
            let position = *seen;
            *seen += 1;
            if target.is_some_and(|t| t != position) {
                return e.clone();
            }
            let step = unit_of(text) * BigRational::new((sign as i64).into(), 2.into());
            Expr::spanned(Node::Num(n + step), e.span.clone())
        }
        // An index is a position, not a rounded number.
        Node::Index(..) => e.clone(),
        _ => e.map_children(|c| shift_literals(c, source, sign, target, seen)),
    }
}

/// The sum of two spreads of one value (either may be missing).
pub fn add_spreads(a: Option<&Value>, b: Option<&Value>) -> Option<Value> {
    match (a, b) {
        (Some(a), Some(b)) => {
            let (x, y) = (floats(a), floats(b));
            Some(if x.len() == y.len() {
                like(a, &x.iter().zip(&y).map(|(p, q)| p + q).collect::<Vec<_>>())
            } else {
                a.clone()
            })
        }
        (Some(s), None) | (None, Some(s)) => Some(s.clone()),
        (None, None) => None,
    }
}

/// Entry by entry, how far `a` is from `b` (`None` when their shapes differ).
pub fn difference(a: &Value, b: &Value) -> Option<Value> {
    let (x, y) = (floats(a), floats(b));
    (x.len() == y.len() && a.shape() == b.shape())
        .then(|| like(a, &x.iter().zip(&y).map(|(p, q)| (p - q).abs()).collect::<Vec<_>>()))
}

/// How far a given's entries may be from what they stand for: half a unit of the last digit
/// for an entry of four significant digits or more (a rounded result stated without its work),
/// 0 for shorter ones (data: `5`, `0.1`, `0.125`, `[1; 2]`).
pub fn rounding_of_given(value: &Value, units: &Value) -> Option<Value> {
    let (v, u) = (floats(value), floats(units));
    (v.len() == u.len()).then(|| {
        let half = |(x, unit): (&f64, &f64)| {
            let digits = if *unit > 0.0 { (x.abs() / unit).round().max(1.0).log10().floor() + 1.0 } else { 0.0 };
            if digits >= 4.0 {
                unit / 2.0
            } else {
                0.0
            }
        };
        like(value, &v.iter().zip(&u).map(half).collect::<Vec<_>>())
    })
}

/// `value` with its entry `only` (or each entry, for `None`) moved by `sign` times its
/// deviation (same shape).
fn shift(value: &Value, deviation: &Value, sign: f64, only: Option<usize>) -> Option<Value> {
    let (v, u) = (floats(value), floats(deviation));
    let moved = |(k, (x, d)): (usize, (&f64, &f64))| if only.is_none_or(|j| j == k) { x + sign * d } else { *x };
    (v.len() == u.len()).then(|| like(value, &v.iter().zip(&u).enumerate().map(moved).collect::<Vec<_>>()))
}

fn floats(v: &Value) -> Vec<f64> {
    v.numbers().iter().map(|n| n.to_f64()).collect()
}

/// A value shaped like `shape` with the entries `xs` (in row order).
fn like(shape: &Value, xs: &[f64]) -> Value {
    let number = |x: f64| Number::approx(x).unwrap_or_else(|_| Number::int(0));
    match shape {
        Value::Scalar(_) => Value::Scalar(number(xs[0])),
        Value::Vector(_) => Value::Vector(xs.iter().map(|&x| number(x)).collect()),
        Value::Matrix(rows) => {
            let cols = rows.first().map_or(0, Vec::len).max(1);
            Value::Matrix(xs.chunks(cols).map(|r| r.iter().map(|&x| number(x)).collect()).collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::read_latex::{read_side, Side};

    fn side(text: &str) -> Expr {
        match read_side(text) {
            Ok(Side::Expr(e)) => e,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn rounded_inputs_carry_their_rounding() {
        let mut env = Env::new();
        env.bind("z", Value::Scalar(Number::approx(0.0236359).unwrap()));
        let mut deviations = Env::new();
        deviations.bind("z", Value::Scalar(Number::approx(0.5e-7).unwrap()));
        let e = side("\\tanh(z)");
        let center = eval(&e, &env).unwrap();
        let width = spread(&e, "\\tanh(z)", &env, &deviations, &center).unwrap();
        assert!((width.as_scalar().unwrap().to_f64() - 0.5e-7).abs() < 1e-9, "{width}");
        // Data such as 0.1 is not a rounding.
        let data = "0.1 \\cdot 2";
        assert!(spread(&side(data), data, &Env::new(), &Env::new(), &Value::Scalar(Number::int(0))).is_none());
    }

    #[test]
    fn a_wrong_substituted_number_is_named() {
        let (a, b) = ("\\frac{e^{-0.3927}}{e^{-0.3927} + e^{0.8832}}", "\\frac{0.6752}{0.6752 + 2.4182}");
        let found = slips(&side(a), a, &side(b), b, &Env::new());
        assert_eq!(found, vec!["`e^{0.8832}` is 2.4186, written 2.4182".to_string()]);
    }
}
