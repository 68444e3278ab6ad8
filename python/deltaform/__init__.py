"""deltaform: symbolic gradients for neural-network math, from Python.

    import deltaform as df
    d = df.derive("-sum(i, y[i]*log(softmax(z)[i]))", wrt="z[k]",
                  let=["yhat = softmax(z)"], assume=["sum(i, y[i]) = 1"])
    d.result                                   # 'yhat[k] - y[k]'
    df.equiv("sigmoid(x)", "1/2*tanh(x/2) + 1/2")
    t = df.run("examples/seed_ex1_sigmoid.toml"); t.steps[0]["delta2"]
    r = df.check("solution.md", exercise="exercise.toml"); r.to_frame()

Every function runs the engine of the ``deltaform`` command in-process; errors are
``DeltaformError`` subclasses carrying the line, column and caret text.
"""

from ._deltaform import __version__
from .derivation import Derivation, MatrixDerivation, Simplification, Step, derive, simplify
from .equivalence import Equivalence, equiv
from .errors import (DefinitionError, DeltaformError, DeltaformWarning, DeriveError, EvalError, ExerciseError,
                     InternalError, ParseError, ShapeError, UsageError)
from .evaluation import Parsed, evaluate, lambdify, parse
from .report import Claim, Report, check
from .trace import Trace, run

__all__ = [
    "__version__", "derive", "simplify", "equiv", "evaluate", "lambdify", "parse", "run", "check",
    "Derivation", "MatrixDerivation", "Simplification", "Step", "Equivalence", "Parsed", "Trace", "Report", "Claim",
    "DeltaformError", "ParseError", "ShapeError", "EvalError", "DefinitionError", "ExerciseError",
    "DeriveError", "UsageError", "InternalError", "DeltaformWarning",
]
