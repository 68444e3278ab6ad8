//! What a run will cost, estimated from the file before anything is allocated: the memory it
//! holds and the work it does. The trace keeps every step (parameters, gradients, and the
//! activations and deltas of every sample) unless only the final parameters are asked for
//! (`--summary`), and the renderer reads all it keeps, so both grow with the network's size
//! times the number of steps. A file whose run would exceed [`MEMORY_BUDGET`]
//! or [`WORK_BUDGET`] is refused with the key to change (`network.layers`, `train.steps`) and a
//! caret into the file, so that no file can make `run` exhaust memory or run for hours.

use super::error::ExerciseError;
use super::file::{Arithmetic, Mode, OutputActivation};
use super::formulas::Formulas;
use super::trace::Keep;
use crate::eval::number::Number;
use crate::syntax::ast::{Expr, Node, Span};

/// The most memory a run may need, in bytes (2 GiB).
pub const MEMORY_BUDGET: u64 = 2 << 30;

/// The most work a run may do, in units of about a nanosecond of this machine (an operation
/// on f64 numbers in a tight loop): about half a minute on a 2-core machine.
pub const WORK_BUDGET: u64 = 30_000_000_000;

/// What the operations of a run cost, in work units, in one arithmetic.
struct Costs {
    /// One term of a matrix product.
    product_term: f64,
    /// One entry-wise operation or copy through [`Number`].
    number_op: f64,
    /// One node of a formula, evaluated for one entry.
    eval_node: f64,
}

/// Costs on f64 numbers: products run in `ndarray`, entry-wise operations are f64 loops over
/// arrays; formulas are interpreted (for every sample at once where the batched evaluator can,
/// costed as if it could not).
const F64_COSTS: Costs = Costs { product_term: 1.0, number_op: 2.0, eval_node: 150.0 };

/// Costs on exact numbers of at most [`MAX_EXACT_BITS`](super::network::MAX_EXACT_BITS) bits
/// (big-integer arithmetic with a gcd per operation).
const EXACT_COSTS: Costs = Costs { product_term: 1000.0, number_op: 1000.0, eval_node: 1000.0 };

/// Work to render one number of the trace (formatting it to its significant digits).
const RENDER_COST: f64 = 2000.0;

/// Bytes of an f64 number: 8 in a matrix of f64 entries, with room for the vectors of
/// [`Number`]s beside the matrices (biases, their gradients, the losses).
const F64_BYTES: u64 = 16;

/// Heap bytes of an exact number beside its [`Number`] value: a numerator and a denominator of
/// at most 256 bits each, with the allocator's overhead.
const EXACT_HEAP_BYTES: u64 = 96;

/// Bytes the renderer holds per number of the trace (JSON: a `serde_json` value in a row of its
/// own, and its text).
const RENDER_BYTES: u64 = 160;

/// Bytes of the trace and its rendering per step besides its numbers: the step's matrices and
/// rows, and its JSON object with a key per matrix.
const STEP_BYTES: u64 = 4096;

/// The names a formula of the runner binds to whole vectors (all of the output's length).
const VECTOR_NAMES: [&str; 3] = ["z", "y", "yhat"];

/// The size of a run, as read from the file before any number is allocated.
#[derive(Clone, Copy, Debug)]
pub struct RunShape<'a> {
    /// Units per layer, input first.
    pub layers: &'a [usize],
    /// The number of training samples.
    pub samples: usize,
    /// The number of queries.
    pub queries: usize,
    /// Passes over the samples.
    pub steps: usize,
    /// SGD or batch.
    pub mode: Mode,
    /// Exact or f64 arithmetic.
    pub arithmetic: Arithmetic,
    /// What the run keeps of its steps.
    pub keep: Keep,
}

/// Where the keys a budget error names are in the file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BudgetSpans {
    /// `network.layers`'s value.
    pub layers: Span,
    /// `train.steps`'s value, or the `[train]` table when the key is left out.
    pub steps: Span,
    /// The first `[[query]]` table (empty when there is none).
    pub queries: Span,
}

impl RunShape<'_> {
    /// Samples per update (the columns of a step's matrices).
    fn columns(&self) -> f64 {
        match self.mode {
            Mode::Sgd => 1.0,
            Mode::Batch => self.samples as f64,
        }
    }

    /// Updates in the whole run (steps of the trace).
    fn updates(&self) -> f64 {
        match self.mode {
            Mode::Sgd => self.steps as f64 * self.samples as f64,
            Mode::Batch => self.steps as f64,
        }
    }

    /// Weights (entries of every W<l>).
    fn weights(&self) -> f64 {
        self.layers.windows(2).map(|w| w[0] as f64 * w[1] as f64).sum()
    }

    /// Units of every layer but the input (entries of every b<l>, z<l>, delta<l>).
    fn nets(&self) -> f64 {
        self.layers[1..].iter().map(|&n| n as f64).sum()
    }

    /// Units of every layer, the input's too (entries of every a<l>).
    fn units(&self) -> f64 {
        self.layers.iter().map(|&n| n as f64).sum()
    }

    fn parameters(&self) -> f64 {
        self.weights() + self.nets()
    }

    /// Numbers recorded by one update: a, z, delta (one column per sample), dW, db, the new
    /// parameters and the losses.
    fn recorded_per_update(&self) -> f64 {
        2.0 * self.parameters() + (self.units() + 2.0 * self.nets() + 1.0) * self.columns()
    }

    /// Numbers held for the whole run besides the steps and the queries: the initial, current
    /// and working parameters, the transposes and evaluation copies of one update, and the
    /// samples twice.
    fn held(&self) -> f64 {
        let samples = self.samples as f64 * (self.layers[0] + self.layers[self.layers.len() - 1]) as f64;
        5.0 * self.parameters() + 4.0 * self.units() * self.columns() + 2.0 * samples
    }

    /// Numbers recorded by the queries' forward passes.
    fn recorded_by_queries(&self) -> f64 {
        self.queries as f64 * (self.units() + self.nets())
    }

    /// Bytes per number held: the value and its heap (exact numbers).
    fn bytes_per_number(&self) -> f64 {
        match self.arithmetic {
            Arithmetic::Exact => (std::mem::size_of::<Number>() as u64 + EXACT_HEAP_BYTES) as f64,
            Arithmetic::F64 => F64_BYTES as f64,
        }
    }

    /// Numbers rendered besides the steps and the queries: the initial and the final
    /// parameters.
    fn rendered_parameters(&self) -> f64 {
        2.0 * self.parameters()
    }

    /// Bytes needed by the network and one update (parameters, gradients, the activations of
    /// one step's samples), by every step the trace keeps, and by the queries; every number
    /// rendered takes the renderer's share too.
    pub fn memory(&self) -> Memory {
        let held = self.bytes_per_number();
        let rendered = held + RENDER_BYTES as f64;
        let per_step = self.recorded_per_update() * rendered + STEP_BYTES as f64;
        let kept_steps = match self.keep {
            Keep::EveryStep => self.updates(),
            Keep::FinalParameters => 0.0,
        };
        Memory {
            one_step: self.held() * held + per_step + self.rendered_parameters() * RENDER_BYTES as f64,
            steps: kept_steps * per_step,
            queries: self.recorded_by_queries() * rendered,
        }
    }

    /// The work of the whole run, in work units (see [`WORK_BUDGET`]), with the formulas' costs.
    pub fn work(&self, formulas: &Formulas) -> f64 {
        let costs = match self.arithmetic {
            Arithmetic::Exact => &EXACT_COSTS,
            Arithmetic::F64 => &F64_COSTS,
        };
        let c = self.columns();
        let output_units = self.layers[self.layers.len() - 1] as f64;
        let hidden_units = self.nets() - output_units;
        let nodes = |e: &Expr| eval_cost(e, output_units);
        let per_entry = |e: &Option<Expr>| e.as_ref().map_or(0.0, |e| eval_cost(e, 1.0));
        let hidden = hidden_units * c * (per_entry(&formulas.activation) + per_entry(&formulas.activation_derivative));
        let output = match &formulas.output {
            OutputActivation::Softmax => 4.0 * output_units * c,
            OutputActivation::Elementwise(g) => eval_cost(g, 1.0) * output_units * c,
        };
        let plan = &formulas.output_delta_plan;
        let delta_cost = plan.hoisted.iter().map(|(_, e)| nodes(e)).sum::<f64>() + nodes(&plan.body);
        let formulas_nodes = hidden + output + c * output_units * delta_cost + c * nodes(&formulas.loss);
        let entry_ops = 8.0 * self.parameters() + 8.0 * self.units() * c;
        let per_update = 3.0 * self.weights() * c * costs.product_term
            + formulas_nodes * costs.eval_node
            + entry_ops * costs.number_op;
        let per_query = self.weights() * costs.product_term + 8.0 * self.units() * costs.eval_node;
        let rendered_steps = match self.keep {
            Keep::EveryStep => self.updates() * self.recorded_per_update(),
            Keep::FinalParameters => 0.0,
        };
        let rendered = rendered_steps + self.rendered_parameters() + self.recorded_by_queries();
        self.updates() * per_update + self.queries as f64 * per_query + rendered * RENDER_COST
    }

    fn described(&self) -> String {
        let layers = self.layers.iter().map(usize::to_string).collect::<Vec<_>>().join("-");
        let steps = match (self.mode, self.steps) {
            (Mode::Sgd, s) => format!(
                "{} (steps = {s} over {})",
                plural(self.updates() as u64, "update"),
                plural(self.samples as u64, "sample")
            ),
            (Mode::Batch, s) => {
                format!("{} of {}", plural(s as u64, "batch update"), plural(self.samples as u64, "sample"))
            }
        };
        format!("a {layers} network, {steps}")
    }
}

/// The memory of a run, in bytes, in the parts a budget error can name.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Memory {
    /// The network and one update: parameters, gradients, one step's activations.
    pub one_step: f64,
    /// Every step the trace keeps.
    pub steps: f64,
    /// The queries' forward passes.
    pub queries: f64,
}

impl Memory {
    /// The whole run.
    pub fn total(&self) -> f64 {
        self.one_step + self.steps + self.queries
    }
}

/// Refuses a run whose memory would exceed [`MEMORY_BUDGET`]: `network.layers` when the network
/// and one step alone do not fit; else `query` when the queries need more than the steps, and
/// `train.steps` when they do not (the trace keeps every step).
pub fn check_memory(shape: &RunShape, spans: &BudgetSpans) -> Result<(), ExerciseError> {
    let memory = shape.memory();
    let (one_step, whole) = (memory.one_step, memory.total());
    let budget = MEMORY_BUDGET as f64;
    if one_step > budget {
        let what = match shape.mode {
            Mode::Sgd => "its parameters, gradients and the activations of one sample".to_string(),
            Mode::Batch => {
                format!("its parameters, gradients and the activations of {}", plural(shape.samples as u64, "sample"))
            }
        };
        return Err(ExerciseError::invalid(
            "network.layers",
            format!(
                "a run of this network needs about {} for one step alone ({what}), over the memory budget of {}",
                bytes(one_step),
                bytes(budget)
            ),
            spans.layers.clone(),
        )
        .with_help(format!(
            "use fewer units per layer{}",
            match shape.mode {
                Mode::Sgd => "",
                Mode::Batch => " or fewer samples",
            }
        )));
    }
    if whole > budget && memory.queries > memory.steps {
        return Err(ExerciseError::invalid(
            "query",
            format!(
                "the trace keeps every query's forward pass: {} of a {} network need about {}, over the \
                 memory budget of {}",
                count(shape.queries as u64, "query", "queries"),
                shape.layers.iter().map(usize::to_string).collect::<Vec<_>>().join("-"),
                bytes(whole),
                bytes(budget)
            ),
            spans.queries.clone(),
        )
        .with_help("use fewer queries"));
    }
    if whole > budget {
        return Err(ExerciseError::invalid(
            "train.steps",
            format!(
                "the trace keeps every step: {} needs about {}, over the memory budget of {}",
                shape.described(),
                bytes(whole),
                bytes(budget)
            ),
            spans.steps.clone(),
        )
        .with_help(format!("{}; or `--summary` to keep only the final parameters", steps_help(shape))));
    }
    Ok(())
}

/// Refuses a run whose work would exceed [`WORK_BUDGET`]: `train.steps` when there is more than
/// one pass, else `network.layers`.
pub fn check_work(shape: &RunShape, spans: &BudgetSpans, formulas: &Formulas) -> Result<(), ExerciseError> {
    let work = shape.work(formulas);
    if work <= WORK_BUDGET as f64 {
        return Ok(());
    }
    let arithmetic = match shape.arithmetic {
        Arithmetic::Exact => " in exact arithmetic",
        Arithmetic::F64 => "",
    };
    let message = format!(
        "{}{arithmetic} would take roughly {} ({work:.1e} units of work), over the work budget of {:.1e} \
         units (roughly {})",
        shape.described(),
        duration(work),
        WORK_BUDGET as f64,
        duration(WORK_BUDGET as f64)
    );
    let exact_help = match shape.arithmetic {
        Arithmetic::Exact => ", or arithmetic = \"f64\" under [train]",
        Arithmetic::F64 => "",
    };
    if shape.steps > 1 {
        Err(ExerciseError::invalid("train.steps", message, spans.steps.clone())
            .with_help(format!("{}{exact_help}", steps_help(shape))))
    } else {
        Err(ExerciseError::invalid("network.layers", message, spans.layers.clone())
            .with_help(format!("use fewer units per layer or fewer samples{exact_help}")))
    }
}

fn steps_help(shape: &RunShape) -> String {
    match shape.mode {
        Mode::Sgd => "use fewer passes (steps) or fewer samples, or mode = \"batch\" (one update per pass)".into(),
        Mode::Batch => "use fewer passes (steps) or fewer samples".into(),
    }
}

/// The nodes evaluated when `e` is evaluated once, where every vector has `n` entries: one per
/// node, `n` for a whole vector (`softmax(z)`, `yhat` unindexed), and a `sum`'s body `n` times.
pub fn eval_cost(e: &Expr, n: f64) -> f64 {
    match &e.node {
        Node::Reduce(_, _, count, body) => {
            count.as_deref().map_or(0.0, |c| eval_cost(c, n)) + n * (1.0 + eval_cost(body, n))
        }
        Node::Index(base, indices) => {
            let base = if matches!(base.node, Node::Var(_)) { 1.0 } else { eval_cost(base, n) };
            base + indices.iter().map(|i| eval_cost(i, n)).sum::<f64>()
        }
        Node::Var(v) if VECTOR_NAMES.contains(&v.as_str()) => n,
        Node::Call(f, args) if f.takes_vector() => n + args.iter().map(|a| eval_cost(a, n)).sum::<f64>(),
        _ => 1.0 + e.children().into_iter().map(|c| eval_cost(c, n)).sum::<f64>(),
    }
}

/// `1 sample`, `2 samples`.
fn plural(n: u64, word: &str) -> String {
    count(n, word, &format!("{word}s"))
}

fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// How long `work` units take, for people (a unit is about a nanosecond): `40 s`, `3 h`.
fn duration(work: f64) -> String {
    let seconds = work * 1e-9;
    let (value, unit) = match seconds {
        s if s < 120.0 => (s, "s"),
        s if s < 7200.0 => (s / 60.0, "min"),
        s if s < 172_800.0 => (s / 3600.0, "h"),
        s => (s / 86_400.0, "days"),
    };
    format!("{value:.0} {unit}")
}

/// A byte count for people: `640 GiB`, `1.5 MiB`.
fn bytes(n: f64) -> String {
    let units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    let mut value = n;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < units.len() {
        value /= 1024.0;
        unit += 1;
    }
    if value >= 100.0 || unit == 0 {
        format!("{value:.0} {}", units[unit])
    } else {
        format!("{value:.1} {}", units[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exercise::file::parse_exercise;
    use crate::exercise::formulas::derive;
    use crate::syntax::diagnostic::Problem;
    use crate::syntax::parse::parse_expr;

    fn shape(layers: &[usize], steps: usize, arithmetic: Arithmetic) -> RunShape<'_> {
        RunShape { layers, samples: 2, queries: 1, steps, mode: Mode::Sgd, arithmetic, keep: Keep::EveryStep }
    }

    fn spans() -> BudgetSpans {
        BudgetSpans { layers: 10..20, steps: 30..35, queries: 40..49 }
    }

    fn refused_key(e: ExerciseError) -> (String, Option<Span>) {
        match &e {
            ExerciseError::Invalid { key, .. } => (key.clone(), Problem::span(&e)),
            other => panic!("not a budget error: {other}"),
        }
    }

    #[test]
    fn formula_costs_count_sums_and_whole_vectors() {
        let cost = |text: &str| eval_cost(&parse_expr(text).unwrap(), 10.0);
        assert_eq!(cost("x + 1"), 3.0);
        assert_eq!(cost("sigmoid(x)"), 2.0);
        assert_eq!(cost("yhat[k]"), 2.0);
        assert_eq!(cost("softmax(z)[k]"), 10.0 + 10.0 + 1.0);
        assert_eq!(cost("sum(i, y[i])"), 10.0 * (1.0 + 2.0));
        assert_eq!(cost("sum(i, sum(j, y[j]))"), 10.0 * (1.0 + 10.0 * 3.0));
    }

    #[test]
    fn memory_grows_with_the_network_and_the_steps() {
        let small = shape(&[5, 3, 2], 1, Arithmetic::Exact).memory();
        assert!(small.one_step < small.total() && small.total() < 1e6, "{small:?}");
        let ten = shape(&[5, 3, 2], 10, Arithmetic::Exact).memory();
        assert_eq!(ten.steps, 10.0 * small.steps);
        assert_eq!((ten.one_step, ten.queries), (small.one_step, small.queries));
        let f64_small = shape(&[5, 3, 2], 1, Arithmetic::F64).memory();
        assert!(f64_small.one_step < small.one_step, "exact numbers take more room than f64 ones");
        let summary = RunShape { keep: Keep::FinalParameters, ..shape(&[5, 3, 2], 10, Arithmetic::Exact) }.memory();
        assert_eq!((summary.steps, summary.one_step), (0.0, ten.one_step), "a summary keeps no step");
        // A 100000 x 100000 weight matrix alone has 10^10 entries of 16 bytes.
        let huge = shape(&[100_000, 100_000], 1, Arithmetic::F64).memory();
        assert!(huge.one_step > 160e9, "{huge:?}");
    }

    #[test]
    fn memory_refusals_name_the_layers_or_the_steps() {
        assert!(check_memory(&shape(&[784, 128, 10], 1, Arithmetic::F64), &spans()).is_ok());
        let (key, span) =
            refused_key(check_memory(&shape(&[100_000, 100_000], 1, Arithmetic::F64), &spans()).unwrap_err());
        assert_eq!((key.as_str(), span), ("network.layers", Some(10..20)));
        let (key, span) =
            refused_key(check_memory(&shape(&[784, 128, 10], 10_000, Arithmetic::F64), &spans()).unwrap_err());
        assert_eq!((key.as_str(), span), ("train.steps", Some(30..35)));
        let queries = RunShape { queries: 200_000, ..shape(&[1, 500, 500, 1], 1, Arithmetic::F64) };
        let (key, span) = refused_key(check_memory(&queries, &spans()).unwrap_err());
        assert_eq!((key.as_str(), span), ("query", Some(40..49)));
        let message = check_memory(&shape(&[100_000, 100_000], 1, Arithmetic::F64), &spans()).unwrap_err().to_string();
        assert!(message.contains("TiB") && message.contains("2.0 GiB"), "{message}");
    }

    #[test]
    fn work_grows_with_the_steps_and_exactness_and_is_refused_over_the_budget() {
        let src = |steps: usize, arithmetic: &str| {
            format!(
                "[network]\nlayers = [1, 20]\noutput = \"identity\"\nloss = \"sum(j, (yhat[i] - y[j])^2)\"\n\
                 [init]\nweights = 0.1\n[train]\nrate = 0.1\nsteps = {steps}\narithmetic = \"{arithmetic}\"\n\
                 [[sample]]\nx = [1]\ny = [{}]\n",
                ["0"; 20].join(", ")
            )
        };
        let work = |steps, arithmetic| {
            let ex = parse_exercise(&src(steps, arithmetic)).unwrap();
            let formulas = derive(&ex).unwrap();
            let shape = ex.shape(Keep::EveryStep);
            (shape.work(&formulas), check_work(&shape, &ex.spans.budget, &formulas))
        };
        let (one, ok) = work(1, "exact");
        assert!(ok.is_ok());
        let (ten, _) = work(10, "exact");
        assert!((ten / one - 10.0).abs() < 0.5, "{ten} vs {one}");
        let (f64_one, _) = work(1, "f64");
        assert!(f64_one < one / 2.0, "{f64_one} vs {one}");
        let steps_over = (WORK_BUDGET as f64 / one) as usize + 1;
        assert!(steps_over <= crate::exercise::file::MAX_STEPS, "the test needs a loss that costs more");
        let (_, refused) = work(steps_over, "exact");
        let text = src(steps_over, "exact");
        let (key, span) = refused_key(refused.unwrap_err());
        assert_eq!(key, "train.steps");
        assert_eq!(&text[span.unwrap()], steps_over.to_string());
    }

    #[test]
    fn sizes_and_durations_for_people() {
        assert_eq!(bytes(512.0), "512 bytes");
        assert_eq!(bytes(2.0 * 1024.0 * 1024.0 * 1024.0), "2.0 GiB");
        assert_eq!(bytes(640e9), "596 GiB");
        assert_eq!(duration(3e10), "30 s");
        assert_eq!(duration(1e13), "3 h");
    }
}
