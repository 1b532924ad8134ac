"""Models with genuine floors as :class:`symconv.symbolic.SymbolicCost` objects, built here
from the layer specifications (each layer's count expression with its input size replaced
by the expression of the model's input), and the same layers at one concrete size (the
numeric count of symconv.layers, an independent route to every value)."""

from __future__ import annotations

import sympy as sp

from symconv.model import parse_layers
from symconv.registry import get
from symconv.symbolic import SymbolicCost

_POS = {"integer": True, "positive": True}

#: A 1-D audio-style encoder: strided convolutions with pooling between them.
AUDIO_1D = [
    ("conv", "conv1d", "encoder.conv_in", dict(in_channels=1, out_channels=16, kernel_size=7,
                                               stride=2, padding=3)),
    ("conv", "conv1d", "encoder.block1.conv_dw", dict(in_channels=16, out_channels=16,
                                                      kernel_size=5, padding=2, groups=16,
                                                      bias=False)),
    ("conv", "conv1d", "encoder.block1.conv_pw", dict(in_channels=16, out_channels=32,
                                                      kernel_size=1)),
    ("pool", 3),
    ("conv", "conv1d", "encoder.block2.conv", dict(in_channels=32, out_channels=64,
                                                   kernel_size=3, stride=2, dilation=2)),
    ("pool", 2),
    ("conv", "conv1d", "encoder.block3.conv", dict(in_channels=64, out_channels=64,
                                                   kernel_size=3, stride=3, groups=4)),
    ("conv", "conv1d", "head.proj", dict(in_channels=64, out_channels=10, kernel_size=1)),
]

#: A small 2-D CNN with pooling.
CNN_2D = [
    ("conv", "conv2d", "features.0", dict(in_channels=3, out_channels=16, kernel_size=(3, 3),
                                          stride=(2, 2), padding=(1, 1))),
    ("pool", 2),
    ("conv", "conv2d", "features.3", dict(in_channels=16, out_channels=32, kernel_size=(3, 3),
                                          padding=(1, 1))),
    ("pool", 2),
    ("conv", "conv2d", "features.6", dict(in_channels=32, out_channels=64, kernel_size=(3, 5),
                                          stride=(2, 3))),
    ("conv", "conv2d", "classifier", dict(in_channels=64, out_channels=10, kernel_size=(1, 1))),
]

#: A small 3-D CNN (video): a long total formula, three floors per layer.
CNN_3D = [
    ("conv", "conv3d", "stem", dict(in_channels=3, out_channels=32, kernel_size=(3, 7, 7),
                                    stride=(1, 2, 2), padding=(1, 3, 3))),
    ("pool", 2),
    ("conv", "conv3d", "block.conv_a", dict(in_channels=32, out_channels=64, kernel_size=(3, 3, 3),
                                            stride=(2, 2, 2), padding=(1, 1, 1))),
    ("pool", 3),
    ("conv", "conv3d", "block.conv_b", dict(in_channels=64, out_channels=128,
                                            kernel_size=(1, 3, 5), stride=(1, 3, 2),
                                            dilation=(1, 2, 1))),
]


def _tuple(v, dims):
    return tuple(v) if isinstance(v, (tuple, list)) else (v,) * dims


def _names(dims):
    return {1: ["L_in"], 2: ["H_in", "W_in"], 3: ["D_in", "H_in", "W_in"]}[dims]


def build_cost(model, dims: int, rename: dict | None = None) -> SymbolicCost:
    """The SymbolicCost of ``model`` (steps as :data:`AUDIO_1D`); ``rename`` maps layer names."""
    rename = rename or {}
    symbols = {"N": sp.Symbol("N", **_POS)}
    for n in _names(dims):
        symbols[n] = sp.Symbol(n, **_POS)
    sizes = [symbols[n] for n in _names(dims)]
    per_layer, constraints = {}, []
    for step in model:
        if step[0] == "pool":
            k = step[1]
            sizes = [sp.floor((x - k) / k) + 1 for x in sizes]
            continue
        _, kind, name, cfg = step
        spec = get(kind)
        values = {}
        for param in spec.parameters:
            if param.kind == "batch":
                vals = (symbols["N"],)
            elif param.name in ("input_length", "input_size"):
                vals = tuple(sizes)
            elif param.kind == "bias":
                vals = (1 if cfg.get("bias", True) else 0,)
            else:
                raw = cfg.get(param.name, param.default)
                vals = _tuple(raw, len(param.symbols))
            values.update(zip(param.symbols, vals))
        ops = spec.in_input_sizes(spec.expression("ops")).xreplace(values)
        per_layer[rename.get(name, name)] = ops
        sizes = [out.xreplace(values) for out in spec.output_size]
        constraints += [x >= 1 for x in sizes]
    # every output size >= 1: keep the rules on the model's input (single-symbol, monotone)
    rules = []
    for n in _names(dims):
        sym = symbols[n]
        lo = 1
        others = {symbols[m]: sp.Integer(10**6) for m in _names(dims) if m != n}
        while not all(bool(c.xreplace({**others, sym: lo})) for c in constraints):
            lo += 1
        rules.append(sym >= lo)
    return SymbolicCost(per_layer=per_layer, symbols=symbols, constraints=tuple(rules))


def numeric_counts(model, dims: int, size, batch: int = 1) -> list[int]:
    """Each layer's count (symconv.layers, convention symconv) at the concrete input ``size``."""
    sizes = list(_tuple(size, dims))
    records = []
    for step in model:
        if step[0] == "pool":
            sizes = [(x - step[1]) // step[1] + 1 for x in sizes]
            continue
        _, kind, name, cfg = step
        rec = {"name": name, "batch_size": batch, **cfg}
        if dims == 1:
            rec["input_length"] = sizes[0]
        else:
            rec["type"] = kind
            rec["input_size"] = list(sizes)
        rec = {k: list(v) if isinstance(v, tuple) else v for k, v in rec.items()}
        layer = parse_layers({"layers": [rec]})[0]
        records.append(layer)
        sizes = list(layer.output_size)
    return [layer.count("symconv") for layer in records]
