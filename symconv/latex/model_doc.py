"""A paper-ready LaTeX document of a model's cost as a formula of its input size.

:func:`render_symbolic_document` writes a standalone ``article`` (``amsmath``, ``booktabs``,
``array``): the model's equation — ``\\mathrm{ops}(N, L_{\\text{in}}) = …`` broken into
rows that fit the line (:func:`symconv.latex.layout.layout_equation`), with the input sizes
for which it holds and the counting convention — and the table of
:func:`symconv.latex.tables.render_symbolic_table` (each layer's count as a formula, and
its value at a given size). It compiles with pdflatex without an overfull box at the
default width.
"""

from __future__ import annotations

from typing import Any

from ..printing.latex import SHORT, latex, latex_escape
from .layout import ONE_COLUMN, layout_equation, tag_allowance
from .tables import (SymbolicTableOptions, display_expr, render_symbolic_table, symbol_latex,
                     symbolic_names)

__all__ = ["equation_sides", "render_symbolic_document", "constraints_latex"]


def equation_sides(cost: Any) -> tuple[str, str]:
    """``(lhs, rhs)`` of the model's equation in LaTeX.

    When ``cost`` has a ``latex()`` method (the model's own equation), its text is used:
    split at its first ``=`` (or all of it as the right-hand side). Otherwise the left-hand
    side is ``\\mathrm{ops}(N, L_{\\text{in}})`` and the right-hand side the project's
    printer of ``cost.expr`` in its display form (nested floors merged, like terms
    combined; the same value at every size).
    """
    sizes = ", ".join(symbol_latex(n) for n in cost.symbols)
    lhs = f"\\mathrm{{ops}}({sizes})"
    own = getattr(cost, "latex", None)
    if callable(own):
        text = own()
        if "=" in text:
            left, right = text.split("=", 1)
            return left.strip() or lhs, right.strip()
        return lhs, text.strip()
    import sympy as sp

    from .tables import _floors

    expr = sp.expand(_floors(display_expr(cost.expr)))
    n = cost.symbols.get("N")
    if n is not None:
        expr = sp.collect(expr, n)
    return lhs, latex(display_expr(expr), SHORT, symbolic_names(cost))


def constraints_latex(cost: Any) -> str:
    """The sizes for which the formula holds, as inline LaTeX (``$L_{\\text{in}} \\geq 89$``)."""
    names = symbolic_names(cost)
    parts = [f"${latex(rule, SHORT, names)}$" for rule in cost.constraints]
    if not parts:
        return "every input size"
    return ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]


def render_symbolic_document(cost: Any, *, at: dict | None = None, title: str | None = None,
                             caption: str | None = None, label: str | None = None) -> str:
    """A standalone LaTeX article: the model's equation and its symbolic layer table."""
    width = ONE_COLUMN - tag_allowance()
    lhs, rhs = equation_sides(cost)
    body = layout_equation([(lhs, rhs)], width)
    table = render_symbolic_table(cost, "tex", SymbolicTableOptions(at=at, caption=caption,
                                                                    label=label))
    title = "Operation count as a function of the input size" if title is None else title
    sizes = " and ".join(f"${symbol_latex(n)}$" for n in cost.symbols if n != "N")
    lines = [
        r"\documentclass{article}",
        r"\usepackage{amsmath}",
        r"\usepackage{booktabs}",
        r"\usepackage{array}",
        r"\begin{document}",
        f"\\section*{{{latex_escape(title)}}}" if title else "",
        f"The model's operation count for a batch of $N$ inputs of size {sizes}, "
        f"in the {latex_escape(str(cost.convention))} counting convention, "
        f"exact for {constraints_latex(cost)}:",
        r"\begin{equation}",
        body,
        r"\label{eq:symbolic-cost}",
        r"\end{equation}",
        f"Table~\\ref{{{table.split(chr(92) + 'label{', 1)[1].split('}', 1)[0]}}} "
        "gives each layer's count.",
        "",
        table.rstrip("\n"),
        r"\end{document}",
    ]
    return "\n".join(line for line in lines if line != "") + "\n"
