"""``run``: a backprop exercise run, every quantity of every step as numpy arrays."""

from __future__ import annotations

import os
from typing import List, Union

from ._call import call, call_json
from ._values import arrays, as_file


class Trace:
    """A run of an exercise. ``steps[0]["delta2"]`` is a numpy array (one column per sample);
    ``formulas`` are the formulas derived for it; ``queries`` the forward passes of the query
    points; ``final`` the parameters after the last step (the only record of a ``summary`` run).
    In Jupyter it renders as the worked solution."""

    def __init__(self, source, options: List[str], data: dict):
        self._source, self._options, self.json = source, options, data
        self.steps: List[dict] = [arrays(step) for step in data.get("steps", [])]
        self.queries: List[dict] = [arrays(q) for q in data.get("queries", [])]
        last = self.steps[-1] if self.steps else {}
        self.final: dict = arrays(data["final"]) if "final" in data else {
            k: v for k, v in last.items() if k[:1] in ("W", "b")}
        self.formulas: dict = data.get("formulas", {})
        self.network: dict = data.get("network", {})
        self.notes: List[str] = data.get("notes", [])

    def render(self, format: str = "markdown", *, substitute: bool = False) -> str:
        """The worked solution as text, ``markdown`` or ``latex`` (``--substitute``: each formula
        with the numbers plugged in)."""
        with as_file(self._source, "exercise.toml") as path:
            extra = ["--substitute"] if substitute else []
            _, out = call(["run", *self._options, *extra, "--format", format, "--", path])
        return out

    def _repr_markdown_(self) -> str:
        return self.render("markdown")

    def __repr__(self) -> str:
        return f"Trace({len(self.steps)} steps, {len(self.queries)} queries)"


def run(exercise: Union[str, os.PathLike, dict], *, summary: bool = False) -> Trace:
    """Runs an exercise: a path to its TOML file, its TOML text, or a dict of the same tables
    (``deltaform run FILE``; the format is in grammar/exercise.md). ``summary=True`` keeps only
    the final parameters (for long runs)."""
    options = ["--summary"] if summary else []
    with as_file(exercise, "exercise.toml") as path:
        _, data = call_json(["run", *options, "--", path])
    return Trace(exercise, options, data)
