"""symconv.cbackend for the transposed layers: scalars, output sizes and the batch against the
exact evaluator (values, and every refusal's class and message), overflow reported."""

from __future__ import annotations

import random
import shutil

import numpy as np
import pytest

from _helpers import TRANSPOSED
from _transposed import (
    DIMS, INT64_MAX, TLAYERS, _configs, _exact, _kwargs)

import symconv
from symconv import cbackend

pytestmark = [pytest.mark.layers(where=TRANSPOSED, reason="the transposed layers' C backend"),
              pytest.mark.skipif(not any(shutil.which(c) for c in ("cc", "gcc", "clang")),
                                 reason="no C compiler")]


def _outcome(fn, kw):
    try:
        return ("ok", fn(**kw))
    except (TypeError, ValueError, OverflowError) as exc:
        return (type(exc).__name__, str(exc))


@pytest.mark.parametrize("tlayer", TLAYERS)
def test_scalars_equal_the_exact_evaluator(tlayer):
    dims = DIMS[tlayer]
    rows = _configs(random.Random(40 + dims), dims, 1500, pool_size=500)
    exact = getattr(_exact(tlayer), f"{tlayer}_ops")
    c_ops = getattr(cbackend, f"{tlayer}_ops")
    size_name = "output_length" if dims == 1 else "output_size"
    exact_size = getattr(symconv, f"{tlayer}_{size_name}")
    c_size = getattr(cbackend, f"{tlayer}_{size_name}")
    kinds = set()
    for row in rows:
        kw = _kwargs(tlayer, row)
        want = exact(**kw)
        got = _outcome(c_ops, kw)
        if want > INT64_MAX:
            assert got[0] == "OverflowError", (row, got)
            kinds.add("overflow")
        elif got[0] == "OverflowError":  # an intermediate beyond int64, the value within
            kinds.add("intermediate")
        else:
            assert got == ("ok", want), row
            kinds.add("ok")
        skw = {k: v for k, v in kw.items() if k not in (
            "batch_size", "in_channels", "out_channels", "groups", "bias")}
        want_size = exact_size(**skw)
        got_size = _outcome(c_size, skw)
        sizes = (want_size,) if dims == 1 else want_size
        if max(sizes) > INT64_MAX:
            assert got_size[0] == "OverflowError"
        elif got_size[0] != "OverflowError":
            assert got_size == ("ok", want_size), row
    assert {"ok", "overflow"} <= kinds


def _bad(tlayer):
    dims = DIMS[tlayer]
    sizes = "input_length" if dims == 1 else "input_size"
    good = dict(batch_size=2, in_channels=4, out_channels=6, kernel_size=3, stride=2, padding=1,
                output_padding=1, dilation=1, groups=2, bias=True)
    good[sizes] = 5 if dims == 1 else (5,) * dims
    bad = [dict(good, batch_size=0), dict(good, in_channels=5), dict(good, out_channels=3),
           dict(good, kernel_size=0), dict(good, stride=-1), dict(good, padding=-1),
           dict(good, output_padding=2), dict(good, output_padding=-1), dict(good, dilation=0),
           dict(good, groups=0), dict(good, bias=2), dict(good, padding=100),
           dict(good, kernel_size=1.5), dict(good, padding="same"),
           dict(good, **{sizes: 2**64}), dict(good, in_channels=2**64, groups=1)]
    if dims > 1:
        bad += [dict(good, **{sizes: (5,) * (dims + 1)}), dict(good, stride=(1,) * (dims + 1))]
    return good, bad


@pytest.mark.parametrize("tlayer", TLAYERS)
def test_refusals_word_for_word(tlayer):
    good, bad = _bad(tlayer)
    exact = getattr(symconv, f"{tlayer}_ops")
    c_ops = getattr(cbackend, f"{tlayer}_ops")
    assert c_ops(**good) == exact(**good)
    for kw in bad:
        want = _outcome(exact, kw)
        got = _outcome(c_ops, kw)
        if want[0] == "ok":  # an exact count beyond int64 (a value beyond int64)
            assert got[0] == "OverflowError", kw
        else:
            assert got == want, kw


@pytest.mark.parametrize("tlayer", TLAYERS)
def test_batch_equals_the_exact_evaluator(tlayer):
    dims = DIMS[tlayer]
    rng = random.Random(90 + dims)
    rows = [r for r in _configs(rng, dims, 3000, pool_size=800)
            if max(max(a) for a in r[5]) <= INT64_MAX]
    good, bad = _bad(tlayer)
    bad = [kw for kw in bad if all(isinstance(v, (int, type(None))) and (v is None or abs(v) < 2**62)
                                   for v in kw.values() if not isinstance(v, tuple))
           and not any(isinstance(v, tuple) and len(v) != dims for v in kw.values())]

    def column(values):
        return np.array(values, dtype=np.int64)

    every = [_kwargs(tlayer, r) for r in rows] + bad
    sizes_name = "input_length" if dims == 1 else "input_size"

    def per(name):
        values = [kw[name] if isinstance(kw[name], tuple) or dims == 1 else (kw[name],) * dims
                  for kw in every]
        if dims == 1:
            return column([v[0] if isinstance(v, tuple) else v for v in values])
        return tuple(column([v[k] for v in values]) for k in range(dims))

    sizes, ops, status = cbackend.transposed_batch(
        tlayer, column([1 if kw["batch_size"] is None else kw["batch_size"] for kw in every]),
        column([kw["in_channels"] for kw in every]), column([kw["out_channels"] for kw in every]),
        per(sizes_name), per("kernel_size"), per("stride"), per("padding"),
        per("output_padding"), per("dilation"), column([kw["groups"] for kw in every]),
        column([int(kw["bias"]) for kw in every]))
    assert sizes.shape == (len(every), dims) and ops.shape == status.shape == (len(every),)
    key = {code: k for k, code in cbackend.TRANSPOSED_STATUS.items()}
    exact = getattr(symconv, f"{tlayer}_ops")
    size_fn = getattr(symconv, f"{tlayer}_{'output_length' if dims == 1 else 'output_size'}")
    seen = set()
    for index, kw in enumerate(every):
        try:
            want = exact(**kw)
        except (TypeError, ValueError) as exc:
            assert key[int(status[index])] == exc.rule, kw
            seen.add(exc.rule)
            continue
        if status[index] == 0:
            assert ops[index] == want, kw
            skw = {k: kw[k] for k in (sizes_name, "kernel_size", "stride", "padding",
                                      "output_padding", "dilation")}
            want_size = size_fn(**skw)
            assert tuple(sizes[index]) == ((want_size,) if dims == 1 else want_size)
            seen.add("ok")
        else:
            assert key[int(status[index])] == "overflow", kw
            seen.add("overflow")
    assert {"ok", "overflow", "groups_in", "output_padding_too_large"} <= seen, seen
