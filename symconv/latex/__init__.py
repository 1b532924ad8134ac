"""LaTeX and Markdown output: the derivation, paper macros, worked examples and layer tables.

Everything here is printed from the layer specifications (:mod:`symconv.registry`) by
:class:`symconv.printing.latex.SymconvLatexPrinter` and laid out by the
Jinja templates in ``symconv/templates/``:

* :func:`render_derivation` — standalone article (``tex``), ``fragment``, ``md``, per layer;
* :func:`render_macros` — ``\\newcommand`` per quantity and summary form, per layer;
* :func:`render_example` — a worked example with the numbers substituted, per layer
  (each derivation document ends with its layer's typical one);
* :func:`render_table` — a model's Conv1d layers as a LaTeX / Markdown / CSV table.

Submodules are imported on first use, so the command line starts fast.
"""

from __future__ import annotations

import importlib

__all__ = ["FORMATS", "RenderOptions", "render_derivation", "render_macros", "Example",
           "LayerExample", "render_example", "TableOptions", "render_table", "render_table_file",
           "artifacts", "GENERATED_FILES"]

_WHERE = {
    "FORMATS": "render", "RenderOptions": "render", "render_derivation": "render",
    "render_macros": "macros", "Example": "example", "render_example": "example",
    "LayerExample": "example",
    "TableOptions": "tables", "render_table": "tables", "render_table_file": "tables",
}


def _transposed_layers() -> dict[str, tuple[str, ...]]:
    """``TRANSPOSED_LAYERS``: the registered transposed layers (``family == "transposed"``),
    whose documents :mod:`symconv.latex.transpose` renders, each with the axes of its symbols
    (:func:`symconv.convtranspose.symbol_axes`); read from the registry on each access, and
    here so that the command line lists them without importing that module."""
    from ..convtranspose import symbol_axes
    from ..registry import LAYERS, names

    return {name: symbol_axes(LAYERS[name]) for name in names("transposed")}


def _forward_layers() -> list[str]:
    """The registered layers whose documents this module renders from their specification's
    derivation (the transposed layers' documents come from :mod:`symconv.latex.transpose`)."""
    from ..registry import names

    return list(names("convolution"))


def _generated_files() -> tuple[str, ...]:
    return tuple(f"{layer}_{kind}" for layer in _forward_layers()
                 for kind in ("derivation.tex", "derivation.md", "macros.tex"))


#: The files this package contributes to generated/: per registered layer its derivation
#: (LaTeX article, Markdown) and its paper macros.
GENERATED_FILES = _generated_files()


def __getattr__(name: str):
    if name == "TRANSPOSED_LAYERS":
        return _transposed_layers()
    if name in _WHERE:
        return getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def artifacts() -> dict[str, str]:
    """``{file name in generated/: text}``: per layer the derivation (tex, md) and the macros."""
    from .macros import render_macros
    from .render import RenderOptions, render_derivation

    files = {}
    for layer in _forward_layers():
        files[f"{layer}_derivation.tex"] = render_derivation("tex", RenderOptions(), layer)
        files[f"{layer}_derivation.md"] = render_derivation("md", RenderOptions(), layer)
        files[f"{layer}_macros.tex"] = render_macros(layer=layer)
    return files
