//! The language's syntax: the AST, the text parser and printer, the LaTeX printer and reader,
//! name handling, and the diagnostics that point into the source.

pub mod ast;
pub mod declared;
pub mod diagnostic;
pub mod latex;
pub mod latex_document;
pub mod latex_width;
pub mod names;
pub mod parse;
pub mod print;
pub mod read_latex;
pub mod tree;
