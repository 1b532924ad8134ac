"""Paper macros: one ``\\newcommand`` per quantity and summary form, for every layer.

A paper that ``\\input``s a layer's macro file writes ``\\[ \\symconvOps = \\symconvOpsBias \\]``
instead of retyping the formula; the macro bodies are printed from the
layer specification's expressions (:mod:`symconv.registry`; display forms
where the reference writes a particular factor order). Every macro body is
wrapped in ``\\ensuremath`` so it works in text and in math; bodies need
amsmath (``\\text``).

Names: Conv1d's macros keep their published names (``\\symconvOps``,
``\\symconvLout`` …); every other layer's carry its title with the digits
spelled out (TeX command names are letters only): ``\\symconvConvTwoDOps``,
``\\symconvConvTwoDHout``, ``\\symconvConvThreeDOpsBias`` — so the macro
files of several layers can be ``\\input`` into one paper (:func:`prefix`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sympy as sp

from .. import conv1d as m
from ..printing.latex import DOCUMENTED, LatexNotation, for_layer, latex
from ..registry import get as get_layer
from ..spec import LayerSpec
from ..symbols import gamma, lam, psi
from .render import MACS_SYMBOL, display_monomial, display_order, environment

__all__ = ["Macro", "macros", "render_macros", "prefix", "UNPREFIXED"]

#: The layer whose macros keep the names published before other layers existed.
UNPREFIXED = "conv1d"

_DIGITS = dict(zip("0123456789", "Zero One Two Three Four Five Six Seven Eight Nine".split()))


@dataclass(frozen=True)
class Macro:
    """``\\<name>`` expands to ``body`` (math); ``meaning`` goes into a comment."""

    name: str
    body: str
    meaning: str


def prefix(layer: str | LayerSpec = "conv1d") -> str:
    """The start of a layer's macro names: ``symconv`` for Conv1d, else ``symconv`` and
    the layer's title with each digit spelled out and the letter after it capitalised
    (``Conv2d`` -> ``symconvConvTwoD``, ``Conv3d`` -> ``symconvConvThreeD``)."""
    spec = get_layer(layer)
    if spec.name == UNPREFIXED:
        return "symconv"
    spelled = re.sub(r"(\d)([a-z]?)", lambda mt: _DIGITS[mt[1]] + mt[2].upper(), spec.title)
    if not re.fullmatch(r"[A-Za-z]+", spelled):
        raise ValueError(f"{spec.name}: title {spec.title!r} gives no macro name of letters")
    return "symconv" + spelled


def _symbols(spec: LayerSpec) -> list[tuple[str, sp.Symbol]]:
    """(macro stem, symbol) of every parameter symbol, in :func:`display_order`'s order.

    Per-dimension symbols carry the axis letter (``KH``, ``StrideW``) except in
    one dimension, where Conv1d's names stand (``K``, ``Stride``)."""
    one = spec.dims == 1

    def axis(a: str) -> str:
        return "" if one else a

    def per_axis(stem: str, name: str) -> list[tuple[str, sp.Symbol]]:
        return [(stem + axis(a), sym) for a, sym in zip(spec.axes, spec.parameter(name).symbols)]

    out = [("N", spec.parameter("batch_size").symbol), ("Cin", spec.parameter("in_channels").symbol),
           ("Cout", spec.parameter("out_channels").symbol)]
    out += [(f"{a}in", sym) for a, sym in zip(spec.axes, spec.input_sizes)]
    out += [(f"{a}out", sym) for a, sym in zip(spec.axes, spec.output_sizes)]
    out += per_axis("K", "kernel_size") + [("G", spec.parameter("groups").symbol)]
    out += per_axis("Stride", "stride") + per_axis("Padding", "padding")
    out += per_axis("Dilation", "dilation")
    assert [sym for _, sym in out] == list(display_order(spec))
    return out


def _output_size_step(spec: LayerSpec, size: sp.Symbol) -> sp.Expr:
    """The derivation's (last) display form of one output size."""
    steps = [step for step in spec.derivation.definitions if step.lhs == size]
    if not steps:
        raise KeyError(f"{spec.name}: the derivation defines no {size}")
    return steps[-1].expr


def _parameters_display(layer: str | LayerSpec = "conv1d") -> sp.Expr:
    """The specification's parameter count (its ``parameters`` quantity) laid out as PyTorch
    stores the weights: ``C_out × (C_in / G) × K… + b × C_out`` — the weight term first, then
    the bias term; in each, b, C_out, C_in (over the denominator) and the kernel sizes in that
    order. Checked to equal the quantity."""
    spec = get_layer(layer)
    count = spec.expression("parameters")
    c_in = spec.parameter("in_channels").symbol
    rank = {sym: i for i, sym in enumerate((spec.bias, spec.parameter("out_channels").symbol,
                                            c_in, *spec.parameter("kernel_size").symbols))}

    def term(t: sp.Expr) -> sp.Expr:
        num, den = sp.fraction(t)
        coeff, factors = num.as_coeff_mul()
        factors = sorted(factors, key=lambda f: rank.get(f, len(rank)))
        if coeff != 1:
            factors.insert(0, coeff)
        if den != 1:  # the fraction goes with the input channels, as in the weight's shape
            at = factors.index(c_in) if c_in in factors else 0
            factors[at] = sp.Mul(factors[at], sp.Pow(den, -1, evaluate=False), evaluate=False)
        return factors[0] if len(factors) == 1 else sp.Mul(*factors, evaluate=False)

    terms = sorted(sp.Add.make_args(sp.expand(count)), key=lambda t: spec.bias in t.free_symbols)
    display = sp.Add(*[term(t) for t in terms], evaluate=False)
    if sp.cancel(display.doit() - count) != 0:
        raise AssertionError(f"{spec.name}: the displayed parameter count is not the quantity")
    return display


def macros(notation: LatexNotation = DOCUMENTED, layer: str | LayerSpec = "conv1d") -> list[Macro]:
    """Every macro of a layer, symbols first, then quantities, totals and summary forms."""
    spec = get_layer(layer)
    notation = for_layer(notation, spec)
    pre = prefix(spec)
    order = display_order(spec)
    derivation = spec.derivation

    def pr(e: sp.Expr) -> str:
        return latex(e, notation, {MACS_SYMBOL: r"\text{MACs}"})

    def step(name: str) -> sp.Expr:
        return derivation.definition(name).expr

    def cases(bias: sp.Expr, no_bias: sp.Expr) -> str:
        return (r"\begin{cases} %s & \text{with bias} \\ %s & \text{without bias} \end{cases}"
                % (pr(bias), pr(no_bias)))

    out = [Macro(f"{pre}{name}Sym", pr(sym), f"symbol: {sym.name}") for name, sym in _symbols(spec)]
    out += [
        Macro(f"{pre}PsiSym", pr(psi), "symbol: number of filters"),
        Macro(f"{pre}LambdaSym", pr(lam), "symbol: operations per filter"),
        Macro(f"{pre}GammaSym", pr(gamma), "symbol: filter aggregation"),
        Macro(f"{pre}Ops", pr(derivation.chains[0].steps[0].lhs), "symbol: total operations"),
    ]
    for axis, size, same in zip(spec.axes, spec.output_sizes, spec.output_size_same):
        meaning = spec.notation[size].meaning
        out += [Macro(f"{pre}{axis}out", pr(_output_size_step(spec, size)), f"{meaning} {size}"),
                Macro(f"{pre}{axis}outSame", pr(same), f"{meaning} with padding='same'")]
    out += [
        Macro(f"{pre}Psi", pr(step("filters")), "number of filters psi"),
        Macro(f"{pre}Lambda", pr(step("per_filter")), "operations per filter lambda"),
        Macro(f"{pre}GammaBias", pr(step("aggregation_bias")), "filter aggregation, with bias"),
        Macro(f"{pre}GammaNoBias", pr(step("aggregation_no_bias")),
              "filter aggregation, without bias"),
        Macro(f"{pre}Gamma", cases(step("aggregation_bias"), step("aggregation_no_bias")),
              "filter aggregation, both cases"),
        Macro(f"{pre}Total", pr(derivation.chains[0].steps[0].expr),
              "total in terms of psi, lambda, gamma"),
        Macro(f"{pre}OpsBias", pr(spec.expression("summary_bias_display")),
              "first summary form (bias)"),
        Macro(f"{pre}OpsNoBias", pr(spec.expression("summary_no_bias_display")),
              "second summary form (no bias)"),
        Macro(f"{pre}MACs", pr(display_monomial(spec.expression("macs"), order)),
              "multiply-accumulates"),
        Macro(f"{pre}BiasAdditions", pr(display_monomial(spec.expression("bias_additions"), order)),
              "bias additions = bias count - no-bias count"),
        Macro(f"{pre}Parameters", pr(_parameters_display(spec)),
              "learnable parameters (b = 1 with bias, 0 without)"),
    ]
    return out


def render_macros(notation: LatexNotation = DOCUMENTED, layer: str | LayerSpec = "conv1d") -> str:
    """A layer's macro file (``\\newcommand``s; needs amsmath)."""
    spec = get_layer(layer)
    pre = prefix(spec)
    return environment().get_template("macros.tex.jinja").render(
        macros=macros(notation, spec), convention=m.CONVENTION, title=spec.title,
        layer=spec.name, prefix=pre, notation="short" if notation.short else "documented",
        template="macros.tex.jinja")
