"""The convention is stated in words true for the count at hand, from one function."""

import itertools
import json
import re
from pathlib import Path

import pytest

import symconv
from symconv import conventions as cv
from symconv.cli import main
from symconv.conv1d import CONVENTION, convention_text

ROOT = Path(__file__).resolve().parents[1]
LAYER = ["--batch-size", "8", "--in-channels", "16", "--out-channels", "32",
         "--input-length", "100", "--kernel-size", "3"]
WITH, WITHOUT, ANY = convention_text(True), convention_text(False), convention_text(None)
#: What the no-bias wording must never contain, and the phrase that once said it for every layer.
CLAIMS_BIAS = ("bias additions included", "bias included", "bias counted")


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def test_one_function_three_wordings():
    assert len({WITH, WITHOUT, ANY}) == 3
    assert all(t.startswith("moduleprofiler ops: every multiplication and addition") for t in
               (WITH, WITHOUT, ANY))
    assert WITH.endswith("bias additions included")
    assert "no bias" in WITHOUT and not any(c in WITHOUT for c in CLAIMS_BIAS)
    assert "where a layer has a bias" in ANY
    assert CONVENTION == ANY == symconv.CONVENTION and symconv.convention_text is convention_text
    for bad in (1, "False", None.__class__):
        with pytest.raises(TypeError, match="bias must be True, False or None"):
            convention_text(bad)


def test_eval_states_the_layers_own_convention(capsys):
    out = run(capsys, "eval", "conv1d", *LAYER, "--no-bias")
    assert WITHOUT in out and not any(c in out for c in CLAIMS_BIAS)
    out = run(capsys, "eval", "conv1d", *LAYER)
    assert WITH in out
    out = run(capsys, "eval", "conv1d", *LAYER, "--no-bias", "--convention", "all")
    assert not any(c in out for c in CLAIMS_BIAS)
    assert out.count("the layer has no bias") == len(cv.CONVENTIONS)


def _eval_json(capsys, convention, bias):
    argv = ["eval", "conv1d", *LAYER, "--json"] + ([] if bias else ["--no-bias"])
    argv += [] if convention is None else ["--convention", convention]
    return json.loads(run(capsys, *argv))


def _keys(data):
    """Every key path of a JSON value (list items share one path)."""
    if isinstance(data, dict):
        return {(k,) + rest for k, v in data.items() for rest in _keys(v) | {()}}
    if isinstance(data, list):
        return {("[]",) + rest for item in data for rest in _keys(item) | {()}}
    return set()


def test_eval_json_has_one_schema(capsys):
    schemas = {}
    for convention, bias in itertools.product([None, "symconv", "torch", "ptflops-sample",
                                               "calflops", "all"], [True, False]):
        data = _eval_json(capsys, convention, bias)
        schemas[convention, bias] = _keys(data)
        # the machine-readable convention of "ops", true for the layer
        assert data["convention"] == {"name": "symconv", "tool": "symconv / moduleprofiler",
                                      "counts": "ops", "bias": bias, "per": "batch",
                                      "text": convention_text(bias)}
        assert data["ops"] == symconv.conv1d_ops(8, 16, 32, 100, 3, bias=bias)
        names = ([c.name for c in cv.CONVENTIONS] if convention == "all"
                 else [cv.get(convention or "symconv").name])
        assert [c["convention"]["name"] for c in data["counts"]] == names
        for entry in data["counts"]:
            conv = cv.get(entry["convention"]["name"])
            assert entry["count"] == cv.count(conv.name, 8, 16, 32, 100, 3, bias=bias)
            assert entry["convention"]["bias"] is (bias and conv.bias == "counted")
            assert entry["convention"]["per"] == conv.scope
            assert entry["convention"]["counts"] == conv.unit
    first = next(iter(schemas.values()))
    assert all(keys == first for keys in schemas.values()), schemas
    assert {k[0] for k in first} == {"layer", "parameters", "output_length", "output_size", "ops",
                                     "convention", "counts"}


@pytest.mark.parametrize("fmt", ["tex", "fragment", "md"])
def test_worked_example_states_the_layers_convention(fmt, capsys):
    out = run(capsys, "latex", "conv1d", "--format", fmt, *LAYER, "--no-bias")
    flat = " ".join(out.split())
    assert WITHOUT in flat and not any(c in flat for c in CLAIMS_BIAS)
    flat = " ".join(run(capsys, "latex", "conv1d", "--format", fmt, *LAYER).split())
    assert WITH in flat


@pytest.mark.parametrize("fmt", ["tex", "md", "csv"])
def test_a_mixed_table_states_a_convention_true_for_every_row(fmt, tmp_path, capsys):
    layers = [{"name": "a", "in_channels": 4, "out_channels": 4, "kernel_size": 3,
               "input_length": 10},
              {"name": "b", "in_channels": 4, "out_channels": 4, "kernel_size": 3,
               "input_length": 10, "bias": False}]
    (tmp_path / "m.json").write_text(json.dumps(layers), encoding="utf-8")
    flat = " ".join(run(capsys, "table", str(tmp_path / "m.json"), "--format", fmt).split())
    assert ANY in flat and not any(c in flat for c in CLAIMS_BIAS)


def test_generated_evaluators_state_the_generic_convention():
    from symconv._generated import conv1d_ops as generated
    assert generated.CONVENTION == CONVENTION
    numpy_evaluator = pytest.importorskip("symconv._generated.conv1d_ops_numpy")
    assert numpy_evaluator.CONVENTION == CONVENTION


def test_no_text_claims_bias_for_every_layer():
    """The old wording ("bias included" for any layer) is gone from every artefact."""
    paths = [ROOT / "README.md", *sorted((ROOT / "generated").glob("*.*")),
             *sorted((ROOT / "symconv").rglob("*.py")),
             *sorted((ROOT / "symconv" / "templates").glob("*.jinja")),
             *sorted((ROOT / "notebooks").glob("*.ipynb"))]
    offenders = [str(p.relative_to(ROOT)) for p in paths
                 if p.is_file() and re.search(r"\bbias\s+included", p.read_text(encoding="utf-8"))]
    assert offenders == []


def test_notebook_prints_each_layers_own_convention():
    source = (ROOT / "notebooks" / "conv1d_derivation.ipynb").read_text(encoding="utf-8")
    assert "symconv.convention_text(layer.get('bias', True))" in source
    assert "symconv.CONVENTION" not in source


def test_from_torch_derivation_states_the_layers_convention():
    torch = pytest.importorskip("torch")
    model = torch.nn.Sequential(torch.nn.Conv1d(4, 4, 3), torch.nn.Conv1d(4, 4, 3, bias=False))
    layers = symconv.from_torch(model, torch.randn(2, 4, 20))
    assert f"({WITH})" in layers.derivation("0").text()
    text = layers.derivation("1").text(conventions=True)
    assert f"({WITHOUT})" in text and not any(c in text for c in CLAIMS_BIAS)
