"""What the Conv1d evaluators compute, as SymPy expressions taken from :mod:`symconv.conv1d`.

Nothing here retypes a formula: every expression is the model's own
(:data:`~symconv.conv1d.L_OUT`, :data:`~symconv.conv1d.L_OUT_SAME`,
:data:`~symconv.conv1d.OPS` through :func:`~symconv.conv1d.integer_form`),
transformed by SymPy and checked at import time.

Decisions:

* **The count is printed in its integer form, factored.**
  ``integer_form(OPS)`` substitutes ``C_in = G·c``, ``C_out = G·o`` and is a
  polynomial with integer coefficients (proved in :mod:`symconv.proof`), so
  the code divides nothing but the two exact quotients ``c = C_in // G``,
  ``o = C_out // G`` (exact because the groups rules are checked first).
  ``sympy.factor`` turns it into ``G·L_out·N·o·(2·K·c + b − 1)``: every
  factor is ≥ 1 for valid input, so every partial product is ≤ the count
  and fixed-width code reports overflow exactly when the count does not fit
  (the one exception: the partial sum ``2·K·c`` itself, one above the
  factor when ``b = 0``). The expanded form would overflow on its largest
  monomial before the subtraction.
* **The kernel rule is checked on the printed output length.** The rule
  "the dilated kernel d·(K−1)+1 fits in the padded input L_in + 2p" is
  ``L_OUT ≥ 1``: L_OUT's floor numerator is exactly ``padded − span``
  (checked below) and ``floor(n / s) ≥ 0 ⇔ n ≥ 0`` for ``s ≥ 1``. The
  evaluators compute L_out once and compare it with 1. ``SPAN`` and
  ``PADDED`` are printed for the error message of the exact evaluator, and
  in 128-bit C for the one case int64 cannot decide: when an intermediate of
  L_out overflows, C compares ``PADDED < SPAN`` exactly (the rule, not
  overflow, for a kernel that does not fit); the NumPy evaluator asks the
  exact evaluator about that row.
* **Status codes** are the keys of :data:`symconv.validation.RULES`, in
  order, numbered from 1, plus ``overflow`` last; messages are the rule
  texts at generation time.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .. import conv1d as m
from ..functions import FloorDiv
from ..registry import CONV1D as SPEC
from ..symbols import C_in, C_out, G, K, L_in, L_out, c, d, o, p, s
from ..validation import RULES, SIZE_PARAMETERS as _VALIDATED_SIZES

__all__ = ["NAMES", "PARAMETERS", "SIZE_PARAMETERS", "LENGTH_SIZES", "PER_GROUP", "LENGTH",
           "LENGTH_SAME", "OPS_INTEGER", "SPAN", "PADDED", "GROUP_PRODUCTS", "STATUSES",
           "OVERFLOW_MESSAGE", "Status", "Conv1dCode", "CONV1D"]

#: The parameters in PyTorch's order (the C functions' argument order), from the specification.
PARAMETERS: tuple[str, ...] = SPEC.parameter_names
#: Identifier of each symbol in generated code: the specification's parameter names (PyTorch's),
#: ``b`` for the bias indicator, and the code's own intermediates.
NAMES: dict[sp.Symbol, str] = {
    **{param.symbol: param.name for param in SPEC.parameters if param.kind != "bias"},
    SPEC.bias: "b", L_out: "length", c: "in_per_group", o: "out_per_group",
}
#: Parameters that must be positive integers: every one but padding and bias (and batch_size,
#: whose None the Python evaluators take as 1 before this check), in the specification's order.
SIZE_PARAMETERS: tuple[str, ...] = tuple(param.name for param in SPEC.parameters
                                         if param.kind not in ("padding", "bias"))
#: The sizes the output length reads (its rule: each >= 1), in the specification's order.
LENGTH_SIZES: tuple[str, ...] = tuple(
    param.name for param in SPEC.parameters
    if param.kind == "size" and set(param.symbols) & m.L_OUT.free_symbols)


def _per_group() -> dict[sp.Symbol, sp.Expr]:
    """Invert integer_form's substitution: ``C_in = G·c`` gives ``c = FloorDiv(C_in, G)``."""
    out = {}
    for total in (C_in, C_out):
        per = sp.cancel(m.integer_form(total) / G)
        if not per.is_Symbol:
            raise AssertionError(f"integer_form({total}) is not {G}·(symbol): {m.integer_form(total)}")
        out[per] = FloorDiv(total, G)
    return out


#: ``c = C_in // G``, ``o = C_out // G`` (exact once the groups rules hold).
PER_GROUP: dict[sp.Symbol, sp.Expr] = _per_group()
#: ``(C_in, c·G)`` and ``(C_out, o·G)``: the groups rules are "the quotient times G gives back the total".
GROUP_PRODUCTS: tuple[tuple[sp.Symbol, sp.Expr], ...] = tuple(
    (total, m.integer_form(total)) for total in (C_in, C_out))

LENGTH: sp.Expr = m.L_OUT
LENGTH_SAME: sp.Expr = m.L_OUT_SAME
#: The count, factored integer form: a product of factors that are each >= 1.
OPS_INTEGER: sp.Expr = sp.factor(m.integer_form(m.OPS))

# The two sides of the kernel rule, tied to L_OUT's numerator below.
SPAN: sp.Expr = d * (K - 1) + 1
PADDED: sp.Expr = L_in + 2 * p


def _check() -> None:
    if SIZE_PARAMETERS != _VALIDATED_SIZES:
        raise AssertionError("symconv.validation.SIZE_PARAMETERS is not the specification's")
    if m.BIAS != SPEC.bias or SPEC.output_size != (m.L_OUT,):
        raise AssertionError("the Conv1d specification is not symconv.conv1d's")
    back = OPS_INTEGER.xreplace({per: total / G for per, total in
                                 ((c, C_in), (o, C_out))})
    if sp.cancel(back - m.OPS) != 0:
        raise AssertionError("OPS_INTEGER is not OPS")
    if any(f.is_Number and f < 1 for f in sp.Mul.make_args(OPS_INTEGER)):
        raise AssertionError("OPS_INTEGER has a numeric factor below 1")
    floor = [a for a in sp.preorder_traversal(LENGTH) if isinstance(a, FloorDiv)]
    if len(floor) != 1 or floor[0].args[1] != s or sp.expand(floor[0].args[0] - (PADDED - SPAN)) != 0:
        raise AssertionError("L_OUT's numerator is not padded - span: the kernel rule would drift")
    if sp.expand(LENGTH - floor[0] - 1) != 0:
        raise AssertionError("L_OUT is not floor(numerator / s) + 1")


_check()

#: Message of the overflow status (not a PyTorch rule: a limit of fixed-width code).
OVERFLOW_MESSAGE = "the result or an intermediate does not fit in a signed 64-bit integer"


@dataclass(frozen=True)
class Status:
    """One non-zero status of the C evaluator (and class of refusal everywhere)."""

    key: str
    code: int
    macro: str
    message: str


#: Every status: one per rule of :data:`RULES` (in order), then overflow.
STATUSES: tuple[Status, ...] = tuple(
    Status(key, i, "SYMCONV_E_" + key.upper(), text)
    for i, (key, text) in enumerate(list(RULES.items()) + [("overflow", OVERFLOW_MESSAGE)], start=1))


@dataclass(frozen=True)
class Conv1dCode:
    """The expressions and tables one Conv1d evaluator is printed from."""

    names: dict
    per_group: dict
    group_products: tuple
    length: sp.Expr
    length_same: sp.Expr
    ops: sp.Expr
    span: sp.Expr
    padded: sp.Expr
    size_parameters: tuple
    rules: dict
    statuses: tuple
    parameters: tuple = PARAMETERS
    length_sizes: tuple = LENGTH_SIZES


CONV1D = Conv1dCode(NAMES, PER_GROUP, GROUP_PRODUCTS, LENGTH, LENGTH_SAME, OPS_INTEGER, SPAN,
                    PADDED, SIZE_PARAMETERS, dict(RULES), STATUSES)
