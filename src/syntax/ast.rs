//! The syntax tree of deltaform's expression language: one type for the whole program.
//!
//! Every node carries the byte span of the source text it came from (`0..0` for nodes that
//! were built by the engine rather than parsed). Equality ignores spans, so a re-parsed
//! expression equals the original.

use num_bigint::BigInt;
use num_rational::BigRational;
use std::fmt;
use std::ops::Range;

/// A byte range in the source text.
pub type Span = Range<usize>;

/// An expression with its source span.
#[derive(Clone, Debug)]
pub struct Expr {
    /// What the expression is.
    pub node: Node,
    /// Where it came from in the source (`0..0` when synthesized).
    pub span: Span,
}

/// The kinds of expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Node {
    /// An exact number literal (`2`, `0.1`, `1e-3`); never negative when parsed.
    Num(BigRational),
    /// The constant pi.
    Pi,
    /// A name: a scalar, a vector, a matrix or an index variable.
    Var(String),
    /// A component: `z[k]`, `W[i, j]`, `softmax(z)[i]`. Indices count from 1.
    Index(Box<Expr>, Vec<Expr>),
    /// Unary minus.
    Neg(Box<Expr>),
    /// A binary operation.
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// A call of a built-in function.
    Call(Func, Vec<Expr>),
    /// `sum(i, body)` (or `prod(i, body)`): `body` summed (multiplied) over every value of the
    /// bound index `i`. With a range, `sum(i = 1..n, body)`, `i` runs over 1..n (the range sees
    /// no `i`); without one, over the components of the vectors `body` indexes by `i` itself
    /// (`z[i]`).
    Reduce(Reduce, String, Option<Box<Expr>>, Box<Expr>),
    /// An array literal: `[a, b, c]` is a (column) vector of its items, `[[a, b], [c, d]]` a
    /// matrix given by its rows.
    Array(Vec<Expr>),
    /// A declared function applied (`--fn f, g`): `f(x)`, `g(x, y)`, and their derivatives by
    /// an argument, `f'(x)`, `d_1 g(x, y)` (the name carries the derivative).
    Apply(String, Vec<Expr>),
}

/// How a bound index's terms combine: `sum(i, body)` or `prod(i, body)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reduce {
    /// `sum`: the terms added.
    Sum,
    /// `prod`: the terms multiplied.
    Prod,
}

impl Reduce {
    /// The binder's name in the input language.
    pub fn name(self) -> &'static str {
        match self {
            Reduce::Sum => "sum",
            Reduce::Prod => "prod",
        }
    }
}

/// Binary operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `^` (right-associative)
    Pow,
}

impl BinOp {
    /// The operator's symbol in the input language.
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Pow => "^",
        }
    }
}

/// Built-in functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Func {
    /// `exp(x)`
    Exp,
    /// `log(x)`, the natural logarithm (`ln` is an alias)
    Log,
    /// `sqrt(x)`
    Sqrt,
    /// `abs(x)`
    Abs,
    /// `sign(x)`: -1, 0 or 1
    Sign,
    /// `sin(x)`
    Sin,
    /// `cos(x)`
    Cos,
    /// `tan(x)`
    Tan,
    /// `sinh(x)`
    Sinh,
    /// `cosh(x)`
    Cosh,
    /// `tanh(x)`
    Tanh,
    /// `sigmoid(x)` = 1/(1 + exp(-x))
    Sigmoid,
    /// `relu(x)` = max(x, 0)
    Relu,
    /// `step(x)`: Heaviside, 1 for x > 0, else 0 (so step(0) = 0)
    Step,
    /// `softplus(x)` = log(1 + exp(x))
    Softplus,
    /// `erf(x)`, the error function 2/sqrt(pi) * integral from 0 to x of exp(-t^2)
    Erf,
    /// `heaviside(x, h0)`: 1 for x > 0, 0 for x < 0 and `h0` at 0 (a threshold unit that fires
    /// at 0 is `heaviside(x, 1)`)
    Heaviside,
    /// `max(a, b)`
    Max,
    /// `min(a, b)`
    Min,
    /// `softmax(v)`: a vector; use it indexed, `softmax(v)[i]`
    Softmax,
    /// `logsumexp(v)` = `log(sum(i, exp(v[i])))`
    Logsumexp,
    /// `delta(i, j)`: Kronecker delta, 1 when i = j, else 0
    Delta,
    /// `len(v)`: the number of components of a vector (of rows of a matrix)
    Len,
    /// `cols(W)`: the number of columns of a matrix
    Cols,
    /// `transpose(A)`: a matrix's transpose; a (column) vector's is a one-row matrix
    Transpose,
    /// `matmul(A, B)`: the matrix product (a scalar factor scales the other)
    MatMul,
    /// `A .* B` (also `⊙`, `∘`): the entrywise (Hadamard) product
    Hadamard,
    /// `sum(v)`: the sum of every entry of a vector or matrix
    SumAll,
    /// `norm2(v)`: the Euclidean norm of a vector
    Norm2,
    /// `tr(A)`: the trace of a square matrix
    Trace,
    /// `diag(v)`: the square matrix with `v` on its diagonal
    Diag,
    /// `ones(n)`: the vector of `n` ones
    Ones,
    /// `eye(n)`: the `n`×`n` identity matrix (written `I` where its size is clear)
    Eye,
}

impl Func {
    /// Every function, in a stable order.
    pub const ALL: [Func; 33] = [
        Func::Exp,
        Func::Log,
        Func::Sqrt,
        Func::Abs,
        Func::Sign,
        Func::Sin,
        Func::Cos,
        Func::Tan,
        Func::Sinh,
        Func::Cosh,
        Func::Tanh,
        Func::Sigmoid,
        Func::Relu,
        Func::Step,
        Func::Softplus,
        Func::Erf,
        Func::Heaviside,
        Func::Max,
        Func::Min,
        Func::Softmax,
        Func::Logsumexp,
        Func::Delta,
        Func::Len,
        Func::Cols,
        Func::Transpose,
        Func::MatMul,
        Func::Hadamard,
        Func::SumAll,
        Func::Norm2,
        Func::Trace,
        Func::Diag,
        Func::Ones,
        Func::Eye,
    ];

    /// The canonical name printed for the function.
    pub fn name(self) -> &'static str {
        match self {
            Func::Exp => "exp",
            Func::Log => "log",
            Func::Sqrt => "sqrt",
            Func::Abs => "abs",
            Func::Sign => "sign",
            Func::Sin => "sin",
            Func::Cos => "cos",
            Func::Tan => "tan",
            Func::Sinh => "sinh",
            Func::Cosh => "cosh",
            Func::Tanh => "tanh",
            Func::Sigmoid => "sigmoid",
            Func::Relu => "relu",
            Func::Step => "step",
            Func::Softplus => "softplus",
            Func::Erf => "erf",
            Func::Heaviside => "heaviside",
            Func::Max => "max",
            Func::Min => "min",
            Func::Softmax => "softmax",
            Func::Logsumexp => "logsumexp",
            Func::Delta => "delta",
            Func::Len => "len",
            Func::Cols => "cols",
            Func::Transpose => "transpose",
            Func::MatMul => "matmul",
            Func::Hadamard => "hadamard",
            Func::SumAll => "sum",
            Func::Norm2 => "norm2",
            Func::Trace => "tr",
            Func::Diag => "diag",
            Func::Ones => "ones",
            Func::Eye => "eye",
        }
    }

    /// Looks a function up by name, accepting aliases (`ln`, `σ`).
    pub fn from_name(name: &str) -> Option<Func> {
        match name {
            "ln" => Some(Func::Log),
            "σ" => Some(Func::Sigmoid),
            "δ" => Some(Func::Delta),
            _ => Func::ALL.into_iter().find(|f| f.name() == name),
        }
    }

    /// How many arguments the function takes.
    pub fn arity(self) -> usize {
        match self {
            Func::Max | Func::Min | Func::Heaviside | Func::Delta | Func::MatMul | Func::Hadamard => 2,
            _ => 1,
        }
    }

    /// Whether the function takes a whole vector or matrix (`softmax(z)`, `logsumexp(z)`, `len(z)`).
    pub fn takes_vector(self) -> bool {
        matches!(self, Func::Softmax | Func::Logsumexp | Func::Len | Func::Cols) || self.is_matrix_form()
    }

    /// Whether the function exists only in matrix form (`transpose`, `matmul`, `tr`, ...): it is
    /// evaluated, and differentiated through its index form (`deltaform derive --shape`), but the
    /// chain rule and the e-graph do not take it as it is.
    pub fn is_matrix_form(self) -> bool {
        matches!(
            self,
            Func::Transpose
                | Func::MatMul
                | Func::Hadamard
                | Func::SumAll
                | Func::Norm2
                | Func::Trace
                | Func::Diag
                | Func::Ones
                | Func::Eye
        )
    }

    /// Whether the function tells a size (`len(z)`, `cols(W)`): a whole number that no value of
    /// the components changes.
    pub fn is_size(self) -> bool {
        matches!(self, Func::Len | Func::Cols)
    }
}

impl PartialEq for Expr {
    fn eq(&self, other: &Self) -> bool {
        self.node == other.node
    }
}

impl Expr {
    /// An expression with no source span.
    pub fn new(node: Node) -> Expr {
        Expr { node, span: 0..0 }
    }

    /// An expression with a source span.
    pub fn spanned(node: Node, span: Span) -> Expr {
        Expr { node, span }
    }

    /// An exact number.
    pub fn num(value: BigRational) -> Expr {
        Expr::new(Node::Num(value))
    }

    /// An exact integer.
    pub fn int(value: i64) -> Expr {
        Expr::num(BigRational::from_integer(BigInt::from(value)))
    }

    /// A name.
    pub fn var(name: &str) -> Expr {
        Expr::new(Node::Var(name.to_string()))
    }

    /// A component `base[indices]`.
    pub fn index(base: Expr, indices: Vec<Expr>) -> Expr {
        Expr::new(Node::Index(Box::new(base), indices))
    }

    /// `-e`
    pub fn negate(e: Expr) -> Expr {
        Expr::new(Node::Neg(Box::new(e)))
    }

    /// `a op b`
    pub fn binary(op: BinOp, a: Expr, b: Expr) -> Expr {
        Expr::new(Node::Binary(op, Box::new(a), Box::new(b)))
    }

    /// A call of a built-in function.
    pub fn call(func: Func, args: Vec<Expr>) -> Expr {
        Expr::new(Node::Call(func, args))
    }

    /// `sum(index, body)`
    pub fn sum(index: &str, body: Expr) -> Expr {
        Expr::new(Node::Reduce(Reduce::Sum, index.to_string(), None, Box::new(body)))
    }

    /// `sum(index = 1..count, body)`, or `sum(index, body)` without a count.
    pub fn sum_over(index: &str, count: Option<Expr>, body: Expr) -> Expr {
        Expr::reduce(Reduce::Sum, index, count, body)
    }

    /// `sum` or `prod` over `index`, with or without a count.
    pub fn reduce(op: Reduce, index: &str, count: Option<Expr>, body: Expr) -> Expr {
        Expr::new(Node::Reduce(op, index.to_string(), count.map(Box::new), Box::new(body)))
    }

    /// The exact value of a number literal, if this is one.
    pub fn as_num(&self) -> Option<&BigRational> {
        match &self.node {
            Node::Num(n) => Some(n),
            _ => None,
        }
    }

    /// The immediate sub-expressions, in order.
    pub fn children(&self) -> Vec<&Expr> {
        match &self.node {
            Node::Num(_) | Node::Pi | Node::Var(_) => vec![],
            Node::Index(base, idx) => std::iter::once(&**base).chain(idx.iter()).collect(),
            Node::Neg(e) => vec![e],
            Node::Reduce(_, _, count, body) => count.iter().map(|c| &**c).chain(std::iter::once(&**body)).collect(),
            Node::Binary(_, a, b) => vec![a, b],
            Node::Call(_, args) | Node::Array(args) | Node::Apply(_, args) => args.iter().collect(),
        }
    }

    /// The same node with each immediate sub-expression `c` (in the order of
    /// [`Expr::children`]) replaced by `f(c)`; a `sum`'s bound index and the span are kept.
    pub fn map_children(&self, mut f: impl FnMut(&Expr) -> Expr) -> Expr {
        let node = match &self.node {
            Node::Num(_) | Node::Pi | Node::Var(_) => self.node.clone(),
            Node::Index(base, idx) => {
                let base = f(base);
                Node::Index(Box::new(base), idx.iter().map(&mut f).collect())
            }
            Node::Neg(a) => Node::Neg(Box::new(f(a))),
            Node::Binary(op, a, b) => {
                let a = f(a);
                Node::Binary(*op, Box::new(a), Box::new(f(b)))
            }
            Node::Call(func, args) => Node::Call(*func, args.iter().map(&mut f).collect()),
            Node::Array(items) => Node::Array(items.iter().map(&mut f).collect()),
            Node::Apply(name, args) => Node::Apply(name.clone(), args.iter().map(&mut f).collect()),
            Node::Reduce(op, i, count, body) => {
                let count = count.as_ref().map(|c| Box::new(f(c)));
                Node::Reduce(*op, i.clone(), count, Box::new(f(body)))
            }
        };
        Expr::spanned(node, self.span.clone())
    }

    /// The number of nodes on the longest path from this node to a leaf (a leaf has depth 1).
    /// Walks with an explicit stack, so any tree can be measured.
    pub fn depth(&self) -> usize {
        let mut deepest = 0;
        let mut stack = vec![(self, 1)];
        while let Some((e, d)) = stack.pop() {
            deepest = deepest.max(d);
            stack.extend(e.children().into_iter().map(|c| (c, d + 1)));
        }
        deepest
    }

    /// The length of the expression in operators: the nodes that are operators (`+ - * / ^`,
    /// unary minus), calls, sums and indexing, not the leaves (numbers, names, `pi`) nor array
    /// literals. `yhat[k] - y[k]` has 3; `sigmoid(x)*(1 - sigmoid(x))` has 4.
    pub fn operator_count(&self) -> usize {
        let mut count = 0;
        let mut stack = vec![self];
        while let Some(e) = stack.pop() {
            if !matches!(e.node, Node::Num(_) | Node::Pi | Node::Var(_) | Node::Array(_)) {
                count += 1;
            }
            stack.extend(e.children());
        }
        count
    }

    /// The first component `v[..., index, ...]` indexed by the bare name `index` (outside any
    /// sum rebinding it), with the axis `index` stands on: what a sum over `index` without a
    /// written range runs over.
    pub fn indexed_by(&self, index: &str) -> Option<(&Expr, usize)> {
        match &self.node {
            Node::Index(base, idx) => {
                if let Some(axis) = idx.iter().position(|i| matches!(&i.node, Node::Var(v) if v == index)) {
                    return Some((base, axis));
                }
            }
            Node::Reduce(_, i, count, _) if i == index => return count.as_deref().and_then(|c| c.indexed_by(index)),
            _ => {}
        }
        self.children().into_iter().find_map(|c| c.indexed_by(index))
    }

    /// Every name that occurs free (not bound by an enclosing `sum`).
    pub fn free_names(&self) -> std::collections::BTreeSet<String> {
        let mut out = std::collections::BTreeSet::new();
        self.collect_free(&mut Vec::new(), &mut out);
        out
    }

    fn collect_free(&self, bound: &mut Vec<String>, out: &mut std::collections::BTreeSet<String>) {
        match &self.node {
            Node::Var(name) if !bound.contains(name) => {
                out.insert(name.clone());
            }
            Node::Reduce(_, i, count, body) => {
                if let Some(count) = count {
                    count.collect_free(bound, out);
                }
                bound.push(i.clone());
                body.collect_free(bound, out);
                bound.pop();
            }
            _ => self.children().into_iter().for_each(|c| c.collect_free(bound, out)),
        }
    }

    /// Replaces every free occurrence of the name `from` by `to` (bound sums shadow it).
    pub fn rename_free(&self, from: &str, to: &str) -> Expr {
        self.map_free_var(&|name| (name == from).then(|| Expr::var(to)))
    }

    /// Rebuilds the tree, replacing each free name `n` for which `f(n)` is `Some(e)` by `e`.
    /// The caller must make sure no name free in `e` is bound by a `sum` around it.
    pub fn map_free_var(&self, f: &dyn Fn(&str) -> Option<Expr>) -> Expr {
        let node = match &self.node {
            Node::Var(name) => match f(name) {
                Some(e) => return e,
                None => self.node.clone(),
            },
            Node::Num(_) | Node::Pi => self.node.clone(),
            Node::Reduce(op, i, count, body) => {
                let inner = |name: &str| if name == i { None } else { f(name) };
                let count = count.as_ref().map(|c| Box::new(c.map_free_var(f)));
                Node::Reduce(*op, i.clone(), count, Box::new(body.map_free_var(&inner)))
            }
            Node::Index(base, idx) => {
                Node::Index(Box::new(base.map_free_var(f)), idx.iter().map(|e| e.map_free_var(f)).collect())
            }
            Node::Neg(e) => Node::Neg(Box::new(e.map_free_var(f))),
            Node::Binary(op, a, b) => Node::Binary(*op, Box::new(a.map_free_var(f)), Box::new(b.map_free_var(f))),
            Node::Call(func, args) => Node::Call(*func, args.iter().map(|e| e.map_free_var(f)).collect()),
            Node::Array(items) => Node::Array(items.iter().map(|e| e.map_free_var(f)).collect()),
            Node::Apply(name, args) => Node::Apply(name.clone(), args.iter().map(|e| e.map_free_var(f)).collect()),
        };
        Expr::spanned(node, self.span.clone())
    }
}

/// A top-level statement: an expression, or an equation `lhs = rhs`
/// (a definition such as `yhat = softmax(z)` or an assumption such as `sum(i, y[i]) = 1`).
#[derive(Clone, Debug, PartialEq)]
pub enum Statement {
    /// A bare expression.
    Expr(Expr),
    /// An equation.
    Equation(Expr, Expr),
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::syntax::print::to_text(self))
    }
}

impl fmt::Display for Statement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Statement::Expr(e) => write!(f, "{e}"),
            Statement::Equation(l, r) => write!(f, "{l} = {r}"),
        }
    }
}

/// The operands of a chain of `op` (`a + b + c` gives `a`, `b`, `c`), in order.
pub fn flatten<'a>(e: &'a Expr, op: BinOp, out: &mut Vec<&'a Expr>) {
    match &e.node {
        Node::Binary(o, a, b) if *o == op => {
            flatten(a, op, out);
            flatten(b, op, out);
        }
        _ => out.push(e),
    }
}

#[cfg(test)]
mod tests {
    use crate::syntax::parse::parse_expr;

    fn operators(src: &str) -> usize {
        parse_expr(src).unwrap().operator_count()
    }

    #[test]
    fn operator_count_counts_operators_calls_sums_and_indexing() {
        assert_eq!(operators("x"), 0);
        assert_eq!(operators("pi*2"), 1);
        assert_eq!(operators("-x"), 1);
        assert_eq!(operators("yhat[k] - y[k]"), 3);
        assert_eq!(operators("sigmoid(x)*(1 - sigmoid(x))"), 4);
        assert_eq!(operators("sigmoid(x) + x*sigmoid(x)*(1 - sigmoid(x))"), 7);
        assert_eq!(operators("sigmoid(x)*(1 + x*(1 - sigmoid(x)))"), 6);
        assert_eq!(operators("sum(i = 1..len(z), z[i]^2)"), 4);
        assert_eq!(operators("delta(i, k) - softmax(z)[k]"), 4);
        // Array literals are not operators; their items' operators count.
        assert_eq!(operators("[x + 1, 2]"), 1);
    }
}
