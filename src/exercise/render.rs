//! A trace as text, Markdown, LaTeX or JSON. Text is for the terminal; Markdown and LaTeX are a
//! worked solution (bmatrix matrices, the formulas, one section per step); JSON is the contract
//! for tools (full f64 precision).

use super::file::{Mode, OutputActivation};
use super::matrix::Matrix;
use super::trace::{Forward, Note, Params, Trace};
use crate::eval::number::{format_significant, Number};
use crate::syntax::ast::{Expr, Statement};
use crate::syntax::latex::{statement_latex, to_latex_with, LatexStyle};
use crate::syntax::print::{decimal_digits, number_text};
use num_traits::Signed;
use serde_json::{json, Map, Value as Json};

/// How a number is shown to a reader: integers as integers; an exact value as a decimal when it
/// has one of at most `digits` significant digits (`0.1`), else as a short fraction (`1/3`);
/// everything else rounded to `digits` significant digits, like numpy.
pub fn show_number(n: &Number, digits: usize) -> String {
    let Number::Exact(r) = n else {
        return format_significant(n.to_f64(), digits);
    };
    if r.is_integer() {
        return r.numer().to_string();
    }
    if let Some((mantissa, _)) = decimal_digits(r) {
        let significant = mantissa.abs().to_string().trim_end_matches('0').len();
        if significant <= digits {
            return number_text(r);
        }
    }
    if r.numer().abs() < 1000.into() && *r.denom() < 1000.into() {
        return format!("{}/{}", r.numer(), r.denom());
    }
    format_significant(n.to_f64(), digits)
}

fn latex_number(n: &Number, digits: usize) -> String {
    let text = show_number(n, digits);
    if let Some((num, den)) = text.split_once('/') {
        let (sign, num) = num.strip_prefix('-').map_or(("", num), |rest| ("-", rest));
        return format!("{sign}\\frac{{{num}}}{{{den}}}");
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
    let n = ex.samples.len();
    let mode = match ex.mode {
        Mode::Sgd => "stochastic gradient descent (one update per sample)",
        Mode::Batch => "batch gradient descent (one update per pass, gradients summed over the samples)",
    };
    format!(
        "{mode}, learning rate {}, {} over {}",
        show_number(&ex.rate, 17),
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
    let mut rows = vec![(
        "forward".into(),
        "z<l> = W<l> a<l-1> + b<l>, a<0> = x".into(),
        "z^{[l]} = W^{[l]} a^{[l-1]} + b^{[l]}, \\quad a^{[0]} = x".into(),
    )];
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
        rows.push((
            "delta<l>".into(),
            format!("delta<l> = {plain} for 0 < l < {depth} (.* is the entry-wise product; derived from z<l+1> = W<l+1> f(z<l>) + b<l+1>)"),
            format!("\\delta^{{[l]}} = {latex} \\ (0 < l < {depth})"),
        ));
    }
    let [(dw, dw_latex), (db, db_latex)] = f.matrix_forms.gradients_shown(style);
    rows.push((
        "gradients".into(),
        format!("dW<l> = {dw}, db<l> = {db}, summed over the samples of a step"),
        format!(
            "\\frac{{\\partial E}}{{\\partial W^{{[l]}}}} = {dw_latex}, \\quad \\frac{{\\partial E}}{{\\partial b^{{[l]}}}} = {db_latex} \\quad \\text{{(summed over the samples of a step)}}"
        ),
    ));
    let rate = show_number(&trace.exercise.rate, 17);
    rows.push((
        "update".into(),
        format!("W<l> := W<l> - {rate}*dW<l>, b<l> := b<l> - {rate}*db<l>"),
        format!(
            "W^{{[l]}} \\leftarrow W^{{[l]}} - {r} \\frac{{\\partial E}}{{\\partial W^{{[l]}}}}, \\quad \
             b^{{[l]}} \\leftarrow b^{{[l]}} - {r} \\frac{{\\partial E}}{{\\partial b^{{[l]}}}}",
            r = latex_number(&trace.exercise.rate, 17)
        ),
    ));
    for a in &f.assumptions {
        rows.push((
            "holds".into(),
            format!("{a} (checked on every sample)"),
            format!("{} \\quad \\text{{(checked on every sample)}}", statement_latex(a, style)),
        ));
    }
    rows
}

/// The named matrices of a forward pass, a backward pass and parameters, in reading order.
fn forward_items(f: &Forward) -> Vec<(String, Matrix)> {
    let mut items = vec![("a0".to_string(), f.a[0].clone())];
    for l in 1..f.a.len() {
        items.push((format!("z{l}"), f.z[l - 1].clone()));
        items.push((format!("a{l}"), f.a[l].clone()));
    }
    items
}

fn params_items(p: &Params) -> Vec<(String, Matrix)> {
    let mut items = Vec::new();
    for l in 1..=p.weights.len() {
        items.push((format!("W{l}"), p.weights[l - 1].clone()));
        items.push((format!("b{l}"), Matrix::column_vector(&p.biases[l - 1])));
    }
    items
}

/// The sections of a step: (title, items).
fn step_sections(trace: &Trace, k: usize) -> Vec<(&'static str, Vec<(String, Matrix)>)> {
    let step = &trace.steps[k];
    let depth = trace.exercise.depth();
    let back = &step.backward;
    let deltas = (1..=depth).rev().map(|l| (format!("delta{l}"), back.delta[l - 1].clone())).collect();
    let mut grads = Vec::new();
    for l in (1..=depth).rev() {
        grads.push((format!("dW{l}"), back.dw[l - 1].clone()));
        grads.push((format!("db{l}"), Matrix::column_vector(&back.db[l - 1])));
    }
    let loss = vec![("E".to_string(), Matrix::from_rows(vec![step.loss.clone()]).expect("one row"))];
    vec![
        ("Forward pass", forward_items(&step.forward)),
        ("Loss (one entry per sample)", loss),
        ("Backward pass", deltas),
        ("Gradients", grads),
        ("Updated parameters", params_items(&step.params)),
    ]
}

// ---------------------------------------------------------------------------------------------
// Text.

fn text_matrix(name: &str, m: &Matrix, digits: usize, indent: &str) -> String {
    let cells: Vec<Vec<String>> =
        m.to_rows().iter().map(|r| r.iter().map(|n| show_number(n, digits)).collect()).collect();
    let widths: Vec<usize> =
        (0..m.cols()).map(|c| cells.iter().map(|r| r[c].chars().count()).max().unwrap_or(0)).collect();
    let mut out = String::new();
    for (k, row) in cells.iter().enumerate() {
        let lead = if k == 0 { format!("{name} = ") } else { " ".repeat(name.chars().count() + 3) };
        let body = row.iter().zip(&widths).map(|(c, w)| format!("{c:>w$}")).collect::<Vec<_>>().join("  ");
        out.push_str(&format!("{indent}{lead}[ {body} ]\n"));
    }
    out
}

/// The trace for a terminal.
pub fn text(trace: &Trace, digits: usize) -> String {
    let ex = &trace.exercise;
    let mut out = format!(
        "Network {} (layer 0 is the input): hidden {}, output {}, loss {}\nTraining: {}\n\nFormulas\n",
        layers_text(&ex.layers),
        if ex.activation.is_some() { ex.names[0].as_str() } else { "(none)" },
        output_text(trace),
        ex.names[2],
        steps_text(trace),
    );
    for (label, plain, _) in formula_rows(trace, LatexStyle::default()) {
        out.push_str(&format!("  {label:<10} {plain}\n"));
    }
    if !trace.notes.is_empty() {
        out.push_str("\nNotes\n");
        for note in &trace.notes {
            out.push_str(&format!("  {note}\n"));
        }
    }
    out.push_str("\nInitial parameters\n");
    for (name, m) in params_items(&trace.initial) {
        out.push_str(&text_matrix(&name, &m, digits, "  "));
    }
    for k in 0..trace.steps.len() {
        out.push_str(&format!("\n{}\n", step_title(trace, k)));
        for (title, items) in step_sections(trace, k) {
            out.push_str(&format!("  {title}\n"));
            for (name, m) in items {
                out.push_str(&text_matrix(&name, &m, digits, "    "));
            }
        }
    }
    for (k, q) in trace.queries.iter().enumerate() {
        out.push_str(&format!("\nQuery {} (final parameters)\n", k + 1));
        for (name, m) in forward_items(&q.forward) {
            out.push_str(&text_matrix(&name, &m, digits, "  "));
        }
        out.push_str(&format!("  class = {}{}\n", q.class, tie_note(q.tie)));
    }
    out
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
        "E" => return "E".into(),
        other => other.to_string(),
    };
    format!("{base}^{{[{layer}]}}")
}

fn bmatrix(m: &Matrix, digits: usize) -> String {
    let rows: Vec<String> =
        m.to_rows().iter().map(|r| r.iter().map(|n| latex_number(n, digits)).collect::<Vec<_>>().join(" & ")).collect();
    format!("\\begin{{bmatrix}} {} \\end{{bmatrix}}", rows.join(" \\\\ "))
}

fn math_items(items: &[(String, Matrix)], digits: usize) -> Block {
    Block::Math(items.iter().map(|(n, m)| format!("{} = {}", latex_name(n), bmatrix(m, digits))).collect())
}

fn blocks(trace: &Trace, digits: usize, style: LatexStyle) -> Vec<Block> {
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
        Block::Heading(2, "Formulas".into()),
        Block::Math(formula_rows(trace, style).into_iter().map(|(_, _, latex)| latex).collect()),
    ];
    if !trace.notes.is_empty() {
        out.push(Block::Heading(2, "Notes".into()));
        out.extend(trace.notes.iter().map(|note| Block::Paragraph(format!("Note: {note}."))));
    }
    out.push(Block::Heading(2, "Initial parameters".into()));
    out.push(math_items(&params_items(&trace.initial), digits));
    for k in 0..trace.steps.len() {
        out.push(Block::Heading(2, step_title(trace, k)));
        for (title, items) in step_sections(trace, k) {
            out.push(Block::Heading(3, title.into()));
            out.push(math_items(&items, digits));
        }
    }
    for (k, q) in trace.queries.iter().enumerate() {
        out.push(Block::Heading(2, format!("Query {} (final parameters)", k + 1)));
        out.push(math_items(&forward_items(&q.forward), digits));
        out.push(Block::Paragraph(format!("Class: {}{}.", q.class, tie_note(q.tie))));
    }
    out
}

/// The worked solution in Markdown (math in `$$ ... $$`).
pub fn markdown(trace: &Trace, digits: usize, style: LatexStyle) -> String {
    let mut out = String::new();
    for block in blocks(trace, digits, style) {
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

/// The worked solution as a standalone LaTeX document.
pub fn latex(trace: &Trace, digits: usize, style: LatexStyle) -> String {
    let mut out = String::from(
        "\\documentclass{article}\n\\usepackage{amsmath}\n\\usepackage[margin=2cm]{geometry}\n\\begin{document}\n\n",
    );
    for block in blocks(trace, digits, style) {
        match block {
            Block::Heading(1, text) => out.push_str(&format!("\\section*{{{text}}}\n\n")),
            Block::Heading(2, text) => out.push_str(&format!("\\subsection*{{{text}}}\n\n")),
            Block::Heading(_, text) => out.push_str(&format!("\\subsubsection*{{{text}}}\n\n")),
            Block::Paragraph(text) => out.push_str(&format!("{}\n\n", text.replace('_', "\\_"))),
            Block::Math(lines) => {
                for line in lines {
                    out.push_str(&format!("\\[\n{line}\n\\]\n\n"));
                }
            }
        }
    }
    out.push_str("\\end{document}\n");
    out
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
    for (name, m) in forward_items(f) {
        into.insert(name, json_matrix(&m));
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

/// The JSON contract: `{"formulas", "notes", "steps": [{"samples", "z1", "a1", ..., "delta1",
/// ..., "dW1", "db1", ..., "W1", "b1", ...}], "queries": [{"x", "output", "class"}]}`.
pub fn json(trace: &Trace) -> Json {
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
        .map(|step| {
            let mut s = Map::new();
            s.insert("pass".into(), json!(step.pass));
            s.insert("samples".into(), json!(step.samples));
            s.insert("loss".into(), json_numbers(&step.loss));
            json_forward(&step.forward, &mut s);
            for l in 1..=ex.depth() {
                s.insert(format!("delta{l}"), json_matrix(&step.backward.delta[l - 1]));
                s.insert(format!("dW{l}"), json_matrix(&step.backward.dw[l - 1]));
                s.insert(format!("db{l}"), json_numbers(&step.backward.db[l - 1]));
                s.insert(format!("W{l}"), json_matrix(&step.params.weights[l - 1]));
                s.insert(format!("b{l}"), json_numbers(&step.params.biases[l - 1]));
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
            json_forward(&q.forward, &mut m);
            Json::Object(m)
        })
        .collect();
    json!({
        "network": {
            "layers": ex.layers,
            "activation": ex.activation.as_ref().map(|_| &ex.names[0]),
            "output": ex.names[1],
            "loss": ex.names[2],
            "mode": match ex.mode { Mode::Sgd => "sgd", Mode::Batch => "batch" },
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

    #[test]
    fn numbers_are_shown_as_a_reader_wants() {
        assert_eq!(show_number(&q(1, 10), 6), "0.1");
        assert_eq!(show_number(&q(-3, 2), 6), "-1.5");
        assert_eq!(show_number(&q(1, 3), 6), "1/3");
        assert_eq!(show_number(&q(12345678, 100000000), 6), "0.123457");
        assert_eq!(show_number(&q(1, 3001), 6), "0.000333222");
        assert_eq!(show_number(&Number::Approx(0.5498339973124778), 6), "0.549834");
        assert_eq!(show_number(&Number::int(-4), 6), "-4");
        assert_eq!(latex_number(&q(-1, 3), 6), "-\\frac{1}{3}");
        assert_eq!(latex_number(&Number::Approx(1.5e-7), 6), "1.5 \\times 10^{-7}");
    }
}
