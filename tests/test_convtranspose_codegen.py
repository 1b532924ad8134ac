"""The generated evaluators of ConvTranspose1d/2d/3d (exact Python, NumPy, C scalar and batch).

* a sweep of 10**5 random configurations per layer (sizes up to 2**62, counts beyond 2**63)
  against :func:`symconv.convtranspose.axis_counts` (the floor-sum forms) and the totals of
  :mod:`symconv.convtranspose`, the per-dimension values also against the tap sums where
  those are cheap; NumPy and C report overflow exactly where a quantity (or an
  intermediate) leaves int64, and on the same rows;
* small configurations against the counting reference (:mod:`symconv.reference_transpose`);
* bad input: the same class, message and rule in every evaluator (C: the same rule's status);
* strict C99 compiles and an address/undefined-behaviour sanitized driver at the int64 edges;
* ``input_length=10**15`` (and ``kernel_size=10**15``) exact at once.
"""

from __future__ import annotations

import ctypes
import importlib
import random
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from _helpers import TRANSPOSED
from _transposed import _configs, _exact, _expected, _kwargs, _sizes_name, _statuses

from symconv import convtranspose as ct
from symconv.codegen import transpose
from symconv.functions import floor_sum
from symconv.registry import get

GENERATED = Path(__file__).resolve().parent.parent / "generated"
CODEGEN = Path(transpose.__file__).resolve().parent
INT64_MAX = 2**63 - 1
STRICT = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic"]
CC = next((cc for cc in ("gcc", "clang", "cc") if shutil.which(cc)), None)
needs_cc = pytest.mark.skipif(CC is None, reason="no C compiler")
TLAYERS = transpose.layer_names()

#: Every per-layer test here runs for the registered transposed layers (the registry coverage
#: check compares the parametrization with layer_names(TRANSPOSED)).
pytestmark = pytest.mark.layers(where=TRANSPOSED, reason="the transposed layers' own artefacts")
DIMS = {name: get(name).dims for name in TLAYERS}
QUANTITIES = transpose.QUANTITIES
SWEEP = 100_000
AXIS_NAMES = ("input_size", "kernel_size", "stride", "padding", "output_padding", "dilation")




def _numpy(layer):
    return importlib.import_module(f"symconv._generated.{layer}_ops_numpy")




# --- random configurations ------------------------------------------------------------------











# --- the C library (ctypes) ---------------------------------------------------------------

class _Column(ctypes.Structure):
    _fields_ = [("data", ctypes.POINTER(ctypes.c_int64)), ("step", ctypes.c_ssize_t)]


def _columns_type(dims):
    per = _Column * dims if dims > 1 else _Column
    sizes = "input_size" if dims > 1 else "input_length"
    fields = [("batch_size", _Column), ("in_channels", _Column), ("out_channels", _Column),
              (sizes, per), ("kernel_size", per), ("stride", per), ("padding", per),
              ("output_padding", per), ("dilation", per), ("groups", _Column), ("bias", _Column)]
    return type(f"Columns{dims}", (ctypes.Structure,), {"_fields_": fields})




@pytest.fixture(scope="module")
def clib(tmp_path_factory):
    if CC is None:
        pytest.skip("no C compiler")
    out = tmp_path_factory.mktemp("ctranspose") / "libct.so"
    sources = [str(GENERATED / "conv1d_ops.c")] + [str(GENERATED / f"{layer}_ops.c") for layer in TLAYERS]
    subprocess.run([CC, *STRICT, "-O2", "-fPIC", "-shared", "-o", str(out), *sources], check=True,
                   capture_output=True, text=True)
    return ctypes.CDLL(str(out))


def _c_batch(lib, layer, rows):
    dims = DIMS[layer]
    n = len(rows)
    cols = {"batch_size": np.array([1 if r[0] is None else r[0] for r in rows], np.int64),
            "in_channels": np.array([r[1] for r in rows], np.int64),
            "out_channels": np.array([r[2] for r in rows], np.int64),
            "groups": np.array([r[3] for r in rows], np.int64),
            "bias": np.array([r[4] for r in rows], np.int64)}
    axes = np.array([[list(a) for a in r[5]] for r in rows], dtype=np.int64)  # (n, dims, 6)
    keep = []

    def col(a):
        a = np.ascontiguousarray(a, dtype=np.int64)
        keep.append(a)
        return _Column(a.ctypes.data_as(ctypes.POINTER(ctypes.c_int64)), 1)

    struct = _columns_type(dims)()
    for name, a in cols.items():
        setattr(struct, name, col(a))
    for j, name in enumerate(AXIS_NAMES):
        field = name if (dims > 1 or name != "input_size") else "input_length"
        if dims == 1:
            setattr(struct, field, col(axes[:, 0, j]))
        else:
            arr = getattr(struct, field)
            for k in range(dims):
                arr[k] = col(axes[:, k, j])
    sizes = np.zeros(n * dims, np.int64)
    ops = np.zeros(n, np.int64)
    status = np.zeros(n, np.intc)
    fn = getattr(lib, f"symconv_{layer}_ops_batch")
    fn.restype = ctypes.c_size_t
    fn(ctypes.c_size_t(n), ctypes.byref(struct), sizes.ctypes.data_as(ctypes.c_void_p),
       ops.ctypes.data_as(ctypes.c_void_p), status.ctypes.data_as(ctypes.c_void_p))
    return sizes.reshape(n, dims), ops, status


def _c_scalar(lib, layer, kind="ops"):
    """A Python function (batch_size, in, out, axes, groups, bias) -> (status, value(s))."""
    dims = DIMS[layer]
    fn = getattr(lib, f"symconv_{layer}_{kind}")
    i64 = ctypes.c_int64
    arr = i64 * dims
    quantities = i64 * len(QUANTITIES)

    def call(n, cin, cout, g, b, axes):
        per = [[a[j] for a in axes] for j in range(6)]
        args = ([i64(x[0]) for x in per] if dims == 1 else [arr(*x) for x in per])
        out = i64() if kind == "ops" else quantities()
        status = fn(i64(n), i64(cin), i64(cout), *args, i64(g), ctypes.c_int(b),
                    ctypes.byref(out) if kind == "ops" else out)
        return status, (out.value if kind == "ops" else list(out))

    return call


# --- the sweep ------------------------------------------------------------------------------

@needs_cc
@pytest.mark.parametrize("tlayer", TLAYERS)
def test_sweep_every_evaluator_agrees(tlayer, clib):
    dims = DIMS[tlayer]
    rng = random.Random(1000 + dims)
    rows = _configs(rng, dims, SWEEP)
    want, axis = _expected(rows)
    codes = _statuses()
    big = {q: np.array([v > INT64_MAX for v in want[q]]) for q in QUANTITIES}
    assert big["ops"].sum() > SWEEP // 50, "the sweep must reach counts beyond int64"
    assert (~big["ops"]).sum() > SWEEP // 2

    # the per-dimension values of the generated exact Python, and the tap sums where cheap
    gen = _exact(tlayer)
    tapped = 0
    for a, (o, t, r) in axis.items():
        assert (gen._out(*a), gen._products(*a), gen._reached(*a)) == (o, t, r), a
        if min(a[0], a[1]) <= 64:
            assert ct.axis_counts_by_tap_sums(*a) == (o, t, r), a
            tapped += 1
    assert tapped > 1000

    # the generated exact Python, every quantity, on a share of the rows (it is the same
    # per-dimension code as above; the totals are checked on these rows)
    for index in range(0, SWEEP, 20):
        got = gen._quantities(**_kwargs(tlayer, rows[index]))
        assert got["output_size"] == want["output_size"][index]
        assert all(got[q] == want[q][index] for q in QUANTITIES), (rows[index], got)

    big_size = np.array([[v > INT64_MAX for v in size] for size in want["output_size"]])
    exp_sizes = np.array([[v if v <= INT64_MAX else 0 for v in size]
                          for size in want["output_size"]], dtype=np.int64)

    # NumPy: every quantity, one call of 10**5 rows each, without raising (_rows)
    np_mod = _numpy(tlayer)
    cols = _np_columns(tlayer, rows)
    np_bad = {}
    for q in QUANTITIES:
        shape, _, bad, sizes, value = np_mod._rows(cols, q)
        assert shape == (SWEEP,)
        assert not (big[q] & ~bad).any(), "a count beyond int64 must be reported"
        fits = ~bad
        exp = np.array([v if v <= INT64_MAX else 0 for v in want[q]], dtype=np.int64)
        assert (value[fits] == exp[fits]).all()
        np_bad[q] = bad
        for k in range(dims):
            assert not (big_size[:, k] & ~bad).any(), "a size beyond int64 must be reported"
            assert (sizes[k][fits] == exp_sizes[fits, k]).all()
    spurious = int((np_bad["ops"] & ~big["ops"]).sum())
    assert spurious <= SWEEP // 100, spurious  # an intermediate only, rare

    # C batch: the count, the same overflow rows as NumPy
    sizes, ops, status = _c_batch(clib, tlayer, rows)
    keys = np.array([codes[int(s)] for s in status])
    assert set(keys) <= {"ok", "overflow"}
    assert ((keys == "overflow") == np_bad["ops"]).all()
    ok = keys == "ok"
    exp = np.array([v if v <= INT64_MAX else 0 for v in want["ops"]], dtype=np.int64)
    assert (ops[ok] == exp[ok]).all()
    assert (sizes[ok] == exp_sizes[ok]).all()

    # C scalar: the count on every row, every quantity on a share
    scalar = _c_scalar(clib, tlayer)
    for index, row in enumerate(rows):
        n = 1 if row[0] is None else row[0]
        st, value = scalar(n, *row[1:])
        assert st == status[index] and (st != 0 or value == ops[index]), row
    every = _c_scalar(clib, tlayer, "quantities")
    for index in range(0, SWEEP, 10):
        row = rows[index]
        st, values = every(1 if row[0] is None else row[0], *row[1:])
        anybad = any(np_bad[q][index] for q in QUANTITIES)
        assert codes[st] == ("overflow" if anybad else "ok"), row
        if st == 0:
            assert values == [want[q][index] for q in QUANTITIES]


def _np_columns(layer, rows):
    dims = DIMS[layer]
    axes = np.array([[list(a) for a in r[5]] for r in rows], dtype=np.int64)
    per = {name: tuple(axes[:, k, j] for k in range(dims)) for j, name in enumerate(AXIS_NAMES)}
    cols = dict(batch_size=np.array([1 if r[0] is None else r[0] for r in rows], np.int64),
                in_channels=np.array([r[1] for r in rows], np.int64),
                out_channels=np.array([r[2] for r in rows], np.int64),
                groups=np.array([r[3] for r in rows], np.int64),
                bias=np.array([bool(r[4]) for r in rows]),
                kernel_size=per["kernel_size"], stride=per["stride"], padding=per["padding"],
                output_padding=per["output_padding"], dilation=per["dilation"])
    cols[_sizes_name(layer)] = per["input_size"][0] if dims == 1 else per["input_size"]
    return cols


# --- small configurations: the counting reference ----------------------------------------

@pytest.mark.parametrize("tlayer", TLAYERS)
def test_small_configurations_equal_the_counting_reference(tlayer):
    from symconv.reference_transpose import count_transpose_nd

    dims = DIMS[tlayer]
    rng = random.Random(7 + dims)
    gen, np_mod = _exact(tlayer), _numpy(tlayer)
    checked = 0
    for _ in range({1: 150, 2: 80, 3: 40}[dims]):
        axes = []
        for _ in range(dims):
            i, k, s, d = (rng.randint(1, {1: 6, 2: 4, 3: 3}[dims]) for _ in range(4))
            op = rng.randrange(max(s, d))
            p = rng.randint(0, ((i - 1) * s + d * (k - 1) + op) // 2)
            axes.append((i, k, s, p, op, d))
        g = rng.randint(1, 2)
        row = (rng.choice([None, 1, 2]), g * rng.randint(1, 2), g * rng.randint(1, 2), g,
               rng.randint(0, 1), tuple(axes))
        kw = _kwargs(tlayer, row)
        ref_kw = dict(kw)
        ref_kw["input_size"] = ref_kw.pop(_sizes_name(tlayer))
        counted = count_transpose_nd(**ref_kw)
        got = gen._quantities(**kw)
        assert got["macs"] == counted.multiplications
        assert got["ops"] == counted.multiplications + counted.additions
        assert got["scatter_products"] == counted.scatter_products
        assert got["output_size"] == tuple(counted.output_shape[-dims:])
        assert int(getattr(np_mod, f"{tlayer}_ops")(**kw)) == got["ops"]
        checked += 1
    assert checked >= 40


# --- bad input: one error everywhere -------------------------------------------------------

def _bad_inputs(layer):
    """(description, kwargs) of invalid configurations: every rule, as users break them."""
    dims = DIMS[layer]
    sizes = _sizes_name(layer)
    base = dict(batch_size=2, in_channels=4, out_channels=6, kernel_size=3, stride=2,
                padding=1, output_padding=1, dilation=1, groups=2, bias=True)
    base[sizes] = 5 if dims == 1 else (5,) * dims
    one = (lambda v: v) if dims == 1 else (lambda v: (5,) * (dims - 1) + (v,))
    cases = [
        ("batch 0", dict(batch_size=0)), ("in -1", dict(in_channels=-1)),
        ("out 0", dict(out_channels=0)), ("groups 0", dict(groups=0)),
        ("size 0", {sizes: one(0)}), ("kernel 0", dict(kernel_size=0)),
        ("stride -2", dict(stride=-2)), ("dilation 0", dict(dilation=0)),
        ("padding -1", dict(padding=-1)), ("output_padding -1", dict(output_padding=-1)),
        ("op too large", dict(output_padding=2)), ("op = dilation", dict(stride=1, output_padding=1)),
        ("output too small", dict(padding=100)), ("huge padding", dict(padding=2**62)),
        ("groups in", dict(groups=3, out_channels=6)), ("groups out", dict(groups=4, in_channels=4)),
        ("bias 2", dict(bias=2)), ("bias string", dict(bias="yes")),
        ("padding same", dict(padding="same")), ("padding valid", dict(padding="valid")),
        ("float stride", dict(stride=2.0)), ("bool kernel", dict(kernel_size=True)),
        ("string groups", dict(groups="2")), ("tuple length", dict(kernel_size=(3,) * (dims + 1))),
        ("size not tuple" if dims > 1 else "size tuple", {sizes: 5 if dims > 1 else (5,)}),
        ("two rules: stride 0 and padding -1", dict(stride=0, padding=-1)),
        ("two rules: op and groups", dict(output_padding=5, groups=3)),
        ("in_channels None", dict(in_channels=None)), ("groups None", dict(groups=None)),
    ]
    return [(name, {**base, **change}) for name, change in cases]


def _error(fn, kw):
    try:
        fn(**kw)
    except (TypeError, ValueError) as exc:
        return type(exc), str(exc), getattr(exc, "rule", None)
    raise AssertionError(f"no error for {kw}")


@pytest.mark.parametrize("tlayer", TLAYERS)
def test_bad_input_same_error_everywhere(tlayer, request):
    dims = DIMS[tlayer]
    gen, np_mod = _exact(tlayer), _numpy(tlayer)
    lib = request.getfixturevalue("clib") if CC else None
    codes = _statuses()
    scalar = _c_scalar(lib, tlayer) if lib is not None else None
    sizes = _sizes_name(tlayer)
    c_checked = 0
    for name, kw in _bad_inputs(tlayer):
        want = _error(lambda **k: ct.conv_transpose_quantities(dims, input_size=k.pop(sizes), **k), dict(kw))
        assert want[2] in ct.RULES, name
        assert _error(getattr(gen, f"{tlayer}_ops"), kw) == want, name
        got = _error(getattr(np_mod, f"{tlayer}_ops"), kw)
        assert got == (want[0], f"row 0: {want[1]}", want[2]), name
        # C: integer inputs only (a C caller cannot pass a string or a float)
        values = [kw[k] for k in kw if k != "bias"]
        ints = all(type(v) is int or (isinstance(v, tuple) and len(v) == dims
                                      and all(type(x) is int for x in v)) for v in values)
        shaped = isinstance(kw[sizes], tuple) == (dims > 1)
        if scalar is not None and ints and shaped and kw["bias"] in (0, 1, 2):
            per = []
            for pname in AXIS_NAMES:
                v = kw[sizes if pname == "input_size" else pname]
                per.append(v if isinstance(v, tuple) else (v,) * dims)
            axes = tuple(tuple(per[j][k] for j in range(6)) for k in range(dims))
            st, _ = scalar(kw["batch_size"], kw["in_channels"], kw["out_channels"], kw["groups"],
                           int(kw["bias"]), axes)
            assert codes[st] == want[2], (name, codes[st], want)
            c_checked += 1
    assert scalar is None or c_checked >= 15


@pytest.mark.parametrize("tlayer", TLAYERS)
def test_random_bad_input_same_error(tlayer):
    """Random valid configurations with one or two parameters broken: the exact evaluator,
    the generated one and NumPy give the same class, message and rule."""
    dims = DIMS[tlayer]
    gen, np_mod = _exact(tlayer), _numpy(tlayer)
    sizes = _sizes_name(tlayer)
    rng = random.Random(99 + dims)
    bad_values = [0, -1, -2**40, 2**70, "3", 1.5, True, None, (1,) * (dims + 2)]
    seen = set()
    for _ in range(600):
        kw = _kwargs(tlayer, _configs(rng, dims, 1, pool_size=3)[0])
        for _ in range(rng.randint(1, 2)):
            key = rng.choice(list(kw))
            kw[key] = rng.choice(bad_values + [rng.randint(-3, 3)])
        try:
            want = _error(lambda **k: ct.conv_transpose_quantities(dims, input_size=k.pop(sizes), **k), dict(kw))
        except AssertionError:
            continue  # still valid
        seen.add(want[2])
        assert _error(getattr(gen, f"{tlayer}_ops"), kw) == want
        got = _error(getattr(np_mod, f"{tlayer}_ops"), kw)
        assert got == (want[0], f"row 0: {want[1]}", want[2])
    assert len(seen) >= 5, seen


@pytest.mark.parametrize("tlayer", TLAYERS)
def test_numpy_names_the_first_bad_row(tlayer):
    dims = DIMS[tlayer]
    np_mod = _numpy(tlayer)
    kw = dict(batch_size=2, in_channels=4, out_channels=6, kernel_size=3,
              stride=np.array([2, 3, 0, 1]), padding=1, output_padding=1)
    kw[_sizes_name(tlayer)] = 5 if dims == 1 else (5,) * dims
    row = dict(kw, stride=0)
    want = _error(getattr(_exact(tlayer), f"{tlayer}_ops"), row)
    got = _error(getattr(np_mod, f"{tlayer}_ops"), kw)
    assert got == (want[0], f"row 2: {want[1]}", want[2])
    # row 1 breaks output_padding < max(stride, dilation) first... no: stride 3 > 1 is fine;
    # an overflowing row before it is named first
    kw["batch_size"] = np.array([1, 2**62, 1, 1])
    with pytest.raises(OverflowError, match="row 1: "):
        getattr(np_mod, f"{tlayer}_ops")(**kw)


# --- C: strict compiles, sanitizers --------------------------------------------------------

@needs_cc
@pytest.mark.parametrize("tlayer", TLAYERS)
def test_strict_c99_compile(tlayer, tmp_path):
    subprocess.run([CC, *STRICT, "-O2", "-c", str(GENERATED / f"{tlayer}_ops.c"), "-o",
                    str(tmp_path / "x.o")], check=True, capture_output=True, text=True)


@needs_cc
def test_floorsum_helpers_compile_and_agree(tmp_path):
    """symconv_floorsum.c on its own: strict, sanitized, equal to functions.floor_sum where it
    does not report overflow, and reporting it where the sum leaves int64."""
    rng = random.Random(5)
    cases = [(rng.randint(0, 10 ** rng.randint(0, 10)), rng.randint(1, 10 ** rng.randint(0, 10)),
              rng.randint(0, 10 ** rng.randint(0, 10)), rng.randint(0, 10 ** rng.randint(0, 10)))
             for _ in range(3000)] + [(0, 1, -5, -5), (3, 0, 1, 1), (-1, 1, 1, 1), (5, 1, -1, 0)]
    driver = tmp_path / "d.c"
    driver.write_text('#include "symconv_floorsum.c"\n#include <stdio.h>\nint main(void)\n{\n'
                      '    long long n, m, a, b;\n'
                      '    while (scanf("%lld %lld %lld %lld", &n, &m, &a, &b) == 4) {\n'
                      '        int o = 0;\n'
                      '        long long r = (long long)floor_sum_checked(n, m, a, b, &o);\n'
                      '        printf("%d %lld %lld %lld %lld\\n", o, r, (long long)int64_gcd(m, a + 1),'
                      ' (long long)int64_max(a, b), (long long)int64_min(a, b));\n    }\n    return 0;\n}\n')
    exe = tmp_path / "d"
    subprocess.run([CC, *STRICT, "-Wno-unused-function", "-fsanitize=address,undefined",
                    "-fno-sanitize-recover=all", "-I", str(CODEGEN), str(driver), "-o", str(exe)],
                   check=True, capture_output=True, text=True)
    out = subprocess.run([str(exe)], input="".join(f"{n} {m} {a} {b}\n" for n, m, a, b in cases),
                         capture_output=True, text=True, check=True)
    assert out.stderr == ""
    import math
    lines = out.stdout.split("\n")
    overflowed = 0
    for (n, m, a, b), line in zip(cases, lines):
        o, r, g, mx, mn = map(int, line.split())
        assert (g, mx, mn) == (math.gcd(m, a + 1), max(a, b), min(a, b))
        if n < 0 or m < 1 or (n > 0 and (a < 0 or b < 0)):
            assert o == 1
            continue
        want = floor_sum(n, m, a, b)
        if want > INT64_MAX:
            assert o == 1
        if o:
            overflowed += 1
        else:
            assert r == want
    assert overflowed > 100


@needs_cc
def test_sanitized_driver_at_the_int64_edges(tmp_path):
    """Every layer's C under the address and undefined-behaviour sanitizers on rows of edge
    values (0, -1, 2**31, 2**62, INT64_MAX, INT64_MIN, ...): no report, and every status and
    count equal to the exact evaluator's rule or value (overflow exactly where it leaves int64
    or an intermediate does)."""
    edges = [1, 2, 3, 7, 0, -1, 2**31, 2**32 + 1, 2**62, INT64_MAX, -2**63]
    rng = random.Random(11)
    codes = _statuses()
    driver = ['#include "conv_transpose1d_ops.h"', '#include "conv_transpose2d_ops.h"',
              '#include "conv_transpose3d_ops.h"', "#include <stdio.h>", "int main(void)", "{",
              "    long long v[23];", "    int dims, k;",
              "    while (scanf(\"%d\", &dims) == 1) {",
              "        int64_t a[6][3], ops = -1;", "        int st;",
              "        for (k = 0; k < 5 + 6 * dims; k++) { if (scanf(\"%lld\", &v[k]) != 1) return 1; }",
              "        for (k = 0; k < 6 * dims; k++) { a[k % 6][k / 6] = (int64_t)v[5 + k]; }",
              "        if (dims == 1) st = symconv_conv_transpose1d_ops(v[0], v[1], v[2], a[0][0], a[1][0], a[2][0], a[3][0], a[4][0], a[5][0], v[3], (int)v[4], &ops);",
              "        else if (dims == 2) st = symconv_conv_transpose2d_ops(v[0], v[1], v[2], a[0], a[1], a[2], a[3], a[4], a[5], v[3], (int)v[4], &ops);",
              "        else st = symconv_conv_transpose3d_ops(v[0], v[1], v[2], a[0], a[1], a[2], a[3], a[4], a[5], v[3], (int)v[4], &ops);",
              "        printf(\"%d %lld\\n\", st, (long long)ops);", "    }", "    return 0;", "}"]
    (tmp_path / "drv.c").write_text("\n".join(driver) + "\n")
    for name in ["conv1d_ops.h", "conv1d_ops.c"] + [f"{layer}_ops.{ext}" for layer in TLAYERS for ext in "hc"]:
        shutil.copy(GENERATED / name, tmp_path / name)
    exe = tmp_path / "drv"
    sources = [str(tmp_path / "drv.c"), str(tmp_path / "conv1d_ops.c")] + [
        str(tmp_path / f"{layer}_ops.c") for layer in TLAYERS]
    subprocess.run([CC, *STRICT, "-g", "-fsanitize=address,undefined", "-fno-sanitize-recover=all",
                    "-I", str(tmp_path), *sources, "-o", str(exe)], check=True, capture_output=True,
                   text=True)
    rows, lines = [], []
    for _ in range(3000):
        dims = rng.randint(1, 3)
        pick = (lambda: rng.choice(edges)) if rng.random() < 0.6 else (lambda: rng.randint(1, 9))
        v = [pick() for _ in range(3)] + [rng.choice([1, 2, pick()]), rng.choice([0, 1, 1, 2])]
        axes = []
        for _ in range(dims):
            a = [pick() for _ in range(6)]
            if rng.random() < 0.7:
                a[3], a[4] = rng.choice([0, 1, pick()]), rng.choice([0, 0, 1, pick()])
            axes.append(a)
        rows.append((dims, v, axes))
        lines.append(" ".join(map(str, [dims] + v + [x for a in axes for x in a])))
    out = subprocess.run([str(exe)], input="\n".join(lines) + "\n", capture_output=True, text=True,
                         check=True)
    assert out.stderr == ""
    results = out.stdout.split("\n")
    kinds = set()
    for (dims, v, axes), line in zip(rows, results):
        st, ops = map(int, line.split())
        layer = f"conv_transpose{dims}d"
        per = {name: tuple(a[j] for a in axes) for j, name in enumerate(AXIS_NAMES)}
        kw = dict(batch_size=v[0], in_channels=v[1], out_channels=v[2], groups=v[3], bias=v[4],
                  **{k: per[k] for k in AXIS_NAMES[1:]})
        kw[_sizes_name(layer)] = per["input_size"][0] if dims == 1 else per["input_size"]
        try:
            want = getattr(_exact(layer), f"{layer}_ops")(**kw)
        except (TypeError, ValueError) as exc:
            assert codes[st] == exc.rule, (kw, codes[st], exc)
            kinds.add(exc.rule)
            continue
        if codes[st] == "overflow":
            kinds.add("overflow")
            assert want > INT64_MAX or _intermediate_overflows(layer, kw), (kw, want)
        else:
            assert st == 0 and ops == want, (kw, st, ops, want)
            kinds.add("ok")
    assert {"ok", "overflow", "positive", "output_too_small"} <= kinds, kinds


def _intermediate_overflows(layer, kw):
    """The NumPy evaluator (the same checked steps) also reports this row."""
    try:
        getattr(_numpy(layer), f"{layer}_ops")(**kw)
    except OverflowError:
        return True
    return False


# --- time independent of the sizes ---------------------------------------------------------

def test_input_length_10_15_exact_at_once():
    gen, np_mod = _exact("conv_transpose1d"), _numpy("conv_transpose1d")
    kw = dict(batch_size=3, in_channels=4, out_channels=6, input_length=10**15, kernel_size=7,
              stride=3, padding=5, output_padding=2, dilation=2, groups=2)
    start = time.perf_counter()
    got = gen.conv_transpose1d_ops(**kw)
    big_kernel = gen.conv_transpose1d_ops(**dict(kw, input_length=9, kernel_size=10**15))
    huge = gen.conv_transpose1d_ops(**dict(kw, input_length=10**40, kernel_size=10**30,
                                           stride=10**20, dilation=7, padding=10**45))
    elapsed = time.perf_counter() - start
    assert elapsed < 0.05, elapsed
    assert got == ct.conv_transpose1d_ops(**kw)
    assert big_kernel == ct.conv_transpose1d_ops(**dict(kw, input_length=9, kernel_size=10**15))
    assert huge == ct.conv_transpose1d_ops(**dict(kw, input_length=10**40, kernel_size=10**30,
                                                  stride=10**20, dilation=7, padding=10**45))
    # T by the mirror-image tap sum (7 taps) and R from the structure: an independent check
    out, T, R = ct.axis_counts_by_tap_sums(10**15, 7, 3, 5, 2, 2)
    assert got == 3 * 6 * (2 * 2 * T - R + R)
    assert int(np_mod.conv_transpose1d_ops(**kw)) == got


# --- the printers ----------------------------------------------------------------------------

def test_printers_know_the_integer_functions():
    """Max, Min, Gcd, FloorSum and Sum in the integer Python printer (names changeable: the
    NumPy evaluators call checked versions) and in the checked C printer (helper calls, the
    floor sum with the overflow flag); printers without those helpers refuse them."""
    import math

    import sympy as sp

    from symconv.codegen.common import C_HELPERS, WIDE_HELPERS
    from symconv.functions import FloorDiv, FloorSum, Gcd
    from symconv.printing.code import IntegerCodeError, IntegerPythonPrinter, c_code, wide_c_code

    n, m, a, b, k = sp.symbols("n m a b k", integer=True, positive=True)
    expr = (FloorSum(n, m, a, b) - 3 * Gcd(a, m) + sp.Max(a, b, 2) * sp.Min(n, m)
            - FloorDiv(-a, m) + sp.Sum(FloorDiv(a * k + b, m), (k, 0, n - 1)))
    names = {x: x.name for x in (n, m, a, b, k)}
    text = IntegerPythonPrinter(names).doprint(expr)
    fn = eval(f"lambda n, m, a, b: {text}",  # noqa: S307 - our own printed text
              {"floor_sum": floor_sum, "gcd": math.gcd, "max": max, "min": min, "sum": sum,
               "range": range})
    rng = random.Random(3)
    for _ in range(300):
        vals = {n: rng.randint(1, 30), m: rng.randint(1, 30), a: rng.randint(1, 50),
                b: rng.randint(1, 50)}
        want = sum((vals[a] * i + vals[b]) // vals[m] for i in range(vals[n]))
        want = (2 * want - 3 * math.gcd(vals[a], vals[m]) + max(vals[a], vals[b], 2)
                * min(vals[n], vals[m]) - (-vals[a] // vals[m]))
        assert fn(*(vals[x] for x in (n, m, a, b))) == want
    renamed = IntegerPythonPrinter(names, functions=transpose.NUMPY_FUNCTIONS).doprint(expr)
    assert "_floor_sum(" in renamed and "_gcd(" in renamed and "_max(" in renamed
    assert "floor_sum(" not in renamed.replace("_floor_sum(", "")
    c = c_code(expr.xreplace({sp.Sum(FloorDiv(a * k + b, m), (k, 0, n - 1)): 0}), names,
               transpose.C_FUNCTIONS)
    assert "floor_sum_checked(n, m, a, b, &overflow)" in c and "int64_gcd(a, m)" in c
    assert "int64_max(int64_max(" in c and "int64_min(m, n)" in c
    with pytest.raises(IntegerCodeError):
        c_code(FloorSum(n, m, a, b), names, C_HELPERS)  # the forward layers' C has no floor sum
    with pytest.raises(IntegerCodeError):
        wide_c_code(sp.Max(a, b), names, WIDE_HELPERS)


def test_layer_files_and_write_know_the_transposed_layers(tmp_path):
    from symconv.codegen import write
    from symconv.codegen.files import layer_files

    assert layer_files("conv_transpose2d", "c") == ("conv_transpose2d_ops.h", "conv_transpose2d_ops.c",
                                                    "conv1d_ops.h", "conv1d_ops.c")
    written = write("conv_transpose3d", "numpy", tmp_path)
    assert [p.name for p in written] == ["conv_transpose3d_ops_numpy.py"]
    assert written[0].read_text() == (GENERATED / "conv_transpose3d_ops_numpy.py").read_text()


@pytest.mark.parametrize("tlayer", TLAYERS)
def test_numpy_rows_given_as_object_arrays_and_lists(tlayer):
    """Bias rows of booleans among ints (an object array) are counted, not refused; a list
    for a scalar parameter is rows, as in the forward layers' NumPy evaluators."""
    dims = DIMS[tlayer]
    fn = getattr(_numpy(tlayer), f"{tlayer}_ops")
    exact = getattr(_exact(tlayer), f"{tlayer}_ops")
    kw = dict(batch_size=2, in_channels=4, out_channels=6, kernel_size=3, stride=2, padding=1,
              output_padding=1, groups=2)
    kw[_sizes_name(tlayer)] = 5 if dims == 1 else (5,) * dims
    got = fn(**kw, bias=np.array([True, False, 1, 0, np.True_], dtype=object))
    assert got.tolist() == [exact(**kw, bias=b) for b in (True, False, 1, 0, True)]
    got = fn(**dict(kw, batch_size=[1, 2, 3]), bias=[True, False, True])
    assert got.tolist() == [exact(**dict(kw, batch_size=n), bias=b)
                            for n, b in ((1, True), (2, False), (3, True))]
    with pytest.raises(TypeError, match=r"^row 1: bias=2\.5"):
        fn(**kw, bias=np.array([True, 2.5], dtype=object))
