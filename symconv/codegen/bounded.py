"""The C batch's bounded path, proved: plain int64 arithmetic and 32-bit divisions for rows
within bounds, with an interval-arithmetic proof at generation time that nothing printed there
overflows (:func:`bounded_path`; used by every forward layer's C evaluator)."""

from __future__ import annotations

import sympy as sp

from ..functions import FloorDiv
from ..printing.code import plain_c_code
from .common import _INT64

__all__ = ["FAST_LIMIT_BITS", "bounded_path", "interval"]


#: The C batch takes its bounded path for rows whose sizes are in [1, 2**bits] and padding in
#: [0, 2**bits), for the largest bits <= FAST_LIMIT_BITS the proof below holds for (30 for the
#: Conv1d expressions): every floor division there has 32-bit unsigned operands.
FAST_LIMIT_BITS = 30
_UINT32_MAX = 2**32 - 1


def interval(expr: sp.Expr, ranges: dict, rules: dict | None = None) -> tuple[int, int]:
    """Interval of ``expr`` over ``ranges`` (symbol -> (lo, hi), exact ints); raises
    ``AssertionError`` if any subexpression can leave int64.

    Integers, symbols, sums and products are evaluated here; a floor division must have a
    numerator in [0, 2**32) and a divisor in [1, 2**32) (the bounded paths print it as an
    unsigned 32-bit division). ``rules`` maps other node types to ``rule(expr, recurse)``
    giving their interval (``recurse(e)`` is this function with the same ranges and rules),
    e.g. the transposed layers' Max, Min, Gcd and clipped sums
    (:mod:`symconv.codegen.transpose`); a node with no rule is refused.
    """
    def recurse(e: sp.Expr) -> tuple[int, int]:
        return interval(e, ranges, rules)

    if expr.is_Integer:
        lo = hi = int(expr)
    elif expr.is_Symbol:
        lo, hi = ranges[expr]
    elif expr.is_Add or expr.is_Mul:
        parts = [recurse(a) for a in expr.args]
        lo, hi = parts[0]
        for a, b in parts[1:]:
            if expr.is_Add:
                lo, hi = lo + a, hi + b
            else:
                corners = (lo * a, lo * b, hi * a, hi * b)
                lo, hi = min(corners), max(corners)
            if lo < _INT64[0] or hi > _INT64[1]:
                raise AssertionError(f"{expr} can leave int64 on the bounded path")
    elif isinstance(expr, FloorDiv):
        (a, b), (c, d) = (recurse(x) for x in expr.args)
        if not (0 <= a and b <= _UINT32_MAX and 1 <= c and d <= _UINT32_MAX):
            raise AssertionError(f"{expr}: operands can leave [0, 2**32) (divisor >= 1) "
                                 "on the bounded path")
        lo, hi = a // d, b // c
    elif rules and type(expr) in rules:
        lo, hi = rules[type(expr)](expr, recurse)
    else:
        raise AssertionError(f"no interval rule for {expr}")
    if lo < _INT64[0] or hi > _INT64[1]:
        raise AssertionError(f"{expr} can leave int64 on the bounded path")
    return lo, hi


def bounded_path(names: dict, per_group: dict, group_products, lengths,
                 labels: tuple[str, ...] | None = None) -> dict:
    """:func:`fast_path` of any layer: ``names`` maps each symbol to its C identifier (a
    padding's starts with ``padding``, the bias is ``b``), ``per_group`` each per-group quotient
    symbol to its ``FloorDiv``, ``group_products`` the (total, product) pairs of the groups
    rules, ``lengths`` each output size ``floor(numerator / s) + ...``.

    Returns ``limit_bits``; the plain C of ``per_group`` and ``products``; ``numerators``, a
    (name, plain C) pair per output size (``numerator`` for one, ``numerator_<label>`` for
    several, the label of ``labels`` or the index); ``lengths``, each output size in plain C of its numerator. Raises if no bound
    down to 2**8 makes the proof hold.
    """
    for bits in range(FAST_LIMIT_BITS, 7, -1):
        try:
            return _bounded_path(names, per_group, group_products, lengths, bits, labels)
        except AssertionError:
            continue
    raise AssertionError("no bounds make the batch's bounded path overflow-free")


def _bounded_path(names: dict, per_group: dict, group_products, lengths, bits: int,
                  labels: tuple[str, ...] | None = None) -> dict:
    """:func:`bounded_path` for the bound ``2**bits``; raises if the proof fails."""
    names = dict(names)
    limit = 2**bits

    def bound(name: str) -> tuple[int, int]:
        if name == "padding" or name.startswith("padding_"):
            return (0, limit - 1)
        return (0, 1) if name == "b" else (1, limit)

    ranges = {sym: bound(name) for sym, name in names.items()}
    for per, e in per_group.items():
        ranges[per] = interval(e, ranges)
    for _, product in group_products:
        interval(product, ranges)
    numerators, printed = [], []
    for index, length in enumerate(lengths):
        floors = [a for a in sp.preorder_traversal(length) if isinstance(a, FloorDiv)]
        if len(floors) != 1:
            raise ValueError(f"output size {length} has {len(floors)} floor divisions, not 1")
        floor = floors[0]
        label = labels[index] if labels else index
        name = "numerator" if len(lengths) == 1 else f"numerator_{label}"
        numerator = sp.Symbol(name, integer=True)
        names[numerator] = name
        lo, hi = interval(floor.args[0], ranges)
        ranges[numerator] = (0, hi)  # the bounded path requires a non-negative numerator
        reduced = length.xreplace({floor: FloorDiv(numerator, floor.args[1])})
        interval(reduced, ranges)
        numerators.append((name, plain_c_code(floor.args[0], names)))
        printed.append(plain_c_code(reduced, names))
    return {
        "limit_bits": bits,
        "per_group": [(names[sym], plain_c_code(e, names)) for sym, e in per_group.items()],
        "products": [(names[total], plain_c_code(product, names))
                     for total, product in group_products],
        "numerators": numerators,
        "lengths": printed,
    }
