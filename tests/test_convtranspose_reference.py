"""The transposed-convolution count against counted arithmetic and against PyTorch.

What is compared, per dimensionality (1-d, 2-d, 3-d):

* 20 000 random small configurations: symconv's counts (ops with and without bias, MACs,
  bias additions, scatter products; :func:`symconv.convtranspose.conv_transpose_quantities`,
  the exact evaluation of the SymPy expressions) against counts built from ``t`` at every
  output multi-index, obtained by enumerating every n-d (input position, tap) pair
  (:func:`symconv.reference_transpose.landings_nd_array`; no use of the per-dimension
  product) and the per-element cost of the gather algorithm ((C_in/G)·t multiplications,
  (C_in/G)·t − 1 + b additions where t ≥ 1).
* A subset run through the full pure-Python reference, which computes the values and counts
  each ``*`` and ``+`` as it executes them (gather form), and the scatter form's products;
  both forms' outputs must agree. This also checks the per-element cost used above.
* Values of the reference equal ``torch.nn.functional.conv_transpose{1,2,3}d`` (float64,
  integer data, so exactly) on a few hundred configurations.
* ``torch.utils.flop_counter.FlopCounterMode`` equals 2 · scatter products on >= 200
  configurations.

The sweeps include holes (s > d(K−1)+1), cropping (p > 0), output_padding, dilation, groups
and unbatched input; each category's number of configurations is asserted.
"""

from __future__ import annotations

import random
from collections import Counter

import numpy as np
import pytest

from symconv.convtranspose import conv_transpose_quantities
from symconv.reference_transpose import (conv_transpose_nd, conv_transpose_scatter_nd,
                                         count_transpose_nd, landings_nd, landings_nd_array,
                                         random_operands_transpose)

SWEEP = 20_000
# per-dimension size limits (in, K, s, d) by dimensionality: small enough for a fast sweep
LIMITS = {1: (12, 5, 5, 4), 2: (6, 4, 4, 3), 3: (4, 3, 3, 3)}


def random_config(rng: random.Random, dims: int, limits=None) -> dict:
    max_in, max_k, max_s, max_d = limits or LIMITS[dims]
    sizes = tuple(rng.randint(1, max_in) for _ in range(dims))
    kernel = tuple(rng.randint(1, max_k) for _ in range(dims))
    stride = tuple(rng.randint(1, max_s) for _ in range(dims))
    dilation = tuple(rng.randint(1, max_d) for _ in range(dims))
    output_padding = tuple(rng.randrange(max(s, d)) for s, d in zip(stride, dilation))
    padding = []
    for i, k, s, d, op in zip(sizes, kernel, stride, dilation, output_padding):
        top = ((i - 1) * s + (k - 1) * d + op) // 2   # out >= 1
        padding.append(0 if rng.random() < 0.3 else rng.randint(0, top))
    groups = rng.choice([1, 1, 2, 3])
    return dict(batch_size=rng.choice([None, 1, 2, 3]),
                in_channels=groups * rng.randint(1, 3), out_channels=groups * rng.randint(1, 3),
                input_size=sizes, kernel_size=kernel, stride=stride, padding=tuple(padding),
                output_padding=output_padding, dilation=dilation, groups=groups,
                bias=rng.random() < 0.5)


def categories(cfg: dict) -> set[str]:
    out = set()
    for k, s, d, p, op in zip(cfg["kernel_size"], cfg["stride"], cfg["dilation"],
                              cfg["padding"], cfg["output_padding"]):
        if s > d * (k - 1) + 1:
            out.add("holes")
        if p > 0:
            out.add("cropping")
        if op > 0:
            out.add("output_padding")
        if d > 1:
            out.add("dilation")
    if cfg["groups"] > 1:
        out.add("groups")
    if cfg["batch_size"] is None:
        out.add("unbatched")
    return out


def enumerated_counts(cfg: dict) -> dict:
    """Counts from t at every output multi-index, t by enumerating every n-d pair."""
    _, t = landings_nd_array(cfg["input_size"], cfg["kernel_size"], cfg["stride"],
                             cfg["padding"], cfg["output_padding"], cfg["dilation"])
    n = 1 if cfg["batch_size"] is None else cfg["batch_size"]
    c = cfg["in_channels"] // cfg["groups"]
    b = int(cfg["bias"])
    hit = t[t > 0].astype(object)  # Python ints: exact
    per_channel_mults = int(sum(c * hit))
    per_channel_adds = int(sum(c * hit - 1 + b))
    cout = cfg["out_channels"]
    return {"multiplications": n * cout * per_channel_mults,
            "additions": n * cout * per_channel_adds,
            "bias_additions": n * cout * int(hit.size) * 1,
            "scatter_products": n * int(np.prod(cfg["input_size"])) *
            int(np.prod(cfg["kernel_size"])) * cfg["in_channels"] * (cout // cfg["groups"])}


def _args(cfg: dict, dims: int) -> dict:
    a = dict(cfg)
    if dims == 1:
        a["input_size"] = a["input_size"][0]
    return a


@pytest.mark.slow
@pytest.mark.parametrize("dims", [1, 2, 3])
def test_closed_form_equals_enumerated_counts(dims):
    rng = random.Random(1000 + dims)
    seen: Counter = Counter()
    for _ in range(SWEEP):
        cfg = random_config(rng, dims)
        seen.update(categories(cfg))
        want = enumerated_counts(cfg)
        q = conv_transpose_quantities(dims, **_args(cfg, dims))
        assert q["ops"] == want["multiplications"] + want["additions"], cfg
        assert q["macs"] == want["multiplications"], cfg
        assert q["bias_additions"] == want["bias_additions"], cfg
        assert q["scatter_products"] == want["scatter_products"], cfg
    for category in ("holes", "cropping", "output_padding", "dilation", "groups", "unbatched"):
        assert seen[category] >= 1000, (category, seen)


# how many configurations run through the full reference (values computed, every * and +
# counted): the 20 000 per dimensionality, small enough to take seconds each
FULL = {1: 20_000, 2: 20_000, 3: 20_000}


@pytest.mark.slow
@pytest.mark.parametrize("dims", [1, 2, 3])
def test_full_reference_counts_equal_closed_form(dims):
    rng = random.Random(2000 + dims)
    seen: Counter = Counter()
    small = {1: (8, 4, 4, 3), 2: (4, 3, 3, 3), 3: (3, 2, 3, 2)}[dims]
    for index in range(FULL[dims]):
        cfg = random_config(rng, dims, small)
        seen.update(categories(cfg))
        counts = count_transpose_nd(seed=index, **cfg)  # gather and scatter outputs agree
        q = conv_transpose_quantities(dims, **_args(cfg, dims))
        assert counts.total == q["ops"], cfg
        assert counts.multiplications == q["macs"], cfg
        assert counts.scatter_products == q["scatter_products"], cfg
        if index % 10 == 0:  # the per-element cost the sweep above relies on
            want = enumerated_counts(cfg)
            assert (counts.multiplications, counts.additions) == \
                (want["multiplications"], want["additions"]), cfg
        n_out = cfg["out_channels"], *q["output_size"]
        assert counts.output_shape == (n_out if cfg["batch_size"] is None
                                       else (cfg["batch_size"], *n_out))
    for category in ("holes", "cropping", "output_padding", "dilation", "groups", "unbatched"):
        assert seen[category] >= FULL[dims] // 20, (category, seen)


def test_landings_array_equals_pair_by_pair_enumeration():
    rng = random.Random(7)
    for _ in range(600):
        dims = rng.randint(1, 3)
        cfg = random_config(rng, dims, (4, 3, 4, 3))
        geometry = (cfg["input_size"], cfg["kernel_size"], cfg["stride"], cfg["padding"],
                    cfg["output_padding"], cfg["dilation"])
        out, t = landings_nd(*geometry)
        out2, t2 = landings_nd_array(*geometry)
        assert out == out2
        assert {tuple(map(int, ix)): int(v) for ix, v in np.ndenumerate(t2) if v} == t


def test_reference_refuses_like_the_count():
    with pytest.raises(ValueError) as info:
        count_transpose_nd(1, 2, 2, (4, 4), 3, stride=2, output_padding=2)
    assert info.value.rule == "output_padding_too_large"
    with pytest.raises(TypeError) as info:
        count_transpose_nd(1, 2, 2, (4, 4), (3,))
    assert info.value.rule == "tuple_length"
    with pytest.raises(ValueError) as info:
        conv_transpose_nd([[1, 2]], [[[1, 1, 1]]], padding=2)
    assert info.value.rule == "output_too_small"
    # an int input_size is 1-d; a 2-d kernel given as an int is the same in every dimension
    assert count_transpose_nd(None, 1, 1, 5, 3).output_shape == (1, 7)
    assert count_transpose_nd(2, 1, 1, (5,), (3,)).output_shape == (2, 1, 7)
    assert count_transpose_nd(None, 1, 1, (3, 2), 2).output_shape == (1, 4, 3)


def test_no_pair_lands_gives_bias_without_arithmetic():
    # stride 3, K = 1: positions 1, 2 of every 3 are holes; output_padding adds one more
    x = [[1, 2]]            # C_in = 1, in = 2 (unbatched)
    w = [[[5]]]             # (C_in, C_out/G, K)
    y, counts = conv_transpose_nd(x, w, [7], stride=3, output_padding=2)
    assert y == [[1 * 5 + 7, 7, 7, 2 * 5 + 7, 7, 7]]
    assert counts.multiplications == 2 and counts.additions == 2


torch = pytest.importorskip("torch")


def _torch_out(cfg, x, w, b):
    dims = len(cfg["input_size"])
    fn = getattr(torch.nn.functional, f"conv_transpose{dims}d")
    t = lambda v: torch.tensor(v, dtype=torch.float64)  # noqa: E731
    y = fn(t(x), t(w), None if b is None else t(b), cfg["stride"], cfg["padding"],
           cfg["output_padding"], cfg["groups"], cfg["dilation"])
    return y


TORCH = {1: 150, 2: 100, 3: 60}


@pytest.mark.parametrize("dims", [1, 2, 3])
def test_reference_values_equal_torch(dims):
    rng = random.Random(3000 + dims)
    seen: Counter = Counter()
    small = {1: (8, 4, 4, 3), 2: (4, 3, 3, 3), 3: (3, 2, 3, 2)}[dims]
    for index in range(TORCH[dims]):
        cfg = random_config(rng, dims, small)
        seen.update(categories(cfg))
        x, w, b = random_operands_transpose(cfg["batch_size"], cfg["in_channels"],
                                            cfg["out_channels"], cfg["input_size"],
                                            cfg["kernel_size"], cfg["groups"], cfg["bias"],
                                            seed=index)
        geometry = dict(stride=cfg["stride"], padding=cfg["padding"],
                        output_padding=cfg["output_padding"], dilation=cfg["dilation"],
                        groups=cfg["groups"])
        y, _ = conv_transpose_nd(x, w, b, **geometry)
        y_scatter, _ = conv_transpose_scatter_nd(x, w, b, **geometry)
        expected = _torch_out(cfg, x, w, b)
        got = torch.tensor(y, dtype=torch.float64)
        assert got.shape == expected.shape, cfg
        assert torch.allclose(got, expected, rtol=0, atol=0), cfg  # integers: exact
        assert y_scatter == y
    for category in ("holes", "cropping", "output_padding", "dilation", "groups", "unbatched"):
        assert seen[category] >= 3, (category, seen)


def test_flop_counter_mode_is_twice_the_scatter_products():
    from torch.utils.flop_counter import FlopCounterMode

    rng = random.Random(4000)
    checked = cropped = 0
    for index in range(240):
        dims = 1 + index % 3
        cfg = random_config(rng, dims)
        module = getattr(torch.nn, f"ConvTranspose{dims}d")(
            cfg["in_channels"], cfg["out_channels"], cfg["kernel_size"], cfg["stride"],
            cfg["padding"], cfg["output_padding"], cfg["groups"], cfg["bias"],
            cfg["dilation"])
        n = cfg["batch_size"]
        shape = (cfg["in_channels"], *cfg["input_size"])
        x = torch.zeros(shape if n is None else (n, *shape))
        with FlopCounterMode(display=False) as counter:
            module(x)
        q = conv_transpose_quantities(dims, **_args(cfg, dims))
        assert counter.get_total_flops() == q["flop_counter"] == 2 * q["scatter_products"], cfg
        checked += 1
        cropped += any(cfg["padding"])
    assert checked >= 200 and cropped >= 50
