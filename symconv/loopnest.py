"""The operation count derived by summation over the loop nest of the direct algorithm.

A forward convolution computed directly is a loop nest::

    for n in 1..N                                  batch
      for j in 1..C_out                            output channel
        for t_1 in 1..out_1, ..., t_d in 1..out_d  output position (one index per dimension)
          acc = (sum over i in 1..C_in/G,          input channel of the group
                          k_1 in 1..K_1, ..., k_d in 1..K_d   kernel tap
                 of x[...] * w[...])
          y[n, j, t] = acc + bias[j]               only when the layer has a bias

Each (input channel, tap) term costs one multiplication; joining the terms
costs one addition fewer than there are terms; the bias costs one addition,
after the tap loops (``b`` = 1 with bias, 0 without). :func:`loop_nest`
writes these counts as nested, unevaluated :class:`sympy.Sum` objects over
symbolic bounds, built from a :class:`~symconv.spec.LayerSpec` alone (its
parameter symbols, output sizes and bias indicator), and evaluates them with
SymPy's summation (``Sum.doit``). :func:`identities` states that the result is
the layer's stated count: multiplications = MACs, additions = ops − MACs,
total = N·(ψ·λ + γ) for symbolic ``b``, ``b = 1`` and ``b = 0``, and the two
summary forms. :func:`chain` gives the same step as a printable
:class:`~symconv.derivation.Chain` (the nested sum, the summed form, and
N·(ψ·λ + γ)).

The per-group input-channel count ``C_in/G`` is a summation bound as it
stands: SymPy sums ``1`` over ``1 <= i <= C_in/G`` to ``C_in/G`` (the proof
sampler draws ``C_in`` as a multiple of ``G``, so the bound is an integer at
every witness point).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import sympy as sp

from .derivation import Chain, Step
from .spec import Identity, LayerSpec
from .symbols import gamma, lam, psi

__all__ = ["Loop", "LoopNest", "loop_nest", "identities", "chain", "with_loop_nest"]

_INDEX = dict(integer=True, positive=True)


@dataclass(frozen=True)
class Loop:
    """One loop of the nest: ``index`` runs over ``1..upper``.

    ``role`` says what the loop walks ("batch", "output channel",
    "output position", "input channel of the group", "kernel tap").
    """

    index: sp.Symbol
    upper: sp.Expr
    role: str

    @property
    def limit(self) -> tuple[sp.Symbol, sp.Expr, sp.Expr]:
        return (self.index, sp.S.One, self.upper)


def _nest(body: sp.Expr, loops: tuple[Loop, ...]) -> sp.Expr:
    """``body`` summed over ``loops`` (outermost first), one unevaluated Sum per loop."""
    for loop in reversed(loops):
        body = sp.Sum(body, loop.limit)
    return body


@dataclass(frozen=True)
class LoopNest:
    """The loop nest of one layer's direct algorithm, unevaluated and evaluated.

    Attributes:
        layer: the layer name.
        outer: the loops over output elements, outermost first (batch, output
            channel, one per output dimension).
        inner: the loops over the terms of one output element (input channel
            of the group, one per kernel dimension).
        bias: the bias indicator ``b``.
        multiplications / additions / total: nested unevaluated sums
            (``total`` per output element is multiplications + additions, kept
            apart for display).
        multiplications_closed / additions_closed / total_closed: the same
            evaluated by SymPy's summation (``doit``), expanded.
    """

    layer: str
    outer: tuple[Loop, ...]
    inner: tuple[Loop, ...]
    bias: sp.Symbol
    multiplications: sp.Expr
    additions: sp.Expr
    total: sp.Expr
    multiplications_closed: sp.Expr
    additions_closed: sp.Expr
    total_closed: sp.Expr

    @property
    def loops(self) -> tuple[Loop, ...]:
        return self.outer + self.inner

    def over_outputs(self, body: sp.Expr) -> sp.Expr:
        """``body`` (a count per output element) summed over every output element."""
        return _nest(body, self.outer)

    def over_terms(self, body: sp.Expr) -> sp.Expr:
        """``body`` (a count per term) summed over the terms of one output element."""
        return _nest(body, self.inner)

    def closed(self, which: str = "total", bias: int | None = None) -> sp.Expr:
        """An evaluated count (``"multiplications"``, ``"additions"``, ``"total"``),
        for symbolic ``b`` or with ``b`` set to 0 or 1."""
        expr = {"multiplications": self.multiplications_closed,
                "additions": self.additions_closed, "total": self.total_closed}[which]
        return expr if bias is None else expr.subs(self.bias, bias)


def _index(name: str, taken: set[str]) -> sp.Symbol:
    if name in taken:
        raise ValueError(f"loop index {name!r} would capture a symbol of the layer")
    return sp.Symbol(name, **_INDEX)


def loop_nest(spec: LayerSpec) -> LoopNest:
    """The loop nest of ``spec``'s direct algorithm, from the spec alone.

    Reads ``batch_size``, ``out_channels``, ``in_channels``, ``groups`` and
    ``kernel_size`` (one symbol per dimension) from the spec's parameters,
    the output sizes from :attr:`~symconv.spec.LayerSpec.output_sizes` and
    the bias indicator from :attr:`~symconv.spec.LayerSpec.bias`.
    """
    n_sym = spec.parameter("batch_size").symbol
    c_in = spec.parameter("in_channels").symbol
    c_out = spec.parameter("out_channels").symbol
    groups = spec.parameter("groups").symbol
    kernel = spec.parameter("kernel_size").symbols
    outs = spec.output_sizes
    if len(kernel) != spec.dims or len(outs) != spec.dims:
        raise ValueError(f"{spec.name}: {spec.dims} spatial dimensions but "
                         f"{len(kernel)} kernel sizes and {len(outs)} output sizes")
    taken = {s.name for s in spec.notation} | {s.name for p in spec.parameters for s in p.symbols}
    taken |= {s.name for s in outs} | {s.name for s in spec.input_sizes}
    one_axis = spec.dims == 1
    outer = (Loop(_index("n", taken), n_sym, "batch"),
             Loop(_index("j", taken), c_out, "output channel"))
    outer += tuple(Loop(_index("t" if one_axis else f"t_{a}", taken), size, "output position")
                   for a, size in zip(spec.axes, outs))
    inner = (Loop(_index("i", taken), c_in / groups, "input channel of the group"),)
    inner += tuple(Loop(_index("k" if one_axis else f"k_{a}", taken), size, "kernel tap")
                   for a, size in zip(spec.axes, kernel))
    b = spec.bias

    terms = _nest(sp.S.One, inner)                      # one multiplication per term
    between = sp.Add(_nest(sp.S.One, inner), sp.S.NegativeOne, evaluate=False)  # count - 1
    per_element_additions = sp.Add(between, b, evaluate=False)                  # bias last
    per_element = sp.Add(terms, between, b, evaluate=False)
    mults, adds, total = _nest(terms, outer), _nest(per_element_additions, outer), _nest(per_element, outer)
    return LoopNest(spec.name, outer, inner, b, mults, adds, total,
                    sp.expand(mults.doit()), sp.expand(adds.doit()), sp.expand(total.doit()))


def identities(spec: LayerSpec) -> tuple[Identity, ...]:
    """The loop-nest count equals the spec's stated count (for ``symconv prove``)."""
    nest = loop_nest(spec)
    q = spec.quantities
    ops = q["ops"]
    return (
        Identity("loop nest: multiplications = MACs",
                 "summing one multiplication per (input channel, tap) term over the loop nest "
                 "gives the multiply-accumulates", nest.closed("multiplications"), q["macs"]),
        Identity("loop nest: additions = ops - MACs",
                 "summing terms - 1 additions plus b per output element over the loop nest "
                 "gives the count minus the multiplications",
                 nest.closed("additions"), ops - q["macs"]),
        Identity("loop nest = N (psi lambda + gamma)",
                 "the loop-nest total equals N (psi lambda + gamma) for symbolic b",
                 nest.closed("total"), ops),
        Identity("loop nest (bias) = N (psi lambda + gamma_bias)",
                 "with b = 1 the loop-nest total equals the count with bias",
                 nest.closed("total", 1), ops.subs(spec.bias, 1)),
        Identity("loop nest (no bias) = N (psi lambda + gamma_no_bias)",
                 "with b = 0 the loop-nest total equals the count without bias",
                 nest.closed("total", 0), ops.subs(spec.bias, 0)),
        Identity("loop nest (bias) = summary (bias)",
                 "with b = 1 the loop-nest total equals the first summary form",
                 nest.closed("total", 1), q["summary_bias"]),
        Identity("loop nest (no bias) = summary (no bias)",
                 "with b = 0 the loop-nest total equals the second summary form",
                 nest.closed("total", 0), q["summary_no_bias"]),
    )


def _mul(*args: sp.Expr) -> sp.Expr:
    return sp.Mul(*args, evaluate=False)


def chain(spec: LayerSpec, ops: sp.Symbol | None = None) -> Chain:
    """The loop-nest step of a derivation, for printing (``sp.latex``, pretty, the renderers).

    Three steps of ``ops`` (the total, symbolic ``b``): the nested sum as written
    (unevaluated), the sum with each loop's count written out (output elements ×
    (terms + (terms − 1) + b)), and N·(ψ·λ + γ) with the spec's ψ, λ, γ as
    definitions. Consecutive steps are equal (``Chain.expanded`` evaluates the sums).
    """
    nest = loop_nest(spec)
    if ops is None:
        ops = sp.Symbol(f"{spec.title}_ops", integer=True, nonnegative=True)
    terms = _mul(*(loop.upper for loop in nest.inner))
    counted = _mul(*(loop.upper for loop in nest.outer),
                   sp.Add(terms, sp.Add(terms, -1, evaluate=False), nest.bias, evaluate=False))
    taps = " ".join(str(loop.upper) for loop in nest.inner[1:])
    n_sym = spec.parameter("batch_size").symbol
    q = spec.quantities
    return Chain("loop_nest", "Total operations from the loop nest", (
        Step("loop_nest", "Loop nest", ops, nest.total,
             "For each sample, output channel and output position: one multiplication per "
             "(input channel, tap) term, one addition fewer than terms, and the bias last."),
        Step("loop_nest_summed", "Loop nest, summed", ops, counted,
             f"Each sum of 1 counts its range: C_in/G {taps} terms, as many multiplications, "
             "one addition fewer, and b, per output element."),
        Step("loop_nest_total", "Total operations", ops,
             _mul(n_sym, sp.Add(_mul(psi, lam), gamma, evaluate=False)),
             "Collect: N (psi lambda + gamma)."),
    ), definitions={psi: q["psi"], lam: q["lambda"], gamma: q["gamma"]})


def with_loop_nest(spec: LayerSpec) -> LayerSpec:
    """``spec`` with the loop-nest identities appended to its identities."""
    return replace(spec, identities=spec.identities + identities(spec))
