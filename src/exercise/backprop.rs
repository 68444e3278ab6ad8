//! The backward pass in matrix form, derived by the engine from the network's definition (not
//! written as a template): with `z<l+1> = W<l+1> f(z<l>) + b<l+1>`, the chain rule gives
//! `delta<l> = ∂E/∂z<l> = ∂/∂z<l> (delta<l+1>^T z<l+1>)` with `delta<l+1>` held fixed, and
//! likewise `dW<l>` and `db<l>` from `delta<l>^T (W<l> a<l-1> + b<l>)`. Each is a matrix-form
//! derivation ([`derive_matrix`]) over named sizes, with its numeric checks.

use crate::derive::Context;
use crate::matrix::shape::Shapes;
use crate::matrix::{derive_matrix, surface};
use crate::syntax::ast::Expr;
use crate::syntax::latex::{to_latex_with, LatexStyle};
use crate::syntax::parse::parse_expr;

/// The backward pass's formulas in matrix form, in the names `d` (the delta of the layer
/// above, or of the layer itself for the gradients), `W`, `z` and `a` (see [`Names`]).
#[derive(Clone, Debug, PartialEq)]
pub struct MatrixForms {
    /// `delta<l>` from `delta<l+1>`: `∂/∂z (d^T (W f(z) + b))`; `None` when the activation has
    /// no matrix form (the entry-wise template is shown then).
    pub hidden_delta: Option<Expr>,
    /// `dW<l>`: `∂/∂W (d^T (W a + b))`.
    pub weight_gradient: Expr,
    /// `db<l>`: `∂/∂b (d^T (W a + b))`.
    pub bias_gradient: Expr,
}

/// How the names of the forms are written in a trace.
pub struct Names {
    /// For `d` in `delta<l>`'s formula (`delta<l+1>`).
    pub next_delta: &'static str,
    /// For `W` in `delta<l>`'s formula (`W<l+1>`).
    pub next_weights: &'static str,
    /// For `z` (`z<l>`).
    pub net: &'static str,
    /// For `d` in the gradients (`delta<l>`).
    pub delta: &'static str,
    /// For `a` (`a<l-1>`).
    pub input: &'static str,
}

/// The names as text prints them.
pub const TEXT_NAMES: Names =
    Names { next_delta: "delta<l+1>", next_weights: "W<l+1>", net: "z<l>", delta: "delta<l>", input: "a<l-1>" };

/// The names as LaTeX writes them.
pub const LATEX_NAMES: Names = Names {
    next_delta: "\\delta^{[l+1]}",
    next_weights: "W^{[l+1]}",
    net: "z^{[l]}",
    delta: "\\delta^{[l]}",
    input: "a^{[l-1]}",
};

/// Derives the forms for hidden units with activation `f(x)` (`None` without hidden layers).
pub fn derive(activation: Option<&Expr>) -> Result<MatrixForms, String> {
    let hidden_delta = match activation {
        Some(f) => {
            let applied = f.map_free_var(&|name| (name == "x").then(|| Expr::var("z")));
            let loss = parse_expr("d^T*(W*f + b)")
                .expect("a valid expression")
                .map_free_var(&|name| (name == "f").then(|| applied.clone()));
            matrix_form(&loss, "z", "d: m, W: m x n, z: n, b: m").ok()
        }
        None => None,
    };
    let layer = parse_expr("d^T*(W*a + b)").expect("a valid expression");
    let shapes = "d: m, W: m x n, a: n, b: m";
    Ok(MatrixForms {
        hidden_delta,
        weight_gradient: matrix_form(&layer, "W", shapes)?,
        bias_gradient: matrix_form(&layer, "b", shapes)?,
    })
}

/// The matrix form of `∂e/∂wrt` under `shapes`, checked against a numeric derivative.
fn matrix_form(e: &Expr, wrt: &str, shapes: &str) -> Result<Expr, String> {
    let shapes = Shapes::parse(shapes).expect("valid shapes");
    let d = derive_matrix(e, wrt, &shapes, Context { self_check: true, ..Default::default() })
        .map_err(|err| err.to_string())?;
    if let Some(message) = d.index.disagreement() {
        return Err(message);
    }
    d.matrix
}

/// Placeholders for the names, which the printers write as they are and which are then
/// replaced by the trace's names.
const PLACEHOLDERS: [&str; 5] = ["Dnext", "Wnext", "Zl", "Dl", "Aprev"];

impl MatrixForms {
    /// `delta<l>`'s formula, in text and LaTeX.
    pub fn hidden_delta_shown(&self, style: LatexStyle) -> Option<(String, String)> {
        let e = self.hidden_delta.as_ref()?;
        Some(shown(e, &[("d", PLACEHOLDERS[0]), ("W", PLACEHOLDERS[1]), ("z", PLACEHOLDERS[2])], style))
    }

    /// `dW<l>` and `db<l>`, in text and LaTeX.
    pub fn gradients_shown(&self, style: LatexStyle) -> [(String, String); 2] {
        let names = [("d", PLACEHOLDERS[3]), ("a", PLACEHOLDERS[4])];
        [shown(&self.weight_gradient, &names, style), shown(&self.bias_gradient, &names, style)]
    }
}

/// `e` with its names replaced, as text (surface form) and LaTeX.
fn shown(e: &Expr, names: &[(&str, &str)], style: LatexStyle) -> (String, String) {
    let placed = e.map_free_var(&|name| names.iter().find(|(n, _)| *n == name).map(|(_, p)| Expr::var(p)));
    let mut text = surface(&placed).to_string();
    let mut latex = to_latex_with(&placed, style);
    for (placeholder, (plain, typeset)) in PLACEHOLDERS.iter().zip(pairs()) {
        text = text.replace(placeholder, plain);
        latex = latex.replace(&format!("\\mathrm{{{placeholder}}}"), &format!("{{{typeset}}}"));
    }
    (text, latex)
}

/// The trace's names, in the order of [`PLACEHOLDERS`], as (text, LaTeX).
fn pairs() -> [(&'static str, &'static str); 5] {
    let (t, l) = (TEXT_NAMES, LATEX_NAMES);
    [
        (t.next_delta, l.next_delta),
        (t.next_weights, l.next_weights),
        (t.net, l.net),
        (t.delta, l.delta),
        (t.input, l.input),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hidden(activation: &str) -> String {
        let forms = derive(Some(&parse_expr(activation).unwrap())).unwrap();
        forms.hidden_delta_shown(LatexStyle::default()).unwrap().0
    }

    #[test]
    fn hidden_deltas_are_derived_from_the_activation() {
        assert_eq!(hidden("sigmoid(x)"), "sigmoid(z<l>) .* (1 - sigmoid(z<l>)) .* (W<l+1>^T*delta<l+1>)");
        assert_eq!(hidden("tanh(x)"), "(1 - tanh(z<l>)^2) .* (W<l+1>^T*delta<l+1>)");
        assert_eq!(hidden("relu(x) + sin(x)"), "(step(z<l>) + cos(z<l>)) .* (W<l+1>^T*delta<l+1>)");
    }

    #[test]
    fn gradients_are_outer_products_and_the_delta() {
        let forms = derive(None).unwrap();
        assert!(forms.hidden_delta.is_none());
        let [(dw, dw_latex), (db, _)] = forms.gradients_shown(LatexStyle::default());
        assert_eq!((dw.as_str(), db.as_str()), ("delta<l>*a<l-1>^T", "delta<l>"));
        assert_eq!(dw_latex, "{\\delta^{[l]}} {a^{[l-1]}}^{\\top}");
    }
}
