"""Transposed convolutions (ConvTranspose1d, 2d, 3d): the count, derived, and its closed forms.

Where the products land
-----------------------
Per spatial dimension (input size ``in``, kernel ``K``, stride ``s``, padding ``p``,
output_padding ``op``, dilation ``d``) PyTorch's output size is

    out = (in − 1)·s − 2p + d(K − 1) + op + 1.

Input position ``i`` (0 ≤ i < in) times kernel tap ``k`` (0 ≤ k < K) lands on output
position ``j = i·s + k·d − p``; it is kept when 0 ≤ j < out, i.e. when the *uncropped*
position ``m = j + p = i·s + k·d`` lies in the window ``[p, p + out − 1]``. Padding crops
(it removes ``p`` positions on the left and, since ``p + out − 1 = M − (p − op)`` with
``M = (in − 1)·s + (K − 1)·d`` the last uncropped position, ``p − op`` on the right);
positions that no pair reaches are holes (stride larger than the dilated kernel, or the
``op`` positions output_padding appends).

T: the products that land
-------------------------
For a fixed tap ``k`` the kept inputs are the integers ``i`` with
``p ≤ i·s + k·d ≤ p + out − 1`` and ``0 ≤ i ≤ in − 1``:

    low_k  = max(0, ⌈(p − k·d)/s⌉),
    high_k = min(in − 1, ⌊((in − 1)·s − p + d(K − 1 − k) + op)/s⌋),
    T = Σ_{k=0}^{K−1} max(0, high_k − low_k + 1)                          (O(K) terms)

(``⌈a/s⌉`` is written ``−⌊−a/s⌋``, an exact floor division.) T counts pairs, so it is the
number of multiplications per (input channel, output channel) pair of a direct
implementation that computes only the output elements.

R: the positions reached
------------------------
Two taps ``k < k'`` can reach the same uncropped position only if
``(k' − k)·d ≡ 0 (mod s)``, i.e. ``k' ≡ k (mod q)`` with ``g = gcd(s, d)``,
``q = s/g``. In a residue class ``k = r + v·q`` (``0 ≤ r < q``) the positions are
``m = r·d + s·(v·d' + i)`` with ``d' = d/g``: tap ``v`` of the class covers the block
``u ∈ [v·d', v·d' + in − 1]`` of the class's index ``u``. The blocks start at increasing
``v·d'`` and have the same length, so the union of the earlier blocks ends with the block of
tap ``v − 1``, at ``(v − 1)·d' + in − 1``, and contains all of that block; tap ``v ≥ 1``
therefore adds exactly its ``u > (v − 1)·d' + in − 1``, i.e. its inputs ``i ≥ in − d'``.
Different classes never meet (``m mod s`` differs). Hence the sets

    new_k = {k·d + i·s : first_k ≤ i ≤ in − 1},  first_k = 0 if k < q else max(0, in − d'),

partition the reached positions, and cropping only intersects each with the window:

    R = Σ_{k=0}^{K−1} max(0, high_k − max(low_k, first_k) + 1)             (O(K) terms)

Without cropping (p = 0) every pair lands (``T = in·K``) and
``R = min(K, q)·in + max(0, K − q)·min(in, d')``.

Cropping as a correction
------------------------
The map ``(i, k) ↦ (in − 1 − i, K − 1 − k)`` sends ``m`` to ``M − m``; so the pairs cropped
on the right are as many as the pairs with ``m < p − op``. With
``C(x) = #{pairs with m < x} = Σ_k max(0, min(in, ⌈(x − k·d)/s⌉))`` and
``H(x) = #{reached m < x} = Σ_k max(0, min(in, ⌈(x − k·d)/s⌉) − first_k)``:

    T = in·K − C(p) − C(p − op),      R = R(p = 0) − H(p) − H(p − op).

Closed forms under conditions (each proven; see :data:`FORMS`):

* no cropping, ``p = 0``: ``T = in·K``; ``R = min(K, q)·in + max(0, K − q)·min(in, d')``.
* dilation 1: ``C(x)`` has the closed form
  ``K·n_f + (n_a − n_f)·x − s·(n_a(n_a−1) − n_f(n_f−1))/2`` with
  ``n_a = clip(⌈x/s⌉, 0, in)``, ``n_f = clip(⌊(x − K)/s⌋ + 1, 0, in)`` (each input
  position contributes ``clip(x − i·s, 0, K)`` taps), so T is closed; stride 1 likewise with
  the roles of ``(in, s)`` and ``(K, d)`` exchanged (T and R are symmetric under that swap).
* no holes, ``d = 1 and K ≥ s`` or ``s = 1 and in ≥ d``: the uncropped positions reached
  are all of ``[0, M]``, so ``R = out − max(0, op − p)``; ``R = out`` when also ``p ≥ op``.
* no collisions, ``K ≤ q or in ≤ d'``: no two pairs share a position, ``R = T``.
* in every case, T and R as a few floor sums (below, "Evaluation").

n dimensions
------------
A pair in n dimensions is a tuple of per-dimension pairs, and it lands on the output
multi-index ``(j_1, …, j_n)`` iff each component lands on ``j_a``; the pairs landing on a
multi-index are the Cartesian product of the per-dimension sets, so
``t(j_1, …, j_n) = ∏ t_a(j_a)``. Summing over the output box,
``T = Σ_j ∏ t_a(j_a) = ∏ Σ_{j_a} t_a(j_a) = ∏ T_a`` (distributivity), and since a product of
non-negative integers is ≥ 1 iff every factor is, ``R = #{j : every t_a(j_a) ≥ 1} = ∏ R_a``.

The counts
----------
Output element ``(n, c_out, j)`` (symconv's convention, a direct implementation computing
only the output elements) sums ``(C_in/G)·t_j`` products: ``(C_in/G)·t_j`` multiplications
and ``(C_in/G)·t_j − 1 + b`` additions when ``t_j ≥ 1``, nothing when ``t_j = 0``. Summed:

    ops    = N·C_out·(2·(C_in/G)·T − R + b·R)
    MACs   = N·C_out·(C_in/G)·T,   bias additions = N·C_out·R
    ops(b=1) = 2·MACs,  ops(b=0) = 2·MACs − N·C_out·R
    scatter products = N·∏in·∏K·C_in·(C_out/G)    (every input element times the whole
                       kernel, cropped products included: col2im's form)
    FlopCounterMode  = 2·scatter products

Scatter products = MACs iff nothing is cropped (every ``p_a = 0``):
``T_a = in_a·K_a − C(p_a) − C(p_a − op_a)`` and ``C(p) ≥ 1`` as soon as ``p ≥ 1`` (the pair
(0, 0) lands at ``−p``), so one cropped dimension makes ``T = ∏ T_a < ∏ in_a·K_a``.

Evaluation
----------
The tap sums take O(K) steps (or O(min(in, K)): T and R are symmetric under exchanging
``(in, s)`` with ``(K, d)``, as the position ``i·s + k·d`` and ``out`` are). The evaluators
use instead their floor-sum forms, O(log) whatever the sizes (kernel included): each of
``C(x)`` and ``H(x)`` is a sum of ``clip(⌈(x − k·d)/s⌉, 0, cap)`` over a range of taps; the
ceiling does not increase with k, so the range splits at two computable taps into terms equal
to ``cap``, terms equal to 0, and a run of ``⌊(d·i + B)/s⌋`` — one
``FloorSum(n, m, a, b) = Σ_{i<n} ⌊(a·i + b)/m⌋``, which Euclid's reduction evaluates in
O(log) (:func:`clipped_ceil_sum`, :func:`products_log`, :func:`reached_log`; proven equal to
the tap sums like every other form). :func:`conv_transpose1d_ops` with
``input_length=10**15`` (or ``kernel_size=10**15``) returns at once, exact.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import operator
import random
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable, Mapping, Sequence

import sympy as sp

from ._draws import below as _below, same_draws as _same_draws
from .functions import FloorDiv, FloorSum, Gcd, floor_sum
from .printing.code import IntegerPythonPrinter
from .symbols import C_in, C_out, G, N, c, o

__all__ = [
    "Axis", "axis_symbols", "ceil_div", "output_size", "period", "shift", "tap_low", "tap_high",
    "first_new", "products", "reached", "cropped_before", "reached_before", "Form", "FORMS",
    "WRONG_FORMS", "FormCheck", "axis_landings", "check_form", "check_forms",
    "apply_floor_lemmas", "prove_no_cropping_products", "prove_no_cropping_reached", "totals",
    "layer_totals",
    "TOTAL_IDENTITIES", "axis_counts", "axis_counts_by_tap_sums",
    "clipped_ceil_sum", "products_log", "reached_log", "RULES", "validate",
    "conv_transpose_quantities", "conv_transpose1d_ops", "conv_transpose1d_output_length",
    "conv_transpose2d_ops", "conv_transpose2d_output_size", "conv_transpose3d_ops",
    "conv_transpose3d_output_size", "QUANTITIES", "build_spec", "convention_text",
    "CONV_TRANSPOSE1D", "CONV_TRANSPOSE2D", "CONV_TRANSPOSE3D", "symbol_axes",
]

#: Bias indicator: 1 with a bias vector, 0 without (the symbol of the other layers).
BIAS = sp.Symbol("b", integer=True, nonnegative=True)

_SIZE = dict(integer=True, positive=True)
_NONNEG = dict(integer=True, nonnegative=True)


# --- per-dimension symbols and expressions -----------------------------------------------

@dataclass(frozen=True)
class Axis:
    """The symbols of one spatial dimension of a transposed convolution.

    ``name`` is ``""`` for ConvTranspose1d (symbols ``L_in, K, s, p, op, d``) or an axis
    letter (``"H"``: ``H_in, K_H, s_H, p_H, op_H, d_H``). ``k`` is the tap index of the sums.
    """

    name: str
    in_: sp.Symbol
    out: sp.Symbol
    K: sp.Symbol
    s: sp.Symbol
    p: sp.Symbol
    op: sp.Symbol
    d: sp.Symbol
    k: sp.Symbol

    @property
    def parameters(self) -> tuple[sp.Symbol, ...]:
        """``(in, K, s, p, op, d)``: the order of every per-dimension function here."""
        return (self.in_, self.K, self.s, self.p, self.op, self.d)


@lru_cache(maxsize=None)
def axis_symbols(name: str = "") -> Axis:
    """The symbols of one dimension (``""``: the single dimension of ConvTranspose1d)."""
    if name:
        sub = f"_{name}"
        return Axis(name, sp.Symbol(f"{name}_in", **_SIZE), sp.Symbol(f"{name}_out", **_SIZE),
                    sp.Symbol(f"K{sub}", **_SIZE), sp.Symbol(f"s{sub}", **_SIZE),
                    sp.Symbol(f"p{sub}", **_NONNEG), sp.Symbol(f"op{sub}", **_NONNEG),
                    sp.Symbol(f"d{sub}", **_SIZE), sp.Symbol(f"k{sub}", **_NONNEG))
    return Axis("", sp.Symbol("L_in", **_SIZE), sp.Symbol("L_out", **_SIZE),
                sp.Symbol("K", **_SIZE), sp.Symbol("s", **_SIZE), sp.Symbol("p", **_NONNEG),
                sp.Symbol("op", **_NONNEG), sp.Symbol("d", **_SIZE), sp.Symbol("k", **_NONNEG))


#: While true (only inside :func:`_forms`), ``_max``/``_min`` build ``Max``/``Min`` as SymPy
#: does except for its search for arguments that another makes redundant
#: (``_find_localzeros``: comparing every pair through ``factor_terms``, most of the cost of
#: building the closed forms). Tested: every form so built equals the one built normally.
_QUICK_MINMAX = False


def _quick(cls, *args):
    """``cls(*args)`` (``sp.Max`` or ``sp.Min``) as ``MinMaxBase.__new__`` builds it when
    evaluating, without ``_find_localzeros``."""
    from sympy.core.operations import ShortCircuit

    try:
        argset = frozenset(cls._new_args_filter(sp.sympify(a) for a in args))
    except ShortCircuit:
        return cls.zero
    argset = frozenset(cls._collapse_arguments(argset))
    if not argset:
        return cls.identity
    if len(argset) == 1:
        return next(iter(argset))
    obj = sp.Expr.__new__(cls, *sp.ordered(argset))
    obj._argset = argset
    return obj


def _max(*args):
    return _quick(sp.Max, *args) if _QUICK_MINMAX else sp.Max(*args)


def _min(*args):
    return _quick(sp.Min, *args) if _QUICK_MINMAX else sp.Min(*args)


def ceil_div(a: sp.Expr, b: sp.Expr) -> sp.Expr:
    """``⌈a/b⌉ = −⌊−a/b⌋`` for integers, ``b > 0``: an exact floor division."""
    return -FloorDiv(-a, b)


def output_size(a: Axis) -> sp.Expr:
    """``out = (in − 1)·s − 2p + d(K − 1) + op + 1``."""
    return (a.in_ - 1) * a.s - 2 * a.p + a.d * (a.K - 1) + a.op + 1


def period(a: Axis) -> sp.Expr:
    """``q = s / gcd(s, d)``: taps ``k`` and ``k + q`` reach the same residue class mod s."""
    return FloorDiv(a.s, Gcd(a.s, a.d))


def shift(a: Axis) -> sp.Expr:
    """``d' = d / gcd(s, d)``: tap ``k + q`` reaches input ``i``'s position from ``i + d'``."""
    return FloorDiv(a.d, Gcd(a.s, a.d))


def tap_low(a: Axis, k: sp.Expr | None = None) -> sp.Expr:
    """Smallest input position of tap ``k`` inside the window: ``max(0, ⌈(p − k·d)/s⌉)``."""
    k = a.k if k is None else k
    return _max(0, ceil_div(a.p - k * a.d, a.s))


def tap_high(a: Axis, k: sp.Expr | None = None) -> sp.Expr:
    """Largest input position of tap ``k`` inside the window:
    ``min(in − 1, ⌊((in − 1)·s − p + d(K − 1 − k) + op)/s⌋)`` (= ``⌊(p + out − 1 − k·d)/s⌋``)."""
    k = a.k if k is None else k
    return _min(a.in_ - 1,
                  FloorDiv((a.in_ - 1) * a.s - a.p + a.d * (a.K - 1 - k) + a.op, a.s))


def first_new(a: Axis, k: sp.Expr | None = None) -> sp.Expr:
    """First input position whose product with tap ``k`` reaches a position no earlier tap
    reaches: 0 for ``k < q``, else ``max(0, in − d')``."""
    k = a.k if k is None else k
    return sp.Piecewise((0, k < period(a)), (_max(0, a.in_ - shift(a)), True))


def _tap_sum(a: Axis, body: sp.Expr) -> sp.Sum:
    return sp.Sum(body, (a.k, 0, a.K - 1))


def _rename(expr: sp.Basic, mapping: Mapping[sp.Symbol, sp.Symbol]) -> sp.Basic:
    """``expr`` with its symbols renamed, rebuilt bottom-up without SymPy's search for
    redundant ``Max``/``Min`` arguments (``_find_localzeros``: most of the cost of building the
    tap sums). Sound for a renaming between symbols with the same assumptions of an expression
    SymPy built and simplified itself: nothing that search could drop is left (tested: equal
    to the expression built directly, for every axis)."""
    memo: dict[sp.Basic, sp.Basic] = {}

    def rebuild(e: sp.Basic) -> sp.Basic:
        if e in memo:
            return memo[e]
        if e.is_Symbol:
            out = mapping.get(e, e)
        elif not e.args:
            out = e
        else:
            args = [rebuild(arg) for arg in e.args]
            out = (e.func(*args, evaluate=False) if isinstance(e, (sp.Max, sp.Min))
                   else e.func(*args))
        memo[e] = out
        return out

    return rebuild(expr)


def _from_base_axis(build: Callable[[Axis], sp.Expr], a: Axis) -> sp.Expr:
    """``build(a)``, as ``build`` of the one-dimensional axis renamed to ``a`` when every symbol
    of ``a`` has the assumptions of its counterpart there (the axes of the registered layers),
    else built directly."""
    base = axis_symbols("")
    fields = [f.name for f in dataclasses.fields(Axis)][1:]  # the symbols, not the name
    pairs = [(getattr(base, f), getattr(a, f)) for f in fields]
    if a == base:
        return _base_built(build)
    if any(x.assumptions0 != y.assumptions0 for x, y in pairs):
        return build(a)
    return _rename(_base_built(build), dict(pairs))


@lru_cache(maxsize=None)
def _base_built(build: Callable[[Axis], sp.Expr]) -> sp.Expr:
    # T and R built without the Max/Min redundancy search: tested equal, term by term
    # (srepr), to what building them normally gives
    return _quickly(build, axis_symbols(""))


def _quickly(build: Callable, *args):
    global _QUICK_MINMAX
    _QUICK_MINMAX = True
    try:
        return build(*args)
    finally:
        _QUICK_MINMAX = False


def _products(a: Axis) -> sp.Sum:
    return _tap_sum(a, _max(0, tap_high(a) - tap_low(a) + 1))


def _reached(a: Axis) -> sp.Sum:
    if not _QUICK_MINMAX:
        return _tap_sum(a, _max(0, tap_high(a) - _max(tap_low(a), first_new(a)) + 1))
    # the summand with first_new's two branches taken out of it, as the Sum folds it (its
    # piecewise_fold would build each Max again with the redundancy search): tested equal
    high, low = tap_high(a), tap_low(a)
    (early, condition), (late, _) = first_new(a).args
    return _tap_sum(a, sp.Piecewise((_max(0, high - _max(low, early) + 1), condition),
                                    (_max(0, high - _max(low, late) + 1), True)))


@lru_cache(maxsize=None)
def products(a: Axis) -> sp.Sum:
    """T: the (input position, tap) pairs that land in ``[0, out)``, a sum over the K taps."""
    return _from_base_axis(_products, a)


@lru_cache(maxsize=None)
def reached(a: Axis) -> sp.Sum:
    """R: the output positions reached by at least one pair, a sum over the K taps."""
    return _from_base_axis(_reached, a)


def cropped_before(a: Axis, x: sp.Expr) -> sp.Sum:
    """C(x): the pairs with uncropped position ``i·s + k·d < x`` (0 for ``x ≤ 0``)."""
    return _tap_sum(a, _max(0, _min(a.in_, ceil_div(x - a.k * a.d, a.s))))


def reached_before(a: Axis, x: sp.Expr) -> sp.Sum:
    """H(x): the reached uncropped positions ``< x`` (0 for ``x ≤ 0``)."""
    reach = _min(a.in_, ceil_div(x - a.k * a.d, a.s))
    if not _QUICK_MINMAX:
        return _tap_sum(a, _max(0, reach - first_new(a)))
    # first_new's two branches taken out of the summand, as the Sum folds it (as in _reached:
    # its piecewise_fold would build each Max again with the redundancy search): tested equal
    (early, condition), (late, _) = first_new(a).args
    return _tap_sum(a, sp.Piecewise((_max(0, reach - early), condition),
                                    (_max(0, reach - late), True)))


def _closed_count(n_total: sp.Expr, step: sp.Expr, width: sp.Expr, x: sp.Expr) -> sp.Expr:
    """``Σ_{i=0}^{n_total−1} clip(x − i·step, 0, width)`` in closed form (exact floors).

    ``n_a = clip(⌈x/step⌉, 0, n_total)`` positions contribute at all, the first
    ``n_f = clip(⌊(x − width)/step⌋ + 1, 0, n_total)`` of them the full ``width``.
    """
    n_a = _max(0, _min(n_total, ceil_div(x, step)))
    n_f = _max(0, _min(n_total, FloorDiv(x - width, step) + 1))
    return (width * n_f + (n_a - n_f) * x
            - step * FloorDiv(n_a * (n_a - 1) - n_f * (n_f - 1), 2))


def clipped_ceil_sum(a: Axis, k0: sp.Expr, k1: sp.Expr, x: sp.Expr, cap: sp.Expr) -> sp.Expr:
    """``Σ_{k=k0}^{k1−1} clip(⌈(x − k·d)/s⌉, 0, cap)`` (``0 ≤ k0 ≤ k1``, ``cap ≥ 0``) with one
    :class:`~symconv.functions.FloorSum`: O(log) to evaluate.

    ``⌈(x − k·d)/s⌉`` does not increase with k; it is ``≥ cap`` exactly for
    ``k < k_A = ⌈(x − (cap − 1)·s)/d⌉`` and ``≥ 1`` exactly for ``k < k_B = ⌈x/d⌉``. With
    ``lo = clip(k_A, k0, k1)`` and ``hi = max(lo, min(k1, k_B))`` the terms before ``lo`` are
    ``cap``, those from ``hi`` on are 0, and those in between, read backwards from
    ``k = hi − 1`` (``k = hi − 1 − i``), are ``⌊(d·i + x − (hi − 1)·d + s − 1)/s⌋``.
    """
    k_a = ceil_div(x - (cap - 1) * a.s, a.d)
    k_b = ceil_div(x, a.d)
    lo = _max(k0, _min(k1, k_a))
    hi = _max(lo, _min(k1, k_b))
    return cap * (lo - k0) + FloorSum(hi - lo, a.s, a.d, x - (hi - 1) * a.d + a.s - 1,
                                      evaluate=not _QUICK_MINMAX)  # (tested: same result)


def products_log(a: Axis, clipped: Callable[..., sp.Expr] | None = None) -> sp.Expr:
    """T in O(log): ``in·K − C(p) − C(p − op)`` with each C one floor sum.

    ``clipped`` (default :func:`clipped_ceil_sum`) builds each sum ``Σ clip(⌈(x − k·d)/s⌉,
    0, cap)`` from ``(a, k0, k1, x, cap)``: the C evaluators' bounded path passes an opaque
    function that a tap loop evaluates (symconv.codegen.transpose)."""
    clipped = clipped or clipped_ceil_sum
    return (a.in_ * a.K - clipped(a, 0, a.K, a.p, a.in_)
            - clipped(a, 0, a.K, a.p - a.op, a.in_))


def reached_log(a: Axis, clipped: Callable[..., sp.Expr] | None = None) -> sp.Expr:
    """R in O(log): ``R(p = 0) − H(p) − H(p − op)``, where ``H(x) = Σ_k clip(c_k, 0, in) −
    Σ_{k ≥ q} clip(c_k, 0, f)`` with ``f = max(0, in − d′)`` (a tap ``k ≥ q`` adds
    ``max(0, min(in, c) − f) = clip(c, 0, in) − clip(c, 0, f)`` for ``0 ≤ f ≤ in``).
    ``clipped`` as for :func:`products_log`."""
    clipped = clipped or clipped_ceil_sum
    f = _max(0, a.in_ - shift(a))
    start = _min(period(a), a.K)

    def h(x: sp.Expr) -> sp.Expr:
        return (clipped(a, 0, a.K, x, a.in_)
                - clipped(a, start, a.K, x, f))

    return _no_cropping_reached(a) - h(a.p) - h(a.p - a.op)


def _no_cropping_reached(a: Axis) -> sp.Expr:
    q, dq = period(a), shift(a)
    return _min(a.K, q) * a.in_ + _max(0, a.K - q) * _min(a.in_, dq)


# --- exact evaluation: the expressions printed to Python integer code --------------------

def _compile(expr: sp.Expr, args: Sequence[sp.Symbol], extra: Mapping[sp.Symbol, str] = {}
             ) -> Callable[..., int]:
    """``expr`` as a Python function of ``args`` (positional), exact integer arithmetic."""
    names = {sym: f"a{index}" for index, sym in enumerate(args)}
    names.update(extra)
    code = IntegerPythonPrinter(names).doprint(expr)
    source = f"lambda {', '.join(names[s] for s in args)}: {code}"
    return eval(compile(source, "<symconv.convtranspose>", "eval"),  # noqa: S307 - our own text
                {"gcd": math.gcd, "max": max, "min": min, "sum": sum, "range": range,
                 "floor_sum": floor_sum})


@lru_cache(maxsize=None)
def _axis_functions() -> dict[str, Callable[..., int]]:
    """out, T, R of one dimension as exact functions of ``(in, K, s, p, op, d)``."""
    a = axis_symbols("")
    extra = {a.k: "k"}
    return {
        "output_size": _compile(output_size(a), a.parameters),
        "products": _compile(products(a), a.parameters, extra),
        "reached": _compile(reached(a), a.parameters, extra),
        "products_log": _compile(products_log(a), a.parameters),
        "reached_log": _compile(reached_log(a), a.parameters),
    }


def axis_counts(input_size: int, kernel_size: int, stride: int = 1, padding: int = 0,
                output_padding: int = 0, dilation: int = 1) -> tuple[int, int, int]:
    """``(out, T, R)`` of one dimension, exact, in O(log) steps whatever the sizes: the
    floor-sum forms :func:`products_log` and :func:`reached_log` (proven equal to the tap sums
    :func:`products` and :func:`reached`; see :data:`FORMS`).

    No validation: callers pass PyTorch-valid ints (:func:`validate` does that).
    """
    f = _axis_functions()
    args = (input_size, kernel_size, stride, padding, output_padding, dilation)
    return f["output_size"](*args), f["products_log"](*args), f["reached_log"](*args)


def axis_counts_by_tap_sums(input_size: int, kernel_size: int, stride: int = 1,
                            padding: int = 0, output_padding: int = 0,
                            dilation: int = 1) -> tuple[int, int, int]:
    """``(out, T, R)`` from the tap sums themselves, O(min(in, K)) steps (the mirror image
    ``(in, s) <-> (K, d)``, proven in :data:`FORMS`, when K > in)."""
    f = _axis_functions()
    args = (input_size, kernel_size, stride, padding, output_padding, dilation)
    if kernel_size > input_size:
        args = (kernel_size, input_size, dilation, padding, output_padding, stride)
    return f["output_size"](*args), f["products"](*args), f["reached"](*args)


# --- closed forms under conditions, and their checks --------------------------------------

Point = Mapping[str, int]


@dataclass(frozen=True)
class Form:
    """A claimed form of T or R of one dimension under a named condition.

    Attributes:
        name: short name.
        quantity: ``"T"`` (products that land) or ``"R"`` (positions reached).
        expr: the form, over the symbols of ``axis_symbols("")``.
        condition: the condition in words.
        holds_at: the condition as a predicate on a point (keys in, K, s, p, op, d).
        fixed: parameters the condition fixes (``{"p": 0}``), used when drawing points.
        claimed: False for a deliberately wrong form (the check must refute it).
        large: parameters drawn up to 10**12 in the check's last tier (a form that sums over
            the input positions keeps ``in`` small).
    """

    name: str
    quantity: str
    expr: sp.Expr
    condition: str
    holds_at: Callable[[Point], bool] = field(default=lambda pt: True, repr=False)
    fixed: Mapping[str, int] = field(default_factory=dict)
    claimed: bool = True
    large: tuple[str, ...] = ("in", "s", "d")

    @property
    def function(self) -> Callable[..., int]:
        return _form_function(self.expr)


@lru_cache(maxsize=None)
def _form_function(expr: sp.Expr) -> Callable[..., int]:
    a = axis_symbols("")
    return _compile(expr, a.parameters, {a.k: "k"})


@lru_cache(maxsize=None)
def _form_functions(expr: sp.Expr) -> tuple[Callable[..., int], Callable[..., Any] | None]:
    """The form printed once, compiled twice: over ints (one point at a time) and over NumPy
    int64 columns (every operation bounded: it raises :class:`symconv.exact_eval.Overflow`
    rather than wrap; None without NumPy)."""
    from .exact_eval import (SCALAR_NAMESPACE, VECTOR_NAMESPACE, _numpy, compile_source,
                             vector_source)

    source = vector_source(expr, axis_symbols("").parameters)
    if source is None:
        return _form_function(expr), None
    return (compile_source(source, SCALAR_NAMESPACE),
            compile_source(source, VECTOR_NAMESPACE) if _numpy() is not None else None)


# The conditions are written with ``&`` and ``|`` (not ``and``/``or``): they then hold for a
# point of ints and, entry by entry, for a point of NumPy columns (the exhaustive check).

def _g(pt: Point) -> Any:
    s, d = pt["s"], pt["d"]
    if type(s) is int and type(d) is int:
        return math.gcd(s, d)
    import numpy

    return numpy.gcd(s, d)


def _no_holes(pt: Point) -> Any:
    return ((pt["d"] == 1) & (pt["K"] >= pt["s"])) | ((pt["s"] == 1) & (pt["in"] >= pt["d"]))


def _no_collisions(pt: Point) -> Any:
    g = _g(pt)
    return (pt["K"] <= pt["s"] // g) | (pt["in"] <= pt["d"] // g)


def _forms() -> tuple[tuple[Form, ...], tuple[Form, ...]]:
    a = axis_symbols("")
    in_, K, s, p, op, d = a.parameters
    out = output_size(a)
    T_p0 = in_ * K
    forms = (
        Form("T, the tap sum", "T", products(a), "always"),
        Form("R, the tap sum", "R", reached(a), "always"),
        Form("T, cropping as a correction", "T",
             in_ * K - cropped_before(a, p) - cropped_before(a, p - op),
             "always (C(x) counts the pairs with uncropped position < x)"),
        Form("R, cropping as a correction", "R",
             _no_cropping_reached(a) - reached_before(a, p) - reached_before(a, p - op),
             "always (H(x) counts the reached uncropped positions < x)"),
        Form("T, floor sums (O(log))", "T", products_log(a), "always"),
        Form("R, floor sums (O(log))", "R", reached_log(a), "always"),
        Form("T, no cropping", "T", T_p0, "p = 0", lambda pt: pt["p"] == 0, {"p": 0}),
        Form("R, no cropping", "R", _no_cropping_reached(a), "p = 0",
             lambda pt: pt["p"] == 0, {"p": 0}),
        Form("T, dilation 1", "T",
             in_ * K - _closed_count(in_, s, K, p) - _closed_count(in_, s, K, p - op),
             "d = 1", lambda pt: pt["d"] == 1, {"d": 1}),
        Form("T, stride 1", "T",
             in_ * K - _closed_count(K, d, in_, p) - _closed_count(K, d, in_, p - op),
             "s = 1", lambda pt: pt["s"] == 1, {"s": 1}),
        Form("R, no holes", "R", out - _max(0, op - p),
             "d = 1 and K >= s, or s = 1 and in >= d", _no_holes),
        Form("R, no holes and p >= op", "R", out,
             "(d = 1 and K >= s, or s = 1 and in >= d) and p >= op",
             lambda pt: _no_holes(pt) & (pt["p"] >= pt["op"])),
        Form("R, stride 1, no cropping", "R", in_ + (K - 1) * _min(in_, d), "s = 1 and p = 0",
             lambda pt: (pt["s"] == 1) & (pt["p"] == 0), {"s": 1, "p": 0}),
        Form("R, no collisions", "R", products(a), "K <= s/gcd(s,d) or in <= d/gcd(s,d)",
             _no_collisions),
        Form("T, symmetric in (in, s) and (K, d)", "T", _swapped(products(a)), "always", large=("s", "d")),
        Form("R, symmetric in (in, s) and (K, d)", "R", _swapped(reached(a)), "always", large=("s", "d")),
    )
    wrong = (
        Form("R, no cropping, without the gcd (wrong)", "R",
             _min(K, s) * in_ + _max(0, K - s) * _min(in_, d), "p = 0",
             lambda pt: pt["p"] == 0, {"p": 0}, claimed=False),
        Form("T = in·K with cropping (wrong)", "T", in_ * K, "always", claimed=False),
        Form("T = out·K, moduleprofiler's multiplication term (wrong)", "T", out * K, "always",
             claimed=False),
        Form("R = out, no holes without K >= s (wrong)", "R", out - _max(0, op - p),
             "d = 1", lambda pt: pt["d"] == 1, {"d": 1}, claimed=False),
    )
    return forms, wrong


def _swapped(expr: sp.Expr) -> sp.Expr:
    """``expr`` with ``(in, s)`` and ``(K, d)`` exchanged (as ``xreplace`` would give it; the
    Max/Min not searched again for redundant arguments, tested equal)."""
    a = axis_symbols("")
    swap = {a.in_: a.K, a.K: a.in_, a.s: a.d, a.d: a.s}
    return _rename(expr, swap) if _QUICK_MINMAX else expr.xreplace(swap)


@lru_cache(maxsize=None)
def _forms_built() -> tuple[tuple[Form, ...], tuple[Form, ...]]:
    a = axis_symbols("")
    products(a), reached(a)  # the tap sums: built (and cached) first
    return _quickly(_forms_normal)


_forms_normal, _forms = _forms, _forms_built
# FORMS (the claimed closed forms of T and R of one dimension, with their conditions),
# WRONG_FORMS (deliberately wrong ones, which the checks must refute) and TOTAL_IDENTITIES
# are built on first use (module __getattr__ below): building them takes about a second.

#: Exhaustive domain of :func:`check_form`: in, K, s, d in 1..B, p in 0..B, op < max(s, d).
DEFAULT_BOUND = 8


def _domain(bound: int):
    for in_, K, s, d in itertools.product(range(1, bound + 1), repeat=4):
        M = (in_ - 1) * s + (K - 1) * d
        for op in range(max(s, d)):
            for p in range(0, bound + 1):
                if M - 2 * p + op + 1 >= 1:
                    yield {"in": in_, "K": K, "s": s, "p": p, "op": op, "d": d}


def _random_point(rng: random.Random, form: Form, high: int) -> dict[str, int]:
    if not _same_draws():
        return _random_point_randint(rng, form, high)
    fixed, holds_at, random_ = form.fixed, form.holds_at, rng.random
    free_p = "p" not in fixed
    for _ in range(10_000):
        pt = {"in": 1 + _below(rng, high), "K": 1 + _below(rng, high),
              "s": 1 + _below(rng, high), "d": 1 + _below(rng, high)}
        if fixed:
            pt.update(fixed)
        M = (pt["in"] - 1) * pt["s"] + (pt["K"] - 1) * pt["d"]
        op = _below(rng, max(pt["s"], pt["d"]))  # drawn even when op is fixed, as before
        pt["op"] = pt.get("op", op)
        if free_p:
            # half of the points crop little, half up to the largest valid padding
            limit = (M + pt["op"]) // 2
            top = min(limit, high) if random_() < 0.5 else limit
            pt["p"] = _below(rng, top + 1)
        if holds_at(pt):
            return pt
    raise RuntimeError(f"no random point satisfies the condition of {form.name!r}")


def _random_point_randint(rng: random.Random, form: Form, high: int) -> dict[str, int]:
    for _ in range(10_000):
        pt = {key: rng.randint(1, high) for key in ("in", "K", "s", "d")}
        pt.update({key: value for key, value in form.fixed.items()})
        M = (pt["in"] - 1) * pt["s"] + (pt["K"] - 1) * pt["d"]
        pt["op"] = pt.get("op", rng.randrange(max(pt["s"], pt["d"])))
        if "p" not in form.fixed:
            # half of the points crop little, half up to the largest valid padding
            limit = (M + pt["op"]) // 2
            pt["p"] = rng.randint(0, min(limit, high) if rng.random() < 0.5 else limit)
        if form.holds_at(pt):
            return pt
    raise RuntimeError(f"no random point satisfies the condition of {form.name!r}")


def axis_landings(in_: int, K: int, s: int, p: int, op: int, d: int
                  ) -> tuple[int, int, int, list[int]]:
    """Ground truth of one dimension: ``(out, T, R, t)`` by enumerating every (input position,
    tap) pair one by one (no expression of this module is used).

    ``t[j]`` is the number of pairs landing on output position ``j``; ``T = Σ t``, ``R`` the
    number of ``j`` with ``t[j] ≥ 1``. (Also :func:`symconv.reference_transpose.axis_landings`.)
    """
    out = (in_ - 1) * s - 2 * p + d * (K - 1) + op + 1
    t = [0] * max(out, 0)
    for i in range(in_):
        for k in range(K):
            j = i * s + k * d - p
            if 0 <= j < out:
                t[j] += 1
    return out, sum(t), sum(1 for x in t if x), t


@lru_cache(maxsize=1 << 19)
def _landed(in_: int, K: int, s: int, p: int, op: int, d: int) -> tuple[int, int, int]:
    """``(out, T, R)`` by enumerating the pairs (cached: every form checks the same points)."""
    return axis_landings(in_, K, s, p, op, d)[:3]


_KEYS = ("in", "K", "s", "p", "op", "d")


@lru_cache(maxsize=4)
def _domain_columns(bound: int) -> dict[str, Any] | None:
    """The points of :func:`_domain`, in its order, as NumPy int64 columns, with ``out``, ``T``
    and ``R`` counted by enumerating the pairs (None without NumPy).

    The pairs are enumerated once per ``(in, K, s, d)``: the multiset of uncropped positions
    ``m = i·s + k·d`` (``0 ≤ i < in``, ``0 ≤ k < K``) as a histogram ``h[m]`` — every pair
    counted one by one — since ``p`` and ``op`` only move the window ``[p, p + out − 1]`` that
    keeps a pair (:func:`axis_landings`: ``j = m − p`` kept when ``0 ≤ j < out``). Then
    ``T = Σ_{m in window} h[m]`` and ``R = #{m in window: h[m] ≥ 1}``, by prefix sums.
    """
    try:
        import numpy as np
    except ImportError:
        return None
    B = bound
    if B < 1:
        return None
    # every (in, K, s, d, op, p) in _domain's order (C order of the grid), then its filter
    one, zero = np.arange(1, B + 1, dtype=np.int64), np.arange(0, B + 1, dtype=np.int64)
    grid = np.meshgrid(one, one, one, one, zero[:-1], zero, indexing="ij")
    g_in, g_K, g_s, g_d, g_op, g_p = (x.reshape(-1) for x in grid)
    M = (g_in - 1) * g_s + (g_K - 1) * g_d
    keep = (g_op < np.maximum(g_s, g_d)) & (M - 2 * g_p + g_op + 1 >= 1)
    cols = {"in": g_in[keep], "K": g_K[keep], "s": g_s[keep], "p": g_p[keep],
            "op": g_op[keep], "d": g_d[keep]}
    # the same grid as broadcastable axes (in, K, s, d, op, p): expressions over fewer
    # parameters are computed on smaller arrays; keep selects _domain's points in its order
    shape = (B, B, B, B, B, B + 1)
    axes = {}
    for position, (name, values) in enumerate((("in", one), ("K", one), ("s", one), ("d", one),
                                               ("op", zero[:-1]), ("p", zero))):
        view = [1] * 6
        view[position] = values.size
        axes[name] = values.reshape(view)
    cols["grid"] = (axes, keep.reshape(shape), shape)
    # group index of (in, K, s, d), each in 1..B
    group = (((cols["in"] - 1) * B + cols["K"] - 1) * B + cols["s"] - 1) * B + cols["d"] - 1
    g_in, g_K, g_s, g_d = (x.reshape(-1) for x in np.meshgrid(
        *(np.arange(1, B + 1, dtype=np.int64),) * 4, indexing="ij"))
    width = 2 * B * B + 2 * B + 2  # beyond every window end p + out <= M + op + 1
    # every pair (i, k) of every group, one array entry each, counted into its group's row
    i = np.arange(B, dtype=np.int64).reshape(1, -1, 1)
    k = np.arange(B, dtype=np.int64).reshape(1, 1, -1)
    rows = np.arange(g_in.size, dtype=np.int64).reshape(-1, 1, 1)
    pair = (i < g_in.reshape(-1, 1, 1)) & (k < g_K.reshape(-1, 1, 1))
    cell = rows * width + i * g_s.reshape(-1, 1, 1) + k * g_d.reshape(-1, 1, 1)
    hist = np.bincount(cell[pair], minlength=g_in.size * width).reshape(g_in.size, width)
    zero = np.zeros((g_in.size, 1), dtype=np.int64)
    prefix_t = np.concatenate([zero, np.cumsum(hist, axis=1)], axis=1)
    prefix_r = np.concatenate([zero, np.cumsum(hist > 0, axis=1)], axis=1)
    M = (cols["in"] - 1) * cols["s"] + (cols["K"] - 1) * cols["d"]
    out = M - 2 * cols["p"] + cols["op"] + 1
    lo, hi = cols["p"], cols["p"] + out  # the window [p, p + out - 1]
    cols["out"] = out
    cols["T"] = prefix_t[group, hi] - prefix_t[group, lo]
    cols["R"] = prefix_r[group, hi] - prefix_r[group, lo]
    for key in (*_KEYS, "out", "T", "R"):
        cols[key].setflags(write=False)
    return cols


def _on_domain(value, grid) -> Any:
    """A value over the broadcastable grid (or a scalar) at _domain's points, in its order."""
    import numpy as np

    _, keep, shape = grid
    return np.broadcast_to(np.asarray(value), shape)[keep]


@lru_cache(maxsize=64)
def _shape(expr: sp.Basic) -> tuple:
    """How many nodes of each kind ``expr`` has: the same for an expression and its image under
    a renaming of symbols with the same assumptions (SymPy rebuilds the same tree, its
    arguments perhaps in another order), so a cheap test before building that image."""
    return tuple(sorted(Counter(type(n).__name__ for n in sp.preorder_traversal(expr)).items()))


def _mirror(expr: sp.Basic, done: dict | None, shapes: set | None) -> sp.Basic | None:
    """``expr`` with (in, s) and (K, d) exchanged when grid values of it are in ``done``, else
    None. Built only for an expression shaped as one already evaluated (:func:`_shape`):
    building the image of each form costs more than the test (tested: the same forms are
    found as with the image of every form built)."""
    if done is None or _shape(expr) not in shapes:
        return None
    a = axis_symbols("")
    mirror = _rename(expr, {a.in_: a.K, a.K: a.in_, a.s: a.d, a.d: a.s})
    return mirror if mirror in done else None


def _exhaustive_columns(form: "Form", f: Callable[..., int] | None, bound: int, key: int,
                        shared: dict | None = None):
    """The exhaustive tier of :func:`check_form` over NumPy columns: ``(checked, failure)``
    with ``failure`` the first failing point in the domain's order ``(point, want, got)`` or
    None; or None when it cannot be done on columns (no NumPy, or an operation whose bound
    leaves int64: then the caller checks point by point)."""
    from .exact_eval import Column, Overflow, Unsupported, evaluate_columns

    cols = _domain_columns(bound)
    if cols is None:
        return None
    import numpy as np

    grid = cols["grid"]
    axes = grid[0]
    mask = _on_domain(form.holds_at(axes), grid).astype(bool)
    index = np.flatnonzero(mask)
    a = axis_symbols("")
    env = {sym: Column.of(axes[name]) for sym, name in zip(a.parameters, _KEYS)}
    done = None if shared is None else shared.setdefault(("grid values", bound), {})
    # The grid is the same under the exchange of (in, s) with (K, d) (in, K, s, d all run over
    # 1..bound): a form that is another one with those symbols exchanged takes its values on
    # the grid with the two pairs of axes exchanged (an exact evaluation: the same
    # substitution, the point's coordinates exchanged).
    shapes = None if shared is None else shared.setdefault(("grid shapes", bound), set())
    mirror = _mirror(form.expr, done, shapes)
    try:
        if mirror is not None:
            got = np.transpose(np.asarray(done[mirror]), (1, 0, 3, 2, 4, 5))
        else:
            got = evaluate_columns(form.expr, env, None if shared is None
                                   else shared.setdefault(("grid", bound), {}))
            got = np.broadcast_to(np.asarray(got.v if isinstance(got, Column) else got), grid[2])
            if done is not None:
                done[form.expr] = got
                shapes.add(_shape(form.expr))
    except (Overflow, Unsupported, ZeroDivisionError):
        return None
    got_v = _on_domain(got, grid)[index]
    want = cols["T" if key == 1 else "R"][index]
    bad = np.flatnonzero(got_v != want)
    if bad.size == 0:
        return index.size, None
    j = int(bad[0])
    point = {k: int(cols[k][index[j]]) for k in _KEYS}
    return j + 1, (point, int(want[j]), int(got_v[j]))


@dataclass(frozen=True)
class FormCheck:
    """The outcome of :func:`check_form`."""

    form: Form
    holds: bool
    method: str
    points: int
    counterexample: dict[str, int] | None = None
    values: tuple[int, int] | None = None

    def __bool__(self) -> bool:
        return self.holds


_GENERAL: dict[tuple, int] = {}


def _args(pt: Point) -> tuple[int, ...]:
    return (pt["in"], pt["K"], pt["s"], pt["p"], pt["op"], pt["d"])


def _batch(expr: sp.Expr, f: Callable[..., int], points: list) -> list:
    """``expr`` at every point: over NumPy columns at once — int64 with every operation bounded,
    or, when a bound leaves int64, columns of Python ints (exact, no bound needed) — else
    point by point with ``f`` (no NumPy, or a node the columns do not evaluate)."""
    from .exact_eval import Column, Overflow, Unsupported, _numpy, evaluate_columns

    np = _numpy()
    if np is not None and points:
        a = axis_symbols("")
        for exact in (False, True):
            try:
                env = {sym: (Column.exact if exact else Column.of)([pt[k] for pt in points])
                       for sym, k in zip(a.parameters, _KEYS)}
                got = evaluate_columns(expr, env)
            except Overflow:
                continue
            except (Unsupported, ZeroDivisionError):
                break
            values = got.v if isinstance(got, Column) else got
            return [int(v) for v in np.broadcast_to(np.asarray(values, dtype=object),
                                                     (len(points),))]
    return [f(*_args(pt)) for pt in points]


def _general(key: int, general: Callable[..., int], args: tuple) -> int:
    """The general tap sum at a large point (cached: forms with the same condition draw the
    same points)."""
    if (key, args) not in _GENERAL:
        if len(_GENERAL) > 1 << 16:
            _GENERAL.clear()
        _GENERAL[(key, args)] = general(*args)
    return _GENERAL[(key, args)]


def _generator(seed: int):
    """NumPy's seeded generator (PCG64) of the random tiers: every integer seed, negative too
    (``SeedSequence`` takes only non-negative ones: ``seed ↦ 2|seed| + (seed < 0)``)."""
    import numpy as np

    return np.random.default_rng(2 * abs(seed) + (seed < 0))


def _candidates(gen, form: Form, high: int, n: int) -> dict[str, Any]:
    """``n`` points drawn as :func:`_random_point` draws one (sizes in 1..high, the form's fixed
    parameters, ``0 ≤ op < max(s, d)``, half of the paddings up to ``high``, half up to the
    largest valid one), as int64 columns; the condition not yet applied."""
    import numpy as np

    pt = {key: gen.integers(1, high + 1, size=n, dtype=np.int64) for key in ("in", "K", "s", "d")}
    for key, value in form.fixed.items():
        pt[key] = np.full(n, value, dtype=np.int64)
    M = (pt["in"] - 1) * pt["s"] + (pt["K"] - 1) * pt["d"]  # < 2 high**2: int64
    op = gen.integers(0, np.maximum(pt["s"], pt["d"]), dtype=np.int64)
    pt.setdefault("op", op)
    if "p" not in form.fixed:
        limit = (M + pt["op"]) // 2
        top = np.where(gen.random(n) < 0.5, np.minimum(limit, high), limit)
        pt["p"] = gen.integers(0, top + 1, dtype=np.int64)
    return pt


def _holding(form: Form, pt: Mapping[str, Any], n: int) -> Any:
    """The condition of ``form`` at ``n`` points given as columns, as a bool array."""
    import numpy as np

    return np.broadcast_to(np.asarray(form.holds_at(pt), dtype=bool), (n,))


def _take(parts: list, count: int) -> dict[str, Any]:
    import numpy as np

    if not parts:  # no point wanted
        return {key: np.zeros(0, dtype=np.int64) for key in _KEYS}
    return {key: np.concatenate([part[key] for part in parts])[:count] for key in _KEYS}


#: Most candidate points drawn for one tier of one form (as the 10,000 tries per point of
#: :func:`_random_point`): a condition that (almost) never holds is an error, not a hang.
_MAX_CANDIDATES = 1 << 24


def _draw_columns(gen, form: Form, high: int, count: int) -> dict[str, Any]:
    """``count`` random points satisfying the condition of ``form`` (sizes up to ``high``),
    drawn in bulk by ``gen``: candidates drawn as :func:`_candidates`, the condition evaluated
    on all of them at once, the first ``count`` that satisfy it kept in drawing order."""
    parts, found, drawn, batch = [], 0, 0, max(64, 2 * count)
    while found < count:
        if drawn > _MAX_CANDIDATES:
            raise RuntimeError(f"no random point satisfies the condition of {form.name!r}")
        pt = _candidates(gen, form, high, batch)
        keep = _holding(form, pt, batch)
        parts.append({key: pt[key][keep] for key in _KEYS})
        found += int(keep.sum())
        drawn += batch
        # the next batch sized by the acceptance seen so far (at most 64 times larger)
        batch = min(64 * batch, 64 + 5 * (count - found) * drawn // (4 * max(found, 1)))
    return _take(parts, count)


def _draw_large_columns(gen, form: Form, count: int) -> dict[str, Any]:
    """``count`` points of the last tier: points of :func:`_draw_columns` with sizes up to 64,
    then each parameter of ``form.large`` not fixed, with probability 0.7, drawn up to
    10**12, ``op`` and ``p`` drawn again (``op < max(s, d)``; any valid padding: up to about
    10**24, Python ints in an object column), kept where the condition still holds."""
    import numpy as np

    parts, found, drawn = [], 0, 0
    while found < count:
        if drawn > _MAX_CANDIDATES:
            raise RuntimeError(f"no large random point satisfies the condition of {form.name!r}")
        # the first batch as large as the points wanted (no condition rejects any for most
        # forms), the next ones sized by the acceptance seen so far
        batch = 64 + 5 * (count - found) * drawn // (4 * max(found, 1)) if drawn else count
        batch = min(batch, 1 << 20)
        pt = dict(_draw_columns(gen, form, 64, batch))
        for name in form.large:
            if name not in form.fixed:
                big = gen.integers(1, 10 ** 12 + 1, size=batch, dtype=np.int64)
                pt[name] = np.where(gen.random(batch) < 0.7, big, pt[name])
        if "op" not in form.fixed:  # valid for the new s and d
            pt["op"] = gen.integers(0, np.maximum(pt["s"], pt["d"]), dtype=np.int64)
        if "p" not in form.fixed:
            big = {key: pt[key].astype(object) for key in ("in", "K", "s", "d", "op")}
            limit = ((big["in"] - 1) * big["s"] + (big["K"] - 1) * big["d"] + big["op"]) // 2
            # uniform in [0, limit] up to a bias below 2**-40: 126 random bits modulo limit + 1
            high, low = (gen.integers(0, 2 ** 63, size=batch, dtype=np.int64).astype(object)
                         for _ in range(2))
            pt["p"] = ((high << 63) | low) % (limit + 1)
        keep = _holding(form, pt, batch)
        parts.append({key: pt[key][keep] for key in _KEYS})
        found += int(keep.sum())
        drawn += batch
    return _take(parts, count)


def _point(cols: Mapping[str, Any], index: int) -> dict[str, int]:
    return {key: int(cols[key][index]) for key in _KEYS}


#: Most array entries (points × input positions × taps) of one pass of :func:`_landings`.
_LANDING_ENTRIES = 1 << 21


def _landings(cols: Mapping[str, Any], key: int) -> Any:
    """T (``key`` 1) or R (2) of every point of ``cols`` (int64 columns, sizes below 2**20) by
    enumerating its (input position, tap) pairs, as :func:`axis_landings` does one by one:
    every pair ``(i, k)``, ``i < in``, ``k < K``, of every point is an array entry, its
    uncropped position ``m = i·s + k·d`` kept when ``p ≤ m < p + out``; T counts the kept
    pairs, R the distinct kept positions (a histogram per point). No expression is used."""
    import numpy as np

    in_, K, s, p, op, d = (np.asarray(cols[k], dtype=np.int64) for k in _KEYS)
    if in_.size and max(int(x.max()) for x in (in_, K, s, p, op, d)) >= 1 << 20:
        raise ValueError("sizes beyond the enumeration's int64 range")
    result = np.zeros(in_.size, dtype=np.int64)
    if not in_.size:
        return result
    per = int(in_.max()) * int(K.max())
    step = max(1, _LANDING_ENTRIES // per)
    for a in range(0, in_.size, step):
        b = min(a + step, in_.size)
        i = np.arange(int(in_[a:b].max()), dtype=np.int64).reshape(1, -1, 1)
        k = np.arange(int(K[a:b].max()), dtype=np.int64).reshape(1, 1, -1)
        n_, K_, s_, p_, op_, d_ = (x[a:b].reshape(-1, 1, 1) for x in (in_, K, s, p, op, d))
        m = i * s_ + k * d_
        out = (n_ - 1) * s_ - 2 * p_ + d_ * (K_ - 1) + op_ + 1
        kept = (i < n_) & (k < K_) & (p_ <= m) & (m < p_ + out)
        if key == 1:
            result[a:b] = kept.sum(axis=(1, 2))
            continue
        width = int(m.max()) + 1
        rows = np.broadcast_to(np.arange(b - a, dtype=np.int64).reshape(-1, 1, 1), m.shape)
        hist = np.bincount((rows * width + m)[kept], minlength=(b - a) * width)
        result[a:b] = (hist.reshape(b - a, width) > 0).sum(axis=1)
    return result


def _points_key(cols: Mapping[str, Any]) -> tuple:
    """The points of ``cols`` as a hashable value (the key of a run's shared values)."""
    import numpy as np

    return tuple(tuple(cols[k].tolist()) if cols[k].dtype == object
                 else (cols[k].dtype.str, np.ascontiguousarray(cols[k]).tobytes()) for k in _KEYS)


def _evaluate_points(expr: sp.Expr, cols: Mapping[str, Any], shared: dict | None = None) -> Any:
    """``expr`` at every point of ``cols`` over NumPy columns: int64 with every operation
    bounded, and in Python ints (exact, no bound needed) every operation whose bound leaves
    int64 and every column that is not int64 (``widen`` of :func:`evaluate_columns`); an
    array of the values, or None when the columns cannot evaluate it (a node they do not
    evaluate, a division by zero: point by point then).
    ``shared``: the sums already computed at these points (:func:`evaluate_columns`)."""
    import numpy as np

    from .exact_eval import Column, Overflow, Unsupported, evaluate_columns

    n = len(cols["in"])
    a = axis_symbols("")
    env = {}
    for sym, k in zip(a.parameters, _KEYS):
        column = np.asarray(cols[k])
        env[sym] = Column.of(column) if column.dtype == np.int64 else Column.exact(list(column))
    try:
        got = evaluate_columns(expr, env, shared, widen=True)
    except (Overflow, Unsupported, ZeroDivisionError):
        return None
    values = np.asarray(got.v if isinstance(got, Column) else got)
    return np.broadcast_to(values, (n,))


def _first_difference(want: Any, got: Any) -> int | None:
    import numpy as np

    bad = np.flatnonzero(np.asarray(want != got, dtype=bool))
    return int(bad[0]) if bad.size else None


def _random_tiers_columns(form: Form, key: int, f: Callable[[], Callable[..., int]],
                          random_points: int, large_points: int, seed: int,
                          shared: dict | None = None):
    """Tiers 2 and 3 of :func:`check_form` on NumPy columns: the points drawn in bulk by a
    generator seeded with ``seed`` (:func:`_draw_columns`, :func:`_draw_large_columns`),
    the landings enumerated for all of them at once (:func:`_landings`), the form and the
    general tap sum evaluated on columns (:func:`_evaluate_points`; point by point with
    ``f()`` where the columns cannot). Returns ``(points checked, failure)`` with ``failure``
    the first failing point in drawing order ``(point, want, got, how)`` or None.

    ``shared`` (a dict :func:`check_forms` passes to every form of one run) keeps, per set
    of points, the landings and the sums computed there: forms with the same condition draw
    the same points (same seed), and the general tap sum is itself a form."""
    import numpy as np

    shared = {} if shared is None else shared

    def at(cols) -> dict:
        return shared.setdefault(("points", _points_key(cols)), {})

    def values(expr: sp.Expr, function: Callable[[], Callable[..., int]], cols, here) -> Any:
        got = _evaluate_points(expr, cols, here)
        if got is None:
            g = function()
            got = np.array([g(*_args(_point(cols, j))) for j in range(len(cols["in"]))],
                           dtype=object)
        return got

    gen = _generator(seed)
    cols = _draw_columns(gen, form, 40, random_points)
    if random_points:
        here = at(cols)
        if ("landings", key) not in here:
            here[("landings", key)] = _landings(cols, key)
        want = here[("landings", key)]
        got = values(form.expr, f, cols, here)
        j = _first_difference(want, got)
        if j is not None:
            return j, (_point(cols, j), int(want[j]), int(got[j]), "random point, sizes <= 40")
    checked = random_points
    if not large_points:
        return checked, None
    cols = _draw_large_columns(gen, form, large_points)
    a = axis_symbols("")
    general_expr = products(a) if key == 1 else reached(a)
    here = at(cols)
    want = values(general_expr, lambda: _form_functions(general_expr)[0], cols, here)
    got = values(form.expr, f, cols, here)
    j = _first_difference(want, got)
    if j is not None:
        return checked + j, (_point(cols, j), int(want[j]), int(got[j]),
                             "large random point, against the general tap sum")
    return checked + large_points, None


def _random_tiers_points(form: Form, key: int, f: Callable[..., int], random_points: int,
                         large_points: int, seed: int):
    """Tiers 2 and 3 of :func:`check_form` point by point (without NumPy): the points drawn
    one by one by ``random.Random(seed)`` (:func:`_random_point`), the landings enumerated by
    :func:`axis_landings`, the form evaluated with ``f``. Same return as
    :func:`_random_tiers_columns`."""
    checked = 0
    rng = random.Random(seed)
    drawn = [_random_point(rng, form, 40) for _ in range(random_points)]
    gots = _batch(form.expr, f, drawn)
    for pt, got in zip(drawn, gots):
        want = _landed(pt["in"], pt["K"], pt["s"], pt["p"], pt["op"], pt["d"])[key]
        if want != got:
            return checked, (pt, want, got, "random point, sizes <= 40")
        checked += 1
    a = axis_symbols("")
    general_expr = products(a) if key == 1 else reached(a)
    general = _form_functions(general_expr)[0]
    drawn = []
    for _ in range(large_points):
        pt = _random_point(rng, form, 64)
        for name in form.large:
            if name not in form.fixed and rng.random() < 0.7:
                pt[name] = rng.randint(1, 10 ** 12)
        if "p" not in form.fixed:
            M = (pt["in"] - 1) * pt["s"] + (pt["K"] - 1) * pt["d"]
            pt["op"] = rng.randrange(max(pt["s"], pt["d"]))
            pt["p"] = rng.randint(0, (M + pt["op"]) // 2)
        if form.holds_at(pt):
            drawn.append(pt)
    missing = [pt for pt in drawn if (key, _args(pt)) not in _GENERAL]
    for pt, value in zip(missing, _batch(general_expr, general, missing)):
        if len(_GENERAL) > 1 << 16:
            _GENERAL.clear()
        _GENERAL[(key, _args(pt))] = value
    gots = _batch(form.expr, f, drawn)
    for pt, got in zip(drawn, gots):
        want = _general(key, general, _args(pt))
        if want != got:
            return checked, (pt, want, got, "large random point, against the general tap sum")
        checked += 1
    return checked, None


def check_form(form: Form, *, bound: int = DEFAULT_BOUND, random_points: int = 300,
               large_points: int = 300, seed: int = 0, shared: dict | None = None) -> FormCheck:
    """Check a form of T or R against counted landings.

    1. Exhaustively: every point of the domain (in, K, s, d ≤ ``bound``, 0 ≤ p ≤ ``bound``,
       0 ≤ op < max(s, d), out ≥ 1) satisfying the condition, against the pairs enumerated
       one by one (:func:`axis_landings`; on NumPy columns, :func:`_domain_columns`).
    2. ``random_points`` random points beyond it (sizes up to 40, any valid padding)
       satisfying the condition, again against the enumerated pairs.
    3. ``large_points`` random points (sizes up to 10**12, K ≤ 64) satisfying the condition,
       against the general tap sums (:func:`products` / :func:`reached`, themselves checked
       by 1 and 2). Without NumPy, the points failing the condition are dropped instead.

    With NumPy the random points are drawn in bulk by a generator seeded with ``seed``
    (:func:`_draw_columns`) and every tier is evaluated on exact columns; without it, one by
    one by ``random.Random(seed)``. A wrong form comes back with ``holds=False``, the first
    counterexample in the tier's order and both values.

    ``shared``: a dict given to every check of one run (:func:`check_forms`), in which the
    values every form computes at the same points (a common sum, the landings, the general
    tap sum) are kept, computed once; in memory only, for that run.
    """
    from .exact_eval import _numpy

    key = 1 if form.quantity == "T" else 2
    compiled: list = []

    def f() -> Callable[..., int]:  # printed and compiled only where the columns cannot evaluate
        if not compiled:
            compiled.append(_form_functions(form.expr)[0])
        return compiled[0]

    def fail(pt: Point, want: int, got: int, how: str, checked: int) -> FormCheck:
        return FormCheck(form, False, how, checked, dict(pt), (got, want))

    columns = _exhaustive_columns(form, None, bound, key, shared)
    if columns is not None:  # all points at once (NumPy), same points, same first failure
        checked, failure = columns
        if failure is not None:
            pt, want, got = failure
            return fail(pt, want, got, f"exhaustive, in, K, s, d <= {bound}", checked)
    else:
        checked = 0
        for pt in _domain(bound):
            if not form.holds_at(pt):
                continue
            checked += 1
            want = _landed(pt["in"], pt["K"], pt["s"], pt["p"], pt["op"], pt["d"])[key]
            got = f()(*_args(pt))
            if want != got:
                return fail(pt, want, got, f"exhaustive, in, K, s, d <= {bound}", checked)
    exhaustive = checked
    if _numpy() is not None:
        more, failure = _random_tiers_columns(form, key, f, random_points, large_points, seed,
                                              shared)
    else:
        more, failure = _random_tiers_points(form, key, f(), random_points, large_points, seed)
    if failure is not None:
        pt, want, got, how = failure
        return fail(pt, want, got, how, exhaustive + more + 1)
    checked = exhaustive + more
    method = (f"exhaustive over {exhaustive} points (in, K, s, d <= {bound}, p <= {bound}, "
              f"op < max(s, d), out >= 1, condition) against enumerated landings; "
              f"{random_points} random points with sizes <= 40 against enumerated landings; "
              f"{checked - exhaustive - random_points} random points with sizes up to 10**12 "
              f"against the general tap sum")
    return FormCheck(form, True, method, checked)


def check_forms(bound: int = DEFAULT_BOUND, **kwargs: Any) -> list[FormCheck]:
    """:func:`check_form` for every claimed form (:data:`FORMS`) and every deliberately wrong
    one (:data:`WRONG_FORMS`); a claimed form must hold, a wrong one must be refuted."""
    forms, wrong = _forms()
    shared: dict = {}  # the values common to several forms, for this run only
    return [check_form(form, bound=bound, shared=shared, **kwargs) for form in forms + wrong]


def apply_floor_lemmas(expr: sp.Expr) -> tuple[sp.Expr, list[str]]:
    """Rewrite every ``FloorDiv`` of ``expr`` by two lemmas of the floor, for SymPy to decide
    what remains with the symbols' assumptions:

    (L1) ``⌊(a·b + r)/b⌋ = a + ⌊r/b⌋`` for an integer polynomial ``a`` (the terms of the
         numerator that are multiples of the divisor leave the floor);
    (L2) ``⌊r/b⌋`` with ``r ≥ 0`` (decided by SymPy) and ``b > 0`` is some integer ``f ≥ 0``:
         it is replaced by a fresh non-negative integer symbol (a ``Dummy``: two floors never
         share one, so nothing cancels that should not).

    Returns the rewritten expression and one note per rewrite.
    """
    notes: list[str] = []
    counter = itertools.count()

    def rewrite(e: sp.Expr) -> sp.Expr:
        if not e.args:
            return e
        e = e.func(*(rewrite(arg) for arg in e.args))
        if not isinstance(e, FloorDiv):
            return e
        num, den = sp.expand(e.args[0]), e.args[1]
        whole = [t for t in sp.Add.make_args(num) if sp.fraction(sp.cancel(t / den))[1] == 1]
        outside = sp.expand(sp.Add(*whole) / den)
        rest = sp.expand(num - sp.Add(*whole))
        if rest.is_nonnegative and den.is_positive:
            # a Dummy: distinct from every other symbol, also from another call's f<n>
            fresh = sp.Dummy(f"f{next(counter)}", integer=True, nonnegative=True)
            notes.append(f"{e} = {outside} + {fresh} with {fresh} = floor(({rest})/({den})) "
                         f">= 0 (L1, L2)")
            return outside + fresh
        if whole:
            notes.append(f"{e} = {outside} + floor(({rest})/({den})) (L1)")
            return outside + FloorDiv(rest, den)
        return e

    return rewrite(expr), notes


_FLIP = {"<=": ">=", "<": ">", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
#: ``E op 0`` as an atom and whether it is the atom or its negation.
_ATOM = {"<=": ("<=", True), ">": ("<=", False), "<": ("<", True), ">=": ("<", False),
         "==": ("==", True), "!=": ("==", False)}


def _propositional(cond: sp.Basic, atoms: dict) -> sp.Basic | None:
    """``cond`` with each relation replaced by a boolean symbol standing for it (one symbol per
    relation up to how it is written: ``a <= b`` and ``b - a >= 0`` share one, ``a > b`` is its
    negation), or None for anything else. Unsatisfiable as a propositional formula implies
    unsatisfiable (each symbol is the truth of its relation; only relations between different
    symbols are lost)."""
    if cond in (sp.true, sp.false):
        return cond
    if isinstance(cond, (sp.And, sp.Or, sp.Not)):
        args = [_propositional(c, atoms) for c in cond.args]
        return None if any(a is None for a in args) else cond.func(*args)
    if not isinstance(cond, sp.core.relational.Relational):
        return None
    e, op = sp.expand(cond.lhs - cond.rhs), cond.rel_op
    if e.could_extract_minus_sign():
        e, op = -e, _FLIP[op]
    kind, positive = _ATOM[op]
    atom = atoms.setdefault((e, kind), sp.Symbol(f"atom{len(atoms)}"))
    return atom if positive else sp.Not(atom)


def _satisfiable(formula: sp.Basic) -> bool:
    """Whether a propositional formula can be true: every assignment of its (few) atoms tried
    (``sympy.satisfiable`` beyond 12 atoms; the same answer, without its CNF machinery)."""
    atoms = sorted(formula.atoms(sp.Symbol), key=lambda x: x.name)
    if len(atoms) > 12:
        return sp.satisfiable(formula) is not False
    return any(formula.xreplace(dict(zip(atoms, values))) is sp.true
               for values in itertools.product((sp.true, sp.false), repeat=len(atoms)))


def _is_zero(expr: sp.Expr) -> bool:
    """Whether ``expr`` is 0, decided exactly: cheaply when every branch of its folded
    piecewise form expands to 0 or cannot be reached (its condition with the negation of every
    earlier one is propositionally unsatisfiable, relations as atoms), else by
    ``sympy.simplify`` as before. The cheap test only ever says yes when it is so."""
    folded = sp.piecewise_fold(expr)
    if not isinstance(folded, sp.Piecewise):
        return sp.expand(folded) == 0 or sp.simplify(expr) == 0
    atoms: dict = {}
    earlier: list[sp.Basic] = []
    for value, cond in folded.args:
        mine = _propositional(cond, atoms)
        if mine is None:
            return sp.simplify(expr) == 0
        if sp.expand(value) != 0:
            reached_here = sp.And(mine, *[sp.Not(c) for c in earlier])
            if _satisfiable(reached_here):
                return sp.simplify(expr) == 0
        earlier.append(mine)
    return True


def prove_no_cropping_products(substitute: Callable | None = None) -> tuple[bool, list[str]]:
    """Symbolic proof that ``T = in·K`` when ``p = 0``, decided by SymPy after the floor
    lemmas of :func:`apply_floor_lemmas`.

    For every tap ``0 ≤ k ≤ K − 1``: the low end ``max(0, −⌊k·d/s⌋)`` is 0 (``k ≥ 0``); with
    ``u = K − 1 − k ≥ 0`` the high end ``min(in − 1, ⌊((in − 1)·s + d·u + op)/s⌋)`` is
    ``in − 1``. So each of the K terms is ``in`` and the sum is ``in·K``.

    ``substitute``: as in :func:`prove_no_cropping_reached` (by default the ends are built
    and substituted without SymPy's ``Max``/``Min`` search, and when that does not
    conclude, the proof again with SymPy's constructors and ``xreplace``).

    Returns ``(holds, steps)``: the verdict and what each step reduced to.
    """
    if substitute is None:
        holds, steps = prove_no_cropping_products(_substitute)
        return (holds, steps) if holds else prove_no_cropping_products(_xreplace)
    a = axis_symbols("")
    u = sp.Symbol("u", integer=True, nonnegative=True)
    build = _quickly if substitute is _substitute else (lambda f, *args: f(*args))
    low_end = substitute(build(tap_low, a), {a.p: 0})
    high_end = substitute(build(tap_high, a, a.K - 1 - u), {a.p: 0})
    low, low_notes = apply_floor_lemmas(low_end)
    high, high_notes = apply_floor_lemmas(high_end)
    steps = [f"low end, p = 0, k >= 0: {low_end} -> {low}", *low_notes,
             f"high end, p = 0, k = K - 1 - u, u >= 0: {high_end} -> {high}", *high_notes]
    term = sp.Max(0, high - low + 1)
    total = sp.Sum(term, (a.k, 0, a.K - 1)).doit()
    steps += [f"each term: {term}", f"sum over the K taps: {total}"]
    holds = low == 0 and _is_zero(high - (a.in_ - 1)) and _is_zero(total - a.in_ * a.K)
    return bool(holds), steps


def _xreplace(expr: sp.Basic, mapping: Mapping) -> sp.Basic:
    return expr.xreplace(mapping)


def _dominance_pruned(cls, args) -> sp.Expr:
    """``cls(*args)`` (``sp.Max`` or ``sp.Min``) as :func:`_quick` builds it, then without each
    argument another one bounds for every value of the symbols (``Max``: ``b − a`` decided
    non-negative by SymPy's assumptions, ``Min``: ``a − b``; of two equal ones the first
    stays): the same value, an exact rewrite. SymPy's own search (``_find_localzeros``)
    decides the same comparisons through ``factor_terms``, at several times the cost."""
    e = _quick(cls, *args)
    if not isinstance(e, (sp.Max, sp.Min)):
        return e
    keep = []
    for i, a in enumerate(e.args):
        for j, b in enumerate(e.args):
            if i == j:
                continue
            diff = b - a if cls is sp.Max else a - b
            if diff.is_nonnegative and (diff.is_positive or j < i
                                        or not (-diff).is_nonnegative):
                break  # a is never the extreme one (or equals an earlier one)
        else:
            keep.append(a)
    return _quick(cls, *keep)


def _substitute(expr: sp.Basic, mapping: Mapping) -> sp.Basic:
    """``expr.xreplace(mapping)``, each ``Max``/``Min`` it changes rebuilt by
    :func:`_dominance_pruned` instead of SymPy's constructor (the other nodes by theirs)."""
    memo: dict[sp.Basic, sp.Basic] = {}

    def rebuild(e: sp.Basic) -> sp.Basic:
        if e in memo:
            return memo[e]
        if e in mapping:
            out = mapping[e]
        elif not e.args:
            out = e
        else:
            args = [rebuild(arg) for arg in e.args]
            if all(x is y for x, y in zip(args, e.args)):
                out = e
            elif isinstance(e, (sp.Max, sp.Min)):
                out = _dominance_pruned(type(e), args)
            else:
                out = e.func(*args)
        memo[e] = out
        return out

    return rebuild(expr)


def prove_no_cropping_reached(substitute: Callable | None = None) -> tuple[bool, list[str]]:
    """Symbolic proof that ``R = min(K, q)·in + max(0, K − q)·min(in, d′)`` when ``p = 0``.

    With ``p = 0`` the ends are ``low_k = 0`` and ``high_k = in − 1`` (as in
    :func:`prove_no_cropping_products`). A tap ``k < q`` then adds ``in`` positions; a tap
    ``k ≥ q`` adds ``in − max(0, in − d′)``, which SymPy decides equal to ``min(in, d′)``
    (``d′ ≥ 1``, through the piecewise form of max/min). The taps ``0 ≤ k ≤ K − 1`` with
    ``k < q`` are exactly the first ``m = min(K, q)``, so the sum splits at ``m`` into two sums
    of constants, and ``K − min(K, q) = max(0, K − q)`` is decided the same way.

    ``substitute(expr, mapping)`` does each substitution of the proof; by default
    :func:`_substitute` (SymPy's ``xreplace`` without its costliest search, tested to give
    the same expressions here), and when that does not conclude, the proof again with
    ``xreplace`` itself.

    Returns ``(holds, steps)``.
    """
    if substitute is None:
        holds, steps = prove_no_cropping_reached(_substitute)
        return (holds, steps) if holds else prove_no_cropping_reached(_xreplace)
    a = axis_symbols("")
    q = sp.Symbol("q", integer=True, positive=True)
    x = sp.Symbol("x", integer=True, positive=True)  # d' = d/gcd(s, d) >= 1
    u = sp.Symbol("u", integer=True, nonnegative=True)
    # the summand of reached() itself, at p = 0, with q and d' named
    summand = substitute(substitute(reached(a).function, {a.p: 0}), {period(a): q, shift(a): x})
    steps = [f"summand at p = 0: {summand}"]
    # each remaining floor, by the floor lemmas: over k >= 0, or over u = K - 1 - k >= 0
    replace = {}
    for node in [n for n in sp.preorder_traversal(summand) if isinstance(n, FloorDiv)]:
        for form in (node, substitute(node, {a.k: a.K - 1 - u})):
            value, notes = apply_floor_lemmas(form)
            if not any(isinstance(n, FloorDiv) for n in sp.preorder_traversal(value)):
                replace[node] = value
                steps += notes
                break
    summand = substitute(summand, replace)
    branches = {str(cond): expr for expr, cond in summand.args} \
        if isinstance(summand, sp.Piecewise) else {}
    early = branches.get(str(a.k < q), sp.nan)
    late = branches.get("True", sp.nan)
    late_ok = _is_zero((late - sp.Min(a.in_, x)).rewrite(sp.Piecewise))
    steps += [f"tap k < q adds {early}",
              f"tap k >= q adds {late} = Min(L_in, d') (decided: {late_ok})"]
    m = sp.Min(a.K, q)
    total = (sp.Sum(early, (a.k, 0, m - 1)).doit()
             + sp.Sum(sp.Min(a.in_, x), (a.k, m, a.K - 1)).doit())
    claimed = sp.Min(a.K, q) * a.in_ + sp.Max(0, a.K - q) * sp.Min(a.in_, x)
    total_ok = _is_zero((total - claimed).rewrite(sp.Piecewise))
    steps += [f"split at m = min(K, q): {total}",
              f"equals {claimed} (decided: {total_ok}), with q = s/gcd(s, d), d' = d/gcd(s, d)"]
    return bool(early == a.in_ and late_ok and total_ok), steps


# --- totals: n dimensions -------------------------------------------------------------

#: Symbols of the per-dimension products: T = ∏ T_a and R = ∏ R_a.
T_SYM = sp.Symbol("T", **_NONNEG)
R_SYM = sp.Symbol("R", **_NONNEG)
IN_PROD = sp.Symbol("P_in", **_SIZE)     # ∏ in_a
K_PROD = sp.Symbol("K_prod", **_SIZE)    # ∏ K_a

#: The quantities a transposed convolution layer evaluates, by name.
QUANTITIES = ("ops", "ops_bias", "ops_no_bias", "macs", "bias_additions", "scatter_products",
              "flop_counter")


def totals(T: sp.Expr = T_SYM, R: sp.Expr = R_SYM, in_prod: sp.Expr = IN_PROD,
           k_prod: sp.Expr = K_PROD) -> dict[str, sp.Expr]:
    """The whole-layer counts from T = ∏ T_a, R = ∏ R_a, ∏ in_a and ∏ K_a."""
    b = BIAS
    ops = N * C_out * (2 * (C_in / G) * T - R + b * R)
    scatter = N * in_prod * k_prod * C_in * (C_out / G)
    return {
        "ops": ops,
        "ops_bias": ops.xreplace({b: 1}),
        "ops_no_bias": ops.xreplace({b: 0}),
        "macs": N * C_out * (C_in / G) * T,
        "bias_additions": N * C_out * R,
        "scatter_products": scatter,
        "flop_counter": 2 * scatter,
    }


def layer_totals(axes: Sequence[str]) -> dict[str, sp.Expr]:
    """The counts of a layer over ``axes`` with T, R, ∏in, ∏K spelled out as products of the
    per-dimension expressions (``("",)`` for ConvTranspose1d)."""
    dims = [axis_symbols(name) for name in axes]
    return {
        "output_size": tuple(output_size(a) for a in dims),
        **totals(sp.Mul(*(products(a) for a in dims)), sp.Mul(*(reached(a) for a in dims)),
                 sp.Mul(*(a.in_ for a in dims)), sp.Mul(*(a.K for a in dims))),
    }


def _total_identities() -> tuple[tuple[str, sp.Expr, sp.Expr], ...]:
    q = totals()
    a = axis_symbols("")
    return (
        ("bias count = 2 MACs", q["ops_bias"], 2 * q["macs"]),
        ("no-bias count = 2 MACs - bias additions", q["ops_no_bias"],
         2 * q["macs"] - q["bias_additions"]),
        ("bias - no bias = one addition per reached output element",
         q["ops_bias"] - q["ops_no_bias"], q["bias_additions"]),
        ("FlopCounterMode = 2 scatter products", q["flop_counter"], 2 * q["scatter_products"]),
        ("no cropping: MACs = scatter products (T = P_in K_prod)",
         q["macs"].xreplace({T_SYM: IN_PROD * K_PROD}), q["scatter_products"]),
        ("no cropping, 1-d: T = in K gives MACs = scatter products",
         totals(a.in_ * a.K, R_SYM, a.in_, a.K)["macs"],
         totals(a.in_ * a.K, R_SYM, a.in_, a.K)["scatter_products"]),
        ("no collisions (R = T): ops = N C_out T (2 C_in/G - 1 + b)",
         q["ops"].xreplace({R_SYM: T_SYM}), N * C_out * T_SYM * (2 * C_in / G - 1 + BIAS)),
        ("forward convolution (t_j = K_prod at every position): the Conv family count",
         q["ops"].xreplace({T_SYM: R_SYM * K_PROD}),
         N * (C_in * C_out / G * R_SYM * (2 * K_PROD - 1) + C_out * R_SYM * (C_in / G - 1 + BIAS))),
    )


_total_identities = lru_cache(maxsize=None)(_total_identities)


def __getattr__(name: str) -> Any:
    """``FORMS``, ``WRONG_FORMS`` and ``TOTAL_IDENTITIES`` (identities between the totals,
    decided exactly by :func:`symconv.proof.prove_transposed_totals`), built on first use."""
    if name == "FORMS":
        return _forms()[0]
    if name == "WRONG_FORMS":
        return _forms()[1]
    if name == "TOTAL_IDENTITIES":
        return _total_identities()
    if name in ("CONV_TRANSPOSE1D", "CONV_TRANSPOSE2D", "CONV_TRANSPOSE3D"):
        return _spec(int(name[-2]))
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@lru_cache(maxsize=None)
def _total_functions() -> dict[str, Callable[..., int]]:
    """Each total as an exact function of ``(N, G, c, o, b, T, R, P_in, K_prod)``."""
    from .conv1d import integer_form

    args = (N, G, c, o, BIAS, T_SYM, R_SYM, IN_PROD, K_PROD)
    return {name: _compile(integer_form(expr), args) for name, expr in totals().items()}


# --- validation: PyTorch's rules --------------------------------------------------------

#: One entry per class of invalid input: key -> the rule, as users read it.
RULES: dict[str, str] = {
    "type": "sizes, padding and output_padding are integers",
    "positive": "sizes are positive integers (>= 1)",
    "padding_negative": "padding is an integer >= 0 (PyTorch: negative padding is not supported)",
    "padding_string": ("transposed convolutions take no padding='same' or 'valid' "
                       "(PyTorch rule); padding is an integer >= 0"),
    "output_padding_negative": "output_padding is an integer >= 0",
    "output_padding_too_large": ("output_padding[i] must be smaller than max(stride[i], "
                                 "dilation[i]) (PyTorch rule)"),
    "output_too_small": ("the output size (in-1)*stride - 2*padding + dilation*(kernel_size-1) "
                         "+ output_padding + 1 must be >= 1 in every dimension (PyTorch rule)"),
    "groups_in": "groups must divide in_channels",
    "groups_out": "groups must divide out_channels",
    "tuple_length": ("input_size is a tuple of one size per spatial dimension; kernel_size, "
                     "stride, padding, output_padding and dilation are an int or such a tuple"),
    "bias_type": "bias is True or False (or 0 or 1)",
}


def _error(cls: type[Exception], rule: str, message: str) -> Exception:
    exc = cls(f"{message}: {RULES[rule]}")
    exc.rule = rule  # type: ignore[attr-defined]
    return exc


def _is_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return True
    dtype = getattr(value, "dtype", None)
    return dtype is not None and (getattr(dtype, "kind", None) == "b"
                                  or str(dtype).endswith("bool"))


def _int(name: str, value: Any) -> int:
    if isinstance(value, str):
        if name == "padding":
            raise _error(ValueError, "padding_string", f"padding={value!r}")
        raise _error(TypeError, "type", f"{name}={value!r} is a string, not an integer")
    if _is_bool(value) or not hasattr(type(value), "__index__"):
        raise _error(TypeError, "type",
                     f"{name}={value!r} ({type(value).__name__} is not an integer)")
    return operator.index(value)


def _per_dim(name: str, value: Any, n: int, minimum: int, rule: str, sizes: bool = False
             ) -> tuple[int, ...]:
    """An int (the same in every dimension; not for ``input_size`` of a 2-d/3-d layer) or a
    tuple of ``n`` ints (a 1-tuple for the 1-d layer, as ``nn.ConvTranspose1d`` stores them),
    each ``>= minimum``."""
    if isinstance(value, (tuple, list)):
        if len(value) != n:
            raise _error(TypeError, "tuple_length",
                         f"{name}={tuple(value)!r} has {len(value)} value"
                         f"{'s' if len(value) != 1 else ''} for {n} spatial "
                         f"dimension{'s' if n != 1 else ''}")
        items = tuple(_int(name, item) for item in value)
    elif sizes and n > 1:
        raise _error(TypeError, "tuple_length",
                     f"{name}={value!r} is not a tuple of {n} sizes")
    else:
        items = (_int(name, value),) * n
    for index, item in enumerate(items):
        if item < minimum:
            where = f"{name}[{index}]={item}" if n > 1 else f"{name}={item}"
            raise _error(ValueError, rule, where)
    return items


def _positive(name: str, value: Any) -> int:
    v = _int(name, value)
    if v < 1:
        raise _error(ValueError, "positive", f"{name}={v}")
    return v


def validate(dims: int, batch_size: Any, in_channels: Any, out_channels: Any, input_size: Any,
             kernel_size: Any, stride: Any = 1, padding: Any = 0, output_padding: Any = 0,
             dilation: Any = 1, groups: Any = 1, bias: Any = True) -> dict[str, Any]:
    """PyTorch's rules for ConvTranspose{dims}d; the parameters normalized.

    ``batch_size=None`` is unbatched input (counts as 1); ``in_channels`` / ``out_channels``
    / ``groups`` may be None when only the output size is asked for.

    Raises:
        TypeError, ValueError: naming the parameter, its value and the rule (``.rule`` is
            the key of :data:`RULES`).
    """
    out: dict[str, Any] = {}
    out["batch_size"] = 1 if batch_size is None else _positive("batch_size", batch_size)
    for name, value in (("in_channels", in_channels), ("out_channels", out_channels),
                        ("groups", groups)):
        out[name] = None if value is None else _positive(name, value)
    sizes_name = "input_length" if dims == 1 else "input_size"
    if dims == 1 and isinstance(input_size, (tuple, list)):
        raise _error(TypeError, "type", f"input_length={input_size!r} is not an integer")
    out["input_size"] = _per_dim(sizes_name, input_size, dims, 1, "positive", sizes=True)
    out["kernel_size"] = _per_dim("kernel_size", kernel_size, dims, 1, "positive")
    out["stride"] = _per_dim("stride", stride, dims, 1, "positive")
    out["dilation"] = _per_dim("dilation", dilation, dims, 1, "positive")
    out["padding"] = _per_dim("padding", padding, dims, 0, "padding_negative")
    out["output_padding"] = _per_dim("output_padding", output_padding, dims, 0,
                                     "output_padding_negative")
    bias_ok = _is_bool(bias) or (hasattr(type(bias), "__index__")
                                 and operator.index(bias) in (0, 1))
    if not bias_ok:
        raise _error(TypeError, "bias_type", f"bias={bias!r}")
    out["bias"] = bool(bias)
    if out["groups"] is not None:
        g = out["groups"]
        if out["in_channels"] is not None and out["in_channels"] % g:
            raise _error(ValueError, "groups_in",
                         f"in_channels={out['in_channels']} is not divisible by groups={g}")
        if out["out_channels"] is not None and out["out_channels"] % g:
            raise _error(ValueError, "groups_out",
                         f"out_channels={out['out_channels']} is not divisible by groups={g}")
    f = _axis_functions()["output_size"]
    sizes = []
    for index, (i, k, s, p, op, d) in enumerate(zip(out["input_size"], out["kernel_size"],
                                                    out["stride"], out["padding"],
                                                    out["output_padding"], out["dilation"])):
        where = f"[{index}]" if dims > 1 else ""
        if op >= max(s, d):
            raise _error(ValueError, "output_padding_too_large",
                         f"output_padding{where}={op} with stride{where}={s} and "
                         f"dilation{where}={d}")
        size = f(i, k, s, p, op, d)
        if size < 1:
            raise _error(ValueError, "output_too_small",
                         f"output size {size}{' in dimension ' + str(index) if dims > 1 else ''}"
                         f" from {sizes_name}{where}={i}, kernel_size{where}={k}, "
                         f"stride{where}={s}, padding{where}={p}, output_padding{where}={op}, "
                         f"dilation{where}={d}")
        sizes.append(size)
    out["output_size"] = tuple(sizes)
    return out


def _require_channels(v: dict[str, Any]) -> dict[str, Any]:
    """``v`` of :func:`validate` once the channels and groups a count needs are given
    (:func:`validate` lets them be None for an output size alone)."""
    for name in ("in_channels", "out_channels", "groups"):
        if v[name] is None:
            raise _error(TypeError, "type", f"{name}=None is not an integer")
    return v


# --- the public evaluators --------------------------------------------------------------

def conv_transpose_quantities(dims: int, batch_size: Any, in_channels: Any, out_channels: Any,
                              input_size: Any, kernel_size: Any, stride: Any = 1,
                              padding: Any = 0, output_padding: Any = 0, dilation: Any = 1,
                              groups: Any = 1, bias: Any = True) -> dict[str, Any]:
    """Every quantity of a ConvTranspose{dims}d configuration, exact ints, by name.

    Keys: ``output_size`` (tuple), ``products`` (T = ∏ T_a), ``reached`` (R = ∏ R_a),
    per-dimension ``products_per_dim`` / ``reached_per_dim``, and :data:`QUANTITIES`
    (``ops`` is symconv's count for the given ``bias``).
    """
    v = _require_channels(validate(dims, batch_size, in_channels, out_channels, input_size,
                                   kernel_size, stride, padding, output_padding, dilation,
                                   groups, bias))
    per = [axis_counts(*args) for args in zip(v["input_size"], v["kernel_size"], v["stride"],
                                              v["padding"], v["output_padding"], v["dilation"])]
    T = math.prod(t for _, t, _ in per)
    R = math.prod(r for _, _, r in per)
    g = v["groups"]
    args = (v["batch_size"], g, v["in_channels"] // g, v["out_channels"] // g, int(v["bias"]),
            T, R, math.prod(v["input_size"]), math.prod(v["kernel_size"]))
    result: dict[str, Any] = {
        "output_size": v["output_size"], "products": T, "reached": R,
        "products_per_dim": tuple(t for _, t, _ in per),
        "reached_per_dim": tuple(r for _, _, r in per),
    }
    result.update({name: f(*args) for name, f in _total_functions().items()})
    return result


def conv_transpose1d_ops(batch_size: int | None, in_channels: int, out_channels: int,
                         input_length: int, kernel_size: int, stride: int = 1, padding: int = 0,
                         output_padding: int = 0, dilation: int = 1, groups: int = 1,
                         bias: bool = True) -> int:
    """symconv's count of ``torch.nn.ConvTranspose1d``: every multiplication and addition of
    a direct implementation computing only the output elements (bias additions included when
    ``bias``), for the batch (``batch_size=None``: unbatched, counts as 1). Exact, O(K)."""
    return conv_transpose_quantities(1, batch_size, in_channels, out_channels, input_length,
                                     kernel_size, stride, padding, output_padding, dilation,
                                     groups, bias)["ops"]


def conv_transpose1d_output_length(input_length: int, kernel_size: int, stride: int = 1,
                                   padding: int = 0, output_padding: int = 0,
                                   dilation: int = 1) -> int:
    """PyTorch's output length of ``ConvTranspose1d`` (its rules checked)."""
    return validate(1, None, None, None, input_length, kernel_size, stride, padding,
                    output_padding, dilation, None)["output_size"][0]


def _nd_ops(dims: int):
    def ops(batch_size: int | None, in_channels: int, out_channels: int,
            input_size: Sequence[int], kernel_size: int | Sequence[int],
            stride: int | Sequence[int] = 1, padding: int | Sequence[int] = 0,
            output_padding: int | Sequence[int] = 0, dilation: int | Sequence[int] = 1,
            groups: int = 1, bias: bool = True) -> int:
        return conv_transpose_quantities(dims, batch_size, in_channels, out_channels,
                                         input_size, kernel_size, stride, padding,
                                         output_padding, dilation, groups, bias)["ops"]

    def size(input_size: Sequence[int], kernel_size: int | Sequence[int],
             stride: int | Sequence[int] = 1, padding: int | Sequence[int] = 0,
             output_padding: int | Sequence[int] = 0,
             dilation: int | Sequence[int] = 1) -> tuple[int, ...]:
        return validate(dims, None, None, None, input_size, kernel_size, stride, padding,
                        output_padding, dilation, None)["output_size"]

    ops.__name__ = ops.__qualname__ = f"conv_transpose{dims}d_ops"
    size.__name__ = size.__qualname__ = f"conv_transpose{dims}d_output_size"
    ops.__doc__ = (f"symconv's count of ``torch.nn.ConvTranspose{dims}d`` (``input_size`` a "
                   f"tuple of {dims} sizes); see :func:`conv_transpose1d_ops`.")
    size.__doc__ = f"PyTorch's output size of ``ConvTranspose{dims}d`` (its rules checked)."
    return ops, size


conv_transpose2d_ops, conv_transpose2d_output_size = _nd_ops(2)
conv_transpose3d_ops, conv_transpose3d_output_size = _nd_ops(3)


# --- the layer specifications (symconv.registry) -------------------------------------------

def convention_text(bias: bool | None = None) -> str:
    """symconv's convention for a transposed convolution, in words true for the count at hand
    (``bias`` True, False, or None for a text covering both, as
    :func:`symconv.conv1d.convention_text`)."""
    base = ("moduleprofiler ops: every multiplication and addition of a direct implementation "
            "computing only the output elements (cropped products not computed)")
    if bias is None:
        return base + ", bias additions counted where a layer has a bias"
    return base + (", bias additions included" if bias else ", no bias (the layer has none)")


#: The axes of each transposed layer: ConvTranspose1d's one dimension has the symbols of
#: ``axis_symbols("")`` (L_in, K, s, p, op, d) and is called L, as Conv1d's.
_AXES = {1: ("",), 2: ("H", "W"), 3: ("D", "H", "W")}
_AXIS_WORDS = {"": "length", "D": "depth", "H": "height", "W": "width"}


def symbol_axes(spec) -> tuple[str, ...]:
    """The names :func:`axis_symbols` takes for the dimensions of a transposed layer's
    specification: its axes, but a one-dimensional layer's single axis (called L) is ``""``,
    whose symbols are L_in, K, s, p, op, d."""
    return ("",) if spec.dims == 1 else tuple(spec.axes)


def _count_symbols(axis: str) -> tuple[sp.Symbol, sp.Symbol]:
    """``(T_a, R_a)``: the products that land and the positions reached along one axis."""
    if not axis:
        return T_SYM, R_SYM
    return sp.Symbol(f"T_{axis}", **_NONNEG), sp.Symbol(f"R_{axis}", **_NONNEG)


def _spec_notation(dims: int, ops: sp.Symbol, title: str) -> dict:
    from .symbols import INFO, SymbolInfo

    info = {sym: i for sym, i in INFO.items() if sym in (N, C_in, C_out, G, c, o)}
    axes = _AXES[dims]
    for index, name in enumerate(axes):
        a = axis_symbols(name)
        word = _AXIS_WORDS[name]
        letter = name or "L"
        torch_index = "" if dims == 1 else f"[{index}]"
        sub = f"_{name}" if name else ""
        sub_tex = f"_{{{name}}}" if name else ""
        info[a.in_] = SymbolInfo(a.in_, f"input {word}", f"x.size({index - dims})",
                                 rf"{letter}_{{\text{{in}}}}", rf"{letter}_{{\text{{in}}}}",
                                 f"{letter}_in")
        info[a.out] = SymbolInfo(a.out, f"output {word}", f"y.size({index - dims})",
                                 rf"{letter}_{{\text{{out}}}}", rf"{letter}_{{\text{{out}}}}",
                                 f"{letter}_out")
        for sym, torch_name, meaning, short in (
                (a.K, "kernel_size", f"kernel {word}", "K"),
                (a.s, "stride", f"step between input positions on the output {word}", "s"),
                (a.p, "padding", f"positions cropped from each end of the {word}", "p"),
                (a.op, "output_padding", f"positions appended to the end of the {word}", "op"),
                (a.d, "dilation", f"spacing between kernel taps along the {word}", "d")):
            escaped = torch_name.replace("_", r"\_")
            info[sym] = SymbolInfo(sym, meaning, f"{torch_name}{torch_index}",
                                   rf"\text{{{escaped}}}{torch_index}",
                                   rf"\text{{{short}}}{sub_tex}" if short == "op"
                                   else f"{short}{sub_tex}", f"{short}{sub}")
        t_sym, r_sym = _count_symbols(name)
        info[t_sym] = SymbolInfo(t_sym, f"(input position, tap) pairs that land in the output "
                                        f"{word}", "", f"T{sub_tex}", f"T{sub_tex}", f"T{sub}")
        info[r_sym] = SymbolInfo(r_sym, f"output positions of the {word} reached by a pair", "",
                                 f"R{sub_tex}", f"R{sub_tex}", f"R{sub}")
    info[BIAS] = SymbolInfo(BIAS, "1 with a bias vector, 0 without", "bias", "b", "b", "b")
    info[ops] = SymbolInfo(ops, "total operations", "", rf"\text{{{title}}}_{{\text{{ops}}}}",
                           rf"\text{{{title}}}_{{\text{{ops}}}}", f"{title}_ops")
    return info


def build_spec(dims: int):
    """The :class:`~symconv.spec.LayerSpec` of ``torch.nn.ConvTranspose{dims}d``.

    Quantities are expressions of the per-dimension symbols ``T_a`` (products that land) and
    ``R_a`` (positions reached), which :attr:`~symconv.spec.LayerSpec.definitions` defines as
    the tap sums :func:`products` and :func:`reached`; the totals are those of
    :func:`totals` with ``T = ∏ T_a``, ``R = ∏ R_a`` (the n-d product argument of the module
    docstring). What ``symconv prove`` decides: the derivation chains and
    :data:`TOTAL_IDENTITIES` over these symbols (exactly, for every value of T_a and R_a),
    the integrality of every count, and the closed forms of T and R (the check
    ``"transposed forms"``: :func:`symconv.proof.prove_transposed_forms`).
    """
    from .derivation import Chain, Derivation, Step, dadd, dfrac, dmul
    from .spec import Identity, Integrality, LayerSpec, Parameter, Sampler, step_identities

    if dims not in _AXES:
        raise ValueError(f"dims must be 1, 2 or 3, got {dims!r}")
    title = f"ConvTranspose{dims}d"
    name = f"conv_transpose{dims}d"
    axes = [axis_symbols(a) for a in _AXES[dims]]
    axis_names = tuple(a or "L" for a in _AXES[dims])
    counts = [_count_symbols(a) for a in _AXES[dims]]
    ts, rs = tuple(t for t, _ in counts), tuple(r for _, r in counts)
    b = BIAS
    ops = sp.Symbol(f"{title}_ops", integer=True, nonnegative=True)
    in_prod = sp.Mul(*(a.in_ for a in axes))
    k_prod = sp.Mul(*(a.K for a in axes))
    T, R = sp.Mul(*ts), sp.Mul(*rs)
    q = totals(T, R, in_prod, k_prod)
    quantities = {
        **q,
        "products": T, "reached": R,
        "parameters": C_in * (C_out / G) * k_prod + b * C_out,
        "output_positions": sp.Mul(*(a.out for a in axes)),
    }
    definitions = {}
    for a, t, r in zip(axes, ts, rs):
        definitions[t] = products(a)
        definitions[r] = reached(a)

    def display(*factors):
        return factors[0] if len(factors) == 1 else dmul(*factors)

    Td, Rd = display(*ts), display(*rs)
    steps = []
    for a, axis in zip(axes, _AXES[dims]):
        word = _AXIS_WORDS[axis]
        steps.append(Step(f"output_{word}", f"Output {word}", a.out, output_size(a),
                          "PyTorch's output size: each input position spreads the dilated "
                          "kernel; padding crops p from each end, output_padding appends op."))
    for a, axis, t, r in zip(axes, _AXES[dims], ts, rs):
        word = _AXIS_WORDS[axis]
        steps.append(Step(f"products_{word}", f"Products that land ({word})", t, products(a),
                          "Tap k times input i lands on i s + k d - p; per tap the inputs "
                          "landing in [0, out) are a run of consecutive i."))
        steps.append(Step(f"reached_{word}", f"Positions reached ({word})", r, reached(a),
                          "Taps k and k + q (q = s/gcd(s, d)) meet; each tap adds the positions "
                          "no earlier tap of its residue class reaches, cropped to the window."))
    n_words = " · ".join(str(t) for t in ts)
    chain_bias = Chain("bias", "Total operations with bias", (
        Step("total_bias", "Total operations", ops,
             dmul(N, C_out, dadd(dmul(2, dfrac(C_in, G), Td), -Rd, Rd)),
             "Per output element reached: (C_in/G) t_j products, (C_in/G) t_j - 1 additions "
             "and the bias; summed over the reached elements of every channel and sample."),
        Step("summary_bias", "Summary (bias)", ops, dmul(2, N, C_out, dfrac(C_in, G), Td),
             "The bias addition cancels the -1 of each reached element: twice the MACs."),
    ))
    chain_no_bias = Chain("no_bias", "Total operations without bias", (
        Step("total_no_bias", "Total operations", ops,
             dmul(N, C_out, dadd(dmul(2, dfrac(C_in, G), Td), -Rd)),
             "Per output element reached: (C_in/G) t_j products and one addition fewer."),
        Step("summary_no_bias", "Summary (no bias)", ops,
             dadd(dmul(2, N, C_out, dfrac(C_in, G), Td), -dmul(N, C_out, Rd)),
             f"Twice the MACs minus one addition per reached output element ({n_words} "
             "multiply over the dimensions: a pair lands on a multi-index iff each component "
             "lands)."),
    ))
    derivation = Derivation(name, tuple(steps), (chain_bias, chain_no_bias),
                            _spec_notation(dims, ops, title))

    identities = step_identities(Derivation(name, (), derivation.chains))
    identities += [
        Identity("chain (bias) = ops with bias", "the bias chain ends at the layer's count, b = 1",
                 chain_bias.steps[-1].canonical(), q["ops_bias"]),
        Identity("chain (no bias) = ops without bias",
                 "the no-bias chain ends at the layer's count, b = 0",
                 chain_no_bias.steps[-1].canonical(), q["ops_no_bias"]),
    ]
    for label, lhs, rhs in _total_identities():
        subs = {T_SYM: T, R_SYM: R, IN_PROD: in_prod, K_PROD: k_prod}
        if "1-d" in label:
            if dims != 1:
                continue
        identities.append(Identity(label, label, lhs.xreplace(subs), rhs.xreplace(subs)))
    no_crop = {t: a.in_ * a.K for a, t in zip(axes, ts)}
    identities.append(Identity(
        "no cropping in any dimension: MACs = scatter products",
        "with every padding 0, T_a = in_a K_a (form 'T, no cropping') and the gather MACs "
        "equal the scatter products", q["macs"].xreplace(no_crop), q["scatter_products"]))
    integrality = tuple(
        Integrality(f"{key} is an integer",
                    f"with C_in = G c, C_out = G o, {key} is an integer polynomial", expr)
        for key, expr in quantities.items() if key not in ("output_positions",))

    def per_dim(attr: str) -> tuple[sp.Symbol, ...]:
        return tuple(getattr(a, attr) for a in axes)

    size_name = "input_length" if dims == 1 else "input_size"
    parameters = (
        Parameter("batch_size", (N,), "batch", meaning="batch size (None: unbatched, counts as 1)"),
        Parameter("in_channels", (C_in,), "channels", meaning="input channels"),
        Parameter("out_channels", (C_out,), "channels", meaning="output channels"),
        Parameter(size_name, per_dim("in_"), "size", per_dimension=dims > 1,
                  meaning="input length" if dims == 1
                  else f"input size ({', '.join(axis_names)})"),
        Parameter("kernel_size", per_dim("K"), "size", per_dimension=True, meaning="kernel size"),
        Parameter("stride", per_dim("s"), "size", per_dimension=True, default=1,
                  meaning="step between input positions on the output"),
        Parameter("padding", per_dim("p"), "padding", per_dimension=True, default=0,
                  meaning="positions cropped from each end of the output (no 'same'/'valid')"),
        Parameter("output_padding", per_dim("op"), "output_padding", per_dimension=True,
                  default=0, meaning="positions appended to one end of the output"),
        Parameter("dilation", per_dim("d"), "size", per_dimension=True, default=1,
                  meaning="spacing between kernel taps"),
        Parameter("groups", (G,), "groups", default=1, meaning="channel groups"),
        Parameter("bias", (b,), "bias", default=True, meaning="learnable bias"),
    )
    sampler = Sampler(divides=((G, C_in), (G, C_out)),
                      nonnegative=frozenset(per_dim("p") + per_dim("op") + ts + rs),
                      binary=frozenset({b}))
    return LayerSpec(
        name=name, torch_class=f"torch.nn.{title}", title=title, dims=dims, axes=axis_names,
        parameters=parameters, input_sizes=per_dim("in_"), output_sizes=per_dim("out"),
        output_size=tuple(output_size(a) for a in axes), output_size_same=(), bias=b,
        quantities=quantities, derivation=derivation, identities=tuple(identities),
        integrality=integrality, sampler=sampler, notation=_spec_notation(dims, ops, title),
        family="transposed", definitions=definitions, checks=("transposed forms",))


@lru_cache(maxsize=None)
def _spec(dims: int):
    """``torch.nn.ConvTranspose{dims}d`` as a registered layer (``CONV_TRANSPOSE1D``, ``2D``,
    ``3D``): built on first use, once."""
    return build_spec(dims)
