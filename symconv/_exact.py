"""Exact integer values of a model's count expressions at given input sizes.

Used by the plots (:mod:`symconv.plot`) and the symbolic layer table
(:func:`symconv.latex.tables.render_symbolic_table`): an expression of
:class:`symconv.symbolic.SymbolicCost` (sums, products, integer powers, rationals,
``floor``/``ceiling``, ``Max``/``Min``, :class:`~symconv.functions.FloorDiv`) is compiled
once by the proofs' exact printer (:func:`symconv.exact_eval.compile_exact`: Python
integers and :class:`fractions.Fraction` — never a float) and run at each size; anything
else is evaluated by SymPy itself with exact integer arguments. A value that is not
an integer is an error, never rounded.
"""

from __future__ import annotations

from fractions import Fraction
from functools import lru_cache
from typing import Mapping

import sympy as sp

__all__ = ["exact_value", "check_sizes", "free_size_names", "collapse_floors", "display_floors", "symbols_first"]


@lru_cache(maxsize=512)
def _compiled(expr: sp.Basic, args: tuple[sp.Symbol, ...]):
    """``expr`` compiled once to exact Python (:func:`symconv.exact_eval.compile_exact`: ints
    and Fractions, never a float), or None when it holds a node that printer cannot print."""
    from .exact_eval import compile_exact

    return compile_exact(expr, args)


def _value(expr: sp.Basic, values: Mapping[sp.Symbol, int]):
    args = tuple(sorted(values, key=lambda s: s.name))
    fn = _compiled(expr, args)
    if fn is not None:
        return fn(*(values[s] for s in args))
    # anything else: SymPy with exact integer arguments
    done = expr.xreplace({sym: sp.Integer(v) for sym, v in values.items()}).doit()
    if done.is_Rational:
        return Fraction(int(done.p), int(done.q))
    raise ValueError(f"cannot evaluate {expr} exactly at "
                     + ", ".join(f"{k} = {v}" for k, v in values.items()))


def exact_value(expr: sp.Basic, values: Mapping[sp.Symbol, int]) -> int:
    """``expr`` at ``values`` (symbol -> int) as an exact Python ``int``.

    Every free symbol of ``expr`` needs a value (:class:`KeyError` naming it otherwise);
    a result that is not an integer raises :class:`ValueError`.
    """
    missing = sorted(str(s) for s in sp.sympify(expr).free_symbols if s not in values)
    if missing:
        raise KeyError(f"no value for {', '.join(missing)}")
    result = _value(sp.sympify(expr), values)
    if isinstance(result, Fraction):
        if result.denominator != 1:
            raise ValueError(f"{expr} is not an integer at "
                             + ", ".join(f"{k} = {v}" for k, v in values.items())
                             + f" (it is {result})")
        result = result.numerator
    return int(result)


def free_size_names(cost) -> list[str]:
    """The names of ``cost.symbols`` other than the batch size ``N``, in their order."""
    return [name for name in cost.symbols if name != "N"]


def check_sizes(cost, values: Mapping[sp.Symbol, int]) -> None:
    """Raise :class:`ValueError` naming the size, its value and the rule when ``values``
    break one of ``cost.constraints``."""
    subs = {sym: sp.Integer(v) for sym, v in values.items()}
    shown = ", ".join(f"{sym} = {v}" for sym, v in values.items())
    for rule in cost.constraints:
        held = sp.sympify(rule).xreplace(subs)
        if held is sp.true or held == True:  # noqa: E712 - SymPy's true
            continue
        if held is sp.false or held == False:  # noqa: E712
            raise ValueError(f"{shown}: outside the sizes the formula holds for ({rule})")
        raise ValueError(f"{shown}: cannot decide {rule} (give every size in it)")


def collapse_floors(expr: sp.Basic) -> sp.Basic:
    """``expr`` with nested floors merged: ``floor(floor(y)/n + b)`` -> ``floor(y/n + b)``.

    Exact for every real ``y``, every positive integer ``n`` and every rational ``b`` with
    ``b·n`` an integer (``floor((floor(y) + m)/n) = floor((y + m)/n)`` for integers
    ``m``, ``n > 0``): the chained output sizes of pooled and strided layers,
    ``⌊(⌊(L − 1)/2⌋ − 2)/3⌋``, print as one floor, ``⌊(L − 5)/6⌋``. Used for display
    (the symbolic layer table and equation); the value never changes.
    """
    from .functions import FloorDiv

    expr = sp.sympify(expr)
    if expr.has(FloorDiv):  # FloorDiv(a, b) is floor(a/b)
        expr = expr.replace(lambda e: isinstance(e, FloorDiv), lambda e: sp.floor(e.args[0] / e.args[1]))
    return _collapse(expr)


def display_floors(expr: sp.Basic) -> sp.Basic:
    """Each ``floor(p/q)`` with a positive integer ``q`` as :class:`~symconv.functions.FloorDiv`
    ``(p, q)``, which the project's printers write ``⌊(L − 1)/2⌋`` (one fraction) instead of
    ``⌊L/2 − 1/2⌋``. The value never changes."""
    from .functions import FloorDiv

    def as_floordiv(e: sp.floor) -> sp.Basic:
        num, den = sp.together(e.args[0]).as_numer_denom()
        if den.is_Integer and den > 1:
            return FloorDiv(symbols_first(sp.expand(num)), den)
        return e
    return sp.sympify(expr).replace(lambda e: isinstance(e, sp.floor), as_floordiv)


def symbols_first(expr: sp.Basic) -> sp.Basic:
    """Every sum written with its constant term last (``L_in - 1``, not ``-1 + L_in``): an
    unevaluated ``Add``, which the project's printers keep in its order."""
    if not expr.args:
        return expr
    args = [symbols_first(a) for a in expr.args]
    if isinstance(expr, sp.Add):
        terms = [a for a in args if not a.is_Number] + [a for a in args if a.is_Number]
        return sp.Add(*terms, evaluate=False)
    return expr.func(*args, evaluate=False) if isinstance(expr, (sp.Mul, sp.Pow)) else expr.func(*args)


def _collapse(expr: sp.Basic) -> sp.Basic:
    if not expr.args:
        return expr
    args = [_collapse(a) for a in expr.args]
    if not isinstance(expr, sp.floor):
        return expr.func(*args) if args != list(expr.args) else expr
    arg = args[0]
    top = [t for t in sp.Add.make_args(sp.expand(arg)) if t.has(sp.floor)]
    if len(top) == 1:
        coeff, rest = top[0].as_coeff_Mul()
        if isinstance(rest, sp.floor) and coeff.is_Rational and coeff > 0 and coeff.p == 1:
            n = coeff.q
            b = sp.expand(arg) - top[0]
            if b.is_Rational and (b * n).is_Integer:
                return _collapse(sp.floor(rest.args[0] / n + b))
    return sp.floor(arg)
