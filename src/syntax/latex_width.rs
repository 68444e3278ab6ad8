//! How wide an expression's LaTeX will print, roughly, in units of an average letter (about
//! half an em): enough to decide where a long step of a derivation should break onto a second
//! line, not to typeset. A fraction is as wide as its wider part, a sum's limits and every
//! sub- or superscript add little, an operator adds its spacing.

use crate::syntax::ast::{BinOp, Expr, Func, Node};
use crate::syntax::latex::{DeltaStyle, LatexStyle};
use crate::syntax::print::number_text;

/// Scripts print at about 70% of the size of the line.
const SCRIPT: f64 = 0.7;
/// A binary `+` or `-` with its spacing.
const PLUS: f64 = 2.4;
/// A `\cdot` with its spacing.
const TIMES: f64 = 1.5;
/// A pair of parentheses.
const PARENS: f64 = 1.6;

/// The approximate printed width of `e` in `style`, in letters.
pub fn approximate_width(e: &Expr, style: LatexStyle) -> f64 {
    let w = |e: &Expr| approximate_width(e, style);
    match &e.node {
        Node::Num(n) => number_text(n).split('/').map(|part| part.len() as f64).fold(0.0, f64::max),
        Node::Pi => 1.0,
        Node::Var(name) => name_width(name),
        Node::Index(base, indices) => w(base) + SCRIPT * indices.iter().map(w).sum::<f64>(),
        Node::Neg(inner) => 1.5 + grouped(inner, style),
        Node::Binary(BinOp::Add | BinOp::Sub, a, b) => w(a) + PLUS + w(b),
        Node::Binary(BinOp::Mul, a, b) => grouped(a, style) + TIMES + grouped(b, style),
        Node::Binary(BinOp::Div, a, b) => w(a).max(w(b)) + 1.0,
        Node::Binary(BinOp::Pow, a, b) => grouped(a, style) + SCRIPT * w(b),
        Node::Call(Func::Delta, args) => delta_width(args, style),
        Node::Call(func, args) => {
            let args: f64 = args.iter().map(w).sum::<f64>() + 1.5 * args.len().saturating_sub(1) as f64;
            name_width(func.name()) + PARENS + args
        }
        Node::Apply(name, args) => name.len() as f64 + PARENS + args.iter().map(w).sum::<f64>(),
        Node::Array(items) => items.iter().map(w).sum::<f64>() + PARENS,
        Node::Reduce(_, _, _, body) => 3.0 + grouped(body, style),
    }
}

/// The width of an operand, with parentheses if it is a sum or a difference.
fn grouped(e: &Expr, style: LatexStyle) -> f64 {
    let parens = matches!(e.node, Node::Binary(BinOp::Add | BinOp::Sub, ..));
    approximate_width(e, style) + if parens { PARENS } else { 0.0 }
}

/// A name: one letter (or a Greek one, or a hatted one) is one, a longer name is as long as it
/// is; trailing digits go into a script.
fn name_width(name: &str) -> f64 {
    let stem = name.trim_end_matches(|c: char| c.is_ascii_digit()).trim_end_matches('_');
    let digits = SCRIPT * (name.len() - stem.len()) as f64;
    let letters =
        if stem.len() <= 1 || stem.ends_with("hat") || GREEK_LIKE.contains(&stem) { 1.0 } else { stem.len() as f64 };
    letters + digits
}

/// Names written as one symbol: Greek letters and the functions printed as one.
const GREEK_LIKE: [&str; 24] = [
    "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda", "mu", "nu", "xi",
    "pi", "rho", "sigma", "tau", "upsilon", "phi", "chi", "psi", "omega", "sigmoid",
];

fn delta_width(args: &[Expr], style: LatexStyle) -> f64 {
    let args: f64 = args.iter().map(|a| approximate_width(a, style)).sum();
    match style.delta {
        DeltaStyle::Iverson => args + PLUS + 1.0,
        DeltaStyle::Indicator => 1.0 + SCRIPT * (args + 1.0),
        DeltaStyle::Kronecker => 1.0 + SCRIPT * args,
    }
}

#[cfg(test)]
mod tests {
    use super::approximate_width;
    use crate::syntax::parse::parse_expr;

    fn width(src: &str) -> f64 {
        approximate_width(&parse_expr(src).unwrap(), Default::default())
    }

    #[test]
    fn widths_grow_with_what_is_printed() {
        assert_eq!(width("x"), 1.0);
        assert_eq!(width("sigmoid(x)"), 1.0 + 1.6 + 1.0);
        assert!(width("x + y") > width("x*y"));
        assert_eq!(width("(a + b)/c"), width("a + b") + 1.0, "a fraction is as wide as its wider part");
        assert!(width("z[k]") < width("z*k"), "an index is a script");
        assert!(width("learning_rate") > 10.0);
        assert!(width("sum(i, y[i]*log(softmax(z)[i]))") > 20.0);
    }
}
