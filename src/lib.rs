//! # deltaform
//!
//! Symbolic gradient derivation for neural-network math. The pipeline:
//! `parse → ast → diff → egraph (rules, extract) → print / eval → exercise runner → cli`.
#![warn(missing_docs)]

pub mod ast;
pub mod bindings;
pub mod cli;
pub mod defs;
pub mod derive;
pub mod diagnostic;
pub mod diff;
pub mod domain;
pub mod egraph;
pub mod eval;
pub mod exercise;
pub mod latex;
pub mod names;
pub mod number;
pub mod parse;
pub mod print;
pub mod sample;
pub mod value;
pub mod warnings;

pub use ast::{BinOp, Expr, Func, Node, Span, Statement};
pub use derive::{derive, Derivation};
pub use eval::{eval, eval_scalar, EvalError};
pub use number::Number;
pub use parse::{parse_expr, parse_statement, ParseError};
pub use value::{Env, Value};
