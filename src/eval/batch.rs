//! An expression evaluated for many samples at once, on f64 arrays: the exercise runner's f64
//! path (an activation at every entry of a layer, delta^L and the loss for every sample of a
//! batch). Each operation is [`Number`]'s own, applied sample by sample, so the values are the
//! evaluator's. What this cannot give as plain f64 (an error, an exact or rounded result, a
//! construct beyond numbers, names, components of named vectors, sums and functions of
//! numbers) it leaves to the evaluator (`None`), which gives the value or the error with its
//! span.

use super::number::{NumResult, Number};
use super::{apply_binary, apply_unary, log_sigmoid, reduction};
use crate::syntax::ast::{BinOp, Expr, Func, Node, Reduce};
use ndarray::{Array1, ArrayView2, CowArray, Ix1, Zip};

/// Names bound for a batch of samples: a number per sample, or a vector per sample (one column
/// per sample), and indices with one value for all samples.
pub struct Samples<'a> {
    samples: usize,
    numbers: Vec<(String, CowArray<'a, f64, Ix1>)>,
    vectors: Vec<(String, ArrayView2<'a, f64>)>,
    indices: Vec<(String, usize)>,
}

impl<'a> Samples<'a> {
    /// No names bound, for `samples` samples.
    pub fn new(samples: usize) -> Samples<'a> {
        Samples { samples, numbers: vec![], vectors: vec![], indices: vec![] }
    }

    /// Binds `name` to one number per sample (replacing an earlier binding).
    pub fn bind_numbers(&mut self, name: &str, values: impl Into<CowArray<'a, f64, Ix1>>) {
        let values = values.into();
        assert_eq!(values.len(), self.samples, "one number per sample");
        self.numbers.retain(|(n, _)| n != name);
        self.numbers.push((name.to_string(), values));
    }

    /// Binds `name` to one vector per sample: the columns of `columns`.
    pub fn bind_vectors(&mut self, name: &str, columns: ArrayView2<'a, f64>) {
        assert_eq!(columns.ncols(), self.samples, "one column per sample");
        self.vectors.retain(|(n, _)| n != name);
        self.vectors.push((name.to_string(), columns));
    }

    /// Binds `name` to the index `k` (from 1) for every sample.
    pub fn bind_index(&mut self, name: &str, k: usize) {
        self.indices.retain(|(n, _)| n != name);
        self.indices.push((name.to_string(), k));
    }

    /// The value of `e` for every sample; `None` when one sample's value is not a plain f64 or
    /// `e` has a construct this does not evaluate.
    pub fn eval(&mut self, e: &Expr) -> Option<Array1<f64>> {
        match self.part(e)? {
            Part::Values(v) => Some(v),
            Part::Constant(Number::Approx(c)) => Some(Array1::from_elem(self.samples, c)),
            Part::Constant(_) => None,
        }
    }

    fn part(&mut self, e: &Expr) -> Option<Part> {
        match &e.node {
            Node::Num(r) => Some(Part::Constant(Number::Exact(r.clone()))),
            Node::Pi => Some(Part::Constant(Number::pi())),
            Node::Var(name) => self.lookup(name),
            Node::Index(base, indices) => self.component(base, indices),
            Node::Neg(a) => self.unary(a, |n| Ok(-n)),
            Node::Binary(op, a, b) => {
                let f = move |x: Number, y: &Number| match op {
                    BinOp::Add => x.try_add(y),
                    BinOp::Sub => x.try_sub(y),
                    BinOp::Mul => x.try_mul(y),
                    BinOp::Div => x.try_div(y),
                    BinOp::Pow => x.pow(y),
                };
                // Beside an f64, an exact operand of + - * / counts as its f64 (not so for ^).
                self.binary(a, b, !matches!(op, BinOp::Pow), f)
            }
            Node::Call(Func::Log, args) => match args.as_slice() {
                [arg] => match &arg.node {
                    Node::Call(Func::Exp, inner) if inner.len() == 1 => self.part(&inner[0]),
                    Node::Call(Func::Sigmoid, inner) if inner.len() == 1 => self.unary(&inner[0], |n| log_sigmoid(&n)),
                    _ => self.unary(arg, |n| n.log()),
                },
                _ => None,
            },
            Node::Call(func @ (Func::Delta | Func::Max | Func::Min | Func::Heaviside), args) => match args.as_slice() {
                [a, b] => self.binary(a, b, false, |x, y| apply_binary(*func, &x, y)),
                _ => None,
            },
            Node::Call(func, args) => match args.as_slice() {
                [a] => self.unary(a, |n| apply_unary(*func, &n)),
                _ => None,
            },
            Node::Reduce(op, index, None, body) => self.reduce(*op, index, body),
            _ => None,
        }
    }

    fn lookup(&self, name: &str) -> Option<Part> {
        if let Some((_, k)) = self.indices.iter().rev().find(|(n, _)| n == name) {
            return Some(Part::Constant(Number::int(*k as i64)));
        }
        let (_, values) = self.numbers.iter().find(|(n, _)| n == name)?;
        Some(Part::Values(values.to_owned()))
    }

    /// `base[index]` for a name bound to vectors and an index with one value for all samples.
    fn component(&mut self, base: &Expr, indices: &[Expr]) -> Option<Part> {
        let (Node::Var(name), [index]) = (&base.node, indices) else { return None };
        if self.indices.iter().any(|(n, _)| n == name) || self.numbers.iter().any(|(n, _)| n == name) {
            return None;
        }
        let Part::Constant(k) = self.part(index)? else { return None };
        let k = k.as_index()?;
        let (_, columns) = self.vectors.iter().find(|(n, _)| n == name)?;
        (k <= columns.nrows()).then(|| Part::Values(columns.row(k - 1).to_owned()))
    }

    /// A sum or product over `index`, which runs over the length of every vector it indexes
    /// (they must agree), terms combined left to right from 0 (or 1).
    fn reduce(&mut self, op: Reduce, index: &str, body: &Expr) -> Option<Part> {
        let mut lengths = Vec::new();
        self.ranges(index, body, &mut lengths)?;
        let n = *lengths.first()?;
        if lengths.iter().any(|&m| m != n) {
            return None;
        }
        let (unit, combine) = reduction(op);
        let mut total = Part::Constant(unit);
        for k in 1..=n {
            self.indices.push((index.to_string(), k));
            let term = self.part(body);
            self.indices.pop();
            total = combined(total, term?, true, combine)?;
        }
        Some(total)
    }

    /// The lengths of the vectors `index` indexes in `e` (outside sums that bind it again);
    /// `None` when it indexes something other than a name bound to vectors.
    fn ranges(&self, index: &str, e: &Expr, out: &mut Vec<usize>) -> Option<()> {
        match &e.node {
            Node::Reduce(_, inner, _, _) if inner == index => return Some(()),
            Node::Index(base, indices) if indices.iter().any(|i| matches!(&i.node, Node::Var(v) if v == index)) => {
                let Node::Var(name) = &base.node else { return None };
                let (_, columns) = self.vectors.iter().find(|(n, _)| n == name)?;
                if indices.len() != 1 {
                    return None;
                }
                out.push(columns.nrows());
            }
            _ => {}
        }
        e.children().into_iter().try_for_each(|child| self.ranges(index, child, out))
    }

    fn unary(&mut self, a: &Expr, f: impl Fn(Number) -> NumResult) -> Option<Part> {
        match self.part(a)? {
            Part::Constant(n) => f(n).ok().map(Part::Constant),
            Part::Values(v) => map(&v, f),
        }
    }

    fn binary(
        &mut self,
        a: &Expr,
        b: &Expr,
        face_value: bool,
        f: impl Fn(Number, &Number) -> NumResult,
    ) -> Option<Part> {
        let x = self.part(a)?;
        combined(x, self.part(b)?, face_value, f)
    }
}

/// A sub-expression's value: the same number for every sample, or one per sample.
enum Part {
    Constant(Number),
    Values(Array1<f64>),
}

/// `r` when it is a plain f64, or a whole number within f64's exact range (relu's and step's
/// exact 0 and 1), which every operation with an f64 operand takes at face value anyway.
fn plain(r: NumResult) -> Option<f64> {
    match r {
        Ok(Number::Approx(x)) => Some(x),
        Ok(Number::Exact(q)) if q.is_integer() && q.numer().bits() <= 53 => Some(Number::Exact(q).to_f64()),
        _ => None,
    }
}

/// `f` of every value of `a`; `None` when one result is not a plain f64.
fn map(a: &Array1<f64>, f: impl Fn(Number) -> NumResult) -> Option<Part> {
    let mut out = Array1::zeros(a.len());
    for (o, &x) in out.iter_mut().zip(a) {
        *o = plain(f(Number::Approx(x)))?;
    }
    Some(Part::Values(out))
}

/// `f(x, y)` sample by sample. With `face_value`, an exact constant beside values is taken as
/// its f64 once (as `f` takes it beside an f64) instead of cloned for every sample.
fn combined(x: Part, y: Part, face_value: bool, f: impl Fn(Number, &Number) -> NumResult) -> Option<Part> {
    let as_f64 = |n: Number| match n {
        Number::Exact(_) if face_value => Number::Approx(n.to_f64()),
        n => n,
    };
    match (x, y) {
        (Part::Constant(x), Part::Constant(y)) => f(x, &y).ok().map(Part::Constant),
        (Part::Values(x), Part::Constant(y)) => map(&x, |n| f(n, &y)),
        (Part::Constant(x), Part::Values(y)) => {
            let x = as_f64(x);
            map(&y, |n| f(x.clone(), &n))
        }
        (Part::Values(x), Part::Values(y)) => {
            let mut out = Array1::zeros(x.len());
            let mut ok = true;
            Zip::from(&mut out).and(&x).and(&y).for_each(|o, &p, &q| {
                match plain(f(Number::Approx(p), &Number::Approx(q))) {
                    Some(v) => *o = v,
                    None => ok = false,
                }
            });
            ok.then_some(Part::Values(out))
        }
    }
}
