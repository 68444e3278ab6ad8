//! The numbers plugged into each formula, once per quantity, as a student writes them: for a
//! step, the first entry of every quantity of its first sample (`a1[1] = sigmoid(0.2) ≈ 0.5498`,
//! `delta2[1] = (0.541 - 1)*0.541*(1 - 0.541) ≈ -0.114`). The formulas are the ones the trace
//! shows (the engine's, for the activation, f', the loss and delta^L); the numbers plugged in
//! are rounded as the trace shows them, the result is the run's own value.

use super::file::{Bias, OutputActivation, Reduction};
use super::render::{latex_number, show_number, shown_exactly_as_number, Precision};
use super::trace::{Params, Trace};
use crate::eval::number::Number;
use crate::syntax::ast::{BinOp, Expr, Func, Node, Reduce};
use crate::syntax::latex::{to_latex_with, LatexStyle};
use crate::syntax::parse::parse_expr;
use std::cell::RefCell;

/// One quantity's first entry with its formula's numbers plugged in.
#[derive(Clone, Debug, PartialEq)]
pub struct Substitution {
    /// The quantity, as the trace names it (`z1`, `delta2`, `dW1`, `W2^T delta2`).
    pub quantity: String,
    /// `a1[1] = sigmoid(0.2) ≈ 0.549834`.
    pub text: String,
    /// The same in LaTeX.
    pub latex: String,
}

/// Sums with more terms than this are shown with their first three and last terms.
const MOST_TERMS: usize = 6;

/// The substitutions of step `k` (from 0), shown with `precision`.
pub fn substitutions(trace: &Trace, k: usize, precision: Precision, style: LatexStyle) -> Vec<Substitution> {
    let plug = Plugger { precision, style, values: RefCell::new(Vec::new()) };
    let ex = &trace.exercise;
    let step = &trace.steps[k];
    let depth = ex.depth();
    let first = |m: &super::matrix::Matrix| m.column(0);
    let sample = match step.samples.len() {
        1 => String::new(),
        _ => format!(" (sample {})", step.samples[0] + 1),
    };
    let mut out = Vec::new();
    let before = params_before(trace, k);
    // Forward pass.
    for l in 1..=depth {
        let input = first(&step.forward.a[l - 1]);
        let z = first(&step.forward.z[l - 1]);
        let terms: Vec<Expr> = (0..input.len())
            .map(|j| Expr::binary(BinOp::Mul, plug.value(&before.weights[l - 1].get(0, j)), plug.value(&input[j])))
            .collect();
        let bias = plug.value(&before.biases[l - 1][0]);
        let net = match ex.bias {
            Bias::Separate => plug.sum([terms, vec![bias]].concat()),
            Bias::Folded => plug.sum([vec![bias], terms].concat()),
        };
        out.extend(plug.line(&format!("z{l}"), (&format!("z{l}[1]{sample}"), &format!("z^{{[{l}]}}_1")), &net, &z[0]));
        let a = first(&step.forward.a[l]);
        let formula = match (&ex.output, l == depth) {
            (OutputActivation::Softmax, true) => softmax_first(z.len()),
            (OutputActivation::Elementwise(g), true) => g.clone(),
            (_, false) => ex.activation.clone().expect("hidden layers have an activation"),
        };
        let formula = plug.plug(&formula, &|name, index| match (name, index) {
            ("x", None) => Some(z[0].clone()),
            ("z", Some(i)) => z.get(i - 1).cloned(),
            _ => None,
        });
        out.extend(plug.line(
            &format!("a{l}"),
            (&format!("a{l}[1]{sample}"), &format!("a^{{[{l}]}}_1")),
            &formula,
            &a[0],
        ));
    }
    // The loss of the first sample, and delta^L.
    let (z, yhat) = (first(&step.forward.z[depth - 1]), first(&step.forward.a[depth]));
    let y = ex.samples[step.samples[0]].y.clone();
    let outputs = |name: &str, index: Option<usize>| -> Option<Number> {
        let vector = match name {
            "z" => &z,
            "yhat" => &yhat,
            "y" => &y,
            _ => return None,
        };
        vector.get(index? - 1).cloned()
    };
    let n = yhat.len();
    let loss = plug.plug(&expand_sums(&trace.formulas.loss, n), &outputs);
    out.extend(plug.line("E", (&format!("E{sample}"), "E"), &loss, &step.loss[0]));
    let shown = trace.formulas.shown_output_delta.map_free_var(&|name| (name == "k").then(|| Expr::int(1)));
    let delta = plug.plug(&expand_sums(&shown, n), &outputs);
    let deltas = &step.backward.delta;
    out.extend(plug.line(
        &format!("delta{depth}"),
        (&format!("delta{depth}[1]{sample}"), &format!("\\delta^{{[{depth}]}}_1")),
        &delta,
        &first(&deltas[depth - 1])[0],
    ));
    // The hidden layers' deltas.
    for l in (1..depth).rev() {
        let next = l + 1;
        let above = first(&deltas[next - 1]);
        let terms = (0..above.len())
            .map(|j| Expr::binary(BinOp::Mul, plug.value(&before.weights[next - 1].get(j, 0)), plug.value(&above[j])))
            .collect();
        let propagated = first(&step.backward.propagated[l - 1])[0].clone();
        let columns = if ex.bias == Bias::Folded { "[:, 2:]" } else { "" };
        let columns_latex = if ex.bias == Bias::Folded { "_{:, 2:}" } else { "" };
        out.extend(plug.line(
            &format!("W{next}{columns}^T delta{next}"),
            (
                &format!("(W{next}{columns}^T delta{next})[1]{sample}"),
                &format!("\\left(\\left(W^{{[{next}]}}{columns_latex}\\right)^{{T}} \\delta^{{[{next}]}}\\right)_1"),
            ),
            &plug.sum(terms),
            &propagated,
        ));
        let z_l = first(&step.forward.z[l - 1]);
        let slope = first(&step.backward.slopes[l - 1])[0].clone();
        if let Some(fprime) = &trace.formulas.shown_activation_derivative {
            let formula = plug.plug(fprime, &|name, index| (name == "x" && index.is_none()).then(|| z_l[0].clone()));
            out.extend(plug.line(
                &format!("f'(z{l})"),
                (&format!("f'(z{l}[1]){sample}"), &format!("f'\\left(z^{{[{l}]}}_1\\right)")),
                &formula,
                &slope,
            ));
        }
        let product = Expr::binary(BinOp::Mul, plug.value(&slope), plug.value(&propagated));
        out.extend(plug.line(
            &format!("delta{l}"),
            (&format!("delta{l}[1]{sample}"), &format!("\\delta^{{[{l}]}}_1")),
            &product,
            &first(&deltas[l - 1])[0],
        ));
    }
    // The gradients (over the step's samples) and the updates.
    let samples = step.samples.len();
    let mean = ex.reduction == Reduction::Mean && samples > 1;
    let over_samples = |terms: Vec<Expr>| {
        let total = plug.sum(terms);
        match mean {
            true => Expr::binary(BinOp::Div, total, Expr::int(samples as i64)),
            false => total,
        }
    };
    let rate = plug.value(&ex.rate);
    for l in (1..=depth).rev() {
        let delta = deltas[l - 1].row(0);
        let input = step.forward.a[l - 1].row(0);
        let weight_terms =
            (0..samples).map(|c| Expr::binary(BinOp::Mul, plug.value(&delta[c]), plug.value(&input[c]))).collect();
        let bias_terms = (0..samples).map(|c| plug.value(&delta[c])).collect();
        let (dw, db) = (step.backward.dw[l - 1].get(0, 0), step.backward.db[l - 1][0].clone());
        let (w, b) = (step.params.weights[l - 1].get(0, 0), step.params.biases[l - 1][0].clone());
        let update = |old: &Number, gradient: &Number| {
            Expr::binary(BinOp::Sub, plug.value(old), Expr::binary(BinOp::Mul, rate.clone(), plug.value(gradient)))
        };
        // (quantities, entry in text, entry in LaTeX, gradient terms, gradient, old value, new value)
        let weight =
            (format!("W{l}"), "[1,1]", "_{11}".to_string(), weight_terms, dw, before.weights[l - 1].get(0, 0), w);
        let bias = (format!("b{l}"), "[1]", "_1".to_string(), bias_terms, db, before.biases[l - 1][0].clone(), b);
        let parameters = match ex.bias {
            Bias::Separate => vec![weight, bias],
            // Folded, the bias is entry [1,1] of W<l> and the first weight entry [1,2].
            Bias::Folded => vec![
                (format!("W{l}"), "[1,1]", "_{11}".to_string(), bias.3, bias.4, bias.5, bias.6),
                (format!("W{l}"), "[1,2]", "_{12}".to_string(), weight.3, weight.4, weight.5, weight.6),
            ],
        };
        for (name, entry, entry_latex, terms, gradient, old, new) in parameters {
            let latex = format!("{}^{{[{l}]}}{entry_latex}", &name[..1]);
            out.extend(plug.line(
                &format!("d{name}"),
                (&format!("d{name}{entry}"), &format!("\\frac{{\\partial E}}{{\\partial {latex}}}")),
                &over_samples(terms),
                &gradient,
            ));
            out.extend(plug.line(&name, (&format!("{name}{entry}"), &latex), &update(&old, &gradient), &new));
        }
    }
    out
}

/// `exp(z[1])/sum(j, exp(z[j]))` over `n` outputs, its sum written out.
fn softmax_first(n: usize) -> Expr {
    expand_sums(&parse_expr("exp(z[1])/sum(j, exp(z[j]))").expect("a valid expression"), n)
}

/// `e` with every sum and product over the `n` outputs written out term by term (see
/// [`joined`]) and `len` of an output vector as `n`.
fn expand_sums(e: &Expr, n: usize) -> Expr {
    match &e.node {
        Node::Reduce(op, i, count, body) => {
            let range = match count {
                None => n,
                Some(c) => match c.as_num().and_then(|c| c.to_integer().try_into().ok()) {
                    Some(count) => count,
                    None => return e.map_children(|c| expand_sums(c, n)),
                },
            };
            let term = |k: usize| expand_sums(&body.map_free_var(&|name| (name == i).then(|| Expr::int(k as i64))), n);
            let op = match op {
                Reduce::Sum => BinOp::Add,
                Reduce::Prod => BinOp::Mul,
            };
            joined((1..=range).map(term).collect(), op)
        }
        Node::Call(Func::Len, args) if matches!(args.as_slice(), [v] if matches!(&v.node, Node::Var(name) if OUTPUT_VECTORS.contains(&name.as_str()))) => {
            Expr::int(n as i64)
        }
        _ => e.map_children(|c| expand_sums(c, n)),
    }
}

/// The names of the output's vectors (each of the output layer's length).
const OUTPUT_VECTORS: [&str; 3] = ["z", "yhat", "y"];

/// `terms` joined by `op` (`+` or `*`): the first three and the last with an ellipsis between
/// when there are more than [`MOST_TERMS`]; the operation's unit when there are none.
fn joined(terms: Vec<Expr>, op: BinOp) -> Expr {
    let n = terms.len();
    let shown: Vec<Expr> = match n > MOST_TERMS {
        true => [&terms[..3], &[Expr::var(ELLIPSIS)], &terms[n - 1..]].concat(),
        false => terms,
    };
    let unit = if op == BinOp::Mul { 1 } else { 0 };
    let mut terms = shown.into_iter();
    let first = terms.next().unwrap_or_else(|| Expr::int(unit));
    terms.fold(first, |acc, t| Expr::binary(op, acc, t))
}

/// The name that stands for the terms a long sum leaves out.
const ELLIPSIS: &str = "Qzellipsis";

/// Plugs numbers into formulas through placeholder names (`QzbcQz`: `Qz`, the number's
/// position spelled in letters, `Qz`), which the printers write as they are and which are then
/// replaced by the numbers' text.
struct Plugger {
    precision: Precision,
    style: LatexStyle,
    /// The numbers plugged in so far, by position.
    values: RefCell<Vec<Number>>,
}

/// What starts and ends a placeholder.
const PLACEHOLDER: &str = "Qz";

impl Plugger {
    /// A number, as a placeholder name.
    fn value(&self, n: &Number) -> Expr {
        let mut values = self.values.borrow_mut();
        values.push(n.clone());
        let spelled: String = (values.len() - 1).to_string().bytes().map(|d| (b'a' + (d - b'0')) as char).collect();
        Expr::var(&format!("{PLACEHOLDER}{spelled}{PLACEHOLDER}"))
    }

    /// `terms[0] + terms[1] + ...` (see [`joined`]).
    fn sum(&self, terms: Vec<Expr>) -> Expr {
        joined(terms, BinOp::Add)
    }

    /// `e` with each name or component `lookup` knows (`x`, `yhat[2]`) replaced by its number.
    fn plug(&self, e: &Expr, lookup: &dyn Fn(&str, Option<usize>) -> Option<Number>) -> Expr {
        match &e.node {
            Node::Var(name) => lookup(name, None).map_or_else(|| e.clone(), |n| self.value(&n)),
            Node::Index(base, indices) => {
                let position = match (&base.node, indices.as_slice()) {
                    (Node::Var(name), [index]) => {
                        index.as_num().and_then(|k| k.to_integer().try_into().ok()).map(|k: usize| (name, k))
                    }
                    _ => None,
                };
                match position.and_then(|(name, k)| lookup(name, Some(k))) {
                    Some(n) => self.value(&n),
                    None => e.map_children(|c| self.plug(c, lookup)),
                }
            }
            _ => e.map_children(|c| self.plug(c, lookup)),
        }
    }

    /// `name = formula = value` (or `≈` before a rounded value), in text and LaTeX; `None` when
    /// the formula is a lone number (nothing is computed).
    fn line(
        &self,
        quantity: &str,
        (name, latex_name): (&str, &str),
        formula: &Expr,
        value: &Number,
    ) -> Option<Substitution> {
        if matches!(&formula.node, Node::Var(v) if v.starts_with(PLACEHOLDER)) {
            return None;
        }
        // A name left unplugged (a vector used whole, a sum over an unknown range): the line
        // could not be evaluated as written, so it is left out.
        if formula.free_names().iter().any(|name| !name.starts_with(PLACEHOLDER)) {
            return None;
        }
        let (text, exact_inputs) = self.numbers_back(&formula.to_string(), false);
        let (latex, _) = self.numbers_back(&to_latex_with(formula, self.style), true);
        // `=` only when the numbers plugged in and the result are all shown exactly.
        let exact = exact_inputs && shown_exactly_as_number(value, self.precision);
        let (relation, latex_relation) = if exact { ("=", "=") } else { ("≈", "\\approx") };
        Some(Substitution {
            quantity: quantity.to_string(),
            text: format!("{name} = {text} {relation} {}", show_number(value, self.precision)),
            latex: format!("{latex_name} = {latex} {latex_relation} {}", latex_number(value, self.precision)),
        })
    }

    /// The printed formula with its placeholders replaced by their numbers (a negative number
    /// or a fraction in parentheses in text) and the ellipsis by `...` (`\dots`), and whether
    /// every number is shown exactly.
    fn numbers_back(&self, printed: &str, latex: bool) -> (String, bool) {
        let mut exact = true;
        let (open, close) = if latex { ("\\mathrm{", "}") } else { ("", "") };
        let ellipsis = format!("{open}{ELLIPSIS}{close}");
        let mut out = printed.replace(&ellipsis, if latex { "\\dots" } else { "..." });
        let start = format!("{open}{PLACEHOLDER}");
        let values = self.values.borrow();
        while let Some(at) = out.find(&start) {
            let rest = &out[at + start.len()..];
            let Some(end) = rest.find(PLACEHOLDER) else { break };
            let position: usize = rest[..end].bytes().fold(0, |acc, c| acc * 10 + (c - b'a') as usize);
            let n = &values[position];
            exact &= shown_exactly_as_number(n, self.precision);
            let text = show_number(n, self.precision);
            let shown = match latex {
                true if text.starts_with('-') => format!("{{\\left({}\\right)}}", latex_number(n, self.precision)),
                true => format!("{{{}}}", latex_number(n, self.precision)),
                false if text.starts_with('-') || text.contains('/') => format!("({text})"),
                false => text,
            };
            let consumed = start.len() + end + PLACEHOLDER.len() + close.len();
            out.replace_range(at..at + consumed, &shown);
        }
        (out, exact)
    }
}

/// The parameters before step `k`.
fn params_before(trace: &Trace, k: usize) -> &Params {
    if k == 0 {
        &trace.initial
    } else {
        &trace.steps[k - 1].params
    }
}
