//! The catalog of derivations deltaform must do, read from `tests/catalog.toml` (shared by the
//! tests, the benchmark and the Python package's differential test; its header says what each
//! entry holds).

use std::sync::LazyLock;

/// One catalog entry.
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// A unique name (the snapshot's name).
    pub name: String,
    /// The expression differentiated.
    pub expr: String,
    /// The variable, `x` or a component `z[k]`.
    pub wrt: String,
    /// Definitions (`--let`).
    #[serde(default)]
    pub lets: Vec<String>,
    /// Assumptions (`--assume`).
    #[serde(default)]
    pub assume: Vec<String>,
    /// The derivative as a textbook prints it, in the language (names of the definitions may
    /// be used).
    pub textbook: String,
    /// How many lines of algebra a textbook shows after the chain rule.
    pub textbook_steps: usize,
    /// Why the engine's result is longer than the textbook form, where it is (the test then
    /// asserts that it still is, so that the note goes when the engine catches up).
    pub known_longer: Option<String>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Catalog {
    entry: Vec<Entry>,
}

/// Every entry, in the file's order.
pub static CATALOG: LazyLock<Vec<Entry>> = LazyLock::new(|| {
    let text = include_str!("../catalog.toml");
    toml::from_str::<Catalog>(text).expect("tests/catalog.toml is a valid catalog").entry
});
