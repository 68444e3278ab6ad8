"""Values: ``evaluate`` (exact where the math allows), ``lambdify`` (numpy-vectorised f64),
and ``parse`` (the canonical form, LaTeX and the syntax tree)."""

from __future__ import annotations

import warnings
from typing import Callable, List, NamedTuple, Sequence

from . import _deltaform
from ._call import call_json, raise_failure
from ._values import bindings_text, numpy_module, has_float, result_value
from .errors import DeltaformWarning


class Parsed(NamedTuple):
    """An expression read: its canonical text, its LaTeX, and its syntax tree (nested dicts,
    one key per node: ``{"call": ["sigmoid", {"var": "x"}]}``), and the names it uses as
    vectors or matrices."""

    canonical: str
    latex: str
    tree: dict
    arrays: List[str]


def parse(expr: str) -> Parsed:
    """Reads ``expr`` (or a definition ``a = b``), as ``deltaform parse``."""
    _, data = call_json(["parse", expr])
    return Parsed(data["canonical"], data["latex"], data["tree"], data["arrays"])


def evaluate(expr: str, *, let: Sequence[str] = (), **values):
    """The value of ``expr`` with names bound to ``values`` (numbers, lists, numpy arrays) and
    the definitions ``let`` evaluated in order: a ``Fraction`` when the value is exact and no
    float was given, else a float; a numpy array for a vector or matrix. Ints, Fractions and the
    decimal text of floats are read exactly."""
    args = ["eval", expr, "--digits", "17"]
    if values:
        args += ["--at", bindings_text(values)]
    for text in ([let] if isinstance(let, str) else let):
        args += ["--let", text]
    _, data = call_json(args)
    return result_value(data, exact_wanted=not any(has_float(v) for v in values.values()))


def lambdify(expr: str, *, let: Sequence[str] = ()) -> Callable:
    """A numpy-vectorised function of ``expr``'s free names, in f64. Its parameters are the free
    names in alphabetical order (see its ``signature``). Names used as vectors or matrices
    (``z`` of ``z[i]``) and indices take one value for all points; the others broadcast as
    numpy arrays do, and the result has their broadcast shape. A point where the expression has
    no value gives NaN, with one ``DeltaformWarning`` saying why."""
    import inspect

    lets = [let] if isinstance(let, str) else list(let)
    scalars, fixed = _free_names(expr, lets)
    params = sorted(scalars | fixed)

    def function(*args, **kwargs):
        np = numpy_module()
        bound = signature.bind(*args, **kwargs).arguments
        varying = {n: np.asarray(v, dtype=float) for n, v in bound.items() if n in scalars}
        shaped = np.broadcast_arrays(*varying.values()) if varying else []
        shape = shaped[0].shape if shaped else ()
        points = int(np.prod(shape)) if shape else 1
        columns = [(n, a.ravel().tolist()) for n, a in zip(varying, shaped)]
        fixed_text = bindings_text({n: v for n, v in bound.items() if n in fixed})
        tag, value = _deltaform.evaluate_many(expr, lets, fixed_text, columns, points)
        if tag != "values":
            raise_failure(tag, value)
        values, failed, first = value
        if failed:
            point, why = first
            at = ", ".join(f"{n}={c[point]!r}" for n, c in columns)
            warnings.warn(f"{expr}: no value at {failed} of {points} points (at {at}: {why}); NaN there",
                          DeltaformWarning, stacklevel=2)
        result = np.array(values, dtype=float).reshape(shape)
        return float(result) if result.ndim == 0 else result

    signature = inspect.Signature([inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD) for n in params])
    function.__signature__ = signature
    function.__name__ = "lambdified"
    function.__doc__ = f"{expr} at the given values (vectorised over {', '.join(sorted(scalars)) or 'nothing'})."
    return function


def _free_names(expr: str, lets: List[str]):
    """The free names of ``expr`` and of the definitions it may use, minus the defined names:
    (those that broadcast, those that are fixed: vectors, matrices and indices)."""
    scalars, fixed, defined = set(), set(), set()
    parsed = parse(expr)
    fixed.update(parsed.arrays)
    for text in lets:
        definition = parse(text)
        fixed.update(definition.arrays)
        lhs, rhs = definition.tree["="]
        name = lhs["var"] if "var" in lhs else lhs["index"][0]["var"]
        params = {i["var"] for i in lhs.get("index", [None])[1:] if i and "var" in i}
        defined.add(name)
        _collect(rhs, params, scalars, fixed)
    _collect(parsed.tree, set(), scalars, fixed)
    scalars -= defined | fixed
    return scalars, fixed - defined


def _collect(node: dict, bound: set, scalars: set, fixed: set) -> None:
    (kind, value), = node.items()
    if kind == "var":
        if value not in bound:
            scalars.add(value)
    elif kind == "index":
        base, *indices = value
        if "var" not in base:
            _collect(base, bound, scalars, fixed)
        for index in indices:
            if "var" in index:
                if index["var"] not in bound:
                    fixed.add(index["var"])
            else:
                _collect(index, bound, scalars, fixed)
    elif kind in ("sum", "prod"):
        index, range_, body = value
        if range_ is not None:
            _collect(range_, bound, scalars, fixed)
        _collect(body, bound | {index}, scalars, fixed)
    elif kind in ("call", "apply"):
        for arg in value[1:]:
            _collect(arg, bound, scalars, fixed)
    elif kind in ("num", "pi"):
        pass
    else:
        for child in (value if isinstance(value, list) else [value]):
            _collect(child, bound, scalars, fixed)
