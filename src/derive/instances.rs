//! Declared functions made concrete for the numeric self-check: `f` has no value, so every
//! `f(u)` (and `f'(u)`, `d_1 g(u, v)`, ...) is replaced by a fixed smooth function of its
//! arguments and that function's own derivatives (`sin(a*u + b) + c*u^2` and its derivative),
//! the same for the expression and for its derivative. Agreement then checks the chain rule the
//! derivation applied to the declared functions, at this instance.

use crate::defs::Definitions;
use crate::diff::{differentiate, Wrt};
use crate::syntax::ast::{BinOp, Expr, Func, Node};
use num_rational::BigRational;
use std::collections::HashMap;

/// `e` with every declared function applied replaced by the concrete instance; `None` when an
/// instance cannot be differentiated as the name asks.
pub fn concrete(e: &Expr) -> Option<Expr> {
    if let Node::Apply(name, args) = &e.node {
        let args: Vec<Expr> = args.iter().map(concrete).collect::<Option<_>>()?;
        let body = instance(name, args.len())?;
        let by: HashMap<String, &Expr> = (0..args.len()).map(parameter).zip(&args).collect();
        return Some(body.map_free_var(&|n| by.get(n).map(|a| (*a).clone())));
    }
    let mut ok = true;
    let out = e.map_children(|c| {
        concrete(c).unwrap_or_else(|| {
            ok = false;
            c.clone()
        })
    });
    ok.then_some(out)
}

/// Whether `e` applies a declared function.
pub fn applies_declared(e: &Expr) -> bool {
    matches!(e.node, Node::Apply(..)) || e.children().into_iter().any(applies_declared)
}

/// The definitions with their bodies made concrete.
pub fn concrete_definitions(defs: &Definitions) -> Option<Definitions> {
    let mut out = Definitions::default();
    for d in defs.iter() {
        let body = concrete(&d.body)?;
        out.add(crate::syntax::ast::Statement::Equation(d.use_site(), body)).ok()?;
    }
    Some(out)
}

fn parameter(k: usize) -> String {
    format!("u{}", k + 1)
}

/// The instance of the function named `name` (`f`, `f''`, `d_2 d_1 g`) of `arity` arguments,
/// in the parameters `u1`, `u2`, ...
fn instance(name: &str, arity: usize) -> Option<Expr> {
    let mut words: Vec<&str> = name.split(' ').collect();
    let last = words.pop()?;
    let base = last.trim_end_matches('\'');
    let primes = last.len() - base.len();
    let mut by: Vec<usize> = vec![0; primes];
    // `d_2 d_1 g` is d_2 of (d_1 g): the innermost (rightmost) is taken first.
    for word in words.iter().rev() {
        let k: usize = word.strip_prefix("d_")?.parse().ok()?;
        by.push(k.checked_sub(1)?);
    }
    let mut e = smooth(base, arity);
    for k in by {
        if k >= arity {
            return None;
        }
        e = differentiate(&e, &Wrt::Scalar(parameter(k)), &Definitions::default()).ok()?;
    }
    Some(e)
}

/// `sin(a1*u1 + ... + an*un + b) + c*(u1 + ... + un)^2`, the constants fixed by the name.
fn smooth(name: &str, arity: usize) -> Expr {
    // A different constant for each name and place (splitmix64 over the name's bytes).
    let mix = |mut z: u64| {
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let seed = name.bytes().fold(0x9e37_79b9_7f4a_7c15u64, |h, b| mix(h ^ b as u64));
    let constant =
        |k: u64| Expr::num(BigRational::new(((mix(seed.wrapping_add(k)) % 17) as i64 + 3).into(), 10.into()));
    let params = (0..arity).map(|k| Expr::var(&parameter(k)));
    let linear = params
        .clone()
        .enumerate()
        .map(|(k, u)| Expr::binary(BinOp::Mul, constant(k as u64), u))
        .fold(constant(9), |acc, t| Expr::binary(BinOp::Add, acc, t));
    let total = params.reduce(|a, b| Expr::binary(BinOp::Add, a, b)).unwrap_or_else(|| Expr::int(0));
    let square = Expr::binary(BinOp::Mul, constant(11), Expr::binary(BinOp::Pow, total, Expr::int(2)));
    Expr::binary(BinOp::Add, Expr::call(Func::Sin, vec![linear]), square)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::{eval_scalar, value::Env};
    use crate::syntax::declared::declare;
    use crate::syntax::parse::parse_expr;

    #[test]
    fn derivatives_of_an_instance_are_its_derivatives() {
        let _d = declare(&["g".into()]).unwrap();
        let value =
            |src: &str| eval_scalar(&concrete(&parse_expr(src).unwrap()).unwrap(), &Env::new()).unwrap().to_f64();
        let h = 1e-6;
        let numeric = (value("g(0.3 + 1e-6, 0.5)") - value("g(0.3 - 1e-6, 0.5)")) / (2.0 * h);
        assert!((numeric - value("d_1 g(0.3, 0.5)")).abs() < 1e-6);
        let mixed = (value("d_1 g(0.3, 0.5 + 1e-6)") - value("d_1 g(0.3, 0.5 - 1e-6)")) / (2.0 * h);
        assert!((mixed - value("d_2 d_1 g(0.3, 0.5)")).abs() < 1e-5);
        let past_the_arguments = Expr::new(Node::Apply("d_3 g".into(), vec![Expr::int(1), Expr::int(2)]));
        assert!(concrete(&past_the_arguments).is_none());
    }

    #[test]
    fn an_instance_tells_a_right_chain_rule_from_a_wrong_one() {
        let _d = declare(&["f".into()]).unwrap();
        let at = |src: &str, x: f64| {
            let e = concrete(&parse_expr(src).unwrap()).unwrap();
            let mut env = Env::new();
            env.bind("x", crate::eval::value::Value::Scalar(crate::eval::number::Number::approx(x).unwrap()));
            eval_scalar(&e, &env).unwrap().to_f64()
        };
        let numeric = (at("f(x)^2", 0.7 + 1e-6) - at("f(x)^2", 0.7 - 1e-6)) / 2e-6;
        assert!((numeric - at("2*f(x)*f'(x)", 0.7)).abs() < 1e-6);
        assert!((numeric - at("2*f'(x)", 0.7)).abs() > 1e-3);
    }
}
