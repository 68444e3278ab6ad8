"""The tests' own meaning of the expression language, in jax.numpy: a syntax tree (from
``deltaform.parse``) becomes a function of its free names, written here independently of the
engine's evaluator and derivative, so that ``jax.grad`` of it is an outside answer. Also a
generator of random losses and activations."""

from __future__ import annotations

import random
import re
from fractions import Fraction

import jax
import jax.numpy as jnp
import jax.scipy.special as jsp

jax.config.update("jax_enable_x64", True)

UNARY = {
    "exp": jnp.exp,
    "log": jnp.log,
    "sqrt": jnp.sqrt,
    "abs": jnp.abs,
    "sign": jnp.sign,
    "sin": jnp.sin,
    "cos": jnp.cos,
    "tan": jnp.tan,
    "sinh": jnp.sinh,
    "cosh": jnp.cosh,
    "tanh": jnp.tanh,
    "sigmoid": jax.nn.sigmoid,
    "relu": lambda x: jnp.where(x > 0, x, 0.0),  # relu'(0) = step(0) = 0, as the language's
    "step": lambda x: jnp.where(x > 0, 1.0, 0.0),
    "softplus": lambda x: jnp.logaddexp(0.0, x),
    "erf": jsp.erf,
    "softmax": jax.nn.softmax,
    "logsumexp": jsp.logsumexp,
}

BINARY = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "^": lambda a, b: a**b,
}


class Meaning:
    """Evaluates syntax trees in an environment of jax values (scalars, 1-D and 2-D arrays,
    and Python ints for indices); definitions are added in order with ``define``."""

    def __init__(self, env: dict):
        self.env = dict(env)

    def define(self, tree: dict) -> None:
        """Adds a definition ``{"=": [lhs, rhs]}``: a whole value, or components (``h[j] = ...``)
        computed for every index value."""
        lhs, rhs = tree["="]
        if "var" in lhs:
            self.env[lhs["var"]] = self.value(rhs)
            return
        base, *params = lhs["index"]
        names = [p["var"] for p in params]
        lengths = [self.length(rhs, n, {}) for n in names]
        if len(names) == 1:
            self.env[base["var"]] = jnp.stack([self.value(rhs, {names[0]: k}) for k in range(1, lengths[0] + 1)])
        else:
            rows = [jnp.stack([self.value(rhs, {names[0]: r, names[1]: c}) for c in range(1, lengths[1] + 1)])
                    for r in range(1, lengths[0] + 1)]
            self.env[base["var"]] = jnp.stack(rows)

    def value(self, node: dict, bound: dict = None):
        """The value of a tree; ``bound`` gives the bound indices' values."""
        bound = bound or {}
        (kind, v), = node.items()
        if kind == "num":
            return float(Fraction(v))
        if kind == "pi":
            return jnp.pi
        if kind == "var":
            return bound[v] if v in bound else self.env[v]
        if kind == "neg":
            return -self.value(v, bound)
        if kind in BINARY:
            return BINARY[kind](self.value(v[0], bound), self.value(v[1], bound))
        if kind == "index":
            base = self.value(v[0], bound)
            indices = tuple(int(self.value(i, bound)) - 1 for i in v[1:])
            return base[indices]
        if kind == "call":
            name, *args = v
            if name == "delta":
                return 1.0 if self.value(args[0], bound) == self.value(args[1], bound) else 0.0
            if name == "len":
                return self.value(args[0], bound).shape[0]
            if name == "cols":
                return self.value(args[0], bound).shape[1]
            values = [self.value(a, bound) for a in args]
            if name == "max":
                return jnp.maximum(*values)
            if name == "min":
                return jnp.minimum(*values)
            if name == "heaviside":
                return jnp.where(values[0] > 0, 1.0, jnp.where(values[0] < 0, 0.0, values[1]))
            return UNARY[name](*values)
        if kind in ("sum", "prod"):
            index, range_, body = v
            n = int(self.value(range_, bound)) if range_ is not None else self.length(body, index, bound)
            terms = [self.value(body, {**bound, index: k}) for k in range(1, n + 1)]
            total = terms[0]
            for t in terms[1:]:
                total = total + t if kind == "sum" else total * t
            return total
        if kind == "array":
            return jnp.stack([jnp.asarray(self.value(a, bound)) for a in v])
        raise NotImplementedError(f"no meaning for {kind}")

    def length(self, node: dict, index: str, bound: dict) -> int:
        """How far ``index`` runs: the length of the axis it indexes in ``node``."""
        (kind, v), = node.items()
        if kind == "index":
            for axis, i in enumerate(v[1:]):
                if i == {"var": index}:
                    return self.value(v[0], bound).shape[axis]
        children = v if isinstance(v, list) else [v]
        for child in children:
            if isinstance(child, dict):
                try:
                    return self.length(child, index, bound)
                except LookupError:
                    pass
        raise LookupError(f"`{index}` indexes nothing")


def gradient(expr_tree: dict, let_trees: list, wrt: str, env: dict):
    """d(expr)/d(wrt) at ``env`` by jax.grad: ``wrt`` a scalar name, or ``z[k]`` (a component of
    a vector in ``env``, with ``k`` in ``env`` or given as a number)."""
    base, _, rest = wrt.partition("[")
    indices = [s.strip() for s in rest.rstrip("]").split(",")] if rest else []

    def f(x):
        m = Meaning({**env, base: x})
        for t in let_trees:
            m.define(t)
        return m.value(expr_tree)

    g = jax.grad(f)(jnp.asarray(env[base], dtype=jnp.float64))
    if not indices:
        return float(g)
    at = tuple(int(env[i]) - 1 if i in env else int(i) - 1 for i in indices)
    return float(g[at])


def free_names(trees: list, arrays: set):
    """The free names of the trees (definitions' sides included, their defined names left out):
    (scalars, {array: number of axes}, indices)."""
    scalars, ranks, indices, defined = set(), {}, set(), set()

    def walk(node, bound):
        (kind, v), = node.items()
        if kind == "var":
            if v not in bound:
                scalars.add(v)
        elif kind == "index":
            base, *idx = v
            if "var" in base:
                ranks[base["var"]] = max(ranks.get(base["var"], 0), len(idx))
            else:
                walk(base, bound)
            for i in idx:
                if "var" in i:
                    if i["var"] not in bound:
                        indices.add(i["var"])
                else:
                    walk(i, bound)
        elif kind in ("sum", "prod"):
            if v[1] is not None:
                walk(v[1], bound)
            walk(v[2], bound | {v[0]})
        elif kind in ("call", "apply"):
            for a in v[1:]:
                walk(a, bound)
        elif kind in ("num", "pi"):
            pass
        else:
            for child in (v if isinstance(v, list) else [v]):
                walk(child, bound)

    for tree in trees:
        if "=" in tree:
            lhs, rhs = tree["="]
            name = lhs["var"] if "var" in lhs else lhs["index"][0]["var"]
            params = {p["var"] for p in lhs.get("index", [None])[1:] if p}
            defined.add(name)
            walk(rhs, params)
        else:
            walk(tree, set())
    for name in arrays:
        ranks.setdefault(name, 1)
    ranks = {n: r for n, r in ranks.items() if n not in defined}
    return scalars - defined - set(ranks) - indices, ranks, indices - defined


# Random losses and activations -------------------------------------------------------------

SMOOTH = ["exp", "sin", "cos", "tanh", "sigmoid", "softplus", "erf", "sinh", "cosh"]
POSITIVE_ONLY = ["log", "sqrt"]
KINKED = ["abs", "relu"]


def random_scalar(rng: random.Random, depth: int, names=("x",)) -> str:
    """A random expression of the scalar names ``names``."""
    if depth == 0 or rng.random() < 0.2:
        return rng.choice([*names, *names, str(rng.choice([2, 3, 0.5, 1.5]))])
    roll = rng.random()
    a = random_scalar(rng, depth - 1, names)
    if roll < 0.35:
        return f"{rng.choice(SMOOTH + KINKED)}({a})"
    if roll < 0.45:
        # Kept in their domain: log and sqrt of something positive.
        return f"{rng.choice(POSITIVE_ONLY)}(1 + {a}^2)"
    b = random_scalar(rng, depth - 1, names)
    op = rng.choice(["+", "-", "*", "*", "/"])
    if op == "/":
        return f"({a})/(2 + sin({b}))"
    return f"({a}) {op} ({b})"


def random_component(rng: random.Random, depth: int) -> str:
    """A random expression of ``z[i]`` and ``y[i]`` (a loss's term)."""
    return random_scalar(rng, depth, ("z[i]", "y[i]"))


LOSS_SHAPES = [
    "sum(i, {t})",
    "1/2*sum(i, ({t})^2)",
    "-sum(i, y[i]*log(softmax(z)[i])) + sum(i, {t})",
    "logsumexp(z) + sum(i, {t})",
    "sum(i, y[i]*{t})/len(z)",
    "log(1 + sum(i, ({t})^2))",
]


def random_loss(rng: random.Random):
    """A random (expression, wrt, lets): an activation of ``x``, or a loss of a vector ``z``
    (sometimes through a definition ``yhat[i] = ...``) differentiated by ``z[k]``; the
    variable always occurs."""
    while True:
        expr, wrt, lets = _random_loss(rng)
        if re.search(rf"\b{wrt.partition('[')[0]}\b", " ".join([expr, *lets])):
            return expr, wrt, lets


def _random_loss(rng: random.Random):
    kind = rng.random()
    if kind < 0.45:
        return random_scalar(rng, rng.randint(2, 4)), "x", []
    term = random_component(rng, rng.randint(1, 3))
    if kind < 0.7:
        act = random_scalar(rng, 2, ("z[i]",))
        loss = rng.choice(["1/2*sum(i, (yhat[i] - y[i])^2)", "sum(i, y[i]*yhat[i]^2)",
                           "-sum(i, y[i]*log(1 + yhat[i]^2))"])
        return loss, "z[k]", [f"yhat[i] = {act}"]
    return rng.choice(LOSS_SHAPES).format(t=term), "z[k]", []
