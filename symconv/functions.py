"""Integer functions that SymPy lacks in a form safe for exact code.

``FloorDiv(a, b)`` is ``floor(a / b)`` for integers with ``b > 0``. SymPy's
own ``floor(a/b)`` is printed by the stock code printers through floating
point division (``math.floor(a/b)`` in Python, the double ``floor()`` in C);
a node of our own lets the printers emit ``a // b`` in Python and an exact
floor division in C. Same idea as PyTorch's ``FloorDiv`` in
``torch/utils/_sympy/functions.py``.
"""

from __future__ import annotations

import sympy as sp

__all__ = ["FloorDiv", "Gcd"]


class FloorDiv(sp.Function):
    """Exact floor division ``floor(a / b)`` of integers."""

    nargs = 2
    is_integer = True

    @classmethod
    def eval(cls, a, b):  # noqa: D102 - SymPy hook
        if b.is_zero:
            raise ZeroDivisionError("FloorDiv by zero")
        if a.is_Integer and b.is_Integer:
            return sp.Integer(int(a) // int(b))
        if b == 1:
            return a
        return None

    def _eval_rewrite_as_floor(self, a, b, **kwargs):
        return sp.floor(a / b)

    def doit(self, **hints):
        args = [arg.doit(**hints) if hints.get("deep", True) else arg for arg in self.args]
        return self.func(*args)

    def _sympystr(self, printer) -> str:
        a, b = self.args
        return f"floor(({printer._print(a)}) / ({printer._print(b)}))"

    def _latex(self, printer) -> str:
        a, b = self.args
        return (r"\left\lfloor \frac{%s}{%s} \right\rfloor"
                % (printer._print(a), printer._print(b)))

    def _pretty(self, printer):
        return printer._print(sp.floor(sp.Mul(self.args[0], sp.Pow(self.args[1], -1), evaluate=False)))


class Gcd(sp.Function):
    """The greatest common divisor ``gcd(a, b)`` of positive integers, kept unevaluated for
    symbols (SymPy's ``gcd`` treats symbols as polynomials and returns 1)."""

    nargs = 2
    is_integer = True
    is_positive = True

    @classmethod
    def eval(cls, a, b):  # noqa: D102 - SymPy hook
        if a.is_Integer and b.is_Integer:
            return sp.Integer(sp.igcd(int(a), int(b)))
        if a == b:
            return a
        if a == 1 or b == 1:
            return sp.Integer(1)
        return None

    def _sympystr(self, printer) -> str:
        a, b = self.args
        return f"gcd({printer._print(a)}, {printer._print(b)})"

    def _latex(self, printer) -> str:
        a, b = self.args
        return r"\gcd\left(%s, %s\right)" % (printer._print(a), printer._print(b))
