//! Replays the inputs fuzzing found (`fuzz/regressions/TARGET/`, one input per file) through the
//! fuzz targets' own checks (`fuzz/checks/`), so they stay fixed without fuzzing in CI.

#[path = "../fuzz/checks/exercise.rs"]
mod exercise;
#[path = "../fuzz/checks/parse.rs"]
mod parse;

use std::path::{Path, PathBuf};

/// The inputs found for `target`, sorted by name.
fn found_inputs(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions").join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{}: no inputs", dir.display());
    files
}

fn replay(target: &str, check: fn(&[u8])) {
    for path in found_inputs(target) {
        let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        eprintln!("{}", path.display());
        check(&data);
    }
}

#[test]
fn parse_inputs_found_by_fuzzing() {
    replay("parse", parse::check);
}

#[test]
fn exercise_inputs_found_by_fuzzing() {
    replay("exercise", exercise::check);
}
