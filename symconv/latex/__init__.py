"""LaTeX and Markdown output: the derivation, paper macros, worked examples and layer tables.

Everything here is printed from the expressions of :mod:`symconv.conv1d` by
:class:`symconv.printing.latex.SymconvLatexPrinter` and laid out by the
Jinja templates in ``symconv/templates/``:

* :func:`render_derivation` — standalone article (``tex``), ``fragment``, ``md``;
* :func:`render_macros` — ``\\newcommand`` per quantity and summary form;
* :func:`render_example` — a worked example with the numbers substituted;
* :func:`render_table` — a model's Conv1d layers as a LaTeX / Markdown / CSV table.

Submodules are imported on first use, so the command line starts fast.
"""

from __future__ import annotations

import importlib

__all__ = ["FORMATS", "RenderOptions", "render_derivation", "render_macros", "Example",
           "render_example", "TableOptions", "render_table", "render_table_file", "artifacts",
           "GENERATED_FILES"]

_WHERE = {
    "FORMATS": "render", "RenderOptions": "render", "render_derivation": "render",
    "render_macros": "macros", "Example": "example", "render_example": "example",
    "TableOptions": "tables", "render_table": "tables", "render_table_file": "tables",
}

#: The files this package contributes to generated/.
GENERATED_FILES = ("conv1d_derivation.tex", "conv1d_derivation.md", "conv1d_macros.tex")


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def artifacts() -> dict[str, str]:
    """``{file name in generated/: text}``: the derivation (tex, md) and the macros."""
    from .macros import render_macros
    from .render import render_derivation

    return {
        "conv1d_derivation.tex": render_derivation("tex"),
        "conv1d_derivation.md": render_derivation("md"),
        "conv1d_macros.tex": render_macros(),
    }
