//! The canonical text printer: the input language with minimal parentheses, so that
//! `parse(print(e)) == e` and printing is a fixed point.

use crate::syntax::ast::{BinOp, Expr, Func, Node};
use num_bigint::BigInt;
use num_integer::Integer;
use num_rational::BigRational;
use num_traits::{One, Signed, ToPrimitive, Zero};

/// Binding strength of a printed form; a child printed below its slot's minimum gets parentheses.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Prec {
    /// A whole expression (`+`, `-`).
    Sum,
    /// A product or quotient.
    Product,
    /// A unary minus.
    Unary,
    /// A power.
    Power,
    /// A name, number, call, index or parenthesized expression.
    Atom,
}

/// Prints an expression in canonical form.
pub fn to_text(e: &Expr) -> String {
    let mut out = String::new();
    write_expr(e, Prec::Sum, &mut out);
    out
}

/// How tightly the printed form of `e` binds.
pub(crate) fn prec_of(e: &Expr) -> Prec {
    match &e.node {
        Node::Num(n) if n.is_negative() => Prec::Unary,
        Node::Num(n) if decimal_digits(n).is_none() => Prec::Product,
        Node::Call(Func::Hadamard, args) if args.len() == 2 => Prec::Product,
        Node::Num(_)
        | Node::Pi
        | Node::Var(_)
        | Node::Index(..)
        | Node::Call(..)
        | Node::Reduce(..)
        | Node::Array(_)
        | Node::Apply(..) => Prec::Atom,
        Node::Neg(_) => Prec::Unary,
        Node::Binary(BinOp::Add | BinOp::Sub, ..) => Prec::Sum,
        Node::Binary(BinOp::Mul | BinOp::Div, ..) => Prec::Product,
        Node::Binary(BinOp::Pow, ..) => Prec::Power,
    }
}

/// The minimum binding strength of each operand slot of a binary operator.
pub(crate) fn operand_prec(op: BinOp) -> (Prec, Prec) {
    match op {
        BinOp::Add | BinOp::Sub => (Prec::Sum, Prec::Product),
        BinOp::Mul | BinOp::Div => (Prec::Product, Prec::Unary),
        BinOp::Pow => (Prec::Atom, Prec::Unary),
    }
}

fn write_expr(e: &Expr, min: Prec, out: &mut String) {
    let parens = prec_of(e) < min;
    if parens {
        out.push('(');
    }
    match &e.node {
        Node::Num(n) => out.push_str(&number_text(n)),
        Node::Pi => out.push_str("pi"),
        Node::Var(name) => out.push_str(name),
        Node::Index(base, indices) => {
            match &base.node {
                // `x'[i]` would not read back (an index comes before a `'`).
                Node::Call(Func::Transpose, args) if args.len() == 1 => {
                    out.push_str("transpose(");
                    write_expr(&args[0], Prec::Sum, out);
                    out.push(')');
                }
                _ => write_expr(base, Prec::Atom, out),
            }
            out.push('[');
            write_list(indices, out);
            out.push(']');
        }
        Node::Neg(inner) => {
            // A repeated minus prints as `--x`, not `-(-x)`: parentheses would cost the parser a
            // nesting level per minus, so a long run accepted as input would print too deep.
            out.push('-');
            write_expr(inner, Prec::Unary, out);
        }
        Node::Binary(op, a, b) => {
            let (left, right) = operand_prec(*op);
            write_expr(a, left, out);
            match op {
                BinOp::Add | BinOp::Sub => {
                    out.push(' ');
                    out.push_str(op.symbol());
                    out.push(' ');
                }
                _ => out.push_str(op.symbol()),
            }
            write_expr(b, right, out);
        }
        Node::Call(Func::Hadamard, args) if args.len() == 2 => {
            let (left, right) = operand_prec(BinOp::Mul);
            write_expr(&args[0], left, out);
            out.push_str(" .* ");
            write_expr(&args[1], right, out);
        }
        Node::Call(Func::Transpose, args) if args.len() == 1 => {
            write_expr(&args[0], Prec::Atom, out);
            out.push('\'');
        }
        Node::Apply(name, args) => {
            out.push_str(name);
            out.push('(');
            write_list(args, out);
            out.push(')');
        }
        Node::Call(func, args) => {
            out.push_str(func.name());
            out.push('(');
            write_list(args, out);
            out.push(')');
        }
        Node::Array(items) => {
            out.push('[');
            write_list(items, out);
            out.push(']');
        }
        Node::Reduce(op, index, count, body) => {
            out.push_str(op.name());
            out.push('(');
            out.push_str(index);
            if let Some(count) = count {
                out.push_str(" = 1..");
                write_expr(count, Prec::Sum, out);
            }
            out.push_str(", ");
            write_expr(body, Prec::Sum, out);
            out.push(')');
        }
    }
    if parens {
        out.push(')');
    }
}

fn write_list(items: &[Expr], out: &mut String) {
    for (k, item) in items.iter().enumerate() {
        if k > 0 {
            out.push_str(", ");
        }
        write_expr(item, Prec::Sum, out);
    }
}

/// The digits of `n` written as a finite decimal, if it has one (its denominator has only
/// the prime factors 2 and 5): `(mantissa, places)` with `n = mantissa / 10^places`.
///
/// Works on the factors directly (no rational arithmetic, whose gcds are slow for the
/// 10,000-digit numbers the parser accepts).
pub(crate) fn decimal_digits(n: &BigRational) -> Option<(BigInt, usize)> {
    let denom = n.denom();
    let twos = denom.trailing_zeros().unwrap_or(0) as usize;
    let (fives, rest) = split_fives(&(denom >> twos), usize::MAX);
    if !rest.is_one() {
        return None;
    }
    let places = twos.max(fives);
    let mantissa = (n.numer() * num_traits::pow(BigInt::from(5), places - fives)) << (places - twos);
    Some((mantissa, places))
}

/// `(k, n / 5^k)` for the largest `k <= at_most` with `5^k` dividing `n` (`n` not 0).
pub(crate) fn split_fives(n: &BigInt, at_most: usize) -> (usize, BigInt) {
    // Divide by 5^13 (the largest power of 5 in a u32) while it goes, then by 5.
    const FIVE_TO_13: u32 = 1_220_703_125;
    let mut rest = n.clone();
    let mut count = 0;
    for (step, divisor) in [(13, FIVE_TO_13), (1, 5)] {
        while count + step <= at_most {
            let (quotient, remainder) = rest.div_rem(&BigInt::from(divisor));
            if !remainder.is_zero() {
                break;
            }
            rest = quotient;
            count += step;
        }
    }
    (count, rest)
}

/// Prints an exact number the way the parser reads it back: integers and finite decimals as
/// literals (`0.1`, `1e-12`), other fractions as a quotient (`1/3`), negatives with a minus.
pub fn number_text(n: &BigRational) -> String {
    if n.is_negative() {
        return format!("-{}", number_text(&-n));
    }
    match decimal_digits(n) {
        Some((mantissa, places)) => decimal_text(&mantissa, places),
        None => format!("{}/{}", n.numer(), n.denom()),
    }
}

/// `mantissa / 10^places` as a plain decimal, or in scientific notation when that is shorter.
fn decimal_text(mantissa: &BigInt, places: usize) -> String {
    let digits = mantissa.to_string();
    let plain = if places == 0 {
        digits.clone()
    } else if digits.len() > places {
        let (int, frac) = digits.split_at(digits.len() - places);
        format!("{int}.{frac}")
    } else {
        format!("0.{}{}", "0".repeat(places - digits.len()), digits)
    };
    let trimmed = digits.trim_end_matches('0');
    let zeros = digits.len() - trimmed.len();
    let exponent = zeros as i64 - places as i64 + (trimmed.len() as i64 - 1);
    let scientific = match trimmed.len() {
        0 => return "0".to_string(),
        1 => format!("{trimmed}e{exponent}"),
        _ => format!("{}.{}e{exponent}", &trimmed[..1], &trimmed[1..]),
    };
    if scientific.len() + 3 < plain.len() && exponent.to_i32().is_some() {
        scientific
    } else {
        plain
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse::parse_expr;

    fn canon(s: &str) -> String {
        parse_expr(s).unwrap().to_string()
    }

    #[test]
    fn minimal_parentheses() {
        assert_eq!(canon("a - (b - c)"), "a - (b - c)");
        assert_eq!(canon("(a - b) - c"), "a - b - c");
        assert_eq!(canon("-x^2"), "-x^2");
        assert_eq!(canon("(-x)^2"), "(-x)^2");
        assert_eq!(canon("a/(b*c)"), "a/(b*c)");
        assert_eq!(canon("(2^3)^2"), "(2^3)^2");
        assert_eq!(canon("2^(3^2)"), "2^3^2");
        assert_eq!(canon("- - x"), "--x");
        assert_eq!(canon("-(-(-x^2))"), "---x^2");
        assert_eq!(canon("(-(-x))^2"), "(--x)^2");
        assert_eq!(canon("2^-(-x)"), "2^--x");
        assert_eq!(canon("sigmoid(-(x + 1))*W[i, j]"), "sigmoid(-(x + 1))*W[i, j]");
    }

    #[test]
    fn decimal_digits_of_exact_numbers() {
        let q = |n: i64, d: i64| BigRational::new(n.into(), d.into());
        let digits = |r: BigRational| decimal_digits(&r).map(|(m, p)| (m.to_string(), p));
        assert_eq!(digits(q(1, 10)), Some(("1".into(), 1)));
        assert_eq!(digits(q(-3, 8)), Some(("-375".into(), 3)));
        assert_eq!(digits(q(7, 1)), Some(("7".into(), 0)));
        assert_eq!(digits(q(1, 3)), None);
        assert_eq!(digits(q(1, 30)), None);
        let tiny = BigRational::new(1.into(), num_traits::pow(BigInt::from(10), 10_000));
        assert_eq!(decimal_digits(&tiny), Some((BigInt::from(1), 10_000)));
        let power = num_traits::pow(BigInt::from(5), 40);
        assert_eq!(split_fives(&(&power * 3), usize::MAX), (40, BigInt::from(3)));
        assert_eq!(split_fives(&power, 27), (27, num_traits::pow(BigInt::from(5), 13)));
    }

    #[test]
    fn numbers() {
        assert_eq!(canon("0.10"), "0.1");
        assert_eq!(canon("1e-3"), "0.001");
        assert_eq!(canon("1e-12"), "1e-12");
        assert_eq!(canon("2.50e1"), "25");
        assert_eq!(canon("1e30"), "1e30");
    }
}
