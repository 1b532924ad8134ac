"""The NumPy and C evaluators of every registered layer at the int64 limits, strict C compiles
of each layer's C, an agreement table of bad inputs (Conv2d) and a sanitized C driver (Conv2d,
Conv3d; Conv1d's is in test_cbackend.py). The 10**5-configuration sweep of every layer's
evaluators is tests/test_layer_checks.py."""

from __future__ import annotations

import importlib
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import symconv
from symconv import cbackend
from symconv.codegen import int64_helpers
from symconv.registry import LAYERS

from _helpers import INT64_MAX, LAYER_NAMES, api_params
from _helpers import FORWARD, PENDING_CODEGEN, layer_names

GENERATED = Path(__file__).resolve().parent.parent / "generated"
STRICT = ["-std=c99", "-Wall", "-Wextra", "-Wpedantic", "-Werror", "-O2"]
COMPILERS = [cc for cc in ("gcc", "clang") if shutil.which(cc)]
needs_cc = pytest.mark.skipif(not COMPILERS, reason="no C compiler (gcc/clang)")


@pytest.fixture(autouse=True)
def _cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("SYMCONV_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "symconv-cache"))


def _numpy(layer):
    return importlib.import_module(f"symconv._generated.{layer}_ops_numpy")


def _exact(layer):
    return getattr(symconv, f"{layer}_ops")


@pytest.mark.layers(where=FORWARD, reason=PENDING_CODEGEN)
def test_int64_limits(layer):
    """2**63 - 1 fits in every evaluator, 2**63 is exact in Python and overflow in NumPy and C."""
    spec = LAYERS[layer]
    dims = spec.dims
    base = dict(in_channels=1, out_channels=1, input_size=(1,) * dims, kernel_size=1)
    exact, fn_np, fn_c = _exact(layer), _numpy(layer).__dict__[f"{layer}_ops"], getattr(cbackend, f"{layer}_ops")
    top = api_params(spec, dict(base, batch_size=INT64_MAX, bias=False))
    assert exact(**top) == fn_np(**top) == fn_c(**top) == INT64_MAX
    over = api_params(spec, dict(base, batch_size=2**62, bias=True))
    assert exact(**over) == 2**63
    for fn in (fn_np, fn_c):
        with pytest.raises(OverflowError):
            fn(**over)
    # an output size beyond int64: padded input 2**63 + 1
    wide = api_params(spec, dict(base, batch_size=1, input_size=(1,) * (dims - 1) + (2**62,),
                                 padding=(0,) * (dims - 1) + (2**61,)))
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


@pytest.mark.layers(where=lambda spec: FORWARD(spec) and spec.dims > 1,
                    reason="per-dimension columns and messages; " + PENDING_CODEGEN)
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
    for name in (f"{layer}_ops_numpy.py" for layer in layer_names(FORWARD)):  # PENDING_CODEGEN
        assert text in (GENERATED / name).read_text(encoding="utf-8"), name


def test_no_floating_point_in_nd_evaluators():
    for layer in layer_names(FORWARD):  # PENDING_CODEGEN: transposed layers
        for ext in ("_numpy.py", ".c", ".h"):
            name = f"{layer}_ops{ext}" if ext != "_numpy.py" else f"{layer}_ops_numpy.py"
            text = (GENERATED / name).read_text(encoding="utf-8")
            if ext == ".c":  # symconv_quotient's documented estimate: tests/test_c_division.py
                start = text.index("/* --- exact quotient: the only floating point")
                end = text.index("/* --- end of the floating-point estimate --- */") + 49
                text = text[:start] + text[end:]
            assert not re.search(r"\b(float|double)\b|\d\.\d|\d[eE][+-]?\d", text.split('"""', 2)[-1]
                                 if ext == "_numpy.py" else text), name


@pytest.mark.layers(where=FORWARD, reason=PENDING_CODEGEN)
@needs_cc
@pytest.mark.parametrize("cc", COMPILERS)
@pytest.mark.parametrize("variant", [[], ["-DSYMCONV_PORTABLE_OVERFLOW"]], ids=["builtins", "portable"])
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
