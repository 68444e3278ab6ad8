//! The catalog of derivations deltaform must do (shared by the tests and the benchmark):
//! activations, losses to delta^L, derivations through definitions, and the seeds' exercises.

/// One catalog entry: a name, the expression, the variable, definitions and assumptions.
pub struct Entry {
    pub name: &'static str,
    pub expr: &'static str,
    pub wrt: &'static str,
    pub lets: &'static [&'static str],
    pub assume: &'static [&'static str],
}

const fn entry(name: &'static str, expr: &'static str, wrt: &'static str) -> Entry {
    Entry { name, expr, wrt, lets: &[], assume: &[] }
}

pub const CATALOG: &[Entry] = &[
    entry("sigmoid", "sigmoid(x)", "x"),
    entry("tanh", "tanh(x)", "x"),
    entry("relu", "relu(x)", "x"),
    entry("softplus", "softplus(x)", "x"),
    entry("swish", "x*sigmoid(x)", "x"),
    entry("relu_plus_sin", "relu(x) + sin(x)", "x"),
    entry("sigmoid_of_2x", "sigmoid(2*x)", "x"),
    entry("logistic_from_exp", "exp(x)/(1 + exp(x))", "x"),
    Entry {
        name: "squared_error_identity",
        expr: "1/2*sum(i, (yhat[i] - y[i])^2)",
        wrt: "z[k]",
        lets: &["yhat[i] = z[i]"],
        assume: &[],
    },
    Entry {
        name: "squared_error_sigmoid",
        expr: "1/2*sum(i, (yhat[i] - y[i])^2)",
        wrt: "z[k]",
        lets: &["yhat[i] = sigmoid(z[i])"],
        assume: &[],
    },
    Entry {
        name: "squared_error_tanh",
        expr: "1/2*sum(i, (yhat[i] - y[i])^2)",
        wrt: "z[k]",
        lets: &["yhat[i] = tanh(z[i])"],
        assume: &[],
    },
    Entry {
        name: "binary_cross_entropy_sigmoid",
        expr: "-sum(i, y[i]*log(yhat[i]) + (1 - y[i])*log(1 - yhat[i]))",
        wrt: "z[k]",
        lets: &["yhat[i] = sigmoid(z[i])"],
        assume: &[],
    },
    Entry {
        name: "cross_entropy_softmax",
        expr: "-sum(i, y[i]*log(softmax(z)[i]))",
        wrt: "z[k]",
        lets: &["yhat = softmax(z)"],
        assume: &["sum(i, y[i]) = 1"],
    },
    Entry {
        name: "cross_entropy_softmax_no_assumption",
        expr: "-sum(i, y[i]*log(softmax(z)[i]))",
        wrt: "z[k]",
        lets: &["yhat = softmax(z)"],
        assume: &[],
    },
    Entry {
        name: "additional_1_squared_error_sigmoid",
        expr: "1/2*sum(i, (t[i] - zhat[i])^2)",
        wrt: "z[k]",
        lets: &["zhat[i] = sigmoid(z[i])"],
        assume: &[],
    },
    Entry {
        name: "additional_2_exp_of_squares",
        expr: "-sum(i, t[i]*log(zhat))",
        wrt: "z[k]",
        lets: &["zhat = exp(sum(j, (w[j]*z[j])^2) + 1)"],
        assume: &[],
    },
    Entry {
        name: "additional_3_sigmoid_of_2z",
        expr: "-sum(i, t[i]*log(zhat[i]))",
        wrt: "z[k]",
        lets: &["zhat[i] = sigmoid(2*z[i])"],
        assume: &[],
    },
    Entry { name: "softmax_jacobian", expr: "softmax(z)[i]", wrt: "z[j]", lets: &["yhat = softmax(z)"], assume: &[] },
    entry("log_softmax", "log(softmax(z)[i])", "z[k]"),
    entry("logsumexp", "logsumexp(z)", "z[k]"),
    Entry {
        name: "hidden_layer_recursion",
        expr: "1/2*sum(n, (out[n] - t[n])^2)",
        wrt: "z[m]",
        lets: &["a[j] = tanh(z[j])", "out[n] = sum(j, W[n, j]*a[j])"],
        assume: &[],
    },
    Entry {
        name: "weight_gradient",
        expr: "1/2*sum(n, (out[n] - t[n])^2)",
        wrt: "W[p, q]",
        lets: &["out[n] = sum(j, W[n, j]*a[j])"],
        assume: &[],
    },
    Entry {
        name: "residual_network_xbar",
        expr: "1/2*sum(n, (yv[n] - s[n])^2) + sum(j, r[j]*h[j])",
        wrt: "x[p]",
        lets: &[
            "u[j] = sum(i, W1[j, i]*x[i]) + b1[j]",
            "h[j] = sigmoid(u[j])",
            "yv[n] = x[n] + sum(j, W2[n, j]*h[j]) + b2[n]",
        ],
        assume: &[],
    },
];
