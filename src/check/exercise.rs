//! The exercise a document solves, as the values `deltaform run` computes, in the order a
//! solution goes: the initial parameters, then for each step the forward pass, the deltas,
//! the gradients and the updated parameters, then the queries.
//!
//! A document's name (`z^{[1]}`, `\delta^{[2]}`, `\frac{\partial E}{\partial w^{[2]}}`, `W_1`)
//! maps to a runner quantity (`z1`, `delta2`, `dW2`, `W1`); the value expected is the next one
//! of that quantity from where the document has got to, so `w^{[2]}` before the update is the
//! initial matrix and after it the updated one.

use crate::eval::value::Value;
use crate::exercise::file::{Bias, Phase, Quantity};
use crate::exercise::matrix::Matrix;
use crate::exercise::trace::{Params, Trace};
use crate::syntax::ast::{Expr, Node};
use crate::syntax::read_latex::{read_side, Side};

/// The runner's quantities by phase (the initial parameters; each step's forward pass,
/// backward pass and update; each query), and the phase a document has got to. Within a
/// phase the order is free: a document may give the deltas before the gradients or mix them.
#[derive(Clone, Debug)]
pub struct Timeline {
    entries: Vec<Entry>,
    phase: usize,
    depth: usize,
    /// The exercise file's own notations (`[check.names]`), by the name the reader gives them.
    names: Vec<(String, Quantity)>,
    /// For each quantity the document has given, the phase of the value it matched.
    given: std::collections::HashMap<String, usize>,
}

/// One quantity of one phase.
#[derive(Clone, Debug)]
struct Entry {
    phase: usize,
    query: bool,
    key: String,
    value: Value,
}

impl Timeline {
    /// The quantities of a run.
    pub fn new(trace: &Trace) -> Timeline {
        let depth = trace.initial.weights.len();
        let mut entries = Vec::new();
        let mut phase = 0;
        push_params(&mut entries, phase, &trace.initial, trace.exercise.bias);
        let forward = |entries: &mut Vec<Entry>, phase: usize, query: bool, f: &crate::exercise::trace::Forward| {
            for (l, a) in f.a.iter().enumerate() {
                if l > 0 {
                    entries.push(Entry { phase, query, key: format!("z{l}"), value: matrix_value(&f.z[l - 1]) });
                }
                entries.push(Entry { phase, query, key: format!("a{l}"), value: matrix_value(a) });
            }
        };
        for step in &trace.steps {
            phase += 1;
            forward(&mut entries, phase, false, &step.forward);
            let targets: Vec<Vec<_>> = step.samples.iter().map(|&k| trace.exercise.samples[k].y.clone()).collect();
            if let Some(y) = Matrix::from_columns(trace.exercise.layers[depth], &targets) {
                entries.push(Entry { phase, query: false, key: "y".to_string(), value: matrix_value(&y) });
            }
            // One sample's loss is a number; several samples' a row, one entry each (as the
            // worked solution writes them).
            let loss = match step.loss.as_slice() {
                [one] => Value::Scalar(one.clone()),
                many => Value::Matrix(vec![many.to_vec()]),
            };
            entries.push(Entry { phase, query: false, key: "loss".to_string(), value: loss });
            phase += 1;
            for l in 1..=depth {
                let b = &step.backward;
                let entry = |key: String, value: Value| Entry { phase, query: false, key, value };
                entries.push(entry(format!("delta{l}"), matrix_value(&b.delta[l - 1])));
                for (key, value) in b.gradients_written(l, trace.exercise.bias) {
                    entries.push(entry(key, matrix_value(&value)));
                }
            }
            phase += 1;
            push_params(&mut entries, phase, &step.params, trace.exercise.bias);
        }
        for query in &trace.queries {
            phase += 1;
            forward(&mut entries, phase, true, &query.forward);
        }
        let names = trace
            .exercise
            .check_names
            .iter()
            .filter_map(|(latex, quantity)| match read_side(latex) {
                Ok(Side::Expr(Expr { node: Node::Var(name), .. })) => Some((name, quantity.clone())),
                Ok(Side::Derivative { of, wrt }) => Some((format!("∂{of}/∂{wrt}"), quantity.clone())),
                _ => None,
            })
            .collect();
        Timeline { entries, phase: 0, depth, names, given: Default::default() }
    }

    /// The runner quantity `name` stands for, and the values it may have here: each one of that
    /// quantity from where the document has got to (the last one when the run has no more),
    /// with its position for [`Timeline::advance`]. `None` when the name is not a quantity.
    pub fn candidates(&self, name: &str) -> Option<(String, Vec<(usize, Value)>)> {
        self.candidates_after(name, false)
    }

    /// As [`Timeline::candidates`]; for an update (`w^{[2]} = w^{[2]} - \eta ...`), only values
    /// after the one the quantity last had (after the initial parameters when it had none). A
    /// component of a quantity (`\delta^{[2]}_1`, `w^{[2]}_{12}`, `W^{[1]}_{2,3}`) is the same
    /// quantity's component in each value (for a batch step's nets, activations and deltas, the
    /// component of every sample).
    pub fn candidates_after(&self, name: &str, update: bool) -> Option<(String, Vec<(usize, Value)>)> {
        let whole = |name: &str| match self.names.iter().find(|(n, _)| n == name) {
            Some((_, quantity)) => Some((quantity.from, quantity.key.clone())),
            None => Some((Phase::Any, self.key_of(name)?)),
        };
        let (from, key, component) = match whole(name) {
            Some((from, key)) => (from, key, None),
            None => {
                let (quantity, indices) = component_name(name)?;
                let (from, key) = whole(&quantity)?;
                (from, key, Some(indices))
            }
        };
        let shown = match component {
            None => key.clone(),
            Some(indices) => format!("{key}[{indices}]"),
        };
        let of_key = |k: &usize| {
            let entry = &self.entries[*k];
            entry.key == key && !matches!((from, entry.query), (Phase::Step, true) | (Phase::Query, false))
        };
        // A parameter stated during a pass is the one in effect there: the last value it took
        // at or before the document's phase.
        let in_effect = (0..self.entries.len())
            .filter(|k| self.entries[*k].key == key && self.entries[*k].phase <= self.phase)
            .map(|k| self.entries[k].phase)
            .max();
        let parameter = key.starts_with('W') || key.starts_with('b');
        let earliest = match (update, self.given.get(&shown)) {
            (true, Some(&phase)) => (phase + 1).max(self.phase),
            (true, None) => self.phase.max(1),
            (false, _) if parameter => in_effect.unwrap_or(self.phase),
            (false, _) => self.phase,
        };
        let mut found: Vec<usize> =
            (0..self.entries.len()).filter(|k| self.entries[*k].phase >= earliest).filter(of_key).collect();
        if found.is_empty() {
            found.extend((0..self.entries.len()).rev().find(of_key));
        }
        if component.is_some() {
            // One number matches some later value by chance far more often than a whole vector
            // does: an entry is judged within the step (or the query) it is first found in.
            let first = &self.entries[*found.first()?];
            let last_phase = if first.query { first.phase } else { first.phase + 2 };
            found.retain(|&k| self.entries[k].phase <= last_phase);
        }
        let kind = Kind::of(&key);
        let values = found
            .into_iter()
            .map(|k| {
                let value = &self.entries[k].value;
                match component {
                    None => Some((k, value.clone())),
                    Some(indices) => component_of(value, indices, kind).map(|v| (k, v)),
                }
            })
            .collect::<Option<Vec<_>>>()?;
        (!values.is_empty()).then_some((shown, values))
    }

    /// Moves on to the phase of the value at `position`, one the document has given as `key`.
    /// `key` is the one [`Timeline::candidates`] gave (a component's own, `W2[12]`, so that
    /// the entries of one update are each the update of that step).
    pub fn advance(&mut self, position: usize, key: &str) {
        let entry = &self.entries[position];
        self.phase = self.phase.max(entry.phase);
        self.given.insert(key.to_string(), entry.phase);
    }

    /// The runner quantity a document's name stands for.
    fn key_of(&self, name: &str) -> Option<String> {
        if let Some(gradient) = name.strip_prefix('∂') {
            let (of, wrt) = gradient.split_once("/∂")?;
            if !matches!(of, "E" | "L" | "J" | "Loss") {
                return None;
            }
            let (base, layer) = split_layer(wrt)?;
            return match base {
                "w" | "W" => Some(format!("dW{layer}")),
                "b" => Some(format!("db{layer}")),
                "z" => Some(format!("delta{layer}")),
                _ => None,
            };
        }
        match name {
            "E" | "L" | "Loss" | "J" => return Some("loss".to_string()),
            // The targets of the step's samples.
            "y" | "t" => return Some("y".to_string()),
            "x" => return Some("a0".to_string()),
            "y\u{302}" => return Some(format!("a{}", self.depth)),
            _ => {}
        }
        let (base, layer) = split_layer(name)?;
        let key = match base {
            "z" => "z",
            "x" | "a" | "h" | "o" => "a",
            "δ" => "delta",
            "w" | "W" => "W",
            "b" => "b",
            "y\u{302}" if layer == self.depth => "a",
            _ => return None,
        };
        (layer <= self.depth && (layer > 0 || key == "a")).then(|| format!("{key}{layer}"))
    }
}

/// `("z", 1)` for `z^[1]`, `z_1` or `z^(1)`.
fn split_layer(name: &str) -> Option<(&str, usize)> {
    if let Some((base, layer)) = name.strip_suffix(']').and_then(|n| n.split_once("^[")) {
        return Some((base, layer.parse().ok()?));
    }
    let (base, layer) = name.rsplit_once('_')?;
    Some((base, layer.parse().ok()?))
}

/// A component's name taken apart: `δ_1^[2]` gives `δ^[2]` and `1`, `w_12^[2]` gives `w^[2]`
/// and `12`, `W_2,3^[1]` gives `W^[1]` and `2,3`.
fn component_name(name: &str) -> Option<(String, &str)> {
    let (with_sub, layer) = name.split_once("^[")?;
    let (base, indices) = with_sub.rsplit_once('_')?;
    let indices_ok =
        !indices.is_empty() && indices.split(',').all(|i| !i.is_empty() && i.bytes().all(|b| b.is_ascii_digit()));
    indices_ok.then(|| (format!("{base}^[{layer}"), indices))
}

/// What a quantity's value holds, for reading its components.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    /// One value per sample of a step (nets, activations, deltas, targets, losses): a batch
    /// step's has one column per sample.
    PerSample,
    /// A weight matrix or its gradient (kept as a vector when it has one column).
    Matrix,
    /// Anything else (biases and their gradients).
    Other,
}

impl Kind {
    /// The kind of a runner quantity (`z1`, `W2`, `db1`, `loss`, or a component's `W2[12]`).
    pub(super) fn of(key: &str) -> Kind {
        if ["z", "a", "delta"].iter().any(|p| key.starts_with(p)) || key == "y" || key == "loss" {
            Kind::PerSample
        } else if key.starts_with('W') || key.starts_with("dW") {
            Kind::Matrix
        } else {
            Kind::Other
        }
    }
}

/// The component `indices` (`2`, `12` or `2,3`, from 1) of a quantity's value: an entry of a
/// vector; an entry of a matrix (two digits without a comma are a row and a column below 10,
/// `w_{12}`; a matrix of one column is kept as a vector, whose `w_{31}` is its entry 3); for a
/// per-sample quantity of a batch step (one column per sample), the row of that unit.
fn component_of(value: &Value, indices: &str, kind: Kind) -> Option<Value> {
    let mut numbers: Vec<usize> = indices.split(',').map(|i| i.parse().ok()).collect::<Option<_>>()?;
    let digits_are_row_and_column = match value {
        Value::Matrix(rows) => rows.len() < 10 && rows[0].len() < 10,
        _ => true,
    };
    if kind == Kind::Matrix && numbers.len() == 1 && indices.len() == 2 && digits_are_row_and_column {
        numbers = indices.bytes().map(|b| (b - b'0') as usize).collect();
    }
    let entry = |indices: &[usize]| value.component(indices).cloned().map(Value::Scalar);
    match (value, numbers.as_slice()) {
        (Value::Vector(_), [i, 1]) if kind == Kind::Matrix => entry(&[*i]),
        (Value::Matrix(rows), [i]) if kind == Kind::PerSample => {
            Some(Value::Matrix(vec![rows.get(i.checked_sub(1)?)?.clone()]))
        }
        (Value::Vector(_), [_]) | (Value::Matrix(_), [_, _]) => entry(&numbers),
        _ => None,
    }
}

/// The parameters as the exercise writes them (biases apart or folded).
fn push_params(entries: &mut Vec<Entry>, phase: usize, params: &Params, bias: Bias) {
    for (key, value) in params.written(bias) {
        entries.push(Entry { phase, query: false, key, value: matrix_value(&value) });
    }
}

/// A runner matrix as a value: one column is a vector.
fn matrix_value(m: &Matrix) -> Value {
    if m.cols() == 1 {
        return Value::Vector(m.column(0));
    }
    Value::Matrix(m.to_rows())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timeline() -> Timeline {
        let source = "[check.names]\n\"x_{new}^{[2]}\" = \"query.a2\"\n\n[network]\nlayers = [2, 2, 1]\nactivation = \"sigmoid\"\noutput = \"sigmoid\"\nloss = \"squared_error\"\n\n[init]\nweights = 0.1\nbiases = 0\n\n[train]\nrate = 1\nmode = \"sgd\"\nsteps = 1\n\n[[sample]]\nx = [1, 0]\ny = [1]\n\n[[query]]\nx = [0, 1]\n";
        Timeline::new(&crate::exercise::run(source).expect("the exercise runs"))
    }

    #[test]
    fn names_map_to_the_next_values_of_their_quantity() {
        let mut t = timeline();
        let first = |t: &Timeline, name: &str| t.candidates(name).map(|(key, c)| (key, c[0].0, c[0].1.clone()));
        let (key, at, initial) = first(&t, "w^[2]").unwrap();
        assert_eq!(key, "W2");
        t.advance(at, "W2");
        assert_eq!(first(&t, "z_1").unwrap().0, "z1");
        let (key, at, _) = first(&t, "∂E/∂w^[2]").unwrap();
        assert_eq!(key, "dW2");
        t.advance(at, "W2");
        // After the gradients, w^[2] may be the one in effect or the updated one; an update is
        // the updated one only.
        let (_, both) = t.candidates("W_2").unwrap();
        assert_eq!(both.len(), 2);
        assert_eq!(both[0].1, initial);
        let (_, updated) = t.candidates_after("W_2", true).unwrap();
        assert_eq!(updated.len(), 1);
        assert_ne!(updated[0].1, initial, "after the gradients, an update of w^[2] is the updated matrix");
        let at = updated[0].0;
        t.advance(at, "W2");
        let (key, candidates) = t.candidates("z^[1]").unwrap();
        assert_eq!((key.as_str(), candidates.len()), ("z1", 1), "only the query's nets are left");
        assert!(t.candidates("q").is_none() && t.candidates("z^[7]").is_none());
        let mut u = timeline();
        let (_, at, _) = first(&u, "W_2").unwrap();
        u.advance(at, "W2");
        let (_, updated) = u.candidates_after("W_2", true).unwrap();
        assert_ne!(updated[0].1, initial, "an update is not the value the quantity had");
        let (key, custom) = t.candidates("x_new^[2]").expect("a [check.names] notation");
        assert_eq!((key.as_str(), custom.len()), ("a2", 1), "the query's output, not a step's");
    }

    #[test]
    fn components_are_entries_of_their_quantity() {
        assert_eq!(component_name("δ_1^[2]"), Some(("δ^[2]".to_string(), "1")));
        assert_eq!(component_name("W_2,3^[1]"), Some(("W^[1]".to_string(), "2,3")));
        assert_eq!(component_name("w_j^[1]"), None);
        assert_eq!(component_name("z_1"), None);
        let tenth = |v: &Value| v.as_scalar().is_some_and(|x| (x.to_f64() - 0.1).abs() < 1e-15);
        let t = timeline();
        let (key, values) = t.candidates("w_12^[2]").unwrap();
        assert_eq!(key, "W2[12]");
        assert!(tenth(&values[0].1), "{:?}", values[0].1);
        let (_, nets) = t.candidates("z_2^[1]").unwrap();
        assert!(tenth(&nets[0].1), "{:?}", nets[0].1);
        assert!(t.candidates("z_3^[1]").is_none(), "layer 1 has two units");
        // A batch step's nets: one row of the samples' columns.
        use crate::eval::number::Number;
        let rows = Value::Matrix(vec![vec![Number::int(1), Number::int(2)], vec![Number::int(3), Number::int(4)]]);
        let one_per_sample = Some(Value::Matrix(vec![vec![Number::int(3), Number::int(4)]]));
        assert_eq!(component_of(&rows, "2", Kind::PerSample), one_per_sample);
        assert_eq!(component_of(&rows, "21", Kind::Matrix), Some(Value::Scalar(Number::int(3))));
        assert_eq!(component_of(&rows, "2", Kind::Matrix), None, "one index of a weight matrix is not an entry");
        // Eleven biases: `b_{11}` is the eleventh, not row 1, column 1.
        let biases = Value::Vector((1..=11).map(Number::int).collect());
        assert_eq!(component_of(&biases, "11", Kind::Other), Some(Value::Scalar(Number::int(11))));
        let column = Value::Vector((1..=11).map(Number::int).collect());
        assert_eq!(component_of(&column, "31", Kind::Matrix), Some(Value::Scalar(Number::int(3))));
    }
}
