"""Values: ``evaluate`` (exact where the math allows), ``lambdify`` (numpy-vectorised f64),
and ``parse`` (the canonical form, LaTeX and the syntax tree)."""

from __future__ import annotations

import warnings
from typing import Callable, Dict, List, NamedTuple, Optional, Sequence

from . import _deltaform
from ._call import call_json, raise_failure
from ._values import bindings_text, has_float, numpy_module, result_value, strings
from .errors import DeltaformWarning, error_class


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
    _, data = call_json(["parse", "--", expr])
    return Parsed(data["canonical"], data["latex"], data["tree"], data["arrays"])


def evaluate(expr: str, values: Optional[Dict[str, object]] = None, /, *, let: Sequence[str] = (),
             assume: Sequence[str] = (), **names):
    """The value of ``expr`` with names bound to values (numbers, lists, numpy arrays; as a dict,
    for any name, or as keywords) and the definitions ``let`` evaluated in order: a ``Fraction``
    when the value is exact and no float was given, else a float; a numpy array for a vector or
    matrix. Ints, Fractions and the decimal text of floats are read exactly. A point where an
    assumption (``"sum(i, y[i]) = 1"``, ``"z1 < 0"``) does not hold is refused (``EvalError``)."""
    values = {**(values or {}), **names}
    args = ["eval", "--digits", "17"]
    if values:
        args += ["--at", bindings_text(values)]
    for text in strings(let, "let"):
        args += ["--let", text]
    for text in strings(assume, "assume"):
        args += ["--assume", text]
    _, data = call_json([*args, "--", expr])
    return result_value(data, exact_wanted=not any(has_float(v) for v in values.values()))


def lambdify(expr: str, *, let: Sequence[str] = ()) -> Callable:
    """A numpy-vectorised function of ``expr``'s free names, in f64. Its parameters are the free
    names (of the expression and of the definitions it uses) in alphabetical order, a Python
    keyword with ``_`` after it (``lambda_`` for ``lambda``); see its ``signature``. Names used
    as vectors or matrices (``z`` of ``z[i]``), indices and sum ranges take one value for all
    points; the others broadcast as numpy arrays do, and the result has their broadcast shape.
    A point where the expression has no value gives NaN, with one ``DeltaformWarning`` saying
    why; arguments that do not fit (a vector where a number goes, an index out of range) raise
    the error."""
    import inspect
    import keyword

    lets = strings(let, "let")
    scalars, fixed = _free_names(expr, lets)
    python_name = {n: f"{n}_" if keyword.iskeyword(n) else n for n in scalars | fixed}
    language_name = {p: n for n, p in python_name.items()}

    def function(*args, **kwargs):
        np = numpy_module()
        bound = {language_name[p]: v for p, v in signature.bind(*args, **kwargs).arguments.items()}
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
            point, kind, why = first
            if kind in _INPUT_ERRORS:
                # Not a point outside the domain: the arguments themselves do not fit.
                raise error_class(kind)(f"{expr}: {why}", kind=kind)
            at = ", ".join(f"{n}={c[point]!r}" for n, c in columns) or fixed_text
            warnings.warn(f"{expr}: no value at {failed} of {points} points (at {at}: {why}); NaN there",
                          DeltaformWarning, stacklevel=2)
        result = np.array(values, dtype=float).reshape(shape)
        return float(result) if result.ndim == 0 else result

    parameter = inspect.Parameter.POSITIONAL_OR_KEYWORD
    signature = inspect.Signature([inspect.Parameter(p, parameter) for p in sorted(language_name)])
    function.__signature__ = signature
    function.__name__ = "lambdified"
    function.__doc__ = f"{expr} at the given values (vectorised over {', '.join(sorted(scalars)) or 'nothing'})."
    return function


# Errors of the arguments rather than of a point: raised, not turned into NaN.
_INPUT_ERRORS = {"shape", "unbound_name", "bad_index", "index_out_of_range", "sum_range"}


def _free_names(expr: str, lets: List[str]):
    """The free names of ``expr`` and of the definitions it uses (directly or through other
    definitions), the defined names left out: (those that broadcast, those that are fixed:
    vectors, matrices, indices and sum ranges)."""
    parsed = parse(expr)
    definitions = {}
    for text in lets:
        definition = parse(text)
        lhs, rhs = definition.tree["="]
        name = lhs["var"] if "var" in lhs else lhs["index"][0]["var"]
        params = {i["var"] for i in lhs.get("index", [None])[1:] if i and "var" in i}
        definitions[name] = (definition, rhs, params)
    scalars, fixed = set(), set(parsed.arrays)
    _collect(parsed.tree, set(), scalars, fixed)
    used, pending = set(), [n for n in scalars | fixed if n in definitions]
    while pending:
        name = pending.pop()
        if name in used:
            continue
        used.add(name)
        definition, rhs, params = definitions[name]
        fixed.update(definition.arrays)
        found_scalars, found_fixed = set(), set()
        _collect(rhs, params, found_scalars, found_fixed)
        scalars |= found_scalars
        fixed |= found_fixed
        pending.extend(n for n in found_scalars | found_fixed | set(definition.arrays) if n in definitions)
    defined = set(definitions)
    return scalars - defined - fixed, fixed - defined


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
            # A range is a count, the same at every point.
            _collect(range_, bound, fixed, fixed)
        _collect(body, bound | {index}, scalars, fixed)
    elif kind in ("call", "apply"):
        for arg in value[1:]:
            _collect(arg, bound, scalars, fixed)
    elif kind in ("num", "pi"):
        pass
    else:
        for child in (value if isinstance(value, list) else [value]):
            _collect(child, bound, scalars, fixed)
