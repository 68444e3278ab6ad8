"""Python values to and from the language's numbers: the ``--at`` text, results as Fractions,
floats or numpy arrays, files for texts and dicts."""

from __future__ import annotations

import contextlib
import json
import math
import os
from numbers import Integral, Rational, Real
from typing import Iterator, Mapping



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


def bindings_text(values: Mapping[str, object]) -> str:
    """``x=0.1, z=[1, 2]`` for ``--at``."""
    return ", ".join(f"{name}={value_text(v)}" for name, v in values.items())


def has_float(value) -> bool:
    """Whether a value holds a float (so a result computed from it is given as a float)."""
    np = numpy_module()
    if isinstance(value, np.ndarray):
        return value.dtype.kind == "f"
    if isinstance(value, (list, tuple)):
        return any(has_float(v) for v in value)
    return isinstance(value, (float, np.floating))


def result_value(data: dict, exact_wanted: bool):
    """The value of ``eval --format json``: a Fraction when exact and wanted, else a float; a
    numpy array for a vector or matrix (of Fractions, dtype object, when exact and wanted)."""
    np = numpy_module()
    if data["exact"] and exact_wanted:
        if not data["shape"]:
            from fractions import Fraction

            return Fraction(data["value"])
        return np.array(_fractions(data["value"]), dtype=object)
    numbers = data["numbers"]
    return float(numbers) if not data["shape"] else np.array(numbers, dtype=float)


def _fractions(text: str):
    """``[[1/2, 3], [4, 5]]`` as nested lists of Fractions."""
    import re

    quoted = re.sub(r"[^\[\],\s]+", lambda m: f'"{m.group(0)}"', text)
    return _as_fractions(json.loads(quoted))


def _as_fractions(x):
    from fractions import Fraction

    return [_as_fractions(v) for v in x] if isinstance(x, list) else Fraction(x)


def arrays(value):
    """JSON numbers as numpy arrays: lists become float arrays, the rest stays."""
    np = numpy_module()
    if isinstance(value, list):
        try:
            return np.array(value, dtype=float)
        except (TypeError, ValueError):
            return [arrays(v) for v in value]
    if isinstance(value, dict):
        return {k: arrays(v) for k, v in value.items()}
    return value


def toml_text(table: Mapping, _prefix: str = "") -> str:
    """A dict as TOML: scalars and arrays first, then sub-tables and arrays of tables."""
    lines, tables = [], []
    for key, value in table.items():
        name = f"{_prefix}.{key}" if _prefix else str(key)
        if isinstance(value, Mapping):
            tables.append(f"\n[{name}]\n" + toml_text(value, name))
        elif isinstance(value, (list, tuple)) and value and all(isinstance(v, Mapping) for v in value):
            tables.extend(f"\n[[{name}]]\n" + toml_text(v, name) for v in value)
        else:
            lines.append(f"{_key(key)} = {_toml_value(value)}")
    return "\n".join(lines) + ("\n" if lines else "") + "".join(tables)


def _key(key) -> str:
    key = str(key)
    return key if key.replace("_", "").replace("-", "").isalnum() else '"' + key.replace('"', '\\"') + '"'


def _toml_value(value) -> str:
    np = numpy_module()
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, Rational) and not isinstance(value, (int, np.integer)):
        return f'"{value.numerator}/{value.denominator}"'
    return number_text(value)


@contextlib.contextmanager
def as_file(source, suffix: str, name: str) -> Iterator[str]:
    """A path for ``source``: a path as it is, or a text (or a dict, as TOML) in a temporary
    file named ``name``."""
    if is_path(source, suffix):
        yield os.fspath(source)
        return
    text = toml_text(source) if isinstance(source, Mapping) else source
    if not isinstance(text, str):
        raise TypeError(f"expected a path, a text or a dict, found {type(source).__name__}")
    import tempfile

    with tempfile.TemporaryDirectory(prefix="deltaform-") as folder:
        path = os.path.join(folder, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        yield path


def is_path(source, suffix: str) -> bool:
    """Whether ``source`` is a path: a PathLike, or a one-line text naming an existing file or
    ending in the expected suffix (anything else is the document's text)."""
    if isinstance(source, os.PathLike):
        return True
    return isinstance(source, str) and "\n" not in source and (os.path.isfile(source) or source.endswith(suffix))
