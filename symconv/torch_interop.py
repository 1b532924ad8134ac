"""Read the Conv1d layers of a real PyTorch model: :func:`from_torch`.

``from_torch(model, example_input)`` runs the model once with a forward hook
on every ``torch.nn.Conv1d`` and records what each layer really sees: its
input length and batch size (unbatched input counts as a batch of 1),
stride, padding (an int, ``'same'`` or ``'valid'``), dilation, groups and
whether it has a bias. The run uses *meta* tensors — parameters, buffers and
input are replaced by shape-only tensors through
``torch.func.functional_call``, so no arithmetic is performed and the model
is left untouched; if the model cannot run on meta tensors (data-dependent
control flow, for example) it falls back to one real forward pass under
``torch.no_grad()`` in eval mode.

The result is a list of :class:`symconv.layers.Conv1dLayer` — the layer
format of layer files and of ``symconv table`` — in call order, with the
recorded shapes and a per-layer derivation (:func:`derive_layer`): each
step of the general derivation with the layer's numbers substituted.
:meth:`TorchLayers.render_table` renders the LaTeX / Markdown / CSV table of
``symconv table``; :meth:`TorchLayers.save` writes the layer file it reads.

PyTorch is imported only when :func:`from_torch` is called; install it with
``pip install 'symconv[torch]'``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import sympy as sp
from sympy.printing.str import StrPrinter

from . import conv1d as _m
from .conventions import CONVENTIONS, counts as _counts, get as _convention
from .functions import FloorDiv
from .layers import Conv1dLayer
from .symbols import C_in, C_out, G, K, L_in, L_out, N, d, gamma, lam, ops, p, psi, s
from .symbols import unicode_names

__all__ = ["from_torch", "TorchLayers", "TorchRecord", "LayerDerivation", "DerivedStep",
           "derive_layer"]


# --- per-layer derivation (no torch needed) -----------------------------------------------

class _OneLine(StrPrinter):
    """One-line Unicode printer for display forms: keeps the written order, ⌊a/b⌋ for FloorDiv."""

    printmethod = "_symconv_one_line"  # skip FloorDiv's own _sympystr

    def __init__(self) -> None:
        super().__init__({"order": "none"})

    def _print_Mul(self, expr: sp.Mul) -> str:
        args = expr.args
        if len(args) == 2 and args[0] == -1 and args[1].is_Number:  # unevaluated -(number)
            return f"-{self._print(args[1])}"
        return super()._print_Mul(expr)

    def _print_FloorDiv(self, expr: FloorDiv) -> str:
        a, b = expr.args
        den = self._print(b)
        return f"⌊({self._print(a)})/{den if b.is_Atom else '(' + den + ')'}⌋"


def one_line(expr: sp.Expr) -> str:
    """``expr`` on one line, symconv's Unicode symbol names, factors as written."""
    names = {sym: sp.Symbol(name) for sym, name in unicode_names().items()}
    names[_m.BIAS] = sp.Symbol("b")
    with sp.evaluate(False):
        renamed = sp.sympify(expr).xreplace(names)
    return _OneLine().doprint(renamed).replace("**", "^").replace("*", "·")


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

    def text(self) -> str:
        parts = [one_line(self.lhs), one_line(self.expr), one_line(self.substituted)]
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

    layer: Conv1dLayer
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
        """The steps, one per line; optionally the count in every convention."""
        ly = self.layer
        pad = f"'{ly.padding}'" if isinstance(ly.padding, str) else ly.padding
        head = (f"{ly.name}: Conv1d({ly.in_channels}, {ly.out_channels}, kernel_size={ly.kernel_size}, "
                f"stride={ly.stride}, padding={pad}, dilation={ly.dilation}, groups={ly.groups}, "
                f"bias={ly.bias}) on N={ly.batch_size}, L_in={ly.input_length}")
        lines = [head] + [f"  {st.text()}" for st in self.steps]
        lines.append(f"  ({_m.convention_text(ly.bias)})")
        if conventions:
            width = max(len(c.name) for c in CONVENTIONS)
            digits = max(len(f"{v:,}") for v in self.counts.values())
            lines += [f"  {c.name:<{width}}  {self.counts[c.name]:>{digits},}  {c.unit}, "
                      f"{c.bias_note(ly.bias)}, per {c.scope}" for c in CONVENTIONS]
        return "\n".join(lines) + "\n"


def _definition(name: str):
    for step in _m.DERIVATION.definitions:
        if step.name == name:
            return step
    raise KeyError(name)


def derive_layer(layer: Conv1dLayer) -> LayerDerivation:
    """Every step of the Conv1d derivation with ``layer``'s numbers substituted.

    The general expressions are the display forms of :data:`symconv.conv1d.DERIVATION`;
    each substituted form is evaluated exactly and checked against the layer's count.
    """
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

    for st in steps:  # every substituted form is exact and consistent
        if sp.sympify(st.substituted).doit() != st.value:
            raise ArithmeticError(f"{layer.name}: step {st.name} does not evaluate to {st.value}")
    if not steps[-1].value == steps[-2].value == layer.ops:
        raise ArithmeticError(f"{layer.name}: derivation gives {steps[-1].value}, "
                              f"the evaluator {layer.ops}")
    all_counts = _counts(layer.batch_size, layer.in_channels, layer.out_channels,
                         layer.input_length, layer.kernel_size, layer.stride, layer.padding,
                         layer.dilation, layer.groups, layer.bias)
    return LayerDerivation(layer, values, tuple(steps), all_counts)


# --- reading a model -----------------------------------------------------------------------

@dataclass(frozen=True)
class TorchRecord:
    """What the hook saw for one call of one ``nn.Conv1d``."""

    module: str
    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    unbatched: bool
    padding_mode: str


class TorchLayers(list):
    """``list[Conv1dLayer]`` in call order, with the recorded shapes and derivations.

    Attributes:
        records: one :class:`TorchRecord` per layer (module path, shapes, unbatched).
        method: ``"meta"`` (shape-only run, no arithmetic) or ``"forward"`` (a real
            forward pass, used when the model cannot run on meta tensors).
    """

    def __init__(self, layers: Iterable[Conv1dLayer], records: Iterable[TorchRecord],
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
        if _convention(convention).name == "symconv":
            return sum(layer.ops for layer in self)
        return sum(derive_layer(layer).counts[_convention(convention).name] for layer in self)

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

        return render_table(list(self), fmt, TableOptions(**options))

    def rows(self, convention: str = "symconv") -> list[dict[str, Any]]:
        """Plain rows: the layer's fields, L_out and its count in ``convention``."""
        name = _convention(convention).name
        out = []
        for layer in self:
            count = layer.ops if name == "symconv" else derive_layer(layer).counts[name]
            out.append({**layer.to_dict(), "output_length": layer.output_length, name: count})
        return out

    def table(self, convention: str = "symconv") -> str:
        """A plain-text table of the layers and their counts in ``convention``."""
        conv = _convention(convention)
        head = ["layer", "C_in", "C_out", "K", "s", "p", "d", "G", "bias", "N", "L_in", "L_out",
                conv.name]
        body = [[r["name"], r["in_channels"], r["out_channels"], r["kernel_size"], r["stride"],
                 r["padding"], r["dilation"], r["groups"], "yes" if r["bias"] else "no",
                 r["batch_size"], r["input_length"], r["output_length"], f"{r[conv.name]:,}"]
                for r in self.rows(conv.name)]
        body.append(["total"] + [""] * 11 + [f"{self.total(conv.name):,}"])
        cells = [[str(x) for x in row] for row in [head] + body]
        widths = [max(len(row[i]) for row in cells) for i in range(len(head))]
        lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in
                           enumerate(zip(row, widths))).rstrip() for row in cells]
        lines.insert(1, "-" * len(lines[0]))
        lines.insert(len(lines) - 1, "-" * len(lines[0]))
        return "\n".join(lines) + f"\n({conv.name}: {conv.description})\n"


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


def _meta_state(model) -> dict:
    torch = _torch()
    state = {}
    for name, t in list(model.named_parameters(remove_duplicate=False)) + \
            list(model.named_buffers(remove_duplicate=False)):
        if isinstance(t, torch.nn.parameter.UninitializedParameter) or \
                isinstance(t, torch.nn.parameter.UninitializedBuffer):
            raise RuntimeError(f"{name} is not initialized (lazy module)")
        state[name] = torch.empty_like(t, device="meta")
    return state


def _single(value: Any) -> Any:
    return value[0] if isinstance(value, (tuple, list)) else value


def from_torch(model, example_input: Any, *, meta: bool = True) -> TorchLayers:
    """Every ``nn.Conv1d`` call of ``model`` on ``example_input``, as symconv layers.

    Args:
        model: a ``torch.nn.Module`` (or a single ``nn.Conv1d``).
        example_input: the input of one forward call: a tensor, a tuple/list of
            positional arguments, or a dict of keyword arguments. Only its shapes
            matter when the meta run succeeds.
        meta: try the shape-only run on meta tensors first (default True);
            False always runs a real forward pass.

    Returns:
        :class:`TorchLayers`: one :class:`~symconv.layers.Conv1dLayer` per call
        of an ``nn.Conv1d``, in call order, named by module path (``path#2``
        for a second call of the same module); unbatched input gives
        ``batch_size=1``, recorded as ``unbatched`` in :attr:`TorchLayers.records`.

    Raises:
        ImportError: PyTorch is not installed.
        TypeError: ``model`` is not an ``nn.Module``.
    """
    torch = _torch()
    nn = torch.nn
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    convs = [(name or type(mod).__name__.lower(), mod) for name, mod in model.named_modules()
             if isinstance(mod, nn.Conv1d)]
    seen: list[tuple[str, Any, tuple[int, ...], tuple[int, ...]]] = []

    def hook_for(name: str):
        def hook(module, args, output):
            x = args[0] if args else None
            if isinstance(x, torch.Tensor) and isinstance(output, torch.Tensor):
                seen.append((name, module, tuple(x.shape), tuple(output.shape)))
        return hook

    handles = [mod.register_forward_hook(hook_for(name)) for name, mod in convs]
    was_training = model.training
    method = "forward"
    try:
        model.eval()
        if meta:
            try:
                _call(model, _map_tensors(example_input, lambda t: t.to("meta")),
                      _meta_state(model))
                method = "meta"
            except Exception:  # the model cannot run shape-only: one real pass instead
                seen.clear()
        if method != "meta":
            _call(model, example_input, None)
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)

    layers, records, calls = [], [], {}
    for name, mod, in_shape, out_shape in seen:
        calls[name] = calls.get(name, 0) + 1
        label = name if calls[name] == 1 else f"{name}#{calls[name]}"
        unbatched = len(in_shape) == 2
        padding = mod.padding if isinstance(mod.padding, str) else _single(mod.padding)
        layer = Conv1dLayer(name=label, in_channels=mod.in_channels,
                            out_channels=mod.out_channels, kernel_size=_single(mod.kernel_size),
                            input_length=in_shape[-1], stride=_single(mod.stride),
                            padding=padding, dilation=_single(mod.dilation), groups=mod.groups,
                            bias=mod.bias is not None,
                            batch_size=1 if unbatched else in_shape[0])
        if layer.output_length != out_shape[-1]:  # never expected: symconv states PyTorch's rule
            raise RuntimeError(f"{label}: symconv's L_out = {layer.output_length}, "
                               f"PyTorch's output length = {out_shape[-1]}")
        layers.append(layer)
        records.append(TorchRecord(label, in_shape, out_shape, unbatched, mod.padding_mode))
    return TorchLayers(layers, records, method)
