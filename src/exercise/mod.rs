//! The backprop exercise runner: a short TOML file describes a network, its initial parameters,
//! how to train it, the samples and the query points; [`run`] trains it exactly where the math
//! allows and records every net, activation, delta, gradient and updated parameter, with the
//! formulas used, derived by the symbolic engine.
//!
//! The pipeline: [`file::parse_exercise`] (which refuses a run that would need more memory than
//! [`budget::MEMORY_BUDGET`]) → [`formulas::derive`] → [`budget::check_work`] →
//! [`network::train`] → [`render`].

pub mod backprop;
pub mod budget;
pub mod error;
pub mod file;
pub mod formulas;
pub mod matrix;
pub mod network;
pub mod render;
pub mod substitute;
pub mod tensor;
pub mod trace;

pub use error::ExerciseError;
pub use file::{parse_exercise, Exercise};
pub use trace::{Keep, Trace};

/// Reads an exercise file's text, derives its formulas and runs it, keeping every step, unless
/// the run would exceed the memory or work budget ([`budget`]).
pub fn run(source: &str) -> Result<Trace, ExerciseError> {
    run_reporting(source, Keep::EveryStep, &mut |_, _| {})
}

/// [`run`], keeping what `keep` says and telling `progress` after each training step how many
/// are done of how many.
pub fn run_reporting(source: &str, keep: Keep, progress: &mut dyn FnMut(usize, usize)) -> Result<Trace, ExerciseError> {
    let exercise = file::parse_exercise_keeping(source, keep)?;
    let formulas = formulas::derive(&exercise)?;
    if exercise.trains && formulas.gradients_vanish() {
        return Err(ExerciseError::invalid(
            "train",
            "the network's gradients are 0 wherever they have a value (threshold units): gradient descent cannot train it",
            exercise.spans.budget.steps.clone(),
        )
        .with_help("remove [train] (and the samples) to evaluate the queries with the weights given"));
    }
    budget::check_work(&exercise.shape(keep), &exercise.spans.budget, &formulas)?;
    network::train(exercise, formulas, keep, progress)
}
