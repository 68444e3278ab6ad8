//! Fuzzes the parser: any input either parses to a statement whose canonical print parses back
//! to the same statement and prints the same again, or fails with an error whose span lies
//! inside the input.
#![no_main]

use deltaform::diagnostic::Diagnostic;
use deltaform::parse_statement;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
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
            assert!(span.end <= src.len() && src.is_char_boundary(span.start) && src.is_char_boundary(span.end));
            let _ = Diagnostic::new(&err, "fuzz", src).render_text();
        }
    }
});
