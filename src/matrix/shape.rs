//! Shapes of vectors and matrices, and the `--shape` declarations that give them
//! (`W: 3x4, x: 4, b: m`). A vector is a column; a one-row matrix is a row vector.

use crate::syntax::ast::Span;
use crate::syntax::diagnostic::Problem;
use crate::syntax::names::is_name;
use std::collections::BTreeMap;
use std::fmt;

/// The length of one axis: a number, or a name for a size left open (`n`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dim {
    /// A known length, at least 2 (a length of 1 is no axis at all).
    Known(usize),
    /// A named length.
    Named(String),
}

impl fmt::Display for Dim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Dim::Known(n) => write!(f, "{n}"),
            Dim::Named(name) => f.write_str(name),
        }
    }
}

/// A shape: rows and columns, an absent axis having length 1. A scalar has neither, a
/// (column) vector rows only, a row vector columns only.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Shape {
    /// The number of rows, if more than one.
    pub rows: Option<Dim>,
    /// The number of columns, if more than one.
    pub cols: Option<Dim>,
}

impl Shape {
    /// A scalar.
    pub const SCALAR: Shape = Shape { rows: None, cols: None };

    /// A shape of `rows`×`cols`.
    pub fn new(rows: Option<Dim>, cols: Option<Dim>) -> Shape {
        Shape { rows, cols }
    }

    /// A column vector of length `n`.
    pub fn vector(n: Dim) -> Shape {
        Shape { rows: Some(n), cols: None }
    }

    /// Whether this is a scalar.
    pub fn is_scalar(&self) -> bool {
        self.rows.is_none() && self.cols.is_none()
    }

    /// The transpose's shape.
    pub fn transposed(&self) -> Shape {
        Shape { rows: self.cols.clone(), cols: self.rows.clone() }
    }

    /// Whether this is a square matrix.
    pub fn is_square(&self) -> bool {
        self.rows.is_some() && self.rows == self.cols
    }

    /// How many indices a component takes: 0, 1 (a vector, row or column) or 2.
    pub fn rank(&self) -> usize {
        usize::from(self.rows.is_some()) + usize::from(self.cols.is_some())
    }
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let axis = |d: &Option<Dim>| d.as_ref().map_or("1".to_string(), |d| d.to_string());
        match (&self.rows, &self.cols) {
            (None, None) => f.write_str("scalar"),
            (Some(n), None) => write!(f, "vector of length {n}"),
            _ => write!(f, "{}×{} matrix", axis(&self.rows), axis(&self.cols)),
        }
    }
}

/// The shapes declared for names; names not declared are scalars.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Shapes(BTreeMap<String, Shape>);

impl Shapes {
    /// Reads declarations such as `W: 3x4, x: 4, b: n` (`3×4` and `m x n` also), each
    /// argument of `--shape` a comma-separated list.
    pub fn parse(text: &str) -> Result<Shapes, ShapeDeclError> {
        let mut shapes = Shapes::default();
        shapes.add(text)?;
        Ok(shapes)
    }

    /// Adds the declarations in `text` (see [`Shapes::parse`]).
    pub fn add(&mut self, text: &str) -> Result<(), ShapeDeclError> {
        let mut offset = 0;
        for item in text.split(',') {
            let span = offset..offset + item.len();
            offset += item.len() + 1;
            if item.trim().is_empty() {
                continue;
            }
            let error = |message: String| ShapeDeclError { message, span: span.clone() };
            let (name, dims) = item
                .split_once(':')
                .ok_or_else(|| error(format!("`{}` declares no shape: write `name: 3x4`", item.trim())))?;
            let name = name.trim();
            if !is_name(name) {
                return Err(error(format!("`{name}` is not a name")));
            }
            let shape = parse_dims(dims.trim()).ok_or_else(|| {
                error(format!("`{}` is not a shape: write `4` (a vector), `3x4` or `m x n` (a matrix)", dims.trim()))
            })?;
            if self.0.insert(name.to_string(), shape).is_some() {
                return Err(error(format!("`{name}` is declared twice")));
            }
        }
        Ok(())
    }

    /// Declares `name` to have `shape`.
    pub fn insert(&mut self, name: &str, shape: Shape) {
        self.0.insert(name.to_string(), shape);
    }

    /// The declared shape of `name`, if it has one other than scalar.
    pub fn get(&self, name: &str) -> Option<&Shape> {
        self.0.get(name).filter(|s| !s.is_scalar())
    }

    /// Whether no name has a shape other than scalar.
    pub fn is_empty(&self) -> bool {
        self.0.values().all(Shape::is_scalar)
    }

    /// The declarations, by name.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Shape)> {
        self.0.iter()
    }
}

/// `4`, `n`, `3x4`, `3×4`, `m x n`: the shape, with lengths of 1 dropped.
fn parse_dims(text: &str) -> Option<Shape> {
    let parts: Vec<&str> = if text.contains('×') {
        text.split('×').map(str::trim).collect()
    } else if let Some((a, b)) = text.split_once(" x ") {
        vec![a.trim(), b.trim()]
    } else if let Some((a, b)) = text.split_once('x').filter(|(a, b)| is_number(a) && is_number(b)) {
        vec![a, b]
    } else {
        vec![text]
    };
    let dim = |s: &str| -> Option<Option<Dim>> {
        if is_number(s) {
            match s.parse::<usize>().ok()? {
                0 => None,
                1 => Some(None),
                n => Some(Some(Dim::Known(n))),
            }
        } else {
            is_name(s).then(|| Some(Dim::Named(s.to_string())))
        }
    };
    match parts.as_slice() {
        [n] => Some(Shape::new(dim(n)?, None)),
        [r, c] => Some(Shape::new(dim(r)?, dim(c)?)),
        _ => None,
    }
}

fn is_number(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_digit())
}

/// A declaration that cannot be read.
#[derive(Clone, Debug, PartialEq)]
pub struct ShapeDeclError {
    /// What is wrong.
    pub message: String,
    /// Where, in the declaration text.
    pub span: Span,
}

impl fmt::Display for ShapeDeclError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl Problem for ShapeDeclError {
    fn kind(&self) -> &'static str {
        "bad_shape"
    }
    fn span(&self) -> Option<Span> {
        Some(self.span.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declarations_are_read() {
        let shapes = Shapes::parse("W: 3x4, x: 4, b: 3, M: m x n, r: 1x4, s: 1, A: 2×2").unwrap();
        assert_eq!(shapes.get("W").unwrap().to_string(), "3×4 matrix");
        assert_eq!(shapes.get("x").unwrap().to_string(), "vector of length 4");
        assert_eq!(shapes.get("M").unwrap().to_string(), "m×n matrix");
        assert_eq!(shapes.get("r").unwrap(), &Shape::new(None, Some(Dim::Known(4))));
        assert_eq!(shapes.get("s"), None);
        assert!(shapes.get("A").unwrap().is_square());
    }

    #[test]
    fn bad_declarations_point_at_the_item() {
        let err = Shapes::parse("W: 3x4, x 4").unwrap_err();
        assert_eq!(err.span, 7..11);
        assert!(Shapes::parse("W: 3x").is_err());
        assert!(Shapes::parse("W: 3, W: 4").unwrap_err().message.contains("twice"));
    }
}
