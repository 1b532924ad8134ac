"""The generated C: strict compiles (gcc, and clang where present), a sanitized agreement sweep
through a small C driver, and the ctypes backend (cache, missing compiler, threads)."""

from __future__ import annotations

import ctypes
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from symconv import cbackend
from symconv._generated import conv1d_ops as gen_py
from symconv.validation import RULES

from _helpers import INT64_MAX, configurations, python_columns
from _helpers import fits as _fits

GENERATED = Path(__file__).resolve().parent.parent / "generated"
STRICT = ["-std=c99", "-Wall", "-Wextra", "-Wpedantic", "-Werror", "-O2"]
COMPILERS = [cc for cc in ("gcc", "clang") if shutil.which(cc)]
SENTINEL = 0x5A5A5A5A

pytestmark = pytest.mark.skipif(not COMPILERS, reason="no C compiler (gcc/clang)")


@pytest.fixture(autouse=True)
def _cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("SYMCONV_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "symconv-cache"))


def _native(cc: str) -> bool:
    """Whether ``cc`` accepts -march=native (the code must also compile cleanly for this CPU)."""
    return subprocess.run([cc, "-march=native", "-x", "c", "-c", "-", "-o", "/dev/null"],
                          input="int x;\n", capture_output=True, text=True).returncode == 0


VARIANTS = {"builtins": [], "portable": ["-DSYMCONV_PORTABLE_OVERFLOW"], "native": ["-march=native"],
            "native-portable": ["-march=native", "-DSYMCONV_PORTABLE_OVERFLOW"]}


@pytest.mark.parametrize("cc", COMPILERS)
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_strict_compile(cc, variant, tmp_path):
    if "native" in variant and not _native(cc):
        pytest.skip(f"{cc} does not accept -march=native")
    flags = STRICT + VARIANTS[variant]
    result = subprocess.run([cc, *flags, "-c", str(GENERATED / "conv1d_ops.c"), "-o",
                             str(tmp_path / "conv1d_ops.o")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def _accepts(cc: str, flag: str) -> bool:
    return subprocess.run([cc, flag, "-x", "c", "-c", "-", "-o", "/dev/null"],
                          input="int x;\n", capture_output=True, text=True).returncode == 0


@pytest.mark.parametrize("cc", COMPILERS)
@pytest.mark.parametrize("variant", ["builtins", "portable"])
def test_compiles_without_floating_point_registers(cc, variant, tmp_path):
    """With -mgeneral-regs-only (x86, AArch64) any float or double is a compile error."""
    if not _accepts(cc, "-mgeneral-regs-only"):
        pytest.skip(f"{cc} has no -mgeneral-regs-only for this target")
    probe = tmp_path / "probe.c"
    probe.write_text("long f(long a, long b) { return (long)((double)a / (double)b); }\n")
    refused = subprocess.run([cc, "-O2", "-mgeneral-regs-only", "-c", str(probe), "-o",
                              str(tmp_path / "probe.o")], capture_output=True, text=True)
    if refused.returncode == 0:
        pytest.skip(f"{cc} compiles floating point without FP registers here (soft float)")
    result = subprocess.run([cc, *STRICT, "-O3", "-mgeneral-regs-only", *VARIANTS[variant], "-c",
                             str(GENERATED / "conv1d_ops.c"), "-o", str(tmp_path / "conv1d_ops.o")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


DRIVER = r"""
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "conv1d_ops.h"

#define SENTINEL INT64_C(%(sentinel)d)

int main(void)
{
    size_t n = 0, cap = 1024, i, failed, mismatches = 0;
    int64_t *col[10];
    int64_t *lengths, *ops;
    int *status;
    int k;
    long long v[10];
    symconv_conv1d_columns in;
    symconv_column *c[10];
    for (k = 0; k < 10; k++) col[k] = malloc(cap * sizeof(int64_t));
    while (scanf("%%lld %%lld %%lld %%lld %%lld %%lld %%lld %%lld %%lld %%lld",
                 &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9]) == 10) {
        if (n == cap) {
            cap *= 2;
            for (k = 0; k < 10; k++) col[k] = realloc(col[k], cap * sizeof(int64_t));
        }
        for (k = 0; k < 10; k++) col[k][n] = (int64_t)v[k];
        n++;
    }
    /* columns in PyTorch order: N Cin Cout L K s p d G b */
    lengths = malloc((n + 1) * sizeof(int64_t));
    ops = malloc((n + 1) * sizeof(int64_t));
    status = malloc((n + 1) * sizeof(int));
    for (i = 0; i < n; i++) {
        int64_t len = SENTINEL, count = SENTINEL;
        int sl = symconv_conv1d_output_length(col[3][i], col[4][i], col[5][i], col[6][i],
                                              col[7][i], &len);
        int so = symconv_conv1d_ops(col[0][i], col[1][i], col[2][i], col[3][i], col[4][i],
                                    col[5][i], col[6][i], col[7][i], col[8][i], (int)col[9][i],
                                    &count);
        printf("%%d %%lld %%d %%lld\n", sl, (long long)len, so, (long long)count);
        ops[i] = SENTINEL;
        lengths[i] = SENTINEL;
    }
    c[0] = &in.batch_size; c[1] = &in.in_channels; c[2] = &in.out_channels;
    c[3] = &in.input_length; c[4] = &in.kernel_size; c[5] = &in.stride; c[6] = &in.padding;
    c[7] = &in.dilation; c[8] = &in.groups; c[9] = &in.bias;
    for (k = 0; k < 10; k++) {
        c[k]->data = col[k];
        c[k]->step = 1;
    }
    failed = symconv_conv1d_ops_batch(n, &in, lengths, ops, status);
    for (i = 0; i < n; i++) {
        int64_t count = SENTINEL;
        int so = symconv_conv1d_ops(col[0][i], col[1][i], col[2][i], col[3][i], col[4][i],
                                    col[5][i], col[6][i], col[7][i], col[8][i], (int)col[9][i],
                                    &count);
        if (so != status[i] || count != ops[i]) mismatches++;
    }
    for (k = -1; k < 13; k++) {
        if (symconv_strerror(k) == NULL || strlen(symconv_strerror(k)) == 0) mismatches++;
    }
    printf("batch %%lu %%lu\n", (unsigned long)failed, (unsigned long)mismatches);
    for (k = 0; k < 10; k++) free(col[k]);
    free(lengths);
    free(ops);
    free(status);
    return 0;
}
"""


def _mutations(n: int, seed: int) -> list[list[int]]:
    """Invalid rows of every class C can express, from valid small ones."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        row = [int(rng.integers(1, 9)), 12, 24, int(rng.integers(20, 200)), 3, 1, 1, 1, 2, 1]
        kind = i % 8
        if kind == 0:
            row[int(rng.choice([0, 1, 2, 3, 4, 5, 7, 8]))] = -int(rng.integers(0, 3))
        elif kind == 1:
            row[6] = -int(rng.integers(2, 9))          # padding < 0 (not -1)
        elif kind == 2:
            row[9] = int(rng.choice([2, -1, 7]))       # bias not 0/1
        elif kind == 3:
            row[8] = 5                                 # groups divide neither
        elif kind == 4:
            row[1], row[8] = 12, 4                     # in ok, out 24 ok -> make out bad
            row[2] = 26
        elif kind == 5:
            row[6], row[5] = -1, 2                     # 'same' with stride 2
        elif kind == 6:
            row[4], row[7] = row[3], 3                 # kernel too long
        else:
            row[0] = 2**40                             # count overflows
            row[1] = row[2] = 2**12
            row[3] = 2**20
        rows.append(row)
    return rows


def _expected(row: list[int]) -> tuple[str | int, str | int]:
    """What C must return for a row: (length status or value, ops status or value)."""
    names = ("batch_size", "in_channels", "out_channels", "input_length", "kernel_size", "stride",
             "padding", "dilation", "groups", "bias")
    kw = dict(zip(names, row))
    kw["padding"] = "same" if row[6] == -1 else row[6]

    def classify(fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (TypeError, ValueError) as exc:
            text = str(exc)
            if RULES["padding_negative"] in text:
                return "padding_negative"
            return next(k for k, rule in RULES.items() if rule in text)

    length = classify(gen_py.conv1d_output_length, kw["input_length"], kw["kernel_size"],
                      kw["stride"], kw["padding"], kw["dilation"])
    pad = 0 if kw["padding"] == "same" else kw["padding"]
    if isinstance(length, int) and kw["padding"] != "same" and max(
            kw["input_length"] + 2 * pad, kw["dilation"] * (kw["kernel_size"] - 1)) > INT64_MAX:
        length = "overflow"
    if isinstance(kw["bias"], int) and kw["bias"] not in (0, 1):
        kw["bias"] = object()  # the Python evaluator's bias_type class
    ops = classify(gen_py.conv1d_ops, **kw)
    if isinstance(ops, int) and not _fits({**kw, "padding": kw["padding"]}, ops):
        ops = "overflow"
    return length, ops


@pytest.mark.parametrize("variant", ["builtins", "portable", "native"])
def test_sanitized_agreement_sweep(variant, tmp_path):
    """The C scalar and batch functions under -fsanitize=address,undefined agree with Python.

    The batch takes its bounded path (32-bit divisions) for rows within its bounds and the
    checked code for the others; "native" compiles the same for this CPU.
    """
    cc = COMPILERS[0]
    if variant == "native" and not _native(cc):
        pytest.skip(f"{cc} does not accept -march=native")
    (tmp_path / "driver.c").write_text(DRIVER % {"sentinel": SENTINEL})
    flags = ["-std=c99", "-g", "-O1", "-fsanitize=address,undefined",
             "-fsanitize=float-cast-overflow", "-fno-sanitize-recover=all", f"-I{GENERATED}",
             *VARIANTS[variant]]
    exe = tmp_path / "driver"
    result = subprocess.run([cc, *flags, str(tmp_path / "driver.c"),
                             str(GENERATED / "conv1d_ops.c"), "-o", str(exe)],
                            capture_output=True, text=True)
    if result.returncode != 0 and "sanitize" in result.stderr:
        pytest.skip(f"{cc} cannot build sanitized binaries here: {result.stderr[:200]}")
    assert result.returncode == 0, result.stderr
    cols = configurations(8000, seed=7)
    rows = [[int(cols[k][i]) for k in ("batch_size", "in_channels", "out_channels",
                                       "input_length", "kernel_size", "stride", "padding",
                                       "dilation", "groups", "bias")] for i in range(8000)]
    rows += _mutations(2000, seed=8)
    rows += [[1, 1, 1, 2**62, 2**31 + 1, 1, 2**62, 2**32, 1, 1],       # span overflows
             [1, 1, 1, 5, 3, 1, 2**62, 1, 1, 0],                         # padded overflows
             [1, 1, 1, (2**63 - 1) // 7 + 3, 4, 1, 0, 1, 1, 0],          # count 2**63 - 1
             [2**60, 1, 1, 4, 4, 1, 0, 1, 1, 1],                         # count 2**63
             [2**62, 2**62, 2**62, 2**62, 2**62, 1, -1, 2**62, 2**62, 1],
             # the kernel rule beyond int64 (decided in 128 bits), both sides of the boundary
             [1, 1, 1, 10, 2**62, 1, 0, 4, 1, 1],                        # kernel too long
             [1, 1, 1, 2**62, 2**62 + 1, 1, 2**62, 3, 1, 1],             # span = padded + 1
             [1, 1, 1, 2**62, 2**62, 1, 2**62, 3, 1, 1],                 # fits: overflow
             [1, 1, 1, INT64_MAX, INT64_MAX, 1, INT64_MAX, INT64_MAX, 1, 1],
             [1, 1, 1, 1, 2, 1, 0, INT64_MAX, 1, 0],                     # span 2**63
             [1, 1, 1, INT64_MAX, 2, 1, 2**62, INT64_MAX, 1, 1],         # fits: overflow
             [1, 1, 1, 3, 2**62, 1, -1, 2**62, 1, 1],                    # 'same': no span
             # the bounded path's limits: sizes 2**30 and 2**30 + 1, padding 2**30 - 1 and 2**30
             # (the largest floor numerator, 3 * 2**30 - 3, near 2**32), counts near 2**63
             [2**30, 2**30, 2**30, 2**30, 1, 1, 2**30 - 1, 1, 2**30, 1],
             [2**30, 2**30, 2**30, 2**30, 1, 2**30, 2**30 - 1, 1, 1, 0],
             [2**30 + 1, 2**30, 2**30, 2**30, 1, 1, 2**30 - 1, 1, 2**30, 1],
             [1, 2**30, 2**30, 2**30, 1, 3, 2**30, 1, 2**30, 1],
             [7, 2**30, 2**30, 2**30, 2**30, 1, 2**30 - 1, 2, 2, 1],
             [1, 2**30, 2**30, 1, 2**30, 1, 0, 2**30, 2**29, 0],          # kernel too long
             [1, 3 * 2**28, 2**30, 5, 3, 1, 0, 1, 3 * 2**27, 1],           # groups_out
             [2**30, 2**30, 2**30, 2**30, 2**30, 1, 2**30 - 1, 1, 1, 1],    # count > 2**63
             [2**30, 1, 1, 2**30, 1, 1, 0, 1, 1, 1],                        # 2**61 fits
             [2**30, 1, 1, 2**30 + 1, 2, 1, 0, 1, 1, 1],
             # the old limits: sizes 2**31 - 1 and 2**31, counts around 2**62 and 2**63
             [2**31 - 1, 2**31 - 1, 2**31 - 1, 2**31 - 1, 1, 1, 2**31 - 1, 1, 2**31 - 1, 1],
             [2**31, 2**31 - 1, 2**31 - 1, 2**31 - 1, 1, 1, 0, 1, 2**31 - 1, 1],
             [2**30, 1, 1, 2**30 + 1, 2, 1, 0, 1, 1, 1],
             [2**30, 1, 1, 2**30 + 1, 2, 1, 0, 1, 1, 0],
             [2**29, 1, 1, 2**30 + 1, 2, 1, 0, 1, 1, 1],
             [2**31 - 1, 2, 2, 2**31 - 1, 2**31 - 1, 2**31 - 1, 2**31 - 1, 1, 2, 0],
             *[[2**k, 3, 6, 2**20 + 5, 3, 2, 1, 1, 3, 1] for k in range(20, 40)]]
    text = "\n".join(" ".join(map(str, r)) for r in rows) + "\n"
    run = subprocess.run([str(exe)], input=text, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    lines = run.stdout.splitlines()
    assert len(lines) == len(rows) + 1 and lines[-1].startswith("batch ")
    _, failed, mismatches = lines[-1].split()
    assert mismatches == "0"
    code = cbackend.STATUS
    bad = 0
    for row, line in zip(rows, lines[:-1]):
        sl, length, so, ops = map(int, line.split())
        want_len, want_ops = _expected(row)
        got_len = length if sl == 0 else next(k for k, v in code.items() if v == sl)
        got_ops = ops if so == 0 else next(k for k, v in code.items() if v == so)
        if sl:
            assert length == SENTINEL  # output untouched on error
        if so:
            assert ops == SENTINEL
        if (got_len, got_ops) != (want_len, want_ops):
            bad += 1
            assert bad < 5, (row, (got_len, got_ops), (want_len, want_ops))
    assert bad == 0
    assert int(failed) == sum(1 for line in lines[:-1] if line.split()[2] != "0")


def test_missing_compiler_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.delenv("CC", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(cbackend.CompilerNotFoundError, match="needs a C compiler"):
        cbackend.compiler()
    with pytest.raises(cbackend.CompilerNotFoundError):
        cbackend.build(tmp_path)


def test_compiled_once_and_cached(tmp_path):
    first = cbackend.build(tmp_path)
    mtime = first.stat().st_mtime_ns
    assert cbackend.build(tmp_path) == first and first.stat().st_mtime_ns == mtime
    other = cbackend.build(tmp_path, flags=(*cbackend.CFLAGS, "-DSYMCONV_PORTABLE_OVERFLOW"))
    assert other != first and len(list(tmp_path.glob("symconv_ops-*"))) == 2


def test_scalar_and_batch_entry_points():
    assert cbackend.conv1d_ops(8, 16, 32, 100, 3) == 2408448 == gen_py.conv1d_ops(8, 16, 32, 100, 3)
    assert cbackend.conv1d_output_length(100, 4, padding="same") == 100
    assert cbackend.conv1d_output_length(100, 3, stride=2) == 49
    cols = configurations(300_000, seed=3)
    ok = cols["batch_size"] < 2**10
    cols = python_columns({k: v[ok] for k, v in cols.items()})
    one = cbackend.conv1d_batch(**cols)
    two = cbackend.conv1d_batch(**cols, threads=2)
    for a, b in zip(one, two):
        assert np.array_equal(a, b)
    out = cbackend.conv1d_ops_array(np.arange(1, 4)[:, None], 16, 32, [100, 200], 3,
                                    padding="same")
    assert out.shape == (3, 2)
    assert out[2, 1] == gen_py.conv1d_ops(3, 16, 32, 200, 3, padding="same")
    with pytest.raises(ValueError, match=r"^row 1: in_channels=15 is not divisible by groups=2: "
                                         r"groups must divide in_channels$"):
        cbackend.conv1d_ops_array(1, [16, 15], 32, 100, 3, groups=[2, 2])
    with pytest.raises(OverflowError, match=r"^row 2:"):
        cbackend.conv1d_ops_array([1, 1, 2**62], 16, 32, 100, 3)


# --- values outside int64 (ctypes converts modulo 2**64) ---------------------------------

BASE = dict(batch_size=8, in_channels=16, out_channels=32, input_length=100, kernel_size=3)
#: Valid configurations with one value beyond int64: the exact evaluator counts them.
BEYOND = [("batch_size", 2**64 + 8), ("input_length", 2**64 + 100), ("padding", 2**64 + 1),
          ("stride", 2**64 + 1), ("in_channels", 2**63), ("dilation", 2**63)]


@pytest.mark.parametrize("name,value", BEYOND, ids=[n for n, _ in BEYOND])
def test_values_outside_int64_are_refused_not_wrapped(name, value):
    cfg = {**BASE, name: value}
    if name == "dilation":
        cfg["kernel_size"] = 1
    exact = gen_py.conv1d_ops(**cfg)
    assert exact > 0  # valid: the exact evaluator counts it
    if value >= 2**64:  # what ctypes would have passed, modulo 2**64: another, wrong count
        assert gen_py.conv1d_ops(**{**cfg, name: value % 2**64}) != exact
    message = rf"{name}={value} does not fit in a signed 64-bit integer \(symconv.conv1d_ops is exact"
    with pytest.raises(OverflowError, match="^" + message) as info:
        cbackend.conv1d_ops(**cfg)
    assert info.value.rule == "overflow"
    for column in ([value], np.array([value], dtype=object), [value, value]):
        with pytest.raises(OverflowError, match="^row 0: " + message):
            cbackend.conv1d_ops_array(**{**cfg, name: column})
    valid = {"padding": 1, "stride": 1, "dilation": 1}.get(name, BASE.get(name))
    _, ops, status = cbackend.conv1d_batch(**{**cfg, name: [valid, value]})
    assert status.tolist() == [0, cbackend.STATUS["overflow"]] and ops[1] == 0
    if name in ("input_length", "padding", "stride", "dilation"):
        args = {k: cfg.get(k, d) for k, d in (("input_length", 0), ("kernel_size", 0),
                                              ("stride", 1), ("padding", 0), ("dilation", 1))}
        with pytest.raises(OverflowError, match="^" + message):
            cbackend.conv1d_output_length(**args)


def test_uint64_columns_above_int64():
    batch = np.array([8, 2**63 + 8], dtype=np.uint64)
    with pytest.raises(OverflowError, match=rf"^row 1: batch_size={2**63 + 8} does not fit"):
        cbackend.conv1d_ops_array(batch, 16, 32, 100, 3)
    _, ops, status = cbackend.conv1d_batch(batch, 16, 32, 100, 3)
    assert status.tolist() == [0, cbackend.STATUS["overflow"]]
    assert ops[0] == gen_py.conv1d_ops(8, 16, 32, 100, 3)
    # a huge value that breaks a rule gets that rule's error, as in the exact evaluator
    with pytest.raises(ValueError, match=r"^row 1: in_channels=\d+ is not divisible by groups=2"):
        cbackend.conv1d_ops_array(8, np.array([16, 2**64 - 1], dtype=np.uint64), 32, 100, 3,
                                  groups=2)


@pytest.mark.parametrize("fn", [gen_py.conv1d_ops, cbackend.conv1d_ops, cbackend.conv1d_ops_array])
def test_huge_negative_stride_is_the_positive_rule(fn):
    with pytest.raises(ValueError, match=re.escape(f"stride must be a positive integer, got "
                                                   f"{-2**63 - 1}: {RULES['positive']}")):
        fn(**BASE, stride=-2**63 - 1)


# --- padding -1 is 'same' only in the C ABI -------------------------------------------------

def test_python_array_entry_points_refuse_padding_minus_one():
    with pytest.raises(ValueError, match="^" + re.escape(f"row 0: padding must be >= 0, got -1: "
                                                         f"{RULES['padding_negative']}") + "$"):
        cbackend.conv1d_ops_array(1, 1, 1, 10, 3, padding=np.array([-1]))
    _, ops, status = cbackend.conv1d_batch(1, 1, 1, 10, 3, padding=[-1, "same", 1, -2])
    negative = cbackend.STATUS["padding_negative"]
    assert status.tolist() == [negative, 0, 0, negative]
    assert ops.tolist() == [0, gen_py.conv1d_ops(1, 1, 1, 10, 3, padding="same"),
                            gen_py.conv1d_ops(1, 1, 1, 10, 3, padding=1), 0]
    # the C ABI itself keeps SYMCONV_PADDING_SAME
    out = ctypes.c_int64()
    assert cbackend.library().symconv_conv1d_ops(1, 1, 1, 10, 3, 1, cbackend.PADDING_SAME, 1, 1,
                                                 1, ctypes.byref(out)) == 0
    assert out.value == gen_py.conv1d_ops(1, 1, 1, 10, 3, padding="same")


# --- PyTorch's 1-tuples through the C wrapper ------------------------------------------------

def test_c_scalar_takes_1_tuples():
    assert (cbackend.conv1d_ops(8, 16, 32, 100, (5,), (2,), (2,), (1,))
            == gen_py.conv1d_ops(8, 16, 32, 100, 5, 2, 2, 1))
    assert cbackend.conv1d_output_length(100, (5,), [2], (2,), (1,)) == 50
    with pytest.raises(TypeError, match=r"^kernel_size must be an int or a 1-tuple, got \(3, 3\)"):
        cbackend.conv1d_ops(8, 16, 32, 100, (3, 3))
