"""The checked C arithmetic (symconv/codegen/symconv_checked.c) as C code of its own.

The generator copies the file's text below its marker line verbatim into every generated
``.c`` file; here the file itself is compiled with strict warnings as errors (gcc and clang,
the compiler builtins and the portable checks), linted with ``clang -Weverything`` and the
clang static analyzer, and unit-tested: a small C driver runs each helper on edge and random
operands under ``-fsanitize=address,undefined`` and the results are compared with exact
Python integers (an overflow flag exactly when the true result leaves int64_t, the true
result otherwise; 128-bit arithmetic modulo 2**128).
"""

from __future__ import annotations

import random
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from symconv import codegen
from symconv.generate import artifacts

STATIC = Path(codegen.__file__).resolve().parent / codegen.C_HELPERS_FILE
TEMPLATES = Path(codegen.__file__).resolve().parent.parent / "templates"
COMPILERS = [cc for cc in ("gcc", "clang") if shutil.which(cc)]
VARIANTS = {"builtins": [], "portable": ["-DSYMCONV_PORTABLE_OVERFLOW"]}
STRICT = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic"]
INT64_MIN, INT64_MAX = -2**63, 2**63 - 1
MOD128 = 2**128

needs_cc = pytest.mark.skipif(not COMPILERS, reason="no C compiler (gcc/clang)")

#: Reads one operation a line, prints the result: "<flag> <result>" for the int64 helpers,
#: "<hi> <lo>" for the 128-bit ones, "<0|1>" for wide_less.
DRIVER = r"""
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "symconv_checked.c"

static symconv_wide wide(uint64_t hi, uint64_t lo)
{
    symconv_wide w;
    w.hi = hi;
    w.lo = lo;
    return w;
}

int main(void)
{
    char op[16];
    while (scanf("%15s", op) == 1) {
        if (strncmp(op, "wide_", 5) == 0) {
            symconv_wide r;
            if (strcmp(op, "wide_of") == 0) {
                int64_t v;
                if (scanf("%" SCNd64, &v) != 1) return 2;
                r = wide_of(v);
            } else {
                uint64_t ahi, alo, bhi, blo;
                if (scanf("%" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64,
                          &ahi, &alo, &bhi, &blo) != 4) return 2;
                if (strcmp(op, "wide_less") == 0) {
                    printf("%d\n", wide_less(wide(ahi, alo), wide(bhi, blo)));
                    continue;
                }
                r = strcmp(op, "wide_add") == 0 ? wide_add(wide(ahi, alo), wide(bhi, blo))
                  : strcmp(op, "wide_sub") == 0 ? wide_sub(wide(ahi, alo), wide(bhi, blo))
                  : wide_mul(wide(ahi, alo), wide(bhi, blo));
            }
            printf("%" PRIu64 " %" PRIu64 "\n", r.hi, r.lo);
        } else {
            int64_t a, b, r;
            int overflow = 0;
            if (scanf("%" SCNd64 " %" SCNd64, &a, &b) != 2) return 2;
            r = strcmp(op, "add") == 0 ? checked_add(a, b, &overflow)
              : strcmp(op, "sub") == 0 ? checked_sub(a, b, &overflow)
              : strcmp(op, "mul") == 0 ? checked_mul(a, b, &overflow)
              : floor_div(a, b, &overflow);
            printf("%d %" PRId64 "\n", overflow, overflow ? (int64_t)0 : r);
        }
    }
    return 0;
}
"""

EDGES = sorted({0, 1, -1, 2, -2, 3, -3, 7, -7, 2**31 - 1, 2**31, -2**31, 2**32 - 1, 2**32,
                2**32 + 1, -2**32, 3037000499, 3037000500, -3037000499, -3037000500,
                2**62, -2**62, INT64_MAX, INT64_MAX - 1, INT64_MIN, INT64_MIN + 1,
                INT64_MAX // 2, INT64_MIN // 2, INT64_MAX // 3, INT64_MIN // 3})


def _int64(value: int) -> int:
    return (value + 2**63) % 2**64 - 2**63


def _expected(op: str, a: int, b: int) -> tuple[int, int]:
    """(overflow flag, result) of the int64 helper ``op``, from exact Python integers."""
    if op == "floordiv":
        if b == 0:
            return 1, 0
        exact = a // b  # Python's // is floor division
    else:
        exact = {"add": a + b, "sub": a - b, "mul": a * b}[op]
    return (0, exact) if INT64_MIN <= exact <= INT64_MAX else (1, 0)


def _cases(seed: int = 11, randoms: int = 3000) -> list[tuple[str, int, int]]:
    rng = random.Random(seed)

    def draw() -> int:
        bits = rng.choice((4, 16, 31, 32, 33, 62, 63, 64))
        return _int64(rng.getrandbits(bits) * rng.choice((1, -1)))

    pairs = [(a, b) for a in EDGES for b in EDGES] + [(draw(), draw()) for _ in range(randoms)]
    return [(op, a, b) for op in ("add", "sub", "mul", "floordiv") for a, b in pairs]


def _wide_cases(seed: int = 12, randoms: int = 2000) -> list[tuple]:
    rng = random.Random(seed)
    values = [0, 1, MOD128 - 1, 2**64 - 1, 2**64, 2**63, 2**127 - 1, 2**127, 2**32 - 1, 2**32]
    values += [rng.getrandbits(rng.choice((32, 64, 96, 128))) for _ in range(randoms)]
    out: list[tuple] = [("wide_of", v) for v in EDGES]
    for i, a in enumerate(values):
        b = values[(i * 7 + 3) % len(values)] if i < 10 else rng.choice(values)
        for op in ("wide_add", "wide_sub", "wide_mul", "wide_less"):
            out.append((op, a, b))
        out.append(("wide_less", a, a))
    return out


def _signed128(value: int) -> int:
    return value - MOD128 if value >= 2**127 else value


def _wide_expected(case: tuple) -> str:
    op, *args = case
    if op == "wide_of":
        value = args[0] % MOD128
    elif op == "wide_less":
        return str(int(_signed128(args[0]) < _signed128(args[1])))
    else:
        a, b = args
        value = {"wide_add": a + b, "wide_sub": a - b, "wide_mul": a * b}[op] % MOD128
    return f"{value >> 64} {value & (2**64 - 1)}"


def _wide_line(case: tuple) -> str:
    op, *args = case
    if op == "wide_of":
        return f"{op} {args[0]}"
    return op + "".join(f" {v >> 64} {v & (2**64 - 1)}" for v in args)


def _build(cc: str, flags: list[str], tmp_path: Path, name: str) -> Path:
    (tmp_path / "driver.c").write_text(DRIVER)
    exe = tmp_path / name
    result = subprocess.run([cc, *flags, f"-I{STATIC.parent}", str(tmp_path / "driver.c"),
                             "-o", str(exe)], capture_output=True, text=True)
    if result.returncode != 0 and any(w in result.stderr for w in ("sanitize", "asan", "ubsan")):
        pytest.skip(f"{cc} cannot build sanitized binaries here: {result.stderr[:200]}")
    assert result.returncode == 0, result.stderr
    return exe


# --- the file is the one source of the helpers --------------------------------------------

def test_generated_c_carries_the_static_file_verbatim():
    text = codegen.c_helpers()
    assert "static int64_t checked_add(" in text and "static int wide_less(" in text
    c_files = {name: body for name, body in artifacts().items() if name.endswith(".c")}
    assert len(c_files) >= 3
    for name, body in c_files.items():
        assert body.count(text) == 1, name
    # every helper the printers call is defined in the file
    for helper in (*codegen.C_HELPERS.values(), *codegen.WIDE_HELPERS.values()):
        assert f" {helper}(" in text, helper


def test_no_template_defines_c_arithmetic():
    """Templates lay out strings: no C helper is defined in one (the old partial is gone)."""
    assert not (TEMPLATES / "_c_helpers.c.jinja").exists()
    for template in TEMPLATES.glob("*.jinja"):
        body = template.read_text(encoding="utf-8")
        for helper in (*codegen.C_HELPERS.values(), *codegen.WIDE_HELPERS.values(), "wide_less"):
            assert f" {helper}(int64_t" not in body and f" {helper}(symconv_wide" not in body, \
                (template.name, helper)


def test_numpy_templates_hold_no_interval_or_checked_arithmetic():
    """The NumPy interval/checked-int64 classes live in symconv/codegen/int64_numpy.py only
    (the transposed layers' checked rows and floor sum in symconv/codegen/floorsum_numpy.py)."""
    for template in TEMPLATES.glob("*numpy*.jinja"):
        body = template.read_text(encoding="utf-8")
        assert not re.search(r"^\s*class \w", body, re.M), template.name
        for name in ("_checked", "_range", "__add__", "__mul__", "__floordiv__"):
            assert f"def {name}(" not in body, (template.name, name)
        assert "{{ int64_helpers }}" in body or "{{ floorsum_numpy }}" in body, template.name


# --- compiled, linted, unit-tested as C -----------------------------------------------------

@needs_cc
@pytest.mark.parametrize("cc", COMPILERS)
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_static_file_compiles_alone_strict(cc, variant, tmp_path):
    """The file alone is a translation unit (its helpers unused there: -Wno-unused-function)."""
    result = subprocess.run([cc, *STRICT, "-Wno-unused-function", *VARIANTS[variant], "-c",
                             str(STATIC), "-o", str(tmp_path / "alone.o")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


@needs_cc
@pytest.mark.parametrize("cc", COMPILERS)
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_driver_compiles_strict(cc, variant, tmp_path):
    """With every helper used, no warning at all (unused-function included)."""
    (tmp_path / "driver.c").write_text(DRIVER)
    result = subprocess.run([cc, *STRICT, "-O2", *VARIANTS[variant], f"-I{STATIC.parent}", "-c",
                             str(tmp_path / "driver.c"), "-o", str(tmp_path / "driver.o")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


#: -Weverything flags what the file alone cannot avoid: it uses none of its own helpers and
#: macros there (the generated files do; the driver above uses every helper).
_EVERYTHING_OFF = ["-Wno-unused-function", "-Wno-unused-macros"]


@pytest.mark.skipif(shutil.which("clang") is None, reason="clang is not installed")
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_static_file_clang_weverything(variant, tmp_path):
    result = subprocess.run(["clang", "-std=c99", "-Weverything", "-Werror", *_EVERYTHING_OFF,
                             *VARIANTS[variant], "-c", str(STATIC), "-o",
                             str(tmp_path / "alone.o")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.skipif(shutil.which("clang") is None, reason="clang is not installed")
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_static_file_clang_analyzer(variant, tmp_path):
    """The clang static analyzer finds nothing, on the file and on the driver using it."""
    (tmp_path / "driver.c").write_text(DRIVER)
    for source in (STATIC, tmp_path / "driver.c"):
        result = subprocess.run(["clang", "--analyze", "-Xclang", "-analyzer-werror", "-std=c99",
                                 *VARIANTS[variant], f"-I{STATIC.parent}", str(source), "-o",
                                 str(tmp_path / "report.plist")],
                                capture_output=True, text=True, cwd=tmp_path)
        assert result.returncode == 0, (source.name, result.stderr)
        assert "warning" not in result.stderr, (source.name, result.stderr)


@needs_cc
@pytest.mark.parametrize("cc", COMPILERS)
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_checked_arithmetic_sanitized(cc, variant, tmp_path):
    """add/sub/mul overflow and floor division (the zero divisor and INT64_MIN / -1 included)
    against exact Python integers, under the address and undefined-behaviour sanitizers."""
    exe = _build(cc, [*STRICT, "-g", "-O1", "-fsanitize=address,undefined",
                      "-fno-sanitize-recover=all", *VARIANTS[variant]], tmp_path, "checked")
    cases = _cases()
    wide = _wide_cases()
    stdin = "\n".join([f"{op} {a} {b}" for op, a, b in cases]
                      + [_wide_line(c) for c in wide]) + "\n"
    result = subprocess.run([str(exe)], input=stdin, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert len(lines) == len(cases) + len(wide)
    overflows = 0
    for (op, a, b), line in zip(cases, lines):
        flag, value = _expected(op, a, b)
        overflows += flag
        assert line == f"{flag} {value}", (op, a, b, line)
    for case, line in zip(wide, lines[len(cases):]):
        assert line == _wide_expected(case), (case, line)
    # the sweep reaches both outcomes of every operation
    assert 0 < overflows < len(cases)
    for op in ("add", "sub", "mul", "floordiv"):
        flags = {_expected(o, a, b)[0] for o, a, b in cases if o == op}
        assert flags == {0, 1}, op
