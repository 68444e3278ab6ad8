"""Differential tests against JAX: deltaform's derivatives, evaluated, equal ``jax.grad`` of the
same functions written in jax.numpy by the tests' own translator (``jaxlang``), float64, to
1e-9 (relative, values below 1 in absolute terms); and every example exercise's first-step
gradients equal ``jax.grad`` of its network's loss."""

from __future__ import annotations

import math
import random
import sys
from fractions import Fraction
from pathlib import Path

import jax.numpy as jnp
import numpy as np
import pytest

import deltaform as df
from jaxlang import Meaning, free_names, gradient, random_loss

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
CATALOG = tomllib.loads((ROOT / "tests" / "catalog.toml").read_text())["entry"]
RANDOM_LOSSES = 520
TOLERANCE = 1e-9
LENGTH = 3


def close(got: float, want: float) -> bool:
    return abs(got - want) <= TOLERANCE * max(1.0, abs(got), abs(want))


def random_point(rng: random.Random, scalars, ranks, indices, assume) -> dict:
    """Random values for the free names: vectors in (0.1, 0.9) (a probability vector when an
    assumption says it sums to 1), scalars signed or positive, indices in 1..LENGTH."""
    positive = rng.random() < 0.5
    point = {}
    for name in sorted(scalars):
        point[name] = rng.uniform(0.2, 1.8) if positive else rng.uniform(-2.0, 2.0)
    for name, rank in sorted(ranks.items()):
        shape = (LENGTH,) * rank
        point[name] = np.array([rng.uniform(0.1, 0.9) for _ in range(LENGTH**rank)]).reshape(shape)
        if f"sum(i, {name}[i]) = 1" in assume:
            point[name] = point[name] / point[name].sum()
    for name in sorted(indices):
        point[name] = rng.randint(1, LENGTH)
    return point


def differential(expr: str, wrt: str, lets: list, assume: list, rng: random.Random, wanted: int = 3):
    """Derives, then compares with jax.grad at random points until ``wanted`` agree; returns how
    many agreed. A point where either side has no value (a domain, an overflow) is skipped; a
    disagreement fails the test."""
    d = df.derive(expr, wrt=wrt, let=lets, assume=assume)
    trees = [df.parse(expr)] + [df.parse(t) for t in lets]
    scalars, ranks, indices = free_names([p.tree for p in trees], {n for p in trees for n in p.arrays})
    let_trees = [p.tree for p in trees[1:]]
    base, _, rest = wrt.partition("[")
    indices |= {i.strip() for i in rest.rstrip("]").split(",") if i.strip().isidentifier()}
    if rest:
        ranks.setdefault(base, len(rest.split(",")))
    agreed = 0
    for _ in range(30):
        point = random_point(rng, scalars, ranks, indices, assume)
        try:
            want = gradient(trees[0].tree, let_trees, wrt, {k: jnp.asarray(v) if isinstance(v, np.ndarray) else v
                                                            for k, v in point.items()})
        except (ZeroDivisionError, IndexError, LookupError):
            continue
        if not math.isfinite(want):
            continue
        try:
            got = d.evaluate(**point)
        except df.EvalError:
            continue
        got = float(got)
        assert close(got, want), (
            f"d/d{wrt} {expr} (let {lets}, assume {assume}) = {d.result}\n"
            f"at {point}: deltaform {got!r}, jax.grad {want!r}")
        agreed += 1
        if agreed == wanted:
            break
    return agreed


@pytest.mark.parametrize("entry", CATALOG, ids=[e["name"] for e in CATALOG])
def test_every_catalog_derivation_equals_jax_grad(entry):
    rng = random.Random(entry["name"])
    agreed = differential(entry["expr"], entry["wrt"], entry.get("lets", []), entry.get("assume", []), rng)
    assert agreed >= 1, f"{entry['name']}: no point where both sides have a value"


def test_random_losses_and_activations_equal_jax_grad():
    rng = random.Random(20261129)
    compared, points, skipped = 0, 0, []
    for _ in range(RANDOM_LOSSES):
        expr, wrt, lets = random_loss(rng)
        agreed = differential(expr, wrt, lets, [], rng, wanted=2)
        points += agreed
        compared += agreed > 0
        if not agreed:
            skipped.append((expr, lets))
    print(f"\n{compared} of {RANDOM_LOSSES} random losses compared with jax.grad at {points} points;"
          f" no point with a value on both sides for {skipped[:5]}...")
    assert compared >= 500, f"only {compared} random losses had a point where both sides have a value"


def test_the_comparison_catches_a_wrong_derivative():
    # jax.grad of sigmoid(x) against the derivative of sigmoid(2*x): they must disagree.
    d = df.derive("sigmoid(2*x)", wrt="x")
    tree = df.parse("sigmoid(x)").tree
    want = gradient(tree, [], "x", {"x": 0.3})
    assert not close(float(d.evaluate(x=0.3)), want)


# Example exercises -------------------------------------------------------------------------

def number(x) -> float:
    return float(Fraction(x)) if isinstance(x, str) else float(x)


def activation(name: str):
    """An exercise's activation as a jax function of an array."""
    if name in ("identity", "linear"):
        return lambda z: z
    if name == "softmax":
        from jax.nn import softmax
        return softmax
    tree = df.parse(name if "(" in name else f"{'sigmoid' if name == 'σ' else name}(x)").tree
    return lambda z: Meaning({"x": z}).value(tree)


def loss(name: str):
    """An exercise's loss of (yhat, y)."""
    fixed = {
        "squared_error": "1/2*sum(i, (yhat[i] - y[i])^2)",
        "cross_entropy": "-sum(i, y[i]*log(yhat[i]))",
        "mse": "sum(i, (yhat[i] - y[i])^2)/len(y)",
        "bce": "-sum(i, y[i]*log(yhat[i]) + (1 - y[i])*log(1 - yhat[i]))/len(y)",
    }
    parsed = df.parse(fixed.get(name, name))
    tree = parsed.tree
    if name not in fixed and "i" in free_names([tree], set(parsed.arrays))[2]:
        tree = {"sum": ["i", None, tree]}
    return lambda yhat, y: Meaning({"yhat": yhat, "y": y}).value(tree)


def parameters(ex: dict):
    layers, init = ex["network"]["layers"], ex.get("init", {})
    folded = ex["network"].get("bias") == "folded"
    params = {}
    for layer in range(1, len(layers)):
        cols = layers[layer - 1] + (1 if folded else 0)
        w = init.get(f"W{layer}")
        params[f"W{layer}"] = (jnp.array([[number(v) for v in row] for row in w]) if w is not None
                           else jnp.full((layers[layer], cols), number(init["weights"])))
        if not folded:
            b = init.get(f"b{layer}")
            params[f"b{layer}"] = (jnp.array([number(v) for v in b]) if b is not None
                               else jnp.full((layers[layer],), number(init.get("biases", 0))))
    return params, folded


def network_loss(ex: dict, folded: bool):
    hidden, output = activation(ex["network"].get("activation", "identity")), activation(ex["network"]["output"])
    e = loss(ex["network"]["loss"])
    depth = len(ex["network"]["layers"]) - 1

    def f(params, x, y):
        a = x
        for layer in range(1, depth + 1):
            w = params[f"W{layer}"]
            z = w @ jnp.concatenate([jnp.ones(1), a]) if folded else w @ a + params[f"b{layer}"]
            a = (output if layer == depth else hidden)(z)
        return e(a, y)

    return f


EXERCISES = sorted(p for p in (ROOT / "examples").glob("*.toml") if "train" in tomllib.loads(p.read_text()))


@pytest.mark.parametrize("path", EXERCISES, ids=[p.stem for p in EXERCISES])
def test_every_example_exercise_first_step_gradients_equal_jax_grad(path):
    import jax
    ex = tomllib.loads(path.read_text())
    params, folded = parameters(ex)
    f = network_loss(ex, folded)
    samples = ex["sample"]
    train = ex["train"]
    batch = samples if train.get("mode", "sgd") == "batch" else samples[:1]
    grads = None
    for s in batch:
        x, y = jnp.array([number(v) for v in s["x"]]), jnp.array([number(v) for v in s["y"]])
        g = jax.grad(f)(params, x, y)
        grads = g if grads is None else {k: grads[k] + g[k] for k in g}
    if train.get("reduction") == "mean":
        grads = {k: v / len(batch) for k, v in grads.items()}
    step = df.run(path).steps[0]
    for name, g in grads.items():
        got = step[f"d{name}"]
        want = np.asarray(g)
        assert got.shape == want.shape, f"{path.name} d{name}: shape {got.shape}, jax {want.shape}"
        assert np.allclose(got, want, rtol=TOLERANCE, atol=TOLERANCE), f"{path.name} d{name}:\n{got}\njax:\n{want}"
