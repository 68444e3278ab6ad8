"""The tour notebook runs end to end, and is kept in git without outputs."""

from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[2] / "examples" / "deltaform_tour.ipynb"


def test_the_tour_runs_end_to_end():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "\n".join(str(o.get("data", {}).get("text/plain", "")) + o.get("text", "") for o in outputs)
    assert "yhat[k] - y[k]" in text and "Equivalence(equal=True" in text
    rich = [o["data"] for o in outputs if o.output_type == "execute_result"]
    assert any("text/latex" in d and "\\begin{aligned}" in d["text/latex"] for d in rich), "the derivation renders"
    assert any("text/markdown" in d and "# Worked solution" in d["text/markdown"] for d in rich), "the trace renders"
    assert "wrong" in text and "0.2" in text


def test_the_tour_is_committed_without_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(not c.outputs and c.execution_count is None for c in code)
