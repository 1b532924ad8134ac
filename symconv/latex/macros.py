"""Paper macros: one ``\\newcommand`` per quantity and summary form.

A paper that ``\\input``s the macro file writes ``\\[ \\symconvOps = \\symconvOpsBias \\]``
instead of retyping the formula; the macro bodies are printed from the
expressions of :mod:`symconv.conv1d` (display forms where the reference
writes a particular factor order). Every macro body is wrapped in
``\\ensuremath`` so it works in text and in math; bodies need amsmath
(``\\text``).
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .. import conv1d as m
from ..printing.latex import DOCUMENTED, LatexNotation, latex
from ..symbols import C_in, C_out, G, K, L_in, L_out, N, d, gamma, lam, ops, p, psi, s
from .render import MACS_SYMBOL, display_monomial, environment

__all__ = ["Macro", "macros", "render_macros"]


@dataclass(frozen=True)
class Macro:
    """``\\<name>`` expands to ``body`` (math); ``meaning`` goes into a comment."""

    name: str
    body: str
    meaning: str


def _step(name: str) -> sp.Expr:
    return m.DERIVATION.definition(name).expr


def macros(notation: LatexNotation = DOCUMENTED) -> list[Macro]:
    """Every macro, symbols first, then quantities, totals and summary forms."""
    def pr(e: sp.Expr) -> str:
        return latex(e, notation, {MACS_SYMBOL: r"\text{MACs}"})

    def cases(bias: sp.Expr, no_bias: sp.Expr) -> str:
        return (r"\begin{cases} %s & \text{with bias} \\ %s & \text{without bias} \end{cases}"
                % (pr(bias), pr(no_bias)))

    symbols = [("N", N), ("Cin", C_in), ("Cout", C_out), ("Lin", L_in), ("Lout", L_out),
               ("K", K), ("G", G), ("Stride", s), ("Padding", p), ("Dilation", d)]
    out = [Macro(f"symconv{name}Sym", pr(sym), f"symbol: {sym.name}") for name, sym in symbols]
    out += [
        Macro("symconvPsiSym", pr(psi), "symbol: number of filters"),
        Macro("symconvLambdaSym", pr(lam), "symbol: operations per filter"),
        Macro("symconvGammaSym", pr(gamma), "symbol: filter aggregation"),
        Macro("symconvOps", pr(ops), "symbol: total operations"),
        Macro("symconvLout", pr(_step("output_length")), "output length L_out"),
        Macro("symconvLoutSame", pr(m.L_OUT_SAME), "output length with padding='same'"),
        Macro("symconvPsi", pr(_step("filters")), "number of filters psi"),
        Macro("symconvLambda", pr(_step("per_filter")), "operations per filter lambda"),
        Macro("symconvGammaBias", pr(_step("aggregation_bias")), "filter aggregation, with bias"),
        Macro("symconvGammaNoBias", pr(_step("aggregation_no_bias")),
              "filter aggregation, without bias"),
        Macro("symconvGamma", cases(_step("aggregation_bias"), _step("aggregation_no_bias")),
              "filter aggregation, both cases"),
        Macro("symconvTotal", pr(m.DERIVATION.chains[0].steps[0].expr),
              "total in terms of psi, lambda, gamma"),
        Macro("symconvOpsBias", pr(m.SUMMARY_BIAS_DISPLAY), "first summary form (bias)"),
        Macro("symconvOpsNoBias", pr(m.SUMMARY_NO_BIAS_DISPLAY), "second summary form (no bias)"),
        Macro("symconvMACs", pr(display_monomial(m.MACS)), "multiply-accumulates"),
        Macro("symconvBiasAdditions", pr(display_monomial(m.BIAS_ADDITIONS)),
              "bias additions = bias count - no-bias count"),
        Macro("symconvParameters", pr(_parameters_display()), "learnable parameters (b = 1 with bias, 0 without)"),
    ]
    return out


def _parameters_display() -> sp.Expr:
    """``C_out × (C_in / G) × K + b × C_out`` in the order PyTorch stores the weight."""
    frac = sp.Mul(C_in, sp.Pow(G, -1, evaluate=False), evaluate=False)
    return sp.Add(sp.Mul(C_out, frac, K, evaluate=False),
                  sp.Mul(m.BIAS, C_out, evaluate=False), evaluate=False)


def render_macros(notation: LatexNotation = DOCUMENTED) -> str:
    """The macro file (``\\newcommand``s; needs amsmath)."""
    return environment().get_template("macros.tex.jinja").render(
        macros=macros(notation), convention=m.CONVENTION,
        notation="short" if notation.short else "documented", template="macros.tex.jinja")
