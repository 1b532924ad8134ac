"""Read the convolution layers of a real PyTorch model: :func:`from_torch`.

``from_torch(model, example_input)`` runs the model once and records, for every
call of a ``torch.nn.Conv1d``, ``Conv2d``, ``Conv3d`` or ``ConvTranspose1d/2d/3d`` (subclasses
and lazy modules included), what the convolution really received: the input of
``conv1d`` / ``conv2d`` / ``conv3d`` itself (not of the module's ``forward``, so a
subclass that pads in ``forward`` — a causal convolution — is counted on its
padded input), its batch
size (unbatched input counts as a batch of 1, an empty batch as 0 with a count
of 0), stride, padding (an int, ``'same'`` or ``'valid'``), dilation, groups
and whether it has a bias. The run uses *meta* tensors — parameters, buffers and
input are replaced by shape-only tensors through
``torch.func.functional_call``, so no arithmetic is performed and the model
is left untouched; if the model cannot run on meta tensors (data-dependent
control flow, for example) it falls back to one real forward pass under
``torch.no_grad()`` in eval mode. A model with lazy modules runs as a copy,
so its parameters stay uninitialized. A model that runs no convolution module
gives an empty result and a :class:`NoConvolutionWarning`; a convolution function
called outside every convolution module is not counted and gives an
:class:`UncountedConvolutionWarning` (the old names ``NoConv1dWarning`` and
``UncountedConv1dWarning`` are the same classes).

The result is a list of layer records — :class:`symconv.layers.Conv1dLayer` for a
Conv1d call, :class:`symconv.layers.Layer` (``type`` ``"conv2d"``/``"conv3d"``)
for the others: the layer format of layer files and of ``symconv table`` — in call
order, with the
recorded shapes and a per-layer derivation (:func:`derive_layer`): each
step of the general derivation with the layer's numbers substituted.
:meth:`TorchLayers.render_table` renders the LaTeX / Markdown / CSV table of
``symconv table``; :meth:`TorchLayers.save` writes the layer file it reads.

PyTorch is imported only when :func:`from_torch` is called; install it with
``pip install 'symconv[torch]'``.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import sympy as sp

from . import conv1d as _m
from .conventions import CONVENTIONS, conventions_of, get as _convention, layer_values
from .layers import AnyLayer, Conv1dLayer, Layer, format_dims
from .symbols import C_in, C_out, G, K, L_in, L_out, N, d, gamma, lam, ops, p, psi, s
from .symbols import unicode_names
from .printing.latex import visible_text
from .printing.text import one_line as _one_line

__all__ = ["from_torch", "TorchLayers", "TorchRecord", "LayerDerivation", "DerivedStep",
           "derive_layer", "FromTorchWarning", "NoConvolutionWarning",
           "UncountedConvolutionWarning", "NoConv1dWarning", "UncountedConv1dWarning"]


# --- per-layer derivation (no torch needed) -----------------------------------------------

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
        pad = f"'{ly.padding}'" if isinstance(ly.padding, str) else ly.padding
        if isinstance(ly, Conv1dLayer):
            head = (f"{visible_text(ly.name)}: Conv1d({ly.in_channels}, {ly.out_channels}, kernel_size={ly.kernel_size}, "
                    f"stride={ly.stride}, padding={pad}, dilation={ly.dilation}, groups={ly.groups}, "
                    f"bias={ly.bias}) on N={ly.batch_size}, L_in={ly.input_length}")
        else:
            spec = ly.spec
            sizes = ", ".join(f"{a}_in={v}" for a, v in zip(spec.axes, ly.input_size))
            transposed = spec.family == "transposed"
            extra = f"output_padding={ly.output_padding}, " if transposed else ""
            head = (f"{visible_text(ly.name)}: {spec.title}({ly.in_channels}, {ly.out_channels}, "
                    f"kernel_size={ly.kernel_size}, stride={ly.stride}, padding={pad}, {extra}"
                    f"dilation={ly.dilation}, groups={ly.groups}, bias={ly.bias}) "
                    f"on N={ly.batch_size}, {sizes}")
        lines = [head] + [f"  {st.text()}" for st in self.steps]
        if ly.spec.family == "transposed":
            from .convtranspose import convention_text

            lines.append(f"  ({convention_text(ly.bias)})")
        else:
            lines.append(f"  ({_m.convention_text(ly.bias)})")
        if conventions:
            listed = conventions_of(ly.spec)
            width = max(len(c.name) for c in CONVENTIONS)
            digits = max(len(f"{v:,}") for v in self.counts.values())
            lines += [f"  {c.name:<{width}}  {self.counts[c.name]:>{digits},}  {c.unit}, "
                      f"{c.bias_note(ly.bias)}, per {c.scope}" for c in listed]
        return "\n".join(lines)


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


# --- reading a model -----------------------------------------------------------------------

@dataclass(frozen=True)
class TorchRecord:
    """One call of one ``nn.Conv1d`` (``Conv2d``, ``Conv3d``): the shapes of the
    convolution's input and output.

    ``input_shape`` is what ``conv1d`` (``conv2d``, ``conv3d``) received, except that the
    pad the module applies
    itself for a ``padding_mode`` other than ``'zeros'`` is left out (it is the layer's
    padding); ``module`` is the layer's name (module path, ``#2`` for a second call).
    """

    module: str
    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    unbatched: bool
    padding_mode: str


class TorchLayers(list):
    """The layers in call order (:class:`~symconv.layers.Conv1dLayer` for Conv1d,
    :class:`~symconv.layers.Layer` for Conv2d/Conv3d), with the recorded shapes and
    derivations.

    Attributes:
        records: one :class:`TorchRecord` per layer (module path, shapes, unbatched).
        method: ``"meta"`` (shape-only run, no arithmetic) or ``"forward"`` (a real
            forward pass, used when the model cannot run on meta tensors).
    """

    def __init__(self, layers: Iterable[AnyLayer], records: Iterable[TorchRecord],
                 method: str) -> None:
        super().__init__(layers)
        self.records: list[TorchRecord] = list(records)
        self.method = method

    def derivations(self) -> list[LayerDerivation]:
        """The derivation of every layer's count (see :func:`derive_layer`)."""
        return [derive_layer(layer) for layer in self]

    def derivation(self, key: int | str) -> LayerDerivation:
        """The derivation of one layer, by index or by name."""
        if isinstance(key, str):
            for layer in self:
                if layer.name == key:
                    return derive_layer(layer)
            raise KeyError(key)
        return derive_layer(self[key])

    def total(self, convention: str = "symconv") -> int:
        """Sum of the layers' counts in ``convention`` (default: symconv's ops)."""
        name = _convention(convention).name
        return sum(layer.count(name) for layer in self)

    def to_dict(self) -> dict[str, Any]:
        """The layer-file form (``{"layers": [...]}``) that ``symconv table`` reads."""
        return {"layers": [layer.to_dict() for layer in self]}

    def save(self, path: str | Path) -> Path:
        """Write the layer file (JSON) to ``path``."""
        path = Path(path)
        path.write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")
        return path

    def render_table(self, fmt: str = "md", **options: Any) -> str:
        """The layer table of ``symconv table`` (``tex``, ``md`` or ``csv``) for these layers.

        ``options`` are those of :class:`symconv.latex.tables.TableOptions` (``si``,
        ``caption``, ``label``).
        """
        from .latex.tables import TableOptions, render_table

        if not self:
            raise ValueError("from_torch recorded no convolution layer (Conv1d, Conv2d, Conv3d): "
                             "there is no table to render")
        return render_table(list(self), fmt, TableOptions(**options))

    def rows(self, convention: str = "symconv") -> list[dict[str, Any]]:
        """Plain rows: the layer's fields (those of its layer file), its output size
        (``output_length`` for Conv1d, ``output_size`` else) and its count in ``convention``."""
        name = _convention(convention).name
        out = []
        for layer in self:
            size = ({"output_length": layer.output_length} if isinstance(layer, Conv1dLayer)
                    else {"output_size": list(layer.output_size)})
            out.append({**layer.to_dict(), **size, name: layer.count(name)})
        return out

    def table(self, convention: str = "symconv") -> str:
        """A plain-text table of the layers and their counts in ``convention`` (no final
        newline: ``print`` adds it)."""
        conv = _convention(convention)
        if all(isinstance(layer, Conv1dLayer) for layer in self):
            head = ["layer", "C_in", "C_out", "K", "s", "p", "d", "G", "bias", "N", "L_in",
                    "L_out", conv.name]
            body = [[visible_text(r["name"]), r["in_channels"], r["out_channels"], r["kernel_size"], r["stride"],
                     r["padding"], r["dilation"], r["groups"], "yes" if r["bias"] else "no",
                     r["batch_size"], r["input_length"], r["output_length"], f"{r[conv.name]:,}"]
                    for r in self.rows(conv.name)]
        else:  # several layer types: per-dimension values as 3×3 (see format_dims)
            head = ["layer", "type", "C_in", "C_out", "K", "s", "p", "d", "G", "bias", "N",
                    "input", "output", conv.name]
            body = [[visible_text(ly.name), ly.spec.title, ly.in_channels, ly.out_channels,
                     format_dims(ly.per_dim("kernel_size")),
                     format_dims(ly.per_dim("stride"), collapse=True),
                     format_dims(ly.per_dim("padding"), collapse=True),
                     format_dims(ly.per_dim("dilation"), collapse=True), ly.groups,
                     "yes" if ly.bias else "no", ly.batch_size,
                     format_dims(ly.input_size), format_dims(ly.output_size),
                     f"{ly.count(conv.name):,}"] for ly in self]
        body.append(["total"] + [""] * (len(head) - 2) + [f"{self.total(conv.name):,}"])
        cells = [[str(x) for x in row] for row in [head] + body]
        widths = [max(len(row[i]) for row in cells) for i in range(len(head))]
        lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in
                           enumerate(zip(row, widths))).rstrip() for row in cells]
        lines.insert(1, "-" * len(lines[0]))
        lines.insert(len(lines) - 1, "-" * len(lines[0]))
        # one description per layer family present (a transposed layer's torch counts the
        # scatter products)
        described = dict.fromkeys(conv.description if ly.spec.family != "transposed"
                                  else _convention(conv.name, ly.spec).description_for(ly.spec)
                                  for ly in self) or [conv.description]
        return "\n".join(lines) + f"\n({conv.name}: {'; '.join(described)})"


class FromTorchWarning(UserWarning):
    """:func:`from_torch` left something out of the count (the message says what)."""


class NoConvolutionWarning(FromTorchWarning):
    """The model ran no ``nn.Conv1d``, ``nn.Conv2d`` or ``nn.Conv3d`` on the example input:
    the layer list is empty."""


class UncountedConvolutionWarning(FromTorchWarning):
    """``conv1d``, ``conv2d`` or ``conv3d`` ran outside every convolution module
    (``nn.Conv1d/2d/3d``); those calls are not counted."""


#: The names of Conv1d-only releases: the same classes.
NoConv1dWarning = NoConvolutionWarning
UncountedConv1dWarning = UncountedConvolutionWarning


def _torch():
    try:
        import torch
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError("symconv.from_torch needs PyTorch: pip install 'symconv[torch]'") from None
    return torch


def _map_tensors(obj: Any, fn) -> Any:
    torch = _torch()
    if isinstance(obj, torch.Tensor):
        return fn(obj)
    if isinstance(obj, tuple):
        return tuple(_map_tensors(x, fn) for x in obj)
    if isinstance(obj, list):
        return [_map_tensors(x, fn) for x in obj]
    if isinstance(obj, dict):
        return {k: _map_tensors(v, fn) for k, v in obj.items()}
    return obj


def _call(model, inputs: Any, state: dict | None):
    torch = _torch()
    if isinstance(inputs, dict):
        args, kwargs = (), inputs
    elif isinstance(inputs, (tuple, list)):
        args, kwargs = tuple(inputs), {}
    else:
        args, kwargs = (inputs,), {}
    with torch.no_grad():
        if state is None:
            return model(*args, **kwargs)
        return torch.func.functional_call(model, state, args, kwargs, strict=False)


def _tensors(model) -> list:
    return list(model.named_parameters(remove_duplicate=False)) + \
        list(model.named_buffers(remove_duplicate=False))


def _is_lazy(model) -> bool:
    """True when ``model`` holds a parameter or buffer of a lazy module not yet initialized."""
    from torch.nn.parameter import is_lazy

    return any(is_lazy(t) for _, t in _tensors(model))


def _meta_state(model) -> dict:
    torch = _torch()
    return {name: torch.empty_like(t, device="meta") for name, t in _tensors(model)}


def _meta_copy(model):
    """A copy of ``model`` whose tensors are shape-only (meta), lazy ones still uninitialized.

    The copy shares no tensor with ``model`` and copies no data: a lazy module of the copy
    materialises its parameters on the meta device, the user's model stays as it was.
    """
    import copy

    torch = _torch()
    from torch.nn.parameter import UninitializedBuffer, UninitializedParameter

    memo: dict[int, Any] = {}
    for _, t in _tensors(model):
        if id(t) in memo:
            continue
        if isinstance(t, UninitializedParameter):
            m = UninitializedParameter(t.requires_grad, device="meta", dtype=t.dtype)
        elif isinstance(t, UninitializedBuffer):
            m = UninitializedBuffer(t.requires_grad, device="meta", dtype=t.dtype)
        elif isinstance(t, torch.nn.Parameter):
            m = torch.nn.Parameter(torch.empty_like(t, device="meta"), t.requires_grad)
        else:
            m = torch.empty_like(t, device="meta")
        memo[id(t)] = m
    return copy.deepcopy(model, memo)


def _single(value: Any) -> Any:
    return value[0] if isinstance(value, (tuple, list)) else value


def _spatial(value: Any, dims: int) -> Any:
    """A per-dimension argument of ``conv2d``/``conv3d`` as a tuple of ``dims`` ints (an int,
    or a 1-tuple, which PyTorch's functional API stretches to every dimension); a padding
    string as it is."""
    if isinstance(value, str):
        return value
    if isinstance(value, (tuple, list)):
        return tuple(value) * dims if len(value) == 1 else tuple(value)
    return (value,) * dims


_CONV1D_DEFAULTS = (("input", None), ("weight", None), ("bias", None), ("stride", 1),
                    ("padding", 0), ("dilation", 1), ("groups", 1))
#: ``torch.conv_transpose1d/2d/3d``: output_padding after padding, groups before dilation.
_TRANSPOSED_DEFAULTS = (("input", None), ("weight", None), ("bias", None), ("stride", 1),
                        ("padding", 0), ("output_padding", 0), ("groups", 1), ("dilation", 1))


def _transposed_arguments(args: tuple, kwargs: dict) -> dict[str, Any]:
    """``torch.conv_transpose1d``'s (2d's, 3d's) arguments by name, defaults filled in."""
    bound = {name: default for name, default in _TRANSPOSED_DEFAULTS}
    bound.update(zip((name for name, _ in _TRANSPOSED_DEFAULTS), args))
    bound.update(kwargs)
    return bound


def _conv1d_arguments(args: tuple, kwargs: dict) -> dict[str, Any]:
    """``torch.conv1d``'s (or ``conv2d``'s, ``conv3d``'s: the same signature) arguments by
    name, defaults filled in."""
    bound = {name: default for name, default in _CONV1D_DEFAULTS}
    bound.update(zip((name for name, _ in _CONV1D_DEFAULTS), args))
    bound.update(kwargs)
    return bound


@dataclass
class _Call:
    name: str                    # module path of the convolution module the call ran in
    module: Any
    conv: dict[str, Any]         # what torch.conv1d/2d/3d received (shapes, not tensors)
    output_shape: tuple[int, ...]
    unpadded: tuple[int, ...] | None  # input shape before the module's own padding_mode pad
    layer: str = "conv1d"        # the function that ran: conv1d, conv2d or conv3d


#: The convolution modules whose calls are counted (subclasses and lazy modules included).
_MODULES = ("Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d",
            "ConvTranspose3d")
_MODULE_WORDS = "torch.nn.Conv1d, Conv2d, Conv3d or ConvTranspose1d, 2d, 3d"


def _recorder(torch):
    """A TorchFunctionMode that records every ``torch.conv1d``/``conv2d``/``conv3d`` call with
    what it received (``torch.nn.functional.convNd`` is the same function).

    Each call is attributed to the innermost convolution module (``nn.Conv1d/2d/3d``) whose
    forward is running (:meth:`enter` / :meth:`leave`, called by forward pre-hooks and
    hooks); calls outside every such module are counted in ``bare`` (per function).
    Recording at the convolution itself counts what it really received — also when a
    subclass pads in ``forward`` (a causal convolution) or calls ``_conv_forward`` /
    ``F.conv2d`` itself. The pad that the module applies for a non-zeros
    ``padding_mode`` is traced, so that such a layer is shown with its own padding and
    input size (the same count).
    """
    from torch.overrides import TorchFunctionMode

    pad_fn = torch.nn.functional.pad
    functions = ((torch.conv1d, "conv1d"), (torch.conv2d, "conv2d"), (torch.conv3d, "conv3d"),
                 (torch.conv_transpose1d, "conv_transpose1d"),
                 (torch.conv_transpose2d, "conv_transpose2d"),
                 (torch.conv_transpose3d, "conv_transpose3d"))

    class Recorder(TorchFunctionMode):
        def __init__(self) -> None:
            super().__init__()
            self.active: list[tuple[str, Any]] = []
            self.calls: list[_Call] = []
            self.bare: dict[str, int] = {}
            self._own_pad: tuple[Any, Any, tuple[int, ...]] | None = None

        def enter(self, name: str, module: Any) -> None:
            self.active.append((name, module))

        def leave(self, module: Any) -> None:
            for i in range(len(self.active) - 1, -1, -1):
                if self.active[i][1] is module:
                    del self.active[i:]
                    return

        def __torch_function__(self, func, types, args=(), kwargs=None):
            kwargs = kwargs or {}
            out = func(*args, **kwargs)
            layer = next((name for fn, name in functions if func is fn), None)
            if layer is not None:
                self._conv(layer, args, kwargs, out)
            elif func is pad_fn and self.active and args and isinstance(args[0], torch.Tensor):
                module = self.active[-1][1]
                mode = kwargs.get("mode", args[2] if len(args) > 2 else "constant")
                if getattr(module, "padding_mode", "zeros") != "zeros" and \
                        mode == module.padding_mode:
                    self._own_pad = (module, out, tuple(args[0].shape))
            return out

        def _conv(self, layer: str, args: tuple, kwargs: dict, out: Any) -> None:
            bound = (_transposed_arguments(args, kwargs) if layer.startswith("conv_transpose")
                     else _conv1d_arguments(args, kwargs))
            x, w = bound["input"], bound["weight"]
            if not self.active:
                self.bare[layer] = self.bare.get(layer, 0) + 1
                return
            if not (isinstance(x, torch.Tensor) and isinstance(w, torch.Tensor)
                    and isinstance(out, torch.Tensor)):  # pragma: no cover - torch refuses it
                return
            name, module = self.active[-1]
            own = self._own_pad
            unpadded = own[2] if own is not None and own[0] is module and own[1] is x else None
            self._own_pad = None
            conv = dict(input_shape=tuple(x.shape), weight_shape=tuple(w.shape),
                        bias=bound["bias"] is not None, stride=bound["stride"],
                        padding=bound["padding"], dilation=bound["dilation"],
                        groups=bound["groups"], output_padding=bound.get("output_padding", 0))
            self.calls.append(_Call(name, module, conv, tuple(out.shape), unpadded, layer))

    return Recorder()


def _layer_of(call: _Call, label: str) -> tuple[AnyLayer, TorchRecord]:
    """The layer of one recorded convolution call: what the convolution received."""
    if call.layer.startswith("conv_transpose"):
        return _transposed_layer_of(call, label)
    if call.layer != "conv1d":
        return _nd_layer_of(call, label)
    c, mod = call.conv, call.module
    in_shape = c["input_shape"]
    fields = dict(name=label, in_channels=in_shape[-2], out_channels=c["weight_shape"][0],
                  kernel_size=c["weight_shape"][-1], input_length=in_shape[-1],
                  stride=_single(c["stride"]), padding=_single(c["padding"]),
                  dilation=_single(c["dilation"]), groups=c["groups"], bias=c["bias"])
    unbatched = len(in_shape) == 2
    fields["batch_size"] = 1 if unbatched else in_shape[0]
    layer = Conv1dLayer(**fields)
    if call.unpadded is not None and fields["padding"] == 0:
        # nn.Conv1d padded the input itself (padding_mode reflect, replicate, circular):
        # show the layer with its padding and the input it was given (the same L_out)
        own = Conv1dLayer(**{**fields, "input_length": call.unpadded[-1],
                             "padding": _single(mod.padding)})
        if own.output_length == layer.output_length:
            layer, in_shape = own, in_shape[:-1] + call.unpadded[-1:]
    if layer.output_length != call.output_shape[-1]:  # never expected: symconv states PyTorch's rule
        raise RuntimeError(f"{label}: symconv's L_out = {layer.output_length}, "
                           f"PyTorch's output length = {call.output_shape[-1]}")
    record = TorchRecord(label, in_shape, call.output_shape, unbatched,
                         getattr(mod, "padding_mode", "zeros"))
    return layer, record


def _nd_layer_of(call: _Call, label: str) -> tuple[Layer, TorchRecord]:
    """:func:`_layer_of` for a ``conv2d`` / ``conv3d`` call: a :class:`Layer`."""
    c, mod = call.conv, call.module
    dims = int(call.layer[4])
    in_shape = c["input_shape"]
    fields = dict(name=label, type=call.layer, in_channels=in_shape[-dims - 1],
                  out_channels=c["weight_shape"][0], kernel_size=tuple(c["weight_shape"][-dims:]),
                  input_size=tuple(in_shape[-dims:]), stride=_spatial(c["stride"], dims),
                  padding=_spatial(c["padding"], dims), dilation=_spatial(c["dilation"], dims),
                  groups=c["groups"], bias=c["bias"])
    unbatched = len(in_shape) == dims + 1
    fields["batch_size"] = 1 if unbatched else in_shape[0]
    layer = Layer(**fields)
    if call.unpadded is not None and fields["padding"] == (0,) * dims:
        # the module padded the input itself (padding_mode reflect, replicate, circular):
        # show the layer with its padding and the input it was given (the same output size)
        own = Layer(**{**fields, "input_size": tuple(call.unpadded[-dims:]),
                       "padding": _spatial(mod.padding, dims)})
        if own.output_size == layer.output_size:
            layer, in_shape = own, in_shape[:-dims] + tuple(call.unpadded[-dims:])
    if layer.output_size != tuple(call.output_shape[-dims:]):  # never expected
        raise RuntimeError(f"{label}: symconv's output size = {layer.output_size}, "
                           f"PyTorch's = {tuple(call.output_shape[-dims:])}")
    record = TorchRecord(label, in_shape, call.output_shape, unbatched,
                         getattr(mod, "padding_mode", "zeros"))
    return layer, record


def _transposed_layer_of(call: _Call, label: str) -> tuple[Layer, TorchRecord]:
    """:func:`_layer_of` for a ``conv_transpose1d/2d/3d`` call: a :class:`Layer`.

    The weight of a transposed convolution is ``(C_in, C_out/G, *K)``. The output_padding
    is the effective one, read from the output's shape: ``forward(x, output_size=...)``
    chooses it (and passes it on), so the shape is what decides; it must equal what the
    function received.
    """
    c = call.conv
    dims = int(call.layer[len("conv_transpose")])
    in_shape, w_shape = c["input_shape"], c["weight_shape"]
    kernel = tuple(w_shape[-dims:])
    stride, padding = _spatial(c["stride"], dims), _spatial(c["padding"], dims)
    dilation = _spatial(c["dilation"], dims)
    size = tuple(in_shape[-dims:])
    out = tuple(call.output_shape[-dims:])
    # PyTorch's output size with output_padding 0, per dimension: the rest is output_padding
    output_padding = tuple(o - ((i - 1) * s - 2 * p + d * (k - 1) + 1)
                           for o, i, s, p, d, k in zip(out, size, stride, padding, dilation,
                                                       kernel))
    given = _spatial(c["output_padding"], dims)
    if output_padding != tuple(given):  # never expected: symconv states PyTorch's rule
        raise RuntimeError(f"{label}: output_padding from the output shape {output_padding}, "
                           f"PyTorch received {tuple(given)}")
    fields = dict(name=label, type=call.layer, in_channels=in_shape[-dims - 1],
                  out_channels=w_shape[1] * c["groups"], kernel_size=kernel, input_size=size,
                  stride=stride, padding=padding, output_padding=output_padding,
                  dilation=dilation, groups=c["groups"], bias=c["bias"])
    unbatched = len(in_shape) == dims + 1
    fields["batch_size"] = 1 if unbatched else in_shape[0]
    layer = Layer(**fields)
    if layer.output_size != out:  # never expected
        raise RuntimeError(f"{label}: symconv's output size = {layer.output_size}, "
                           f"PyTorch's = {out}")
    record = TorchRecord(label, in_shape, call.output_shape, unbatched,
                         getattr(call.module, "padding_mode", "zeros"))
    return layer, record


def _run(model, inputs: Any, state: dict | None, torch) -> Any:
    """Run ``model`` once in eval mode with every convolution module's call recorded."""
    recorder = _recorder(torch)
    classes = tuple(getattr(torch.nn, name) for name in _MODULES)
    convs = [(name or type(mod).__name__.lower(), mod) for name, mod in model.named_modules()
             if isinstance(mod, classes)]
    handles = []

    def leave(module, args, output):
        recorder.leave(module)

    for name, mod in convs:
        handles.append(mod.register_forward_pre_hook(
            lambda module, args, name=name: recorder.enter(name, module)))
        try:  # also when forward raises and the caller catches it (PyTorch >= 2.1)
            handles.append(mod.register_forward_hook(leave, always_call=True))
        except TypeError:  # pragma: no cover - older PyTorch
            handles.append(mod.register_forward_hook(leave))
    modes = {mod: mod.training for mod in model.modules()}
    try:
        model.eval()
        with recorder:
            _call(model, inputs, state)
    finally:
        for h in handles:
            h.remove()
        for mod, training in modes.items():  # each module's own mode, as it was
            mod.training = training
    return recorder, len(convs)


def from_torch(model, example_input: Any, *, meta: bool = True) -> TorchLayers:
    """Every ``nn.Conv1d``, ``nn.Conv2d``, ``nn.Conv3d`` and ``nn.ConvTranspose1d/2d/3d``
    call of ``model`` on ``example_input``, as symconv layers.

    A transposed convolution is a :class:`~symconv.layers.Layer` of type
    ``"conv_transpose1d"`` (``2d``, ``3d``) whose ``output_padding`` is the effective one, read
    from the output's shape (``forward(x, output_size=...)`` chooses it).

    Each layer is what the convolution really received: the input size and
    batch size are read where ``conv1d`` / ``conv2d`` / ``conv3d`` runs, so a subclass
    that pads in ``forward`` (a causal convolution) is counted on its padded input.

    Args:
        model: a ``torch.nn.Module`` (or a single convolution module).
        example_input: the input of one forward call: a tensor, a tuple/list of
            positional arguments, or a dict of keyword arguments. Only its shapes
            matter when the meta run succeeds.
        meta: try the shape-only run on meta tensors first (default True);
            False always runs a real forward pass.

    Returns:
        :class:`TorchLayers`: one layer per call of a convolution module, in call
        order — a :class:`~symconv.layers.Conv1dLayer` for ``conv1d``, a
        :class:`~symconv.layers.Layer` (``type`` ``"conv2d"`` / ``"conv3d"``) for the
        others — named by module path (``path#2`` for a second call of the same
        module); unbatched input gives ``batch_size=1``, recorded as ``unbatched`` in
        :attr:`TorchLayers.records`; an empty batch gives ``batch_size=0`` and a count of 0.

    The model is left as it was: a model with lazy modules (``nn.LazyConv1d``,
    ``nn.LazyConv2d``, ...) runs as a copy, so its parameters stay uninitialized (if it
    cannot be copied, a :class:`FromTorchWarning` says that the forward pass
    initialized them).

    Warns:
        FromTorchWarning: a lazy model could not be copied and was initialized.
        NoConvolutionWarning (alias ``NoConv1dWarning``): no convolution module ran
            (the result is empty).
        UncountedConvolutionWarning (alias ``UncountedConv1dWarning``): ``conv1d``,
            ``conv2d`` or ``conv3d`` ran outside every convolution module.

    Raises:
        ImportError: PyTorch is not installed.
        TypeError: ``model`` is not an ``nn.Module``.
    """
    return _from_torch(model, example_input, meta, stacklevel=3)


def _from_torch(model, example_input: Any, meta: bool, stacklevel: int) -> TorchLayers:
    """:func:`from_torch`; warnings point ``stacklevel`` frames up (at the user's call)."""
    torch = _torch()
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    lazy = _is_lazy(model)
    recorder = None
    method = "meta"
    if meta:
        try:
            inputs = _map_tensors(example_input, lambda t: t.to("meta"))
            if lazy:  # a lazy module initializes itself on the first call: run a meta copy
                recorder, n_convs = _run(_meta_copy(model), inputs, None, torch)
            else:
                recorder, n_convs = _run(model, inputs, _meta_state(model), torch)
        except Exception:  # the model cannot run shape-only: one real pass instead
            recorder = None
    if recorder is None:
        method = "forward"
        target = model
        if lazy:  # the forward pass would initialize the lazy modules: run a copy
            import copy

            try:
                target = copy.deepcopy(model)
            except Exception as exc:
                warnings.warn(FromTorchWarning(
                    f"from_torch: the model cannot be copied ({type(exc).__name__}: {exc}); "
                    f"its lazy modules are initialized by the forward pass"), stacklevel=stacklevel)
        recorder, n_convs = _run(target, example_input, None, torch)

    layers, records, calls = [], [], {}
    for call in recorder.calls:
        calls[call.name] = calls.get(call.name, 0) + 1
        label = call.name if calls[call.name] == 1 else f"{call.name}#{calls[call.name]}"
        layer, record = _layer_of(call, label)
        layers.append(layer)
        records.append(record)
    if recorder.bare:
        calls = ", ".join(f"{n} {fn} call(s)" for fn, n in sorted(recorder.bare.items()))
        fns = "/".join(f"torch.nn.functional.{fn}" for fn in sorted(recorder.bare))
        warnings.warn(UncountedConvolutionWarning(
            f"from_torch: {calls} ran outside every convolution module ({_MODULE_WORDS}; "
            f"{fns} called directly) and are not counted"), stacklevel=stacklevel)
    if not layers:
        where = (f"the model has no {_MODULE_WORDS} module" if not n_convs else
                 f"none of its {n_convs} convolution module(s) ({_MODULE_WORDS}) ran on "
                 f"this input")
        warnings.warn(NoConvolutionWarning(f"from_torch: no convolution layer to count: {where}; "
                                           f"the result is empty"), stacklevel=stacklevel)
    return TorchLayers(layers, records, method)
