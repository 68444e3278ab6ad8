//! The nom parser for `grammar/expr.ebnf`: one function per production, named after it.
//!
//! Parsing never panics. Failures are [`ParseError`]s carrying the span of the offending
//! text and what was expected there.

use crate::syntax::ast::{BinOp, Expr, Func, Node, Reduce, Span, Statement};
use crate::syntax::print::split_fives;
use nom::branch::alt;
use nom::bytes::complete::{tag, take_while};
use nom::character::complete::{char, digit1, one_of, satisfy};
use nom::combinator::{opt, recognize};
use nom::error::ErrorKind;
use nom::{IResult, Parser};
use nom_locate::LocatedSpan;
use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::Zero;
use std::cell::{Cell, RefCell};

/// The located input the parser works on.
type In<'a> = LocatedSpan<&'a str>;
type PResult<'a, T> = IResult<In<'a>, T, Failure>;

/// What went wrong while parsing, with where.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ParseError {
    /// The input ended where more was expected.
    #[error("unexpected end of input: expected {expected}")]
    UnexpectedEnd {
        /// What would have been accepted.
        expected: String,
        /// The (empty) span at the end of the input.
        span: Span,
    },
    /// A token that does not fit where it stands.
    #[error("unexpected `{found}`: expected {expected}")]
    Unexpected {
        /// The offending text.
        found: String,
        /// What would have been accepted.
        expected: String,
        /// Where the offending text is.
        span: Span,
    },
    /// A call of a function the language does not have.
    #[error("unknown function `{name}`")]
    UnknownFunction {
        /// The name that was called.
        name: String,
        /// Where the name is.
        span: Span,
    },
    /// A call with the wrong number of arguments.
    #[error("`{name}` takes {expected} argument{}, found {found}", if *.expected == 1 { "" } else { "s" })]
    Arity {
        /// The function's name.
        name: String,
        /// How many it takes.
        expected: usize,
        /// How many were given.
        found: usize,
        /// Where the call is.
        span: Span,
    },
    /// A reserved function name used as a variable.
    #[error("`{name}` is a function: call it as `{name}(...)`")]
    ReservedName {
        /// The function's name.
        name: String,
        /// Where the name is.
        span: Span,
    },
    /// A number that is not well formed.
    #[error("malformed number `{text}`")]
    BadNumber {
        /// The text that was read.
        text: String,
        /// Where it is.
        span: Span,
    },
    /// An expression nested deeper than the parser accepts.
    #[error("expression nested too deeply (the limit is {limit} levels)")]
    TooDeep {
        /// The nesting limit.
        limit: usize,
        /// Where the limit was passed.
        span: Span,
    },
}

impl ParseError {
    /// The span of the offending text.
    pub fn span(&self) -> Span {
        match self {
            ParseError::UnexpectedEnd { span, .. }
            | ParseError::Unexpected { span, .. }
            | ParseError::UnknownFunction { span, .. }
            | ParseError::Arity { span, .. }
            | ParseError::ReservedName { span, .. }
            | ParseError::BadNumber { span, .. }
            | ParseError::TooDeep { span, .. } => span.clone(),
        }
    }

    /// The same error with its span moved by `offset` bytes (for sources embedded in a larger text).
    pub fn shifted(mut self, offset: usize) -> ParseError {
        match &mut self {
            ParseError::UnexpectedEnd { span, .. }
            | ParseError::Unexpected { span, .. }
            | ParseError::UnknownFunction { span, .. }
            | ParseError::Arity { span, .. }
            | ParseError::ReservedName { span, .. }
            | ParseError::BadNumber { span, .. }
            | ParseError::TooDeep { span, .. } => *span = span.start + offset..span.end + offset,
        }
        self
    }

    /// A stable machine-readable name for the kind of error.
    pub fn kind(&self) -> &'static str {
        match self {
            ParseError::UnexpectedEnd { .. } => "unexpected_end",
            ParseError::Unexpected { .. } => "unexpected_token",
            ParseError::UnknownFunction { .. } => "unknown_function",
            ParseError::Arity { .. } => "wrong_arity",
            ParseError::ReservedName { .. } => "reserved_name",
            ParseError::BadNumber { .. } => "bad_number",
            ParseError::TooDeep { .. } => "too_deep",
        }
    }

    /// A hint for fixing the error, where there is one.
    pub fn help(&self) -> Option<String> {
        match self {
            ParseError::UnknownFunction { name, .. } => {
                // `sum` is among them (`sum(v)`; `sum(i, body)` is read apart).
                let names: Vec<&str> = Func::ALL.iter().map(|f| f.name()).collect();
                let guess = crate::warnings::nearest(name, names.iter().copied())
                    .map(|f| format!("did you mean `{f}`? "))
                    .unwrap_or_default();
                let declare = match name.as_str() {
                    "pi" => String::new(),
                    _ => format!("; a function without a definition is declared with --fn '{name}'"),
                };
                Some(format!("{guess}the functions are: {}{declare}", names.join(", ")))
            }
            ParseError::BadNumber { .. } => {
                Some("numbers look like 2, 0.1, 1e-3 (write 1/3 for a fraction); exponents reach ±10000".into())
            }
            ParseError::TooDeep { .. } => Some("split the expression with definitions (`--let`)".into()),
            _ => None,
        }
    }
}

/// The parser's internal failure: the furthest offset reached and what was expected there,
/// or a definite error found after the parser committed to a production.
#[derive(Debug)]
pub struct Failure {
    offset: usize,
    expected: Vec<&'static str>,
    definite: Option<ParseError>,
}

impl Failure {
    fn expected(at: &In, what: &'static str) -> Failure {
        Failure { offset: at.location_offset(), expected: vec![what], definite: None }
    }

    fn definite(error: ParseError) -> nom::Err<Failure> {
        nom::Err::Failure(Failure { offset: error.span().start, expected: vec![], definite: Some(error) })
    }
}

impl<'a> nom::error::ParseError<In<'a>> for Failure {
    fn from_error_kind(input: In<'a>, _kind: ErrorKind) -> Self {
        Failure { offset: input.location_offset(), expected: vec![], definite: None }
    }

    fn append(_input: In<'a>, _kind: ErrorKind, other: Self) -> Self {
        other
    }

    fn or(self, other: Self) -> Self {
        if self.definite.is_some() || self.offset > other.offset {
            return self;
        }
        if other.definite.is_some() || other.offset > self.offset {
            return other;
        }
        let mut expected = self.expected;
        for e in other.expected {
            if !expected.contains(&e) {
                expected.push(e);
            }
        }
        Failure { offset: self.offset, expected, definite: None }
    }
}

/// Parses a whole expression.
pub fn parse_expr(src: &str) -> Result<Expr, ParseError> {
    finish(src, expr)
}

/// Parses a whole statement: an expression or an equation `lhs = rhs`.
pub fn parse_statement(src: &str) -> Result<Statement, ParseError> {
    finish(src, statement)
}

/// An accepted spelling that is not the canonical one, which the user should hear about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    /// What was read as what.
    pub message: &'static str,
    /// The whole input the spelling was found in.
    pub source: String,
    /// Where in `source` (its first occurrence).
    pub span: Span,
}

/// The note for `**` read as the power operator `^`.
pub const STARRED_POWER_NOTE: &str = "`**` read as `^`";

thread_local! {
    /// Where the input being parsed on this thread first spells `^` as `**`.
    static STARRED_POWER: Cell<Option<Span>> = const { Cell::new(None) };
    /// The notes gathered while a [`NoteCollector`] lives on this thread.
    static NOTES: RefCell<Option<Vec<Note>>> = const { RefCell::new(None) };
}

/// Gathers the [`Note`]s of every input parsed on this thread while it lives, one per input
/// (an input parsed twice is noted once). Without a collector no note is kept.
#[derive(Debug)]
pub struct NoteCollector(());

impl NoteCollector {
    /// Starts gathering notes on this thread (dropping any a previous collector left).
    pub fn start() -> NoteCollector {
        NOTES.with(|n| *n.borrow_mut() = Some(Vec::new()));
        NoteCollector(())
    }

    /// Stops gathering and returns the notes, in the order their inputs were parsed.
    pub fn finish(self) -> Vec<Note> {
        NOTES.with(|n| n.borrow_mut().take()).unwrap_or_default()
    }
}

impl Drop for NoteCollector {
    fn drop(&mut self) {
        NOTES.with(|n| n.borrow_mut().take());
    }
}

/// Records a note about `source` if a [`NoteCollector`] is gathering and has none for it yet.
fn record_note(message: &'static str, source: &str, span: Span) {
    NOTES.with(|n| {
        if let Some(notes) = n.borrow_mut().as_mut() {
            if !notes.iter().any(|note| note.message == message && note.source == source) {
                notes.push(Note { message, source: source.to_string(), span });
            }
        }
    });
}

/// How deep an expression tree may be: bounds every recursive walk over it (printing,
/// evaluation, differentiation) well inside a thread's stack.
pub const MAX_DEPTH: usize = 256;

thread_local! {
    /// How many productions deep the parser is on this thread.
    static NESTING: Cell<usize> = const { Cell::new(0) };
}

/// Counts one level of parser recursion for as long as it lives.
struct NestingGuard;

impl NestingGuard {
    /// Enters one more level, or fails with [`ParseError::TooDeep`] at `at` (at the end of the
    /// input, where there is nothing to point at, with the missing expression instead).
    fn enter(at: &In) -> Result<NestingGuard, nom::Err<Failure>> {
        let depth = NESTING.with(|n| n.get());
        if depth >= MAX_DEPTH && at.fragment().is_empty() {
            return Err(nom::Err::Error(Failure::expected(at, "an expression")));
        }
        if depth >= MAX_DEPTH {
            let start = at.location_offset();
            let len = at.fragment().chars().next().map_or(0, char::len_utf8);
            return Err(Failure::definite(ParseError::TooDeep { limit: MAX_DEPTH, span: start..start + len }));
        }
        NESTING.with(|n| n.set(depth + 1));
        Ok(NestingGuard)
    }
}

impl Drop for NestingGuard {
    fn drop(&mut self) {
        NESTING.with(|n| n.set(n.get().saturating_sub(1)));
    }
}

/// Something whose trees are depth-checked after parsing (long `+`/`*` chains nest too).
trait Depth {
    /// The deepest tree in it and that tree's span.
    fn deepest(&self) -> (usize, Span);
}

impl Depth for Expr {
    fn deepest(&self) -> (usize, Span) {
        (self.depth(), self.span.clone())
    }
}

impl Depth for Statement {
    fn deepest(&self) -> (usize, Span) {
        match self {
            Statement::Expr(e) => e.deepest(),
            Statement::Equation(l, r) => std::cmp::max_by_key(l.deepest(), r.deepest(), |d| d.0),
        }
    }
}

/// Runs `parser` over all of `src`, turning a failure into a [`ParseError`].
fn finish<'a, T: Depth>(src: &'a str, parser: fn(In<'a>) -> PResult<'a, T>) -> Result<T, ParseError> {
    NESTING.with(|n| n.set(0));
    STARRED_POWER.with(|s| s.set(None));
    let input = In::new(src);
    match parser(input) {
        Ok((rest, value)) => {
            let (depth, span) = value.deepest();
            if depth > MAX_DEPTH {
                return Err(ParseError::TooDeep { limit: MAX_DEPTH, span });
            }
            let (rest, _) = ws(rest).map_err(|e| to_error(src, e))?;
            if rest.fragment().is_empty() {
                if let Some(span) = STARRED_POWER.with(Cell::take) {
                    record_note(STARRED_POWER_NOTE, src, span);
                }
                Ok(value)
            } else {
                let mut failure = Failure::expected(&rest, "an operator");
                failure.expected.push("end of input");
                Err(to_error(src, nom::Err::Error(failure)))
            }
        }
        Err(e) => Err(to_error(src, e)),
    }
}

fn to_error(src: &str, err: nom::Err<Failure>) -> ParseError {
    let failure = match err {
        nom::Err::Error(f) | nom::Err::Failure(f) => f,
        nom::Err::Incomplete(_) => Failure { offset: src.len(), expected: vec![], definite: None },
    };
    if let Some(definite) = failure.definite {
        return definite;
    }
    let expected = describe_expected(&failure.expected);
    let at = failure.offset.min(src.len());
    let rest = &src[at..];
    match token_at(rest) {
        None => ParseError::UnexpectedEnd { expected, span: at..at },
        Some(found) => ParseError::Unexpected { span: at..at + found.len(), found: found.to_string(), expected },
    }
}

fn describe_expected(expected: &[&'static str]) -> String {
    match expected {
        [] => "an expression".to_string(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// The token starting `rest`, for error messages: a word, a number or a single character.
fn token_at(rest: &str) -> Option<&str> {
    let first = rest.chars().next()?;
    let len = if first.is_ascii_alphanumeric() || first == '_' {
        rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.')).unwrap_or(rest.len())
    } else {
        first.len_utf8()
    };
    Some(&rest[..len])
}

fn span_of(start: &In, end: &In) -> Span {
    start.location_offset()..end.location_offset()
}

/// Skips white space (spaces, tabs, newlines).
fn ws(input: In) -> PResult<In> {
    take_while(|c: char| c.is_whitespace()).parse(input)
}

/// A punctuation token (after optional white space), with its Unicode aliases.
fn punct<'a>(symbol: char, label: &'static str) -> impl Fn(In<'a>) -> PResult<'a, In<'a>> {
    move |input: In<'a>| {
        let (input, _) = ws(input)?;
        let aliases: &[char] = match symbol {
            '-' => &['-', '\u{2212}'],
            '*' => &['*', '\u{b7}', '\u{d7}'],
            _ => &[],
        };
        let result: PResult<In> = if aliases.is_empty() {
            recognize(char(symbol)).parse(input)
        } else {
            recognize(one_of(aliases)).parse(input)
        };
        result.map_err(|_| nom::Err::Error(Failure::expected(&input, label)))
    }
}

/// The power operator: `^`, or `**` (Python's spelling, remembered for a [`Note`]).
fn caret(input: In) -> PResult<In> {
    let (input, _) = ws(input)?;
    if let Ok((rest, stars)) = tag::<_, _, Failure>("**").parse(input) {
        let span = span_of(&input, &rest);
        STARRED_POWER.with(|s| {
            let first = s.take().unwrap_or(span);
            s.set(Some(first));
        });
        return Ok((rest, stars));
    }
    recognize(char('^')).parse(input).map_err(|_: nom::Err<Failure>| nom::Err::Error(Failure::expected(&input, "`^`")))
}

/// statement = expr , [ "=" , expr ] ;
fn statement(input: In) -> PResult<Statement> {
    let (input, lhs) = expr(input)?;
    let (input, eq) = opt(punct('=', "`=`")).parse(input)?;
    if eq.is_none() {
        return Ok((input, Statement::Expr(lhs)));
    }
    let (input, rhs) = cut_expr(input)?;
    Ok((input, Statement::Equation(lhs, rhs)))
}

/// An expression that must be there (after a committed token).
fn cut_expr(input: In) -> PResult<Expr> {
    expr(input).map_err(|e| match e {
        nom::Err::Error(f) => nom::Err::Failure(f),
        other => other,
    })
}

/// What an infix operator builds: a binary node, or a call of a two-argument function
/// (`a .* b` is `hadamard(a, b)`).
#[derive(Clone, Copy)]
enum Infix {
    Binary(BinOp),
    Call(Func),
}

impl Infix {
    fn build(self, a: Expr, b: Expr, span: Span) -> Expr {
        match self {
            Infix::Binary(op) => Expr::spanned(Node::Binary(op, Box::new(a), Box::new(b)), span),
            Infix::Call(func) => Expr::spanned(Node::Call(func, vec![a, b]), span),
        }
    }
}

/// The entrywise product's operator: `.*`, `⊙` or `∘`.
fn hadamard_operator(input: In) -> PResult<In> {
    let (input, _) = ws(input)?;
    alt((tag(".*"), tag("\u{2299}"), tag("\u{2218}")))
        .parse(input)
        .map_err(|_: nom::Err<Failure>| nom::Err::Error(Failure::expected(&input, "`.*`")))
}

/// Folds a left-associative chain `first (op operand)*`; an operator is a punctuation character
/// (with its aliases), or `.` for the entrywise product `.*`.
fn left_chain<'a>(
    input: In<'a>,
    operand: fn(In<'a>) -> PResult<'a, Expr>,
    ops: &[(char, Infix, &'static str)],
) -> PResult<'a, Expr> {
    let start = input;
    let (mut input, mut acc) = operand(input)?;
    let mut depth = acc.depth();
    loop {
        let mut matched = None;
        let mut failure: Option<Failure> = None;
        for (symbol, op, label) in ops {
            let token = if *symbol == '.' { hadamard_operator(input) } else { punct(*symbol, label)(input) };
            match token {
                Ok((rest, _)) => {
                    matched = Some((rest, *op));
                    break;
                }
                Err(nom::Err::Error(f)) => {
                    failure = Some(match failure {
                        None => f,
                        Some(prev) => nom::error::ParseError::or(prev, f),
                    })
                }
                Err(e) => return Err(e),
            }
        }
        let Some((rest, op)) = matched else {
            return Ok((input, acc));
        };
        let (rest, rhs) = operand(rest).map_err(commit)?;
        depth = depth.max(rhs.depth()) + 1;
        if depth > MAX_DEPTH {
            let at = input.location_offset();
            return Err(Failure::definite(ParseError::TooDeep { limit: MAX_DEPTH, span: at..rest.location_offset() }));
        }
        acc = op.build(acc, rhs, span_of(&start, &rest));
        input = rest;
    }
}

/// Turns a recoverable error into a committed one (nom's `cut`).
fn commit(e: nom::Err<Failure>) -> nom::Err<Failure> {
    match e {
        nom::Err::Error(f) => nom::Err::Failure(f),
        other => other,
    }
}

/// expr = term , { ( "+" | "-" ) , term } ;
fn expr(input: In) -> PResult<Expr> {
    left_chain(input, term, &[('+', Infix::Binary(BinOp::Add), "`+`"), ('-', Infix::Binary(BinOp::Sub), "`-`")])
}

/// term = unary , { ( "*" | "/" | ".*" ) , unary } ;   (`.*` also `⊙`, `∘`: the entrywise product)
fn term(input: In) -> PResult<Expr> {
    let ops = [
        ('*', Infix::Binary(BinOp::Mul), "`*`"),
        ('/', Infix::Binary(BinOp::Div), "`/`"),
        ('.', Infix::Call(Func::Hadamard), "`.*`"),
    ];
    left_chain(input, unary, &ops)
}

/// unary = "-" , unary | power ;
fn unary(input: In) -> PResult<Expr> {
    let (rest, _) = ws(input)?;
    let _level = NestingGuard::enter(&rest)?;
    let start = rest;
    match punct('-', "`-`")(rest) {
        Ok((rest, _)) => {
            let (rest, inner) = unary(rest).map_err(commit)?;
            Ok((rest, Expr::spanned(Node::Neg(Box::new(inner)), span_of(&start, &rest))))
        }
        Err(nom::Err::Error(_)) => power(rest),
        Err(e) => Err(e),
    }
}

/// power = postfix , [ caret , unary ] ;   (right-associative through `unary`)
fn power(input: In) -> PResult<Expr> {
    let start = input;
    let (input, base) = postfix(input)?;
    match caret(input) {
        Ok((rest, _)) => {
            let (rest, exponent) = unary(rest).map_err(commit)?;
            let span = span_of(&start, &rest);
            Ok((rest, Expr::spanned(Node::Binary(BinOp::Pow, Box::new(base), Box::new(exponent)), span)))
        }
        Err(nom::Err::Error(f)) => {
            // Keep what an operator here would have been, for the caller's message.
            let _ = f;
            Ok((input, base))
        }
        Err(e) => Err(e),
    }
}

/// postfix = ( ( call | name ) , [ "[" , expr , { "," , expr } , "]" ] | primary ) , { "'" } ;
/// (`x'` is the transpose of `x`.)
fn postfix(input: In) -> PResult<Expr> {
    let (input, _) = ws(input)?;
    let start = input;
    let (input, base) = primary(input)?;
    let indexable = matches!(base.node, Node::Var(_) | Node::Call(..));
    let (mut input, mut e) = match punct('[', "`[`")(input) {
        Ok((rest, _)) if indexable => {
            let (rest, indices) = comma_list(rest)?;
            let (rest, _) = punct(']', "`]` or `,`")(rest).map_err(commit)?;
            (rest, Expr::spanned(Node::Index(Box::new(base), indices), span_of(&start, &rest)))
        }
        Ok(_) | Err(nom::Err::Error(_)) => (input, base),
        Err(e) => return Err(e),
    };
    while let Ok((rest, _)) = punct('\'', "`'`")(input) {
        e = Expr::spanned(Node::Call(Func::Transpose, vec![e]), span_of(&start, &rest));
        input = rest;
    }
    Ok((input, e))
}

/// `expr , { "," , expr }` after a committed opening token.
fn comma_list(input: In) -> PResult<Vec<Expr>> {
    let (mut input, first) = cut_expr(input)?;
    let mut items = vec![first];
    while let Ok((rest, _)) = punct(',', "`,`")(input) {
        let (rest, item) = cut_expr(rest)?;
        items.push(item);
        input = rest;
    }
    Ok((input, items))
}

/// primary = number | sum | call | name | "(" , expr , ")" | array | iverson ;
/// array = "[" , expr , { "," , expr } , "]" ;
/// iverson = "[" , expr , "=" , expr , "]" ;
fn primary(input: In) -> PResult<Expr> {
    let (input, _) = ws(input)?;
    if let Ok((rest, _)) = punct('(', "`(`")(input) {
        let (rest, inner) = cut_expr(rest)?;
        let (rest, _) = punct(')', "`)`").parse(rest).map_err(commit)?;
        return Ok((rest, inner));
    }
    if let Ok((rest, _)) = punct('[', "`[`")(input) {
        let (rest, first) = cut_expr(rest)?;
        if let Ok((rest, _)) = punct('=', "`=`")(rest) {
            // The Iverson bracket `[i = j]`: 1 where the indices are equal, else 0.
            let (rest, second) = cut_expr(rest)?;
            let (rest, _) = punct(']', "`]`").parse(rest).map_err(commit)?;
            return Ok((rest, Expr::spanned(Node::Call(Func::Delta, vec![first, second]), span_of(&input, &rest))));
        }
        let mut items = vec![first];
        let mut rest = rest;
        while let Ok((after, _)) = punct(',', "`,`")(rest) {
            let (after, item) = cut_expr(after)?;
            items.push(item);
            rest = after;
        }
        let expected = if items.len() == 1 { "`]`, `,` or `=`" } else { "`]` or `,`" };
        let (rest, _) = punct(']', expected).parse(rest).map_err(commit)?;
        return Ok((rest, Expr::spanned(Node::Array(items), span_of(&input, &rest))));
    }
    alt((number, word)).parse(input).map_err(|e| match e {
        nom::Err::Error(_) => nom::Err::Error(Failure::expected(&input, "an expression")),
        other => other,
    })
}

/// The largest decimal exponent of a number literal, in normalized scientific form.
const MAX_EXPONENT: i64 = 10_000;

/// number = digits , [ "." , digits ] , [ ( "e" | "E" ) , [ "+" | "-" ] , digits ] ;
fn number(input: In) -> PResult<Expr> {
    let start = input;
    let (input, int_part) = digit1(input)?;
    let (input, frac) = opt((char('.'), opt(digit1))).parse(input)?;
    let (input, exp) = opt((one_of("eE"), opt(one_of("+-")), opt(digit1))).parse(input)?;
    let span = span_of(&start, &input);
    let text = &start.fragment()[..span.len()];
    let bad = matches!(frac, Some((_, None))) || matches!(exp, Some((_, _, None)));
    let trailing_word = satisfy::<_, _, Failure>(|c| c.is_alphanumeric() || c == '_' || c == '.').parse(input).is_ok();
    if bad || trailing_word {
        let end = input.location_offset()
            + input
                .fragment()
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
                .unwrap_or(input.fragment().len());
        let whole = &start.fragment()[..end - start.location_offset()];
        return Err(Failure::definite(ParseError::BadNumber { text: whole.to_string(), span: span.start..end }));
    }
    let mut digits = int_part.fragment().to_string();
    let mut scale: i64 = 0;
    if let Some((_, Some(f))) = frac {
        digits.push_str(f.fragment());
        scale -= f.fragment().len() as i64;
    }
    if let Some((_, sign, Some(e))) = exp {
        let magnitude: i64 = match e.fragment().parse::<i64>() {
            Ok(m) if m <= 1_000_000 => m,
            _ => return Err(Failure::definite(ParseError::BadNumber { text: text.to_string(), span })),
        };
        scale += if sign == Some('-') { -magnitude } else { magnitude };
    }
    // The exponent in normalized form `d.ddd e N` (what the printer writes) must lie in ±10000.
    let significant = digits.trim_start_matches('0').len() as i64;
    if significant > 0 && (significant - 1 + scale).abs() > MAX_EXPONENT {
        return Err(Failure::definite(ParseError::BadNumber { text: text.to_string(), span }));
    }
    let mantissa: BigInt = digits.parse().unwrap_or_else(|_| BigInt::zero());
    Ok((input, Expr::spanned(Node::Num(decimal_value(mantissa, scale)), span)))
}

/// `mantissa * 10^scale` in lowest terms. For a negative scale the fraction is reduced by the
/// factors 2 and 5 the mantissa shares with `10^-scale` (the only ones it can share), which is
/// much faster than a gcd on the 10,000-digit numbers a literal may have.
fn decimal_value(mantissa: BigInt, scale: i64) -> BigRational {
    // Zero is zero whatever its exponent (`0e754302` must not build a 754,302-digit power).
    if mantissa.is_zero() {
        return BigRational::zero();
    }
    let places = scale.unsigned_abs() as usize;
    if scale >= 0 {
        return BigRational::from_integer(mantissa * num_traits::pow(BigInt::from(10), places));
    }
    let twos = (mantissa.trailing_zeros().unwrap_or(0) as usize).min(places);
    let (fives, numer) = split_fives(&(mantissa >> twos), places);
    let denom = num_traits::pow(BigInt::from(5), places - fives) << (places - twos);
    BigRational::new_raw(numer, denom)
}

/// A name, a call, a sum or a product: they all start with a word.
///
/// call = func_name , "(" , expr , { "," , expr } , ")" ;
/// sum  = ( "sum" | "prod" ) , "(" , name , [ range ] , "," , expr , ")" ;
fn word(input: In) -> PResult<Expr> {
    let start = input;
    let (input, name) = name(input)?;
    if let Some(applied) = declared_application(start, &name, input)? {
        return Ok(applied);
    }
    let name_span = span_of(&start, &input);
    let open = punct('(', "`(`")(input);
    let Ok((args_start, _)) = open else {
        // `delta` alone is a variable (Huber's parameter); called, the Kronecker delta.
        let reserved = (Func::from_name(&name).is_some() && name != Func::Delta.name()) || binder(&name).is_some();
        if reserved || crate::syntax::declared::is_declared(&name) {
            return Err(Failure::definite(ParseError::ReservedName { name, span: name_span }));
        }
        let node = if name == "pi" { Node::Pi } else { Node::Var(name) };
        return Ok((input, Expr::spanned(node, name_span)));
    };
    // `sum(v)` (one argument, no index) sums a vector's or a matrix's entries.
    let binder_follows = |rest| {
        let after_name = self::name(rest).map(|(after, _)| after);
        after_name.is_ok_and(|after| punct(',', "`,`")(after).is_ok() || punct('=', "`=`")(after).is_ok())
    };
    if name == "sum" && !binder_follows(args_start) && punct(')', "`)`")(args_start).is_err() {
        let (rest, args) = comma_list(args_start)?;
        let (rest, _) = punct(')', "`)`")(rest).map_err(commit)?;
        let span = span_of(&start, &rest);
        if args.len() != 1 {
            return Err(Failure::definite(ParseError::Arity { name, expected: 1, found: args.len(), span }));
        }
        return Ok((rest, Expr::spanned(Node::Call(Func::SumAll, args), span)));
    }
    if let Some(op) = binder(&name) {
        let (rest, _) = ws(args_start)?;
        let binder_start = rest;
        let (rest, index) =
            self::name(rest).map_err(|_| nom::Err::Failure(Failure::expected(&binder_start, "an index name")))?;
        let (rest, count) = sum_range(rest)?;
        let (rest, _) = punct(',', "`,`")(rest).map_err(commit)?;
        let (rest, body) = cut_expr(rest)?;
        let (rest, _) = punct(')', "`)`")(rest).map_err(commit)?;
        let node = Node::Reduce(op, index, count.map(Box::new), Box::new(body));
        return Ok((rest, Expr::spanned(node, span_of(&start, &rest))));
    }
    let Some(func) = Func::from_name(&name) else {
        return Err(Failure::definite(ParseError::UnknownFunction { name, span: name_span }));
    };
    let (rest, args) = comma_list(args_start)?;
    let (rest, _) = punct(')', "`)` or `,`")(rest).map_err(commit)?;
    let span = span_of(&start, &rest);
    if args.len() != func.arity() {
        return Err(Failure::definite(ParseError::Arity {
            name: func.name().to_string(),
            expected: func.arity(),
            found: args.len(),
            span,
        }));
    }
    Ok((rest, Expr::spanned(Node::Call(func, args), span)))
}

/// A declared function applied (`f(x)`), or its derivative (`f'(x)`, `f''(x)`, `d_1 g(x, y)`,
/// `d_2 d_1 g(x, y)`), starting with the word `name` already read; `None` when the words do
/// not name a declared function followed by `(`.
///
/// applied = { "d_" , digit , { digit } } , declared name , { "'" } , "(" , expr , { "," , expr } , ")" ;
fn declared_application<'a>(
    start: In<'a>,
    name: &str,
    input: In<'a>,
) -> Result<Option<(In<'a>, Expr)>, nom::Err<Failure>> {
    let mut full = name.to_string();
    let mut base = name.to_string();
    let mut rest = input;
    let is_partial =
        |w: &str| w.strip_prefix("d_").is_some_and(|k| !k.is_empty() && k.chars().all(|c| c.is_ascii_digit()));
    while is_partial(&base) {
        let Ok((after, next)) = self::name(rest) else { return Ok(None) };
        full = format!("{full} {next}");
        base = next;
        rest = after;
    }
    if !crate::syntax::declared::is_declared(&base) {
        return Ok(None);
    }
    while let Ok((after, _)) = tag::<_, _, Failure>("'").parse(rest) {
        full.push('\'');
        rest = after;
    }
    let Ok((args_start, _)) = punct('(', "`(`")(rest) else { return Ok(None) };
    let (rest, args) = comma_list(args_start)?;
    let (rest, _) = punct(')', "`)` or `,`")(rest).map_err(commit)?;
    let span = span_of(&start, &rest);
    // Primes are for one argument; `d_k` needs a k-th argument.
    let needs =
        |expected: usize| ParseError::Arity { name: full.clone(), expected, found: args.len(), span: span.clone() };
    if full.ends_with('\'') && args.len() != 1 {
        return Err(Failure::definite(needs(1)));
    }
    let ks = full.split(' ').filter_map(|w| w.strip_prefix("d_")).filter_map(|k| k.parse::<usize>().ok());
    if let Some(k) = ks.into_iter().find(|&k| k == 0 || k > args.len()) {
        return Err(Failure::definite(needs(k.max(1))));
    }
    Ok(Some((rest, Expr::spanned(Node::Apply(full, args), span))))
}

/// The optional range of a sum after its index: `= 1..n` gives `n`.
///
/// range = "=" , "1" , ".." , expr ;
fn sum_range(input: In) -> PResult<Option<Expr>> {
    let Ok((rest, _)) = punct('=', "`=`")(input) else { return Ok((input, None)) };
    let (after_ws, _) = ws(rest)?;
    let (rest, _) = tag::<_, _, Failure>("1..").parse(after_ws).map_err(|_| {
        nom::Err::Failure(Failure::expected(&after_ws, "`1..` (a sum's range runs from 1: `sum(i = 1..n, body)`)"))
    })?;
    let (rest, count) = cut_expr(rest)?;
    Ok((rest, Some(count)))
}

/// name = letter , { letter | digit | "_" } ;  Greek letters and `ŷ` are read as their ASCII names.
fn name(input: In) -> PResult<String> {
    let (input, _) = ws(input)?;
    let (rest, first) = alt((ascii_letter, unicode_alias)).parse(input)?;
    let mut out = first;
    let mut input = rest;
    while let Ok((rest, piece)) = alt((ascii_word_char, unicode_alias)).parse(input) {
        out.push_str(&piece);
        input = rest;
    }
    Ok((input, out))
}

/// The binder a word names: `sum` or `prod`.
pub fn binder(word: &str) -> Option<Reduce> {
    [Reduce::Sum, Reduce::Prod].into_iter().find(|op| op.name() == word)
}

fn ascii_letter(input: In) -> PResult<String> {
    satisfy(|c| c.is_ascii_alphabetic()).map(String::from).parse(input)
}

fn ascii_word_char(input: In) -> PResult<String> {
    satisfy(|c| c.is_ascii_alphanumeric() || c == '_').map(String::from).parse(input)
}

/// Unicode letters accepted on input, with the ASCII names they stand for.
pub const UNICODE_ALIASES: [(&str, &str); 21] = [
    ("ŷ", "yhat"),
    ("σ", "sigmoid"),
    ("Σ", "sum"),
    ("Π", "prod"),
    ("δ", "delta"),
    ("π", "pi"),
    ("α", "alpha"),
    ("β", "beta"),
    ("γ", "gamma"),
    ("ε", "epsilon"),
    ("η", "eta"),
    ("θ", "theta"),
    ("λ", "lambda"),
    ("μ", "mu"),
    ("ρ", "rho"),
    ("τ", "tau"),
    ("φ", "phi"),
    ("ω", "omega"),
    ("ξ", "xi"),
    ("ζ", "zeta"),
    ("ν", "nu"),
];

fn unicode_alias(input: In) -> PResult<String> {
    for (alias, ascii) in UNICODE_ALIASES {
        if let Ok((rest, _)) = tag::<_, _, Failure>(alias).parse(input) {
            return Ok((rest, ascii.to_string()));
        }
    }
    Err(nom::Err::Error(Failure::expected(&input, "a name")))
}

/// Parses a number the same way the language does (used for `--at` values and TOML numbers).
pub fn parse_number(text: &str) -> Option<BigRational> {
    match number(In::new(text)) {
        Ok((rest, e)) if rest.fragment().is_empty() => e.as_num().cloned(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> String {
        parse_expr(s).map(|e| e.to_string()).unwrap_or_else(|e| format!("error: {e}"))
    }

    #[test]
    fn precedence_and_associativity() {
        assert_eq!(p("2^3^2"), "2^3^2");
        assert_eq!(parse_expr("2^3^2").unwrap(), parse_expr("2^(3^2)").unwrap());
        assert_eq!(parse_expr("-x^2").unwrap(), parse_expr("-(x^2)").unwrap());
        assert_eq!(parse_expr("a - b - c").unwrap(), parse_expr("(a - b) - c").unwrap());
        assert_eq!(parse_expr("a/b*c").unwrap(), parse_expr("(a/b)*c").unwrap());
        assert_eq!(parse_expr("2^-1").unwrap(), parse_expr("2^(-1)").unwrap());
    }

    #[test]
    fn numbers_are_exact() {
        let e = parse_expr("0.1").unwrap();
        assert_eq!(e.as_num().unwrap(), &BigRational::new(1.into(), 10.into()));
        let e = parse_expr("1e-3").unwrap();
        assert_eq!(e.as_num().unwrap(), &BigRational::new(1.into(), 1000.into()));
        let e = parse_expr("2.5E2").unwrap();
        assert_eq!(e.as_num().unwrap(), &BigRational::from_integer(250.into()));
    }

    #[test]
    fn double_star_is_the_power_operator() {
        assert_eq!(p("x**2"), "x^2");
        assert_eq!(parse_expr("2**3**2").unwrap(), parse_expr("2^(3^2)").unwrap());
        assert_eq!(parse_expr("-x ** -1").unwrap(), parse_expr("-(x^(-1))").unwrap());
        assert_eq!(parse_expr("a*b**c/d").unwrap(), parse_expr("a*(b^c)/d").unwrap());
        assert_eq!(parse_expr("x^2**y").unwrap(), parse_expr("x^(2^y)").unwrap());
        for (src, at) in [("x* *2", 3), ("x * *2", 4), ("x***2", 3), ("x**", 3)] {
            assert_eq!(parse_expr(src).unwrap_err().span().start, at, "{src}");
        }
    }

    #[test]
    fn double_star_is_noted_once_per_input_while_collecting() {
        let collector = NoteCollector::start();
        parse_expr("x**2 + y**2").unwrap();
        parse_statement("x**2 + y**2").unwrap();
        parse_expr("x^2").unwrap();
        parse_statement("f = 2 ** z").unwrap();
        assert!(parse_expr("x**").is_err());
        let notes = collector.finish();
        let noted: Vec<(&str, Span)> = notes.iter().map(|n| (n.source.as_str(), n.span.clone())).collect();
        assert_eq!(noted, [("x**2 + y**2", 1..3), ("f = 2 ** z", 6..8)]);
        assert!(notes.iter().all(|n| n.message == STARRED_POWER_NOTE));
        parse_expr("x**2").unwrap();
        assert_eq!(NoteCollector::start().finish(), [], "nothing is kept without a collector");
    }

    #[test]
    fn decimal_values_are_in_lowest_terms() {
        let q = |n: i64, d: i64| BigRational::new(n.into(), d.into());
        // Zero with the largest exponent accepted is read at once (fuzzing found 10 s here).
        for (text, value) in
            [("0.5", q(1, 2)), ("2.50", q(5, 2)), ("0.0", q(0, 1)), ("1.25e-1", q(1, 8)), ("0e1000000", q(0, 1))]
        {
            let parsed = parse_number(text).unwrap();
            assert_eq!((parsed.numer(), parsed.denom()), (value.numer(), value.denom()), "{text}");
        }
        for text in ["0.12", "0.375", "15e-3", "4e-4", "6.0e-2", "1e-10000", "3.2e-9000", "7000e-9999"] {
            let parsed = parse_number(text).unwrap();
            let reduced = BigRational::new(parsed.numer().clone(), parsed.denom().clone());
            assert_eq!((parsed.numer(), parsed.denom()), (reduced.numer(), reduced.denom()), "{text}");
        }
    }

    #[test]
    fn unicode_aliases() {
        assert_eq!(p("σ(x) · ŷ − η"), "sigmoid(x)*yhat - eta");
        assert_eq!(p("Σ(i, y[i])"), "sum(i, y[i])");
    }

    #[test]
    fn delta_is_a_variable_unless_called() {
        let huber = parse_expr("delta*(abs(x) - delta/2)").unwrap();
        assert_eq!(huber.free_names().into_iter().collect::<Vec<_>>(), ["delta", "x"]);
        assert_eq!(parse_expr("δ[k] + delta").unwrap(), parse_expr("delta[k] + delta").unwrap());
        assert!(matches!(parse_expr("delta(i, j)").unwrap().node, Node::Call(Func::Delta, _)));
        assert!(matches!(parse_expr("delta (i, j)").unwrap().node, Node::Call(Func::Delta, _)));
        assert_eq!(p("delta*delta(i, k)"), "delta*delta(i, k)");
        assert_eq!(parse_expr("delta(x)").unwrap_err().kind(), "wrong_arity");
        assert_eq!(parse_expr("sigma").unwrap().to_string(), "sigma");
        assert_eq!(parse_expr("σ*x").unwrap_err().kind(), "reserved_name");
    }

    #[test]
    fn statements() {
        let s = parse_statement("h[j] = sigmoid(z[j])").unwrap();
        assert_eq!(s.to_string(), "h[j] = sigmoid(z[j])");
    }

    #[test]
    fn errors_have_spans() {
        let e = parse_expr("1 +* 2").unwrap_err();
        assert_eq!(e.span(), 3..4);
        assert_eq!(e.kind(), "unexpected_token");
        let e = parse_expr("exp(1 +").unwrap_err();
        assert_eq!(e.kind(), "unexpected_end");
        assert_eq!(e.span(), 7..7);
        let e = parse_expr("foo(1)").unwrap_err();
        assert_eq!(e.span(), 0..3);
        let e = parse_expr("max(1)").unwrap_err();
        assert_eq!(e.kind(), "wrong_arity");
        let e = parse_expr("1 2").unwrap_err();
        assert_eq!(e.span(), 2..3);
        let e = parse_expr("1.x").unwrap_err();
        assert_eq!(e.kind(), "bad_number");
        // Each `-` opens a level: the one past the limit starts after the 256th, here the end
        // of the input (found by a property test: the span used to be empty).
        let too_deep = "x*".to_string() + &"-".repeat(MAX_DEPTH);
        let e = parse_expr(&(too_deep.clone() + "y")).unwrap_err();
        assert_eq!((e.kind(), e.span()), ("too_deep", too_deep.len()..too_deep.len() + 1));
        let e = parse_expr(&too_deep).unwrap_err();
        assert_eq!((e.kind(), e.span()), ("unexpected_end", too_deep.len()..too_deep.len()));
    }

    #[test]
    fn the_iverson_bracket_is_the_kronecker_delta() {
        assert_eq!(parse_expr("[i = k]*z[i]").unwrap(), parse_expr("delta(i, k)*z[i]").unwrap());
        assert_eq!(parse_expr("[i = j + 1]").unwrap().to_string(), "delta(i, j + 1)");
        assert_eq!(parse_expr("[i = j, 2]").unwrap_err().to_string(), "unexpected `,`: expected `]`");
        assert!(parse_expr("[i = ]").is_err());
    }
}
