//! From matrix form to index form: component `[row, col]` of an elaborated matrix expression as
//! a scalar expression with those indices free. `W*x + b` at row `i` is
//! `sum(j, W[i, j]*x[j]) + b[i]`; `x^T*A*x` is `sum(j, sum(k, x[j]*A[j, k])*x[k])`; `I` is
//! `delta(i, j)`. A vector function of a compound argument (`softmax(W*x)`) gets a definition of
//! its own (`u1[i] = sum(j, W[i, j]*x[j])`), so the chain rule and the simplifier see it by name.

use super::elaborate::{dim_expr, shape_of};
use super::shape::{Dim, Shape, Shapes};
use crate::syntax::ast::{BinOp, Expr, Func, Node, Statement};
use std::collections::BTreeSet;

/// An index form: the expression and the definitions it uses.
#[derive(Clone, Debug, PartialEq)]
pub struct IndexForm {
    /// The component as a scalar expression.
    pub expr: Expr,
    /// Definitions introduced for vector functions of compound arguments, in order of use.
    pub definitions: Vec<Statement>,
    /// The matrix form of each vector so defined, by name.
    pub named: Vec<(String, Expr)>,
}

/// Lowers elaborated matrix expressions, drawing bound index names that clash with no name in
/// use.
pub struct Lowerer<'a> {
    shapes: &'a Shapes,
    taken: BTreeSet<String>,
    definitions: Vec<Statement>,
    named: Vec<(String, Expr)>,
}

/// The names bound indices are drawn from, in order (then with a number).
const INDEX_NAMES: [&str; 6] = ["j", "k", "l", "r", "s", "t"];

impl<'a> Lowerer<'a> {
    /// A lowerer for expressions over `shapes`, avoiding the names in `taken`.
    pub fn new(shapes: &'a Shapes, taken: impl IntoIterator<Item = String>) -> Lowerer<'a> {
        let mut taken: BTreeSet<String> = taken.into_iter().collect();
        taken.extend(shapes.iter().map(|(name, _)| name.clone()));
        Lowerer { shapes, taken, definitions: vec![], named: vec![] }
    }

    /// A fresh name from `names`, marked taken.
    pub fn fresh(&mut self, names: &[&str]) -> String {
        let candidates = names.iter().map(|n| n.to_string());
        let numbered = (2..).flat_map(|k| names.iter().map(move |n| format!("{n}{k}")));
        let name = candidates.chain(numbered).find(|n| !self.taken.contains(n)).expect("an unused name");
        self.taken.insert(name.clone());
        name
    }

    /// Component `[row, col]` of `e` (an index left out where `e` has no such axis), with the
    /// definitions it needs.
    pub fn lower(mut self, e: &Expr, row: Option<&str>, col: Option<&str>) -> Result<IndexForm, String> {
        let expr = self.component(e, row.map(Expr::var), col.map(Expr::var))?;
        Ok(IndexForm { expr, definitions: self.definitions, named: self.named })
    }

    fn shape(&self, e: &Expr) -> Shape {
        shape_of(e, self.shapes)
    }

    fn component(&mut self, e: &Expr, row: Option<Expr>, col: Option<Expr>) -> Result<Expr, String> {
        let shape = self.shape(e);
        // An index goes only where there is an axis for it.
        let (row, col) = (row.filter(|_| shape.rows.is_some()), col.filter(|_| shape.cols.is_some()));
        Ok(match &e.node {
            Node::Num(_) | Node::Pi | Node::Index(..) | Node::Apply(..) => e.clone(),
            Node::Var(_) => match (row, col) {
                (None, None) => e.clone(),
                (Some(r), None) => Expr::index(e.clone(), vec![r]),
                (None, Some(c)) => Expr::index(e.clone(), vec![Expr::int(1), c]),
                (Some(r), Some(c)) => Expr::index(e.clone(), vec![r, c]),
            },
            Node::Neg(a) => Expr::negate(self.component(a, row, col)?),
            Node::Binary(BinOp::Pow, a, b) if is_squared_norm(a, b) => {
                let Node::Call(_, v) = &a.node else { unreachable!("a norm") };
                self.sum_of_squares(&v[0])?
            }
            Node::Binary(op, a, b) => {
                let a = self.component(a, row.clone(), col.clone())?;
                let b = self.component(b, row, col)?;
                Expr::binary(*op, a, b)
            }
            Node::Reduce(op, i, count, body) => {
                Expr::reduce(*op, i, count.as_deref().cloned(), self.component(body, None, None)?)
            }
            Node::Array(_) => return Err("an array inside a matrix expression has no index form yet".into()),
            Node::Call(func, args) => self.call(*func, args, row, col)?,
        })
    }

    fn call(&mut self, func: Func, args: &[Expr], row: Option<Expr>, col: Option<Expr>) -> Result<Expr, String> {
        Ok(match func {
            Func::MatMul => {
                let inner = self.shape(&args[0]).cols;
                match inner {
                    None => {
                        let a = self.component(&args[0], row, None)?;
                        Expr::binary(BinOp::Mul, a, self.component(&args[1], None, col)?)
                    }
                    Some(n) => {
                        let k = self.fresh(&INDEX_NAMES);
                        let a = self.component(&args[0], row, Some(Expr::var(&k)))?;
                        let b = self.component(&args[1], Some(Expr::var(&k)), col)?;
                        self.sum(&k, &n, Expr::binary(BinOp::Mul, a, b))
                    }
                }
            }
            Func::Transpose => self.component(&args[0], col, row)?,
            Func::Hadamard => {
                let a = self.component(&args[0], row.clone(), col.clone())?;
                Expr::binary(BinOp::Mul, a, self.component(&args[1], row, col)?)
            }
            Func::SumAll => {
                let shape = self.shape(&args[0]);
                let r = shape.rows.as_ref().map(|_| self.fresh(&INDEX_NAMES));
                let c = shape.cols.as_ref().map(|_| self.fresh(&INDEX_NAMES));
                let mut body = self.component(&args[0], r.as_deref().map(Expr::var), c.as_deref().map(Expr::var))?;
                if let (Some(c), Some(n)) = (&c, &shape.cols) {
                    body = self.sum(c, n, body);
                }
                if let (Some(r), Some(n)) = (&r, &shape.rows) {
                    body = self.sum(r, n, body);
                }
                body
            }
            Func::Norm2 => Expr::call(Func::Sqrt, vec![self.sum_of_squares(&args[0])?]),
            Func::Trace => {
                let n = self.shape(&args[0]).rows.expect("a square matrix");
                let k = self.fresh(&INDEX_NAMES);
                let body = self.component(&args[0], Some(Expr::var(&k)), Some(Expr::var(&k)))?;
                self.sum(&k, &n, body)
            }
            Func::Diag => {
                let (Some(r), Some(c)) = (row, col) else { return Err("diag of a length-1 vector".into()) };
                let v = self.component(&args[0], Some(r.clone()), None)?;
                Expr::binary(BinOp::Mul, Expr::call(Func::Delta, vec![r, c]), v)
            }
            Func::Ones => Expr::int(1),
            Func::Eye => match (row, col) {
                (Some(r), Some(c)) => Expr::call(Func::Delta, vec![r, c]),
                _ => Expr::int(1),
            },
            Func::Softmax | Func::Logsumexp => {
                let v = self.named_vector(&args[0])?;
                let whole = Expr::call(func, vec![v]);
                match row {
                    Some(r) if func == Func::Softmax => Expr::index(whole, vec![r]),
                    _ => whole,
                }
            }
            Func::Delta | Func::Len | Func::Cols => Expr::call(func, args.to_vec()),
            _ => {
                let args =
                    args.iter().map(|a| self.component(a, row.clone(), col.clone())).collect::<Result<Vec<_>, _>>()?;
                Expr::call(func, args)
            }
        })
    }

    /// `sum(k, v[k]^2)`: the squared norm of a vector.
    fn sum_of_squares(&mut self, v: &Expr) -> Result<Expr, String> {
        let shape = self.shape(v);
        let (n, is_row) = match (&shape.rows, &shape.cols) {
            (Some(n), None) => (n.clone(), false),
            (None, Some(n)) => (n.clone(), true),
            _ => return Err("norm2 takes a vector".into()),
        };
        let k = self.fresh(&INDEX_NAMES);
        let at = Some(Expr::var(&k));
        let component = if is_row { self.component(v, None, at)? } else { self.component(v, at, None)? };
        Ok(self.sum(&k, &n, Expr::binary(BinOp::Pow, component, Expr::int(2))))
    }

    /// `sum(k, body)`; with a written range `1..n` when no vector in `body` tells the range.
    fn sum(&self, k: &str, n: &Dim, body: Expr) -> Expr {
        let told = body.indexed_by(k).is_some_and(|(base, _)| matches!(base.node, Node::Var(_)));
        Expr::sum_over(k, (!told).then(|| dim_expr(n)), body)
    }

    /// A name for the vector `v`: `v` itself, or a definition `u1[i] = ...` of it.
    fn named_vector(&mut self, v: &Expr) -> Result<Expr, String> {
        if matches!(v.node, Node::Var(_)) {
            return Ok(v.clone());
        }
        let name = self.fresh(&["u"]);
        // The parameter is local to the definition: any name its body does not use.
        let placeholder = "%";
        let body = self.component(v, Some(Expr::var(placeholder)), None)?;
        let used = body.free_names();
        let param = ["i", "j", "k", "l"]
            .into_iter()
            .find(|n| !used.contains(*n) && self.shapes.get(n).is_none())
            .unwrap_or("i0");
        let lhs = Expr::index(Expr::var(&name), vec![Expr::var(param)]);
        self.definitions.push(Statement::Equation(lhs, body.rename_free(placeholder, param)));
        self.named.push((name.clone(), v.clone()));
        Ok(Expr::var(&name))
    }
}

/// `norm2(v)^2`.
fn is_squared_norm(base: &Expr, exponent: &Expr) -> bool {
    matches!(base.node, Node::Call(Func::Norm2, _)) && *exponent == Expr::int(2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matrix::elaborate::elaborate;
    use crate::syntax::parse::parse_expr;

    fn lowered(src: &str, shapes: &str, row: Option<&str>, col: Option<&str>) -> String {
        let shapes = Shapes::parse(shapes).unwrap();
        let typed = elaborate(&parse_expr(src).unwrap(), &shapes).unwrap();
        let form = Lowerer::new(&shapes, ["i".to_string(), "p".to_string()]).lower(&typed.expr, row, col).unwrap();
        let defs: Vec<String> = form.definitions.iter().map(|d| d.to_string()).collect();
        format!("{}{}", form.expr, defs.iter().map(|d| format!("; {d}")).collect::<String>())
    }

    #[test]
    fn products_become_sums_over_a_fresh_index() {
        assert_eq!(lowered("W*x + b", "W: 3x4, x: 4, b: 3", Some("i"), None), "sum(j, W[i, j]*x[j]) + b[i]");
        assert_eq!(lowered("x^T*A*x", "A: 4x4, x: 4", None, None), "sum(j, sum(k, x[k]*A[k, j])*x[j])");
        assert_eq!(lowered("x*y'", "x: 3, y: 2", Some("i"), Some("p")), "x[i]*y[p]");
        assert_eq!(lowered("(I + A)*x", "A: 2x2, x: 2", Some("i"), None), "sum(j, (delta(i, j) + A[i, j])*x[j])");
    }

    #[test]
    fn norms_traces_and_entrywise_forms() {
        assert_eq!(
            lowered("1/2*norm2(W*x - y)^2", "W: 3x4, x: 4, y: 3", None, None),
            "1/2*sum(j, (sum(k, W[j, k]*x[k]) - y[j])^2)"
        );
        assert_eq!(lowered("tr(A*B)", "A: 2x3, B: 3x2", None, None), "sum(j, sum(k, A[j, k]*B[k, j]))");
        assert_eq!(
            lowered("sigmoid(z) .* (1 - sigmoid(z))", "z: 3", Some("i"), None),
            "sigmoid(z[i])*(1 - sigmoid(z[i]))"
        );
        assert_eq!(lowered("sum(ones(3))", "", None, None), "sum(j = 1..3, 1)");
    }

    #[test]
    fn vector_functions_of_compound_arguments_are_defined() {
        assert_eq!(
            lowered("-y^T*log(softmax(W*x))", "W: 3x4, x: 4, y: 3", None, None),
            "sum(j, -y[j]*log(softmax(u)[j])); u[i] = sum(k, W[i, k]*x[k])"
        );
    }
}
