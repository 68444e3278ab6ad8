//! The chain rule as a student writes it: linearity (the derivative moves through sums,
//! differences, constant factors and `sum(i, ...)`) with the outermost operations' local rules,
//! the inner derivatives left pending (outer derivative × inner derivative, the product,
//! quotient and power rules); then a second line with every pending derivative worked out
//! level by level; each line names the rules it used.
//! `d/dz[k] log(softmax(z)[i]) = delta(i, k) - softmax(z)[k]` is one such rule.
//!
//! A pending derivative is a placeholder name in the line's expression; [`ChainLine::render`]
//! writes it as `∂/∂z[k](u)` or `\frac{\partial}{\partial z_{k}}\left(u\right)`. The last line
//! has none: it is the whole derivative, equal to [`super::differentiate`]'s (the derivation's
//! numeric self-check and the tests compare them).

use super::{add, div, is_zero, matrix_form, mul, neg, one, pow, sub, sum, zero, DiffError, Differentiator, Wrt};
use crate::defs::Definitions;
use crate::egraph::join_rules;
use crate::syntax::ast::{BinOp, Expr, Func, Node, Reduce};
use num_rational::BigRational;
use num_traits::{One, Signed, Zero};

/// One line of the chain rule: the expression (with placeholders for the derivatives still
/// pending) and the rules that produced it.
#[derive(Clone, Debug, PartialEq)]
pub struct ChainLine {
    /// The expression, pending derivatives as placeholder names.
    pub expr: Expr,
    /// The pending derivatives: placeholder name and the expression it differentiates.
    pub pending: Vec<(String, Expr)>,
    /// The rules used, such as `linearity` or `sigmoid'(u) = sigmoid(u)*(1 - sigmoid(u))`.
    pub rule: String,
}

impl ChainLine {
    /// The line's expression rendered by `render`, each pending derivative written out by
    /// `derivative` (given the expression it differentiates).
    pub fn render(&self, render: &dyn Fn(&Expr) -> String, derivative: &dyn Fn(&Expr) -> String) -> String {
        self.fill(render(&self.expr), render, derivative)
    }

    /// `rendered`, a rendering of (part of) the line's expression by `render`, with each
    /// placeholder written out by `derivative`.
    pub fn fill(
        &self,
        rendered: String,
        render: &dyn Fn(&Expr) -> String,
        derivative: &dyn Fn(&Expr) -> String,
    ) -> String {
        let mut text = rendered;
        // Longest names first, so no placeholder is a prefix of another being replaced.
        let mut pending: Vec<&(String, Expr)> = self.pending.iter().collect();
        pending.sort_by_key(|(name, _)| std::cmp::Reverse(name.len()));
        for (name, of) in pending {
            text = text.replace(&render(&Expr::var(name)), &derivative(of));
        }
        text
    }
}

/// A name standing for `d(u)` while a rule's label is printed.
const DIFFERENTIAL: &str = "differentialofu";

/// How many levels of nesting are shown one line each before the rest is done in one line.
const MAX_LINES: usize = 12;

/// The prefix of placeholder names (followed by letters only, so that every printer keeps them
/// whole).
const PLACEHOLDER: &str = "pendingderivative";

/// The chain rule worked line by line: what is shown, and the derivative itself.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkedChain {
    /// The lines, written with the defined names wherever a definition's body appears.
    pub lines: Vec<ChainLine>,
    /// The derivative: the last line with the definitions' bodies as the chain rule left them
    /// (what the simplifier starts from, since it knows more of a body than of a name).
    pub derivative: Expr,
}

/// The chain rule applied to `e` by `wrt`, one line per level (see the module doc).
pub fn worked_chain_rule(e: &Expr, wrt: &Wrt, defs: &Definitions) -> Result<WorkedChain, DiffError> {
    let mut differentiator = Differentiator::new(e, wrt, defs)?;
    let mut prefix = PLACEHOLDER.to_string();
    while e.free_names().iter().any(|n| n.starts_with(&prefix)) {
        prefix.push('x');
    }
    let mut worker = Worker { d: &mut differentiator, prefix, count: 0, pending: vec![], rules: vec![] };
    let mut lines = vec![];
    let mut expr = tidy(&worker.linear(e)?);
    let whole_is_pending =
        worker.pending.len() == 1 && matches!(&expr.node, Node::Var(n) if n.starts_with(&worker.prefix));
    if !whole_is_pending {
        lines.push(worker.line(&expr, defs, "linearity"));
    }
    while !worker.pending.is_empty() {
        let pending = std::mem::take(&mut worker.pending);
        let last = lines.len() + 1 >= MAX_LINES;
        let mut replacements = vec![];
        for (name, of) in &pending {
            let replacement = if last {
                worker.rule("chain rule");
                worker.d.diff(of)?
            } else {
                worker.local(of)?
            };
            replacements.push((name.clone(), replacement));
        }
        expr = tidy(&replace(&expr, &replacements, &worker.pending));
        let rule = std::mem::take(&mut worker.rules).join("; ");
        let line = worker.line(&expr, defs, &rule);
        let text = |l: &ChainLine| l.render(&|e| e.to_string(), &|e| e.to_string());
        match lines.pop() {
            // What only a definition's body changed looks the same with the names: one line.
            Some(last) if text(&last) == text(&line) => lines.push(joined(vec![last, line])),
            Some(last) => lines.extend([last, line]),
            None => lines.push(line),
        }
    }
    if lines.is_empty() {
        lines.push(worker.line(&expr, defs, "linearity"));
    }
    // Linearity goes into the line after it, as a student writes `sum(i, y[i]*(...))` at once;
    // the levels after the first go into one line, the chain rule written out as a student
    // writes it on paper: the outer derivative with the inner ones pending, then all of them.
    if lines.len() > 1 && lines[0].rule.starts_with("linearity") {
        let rest = lines.split_off(2);
        lines = std::iter::once(joined(lines)).chain(rest).collect();
    }
    if lines.len() > 2 {
        let rest = lines.split_off(1);
        lines.push(joined(rest));
    }
    Ok(WorkedChain { lines, derivative: expr })
}

/// Consecutive lines as one: the last one's expression, every rule of them all (each once).
fn joined(lines: Vec<ChainLine>) -> ChainLine {
    let rule = join_rules(lines.iter().map(|l| l.rule.as_str()));
    let last = lines.into_iter().last().expect("lines to join");
    ChainLine { rule, ..last }
}

/// `e` as a student writes it: the numbers of a product multiplied together in front, the
/// factors left to right (`2*a*b`, not `2*(a*b)` or `1/2*(2*a)`).
fn tidy(e: &Expr) -> Expr {
    let e = e.map_children(tidy);
    let (product, divisor) = match &e.node {
        Node::Binary(BinOp::Mul, ..) => (&e, BigRational::one()),
        // `2*a/2`: the divisor joins the product's number, when it has one.
        Node::Binary(BinOp::Div, a, b) => match (b.as_num(), has_number(a)) {
            (Some(n), true) if !n.is_zero() => (&**a, n.clone()),
            _ => return e,
        },
        _ => return e,
    };
    let factors = factors(product);
    let mut number = divisor.recip();
    let mut rest = vec![];
    for f in factors {
        match numeric(&f) {
            Some(n) => number *= n,
            None => rest.push(f),
        }
    }
    if number.is_zero() {
        return zero();
    }
    let negative = (-&number).is_one();
    if !number.is_one() && !negative {
        rest.insert(0, as_written(&number));
    }
    if negative {
        // The sign goes on the first factor: `-a*b`, not `-(a*b)`.
        if let Some(first) = rest.first_mut() {
            *first = neg(first.clone());
        }
    }
    rest.into_iter().reduce(|a, b| Expr::binary(BinOp::Mul, a, b)).unwrap_or_else(|| as_written(&number))
}

/// The factors of the product `e`, a minus sign as the factor -1.
fn factors(e: &Expr) -> Vec<Expr> {
    let mut product = vec![];
    crate::syntax::ast::flatten(e, BinOp::Mul, &mut product);
    product
        .into_iter()
        .flat_map(|f| match &f.node {
            Node::Neg(inner) => std::iter::once(Expr::int(-1)).chain(factors(inner)).collect(),
            _ => vec![f.clone()],
        })
        .collect()
}

/// Whether the product `e` (or its negation) has a number among its factors.
fn has_number(e: &Expr) -> bool {
    if let Node::Neg(inner) = &e.node {
        return has_number(inner);
    }
    let mut product = vec![];
    crate::syntax::ast::flatten(e, BinOp::Mul, &mut product);
    product.iter().any(|f| numeric(f).is_some())
}

/// A number as a student writes it: a whole number, or a fraction `1/2`.
fn as_written(n: &BigRational) -> Expr {
    if n.is_integer() {
        return Expr::num(n.clone());
    }
    let fraction = Expr::binary(BinOp::Div, Expr::num(n.numer().abs().into()), Expr::num(n.denom().clone().into()));
    if n.is_negative() {
        neg(fraction)
    } else {
        fraction
    }
}

/// The value of a number literal or a quotient of two (`1/2`).
fn numeric(e: &Expr) -> Option<BigRational> {
    match &e.node {
        Node::Num(n) => Some(n.clone()),
        Node::Binary(BinOp::Div, a, b) => {
            let (a, b) = (a.as_num()?, b.as_num()?);
            (!b.is_zero()).then(|| a / b)
        }
        _ => None,
    }
}

/// `sum(index, body)` made as [`sum`] makes it, unless a pending derivative in `body` hides
/// the index (`sum(i = 1..n, p)` with `p` standing for the derivative of `z[i]*x` is not `n*p`).
fn sum_with_pending(index: &str, count: Option<Expr>, body: Expr, pending: &[(String, Expr)]) -> Expr {
    let names = body.free_names();
    let hidden = pending.iter().any(|(name, of)| names.contains(name) && of.free_names().contains(index));
    if !hidden {
        return sum(index, count, body);
    }
    match &body.node {
        Node::Binary(BinOp::Mul, c, rest) if c.as_num().is_some() => {
            mul((**c).clone(), sum_with_pending(index, count, (**rest).clone(), pending))
        }
        _ => Expr::sum_over(index, count, body),
    }
}

/// `e` with each placeholder replaced; `pending` are the derivatives still pending after it.
fn replace(e: &Expr, replacements: &[(String, Expr)], pending: &[(String, Expr)]) -> Expr {
    if let Node::Var(name) = &e.node {
        if let Some((_, r)) = replacements.iter().find(|(n, _)| n == name) {
            return r.clone();
        }
    }
    let rebuilt = e.map_children(|c| replace(c, replacements, pending));
    // Fold what the replacement made trivial (`0*x`, `x*1`).
    match &rebuilt.node {
        Node::Binary(BinOp::Mul, a, b) => mul((**a).clone(), (**b).clone()),
        Node::Binary(BinOp::Add, a, b) => add((**a).clone(), (**b).clone()),
        Node::Binary(BinOp::Sub, a, b) => sub((**a).clone(), (**b).clone()),
        Node::Binary(BinOp::Div, a, b) => div((**a).clone(), (**b).clone()),
        Node::Neg(a) => neg((**a).clone()),
        Node::Reduce(Reduce::Sum, i, count, body) => {
            sum_with_pending(i, count.as_deref().cloned(), (**body).clone(), pending)
        }
        _ => rebuilt,
    }
}

/// The state of one worked chain rule: the placeholders made so far and the rules used in
/// the current line.
struct Worker<'w, 'a> {
    d: &'w mut Differentiator<'a>,
    prefix: String,
    count: usize,
    pending: Vec<(String, Expr)>,
    rules: Vec<String>,
}

impl Worker<'_, '_> {
    /// The line showing `expr` with the defined names, labelled `rule` and the definitions used.
    fn line(&self, expr: &Expr, defs: &Definitions, rule: &str) -> ChainLine {
        let mut used = vec![];
        let shown = tidy(&defs.fold(expr, &mut used));
        let rule = join_rules(std::iter::once(rule).chain(used.iter().map(String::as_str)));
        ChainLine { expr: shown, pending: self.pending.clone(), rule }
    }

    /// Records a rule for the current line (once).
    fn rule(&mut self, rule: &str) {
        if !self.rules.iter().any(|r| r == rule) {
            self.rules.push(rule.to_string());
        }
    }

    /// A placeholder for the derivative of `of`, pending until the next line.
    fn defer(&mut self, of: &Expr) -> Expr {
        let mut n = self.count;
        let mut letters = String::new();
        loop {
            letters.insert(0, (b'a' + (n % 26) as u8) as char);
            n /= 26;
            if n == 0 {
                break;
            }
        }
        self.count += 1;
        let name = format!("{}{letters}", self.prefix);
        self.pending.push((name.clone(), of.clone()));
        Expr::var(&name)
    }

    /// The derivative of `e` as far as linearity takes it: through `+`, `-`, constant factors,
    /// constant denominators and sums; the variable itself differentiated; anything else
    /// pending.
    fn linear(&mut self, e: &Expr) -> Result<Expr, DiffError> {
        if !self.d.depends(e) {
            return Ok(zero());
        }
        Ok(match &e.node {
            Node::Num(_) | Node::Pi => zero(),
            Node::Neg(a) => neg(self.linear(a)?),
            Node::Binary(BinOp::Add, a, b) => add(self.linear(a)?, self.linear(b)?),
            Node::Binary(BinOp::Sub, a, b) => sub(self.linear(a)?, self.linear(b)?),
            Node::Binary(BinOp::Mul, a, b) if !self.d.depends(a) => mul((**a).clone(), self.linear(b)?),
            Node::Binary(BinOp::Mul, a, b) if !self.d.depends(b) => mul(self.linear(a)?, (**b).clone()),
            Node::Binary(BinOp::Div, a, b) if !self.d.depends(b) => div(self.linear(a)?, (**b).clone()),
            Node::Reduce(Reduce::Sum, i, count, body) => {
                let (index, body) = self.d.bind_apart(i, body);
                // The range is decided as the plain chain rule decides it, on the whole
                // derivative of the body.
                let whole = self.d.diff(&body)?;
                let d = self.linear(&body)?;
                let count = self.d.sum_range(&index, count.as_deref(), &body, &whole);
                sum_with_pending(&index, count, d, &self.pending)
            }
            Node::Call(f, _) if f.is_matrix_form() => return Err(matrix_form(e)),
            Node::Array(_) => return Err(matrix_form(e)),
            Node::Var(name) if self.d.defs.get(name).is_none() => self.d.diff(e)?,
            Node::Index(base, _) if matches!(&base.node, Node::Var(n) if self.d.defs.get(n).is_none()) => {
                self.d.diff(e)?
            }
            _ => self.defer(e),
        })
    }

    /// The derivative of `e` by the local rule of its outermost operation, the inner
    /// derivatives by [`Worker::linear`].
    fn local(&mut self, e: &Expr) -> Result<Expr, DiffError> {
        match &e.node {
            Node::Var(name) => {
                let Some(def) = self.d.defs.get(name).filter(|d| d.params.is_empty()) else { return self.plain(e) };
                let body = def.body.clone();
                self.rule(&definition_text(self.d.defs, name));
                self.local_or_linear(&body)
            }
            Node::Index(base, idx) => match &base.node {
                Node::Var(name) => match self.d.defs.instantiate(name, idx, &mut self.d.fresh) {
                    Some(Ok(body)) => {
                        self.rule(&definition_text(self.d.defs, name));
                        self.local_or_linear(&body)
                    }
                    _ => self.plain(e),
                },
                Node::Call(Func::Softmax, args) => {
                    let [v] = args.as_slice() else { return self.plain(e) };
                    let [i] = idx.as_slice() else { return self.plain(e) };
                    self.rule("d(softmax(v)[i]) = softmax(v)[i]*(d(v[i]) - sum(j, softmax(v)[j]*d(v[j])))");
                    let centred = self.softmax_centred(v, i)?;
                    Ok(mul(e.clone(), centred))
                }
                _ => self.plain(e),
            },
            Node::Binary(op, a, b) => self.local_binary(e, *op, a, b),
            Node::Call(Func::Log, args) => {
                if let Some((v, i, definition)) = self.log_softmax(&args[0]) {
                    if let Some(definition) = definition {
                        self.rule(&definition);
                    }
                    self.rule("d(log(softmax(v)[i])) = d(v[i]) - sum(j, softmax(v)[j]*d(v[j]))");
                    return self.softmax_centred(&v, &i);
                }
                if let Some(logs) = self.d.log_of_product(&args[0]) {
                    self.rule(
                        "log(prod(i, f)) = sum(i, log(f)); log(a*b) = log(a) + log(b); log(a^b) = b*log(a) (a, b > 0)",
                    );
                    return self.linear(&logs);
                }
                self.unary(Func::Log, &args[0])
            }
            Node::Reduce(Reduce::Prod, ..) => {
                self.rule("d(prod(i, f(i))) = sum(j, d(f(j))*prod(i, delta(i, j) + (1 - delta(i, j))*f(i)))");
                self.d.diff(e)
            }
            Node::Call(Func::Logsumexp, args) => {
                self.rule("d(logsumexp(v)) = sum(j, softmax(v)[j]*d(v[j]))");
                self.softmax_weighted(&args[0])
            }
            Node::Call(f, args) if args.len() == 1 && !f.takes_vector() && !f.is_size() => self.unary(*f, &args[0]),
            Node::Call(Func::Max, _) => {
                self.rule("d(max(a, b)) = d(b) + step(a - b)*(d(a) - d(b))");
                self.d.diff(e)
            }
            Node::Call(Func::Min, _) => {
                self.rule("d(min(a, b)) = d(a) - step(a - b)*(d(a) - d(b))");
                self.d.diff(e)
            }
            _ => self.plain(e),
        }
    }

    /// The derivative of `e` by the plain chain rule, in one line.
    fn plain(&mut self, e: &Expr) -> Result<Expr, DiffError> {
        self.rule("chain rule");
        self.d.diff(e)
    }

    /// `e` by its local rule when it is not linear in the variable, else by linearity.
    fn local_or_linear(&mut self, e: &Expr) -> Result<Expr, DiffError> {
        let before = self.pending.len();
        let linear = self.linear(e)?;
        // A pending derivative of `e` itself would only restate it: apply its rule now.
        if self.pending.len() == before + 1 && self.pending[before].1 == *e {
            self.pending.pop();
            self.count -= 1;
            return self.local(e);
        }
        Ok(linear)
    }

    fn local_binary(&mut self, e: &Expr, op: BinOp, a: &Expr, b: &Expr) -> Result<Expr, DiffError> {
        let cb = !self.d.depends(b);
        match op {
            BinOp::Mul => {
                self.rule("product rule: d(a*b) = d(a)*b + a*d(b)");
                Ok(add(mul(self.linear(a)?, b.clone()), mul(a.clone(), self.linear(b)?)))
            }
            BinOp::Div => {
                self.rule("quotient rule: d(a/b) = d(a)/b - a*d(b)/b^2");
                let (da, db) = (self.linear(a)?, self.linear(b)?);
                Ok(if cb {
                    div(da, b.clone())
                } else {
                    sub(div(da, b.clone()), div(mul(a.clone(), db), pow(b.clone(), Expr::int(2))))
                })
            }
            BinOp::Pow if !cb => {
                // A varying exponent: the plain chain rule (through log(a)) in one line.
                self.rule("a^b = exp(b*log(a))");
                self.d.diff(e)
            }
            BinOp::Pow => {
                self.rule("power rule: d(u^n) = n*u^(n - 1)*d(u)");
                let lowered = match b.as_num() {
                    Some(n) => pow(a.clone(), Expr::num(n - num_rational::BigRational::one())),
                    None => pow(a.clone(), sub(b.clone(), one())),
                };
                Ok(mul(mul(b.clone(), lowered), self.linear(a)?))
            }
            BinOp::Add | BinOp::Sub => self.linear(e),
        }
    }

    /// `f(x)`: `f'(x)` times the inner derivative, the rule named by `f'(u)`.
    fn unary(&mut self, f: Func, x: &Expr) -> Result<Expr, DiffError> {
        // Written with differentials, `d(sigmoid(u)) = sigmoid(u)*(1 - sigmoid(u))*d(u)`, which
        // read (and typeset) as formulas.
        let u = Expr::var("u");
        let rule = super::chain(f, &u, Expr::var(DIFFERENTIAL)).to_string().replace(DIFFERENTIAL, "d(u)");
        self.rule(&format!("d({}(u)) = {rule}", f.name()));
        let dx = self.linear(x)?;
        Ok(if is_zero(&dx) { zero() } else { super::chain(f, x, dx) })
    }

    /// `v'[i] - sum(j, softmax(v)[j]*v'[j])`, the sum collapsed when `v'[j]` is `delta(j, k)`.
    fn softmax_centred(&mut self, v: &Expr, i: &Expr) -> Result<Expr, DiffError> {
        let dvi = self.linear(&super::component(v, i.clone())?)?;
        Ok(sub(dvi, self.softmax_weighted(v)?))
    }

    /// `sum(j, softmax(v)[j]*v'[j])`, or `softmax(v)[k]` when `v'[j]` is `delta(j, k)`.
    fn softmax_weighted(&mut self, v: &Expr) -> Result<Expr, DiffError> {
        let j = self.d.fresh.index("j");
        let dvj = self.linear(&super::component(v, Expr::var(&j))?)?;
        let softmax = Expr::call(Func::Softmax, vec![v.clone()]);
        if let Node::Call(Func::Delta, args) = &dvj.node {
            if let [first, k] = args.as_slice() {
                if matches!(&first.node, Node::Var(n) if *n == j) && !k.free_names().contains(&j) {
                    return Ok(Expr::index(softmax, vec![k.clone()]));
                }
            }
        }
        Ok(if is_zero(&dvj) { zero() } else { Expr::sum(&j, mul(Expr::index(softmax, vec![Expr::var(&j)]), dvj)) })
    }

    /// When `arg` is `softmax(v)[i]` (or a name defined as softmax, indexed): `v`, `i` and the
    /// definition used.
    fn log_softmax(&mut self, arg: &Expr) -> Option<(Expr, Expr, Option<String>)> {
        let Node::Index(base, idx) = &arg.node else { return None };
        let [i] = idx.as_slice() else { return None };
        match &base.node {
            Node::Call(Func::Softmax, args) => Some((args[0].clone(), i.clone(), None)),
            Node::Var(name) => {
                let def = self.d.defs.get(name).filter(|d| d.params.is_empty())?;
                let Node::Call(Func::Softmax, args) = &def.body.node else { return None };
                Some((args[0].clone(), i.clone(), Some(definition_text(self.d.defs, name))))
            }
            _ => None,
        }
    }
}

/// `name = body` or `name[i] = body` of a definition.
fn definition_text(defs: &Definitions, name: &str) -> String {
    defs.get(name).map_or_else(|| name.to_string(), |d| d.statement().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse::{parse_expr, parse_statement};

    fn lines(e: &str, wrt: &str, lets: &[&str]) -> Vec<String> {
        let mut defs = Definitions::default();
        for l in lets {
            defs.add(parse_statement(l).unwrap()).unwrap();
        }
        let lines = worked_chain_rule(&parse_expr(e).unwrap(), &Wrt::parse(wrt).unwrap(), &defs).unwrap().lines;
        let d = |of: &Expr| format!("∂/∂{wrt}({of})");
        lines.iter().map(|l| format!("{}    ({})", l.render(&|e| e.to_string(), &d), l.rule)).collect()
    }

    #[test]
    fn cross_entropy_of_softmax_takes_one_line() {
        assert_eq!(
            lines("-sum(i, y[i]*log(softmax(z)[i]))", "z[k]", &[]),
            ["-sum(i, y[i]*(delta(i, k) - softmax(z)[k]))    (linearity; d(log(softmax(v)[i])) = d(v[i]) - sum(j, softmax(v)[j]*d(v[j])))"]
        );
    }

    #[test]
    fn nesting_is_one_line_per_level() {
        assert_eq!(
            lines("sigmoid(2*x)^2", "x", &[]),
            [
                "2*sigmoid(2*x)*∂/∂x(sigmoid(2*x))    (power rule: d(u^n) = n*u^(n - 1)*d(u))",
                "4*sigmoid(2*x)*sigmoid(2*x)*(1 - sigmoid(2*x))    (d(sigmoid(u)) = sigmoid(u)*(1 - sigmoid(u))*d(u))",
            ]
        );
    }

    #[test]
    fn definitions_are_applied_where_differentiated() {
        let got = lines("1/2*sum(i, (yhat[i] - y[i])^2)", "z[k]", &["yhat[i] = sigmoid(z[i])"]);
        assert_eq!(
            got[0],
            "sum(i, (yhat[i] - y[i])*∂/∂z[k](yhat[i]))    (linearity; power rule: d(u^n) = n*u^(n - 1)*d(u))"
        );
        assert_eq!(got[1], "sum(i, (yhat[i] - y[i])*yhat[i]*(1 - yhat[i])*delta(i, k))    (yhat[i] = sigmoid(z[i]); d(sigmoid(u)) = sigmoid(u)*(1 - sigmoid(u))*d(u))");
        assert!(!got.last().unwrap().contains('∂'), "{got:?}");
    }

    #[test]
    fn the_last_line_equals_the_plain_chain_rule() {
        use crate::eval::eval_scalar;
        use crate::eval::number::Number;
        use crate::eval::value::{Env, Value};
        let cases = [
            ("x*sigmoid(x)", "x"),
            ("log(1 + exp(-3*x))/x", "x"),
            ("tanh(x)^3 - x^x", "x"),
            ("max(x, x^2) + abs(sin(x))", "x"),
            ("sum(i = 1..3, x^i*sin(i*x)^2)", "x"),
        ];
        for (e, wrt) in cases {
            let expr = parse_expr(e).unwrap();
            let wrt = Wrt::parse(wrt).unwrap();
            let worked = worked_chain_rule(&expr, &wrt, &Definitions::default()).unwrap();
            let plain = super::super::differentiate(&expr, &wrt, &Definitions::default()).unwrap();
            let last = &worked.derivative;
            for x in [0.3, 1.7, 2.9] {
                let mut env = Env::new();
                env.bind("x", Value::Scalar(Number::Approx(x)));
                let (a, b) = (eval_scalar(last, &env).unwrap().to_f64(), eval_scalar(&plain, &env).unwrap().to_f64());
                assert!((a - b).abs() <= 1e-12 * a.abs().max(1.0), "{e} at {x}: {a} vs {b}");
            }
        }
    }
}
