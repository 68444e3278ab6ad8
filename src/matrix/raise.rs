//! From index form back to matrix form, where one exists: the structure of the indices decides.
//! A sum over an index two factors share is a matrix product (`sum(k, W[p, k]*x[k])` is `W*x`,
//! transposes chosen by where the index sits); two vectors on different free indices make an
//! outer product (`d[p]*x[q]` is `d*x^T`); factors on the same indices an entrywise product
//! (`⊙`); `delta(p, q)` is `I`, with a vector on one of its indices `diag(v)`; `sum(k, A[k, k])`
//! is `tr(A)`, a sum of a vector's entries `sum(v)`. Anything else (three free indices, an
//! index used as a number, a diagonal `A[k, k]` outside a trace) has no matrix form, and says so.

use super::elaborate::{dim_of, shape_of};
use super::shape::{Dim, Shape, Shapes};
use crate::syntax::ast::{BinOp, Expr, Func, Node, Reduce};
use std::collections::{HashMap, HashSet};

/// A matrix-form expression and the indices its component stands on: for every value of
/// them, component `[row, col]` of `expr` is the index-form expression it was raised from. A
/// vector always stands on `row` (a row vector is transposed into a column).
#[derive(Clone, Debug)]
struct Tensor {
    expr: Expr,
    row: Option<String>,
    col: Option<String>,
}

impl Tensor {
    fn scalar(expr: Expr) -> Tensor {
        Tensor { expr, row: None, col: None }
    }

    fn is_scalar(&self) -> bool {
        self.row.is_none() && self.col.is_none()
    }

    fn mentions(&self, k: &str) -> bool {
        self.row.as_deref() == Some(k) || self.col.as_deref() == Some(k)
    }

    fn indices(&self) -> Vec<&str> {
        self.row.iter().chain(&self.col).map(String::as_str).collect()
    }
}

/// Raises index-form expressions over `shapes`.
pub struct Raiser<'a> {
    shapes: &'a Shapes,
    /// The length each index runs over.
    dims: HashMap<String, Dim>,
    /// Index names that run over different lengths in different sums (`j` over the rows of
    /// `W1` in one, of `W2` in another): no vector of ones is made for them.
    ambiguous: HashSet<String>,
    /// Matrix forms of the vectors named in index form (definitions the lowering made).
    named: &'a HashMap<String, Expr>,
}

/// Why an index form has no matrix form.
pub type NoMatrixForm = String;

impl<'a> Raiser<'a> {
    /// A raiser for expressions over `shapes`, with free indices of the given lengths, and
    /// vectors defined by name (`u` for `W*x`).
    pub fn new(shapes: &'a Shapes, free: &[(String, Dim)], named: &'a HashMap<String, Expr>) -> Raiser<'a> {
        Raiser { shapes, dims: free.iter().cloned().collect(), ambiguous: HashSet::new(), named }
    }

    /// The matrix form of `e` whose component `[row, col]` is `e` (an index `None` where the
    /// result has no such axis).
    pub fn raise(mut self, e: &Expr, row: Option<&str>, col: Option<&str>) -> Result<Expr, NoMatrixForm> {
        self.learn_dims(e);
        let mut t = self.tensor(e)?;
        t.expr = entrywise_scalings(&t.expr, self.shapes);
        let (row, col) = (row.map(str::to_string), col.map(str::to_string));
        let stray = t.indices().into_iter().find(|i| Some(*i) != row.as_deref() && Some(*i) != col.as_deref());
        if let Some(stray) = stray {
            return Err(format!("the index `{stray}` is free in the result but not one of the result's"));
        }
        self.broadcast(t, &row, &col)
    }

    /// `t` (its indices among `row` and `col`) standing on `[row, col]`: a vector or a scalar
    /// spread along the missing axis by a vector of ones (`v[q]` on `[p, q]` is `1*v^T`).
    fn broadcast(&self, t: Tensor, row: &Option<String>, col: &Option<String>) -> Result<Expr, NoMatrixForm> {
        let ones = |i: &Option<String>| self.ones(i.as_deref().expect("an axis"));
        Ok(match (row, col) {
            (None, None) => t.expr,
            (Some(_), None) if t.row == *row => t.expr,
            (Some(_), None) => scale(t.expr, ones(row)?),
            (Some(_), Some(_)) if t.row == *row && t.col == *col => t.expr,
            (Some(_), Some(_)) if t.row == *col && t.col == *row => transpose(t.expr),
            (Some(_), Some(_)) if t.is_scalar() => scale(t.expr, matmul(ones(row)?, transpose(ones(col)?))),
            (Some(_), Some(_)) if t.row == *row => matmul(t.expr, transpose(ones(col)?)),
            (Some(_), Some(_)) => matmul(ones(row)?, transpose(t.expr)),
            (None, Some(_)) => unreachable!("results on a column index alone are vectors on their row"),
        })
    }

    /// Two operands of an entrywise operation with their components on the same indices: as
    /// they are, one transposed, or both spread over the union of their indices (`a[p] + b[q]`
    /// is `a*1^T + 1*b^T`) when it has at most two.
    fn align(&self, a: Tensor, b: Tensor) -> Result<(Expr, Expr, Option<String>, Option<String>), NoMatrixForm> {
        check_diagonal(&a)?;
        check_diagonal(&b)?;
        if b.is_scalar() || (a.row == b.row && a.col == b.col) {
            return Ok((a.expr, b.expr, a.row, a.col));
        }
        if a.is_scalar() {
            return Ok((a.expr, b.expr, b.row, b.col));
        }
        if a.row == b.col && a.col == b.row {
            return Ok((a.expr, transpose(b.expr), a.row, a.col));
        }
        let mut union: Vec<String> = a.indices().into_iter().map(str::to_string).collect();
        union.extend(b.indices().into_iter().map(str::to_string).filter(|i| !a.mentions(i)));
        if union.len() > 2 {
            return Err(format!(
                "terms on the indices ({}) and ({}) do not add up to one matrix",
                a.indices().join(", "),
                b.indices().join(", ")
            ));
        }
        let (row, col) = if b.indices().len() == 2 {
            (b.row.clone(), b.col.clone())
        } else {
            (Some(union[0].clone()), Some(union[1].clone()))
        };
        let (a, b) = (self.broadcast(a, &row, &col)?, self.broadcast(b, &row, &col)?);
        Ok((a, b, row, col))
    }

    /// The lengths of the indices, read off the vectors and matrices they index.
    fn learn_dims(&mut self, e: &Expr) {
        if let Node::Index(base, indices) = &e.node {
            if let Node::Var(name) = &base.node {
                let shape = self.shape_of_name(name);
                let axes: Vec<&Option<Dim>> =
                    if indices.len() == 2 { vec![&shape.rows, &shape.cols] } else { vec![&shape.rows] };
                for (index, axis) in indices.iter().zip(axes) {
                    if let (Node::Var(i), Some(d)) = (&index.node, axis) {
                        self.learn(i, d);
                    }
                }
            }
        }
        if let Node::Reduce(_, i, Some(count), _) = &e.node {
            if let Some(d) = dim_of(count).flatten() {
                self.learn(i, &d);
            }
        }
        for child in e.children() {
            self.learn_dims(child);
        }
    }

    fn learn(&mut self, index: &str, dim: &Dim) {
        match self.dims.get(index) {
            Some(known) if known != dim => {
                self.ambiguous.insert(index.to_string());
            }
            Some(_) => {}
            None => {
                self.dims.insert(index.to_string(), dim.clone());
            }
        }
    }

    fn shape_of_name(&self, name: &str) -> Shape {
        match self.named.get(name) {
            Some(e) => shape_of(e, self.shapes),
            None => self.shapes.get(name).cloned().unwrap_or_default(),
        }
    }

    /// The matrix form of a named vector or matrix.
    fn named_form(&self, name: &str) -> Expr {
        self.named.get(name).cloned().unwrap_or_else(|| Expr::var(name))
    }

    fn ones(&self, index: &str) -> Result<Expr, NoMatrixForm> {
        if self.ambiguous.contains(index) {
            return Err(format!("the index `{index}` runs over different lengths in different sums"));
        }
        let n = self.dims.get(index).ok_or_else(|| format!("the length of the index `{index}` is not known"))?;
        Ok(Expr::call(Func::Ones, vec![super::elaborate::dim_expr(n)]))
    }

    fn is_index(&self, name: &str) -> bool {
        self.dims.contains_key(name)
    }

    fn index_name<'e>(&self, e: &'e Expr) -> Option<&'e str> {
        match &e.node {
            Node::Var(i) if self.is_index(i) => Some(i),
            _ => None,
        }
    }

    fn tensor(&self, e: &Expr) -> Result<Tensor, NoMatrixForm> {
        match &e.node {
            Node::Num(_) | Node::Pi => Ok(Tensor::scalar(e.clone())),
            Node::Var(name) if self.is_index(name) => {
                Err(format!("the index `{name}` is used as a number (no matrix operation does that)"))
            }
            Node::Var(_) => Ok(Tensor::scalar(e.clone())),
            Node::Index(base, indices) => self.component(e, base, indices),
            Node::Neg(a) => {
                let a = self.tensor(a)?;
                Ok(Tensor { expr: Expr::negate(a.expr), ..a })
            }
            Node::Binary(BinOp::Mul, ..) => {
                let mut factors = vec![];
                self.factors(e, &mut factors)?;
                self.product(factors)
            }
            Node::Binary(op, a, b) => {
                let (a, b) = (self.tensor(a)?, self.tensor(b)?);
                if matches!(op, BinOp::Pow) && !b.is_scalar() {
                    return Err("a power with an indexed exponent has no matrix form".into());
                }
                let (a, b, row, col) = self.align(a, b)?;
                Ok(Tensor { expr: Expr::binary(*op, a, b), row, col })
            }
            Node::Call(Func::Delta, args) => match (self.index_name(&args[0]), self.index_name(&args[1])) {
                (Some(i), Some(j)) if i != j => {
                    let n = self.dims[i].clone();
                    let eye = Expr::call(Func::Eye, vec![super::elaborate::dim_expr(&n)]);
                    Ok(Tensor { expr: eye, row: Some(i.into()), col: Some(j.into()) })
                }
                _ => Err(format!("`{e}` compares indices in a way no matrix expresses")),
            },
            Node::Call(func, args) if args.len() == 1 && !func.takes_vector() => {
                let a = self.tensor(&args[0])?;
                Ok(Tensor { expr: Expr::call(*func, vec![a.expr]), ..a })
            }
            Node::Call(func @ (Func::Max | Func::Min | Func::Heaviside), args) => {
                let (a, b) = (self.tensor(&args[0])?, self.tensor(&args[1])?);
                let (a, b, row, col) = self.align(a, b)?;
                Ok(Tensor { expr: Expr::call(*func, vec![a, b]), row, col })
            }
            Node::Call(Func::Logsumexp, args) => match &args[0].node {
                Node::Var(v) => Ok(Tensor::scalar(Expr::call(Func::Logsumexp, vec![self.named_form(v)]))),
                _ => Err(format!("`{e}`: logsumexp of an unnamed vector")),
            },
            Node::Call(..) => Err(format!("`{e}` has no matrix form here")),
            Node::Reduce(Reduce::Sum, k, count, body) => self.sum(k, count.as_deref(), body),
            Node::Reduce(Reduce::Prod, ..) => Err(format!("`{e}`: a product over an index has no matrix form")),
            Node::Array(_) => Err("an array has no matrix form here".into()),
            Node::Apply(name, args) => {
                let args = args.iter().map(|a| self.tensor(a)).collect::<Result<Vec<_>, _>>()?;
                if args.iter().any(|a| !a.is_scalar()) {
                    return Err(format!("`{name}` of indexed arguments has no matrix form"));
                }
                Ok(Tensor::scalar(Expr::new(Node::Apply(name.clone(), args.into_iter().map(|a| a.expr).collect()))))
            }
        }
    }

    /// `v[i]`, `W[i, j]`, `softmax(v)[i]`, or a component at a fixed position (a scalar).
    fn component(&self, e: &Expr, base: &Expr, indices: &[Expr]) -> Result<Tensor, NoMatrixForm> {
        let names: Vec<Option<&str>> = indices.iter().map(|i| self.index_name(i)).collect();
        if names.iter().all(Option::is_none) {
            if indices.iter().any(|i| i.free_names().iter().any(|n| self.is_index(n))) {
                return Err(format!("`{e}`: an index computed from another has no matrix form"));
            }
            return Ok(Tensor::scalar(e.clone()));
        }
        let whole = match &base.node {
            Node::Var(name) => self.named_form(name),
            Node::Call(Func::Softmax, args) => match &args[0].node {
                Node::Var(v) => Expr::call(Func::Softmax, vec![self.named_form(v)]),
                _ => return Err(format!("`{e}`: softmax of an unnamed vector")),
            },
            _ => return Err(format!("`{e}` has no matrix form")),
        };
        let shape = shape_of(&whole, self.shapes);
        match (names.as_slice(), shape.rows.is_some(), shape.cols.is_some()) {
            ([Some(i)], true, false) => Ok(Tensor { expr: whole, row: Some(i.to_string()), col: None }),
            // A row vector's component `r[1, j]`.
            ([None, Some(j)], false, true) if indices[0] == Expr::int(1) => {
                Ok(Tensor { expr: transpose(whole), row: Some(j.to_string()), col: None })
            }
            ([Some(i), Some(j)], true, true) => {
                Ok(Tensor { expr: whole, row: Some(i.to_string()), col: Some(j.to_string()) })
            }
            _ => Err(format!("`{e}` mixes fixed and running indices")),
        }
    }

    /// The factors of a product, each raised.
    fn factors(&self, e: &Expr, out: &mut Vec<Tensor>) -> Result<(), NoMatrixForm> {
        match &e.node {
            Node::Binary(BinOp::Mul, a, b) => {
                self.factors(a, out)?;
                self.factors(b, out)
            }
            _ => {
                out.push(self.tensor(e)?);
                Ok(())
            }
        }
    }

    /// The product of factors on free indices (nothing summed): the scalars and signs in
    /// front, vectors on one index multiplied entrywise, then matrices, then the vectors on other
    /// indices (outer products, diagonal scalings).
    fn product(&self, factors: Vec<Tensor>) -> Result<Tensor, NoMatrixForm> {
        let mut negative = false;
        let mut scalars = vec![];
        let mut vectors: Vec<Tensor> = vec![];
        let mut matrices = vec![];
        for mut t in factors {
            while let Node::Neg(inner) = t.expr.node {
                negative = !negative;
                t.expr = *inner;
            }
            if t.is_scalar() {
                scalars.push(t.expr);
            } else if t.col.is_some() {
                matrices.push(t);
            } else if let Some(same) = vectors.iter_mut().find(|v| v.row == t.row) {
                same.expr = hadamard(same.expr.clone(), t.expr);
            } else {
                vectors.push(t);
            }
        }
        let coefficient = scalars.into_iter().reduce(|a, b| Expr::binary(BinOp::Mul, a, b));
        let mut tensors = matrices.into_iter().chain(vectors);
        let mut acc = match tensors.next() {
            Some(first) => first,
            None => Tensor::scalar(coefficient.clone().unwrap_or_else(|| Expr::int(1))),
        };
        for t in tensors {
            acc = times(acc, t)?;
        }
        if let (Some(c), false) = (coefficient, acc.is_scalar()) {
            acc.expr = scale(c, acc.expr);
        }
        if negative {
            acc.expr = Expr::negate(acc.expr);
        }
        Ok(acc)
    }

    /// `sum(k, body)`: a contraction over `k`; when the body's factors do not raise as they
    /// stand (a factor adding terms on other indices), the body multiplied out, term by term.
    fn sum(&self, k: &str, count: Option<&Expr>, body: &Expr) -> Result<Tensor, NoMatrixForm> {
        self.contraction(k, count, body).or_else(|why| {
            let terms = expand(body).filter(|terms| terms.len() > 1).ok_or(why)?;
            let mut total: Option<Tensor> = None;
            for term in terms {
                let t = self.contraction(k, count, &term)?;
                total = Some(match total {
                    None => t,
                    Some(acc) => {
                        let (a, b, row, col) = self.align(acc, t)?;
                        Tensor { expr: plus(a, b), row, col }
                    }
                });
            }
            Ok(total.expect("terms"))
        })
    }

    fn contraction(&self, k: &str, count: Option<&Expr>, body: &Expr) -> Result<Tensor, NoMatrixForm> {
        if let Some(count) = count {
            let matches = self.dims.get(k).is_some_and(|d| dim_of(count).flatten().as_ref() == Some(d));
            if !matches {
                return Err(format!("the sum over `{k}` runs over part of a vector"));
            }
        }
        match &body.node {
            Node::Binary(op @ (BinOp::Add | BinOp::Sub), a, b) => {
                let (a, b) = (self.contraction(k, count, a)?, self.contraction(k, count, b)?);
                let (a, b, row, col) = self.align(a, b)?;
                return Ok(Tensor { expr: Expr::binary(*op, a, b), row, col });
            }
            Node::Neg(a) => {
                let a = self.contraction(k, count, a)?;
                return Ok(Tensor { expr: Expr::negate(a.expr), ..a });
            }
            _ => {}
        }
        let mut factors = vec![];
        self.factors(body, &mut factors)?;
        let (with_k, without): (Vec<Tensor>, Vec<Tensor>) = factors.into_iter().partition(|t| t.mentions(k));
        let summed = match with_k.len() {
            0 => {
                let n = self.dims.get(k).ok_or_else(|| format!("the length of the index `{k}` is not known"))?;
                Tensor::scalar(super::elaborate::dim_expr(n))
            }
            1 => self.sum_one(k, with_k.into_iter().next().expect("one factor"))?,
            _ => self.contract_all(k, with_k)?,
        };
        let mut all = without;
        all.push(summed);
        self.product(all)
    }

    /// The sum over `k` of the product of two or more tensors on `k`. Vectors on `k` are
    /// multiplied entrywise first (`sum(k, a[k]*b[k]*W[k, q])` is `W^T*(a .* b)`), then
    /// folded into a matrix when two matrices share `k`, so that one matrix product is left.
    fn contract_all(&self, k: &str, with_k: Vec<Tensor>) -> Result<Tensor, NoMatrixForm> {
        let (mut vectors, mut matrices): (Vec<Tensor>, Vec<Tensor>) = with_k.into_iter().partition(|t| t.col.is_none());
        let (left, right) = match (matrices.len(), vectors.len()) {
            (0, _) => {
                let last = vectors.pop().expect("two vectors");
                (self.product(vectors)?, last)
            }
            (1, 0) => return self.sum_one(k, matrices.pop().expect("one matrix")),
            (1, _) => (matrices.pop().expect("one matrix"), self.product(vectors)?),
            _ => {
                let last = matrices.pop().expect("two matrices");
                let mut first = vec![matrices.remove(0)];
                first.extend(vectors);
                first.extend(matrices);
                (self.product(first)?, last)
            }
        };
        contract(k, left, right)
    }

    /// The sum over `k` of one tensor on `k`.
    fn sum_one(&self, k: &str, t: Tensor) -> Result<Tensor, NoMatrixForm> {
        match (t.row.as_deref(), t.col.as_deref()) {
            (Some(r), Some(c)) if r == k && c == k => Ok(Tensor::scalar(Expr::call(Func::Trace, vec![t.expr]))),
            (Some(_), None) => Ok(Tensor::scalar(Expr::call(Func::SumAll, vec![t.expr]))),
            // Row sums and column sums: a product with a vector of ones.
            (Some(r), Some(c)) if r == k => {
                Ok(Tensor { expr: matmul(transpose(t.expr), self.ones(k)?), row: Some(c.into()), col: None })
            }
            (Some(r), Some(_)) => Ok(Tensor { expr: matmul(t.expr, self.ones(k)?), row: Some(r.into()), col: None }),
            _ => unreachable!("a tensor on k"),
        }
    }
}

/// The most terms a body is multiplied out into.
const MAX_TERMS: usize = 64;

/// The terms of `e` multiplied out (signs kept as factors of -1), if there are not too many.
fn expand(e: &Expr) -> Option<Vec<Expr>> {
    let negate = |t: Expr| Expr::negate(t);
    let terms = match &e.node {
        Node::Binary(BinOp::Add, a, b) => [expand(a)?, expand(b)?].concat(),
        Node::Binary(BinOp::Sub, a, b) => [expand(a)?, expand(b)?.into_iter().map(negate).collect()].concat(),
        Node::Neg(a) => expand(a)?.into_iter().map(negate).collect(),
        Node::Binary(BinOp::Mul, a, b) => {
            let (ta, tb) = (expand(a)?, expand(b)?);
            if ta.len() * tb.len() > MAX_TERMS {
                return None;
            }
            ta.iter().flat_map(|x| tb.iter().map(move |y| Expr::binary(BinOp::Mul, x.clone(), y.clone()))).collect()
        }
        _ => vec![e.clone()],
    };
    (terms.len() <= MAX_TERMS).then_some(terms)
}

fn check_diagonal(t: &Tensor) -> Result<(), NoMatrixForm> {
    match (&t.row, &t.col) {
        (Some(r), Some(c)) if r == c => {
            Err(format!("a diagonal entry (`[{r}, {r}]`) outside a trace has no matrix form"))
        }
        _ => Ok(()),
    }
}

/// The product of two tensors on free indices: entrywise on the same indices, an outer product
/// on different ones, a diagonal scaling where a vector shares one index with a matrix.
fn times(a: Tensor, b: Tensor) -> Result<Tensor, NoMatrixForm> {
    signed(a, b, times_unsigned)
}

fn times_unsigned(a: Tensor, b: Tensor) -> Result<Tensor, NoMatrixForm> {
    check_diagonal(&a)?;
    check_diagonal(&b)?;
    let (ra, rb) = (a.indices().len(), b.indices().len());
    match (ra, rb) {
        (0, _) => Ok(Tensor { expr: scale(a.expr, b.expr), ..b }),
        (_, 0) => Ok(Tensor { expr: scale(b.expr, a.expr), ..a }),
        (1, 1) if a.row == b.row => Ok(Tensor { expr: hadamard(a.expr, b.expr), ..a }),
        (1, 1) => Ok(Tensor { expr: matmul(a.expr, transpose(b.expr)), row: a.row, col: b.row }),
        (2, 1) | (1, 2) => {
            let (m, v) = if ra == 2 { (a, b) } else { (b, a) };
            if v.row == m.row {
                Ok(Tensor { expr: matmul(diag(v.expr), m.expr), ..m })
            } else if v.row == m.col {
                Ok(Tensor { expr: matmul(m.expr, diag(v.expr)), ..m })
            } else {
                Err("a product on three free indices has no matrix form".into())
            }
        }
        _ if a.row == b.row && a.col == b.col => Ok(Tensor { expr: hadamard(a.expr, b.expr), ..a }),
        _ if a.row == b.col && a.col == b.row => Ok(Tensor { expr: hadamard(a.expr, transpose(b.expr)), ..a }),
        _ => Err("a product on three or more free indices has no matrix form".into()),
    }
}

/// The sum over `k` of `a*b`, both on `k`: a matrix product, transposes chosen so that `k`
/// is the column of the left factor and the row of the right one.
fn contract(k: &str, a: Tensor, b: Tensor) -> Result<Tensor, NoMatrixForm> {
    check_diagonal(&a)?;
    check_diagonal(&b)?;
    signed(a, b, |a, b| contract_unsigned(k, a, b))
}

/// `combine` of two tensors without their leading signs, the sign of the two put in front.
fn signed(
    a: Tensor,
    b: Tensor,
    combine: impl FnOnce(Tensor, Tensor) -> Result<Tensor, NoMatrixForm>,
) -> Result<Tensor, NoMatrixForm> {
    let (negative_a, a) = unsigned(a);
    let (negative_b, b) = unsigned(b);
    let t = combine(a, b)?;
    Ok(if negative_a != negative_b { Tensor { expr: Expr::negate(t.expr), ..t } } else { t })
}

/// A tensor without its leading signs, and whether there was an odd number of them.
fn unsigned(mut t: Tensor) -> (bool, Tensor) {
    let mut negative = false;
    while let Node::Neg(inner) = t.expr.node {
        negative = !negative;
        t.expr = *inner;
    }
    (negative, t)
}

/// `a + b`, written `a - c` when `b` is `-c`.
fn plus(a: Expr, b: Expr) -> Expr {
    match b.node {
        Node::Neg(c) => Expr::binary(BinOp::Sub, a, *c),
        node => Expr::binary(BinOp::Add, a, Expr::new(node)),
    }
}

fn contract_unsigned(k: &str, a: Tensor, b: Tensor) -> Result<Tensor, NoMatrixForm> {
    // The left factor with `k` as its column, and its other index.
    let (left, row) = match (a.row.as_deref(), a.col.as_deref()) {
        (Some(r), None) if r == k => (transpose(a.expr), None),
        (Some(r), Some(c)) if c == k => (a.expr, Some(r.to_string())),
        (Some(r), Some(c)) if r == k => (transpose(a.expr), Some(c.to_string())),
        _ => return Err("a sum over an index shared in another way has no matrix form".into()),
    };
    let (right, col) = match (b.row.as_deref(), b.col.as_deref()) {
        (Some(r), None) if r == k => (b.expr, None),
        (Some(r), Some(c)) if r == k => (b.expr, Some(c.to_string())),
        (Some(r), Some(c)) if c == k => (transpose(b.expr), Some(r.to_string())),
        _ => return Err("a sum over an index shared in another way has no matrix form".into()),
    };
    if row.is_some() && row == col {
        return Err(format!("the diagonal of a product (over `{k}`) has no matrix form"));
    }
    let product = matmul(left, right);
    Ok(match (row, col) {
        // A row vector: its transpose is the column on the same index.
        (None, Some(c)) => Tensor { expr: transpose(product), row: Some(c), col: None },
        (row, col) => Tensor { expr: product, row, col },
    })
}

/// `c*e` for a scalar `c`, with `1*e = e`.
fn scale(c: Expr, e: Expr) -> Expr {
    if c == Expr::int(1) {
        e
    } else if c == Expr::int(-1) {
        Expr::negate(e)
    } else if let Node::Neg(inner) = &c.node {
        if **inner == Expr::int(1) {
            return Expr::negate(e);
        }
        Expr::binary(BinOp::Mul, c, e)
    } else {
        Expr::binary(BinOp::Mul, c, e)
    }
}

/// The matrix product, written left to right (`a*(b*c)` is `a*b*c`), the identity dropped.
pub fn matmul(a: Expr, b: Expr) -> Expr {
    if matches!(a.node, Node::Call(Func::Eye, _)) {
        return b;
    }
    if matches!(b.node, Node::Call(Func::Eye, _)) {
        return a;
    }
    if let Node::Call(Func::MatMul, args) = &b.node {
        return matmul(matmul(a, args[0].clone()), args[1].clone());
    }
    Expr::call(Func::MatMul, vec![a, b])
}

/// The entrywise product.
fn hadamard(a: Expr, b: Expr) -> Expr {
    Expr::call(Func::Hadamard, vec![a, b])
}

/// The diagonal matrix of a vector.
fn diag(v: Expr) -> Expr {
    Expr::call(Func::Diag, vec![v])
}

/// The transpose, as a textbook writes it: through a product (`(A*B)^T = B^T*A^T`), a sign,
/// and a sum whose terms all transpose into something simpler than `(...)^T`; `(A^T)^T = A`,
/// `I`, `diag(v)` and numbers their own; anything else (`(W*x + b)^T`, `sigmoid(z)^T`)
/// transposed as a whole.
pub fn transpose(e: Expr) -> Expr {
    match e.node {
        Node::Call(Func::Transpose, mut args) => args.remove(0),
        Node::Call(Func::MatMul, mut args) => {
            let b = args.pop().expect("two factors");
            let a = args.pop().expect("two factors");
            matmul(transpose(b), transpose(a))
        }
        Node::Call(Func::Eye | Func::Diag, _) | Node::Num(_) | Node::Pi => e,
        Node::Neg(a) => Expr::negate(transpose(*a)),
        // Through a sum only where every term's transpose is simpler than a `^T` on it.
        Node::Binary(op @ (BinOp::Add | BinOp::Sub), a, b) => {
            let (ta, tb) = (transpose((*a).clone()), transpose((*b).clone()));
            let whole = |t: &Expr, of: &Expr| matches!(&t.node, Node::Call(Func::Transpose, x) if x[0] == *of);
            if whole(&ta, &a) || whole(&tb, &b) {
                Expr::call(Func::Transpose, vec![Expr::binary(op, *a, *b)])
            } else {
                Expr::binary(op, ta, tb)
            }
        }
        // A scale (the scalar comes first in the forms raised here).
        Node::Binary(BinOp::Mul, a, b) => Expr::binary(BinOp::Mul, *a, transpose(*b)),
        node => Expr::call(Func::Transpose, vec![Expr::new(node)]),
    }
}

/// `diag(v)*u` for a vector `u` written `v .* u`, everywhere in `e` (as in
/// `W1^T*(σ'(z) .* (W2^T*d))`).
pub fn entrywise_scalings(e: &Expr, shapes: &Shapes) -> Expr {
    let e = e.map_children(|c: &Expr| entrywise_scalings(c, shapes));
    let Node::Call(Func::MatMul, _) = &e.node else { return e };
    let mut chain = vec![];
    flatten_product(&e, &mut chain);
    let mut acc = chain.pop().expect("a product has factors");
    while let Some(factor) = chain.pop() {
        let vector = shape_of(&acc, shapes);
        acc = match factor.node {
            Node::Call(Func::Diag, mut v) if vector.rows.is_some() && vector.cols.is_none() => {
                hadamard(v.remove(0), acc)
            }
            _ => matmul(factor, acc),
        };
    }
    acc
}

fn flatten_product(e: &Expr, out: &mut Vec<Expr>) {
    match &e.node {
        Node::Call(Func::MatMul, args) => {
            flatten_product(&args[0], out);
            flatten_product(&args[1], out);
        }
        _ => out.push(e.clone()),
    }
}
