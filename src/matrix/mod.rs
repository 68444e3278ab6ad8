//! Matrix and vector calculus: expressions over declared shapes (`W*x + b`, `x^T`, `A .* B`,
//! `norm2(v)`, `tr(A)`), differentiated through their index form and answered in matrix form.

pub mod elaborate;
pub mod lower;
pub mod shape;
