//! Replays through the fuzz targets' own checks (`fuzz/checks/`) the inputs fuzzing found
//! (`fuzz/regressions/TARGET/`, one input per file) and the inputs each target starts from (its
//! corpus seeds: the grammar examples, the exercise files, the bundled documents), so they stay
//! fixed without fuzzing in CI.

#[path = "../fuzz/checks/exercise.rs"]
mod exercise;
#[path = "../fuzz/checks/latex.rs"]
mod latex;
#[path = "../fuzz/checks/parse.rs"]
mod parse;

use std::path::{Path, PathBuf};

/// The files in `dirs` (relative to the crate), sorted; a missing directory has none.
fn inputs(dirs: &[&str]) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<PathBuf> = dirs
        .iter()
        .filter_map(|dir| std::fs::read_dir(root.join(dir)).ok())
        .flatten()
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    files
}

fn replay(dirs: &[&str], check: fn(&[u8])) {
    let files = inputs(dirs);
    assert!(!files.is_empty(), "{dirs:?}: no inputs");
    for path in files {
        let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        eprintln!("{}", path.display());
        check(&data);
    }
}

#[test]
fn parse_inputs() {
    replay(&["fuzz/regressions/parse", "grammar/valid", "grammar/invalid"], parse::check);
}

#[test]
fn exercise_inputs() {
    replay(&["fuzz/regressions/exercise", "examples", "grammar/exercise/invalid"], exercise::check);
}

#[test]
fn latex_inputs() {
    replay(&["fuzz/regressions/latex", "examples/check"], latex::check);
}
