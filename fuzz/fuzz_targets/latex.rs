//! Fuzzes the LaTeX math reader and the checker on whole documents (see `checks/latex.rs`).
#![no_main]

#[path = "../checks/latex.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::check(data));
