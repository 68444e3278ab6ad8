"""``check``: every claim of a worked solution judged, with the correct value for a wrong one."""

from __future__ import annotations

import contextlib
import json
import os
from typing import List, NamedTuple, Optional, Sequence, Union

from ._call import call
from ._values import as_file, is_path


class Claim(NamedTuple):
    """One claim of a document and its verdict (``correct``, ``wrong`` or ``unchecked``)."""

    document: str
    line: int
    column: int
    text: str
    verdict: str
    expected: Optional[str]
    got: Optional[str]
    note: str


class Report:
    """The verdicts on one or more documents. Truthy when nothing is wrong; ``wrong`` lists the
    wrong claims; ``to_frame()`` gives a pandas DataFrame; in Jupyter the documents render
    annotated."""

    def __init__(self, solutions: tuple, exercise, tol: str, data: dict):
        self._solutions, self._exercise, self._tol, self.json = solutions, exercise, tol, data
        self.summary: dict = {k: data["summary"].get(k, 0) for k in ("correct", "wrong", "unchecked")}
        # A solution given as text is named by its place among the solutions.
        names = [os.fspath(s) if is_path(s) else f"<solution{k + 1}.md>" for k, s in enumerate(solutions)]
        for name, doc in zip(names, data["documents"]):
            doc["path"] = name
        self.claims: List[Claim] = [
            Claim(name, c["line"], c["column"], c["text"], c["verdict"], c["expected"], c["got"], c["note"])
            for name, doc in zip(names, data["documents"]) for c in doc["claims"]
        ]

    @property
    def wrong(self) -> List[Claim]:
        """The wrong claims."""
        return [c for c in self.claims if c.verdict == "wrong"]

    def __bool__(self) -> bool:
        return not self.wrong

    def to_frame(self):
        """The claims as a pandas DataFrame, one row each."""
        import pandas as pd  # noqa: PLC0415 (pandas is optional)
        return pd.DataFrame(self.claims, columns=Claim._fields)

    def annotated(self) -> str:
        """The documents annotated in place (Markdown)."""
        return _check(self._solutions, self._exercise, self._tol, "markdown")

    def _repr_markdown_(self) -> str:
        return self.annotated()

    def __repr__(self) -> str:
        s = self.summary
        return f"Report(correct={s['correct']}, wrong={s['wrong']}, unchecked={s['unchecked']})"


Source = Union[str, os.PathLike]


def check(*solutions: Source, exercise: Union[Source, dict, None] = None, tol: str = "written") -> Report:
    """Judges every claim of worked solutions (``deltaform check``): each a path or a Markdown
    text with ``$...$`` math (or an answers TOML file). With ``exercise`` (a path, TOML text or
    dict), the values the solutions name are compared with its run. ``tol``: ``written`` (one
    unit in the last digit written), ``abs=X``, ``rel=X`` or ``sig=N``."""
    if not solutions:
        raise TypeError("check() needs at least one solution")
    return Report(solutions, exercise, tol, json.loads(_check(solutions, exercise, tol, "json")))


def _check(solutions: Sequence, exercise, tol: str, format: str) -> str:
    """``deltaform check`` on the solutions (texts in temporary files) in ``format``."""
    with contextlib.ExitStack() as stack:
        paths = [stack.enter_context(as_file(s, f"solution{k + 1}.md")) for k, s in enumerate(solutions)]
        args = ["check", "--tol", tol, "--format", format]
        if exercise is not None:
            args += ["--exercise", stack.enter_context(as_file(exercise, "exercise.toml"))]
        _, out = call([*args, "--", *paths])
    return out
