//! The evaluator: an expression and an environment of bound names give a [`Value`], exact
//! wherever the math allows. Failures (division by zero, log of a non-positive number, an
//! unbound name, an index out of range, shapes that do not fit) are errors with the span of the
//! sub-expression at fault, never a silent NaN.

pub mod batch;
pub mod bindings;
pub mod components;
pub mod linear;
pub mod many;
pub mod number;
pub mod value;

use crate::eval::number::{NumError, NumResult, Number};
use crate::eval::value::{Env, Value};
use crate::syntax::ast::{BinOp, Expr, Func, Node, Reduce, Span};
use crate::syntax::diagnostic::Problem;
use linear::ShapeError;
use num_traits::{Signed, ToPrimitive};
use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};

/// Why an expression has no value.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum EvalError {
    /// Division by zero.
    #[error("division by zero")]
    DivisionByZero {
        /// The division (or power) at fault.
        span: Span,
    },
    /// An argument outside a function's domain (log of a non-positive number, ...).
    #[error("{message}")]
    Domain {
        /// What is wrong.
        message: String,
        /// The call at fault.
        span: Span,
    },
    /// A result too large to represent.
    #[error("the result is too large to represent")]
    Overflow {
        /// The operation at fault.
        span: Span,
    },
    /// A name with no value.
    #[error("`{name}` has no value")]
    Unbound {
        /// The name.
        name: String,
        /// Where it is used.
        span: Span,
    },
    /// An index past the end of a vector or matrix axis.
    #[error("index {index} is out of range: `{name}` has {len} entries on that axis (indices count from 1)")]
    IndexOutOfRange {
        /// The indexed expression, printed.
        name: String,
        /// The index used.
        index: usize,
        /// The axis length.
        len: usize,
        /// Where the index is.
        span: Span,
    },
    /// An index that is not a positive integer.
    #[error("an index must be a positive integer, found {found}")]
    BadIndex {
        /// The value found.
        found: String,
        /// Where the index is.
        span: Span,
    },
    /// Operands whose shapes do not fit together.
    #[error("{message}")]
    Shape {
        /// What does not fit.
        message: String,
        /// Where.
        span: Span,
    },
    /// A sign or an order that rounding error leaves open (the value lies within rounding
    /// error of a point where the result jumps).
    #[error("{message}")]
    Undecidable {
        /// What cannot be decided, and why.
        message: String,
        /// The operation at fault.
        span: Span,
    },
    /// A `sum` whose index range cannot be told or is ambiguous.
    #[error("{message}")]
    SumRange {
        /// What is wrong.
        message: String,
        /// The sum.
        span: Span,
    },
    /// An evaluation that would take more than [`EVAL_BUDGET`] steps (nested sums over large
    /// vectors, deeply nested softmaxes).
    #[error("evaluating this takes more than {budget} steps; it was stopped")]
    TooCostly {
        /// The step budget.
        budget: u64,
        /// The expression being evaluated when the budget ran out.
        span: Span,
    },
}

/// The most expression nodes one evaluation visits (about a second of work) before it stops
/// with [`EvalError::TooCostly`].
pub const EVAL_BUDGET: u64 = 20_000_000;

impl Problem for EvalError {
    fn kind(&self) -> &'static str {
        match self {
            EvalError::DivisionByZero { .. } => "division_by_zero",
            EvalError::Domain { .. } => "domain",
            EvalError::Overflow { .. } => "overflow",
            EvalError::Unbound { .. } => "unbound_name",
            EvalError::IndexOutOfRange { .. } => "index_out_of_range",
            EvalError::BadIndex { .. } => "bad_index",
            EvalError::Shape { .. } => "shape",
            EvalError::Undecidable { .. } => "undecidable",
            EvalError::SumRange { .. } => "sum_range",
            EvalError::TooCostly { .. } => "too_costly",
        }
    }

    fn span(&self) -> Option<Span> {
        match self {
            EvalError::DivisionByZero { span }
            | EvalError::Domain { span, .. }
            | EvalError::Overflow { span }
            | EvalError::Unbound { span, .. }
            | EvalError::IndexOutOfRange { span, .. }
            | EvalError::BadIndex { span, .. }
            | EvalError::Shape { span, .. }
            | EvalError::Undecidable { span, .. }
            | EvalError::SumRange { span, .. }
            | EvalError::TooCostly { span, .. } => Some(span.clone()),
        }
    }

    fn help(&self) -> Option<String> {
        match self {
            EvalError::Unbound { name, .. } => Some(format!("give it a value, e.g. --at '{name}=1'")),
            EvalError::SumRange { .. } => Some("index a bound vector with the sum's index, like sum(i, z[i])".into()),
            EvalError::Undecidable { .. } => {
                Some("f64 rounding cannot tell this value from 0 (it may be exactly 0, like sqrt(2)^2 - 2)".into())
            }
            _ => None,
        }
    }
}

impl EvalError {
    /// The same error with its span moved by `offset` bytes (for sources embedded in a larger text).
    pub fn shifted(mut self, offset: usize) -> EvalError {
        match &mut self {
            EvalError::DivisionByZero { span }
            | EvalError::Domain { span, .. }
            | EvalError::Overflow { span }
            | EvalError::Unbound { span, .. }
            | EvalError::IndexOutOfRange { span, .. }
            | EvalError::BadIndex { span, .. }
            | EvalError::Shape { span, .. }
            | EvalError::Undecidable { span, .. }
            | EvalError::SumRange { span, .. }
            | EvalError::TooCostly { span, .. } => *span = span.start + offset..span.end + offset,
        }
        self
    }
}

/// Evaluates `e` with the names bound in `env`.
pub fn eval(e: &Expr, env: &Env) -> Result<Value, EvalError> {
    eval_within(e, env, EVAL_BUDGET)
}

/// Evaluates `e` visiting at most `budget` expression nodes.
pub fn eval_within(e: &Expr, env: &Env, budget: u64) -> Result<Value, EvalError> {
    Evaluator { env, indices: Vec::new(), wholes: HashMap::new(), budget, budget_left: budget }.eval(e)
}

/// Evaluates `e` and requires a scalar result.
pub fn eval_scalar(e: &Expr, env: &Env) -> Result<Number, EvalError> {
    match eval(e, env)? {
        Value::Scalar(n) => Ok(n),
        other => Err(EvalError::Shape {
            message: format!("expected a number, found a {} of shape {:?}", rank_name(other.rank()), other.shape()),
            span: e.span.clone(),
        }),
    }
}

/// Applies a one-argument function to a number: exact where the value is rational
/// (relu, step, abs, sign everywhere; exp, sin, tanh, sigmoid, ... at 0).
pub fn apply_unary(func: Func, x: &Number) -> Result<Number, NumError> {
    let x = x.clone();
    match func {
        Func::Exp => x.exp(),
        Func::Log => x.log(),
        Func::Sqrt => x.sqrt(),
        Func::Abs => Ok(x.abs()),
        Func::Sign => x.sign(),
        Func::Sin => x.sin(),
        Func::Cos => x.cos(),
        Func::Tan => x.tan(),
        Func::Sinh => x.sinh(),
        Func::Cosh => x.cosh(),
        Func::Tanh => x.tanh(),
        Func::Sigmoid => x.sigmoid(),
        Func::Relu => x.relu(),
        Func::Step => x.step(),
        Func::Softplus => x.softplus(),
        Func::Erf => x.erf(),
        _ => Err(NumError::Domain(format!("{} does not take one number", func.name()))),
    }
}

/// A function of two numbers (`delta`, `max`, `min`, `heaviside`) applied to `x` and `y`.
pub fn apply_binary(func: Func, x: &Number, y: &Number) -> Result<Number, NumError> {
    match func {
        Func::Delta => x.delta(y),
        Func::Max => x.clone().max(y.clone()),
        Func::Min => x.clone().min(y.clone()),
        Func::Heaviside => Ok(match x.compare(&Number::int(0)) {
            std::cmp::Ordering::Greater => Number::int(1),
            std::cmp::Ordering::Less => Number::int(0),
            std::cmp::Ordering::Equal => y.clone(),
        }),
        _ => Err(NumError::Domain(format!("{} does not take two numbers", func.name()))),
    }
}

/// What a sum or product starts from, and how it adds a term (left to right).
pub fn reduction(op: Reduce) -> (Number, fn(Number, &Number) -> NumResult) {
    match op {
        Reduce::Sum => (Number::int(0), Number::try_add),
        Reduce::Prod => (Number::int(1), Number::try_mul),
    }
}

/// `log(sigmoid(x))` in the form that cannot underflow, `-softplus(-x)`.
pub fn log_sigmoid(x: &Number) -> Result<Number, NumError> {
    (-x.clone()).softplus().map(|s| -s)
}

fn rank_name(rank: usize) -> &'static str {
    match rank {
        0 => "scalar",
        1 => "vector",
        _ => "matrix",
    }
}

struct Evaluator<'a> {
    env: &'a Env,
    /// Values of the indices bound by enclosing sums, innermost last.
    indices: Vec<(String, usize)>,
    /// Indexed vectors computed once (`softmax(v)` in `softmax(v)[j]` under a sum over `j`),
    /// by the address of their expression in the tree being evaluated, with its free names:
    /// a value is reused while no enclosing sum binds one of them. Without it, nested
    /// softmaxes would be evaluated again for every component, exponentially often.
    wholes: HashMap<*const Expr, (BTreeSet<String>, Value)>,
    /// The step budget, and what is left of it.
    budget: u64,
    budget_left: u64,
}

impl Evaluator<'_> {
    fn lookup(&self, name: &str, span: &Span) -> Result<Cow<'_, Value>, EvalError> {
        if let Some((_, k)) = self.indices.iter().rev().find(|(i, _)| i == name) {
            return Ok(Cow::Owned(Value::Scalar(Number::int(*k as i64))));
        }
        self.env
            .get(name)
            .map(Cow::Borrowed)
            .ok_or_else(|| EvalError::Unbound { name: name.to_string(), span: span.clone() })
    }

    fn eval(&mut self, e: &Expr) -> Result<Value, EvalError> {
        self.budget_left = self
            .budget_left
            .checked_sub(1)
            .ok_or_else(|| EvalError::TooCostly { budget: self.budget, span: e.span.clone() })?;
        let num = |r: Result<Number, NumError>| r.map_err(|err| num_error(err, &e.span));
        match &e.node {
            Node::Num(r) => Ok(Value::Scalar(Number::Exact(r.clone()))),
            Node::Pi => Ok(Value::Scalar(Number::pi())),
            Node::Var(name) => Ok(self.lookup(name, &e.span)?.into_owned()),
            Node::Apply(name, _) => Err(EvalError::Domain {
                message: format!("`{name}` is a declared function (--fn) without a definition: it has no value"),
                span: e.span.clone(),
            }),
            Node::Index(base, indices) => self.eval_index(e, base, indices),
            Node::Neg(inner) => self.eval(inner)?.try_map(&mut |n| Ok(-n.clone())),
            Node::Binary(op, a, b) => {
                let (va, vb) = (self.eval(a)?, self.eval(b)?);
                zip(&va, &vb, &e.span, &mut |x, y| {
                    num(match op {
                        BinOp::Add => x.clone().try_add(y),
                        BinOp::Sub => x.clone().try_sub(y),
                        BinOp::Mul => x.clone().try_mul(y),
                        BinOp::Div => x.clone().try_div(y).map_err(|err| err.about(|| format!("`{b}`"))),
                        BinOp::Pow => x.clone().pow(y),
                    })
                })
            }
            Node::Call(func, args) => self.eval_call(e, *func, args),
            Node::Array(items) => {
                let values = items.iter().map(|item| self.eval(item)).collect::<Result<Vec<_>, _>>()?;
                linear::array(values).map_err(|err| shape_error(err, &e.span))
            }
            Node::Reduce(op, index, count, body) => {
                let n = match count {
                    Some(count) => self.count(count)?,
                    None => self.sum_range(index, body, &e.span)?,
                };
                let (unit, combine) = reduction(*op);
                let mut total = Value::Scalar(unit);
                for k in 1..=n {
                    self.indices.push((index.clone(), k));
                    let term = self.eval(body);
                    self.indices.pop();
                    total = zip(&total, &term?, &e.span, &mut |x, y| num(combine(x.clone(), y)))?;
                }
                Ok(total)
            }
        }
    }

    fn eval_index(&mut self, e: &Expr, base: &Expr, indices: &[Expr]) -> Result<Value, EvalError> {
        let position = self.eval_position(indices)?;
        let value = self.indexed_value(base)?;
        Ok(Value::Scalar(index_into(e, base, &value, indices, &position)?))
    }

    /// The values of the indices of a component, each a positive integer.
    fn eval_position(&mut self, indices: &[Expr]) -> Result<Vec<usize>, EvalError> {
        let mut position = Vec::with_capacity(indices.len());
        for index in indices {
            let value = self.eval(index)?;
            let k = value
                .as_scalar()
                .and_then(Number::as_index)
                .ok_or_else(|| EvalError::BadIndex { found: value.to_string(), span: index.span.clone() })?;
            position.push(k);
        }
        Ok(position)
    }

    /// The value of an indexed expression: a name's, or a computed vector's (reused while the
    /// sums around it do not bind its names).
    fn indexed_value(&mut self, base: &Expr) -> Result<Cow<'_, Value>, EvalError> {
        if let Node::Var(name) = &base.node {
            return self.lookup(name, &base.span);
        }
        let key = base as *const Expr;
        let bound =
            |names: &BTreeSet<String>, indices: &[(String, usize)]| indices.iter().any(|(i, _)| names.contains(i));
        if let Some((names, _)) = self.wholes.get(&key) {
            if !bound(names, &self.indices) {
                return Ok(Cow::Borrowed(&self.wholes[&key].1));
            }
        }
        let value = self.eval(base)?;
        let names = base.free_names();
        if bound(&names, &self.indices) {
            return Ok(Cow::Owned(value));
        }
        self.wholes.insert(key, (names, value));
        Ok(Cow::Borrowed(&self.wholes[&key].1))
    }

    fn eval_call(&mut self, e: &Expr, func: Func, args: &[Expr]) -> Result<Value, EvalError> {
        let num = |r: Result<Number, NumError>| r.map_err(|err| num_error(err, &e.span));
        if let (Func::Log, [arg]) = (func, args) {
            if let Some(value) = self.eval_log_of_known_form(e, arg)? {
                return Ok(value);
            }
        }
        let values = args.iter().map(|a| self.eval(a)).collect::<Result<Vec<_>, _>>()?;
        match (func, values.as_slice()) {
            (Func::Softmax, [Value::Vector(v)]) if !v.is_empty() => {
                let (shifted, total) = shifted_exps(v).map_err(|err| num_error(err, &e.span))?;
                Ok(Value::Vector(shifted.into_iter().map(|x| num(x.try_div(&total))).collect::<Result<_, _>>()?))
            }
            // A matrix is a batch: each column is one sample's vector.
            // A row is one vector.
            (Func::Softmax, [Value::Matrix(rows)]) if rows.len() == 1 && !rows[0].is_empty() => {
                let (shifted, total) = shifted_exps(&rows[0]).map_err(|err| num_error(err, &e.span))?;
                let row = shifted.into_iter().map(|x| num(x.try_div(&total))).collect::<Result<_, _>>()?;
                Ok(Value::Matrix(vec![row]))
            }
            (Func::Softmax, [Value::Matrix(rows)]) if rows.first().is_some_and(|r| !r.is_empty()) => {
                let mut out = vec![Vec::with_capacity(rows[0].len()); rows.len()];
                for c in 0..rows[0].len() {
                    let column: Vec<Number> = rows.iter().map(|r| r[c].clone()).collect();
                    let (shifted, total) = shifted_exps(&column).map_err(|err| num_error(err, &e.span))?;
                    for (row, x) in out.iter_mut().zip(shifted) {
                        row.push(num(x.try_div(&total))?);
                    }
                }
                Ok(Value::Matrix(out))
            }
            (Func::Logsumexp, [Value::Vector(v)]) if !v.is_empty() => Ok(Value::Scalar(num(logsumexp(v))?)),
            (Func::Transpose, [x]) => Ok(linear::transpose(x)),
            (Func::MatMul, [a, b]) => linear::matmul(a, b).map_err(|err| shape_error(err, &e.span)),
            (Func::Hadamard, [a, b]) if a.shape() == b.shape() => {
                zip(a, b, &e.span, &mut |x, y| num(x.clone().try_mul(y)))
            }
            (Func::Diag, [v]) => linear::diag(v).map_err(|err| shape_error(err, &e.span)),
            (Func::Trace, [v]) => linear::trace(v).map_err(|err| shape_error(err, &e.span)),
            (Func::SumAll, [v]) => linear::sum_all(v).map_err(|err| shape_error(err, &e.span)),
            (Func::Norm2, [v @ Value::Vector(_)]) => {
                let squares = zip(v, v, &e.span, &mut |x, y| num(x.clone().try_mul(y)))?;
                let total = linear::sum_all(&squares).map_err(|err| shape_error(err, &e.span))?;
                total.try_map(&mut |n| num(n.clone().sqrt()))
            }
            (Func::Ones | Func::Eye, [Value::Scalar(n)]) => {
                let size = n
                    .as_index()
                    .ok_or_else(|| EvalError::BadIndex { found: n.to_string(), span: args[0].span.clone() })?;
                Ok(linear::ones_or_identity(size, func == Func::Eye))
            }
            (Func::Len, [Value::Vector(v)]) => Ok(Value::Scalar(Number::int(v.len() as i64))),
            (Func::Len, [Value::Matrix(rows)]) => Ok(Value::Scalar(Number::int(rows.len() as i64))),
            (Func::Cols, [Value::Matrix(rows)]) => {
                Ok(Value::Scalar(Number::int(rows.first().map_or(0, Vec::len) as i64)))
            }
            (Func::Len | Func::Cols, [other]) => Err(EvalError::Shape {
                message: format!(
                    "{} takes a {}, found a {}",
                    func.name(),
                    if func == Func::Len { "vector or matrix" } else { "matrix" },
                    rank_name(other.rank())
                ),
                span: e.span.clone(),
            }),
            (Func::Softmax | Func::Logsumexp, [other]) => Err(EvalError::Shape {
                message: format!("{} takes a non-empty vector, found a {}", func.name(), rank_name(other.rank())),
                span: e.span.clone(),
            }),
            (Func::Delta | Func::Max | Func::Min | Func::Heaviside, [a, b]) => {
                let difference = || format!("`{} - {}`", args[0], args[1]);
                zip(a, b, &e.span, &mut |x, y| num(apply_binary(func, x, y).map_err(|err| err.about(difference))))
            }
            (_, [x]) => {
                let argument = || format!("`{}`", args[0]);
                x.try_map(&mut |n| num(apply_unary(func, n).map_err(|err| err.about(argument))))
            }
            _ => {
                Err(EvalError::Shape { message: format!("wrong arguments for {}", func.name()), span: e.span.clone() })
            }
        }
    }

    /// `log(arg)` in a form that cannot underflow, for the arguments that have one:
    /// `log(exp(x)) = x`, `log(sigmoid(x)) = -softplus(-x)` and
    /// `log(softmax(v)[i]) = v[i] - logsumexp(v)`; `None` for any other argument.
    fn eval_log_of_known_form(&mut self, e: &Expr, arg: &Expr) -> Result<Option<Value>, EvalError> {
        let num = |r: Result<Number, NumError>| r.map_err(|err| num_error(err, &e.span));
        match &arg.node {
            Node::Call(Func::Exp, inner) if inner.len() == 1 => Ok(Some(self.eval(&inner[0])?)),
            Node::Call(Func::Sigmoid, inner) if inner.len() == 1 => {
                let x = self.eval(&inner[0])?;
                Ok(Some(x.try_map(&mut |n| num(log_sigmoid(n)))?))
            }
            Node::Index(base, indices) => match &base.node {
                Node::Call(Func::Softmax, inner) if inner.len() == 1 => {
                    let Value::Vector(v) = self.eval(&inner[0])? else {
                        return Ok(None);
                    };
                    if v.is_empty() {
                        return Ok(None);
                    }
                    let total = num(logsumexp(&v))?;
                    let position = self.eval_position(indices)?;
                    let component = index_into(arg, base, &Value::Vector(v), indices, &position)?;
                    Ok(Some(Value::Scalar(num(component.try_sub(&total))?)))
                }
                _ => Ok(None),
            },
            _ => Ok(None),
        }
    }

    /// The value of a sum's explicit range `n` (in `sum(i = 1..n, body)`): a whole number.
    fn count(&mut self, count: &Expr) -> Result<usize, EvalError> {
        let value = self.eval(count)?;
        let n = value.as_scalar().and_then(|n| n.as_exact()).filter(|n| n.is_integer() && !n.is_negative());
        n.and_then(|n| n.to_integer().to_usize()).ok_or_else(|| EvalError::SumRange {
            message: format!("a sum's range must be a whole number, found {value}"),
            span: count.span.clone(),
        })
    }

    /// How far the index of a sum runs: the length of every axis it indexes in the body,
    /// which must all agree.
    fn sum_range(&mut self, index: &str, body: &Expr, span: &Span) -> Result<usize, EvalError> {
        let mut lengths: Vec<(usize, String)> = Vec::new();
        self.collect_ranges(index, body, &mut lengths)?;
        let Some((n, first)) = lengths.first().cloned() else {
            return Err(EvalError::SumRange {
                message: format!("cannot tell how far `{index}` runs: nothing in the sum is indexed by it"),
                span: span.clone(),
            });
        };
        if let Some((m, other)) = lengths.iter().find(|(m, _)| *m != n) {
            return Err(EvalError::SumRange {
                message: format!("`{index}` runs over {n} entries in `{first}` but {m} in `{other}`"),
                span: span.clone(),
            });
        }
        Ok(n)
    }

    fn collect_ranges(&mut self, index: &str, e: &Expr, out: &mut Vec<(usize, String)>) -> Result<(), EvalError> {
        match &e.node {
            Node::Reduce(_, inner, _, _) if inner == index => return Ok(()),
            Node::Index(base, indices) => {
                for (axis, idx) in indices.iter().enumerate() {
                    if matches!(&idx.node, Node::Var(v) if v == index) {
                        let value = self.indexed_value(base)?.shape();
                        if let Some(len) = value.get(axis) {
                            out.push((*len, e.to_string()));
                        }
                    }
                }
            }
            _ => {}
        }
        for child in e.children() {
            self.collect_ranges(index, child, out)?;
        }
        Ok(())
    }
}

/// The component of `value` (the value of `base` in the expression `e`, indexed by `indices`)
/// at `position`.
fn index_into(e: &Expr, base: &Expr, value: &Value, indices: &[Expr], position: &[usize]) -> Result<Number, EvalError> {
    if value.rank() != indices.len() {
        return Err(EvalError::Shape {
            message: format!(
                "`{base}` is a {}: it takes {} ind{}, found {}",
                rank_name(value.rank()),
                value.rank(),
                if value.rank() == 1 { "ex" } else { "ices" },
                indices.len()
            ),
            span: e.span.clone(),
        });
    }
    if let Some(n) = value.component(position) {
        return Ok(n.clone());
    }
    let shape = value.shape();
    let axis = (0..position.len()).find(|&a| position[a] > shape[a]).unwrap_or(0);
    Err(EvalError::IndexOutOfRange {
        name: base.to_string(),
        index: position[axis],
        len: shape[axis],
        span: indices[axis].span.clone(),
    })
}

/// `exp(v[i] - m)` for every entry, with `m` the largest entry (so that exp cannot overflow,
/// and exp(0) stays exact), and their sum.
fn shifted_exps(v: &[Number]) -> Result<(Vec<Number>, Number), NumError> {
    let max = largest(v);
    let shifted = v.iter().map(|x| x.clone().try_sub(&max).and_then(Number::exp)).collect::<Result<Vec<_>, _>>()?;
    let total = shifted.iter().try_fold(Number::int(0), |acc, x| acc.try_add(x))?;
    Ok((shifted, total))
}

/// The largest entry of a non-empty vector (by [`Number::compare`]: any entry near the
/// largest serves as a shift).
fn largest(v: &[Number]) -> Number {
    v.iter().cloned().max_by(|a, b| a.compare(b)).unwrap_or(Number::int(0))
}

/// log(sum(i, exp(v[i]))) = m + log(sum(i, exp(v[i] - m))) for the largest entry `m`.
fn logsumexp(v: &[Number]) -> Result<Number, NumError> {
    let (_, total) = shifted_exps(v)?;
    largest(v).try_add(&total.log()?)
}

fn shape_error(err: ShapeError, span: &Span) -> EvalError {
    match err {
        ShapeError::Number(err) => num_error(err, span),
        other => EvalError::Shape { message: other.to_string(), span: span.clone() },
    }
}

fn num_error(err: NumError, span: &Span) -> EvalError {
    match err {
        NumError::DivisionByZero => EvalError::DivisionByZero { span: span.clone() },
        NumError::Domain(message) => EvalError::Domain { message, span: span.clone() },
        NumError::Overflow => EvalError::Overflow { span: span.clone() },
        undecidable @ NumError::Undecidable(_) => {
            EvalError::Undecidable { message: undecidable.to_string(), span: span.clone() }
        }
    }
}

/// Combines two values entry by entry; a scalar combines with every entry of the other, a
/// vector (a column) with every column of a matrix with as many rows.
fn zip(
    a: &Value,
    b: &Value,
    span: &Span,
    f: &mut impl FnMut(&Number, &Number) -> Result<Number, EvalError>,
) -> Result<Value, EvalError> {
    match (a, b) {
        (Value::Scalar(x), _) => b.try_map(&mut |y| f(x, y)),
        (_, Value::Scalar(y)) => a.try_map(&mut |x| f(x, y)),
        (Value::Vector(u), Value::Vector(v)) if u.len() == v.len() => {
            Ok(Value::Vector(u.iter().zip(v).map(|(x, y)| f(x, y)).collect::<Result<_, _>>()?))
        }
        // A column added to a matrix with as many rows goes to every column (a bias over a batch).
        (Value::Matrix(p), Value::Vector(v)) if p.len() == v.len() => Ok(Value::Matrix(
            p.iter()
                .zip(v)
                .map(|(r, y)| r.iter().map(|x| f(x, y)).collect::<Result<_, _>>())
                .collect::<Result<_, _>>()?,
        )),
        (Value::Vector(v), Value::Matrix(q)) if q.len() == v.len() => Ok(Value::Matrix(
            q.iter()
                .zip(v)
                .map(|(r, x)| r.iter().map(|y| f(x, y)).collect::<Result<_, _>>())
                .collect::<Result<_, _>>()?,
        )),
        (Value::Matrix(p), Value::Matrix(q)) if a.shape() == b.shape() => Ok(Value::Matrix(
            p.iter()
                .zip(q)
                .map(|(r, s)| r.iter().zip(s).map(|(x, y)| f(x, y)).collect::<Result<_, _>>())
                .collect::<Result<_, _>>()?,
        )),
        _ => Err(EvalError::Shape {
            message: format!("shapes {:?} and {:?} do not fit together", a.shape(), b.shape()),
            span: span.clone(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse::parse_expr;

    fn env(bindings: &[(&str, Value)]) -> Env {
        let mut env = Env::new();
        for (name, value) in bindings {
            env.bind(name, value.clone());
        }
        env
    }

    fn vector(xs: &[i64]) -> Value {
        Value::Vector(xs.iter().map(|&x| Number::int(x)).collect())
    }

    fn show(src: &str, env: &Env) -> String {
        match eval(&parse_expr(src).unwrap(), env) {
            Ok(v) => v.to_string(),
            Err(e) => format!("error: {}", e.kind()),
        }
    }

    #[test]
    fn exact_results() {
        let empty = Env::new();
        let table = [
            ("1/10 + 0.2", "3/10"),
            ("relu(-3) + max(2, 1/3)^2", "4"),
            ("2^3^2", "512"),
            ("-3^2", "-9"),
            ("sigmoid(0)", "1/2"),
            ("exp(0) + log(1) + tanh(0) + cos(0)", "2"),
            ("step(0) + step(1/2) + sign(-2) + abs(-1/2)", "1/2"),
            ("sqrt(9/4)", "3/2"),
            ("delta(2, 2) + delta(1, 2)", "1"),
            ("erf(0)", "0"),
        ];
        for (src, want) in table {
            assert_eq!(show(src, &empty), want, "{src}");
        }
    }

    #[test]
    fn approximate_results() {
        let empty = Env::new();
        assert_eq!(show("sigmoid(0.2)", &empty), "0.549834");
        assert_eq!(show("sigmoid(-800)", &empty), "0");
        assert_eq!(show("softplus(1000)", &empty), "1000");
        assert_eq!(show("erf(1/2) + erf(-1/2)", &empty), "0");
        assert_eq!(show("erf(1)", &empty), "0.842701");
        assert_eq!(show("erf(10^400)", &empty), "1");
    }

    #[test]
    fn signs_and_poles_are_decided_soundly() {
        let empty = Env::new();
        let table = [
            ("sign(exp(-1000))", "1"),
            ("step(-exp(-1000))", "0"),
            ("step(sqrt(2)^2 - 2)", "error: undecidable"),
            ("delta(sqrt(2)^2, 2)", "error: undecidable"),
            // max is continuous: an enclosure, no decision needed.
            ("max(sqrt(2)^2, 2)", "2"),
            ("tan(pi/2)", "error: domain"),
            ("relu(-pi)", "0"),
        ];
        for (src, want) in table {
            assert_eq!(show(src, &empty), want, "{src}");
        }
        let err = eval(&parse_expr("1 + step(sqrt(2)^2 - 2)").unwrap(), &empty).unwrap_err();
        assert_eq!(err.span(), Some(4..23));
        assert!(err.to_string().starts_with("cannot decide the sign of `sqrt(2)^2 - 2`"), "{err}");
    }

    #[test]
    fn logs_of_known_forms_do_not_underflow() {
        let e = env(&[("z", vector(&[1000, 0])), ("x", Value::Scalar(Number::int(-800)))]);
        assert_eq!(show("log(sigmoid(x))", &e), "-800");
        assert_eq!(show("log(sigmoid(-x))", &e), "0");
        assert_eq!(show("log(exp(-x))", &e), "800");
        assert_eq!(show("log(softmax(z)[2])", &e), "-1000");
        assert_eq!(show("log(softmax(z)[3])", &e), "error: index_out_of_range");
        assert_eq!(show("log(sigmoid(z))", &e), "[0, -0.693147]");
        assert_eq!(show("log(10^400) + sqrt(10^401)/10^200 + (-2)^(1/3)", &e), "922.936");
    }

    #[test]
    fn vectors_and_sums() {
        let e = env(&[("z", vector(&[1, 2, 3])), ("k", Value::Scalar(Number::int(2)))]);
        assert_eq!(show("sum(i, z[i]^2)", &e), "14");
        assert_eq!(show("z[k]", &e), "2");
        assert_eq!(show("sum(i, softmax(z)[i])", &e), "1");
        assert_eq!(show("sum(i = 1..len(z), 2)", &e), "6");
        assert_eq!(show("sum(i = 1..2, z[i])", &e), "3");
        assert_eq!(show("sum(i = 1..0, z[i])", &e), "0");
        assert_eq!(show("sum(i = 1..len(z), delta(i, 7))", &e), "0");
        assert_eq!(show("prod(i, z[i] + 1)", &e), "24");
        assert_eq!(show("heaviside(0, 1) + heaviside(-1/2, 1) + heaviside(z[1], 0) + heaviside(0, 1/3)", &e), "7/3");
        assert_eq!(show("prod(i = 1..0, z[i])", &e), "1");
        assert_eq!(show("prod(i = 1..2, z[i]/3)", &e), "2/9");
        assert_eq!(show("softmax(z)[1] - exp(1)/(exp(1) + exp(2) + exp(3))", &e), "0");
        let same = env(&[("z", vector(&[5, 5, 5]))]);
        assert_eq!(show("softmax(z)[2]", &same), "1/3");
        let w = env(&[
            ("W", Value::Matrix(vec![vec![Number::int(1), Number::int(2)], vec![Number::int(3), Number::int(4)]])),
            ("x", vector(&[1, 1])),
        ]);
        assert_eq!(show("sum(j, W[2, j]*x[j])", &w), "7");
        assert_eq!(show("sum(i, sum(j, W[i, j]))", &w), "10");
    }

    #[test]
    fn errors() {
        let e = env(&[("z", vector(&[1, 2, 3]))]);
        let table = [
            ("1/0", "division_by_zero"),
            ("log(0)", "domain"),
            ("log(-1)", "domain"),
            ("x + 1", "unbound_name"),
            ("z[4]", "index_out_of_range"),
            ("z[0]", "bad_index"),
            ("z[1/2]", "bad_index"),
            ("z[1, 1]", "shape"),
            ("sum(i, 1)", "sum_range"),
            ("sum(i = 1..1/2, 1)", "sum_range"),
            ("len(1)", "shape"),
            ("exp(1000)", "overflow"),
        ];
        for (src, kind) in table {
            assert_eq!(show(src, &e), format!("error: {kind}"), "{src}");
        }
    }

    #[test]
    fn an_evaluation_stops_at_its_budget() {
        let e = parse_expr("sum(i = 1..100, sum(j = 1..100, i*j))").unwrap();
        assert_eq!(eval_within(&e, &Env::new(), 1_000).unwrap_err().kind(), "too_costly");
        assert_eq!(eval_within(&e, &Env::new(), 100_000).unwrap().to_string(), "25502500");
    }

    #[test]
    fn nested_softmaxes_are_evaluated_once_per_sum() {
        let mut nested = "z".to_string();
        for _ in 0..8 {
            nested = format!("softmax({nested})");
        }
        let e = parse_expr(&format!("sum(j, {nested}[j]*sum(l, {nested}[l]))")).unwrap();
        let env = env(&[("z", vector(&[1, 2, 3, 4]))]);
        assert!(eval_within(&e, &env, 10_000).is_ok());
    }

    #[test]
    fn error_spans_point_at_the_fault() {
        let src = "1 + log(0)";
        let err = eval(&parse_expr(src).unwrap(), &Env::new()).unwrap_err();
        assert_eq!(err.span(), Some(4..10));
    }
}
