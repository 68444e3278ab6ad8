//! Reading a matrix expression with declared shapes: every node's shape is worked out, and the
//! operators get their matrix meaning. A product of two non-scalars is the matrix product
//! (`matmul`), `x^T` and `x'` are transposes, `I` is the identity of the size its neighbours
//! give it; sums and differences with a scalar, quotients, powers with a scalar exponent and
//! functions apply entry by entry (as in numpy). Shapes that do not fit are errors pointing at
//! the operator's operands, both shapes named.

use super::shape::{Dim, Shape, Shapes};
use crate::syntax::ast::{BinOp, Expr, Func, Node, Reduce, Span};
use crate::syntax::diagnostic::Problem;
use std::fmt;

/// An expression in matrix form with its shape.
#[derive(Clone, Debug, PartialEq)]
pub struct Typed {
    /// The expression, operators made explicit (`matmul`, `transpose`, `eye(n)`, ...).
    pub expr: Expr,
    /// Its shape.
    pub shape: Shape,
}

/// The size an `I` takes before its neighbours tell it.
const OPEN: &str = "?";

/// Works out the shapes in `e` and makes its matrix operators explicit.
pub fn elaborate(e: &Expr, shapes: &Shapes) -> Result<Typed, ShapeError> {
    let typed = Elaborator { shapes }.typed(e)?;
    if is_open(&typed.shape) {
        return Err(ShapeError::new("the size of `I` cannot be told here: write `eye(n)`", &e.span));
    }
    Ok(typed)
}

struct Elaborator<'a> {
    shapes: &'a Shapes,
}

fn open_dim() -> Dim {
    Dim::Named(OPEN.into())
}

fn is_open(shape: &Shape) -> bool {
    shape.rows == Some(open_dim())
}

/// The expression of a length.
pub fn dim_expr(d: &Dim) -> Expr {
    match d {
        Dim::Known(n) => Expr::int(*n as i64),
        Dim::Named(name) => Expr::var(name),
    }
}

/// The shape of an elaborated expression (see [`elaborate`]) over `shapes`.
pub fn shape_of(e: &Expr, shapes: &Shapes) -> Shape {
    match &e.node {
        Node::Var(name) => shapes.get(name).cloned().unwrap_or_default(),
        Node::Num(_) | Node::Pi | Node::Index(..) | Node::Reduce(..) | Node::Apply(..) => Shape::SCALAR,
        Node::Neg(a) => shape_of(a, shapes),
        Node::Binary(_, a, b) => {
            let sa = shape_of(a, shapes);
            if sa.is_scalar() {
                shape_of(b, shapes)
            } else {
                sa
            }
        }
        Node::Call(func, args) => match func {
            Func::MatMul => Shape::new(shape_of(&args[0], shapes).rows, shape_of(&args[1], shapes).cols),
            Func::Transpose => shape_of(&args[0], shapes).transposed(),
            Func::Diag => {
                let n = shape_of(&args[0], shapes).rows;
                Shape::new(n.clone(), n)
            }
            Func::Ones | Func::Eye => {
                let n = dim_of(&args[0]).flatten();
                if *func == Func::Ones {
                    Shape::new(n, None)
                } else {
                    Shape::new(n.clone(), n)
                }
            }
            Func::SumAll | Func::Norm2 | Func::Trace | Func::Logsumexp | Func::Delta | Func::Len | Func::Cols => {
                Shape::SCALAR
            }
            Func::Max | Func::Min | Func::Heaviside | Func::Hadamard => {
                let sa = shape_of(&args[0], shapes);
                if sa.is_scalar() {
                    shape_of(&args[1], shapes)
                } else {
                    sa
                }
            }
            _ => shape_of(&args[0], shapes),
        },
        Node::Array(items) => {
            let n = (items.len() > 1).then_some(Dim::Known(items.len()));
            Shape::new(n, shape_of(&items[0], shapes).rows)
        }
    }
}

/// The length an expression gives (`3`, `n`), for `ones(n)` and `eye(n)`.
pub(super) fn dim_of(e: &Expr) -> Option<Option<Dim>> {
    match &e.node {
        Node::Num(n) if n.is_integer() => match n.to_integer().try_into().ok()? {
            0usize => None,
            1 => Some(None),
            k => Some(Some(Dim::Known(k))),
        },
        Node::Var(name) => Some(Some(Dim::Named(name.clone()))),
        _ => None,
    }
}

/// `typed` with every open `I` in it given size `n`.
fn sized(typed: Typed, n: &Option<Dim>) -> Typed {
    if !is_open(&typed.shape) {
        return typed;
    }
    fn fill(e: &Expr, n: &Option<Dim>) -> Expr {
        match &e.node {
            Node::Call(Func::Eye, args) if matches!(&args[0].node, Node::Var(v) if v == OPEN) => match n {
                Some(n) => Expr::spanned(Node::Call(Func::Eye, vec![dim_expr(n)]), e.span.clone()),
                None => Expr::spanned(Expr::int(1).node, e.span.clone()),
            },
            _ => e.map_children(|c: &Expr| fill(c, n)),
        }
    }
    Typed { expr: fill(&typed.expr, n), shape: Shape::new(n.clone(), n.clone()) }
}

impl Elaborator<'_> {
    fn typed(&self, e: &Expr) -> Result<Typed, ShapeError> {
        let at = |node: Node, shape: Shape| Typed { expr: Expr::spanned(node, e.span.clone()), shape };
        match &e.node {
            Node::Num(_) | Node::Pi => Ok(Typed { expr: e.clone(), shape: Shape::SCALAR }),
            Node::Var(name) => match self.shapes.get(name) {
                Some(shape) => Ok(Typed { expr: e.clone(), shape: shape.clone() }),
                None if name == "I" => {
                    Ok(at(Node::Call(Func::Eye, vec![Expr::var(OPEN)]), Shape::new(Some(open_dim()), Some(open_dim()))))
                }
                None => Ok(Typed { expr: e.clone(), shape: Shape::SCALAR }),
            },
            Node::Index(base, indices) => {
                let shape = match &base.node {
                    Node::Var(name) => self.shapes.get(name).cloned().unwrap_or_default(),
                    _ => self.typed(base)?.shape,
                };
                if base_is_vector_call(base) || shape.rank() == indices.len() {
                    Ok(Typed { expr: e.clone(), shape: Shape::SCALAR })
                } else {
                    let message =
                        format!("`{base}` is a {shape}: it takes {} index(es), not {}", shape.rank(), indices.len());
                    Err(ShapeError::new(&message, &e.span))
                }
            }
            Node::Neg(inner) => {
                let inner = self.typed(inner)?;
                Ok(at(Node::Neg(Box::new(inner.expr)), inner.shape))
            }
            Node::Binary(op, a, b) => self.binary(e, *op, a, b),
            Node::Call(func, args) => self.call(e, *func, args),
            Node::Reduce(op, index, count, body) => {
                let body = self.typed(body)?;
                if !body.shape.is_scalar() {
                    let message = match op {
                        Reduce::Sum => {
                            format!("a sum over an index adds scalars; this is a {}: use `sum(v)`", body.shape)
                        }
                        Reduce::Prod => format!("a product over an index multiplies scalars; this is a {}", body.shape),
                    };
                    return Err(ShapeError::new(&message, &body.expr.span));
                }
                Ok(at(Node::Reduce(*op, index.clone(), count.clone(), Box::new(body.expr)), Shape::SCALAR))
            }
            Node::Array(items) => self.array(e, items),
            Node::Apply(name, args) => {
                let mut typed = vec![];
                for arg in args {
                    let t = self.typed(arg)?;
                    if !t.shape.is_scalar() {
                        let message =
                            format!("`{name}` is a declared function of numbers; here it is given a {}", t.shape);
                        return Err(ShapeError::new(&message, &arg.span));
                    }
                    typed.push(t.expr);
                }
                Ok(at(Node::Apply(name.clone(), typed), Shape::SCALAR))
            }
        }
    }

    fn binary(&self, e: &Expr, op: BinOp, a: &Expr, b: &Expr) -> Result<Typed, ShapeError> {
        let ta = self.typed(a)?;
        // `x^T`: the transpose of a vector or matrix (a `T` with no shape of its own).
        if op == BinOp::Pow
            && !ta.shape.is_scalar()
            && matches!(&b.node, Node::Var(t) if t == "T" && self.shapes.get(t).is_none())
        {
            return Ok(transpose(ta, &e.span));
        }
        let tb = self.typed(b)?;
        let node = |a: Expr, b: Expr| Expr::spanned(Node::Binary(op, Box::new(a), Box::new(b)), e.span.clone());
        let (sa, sb) = (ta.shape.clone(), tb.shape.clone());
        match op {
            BinOp::Add | BinOp::Sub => {
                let (ta, tb) = fit(ta, tb);
                let shape = if ta.shape.is_scalar() {
                    tb.shape.clone()
                } else if tb.shape.is_scalar() || ta.shape == tb.shape {
                    ta.shape.clone()
                } else {
                    let verb = if op == BinOp::Add { "add" } else { "subtract" };
                    return Err(ShapeError::new(&format!("cannot {verb} a {} and a {}", ta.shape, tb.shape), &e.span));
                };
                Ok(Typed { expr: node(ta.expr, tb.expr), shape })
            }
            BinOp::Mul if sa.is_scalar() || sb.is_scalar() => {
                let shape = if sa.is_scalar() { sb } else { sa };
                Ok(Typed { expr: node(ta.expr, tb.expr), shape })
            }
            BinOp::Mul => matmul(ta, tb, e),
            BinOp::Div if sb.is_scalar() || sa == sb => {
                Ok(Typed { expr: node(ta.expr, tb.expr), shape: if sa.is_scalar() { sb } else { sa } })
            }
            BinOp::Div if sa.is_scalar() => Ok(Typed { expr: node(ta.expr, tb.expr), shape: sb }),
            BinOp::Div => Err(ShapeError::new(&format!("cannot divide a {sa} by a {sb} entry by entry"), &e.span)),
            BinOp::Pow if sb.is_scalar() => Ok(Typed { expr: node(ta.expr, tb.expr), shape: sa }),
            BinOp::Pow => Err(ShapeError::new(&format!("an exponent is a scalar, not a {sb}"), &b.span)),
        }
    }

    fn call(&self, e: &Expr, func: Func, args: &[Expr]) -> Result<Typed, ShapeError> {
        let at = |args: Vec<Expr>, shape: Shape| Typed {
            expr: Expr::spanned(Node::Call(func, args), e.span.clone()),
            shape,
        };
        let wrong = |what: &str, t: &Typed| {
            ShapeError::new(&format!("{} takes {what}, not a {}", func.name(), t.shape), &t.expr.span)
        };
        match func {
            // Indices and sizes keep their meaning from the index language.
            Func::Delta | Func::Len | Func::Cols => return Ok(at(args.to_vec(), Shape::SCALAR)),
            Func::Ones | Func::Eye => {
                let n = dim_of(&args[0])
                    .ok_or_else(|| ShapeError::new("a size is a whole number or a name", &args[0].span))?;
                let shape = if func == Func::Ones { Shape::new(n, None) } else { Shape::new(n.clone(), n) };
                return Ok(at(args.to_vec(), shape));
            }
            _ => {}
        }
        let typed = args.iter().map(|a| self.typed(a)).collect::<Result<Vec<_>, _>>()?;
        match (func, typed.as_slice()) {
            (Func::Transpose, [t]) => Ok(transpose(t.clone(), &e.span)),
            (Func::MatMul, [ta, tb]) => matmul(ta.clone(), tb.clone(), e),
            (Func::Hadamard | Func::Max | Func::Min | Func::Heaviside, [ta, tb]) => {
                let (ta, tb) = fit(ta.clone(), tb.clone());
                let shape = match (&ta.shape, &tb.shape) {
                    (sa, sb) if sa == sb => sa.clone(),
                    (sa, sb) if func != Func::Hadamard && sa.is_scalar() => sb.clone(),
                    (sa, sb) if func != Func::Hadamard && sb.is_scalar() => sa.clone(),
                    (sa, sb) => {
                        let message = format!("{} takes two of one shape, not a {sa} and a {sb}", func.name());
                        return Err(ShapeError::new(&message, &e.span));
                    }
                };
                Ok(at(vec![ta.expr, tb.expr], shape))
            }
            (Func::SumAll, [t]) => Ok(at(vec![t.expr.clone()], Shape::SCALAR)),
            (Func::Norm2 | Func::Logsumexp, [t]) if t.shape.rank() == 1 => Ok(at(vec![t.expr.clone()], Shape::SCALAR)),
            (Func::Norm2 | Func::Logsumexp, [t]) => Err(wrong("a vector", t)),
            (Func::Softmax, [t]) if t.shape.rows.is_some() && t.shape.cols.is_none() => {
                Ok(at(vec![t.expr.clone()], t.shape.clone()))
            }
            (Func::Softmax, [t]) => Err(wrong("a (column) vector (declare its shape with --shape)", t)),
            (Func::Trace, [t]) if t.shape.is_square() => Ok(at(vec![t.expr.clone()], Shape::SCALAR)),
            (Func::Trace, [t]) => Err(wrong("a square matrix", t)),
            (Func::Diag, [t]) if t.shape.rows.is_some() && t.shape.cols.is_none() => {
                Ok(at(vec![t.expr.clone()], Shape::new(t.shape.rows.clone(), t.shape.rows.clone())))
            }
            (Func::Diag, [t]) => Err(wrong("a (column) vector", t)),
            // The functions of one number apply entry by entry.
            (_, [t]) => Ok(at(vec![t.expr.clone()], t.shape.clone())),
            _ => Err(ShapeError::new(&format!("wrong arguments for {}", func.name()), &e.span)),
        }
    }

    fn array(&self, e: &Expr, items: &[Expr]) -> Result<Typed, ShapeError> {
        let typed = items.iter().map(|a| self.typed(a)).collect::<Result<Vec<_>, _>>()?;
        let first = typed[0].shape.clone();
        if let Some(odd) = typed.iter().find(|t| t.shape != first) {
            let message = format!("the items of an array have one shape; found a {first} and a {}", odd.shape);
            return Err(ShapeError::new(&message, &odd.expr.span));
        }
        let n = (items.len() > 1).then_some(Dim::Known(items.len()));
        let shape = match (first.rows, first.cols) {
            (None, None) => Shape::new(n, None),
            // Rows given as arrays of scalars (columns): a matrix by its rows.
            (Some(width), None) => Shape::new(n, Some(width)),
            _ => return Err(ShapeError::new("an array holds scalars or rows of scalars", &e.span)),
        };
        let items = typed.into_iter().map(|t| t.expr).collect();
        Ok(Typed { expr: Expr::spanned(Node::Array(items), e.span.clone()), shape })
    }
}

/// Two operands with an open `I` among them sized by the other.
fn fit(ta: Typed, tb: Typed) -> (Typed, Typed) {
    match (is_open(&ta.shape), is_open(&tb.shape)) {
        (true, false) if tb.shape.is_square() => {
            let n = tb.shape.rows.clone();
            (sized(ta, &n), tb)
        }
        (false, true) if ta.shape.is_square() => {
            let n = ta.shape.rows.clone();
            (ta, sized(tb, &n))
        }
        _ => (ta, tb),
    }
}

fn base_is_vector_call(base: &Expr) -> bool {
    matches!(&base.node, Node::Call(Func::Softmax, _))
}

fn transpose(t: Typed, span: &Span) -> Typed {
    let shape = t.shape.transposed();
    Typed { expr: Expr::spanned(Node::Call(Func::Transpose, vec![t.expr]), span.clone()), shape }
}

fn matmul(ta: Typed, tb: Typed, e: &Expr) -> Result<Typed, ShapeError> {
    let (ta, tb) = match (is_open(&ta.shape), is_open(&tb.shape)) {
        (true, false) => {
            let rows = tb.shape.rows.clone();
            (sized(ta, &rows), tb)
        }
        (false, true) => {
            let cols = ta.shape.cols.clone();
            (ta, sized(tb, &cols))
        }
        _ => (ta, tb),
    };
    if ta.shape.cols != tb.shape.rows {
        let axis = |d: &Option<Dim>| d.as_ref().map_or("1".into(), |d| d.to_string());
        let mut message = format!(
            "cannot multiply a {} by a {}: {} column(s) against {} row(s)",
            ta.shape,
            tb.shape,
            axis(&ta.shape.cols),
            axis(&tb.shape.rows)
        );
        if ta.shape.cols.is_none() && tb.shape.cols.is_none() {
            message.push_str(" (two column vectors: transpose one, `a^T*b` or `a*b^T`)");
        }
        return Err(ShapeError::new(&message, &e.span));
    }
    let shape = Shape::new(ta.shape.rows.clone(), tb.shape.cols.clone());
    Ok(Typed { expr: Expr::spanned(Node::Call(Func::MatMul, vec![ta.expr, tb.expr]), e.span.clone()), shape })
}

/// Shapes that do not fit together.
#[derive(Clone, Debug, PartialEq)]
pub struct ShapeError {
    /// What does not fit, both shapes named.
    pub message: String,
    /// The expression at fault.
    pub span: Span,
}

impl ShapeError {
    fn new(message: &str, span: &Span) -> ShapeError {
        ShapeError { message: message.to_string(), span: span.clone() }
    }
}

impl fmt::Display for ShapeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl Problem for ShapeError {
    fn kind(&self) -> &'static str {
        "shape_mismatch"
    }
    fn span(&self) -> Option<Span> {
        Some(self.span.clone())
    }
}
