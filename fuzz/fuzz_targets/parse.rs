//! Fuzzes the parser and the canonical printer (see `checks/parse.rs`).
#![no_main]

#[path = "../checks/parse.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::check(data));
