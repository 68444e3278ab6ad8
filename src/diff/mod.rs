//! Symbolic differentiation on the AST: the product, quotient and chain rules, every function of
//! the language, and index calculus (`d z[i] / d z[k] = delta(i, k)`, sums differentiated under
//! the sum with their bound index renamed apart, the softmax Jacobian through `delta`).
//!
//! The result is correct but raw; the e-graph simplifies it. Defined names are expanded only
//! where the chain rule needs them, so the factors that are not differentiated keep their names.

use crate::defs::Definitions;
use crate::egraph::{constant_value, Limits};
use crate::syntax::ast::{BinOp, Expr, Func, Node, Reduce, Span};
use crate::syntax::diagnostic::Problem;
use crate::syntax::names::Fresh;
use crate::syntax::parse::parse_expr;
use num_traits::{One, Signed, Zero};
use std::fmt;

mod worked;
pub use worked::{worked_chain_rule, ChainLine, WorkedChain};

/// What to differentiate with respect to: a scalar `x` or a component `z[k]`, `W[p, q]` whose
/// indices are fresh names.
#[derive(Clone, Debug, PartialEq)]
pub enum Wrt {
    /// A scalar variable.
    Scalar(String),
    /// A component of a vector or matrix, with its index names.
    Component(String, Vec<String>),
}

impl Wrt {
    /// Reads `x` or `z[k]` / `W[p, q]` (distinct plain index names).
    pub fn parse(src: &str) -> Result<Wrt, DiffError> {
        let whole = 0..src.len();
        let bad = |span: Span| DiffError::new("expected a name (`x`) or a component with index names (`z[k]`)", span);
        let e = parse_expr(src).map_err(|e| DiffError::new(&e.to_string(), e.span()))?;
        match &e.node {
            Node::Var(x) => Ok(Wrt::Scalar(x.clone())),
            Node::Index(base, idx) => {
                let Node::Var(name) = &base.node else { return Err(bad(whole)) };
                let mut names: Vec<String> = vec![];
                for i in idx {
                    match &i.node {
                        Node::Var(n) if !names.contains(n) && n != name => names.push(n.clone()),
                        _ => return Err(bad(i.span.clone())),
                    }
                }
                Ok(Wrt::Component(name.clone(), names))
            }
            _ => Err(bad(whole)),
        }
    }

    /// The variable's name (`z` for `z[k]`).
    pub fn name(&self) -> &str {
        match self {
            Wrt::Scalar(n) | Wrt::Component(n, _) => n,
        }
    }

    /// The index names (empty for a scalar).
    pub fn indices(&self) -> &[String] {
        match self {
            Wrt::Scalar(_) => &[],
            Wrt::Component(_, idx) => idx,
        }
    }

    /// The variable as an expression: `x` or `z[k]`.
    pub fn to_expr(&self) -> Expr {
        match self {
            Wrt::Scalar(n) => Expr::var(n),
            Wrt::Component(n, idx) => Expr::index(Expr::var(n), idx.iter().map(|i| Expr::var(i)).collect()),
        }
    }
}

impl fmt::Display for Wrt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.to_expr())
    }
}

/// Why an expression cannot be differentiated as asked.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct DiffError {
    /// What is wrong.
    pub message: String,
    /// Where, in the expression (or in the `--wrt` text for a bad variable).
    pub span: Span,
}

impl DiffError {
    pub(crate) fn new(message: &str, span: Span) -> DiffError {
        DiffError { message: message.to_string(), span }
    }
}

impl Problem for DiffError {
    fn kind(&self) -> &'static str {
        "cannot_differentiate"
    }
    fn span(&self) -> Option<Span> {
        Some(self.span.clone())
    }
}

/// A condition on the inputs under which a derivative holds.
#[derive(Clone, Debug, PartialEq)]
pub enum Condition {
    /// The expression is > 0 (the base of a power with a varying exponent, through `log`).
    Positive(Expr),
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Condition::Positive(e) => write!(f, "{e} > 0"),
        }
    }
}

/// The derivative of `e` with respect to `wrt`, seeing through `defs`.
pub fn differentiate(e: &Expr, wrt: &Wrt, defs: &Definitions) -> Result<Expr, DiffError> {
    differentiate_with_conditions(e, wrt, defs).map(|(d, _)| d)
}

/// The derivative of `e` with respect to `wrt`, and the conditions under which it holds (each
/// once, in the order met).
pub fn differentiate_with_conditions(
    e: &Expr,
    wrt: &Wrt,
    defs: &Definitions,
) -> Result<(Expr, Vec<Condition>), DiffError> {
    let mut differentiator = Differentiator::new(e, wrt, defs)?;
    let d = differentiator.diff(e)?;
    let mut conditions: Vec<Condition> = vec![];
    for c in differentiator.conditions {
        if !conditions.contains(&c) {
            conditions.push(c);
        }
    }
    Ok((d, conditions))
}

struct Differentiator<'a> {
    wrt: &'a Wrt,
    defs: &'a Definitions,
    fresh: Fresh,
    conditions: Vec<Condition>,
}

impl<'a> Differentiator<'a> {
    /// A differentiator of `e` by `wrt`: fresh index names avoid every name in sight; a
    /// variable index already used in `e`, or a defined variable, is an error.
    fn new(e: &Expr, wrt: &'a Wrt, defs: &'a Definitions) -> Result<Differentiator<'a>, DiffError> {
        let mut fresh = Fresh::avoiding(std::iter::once(e).chain(defs.iter().map(|d| &d.body)));
        for d in defs.iter() {
            fresh.reserve(&d.name);
            d.params.iter().for_each(|p| fresh.reserve(p));
        }
        fresh.reserve(wrt.name());
        for i in wrt.indices() {
            if e.free_names().contains(i) {
                return Err(DiffError::new(
                    &format!("the index `{i}` of the variable is already used in the expression; pick a fresh one"),
                    e.span.clone(),
                ));
            }
            fresh.reserve(i);
        }
        if defs.get(wrt.name()).is_some() {
            return Err(DiffError::new(
                &format!("`{}` is defined by a --let; differentiate with respect to an input", wrt.name()),
                e.span.clone(),
            ));
        }
        Ok(Differentiator { wrt, defs, fresh, conditions: vec![] })
    }
}

/// The error for an expression in matrix form (an array literal, `transpose`, `matmul`), which
/// is evaluated but not differentiated: derivatives are taken in index form (`W[i, j]*x[j]`).
fn matrix_form(e: &Expr) -> DiffError {
    DiffError::new(
        "matrix form (array literals, transpose, matmul) is evaluated but not differentiated: write it in index form, e.g. sum(j, W[i, j]*x[j])",
        e.span.clone(),
    )
}

impl Differentiator<'_> {
    fn depends(&self, e: &Expr) -> bool {
        self.defs.mentions(e, self.wrt.name())
    }

    fn diff(&mut self, e: &Expr) -> Result<Expr, DiffError> {
        if !self.depends(e) {
            return Ok(zero());
        }
        match &e.node {
            Node::Num(_) | Node::Pi => Ok(zero()),
            Node::Var(name) => self.diff_name(e, name),
            Node::Index(base, idx) => self.diff_index(e, base, idx),
            Node::Neg(a) => Ok(neg(self.diff(a)?)),
            Node::Binary(op, a, b) => self.diff_binary(*op, a, b),
            Node::Call(f, args) if f.is_matrix_form() => Err(matrix_form(e)),
            Node::Array(_) => Err(matrix_form(e)),
            Node::Call(f, args) => self.diff_call(e, *f, args),
            Node::Apply(name, args) => self.diff_apply(name, args),
            Node::Reduce(Reduce::Sum, i, count, body) => {
                let (index, body) = self.bind_apart(i, body);
                let d = self.diff(&body)?;
                let count = self.sum_range(&index, count.as_deref(), &body, &d);
                Ok(sum(&index, count, d))
            }
            Node::Reduce(Reduce::Prod, i, count, body) => self.diff_product(i, count.as_deref(), body),
        }
    }

    /// The product rule over an index, with no division (so a zero factor is no problem):
    /// d prod(i, f(i)) = sum(j, d f(j) * prod(i, delta(i, j) + (1 - delta(i, j))*f(i))), the
    /// product of every factor but the `j`-th.
    fn diff_product(&mut self, i: &str, count: Option<&Expr>, body: &Expr) -> Result<Expr, DiffError> {
        let (index, body) = self.bind_apart(i, body);
        let j = self.fresh.index(&index);
        let factor = body.rename_free(&index, &j);
        let d = self.diff(&factor)?;
        if is_zero(&d) {
            return Ok(zero());
        }
        let same = Expr::call(Func::Delta, vec![Expr::var(&index), Expr::var(&j)]);
        let others = add(same.clone(), mul(sub(one(), same), body));
        let others = Expr::reduce(Reduce::Prod, &index, count.cloned(), others);
        let range = self.sum_range(&j, count, &factor, &d);
        Ok(sum(&j, range, mul(d, others)))
    }

    /// `log(prod(i, f(i)))` as `sum(i, log(f(i)))` when every factor is provably positive (the
    /// definitions written in), the log of each factor split over its positive factors and
    /// powers as a textbook takes a log-likelihood apart: `log(p^y*(1 - p)^(1 - y))` is
    /// `y*log(p) + (1 - y)*log(1 - p)`. Each step holds wherever either side has a value.
    pub(crate) fn log_of_product(&mut self, arg: &Expr) -> Option<Expr> {
        let Node::Reduce(Reduce::Prod, i, count, body) = &arg.node else { return None };
        if !self.positive(body) {
            return None;
        }
        let log = self.split_log(body);
        Some(Expr::reduce(Reduce::Sum, i, count.as_deref().cloned(), log))
    }

    /// `log(f)` for a positive `f`: `log(a*b) = log(a) + log(b)`, `log(a/b) = log(a) - log(b)`
    /// for positive `a` and `b`, and `log(a^b) = b*log(a)` for a positive `a`.
    fn split_log(&mut self, f: &Expr) -> Expr {
        match &f.node {
            Node::Binary(op @ (BinOp::Mul | BinOp::Div), a, b) if self.positive(a) && self.positive(b) => {
                let (la, lb) = (self.split_log(a), self.split_log(b));
                if *op == BinOp::Mul {
                    add(la, lb)
                } else {
                    sub(la, lb)
                }
            }
            Node::Binary(BinOp::Pow, a, b) if self.positive(a) => mul((**b).clone(), self.split_log(a)),
            _ => Expr::call(Func::Log, vec![f.clone()]),
        }
    }

    /// Whether the analysis proves `e` positive wherever it has a value (definitions written in).
    fn positive(&mut self, e: &Expr) -> bool {
        self.defs.expand(e, &mut self.fresh).is_ok_and(|expanded| crate::egraph::range_of(&expanded).positive())
    }

    /// A declared function: d f(u) = f'(u)*d(u), and for several arguments the sum over them of
    /// the partial derivative by each (`d_1 g(u, v)*d(u) + d_2 g(u, v)*d(v)`).
    fn diff_apply(&mut self, name: &str, args: &[Expr]) -> Result<Expr, DiffError> {
        let mut terms = vec![];
        for (k, arg) in args.iter().enumerate() {
            let d = self.diff(arg)?;
            if is_zero(&d) {
                continue;
            }
            let partial = Expr::new(Node::Apply(partial_name(name, args.len(), k + 1), args.to_vec()));
            terms.push(mul(partial, d));
        }
        Ok(terms.into_iter().reduce(add).unwrap_or_else(zero))
    }

    /// A sum's bound index and body, the index renamed when the variable uses its name.
    fn bind_apart(&mut self, i: &str, body: &Expr) -> (String, Expr) {
        if self.wrt.indices().iter().any(|k| k == i) {
            let index = self.fresh.index(i);
            let body = body.rename_free(i, &index);
            (index, body)
        } else {
            (i.to_string(), body.clone())
        }
    }

    /// The range of the derivative's sum: the one written, or, when the derivative `d` no
    /// longer indexes what the sum ran over, the range written out: d/dx sum(i, z[i] + x) is
    /// sum(i = 1..len(z), 1) = len(z).
    fn sum_range(&self, index: &str, count: Option<&Expr>, body: &Expr, d: &Expr) -> Option<Expr> {
        count.cloned().or_else(|| match d.indexed_by(index) {
            Some(_) => None,
            None => body.indexed_by(index).map(|(base, axis)| size_of(base, axis)),
        })
    }

    fn diff_name(&mut self, e: &Expr, name: &str) -> Result<Expr, DiffError> {
        if let Some(def) = self.defs.get(name) {
            if !def.params.is_empty() {
                return Err(DiffError::new(&format!("`{name}` is defined component-wise; index it"), e.span.clone()));
            }
            let body = def.body.clone();
            return self.diff(&body);
        }
        match self.wrt {
            Wrt::Scalar(x) if x == name => Ok(one()),
            Wrt::Component(..) => Err(DiffError::new(
                &format!("`{name}` is used whole here; only its components `{}` can be differentiated", self.wrt),
                e.span.clone(),
            )),
            Wrt::Scalar(_) => Ok(zero()),
        }
    }

    fn diff_index(&mut self, e: &Expr, base: &Expr, idx: &[Expr]) -> Result<Expr, DiffError> {
        match &base.node {
            Node::Var(name) => {
                if let Some(body) = self.defs.instantiate(name, idx, &mut self.fresh) {
                    let body = body.map_err(|m| DiffError::new(&m, e.span.clone()))?;
                    return self.diff(&body);
                }
                match self.wrt {
                    Wrt::Component(z, ks) if z == name && ks.len() == idx.len() => Ok(idx
                        .iter()
                        .zip(ks)
                        .map(|(i, k)| Expr::call(Func::Delta, vec![i.clone(), Expr::var(k)]))
                        .reduce(mul)
                        .unwrap_or_else(one)),
                    Wrt::Component(z, ks) if z == name => Err(DiffError::new(
                        &format!("`{name}` has {} indices here but {} in the variable", idx.len(), ks.len()),
                        e.span.clone(),
                    )),
                    Wrt::Scalar(x) if x == name => Err(DiffError::new(
                        &format!(
                            "`{name}` is indexed here; differentiate with respect to a component such as `{name}[k]`"
                        ),
                        e.span.clone(),
                    )),
                    _ => Ok(zero()),
                }
            }
            Node::Call(Func::Softmax, args) => {
                let [v] = args.as_slice() else { unreachable!("softmax takes one argument") };
                let [i] = idx else {
                    return Err(DiffError::new("softmax(v) is a vector: it takes one index", e.span.clone()));
                };
                // d softmax(v)[i] = softmax(v)[i]*(d v[i] - sum(j, softmax(v)[j]*d v[j]))
                let j = self.fresh.index("j");
                let dvi = self.diff(&component(v, i.clone())?)?;
                let dvj = self.diff(&component(v, Expr::var(&j))?)?;
                let sj = Expr::index(base.clone(), vec![Expr::var(&j)]);
                let weighted = if is_zero(&dvj) { zero() } else { Expr::sum(&j, mul(sj, dvj)) };
                Ok(mul(e.clone(), sub(dvi, weighted)))
            }
            _ => Err(DiffError::new("only a name or softmax(v) can be indexed", base.span.clone())),
        }
    }

    fn diff_binary(&mut self, op: BinOp, a: &Expr, b: &Expr) -> Result<Expr, DiffError> {
        let (da, db) = (self.diff(a)?, self.diff(b)?);
        let (a, b) = (a.clone(), b.clone());
        Ok(match op {
            BinOp::Add => add(da, db),
            BinOp::Sub => sub(da, db),
            BinOp::Mul => add(mul(da, b), mul(a, db)),
            BinOp::Div if is_zero(&db) => div(da, b),
            BinOp::Div => sub(div(da, b.clone()), div(mul(a, db), pow(b, Expr::int(2)))),
            BinOp::Pow if is_zero(&db) => {
                // a^n: n*a^(n - 1)*a'
                let lowered = match b.as_num() {
                    Some(n) => pow(a.clone(), Expr::num(n - num_rational::BigRational::one())),
                    None => pow(a.clone(), sub(b.clone(), one())),
                };
                mul(mul(b, lowered), da)
            }
            BinOp::Pow => return self.diff_varying_power(a, b, da, db),
        })
    }

    /// `a^b` with a varying exponent `b`: through `log(a)`, which has a value only where
    /// `a > 0`. A base the rules prove constant is decided first: `c^b*log(c)*b'` for `c > 0`;
    /// `0^b` is 0 where it has a value (b > 0); a negative base has no real derivative.
    fn diff_varying_power(&mut self, a: Expr, b: Expr, da: Expr, db: Expr) -> Result<Expr, DiffError> {
        let log_a = Expr::call(Func::Log, vec![a.clone()]);
        let whole = pow(a.clone(), b.clone());
        match constant_value(&a, self.defs, &Limits::default()).map(|c| c.signum()) {
            Some(sign) if sign.is_zero() => {
                self.conditions.push(Condition::Positive(b.clone()));
                return Ok(zero());
            }
            Some(sign) if sign.is_negative() => {
                return Err(DiffError::new(
                    &format!("`{a}` is a negative constant: `{whole}` has no real derivative in its exponent"),
                    a.span.clone(),
                ))
            }
            Some(_) => return Ok(mul(mul(whole, log_a), db)),
            None => self.conditions.push(Condition::Positive(a.clone())),
        }
        Ok(if is_zero(&da) {
            // a^b*log(a)*b'
            mul(mul(whole, log_a), db)
        } else {
            // a^b*(b'*log(a) + b*a'/a)
            mul(whole, add(mul(db, log_a), div(mul(b, da), a)))
        })
    }

    fn diff_call(&mut self, e: &Expr, f: Func, args: &[Expr]) -> Result<Expr, DiffError> {
        let call = |f: Func, x: &Expr| Expr::call(f, vec![x.clone()]);
        if let [x] = args {
            if f.is_size() {
                return Ok(zero());
            }
            if f.takes_vector() {
                // logsumexp(v): sum(j, softmax(v)[j]*d v[j]); softmax(v) alone is not scalar.
                if f == Func::Softmax {
                    return Err(DiffError::new("softmax(v) is a vector: index it, softmax(v)[i]", e.span.clone()));
                }
                let j = self.fresh.index("j");
                let dvj = self.diff(&component(x, Expr::var(&j))?)?;
                let sj = Expr::index(call(Func::Softmax, x), vec![Expr::var(&j)]);
                return Ok(if is_zero(&dvj) { zero() } else { Expr::sum(&j, mul(sj, dvj)) });
            }
            if f == Func::Log {
                if let Some(logs) = self.log_of_product(x) {
                    return self.diff(&logs);
                }
            }
            let dx = self.diff(x)?;
            if is_zero(&dx) {
                return Ok(zero());
            }
            return Ok(chain(f, x, dx));
        }
        let [a, b] = args else { unreachable!("functions take one or two arguments") };
        match f {
            Func::Delta => Ok(zero()),
            // Flat but for its value at 0: d heaviside(a, h) = [a = 0] d(h), [a = 0] = 1 - |sign(a)|.
            Func::Heaviside => {
                let dh = self.diff(b)?;
                let at_zero = sub(one(), Expr::call(Func::Abs, vec![Expr::call(Func::Sign, vec![a.clone()])]));
                Ok(mul(at_zero, dh))
            }
            Func::Max | Func::Min => {
                // max(a, b) = b + step(a - b)*(a - b); min(a, b) = a - step(a - b)*(a - b)
                let (da, db) = (self.diff(a)?, self.diff(b)?);
                let gate = Expr::call(Func::Step, vec![sub(a.clone(), b.clone())]);
                let jump = mul(gate, sub(da.clone(), db.clone()));
                Ok(if f == Func::Max { add(db, jump) } else { sub(da, jump) })
            }
            _ => unreachable!("one-argument functions are handled above"),
        }
    }
}

/// The chain rule for a one-argument function `f` of `x`, given the inner derivative `dx`:
/// `f'(x)*dx` (`dx/x` for log).
fn chain(f: Func, x: &Expr, dx: Expr) -> Expr {
    let call = |f: Func, x: &Expr| Expr::call(f, vec![x.clone()]);
    let outer = match f {
        Func::Exp => call(Func::Exp, x),
        Func::Log => return div(dx, x.clone()),
        Func::Sqrt => return div(dx, mul(Expr::int(2), call(Func::Sqrt, x))),
        Func::Abs => call(Func::Sign, x),
        Func::Sign | Func::Step => zero(),
        Func::Sin => call(Func::Cos, x),
        Func::Cos => neg(call(Func::Sin, x)),
        Func::Tan => add(one(), pow(call(Func::Tan, x), Expr::int(2))),
        Func::Sinh => call(Func::Cosh, x),
        Func::Cosh => call(Func::Sinh, x),
        Func::Tanh => sub(one(), pow(call(Func::Tanh, x), Expr::int(2))),
        Func::Sigmoid => mul(call(Func::Sigmoid, x), sub(one(), call(Func::Sigmoid, x))),
        Func::Relu => call(Func::Step, x),
        Func::Softplus => call(Func::Sigmoid, x),
        // 2/sqrt(pi)*exp(-x^2)
        Func::Erf => mul(
            div(Expr::int(2), Expr::call(Func::Sqrt, vec![Expr::new(Node::Pi)])),
            call(Func::Exp, &neg(pow(x.clone(), Expr::int(2)))),
        ),
        _ => {
            unreachable!("two-argument, vector and matrix-form functions are handled elsewhere")
        }
    };
    mul(outer, dx)
}

/// Component `i` of the vector `v` given to softmax or logsumexp: `v[i]`.
fn component(v: &Expr, i: Expr) -> Result<Expr, DiffError> {
    match &v.node {
        Node::Var(_) | Node::Call(Func::Softmax, _) => Ok(Expr::index(v.clone(), vec![i])),
        _ => Err(DiffError::new(
            "softmax and logsumexp are differentiated on a named vector: define it with --let, e.g. `u[i] = 2*z[i]`",
            v.span.clone(),
        )),
    }
}

/// The name of a declared function's derivative by its `k`-th of `arity` arguments: `f'` (and
/// `f''`) for one argument, `d_k g` for several.
pub fn partial_name(name: &str, arity: usize, k: usize) -> String {
    if arity == 1 {
        format!("{name}'")
    } else {
        format!("d_{k} {name}")
    }
}

fn zero() -> Expr {
    Expr::int(0)
}

fn one() -> Expr {
    Expr::int(1)
}

fn is_zero(e: &Expr) -> bool {
    e.as_num().is_some_and(|n| n.is_zero())
}

fn is_one(e: &Expr) -> bool {
    e.as_num().is_some_and(|n| n.is_one())
}

fn add(a: Expr, b: Expr) -> Expr {
    match (is_zero(&a), is_zero(&b)) {
        (true, _) => b,
        (_, true) => a,
        _ => match negated(&b) {
            Some(positive) => Expr::binary(BinOp::Sub, a, positive),
            None => Expr::binary(BinOp::Add, a, b),
        },
    }
}

/// `x` for a term `-x` whose sign stands in front (`-a`, `-a*b`, `-a/b`), so that `c + -a*b`
/// is written `c - a*b`.
fn negated(e: &Expr) -> Option<Expr> {
    match &e.node {
        Node::Neg(inner) => Some((**inner).clone()),
        Node::Binary(op @ (BinOp::Mul | BinOp::Div), a, b) => {
            negated(a).map(|a| Expr::spanned(Node::Binary(*op, Box::new(a), b.clone()), e.span.clone()))
        }
        _ => None,
    }
}

fn sub(a: Expr, b: Expr) -> Expr {
    match (is_zero(&a), is_zero(&b)) {
        (_, true) => a,
        (true, _) => neg(b),
        _ => Expr::binary(BinOp::Sub, a, b),
    }
}

fn neg(a: Expr) -> Expr {
    match &a.node {
        _ if is_zero(&a) => a,
        Node::Neg(inner) => (**inner).clone(),
        _ => Expr::negate(a),
    }
}

/// `sum(i, body)` (over 1..`count` when given), with a leading constant factor of `body` moved
/// out: `sum(i, 2*x[i]) = 2*sum(i, x[i])`; a body without `i` over 1..n is `n*body`.
fn sum(index: &str, count: Option<Expr>, body: Expr) -> Expr {
    if is_zero(&body) {
        return zero();
    }
    match (body.node, count) {
        (Node::Binary(BinOp::Mul, c, rest), count) if c.as_num().is_some() => mul(*c, sum(index, count, *rest)),
        (node, Some(n)) if !Expr::new(node.clone()).free_names().contains(index) => mul(n, Expr::new(node)),
        (node, count) => Expr::sum_over(index, count, Expr::new(node)),
    }
}

/// The size of axis `axis` (0: rows or components, 1: columns) of `base`: `len(z)`, `cols(W)`.
fn size_of(base: &Expr, axis: usize) -> Expr {
    let func = if axis == 0 { Func::Len } else { Func::Cols };
    Expr::call(func, vec![base.clone()])
}

/// `a*b`, folding 0 and 1 and gathering constant factors at the front: `2*(3*x) = 6*x`.
fn mul(a: Expr, b: Expr) -> Expr {
    if is_zero(&a) || is_zero(&b) {
        return zero();
    }
    if let (Some(x), Some(y)) = (a.as_num(), b.as_num()) {
        return Expr::num(x * y);
    }
    if b.as_num().is_some() && a.as_num().is_none() {
        return mul(b, a);
    }
    if let (Some(x), Node::Binary(BinOp::Mul, c, rest)) = (a.as_num(), &b.node) {
        if let Some(y) = c.as_num() {
            return mul(Expr::num(x * y), (**rest).clone());
        }
    }
    if let Node::Binary(BinOp::Mul, c, rest) = &a.node {
        if c.as_num().is_some() {
            return mul((**c).clone(), mul((**rest).clone(), b));
        }
    }
    match (is_one(&a), is_one(&b)) {
        (true, _) => b,
        (_, true) => a,
        _ => Expr::binary(BinOp::Mul, a, b),
    }
}

fn div(a: Expr, b: Expr) -> Expr {
    if is_zero(&a) {
        return zero();
    }
    if is_one(&b) {
        return a;
    }
    Expr::binary(BinOp::Div, a, b)
}

fn pow(a: Expr, b: Expr) -> Expr {
    if is_one(&b) {
        return a;
    }
    Expr::binary(BinOp::Pow, a, b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse::parse_statement;

    fn d(e: &str, wrt: &str, lets: &[&str]) -> String {
        let mut defs = Definitions::default();
        for l in lets {
            defs.add(parse_statement(l).unwrap()).unwrap();
        }
        differentiate(&parse_expr(e).unwrap(), &Wrt::parse(wrt).unwrap(), &defs).unwrap().to_string()
    }

    #[test]
    fn elementary_rules() {
        assert_eq!(d("x^3", "x", &[]), "3*x^2");
        assert_eq!(d("sigmoid(2*x)", "x", &[]), "2*(sigmoid(2*x)*(1 - sigmoid(2*x)))");
        assert_eq!(d("log(x)/x", "x", &[]), "1/x/x - log(x)/x^2");
        assert_eq!(d("relu(x) + sin(x)", "x", &[]), "step(x) + cos(x)");
        assert_eq!(d("2^x", "x", &[]), "2^x*log(2)");
        assert_eq!(d("max(x, 1)", "x", &[]), "step(x - 1)");
    }

    #[test]
    fn index_calculus() {
        assert_eq!(d("sum(i, z[i]^2)", "z[k]", &[]), "2*sum(i, z[i]*delta(i, k))");
        assert_eq!(d("sum(k, z[k])", "z[k]", &[]), "sum(j = 1..len(z), delta(j, k))");
        assert_eq!(d("sum(i, z[i] + x)", "x", &[]), "len(z)");
        assert_eq!(d("sum(i, W[1, i]*x)", "W[p, q]", &[]), "sum(i = 1..cols(W), delta(1, p)*delta(i, q)*x)");
        assert_eq!(d("softmax(z)[i]", "z[k]", &[]), "softmax(z)[i]*(delta(i, k) - sum(j, softmax(z)[j]*delta(j, k)))");
        assert_eq!(d("logsumexp(z)", "z[k]", &[]), "sum(j, softmax(z)[j]*delta(j, k))");
    }

    #[test]
    fn definitions_are_expanded_only_where_differentiated() {
        let out = d("-sum(i, y[i]*log(yhat[i]))", "z[k]", &["yhat = softmax(z)"]);
        assert_eq!(out, "-sum(i, y[i]*(softmax(z)[i]*(delta(i, k) - sum(j, softmax(z)[j]*delta(j, k)))/yhat[i]))");
        let out = d("h[1]*c", "z[k]", &["h[j] = sigmoid(z[j])"]);
        assert_eq!(out, "sigmoid(z[1])*(1 - sigmoid(z[1]))*delta(1, k)*c");
    }

    #[test]
    fn errors_name_the_problem() {
        let defs = Definitions::default();
        let err =
            |e: &str, w: &str| differentiate(&parse_expr(e).unwrap(), &Wrt::parse(w).unwrap(), &defs).unwrap_err();
        assert!(err("z[i]", "z").message.contains("indexed"));
        assert!(err("sum(i, z[i]) + z", "z[k]").message.contains("whole"));
        assert!(err("z[k]", "z[k]").message.contains("already used"));
        assert!(err("softmax(2*z)[1]", "z[k]").message.contains("named vector"));
        assert!(Wrt::parse("z[1]").is_err() && Wrt::parse("x + 1").is_err());
    }
}
