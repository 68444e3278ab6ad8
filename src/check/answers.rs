//! Answers files: a student's values and formulas as TOML, for tools and LMS exports.
//!
//! ```toml
//! [[step]]                      # step 1 of the exercise's run, named like `run --format json`
//! delta2 = [[-0.1139], [0.1344]]
//! [[query]]
//! class = 1
//! [[formula]]
//! of = "sigmoid(x)"             # in the expression language
//! wrt = "x"
//! answer = "sigmoid(x)*(1 - sigmoid(x))"
//! let = ["yhat = softmax(z)"]   # optional definitions and assumptions
//! assume = ["sum(i, y[i]) = 1"]
//! [[formula]]                   # in matrix form: with the shapes declared
//! of = "1/2*norm2(W*x - y)^2"
//! wrt = "W"
//! shape = "W: 3x4, x: 4, y: 3"
//! answer = "(W*x - y)*x^T"
//! ```
//!
//! Values are judged against the exercise's run (`--exercise`) at the precision written;
//! formulas against the engine's derivative.

use super::document::{line_column, squeeze};
use super::numeric::{judge, Expected, Judgement, Tolerance};
use super::symbolic::{Outcome, Symbols};
use super::{CheckOptions, Claim, Verdict};
use crate::derive::parse_context;
use crate::eval::number::Number;
use crate::eval::value::Value;
use crate::exercise::trace::{Forward, Trace};
use crate::matrix::shape::Shapes;
use crate::syntax::ast::Node;
use crate::syntax::diagnostic::{Diagnostic, Problem};
use crate::syntax::parse::parse_expr;
use std::collections::BTreeMap;
use std::ops::Range;
use toml::Spanned;

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct AnswersFile {
    #[serde(default)]
    step: Vec<BTreeMap<String, Spanned<toml::Value>>>,
    #[serde(default)]
    query: Vec<BTreeMap<String, Spanned<toml::Value>>>,
    #[serde(default)]
    formula: Vec<FormulaAnswer>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct FormulaAnswer {
    of: String,
    wrt: String,
    answer: Spanned<String>,
    #[serde(default, rename = "let")]
    lets: Vec<String>,
    #[serde(default)]
    assume: Vec<String>,
    /// Declared shapes (`"W: 3x4, x: 4"`, or a list of such): the formula is in matrix form.
    #[serde(default)]
    shape: Option<ShapeList>,
}

/// One declaration of shapes, or several.
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum ShapeList {
    One(String),
    Many(Vec<String>),
}

impl ShapeList {
    fn shapes(&self) -> Result<Shapes, String> {
        let list = match self {
            ShapeList::One(one) => std::slice::from_ref(one),
            ShapeList::Many(many) => many.as_slice(),
        };
        let mut shapes = Shapes::default();
        for text in list {
            shapes.add(text).map_err(|e| format!("`shape`: {}", e.message))?;
        }
        Ok(shapes)
    }
}

/// A TOML error in an answers file.
#[derive(Debug)]
struct BadAnswers(toml::de::Error);

impl std::fmt::Display for BadAnswers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "not an answers file: {}", self.0.message())
    }
}

impl Problem for BadAnswers {
    fn kind(&self) -> &'static str {
        "bad_answers"
    }
    fn span(&self) -> Option<Range<usize>> {
        self.0.span()
    }
    fn help(&self) -> Option<String> {
        Some("an answers file has [[step]], [[query]] and [[formula]] tables; see grammar/check.md".into())
    }
}

/// Checks every answer of an answers file (`name` for its diagnostics).
pub fn check_answers(text: &str, name: &str, options: &CheckOptions) -> Result<Vec<Claim>, Box<Diagnostic>> {
    let file: AnswersFile = toml::from_str(text).map_err(|e| Box::new(Diagnostic::new(&BadAnswers(e), name, text)))?;
    let mut claims = Vec::new();
    let trace = options.exercise.as_deref();
    for (k, step) in file.step.iter().enumerate() {
        let truth = |key: &str| trace.and_then(|t| step_value(t, k, key));
        for (key, value) in step {
            let what = format!("step {} {key}", k + 1);
            claims.push(value_claim(text, &what, value, truth(key), trace.is_some(), options.tolerance));
        }
    }
    for (k, query) in file.query.iter().enumerate() {
        let truth = |key: &str| trace.and_then(|t| query_value(t, k, key));
        for (key, value) in query {
            let what = format!("query {} {key}", k + 1);
            claims.push(value_claim(text, &what, value, truth(key), trace.is_some(), options.tolerance));
        }
    }
    for formula in &file.formula {
        claims.push(formula_claim(text, formula));
    }
    claims.sort_by_key(|c| c.range.start);
    Ok(claims)
}

fn claim(text: &str, range: Range<usize>, what: String, outcome: Outcome) -> Claim {
    let (line, column) = line_column(text, range.start);
    let (verdict, expected, got, note) = match outcome {
        Outcome::Correct(how) => (Verdict::Correct, None, None, Some(how)),
        Outcome::Wrong { expected, got, note } => (Verdict::Wrong, Some(expected), Some(got), Some(note)),
        Outcome::Invalid(why) => (Verdict::Wrong, None, None, Some(why)),
        Outcome::Unchecked(why) => (Verdict::Unchecked, None, None, Some(why)),
    };
    Claim { line, column, text: what, verdict, expected, got, note, range }
}

fn value_claim(
    text: &str,
    what: &str,
    written: &Spanned<toml::Value>,
    truth: Option<Value>,
    exercise_given: bool,
    tolerance: Tolerance,
) -> Claim {
    let range = written.span();
    let shown = format!("{what} = {}", squeeze(&text[range.clone()]));
    let outcome = match (to_value(written.get_ref()), truth) {
        (None, _) => Outcome::Unchecked("not a number, a list of numbers or a list of rows".into()),
        (_, None) if exercise_given => Outcome::Unchecked(format!("the exercise's run has no `{what}`")),
        (_, None) => Outcome::Unchecked(format!("nothing to compare `{what}` with (give --exercise)")),
        (Some((value, units)), Some(truth)) => {
            match judge(&[Expected { value: &truth, spread: None }], &value, Some(&units), tolerance) {
                Judgement::Correct => Outcome::Correct("the exercise's value".into()),
                Judgement::Wrong { expected, got, note } => Outcome::Wrong { expected, got, note },
            }
        }
    };
    claim(text, range, shown, outcome)
}

fn formula_claim(text: &str, formula: &FormulaAnswer) -> Claim {
    let f = formula;
    let range = f.answer.span();
    let shown = format!("d/d{} {} = {}", f.wrt, f.of, f.answer.get_ref());
    let outcome = (|| {
        let (defs, assumptions) = parse_context(&f.lets, &f.assume).map_err(|d| d.message.clone())?;
        let of = parse_expr(&f.of).map_err(|e| format!("`of`: {e}"))?;
        let wrt = parse_expr(&f.wrt).map_err(|e| format!("`wrt`: {e}"))?;
        let answer = parse_expr(f.answer.get_ref()).map_err(|e| format!("`answer`: {e}"))?;
        let symbols = Symbols::with(defs, assumptions);
        Ok::<_, String>(match &f.shape {
            Some(list) => {
                let Node::Var(name) = &wrt.node else {
                    return Err(format!("`wrt`: a matrix form is a derivative by a whole name, not `{wrt}`"));
                };
                symbols.matrix_derivative_claim(&of, name, &answer, &list.shapes()?)
            }
            None => symbols.derivative_claim(&of, &wrt, &answer),
        })
    })()
    .unwrap_or_else(Outcome::Unchecked);
    claim(text, range, shown, outcome)
}

/// A TOML answer as a value, with the unit of each entry's last written digit.
fn to_value(v: &toml::Value) -> Option<(Value, Value)> {
    let number = |v: &toml::Value| -> Option<(Number, Number)> {
        let (x, text) = match v {
            toml::Value::Integer(n) => (*n as f64, n.to_string()),
            toml::Value::Float(x) => (*x, x.to_string()),
            _ => return None,
        };
        let decimals = text.split_once('.').map_or(0, |(_, f)| f.len()) as i32;
        Some((Number::approx(x).ok()?, Number::approx(10f64.powi(-decimals)).ok()?))
    };
    match v {
        toml::Value::Array(items) if items.iter().all(|i| matches!(i, toml::Value::Array(_))) => {
            let rows = items
                .iter()
                .map(|row| row.as_array()?.iter().map(number).collect::<Option<Vec<_>>>())
                .collect::<Option<Vec<_>>>()?;
            let split = |part: fn(&(Number, Number)) -> Number| -> Vec<Vec<Number>> {
                rows.iter().map(|r| r.iter().map(part).collect()).collect()
            };
            Some((column(split(|p| p.0.clone())), column(split(|p| p.1.clone()))))
        }
        toml::Value::Array(items) => {
            let entries = items.iter().map(number).collect::<Option<Vec<_>>>()?;
            Some((
                Value::Vector(entries.iter().map(|p| p.0.clone()).collect()),
                Value::Vector(entries.iter().map(|p| p.1.clone()).collect()),
            ))
        }
        other => number(other).map(|(x, u)| (Value::Scalar(x), Value::Scalar(u))),
    }
}

/// Rows as a value: one column is a vector (`[[-0.11], [0.13]]` as `run --format json` writes one).
fn column(rows: Vec<Vec<Number>>) -> Value {
    if !rows.is_empty() && rows.iter().all(|r| r.len() == 1) {
        return Value::Vector(rows.into_iter().flatten().collect());
    }
    Value::Matrix(rows)
}

/// The value of `key` (`z1`, `a2`, `delta1`, `dW2`, `db1`, `W1`, `b2`, `loss`) at step `k`.
fn step_value(trace: &Trace, k: usize, key: &str) -> Option<Value> {
    let step = trace.steps.get(k)?;
    let layer = |prefix: &str| key.strip_prefix(prefix)?.parse::<usize>().ok().filter(|l| *l >= 1);
    if key == "loss" {
        return match step.loss.as_slice() {
            [one] => Some(Value::Scalar(one.clone())),
            many => Some(Value::Vector(many.to_vec())),
        };
    }
    if let Some(value) = forward_value(&step.forward, key) {
        return Some(value);
    }
    let matrix = |m: &crate::exercise::matrix::Matrix| column(m.to_rows());
    if let Some(l) = layer("delta") {
        return step.backward.delta.get(l - 1).map(matrix);
    }
    // The parameters and gradients as the exercise writes them (biases apart or folded).
    let bias = trace.exercise.bias;
    let depth = step.params.weights.len();
    let gradients = (1..=depth).flat_map(|l| step.backward.gradients_written(l, bias));
    let (_, value) = gradients.chain(step.params.written(bias)).find(|(name, _)| name == key)?;
    Some(matrix(&value))
}

/// The value of `key` (`z1`, `a2`, `output`, `class`) for query `k`.
fn query_value(trace: &Trace, k: usize, key: &str) -> Option<Value> {
    let query = trace.queries.get(k)?;
    match key {
        "class" => Some(Value::Scalar(Number::int(query.class as i64))),
        "output" => Some(Value::Vector(query.output.clone())),
        _ => forward_value(&query.forward, key),
    }
}

fn forward_value(forward: &Forward, key: &str) -> Option<Value> {
    let column_of = |m: &crate::exercise::matrix::Matrix| column(m.to_rows());
    if let Some(l) = key.strip_prefix('z').and_then(|l| l.parse::<usize>().ok()) {
        return forward.z.get(l.checked_sub(1)?).map(column_of);
    }
    let l = key.strip_prefix('a')?.parse::<usize>().ok()?;
    forward.a.get(l).map(column_of)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn options() -> CheckOptions {
        let source = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/seed_ex1_sigmoid.toml"))
            .expect("the example");
        CheckOptions { exercise: Some(Arc::new(crate::exercise::run(&source).expect("runs"))), ..Default::default() }
    }

    #[test]
    fn values_are_judged_against_the_run_and_formulas_against_the_engine() {
        let answers = "[[step]]\ndelta2 = [[-0.1139], [0.1344]]\nz1 = [0.2, 0.3, 0.2]\n\n[[query]]\nclass = 1\n\n[[formula]]\nof = \"sigmoid(x)\"\nwrt = \"x\"\nanswer = \"sigmoid(x)*(1 + sigmoid(x))\"\n";
        let claims = check_answers(answers, "answers.toml", &options()).expect("reads");
        let verdicts: Vec<(usize, Verdict)> = claims.iter().map(|c| (c.line, c.verdict)).collect();
        assert_eq!(
            verdicts,
            vec![(2, Verdict::Correct), (3, Verdict::Wrong), (6, Verdict::Correct), (11, Verdict::Wrong)],
            "{claims:#?}"
        );
    }

    #[test]
    fn a_bad_file_is_an_error_with_a_position() {
        let err = check_answers("[[stepp]]\nx = 1\n", "answers.toml", &CheckOptions::default()).unwrap_err();
        assert!(err.message.contains("not an answers file"), "{err:?}");
        assert!(err.line_column().is_some());
    }
}
