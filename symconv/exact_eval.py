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

import contextvars
import math
from fractions import Fraction
from typing import Callable, Mapping, Sequence

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

    def __init__(self, names=None, **settings):
        super().__init__(names, **{"order": "none", **settings})  # no sorting: faster

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



# --- many points at once: NumPy int64 columns whose every operation is bounded ---------------

#: Largest magnitude an int64 holds.
INT64_MAX = 2 ** 63 - 1


class Overflow(ArithmeticError):
    """A column operation could leave int64 (or is not exact there): evaluate point by point."""


def _numpy():
    try:
        import numpy
    except ImportError:  # NumPy is optional: the callers evaluate point by point
        return None
    return numpy


class Column:
    """An int64 NumPy column with a bound ``m`` on the magnitude of every entry (exact Python
    int). Every operation computes the bound of its result first (``|a ± b| ≤ m_a + m_b``,
    ``|a·b| ≤ m_a·m_b``, ``|⌊a/b⌋| ≤ m_a`` for ``b ≠ 0``, ...) and raises :class:`Overflow`
    before computing anything whose bound leaves int64: a result is exact or not computed."""

    __slots__ = ("v", "m")
    __hash__ = None  # comparisons are elementwise

    def __init__(self, values, bound: int | None):
        if bound is not None and bound > INT64_MAX:
            raise Overflow(f"bound {bound} leaves int64")
        self.v, self.m = values, bound

    @staticmethod
    def of(values) -> "Column":
        """int64 values (their bound checked): ``Overflow`` if one is not an int64."""
        np = _numpy()
        if not isinstance(values, np.ndarray):
            if any(abs(v) > INT64_MAX for v in values):
                raise Overflow("a value is not an int64")
        values = np.asarray(values, dtype=np.int64)
        return Column(values, int(np.abs(values).max()) if values.size else 0)

    @staticmethod
    def exact(values) -> "Column":
        """Python ints in an object array: exact whatever the size, no bound (``m`` None)."""
        np = _numpy()
        out = np.empty(len(values), dtype=object)
        out[:] = [int(v) for v in values]
        return Column(out, None)


def _parts(x):
    if isinstance(x, Column):
        return x.v, x.m
    if type(x) is int or type(x) is bool:
        if abs(x) > INT64_MAX:
            raise Overflow(f"{x} is not an int64")
        return int(x), abs(int(x))
    raise Overflow(f"{type(x).__name__} in a column expression")


def _col(compute, bound):
    if bound is None:
        return Column(compute(), None)
    if bound > INT64_MAX:
        raise Overflow(f"bound {bound} leaves int64")
    return Column(compute(), bound)


def _binary(op: str):
    def forward(self, other):
        (va, ma), (vb, mb) = _parts(self), _parts(other)
        return _apply(op, va, ma, vb, mb)

    def backward(self, other):
        (va, ma), (vb, mb) = _parts(other), _parts(self)
        return _apply(op, va, ma, vb, mb)

    return forward, backward


#: Inside :func:`evaluate_columns` with ``widen=True``: an int64 operation whose bound leaves
#: int64 is done in Python ints instead (an object column: exact, no bound) rather than
#: refused with :class:`Overflow`.
_WIDEN: contextvars.ContextVar[bool] = contextvars.ContextVar("symconv_widen", default=False)


def _python_ints(v):
    """An int64 array (or int) as an array of Python ints (exact whatever follows)."""
    np = _numpy()
    return np.asarray(v).astype(object) if isinstance(v, np.ndarray) else v


def _apply(op, va, ma, vb, mb):
    if ma is not None and mb is not None and _WIDEN.get():
        bound = ma * mb if op == "*" else ma if op == "//" else ma + mb
        if bound > INT64_MAX:
            va, ma, vb, mb = _python_ints(va), None, _python_ints(vb), None
    if ma is None or mb is None:  # Python ints (object columns): exact, nothing to bound
        if op == "//":
            if not _numpy().all(vb != 0):
                raise ZeroDivisionError("division by zero in a column")
            return Column(va // vb, None)
        return Column(va + vb if op == "+" else va - vb if op == "-" else va * vb, None)
    if op == "+":
        return _col(lambda: va + vb, ma + mb)
    if op == "-":
        return _col(lambda: va - vb, ma + mb)
    if op == "*":
        return _col(lambda: va * vb, ma * mb)
    # floor division: every divisor must be non-zero (else Python would raise: point by point)
    np = _numpy()
    if not np.all(vb):
        raise Overflow("division by zero somewhere in the column")
    return _col(lambda: _floor_divide(va, vb), ma)


def _floor_divide(va, vb):
    """``va // vb`` for int64 arrays (or ints) that broadcast. A divisor of few entries
    (``s`` of a grid, say: one axis) against a large numerator divides slice by slice, each
    slice by one Python int — NumPy divides by a scalar several times faster than by an
    array (the same quotients: the same floor division, entry by entry)."""
    np = _numpy()
    va, vb = np.asarray(va), np.asarray(vb)
    if vb.ndim == 0 or vb.size > 64 or va.dtype != np.int64 or vb.dtype != np.int64:
        return va // vb
    shape = np.broadcast_shapes(va.shape, vb.shape)
    if math.prod(shape) < 4096 * vb.size:
        return va // vb
    vb = vb.reshape((1,) * (len(shape) - vb.ndim) + vb.shape)
    va = np.broadcast_to(va, shape)
    out = np.empty(shape, dtype=np.int64)
    axes = [axis for axis, n in enumerate(vb.shape) if n != 1]
    for index in np.ndindex(*(vb.shape[axis] for axis in axes)):
        where = [slice(None)] * len(shape)
        for axis, i in zip(axes, index):
            where[axis] = slice(i, i + 1)
        where = tuple(where)
        out[where] = va[where] // int(vb[where].reshape(-1)[0])
    return out


for _op, _names in (("+", ("__add__", "__radd__")), ("-", ("__sub__", "__rsub__")),
                    ("*", ("__mul__", "__rmul__")), ("//", ("__floordiv__", "__rfloordiv__"))):
    _f, _b = _binary(_op)
    setattr(Column, _names[0], _f)
    setattr(Column, _names[1], _b)


def _neg(self):
    return Column(-self.v, self.m)


def _pos(self):
    return self


Column.__neg__ = _neg
Column.__pos__ = _pos
for _name in ("__lt__", "__le__", "__gt__", "__ge__", "__eq__", "__ne__"):
    def _compare(self, other, _name=_name):
        return getattr(self.v, _name)(_parts(other)[0])
    setattr(Column, _name, _compare)


def _fold(np_function, python_function, args):
    if not any(isinstance(a, Column) for a in args):
        return python_function(*args)
    parts = [_parts(a) for a in args]
    out = parts[0][0]
    for v, _ in parts[1:]:
        out = np_function(out, v)
    bounds = [m for _, m in parts]
    return Column(out, None if None in bounds else max(bounds))


def vmax(*args):
    return _fold(_numpy().maximum, max, args)


def vmin(*args):
    return _fold(_numpy().minimum, min, args)


def vgcd(a, b):
    return _fold(_numpy().gcd, math.gcd, (a, b))  # gcd(a, b) <= max(|a|, |b|)


def vwhere(condition, then, otherwise):
    if condition is True or condition is False:
        return then if condition else otherwise
    (vt, mt), (vo, mo) = _parts(then), _parts(otherwise)
    return Column(_numpy().where(condition, vt, vo),
                  None if mt is None or mo is None else max(mt, mo))


def _summed_by_point(body, low, high):
    """``Σ_{k=low}^{high} body(k)`` when both bounds are ints (else None)."""
    if isinstance(low, Column) or isinstance(high, Column):
        return None
    total = 0
    for k in range(low, high + 1):
        total = total + body(k)
    return total


def _index_range(low, high):
    """The bounds' values per entry and the widest range of ``k``: ``(lo, hi, k_lo, k_hi)``."""
    np = _numpy()
    lo, hi = _parts(low)[0], _parts(high)[0]
    return lo, hi, int(np.min(lo)), int(np.max(hi))


def vsum(body, low, high):
    """``Σ_{k=low}^{high} body(k)`` per entry (``low``, ``high`` columns or ints): ``k`` runs
    over the widest range, each entry adds only its own terms."""
    np = _numpy()
    plain = _summed_by_point(body, low, high)
    if plain is not None:
        return plain
    lo, hi, k_lo, k_hi = _index_range(low, high)
    total = Column(np.zeros(np.broadcast(lo, hi).shape, dtype=np.int64), 0)
    for k in range(k_lo, k_hi + 1):
        term = body(k)
        vt, mt = _parts(term)
        inside = (lo <= k) & (k <= hi)
        total = _col(lambda t=total: t.v + np.where(inside, vt, 0), total.m + mt)
    return total


def vfloor_sum(n, m, a, b):
    """:func:`symconv.functions.floor_sum` per entry. Every argument's bound must be below
    2**20: then each intermediate is below 2**61 (the result, the largest, is at most
    ``n·(a·n + b) ≤ X**3 + X**2`` for ``X`` the largest bound; ``n`` never grows)."""
    np = _numpy()
    args = (n, m, a, b)
    if not any(isinstance(x, Column) for x in args):
        return floor_sum(n, m, a, b)
    parts = [_parts(x) for x in args]
    if any(mx is None for _, mx in parts):  # Python ints: floor_sum entry by entry, exact
        columns = np.broadcast_arrays(*(np.asarray(v, dtype=object) for v, _ in parts))
        out = np.empty(columns[0].shape, dtype=object)
        out.reshape(-1)[:] = [floor_sum(int(n), int(m), int(a), int(b)) for n, m, a, b
                              in zip(*(c.reshape(-1) for c in columns))]
        return Column(out, None)
    bound = max(mx for _, mx in parts)
    if bound >= 2 ** 20:
        if _WIDEN.get():
            return vfloor_sum(*(Column(_python_ints(v), None) for v, _ in parts))
        raise Overflow("floor_sum arguments too large for int64 columns")
    shape = np.broadcast(*(v for v, _ in parts)).shape
    n, m, a, b = (np.broadcast_to(np.asarray(v, dtype=np.int64), shape).reshape(-1)
                  for v, _ in parts)
    if np.any(m < 1) or np.any((n != 0) & ((n < 0) | (a < 0) | (b < 0))):
        raise Overflow("floor_sum outside its domain somewhere: point by point")
    total = np.zeros(n.size, dtype=np.int64)
    live = np.flatnonzero(n != 0)  # the entries still reducing, and their n, m, a, b
    n, m, a, b = n[live], m[live], a[live], b[live]
    while live.size:
        q, a = np.divmod(a, m)
        part = n * (n - 1) // 2 * q
        q, b = np.divmod(b, m)
        part += n * q
        total[live] += part  # live: distinct indices (np.add.at is not needed)
        y = a * n + b
        more = y >= m
        live, y, m, a = live[more], y[more], m[more], a[more]
        n, b = np.divmod(y, m)
        m, a = a, m
    total = total.reshape(shape)
    return Column(total, bound ** 3 + bound ** 2)


VECTOR_NAMESPACE = {"vmax": vmax, "vmin": vmin, "vgcd": vgcd, "vwhere": vwhere, "vsum": vsum,
                    "vfloor_sum": vfloor_sum, "__builtins__": {}}


class VectorPrinter(IntegerPythonPrinter):
    """The integer printer for :class:`Column` arguments: ``Max``/``Min``/``Gcd``/``FloorSum``
    as the column functions, a ``Sum`` as :func:`vsum`, a ``Piecewise`` as :func:`vwhere`."""

    def __init__(self, names=None, **settings):
        super().__init__(names, functions={"Max": "vmax", "Min": "vmin", "Gcd": "vgcd",
                                           "FloorSum": "vfloor_sum"},
                         **{"order": "none", **settings})

    def _print_Sum(self, expr):
        (body, *limits) = expr.args
        text = self._print(body)
        for var, lo, hi in reversed(limits):
            text = f"vsum(lambda {self._print(var)}: {text}, {self._print(lo)}, {self._print(hi)})"
        return text

    def _print_Piecewise(self, expr):
        *pieces, (last, cond) = expr.args
        if cond is not sp.true:
            raise IntegerCodeError(f"{expr}: a Piecewise without a default")
        text = self._print(last)
        for value, condition in reversed(pieces):
            text = f"vwhere({self._print(condition)}, {self._print(value)}, {text})"
        return text

    def _print_And(self, expr):
        return " & ".join(f"({self._print(a)})" for a in expr.args)

    def _print_Or(self, expr):
        return " | ".join(f"({self._print(a)})" for a in expr.args)


#: The same text over ints, one point at a time (exact Python integers).
SCALAR_NAMESPACE = {"vmax": max, "vmin": min, "vgcd": math.gcd, "vfloor_sum": floor_sum,
                    "vwhere": lambda condition, then, otherwise: then if condition else otherwise,
                    "vsum": lambda body, low, high: sum(body(k) for k in range(low, high + 1)),
                    "sum": sum, "range": range, "__builtins__": {}}


def vector_source(expr: sp.Basic, args: Sequence[sp.Symbol]) -> str | None:
    """The text of ``lambda a0, ...: <expr>`` for :data:`VECTOR_NAMESPACE` (columns) or
    :data:`SCALAR_NAMESPACE` (ints), or None when it cannot be printed so."""
    expr = sp.sympify(expr)
    if not expr.free_symbols <= set(args) or not _printable(expr):
        return None
    names = {sym: f"a{i}" for i, sym in enumerate(args)}
    for sym in sorted(expr.atoms(sp.Symbol), key=lambda s: s.name):
        names.setdefault(sym, f"v{len(names)}")
    try:
        code = VectorPrinter(names).doprint(expr)
    except (IntegerCodeError, TypeError, ValueError, NotImplementedError):
        return None
    return f"lambda {', '.join(names[s] for s in args)}: {code}"


def compile_source(source: str, namespace: Mapping) -> Callable:
    return eval(compile(source, "<symconv.exact_eval>", "eval"),  # noqa: S307 - our own text
                dict(namespace))


def compile_vector(expr: sp.Basic, args: Sequence[sp.Symbol]) -> Callable | None:
    """``expr`` as a function of :class:`Column` arguments (or ints), or ``None`` when NumPy is
    missing or the expression cannot be printed for columns. It raises :class:`Overflow` when
    an operation could leave int64; the caller then evaluates point by point."""
    if _numpy() is None:
        return None
    source = vector_source(expr, args)
    return None if source is None else compile_source(source, VECTOR_NAMESPACE)


class Unsupported(Exception):
    """A node :func:`evaluate_columns` does not evaluate (the caller goes point by point)."""


def evaluate_columns(expr: sp.Basic, env: Mapping[sp.Symbol, object],
                     shared: dict | None = None, widen: bool = False):
    """``expr`` over :class:`Column` values (NumPy arrays that broadcast: a sub-expression of
    fewer symbols is computed on a smaller array), each repeated sub-expression once (per
    value of a ``Sum``'s index). Raises :class:`Overflow` (an operation could leave int64) or
    :class:`Unsupported` (a node not listed here).

    ``shared``, when given, keeps the value of every ``Sum`` and ``FloorSum`` (free of bound
    indices) between calls: the caller passes the same dict only with the same ``env``
    (several expressions over the same points then compute a common sum once).

    A ``Sum`` over points given as flat columns (every value one-dimensional) runs over the
    (point, index) pairs of each point's own range only (:func:`_sum_ragged`); over a grid
    (values that broadcast over several axes) with the index as one more axis
    (:func:`_sum_axis`).

    ``widen``: an operation whose bound leaves int64 is done in Python ints (exact) instead
    of raising :class:`Overflow`; the other operations stay int64."""
    token = _WIDEN.set(bool(widen))
    try:
        return _evaluate_columns(expr, env, shared)
    finally:
        _WIDEN.reset(token)


def _evaluate_columns(expr: sp.Basic, env: Mapping[sp.Symbol, object], shared: dict | None):
    from .functions import FloorDiv, FloorSum, Gcd

    np = _numpy()
    if np is None:
        raise Unsupported("NumPy is not installed")
    bound_vars: set[sp.Symbol] = set()
    depends: dict[sp.Basic, bool] = {}

    def uses_bound(e: sp.Basic) -> bool:
        if e not in depends:
            depends[e] = (e in bound_vars) if e.is_Symbol else any(uses_bound(a) for a in e.args)
        return depends[e]

    fixed: dict[sp.Basic, object] = {}   # sub-expressions free of the bound indices
    scope: list[dict] = [{}]             # per value of the innermost index
    values = dict(env)

    def ev(e: sp.Basic):
        memo = scope[-1] if bound_vars and uses_bound(e) else fixed
        if e in memo:
            return memo[e]
        keep = shared is not None and memo is fixed and isinstance(e, (sp.Sum, FloorSum))
        if keep and e in shared:
            out = shared[e]
        else:
            out = compute(e)
            if keep:
                shared[e] = out
        memo[e] = out
        return out

    def compute(e: sp.Basic):
        if e.is_Integer:
            return int(e)
        if e.is_Symbol:
            if e not in values:
                raise Unsupported(f"no value for {e}")
            return values[e]
        if e.is_Add:
            out = ev(e.args[0])
            for a in e.args[1:]:
                out = out + ev(a)
            return out
        if e.is_Mul:
            out = ev(e.args[0])
            for a in e.args[1:]:
                out = out * ev(a)
            return out
        if e.is_Pow:
            if not (e.exp.is_Integer and e.exp >= 0):
                raise Unsupported(f"power {e}")
            base, out = ev(e.base), 1
            for _ in range(int(e.exp)):
                out = out * base
            return out
        if isinstance(e, FloorDiv):
            return ev(e.args[0]) // ev(e.args[1])
        if isinstance(e, sp.Max):
            return vmax(*(ev(a) for a in e.args))
        if isinstance(e, sp.Min):
            return vmin(*(ev(a) for a in e.args))
        if isinstance(e, Gcd):
            return vgcd(*(ev(a) for a in e.args))
        if isinstance(e, FloorSum):
            return vfloor_sum(*(ev(a) for a in e.args))
        if isinstance(e, sp.Piecewise):
            *pieces, (last, cond) = e.args
            if cond is not sp.true:
                raise Unsupported("Piecewise without a default")
            out = ev(last)
            for value, condition in reversed(pieces):
                out = vwhere(ev(condition), ev(value), out)
            return out
        if isinstance(e, sp.core.relational.Relational):
            a, b = ev(e.lhs), ev(e.rhs)
            if not isinstance(a, Column) and isinstance(b, Column):
                a, b, op = b, a, _FLIPPED[e.rel_op]
            else:
                op = e.rel_op
            return _RELATIONS[op](a, b)
        if isinstance(e, sp.Sum) and len(e.limits) == 1:
            var, lo, hi = e.limits[0]
            low, high = ev(lo), ev(hi)
            arrays = [_parts(v)[0] for v in (*values.values(), low, high)
                      if isinstance(v, Column)]
            if all(np.ndim(a) <= 1 for a in arrays):
                flat = _sum_ragged(e.function, var, low, high, values)
                if flat is not None:
                    return flat
            return _sum_axis(lambda k: _bind(var, k, e.function), low, high, arrays)
        raise Unsupported(f"{type(e).__name__}")

    def _bind(var, k, body):
        if var not in bound_vars:
            bound_vars.add(var)
            depends.clear()
        old = values.get(var)
        values[var] = k
        scope.append({})
        try:
            return ev(body)
        finally:
            scope.pop()
            if old is None:
                values.pop(var, None)
            else:
                values[var] = old

    return ev(sp.sympify(expr))


_FLIPPED = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
_RELATIONS = {"<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b,
              ">=": lambda a, b: a >= b, "==": lambda a, b: a == b, "!=": lambda a, b: a != b}


#: Most entries (points × index values) one pass of :func:`_sum_axis` spans: the index range
#: is cut into chunks of at most this many entries (memory: each sub-expression of the
#: summand that depends on the index is held once per chunk).
AXIS_ENTRIES = 1 << 18


def _sum_axis(body, low, high, arrays):
    """``Σ_{k=low}^{high} body(k)`` per entry with the index as a NumPy axis: ``body`` is
    called with a :class:`Column` of index values along a new leading axis (it broadcasts
    with every value in ``arrays``, the columns the summand may use), a chunk of the widest
    range at a time, instead of once per index value; each entry adds
    only its own terms (the others are masked to 0). Bounds as there: an int64 sum whose
    bound could leave int64 is summed in Python ints instead (exact, no bound)."""
    np = _numpy()
    plain = _summed_by_point(body, low, high)
    if plain is not None:
        return plain
    lo, hi, k_lo, k_hi = _index_range(low, high)
    if k_hi - k_lo > 1 << 16:
        raise Unsupported("a sum over more than 65536 indices: point by point")
    shape = np.broadcast_shapes(*(np.shape(a) for a in arrays))
    ndim = len(shape) + 1
    width = max(1, AXIS_ENTRIES // max(1, math.prod(shape)))
    exact = _parts(low)[1] is None or _parts(high)[1] is None
    total, bound = 0, 0
    for start in range(k_lo, k_hi + 1, width):
        stop = min(start + width, k_hi + 1)
        ks = np.arange(start, stop, dtype=np.int64).reshape((stop - start,) + (1,) * (ndim - 1))
        vt, mt = _parts(body(Column(ks, max(abs(start), abs(stop - 1)))))
        inside = (lo <= ks) & (ks <= hi)
        if mt is None or exact:
            exact = True
        else:
            bound += mt * ks.size
            exact = bound > INT64_MAX  # summed in Python ints from here on
        if exact:
            part = np.where(inside, np.asarray(vt, dtype=object), 0).sum(axis=0)
            total = np.asarray(total, dtype=object) + part
        else:
            total = total + np.where(inside, vt, 0).sum(axis=0)
    if exact:
        return Column(np.asarray(total, dtype=object), None)
    return Column(np.asarray(total, dtype=np.int64), bound)


def _sum_ragged(body: sp.Basic, var: sp.Symbol, low, high, values: Mapping) -> Column | None:
    """``Σ_{var=low}^{high} body`` per point, the points given as flat columns (``values``:
    one-dimensional columns of one length, or ints), or None when there is nothing flat to
    sum over (the caller then uses :func:`_sum_axis`). Each point contributes its own
    indices only: the (point, index) pairs are laid out one after the other (every column
    repeated per index of its point, by NumPy indexing), ``body`` evaluated on them at once
    (:func:`evaluate_columns`), and the terms of each point added up (``np.add.reduceat``).
    Bounds as everywhere: an int64 sum whose bound could leave int64 is added in Python ints
    (exact); an empty range adds nothing."""
    np = _numpy()
    columns = [v for v in (*values.values(), low, high) if isinstance(v, Column)]
    sizes = {np.size(v.v) for v in columns if np.ndim(v.v) == 1}
    if len(sizes) != 1:
        return None
    n = sizes.pop()
    lo, hi, k_lo, k_hi = _index_range(low, high)
    if k_hi - k_lo > 1 << 16:
        raise Unsupported("a sum over more than 65536 indices: point by point")
    lo = np.broadcast_to(np.asarray(lo), (n,))
    hi = np.broadcast_to(np.asarray(hi), (n,))
    count = np.maximum(hi - lo + 1, 0).astype(np.int64)  # at most 65537 each
    exact_sum = any(v.m is None for v in columns)
    out = np.zeros(n, dtype=object if exact_sum else np.int64)
    bound = 0
    per = max(1, AXIS_ENTRIES)
    start = 0
    while start < n:  # points in chunks of at most AXIS_ENTRIES pairs (one point at least)
        ends = np.cumsum(count[start:])
        stop = start + max(1, int(np.searchsorted(ends, per, side="right")))
        part = _sum_ragged_part(body, var, lo, hi, count, start, stop, values, k_lo, k_hi)
        if part is not None:
            vt, mt, starts, nonempty = part
            if mt is None or exact_sum:
                exact_sum = True
            else:
                bound = max(bound, mt * int(count[start:stop].max()))
                exact_sum = bound > INT64_MAX
            if exact_sum:
                out = out.astype(object)
                vt = np.asarray(vt, dtype=object)
            out[start:stop][nonempty] = np.add.reduceat(vt, starts[nonempty])
        start = stop
    return Column(out, None) if exact_sum else Column(out, bound)


def _sum_ragged_part(body, var, lo, hi, count, start, stop, values, k_lo, k_hi):
    """The terms of the points ``start:stop`` of :func:`_sum_ragged`: ``(terms, bound,
    first term of each point, points with a term)``, or None when no point has one."""
    np = _numpy()
    count = count[start:stop]
    total = int(count.sum())
    if total == 0:
        return None
    rep = np.repeat(np.arange(stop - start), count)
    starts = np.cumsum(count) - count
    k = lo[start:stop][rep] + (np.arange(total, dtype=np.int64) - starts[rep])
    if max(abs(k_lo), abs(k_hi)) <= INT64_MAX:
        k = Column(np.asarray(k, dtype=np.int64), max(abs(k_lo), abs(k_hi)))
    else:
        k = Column(np.asarray(k, dtype=object), None)
    env = {var: k}
    for sym in body.free_symbols - {var}:
        if sym not in values:
            raise Unsupported(f"no value for {sym}")
        v = values[sym]
        if isinstance(v, Column) and np.ndim(v.v) == 1:
            v = Column(v.v[start:stop][rep], v.m)
        env[sym] = v
    vt, mt = _parts(evaluate_columns(body, env, widen=_WIDEN.get()))
    vt = np.broadcast_to(np.asarray(vt), (total,))
    return vt, mt, starts, count > 0
