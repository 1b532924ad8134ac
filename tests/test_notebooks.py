"""The notebooks are committed without outputs and run top to bottom on a fresh kernel."""

import re
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="nbformat is not installed (test extras)")
nbclient = pytest.importorskip("nbclient", reason="nbclient is not installed (test extras)")
pytest.importorskip("ipykernel", reason="ipykernel is not installed (test extras)")
pytest.importorskip("matplotlib", reason="matplotlib is not installed (test extras)")

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
NAMES = ["conv1d_derivation.ipynb", "conventions.ipynb", "model_cost.ipynb"]
BUDGET_SECONDS = 60
#: model_cost.ipynb exports two PyTorch models (torch.export) and runs them at eight sizes
BUDGETS = {"model_cost.ipynb": 150}


def test_the_notebooks_exist():
    assert sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_committed_without_outputs(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code
    for cell in code:
        assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]


def _outputs(nb, kind):
    return [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
            if kind in o.get("data", {})]


def _missing_model_cost_api() -> str:
    """What of the model-cost API (issue 11) is not in this checkout: '' when all is."""
    import importlib.util

    from symconv.latex import tables
    from symconv.symbolic import SymbolicCost

    missing = [] if importlib.util.find_spec("symconv.plot") else ["symconv.plot.plot_cost"]
    if not hasattr(tables, "render_symbolic_table"):
        missing.append("symconv.latex.tables.render_symbolic_table")
    missing += [f"SymbolicCost.{a}" for a in ("latex", "text", "leading", "polynomial")
                if not hasattr(SymbolicCost, a)]
    return ", ".join(missing)


@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_on_a_fresh_kernel(name):
    if name == "model_cost.ipynb":
        pytest.importorskip("torch", reason="model_cost.ipynb reads PyTorch models; PyTorch is "
                                            "not installed (pip install 'symconv[torch]')")
        missing = _missing_model_cost_api()
        if missing:
            pytest.skip(f"model_cost.ipynb needs {missing}, which this checkout does not have yet")
    budget = BUDGETS.get(name, BUDGET_SECONDS)
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=budget, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOKS)}})
    start = time.perf_counter()
    client.execute()  # raises CellExecutionError on the first failing cell
    elapsed = time.perf_counter() - start
    assert elapsed < budget, f"{name} took {elapsed:.1f} s"
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert not errors
    assert _outputs(nb, "image/png"), "no plot"
    assert _outputs(nb, "text/latex"), "no LaTeX shown inline"
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    if name == "model_cost.ipynb":
        # the layer tables and the lattice form's proof as HTML, a derivation as Markdown
        tables = [o["data"]["text/html"] for o in _outputs(nb, "text/html")]
        assert sum("symconv-layers" in t for t in tables) == 2
        assert any("symconv-proofs" in t and "✓" in t for t in tables)
        assert _outputs(nb, "text/markdown")
        # the formula equals from_torch's count at every size checked, both models
        checks = re.findall(r"formula ([\d,]+) = from_torch ([\d,]+)", text)
        assert len(checks) == 8 and all(a == b for a, b in checks)
        assert "\\begin{table}" in text and text.count("\ntotal ") >= 2
        return
    assert "FAILS" in text and "counterexample" in text  # the refuted wrong identity
    if name == "conv1d_derivation.ipynb":
        assert "2,408,448" in text and "ψ = " in text and "identities hold" in text
        from symconv import convention_text  # each layer's own convention, the no-bias one too
        assert convention_text(True) in text and convention_text(False) in text
        # the Conv2d section: its proofs, and a table that mixes layer types
        assert re.search(r"Conv2d: (\d+)/\1 identities hold", text)
        assert "| stem | Conv2d |" in text and "| video | Conv3d |" in text
    else:
        assert "symconv 2,383,360" in text
