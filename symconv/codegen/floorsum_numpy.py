"""Checked int64 rows for the transposed convolutions' generated NumPy evaluators.

``generated/conv_transpose{1,2,3}d_ops_numpy.py`` evaluate the printed expressions (the same
text as the exact Python evaluator, with ``max``, ``min``, ``gcd`` and ``floor_sum`` printed
as ``_max``, ``_min``, ``_gcd``, ``_floor_sum``) on :class:`_Rows`: an int64 array and a
per-row flag "an operation on this row left int64". Every ``+``, ``-``, ``*`` and ``//`` is
checked as the C evaluator's helpers check it, in the same order, and :func:`_floor_sum` runs
the Euclid-like reduction of :func:`symconv.functions.floor_sum` on all rows at once, step for
step as the C helper ``floor_sum_checked``: both report the same rows. A flagged row's value
is meaningless and never returned.

This module is tested as code; the generator copies its text below the marker line into each
generated file (:func:`symconv.codegen.transpose.floorsum_helpers`, without importing NumPy).
"""

import numpy as np

_MAX = 2**63 - 1
_MIN = -2**63

__all__ = ["_Rows", "_max", "_min", "_gcd", "_floor_sum"]

# --- copied into the generated NumPy evaluators from here ---
def _add_checked(a, b):
    """(a + b wrapped, rows that overflowed): both operands differ in sign from the result."""
    r = a + b
    return r, ((a ^ r) & (b ^ r)) < 0


def _sub_checked(a, b):
    r = a - b
    return r, ((a ^ b) & (a ^ r)) < 0


def _mul_checked(a, b):
    """(a * b wrapped, rows that overflowed). Rows with both factors in (-2**31, 2**31)
    cannot overflow; on the others the wrapped product must divide back exactly (integers
    only: without overflow ``r == a*b``; with it ``r = a*b - k*2**64``, ``k != 0``, and
    ``r // a == b`` would need ``|k*2**64| < |a| <= 2**63``)."""
    r = a * b
    shape = np.shape(r)
    small = (a > -2**31) & (a < 2**31) & (b > -2**31) & (b < 2**31)
    if np.all(small):
        return r, np.zeros(shape, bool)
    rows = np.flatnonzero(~np.broadcast_to(small, shape))
    a_, b_ = np.broadcast_to(a, shape).ravel()[rows], np.broadcast_to(b, shape).ravel()[rows]
    r_ = np.broadcast_to(r, shape).ravel()[rows]
    back = r_ // np.where(a_ == 0, 1, a_)
    bad = np.zeros(int(np.prod(shape)), bool)
    bad[rows] = (a_ != 0) & ((back != b_) | ((a_ == -1) & (b_ == _MIN)))
    return r, bad.reshape(shape)


class _Rows:
    """int64 rows ``v`` and the rows ``bad`` on which an operation left int64."""

    __slots__ = ("v", "bad")

    def __init__(self, v, bad=False):
        self.v, self.bad = v, bad

    @staticmethod
    def of(x):
        return x if isinstance(x, _Rows) else _Rows(np.int64(x), False)

    def _op(self, other, op, swap=False):
        o = _Rows.of(other)
        a, b = (o, self) if swap else (self, o)
        r, bad = op(a.v, b.v)
        return _Rows(r, a.bad | b.bad | bad)

    def __add__(self, other):
        return self._op(other, _add_checked)

    def __radd__(self, other):
        return self._op(other, _add_checked, True)

    def __sub__(self, other):
        return self._op(other, _sub_checked)

    def __rsub__(self, other):
        return self._op(other, _sub_checked, True)

    def __mul__(self, other):
        return self._op(other, _mul_checked)

    def __rmul__(self, other):
        return self._op(other, _mul_checked, True)

    def __floordiv__(self, other):
        return self._op(other, _floordiv_checked)

    def __rfloordiv__(self, other):
        return self._op(other, _floordiv_checked, True)

    def __neg__(self):
        return _Rows.of(0) - self


def _floordiv_checked(a, b):
    bad = (b == 0) | ((a == _MIN) & (b == -1))
    return np.where(bad, 0, a) // np.where(bad, 1, b), bad


def _fold(fn, args):
    rows = [_Rows.of(x) for x in args]
    out = rows[0]
    for x in rows[1:]:
        out = _Rows(fn(out.v, x.v), out.bad | x.bad)
    return out


def _max(*args):
    return _fold(np.maximum, args)


def _min(*args):
    return _fold(np.minimum, args)


def _gcd(*args):
    return _fold(np.gcd, args)


def _floor_sum(n, m, a, b):
    """``floor_sum(n, m, a, b)`` on every row, checked: the steps of the C helper. Each step
    runs on the rows still reducing only (most finish in a few steps)."""
    n, m, a, b = (_Rows.of(x) for x in (n, m, a, b))
    shape = np.broadcast_shapes(*(np.shape(x.v) for x in (n, m, a, b)))
    nv, mv, av, bv = (np.broadcast_to(x.v, shape).ravel() for x in (n, m, a, b))
    bad = (np.zeros(shape, bool) | n.bad | m.bad | a.bad | b.bad).ravel()
    empty = (nv == 0) & (mv >= 1)
    bad = bad | (~empty & ((nv < 0) | (mv < 1) | (av < 0) | (bv < 0)))
    total = np.zeros(nv.shape, np.int64)
    idx = np.flatnonzero(~bad & ~empty)
    nv, mv, av, bv = nv[idx], mv[idx], av[idx], bv[idx]
    acc = np.zeros(idx.shape, np.int64)
    while idx.size:
        step = np.zeros(idx.shape, bool)
        sel = av >= mv
        if sel.any():
            even = nv % 2 == 0
            h_even, o_even = _mul_checked(nv // 2, nv - 1)
            h_odd, o_odd = _mul_checked(nv, (nv - 1) // 2)
            t, o1 = _mul_checked(np.where(even, h_even, h_odd), av // mv)
            s, o2 = _add_checked(acc, t)
            step |= sel & (np.where(even, o_even, o_odd) | o1 | o2)
            acc, av = np.where(sel, s, acc), np.where(sel, av % mv, av)
        sel = bv >= mv
        if sel.any():
            t, o1 = _mul_checked(nv, bv // mv)
            s, o2 = _add_checked(acc, t)
            step |= sel & (o1 | o2)
            acc, bv = np.where(sel, s, acc), np.where(sel, bv % mv, bv)
        y, o1 = _mul_checked(av, nv)
        y, o2 = _add_checked(y, bv)
        step |= o1 | o2
        done = step | (y < mv)
        bad[idx[step]] = True
        total[idx[done]] = acc[done]
        more = ~done
        idx, acc, y = idx[more], acc[more], y[more]
        mv, av = mv[more], av[more]
        nv, bv, mv, av = y // mv, y % mv, av, mv
    total[bad] = 0
    return _Rows(total.reshape(shape), bad.reshape(shape))
