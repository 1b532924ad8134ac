"""The transposed layers' C bounded path (a tap loop without division per dimension) against the
checked path (floor sums), the exact evaluator and the tap sums.

* the helpers ``clipped_ceil_sum_bounded`` and ``bounded_gcd`` of symconv_floorsum.c against
  the sum they stand for and ``math.gcd``, exhaustively on a small domain and at the edges of
  their domain, under the address and undefined-behaviour sanitizers, gcc and clang;
* every layer's C built with the bounded path and without it (``SYMCONV_CHECKED_ONLY``), with
  gcc and clang, under the undefined-behaviour sanitizer: the same status, count, output size
  and every quantity on random rows and on rows at the path's bounds and just outside them
  (holes, cropping, output_padding, groups, zero padding, huge values, invalid rows), equal
  to the exact evaluator;
* the path is taken: a build with ``SYMCONV_BOUNDED_PROBE`` counts the dimensions it computes,
  exactly those within its bounds (so the test fails if the path is never taken, or taken
  outside its bounds);
* the bounded path's form is the checked path's once each clipped sum is expanded.
"""

from __future__ import annotations

import math
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from _helpers import TRANSPOSED
from _transposed import (
    AXIS_NAMES, DIMS, GENERATED, INT64_MAX, QUANTITIES, STRICT, TLAYERS, _configs, _exact,
    _expected, _kwargs, _statuses)

from symconv import convtranspose as ct
from symconv.codegen import transpose

CODEGEN = Path(transpose.__file__).resolve().parent
COMPILERS = [cc for cc in ("gcc", "clang") if shutil.which(cc)]
needs_cc = pytest.mark.skipif(not COMPILERS, reason="no C compiler (gcc/clang)")
_SANITIZERS = {}


def _sanitize(cc, tmp_path, address=False):
    """The undefined-behaviour sanitizer (with its runtime and the address sanitizer where
    ``address`` and the compiler has the runtimes; else trapping on undefined behaviour, which
    needs no runtime)."""
    key = (cc, address)
    if key not in _SANITIZERS:
        probe = tmp_path / "probe.c"
        probe.write_text("int main(void) { return 0; }\n")
        choices = ([["-fsanitize=address,undefined", "-fno-sanitize-recover=all"]] if address
                   else []) + [["-fsanitize=undefined", "-fno-sanitize-recover=all"],
                               ["-fsanitize=undefined", "-fsanitize-trap=undefined"]]
        for flags in choices:
            done = subprocess.run([cc, *flags, str(probe), "-o", str(tmp_path / "probe")],
                                  capture_output=True)
            if done.returncode == 0:
                _SANITIZERS[key] = flags
                break
        else:
            pytest.fail(f"{cc} builds no sanitized program")
    return _SANITIZERS[key]
SIZE_LIMIT = 2 ** transpose.BOUNDED_BITS["size"]
SMALL_LIMIT = 2 ** transpose.BOUNDED_BITS["small"]

pytestmark = pytest.mark.layers(where=TRANSPOSED, reason="the transposed layers' own C path")


def _clipped_sum(k0, k1, x, s, d, cap):
    """The definition: Σ_{k=k0}^{k1−1} clip(⌈(x − k·d)/s⌉, 0, cap), term by term (the
    ceilings do not increase: it stops at the first term <= 0)."""
    total = 0
    for k in range(k0, k1):
        c = -((k * d - x) // s)
        if c <= 0:
            break
        total += min(c, cap)
    return total


def test_bounded_form_is_the_checked_form():
    a = ct.axis_symbols("")
    fast = (ct.products_log(a, transpose._clipped_opaque), ct.reached_log(a, transpose._clipped_opaque))
    assert fast[0].atoms(transpose.ClippedCeilSum) and fast[1].atoms(transpose.ClippedCeilSum)
    assert transpose.clipped_expanded(fast[0]) == ct.products_log(a)
    assert transpose.clipped_expanded(fast[1]) == ct.reached_log(a)
    code = transpose.bounded_axis()
    text = " ".join(v for _, v in code["steps"]) + code["products"] + code["reached"]
    assert "clipped_ceil_sum_bounded" in text and "floor_sum" not in text
    assert "double" not in text and "float" not in text


def test_bounded_interval_proof_refuses_wider_bounds():
    """The proof is a proof: doubling the small bound past the helpers' domain fails it."""
    a = ct.axis_symbols("")
    ranges = {a.in_: (1, SIZE_LIMIT), a.K: (1, 2**32), a.s: (1, 2**32), a.d: (1, 2**32),
              a.p: (0, 2**32), a.op: (0, 2**32)}
    with pytest.raises(AssertionError):
        transpose._bounded_interval(ct.products_log(a, transpose._clipped_opaque), ranges)


@needs_cc
@pytest.mark.parametrize("cc", COMPILERS)
def test_bounded_helpers_agree(cc, tmp_path):
    driver = tmp_path / "drv.c"
    driver.write_text('#include "symconv_floorsum.c"\n#include <stdio.h>\nint main(void)\n{\n'
                      "    long long k0, k1, x, s, d, cap, a, b, checked = 0, wrong = 0;\n"
                      # bounded_quotient: every numerator below 2^16 + 3 and divisor up to 67
                      # (the reciprocal table and the division beside it), and large operands
                      "    for (a = 0; a < 65539; a++) for (b = 1; b < 68; b++) {\n"
                      "        checked++; wrong += bounded_quotient(a, b) != a / b;\n    }\n"
                      "    for (a = 4294967295LL; a > 0; a /= 3) for (b = 1; b < 4294967296LL; b = b * 5 + 1) {\n"
                      "        checked++; wrong += bounded_quotient(a, b) != a / b;\n    }\n"
                      '    printf("%lld %lld\\n", checked, wrong);\n'
                      '    while (scanf("%lld %lld %lld %lld %lld %lld", &k0, &k1, &x, &s, &d, &cap) == 6) {\n'
                      '        printf("%lld %lld\\n", (long long)clipped_ceil_sum_bounded(k0, k1, x, s, d, cap),'
                      " (long long)bounded_gcd(s, d));\n    }\n    return 0;\n}\n")
    exe = tmp_path / "drv"
    subprocess.run([cc, *STRICT, "-Wno-unused-function", "-O1", *_sanitize(cc, tmp_path, True),
                    "-I", str(CODEGEN), str(driver), "-o", str(exe)],
                   check=True, capture_output=True, text=True)
    cases = [(k0, k1, x, s, d, cap) for k0 in range(4) for k1 in range(k0, 7)
             for x in range(-4, 15) for s in range(1, 6) for d in range(1, 5) for cap in (0, 1, 2, 5)]
    top = 2**31 - 1
    rng = random.Random(5)
    for _ in range(3000):  # the edges of the domain: |x|, s, d, k1 < 2**31; the loop stops early
        s, d = rng.choice([1, 2, 3, 7, top, top - 1, rng.randint(1, top)]), rng.choice(
            [1, 2, 3, 7, top, rng.randint(1, top)])
        x = rng.choice([top, -top, 1, 0, -1, rng.randint(-top, top)])
        k0 = rng.choice([0, 1, rng.randint(0, 50)])
        k1 = rng.choice([k0, k0 + 1, top, rng.randint(k0, top)])
        if min(k1 - k0, max(0, -((k0 * d - x) // d))) > 10**5:
            continue  # a long loop: correct but slow to check here
        cap = rng.choice([0, 1, 2**31, 2**62 // max(1, k1 - k0), rng.randint(0, 2**31)])
        if (k1 - k0) * cap < 2**63:
            cases.append((k0, k1, x, s, d, cap))
    out = subprocess.run([str(exe)], input="".join(" ".join(map(str, c)) + "\n" for c in cases),
                         capture_output=True, text=True, check=True)
    assert out.stderr == ""
    lines = out.stdout.splitlines()
    checked, wrong = map(int, lines.pop(0).split())
    assert checked > 65539 * 67 and wrong == 0
    assert len(lines) == len(cases)
    for case, line in zip(cases, lines):
        got, g = map(int, line.split())
        assert got == _clipped_sum(*case), case
        assert g == math.gcd(case[3], case[4]), case


# --- every layer: bounded path against checked path ------------------------------------------

def _driver(layer):
    """A driver of one layer: rows on stdin; per row the batch's status, count and sizes, and
    the scalar quantities function's status and values; the probe's counter last."""
    dims = DIMS[layer]
    sizes = "input_length" if dims == 1 else "input_size"
    fields = [("batch_size", 0), ("in_channels", 1), ("out_channels", 2), ("groups", 3),
              ("bias", 4)]
    lines = [f'#include "{layer}_ops.c"', "#include <stdio.h>", "#include <stdlib.h>",
             "int main(void)", "{", "    size_t n, i, k;",
             f"    symconv_{layer}_columns in;", "    int64_t *col[5 + 6 * %d];" % dims,
             "    int64_t *sizes, *ops;", "    int *status;",
             '    if (scanf("%zu", &n) != 1) return 1;',
             "    for (k = 0; k < 5 + 6 * %d; k++) col[k] = malloc((n + 1) * sizeof(int64_t));" % dims,
             "    sizes = malloc((n + 1) * %d * sizeof(int64_t));" % dims,
             "    ops = malloc((n + 1) * sizeof(int64_t));", "    status = malloc((n + 1) * sizeof(int));",
             "    for (i = 0; i < n; i++) for (k = 0; k < 5 + 6 * %d; k++) {" % dims,
             "        long long v;", '        if (scanf("%lld", &v) != 1) return 1;',
             "        col[k][i] = (int64_t)v;", "    }"]
    for name, j in fields:
        lines.append(f"    in.{name}.data = col[{j}]; in.{name}.step = 1;")
    for j, name in enumerate(AXIS_NAMES):
        field = sizes if name == "input_size" else name
        for x in range(dims):
            target = f"in.{field}" + (f"[{x}]" if dims > 1 else "")
            lines.append(f"    {target}.data = col[{5 + 6 * x + j}]; {target}.step = 1;")
    lines += [f"    symconv_{layer}_ops_batch(n, &in, sizes, ops, status);",
              "    for (i = 0; i < n; i++) {",
              "        int64_t q[SYMCONV_CONV_TRANSPOSE_QUANTITIES] = {0};", "        int st;"]
    if dims == 1:
        args = ", ".join(f"col[{5 + j}][i]" for j in range(6))
    else:
        lines.append("        int64_t a[6][%d];" % dims)
        lines.append("        for (k = 0; k < 6 * %d; k++) a[k %% 6][k / 6] = col[5 + k][i];" % dims)
        args = ", ".join(f"a[{j}]" for j in range(6))
    lines += [f"        st = symconv_{layer}_quantities(col[0][i], col[1][i], col[2][i], {args}, "
              "col[3][i], (int)col[4][i], q);",
              '        printf("%d %lld", status[i], (long long)(status[i] == 0 ? ops[i] : 0));',
              "        for (k = 0; k < %d; k++) printf(\" %%lld\", (long long)(status[i] == 0 ? sizes[i * %d + k] : 0));" % (dims, dims),
              '        printf(" %d", st);',
              "        for (k = 0; k < SYMCONV_CONV_TRANSPOSE_QUANTITIES; k++) printf(\" %lld\", (long long)(st == 0 ? q[k] : 0));",
              '        printf("\\n");', "    }", "#ifdef SYMCONV_BOUNDED_PROBE",
              f'    printf("probe %ld %ld\\n", symconv_{layer}_bounded_axes, symconv_{layer}_bounded_rows);',
              "#endif",
              "    return 0;", "}"]
    return "\n".join(lines) + "\n"


def _in_bounds(a):
    i, k, s, p, op, d = a
    return (1 <= i <= SIZE_LIMIT and all(1 <= v <= SMALL_LIMIT for v in (k, s, d))
            and 0 <= p < SMALL_LIMIT and 0 <= op < SMALL_LIMIT)


def _row_in_bounds(row):
    n, cin, cout, g, b, axes = row
    return (all(1 <= v <= 2 ** transpose.BOUNDED_BITS["channels"]
                for v in (1 if n is None else n, cin, cout, g))
            and b in (0, 1) and all(_in_bounds(a) for a in axes))


def _size_fits(a):
    """The C output size of dimension ``a`` without overflow: every intermediate of its
    printed order, d(K - 1) + op - 2p + s(in - 1) + 1, within int64 (else the row's status
    is overflow before any dimension is counted)."""
    i, k, s, p, op, d = a
    steps = [d * (k - 1), d * (k - 1) + op, 2 * p, d * (k - 1) + op - 2 * p, s * (i - 1),
             d * (k - 1) + op - 2 * p + s * (i - 1), d * (k - 1) + op - 2 * p + s * (i - 1) + 1]
    return all(-2**63 <= v <= INT64_MAX for v in steps)


def _edge_axis(rng):
    """A valid dimension at the bounded path's bounds, just inside or just outside."""
    for _ in range(100):
        i = rng.choice([1, 2, 5, SIZE_LIMIT - 1, SIZE_LIMIT, SIZE_LIMIT + 1, 2**40, 2**62,
                        rng.randint(1, 5000)])
        k, s, d = (rng.choice([1, 2, 3, 4, 7, SMALL_LIMIT - 1, SMALL_LIMIT, SMALL_LIMIT + 1,
                               2**20, rng.randint(1, 12)]) for _ in range(3))
        op = rng.choice([0, 0, 1, SMALL_LIMIT - 1, SMALL_LIMIT, max(s, d) - 1,
                         rng.randrange(max(s, d))])
        p = rng.choice([0, 0, 1, 2, 5, SMALL_LIMIT - 1, SMALL_LIMIT, SMALL_LIMIT + 1,
                        rng.randint(0, 40)])
        if op >= max(s, d):
            continue
        if (i - 1) * s + d * (k - 1) + op - 2 * p + 1 < 1:
            p = rng.randint(0, ((i - 1) * s + d * (k - 1) + op) // 2)
        if max(i, k, s, p, op, d, (i - 1) * s + d * (k - 1) + op + 1) <= INT64_MAX:
            return (i, k, s, p, op, d)
    return (1, 1, 1, 0, 0, 1)


def _rows(layer, seed):
    """Random rows of the codegen sweep, rows of small (bench-like) values, rows at the edges
    of the bounds, and some invalid rows (bad values, groups, output_padding)."""
    dims = DIMS[layer]
    rng = random.Random(seed)
    rows = _configs(rng, dims, 3000, pool_size=1000)
    for _ in range(3000):
        axes = []
        for _ in range(dims):
            k, d, s = rng.randint(1, 11), rng.randint(1, 3), rng.randint(1, 4)
            op = rng.randint(0, 3) % max(s, d)
            i = rng.randint(1, 300)
            p = rng.randint(0, 6)
            if (i - 1) * s + d * (k - 1) + op - 2 * p + 1 < 1:
                p = 0
            axes.append((i, k, s, p, op, d))
        g = rng.choice([1, 1, 2, 4, 8])
        rows.append((rng.randint(1, 64), g * rng.randint(1, 256), g * rng.randint(1, 256), g,
                     rng.randint(0, 1), tuple(axes)))
    for _ in range(3000):
        g = rng.choice([1, 2, 3, 2**20])
        rows.append((rng.choice([1, 2, 2**30]), g * rng.choice([1, 5, 2**20]),
                     g * rng.choice([1, 3, 2**20]), g, rng.randint(0, 1),
                     tuple(_edge_axis(rng) for _ in range(dims))))
    bad = []
    for _ in range(300):
        n, cin, cout, g, b, axes = rows[rng.randrange(len(rows))]
        axes = [list(a) for a in axes]
        j = rng.randrange(6)
        axes[rng.randrange(dims)][j] = rng.choice([0, -1, -SMALL_LIMIT, SMALL_LIMIT])
        bad.append((n, cin + rng.choice([0, 1]), cout, g, rng.choice([b, 2]),
                    tuple(tuple(a) for a in axes)))
    return rows, bad


def _line(row):
    n, cin, cout, g, b, axes = row
    return " ".join(map(str, [1 if n is None else n, cin, cout, g, b] + [x for a in axes for x in a]))


def _run(cc, layer, tmp_path, defines, rows):
    build = tmp_path / f"{cc}{''.join(defines)}"
    build.mkdir()
    for name in ("conv1d_ops.h", f"{layer}_ops.h", f"{layer}_ops.c"):
        shutil.copy(GENERATED / name, build / name)
    (build / "drv.c").write_text(_driver(layer))
    exe = build / "drv"
    subprocess.run([cc, *STRICT, "-O1", *_sanitize(cc, tmp_path), *defines, "-I", str(build),
                    str(build / "drv.c"), "-o", str(exe)], check=True, capture_output=True, text=True)
    out = subprocess.run([str(exe)], input=f"{len(rows)}\n" + "\n".join(map(_line, rows)) + "\n",
                         capture_output=True, text=True, check=True)
    assert out.stderr == "", out.stderr[:2000]
    return out.stdout.splitlines()


@needs_cc
@pytest.mark.parametrize("tlayer", TLAYERS)
def test_bounded_path_equals_checked_path(tlayer, tmp_path):
    dims = DIMS[tlayer]
    rows, bad = _rows(tlayer, 700 + dims)
    everything = rows + bad
    outputs = {}
    for cc in COMPILERS:
        outputs[cc] = _run(cc, tlayer, tmp_path, ["-DSYMCONV_BOUNDED_PROBE"], everything)
        outputs[cc + " checked"] = _run(cc, tlayer, tmp_path, ["-DSYMCONV_CHECKED_ONLY"], everything)
    first = outputs[COMPILERS[0]]
    for name, lines in outputs.items():
        body = [x for x in lines if not x.startswith("probe")]
        assert body == [x for x in first if not x.startswith("probe")], name

    # the bounded paths were taken, for exactly the rows and dimensions within their bounds:
    # the batch tries the bounded row first (taken for a row within its bounds whose count
    # fits, i.e. whose batch status is ok), else count(), which takes the bounded path for
    # each dimension within its bounds once the rules hold and the output sizes fit; the
    # scalar quantities function always counts by count().
    codes = _statuses()
    axes_want = rows_want = inside = outside = 0
    for row, line in zip(everything, first):
        fields = line.split()
        batch_ok = codes[int(fields[0])] == "ok"
        counted = codes[int(fields[2 + dims])] in ("ok", "overflow") and all(
            _size_fits(a) for a in row[5])
        n, cin, cout, g, b, axes = row
        taken = batch_ok and _row_in_bounds(row)
        rows_want += taken
        if counted:
            axes_want += sum(_in_bounds(a) for a in axes) * (2 - taken)
        inside += taken
        outside += counted and not any(_in_bounds(a) for a in axes)
    assert inside > 3000 and outside > 200 and axes_want > len(rows) // 2, (inside, outside)
    for cc in COMPILERS:
        probe = [x for x in outputs[cc] if x.startswith("probe")]
        assert probe == [f"probe {axes_want} {rows_want}"], (cc, probe)

    want, axis = _expected(rows)
    # and every value equals the exact evaluator's
    for index, row in enumerate(rows):
        fields = list(map(int, first[index].split()))
        st, ops, sizes = fields[0], fields[1], fields[2:2 + dims]
        st2, values = fields[2 + dims], fields[3 + dims:]
        if codes[st] == "ok":
            assert ops == want["ops"][index] and tuple(sizes) == want["output_size"][index], row
        else:
            assert codes[st] == "overflow", row
        if codes[st2] == "ok":
            assert values == [want[q][index] for q in QUANTITIES], row
        else:
            assert codes[st2] == "overflow", row
    exact = getattr(_exact(tlayer), f"{tlayer}_ops")
    refused = 0
    for row, line in zip(bad, first[len(rows):]):
        st = int(line.split()[0])
        kw = _kwargs(tlayer, row)
        kw["bias"] = row[4]  # 0, 1 or the invalid 2
        try:
            exact(**kw)
        except (TypeError, ValueError) as exc:
            assert codes[st] == exc.rule, (row, codes[st], exc)
            refused += 1
    assert refused > len(bad) // 2
