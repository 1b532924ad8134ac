"""The NumPy and C evaluators of Conv2d and Conv3d against the exact evaluators and the SymPy
expressions: seeded sweeps (100,000 configurations per layer, counts above 2**63 included), an
agreement table of bad inputs, strict C compiles and a sanitized C driver."""

from __future__ import annotations

import importlib
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

import symconv
from symconv import cbackend
from symconv.codegen import int64_helpers
from symconv.registry import LAYERS

GENERATED = Path(__file__).resolve().parent.parent / "generated"
STRICT = ["-std=c99", "-Wall", "-Wextra", "-Wpedantic", "-Werror", "-O2"]
COMPILERS = [cc for cc in ("gcc", "clang") if shutil.which(cc)]
INT64_MAX = 2**63 - 1
ND = ("conv2d", "conv3d")
ROWS = 100_000
needs_cc = pytest.mark.skipif(not COMPILERS, reason="no C compiler (gcc/clang)")


@pytest.fixture(autouse=True)
def _cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("SYMCONV_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "symconv-cache"))


def _numpy(layer):
    return importlib.import_module(f"symconv._generated.{layer}_ops_numpy")


def _exact(layer):
    return getattr(symconv, f"{layer}_ops")


def sweep(layer: str, rows: int, seed: int):
    """Seeded valid configurations, as columns: small layers, and a fifth with huge batches and
    channels (counts up to about 2**100), every padding form ('same' as -1 in ``same``)."""
    rng = np.random.default_rng(seed)
    dims = LAYERS[layer].dims
    huge = rng.random(rows) < 0.2
    groups = rng.choice([1, 2, 3, 4], rows)
    cin = groups * np.where(huge, rng.integers(1, 2**20, rows), rng.integers(1, 9, rows))
    cout = groups * np.where(huge, rng.integers(1, 2**20, rows), rng.integers(1, 9, rows))
    batch = np.where(huge, rng.integers(1, 2**40, rows), rng.integers(1, 17, rows))
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


def row(cols, i):
    """Row ``i`` as keyword arguments of the exact evaluator."""
    same = bool(cols["same"][i])
    return dict(batch_size=int(cols["batch_size"][i]), in_channels=int(cols["in_channels"][i]),
                out_channels=int(cols["out_channels"][i]),
                input_size=tuple(int(v) for v in cols["input_size"][:, i]),
                kernel_size=tuple(int(v) for v in cols["kernel_size"][:, i]),
                stride=tuple(int(v) for v in cols["stride"][:, i]),
                padding="same" if same else tuple(int(v) for v in cols["padding"][:, i]),
                dilation=tuple(int(v) for v in cols["dilation"][:, i]),
                groups=int(cols["groups"][i]), bias=bool(cols["bias"][i]))


def array_args(cols, index, padding_given=True):
    """Rows ``index`` as arguments of the NumPy evaluator and nd_batch: tuples of columns, one per
    dimension; the padding a tuple of columns, or with 'same' rows among them one object column
    of 'same' and ints (their padding is then the same in every dimension)."""
    out = {}
    for name in ("batch_size", "in_channels", "out_channels", "groups", "bias"):
        out[name] = cols[name][index]
    for name in ("input_size", "kernel_size", "stride", "dilation"):
        out[name] = tuple(cols[name][k][index] for k in range(cols[name].shape[0]))
    same = cols["same"][index]
    if same.any():
        pad = cols["padding"][0][index].astype(object)
        assert (cols["padding"][:, index] == cols["padding"][0][index]).all()
        pad[same] = "same"
        out["padding"] = pad
    else:
        out["padding"] = tuple(cols["padding"][k][index] for k in range(cols["padding"].shape[0]))
    return out


def run_batch(layer, cols, index):
    """nd_batch over ``index``: the rows without 'same' with per-dimension paddings, the others
    with one column of 'same' and ints."""
    sizes = np.zeros((len(index), LAYERS[layer].dims), np.int64)
    ops = np.zeros(len(index), np.int64)
    status = np.zeros(len(index), np.intc)
    for part in (~cols["same"][index], cols["same"][index]):
        if part.any():
            sizes[part], ops[part], status[part] = cbackend.nd_batch(layer, **array_args(cols, index[part]))
    return sizes, ops, status


@pytest.mark.parametrize("layer", ND)
def test_sweep_agreement_exact_numpy_c(layer):
    """100,000 seeded configurations: NumPy and C equal the exact count wherever it fits in int64,
    and report overflow exactly where it does not (C on every row, NumPy on a sample)."""
    cols = sweep(layer, ROWS, seed=20 + len(layer) + LAYERS[layer].dims)
    exact = _exact(layer)
    counts = [exact(**row(cols, i)) for i in range(ROWS)]
    fits = np.array([c <= INT64_MAX for c in counts])
    big = ~fits
    assert 1000 < big.sum() < ROWS // 2, "the sweep must hold counts above 2**63"
    assert max(counts) > 2**90
    index = np.arange(ROWS)
    # C batch over every row
    sizes, ops, status = run_batch(layer, cols, index)
    assert (status[fits] == 0).all()
    assert (status[big] == cbackend.STATUS["overflow"]).all()
    assert ops[fits].tolist() == [c for c, f in zip(counts, fits) if f]
    # NumPy over the rows that fit: one vectorized call, the same counts and output sizes
    ok = index[fits]
    fn_np = _numpy(layer).__dict__[f"{layer}_ops"]
    size_np = _numpy(layer).__dict__[f"{layer}_output_size"]
    size_exact = getattr(symconv, f"{layer}_output_size")
    shape_names = ("input_size", "kernel_size", "stride", "padding", "dilation")
    checked = 0
    # NumPy, one vectorized call per padding form: per-dimension tuples of columns (no 'same'
    # row), and one column of 'same' and ints (every even row, 'same' rows included)
    for part in (index[fits & ~cols["same"]], index[fits & (index % 2 == 0)]):
        args = array_args(cols, part)
        assert fn_np(**args).tolist() == [counts[i] for i in part]
        out = size_np(**{k: v for k, v in args.items() if k in shape_names})
        want = [size_exact(**{k: v for k, v in row(cols, i).items() if k in shape_names})
                for i in part[:5000]]
        assert [tuple(int(o[j]) for o in out) for j in range(len(want))] == want
        checked += len(part)
    assert checked > ROWS // 2
    want = [size_exact(**{k: v for k, v in row(cols, i).items() if k in shape_names})
            for i in ok[:5000]]
    assert [tuple(r) for r in sizes[ok[:5000]].tolist()] == want
    # overflow rows: NumPy and C scalar raise OverflowError (sample of 100)
    for i in index[big][:100]:
        kw = row(cols, i)
        with pytest.raises(OverflowError, match="row 0: the result or an intermediate"):
            _numpy(layer).__dict__[f"{layer}_ops"](**kw)
        with pytest.raises(OverflowError, match="the result or an intermediate"):
            getattr(cbackend, f"{layer}_ops")(**kw)
    # C scalar path on a sample of valid rows
    for i in ok[:2000]:
        assert getattr(cbackend, f"{layer}_ops")(**row(cols, i)) == counts[i]


@pytest.mark.parametrize("layer", ND)
def test_sympy_expression_agrees(layer):
    """The layer specification's own SymPy expression, substituted exactly (Integers), equals
    the generated evaluators on 2,000 rows of the sweep (huge counts included)."""
    spec = LAYERS[layer]
    cols = sweep(layer, 2000, seed=7)
    ops_in = {False: spec.in_input_sizes(spec.expression("ops")),
              True: spec.in_input_sizes(spec.expression("ops"), same=True)}
    from symconv.symbols import C_in, C_out, G, N
    per_dim = {name: spec.parameter(name).symbols
               for name in ("kernel_size", "stride", "padding", "dilation")}
    beyond = 0
    for i in range(2000):
        kw = row(cols, i)
        same = kw["padding"] == "same"
        values = {N: kw["batch_size"], C_in: kw["in_channels"], C_out: kw["out_channels"],
                  G: kw["groups"], spec.bias: int(kw["bias"])}
        for k, sym in enumerate(spec.input_sizes):
            values[sym] = kw["input_size"][k]
        for name, syms in per_dim.items():
            for k, sym in enumerate(syms):
                values[sym] = 0 if (name == "padding" and same) else kw[name][k]
        value = ops_in[same].xreplace({s: sp.Integer(v) for s, v in values.items()})
        assert value.is_Integer
        count = _exact(layer)(**kw)
        assert int(value) == count
        beyond += count > INT64_MAX
    assert beyond > 100


@pytest.mark.parametrize("layer", ND)
def test_int64_limits(layer):
    """2**63 - 1 fits in every evaluator, 2**63 is exact in Python and overflow in NumPy and C."""
    dims = LAYERS[layer].dims
    base = dict(in_channels=1, out_channels=1, input_size=(1,) * dims, kernel_size=1)
    exact, fn_np, fn_c = _exact(layer), _numpy(layer).__dict__[f"{layer}_ops"], getattr(cbackend, f"{layer}_ops")
    top = dict(base, batch_size=INT64_MAX, bias=False)
    assert exact(**top) == fn_np(**top) == fn_c(**top) == INT64_MAX
    over = dict(base, batch_size=2**62, bias=True)
    assert exact(**over) == 2**63
    for fn in (fn_np, fn_c):
        with pytest.raises(OverflowError):
            fn(**over)
    # an output size beyond int64: padded input 2**63 + 1
    wide = dict(base, batch_size=1, input_size=(1,) * (dims - 1) + (2**62,), padding=(0,) * (dims - 1) + (2**61,))
    assert exact(**wide) > INT64_MAX
    for fn in (fn_np, fn_c):
        with pytest.raises(OverflowError):
            fn(**wide)


D = 2
BAD = [
    dict(batch_size=0), dict(in_channels=-3), dict(out_channels=True), dict(groups=3),
    dict(out_channels=9, groups=2, in_channels=4), dict(input_size=(10,)),
    dict(input_size=10), dict(input_size=(10, 0)), dict(input_size=(10, 2.0)),
    dict(kernel_size=(3, 3, 3)), dict(kernel_size=(3, 0)), dict(kernel_size=(3, 30)),
    dict(kernel_size=12), dict(stride=(1, 0)), dict(stride=(1, 2), padding="same"),
    dict(stride=2, padding="same"), dict(padding=-1), dict(padding=(0, -2)),
    dict(padding="full"), dict(padding=(0, "same")), dict(dilation=(1, 0)),
    dict(dilation=(1, 9), kernel_size=(3, 4)), dict(bias=2), dict(bias="yes"), dict(bias=None),
    dict(batch_size=2**64), dict(input_size=(2**63, 4)), dict(kernel_size=(2**63, 3)),
    dict(batch_size=2**62, in_channels=2**10), dict(kernel_size=(2**62, 3), dilation=(4, 1)),
    dict(padding=(2**62, 0), input_size=(2**62, 4)), dict(batch_size=np.int64(0)),
    dict(batch_size=np.uint64(2**63)), dict(stride=np.True_), dict(batch_size=None),
    dict(padding="valid"), dict(padding=(1, 2), stride=(2, 3), dilation=(2, 1)),
    dict(batch_size=0, input_size=(10,)),
]


def _outcome(fn, kw, strip_row=False):
    try:
        return ("ok", int(fn(**kw)))
    except (TypeError, ValueError, OverflowError) as exc:
        message = str(exc)
        if strip_row:
            message = re.sub(r"^row 0: ", "", message)
        return (type(exc).__name__, message, getattr(exc, "rule", None))


@needs_cc
@pytest.mark.parametrize("bad", BAD, ids=[repr(b)[:60] for b in BAD])
def test_bad_input_table_conv2d(bad):
    """Each entry gives the same count, or the same exception class, message and rule, in the
    exact, NumPy and C evaluators of Conv2d (NumPy's ``row 0: `` prefix removed)."""
    kw = dict(batch_size=2, in_channels=4, out_channels=8, input_size=(10, 20), kernel_size=3)
    kw.update(bad)
    exact = _outcome(symconv.conv2d_ops, kw)
    c = _outcome(cbackend.conv2d_ops, kw)
    if exact[0] == "ok" and exact[1] > INT64_MAX:  # exact in Python, overflow in fixed width
        assert c[0] == "OverflowError" and c[2] == "overflow"
        assert "does not fit in a signed 64-bit integer" in c[1]
    else:
        assert c == exact
    assert _outcome(_numpy("conv2d").conv2d_ops, kw, strip_row=True) == c


def test_bad_table_covers_every_class():
    """The table holds every rule of ND_RULES but 'type'-free ones C cannot see, and overflow."""
    kw = dict(batch_size=2, in_channels=4, out_channels=8, input_size=(10, 20), kernel_size=3)
    rules, overflow = set(), 0
    for bad in BAD:
        outcome = _outcome(symconv.conv2d_ops, {**kw, **bad})
        if outcome[0] == "ok":
            overflow += outcome[1] > INT64_MAX
        else:
            rules.add(outcome[2])
    from symconv.validation import ND_RULES
    assert rules == set(ND_RULES)
    assert overflow >= 4


@pytest.mark.parametrize("layer", ND)
def test_numpy_first_bad_row_and_broadcasting(layer):
    dims = LAYERS[layer].dims
    fn = _numpy(layer).__dict__[f"{layer}_ops"]
    kernel = np.array([3, 3, 50, 0])
    with pytest.raises(ValueError, match=r"^row 2: in dimension 0 .*kernel_size\[0\]=50") as info:
        fn(1, 4, 8, (10,) * dims, (kernel,) + (3,) * (dims - 1))
    assert info.value.rule == "kernel_too_long"
    with pytest.raises(ValueError, match="kernel_size has shape"):
        fn(np.ones(3, np.int64), 4, 8, (10,) * dims, np.array([3, 3]))
    with pytest.raises(TypeError, match="dtype float64"):
        fn(np.ones(3), 4, 8, (10,) * dims, 3)
    got = fn(np.arange(1, 5)[:, None], 4, 8, (10,) * dims, np.array([1, 3]), padding="same")
    assert got.shape == (4, 2)
    assert got.tolist() == [[_exact(layer)(n, 4, 8, (10,) * dims, k, padding="same") for k in (1, 3)]
                            for n in range(1, 5)]


def test_numpy_evaluators_copy_the_int64_module():
    """The interval and checked-int64 classes are one module, copied verbatim into each file."""
    text = int64_helpers()
    assert "class _Checked" in text and "class _Interval" in text
    for name in ("conv1d_ops_numpy.py", "conv2d_ops_numpy.py", "conv3d_ops_numpy.py"):
        assert text in (GENERATED / name).read_text(encoding="utf-8"), name


def test_no_floating_point_in_nd_evaluators():
    for layer in ND:
        for ext in ("_numpy.py", ".c", ".h"):
            name = f"{layer}_ops{ext}" if ext != "_numpy.py" else f"{layer}_ops_numpy.py"
            text = (GENERATED / name).read_text(encoding="utf-8")
            assert not re.search(r"\b(float|double)\b|\d\.\d|\d[eE][+-]?\d", text.split('"""', 2)[-1]
                                 if ext == "_numpy.py" else text), name


@needs_cc
@pytest.mark.parametrize("cc", COMPILERS)
@pytest.mark.parametrize("variant", [[], ["-DSYMCONV_PORTABLE_OVERFLOW"]], ids=["builtins", "portable"])
@pytest.mark.parametrize("layer", ND)
def test_strict_compile(cc, variant, layer, tmp_path):
    result = subprocess.run([cc, *STRICT, *variant, "-c", str(GENERATED / f"{layer}_ops.c"),
                             "-o", str(tmp_path / "x.o")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    result = subprocess.run([cc, *STRICT, "-mgeneral-regs-only", "-c",
                             str(GENERATED / f"{layer}_ops.c"), "-o", str(tmp_path / "y.o")],
                            capture_output=True, text=True)
    if "unrecognized" not in result.stderr and "unknown argument" not in result.stderr:
        assert result.returncode == 0, result.stderr


DRIVER = r"""
#include <stdio.h>
#include <string.h>
#include "conv2d_ops.h"
#include "conv3d_ops.h"
int main(void) {
    static const int64_t vals[] = {1, 2, 3, 7, 64, 0, -1, -2, INT64_MAX, INT64_MAX - 1, INT64_MIN,
                                   (int64_t)1 << 62, ((int64_t)1 << 31) + 5, 1000003};
    const int nv = (int)(sizeof vals / sizeof vals[0]);
    unsigned long seed = 12345u, ok = 0, bad = 0;
    long i;
    for (i = 0; i < 20000; i++) {
        int64_t a[17], out2[2], out3[3], ops = 0;
        int k, s2, s3;
        for (k = 0; k < 17; k++) {
            seed = seed * 6364136223846793005ul + 1442695040888963407ul;
            a[k] = vals[(seed >> 33) % (unsigned long)nv];
        }
        s2 = symconv_conv2d_ops(a[0], a[1], a[2], a + 3, a + 5, a + 7, a + 9, a + 11, a[13],
                                (int)(a[14] & 3), &ops);
        s3 = symconv_conv3d_ops(a[0], a[1], a[2], a + 3, a + 6, a + 9, a + 12, a + 14, a[1],
                                (int)(a[16] & 1), &ops);
        (void)symconv_conv2d_output_size(a + 3, a + 5, a + 7, a + 9, a + 11, out2);
        (void)symconv_conv3d_output_size(a + 3, a + 6, a + 9, a + 12, a + 14, out3);
        if (s2 == 0) ok++; else bad++;
        if (strlen(symconv_strerror(s2)) == 0 || strlen(symconv_strerror(s3)) == 0) return 2;
    }
    printf("%lu %lu\n", ok, bad);
    return 0;
}
"""


@needs_cc
def test_sanitized_driver(tmp_path):
    cc = COMPILERS[0]
    (tmp_path / "driver.c").write_text(DRIVER, encoding="utf-8")
    exe = tmp_path / "driver"
    sources = [str(GENERATED / f) for f in ("conv1d_ops.c", "conv2d_ops.c", "conv3d_ops.c")]
    result = subprocess.run([cc, "-std=c99", "-g", "-O1", "-fsanitize=address,undefined",
                             "-fno-sanitize-recover=all", "-I", str(GENERATED),
                             str(tmp_path / "driver.c"), *sources, "-o", str(exe)],
                            capture_output=True, text=True)
    if result.returncode != 0 and "sanitize" in result.stderr:
        pytest.skip("no sanitizer runtime")
    assert result.returncode == 0, result.stderr
    run = subprocess.run([str(exe)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    ok, bad = map(int, run.stdout.split())
    assert ok + bad == 20000 and bad > 0
