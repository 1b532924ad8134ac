"""Exact int64 arithmetic over NumPy rows: the two domains the generated NumPy evaluators use.

The generated NumPy evaluators (``generated/conv1d_ops_numpy.py``, ``conv2d_ops_numpy.py``,
``conv3d_ops_numpy.py``) evaluate each printed expression three ways: on the [min, max]
interval of every column in exact Python ints (:class:`_Interval`; when that stays inside
int64 no row can overflow), directly in int64, and, otherwise, row by row with an overflow
flag per row (:class:`_Checked`). This module is that machinery, tested and linted as code;
the generator copies its text below the marker line into each generated file
(:func:`symconv.codegen.int64_helpers`, without importing this module or NumPy), so the
generated files stay standalone (NumPy and the standard library only).
"""

import numpy as np

_MAX = 2**63 - 1
_MIN = -2**63

__all__ = ["_Interval", "_Checked", "_Overflow", "_checked", "_range"]

# --- copied into the generated NumPy evaluators from here ---
class _Overflow(Exception):
    pass


class _Interval:
    """[lo, hi] over all rows, exact Python ints; raises _Overflow when it leaves int64."""

    __slots__ = ("lo", "hi")

    def __init__(self, lo, hi):
        if lo < _MIN or hi > _MAX:
            raise _Overflow
        self.lo, self.hi = lo, hi

    @staticmethod
    def of(x):
        return x if isinstance(x, _Interval) else _Interval(x, x)

    def __add__(self, other):
        o = _Interval.of(other)
        return _Interval(self.lo + o.lo, self.hi + o.hi)

    __radd__ = __add__

    def __sub__(self, other):
        o = _Interval.of(other)
        return _Interval(self.lo - o.hi, self.hi - o.lo)

    def __rsub__(self, other):
        return _Interval.of(other) - self

    def __mul__(self, other):
        o = _Interval.of(other)
        c = (self.lo * o.lo, self.lo * o.hi, self.hi * o.lo, self.hi * o.hi)
        return _Interval(min(c), max(c))

    __rmul__ = __mul__

    def __floordiv__(self, other):
        o = _Interval.of(other)
        if o.lo <= 0 <= o.hi:
            raise _Overflow
        c = (self.lo // o.lo, self.lo // o.hi, self.hi // o.lo, self.hi // o.hi)
        return _Interval(min(c), max(c))

    def __rfloordiv__(self, other):
        return _Interval.of(other) // self

    def __neg__(self):
        return _Interval(-self.hi, -self.lo)


class _Checked:
    """Row-wise int64 values with a per-row flag "an operation on this row left int64".

    Each value also carries an interval [lo, hi] (exact Python ints) holding
    it on every row not flagged, starting from the column ranges. An
    operation whose result interval stays inside int64 cannot overflow on any
    row and is computed directly; only the others are checked row by row,
    with integer arithmetic only, on the int64 result (NumPy wraps):

    * ``a + b`` overflowed iff both operands differ in sign from the result;
      ``a - b`` iff the operands differ in sign and the result differs from ``a``;
    * ``a * b`` (``a != 0``) overflowed iff the wrapped product ``r`` gives
      ``r // a != b``, or ``a == -1`` and ``b == -2**63``: without overflow
      ``r == a*b`` divides back exactly; with it, ``r = a*b - k*2**64``
      (``k != 0``) and ``r // a == b`` would need ``|k*2**64| < |a| <= 2**63``;
    * ``a // b`` overflows iff ``b == 0`` or ``a == -2**63`` and ``b == -1``.

    The value of a flagged row is meaningless and never returned.
    """

    __slots__ = ("v", "bad", "lo", "hi")

    def __init__(self, v, bad=False, lo=_MIN, hi=_MAX):
        self.v, self.bad, self.lo, self.hi = v, bad, lo, hi

    @staticmethod
    def of(x):
        return x if isinstance(x, _Checked) else _Checked(np.int64(x), False, int(x), int(x))

    def _new(self, o, r, lo, hi, check):
        """The result ``r`` of self (op) o in [lo, hi]; ``check()`` gives the overflowed rows."""
        bad = self.bad | o.bad
        if lo < _MIN or hi > _MAX:
            bad = bad | check()
            lo, hi = max(lo, _MIN), min(hi, _MAX)
        return _Checked(r, bad, lo, hi)

    def __add__(self, other):
        o = _Checked.of(other)
        a, b = self.v, o.v
        r = a + b
        return self._new(o, r, self.lo + o.lo, self.hi + o.hi, lambda: ((a ^ r) & (b ^ r)) < 0)

    __radd__ = __add__

    def __sub__(self, other):
        o = _Checked.of(other)
        a, b = self.v, o.v
        r = a - b
        return self._new(o, r, self.lo - o.hi, self.hi - o.lo, lambda: ((a ^ b) & (a ^ r)) < 0)

    def __rsub__(self, other):
        return _Checked.of(other) - self

    def __mul__(self, other):
        o = _Checked.of(other)
        a, b = self.v, o.v
        r = a * b
        c = (self.lo * o.lo, self.lo * o.hi, self.hi * o.lo, self.hi * o.hi)

        def check():
            back = r // np.where(a == 0, 1, a)
            return (a != 0) & ((back != b) | ((a == -1) & (b == _MIN)))

        return self._new(o, r, min(c), max(c), check)

    __rmul__ = __mul__

    def __floordiv__(self, other):
        o = _Checked.of(other)
        a, b = self.v, o.v
        if o.lo <= 0 <= o.hi:  # the divisor can be 0: check every row
            r = a // np.where(b == 0, 1, b)
            return self._new(o, r, _MIN - 1, _MAX,
                             lambda: (b == 0) | ((a == _MIN) & (b == -1)))
        c = (self.lo // o.lo, self.lo // o.hi, self.hi // o.lo, self.hi // o.hi)
        return self._new(o, a // b, min(c), max(c), lambda: (a == _MIN) & (b == -1))

    def __rfloordiv__(self, other):
        return _Checked.of(other) // self

    def __neg__(self):
        return _Checked.of(0) - self


def _args(fn, env):
    return {k: env[k] for k in fn.__code__.co_varnames[:fn.__code__.co_argcount]}


def _checked(fn, env, ranges, shape):
    """``fn`` over ``env`` in int64: (values, rows that overflow or None, range of the values or None).

    ``ranges`` holds the [min, max] interval of every argument; when the
    interval evaluation stays inside int64 no row can overflow and the rows
    are computed directly. Otherwise the operations that can overflow are
    checked on every row (:class:`_Checked`).
    """
    args = _args(fn, env)
    try:
        bounds = fn(**_args(fn, ranges))
    except _Overflow:
        pass
    else:
        return fn(**args), None, _Interval.of(bounds)
    with np.errstate(over="ignore", divide="ignore"):
        value = fn(**{k: _Checked(np.asarray(v), False, ranges[k].lo, ranges[k].hi)
                      for k, v in args.items()})
    overflow = np.broadcast_to(value.bad, shape)
    return value.v, (overflow if overflow.any() else None), None


def _range(v):
    return _Interval(int(v.min()), int(v.max())) if v.size else _Interval(1, 1)
