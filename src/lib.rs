//! # deltaform
//!
//! Symbolic gradient derivation for neural-network math. The pipeline:
//! `syntax (parse → ast) → eval → diff → egraph (rules, extract) → derive → exercise runner / checker → cli`.
#![warn(missing_docs)]

pub mod check;
pub mod cli;
pub mod defs;
pub mod derive;
pub mod diff;
pub mod domain;
pub mod egraph;
pub mod eval;
pub mod exercise;
pub mod graph;
pub mod jacobian;
pub mod matrix;
pub mod sample;
pub mod signs;
pub mod syntax;
pub mod warnings;

pub use derive::{derive, Derivation};
pub use eval::number::Number;
pub use eval::value::{Env, Value};
pub use eval::{eval, eval_scalar, EvalError};
pub use syntax::ast::{BinOp, Expr, Func, Node, Span, Statement};
pub use syntax::parse::{parse_expr, parse_statement, ParseError};
