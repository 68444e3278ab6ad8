//! Reading one side of an equation: the LaTeX math subset homework uses, into the AST.
//!
//! Juxtaposition, `\cdot` and `\times` are the matrix product (`matmul`: a scalar factor
//! scales), `\circ` and `\odot` the entrywise product, `^T` / `^\top` the transpose, a
//! bracketed superscript `^{[2]}` or `^{(2)}` a layer and a subscript part of a name
//! (`w_1`, `x_{new}`), `e^{x}` the exponential, `\frac{\partial E}{\partial w}` a name
//! (the gradient) inside an expression and a derivative claim as a whole side.

use super::split::command_at;
use super::LatexError;
use crate::syntax::ast::{BinOp, Expr, Func, Node, Reduce, Span};
use nom::character::complete::digit1;
use nom::combinator::{opt, recognize};
use nom::sequence::pair;
use nom::{IResult, Parser};
use num_bigint::BigInt;
use num_rational::BigRational;

/// A side of an equation, read.
#[derive(Clone, Debug, PartialEq)]
pub enum Side {
    /// An expression.
    Expr(Expr),
    /// A derivative, `\frac{d}{dx}\sigma(x)` or `\frac{\partial E}{\partial z_k}`: of what, by what.
    Derivative {
        /// What is differentiated.
        of: Expr,
        /// The variable.
        wrt: Expr,
    },
}

/// How deeply groups may nest before the reader gives up (a clear error, never a stack overflow).
const MAX_DEPTH: usize = 64;

/// Greek letters and other symbol commands that are names.
const SYMBOLS: [(&str, &str); 26] = [
    ("alpha", "α"),
    ("beta", "β"),
    ("gamma", "γ"),
    ("delta", "δ"),
    ("epsilon", "ε"),
    ("varepsilon", "ε"),
    ("zeta", "ζ"),
    ("eta", "η"),
    ("theta", "θ"),
    ("kappa", "κ"),
    ("lambda", "λ"),
    ("mu", "μ"),
    ("nu", "ν"),
    ("xi", "ξ"),
    ("rho", "ρ"),
    ("tau", "τ"),
    ("phi", "φ"),
    ("varphi", "φ"),
    ("chi", "χ"),
    ("psi", "ψ"),
    ("omega", "ω"),
    ("ell", "ℓ"),
    ("Delta", "Δ"),
    ("Sigma", "Σ"),
    ("Theta", "Θ"),
    ("Phi", "Φ"),
];

/// Decorations that change a name: `\hat{y}` is `ŷ`.
const ACCENTS: [(&str, &str); 5] =
    [("hat", "\u{302}"), ("widehat", "\u{302}"), ("bar", "\u{304}"), ("overline", "\u{304}"), ("tilde", "\u{303}")];

/// Styles that do not change a name (`\mathbf{x}` is `x`).
const STYLES: [&str; 6] = ["mathbf", "boldsymbol", "bm", "vec", "mathit", "mathnormal"];

/// Commands read as white space.
const SPACES: [&str; 12] = [
    "\\,",
    "\\;",
    "\\:",
    "\\!",
    "\\ ",
    "\\displaystyle",
    "\\big",
    "\\Big",
    "\\bigg",
    "\\Bigg",
    "\\limits",
    "\\nonumber",
];

/// Reads one side of an equation.
pub fn read_side(text: &str) -> Result<Side, LatexError> {
    let mut reader = Reader { src: text, pos: 0, depth: 0, row_gaps: false, cells: false };
    if let Some(side) = reader.derivative_side()? {
        return Ok(side);
    }
    let e = reader.sum()?;
    reader.skip_space();
    if reader.pos < text.len() {
        return Err(reader.unexpected());
    }
    Ok(Side::Expr(e))
}

type R<T> = Result<T, LatexError>;

struct Reader<'a> {
    src: &'a str,
    pos: usize,
    depth: usize,
    /// Inside `[1 \ 1 \ 0]`: `\ ` separates entries instead of being a space.
    row_gaps: bool,
    /// Inside a matrix environment: `&` separates cells instead of being a space.
    cells: bool,
}

impl<'a> Reader<'a> {
    fn rest(&self) -> &'a str {
        &self.src[self.pos..]
    }

    fn skip_space(&mut self) {
        loop {
            let rest = self.rest();
            let cells = self.cells;
            let trimmed = rest.trim_start_matches(|c: char| c.is_whitespace() || (c == '&' && !cells));
            self.pos += rest.len() - trimmed.len();
            let rest = self.rest();
            match SPACES.iter().find(|s| rest.starts_with(**s) && !(self.row_gaps && **s == "\\ ")) {
                Some(s) if !rest[s.len()..].starts_with(|c: char| c.is_ascii_alphabetic()) || s.len() == 2 => {
                    self.pos += s.len()
                }
                _ => return,
            }
        }
    }

    fn error(&self, message: impl Into<String>, span: Span) -> LatexError {
        LatexError::new(message, span)
    }

    fn unexpected(&self) -> LatexError {
        let rest = self.rest();
        let len =
            if rest.starts_with('\\') { command_at(rest).len() } else { rest.chars().next().map_or(0, char::len_utf8) };
        let found = &rest[..len];
        let what = if found.starts_with('\\') {
            format!("unsupported LaTeX `{found}`")
        } else {
            format!("unexpected `{found}`")
        };
        self.error(what, self.pos..self.pos + len)
    }

    fn eat(&mut self, token: &str) -> bool {
        self.skip_space();
        let rest = self.rest();
        let is_command = token.starts_with('\\') && token[1..].starts_with(|c: char| c.is_ascii_alphabetic());
        if rest.starts_with(token)
            && !(is_command && rest[token.len()..].starts_with(|c: char| c.is_ascii_alphabetic()))
        {
            self.pos += token.len();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, token: &str) -> R<()> {
        if self.eat(token) {
            Ok(())
        } else if self.rest().is_empty() {
            Err(self.error(format!("expected `{token}` before the end"), self.pos..self.pos))
        } else {
            let mut err = self.unexpected();
            err.message = format!("expected `{token}`: {}", err.message);
            Err(err)
        }
    }

    fn nested<T>(&mut self, read: impl FnOnce(&mut Self) -> R<T>) -> R<T> {
        if self.depth >= MAX_DEPTH {
            return Err(self.error(format!("nested more than {MAX_DEPTH} levels deep"), self.pos..self.src.len()));
        }
        self.depth += 1;
        let result = read(self);
        self.depth -= 1;
        result
    }

    fn spanned(&self, node: Node, start: usize) -> Expr {
        Expr::spanned(node, start..self.pos)
    }

    /// A whole side that is a derivative: `\frac{d}{dx} f`, `\frac{d f}{dx}`, `\frac{\partial E}{\partial z}`.
    fn derivative_side(&mut self) -> R<Option<Side>> {
        let start = self.pos;
        let Some((of, wrt)) = self.derivative()? else { return Ok(None) };
        let of = match of {
            Some(of) => of,
            None => self.nested(Self::product)?,
        };
        self.skip_space();
        if self.pos < self.src.len() {
            // `\frac{\partial E}{\partial z} \frac{\partial z}{\partial w}`: an expression of gradients.
            self.pos = start;
            return Ok(None);
        }
        Ok(Some(Side::Derivative { of, wrt }))
    }

    /// `\frac{d ...}{d x}` or `\frac{\partial ...}{\partial x}` at the reader: what is
    /// differentiated (`None` when the numerator is `d` alone) and by what.
    fn derivative(&mut self) -> R<Option<(Option<Expr>, Expr)>> {
        let start = self.pos;
        if !(self.eat("\\frac") || self.eat("\\dfrac") || self.eat("\\tfrac")) {
            return Ok(None);
        }
        let numerator_start = self.pos;
        self.expect("{")?;
        let operator = |r: &mut Self| r.eat("\\partial") || r.eat("d");
        if !operator(self) {
            self.pos = start;
            return Ok(None);
        }
        self.skip_space();
        let of = if self.eat("}") {
            None
        } else {
            let of = self.nested(Self::sum)?;
            self.expect("}")?;
            Some(of)
        };
        self.expect("{")?;
        if !operator(self) {
            self.pos = start;
            return Ok(None);
        }
        let wrt = self.nested(Self::sum)?;
        self.expect("}")?;
        let _ = numerator_start;
        Ok(Some((of, wrt)))
    }

    /// sum = term , { ( "+" | "-" ) , term } ;
    fn sum(&mut self) -> R<Expr> {
        let start = self.pos;
        let mut left = self.product()?;
        loop {
            let op = if self.eat("+") {
                BinOp::Add
            } else if self.eat("-") {
                BinOp::Sub
            } else {
                return Ok(left);
            };
            let right = self.product()?;
            left = self.spanned(Node::Binary(op, Box::new(left), Box::new(right)), start);
        }
    }

    /// product = matrix product , { ( "\\circ" | "\\odot" ) , matrix product } ; the entrywise
    /// product binds less tightly than the matrix product: `f'(z) \circ W^T \delta` is
    /// `f'(z) \circ (W^T \delta)`.
    fn product(&mut self) -> R<Expr> {
        let start = self.pos;
        let mut left = self.matrix_product()?;
        while self.eat("\\circ") || self.eat("\\odot") {
            let right = self.matrix_product()?;
            left = self.spanned(Node::Binary(BinOp::Mul, Box::new(left), Box::new(right)), start);
        }
        Ok(left)
    }

    /// matrix product = unary , { [ "\\cdot" | "\\times" | "/" ] , unary } ; juxtaposition is
    /// the matrix product.
    fn matrix_product(&mut self) -> R<Expr> {
        let start = self.pos;
        let mut left = self.unary()?;
        loop {
            let matrix = self.eat("\\cdot") || self.eat("\\times");
            let divide = !matrix && self.eat("/");
            if !(matrix || divide || self.starts_operand()) {
                return Ok(left);
            }
            if matches!(left.node, Node::Var(_)) && self.rest().starts_with('(') && tuple_follows(self.rest()) {
                // `L(y, \hat{y})`, `g(x_1, x_2)`: a function of several arguments, not a product.
                let end = self.pos + matching_close(self.rest()).map_or(self.rest().len(), |k| k + 1);
                return Err(self.error(
                    format!("`{left}` applied to several arguments: a function this reader does not know"),
                    start..end,
                ));
            }
            let right = self.unary()?;
            let node = if divide {
                Node::Binary(BinOp::Div, Box::new(left), Box::new(right))
            } else {
                Node::Call(Func::MatMul, vec![left, right])
            };
            left = self.spanned(node, start);
        }
    }

    /// Whether an operand starts here (a juxtaposed factor).
    fn starts_operand(&mut self) -> bool {
        self.skip_space();
        let rest = self.rest();
        match rest.chars().next() {
            None => false,
            Some(c) if c.is_alphanumeric() || c == '(' || c == '{' => true,
            Some('[') => !self.row_gaps,
            Some('\\') => {
                let command = command_at(rest);
                let ends_operand = matches!(
                    command,
                    "\\right" | "\\end" | "\\\\" | "\\cdot" | "\\times" | "\\circ" | "\\odot" | "\\quad" | "\\qquad"
                );
                let row_gap = self.row_gaps && command == "\\ ";
                !(ends_operand || row_gap)
            }
            Some(_) => false,
        }
    }

    /// unary = ( "-" | "+" ) , unary | scripted ;
    fn unary(&mut self) -> R<Expr> {
        let start = self.pos;
        if self.eat("-") {
            let inner = self.nested(Self::unary)?;
            return Ok(self.spanned(Node::Neg(Box::new(inner)), start));
        }
        if self.eat("+") {
            return self.nested(Self::unary);
        }
        self.scripted()
    }

    /// An atom with its superscripts (power, transpose, layer) and subscripts (part of a name).
    fn scripted(&mut self) -> R<Expr> {
        self.skip_space();
        let start = self.pos;
        let mut e = self.atom()?;
        loop {
            if self.eat("^") {
                e = self.superscript(e, start)?;
            } else if self.eat("_") {
                let (sub, span) = self.script_text()?;
                e = match &e.node {
                    Node::Var(name) => self.spanned(Node::Var(with_subscript(name, &sub)), start),
                    _ => return Err(self.error("a subscript on something that is not a name", span)),
                };
            } else if self.rest().starts_with('\'') {
                // `f'`: the name of a derivative, which a document's definitions give meaning.
                let Node::Var(name) = &e.node else {
                    return Err(self.error("a prime (') on something that is not a name", self.pos..self.pos + 1));
                };
                self.pos += 1;
                e = self.spanned(Node::Var(format!("{name}'")), start);
                // `f'(z)` is applied at once (a power after it is of the application: `f'(x)^2`);
                // `g'(x, y)`, of several arguments, is left to the product's error.
                self.skip_space();
                let opens = self.rest().starts_with('(') || self.rest().starts_with("\\left(");
                if opens && !tuple_follows(self.rest().trim_start_matches("\\left")) {
                    let argument = self.atom()?;
                    e = self.spanned(Node::Call(Func::MatMul, vec![e, argument]), start);
                }
            } else {
                return Ok(e);
            }
        }
    }

    fn superscript(&mut self, base: Expr, start: usize) -> R<Expr> {
        self.skip_space();
        let script_start = self.pos;
        let (text, _) = self.script_text()?;
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let transpose = |r: &Self, e: Expr| r.spanned(Node::Call(Func::Transpose, vec![e]), start);
        if matches!(compact.as_str(), "T" | "\\top" | "\\intercal" | "\\mathsf{T}" | "\\mathrm{T}" | "\\prime") {
            return Ok(transpose(self, base));
        }
        if let (Node::Var(name), Some((layer, rest))) = (&base.node, layer_of(&compact)) {
            let named = self.spanned(Node::Var(format!("{name}^[{layer}]")), start);
            return match rest {
                "" => Ok(named),
                "T" | "\\top" => Ok(transpose(self, named)),
                _ => Err(self.error(format!("unsupported superscript `{text}`"), script_start..self.pos)),
            };
        }
        // A power (or e^{x}): read the script again as an expression.
        let exponent = read_script_expr(self.src, script_start, self.pos, self.depth)?;
        if matches!(&base.node, Node::Var(name) if name == "e") {
            return Ok(self.spanned(Node::Call(Func::Exp, vec![exponent]), start));
        }
        Ok(self.spanned(Node::Binary(BinOp::Pow, Box::new(base), Box::new(exponent)), start))
    }

    /// The text of a script: `{...}` without its braces, a command, or one character.
    fn script_text(&mut self) -> R<(String, Span)> {
        self.skip_space();
        let start = self.pos;
        let rest = self.rest();
        if rest.starts_with('{') {
            let end = matching_brace(rest).ok_or_else(|| self.error("an unclosed `{`", start..self.src.len()))?;
            self.pos += end + 1;
            return Ok((rest[1..end].to_string(), start..self.pos));
        }
        let len =
            if rest.starts_with('\\') { command_at(rest).len() } else { rest.chars().next().map_or(0, char::len_utf8) };
        if len == 0 {
            return Err(self.error("a script is missing", start..start));
        }
        self.pos += len;
        Ok((rest[..len].to_string(), start..self.pos))
    }

    fn atom(&mut self) -> R<Expr> {
        self.nested(Self::atom_inner)
    }

    fn atom_inner(&mut self) -> R<Expr> {
        self.skip_space();
        let start = self.pos;
        let rest = self.rest();
        let Some(c) = rest.chars().next() else {
            return Err(self.error("an expression is missing", start..start));
        };
        if c.is_ascii_digit() || (c == '.' && rest[1..].starts_with(|d: char| d.is_ascii_digit())) {
            return self.number();
        }
        if c.is_alphabetic() {
            // Three or more letters in a row are a word: a function (`exp`, `softmax`) or a name
            // (`Loss`, `BCE`); fewer are letters multiplied (`xy`).
            let word_len = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
            if word_len >= 3 {
                let word = &rest[..word_len];
                self.pos += word_len;
                return match function_named(word) {
                    Some(func) => self.call(func, start),
                    None => Ok(self.spanned(Node::Var(word.to_string()), start)),
                };
            }
            self.pos += c.len_utf8();
            // `z2`, `W1`: typed for `z_2`, `W_1`.
            let digits = self.rest().bytes().take_while(u8::is_ascii_digit).count();
            if digits > 0 && c.is_ascii_alphabetic() {
                let name = format!("{c}_{}", &self.rest()[..digits]);
                self.pos += digits;
                return Ok(self.spanned(Node::Var(name), start));
            }
            return Ok(self.spanned(Node::Var(c.to_string()), start));
        }
        match c {
            '{' => {
                self.pos += 1;
                let inner = self.sum()?;
                self.expect("}")?;
                Ok(inner)
            }
            '(' => self.bracket(")"),
            '[' => self.bracket("]"),
            '|' => {
                self.pos += 1;
                let inner = self.sum()?;
                self.expect("|")?;
                Ok(self.spanned(Node::Call(Func::Abs, vec![inner]), start))
            }
            '\\' => self.command(),
            _ => Err(self.unexpected()),
        }
    }

    fn number(&mut self) -> R<Expr> {
        let start = self.pos;
        let parsed: IResult<&str, &str> =
            recognize(pair(digit1, opt(pair(nom::character::complete::char('.'), digit1)))).parse(self.rest());
        let text = match parsed {
            Ok((_, text)) => text,
            // `.5`
            Err(_) => {
                let digits = self.rest()[1..].bytes().take_while(u8::is_ascii_digit).count();
                &self.rest()[..1 + digits]
            }
        };
        self.pos += text.len();
        // `2.46e-5`: a decimal exponent written straight after the digits.
        let rest = self.rest();
        let sign = usize::from(rest[1.min(rest.len())..].starts_with(['+', '-']));
        let digits = rest.get(1 + sign..).map_or(0, |r| r.bytes().take_while(u8::is_ascii_digit).count());
        if rest.starts_with(['e', 'E']) && digits > 0 && digits <= 4 {
            let exponent: i32 = rest[1..1 + sign + digits].parse().unwrap_or(0);
            self.pos += 1 + sign + digits;
            let scale = BigRational::from_integer(num_traits::pow(BigInt::from(10), exponent.unsigned_abs() as usize));
            let value = if exponent < 0 { decimal(text) / scale } else { decimal(text) * scale };
            return Ok(self.spanned(Node::Num(value), start));
        }
        Ok(self.spanned(Node::Num(decimal(text)), start))
    }

    /// `[1 \ 1 \ 0]` or `(1 \ 1 \ 0)` (a row), `[1; 1]` (a column), or `[x - y]`, `(x - y)`
    /// (a group); `close` is the closing bracket.
    fn bracket(&mut self, close: &str) -> R<Expr> {
        let start = self.pos;
        self.pos += 1;
        let outer = self.row_gaps;
        self.row_gaps = true;
        let result = self.bracket_items(start, close);
        self.row_gaps = outer;
        result
    }

    fn bracket_items(&mut self, start: usize, close: &str) -> R<Expr> {
        let mut rows = vec![vec![self.sum()?]];
        loop {
            self.skip_space();
            if self.eat(close) {
                break;
            }
            if self.eat(";") || self.eat("\\\\") {
                rows.push(vec![self.sum()?]);
            } else if self.eat(",") || self.eat("\\ ") || self.starts_entry() {
                let item = self.sum()?;
                rows.last_mut().expect("a row").push(item);
            } else if self.rest().is_empty() {
                let open = if close == "]" { "[" } else { "(" };
                return Err(self.error(format!("an unclosed `{open}`"), start..self.pos));
            } else {
                return Err(self.unexpected());
            }
        }
        Ok(self.array(rows, start))
    }

    /// Whether a new entry of a bracketed row starts here after white space (`[1 1 0]`).
    fn starts_entry(&self) -> bool {
        self.rest().starts_with(|c: char| c.is_ascii_digit() || c == '-')
            && self.src[..self.pos].ends_with(char::is_whitespace)
    }

    /// The array of `rows`: one entry is itself, one column a vector, else a matrix by rows.
    fn array(&self, rows: Vec<Vec<Expr>>, start: usize) -> Expr {
        let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
        if rows.len() == 1 && columns == 1 {
            return rows.into_iter().next().and_then(|r| r.into_iter().next()).expect("one entry");
        }
        if columns == 1 {
            return self.spanned(Node::Array(rows.into_iter().flatten().collect()), start);
        }
        let rows = rows.into_iter().map(|r| Expr::spanned(Node::Array(r), start..self.pos)).collect();
        self.spanned(Node::Array(rows), start)
    }

    fn command(&mut self) -> R<Expr> {
        let start = self.pos;
        let command = command_at(self.rest());
        let name = &command[1..];
        if let Some(func) = function_named(name) {
            self.pos += command.len();
            return self.call(func, start);
        }
        if let Some((_, symbol)) = SYMBOLS.iter().find(|(n, _)| *n == name) {
            self.pos += command.len();
            return Ok(self.spanned(Node::Var(symbol.to_string()), start));
        }
        if let Some((_, mark)) = ACCENTS.iter().find(|(n, _)| *n == name) {
            self.pos += command.len();
            let inner = self.atom()?;
            let Node::Var(base) = &inner.node else {
                return Err(self.error(format!("`{command}` over something that is not a name"), start..self.pos));
            };
            return Ok(self.spanned(Node::Var(format!("{base}{mark}")), start));
        }
        if STYLES.contains(&name) {
            self.pos += command.len();
            return self.atom();
        }
        match name {
            "frac" | "dfrac" | "tfrac" => self.fraction(start),
            "sqrt" => {
                self.pos += command.len();
                if self.rest().trim_start().starts_with('[') {
                    return Err(self.error("unsupported: a root other than the square root", start..self.pos));
                }
                let inner = self.atom()?;
                Ok(self.spanned(Node::Call(Func::Sqrt, vec![inner]), start))
            }
            "left" => {
                self.pos += command.len();
                let (open, close) = match self.rest().chars().next() {
                    Some('(') => ("(", "\\right)"),
                    Some('[') => ("[", "\\right]"),
                    Some('|') => ("|", "\\right|"),
                    _ => return Err(self.unexpected()),
                };
                self.pos += 1;
                let inner = self.sum()?;
                self.expect(close)?;
                Ok(if open == "|" { self.spanned(Node::Call(Func::Abs, vec![inner]), start) } else { inner })
            }
            "sum" => self.big_operator(Reduce::Sum, start),
            "prod" => self.big_operator(Reduce::Prod, start),
            "begin" => self.matrix(start),
            "text" | "mathrm" | "operatorname" | "textrm" | "mathit" => {
                self.pos += command.len();
                let (word, span) = self.script_text()?;
                match function_named(word.trim()) {
                    Some(func) => self.call(func, start),
                    None if word.trim().chars().all(char::is_alphanumeric) && !word.trim().is_empty() => {
                        Ok(self.spanned(Node::Var(word.trim().to_string()), start))
                    }
                    None => Err(self.error(format!("unsupported text `{word}`"), span)),
                }
            }
            _ => Err(self.unexpected()),
        }
    }

    /// A function's argument list: `(a)`, `\left(a\right)`, `(a, b)`, or one atom (`\log x`).
    fn call(&mut self, func: Func, start: usize) -> R<Expr> {
        // `\tanh^2(x)` is `tanh(x)^2`.
        let power = if self.eat("^") {
            self.skip_space();
            let script_start = self.pos;
            let _ = self.script_text()?;
            Some(read_script_expr(self.src, script_start, self.pos, self.depth)?)
        } else {
            None
        };
        let call = self.call_arguments(func, start)?;
        Ok(match power {
            Some(p) => self.spanned(Node::Binary(BinOp::Pow, Box::new(call), Box::new(p)), start),
            None => call,
        })
    }

    fn call_arguments(&mut self, func: Func, start: usize) -> R<Expr> {
        if self.rest().starts_with('\'') && func.arity() == 1 {
            // `\sigma'(z)`: the derivative of a function, applied (`sigmoid'` as a name).
            self.pos += 1;
            let name = self.spanned(Node::Var(format!("{}'", func.name())), start);
            // The argument alone: a power after it is of the application (`\sigma'(x)^2`).
            self.skip_space();
            let argument = if self.rest().starts_with('(') || self.rest().starts_with("\\left(") {
                self.atom()?
            } else {
                self.scripted()?
            };
            return Ok(self.spanned(Node::Call(Func::MatMul, vec![name, argument]), start));
        }
        self.skip_space();
        let parenthesized = self.eat("(") || (self.eat("\\left") && self.eat("("));
        let args = if parenthesized {
            let mut args = vec![self.sum()?];
            while self.eat(",") {
                args.push(self.sum()?);
            }
            if !self.eat(")") {
                self.expect("\\right)")?;
            }
            args
        } else if func == Func::Sigmoid && !self.starts_operand() {
            // `\sigma` alone is a name (a standard deviation, say).
            return Ok(self.spanned(Node::Var("σ".to_string()), start));
        } else {
            vec![self.scripted()?]
        };
        if args.len() != func.arity() {
            return Err(self.error(
                format!("{} takes {} argument(s), found {}", func.name(), func.arity(), args.len()),
                start..self.pos,
            ));
        }
        Ok(self.spanned(Node::Call(func, args), start))
    }

    fn fraction(&mut self, start: usize) -> R<Expr> {
        if let Some((of, wrt)) = self.derivative()? {
            let Some(of) = of else {
                return Err(self.error(
                    "a derivative operator inside an expression: write the derivative as the whole side",
                    start..self.pos,
                ));
            };
            return Ok(self.spanned(Node::Var(format!("∂{of}/∂{wrt}")), start));
        }
        self.pos += command_at(self.rest()).len();
        let numerator = self.atom()?;
        let denominator = self.atom()?;
        Ok(self.spanned(Node::Binary(BinOp::Div, Box::new(numerator), Box::new(denominator)), start))
    }

    /// `\sum_{i=1}^{n} body`, `\sum_{i} body`, `\sum_i body` (and `\prod` likewise).
    fn big_operator(&mut self, op: Reduce, start: usize) -> R<Expr> {
        let name = op.name();
        self.pos += 1 + name.len();
        if !self.eat("_") {
            let message = format!("a {name} without its index (`\\{name}_{{i=1}}^{{n}}`)");
            return Err(self.error(message, start..self.pos));
        }
        let (below, span) = self.script_text()?;
        let (index, from) = match below.split_once('=') {
            Some((i, from)) => (i.trim().to_string(), Some(from.trim().to_string())),
            None => (below.trim().to_string(), None),
        };
        if !(index.chars().count() == 1 && index.chars().all(char::is_alphabetic))
            || from.as_deref().is_some_and(|f| f != "1")
        {
            return Err(self.error(format!("unsupported {name}: write `\\{name}_{{i=1}}^{{n}}` or `\\{name}_i`"), span));
        }
        let count = if self.eat("^") {
            let script_start = self.pos;
            let _ = self.script_text()?;
            Some(Box::new(read_script_expr(self.src, script_start, self.pos, self.depth)?))
        } else {
            None
        };
        let body = self.nested(Self::product)?;
        Ok(self.spanned(Node::Reduce(op, index, count, Box::new(body)), start))
    }

    /// `\begin{bmatrix} a & b \\ c & d \end{bmatrix}` (also `pmatrix`, `matrix`).
    fn matrix(&mut self, start: usize) -> R<Expr> {
        let rest = self.rest();
        let env = rest.strip_prefix("\\begin{").and_then(|r| r.split_once('}')).map(|(e, _)| e).unwrap_or("");
        if !matches!(env, "bmatrix" | "pmatrix" | "matrix" | "Bmatrix" | "smallmatrix") {
            let end = (start + "\\begin{".len() + env.len()).min(self.src.len());
            return Err(self.error(format!("unsupported environment `{env}`"), start..end));
        }
        self.pos += "\\begin{".len() + env.len() + 1;
        let end = format!("\\end{{{env}}}");
        let outer = (self.row_gaps, self.cells);
        (self.row_gaps, self.cells) = (false, true);
        let mut rows: Vec<Vec<Expr>> = vec![vec![]];
        let result = loop {
            self.skip_space_keeping_cells();
            if self.eat(&end) {
                break Ok(());
            }
            if self.rest().is_empty() {
                break Err(self.error(format!("`\\begin{{{env}}}` without `{end}`"), start..self.pos));
            }
            if self.eat("\\\\") {
                rows.push(vec![]);
                continue;
            }
            if self.rest().starts_with('&') {
                self.pos += 1;
                continue;
            }
            match self.sum() {
                Ok(cell) => rows.last_mut().expect("a row").push(cell),
                Err(err) => break Err(err),
            }
        };
        (self.row_gaps, self.cells) = outer;
        result?;
        if rows.last().is_some_and(Vec::is_empty) {
            rows.pop();
        }
        let width = rows.first().map_or(0, Vec::len);
        if width == 0 || rows.iter().any(|r| r.len() != width) {
            return Err(self.error("a matrix whose rows have different lengths", start..self.pos));
        }
        Ok(self.array(rows, start))
    }

    /// White space, but not the `&` that separates matrix cells.
    fn skip_space_keeping_cells(&mut self) {
        let rest = self.rest();
        self.pos += rest.len() - rest.trim_start().len();
    }
}

/// The function a command or word names: `\exp`, `\tanh`, `\sigma`, `\operatorname{softmax}`.
pub(super) fn function_named(name: &str) -> Option<Func> {
    match name {
        "sigma" => Some(Func::Sigmoid),
        "ln" => Some(Func::Log),
        "exp" | "log" | "tanh" | "sinh" | "cosh" | "sin" | "cos" | "tan" | "max" | "min" | "softmax" | "relu"
        | "ReLU" | "softplus" | "sigmoid" | "sign" | "sgn" | "erf" => {
            Func::from_name(&name.to_lowercase()).or(if name == "sgn" { Some(Func::Sign) } else { None })
        }
        _ => None,
    }
}

/// A bracketed layer superscript, `[2]`, `(2)`, `[\ell-1]`, `[2]T`: the layer and what follows.
fn layer_of(script: &str) -> Option<(String, &str)> {
    let (open, close) = match script.chars().next()? {
        '[' => ('[', ']'),
        '(' => ('(', ')'),
        _ => return None,
    };
    let end = script.find(close)?;
    let layer = &script[open.len_utf8()..end];
    let layer = layer.replace("\\ell", "ℓ");
    (!layer.is_empty()).then(|| (layer, &script[end + 1..]))
}

/// A name with a subscript: `w` and `1` give `w_1`; braces and spaces are dropped.
fn with_subscript(name: &str, sub: &str) -> String {
    let sub: String = sub.chars().filter(|c| !c.is_whitespace() && *c != '{' && *c != '}').collect();
    match name.split_once("^[") {
        // `x^{[1]}_j`: the subscript goes before the layer.
        Some((base, layer)) => format!("{base}_{sub}^[{layer}"),
        None => format!("{name}_{sub}"),
    }
}

/// The expression in a script `src[start..end]` (`{...}` or one token).
fn read_script_expr(src: &str, start: usize, end: usize, depth: usize) -> R<Expr> {
    let mut inner = Reader { src: &src[..end], pos: start, depth: depth + 1, row_gaps: false, cells: false };
    if inner.depth >= MAX_DEPTH {
        return Err(LatexError::new(format!("nested more than {MAX_DEPTH} levels deep"), start..end));
    }
    let e = inner.scripted_or_group()?;
    inner.skip_space();
    if inner.pos < end {
        return Err(inner.unexpected());
    }
    Ok(e)
}

impl Reader<'_> {
    /// A script's expression: a braced group is a whole sum, else one atom.
    fn scripted_or_group(&mut self) -> R<Expr> {
        self.skip_space();
        if self.rest().starts_with('{') {
            self.pos += 1;
            let e = self.sum()?;
            self.expect("}")?;
            Ok(e)
        } else {
            self.atom()
        }
    }
}

/// Whether the parenthesis at the start of `text` holds a comma at its own level (`(a, b)`).
fn tuple_follows(text: &str) -> bool {
    let Some(end) = matching_close(text) else { return false };
    let mut depth = 0usize;
    text[..end].chars().any(|c| {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        c == ',' && depth == 1
    })
}

/// The position of the `)` that closes the `(` at the start of `text`.
fn matching_close(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (k, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(k);
                }
            }
            _ => {}
        }
    }
    None
}

/// The position of the `}` that closes the `{` at the start of `text`.
fn matching_brace(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut escaped = false;
    for (k, c) in text.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(k);
                }
            }
            _ => {}
        }
    }
    None
}

/// The exact value of a decimal literal (`0.5498`).
fn decimal(text: &str) -> BigRational {
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    let digits: BigInt = format!("{int}{frac}").parse().unwrap_or_default();
    BigRational::new(digits, num_traits::pow(BigInt::from(10), frac.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expr(text: &str) -> String {
        match read_side(text) {
            Ok(Side::Expr(e)) => e.to_string(),
            Ok(Side::Derivative { of, wrt }) => format!("d/d{wrt} {of}"),
            Err(err) => format!("error: {err} at {:?}", err.span),
        }
    }

    #[test]
    fn matrices_vectors_and_products() {
        assert_eq!(
            expr("\\begin{bmatrix} 0.1 & 0.2 \\\\ 0.3 & 0.4 \\end{bmatrix} \\begin{bmatrix} 1 \\\\ 2 \\end{bmatrix} + \\begin{bmatrix} 0 \\\\ 0 \\end{bmatrix}"),
            "matmul([[0.1, 0.2], [0.3, 0.4]], [1, 2]) + [0, 0]"
        );
        assert_eq!(expr("[1 \\ 1 \\ 0]^T"), "[[1, 1, 0]]'");
        assert_eq!(expr("[1;1;1]"), "[1, 1, 1]");
        assert_eq!(expr("(2.5 \\ 0.5)"), "[[2.5, 0.5]]");
        assert_eq!(expr("2.5e-3 e^{2}"), "matmul(0.0025, exp(2))");
        assert_eq!(expr("W2 x1 + 2x"), "matmul(W_2, x_1) + matmul(2, x)");
        assert_eq!(expr("(x - 1)(2)"), "matmul(x - 1, 2)");
        assert_eq!(expr("w^{[1]}x^{[0]} + b^{[1]}"), "matmul(w^[1], x^[0]) + b^[1]");
        assert_eq!(expr("\\delta^{[2]} (x^{[1]})^T"), "matmul(δ^[2], x^[1]')");
        assert_eq!(expr("W_2^T\\delta_2 \\circ f"), "matmul(W_2', δ_2)*f");
    }

    #[test]
    fn functions_fractions_and_exponentials() {
        assert_eq!(expr("\\sigma(z^{[1]})"), "sigmoid(z^[1])");
        assert_eq!(expr("\\frac{1}{1 + e^{-x}}"), "1/(1 + exp(-x))");
        assert_eq!(expr("\\sigma(x)(1 - \\sigma(x))"), "matmul(sigmoid(x), 1 - sigmoid(x))");
        assert_eq!(expr("\\frac{1}{2} \\sum_{i=1}^{n} (x_i - z_i)^2"), "matmul(1/2, sum(i = 1..n, (x_i - z_i)^2))");
        assert_eq!(expr("\\log \\prod_{i=1}^{m} p_i"), "log(prod(i = 1..m, p_i))");
        assert_eq!(expr("\\hat{y}_1 - y_1"), "y\u{302}_1 - y_1");
        assert_eq!(expr("Loss + 2xy"), "Loss + matmul(matmul(2, x), y)");
        assert_eq!(expr("softmax(z)"), "softmax(z)");
    }

    #[test]
    fn derivatives_are_sides_or_names() {
        assert_eq!(expr("\\frac{d}{dx}\\sigma(x)"), "d/dx sigmoid(x)");
        assert_eq!(expr("\\frac{\\partial E}{\\partial z_k}"), "d/dz_k E");
        assert_eq!(expr("\\frac{\\partial E}{\\partial w^{[2]}} \\cdot 2"), "matmul(∂E/∂w^[2], 2)");
    }

    #[test]
    fn unknown_notation_is_an_error_with_its_span() {
        let err = read_side("\\mathfrak{Q}").unwrap_err();
        assert!(err.message.contains("\\mathfrak") && err.span == (0..9), "{err:?}");
        assert!(read_side("\\frac{1}{").is_err());
        // A `\begin{` cut off at the end points inside the text.
        assert!(read_side("x \\begin{").unwrap_err().span.end <= "x \\begin{".len());
        assert_eq!(expr("f'(x) + \\sigma'(z)"), "matmul(f', x) + matmul(sigmoid', z)");
        assert!(read_side("L_2(y, y)").unwrap_err().message.contains("several arguments"));
        assert_eq!(expr("(15.019, 15.066)"), "[[15.019, 15.066]]");
        let deep = format!("{}x{}", "\\frac{1}{".repeat(100), "}".repeat(100));
        assert!(read_side(&deep).unwrap_err().message.contains("nested"));
    }
}
