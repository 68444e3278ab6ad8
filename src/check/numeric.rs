//! Judging a written number, vector or matrix against the value it should have: at the
//! precision written (or a tolerance the user picks), shapes first, and a hint when a common
//! slip explains the difference.

use crate::eval::linear::{shape_text, transpose};
use crate::eval::value::Value;

/// How close a written number must be to the value it claims.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Tolerance {
    /// At the precision written: a number of one or two significant digits must be the value
    /// rounded to its last digit; a longer one may also be truncated or one off in its last
    /// digit (less than one unit off); whole numbers and exact fractions exactly.
    Written,
    /// As [`Tolerance::Written`], and a whole number is a rounding too (after `\approx`).
    Approximately,
    /// At most this far from the value.
    Abs(f64),
    /// At most this far relative to the value.
    Rel(f64),
    /// Equal when both are rounded to this many significant digits (±1 in the last).
    Sig(u32),
}

impl std::str::FromStr for Tolerance {
    type Err = String;

    /// Reads `written`, `abs=1e-3`, `rel=1e-4` or `sig=3`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("`{s}`: expected written, abs=X, rel=X or sig=N");
        match s.split_once('=') {
            None if s == "written" => Ok(Tolerance::Written),
            Some(("abs", x)) => x.parse().ok().filter(|x: &f64| *x >= 0.0).map(Tolerance::Abs).ok_or_else(bad),
            Some(("rel", x)) => x.parse().ok().filter(|x: &f64| *x >= 0.0).map(Tolerance::Rel).ok_or_else(bad),
            Some(("sig", n)) => n.parse().ok().filter(|n| (1..=17).contains(n)).map(Tolerance::Sig).ok_or_else(bad),
            _ => Err(bad()),
        }
    }
}

/// The outcome of comparing a written value with its expected value.
#[derive(Clone, Debug, PartialEq)]
pub enum Judgement {
    /// Close enough.
    Correct,
    /// Not close: the expected value, the written one, and what explains the difference.
    Wrong {
        /// The value expected, formatted.
        expected: String,
        /// The value written, formatted.
        got: String,
        /// The first differing entry, and a hint when one applies.
        note: String,
    },
}

/// A value a written one may stand for.
#[derive(Clone, Copy, Debug)]
pub struct Expected<'a> {
    /// The value.
    pub value: &'a Value,
    /// How far, entry by entry, the rounding of its inputs can move it.
    pub spread: Option<&'a Value>,
}

/// Judges `written` (with the unit of its last written digit per entry, `units`) against the
/// values it may stand for: the one it should have first, then the one computed from the
/// document's own rounded numbers. Correct when it matches any of them.
pub fn judge(expected: &[Expected], written: &Value, units: Option<&Value>, tolerance: Tolerance) -> Judgement {
    if expected.iter().any(|e| matches(e.value, written, units, e.spread, tolerance)) {
        return Judgement::Correct;
    }
    let truth = expected[0].value;
    Judgement::Wrong {
        expected: format_value(truth),
        got: format_value(written),
        note: explain(truth, written, units, tolerance),
    }
}

/// A value for a report: decimals with up to 6 significant digits, a matrix row by row.
pub fn format_value(v: &Value) -> String {
    let number = |n: &crate::eval::number::Number| crate::eval::number::format_significant(n.to_f64(), 6);
    let list = |xs: &[crate::eval::number::Number]| xs.iter().map(number).collect::<Vec<_>>().join(", ");
    match v {
        Value::Scalar(n) => number(n),
        Value::Vector(xs) => format!("[{}]", list(xs)),
        Value::Matrix(rows) => {
            format!("[{}]", rows.iter().map(|r| format!("[{}]", list(r))).collect::<Vec<_>>().join(", "))
        }
    }
}

fn floats(v: &Value) -> Vec<f64> {
    v.numbers().iter().map(|n| n.to_f64()).collect()
}

/// A value's shape, with a one-entry vector read as a scalar (`\delta \cdot 1` is `[d]`).
fn same_shape(a: &Value, b: &Value) -> bool {
    let dims = |v: &Value| if v.numbers().len() == 1 { vec![] } else { v.shape() };
    dims(a) == dims(b)
}

/// `written` as `expected`'s shape when it is one number standing for a constant vector or
/// matrix (`b = 0` for a zero bias).
fn broadcast(expected: &Value, written: &Value) -> Value {
    match (expected, written) {
        (Value::Vector(v), Value::Scalar(x)) if v.len() > 1 => Value::Vector(vec![x.clone(); v.len()]),
        (Value::Matrix(rows), Value::Scalar(x)) => {
            Value::Matrix(rows.iter().map(|r| vec![x.clone(); r.len()]).collect())
        }
        _ => written.clone(),
    }
}

fn matches(
    expected: &Value,
    written: &Value,
    units: Option<&Value>,
    spread: Option<&Value>,
    tolerance: Tolerance,
) -> bool {
    let written = &broadcast(expected, written);
    let units = units.map(|u| broadcast(expected, u));
    if !same_shape(expected, written) {
        return false;
    }
    let units = units.as_ref().map(floats);
    let spread = spread.map(floats);
    floats(expected).iter().zip(floats(written)).enumerate().all(|(k, (e, w))| {
        let moved = spread.as_ref().and_then(|s| s.get(k)).copied().unwrap_or(0.0);
        // Within the spread, the nearest value the inputs allow is the one to compare with.
        let nearest = if (w - e).abs() <= moved { w } else { e + moved * (w - e).signum() };
        close(nearest, w, units.as_ref().map(|u| u[k]), tolerance)
    })
}

/// Whether `written` is close to `expected`; `ulp` is the unit of its last written digit
/// (`None` when it was computed, not written).
fn close(expected: f64, written: f64, ulp: Option<f64>, tolerance: Tolerance) -> bool {
    if !(expected.is_finite() && written.is_finite()) {
        return expected == written;
    }
    let diff = (expected - written).abs();
    let scale = expected.abs().max(written.abs());
    let float_noise = 1e-12 * scale.max(1e-300);
    match tolerance {
        Tolerance::Written | Tolerance::Approximately => match ulp {
            Some(ulp) if ulp > 0.0 && (ulp < 1.0 || tolerance == Tolerance::Approximately) => {
                // Significant digits written: 0.5498 has 4, 0.1 and 20 have 1 and 2.
                let digits = (written.abs() / ulp).round().max(1.0).log10().floor() + 1.0;
                if digits >= 3.0 {
                    diff < ulp * (1.0 - 1e-9)
                } else {
                    diff <= ulp / 2.0 * (1.0 + 1e-9) + float_noise
                }
            }
            // A whole number, an exact fraction (`\frac{1}{3}`), or a value computed, not written.
            _ => diff <= 1e-9 * scale.max(1e-300),
        },
        Tolerance::Abs(t) => diff <= t + float_noise,
        Tolerance::Rel(t) => diff <= t * scale + float_noise,
        Tolerance::Sig(n) => {
            let unit = if scale == 0.0 { 0.0 } else { 10f64.powi(scale.log10().floor() as i32 + 1 - n as i32) };
            diff <= unit * (1.0 + 1e-9) + float_noise
        }
    }
}

/// Why `written` is not `expected`: the shapes, a slip that explains it, or the first entry
/// that differs.
fn explain(expected: &Value, written: &Value, units: Option<&Value>, tolerance: Tolerance) -> String {
    let loose = Tolerance::Rel(1e-3);
    if !same_shape(expected, written) {
        let t = transpose(expected);
        if same_shape(&t, written) && matches(&t, written, None, None, loose) {
            return format!("transposed: expected {}, written {}", shape_text(expected), shape_text(written));
        }
        if let (Value::Vector(sums), Value::Matrix(rows)) = (expected, written) {
            let summed: Vec<f64> = rows.iter().map(|r| r.iter().map(|x| x.to_f64()).sum()).collect();
            let right =
                sums.len() == summed.len() && sums.iter().zip(&summed).all(|(x, y)| close(x.to_f64(), *y, None, loose));
            if right {
                return format!(
                    "the per-sample values are not summed: expected {}, written {} whose row sums are right",
                    shape_text(expected),
                    shape_text(written)
                );
            }
        }
        return format!("wrong shape: expected {}, written {}", shape_text(expected), shape_text(written));
    }
    let (e, w) = (floats(expected), floats(written));
    let scaled = |factor: f64| e.iter().zip(&w).all(|(x, y)| close(x * factor, *y, None, loose));
    // Whole numbers (a class, a count) have no factor slips, and one number may differ by a
    // factor by chance: the hint needs two entries that show it.
    let whole = e.iter().chain(&w).all(|x| x.fract() == 0.0);
    if e.iter().filter(|x| **x != 0.0).count() >= 2 && !whole {
        if scaled(-1.0) {
            return "the sign is flipped".to_string();
        }
        if scaled(2.0) {
            return "twice the value (a factor 2, e.g. from the square without the 1/2)".to_string();
        }
        if scaled(0.5) {
            return "half the value (a factor 1/2 missing)".to_string();
        }
    }
    let mut sorted_e = e.clone();
    let mut sorted_w = w.clone();
    sorted_e.sort_by(f64::total_cmp);
    sorted_w.sort_by(f64::total_cmp);
    let units = units.map(floats);
    let first = (0..e.len()).find(|&k| !close(e[k], w[k], units.as_ref().map(|u| u[k]), tolerance));
    let t = transpose(expected);
    if t != *expected && matches(&t, written, None, None, loose) {
        return "transposed".to_string();
    }
    let roughly = e.iter().zip(&w).all(|(x, y)| close(*x, *y, None, loose));
    let permuted = !roughly && sorted_e.iter().zip(&sorted_w).all(|(x, y)| close(*x, *y, None, loose));
    let position = first.map(|k| entry_name(expected, k)).unwrap_or_default();
    if permuted && e.len() > 1 {
        return format!("the entries are right but in the wrong places (first at {position})");
    }
    match first {
        Some(k) => {
            // Decimals as written, when the unit is a plain decimal place (0.1 to 1e-12).
            let digits =
                units.as_ref().and_then(|u| (1e-12..1.0).contains(&u[k]).then(|| -u[k].log10().round() as usize));
            let expected_text = match digits {
                Some(d) => format!("{:.*}", d, e[k]),
                None => crate::eval::number::format_significant(e[k], 6),
            };
            let got_text = match digits {
                Some(d) => format!("{:.*}", d, w[k]),
                None => crate::eval::number::format_significant(w[k], 6),
            };
            let swap = digits.is_some() && is_digit_swap(&expected_text, &got_text);
            let hint = if swap { " (two digits swapped)" } else { "" };
            format!("{position}: expected {expected_text}, written {got_text}{hint}")
        }
        None => "differs".to_string(),
    }
}

/// `entry 2` of a vector, `entry (1, 3)` of a matrix, `the value` of a scalar.
fn entry_name(v: &Value, k: usize) -> String {
    match v {
        Value::Scalar(_) => "the value".to_string(),
        Value::Vector(_) => format!("entry {}", k + 1),
        Value::Matrix(rows) => {
            let cols = rows.first().map_or(1, Vec::len).max(1);
            format!("entry ({}, {})", k / cols + 1, k % cols + 1)
        }
    }
}

/// Whether `b` is `a` with two neighbouring digits swapped.
fn is_digit_swap(a: &str, b: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a.len() != b.len() {
        return false;
    }
    let differ: Vec<usize> = (0..a.len()).filter(|&k| a[k] != b[k]).collect();
    matches!(differ.as_slice(), [i, j] if *j == i + 1 && a[*i] == b[*j] && a[*j] == b[*i])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::number::Number;

    fn column(xs: &[f64]) -> Value {
        Value::Vector(xs.iter().map(|&x| Number::approx(x).unwrap()).collect())
    }

    #[test]
    fn numbers_are_judged_at_the_precision_written() {
        let units = column(&[1e-4, 1e-4]);
        let truth = column(&[0.549834, 0.750260]);
        assert_eq!(
            judge(
                &[Expected { value: &truth, spread: None }],
                &column(&[0.5498, 0.7503]),
                Some(&units),
                Tolerance::Written
            ),
            Judgement::Correct
        );
        assert_eq!(
            judge(
                &[Expected { value: &truth, spread: None }],
                &column(&[0.5499, 0.7502]),
                Some(&units),
                Tolerance::Written
            ),
            Judgement::Correct
        );
        let Judgement::Wrong { note, .. } = judge(
            &[Expected { value: &truth, spread: None }],
            &column(&[0.5498, 0.7530]),
            Some(&units),
            Tolerance::Written,
        ) else {
            panic!("a swapped digit passed")
        };
        assert!(note.contains("entry 2") && note.contains("0.7503") && note.contains("swapped"), "{note}");
    }

    #[test]
    fn shapes_and_slips_are_named() {
        let Judgement::Wrong { note, .. } = judge(
            &[Expected { value: &column(&[0.5, 1.1]), spread: None }],
            &column(&[0.5, 1.1, 0.0]),
            None,
            Tolerance::Written,
        ) else {
            panic!()
        };
        assert!(note.contains("expected 2×1, written 3×1"), "{note}");
        let Judgement::Wrong { note, .. } = judge(
            &[Expected { value: &column(&[0.5, -1.1]), spread: None }],
            &column(&[-0.5, 1.1]),
            None,
            Tolerance::Written,
        ) else {
            panic!()
        };
        assert!(note.contains("sign"), "{note}");
        let per_sample =
            Value::Matrix(vec![vec![Number::int(1), Number::int(2)], vec![Number::int(3), Number::int(-3)]]);
        let Judgement::Wrong { note, .. } =
            judge(&[Expected { value: &column(&[3.0, 0.0]), spread: None }], &per_sample, None, Tolerance::Written)
        else {
            panic!()
        };
        assert!(note.contains("not summed"), "{note}");
        let row = transpose(&column(&[0.5, 1.5]));
        let Judgement::Wrong { note, .. } =
            judge(&[Expected { value: &column(&[0.5, 1.5]), spread: None }], &row, None, Tolerance::Written)
        else {
            panic!()
        };
        assert!(note.contains("transposed"), "{note}");
    }

    #[test]
    fn tolerances_read_and_apply() {
        assert_eq!("abs=1e-3".parse(), Ok(Tolerance::Abs(1e-3)));
        assert_eq!("sig=3".parse(), Ok(Tolerance::Sig(3)));
        assert!("sig=0".parse::<Tolerance>().is_err() && "loose".parse::<Tolerance>().is_err());
        assert!(close(2.41824, 2.42, None, Tolerance::Sig(3)));
        assert!(!close(2.41824, 2.43, None, Tolerance::Sig(3)));
        assert!(close(100.0, 100.009, None, Tolerance::Rel(1e-4)));
        // A whole number written is exact.
        assert!(!close(0.0005, 0.0, Some(1.0), Tolerance::Written));
    }
}
