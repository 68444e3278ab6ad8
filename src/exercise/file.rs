//! The exercise file (TOML) read into a validated [`Exercise`]. Keys are checked by serde
//! (`deny_unknown_fields`); numbers are read from their decimal text, so `0.1` is exactly 1/10;
//! every error names its key and points into the file. The format is `grammar/exercise.md`.

use super::budget::{check_memory, BudgetSpans, RunShape};
use super::error::ExerciseError;
use super::matrix::Matrix;
use super::tensor::RawTensor;
use super::trace::Keep;
use crate::eval::number::Number;
use crate::syntax::ast::{Expr, Func, Node, Span};
use crate::syntax::parse::parse_expr;
use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

/// The activation of the output layer.
#[derive(Clone, Debug, PartialEq)]
pub enum OutputActivation {
    /// `softmax(z)` over the whole output layer.
    Softmax,
    /// A function applied to each output unit: an expression in `x`.
    Elementwise(Expr),
}

/// How the parameters are updated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// One update per sample, in order.
    Sgd,
    /// One update per pass with the gradient summed over all samples.
    Batch,
}

/// How numbers are kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arithmetic {
    /// Exact rationals wherever the math allows, f64 after a transcendental function.
    Exact,
    /// f64 from the start (for big networks).
    F64,
}

/// One training sample.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    /// The input (one entry per input unit).
    pub x: Vec<Number>,
    /// The target (one entry per output unit).
    pub y: Vec<Number>,
}

/// Where some keys are in the file, for errors found after reading it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct KeySpans {
    /// `network.activation`'s value.
    pub activation: Span,
    /// `network.output`'s value.
    pub output: Span,
    /// `network.loss`'s value.
    pub loss: Span,
    /// The keys a budget error names.
    pub budget: BudgetSpans,
}

/// How a step's gradients (and its loss) combine over the step's samples.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reduction {
    /// Summed (the seeds' convention, the default).
    Sum,
    /// Averaged (PyTorch's default).
    Mean,
}

/// How the biases are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Bias {
    /// Beside the weights: `z<l> = W<l> a<l-1> + b<l>` (the default).
    #[default]
    Separate,
    /// Folded into the weights: the first column of `W<l>` is the layer's biases and its input
    /// gets a leading 1, `z<l> = W<l> [1; a<l-1>]`; there is no `b<l>`.
    Folded,
}

/// What a query is expected to give.
#[derive(Clone, Debug, PartialEq)]
pub enum Expectation {
    /// The class (the largest output, from 1), alone.
    Class(usize),
    /// The outputs.
    Output(Vec<Number>),
}

/// A validated exercise: a network, its initial parameters, how to train it, the samples and
/// the query points.
#[derive(Clone, Debug, PartialEq)]
pub struct Exercise {
    /// Units per layer, input first (layers are numbered 0..L).
    pub layers: Vec<usize>,
    /// The hidden layers' activation, an expression in `x`; `None` when there is no hidden layer.
    pub activation: Option<Expr>,
    /// The output layer's activation.
    pub output: OutputActivation,
    /// The loss for one sample, an expression in `yhat[i]` and `y[i]` with no free index.
    pub loss: Expr,
    /// The text of `activation`, `output` and `loss` as written (names like `sigmoid` kept).
    pub names: [String; 3],
    /// `weights[l - 1]` is `W<l>`, of shape (units in layer l) x (units in layer l-1).
    pub weights: Vec<Matrix>,
    /// `biases[l - 1]` is `b<l>`.
    pub biases: Vec<Vec<Number>>,
    /// The learning rate.
    pub rate: Number,
    /// SGD or batch.
    pub mode: Mode,
    /// How a step's gradients combine over its samples.
    pub reduction: Reduction,
    /// How the biases are written.
    pub bias: Bias,
    /// Passes over the samples.
    pub steps: usize,
    /// Exact or f64 arithmetic.
    pub arithmetic: Arithmetic,
    /// The training samples, in order.
    pub samples: Vec<Sample>,
    /// The query points (inputs).
    pub queries: Vec<Vec<Number>>,
    /// What each query is expected to give, when the file says (`class = 2`, `output = [1]`).
    pub expectations: Vec<Option<Expectation>>,
    /// Whether the file trains the network (`[train]`); without it, the queries are evaluated
    /// with the initial parameters.
    pub trains: bool,
    /// For `deltaform check`: a document's own notations (LaTeX, as written) and the quantity
    /// each stands for (`"x_{new}^{[2]}" = "query.a2"`), from the `[check.names]` table.
    pub check_names: Vec<(String, Quantity)>,
    /// Where some keys are, for later errors.
    pub spans: KeySpans,
}

/// A quantity of a run, as `[check.names]` names it: `dW2`, `step.a1`, `query.a2`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Quantity {
    /// Where it is taken from: the steps, the queries, or wherever it comes next.
    pub from: Phase,
    /// Its key in `deltaform run --format json`: `z1`, `a2`, `delta1`, `dW1`, `db1`, `W1`, `b1`, `loss`.
    pub key: String,
}

/// The part of a run a quantity is taken from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Wherever it comes next.
    Any,
    /// The training steps (and the initial parameters).
    Step,
    /// The queries.
    Query,
}

/// The largest number of passes accepted.
pub const MAX_STEPS: usize = 10_000;

/// The squared-error loss.
pub const SQUARED_ERROR: &str = "1/2*sum(i, (yhat[i] - y[i])^2)";
/// The cross-entropy loss.
pub const CROSS_ENTROPY: &str = "-sum(i, y[i]*log(yhat[i]))";

// ---------------------------------------------------------------------------------------------
// The raw file, as serde reads it.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    network: Spanned<RawNetwork>,
    #[serde(default)]
    init: Option<Spanned<BTreeMap<Spanned<String>, Spanned<RawTensor>>>>,
    #[serde(default)]
    train: Option<Spanned<RawTrain>>,
    #[serde(default)]
    sample: Vec<Spanned<RawSample>>,
    #[serde(default)]
    query: Vec<Spanned<RawQuery>>,
    #[serde(default)]
    check: Option<RawCheck>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCheck {
    #[serde(default)]
    names: BTreeMap<String, Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNetwork {
    layers: Spanned<Vec<Spanned<i64>>>,
    activation: Option<Spanned<String>>,
    output: Spanned<String>,
    loss: Option<Spanned<String>>,
    bias: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTrain {
    rate: Spanned<RawTensor>,
    mode: Option<Spanned<String>>,
    reduction: Option<Spanned<String>>,
    steps: Option<Spanned<i64>>,
    arithmetic: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSample {
    x: Spanned<RawTensor>,
    y: Spanned<RawTensor>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuery {
    x: Spanned<RawTensor>,
    class: Option<Spanned<i64>>,
    output: Option<Spanned<RawTensor>>,
}

// ---------------------------------------------------------------------------------------------
// Reading values.

/// Reads an exercise file's text, for a run that keeps every step.
pub fn parse_exercise(src: &str) -> Result<Exercise, ExerciseError> {
    parse_exercise_keeping(src, Keep::EveryStep)
}

/// Reads an exercise file's text, for a run that keeps what `keep` says (which decides the
/// memory it needs).
pub fn parse_exercise_keeping(src: &str, keep: Keep) -> Result<Exercise, ExerciseError> {
    let raw: RawFile = toml::from_str(src).map_err(|e| {
        let message = e.message().trim();
        let message = match e.span().and_then(|s| table_at(src, s.start)) {
            Some(table) if !message.contains(&table) => format!("in {table}: {message}"),
            _ => message.to_string(),
        };
        ExerciseError::Toml { message, span: e.span() }
    })?;
    Reader { src, keep }.exercise(raw)
}

/// Where the byte `at` of `src` is, for a `toml` error: the header of its table (`[train]`,
/// `[[sample]]`) and the key of its line (`layers`), when they can be told.
fn table_at(src: &str, at: usize) -> Option<String> {
    let line_end = src.get(at..)?.find('\n').map_or(src.len(), |k| at + k);
    let mut key = None;
    for line in src[..line_end].lines().rev().map(str::trim) {
        if line.starts_with('[') {
            let end = line.rfind(']').map_or(line.len(), |k| k + 1);
            let table = &line[..end];
            return Some(match key {
                Some(k) => format!("{table}, `{k}`"),
                None => table.to_string(),
            });
        }
        if key.is_none() {
            let name = line.split('=').next().unwrap_or("").trim();
            let plain = !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || "_-.".contains(c));
            if line.contains('=') && plain {
                key = Some(name.to_string());
            }
        }
    }
    None
}

/// Reads the raw file's values, with the file's text for spans and numbers.
pub(super) struct Reader<'a> {
    pub(super) src: &'a str,
    /// What the run keeps of its steps.
    keep: Keep,
}

pub(super) fn span_of<T>(s: &Spanned<T>) -> Span {
    s.span()
}

pub(super) fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

impl Reader<'_> {
    /// The value of a key that is one of two names, the first the default.
    fn choice<T: Copy>(
        &self,
        value: &Option<Spanned<String>>,
        key: &str,
        options: [(&str, T); 2],
    ) -> Result<T, ExerciseError> {
        let Some(value) = value else { return Ok(options[0].1) };
        let name = value.get_ref().as_str();
        options.iter().find(|(n, _)| *n == name).map(|(_, v)| *v).ok_or_else(|| {
            ExerciseError::invalid(
                key,
                format!("`{name}` is not one of \"{}\", \"{}\"", options[0].0, options[1].0),
                span_of(value),
            )
        })
    }

    /// The `[check.names]` table: each value a quantity of a network of `depth` layers.
    fn check_names(
        &self,
        check: Option<RawCheck>,
        depth: usize,
        bias: Bias,
    ) -> Result<Vec<(String, Quantity)>, ExerciseError> {
        // Folded biases are part of W<l>: there is no b<l> or db<l>.
        let biases: &[&str] = if bias == Bias::Folded { &[] } else { &["db", "b"] };
        let mut out = Vec::new();
        for (latex, target) in check.map(|c| c.names).unwrap_or_default() {
            let text = target.get_ref().trim();
            let (from, key) = match text.split_once('.') {
                Some(("step", key)) => (Phase::Step, key),
                Some(("query", key)) => (Phase::Query, key),
                None => (Phase::Any, text),
                // Another prefix: no quantity.
                Some(_) => (Phase::Any, ""),
            };
            let layer = |prefix: &str| key.strip_prefix(prefix).and_then(|l| l.parse::<usize>().ok());
            let in_range = |l: Option<usize>, least: usize| l.is_some_and(|l| (least..=depth).contains(&l));
            // A query has only its forward pass: nets and activations.
            let in_a_query = key.starts_with('z') || key.starts_with('a');
            let known = (from != Phase::Query || in_a_query)
                && (key == "loss"
                    || in_range(layer("a"), 0)
                    || ["z", "delta", "dW", "W"].iter().chain(biases).any(|p| in_range(layer(p), 1)));
            if !known {
                return Err(ExerciseError::invalid(
                    "check.names",
                    format!("`{text}` is not a quantity of this run"),
                    span_of(&target),
                )
                .with_help(format!(
                    "write z1..z{depth}, a0..a{depth}, delta<l>, dW<l>, {}W<l>, {}or loss, optionally after step. or query. (query.z<l>, query.a<l>)",
                    if bias == Bias::Folded { "" } else { "db<l>, " },
                    if bias == Bias::Folded { "" } else { "b<l> " },
                )));
            }
            out.push((latex, Quantity { from, key: key.to_string() }));
        }
        Ok(out)
    }

    fn exercise(&self, raw: RawFile) -> Result<Exercise, ExerciseError> {
        let net = raw.network.into_inner();
        let layers = self.layers(&net.layers)?;
        let depth = layers.len() - 1;
        let activation =
            match (&net.activation, depth) {
                (Some(a), _) => Some(self.activation(a, "network.activation", false)?),
                (None, 1) => None,
                (None, _) => return Err(ExerciseError::invalid(
                    "network.activation",
                    "missing: the hidden layers need an activation",
                    0..0,
                )
                .with_help(
                    "add `activation = \"sigmoid\"` (or a name like tanh, relu, or an expression in x) under [network]",
                )),
            };
        let output = match self.activation(&net.output, "network.output", true)? {
            Act::Softmax => OutputActivation::Softmax,
            Act::Elementwise(e) => OutputActivation::Elementwise(e),
        };
        let activation = activation.map(|a| match a {
            Act::Elementwise(e) => e,
            Act::Softmax => unreachable!("softmax is refused for hidden layers"),
        });
        let trains = raw.train.is_some();
        let loss = match (&net.loss, trains) {
            (Some(loss), _) => self.loss(loss, layers[depth])?,
            (None, false) => parse_expr(SQUARED_ERROR).expect("the built-in losses parse"),
            (None, true) => {
                return Err(ExerciseError::invalid("network.loss", "missing: training needs a loss", 0..0)
                    .with_help("add `loss = \"squared_error\"` (or cross_entropy, or an expression) under [network]"))
            }
        };
        let names = [
            net.activation.as_ref().map_or(String::new(), |a| a.get_ref().trim().to_string()),
            net.output.get_ref().trim().to_string(),
            net.loss.as_ref().map_or("(none)".to_string(), |l| l.get_ref().trim().to_string()),
        ];
        if !trains && !raw.sample.is_empty() {
            return Err(ExerciseError::invalid(
                "sample",
                "samples but no [train]: nothing uses them",
                span_of(&raw.sample[0]),
            )
            .with_help(
                "add a [train] table (rate = ...) to train on them, or remove them to only evaluate the queries",
            ));
        }
        if !trains && raw.query.is_empty() {
            return Err(ExerciseError::invalid("query", "nothing to do: no [train] and no [[query]]", 0..0).with_help(
                "add [[query]] tables (x = [...]) to evaluate the network, or [train] and samples to train it",
            ));
        }
        let train_span = raw.train.as_ref().map_or(0..0, span_of);
        let train = raw.train.map(Spanned::into_inner).unwrap_or(RawTrain {
            rate: Spanned::new(0..0, RawTensor::Text("1".into())),
            mode: None,
            reduction: None,
            steps: None,
            arithmetic: None,
        });
        let spans = KeySpans {
            activation: net.activation.as_ref().map_or(0..0, span_of),
            output: span_of(&net.output),
            loss: net.loss.as_ref().map_or(0..0, span_of),
            budget: BudgetSpans {
                layers: span_of(&net.layers),
                steps: train.steps.as_ref().map_or(train_span, span_of),
                queries: raw.query.first().map_or(0..0, span_of),
            },
        };
        let arithmetic = self.choice(
            &train.arithmetic,
            "train.arithmetic",
            [("exact", Arithmetic::Exact), ("f64", Arithmetic::F64)],
        )?;
        let rate = self.scalar(&train.rate, "train.rate")?;
        if rate.compare(&Number::int(0)) != std::cmp::Ordering::Greater {
            return Err(ExerciseError::invalid(
                "train.rate",
                "the learning rate must be positive",
                span_of(&train.rate),
            ));
        }
        let mode = self.choice(&train.mode, "train.mode", [("sgd", Mode::Sgd), ("batch", Mode::Batch)])?;
        let reduction =
            self.choice(&train.reduction, "train.reduction", [("sum", Reduction::Sum), ("mean", Reduction::Mean)])?;
        let steps = match &train.steps {
            None if !trains => 0,
            None => 1,
            Some(s) if (1..=MAX_STEPS as i64).contains(s.get_ref()) => *s.get_ref() as usize,
            Some(s) => {
                return Err(ExerciseError::invalid(
                    "train.steps",
                    format!("the number of passes must be between 1 and {MAX_STEPS}"),
                    span_of(s),
                ))
            }
        };
        let shape = RunShape {
            layers: &layers,
            samples: raw.sample.len(),
            queries: raw.query.len(),
            steps,
            mode,
            arithmetic,
            keep: self.keep,
        };
        check_memory(&shape, &spans.budget)?;
        let bias = self.choice(&net.bias, "network.bias", [("separate", Bias::Separate), ("folded", Bias::Folded)])?;
        let (weights, biases) = self.init(raw.init, &layers, bias)?;
        if trains && raw.sample.is_empty() {
            return Err(ExerciseError::invalid("sample", "no training sample", 0..0).with_help(
                "add one: [[sample]] with x = [...] (one entry per input unit) and y = [...] (one per output)",
            ));
        }
        let (n_in, n_out) = (layers[0], layers[depth]);
        let mut samples = Vec::new();
        for (k, s) in raw.sample.iter().enumerate() {
            let s = s.get_ref();
            let key = |name: &str| format!("sample[{}].{name}", k + 1);
            let x = self.vector(&s.x, &key("x"), n_in, "input units (layers[0])")?;
            let y = self.vector(&s.y, &key("y"), n_out, "output units (the last entry of layers)")?;
            samples.push(Sample { x, y });
        }
        let mut queries = Vec::new();
        let mut expectations = Vec::new();
        for (k, q) in raw.query.iter().enumerate() {
            let q = q.get_ref();
            let key = |name: &str| format!("query[{}].{name}", k + 1);
            queries.push(self.vector(&q.x, &key("x"), n_in, "input units (layers[0])")?);
            expectations.push(match (&q.class, &q.output) {
                (Some(_), Some(output)) => {
                    return Err(ExerciseError::invalid(
                        key("output"),
                        "give the class or the output, not both",
                        span_of(output),
                    ))
                }
                (Some(class), None) if (1..=n_out as i64).contains(class.get_ref()) => {
                    Some(Expectation::Class(*class.get_ref() as usize))
                }
                (Some(class), None) => {
                    let message = format!("a class counts the output units from 1 to {n_out}");
                    return Err(ExerciseError::invalid(key("class"), message, span_of(class)));
                }
                (None, Some(output)) => {
                    Some(Expectation::Output(self.vector(output, &key("output"), n_out, "output units")?))
                }
                (None, None) => None,
            });
        }
        let check_names = self.check_names(raw.check, depth, bias)?;
        let mut exercise = Exercise {
            check_names,
            layers,
            activation,
            output,
            loss,
            names,
            weights,
            biases,
            rate,
            mode,
            reduction,
            bias,
            steps,
            arithmetic,
            samples,
            queries,
            expectations,
            trains,
            spans,
        };
        if arithmetic == Arithmetic::F64 {
            exercise.make_approximate();
        }
        Ok(exercise)
    }

    fn layers(&self, layers: &Spanned<Vec<Spanned<i64>>>) -> Result<Vec<usize>, ExerciseError> {
        if layers.get_ref().len() < 2 {
            return Err(ExerciseError::invalid(
                "network.layers",
                "give at least two layers: the inputs and the outputs",
                span_of(layers),
            ));
        }
        layers
            .get_ref()
            .iter()
            .map(|n| match *n.get_ref() {
                k @ 1..=100_000 => Ok(k as usize),
                _ => Err(ExerciseError::invalid(
                    "network.layers",
                    "each layer has between 1 and 100000 units",
                    span_of(n),
                )),
            })
            .collect()
    }

    /// The part of the file a string value's text is in, if the text is written there verbatim.
    fn string_content(&self, s: &Spanned<String>) -> Option<usize> {
        let span = span_of(s);
        let raw = self.src.get(span.clone())?;
        let open = if raw.starts_with("\"\"\"") || raw.starts_with("'''") { 3 } else { 1 };
        let start = span.start + open;
        (self.src.get(start..start + s.get_ref().len()) == Some(s.get_ref().as_str())).then_some(start)
    }

    /// Parses an expression held in a string value, with error spans moved into the file.
    fn expression(&self, s: &Spanned<String>, key: &str) -> Result<(Expr, usize), ExerciseError> {
        let offset = self.string_content(s);
        let text = s.get_ref();
        match parse_expr(text) {
            Ok(e) => Ok((e, offset.unwrap_or(0))),
            Err(error) => {
                let error = match offset {
                    Some(o) => error.shifted(o),
                    None => return Err(ExerciseError::invalid(key, format!("does not parse: {error}"), span_of(s))),
                };
                Err(ExerciseError::Expression { key: key.to_string(), error })
            }
        }
    }

    fn name_span(&self, s: &Spanned<String>, offset: usize, e: &Expr) -> Span {
        if self.string_content(s).is_some() {
            e.span.start + offset..e.span.end + offset
        } else {
            span_of(s)
        }
    }

    fn activation(&self, s: &Spanned<String>, key: &str, output: bool) -> Result<Act, ExerciseError> {
        let text = s.get_ref().trim();
        let x = || Expr::var("x");
        match text {
            "identity" | "linear" => return Ok(Act::Elementwise(x())),
            "softmax" if output => return Ok(Act::Softmax),
            "softmax" => {
                return Err(ExerciseError::invalid(
                    key,
                    "softmax acts on a whole layer; use it as `output`",
                    span_of(s),
                )
                .with_help(
                    "hidden layers take an element-wise activation: sigmoid, tanh, relu, or an expression in x",
                ))
            }
            _ => {}
        }
        if let Some(f) = Func::from_name(text).filter(|f| f.arity() == 1 && !f.takes_vector()) {
            return Ok(Act::Elementwise(Expr::call(f, vec![x()])));
        }
        let (e, offset) = self.expression(s, key)?;
        let help = "an activation is a function name (sigmoid, tanh, relu, softplus, identity, ...) or an \
                    expression in x such as \"relu(x) + sin(x)\"";
        if let Some(bad) = find_node(&e, &mut |n| matches!(n, Node::Reduce(..) | Node::Index(..)) || is_vector_call(n))
        {
            return Err(ExerciseError::invalid(
                key,
                "an activation acts on each unit alone: sums, indices, softmax and logsumexp are not allowed",
                self.name_span(s, offset, bad),
            )
            .with_help(help));
        }
        if let Some(bad) = find_node(&e, &mut |n| matches!(n, Node::Var(v) if v != "x")) {
            return Err(ExerciseError::invalid(key, format!("unknown name `{bad}`"), self.name_span(s, offset, bad))
                .with_help(help));
        }
        Ok(Act::Elementwise(e))
    }

    /// The loss of one sample, for `outputs` output units: a built-in name or an expression.
    fn loss(&self, s: &Spanned<String>, outputs: usize) -> Result<Expr, ExerciseError> {
        let key = "network.loss";
        let text = s.get_ref().trim();
        // `mse` and `bce` as PyTorch's: the mean over the outputs (no 1/2).
        let builtin = match text {
            "squared_error" => Some(SQUARED_ERROR.to_string()),
            "cross_entropy" => Some(CROSS_ENTROPY.to_string()),
            "mse" => Some(format!("sum(i, (yhat[i] - y[i])^2)/{outputs}")),
            "bce" => Some(format!("-sum(i, y[i]*log(yhat[i]) + (1 - y[i])*log(1 - yhat[i]))/{outputs}")),
            _ => None,
        };
        if let Some(src) = builtin {
            return Ok(parse_expr(&src).expect("the built-in losses parse"));
        }
        let (e, offset) = self.expression(s, key)?;
        let free = e.free_names();
        let help = "a loss is squared_error, cross_entropy, mse, bce, or an expression in yhat[i] and y[i] \
                    (summed over i when i is left free), e.g. \"(yhat[i] - y[i])^2\"";
        if let Some(bad) = find_free_var(&e, &mut |v| !["yhat", "y", "i"].contains(&v)) {
            return Err(ExerciseError::invalid(key, format!("unknown name `{bad}`"), self.name_span(s, offset, bad))
                .with_help(help));
        }
        if let Some(bad) = find_whole_use(&e, &["yhat", "y"]) {
            return Err(ExerciseError::invalid(
                key,
                format!("`{bad}` is a vector: use its components, like `{bad}[i]`"),
                self.name_span(s, offset, bad),
            )
            .with_help(help));
        }
        Ok(if free.contains("i") { Expr::sum("i", e) } else { e })
    }

    fn init(
        &self,
        init: Option<Spanned<BTreeMap<Spanned<String>, Spanned<RawTensor>>>>,
        layers: &[usize],
        bias: Bias,
    ) -> Result<(Vec<Matrix>, Vec<Vec<Number>>), ExerciseError> {
        let depth = layers.len() - 1;
        let table = init.map(Spanned::into_inner).unwrap_or_default();
        let mut fill_w = None;
        let mut fill_b = None;
        let mut weights: Vec<Option<Matrix>> = vec![None; depth];
        let mut biases: Vec<Option<Vec<Number>>> = vec![None; depth];
        for (key, value) in &table {
            let name = key.get_ref().as_str();
            let full = format!("init.{name}");
            let layer = |prefix: &str| {
                name.strip_prefix(prefix)
                    .filter(|n| !n.starts_with('0') && n.chars().all(|c| c.is_ascii_digit()))
                    .and_then(|n| n.parse::<usize>().ok())
            };
            let is_bias = name == "biases" || layer("b").is_some();
            if bias == Bias::Folded && is_bias {
                return Err(ExerciseError::invalid(
                    &full,
                    "with bias = \"folded\" the biases are the first column of each W<l>",
                    span_of(key),
                )
                .with_help("write each layer's biases as the first column of its W<l>, or remove bias = \"folded\""));
            }
            match name {
                "weights" => fill_w = Some(self.scalar(value, &full)?),
                "biases" => fill_b = Some(self.scalar(value, &full)?),
                _ if layer("W").is_some_and(|l| (1..=depth).contains(&l)) => {
                    let l = layer("W").unwrap_or(0);
                    weights[l - 1] = Some(self.matrix(value, &full, l, layers, bias)?);
                }
                _ if layer("b").is_some_and(|l| (1..=depth).contains(&l)) => {
                    let l = layer("b").unwrap_or(0);
                    let what = format!("units in layer {l} (layers[{l}])");
                    biases[l - 1] = Some(self.vector(value, &full, layers[l], &what)?);
                }
                _ => {
                    return Err(ExerciseError::invalid(
                        &full,
                        format!(
                            "unknown key: [init] takes `weights`, `biases`, W1..W{depth} and b1..b{depth} \
                             (layers = {layers:?} has {})",
                            plural(depth, "weight layer")
                        ),
                        span_of(key),
                    ))
                }
            }
        }
        let mut ws = Vec::new();
        let mut bs = Vec::new();
        for l in 1..=depth {
            let written = match (weights[l - 1].take(), &fill_w) {
                (Some(w), _) => w,
                (None, Some(v)) if bias == Bias::Folded => Matrix::filled(layers[l], layers[l - 1] + 1, v),
                (None, Some(v)) => Matrix::filled(layers[l], layers[l - 1], v),
                (None, None) => {
                    return Err(ExerciseError::invalid(format!("init.W{l}"), "no initial weights", 0..0).with_help(
                        format!(
                            "give `weights = 0.1` (one value for every weight) or `W{l} = [[...], ...]` under [init]"
                        ),
                    ))
                }
            };
            if bias == Bias::Folded {
                // The first column is the biases; the network computes with them apart.
                let (b, w) = written.split_first_column();
                ws.push(w);
                bs.push(b);
                continue;
            }
            ws.push(written);
            let zero = Number::int(0);
            bs.push(biases[l - 1].take().unwrap_or_else(|| vec![fill_b.clone().unwrap_or(zero); layers[l]]));
        }
        Ok((ws, bs))
    }
}

enum Act {
    Softmax,
    Elementwise(Expr),
}

impl Exercise {
    /// Turns every number into f64 (for `arithmetic = "f64"`).
    pub fn make_approximate(&mut self) {
        let approx = |n: &Number| Number::Approx(n.to_f64());
        let approx_all = |v: &[Number]| v.iter().map(approx).collect::<Vec<_>>();
        self.weights = self
            .weights
            .iter()
            .map(|w| Matrix::from_rows(w.to_rows().iter().map(|r| approx_all(r)).collect()).expect("same shape"))
            .collect();
        self.biases = self.biases.iter().map(|b| approx_all(b)).collect();
        self.rate = approx(&self.rate);
        for s in &mut self.samples {
            s.x = approx_all(&s.x);
            s.y = approx_all(&s.y);
        }
        self.queries = self.queries.iter().map(|q| approx_all(q)).collect();
        self.arithmetic = Arithmetic::F64;
    }

    /// The size of a run that keeps what `keep` says, for estimating what it costs.
    pub fn shape(&self, keep: Keep) -> RunShape<'_> {
        RunShape {
            keep,
            layers: &self.layers,
            samples: self.samples.len(),
            queries: self.queries.len(),
            steps: self.steps,
            mode: self.mode,
            arithmetic: self.arithmetic,
        }
    }

    /// The number of weight layers, L.
    pub fn depth(&self) -> usize {
        self.layers.len() - 1
    }
}

fn is_vector_call(n: &Node) -> bool {
    matches!(n, Node::Call(f, _) if f.takes_vector())
}

/// The first node (pre-order) whose kind satisfies `pred`.
fn find_node<'e>(e: &'e Expr, pred: &mut dyn FnMut(&Node) -> bool) -> Option<&'e Expr> {
    if pred(&e.node) {
        return Some(e);
    }
    e.children().into_iter().find_map(|c| find_node(c, pred))
}

/// The first free name (pre-order) satisfying `pred`.
fn find_free_var<'e>(e: &'e Expr, pred: &mut dyn FnMut(&str) -> bool) -> Option<&'e Expr> {
    fn go<'e>(e: &'e Expr, bound: &mut Vec<String>, pred: &mut dyn FnMut(&str) -> bool) -> Option<&'e Expr> {
        match &e.node {
            Node::Var(v) if !bound.contains(v) && pred(v) => Some(e),
            Node::Reduce(_, i, count, body) => {
                if let Some(found) = count.as_deref().and_then(|c| go(c, bound, pred)) {
                    return Some(found);
                }
                bound.push(i.clone());
                let found = go(body, bound, pred);
                bound.pop();
                found
            }
            _ => e.children().into_iter().find_map(|c| go(c, bound, pred)),
        }
    }
    go(e, &mut Vec::new(), pred)
}

/// The first use of one of `names` that is not the base of an index (`y` alone, not `y[i]`).
fn find_whole_use<'e>(e: &'e Expr, names: &[&str]) -> Option<&'e Expr> {
    match &e.node {
        Node::Var(v) if names.contains(&v.as_str()) => Some(e),
        Node::Index(base, idx) => {
            let in_base = if matches!(base.node, Node::Var(_)) { None } else { find_whole_use(base, names) };
            in_base.or_else(|| idx.iter().find_map(|i| find_whole_use(i, names)))
        }
        _ => e.children().into_iter().find_map(|c| find_whole_use(c, names)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exercise::tensor::toml_number;
    use crate::syntax::diagnostic::Problem;
    use num_rational::BigRational;

    const BASE: &str = "[network]\nlayers = [2, 2, 1]\nactivation = \"relu\"\noutput = \"identity\"\n\
                        loss = \"squared_error\"\n[init]\nweights = 0.1\nbiases = \"1/3\"\n[train]\nrate = 0.5\n\
                        [[sample]]\nx = [1, -2.5e-1]\ny = [0x10]\n";

    fn q(n: i64, d: i64) -> Number {
        Number::Exact(BigRational::new(n.into(), d.into()))
    }

    #[test]
    fn numbers_are_read_exactly() {
        let ex = parse_exercise(BASE).unwrap();
        assert_eq!(ex.weights[0].get(1, 1), q(1, 10));
        assert_eq!(ex.biases[1], vec![q(1, 3)]);
        assert_eq!(ex.rate, q(1, 2));
        assert_eq!(ex.samples[0].x, vec![Number::int(1), q(-1, 4)]);
        assert_eq!(ex.samples[0].y, vec![Number::int(16)]);
        assert_eq!((ex.mode, ex.steps, ex.arithmetic), (Mode::Sgd, 1, Arithmetic::Exact));
        assert_eq!(ex.activation.unwrap().to_string(), "relu(x)");
        assert_eq!(toml_number("1_000.5"), Some(q(2001, 2)));
        assert_eq!(toml_number("+inf"), None);
    }

    fn error(src: &str) -> (String, Option<Span>) {
        let e = parse_exercise(src).unwrap_err();
        (e.to_string(), Problem::span(&e))
    }

    #[test]
    fn errors_name_the_key_and_point_into_the_file() {
        let (msg, span) = error(&BASE.replace("rate = 0.5", "rate = 0.5\nspeed = 2"));
        assert!(msg.contains("unknown field `speed`"), "{msg}");
        assert!(span.is_some());
        let src = BASE.replace("weights = 0.1", "weights = 0.1\nW1 = [[1, 2, 3]]");
        let (msg, span) = error(&src);
        assert!(msg.contains("init.W1") && msg.contains("2 x 2"), "{msg}");
        assert_eq!(&src[span.unwrap()], "[[1, 2, 3]]");
        let src = BASE.replace("\"relu\"", "\"relu(x) +* 2\"");
        let (msg, span) = error(&src);
        assert!(msg.contains("network.activation"), "{msg}");
        assert_eq!(&src[span.unwrap()], "*");
        let src = BASE.replace("\"squared_error\"", "\"(yhat[i] - t[i])^2\"");
        let (msg, span) = error(&src);
        assert!(msg.contains("unknown name `t`"), "{msg}");
        assert_eq!(&src[span.unwrap()], "t");
        let (msg, _) = error(&BASE.replace("y = [0x10]", "y = [1, 2]"));
        assert!(msg.contains("sample[1].y") && msg.contains("2 entries"), "{msg}");
        let (msg, _) = error(&BASE.replace("weights = 0.1", "weights = 0.1\nW3 = 1"));
        assert!(msg.contains("init.W3") && msg.contains("unknown key"), "{msg}");
        let (msg, _) = error(&BASE.replace("\"relu\"", "\"softmax\""));
        assert!(msg.contains("whole layer"), "{msg}");
    }

    #[test]
    fn f64_arithmetic_makes_every_number_approximate() {
        let ex = parse_exercise(&BASE.replace("rate = 0.5", "rate = 0.5\narithmetic = \"f64\"")).unwrap();
        assert_eq!(ex.arithmetic, Arithmetic::F64);
        assert!(ex.weights.iter().all(|w| w.entries().all(|n| !n.is_exact())));
        assert_eq!(ex.biases[0][0], Number::Approx(1.0 / 3.0));
        assert!(!ex.rate.is_exact() && !ex.samples[0].y[0].is_exact());
    }

    #[test]
    fn custom_losses_sum_over_a_free_index() {
        let ex = parse_exercise(&BASE.replace("\"squared_error\"", "\"(yhat[i] - y[i])^2\"")).unwrap();
        assert_eq!(ex.loss.to_string(), "sum(i, (yhat[i] - y[i])^2)");
        let (msg, _) = error(&BASE.replace("\"squared_error\"", "\"sum(i, yhat[i]) - y\""));
        assert!(msg.contains("`y` is a vector"), "{msg}");
    }
}
