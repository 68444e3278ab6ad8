//! A slot: one number of a sample point that can be moved on its own, a scalar input `x` or one
//! component `z[2]`, `W[1, 3]` of a vector or matrix input.

use crate::eval::number::Number;
use crate::eval::value::{Env, Value};
use std::fmt;

/// A scalar input, or one component of a vector or matrix input (indices count from 1).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Slot {
    /// The input's name.
    pub name: String,
    /// The component's one-based position (empty for a scalar).
    pub position: Vec<usize>,
}

impl Slot {
    /// Every slot of the value bound to `name`.
    pub fn all_of(name: &str, value: &Value) -> Vec<Slot> {
        let slot = |position: Vec<usize>| Slot { name: name.to_string(), position };
        match value.shape().as_slice() {
            [] => vec![slot(vec![])],
            [n] => (1..=*n).map(|i| slot(vec![i])).collect(),
            [rows, cols] => (1..=*rows).flat_map(|i| (1..=*cols).map(move |j| vec![i, j])).map(slot).collect(),
            _ => vec![],
        }
    }

    /// The number in this slot at `env`.
    pub fn get<'a>(&self, env: &'a Env) -> Option<&'a Number> {
        env.get(&self.name)?.component(&self.position)
    }

    /// Puts `x` into this slot of `env`; `None` if `env` has no such component.
    pub fn set(&self, env: &mut Env, x: Number) -> Option<()> {
        let value = with_component(env.get(&self.name)?.clone(), &self.position, x)?;
        env.bind(&self.name, value);
        Some(())
    }
}

impl fmt::Display for Slot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        if !self.position.is_empty() {
            let position: Vec<String> = self.position.iter().map(usize::to_string).collect();
            write!(f, "[{}]", position.join(", "))?;
        }
        Ok(())
    }
}

fn with_component(value: Value, position: &[usize], x: Number) -> Option<Value> {
    Some(match (value, position) {
        (Value::Scalar(_), []) => Value::Scalar(x),
        (Value::Vector(mut v), [i]) => {
            *v.get_mut(i.checked_sub(1)?)? = x;
            Value::Vector(v)
        }
        (Value::Matrix(mut rows), [i, j]) => {
            *rows.get_mut(i.checked_sub(1)?)?.get_mut(j.checked_sub(1)?)? = x;
            Value::Matrix(rows)
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_read_and_write_components() {
        let mut env = Env::new();
        env.bind("W", Value::Matrix(vec![vec![Number::int(1), Number::int(2)], vec![Number::int(3), Number::int(4)]]));
        let slots = Slot::all_of("W", env.get("W").unwrap());
        assert_eq!(slots.iter().map(Slot::to_string).collect::<Vec<_>>(), ["W[1, 1]", "W[1, 2]", "W[2, 1]", "W[2, 2]"]);
        assert_eq!(slots[2].get(&env), Some(&Number::int(3)));
        slots[2].set(&mut env, Number::int(9)).unwrap();
        assert_eq!(env.get("W").unwrap().to_string(), "[[1, 2], [9, 4]]");
        let outside = Slot { name: "W".into(), position: vec![3, 1] };
        assert_eq!(outside.set(&mut env, Number::int(0)), None);
    }
}
