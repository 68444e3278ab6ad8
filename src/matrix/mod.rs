//! Matrix and vector calculus: expressions over declared shapes (`W*x + b`, `x^T`, `A .* B`,
//! `norm2(v)`, `tr(A)`), differentiated through their index form and answered in matrix form.
//!
//! The data flow: [`elaborate()`] works out the shapes and makes the matrix operators explicit;
//! [`lower`] writes the expression's component in index form; the one derivation pipeline
//! ([`crate::derive::derive_parsed`]) differentiates and simplifies that, with its numeric
//! self-check; [`raise`] reads the result back into matrix form where one exists; [`verify`]
//! checks the matrix form against the index form at random values before it is shown.

pub mod at;
pub mod elaborate;
pub mod lower;
pub mod raise;
pub mod shape;
pub mod verify;

use crate::defs::Definitions;
use crate::derive::{derive_parsed, Context, Derivation};
use crate::diff::Wrt;
use crate::egraph::Assumption;
use crate::syntax::ast::{BinOp, Expr, Func, Node, Span, Statement};
use crate::syntax::diagnostic::Problem;
use crate::syntax::names::Fresh;
use elaborate::{elaborate, ShapeError};
use lower::Lowerer;
use raise::Raiser;
use shape::{Dim, Shape, Shapes};
use std::collections::HashMap;
use std::fmt;

/// A derivative of a matrix expression: the index-form derivation and, where one exists and
/// agrees with it, the matrix form.
#[derive(Clone, Debug)]
pub struct MatrixDerivation {
    /// The expression, its matrix operators explicit (see [`surface`] for how it is written).
    pub expr: Expr,
    /// The variable differentiated by (a whole vector or matrix, or a scalar).
    pub wrt: String,
    /// The shape of the derivative: the variable's for a scalar expression (the gradient), or
    /// rows of the expression by the variable's length (the Jacobian).
    pub shape: Shape,
    /// The index names of the derivative's component: `[row, col]`.
    pub row: Option<String>,
    /// See [`MatrixDerivation::row`].
    pub col: Option<String>,
    /// The index-form derivation (of component `[row]` of the expression by `wrt[...]`).
    pub index: Derivation,
    /// The derivative in matrix form, or why there is none.
    pub matrix: Result<Expr, String>,
    /// The whole definitions written by name in `expr` and `matrix`, each with its body in the
    /// declared names (matrix operators explicit).
    pub named: Vec<(String, Expr)>,
    /// The vectors the index form refers to by name, in matrix form.
    index_names: Vec<(String, Expr)>,
    /// The declared shapes.
    shapes: Shapes,
}

impl MatrixDerivation {
    /// Judges a matrix form someone else wrote for this derivative (`candidate`, in the
    /// declared names and those of the whole definitions): `Ok` when it has the derivative's
    /// shape and agrees with the index form entry by entry at random points, else why not. A
    /// number stands for a matrix of that number (`0` for a derivative that vanishes).
    pub fn judge(&self, candidate: &Expr) -> Result<(), Mismatch> {
        let size = |n: &String| {
            self.shapes.iter().any(|(_, s)| [&s.rows, &s.cols].into_iter().any(|d| d == &Some(Dim::Named(n.clone()))))
        };
        // `x^T` reads as a power of `T`, which the shapes take as the transpose.
        let declared = |n: &String| {
            n == "T" || self.shapes.get(n).is_some() || self.named.iter().any(|(name, _)| name == n) || size(n)
        };
        if let Some(stranger) = candidate.free_names().into_iter().find(|n| !declared(n)) {
            return Err(Mismatch::Unjudged(format!(
                "`{stranger}` has no declared shape (an index-form answer, or an unknown name)"
            )));
        }
        let mut fresh = Fresh::avoiding([candidate]);
        let mut defs = Definitions::default();
        for (name, body) in &self.named {
            defs.add(Statement::Equation(Expr::var(name), body.clone())).map_err(|e| Mismatch::Unjudged(e.message))?;
        }
        let expanded = defs.expand(candidate, &mut fresh).map_err(|e| Mismatch::Unjudged(e.message))?;
        let typed = elaborate(&expanded, &self.shapes).map_err(|e| Mismatch::Shape(e.message))?;
        let axes = (self.row.as_deref(), self.col.as_deref());
        let agrees = |e: &Expr| {
            let sides = ("as written", "in the derivative");
            verify::agrees(e, self.index_form(), axes, &self.shapes, &self.index_names, sides)
        };
        let written = if typed.shape.is_scalar() && expanded.free_names().is_empty() && !self.shape.is_scalar() {
            self.filled_with(typed.expr)
        } else if typed.shape != self.shape {
            let transposed = Expr::call(Func::Transpose, vec![typed.expr.clone()]);
            let hint = match typed.shape == self.shape.transposed() && agrees(&transposed).is_ok() {
                true => ": it is the derivative transposed",
                false => "",
            };
            return Err(Mismatch::Shape(format!("it is a {}, the derivative a {}{hint}", typed.shape, self.shape)));
        } else {
            typed.expr
        };
        agrees(&written).map_err(|why| match why {
            verify::Disagreement::Entry(what) => Mismatch::Differs(format!("{what}, at random values of its names")),
            verify::Disagreement::Nothing(what) => {
                Mismatch::Unjudged(format!("{what} (no random point in its domain)"))
            }
        })
    }

    /// A matrix of the derivative's shape with every entry `c`.
    fn filled_with(&self, c: Expr) -> Expr {
        let ones = |d: &Dim| Expr::call(Func::Ones, vec![elaborate::dim_expr(d)]);
        match (&self.shape.rows, &self.shape.cols) {
            (Some(r), Some(k)) => Expr::call(
                Func::MatMul,
                vec![Expr::binary(BinOp::Mul, c, ones(r)), Expr::call(Func::Transpose, vec![ones(k)])],
            ),
            (Some(r), None) => Expr::binary(BinOp::Mul, c, ones(r)),
            _ => c,
        }
    }

    /// The derivative's component as written in index form: `∂/∂W[p, q] = ...`.
    pub fn index_form(&self) -> &Expr {
        self.index.result()
    }

    /// The derivative's component, named by its index names: `D[p, q]` (`D` for a scalar).
    pub fn component(&self) -> String {
        let idx: Vec<&str> = self.row.iter().chain(&self.col).map(String::as_str).collect();
        if idx.is_empty() {
            "D".into()
        } else {
            format!("D[{}]", idx.join(", "))
        }
    }
}

/// Why a written matrix form is not the derivative.
#[derive(Clone, Debug, PartialEq)]
pub enum Mismatch {
    /// Its shape is not the derivative's, or its shapes do not fit at all.
    Shape(String),
    /// An entry differs from the derivative's at a random point.
    Differs(String),
    /// It could not be compared (an undeclared name, no point in its domain), and why.
    Unjudged(String),
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Mismatch::Shape(why) | Mismatch::Differs(why) | Mismatch::Unjudged(why) => f.write_str(why),
        }
    }
}

/// Why a matrix derivative cannot be taken.
#[derive(Clone, Debug, PartialEq)]
pub struct MatrixError {
    /// What is wrong.
    pub message: String,
    /// Where, in the expression.
    pub span: Option<Span>,
    kind: &'static str,
}

impl fmt::Display for MatrixError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl Problem for MatrixError {
    fn kind(&self) -> &'static str {
        self.kind
    }
    fn span(&self) -> Option<Span> {
        self.span.clone()
    }
}

impl From<ShapeError> for MatrixError {
    fn from(e: ShapeError) -> Self {
        MatrixError { message: e.message, span: Some(e.span), kind: "shape_mismatch" }
    }
}

fn plain(kind: &'static str, message: String) -> MatrixError {
    MatrixError { message, span: None, kind }
}

/// Differentiates the matrix expression `expr` by the whole of `wrt` (a name with a declared
/// shape, or a scalar): the gradient of a scalar expression, the Jacobian of a vector one.
pub fn derive_matrix(
    expr: &Expr,
    wrt: &str,
    shapes: &Shapes,
    context: Context,
) -> Result<MatrixDerivation, MatrixError> {
    // Whole definitions (`z = W1*x + b1`, `h = sigmoid(z)`) are written into the expression;
    // the matrix form found is written with their names again at the end.
    let (whole, indexed): (Vec<_>, Vec<_>) = context.definitions.iter().partition(|d| d.params.is_empty());
    let mut named_whole = Definitions::default();
    for d in &whole {
        named_whole.add(d.statement()).map_err(|e| plain("definition", e.message))?;
    }
    let mut fresh = Fresh::avoiding(std::iter::once(expr).chain(whole.iter().map(|d| &d.body)));
    let expand = |e: &Expr, fresh: &mut Fresh| named_whole.expand(e, fresh).map_err(|e| plain("definition", e.message));
    let expr = &expand(expr, &mut fresh)?;
    let mut folds = vec![];
    for d in &whole {
        folds.push((d.name.clone(), elaborate(&expand(&d.body, &mut fresh)?, shapes)?.expr));
    }
    let mut remaining = Definitions::default();
    for d in indexed {
        remaining.add(d.statement()).map_err(|e| plain("definition", e.message))?;
    }
    let context = Context { definitions: remaining, ..context };
    let typed = elaborate(expr, shapes)?;
    let by = shapes.get(wrt).cloned().unwrap_or_default();
    if typed.shape.cols.is_some() || (typed.shape.rows.is_some() && by.cols.is_some()) {
        let message = format!(
            "the derivative of a {} by a {} has more than two indices: differentiate a component",
            typed.shape, by
        );
        return Err(plain("tensor_result", message));
    }
    let mut taken: Vec<String> = expr.free_names().into_iter().collect();
    taken.extend(context.definitions.iter().map(|d| d.name.clone()));
    let mut lowerer = Lowerer::new(shapes, taken.clone());
    let of = typed.shape.rows.as_ref().map(|_| lowerer.fresh(&["i"]));
    let p = by.rows.as_ref().map(|_| lowerer.fresh(&["p"]));
    let q = by.cols.as_ref().map(|_| lowerer.fresh(&["q"]));
    let form = lowerer.lower(&typed.expr, of.as_deref(), None).map_err(|m| plain("no_index_form", m))?;
    let mut definitions = context.definitions.clone();
    for statement in &form.definitions {
        definitions.add(statement.clone()).map_err(|e| plain("definition", e.message))?;
    }
    // Assumptions in matrix form (`sum(y) = 1`) are about numbers: written in index form.
    let mut assumptions = Vec::with_capacity(context.assumptions.len());
    for a in &context.assumptions {
        let mut side = |e: &Expr, definitions: &mut Definitions| -> Result<Expr, MatrixError> {
            let typed = elaborate(&expand(e, &mut fresh)?, shapes)?;
            if !typed.shape.is_scalar() {
                return Err(plain(
                    "assumption",
                    format!("the assumption `{a}` is about a {}, not a number", typed.shape),
                ));
            }
            let lowerer = Lowerer::new(shapes, taken.clone());
            let lowered = lowerer.lower(&typed.expr, None, None).map_err(|m| plain("no_index_form", m))?;
            for statement in lowered.definitions {
                definitions.add(statement).map_err(|e| plain("definition", e.message))?;
            }
            Ok(lowered.expr)
        };
        let lhs = side(&a.lhs, &mut definitions)?;
        assumptions.push(Assumption { lhs, rhs: side(&a.rhs, &mut definitions)? });
    }
    let variable = match [&p, &q] {
        [None, None] => Wrt::Scalar(wrt.to_string()),
        _ => Wrt::Component(wrt.to_string(), p.iter().chain(&q).cloned().collect()),
    };
    let index = derive_parsed(form.expr.clone(), variable, Context { definitions, assumptions, ..context })
        .map_err(|e| MatrixError { message: e.to_string(), span: Some(e.span.clone()), kind: "derivative" })?;
    // The derivative's axes: the expression's rows, then the variable's.
    let axes: Vec<(String, Dim)> = [(&of, &typed.shape.rows), (&p, &by.rows), (&q, &by.cols)]
        .into_iter()
        .filter_map(|(name, dim)| Some((name.clone()?, dim.clone()?)))
        .collect();
    let (row, col) = match axes.as_slice() {
        [] => (None, None),
        [(r, _)] => (Some(r.clone()), None),
        [(r, _), (c, _)] => (Some(r.clone()), Some(c.clone())),
        _ => unreachable!("more than two axes were refused above"),
    };
    let shape = Shape::new(axes.first().map(|a| a.1.clone()), axes.get(1).map(|a| a.1.clone()));
    let named: HashMap<String, Expr> = form.named.iter().cloned().collect();
    let mut local = shapes.clone();
    for (name, v) in &form.named {
        local.insert(name, elaborate::shape_of(v, shapes));
    }
    let raised = Raiser::new(&local, &axes, &named).raise(index.result(), row.as_deref(), col.as_deref());
    let matrix = raised.and_then(|m| {
        verify::agrees(&m, index.result(), (row.as_deref(), col.as_deref()), shapes, &form.named, verify::FOUND)
            .map(|()| m)
            .map_err(|why| format!("the matrix form found did not check against the index form ({why})"))
    });
    // Largest bodies first, so `h` is folded before the `z` inside it.
    folds.sort_by_key(|(_, body)| std::cmp::Reverse(body.operator_count()));
    let matrix = matrix.map(|m| fold_names(&m, &folds));
    let expr = fold_names(&typed.expr, &folds);
    Ok(MatrixDerivation {
        expr,
        wrt: wrt.to_string(),
        shape,
        row,
        col,
        index,
        matrix,
        named: folds,
        index_names: form.named,
        shapes: shapes.clone(),
    })
}

/// `e` with every sub-expression equal to one of the `folds`' bodies written as its name.
fn fold_names(e: &Expr, folds: &[(String, Expr)]) -> Expr {
    if let Some((name, _)) = folds.iter().find(|(_, body)| body == e) {
        return Expr::var(name);
    }
    e.map_children(|c| fold_names(c, folds))
}

/// A matrix-form expression as it is written: `A*B` for the matrix product, `x^T` for the
/// transpose, `I` for the identity (the other forms print as themselves).
pub fn surface(e: &Expr) -> Expr {
    let node = match &e.node {
        Node::Call(Func::MatMul, args) => {
            return reassociate(Expr::binary(BinOp::Mul, surface(&args[0]), surface(&args[1])));
        }
        Node::Call(Func::Transpose, args) => {
            Node::Binary(BinOp::Pow, Box::new(surface(&args[0])), Box::new(Expr::var("T")))
        }
        Node::Call(Func::Eye, _) => Node::Var("I".into()),
        Node::Binary(BinOp::Mul, a, b) => return reassociate(Expr::binary(BinOp::Mul, surface(a), surface(b))),
        _ => return e.map_children(surface),
    };
    Expr::new(node)
}

/// `a*(b*c)` as `a*b*c`: products of matrices and scalars associate.
fn reassociate(e: Expr) -> Expr {
    match e.node {
        Node::Binary(BinOp::Mul, a, b) => match b.node {
            Node::Binary(BinOp::Mul, b1, b2) => {
                reassociate(Expr::binary(BinOp::Mul, reassociate(Expr::binary(BinOp::Mul, *a, *b1)), *b2))
            }
            other => Expr::binary(BinOp::Mul, *a, Expr::new(other)),
        },
        other => Expr::new(other),
    }
}

impl fmt::Display for MatrixDerivation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "d/d{} of {}", self.wrt, surface(&self.expr))?;
        writeln!(f, "  index form: {} = {}", self.component(), self.index_form())?;
        match &self.matrix {
            Ok(m) => write!(f, "{}", surface(m)),
            Err(why) => write!(f, "note: no matrix form: {why}\n{}", self.index_form()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse::parse_expr;

    fn gradient(src: &str, wrt: &str, shapes: &str) -> String {
        let shapes = Shapes::parse(shapes).unwrap();
        let d =
            derive_matrix(&parse_expr(src).unwrap(), wrt, &shapes, Context { self_check: true, ..Default::default() })
                .unwrap();
        match &d.matrix {
            Ok(m) => surface(m).to_string(),
            Err(why) => format!("none: {why}; index form {}", d.index_form()),
        }
    }

    #[test]
    fn a_written_matrix_form_is_judged_against_the_derivative() {
        let shapes = Shapes::parse("W: 3x4, x: 4, y: 3").unwrap();
        let d = derive_matrix(&parse_expr("1/2*norm2(W*x - y)^2").unwrap(), "W", &shapes, Context::default()).unwrap();
        let judge = |answer: &str| d.judge(&parse_expr(answer).unwrap()).map_err(|m| m.to_string());
        assert_eq!(judge("(W*x - y)*x^T"), Ok(()));
        assert_eq!(judge("W*x*x^T - y*x^T"), Ok(()));
        assert!(judge("x*(W*x - y)^T").unwrap_err().contains("the derivative transposed"));
        assert!(judge("(W*x + y)*x^T").unwrap_err().contains("entry ["));
        let vector = judge("W*x - y").unwrap_err();
        assert!(vector.starts_with("it is a vector of length 3, the derivative a 3×4 matrix"), "{vector}");
        assert!(judge("0*W").unwrap_err().starts_with("entry [1, 1] is 0 as written and "));
        let zero = derive_matrix(&parse_expr("sum(y)").unwrap(), "W", &shapes, Context::default()).unwrap();
        assert_eq!(zero.judge(&parse_expr("0").unwrap()), Ok(()));
        assert!(matches!(d.judge(&parse_expr("x[k]").unwrap()), Err(Mismatch::Unjudged(_))));
    }

    #[test]
    fn least_squares() {
        assert_eq!(gradient("1/2*norm2(W*x - y)^2", "W", "W: 3x4, x: 4, y: 3"), "(W*x - y)*x^T");
    }

    #[test]
    fn quadratic_form() {
        assert_eq!(gradient("x^T*A*x", "x", "A: 3x3, x: 3"), "A*x + A^T*x");
    }

    #[test]
    fn trace_of_a_product() {
        assert_eq!(gradient("tr(A*B)", "A", "A: 2x3, B: 3x2"), "B^T");
    }
}
