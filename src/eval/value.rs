//! Values the evaluator works with: scalars, vectors and matrices of [`Number`]s, and the
//! environment that binds names to them.

use crate::eval::number::Number;
use std::collections::BTreeMap;
use std::fmt;

/// A scalar, a vector or a matrix (a list of rows).
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// One number.
    Scalar(Number),
    /// A vector; component `k` (counting from 1) is element `k - 1`.
    Vector(Vec<Number>),
    /// A matrix as a list of rows of equal length.
    Matrix(Vec<Vec<Number>>),
}

impl Value {
    /// The number of axes: 0, 1 or 2.
    pub fn rank(&self) -> usize {
        match self {
            Value::Scalar(_) => 0,
            Value::Vector(_) => 1,
            Value::Matrix(_) => 2,
        }
    }

    /// The length of each axis.
    pub fn shape(&self) -> Vec<usize> {
        match self {
            Value::Scalar(_) => vec![],
            Value::Vector(v) => vec![v.len()],
            Value::Matrix(rows) => vec![rows.len(), rows.first().map_or(0, Vec::len)],
        }
    }

    /// The scalar, if this is one.
    pub fn as_scalar(&self) -> Option<&Number> {
        match self {
            Value::Scalar(n) => Some(n),
            _ => None,
        }
    }

    /// Every number in the value, row by row.
    pub fn numbers(&self) -> Vec<&Number> {
        match self {
            Value::Scalar(n) => vec![n],
            Value::Vector(v) => v.iter().collect(),
            Value::Matrix(rows) => rows.iter().flatten().collect(),
        }
    }

    /// The component at one-based `indices`, if they are in range and as many as the rank.
    pub fn component(&self, indices: &[usize]) -> Option<&Number> {
        match (self, indices) {
            (Value::Scalar(n), []) => Some(n),
            (Value::Vector(v), [i]) => v.get(i.checked_sub(1)?),
            (Value::Matrix(rows), [i, j]) => rows.get(i.checked_sub(1)?)?.get(j.checked_sub(1)?),
            _ => None,
        }
    }

    /// Applies `f` to every number, keeping the shape.
    pub fn try_map<E>(&self, f: &mut impl FnMut(&Number) -> Result<Number, E>) -> Result<Value, E> {
        Ok(match self {
            Value::Scalar(n) => Value::Scalar(f(n)?),
            Value::Vector(v) => Value::Vector(v.iter().map(&mut *f).collect::<Result<_, E>>()?),
            Value::Matrix(rows) => Value::Matrix(
                rows.iter().map(|r| r.iter().map(&mut *f).collect::<Result<_, E>>()).collect::<Result<_, E>>()?,
            ),
        })
    }

    /// Formats the value with `digits` significant digits for approximate numbers.
    pub fn format(&self, digits: usize) -> String {
        let list = |v: &[Number]| v.iter().map(|n| n.format(digits)).collect::<Vec<_>>().join(", ");
        match self {
            Value::Scalar(n) => n.format(digits),
            Value::Vector(v) => format!("[{}]", list(v)),
            Value::Matrix(rows) => {
                format!("[{}]", rows.iter().map(|r| format!("[{}]", list(r))).collect::<Vec<_>>().join(", "))
            }
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.format(6))
    }
}

/// Names bound to values.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Env {
    values: BTreeMap<String, Value>,
}

impl Env {
    /// An empty environment.
    pub fn new() -> Env {
        Env::default()
    }

    /// Binds `name` to `value`, replacing any earlier binding.
    pub fn bind(&mut self, name: &str, value: Value) {
        self.values.insert(name.to_string(), value);
    }

    /// The value bound to `name`.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.values.get(name)
    }

    /// Removes the binding of `name`, returning it.
    pub fn unbind(&mut self, name: &str) -> Option<Value> {
        self.values.remove(name)
    }

    /// Every binding, by name.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.values.iter()
    }
}
