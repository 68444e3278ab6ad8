"""``run``: a backprop exercise run, every quantity of every step as numpy arrays."""

from __future__ import annotations

import os
from typing import List, Union

from ._call import call, call_json
from ._values import arrays, as_file


class Trace:
    """A run of an exercise. ``steps[0]["delta2"]`` is a numpy array (one column per sample);
    ``formulas`` are the formulas derived for it; ``queries`` the forward passes of the query
    points. In Jupyter it renders as the worked solution."""

    def __init__(self, source, options: List[str], data: dict):
        self._source, self._options, self.json = source, options, data
        self.steps: List[dict] = [arrays(step) for step in data["steps"]]
        self.queries: List[dict] = [arrays(q) for q in data.get("queries", [])]
        self.formulas: dict = data["formulas"]
        self.network: dict = data["network"]
        self.notes: List[str] = data["notes"]

    def render(self, format: str = "markdown", *, substitute: bool = False) -> str:
        """The worked solution as text, ``markdown`` or ``latex`` (``--substitute``: each formula
        with the numbers plugged in)."""
        with as_file(self._source, ".toml", "exercise.toml") as path:
            extra = ["--substitute"] if substitute else []
            _, out = call(["run", path, *self._options, *extra, "--format", format])
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
    with as_file(exercise, ".toml", "exercise.toml") as path:
        _, data = call_json(["run", path, *options])
    return Trace(exercise, options, data)
