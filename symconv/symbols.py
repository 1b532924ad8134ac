"""SymPy symbols of the Conv1d model, their assumptions and display names.

Every size is a positive integer; padding is a non-negative integer. Each
symbol carries two LaTeX names: the *documented* notation of the reference
(``C_{\\text{in}}``, ``\\text{kernel\\_size}``, ...) and a *short* notation
(``K``, ``G``, ...). Printers pick one through ``symbol_names``.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

__all__ = [
    "SymbolInfo",
    "N", "C_in", "C_out", "L_in", "L_out", "K", "G", "s", "p", "d",
    "c", "o",
    "psi", "lam", "gamma", "ops",
    "SYMBOLS", "SIZE_SYMBOLS", "INFO", "latex_names", "unicode_names",
]

_size = dict(integer=True, positive=True)

N = sp.Symbol("N", **_size)
C_in = sp.Symbol("C_in", **_size)
C_out = sp.Symbol("C_out", **_size)
L_in = sp.Symbol("L_in", **_size)
L_out = sp.Symbol("L_out", **_size)
K = sp.Symbol("K", **_size)
G = sp.Symbol("G", **_size)
s = sp.Symbol("s", **_size)
p = sp.Symbol("p", integer=True, nonnegative=True)
d = sp.Symbol("d", **_size)
# Channels per group, used to show integrality: C_in = G*c, C_out = G*o.
c = sp.Symbol("c", **_size)
o = sp.Symbol("o", **_size)

# Names of derived quantities (left-hand sides of the derivation).
psi = sp.Symbol("psi", **_size)
lam = sp.Symbol("lambda", **_size)
gamma = sp.Symbol("gamma", integer=True, nonnegative=True)
ops = sp.Symbol("Conv1d_ops", integer=True, nonnegative=True)


@dataclass(frozen=True)
class SymbolInfo:
    """What a symbol means and how it is written."""

    symbol: sp.Symbol
    meaning: str
    torch_name: str
    latex: str        # documented notation
    latex_short: str  # short notation
    unicode: str


INFO: dict[sp.Symbol, SymbolInfo] = {
    i.symbol: i
    for i in (
        SymbolInfo(N, "batch size (1 for unbatched input)", "x.size(0)", "N", "N", "N"),
        SymbolInfo(C_in, "input channels", "in_channels",
                   r"C_{\text{in}}", r"C_{\text{in}}", "C_in"),
        SymbolInfo(C_out, "output channels", "out_channels",
                   r"C_{\text{out}}", r"C_{\text{out}}", "C_out"),
        SymbolInfo(L_in, "input length", "x.size(-1)",
                   r"L_{\text{in}}", r"L_{\text{in}}", "L_in"),
        SymbolInfo(L_out, "output length", "y.size(-1)",
                   r"L_{\text{out}}", r"L_{\text{out}}", "L_out"),
        SymbolInfo(K, "kernel length", "kernel_size",
                   r"\text{kernel\_size}", "K", "K"),
        SymbolInfo(G, "number of channel groups", "groups", r"\text{groups}", "G", "G"),
        SymbolInfo(s, "step between kernel positions", "stride", r"\text{stride}", "s", "s"),
        SymbolInfo(p, "padding on each side", "padding", r"\text{padding}", "p", "p"),
        SymbolInfo(d, "spacing between kernel taps", "dilation", r"\text{dilation}", "d", "d"),
        SymbolInfo(c, "input channels per group", "in_channels // groups",
                   "c", "c", "c"),
        SymbolInfo(o, "output channels per group", "out_channels // groups",
                   "o", "o", "o"),
        SymbolInfo(psi, "number of filters", "", r"\psi", r"\psi", "ψ"),
        SymbolInfo(lam, "operations per filter", "", r"\lambda", r"\lambda", "λ"),
        SymbolInfo(gamma, "filter aggregation operations", "", r"\gamma", r"\gamma", "γ"),
        SymbolInfo(ops, "total operations", "",
                   r"\text{Conv1d}_{\text{ops}}", r"\text{Conv1d}_{\text{ops}}", "Conv1d_ops"),
    )
}

#: The parameters of the layer, in the reference's order.
SYMBOLS: tuple[sp.Symbol, ...] = (N, C_in, C_out, L_in, L_out, K, G, s, p, d)
#: Symbols that are positive integer sizes.
SIZE_SYMBOLS: tuple[sp.Symbol, ...] = (N, C_in, C_out, L_in, L_out, K, G, s, d)


def latex_names(short: bool = False) -> dict[sp.Symbol, str]:
    """``symbol_names`` mapping for SymPy's LaTeX printer."""
    return {sym: (i.latex_short if short else i.latex) for sym, i in INFO.items()}


def unicode_names() -> dict[sp.Symbol, str]:
    """Plain Unicode names, for terminal output."""
    return {sym: i.unicode for sym, i in INFO.items()}
