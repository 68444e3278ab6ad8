//! The Python bindings of deltaform: the `deltaform` command run in-process (its JSON output is
//! what the Python layer reads), the command itself for the `deltaform` script, and f64
//! evaluation at many points for `lambdify`. Everything else lives in the Python package
//! `deltaform` (python/deltaform), which raises its exceptions from what these return. A Rust
//! panic never crosses into Python: it comes back as an outcome of its own.

use deltaform::cli::{self, Invocation};
use deltaform::defs::Definitions;
use deltaform::derive::parse_context;
use deltaform::eval::bindings::parse_bindings;
use deltaform::eval::many::eval_many;
use deltaform::syntax::diagnostic::{Diagnostic, Problem};
use deltaform::syntax::parse::parse_expr;
use pyo3::prelude::*;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// What a call gave back to Python: a tag, then the tag's values.
type Outcome = (&'static str, Py<PyAny>);

/// Runs `f`, turning a panic into the outcome `("panic", message)`.
fn guarded(py: Python<'_>, f: impl FnOnce() -> PyResult<Outcome>) -> PyResult<Outcome> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(outcome) => outcome,
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic without a message".to_string());
            Ok(("panic", message.into_pyobject(py)?.into_any().unbind()))
        }
    }
}

/// A diagnostic as (its JSON, its caret-pointing text).
fn diagnostic(py: Python<'_>, d: &Diagnostic) -> PyResult<Py<PyAny>> {
    Ok((d.to_json().to_string(), d.render_text()).into_pyobject(py)?.into_any().unbind())
}

/// Runs the `deltaform` command on `args` (without the program name) and returns
/// `("done", (exit code, stdout, warnings))`, `("failed", (error JSON, error text, notes))`,
/// `("usage", (text, is_error))` or `("panic", message)`.
#[pyfunction]
fn invoke(py: Python<'_>, args: Vec<String>) -> PyResult<Outcome> {
    let argv = std::iter::once("deltaform".to_string()).chain(args);
    guarded(py, || {
        Ok(match py.detach(|| cli::invoke(argv)) {
            Invocation::Done(out) => {
                ("done", (out.code, out.stdout, out.warnings).into_pyobject(py)?.into_any().unbind())
            }
            Invocation::Failed(failure, notes) => {
                let d = &failure.diagnostic;
                ("failed", (d.to_json().to_string(), d.render_text(), notes).into_pyobject(py)?.into_any().unbind())
            }
            Invocation::Usage(err) => {
                ("usage", (err.render().to_string(), err.use_stderr()).into_pyobject(py)?.into_any().unbind())
            }
        })
    })
}

/// The `deltaform` command, printing as the binary does; returns its exit code. `argv` is
/// `sys.argv` (the program name first).
#[pyfunction]
fn main(py: Python<'_>, argv: Vec<String>) -> u8 {
    py.detach(|| catch_unwind(|| cli::run(argv)).unwrap_or(cli::EXIT_BAD_INPUT))
}

/// `expr` (with the definitions `lets`) in f64 at `points` points: the names of `varying` take
/// one value per point, the names bound by `fixed` (`'z=[1, 2], k=2'`) one value for all.
/// Returns `("values", (values, failed count, first failure))`, the first failure being
/// `(point, error kind, message)` or None, or `("failed", (error JSON, error text, []))` for bad
/// input.
#[pyfunction]
fn evaluate_many(
    py: Python<'_>,
    expr: String,
    lets: Vec<String>,
    fixed: String,
    varying: Vec<(String, Vec<f64>)>,
    points: usize,
) -> PyResult<Outcome> {
    guarded(py, || {
        let e = match parse_expr(&expr) {
            Ok(e) => e,
            Err(err) => return Ok(("failed", diagnostic(py, &Diagnostic::new(&err, "EXPR", &expr))?)),
        };
        let defs: Definitions = match parse_context(&lets, &[]) {
            Ok((defs, _)) => defs,
            Err(d) => return Ok(("failed", diagnostic(py, &d)?)),
        };
        let fixed_env = match parse_bindings(&fixed) {
            Ok(env) => env,
            Err(err) => return Ok(("failed", diagnostic(py, &Diagnostic::new(&err, "values", &fixed))?)),
        };
        if let Some((name, values)) = varying.iter().find(|(_, v)| v.len() != points) {
            let message = format!("`{name}` has {} values for {points} points", values.len());
            return Ok(("failed", diagnostic(py, &Diagnostic::plain("shape_mismatch", message))?));
        }
        let many = py.detach(|| eval_many(&e, &defs, &fixed_env, &varying, points));
        let first = many.first_failure.map(|(point, error)| (point, error.kind(), error.to_string()));
        Ok(("values", (many.values, many.failed, first).into_pyobject(py)?.into_any().unbind()))
    })
}

/// The median wall time, in seconds, of `repeats` runs of the command `args` measured inside
/// Rust: the cost of a call without the Python layer, for the package's benchmark.
#[pyfunction]
fn median_seconds(py: Python<'_>, args: Vec<String>, repeats: usize) -> f64 {
    let argv: Vec<String> = std::iter::once("deltaform".to_string()).chain(args).collect();
    let mut times: Vec<f64> = py.detach(|| {
        (0..repeats.max(1))
            .map(|_| {
                let start = std::time::Instant::now();
                let _ = catch_unwind(|| cli::invoke(argv.clone()));
                start.elapsed().as_secs_f64()
            })
            .collect()
    });
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

/// The compiled part of the `deltaform` Python package.
#[pymodule]
fn _deltaform(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(invoke, m)?)?;
    m.add_function(wrap_pyfunction!(main, m)?)?;
    m.add_function(wrap_pyfunction!(evaluate_many, m)?)?;
    m.add_function(wrap_pyfunction!(median_seconds, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
