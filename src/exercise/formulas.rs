//! The symbolic part of an exercise: f'(x) and delta^L are derived by the engine from the
//! activation, the output activation and the loss, so custom ones work like the built-in ones.
//! Numbers are always evaluated from the raw derivatives; the simplified ones are shown.

use super::backprop::{self, MatrixForms};
use super::error::ExerciseError;
use super::file::{Exercise, OutputActivation, Reduction};
use crate::defs::Definitions;
use crate::derive::{derive_parsed, Context, Derivation};
use crate::diff::Wrt;
use crate::egraph::Assumption;
use crate::eval::number::Number;
use crate::syntax::ast::{Expr, Node, Statement};
use crate::syntax::names::{substitute, Fresh};
use std::cmp::Ordering;
use std::collections::HashMap;

/// The formulas of one exercise.
#[derive(Clone, Debug, PartialEq)]
pub struct Formulas {
    /// How a step's gradients combine over its samples.
    pub reduction: Reduction,
    /// The hidden activation f(x); `None` without hidden layers.
    pub activation: Option<Expr>,
    /// f'(x), as derived (raw).
    pub activation_derivative: Option<Expr>,
    /// The output activation.
    pub output: OutputActivation,
    /// The definition of the output, `yhat = softmax(z)` or `yhat[i] = g(z[i])`.
    pub output_definition: Statement,
    /// The definitions the loss is differentiated through (the output's).
    pub definitions: Definitions,
    /// The loss for one sample, in `yhat` and `y`.
    pub loss: Expr,
    /// `delta^L_k = dE/dz[k]`, as derived (raw), in `z`, `y`, `yhat` and `k`.
    pub output_delta: Expr,
    /// What is known to hold of every sample (`sum(i, y[i]) = 1` when every target sums to 1).
    pub assumptions: Vec<Statement>,
    /// f'(x) made readable, for the trace.
    pub shown_activation_derivative: Option<Expr>,
    /// delta^L_k made readable, for the trace.
    pub shown_output_delta: Expr,
    /// The backward pass in matrix form, derived from the network's definition.
    pub matrix_forms: MatrixForms,
    /// How `output_delta` is evaluated: the same value, computed with less repeated work.
    pub(crate) output_delta_plan: Plan,
}

/// An evaluation plan for a formula: `hoisted` sub-expressions are evaluated first, in order,
/// each bound to its name, then `body`. Built by [`plan`]; it has the formula's value.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// Names and the sub-expressions they stand for.
    pub hoisted: Vec<(String, Expr)>,
    /// The formula with those sub-expressions replaced by their names.
    pub body: Expr,
}

/// The evaluation plan of `e`: occurrences of whole-value definitions' bodies (`softmax(z)` for
/// `yhat = softmax(z)`) become the defined name, which the evaluator binds to the same value,
/// and every `sum` inside another `sum` that does not depend on the enclosing sums' indices
/// (`sum(j, yhat[j]*delta(j, k))` inside `sum(i, ...)`) is evaluated once instead of once per
/// term. Names in `reserved` (the ones the caller binds) are not used for hoisted values.
pub fn plan(e: &Expr, defs: &Definitions, reserved: &[&str]) -> Plan {
    let folded = fold_whole_definitions(e, defs);
    let mut fresh = Fresh::avoiding([&folded]);
    reserved.iter().for_each(|n| fresh.reserve(n));
    let mut hoisted = Vec::new();
    let body = hoist_invariant_sums(&folded, &mut Vec::new(), &mut fresh, &mut hoisted);
    Plan { hoisted, body }
}

fn hoist_invariant_sums(e: &Expr, bound: &mut Vec<String>, fresh: &mut Fresh, out: &mut Vec<(String, Expr)>) -> Expr {
    if matches!(e.node, Node::Reduce(..)) && !bound.is_empty() && e.free_names().iter().all(|n| !bound.contains(n)) {
        let inner = hoist_invariant_sums(e, &mut Vec::new(), fresh, out);
        let name = fresh.index("hoisted");
        out.push((name.clone(), inner));
        return Expr::spanned(Node::Var(name), e.span.clone());
    }
    let mut go = |c: &Expr, bound: &mut Vec<String>| hoist_invariant_sums(c, bound, fresh, out);
    let node = match &e.node {
        Node::Num(_) | Node::Pi | Node::Var(_) => return e.clone(),
        Node::Index(base, idx) => {
            let base = go(base, bound);
            Node::Index(Box::new(base), idx.iter().map(|i| go(i, bound)).collect())
        }
        Node::Neg(a) => Node::Neg(Box::new(go(a, bound))),
        Node::Binary(op, a, b) => {
            let a = go(a, bound);
            Node::Binary(*op, Box::new(a), Box::new(go(b, bound)))
        }
        Node::Call(f, args) => Node::Call(*f, args.iter().map(|a| go(a, bound)).collect()),
        Node::Array(items) => Node::Array(items.iter().map(|a| go(a, bound)).collect()),
        Node::Apply(name, args) => Node::Apply(name.clone(), args.iter().map(|a| go(a, bound)).collect()),
        Node::Reduce(op, i, count, body) => {
            let count = count.as_ref().map(|c| Box::new(go(c, bound)));
            bound.push(i.clone());
            let body = go(body, bound);
            bound.pop();
            Node::Reduce(*op, i.clone(), count, Box::new(body))
        }
    };
    Expr::spanned(node, e.span.clone())
}

impl Formulas {
    /// Whether every gradient is identically 0: the hidden activation's derivative or the
    /// output delta simplifies to 0 (threshold units).
    pub fn gradients_vanish(&self) -> bool {
        let zero = |e: &Expr| e.as_num().is_some_and(num_traits::Zero::is_zero);
        self.shown_activation_derivative.as_ref().is_some_and(zero) || zero(&self.shown_output_delta)
    }
}

/// The variable delta^L is taken with respect to.
pub const OUTPUT_NET: &str = "z[k]";

/// Derives the formulas of `exercise`, through the engine's one pipeline ([`derive_parsed`]):
/// the raw derivatives give the numbers, the simplified ones are shown in the trace.
pub fn derive(exercise: &Exercise) -> Result<Formulas, ExerciseError> {
    let spans = &exercise.spans;
    let (activation_derivative, shown_activation_derivative) = match &exercise.activation {
        Some(f) => {
            let d = derivation(f, "x", Context::default(), "network.activation", &spans.activation)?;
            (Some(d.raw), Some(d.simplified.expr))
        }
        None => (None, None),
    };
    let output_definition = output_definition(&exercise.output);
    let mut definitions = Definitions::default();
    definitions.add(output_definition.clone()).map_err(|e| ExerciseError::Derive {
        key: "network.output".into(),
        message: e.message,
        span: spans.output.clone(),
    })?;
    let assumptions = assumptions(exercise);
    let context =
        Context { definitions: definitions.clone(), assumptions: as_assumptions(&assumptions), ..Context::default() };
    let delta = derivation(&exercise.loss, OUTPUT_NET, context, "network.loss", &spans.loss)?;
    let output_delta_plan = plan(&delta.raw, &definitions, &["z", "y", "yhat", "k"]);
    let matrix_forms = backprop::derive(exercise.activation.as_ref()).map_err(|message| ExerciseError::Derive {
        key: "network.activation".into(),
        message,
        span: spans.activation.clone(),
    })?;
    Ok(Formulas {
        reduction: exercise.reduction,
        activation: exercise.activation.clone(),
        activation_derivative,
        output: exercise.output.clone(),
        output_definition,
        definitions,
        loss: exercise.loss.clone(),
        output_delta: delta.raw,
        assumptions,
        shown_activation_derivative,
        shown_output_delta: delta.simplified.expr,
        matrix_forms,
        output_delta_plan,
    })
}

/// The derivative of the exercise's `key` by `wrt`, checked numerically: a disagreement (an
/// engine bug) stops the run rather than print numbers from a wrong formula.
fn derivation(
    e: &Expr,
    wrt: &str,
    context: Context,
    key: &str,
    span: &crate::syntax::ast::Span,
) -> Result<Derivation, ExerciseError> {
    let failure = |message: String| ExerciseError::Derive { key: key.into(), message, span: span.clone() };
    let wrt = Wrt::parse(wrt).expect("the runner's variables parse");
    let d = derive_parsed(e.clone(), wrt, Context { self_check: true, ..context }).map_err(|e| failure(e.message))?;
    match d.disagreement() {
        Some(message) => Err(failure(message)),
        None => Ok(d),
    }
}

/// The exercise's assumptions as the simplifier takes them.
fn as_assumptions(assumptions: &[Statement]) -> Vec<Assumption> {
    assumptions
        .iter()
        .filter_map(|a| match a {
            Statement::Equation(lhs, rhs) => Some(Assumption { lhs: lhs.clone(), rhs: rhs.clone() }),
            Statement::Expr(_) => None,
        })
        .collect()
}

/// `yhat = softmax(z)`, or `yhat[i] = g(z[i])` for an element-wise output activation `g(x)`.
pub fn output_definition(output: &OutputActivation) -> Statement {
    match output {
        OutputActivation::Softmax => {
            Statement::Equation(Expr::var("yhat"), Expr::call(crate::syntax::ast::Func::Softmax, vec![Expr::var("z")]))
        }
        OutputActivation::Elementwise(g) => {
            let zi = Expr::index(Expr::var("z"), vec![Expr::var("i")]);
            let mut fresh = Fresh::avoiding([g, &zi]);
            let body = substitute(g, &HashMap::from([("x".to_string(), zi)]), &mut fresh);
            Statement::Equation(Expr::index(Expr::var("yhat"), vec![Expr::var("i")]), body)
        }
    }
}

/// `sum(i, y[i]) = 1` when every sample's target sums exactly to 1.
pub fn assumptions(exercise: &Exercise) -> Vec<Statement> {
    let sums_to_one = |y: &[Number]| {
        y.iter()
            .try_fold(Number::int(0), |acc, v| acc.try_add(v))
            .is_ok_and(|s| s.is_exact() && s.compare(&Number::int(1)) == Ordering::Equal)
    };
    if exercise.samples.iter().all(|s| sums_to_one(&s.y)) {
        let lhs = Expr::sum("i", Expr::index(Expr::var("y"), vec![Expr::var("i")]));
        vec![Statement::Equation(lhs, Expr::int(1))]
    } else {
        vec![]
    }
}

/// Replaces each occurrence of the body of a whole-value definition (`softmax(z)` for
/// `yhat = softmax(z)`) by the defined name, where none of the body's free names is bound by an
/// enclosing `sum` (so the occurrence means the same thing).
pub fn fold_whole_definitions(e: &Expr, defs: &Definitions) -> Expr {
    fn go(e: &Expr, defs: &Definitions, bound: &mut Vec<String>) -> Expr {
        for d in defs.iter().filter(|d| d.params.is_empty()) {
            if *e == d.body && d.body.free_names().iter().all(|n| !bound.contains(n)) {
                return Expr::spanned(Node::Var(d.name.clone()), e.span.clone());
            }
        }
        let node = match &e.node {
            Node::Num(_) | Node::Pi | Node::Var(_) => return e.clone(),
            Node::Index(base, idx) => {
                Node::Index(Box::new(go(base, defs, bound)), idx.iter().map(|i| go(i, defs, bound)).collect())
            }
            Node::Neg(a) => Node::Neg(Box::new(go(a, defs, bound))),
            Node::Binary(op, a, b) => Node::Binary(*op, Box::new(go(a, defs, bound)), Box::new(go(b, defs, bound))),
            Node::Call(f, args) => Node::Call(*f, args.iter().map(|a| go(a, defs, bound)).collect()),
            Node::Array(items) => Node::Array(items.iter().map(|a| go(a, defs, bound)).collect()),
            Node::Apply(name, args) => Node::Apply(name.clone(), args.iter().map(|a| go(a, defs, bound)).collect()),
            Node::Reduce(op, i, count, body) => {
                let count = count.as_ref().map(|c| Box::new(go(c, defs, bound)));
                bound.push(i.clone());
                let body = go(body, defs, bound);
                bound.pop();
                Node::Reduce(*op, i.clone(), count, Box::new(body))
            }
        };
        Expr::spanned(node, e.span.clone())
    }
    go(e, defs, &mut Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse::{parse_expr, parse_statement};

    #[test]
    fn output_definitions() {
        assert_eq!(output_definition(&OutputActivation::Softmax).to_string(), "yhat = softmax(z)");
        let g = OutputActivation::Elementwise(parse_expr("sigmoid(x) + x").unwrap());
        assert_eq!(output_definition(&g).to_string(), "yhat[i] = sigmoid(z[i]) + z[i]");
    }

    #[test]
    fn plans_have_the_formulas_value() {
        use crate::eval::eval_scalar;
        use crate::eval::value::{Env, Value};
        let mut defs = Definitions::default();
        defs.add(parse_statement("yhat = softmax(z)").unwrap()).unwrap();
        let raw = parse_expr("-sum(i, y[i]*(softmax(z)[i]*(delta(i, k) - sum(j, softmax(z)[j]*delta(j, k)))/yhat[i]))")
            .unwrap();
        let p = plan(&raw, &defs, &["z", "y", "yhat", "k"]);
        assert_eq!(p.hoisted.len(), 1);
        assert_eq!(p.hoisted[0].1.to_string(), "sum(j, yhat[j]*delta(j, k))");
        let mut env = Env::new();
        let z = vec![Number::Approx(0.3), Number::int(-1), Number::Approx(2.5)];
        env.bind("z", Value::Vector(z.clone()));
        let yhat = crate::eval::eval(&parse_expr("softmax(z)").unwrap(), &env).unwrap();
        env.bind("yhat", yhat);
        env.bind("y", Value::Vector(vec![Number::int(0), Number::int(1), Number::int(0)]));
        for k in 1..=3 {
            env.bind("k", Value::Scalar(Number::int(k)));
            let want = eval_scalar(&raw, &env).unwrap();
            let mut planned = env.clone();
            for (name, e) in &p.hoisted {
                let v = crate::eval::eval(e, &planned).unwrap();
                planned.bind(name, v);
            }
            let got = eval_scalar(&p.body, &planned).unwrap();
            assert!((want.to_f64() - got.to_f64()).abs() < 1e-15, "{k}: {want} vs {got}");
        }
    }

    #[test]
    fn folding_respects_bound_names() {
        let mut defs = Definitions::default();
        defs.add(parse_statement("yhat = softmax(z)").unwrap()).unwrap();
        let e = parse_expr("softmax(z)[k] + sum(z, softmax(z)[1])").unwrap();
        assert_eq!(fold_whole_definitions(&e, &defs).to_string(), "yhat[k] + sum(z, softmax(z)[1])");
    }
}
