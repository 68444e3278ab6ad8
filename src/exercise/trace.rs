//! The recorded run: the formulas, the initial parameters, every step (forward pass, deltas,
//! gradients, updated parameters) and every query. The renderers read it; nothing prints here.

use super::file::{Bias, Exercise, Expectation};
use super::formulas::Formulas;
use super::matrix::{approximate, Matrix};
use crate::eval::number::{NumError, Number};

/// The network's parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct Params {
    /// `weights[l - 1]` is `W<l>`.
    pub weights: Vec<Matrix>,
    /// `biases[l - 1]` is `b<l>`.
    pub biases: Vec<Vec<Number>>,
}

impl Params {
    /// The same parameters with every entry as f64 (an error for an exact entry too large for
    /// f64).
    pub fn approximate(&self) -> Result<Params, NumError> {
        Ok(Params {
            weights: self.weights.iter().map(Matrix::approximate).collect::<Result<_, _>>()?,
            biases: self.biases.iter().map(|b| approximate(b)).collect::<Result<_, _>>()?,
        })
    }

    /// Every layer's parameters as the exercise writes them ([`written`]), layer by layer.
    pub fn written(&self, bias: Bias) -> Vec<(String, Matrix)> {
        (1..=self.weights.len())
            .flat_map(|l| written(l, &self.weights[l - 1], &self.biases[l - 1], bias, ("W", "b")))
            .collect()
    }
}

/// The weights and biases of one layer as the exercise writes them, by name: `W<l>` and `b<l>`
/// (a column), or with folded biases `W<l>` alone with the biases as its first column; `names`
/// is the pair of prefixes (`("W", "b")` or `("dW", "db")`).
pub fn written(
    l: usize,
    weights: &Matrix,
    biases: &[Number],
    bias: Bias,
    names: (&str, &str),
) -> Vec<(String, Matrix)> {
    let (w, b) = names;
    match bias {
        Bias::Separate => {
            vec![(format!("{w}{l}"), weights.clone()), (format!("{b}{l}"), Matrix::column_vector(biases))]
        }
        Bias::Folded => vec![(format!("{w}{l}"), weights.with_first_column(biases))],
    }
}

/// A forward pass over some inputs (one column per input).
#[derive(Clone, Debug, PartialEq)]
pub struct Forward {
    /// `z[l - 1]` is `z<l>`, the nets of layer l.
    pub z: Vec<Matrix>,
    /// `a[l]` is `a<l>`, the activations of layer l; `a[0]` is the input.
    pub a: Vec<Matrix>,
}

/// A backward pass (one column per sample in the deltas; gradients summed over the samples).
#[derive(Clone, Debug, PartialEq)]
pub struct Backward {
    /// `delta[l - 1]` is `delta<l>` = `dE/dz<l>`.
    pub delta: Vec<Matrix>,
    /// `dw[l - 1]` is `dE/dW<l>`.
    pub dw: Vec<Matrix>,
    /// `db[l - 1]` is `dE/db<l>`.
    pub db: Vec<Vec<Number>>,
    /// `propagated[l - 1]` is `W<l+1>^T delta<l+1>`, for the hidden layers `l`.
    pub propagated: Vec<Matrix>,
    /// `slopes[l - 1]` is `f'(z<l>)`, for the hidden layers `l`.
    pub slopes: Vec<Matrix>,
}

impl Backward {
    /// Layer `l`'s gradients as the exercise writes its parameters ([`written`]).
    pub fn gradients_written(&self, l: usize, bias: Bias) -> Vec<(String, Matrix)> {
        written(l, &self.dw[l - 1], &self.db[l - 1], bias, ("dW", "db"))
    }
}

/// One parameter update.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// The pass over the samples (from 1).
    pub pass: usize,
    /// The samples used (indices into the exercise's samples, from 0).
    pub samples: Vec<usize>,
    /// The loss of each sample before the update.
    pub loss: Vec<Number>,
    /// The forward pass.
    pub forward: Forward,
    /// The backward pass.
    pub backward: Backward,
    /// The parameters after the update.
    pub params: Params,
}

/// A forward pass with the final parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct Query {
    /// The forward pass (one column).
    pub forward: Forward,
    /// The output.
    pub output: Vec<Number>,
    /// The class: the position of the largest output, from 1 (the first of equal largest).
    pub class: usize,
    /// Whether another output equals the largest.
    pub tie: bool,
    /// What the file expects of this query, and whether the run gives it.
    pub expected: Option<(Expectation, bool)>,
}

/// Something a reader must know about how the numbers of a run were kept.
#[derive(Clone, Debug, PartialEq)]
pub enum Note {
    /// Exact arithmetic was given up at this step: an exact entry of `matrix` outgrew `bits`
    /// bits, so this step and the rest of the run (the queries too) were computed in f64.
    ExactGivenUp {
        /// The step (from 1).
        step: usize,
        /// The matrix whose entry outgrew the bound (`z2`, `dW1`, ...).
        matrix: String,
        /// The bound, in bits, on an exact numerator or denominator.
        bits: u64,
    },
    /// A query was computed in f64: an exact entry of `matrix` outgrew `bits` bits.
    QueryInF64 {
        /// The query (from 1).
        query: usize,
        /// The matrix whose entry outgrew the bound.
        matrix: String,
        /// The bound, in bits, on an exact numerator or denominator.
        bits: u64,
    },
}

impl std::fmt::Display for Note {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Note::ExactGivenUp { step, matrix, bits } => write!(
                f,
                "exact arithmetic given up at step {step}: an exact entry of {matrix} outgrew {bits} bits \
                 (numerator or denominator), so step {step} and the rest of the run are computed in f64"
            ),
            Note::QueryInF64 { query, matrix, bits } => write!(
                f,
                "query {query} is computed in f64: an exact entry of {matrix} outgrew {bits} bits \
                 (numerator or denominator)"
            ),
        }
    }
}

/// What a run keeps of its steps.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Keep {
    /// Every step (the worked solution).
    #[default]
    EveryStep,
    /// Only the final parameters (and the queries): a long run in constant memory.
    FinalParameters,
}

/// A whole run.
#[derive(Clone, Debug, PartialEq)]
pub struct Trace {
    /// The exercise that was run.
    pub exercise: Exercise,
    /// The formulas used.
    pub formulas: Formulas,
    /// The parameters before training.
    pub initial: Params,
    /// The updates, in order (none kept with [`Keep::FinalParameters`]).
    pub steps: Vec<Step>,
    /// How many updates were made.
    pub updates: usize,
    /// The parameters after the last update (the initial ones without training).
    pub final_params: Params,
    /// The queries, in order.
    pub queries: Vec<Query>,
    /// How the numbers were kept, where a reader must know (in the order they arose).
    pub notes: Vec<Note>,
}
