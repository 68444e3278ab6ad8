//! Networks given by their definitions, shared by the tests and the benchmarks (and the graph
//! module's unit tests, which read the same file).

/// The ReLU network of seed 004's sparsity question: each `w` a single connection, every unit a
/// ReLU, the output `y`; one `--let` definition per line.
pub fn relu_network() -> Vec<&'static str> {
    include_str!("relu_network.lets").lines().collect()
}
