"""Plain values and functions shared by the test modules (fixtures and hooks: ``conftest.py``).

Test modules never import each other; what several of them need is here. This is not a test
module (pytest collects ``test_*.py`` only) and holds no fixture: values a test module needs
while it is imported (``pytest.mark.parametrize`` lists, module-level tables) cannot be
fixtures, and ``conftest.py`` is loaded by pytest as a plugin, not imported by name.

Everything per layer is driven by the registry (``symconv.registry``): a newly registered
layer is in :data:`LAYER_NAMES`, and ``tests/test_registry_coverage.py`` fails when a test
parametrized per layer leaves a registered layer out.
"""

from __future__ import annotations

import importlib
from fractions import Fraction
from typing import Any, Callable

import numpy as np
import pytest
import sympy as sp

import symconv
from symconv.functions import FloorDiv
from symconv.registry import LAYERS, names
from symconv.spec import LayerSpec

INT64_MAX = 2**63 - 1

#: Every registered layer, in registry order: the list every per-layer test runs over.
LAYER_NAMES: tuple[str, ...] = names()


#: Where conftest.py's collection hook leaves, per test function parametrized with layers, the
#: layers it runs for and those it must run for (tests/test_registry_coverage.py reads it).
LAYER_RECORD = pytest.StashKey[dict]()


def FORWARD(spec: LayerSpec) -> bool:
    """A forward convolution (Conv1d/2d/3d): ``layers(where=FORWARD)``."""
    return spec.family == "convolution"


def TRANSPOSED(spec: LayerSpec) -> bool:
    """A transposed convolution (ConvTranspose1d/2d/3d): ``layers(where=TRANSPOSED)``."""
    return spec.family == "transposed"


#: Why a per-layer test runs for the forward convolutions only (``layers(reason=...)``):
#: it checks what a forward convolution is (its reference, loop nest, conventions, rules); the
#: transposed layers' counterparts are in tests/test_convtranspose_layer.py.
FORWARD_ONLY = "a forward convolution's semantics; transposed: tests/test_convtranspose_layer.py"
#: A forward layer's evaluator layout (per-dimension functions of the forward output size, the
#: forward parameter list); the transposed layers' generated evaluators have their own checks
#: (10**5-row sweeps, strict and sanitized C, bad input) in tests/test_convtranspose_codegen.py.
PENDING_CODEGEN = "forward evaluator layout; transposed: tests/test_convtranspose_codegen.py"
#: A forward layer's derivation document (psi/lambda/gamma chains, loop nest, 'same', worked
#: example from the spec); the transposed layers' documents (compile clean, fit two columns,
#: coexist with Conv2d's, worked examples = counting reference) are tested in
#: tests/test_convtranspose_latex.py.
PENDING_LATEX = "forward derivation document; transposed: tests/test_convtranspose_latex.py"


def layer_names(where: Callable[[LayerSpec], bool] | None = None) -> tuple[str, ...]:
    """The registered layers whose specification satisfies ``where`` (all without it)."""
    return tuple(n for n in LAYER_NAMES if where is None or where(LAYERS[n]))


# --- Conv1d's columns (the C ABI spells 'same' as padding -1) ----------------------------

def _loguniform(rng, high_exp, size):
    return np.floor(2.0 ** rng.uniform(0, high_exp, size)).astype(np.int64)


def configurations(n: int, seed: int) -> dict[str, np.ndarray]:
    """``n`` random valid Conv1d configurations (columns); padding -1 means 'same'.

    Sizes are log-uniform so counts spread from tiny to beyond 2**63
    (a tail of rows has a large batch).
    """
    rng = np.random.default_rng(seed)
    groups = np.where(rng.random(n) < 0.5, 1, _loguniform(rng, 6, n))
    cin = groups * _loguniform(rng, 10, n)
    cout = groups * _loguniform(rng, 10, n)
    kernel = _loguniform(rng, 5, n)
    dilation = np.where(rng.random(n) < 0.6, 1, _loguniform(rng, 3, n))
    mode = rng.random(n)
    same = mode < 0.15
    stride = np.where(same, 1, np.where(rng.random(n) < 0.5, 1, _loguniform(rng, 3, n)))
    padding = np.where(same, -1, np.where(mode < 0.3, 0, _loguniform(rng, 6, n) - 1))
    span = dilation * (kernel - 1) + 1
    min_len = np.maximum(1, span - 2 * np.maximum(padding, 0))
    length = np.where(same, _loguniform(rng, 18, n), min_len + _loguniform(rng, 18, n) - 1)
    batch = _loguniform(rng, 10, n) * np.where(rng.random(n) < 0.15, _loguniform(rng, 40, n), 1)
    bias = (rng.random(n) < 0.5).astype(np.int64)
    return dict(batch_size=batch, in_channels=cin, out_channels=cout, input_length=length,
                kernel_size=kernel, stride=stride, padding=padding, dilation=dilation,
                groups=groups, bias=bias)


def python_columns(cols: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """``cols`` with padding as the Python entry points take it: 'same' where the column holds -1
    (only the C ABI spells 'same' as -1; for Python array entry points -1 is a negative padding)."""
    padding = cols["padding"].astype(object)
    padding[cols["padding"] == -1] = "same"
    return {**cols, "padding": padding}


def fits(row: dict, ops: int) -> bool:
    """Every quantity Conv1d's fixed-width evaluators compute is below 2**63."""
    pad = 0 if row["padding"] == "same" else row["padding"]
    c = row["in_channels"] // row["groups"]
    return max(ops, row["input_length"] + 2 * pad, row["dilation"] * (row["kernel_size"] - 1),
               2 * row["kernel_size"] * c) <= INT64_MAX


# --- any registered layer -----------------------------------------------------------------

PER_DIMENSION = ("kernel_size", "stride", "padding", "dilation")
SHAPE = ("input_size", "kernel_size", "stride", "padding", "dilation")


def size_parameter(spec: LayerSpec) -> str:
    """The name of the layer's input-size parameter (``input_length`` for Conv1d)."""
    return next(p.name for p in spec.parameters if p.symbols == spec.input_sizes)


def api_params(spec: LayerSpec, cfg: dict[str, Any]) -> dict[str, Any]:
    """A configuration written with ``input_size`` (a tuple) as the layer's API takes it."""
    out = dict(cfg)
    size = out.pop("input_size")
    param = spec.parameter(size_parameter(spec))
    out[param.name] = tuple(size) if param.per_dimension else size[0]
    return out


def output_size(layer: str, **shape: Any) -> tuple[int, ...]:
    """The layer's API output size (``conv1d_output_length`` or ``LAYER_output_size``) as a tuple;
    ``shape`` has ``input_size`` as a tuple."""
    spec = LAYERS[layer]
    shape = dict(shape)
    size = shape.pop("input_size")
    fn = getattr(symconv, f"{layer}_output_size", None)
    if fn is not None:
        return tuple(fn(tuple(size), **shape))
    return (getattr(symconv, f"{layer}_output_length")(size[0], **shape),) if spec.dims == 1 else ()


def torch_class(spec: LayerSpec):
    """The PyTorch module class a specification names (``torch.nn.Conv2d``)."""
    module, _, name = spec.torch_class.rpartition(".")
    return getattr(importlib.import_module(module), name)


# --- exact evaluation of a SymPy expression -----------------------------------------------

def exact_function(expr: sp.Expr, symbols: tuple[sp.Symbol, ...]) -> Callable[[list], Any]:
    """``expr`` as a function of the values of ``symbols`` (in that order), evaluated node by
    node of SymPy's tree in exact rationals (ints and ``Fraction``): SymPy's expression itself,
    not symconv's printed code, and fast enough for 10**5 points (``xreplace`` is not)."""
    index = {s: i for i, s in enumerate(symbols)}

    def build(e):
        if e.is_Symbol:
            i = index[e]
            return lambda v: v[i]
        if e.is_Integer:
            c = int(e)
            return lambda v: c
        if e.is_Rational:
            q = Fraction(int(e.p), int(e.q))
            return lambda v: q
        if e.is_Add:
            fs = [build(a) for a in e.args]
            return lambda v: sum(f(v) for f in fs)
        if e.is_Mul:
            fs = [build(a) for a in e.args]

            def mul(v):
                r = 1
                for f in fs:
                    r = r * f(v)
                return r
            return mul
        if e.is_Pow and e.exp.is_Integer:
            f, k = build(e.base), int(e.exp)
            if k >= 0:
                return lambda v: f(v) ** k
            return lambda v: Fraction(1, f(v) ** -k)
        if isinstance(e, FloorDiv):
            a, b = build(e.args[0]), build(e.args[1])
            return lambda v: Fraction(a(v)) // Fraction(b(v))
        if isinstance(e, sp.floor):
            a = build(e.args[0])
            return lambda v: Fraction(a(v)) // 1
        raise TypeError(f"no exact rule for {type(e).__name__}: {e}")

    return build(expr)


# --- seeded sweeps of valid configurations, as columns ------------------------------------

def sweep(layer: str, rows: int, seed: int) -> dict[str, np.ndarray]:
    """Seeded valid configurations of ``layer``, as columns (per-dimension ones of shape
    (dims, rows)): small layers, a tenth with large batches (counts around 2**53 to 2**70) and
    a fifth with huge batches and channels (counts up to about 2**100); every padding form
    ('same' rows marked in ``same``)."""
    rng = np.random.default_rng(seed)
    dims = LAYERS[layer].dims
    tier = rng.random(rows)
    huge, mid = tier < 0.2, (0.2 <= tier) & (tier < 0.3)
    groups = rng.choice([1, 2, 3, 4], rows)
    cin = groups * np.where(huge, rng.integers(1, 2**20, rows),
                            np.where(mid, rng.integers(1, 2**8, rows), rng.integers(1, 9, rows)))
    cout = groups * np.where(huge, rng.integers(1, 2**20, rows),
                             np.where(mid, rng.integers(1, 2**8, rows), rng.integers(1, 9, rows)))
    batch = np.where(huge, rng.integers(1, 2**40, rows),
                     np.where(mid, rng.integers(1, 2**44, rows), rng.integers(1, 17, rows)))
    kernel = rng.integers(1, 6, (dims, rows))
    dilation = rng.integers(1, 4, (dims, rows))
    stride = rng.integers(1, 4, (dims, rows))
    padding = rng.integers(0, 4, (dims, rows))
    same = rng.random(rows) < 0.15
    # 'same' rows and every even row: one padding for every dimension (the NumPy evaluator's
    # column of 'same' and ints is the same in every dimension)
    padding = np.where(same | (np.arange(rows) % 2 == 0), padding[0], padding)
    span = dilation * (kernel - 1) + 1
    size = np.maximum(span - 2 * padding, 1) + rng.integers(0, 60, (dims, rows))
    size = np.where(huge, size * rng.integers(1, 2**12, (dims, rows)), size)
    stride = np.where(same, 1, stride)
    bias = rng.random(rows) < 0.5
    return dict(batch_size=batch, in_channels=cin, out_channels=cout, input_size=size,
                kernel_size=kernel, stride=stride, padding=padding, dilation=dilation,
                groups=groups, bias=bias, same=same)


def row(cols: dict[str, np.ndarray], i: int, layer: str | None = None) -> dict[str, Any]:
    """Row ``i`` as keyword arguments of the exact evaluator (``input_size`` and per-dimension
    values as tuples; with ``layer``, as that layer's API names and takes them: Conv1d's
    ``input_length`` and per-dimension values are ints)."""
    same = bool(cols["same"][i])
    out = dict(batch_size=int(cols["batch_size"][i]), in_channels=int(cols["in_channels"][i]),
               out_channels=int(cols["out_channels"][i]),
               input_size=tuple(int(v) for v in cols["input_size"][:, i]),
               kernel_size=tuple(int(v) for v in cols["kernel_size"][:, i]),
               stride=tuple(int(v) for v in cols["stride"][:, i]),
               padding="same" if same else tuple(int(v) for v in cols["padding"][:, i]),
               dilation=tuple(int(v) for v in cols["dilation"][:, i]),
               groups=int(cols["groups"][i]), bias=bool(cols["bias"][i]))
    if layer is None:
        return out
    spec = LAYERS[layer]
    if spec.dims == 1:
        for name in PER_DIMENSION:
            if isinstance(out[name], tuple):
                out[name] = out[name][0]
    return api_params(spec, out)


def array_args(cols: dict[str, np.ndarray], index: np.ndarray, layer: str | None = None):
    """Rows ``index`` as arguments of the NumPy evaluator and the C batch: tuples of columns, one
    per dimension (one column for a layer of one dimension); the padding a tuple of columns, or
    with 'same' rows among them one object column of 'same' and ints (their padding is then the
    same in every dimension)."""
    dims = cols["kernel_size"].shape[0]
    out = {}
    for name in ("batch_size", "in_channels", "out_channels", "groups", "bias"):
        out[name] = cols[name][index]
    for name in ("input_size", "kernel_size", "stride", "dilation"):
        out[name] = tuple(cols[name][k][index] for k in range(dims))
    same = cols["same"][index]
    if same.any():
        pad = cols["padding"][0][index].astype(object)
        assert (cols["padding"][:, index] == cols["padding"][0][index]).all()
        pad[same] = "same"
        out["padding"] = pad
    else:
        out["padding"] = tuple(cols["padding"][k][index] for k in range(dims))
    if layer is not None and LAYERS[layer].dims == 1:
        for name in ("input_size", *PER_DIMENSION):
            if isinstance(out[name], tuple):
                out[name] = out[name][0]
        out = api_params(LAYERS[layer], {**out, "input_size": (out["input_size"],)})
    return out
