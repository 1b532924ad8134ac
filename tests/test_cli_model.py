"""``symconv model LAYERS.json``: the layer table and total; --symbolic, --latex, --convention."""

from __future__ import annotations

import json

import pytest
import sympy as sp

from symconv.cli import main
from symconv.model import load_layers

LAYERS = {"batch_size": 4, "layers": [
    {"name": "a", "in_channels": 1, "out_channels": 8, "kernel_size": 5, "input_length": 1000,
     "stride": 2, "padding": 2},
    {"name": "b", "in_channels": 8, "out_channels": 16, "kernel_size": 3, "input_length": 500},
    {"name": "c", "in_channels": 16, "out_channels": 16, "kernel_size": 3, "input_length": 249,
     "input_expr": "floor((L_in - 1)/4)"},
    {"name": "up", "type": "conv_transpose1d", "in_channels": 16, "out_channels": 4,
     "kernel_size": [4], "input_size": [247], "stride": 2, "padding": 1},
]}


@pytest.fixture
def path(tmp_path):
    p = tmp_path / "model.json"
    p.write_text(json.dumps(LAYERS))
    return p


def _run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_table_and_total(path, capsys):
    status, out, _ = _run(capsys, "model", str(path))
    layers = load_layers(path)
    assert status == 0
    assert out.rstrip("\n") == layers.table()
    assert f"{layers.total():,}" in out


def test_symbolic_prints_formula_convention_constraints_leading_and_lattice(path, capsys):
    status, out, _ = _run(capsys, "model", str(path), "--symbolic")
    cost = load_layers(path).symbolic()
    lines = out.splitlines()
    assert status == 0 and len(lines) == 4
    assert lines[0].startswith(cost.text()) and "convention symconv" in lines[0]
    assert lines[1] == f"valid for: {cost.constraints_text()}"
    assert "L_in >= " in lines[1]
    assert lines[2].startswith("leading term: ") and "L_in" in lines[2]
    form = cost.polynomial()
    assert lines[3].startswith(f"when L_in is a multiple of {form.strides['L_in']}: ")
    assert "[proved" in lines[3]


def test_convention_option(path, capsys):
    status, out, _ = _run(capsys, "model", str(path), "--symbolic", "--convention", "macs")
    assert status == 0 and out.startswith("macs(N, L_in) = ") and "convention macs" in out
    cost = load_layers(path).symbolic("macs")
    assert out.splitlines()[0].startswith(cost.text())
    status, out, _ = _run(capsys, "model", str(path), "--convention", "macs")
    assert status == 0 and f"{load_layers(path).total('macs'):,}" in out


def test_a_convention_a_layer_lacks_is_one_line_error(path, capsys):
    status, _, err = _run(capsys, "model", str(path), "--symbolic", "--convention", "fvcore")
    assert status == 2 and "'up'" in err and "fvcore" in err and len(err.splitlines()) == 1
    status, _, err = _run(capsys, "model", str(path), "--convention", "nope")
    assert status == 2 and "convention must be one of" in err


def test_latex(path, capsys):
    status, out, _ = _run(capsys, "model", str(path), "--latex")
    cost = load_layers(path).symbolic()
    assert status == 0 and out.strip() == cost.latex()
    assert out.startswith(r"\mathrm{ops}(N, L_\mathrm{in}) = ")


def test_errors_are_one_line(tmp_path, capsys):
    status, _, err = _run(capsys, "model", str(tmp_path / "missing.json"))
    assert status == 2 and "no such file" in err
    bad = tmp_path / "bad.json"
    data = json.loads(json.dumps(LAYERS))
    del data["layers"][2]["input_expr"]
    bad.write_text(json.dumps(data))
    status, _, err = _run(capsys, "model", str(bad), "--symbolic")
    assert status == 2 and "input_expr" in err and len(err.splitlines()) == 1
    data["layers"][2]["input_expr"] = "__import__('os').system('echo hacked')"
    bad.write_text(json.dumps(data))
    status, out, err = _run(capsys, "model", str(bad), "--symbolic")
    assert status == 2 and "not allowed" in err and "hacked" not in out


def test_help(capsys):
    with pytest.raises(SystemExit):
        main(["model", "--help"])
    out = capsys.readouterr().out
    for word in ("--symbolic", "--latex", "--convention", "input_expr", "examples:"):
        assert word in out


def test_formula_printed_equals_the_total_at_the_recorded_size(path, capsys):
    cost = load_layers(path).symbolic()
    assert cost.evaluate(N=4, L_in=1000) == load_layers(path).total()
    assert sp.expand(cost.display() - cost.expr) == 0


def _readme_section():
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    start = readme.index("## A model's cost as a formula of its input size")
    return readme[start:readme.index("\n## ", start + 3)]


def test_readme_formula_is_the_real_output(capsys):
    """The README shows the formula exactly as ``symconv model --symbolic`` prints it for the
    committed layer file (and the LaTeX equation of ``--latex``)."""
    from pathlib import Path

    data = Path(__file__).parent / "data" / "audio_model.json"
    section = _readme_section()
    for flag, head in (("--symbolic", "$ symconv model audio.json --symbolic\n"), ("--latex", None)):
        assert main(["model", str(data), flag]) == 0
        out = capsys.readouterr().out
        assert (head or "") + out in section, flag


def test_readme_model_gives_the_committed_file(tmp_path):
    """The committed layer file is what the README's Python snippet writes."""
    import re
    from pathlib import Path

    torch = pytest.importorskip("torch")
    code = re.search(r"```python\n(import torch, torch.nn as nn, symconv.*?)```",
                     _readme_section(), re.S).group(1)
    code = code.replace('"audio.json"', repr(str(tmp_path / "audio.json")))
    torch.manual_seed(0)
    scope: dict = {}
    exec(compile(code, "README", "exec"), scope)  # the README's own code, as a user runs it
    assert scope["cost"].evaluate(N=8, L_in=16000) == scope["layers"].total() == 137093120
    with pytest.raises(ValueError, match="L_in=18"):
        scope["cost"].evaluate(N=8, L_in=18)
    committed = (Path(__file__).parent / "data" / "audio_model.json").read_text()
    assert (tmp_path / "audio.json").read_text() == committed
