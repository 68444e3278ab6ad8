"""``equiv``: whether two expressions are equal, by proof or numerically."""

from __future__ import annotations

from typing import List, Optional, Sequence

from ._call import call, call_json
from .derivation import Context, Step


class Equivalence:
    """The verdict of ``equiv``: ``equal`` is True, False (with a ``counterexample``) or None
    (undecided: no proof, and no point where both sides have a value). Truthy only when equal."""

    def __init__(self, a: str, b: str, args: List[str], data: dict):
        self.a, self.b, self._args, self.json = a, b, args, data
        self.equal: Optional[bool] = data["equal"]
        self.how: str = data["how"]
        self.proof: List[Step] = [Step(s["expr"], s["rule"]) for s in data.get("steps", [])]
        self.counterexample: Optional[str] = data.get("counterexample")
        self.caveats: List[str] = data.get("caveats", [])

    def __bool__(self) -> bool:
        return self.equal is True

    def latex(self) -> str:
        """The verdict in LaTeX, with the proof's steps when there is one."""
        _, out = call(["equiv", *self._args, "--explain", "--format", "latex", "--", self.a, self.b])
        return out.strip()

    def _repr_latex_(self) -> str:
        return "$$" + self.latex() + "$$"

    def __repr__(self) -> str:
        detail = f"proof={[tuple(s) for s in self.proof]!r}" if self.proof else (
            f"counterexample={self.counterexample!r}" if self.counterexample else f"how={self.how!r}")
        return f"Equivalence(equal={self.equal}, {detail})"


def equiv(a: str, b: str, *, let: Sequence[str] = (), assume: Sequence[str] = (), fn: Sequence[str] = (),
          dim: Optional[dict] = None) -> Equivalence:
    """Whether ``a`` and ``b`` are equal (``deltaform equiv A B``): proved by rewriting, or else
    tested numerically; ``dim`` gives vector lengths (``{"p": 3}``)."""
    args = Context.of(let, assume, fn).args()
    for name, n in (dim or {}).items():
        args += ["--dim", f"{name}={int(n)}"]
    _, data = call_json(["equiv", *args, "--explain", "--", a, b])
    return Equivalence(a, b, args, data)
