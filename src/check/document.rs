//! Finding the math of a Markdown document: `$...$`, `$$...$$` (through pulldown-cmark, so code
//! is skipped) and `\[...\]`, `\(...\)`, each with the byte offset of its text in the file.

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use std::ops::Range;

/// One math block of a document.
#[derive(Clone, Debug, PartialEq)]
pub struct MathBlock {
    /// The byte range of the math text (without its delimiters) in the document.
    pub range: Range<usize>,
    /// Whether it was displayed (`$$`, `\[`) rather than inline.
    pub display: bool,
}

/// A document's math and where its exercises begin.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Outline {
    /// The math blocks, in document order.
    pub blocks: Vec<MathBlock>,
    /// The byte offsets where a new exercise begins: a top-level heading (`# ...`), or an item of
    /// a top-level numbered list. Names bound before one are forgotten after it; `## ...`
    /// subsections keep them.
    pub sections: Vec<usize>,
}

/// The math blocks of `text` and its exercise boundaries.
pub fn outline(text: &str) -> Outline {
    let mut blocks = Vec::new();
    let mut sections = Vec::new();
    let mut code: Vec<Range<usize>> = Vec::new();
    let mut code_start = None;
    let mut lists: Vec<bool> = Vec::new();
    for (event, range) in Parser::new_ext(text, Options::ENABLE_MATH).into_offset_iter() {
        match event {
            Event::Start(Tag::Heading { level: HeadingLevel::H1, .. }) => sections.push(range.start),
            Event::Start(Tag::List(first)) => lists.push(first.is_some()),
            Event::End(TagEnd::List(_)) => {
                lists.pop();
            }
            Event::Start(Tag::Item) if lists.len() == 1 && lists[0] => sections.push(range.start),
            Event::InlineMath(_) | Event::DisplayMath(_) => {
                let display = matches!(event, Event::DisplayMath(_));
                let delimiter = if display { 2 } else { 1 };
                let inner = range.start + delimiter..range.end.saturating_sub(delimiter).max(range.start + delimiter);
                if text.is_char_boundary(inner.start) && text.is_char_boundary(inner.end) {
                    blocks.push(MathBlock { range: inner, display });
                }
            }
            Event::Code(_) => code.push(range),
            Event::Start(Tag::CodeBlock(_)) => code_start = Some(range.start),
            Event::End(TagEnd::CodeBlock) => code.extend(code_start.take().map(|s| s..range.end)),
            _ => {}
        }
    }
    let taken: Vec<Range<usize>> = blocks.iter().map(|b| b.range.clone()).chain(code).collect();
    blocks.extend(bracketed(text, &taken));
    blocks.sort_by_key(|b| b.range.start);
    Outline { blocks, sections }
}

/// `\[...\]` and `\(...\)` blocks outside the ranges already `taken` (math and code).
fn bracketed(text: &str, taken: &[Range<usize>]) -> Vec<MathBlock> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(found) = text[from..].find('\\') {
        let at = from + found;
        let (close, display) = match text[at + 1..].chars().next() {
            Some('[') => ("\\]", true),
            Some('(') => ("\\)", false),
            _ => {
                from = at + 1;
                continue;
            }
        };
        let inside = |p: usize| taken.iter().any(|r| r.contains(&p));
        let start = at + 2;
        match text[start..].find(close) {
            Some(len) if !inside(at) => {
                out.push(MathBlock { range: start..start + len, display });
                from = start + len + 2;
            }
            _ => from = start,
        }
    }
    out
}

/// Text on one line with single spaces, for a claim's `text`.
pub fn squeeze(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The 1-based line and column (in characters) of byte `offset` of `text`.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str) -> Vec<&str> {
        outline(text).blocks.into_iter().map(|b| &text[b.range]).collect()
    }

    #[test]
    fn dollar_math_is_found_and_code_is_not() {
        let doc = "Let $x = 1$.\n\n$$y = 2$$\n\n`$z = 3$` and\n\n```\n$$w = 4$$\n```\n";
        assert_eq!(texts(doc), vec!["x = 1", "y = 2"]);
        assert!(outline(doc).blocks[1].display);
    }

    #[test]
    fn exercises_begin_at_headings_and_numbered_items() {
        let doc = "# One\n\n## Part\n\n$x = 1$\n\n1. First\n\n   - (a) part\n\n2. Second\n";
        let starts: Vec<&str> = outline(doc).sections.iter().map(|&k| &doc[k..k + 3]).collect();
        assert_eq!(starts, vec!["# O", "1. ", "2. "]);
    }

    #[test]
    fn bracket_math_is_found() {
        assert_eq!(texts("a \\[ x = 1 \\] b \\( y \\)"), vec![" x = 1 ", " y "]);
    }

    #[test]
    fn lines_and_columns_count_from_one() {
        assert_eq!(line_column("ab\ncd", 4), (2, 2));
        assert_eq!(line_column("ab", 0), (1, 1));
    }
}
