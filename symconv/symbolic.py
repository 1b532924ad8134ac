"""A whole model's cost as a formula of its input size.

:meth:`symconv.model.LayerList.symbolic` (on what :func:`symconv.from_torch` returns and on
the layers of a layer file) leaves the batch size and the spatial input sizes of the model
as symbols — ``N`` and ``L_in`` for a 1-D input; ``N``, ``H_in``, ``W_in`` for 2-D;
``N``, ``D_in``, ``H_in``, ``W_in`` for 3-D — and gives each layer's count as an exact
expression of them: the layer's input size is an expression of the model's input, its
output size the layer's own expression (floors and all). The result is a
:class:`SymbolicCost`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sympy as sp

__all__ = ["SymbolicCost", "symbolic_cost"]


@dataclass(frozen=True)
class SymbolicCost:
    """A model's count as exact SymPy expressions of its input size.

    Attributes:
        per_layer: one expression per layer, by layer name, in call order.
        symbols: the symbols used, by name: ``"N"`` and ``"L_in"`` (1-D),
            ``"H_in"``, ``"W_in"`` (2-D), ``"D_in"`` (3-D).
        constraints: the input sizes for which the expressions hold (SymPy relations
            such as ``L_in >= 7``).
        convention: the counting convention of the expressions
            (:data:`symconv.conventions.NAMES`).
    """

    per_layer: dict[str, sp.Expr]
    symbols: dict[str, sp.Symbol]
    constraints: tuple[sp.Basic, ...]
    convention: str = "symconv"
    extra: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def expr(self) -> sp.Expr:
        """The total: the sum of :attr:`per_layer`."""
        return sp.Add(*self.per_layer.values())


def symbolic_cost(layers: Any, convention: str = "symconv") -> SymbolicCost:
    """The :class:`SymbolicCost` of ``layers`` (a :class:`symconv.model.LayerList`)."""
    raise NotImplementedError("symbolic cost: not implemented yet")
