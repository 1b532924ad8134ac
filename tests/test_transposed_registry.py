"""A transposed layer is one registry entry: code generation and the LaTeX documents read the
registry (``LayerSpec.family == "transposed"``), so a specification registered under a new name
gets its evaluators and documents without editing :mod:`symconv.codegen.transpose` or
:mod:`symconv.latex`.

Each test registers a copy of a transposed layer's specification under a new name (the
registry monkeypatched) and checks what code generation and the documents make of it: the
evaluator's numbers against :func:`symconv.convtranspose.conv_transpose_quantities`, the
documents against the original layer's with the name replaced.
"""

from __future__ import annotations

import dataclasses
import random
import types

import pytest

from _helpers import TRANSPOSED

import symconv.latex as latex
from symconv import convtranspose as ct
from symconv import generate, registry
from symconv.codegen import transpose as codegen
from symconv.codegen import write
from symconv.latex import transpose as tr

pytestmark = pytest.mark.layers(where=TRANSPOSED,
                                reason="the transposed layers' list is read from the registry")


@pytest.fixture
def renamed(layer, monkeypatch):
    """The name of a copy of ``layer``'s specification, registered for the test only."""
    name = f"renamed_{layer}"
    monkeypatch.setitem(registry.LAYERS, name,
                        dataclasses.replace(registry.get(layer), name=name))
    return name


def _config(rng: random.Random, dims: int) -> dict:
    """A valid random configuration (holes, cropping, output padding, dilation, groups)."""
    axes = []
    for _ in range(dims):
        i, k, s, d = (rng.randint(1, 9) for _ in range(4))
        op = rng.randrange(max(s, d))
        p = rng.randint(0, ((i - 1) * s + d * (k - 1) + op) // 2)
        axes.append((i, k, s, p, op, d))
    groups = rng.choice((1, 2, 3))
    per_dim = [tuple(a[j] for a in axes) for j in range(6)]
    if dims == 1:
        per_dim = [v[0] for v in per_dim]
    return dict(zip(("input_size", "kernel_size", "stride", "padding", "output_padding",
                     "dilation"), per_dim),
                batch_size=rng.choice((None, 1, 5)), in_channels=groups * rng.randint(1, 4),
                out_channels=groups * rng.randint(1, 4), groups=groups,
                bias=rng.random() < 0.5)


def test_codegen_generates_a_newly_registered_transposed_layer(layer, renamed, tmp_path):
    assert codegen.layer_names() == registry.names("transposed")
    assert renamed in codegen.layer_names()
    files = codegen.file_names(renamed)
    # symconv generate's provider lists and writes the new layer's files
    assert set(files) <= set(generate._transpose_names())
    python = generate.artifacts(only=[f"{renamed}_ops.py"])[f"{renamed}_ops.py"]
    assert f"def {renamed}_ops(" in python
    c_header = codegen.render(renamed, "c", "conv_transpose_ops.h.jinja")
    assert f"{renamed}_ops(" in c_header
    # the evaluator counts as the exact evaluator of the copied layer
    module = types.ModuleType(f"{renamed}_ops")
    exec(compile(python, f"{renamed}_ops.py", "exec"), module.__dict__)  # noqa: S102
    dims = registry.get(layer).dims
    rng = random.Random(20261126)
    for _ in range(40):
        kw = _config(rng, dims)
        want = ct.conv_transpose_quantities(dims, **kw)
        for quantity in codegen.QUANTITIES:
            got = getattr(module, f"{renamed}_{quantity}")(**{
                ("input_length" if dims == 1 and k == "input_size" else k): v
                for k, v in kw.items()})
            assert got == want[quantity], (quantity, kw)
    # symconv codegen's writer knows it too
    written = write(renamed, "python", tmp_path)
    assert [p.name for p in written] == [f"{renamed}_ops.py"]
    assert written[0].read_text(encoding="utf-8") == python


def test_latex_documents_a_newly_registered_transposed_layer(layer, renamed):
    assert tuple(latex.TRANSPOSED_LAYERS) == registry.names("transposed")
    assert latex.TRANSPOSED_LAYERS[renamed] == latex.TRANSPOSED_LAYERS[layer]
    assert tr.LAYERS == latex.TRANSPOSED_LAYERS
    assert tr.TITLES[renamed] == tr.TITLES[layer] == registry.get(layer).title
    assert {f"{renamed}_{kind}" for kind in ("derivation.tex", "derivation.md", "macros.tex")} \
        <= set(tr.GENERATED_FILES)
    # the same document, with the layer's name (labels, the worked example's layer) replaced
    assert tr.render_derivation(renamed, "md") \
        == tr.render_derivation(layer, "md").replace(layer, renamed)
    assert tr.render_macros(renamed) == tr.render_macros(layer).replace(layer, renamed)


def test_the_transposed_lists_follow_the_registry(monkeypatch):
    """Without the transposed layers in the registry, neither lists any (no literal list)."""
    for name in registry.names("transposed"):
        monkeypatch.delitem(registry.LAYERS, name)
    assert codegen.layer_names() == ()
    assert latex.TRANSPOSED_LAYERS == {}
    assert tr.generated_files() == ()
    assert codegen.artifacts() == {}
