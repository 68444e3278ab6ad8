//! What the `parse` fuzz target checks of every input, shared with `tests/fuzz_regressions.rs`.

use deltaform::syntax::diagnostic::Diagnostic;
use deltaform::{parse_statement, ParseError};

/// Any input either parses to a statement whose canonical print parses back to the same
/// statement and prints the same again, or fails with an error whose span lies inside the input
/// on character boundaries and covers the offending text (an unexpected end: the empty span at
/// the end), and whose diagnostic renders. Panics otherwise.
pub fn check(data: &[u8]) {
    let Ok(src) = std::str::from_utf8(data) else { return };
    match parse_statement(src) {
        Ok(statement) => {
            let text = statement.to_string();
            let again = parse_statement(&text);
            assert_eq!(again.as_ref(), Ok(&statement), "{src:?} printed as {text:?}");
            assert_eq!(again.map(|s| s.to_string()).as_ref(), Ok(&text), "printing {src:?} is not a fixed point");
        }
        Err(err) => {
            let span = err.span();
            assert!(
                span.start <= span.end
                    && span.end <= src.len()
                    && src.is_char_boundary(span.start)
                    && src.is_char_boundary(span.end),
                "{src:?}: {err}: span {span:?} outside the input"
            );
            match &err {
                ParseError::UnexpectedEnd { .. } => assert_eq!(span, src.len()..src.len(), "{src:?}: {err}"),
                ParseError::Unexpected { found, .. } => assert_eq!(found, &src[span], "{src:?}: {err}"),
                ParseError::BadNumber { text, .. } => assert_eq!(text, &src[span], "{src:?}: {err}"),
                _ => assert!(!span.is_empty(), "{src:?}: {err}: empty span"),
            }
            let diagnostic = Diagnostic::new(&err, "fuzz", src);
            let _ = diagnostic.render_text();
            let _ = diagnostic.to_json();
        }
    }
}
