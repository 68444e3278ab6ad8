"""The Python API end to end: results, values, errors, rendering, and the installed command."""

from __future__ import annotations

import inspect
import os
import shutil
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

import deltaform as df

ROOT = Path(__file__).resolve().parents[2]
EX1 = ROOT / "examples" / "seed_ex1_sigmoid.toml"
XENT = dict(let=["yhat = softmax(z)"], assume=["sum(i, y[i]) = 1"])


def test_derive_gives_the_textbook_result_its_latex_and_steps():
    d = df.derive("-sum(i, y[i]*log(softmax(z)[i]))", wrt="z[k]", **XENT)
    assert d.result == "yhat[k] - y[k]" and str(d) == d.result
    assert d.latex == r"\hat{y}_{k} - y_{k}"
    assert len(d.steps) >= 2 and d.steps[-1].expr == "yhat[k] - y[k]"
    expr, rule = d.steps[0]
    assert "softmax" in rule and expr.startswith("-sum")
    assert d.numeric_check["status"] == "agreed"
    assert d.assumptions_used == ["sum(i, y[i]) = 1"]


def test_evaluate_is_exact_for_exact_inputs_and_a_float_for_floats():
    d = df.derive("x^3/3", wrt="x")
    assert d.evaluate(x=Fraction(1, 2)) == Fraction(1, 4)
    assert d.evaluate(x=2) == 4 and isinstance(d.evaluate(x=2), Fraction)
    assert isinstance(d.evaluate(x=0.5), float) and d.evaluate(x=0.5) == 0.25
    s = df.derive("sigmoid(x)", wrt="x").evaluate(x=0.2)
    assert isinstance(s, float) and abs(s - 0.2475165727118599) < 1e-15


def test_evaluate_runs_a_free_index_of_wrt_over_its_axis():
    d = df.derive("-sum(i, y[i]*log(softmax(z)[i]))", wrt="z[k]", **XENT)
    one = d.evaluate(z=[1, 2, 3], y=[0, 1, 0], k=2)
    every = d.evaluate(z=[1, 2, 3], y=[0, 1, 0])
    soft = np.exp([1, 2, 3]) / np.exp([1, 2, 3]).sum()
    assert np.allclose(every, soft - [0, 1, 0], rtol=1e-14) and every[1] == one
    assert d.evaluate(z=[0, 0], y=[1, 0], k=1) == Fraction(-1, 2)


def test_lambdify_broadcasts_over_scalars_and_fixes_vectors():
    f = df.derive("x*sigmoid(x)", wrt="x").lambdify()
    assert list(inspect.signature(f).parameters) == ["x"]
    xs = np.linspace(-3, 3, 7)
    sig = 1 / (1 + np.exp(-xs))
    assert np.allclose(f(xs), sig * (1 + xs * (1 - sig)), rtol=1e-14)
    assert f(xs.reshape(7, 1)).shape == (7, 1) and isinstance(f(0.5), float)
    g = df.lambdify("w*x + b")
    assert g(b=1, w=np.array([1.0, 2.0]), x=np.array([[3.0], [4.0]])).tolist() == [[4, 7], [5, 9]]
    h = df.derive("-sum(i, y[i]*log(softmax(z)[i]))", wrt="z[k]", **XENT).lambdify()
    assert list(inspect.signature(h).parameters) == ["k", "y", "z"]
    assert abs(h(k=2, y=[0, 1, 0], z=[1, 2, 3]) - (np.exp(2) / np.exp([1, 2, 3]).sum() - 1)) < 1e-14


def test_lambdify_gives_nan_where_there_is_no_value_and_warns_once():
    f = df.lambdify("log(x)")
    with pytest.warns(df.DeltaformWarning, match=r"no value at 2 of 3 points \(at x=-1.0"):
        values = f([-1.0, 0.0, np.e])
    assert np.isnan(values[0]) and np.isnan(values[1]) and values[2] == pytest.approx(1.0)


def test_equiv_is_truthy_when_equal_and_gives_a_proof_or_a_counterexample():
    e = df.equiv("sigmoid(x)", "1/2*tanh(x/2) + 1/2")
    assert e and e.equal is True and e.how == "proof" and e.proof
    assert "Equivalence(equal=True" in repr(e)
    n = df.equiv("x^2", "x")
    assert not n and n.equal is False and n.counterexample
    assert df.equiv("p[1] + p[2] + p[3]", "sum(j, p[j])", dim={"p": 3})
    undecided = df.equiv("log(-x^2 - 1)", "x")
    assert undecided.equal is None and not undecided


def test_run_gives_numpy_arrays_and_takes_a_path_a_text_or_a_dict():
    t = df.run(EX1)
    assert np.allclose(t.steps[0]["delta2"], [[-0.11393714890574508], [0.13436999748418976]], rtol=1e-15)
    assert t.steps[0]["W1"].shape == (3, 5) and t.queries
    from_text = df.run(EX1.read_text())
    table = {
        "network": {"layers": [5, 3, 2], "activation": "sigmoid", "output": "sigmoid", "loss": "squared_error"},
        "init": {"weights": Fraction(1, 10), "biases": 0},
        "train": {"rate": 1, "mode": "sgd", "steps": 1},
        "sample": [{"x": [1, 1, 0, 0, 0], "y": [1, 0]}],
        "query": [{"x": [1, 0, 0, 0, 1]}],
    }
    from_dict = df.run(table)
    for other in (from_text, from_dict):
        for key, value in t.steps[0].items():
            assert np.array_equal(np.asarray(other.steps[0][key]), np.asarray(value)), key
    assert t._repr_markdown_().startswith("# Worked solution")
    assert "≈" in t.render("text", substitute=True)


def test_check_judges_claims_and_gives_a_frame():
    r = df.check(ROOT / "examples" / "check" / "softmax_step.md")
    assert not r and r.summary == {"correct": 3, "wrong": 1, "unchecked": 2}
    (wrong,) = r.wrong
    assert wrong.line == 5 and wrong.expected == "0.218249"
    frame = r.to_frame()
    assert list(frame.columns)[:5] == ["document", "line", "column", "text", "verdict"] and len(frame) == 6
    assert "wrong" in r._repr_markdown_()
    text = "The derivative is $\\frac{d}{dx} \\sigma(x) = \\sigma(x)(1 - \\sigma(x))$.\n"
    assert df.check(text).summary["correct"] == 1


def test_check_against_an_exercise_finds_a_wrong_value():
    right = "$$\\delta^{[2]} \\approx \\begin{bmatrix} -0.113937 \\\\ 0.13437 \\end{bmatrix}$$\n"
    assert df.check(right, exercise=EX1).summary == {"correct": 1, "wrong": 0, "unchecked": 0}
    entries = "$\\delta^{[2]}_1 = -0.1139$ and $\\delta^{[2]}_2 = 0.2$\n"
    (entry,) = df.check(entries, exercise=EX1).wrong
    assert (entry.text, entry.expected) == ("\\delta^{[2]}_2 = 0.2", "0.13437")
    r = df.check(right.replace("0.13437", "0.2"), exercise=EX1)
    (wrong,) = r.wrong
    assert wrong.line == 1 and "delta2" in wrong.note


def test_errors_are_exceptions_with_the_place_and_the_caret_text():
    with pytest.raises(df.ParseError) as err:
        df.derive("sigmoid(x +* 2)", wrt="x")
    e = err.value
    assert (e.kind, e.line, e.column, e.source) == ("unexpected_token", 1, 12, "EXPR")
    assert "sigmoid(x +* 2)" in str(e) and isinstance(e, ValueError) and isinstance(e, df.DeltaformError)
    with pytest.raises(df.EvalError, match="non-positive"):
        df.evaluate("log(x)", x=-1)
    with pytest.raises(df.DefinitionError):
        df.derive("x", wrt="x", let=["x + 1"])
    with pytest.raises(df.ExerciseError) as bad:
        df.run(ROOT / "grammar" / "exercise" / "invalid" / "w1_wrong_shape.toml")
    assert bad.value.line == 10 and "3 x 5" in bad.value.message
    with pytest.raises(df.ShapeError):
        df.evaluate("W*z", z=[1, 2, 3], W=[[1, 2], [3, 4]])
    with pytest.raises(TypeError):
        df.evaluate("x", x=True)


def test_a_panic_becomes_an_internal_error_not_a_crash():
    from deltaform._call import raise_failure
    with pytest.raises(df.InternalError, match="panicked"):
        raise_failure("panic", "index out of bounds")


def test_warnings_are_python_warnings():
    with pytest.warns(df.DeltaformWarning, match="never used"):
        df.derive("x^2", wrt="x", let=["h = 3"])


def test_jupyter_renders_the_worked_derivation():
    d = df.derive("sigmoid(2*z)", wrt="z")
    latex = d._repr_latex_()
    assert latex.startswith("$$") and "\\begin{aligned}" in latex and latex.endswith("$$")
    assert df.equiv("sigmoid(x)", "1/2*tanh(x/2) + 1/2")._repr_latex_().startswith("$$")
    assert df.simplify("exp(x)/(1 + exp(x))").result == "sigmoid(x)"


def test_parse_gives_the_canonical_form_the_tree_and_the_arrays():
    with pytest.warns(df.DeltaformWarning, match=r"`\*\*` read as `\^`"):
        p = df.parse("x**2 + softmax(z)[k]")
    assert p.canonical == "x^2 + softmax(z)[k]" and p.arrays == ["z"]
    assert p.tree["+"][0] == {"^": [{"var": "x"}, {"num": "2"}]}


def test_the_installed_command_is_the_cli():
    exe = shutil.which("deltaform", path=os.path.dirname(sys.executable))
    assert exe, "pip install puts a `deltaform` command beside the interpreter"
    out = subprocess.run([exe, "derive", "sigmoid(x)", "--wrt", "x"], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip().endswith("sigmoid(x)*(1 - sigmoid(x))")
    bad = subprocess.run([exe, "derive", "sigmoid(", "--wrt", "x"], capture_output=True, text=True)
    assert bad.returncode == 2 and "sigmoid(" in bad.stderr
    neg = subprocess.run([exe, "equiv", "x^2", "x"], capture_output=True, text=True)
    assert neg.returncode == 1
    assert subprocess.run([exe, "--version"], capture_output=True, text=True).stdout.startswith("deltaform ")


def test_the_version_is_the_crates():
    assert df.__version__ == "0.1.0"
