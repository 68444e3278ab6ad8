//! What the `latex` fuzz target checks of every input, shared with `tests/fuzz_regressions.rs`.

use deltaform::check::{check_markdown, CheckOptions, Verdict};
use deltaform::syntax::read_latex::{read_block, read_side};

/// Any text, read as one math side, as a math block and as a whole Markdown document to check:
/// no panic; every error span and every claim's range lies inside the text on character
/// boundaries; a claim's line and column point at its range; nothing unchecked is correct.
pub fn check(data: &[u8]) {
    let Ok(src) = std::str::from_utf8(data) else { return };
    let inside = |start: usize, end: usize| {
        start <= end && end <= src.len() && src.is_char_boundary(start) && src.is_char_boundary(end)
    };
    if let Err(err) = read_side(src) {
        assert!(inside(err.span.start, err.span.end), "{src:?}: {err}: span {:?}", err.span);
    }
    for equation in read_block(src) {
        assert_eq!(equation.relations.len() + 1, equation.sides.len(), "{src:?}");
        for (span, side) in &equation.sides {
            assert!(inside(span.start, span.end), "{src:?}: side {span:?}");
            if let Err(err) = side {
                assert!(inside(err.span.start, err.span.end), "{src:?}: {err}: span {:?}", err.span);
            }
        }
    }
    for claim in check_markdown(src, &CheckOptions::default()) {
        assert!(inside(claim.range.start, claim.range.end), "{src:?}: claim {:?}", claim.range);
        let before = &src[..claim.range.start];
        assert_eq!(claim.line, before.matches('\n').count() + 1, "{src:?}: {claim:?}");
        if claim.verdict == Verdict::Correct {
            assert!(claim.expected.is_none() && claim.got.is_none(), "{src:?}: {claim:?}");
        }
    }
}
