"""The C batch's bounded path of every forward layer, decided row by row and checked exactly.

The batch functions of the forward layers take a bounded path (plain int64 arithmetic proved
overflow-free at generation time, unsigned 32-bit divisions) for rows within its bounds and
redo every other row with the checked code. Here a driver includes the generated C file
itself and calls its ``bounded_row`` directly on each row, so a path that is never taken, or
taken for a row outside its bounds, or wrong inside them, fails:

* ``bounded_row`` returns 1 exactly for rows within the bounds (sizes in [1, 2**bits],
  padding in [0, 2**bits), bias 0 or 1) that obey the groups and kernel rules and whose count
  fits in int64, and then its count and output sizes equal the exact Python evaluator's;
* the batch function (array columns and strided columns) gives every row the status and
  count of the scalar function (the checked code);
* compiled with gcc and clang where available, under the undefined-behaviour sanitizer.
"""

from __future__ import annotations

import random
import shutil
import subprocess
from pathlib import Path

import pytest

import symconv
from symconv.registry import get

from _helpers import FORWARD, FORWARD_ONLY

GENERATED = Path(__file__).resolve().parent.parent / "generated"
COMPILERS = [cc for cc in ("gcc", "clang") if shutil.which(cc)]
INT64_MAX = 2**63 - 1
pytestmark = pytest.mark.skipif(not COMPILERS, reason="no C compiler (gcc/clang)")

DRIVER = r"""
#include <stdio.h>
#include <stdlib.h>
#include "%(layer)s_ops.c"

#define NCOL %(ncol)d
#define DIMS %(dims)d

int main(void)
{
    size_t n = 0, cap = 256, i, failed[2];
    int64_t *col[NCOL], *wide[NCOL];
    int64_t *sizes[2], *ops[2];
    int *status[2];
    int k, w;
    long long v;
    symconv_%(layer)s_columns in[2];
    symconv_column *c[2][NCOL];
    for (k = 0; k < NCOL; k++) col[k] = malloc(cap * sizeof(int64_t));
    for (;;) {
        for (k = 0; k < NCOL; k++) {
            if (scanf("%%lld", &v) != 1) break;
            if (n == cap && k == 0) {
                int j;
                cap *= 2;
                for (j = 0; j < NCOL; j++) col[j] = realloc(col[j], cap * sizeof(int64_t));
            }
            col[k][n] = (int64_t)v;
        }
        if (k < NCOL) break;
        n++;
    }
    for (w = 0; w < 2; w++) {
        sizes[w] = calloc(n * DIMS + 1, sizeof(int64_t));
        ops[w] = calloc(n + 1, sizeof(int64_t));
        status[w] = calloc(n + 1, sizeof(int));
    }
    /* every column twice: once as an array, once every other element of a wider array */
    for (k = 0; k < NCOL; k++) {
        wide[k] = malloc((2 * n + 1) * sizeof(int64_t));
        for (i = 0; i < n; i++) {
            wide[k][2 * i] = col[k][i];
            wide[k][2 * i + 1] = -7;
        }
    }
%(bind)s
    for (k = 0; k < NCOL; k++) {
        c[0][k]->data = col[k];
        c[0][k]->step = 1;
        c[1][k]->data = wide[k];
        c[1][k]->step = 2;
    }
    for (w = 0; w < 2; w++) failed[w] = symconv_%(layer)s_ops_batch(n, &in[w], sizes[w], ops[w], status[w]);
    for (i = 0; i < n; i++) {
        int64_t bsize[DIMS + 1], bops = -1, sops = -1;
        int taken, sstatus;
        for (k = 0; k < DIMS; k++) bsize[k] = -1;
        taken = bounded_row(%(row_args)s, bsize, &bops);
        sstatus = %(scalar_call)s;
        printf("%%d %%lld", taken, (long long)bops);
        for (k = 0; k < DIMS; k++) printf(" %%lld", (long long)bsize[k]);
        printf(" %%d %%lld", sstatus, (long long)(sstatus == 0 ? sops : 0));
        for (w = 0; w < 2; w++) {
            printf(" %%d %%lld", status[w][i], (long long)(status[w][i] == 0 ? ops[w][i] : 0));
            for (k = 0; k < DIMS; k++) printf(" %%lld", (long long)(status[w][i] == 0 ? sizes[w][i * DIMS + k] : 0));
        }
        printf("\n");
    }
    printf("failed %%zu %%zu\n", failed[0], failed[1]);
    return 0;
}
"""

#: the columns in the order of bounded_row's arguments: (C name in the driver, struct field)
def _columns(dims: int, axes: str) -> list[tuple[str, str]]:
    cols = [("batch_size", "batch_size"), ("in_channels", "in_channels"),
            ("out_channels", "out_channels")]
    words = (("input", "input_size"), ("kernel", "kernel_size"), ("stride", "stride"),
             ("padding", "padding"), ("dilation", "dilation"))
    if dims == 1:
        cols += [("input_length", "input_length"), ("kernel_size", "kernel_size"),
                 ("stride", "stride"), ("padding", "padding"), ("dilation", "dilation")]
    else:
        cols += [(f"{word}_{a}", f"{field}[{i}]") for word, field in words
                 for i, a in enumerate(axes)]
    return cols + [("groups", "groups"), ("b", "bias")]


def _driver(layer: str) -> tuple[str, list[tuple[str, str]]]:
    spec = get(layer)
    dims = spec.dims
    cols = _columns(dims, [a.lower() for a in spec.axes])
    bind = "\n".join(f"    c[{w}][{k}] = &in[{w}].{field};"
                     for w in (0, 1) for k, (_, field) in enumerate(cols))
    row_args = ", ".join(f"col[{k}][i]" for k in range(len(cols)))
    if dims == 1:
        scalar = (f"symconv_{layer}_ops(" + ", ".join(f"col[{k}][i]" for k in range(9))
                  + ", (int)col[9][i], &sops)")
    else:
        arrays = []
        for j in range(5):
            arrays.append("(const int64_t[]){" + ", ".join(
                f"col[{3 + j * dims + x}][i]" for x in range(dims)) + "}")
        g, b = 3 + 5 * dims, 4 + 5 * dims
        scalar = (f"symconv_{layer}_ops(col[0][i], col[1][i], col[2][i], " + ", ".join(arrays)
                  + f", col[{g}][i], (int)col[{b}][i], &sops)")
    text = DRIVER % {"layer": layer, "ncol": len(cols), "dims": dims, "bind": bind,
                     "row_args": row_args, "scalar_call": scalar}
    return text, cols


def _limit_bits(layer: str) -> int:
    """The bound the generated bounded path tests, read from the generated C."""
    import re

    text = (GENERATED / f"{layer}_ops.c").read_text()
    found = set(re.findall(r"if \(\(offsets >> (\d+)\) != 0", text))
    assert len(found) == 1, found
    return int(found.pop())


def _rows(dims: int, bits: int, n: int, seed: int) -> list[list[int]]:
    """Rows in the column order of :func:`_columns`: random ones of every size, and the
    bounded path's edges (2**bits and 2**bits + 1, padding 2**bits - 1 and 2**bits, the
    largest numerators, groups and kernel rules broken inside the bounds, counts at 2**63)."""
    rng = random.Random(seed)
    lim = 2**bits

    def size() -> int:
        return rng.choice([1, 2, 3, lim - 1, lim, lim + 1, rng.randint(1, 300),
                           2 ** rng.randint(0, bits + 2) + rng.randint(-1, 1)])

    rows = []
    for _ in range(n):
        g = rng.choice([1, 1, 2, 3, 4, rng.randint(1, 64), lim, lim + 1])
        cin = g * rng.choice([1, 2, rng.randint(1, 64), lim // max(g, 1) or 1])
        cout = g * rng.choice([1, 3, rng.randint(1, 64), lim // max(g, 1) or 1])
        if rng.random() < 0.1:
            cin += rng.choice([1, -1]) if cin > 1 else 1  # groups rule broken
        per = []
        for _ in range(dims):
            k = rng.choice([1, 2, 3, 5, size()])
            s = rng.choice([1, 2, 3, 7, size()])
            d = rng.choice([1, 2, 3, size()])
            p = rng.choice([0, 1, 2, lim - 1, lim, rng.randint(0, 300)])
            span = d * (k - 1) + 1
            if rng.random() < 0.7:
                x = max(1, span - 2 * p + rng.choice([0, 0, 1, 5, rng.randint(0, 500)]))
            else:
                x = size()
            per.append((x, k, s, p, d))
        nb = rng.choice([1, 8, rng.randint(1, 64), size()])
        b = rng.choice([0, 1])
        rows.append([nb, cin, cout, *[v[j] for j in range(5) for v in per], g, b])
    return rows


def _exact(layer: str, dims: int, r: list[int]):
    """(ops, sizes) of the exact Python evaluator, or None where it refuses the row."""
    nb, cin, cout = r[:3]
    per = [r[3 + j * dims:3 + (j + 1) * dims] for j in range(5)]
    g, b = r[3 + 5 * dims:]
    shape = {"kernel_size": per[1], "stride": per[2], "padding": per[3], "dilation": per[4]}
    if dims == 1:
        shape = {k: v[0] for k, v in shape.items()}
        shape["input_length"] = per[0][0]
        size_fn = getattr(symconv, f"{layer}_output_length")
    else:
        shape = {k: tuple(v) for k, v in shape.items()}
        shape["input_size"] = tuple(per[0])
        size_fn = getattr(symconv, f"{layer}_output_size")
    try:
        ops = getattr(symconv, f"{layer}_ops")(nb, cin, cout, groups=g, bias=bool(b), **shape)
        sizes = size_fn(**shape)
    except (ValueError, OverflowError):
        return None
    return ops, (sizes,) if dims == 1 else tuple(sizes)


@pytest.mark.layers(where=FORWARD, reason=FORWARD_ONLY)
@pytest.mark.parametrize("cc", COMPILERS)
def test_bounded_path_taken_exactly_where_it_may_be_and_exact(layer, cc, tmp_path):
    spec = get(layer)
    dims = spec.dims
    text, cols = _driver(layer)
    (tmp_path / "driver.c").write_text(text)
    exe = tmp_path / "driver"
    flags = ["-std=c99", "-O1", "-g", f"-I{GENERATED}"]
    sanitize = ["-fsanitize=undefined", "-fno-sanitize-recover=all"]
    result = subprocess.run([cc, *flags, *sanitize, str(tmp_path / "driver.c"), "-o", str(exe)],
                            capture_output=True, text=True)
    if result.returncode != 0 and ("sanitize" in result.stderr or "libclang_rt" in result.stderr):
        # this compiler has no sanitizer runtime here: the same checks, unsanitized
        result = subprocess.run([cc, *flags, str(tmp_path / "driver.c"), "-o", str(exe)],
                                capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    bits = _limit_bits(layer)
    lim = 2**bits
    rows = _rows(dims, bits, 3000, seed=11 * dims)
    run = subprocess.run([str(exe)], input="\n".join(" ".join(map(str, r)) for r in rows) + "\n",
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    lines = run.stdout.splitlines()
    assert len(lines) == len(rows) + 1
    statuses_failed = [0, 0]
    taken_rows = 0
    for r, line in zip(rows, lines):
        v = list(map(int, line.split()))
        taken, bops, bsize = v[0], v[1], tuple(v[2:2 + dims])
        sstatus, sops = v[2 + dims], v[3 + dims]
        batches = [v[4 + dims + w * (2 + dims):4 + dims + (w + 1) * (2 + dims)] for w in (0, 1)]
        per = [r[3 + j * dims:3 + (j + 1) * dims] for j in range(5)]
        g, b = r[3 + 5 * dims:]
        sizes_ok = all(1 <= x <= lim for x in [r[0], r[1], r[2], g, *per[0], *per[1],
                                                *per[2], *per[4]])
        in_bounds = sizes_ok and all(0 <= p < lim for p in per[3]) and b in (0, 1)
        exact = _exact(layer, dims, r)
        fits = exact is not None and exact[0] <= INT64_MAX
        assert taken == (in_bounds and fits), (r, taken, exact)
        if taken:
            taken_rows += 1
            assert (bops, bsize) == exact, (r, bops, bsize, exact)
        # the batch (both layouts) gives every row the scalar checked code's status and count
        for w, got in enumerate(batches):
            assert got[0] == sstatus and got[1] == sops, (r, w, got, sstatus, sops)
            statuses_failed[w] += got[0] != 0
            if got[0] == 0:
                assert got[1] == exact[0] and tuple(got[2:]) == exact[1], (r, got, exact)
        assert (sstatus == 0) == fits, (r, sstatus, exact)
    assert lines[-1] == f"failed {statuses_failed[0]} {statuses_failed[1]}"
    # the rows cover both paths and the edges
    assert taken_rows > 300 and len(rows) - taken_rows > 300
