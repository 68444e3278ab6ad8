"""``derive`` and ``simplify``: results, steps, LaTeX, values and vectorised functions."""

from __future__ import annotations

import warnings
from typing import Dict, List, NamedTuple, Optional, Sequence

from ._call import call, call_json
from ._values import bindings_text, numpy_module, strings
from .errors import DeltaformWarning, ShapeError
from .evaluation import evaluate, lambdify


class Step(NamedTuple):
    """One line of a worked derivation: the expression reached, and the rule(s) that gave it."""

    expr: str
    rule: str


class Context(NamedTuple):
    """Definitions, assumptions and declared functions, as given (lists of strings)."""

    lets: List[str]
    assume: List[str]
    functions: List[str]

    @staticmethod
    def of(let, assume, fn) -> "Context":
        """The context of a call's arguments (a string or an iterable of strings each)."""
        return Context(strings(let, "let"), strings(assume, "assume"), strings(fn, "fn"))

    def args(self) -> List[str]:
        """The context as command-line options."""
        args = []
        for text in self.lets:
            args += ["--let", text]
        for text in self.assume:
            args += ["--assume", text]
        if self.functions:
            args += ["--fn", ", ".join(self.functions)]
        return args


class Derivation:
    """A derivative, simplified and checked numerically. ``result`` is the textbook form in the
    input language, ``latex`` its LaTeX, ``steps`` the worked derivation; in Jupyter it renders as
    that derivation."""

    def __init__(self, expr: str, wrt: str, context: Context, options: List[str], data: dict):
        self.expr, self.wrt, self._context, self._options = expr, wrt, context, options
        self.json = data
        self.result: str = data["result"]
        self.latex: str = data["latex"]
        self.raw: str = data["raw"]
        self._steps: Optional[List[Step]] = None
        self.conditions: List[str] = data["conditions"]
        self.warnings: List[str] = data["warnings"]
        self.assumptions_used: List[str] = data["assumptions_used"]
        self.limits_hit: Optional[str] = data["limits_hit"]
        self.numeric_check: dict = data["numeric_check"]

    @property
    def steps(self) -> List[Step]:
        """The worked derivation: the chain rule, then each step of the algebra with its rule
        (derived again with ``--steps`` on first use, as the steps cost more than the result)."""
        if self._steps is None:
            _, data = call_json(["derive", "--wrt", self.wrt, *self._options, "--steps", "--", self.expr])
            self._steps = [Step(s["expr"], s["rule"]) for s in data["steps"]]
        return self._steps

    def evaluate(self, values: Optional[Dict[str, object]] = None, /, **names):
        """The derivative's value at the given values (names to numbers, lists or arrays, as a
        dict or as keywords): a Fraction when exact (no float given), else a float. An index of
        ``wrt`` left out (``k`` of ``z[k]``) runs over its axis, giving an array. A point where an
        assumption or a sign the derivation was given does not hold is refused (``EvalError``):
        the result is the derivative only where they hold."""
        values = {**(values or {}), **names}
        free = _free_indices(self.wrt, values)
        if not free:
            with warnings.catch_warnings():
                # The definitions are the derivation's context: the result need not use them all.
                warnings.filterwarnings("ignore", "warning: the definition of .* is never used", DeltaformWarning)
                return evaluate(self.result, values, let=self._context.lets, assume=self._context.assume)
        name, axis, base = free[0]
        if base not in values:
            raise TypeError(f"give `{base}` (or the index `{name}`) to evaluate d/d{self.wrt}")
        np = numpy_module()
        shape = np.shape(np.asarray(values[base], dtype=object))
        if len(shape) <= axis:
            raise ShapeError(f"`{base}` has {len(shape)} axes, and d/d{self.wrt} indexes {axis + 1} or more",
                             kind="shape")
        return np.array([self.evaluate(values, **{name: k}) for k in range(1, shape[axis] + 1)])

    def lambdify(self):
        """A numpy-vectorised function of the result's free names (see ``deltaform.lambdify``)."""
        return lambdify(self.result, let=self._context.lets)

    def steps_latex(self) -> str:
        """The worked derivation in LaTeX (an ``aligned`` block)."""
        _, out = call(["derive", "--wrt", self.wrt, *self._options, "--steps", "--format", "latex", "--", self.expr])
        return out.strip()

    def _repr_latex_(self) -> str:
        return "$$" + self.steps_latex() + "$$"

    def __str__(self) -> str:
        return self.result

    def __repr__(self) -> str:
        return f"Derivation(d/d{self.wrt} {self.expr} = {self.result})"


class MatrixDerivation:
    """A derivative by a whole vector or matrix, in matrix form (``derive --shape``): ``result``
    (``(W*x - y)*x^T``), ``latex``, ``shape`` (of the derivative), ``index_form`` (the same
    derivative component by component, ``component``), and ``index`` (that derivation)."""

    def __init__(self, expr: str, wrt: str, options: List[str], data: dict):
        self.expr, self.wrt, self._options, self.json = expr, wrt, options, data
        self.result: str = data["result"]
        self.latex: str = data["latex"]
        self.shape: str = data["shape"]
        self.matrix_form: bool = data["matrix_form"]
        self.component: str = data["component"]
        self.index_form: str = data["index_form"]
        self.note: Optional[str] = data["note"]

    def evaluate(self, values: Optional[Dict[str, object]] = None, /, **names):
        """The derivative's value at the given values: a float, or a numpy array (exact values
        as Fractions, dtype object, when no float is given)."""
        from ._values import has_float, result_value

        values = {**(values or {}), **names}
        args = ["derive", "--wrt", self.wrt, *self._options, "--at", bindings_text(values), "--", self.expr]
        _, data = call_json(args)
        value = {"exact": data["value_exact"], "value": data["value_text"], "numbers": data["value"],
                 "shape": list(numpy_module().shape(data["value"]))}
        return result_value(value, exact_wanted=not any(has_float(v) for v in values.values()))

    def _repr_latex_(self) -> str:
        return f"$$\\frac{{\\partial}}{{\\partial {self.wrt}}} = {self.latex}$$"

    def __str__(self) -> str:
        return self.result

    def __repr__(self) -> str:
        return f"MatrixDerivation(d/d{self.wrt} {self.expr} = {self.result}, {self.shape})"


def _free_indices(wrt: str, values: dict):
    """The indices of ``wrt`` (``z[k]``, ``W[p, q]``) without a value: (name, axis, base)."""
    base, bracket, rest = wrt.strip().partition("[")
    if not bracket or not rest.endswith("]"):
        return []
    indices = [i.strip() for i in rest[:-1].split(",")]
    return [(i, axis, base.strip()) for axis, i in enumerate(indices) if i.isidentifier() and i not in values]


def derive(expr: str, wrt: str, *, let: Sequence[str] = (), assume: Sequence[str] = (),
           fn: Sequence[str] = (), shape: Sequence[str] = (), node_limit: Optional[int] = None):
    """d(expr)/d(wrt), simplified with the definitions ``let`` (``"yhat = softmax(z)"``) and the
    assumptions ``assume`` (``"sum(i, y[i]) = 1"``, ``"z1 < 0"``); ``fn`` declares functions
    without a definition (``"f, g"``). As ``deltaform derive EXPR --wrt WRT``. With ``shape``
    (``["W: 3x4", "x: 4", "y: 3"]``) the expression is in matrix form (``W*x`` the product) and
    the derivative by a whole ``W`` is a ``MatrixDerivation``; else a ``Derivation``."""
    context = Context.of(let, assume, fn)
    options = context.args()
    for text in strings(shape, "shape"):
        options += ["--shape", text]
    if node_limit is not None:
        options += ["--node-limit", str(int(node_limit))]
    _, data = call_json(["derive", "--wrt", wrt, *options, "--", expr])
    if "index_form" in data:
        return MatrixDerivation(expr, wrt, options, data)
    return Derivation(expr, wrt, context, options, data)


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
    _, data = call_json(["simplify", *Context.of(let, assume, fn).args(), "--", expr])
    return Simplification(expr, data)
