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

__all__ = ["FloorDiv", "Gcd", "FloorSum", "floor_sum"]


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


def floor_sum(n: int, m: int, a: int, b: int) -> int:
    """``Σ_{i=0}^{n−1} ⌊(a·i + b)/m⌋`` for integers ``n ≥ 0``, ``m ≥ 1``, ``a, b ≥ 0`` (any
    ``a``, ``b`` when ``n = 0``), in
    O(log) steps (Euclid-like reduction: the lattice points under a line are counted by
    swapping the roles of the axes)."""
    if n == 0 and m >= 1:
        return 0  # the empty sum (whatever a and b)
    if n < 0 or m < 1 or a < 0 or b < 0:
        raise ValueError(f"floor_sum needs n >= 0, m >= 1, a >= 0, b >= 0, got "
                         f"n={n}, m={m}, a={a}, b={b}")
    total = 0
    while True:
        if a >= m:
            total += n * (n - 1) // 2 * (a // m)
            a %= m
        if b >= m:
            total += n * (b // m)
            b %= m
        y_max = a * n + b
        if y_max < m:
            return total
        n, b = divmod(y_max, m)
        m, a = a, m


class FloorSum(sp.Function):
    """``FloorSum(n, m, a, b) = Σ_{i=0}^{n−1} ⌊(a·i + b)/m⌋`` (``n ≥ 0``, ``m ≥ 1``,
    ``a, b ≥ 0``), evaluated exactly in O(log) steps by :func:`floor_sum`."""

    nargs = 4
    is_integer = True

    @classmethod
    def eval(cls, n, m, a, b):  # noqa: D102 - SymPy hook
        if all(x.is_Integer for x in (n, m, a, b)):
            return sp.Integer(floor_sum(int(n), int(m), int(a), int(b)))
        if n.is_zero:
            return sp.Integer(0)
        return None

    def _eval_rewrite_as_Sum(self, n, m, a, b, **kwargs):
        i = sp.Dummy("i", integer=True, nonnegative=True)
        return sp.Sum(FloorDiv(a * i + b, m), (i, 0, n - 1))

    def _sympystr(self, printer) -> str:
        return "floor_sum(%s)" % ", ".join(printer._print(x) for x in self.args)

    def _latex(self, printer) -> str:
        n, m, a, b = (printer._print(x) for x in self.args)
        return (r"\sum_{i=0}^{%s - 1} \left\lfloor \frac{%s i + %s}{%s} \right\rfloor"
                % (n, a, b, m))
