"""Unicode rendering of a derivation for terminals (SymPy's pretty printer)."""

from __future__ import annotations

import sympy as sp
from contextlib import contextmanager
from sympy.printing.pretty.pretty import PrettyPrinter
from sympy.printing.pretty.pretty_symbology import pretty_use_unicode

from ..derivation import Derivation, Step

__all__ = ["pretty", "render_step", "render_derivation"]


_SETTINGS = {"order": "none", "use_unicode": True, "wrap_line": False}


class DisplayPrettyPrinter(PrettyPrinter):
    """SymPy's pretty printer, keeping the parentheses of a sum nested in a sum.

    The display forms write ``K + (K - 1)`` to show the K multiplications and
    K - 1 additions; the stock printer flattens that to ``K + K - 1``.
    """

    def _print_Add(self, expr, order=None):
        if not any(arg.is_Add for arg in expr.args):
            return super()._print_Add(expr, order)
        from sympy.printing.pretty.stringpict import prettyForm

        result = None
        for arg in expr.args:
            negative = arg.could_extract_minus_sign() and not arg.is_Add
            body = -arg if negative else arg
            form = self._print(body)
            if body.is_Add:
                form = prettyForm(*form.parens())
            if result is None:
                result = prettyForm(*form.left("-")) if negative else form
            else:
                result = prettyForm(*result.right(" - " if negative else " + ", form))
        result.binding = prettyForm.ADD  # so products parenthesize it
        return result


@contextmanager
def _unicode_symbols():
    """SymPy's symbol tables in Unicode whatever the terminal's encoding.

    SymPy picks its global table from ``sys.stdout``'s encoding at import; under
    ``PYTHONIOENCODING=ascii`` the ASCII table lacks the floor brackets and a
    Unicode printer fails with ``KeyError: 'lfloor'``. The text is Unicode either
    way; writing it to a terminal that cannot hold it is the caller's error.
    """
    previous = pretty_use_unicode(True)
    try:
        yield
    finally:
        pretty_use_unicode(previous)


def pretty(expr: sp.Expr) -> str:
    """Unicode 2-D form of ``expr``, factors in the order they were written."""
    with _unicode_symbols():
        return DisplayPrettyPrinter(_SETTINGS).doprint(expr)


def render_step(step: Step, number: int) -> str:
    """``(n) title — justification`` followed by the equation ``lhs = rhs``."""
    lhs = pretty(step.lhs)
    # Put "lhs = " on the baseline row of the 2-D right-hand side.
    with _unicode_symbols():
        pform = DisplayPrettyPrinter(_SETTINGS)._print(step.expr)
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
