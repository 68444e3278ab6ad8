//! The recorded run: the formulas, the initial parameters, every step (forward pass, deltas,
//! gradients, updated parameters) and every query. The renderers read it; nothing prints here.

use super::file::Exercise;
use super::formulas::Formulas;
use super::matrix::Matrix;
use crate::number::Number;

/// The network's parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct Params {
    /// `weights[l - 1]` is `W<l>`.
    pub weights: Vec<Matrix>,
    /// `biases[l - 1]` is `b<l>`.
    pub biases: Vec<Vec<Number>>,
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
    /// The updates, in order.
    pub steps: Vec<Step>,
    /// The queries, in order.
    pub queries: Vec<Query>,
}
