//! Networks given by their definitions, shared by the tests and the benchmarks.

/// The ReLU network of seed 004's sparsity question: each `w` a single connection, every unit a
/// ReLU, the output `y`.
pub const RELU_NETWORK: [&str; 8] = [
    "z1 = w1*x1",
    "h1 = relu(z1)",
    "z3 = w2*h1 + w6*h2",
    "h3 = relu(z3)",
    "z4 = w4*h1 + w7*h2",
    "h4 = relu(z4)",
    "z = w3*h3 + w5*h4",
    "y = relu(z)",
];
