"""Every registered layer's evaluators agree on 10**5 seeded configurations, counts above 2**63
included: the exact Python evaluator (``symconv.LAYER_ops``), the NumPy evaluator, the C scalar
function, the C batch function, and the specification's SymPy expressions (each row evaluated
node by node of SymPy's tree in exact rationals; ``xreplace`` on a sample as well).

Where a count or an intermediate leaves int64, NumPy and C must say so (``OverflowError``,
the overflow status) and the exact evaluator and SymPy still agree exactly.
"""

from __future__ import annotations

import importlib
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

import symconv
from symconv import cbackend
from symconv.registry import get

from _helpers import (INT64_MAX, api_params, array_args, exact_function, row, size_parameter,
                      sweep)
from _helpers import FORWARD, PENDING_CODEGEN

ROWS = 100_000


@pytest.fixture(autouse=True)
def _cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("SYMCONV_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "symconv-cache"))


def _numpy(layer):
    return importlib.import_module(f"symconv._generated.{layer}_ops_numpy")


def _c_batch(layer, args):
    """(output sizes (rows, dims), ops, status) of the layer's C batch function."""
    if get(layer).dims == 1:
        sizes, ops, status = getattr(cbackend, f"{layer}_batch")(**args)
        return sizes.reshape(-1, 1), ops, status
    return cbackend.nd_batch(layer, **args)


def _symbol_values(spec, cols, i):
    """The values of the spec's symbols at row ``i`` (padding 0 on 'same' rows)."""
    same = bool(cols["same"][i])
    values = {spec.parameter(name).symbol: int(cols[name][i])
              for name in ("batch_size", "in_channels", "out_channels", "groups")}
    values[spec.bias] = int(cols["bias"][i])
    values.update(zip(spec.input_sizes, (int(v) for v in cols["input_size"][:, i])))
    for name in ("kernel_size", "stride", "padding", "dilation"):
        symbols = spec.parameter(name).symbols
        values.update(zip(symbols, (0 if name == "padding" and same else int(v)
                                    for v in cols[name][:, i])))
    return values


@pytest.mark.layers(where=FORWARD, reason=PENDING_CODEGEN)
def test_evaluators_and_sympy_agree_on_1e5_configurations(layer):
    spec = get(layer)
    cols = sweep(layer, ROWS, seed=1000 + 7 * spec.dims)
    exact = getattr(symconv, f"{layer}_ops")
    c_scalar = getattr(cbackend, f"{layer}_ops")
    index = np.arange(ROWS)

    # the exact Python evaluator on every row
    kws = [row(cols, i, layer) for i in range(ROWS)]
    counts = [exact(**kw) for kw in kws]
    fits = np.array([c <= INT64_MAX for c in counts])
    assert 1000 < (~fits).sum() < ROWS // 2 and max(counts) > 2**90, "counts above 2**63"
    assert fits.sum() > 1000 and any(2**53 < c <= INT64_MAX for c in counts)

    # SymPy: the specification's expressions (ops and each output size) at every row
    symbols = tuple(sorted(spec.expression("ops").free_symbols
                           | set(spec.input_sizes) | {s for e in spec.output_size
                                                      for s in e.free_symbols}, key=str))
    symbols = tuple(sorted({s for same in (False, True)
                            for s in spec.in_input_sizes(spec.expression("ops"), same=same)
                            .free_symbols} | set(symbols), key=str))
    ops_of = {same: exact_function(spec.in_input_sizes(spec.expression("ops"), same=same),
                                   symbols) for same in (False, True)}
    sizes_of = [exact_function(e, symbols) for e in spec.output_size]
    sympy_sizes = []
    for i in range(ROWS):
        values = _symbol_values(spec, cols, i)
        point = [values.get(s, 0) for s in symbols]
        same = bool(cols["same"][i])
        assert ops_of[same](point) == counts[i], kws[i]
        sympy_sizes.append(tuple(point[symbols.index(s)] for s in spec.input_sizes) if same
                           else tuple(int(f(point)) for f in sizes_of))
    # the node-by-node evaluation is SymPy's own: xreplace agrees on a sample
    for i in range(0, ROWS, ROWS // 250):
        same = bool(cols["same"][i])
        subs = {s: sp.Integer(v) for s, v in _symbol_values(spec, cols, i).items()}
        assert spec.in_input_sizes(spec.expression("ops"), same=same).xreplace(subs) == counts[i]

    # the API's output sizes equal SymPy's
    shape = ("input_size", "input_length", "kernel_size", "stride", "padding", "dilation")
    for i in range(0, ROWS, 10):
        got = (getattr(symconv, f"{layer}_output_size", None)
               or getattr(symconv, f"{layer}_output_length"))(
            **{k: v for k, v in kws[i].items() if k in shape})
        assert (got if isinstance(got, tuple) else (got,)) == sympy_sizes[i]

    # the C batch function on every row: exact where it fits, the overflow status elsewhere
    sizes = np.zeros((ROWS, spec.dims), np.int64)
    ops = np.zeros(ROWS, np.int64)
    status = np.zeros(ROWS, np.intc)
    for part in (~cols["same"], cols["same"]):
        sizes[part], ops[part], status[part] = _c_batch(layer, array_args(cols, index[part], layer))
    assert (status[fits] == 0).all()
    assert (status[~fits] == cbackend.STATUS["overflow"]).all()
    assert ops[fits].tolist() == [c for c, f in zip(counts, fits) if f]
    assert [tuple(r) for r in sizes[fits].tolist()] == [s for s, f in zip(sympy_sizes, fits) if f]

    # the C scalar function on every row
    overflow = 0
    for i in range(ROWS):
        if fits[i]:
            assert c_scalar(**kws[i]) == counts[i]
        else:
            with pytest.raises(OverflowError, match="the result or an intermediate"):
                c_scalar(**kws[i])
            overflow += 1
    assert overflow == (~fits).sum()

    # NumPy: every fitting row in vectorized calls (per-dimension columns; one column of 'same'
    # and ints), every overflow row refused (the first in a call of all of them, and one by one
    # on a sample)
    fn_np = getattr(_numpy(layer), f"{layer}_ops")
    numpy_rows = set()
    for part in (index[fits & ~cols["same"]], index[fits & cols["same"]],
                 index[fits & (index % 2 == 0)]):
        assert fn_np(**array_args(cols, part, layer)).tolist() == [counts[i] for i in part]
        numpy_rows.update(part.tolist())
    assert len(numpy_rows) == fits.sum()
    # and the fitting rows of a second sweep, so that NumPy's counts too are checked on 10**5
    more = sweep(layer, 45_000, seed=2000 + 7 * spec.dims)
    more_counts = np.array([exact(**row(more, i, layer)) for i in range(45_000)], dtype=object)
    ok = np.flatnonzero(more_counts <= INT64_MAX)
    for part in (ok[~more["same"][ok]], ok[more["same"][ok]]):
        assert fn_np(**array_args(more, part, layer)).tolist() == more_counts[part].tolist()
    numpy_checked = len(numpy_rows) + len(ok)
    assert numpy_checked >= ROWS
    big = index[~fits & ~cols["same"]]
    with pytest.raises(OverflowError, match="^row 0: "):
        fn_np(**array_args(cols, big, layer))
    for i in index[~fits][:300]:
        with pytest.raises(OverflowError, match="^row 0: the result or an intermediate"):
            fn_np(**kws[i])

    print(f"{layer}: {ROWS} configurations, {int((~fits).sum())} above int64; "
          f"SymPy and Python and C scalar on all, C batch on all, NumPy counts on "
          f"{len(numpy_rows)} (all that fit) + {len(ok)} of a second sweep = {numpy_checked}")


# --- each layer's C under AddressSanitizer and UndefinedBehaviorSanitizer -----------------

SENTINEL = 0x5A5A5A5A
DRIVER = r"""
#include <stdio.h>
#include "%(layer)s_ops.h"
int main(void) {
    long long v[%(count)d];
    for (;;) {
        int k, status;
        int64_t ops = %(sentinel)d;
        for (k = 0; k < %(count)d; k++)
            if (scanf("%%lld", &v[k]) != 1) return 0;
        %(call)s
        printf("%%d %%lld\n", status, (long long)ops);
    }
}
"""


def _driver(spec) -> str:
    """A driver that reads rows of integers and prints each row's status and count: the
    layer's C function called as its header declares it (one int64_t per value where the
    input size is one value, as Conv1d's ABI; arrays of dims values otherwise)."""
    dims = spec.dims
    scalar = not spec.parameter(size_parameter(spec)).per_dimension
    count = 3 + 5 * dims + 2
    if scalar:
        args = ", ".join(f"(int64_t)v[{k}]" for k in range(3 + 5 * dims + 1))
        call = f"status = symconv_{spec.name}_ops({args}, (int)v[{count - 1}], &ops);"
    else:
        decl = " ".join(f"int64_t a{j}[{dims}];" for j in range(5))
        fill = " ".join(f"a{j}[{k}] = (int64_t)v[{3 + j * dims + k}];"
                        for j in range(5) for k in range(dims))
        call = (f"{decl} {fill}\n        status = symconv_{spec.name}_ops((int64_t)v[0], "
                f"(int64_t)v[1], (int64_t)v[2], a0, a1, a2, a3, a4, (int64_t)v[{count - 2}], "
                f"(int)v[{count - 1}], &ops);")
    return DRIVER % {"layer": spec.name, "count": count, "call": call, "sentinel": SENTINEL}


def _c_rows(layer, n, seed):
    """Rows of C arguments: valid configurations of the sweep (overflowing ones included) and
    the same rows with one to three values replaced by hostile ones (0, negatives, int64's
    limits, 2**62, ...); padding -1 in every dimension is 'same' (SYMCONV_PADDING_SAME)."""
    spec = get(layer)
    dims = spec.dims
    cols = sweep(layer, n, seed)
    rng = np.random.default_rng(seed)
    edges = [0, 1, 2, -1, -2, 3, 7, 2**31 + 5, 2**32, 2**62, INT64_MAX, INT64_MAX - 1,
             -INT64_MAX - 1]
    rows = []
    for i in range(n):
        pad = [-1] * dims if cols["same"][i] else [int(v) for v in cols["padding"][:, i]]
        r = ([int(cols[k][i]) for k in ("batch_size", "in_channels", "out_channels")]
             + [int(v) for k in ("input_size", "kernel_size", "stride") for v in cols[k][:, i]]
             + pad + [int(v) for v in cols["dilation"][:, i]]
             + [int(cols["groups"][i]), int(cols["bias"][i])])
        rows.append(r)
        bad = list(r)
        for k in rng.choice(len(bad), rng.integers(1, 4), replace=False):
            bad[k] = int(rng.choice(edges)) if k != len(bad) - 1 else int(rng.choice([0, 1, 2, -1]))
        rows.append(bad)
    return rows


def _c_expected(layer, r):
    """(status, count) of a row through symconv.cbackend (the same C, built without
    sanitizers, behind the Python wrapper that turns a status into its rule)."""
    spec = get(layer)
    dims = spec.dims
    chunk = [tuple(r[3 + j * dims: 3 + (j + 1) * dims]) for j in range(5)]
    padding = "same" if all(v == -1 for v in chunk[3]) else chunk[3]
    cfg = dict(batch_size=r[0], in_channels=r[1], out_channels=r[2], input_size=chunk[0],
               kernel_size=chunk[1], stride=chunk[2], padding=padding, dilation=chunk[4],
               groups=r[-2], bias=r[-1])
    if dims == 1:
        cfg.update({k: v[0] for k, v in cfg.items() if isinstance(v, tuple) and k != "input_size"})
    cfg = api_params(spec, cfg)
    try:
        return 0, getattr(cbackend, f"{layer}_ops")(**cfg)
    except (TypeError, ValueError, OverflowError) as exc:
        return cbackend.STATUS[exc.rule], SENTINEL


def _sanitizer_runtime(cc: str, directory: Path) -> str | None:
    """Why ``cc`` cannot build a sanitized program here (None: it can): a trivial program,
    so that a compile error of the driver is never taken for a missing runtime."""
    (directory / "probe.c").write_text("int main(void) { return 0; }\n", encoding="utf-8")
    probe = subprocess.run([cc, "-fsanitize=address,undefined", str(directory / "probe.c"),
                            "-o", str(directory / "probe")], capture_output=True, text=True)
    return None if probe.returncode == 0 else probe.stderr[:200]


@pytest.mark.skipif(not shutil.which("gcc") and not shutil.which("clang"),
                    reason="no C compiler (gcc/clang)")
@pytest.mark.layers(where=FORWARD, reason="the forward C ABI; transposed: "
                    "tests/test_convtranspose_codegen.py runs its own sanitized driver")
def test_sanitized_c_agrees_on_every_row(layer, tmp_path):
    """The layer's C compiled with -fsanitize=address,undefined (no recovery): 6,000 rows, half
    valid (counts above 2**63 included), half hostile, give the status and count of the
    unsanitized library, outputs untouched on error, and no sanitizer report."""
    spec = get(layer)
    cc = shutil.which("gcc") or shutil.which("clang")
    generated = Path(symconv.__file__).resolve().parent.parent / "generated"
    (tmp_path / "driver.c").write_text(_driver(spec), encoding="utf-8")
    exe = tmp_path / "driver"
    built = subprocess.run([cc, "-std=c99", "-g", "-O1", "-fsanitize=address,undefined",
                            "-fno-sanitize-recover=all", "-I", str(generated),
                            str(tmp_path / "driver.c"),
                            *(str(generated / f"{stem}.c") for stem in cbackend.C_STEMS),
                            "-o", str(exe)], capture_output=True, text=True)
    if built.returncode != 0:
        missing = _sanitizer_runtime(cc, tmp_path)
        if missing is not None:
            pytest.skip(f"no sanitizer runtime: {missing}")
    assert built.returncode == 0, built.stderr
    rows = _c_rows(layer, 3000, seed=40 + spec.dims)
    run = subprocess.run([str(exe)], input="\n".join(" ".join(map(str, r)) for r in rows),
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0 and run.stderr == "", run.stderr[-2000:]
    got = [tuple(int(x) for x in line.split()) for line in run.stdout.splitlines()]
    assert len(got) == len(rows) == 6000
    assert got == [_c_expected(layer, r) for r in rows]
    statuses = {status for status, _ in got}
    assert 0 in statuses and cbackend.STATUS["overflow"] in statuses and len(statuses) >= 5
