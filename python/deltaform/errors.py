"""Exceptions and warnings: every error of deltaform's, with its kind, place and caret text."""

from __future__ import annotations

from typing import Optional


class DeltaformError(Exception):
    """An input deltaform refused. ``str(err)`` is the caret-pointing text the CLI prints.

    Attributes: ``kind`` (``"unexpected_token"``, ``"bad_shape"``, ...), ``message``,
    ``source`` (``"EXPR"``, ``"--let"``, a file name), ``line`` and ``column`` (from 1, or
    None), ``span`` (a ``(start, end)`` byte range, or None), ``help`` (or None) and ``text``.
    """

    def __init__(self, message: str, *, kind: str = "error", text: Optional[str] = None,
                 source: Optional[str] = None, line: Optional[int] = None,
                 column: Optional[int] = None, span: Optional[tuple] = None,
                 help: Optional[str] = None):
        super().__init__(text.rstrip("\n") if text else message)
        self.kind, self.message, self.text = kind, message, text or message
        self.source, self.line, self.column, self.span, self.help = source, line, column, span, help

    def renamed(self, path: str, name: str) -> "DeltaformError":
        """The same error with a temporary file's ``path`` shown as ``name``."""
        self.text = self.text.replace(path, name)
        self.source = name if self.source == path else self.source
        self.args = (self.text.rstrip("\n"),)
        return self


class ParseError(DeltaformError, ValueError):
    """The text is not in the language (or not the kind of statement expected)."""


class ShapeError(DeltaformError, ValueError):
    """Shapes that do not fit: a matrix product, a sample of the wrong length, ..."""


class EvalError(DeltaformError, ArithmeticError):
    """No value: division by zero, log of a non-positive number, an unbound name, ..."""


class DefinitionError(DeltaformError, ValueError):
    """A definition, assumption, binding or declared function that cannot be used."""


class ExerciseError(DeltaformError, ValueError):
    """An exercise, solution or answers file that cannot be read or run."""


class DeriveError(DeltaformError):
    """No derivative: the expression cannot be differentiated by the name asked."""


class UsageError(DeltaformError, TypeError):
    """Arguments the command does not take."""


class InternalError(DeltaformError):
    """A bug in deltaform (a failed self-check, or a panic caught at the boundary)."""


class DeltaformWarning(UserWarning):
    """A warning of deltaform's: an unused definition, a note on how the input was read, ..."""


_KINDS = {
    ParseError: {"unexpected_token", "unexpected_end", "unknown_function", "wrong_arity", "too_deep",
                 "reserved_name", "bad_number", "not_an_expression", "syntax"},
    ShapeError: {"shape", "bad_shape", "shape_mismatch", "tensor_result", "no_index_form"},
    EvalError: {"division_by_zero", "domain", "overflow", "unbound_name", "index_out_of_range",
                "bad_index", "sum_range", "undecidable", "too_costly", "no_value"},
    DefinitionError: {"bad_definition", "bad_assumption", "contradictory_assumptions", "bad_function",
                      "bad_given", "bad_binding", "bad_composition", "bad_graph", "bad_dim"},
    ExerciseError: {"bad_exercise", "bad_toml", "bad_answers", "file_too_large", "unreadable_file",
                    "unreadable", "not_utf8", "too_large", "binary", "unwritable"},
    DeriveError: {"cannot_differentiate"},
    UsageError: {"bad_usage"},
    InternalError: {"internal_error"},
}


def error_class(kind: str) -> type:
    """The exception class for an error kind (``DeltaformError`` for a kind not listed)."""
    for cls, kinds in _KINDS.items():
        if kind in kinds:
            return cls
    return DeltaformError


def error_from(error: dict, text: str) -> DeltaformError:
    """The exception for the CLI's JSON error object and its caret text."""
    span = error.get("span")
    return error_class(error.get("kind", "error"))(
        error.get("message", ""), kind=error.get("kind", "error"), text=text,
        source=error.get("source"), line=error.get("line"), column=error.get("column"),
        span=(span["start"], span["end"]) if span else None, help=error.get("help"))
