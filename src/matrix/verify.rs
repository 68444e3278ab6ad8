//! The numeric check of a matrix form against the index form it was raised from: both are
//! evaluated at random values of every name (vectors and matrices of their declared sizes, a
//! named size given a small length of its own), entry by entry.

use super::shape::{Dim, Shape, Shapes};
use crate::eval::number::Number;
use crate::eval::value::{Env, Value};
use crate::eval::{eval, eval_scalar};
use crate::sample::Rng;
use crate::syntax::ast::Expr;
use num_rational::BigRational;
use std::collections::BTreeMap;

/// How many random points the check tries.
const POINTS: usize = 3;

/// Entries closer than this, relative to the larger, agree.
const RELATIVE: f64 = 1e-9;

/// The most entries compared at one point: a large matrix is compared on an even spread of them
/// (every row and column is visited), so that the check stays fast.
const ENTRIES_PER_POINT: usize = 2_500;

/// Why a matrix form was not found equal to the index form.
#[derive(Clone, Debug, PartialEq)]
pub enum Disagreement {
    /// An entry differs (where, and both values).
    Entry(String),
    /// Nothing could be compared (no point where both have a value), and why.
    Nothing(String),
}

impl std::fmt::Display for Disagreement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Disagreement::Entry(what) | Disagreement::Nothing(what) => f.write_str(what),
        }
    }
}

/// How the two sides of a comparison are named in its message: (`matrix`'s, `index_form`'s).
pub type Sides = (&'static str, &'static str);

/// The sides of the check of a matrix form the engine found.
pub const FOUND: Sides = ("in matrix form", "in index form");

/// Whether `matrix` (a matrix-form expression) has, at random points, the component
/// `index_form` at every `[row, col]`; `named` gives the matrix form of the vectors the index
/// form refers to by name. `Err` says where they differ, naming them by `sides` (or why nothing
/// could be compared).
pub fn agrees(
    matrix: &Expr,
    index_form: &Expr,
    (row, col): (Option<&str>, Option<&str>),
    shapes: &Shapes,
    named: &[(String, Expr)],
    sides: Sides,
) -> Result<(), Disagreement> {
    let mut compared = 0;
    for point in 0..POINTS {
        let sizes = named_sizes(shapes, point);
        let mut env = random_env(index_form, matrix, shapes, &sizes, point as u64);
        for (name, form) in named {
            match eval(form, &env) {
                Ok(value) => env.bind(name, value),
                Err(_) => continue,
            }
        }
        let Ok(value) = eval(matrix, &env) else { continue };
        let shape = value.shape();
        let (rows, cols) = match shape.as_slice() {
            [] => (1, 1),
            [n] => (*n, 1),
            [r, c] => (*r, *c),
            _ => return Err(Disagreement::Nothing("a value of more than two axes".into())),
        };
        // Every entry, or an even spread of them: a stride prime to the row length visits every
        // row and column.
        let total = rows * cols;
        let stride = if total <= ENTRIES_PER_POINT { 1 } else { spread_stride(total, cols) };
        for k in (0..total).step_by(stride).take(ENTRIES_PER_POINT) {
            let (r, c) = (k / cols + 1, k % cols + 1);
            let entry = match &value {
                Value::Scalar(x) => x.clone(),
                Value::Vector(v) => v[r - 1].clone(),
                Value::Matrix(m) => m[r - 1][c - 1].clone(),
            };
            if let Some(row) = row {
                env.bind(row, Value::Scalar(Number::int(r as i64)));
            }
            if let Some(col) = col {
                env.bind(col, Value::Scalar(Number::int(c as i64)));
            }
            let Ok(expected) = eval_scalar(index_form, &env) else { continue };
            let (x, y) = (entry.to_f64(), expected.to_f64());
            if !x.is_finite() || !y.is_finite() {
                continue;
            }
            if (x - y).abs() > RELATIVE * x.abs().max(y.abs()).max(1.0) {
                let (mine, theirs) = sides;
                return Err(Disagreement::Entry(format!("entry [{r}, {c}] is {x} {mine} and {y} {theirs}")));
            }
            compared += 1;
        }
    }
    if compared == 0 {
        return Err(Disagreement::Nothing("no point could be evaluated".into()));
    }
    Ok(())
}

/// A step through `total` entries (row by row, `cols` to a row) that spreads
/// [`ENTRIES_PER_POINT`] of them evenly and is prime to `cols`, so that the column changes.
fn spread_stride(total: usize, cols: usize) -> usize {
    let gcd = |mut a: usize, mut b: usize| {
        while b != 0 {
            (a, b) = (b, a % b);
        }
        a
    };
    (total / ENTRIES_PER_POINT..)
        .find(|s| *s > 0 && gcd(*s, cols.max(1)) == 1)
        .expect("a stride prime to the row length")
}

/// A length for each named size (`n`, `m`) at point `point`: different names different lengths,
/// and each name another length at each point (2, 3, ... at the first; 5, 6, ... at the next), so
/// that a form right at one size only (`x` for `2*x/n`) is caught.
fn named_sizes(shapes: &Shapes, point: usize) -> BTreeMap<String, usize> {
    let mut sizes = BTreeMap::new();
    for (_, shape) in shapes.iter() {
        for dim in [&shape.rows, &shape.cols].into_iter().flatten() {
            if let Dim::Named(name) = dim {
                let next = sizes.len() + 2 + 3 * point;
                sizes.entry(name.clone()).or_insert(next);
            }
        }
    }
    sizes
}

fn length(dim: &Option<Dim>, sizes: &BTreeMap<String, usize>) -> usize {
    match dim {
        None => 1,
        Some(Dim::Known(n)) => *n,
        Some(Dim::Named(name)) => sizes[name],
    }
}

/// Random small rationals for every free name of both expressions (shaped by `shapes`), and
/// the named sizes bound to their lengths.
fn random_env(a: &Expr, b: &Expr, shapes: &Shapes, sizes: &BTreeMap<String, usize>, seed: u64) -> Env {
    let mut rng = Rng::new(seed);
    // In [-2, 2], steps of 1/8, never 0.
    let mut number = move || {
        let k = rng.int(-16, 15);
        Number::Exact(BigRational::new(if k == 0 { 3 } else { k }.into(), 8.into()))
    };
    let mut env = Env::new();
    for (name, size) in sizes {
        env.bind(name, Value::Scalar(Number::int(*size as i64)));
    }
    let mut names = a.free_names();
    names.extend(b.free_names());
    for name in names {
        if env.get(&name).is_some() {
            continue;
        }
        let shape = shapes.get(&name).cloned().unwrap_or(Shape::SCALAR);
        let (rows, cols) = (length(&shape.rows, sizes), length(&shape.cols, sizes));
        let value = match (shape.rows.is_some(), shape.cols.is_some()) {
            (false, false) => Value::Scalar(number()),
            (true, false) => Value::Vector((0..rows).map(|_| number()).collect()),
            _ => Value::Matrix((0..rows).map(|_| (0..cols).map(|_| number()).collect()).collect()),
        };
        env.bind(&name, value);
    }
    env
}
