"""A worked example for a paper: the summary form with the numbers substituted.

``render_example(Example(8, 16, 32, 100, 3))`` prints the output length and
the summary form (bias or no bias) with each symbol replaced by its value,
followed by the exact result and the convention, in words true for the layer
(:func:`symconv.conv1d.convention_text`). The value is the same
number :func:`symconv.conv1d_ops` returns (tested).
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .. import conv1d as m
from ..layers import Conv1dCounts
from ..printing.latex import DOCUMENTED, LatexNotation, drop_unit_divisors, latex, latex_number
from ..symbols import C_in, C_out, G, K, L_in, L_out, N, d, ops, p, s
from .layout import layout_equation
from .render import BASE_NOTE, STANDALONE_PACKAGES, environment, equation_width

__all__ = ["Example", "render_example", "EXAMPLE_FORMATS"]

EXAMPLE_FORMATS = ("tex", "fragment", "md")


@dataclass(frozen=True)
class Example(Conv1dCounts):
    """One Conv1d configuration, PyTorch's parameter names (``batch_size=None``: unbatched)."""

    batch_size: int | None
    in_channels: int
    out_channels: int
    input_length: int
    kernel_size: int
    stride: int = 1
    padding: int | str = 0
    dilation: int = 1
    groups: int = 1
    bias: bool = True

    def values(self) -> dict[sp.Symbol, int]:
        pad = 0 if self.padding in ("valid", "same") else self.padding
        return {N: 1 if self.batch_size is None else self.batch_size, C_in: self.in_channels,
                C_out: self.out_channels, L_in: self.input_length, L_out: self.output_length,
                K: self.kernel_size, G: self.groups, s: self.stride, p: pad, d: self.dilation}


def _equations(ex: Example, notation: LatexNotation, width: float) -> list[dict[str, str]]:
    values = ex.values()
    numbers = {sym: latex_number(v) for sym, v in values.items()}
    ones = {sym for sym, v in values.items() if v == 1}

    def sym(e: sp.Expr) -> str:
        return latex(e, notation)

    def num(e: sp.Expr) -> str:
        # the numbers in place of the symbols; a division by 1 (groups = 1, stride = 1) is not shown
        return latex(drop_unit_divisors(e, ones), notation, numbers)

    if ex.padding == "same":
        length_lines = [(sym(L_out), sym(m.L_OUT_SAME)), ("", latex_number(ex.output_length))]
        length_note = ("padding='same'", "keeps the length")
    else:
        step = m.DERIVATION.definition("output_length")
        length_lines = [(sym(L_out), num(step.expr)), ("", latex_number(ex.output_length))]
        length_note = ("padding='valid'", "is padding 0") if ex.padding == "valid" else ("", "")
    summary = m.SUMMARY_BIAS_DISPLAY if ex.bias else m.SUMMARY_NO_BIAS_DISPLAY
    ops_lines = [(sym(ops), num(summary)), ("", latex_number(ex.ops))]
    return [
        dict(label=m.label("example_output_length"),
             body=layout_equation(length_lines, width, one_line=True),
             note=length_note[0], note_code=length_note[0], note_text=length_note[1]),
        dict(label=m.label("example_ops"), body=layout_equation(ops_lines, width, one_line=True),
             note="",
             note_code="", note_text=""),
    ]


def _parameters(ex: Example, notation: LatexNotation) -> list[dict[str, str]]:
    names = notation.names()
    values = ex.values()
    rows = [(names[x], latex_number(values[x])) for x in (N, C_in, C_out, L_in, K)]
    pad = ex.padding if isinstance(ex.padding, int) else r"\text{%s}" % ex.padding
    rows += [(names[s], str(ex.stride)), (names[p], str(pad)), (names[d], str(ex.dilation)),
             (names[G], str(ex.groups))]
    return [dict(symbol=a, value=b) for a, b in rows]


def render_example(ex: Example, fmt: str = "tex", notation: LatexNotation = DOCUMENTED,
                   line_width: float | None = None) -> str:
    """The worked example as ``tex`` (standalone), ``fragment`` or ``md``.

    ``line_width``: as :class:`~symconv.latex.render.RenderOptions` (points; by notation).
    """
    if fmt not in EXAMPLE_FORMATS:
        raise ValueError(f"format must be one of {', '.join(EXAMPLE_FORMATS)}, got {fmt!r}")
    summary = "first summary form (bias)" if ex.bias else "second summary form (no bias)"
    ctx = dict(
        equations=_equations(ex, notation, equation_width(line_width, notation)),
        parameters=_parameters(ex, notation),
        bias="with bias" if ex.bias else "without bias", summary=summary,
        convention=m.convention_text(ex.bias), value=ex.ops, value_tex=latex_number(ex.ops),
        batch=1 if ex.batch_size is None else ex.batch_size,
        unbatched=ex.batch_size is None,
    )
    env = environment()
    if fmt == "md":
        return env.get_template("example.md.jinja").render(template="example.md.jinja", **ctx)
    body = env.get_template("example_body.tex.jinja").render(template="example_body.tex.jinja",
                                                             **ctx)
    if fmt == "fragment":
        return body
    return env.get_template("standalone.tex.jinja").render(
        body=body, title="Worked example: operation count of torch.nn.Conv1d",
        template="example_body.tex.jinja", packages=STANDALONE_PACKAGES, package_note=BASE_NOTE)
