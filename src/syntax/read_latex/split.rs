//! Splitting a math block into equations and each equation into sides, before any side is read.

use crate::syntax::ast::Span;

/// How two neighbouring sides of an equation are related.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Relation {
    /// `=` (also `&=`, `:=`).
    Equals,
    /// `\approx`, `\simeq`: equal up to the rounding written.
    Approx,
    /// Any other relation (`<`, `\leq`, `\neq`, `\in`, ...): not a claim of equality.
    Other,
}

/// An equation as spans of the block: `sides[i]` and `sides[i + 1]` are joined by `relations[i]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Equation {
    /// The byte ranges of the sides, trimmed.
    pub sides: Vec<Span>,
    /// The relations between neighbouring sides.
    pub relations: Vec<Relation>,
}

/// Environments whose `&` and `\\` belong to a matrix rather than separate equations.
const MATRIX_ENVIRONMENTS: [&str; 8] =
    ["bmatrix", "pmatrix", "matrix", "vmatrix", "Bmatrix", "smallmatrix", "array", "cases"];

/// Commands that end an equation: spacing between equations, arrows, prose.
const SEPARATORS: [&str; 8] =
    ["\\quad", "\\qquad", "\\\\", "\\Rightarrow", "\\implies", "\\therefore", "\\iff", "\\text"];

/// Commands that relate two sides.
const RELATIONS: [(&str, Relation); 14] = [
    ("\\approx", Relation::Approx),
    ("\\simeq", Relation::Approx),
    ("\\neq", Relation::Other),
    ("\\ne", Relation::Other),
    ("\\leq", Relation::Other),
    ("\\geq", Relation::Other),
    ("\\le", Relation::Other),
    ("\\ge", Relation::Other),
    ("\\in", Relation::Other),
    ("\\propto", Relation::Other),
    ("\\sim", Relation::Other),
    ("\\equiv", Relation::Equals),
    ("\\to", Relation::Other),
    ("\\rightarrow", Relation::Other),
];

/// Splits `math` into equations: at top-level `,`, `;`, `\quad`, `\\` (outside matrices),
/// arrows and `\text{...}`; each equation into sides at `=`, `\approx`, ... .
pub fn split_equations(math: &str) -> Vec<Equation> {
    let mut splitter = Splitter { math, equations: Vec::new(), sides: Vec::new(), relations: Vec::new(), start: 0 };
    let bytes = math.as_bytes();
    let mut depth = 0usize;
    let mut matrices = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        let top = depth == 0 && matrices == 0;
        let rest = &math[i..];
        match bytes[i] {
            b'{' | b'(' | b'[' => depth += 1,
            b'}' | b')' | b']' => depth = depth.saturating_sub(1),
            b'\\' => {
                let command = command_at(rest);
                let begin = environment(rest, "\\begin{");
                let end = environment(rest, "\\end{");
                if let Some(env) = begin.or(end) {
                    let whole = rest.find('}').map_or(rest.len(), |k| k + 1);
                    if MATRIX_ENVIRONMENTS.contains(&env) {
                        if begin.is_some() {
                            matrices += 1;
                        } else {
                            matrices = matrices.saturating_sub(1);
                        }
                    } else if top {
                        // `aligned`, `align`, `gathered`, `equation`: their lines are equations.
                        splitter.end_equation(i);
                        splitter.start = i + whole;
                    }
                    i += whole;
                    continue;
                } else if top && (SEPARATORS.contains(&command) || command == "\\\\") && !names_function(rest, command)
                {
                    splitter.end_equation(i);
                    let skip = if command == "\\text" { text_argument_len(rest) } else { command.len() };
                    i += skip;
                    splitter.start = i;
                    continue;
                } else if let Some((_, relation)) = RELATIONS.iter().find(|(c, _)| *c == command).filter(|_| top) {
                    splitter.end_side(i, *relation);
                    i += command.len();
                    splitter.start = i;
                    continue;
                }
                // `\{`, `\left(`: skip the escaped character so it does not count as a brace.
                i += command.len().max(2).min(rest.len());
                continue;
            }
            b',' | b';' if top => {
                splitter.end_equation(i);
                splitter.start = i + 1;
            }
            b'=' if top => {
                let colon = i > 0 && bytes[i - 1] == b':';
                splitter.end_side(if colon { i - 1 } else { i }, Relation::Equals);
                splitter.start = i + 1;
            }
            b'<' | b'>' if top => {
                splitter.end_side(i, Relation::Other);
                splitter.start = i + 1;
            }
            _ => {}
        }
        i += rest.chars().next().map_or(1, char::len_utf8);
    }
    splitter.end_equation(math.len());
    splitter.equations
}

struct Splitter<'a> {
    math: &'a str,
    equations: Vec<Equation>,
    sides: Vec<Span>,
    relations: Vec<Relation>,
    start: usize,
}

impl Splitter<'_> {
    fn end_side(&mut self, end: usize, relation: Relation) {
        let span = trim(self.math, self.start..end);
        self.sides.push(span);
        self.relations.push(relation);
    }

    fn end_equation(&mut self, end: usize) {
        let span = trim(self.math, self.start..end);
        if span.is_empty() && self.sides.is_empty() {
            return;
        }
        self.sides.push(span);
        let sides = std::mem::take(&mut self.sides);
        let relations = std::mem::take(&mut self.relations);
        if !sides.iter().any(|s| !s.is_empty()) {
            return;
        }
        // A line that opens with a relation (`&= c` in `aligned`) continues the chain above.
        match self.equations.last_mut() {
            Some(previous) if sides[0].is_empty() && sides.len() > 1 => {
                previous.sides.extend(sides.into_iter().skip(1));
                previous.relations.extend(relations);
            }
            _ => self.equations.push(Equation { sides, relations }),
        }
    }
}

/// The command at the start of `text` (which starts with `\`): `\frac`, `\\`, `\,`.
pub(super) fn command_at(text: &str) -> &str {
    let letters = text[1..].bytes().take_while(u8::is_ascii_alphabetic).count();
    if letters > 0 {
        &text[..1 + letters]
    } else {
        let next = text[1..].chars().next().map_or(0, char::len_utf8);
        &text[..1 + next]
    }
}

/// The environment's name when `text` starts with `opening` (`\begin{` or `\end{`).
fn environment<'a>(text: &'a str, opening: &str) -> Option<&'a str> {
    let rest = text.strip_prefix(opening)?;
    let end = rest.find('}')?;
    Some(rest[..end].trim_end_matches('*'))
}

/// The length of `\text{...}` (or of `\text` alone when no brace follows).
fn text_argument_len(text: &str) -> usize {
    let after = &text[5..];
    let spaces = after.len() - after.trim_start().len();
    if !after.trim_start().starts_with('{') {
        return 5;
    }
    let mut depth = 0;
    for (k, c) in after[spaces..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return 5 + spaces + k + 1;
                }
            }
            _ => {}
        }
    }
    text.len()
}

/// Whether `\text{...}` at the start of `text` names a function (`\text{ReLU}(z)`): part of
/// an expression, not prose between equations.
fn names_function(text: &str, command: &str) -> bool {
    if command != "\\text" {
        return false;
    }
    let len = text_argument_len(text);
    let word = text[5..len].trim().trim_start_matches('{').trim_end_matches('}').trim();
    super::expr::function_named(word).is_some()
}

/// `span` without surrounding white space, `&` and a final period.
fn trim(math: &str, span: Span) -> Span {
    let text = &math[span.clone()];
    let strip = |c: char| c.is_whitespace() || c == '&' || c == '~';
    let start = span.start + (text.len() - text.trim_start_matches(strip).len());
    let mut end = span.start + text.trim_end_matches(strip).len();
    while end > start && (math[start..end].ends_with('.') || math[start..end].ends_with("\\,")) {
        end -= if math[start..end].ends_with('.') { 1 } else { 2 };
        end = start + math[start..end].trim_end_matches(strip).len();
    }
    start..end.max(start)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(math: &str) -> Vec<Vec<&str>> {
        split_equations(math).iter().map(|e| e.sides.iter().map(|s| &math[s.clone()]).collect()).collect()
    }

    #[test]
    fn chains_split_at_relations() {
        assert_eq!(texts("a = b + c \\approx 2"), vec![vec!["a", "b + c", "2"]]);
        let eq = &split_equations("a = b \\approx c")[0];
        assert_eq!(eq.relations, vec![Relation::Equals, Relation::Approx]);
    }

    #[test]
    fn equations_split_at_commas_and_spacing_but_not_inside_groups() {
        assert_eq!(texts("x = 1, \\quad y = \\max(0, 2)."), vec![vec!["x", "1"], vec!["y", "\\max(0, 2)"]]);
        assert_eq!(texts("z = [1;1] \\text{ and } w = 2"), vec![vec!["z", "[1;1]"], vec!["w", "2"]]);
        assert_eq!(texts("a = \\text{ReLU}(-2) = 0"), vec![vec!["a", "\\text{ReLU}(-2)", "0"]]);
    }

    #[test]
    fn matrices_keep_their_rows_and_aligned_breaks_lines() {
        let m = "A = \\begin{bmatrix} 1 & 2 \\\\ 3 & 4 \\end{bmatrix}";
        assert_eq!(texts(m), vec![vec!["A", "\\begin{bmatrix} 1 & 2 \\\\ 3 & 4 \\end{bmatrix}"]]);
        let aligned = "\\begin{aligned} E &= a + b \\\\ &= c \\end{aligned}";
        assert_eq!(texts(aligned), vec![vec!["E", "a + b", "c"]]);
    }
}
