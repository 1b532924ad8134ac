"""Unicode text of expressions: one line (:func:`one_line`) or 2-D (:func:`pretty`).

:class:`TextPrinter` is symconv's one printer of one-line human text (the
``symconv conventions`` table, the substituted derivation of ``from_torch``):
a subclass of SymPy's ``StrPrinter`` whose ``_print_Mul`` and ``_print_Pow``
write ``·`` and ``^`` themselves, with SymPy's precedence rules deciding the
parentheses. Nothing is rewritten in the printed string afterwards, so a name
that holds a ``*`` stays as it is.

* Products: ``a·b``; a quotient ``a·b/c``, ``a/(b·c)``; a leading negative
  coefficient as a sign (``-2·a``, ``a - 2·b`` in a sum).
* An unevaluated display form keeps the factors and sums it was written
  with; a product nested in a product needs no parentheses (``(C_in·C_out)/G``
  prints ``C_in·C_out/G``, ``2·(K_H·K_W)`` prints ``2·K_H·K_W``), a quotient
  among other factors keeps them (``N·(ψ/G)``, ``(C_in/G)·K``).
* Powers: ``a^2``, ``(a + b)^2``, ``(a^b)^c``, ``(-2)^n``, ``a^(b + 1)``;
  a negative power is a quotient (``1/a^2``).
* ``FloorDiv(a, b)`` prints ``⌊a/b⌋`` (``⌊(a + b)/c⌋``, ``⌊a/(b·c)⌋``),
  ``floor`` and ``ceiling`` ``⌊x⌋`` and ``⌈x⌉``.
"""

from __future__ import annotations

import sympy as sp
from contextlib import contextmanager
from typing import Mapping

from sympy.printing.precedence import PRECEDENCE, precedence
from sympy.printing.pretty.pretty import PrettyPrinter
from sympy.printing.pretty.pretty_symbology import pretty_use_unicode
from sympy.printing.str import StrPrinter

from ..derivation import Derivation, Step

__all__ = ["TextPrinter", "one_line", "pretty", "render_step", "render_derivation"]

_MUL = PRECEDENCE["Mul"]
_POW = PRECEDENCE["Pow"]


def _is_inverse(factor: sp.Basic) -> bool:
    """``x^e`` with a negative coefficient in ``e`` (``1/x``, ``x^(-2)``, ``x^(-n)``)."""
    return (factor.is_Pow and factor.is_commutative
            and bool(factor.exp.as_coeff_Mul()[0] < 0))


def _has_denominator(expr: sp.Basic) -> bool:
    return expr.is_Mul and any(_is_inverse(f) or (f.is_Rational and not f.is_Integer)
                               for f in expr.args)


class TextPrinter(StrPrinter):
    """One-line Unicode text: ``·`` for products, ``^`` for powers, ``⌊a/b⌋`` for FloorDiv.

    ``order`` as for SymPy's printers; the default ``"none"`` prints the
    terms and factors of an unevaluated display form in the order written.
    """

    printmethod = "_symconv_text"  # FloorDiv's own _sympystr is for str()
    _default_settings = {**StrPrinter._default_settings, "order": "none"}

    def parenthesize(self, item, level, strict=False):
        # A negative power prints as a quotient (1/x): it binds like a product, not a power.
        prec = _MUL if _is_inverse(item) else precedence(item)
        if prec < level or (not strict and prec <= level):
            return "(%s)" % self._print(item)
        return self._print(item)

    def _factors(self, expr: sp.Mul) -> list[sp.Basic]:
        if self.order in ("old", "none"):
            return list(expr.args)
        return list(expr.as_ordered_factors())

    def _print_Mul(self, expr: sp.Mul) -> str:
        factors = self._factors(expr)
        sign = ""
        first = factors[0]
        if len(factors) > 1 and first.is_Number and first.is_negative:
            sign = "-"
            if first == -1:
                factors.pop(0)
            else:
                factors[0] = -first
        num: list[sp.Basic] = []
        den: list[sp.Basic] = []
        for f in factors:
            if _is_inverse(f):
                den.append(f.base if f.exp == -1 else sp.Pow(f.base, -f.exp, evaluate=False))
            elif f.is_Rational and not f.is_Integer:
                if f.p != 1:
                    num.append(sp.Integer(f.p))
                den.append(sp.Integer(f.q))
            else:
                num.append(f)
        text = "·".join(self._factor(f, alone=len(num) == 1) for f in num) or "1"
        if len(den) == 1:
            text += "/" + self.parenthesize(den[0], _MUL, strict=False)
        elif den:
            text += "/(" + "·".join(self._factor(f, alone=False) for f in den) + ")"
        return sign + text

    def _factor(self, factor: sp.Basic, alone: bool) -> str:
        """One factor of a product, parenthesized as precedence requires.

        A nested product needs no parentheses (``(a·b)·c`` is ``a·b·c``), nor a
        nested quotient that is the whole numerator (``(a/b)/c`` is ``a/b/c``);
        a quotient among other factors keeps them (``(a/b)·c``, ``c·(a/b)``).
        """
        if factor.is_Mul and (alone or not _has_denominator(factor)):
            text = self._print(factor)
            return f"({text})" if text.startswith("-") else text
        return self.parenthesize(factor, _MUL, strict=False)

    def _print_Pow(self, expr: sp.Pow, rational: bool = False) -> str:
        if _is_inverse(expr):
            inverse = expr.base if expr.exp == -1 else sp.Pow(expr.base, -expr.exp, evaluate=False)
            return "1/" + self.parenthesize(inverse, _MUL, strict=False)
        return "%s^%s" % (self.parenthesize(expr.base, _POW, strict=False),
                          self.parenthesize(expr.exp, _POW, strict=False))

    def _print_FloorDiv(self, expr) -> str:
        a, b = expr.args
        return "⌊%s/%s⌋" % (self.parenthesize(a, _MUL, strict=True),
                            self.parenthesize(b, _MUL, strict=False))

    def _print_floor(self, expr) -> str:
        return "⌊%s⌋" % self._print(expr.args[0])

    def _print_ceiling(self, expr) -> str:
        return "⌈%s⌉" % self._print(expr.args[0])


def one_line(expr: sp.Basic, names: Mapping[sp.Symbol, str] | None = None,
             order: str = "none") -> str:
    """``expr`` on one line (:class:`TextPrinter`), each symbol of ``names`` under its name.

    The renaming keeps the expression as written (no re-evaluation), so a
    display form prints in its own order; with ``order="lex"`` the terms are
    sorted by the names printed.
    """
    expr = sp.sympify(expr)
    if names:
        with sp.evaluate(False):
            expr = expr.xreplace({sym: sp.Symbol(name) for sym, name in names.items()})
    return TextPrinter({"order": order}).doprint(expr)


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
