//! LaTeX beyond one expression: a worked chain of equalities with each step's rule typeset as a
//! label, displays for KaTeX or Markdown, and a standalone document that pdflatex compiles.
//!
//! A rule's label is written as words in `\text{}` (every LaTeX special character escaped),
//! followed by its formula typeset as math when the formula reads as an expression or an
//! equation of the language: `kronecker: sum(i, delta(i, k)*f(i)) = f(k)` becomes
//! `\text{kronecker: } \sum_{i} [i = k] \cdot f\left(i\right) = f\left(k\right)`.

use crate::syntax::ast::Expr;
use crate::syntax::latex::{parens, statement_latex, to_latex_lines, LatexStyle};
use crate::syntax::parse::parse_statement;

/// A chain of equalities worked step by step, `first = e_1 = e_2 = ...`, each step labelled
/// with the rule that gave it.
#[derive(Clone, Debug, PartialEq)]
pub struct Chain {
    first: String,
    /// Each step's expression in lines, and its label.
    steps: Vec<(Vec<String>, String)>,
    style: LatexStyle,
}

/// About how many letters of a step fit on a line of an A4 page with 2 cm margins (the page is
/// 96 letters wide), room left for the `=` and the indentation of a continued line.
const STEP_WIDTH: f64 = 80.0;

impl Chain {
    /// A chain starting from `first` (LaTeX math), its steps to be typeset in `style`.
    pub fn new(first: String, style: LatexStyle) -> Chain {
        Chain { first, steps: vec![], style }
    }

    /// Adds a step: the whole expression after it, and the rule's label.
    pub fn push(&mut self, expr: &Expr, rule: &str) {
        self.push_filled(expr, rule, &|line| line);
    }

    /// Adds a step whose lines of LaTeX are passed through `fill` (which writes out what the
    /// expression only stands for, such as a derivative still pending).
    pub fn push_filled(&mut self, expr: &Expr, rule: &str, fill: &dyn Fn(String) -> String) {
        let lines = to_latex_lines(expr, self.style, STEP_WIDTH).into_iter().map(fill).collect();
        self.steps.push((lines, label_latex(rule, self.style)));
    }

    /// The rows of an `aligned` or `align*` block: `first` alone, then `= e_n` for each step
    /// with its label beside it, as `label` places it; a step too wide for one line goes on in
    /// indented rows, each starting with the `+` or `-` of a term, and the label is beside its
    /// last row.
    fn rows(&self, label: impl Fn(&str) -> String) -> Vec<String> {
        let mut rows = vec![format!("&{}", self.first)];
        for (lines, rule) in &self.steps {
            let last = rows.len() + lines.len() - 1;
            for (n, line) in lines.iter().enumerate() {
                rows.push(if n == 0 { format!("&= {line}") } else { format!("&\\qquad {{}}{line}") });
            }
            rows[last].push_str(&format!(" {}", label(rule)));
        }
        rows
    }
}

/// One piece of display math.
#[derive(Clone, Debug, PartialEq)]
pub enum Display {
    /// An expression or an equation (LaTeX math).
    Math(String),
    /// A worked chain, one line per step.
    Chain(Chain),
}

impl Display {
    /// The display as math for another document's display environment (KaTeX's display mode,
    /// Markdown's `$$`): a chain as an `aligned` block.
    pub fn snippet(&self) -> String {
        match self {
            Display::Math(math) => math.clone(),
            Display::Chain(chain) if chain.steps.is_empty() => chain.first.clone(),
            Display::Chain(chain) => {
                let rows = chain.rows(|label| format!("&& \\textstyle ({label})"));
                format!("\\begin{{aligned}}\n{}\n\\end{{aligned}}", rows.join(" \\\\\n"))
            }
        }
    }

    /// The display in a LaTeX document: `\[ ... \]`, or for a chain `align*`, which (under
    /// `\allowdisplaybreaks`) may break across pages where an `aligned` block could not, each
    /// label a `\tag*` at the right margin (put on a line of its own where the step is too wide).
    fn in_document(&self) -> String {
        match self {
            Display::Chain(chain) if !chain.steps.is_empty() => {
                let rows = chain.rows(|label| format!("\\tag*{{$({label})$}}"));
                format!("\\begin{{align*}}\n{}\n\\end{{align*}}", rows.join(" \\\\\n"))
            }
            _ => format!("\\[\n{}\n\\]", self.snippet()),
        }
    }
}

/// One block of a document's body.
#[derive(Clone, Debug, PartialEq)]
pub enum Block {
    /// A paragraph of LaTeX text: words escaped with [`escape_text`], math in `$...$`.
    Paragraph(String),
    /// Display math.
    Display(Display),
}

/// A complete LaTeX document that pdflatex compiles: the blocks in order, on A4 with 2 cm
/// margins, display breaks allowed inside a chain.
pub fn standalone(blocks: &[Block]) -> String {
    let mut out = String::from(
        "\\documentclass{article}\n\\usepackage[a4paper,margin=2cm]{geometry}\n\\usepackage{amsmath}\n\
         \\allowdisplaybreaks\n\\setlength{\\parindent}{0pt}\n\\begin{document}\n",
    );
    for block in blocks {
        out.push('\n');
        match block {
            Block::Paragraph(text) => out.push_str(text),
            Block::Display(display) => out.push_str(&display.in_document()),
        }
        out.push('\n');
    }
    out.push_str("\n\\end{document}\n");
    out
}

/// Text for LaTeX's text mode (inside `\text{}` or a paragraph): every special character
/// escaped, and `<`, `>`, `|`, which the default font encoding would print as other glyphs.
pub fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\textbackslash{}"),
            '^' => out.push_str("\\textasciicircum{}"),
            '~' => out.push_str("\\textasciitilde{}"),
            '<' => out.push_str("\\textless{}"),
            '>' => out.push_str("\\textgreater{}"),
            '|' => out.push_str("\\textbar{}"),
            '{' | '}' | '_' | '&' | '%' | '$' | '#' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// `\text{...}` of `s`, escaped.
fn text(s: &str) -> String {
    format!("\\text{{{}}}", escape_text(s))
}

/// A rule's label as LaTeX math: its leading words in `\text{}`, and the rest typeset as math
/// when it reads as an expression or an equation of the language (`assumption sum(i, y[i]) = 1`,
/// `x + 0 = x`, `factor out (x + x*b)`); a label with no such formula is all text. Several
/// rules joined by `; ` are typeset each on its own.
pub fn label_latex(label: &str, style: LatexStyle) -> String {
    let parts: Vec<String> = label.split("; ").map(|part| one_label_latex(part, style)).collect();
    parts.join("\\text{; }")
}

/// [`label_latex`] of one rule's label.
fn one_label_latex(label: &str, style: LatexStyle) -> String {
    let label = label.trim();
    let starts = std::iter::once(0).chain(label.match_indices(' ').map(|(at, _)| at + 1));
    for start in starts {
        let (words, formula) = label.split_at(start);
        if let Some(math) = formula_latex(formula, style) {
            // Braced, the formula is spaced from the words by the words' own space alone.
            return if words.is_empty() { math } else { format!("{}{{{math}}}", text(words)) };
        }
    }
    text(label)
}

/// A formula of a label as math, if it is one: an expression or an equation, where a
/// one-letter name called like a function (`f(i)`, a rule's pattern variable) is written as a
/// call, and a parenthesized formula keeps its parentheses. A word (`distribute`) is no formula.
fn formula_latex(src: &str, style: LatexStyle) -> Option<String> {
    let src = src.trim();
    if is_word(src) {
        return None;
    }
    if let Some(inner) = src.strip_prefix('(').and_then(|rest| rest.strip_suffix(')')) {
        if closing_paren(src, 0) == Some(src.len() - 1) {
            return formula_latex(inner, style).map(|math| format!("({math})"));
        }
    }
    let (text, calls) = replace_pattern_calls(src, style)?;
    let mut math = statement_latex(&parse_statement(&text).ok()?, style);
    for call in calls {
        math = math.replace(&format!("\\mathrm{{{}}}", call.placeholder), &call.latex);
    }
    Some(math)
}

/// Whether `s` is a word rather than a formula: a name of two or more letters.
fn is_word(s: &str) -> bool {
    s.chars().all(|c| c.is_alphanumeric() || c == '_') && s.chars().filter(|c| c.is_alphabetic()).count() > 1
}

/// A call of a pattern variable (`f(i)`) replaced by a name for parsing, and its LaTeX.
struct PatternCall {
    placeholder: String,
    latex: String,
}

/// `src` with every call of a one-letter name (`f(i)`, `g(x, y)`) replaced by a placeholder
/// name, and the calls as LaTeX; `None` when a call's parentheses do not close or an argument
/// is no formula.
fn replace_pattern_calls(src: &str, style: LatexStyle) -> Option<(String, Vec<PatternCall>)> {
    let bytes = src.as_bytes();
    let mut text = String::new();
    let mut calls = vec![];
    let mut at = 0;
    let mut copied = 0;
    while at + 1 < bytes.len() {
        let starts_name = at == 0 || !(bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_');
        if starts_name && bytes[at].is_ascii_alphabetic() && bytes[at + 1] == b'(' {
            let close = closing_paren(src, at + 1)?;
            let args = split_arguments(&src[at + 2..close])
                .into_iter()
                .map(|arg| formula_latex(arg, style))
                .collect::<Option<Vec<_>>>()?;
            let placeholder = placeholder(src, calls.len())?;
            text.push_str(&src[copied..at]);
            text.push_str(&placeholder);
            let latex = format!("{}{}", &src[at..at + 1], parens(&args.join(", ")));
            calls.push(PatternCall { placeholder, latex });
            at = close + 1;
            copied = at;
        } else {
            at += 1;
        }
    }
    text.push_str(&src[copied..]);
    Some((text, calls))
}

/// The `n`th placeholder name: letters only (so the printer writes it `\mathrm{...}` whole),
/// and found nowhere in `src`.
fn placeholder(src: &str, n: usize) -> Option<String> {
    let letter = char::from(b'a' + u8::try_from(n).ok().filter(|&n| n < 26)?);
    let name = format!("patterncall{letter}");
    (!src.contains(&name)).then_some(name)
}

/// The byte index of the `)` that closes the `(` at `open`, if any.
fn closing_paren(src: &str, open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (at, c) in src.char_indices().skip_while(|&(at, _)| at < open) {
        match c {
            '(' => depth += 1,
            ')' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(at);
                }
            }
            _ => {}
        }
    }
    None
}

/// The arguments of a call, split at the commas outside brackets.
fn split_arguments(args: &str) -> Vec<&str> {
    let mut parts = vec![];
    let mut depth = 0i32;
    let mut start = 0;
    for (at, c) in args.char_indices() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&args[start..at]);
                start = at + 1;
            }
            _ => {}
        }
    }
    parts.push(&args[start..]);
    parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::latex::DeltaStyle;
    use crate::syntax::parse::parse_expr;

    fn label(s: &str) -> String {
        label_latex(s, LatexStyle::default())
    }

    #[test]
    fn every_special_character_of_text_is_escaped() {
        assert_eq!(
            escape_text(r"a_b ^ & 50% $ # {x} \ ~ < > |"),
            r"a\_b \textasciicircum{} \& 50\% \$ \# \{x\} \textbackslash{} \textasciitilde{} \textless{} \textgreater{} \textbar{}"
        );
    }

    #[test]
    fn labels_are_words_then_math() {
        let cases = [
            ("chain rule", r"\text{chain rule}"),
            ("distribute", r"\text{distribute}"),
            ("fold constants", r"\text{fold constants}"),
            ("kronecker: sum(i, delta(i, k)*f(i)) = f(k)", r"\text{kronecker: }{\sum_{i} [i = k] \cdot f(i) = f(k)}"),
            (
                "kronecker: sum(i = 1..len(v), delta(i, k)*f(i)) = f(k)",
                r"\text{kronecker: }{\sum_{i=1}^{\operatorname{len}(v)} [i = k] \cdot f(i) = f(k)}",
            ),
            ("x + 0 = x", "x + 0 = x"),
            ("x^-n = (1/x)^n", r"x^{-n} = \left(\frac{1}{x}\right)^{n}"),
            ("g(x, y) = g(y, x)", "g(x, y) = g(y, x)"),
            ("factor out (x + x*b)", r"\text{factor out }{(x + x \cdot b)}"),
            ("assumption sum(i, y[i]) = 1   ", r"\text{assumption }{\sum_{i} y_{i} = 1}"),
            ("definition yhat = softmax(z)", r"\text{definition }{\hat{y} = \operatorname{softmax}(z)}"),
            ("a sum of zeros is 0", r"\text{a sum of zeros is }{0}"),
            ("split the sum over 1..n", r"\text{split the sum over 1..n}"),
            (
                "rewriting (no explanation found within the limits)",
                r"\text{rewriting (no explanation found within the limits)}",
            ),
            ("unbalanced f(i", r"\text{unbalanced f(i}"),
            (
                "odd_rule: 50% & {more} ^ ~ \\",
                r"\text{odd\_rule: 50\% \& \{more\} \textasciicircum{} \textasciitilde{} \textbackslash{}}",
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(label(input), expected, "{input}");
        }
    }

    #[test]
    fn labels_follow_the_delta_style() {
        let style = LatexStyle { delta: DeltaStyle::Kronecker };
        assert_eq!(label_latex("delta(i, i) = 1", style), r"\delta_{ii} = 1");
    }

    fn chain() -> Chain {
        let mut chain = Chain::new(r"\frac{\partial}{\partial x} x^{2}".into(), LatexStyle::default());
        chain.push(&parse_expr("2*x^(2 - 1)").unwrap(), "chain rule");
        chain.push(&parse_expr("2*x").unwrap(), "x^1 = x");
        chain
    }

    #[test]
    fn a_chain_is_one_line_a_step_with_its_label() {
        assert_eq!(
            Display::Chain(chain()).snippet(),
            "\\begin{aligned}\n&\\frac{\\partial}{\\partial x} x^{2} \\\\\n&= 2 x^{2 - 1} && \\textstyle (\\text{chain rule}) \\\\\n\
             &= 2 x && \\textstyle (x^{1} = x)\n\\end{aligned}"
        );
        let empty = Chain::new("x".into(), LatexStyle::default());
        assert_eq!(Display::Chain(empty).snippet(), "x");
    }

    #[test]
    fn a_standalone_document_has_a_preamble_and_tags_the_steps() {
        let doc = standalone(&[
            Block::Paragraph("Let $y = 2$.".into()),
            Block::Display(Display::Chain(chain())),
            Block::Display(Display::Math("x".into())),
        ]);
        assert!(doc.starts_with("\\documentclass{article}\n"), "{doc}");
        assert!(doc.contains("\\usepackage{amsmath}") && doc.contains("\\allowdisplaybreaks"), "{doc}");
        assert!(doc.contains("\\begin{document}\n\nLet $y = 2$.\n\n\\begin{align*}\n"), "{doc}");
        assert!(doc.contains("&= 2 x \\tag*{$(x^{1} = x)$}\n\\end{align*}"), "{doc}");
        assert!(doc.ends_with("\\[\nx\n\\]\n\n\\end{document}\n"), "{doc}");
    }
}
