"""Shared by the transposed layers' C tests: random valid configurations, their exact
quantities, keyword arguments and the C statuses (test modules do not import each other)."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import numpy as np

from symconv import convtranspose as ct
from symconv.codegen import transpose
from symconv.registry import get

GENERATED = Path(__file__).resolve().parent.parent / "generated"
INT64_MAX = 2**63 - 1
STRICT = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic"]
TLAYERS = transpose.layer_names()
DIMS = {name: get(name).dims for name in TLAYERS}
QUANTITIES = transpose.QUANTITIES
AXIS_NAMES = ("input_size", "kernel_size", "stride", "padding", "output_padding", "dilation")


def _exact(layer):
    return importlib.import_module(f"symconv._generated.{layer}_ops")


def _sizes_name(layer):
    return "input_length" if DIMS[layer] == 1 else "input_size"


def _scale(rng, big=0.12):
    r = rng.random()
    if r < 0.55:
        return rng.randint(1, 12)
    if r < 1 - big:
        return rng.randint(1, 3000)
    if r < 1 - big / 4:
        return rng.randint(1, 2 ** rng.randint(12, 40))
    return rng.randint(1, 2 ** rng.randint(40, 62))


def _axis(rng, big=0.12):
    """One valid dimension (in, K, s, p, op, d): holes, cropping, output_padding, dilation."""
    i, k, s, d = (_scale(rng, big) for _ in range(4))
    if rng.random() < 0.4:
        s = rng.randint(1, 4)
    if rng.random() < 0.5:
        d = 1
    op = rng.randrange(max(s, d)) if rng.random() < 0.5 else 0
    top = min(((i - 1) * s + d * (k - 1) + op) // 2, INT64_MAX)
    r = rng.random()
    p = 0 if r < 0.25 else rng.randint(0, min(top, 16)) if r < 0.6 else rng.randint(0, top)
    return (i, k, s, p, op, d)


def _configs(rng, dims, count, pool_size=5_000):
    """``count`` valid configurations (rows ``(batch_size, in_channels, out_channels, groups,
    bias, axes)``) whose dimensions come from a pool of ``pool_size`` random dimensions."""
    pool = []
    while len(pool) < pool_size:
        a = _axis(rng, 0.12 / dims)
        if max(a) <= INT64_MAX:
            pool.append(a)
    gen = np.random.default_rng(rng.randrange(2**32))

    def scales(size, big):
        u = gen.random(size)
        bits = gen.integers(12, 41, size)
        huge = gen.integers(40, 63, size)
        return np.select([u < 0.55, u < 0.88, u < 1 - big],
                         [gen.integers(1, 13, size), gen.integers(1, 3001, size),
                          (gen.integers(0, 2**62, size) >> (62 - bits)) + 1],
                         (gen.integers(0, 2**62, size) >> (62 - huge)) + 1)

    big = 0.03 / dims  # the larger the layer, the rarer huge channel counts
    rows = []
    while len(rows) < count:
        size = count - len(rows)
        g = np.where(gen.random(size) < 0.2, scales(size, big), gen.integers(1, 5, size))
        c, o, n = scales(size, big), scales(size, big), scales(size, big)
        b = gen.integers(0, 2, size)
        none = gen.random(size) < 0.1
        idx = gen.integers(0, pool_size, (size, dims))
        for g_, c_, o_, n_, b_, none_, ix in zip(g.tolist(), c.tolist(), o.tolist(), n.tolist(),
                                                 b.tolist(), none.tolist(), idx.tolist()):
            if g_ * c_ > INT64_MAX or g_ * o_ > INT64_MAX:
                continue
            rows.append((None if none_ else n_, g_ * c_, g_ * o_, g_, b_,
                         tuple(pool[i] for i in ix)))
    return rows


def _kwargs(layer, row):
    n, cin, cout, g, b, axes = row
    dims = DIMS[layer]
    per = {name: tuple(a[j] for a in axes) for j, name in enumerate(AXIS_NAMES)}
    kw = dict(batch_size=n, in_channels=cin, out_channels=cout, groups=g, bias=bool(b),
              kernel_size=per["kernel_size"], stride=per["stride"], padding=per["padding"],
              output_padding=per["output_padding"], dilation=per["dilation"])
    kw[_sizes_name(layer)] = per["input_size"][0] if dims == 1 else per["input_size"]
    return kw


def _expected(rows):
    """Every quantity of every row from symconv.convtranspose: per dimension the O(log) forms
    (axis_counts, each distinct dimension once), then the totals (convtranspose.totals,
    compiled there), over object arrays of exact ints."""
    axis = {}
    for row in rows:
        for a in row[5]:
            if a not in axis:
                axis[a] = ct.axis_counts(*a)
    totals = ct._total_functions()

    def col(values):
        out = np.empty(len(values), dtype=object)
        out[:] = values
        return out

    dims = len(rows[0][5])
    T, R, P, K = (col([1] * len(rows)) for _ in range(4))
    for k in range(dims):
        T = T * col([axis[r[5][k]][1] for r in rows])
        R = R * col([axis[r[5][k]][2] for r in rows])
        P = P * col([r[5][k][0] for r in rows])
        K = K * col([r[5][k][1] for r in rows])
    g = col([r[3] for r in rows])
    args = (col([1 if r[0] is None else r[0] for r in rows]), g, col([r[1] for r in rows]) // g,
            col([r[2] for r in rows]) // g, col([r[4] for r in rows]), T, R, P, K)
    out = {q: list(totals[q](*args)) for q in QUANTITIES}
    out["output_size"] = [tuple(axis[a][0] for a in r[5]) for r in rows]
    return out, axis


def _statuses():
    """status code -> rule key, read from the generated headers."""
    codes = {}
    for header in ["conv1d_ops.h"] + [f"{layer}_ops.h" for layer in TLAYERS]:
        for name, code in re.findall(r"#define SYMCONV_E_(\w+) (\d+)", (GENERATED / header).read_text()):
            codes[int(code)] = name.lower()
    codes[0] = "ok"
    return codes
