"""Unicode rendering of a derivation for terminals (SymPy's pretty printer)."""

from __future__ import annotations

import sympy as sp
from sympy.printing.pretty.pretty import PrettyPrinter

from ..derivation import Derivation, Step

__all__ = ["pretty", "render_step", "render_derivation"]


_SETTINGS = {"order": "none", "use_unicode": True, "wrap_line": False}


def pretty(expr: sp.Expr) -> str:
    """Unicode 2-D form of ``expr``, factors in the order they were written."""
    return sp.pretty(expr, **_SETTINGS)


def render_step(step: Step, number: int) -> str:
    """``(n) title — justification`` followed by the equation ``lhs = rhs``."""
    lhs = pretty(step.lhs)
    # Put "lhs = " on the baseline row of the 2-D right-hand side.
    pform = PrettyPrinter(_SETTINGS)._print(step.expr)
    rhs_lines, base = pform.render(wrap_line=False).split("\n"), pform.baseline
    prefix = f"{lhs} = "
    pad = " " * len(prefix)
    eq = "\n".join(("    " + (prefix if i == base else pad) + line).rstrip()
                   for i, line in enumerate(rhs_lines))
    cond = f" [{step.condition}]" if step.condition else ""
    return f"({number}) {step.title}{cond}: {step.justification}\n{eq}"


def render_derivation(derivation: Derivation) -> str:
    """The whole derivation: definitions, then each chain, numbered consecutively."""
    parts: list[str] = [f"Derivation of the {derivation.layer} operation count", ""]
    n = 0
    parts.append("Definitions")
    for step in derivation.definitions:
        n += 1
        parts += [render_step(step, n), ""]
    for chain in derivation.chains:
        parts.append(chain.title)
        for step in chain:
            n += 1
            parts += [render_step(step, n), ""]
    return "\n".join(parts).rstrip() + "\n"
