"""The derivation of one layer's count with its numbers substituted: :func:`derive_layer`.

Each step of the general derivation of a layer (Conv1d's documented chain; the n-d and
transposed layers' definitions) is printed on one line, first symbolic, then with the
layer's values substituted, then its value; the result is a :class:`LayerDerivation`.
Used by :func:`symconv.from_torch` (one per recorded layer) and by
:meth:`symconv.model.LayerList.derivations`. No PyTorch needed.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from . import conv1d as _m
from .conventions import CONVENTIONS, conventions_of, layer_values
from .layers import AnyLayer, Conv1dLayer, Layer
from .printing.latex import visible_text
from .printing.text import one_line as _one_line
from .symbols import C_in, C_out, G, K, L_in, L_out, N, d, ops, p, s, unicode_names

__all__ = ["DerivedStep", "LayerDerivation", "derive_layer", "one_line"]

def one_line(expr: sp.Expr, notation: dict | None = None) -> str:
    """``expr`` on one line, symconv's Unicode symbol names (Conv1d's, or those of
    ``notation``: a layer specification's symbol -> info), factors as written."""
    if notation is None:
        names = unicode_names()
    else:
        names = {sym: info.unicode for sym, info in notation.items()}
    return _one_line(expr, {**names, _m.BIAS: "b"})


def _substitute(expr: sp.Expr, values: dict[sp.Symbol, int]) -> sp.Expr:
    with sp.evaluate(False):
        return expr.xreplace({k: sp.Integer(v) for k, v in values.items()})


@dataclass(frozen=True)
class DerivedStep:
    """One step of the derivation for one layer: ``lhs = expr = substituted = value``."""

    name: str
    title: str
    lhs: sp.Symbol
    expr: sp.Expr
    substituted: sp.Expr
    value: int
    notation: Any = None  # a layer specification's notation; None: Conv1d's

    def text(self) -> str:
        parts = [one_line(x, self.notation) for x in (self.lhs, self.expr, self.substituted)]
        if parts[-1] in (str(self.value), f"{self.value:,}"):
            parts.pop()
        return " = ".join(parts + [f"{self.value:,}"])


@dataclass(frozen=True)
class LayerDerivation:
    """The derivation of one layer's count with its numbers substituted.

    Attributes:
        layer: the layer.
        values: the layer's symbols and their values (N, C_in, C_out, L_in, K, G, s, p, d, b).
        steps: L_out, ψ, λ, γ, the total N·(ψ·λ + γ) and the summary form, each substituted.
        counts: the count in every convention (:mod:`symconv.conventions`).
    """

    layer: AnyLayer
    values: dict[sp.Symbol, int]
    steps: tuple[DerivedStep, ...]
    counts: dict[str, int]

    @property
    def ops(self) -> int:
        return self.steps[-1].value

    @property
    def summary(self) -> DerivedStep:
        """The summary form (bias or no bias) with the layer's numbers."""
        return self.steps[-1]

    def __getitem__(self, name: str) -> DerivedStep:
        for step in self.steps:
            if step.name == name:
                return step
        raise KeyError(name)

    def text(self, conventions: bool = False) -> str:
        """The steps, one per line (no final newline: ``print`` adds it); optionally the
        count in every convention."""
        ly = self.layer
        head = f"{visible_text(ly.name)}: {self._signature()}"
        lines = [head] + [f"  {st.text()}" for st in self.steps]
        lines.append(f"  ({self._convention_text()})")
        if conventions:
            listed = conventions_of(ly.spec)
            width = max(len(c.name) for c in CONVENTIONS)
            digits = max(len(f"{v:,}") for v in self.counts.values())
            lines += [f"  {c.name:<{width}}  {self.counts[c.name]:>{digits},}  {c.unit}, "
                      f"{c.bias_note(ly.bias)}, per {c.scope}" for c in listed]
        return "\n".join(lines)

    def _convention_text(self) -> str:
        if self.layer.spec.family == "transposed":
            from .convtranspose import convention_text

            return convention_text(self.layer.bias)
        return _m.convention_text(self.layer.bias)

    def _signature(self) -> str:
        """The layer's class, parameters and input size (everything of the first line of
        :meth:`text` but its name)."""
        ly = self.layer
        pad = f"'{ly.padding}'" if isinstance(ly.padding, str) else ly.padding
        if isinstance(ly, Conv1dLayer):
            head = (f"Conv1d({ly.in_channels}, {ly.out_channels}, kernel_size={ly.kernel_size}, "
                    f"stride={ly.stride}, padding={pad}, dilation={ly.dilation}, groups={ly.groups}, "
                    f"bias={ly.bias}) on N={ly.batch_size}, L_in={ly.input_length}")
        else:
            spec = ly.spec
            sizes = ", ".join(f"{a}_in={v}" for a, v in zip(spec.axes, ly.input_size))
            transposed = spec.family == "transposed"
            extra = f"output_padding={ly.output_padding}, " if transposed else ""
            head = (f"{spec.title}({ly.in_channels}, {ly.out_channels}, "
                    f"kernel_size={ly.kernel_size}, stride={ly.stride}, padding={pad}, {extra}"
                    f"dilation={ly.dilation}, groups={ly.groups}, bias={ly.bias}) "
                    f"on N={ly.batch_size}, {sizes}")
        return head

    def __str__(self) -> str:
        return self.text()

    def _rows(self) -> list[str]:
        """The steps as rows of an ``aligned`` block: ``lhs = expr = substituted = value``."""
        from .printing.display import equation_rows, symbol_names

        names = symbol_names(self.steps[0].notation if self.steps else None)
        return equation_rows([(st.lhs, st.expr, st.substituted, st.value) for st in self.steps],
                             names)

    def _repr_markdown_(self) -> str:
        """In a notebook: the layer (its name a code span), every step as display math from
        its expressions, and the convention."""
        from .latex._base import markdown_escape
        from .printing.display import aligned, code_span

        return (f"**Layer** {code_span(self.layer.name)}: {code_span(self._signature())}\n\n"
                f"{aligned(self._rows())}\n\n"
                f"{markdown_escape(self._convention_text())}\n")

    def _repr_latex_(self) -> str:
        """The steps as display math (no text: for exports to LaTeX)."""
        from .printing.display import aligned

        return aligned(self._rows())


def _definition(name: str):
    for step in _m.DERIVATION.definitions:
        if step.name == name:
            return step
    raise KeyError(name)


def _check_steps(layer, steps) -> None:
    """Every substituted form evaluates to its value, and the last two equal the evaluator's count."""
    for st in steps:
        if sp.sympify(st.substituted).doit() != st.value:
            raise ArithmeticError(f"{layer.name}: step {st.name} does not evaluate to {st.value}")
    if not steps[-1].value == steps[-2].value == layer.ops:
        raise ArithmeticError(f"{layer.name}: derivation gives {steps[-1].value}, "
                              f"the evaluator {layer.ops}")


def derive_layer(layer: AnyLayer) -> LayerDerivation:
    """Every step of the layer's derivation with ``layer``'s numbers substituted.

    The general expressions are the display forms of :data:`symconv.conv1d.DERIVATION`
    (Conv1d) or of the layer specification's derivation (Conv2d, Conv3d: one output
    size per dimension); each substituted form is evaluated exactly and checked against
    the layer's count.
    """
    if not isinstance(layer, Conv1dLayer):
        return _derive_nd(layer)
    bias = int(layer.bias)
    pad = 0 if layer.padding == "valid" else layer.padding
    values: dict[sp.Symbol, int] = {N: layer.batch_size, C_in: layer.in_channels,
                                    C_out: layer.out_channels, L_in: layer.input_length,
                                    K: layer.kernel_size, G: layer.groups, s: layer.stride,
                                    d: layer.dilation, _m.BIAS: bias}
    steps: list[DerivedStep] = []

    length = layer.output_length
    if pad == "same":
        steps.append(DerivedStep("output_length", "Output length ('same')", L_out, _m.L_OUT_SAME,
                                 _substitute(_m.L_OUT_SAME, values), length))
    else:
        values[p] = pad
        st = _definition("output_length")
        steps.append(DerivedStep(st.name, st.title, L_out, st.expr, _substitute(st.expr, values),
                                 length))
    values[L_out] = length

    quantities: dict[sp.Symbol, int] = {}
    for name in ("filters", "per_filter", "aggregation_bias" if bias else "aggregation_no_bias"):
        st = _definition(name)
        sub = _substitute(st.expr, values)
        value = sub.doit()
        steps.append(DerivedStep(st.name, st.title, st.lhs, st.expr, sub, int(value)))
        quantities[st.lhs] = int(value)

    chain = _m.DERIVATION.chains[0 if bias else 1]
    total, summary = chain.steps[0], chain.steps[-1]
    sub = _substitute(total.expr, {**quantities, N: layer.batch_size})
    steps.append(DerivedStep(total.name, total.title, ops, total.expr, sub, int(sub.doit())))
    sub = _substitute(summary.expr, values)
    steps.append(DerivedStep(summary.name, summary.title, ops, summary.expr, sub, int(sub.doit())))

    _check_steps(layer, steps)
    # an empty batch (N = 0) is checked as one sample; a count per batch is then taken at
    # N = 0, a count per sample (which does not depend on N) at N = 1
    point = layer_values(layer.batch_size or 1, layer.in_channels, layer.out_channels,
                         layer.input_length, layer.kernel_size, layer.stride, layer.padding,
                         layer.dilation, layer.groups, layer.bias)
    batch_point = {**point, N: layer.batch_size}
    all_counts = {c.name: c.evaluate(point if c.scope == "sample" else batch_point)
                  for c in CONVENTIONS}
    return LayerDerivation(layer, values, tuple(steps), all_counts)


def _derive_transposed(layer: Layer) -> LayerDerivation:
    """:func:`derive_layer` for a transposed convolution: the output sizes, T_a and R_a per
    dimension (each tap sum's value from its proven O(log) floor-sum form), then the chain."""
    from .convtranspose import axis_counts

    spec = layer.spec
    notation = dict(spec.notation)
    bias = int(layer.bias)
    values: dict[sp.Symbol, int] = {N: layer.batch_size, C_in: layer.in_channels,
                                    C_out: layer.out_channels, G: layer.groups, spec.bias: bias}
    for name in ("kernel_size", "stride", "padding", "output_padding", "dilation"):
        values.update(zip(spec.parameter(name).symbols, getattr(layer, name)))
    values.update(zip(spec.input_sizes, layer.input_size))
    by_lhs = {st.lhs: st for st in spec.derivation.definitions}
    steps: list[DerivedStep] = []
    for sym_out, size in zip(spec.output_sizes, layer.output_size):
        st = by_lhs[sym_out]
        steps.append(DerivedStep(st.name, st.title, sym_out, st.expr,
                                 _substitute(st.expr, values), size, notation))
        values[sym_out] = size
    counts_symbols = list(spec.definitions)  # T_a, R_a per dimension, in axis order
    for index in range(layer.dims):
        _, t_value, r_value = axis_counts(
            layer.input_size[index], layer.kernel_size[index], layer.stride[index],
            layer.padding[index], layer.output_padding[index], layer.dilation[index])
        for sym, value in zip(counts_symbols[2 * index:2 * index + 2], (t_value, r_value)):
            st = by_lhs[sym]
            steps.append(DerivedStep(st.name, st.title, sym, st.expr, sp.Integer(value), value,
                                     notation))
            values[sym] = value
    chain = spec.derivation.chains[0 if bias else 1]
    for st in (chain.steps[0], chain.steps[-1]):
        sub = _substitute(st.expr, values)
        steps.append(DerivedStep(st.name, st.title, st.lhs, st.expr, sub, int(sub.doit()),
                                 notation))
    _check_steps(layer, steps)
    counts = {c.name: layer.count(c.name) for c in conventions_of(spec)}
    return LayerDerivation(layer, values, tuple(steps), counts)


def _derive_nd(layer: Layer) -> LayerDerivation:
    """:func:`derive_layer` for a :class:`~symconv.layers.Layer` (any registered layer)."""
    spec = layer.spec
    if spec.family == "transposed":
        return _derive_transposed(layer)
    notation = dict(spec.notation)
    bias = int(layer.bias)
    values: dict[sp.Symbol, int] = {N: layer.batch_size, C_in: layer.in_channels,
                                    C_out: layer.out_channels, G: layer.groups, spec.bias: bias}
    per_dim = {"kernel_size": layer.kernel_size, "stride": layer.stride,
               "dilation": layer.dilation}
    same = layer.padding == "same"
    if not same:
        per_dim["padding"] = (0,) * layer.dims if layer.padding == "valid" else layer.padding
    for name, value in per_dim.items():
        values.update(zip(spec.parameter(name).symbols, value))
    values.update(zip(spec.input_sizes, layer.input_size))
    definitions = {st.lhs: st for st in spec.derivation.definitions
                   if st.lhs in spec.output_sizes}
    steps: list[DerivedStep] = []
    for axis, sym_in, sym_out, size in zip(spec.axes, spec.input_sizes, spec.output_sizes,
                                           layer.output_size):
        if same:
            steps.append(DerivedStep(f"output_{axis}", f"Output size {axis} ('same')", sym_out,
                                     sym_in, _substitute(sym_in, values), size, notation))
        else:
            st = definitions[sym_out]
            steps.append(DerivedStep(st.name, st.title, sym_out, st.expr,
                                     _substitute(st.expr, values), size, notation))
        values[sym_out] = size

    by_name = {st.name: st for st in spec.derivation.definitions}
    quantities: dict[sp.Symbol, int] = {}
    for name in ("filters", "per_filter", "aggregation_bias" if bias else "aggregation_no_bias"):
        st = by_name[name]
        sub = _substitute(st.expr, values)
        steps.append(DerivedStep(st.name, st.title, st.lhs, st.expr, sub, int(sub.doit()),
                                 notation))
        quantities[st.lhs] = int(sub.doit())
    chain = spec.derivation.chains[0 if bias else 1]
    total, summary = chain.steps[0], chain.steps[-1]
    sub = _substitute(total.expr, {**quantities, N: layer.batch_size})
    steps.append(DerivedStep(total.name, total.title, total.lhs, total.expr, sub,
                             int(sub.doit()), notation))
    sub = _substitute(summary.expr, values)
    steps.append(DerivedStep(summary.name, summary.title, summary.lhs, summary.expr, sub,
                             int(sub.doit()), notation))
    _check_steps(layer, steps)
    counts = {c.name: layer.count(c.name) for c in CONVENTIONS}
    return LayerDerivation(layer, values, tuple(steps), counts)
