"""Rich display in Jupyter: the HTML, Markdown and LaTeX that symconv's objects show in a notebook.

The objects carry the ``_repr_*_`` methods Jupyter looks for and call the functions here:

* a layer list (:class:`symconv.model.LayerList`, what :func:`symconv.from_torch` and
  :func:`symconv.model.load_layers` return): an HTML table, one row per layer and the total
  (:func:`layers_html`); its plain text is the table ``print`` shows;
* a layer's derivation with its numbers (:class:`symconv.layer_derivation.LayerDerivation`)
  and a layer's general derivation (:class:`symconv.derivation.Derivation`): Markdown with
  display equations, and LaTeX (math only) for exports to LaTeX/PDF;
* proof results (:class:`symconv.proof.ProofResult`, :class:`symconv.proof.ProofReport`): an
  HTML table of claims with ✓/✗ and the counterexample of a refuted one;
* a model's cost as a formula (:class:`symconv.symbolic.SymbolicCost`):
  :func:`symbolic_markdown` (the total as display math, the sizes it holds for, each
  layer's formula in a table) and :func:`symbolic_latex`.

Every formula is printed from the object's SymPy expressions by
:class:`~symconv.printing.latex.SymconvLatexPrinter`; nothing is retyped. Text from the user —
layer names, the names and statements of claims — is never written raw: unprintable
characters become ``<U+XXXX>`` (:func:`~symconv.printing.latex.visible_text`), HTML is
escaped with :func:`html.escape`, and MathJax (which typesets ``$…$`` in notebook output)
is kept off it: HTML tables carry the classes MathJax ignores (``tex2jax_ignore``,
``mathjax_ignore``) and a name in Markdown is a code span. The LaTeX representations hold
no user text at all.

This module imports no model of symconv (it takes the objects' parts as arguments), so
those modules can import it inside their methods without an import cycle.
"""

from __future__ import annotations

import html
from typing import Any, Iterable, Mapping, Sequence

import sympy as sp

from ..latex._base import markdown_escape
from .latex import (DOCUMENTED, latex, latex_escape, latex_number, prose_to_latex,
                    visible_text)

__all__ = ["IGNORE_MATH", "html_text", "code_span", "short_repr", "layers_html",
           "equation_rows", "aligned", "markdown_prose", "proofs_html", "symbol_names",
           "derivation_markdown", "derivation_latex", "size_latex", "symbolic_latex",
           "symbolic_markdown"]

#: Classes on an HTML element whose text MathJax must not typeset (MathJax 2 and 3).
IGNORE_MATH = "tex2jax_ignore mathjax_ignore"

#: Longest name shown whole in a ``repr``.
_REPR_NAME = 40
#: Layers named in a ``repr`` before "…".
_REPR_LAYERS = 3


def html_text(text: Any) -> str:
    """User text for HTML: unprintable characters visible, ``& < > " '`` escaped."""
    return html.escape(visible_text(str(text)), quote=True)


def code_span(text: Any) -> str:
    """User text as a Markdown code span: shown literally, never markup, never math.

    The fence is one backtick longer than the longest run of backticks in the text, and
    a space pads each side (CommonMark strips one).
    """
    text = visible_text(str(text))
    longest = run = 0
    for ch in text:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    fence = "`" * (longest + 1)
    return f"{fence} {text} {fence}"


def short_repr(cls: str, layers: Sequence[Any], extra: str = "") -> str:
    """``LayerList([3 layers: Conv1d 'enc.0', Conv1d 'enc.1', Conv2d 'stem'])``: the class,
    the number of layers and the first few, each name cut at 40 characters."""
    shown = []
    for layer in layers[:_REPR_LAYERS]:
        name = visible_text(str(getattr(layer, "name", "?")))
        if len(name) > _REPR_NAME:
            name = name[:_REPR_NAME - 1] + "…"
        spec = getattr(layer, "spec", None)
        shown.append(f"{getattr(spec, 'title', type(layer).__name__)} {name!r}")
    if len(layers) > _REPR_LAYERS:
        shown.append("…")
    count = f"{len(layers)} layer{'' if len(layers) == 1 else 's'}"
    inner = f"{count}: {', '.join(shown)}" if shown else count
    return f"{cls}([{inner}]{', ' + extra if extra else ''})"


def layers_html(cls: str, cells: tuple | None) -> str:
    """The HTML table of a layer list from its :meth:`~symconv.model.LayerList._table_cells`
    (header, rows, convention name, total, descriptions); ``None``: an empty list."""
    if cells is None:
        return (f'<p class="{IGNORE_MATH}">{html_text(cls)}: no convolution layer '
                "(Conv1d, Conv2d, Conv3d, ConvTranspose1d/2d/3d); total 0</p>")
    head, body, name, total, described = cells
    right = ' style="text-align:right"'
    out = [f'<table class="symconv-layers {IGNORE_MATH}">',
           "<thead><tr>" + "".join(f"<th{'' if i == 0 else right}>{html_text(h)}</th>"
                                   for i, h in enumerate(head)) + "</tr></thead>", "<tbody>"]
    for row in body:
        cells_html = [f"<td><code>{html_text(row[0])}</code></td>"]
        cells_html += [f"<td{right}>{html_text(c)}</td>" for c in row[1:]]
        out.append("<tr>" + "".join(cells_html) + "</tr>")
    out.append("</tbody>")
    out.append(f'<tfoot><tr><th>total</th><td colspan="{len(head) - 2}"></td>'
               f"<th{right}>{html_text(total)}</th></tr></tfoot>")
    out.append("</table>")
    out.append(f'<p class="{IGNORE_MATH}"><small>{html_text(name)}: '
               f"{html_text('; '.join(described))}</small></p>")
    return "\n".join(out)


def symbol_names(notation: Mapping[sp.Symbol, Any] | None) -> dict[sp.Symbol, str]:
    """LaTeX names of a layer specification's symbols (its ``notation``: symbol -> info);
    empty for Conv1d's (the printer's defaults)."""
    return {sym: info.latex for sym, info in (notation or {}).items()}


def _unit_inverses_dropped(expr: sp.Expr) -> sp.Expr:
    """A substituted display form without its factors ``1^{-1}`` (``C_in/G`` at ``C_in = G =
    1`` is the product ``1 · 1^{-1}``, which the printer would show as such); the value is the
    same."""
    if not isinstance(expr, sp.Basic) or not expr.args:
        return expr
    if isinstance(expr, sp.Mul):
        args = [_unit_inverses_dropped(a) for a in expr.args
                if not (isinstance(a, sp.Pow) and a.base == 1 and a.exp == -1)]
        if len(args) == 1:
            return args[0]
        return sp.Mul(*args, evaluate=False) if args else sp.S.One
    if isinstance(expr, (sp.Add, sp.Pow)) or type(expr).__name__ == "FloorDiv":
        return type(expr)(*[_unit_inverses_dropped(a) for a in expr.args], evaluate=False)
    return expr


def equation_rows(parts: Iterable[Sequence[sp.Expr | int]],
                  names: Mapping[sp.Symbol, str] | None = None) -> list[str]:
    """One row of an ``aligned`` block per equation ``lhs = a = b = …``: each SymPy part
    printed by the LaTeX printer, an ``int`` digit-grouped, a part equal to the one before
    it (a substituted form that is already the value) left out."""
    rows = []
    for lhs, *rest in parts:
        tex = [latex(lhs, DOCUMENTED, names)]
        for x in rest:
            t = (latex_number(int(x)) if isinstance(x, (int, sp.Integer))
                 else latex(_unit_inverses_dropped(x), DOCUMENTED, names))
            if t != tex[-1]:
                tex.append(t)
        rows.append(tex[0] + " &= " + " = ".join(tex[1:]))
    return rows


def aligned(rows: Sequence[str]) -> str:
    """Display math: ``$$\\begin{aligned} … \\end{aligned}$$``."""
    return "$$\n\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}\n$$"


def markdown_prose(text: str, notation_symbols: tuple = ()) -> str:
    """A plain-text justification as Markdown: symbols and formulas as inline math, the rest
    escaped (:func:`~symconv.printing.latex.prose_to_latex`)."""
    from dataclasses import replace

    notation = replace(DOCUMENTED, symbols=tuple(notation_symbols))
    return prose_to_latex(visible_text(text), notation, math=("$", "$"), escape=markdown_escape)


def _mark(holds: bool) -> str:
    return "✓" if holds else "✗"


def proofs_html(results: Sequence[Any]) -> str:
    """An HTML table of :class:`~symconv.proof.ProofResult`: ✓/✗, claim, statement, method,
    and the counterexample of a refuted claim (the point and both sides' values)."""
    held = sum(1 for r in results if r.holds)
    right = ' style="text-align:left"'
    out = [f'<table class="symconv-proofs {IGNORE_MATH}">',
           f"<caption>{held}/{len(results)} claims hold</caption>",
           "<thead><tr><th></th>" + "".join(f"<th{right}>{h}</th>" for h in
                                            ("claim", "statement", "method", "counterexample"))
           + "</tr></thead>", "<tbody>"]
    for r in results:
        found = ""
        if r.counterexample is not None:
            point = ", ".join(f"{k} = {v}" for k, v in r.counterexample.items())
            values = r.counterexample_values
            if values is not None:
                point += f": {values[0]} ≠ {values[1]}"
            found = html_text(point)
        colour = "green" if r.holds else "#c00"
        out.append(f'<tr><td style="color:{colour}" title="{r.verdict}">{_mark(r.holds)}</td>'
                   f"<td{right}>{html_text(r.name)}</td><td{right}>{html_text(r.statement)}</td>"
                   f"<td{right}><small>{html_text(r.method)}</small></td>"
                   f"<td{right}>{found}</td></tr>")
    out += ["</tbody>", "</table>"]
    return "\n".join(out)


def _step_row(step: Any, names: Mapping[sp.Symbol, str], lhs: bool = True) -> str:
    tex = (latex(step.lhs, DOCUMENTED, names) if lhs else "") + " &= " + latex(
        step.expr, DOCUMENTED, names)
    if step.condition:
        tex += r" && \text{(%s)}" % latex_escape(visible_text(step.condition))
    return tex


def derivation_markdown(derivation: Any) -> str:
    """A :class:`~symconv.derivation.Derivation` as Markdown: per step its title, condition
    and justification, then its equation (display math from the step's expression)."""
    names = symbol_names(derivation.notation)
    infos = tuple(derivation.notation.values())
    out = [f"**Derivation: {markdown_escape(visible_text(derivation.layer))}**"]

    def step_md(step: Any) -> None:
        condition = f" ({markdown_escape(step.condition)})" if step.condition else ""
        out.append(f"*{markdown_escape(step.title)}*{condition}: "
                   f"{markdown_prose(step.justification, infos)}")
        out.append(aligned([_step_row(step, names)]))

    for step in derivation.definitions:
        step_md(step)
    for chain in derivation.chains:
        out.append(f"**{markdown_escape(chain.title)}**")
        for step in chain.steps:
            step_md(step)
    return "\n\n".join(out) + "\n"


def derivation_latex(derivation: Any) -> str:
    """A :class:`~symconv.derivation.Derivation`'s equations as one display-math block: the
    definitions, then each chain (its rewrites continuing the first step's ``=``)."""
    names = symbol_names(derivation.notation)
    rows = [_step_row(step, names) for step in derivation.definitions]
    for chain in derivation.chains:
        rows += [_step_row(step, names, lhs=k == 0) for k, step in enumerate(chain.steps)]
    return aligned(rows)


# --- a model's cost as a formula (symconv.symbolic.SymbolicCost) ----------------------------

def size_latex(name: str) -> str:
    """LaTeX of a model size symbol's name: ``L_in`` -> ``L_{\\text{in}}``, ``N`` -> ``N``;
    any other name is escaped as text."""
    base, sep, sub = name.partition("_")
    if base.isalpha() and base.isascii() and (not sep or (sub.isalnum() and sub.isascii())):
        return f"{base}_{{\\text{{{sub}}}}}" if sep else base
    return r"\text{%s}" % latex_escape(visible_text(name))


def _cost_parts(cost: Any) -> tuple[dict, str, str, str]:
    names = {sym: size_latex(name) for name, sym in cost.symbols.items()}
    where = ", ".join(latex(c, DOCUMENTED, names) for c in cost.constraints)
    own = getattr(cost, "latex", None)
    if callable(own):  # the cost's own equation: the same text as cost.latex() and the tables
        lhs, _, total = own().partition(" = ")
        return names, lhs, total, where
    function = "ops" if cost.convention == "symconv" else latex_escape(str(cost.convention))
    lhs = r"\mathrm{%s}(%s)" % (function, ", ".join(names[s] for s in cost.symbols.values()))
    return names, lhs, latex(cost.expr, DOCUMENTED, names), where


def _layer_formula(cost: Any, expr: Any, names: dict) -> str:
    own = getattr(cost, "latex", None)
    return own(expr).partition(" = ")[2] if callable(own) else latex(expr, DOCUMENTED, names)


def symbolic_latex(cost: Any) -> str:
    """A :class:`~symconv.symbolic.SymbolicCost` as display math: ``ops(N, L_in) = …`` from
    its :attr:`expr`, and the sizes it holds for (no text from the user)."""
    _, lhs, total, where = _cost_parts(cost)
    tail = r" \qquad \left(%s\right)" % where if where else ""
    return f"$${lhs} = {total}{tail}$$"


def symbolic_markdown(cost: Any) -> str:
    """A :class:`~symconv.symbolic.SymbolicCost` as Markdown: the total as display math, the
    sizes it holds for, and a table of each layer's formula (names as code spans)."""
    names, lhs, total, where = _cost_parts(cost)
    out = [f"**Operation count** ({markdown_escape(str(cost.convention))} convention)",
           f"$$\n{lhs} = {total}\n$$"]
    if where:
        out.append(f"for ${where}$")
    rows = ["| layer | count |", "|---|---|"]
    for name, expr in cost.per_layer.items():
        cell = code_span(name).replace("|", "\\|")  # a pipe would end the table cell
        formula = _layer_formula(cost, expr, names).replace("|", r"\vert ")
        rows.append(f"| {cell} | ${formula}$ |")
    out.append("\n".join(rows))
    return "\n\n".join(out) + "\n"
