//! The LaTeX printer: renders an expression as math-mode LaTeX with minimal grouping.
//!
//! Grouping follows the precedence of the canonical printer ([`crate::syntax::print`]), adapted to
//! LaTeX's own forms: `\frac`, `\sqrt` and superscripts hold their operands in braces, so
//! those never need `\left( ... \right)`. A `\sum_{i}` binds like a power on its left but is
//! open on its right: it is grouped when a factor follows it. A minus sign is never written
//! straight after `+`, `-`, `\cdot`, `\sum_{i}` or another minus. A plain number before a
//! symbol is juxtaposed (`2 x`); every other product is written with `\cdot`.

use crate::syntax::ast::{BinOp, Expr, Func, Node};
use crate::syntax::print::{decimal_digits, number_text, Prec};
use num_rational::BigRational;
use num_traits::Signed;

/// Renders an expression as LaTeX math (without the surrounding `$`).
pub fn to_latex(e: &Expr) -> String {
    render(e).text
}

/// Lower-case Greek letter names that LaTeX has a command for.
const GREEK: [&str; 23] = [
    "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda", "mu", "nu", "xi",
    "pi", "rho", "sigma", "tau", "upsilon", "phi", "chi", "psi", "omega",
];

/// A rendered form: its text, how tightly it binds, and whether it ends in a `\sum` whose
/// body would swallow a factor written after it.
struct Piece {
    text: String,
    prec: Prec,
    open: bool,
}

impl Piece {
    fn new(text: String, prec: Prec) -> Piece {
        Piece { text, prec, open: false }
    }
}

/// Where an operand stands; decides whether it gets `\left( ... \right)`.
#[derive(Clone, Copy)]
enum Slot {
    /// After `+`, `-` or `\sum_{i}`: a product at least, not starting with a minus.
    Term,
    /// Before `\cdot`: a product at least, not ending in an open `\sum`.
    Factor,
    /// After `\cdot` or a unary minus: a unary form at least, not starting with a minus.
    Operand,
    /// The base of `^`: an atom without a superscript of its own.
    Base,
}

fn place(e: &Expr, slot: Slot) -> Piece {
    let piece = render(e);
    let wrap = match slot {
        Slot::Term => piece.prec < Prec::Product || piece.text.starts_with('-'),
        Slot::Factor => piece.prec < Prec::Product || piece.open,
        Slot::Operand => piece.prec < Prec::Unary || piece.text.starts_with('-'),
        Slot::Base => piece.prec < Prec::Atom || has_superscript(e),
    };
    if wrap {
        Piece::new(parens(&piece.text), Prec::Atom)
    } else {
        piece
    }
}

fn parens(text: &str) -> String {
    format!("\\left({text}\\right)")
}

fn render(e: &Expr) -> Piece {
    match &e.node {
        Node::Num(n) => number(n),
        Node::Pi => Piece::new("\\pi".to_string(), Prec::Atom),
        Node::Var(name) => Piece::new(name_text(name, false), Prec::Atom),
        Node::Index(base, indices) => {
            let base = match &base.node {
                Node::Var(name) => name_text(name, true),
                Node::Call(func, _) if *func != Func::Delta => to_latex(base),
                _ => parens(&to_latex(base)),
            };
            Piece::new(format!("{base}_{{{}}}", subscript(indices)), Prec::Atom)
        }
        Node::Neg(inner) => {
            let inner = place(inner, Slot::Operand);
            Piece { text: format!("-{}", inner.text), prec: Prec::Unary, open: inner.open }
        }
        Node::Binary(op @ (BinOp::Add | BinOp::Sub), a, b) => {
            let b = place(b, Slot::Term);
            let text = format!("{} {} {}", to_latex(a), op.symbol(), b.text);
            Piece { text, prec: Prec::Sum, open: b.open }
        }
        Node::Binary(BinOp::Mul, a, b) => {
            let a = place(a, Slot::Factor);
            let b = place(b, Slot::Operand);
            let plain_number = a.text.chars().all(|c| c.is_ascii_digit() || c == '.');
            let symbol_next = !b.text.starts_with(|c: char| c.is_ascii_digit()) && !b.text.starts_with("\\frac");
            let sep = if plain_number && symbol_next { " " } else { " \\cdot " };
            Piece { text: format!("{}{sep}{}", a.text, b.text), prec: Prec::Product, open: b.open }
        }
        Node::Binary(BinOp::Div, a, b) => {
            Piece::new(format!("\\frac{{{}}}{{{}}}", to_latex(a), to_latex(b)), Prec::Power)
        }
        Node::Binary(BinOp::Pow, a, b) => {
            Piece::new(format!("{}^{{{}}}", place(a, Slot::Base).text, to_latex(b)), Prec::Power)
        }
        Node::Call(Func::Transpose, args) => {
            let base = args.first().map_or_else(String::new, |a| place(a, Slot::Base).text);
            Piece::new(format!("{base}^{{\\top}}"), Prec::Power)
        }
        Node::Call(func, args) => Piece::new(call(*func, args), Prec::Atom),
        Node::Array(items) => Piece::new(array(items), Prec::Atom),
        Node::Sum(index, count, body) => {
            let body = place(body, Slot::Term).text;
            let index = name_text(index, false);
            let text = match count {
                Some(n) => format!("\\sum_{{{index}=1}}^{{{}}} {body}", to_latex(n)),
                None => format!("\\sum_{{{index}}} {body}"),
            };
            Piece { text, prec: Prec::Power, open: true }
        }
    }
}

/// Whether `e` renders with a superscript already (`W^{(1)}_{ij}`), so a power must group it.
fn has_superscript(e: &Expr) -> bool {
    matches!(&e.node, Node::Index(base, _)
        if matches!(&base.node, Node::Var(name) if split_digits(name).1.is_some()))
}

/// Integers and finite decimals as written, `1e-12` as `10^{-12}`, other fractions as `\frac`.
fn number(n: &BigRational) -> Piece {
    if n.is_negative() {
        return Piece::new(format!("-{}", number(&-n).text), Prec::Unary);
    }
    if decimal_digits(n).is_none() {
        return Piece::new(format!("\\frac{{{}}}{{{}}}", n.numer(), n.denom()), Prec::Power);
    }
    let text = number_text(n);
    match text.split_once('e') {
        None => Piece::new(text, Prec::Atom),
        Some(("1", exponent)) => Piece::new(format!("10^{{{exponent}}}"), Prec::Power),
        Some((mantissa, exponent)) => Piece::new(format!("{mantissa} \\times 10^{{{exponent}}}"), Prec::Product),
    }
}

fn call(func: Func, args: &[Expr]) -> String {
    let list = args.iter().map(to_latex).collect::<Vec<_>>().join(", ");
    let operator = match func {
        Func::Sqrt => return format!("\\sqrt{{{list}}}"),
        Func::Abs => return format!("\\left|{list}\\right|"),
        Func::Delta => return format!("\\delta_{{{}}}", subscript(args)),
        Func::Sigmoid => "\\sigma".to_string(),
        Func::Exp
        | Func::Log
        | Func::Sin
        | Func::Cos
        | Func::Tan
        | Func::Sinh
        | Func::Cosh
        | Func::Tanh
        | Func::Max
        | Func::Min => format!("\\{}", func.name()),
        Func::Relu
        | Func::Step
        | Func::Softplus
        | Func::Erf
        | Func::Sign
        | Func::Softmax
        | Func::Logsumexp
        | Func::Len
        | Func::Cols
        | Func::Transpose
        | Func::MatMul => {
            format!("\\operatorname{{{}}}", func.name())
        }
    };
    format!("{operator}{}", parens(&list))
}

/// An array literal as a `bmatrix`: a vector as one column, a matrix row by row.
fn array(items: &[Expr]) -> String {
    let row = |e: &Expr| match &e.node {
        Node::Array(cells) => cells.iter().map(to_latex).collect::<Vec<_>>().join(" & "),
        _ => to_latex(e),
    };
    format!("\\begin{{bmatrix}} {} \\end{{bmatrix}}", items.iter().map(row).collect::<Vec<_>>().join(" \\\\ "))
}

/// The contents of a subscript: `ij` when every index is one letter or digit, else `i,k + 1`.
fn subscript(indices: &[Expr]) -> String {
    let parts: Vec<String> = indices.iter().map(to_latex).collect();
    let single = parts.iter().all(|p| p.len() == 1 && p.chars().all(|c| c.is_ascii_alphanumeric()));
    parts.join(if single { "" } else { "," })
}

/// Splits trailing digits off a name (`W1` → `W`, `1`; `x_2` → `x`, `2`).
fn split_digits(name: &str) -> (&str, Option<&str>) {
    let stem = name.trim_end_matches(|c: char| c.is_ascii_digit());
    if stem.len() == name.len() {
        return (name, None);
    }
    let digits = &name[stem.len()..];
    (stem.strip_suffix('_').filter(|s| !s.is_empty()).unwrap_or(stem), Some(digits))
}

/// A name; trailing digits become a layer superscript `W^{(1)}` on an indexed name and a
/// subscript `x_{1}` otherwise.
fn name_text(name: &str, indexed: bool) -> String {
    match split_digits(name) {
        (stem, Some(digits)) if indexed => format!("{}^{{({digits})}}", symbol(stem)),
        (stem, Some(digits)) => format!("{}_{{{digits}}}", symbol(stem)),
        (stem, None) => symbol(stem),
    }
}

/// A name without trailing digits: a letter, a Greek letter, `\hat{y}` or `\mathrm{out}`.
fn symbol(name: &str) -> String {
    let single = |s: &str| s.len() == 1 || GREEK.contains(&s);
    if GREEK.contains(&name) {
        format!("\\{name}")
    } else if name.len() == 1 {
        name.to_string()
    } else if let Some(stem) = name.strip_suffix("hat").filter(|s| single(s)) {
        format!("\\hat{{{}}}", symbol(stem))
    } else {
        format!("\\mathrm{{{}}}", name.replace('_', "\\_"))
    }
}

#[cfg(test)]
mod tests {
    use super::to_latex;
    use crate::syntax::ast::{BinOp, Expr, Node};
    use crate::syntax::parse::parse_expr;
    use num_bigint::BigInt;
    use num_rational::BigRational;

    /// Input in the expression language, and its expected LaTeX.
    const CASES: &[(&str, &str)] = &[
        // Grouping of sums, products and minus signs.
        ("a - (b - c)", "a - \\left(b - c\\right)"),
        ("a - b - c", "a - b - c"),
        ("a*(b + c)", "a \\cdot \\left(b + c\\right)"),
        ("(a + b)*c", "\\left(a + b\\right) \\cdot c"),
        ("a*b*c", "a \\cdot b \\cdot c"),
        ("a*(b*c)", "a \\cdot \\left(b \\cdot c\\right)"),
        ("-x", "-x"),
        ("- - x", "-\\left(-x\\right)"),
        ("-(a*b)", "-\\left(a \\cdot b\\right)"),
        ("-a*b", "-a \\cdot b"),
        ("a + -b", "a + \\left(-b\\right)"),
        ("a*-b", "a \\cdot \\left(-b\\right)"),
        ("a - -b*c", "a - \\left(-b \\cdot c\\right)"),
        // Juxtaposition of a leading number.
        ("2*x", "2 x"),
        ("2*x*y", "2 x \\cdot y"),
        ("0.5*(a + b)", "0.5 \\left(a + b\\right)"),
        ("2*3", "2 \\cdot 3"),
        ("2*(1/3)", "2 \\cdot \\frac{1}{3}"),
        ("x*2", "x \\cdot 2"),
        // Fractions.
        ("a/b", "\\frac{a}{b}"),
        ("(a + b)/(c*d)", "\\frac{a + b}{c \\cdot d}"),
        ("a/b*c", "\\frac{a}{b} \\cdot c"),
        ("-a/b", "\\frac{-a}{b}"),
        ("-(a/b)", "-\\frac{a}{b}"),
        // Powers.
        ("x^2", "x^{2}"),
        ("x^-1", "x^{-1}"),
        ("-x^2", "-x^{2}"),
        ("(-x)^2", "\\left(-x\\right)^{2}"),
        ("2^3^2", "2^{3^{2}}"),
        ("(2^3)^2", "\\left(2^{3}\\right)^{2}"),
        ("(a/b)^2", "\\left(\\frac{a}{b}\\right)^{2}"),
        ("(a + b)^(c + d)", "\\left(a + b\\right)^{c + d}"),
        ("e^(x + 1)", "e^{x + 1}"),
        ("a[m]^2", "a_{m}^{2}"),
        ("W1[i, j]^2", "\\left(W^{(1)}_{ij}\\right)^{2}"),
        ("sigmoid(x)^2", "\\sigma\\left(x\\right)^{2}"),
        // Functions.
        ("sqrt(x + 1)", "\\sqrt{x + 1}"),
        ("abs(x)", "\\left|x\\right|"),
        ("exp(-x)", "\\exp\\left(-x\\right)"),
        ("log(x)", "\\log\\left(x\\right)"),
        ("sin(x) - cos(x)", "\\sin\\left(x\\right) - \\cos\\left(x\\right)"),
        ("tan(x)", "\\tan\\left(x\\right)"),
        ("sinh(x)*cosh(x)", "\\sinh\\left(x\\right) \\cdot \\cosh\\left(x\\right)"),
        ("tanh(x)", "\\tanh\\left(x\\right)"),
        ("max(a, b) - min(a, 0)", "\\max\\left(a, b\\right) - \\min\\left(a, 0\\right)"),
        ("sigmoid(x)", "\\sigma\\left(x\\right)"),
        ("relu(x)", "\\operatorname{relu}\\left(x\\right)"),
        ("step(x)", "\\operatorname{step}\\left(x\\right)"),
        ("softplus(x)", "\\operatorname{softplus}\\left(x\\right)"),
        ("sign(x)", "\\operatorname{sign}\\left(x\\right)"),
        ("logsumexp(z)", "\\operatorname{logsumexp}\\left(z\\right)"),
        ("softmax(z)[i]", "\\operatorname{softmax}\\left(z\\right)_{i}"),
        ("delta(i, j)", "\\delta_{ij}"),
        ("delta(i, j + 1)", "\\delta_{i,j + 1}"),
        ("delta(i, j)[k]", "\\left(\\delta_{ij}\\right)_{k}"),
        // Sums.
        ("sum(i, x[i])", "\\sum_{i} x_{i}"),
        ("sum(i, x[i] + y[i])", "\\sum_{i} \\left(x_{i} + y_{i}\\right)"),
        ("sum(i, x[i]*y[i])", "\\sum_{i} x_{i} \\cdot y_{i}"),
        ("sum(i, -x[i])", "\\sum_{i} \\left(-x_{i}\\right)"),
        ("sum(i, x[i])*b", "\\left(\\sum_{i} x_{i}\\right) \\cdot b"),
        ("-sum(i, x[i])*b", "\\left(-\\sum_{i} x_{i}\\right) \\cdot b"),
        ("a*sum(i, x[i])*b", "\\left(a \\cdot \\sum_{i} x_{i}\\right) \\cdot b"),
        ("a*sum(i, x[i])", "a \\cdot \\sum_{i} x_{i}"),
        ("2*sum(i, x[i])", "2 \\sum_{i} x_{i}"),
        ("sum(i, x[i]) + b", "\\sum_{i} x_{i} + b"),
        ("sum(i, x[i])^2", "\\left(\\sum_{i} x_{i}\\right)^{2}"),
        ("sum(i, sum(j, W[i, j]))", "\\sum_{i} \\sum_{j} W_{ij}"),
        ("sum(i = 1..len(z), delta(i, 7))", "\\sum_{i=1}^{\\operatorname{len}\\left(z\\right)} \\delta_{i7}"),
        // Indices.
        ("z[k]", "z_{k}"),
        ("W[i, j]", "W_{ij}"),
        ("W[i, 2]", "W_{i2}"),
        ("W[i, 10]", "W_{i,10}"),
        ("W[i, j + 1]", "W_{i,j + 1}"),
        ("W[alpha, j]", "W_{\\alpha,j}"),
        // Names.
        ("alpha*eta + lambda", "\\alpha \\cdot \\eta + \\lambda"),
        ("theta + mu + nu + xi + rho", "\\theta + \\mu + \\nu + \\xi + \\rho"),
        ("sigma + tau + beta + gamma", "\\sigma + \\tau + \\beta + \\gamma"),
        ("epsilon + phi + omega + zeta", "\\epsilon + \\phi + \\omega + \\zeta"),
        ("pi", "\\pi"),
        ("yhat", "\\hat{y}"),
        ("yhat[i]", "\\hat{y}_{i}"),
        ("thetahat", "\\hat{\\theta}"),
        ("out[n]", "\\mathrm{out}_{n}"),
        ("learning_rate", "\\mathrm{learning\\_rate}"),
        ("W1[i, j]", "W^{(1)}_{ij}"),
        ("x1", "x_{1}"),
        ("x_2", "x_{2}"),
        ("h12[k]", "h^{(12)}_{k}"),
        ("alpha2", "\\alpha_{2}"),
        ("out2[n]", "\\mathrm{out}^{(2)}_{n}"),
        // Numbers.
        ("0.1", "0.1"),
        ("1e-12", "10^{-12}"),
        ("1.5e-12*x", "1.5 \\times 10^{-12} \\cdot x"),
        ("x*1.5e-12", "x \\cdot \\left(1.5 \\times 10^{-12}\\right)"),
        ("x^1e-12", "x^{10^{-12}}"),
        ("25", "25"),
    ];

    #[test]
    fn table() {
        let failures: Vec<String> = CASES
            .iter()
            .filter_map(|(input, expected)| {
                let e = parse_expr(input).unwrap_or_else(|err| panic!("{input}: {err}"));
                let got = to_latex(&e);
                (got != *expected).then(|| format!("{input}: got {got}, expected {expected}"))
            })
            .collect();
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    fn frac(p: i64, q: i64) -> Expr {
        Expr::num(BigRational::new(BigInt::from(p), BigInt::from(q)))
    }

    /// Trees the parser never builds: negative and non-decimal number literals, reserved names.
    #[test]
    fn built_trees() {
        let x = Expr::var("x");
        let cases = [
            (frac(1, 3), "\\frac{1}{3}"),
            (frac(-1, 3), "-\\frac{1}{3}"),
            (Expr::int(-2), "-2"),
            (frac(-1, 2), "-0.5"),
            (Expr::binary(BinOp::Pow, frac(1, 3), x.clone()), "\\left(\\frac{1}{3}\\right)^{x}"),
            (Expr::binary(BinOp::Pow, Expr::int(-2), x.clone()), "\\left(-2\\right)^{x}"),
            (Expr::binary(BinOp::Add, x.clone(), Expr::int(-2)), "x + \\left(-2\\right)"),
            (Expr::binary(BinOp::Mul, frac(1, 3), x.clone()), "\\frac{1}{3} \\cdot x"),
            (Expr::binary(BinOp::Mul, Expr::int(2), frac(1, 3)), "2 \\cdot \\frac{1}{3}"),
            (Expr::new(Node::Neg(Box::new(Expr::int(-2)))), "-\\left(-2\\right)"),
            (Expr::var("delta"), "\\delta"),
        ];
        for (e, expected) in cases {
            assert_eq!(to_latex(&e), expected, "{e:?}");
        }
    }
}
