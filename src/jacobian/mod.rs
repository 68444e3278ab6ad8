//! Jacobians of vector functions (`jacobian '[3*x*y, y - z]' --wrt 'x, y, z'`), and for a
//! composition `F(G)` the chain rule both ways: the direct Jacobian of the composed entries, and
//! `J_F(G) J_G` (each factor derived, `J_F` evaluated at `G`, the product simplified), the two
//! compared entry by entry, by proof where the rules find one, else at random points.

pub mod function;

use crate::defs::Definitions;
use crate::derive::{derive_parsed, Context};
use crate::diff::Wrt;
use crate::egraph::{prove_equal, simplify, Limits};
use crate::sample::compare::{compare, Verdict};
use crate::sample::Sampler;
use crate::syntax::ast::{BinOp, Expr, Node, Span};
use crate::syntax::diagnostic::Problem;
use crate::syntax::parse::ParseError;
use function::{Target, VectorFunction};
use std::fmt;

/// A matrix of expressions, row by row: entry `[i][j]` is `∂f_i/∂x_j`.
#[derive(Clone, Debug, PartialEq)]
pub struct Matrix(pub Vec<Vec<Expr>>);

impl Matrix {
    /// The matrix as the language writes it, `[[a, b], [c, d]]`.
    pub fn to_expr(&self) -> Expr {
        Expr::new(Node::Array(self.0.iter().map(|row| Expr::new(Node::Array(row.clone()))).collect()))
    }
}

impl fmt::Display for Matrix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.to_expr())
    }
}

/// How an entry of `J_F(G) J_G` compared with the direct Jacobian's.
#[derive(Clone, Debug, PartialEq)]
pub enum Agreement {
    /// The rules rewrite one into the other.
    Proved,
    /// Equal at this many random points (no proof found).
    Numeric(usize),
    /// No point where both have a value.
    Unknown,
}

/// The chain rule for a composition `F(G)`.
#[derive(Clone, Debug)]
pub struct ChainRule {
    /// The outer function.
    pub outer: VectorFunction,
    /// The entries of its argument, in the variables.
    pub inner: Vec<Expr>,
    /// `J_G`: the inner entries by the variables.
    pub inner_jacobian: Matrix,
    /// `J_F`: the outer function by its own parameters.
    pub outer_jacobian: Matrix,
    /// `J_F(G)`: `J_F` with its parameters replaced by the inner entries (simplified).
    pub outer_at_inner: Matrix,
    /// `J_F(G) J_G`, multiplied out and simplified.
    pub product: Matrix,
    /// How each entry of the product compared with the direct Jacobian.
    pub agreement: Vec<Vec<Agreement>>,
}

/// A Jacobian: the function's entries (simplified), the variables, the matrix, and for a
/// composition the chain rule.
#[derive(Clone, Debug)]
pub struct Jacobian {
    /// The function's entries in the variables, simplified.
    pub entries: Vec<Expr>,
    /// The variables, in column order.
    pub wrt: Vec<String>,
    /// The Jacobian, derived entry by entry.
    pub matrix: Matrix,
    /// For `F(G)`: the chain rule, `J_F(G) J_G`, compared with `matrix`.
    pub chain: Option<ChainRule>,
}

/// Why a Jacobian cannot be taken.
#[derive(Clone, Debug, PartialEq)]
pub struct JacobianError {
    /// What is wrong.
    pub message: String,
    /// Where, in the text at fault.
    pub span: Option<Span>,
    kind: &'static str,
}

impl JacobianError {
    fn at(kind: &'static str, message: &str, span: Span) -> JacobianError {
        JacobianError { message: message.to_string(), span: Some(span), kind }
    }

    fn plain(kind: &'static str, message: String) -> JacobianError {
        JacobianError { message, span: None, kind }
    }

    fn parse(e: &ParseError, offset: usize) -> JacobianError {
        JacobianError { message: e.to_string(), span: Some(e.span()), kind: e.kind() }.shifted(offset)
    }

    /// The same error with its span moved by `offset` bytes.
    fn shifted(mut self, offset: usize) -> JacobianError {
        self.span = self.span.map(|s| s.start + offset..s.end + offset);
        self
    }
}

impl fmt::Display for JacobianError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl Problem for JacobianError {
    fn kind(&self) -> &'static str {
        self.kind
    }
    fn span(&self) -> Option<Span> {
        self.span.clone()
    }
}

/// The Jacobian of `target` by `wrt`, with the chain rule for a composition.
pub fn jacobian(target: &Target, wrt: &[String], limits: &Limits) -> Result<Jacobian, JacobianError> {
    let tidy = |e: &Expr| simplify(e, &Definitions::default(), &[], limits, false).expr;
    let entries: Vec<Expr> = target.entries.iter().map(tidy).collect();
    let matrix = derivatives(&target.entries, wrt, limits)?;
    let chain = match &target.composition {
        None => None,
        Some((outer, inner)) => {
            let inner_jacobian = derivatives(inner, wrt, limits)?;
            let outer_jacobian = derivatives(&outer.entries, &outer.params, limits)?;
            let outer_at_inner = Matrix(
                outer_jacobian
                    .0
                    .iter()
                    .map(|row| outer.applied_to_each(row, inner).iter().map(tidy).collect())
                    .collect(),
            );
            let product = multiply(&outer_at_inner, &inner_jacobian, tidy);
            let agreement = compare_entries(&product, &matrix, limits)?;
            Some(ChainRule {
                outer: outer.clone(),
                inner: inner.iter().map(tidy).collect(),
                inner_jacobian,
                outer_jacobian,
                outer_at_inner,
                product,
                agreement,
            })
        }
    };
    Ok(Jacobian { entries, wrt: wrt.to_vec(), matrix, chain })
}

impl VectorFunction {
    /// Each expression of `row` (in the parameters) with the parameters replaced by `args`.
    fn applied_to_each(&self, row: &[Expr], args: &[Expr]) -> Vec<Expr> {
        VectorFunction { entries: row.to_vec(), ..self.clone() }.applied(args)
    }
}

/// `∂ entries[i] / ∂ wrt[j]`, each through the one derivation pipeline with its numeric check.
fn derivatives(entries: &[Expr], wrt: &[String], limits: &Limits) -> Result<Matrix, JacobianError> {
    let mut rows = Vec::with_capacity(entries.len());
    for entry in entries {
        let mut row = Vec::with_capacity(wrt.len());
        for var in wrt {
            let context = Context { limits: limits.clone(), self_check: true, ..Default::default() };
            let d = derive_parsed(entry.clone(), Wrt::Scalar(var.clone()), context)
                .map_err(|e| JacobianError::plain("derivative", format!("d/d{var} of {entry}: {e}")))?;
            if let Some(message) = d.disagreement() {
                return Err(JacobianError::plain("internal_error", format!("d/d{var} of {entry}: {message}")));
            }
            row.push(d.result().clone());
        }
        rows.push(row);
    }
    Ok(Matrix(rows))
}

/// `a b`, each entry a sum of products, simplified by `tidy`.
fn multiply(a: &Matrix, b: &Matrix, tidy: impl Fn(&Expr) -> Expr) -> Matrix {
    let cols = b.0.first().map_or(0, Vec::len);
    Matrix(
        a.0.iter()
            .map(|row| {
                (0..cols)
                    .map(|j| {
                        let terms = row
                            .iter()
                            .zip(&b.0)
                            .map(|(x, b_row)| Expr::binary(BinOp::Mul, x.clone(), b_row[j].clone()));
                        tidy(&terms.reduce(|s, t| Expr::binary(BinOp::Add, s, t)).unwrap_or_else(|| Expr::int(0)))
                    })
                    .collect()
            })
            .collect(),
    )
}

/// Each entry of `chain` against the same entry of `direct`; a difference is an internal error.
fn compare_entries(chain: &Matrix, direct: &Matrix, limits: &Limits) -> Result<Vec<Vec<Agreement>>, JacobianError> {
    let mut rows = vec![];
    for (i, (a_row, b_row)) in chain.0.iter().zip(&direct.0).enumerate() {
        let mut row = vec![];
        for (j, (a, b)) in a_row.iter().zip(b_row).enumerate() {
            let agreement = if a == b || prove_equal(a, b, &[], limits).is_some() {
                Agreement::Proved
            } else {
                match compare(a, b, &Sampler::new([a, b], &Definitions::default(), &[])) {
                    Verdict::Agree(evidence) => Agreement::Numeric(evidence.points),
                    Verdict::Unknown(_) => Agreement::Unknown,
                    Verdict::Differ(c) => {
                        let message = format!(
                            "internal error: entry [{}, {}] of the chain rule, {a}, differs from the direct Jacobian's, {b}, at {}; please report this",
                            i + 1,
                            j + 1,
                            c.point
                        );
                        return Err(JacobianError::plain("internal_error", message));
                    }
                }
            };
            row.push(agreement);
        }
        rows.push(row);
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::function::read_target;
    use super::*;

    fn seed_functions() -> Vec<VectorFunction> {
        ["F(x, y, z) = [3*x*y, y - z]", "G(x, y) = [x - 5*y, x*y, x*y - x^2]"]
            .iter()
            .map(|t| VectorFunction::parse(t).unwrap())
            .collect()
    }

    fn vars(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_vector_function_of_three_variables() {
        let target = read_target("[3*x*y, y - z]", &[]).unwrap();
        let j = jacobian(&target, &vars(&["x", "y", "z"]), &Limits::default()).unwrap();
        assert_eq!(j.matrix.to_string(), "[[3*y, 3*x, 0], [0, 1, -1]]");
        assert!(j.chain.is_none());
    }

    #[test]
    fn the_chain_rule_agrees_with_the_direct_jacobian() {
        let target = read_target("F(G)", &seed_functions()).unwrap();
        let j = jacobian(&target, &vars(&["x", "y"]), &Limits::default()).unwrap();
        let chain = j.chain.as_ref().unwrap();
        assert_eq!(chain.inner_jacobian.to_string(), "[[1, -5], [y, x], [y - 2*x, x]]");
        assert_eq!(chain.outer_jacobian.to_string(), "[[3*y, 3*x, 0], [0, 1, -1]]");
        // The second entry of F(G) is x^2: its gradient is [2x, 0].
        assert_eq!(j.matrix.0[1].iter().map(|e| e.to_string()).collect::<Vec<_>>(), ["2*x", "0"]);
        assert!(chain.agreement.iter().flatten().all(|a| *a != Agreement::Unknown));
    }
}
