"""The n-d counting reference (:func:`symconv.reference.conv_nd`, :func:`count_nd`) against
PyTorch and against plain integer arithmetic, for 1, 2 and 3 spatial dimensions.

* Values: equal to ``torch.nn.functional.conv1d/2d/3d`` exactly (float64 tensors of small
  integers) over a seeded sweep per dimension count.
* Shapes and refusals: equal to PyTorch's (meta tensors for the shape, a CPU run for the
  checks meta tensors skip) on random configurations, valid and invalid, every padding form.
* Counts: equal to N·C_out·P_out·((C_in/G)·2·K_prod − 1 + b), computed here with plain
  integers (not with symconv's expressions).
* A property test in 2-d against a literal element-by-element loop written here.
"""

from __future__ import annotations

import contextlib
import math
import random
import re
import warnings
from itertools import product
from typing import Any, Iterator, NamedTuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symconv.reference import (OpCounts, conv1d, conv_nd, count_nd, output_shape_nd,
                               output_size_nd, random_operands_nd)

DIMS = (1, 2, 3)


class Cfg(NamedTuple):
    """One configuration; per-dimension parameters as an int or a tuple, as a user writes them."""

    n: int
    batch_size: int | None
    in_channels: int
    out_channels: int
    input_size: tuple[int, ...]
    kernel_size: Any
    stride: Any = 1
    padding: Any = 0
    dilation: Any = 1
    groups: int = 1
    bias: bool = True

    def params(self) -> dict[str, Any]:
        d = self._asdict()
        del d["n"]
        return d

    def per_dim(self, name: str) -> tuple[int, ...]:
        value = getattr(self, name)
        if isinstance(value, (tuple, list)):
            return tuple(value) * (self.n if len(value) == 1 else 1)
        return (value,) * self.n


# --- independent arithmetic ----------------------------------------------------------------

def expected_out_sizes(cfg: Cfg) -> tuple[int, ...]:
    """PyTorch's output-size rule, per dimension, in plain integers."""
    k, s, d = cfg.per_dim("kernel_size"), cfg.per_dim("stride"), cfg.per_dim("dilation")
    if cfg.padding == "same":
        return cfg.input_size
    pad = (0,) * cfg.n if cfg.padding == "valid" else cfg.per_dim("padding")
    return tuple((i + 2 * p - di * (ki - 1) - 1) // si + 1
                 for i, ki, si, p, di in zip(cfg.input_size, k, s, pad, d))


def closed_form(cfg: Cfg) -> tuple[int, int]:
    """(multiplications, additions) = (N·C_out·P_out·c·K_prod, ops − that), c = C_in/G,
    ops = N·(C_out·P_out·(c·2·K_prod − 1 + b))."""
    batch = 1 if cfg.batch_size is None else cfg.batch_size
    p_out = math.prod(expected_out_sizes(cfg))
    k_prod = math.prod(cfg.per_dim("kernel_size"))
    c = cfg.in_channels // cfg.groups
    ops = batch * (cfg.out_channels * p_out * (c * 2 * k_prod - 1 + int(cfg.bias)))
    macs = batch * cfg.out_channels * p_out * c * k_prod
    return macs, ops - macs


def expected_shape(cfg: Cfg) -> tuple[int, ...]:
    lead = (cfg.out_channels,) if cfg.batch_size is None else (cfg.batch_size, cfg.out_channels)
    return lead + expected_out_sizes(cfg)


def nested_shape(value: Any) -> tuple[int, ...]:
    shape = []
    while isinstance(value, list):
        shape.append(len(value))
        value = value[0]
    return tuple(shape)


# --- the value sweep ------------------------------------------------------------------------

#: (C_in, C_out, G): plain, grouped, depthwise (G = C_in = C_out), depthwise with a multiplier.
CHANNELS = ((1, 1, 1), (2, 3, 1), (3, 2, 1), (4, 6, 2), (6, 4, 2), (2, 2, 2), (3, 3, 3),
            (3, 6, 3), (4, 4, 4))
#: Largest kernel size, input size per dimension count (keeps the sweep fast).
K_MAX = {1: 5, 2: 3, 3: 3}
SIZE_MAX = {1: 12, 2: 7, 3: 5}
SWEEP_PER_DIM = 120


def _form(rng: random.Random, values: tuple[int, ...], single: bool = True) -> Any:
    """Write per-dimension values as a user might: an int when they are all equal
    (sometimes still a tuple, or a 1-tuple where PyTorch accepts one), else a tuple."""
    if len(set(values)) == 1:
        return rng.choice([values[0], values[0], values] + ([(values[0],)] if single else []))
    return values


def random_valid_cfg(rng: random.Random, n: int, size_max: int, k_max: int) -> Cfg:
    cin, cout, g = rng.choice(CHANNELS)
    kernel = tuple(rng.randint(1, k_max) for _ in range(n))
    dilation = tuple(rng.choice((1, 1, 2, 3)) for _ in range(n))
    form = rng.choice(("int", "int", "tuple", "tuple", "1-tuple", "same", "valid"))
    if form == "same":
        stride: tuple[int, ...] = (1,) * n
        padding: Any = "same"
        sizes = tuple(rng.randint(1, size_max) for _ in range(n))
    else:
        stride = tuple(rng.choice((1, 1, 2, 3, 5)) for _ in range(n))
        pads = (0,) * n if form == "valid" else (
            tuple(rng.randint(0, 3) for _ in range(n)) if form == "tuple"
            else (rng.randint(0, 3),) * n)
        padding = {"valid": "valid", "int": pads[0], "1-tuple": pads[:1]}.get(form, pads)
        # Raise a size too small for the dilated kernel to the smallest valid one.
        sizes = tuple(max(rng.randint(1, size_max), d * (k - 1) + 1 - 2 * p)
                      for k, d, p in zip(kernel, dilation, pads))
    batch = rng.choice((None, 1, 2))
    return Cfg(n, batch, cin, cout, sizes, _form(rng, kernel, single=n == 1), _form(rng, stride),
               padding,
               _form(rng, dilation), g, rng.random() < 0.6)


def _forced(n: int) -> list[Cfg]:
    """Cases the sweep must contain whatever the seed draws."""
    one = (1,) * n
    return [
        # 'same' with odd and with even total padding d·(K−1) in some dimension.
        Cfg(n, 1, 2, 3, (4,) * n, (2,) + (3,) * (n - 1), 1, "same", 1),
        Cfg(n, 2, 2, 2, (5,) * n, 3, 1, "same", (3,) + (2,) * (n - 1), bias=False),
        Cfg(n, None, 4, 4, (3,) * n, 3, 1, "same", 2, groups=4),      # depthwise, 'same'
        Cfg(n, 1, 3, 6, (4,) * n, 2, 1, "valid", 1, groups=3),       # depthwise, multiplier 2
        Cfg(n, 2, 4, 6, (6,) * n, 2, 3, 0, 1, groups=2),             # stride > kernel
        Cfg(n, 1, 2, 2, tuple(range(3, 3 + n)), tuple(range(1, 1 + n)),
            tuple(range(1, 1 + n)), tuple(range(n)), tuple(range(1, 1 + n))),  # asymmetric
        Cfg(n, None, 1, 1, one, one, one, one, one, bias=False),     # the smallest
    ]


def value_sweep(n: int) -> tuple[Cfg, ...]:
    rng = random.Random(20250 + n)
    configs = _forced(n)
    while len(configs) < SWEEP_PER_DIM:
        configs.append(random_valid_cfg(rng, n, SIZE_MAX[n], K_MAX[n]))
    return tuple(configs)


SWEEPS = {n: value_sweep(n) for n in DIMS}


@pytest.mark.parametrize("n", DIMS)
def test_value_sweep_is_large_and_covers_the_edge_cases(n: int) -> None:
    sweep = SWEEPS[n]
    assert len(sweep) >= 100

    def spans(c: Cfg) -> list[int]:
        return [d * (k - 1) for k, d in zip(c.per_dim("kernel_size"), c.per_dim("dilation"))]

    has = {
        "grouped 1 < G < C_in": any(1 < c.groups < c.in_channels for c in sweep),
        "depthwise G = C_in = C_out": any(c.groups == c.in_channels == c.out_channels > 1
                                          for c in sweep),
        "depthwise with multiplier": any(c.groups == c.in_channels < c.out_channels for c in sweep),
        "dilation > 1": any(max(c.per_dim("dilation")) > 1 for c in sweep),
        "stride > kernel": any(s > k for c in sweep
                               for s, k in zip(c.per_dim("stride"), c.per_dim("kernel_size"))),
        "'same', d(K-1) odd": any(c.padding == "same" and any(t % 2 for t in spans(c))
                                  for c in sweep),
        "'same', d(K-1) even > 0": any(c.padding == "same" and any(t and t % 2 == 0
                                                                   for t in spans(c))
                                       for c in sweep),
        "'valid'": any(c.padding == "valid" for c in sweep),
        "int padding > 0": any(isinstance(c.padding, int) and c.padding > 0 for c in sweep),
        "bias": any(c.bias for c in sweep),
        "no bias": any(not c.bias for c in sweep),
        "unbatched": any(c.batch_size is None for c in sweep),
        "batch 2": any(c.batch_size == 2 for c in sweep),
        "kernel exactly fits": any(o == 1 and k > 1 for c in sweep if c.padding != "same"
                                   for o, k in zip(expected_out_sizes(c), c.per_dim("kernel_size"))),
    }
    if n > 1:
        has["asymmetric tuples"] = any(
            all(isinstance(getattr(c, p), tuple) and len(set(getattr(c, p))) > 1
                for p in ("kernel_size", "stride", "padding", "dilation")) for c in sweep)
        has["1-tuple"] = any(isinstance(getattr(c, p), tuple) and len(getattr(c, p)) == 1
                             for c in sweep for p in ("padding", "stride", "dilation"))
    missing = [name for name, present in has.items() if not present]
    assert not missing, f"{n}-d sweep misses: {missing}"


def _torch_functional(n: int):
    torch = pytest.importorskip("torch", reason="torch is needed to compare numbers")
    return torch, {1: torch.nn.functional.conv1d, 2: torch.nn.functional.conv2d,
                   3: torch.nn.functional.conv3d}[n]


@contextlib.contextmanager
def _one_thread(torch: Any) -> Iterator[None]:
    """Tiny convolutions: thread start-up would dominate on a busy machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


@pytest.mark.parametrize("n", DIMS)
def test_values_equal_torch_on_the_sweep(n: int) -> None:
    torch, conv = _torch_functional(n)
    f64 = torch.float64
    for i, cfg in enumerate(SWEEPS[n]):
        x, w, b = random_operands_nd(cfg.batch_size, cfg.in_channels, cfg.out_channels,
                                     cfg.input_size, cfg.kernel_size, cfg.groups, cfg.bias,
                                     seed=i)
        out, counts = conv_nd(x, w, b, cfg.stride, cfg.padding, cfg.dilation, cfg.groups)
        with warnings.catch_warnings(), _one_thread(torch):
            warnings.simplefilter("ignore", UserWarning)  # 'same' with an even kernel
            expected = conv(torch.tensor(x, dtype=f64), torch.tensor(w, dtype=f64),
                            None if b is None else torch.tensor(b, dtype=f64),
                            stride=cfg.stride, padding=cfg.padding, dilation=cfg.dilation,
                            groups=cfg.groups)
        got = torch.tensor(out, dtype=f64)
        assert tuple(got.shape) == tuple(expected.shape) == counts.output_shape, cfg
        # Small integers: every value is an exactly representable integer in float64.
        assert torch.equal(got, expected), f"{cfg}: reference differs from torch"
        assert (counts.multiplications, counts.additions) == closed_form(cfg), cfg


@pytest.mark.parametrize("n", DIMS)
def test_counts_equal_the_closed_form_on_the_sweep(n: int) -> None:
    """Without torch too: count_nd (data really computed) against plain integer arithmetic."""
    for i, cfg in enumerate(SWEEPS[n]):
        counts = count_nd(**cfg.params(), seed=i)
        mults, adds = closed_form(cfg)
        assert (counts.multiplications, counts.additions) == (mults, adds), (cfg, counts)
        assert counts.total == mults + adds
        assert counts.output_shape == expected_shape(cfg), cfg
        assert output_shape_nd(**cfg.params()) == expected_shape(cfg), cfg
        assert output_size_nd(cfg.input_size, cfg.kernel_size, cfg.stride, cfg.padding,
                              cfg.dilation) == expected_out_sizes(cfg), cfg


def test_1d_path_equals_the_literal_conv1d() -> None:
    """The n-d code in 1-d gives the same values and the same counts as :func:`conv1d`,
    whose loop counts each operation on the line where it happens."""
    for i, cfg in enumerate(SWEEPS[1]):
        # conv1d takes ints or 1-tuples, as nn.Conv1d stores them.
        x, w, b = random_operands_nd(cfg.batch_size, cfg.in_channels, cfg.out_channels,
                                     cfg.input_size, cfg.kernel_size, cfg.groups, cfg.bias,
                                     seed=i)
        out_nd, counts_nd = conv_nd(x, w, b, cfg.stride, cfg.padding, cfg.dilation, cfg.groups)
        out_1d, counts_1d = conv1d(x, w, b, cfg.stride, cfg.padding, cfg.dilation, cfg.groups)
        assert out_nd == out_1d, cfg
        assert OpCounts(counts_nd.multiplications, counts_nd.additions) == counts_1d, cfg


# --- shapes and refusals against PyTorch -----------------------------------------------------

SHAPE_CONFIGS_PER_DIM = 850
SHAPE_SIZE_MAX = {1: 40, 2: 16, 3: 8}
SHAPE_K_MAX = {1: 7, 2: 5, 3: 4}


class Case(NamedTuple):
    cfg: Cfg
    weight_in: int       # weight.shape[1] PyTorch is given
    mutation: str        # "" for a configuration built valid, else what was broken
    blamed: str          # the parameter the reference's message must name ("" if valid)


def _mutate(rng: random.Random, cfg: Cfg) -> tuple[Cfg, str, str]:
    n = cfg.n
    wrong_len = n + 1 if n < 3 else 2
    kind = rng.choice(("stride0", "dilation0", "padding<0", "stride_len", "padding_len",
                       "dilation_len", "same_strided", "padding_str", "groups_in", "groups_out",
                       "groups0", "too_small", "stride_float"))
    k, d = cfg.per_dim("kernel_size"), cfg.per_dim("dilation")
    axis = rng.randrange(n)

    def at(values: tuple[int, ...], value: int) -> tuple[int, ...]:
        return values[:axis] + (value,) + values[axis + 1:]

    if kind == "stride0":
        return cfg._replace(stride=at(cfg.per_dim("stride"), rng.choice((0, -1)))), kind, "stride"
    if kind == "dilation0":
        return cfg._replace(dilation=at(d, rng.choice((0, -2)))), kind, "dilation"
    if kind == "padding<0":
        return cfg._replace(padding=rng.choice((-1, at((1,) * n, -1)))), kind, "padding"
    if kind == "stride_len":
        return cfg._replace(stride=(1,) * wrong_len), kind, "stride"
    if kind == "padding_len":
        return cfg._replace(padding=(0,) * wrong_len), kind, "padding"
    if kind == "dilation_len":
        return cfg._replace(dilation=(1,) * wrong_len), kind, "dilation"
    if kind == "same_strided":
        return cfg._replace(padding="same", stride=at((1,) * n, rng.randint(2, 4))), kind, "padding"
    if kind == "padding_str":
        return cfg._replace(padding=rng.choice(("full", "SAME", "", "causal"))), kind, "padding"
    if kind == "groups_in":   # G divides C_out but not C_in
        return cfg._replace(in_channels=3, out_channels=4, groups=2), kind, "groups"
    if kind == "groups_out":  # G divides C_in but not C_out
        return cfg._replace(in_channels=4, out_channels=3, groups=2), kind, "groups"
    if kind == "groups0":
        return cfg._replace(groups=rng.choice((0, -1))), kind, "groups"
    if kind == "stride_float":
        return cfg._replace(stride=1.0), kind, "stride"
    # too_small: the dilated kernel exceeds the padded input in one dimension. The kernel
    # is lengthened to the smallest K with d·(K−1)+1 >= 2p+2 if need be, so that some
    # size >= 1 is too small.
    pad = 0 if isinstance(cfg.padding, str) else cfg.per_dim("padding")[axis]
    need = (2 * pad + 1 + d[axis] - 1) // d[axis] + 1
    kernel = at(k, max(k[axis], need))
    span = d[axis] * (kernel[axis] - 1) + 1
    size = rng.randint(1, span - 1 - 2 * pad)
    padding = "valid" if cfg.padding == "same" else cfg.padding
    return (cfg._replace(kernel_size=kernel, padding=padding,
                         input_size=at(cfg.input_size, size)), kind, "kernel_size")


def shape_cases(n: int) -> tuple[Case, ...]:
    rng = random.Random(7000 + n)
    cases = []
    for _ in range(SHAPE_CONFIGS_PER_DIM):
        cfg = random_valid_cfg(rng, n, SHAPE_SIZE_MAX[n], SHAPE_K_MAX[n])
        cfg = cfg._replace(kernel_size=cfg.per_dim("kernel_size"))  # torch reads K off the weight
        mutation = blamed = ""
        if rng.random() < 0.35:
            cfg, mutation, blamed = _mutate(rng, cfg)
        weight_in = max(1, cfg.in_channels // cfg.groups) if cfg.groups > 0 else 1
        cases.append(Case(cfg, weight_in, mutation, blamed))
    return tuple(cases)


SHAPE_CASES = {n: shape_cases(n) for n in DIMS}


def _torch_verdict(torch: Any, conv: Any, case: Case) -> tuple[int, ...] | Exception:
    """PyTorch's output shape on meta tensors, or the exception PyTorch raises. Meta
    tensors skip some checks (tuple lengths, negative padding, zero dilation, C_out % G),
    so a CPU run on zeros decides validity too, and must agree with the meta shape."""
    cfg = case.cfg
    lead = () if cfg.batch_size is None else (cfg.batch_size,)
    x_shape = lead + (cfg.in_channels,) + cfg.input_size
    w_shape = (cfg.out_channels, case.weight_in) + cfg.kernel_size
    kwargs = dict(stride=cfg.stride, padding=cfg.padding, dilation=cfg.dilation,
                  groups=cfg.groups)
    shapes = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        for device in ("meta", "cpu"):
            x = torch.zeros(x_shape, device=device)
            w = torch.zeros(w_shape, device=device)
            b = torch.zeros(cfg.out_channels, device=device) if cfg.bias else None
            try:
                shapes.append(tuple(conv(x, w, b, **kwargs).shape))
            except Exception as exc:  # noqa: BLE001 - any refusal by torch
                return exc
    assert shapes[0] == shapes[1], (cfg, shapes)
    return shapes[0]


@pytest.mark.parametrize("n", DIMS)
def test_shapes_and_refusals_equal_torch(n: int) -> None:
    torch, conv = _torch_functional(n)
    cases = SHAPE_CASES[n]
    assert len(cases) >= 700
    forms = {"int": 0, "tuple": 0, "1-tuple": 0, "same": 0, "valid": 0}
    valid = refused = 0
    with _one_thread(torch):
        verdicts = [_torch_verdict(torch, conv, case) for case in cases]
    for case, verdict in zip(cases, verdicts):
        cfg = case.cfg
        if isinstance(verdict, tuple):
            assert case.mutation == "", f"{case}: torch accepted a broken configuration"
            assert output_shape_nd(**cfg.params()) == verdict == expected_shape(cfg), case
            valid += 1
            if isinstance(cfg.padding, str):
                forms[cfg.padding] += 1
            elif isinstance(cfg.padding, tuple):
                forms["1-tuple" if len(cfg.padding) == 1 < n else "tuple"] += 1
            else:
                forms["int"] += 1
        else:
            assert case.mutation, f"{case}: torch refused a configuration built valid: {verdict}"
            with pytest.raises((ValueError, TypeError)) as refusal:
                output_shape_nd(**cfg.params())
            message = str(refusal.value)
            assert re.search(rf"\b{case.blamed}\b", message), (case, message)
            if case.mutation != "stride_float":
                assert refusal.type is ValueError, (case, message)
            refused += 1
    assert valid >= 500 and refused >= 200, (valid, refused)
    if n == 1:
        del forms["1-tuple"]  # a 1-tuple is the tuple in 1-d
    assert all(count >= 10 for count in forms.values()), forms


# --- property test: 2-d, against a literal loop ---------------------------------------------

def literal_conv(cfg: Cfg, x: list, w: list, b: list | None) -> tuple[list, int, int]:
    """Element-by-element n-d convolution, one counter increment per ``*`` and ``+``."""
    batched = cfg.batch_size is not None
    xs = x if batched else [x]
    k, s, d = cfg.per_dim("kernel_size"), cfg.per_dim("stride"), cfg.per_dim("dilation")
    if cfg.padding == "same":
        left = tuple(di * (ki - 1) // 2 for ki, di in zip(k, d))
    else:
        left = (0,) * cfg.n if cfg.padding == "valid" else cfg.per_dim("padding")
    out_sizes = expected_out_sizes(cfg)
    cg, og = cfg.in_channels // cfg.groups, cfg.out_channels // cfg.groups

    def read(plane: Any, index: tuple[int, ...]) -> Any:
        for axis, i in enumerate(index):
            if not 0 <= i < cfg.input_size[axis]:
                return 0  # a padding zero, multiplied like any value
            plane = plane[i]
        return plane

    mults = adds = 0
    result = []
    for sample in xs:
        channels = []
        for co in range(cfg.out_channels):
            values = {}
            for pos in product(*(range(o) for o in out_sizes)):
                acc = None
                for ci in range(cg):
                    for tap in product(*(range(ki) for ki in k)):
                        index = tuple(p * si + t * di - li
                                      for p, si, t, di, li in zip(pos, s, tap, d, left))
                        weight = w[co][ci]
                        for t in tap:
                            weight = weight[t]
                        term = read(sample[(co // og) * cg + ci], index) * weight
                        mults += 1
                        if acc is None:
                            acc = term
                        else:
                            acc = acc + term
                            adds += 1
                if b is not None:
                    acc = acc + b[co]
                    adds += 1
                values[pos] = acc
            channels.append(values)
        result.append(channels)
    return result if batched else result[0], mults, adds


@st.composite
def configs_2d(draw: st.DrawFn) -> Cfg:
    groups = draw(st.integers(1, 3))
    cin, cout = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = draw(st.one_of(st.integers(0, 2), st.tuples(st.integers(0, 2), st.integers(0, 2)),
                             st.sampled_from(["same", "valid"])))
    stride = (1, 1) if padding == "same" else (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    pads = (0, 0) if isinstance(padding, str) else (
        padding if isinstance(padding, tuple) else (padding, padding))
    sizes = []
    for ki, di, pi in zip(kernel, dilation, pads):
        lowest = 1 if padding == "same" else max(1, di * (ki - 1) + 1 - 2 * pi)
        sizes.append(draw(st.integers(lowest, lowest + 4)))
    return Cfg(2, draw(st.one_of(st.none(), st.integers(1, 2))), cin, cout, tuple(sizes),
               kernel, stride, padding, dilation, groups, draw(st.booleans()))


@settings(max_examples=150, deadline=None)
@given(cfg=configs_2d(), seed=st.integers(0, 2**16))
def test_property_2d_equals_literal_loop_and_closed_form(cfg: Cfg, seed: int) -> None:
    x, w, b = random_operands_nd(cfg.batch_size, cfg.in_channels, cfg.out_channels,
                                 cfg.input_size, cfg.kernel_size, cfg.groups, cfg.bias, seed=seed)
    out, counts = conv_nd(x, w, b, cfg.stride, cfg.padding, cfg.dilation, cfg.groups)
    literal, mults, adds = literal_conv(cfg, x, w, b)
    assert (counts.multiplications, counts.additions) == (mults, adds) == closed_form(cfg)
    assert nested_shape(out) == counts.output_shape == expected_shape(cfg)
    samples = (out, literal) if cfg.batch_size is None else None
    pairs = [samples] if samples else list(zip(out, literal))
    for got_sample, want_sample in pairs:
        for got_channel, want_channel in zip(got_sample, want_sample):
            for (i, j), value in want_channel.items():
                assert got_channel[i][j] == value, (cfg, (i, j))


# --- hand-checked cases and bad input -------------------------------------------------------

def test_hand_checked_2d() -> None:
    # 1×1 channels, 2×2 input, 2×2 kernel, bias: one output element of 4 products,
    # 3 additions between them and 1 for the bias.
    out, counts = conv_nd([[[1, 2], [3, 4]]], [[[[1, 10], [100, 1000]]]], [7])
    assert out == [[[1 + 20 + 300 + 4000 + 7]]]
    assert (counts.multiplications, counts.additions, counts.output_shape) == (4, 4, (1, 1, 1))
    # padding=(0, 1), no bias: the window also covers a zero column on each side.
    out, counts = conv_nd([[[1, 2], [3, 4]]], [[[[1, 1], [1, 1]]]], padding=(0, 1))
    assert out == [[[1 + 3, 1 + 2 + 3 + 4, 2 + 4]]]
    assert (counts.multiplications, counts.additions) == (12, 9)


def test_same_padding_puts_the_odd_zero_on_the_right() -> None:
    # 1-d through the n-d path: K = 2, d = 1 → one zero, on the right.
    out, _ = conv_nd([[1, 2, 3]], [[[10, 1]]], padding="same")
    assert out == [[12, 23, 30]]
    # 2-d, per dimension: K = (2, 1) pads rows below only.
    out, _ = conv_nd([[[1, 2], [3, 4]]], [[[[1], [10]]]], padding="same")
    assert out == [[[31, 42], [3, 4]]]


@pytest.mark.parametrize("kwargs, error, pattern", [
    (dict(stride=(1, 2, 1)), ValueError, r"^stride=\(1, 2, 1\) has 3 values for 2 spatial"),
    (dict(padding=(1,) * 3), ValueError, r"^padding=\(1, 1, 1\) has 3 values"),
    (dict(dilation=(1, 0)), ValueError, r"^dilation=\(1, 0\): dilation is a positive integer"),
    (dict(stride=True), TypeError, r"^stride=True \(bool is not an integer\)"),
    (dict(stride=(1, 2.0)), TypeError, r"^stride=\(1, 2\.0\) \(float is not an integer\)"),
    (dict(padding="same", stride=(1, 2)), ValueError,
     r"^padding='same' with stride=\(1, 2\): .* stride 1 in every dimension"),
    (dict(padding="full"), ValueError, r"^padding='full': padding is an integer >= 0"),
    (dict(padding=(1, -1)), ValueError, r"^padding=\(1, -1\): padding is an integer >= 0"),
    (dict(groups=0), ValueError, r"^groups=0: groups is a positive integer"),
    (dict(dilation=(1, 3)), ValueError, r"^kernel_size=\(2, 2\) with dilation=\(1, 3\).*"
                                        r"in dimension 1 the dilated kernel"),
])
def test_bad_parameters_name_the_parameter_value_and_rule(kwargs: dict, error: type,
                                                          pattern: str) -> None:
    x, w, b = random_operands_nd(1, 2, 2, (3, 3), 2)
    with pytest.raises(error, match=pattern):
        conv_nd(x, w, b, **kwargs)
    with pytest.raises(error, match=pattern):
        count_nd(1, 2, 2, (3, 3), 2, **kwargs)


def test_bad_configurations_and_operands_are_refused() -> None:
    with pytest.raises(ValueError, match=r"^groups=2 with in_channels=3: groups must divide"):
        count_nd(1, 3, 4, (3, 3), 2, groups=2)
    with pytest.raises(ValueError, match=r"^groups=2 with out_channels=3: groups must divide"):
        output_shape_nd(None, 4, 3, (3, 3), 2, groups=2)
    with pytest.raises(ValueError, match=r"^input_size=\(3, 3, 3, 3\) has 4 values"):
        output_size_nd((3, 3, 3, 3), 1)
    with pytest.raises(ValueError, match=r"^kernel_size=\(2,\) has 1 value for 2 spatial"):
        output_size_nd((3, 3), (2,))
    with pytest.raises(ValueError, match=r"^input_size=\(3, 0\)"):
        output_size_nd((3, 0), 1)
    with pytest.raises(TypeError, match=r"^bias=2: bias is True or False"):
        count_nd(1, 2, 2, (3, 3), 2, bias=2)
    x, w, b = random_operands_nd(2, 4, 6, (3, 3), 2, groups=2)
    with pytest.raises(ValueError, match="groups=1 expects input with 2 channels"):
        conv_nd(x, w, b)
    with pytest.raises(ValueError, match="bias must be 1-D of length out_channels=6"):
        conv_nd(x, w, b[:5], groups=2)
    with pytest.raises(ValueError, match="input must be 3-D .* or 4-D"):
        conv_nd(x[0][0], w, b, groups=2)
    with pytest.raises(ValueError, match="input is not rectangular"):
        conv_nd([[[1, 2], [3]]], [[[[1]]]])
    with pytest.raises(ValueError, match="weight must have shape"):
        conv_nd([[1]], [[1]])


def test_exact_values_on_fractions() -> None:
    from fractions import Fraction
    x = [[[Fraction(1, 2), Fraction(1, 3)], [Fraction(1, 5), Fraction(1, 7)]]]
    out, counts = conv_nd(x, [[[[Fraction(2), Fraction(3)]]]], [Fraction(1, 11)], stride=(1, 2))
    assert out == [[[Fraction(1) + Fraction(1) + Fraction(1, 11)],
                    [Fraction(2, 5) + Fraction(3, 7) + Fraction(1, 11)]]]
    assert (counts.multiplications, counts.additions) == (4, 4)
