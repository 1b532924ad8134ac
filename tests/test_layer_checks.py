"""Every registered layer's evaluators agree on 10**5 seeded configurations, counts above 2**63
included: the exact Python evaluator (``symconv.LAYER_ops``), the NumPy evaluator, the C scalar
function, the C batch function, and the specification's SymPy expressions (each row evaluated
node by node of SymPy's tree in exact rationals; ``xreplace`` on a sample as well).

Where a count or an intermediate leaves int64, NumPy and C must say so (``OverflowError``,
the overflow status) and the exact evaluator and SymPy still agree exactly.
"""

from __future__ import annotations

import importlib

import numpy as np
import pytest
import sympy as sp

import symconv
from symconv import cbackend
from symconv.registry import get

from _helpers import INT64_MAX, array_args, exact_function, row, sweep

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
    for i in range(0, ROWS, ROWS // 500):
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
    big = index[~fits & ~cols["same"]]
    with pytest.raises(OverflowError, match="^row 0: "):
        fn_np(**array_args(cols, big, layer))
    for i in index[~fits][:300]:
        with pytest.raises(OverflowError, match="^row 0: the result or an intermediate"):
            fn_np(**kws[i])

    print(f"{layer}: {ROWS} configurations, {int((~fits).sum())} above int64; "
          f"SymPy and Python and C scalar on all, C batch on all, NumPy counts on "
          f"{len(numpy_rows)} (all that fit)")
