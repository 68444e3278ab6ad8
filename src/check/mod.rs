//! `deltaform check`: every claim of a worked solution judged.
//!
//! The data flow: the document's math blocks (`document`) are read into equations
//! (`read_latex`); walking them in order (`walk`) binds names to values and judges each pair of
//! neighbouring sides, numbers by `numeric` and formulas by `symbolic`; `report` prints the
//! verdicts as text, JSON, an annotated copy of the document or a CSV row.

pub mod answers;
pub mod document;
pub mod exercise;
mod functions;
mod layers;
pub mod numeric;
pub mod report;
mod rounding;
pub mod symbolic;
mod templates;
mod walk;

pub use numeric::Tolerance;

use std::ops::Range;

/// What became of a claim.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Checked, and it holds.
    Correct,
    /// Checked, and it does not hold.
    Wrong,
    /// Not checked (the note says why); never counted as correct.
    Unchecked,
}

/// One claim: a pair of neighbouring sides of an equation, judged.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Claim {
    /// The 1-based line of the claim's written side in the document.
    pub line: usize,
    /// The 1-based column (in characters) there.
    pub column: usize,
    /// The claim as written (`left = right`).
    pub text: String,
    /// The verdict.
    pub verdict: Verdict,
    /// What the written side should be, when it is wrong.
    pub expected: Option<String>,
    /// What was written, when it is wrong.
    pub got: Option<String>,
    /// Why: the differing entry and a hint, a counterexample, or why it was not checked.
    pub note: Option<String>,
    /// The byte range of the written side in the document.
    #[serde(skip)]
    pub range: Range<usize>,
}

/// How many claims got each verdict (in JSON, a count of zero is left out, so a document with
/// no wrong claim has no `"wrong"` anywhere).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    /// Claims that hold.
    #[serde(skip_serializing_if = "is_zero")]
    pub correct: usize,
    /// Claims that do not.
    #[serde(skip_serializing_if = "is_zero")]
    pub wrong: usize,
    /// Claims not checked.
    #[serde(skip_serializing_if = "is_zero")]
    pub unchecked: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl Summary {
    /// The counts of `claims`.
    pub fn of(claims: &[Claim]) -> Summary {
        let count = |v: Verdict| claims.iter().filter(|c| c.verdict == v).count();
        Summary { correct: count(Verdict::Correct), wrong: count(Verdict::Wrong), unchecked: count(Verdict::Unchecked) }
    }
}

impl std::ops::Add for Summary {
    type Output = Summary;

    /// The counts of two summaries together.
    fn add(self, other: Summary) -> Summary {
        Summary {
            correct: self.correct + other.correct,
            wrong: self.wrong + other.wrong,
            unchecked: self.unchecked + other.unchecked,
        }
    }
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} correct, {} wrong, {} unchecked", self.correct, self.wrong, self.unchecked)
    }
}

/// How claims are judged.
#[derive(Clone, Debug)]
pub struct CheckOptions {
    /// How close a written number must be.
    pub tolerance: Tolerance,
    /// The run of the exercise the documents solve, if given: named quantities are compared
    /// with it.
    pub exercise: Option<std::sync::Arc<crate::exercise::trace::Trace>>,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions { tolerance: Tolerance::Written, exercise: None }
    }
}

/// Checks every claim of a Markdown document, in document order.
pub fn check_markdown(text: &str, options: &CheckOptions) -> Vec<Claim> {
    let outline = document::outline(text);
    let mut walker = walk::Walker::new(text, options);
    let mut sections = outline.sections.iter().peekable();
    for block in outline.blocks {
        if sections.next_if(|&&start| start <= block.range.start).is_some() {
            while sections.next_if(|&&start| start <= block.range.start).is_some() {}
            walker.new_section();
        }
        walker.block(block.range);
    }
    walker.finish()
}
