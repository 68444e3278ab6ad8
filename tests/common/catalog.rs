//! The catalog of derivations deltaform must do (shared by the tests and the benchmark):
//! activations and losses (PyTorch's, as far as the language expresses them), derivations
//! through definitions, homework-style chains, and the seeds' exercises. Each entry carries the
//! derivative as a textbook prints it, which the engine's result must equal and be no longer
//! than (in operators), and how many lines of algebra a textbook shows after the chain rule.

/// One catalog entry.
#[derive(Clone, Copy, Debug)]
pub struct Entry {
    /// A unique name (the snapshot's name).
    pub name: &'static str,
    /// The expression differentiated.
    pub expr: &'static str,
    /// The variable, `x` or a component `z[k]`.
    pub wrt: &'static str,
    /// Definitions (`--let`).
    pub lets: &'static [&'static str],
    /// Assumptions (`--assume`).
    pub assume: &'static [&'static str],
    /// The derivative as a textbook prints it, in the language (names of the definitions may
    /// be used).
    pub textbook: &'static str,
    /// How many lines of algebra a textbook shows after the chain rule.
    pub textbook_steps: usize,
    /// Why the engine's result is longer than the textbook form, where it is (the test then
    /// asserts that it still is, so that the note goes when the engine catches up).
    pub known_longer: Option<&'static str>,
}

/// An entry without definitions or assumptions.
const fn entry(
    name: &'static str,
    expr: &'static str,
    wrt: &'static str,
    textbook: &'static str,
    textbook_steps: usize,
) -> Entry {
    Entry { name, expr, wrt, lets: &[], assume: &[], textbook, textbook_steps, known_longer: None }
}

impl Entry {
    /// The entry with definitions.
    const fn lets(self, lets: &'static [&'static str]) -> Entry {
        Entry { lets, ..self }
    }

    /// The entry with assumptions.
    const fn assume(self, assume: &'static [&'static str]) -> Entry {
        Entry { assume, ..self }
    }

    /// The entry whose result is longer than its textbook form, and why.
    const fn known_longer(self, reason: &'static str) -> Entry {
        Entry { known_longer: Some(reason), ..self }
    }
}

/// Why the results of entries with a parameter in a denominator are longer.
const ALPHA_OVER_ALPHA: &str = "the result keeps alpha/alpha: x/x cancels only where the analysis proves x != 0";
const BETA_OVER_BETA: &str = "the result keeps beta/beta: x/x cancels only where the analysis proves x != 0";
const RHO_OVER_RHO: &str =
    "the result keeps (1 - rho)/(1 - rho) and (2 - rho)/(2 - rho): x/x cancels only where the analysis proves x != 0";

pub const CATALOG: &[Entry] = &[
    // Activations.
    entry("sigmoid", "sigmoid(x)", "x", "sigmoid(x)*(1 - sigmoid(x))", 0),
    entry("tanh", "tanh(x)", "x", "1 - tanh(x)^2", 0),
    entry("relu", "relu(x)", "x", "step(x)", 0),
    entry("softplus", "softplus(x)", "x", "sigmoid(x)", 0),
    entry("swish", "x*sigmoid(x)", "x", "sigmoid(x)*(1 + x*(1 - sigmoid(x)))", 1),
    entry("relu_plus_sin", "relu(x) + sin(x)", "x", "step(x) + cos(x)", 0),
    entry("sigmoid_of_2x", "sigmoid(2*x)", "x", "2*sigmoid(2*x)*(1 - sigmoid(2*x))", 1),
    entry("logistic_from_exp", "exp(x)/(1 + exp(x))", "x", "sigmoid(x)*(1 - sigmoid(x))", 2),
    entry("elu", "relu(x) + alpha*step(-x)*(exp(x) - 1)", "x", "step(x) + alpha*step(-x)*exp(x)", 0),
    entry("selu", "lambda*(relu(x) + alpha*step(-x)*(exp(x) - 1))", "x", "lambda*(step(x) + alpha*step(-x)*exp(x))", 0),
    entry("celu", "relu(x) + alpha*step(-x)*(exp(x/alpha) - 1)", "x", "step(x) + step(-x)*exp(x/alpha)", 1)
        .known_longer(ALPHA_OVER_ALPHA),
    entry("gelu_erf", "x/2*(1 + erf(x/sqrt(2)))", "x", "(1 + erf(x/sqrt(2)))/2 + x*exp(-x^2/2)/sqrt(2*pi)", 2),
    entry(
        "gelu_tanh",
        "x/2*(1 + tanh(u))",
        "x",
        "(1 + tanh(u))/2 + x/2*(1 - tanh(u)^2)*sqrt(2/pi)*(1 + 0.134145*x^2)",
        1,
    )
    .lets(&["u = sqrt(2/pi)*(x + 0.044715*x^3)"]),
    entry("mish", "x*tanh(softplus(x))", "x", "tanh(softplus(x)) + x*sigmoid(x)*(1 - tanh(softplus(x))^2)", 0),
    entry("softsign", "x/(1 + abs(x))", "x", "1/(1 + abs(x))^2", 2),
    entry("log_sigmoid", "log(sigmoid(x))", "x", "1 - sigmoid(x)", 1),
    entry("softmin", "softmax(u)[i]", "z[k]", "yhat[i]*(yhat[k] - delta(i, k))", 1)
        .lets(&["u[j] = -z[j]", "yhat = softmax(u)"]),
    entry("leaky_relu", "relu(x) - slope*relu(-x)", "x", "step(x) + slope*step(-x)", 0),
    entry("hardtanh", "relu(x + 1) - relu(x - 1) - 1", "x", "step(x + 1) - step(x - 1)", 0),
    entry("relu6", "min(relu(x), 6)", "x", "step(x) - step(x - 6)", 1),
    entry("tanhshrink", "x - tanh(x)", "x", "tanh(x)^2", 1),
    entry("glu_gate", "a*sigmoid(b)", "b", "a*sigmoid(b)*(1 - sigmoid(b))", 0),
    entry("softplus_beta", "softplus(beta*x)/beta", "x", "sigmoid(beta*x)", 1).known_longer(BETA_OVER_BETA),
    // Losses to delta^L.
    entry("squared_error_identity", "1/2*sum(i, (yhat[i] - y[i])^2)", "z[k]", "yhat[k] - y[k]", 2)
        .lets(&["yhat[i] = z[i]"]),
    entry(
        "squared_error_sigmoid",
        "1/2*sum(i, (yhat[i] - y[i])^2)",
        "z[k]",
        "(yhat[k] - y[k])*yhat[k]*(1 - yhat[k])",
        2,
    )
    .lets(&["yhat[i] = sigmoid(z[i])"]),
    entry("squared_error_tanh", "1/2*sum(i, (yhat[i] - y[i])^2)", "z[k]", "(yhat[k] - y[k])*(1 - yhat[k]^2)", 2)
        .lets(&["yhat[i] = tanh(z[i])"]),
    entry(
        "binary_cross_entropy_sigmoid",
        "-sum(i, y[i]*log(yhat[i]) + (1 - y[i])*log(1 - yhat[i]))",
        "z[k]",
        "yhat[k] - y[k]",
        3,
    )
    .lets(&["yhat[i] = sigmoid(z[i])"]),
    entry("cross_entropy_softmax", "-sum(i, y[i]*log(softmax(z)[i]))", "z[k]", "yhat[k] - y[k]", 3)
        .lets(&["yhat = softmax(z)"])
        .assume(&["sum(i, y[i]) = 1"]),
    entry(
        "cross_entropy_softmax_no_assumption",
        "-sum(i, y[i]*log(softmax(z)[i]))",
        "z[k]",
        "yhat[k]*sum(i, y[i]) - y[k]",
        2,
    )
    .lets(&["yhat = softmax(z)"]),
    entry("mse_mean", "sum(i, (z[i] - y[i])^2)/len(z)", "z[k]", "2*(z[k] - y[k])/len(z)", 1),
    entry("l1_mean", "sum(i, abs(z[i] - y[i]))/len(z)", "z[k]", "sign(z[k] - y[k])/len(z)", 1),
    entry(
        "huber",
        "step(delta - abs(r))*r^2/2 + (1 - step(delta - abs(r)))*delta*(abs(r) - delta/2)",
        "yhat",
        "step(delta - abs(r))*r + (1 - step(delta - abs(r)))*delta*sign(r)",
        1,
    )
    .lets(&["r = yhat - y"]),
    entry(
        "smooth_l1",
        "step(beta - abs(r))*r^2/(2*beta) + (1 - step(beta - abs(r)))*(abs(r) - beta/2)",
        "yhat",
        "step(beta - abs(r))*r/beta + (1 - step(beta - abs(r)))*sign(r)",
        1,
    )
    .lets(&["r = yhat - y"]),
    entry("bce", "-(y*log(p) + (1 - y)*log(1 - p))", "p", "(p - y)/(p*(1 - p))", 2),
    entry("bce_with_logits", "-(y*log(sigmoid(z)) + (1 - y)*log(1 - sigmoid(z)))", "z", "sigmoid(z) - y", 2),
    entry(
        "cross_entropy_label_smoothing",
        "-sum(i, ((1 - eps)*y[i] + eps/len(y))*log(yhat[i]))",
        "z[k]",
        "yhat[k] - (1 - eps)*y[k] - eps/len(y)",
        3,
    )
    .known_longer(
        "one operator more: the textbook's grouping (1 - eps)*y[k] is found, but the extraction cost counts \
         the other grouping's lone 1/len(y) as less than the division and the 1 it prints as",
    )
    .lets(&["yhat = softmax(z)"])
    .assume(&["sum(i, y[i]) = 1"]),
    entry("nll", "-sum(i, y[i]*logp[i])", "logp[k]", "-y[k]", 1),
    entry("kl_div_log_input", "sum(i, y[i]*(log(y[i]) - x[i]))", "x[k]", "-y[k]", 1),
    entry("kl_div_softmax", "sum(i, y[i]*(log(y[i]) - log(yhat[i])))", "z[k]", "yhat[k] - y[k]", 3)
        .lets(&["yhat = softmax(z)"])
        .assume(&["sum(i, y[i]) = 1"]),
    entry("poisson_nll_log_input", "exp(x) - y*x", "x", "exp(x) - y", 0),
    entry("poisson_nll", "p - y*log(p + eps)", "p", "1 - y/(p + eps)", 0),
    entry("gaussian_nll_mean", "(log(var) + (x - y)^2/var)/2", "x", "(x - y)/var", 1),
    entry("gaussian_nll_var", "(log(var) + (x - y)^2/var)/2", "var", "(var - (x - y)^2)/(2*var^2)", 2),
    entry("hinge", "relu(1 - y*x)", "x", "-y*step(1 - y*x)", 0),
    entry("squared_hinge", "relu(1 - y*x)^2", "x", "-2*y*relu(1 - y*x)", 1),
    entry("soft_margin", "log(1 + exp(-y*x))", "x", "-y*sigmoid(-y*x)", 1),
    entry("margin_ranking", "relu(-y*(a - b) + margin)", "a", "-y*step(margin - y*(a - b))", 0),
    entry("focal", "-(1 - p)^gamma*log(p)", "z", "(1 - p)^gamma*(gamma*p*log(p) + p - 1)", 3).lets(&["p = sigmoid(z)"]),
    entry("log_cosh", "log(cosh(x - y))", "x", "tanh(x - y)", 1),
    entry(
        "tweedie",
        "-y*exp((1 - rho)*x)/(1 - rho) + exp((2 - rho)*x)/(2 - rho)",
        "x",
        "exp((2 - rho)*x) - y*exp((1 - rho)*x)",
        1,
    )
    .known_longer(RHO_OVER_RHO),
    // Derivations through definitions, and the seeds' exercises.
    entry(
        "additional_1_squared_error_sigmoid",
        "1/2*sum(i, (t[i] - zhat[i])^2)",
        "z[k]",
        "(zhat[k] - t[k])*zhat[k]*(1 - zhat[k])",
        2,
    )
    .lets(&["zhat[i] = sigmoid(z[i])"]),
    entry("additional_2_exp_of_squares", "-sum(i, t[i]*log(zhat))", "z[k]", "-2*w[k]^2*z[k]*sum(i, t[i])", 2)
        .lets(&["zhat = exp(sum(j, (w[j]*z[j])^2) + 1)"]),
    entry("additional_3_sigmoid_of_2z", "-sum(i, t[i]*log(zhat[i]))", "z[k]", "2*t[k]*(zhat[k] - 1)", 2)
        .lets(&["zhat[i] = sigmoid(2*z[i])"]),
    entry("softmax_jacobian", "softmax(z)[i]", "z[j]", "yhat[i]*(delta(i, j) - yhat[j])", 1)
        .lets(&["yhat = softmax(z)"]),
    entry("log_softmax", "log(softmax(z)[i])", "z[k]", "delta(i, k) - softmax(z)[k]", 1),
    entry("logsumexp", "logsumexp(z)", "z[k]", "softmax(z)[k]", 1),
    entry(
        "hidden_layer_recursion",
        "1/2*sum(n, (out[n] - t[n])^2)",
        "z[m]",
        "(1 - a[m]^2)*sum(n, W[n, m]*(out[n] - t[n]))",
        3,
    )
    .lets(&["a[j] = tanh(z[j])", "out[n] = sum(j, W[n, j]*a[j])"]),
    entry("weight_gradient", "1/2*sum(n, (out[n] - t[n])^2)", "W[p, q]", "(out[p] - t[p])*a[q]", 2)
        .lets(&["out[n] = sum(j, W[n, j]*a[j])"]),
    entry(
        "residual_network_xbar",
        "1/2*sum(n, (yv[n] - s[n])^2) + sum(j, r[j]*h[j])",
        "x[p]",
        "yv[p] - s[p] + sum(j, h[j]*(1 - h[j])*W1[j, p]*(r[j] + sum(n, (yv[n] - s[n])*W2[n, j])))",
        4,
    )
    .known_longer(
        "the textbook exchanges the order of the sums over n and j and merges the two sums over j; the \
         engine has no rule exchanging sums",
    )
    .lets(&[
        "u[j] = sum(i, W1[j, i]*x[i]) + b1[j]",
        "h[j] = sigmoid(u[j])",
        "yv[n] = x[n] + sum(j, W2[n, j]*h[j]) + b2[n]",
    ]),
    // Homework-style chains.
    entry("neuron_sigmoid", "sigmoid(w*x + b)", "w", "x*sigmoid(w*x + b)*(1 - sigmoid(w*x + b))", 0),
    entry("neuron_squared_error", "(s - y)^2/2", "w", "(s - y)*s*(1 - s)*x", 1).lets(&["s = sigmoid(w*x + b)"]),
    entry("logistic_regression", "-(y*log(p) + (1 - y)*log(1 - p))", "w[k]", "(p - y)*x[k]", 3)
        .lets(&["p = sigmoid(sum(i, w[i]*x[i]) + b)"]),
    entry("linear_regression", "1/2*sum(n, (yhat[n] - y[n])^2)", "w[k]", "sum(n, (yhat[n] - y[n])*X[n, k])", 2)
        .lets(&["yhat[n] = sum(j, X[n, j]*w[j])"]),
    entry("ridge", "(w*x - y)^2/2 + lambda/2*w^2", "w", "(w*x - y)*x + lambda*w", 1),
    entry("l2_penalty", "lambda/2*sum(i, w[i]^2)", "w[k]", "lambda*w[k]", 1),
    entry("softmax_temperature", "-sum(i, y[i]*log(yhat[i]))", "z[k]", "(yhat[k] - y[k])/T", 3)
        .lets(&["u[j] = z[j]/T", "yhat = softmax(u)"])
        .assume(&["sum(i, y[i]) = 1"]),
    entry("cross_entropy_logsumexp", "logsumexp(z) - sum(i, y[i]*z[i])", "z[k]", "softmax(z)[k] - y[k]", 1),
    entry("centering", "z[i] - sum(j, z[j])/len(z)", "z[k]", "delta(i, k) - 1/len(z)", 1),
    entry("tanh_from_sinh_cosh", "sinh(x)/cosh(x)", "x", "1 - tanh(x)^2", 2),
    entry("tanh_from_exps", "(exp(x) - exp(-x))/(exp(x) + exp(-x))", "x", "1 - tanh(x)^2", 3),
    entry("sigmoid_from_reciprocal", "1/(1 + exp(-x))", "x", "sigmoid(x)*(1 - sigmoid(x))", 2),
    entry("two_exp_ratio", "log(exp(x) + exp(y))", "x", "sigmoid(x - y)", 1),
    entry("gaussian_bump", "exp(-x^2/2)", "x", "-x*exp(-x^2/2)", 0),
    entry("x_exp_minus_x", "x*exp(-x)", "x", "(1 - x)*exp(-x)", 1),
    entry("abs_times_x", "abs(x)*x", "x", "2*abs(x)", 1),
    entry("smooth_abs", "sqrt(x^2 + eps)", "x", "x/sqrt(x^2 + eps)", 1),
    entry("exp_cancel", "x*exp(x)*exp(-x)", "x", "1", 1),
    // Products over an index (seed 003's likelihoods): the product rule with no division, and
    // the log of a product of positive factors as a sum of logs.
    entry("product_of_components", "prod(i, x[i])", "x[k]", "prod(i, delta(k, i) + x[i]*(1 - delta(k, i)))", 0),
    entry("bernoulli_likelihood", "-log(prod(i, p[i]^y[i]*(1 - p[i])^(1 - y[i])))", "z[k]", "p[k] - y[k]", 3)
        .lets(&["p[i] = sigmoid(z[i])"]),
    entry("tanh_of_tanh", "tanh(v*tanh(w*x))", "w", "(1 - tanh(v*tanh(w*x))^2)*v*(1 - tanh(w*x)^2)*x", 0),
];
