"""Exact evaluation of SymPy expressions, compiled once: the proofs' witness.

A proof checks its claim at many random integer points. Substituting each point into the
SymPy expression (``expr.xreplace(point)``) rebuilds and re-evaluates the whole tree every
time; here the expression is printed once to Python text by the project's exact printer
(:class:`symconv.printing.code.IntegerPythonPrinter`: ``FloorDiv`` as ``//``, ``Max``/``Min``
as ``max``/``min``, ``Gcd`` as ``gcd``, ``FloorSum`` as ``floor_sum``, a ``Sum`` as a
generator sum), extended by :class:`ExactPythonPrinter` to quotients: a non-integer rational
and every negative power print as a call of :func:`div`, which returns the exact quotient as
a Python ``int`` when it is one and a :class:`fractions.Fraction` otherwise. Nothing is ever
a float: ``/`` is never printed.

:func:`compile_exact` returns the compiled function, or ``None`` when the expression holds a
node the printer cannot print exactly (the caller then substitutes with SymPy, as before).
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Callable, Sequence

import sympy as sp

from .functions import floor_sum
from .printing.code import IntegerCodeError, IntegerPythonPrinter

__all__ = ["ExactPythonPrinter", "div", "compile_exact", "exact_source", "to_sympy",
           "is_exact_number", "NAMESPACE"]


def div(a, b):
    """The exact quotient ``a / b`` of two rationals (``int`` or ``Fraction``): an ``int`` when
    it is an integer, a ``Fraction`` otherwise (``ZeroDivisionError`` for ``b = 0``)."""
    if type(a) is int and type(b) is int:
        q, r = divmod(a, b)
        return q if r == 0 else Fraction(a, b)
    value = Fraction(a) / Fraction(b)
    return value.numerator if value.denominator == 1 else value


def _floor(x):
    """``floor`` of an int or a Fraction, exact (``Fraction.__floor__``)."""
    return math.floor(x)


def _ceiling(x):
    return math.ceil(x)


#: What compiled code may call: nothing but exact integer and rational operations.
NAMESPACE = {"div": div, "F": Fraction, "gcd": math.gcd, "max": max, "min": min, "sum": sum,
             "range": range, "abs": abs, "floor_sum": floor_sum, "floor": _floor, "ceiling": _ceiling,
             "__builtins__": {}}


class ExactPythonPrinter(IntegerPythonPrinter):
    """:class:`IntegerPythonPrinter` that also prints quotients, exactly.

    ``p/q`` prints as ``div(p, q)`` and ``a**-n`` as ``div(1, a**n)``; a product with a
    rational coefficient or negative powers as ``div(numerator, denominator)``. SymPy's
    ``floor``/``ceiling`` print as exact ``floor``/``ceiling`` of an int or a Fraction.
    Floats, irrational constants, fractional powers are still refused
    (:class:`~symconv.printing.code.IntegerCodeError`); :func:`compile_exact` also leaves to
    SymPy every expression with a node outside a short list of exact ones.
    """

    def _print_Rational(self, expr):
        if expr.q == 1:
            return super()._print_Rational(expr)
        return f"div({expr.p}, {expr.q})"

    _print_Half = _print_Rational

    def _print_Pow(self, expr, rational=False):
        exp = expr.exp
        if exp.is_Integer and exp < 0:
            return f"div(1, {self._print(sp.Pow(expr.base, -exp))})"
        return super()._print_Pow(expr, rational)

    def _print_Mul(self, expr):
        coeff, rest = expr.as_coeff_Mul()
        numer, denom = [], []
        for factor in sp.Mul.make_args(rest):
            if factor.is_Pow and factor.exp.is_Integer and factor.exp < 0:
                denom.append(sp.Pow(factor.base, -factor.exp))
            else:
                numer.append(factor)
        if coeff.is_Rational and coeff.q != 1:
            denom.append(sp.Integer(coeff.q))
            coeff = sp.Integer(coeff.p)
        if not denom:
            return super()._print_Mul(expr)
        num = sp.Mul(coeff, *numer)
        den = sp.Mul(*denom)
        return f"div({self._print(num)}, {self._print(den)})"

    def _print_floor(self, expr):
        return f"floor({self._print(expr.args[0])})"

    def _print_ceiling(self, expr):
        return f"ceiling({self._print(expr.args[0])})"


#: The node types compiled code may hold; anything else (a float, an irrational constant, a
#: function with no exact Python counterpart here) leaves the expression to SymPy.
_ALLOWED = (sp.Add, sp.Mul, sp.Pow, sp.Rational, sp.Symbol, sp.Max, sp.Min, sp.Sum,
            sp.Piecewise, sp.Tuple, sp.floor, sp.ceiling, sp.Abs, sp.Mod,
            sp.core.relational.Relational, sp.And, sp.Or, sp.Not,
            sp.logic.boolalg.BooleanAtom)


def _printable(expr: sp.Basic) -> bool:
    from sympy.functions.elementary.piecewise import ExprCondPair

    from .functions import FloorDiv, FloorSum, Gcd

    allowed = _ALLOWED + (ExprCondPair, FloorDiv, FloorSum, Gcd)
    return all(isinstance(node, allowed) for node in sp.preorder_traversal(expr))


def exact_source(expr: sp.Basic, args: Sequence[sp.Symbol]) -> str:
    """The text of ``lambda a0, a1, ...: <expr>`` (positional ``args``; bound variables of a
    ``Sum`` get their own names)."""
    expr = sp.sympify(expr)
    names = {sym: f"a{i}" for i, sym in enumerate(args)}
    for sym in sorted(expr.atoms(sp.Symbol), key=lambda s: s.name):
        names.setdefault(sym, f"v{len(names)}")
    code = ExactPythonPrinter(names).doprint(expr)
    return f"lambda {', '.join(names[s] for s in args)}: {code}"


def compile_exact(expr: sp.Basic, args: Sequence[sp.Symbol]) -> Callable | None:
    """``expr`` as an exact Python function of ``args`` (positional ints), or ``None`` when
    it cannot be printed exactly (or some free symbol is not in ``args``)."""
    expr = sp.sympify(expr)
    if not expr.free_symbols <= set(args) or not _printable(expr):
        return None
    try:
        source = exact_source(expr, args)
    except (IntegerCodeError, TypeError, ValueError, NotImplementedError):
        return None
    return eval(compile(source, "<symconv.exact_eval>", "eval"),  # noqa: S307 - our own text
                dict(NAMESPACE))


def to_sympy(value) -> sp.Expr:
    """An exact value (``int``, ``Fraction``, or a SymPy number) as a SymPy number."""
    if isinstance(value, bool):
        return sp.Integer(int(value))
    if isinstance(value, int):
        return sp.Integer(value)
    if isinstance(value, Fraction):
        return sp.Rational(value.numerator, value.denominator)
    return sp.sympify(value)


def is_exact_number(value) -> bool:
    """Whether a compiled result is an exact rational number (never a float)."""
    return type(value) is int or type(value) is Fraction

