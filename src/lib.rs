//! # deltaform
//!
//! Symbolic gradient derivation for neural-network math. The pipeline:
//! `parse → ast → diff → egraph (rules, extract) → print / eval → exercise runner → cli`.
#![warn(missing_docs)]

pub mod ast;
pub mod diagnostic;
pub mod parse;
pub mod print;

pub use ast::{BinOp, Expr, Func, Node, Span, Statement};
pub use parse::{parse_expr, parse_statement, ParseError};
