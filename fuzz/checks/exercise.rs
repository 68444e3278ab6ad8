//! What the `exercise` fuzz target checks of every input, shared with `tests/fuzz_regressions.rs`.

use deltaform::exercise::{parse_exercise, Exercise};
use deltaform::syntax::diagnostic::{Diagnostic, Problem};

/// Any text either reads (as `deltaform run` reads a file) into an exercise whose shapes agree
/// with its layers, or fails with an error whose span lies inside the text on character
/// boundaries and whose diagnostic renders. Panics otherwise.
pub fn check(data: &[u8]) {
    let Ok(src) = std::str::from_utf8(data) else { return };
    match parse_exercise(src) {
        Ok(exercise) => check_shapes(&exercise),
        Err(err) => {
            if let Some(span) = Problem::span(&err) {
                assert!(
                    span.start <= span.end
                        && span.end <= src.len()
                        && src.is_char_boundary(span.start)
                        && src.is_char_boundary(span.end),
                    "{err}: span {span:?} outside the text"
                );
            }
            let diagnostic = Diagnostic::new(&err, "fuzz.toml", src);
            let _ = diagnostic.render_text();
            let _ = diagnostic.to_json();
        }
    }
}

/// Every parameter, sample and query has the shape `layers` gives it.
fn check_shapes(exercise: &Exercise) {
    let layers = &exercise.layers;
    let depth = exercise.depth();
    assert!(depth >= 1 && exercise.weights.len() == depth && exercise.biases.len() == depth);
    for l in 1..=depth {
        let w = &exercise.weights[l - 1];
        assert_eq!((w.rows(), w.cols()), (layers[l], layers[l - 1]), "W{l}");
        assert_eq!(exercise.biases[l - 1].len(), layers[l], "b{l}");
    }
    // Training needs samples; an exercise without training evaluates its queries.
    if exercise.trains {
        assert!(!exercise.samples.is_empty());
    } else {
        assert!(exercise.samples.is_empty() && !exercise.queries.is_empty());
    }
    for sample in &exercise.samples {
        assert_eq!((sample.x.len(), sample.y.len()), (layers[0], layers[depth]));
    }
    assert!(exercise.queries.iter().all(|q| q.len() == layers[0]));
    assert_eq!(exercise.expectations.len(), exercise.queries.len());
    for expected in exercise.expectations.iter().flatten() {
        match expected {
            deltaform::exercise::file::Expectation::Class(c) => assert!((1..=layers[depth]).contains(c)),
            deltaform::exercise::file::Expectation::Output(v) => assert_eq!(v.len(), layers[depth]),
        }
    }
}
