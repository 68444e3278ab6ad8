"""The numpy reference for `cargo bench --bench runner`: one training step of a 784-128-10
network (sigmoid hidden units, softmax + cross-entropy, summed over the batch) on a batch of 64,
in f64. Prints the median time of one step in milliseconds, as `numpy step: <ms> ms`.

Run by the benchmark when numpy is importable (`DELTAFORM_PYTHON` names the interpreter);
by hand: `OPENBLAS_NUM_THREADS=1 python3 benches/runner_numpy.py`.
"""

import os
import statistics
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import numpy as np  # noqa: E402

SIZES = (784, 128, 10)
BATCH = 64
RATE = 0.01


def problem(seed=7):
    rng = np.random.default_rng(seed)
    w1 = rng.uniform(-0.05, 0.05, (SIZES[1], SIZES[0]))
    w2 = rng.uniform(-0.05, 0.05, (SIZES[2], SIZES[1]))
    b1 = rng.uniform(-0.05, 0.05, (SIZES[1], 1))
    b2 = rng.uniform(-0.05, 0.05, (SIZES[2], 1))
    x = rng.uniform(0.0, 1.0, (SIZES[0], BATCH))
    y = np.zeros((SIZES[2], BATCH))
    y[np.arange(BATCH) % SIZES[2], np.arange(BATCH)] = 1.0
    return w1, b1, w2, b2, x, y


def step(w1, b1, w2, b2, x, y):
    z1 = w1 @ x + b1
    a1 = 1.0 / (1.0 + np.exp(-z1))
    z2 = w2 @ a1 + b2
    e = np.exp(z2 - z2.max(axis=0, keepdims=True))
    yhat = e / e.sum(axis=0, keepdims=True)
    d2 = yhat - y
    d1 = (w2.T @ d2) * a1 * (1.0 - a1)
    dw2, db2 = d2 @ a1.T, d2.sum(axis=1, keepdims=True)
    dw1, db1 = d1 @ x.T, d1.sum(axis=1, keepdims=True)
    return w1 - RATE * dw1, b1 - RATE * db1, w2 - RATE * dw2, b2 - RATE * db2


def main():
    args = problem()
    for _ in range(20):
        step(*args)
    times = []
    for _ in range(200):
        start = time.perf_counter()
        step(*args)
        times.append(time.perf_counter() - start)
    print(f"numpy step: {statistics.median(times) * 1e3:.3f} ms")


if __name__ == "__main__":
    main()
