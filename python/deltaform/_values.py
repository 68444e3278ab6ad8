"""Python values to and from the language's numbers: the ``--at`` text, results as Fractions,
floats or numpy arrays, files for texts and dicts."""

from __future__ import annotations

import contextlib
import json
import math
import os
from numbers import Integral, Rational, Real
from typing import Iterator, List, Mapping


def numpy_module():
    """numpy, imported on first use (so that `import deltaform` stays fast)."""
    import numpy

    return numpy


def number_text(x) -> str:
    """A number as the language reads it: ints and Fractions exactly, floats by their shortest
    decimal (which the language reads exactly)."""
    np = numpy_module()
    if isinstance(x, (bool, np.bool_)):
        raise TypeError(f"expected a number, found the bool {x!r}")
    if isinstance(x, (Integral, np.integer)):
        return str(int(x))
    if isinstance(x, Rational):
        return f"{x.numerator}/{x.denominator}"
    if isinstance(x, (Real, np.floating)):
        x = float(x)
        if not math.isfinite(x):
            raise ValueError(f"{x} is not a finite number")
        return repr(x)
    raise TypeError(f"expected a number, found {type(x).__name__}")


def value_text(value) -> str:
    """A number, vector (1-D) or matrix (2-D) as the language writes it: ``[[1, 2], [3, 4]]``."""
    np = numpy_module()
    if isinstance(value, np.ndarray):
        if value.ndim > 2:
            raise ValueError(f"only numbers, vectors and matrices, not arrays of {value.ndim} axes")
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(value_text(v) for v in value) + "]"
    return number_text(value)


def strings(texts, what: str) -> List[str]:
    """A string, or an iterable of strings, as a list (read once: a generator is fine)."""
    if isinstance(texts, str):
        return [texts]
    texts = list(texts)
    for t in texts:
        if not isinstance(t, str):
            raise TypeError(f"{what}: expected strings, found {type(t).__name__}")
    return texts


def bindings_text(values: Mapping[str, object]) -> str:
    """``x=0.1, z=[1, 2]`` for ``--at``."""
    return ", ".join(f"{name}={value_text(v)}" for name, v in values.items())


def has_float(value) -> bool:
    """Whether a value holds a float (so a result computed from it is given as a float)."""
    np = numpy_module()
    if isinstance(value, np.ndarray):
        return value.dtype.kind == "f" or (value.dtype.kind == "O" and any(has_float(v) for v in value.ravel()))
    if isinstance(value, (list, tuple)):
        return any(has_float(v) for v in value)
    return isinstance(value, (float, np.floating))


def result_value(data: dict, exact_wanted: bool):
    """The value of ``eval --format json``: a Fraction when exact and wanted, else a float (±inf
    for an exact value beyond the floats); a numpy array for a vector or matrix (of Fractions,
    dtype object, when exact and wanted)."""
    np = numpy_module()
    if data["exact"]:
        exact = _fractions(data["value"]) if data["shape"] else _fraction(data["value"])
        if exact_wanted:
            return np.array(exact, dtype=object) if data["shape"] else exact
        return np.vectorize(_float, otypes=[float])(np.array(exact, dtype=object)) if data["shape"] else _float(exact)
    numbers = data["numbers"]
    if numbers is None or None in np.array(numbers, dtype=object).ravel().tolist():
        from .errors import EvalError

        raise EvalError(f"the value {data['value']} is beyond the floats", kind="overflow")
    return float(numbers) if not data["shape"] else np.array(numbers, dtype=float)


def _fraction(text: str):
    """A Fraction from its text, however many digits it has (Python limits int parsing to 4300
    digits by default; the engine's exact numbers may be longer)."""
    import sys
    from fractions import Fraction

    limit = getattr(sys, "get_int_max_str_digits", lambda: 0)()
    if limit and len(text) > limit:
        sys.set_int_max_str_digits(0)
        try:
            return Fraction(text)
        finally:
            sys.set_int_max_str_digits(limit)
    return Fraction(text)


def _float(x) -> float:
    """A Fraction as a float, ±inf beyond the floats."""
    try:
        return float(x)
    except OverflowError:
        return math.inf if x > 0 else -math.inf


def _fractions(text: str):
    """``[[1/2, 3], [4, 5]]`` as nested lists of Fractions."""
    import re

    quoted = re.sub(r"[^\[\],\s]+", lambda m: f'"{m.group(0)}"', text)
    return _as_fractions(json.loads(quoted))


def _as_fractions(x):
    return [_as_fractions(v) for v in x] if isinstance(x, list) else _fraction(x)


def arrays(value):
    """JSON numbers as numpy arrays: lists of numbers become arrays (of ints when all are ints,
    else of floats), the rest stays."""
    np = numpy_module()
    if isinstance(value, list):
        try:
            array = np.array(value)
        except ValueError:
            return [arrays(v) for v in value]
        if array.dtype.kind in "iu":
            return array
        try:
            return array.astype(float)
        except (TypeError, ValueError):
            return [arrays(v) for v in value]
    if isinstance(value, dict):
        return {k: arrays(v) for k, v in value.items()}
    return value


def toml_text(table: Mapping, _prefix: str = "") -> str:
    """A dict as TOML: scalars and arrays first, then sub-tables and arrays of tables."""
    lines, tables = [], []
    for key, value in table.items():
        name = f"{_prefix}.{_key(key)}" if _prefix else _key(key)
        if isinstance(value, Mapping):
            tables.append(f"\n[{name}]\n" + toml_text(value, name))
        elif isinstance(value, (list, tuple)) and value and all(isinstance(v, Mapping) for v in value):
            tables.extend(f"\n[[{name}]]\n" + toml_text(v, name) for v in value)
        else:
            lines.append(f"{_key(key)} = {_toml_value(value)}")
    return "\n".join(lines) + ("\n" if lines else "") + "".join(tables)


def _key(key) -> str:
    """A TOML key: bare when it can be, else a quoted string."""
    key = str(key)
    bare = key and all(c.isascii() and (c.isalnum() or c in "_-") for c in key)
    return key if bare else json.dumps(key)


def _toml_value(value) -> str:
    np = numpy_module()
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)  # JSON's escapes are TOML's
    if isinstance(value, (int, np.integer)) and not -(2**63) <= int(value) < 2**63:
        return json.dumps(str(int(value)))  # beyond TOML's integers: a constant expression
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, Rational) and not isinstance(value, (int, np.integer)):
        return f'"{value.numerator}/{value.denominator}"'
    return number_text(value)


@contextlib.contextmanager
def as_file(source, name: str) -> Iterator[str]:
    """A path for ``source``: a path as it is, or a text (or a dict, as TOML) in a temporary
    file named ``name``, which the errors raised meanwhile call ``<name>``."""
    if is_path(source):
        yield os.fspath(source)
        return
    text = toml_text(source) if isinstance(source, Mapping) else source
    if not isinstance(text, str):
        raise TypeError(f"expected a path, a text or a dict, found {type(source).__name__}")
    import tempfile

    from .errors import DeltaformError

    with tempfile.TemporaryDirectory(prefix="deltaform-") as folder:
        path = os.path.join(folder, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        try:
            yield path
        except DeltaformError as error:
            raise error.renamed(path, f"<{name}>") from None


def is_path(source) -> bool:
    """Whether ``source`` is a path: a PathLike, or a text of one line with no `=` (TOML) and no
    `$` (Markdown math); anything else is the document's own text."""
    if isinstance(source, os.PathLike):
        return True
    return isinstance(source, str) and not any(c in source for c in "\n=$")
