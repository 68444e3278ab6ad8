//! Judging claims that keep free names: a derivative against what the engine derives from the
//! document's own definitions, an algebra step by comparing both sides at random points.
//!
//! Free names are scalars here: a product written by juxtaposition is `*`, and a subscript that
//! is a letter names a component (`z_k` is `z[k]`). Matrix form (arrays, transposes) is judged
//! where shapes are declared (an answers file's formula with `shape`), else left unchecked.

use crate::defs::Definitions;
use crate::derive::{derive_parsed, Context};
use crate::diff::Wrt;
use crate::egraph::{Assumption, Limits};
use crate::matrix::shape::Shapes;
use crate::matrix::{derive_matrix, surface, Mismatch};
use crate::sample::compare::{compare, Verdict};
use crate::sample::Sampler;
use crate::syntax::ast::{Expr, Node, Statement};
use crate::syntax::names::Fresh;
use std::time::Duration;

/// The most terms a written sum range may have in a formula compared at random points (each
/// comparison evaluates both sides at hundreds of points).
const MAX_SAMPLED_SUM: u64 = 10_000;

/// The largest written range of a sum in `e` (`sum(i = 1..n, ...)` with `n` a number).
fn longest_sum(e: &Expr) -> u64 {
    let own = match &e.node {
        Node::Reduce(_, _, Some(count), _) => count.as_num().map_or(0, |n| {
            use num_traits::ToPrimitive;
            n.to_integer().to_u64().unwrap_or(u64::MAX)
        }),
        _ => 0,
    };
    e.children().into_iter().map(longest_sum).fold(own, u64::max)
}

/// The outcome of a symbolic claim.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// It holds: how that was established.
    Correct(String),
    /// It does not: the expected expression, the one written, and a point where they differ.
    Wrong {
        /// What the claim should say.
        expected: String,
        /// What it says.
        got: String,
        /// A point where the two differ, with both values.
        note: String,
    },
    /// It is wrong in itself (its shapes do not fit), and why.
    Invalid(String),
    /// It could not be judged, and why.
    Unchecked(String),
}

/// The document's definitions of names by formulas (`E = \frac{1}{2}\sum_i (x_i - z_i)^2`),
/// and the assumptions claims are judged under.
#[derive(Clone, Debug, Default)]
pub struct Symbols {
    defs: Definitions,
    assumptions: Vec<Assumption>,
}

impl Symbols {
    /// Given definitions and assumptions (an answers file's `let` and `assume`).
    pub fn with(defs: Definitions, assumptions: Vec<Assumption>) -> Symbols {
        Symbols { defs, assumptions }
    }

    /// Records `name = body` when both read as scalar formulas; a name defined twice keeps its
    /// first definition. Says whether it was recorded.
    pub fn define(&mut self, name: &Expr, body: &Expr) -> bool {
        let (Some(name), Some(body)) = (scalar_form(name), scalar_form(body)) else { return false };
        self.defs.add(Statement::Equation(name, body)).is_ok()
    }

    /// Records `lhs = value` (`\sum_i y_i = 1`) as an assumption for the claims after it, when
    /// `lhs` is a scalar formula and `value` exact. Says whether it was recorded.
    pub fn assume(&mut self, lhs: &Expr, value: &crate::eval::number::Number) -> bool {
        let (Some(lhs), Some(rhs)) = (scalar_form(lhs), value.as_exact()) else { return false };
        self.assumptions.push(Assumption { lhs, rhs: Expr::num(rhs.clone()) });
        true
    }

    /// Judges `d of / d wrt = claimed`.
    pub fn derivative_claim(&self, of: &Expr, wrt: &Expr, claimed: &Expr) -> Outcome {
        // `\frac{d\sigma}{dx}`: the function's name alone stands for it applied to the variable.
        let applied;
        let of = match &of.node {
            Node::Var(name) => {
                match crate::syntax::ast::Func::from_name(name).filter(|f| f.arity() == 1 && !f.takes_vector()) {
                    Some(func) => {
                        applied = Expr::call(func, vec![wrt.clone()]);
                        &applied
                    }
                    None => of,
                }
            }
            _ => of,
        };
        let (Some(of), Some(wrt), Some(claimed)) = (scalar_form(of), scalar_form(wrt), scalar_form(claimed)) else {
            return Outcome::Unchecked("a derivative in matrix form (not yet judged symbolically)".into());
        };
        let variable = match &wrt.node {
            Node::Var(x) => Wrt::Scalar(x.clone()),
            Node::Index(base, idx) => match (&base.node, idx.as_slice()) {
                (Node::Var(v), [i]) if matches!(&i.node, Node::Var(_)) => {
                    Wrt::Component(v.clone(), vec![i.to_string()])
                }
                _ => return Outcome::Unchecked(format!("a derivative by `{wrt}`, which is not a variable")),
            },
            _ => return Outcome::Unchecked(format!("a derivative by `{wrt}`, which is not a variable")),
        };
        if self.defs.get(variable.name()).is_some() {
            return Outcome::Unchecked(format!(
                "a derivative by `{wrt}`, which the document defines by a formula: not judged"
            ));
        }
        let context = Context {
            definitions: self.defs.clone(),
            assumptions: self.assumptions.clone(),
            limits: Limits { nodes: 5_000, iterations: 8, time: Duration::from_millis(300) },
            ..Context::default()
        };
        match derive_parsed(of.clone(), variable, context) {
            Ok(d) => self.equal(&d.raw, &claimed, Some(d.result())),
            Err(err) => Outcome::Unchecked(format!("cannot differentiate `{of}`: {err}")),
        }
    }

    /// Judges `claimed` as the derivative of the matrix expression `of` by the whole of `wrt`
    /// under declared `shapes` (`W: 3x4, x: 4`): the engine derives it in index form, and the
    /// claimed matrix form must have its shape and agree with it entry by entry at random points.
    pub fn matrix_derivative_claim(&self, of: &Expr, wrt: &str, claimed: &Expr, shapes: &Shapes) -> Outcome {
        let context = Context {
            definitions: self.defs.clone(),
            assumptions: self.assumptions.clone(),
            limits: Limits { nodes: 20_000, iterations: 12, time: Duration::from_secs(2) },
            ..Context::default()
        };
        let derivation = match derive_matrix(of, wrt, shapes, context) {
            Ok(d) => d,
            Err(err) => return Outcome::Unchecked(format!("cannot differentiate `{of}`: {err}")),
        };
        let expected = match &derivation.matrix {
            Ok(m) => surface(m).to_string(),
            Err(_) => format!("{} = {}", derivation.component(), derivation.index_form()),
        };
        match derivation.judge(claimed) {
            Ok(()) => Outcome::Correct("equal to the derivative entry by entry at random points".into()),
            Err(Mismatch::Unjudged(why)) => Outcome::Unchecked(why),
            Err(why) => Outcome::Wrong { expected, got: claimed.to_string(), note: why.to_string() },
        }
    }

    /// Judges `a = b` between two formulas.
    pub fn equality_claim(&self, a: &Expr, b: &Expr) -> Outcome {
        let (Some(a), Some(b)) = (scalar_form(a), scalar_form(b)) else {
            return Outcome::Unchecked("an equation in matrix form (not yet judged symbolically)".into());
        };
        self.equal(&a, &b, None)
    }

    /// Judges `claimed` against `truth`; a derived truth comes with its simplified form, which
    /// is what a wrong claim is shown against, and may use fewer names than the claim.
    fn equal(&self, truth: &Expr, claimed: &Expr, derived: Option<&Expr>) -> Outcome {
        if [truth, claimed].iter().any(|e| longest_sum(e) > MAX_SAMPLED_SUM) {
            return Outcome::Unchecked(format!("a sum of more than {MAX_SAMPLED_SUM} terms is not sampled"));
        }
        let mut fresh = Fresh::avoiding([truth, claimed]);
        let (Ok(t), Ok(c)) = (self.defs.expand(truth, &mut fresh), self.defs.expand(claimed, &mut fresh)) else {
            return Outcome::Unchecked("a definition could not be expanded".into());
        };
        let mut fresh = Fresh::avoiding([&t, &c]);
        let assumptions: Vec<Assumption> = self
            .assumptions
            .iter()
            .filter_map(|a| {
                let (lhs, rhs) =
                    (self.defs.expand(&a.lhs, &mut fresh).ok()?, self.defs.expand(&a.rhs, &mut fresh).ok()?);
                Some(Assumption { lhs, rhs })
            })
            .collect();
        let sampler = Sampler::new([&t, &c], &Definitions::default(), &assumptions);
        let (names_t, names_c) = (t.free_names(), c.free_names());
        let strangers: Vec<&String> = if derived.is_some() {
            names_c.difference(&names_t).collect()
        } else {
            names_c.symmetric_difference(&names_t).collect()
        };
        if !strangers.is_empty() {
            let list = strangers.iter().map(|n| n.as_str()).collect::<Vec<_>>().join(", ");
            return Outcome::Unchecked(format!(
                "the sides use different names ({list}): not judged without their definitions"
            ));
        }
        match compare(&t, &c, &sampler) {
            Verdict::Agree(evidence) => Outcome::Correct(format!("equal at {} random points", evidence.points)),
            Verdict::Unknown(_) => Outcome::Unchecked("no point where both sides have a value".into()),
            Verdict::Differ(point) => {
                let expected = derived.unwrap_or(truth).to_string();
                let at = format!("at {}: expected {}, written {}", point.point, point.a, point.b);
                let note = match slip(&t, &c, &assumptions) {
                    Some(hint) => format!("{hint}; {at}"),
                    None => at,
                };
                Outcome::Wrong { expected, got: claimed.to_string(), note }
            }
        }
    }
}

/// What common slip turns `truth` into `claimed`, if one does: a square dropped (`1 - \tanh(x)`
/// for `1 - \tanh^2(x)`), the sign flipped, a factor 2 or 1/2.
fn slip(truth: &Expr, claimed: &Expr, assumptions: &[Assumption]) -> Option<String> {
    use crate::syntax::ast::BinOp;
    let same = |variant: &Expr| {
        let sampler = Sampler::new([variant, claimed], &Definitions::default(), assumptions);
        matches!(compare(variant, claimed, &sampler), Verdict::Agree(_))
    };
    let scaled = |factor: Expr| Expr::binary(BinOp::Mul, factor, truth.clone());
    let half = Expr::num(num_rational::BigRational::new(1.into(), 2.into()));
    for (factor, hint) in
        [(Expr::int(-1), "the sign is flipped"), (Expr::int(2), "twice the value"), (half, "half the value")]
    {
        if same(&scaled(factor)) {
            return Some(hint.to_string());
        }
    }
    squares(truth)
        .into_iter()
        .find_map(|(base, variant)| same(&variant).then(|| format!("a square is missing: `{base}` for `{base}^2`")))
}

/// `e` with one square `u^2` written as `u`, for each square in it: the square's base and the variant.
fn squares(e: &Expr) -> Vec<(Expr, Expr)> {
    use crate::syntax::ast::BinOp;
    let mut out = Vec::new();
    if let Node::Binary(BinOp::Pow, base, exponent) = &e.node {
        if matches!(exponent.as_num(), Some(n) if *n == num_rational::BigRational::from_integer(2.into())) {
            out.push(((**base).clone(), (**base).clone()));
        }
    }
    for (k, child) in e.children().into_iter().enumerate() {
        for (base, variant) in squares(child) {
            let mut position = 0;
            let rebuilt = e.map_children(|c| {
                position += 1;
                if position - 1 == k {
                    variant.clone()
                } else {
                    c.clone()
                }
            });
            out.push((base, rebuilt));
        }
    }
    out
}

/// `e` as a scalar formula: juxtaposition is `*`, a letter subscript a component; `None` for
/// matrix form (an array, a transpose).
pub fn scalar_form(e: &Expr) -> Option<Expr> {
    use crate::syntax::ast::{BinOp, Func};
    let node = match &e.node {
        Node::Array(_) => return None,
        Node::Call(Func::MatMul, args) => {
            let [a, b] = args.as_slice() else { return None };
            Node::Binary(BinOp::Mul, Box::new(scalar_form(a)?), Box::new(scalar_form(b)?))
        }
        // A transpose means vectors (`v^T z` is a dot product): matrix form, not judged here.
        Node::Call(Func::Transpose, _) => return None,
        Node::Var(name) => match component(name) {
            Some((base, index)) => Node::Index(Box::new(Expr::var(base)), vec![Expr::var(index)]),
            None => e.node.clone(),
        },
        Node::Num(_) | Node::Pi => e.node.clone(),
        Node::Index(base, idx) => {
            Node::Index(Box::new(scalar_form(base)?), idx.iter().map(scalar_form).collect::<Option<_>>()?)
        }
        Node::Neg(a) => Node::Neg(Box::new(scalar_form(a)?)),
        Node::Binary(op, a, b) => Node::Binary(*op, Box::new(scalar_form(a)?), Box::new(scalar_form(b)?)),
        Node::Call(f, args) => Node::Call(*f, args.iter().map(scalar_form).collect::<Option<_>>()?),
        Node::Apply(name, args) => Node::Apply(name.clone(), args.iter().map(scalar_form).collect::<Option<_>>()?),
        Node::Reduce(op, i, count, body) => Node::Reduce(
            *op,
            i.clone(),
            match count {
                Some(c) => Some(Box::new(scalar_form(c)?)),
                None => None,
            },
            Box::new(scalar_form(body)?),
        ),
    };
    Some(Expr::spanned(node, e.span.clone()))
}

/// `("z", "k")` for the name `z_k` (a one-letter subscript); `None` otherwise.
fn component(name: &str) -> Option<(&str, &str)> {
    let (base, sub) = name.rsplit_once('_')?;
    let one_letter = sub.chars().count() == 1 && sub.chars().all(char::is_alphabetic);
    (one_letter && !base.is_empty() && !base.contains('^')).then_some((base, sub))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::read_latex::{read_side, Side};

    fn side(text: &str) -> Expr {
        match read_side(text).unwrap() {
            Side::Expr(e) => e,
            Side::Derivative { .. } => panic!("a derivative"),
        }
    }

    fn derivative(text: &str) -> (Expr, Expr) {
        match read_side(text).unwrap() {
            Side::Derivative { of, wrt } => (of, wrt),
            Side::Expr(_) => panic!("not a derivative"),
        }
    }

    #[test]
    fn the_sigmoid_derivative_is_checked() {
        let symbols = Symbols::default();
        let (of, wrt) = derivative("\\frac{d}{dx}\\sigma(x)");
        assert!(matches!(
            symbols.derivative_claim(&of, &wrt, &side("\\sigma(x)(1 - \\sigma(x))")),
            Outcome::Correct(_)
        ));
        let wrong = symbols.derivative_claim(&of, &wrt, &side("\\sigma(x)(1 + \\sigma(x))"));
        assert!(matches!(wrong, Outcome::Wrong { ref note, .. } if note.starts_with("at x = ")), "{wrong:?}");
    }

    #[test]
    fn a_tanh_slip_is_wrong_and_definitions_are_used() {
        let mut symbols = Symbols::default();
        assert!(symbols.define(&side("E"), &side("\\frac{1}{2} \\sum_{i} (x_i - z_i)^2")));
        let (of, wrt) = derivative("\\frac{\\partial E}{\\partial x_k}");
        assert!(matches!(symbols.derivative_claim(&of, &wrt, &side("x_k - z_k")), Outcome::Correct(_)));
        let (of, wrt) = derivative("\\frac{d}{dx}\\tanh(x)");
        let slip = symbols.derivative_claim(&of, &wrt, &side("1 - \\tanh(x)"));
        assert!(
            matches!(&slip, Outcome::Wrong { note, .. } if note.starts_with("a square is missing: `tanh(x)`")),
            "{slip:?}"
        );
        assert!(matches!(symbols.derivative_claim(&of, &wrt, &side("1 - \\tanh^2(x)")), Outcome::Correct(_)));
    }
}
