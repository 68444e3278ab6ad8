//! Fuzzes the exercise file reader, `parse_exercise` (see `checks/exercise.rs`).
#![no_main]

#[path = "../checks/exercise.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::check(data));
