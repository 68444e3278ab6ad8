"""``derive`` and ``simplify``: results, steps, LaTeX, values and vectorised functions."""

from __future__ import annotations

import warnings
from typing import List, NamedTuple, Optional, Sequence

from ._call import call, call_json
from ._values import numpy_module
from .errors import DeltaformWarning
from .evaluation import evaluate, lambdify


class Step(NamedTuple):
    """One line of a worked derivation: the expression reached, and the rule(s) that gave it."""

    expr: str
    rule: str


def _context(lets: Sequence[str], assume: Sequence[str], functions: Sequence[str]) -> List[str]:
    args = []
    for text in _strings(lets, "let"):
        args += ["--let", text]
    for text in _strings(assume, "assume"):
        args += ["--assume", text]
    if functions:
        args += ["--fn", ", ".join(_strings(functions, "fn"))]
    return args


def _strings(texts, what: str) -> List[str]:
    if isinstance(texts, str):
        return [texts]
    texts = list(texts)
    for t in texts:
        if not isinstance(t, str):
            raise TypeError(f"{what}: expected strings, found {type(t).__name__}")
    return texts


class Derivation:
    """A derivative, simplified and checked numerically. ``result`` is the textbook form in the
    input language, ``latex`` its LaTeX, ``steps`` the worked derivation; in Jupyter it renders as
    that derivation."""

    def __init__(self, expr: str, wrt: str, context: List[str], data: dict, lets: List[str]):
        self.expr, self.wrt, self._context, self._lets = expr, wrt, context, lets
        self.json = data
        self.result: str = data["result"]
        self.latex: str = data["latex"]
        self.raw: str = data["raw"]
        self.steps: List[Step] = [Step(s["expr"], s["rule"]) for s in data["steps"]]
        self.conditions: List[str] = data["conditions"]
        self.warnings: List[str] = data["warnings"]
        self.assumptions_used: List[str] = data["assumptions_used"]
        self.limits_hit: Optional[str] = data["limits_hit"]
        self.numeric_check: dict = data["numeric_check"]

    def evaluate(self, **values):
        """The derivative's value at ``values`` (names to numbers, lists or arrays): a Fraction
        when exact (no float given), else a float. An index of ``wrt`` left out (``k`` of
        ``z[k]``) runs over its axis, giving an array."""
        free = _free_indices(self.wrt, values)
        if not free:
            with warnings.catch_warnings():
                # The definitions are the derivation's context: the result need not use them all.
                warnings.filterwarnings("ignore", "warning: the definition of .* is never used", DeltaformWarning)
                return evaluate(self.result, let=self._lets, **values)
        name, axis, base = free[0]
        if base not in values:
            raise TypeError(f"give `{base}` (or the index `{name}`) to evaluate d/d{self.wrt}")
        np = numpy_module()
        length = np.shape(np.asarray(values[base], dtype=object))[axis]
        return np.array([self.evaluate(**values, **{name: k}) for k in range(1, length + 1)])

    def lambdify(self):
        """A numpy-vectorised function of the result's free names (see ``deltaform.lambdify``)."""
        return lambdify(self.result, let=self._lets)

    def steps_latex(self) -> str:
        """The worked derivation in LaTeX (an ``aligned`` block)."""
        _, out = call(["derive", self.expr, "--wrt", self.wrt, *self._context, "--steps", "--format", "latex"])
        return out.strip()

    def _repr_latex_(self) -> str:
        return "$$" + self.steps_latex() + "$$"

    def __str__(self) -> str:
        return self.result

    def __repr__(self) -> str:
        return f"Derivation(d/d{self.wrt} {self.expr} = {self.result})"


def _free_indices(wrt: str, values: dict):
    """The indices of ``wrt`` (``z[k]``, ``W[p, q]``) without a value: (name, axis, base)."""
    base, bracket, rest = wrt.strip().partition("[")
    if not bracket or not rest.endswith("]"):
        return []
    indices = [i.strip() for i in rest[:-1].split(",")]
    return [(i, axis, base.strip()) for axis, i in enumerate(indices) if i.isidentifier() and i not in values]


def derive(expr: str, wrt: str, *, let: Sequence[str] = (), assume: Sequence[str] = (),
           fn: Sequence[str] = (), node_limit: Optional[int] = None) -> Derivation:
    """d(expr)/d(wrt), simplified with the definitions ``let`` (``"yhat = softmax(z)"``) and the
    assumptions ``assume`` (``"sum(i, y[i]) = 1"``); ``fn`` declares functions without a
    definition (``"f, g"``). As ``deltaform derive EXPR --wrt WRT``."""
    context = _context(let, assume, fn)
    if node_limit is not None:
        context += ["--node-limit", str(int(node_limit))]
    _, data = call_json(["derive", expr, "--wrt", wrt, *context])
    return Derivation(expr, wrt, context, data, _strings(let, "let"))


class Simplification:
    """The simplest equivalent form found, with its steps (``deltaform simplify``)."""

    def __init__(self, expr: str, data: dict):
        self.expr, self.json = expr, data
        self.result: str = data["result"]
        self.latex: str = data["latex"]
        self.steps: List[Step] = [Step(s["expr"], s["rule"]) for s in data["steps"]]
        self.caveats: List[str] = data["caveats"]
        self.limits_hit: Optional[str] = data["limits_hit"]

    def _repr_latex_(self) -> str:
        return "$$" + self.latex + "$$"

    def __str__(self) -> str:
        return self.result

    def __repr__(self) -> str:
        return f"Simplification({self.expr} = {self.result})"


def simplify(expr: str, *, let: Sequence[str] = (), assume: Sequence[str] = (),
             fn: Sequence[str] = ()) -> Simplification:
    """``expr`` simplified in the e-graph (``deltaform simplify``)."""
    _, data = call_json(["simplify", expr, *_context(let, assume, fn)])
    return Simplification(expr, data)
