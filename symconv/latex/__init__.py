"""LaTeX and Markdown output: the derivation, paper macros, worked examples and layer tables.

Everything here is printed from the expressions of :mod:`symconv.conv1d` by
:class:`symconv.printing.latex.SymconvLatexPrinter` and laid out by the
Jinja templates in ``symconv/templates/``.
"""

from .render import FORMATS, RenderOptions, render_derivation

__all__ = ["FORMATS", "RenderOptions", "render_derivation"]
