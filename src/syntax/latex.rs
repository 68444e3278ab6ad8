//! The LaTeX printer: renders an expression as math-mode LaTeX with minimal grouping, and the
//! labels and chains of a worked derivation.
//!
//! Grouping follows the precedence of the canonical printer ([`crate::syntax::print`]), adapted to
//! LaTeX's own forms: `\frac`, `\sqrt` and superscripts hold their operands in braces, so
//! those never need parentheses. Parentheses grow (`\left( ... \right)`) only around a tall
//! construct (a fraction, a sum, a root); around a flat one they are plain, so that no gap opens
//! after a function name (`\sigma(x)`). A `\sum_{i}` binds like a power on its left but is
//! open on its right: it is grouped when a factor follows it. A minus sign is never written
//! straight after `+`, `-`, `\cdot`, `\sum_{i}` or another minus. A plain number before a
//! symbol is juxtaposed (`2 x`); every other product is written with `\cdot`. The Kronecker delta
//! is written as [`LatexStyle`] says: by default the Iverson bracket `[i = k]`, so that it cannot
//! be mistaken for backprop's δ.

use crate::syntax::ast::{BinOp, Expr, Func, Node, Statement};
use crate::syntax::latex_width::approximate_width;
use crate::syntax::print::{decimal_digits, number_text, Prec};
use num_rational::BigRational;
use num_traits::Signed;

/// How the Kronecker delta `delta(i, k)` is typeset.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DeltaStyle {
    /// The Iverson bracket `[i = k]`.
    #[default]
    Iverson,
    /// The indicator `\mathbf{1}_{i = k}` (bold: `\mathbb{1}` has no glyph in KaTeX, nor in
    /// pdflatex's `amssymb`).
    Indicator,
    /// The Kronecker delta `\delta_{ik}`, which looks like backprop's δ.
    Kronecker,
}

/// Choices of notation for the LaTeX printer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LatexStyle {
    /// How `delta(i, k)` is written.
    pub delta: DeltaStyle,
}

/// Renders an expression as LaTeX math (without the surrounding `$`), in the default style.
pub fn to_latex(e: &Expr) -> String {
    to_latex_with(e, LatexStyle::default())
}

/// Renders an expression as LaTeX math (without the surrounding `$`) in the given style.
pub fn to_latex_with(e: &Expr, style: LatexStyle) -> String {
    Printer { style }.latex(e)
}

/// Renders an expression or an equation (`l = r`) as LaTeX math.
pub fn statement_latex(s: &Statement, style: LatexStyle) -> String {
    match s {
        Statement::Expr(e) => to_latex_with(e, style),
        Statement::Equation(l, r) => format!("{} = {}", to_latex_with(l, style), to_latex_with(r, style)),
    }
}

/// `\frac{\partial}{\partial x} e`: the derivative of `e` with respect to `wrt`, not yet worked
/// out; `e` is grouped unless it is a single factor (a name, a call, a power, a fraction).
pub fn derivative_latex(e: &Expr, wrt: &Expr, style: LatexStyle) -> String {
    let printer = Printer { style };
    let piece = printer.render(e);
    let operand = if piece.prec < Prec::Power || piece.open || piece.text.starts_with('-') {
        parens(&piece.text)
    } else {
        piece.text
    };
    format!("\\frac{{\\partial}}{{\\partial {}}} {operand}", printer.latex(wrt))
}

/// The expression's LaTeX in lines, broken before a `+` or `-` between its outermost terms
/// where a line would grow wider than about `budget` letters
/// ([`crate::syntax::latex_width::approximate_width`]); nothing inside a
/// term is broken. Joined by spaces, the lines are [`to_latex_with`]'s text.
pub fn to_latex_lines(e: &Expr, style: LatexStyle, budget: f64) -> Vec<String> {
    let printer = Printer { style };
    let mut lines: Vec<String> = vec![];
    let mut width = 0.0;
    for (op, term) in outer_terms(e) {
        let term_width = approximate_width(term, style);
        let text = match op {
            None => printer.latex(term),
            Some(op) => format!("{} {}", op.symbol(), printer.place(term, Slot::Term).text),
        };
        match lines.last_mut() {
            Some(line) if width + term_width <= budget => {
                line.push(' ');
                line.push_str(&text);
                width += term_width;
            }
            _ => {
                lines.push(text);
                width = term_width;
            }
        }
    }
    lines
}

/// The outermost terms of a sum or difference, left to right, each with the operator before it.
fn outer_terms(e: &Expr) -> Vec<(Option<BinOp>, &Expr)> {
    match &e.node {
        Node::Binary(op @ (BinOp::Add | BinOp::Sub), a, b) => {
            let mut terms = outer_terms(a);
            terms.push((Some(*op), b));
            terms
        }
        _ => vec![(None, e)],
    }
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

/// Constructs taller than a line of text, which need parentheses that grow with them.
const TALL: [&str; 5] = ["\\frac", "\\sum", "\\sqrt", "\\left", "\\begin"];

/// `text` in parentheses: `\left( ... \right)` around a tall construct, plain `( ... )` (without
/// the gap `\left` leaves after a function name) around a flat one.
pub(crate) fn parens(text: &str) -> String {
    if TALL.iter().any(|tall| text.contains(tall)) {
        format!("\\left({text}\\right)")
    } else {
        format!("({text})")
    }
}

/// The printer, with its style.
#[derive(Clone, Copy)]
struct Printer {
    style: LatexStyle,
}

impl Printer {
    fn latex(self, e: &Expr) -> String {
        self.render(e).text
    }

    fn place(self, e: &Expr, slot: Slot) -> Piece {
        let piece = self.render(e);
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

    fn render(self, e: &Expr) -> Piece {
        match &e.node {
            Node::Num(n) => number(n),
            Node::Pi => Piece::new("\\pi".to_string(), Prec::Atom),
            Node::Var(name) => Piece::new(name_text(name, false), Prec::Atom),
            Node::Index(base, indices) => {
                let base = match &base.node {
                    Node::Var(name) => name_text(name, true),
                    Node::Call(func, _) if *func != Func::Delta => self.latex(base),
                    _ => parens(&self.latex(base)),
                };
                Piece::new(format!("{base}_{{{}}}", self.subscript(indices)), Prec::Atom)
            }
            Node::Neg(inner) => {
                let inner = self.place(inner, Slot::Operand);
                Piece { text: format!("-{}", inner.text), prec: Prec::Unary, open: inner.open }
            }
            Node::Binary(op @ (BinOp::Add | BinOp::Sub), a, b) => {
                let b = self.place(b, Slot::Term);
                let text = format!("{} {} {}", self.latex(a), op.symbol(), b.text);
                Piece { text, prec: Prec::Sum, open: b.open }
            }
            Node::Binary(BinOp::Mul, a, b) => {
                let a = self.place(a, Slot::Factor);
                let b = self.place(b, Slot::Operand);
                let plain_number = a.text.chars().all(|c| c.is_ascii_digit() || c == '.');
                let symbol_next = !b.text.starts_with(|c: char| c.is_ascii_digit()) && !b.text.starts_with("\\frac");
                let sep = if plain_number && symbol_next { " " } else { " \\cdot " };
                Piece { text: format!("{}{sep}{}", a.text, b.text), prec: Prec::Product, open: b.open }
            }
            Node::Binary(BinOp::Div, a, b) => {
                Piece::new(format!("\\frac{{{}}}{{{}}}", self.latex(a), self.latex(b)), Prec::Power)
            }
            Node::Binary(BinOp::Pow, a, b) => {
                Piece::new(format!("{}^{{{}}}", self.place(a, Slot::Base).text, self.latex(b)), Prec::Power)
            }
            Node::Call(Func::Transpose, args) => {
                let base = args.first().map_or_else(String::new, |a| self.place(a, Slot::Base).text);
                Piece::new(format!("{base}^{{\\top}}"), Prec::Power)
            }
            Node::Call(func @ (Func::MatMul | Func::Hadamard), args) if args.len() == 2 => {
                let a = self.place(&args[0], Slot::Factor);
                let b = self.place(&args[1], Slot::Operand);
                let sep = if *func == Func::MatMul { " " } else { " \\odot " };
                Piece { text: format!("{}{sep}{}", a.text, b.text), prec: Prec::Product, open: b.open }
            }
            Node::Call(Func::Eye, _) => Piece::new("I".to_string(), Prec::Atom),
            Node::Call(Func::Ones, _) => Piece::new("\\mathbf{1}".to_string(), Prec::Atom),
            Node::Call(Func::Norm2, args) => {
                let list = args.iter().map(|a| self.latex(a)).collect::<Vec<_>>().join(", ");
                Piece::new(format!("\\left\\lVert {list} \\right\\rVert_2"), Prec::Atom)
            }
            Node::Call(func, args) => Piece::new(self.call(*func, args), Prec::Atom),
            Node::Apply(name, args) => {
                let list = args.iter().map(|a| self.latex(a)).collect::<Vec<_>>().join(", ");
                Piece::new(format!("{}\\left({list}\\right)", applied_name(name)), Prec::Atom)
            }
            Node::Array(items) => Piece::new(self.array(items), Prec::Atom),
            Node::Reduce(op, index, count, body) => {
                let body = self.place(body, Slot::Term).text;
                let index = name_text(index, false);
                let op = op.name();
                let text = match count {
                    Some(n) => format!("\\{op}_{{{index}=1}}^{{{}}} {body}", self.latex(n)),
                    None => format!("\\{op}_{{{index}}} {body}"),
                };
                Piece { text, prec: Prec::Power, open: true }
            }
        }
    }

    fn call(self, func: Func, args: &[Expr]) -> String {
        let list = args.iter().map(|a| self.latex(a)).collect::<Vec<_>>().join(", ");
        let operator = match func {
            Func::Sqrt => return format!("\\sqrt{{{list}}}"),
            Func::Abs => return format!("\\left|{list}\\right|"),
            Func::Delta => return self.delta(args),
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
            _ => {
                format!("\\operatorname{{{}}}", func.name())
            }
        };
        format!("{operator}{}", parens(&list))
    }

    /// `delta(i, k)` in the chosen style: `[i = k]`, `\mathbf{1}_{i = k}` or `\delta_{ik}`.
    fn delta(self, args: &[Expr]) -> String {
        let equality = || args.iter().map(|a| self.latex(a)).collect::<Vec<_>>().join(" = ");
        match self.style.delta {
            DeltaStyle::Iverson => format!("[{}]", equality()),
            DeltaStyle::Indicator => format!("\\mathbf{{1}}_{{{}}}", equality()),
            DeltaStyle::Kronecker => format!("\\delta_{{{}}}", self.subscript(args)),
        }
    }

    /// An array literal as a `bmatrix`: a vector as one column, a matrix row by row.
    fn array(self, items: &[Expr]) -> String {
        let row = |e: &Expr| match &e.node {
            Node::Array(cells) => cells.iter().map(|c| self.latex(c)).collect::<Vec<_>>().join(" & "),
            _ => self.latex(e),
        };
        let rows: Vec<String> = items.iter().map(row).collect();
        format!("\\begin{{bmatrix}} {} \\end{{bmatrix}}", line_breaks(&rows))
    }

    /// The contents of a subscript: `ij` when every index is one letter or digit, else `i,k + 1`.
    fn subscript(self, indices: &[Expr]) -> String {
        let parts: Vec<String> = indices.iter().map(|i| self.latex(i)).collect();
        let single = parts.iter().all(|p| p.len() == 1 && p.chars().all(|c| c.is_ascii_alphanumeric()));
        parts.join(if single { "" } else { "," })
    }
}

/// Rows joined by `\\`; a row that starts with `[` (an Iverson bracket) is preceded by `{}`, so
/// that `\\` does not read it as its optional spacing argument.
fn line_breaks(rows: &[String]) -> String {
    let guarded: Vec<String> =
        rows.iter().map(|r| if r.starts_with('[') { format!("{{}}{r}") } else { r.clone() }).collect();
    guarded.join(" \\\\ ")
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

/// A declared function's name: `f`, `f'`, `d_1 g` as `\\partial_{1} g`.
fn applied_name(name: &str) -> String {
    name.split(' ')
        .map(|part| match part.strip_prefix("d_") {
            Some(k) if k.chars().all(|c| c.is_ascii_digit()) => format!("\\partial_{{{k}}}"),
            _ => {
                let base = part.trim_end_matches('\'');
                format!("{}{}", name_text(base, false), &part[base.len()..])
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
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
    use super::{derivative_latex, to_latex, to_latex_lines, to_latex_with, DeltaStyle, LatexStyle};
    use crate::syntax::ast::{BinOp, Expr, Node};
    use crate::syntax::parse::parse_expr;
    use num_bigint::BigInt;
    use num_rational::BigRational;

    /// Input in the expression language, and its expected LaTeX.
    const CASES: &[(&str, &str)] = &[
        // Grouping of sums, products and minus signs.
        ("a - (b - c)", "a - (b - c)"),
        ("a - b - c", "a - b - c"),
        ("a*(b + c)", "a \\cdot (b + c)"),
        ("(a + b)*c", "(a + b) \\cdot c"),
        ("a*b*c", "a \\cdot b \\cdot c"),
        ("a*(b*c)", "a \\cdot (b \\cdot c)"),
        ("-x", "-x"),
        ("- - x", "-(-x)"),
        ("-(a*b)", "-(a \\cdot b)"),
        ("-a*b", "-a \\cdot b"),
        ("a + -b", "a + (-b)"),
        ("a*-b", "a \\cdot (-b)"),
        ("a - -b*c", "a - (-b \\cdot c)"),
        // Juxtaposition of a leading number.
        ("2*x", "2 x"),
        ("2*x*y", "2 x \\cdot y"),
        ("0.5*(a + b)", "0.5 (a + b)"),
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
        ("(-x)^2", "(-x)^{2}"),
        ("2^3^2", "2^{3^{2}}"),
        ("(2^3)^2", "(2^{3})^{2}"),
        ("(a/b)^2", "\\left(\\frac{a}{b}\\right)^{2}"),
        ("(a + b)^(c + d)", "(a + b)^{c + d}"),
        ("e^(x + 1)", "e^{x + 1}"),
        ("a[m]^2", "a_{m}^{2}"),
        ("W1[i, j]^2", "(W^{(1)}_{ij})^{2}"),
        ("sigmoid(x)^2", "\\sigma(x)^{2}"),
        // Functions.
        ("sqrt(x + 1)", "\\sqrt{x + 1}"),
        ("abs(x)", "\\left|x\\right|"),
        ("exp(-x)", "\\exp(-x)"),
        ("log(x)", "\\log(x)"),
        ("sin(x) - cos(x)", "\\sin(x) - \\cos(x)"),
        ("tan(x)", "\\tan(x)"),
        ("sinh(x)*cosh(x)", "\\sinh(x) \\cdot \\cosh(x)"),
        ("tanh(x)", "\\tanh(x)"),
        ("max(a, b) - min(a, 0)", "\\max(a, b) - \\min(a, 0)"),
        ("sigmoid(x)", "\\sigma(x)"),
        ("sigmoid(x/2)", "\\sigma\\left(\\frac{x}{2}\\right)"),
        ("exp(sum(i, z[i]))", "\\exp\\left(\\sum_{i} z_{i}\\right)"),
        ("log(abs(x))", "\\log\\left(\\left|x\\right|\\right)"),
        ("relu(x)", "\\operatorname{relu}(x)"),
        ("step(x)", "\\operatorname{step}(x)"),
        ("softplus(x)", "\\operatorname{softplus}(x)"),
        ("sign(x)", "\\operatorname{sign}(x)"),
        ("logsumexp(z)", "\\operatorname{logsumexp}(z)"),
        ("softmax(z)[i]", "\\operatorname{softmax}(z)_{i}"),
        ("delta(i, j)", "[i = j]"),
        ("delta(i, j + 1)", "[i = j + 1]"),
        ("delta(i, j)[k]", "([i = j])_{k}"),
        // Sums.
        ("sum(i, x[i])", "\\sum_{i} x_{i}"),
        ("sum(i, x[i] + y[i])", "\\sum_{i} (x_{i} + y_{i})"),
        ("sum(i, x[i]*y[i])", "\\sum_{i} x_{i} \\cdot y_{i}"),
        ("sum(i, -x[i])", "\\sum_{i} (-x_{i})"),
        ("sum(i, x[i])*b", "\\left(\\sum_{i} x_{i}\\right) \\cdot b"),
        ("-sum(i, x[i])*b", "\\left(-\\sum_{i} x_{i}\\right) \\cdot b"),
        ("a*sum(i, x[i])*b", "\\left(a \\cdot \\sum_{i} x_{i}\\right) \\cdot b"),
        ("a*sum(i, x[i])", "a \\cdot \\sum_{i} x_{i}"),
        ("2*sum(i, x[i])", "2 \\sum_{i} x_{i}"),
        ("sum(i, x[i]) + b", "\\sum_{i} x_{i} + b"),
        ("sum(i, x[i])^2", "\\left(\\sum_{i} x_{i}\\right)^{2}"),
        ("sum(i, sum(j, W[i, j]))", "\\sum_{i} \\sum_{j} W_{ij}"),
        ("sum(i = 1..len(z), delta(i, 7))", "\\sum_{i=1}^{\\operatorname{len}(z)} [i = 7]"),
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
        ("x*1.5e-12", "x \\cdot (1.5 \\times 10^{-12})"),
        ("x^1e-12", "x^{10^{-12}}"),
        ("25", "25"),
    ];

    #[test]
    fn delta_styles() {
        let cases = [
            ("delta(i, k)", ["[i = k]", "\\mathbf{1}_{i = k}", "\\delta_{ik}"]),
            ("2*delta(i, k + 1)", ["2 [i = k + 1]", "2 \\mathbf{1}_{i = k + 1}", "2 \\delta_{i,k + 1}"]),
            ("delta(i, k)^2", ["[i = k]^{2}", "\\mathbf{1}_{i = k}^{2}", "\\delta_{ik}^{2}"]),
        ];
        let styles = [DeltaStyle::Iverson, DeltaStyle::Indicator, DeltaStyle::Kronecker];
        for (input, expected) in cases {
            let e = parse_expr(input).unwrap();
            for (delta, expected) in styles.into_iter().zip(expected) {
                assert_eq!(to_latex_with(&e, LatexStyle { delta }), expected, "{input} {delta:?}");
            }
        }
        assert_eq!(to_latex(&parse_expr("delta(i, k)").unwrap()), "[i = k]", "the default is Iverson's");
    }

    /// A matrix row that starts with an Iverson bracket is not read as `\\`'s spacing argument.
    #[test]
    fn a_bracket_never_follows_a_line_break() {
        let e = parse_expr("[[delta(i, j), 1], [delta(j, i), 0]]").unwrap();
        assert_eq!(to_latex(&e), "\\begin{bmatrix} {}[i = j] & 1 \\\\ {}[j = i] & 0 \\end{bmatrix}");
    }

    #[test]
    fn a_derivative_groups_all_but_a_single_factor() {
        let x = Expr::var("x");
        let d = |src: &str| derivative_latex(&parse_expr(src).unwrap(), &x, LatexStyle::default());
        assert_eq!(d("sigmoid(x)"), "\\frac{\\partial}{\\partial x} \\sigma(x)");
        assert_eq!(d("x^2"), "\\frac{\\partial}{\\partial x} x^{2}");
        assert_eq!(d("2*x"), "\\frac{\\partial}{\\partial x} (2 x)");
        assert_eq!(d("-x"), "\\frac{\\partial}{\\partial x} (-x)");
        assert_eq!(d("sum(i, x*z[i])"), "\\frac{\\partial}{\\partial x} \\left(\\sum_{i} x \\cdot z_{i}\\right)");
    }

    #[test]
    fn long_sums_break_between_their_terms() {
        let e = parse_expr("a - (b + c)*d + sum(i, x[i]) - e").unwrap();
        let one = to_latex_lines(&e, LatexStyle::default(), 100.0);
        assert_eq!(one, vec![to_latex(&e)]);
        let lines = to_latex_lines(&e, LatexStyle::default(), 8.0);
        assert_eq!(lines, vec!["a", "- (b + c) \\cdot d", "+ \\sum_{i} x_{i} - e"]);
        assert_eq!(lines.join(" "), to_latex(&e));
        let product = parse_expr("(a + b)*(c + d)").unwrap();
        assert_eq!(to_latex_lines(&product, LatexStyle::default(), 1.0), vec![to_latex(&product)]);
    }

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
            (Expr::binary(BinOp::Pow, Expr::int(-2), x.clone()), "(-2)^{x}"),
            (Expr::binary(BinOp::Add, x.clone(), Expr::int(-2)), "x + (-2)"),
            (Expr::binary(BinOp::Mul, frac(1, 3), x.clone()), "\\frac{1}{3} \\cdot x"),
            (Expr::binary(BinOp::Mul, Expr::int(2), frac(1, 3)), "2 \\cdot \\frac{1}{3}"),
            (Expr::new(Node::Neg(Box::new(Expr::int(-2)))), "-(-2)"),
            (Expr::var("delta"), "\\delta"),
        ];
        for (e, expected) in cases {
            assert_eq!(to_latex(&e), expected, "{e:?}");
        }
    }
}
