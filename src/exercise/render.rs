//! A trace as text, Markdown, LaTeX or JSON. Text is for the terminal; Markdown and LaTeX are a
//! worked solution (bmatrix matrices, the formulas, one section per step); JSON is the contract
//! for tools (full f64 precision).

use super::file::{Bias, Expectation, Mode, OutputActivation, Reduction};
use super::matrix::Matrix;
use super::substitute::{substitutions, Substitution};
use super::trace::{Backward, Forward, Note, Params, Query, Trace};
use crate::eval::number::{format_significant, Number};
use crate::syntax::ast::{Expr, Statement};
use crate::syntax::latex::{statement_latex, to_latex_with, LatexStyle};
use crate::syntax::latex_document::escape_text;
use crate::syntax::print::{decimal_digits, number_text};
use num_traits::Signed;
use serde_json::{json, Map, Value as Json};

/// How a trace is rendered.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// How rounded numbers are shown.
    pub precision: Precision,
    /// How the formulas write `delta(i, k)`.
    pub style: LatexStyle,
    /// LaTeX: a complete document rather than its body.
    pub standalone: bool,
    /// Only the final parameters and the queries (a long run's result without its trace).
    pub summary: bool,
    /// Each step's formulas with their numbers plugged in, once per quantity.
    pub substitute: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            precision: Precision::Significant(6),
            style: LatexStyle::default(),
            standalone: false,
            summary: false,
            substitute: false,
        }
    }
}

/// How rounded numbers are shown: to significant digits (like numpy), or to decimal places (as
/// documents are written, "to 4 decimal places").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Precision {
    /// This many significant digits.
    Significant(usize),
    /// This many decimal places.
    Decimals(usize),
}

/// How a number is shown to a reader: integers as integers; an exact value as a decimal when it
/// has one that fits the precision (`0.1`), else as a short fraction (`1/3`); everything else
/// rounded to the precision.
pub fn show_number(n: &Number, precision: Precision) -> String {
    exact_text(n, precision).unwrap_or_else(|| rounded(n.to_f64(), precision))
}

/// The text of `n` when it shows the value exactly (an exact integer, decimal that fits or
/// short fraction).
fn exact_text(n: &Number, precision: Precision) -> Option<String> {
    let Number::Exact(r) = n else { return None };
    if r.is_integer() {
        return Some(r.numer().to_string());
    }
    if let Some((mantissa, places)) = decimal_digits(r) {
        let fits = match precision {
            Precision::Significant(digits) => mantissa.abs().to_string().trim_end_matches('0').len() <= digits,
            Precision::Decimals(decimals) => places <= decimals,
        };
        if fits {
            return Some(number_text(r));
        }
    }
    (r.numer().abs() < 1000.into() && *r.denom() < 1000.into()).then(|| format!("{}/{}", r.numer(), r.denom()))
}

fn rounded(x: f64, precision: Precision) -> String {
    match precision {
        Precision::Significant(digits) => format_significant(x, digits),
        Precision::Decimals(places) => {
            let text = format!("{x:.places$}");
            // `-0.0000` is 0 to that many places.
            if text.starts_with('-') && text[1..].chars().all(|c| c == '0' || c == '.') {
                text[1..].to_string()
            } else {
                text
            }
        }
    }
}

/// Whether every entry of `m` is shown exactly (`=`), or some is rounded (`≈`).
fn shown_exactly(m: &Matrix, precision: Precision) -> bool {
    m.to_rows().iter().flatten().all(|n| exact_text(n, precision).is_some())
}

/// Whether `n` is shown exactly with `precision` (`=` before it, not `≈`).
pub(super) fn shown_exactly_as_number(n: &Number, precision: Precision) -> bool {
    exact_text(n, precision).is_some()
}

/// A number in LaTeX: a fraction as `\tfrac`, an exponent as `\times 10^{..}`.
pub(super) fn latex_number(n: &Number, precision: Precision) -> String {
    let text = show_number(n, precision);
    if let Some((num, den)) = text.split_once('/') {
        let (sign, num) = num.strip_prefix('-').map_or(("", num), |rest| ("-", rest));
        // `\tfrac`: a fraction the height of a line, so that matrix rows do not collide.
        return format!("{sign}\\tfrac{{{num}}}{{{den}}}");
    }
    match text.split_once('e').and_then(|(m, e)| Some((m, e.parse::<i32>().ok()?))) {
        Some((mantissa, exponent)) => format!("{mantissa} \\times 10^{{{exponent}}}"),
        None => text,
    }
}

// ---------------------------------------------------------------------------------------------
// The parts every format shares.

fn layers_text(layers: &[usize]) -> String {
    layers.iter().map(usize::to_string).collect::<Vec<_>>().join("-")
}

fn steps_text(trace: &Trace) -> String {
    let ex = &trace.exercise;
    if !ex.trains {
        return "none (no [train]): the queries are evaluated with the parameters given".into();
    }
    let n = ex.samples.len();
    let mode = match ex.mode {
        Mode::Sgd => "stochastic gradient descent (one update per sample)",
        Mode::Batch if ex.reduction == Reduction::Mean => {
            "batch gradient descent (one update per pass, gradients averaged over the samples)"
        }
        Mode::Batch => "batch gradient descent (one update per pass, gradients summed over the samples)",
    };
    format!(
        "{mode}, learning rate {}, {} over {}",
        show_number(&ex.rate, Precision::Significant(17)),
        if ex.steps == 1 { "1 pass".to_string() } else { format!("{} passes", ex.steps) },
        if n == 1 { "1 sample".to_string() } else { format!("{n} samples") }
    )
}

fn step_title(trace: &Trace, k: usize) -> String {
    let step = &trace.steps[k];
    let samples = step.samples.iter().map(|s| (s + 1).to_string()).collect::<Vec<_>>().join(", ");
    let what = if step.samples.len() == 1 { "sample" } else { "samples" };
    format!("Step {} (pass {}, {what} {samples})", k + 1, step.pass)
}

fn output_text(trace: &Trace) -> String {
    match &trace.formulas.output {
        OutputActivation::Softmax => "softmax".into(),
        OutputActivation::Elementwise(_) => trace.exercise.names[1].clone(),
    }
}

/// The formulas as (label, plain text, LaTeX) rows, each shown once.
fn formula_rows(trace: &Trace, style: LatexStyle) -> Vec<(String, String, String)> {
    let to_latex = |e: &Expr| to_latex_with(e, style);
    let f = &trace.formulas;
    let depth = trace.exercise.depth();
    let folded = trace.exercise.bias == Bias::Folded;
    let mut rows = vec![match folded {
        false => (
            "forward".into(),
            "z<l> = W<l> a<l-1> + b<l>, a<0> = x".into(),
            "z^{[l]} = W^{[l]} a^{[l-1]} + b^{[l]}, \\quad a^{[0]} = x".into(),
        ),
        true => (
            "forward".into(),
            "z<l> = W<l> [1; a<l-1>], a<0> = x (the first column of W<l> is the layer's biases)".into(),
            "z^{[l]} = W^{[l]} \\begin{bmatrix} 1 \\\\ a^{[l-1]} \\end{bmatrix}, \\quad a^{[0]} = x \\quad \\text{(the first column of } W^{[l]} \\text{ is the biases)}".into(),
        ),
    }];
    if let Some(act) = &f.activation {
        rows.push((
            "hidden".into(),
            format!("a<l> = f(z<l>) for 0 < l < {depth}, f(x) = {act}"),
            format!("a^{{[l]}} = f(z^{{[l]}}) \\ (0 < l < {depth}), \\quad f(x) = {}", to_latex(act)),
        ));
    }
    let (lhs, rhs) = match &f.output_definition {
        Statement::Equation(l, r) => (l.clone(), r.clone()),
        Statement::Expr(e) => (Expr::var("yhat"), e.clone()),
    };
    rows.push((
        "output".into(),
        format!("yhat = a<{depth}>, {lhs} = {rhs}, z = z<{depth}>"),
        format!(
            "\\hat{{y}} = a^{{[{depth}]}}, \\quad {} = {}, \\quad z = z^{{[{depth}]}}",
            to_latex(&lhs),
            to_latex(&rhs)
        ),
    ));
    if !trace.exercise.trains {
        // Evaluation only: the forward pass is all there is.
        return rows;
    }
    rows.push(("loss".into(), format!("E = {}", f.loss), format!("E = {}", to_latex(&f.loss))));
    if let Some(d) = &f.shown_activation_derivative {
        rows.push(("f'".into(), format!("f'(x) = {d}"), format!("f'(x) = {}", to_latex(d))));
    }
    rows.push((
        format!("delta<{depth}>"),
        format!("delta<{depth}>[k] = dE/dz[k] = {}", f.shown_output_delta),
        format!(
            "\\delta^{{[{depth}]}}_k = \\frac{{\\partial E}}{{\\partial z_k}} = {}",
            to_latex(&f.shown_output_delta)
        ),
    ));
    if depth > 1 {
        let (plain, latex) = f.matrix_forms.hidden_delta_shown(style).unwrap_or_else(|| {
            (
                "(W<l+1>^T delta<l+1>) .* f'(z<l>)".into(),
                "\\left(W^{[l+1]}\\right)^T \\delta^{[l+1]} \\circ f'\\left(z^{[l]}\\right)".into(),
            )
        });
        let (without, without_latex) = match folded {
            false => ("", ""),
            true => (
                "; W<l+1> without its first column, the biases",
                " \\quad \\text{(} W^{[l+1]} \\text{ without its first column, the biases)}",
            ),
        };
        rows.push((
            "delta<l>".into(),
            format!("delta<l> = {plain} for 0 < l < {depth} (.* is the entry-wise product; derived from z<l+1> = W<l+1> f(z<l>) + b<l+1>{without})"),
            format!("\\delta^{{[l]}} = {latex} \\ (0 < l < {depth}){without_latex}"),
        ));
    }
    let [(dw, dw_latex), (db, db_latex)] = f.matrix_forms.gradients_shown(style);
    let combined = match f.reduction {
        Reduction::Sum => "summed",
        Reduction::Mean => "averaged",
    };
    let over = format!("{combined} over the samples of a step");
    rows.push(match folded {
        false => (
            "gradients".into(),
            format!("dW<l> = {dw}, db<l> = {db}, {over}"),
            format!(
                "\\frac{{\\partial E}}{{\\partial W^{{[l]}}}} = {dw_latex}, \\quad \\frac{{\\partial E}}{{\\partial b^{{[l]}}}} = {db_latex} \\quad \\text{{({over})}}"
            ),
        ),
        true => (
            "gradients".into(),
            format!("dW<l> = delta<l>*[1; a<l-1>]^T (= [{db}, {dw}]), {over}"),
            format!(
                "\\frac{{\\partial E}}{{\\partial W^{{[l]}}}} = \\delta^{{[l]}} \\begin{{bmatrix}} 1 \\\\ a^{{[l-1]}} \\end{{bmatrix}}^{{\\top}} = \\begin{{bmatrix}} {db_latex} & {dw_latex} \\end{{bmatrix}} \\quad \\text{{({over})}}"
            ),
        ),
    });
    let rate = show_number(&trace.exercise.rate, Precision::Significant(17));
    let r = latex_number(&trace.exercise.rate, Precision::Significant(17));
    let (mut update, mut update_latex) = (
        format!("W<l> := W<l> - {rate}*dW<l>"),
        format!("W^{{[l]}} \\leftarrow W^{{[l]}} - {r} \\frac{{\\partial E}}{{\\partial W^{{[l]}}}}"),
    );
    if !folded {
        update.push_str(&format!(", b<l> := b<l> - {rate}*db<l>"));
        update_latex.push_str(&format!(
            ", \\quad b^{{[l]}} \\leftarrow b^{{[l]}} - {r} \\frac{{\\partial E}}{{\\partial b^{{[l]}}}}"
        ));
    }
    rows.push(("update".into(), update, update_latex));
    for a in &f.assumptions {
        rows.push((
            "holds".into(),
            format!("{a} (checked on every sample)"),
            format!("{} \\quad \\text{{(checked on every sample)}}", statement_latex(a, style)),
        ));
    }
    rows
}

/// A named value of the worked solution: its name in text and in LaTeX, and its entries (a
/// scalar is a 1×1 matrix shown as a number).
struct Item {
    text: String,
    latex: String,
    value: Matrix,
    scalar: bool,
}

impl Item {
    /// A quantity of the trace by its JSON name (`z1`, `delta2`, `dW1`, `E`).
    fn named(name: &str, value: Matrix) -> Item {
        Item { text: name.to_string(), latex: latex_name(name), value, scalar: false }
    }

    fn scalar(text: &str, latex: &str, value: &Number) -> Item {
        let value = Matrix::column_vector(std::slice::from_ref(value));
        Item { text: text.to_string(), latex: latex.to_string(), value, scalar: true }
    }
}

/// The named matrices of a forward pass, in reading order.
fn forward_items(f: &Forward) -> Vec<Item> {
    let mut items = vec![Item::named("a0", f.a[0].clone())];
    for l in 1..f.a.len() {
        items.push(Item::named(&format!("z{l}"), f.z[l - 1].clone()));
        items.push(Item::named(&format!("a{l}"), f.a[l].clone()));
    }
    items
}

fn params_items(p: &Params, bias: Bias) -> Vec<Item> {
    p.written(bias).into_iter().map(|(name, value)| Item::named(&name, value)).collect()
}

/// The targets of a step's samples, one column each.
fn targets(trace: &Trace, k: usize) -> Matrix {
    let step = &trace.steps[k];
    let columns: Vec<Vec<Number>> = step.samples.iter().map(|&s| trace.exercise.samples[s].y.clone()).collect();
    Matrix::from_columns(trace.exercise.layers[trace.exercise.depth()], &columns).expect("targets of the output's size")
}

/// The loss: a number for one sample; for several, one per sample and their sum (or mean).
fn loss_items(loss: &[Number], reduction: Reduction) -> Vec<Item> {
    match loss {
        [one] => vec![Item::scalar("E", "E", one)],
        many => {
            let total = many.iter().try_fold(Number::int(0), |t, e| t.try_add(e));
            let row = Matrix::from_rows(vec![many.to_vec()]).expect("one row");
            let (text, latex, combined) = match reduction {
                Reduction::Sum => ("E_total", "E_{\\text{total}}", total),
                Reduction::Mean => {
                    ("E_mean", "E_{\\text{mean}}", total.and_then(|t| t.try_div(&Number::int(many.len() as i64))))
                }
            };
            let combined = combined.unwrap_or(Number::Approx(f64::NAN));
            vec![
                Item { text: "E".into(), latex: "E".into(), value: row, scalar: false },
                Item::scalar(text, latex, &combined),
            ]
        }
    }
}

/// The backward pass as a student writes it: `delta<L>`, then for each hidden layer below it
/// `W<l+1>^T delta<l+1>`, `f'(z<l>)` and their entry-wise product `delta<l>`.
fn backward_items(back: &Backward, bias: Bias) -> Vec<Item> {
    let depth = back.delta.len();
    let mut items = vec![Item::named(&format!("delta{depth}"), back.delta[depth - 1].clone())];
    for l in (1..depth).rev() {
        let next = l + 1;
        // With folded biases, the weights without their first column (the biases).
        let (columns, columns_latex) = match bias {
            Bias::Separate => ("", ""),
            Bias::Folded => ("[:, 2:]", "_{:, 2:}"),
        };
        items.push(Item {
            text: format!("W{next}{columns}^T delta{next}"),
            latex: format!("\\left(W^{{[{next}]}}{columns_latex}\\right)^{{T}} \\delta^{{[{next}]}}"),
            value: back.propagated[l - 1].clone(),
            scalar: false,
        });
        items.push(Item {
            text: format!("f'(z{l})"),
            latex: format!("f'\\left(z^{{[{l}]}}\\right)"),
            value: back.slopes[l - 1].clone(),
            scalar: false,
        });
        items.push(Item::named(&format!("delta{l}"), back.delta[l - 1].clone()));
    }
    items
}

fn final_title(trace: &Trace) -> String {
    match trace.updates {
        0 => "Parameters (no training)".into(),
        1 => "Final parameters (after 1 step)".into(),
        n => format!("Final parameters (after {n} steps)"),
    }
}

/// The substitutions of step `k` when they are asked for.
fn plugged_in(trace: &Trace, k: usize, options: &Options) -> Vec<Substitution> {
    match options.substitute {
        true => substitutions(trace, k, options.precision, options.style),
        false => Vec::new(),
    }
}

/// The sections of a step: (title, items).
fn step_sections(trace: &Trace, k: usize) -> Vec<(&'static str, Vec<Item>)> {
    let step = &trace.steps[k];
    let depth = trace.exercise.depth();
    let back = &step.backward;
    let bias = trace.exercise.bias;
    let mut grads = Vec::new();
    for l in (1..=depth).rev() {
        grads.extend(back.gradients_written(l, bias).into_iter().map(|(name, value)| Item::named(&name, value)));
    }
    let mut forward = forward_items(&step.forward);
    forward.push(Item::named("y", targets(trace, k)));
    let loss_title = match (step.loss.len(), trace.exercise.reduction) {
        (1, _) => "Loss",
        (_, Reduction::Sum) => "Loss (one entry per sample, and their sum)",
        (_, Reduction::Mean) => "Loss (one entry per sample, and their mean)",
    };
    vec![
        ("Forward pass", forward),
        (loss_title, loss_items(&step.loss, trace.exercise.reduction)),
        ("Backward pass", backward_items(back, bias)),
        ("Gradients", grads),
        ("Updated parameters", params_items(&step.params, bias)),
    ]
}

// ---------------------------------------------------------------------------------------------
// Text.

/// `name = value` (or `≈` where an entry is rounded), a matrix over as many lines as it has rows.
fn text_item(item: &Item, precision: Precision, indent: &str) -> String {
    let m = &item.value;
    let relation = if shown_exactly(m, precision) { "=" } else { "≈" };
    let name = &item.text;
    if item.scalar {
        let value = show_number(&m.to_rows()[0][0], precision);
        return format!("{indent}{name} {relation} {value}\n");
    }
    let cells: Vec<Vec<String>> =
        m.to_rows().iter().map(|r| r.iter().map(|n| show_number(n, precision)).collect()).collect();
    let widths: Vec<usize> =
        (0..m.cols()).map(|c| cells.iter().map(|r| r[c].chars().count()).max().unwrap_or(0)).collect();
    let mut out = String::new();
    for (k, row) in cells.iter().enumerate() {
        let lead = if k == 0 { format!("{name} {relation} ") } else { " ".repeat(name.chars().count() + 3) };
        let body = row.iter().zip(&widths).map(|(c, w)| format!("{c:>w$}")).collect::<Vec<_>>().join("  ");
        out.push_str(&format!("{indent}{lead}[ {body} ]\n"));
    }
    out
}

/// The trace for a terminal.
pub fn text(trace: &Trace, options: &Options) -> String {
    let precision = options.precision;
    let ex = &trace.exercise;
    let mut out = format!(
        "Network {} (layer 0 is the input): hidden {}, output {}, loss {}\nTraining: {}\n\nFormulas\n",
        layers_text(&ex.layers),
        if ex.activation.is_some() { ex.names[0].as_str() } else { "(none)" },
        output_text(trace),
        ex.names[2],
        steps_text(trace),
    );
    if options.summary {
        out.truncate(out.trim_end_matches("Formulas\n").len() - 1);
    } else {
        for (label, plain, _) in formula_rows(trace, LatexStyle::default()) {
            out.push_str(&format!("  {label:<10} {plain}\n"));
        }
    }
    if !trace.notes.is_empty() {
        out.push_str("\nNotes\n");
        for note in &trace.notes {
            out.push_str(&format!("  {note}\n"));
        }
    }
    if options.summary {
        out.push_str(&format!("\n{}\n", final_title(trace)));
        for item in params_items(&trace.final_params, trace.exercise.bias) {
            out.push_str(&text_item(&item, precision, "  "));
        }
    } else {
        out.push_str(if trace.exercise.trains { "\nInitial parameters\n" } else { "\nParameters\n" });
        for item in params_items(&trace.initial, trace.exercise.bias) {
            out.push_str(&text_item(&item, precision, "  "));
        }
        for k in 0..trace.steps.len() {
            out.push_str(&format!("\n{}\n", step_title(trace, k)));
            let plugged = plugged_in(trace, k, options);
            for (title, items) in step_sections(trace, k) {
                out.push_str(&format!("  {title}\n"));
                for item in items {
                    out.push_str(&text_item(&item, precision, "    "));
                    for s in plugged.iter().filter(|s| s.quantity == item.text) {
                        out.push_str(&format!("      {}\n", s.text));
                    }
                }
            }
        }
    }
    for (k, q) in trace.queries.iter().enumerate() {
        out.push_str(&format!("\nQuery {}{}\n", k + 1, query_note(trace)));
        for item in forward_items(&q.forward) {
            out.push_str(&text_item(&item, precision, "  "));
        }
        out.push_str(&format!("  class = {}{}\n", q.class, tie_note(q.tie)));
        if let Some(line) = expectation_text(q, precision) {
            out.push_str(&format!("  {line}\n"));
        }
    }
    if let Some(summary) = expectations_summary(trace) {
        out.push_str(&format!("\n{summary}\n"));
    }
    out
}

/// Which parameters the queries use, for their titles.
fn query_note(trace: &Trace) -> &'static str {
    if trace.exercise.trains {
        " (final parameters)"
    } else {
        ""
    }
}

/// What a query was expected to give, and whether it does.
fn expectation_text(q: &Query, precision: Precision) -> Option<String> {
    let (expected, met) = q.expected.as_ref()?;
    let what = match expected {
        Expectation::Class(c) => format!("class {c}"),
        Expectation::Output(v) => {
            format!("output [{}]", v.iter().map(|n| show_number(n, precision)).collect::<Vec<_>>().join(", "))
        }
    };
    Some(match (met, expected) {
        (true, _) => format!("expected {what}: as expected"),
        (false, Expectation::Class(_)) if q.tie => {
            format!("expected {what}: NOT as expected (a tie for the largest output)")
        }
        (false, Expectation::Class(_)) => format!("expected {what}: NOT as expected (class {})", q.class),
        (false, Expectation::Output(_)) => format!(
            "expected {what}: NOT as expected (output [{}])",
            q.output.iter().map(|n| show_number(n, precision)).collect::<Vec<_>>().join(", ")
        ),
    })
}

/// How many queries give what the file expects of them, when it expects anything.
fn expectations_summary(trace: &Trace) -> Option<String> {
    let checked: Vec<bool> = trace.queries.iter().filter_map(|q| q.expected.as_ref().map(|(_, met)| *met)).collect();
    if checked.is_empty() {
        return None;
    }
    let met = checked.iter().filter(|m| **m).count();
    Some(format!("Expectations: {met} of {} queries as expected", checked.len()))
}

/// Whether a query does not give what the file expects of it.
pub fn any_unmet(trace: &Trace) -> bool {
    trace.queries.iter().any(|q| q.expected.as_ref().is_some_and(|(_, met)| !met))
}

fn tie_note(tie: bool) -> &'static str {
    if tie {
        " (the first of equal largest outputs)"
    } else {
        " (the largest output, counting from 1)"
    }
}

// ---------------------------------------------------------------------------------------------
// Markdown and LaTeX, from one list of blocks.

enum Block {
    Heading(usize, String),
    Paragraph(String),
    Math(Vec<String>),
}

fn latex_name(name: &str) -> String {
    let (base, layer) = name.split_at(name.find(|c: char| c.is_ascii_digit()).unwrap_or(name.len()));
    let base = match base {
        "delta" => "\\delta".to_string(),
        "dW" => return format!("\\frac{{\\partial E}}{{\\partial W^{{[{layer}]}}}}"),
        "db" => return format!("\\frac{{\\partial E}}{{\\partial b^{{[{layer}]}}}}"),
        _ if layer.is_empty() => return base.to_string(),
        other => other.to_string(),
    };
    format!("{base}^{{[{layer}]}}")
}

fn bmatrix(m: &Matrix, precision: Precision) -> String {
    let rows: Vec<String> = m
        .to_rows()
        .iter()
        .map(|r| r.iter().map(|n| latex_number(n, precision)).collect::<Vec<_>>().join(" & "))
        .collect();
    format!("\\begin{{bmatrix}} {} \\end{{bmatrix}}", rows.join(" \\\\ "))
}

/// One math line per item, each followed by the item's substitutions in `plugged`.
fn math_items(items: &[Item], precision: Precision, plugged: &[Substitution]) -> Block {
    let mut lines = Vec::new();
    for item in items {
        let relation = if shown_exactly(&item.value, precision) { "=" } else { "\\approx" };
        let value = match item.scalar {
            true => latex_number(&item.value.to_rows()[0][0], precision),
            false => bmatrix(&item.value, precision),
        };
        lines.push(format!("{} {relation} {value}", item.latex));
        lines.extend(plugged.iter().filter(|s| s.quantity == item.text).map(|s| s.latex.clone()));
    }
    Block::Math(lines)
}

fn blocks(trace: &Trace, options: &Options) -> Vec<Block> {
    let (precision, style) = (options.precision, options.style);
    let ex = &trace.exercise;
    let mut out = vec![
        Block::Heading(1, "Worked solution".into()),
        Block::Paragraph(format!(
            "Network {} (layer 0 is the input); hidden activation {}, output {}, loss {}. Training: {}.",
            layers_text(&ex.layers),
            if ex.activation.is_some() { ex.names[0].as_str() } else { "(none)" },
            output_text(trace),
            ex.names[2].replace('_', " "),
            steps_text(trace)
        )),
    ];
    if !options.summary {
        out.push(Block::Heading(2, "Formulas".into()));
        out.push(Block::Math(formula_rows(trace, style).into_iter().map(|(_, _, latex)| latex).collect()));
    }
    if !trace.notes.is_empty() {
        out.push(Block::Heading(2, "Notes".into()));
        out.extend(trace.notes.iter().map(|note| Block::Paragraph(format!("Note: {note}."))));
    }
    if options.summary {
        out.push(Block::Heading(2, final_title(trace)));
        out.push(math_items(&params_items(&trace.final_params, trace.exercise.bias), precision, &[]));
    } else {
        out.push(Block::Heading(2, if trace.exercise.trains { "Initial parameters" } else { "Parameters" }.into()));
        out.push(math_items(&params_items(&trace.initial, trace.exercise.bias), precision, &[]));
        for k in 0..trace.steps.len() {
            out.push(Block::Heading(2, step_title(trace, k)));
            let plugged = plugged_in(trace, k, options);
            for (title, items) in step_sections(trace, k) {
                out.push(Block::Heading(3, title.into()));
                out.push(math_items(&items, precision, &plugged));
            }
        }
    }
    for (k, q) in trace.queries.iter().enumerate() {
        out.push(Block::Heading(2, format!("Query {}{}", k + 1, query_note(trace))));
        out.push(math_items(&forward_items(&q.forward), precision, &[]));
        out.push(Block::Paragraph(format!("Class: {}{}.", q.class, tie_note(q.tie))));
        if let Some(line) = expectation_text(q, precision) {
            out.push(Block::Paragraph(format!("{}{}.", line[..1].to_uppercase(), &line[1..])));
        }
    }
    if let Some(summary) = expectations_summary(trace) {
        out.push(Block::Paragraph(format!("{summary}.")));
    }
    out
}

/// The worked solution in Markdown (math in `$$ ... $$`).
pub fn markdown(trace: &Trace, options: &Options) -> String {
    let mut out = String::new();
    for block in blocks(trace, options) {
        match block {
            Block::Heading(level, text) => out.push_str(&format!("{} {text}\n\n", "#".repeat(level))),
            Block::Paragraph(text) => out.push_str(&format!("{text}\n\n")),
            Block::Math(lines) => {
                for line in lines {
                    out.push_str(&format!("$$\n{line}\n$$\n\n"));
                }
            }
        }
    }
    out
}

/// The worked solution in LaTeX: its body (sections and displays, for `\input`), or with
/// `standalone` a complete document (`amsmath`, and room for every matrix's columns).
pub fn latex(trace: &Trace, options: &Options) -> String {
    let mut body = String::new();
    for block in blocks(trace, options) {
        match block {
            Block::Heading(1, text) => body.push_str(&format!("\\section*{{{}}}\n\n", escape_text(&text))),
            Block::Heading(2, text) => body.push_str(&format!("\\subsection*{{{}}}\n\n", escape_text(&text))),
            Block::Heading(_, text) => body.push_str(&format!("\\subsubsection*{{{}}}\n\n", escape_text(&text))),
            Block::Paragraph(text) => body.push_str(&format!("{}\n\n", escape_text(&text))),
            Block::Math(lines) => {
                for line in lines {
                    body.push_str(&format!("\\[\n{line}\n\\]\n\n"));
                }
            }
        }
    }
    if !options.standalone {
        return body;
    }
    // amsmath's matrices take 10 columns unless told more.
    let columns = widest_matrix(trace).max(10);
    format!(
        "\\documentclass{{article}}\n\\usepackage{{amsmath}}\n\\usepackage[margin=2cm]{{geometry}}\n\\setcounter{{MaxMatrixCols}}{{{columns}}}\n\\begin{{document}}\n\n{body}\\end{{document}}\n"
    )
}

/// The most columns of any matrix the trace shows.
fn widest_matrix(trace: &Trace) -> usize {
    let mut widest =
        params_items(&trace.initial, trace.exercise.bias).iter().map(|i| i.value.cols()).max().unwrap_or(1);
    for step in &trace.steps {
        let matrices =
            step.forward.a.iter().chain(&step.forward.z).chain(&step.backward.dw).chain(&step.params.weights);
        widest = widest.max(matrices.map(Matrix::cols).max().unwrap_or(1)).max(step.loss.len());
    }
    widest
}

// ---------------------------------------------------------------------------------------------
// JSON.

fn json_numbers(v: &[Number]) -> Json {
    json!(v.iter().map(Number::to_f64).collect::<Vec<_>>())
}

fn json_matrix(m: &Matrix) -> Json {
    json!(m.to_rows().iter().map(|r| json_numbers(r)).collect::<Vec<_>>())
}

fn json_forward(f: &Forward, into: &mut Map<String, Json>) {
    for item in forward_items(f) {
        into.insert(item.text, json_matrix(&item.value));
    }
}

fn json_note(note: &Note) -> Json {
    let mut m = Map::new();
    match note {
        Note::ExactGivenUp { step, matrix, bits } => {
            m.insert("kind".into(), json!("exact_given_up"));
            m.insert("step".into(), json!(step));
            m.insert("matrix".into(), json!(matrix));
            m.insert("bits".into(), json!(bits));
        }
        Note::QueryInF64 { query, matrix, bits } => {
            m.insert("kind".into(), json!("query_in_f64"));
            m.insert("query".into(), json!(query));
            m.insert("matrix".into(), json!(matrix));
            m.insert("bits".into(), json!(bits));
        }
    }
    m.insert("message".into(), json!(note.to_string()));
    Json::Object(m)
}

/// A parameter or gradient as JSON: a bias (`b<l>`, `db<l>`) as a list of numbers, a weight
/// matrix as a list of rows.
fn json_written(name: &str, value: &Matrix) -> Json {
    match name.starts_with('b') || name.starts_with("db") {
        true => json_numbers(&value.column(0)),
        false => json_matrix(value),
    }
}

/// The JSON contract: `{"formulas", "notes", "steps": [{"samples", "y", "z1", "a1", ...,
/// "delta1", ..., "propagated1", "slope1", ..., "dW1", "db1", ..., "W1", "b1", ...}], "queries":
/// [{"x", "output", "class"}]}`; with `summary`, `{"final": {"W1", "b1", ...}, "queries"}`.
pub fn json(trace: &Trace, options: &Options) -> Json {
    let summary = options.summary;
    let f = &trace.formulas;
    let ex = &trace.exercise;
    let mut formulas = Map::new();
    if let Some(a) = &f.activation {
        formulas.insert("activation".into(), json!(a.to_string()));
    }
    if let Some(d) = &f.activation_derivative {
        formulas.insert("activation_derivative".into(), json!(d.to_string()));
        formulas.insert(
            "activation_derivative_shown".into(),
            json!(f.shown_activation_derivative.as_ref().map(Expr::to_string)),
        );
    }
    formulas.insert("output".into(), json!(f.output_definition.to_string()));
    formulas.insert("loss".into(), json!(f.loss.to_string()));
    formulas.insert("output_delta".into(), json!(f.output_delta.to_string()));
    formulas.insert("output_delta_shown".into(), json!(f.shown_output_delta.to_string()));
    if let Some((plain, _)) = f.matrix_forms.hidden_delta_shown(LatexStyle::default()) {
        formulas.insert("hidden_delta".into(), json!(plain));
    }
    let [(dw, _), (db, _)] = f.matrix_forms.gradients_shown(LatexStyle::default());
    formulas.insert("weight_gradient".into(), json!(dw));
    formulas.insert("bias_gradient".into(), json!(db));
    formulas.insert("output_delta_variable".into(), json!(super::formulas::OUTPUT_NET));
    let steps: Vec<Json> = trace
        .steps
        .iter()
        .enumerate()
        .map(|(k, step)| {
            let mut s = Map::new();
            s.insert("y".into(), json_matrix(&targets(trace, k)));
            s.insert("pass".into(), json!(step.pass));
            if options.substitute {
                let plugged = substitutions(trace, k, Precision::Significant(17), options.style);
                let plugged: Vec<Json> = plugged
                    .into_iter()
                    .map(|s| json!({ "quantity": s.quantity, "text": s.text, "latex": s.latex }))
                    .collect();
                s.insert("substituted".into(), json!(plugged));
            }
            s.insert("samples".into(), json!(step.samples));
            s.insert("loss".into(), json_numbers(&step.loss));
            json_forward(&step.forward, &mut s);
            for l in 1..ex.depth() {
                s.insert(format!("propagated{l}"), json_matrix(&step.backward.propagated[l - 1]));
                s.insert(format!("slope{l}"), json_matrix(&step.backward.slopes[l - 1]));
            }
            for l in 1..=ex.depth() {
                s.insert(format!("delta{l}"), json_matrix(&step.backward.delta[l - 1]));
                for (name, value) in step.backward.gradients_written(l, ex.bias) {
                    s.insert(name.clone(), json_written(&name, &value));
                }
            }
            for (name, value) in step.params.written(ex.bias) {
                s.insert(name.clone(), json_written(&name, &value));
            }
            Json::Object(s)
        })
        .collect();
    let queries: Vec<Json> = trace
        .queries
        .iter()
        .map(|q| {
            let mut m = Map::new();
            m.insert("x".into(), json_numbers(&q.forward.a[0].column(0)));
            m.insert("output".into(), json_numbers(&q.output));
            m.insert("class".into(), json!(q.class));
            m.insert("tie".into(), json!(q.tie));
            if let Some((expected, met)) = &q.expected {
                let value = match expected {
                    Expectation::Class(c) => json!({ "class": c }),
                    Expectation::Output(v) => json!({ "output": json_numbers(v) }),
                };
                m.insert("expected".into(), value);
                m.insert("as_expected".into(), json!(met));
            }
            json_forward(&q.forward, &mut m);
            Json::Object(m)
        })
        .collect();
    if summary {
        let mut last = Map::new();
        for (name, value) in trace.final_params.written(ex.bias) {
            last.insert(name.clone(), json_written(&name, &value));
        }
        return json!({ "final": last, "queries": queries });
    }
    json!({
        "network": {
            "layers": ex.layers,
            "activation": ex.activation.as_ref().map(|_| &ex.names[0]),
            "output": ex.names[1],
            "loss": ex.names[2],
            "mode": match ex.mode { Mode::Sgd => "sgd", Mode::Batch => "batch" },
            "reduction": match ex.reduction { Reduction::Sum => "sum", Reduction::Mean => "mean" },
            "rate": ex.rate.to_f64(),
            "steps": ex.steps,
        },
        "formulas": formulas,
        "assumptions": f.assumptions.iter().map(Statement::to_string).collect::<Vec<_>>(),
        "notes": trace.notes.iter().map(json_note).collect::<Vec<_>>(),
        "steps": steps,
        "queries": queries,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_rational::BigRational;

    fn q(n: i64, d: i64) -> Number {
        Number::Exact(BigRational::new(n.into(), d.into()))
    }

    const SIX: Precision = Precision::Significant(6);

    #[test]
    fn numbers_are_shown_as_a_reader_wants() {
        assert_eq!(show_number(&q(1, 10), SIX), "0.1");
        assert_eq!(show_number(&q(-3, 2), SIX), "-1.5");
        assert_eq!(show_number(&q(1, 3), SIX), "1/3");
        assert_eq!(show_number(&q(12345678, 100000000), SIX), "0.123457");
        assert_eq!(show_number(&q(1, 3001), SIX), "0.000333222");
        assert_eq!(show_number(&Number::Approx(0.5498339973124778), SIX), "0.549834");
        assert_eq!(show_number(&Number::int(-4), SIX), "-4");
        assert_eq!(latex_number(&q(-1, 3), SIX), "-\\tfrac{1}{3}");
        assert_eq!(latex_number(&Number::Approx(1.5e-7), SIX), "1.5 \\times 10^{-7}");
    }

    #[test]
    fn decimal_places_and_exactness() {
        let four = Precision::Decimals(4);
        assert_eq!(show_number(&Number::Approx(0.5498339973124778), four), "0.5498");
        assert_eq!(show_number(&Number::Approx(-0.00001), four), "0.0000");
        assert_eq!(show_number(&q(1, 10), four), "0.1");
        assert_eq!(show_number(&q(12345, 100000), four), "0.1235");
        let exact = Matrix::column_vector(&[q(1, 10), Number::int(2), q(1, 3)]);
        assert!(shown_exactly(&exact, SIX));
        assert!(!shown_exactly(&Matrix::column_vector(&[q(1, 10), Number::Approx(0.1)]), SIX));
        assert!(!shown_exactly(&Matrix::column_vector(&[q(12345, 100000)]), four));
    }
}
