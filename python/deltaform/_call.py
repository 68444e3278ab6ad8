"""The one way into the engine: the ``deltaform`` command run in-process."""

from __future__ import annotations

import json
import warnings
from typing import Iterable, Tuple

from . import _deltaform
from .errors import DeltaformWarning, InternalError, UsageError, error_from


def raise_failure(tag: str, value) -> None:
    """Raises the exception for an outcome other than success."""
    if tag == "failed":
        error_json, text, notes = value
        _warn(notes)
        raise error_from(json.loads(error_json)["error"], text)
    if tag == "usage":
        text, _ = value
        raise UsageError(text.strip(), kind="bad_usage", text=text)
    if tag == "panic":
        raise InternalError(f"deltaform panicked: {value}; please report it", kind="internal_error")
    raise InternalError(f"unexpected outcome {tag!r}", kind="internal_error")


def call(args: Iterable[str]) -> Tuple[int, str]:
    """Runs ``deltaform ARGS...``; returns the exit code and standard output, turns its
    warnings into ``DeltaformWarning``s and its errors into exceptions."""
    tag, value = _deltaform.invoke([str(a) for a in args])
    if tag != "done":
        raise_failure(tag, value)
    code, stdout, notes = value
    _warn(notes)
    return code, stdout


def call_json(args: Iterable[str]) -> Tuple[int, dict]:
    """Runs ``deltaform ARGS...`` with ``--format json`` (before a ``--`` that ends the options);
    returns the exit code and the parsed JSON."""
    args = list(args)
    end = args.index("--") if "--" in args else len(args)
    code, stdout = call([*args[:end], "--format", "json", *args[end:]])
    return code, json.loads(stdout)


def _warn(lines) -> None:
    for line in lines:
        warnings.warn(line, DeltaformWarning, stacklevel=4)
