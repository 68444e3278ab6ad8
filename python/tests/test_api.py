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


# What a hostile review found, each pinned.

def test_a_point_that_breaks_an_assumption_or_a_sign_is_refused():
    d = df.derive("-sum(i, y[i]*log(softmax(z)[i]))", wrt="z[k]", **XENT)
    with pytest.raises(df.EvalError, match=r"does not satisfy sum\(i, y\[i\]\) = 1"):
        d.evaluate(z=[1, 2, 3], y=[0.5, 0.5, 0.5], k=1)
    y = np.array([0.2, 0.7, 0.1]) / np.array([0.2, 0.7, 0.1]).sum()
    assert abs(d.evaluate(z=[1, 2, 3], y=y, k=1) - (np.exp(1) / np.exp([1, 2, 3]).sum() - y[0])) < 1e-14
    relu = df.derive("1/2*(y - t)^2", wrt="w1", let=["z1 = w1*x1", "h1 = relu(z1)", "y = w2*h1"], assume=["z1 < 0"])
    assert relu.result == "0"
    with pytest.raises(df.EvalError, match="does not satisfy z1 < 0"):
        relu.evaluate(w1=1, x1=1, w2=1, t=0)
    assert relu.evaluate(w1=-1, x1=1, w2=1, t=0) == 0


def test_any_name_can_be_given_through_a_dict_and_keywords_become_name_underscore():
    assert df.evaluate("let + expr + self", {"let": 1, "expr": 2, "self": 3}) == 6
    assert df.derive("self*x", wrt="x").evaluate({"self": 2}, x=1) == 2
    f = df.lambdify("lambda*x")
    assert list(inspect.signature(f).parameters) == ["lambda_", "x"]
    assert f(lambda_=2.0, x=np.arange(3.0)).tolist() == [0, 2, 4]


def test_lambdify_takes_only_the_names_the_expression_uses_and_fixes_sum_ranges():
    with pytest.warns(df.DeltaformWarning, match="`h` is never used"):
        f = df.derive("x^2", wrt="x", let=["h = 3*a"]).lambdify()
    assert list(inspect.signature(f).parameters) == ["x"] and f(5.0) == 10.0
    g = df.lambdify("sum(i = 1..n, x^i)")
    assert g(n=3, x=np.array([1.0, 2.0])).tolist() == [3.0, 14.0]
    h = df.lambdify("yhat + c", let=["yhat = 2*b", "u = 7*q"])
    assert list(inspect.signature(h).parameters) == ["b", "c"]


def test_missing_files_are_errors_not_empty_documents():
    for missing in ("solution.MD", "no/such/answers.toml", ROOT / "nope.md"):
        with pytest.raises(df.ExerciseError):
            df.check(missing)
    with pytest.raises(df.ExerciseError):
        df.run("nope/does_not_exist")


def test_texts_are_named_in_errors_not_by_their_temporary_files():
    with pytest.raises(df.ExerciseError) as err:
        df.run("[network]\nlayers = [2, 1]\noutput = 'sigmoid'\nloss = 'nope'\n")
    assert err.value.source == "<exercise.toml>" and "deltaform-" not in str(err.value)
    report = df.check("$1 + 1 = 3$\n")
    assert report.claims[0].document == "<solution1.md>" and report.json["documents"][0]["path"] == "<solution1.md>"
    assert repr(report) == "Report(correct=0, wrong=1, unchecked=0)"


def test_dicts_become_valid_toml_whatever_their_strings_keys_and_numbers():
    import tomllib

    from deltaform._values import toml_text

    table = {"a b": {"s": 'x/(1 + "abs"(x))\n\t\\', "big": 10**30, "f": Fraction(1, 3)}, "k.x": [1, 2.5]}
    read = tomllib.loads(toml_text(table))
    assert read == {"a b": {"s": 'x/(1 + "abs"(x))\n\t\\', "big": str(10**30), "f": "1/3"}, "k.x": [1, 2.5]}


def test_summary_runs_give_the_final_parameters():
    t = df.run(EX1, summary=True)
    assert t.steps == [] and t.final["W1"].shape == (3, 5)
    full = df.run(EX1)
    assert np.allclose(full.final["W1"], t.final["W1"], rtol=1e-15)
    assert full.steps[0]["samples"].dtype.kind == "i"


def test_values_beyond_the_floats_and_long_exact_numbers():
    assert df.evaluate("x*x", x=1e300) == float("inf") and df.evaluate("-x*x*x", x=1e300) == float("-inf")
    assert df.evaluate("10^5000") == 10**5000


def test_expressions_that_look_like_options_are_expressions():
    assert df.evaluate("-h", h=2) == -2 and df.simplify("-h").result == "-h"
    assert df.derive("-h", wrt="h").result == "-1" and df.equiv("-h", "-1*h")
    assert df.parse("-h").canonical == "-h"


def test_definitions_may_come_from_a_generator():
    d = df.derive("-sum(i, y[i]*log(softmax(z)[i]))", wrt="z[k]", let=(s for s in ["yhat = softmax(z)"]),
                  assume=["sum(i, y[i]) = 1"])
    assert d.evaluate(z=[0, 0], y=[1, 0], k=1) == Fraction(-1, 2)


def test_a_scalar_for_an_indexed_variable_is_a_shape_error():
    with pytest.raises(df.ShapeError):
        df.derive("sum(i, z[i]^3)", wrt="z[k]").evaluate(z=3)


def test_matrix_form_derivations():
    d = df.derive("1/2*norm2(W*x - y)^2", wrt="W", shape=["W: 2x2", "x: 2", "y: 2"])
    assert isinstance(d, df.MatrixDerivation) and d.result == "(W*x - y)*x^T" and d.shape == "2×2 matrix"
    value = d.evaluate(W=[[1, 2], [3, 4]], x=[1, 1], y=[0, 1])
    assert value.tolist() == [[3, 3], [6, 6]] and isinstance(value[0, 0], Fraction)
    assert np.allclose(d.evaluate(W=np.eye(2), x=[1.0, 2.0], y=[0.0, 0.0]), np.outer([1, 2], [1, 2]))


def test_python_m_deltaform_is_the_command():
    out = subprocess.run([sys.executable, "-m", "deltaform", "eval", "1/3 + 1/6"], capture_output=True, text=True)
    assert (out.returncode, out.stdout) == (0, "1/2\n")


def test_lambdify_raises_for_arguments_that_do_not_fit():
    with pytest.raises(df.ShapeError):
        df.lambdify("softmax(z)")(z=[0.0, 0.0])
    with pytest.raises(df.EvalError):
        df.lambdify("z[k]*x")(k=5, x=np.ones(3), z=[1.0, 2.0])


def test_an_object_array_of_floats_gives_floats():
    assert isinstance(df.evaluate("x + 1", x=np.array([0.5], dtype=object)[0]), float)
    assert df.evaluate("z[1]", z=np.array([0.5, 1], dtype=object)).__class__ is float
