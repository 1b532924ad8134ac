"""The layer specification: one frozen description per layer, consumed by everything else.

A :class:`LayerSpec` holds what symconv knows about one PyTorch layer: its
name and class, its parameters (PyTorch name, symbol(s), kind, per-dimension
or not, default), its output-size expressions, the quantities ψ, λ, γ, the
totals, MACs and parameter count, the derivation, the identities and
integrality claims to prove, what a random proof point must respect, and its
notation. Proofs (:func:`symconv.proof.prove_layer`), the command line and the
numeric evaluators take a specification; :mod:`symconv.registry` lists them.

Every expression is a SymPy expression over the symbols of
:attr:`LayerSpec.notation`; nothing here is evaluated numerically.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import sympy as sp

from .derivation import Derivation

__all__ = ["Parameter", "Identity", "Integrality", "Sampler", "LayerSpec", "PARAMETER_KINDS",
           "step_identities"]

#: What a parameter is; decides its validation rule and how proofs sample it.
PARAMETER_KINDS = {
    "batch": "positive integer, or None for unbatched input (counts as 1)",
    "channels": "positive integer; groups must divide it",
    "size": "positive integer",
    "padding": "integer >= 0, or 'same' / 'valid'",
    "output_padding": "integer >= 0, smaller than max(stride, dilation) (transposed layers)",
    "groups": "positive integer dividing both channel counts",
    "bias": "True or False",
}


@dataclass(frozen=True)
class Parameter:
    """One constructor or call parameter, as PyTorch names it.

    Attributes:
        name: PyTorch's name (``"kernel_size"``).
        symbols: the symbol of each spatial dimension for a per-dimension
            parameter (``(K_H, K_W)``), else a 1-tuple.
        kind: a key of :data:`PARAMETER_KINDS`.
        per_dimension: True when PyTorch takes an int or a tuple of one int
            per spatial dimension.
        default: the default value, or ``None`` for a required parameter
            (``batch_size`` is required but may be ``None``).
        meaning: a few words for help texts and symbol lists.
    """

    name: str
    symbols: tuple[sp.Symbol, ...]
    kind: str
    per_dimension: bool = False
    default: Any = None
    meaning: str = ""

    def __post_init__(self) -> None:
        if self.kind not in PARAMETER_KINDS:
            raise ValueError(f"parameter {self.name}: unknown kind {self.kind!r}")
        if not self.per_dimension and len(self.symbols) != 1:
            raise ValueError(f"parameter {self.name}: one symbol unless per_dimension")

    @property
    def symbol(self) -> sp.Symbol:
        """The symbol of a parameter that is not per dimension."""
        if self.per_dimension and len(self.symbols) != 1:
            raise AttributeError(f"{self.name} has one symbol per dimension: use .symbols")
        return self.symbols[0]


@dataclass(frozen=True)
class Identity:
    """A claimed identity ``lhs == rhs`` of rational functions."""

    name: str
    statement: str
    lhs: sp.Expr
    rhs: sp.Expr


def step_identities(derivation: Derivation) -> list[Identity]:
    """Consecutive rewrites to prove: definition steps with the same left-hand side and
    condition, then every consecutive pair of each chain (ψ, λ, γ substituted)."""
    out = []
    defs = derivation.definitions
    for a, b in zip(defs, defs[1:]):
        if a.lhs == b.lhs and a.condition == b.condition:
            out.append(Identity(f"{a.name} = {b.name}",
                                f"{b.title}: step '{a.name}' equals step '{b.name}'",
                                a.canonical(), b.canonical()))
    for chain in derivation.chains:
        for a, b in chain.pairs():
            out.append(Identity(f"{a.name} = {b.name}",
                                f"{chain.title}: step '{a.name}' equals step '{b.name}'",
                                chain.expanded(a), chain.expanded(b)))
    return out


@dataclass(frozen=True)
class Integrality:
    """A claim that ``expr`` is an integer whenever G | C_in and G | C_out."""

    name: str
    statement: str
    expr: sp.Expr


@dataclass(frozen=True)
class Sampler:
    """What a random proof point must respect.

    Attributes:
        divides: pairs ``(g, x)``: ``x`` is drawn as a multiple of ``g``.
        nonnegative: symbols that may be 0 (padding).
        binary: symbols that are 0 or 1 (the bias indicator).
        high: upper end of the range sizes are drawn from.
    """

    divides: tuple[tuple[sp.Symbol, sp.Symbol], ...] = ()
    nonnegative: frozenset = frozenset()
    binary: frozenset = frozenset()
    high: int = 40

    def assumptions(self, positive: tuple[sp.Symbol, ...]) -> tuple[str, ...]:
        """The assumptions of a proof over these symbols, in words."""
        def are(symbols, what_one: str, what_many: str) -> str:
            names = sorted(s.name for s in symbols) if not isinstance(symbols, tuple) \
                else [s.name for s in symbols]
            return (f"{names[0]} is {what_one}" if len(names) == 1
                    else f"{', '.join(names)} are {what_many}")

        out = [are(positive, "a positive integer", "positive integers")]
        parts = []
        if self.nonnegative:
            parts.append(are(self.nonnegative, "a non-negative integer", "non-negative integers"))
        if self.binary:
            parts.append(are(self.binary, "0 or 1 (bias)", "0 or 1"))
        if parts:
            out.append("; ".join(parts))
        if self.divides:
            by: dict[sp.Symbol, list[str]] = {}
            for g, x in self.divides:
                by.setdefault(g, []).append(x.name)
            out += [f"{g.name} divides {' and '.join(xs)}" for g, xs in by.items()]
        return tuple(out)


@dataclass(frozen=True)
class LayerSpec:
    """Everything symconv states about one layer.

    Attributes:
        name: registry key and command-line name (``"conv2d"``).
        torch_class: the PyTorch class (``"torch.nn.Conv2d"``).
        title: how documents name it (``"Conv2d"``).
        dims: number of spatial dimensions.
        axes: the name of each spatial dimension (``("H", "W")``).
        parameters: in PyTorch's order, ``batch_size`` first.
        input_sizes / output_sizes: the symbols of the input and output size
            per dimension (``(H_in, W_in)``, ``(H_out, W_out)``).
        output_size: the expression of each output size in the input size and
            the per-dimension parameters (integer padding; ``'valid'`` is 0).
        output_size_same: the same for ``padding='same'`` (stride 1); empty for a layer
            without 'same' (the transposed convolutions).
        bias: the bias indicator symbol ``b`` (1 with bias, 0 without).
        quantities: ``{"psi", "lambda", "gamma", "ops", "macs",
            "bias_additions", "parameters", "summary_bias", ...}`` -> expression
            in the output-size symbols; ``ops`` holds for ``b`` in {0, 1}.
        derivation: the documented derivation chain.
        identities / integrality: what ``symconv prove`` proves.
        sampler: what random proof points respect.
        notation: symbol -> :class:`symconv.symbols.SymbolInfo`.
        family: ``"convolution"`` (Conv1d/2d/3d) or ``"transposed"`` (ConvTranspose1d/2d/3d):
            what consumers dispatch on where the two differ (evaluators, conventions).
        definitions: symbols the quantities use that stand for an expression of the
            parameters (a transposed layer's T_a, R_a: tap sums); :meth:`in_input_sizes`
            substitutes them. Identities over such a symbol hold for every value of it.
        checks: further claims ``symconv prove`` decides, each a name of
            :data:`symconv.proof.CHECKS` (or a function ``(samples=, seed=) ->
            list[ProofResult]``): a transposed layer's ``"transposed forms"``, its closed
            forms checked exhaustively over a bounded domain plus random witnesses.
    """

    name: str
    torch_class: str
    title: str
    dims: int
    axes: tuple[str, ...]
    parameters: tuple[Parameter, ...]
    input_sizes: tuple[sp.Symbol, ...]
    output_sizes: tuple[sp.Symbol, ...]
    output_size: tuple[sp.Expr, ...]
    output_size_same: tuple[sp.Expr, ...]
    bias: sp.Symbol
    quantities: Mapping[str, sp.Expr]
    derivation: Derivation
    identities: tuple[Identity, ...]
    integrality: tuple[Integrality, ...]
    sampler: Sampler
    notation: Mapping[sp.Symbol, Any] = field(default_factory=dict)
    family: str = "convolution"
    definitions: Mapping[sp.Symbol, sp.Expr] = field(default_factory=dict)
    checks: tuple[Any, ...] = ()

    @property
    def transposed(self) -> bool:
        """True for a transposed convolution (``family == "transposed"``)."""
        return self.family == "transposed"

    def parameter(self, name: str) -> Parameter:
        for param in self.parameters:
            if param.name == name:
                return param
        raise KeyError(f"{self.name} has no parameter {name!r}")

    @property
    def parameter_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.parameters)

    def expression(self, quantity: str) -> sp.Expr:
        """A quantity (``"ops"``, ``"macs"``, ...) as an expression of the output sizes."""
        try:
            return self.quantities[quantity]
        except KeyError:
            raise KeyError(f"{self.name} has no quantity {quantity!r}; "
                           f"known: {', '.join(self.quantities)}") from None

    def in_input_sizes(self, expr: sp.Expr, same: bool = False) -> sp.Expr:
        """``expr`` with each output size (and each symbol of :attr:`definitions`) replaced
        by its expression of the input."""
        if same and not self.output_size_same:
            raise ValueError(f"{self.name} has no padding='same'")
        sizes = self.output_size_same if same else self.output_size
        expr = sp.sympify(expr)
        if self.definitions:
            expr = expr.xreplace(dict(self.definitions))
        return expr.xreplace(dict(zip(self.output_sizes, sizes)))

    def positive_symbols(self) -> tuple[sp.Symbol, ...]:
        """Every symbol that is a positive integer (for the stated assumptions)."""
        out: list[sp.Symbol] = []
        for param in self.parameters:
            if param.kind in ("padding", "output_padding", "bias"):
                continue
            out += [s for s in param.symbols if s not in out]
        for sym in (*self.input_sizes, *self.output_sizes):
            if sym not in out:
                out.append(sym)
        return tuple(out)

    def assumptions(self) -> tuple[str, ...]:
        return self.sampler.assumptions(self.positive_symbols())
